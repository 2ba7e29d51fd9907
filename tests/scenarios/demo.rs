# refslab demo: objects, links, refcounts, a cycle that reference counting
# cannot free, and the collector freeing it.  Run: refslabctl run -v demo.rs
gc disable                      # collect by hand, so the demo is predictable
print "== objects and links =="
create list slots=2 payload=16
write list 0 "shopping list"
create milk slots=1 payload=8
write milk 0 "milk"
create eggs slots=1 payload=8
write eggs 0 "eggs"
link list 0 milk
link list 1 eggs
stat list milk eggs             # milk and eggs: refcount 2 (handle + slot)
expect refcount list 1
expect refcount milk 2
expect refcount eggs 2
heap
print "== dropping handles: the list still holds milk and eggs =="
drop milk eggs
expect objects 3
heap
print "== dropping the list frees all three at once =="
drop list
expect objects 0
heap
print "== a cycle: a <-> b, then every handle dropped =="
create a slots=1 payload=8
create b slots=1 payload=8
link a 0 b
link b 0 a
stat a b                        # refcount 2 each: a handle and a slot
expect refcount a 2
expect refcount b 2
drop a b
expect objects 2                # refcounts are 1: nothing freed them
heap
print "== the collector finds them unreachable =="
collect
expect freed 2
expect objects 0
heap
gc stats
print "== kernel-wide figures =="
stats
