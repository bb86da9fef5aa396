build-dev/tests/check_flow.o: tests/check_flow.c tests/check_suites.h \
 build-dev/suites.h include/flow.h include/counters.h include/net.h \
 include/tcp.h
tests/check_suites.h:
build-dev/suites.h:
include/flow.h:
include/counters.h:
include/net.h:
include/tcp.h:
