build-dev/cli/sensor.o: cli/sensor.c cli/sensor.h include/export.h \
 include/counters.h include/session.h include/negotiate.h include/text.h \
 include/net.h cli/options.h include/session.h include/cim.h \
 include/cimxml.h include/metrics.h include/out_http.h \
 include/out_syslog.h
cli/sensor.h:
include/export.h:
include/counters.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/net.h:
cli/options.h:
include/session.h:
include/cim.h:
include/cimxml.h:
include/metrics.h:
include/out_http.h:
include/out_syslog.h:
