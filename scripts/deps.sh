#!/bin/bash
# Install the Debian packages refslab needs that are missing (build, VM,
# tests, lint).  Fast when everything is there: one dpkg-query.  Not root and
# something missing: names the packages and fails.
set -euo pipefail

pkgs=(
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static kmod cpio rsync file bc xz-utils
	build-essential gcc-multilib sparse dwarves
	bison flex libelf-dev libssl-dev
	libcmocka-dev libcmocka-dev:i386
	perl python3
)

# i386 for the 32-bit (compat ioctl) test build.
if ! dpkg --print-foreign-architectures | grep -qx i386; then
	need_i386=1
else
	need_i386=0
fi

# One dpkg-query for all: the installed ones, as NAME and NAME:ARCH.
installed=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Package}:${Architecture}\n' \
	"${pkgs[@]%%:*}" 2>/dev/null | awk '/^ii/ { printf "%s %s ", $2, $3 }') "
missing=()
for p in "${pkgs[@]}"; do
	case $installed in *" $p "*) ;; *) missing+=("$p") ;; esac
done
# The stock VM kernel: linux-image-amd64 pulls the newest image; we boot
# a 6.1 one and need its headers.
if ! ls /boot/vmlinuz-6.1.0-*-amd64 >/dev/null 2>&1; then
	missing+=(linux-image-amd64)
fi

if [ ${#missing[@]} = 0 ]; then
	exit 0
fi
echo "deps: missing: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install them with:" >&2
	[ $need_i386 = 1 ] && echo "  sudo dpkg --add-architecture i386" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
[ $need_i386 = 1 ] && dpkg --add-architecture i386
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# Headers for the stock image, whatever linux-headers-amd64 points at.
kver=$(ls -1 /boot/vmlinuz-6.1.0-*-amd64 | sort -V | tail -1 | sed 's|/boot/vmlinuz-||')
if [ ! -d "/lib/modules/$kver/build" ]; then
	apt-get install -y -q --no-install-recommends "linux-headers-$kver"
fi
echo "deps: done"
