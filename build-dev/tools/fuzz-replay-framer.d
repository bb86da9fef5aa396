build-dev/tools/fuzz-replay-framer: tests/tools/fuzz-replay-framer.c \
 tests/tools/../../fuzz/fuzz_framer.c include/framer.h include/counters.h \
 include/iscsi.h include/rd.h tests/tools/../../fuzz/replay_main.h
tests/tools/../../fuzz/fuzz_framer.c:
include/framer.h:
include/counters.h:
include/iscsi.h:
include/rd.h:
tests/tools/../../fuzz/replay_main.h:
