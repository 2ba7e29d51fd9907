#!/bin/bash
# The benchmark framework, run inside the VM by `make bench` (the kernel is
# booted with init_on_alloc=0).  Loads refslab, runs every bench piece it
# finds -- executable tests/bench/*.sh scripts and build/bench/* programs --
# collects their `bench: <key> <value>` lines into $REFSLAB_OUT/bench.json
# (copied to build/bench.json by make) and prints them as a table.  A piece
# that fails fails the run; its figures are still kept.
set -u
cd "$(dirname "$0")/../.."
. tests/vm/lib.sh
out=${REFSLAB_OUT:-build}
raw=$(mktemp)
fail=0

mark=$(rs_dmesg_mark)
rs_load || exit 1
pieces=()
for p in tests/bench/*.sh build/bench/*; do
	case $p in tests/bench/run.sh | tests/bench/ab.sh) continue ;; esac
	[ -f "$p" ] && [ -x "$p" ] && pieces+=("$p")
done
[ ${#pieces[@]} = 0 ] && rs_say "no bench pieces (tests/bench/*.sh, build/bench/*)"
for p in "${pieces[@]}"; do
	echo "== $p"
	start=$(date +%s.%N)
	"$p" 2>&1 | tee -a "$raw"
	rc=${PIPESTATUS[0]}
	echo "== $p: status $rc, $(echo "$(date +%s.%N) - $start" | bc) s"
	[ "$rc" = 0 ] || { rs_err "$p failed"; fail=1; }
done
rs_unload || fail=1
rs_dmesg_check "$mark" || fail=1

python3 - "$raw" "$out/bench.json" <<'PY'
import json, re, sys
res = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s*bench:\s+(\S+)\s+(\S+)", line)
    if not m:
        continue
    key, val = m.groups()
    try:
        num = float(val)
        res[key] = int(num) if num.is_integer() and "." not in val else num
    except ValueError:
        res[key] = val
with open(sys.argv[2], "w") as f:
    json.dump(res, f, indent=1, sort_keys=True)
    f.write("\n")
w = max([len(k) for k in res] + [9])
print("%-*s  %s" % (w, "benchmark", "value"))
print("-" * (w + 16))
for k in sorted(res):
    print("%-*s  %s" % (w, k, res[k]))
print("%d figures -> %s" % (len(res), sys.argv[2]))
PY
rm -f "$raw"
exit $fail
