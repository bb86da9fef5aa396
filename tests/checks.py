"""Shared by the Python parts of the shell tests: one named check per
line ("ok   what: got" or "FAIL what: got (want ...)"), and the exit
status at the end. Import with PYTHONPATH set to tests/."""
import sys

fails = []


def check(what, got, want):
    ok = got == want
    print(("ok   " if ok else "FAIL ") + f"{what}: {got!r}" + ("" if ok else f" (want {want!r})"))
    if not ok:
        fails.append(what)


def done():
    sys.exit(1 if fails else 0)
