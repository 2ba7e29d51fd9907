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
#   gc_real_live_speedup_vs_cpython     the same two on a real program's
#   gc_real_garbage_speedup_vs_cpython  graph shape (gc_bench --real: power-
#                                   law out-degree, about 2 references per
#                                   object, mixed sizes, 3% held from
#                                   outside; CPython builds the same graph
#                                   as lists).  Both sides must collect the
#                                   same number of objects, or this fails.
#
#   GC_BENCH_N       objects (default 1000000)
#   GC_BENCH_REAL_N  objects of the real graph (default 250000)
#   GC_BENCH_ROUNDS  alternating rounds of each (default 3)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
n=${GC_BENCH_N:-1000000}
rn=${GC_BENCH_REAL_N:-250000}
rounds=${GC_BENCH_ROUNDS:-3}
out=${REFSLAB_OUT:-$repo/build}/gc-bench
mkdir -p "$out"

loaded=
if [ ! -e /dev/refslab ]; then
	insmod "$repo/refslab.ko"
	loaded=1
fi
bench=$out/gc_bench
cc -O2 -Wall -I"$repo/uapi" -o "$bench" "$repo/tests/bench/gc_bench.c" -lpthread 2>/dev/null ||
	bench=$repo/build/gc_bench
# Alternate the two so that a change of load hits both alike; keep the
# best time of each (and the median of the pauses).
rm -f "$out"/*.txt
for r in $(seq 1 "$rounds"); do
	"$bench" "$n" > "$out/refslab.$r.txt"
	python3 "$repo/tests/bench/gc_cpython.py" "$n" > "$out/cpython.$r.txt"
	"$bench" --real "$rn" "$out/graph" > "$out/refslab-real.$r.txt"
	python3 "$repo/tests/bench/gc_cpython.py" --real "$out/graph" > "$out/cpython-real.$r.txt"
done
rm -f "$out/graph"
[ -n "$loaded" ] && rmmod refslab
cat "$out"/refslab.*.txt "$out"/refslab-real.*.txt | grep '^#' || true

# The real graph: both sides must find the same garbage, every round.
key() { awk -v k="$2" '$1 == "bench:" && $2 == k { print $3 }' "$1"; }
for r in $(seq 1 "$rounds"); do
	for c in live garbage; do
		a=$(key "$out/refslab-real.$r.txt" "gc_real_${c}_collected")
		b=$(key "$out/cpython-real.$r.txt" "cpython_real_${c}_collected")
		if [ -z "$a" ] || [ "$a" != "$b" ]; then
			echo "gc.sh: real $c, round $r: refslab collected '$a', CPython '$b'" >&2
			exit 1
		fi
	done
done

vals() { awk -v k="$1" '$1 == "bench:" && $2 == k { print $3 }' "$out"/*.txt | sort -g; }
best() { vals "$1" | head -1; }
median() { vals "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f\n", a / b; else print "nan" }'; }

# The times: the best of the rounds; the other figures: their median.
for k in gc_garbage_collect_s gc_live_scan_s cpython_garbage_collect_s \
	cpython_live_scan_s gc_real_live_scan_s gc_real_garbage_collect_s \
	cpython_real_live_scan_s cpython_real_garbage_collect_s; do
	echo "bench: $k $(best "$k")"
done
for k in gc_max_lock_hold_ms gc_max_pause_ms gc_extra_bytes_per_object \
	gc_real_garbage_collected; do
	echo "bench: $k $(median "$k")"
done
rp=$(median gc_max_pause_ms)
cpms=$(awk -v c="$(best cpython_full_pause_s)" 'BEGIN { printf "%.3f", c * 1000 }')
echo "bench: gc_real_objects $rn"
speedup() { echo "bench: $1_speedup_vs_cpython $(ratio "$(best "$2")" "$(best "$3")")"; }
speedup gc_garbage cpython_garbage_collect_s gc_garbage_collect_s
speedup gc_live_scan cpython_live_scan_s gc_live_scan_s
speedup gc_real_live cpython_real_live_scan_s gc_real_live_scan_s
speedup gc_real_garbage cpython_real_garbage_collect_s gc_real_garbage_collect_s
echo "bench: gc_pause_vs_cpython_full $(ratio "$rp" "$cpms")"
row() { printf '%-34s %12s %12s\n' "$1" "$(best "$2")" "$(best "$3")"; }
printf '\n%-34s %12s %12s\n' "$n objects, best of $rounds" refslab CPython
row "garbage 2-cycles: collect (s)" gc_garbage_collect_s cpython_garbage_collect_s
row "live cycle: scan (s)" gc_live_scan_s cpython_live_scan_s
printf '%-34s %12s %12s\n' "longest mutator pause (ms)" "$rp" "$cpms"
row "real graph ($rn): live scan (s)" gc_real_live_scan_s cpython_real_live_scan_s
row "real graph: garbage collect (s)" gc_real_garbage_collect_s cpython_real_garbage_collect_s
