build-dev/src/out_http.o: src/out_http.c include/out_http.h
include/out_http.h:
