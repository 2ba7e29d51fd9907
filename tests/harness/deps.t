#!/bin/bash
# scripts/deps.sh against stand-in dpkg-query, dpkg, apt-get and id placed
# first on PATH (TAP, for prove).  Each case is a fake machine in a temporary
# directory: what dpkg knows is installed, the foreign architectures, whether
# apt-get update fails, the kernel images and their build trees.  apt-get
# installs nothing: it records what it was asked for and marks it installed.
# Nothing needs root or the network, and it takes about a second.
#
#   DEPS_SH   the script under test (default scripts/deps.sh), e.g. an old
#             one: git show ec49bdc~1:scripts/deps.sh >/tmp/old.sh;
#             DEPS_SH=/tmp/old.sh prove tests/harness/deps.t
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
deps=${DEPS_SH:-$repo/scripts/deps.sh}
top=$(mktemp -d "${TMPDIR:-/tmp}/deps-t.XXXXXX")
trap 'rm -rf "$top"' EXIT

# ---- the stand-ins; $FAKE is the machine they act on -----------------------
mkdir -p "$top/bin"
cat >"$top/bin/dpkg-query" <<'EOF'
#!/bin/bash
# dpkg-query -W -f=FORMAT NAME...: "ii  NAME NAME:ARCH" per installed arch,
# and status 1 when a name was never installed, as the real one does.
# $FAKE/mode "all": every name asked about is installed (amd64, and i386
# when that architecture is configured) except those in $FAKE/absent
# (NAME: all arches, NAME:ARCH: that one); "none": nothing is.  Whatever
# apt-get installed ($FAKE/db, NAME:ARCH) is installed in both modes.
echo "dpkg-query $*" >>"$FAKE/calls"
# the files, read once, as newline-framed lists (no fork per name)
mode=$(<"$FAKE/mode")
foreign=$'\n'$(<"$FAKE/foreign")$'\n'
absent=$'\n'$(<"$FAKE/absent")$'\n'
db=$'\n'$(<"$FAKE/db")$'\n'
has() { [[ $2 == *$'\n'"$1"$'\n'* ]]; }
rc=0
for a in "$@"; do
	case $a in -*) continue ;; esac
	echo "$a" >>"$FAKE/queried"
	found=0
	for arch in amd64 i386; do
		inst=0
		if [ "$mode" = all ] && { [ $arch = amd64 ] || has i386 "$foreign"; } &&
			! has "$a" "$absent" && ! has "$a:$arch" "$absent"; then
			inst=1
		fi
		has "$a:$arch" "$db" && inst=1
		if [ $inst = 1 ]; then
			echo "ii  $a $a:$arch"
			found=1
		fi
	done
	if [ $found = 0 ]; then
		echo "dpkg-query: no packages found matching $a" >&2
		rc=1
	fi
done
exit $rc
EOF
cat >"$top/bin/dpkg" <<'EOF'
#!/bin/bash
echo "dpkg $*" >>"$FAKE/calls"
case ${1:-} in
--print-foreign-architectures) cat "$FAKE/foreign" ;;
--add-architecture)
	[ "$(cat "$FAKE/uid")" = 0 ] || { echo "dpkg: requested operation requires superuser privilege" >&2; exit 2; }
	echo "$2" >>"$FAKE/foreign" ;;
*) echo "dpkg stand-in: unexpected $*" >&2; exit 2 ;;
esac
EOF
cat >"$top/bin/apt-get" <<'EOF'
#!/bin/bash
# update fails as many times as $FAKE/update-fails says ("always": every
# time); install records each package and marks it installed (the stock
# image and headers appear, unless $FAKE/install-no-image), and fails when
# $FAKE/install-fails exists or an :i386 package is asked for without the
# i386 architecture.
echo "apt-get $*" >>"$FAKE/calls"
[ "$(cat "$FAKE/uid")" = 0 ] || { echo "E: Could not open lock file - open (13: Permission denied)" >&2; exit 100; }
cmd=
pkgs=()
for a in "$@"; do
	case $a in
	-*) ;;
	*) if [ -z "$cmd" ]; then cmd=$a; else pkgs+=("$a"); fi ;;
	esac
done
case $cmd in
update)
	left=$(cat "$FAKE/update-fails")
	if [ "$left" = always ] || [ "$left" -gt 0 ]; then
		[ "$left" = always ] || echo $((left - 1)) >"$FAKE/update-fails"
		echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz  File has unexpected size (1234 != 5678). Mirror sync in progress? [IP: 1.2.3.4 80]" >&2
		exit 100
	fi ;;
install)
	[ -e "$FAKE/install-fails" ] && { echo "E: Unable to locate package ${pkgs[0]}" >&2; exit 100; }
	for p in "${pkgs[@]}"; do
		case $p in
		*:i386) grep -qx i386 "$FAKE/foreign" ||
			{ echo "E: Unable to locate package $p" >&2; exit 100; } ;;
		esac
	done
	for p in "${pkgs[@]}"; do
		echo "$p" >>"$FAKE/installs"
		case $p in *:*) echo "$p" ;; *) echo "$p:amd64" ;; esac >>"$FAKE/db"
		case $p in
		linux-image-amd64) [ -e "$FAKE/install-no-image" ] ||
			touch "$FAKE/boot/vmlinuz-6.1.0-57-amd64" ;;
		linux-headers-amd64) mkdir -p "$FAKE/modules/6.1.0-57-amd64/build" ;;
		linux-headers-6.1.0-*) mkdir -p "$FAKE/modules/${p#linux-headers-}/build" ;;
		esac
	done ;;
*) echo "apt-get stand-in: unexpected $*" >&2; exit 100 ;;
esac
EOF
cat >"$top/bin/id" <<'EOF'
#!/bin/bash
[ "${1:-}" = -u ] && exec cat "$FAKE/uid"
echo "id stand-in: unexpected $*" >&2
exit 1
EOF
chmod +x "$top/bin/"*

# machine NAME: a fresh fake machine $w, by default with everything there:
# every package installed, i386 configured, root, the stock image and its
# build tree, package lists for amd64 and i386, apt-get update working.
machine() {
	w=$top/$1
	mkdir -p "$w/boot" "$w/modules/6.1.0-57-amd64/build" "$w/lists"
	echo all >"$w/mode"
	echo i386 >"$w/foreign"
	echo 0 >"$w/uid"
	echo 0 >"$w/update-fails"
	touch "$w/boot/vmlinuz-6.1.0-57-amd64" \
		"$w/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages" \
		"$w/lists/deb.debian.org_debian_dists_bookworm_main_binary-i386_Packages"
	: >"$w/absent"
	: >"$w/db"
	: >"$w/calls"
	: >"$w/installs"
	: >"$w/queried"
}

run() {  # deps.sh on machine $w: status in $rc, output in $w/out, $w/err
	FAKE=$w PATH=$top/bin:$PATH DEPS_BOOT=$w/boot DEPS_MODULES=$w/modules \
		DEPS_APT_LISTS=$w/lists DEPS_RETRY_SLEEP=0 \
		bash "$deps" >"$w/out" 2>"$w/err" </dev/null
	rc=$?
}

n=0
ok() {  # ok STATUS DESCRIPTION; on failure, show the machine's record
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
		return
	fi
	echo "not ok $n - $2"
	{
		echo "exit status $rc; stdout:"; sed 's/^/  /' "$w/out"
		echo "stderr:"; sed 's/^/  /' "$w/err"
		echo "calls:"; sed 's/^/  /' "$w/calls"
	} | sed 's/^/# /'
}
sorted() { printf '%s\n' "$@" | sed '/^$/d' | sort; }
installs_are() { [ "$(sort "$w/installs")" = "$(sorted "$@")" ]; }
count() { grep -c "^$1" "$w/calls"; }
# line number of the first call starting with $1 (0: none)
first() { grep -n -m1 "^$1" "$w/calls" | cut -d: -f1 | grep . || echo 0; }

# ---- nothing missing ------------------------------------------------------
machine nothing
run
ok $rc "nothing missing: exits 0"
[ ! -s "$w/installs" ] && ! grep -q -e '^apt-get' -e '^dpkg --add' "$w/calls"
ok $? "... runs neither apt-get nor dpkg --add-architecture"
[ "$(count dpkg-query)" = 1 ] && [ ! -s "$w/out" ] && [ ! -s "$w/err" ]
ok $? "... with one dpkg-query and no output"

# ---- a fresh machine: nothing installed, no i386, no kernel ---------------
machine fresh
echo none >"$w/mode"
: >"$w/foreign"
rm -rf "${w:?}/boot/"* "${w:?}/modules/"*
run
ok $rc "fresh machine: exits 0"
a=$(first 'dpkg --add-architecture i386')
u=$(first 'apt-get update')
i=$(first 'apt-get install')
[ "$a" -gt 0 ] && [ "$u" -gt "$a" ] && [ "$i" -gt "$u" ]
ok $? "... adds i386, then updates, then installs"
miss=0
for p in $(sort -u "$w/queried"); do
	grep -qxF "$p" "$w/installs" || { echo "# not installed: $p"; miss=1; }
done
[ -s "$w/queried" ] && [ $miss = 0 ]
ok $? "... installs every package it looked for ($(sort -u "$w/queried" | wc -l))"
grep -qx 'libcmocka-dev:i386' "$w/installs" && grep -qx 'linux-image-amd64' "$w/installs"
ok $? "... including libcmocka-dev:i386 and the stock kernel"
nowhy=
for p in $(cat "$w/installs"); do
	awk -v p="$p" '$1 == p && NF > 1 { f = 1 } END { exit !f }' "$w/out" ||
		nowhy="$nowhy $p"
done
[ -s "$w/installs" ] && [ -z "$nowhy" ]
ok $? "... and says why it installs each one${nowhy:+ (no reason for:$nowhy)}"
grep -q 'deps: done' "$w/out" && [ -e "$w/boot/vmlinuz-6.1.0-57-amd64" ]
ok $? "... and says it is done"
: >"$w/calls"
: >"$w/installs"
run
[ $rc = 0 ] && [ ! -s "$w/installs" ] && ! grep -q '^apt-get' "$w/calls"
ok $? "... and a second run finds nothing missing"

