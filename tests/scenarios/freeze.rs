# Frozen objects are never scanned, so never collected, until unfrozen.
gc disable
expect gc enabled 0               # a 32-bit figure
create a slots=1
create b slots=1
link a 0 b
link b 0 a
freeze
expect state a frozen
drop a b
collect
expect freed 0
expect objects 2
expect gc frozen 2
unfreeze
collect
expect freed 2
expect objects 0
gc threshold 100
expect gc threshold 100
expect gc enabled 0               # a threshold does not enable
gc enable
expect gc enabled 1
expect gc threshold 100
gc threshold adaptive
expect gc threshold != 100        # back to the gc_threshold parameter
expect gc enabled 1
