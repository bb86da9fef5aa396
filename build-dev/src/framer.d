build-dev/src/framer.o: src/framer.c include/framer.h include/counters.h \
 include/iscsi.h include/rd.h include/crc32c.h include/rd.h
include/framer.h:
include/counters.h:
include/iscsi.h:
include/rd.h:
include/crc32c.h:
include/rd.h:
