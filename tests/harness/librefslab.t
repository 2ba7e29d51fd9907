#!/bin/bash
# librefslab's ABI as built (TAP, for prove; host-side, needs no VM): the
# shared library's file name, soname and symbol version, and the dynamic
# symbols it exports equal, name for name, the functions librefslab.h
# declares (static inline ones excluded).  A public function missing from
# the header, a helper leaking out, or a header declaration with no
# definition fails it.  B= overrides the build directory.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
b=${B:-$repo/build}
hdr=$repo/userspace/lib/librefslab.h
tmp=$(mktemp -d "${TMPDIR:-/tmp}/librefslab-t.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "1..5"

ver=$(sed -n 's/^#define LIBREFSLAB_VERSION_[A-Z]*[[:space:]]*\([0-9]*\).*/\1/p' "$hdr" | paste -sd.)
lib=$b/librefslab.so.$ver
if [[ $ver =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && [ -f "$lib" ] && [ ! -L "$lib" ]; then
	echo "ok 1 - librefslab.so.$ver built (version from librefslab.h)"
else
	echo "not ok 1 - no library file $lib (version '$ver' from librefslab.h)"
fi

soname=$(readelf -d "$lib" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "librefslab.so.${ver%%.*}" ] &&
   [ "$(readlink "$b/$soname")" = "librefslab.so.$ver" ] &&
   [ "$(readlink "$b/librefslab.so")" = "$soname" ]; then
	echo "ok 2 - soname $soname, links librefslab.so -> $soname -> librefslab.so.$ver"
else
	echo "not ok 2 - soname '$soname' or links wrong: $(ls -l "$b"/librefslab.so* 2>&1 | tr '\n' ' ')"
fi

# Every defined dynamic symbol, with its version ("name@@LIBREFSLAB_0.1";
# the functions added in 0.2 and 0.3 carry LIBREFSLAB_0.2 and 0.3).
nm -D --defined-only "$lib" 2>/dev/null | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' |
	grep -v '^LIBREFSLAB_[0-9.]*$' | sort >"$tmp/dyn"
nver=$(grep -vc '@@LIBREFSLAB_0\.[123]$' "$tmp/dyn")
if [ -s "$tmp/dyn" ] && [ "$nver" = 0 ]; then
	echo "ok 3 - every exported symbol is versioned LIBREFSLAB_0.1, 0.2 or 0.3 ($(wc -l <"$tmp/dyn") symbols)"
else
	echo "not ok 3 - symbols without version LIBREFSLAB_0.1, 0.2 or 0.3:"
	grep -v '@@LIBREFSLAB_0\.[123]$' "$tmp/dyn" | sed 's/^/# /'
fi

# The header's functions: comments removed, then every "name(" that starts
# a declaration at file scope, less the static inline ones.
perl -0777 -ne 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g;
	while (/^([^#\n{}][^;{}]*?)\b(refslab_\w+)\s*\(/mg) {
		print "$2\n" unless $1 =~ /\bstatic\b/;
	}' "$hdr" | sort -u >"$tmp/hdr"
sed 's/@.*//' "$tmp/dyn" | sort -u >"$tmp/exp"
if [ "$(wc -l <"$tmp/hdr")" -ge 20 ] && diff -u "$tmp/hdr" "$tmp/exp" >"$tmp/diff"; then
	echo "ok 4 - exported symbols equal librefslab.h's $(wc -l <"$tmp/hdr") functions"
else
	echo "not ok 4 - exported symbols differ from librefslab.h (- header only, + library only)"
	sed 's/^/# /' "$tmp/diff"
fi

# The header parse itself: it must see the first and the last function
# and leave out the static inline one, or test 4 proves nothing.
if grep -qx refslab_open "$tmp/hdr" && grep -qx refslab_errno_from_name "$tmp/hdr" &&
   ! grep -qx refslab_batch_op "$tmp/hdr"; then
	echo "ok 5 - the header parse finds refslab_open .. refslab_errno_from_name, not the inline refslab_batch_op"
else
	echo "not ok 5 - the header parse is wrong:"
	sed 's/^/# /' "$tmp/hdr"
fi
