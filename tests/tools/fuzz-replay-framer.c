/* fuzz-replay-framer.c - fuzz/fuzz_framer.c without libFuzzer: replays the inputs
 * of tests/regress/framer/ (tests/cap/regress.sh) in the normal and the
 * ASan/UBSan builds. */
#include "../../fuzz/fuzz_framer.c"
#include "../../fuzz/replay_main.h"
