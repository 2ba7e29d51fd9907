#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fragmentation benchmark piece (issue 20; run inside the VM by
# tests/bench/run.sh with refslab loaded): REFSLAB_FRAG_OBJECTS objects
# (default 1,000,000) of sizes 16-512 bytes from a fixed seed, a random half
# freed, in refslab's size classes and in SLUB's kmalloc caches in the same
# run (<debugfs>/refslab/bench/frag).  Prints live bytes / slab bytes for
# each (slab_frag_util, slub_frag_util; the target: refslab's at least
# SLUB's) and the pages each gives back to a shrink.  A million objects
# take about 300 MB at the peak and some seconds under emulation; a smaller
# REFSLAB_FRAG_OBJECTS gives the same ratios, less exactly.
set -euo pipefail

dbg=${REFSLAB_DEBUGFS:-/sys/kernel/debug/refslab}
f=$dbg/bench/frag
n=${REFSLAB_FRAG_OBJECTS:-1000000}
if [ ! -e "$f" ]; then
	# an older module (make bench-ab's A side) has no such benchmark
	echo "# frag bench: $f missing: left out"
	exit 0
fi

echo "run $n" >"$f"
res=$(cat "$f")
if grep -q '^error ' <<<"$res"; then
	echo "frag bench: $(grep '^error ' <<<"$res")" >&2
	exit 1
fi
val() { awk -v k="$1" '$1 == k { print $2 }' <<<"$res"; }

echo "$(val frag_objects) objects of 16-512 bytes, a random half freed:" \
	"$(val frag_live_bytes) live bytes"
printf '%-8s %10s %12s %14s %12s\n' "" util pages after_shrink given_back
for who in slab slub; do
	printf '%-8s %10s %12s %14s %12s\n' "$who" "$(val ${who}_frag_util)" \
		"$(val ${who}_frag_pages)" "$(val ${who}_frag_pages_after_shrink)" \
		"$(val ${who}_frag_pages_given_back)"
done
for k in slab_frag_util slub_frag_util slab_frag_pages_given_back \
	slub_frag_pages_given_back; do
	echo "bench: $k $(val "$k")"
done
