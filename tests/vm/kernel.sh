#!/bin/bash
# Print the kernel image that KERNEL=<name> boots, for tests/vm/run and the
# Makefile (which builds the module for it), so both read a name the same way:
#
#   stock        the newest /boot/vmlinuz-6.1.0-*-amd64 (Debian 12's kernel)
#   debug        the cached debug kernel (built once by debug-kernel.sh)
#   6.12, 6.1    the newest generic amd64 image of that line, never an -rt
#                or -cloud one: 6.12 is vmlinuz-6.12.117+deb12-amd64, not
#                vmlinuz-6.12.117+deb12-rt-amd64 (which sorts after it)
#   6.12-rt      the newest PREEMPT_RT amd64 image of that line
#   a release    exactly /boot/vmlinuz-<release>, e.g. 6.12.117+deb12-rt-amd64
#   a path       that file (anything with a /)
#
#   tests/vm/kernel.sh NAME     (default: $KERNEL, else stock)
#   BOOT         where the images are (default /boot; for tests)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-${KERNEL:-stock}}
boot=${BOOT:-/boot}

# The newest image whose release matches the extended regexp $1.
newest() {
	local f
	for f in "$boot"/vmlinuz-*; do
		[ -e "$f" ] || continue
		printf '%s\n' "${f#"$boot"/vmlinuz-}"
	done | { grep -E "^($1)\$" || true; } | sort -V | tail -1 | sed "s|^|$boot/vmlinuz-|"
}

# A Debian release is <line>.<minor or patch>[-<abi>][+debN]-[rt-]amd64.
re_quote() { printf '%s' "$1" | sed 's/[].[^$*+?(){}|\\]/\\&/g'; }

case $name in
*/*)	image=$name ;;
debug)	dir=$("$here/debug-kernel.sh") ||
		{ echo "kernel: the debug kernel build failed" >&2; exit 1; }
	image=$dir/linux-source-6.1/arch/x86/boot/bzImage ;;
stock)	image=$(newest '6\.1\.0-[0-9]+-amd64') ;;
*)	if [ -e "$boot/vmlinuz-$name" ]; then
		image=$boot/vmlinuz-$name
	else
		case $name in
		*-rt)	flavour=rt-amd64 line=${name%-rt} ;;
		*)	flavour=amd64 line=$name ;;
		esac
		if ! [[ $line =~ ^[0-9]+\.[0-9]+$ ]]; then
			echo "kernel: KERNEL=$name is none of stock, debug, a line (6.12)," \
				"a line with -rt (6.12-rt), a release in $boot or a path" >&2
			exit 1
		fi
		image=$(newest "$(re_quote "$line")\\.[0-9][^-]*(-[0-9][^-]*)?-$flavour")
	fi ;;
esac
if [ -z "$image" ]; then
	have=$(cd "$boot" 2>/dev/null && ls -1 vmlinuz-* 2>/dev/null | sed 's/^vmlinuz-//' | paste -sd' ' || true)
	echo "kernel: no image for KERNEL=$name in $boot (installed: ${have:-none}); run scripts/deps.sh" >&2
	exit 1
fi
echo "$image"
