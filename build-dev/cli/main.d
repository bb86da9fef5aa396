build-dev/cli/main.o: cli/main.c cli/options.h include/session.h \
 include/counters.h include/negotiate.h include/text.h include/net.h \
 cli/outputs.h cli/run.h
cli/options.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
cli/outputs.h:
cli/run.h:
