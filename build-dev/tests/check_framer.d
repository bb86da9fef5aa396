build-dev/tests/check_framer.o: tests/check_framer.c tests/check_suites.h \
 build-dev/suites.h include/crc32c.h include/framer.h include/counters.h \
 include/iscsi.h include/rd.h
tests/check_suites.h:
build-dev/suites.h:
include/crc32c.h:
include/framer.h:
include/counters.h:
include/iscsi.h:
include/rd.h:
