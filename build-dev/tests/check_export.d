build-dev/tests/check_export.o: tests/check_export.c tests/check_suites.h \
 build-dev/suites.h tests/../tests/mofcheck.h include/cim.h \
 include/session.h include/counters.h include/negotiate.h include/text.h \
 include/net.h tests/cim_fixture.h include/negotiate.h include/session.h \
 include/export.h include/schema.h include/scsi.h include/framer.h \
 include/iscsi.h include/rd.h
tests/check_suites.h:
build-dev/suites.h:
tests/../tests/mofcheck.h:
include/cim.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
tests/cim_fixture.h:
include/negotiate.h:
include/session.h:
include/export.h:
include/schema.h:
include/scsi.h:
include/framer.h:
include/iscsi.h:
include/rd.h:
