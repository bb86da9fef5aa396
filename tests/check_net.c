/* check_net.c - net_decode() on packets built here, one table row each.
 *
 * Every row is also cut at every length and decoded against an unreadable
 * page, so a read past caplen crashes the test instead of passing by luck.
 */
#include <check.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_suites.h"
#include "net.h"

#define LINKTYPE_RAW 101
#define MAX_TAGS 10
#define MAX_EXT 10

enum link {
	LK_ETH,
	LK_SLL,
	LK_SLL2,
	LK_NULL,
	LK_NULL_SWAPPED,
	LK_LOOP,
	LK_NONE
};

struct vec {
	const char *name;
	int dlt;
	enum net_result want;
	enum link link;
	uint16_t tpid[MAX_TAGS]; /* VLAN tags to push, 0-terminated */
	uint16_t ethertype;	 /* 0: from the IP version */
	uint32_t af;		 /* NULL/LOOP family; 0: 2 or 24 */
	int ipv;		 /* 4 or 6 */
	uint8_t vbyte;		 /* replaces the first IP byte when set */
	int ip_len_delta;	 /* added to the right IP length */
	bool ip_len_zero;	 /* IP length 0 (TSO, jumbogram) */
	uint16_t frag;		 /* IPv4 flags+offset (DF 0x4000) */
	uint8_t proto;		 /* 0: TCP */
	uint8_t ext[MAX_EXT];	 /* IPv6 extension header types... */
	unsigned n_ext;		 /* ...how many */
	uint16_t frag6;		 /* offset+M of an IPv6 fragment header */
	uint8_t ipv4_opt_words;
	uint8_t doff; /* 0: 5 + tcp_opt_words */
	uint8_t tcp_opt_words;
	unsigned payload;
	unsigned pad; /* bytes after the datagram (Ethernet padding) */
	uint16_t want_vlan[2];
	uint32_t want_missing;
};

struct buf {
	uint8_t b[2048];
	size_t n;
};

static void put8(struct buf *b, unsigned v)
{
	ck_assert_uint_lt(b->n, sizeof b->b);
	b->b[b->n++] = (uint8_t)v;
}
static void put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}
static void put32(struct buf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v & 0xffff);
}
static void put32le(struct buf *b, uint32_t v)
{
	put8(b, v);
	put8(b, v >> 8);
	put8(b, v >> 16);
	put8(b, v >> 24);
}
static void putn(struct buf *b, unsigned v, size_t n)
{
	while (n--)
		put8(b, v);
}

static const uint8_t SRC4[4] = {127, 0, 0, 1}, DST4[4] = {127, 0, 0, 2};
static const uint8_t SRC6[16] = {0xfd, [15] = 1}, DST6[16] = {0xfd, [15] = 2};
#define SPORT 51000
#define DPORT 3260
#define SEQ 0x01020304u
#define ACK 0xa0b0c0d0u
#define FLAGS (TCP_PSH_FLAG | TCP_ACK_FLAG)

static unsigned ext_len(uint8_t type)
{
	return type == 51 ? 12 : 8;
}

static void put_ext(struct buf *b, const struct vec *v, uint8_t type,
		    uint8_t next)
{
	put8(b, next);
	switch (type) {
	case 44: /* fragment */
		put8(b, 0);
		put16(b, v->frag6);
		put32(b, 0x12345678);
		break;
	case 51: /* AH, 12 bytes: length (3 - 2) words */
		put8(b, 1);
		putn(b, 0, 10);
		break;
	case 43: /* routing: type 0, segments left 0 */
		put8(b, 0);
		putn(b, 0, 6);
		break;
	default: /* options: one PadN of 4 */
		put8(b, 0);
		put8(b, 1);
		put8(b, 4);
		putn(b, 0, 4);
	}
}

