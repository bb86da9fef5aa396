/* seeds.c - writes the seed corpora of the fuzz targets from capture files
 * (run by fuzz/run.sh; not part of the engine).
 *
 *   seeds OUTDIR FILE...
 *
 * For each capture: OUTDIR/pcap/<n> (the file itself, when < 64 KiB),
 * OUTDIR/framer/<n>-<dir> (each direction's in-order TCP payload on port
 * 3260, prefixed by fuzz_framer's 5 control bytes) and OUTDIR/login/<n>
 * (the Login/Text PDUs of each connection as fuzz_login records, in
 * capture order) and OUTDIR/net/<n> (the packets as fuzz_net records:
 * link type byte, then time step, 2-byte length, bytes; up to 64 KiB).
 * Packets out of order are skipped: seeds need not be perfect, only close
 * to real traffic.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi.h"
#include "net.h"

#define STREAM_MAX (256u * 1024u)

struct dir {
	uint8_t *buf;
	size_t len, walked;
	uint32_t next;
	int started;
	int login_done;
};

static void put(const char *dir, const char *name, const uint8_t *hdr,
		size_t hn, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	if (hn)
		fwrite(hdr, 1, hn, f);
	if (n)
		fwrite(p, 1, n, f);
	fclose(f);
}

/* Appends every complete Login/Text PDU after d->walked to the login seed. */
static void walk(struct dir *d, uint8_t *lg, size_t *lgn)
{
	while (!d->login_done && d->len - d->walked >= ISCSI_BHS_LEN) {
		const uint8_t *b = d->buf + d->walked;
		uint8_t op = b[0] & 0x3f;
		if (op != 0x03 && op != 0x23 && op != 0x04 && op != 0x24) {
			d->login_done = 1;
			return;
		}
		size_t ahs = (size_t)b[4] * 4;
		size_t dl = (size_t)b[5] << 16 | (size_t)b[6] << 8 | b[7];
		size_t need = ISCSI_BHS_LEN + ahs + ((dl + 3) & ~(size_t)3);
		if (d->len - d->walked < need)
			return;
		if (dl > 0xffff || *lgn + 9 + dl > STREAM_MAX) {
			d->login_done = 1;
			return;
		}
		static const uint8_t ops[4] = {0x03, 0x23, 0x04, 0x24};
		uint8_t sel = 0;
		for (uint8_t i = 0; i < 4; i++)
			if (ops[i] == op)
				sel = i;
		uint8_t *r = lg + *lgn;
		r[0] = 0x04; /* whole PDU */
		r[1] = (uint8_t)(sel | (b[0] & 0x40));
		r[2] = b[1];
		r[3] = b[36];
		r[4] = b[37];
		r[5] = b[14];
		r[6] = b[15];
		r[7] = (uint8_t)(dl >> 8);
		r[8] = (uint8_t)dl;
		memcpy(r + 9, b + ISCSI_BHS_LEN + ahs, dl);
		*lgn += 9 + dl;
		d->walked += need;
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: seeds OUTDIR FILE...\n");
		return 2;
	}
	char sub[4][4096];
	snprintf(sub[0], sizeof(sub[0]), "%s/pcap", argv[1]);
	snprintf(sub[1], sizeof(sub[1]), "%s/framer", argv[1]);
	snprintf(sub[2], sizeof(sub[2]), "%s/login", argv[1]);
	snprintf(sub[3], sizeof(sub[3]), "%s/net", argv[1]);
	for (int a = 2; a < argc; a++) {
		char errbuf[PCAP_ERRBUF_SIZE];
		pcap_t *h = pcap_open_offline(argv[a], errbuf);
		const char *base = strrchr(argv[a], '/');
		base = base ? base + 1 : argv[a];
		FILE *whole = fopen(argv[a], "rb");
		if (whole) {
			static uint8_t fbuf[65536];
			size_t n = fread(fbuf, 1, sizeof(fbuf), whole);
			if (n < sizeof(fbuf))
				put(sub[0], base, NULL, 0, fbuf, n);
			fclose(whole);
		}
		if (!h)
			continue;
		struct dir d[2];
		memset(d, 0, sizeof(d));
		d[0].buf = malloc(STREAM_MAX);
		d[1].buf = malloc(STREAM_MAX);
		uint8_t *lg = malloc(STREAM_MAX);
		size_t lgn = 0;
		static uint8_t nb[65536];
		size_t nbn = 1;
		/* fuzz_net's link type selector: 0 Ethernet, 1 raw, 2 SLL. */
		int dlt = pcap_datalink(h);
		nb[0] = dlt == DLT_RAW ? 1 : dlt == DLT_LINUX_SLL ? 2 : 0;
		struct pcap_pkthdr *ph;
		const u_char *pk;
		while (d[0].buf && d[1].buf && lg &&
		       pcap_next_ex(h, &ph, &pk) == 1) {
			if (ph->caplen <= 0xffff &&
			    ph->caplen + 3 <= sizeof(nb) - nbn) {
				nb[nbn] = 1;
				nb[nbn + 1] = (uint8_t)(ph->caplen >> 8);
				nb[nbn + 2] = (uint8_t)ph->caplen;
				memcpy(nb + nbn + 3, pk, ph->caplen);
				nbn += 3 + ph->caplen;
			}
			struct net_tcp t;
			if (net_decode(pcap_datalink(h), pk, ph->caplen, &t) !=
			    NET_OK)
				continue;
			int i = t.dport == 3260 ? 0 : t.sport == 3260 ? 1 : -1;
			if (i < 0)
				continue;
			uint32_t seq = t.seq + ((t.flags & TCP_SYN_FLAG) ? 1 : 0);
			if (!d[i].started) {
				d[i].started = 1;
				d[i].next = seq;
			}
			if (seq != d[i].next || !t.payload_len)
				continue;
			size_t n = t.payload_len;
			if (n > STREAM_MAX - d[i].len)
				n = STREAM_MAX - d[i].len;
			memcpy(d[i].buf + d[i].len, t.payload, n);
			d[i].len += n;
			d[i].next += t.payload_len;
			walk(&d[i], lg, &lgn);
		}
		for (int i = 0; i < 2; i++) {
			char name[600];
			static const uint8_t hdr[5] = {0, 1, 2, 3, 4};
			snprintf(name, sizeof(name), "%s-%d", base, i);
			size_t n = d[i].len < 65536 ? d[i].len : 65536;
			if (n)
				put(sub[1], name, hdr, sizeof(hdr), d[i].buf, n);
		}
		if (lgn)
			put(sub[2], base, NULL, 0, lg, lgn);
		if (nbn > 1 && (dlt == DLT_EN10MB || dlt == DLT_RAW ||
				dlt == DLT_LINUX_SLL))
			put(sub[3], base, NULL, 0, nb, nbn);
		free(d[0].buf);
		free(d[1].buf);
		free(lg);
		pcap_close(h);
	}
	return 0;
}
