# shellcheck shell=bash
# Helpers for the scripts that run inside the VM (tests/run-tests.sh,
# tests/bench/run.sh): find, load and unload refslab.ko, KUnit and kmemleak
# reports, and the dmesg scan.  Sourced from the repo root.  Also usable on
# a real machine (make check HOST=1).

RS_PATTERN='BUG:|WARNING:|Oops|KASAN|UBSAN|possible circular locking|unreferenced object|suspected memory leak|soft lockup|hung task|blocked for more than|Call Trace|general protection fault'

rs_say() { echo "# $*"; }
rs_err() { echo "# ERROR: $*"; }

# The refslab.ko built for the running kernel: $REFSLAB_KO, else the one
# under build/ko-*/ whose vermagic names this kernel's release.
rs_find_ko() {
	local rel ko
	rel=$(uname -r)
	if [ -n "${REFSLAB_KO:-}" ]; then
		echo "$REFSLAB_KO"
		return 0
	fi
	for ko in build/ko-*/refslab.ko; do
		[ -f "$ko" ] || continue
		if [ "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" = "$rel" ]; then
			echo "$ko"
			return 0
		fi
	done
	rs_err "no build/ko-*/refslab.ko built for kernel $rel (make vm-module)"
	return 1
}

# Number of lines in the kernel log now; rs_dmesg_since N prints the rest.
rs_dmesg_mark() { dmesg | wc -l; }
rs_dmesg_since() { dmesg | tail -n +"$(($1 + 1))"; }

rs_load() {
	local ko dep
	ko=$(rs_find_ko) || return 1
	if grep -q '^refslab ' /proc/modules; then
		rs_err "refslab is already loaded"
		return 1
	fi
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		modprobe "$dep" || { rs_err "modprobe $dep (needed by refslab) failed"; return 1; }
	done
	rs_say "insmod $ko ${REFSLAB_PARAMS:-}"
	# shellcheck disable=SC2086 # parameters are words on purpose
	insmod "$ko" ${REFSLAB_PARAMS:-} || { rs_err "insmod failed"; return 1; }
	if [ ! -c /dev/refslab ]; then
		rs_err "/dev/refslab is missing after insmod"
		return 1
	fi
	rs_say "loaded: $(ls -l /dev/refslab)"
}

rs_unload() {
	if ! rmmod refslab; then
		rs_err "rmmod refslab failed (a heap still open?)"
		return 1
	fi
	if grep -q '^refslab ' /proc/modules || [ -e /dev/refslab ]; then
		rs_err "refslab still present after rmmod"
		return 1
	fi
	rs_say "unloaded cleanly"
}

# The userspace test programs a run must have: every tests/user/NAME.c
# built as build/tests/NAME (64-bit), build/tests32/NAME (32-bit) and, with
# REFSLAB_ASAN=1, build/tests-asan/NAME; then tests/*.t.  The list comes
# from the sources, not from what happens to be built, so a program that
# failed to build is a failure, not a silent gap.  Sets RS_PROGS to the
# programs found; returns 1 if one is missing.
rs_test_programs() {
	local src name dir p missing=()
	local dirs=(build/tests build/tests32)

	[ "${REFSLAB_ASAN:-0}" = 1 ] && dirs+=(build/tests-asan)
	RS_PROGS=()
	for src in tests/user/*.c; do
		[ -f "$src" ] || continue
		name=$(basename "$src" .c)
		for dir in "${dirs[@]}"; do
			p=$dir/$name
			if [ -f "$p" ] && [ -x "$p" ]; then
				RS_PROGS+=("$p")
			else
				missing+=("$p")
			fi
		done
	done
	if [ ${#RS_PROGS[@]} = 0 ] && [ ${#missing[@]} = 0 ]; then
		rs_err "no tests/user/*.c: nothing to run"
		return 1
	fi
	for p in tests/*.t; do
		[ -f "$p" ] && RS_PROGS+=("$p")
	done
	if [ ${#missing[@]} != 0 ]; then
		rs_err "${#missing[@]} test programs missing (make userspace): ${missing[*]}"
		return 1
	fi
}

# After prove: the whole kept output (tests/vm/keep-output) of every
# program prove's summary names as failed, since prove shows only
# "Failed test: N" and hides the TAP comments that say why.  Argument:
# the output directory (with prove.txt, prove's own output).
rs_show_failed() {
	local dir=$1 p name log
	for p in $(sed -n '/^Test Summary Report/,$ s/^\([^ ]*\) *(Wstat: .*/\1/p' "$dir/prove.txt"); do
		name=${p#build/}
		log=$dir/${name//\//-}.log
		echo "== failed: $p (whole output, $log)"
		if [ -f "$log" ]; then
			cat "$log"
		else
			echo "# no output kept for $p"
		fi
	done
}

# Whether KUnit suites must run at insmod: the kernel has KUnit (its
# debugfs directory, its module, or its config says so) or the module to
# load carries suites.  Argument: the module.
rs_kunit_expected() {
	local cfg
	[ -d /sys/kernel/debug/kunit ] && return 0
	[ -d /sys/module/kunit ] && return 0
	if [ -r /proc/config.gz ]; then
		zcat /proc/config.gz | grep -Eq '^CONFIG_KUNIT=[ym]' && return 0
	else
		cfg=/boot/config-$(uname -r)
		[ -r "$cfg" ] && grep -Eq '^CONFIG_KUNIT=[ym]' "$cfg" && return 0
	fi
	# -W: readelf shortens long section names otherwise
	readelf -SW "$1" 2>/dev/null | grep -q '\.kunit_test_suites'
}

# KUnit suites run at insmod on a kernel with CONFIG_KUNIT and print KTAP to
# the log: any "not ok" fails, and so does no output at all on a kernel
# that has KUnit; each suite's "# name: pass:P fail:F skip:S total:T" line
# must add up, and the lines are summed for the report.  Arguments: the
# dmesg mark and the module that was loaded.
rs_kunit_report() {
	local log pass=0 fail=0 skip=0 total=0 odd bad
	log=$(rs_dmesg_since "$1" | sed 's/^\[[^]]*\] //')
	if ! printf '%s\n' "$log" | grep -q '# Subtest:'; then
		if rs_kunit_expected "$2"; then
			rs_err "kunit: no KUnit output at load, but this kernel or $2 has KUnit"
			return 1
		fi
		rs_say "kunit: kernel without KUnit, module without suites: nothing to check"
		return 0
	fi
	# No process substitution: the VM's devtmpfs has no /dev/fd.
	read -r pass fail skip total odd <<<"$(printf '%s\n' "$log" | grep -v '# Totals:' |
		sed -n 's/^ *# [A-Za-z0-9_.-]*: pass:\([0-9]*\) fail:\([0-9]*\) skip:\([0-9]*\) total:\([0-9]*\).*/\1 \2 \3 \4/p' |
		awk '{ p += $1; f += $2; s += $3; t += $4; if ($1 + $2 + $3 != $4) o++ }
		     END { print p + 0, f + 0, s + 0, t + 0, o + 0 }')"
	bad=$(printf '%s\n' "$log" | grep -E '^ *not ok [0-9]+' || true)
	echo "kunit: $pass passed, $fail failed, $skip skipped of $total"
	if [ -n "$bad" ] || [ "$fail" != 0 ]; then
		rs_err "kunit failures:"
		printf '%s\n' "$bad" | sed 's/^/#   /'
		return 1
	fi
	if [ "$total" = 0 ] || [ "$odd" != 0 ]; then
		rs_err "kunit: $total cases in the suite summaries, $odd summaries that do not add up"
		return 1
	fi
	if [ "$pass" = 0 ]; then
		rs_err "kunit: suites ran but no case passed"
		return 1
	fi
}

# The self-tests of a load with selftest=1: the summary "selftest slab: F
# of T failed" must say F = 0 of some T > 0, and T must match the
# per-test lines, all "ok".  Argument: the dmesg mark.
rs_selftest_report() {
	local log line failed total lines oks
	log=$(rs_dmesg_since "$1")
	line=$(printf '%s\n' "$log" | grep -o 'selftest slab: [0-9]* of [0-9]* failed' | tail -1)
	echo "# ${line:-no self-test summary in the log}"
	if [ -z "$line" ]; then
		rs_err "in-kernel self-tests: no summary"
		return 1
	fi
	read -r _ _ failed _ total _ <<<"$line"
	lines=$(printf '%s\n' "$log" | grep -c 'selftest slab/[A-Za-z0-9_]*: ')
	oks=$(printf '%s\n' "$log" | grep -c 'selftest slab/[A-Za-z0-9_]*: ok$')
	if [ "$failed" != 0 ] || [ "$total" = 0 ] || [ "$lines" != "$total" ] ||
	   [ "$oks" != "$total" ]; then
		rs_err "in-kernel self-tests did not pass: $failed of $total failed, $lines results logged, $oks ok"
		return 1
	fi
}

# kmemleak (debug kernel): forget what boot left behind before the tests,
# then scan at the end and fail on any report.
rs_kmemleak_start() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
	rs_say "kmemleak: boot-time objects cleared"
}

rs_kmemleak_check() {
	local rep
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	# An object must be seen unreferenced by two scans, some seconds apart,
	# to be reported.
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	rep=$(cat /sys/kernel/debug/kmemleak)
	if [ -n "$rep" ]; then
		rs_err "kmemleak reports:"
		printf '%s\n' "$rep" | head -60 | sed 's/^/#   /'
		return 1
	fi
	echo "kmemleak: no leaks"
}

# Kernel problems logged since the mark.
rs_dmesg_check() {
	local hits
	hits=$(rs_dmesg_since "$1" | grep -E "$RS_PATTERN" || true)
	if [ -n "$hits" ]; then
		rs_err "kernel problems in dmesg:"
		printf '%s\n' "$hits" | head -40 | sed 's/^/#   /'
		return 1
	fi
}

# The debugfs accounting, briefly: the files, the slabinfo rows of caches
# that hold slabs, the heaps and the global collector figures (refslabctl
# stats shows the per-cache counters).
rs_show_debugfs() {
	local d=/sys/kernel/debug/refslab
	if [ ! -d $d ]; then
		rs_err "no $d"
		return 1
	fi
	echo "---- $d: $(cd $d && echo *)"
	echo "---- refslab/slabinfo (caches holding slabs; $(($(wc -l <$d/slabinfo) - 2)) caches in all)"
	awk 'NR <= 2 || $3 > 0' $d/slabinfo
	echo "---- refslab/heaps"
	cat $d/heaps
	echo "---- refslab/gc (global)"
	sed -n '/^global:/,/^heap /p' $d/gc | grep -v '^heap '
}
