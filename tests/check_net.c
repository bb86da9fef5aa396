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
	ck_assert_int_eq(net_result_counter(NET_TUNNEL_DEEP),
			 CTR_PKT_TUNNEL_DEEP);
	ck_assert_int_eq(net_result_counter(NET_TUNNEL_UNSUPPORTED),
			 CTR_PKT_TUNNEL_UNSUPPORTED);
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

/* ---- tunnels: the inner packet of "eth4" wrapped layer by layer ---- */

enum kind { K_IP4, K_IP6, K_ETH, K_MPLS, K_PPPOE };

enum tl {
	TL_END,
	TL_ETH,      /* Ethernet (ethertype from what it carries) */
	TL_VLAN100,  /* Ethernet with tag 100 */
	TL_VLAN300,  /* Ethernet with tag 300 */
	TL_GRE,      /* IPv4 / GRE, protocol from what it carries */
	TL_GRE_KCS,  /* the same with checksum, key and sequence number */
	TL_GRE6,     /* IPv6 / GRE */
	TL_GRE_V1,   /* GRE version 1 (PPTP) */
	TL_GRE_R,    /* GRE with the routing bit */
	TL_GRE_PPP,  /* GRE announcing PPP (0x880b) */
	TL_GRE_K,    /* IPv4 / GRE with key 0x01020304 only */
	TL_NVGRE,    /* IPv4 / NVGRE (K, 0x6558) VSID 0x1001 FlowID 0x22 */
	TL_NVGRE_F2, /* ... the same VSID, FlowID 0x99 */
	TL_NVGRE_B,  /* ... VSID 0x1002, FlowID 0x22 */
	TL_NVGRE_S,  /* ... VSID 0x1001 with S set: not NVGRE, a plain key */
	TL_GRETAP_K, /* IPv4 / GRE (K, 0x6558) key 100: a gretap's, whole */
	TL_ERSPAN1,  /* IPv4 / GRE 0x88be, no sequence number */
	TL_ERSPAN2,  /* IPv4 / GRE S 0x88be / ERSPAN II session 7 */
	TL_ERSPAN2_BADVER,
	TL_ERSPAN3,  /* IPv4 / GRE S 0x22eb / ERSPAN III session 9 */
	TL_ERSPAN3_O, /* ... with the 8-byte platform subheader */
	TL_ERSPAN3_IP, /* ... FT 2: an IP packet */
	TL_ERSPAN3_FT1,
	TL_VXLAN,    /* IPv4 / UDP 4789 / VXLAN 5000 */
	TL_VXLAN_NOI, /* VXLAN without the I flag */
	TL_GENEVE,   /* IPv4 / UDP 6081 / Geneve 6000, one option */
	TL_GENEVE_V1,
	TL_UDP_OTHER, /* IPv4 / UDP 4790: not a tunnel we take */
	TL_UDP_SHORT, /* VXLAN whose UDP length is 4 bytes short */
	TL_MPLS,     /* labels 16, 17 */
	TL_MPLS_PW,  /* label 18, a control word: Ethernet pseudowire */
	TL_MPLS_17,  /* 17 labels, no bottom of stack in reach */
	TL_PPPOE,    /* session 0x1234, PPP 0x0021/0x0057 */
	TL_PPPOE_PFC, /* the protocol compressed to one byte */
	TL_PPPOE_LCP, /* PPP 0xc021 */
	TL_IPIP,     /* IPv4 / IPv4 or IPv6 */
};

struct tvec {
	const char *name;
	enum tl layers[8]; /* innermost first */
	int ipv;           /* inner IP version */
	enum net_result want;
	uint16_t tunnels;
	uint8_t depth;
	uint16_t vlan[3];
	int32_t vni;    /* -1: none */
	int32_t erspan; /* -1: none */
	bool has_key;   /* a GRE key, and whether it is NVGRE's */
	uint32_t key;
	bool nvgre;
};

static uint16_t kind_ethertype(enum kind k)
{
	static const uint16_t t[] = {0x0800, 0x86dd, 0x6558, 0x8847, 0x8864};
	return t[k];
}

/* Prepends hdr[0..n) to b. */
static void prepend(struct buf *b, const struct buf *hdr)
{
	ck_assert_uint_le(b->n + hdr->n, sizeof b->b);
	memmove(b->b + hdr->n, b->b, b->n);
	memcpy(b->b, hdr->b, hdr->n);
	b->n += hdr->n;
}

static void put_ip4(struct buf *h, uint8_t proto, size_t inner)
{
	put8(h, 0x45);
	put8(h, 0);
	put16(h, (unsigned)(20 + inner));
	put16(h, 0x4321);
	put16(h, 0x4000);
	put8(h, 64);
	put8(h, proto);
	put16(h, 0);
	put32(h, 0xc0000201);
	put32(h, 0xc0000202);
}

static void put_ip6(struct buf *h, uint8_t nh, size_t inner)
{
	put32(h, 0x60000000);
	put16(h, (unsigned)inner);
	put8(h, nh);
	put8(h, 64);
	put8(h, 0x20);
	putn(h, 0, 14);
	put8(h, 1);
	put8(h, 0x20);
	putn(h, 0, 14);
	put8(h, 2);
}

/* GRE flags word and protocol, then 4 bytes per C, K, S (the key is
 * `key`, the others 0x01020304). */
static void put_gre_key(struct buf *h, uint16_t flags, uint16_t proto,
			uint32_t key)
{
	put16(h, flags);
	put16(h, proto);
	for (unsigned bit = 0x8000; bit >= 0x1000; bit >>= 1)
		if ((flags & bit) && bit != 0x4000)
			put32(h, bit == 0x2000 ? key : 0x01020304);
}

static void put_gre(struct buf *h, uint16_t flags, uint16_t proto)
{
	put_gre_key(h, flags, proto, 0x01020304);
}

static void put_udp(struct buf *h, uint16_t dport, size_t inner, int delta)
{
	put16(h, 49152);
	put16(h, dport);
	put16(h, (unsigned)((int)(8 + inner) + delta));
	put16(h, 0);
}

/* Wraps b (of kind *k) in layer l. The outer IP and UDP lengths count
 * what follows them. */
static void wrap(struct buf *b, enum kind *k, enum tl l)
{
	struct buf h;
	memset(&h, 0, sizeof h);
	size_t n = b->n;
	uint16_t et = kind_ethertype(*k);
	switch (l) {
	case TL_ETH:
	case TL_VLAN100:
	case TL_VLAN300:
		putn(&h, 0x02, 12);
		if (l != TL_ETH) {
			put16(&h, 0x8100);
			put16(&h, l == TL_VLAN100 ? 100 : 300);
		}
		put16(&h, et);
		*k = K_ETH;
		break;
	case TL_GRE:
	case TL_GRE_KCS:
	case TL_GRE_V1:
	case TL_GRE_R:
	case TL_GRE_PPP: {
		uint16_t fl = l == TL_GRE_KCS ? 0xb000
			      : l == TL_GRE_V1 ? 0x0001
			      : l == TL_GRE_R ? 0x4000
					      : 0;
		size_t gl = 4 + (l == TL_GRE_KCS ? 12 : l == TL_GRE_R ? 0 : 0);
		put_ip4(&h, 47, gl + n);
		put_gre(&h, fl, l == TL_GRE_PPP ? 0x880b : et);
		*k = K_IP4;
		break;
	}
	case TL_GRE_K:
	case TL_NVGRE:
	case TL_NVGRE_F2:
	case TL_NVGRE_B:
	case TL_NVGRE_S:
	case TL_GRETAP_K: {
		static const uint32_t keys[] = {
		    [TL_GRE_K] = 0x01020304,   [TL_NVGRE] = 0x00100122,
		    [TL_NVGRE_F2] = 0x00100199, [TL_NVGRE_B] = 0x00100222,
		    [TL_NVGRE_S] = 0x00100122, [TL_GRETAP_K] = 100,
		};
		uint16_t fl = l == TL_NVGRE_S ? 0x3000 : 0x2000;
		put_ip4(&h, 47, (fl == 0x3000 ? 12 : 8) + n);
		put_gre_key(&h, fl, et, keys[l]);
		*k = K_IP4;
		break;
	}
	case TL_GRE6:
		put_ip6(&h, 47, 4 + n);
		put_gre(&h, 0, et);
		*k = K_IP6;
		break;
	case TL_ERSPAN1:
		put_ip4(&h, 47, 4 + n);
		put_gre(&h, 0, 0x88be);
		*k = K_IP4;
		break;
	case TL_ERSPAN2:
	case TL_ERSPAN2_BADVER:
		put_ip4(&h, 47, 8 + 8 + n);
		put_gre(&h, 0x1000, 0x88be);
		put16(&h, l == TL_ERSPAN2 ? 0x1000 : 0x2000);
		put16(&h, 0x1800 | 7); /* En 3, session 7 */
		put32(&h, 0);
		*k = K_IP4;
		break;
	case TL_ERSPAN3:
	case TL_ERSPAN3_O:
	case TL_ERSPAN3_IP:
	case TL_ERSPAN3_FT1: {
		bool o = l == TL_ERSPAN3_O;
		unsigned ft = l == TL_ERSPAN3_IP ? 2 : l == TL_ERSPAN3_FT1 ? 1 : 0;
		put_ip4(&h, 47, 8 + 12 + (o ? 8 : 0) + n);
		put_gre(&h, 0x1000, 0x22eb);
		put16(&h, 0x2000);
		put16(&h, 9);
		put32(&h, 0xdeadbeef); /* timestamp */
		put16(&h, 0);          /* SGT */
		put16(&h, (ft << 10) | (o ? 1 : 0));
		if (o)
			putn(&h, 0x5a, 8);
		*k = K_IP4;
		break;
	}
	case TL_VXLAN:
	case TL_VXLAN_NOI:
	case TL_UDP_OTHER:
	case TL_UDP_SHORT:
		put_ip4(&h, 17, 8 + 8 + n);
		put_udp(&h, l == TL_UDP_OTHER ? 4790 : 4789, 8 + n,
			l == TL_UDP_SHORT ? -4 : 0);
		put8(&h, l == TL_VXLAN_NOI ? 0 : 0x08);
		putn(&h, 0, 3);
		put32(&h, 5000u << 8);
		*k = K_IP4;
		break;
	case TL_GENEVE:
	case TL_GENEVE_V1:
		put_ip4(&h, 17, 8 + 16 + n);
		put_udp(&h, 6081, 16 + n, 0);
		put8(&h, (l == TL_GENEVE_V1 ? 0x40 : 0) | 2); /* 2 words */
		put8(&h, 0);
		put16(&h, et);
		put32(&h, 6000u << 8);
		put16(&h, 0x0102);
		put8(&h, 3);
		put8(&h, 1);
		put32(&h, 0xaabbccdd);
		*k = K_IP4;
		break;
	case TL_MPLS:
		put32(&h, (16u << 12) | 64);
		put32(&h, (17u << 12) | 0x100 | 64);
		*k = K_MPLS;
		break;
	case TL_MPLS_PW:
		put32(&h, (18u << 12) | 0x100 | 64);
		put32(&h, 0); /* control word */
		*k = K_MPLS;
		break;
	case TL_MPLS_17:
		for (unsigned i = 0; i < 17; i++)
			put32(&h, ((100u + i) << 12) | 64);
		*k = K_MPLS;
		break;
	case TL_PPPOE:
	case TL_PPPOE_PFC:
	case TL_PPPOE_LCP: {
		unsigned pl = l == TL_PPPOE_PFC ? 1 : 2;
		put8(&h, 0x11);
		put8(&h, 0);
		put16(&h, 0x1234);
		put16(&h, (unsigned)(pl + n));
		if (l == TL_PPPOE_LCP)
			put16(&h, 0xc021);
		else if (pl == 1)
			put8(&h, *k == K_IP4 ? 0x21 : 0x57);
		else
			put16(&h, *k == K_IP4 ? 0x0021 : 0x0057);
		*k = K_PPPOE;
		break;
	}
	case TL_IPIP:
		put_ip4(&h, *k == K_IP4 ? 4 : 41, n);
		*k = K_IP4;
		break;
	case TL_END:
		return;
	}
	prepend(b, &h);
}

#define NOVNI .vni = -1
#define NOERS .erspan = -1
#define NONE NOVNI, NOERS

// clang-format off
static const struct tvec tvecs[] = {
    {"erspan1", {TL_ETH, TL_ERSPAN1}, 4, NET_OK, NET_TUN_ERSPAN, 1, {0}, NONE},
    {"erspan2", {TL_ETH, TL_ERSPAN2}, 4, NET_OK, NET_TUN_ERSPAN, 1, {0}, NOVNI, .erspan = 7},
    {"erspan2-vlan-inside", {TL_VLAN100, TL_ERSPAN2, TL_VLAN300}, 6, NET_OK, NET_TUN_ERSPAN, 1, {300, 100}, NOVNI, .erspan = 7},
    {"erspan3", {TL_ETH, TL_ERSPAN3}, 4, NET_OK, NET_TUN_ERSPAN, 1, {0}, NOVNI, .erspan = 9},
    {"erspan3-subheader", {TL_ETH, TL_ERSPAN3_O}, 6, NET_OK, NET_TUN_ERSPAN, 1, {0}, NOVNI, .erspan = 9},
    {"erspan3-ip", {TL_ERSPAN3_IP}, 4, NET_OK, NET_TUN_ERSPAN, 1, {0}, NOVNI, .erspan = 9},
    {"gre-ip4", {TL_GRE}, 4, NET_OK, NET_TUN_GRE, 1, {0}, NONE},
    {"gre-ip6", {TL_GRE}, 6, NET_OK, NET_TUN_GRE, 1, {0}, NONE},
    {"gre-kcs", {TL_GRE_KCS}, 4, NET_OK, NET_TUN_GRE, 1, {0}, NONE, .has_key = true, .key = 0x01020304},
    {"gre-key", {TL_GRE_K}, 6, NET_OK, NET_TUN_GRE, 1, {0}, NONE, .has_key = true, .key = 0x01020304},
    {"nvgre", {TL_VLAN100, TL_NVGRE}, 4, NET_OK, NET_TUN_GRE, 1, {100}, NONE, .has_key = true, .key = 0x00100122, .nvgre = true},
    {"nvgre-flowid", {TL_ETH, TL_NVGRE_F2}, 4, NET_OK, NET_TUN_GRE, 1, {0}, NONE, .has_key = true, .key = 0x00100199, .nvgre = true},
    {"nvgre-with-seq", {TL_ETH, TL_NVGRE_S}, 4, NET_OK, NET_TUN_GRE, 1, {0}, NONE, .has_key = true, .key = 0x00100122},
    {"gretap-small-key", {TL_ETH, TL_GRETAP_K}, 4, NET_OK, NET_TUN_GRE, 1, {0}, NONE, .has_key = true, .key = 100},
    {"vxlan-in-keyed-gre", {TL_ETH, TL_VXLAN, TL_GRE_K}, 4, NET_OK, NET_TUN_GRE | NET_TUN_VXLAN, 2, {0}, .vni = 5000, NOERS, .has_key = true, .key = 0x01020304},
    {"gre-over-ip6", {TL_GRE6}, 4, NET_OK, NET_TUN_GRE, 1, {0}, NONE},
    {"gre-teb", {TL_ETH, TL_GRE}, 4, NET_OK, NET_TUN_GRE, 1, {0}, NONE},
    {"gre-mpls", {TL_MPLS, TL_GRE}, 4, NET_OK, NET_TUN_GRE | NET_TUN_MPLS, 2, {0}, NONE},
    {"vxlan", {TL_ETH, TL_VXLAN}, 4, NET_OK, NET_TUN_VXLAN, 1, {0}, .vni = 5000, NOERS},
    {"vlan-vxlan-vlan", {TL_VLAN100, TL_VXLAN, TL_VLAN300}, 4, NET_OK, NET_TUN_VXLAN, 1, {300, 100}, .vni = 5000, NOERS},
    {"geneve", {TL_ETH, TL_GENEVE}, 6, NET_OK, NET_TUN_GENEVE, 1, {0}, .vni = 6000, NOERS},
    {"mpls", {TL_MPLS, TL_ETH}, 4, NET_OK, NET_TUN_MPLS, 1, {0}, NONE},
    {"mpls6", {TL_MPLS, TL_ETH}, 6, NET_OK, NET_TUN_MPLS, 1, {0}, NONE},
    {"mpls-pw", {TL_ETH, TL_MPLS_PW, TL_ETH}, 4, NET_OK, NET_TUN_MPLS, 1, {0}, NONE},
    {"pppoe", {TL_PPPOE, TL_ETH}, 4, NET_OK, NET_TUN_PPPOE, 1, {0}, NONE},
    {"pppoe6", {TL_PPPOE, TL_VLAN100}, 6, NET_OK, NET_TUN_PPPOE, 1, {100}, NONE},
    {"pppoe-pfc", {TL_PPPOE_PFC, TL_ETH}, 4, NET_OK, NET_TUN_PPPOE, 1, {0}, NONE},
    {"ipip", {TL_IPIP}, 4, NET_OK, NET_TUN_IPIP, 1, {0}, NONE},
    {"ip6-in-ip4", {TL_IPIP}, 6, NET_OK, NET_TUN_IPIP, 1, {0}, NONE},
    {"erspan-vxlan-gre-gre", {TL_ETH, TL_VXLAN, TL_GRE, TL_GRE, TL_ETH, TL_ERSPAN2}, 4, NET_OK,
     NET_TUN_ERSPAN | NET_TUN_GRE | NET_TUN_VXLAN, 4, {0}, .vni = 5000, .erspan = 7},
    {"4-gre", {TL_GRE, TL_GRE, TL_GRE, TL_GRE}, 4, NET_OK, NET_TUN_GRE, 4, {0}, NONE},
    /* the bound */
    {"5-gre", {TL_GRE, TL_GRE, TL_GRE, TL_GRE, TL_GRE}, 4, NET_TUNNEL_DEEP, 0, 0, {0}, NONE},
    {"5-mixed", {TL_ETH, TL_VXLAN, TL_MPLS, TL_GRE, TL_IPIP, TL_PPPOE, TL_ETH}, 4, NET_TUNNEL_DEEP, 0, 0, {0}, NONE},
    /* not decoded */
    {"gre-v1", {TL_GRE_V1}, 4, NET_TUNNEL_UNSUPPORTED, 0, 0, {0}, NONE},
    {"gre-routing", {TL_GRE_R}, 4, NET_TUNNEL_UNSUPPORTED, 0, 0, {0}, NONE},
    {"gre-ppp", {TL_GRE_PPP}, 4, NET_TUNNEL_UNSUPPORTED, 0, 0, {0}, NONE},
    {"geneve-v1", {TL_ETH, TL_GENEVE_V1}, 4, NET_TUNNEL_UNSUPPORTED, 0, 0, {0}, NONE},
    {"erspan3-ft1", {TL_ERSPAN3_FT1}, 4, NET_TUNNEL_UNSUPPORTED, 0, 0, {0}, NONE},
    {"udp-4790", {TL_ETH, TL_UDP_OTHER}, 4, NET_NOT_TCP, 0, 0, {0}, NONE},
    {"pppoe-lcp", {TL_PPPOE_LCP, TL_ETH}, 4, NET_NOT_IP, 0, 0, {0}, NONE},
    /* contradictions */
    {"vxlan-no-i", {TL_ETH, TL_VXLAN_NOI}, 4, NET_MALFORMED, 0, 0, {0}, NONE},
    {"erspan2-version", {TL_ETH, TL_ERSPAN2_BADVER}, 4, NET_MALFORMED, 0, 0, {0}, NONE},
    {"udp-shorter-than-inner", {TL_ETH, TL_UDP_SHORT}, 4, NET_MALFORMED, 0, 0, {0}, NONE},
    {"mpls-17-labels", {TL_MPLS_17, TL_ETH}, 4, NET_MALFORMED, 0, 0, {0}, NONE},
};
// clang-format on
#define NTVECS (sizeof tvecs / sizeof tvecs[0])

/* The inner packet (eth4's IP and TCP, 10 bytes of payload), wrapped;
 * *payload_off: where its payload ends up. */
static void tbuild(const struct tvec *v, struct buf *b, size_t *payload_off)
{
	struct vec in = {"inner", DLT_RAW, NET_OK, LK_NONE, {0}, .payload = 10,
			 .ipv = v->ipv};
	size_t off;
	build(&in, b, &off);
	enum kind k = v->ipv == 6 ? K_IP6 : K_IP4;
	size_t before = b->n;
	for (unsigned i = 0; i < 8 && v->layers[i] != TL_END; i++)
		wrap(b, &k, v->layers[i]);
	if (k != K_ETH)
		wrap(b, &k, TL_ETH);
	*payload_off = off + (b->n - before);
}

START_TEST(test_tunnels)
{
	const struct tvec *v = &tvecs[_i];
	struct buf b;
	size_t off;
	tbuild(v, &b, &off);
	struct guarded g = guard_new();
	const uint8_t *p = guard_put(&g, b.b, b.n);
	struct net_tcp t;
	enum net_result r = net_decode(DLT_EN10MB, p, (uint32_t)b.n, &t);
	ck_assert_msg(r == v->want, "%s: got %d, want %d", v->name, r, v->want);
	if (r == NET_OK) {
		ck_assert_uint_eq(t.sport, SPORT);
		ck_assert_uint_eq(t.dport, DPORT);
		ck_assert_uint_eq(t.seq, SEQ);
		ck_assert_uint_eq(t.src.family, v->ipv);
		ck_assert_mem_eq(t.src.a, v->ipv == 4 ? SRC4 : SRC6,
				 v->ipv == 4 ? 4 : 16);
		ck_assert_uint_eq(t.payload_len, 10);
		ck_assert_ptr_eq(t.payload, p + off);
		ck_assert_uint_eq(t.payload_missing, 0);
		ck_assert_uint_eq(t.outer.tunnels, v->tunnels);
		ck_assert_uint_eq(t.outer.depth, v->depth);
		unsigned nv = 0;
		while (nv < 3 && v->vlan[nv])
			nv++;
		ck_assert_uint_eq(t.outer.nvlan, nv);
		for (unsigned i = 0; i < nv; i++)
			ck_assert_uint_eq(t.outer.vlan[i], v->vlan[i]);
		ck_assert(t.outer.has_vni == (v->vni >= 0));
		if (v->vni >= 0)
			ck_assert_uint_eq(t.outer.vni, (uint32_t)v->vni);
		ck_assert(t.outer.has_erspan_session == (v->erspan >= 0));
		if (v->erspan >= 0)
			ck_assert_uint_eq(t.outer.erspan_session,
					  (uint32_t)v->erspan);
		ck_assert(t.outer.has_gre_key == v->has_key);
		if (v->has_key) {
			ck_assert_uint_eq(t.outer.gre_key, v->key);
			ck_assert(t.outer.nvgre == v->nvgre);
		}
		ck_assert_uint_eq(t.domain, net_domain(&t.outer));
	}
	guard_free(&g);
}
END_TEST

/* The domain of the eth4 packet wrapped in `inner`, then `outer`. */
static uint64_t wrapped_domain(enum tl inner, enum tl outer)
{
	struct tvec v = {"", {inner, outer}, 4, NET_OK, 0, 0, {0}, NONE};
	struct buf b;
	size_t off;
	tbuild(&v, &b, &off);
	struct net_tcp t;
	ck_assert_int_eq(net_decode(DLT_EN10MB, b.b, (uint32_t)b.n, &t),
			 NET_OK);
	return t.domain;
}

/* Two NVGRE tenants reusing addresses and ports stay apart by VSID; the
 * FlowID (RFC 7637 per-flow entropy) does not split one tenant's flow;
 * a plain key, the same bits with S set, or a gretap key are keys. */
START_TEST(test_gre_key_domain)
{
	uint64_t a = wrapped_domain(TL_ETH, TL_NVGRE);
	ck_assert_uint_eq(a, NET_DOMAIN_HAS_VSID |
				 0x1001ull << NET_DOMAIN_GRE_SHIFT);
	ck_assert_uint_eq(wrapped_domain(TL_ETH, TL_NVGRE_F2), a);
	ck_assert_uint_eq(wrapped_domain(TL_ETH, TL_NVGRE_B),
			  NET_DOMAIN_HAS_VSID |
			      0x1002ull << NET_DOMAIN_GRE_SHIFT);
	ck_assert_uint_eq(wrapped_domain(TL_ETH, TL_NVGRE_S),
			  NET_DOMAIN_HAS_GRE_KEY |
			      0x00100122ull << NET_DOMAIN_GRE_SHIFT);
	ck_assert_uint_eq(wrapped_domain(TL_ETH, TL_GRETAP_K),
			  NET_DOMAIN_HAS_GRE_KEY |
			      100ull << NET_DOMAIN_GRE_SHIFT);
	ck_assert_uint_eq(wrapped_domain(TL_GRE_K, TL_END),
			  NET_DOMAIN_HAS_GRE_KEY |
			      0x01020304ull << NET_DOMAIN_GRE_SHIFT);
	ck_assert_uint_eq(wrapped_domain(TL_GRE, TL_END), 0);
	ck_assert_uint_eq(wrapped_domain(TL_ETH, TL_GRE), 0);
}
END_TEST

/* Every cut of a tunnelled packet: headers incomplete, or the payload
 * short by what was cut. */
START_TEST(test_tunnel_truncation)
{
	const struct tvec *v = &tvecs[_i];
	if (v->want != NET_OK)
		return;
	struct buf b;
	size_t off;
	tbuild(v, &b, &off);
	struct guarded g = guard_new();
	for (size_t cap = 0; cap <= b.n; cap++) {
		const uint8_t *p = guard_put(&g, b.b, cap);
		struct net_tcp t;
		enum net_result r = net_decode(DLT_EN10MB, p, (uint32_t)cap, &t);
		if (cap < off) {
			ck_assert_msg(r == NET_TRUNCATED, "%s cut at %zu: %d",
				      v->name, cap, r);
			continue;
		}
		ck_assert_msg(r == NET_OK, "%s cut at %zu: %d", v->name, cap, r);
		ck_assert_uint_eq(t.payload_len, cap - off);
		ck_assert_uint_eq(t.payload_missing, 10 - (cap - off));
	}
	guard_free(&g);
}
END_TEST

START_TEST(test_tunnel_mutations)
{
	struct guarded g = guard_new();
	unsigned seed = 4789;
	for (size_t i = 0; i < NTVECS; i++) {
		struct buf b;
		size_t off;
		tbuild(&tvecs[i], &b, &off);
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
			    net_decode(DLT_EN10MB, p, (uint32_t)cap, &t);
			ck_assert_uint_le(t.outer.depth, NET_ENCAP_MAX);
			ck_assert_uint_le(t.outer.nvlan, NET_OUTER_VLANS);
			if (r == NET_FRAGMENT && t.frag.len)
				ck_assert(t.frag.data >= p &&
					  t.frag.data + t.frag.len <= p + cap);
			if (r != NET_OK)
				continue;
			if (t.payload_len)
				ck_assert(t.payload >= p &&
					  t.payload + t.payload_len <= p + cap);
		}
	}
	guard_free(&g);
}
END_TEST

/* The flow key's domain: VLAN ids nearest the IP, VNI, ERSPAN session,
 * with presence bits (VNI 0 is not "no VNI"). */
START_TEST(test_domain)
{
	struct net_outer o;
	memset(&o, 0, sizeof o);
	ck_assert_uint_eq(net_domain(&o), 0);
	o.nvlan = 3;
	o.vlan[0] = 4000;
	o.vlan[1] = 300;
	o.vlan[2] = 100;
	ck_assert_uint_eq(net_domain(&o), 100 | (300u << 12));
	memset(&o, 0, sizeof o);
	o.has_vni = true;
	ck_assert_uint_eq(net_domain(&o), NET_DOMAIN_HAS_VNI);
	o.vni = 0xabcdef;
	o.has_erspan_session = true;
	o.erspan_session = 0x3ff;
	ck_assert_uint_eq(net_domain(&o),
			  NET_DOMAIN_HAS_VNI | NET_DOMAIN_HAS_ERSPAN |
			      (0xabcdefull << NET_DOMAIN_VNI_SHIFT) |
			      (0x3ffull << NET_DOMAIN_ERSPAN_SHIFT));
	ck_assert_uint_eq(net_domain(&o) & NET_DOMAIN_VLAN_MASK, 0);
}
END_TEST

/* GRE keys in the domain: their own kind bits (VNI 5, key 5 and VSID
 * 0x1001 with FlowID 5 never meet), the VLAN bits untouched, and one-to-
 * one over a VNI or an ERSPAN session in either direction. */
START_TEST(test_domain_gre_key)
{
	struct net_outer o, p;
	memset(&o, 0, sizeof o);
	o.has_gre_key = true;
	ck_assert_uint_eq(net_domain(&o), NET_DOMAIN_HAS_GRE_KEY);
	o.gre_key = 5;
	ck_assert_uint_eq(net_domain(&o),
			  NET_DOMAIN_HAS_GRE_KEY | 5ull << NET_DOMAIN_GRE_SHIFT);
	memset(&p, 0, sizeof p);
	p.has_vni = true;
	p.vni = 5;
	ck_assert_uint_ne(net_domain(&o), net_domain(&p));
	o.gre_key = 0xffffffff;
	o.nvlan = 2;
	o.vlan[0] = 4095;
	o.vlan[1] = 4095;
	ck_assert_uint_eq(net_domain(&o),
			  NET_DOMAIN_HAS_GRE_KEY | 0xffffffull |
			      0xffffffffull << NET_DOMAIN_GRE_SHIFT);
	/* NVGRE: the VSID, whatever the FlowID. */
	memset(&o, 0, sizeof o);
	o.has_gre_key = o.nvgre = true;
	o.gre_key = 0x00100105;
	uint64_t d = net_domain(&o);
	ck_assert_uint_eq(d, NET_DOMAIN_HAS_VSID |
				 0x1001ull << NET_DOMAIN_GRE_SHIFT);
	o.gre_key = 0x001001fe;
	ck_assert_uint_eq(net_domain(&o), d);
	o.nvgre = false;
	ck_assert_uint_ne(net_domain(&o), d);
	/* Over VNIs and ERSPAN sessions: one key, every VNI apart; one
	 * VNI, every key apart. */
	memset(&o, 0, sizeof o);
	o.has_vni = o.has_gre_key = o.has_erspan_session = true;
	o.erspan_session = 7;
	uint64_t seen[64];
	unsigned n = 0;
	for (uint32_t key = 0; key < 8; key++)
		for (uint32_t vni = 0; vni < 8; vni++) {
			o.gre_key = key * 0x01010101u;
			o.vni = vni * 0x00100001u;
			seen[n] = net_domain(&o);
			ck_assert_uint_eq(seen[n] & NET_DOMAIN_VLAN_MASK, 0);
			ck_assert(seen[n] & NET_DOMAIN_HAS_VNI);
			ck_assert(seen[n] & NET_DOMAIN_HAS_ERSPAN);
			ck_assert(seen[n] & NET_DOMAIN_HAS_GRE_KEY);
			for (unsigned i = 0; i < n; i++)
				if (i / 8 == n / 8 || i % 8 == n % 8)
					ck_assert_uint_ne(seen[i], seen[n]);
			n++;
		}
}
END_TEST

/* A fragment says where it goes; the datagram it completes decodes like
 * a packet, keeping the fragments' outer layers. */
START_TEST(test_fragment_fields)
{
	struct vec v = {"frag", DLT_EN10MB, NET_FRAGMENT, LK_ETH, {0x8100},
			.frag = 0x2000 | 3, .payload = 16, V4};
	struct buf b;
	size_t off;
	build(&v, &b, &off);
	struct net_tcp t;
	ck_assert_int_eq(net_decode(DLT_EN10MB, b.b, (uint32_t)b.n, &t),
			 NET_FRAGMENT);
	ck_assert_uint_eq(t.frag.id, 0x1234);
	ck_assert_uint_eq(t.frag.proto, 6);
	ck_assert(t.frag.more);
	ck_assert_uint_eq(t.frag.offset, 24);
	ck_assert_uint_eq(t.frag.len, 20 + 16); /* TCP header + payload */
	ck_assert_ptr_eq(t.frag.data, b.b + off - 20);
	ck_assert_uint_eq(t.outer.vlan[0], 100);
	ck_assert_uint_eq(t.domain, 100);
	/* The fragment's bytes, decoded as a whole datagram. */
	struct net_tcp d = t;
	ck_assert_int_eq(net_decode_datagram(6, t.frag.data, t.frag.len, &d),
			 NET_OK);
	ck_assert_uint_eq(d.sport, SPORT);
	ck_assert_uint_eq(d.payload_len, 16);
	ck_assert_uint_eq(d.domain, 100);
	ck_assert_uint_eq(d.outer.vlan[0], 100);
	ck_assert_mem_eq(d.src.a, SRC4, 4);

	struct vec v6 = {"frag6", DLT_EN10MB, NET_FRAGMENT, LK_ETH, {0},
			 .ext = {0, 44}, .n_ext = 2, .frag6 = 0x0009,
			 .payload = 8, V6};
	build(&v6, &b, &off);
	ck_assert_int_eq(net_decode(DLT_EN10MB, b.b, (uint32_t)b.n, &t),
			 NET_FRAGMENT);
	ck_assert_uint_eq(t.frag.id, 0x12345678);
	ck_assert_uint_eq(t.frag.offset, 8);
	ck_assert(t.frag.more);
	ck_assert_uint_eq(t.frag.proto, 6);
	ck_assert_uint_eq(t.src.family, 6);
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
	tcase_add_loop_test(tc, test_tunnels, 0, (int)NTVECS);
	tcase_add_test(tc, test_domain);
	tcase_add_test(tc, test_domain_gre_key);
	tcase_add_test(tc, test_gre_key_domain);
	tcase_add_test(tc, test_fragment_fields);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_truncation, 0, (int)NVECS);
	tcase_add_loop_test(tc, test_tunnel_truncation, 0, (int)NTVECS);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_tunnel_mutations);
	suite_add_tcase(s, tc);
	return s;
}
