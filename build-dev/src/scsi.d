build-dev/src/scsi.o: src/scsi.c include/scsi.h include/framer.h \
 include/counters.h include/iscsi.h include/rd.h include/iscsi.h \
 include/rd.h
include/scsi.h:
include/framer.h:
include/counters.h:
include/iscsi.h:
include/rd.h:
include/iscsi.h:
include/rd.h:
