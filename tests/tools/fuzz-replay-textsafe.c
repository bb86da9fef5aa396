/* fuzz-replay-textsafe.c - fuzz/fuzz_textsafe.c without libFuzzer: replays
 * the seeds in fuzz/textsafe/ and the findings in tests/regress/textsafe/
 * (tests/cap/regress.sh) in the normal and the ASan/UBSan builds. */
#include "../../fuzz/fuzz_textsafe.c"
#include "../../fuzz/replay_main.h"
