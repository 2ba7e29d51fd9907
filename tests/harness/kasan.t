#!/bin/bash
# KASAN_SANITIZE_ for slab.c (Kbuild) applies on every installed kernel line
# (TAP, for prove).  slab.c reads free objects and writes the shadow of its
# own slabs, so it must be built without KASAN instrumentation, and every
# other file with it.  Kbuild looks the setting up by the object's basename
# up to 6.1 and by its path under M= (target-stem) from 6.2 on: once only
# the first was set, and 6.12 built slab.c instrumented.  For each installed
# Debian 12 line, a dry run of the module build (make -n V=1) with
# CONFIG_KASAN forced on prints the compile lines: slab.o's must lack
# -fsanitize=kernel-address, object.o's must have it (so the check sees
# KASAN at all).  A line not installed is skipped, and said so.
#
#   KASAN_KERNELS  lines to check (default: stock 6.12 6.12-rt)
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kasan-t.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$repo/Kbuild" "$tmp/"
cp -r "$repo/module" "$repo/uapi" "$tmp/"

n=0
for k in ${KASAN_KERNELS:-stock 6.12 6.12-rt}; do
	if ! img=$("$repo/tests/vm/kernel.sh" "$k" 2>/dev/null) ||
	   [ ! -f "/lib/modules/${img#/boot/vmlinuz-}/build/Makefile" ]; then
		n=$((n + 1))
		echo "ok $n # skip no $k kernel headers installed"
		continue
	fi
	kver=${img#/boot/vmlinuz-}
	# The dry run stops at modpost (nothing was built): only the
	# compile lines matter, so its status is not checked.
	make -s -C "/lib/modules/$kver/build" M="$tmp" -n V=1 \
		CONFIG_KASAN=y CONFIG_KASAN_GENERIC=y \
		CONFIG_KASAN_SHADOW_OFFSET=0xdffffc0000000000 modules \
		>"$tmp/$kver.out" 2>/dev/null
	for o in slab object; do
		line=$(grep -E -- "-o ($tmp/)?module/$o\.o( |\$)" "$tmp/$kver.out" | head -1)
		n=$((n + 1))
		if [ -z "$line" ]; then
			echo "not ok $n - $kver: module/$o.o has a compile line"
			continue
		fi
		if [ $o = slab ]; then want=0; what="without"; else want=1; what="with"; fi
		has=0
		case $line in *-fsanitize=kernel-address*) has=1 ;; esac
		if [ $has = $want ]; then
			echo "ok $n - $kver: module/$o.o is compiled $what KASAN"
		else
			echo "not ok $n - $kver: module/$o.o is compiled $what KASAN"
		fi
	done
done
echo "1..$n"
