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
gc enable
gc threshold adaptive