/* Builds the packet; *payload_off gets the offset of the TCP payload. */
static void build(const struct vec *v, struct buf *b, size_t *payload_off)
{
	memset(b, 0, sizeof *b);
	uint16_t et =
	    v->ethertype ? v->ethertype : (v->ipv == 6 ? 0x86dd : 0x0800);
	uint32_t af = v->af ? v->af : (v->ipv == 6 ? 24 : 2);
	unsigned tags = 0;
	while (tags < MAX_TAGS && v->tpid[tags])
		tags++;
	uint16_t first = tags ? v->tpid[0] : et;
	switch (v->link) {
	case LK_ETH:
		putn(b, 0x02, 12);
		put16(b, first);
		break;
	case LK_SLL:
		put16(b, 0);
		put16(b, 1);
		put16(b, 6);
		putn(b, 0x02, 8);
		put16(b, first);
		break;
	case LK_SLL2:
		put16(b, first);
		put16(b, 0);
		put32(b, 2);
		put16(b, 1);
		put8(b, 0);
		put8(b, 6);
		putn(b, 0x02, 8);
		break;
	case LK_NULL: /* the writer's byte order: little-endian here */
		put32le(b, af);
		break;
	case LK_NULL_SWAPPED:
	case LK_LOOP:
		put32(b, af);
		break;
	case LK_NONE:
		break;
	}
	for (unsigned i = 0; i < tags; i++) {
		put16(b, (i + 1) * 100); /* VLAN 100, 200, ... */
		put16(b, i + 1 < tags ? v->tpid[i + 1] : et);
	}
	unsigned doff = v->doff ? v->doff : 5u + v->tcp_opt_words;
	unsigned tcp_len = 20 + v->tcp_opt_words * 4u + v->payload;
	uint8_t proto = v->proto ? v->proto : 6;
	size_t ip_start = b->n;
	if (v->ipv == 4) {
		unsigned ihl = 5 + v->ipv4_opt_words;
		int total = (int)(ihl * 4 + tcp_len) + v->ip_len_delta;
		put8(b, 0x40 | ihl);
		put8(b, 0);
		put16(b, v->ip_len_zero ? 0 : (unsigned)total);
		put16(b, 0x1234);
		put16(b, v->frag);
		put8(b, 64);
		put8(b, proto);
		put16(b, 0);
		for (int i = 0; i < 4; i++)
			put8(b, SRC4[i]);
		for (int i = 0; i < 4; i++)
			put8(b, DST4[i]);
		putn(b, 0x01, v->ipv4_opt_words * 4u); /* NOPs */
	} else {
		unsigned exts = 0;
		for (unsigned i = 0; i < v->n_ext; i++)
			exts += ext_len(v->ext[i]);
		int plen = (int)(exts + tcp_len) + v->ip_len_delta;
		put32(b, 0x60000000);
		put16(b, v->ip_len_zero ? 0 : (unsigned)plen);
		put8(b, v->n_ext ? v->ext[0] : proto);
		put8(b, 64);
		for (int i = 0; i < 16; i++)
			put8(b, SRC6[i]);
		for (int i = 0; i < 16; i++)
			put8(b, DST6[i]);
		for (unsigned i = 0; i < v->n_ext; i++)
			put_ext(b, v, v->ext[i],
				i + 1 < v->n_ext ? v->ext[i + 1] : proto);
	}
	if (v->vbyte)
		b->b[ip_start] = v->vbyte;
	put16(b, SPORT);
	put16(b, DPORT);
	put32(b, SEQ);
	put32(b, ACK);
	put16(b, (doff << 12) | FLAGS);
	put16(b, 65535);
	put32(b, 0);
	putn(b, 0x01, v->tcp_opt_words * 4u);
	*payload_off = b->n;
	for (unsigned i = 0; i < v->payload; i++)
		put8(b, i * 7 + 3);
	putn(b, 0, v->pad);
}

#define V4 .ipv = 4
#define V6 .ipv = 6

/* One row per case: name, DLT, verdict, link framing, VLAN tags; the
 * rest by field name. */
// clang-format off
static const struct vec vecs[] = {
    /* link types */
    {"eth4", DLT_EN10MB, NET_OK, LK_ETH, {0}, .payload = 100, V4},
    {"eth6", DLT_EN10MB, NET_OK, LK_ETH, {0}, .payload = 100, V6},
    {"eth4-empty", DLT_EN10MB, NET_OK, LK_ETH, {0}, V4},
    {"dot1q", DLT_EN10MB, NET_OK, LK_ETH, {0x8100}, .payload = 10, V4,
     .want_vlan = {100, 0}},
    {"qinq-88a8", DLT_EN10MB, NET_OK, LK_ETH, {0x88a8, 0x8100},
     .payload = 10, V6, .want_vlan = {100, 200}},
    {"qinq-9100", DLT_EN10MB, NET_OK, LK_ETH, {0x9100, 0x8100},
     .payload = 10, V4, .want_vlan = {100, 200}},
    {"3-tags", DLT_EN10MB, NET_OK, LK_ETH, {0x88a8, 0x8100, 0x8100},
     .payload = 10, V4, .want_vlan = {100, 200}},
    {"8-tags", DLT_EN10MB, NET_OK, LK_ETH,
     {0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100},
     .payload = 10, V4, .want_vlan = {100, 200}},
    {"sll4", DLT_LINUX_SLL, NET_OK, LK_SLL, {0}, .payload = 33, V4},
    {"sll6", DLT_LINUX_SLL, NET_OK, LK_SLL, {0}, .payload = 33, V6},
    {"sll-vlan", DLT_LINUX_SLL, NET_OK, LK_SLL, {0x8100}, .payload = 33, V4,
     .want_vlan = {100, 0}},
    {"sll2-4", DLT_LINUX_SLL2, NET_OK, LK_SLL2, {0}, .payload = 33, V4},
    {"sll2-6", DLT_LINUX_SLL2, NET_OK, LK_SLL2, {0}, .payload = 33, V6},
    {"null4", DLT_NULL, NET_OK, LK_NULL, {0}, .payload = 5, V4},
    {"null6-24", DLT_NULL, NET_OK, LK_NULL, {0}, .af = 24, .payload = 5, V6},
    {"null6-28", DLT_NULL, NET_OK, LK_NULL, {0}, .af = 28, .payload = 5, V6},
    {"null6-30", DLT_NULL, NET_OK, LK_NULL, {0}, .af = 30, .payload = 5, V6},
    {"null4-other-endian", DLT_NULL, NET_OK, LK_NULL_SWAPPED, {0},
     .payload = 5, V4},
    {"null6-other-endian", DLT_NULL, NET_OK, LK_NULL_SWAPPED, {0}, .af = 30,
     .payload = 5, V6},
    {"loop4", DLT_LOOP, NET_OK, LK_LOOP, {0}, .payload = 5, V4},
    {"loop6", DLT_LOOP, NET_OK, LK_LOOP, {0}, .af = 28, .payload = 5, V6},
    {"raw4", DLT_RAW, NET_OK, LK_NONE, {0}, .payload = 7, V4},
    {"raw6", DLT_RAW, NET_OK, LK_NONE, {0}, .payload = 7, V6},
    {"linktype-raw4", LINKTYPE_RAW, NET_OK, LK_NONE, {0}, .payload = 7, V4},
    {"linktype-raw6", LINKTYPE_RAW, NET_OK, LK_NONE, {0}, .payload = 7, V6},
    {"ipv4", DLT_IPV4, NET_OK, LK_NONE, {0}, .payload = 7, V4},
    {"ipv6", DLT_IPV6, NET_OK, LK_NONE, {0}, .payload = 7, V6},
    /* IP and TCP details */
    {"ip-options", DLT_EN10MB, NET_OK, LK_ETH, {0}, .ipv4_opt_words = 3,
     .payload = 9, V4},
    {"tcp-options", DLT_EN10MB, NET_OK, LK_ETH, {0}, .tcp_opt_words = 10,
     .payload = 9, V4},
    {"df", DLT_EN10MB, NET_OK, LK_ETH, {0}, .frag = 0x4000, .payload = 9, V4},
    {"eth-padding4", DLT_EN10MB, NET_OK, LK_ETH, {0}, .pad = 6, V4},
    {"eth-padding6", DLT_EN10MB, NET_OK, LK_ETH, {0}, .payload = 2, .pad = 4,
     V6},
    {"tso4", DLT_EN10MB, NET_OK, LK_ETH, {0}, .ip_len_zero = true,
     .payload = 1000, V4},
    {"tso6", DLT_EN10MB, NET_OK, LK_ETH, {0}, .ip_len_zero = true,
     .payload = 1000, V6},
    {"snap4", DLT_EN10MB, NET_OK, LK_ETH, {0}, .ip_len_delta = 300,
     .payload = 10, V4, .want_missing = 300},
    {"snap6", DLT_EN10MB, NET_OK, LK_ETH, {0}, .ip_len_delta = 500,
     .payload = 10, V6, .want_missing = 500},
    {"ext-all", DLT_EN10MB, NET_OK, LK_ETH, {0},
     .ext = {0, 60, 43, 44, 51, 60}, .n_ext = 6, .payload = 20, V6},
    {"ext-8", DLT_EN10MB, NET_OK, LK_ETH, {0},
     .ext = {0, 60, 60, 60, 60, 60, 60, 60}, .n_ext = 8, .payload = 20, V6},
    {"atomic-fragment", DLT_EN10MB, NET_OK, LK_ETH, {0}, .ext = {44},
     .n_ext = 1, .frag6 = 0x0000, .payload = 20, V6},
    /* not ours */
    {"unsupported-dlt", DLT_IEEE802_11, NET_LINKTYPE_UNSUPPORTED, LK_NONE,
     {0}, V4},
    {"arp", DLT_EN10MB, NET_NOT_IP, LK_ETH, {0}, .ethertype = 0x0806, V4},
    {"802.3-length", DLT_EN10MB, NET_NOT_IP, LK_ETH, {0},
     .ethertype = 0x0050, V4},
    {"vlan-arp", DLT_EN10MB, NET_NOT_IP, LK_ETH, {0x8100},
     .ethertype = 0x0806, V4},
    {"sll-other", DLT_LINUX_SLL, NET_NOT_IP, LK_SLL, {0},
     .ethertype = 0x0004, V4},
    {"null-other-af", DLT_NULL, NET_NOT_IP, LK_NULL, {0}, .af = 7, V4},
    {"raw-version-5", DLT_RAW, NET_NOT_IP, LK_NONE, {0}, .vbyte = 0x55, V4},
    {"udp4", DLT_EN10MB, NET_NOT_TCP, LK_ETH, {0}, .proto = 17, V4},
    {"udp6", DLT_EN10MB, NET_NOT_TCP, LK_ETH, {0}, .proto = 17, V6},
    {"udp6-after-ext", DLT_EN10MB, NET_NOT_TCP, LK_ETH, {0}, .proto = 17,
     .ext = {0, 60}, .n_ext = 2, V6},
    {"esp6", DLT_EN10MB, NET_NOT_TCP, LK_ETH, {0}, .proto = 50, V6},
    {"no-next6", DLT_EN10MB, NET_NOT_TCP, LK_ETH, {0}, .proto = 59, V6},
    {"frag4-mf", DLT_EN10MB, NET_FRAGMENT, LK_ETH, {0}, .frag = 0x2000, V4},
    {"frag4-offset", DLT_EN10MB, NET_FRAGMENT, LK_ETH, {0}, .frag = 0x0010,
     V4},
    {"frag4-udp", DLT_EN10MB, NET_FRAGMENT, LK_ETH, {0}, .frag = 0x2000,
     .proto = 17, V4},
    {"frag6-first", DLT_EN10MB, NET_FRAGMENT, LK_ETH, {0}, .ext = {0, 44},
     .n_ext = 2, .frag6 = 0x0001, V6},
    {"frag6-later", DLT_EN10MB, NET_FRAGMENT, LK_ETH, {0}, .ext = {44},
     .n_ext = 1, .frag6 = 0x00b8, V6},
    /* contradictions */
    {"ihl-4", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0}, .vbyte = 0x44, V4},
    {"v6-in-0800", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0},
     .ethertype = 0x0800, V6},
    {"v4-in-86dd", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0},
     .ethertype = 0x86dd, V4},
    {"total-below-ihl", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0},
     .ip_len_delta = -30, V4},
    {"tcp-shorter-than-20", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0},
     .ip_len_delta = -10, V4},
    {"tcp-shorter-than-20-v6", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0},
     .ip_len_delta = -1, V6},
    {"doff-4", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0}, .doff = 4, V4},
    {"doff-beyond-ip", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0}, .doff = 15,
     .payload = 10, V4},
    {"doff-beyond-ip6", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0}, .doff = 15,
     .payload = 39, V6},
    {"ipv4-options-beyond-total", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0},
     .ipv4_opt_words = 10, .ip_len_delta = -60, .payload = 20, V4},
    {"ext-beyond-plen", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0}, .ext = {0},
     .n_ext = 1, .ip_len_delta = -24, V6},
    {"ext-9", DLT_EN10MB, NET_MALFORMED, LK_ETH, {0},
     .ext = {0, 60, 60, 60, 60, 60, 60, 60, 60}, .n_ext = 9, V6},
    {"9-tags", DLT_EN10MB, NET_MALFORMED, LK_ETH,
     {0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100,
      0x8100}, V4},
};
// clang-format on
#define NVECS (sizeof vecs / sizeof vecs[0])

/* A packet placed so that its last byte is the last readable one. */
struct guarded {
	uint8_t *base;
	size_t page;
};

static struct guarded guard_new(void)
{
	struct guarded g;
	g.page = (size_t)sysconf(_SC_PAGESIZE);
	g.base = mmap(NULL, 2 * g.page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g.base, MAP_FAILED);
	ck_assert_int_eq(mprotect(g.base + g.page, g.page, PROT_NONE), 0);
	return g;
}

static const uint8_t *guard_put(struct guarded *g, const uint8_t *p, size_t n)
{
	ck_assert_uint_le(n, g->page);
	uint8_t *at = g->base + g->page - n;
	memcpy(at, p, n);
	return at;
}

static void guard_free(struct guarded *g)
{
	munmap(g->base, 2 * g->page);
}

static void check_ok_fields(const struct vec *v, const struct net_tcp *t,
			    const uint8_t *pkt, size_t payload_off)
{
	ck_assert_uint_eq(t->sport, SPORT);
	ck_assert_uint_eq(t->dport, DPORT);
	ck_assert_uint_eq(t->seq, SEQ);
	ck_assert_uint_eq(t->ack, ACK);
	ck_assert_uint_eq(t->flags, FLAGS);
	ck_assert_uint_eq(t->src.family, v->ipv);
	ck_assert_uint_eq(t->dst.family, v->ipv);
	if (v->ipv == 4) {
		ck_assert_mem_eq(t->src.a, SRC4, 4);
		ck_assert_mem_eq(t->dst.a, DST4, 4);
	} else {
		ck_assert_mem_eq(t->src.a, SRC6, 16);
		ck_assert_mem_eq(t->dst.a, DST6, 16);
	}
	ck_assert_uint_eq(t->outer.vlan[0], v->want_vlan[0]);
	ck_assert_uint_eq(t->outer.vlan[1], v->want_vlan[1]);
	ck_assert_uint_eq(t->payload_len, v->payload);
	if (v->payload)
		ck_assert_ptr_eq(t->payload, pkt + payload_off);
}

START_TEST(test_vectors)
{
	const struct vec *v = &vecs[_i];
	struct buf b;
	size_t off;
	build(v, &b, &off);
	struct guarded g = guard_new();
	const uint8_t *p = guard_put(&g, b.b, b.n);
	struct net_tcp t;
	enum net_result r = net_decode(v->dlt, p, (uint32_t)b.n, &t);
	ck_assert_msg(r == v->want, "%s: got %d, want %d", v->name, r, v->want);
	if (r == NET_OK) {
		check_ok_fields(v, &t, p, off);
		ck_assert_uint_eq(t.payload_missing, v->want_missing);
	}
	guard_free(&g);
}
END_TEST

/* Every cut of a full packet: either the headers are incomplete
 * (NET_TRUNCATED) or the payload is what was left, and what was cut off
 * is counted as missing. Never a read past caplen (the guard page). */
START_TEST(test_truncation)
{
	const struct vec *v = &vecs[_i];
	struct buf b;
	size_t off;
	build(v, &b, &off);
	if (v->want != NET_OK || v->ip_len_zero || v->want_missing)
		return; /* their length claims depend on caplen */
	struct guarded g = guard_new();
	for (size_t cap = 0; cap <= b.n; cap++) {
		const uint8_t *p = guard_put(&g, b.b, cap);
		struct net_tcp t;
		enum net_result r = net_decode(v->dlt, p, (uint32_t)cap, &t);
		if (cap < off) {
			ck_assert_msg(r == NET_TRUNCATED, "%s cut at %zu: %d",
				      v->name, cap, r);
			continue;
		}
		ck_assert_msg(r == NET_OK, "%s cut at %zu: %d", v->name, cap,
			      r);
		size_t have = cap - off < v->payload ? cap - off : v->payload;
		ck_assert_uint_eq(t.payload_len, have);
		ck_assert_uint_eq(t.payload_missing, v->payload - have);
		if (have)
			ck_assert_ptr_eq(t.payload, p + off);
	}
	guard_free(&g);
}
END_TEST

