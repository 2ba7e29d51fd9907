#!/bin/bash
# Self-test of the VM runner (tests/vm/run), TAP output for prove: a clean
# module load passes; a kernel warning fails the run and the failure names
# it (once through panic_on_warn, once through the console scan alone); a
# hung command is killed at the timeout and fails.
#
#   RSWARN_KO   the rswarn.ko to load (default: built here against KDIR)
#   KDIR        kernel build tree (default: newest /lib/modules/6.1.0-*/build)
#   KERNEL      passed to the runner (default stock); must match RSWARN_KO
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
run=$repo/tests/vm/run
out=$repo/build/harness
mkdir -p "$out"

if [ -z "${RSWARN_KO:-}" ]; then
	KDIR=${KDIR:-$(ls -1d /lib/modules/6.1.0-*/build 2>/dev/null | sort -V | tail -1)}
	rel=$(basename "$(dirname "$KDIR")")
	bdir=$out/warn-$rel
	mkdir -p "$bdir"
	cp "$repo"/tests/harness/warn/Kbuild "$repo"/tests/harness/warn/rswarn.c "$bdir"/
	if ! make -s -C "$KDIR" M="$bdir" modules >"$bdir/build.log" 2>&1; then
		echo "Bail out! cannot build rswarn.ko against $KDIR (see $bdir/build.log)"
		exit 1
	fi
	RSWARN_KO=$bdir/rswarn.ko
fi

echo "1..8"
n=0
ok() {  # ok COND DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
vm() {  # vm LOGFILE ARGS...: run the VM quietly, return its status
	local log=$1
	shift
	VM_LOG=$out/console-$n.log "$run" "$@" >"$log" 2>&1
}

ko=$(printf %q "$RSWARN_KO")

vm "$out/clean.out" sh -c "insmod $ko && grep -q rswarn /proc/modules && rmmod rswarn && echo LOADED-AND-UNLOADED"
rc=$?
ok $rc "clean load and unload passes (status $rc)"
grep -q LOADED-AND-UNLOADED "$out/clean.out"
ok $? "the command's output comes back to the host"

vm "$out/warn.out" sh -c "insmod $ko warn=1; rmmod rswarn"
rc=$?
[ $rc != 0 ]
ok $? "a WARN() at load fails the run (status $rc)"
grep -q 'WARNING:.*rswarn' "$out/warn.out" && grep -q 'injected warning' "$out/warn.out"
ok $? "the failure report names the warning"

VM_APPEND=panic_on_warn=0 vm "$out/scan.out" sh -c "insmod $ko warn=1 && rmmod rswarn"
rc=$?
[ $rc != 0 ]
ok $? "without panic_on_warn the console scan still fails the run (status $rc)"
grep -q 'kernel problems in the console log' "$out/scan.out" && grep -q 'WARNING:.*rswarn' "$out/scan.out"
ok $? "... and names the warning"

vm "$out/false.out" false
rc=$?
[ $rc = 1 ]
ok $? "the command's exit status comes back (false -> $rc)"

VM_TIMEOUT=${SELFTEST_TIMEOUT:-20} vm "$out/hang.out" sleep 3600
rc=$?
[ $rc != 0 ] && grep -q TIMEOUT "$out/hang.out"
ok $? "a hung command is killed at the timeout and fails (status $rc)"

for f in "$out"/*.out; do
	sed "s|^|# $(basename "$f" .out): |" "$f" | grep -E 'vm: (exit|FAILED|TIMEOUT|kernel problems)|vm!' | head -5
done
