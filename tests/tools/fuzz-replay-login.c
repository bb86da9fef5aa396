/* fuzz-replay-login.c - fuzz/fuzz_login.c without libFuzzer: replays the inputs
 * of tests/regress/login/ (tests/cap/regress.sh) in the normal and the
 * ASan/UBSan builds. */
#include "../../fuzz/fuzz_login.c"
#include "../../fuzz/replay_main.h"