/* Random damage to every vector: whatever the verdict, nothing is read
 * beyond caplen and an OK payload lies inside the packet. */
START_TEST(test_mutations)
{
	struct guarded g = guard_new();
	unsigned seed = 3260;
	for (size_t i = 0; i < NVECS; i++) {
		struct buf b;
		size_t off;
		build(&vecs[i], &b, &off);
		for (int round = 0; round < 2000; round++) {
			struct buf m = b;
			int flips = 1 + rand_r(&seed) % 4;
			for (int k = 0; k < flips; k++)
				m.b[(size_t)rand_r(&seed) % m.n] =
				    (uint8_t)rand_r(&seed);
			size_t cap = (size_t)rand_r(&seed) % (m.n + 1);
			const uint8_t *p = guard_put(&g, m.b, cap);
			struct net_tcp t;
			enum net_result r =
			    net_decode(vecs[i].dlt, p, (uint32_t)cap, &t);
			if (r != NET_OK)
				continue;
			ck_assert_uint_le(t.payload_len, cap);
			if (t.payload_len)
				ck_assert(t.payload >= p &&
					  t.payload + t.payload_len <= p + cap);
		}
	}
	guard_free(&g);
}
END_TEST

START_TEST(test_counters)
{
	ck_assert_int_eq(net_result_counter(NET_OK), CTR_MAX);
	ck_assert_int_eq(net_result_counter(NET_LINKTYPE_UNSUPPORTED),
			 CTR_PKT_LINKTYPE_UNSUPPORTED);
	ck_assert_int_eq(net_result_counter(NET_NOT_IP), CTR_PKT_NOT_IP);
	ck_assert_int_eq(net_result_counter(NET_NOT_TCP), CTR_PKT_NOT_TCP);
	ck_assert_int_eq(net_result_counter(NET_FRAGMENT), CTR_PKT_IP_FRAGMENT);
	ck_assert_int_eq(net_result_counter(NET_MALFORMED), CTR_PKT_MALFORMED);
	ck_assert_int_eq(net_result_counter(NET_TRUNCATED), CTR_PKT_TRUNCATED);
}
END_TEST

START_TEST(test_addr_str)
{
	char s[64];
	struct net_addr a4 = {4, {192, 0, 2, 1}};
	struct net_addr a6 = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	struct net_addr bad = {5, {0}};
	ck_assert_str_eq(net_addr_str(&a4, s, sizeof s), "192.0.2.1");
	ck_assert_str_eq(net_addr_str(&a6, s, sizeof s), "2001:db8::1");
	ck_assert_str_eq(net_addr_str(&bad, s, sizeof s), "?");
	ck_assert_str_eq(net_addr_str(&a4, s, 4), "?"); /* too small */
	ck_assert_str_eq(net_addr_str(&a4, s, 1), "");
}
END_TEST

/* libpcap's answer for a LINKTYPE_RAW file is DLT_RAW, whose value
 * differs between platforms; both must decode. */
START_TEST(test_raw_values)
{
	ck_assert_int_ne(DLT_RAW, LINKTYPE_RAW);
	ck_assert_int_ne(DLT_LOOP, DLT_RAW);
}
END_TEST

Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_vectors, 0, (int)NVECS);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_addr_str);
	tcase_add_test(tc, test_raw_values);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_truncation, 0, (int)NVECS);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return s;
}
