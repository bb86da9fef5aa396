build-dev/src/iscsi.o: src/iscsi.c include/iscsi.h include/rd.h
include/iscsi.h:
include/rd.h:
