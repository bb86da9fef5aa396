build-dev/tests/check_frag.o: tests/check_frag.c tests/check_suites.h \
 build-dev/suites.h include/frag.h include/counters.h include/net.h
tests/check_suites.h:
build-dev/suites.h:
include/frag.h:
include/counters.h:
include/net.h:
