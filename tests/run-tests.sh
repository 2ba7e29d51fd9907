#!/bin/bash
# The test driver, run inside the VM by `make check` / `make check-debug`
# (or on a real machine by `make check HOST=1`): load refslab.ko built for
# the running kernel, check the KUnit results of the load (required on a
# kernel with KUnit), run the userspace test programs (every tests/user/*.c
# as 64-bit, 32-bit and, with REFSLAB_ASAN=1, ASan builds: a missing one
# fails the run) and tests/*.t under prove, keeping each one's output in
# $REFSLAB_OUT/test-output/NAME.log and printing the whole output of every
# program prove failed at the end, unload, load once more with
# the in-kernel self-tests (selftest=1) and unload, and check that nothing
# leaked or warned.  Exit status: 0 only if all passed.
#
#   tests/run-tests.sh          the suite
#   tests/run-tests.sh --demo   load, tests/demo.sh, debugfs accounting, unload
#
#   REFSLAB_PARAMS   module parameters for insmod
#   REFSLAB_KO       the module to load (default: found by vermagic)
#   REFSLAB_ASAN=1   also run the ASan/UBSan build of the tests
set -u
cd "$(dirname "$0")/.."
. tests/vm/lib.sh

mode=check
[ "${1:-}" = --demo ] && mode=demo
export CMOCKA_MESSAGE_OUTPUT=TAP
fail=0
# Each test program's whole output (tests/vm/keep-output), under the VM's
# output directory: build/vm/test-output after make check.
export RS_TEST_OUT=${REFSLAB_OUT:-build}/test-output
rm -rf "$RS_TEST_OUT" && mkdir -p "$RS_TEST_OUT" || exit 1

echo "== refslab $mode on $(uname -r)"
mark=$(rs_dmesg_mark)
rs_kmemleak_start
rs_load || { rs_dmesg_since "$mark" | tail -30; exit 1; }
rs_kunit_report "$mark" "$(rs_find_ko)" || fail=1

if [ $mode = demo ]; then
	if [ -x build/refslabctl ]; then
		echo "== refslabctl version"
		build/refslabctl version || fail=1
	fi
	echo "== debugfs accounting before the scenario"
	rs_show_debugfs || fail=1
	echo "== tests/demo.sh"
	bash tests/demo.sh || { rs_err "tests/demo.sh failed"; fail=1; }
	echo "== debugfs accounting after the scenario"
	rs_show_debugfs || fail=1
	if [ -x build/refslabctl ]; then
		echo "== refslabctl stats"
		build/refslabctl stats || fail=1
	fi
else
	if ! rs_test_programs; then
		fail=1
	fi
	if [ ${#RS_PROGS[@]} -gt 0 ]; then
		echo "== prove (${#RS_PROGS[@]} programs; their output in $RS_TEST_OUT)"
		prove --timer --exec tests/vm/keep-output "${RS_PROGS[@]}" 2>&1 |
			tee "$RS_TEST_OUT/prove.txt"
		[ "${PIPESTATUS[0]}" = 0 ] || fail=1
		rs_show_failed "$RS_TEST_OUT"
	fi
fi

echo "== unload"
rs_unload || fail=1

# The in-kernel self-tests as a user runs them: a load with selftest=1
# fails if one fails; its summary line must say none did.
if [ $mode = check ]; then
	echo "== in-kernel self-tests at load (selftest=1)"
	smark=$(rs_dmesg_mark)
	if REFSLAB_PARAMS="${REFSLAB_PARAMS:-} selftest=1" rs_load; then
		rs_selftest_report "$smark" || fail=1
		rs_unload || fail=1
	else
		fail=1
	fi
fi
rs_kmemleak_check || fail=1
rs_dmesg_check "$mark" || fail=1
if [ $fail = 0 ]; then
	echo "== refslab $mode: PASS"
else
	echo "== refslab $mode: FAIL"
fi
exit $fail
