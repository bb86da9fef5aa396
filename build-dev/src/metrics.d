build-dev/src/metrics.o: src/metrics.c include/metrics.h \
 include/counters.h include/session.h include/negotiate.h include/text.h \
 include/net.h include/cim.h include/login.h include/iscsi.h include/rd.h \
 include/scsi.h include/framer.h
include/metrics.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/cim.h:
include/login.h:
include/iscsi.h:
include/rd.h:
include/scsi.h:
include/framer.h:
