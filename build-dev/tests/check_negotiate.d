build-dev/tests/check_negotiate.o: tests/check_negotiate.c \
 tests/check_suites.h build-dev/suites.h include/negotiate.h \
 include/text.h include/counters.h
tests/check_suites.h:
build-dev/suites.h:
include/negotiate.h:
include/text.h:
include/counters.h:
