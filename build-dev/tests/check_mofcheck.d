build-dev/tests/check_mofcheck.o: tests/check_mofcheck.c \
 tests/check_suites.h build-dev/suites.h tests/../tests/mofcheck.h \
 include/schema.h
tests/check_suites.h:
build-dev/suites.h:
tests/../tests/mofcheck.h:
include/schema.h:
