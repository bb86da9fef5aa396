build-dev/src/out_syslog.o: src/out_syslog.c include/out_syslog.h \
 include/session.h include/counters.h include/negotiate.h include/text.h \
 include/net.h include/cim.h include/event_who.h
include/out_syslog.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/cim.h:
include/event_who.h:
