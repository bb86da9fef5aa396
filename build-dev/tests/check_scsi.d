build-dev/tests/check_scsi.o: tests/check_scsi.c tests/check_suites.h \
 build-dev/suites.h include/iscsi.h include/rd.h include/scsi.h \
 include/framer.h include/counters.h include/iscsi.h
tests/check_suites.h:
build-dev/suites.h:
include/iscsi.h:
include/rd.h:
include/scsi.h:
include/framer.h:
include/counters.h:
include/iscsi.h:
