#!/bin/bash
# tests/cap/golden.sh BUILD - golden files: every capture in captures/
# must give exactly the JSON and MOF committed in captures/golden/. The
# values in them were checked against the captures' own descriptions
# (captures/README.md) and by the semantic tests (sessions.sh, the peer
# rig); this test holds them still. After an intended change, regenerate
# with `UPDATE_GOLDEN=1 tests/cap/golden.sh build` and review the diff.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p captures/golden
fail=0 n=0
for cap in captures/*.pcapng; do
	name=$(basename "$cap" .pcapng)
	"$build/iscsiwatch" -r "$cap" --json "$tmp/$name.json" --mof "$tmp/$name.mof" >/dev/null 2>"$tmp/err" ||
		{ echo "FAIL $name: iscsiwatch failed: $(head -c 300 "$tmp/err")"; fail=1; continue; }
	for ext in json mof; do
		want=captures/golden/$name.$ext
		if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$tmp/$name.$ext" "$want"
		elif ! cmp -s "$tmp/$name.$ext" "$want"; then
			echo "FAIL $name.$ext differs from $want:"
			diff -u "$want" "$tmp/$name.$ext" | head -n 40
			fail=1
			continue
		fi
		n=$((n + 1))
	done
done
echo "$n golden files matched"
exit $fail
