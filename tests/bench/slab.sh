#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Slab benchmark piece (run inside the VM by tests/bench/run.sh with refslab
# loaded): runs the in-kernel refslab-vs-SLUB bench through debugfs
# (<debugfs>/refslab/bench/slab), prints its figures as a table and the
# headline ones as `bench: <key> <value>` lines.
set -euo pipefail

dbg=${REFSLAB_DEBUGFS:-/sys/kernel/debug/refslab}
f=$dbg/bench/slab
[ -e "$f" ] || { echo "slab bench: $f missing (refslab not loaded?)" >&2; exit 1; }

echo run >"$f"
res=$(cat "$f")
if grep -q '^error ' <<<"$res"; then
	echo "slab bench: $(grep '^error ' <<<"$res")" >&2
	exit 1
fi

val() { awk -v k="$1" '$1 == k { print $2 }' <<<"$res"; }

echo "refslab slab vs SLUB (object size $(val object_size) B," \
	"SLUB with a constructor, init_on_alloc=$(val init_on_alloc)," \
	"$(val cpus) CPUs); ratios are refslab time / SLUB time"
printf '%-34s %12s %12s %8s\n' test refslab_ns slub_ns ratio
printf '%-34s %12s %12s %8s\n' "alloc+free pair" "$(val pair_ns_refslab)" \
	"$(val pair_ns_slub)" "$(val slab_pair_ratio)"
for n in 1 10 100 1000 10000; do
	printf '%-34s %12s %12s %8s\n' "$n allocs, $n frees (per obj)" \
		"$(val bulk${n}_ns_refslab)" "$(val bulk${n}_ns_slub)" \
		"$(val bulk${n}_ratio)"
done
printf '%-34s %12s %12s %8s\n' "alloc cpu0, free cpu1" \
	"$(val remote_ns_refslab)" "$(val remote_ns_slub)" \
	"$(val slab_remote_ratio)"
printf '2-CPU throughput / 1-CPU: refslab %s, SLUB %s\n' \
	"$(val slab_2cpu_scaling)" "$(val slub_2cpu_scaling)"
printf 'shrinker count: %s ns with 100 caches, %s ns with 10,000\n' \
	"$(val shrink_count_ns_100)" "$(val shrink_count_ns_10000)"
printf '%s %s (peak %s, retention bound %s, after shrink %s)\n' \
	"pages after 1M objects allocated and freed:" \
	"$(val slab_pages_after_free)" "$(val million_pages_peak)" \
	"$(val slab_pages_retention_bound)" "$(val slab_pages_after_shrink)"

for k in slab_pair_ratio slab_bulk10k_ratio slab_2cpu_scaling \
	slab_remote_ratio slab_pages_after_free slub_2cpu_scaling \
	slab_pages_retention_bound shrink_count_10k_vs_100; do
	v=$(val "$k")
	# an older module (make bench-ab's A side) lacks the newer figures
	if [ -n "$v" ]; then echo "bench: $k $v"; fi
done
