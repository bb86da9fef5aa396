build-dev/tui/viewmodel.o: tui/viewmodel.c tui/viewmodel.h \
 include/session.h include/counters.h include/negotiate.h include/text.h \
 include/net.h include/cim.h include/session.h include/label.h \
 include/negotiate.h include/scsi.h include/framer.h include/iscsi.h \
 include/rd.h
tui/viewmodel.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/cim.h:
include/session.h:
include/label.h:
include/negotiate.h:
include/scsi.h:
include/framer.h:
include/iscsi.h:
include/rd.h:
