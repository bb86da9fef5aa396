build-dev/src/label.o: src/label.c include/label.h include/session.h \
 include/counters.h include/negotiate.h include/text.h include/net.h \
 include/login.h include/iscsi.h include/rd.h
include/label.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/login.h:
include/iscsi.h:
include/rd.h:
