build-dev/src/session.o: src/session.c include/session.h \
 include/counters.h include/negotiate.h include/text.h include/net.h \
 include/login.h include/iscsi.h include/rd.h include/flow.h \
 include/tcp.h include/intern.h include/scsi.h include/framer.h
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/login.h:
include/iscsi.h:
include/rd.h:
include/flow.h:
include/tcp.h:
include/intern.h:
include/scsi.h:
include/framer.h:
