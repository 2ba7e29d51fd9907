# Objects, handles, slots and payloads: refcounts exact after each step.
# expect-stdout: a[0..5] = "hello"
gc disable                      # nothing moves behind our back

create a slots=2 payload=16     # a = a new object, refcount 1
expect refcount a 1
expect objects 1
expect handles 1
dup b a                         # a second handle to the same object
expect same a b
expect refcount a 2

create c slots=1 payload=8
link a 0 c                      # a.slot[0] -> c: c gains a reference
expect refcount c 2
expect slot a 0 c
expect slot a 1 empty
get d a 0                       # d: a new handle to what a.slot[0] holds
expect same d c
expect refcount c 3
drop d
expect refcount c 2

write a 0 "hello"
write a 5 ", world\0"
expect payload a 0 "hello, world\0"
read a 0 5                      # prints it (checked by scenarios.t)
expect payload a 0 "hello"
expect payload a 13 "\0\0\0"    # the rest is still zero

unlink a 0
expect refcount c 1
expect slot a 0 empty

link a 1 a                      # a self reference
expect refcount a 3
unlink a 1
expect refcount a 2

drop b
expect refcount a 1
drop a                          # last reference: freed at once
expect objects 1
drop c
expect objects 0
expect handles 0
expect heap freed 2
expect heap created 2
