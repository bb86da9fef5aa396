build-dev/src/text.o: src/text.c include/text.h include/counters.h
include/text.h:
include/counters.h:
