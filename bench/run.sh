#!/bin/sh
# bench/run.sh BUILD - `make bench`: iscsiwatch against a bare libpcap read
# loop (and tshark when installed) on large generated captures.
#
# Generates (once; again only when bench/gen-capture.c or the parameters
# change) four captures in bench/data/: 1500- and 9000-byte frames, each in
# a full size (BENCH_SIZE, default 1 GiB) and a prefix size (BENCH_PREFIX,
# default 256 MiB; same seed, so the same traffic as the start of the full
# file). For each file, after a warm-up read so the page cache is hot, times
# (best of 5: other load on a small machine makes single runs noisy) the
# bare loop twice (as most programs read with libpcap, through stdio's
# 4 KiB buffer; and with -b 262144, the 256 KiB buffer iscsiwatch reads
# through: the floor for what iscsiwatch adds) and `iscsiwatch -r FILE
# --pdus`, and once
# tshark on the prefix files only (it is slow and memory-hungry), then
# prints a table and the targets. The PDUs iscsiwatch reports must match,
# opcode by opcode, what the generator wrote: a mismatch exits 1. Missing a
# speed target is only reported.
#
# Environment: BENCH_SIZE, BENCH_PREFIX (bytes), BENCH_RUNS (default 5).
set -eu

BUILD=${1:-build}
cd "$(dirname "$0")/.."
DATA=bench/data
BIN=$BUILD/bench
SIZE=${BENCH_SIZE:-1073741824}
PREFIX=${BENCH_PREFIX:-268435456}
RUNS=${BENCH_RUNS:-5}
SEED=0x15c51b3e2c4
CONNS=64
IW=$BUILD/iscsiwatch

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$IW" ] || die "$IW not built (run make first)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time"
mkdir -p "$DATA" "$BIN"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/iscsiwatch-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# ---- tools -------------------------------------------------------------
CCW="-std=c11 -O2 -Wall -Wextra -Werror"
# shellcheck disable=SC2086 # $CCW and pkg-config output are meant to split
${CC:-cc} $CCW -o "$BIN/gen-capture" bench/gen-capture.c ||
	die "building gen-capture"
# shellcheck disable=SC2046,SC2086
${CC:-cc} $CCW $(pkg-config --cflags libpcap) -o "$BIN/pcap_loop" \
	bench/pcap_loop.c $(pkg-config --libs libpcap) ||
	die "building pcap_loop"

# ---- captures ----------------------------------------------------------
GEN_SUM=$(sha256sum bench/gen-capture.c | cut -d' ' -f1)

# gen NAME MSS BYTES: regenerate NAME.pcap unless its stamp (generator
# hash + arguments) is current; NAME.meta keeps the generator's counts.
gen() {
	f=$DATA/$1
	args="-m $2 -s $3 -c $CONNS -S $SEED"
	stamp="$GEN_SUM $args"
	if [ -f "$f.pcap" ] && [ -f "$f.meta" ] && [ -f "$f.stamp" ] &&
		[ "$(cat "$f.stamp")" = "$stamp" ]; then
		return 0
	fi
	echo "bench: generating $f.pcap ($3 bytes, MSS $2)" >&2
	rm -f "$f.pcap" "$f.meta" "$f.stamp"
	# shellcheck disable=SC2086
	"$BIN/gen-capture" -o "$f.pcap.tmp" $args >"$f.meta.tmp" ||
		die "gen-capture failed for $f"
	mv "$f.pcap.tmp" "$f.pcap"
	mv "$f.meta.tmp" "$f.meta"
	echo "$stamp" >"$f.stamp"
}

mib() { echo $(($1 / 1048576)); }
FULL=$(mib "$SIZE")M
PART=$(mib "$PREFIX")M
FILES="mtu9000-$FULL mtu9000-$PART mtu1500-$FULL mtu1500-$PART"

# Drop captures of other sizes so bench/data stays bounded (bench/scale.sh's
# lossy copy of the 1 GiB file stays: it is made again only when stale).
for f in "$DATA"/mtu*.pcap; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .pcap)
	case " $FILES " in
	*" $n "* | *" ${n%-drop12} "*) ;;
	*) rm -f "$DATA/$n.pcap" "$DATA/$n.meta" "$DATA/$n.stamp" ;;
	esac
done
for n in $FILES; do
	case $n in
	mtu1500-*) mss=1448 ;;
	*) mss=8948 ;;
	esac
	case $n in
	*-"$FULL") gen "$n" $mss "$SIZE" ;;
	*) gen "$n" $mss "$PREFIX" ;;
	esac
done

# ---- measuring ---------------------------------------------------------
# measure RUNS CMD...: best wall time of RUNS runs (ns clock, since %e has
# only centiseconds), best CPU time (user + system, less disturbed by other
# load on the machine) and the largest peak RSS; stdout to /dev/null.
# Sets SECS, CPU and RSS_KB.
measure() {
	runs=$1
	shift
	SECS=
	CPU=
	RSS_KB=0
	i=0
	while [ $i -lt "$runs" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -f '%M %U %S' -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err" ||
			die "failed: $* ($(tail -1 "$TMP/err"))"
		t1=$(date +%s%N)
		eval "$(awk -v a="$t0" -v b="$t1" -v best="$SECS" -v bcpu="$CPU" -v brss="$RSS_KB" '
			END {
				s = (b - a) / 1e9; c = $2 + $3
				if (best == "" || s < best) best = s
				if (bcpu == "" || c < bcpu) bcpu = c
				if ($1 > brss) brss = $1
				printf "SECS=%.3f CPU=%.2f RSS_KB=%d\n", best, bcpu, brss
			}' "$TMP/time")"
		i=$((i + 1))
	done
}

warm() { cat "$1" >/dev/null; }

# results: one line per row, "file size tool secs rss_kb cpu"
: >"$TMP/rows"
fail=0
HAVE_TSHARK=0
command -v tshark >/dev/null 2>&1 && HAVE_TSHARK=1

for n in $FILES; do
	f=$DATA/$n.pcap
	size=$(stat -c %s "$f")

	# Correctness first: PDU counts per opcode, iscsiwatch vs generator.
	warm "$f"
	grep '^op ' "$DATA/$n.meta" | awk '{ print $2, $3 }' | sort >"$TMP/want"
	"$IW" -r "$f" --pdus | awk '{ c[$6]++ } END { for (k in c) print k, c[k] }' |
		sort >"$TMP/got"
	want=$(awk '/^pdus / { print $2 }' "$DATA/$n.meta")
	got=$(awk '{ s += $2 } END { print s + 0 }' "$TMP/got")
	if cmp -s "$TMP/want" "$TMP/got"; then
		echo "bench: $n: $got PDUs, iscsiwatch matches the generator"
	else
		echo "bench: $n: PDU MISMATCH: generator wrote $want, iscsiwatch reported $got"
		echo "  opcode generator iscsiwatch:"
		join -a1 -a2 -e 0 -o 0,1.2,2.2 "$TMP/want" "$TMP/got" | sed 's/^/  /'
		fail=1
	fi

	warm "$f"
	measure "$RUNS" "$BIN/pcap_loop" "$f"
	echo "$n $size bare-loop $SECS $RSS_KB $CPU" >>"$TMP/rows"
	measure "$RUNS" "$BIN/pcap_loop" -b 262144 "$f"
	echo "$n $size bare-256k $SECS $RSS_KB $CPU" >>"$TMP/rows"
	warm "$f"
	measure "$RUNS" "$IW" -r "$f" --pdus
	echo "$n $size iscsiwatch $SECS $RSS_KB $CPU" >>"$TMP/rows"

	if [ $HAVE_TSHARK = 1 ] && [ "$n" != "${n%-"$PART"}" ]; then
		warm "$f"
		# shellcheck disable=SC2016 # $1 and $2 are sh -c's arguments
		measure 1 sh -c 'tshark -r "$1" -d tcp.port==3260,iscsi -Y iscsi \
			-T fields -e iscsi.opcode >"$2" 2>/dev/null' tshark "$f" "$TMP/tshark"
		echo "$n $size tshark $SECS $RSS_KB $CPU" >>"$TMP/rows"
		tgot=$(tr ',' '\n' <"$TMP/tshark" | grep -c .) || true
		if [ "$tgot" != "$want" ]; then
			echo "bench: $n: warning: tshark decoded $tgot PDUs, the generator wrote $want"
		else
			echo "bench: $n: $tgot PDUs, tshark matches the generator"
		fi
	fi
done

# ---- report ------------------------------------------------------------
echo
echo "iscsiwatch bench: $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"best of $RUNS (tshark: 1 run); MB/s = 10^6 bytes per wall second"
awk '
	{ file[NR] = $1; size[NR] = $2; tool[NR] = $3; secs[NR] = $4; rss[NR] = $5
	  cpu[NR] = $6; if ($3 == "bare-loop") { bare[$1] = $4; barecpu[$1] = $6 }
	  if ($3 == "bare-256k") k256[$1] = $4 }
	END {
		printf "%-14s %5s  %-10s %8s %7s %10s %7s %7s %7s %7s\n", "file", "MiB",
			"tool", "wall s", "MB/s", "peak RSS", "x bare", "cpu s", "x bare",
			"x 256k"
		for (i = 1; i <= NR; i++) {
			s = secs[i] > 0 ? secs[i] : 0.001
			b = bare[file[i]] > 0 ? bare[file[i]] : 0.001
			k = k256[file[i]] > 0 ? k256[file[i]] : 0.001
			bc = barecpu[file[i]] > 0 ? barecpu[file[i]] : 0.01
			printf "%-14s %5.0f  %-10s %8.3f %7.0f %6.1f MiB %6.2fx %7.2f %6.2fx %6.2fx\n",
				file[i], size[i] / 1048576, tool[i], secs[i],
				size[i] / 1e6 / s, rss[i] / 1024, s / b, cpu[i],
				(cpu[i] > 0 ? cpu[i] : 0.01) / bc, s / k
		}
	}' "$TMP/rows"

row() { awk -v f="$1" -v t="$2" -v c="$3" '$1 == f && $3 == t { print $c }' "$TMP/rows"; }

echo
echo "targets (a miss is reported, not fatal):"
target() { # FILE LIMIT [FLOOR]: decided on wall time, CPU time beside it
	fl=${3:-bare-loop}
	r=$(awk -v a="$(row "$1" iscsiwatch 4)" -v b="$(row "$1" "$fl" 4)" \
		'BEGIN { if (b <= 0) b = 0.001; printf "%.2f", a / b }')
	c=$(awk -v a="$(row "$1" iscsiwatch 6)" -v b="$(row "$1" "$fl" 6)" \
		'BEGIN { if (b <= 0) b = 0.01; printf "%.2f", a / b }')
	v=$(awk -v r="$r" -v l="$2" 'BEGIN { print (r <= l) ? "PASS" : "MISS" }')
	printf "  %-4s iscsiwatch on %-14s %5sx %s wall (target <= %sx; cpu %sx)\n" \
		"$v" "$1" "$r" "$fl" "$2" "$c"
}
target "mtu9000-$FULL" 1.3
target "mtu1500-$FULL" 2
# The same targets against the loop that reads as iscsiwatch does: what
# iscsiwatch adds to the reading itself.
target "mtu9000-$FULL" 1.3 bare-256k
target "mtu1500-$FULL" 2 bare-256k
for m in mtu9000 mtu1500; do
	a=$(row "$m-$FULL" iscsiwatch 5)
	b=$(row "$m-$PART" iscsiwatch 5)
	# "independent of size": within 10% + 2 MiB of the prefix run.
	v=$(awk -v a="$a" -v b="$b" 'BEGIN { print (a <= b * 1.1 + 2048) ? "PASS" : "MISS" }')
	printf "  %-4s iscsiwatch peak RSS flat: %s %d KiB on %s, %d KiB on %s\n" \
		"$v" "$m" "$a" "$FULL" "$b" "$PART"
done
if [ $HAVE_TSHARK = 1 ]; then
	echo
	echo "tshark ran once, on the $PART prefix files only (it is tens of times slower"
	echo "and its memory grows with the file); its MB/s and x-bare compare per"
	echo "byte with the bare loop on the same prefix file. Scaled to $FULL:"
	for m in mtu9000 mtu1500; do
		awk -v s="$(row "$m-$PART" tshark 4)" -v p="$PREFIX" -v f="$SIZE" -v m="$m" \
			'BEGIN { printf "  %s: ~%.0f s\n", m, s * f / p }'
	done
else
	echo
	echo "tshark not installed: no tshark rows."
fi
if [ $fail != 0 ]; then
	echo
	echo "bench: FAILED: iscsiwatch PDU counts differ from the generator's"
	exit 1
fi
