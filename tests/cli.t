#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# refslabctl's command line (TAP, run under prove in the VM, as root, with
# the module loaded): a typo gets one line with a hint and exit 2 before
# any device is opened; --version works without the device; help VERB;
# the getopt forms (--opt=V and --opt V, global and per verb); the hints
# for a missing module and for EACCES.  REFSLABCTL overrides the binary.
set -u
here=$(cd "$(dirname "$0")" && pwd)
ctl=${REFSLABCTL:-$here/../build/refslabctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nodev=/nonexistent/refslab
n=0
if [ ! -c /dev/refslab ]; then
	echo "Bail out! /dev/refslab is not a character device: load the module first"
	exit 1
fi

ok() {  # ok COND-STATUS NAME: report the previous test
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/# out: /' "$tmp/out"
		sed 's/^/# err: /' "$tmp/err"
	fi
}

run() {  # run ARGS...: refslabctl ARGS, output in $tmp/out, $tmp/err; $rc
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

lines() { wc -l <"$1"; }

# A mistyped verb: one line, the closest verb, exit 2, no device opened
# (the device named does not exist, and the message does not mention it).
run --device=$nodev craete --slots=2
[ $rc = 2 ] && [ "$(lines "$tmp/err")" = 1 ] &&
	grep -q "unknown command 'craete'; did you mean 'create'" "$tmp/err" &&
	! grep -q "$nodev" "$tmp/err" && [ ! -s "$tmp/out" ]
ok $? "a mistyped verb: one line with the hint, exit 2, no device opened"

run --device=$nodev create --slots=x
[ $rc = 2 ] && grep -q "create: bad slot count 'x'" "$tmp/err" && ! grep -q "$nodev" "$tmp/err"
ok $? "a bad option value is reported before the device is opened"

run --device=$nodev create --sluts=2
[ $rc = 2 ] && grep -q "create: unknown option '--sluts=2'" "$tmp/err" &&
	! grep -q "$nodev" "$tmp/err"
ok $? "an unknown verb option: exit 2, no device"

run --device=$nodev link a
[ $rc = 2 ] && grep -q "usage: link HANDLE SLOT TARGET" "$tmp/err" && ! grep -q "$nodev" "$tmp/err"
ok $? "a wrong operand count: the verb's usage, no device"

run --bogus heap
[ $rc = 2 ] && grep -q "unknown option '--bogus'" "$tmp/err"
ok $? "an unknown global option: exit 2"

run --device=$nodev expect objects 0
[ $rc = 2 ] && grep -q "expect: only in a script" "$tmp/err"
ok $? "a script-only verb on the command line: exit 2"

# --version without the device, and with it
run --device=$nodev --version
[ $rc = 0 ] && grep -Eq '^refslabctl [0-9]+\.[0-9]+\.[0-9]+ \(librefslab [0-9.]+, uapi [0-9]+\.[0-9]+\)$' "$tmp/out" &&
	grep -q '^module: unknown' "$tmp/out"
ok $? "--version without the device: the tool's and library's versions, exit 0"

run --version
[ $rc = 0 ] && grep -Eq '^module: refslab [0-9]+\.[0-9]+, features: objects' "$tmp/out"
ok $? "--version with the device: the module's version too"

run --device=$nodev version --json
[ $rc = 0 ] && grep -q '"module": null' "$tmp/out"
ok $? "version --json without the device: module null"

# help
run --device=$nodev help create
[ $rc = 0 ] && grep -q '^usage: refslabctl create \[NAME\] \[--slots=N\]' "$tmp/out" &&
	! grep -q 'usage: refslabctl dup' "$tmp/out"
ok $? "help VERB shows that verb's help only"

run create --help
[ $rc = 0 ] && grep -q '^usage: refslabctl create' "$tmp/out"
ok $? "VERB --help is the same"

run help crate
[ $rc = 2 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q "did you mean 'create'" "$tmp/err"
ok $? "help of a mistyped verb: one line with the hint"

run help
[ $rc = 0 ] && grep -q '^  create \[NAME\]' "$tmp/out" && grep -q '^  run \[-v\]' "$tmp/out"
ok $? "help lists every verb"

# getopt forms, on one heap kept open by the shell
exec 3<>/dev/refslab
h1=$("$ctl" --fd=3 create --slots=3 --payload=5)
h2=$("$ctl" --fd 3 create --slots 3 --payload 5)
run --fd=3 stat "$h1" "$h2"
[ $rc = 0 ] && [ "$(grep -c 'slots 3 payload 5 ' "$tmp/out")" = 2 ]
ok $? "--slots=3 and --slots 3 (and --fd=3, --fd 3) make the same object"

run --device=/dev/refslab heap
r1=$rc
run --device /dev/refslab heap
r2=$rc
run -d /dev/refslab heap
[ $r1 = 0 ] && [ $r2 = 0 ] && [ $rc = 0 ] && grep -q '^heap: objects 0/' "$tmp/out"
ok $? "--device=PATH, --device PATH and -d PATH"

run --fd=3 link "$h1" 0 "$h2"
[ $rc = 0 ] && "$ctl" --fd=3 stat "$h2" | grep -q 'refcount 2 '
ok $? "link by raw handle numbers on the command line"

run --fd=3 write "$h1" 0 "-x-"
[ $rc = 0 ] && "$ctl" --fd=3 read "$h1" 0 3 | grep -qx "$h1\[0..3\] = \"-x-\""
ok $? "write: text starting with '-' is an operand"

run --fd=3 limits --objects=0
[ $rc = 2 ] && grep -q 'a limit must be positive' "$tmp/err"
ok $? "limits --objects=0 is refused as on a script line"
exec 3>&-

# The device missing, and not allowed
run --device=$nodev heap
[ $rc = 1 ] && grep -q "cannot open $nodev" "$tmp/err" && grep -q 'modprobe refslab' "$tmp/err" &&
	grep -q 'insmod' "$tmp/err"
ok $? "a missing device: how to load the module, exit 1"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "not ok $((n + 1)) - EACCES hint: needs root and setpriv"
	n=$((n + 1))
else
	mode=$(stat -c %a /dev/refslab)
	chmod 0600 /dev/refslab
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" heap >"$tmp/out" 2>"$tmp/err"
	rc=$?
	chmod "$mode" /dev/refslab
	[ $rc = 1 ] && grep -q 'Permission denied (EACCES)' "$tmp/err" && grep -q 'refslab group' "$tmp/err"
	ok $? "EACCES: the refslab group is named"
fi

# A script with a typo on its last line runs none of it.
printf 'create a\nprint ran\nfrob a\n' >"$tmp/s.refslab"
run --device=$nodev run "$tmp/s.refslab"
[ $rc = 2 ] && [ ! -s "$tmp/out" ] && grep -q "s.refslab:3: unknown command 'frob'" "$tmp/err" &&
	! grep -q "$nodev" "$tmp/err"
ok $? "a script with a typo: nothing runs, no device opened, exit 2"

echo "1..$n"
