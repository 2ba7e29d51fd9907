#!/bin/bash
# udev/60-refslab.rules gives /dev/refslab to the group "refslab", mode
# 0660 (TAP; tests/run-tests.sh runs it in the VM with the module loaded).
#
# In a private mount namespace, so nothing outlives the test: /etc/group
# is a copy with a "refslab" group bind-mounted over the real one, and the
# rule, unchanged, is in /run/udev/rules.d.  The node is first put back to
# root:root 0600, where a member of the group gets EACCES; then a
# systemd-udevd of the test's own applies the rule to the "add" event of
# udevadm trigger, after which a member of the group opens the device and
# runs an ioctl, and a user outside it gets EACCES.  The users are only
# numbers given to setpriv (no /etc/passwd entry), without capabilities.
# The node's owner and mode are restored at the end.
#
# On a machine (make check HOST=1) whose own udevd runs, the test does not
# start a second one and is skipped; in the VM nothing may be missing.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rule=$repo/udev/60-refslab.rules
dev=/dev/refslab
in_vm=0
grep -q 'rsvm\.run=' /proc/cmdline && in_vm=1

if [ -z "${RS_UDEV_NS:-}" ]; then
	if [ $in_vm = 0 ] && [ -S /run/udev/control ]; then
		echo "1..0 # SKIP this machine's udevd runs: the rule's test starts its own (the VM's)"
		exit 0
	fi
	RS_UDEV_NS=1 exec unshare --mount --propagation private "$0" "$@"
	echo "1..1"
	echo "not ok 1 - unshare --mount failed"
	exit 1
fi

udevd=/lib/systemd/systemd-udevd
for need in "$udevd" "$(command -v udevadm)" "$(command -v setpriv)" "$(command -v python3)" "$rule"; do
	if [ ! -e "$need" ]; then
		echo "1..1"
		echo "not ok 1 - missing: ${need:-a command} (udev, util-linux, python3)"
		exit 1
	fi
done
if [ "$(id -u)" != 0 ] || [ ! -c $dev ]; then
	echo "1..1"
	echo "not ok 1 - needs root and $dev (the module loaded)"
	exit 1
fi

echo "1..7"
n=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

tmp=$(mktemp -d)
saved=$(stat -c '%u:%g %a' $dev)
started=0
cleanup() {
	[ $started = 1 ] && udevadm control --exit >/dev/null 2>&1
	rm -f /run/udev/rules.d/60-refslab.rules
	chown "${saved% *}" $dev
	chmod "${saved#* }" $dev
	rm -rf "$tmp"
}
trap cleanup EXIT

# A group id nobody has, and two users that are only numbers.
gid=61234
while getent group $gid >/dev/null; do gid=$((gid + 1)); done
member=61001
outsider=61002
{ grep -v '^refslab:' /etc/group; echo "refslab:x:$gid:"; } >"$tmp/group"
mount --bind "$tmp/group" /etc/group
[ "$(getent group refslab | cut -d: -f3)" = $gid ]
ok $? "group refslab is gid $gid (in this namespace only)"

# open(2) and REFSLAB_IOC_VERSION as UID with the given groups: prints
# "ok MAJOR.MINOR" or the errno's name.
try_open() {  # UID GROUPS
	local groups=(--clear-groups)
	[ -n "$2" ] && groups=(--groups "$2")
	setpriv --reuid "$1" --regid "$1" "${groups[@]}" --inh-caps=-all -- \
		python3 -c '
import errno, fcntl, os, struct, sys
try:
    fd = os.open(sys.argv[1], os.O_RDWR)
except OSError as e:
    print(errno.errorcode[e.errno]); sys.exit(0)
buf = fcntl.ioctl(fd, 0x8020B200, bytes(32))   # REFSLAB_IOC_VERSION
print("ok %d.%d" % struct.unpack_from("II", buf))' $dev 2>&1
}

chown root:root $dev && chmod 0600 $dev
r=$(try_open $member $gid)
[ "$r" = EACCES ]
ok $? "before the rule (root:root 0600): a member of the group gets EACCES ($r)"

mkdir -p /run/udev/rules.d
cp "$rule" /run/udev/rules.d/
# The VM runs its command chrooted into the host's root, where udevadm
# ignores requests unless told that this is fine.
export SYSTEMD_IGNORE_CHROOT=1
$udevd --daemon >"$tmp/udevd.log" 2>&1 && started=1
udevadm trigger --action=add --subsystem-match=misc --sysname-match=refslab &&
	udevadm settle --timeout=60
ok $? "systemd-udevd started, udevadm trigger --action=add for $dev settled"

st=$(stat -c '%U:%G %a' $dev)
[ "$st" = "root:refslab 660" ]
ok $? "the rule made $dev root:refslab 0660 ($st)"

r=$(try_open $member $gid)
[[ $r == "ok "* ]]
ok $? "uid $member in group refslab opens $dev and runs an ioctl ($r)"

r=$(try_open $outsider "")
[ "$r" = EACCES ]
ok $? "uid $outsider in no group gets EACCES ($r)"

r=$(try_open $outsider 100)
[ "$r" = EACCES ]
ok $? "uid $outsider in another group (100) gets EACCES ($r)"
