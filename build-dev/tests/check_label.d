build-dev/tests/check_label.o: tests/check_label.c tests/check_suites.h \
 build-dev/suites.h include/label.h include/session.h include/counters.h \
 include/negotiate.h include/text.h include/net.h
tests/check_suites.h:
build-dev/suites.h:
include/label.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
