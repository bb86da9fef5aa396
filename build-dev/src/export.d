build-dev/src/export.o: src/export.c include/export.h include/counters.h \
 include/session.h include/negotiate.h include/text.h include/net.h
include/export.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
