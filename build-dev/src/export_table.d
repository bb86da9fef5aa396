build-dev/src/export_table.o: src/export_table.c include/export.h \
 include/counters.h include/session.h include/negotiate.h include/text.h \
 include/net.h include/cim.h include/label.h include/scsi.h \
 include/framer.h include/iscsi.h include/rd.h
include/export.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/cim.h:
include/label.h:
include/scsi.h:
include/framer.h:
include/iscsi.h:
include/rd.h:
