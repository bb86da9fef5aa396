#!/bin/bash
# make install / uninstall into a DESTDIR, and one list of options: every
# option of the table (as --help prints it) is in the installed man page
# (rendered by man -l), in the bash completion, and nothing else is. The
# page passes mandoc -T lint (or groff -w w); the unit passes
# systemd-analyze verify where systemd-analyze exists.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
san=; [ "$B" = build-san ] && san=SAN=1
make --no-print-directory -s install DESTDIR="$T/root" PREFIX=/usr BUILD="$B" $san \
	>"$T/log" 2>&1 || { echo "FAIL: make install"; cat "$T/log"; exit 1; }
BIN=$T/root/usr/sbin/iscsiwatch PAGE=$T/root/usr/share/man/man8/iscsiwatch.8
COMP=$T/root/usr/share/bash-completion/completions/iscsiwatch
UNIT=$T/root/usr/lib/systemd/system/iscsiwatch@.service
SCHEMA=$T/root/usr/share/iscsiwatch/iscsiwatch.mof
for f in "$BIN" "$PAGE" "$COMP" "$UNIT" "$SCHEMA"; do
	[ -f "$f" ] || { echo "FAIL: not installed: ${f#$T/root}"; fail=1; }
done
[ $fail -eq 0 ] || exit 1
[ -x "$BIN" ] || { echo "FAIL: the program is not executable"; fail=1; }
grep -q "^ExecStart=/usr/sbin/iscsiwatch " "$UNIT" ||
	{ echo "FAIL: the unit does not run /usr/sbin/iscsiwatch"; fail=1; }
echo "ok   installed under PREFIX=/usr: $(cd "$T/root" && find . -type f | sort | tr '\n' ' ')"

# The page is well-formed.
if command -v mandoc >/dev/null; then
	mandoc -T lint -W warning "$PAGE" >"$T/lint" 2>&1
	[ -s "$T/lint" ] && { echo "FAIL: mandoc -T lint:"; cat "$T/lint"; fail=1; } ||
		echo "ok   mandoc -T lint: clean"
else
	groff -w w -mdoc -z "$PAGE" >"$T/lint" 2>&1
	[ -s "$T/lint" ] && { echo "FAIL: groff -w w:"; cat "$T/lint"; fail=1; } ||
		echo "ok   groff -w w: clean (no mandoc)"
fi

# The options: --help is made from the option table (cli/options.c).
"$BIN" --help >"$T/help" || { echo "FAIL: --help exit $?"; fail=1; }
MANWIDTH=120 man -l "$PAGE" 2>/dev/null | col -b >"$T/man"
[ -s "$T/man" ] || { echo "FAIL: man -l rendered nothing"; exit 1; }
bash -c '
	. "$1"
	COMP_WORDS=(iscsiwatch -); COMP_CWORD=1; _iscsiwatch; printf "%s\n" "${COMPREPLY[@]}"
	echo ---
	COMP_WORDS=(iscsiwatch --perspective ""); COMP_CWORD=2; _iscsiwatch; printf "%s\n" "${COMPREPLY[@]}"
' _ "$COMP" >"$T/comp" 2>&1 || { echo "FAIL: the completion does not run"; cat "$T/comp"; fail=1; }
python3 - "$T/help" "$T/man" "$T/comp" <<'PY' || fail=1
import re, sys
help_text, man, comp = (open(p).read() for p in sys.argv[1:4])
def options(text):
    # option labels at the start of a row: "  -v, --verbose", "      --json FILE"
    found = set()
    for line in text.splitlines():
        m = re.match(r"^\s{2,}((?:-[A-Za-z0-9]|--[a-z][-a-z]*)(?:,\s+--[a-z][-a-z]*)?)", line)
        if m:
            found.update(re.findall(r"--?[A-Za-z0-9][-a-z]*", m.group(1)))
    return found
table = options(help_text)
assert len(table) > 20, "too few options in --help: %s" % sorted(table)
page = options(man)
listed, persp = comp.split("---\n")
completion = set(listed.split())
bad = False
for name, got in (("man page", page), ("completion", completion)):
    missing, extra = table - got, got - table
    if missing or extra:
        bad = True
        print("FAIL: %s: missing %s, not in the table %s" % (name, sorted(missing), sorted(extra)))
    else:
        print("ok   %s lists the %d options of the table" % (name, len(table)))
for section in ("SYNOPSIS", "OPTIONS", "OUTPUTS", "SIGNALS", "EXIT STATUS", "EXAMPLES"):
    if not re.search(r"^%s$" % section, man, re.M):
        bad = True
        print("FAIL: man page has no %s section" % section)
if persp.split() != ["target", "initiator"]:
    bad = True
    print("FAIL: --perspective completes to %r" % persp.split())
sys.exit(1 if bad else 0)
PY

# The unit: every option it passes exists, and systemd accepts it.
for opt in $(sed -n '/^ExecStart=/,/[^\\]$/p' "$UNIT" | grep -oE -- '(^|[[:space:]])--?[a-zA-Z][-a-z]*' | tr -d ' \t'); do
	grep -qE -- "(^|[ ,])$opt( |,|$)" "$T/help" || { echo "FAIL: the unit passes $opt, not an option"; fail=1; }
done
if command -v systemd-analyze >/dev/null; then
	sed "s|/usr/sbin/iscsiwatch|$BIN|" "$UNIT" >"$T/iscsiwatch@lo.service"
	if MANPATH=$T/root/usr/share/man systemd-analyze verify "$T/iscsiwatch@lo.service" >"$T/verify" 2>&1; then
		echo "ok   systemd-analyze verify iscsiwatch@lo.service"
	else
		echo "FAIL: systemd-analyze verify:"; cat "$T/verify"; fail=1
	fi
else
	echo "skip systemd-analyze verify: systemd-analyze is not installed"
fi

make --no-print-directory -s uninstall DESTDIR="$T/root" PREFIX=/usr BUILD="$B" $san >"$T/log" 2>&1 ||
	{ echo "FAIL: make uninstall"; cat "$T/log"; fail=1; }
left=$(find "$T/root" -type f)
[ -d "$T/root/usr/share/iscsiwatch" ] && left="$left usr/share/iscsiwatch/"
[ -z "$left" ] && echo "ok   make uninstall removed every file" ||
	{ echo "FAIL: left after uninstall: $left"; fail=1; }
exit $fail
