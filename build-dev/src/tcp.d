build-dev/src/tcp.o: src/tcp.c include/tcp.h include/counters.h \
 include/net.h
include/tcp.h:
include/counters.h:
include/net.h:
