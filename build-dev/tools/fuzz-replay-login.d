build-dev/tools/fuzz-replay-login: tests/tools/fuzz-replay-login.c \
 tests/tools/../../fuzz/fuzz_login.c include/login.h include/counters.h \
 include/iscsi.h include/rd.h include/negotiate.h include/text.h \
 tests/tools/../../fuzz/replay_main.h
tests/tools/../../fuzz/fuzz_login.c:
include/login.h:
include/counters.h:
include/iscsi.h:
include/rd.h:
include/negotiate.h:
include/text.h:
tests/tools/../../fuzz/replay_main.h:
