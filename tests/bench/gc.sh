#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The collector against CPython, side by side in one VM run (ratios taken
# in one run are what is comparable under emulation; see DESIGN.md).
# Runs inside the VM with refslab.ko loaded (it loads it from the repo
# root if /dev/refslab is missing) and prints "bench: <key> <value>" lines:
#
#   gc_garbage_speedup_vs_cpython   CPython's gc.collect() time on 1M objects
#                                   in 2-cycles / refslab's (target >= 3)
#   gc_live_scan_speedup_vs_cpython same for 1M live objects in one cycle
#   gc_max_pause_ms                 longest ioctl a mutator saw while
#                                   refslab collected the 1M garbage heap
#   gc_pause_vs_cpython_full        that / CPython's full-collection pause
#                                   on the same heap (target <= 0.02)
#   gc_extra_bytes_per_object       collector memory per tracked object
#                                   (CPython: 16)
#
#   GC_BENCH_N   objects (default 1000000)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
n=${GC_BENCH_N:-1000000}
out=${REFSLAB_OUT:-$repo/build}/gc-bench
mkdir -p "$out"

loaded=
if [ ! -e /dev/refslab ]; then
	insmod "$repo/refslab.ko"
	loaded=1
fi
bench=$out/gc_bench
cc -O2 -Wall -I"$repo" -o "$bench" "$repo/tests/bench/gc_bench.c" -lpthread 2>/dev/null ||
	bench=$repo/build/gc_bench
"$bench" "$n" | tee "$out/refslab.txt"
python3 "$repo/tests/bench/gc_cpython.py" "$n" | tee "$out/cpython.txt"
[ -n "$loaded" ] && rmmod refslab

val() { awk -v k="$1" '$1 == "bench:" && $2 == k { print $3 }' "$out"/*.txt | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f\n", a / b; else print "nan" }'; }

rg=$(val gc_garbage_collect_s); cg=$(val cpython_garbage_collect_s)
rl=$(val gc_live_scan_s); cl=$(val cpython_live_scan_s)
rp=$(val gc_max_pause_ms); cp=$(val cpython_full_pause_s)
echo "bench: gc_garbage_speedup_vs_cpython $(ratio "$cg" "$rg")"
echo "bench: gc_live_scan_speedup_vs_cpython $(ratio "$cl" "$rl")"
echo "bench: gc_pause_vs_cpython_full $(ratio "$rp" "$(awk -v c="$cp" 'BEGIN { print c * 1000 }')")"
printf '\n%-34s %12s %12s\n' "1M objects" refslab CPython
printf '%-34s %12s %12s\n' "garbage 2-cycles: collect (s)" "$rg" "$cg"
printf '%-34s %12s %12s\n' "live cycle: scan (s)" "$rl" "$cl"
printf '%-34s %12s %12s\n' "longest mutator pause (ms)" "$rp" "$(awk -v c="$cp" 'BEGIN { printf "%.1f", c * 1000 }')"
