build-dev/src/capture.o: src/capture.c include/capture.h
include/capture.h:
