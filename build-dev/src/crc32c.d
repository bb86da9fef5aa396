build-dev/src/crc32c.o: src/crc32c.c include/crc32c.h
include/crc32c.h:
