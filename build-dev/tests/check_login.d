build-dev/tests/check_login.o: tests/check_login.c tests/check_suites.h \
 build-dev/suites.h include/login.h include/counters.h include/iscsi.h \
 include/rd.h include/negotiate.h include/text.h
tests/check_suites.h:
build-dev/suites.h:
include/login.h:
include/counters.h:
include/iscsi.h:
include/rd.h:
include/negotiate.h:
include/text.h:
