/* fuzz-replay-pcap.c - fuzz/fuzz_pcap.c without libFuzzer: replays the inputs
 * of tests/regress/pcap/ (tests/cap/regress.sh) in the normal and the
 * ASan/UBSan builds. */
#include "../../fuzz/fuzz_pcap.c"
#include "../../fuzz/replay_main.h"
