build-dev/tests/check_track.o: tests/check_track.c tests/check_suites.h \
 build-dev/suites.h include/engine.h include/capture.h include/counters.h \
 include/flow.h include/net.h include/tcp.h include/frag.h \
 include/framer.h include/iscsi.h include/rd.h include/net.h \
 include/scsi.h include/session.h include/negotiate.h include/text.h \
 include/track.h include/engine.h include/session.h
tests/check_suites.h:
build-dev/suites.h:
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
include/net.h:
include/scsi.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/track.h:
include/engine.h:
include/session.h:
