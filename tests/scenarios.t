#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every tests/scenarios/*.refslab through `refslabctl run` and report TAP.
#   NAME.refslab          must pass (exit 0)
#   fail-NAME.refslab     must fail an expectation or an operation (exit 1)
#   syntax-NAME.refslab   must be refused as a bad script (exit 2)
# A "# expect-stderr: TEXT" line in a failing scenario must appear in its
# error output (so the line number and message are checked too); a
# "# expect-stdout: LINE" line must be a whole line of a scenario's output
# (what commands such as read print).
# REFSLABCTL overrides the binary (default: build/refslabctl next to tests/).
here=$(cd "$(dirname "$0")" && pwd)
ctl=${REFSLABCTL:-$here/../build/refslabctl}
ctl=$(cd "$(dirname "$ctl")" && pwd)/$(basename "$ctl")
dir=$here/scenarios
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# `graph FILE` lines write there (the scenarios' directory may be read-only).
REFSLAB_GRAPH_DIR=$tmp
export REFSLAB_GRAPH_DIR

# A "# also-env: VAR=VALUE" line runs the scenario a second time with that
# in the environment (tested as NAME.refslab [VAR=VALUE]).
set --
for f in "$dir"/*.refslab; do
	set -- "$@" "$f"
	env=$(sed -n 's/^# also-env: //p' "$f")
	[ -n "$env" ] && set -- "$@" "$f|$env"
done
echo "1..$#"
n=0
for run in "$@"; do
	n=$((n + 1))
	f=${run%%|*}
	env=
	case $run in *"|"*) env=${run#*|} ;; esac
	name=$(basename "$f")${env:+ [$env]}
	case $(basename "$f") in
	fail-*) want=1 ;;
	syntax-*) want=2 ;;
	*) want=0 ;;
	esac
	(cd "$dir" && env $env "$ctl" run "$(basename "$f")") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	ok=1
	why=""
	if [ "$rc" -ne "$want" ]; then
		ok=0
		why="exit $rc, expected $want"
	fi
	want_err=$(sed -n 's/^# expect-stderr: //p' "$f")
	if [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$tmp/err"; then
		ok=0
		why="${why:+$why; }stderr lacks: $want_err"
	fi
	want_out=$(sed -n 's/^# expect-stdout: //p' "$f")
	if [ -n "$want_out" ] && ! grep -qxF -- "$want_out" "$tmp/out"; then
		ok=0
		why="${why:+$why; }stdout lacks the line: $want_out"
	fi
	if [ $ok -eq 1 ]; then
		echo "ok $n - $name (exit $rc)"
	else
		echo "not ok $n - $name: $why"
		sed 's/^/# out: /' "$tmp/out"
		sed 's/^/# err: /' "$tmp/err"
	fi
done
