build-dev/tests/check_viewmodel.o: tests/check_viewmodel.c \
 tests/../tui/viewmodel.h include/session.h include/counters.h \
 include/negotiate.h include/text.h include/net.h tests/check_suites.h \
 build-dev/suites.h include/cim.h include/session.h tests/cim_fixture.h \
 include/negotiate.h
tests/../tui/viewmodel.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
tests/check_suites.h:
build-dev/suites.h:
include/cim.h:
include/session.h:
tests/cim_fixture.h:
include/negotiate.h:
