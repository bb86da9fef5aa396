build-dev/tests/check_text.o: tests/check_text.c tests/check_suites.h \
 build-dev/suites.h include/text.h include/counters.h
tests/check_suites.h:
build-dev/suites.h:
include/text.h:
include/counters.h:
