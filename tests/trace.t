#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The refslab:* tracepoints (module/trace.h), with refslab loaded (run by
# tests/run-tests.sh under prove, in the VM or with make check HOST=1):
#
#  1. every event is in tracefs (/sys/kernel/tracing, mounted if it is
#     not) with its fields;
#  2. with refslab:* enabled, `refslabctl run tests/scenarios/trace.rs`
#     must show exactly what the scenario does: 5 obj_create, 3 obj_free
#     by=refcount, the 2-cycle freed by=collector, one collection whose
#     gc_start/gc_phase/gc_end say 2 candidates, 2 scanned, 2 collected,
#     its named cache's slab taken (slab_alloc) and given back (shrink,
#     slab_free) when it is destroyed; the heap is the process's pid (the
#     "pid" column of debugfs refslab/heaps);
#  3. mutator_wait: build/gc_bench's pause case (a thread issuing ioctls
#     while the heap is collected, with long slices) must wait, and the
#     longest mutator_wait event must equal the max_wait_ns the heap's
#     statistics report;
#  4. the `perf stat -e 'refslab:*'` line of README.md, run as written,
#     counts the scenario's events.
# Inside the VM a missing prerequisite (tracefs, the events, perf) fails.
set -u
cd "$(dirname "$0")/.." || exit 1
repo=$PWD
ctl=$repo/build/refslabctl
tmp=$(mktemp -d)
params=/sys/module/refslab/parameters
old_budget=$(cat $params/gc_slice_budget 2>/dev/null)
old_us=$(cat $params/gc_slice_us 2>/dev/null)
tr=/sys/kernel/tracing

events="obj_create obj_free gc_start gc_phase gc_end mutator_wait slab_alloc slab_free shrink"

cleanup() {
	if [ -d $tr/events/refslab ]; then
		echo 0 >$tr/events/refslab/enable
		echo >$tr/trace
	fi
	[ -n "$old_budget" ] && echo "$old_budget" >$params/gc_slice_budget
	[ -n "$old_us" ] && echo "$old_us" >$params/gc_slice_us
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "1..10"
n=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/# /'
	done
}
# check DESCRIPTION CONDITION...: ok if the test(1) expression holds.
check() {
	local what=$1
	shift
	if [ "$@" ]; then
		ok "$what"
	else
		notok "$what" "got: $*"
	fi
}

# Events NAME of the saved trace, as "key=value ..." (what TP_printk says).
ev() { sed -n "s/^.* $1: //p" "$tmp/trace"; }
# The value of KEY in each line of stdin.
field() { sed -n "s/^\(.* \)\{0,1\}$1=\([^ ]*\).*/\2/p"; }
# The events of the trace in order, one name per line.
order() { sed -n 's/^.* \([a-z_]*\): heap=.*/\1/p' "$tmp/trace"; }

# ---- 1. tracefs and the events
if [ ! -d $tr/events ]; then
	mount -t tracefs nodev $tr 2>/dev/null
fi
missing=
for e in $events; do
	[ -f "$tr/events/refslab/$e/format" ] || missing="$missing $e"
done
if [ -d $tr/events ] && [ -z "$missing" ]; then
	ok "tracefs at $tr has refslab:{${events// /,}}"
else
	notok "tracefs at $tr has every refslab event" "missing:${missing:- tracefs itself}"
	exit 1
fi

want_fields='obj_create:heap id handle nslots payload size cache
obj_free:heap id by nslots payload size cache
gc_start:heap epoch candidates objects full kthread
gc_phase:heap epoch phase ns members kept
gc_end:heap epoch candidates scanned collected deferred ns held_ns max_hold_ns slices aborted
mutator_wait:heap ns
slab_alloc:cache order node pages objects total_pages
slab_free:cache order node pages objects total_pages
shrink:cache objects pages reclaim'
bad=
while IFS=: read -r e fields; do
	for f in $fields; do
		grep -q "field:.* $f\(\[[0-9]*\]\)\{0,1\};" "$tr/events/refslab/$e/format" ||
			bad="$bad $e.$f"
	done
done <<<"$want_fields"
check "each event's format has its fields${bad:+ (missing:$bad)}" -z "$bad"

# ---- 2. the scenario, traced
echo 0 >$tr/tracing_on
echo >$tr/trace
echo 2048 >$tr/buffer_size_kb
echo 1 >$tr/events/refslab/enable
echo 1 >$tr/tracing_on
(cd tests/scenarios && exec "$ctl" run trace.rs) >"$tmp/out" 2>&1 &
pid=$!
wait $pid
rc=$?
echo 0 >$tr/events/refslab/enable
grep "heap=$pid \|cache=traced " $tr/trace >"$tmp/trace"
if [ $rc = 0 ]; then
	ok "refslabctl run trace.rs (pid $pid) with refslab:* enabled"
else
	notok "refslabctl run trace.rs exits 0 (status $rc)" "$(cat "$tmp/out")"
fi

# Which object is which: the creates, in order a b c d e.  Objects of
# the general classes go to the smallest that holds header (16 bytes),
# slots and payload: 16 + 16 + 100 -> rs-160, 16 + 1000 -> rs-1024,
# 16 + 8 + 8 -> rs-32; size is the class's stride, at least that.
mapfile -t creates <<<"$(ev obj_create)"
want_create=('1 24 traced 64' '1 24 traced 64' '2 100 rs-160 160' '0 1000 rs-1024 1024' '1 8 rs-32 32')
ids=()
sizes_ok=1
for i in 0 1 2 3 4; do
	l=${creates[$i]:-}
	ids+=("$(field id <<<"$l")")
	read -r w_ns w_pl w_c w_sz <<<"${want_create[$i]}"
	sz=$(field size <<<"$l")
	if [ "$(field heap <<<"$l")" != "$pid" ] || [ "$(field nslots <<<"$l")" != "$w_ns" ] ||
	   [ "$(field payload <<<"$l")" != "$w_pl" ] || [ "$(field cache <<<"$l")" != "$w_c" ] ||
	   [ "${sz:-0}" -lt "$w_sz" ]; then
		sizes_ok=0
	fi
done
if [ ${#creates[@]} = 5 ] && [ $sizes_ok = 1 ]; then
	ok "5 obj_create, heap=$pid, with the scenario's slots, payloads and caches"
else
	notok "5 obj_create with the scenario's slots, payloads and caches" \
		"$(printf '%s\n' "${creates[@]}")"
fi

mapfile -t frees <<<"$(ev obj_free)"
rc_ids=$(printf '%s\n' "${frees[@]}" | grep ' by=refcount$' | field id | tr '\n' ' ')
gc_ids=$(printf '%s\n' "${frees[@]}" | grep ' by=collector$' | field id | sort -n | tr '\n' ' ')
want_gc=$(printf '%s\n' "${ids[0]:-x}" "${ids[1]:-x}" | sort -n | tr '\n' ' ')
gc_cache=$(printf '%s\n' "${frees[@]}" | grep -c ' cache=traced by=collector$')
if [ ${#frees[@]} = 5 ] && [ "$rc_ids" = "${ids[3]:-x} ${ids[2]:-x} ${ids[4]:-x} " ] &&
   [ "$gc_ids" = "$want_gc" ] && [ "$gc_cache" = 2 ]; then
	ok "obj_free: d, c, e by=refcount in that order; a and b (cache traced) by=collector"
else
	notok "obj_free: d, c, e by=refcount; a and b by=collector" \
		"ids a..e: ${ids[*]}" "$(printf '%s\n' "${frees[@]}")"
fi

start=$(ev gc_start)
end=$(ev gc_end)
epoch=$(field epoch <<<"$start")
phases=$(ev gc_phase | grep " epoch=$epoch " | field phase | tr '\n' ' ')
last_phase=$(ev gc_phase | grep " epoch=$epoch " | tail -1)
seq=$(order | uniq | tr '\n' ' ')
case "$start" in
"heap=$pid epoch=$epoch candidates=2 objects=2 full=0 kthread=0") s_ok=1 ;;
*) s_ok=0 ;;
esac
case "$end" in
"heap=$pid epoch=$epoch candidates=2 scanned=2 collected=2 deferred=0 "*" aborted=0") e_ok=1 ;;
*) e_ok=0 ;;
esac
if [ $s_ok = 1 ] && [ $e_ok = 1 ] && [ "$phases" = "cands mark scan free detach " ] &&
   [ "$(field members <<<"$last_phase") $(field kept <<<"$last_phase")" = "2 0" ] &&
   [ "$(ev gc_start | wc -l)" = 1 ] && [ "$(ev gc_end | wc -l)" = 1 ]; then
	ok "one collection: gc_start candidates=2, phases cands..detach, gc_end collected=2"
else
	notok "one collection: gc_start candidates=2, phases cands..detach, gc_end scanned=2 collected=2" \
		"start: $start" "phases: $phases" "last phase: $last_phase" "end: $end"
fi

ns=$(field ns <<<"$end")
held=$(field held_ns <<<"$end")
hold=$(field max_hold_ns <<<"$end")
slices=$(field slices <<<"$end")
case "$seq" in
*"obj_free gc_start gc_phase obj_free gc_phase gc_end"*) o_ok=1 ;;
*) o_ok=0 ;;
esac
if [ -n "$hold" ] && [ "$hold" -gt 0 ] && [ "$held" -ge "$hold" ] && [ "$ns" -ge "$held" ] &&
   [ "$slices" -ge 1 ] && [ $o_ok = 1 ]; then
	ok "gc_end: 0 < max_hold_ns $hold <= held_ns $held <= ns $ns; the collector's frees inside it"
else
	notok "gc_end times are ordered and the collector's frees come between gc_start and gc_end" \
		"end: $end" "events: $seq"
fi

sa=$(ev slab_alloc | grep '^cache=traced ')
sf=$(ev slab_free | grep '^cache=traced ')
sh=$(ev shrink | grep '^cache=traced .* reclaim=0$')
pages_a=$(field pages <<<"$sa" | awk '{ s += $1 } END { print s + 0 }')
pages_f=$(field pages <<<"$sf" | awk '{ s += $1 } END { print s + 0 }')
order0=$(field order <<<"$sa" | head -1)
slab_objs=$(field objects <<<"$sa" | awk '{ s += $1 } END { print s + 0 }')
# shrink's objects: what the CPU arrays held (a refill takes a batch of the
# slab's objects, and a and b came back to them), at least those two
sh_objs=$(field objects <<<"$sh")
if [ -n "$sa" ] && [ "$pages_a" = "$pages_f" ] && [ "$pages_a" = "$((1 << ${order0:-0}))" ] &&
   [ "$(wc -l <<<"$sh")" = 1 ] && [ "${sh_objs:-0}" -ge 2 ] && [ "$sh_objs" -le "$slab_objs" ] &&
   [ "$(field pages <<<"$sh")" = "$pages_a" ]; then
	ok "cache traced: slab_alloc of $pages_a pages, given back by shrink (objects=$sh_objs) and slab_free"
else
	notok "cache traced: one slab taken, its 2 objects and its pages given back" \
		"slab_alloc: $sa" "slab_free: $sf" "shrink: $sh"
fi

# ---- 3. mutator_wait, against the heap's max_wait_ns
echo >$tr/trace
echo 1000000 >$params/gc_slice_budget
echo 0 >$params/gc_slice_us
echo 1 >$tr/events/refslab/mutator_wait/enable
build/gc_bench 20000 >"$tmp/bench" 2>&1 &
bpid=$!
wait $bpid
brc=$?
echo 0 >$tr/events/refslab/mutator_wait/enable
echo "$old_budget" >$params/gc_slice_budget
echo "$old_us" >$params/gc_slice_us
grep "heap=$bpid " $tr/trace >"$tmp/trace"
waits=$(ev mutator_wait | wc -l)
max_ns=$(ev mutator_wait | field ns | sort -n | tail -1)
max_ms=$(sed -n 's/^bench: gc_max_mutator_wait_ms //p' "$tmp/bench")
same=$(awk -v a="${max_ns:-0}" -v b="${max_ms:-0}" 'BEGIN { d = a / 1e6 - b; print (d < 0 ? -d : d) <= 0.0005 }')
if [ $brc = 0 ] && [ "$waits" -gt 0 ] && [ "$same" = 1 ]; then
	ok "mutator_wait: $waits waits while gc_bench collected, longest $max_ns ns = its max_wait_ns"
else
	notok "mutator_wait: waits while gc_bench collects, the longest equal to max_wait_ns" \
		"gc_bench status $brc, $waits events, longest ${max_ns:-none} ns, max_wait ${max_ms:-none} ms" \
		"$(cat "$tmp/bench")"
fi

# ---- 4. the README's perf line, as written
line=$(grep -m1 "^perf stat -e 'refslab:\*'" README.md)
if [ -z "$line" ]; then
	notok "README.md has a perf stat -e 'refslab:*' line"
else
	bash -c "$line" >"$tmp/perf.out" 2>"$tmp/perf.err"
	prc=$?
	count() { awk -v e="refslab:$1" '$2 == e { gsub(",", "", $1); print $1 }' "$tmp/perf.err"; }
	got="$(count obj_create) $(count obj_free) $(count gc_start) $(count gc_phase) $(count gc_end) $(count mutator_wait)"
	sa=$(count slab_alloc)
	if [ $prc = 0 ] && [ "$got" = "5 5 1 5 1 0" ] && [ "${sa:-0}" -ge 1 ]; then
		ok "README: $line (obj_create 5, obj_free 5, gc_start 1, gc_phase 5, gc_end 1)"
	else
		notok "README: $line counts the scenario's events" "status $prc; counts: $got; slab_alloc ${sa:-none}" \
			"$(cat "$tmp/perf.err")"
	fi
fi
