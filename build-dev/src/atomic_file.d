build-dev/src/atomic_file.o: src/atomic_file.c include/atomic_file.h
include/atomic_file.h:
