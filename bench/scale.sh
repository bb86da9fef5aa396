#!/bin/sh
# bench/scale.sh BUILD - `make bench-scale`: how iscsiwatch grows with the
# number of sessions, and what a lossy mirror port costs it.
#
# 1. Scale: bench/gen-capture.c -n writes captures of SCALE_SIZES (default
#    1000 10000 100000) concurrent sessions: each logs in, the sessions do
#    as many small I/O batches as there are sessions, a quarter of them log
#    out and log in again (churn), and at the end every session is still
#    logged in. For each capture: wall time, CPU time and peak RSS of
#    `iscsiwatch -r FILE` with no export and with the exports on (--json,
#    --mof, --events, to files in a temporary folder), bytes per session from peak RSS
#    (less the RSS of a one-session capture), and bench/scale-mem.c's
#    breakdown of the session model by component.
# 2. Lossy: bench/drop-segments.c drops 12 % of the TCP segments carrying
#    payload from the 1500-byte bench capture (bench/run.sh's mtu1500 file,
#    LOSSY_SIZE bytes, default 1 GiB) and times the bare libpcap loop
#    (bench/pcap_loop.c) and `iscsiwatch -r` on the clean and the lossy
#    file. The bare loop runs twice: as most programs read a file with
#    libpcap (stdio's 4 KiB buffer: one read(2) per 4 KiB), and with the
#    256 KiB buffer iscsiwatch reads through (src/net/capture.c), the
#    floor for what iscsiwatch adds to reading.
# Targets (reported PASS/MISS, never failing the make): <= 8 KiB per idle
# logged-in session with every export on; issue 10's "8x the sessions
# costs <= 8.5x the time", i.e. the time per session grows by at most
# 8.5/8 (6.25 %) from the 10k capture to the 100k one: 10x the
# concurrent sessions, so the bound is 10.625x the time, on CPU time
# (wall time on a shared machine is mostly other processes). The
# capture's work is 10x too (logins, commands; packets 9.97x). The
# sessions the model holds at the end are fewer (11,000 and 101,000):
# retention folds all but 1,000 of the ended ones, so they are not the
# measure of the work. Lossy <= 1.3x the bare loop on the same lossy
# file, against both loops.
#
# 3. Idle view: the largest capture in --tui under tmux; CPU of the idle
#    process over UI_IDLE_SECS once the replay ended (target < 5 %).
# Environment: SCALE_SIZES, SCALE_RUNS (best of, default 3), LOSSY_SIZE,
# LOSSY=0 to skip the lossy part, UI_IDLE=0 to skip the idle view.
# Captures are kept in bench/data/.
set -eu

BUILD=${1:-build}
cd "$(dirname "$0")/.."
DATA=bench/data
BIN=$BUILD/bench
IW=$BUILD/iscsiwatch
SIZES=${SCALE_SIZES:-1000 10000 100000}
RUNS=${SCALE_RUNS:-3}
LOSSY_SIZE=${LOSSY_SIZE:-1073741824}
SEED=0x5ca1e

die() {
	echo "bench-scale: $*" >&2
	exit 1
}

[ -x "$IW" ] || die "$IW not built (run make first)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time"
mkdir -p "$DATA" "$BIN"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/iscsiwatch-scale.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

CCW="-std=c11 -O2 -Wall -Wextra -Werror"
# shellcheck disable=SC2086,SC2046 # flags and pkg-config output split
{
	${CC:-cc} $CCW -o "$BIN/gen-capture" bench/gen-capture.c &&
		${CC:-cc} $CCW $(pkg-config --cflags libpcap) -o "$BIN/pcap_loop" \
			bench/pcap_loop.c $(pkg-config --libs libpcap) &&
		${CC:-cc} $CCW $(pkg-config --cflags libpcap) -o "$BIN/drop-segments" \
			bench/drop-segments.c $(pkg-config --libs libpcap) &&
		${CC:-cc} $CCW -D_GNU_SOURCE -Iinclude -o "$BIN/scale-mem" bench/scale-mem.c \
			"$BUILD/libiscsiwatch.a" $(pkg-config --libs libpcap libiscsi jansson) -lm
} || die "building the bench tools"
GEN_SUM=$(sha256sum bench/gen-capture.c | cut -d' ' -f1)

# gen NAME ARGS...: regenerate NAME.pcap unless its stamp is current.
gen() {
	f=$DATA/$1
	shift
	stamp="$GEN_SUM $*"
	if [ -f "$f.pcap" ] && [ -f "$f.stamp" ] && [ "$(cat "$f.stamp")" = "$stamp" ]; then
		return 0
	fi
	echo "bench-scale: generating $f.pcap" >&2
	"$BIN/gen-capture" -o "$f.pcap.tmp" "$@" >"$f.meta" || die "gen-capture failed for $f"
	mv "$f.pcap.tmp" "$f.pcap"
	echo "$stamp" >"$f.stamp"
}

# measure RUNS CMD...: best wall and CPU time, largest peak RSS (KiB).
measure() {
	runs=$1
	shift
	SECS=''
	CPU=''
	RSS_KB=0
	i=0
	while [ $i -lt "$runs" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -f '%M %U %S' -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err" ||
			die "failed: $* ($(tail -1 "$TMP/err"))"
		t1=$(date +%s%N)
		eval "$(awk -v a="$t0" -v b="$t1" -v best="$SECS" -v bcpu="$CPU" -v brss="$RSS_KB" '
			END { s = (b - a) / 1e9; c = $2 + $3
			      if (best == "" || s < best) best = s
			      if (bcpu == "" || c < bcpu) bcpu = c
			      if ($1 > brss) brss = $1
			      printf "SECS=%.3f CPU=%.2f RSS_KB=%d\n", best, bcpu, brss }' "$TMP/time")"
		i=$((i + 1))
	done
}

EXPORTS="--json $TMP/out.json --mof $TMP/out.mof --events $TMP/out.ndjson"
# 100k sessions and their churn are more than the default caps (65,536).
CAPS="--max-flows 1048576 --max-sessions 1048576"

# ---- scale ---------------------------------------------------------------
gen scale-1 -m 1448 -n 1 -S $SEED
# shellcheck disable=SC2086
measure "$RUNS" "$IW" -r "$DATA/scale-1.pcap" $CAPS $EXPORTS
BASE_ALL=$RSS_KB
# shellcheck disable=SC2086
measure "$RUNS" "$IW" -r "$DATA/scale-1.pcap" $CAPS
BASE=$RSS_KB
: >"$TMP/rows"
for n in $SIZES; do
	name=scale-$n
	gen "$name" -m 1448 -n "$n" -i "$n" -x $((n / 4)) -S $SEED
	f=$DATA/$name.pcap
	cat "$f" >/dev/null
	# shellcheck disable=SC2086
	measure "$RUNS" "$IW" -r "$f" $CAPS
	plain="$SECS $CPU $RSS_KB"
	# shellcheck disable=SC2086
	measure "$RUNS" "$IW" -r "$f" $CAPS $EXPORTS
	all="$SECS $CPU $RSS_KB"
	"$BIN/scale-mem" "$f" >"$TMP/mem-$n"
	sess=$(awk '/^sessions / { print $2 }' "$TMP/mem-$n")
	echo "$n $sess $(stat -c %s "$f") $plain $all" >>"$TMP/rows"
done

echo
echo "iscsiwatch bench-scale: $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"best of $RUNS; a quarter of the sessions churned (logout, login again)"
awk -v base="$BASE" -v baseall="$BASE_ALL" '
	BEGIN { printf "%8s %8s %6s | %8s %7s %9s %7s | %8s %7s %9s %7s\n",
		"logged", "sessions", "MiB", "wall s", "cpu s", "peak RSS", "B/sess",
		"+exp s", "cpu s", "peak RSS", "B/sess" }
	{ printf "%8d %8d %6.0f | %8.3f %7.2f %5.0f MiB %7.0f | %8.3f %7.2f %5.0f MiB %7.0f\n",
		$1, $2, $3 / 1048576, $4, $5, $6 / 1024, ($6 - base) * 1024 / $2,
		$7, $8, $9 / 1024, ($9 - baseall) * 1024 / $2 }' "$TMP/rows"
echo "(B/sess: peak RSS less that of a one-session capture, per session seen;"
echo " +exp: with --json, --mof and --events on)"
for n in $SIZES; do
	echo
	echo "session model at $n logged in (bench/scale-mem):"
	cat "$TMP/mem-$n"
done

echo
echo "targets (a miss is reported, not fatal):"
last=$(tail -1 "$TMP/rows")
[ -z "$last" ] || echo "$last" | awk '{ b = ($9 - '"$BASE_ALL"') * 1024 / $2
	printf "  %-4s %.0f bytes per session with every export on at %d sessions (target <= 8192)\n",
		(b <= 8192 ? "PASS" : "MISS"), b, $2 }'
r10=$(awk '$1 == 10000 { print $1, $4, $5 }' "$TMP/rows")
r100=$(awk '$1 == 100000 { print $1, $4, $5 }' "$TMP/rows")
if [ -n "$r10" ] && [ -n "$r100" ]; then
	p10=$(awk '/^packets / { print $2 }' "$DATA/scale-10000.meta")
	p100=$(awk '/^packets / { print $2 }' "$DATA/scale-100000.meta")
	echo "$r10 $r100 $p10 $p100" | awk '{ s = $4 / $1; w = $5 / $2; c = $6 / ($3 > 0 ? $3 : 0.01)
		bound = s * 8.5 / 8
		printf "  %-4s 100k/10k: %.0fx the concurrent sessions (%.2fx the packets) cost %.2fx the cpu time (%.2fx wall); target <= %.3gx (8x the sessions for <= 8.5x the time)\n",
			(c <= bound ? "PASS" : "MISS"), s, $8 / $7, c, w, bound }'
fi

# ---- idle view -----------------------------------------------------------
# The largest capture replayed in --tui inside a detached tmux; once the
# status line says "(end)", the process's CPU (its
# time on a CPU in /proc/PID/schedstat, in nanoseconds: the clock-tick
# counts of /proc/PID/stat were too coarse for a process that wakes for
# a millisecond) over UI_IDLE_SECS (default 30) is what an idle view of
# that many sessions costs. A report, not a timed test.
ui_idle() {
	f=$1
	secs=${UI_IDLE_SECS:-30}
	sock=iw-scale-$$
	tmx() { tmux -L "$sock" -f /dev/null "$@"; }
	tmx new-session -d -x 160 -y 50 -s iw \
		"cd '$TMP' && echo \$\$ >ui.pid && LANG=C.UTF-8 TERM=screen exec '$PWD/$IW' -r '$PWD/$f' --tui $CAPS 2>ui.err" ||
		return 1
	i=0
	until tmx capture-pane -p -t iw | grep -q '(end)'; do
		i=$((i + 1))
		[ $i -lt 6000 ] || { tmx kill-server; return 1; }
		sleep 0.1
	done
	pid=$(cat "$TMP/ui.pid")
	sleep 2
	a=$(cut -d' ' -f1 "/proc/$pid/schedstat")
	sleep "$secs"
	b=$(cut -d' ' -f1 "/proc/$pid/schedstat")
	tmx kill-server
	awk -v a="$a" -v b="$b" -v s="$secs" -v n="$2" 'BEGIN {
		c = (b - a) / 1e9 / s * 100
		printf "  %-4s idle --tui view of %d sessions: %.1f %% of a core over %d s (target < 5 %%)\n",
			(c < 5 ? "PASS" : "MISS"), n, c, s }'
}
if [ "${UI_IDLE:-1}" != 0 ] && [ -n "$last" ] && command -v tmux >/dev/null; then
	big=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -1)
	ui_idle "$DATA/scale-$big.pcap" "$big" || echo "  (the idle view could not be measured)"
fi

# ---- lossy ---------------------------------------------------------------
[ "${LOSSY:-1}" = 0 ] && exit 0
mib=$((LOSSY_SIZE / 1048576))
clean=mtu1500-${mib}M
gen "$clean" -m 1448 -s "$LOSSY_SIZE" -c 64 -S 0x15c51b3e2c4
lossy=$DATA/$clean-drop12.pcap
# Made again when the clean file or the dropper changed.
lstamp="$(cat "$DATA/$clean.stamp") $(sha256sum bench/drop-segments.c | cut -d' ' -f1)"
if [ ! -f "$lossy" ] || [ "$(cat "$lossy.stamp" 2>/dev/null)" != "$lstamp" ]; then
	"$BIN/drop-segments" "$DATA/$clean.pcap" "$lossy.tmp" 12 >"$TMP/drop" ||
		die "drop-segments failed"
	mv "$lossy.tmp" "$lossy"
	echo "$lstamp" >"$lossy.stamp"
fi
: >"$TMP/lrows"
for f in "$DATA/$clean.pcap" "$lossy"; do
	cat "$f" >/dev/null
	measure "$RUNS" "$BIN/pcap_loop" "$f"
	echo "$(basename "$f" .pcap) bare-loop $SECS $CPU $RSS_KB" >>"$TMP/lrows"
	measure "$RUNS" "$BIN/pcap_loop" -b 262144 "$f"
	echo "$(basename "$f" .pcap) bare-256k $SECS $CPU $RSS_KB" >>"$TMP/lrows"
	cat "$f" >/dev/null
	measure "$RUNS" "$IW" -r "$f"
	echo "$(basename "$f" .pcap) iscsiwatch $SECS $CPU $RSS_KB" >>"$TMP/lrows"
done
echo
echo "lossy capture (12 % of the data segments dropped), best of $RUNS;"
echo "bare-loop reads through stdio's default 4 KiB buffer, bare-256k and"
echo "iscsiwatch through a 256 KiB one:"
awk '{ if ($2 == "bare-loop") { bw[$1] = $3; bc[$1] = $4 }
	if ($2 == "bare-256k") { kw[$1] = $3; kc[$1] = $4 }
	printf "  %-22s %-10s %6.3f s wall %5.2f s cpu %5.1f MiB", $1, $2, $3, $4, $5 / 1024
	if ($2 == "iscsiwatch") printf "  %4.2fx bare-loop, %4.2fx bare-256k (cpu %4.2fx, %4.2fx)",
		$3 / bw[$1], $3 / kw[$1], $4 / (bc[$1] > 0 ? bc[$1] : 0.01), $4 / (kc[$1] > 0 ? kc[$1] : 0.01)
	printf "\n" }' "$TMP/lrows"
awk -v f="$(basename "$lossy" .pcap)" '$1 == f { w[$2] = $3 }
	END { for (b in w) if (b != "iscsiwatch") {
		r = w["iscsiwatch"] / w[b]
		printf "  %-4s lossy: %.2fx %s (target <= 1.3x)\n", (r <= 1.3 ? "PASS" : "MISS"), r, b } }' "$TMP/lrows" | sort -k4
