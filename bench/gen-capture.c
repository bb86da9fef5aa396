/* gen-capture.c - writes a large, reproducible iSCSI capture for `make bench`.
 *
 *   gen-capture -o FILE -m MSS -s BYTES [-c CONNS] [-S SEED]
 *   gen-capture -o FILE -m MSS -n SESSIONS [-i IOS] [-x CHURN] [-S SEED]
 *
 * The output is a classic pcap (nanosecond magic 0xa1b23c4d, Ethernet) of
 * CONNS iSCSI sessions, one TCP connection each: a three-way handshake, a
 * two-stage login (security then operational, RFC 7143 §6.3), then batches
 * of READ(10) and WRITE(10) commands (Data-In with phase collapse, R2T and
 * Data-Out, SCSI Responses), the odd NOP ping, and a Logout and FIN
 * exchange at the end. Each direction is a byte stream cut into MSS-sized
 * segments, so PDUs straddle segments the way they do on the wire, and the
 * receiver sends a pure ACK every second segment (delayed ACK).
 *
 * Generation stops as soon as BYTES have been written (then every session
 * logs out), so with the same seed a smaller file is the same traffic as the
 * start of a larger one. The same seed always gives the same bytes.
 *
 * With -n (`make bench-scale`) the shape is many small sessions instead:
 * SESSIONS sessions log in (up to GEN_SCALE_MAX, each from its own
 * initiator address, to one of GEN_SCALE_TARGETS targets, the TSIH counted
 * per target as a target does, so TSIHs repeat across targets), then IOS
 * small I/O batches (one READ(10) or WRITE(10) of 512 bytes to 4 KiB) and
 * CHURN logout-and-login-again events (the same initiator, ISID and target
 * on a new TCP connection: a new session of the same identity, RFC 7143
 * §4.4.3) are spread at random over the sessions; at the end every session
 * is still logged in (the capture stops, the sessions do not). Between two events some 20 µs pass, so a churn-heavy capture
 * spans minutes.
 *
 * On stdout: `pdus N`, `packets N`, `bytes N`, `conns N` and one
 * `op NAME N` line per opcode seen (NAME as iscsiwatch --pdus prints it).
 * IP checksums are right, TCP checksums are zero (nobody checks them).
 *
 * A bench tool, not engine code: on a write error it says so and exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GEN_PORT 3260
#define GEN_MAX_CONNS 1024
#define GEN_SCALE_MAX 1000000
#define GEN_SCALE_TARGETS 64
#define GEN_BATCH_MAX 4
#define GEN_STREAM_CAP ((size_t)8 << 20)
#define GEN_OUT_CAP ((size_t)8 << 20)
#define GEN_PATTERN_LEN ((size_t)1 << 20)
#define GEN_MAX_CHUNK ((size_t)262144)
#define GEN_SNAPLEN 262144u
#define GEN_EPOCH 1704067200ull /* 2024-01-01, any fixed time will do */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* ---- deterministic randomness (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform enough in [lo, hi] for traffic shapes. */
static uint32_t rng_range(uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rng_next() % ((uint64_t)hi - lo + 1));
}

static void die(const char *what)
{
	fprintf(stderr, "gen-capture: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- output ---- */

static struct {
	int fd;
	uint8_t *buf;
	size_t len;
	uint64_t total;
	uint64_t packets;
} out;

static void out_flush(void)
{
	size_t off = 0;
	while (off < out.len) {
		ssize_t w = write(out.fd, out.buf + off, out.len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		off += (size_t)w;
	}
	out.len = 0;
}

static void out_put(const void *p, size_t n)
{
	if (n > GEN_OUT_CAP - out.len)
		out_flush();
	memcpy(out.buf + out.len, p, n);
	out.len += n;
	out.total += n;
}

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* ---- connections ---- */

enum { INI = 0, TGT = 1 };

struct side {
	uint32_t ip;
	uint16_t port;
	uint8_t mac[6];
	uint32_t seq;	 /* next sequence number to send */
	uint32_t tsval;	 /* last TCP timestamp sent */
	uint32_t ts_off; /* per-host clock offset for TSval */
	uint16_t ip_id;
	unsigned unacked; /* data segments the peer has not ACKed yet */
};

struct conn {
	struct side s[2];
	int idx;
	/* iSCSI state (RFC 7143 §4.2.2: CmdSN per session, StatSN per
	 * connection; one connection per session here). */
	uint8_t isid[6];
	uint16_t tsih;
	uint32_t cmdsn;	 /* next CmdSN the initiator assigns */
	uint32_t statsn; /* next StatSN the target assigns */
	uint32_t itt;
	uint32_t ttt;
	uint64_t lun;
	uint32_t lba;
	/* negotiated (§13) */
	uint32_t mrdsl_i; /* initiator's MaxRecvDataSegmentLength: Data-In */
	uint32_t mrdsl_t; /* target's: Data-Out and immediate data */
	uint32_t first_burst;
	uint32_t max_burst;
	bool immediate;
	uint32_t gen; /* -n: logins so far (churn) */
};

static struct {
	uint8_t *buf;
	size_t len;
} stream[2];

static uint32_t mss;
static uint64_t now_ns;
static uint64_t op_count[64];
static uint64_t pdu_count;
static uint8_t *pattern;
static size_t pattern_pos;
static bool scale;			     /* -n: many small sessions */
static uint16_t tsih_next[GEN_SCALE_TARGETS]; /* per target (§11.13.1) */

static const char *const op_names[64] = {
	[0x00] = "NOP_OUT",   [0x01] = "SCSI_CMD",   [0x02] = "TMF_REQ",
	[0x03] = "LOGIN_REQ", [0x04] = "TEXT_REQ",   [0x05] = "DATA_OUT",
	[0x06] = "LOGOUT_REQ", [0x10] = "SNACK_REQ", [0x20] = "NOP_IN",
	[0x21] = "SCSI_RSP",  [0x22] = "TMF_RSP",    [0x23] = "LOGIN_RSP",
	[0x24] = "TEXT_RSP",  [0x25] = "DATA_IN",    [0x26] = "LOGOUT_RSP",
	[0x31] = "R2T",	      [0x32] = "ASYNC_MSG",  [0x3f] = "REJECT",
};

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One Ethernet/IPv4/TCP frame from side `from` of c. SYNs carry the usual
 * Linux options (MSS, SACK-permitted, timestamps, window scale); every
 * other segment carries timestamps, which is why MSS = MTU - 52. */
static void emit(struct conn *c, int from, uint8_t flags, const uint8_t *payload,
		 size_t plen)
{
	struct side *a = &c->s[from], *b = &c->s[!from];
	uint8_t h[16 + 14 + 20 + 40];
	size_t optlen = (flags & TCP_SYN) ? 20 : 12;
	size_t tcplen = 20 + optlen;
	size_t iplen = 20 + tcplen + plen;
	size_t frame = 14 + iplen;

	/* 10 Gb/s on the wire (0.8 ns a byte) and a small gap. */
	now_ns += frame * 4 / 5 + 100;
	a->tsval = (uint32_t)(now_ns / 1000000) + a->ts_off;

	uint8_t *p = h;
	uint32_t rec[4] = {(uint32_t)(now_ns / 1000000000ull),
			   (uint32_t)(now_ns % 1000000000ull), (uint32_t)frame,
			   (uint32_t)frame};
	memcpy(p, rec, sizeof(rec)); /* pcap records are in writer order */
	p += 16;

	memcpy(p, b->mac, 6);
	memcpy(p + 6, a->mac, 6);
	put_be16(p + 12, 0x0800);
	p += 14;

	memset(p, 0, 20);
	p[0] = 0x45;
	put_be16(p + 2, (uint32_t)iplen);
	put_be16(p + 4, a->ip_id++);
	put_be16(p + 6, 0x4000); /* DF */
	p[8] = 64;
	p[9] = 6;
	put_be32(p + 12, a->ip);
	put_be32(p + 16, b->ip);
	put_be16(p + 10, ip_checksum(p, 20));
	p += 20;

	memset(p, 0, tcplen);
	put_be16(p, a->port);
	put_be16(p + 2, b->port);
	put_be32(p + 4, a->seq);
	put_be32(p + 8, (flags & TCP_ACK) ? b->seq : 0);
	p[12] = (uint8_t)((tcplen / 4) << 4);
	p[13] = flags;
	put_be16(p + 14, (flags & TCP_SYN) ? 64240 : 2048); /* wscale 7 */
	uint8_t *o = p + 20;
	if (flags & TCP_SYN) {
		o[0] = 2; /* MSS */
		o[1] = 4;
		put_be16(o + 2, mss);
		o[4] = 4; /* SACK permitted */
		o[5] = 2;
		o += 6;
	} else {
		o[0] = 1;
		o[1] = 1;
		o += 2;
	}
	o[0] = 8; /* timestamps */
	o[1] = 10;
	put_be32(o + 2, a->tsval);
	put_be32(o + 6, (flags & TCP_ACK) ? b->tsval : 0);
	if (flags & TCP_SYN) {
		o[10] = 1;
		o[11] = 3; /* window scale 7 */
		o[12] = 3;
		o[13] = 7;
	}
	p += tcplen;

	out_put(h, (size_t)(p - h));
	if (plen)
		out_put(payload, plen);
	out.packets++;

	a->seq += (uint32_t)plen + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
	if (flags & TCP_ACK)
		b->unacked = 0;
}

/* Cut the queued bytes of `from` into MSS segments; the peer ACKs every
 * second one (RFC 1122 §4.2.3.2). */
static void flush(struct conn *c, int from)
{
	size_t off = 0, len = stream[from].len;
	while (off < len) {
		size_t n = len - off < mss ? len - off : mss;
		bool last = n == len - off;
		emit(c, from, TCP_ACK | (last ? TCP_PSH : 0),
		     stream[from].buf + off, n);
		off += n;
		if (++c->s[from].unacked >= 2)
			emit(c, !from, TCP_ACK, NULL, 0);
	}
	stream[from].len = 0;
}

/* The delayed ACK timer fires for whatever is left unacknowledged. */
static void settle(struct conn *c)
{
	for (int d = 0; d < 2; d++)
		if (c->s[d].unacked)
			emit(c, !d, TCP_ACK, NULL, 0);
}

static uint8_t *stream_room(int dir, size_t n)
{
	if (n > GEN_STREAM_CAP - stream[dir].len) {
		fprintf(stderr, "gen-capture: stream buffer overflow\n");
		exit(1);
	}
	uint8_t *p = stream[dir].buf + stream[dir].len;
	stream[dir].len += n;
	return p;
}

/* Start a PDU (RFC 7143 §11.2.1): a zeroed 48-byte BHS with opcode,
 * byte 1 and DataSegmentLength set; the caller fills the rest, then adds
 * the data with pdu_data(). The pointer stays valid until the flush. */
static uint8_t *pdu_begin(int dir, uint8_t op, bool immediate, uint8_t b1,
			  uint32_t dlen)
{
	uint8_t *bhs = stream_room(dir, 48);
	memset(bhs, 0, 48);
	bhs[0] = (uint8_t)(op | (immediate ? 0x40 : 0));
	bhs[1] = b1;
	put_be24(bhs + 5, dlen);
	op_count[op & 0x3f]++;
	pdu_count++;
	return bhs;
}

/* Data segment, padded to a multiple of 4 (§11.2.3). data NULL means
 * SCSI payload from the pattern. */
static void pdu_data(int dir, const void *data, size_t n)
{
	size_t pad = (4 - (n & 3)) & 3;
	uint8_t *p = stream_room(dir, n + pad);
	if (data) {
		memcpy(p, data, n);
	} else {
		if (pattern_pos + n > GEN_PATTERN_LEN + GEN_MAX_CHUNK)
			pattern_pos = 0;
		memcpy(p, pattern + pattern_pos, n);
		pattern_pos += 4096 + 16;
	}
	memset(p + n, 0, pad);
}

struct text {
	char buf[2048];
	size_t len;
};

/* key=value and its NUL (§6.1). */
static void text_add(struct text *t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void text_add(struct text *t, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s=", key);
	t->len += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n + 1; /* keep the NUL */
}

static const char *yes_no(bool b)
{
	return b ? "Yes" : "No";
}

static void op_keys(struct text *t, const struct conn *c, bool initiator)
{
	text_add(t, "HeaderDigest", "None");
	text_add(t, "DataDigest", "None");
	text_add(t, "MaxRecvDataSegmentLength", "%u",
		 initiator ? c->mrdsl_i : c->mrdsl_t);
	text_add(t, "InitialR2T", "Yes");
	text_add(t, "ImmediateData", "%s", yes_no(c->immediate));
	text_add(t, "MaxBurstLength", "%u", c->max_burst);
	text_add(t, "FirstBurstLength", "%u", c->first_burst);
	text_add(t, "DefaultTime2Wait", "2");
	text_add(t, "DefaultTime2Retain", "0");
	text_add(t, "MaxOutstandingR2T", "1");
	text_add(t, "DataPDUInOrder", "Yes");
	text_add(t, "DataSequenceInOrder", "Yes");
	text_add(t, "ErrorRecoveryLevel", "0");
	text_add(t, "MaxConnections", "1");
}

/* Login Request / Response (§11.12, §11.13). */
static void login_pdu(struct conn *c, int dir, int csg, int nsg,
		      const struct text *t, uint32_t itt, uint32_t expstatsn)
{
	uint8_t *b = pdu_begin(dir, dir == INI ? 0x03 : 0x23, dir == INI,
			       (uint8_t)(0x80 | csg << 2 | nsg),
			       (uint32_t)t->len);
	memcpy(b + 8, c->isid, 6);
	put_be32(b + 16, itt);
	if (dir == INI) {
		put_be32(b + 24, c->cmdsn);
		put_be32(b + 28, expstatsn);
	} else {
		if (nsg == 3)
			put_be16(b + 14, c->tsih);
		put_be32(b + 24, c->statsn++);
		put_be32(b + 28, c->cmdsn);
		put_be32(b + 32, c->cmdsn + 31);
	}
	pdu_data(dir, t->buf, t->len);
}

static void conn_open(struct conn *c)
{
	/* three-way handshake */
	emit(c, INI, TCP_SYN, NULL, 0);
	emit(c, TGT, TCP_SYN | TCP_ACK, NULL, 0);
	emit(c, INI, TCP_ACK, NULL, 0);

	uint32_t itt = c->itt++;
	char iname[64], tname[80];
	int ntargets = scale ? GEN_SCALE_TARGETS : 4;
	snprintf(iname, sizeof(iname), "iqn.2004-10.com.ubuntu:01:bench%04d",
		 c->idx);
	snprintf(tname, sizeof(tname),
		 "iqn.2003-01.org.linux-iscsi.bench:target%d", c->idx % ntargets);

	/* security stage, no authentication (§6.3.1) */
	struct text t = {.len = 0};
	text_add(&t, "InitiatorName", "%s", iname);
	text_add(&t, "InitiatorAlias", "bench%04d", c->idx);
	text_add(&t, "TargetName", "%s", tname);
	text_add(&t, "SessionType", "Normal");
	text_add(&t, "AuthMethod", "None");
	login_pdu(c, INI, 0, 1, &t, itt, 0);
	flush(c, INI);
	t.len = 0;
	text_add(&t, "TargetPortalGroupTag", "1");
	text_add(&t, "AuthMethod", "None");
	uint32_t first_statsn = c->statsn;
	login_pdu(c, TGT, 0, 1, &t, itt, 0);
	flush(c, TGT);

	/* operational stage, straight to full feature phase */
	t.len = 0;
	op_keys(&t, c, true);
	login_pdu(c, INI, 1, 3, &t, itt, first_statsn + 1);
	flush(c, INI);
	t.len = 0;
	text_add(&t, "TargetAlias", "bench-target%d", c->idx % ntargets);
	op_keys(&t, c, false);
	login_pdu(c, TGT, 1, 3, &t, itt, 0);
	flush(c, TGT);
	settle(c);
}

/* SCSI Command with a READ(10)/WRITE(10) CDB (§11.3, SBC-3). */
static void scsi_cmd(struct conn *c, bool write, uint32_t itt, uint32_t len,
		     uint32_t imm)
{
	uint8_t *b = pdu_begin(INI, 0x01, false,
			       (uint8_t)(0x80 | (write ? 0x20 : 0x40) | 1), imm);
	put_be64(b + 8, c->lun);
	put_be32(b + 16, itt);
	put_be32(b + 20, len);
	put_be32(b + 24, c->cmdsn++);
	put_be32(b + 28, c->statsn);
	b[32] = write ? 0x2a : 0x28;
	put_be32(b + 34, c->lba);
	put_be16(b + 39, len / 512);
	c->lba += len / 512;
	if (imm)
		pdu_data(INI, NULL, imm);
}

static uint32_t rand_len(void)
{
	if (scale)
		return rng_range(1, 8) * 512; /* 512 bytes .. 4 KiB */
	return rng_range(16, 64) * 4096; /* 64 .. 256 KiB */
}

static void do_reads(struct conn *c, unsigned k)
{
	uint32_t itt[GEN_BATCH_MAX], len[GEN_BATCH_MAX];
	for (unsigned i = 0; i < k; i++) {
		itt[i] = c->itt++;
		len[i] = rand_len();
		scsi_cmd(c, false, itt[i], len[i], 0);
	}
	flush(c, INI);
	/* Data-In (§11.7): MaxRecvDataSegmentLength of the initiator per PDU,
	 * F at the end of each MaxBurstLength sequence, the last one with
	 * S and the status (phase collapse, §11.7.3). */
	for (unsigned i = 0; i < k; i++) {
		uint32_t datasn = 0;
		for (uint32_t off = 0; off < len[i];) {
			uint32_t n = len[i] - off < c->mrdsl_i ? len[i] - off
							       : c->mrdsl_i;
			bool last = off + n == len[i];
			bool seq_end = last || (off + n) % c->max_burst == 0;
			uint8_t *b = pdu_begin(
				TGT, 0x25, false,
				(uint8_t)((seq_end ? 0x80 : 0) | (last ? 1 : 0)),
				n);
			put_be32(b + 16, itt[i]);
			put_be32(b + 20, 0xffffffff);
			if (last)
				put_be32(b + 24, c->statsn++);
			put_be32(b + 28, c->cmdsn);
			put_be32(b + 32, c->cmdsn + 31);
			put_be32(b + 36, datasn++);
			put_be32(b + 40, off);
			pdu_data(TGT, NULL, n);
			off += n;
		}
	}
	flush(c, TGT);
	settle(c);
}

static void do_writes(struct conn *c, unsigned k)
{
	uint32_t itt[GEN_BATCH_MAX], len[GEN_BATCH_MAX], done[GEN_BATCH_MAX];
	uint32_t r2tsn[GEN_BATCH_MAX], ttt[GEN_BATCH_MAX], want[GEN_BATCH_MAX];
	for (unsigned i = 0; i < k; i++) {
		itt[i] = c->itt++;
		len[i] = rand_len();
		uint32_t imm = 0;
		if (c->immediate) {
			/* §13.13: immediate data up to FirstBurstLength and
			 * the target's MaxRecvDataSegmentLength */
			imm = c->first_burst < c->mrdsl_t ? c->first_burst
							  : c->mrdsl_t;
			if (imm > len[i])
				imm = len[i];
		}
		scsi_cmd(c, true, itt[i], len[i], imm);
		done[i] = imm;
		r2tsn[i] = 0;
	}
	flush(c, INI);
	/* One R2T outstanding per task (MaxOutstandingR2T=1), each for at
	 * most MaxBurstLength (§11.8); Data-Out in target-MRDSL pieces. */
	for (;;) {
		bool any = false;
		for (unsigned i = 0; i < k; i++) {
			if (done[i] == len[i])
				continue;
			any = true;
			want[i] = len[i] - done[i] < c->max_burst
					  ? len[i] - done[i]
					  : c->max_burst;
			ttt[i] = c->ttt++;
			uint8_t *b = pdu_begin(TGT, 0x31, false, 0x80, 0);
			put_be64(b + 8, c->lun);
			put_be32(b + 16, itt[i]);
			put_be32(b + 20, ttt[i]);
			put_be32(b + 24, c->statsn); /* not advanced */
			put_be32(b + 28, c->cmdsn);
			put_be32(b + 32, c->cmdsn + 31);
			put_be32(b + 36, r2tsn[i]++);
			put_be32(b + 40, done[i]);
			put_be32(b + 44, want[i]);
		}
		if (!any)
			break;
		flush(c, TGT);
		for (unsigned i = 0; i < k; i++) {
			if (done[i] == len[i])
				continue;
			uint32_t end = done[i] + want[i], datasn = 0;
			for (uint32_t off = done[i]; off < end;) {
				uint32_t n = end - off < c->mrdsl_t ? end - off
								    : c->mrdsl_t;
				uint8_t *b = pdu_begin(
					INI, 0x05, false,
					off + n == end ? 0x80 : 0, n);
				put_be64(b + 8, c->lun);
				put_be32(b + 16, itt[i]);
				put_be32(b + 20, ttt[i]);
				put_be32(b + 28, c->statsn);
				put_be32(b + 36, datasn++);
				put_be32(b + 40, off);
				pdu_data(INI, NULL, n);
				off += n;
			}
			done[i] = end;
		}
		flush(c, INI);
	}
	/* SCSI Response (§11.4): GOOD, ExpDataSN = R2Ts sent. */
	for (unsigned i = 0; i < k; i++) {
		uint8_t *b = pdu_begin(TGT, 0x21, false, 0x80, 0);
		put_be32(b + 16, itt[i]);
		put_be32(b + 24, c->statsn++);
		put_be32(b + 28, c->cmdsn);
		put_be32(b + 32, c->cmdsn + 31);
		put_be32(b + 36, r2tsn[i]);
	}
	flush(c, TGT);
	settle(c);
}

/* NOP-Out ping and its NOP-In (§11.18, §11.19). */
static void do_nop(struct conn *c)
{
	uint32_t itt = c->itt++;
	uint8_t *b = pdu_begin(INI, 0x00, true, 0x80, 0);
	put_be32(b + 16, itt);
	put_be32(b + 20, 0xffffffff);
	put_be32(b + 24, c->cmdsn);
	put_be32(b + 28, c->statsn);
	flush(c, INI);
	b = pdu_begin(TGT, 0x20, false, 0x80, 0);
	put_be32(b + 16, itt);
	put_be32(b + 20, 0xffffffff);
	put_be32(b + 24, c->statsn++);
	put_be32(b + 28, c->cmdsn);
	put_be32(b + 32, c->cmdsn + 31);
	flush(c, TGT);
	settle(c);
}

/* Logout to close the session (§11.14, §11.15), then both FINs. */
static void conn_close(struct conn *c)
{
	uint32_t itt = c->itt++;
	uint8_t *b = pdu_begin(INI, 0x06, true, 0x80, 0);
	put_be32(b + 16, itt);
	put_be32(b + 24, c->cmdsn);
	put_be32(b + 28, c->statsn);
	flush(c, INI);
	b = pdu_begin(TGT, 0x26, false, 0x80, 0);
	put_be32(b + 16, itt);
	put_be32(b + 24, c->statsn++);
	put_be32(b + 28, c->cmdsn);
	put_be32(b + 32, c->cmdsn + 31);
	flush(c, TGT);
	emit(c, INI, TCP_FIN | TCP_ACK, NULL, 0);
	emit(c, TGT, TCP_FIN | TCP_ACK, NULL, 0);
	emit(c, INI, TCP_ACK, NULL, 0);
}

/* -n: up to GEN_SCALE_MAX initiators, each its own address in 10.64/10,
 * one of GEN_SCALE_TARGETS target portals, and a TSIH the target hands
 * out from its own counter (never 0, §11.12.6). */
static void conn_scale_identity(struct conn *c)
{
	uint32_t i = (uint32_t)c->idx, t = i % GEN_SCALE_TARGETS;
	c->s[INI].ip = 0x0a400000u + i;
	c->s[TGT].ip = 0x0a010001u + t;
	c->s[INI].port = (uint16_t)(33000 + (c->gen * 7919u) % 30000);
	c->isid[3] = (uint8_t)(i >> 16);
	if (++tsih_next[t] == 0)
		tsih_next[t] = 1;
	c->tsih = tsih_next[t];
}

static void conn_init(struct conn *c, int i, uint32_t gen)
{
	static const uint32_t mrdsl_i[] = {8192, 32768, 65536, 262144};
	static const uint32_t mrdsl_t[] = {8192, 65536};
	static const uint32_t burst[] = {65536, 262144};

	memset(c, 0, sizeof(*c));
	c->idx = i;
	c->gen = gen;
	c->s[INI].ip = 0x0a000000u | (uint32_t)(i / 200) << 8 |
		       (uint32_t)(10 + i % 200);
	c->s[TGT].ip = 0x0a010001u + (uint32_t)(i % 4);
	c->s[INI].port = (uint16_t)(33000 + i * 7);
	c->s[TGT].port = GEN_PORT;
	for (int d = 0; d < 2; d++) {
		uint8_t m[6] = {0x02, 0x00, (uint8_t)d, (uint8_t)(i >> 8),
				(uint8_t)i, 0x01};
		memcpy(c->s[d].mac, m, 6);
		c->s[d].seq = (uint32_t)rng_next();
		c->s[d].ts_off = (uint32_t)rng_next();
	}
	/* ISID: OUI format, the Open-iSCSI OUI (§11.12.5) */
	uint8_t isid[6] = {0x00, 0x02, 0x3d, 0x00, (uint8_t)(i >> 8),
			   (uint8_t)i};
	memcpy(c->isid, isid, 6);
	c->tsih = (uint16_t)(0x100 + i);
	c->cmdsn = (uint32_t)rng_next();
	c->statsn = (uint32_t)rng_next();
	c->itt = (uint32_t)rng_next() & 0x00ffffff;
	c->ttt = 0x1000;
	if (scale)
		conn_scale_identity(c);
	c->lun = (uint64_t)(i % 3) << 48; /* peripheral addressing, §11.2.5 */
	c->lba = rng_range(0, 1 << 20);
	c->mrdsl_i = mrdsl_i[rng_range(0, 3)];
	c->mrdsl_t = mrdsl_t[rng_range(0, 1)];
	c->max_burst = burst[rng_range(0, 1)];
	c->first_burst = 65536;
	c->immediate = rng_range(0, 1);
}

/* -n: IOS small I/O batches and CHURN logouts each followed by a new
 * login of the same identity, interleaved at random. */
static void scale_events(struct conn *conns, int n, long ios, long churn)
{
	while (ios > 0 || churn > 0) {
		struct conn *c = &conns[rng_range(0, (uint32_t)n - 1)];
		if (churn > 0 && (ios == 0 || rng_range(0, (uint32_t)(ios + churn) - 1) < churn)) {
			conn_close(c);
			conn_init(c, c->idx, c->gen + 1);
			conn_open(c);
			churn--;
		} else {
			if (rng_range(0, 1))
				do_reads(c, 1);
			else
				do_writes(c, 1);
			ios--;
		}
		now_ns += rng_range(5000, 35000);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: gen-capture -o FILE -m MSS -s BYTES "
			"[-c CONNS] [-S SEED]\n"
			"       gen-capture -o FILE -m MSS -n SESSIONS [-i IOS] "
			"[-x CHURN] [-S SEED]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	uint64_t size = 0, seed = 0x15c51b3e2c4ull;
	int nconns = 64, opt;
	long nscale = 0, ios = 0, churn = 0;

	while ((opt = getopt(argc, argv, "o:m:s:c:S:n:i:x:")) != -1) {
		switch (opt) {
		case 'o':
			path = optarg;
			break;
		case 'm':
			mss = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 's':
			size = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			nconns = atoi(optarg);
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			nscale = strtol(optarg, NULL, 0);
			break;
		case 'i':
			ios = strtol(optarg, NULL, 0);
			break;
		case 'x':
			churn = strtol(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	scale = nscale != 0;
	if (scale) {
		if (nscale < 1 || nscale > GEN_SCALE_MAX || ios < 0 ||
		    churn < 0 || size != 0)
			usage();
		nconns = (int)nscale;
	} else if (size == 0 || nconns < 1 || nconns > GEN_MAX_CONNS) {
		usage();
	}
	if (!path || mss < 536 || mss > 65000)
		usage();

	rng_state = seed;
	out.buf = malloc(GEN_OUT_CAP);
	stream[0].buf = malloc(GEN_STREAM_CAP);
	stream[1].buf = malloc(GEN_STREAM_CAP);
	pattern = malloc(GEN_PATTERN_LEN + GEN_MAX_CHUNK);
	struct conn *conns = calloc((size_t)nconns, sizeof(*conns));
	if (!out.buf || !stream[0].buf || !stream[1].buf || !pattern || !conns)
		die("malloc");
	for (size_t i = 0; i < GEN_PATTERN_LEN + GEN_MAX_CHUNK; i += 8) {
		uint64_t r = rng_next();
		memcpy(pattern + i, &r, 8);
	}
	out.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out.fd < 0)
		die(path);

	/* classic pcap header, version 2.4, nanosecond magic, Ethernet */
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} gh = {0xa1b23c4d, 2, 4, 0, 0, GEN_SNAPLEN, 1};
	out_put(&gh, sizeof(gh));

	now_ns = GEN_EPOCH * 1000000000ull;
	for (int i = 0; i < nconns; i++) {
		conn_init(&conns[i], i, 0);
		conn_open(&conns[i]);
		now_ns += rng_range(1000, 50000);
	}
	if (scale)
		scale_events(conns, nconns, ios, churn);
	while (out.total < size) {
		struct conn *c = &conns[rng_range(0, (uint32_t)nconns - 1)];
		uint32_t r = rng_range(0, 99);
		if (r < 58)
			do_reads(c, rng_range(1, GEN_BATCH_MAX));
		else if (r < 98)
			do_writes(c, rng_range(1, GEN_BATCH_MAX));
		else
			do_nop(c);
		now_ns += rng_range(500, 20000);
	}
	for (int i = 0; i < nconns && !scale; i++) {
		conn_close(&conns[i]);
		now_ns += rng_range(1000, 50000);
	}
	out_flush();
	if (close(out.fd) != 0)
		die(path);

	printf("pdus %" PRIu64 "\npackets %" PRIu64 "\nbytes %" PRIu64
	       "\nconns %d\n",
	       pdu_count, out.packets, out.total, nconns);
	for (int op = 0; op < 64; op++)
		if (op_count[op])
			printf("op %s %" PRIu64 "\n",
			       op_names[op] ? op_names[op] : "UNKNOWN",
			       op_count[op]);
	free(conns);
	free(pattern);
	free(stream[0].buf);
	free(stream[1].buf);
	free(out.buf);
	return 0;
}
