/* gen-hostile.c - captures that attack the memory caps (bench/caps.sh).
 *
 *   gen-hostile syn   FILE N        N SYNs, each a new flow (FLOW_MAX_DEFAULT)
 *   gen-hostile holes FILE FLOWS K  FLOWS connections, each losing its first
 *                                   data segment then sending K jumbo
 *                                   segments that must wait out of order
 *                                   (TCP_OOO_CAP_STREAM/TOTAL_DEFAULT)
 *   gen-hostile login FILE PDUS     one connection whose Login Request goes
 *                                   on with C=1 for PDUS PDUs of 8 KiB text
 *                                   (TEXT_CAP_DEFAULT)
 *
 * Classic pcap, Ethernet/IPv4/TCP, fixed timestamps and addresses: the
 * same arguments always write the same bytes. Nothing is ever sent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAP 65535u
static FILE *out;
static uint64_t ts_us = 1795000000ull * 1000000ull;
static uint8_t frame[SNAP];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void emit(uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
		 uint32_t n)
{
	uint8_t *f = frame;
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	uint8_t *ip = f + 14, *tcp = ip + 20;
	memset(ip, 0, 40);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + n));
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, sip);
	put32(ip + 16, dip);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	if (n)
		memcpy(tcp + 20, pl, n);
	uint32_t len = 54 + n;
	uint8_t rec[16];
	uint32_t sec = (uint32_t)(ts_us / 1000000), usec = (uint32_t)(ts_us % 1000000);
	memcpy(rec, &sec, 4);
	memcpy(rec + 4, &usec, 4);
	memcpy(rec + 8, &len, 4);
	memcpy(rec + 12, &len, 4);
	fwrite(rec, 1, 16, out);
	fwrite(f, 1, len, out);
	ts_us += 10;
}

#define SYN 0x02
#define ACK 0x10
#define PSH 0x08

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: gen-hostile syn|holes|login FILE N [K]\n");
		return 2;
	}
	out = fopen(argv[2], "wb");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	static char obuf[1 << 20];
	setvbuf(out, obuf, _IOFBF, sizeof(obuf));
	uint8_t hdr[24];
	uint32_t magic = 0xa1b2c3d4, zero = 0, snap = SNAP, link = 1;
	uint16_t vmaj = 2, vmin = 4;
	memcpy(hdr, &magic, 4);
	memcpy(hdr + 4, &vmaj, 2);
	memcpy(hdr + 6, &vmin, 2);
	memcpy(hdr + 8, &zero, 4);
	memcpy(hdr + 12, &zero, 4);
	memcpy(hdr + 16, &snap, 4);
	memcpy(hdr + 20, &link, 4);
	fwrite(hdr, 1, 24, out);
	uint32_t target = 0x0a000001; /* 10.0.0.1:3260 */
	unsigned long n = strtoul(argv[3], NULL, 10);
	static uint8_t pl[SNAP];
	if (strcmp(argv[1], "syn") == 0) {
		/* Every SYN from a new address/port: a new flow each. */
		for (unsigned long i = 0; i < n; i++)
			emit(0x0b000000u + (uint32_t)(i >> 14),
			     target, (uint16_t)(1024 + (i & 0x3fff)), 3260,
			     (uint32_t)(i * 7919u), 0, SYN, NULL, 0);
	} else if (strcmp(argv[1], "holes") == 0 && argc > 4) {
		unsigned long k = strtoul(argv[4], NULL, 10);
		const uint32_t mss = 8948;
		memset(pl, 'D', mss);
		for (unsigned long i = 0; i < n; i++) {
			uint32_t ip = 0x0c000000u + (uint32_t)i;
			uint16_t port = 40000;
			uint32_t isn = 1000, tisn = 5000;
			emit(ip, target, port, 3260, isn, 0, SYN, NULL, 0);
			emit(target, ip, 3260, port, tisn, isn + 1, SYN | ACK,
			     NULL, 0);
			/* the segment at isn+1 is "lost": the rest waits */
			for (unsigned long j = 1; j <= k; j++)
				emit(ip, target, port, 3260,
				     isn + 1 + (uint32_t)(j * mss), tisn + 1,
				     ACK | PSH, pl, mss);
		}
	} else if (strcmp(argv[1], "login") == 0) {
		/* Login Request, CSG 1 NSG 3, C=1 on every PDU (§11.12.2):
		 * the text never ends. */
		const uint32_t dl = 8192;
		uint32_t ip = 0x0d000001, seq = 1000;
		uint16_t port = 40000;
		emit(ip, target, port, 3260, seq, 0, SYN, NULL, 0);
		emit(target, ip, 3260, port, 7000, seq + 1, SYN | ACK, NULL, 0);
		seq++;
		uint8_t *b = pl;
		memset(b, 0, 48);
		b[0] = 0x43;
		b[1] = 0x40 | (1 << 2) | 3; /* C=1, CSG=1, NSG=3 */
		b[5] = (uint8_t)(dl >> 16);
		b[6] = (uint8_t)(dl >> 8);
		b[7] = (uint8_t)dl;
		b[8] = 0x80;
		memcpy(pl + 48, "X-com.example.endless=", 22);
		memset(pl + 48 + 22, 'a', dl - 22);
		for (unsigned long i = 0; i < n; i++) {
			emit(ip, target, port, 3260, seq, 7001, ACK | PSH, pl,
			     48 + dl);
			seq += 48 + dl;
			/* the target acknowledges: nothing waits out of order */
			emit(target, ip, 3260, port, 7001, seq, ACK, NULL, 0);
		}
	} else {
		fprintf(stderr, "gen-hostile: unknown kind %s\n", argv[1]);
		return 2;
	}
	if (fclose(out) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
