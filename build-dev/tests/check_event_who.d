build-dev/tests/check_event_who.o: tests/check_event_who.c \
 tests/check_suites.h build-dev/suites.h include/event_who.h \
 include/session.h include/counters.h include/negotiate.h include/text.h \
 include/net.h include/export.h
tests/check_suites.h:
build-dev/suites.h:
include/event_who.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/export.h:
