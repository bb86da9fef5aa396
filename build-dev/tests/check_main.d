build-dev/tests/check_main.o: tests/check_main.c tests/check_suites.h \
 build-dev/suites.h
tests/check_suites.h:
build-dev/suites.h:
