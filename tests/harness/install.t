#!/bin/bash
# make install and make uninstall under DESTDIR, from a fresh copy of the
# sources (TAP, for prove; make check runs it on the host).  Needs neither
# root nor the VM: it checks the exact list of installed files, that
# nothing else was built (no test program, so installing needs neither
# gcc-multilib nor cmocka), that the library and tool work from the
# install, and that make uninstall leaves no file behind.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/install-t.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
dest=$tmp/dest
prefix=/usr

n=0
ok() {  # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
show() { sed 's/^/# /' "$@"; }

echo "1..9"

# The sources as a user has them: the tracked tree, no build/.
mkdir -p "$src"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$repo" && git ls-files -z --cached --others --exclude-standard) |
		(cd "$repo" && xargs -0 cp --parents -t "$src" 2>/dev/null)
else
	rsync -a --exclude=/build --exclude=.git "$repo/" "$src/"
fi
[ -f "$src/Makefile" ] && [ ! -e "$src/build" ]
ok $? "a fresh copy of the sources"

make -C "$src" -s --no-print-directory install DESTDIR="$dest" PREFIX=$prefix >"$tmp/log" 2>&1
rc=$?
[ $rc = 0 ] || show "$tmp/log"
ok $rc "make install DESTDIR=... PREFIX=$prefix"

# The library's version, from its header (the file name carries it).
libver=$(sed -n 's/^#define LIBREFSLAB_VERSION_[A-Z]*[[:space:]]*\([0-9]*\).*/\1/p' \
	"$src/userspace/lib/librefslab.h" | paste -sd.)

# The man pages are whatever man/*.scd holds.
mans=$(cd "$src/man" && for f in *.scd; do
	p=${f%.scd}
	echo ".$prefix/share/man/man${p##*.}/$p"
done)
want=$(sort <<EOF
.$prefix/bin/refslabctl
.$prefix/include/refslab/librefslab.h
.$prefix/include/refslab/refslab.h
.$prefix/lib/librefslab.a
.$prefix/lib/librefslab.so
.$prefix/lib/librefslab.so.0
.$prefix/lib/librefslab.so.$libver
.$prefix/lib/pkgconfig/refslab.pc
.$prefix/lib/udev/rules.d/60-refslab.rules
$mans
EOF
)
got=$(cd "$dest" && find . ! -type d | sort)
[ "$got" = "$want" ]
rc=$?
[ $rc = 0 ] || diff <(echo "$want") <(echo "$got") | show
ok $rc "the files installed: $(echo "$got" | wc -l), as listed"

[ "$(readlink "$dest$prefix/lib/librefslab.so")" = librefslab.so.0 ] &&
	[ "$(readlink "$dest$prefix/lib/librefslab.so.0")" = "librefslab.so.$libver" ] &&
	[ ! -L "$dest$prefix/lib/librefslab.so.$libver" ] &&
	[ "$(readelf -d "$dest$prefix/lib/librefslab.so.$libver" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" = librefslab.so.0 ]
ok $? "librefslab.so -> librefslab.so.0 -> librefslab.so.$libver, whose soname is librefslab.so.0"

built=$(cd "$src/build" && find . -path ./man -prune -o -type f -perm -u+x -print | sort | paste -sd' ')
[ ! -e "$src/build/tests" ] && [ ! -e "$src/build/tests32" ] && [ ! -e "$src/build/tests-asan" ] &&
	[ ! -e "$src/build/bench" ] && [ ! -e "$src/build/obj32" ] && [ ! -e "$src/build/obj-asan" ]
ok $? "no test, 32-bit, ASan or bench program was built (executables: $built)"

# A program built against the install, through pkg-config.
cat >"$tmp/prog.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <librefslab.h>
int main(void)
{
	refslab_heap *h;

	printf("%s\n", refslab_errno_name(EDQUOT));
	return refslab_open_path("/nonexistent/refslab", &h) == -ENOENT ? 0 : 1;
}
EOF
PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest$prefix/lib/pkgconfig \
	cc -o "$tmp/prog" "$tmp/prog.c" $(PKG_CONFIG_SYSROOT_DIR=$dest \
	PKG_CONFIG_LIBDIR=$dest$prefix/lib/pkgconfig pkg-config --cflags --libs refslab) \
	>"$tmp/log" 2>&1 && [ "$(LD_LIBRARY_PATH=$dest$prefix/lib "$tmp/prog")" = EDQUOT ]
rc=$?
[ $rc = 0 ] || show "$tmp/log"
ok $rc "a program builds with pkg-config --cflags --libs refslab and runs against the installed library"

"$dest$prefix/bin/refslabctl" --help >"$tmp/log" 2>&1 || "$dest$prefix/bin/refslabctl" help >"$tmp/log" 2>&1
ok $? "the installed refslabctl prints its usage"

for m in $(cd "$dest" && find . -path "*/share/man/*" -type f); do
	MANWIDTH=80 man -l "$dest/$m" >/dev/null 2>&1 || { echo "# $m does not render"; false; }
done
ok $? "the installed man pages render"

make -C "$src" -s --no-print-directory uninstall DESTDIR="$dest" PREFIX=$prefix >"$tmp/log" 2>&1
rc=$?
left=$(cd "$dest" && find . ! -type d)
[ $rc = 0 ] && [ -z "$left" ]
rc=$?
[ $rc = 0 ] || { show "$tmp/log"; echo "$left" | show; }
ok $rc "make uninstall DESTDIR=... leaves no file"
