build-dev/tools/mof-check: tests/tools/mof-check.c \
 tests/tools/../mofcheck.h
tests/tools/../mofcheck.h:
