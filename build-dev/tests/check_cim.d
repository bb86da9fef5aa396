build-dev/tests/check_cim.o: tests/check_cim.c tests/check_suites.h \
 build-dev/suites.h include/cim.h include/session.h include/counters.h \
 include/negotiate.h include/text.h include/net.h tests/cim_fixture.h \
 include/negotiate.h include/session.h
tests/check_suites.h:
build-dev/suites.h:
include/cim.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
tests/cim_fixture.h:
include/negotiate.h:
include/session.h:
