build-dev/src/engine.o: src/engine.c include/engine.h include/capture.h \
 include/counters.h include/flow.h include/net.h include/tcp.h \
 include/frag.h include/framer.h include/iscsi.h include/rd.h \
 include/frag.h include/net.h include/tcp.h
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
include/frag.h:
include/net.h:
include/tcp.h:
