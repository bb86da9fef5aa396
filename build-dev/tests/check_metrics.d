build-dev/tests/check_metrics.o: tests/check_metrics.c \
 tests/check_suites.h build-dev/suites.h include/metrics.h \
 include/counters.h include/session.h include/negotiate.h include/text.h \
 include/net.h include/scsi.h include/framer.h include/iscsi.h \
 include/rd.h include/session.h
tests/check_suites.h:
build-dev/suites.h:
include/metrics.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/scsi.h:
include/framer.h:
include/iscsi.h:
include/rd.h:
include/session.h:
