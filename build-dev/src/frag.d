build-dev/src/frag.o: src/frag.c include/frag.h include/counters.h \
 include/net.h
include/frag.h:
include/counters.h:
include/net.h:
