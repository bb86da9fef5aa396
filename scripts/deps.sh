#!/bin/sh
# Checks for the Debian packages iscsiwatch needs; installs the missing
# ones when run as root, otherwise prints the exact command and fails.
set -eu
PKGS="build-essential pkg-config libpcap-dev libiscsi-dev libiscsi-bin
libncurses-dev check libjansson-dev libmicrohttpd-dev libxml2-dev tgt istgt
tshark tcpdump clang
libclang-rt-14-dev python3 python3-scapy tmux tcpreplay iproute2 valgrind
time prometheus
chromium python3-jsonschema"
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
