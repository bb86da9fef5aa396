build-dev/cli/outputs.o: cli/outputs.c cli/outputs.h cli/options.h \
 include/session.h include/counters.h include/negotiate.h include/text.h \
 include/net.h include/atomic_file.h
cli/outputs.h:
cli/options.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/atomic_file.h:
