build-dev/src/export_json.o: src/export_json.c include/export.h \
 include/counters.h include/session.h include/negotiate.h include/text.h \
 include/net.h include/atomic_file.h include/cim.h include/login.h \
 include/iscsi.h include/rd.h include/net.h include/scsi.h \
 include/framer.h
include/export.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/atomic_file.h:
include/cim.h:
include/login.h:
include/iscsi.h:
include/rd.h:
include/net.h:
include/scsi.h:
include/framer.h:
