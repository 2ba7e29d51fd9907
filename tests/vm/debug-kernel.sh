#!/bin/bash
# Build (once) the debug kernel used by `make check-debug` and print the
# directory that holds it.  The kernel is cached outside the clone, keyed by
# the linux-source package version, the config fragment and this script, so
# it is rebuilt only when one of those changes or the cache is missing.
#
#   REFSLAB_CACHE   cache root (default /var/cache/refslab, or
#                   ~/.cache/refslab when that is not writable)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz

if [ ! -f "$tarball" ]; then
	echo "debug-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2
	exit 1
fi
if [ -z "${REFSLAB_CACHE:-}" ]; then
	if mkdir -p /var/cache/refslab 2>/dev/null && [ -w /var/cache/refslab ]; then
		REFSLAB_CACHE=/var/cache/refslab
	else
		REFSLAB_CACHE=$HOME/.cache/refslab
	fi
fi
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %s "$tarball")
key=$( (echo "$srcver"; cat "$frag" "$0") | sha256sum | cut -c1-16)
out=$REFSLAB_CACHE/kernel-debug-$key
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$REFSLAB_CACHE"
exec 9>"$REFSLAB_CACHE/.lock-$key"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
log=$out/build.log
echo "debug-kernel: building into $out (its time on 2 idle cores: README, \"A fresh machine\"; log: $log)" >&2
t0=$(date +%s)
{
	tar -C "$out" -xf "$tarball"
	src=$(echo "$out"/linux-source-6.1)
	cd "$src"
	# Everything off, then what the fragment asks for: the VM needs a
	# serial console, virtio-9p and the pseudo filesystems, nothing else.
	make -s allnoconfig KCONFIG_ALLCONFIG="$frag"
	# Every option we asked for must have survived olddefconfig.
	fail=0
	while read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		opt=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			grep -q "^$opt=" .config && { echo "debug-kernel: $opt should be off" ; fail=1; }
		else
			grep -qx "$line" .config || { echo "debug-kernel: $line did not stick" ; fail=1; }
		fi
	done < "$frag"
	[ $fail = 0 ]
	make -j"$(nproc)" bzImage modules
} >"$log" 2>&1 || {
	echo "debug-kernel: build failed, tail of $log:" >&2
	tail -40 "$log" >&2
	exit 1
}
t=$(($(date +%s) - t0))
echo "debug-kernel: built in $((t / 60))m$((t % 60))s" | tee "$out/build-time" >&2
touch "$out/.done"
echo "$out"
