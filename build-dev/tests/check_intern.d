build-dev/tests/check_intern.o: tests/check_intern.c tests/check_suites.h \
 build-dev/suites.h include/intern.h include/session.h include/counters.h \
 include/negotiate.h include/text.h include/net.h
tests/check_suites.h:
build-dev/suites.h:
include/intern.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
