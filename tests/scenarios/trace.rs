# What tests/trace.t traces (and the README's perf line runs): five
# objects, three freed by reference counting, a 2-cycle freed by the
# collector, in a named cache whose slab comes and goes.
gc disable                      # only the collect below collects
cache create traced 64          # a fresh cache: its first object takes a slab
create a slots=1 payload=24 cache=traced
create b slots=1 payload=24 cache=traced
create c slots=2 payload=100
create d payload=1000
create e slots=1 payload=8
link a 0 b
link b 0 a                      # a <-> b
link c 0 e
drop d                          # refcount: d
drop c                          # refcount: c (e lives on, held by its handle)
drop e                          # refcount: e
drop a b                        # the cycle: refcount 1 each, two candidates
expect objects 2
collect
expect freed 2
expect objects 0
cache destroy traced            # its empty slab goes back (shrink, slab_free)
