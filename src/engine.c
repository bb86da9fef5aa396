/* engine.c - the per-packet path from bytes to PDUs. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "pool.h"
#include "net.h"
#include "tcp.h"

struct engine;

/* One direction. Its framer (about 200 bytes idle) is made when the
 * first payload byte or gap arrives: a SYN flood's flows never get one. */
struct side {
	struct conn *conn;
	int dir;
	struct framer *fr;
	enum framer_digest_mode hd, dd; /* wanted before the framer existed */
};

struct conn {
	struct engine_conn view;
	struct engine *e;
	struct flow *flow;
	bool probe;   /* not on an iSCSI port: must open with a Login */
	bool ignored; /* probed and found not to be iSCSI */
	struct side side[2];
};

struct engine {
	struct engine_opts opts;
	uint8_t portmap[65536 / 8];
	struct counters ctr;
	struct flow_table *flows;
	struct frag_table *frags;
	struct tcp_pool pool;
	struct engine_sink sinks[ENGINE_MAX_SINKS];
	int nsinks;
	uint64_t now;
	/* engine_tick() runs once a packet: these let it skip the
	 * expiry checks when nothing can be due. flow_low is at most every
	 * flow's last_ns (flows are touched, and get their last_ns, in
	 * time order, so the oldest has the lowest; a new one gets now);
	 * frag_held says whether reassembly holds a datagram. */
	uint64_t flow_low;
	bool frag_held;
};

static bool port_is_iscsi(const struct engine *e, uint16_t port)
{
	return e->portmap[port >> 3] & (1u << (port & 7));
}

void engine_opts_default(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->flows.max_flows = FLOW_MAX_DEFAULT;
	o->flows.idle_ns = FLOW_IDLE_NS_DEFAULT;
	o->ooo_cap_stream = TCP_OOO_CAP_STREAM_DEFAULT;
	o->ooo_cap_total = TCP_OOO_CAP_TOTAL_DEFAULT;
	o->frags.max_bytes = FRAG_MAX_BYTES_DEFAULT;
	o->frags.max_datagrams = FRAG_MAX_DATAGRAMS_DEFAULT;
	o->frags.timeout_ns = FRAG_TIMEOUT_NS_DEFAULT;
}

struct engine *engine_new(const struct engine_opts *o)
{
	struct engine *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->opts = *o;
	if (o->nports == 0 || !o->ports) {
		e->portmap[ISCSI_DEFAULT_PORT >> 3] |=
			(uint8_t)(1u << (ISCSI_DEFAULT_PORT & 7));
	} else {
		for (size_t i = 0; i < o->nports; i++)
			e->portmap[o->ports[i] >> 3] |=
				(uint8_t)(1u << (o->ports[i] & 7));
	}
	e->opts.ports = NULL; /* not kept: the map is */
	e->flows = flow_table_new(&o->flows, &e->ctr);
	e->frags = frag_table_new(&o->frags, &e->ctr);
	if (!e->flows || !e->frags) {
		if (e->flows)
			flow_table_free(e->flows);
		frag_table_free(e->frags);
		free(e);
		return NULL;
	}
	e->pool.ooo_cap_stream = o->ooo_cap_stream;
	e->pool.ooo_cap_total = o->ooo_cap_total;
	e->pool.ctr = &e->ctr;
	return e;
}

int engine_add_sink(struct engine *e, const struct engine_sink *s)
{
	if (e->nsinks >= ENGINE_MAX_SINKS)
		return -1;
	e->sinks[e->nsinks] = *s;
	return e->nsinks++;
}

struct counters *engine_counters(struct engine *e)
{
	return &e->ctr;
}

const char *engine_dir_label(const struct flow *f, int dir)
{
	if (f->target < 0)
		return "?";
	return f->target == dir ? "T>I" : "I>T";
}

/* Calls callback `cb` of every sink that has one, with the sink's user
 * pointer, the connection view, its slot and the rest of the arguments. */
#define SINKS_CALL(e, c, cb, ...)                                             \
	do {                                                                  \
		for (int i_ = 0; i_ < (e)->nsinks; i_++)                      \
			if ((e)->sinks[i_].cb)                                \
				(e)->sinks[i_].cb((e)->sinks[i_].user,        \
						  &(c)->view, i_,             \
						  __VA_ARGS__);               \
	} while (0)

/* ---- framer -> sinks ---- */

static void conn_apply_wants(struct conn *c)
{
	if (!c->view.want_set)
		return;
	for (int d = 0; d < 2; d++) {
		struct side *s = &c->side[d];
		s->hd = c->view.want_hd;
		s->dd = c->view.want_dd;
		if (s->fr)
			framer_set_digests(s->fr, s->hd, s->dd);
	}
	c->view.want_set = false;
}

/* Found not to be iSCSI: its packets are dropped from now on, and the
 * flow is the first to go when the table is full. */
static void conn_ignore(struct conn *c)
{
	c->ignored = true;
	flow_set_class(c->e->flows, c->flow, FLOW_NOT_ISCSI);
}

static void on_pdu_begin(void *user, const struct pdu *p)
{
	struct side *s = user;
	struct conn *c = s->conn;
	struct engine *e = c->e;
	if (c->probe) {
		/* A connection off the iSCSI ports counts only when its
		 * first PDU is a Login Request at the start of the stream. */
		if (p->opcode == OP_LOGIN_REQ && p->offset == 0 &&
		    !c->flow->dir[s->dir].midstream) {
			c->probe = false;
			c->flow->target = 1 - s->dir;
		} else {
			conn_ignore(c);
			return;
		}
	}
	if (p->opcode == OP_LOGIN_REQ) {
		/* the Login's sender is the initiator, whatever ports say */
		c->flow->target = 1 - s->dir;
		flow_set_class(e->flows, c->flow, FLOW_LOGGED_IN);
	}
	SINKS_CALL(e, c, pdu_begin, s->dir, p);
}

static void on_pdu_data(void *user, const struct pdu *p, const uint8_t *d,
			size_t n)
{
	struct side *s = user;
	struct conn *c = s->conn;
	struct engine *e = c->e;
	if (c->ignored)
		return;
	SINKS_CALL(e, c, pdu_data, s->dir, p, d, n);
}

static void on_pdu_end(void *user, const struct pdu *p)
{
	struct side *s = user;
	struct conn *c = s->conn;
	struct engine *e = c->e;
	if (c->ignored)
		return;
	SINKS_CALL(e, c, pdu_end, s->dir, p);
	conn_apply_wants(c);
}

static const struct framer_cb framer_cbs = {
	.pdu_begin = on_pdu_begin,
	.pdu_data = on_pdu_data,
	.pdu_end = on_pdu_end,
};

/* ---- tcp -> framer ---- */

/* The connections and framers of every engine (pool.h). */
static struct pool conn_pool = POOL_INIT(struct conn);
static struct pool framer_pool = POOL_INIT(struct framer);

static struct framer *side_framer(struct side *s)
{
	if (!s->fr && (s->fr = pool_zalloc(&framer_pool))) {
		framer_init(s->fr, &s->conn->e->ctr);
		if (s->hd || s->dd)
			framer_set_digests(s->fr, s->hd, s->dd);
	}
	return s->fr;
}

static void side_framer_free(struct side *s)
{
	if (s->fr) {
		framer_free(s->fr);
		pool_free(&framer_pool, s->fr);
		s->fr = NULL;
	}
}

static void on_tcp_data(void *user, const uint8_t *p, size_t n)
{
	struct side *s = user;
	struct conn *c = s->conn;
	/* Off the iSCSI ports, a stream that does not open with a Login
	 * Request is not iSCSI: drop it before the framer scans it all. */
	if (c->probe && !s->fr && n > 0 && (p[0] & 0x3f) != OP_LOGIN_REQ)
		conn_ignore(c);
	if (c->ignored || !side_framer(s))
		return;
	framer_feed(s->fr, &framer_cbs, s, p, n);
}

static void on_tcp_gap(void *user, enum tcp_gap_kind kind, uint64_t bytes)
{
	struct side *s = user;
	struct conn *c = s->conn;
	struct engine *e = c->e;
	if (c->ignored)
		return;
	if (c->probe && kind == TCP_GAP_MIDSTREAM) {
		conn_ignore(c); /* cannot prove it is iSCSI */
		return;
	}
	if (side_framer(s))
		framer_gap(s->fr, &framer_cbs, s, bytes,
			   kind == TCP_GAP_MIDSTREAM);
	SINKS_CALL(e, c, gap, s->dir, bytes);
}

static const struct tcp_cb tcp_cbs = {
	.data = on_tcp_data,
	.gap = on_tcp_gap,
};

/* ---- connections ---- */

static struct conn *conn_new(struct engine *e, struct flow *f,
			     const struct net_tcp *t)
{
	struct conn *c = pool_zalloc(&conn_pool);
	if (!c)
		return NULL;
	c->e = e;
	c->flow = f;
	c->view.flow = f;
	c->view.now_ns = e->now;
	c->view.ctr = &e->ctr;
	f->outer = t->outer; /* the first packet's tunnels and VLANs */
	for (int d = 0; d < 2; d++) {
		c->side[d].conn = c;
		c->side[d].dir = d;
	}
	bool t0 = port_is_iscsi(e, f->ep[0].port);
	bool t1 = port_is_iscsi(e, f->ep[1].port);
	if (t1 && !t0)
		f->target = 1;
	else if (t0 && !t1)
		f->target = 0;
	else if (!t0 && !t1)
		c->probe = true;
	flow_set_class(e->flows, f, c->probe ? FLOW_UNKNOWN : FLOW_PORT_EMPTY);
	f->user = c;
	for (int i = 0; i < e->nsinks; i++)
		if (e->sinks[i].conn_open)
			e->sinks[i].conn_open(e->sinks[i].user, &c->view, i);
	return c;
}

static void conn_close(struct engine *e, struct flow *f, enum conn_end why)
{
	struct conn *c = f->user;
	if (c) {
		c->view.now_ns = e->now;
		for (int d = 0; d < 2; d++) {
			tcp_stream_flush(&f->dir[d], &e->pool, &tcp_cbs,
					 &c->side[d]);
			if (!c->ignored && c->side[d].fr)
				framer_finish(c->side[d].fr, &framer_cbs,
					      &c->side[d]);
		}
		SINKS_CALL(e, c, conn_close, why);
		for (int d = 0; d < 2; d++)
			side_framer_free(&c->side[d]);
		pool_free(&conn_pool, c);
	}
	for (int d = 0; d < 2; d++)
		tcp_stream_free(&f->dir[d], &e->pool);
	if (why == CONN_END_FIN || why == CONN_END_RST)
		ctr_inc(&e->ctr, CTR_FLOWS_CLOSED);
	else if (why == CONN_END_IDLE)
		ctr_inc(&e->ctr, CTR_FLOWS_EVICTED_IDLE);
	else if (why == CONN_END_SUPERSEDED)
		ctr_inc(&e->ctr, CTR_FLOWS_SUPERSEDED);
	flow_table_remove(e->flows, f);
}

void engine_tick(struct engine *e, uint64_t now_ns)
{
	if (now_ns > e->now)
		e->now = now_ns;
	if (e->frag_held) {
		frag_expire(e->frags, e->now);
		e->frag_held = frag_pending(e->frags) > 0;
	}
	if (e->now - e->flow_low <= e->opts.flows.idle_ns)
		return; /* no flow has been idle that long */
	struct flow *f;
	while ((f = flow_oldest(e->flows)) &&
	       e->now - f->last_ns > e->opts.flows.idle_ns)
		conn_close(e, f, CONN_END_IDLE);
	e->flow_low = f ? f->last_ns : e->now;
}

/* The table is full: push out the flow flow_victim() allows for a
 * newcomer (on an iSCSI port or not), counted by its class. Real
 * connections are never pushed out: the newcomer is refused instead. */
static void engine_make_room(struct engine *e, bool on_port)
{
	enum counter_id kind;
	struct flow *f = flow_victim(e->flows, on_port, &kind);
	if (!f)
		return;
	ctr_inc(&e->ctr, kind);
	conn_close(e, f, CONN_END_EVICTED);
}

/* A connection found not to be iSCSI keeps only its flow entry (so its
 * packets are dropped at once): framers and held segments go. */
static void conn_shed(struct engine *e, struct conn *c)
{
	for (int d = 0; d < 2; d++) {
		side_framer_free(&c->side[d]);
		tcp_stream_free(&c->flow->dir[d], &e->pool);
	}
}

/* The SYN/ACK of packet t (from direction *dir of `old`) answers a SYN
 * that came far outside the old stream: a new connection on the same
 * 4-tuple whose predecessor's close was never seen. The old one ends
 * (CONN_END_SUPERSEDED) and a new flow starts with that SYN; *dir becomes
 * the SYN/ACK's direction in it. NULL when the new flow cannot be made. */
static struct flow *engine_supersede(struct engine *e, struct flow *old,
				     const struct net_tcp *t, int *dir)
{
	uint32_t isn = old->dir[1 - *dir].reuse_isn;
	struct net_tcp syn = *t;
	syn.src = t->dst;
	syn.dst = t->src;
	syn.sport = t->dport;
	syn.dport = t->sport;
	conn_close(e, old, CONN_END_SUPERSEDED);
	int d;
	struct flow *f = flow_lookup(e->flows, &syn, e->now, true, &d);
	if (!f)
		return NULL;
	tcp_stream_segment(&f->dir[0], &e->pool, NULL, isn, 0, TCP_SYN_FLAG,
			   NULL, 0, 0, &tcp_cbs, NULL);
	f->pkts[0]++;
	*dir = 1;
	return f;
}

/* The flow key's domain, less the VLAN ids when the run ignores them
 * (a tap that sees each direction on its own VLAN). */
static void engine_domain(const struct engine *e, struct net_tcp *t)
{
	if (e->opts.ignore_vlan)
		t->domain &= ~NET_DOMAIN_VLAN_MASK;
}

/* A fragment: reassembly takes it, and a completed datagram is decoded
 * like a packet (it may itself hold a fragment of a tunnelled datagram,
 * hence the loop, as bounded as the tunnels). */
static enum net_result engine_defrag(struct engine *e, struct net_tcp *t,
				     uint64_t ts_ns, bool *held)
{
	enum net_result r = NET_FRAGMENT;
	uint64_t now = ts_ns > e->now ? ts_ns : e->now;
	for (unsigned i = 0; r == NET_FRAGMENT; i++) {
		struct frag_datagram dg;
		if (i > NET_ENCAP_MAX)
			return NET_TUNNEL_DEEP;
		ctr_inc(&e->ctr, CTR_PKT_IP_FRAGMENT);
		engine_domain(e, t);
		bool whole = frag_feed(e->frags, t, now, &dg);
		e->frag_held = frag_pending(e->frags) > 0;
		if (!whole) {
			*held = true; /* held, or dropped and counted */
			return NET_FRAGMENT;
		}
		r = net_decode_datagram(dg.proto, dg.data, dg.len, t);
	}
	return r;
}

void engine_packet(struct engine *e, const struct packet *pkt)
{
	struct net_tcp t;
	ctr_inc(&e->ctr, CTR_PACKETS);
	ctr_add(&e->ctr, CTR_BYTES, pkt->caplen);
	enum net_result r = net_decode(pkt->linktype, pkt->data, pkt->caplen,
				       &t);
	if (r == NET_FRAGMENT) {
		bool held = false;
		r = engine_defrag(e, &t, pkt->ts_ns, &held);
		if (held)
			return;
	}
	if (r != NET_OK) {
		ctr_inc(&e->ctr, net_result_counter(r));
		return;
	}
	engine_domain(e, &t);
	if (t.payload_missing)
		ctr_inc(&e->ctr, CTR_PKT_TRUNCATED);
	/* Timestamps of merged or mirrored captures can step back a
	 * little; time only moves forward for the state machines. */
	if (pkt->ts_ns > e->now)
		engine_tick(e, pkt->ts_ns);
	bool on_port = port_is_iscsi(e, t.sport) || port_is_iscsi(e, t.dport);
	/* Off the iSCSI ports a connection is only worth probing from its
	 * SYN, where a Login must open the stream. */
	bool syn_only = (t.flags & (TCP_SYN_FLAG | TCP_ACK_FLAG)) == TCP_SYN_FLAG;
	bool has_data = t.payload_len || t.payload_missing;
	/* A bare ACK or FIN never opens a flow: it is the tail of one that
	 * has ended, or of one the capture joined late. */
	bool create = syn_only || (on_port && (has_data || (t.flags & TCP_SYN_FLAG)));
	int dir = 0;
	struct flow *f = flow_lookup(e->flows, &t, e->now, false, &dir);
	if (!f && create) {
		if (flow_full(e->flows))
			engine_make_room(e, on_port);
		f = flow_lookup(e->flows, &t, e->now, true, &dir);
	}
	if (!f) {
		if (!on_port)
			ctr_inc(&e->ctr, CTR_PKT_NOT_ISCSI_PORT);
		return;
	}
	if ((t.flags & (TCP_SYN_FLAG | TCP_ACK_FLAG | TCP_RST_FLAG)) ==
		    (TCP_SYN_FLAG | TCP_ACK_FLAG) &&
	    tcp_stream_reuse_answered(&f->dir[1 - dir], t.ack) &&
	    !(f = engine_supersede(e, f, &t, &dir)))
		return;
	struct conn *c = f->user;
	if (!c && !(c = conn_new(e, f, &t))) {
		flow_table_remove(e->flows, f);
		return;
	}
	if (c->ignored) {
		ctr_inc(&e->ctr, CTR_PKT_NOT_ISCSI_PORT);
		return;
	}
	c->view.now_ns = e->now;
	f->pkts[dir]++;
	f->bytes[dir] += t.payload_len;
	if (has_data && f->cls == FLOW_PORT_EMPTY)
		flow_set_class(e->flows, f, FLOW_PORT);
	int other = 1 - dir;
	/* A RST's acknowledgment is not taken: a spoofed one would move the
	 * peer's stream (and declare holes lost) before its window check. */
	if ((t.flags & (TCP_ACK_FLAG | TCP_RST_FLAG)) == TCP_ACK_FLAG)
		tcp_stream_ack(&f->dir[other], &e->pool, t.ack, &tcp_cbs,
			       &c->side[other]);
	uint32_t mism = f->dir[dir].overlap_mismatch;
	tcp_stream_segment(&f->dir[dir], &e->pool, &f->dir[other], t.seq,
			   t.ack, t.flags, t.payload, t.payload_len,
			   t.payload_missing, &tcp_cbs, &c->side[dir]);
	if (f->dir[dir].overlap_mismatch != mism && !c->ignored)
		SINKS_CALL(e, c, anomaly, dir, ENGINE_AN_OVERLAP_MISMATCH);
	if (c->ignored)
		conn_shed(e, c);
	if (f->dir[dir].rst_seen)
		conn_close(e, f, CONN_END_RST);
	else if (f->dir[0].fin_seen && f->dir[1].fin_seen)
		conn_close(e, f, CONN_END_FIN);
}

void engine_finish(struct engine *e)
{
	struct flow *f;
	while ((f = flow_oldest(e->flows)))
		conn_close(e, f, CONN_END_CAPTURE);
	frag_flush(e->frags);
	e->frag_held = false;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	engine_finish(e);
	tcp_pool_free(&e->pool);
	flow_table_free(e->flows);
	frag_table_free(e->frags);
	free(e);
}
