build-dev/tests/mofcheck.o: tests/mofcheck.c tests/mofcheck.h
tests/mofcheck.h:
