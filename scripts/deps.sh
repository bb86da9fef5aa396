#!/bin/sh
# Checks for the Debian packages iscsiwatch needs; installs the missing
# ones when run as root, otherwise prints the exact command and fails.
#
#   scripts/deps.sh         what building and running need (make demo)
#   scripts/deps.sh test    that, and what only the tests need (make check)
#
# A library the program links goes in BUILD; a tool or peer only a test
# uses goes in TEST. libmicrohttpd12, libxml2 and zlib1g are opened by
# --listen with dlopen() (src/lazylib.c), so nothing else says a run
# needs them.
set -eu
BUILD="build-essential pkg-config libpcap-dev libiscsi-dev libncurses-dev
libjansson-dev libmicrohttpd-dev libxml2-dev zlib1g-dev libmicrohttpd12
libxml2 zlib1g"
TEST="check libiscsi-bin tgt istgt tshark tcpdump clang libclang-rt-14-dev
python3 python3-scapy tmux tcpreplay iproute2 valgrind time prometheus
chromium python3-jsonschema mandoc man-db sblim-wbemcli curl"
case "${1:-}" in
"") PKGS=$BUILD ;;
test) PKGS="$BUILD $TEST" ;;
*) echo "usage: scripts/deps.sh [test]" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "iscsiwatch: missing packages; run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "iscsiwatch: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq >/dev/null
apt-get install -y -qq $missing >/dev/null
