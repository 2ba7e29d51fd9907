# Must fail: an operation fails outside "expect error": the run stops there.
# expect-stderr: fail-op.rs:5: drop: No such file or directory (ENOENT)
create a
drop a
drop a
print "not reached"
