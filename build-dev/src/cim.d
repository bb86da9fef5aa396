build-dev/src/cim.o: src/cim.c include/cim.h include/session.h \
 include/counters.h include/negotiate.h include/text.h include/net.h \
 include/login.h include/iscsi.h include/rd.h include/net.h
include/cim.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/login.h:
include/iscsi.h:
include/rd.h:
include/net.h:
