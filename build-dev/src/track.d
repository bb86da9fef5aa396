build-dev/src/track.o: src/track.c include/track.h include/engine.h \
 include/capture.h include/counters.h include/flow.h include/net.h \
 include/tcp.h include/frag.h include/framer.h include/iscsi.h \
 include/rd.h include/session.h include/negotiate.h include/text.h \
 include/login.h include/scsi.h
include/track.h:
include/engine.h:
include/capture.h:
include/counters.h:
include/flow.h:
include/net.h:
include/tcp.h:
include/frag.h:
include/framer.h:
include/iscsi.h:
include/rd.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/login.h:
include/scsi.h:
