build-dev/tests/check_crc32c.o: tests/check_crc32c.c tests/check_suites.h \
 build-dev/suites.h include/crc32c.h
tests/check_suites.h:
build-dev/suites.h:
include/crc32c.h:
