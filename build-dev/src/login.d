build-dev/src/login.o: src/login.c include/login.h include/counters.h \
 include/iscsi.h include/rd.h include/negotiate.h include/text.h
include/login.h:
include/counters.h:
include/iscsi.h:
include/rd.h:
include/negotiate.h:
include/text.h:
