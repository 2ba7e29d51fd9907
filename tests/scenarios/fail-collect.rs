# Must fail: the cycle is still referenced, so collect frees nothing.
# expect-stderr: fail-collect.rs:9: expectation failed: objects freed by the last collect is 0, expected == 2
gc disable
create a slots=1
create b slots=1
link a 0 b
link b 0 a
collect
expect freed 2
