build-dev/src/pdu_print.o: src/pdu_print.c include/pdu_print.h \
 include/engine.h include/capture.h include/counters.h include/flow.h \
 include/net.h include/tcp.h include/frag.h include/framer.h \
 include/iscsi.h include/rd.h include/iscsi.h include/net.h
include/pdu_print.h:
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
include/iscsi.h:
include/net.h:
