build-dev/tests/check_counters.o: tests/check_counters.c \
 tests/check_suites.h build-dev/suites.h include/counters.h
tests/check_suites.h:
build-dev/suites.h:
include/counters.h:
