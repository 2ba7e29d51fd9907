# Reference counting cannot free a cycle; the collector does.
gc disable

create a slots=1
create b slots=1
link a 0 b
link b 0 a                      # a <-> b
drop a b                        # no handle left: garbage, but refcount 1 each
expect objects 2
collect
expect freed 2
expect objects 0

create s slots=1
link s 0 s                      # a self loop
drop s
create x slots=2
create y slots=1
link x 0 y
link y 0 x
create keep slots=1
link keep 0 x                   # a cycle reachable from a handle survives
drop x y
collect
expect freed 1                  # only the self loop
expect objects 3
get x2 keep 0
expect refcount x2 3            # y's slot, keep's slot, x2
drop x2
unlink keep 0
collect
expect freed 2
expect objects 1
expect gc collections 3         # the three collects: gc is disabled
