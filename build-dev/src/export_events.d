build-dev/src/export_events.o: src/export_events.c include/export.h \
 include/counters.h include/session.h include/negotiate.h include/text.h \
 include/net.h include/cim.h include/event_who.h
include/export.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/cim.h:
include/event_who.h:
