build-dev/src/export_mof.o: src/export_mof.c include/export.h \
 include/counters.h include/session.h include/negotiate.h include/text.h \
 include/net.h include/atomic_file.h include/cim.h
include/export.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/atomic_file.h:
include/cim.h:
