#!/bin/bash
# The demo scenario, run inside the VM by `make demo` between loading and
# unloading refslab (tests/run-tests.sh --demo prints the debugfs accounting
# afterwards).  Every scenario script in tests/scenarios/ runs through
# `refslabctl run -v`; each refslabctl invocation opens a heap and closes
# it on exit.
set -eu
ctl=build/refslabctl
if [ ! -x $ctl ]; then
	echo "demo: $ctl not built" >&2
	exit 1
fi
ran=0
for s in tests/scenarios/*; do
	[ -f "$s" ] || continue
	echo "---- scenario $s"
	$ctl run -v "$s"
	ran=1
done
if [ $ran = 0 ]; then
	echo "---- no scenario in tests/scenarios/: open a heap, ask its version, close it"
	$ctl version
fi
