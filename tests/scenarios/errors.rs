# Every documented error, and nothing changed by a failure.
gc disable
create a slots=1 payload=4
write a 0 "wxyz"
create t slots=0
link a 0 t                              # a.slot[0] -> t
expect error ENOENT drop @999           # never issued
expect error ENOENT stat @0             # REFSLAB_NONE names nothing
dup b a
drop b
expect error ENOENT drop b              # dropped
expect error ENOENT dup x b
expect error ERANGE link a 1 a          # slot out of range
expect error ERANGE get x a 5
expect error ERANGE write a 2 "abc"     # past the payload
expect payload a 0 "wxyz"               # no byte of it written
expect error ERANGE read a 0xffffffffffffffff 2   # offset + len overflows
expect error EINVAL create big slots=1025
expect error EINVAL create big payload=65537
expect error ENOENT link a 0 @4242
expect slot a 0 t                       # the failed links left it alone
expect refcount t 2
expect refcount a 1
expect objects 2
expect handles 2
unlink a 0
drop t
expect objects 1
expect handles 1

cache create nodes 64
expect error EEXIST cache create nodes 128
expect error EINVAL cache create "bad name" 64
expect error EINVAL cache create odd 64 align=3
create n cache=nodes payload=8
expect error EBUSY cache destroy nodes
drop n
cache destroy nodes
expect caches 0

limits objects=2
create c
expect error EDQUOT create d
expect objects 2
limits handles=3
dup c2 c
expect error EDQUOT dup c3 c
expect handles 3
