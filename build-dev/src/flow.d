build-dev/src/flow.o: src/flow.c include/flow.h include/counters.h \
 include/net.h include/tcp.h
include/flow.h:
include/counters.h:
include/net.h:
include/tcp.h:
