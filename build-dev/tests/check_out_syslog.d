build-dev/tests/check_out_syslog.o: tests/check_out_syslog.c \
 tests/check_suites.h build-dev/suites.h include/out_syslog.h \
 include/session.h include/counters.h include/negotiate.h include/text.h \
 include/net.h
tests/check_suites.h:
build-dev/suites.h:
include/out_syslog.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
