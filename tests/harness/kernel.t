#!/bin/bash
# tests/vm/kernel.sh, which reads KERNEL= for the VM runner and the Makefile,
# over a fake /boot holding Debian 12's image names (TAP, for prove).  The
# bug it guards against: KERNEL=6.12 once globbed /boot/vmlinuz-6.12* and
# booted the -rt image, which sorts last.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
ks=$repo/tests/vm/kernel.sh
boot=$(mktemp -d "${TMPDIR:-/tmp}/kernel-t.XXXXXX")
trap 'rm -rf "$boot"' EXIT
for r in 6.1.0-9-amd64 6.1.0-57-amd64 6.1.0-57-cloud-amd64 6.1.0-57-rt-amd64 \
	6.12.9+deb12-amd64 6.12.117+deb12-amd64 6.12.117+deb12-rt-amd64 \
	6.12.117+deb12-cloud-amd64; do
	touch "$boot/vmlinuz-$r"
done

n=0
picks() {  # picks NAME RELEASE: kernel.sh NAME prints $boot/vmlinuz-RELEASE
	local got
	n=$((n + 1))
	got=$(BOOT=$boot "$ks" "$1" 2>&1)
	if [ "$got" = "$boot/vmlinuz-$2" ]; then
		echo "ok $n - KERNEL=$1 boots $2"
	else
		echo "not ok $n - KERNEL=$1 boots $2 (got: ${got#"$boot/vmlinuz-"})"
	fi
}
refuses() {  # refuses NAME [BOOT]: kernel.sh NAME fails, saying why
	local err rc
	n=$((n + 1))
	err=$(BOOT=${2:-$boot} "$ks" "$1" 2>&1 >/dev/null)
	rc=$?
	if [ $rc != 0 ] && [ -n "$err" ]; then
		echo "ok $n - KERNEL=$1 is refused: $err" | sed "s|$boot|BOOT|g"
	else
		echo "not ok $n - KERNEL=$1 is refused (status $rc, message '$err')"
	fi
}

picks stock 6.1.0-57-amd64
picks 6.1 6.1.0-57-amd64
picks 6.1-rt 6.1.0-57-rt-amd64
picks 6.12 6.12.117+deb12-amd64
picks 6.12-rt 6.12.117+deb12-rt-amd64
picks 6.12.9+deb12-amd64 6.12.9+deb12-amd64
picks 6.12.117+deb12-cloud-amd64 6.12.117+deb12-cloud-amd64
n=$((n + 1))
[ "$(BOOT=$boot "$ks" /some/bzImage)" = /some/bzImage ]
[ $? = 0 ] && echo "ok $n - a path is taken as it is" || echo "not ok $n - a path is taken as it is"
refuses 6.13
refuses 6
refuses rt
refuses 6.12-rtx
# only the -rt image of a line: the generic name must not fall back to it
only=$(mktemp -d "${TMPDIR:-/tmp}/kernel-t.XXXXXX")
touch "$only/vmlinuz-6.12.117+deb12-rt-amd64"
refuses 6.12 "$only"
refuses stock "$only"
rm -rf "$only"
echo "1..$n"
