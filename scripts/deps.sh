#!/bin/bash
# Install the Debian 12 packages refslab needs that are missing (build, VM
# kernels, tests, lint).  Fast when everything is there: one dpkg-query.
# Not root and something missing: prints the commands to run and fails.
#
# It must work on a machine that has none of them (issue 10): nothing here may
# exit early because a query found nothing, and every failure says why.
# tests/harness/deps.t runs it against stand-in dpkg-query/dpkg/apt-get/id.
#
#   DEPS_BOOT         where the kernel images are (default /boot)
#   DEPS_MODULES      where their build trees are (default /lib/modules)
#   DEPS_RETRY_SLEEP  seconds between apt-get update attempts (default 10)
#   DEPS_APT_LISTS    apt's package lists (default /var/lib/apt/lists)
#   DEPS_NO_KERNELS=1 skip the 6.12 and 6.12-rt kernels (KERNEL matrix)
set -uo pipefail

boot=${DEPS_BOOT:-/boot}
modules=${DEPS_MODULES:-/lib/modules}
retry_sleep=${DEPS_RETRY_SLEEP:-10}

# package|why: one line each, the reason printed when it is installed.
table='
linux-image-amd64|the stock Debian 6.1 kernel the VM boots
linux-headers-amd64|headers to build refslab.ko for that kernel
linux-source-6.1|source of the debug kernel (KASAN, lockdep...) and checkpatch.pl
linux-image-6.12-amd64|the 6.12 kernel of the matrix (make check KERNEL=6.12)
linux-headers-6.12-amd64|headers to build refslab.ko for 6.12
linux-image-6.12-rt-amd64|the 6.12 PREEMPT_RT kernel of the matrix (KERNEL=6.12-rt)
linux-headers-6.12-rt-amd64|headers to build refslab.ko for 6.12-rt
qemu-system-x86|the VM that loads the module (the host kernel never does)
busybox-static|the VM initramfs
kmod|modinfo/depmod for the VM initramfs
cpio|packs the VM initramfs
rsync|copies the module sources per kernel build tree
file|tells kernel images apart
bc|the debug kernel build
xz-utils|unpacks linux-source
build-essential|compiler and make
gcc-multilib|the 32-bit (compat_ioctl) test build
sparse|make lint (C=2)
dwarves|pahole: uapi struct layouts on i386 and x86_64
bison|the debug kernel build
flex|the debug kernel build
libelf-dev|the debug kernel build (objtool)
libssl-dev|the debug kernel build (module signing tools)
libcmocka-dev|the test library of tests/user
libcmocka-dev:i386|the test library for the 32-bit test build
perl|prove and checkpatch.pl
python3|the collector benchmark against CPython; tests/python.t (the Python binding)
dkms|make dkms-install, and make dkms-test, which CI runs
openssl|dkms makes and uses its module signing key with it (make dkms-test)
scdoc|the man pages (man/*.scd)
man-db|man -l: the man pages must render without a warning
udev|udevadm and systemd-udevd: the test of the udev rule in the VM
linux-perf|perf: tests/trace.t runs the README perf stat line over the refslab tracepoints
tmux|drives the live refslabctl top in tests/top-live.t
graphviz|dot: renders refslabctl graph (the make demo pictures, tests/graph.t)
'
[ "${DEPS_NO_KERNELS:-0}" = 1 ] && table=$(echo "$table" | grep -v -- '-6\.12-')

declare -A why
pkgs=()
while IFS='|' read -r p w; do
	[ -n "$p" ] || continue
	pkgs+=("$p")
	why[$p]=$w
done <<<"$table"

need_i386=0
if ! dpkg --print-foreign-architectures 2>/dev/null | grep -qx i386; then
	need_i386=1
fi

# One dpkg-query for all.  It exits non-zero when any name is unknown to
# dpkg (never installed), which is the normal case here: its output is what
# counts, not its status.
installed=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Package}:${Architecture}\n' \
	"${pkgs[@]%%:*}" 2>/dev/null | awk '/^ii/ { printf "%s %s ", $2, $3 }') " || true
missing=()
for p in "${pkgs[@]}"; do
	case $installed in
	*" $p "*) ;;
	*) missing+=("$p") ;;
	esac
done
# linux-image-amd64 may be installed while its 6.1 image was removed.
if ! compgen -G "$boot/vmlinuz-6.1.0-*-amd64" >/dev/null; then
	case " ${missing[*]} " in
	*" linux-image-amd64 "*) ;;
	*) missing+=(linux-image-amd64); why[linux-image-amd64]="the stock 6.1 kernel image is gone from $boot" ;;
	esac
fi

# Headers for the newest stock image, whatever linux-headers-amd64 points at.
stock_headers() {
	local img kver
	img=$(compgen -G "$boot/vmlinuz-6.1.0-*-amd64" | sort -V | tail -1)
	[ -n "$img" ] || return 0
	kver=${img##*/vmlinuz-}
	[ -d "$modules/$kver/build" ] || echo "linux-headers-$kver"
}
extra=$(stock_headers)

if [ ${#missing[@]} = 0 ] && [ $need_i386 = 0 ] && [ -z "$extra" ]; then
	exit 0
fi

echo "deps: refslab needs these Debian packages, which are not installed:"
for p in "${missing[@]}"; do
	printf '  %-28s %s\n' "$p" "${why[$p]}"
done
[ -n "$extra" ] && printf '  %-28s %s\n' "$extra" "headers of the installed stock image"
[ $need_i386 = 1 ] && echo "  (and the i386 architecture, for libcmocka-dev:i386 and the 32-bit tests)"

if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; as root, run:" >&2
	[ $need_i386 = 1 ] && echo "  dpkg --add-architecture i386" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]} $extra" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ $need_i386 = 1 ]; then
	echo "deps: dpkg --add-architecture i386"
	dpkg --add-architecture i386 || { echo "deps: dpkg --add-architecture i386 failed" >&2; exit 1; }
fi

# A mirror mid-sync fails an update now and then: try a few times.  If it
# still fails but the package lists are there (and know i386 when we just
# added it), go on with those.
updated=0
for try in 1 2 3 4; do
	if apt-get update -q; then
		updated=1
		break
	fi
	echo "deps: apt-get update failed (attempt $try of 4)" >&2
	[ $try = 4 ] || sleep "$retry_sleep"
done
if [ $updated = 0 ]; then
	lists=${DEPS_APT_LISTS:-/var/lib/apt/lists}
	if compgen -G "$lists/*_Packages*" >/dev/null &&
		{ [ $need_i386 = 0 ] || compgen -G "$lists/*i386_Packages*" >/dev/null; }; then
		echo "deps: apt-get update kept failing; going on with the package lists already in $lists" >&2
	else
		echo "deps: apt-get update kept failing and there are no package lists to go on with" >&2
		exit 1
	fi
fi

install() {
	echo "deps: apt-get install $*"
	apt-get install -y -q --no-install-recommends "$@"
}
if [ ${#missing[@]} -gt 0 ] && ! install "${missing[@]}"; then
	echo "deps: apt-get install failed for: ${missing[*]}" >&2
	exit 1
fi
extra=$(stock_headers)
if [ -n "$extra" ] && ! install "$extra"; then
	echo "deps: apt-get install $extra failed" >&2
	exit 1
fi
if ! compgen -G "$boot/vmlinuz-6.1.0-*-amd64" >/dev/null; then
	echo "deps: installed, but no $boot/vmlinuz-6.1.0-*-amd64: the VM has no stock kernel" >&2
	exit 1
fi
echo "deps: done"
