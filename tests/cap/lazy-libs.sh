#!/bin/bash
# libmicrohttpd, libxml2 and zlib are opened only by a run with --listen
# (src/lazylib.c): the program does not name them (nor gnutls, icu...
# behind them) as needed libraries. With one of them made unloadable
# (a private mount namespace binds /dev/null over the file), --listen
# stops at start: exit 1, one line "iscsiwatch: --listen needs SONAME:
# ...", no port served; a run without --listen prints what it prints
# with every library there, byte for byte.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BIN=$PWD/$B/iscsiwatch
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0

needed=$(objdump -p "$BIN" | awk '$1 == "NEEDED" {print $2}')
for lib in libmicrohttpd libxml2 libz libgnutls libicuuc libstdc++; do
	if grep -q "^$lib\.so" <<<"$needed"; then
		echo "FAIL: $B/iscsiwatch needs $lib: $(tr '\n' ' ' <<<"$needed")"; fail=1
	else
		echo "ok   $lib not needed at start"
	fi
done

# The sonames the build put in the program (LAZYLIB_*_SONAME).
mhd=$(grep -ao 'libmicrohttpd\.so\.[0-9][0-9]*' "$BIN" | head -n 1)
xml=$(grep -ao 'libxml2\.so\.[0-9][0-9]*' "$BIN" | head -n 1)
[ -n "$mhd" ] && [ -n "$xml" ] ||
	{ echo "FAIL: no soname in $B/iscsiwatch ('$mhd' '$xml')"; exit 1; }

"$BIN" -r captures/demo.pcapng >"$T/want" 2>"$T/want.err"
[ $? -eq 0 ] || { echo "FAIL: the plain run: $(cat "$T/want.err")"; exit 1; }

if ! unshare -m true 2>/dev/null; then
	[ $fail -eq 0 ] || exit 1
	echo "cannot make a mount namespace (unshare -m needs root): the unloadable-library runs are not tried"
	exit 77
fi

# In a namespace of its own, the file of soname $1 is /dev/null; then
# the rest of the arguments run there.
without() {
	local so=$1 path
	shift
	path=$({ command -v ldconfig >/dev/null && ldconfig -p || /sbin/ldconfig -p; } |
		awk -v s="$so" '$1 == s {print $NF; exit}')
	[ -n "$path" ] || { echo "no $so in ldconfig -p" >&2; return 99; }
	unshare -m --propagation private sh -c \
		'mount --bind /dev/null "$1" || exit 98; shift; exec "$@"' \
		sh "$path" "$@"
}

for so in "$mhd" "$xml"; do
	without "$so" "$BIN" -r captures/demo.pcapng --listen 127.0.0.1:0 \
		>"$T/out" 2>"$T/err"
	rc=$?
	line=$(head -n 1 "$T/err")
	if [ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
		[[ $line == "iscsiwatch: --listen needs $so: "* ]] &&
		! grep -q serving "$T/err" && [ ! -s "$T/out" ]; then
		echo "ok   --listen without $so: exit 1, one line ($line)"
	else
		echo "FAIL: --listen without $so: exit $rc, stdout $(wc -c <"$T/out") bytes: $(cat "$T/err")"; fail=1
	fi
	without "$so" "$BIN" -r captures/demo.pcapng >"$T/got" 2>"$T/got.err"
	rc=$?
	if [ $rc -eq 0 ] && cmp -s "$T/want" "$T/got" && cmp -s "$T/want.err" "$T/got.err"; then
		echo "ok   -r without $so: the same output"
	else
		echo "FAIL: -r without $so: exit $rc: $(head -n 3 "$T/got.err")"; fail=1
	fi
done
[ $fail -eq 0 ] && echo "all checks passed"
exit $fail
