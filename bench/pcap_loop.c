/* pcap_loop.c - the floor for `make bench`: read a capture with libpcap and
 * do nothing else. Sums caplen so the loop cannot be optimised away, and
 * prints the packet count and byte sum.
 *
 *   pcap_loop [-b BYTES] FILE
 *
 * -b reads the file through a stdio buffer of BYTES, as iscsiwatch does
 * (src/net/capture.c, 256 KiB): the floor for what iscsiwatch adds to the
 * reading. Without it libpcap reads through stdio's default buffer (the
 * file system's block size, 4 KiB), as most programs do.
 */
#define _DEFAULT_SOURCE /* u_char and friends in <pcap/pcap.h> */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	size_t bufsize = 0;
	if (argc == 4 && strcmp(argv[1], "-b") == 0) {
		bufsize = strtoul(argv[2], NULL, 0);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: pcap_loop [-b BYTES] FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	char *buf = bufsize ? malloc(bufsize) : NULL;
	if (!f || (bufsize && !buf)) {
		perror(argv[1]);
		return 1;
	}
	if (buf)
		setvbuf(f, buf, _IOFBF, bufsize);
	pcap_t *p =
	    pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "pcap_loop: %s\n", err);
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, bytes = 0;
	int r;
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
	}
	if (r == PCAP_ERROR)
		fprintf(stderr, "pcap_loop: %s\n", pcap_geterr(p));
	pcap_close(p);
	free(buf);
	printf("%" PRIu64 " packets %" PRIu64 " bytes\n", packets, bytes);
	return r == PCAP_ERROR;
}
