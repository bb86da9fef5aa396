build-dev/src/counters.o: src/counters.c include/counters.h
include/counters.h:
