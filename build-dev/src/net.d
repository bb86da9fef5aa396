build-dev/src/net.o: src/net.c include/net.h include/counters.h \
 include/rd.h
include/net.h:
include/counters.h:
include/rd.h:
