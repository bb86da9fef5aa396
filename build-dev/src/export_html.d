build-dev/src/export_html.o: src/export_html.c include/export.h \
 include/counters.h include/session.h include/negotiate.h include/text.h \
 include/net.h include/atomic_file.h include/cim.h include/label.h \
 include/scsi.h include/framer.h include/iscsi.h include/rd.h
include/export.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/atomic_file.h:
include/cim.h:
include/label.h:
include/scsi.h:
include/framer.h:
include/iscsi.h:
include/rd.h:
