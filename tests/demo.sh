#!/bin/bash
# The demo scenario, run inside the VM by `make demo` between loading and
# unloading refslab (tests/run-tests.sh --demo prints the debugfs accounting
# afterwards).  The scenario tests/scenarios/demo.refslab runs through
# `refslabctl run -v`; the invocation opens a heap and closes it on exit.
# Its `graph` lines write the object graph before and after the collection
# as DOT into $REFSLAB_OUT/demo (build/vm/demo: the VM's root is read-only);
#
#   tests/demo.sh --render
#
# then runs on the host (make demo does it) and renders them with Graphviz
# as build/demo/before-collect.svg and after-collect.svg.
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = --render ]; then
	src=${VM_OUT:-build/vm}/demo
	out=build/demo
	mkdir -p $out
	svgs=()
	for name in before-collect after-collect; do
		if [ ! -f "$src/$name.dot" ]; then
			echo "demo: $src/$name.dot was not written (see the scenario's output above)" >&2
			exit 1
		fi
		cp "$src/$name.dot" "$out/$name.dot"
		if ! command -v dot >/dev/null; then
			echo "demo: Graphviz's dot is missing (scripts/deps.sh installs graphviz)" >&2
			exit 1
		fi
		dot -Tsvg "$out/$name.dot" -o "$out/$name.svg"
		svgs+=("$out/$name.svg")
	done
	echo "demo: the object graph before and after the collection:"
	for s in "${svgs[@]}"; do
		echo "  $(pwd)/$s"
	done
	exit 0
fi
ctl=build/refslabctl
if [ ! -x $ctl ]; then
	echo "demo: $ctl not built" >&2
	exit 1
fi
# tests/scenarios/demo.refslab is the demo; the other scenarios are tests
# (some must fail) and run under prove via tests/scenarios.t.
if [ -f tests/scenarios/demo.refslab ]; then
	REFSLAB_GRAPH_DIR=${REFSLAB_OUT:-build}/demo
	export REFSLAB_GRAPH_DIR
	rm -rf "$REFSLAB_GRAPH_DIR"
	mkdir -p "$REFSLAB_GRAPH_DIR"
	echo "---- scenario tests/scenarios/demo.refslab"
	$ctl run -v tests/scenarios/demo.refslab
else
	echo "---- no tests/scenarios/demo.refslab: open a heap, ask its version, close it"
	$ctl version
fi
