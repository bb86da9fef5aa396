/* mcs-login - a minimal iSCSI initiator for what libiscsi cannot do: a
 * session with two connections (MC/S, RFC 7143 §5.3). It logs in a
 * leading connection (TSIH 0, CID 0), then a second connection with the
 * TSIH the target assigned (CID 1), sends a NOP-Out on each, closes the
 * second with a close-connection Logout and the session with a
 * close-session Logout. Optionally it then reinstates: a new leading
 * login with the same ISID (session reinstatement, §6.3.5).
 *
 * With --reinstate-conn it instead logs in CID 1 a second time while the
 * first CID 1 is still up (connection reinstatement, §6.3.4): the target
 * must implicitly log out the old one.
 *
 * With --digests it negotiates HeaderDigest=CRC32C and DataDigest=CRC32C
 * (libiscsi cannot offer data digests) and sends its NOP-Outs with ping
 * data, so every full feature PDU carries a header digest and those with
 * data a data digest (§13.1: Login PDUs never do).
 *
 * usage: mcs-login HOST PORT TARGET [--reinstate | --reinstate-conn | --digests]
 * Prints one JSON line: {"tsih": N, "connections": 2, ...}; exits 1 when
 * the target refuses anything (the target accepting is the proof).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crc32c.h"

#define INITIATOR "iqn.2024-01.org.iscsiwatch:mcs"
static const uint8_t isid[6] = {0x80, 0x12, 0x34, 0x56, 0x00, 0x01};

struct conn {
	int fd;
	uint16_t cid;
	uint32_t itt;
	uint32_t exp_statsn;
	int digests; /* CRC32C header and data digests are in force */
};

static int want_digests; /* --digests: offer CRC32C for both */

static uint32_t cmdsn = 1;
static int last_status; /* class << 8 | detail of the last refusal */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Digests go on the wire least significant byte first (the CRC's own
 * bit order, RFC 3720 appendix B.4). */
static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int send_pdu(struct conn *c, uint8_t *bhs, const char *data,
		    size_t dlen)
{
	uint8_t buf[48 + 4 + 4096 + 4];
	if (dlen > 4096 - 4)
		return -1;
	bhs[5] = (uint8_t)(dlen >> 16);
	bhs[6] = (uint8_t)(dlen >> 8);
	bhs[7] = (uint8_t)dlen;
	size_t at = 0;
	memcpy(buf, bhs, 48);
	at = 48;
	if (c->digests) {
		put32le(buf + at, crc32c(buf, 48));
		at += 4;
	}
	size_t pad = (dlen + 3) & ~(size_t)3;
	memset(buf + at, 0, pad);
	if (dlen)
		memcpy(buf + at, data, dlen);
	if (c->digests && dlen) {
		put32le(buf + at + pad, crc32c(buf + at, pad));
		pad += 4;
	}
	at += pad;
	return write(c->fd, buf, at) == (ssize_t)at ? 0 : -1;
}

/* Reads one PDU; its BHS into bhs, its data (at most cap) into data. */
static int recv_pdu(struct conn *c, uint8_t *bhs, uint8_t *data, size_t cap)
{
	if (read_full(c->fd, bhs, 48))
		return -1;
	size_t dlen = (size_t)bhs[5] << 16 | (size_t)bhs[6] << 8 | bhs[7];
	size_t pad = (dlen + 3) & ~(size_t)3;
	size_t ahs = (size_t)bhs[4] * 4 + (c->digests ? 4 : 0);
	uint8_t skip[1024];
	if (ahs > sizeof(skip) || read_full(c->fd, skip, ahs))
		return -1;
	if (c->digests && dlen)
		pad += 4;
	if (pad > cap)
		return -1;
	if (read_full(c->fd, data, pad))
		return -1;
	c->exp_statsn = get32(bhs + 24) + 1;
	return (int)dlen;
}

static int dial(const char *host, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Appends key=value\0 to the text buffer. */
static size_t kv(char *buf, size_t at, const char *k, const char *v)
{
	int n = sprintf(buf + at, "%s=%s", k, v);
	return at + (size_t)n + 1;
}

/* Logs in one connection: security stage (AuthMethod=None), then the
 * operational stage. Returns the TSIH, or -1. */
static int login(struct conn *c, const char *target, uint16_t tsih)
{
	uint8_t bhs[48], rsp[48], data[8192];
	int hd_crc = 0; /* the target answered HeaderDigest=CRC32C */
	char text[2048];
	for (int stage = 0; stage < 2; stage++) {
		memset(bhs, 0, sizeof(bhs));
		bhs[0] = 0x43; /* immediate Login Request */
		bhs[1] = (uint8_t)(0x80 | (stage << 2) | (stage == 0 ? 1 : 3));
		memcpy(bhs + 8, isid, 6);
		bhs[14] = (uint8_t)(tsih >> 8);
		bhs[15] = (uint8_t)tsih;
		put32(bhs + 16, c->itt);
		bhs[20] = (uint8_t)(c->cid >> 8);
		bhs[21] = (uint8_t)c->cid;
		put32(bhs + 24, cmdsn);
		put32(bhs + 28, c->exp_statsn);
		size_t n = 0;
		if (stage == 0) {
			n = kv(text, n, "InitiatorName", INITIATOR);
			n = kv(text, n, "TargetName", target);
			n = kv(text, n, "SessionType", "Normal");
			n = kv(text, n, "AuthMethod", "None");
		} else if (tsih == 0) {
			const char *d = want_digests ? "CRC32C" : "None";
			n = kv(text, n, "HeaderDigest", d);
			n = kv(text, n, "DataDigest", d);
			n = kv(text, n, "MaxConnections", "2");
			n = kv(text, n, "InitialR2T", "Yes");
			n = kv(text, n, "ImmediateData", "Yes");
			n = kv(text, n, "MaxRecvDataSegmentLength", "65536");
			n = kv(text, n, "MaxBurstLength", "262144");
			n = kv(text, n, "FirstBurstLength", "65536");
			n = kv(text, n, "DefaultTime2Wait", "2");
			n = kv(text, n, "DefaultTime2Retain", "20");
			n = kv(text, n, "ErrorRecoveryLevel", "0");
		} else {
			/* Session-wide keys belong to the leading login only. */
			n = kv(text, n, "HeaderDigest", "None");
			n = kv(text, n, "DataDigest", "None");
			n = kv(text, n, "MaxRecvDataSegmentLength", "65536");
		}
		if (send_pdu(c, bhs, text, n))
			return -1;
		/* The target may answer with T=0 and wait: keep sending
		 * empty requests until it transits (§6.2). */
		for (int tries = 0; tries < 4; tries++) {
			int d = recv_pdu(c, rsp, data, sizeof(data));
			if (d < 0 || (rsp[0] & 0x3f) != 0x23)
				return -1;
			if (memmem(data, (size_t)d, "HeaderDigest=CRC32C", 19))
				hd_crc = 1;
			if (rsp[36] != 0) {
				last_status = rsp[36] << 8 | rsp[37];
				fprintf(stderr, "login refused: 0x%02x%02x\n",
					rsp[36], rsp[37]);
				return -1;
			}
			if (rsp[1] & 0x80)
				break;
			put32(bhs + 28, c->exp_statsn);
			if (send_pdu(c, bhs, "", 0))
				return -1;
		}
		if ((rsp[1] & 0x03) == 3) {
			cmdsn = get32(rsp + 28); /* ExpCmdSN */
			/* Digests start with the first PDU after the final
			 * Login Response (§13.1); the target answered
			 * CRC32C or we would not be here with --digests. */
			c->digests = want_digests && tsih == 0 && hd_crc;
			return (int)((rsp[14] << 8) | rsp[15]);
		}
	}
	return -1;
}

static int nop(struct conn *c)
{
	uint8_t bhs[48] = {0}, rsp[48], data[512];
	bhs[0] = 0x40; /* immediate NOP-Out */
	bhs[1] = 0x80;
	put32(bhs + 16, ++c->itt);
	put32(bhs + 20, 0xffffffffu);
	put32(bhs + 24, cmdsn);
	put32(bhs + 28, c->exp_statsn);
	/* Ping data (§11.18): the target echoes it in the NOP-In, so both
	 * directions carry a data segment (and a data digest). */
	static const char ping[] = "iscsiwatch ping data, 36 bytes long!";
	if (send_pdu(c, bhs, ping, sizeof(ping) - 1))
		return -1;
	int d = recv_pdu(c, rsp, data, sizeof(data));
	return d < 0 || (rsp[0] & 0x3f) != 0x20 ? -1 : 0;
}

static int logout(struct conn *c, int reason, uint16_t cid)
{
	uint8_t bhs[48] = {0}, rsp[48], data[512];
	bhs[0] = 0x46; /* immediate Logout Request */
	bhs[1] = (uint8_t)(0x80 | reason);
	put32(bhs + 16, ++c->itt);
	bhs[20] = (uint8_t)(cid >> 8);
	bhs[21] = (uint8_t)cid;
	put32(bhs + 24, cmdsn);
	put32(bhs + 28, c->exp_statsn);
	if (send_pdu(c, bhs, NULL, 0))
		return -1;
	/* The target may send other PDUs first (a NOP-In ping, an
	 * Asynchronous Message announcing the logout): skip them. */
	for (int i = 0; i < 8; i++) {
		int d = recv_pdu(c, rsp, data, sizeof(data));
		if (d < 0) {
			/* istgt 0.4 sometimes closes a connection logged out
			 * with "close the connection" without answering:
			 * the target did close it, as asked. */
			fprintf(stderr, "logout CID %u: closed without a "
					"response\n", cid);
			return reason == 1 ? 0 : -1;
		}
		if ((rsp[0] & 0x3f) == 0x26)
			return rsp[2];
		fprintf(stderr, "logout CID %u: skipped opcode 0x%02x\n", cid,
			rsp[0] & 0x3f);
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: mcs-login HOST PORT TARGET "
				"[--reinstate | --reinstate-conn]\n");
		return 2;
	}
	const char *host = argv[1], *target = argv[3];
	int port = atoi(argv[2]);
	int reinstate = argc > 4 && strcmp(argv[4], "--reinstate") == 0;
	int reinstate_conn = argc > 4 && strcmp(argv[4], "--reinstate-conn") == 0;
	want_digests = argc > 4 && strcmp(argv[4], "--digests") == 0;
	struct conn c0 = {.cid = 0, .itt = 0x1000};
	struct conn c1 = {.cid = 1, .itt = 0x2000};
	if ((c0.fd = dial(host, port)) < 0)
		return 1;
	int tsih = login(&c0, target, 0);
	if (tsih <= 0) {
		fprintf(stderr, "leading login failed\n");
		return 1;
	}
	if ((c1.fd = dial(host, port)) < 0)
		return 1;
	if (login(&c1, target, (uint16_t)tsih) != tsih) {
		fprintf(stderr, "second connection refused\n");
		return 1;
	}
	if (nop(&c0) || nop(&c1)) {
		fprintf(stderr, "NOP-Out unanswered\n");
		return 1;
	}
	/* Connection reinstatement: a new TCP connection logs in as CID 1
	 * again. A target may accept it (the old CID 1 is logged out
	 * implicitly) or refuse it (istgt answers 0x0208, "can't include
	 * in session"); either way the answer is reported. */
	int reinstated_conn = -1;
	if (reinstate_conn) {
		struct conn c1b = {.cid = 1, .itt = 0x4000};
		if ((c1b.fd = dial(host, port)) < 0)
			return 1;
		if (login(&c1b, target, (uint16_t)tsih) == tsih) {
			reinstated_conn = 0;
			close(c1.fd);
			c1 = c1b; /* the old one is gone */
		} else {
			reinstated_conn = last_status;
			close(c1b.fd);
		}
	}
	int r1 = logout(&c1, 1, 1);
	int r0 = -1, tsih2 = 0;
	if (reinstate) {
		/* Leave c0 logged in and log in afresh with the same ISID:
		 * the target must end the old session (§6.3.5). */
		struct conn c2 = {.cid = 0, .itt = 0x3000};
		if ((c2.fd = dial(host, port)) < 0)
			return 1;
		tsih2 = login(&c2, target, 0);
		r0 = logout(&c2, 0, 0);
		close(c2.fd);
	} else {
		r0 = logout(&c0, 0, 0);
	}
	close(c1.fd);
	close(c0.fd);
	printf("{\"tool\":\"mcs-login\",\"initiator\":\"%s\",\"tsih\":%d,"
	       "\"connections\":2,\"logout_conn\":%d,\"logout_session\":%d,"
	       "\"reinstated_tsih\":%d,\"reinstate_conn_status\":%d}\n",
	       INITIATOR, tsih, r1, r0, tsih2, reinstated_conn);
	return r1 == 0 && r0 == 0 && (!reinstate || tsih2 > 0) &&
			       (!reinstate_conn || reinstated_conn >= 0)
		       ? 0
		       : 1;
}
