build-dev/src/event_who.o: src/event_who.c include/event_who.h \
 include/session.h include/counters.h include/negotiate.h include/text.h \
 include/net.h include/net.h
include/event_who.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/net.h:
