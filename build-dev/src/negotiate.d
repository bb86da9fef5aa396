build-dev/src/negotiate.o: src/negotiate.c include/negotiate.h \
 include/text.h include/counters.h
include/negotiate.h:
include/text.h:
include/counters.h:
