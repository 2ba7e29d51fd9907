#!/bin/bash
# The man pages render without a warning (TAP, for prove; make check runs
# it on the host).  Each man/NAME.SECTION.scd is built by `make man` and
# rendered twice: by man-db as a user reads it (man --warnings -l, 80
# columns) and by groff with every warning on (-ww); any line either
# prints on stderr is a failure.  The NAME line must name the page.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/man-t.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

srcs=(man/*.scd)
echo "1..$((1 + 3 * ${#srcs[@]}))"
n=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

make -s --no-print-directory man >"$tmp/log" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/log"
ok $rc "make man (${#srcs[@]} pages)"

for s in "${srcs[@]}"; do
	page=build/man/$(basename "$s" .scd)
	name=$(basename "$page")
	name=${name%.*}
	MANWIDTH=80 man --warnings -l "$page" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 0 ] && [ ! -s "$tmp/err" ]
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$tmp/err"
	ok $rc "man --warnings -l $page: no warning"
	groff -ww -z -man "$page" >"$tmp/err" 2>&1
	rc=$?
	[ $rc = 0 ] && [ ! -s "$tmp/err" ]
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$tmp/err"
	ok $rc "groff -ww -z -man $page: no warning"
	sed -n '/^NAME/{n;p;q}' "$tmp/out" | grep -q "^ *$name - "
	ok $? "$page: the NAME line names $name"
done
