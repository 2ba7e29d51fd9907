#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# refslabctl top in its script forms (--once, -n, --json) against the
# loaded module: a heap this script holds open (created by this shell, so
# its pid is $$) with a known number of objects must appear with that
# count.  Needs root, debugfs and /dev/refslab (the VM suite).
# REFSLABCTL overrides the binary (default: build/refslabctl next to tests/).
here=$(cd "$(dirname "$0")" && pwd)
ctl=${REFSLABCTL:-$here/../build/refslabctl}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -s "$tmp/out" ] && sed 's/^/# out: /' "$tmp/out" | head -40
		[ -s "$tmp/err" ] && sed 's/^/# err: /' "$tmp/err" | head -20
	fi
}

echo "1..10"

# A heap of this shell with 5 objects, 2 of them in a cycle-free chain.
exec 3<>/dev/refslab || { echo "Bail out! cannot open /dev/refslab"; exit 1; }
for _ in 1 2 3 4 5; do
	"$ctl" --fd 3 create --slots 1 --payload 16 >/dev/null || {
		echo "Bail out! refslabctl create failed"; exit 1; }
done

"$ctl" top --once >"$tmp/out" 2>"$tmp/err"
ok $? "top --once exits 0"

# The heap's row: PID OBJECTS BYTES HANDLES PENDING FROZEN COLLECTIONS
row=$(awk -v pid=$$ '$1 == pid && NF >= 7' "$tmp/out")
[ -n "$row" ] && [ "$(echo "$row" | awk '{ print $2 }')" = 5 ] &&
	[ "$(echo "$row" | awk '{ print $4 }')" = 5 ]
ok $? "top --once: heap $$ shows 5 objects and 5 handles (${row:-no row})"

# One more object: the next frame sees it.
"$ctl" --fd 3 create >/dev/null
"$ctl" top --once >"$tmp/out" 2>"$tmp/err"
[ "$(awk -v pid=$$ '$1 == pid && NF >= 7 { print $2 }' "$tmp/out")" = 6 ]
ok $? "top --once: the count follows the heap (6 objects)"

grep -q '^Collector: [0-9]* collections' "$tmp/out" &&
	grep -q 'OBJS *ACTIVE *USE *OBJ SIZE *SLABS *OBJ/SLAB *PAGES *NAME' "$tmp/out"
ok $? "top --once: collector line and cache table header"

# -n 3 as text: three frames.
"$ctl" top -n 3 --interval 0.2 >"$tmp/out" 2>"$tmp/err" &&
	[ "$(grep -c '^refslabctl top - ' "$tmp/out")" = 3 ]
ok $? "top -n 3 prints three frames"

# --json: one object per refresh, valid, no duplicate keys, the heap in it,
# caches sorted as asked, a collection rate from the second refresh on.
check_json() {
	"$py" - "$1" "$$" "$2" <<'EOF'
import json, sys

def no_dups(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate keys: %r" % keys)
    return dict(pairs)

path, pid, sort = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(path).read().splitlines()
assert len(lines) == 2, "%d lines, expected 2" % len(lines)
for i, line in enumerate(lines):
    o = json.loads(line, object_pairs_hook=no_dups)
    assert o["sort"] == sort, o["sort"]
    mine = [h for h in o["heaps"] if h["pid"] == pid]
    assert len(mine) == 1, o["heaps"]
    h = mine[0]
    assert h["objects"] == 6 and h["handles"] == 6, h
    assert isinstance(h["pending"], int), h
    assert h["closed"] is False, h
    key = "active_objs" if sort == "objects" else "pages"
    vals = [c[key] for c in o["caches"]]
    assert vals == sorted(vals, reverse=True), vals
    assert sum(c["active_objs"] for c in o["caches"]) >= 6
    rate = o["gc"]["collections_per_sec"]
    assert (rate is None) if i == 0 else (rate >= 0), rate
    for k in ("collections", "collected", "max_pause_ns", "max_wait_ns"):
        assert isinstance(o["gc"][k], int), (k, o["gc"])
EOF
}
"$ctl" top --json -n 2 --interval 0.2 >"$tmp/out" 2>"$tmp/err" &&
	check_json "$tmp/out" objects 2>>"$tmp/err"
ok $? "top --json -n 2: valid objects without duplicate keys, heap $$ with 6 objects"

"$ctl" top --json -n 2 --interval 0.2 --sort pages >"$tmp/out" 2>"$tmp/err" &&
	check_json "$tmp/out" pages 2>>"$tmp/err"
ok $? "top --json --sort pages: caches by pages"

# A second heap of this shell (the same pid), its 2 objects frozen: each
# row must carry its own heap's collector figures (top pairs a heaps row
# with its gc section by heap id; pids repeat).
exec 4<>/dev/refslab || { echo "Bail out! cannot open /dev/refslab"; exit 1; }
"$ctl" --fd 4 create >/dev/null && "$ctl" --fd 4 create >/dev/null &&
	"$ctl" --fd 4 freeze >/dev/null &&
	"$ctl" top --json --once >"$tmp/out" 2>"$tmp/err" &&
	"$py" - "$tmp/out" "$$" <<'EOF' 2>>"$tmp/err"
import json, sys
o = json.loads(open(sys.argv[1]).read())
mine = sorted((h["objects"], h["frozen"]) for h in o["heaps"] if h["pid"] == int(sys.argv[2]))
assert mine == [(2, 2), (6, 0)], mine
EOF
ok $? "top --json: two heaps of one pid, each with its own frozen count"
exec 4>&-

# The heap closed: its row is gone (the collector may hold the heap a
# moment longer, so a few frames are allowed).
exec 3>&-
gone=1
for _ in 1 2 3 4 5 6 7 8 9 10; do
	"$ctl" top --once >"$tmp/out" 2>"$tmp/err"
	if [ -z "$(awk -v pid=$$ '$1 == pid && NF >= 7' "$tmp/out")" ]; then
		gone=0
		break
	fi
	sleep 0.5
done
ok $gone "top --once: a closed heap leaves the list"

rc=0
for bad in "-n 0" "--interval 0" "--interval x" "--sort name" "--bogus"; do
	# shellcheck disable=SC2086 # the words on purpose
	"$ctl" top $bad >"$tmp/out" 2>"$tmp/err"
	r=$?
	[ $r = 2 ] || { echo "# top $bad: exit $r, expected 2"; rc=1; }
done
: >"$tmp/out"
: >"$tmp/err"
ok $rc "bad arguments exit 2"
