#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# refslabctl graph and the scenario command `graph FILE`: a scenario builds
# a known graph (a 2-cycle and a self-loop no handle reaches, a frozen
# root, candidates, two handles on one object) and writes it as DOT and
# JSON.  Graphviz must render the DOT (dot -Tsvg), and a checker written
# here, independent of graph.c, reads both files back and compares them
# with the graph the scenario built: nodes, handle roots, refcounts,
# colours by state, edges with their slots, and which edges are on a cycle.
# Run in the VM by tests/run-tests.sh (needs /dev/refslab, dot, python3).
here=$(cd "$(dirname "$0")" && pwd)
ctl=${REFSLABCTL:-$here/../build/refslabctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {  # ok STATUS DESCRIPTION [FILE whose lines to show on failure]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/# /' "$3"
	fi
}
echo "1..7"

cat >"$tmp/graph.refslab" <<'EOF'
gc disable
create z --slots=1
freeze                  # z alone is frozen
create a --slots=2 --payload=8
create b --slots=1
create c --slots=1
create d --slots=1
create e
create f --slots=1 --payload=4
link a 0 b
link b 0 c
link c 0 b
link a 1 e
link d 0 d
link f 0 e
link z 0 a
stat z a b c d e f
dup a2 a
drop b c d f            # b <-> c and d -> d: cycles no handle reaches
graph g.dot
graph g.json
EOF
REFSLAB_GRAPH_DIR=$tmp "$ctl" run "$tmp/graph.refslab" >"$tmp/out" 2>"$tmp/err"
ok $? "the scenario runs and writes g.dot and g.json" "$tmp/err"

dot -Tsvg "$tmp/g.dot" -o "$tmp/g.svg" 2>"$tmp/dot.err" && grep -q '<svg' "$tmp/g.svg"
ok $? "dot -Tsvg renders the DOT" "$tmp/dot.err"

# The checker: the expected graph, by the scenario's names; ids and
# handle numbers come from the scenario's stat lines.
cat >"$tmp/check.py" <<'EOF'
import json, re, sys

tmp, what = sys.argv[1], sys.argv[2]
names = "z a b c d e f".split()
ids, handles = {}, {}
for line in open(tmp + "/out"):    # stat: "NAME: handle H object ID ..."
    m = re.match(r"(\w+): handle (\d+) object (\d+) ", line)
    if m and m.group(1) in names:
        handles[m.group(1)], ids[m.group(1)] = int(m.group(2)), int(m.group(3))
if sorted(ids) != sorted(names):
    print("# stat lines for %s only" % sorted(ids))
    sys.exit(1)
# handle a2 is the lowest number free after the 7 creates: 8
handles["a2"] = 8
objects = {  # name: (refcount, states)
    "z": (1, {"frozen"}),
    "a": (3, set()),
    "b": (2, {"candidate"}),
    "c": (1, {"candidate"}),
    "d": (1, {"candidate"}),
    "e": (2, {"candidate"}),
}
roots = {"z": "z", "a": "a", "a2": "a", "e": "e"}     # handle name: object
edges = {("z", 0, "a"), ("a", 0, "b"), ("a", 1, "e"), ("b", 0, "c"),
         ("c", 0, "b"), ("d", 0, "d")}
cycle = {("b", 0, "c"), ("c", 0, "b"), ("d", 0, "d")}
fill = {"frozen": "#bfdcf5", "candidate": "#fbe7a1", None: "#ffffff"}
RED = "#c62828"
errors = []

def check(cond, msg):
    if not cond:
        errors.append(msg)

def obj(name):
    return ids[name]

if what == "dot":
    text = open(tmp + "/g.dot").read()
    attr_re = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\]\s]+)')
    def attrs(s):
        return {k: v[1:-1] if v.startswith('"') else v for k, v in attr_re.findall(s)}
    nodes, arcs = {}, {}
    for line in text.splitlines():
        m = re.match(r"\s*(\w+)\s*->\s*(\w+)\s*\[(.*)\];$", line)
        if m:
            key = (m.group(1), m.group(2), attrs(m.group(3)).get("label"))
            check(key not in arcs, "edge %s twice" % (key,))
            arcs[key] = attrs(m.group(3))
            continue
        m = re.match(r"\s*(\w+)\s*\[(.*)\];$", line)
        if m and m.group(1) not in ("graph", "node", "edge"):
            check(m.group(1) not in nodes, "node %s twice" % m.group(1))
            nodes[m.group(1)] = attrs(m.group(2))
    want_nodes = {"o%d" % obj(x) for x in objects} | {"h%d" % handles[x] for x in roots}
    check(set(nodes) == want_nodes, "nodes %s, expected %s" % (sorted(nodes), sorted(want_nodes)))
    for x, (rc, states) in objects.items():
        a = nodes.get("o%d" % obj(x), {})
        check(("refcount %d" % rc) in a.get("label", ""), "%s: label %r lacks refcount %d" % (x, a.get("label"), rc))
        state = "frozen" if "frozen" in states else "candidate" if states else None
        check(a.get("fillcolor") == fill[state], "%s: fill %s, expected %s" % (x, a.get("fillcolor"), fill[state]))
        for s in states:
            check(s in a.get("label", ""), "%s: label lacks %s" % (x, s))
    shapes = {nodes.get("h%d" % handles[h], {}).get("shape") for h in roots}
    obj_shapes = {nodes.get("o%d" % obj(x), {}).get("shape") for x in objects}
    check(len(shapes) == 1 and not (shapes & obj_shapes), "handle shapes %s vs object shapes %s" % (shapes, obj_shapes))
    for h, x in roots.items():
        a = nodes.get("h%d" % handles[h], {})
        check(a.get("label", "").startswith(h + "\\n"), "handle %s: label %r lacks its name" % (h, a.get("label")))
        check(("h%d" % handles[h], "o%d" % obj(x), None) in arcs, "handle %s -> %s missing" % (h, x))
    want_arcs = {("h%d" % handles[h], "o%d" % obj(x), None) for h, x in roots.items()} | \
                {("o%d" % obj(s), "o%d" % obj(t), str(i)) for s, i, t in edges}
    check(set(arcs) == want_arcs, "edges %s, expected %s" % (sorted(arcs), sorted(want_arcs)))
    for s, i, t in edges:
        a = arcs.get(("o%d" % obj(s), "o%d" % obj(t), str(i)), {})
        red = a.get("color") == RED
        check(red == ((s, i, t) in cycle), "edge %s.%d -> %s: color %s" % (s, i, t, a.get("color")))
else:
    def no_dups(pairs):
        keys = [k for k, _ in pairs]
        check(len(keys) == len(set(keys)), "duplicate keys in %s" % keys)
        return dict(pairs)
    g = json.load(open(tmp + "/g.json"), object_pairs_hook=no_dups)
    check(isinstance(g.get("generation"), int), "no generation")
    got = {o["id"]: o for o in g["objects"]}
    check(set(got) == {obj(x) for x in objects}, "objects %s" % sorted(got))
    for x, (rc, states) in objects.items():
        o = got.get(obj(x), {})
        check(o.get("refcount") == rc, "%s: refcount %s, expected %d" % (x, o.get("refcount"), rc))
        check(set(o.get("state", [])) == states, "%s: state %s" % (x, o.get("state")))
        check(o.get("cycle") == (x in ("b", "c", "d")), "%s: cycle %s" % (x, o.get("cycle")))
    check(got[obj("b")]["scc"] == got[obj("c")]["scc"] != got[obj("a")]["scc"], "components of a, b, c")
    hs = {(h["handle"], h["object"], h.get("name")) for h in g["handles"]}
    check(hs == {(handles[h], obj(x), h) for h, x in roots.items()}, "handles %s" % sorted(hs))
    es = {(e["object"], e["slot"], e["target"], e["cycle"]) for e in g["edges"]}
    want = {(obj(s), i, obj(t), (s, i, t) in cycle) for s, i, t in edges}
    check(es == want, "edges %s, expected %s" % (sorted(es), sorted(want)))
for e in errors:
    print("# " + e)
sys.exit(1 if errors else 0)
EOF
python3 "$tmp/check.py" "$tmp" dot
ok $? "the DOT has the nodes, roots, refcounts, colours and edges built"
python3 "$tmp/check.py" "$tmp" json
ok $? "the JSON has them too, with no duplicate key"

# One-shot: a fresh heap is an empty graph, in both forms.
"$ctl" graph --json >"$tmp/empty.json" && python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
sys.exit(0 if g["objects"] == g["handles"] == g["edges"] == [] else 1)' "$tmp/empty.json"
ok $? "refslabctl graph --json: an empty heap"
"$ctl" graph -o "$tmp/empty.dot" && dot -Tsvg "$tmp/empty.dot" >/dev/null 2>"$tmp/dot.err"
ok $? "refslabctl graph -o FILE: DOT that renders" "$tmp/dot.err"
"$ctl" graph --bogus >/dev/null 2>&1
[ $? = 2 ]
ok $? "refslabctl graph: a bad option is a usage error (exit 2)"
