build-dev/gen/schema_mof.o: build-dev/gen/schema_mof.c include/schema.h
include/schema.h:
