build-dev/tests/check_options.o: tests/check_options.c \
 tests/../cli/options.h include/session.h include/counters.h \
 include/negotiate.h include/text.h include/net.h tests/check_suites.h \
 build-dev/suites.h
tests/../cli/options.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
tests/check_suites.h:
build-dev/suites.h:
