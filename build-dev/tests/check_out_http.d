build-dev/tests/check_out_http.o: tests/check_out_http.c \
 tests/check_suites.h build-dev/suites.h include/out_http.h
tests/check_suites.h:
build-dev/suites.h:
include/out_http.h:
