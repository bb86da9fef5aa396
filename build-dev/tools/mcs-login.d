build-dev/tools/mcs-login: tests/tools/mcs-login.c include/crc32c.h
include/crc32c.h:
