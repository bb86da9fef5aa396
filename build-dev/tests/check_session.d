build-dev/tests/check_session.o: tests/check_session.c \
 tests/check_suites.h build-dev/suites.h include/cim.h include/session.h \
 include/counters.h include/negotiate.h include/text.h include/net.h \
 include/flow.h include/tcp.h include/session.h
tests/check_suites.h:
build-dev/suites.h:
include/cim.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/flow.h:
include/tcp.h:
include/session.h:
