build-dev/cli/hints.o: cli/hints.c cli/hints.h include/counters.h
cli/hints.h:
include/counters.h:
