#!/bin/bash
# DKMS and make modules_install for real, on this machine (TAP, for prove;
# run by `make dkms-test`, which CI runs).  Needs root and Debian's dkms.
# Nothing is loaded into the running kernel: modules are built, installed
# under /lib/modules, checked with modinfo and removed again.
#
# For each Debian 12 kernel line whose headers are installed (stock 6.1,
# 6.12, 6.12-rt; stock is required): dkms build and install, the module in
# /lib/modules/RELEASE/updates/dkms with the uapi version and the release's
# vermagic, signed with the machine's MOK key, found by modinfo -k (depmod
# ran).  Then dkms remove --all, and nothing may be left: no refslab under
# /usr/src, /var/lib/dkms or /lib/modules (no directory made by the test
# left behind either), every modules.dep as it was.
# Then the same for make modules_install / make uninstall (stock kernel),
# into the system and under INSTALL_MOD_PATH.
#
# DKMS state is machine-wide: one run at a time (a lock), and a refslab
# already registered with DKMS (a user's install) stops the test rather
# than being removed by it.  If the machine had no DKMS signing key, dkms
# makes one (/var/lib/dkms/mok.key, mok.pub); the test removes the key it
# caused to be made, and keeps one that was there before.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
uapi_ver() { sed -n "s/^#define REFSLAB_VERSION_$1[[:space:]]*\([0-9]*\).*/\1/p" uapi/refslab.h; }
ver=$(uapi_ver MAJOR).$(uapi_ver MINOR)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dkms-t.XXXXXX")

n=0
fails=0
ok() {  # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}
bail() { echo "Bail out! $*"; exit 1; }

[ "$(id -u)" = 0 ] || bail "needs root (dkms add/install write /usr/src, /var/lib/dkms, /lib/modules)"
command -v dkms >/dev/null || bail "no dkms (scripts/deps.sh installs it)"
[ -n "$ver" ] || bail "no version from the Makefile"

exec 9>/run/lock/refslab-dkms-test.lock || bail "cannot open the lock file"
flock -w 1800 9 || bail "another dkms test held the lock for 30 minutes"

if [ -n "$(dkms status refslab 2>/dev/null)" ] || compgen -G '/usr/src/refslab-*' >/dev/null; then
	bail "refslab is already registered with DKMS or in /usr/src ($(dkms status refslab | head -1)): remove it first (make dkms-remove)"
fi

# The kernels: releases of the installed images whose headers are there.
kvers=()
for k in stock 6.12 6.12-rt; do
	img=$(tests/vm/kernel.sh "$k" 2>/dev/null) || img=
	rel=${img#/boot/vmlinuz-}
	if [ -n "$rel" ] && [ -f "/lib/modules/$rel/build/Makefile" ]; then
		kvers+=("$rel")
	elif [ "$k" = stock ]; then
		bail "no stock 6.1 kernel with headers (scripts/deps.sh)"
	else
		echo "# no $k kernel with headers installed: not tested on it"
	fi
done

had_key=0
[ -f /var/lib/dkms/mok.key ] && had_key=1

snapshot() {  # what must be the same before and after
	{
		find /usr/src -maxdepth 1 -name 'refslab*'
		find /var/lib/dkms -path '*refslab*'
		find /lib/modules -name 'refslab.ko*'
		find /lib/modules -mindepth 2 -maxdepth 3 -type d
		for rel in "${kvers[@]}"; do
			md5sum "/lib/modules/$rel/modules.dep" 2>/dev/null || echo "no modules.dep for $rel"
		done
	} | sort
}
snapshot >"$tmp/before"

cleanup() {
	dkms remove "refslab/$ver" --all >/dev/null 2>&1
	rm -rf "/usr/src/refslab-$ver"
	for rel in "${kvers[@]}"; do
		if [ -f "/lib/modules/$rel/extra/refslab.ko" ]; then
			rm -f "/lib/modules/$rel/extra/refslab.ko"
			rmdir --ignore-fail-on-non-empty "/lib/modules/$rel/extra"
			depmod -a "$rel"
		fi
	done
	if [ $had_key = 0 ]; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "1..$((3 + 5 * ${#kvers[@]} + 2 + 7))"

make -s --no-print-directory dkms-src >"$tmp/log" 2>&1
ok $? "make dkms-src: the source tree with dkms.conf for version $ver"
dkms add "build/dkms/refslab-$ver" >"$tmp/log" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/log"
ok $rc "dkms add (version $ver)"
[ -f "/usr/src/refslab-$ver/dkms.conf" ] && [ -f "/usr/src/refslab-$ver/Kbuild" ]
ok $? "... copied the tree to /usr/src/refslab-$ver"

for rel in "${kvers[@]}"; do
	dkms build "refslab/$ver" -k "$rel" >"$tmp/log" 2>&1
	rc=$?
	[ $rc = 0 ] || { sed 's/^/# /' "$tmp/log"; tail -30 "/var/lib/dkms/refslab/$ver/build/make.log" 2>/dev/null | sed 's/^/# /'; }
	ok $rc "dkms build for $rel"
	dkms install "refslab/$ver" -k "$rel" >"$tmp/log" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$tmp/log"
	ok $rc "dkms install for $rel"
	ko=$(compgen -G "/lib/modules/$rel/updates/dkms/refslab.ko*" | head -1)
	[ -n "$ko" ] && [ "$(modinfo -F version "$ko")" = "$ver" ] &&
		[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$rel" ]
	ok $? "... ${ko:-no refslab.ko under /lib/modules/$rel/updates/dkms}: version $ver, vermagic $rel"
	signer=$(modinfo -F signer "$ko" 2>/dev/null)
	[ -n "$signer" ] && [ "$signer" = "$(openssl x509 -inform DER -noout -subject \
		-nameopt multiline -in /var/lib/dkms/mok.pub 2>/dev/null | sed -n 's/^ *commonName *= //p')" ]
	ok $? "... signed with the machine's DKMS key (signer: ${signer:-none})"
	[ "$(modinfo -k "$rel" -n refslab 2>/dev/null)" = "$ko" ]
	ok $? "... modinfo -k $rel refslab finds it (depmod ran)"
done

dkms remove "refslab/$ver" --all >"$tmp/log" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/log"
ok $rc "dkms remove refslab/$ver --all"
rm -rf "/usr/src/refslab-$ver"
snapshot >"$tmp/after"
diff "$tmp/before" "$tmp/after" | sed 's/^/# /'
cmp -s "$tmp/before" "$tmp/after"
ok $? "nothing left in /usr/src, /var/lib/dkms, /lib/modules; modules.dep as before"

# make modules_install / uninstall, for the stock kernel.
rel=${kvers[0]}
kdir=/lib/modules/$rel/build
make -s --no-print-directory module KDIR="$kdir" >"$tmp/log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$tmp/log" | sed 's/^/# /'
ok $rc "make module KDIR=$kdir"
make -s --no-print-directory modules_install KDIR="$kdir" >"$tmp/log" 2>&1
ok $? "make modules_install ($rel)"
[ "$(modinfo -k "$rel" -n refslab 2>/dev/null)" = "/lib/modules/$rel/extra/refslab.ko" ] &&
	[ "$(modinfo -k "$rel" -F version refslab)" = "$ver" ]
ok $? "... /lib/modules/$rel/extra/refslab.ko, version $ver, in modules.dep"
# DESTDIR keeps the userspace half of uninstall away from this machine's
# /usr/local; INSTALL_MOD_PATH= points the module half at the system.
make -s --no-print-directory uninstall KDIR="$kdir" DESTDIR="$tmp/none" INSTALL_MOD_PATH= >"$tmp/log" 2>&1
ok $? "make uninstall"
snapshot >"$tmp/after"
diff "$tmp/before" "$tmp/after" | sed 's/^/# /'
cmp -s "$tmp/before" "$tmp/after"
ok $? "... nothing left; modules.dep as before"
make -s --no-print-directory modules_install KDIR="$kdir" DESTDIR="$tmp/root" >"$tmp/log" 2>&1 &&
	[ "$(cd "$tmp/root" && find . ! -type d)" = "./lib/modules/$rel/extra/refslab.ko" ]
ok $? "make modules_install DESTDIR=DIR: only DIR/lib/modules/$rel/extra/refslab.ko"
make -s --no-print-directory uninstall KDIR="$kdir" DESTDIR="$tmp/root" >"$tmp/log" 2>&1 &&
	[ -z "$(find "$tmp/root" ! -type d)" ]
ok $? "make uninstall DESTDIR=DIR: nothing left in DIR"

[ $had_key = 1 ] || echo "# the DKMS signing key dkms made for this run is removed"
exit $((fails > 0))
