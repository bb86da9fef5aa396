build-dev/tests/check_iscsi.o: tests/check_iscsi.c tests/check_suites.h \
 build-dev/suites.h include/iscsi.h include/rd.h
tests/check_suites.h:
build-dev/suites.h:
include/iscsi.h:
include/rd.h:
