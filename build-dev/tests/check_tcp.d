build-dev/tests/check_tcp.o: tests/check_tcp.c tests/check_suites.h \
 build-dev/suites.h include/tcp.h include/counters.h include/net.h
tests/check_suites.h:
build-dev/suites.h:
include/tcp.h:
include/counters.h:
include/net.h:
