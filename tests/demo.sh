#!/bin/bash
# The demo scenario, run inside the VM by `make demo` between loading and
# unloading refslab (tests/run-tests.sh --demo prints the debugfs accounting
# afterwards).  The scenario tests/scenarios/demo.refslab runs through
# `refslabctl run -v`; the invocation opens a heap and closes it on exit.
set -eu
ctl=build/refslabctl
if [ ! -x $ctl ]; then
	echo "demo: $ctl not built" >&2
	exit 1
fi
# tests/scenarios/demo.refslab is the demo; the other scenarios are tests
# (some must fail) and run under prove via tests/scenarios.t.
if [ -f tests/scenarios/demo.refslab ]; then
	echo "---- scenario tests/scenarios/demo.refslab"
	$ctl run -v tests/scenarios/demo.refslab
else
	echo "---- no tests/scenarios/demo.refslab: open a heap, ask its version, close it"
	$ctl version
fi
