/* fuzz_net.c - libFuzzer target: packets through decapsulation and IP
 * fragment reassembly (net_decode, frag, net_decode_datagram) and on
 * through the engine, with small reassembly caps so that eviction and
 * timeouts are reachable with small inputs.
 *
 * Input: one byte choosing the link type, then records of
 * [time step (1 byte, in 100 ms units)] [length (2 bytes, big-endian)]
 * [that many packet bytes] (a short last record takes what is left).
 * fuzz/seeds.c writes seeds of this form from every capture.
 *
 * Invariants: each packet alone decodes within its bytes (payload and
 * fragment views inside the packet, encapsulation depth within the bound,
 * the domain made from the outer layers); the reassembly table stays
 * within its caps; the engine ends with every datagram counted.
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "frag.h"
#include "net.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static const int linktypes[] = {DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL,
				DLT_LINUX_SLL2, DLT_NULL, DLT_IPV4, DLT_IPV6};

static void check_packet(int lt, const uint8_t *p, uint32_t n)
{
	struct net_tcp t;
	enum net_result r = net_decode(lt, p, n, &t);
	check(t.outer.depth <= NET_ENCAP_MAX);
	check(t.outer.nvlan <= NET_OUTER_VLANS);
	if (r == NET_OK) {
		check(t.payload_len <= n);
		if (t.payload_len)
			check(t.payload >= p && t.payload + t.payload_len <= p + n);
		check(t.domain == net_domain(&t.outer));
	}
	if (r == NET_FRAGMENT) {
		check(t.frag.len <= n);
		if (t.frag.len)
			check(t.frag.data >= p && t.frag.data + t.frag.len <= p + n);
		/* The fragment's bytes as a datagram of their own. */
		struct net_tcp d = t;
		enum net_result rd =
		    net_decode_datagram(t.frag.proto, t.frag.data, t.frag.len, &d);
		if (rd == NET_OK && d.payload_len)
			check(d.payload >= t.frag.data &&
			      d.payload + d.payload_len <= t.frag.data + t.frag.len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int lt = linktypes[data[0] % (sizeof linktypes / sizeof linktypes[0])];
	struct engine_opts eo;
	engine_opts_default(&eo);
	eo.flows.max_flows = 32;
	eo.frags.max_bytes = 16 * 1024;
	eo.frags.max_datagrams = 4;
	eo.frags.timeout_ns = 1000000000ull;
	eo.ignore_vlan = data[0] & 0x80;
	struct engine *eng = engine_new(&eo);
	if (!eng)
		return 0;
	struct frag_table *ft = frag_table_new(&eo.frags, NULL);
	size_t off = 1;
	uint64_t now = 1000000000ull;
	while (off + 3 <= size && ft) {
		now += (uint64_t)data[off] * 100000000ull;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		/* A copy of exactly len bytes: ASan sees any read beyond. */
		uint8_t *pkt = malloc(len ? len : 1);
		if (!pkt)
			break;
		memcpy(pkt, data + off, len);
		check_packet(lt, pkt, (uint32_t)len);
		struct net_tcp t;
		if (net_decode(lt, pkt, (uint32_t)len, &t) == NET_FRAGMENT) {
			struct frag_datagram dg;
			if (frag_feed(ft, &t, now, &dg))
				check(dg.len <= 65535);
			frag_expire(ft, now);
			check(frag_bytes(ft) <= eo.frags.max_bytes);
			check(frag_pending(ft) <= eo.frags.max_datagrams);
		}
		struct packet p = {.linktype = lt, .data = pkt,
				   .caplen = (uint32_t)len, .wirelen = (uint32_t)len,
				   .ts_ns = now};
		engine_packet(eng, &p);
		free(pkt);
		off += len;
	}
	engine_finish(eng);
	const struct counters *c = engine_counters(eng);
	check(c->v[CTR_FRAG_DATAGRAMS] <= c->v[CTR_PKT_IP_FRAGMENT]);
	frag_table_free(ft);
	engine_free(eng);
	return 0;
}
