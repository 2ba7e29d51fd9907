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
# The VMs run in parallel.  Then, on the debug kernel (KASAN), that:
#   - refslab's fault knob debugfs refslab/test_use_after_free, which
#     reads an object of refslab's own slabs after its free, gets a KASAN
#     use-after-free report that names the read and fails the run.
# That case is skipped, with the reason, when the debug kernel or
# refslab.ko built for it is missing (make check-debug builds both).
#
#   RSWARN_KO   the rswarn.ko to load (default: built here against KDIR)
#   KDIR        kernel build tree (default: newest /lib/modules/6.1.0-*/build)
#   KERNEL      passed to the runner (default stock); must match RSWARN_KO
#   SELFTEST_KASAN  1: run the KASAN case (a missing debug kernel or
#               module fails it), 0: skip it, unset: run it if both are there
#   RSKASAN_KO  refslab.ko for the debug kernel (default build/ko-debug/)
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

# The KASAN case: the debug kernel, found in the cache by the release the
# module was built for (asking tests/vm/debug-kernel.sh would build it).
kasan=${SELFTEST_KASAN:-auto}
kasan_ko=${RSKASAN_KO:-$repo/build/ko-debug/refslab.ko}
kasan_img=
kasan_why=
if [ "$kasan" = 0 ]; then
	kasan_why="SELFTEST_KASAN=0 (make check-debug runs it)"
elif [ ! -f "$kasan_ko" ]; then
	kasan_why="no refslab.ko for the debug kernel at $kasan_ko (make vm-module KERNEL=debug)"
else
	krel=$(modinfo -F vermagic "$kasan_ko" 2>/dev/null | cut -d' ' -f1)
	for d in $(ls -1dt "${REFSLAB_CACHE:-/var/cache/refslab}"/kernel-debug-* "$HOME"/.cache/refslab/kernel-debug-* 2>/dev/null); do
		[ -f "$d/.done" ] || continue
		rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$d/linux-source-6.1/include/generated/utsrelease.h" 2>/dev/null)
		if [ -n "$krel" ] && [ "$rel" = "$krel" ]; then
			kasan_img=$d/linux-source-6.1/arch/x86/boot/bzImage
			break
		fi
	done
	[ -n "$kasan_img" ] ||
		kasan_why="no debug kernel built for release '${krel:-?}' of $kasan_ko (make check-debug builds it)"
fi
if [ -n "$kasan_img" ]; then
	kko=$(printf %q "$kasan_ko")
	KERNEL=$kasan_img VM_TIMEOUT=${SELFTEST_KASAN_TIMEOUT:-600} vm kasan bash -c \
		". tests/vm/lib.sh; REFSLAB_KO=$kko rs_load || exit 5
		 k=/sys/kernel/debug/refslab/test_use_after_free
		 [ -e \$k ] || { echo KNOB-MISSING; exit 4; }
		 echo 1 >\$k
		 echo KNOB-SURVIVED"
	wait
fi

n=0
ok() {  # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
rc() { cat "$out/$1.rc" 2>/dev/null || echo missing; }

retries() { grep -c 'vm: RETRY: the kernel failed before the command started' "$out/$1.out"; }

if [ "$full" = 1 ]; then echo "1..16"; else echo "1..12"; fi

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

if [ -n "$kasan_img" ]; then
	[ "$(rc kasan)" != 0 ] && ! grep -q KNOB-MISSING "$out/kasan.out"
	ok $? "a use-after-free of a refslab object fails the run on the debug kernel (status $(rc kasan))"
	grep -q 'test_use_after_free: reading object' "$out/console-kasan.log" &&
		! grep -q 'KASAN did not stop it' "$out/console-kasan.log"
	ok $? "... the fault knob ran its read after the free"
	grep -qE 'BUG: KASAN: (slab-)?use-after-free in rs_kasan_uaf_write' "$out/kasan.out"
	ok $? "... and the failure report is KASAN's use-after-free at that read"
elif [ "$kasan" = 1 ]; then
	for d in "fails the run" "knob ran" "KASAN report"; do
		ok 1 "KASAN case ($d): $kasan_why"
	done
else
	for d in "fails the run" "knob ran" "KASAN report"; do
		n=$((n + 1))
		echo "ok $n # SKIP KASAN case ($d): $kasan_why"
	done
fi

for f in "$out"/*.out; do
	grep -hE 'vm: (exit|FAILED|TIMEOUT|BOOT TIMEOUT|RETRY|booted)|vm!' "$f" | head -4 | sed "s|^|# $(basename "$f" .out): |"
done
