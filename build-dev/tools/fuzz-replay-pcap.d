build-dev/tools/fuzz-replay-pcap: tests/tools/fuzz-replay-pcap.c \
 tests/tools/../../fuzz/fuzz_pcap.c include/capture.h include/engine.h \
 include/capture.h include/counters.h include/flow.h include/net.h \
 include/tcp.h include/frag.h include/framer.h include/iscsi.h \
 include/rd.h include/export.h include/session.h include/negotiate.h \
 include/text.h include/pdu_print.h include/engine.h include/session.h \
 include/track.h tests/tools/../../fuzz/replay_main.h
tests/tools/../../fuzz/fuzz_pcap.c:
include/capture.h:
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
include/export.h:
include/session.h:
include/negotiate.h:
include/text.h:
include/pdu_print.h:
include/engine.h:
include/session.h:
include/track.h:
tests/tools/../../fuzz/replay_main.h:
