#!/bin/bash
# Self-test of the VM runner (tests/vm/run), TAP output for prove.  Loads a
# throwaway module (tests/harness/warn/rswarn.c) in the VM and checks that:
#   - a clean load and unload passes, and the command's output and exit
#     status come back to the host;
#   - a WARN() fails the run through the console scan alone
#     (panic_on_warn=0), and the failure report names the warning;
#   - the runner prints the boot time;
#   - a kernel that fails before the command starts (VM_FAIL_BOOTS, a
#     panic at boot) is booted exactly once more: the run passes when the
#     second boot does and fails when it fails too; a report during the
#     command (the WARN() above) is never retried;
#   - a boot that has not started the command at VM_BOOT_TIMEOUT is
#     stopped, retried once and fails;
# and with SELFTEST_FULL=1 also that:
#   - a WARN() under the default panic_on_warn=1 fails and is named;
#   - a hung command is killed at the timeout and fails.
# The VMs run in parallel.
#
#   RSWARN_KO   the rswarn.ko to load (default: built here against KDIR)
#   KDIR        kernel build tree (default: newest /lib/modules/6.1.0-*/build)
#   KERNEL      passed to the runner (default stock); must match RSWARN_KO
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
run=$repo/tests/vm/run
out=$repo/build/harness
mkdir -p "$out"
rm -f "$out"/*.out "$out"/*.rc
full=${SELFTEST_FULL:-0}

if [ -z "${RSWARN_KO:-}" ]; then
	KDIR=${KDIR:-$(ls -1d /lib/modules/6.1.0-*/build 2>/dev/null | sort -V | tail -1)}
	rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h" 2>/dev/null)
	bdir=$out/warn-${rel:-unknown}
	mkdir -p "$bdir"
	cp "$repo"/tests/harness/warn/Kbuild "$repo"/tests/harness/warn/rswarn.c "$bdir"/
	if ! make -s -C "$KDIR" M="$bdir" modules >"$bdir/build.log" 2>&1; then
		echo "Bail out! cannot build rswarn.ko against $KDIR (see $bdir/build.log)"
		exit 1
	fi
	RSWARN_KO=$bdir/rswarn.ko
fi
ko=$(printf %q "$RSWARN_KO")

vm() {  # vm NAME ARGS...: run the VM in the background, output in NAME.out
	local name=$1
	shift
	rm -f "$out/$name.out" "$out/$name.rc"
	( VM_LOG=$out/console-$name.log "$run" "$@" >"$out/$name.out" 2>&1
	  echo $? >"$out/$name.rc" ) &
}

vm clean sh -c "insmod $ko && grep -q rswarn /proc/modules && rmmod rswarn && echo LOADED-AND-UNLOADED && exit 3"
VM_APPEND=panic_on_warn=0 vm scan sh -c "insmod $ko warn=1 && rmmod rswarn"
VM_FAIL_BOOTS=1 vm retry sh -c "echo RAN-AFTER-RETRY"
VM_FAIL_BOOTS=2 vm retryfail sh -c "echo MUST-NOT-RUN"
VM_BOOT_TIMEOUT=1 vm boothang sh -c "echo MUST-NOT-RUN"
if [ "$full" = 1 ]; then
	vm warn sh -c "insmod $ko warn=1; rmmod rswarn"
	VM_TIMEOUT=${SELFTEST_TIMEOUT:-30} vm hang sleep 3600
fi
wait

n=0
ok() {  # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
rc() { cat "$out/$1.rc" 2>/dev/null || echo missing; }

retries() { grep -c 'vm: RETRY: the kernel failed before the command started' "$out/$1.out"; }

if [ "$full" = 1 ]; then echo "1..13"; else echo "1..9"; fi

[ "$(rc clean)" = 3 ]
ok $? "clean load and unload passes; exit status 3 comes back (got $(rc clean))"
grep -q LOADED-AND-UNLOADED "$out/clean.out"
ok $? "the command's output comes back to the host"

[ "$(rc scan)" != 0 ]
ok $? "a WARN() fails the run through the console scan alone (status $(rc scan))"
grep -q 'kernel problems in the console log' "$out/scan.out" &&
	grep -q 'WARNING:.*rswarn' "$out/scan.out" && grep -q 'injected warning' "$out/scan.out"
ok $? "... and the failure report names the warning"
[ "$(retries scan)" = 0 ]
ok $? "... and is not retried: the kernel failed during the command"
grep -qE 'vm: booted in [0-9.]+s' "$out/clean.out"
ok $? "the runner prints the boot time"

[ "$(rc retry)" = 0 ] && [ "$(retries retry)" = 1 ] && grep -q RAN-AFTER-RETRY "$out/retry.out" &&
	grep -q 'Kernel panic' "$out/retry.out"
ok $? "a boot that panics before the command is retried once, with the reason, and the run passes (status $(rc retry), $(retries retry) retries)"
[ "$(rc retryfail)" != 0 ] && [ "$(retries retryfail)" = 1 ] &&
	grep -q 'FAILED before the command started (boot 2 of 2' "$out/retryfail.out" &&
	! grep -q MUST-NOT-RUN "$out/retryfail.out"
ok $? "two boots that panic before the command fail the run after exactly one retry (status $(rc retryfail), $(retries retryfail) retries)"
[ "$(rc boothang)" != 0 ] && [ "$(retries boothang)" = 1 ] &&
	grep -q 'BOOT TIMEOUT' "$out/boothang.out" && ! grep -q MUST-NOT-RUN "$out/boothang.out"
ok $? "a boot still short of the command at VM_BOOT_TIMEOUT is stopped, retried once and fails (status $(rc boothang), $(retries boothang) retries)"

if [ "$full" = 1 ]; then
	[ "$(rc warn)" != 0 ]
	ok $? "a WARN() under panic_on_warn=1 fails the run (status $(rc warn))"
	grep -q 'WARNING:.*rswarn' "$out/warn.out" && grep -q 'panic_on_warn' "$out/warn.out"
	ok $? "... and the failure report names the warning and the panic"
	[ "$(rc hang)" != 0 ] && grep -q TIMEOUT "$out/hang.out"
	ok $? "a hung command is killed at the timeout and fails (status $(rc hang))"
	grep -q 'vm|' "$out/hang.out"
	ok $? "... and the console log is shown"
fi

for f in "$out"/*.out; do
	grep -hE 'vm: (exit|FAILED|TIMEOUT|BOOT TIMEOUT|RETRY|booted)|vm!' "$f" | head -4 | sed "s|^|# $(basename "$f" .out): |"
done
