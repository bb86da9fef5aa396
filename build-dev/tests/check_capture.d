build-dev/tests/check_capture.o: tests/check_capture.c include/capture.h \
 tests/check_suites.h build-dev/suites.h include/net.h include/counters.h
include/capture.h:
tests/check_suites.h:
build-dev/suites.h:
include/net.h:
include/counters.h:
