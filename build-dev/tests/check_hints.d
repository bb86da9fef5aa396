build-dev/tests/check_hints.o: tests/check_hints.c tests/../cli/hints.h \
 include/counters.h tests/check_suites.h build-dev/suites.h
tests/../cli/hints.h:
include/counters.h:
tests/check_suites.h:
build-dev/suites.h:
