/* fuzz-replay-cimxml.c - fuzz/fuzz_cimxml.c without libFuzzer: replays the
 * inputs of tests/regress/cimxml/ and the seed requests of fuzz/cimxml/
 * (tests/cap/regress.sh) in the normal and the ASan/UBSan builds. */
#include "../../fuzz/fuzz_cimxml.c"
#include "../../fuzz/replay_main.h"
