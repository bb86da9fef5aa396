build-dev/cli/options.o: cli/options.c cli/options.h include/session.h \
 include/counters.h include/negotiate.h include/text.h include/net.h \
 include/flow.h include/tcp.h include/iscsi.h include/rd.h \
 include/out_http.h include/schema.h include/tcp.h include/text.h \
 include/version.h
cli/options.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/flow.h:
include/tcp.h:
include/iscsi.h:
include/rd.h:
include/out_http.h:
include/schema.h:
include/tcp.h:
include/text.h:
include/version.h:
