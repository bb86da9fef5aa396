build-dev/tests/check_engine.o: tests/check_engine.c tests/check_suites.h \
 build-dev/suites.h include/crc32c.h include/engine.h include/capture.h \
 include/counters.h include/flow.h include/net.h include/tcp.h \
 include/frag.h include/framer.h include/iscsi.h include/rd.h \
 include/net.h
tests/check_suites.h:
build-dev/suites.h:
include/crc32c.h:
include/engine.h:
include/capture.h:
include/counters.h:
include/flow.h:
include/net.h:
include/tcp.h:
include/frag.h:
include/framer.h:
include/iscsi.h:
include/rd.h:
include/net.h:
