#!/bin/bash
# tests/cap/html-report.sh BUILD - the --html report (issue 14) opened in
# headless Chromium, as a person would: for operator.pcap and every
# capture in captures/, the rendered DOM has one table row per session
# (counted in the JSON of the same run), the page logs nothing on the
# console and loads nothing from anywhere (its Content-Security-Policy
# forbids it, and no URL but the SVG namespace appears in it); the two
# tenants of nvgre-tenants.pcap each show their VSID, and a capture
# without tunnels shows none. (Escaping of hostile names:
# tests/check_export.c.) A screenshot of
# the operator.pcap report is left in BUILD/html-report.png.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v chromium >/dev/null || { echo "chromium not installed (scripts/deps.sh)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
browse() { # browse FILE.html OUT.dom ERR.log [more chromium options]
	local f=$1 dom=$2 log=$3
	shift 3
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
		"$@" "file://$f" >"$dom" 2>"$log"
}

# The console detector must see a console message, or it proves nothing.
printf '<!DOCTYPE html><html><body><script>console.error("probe-1234")</script></body></html>' >"$tmp/probe.html"
browse "$tmp/probe.html" "$tmp/probe.dom" "$tmp/probe.log" --dump-dom
grep -q 'CONSOLE.*probe-1234' "$tmp/probe.log" ||
	{ echo "FAIL the console detector did not see a probe message"; exit 1; }

n=0
for cap in captures/crafted/operator.pcap captures/crafted/nvgre-tenants.pcap captures/*.pcapng; do
	name=$(basename "$cap")
	html=$tmp/$name.html
	"$build/iscsiwatch" -r "$cap" --html "$html" --json "$tmp/$name.json" >/dev/null 2>"$tmp/err" ||
		{ echo "FAIL $name: iscsiwatch failed: $(head -c 300 "$tmp/err")"; fail=1; continue; }
	want=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["sessions"]))' "$tmp/$name.json")
	browse "$html" "$tmp/dom" "$tmp/log" --dump-dom
	rows=$(grep -o '<tr class="session"' "$tmp/dom" | wc -l)
	if [ "$rows" != "$want" ]; then
		echo "FAIL $name: $rows session rows in the DOM, $want sessions"; fail=1
	fi
	if grep 'CONSOLE' "$tmp/log"; then
		echo "FAIL $name: console messages"; fail=1
	fi
	if grep -o 'https\?://[^"]*' "$html" | grep -v '^http://www.w3.org/2000/svg$'; then
		echo "FAIL $name: the page names a URL"; fail=1
	fi
	if grep -qiE '<(script|link|img|iframe)' "$html"; then
		echo "FAIL $name: the page has a script or an external resource"; fail=1
	fi
	grep -q '<svg id="timeline"' "$tmp/dom" || { echo "FAIL $name: no timeline"; fail=1; }
	# operator.pcap's DOM is checked further below (not rendered twice).
	[ "$name" = operator.pcap ] && cp "$tmp/dom" "$tmp/op.dom"
	[ "$name" = nvgre-tenants.pcap ] && cp "$tmp/dom" "$tmp/tn.dom"
	n=$((n + 1))
done

# operator.pcap: every failure reason and every initiator's unique part
# is in the rendered page, and three sessions have a latency histogram.
dom=$tmp/op.dom
[ -s "$dom" ] || { echo "FAIL operator.pcap: not rendered"; fail=1; : >"$dom"; }
for s in 'auth 0x0201' 'no target 0x0203' 'no response' '>lost<' \
	esx15.corp.example.com esx16.corp.example.com sql-node-a.corp.example.com \
	backup07.corp.example.com esx-host-17-6d1f2b3c eui.02004567A425678D; do
	grep -q -- "$s" "$dom" || { echo "FAIL operator.pcap: \"$s\" not in the page"; fail=1; }
done
h=$(grep -o '<svg class="histogram"' "$dom" | wc -l)
[ "$h" = 3 ] || { echo "FAIL operator.pcap: $h histograms, want 3"; fail=1; }
# Seen bare, no session names a VLAN or tunnel.
! grep -q 'seen in' "$dom" || { echo "FAIL operator.pcap: a 'seen in' without tunnels"; fail=1; }

# nvgre-tenants.pcap: two tenants reusing addresses, ports and names;
# each one's table row and section name its VSID, once each.
dom=$tmp/tn.dom
[ -s "$dom" ] || { echo "FAIL nvgre-tenants.pcap: not rendered"; fail=1; : >"$dom"; }
for v in 4097 4098; do
	r=$(grep -c "<tr class=\"session\".*seen in NVGRE VSID $v<" "$dom")
	p=$(grep -c "^<p>.*; seen in <span class=\"path\">NVGRE VSID $v</span></p>" "$dom")
	[ "$r:$p" = 1:1 ] || { echo "FAIL nvgre-tenants.pcap: VSID $v in $r rows, $p sections"; fail=1; }
done

browse "$tmp/operator.pcap.html" "$tmp/shot.dom" "$tmp/shot.log" \
	--window-size=1280,1600 --screenshot="$tmp/shot.png"
if [ -s "$tmp/shot.png" ]; then
	cp "$tmp/shot.png" "$build/html-report.png"
else
	echo "FAIL no screenshot"; fail=1
fi
echo "$n reports rendered"
exit $fail
