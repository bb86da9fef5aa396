build-dev/tests/check_net.o: tests/check_net.c tests/check_suites.h \
 build-dev/suites.h include/net.h include/counters.h
tests/check_suites.h:
build-dev/suites.h:
include/net.h:
include/counters.h:
