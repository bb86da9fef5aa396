/* drop-segments.c - a lossy copy of a capture, for `make bench-scale`.
 *
 *   drop-segments IN OUT PERCENT [SEED]
 *
 * Copies IN to OUT (pcap, the same link type and timestamp precision),
 * leaving out PERCENT % of the TCP segments that carry payload, chosen
 * with a fixed-seed generator: what a mirror port that drops under load
 * hands a sensor. Every dropped segment is a hole in one direction of a
 * stream, so the framer has to find the next PDU header again after it.
 * Packets without TCP payload (handshakes, pure ACKs) are all kept. Only
 * Ethernet + IPv4 + TCP is looked at; anything else is copied.
 *
 * Prints `kept N dropped N` on stdout. A bench tool, not engine code.
 */
#define _DEFAULT_SOURCE /* u_char and friends in <pcap/pcap.h> */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* TCP payload bytes of an Ethernet/IPv4 frame, 0 for anything else. */
static size_t tcp_payload(const u_char *p, size_t n)
{
	if (n < 14 + 20 || p[12] != 0x08 || p[13] != 0x00)
		return 0;
	const u_char *ip = p + 14;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t iplen = (size_t)ip[2] << 8 | ip[3];
	if (ip[9] != 6 || ihl < 20 || n - 14 < ihl + 20 || iplen < ihl + 20)
		return 0;
	size_t thl = (size_t)(ip[ihl + 12] >> 4) * 4;
	return iplen > ihl + thl ? iplen - ihl - thl : 0;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: drop-segments IN OUT PERCENT [SEED]\n");
		return 2;
	}
	double pct = strtod(argv[3], NULL);
	rng_state = argc == 5 ? strtoull(argv[4], NULL, 0) : 0x10551e55ull;
	pcap_t *in = pcap_open_offline_with_tstamp_precision(
		argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
	if (!in) {
		fprintf(stderr, "drop-segments: %s\n", err);
		return 1;
	}
	pcap_dumper_t *out = pcap_dump_open(in, argv[2]);
	if (!out) {
		fprintf(stderr, "drop-segments: %s\n", pcap_geterr(in));
		return 1;
	}
	uint64_t limit = (uint64_t)(pct / 100.0 * 18446744073709551615.0);
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t kept = 0, dropped = 0;
	while (pcap_next_ex(in, &h, &data) == 1) {
		if (tcp_payload(data, h->caplen) && rng_next() < limit) {
			dropped++;
			continue;
		}
		pcap_dump((u_char *)out, h, data);
		kept++;
	}
	pcap_dump_close(out);
	pcap_close(in);
	printf("kept %" PRIu64 " dropped %" PRIu64 "\n", kept, dropped);
	return 0;
}
