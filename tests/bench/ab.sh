#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A/B of two refslab modules in one VM boot (run inside the VM by
# `make bench-ab`): for each round, load one module, run the bench pieces,
# unload, then the other, in the order ABBA, BAAB, ... so that a drift of
# the host's load hits both alike.  The same bench programs run against
# both (a piece must skip, not fail, what an older module lacks: ENOTTY).
# Prints, per key, the median of each side over the rounds and B/A, and
# writes them to $REFSLAB_OUT/bench-ab.json.  Timings under emulation are
# only comparable side by side like this (DESIGN.md, "Performance").
#
#   AB_KO_A, AB_KO_B   the two modules (A: the base, B: this tree)
#   AB_ROUNDS          rounds (default 3; each runs both modules twice)
#   AB_PIECES          bench pieces (default: as tests/bench/run.sh finds)
set -u
cd "$(dirname "$0")/../.."
. tests/vm/lib.sh
out=${REFSLAB_OUT:-build}
rounds=${AB_ROUNDS:-3}
raw=$(mktemp -d)
fail=0

[ -f "${AB_KO_A:-}" ] && [ -f "${AB_KO_B:-}" ] ||
	{ rs_err "AB_KO_A and AB_KO_B must name two modules"; exit 2; }
if [ -n "${AB_PIECES:-}" ]; then
	read -r -a pieces <<<"$AB_PIECES"
else
	pieces=()
	for p in tests/bench/*.sh build/bench/*; do
		case $p in tests/bench/run.sh | tests/bench/ab.sh) continue ;; esac
		[ -f "$p" ] && [ -x "$p" ] && pieces+=("$p")
	done
fi
echo "== A: $AB_KO_A"
echo "== B: $AB_KO_B"
echo "== pieces: ${pieces[*]}; $rounds rounds"

mark=$(rs_dmesg_mark)
run_side() {  # run_side A|B ROUND
	local side=$1 r=$2 ko p
	[ "$side" = A ] && ko=$AB_KO_A || ko=$AB_KO_B
	REFSLAB_KO=$ko rs_load >/dev/null || { rs_err "load $side failed"; return 1; }
	for p in "${pieces[@]}"; do
		echo "== round $r $side: $p"
		"$p" >"$raw/$side.$r.$(basename "$p").out" 2>&1 ||
			{ rs_err "$side: $p failed"; tail -5 "$raw/$side.$r.$(basename "$p").out"; fail=1; }
		grep -E '^\s*bench:' "$raw/$side.$r.$(basename "$p").out" >>"$raw/$side.$r" || true
	done
	rs_unload >/dev/null || { rs_err "unload $side failed"; return 1; }
}
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="A B B A"; else order="B A A B"; fi
	for side in $order; do
		run_side "$side" "$r" || { fail=1; break 2; }
	done
done
rs_dmesg_check "$mark" || fail=1

python3 - "$raw" "$out/bench-ab.json" <<'PY'
import glob, json, os, re, statistics, sys
raw, dest = sys.argv[1], sys.argv[2]
vals = {"A": {}, "B": {}}
for path in glob.glob(os.path.join(raw, "[AB].*")):
    side = os.path.basename(path).split(".")[0]
    if path.endswith(".out"):
        continue
    for line in open(path, errors="replace"):
        m = re.match(r"\s*bench:\s+(\S+)\s+(\S+)", line)
        if not m:
            continue
        try:
            vals[side].setdefault(m.group(1), []).append(float(m.group(2)))
        except ValueError:
            pass
res = {}
keys = sorted(set(vals["A"]) | set(vals["B"]))
w = max([len(k) for k in keys] + [9])
print("%-*s %12s %12s %8s %s" % (w, "benchmark", "A median", "B median", "B/A", "(runs A, B)"))
print("-" * (w + 50))
for k in keys:
    a, b = vals["A"].get(k, []), vals["B"].get(k, [])
    ma = statistics.median(a) if a else None
    mb = statistics.median(b) if b else None
    ratio = mb / ma if ma and mb is not None else None
    res[k] = {"A": a, "B": b, "A_median": ma, "B_median": mb, "B_over_A": ratio}
    fmt = lambda v: "%12.4g" % v if v is not None else "%12s" % "-"
    print("%-*s %s %s %8s (%d, %d)" % (w, k, fmt(ma), fmt(mb),
          "%.3f" % ratio if ratio is not None else "-", len(a), len(b)))
with open(dest, "w") as f:
    json.dump(res, f, indent=1, sort_keys=True)
    f.write("\n")
print("%d keys -> %s" % (len(res), dest))
PY
rm -rf "$raw"
exit $fail