# ---- some missing ---------------------------------------------------------
machine some
printf '%s\n' sparse qemu-system-x86 libcmocka-dev:i386 >"$w/absent"
run
ok $rc "some missing: exits 0"
installs_are sparse qemu-system-x86 libcmocka-dev:i386
ok $? "... installs exactly those ($(sort "$w/installs" | paste -sd' ' -))"
[ "$(count 'apt-get update')" = 1 ] && [ "$(count 'dpkg --add')" = 0 ]
ok $? "... after one apt-get update, without adding an architecture"
grep -q '^ *sparse  *[^ ]' "$w/out" && grep -q '^ *qemu-system-x86  *[^ ]' "$w/out"
ok $? "... naming each with its reason"

# ---- only the i386 architecture missing ------------------------------------
machine i386
: >"$w/foreign"
run
ok $rc "i386 architecture missing: exits 0"
a=$(first 'dpkg --add-architecture i386')
u=$(first 'apt-get update')
[ "$a" -gt 0 ] && [ "$u" -gt "$a" ]
ok $? "... adds it before apt-get update"
installs_are libcmocka-dev:i386
ok $? "... installs exactly libcmocka-dev:i386 ($(paste -sd' ' "$w/installs"))"

# ---- not root ------------------------------------------------------------
machine user
echo 1000 >"$w/uid"
: >"$w/foreign"
echo sparse >"$w/absent"
run
[ $rc != 0 ]
ok $? "not root: exits non-zero (status $rc)"
grep -q 'dpkg --add-architecture i386' "$w/err" &&
	grep 'apt-get' "$w/err" | grep 'install' | grep -qw sparse &&
	grep 'apt-get' "$w/err" | grep 'install' | grep -q 'libcmocka-dev:i386'
ok $? "... prints the commands to run as root, naming what is missing"
[ ! -s "$w/installs" ] && ! grep -q -e '^apt-get' -e '^dpkg --add' "$w/calls"
ok $? "... and runs neither apt-get nor dpkg --add-architecture"

# ---- apt-get update fails once ----------------------------------------------
machine flaky
echo 1 >"$w/update-fails"
echo sparse >"$w/absent"
run
ok $rc "apt-get update failing once: exits 0"
[ "$(count 'apt-get update')" = 2 ] && grep -q 'update failed' "$w/err"
ok $? "... retried once, saying so ($(count 'apt-get update') updates)"
installs_are sparse
ok $? "... then installs what is missing"

# ---- apt-get update always fails, package lists there ------------------------
machine stale
echo always >"$w/update-fails"
echo sparse >"$w/absent"
run
ok $rc "apt-get update always failing, lists present: exits 0"
[ "$(count 'apt-get update')" -ge 2 ] && grep -q 'going on' "$w/err"
ok $? "... after $(count 'apt-get update') attempts, says it goes on with the lists there"
installs_are sparse
ok $? "... and installs what is missing"

# ---- apt-get update always fails, no package lists ---------------------------
machine nolists
echo always >"$w/update-fails"
echo sparse >"$w/absent"
rm -f "${w:?}/lists/"*
run
[ $rc != 0 ]
ok $? "apt-get update always failing, no lists: exits non-zero (status $rc)"
grep -q 'no package lists' "$w/err"
ok $? "... with a message that says so"
[ "$(count 'apt-get install')" = 0 ]
ok $? "... and installs nothing"

# ---- i386 just added, apt-get update fails: amd64 lists alone do not do -------
machine noi386lists
echo always >"$w/update-fails"
: >"$w/foreign"
rm -f "$w/lists/"*i386*
run
[ $rc != 0 ] && grep -q 'no package lists' "$w/err" && [ "$(count 'apt-get install')" = 0 ]
ok $? "i386 added but its lists never fetched: fails before installing (status $rc)"

# ---- apt-get install fails --------------------------------------------------
machine badinstall
touch "$w/install-fails"
echo sparse >"$w/absent"
run
[ $rc != 0 ] && grep -q 'install failed.*sparse' "$w/err"
ok $? "apt-get install failing: exits non-zero naming the packages (status $rc)"

# ---- the stock image's headers ----------------------------------------------
machine headers
touch "$w/boot/vmlinuz-6.1.0-58-amd64"
run
ok $rc "newest stock image without its build tree: exits 0"
installs_are linux-headers-6.1.0-58-amd64
ok $? "... installs exactly its headers ($(paste -sd' ' "$w/installs"))"

# ---- no stock image, and installing brings none -------------------------------
machine noimage
rm -f "${w:?}/boot/"*
touch "$w/install-no-image"
run
grep -qx linux-image-amd64 "$w/installs"
ok $? "stock image gone: asks apt-get for linux-image-amd64"
[ $rc != 0 ] && grep -q 'no stock kernel' "$w/err"
ok $? "... and when none comes, fails saying the VM has no stock kernel (status $rc)"

echo "1..$n"
