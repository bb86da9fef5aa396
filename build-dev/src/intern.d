build-dev/src/intern.o: src/intern.c include/intern.h
include/intern.h:
