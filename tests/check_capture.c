/* check_capture.c - reading the crafted captures (captures/crafted/, see
 * its README.md): link types, merging by time, nanoseconds, and the one
 * line said for each kind of bad input. Run from the repository root. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "check_suites.h"
#include "net.h"

#define DIR "captures/crafted/"
#define T0_NS 1795000000000000000ull /* craft.py's T0 */
#define STEP_NS 100000ull
#define EXCHANGE_PACKETS 18
/* TCP payload bytes of the whole exchange, both directions. */
#define EXCHANGE_PAYLOAD (468 + 380 + 48 + 4144 + 48 + 48 + 48 + 48)

static struct capture *open1(const char *path, const char *filter, char *err)
{
	const char *paths[] = {path};
	return capture_open_files(paths, 1, filter, err, CAPTURE_ERRLEN);
}

/* Opening `path` fails with exactly `want`. */
static void want_open_error(const char *path, const char *filter,
			    const char *want)
{
	char err[CAPTURE_ERRLEN] = "";
	struct capture *c = open1(path, filter, err);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
}

struct file_want {
	const char *name;
	int dlt;
	unsigned packets;
	uint8_t family;
	uint16_t vlan[2];
	uint32_t payload; /* captured TCP payload bytes */
	uint32_t missing; /* TCP payload bytes cut by the snap length */
};

/* Re-sent: 700 bytes (the same), 400 (different), 48 (the TUR). */
#define RETRANS (EXCHANGE_PAYLOAD + 700 + 400 + 48)
#define LOST (EXCHANGE_PAYLOAD - 1400)
#define SNAP_CUT_PKTS (468 + 380 + 1400 + 1400 + 1344)
#define SNAP_CUT (SNAP_CUT_PKTS - 5 * 74)
#define SNAP_KEPT (EXCHANGE_PAYLOAD - SNAP_CUT)

static const struct file_want files[] = {
    {"eth-plain.pcap", DLT_EN10MB, 18, 4, {0, 0}, EXCHANGE_PAYLOAD, 0},
    {"vlan.pcap", DLT_EN10MB, 18, 4, {100, 0}, EXCHANGE_PAYLOAD, 0},
    {"qinq.pcap", DLT_EN10MB, 18, 4, {200, 100}, EXCHANGE_PAYLOAD, 0},
    {"ipv6.pcap", DLT_EN10MB, 18, 6, {0, 0}, EXCHANGE_PAYLOAD, 0},
    {"sll.pcap", DLT_LINUX_SLL, 18, 4, {0, 0}, EXCHANGE_PAYLOAD, 0},
    {"sll2.pcap", DLT_LINUX_SLL2, 18, 4, {0, 0}, EXCHANGE_PAYLOAD, 0},
    {"null.pcap", DLT_NULL, 18, 4, {0, 0}, EXCHANGE_PAYLOAD, 0},
    /* A LINKTYPE_RAW (101) file: libpcap says DLT_RAW. */
    {"raw.pcap", DLT_RAW, 18, 4, {0, 0}, EXCHANGE_PAYLOAD, 0},
    {"pcapng-nano.pcapng", DLT_EN10MB, 18, 4, {0, 0}, EXCHANGE_PAYLOAD, 0},
    {"reorder.pcap", DLT_EN10MB, 18, 4, {0, 0}, EXCHANGE_PAYLOAD, 0},
    {"retrans-overlap.pcap", DLT_EN10MB, 21, 4, {0, 0}, RETRANS, 0},
    {"lost-segment.pcap", DLT_EN10MB, 17, 4, {0, 0}, LOST, 0},
    /* 128 - 54 = 74 payload bytes kept of the login PDUs and of the
     * three Data-In segments. */
    {"snaplen.pcap", DLT_EN10MB, 18, 4, {0, 0}, SNAP_KEPT, SNAP_CUT},
    {"midstream.pcap", DLT_EN10MB, 10, 4, {0, 0}, 1400 + 1344 + 4 * 48, 0},
};
#define NFILES (sizeof files / sizeof files[0])

/* Every packet of every crafted file decodes to the exchange's TCP. */
START_TEST(test_crafted_files)
{
	const struct file_want *w = &files[_i];
	char path[256], err[CAPTURE_ERRLEN] = "";
	snprintf(path, sizeof path, DIR "%s", w->name);
	struct capture *c = open1(path, NULL, err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(capture_source_count(c), 1);
	ck_assert_str_eq(capture_source_name(c, 0), path);
	ck_assert_ptr_null(capture_source_name(c, 1));
	ck_assert_int_eq(capture_linktype(c, 0), w->dlt);
	ck_assert_int_eq(capture_linktype(c, 1), -1);
	ck_assert(!capture_is_live(c));
	struct packet pkt;
	unsigned n = 0;
	uint64_t payload = 0, missing = 0, last_ts = 0;
	int rc;
	while ((rc = capture_next(c, &pkt, err, sizeof err)) == 1) {
		ck_assert_int_eq(pkt.linktype, w->dlt);
		ck_assert_uint_eq(pkt.source, 0);
		ck_assert_uint_ge(pkt.ts_ns, last_ts);
		ck_assert_uint_le(pkt.caplen, pkt.wirelen);
		last_ts = pkt.ts_ns;
		struct net_tcp t;
		enum net_result r =
		    net_decode(pkt.linktype, pkt.data, pkt.caplen, &t);
		ck_assert_msg(r == NET_OK, "%s packet %u: %d", path, n + 1, r);
		ck_assert_uint_eq(t.src.family, w->family);
		ck_assert(t.sport == 3260 || t.dport == 3260);
		ck_assert(t.sport == 51000 || t.dport == 51000);
		ck_assert_uint_eq(t.outer.vlan[0], w->vlan[0]);
		ck_assert_uint_eq(t.outer.vlan[1], w->vlan[1]);
		char a[64], b[64];
		net_addr_str(&t.src, a, sizeof a);
		net_addr_str(&t.dst, b, sizeof b);
		if (w->family == 4)
			ck_assert(
			    strcmp(a, t.sport == 3260 ? "127.0.0.2"
						      : "127.0.0.1") == 0 &&
			    strcmp(b, t.sport == 3260 ? "127.0.0.1"
						      : "127.0.0.2") == 0);
		else
			ck_assert_str_eq(t.sport == 3260 ? a : b, "fd00::2");
		payload += t.payload_len;
		missing += t.payload_missing;
		n++;
	}
	ck_assert_msg(rc == 0, "%s: %s", path, err);
	ck_assert_uint_eq(n, w->packets);
	ck_assert_uint_eq(payload, w->payload);
	ck_assert_uint_eq(missing, w->missing);
	/* The end stays the end. */
	ck_assert_int_eq(capture_next(c, &pkt, err, sizeof err), 0);
	uint64_t d = 1, ifd = 1;
	ck_assert_int_eq(capture_stats(c, &d, &ifd), 0);
	ck_assert_uint_eq(d, 0);
	ck_assert_uint_eq(ifd, 0);
	capture_free(c);
}
END_TEST

/* A digest of every packet a capture hands out, in order: FNV-1a over
 * source, time, lengths and bytes. Sets *count. */
static uint64_t digest_all(struct capture *c, unsigned *count)
{
	char err[CAPTURE_ERRLEN] = "";
	struct packet pkt;
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned n = 0;
	int rc;
	while ((rc = capture_next(c, &pkt, err, sizeof err)) == 1) {
		uint64_t head[] = {pkt.source, pkt.ts_ns, pkt.caplen,
				   pkt.wirelen};
		const uint8_t *parts[] = {(const uint8_t *)head, pkt.data};
		size_t lens[] = {sizeof head, pkt.caplen};
		for (size_t k = 0; k < 2; k++)
			for (size_t i = 0; i < lens[k]; i++)
				h = (h ^ parts[k][i]) * 0x100000001b3ull;
		n++;
	}
	ck_assert_msg(rc == 0, "%s", err);
	*count = n;
	return h;
}

/* Files are read through a 256 KiB stdio buffer of the capture's own:
 * a file several times that size, and the same files given as "-" on
 * standard input, hand out exactly the packets libpcap reads from them.
 * Closing a capture read from "-" leaves standard input open. */
START_TEST(test_buffered_and_stdin)
{
	static const char *const f[] = {
	    DIR "operator.pcap", /* 906 KiB */
	    "captures/tgtd-rw.pcapng",
	};
	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
		/* libpcap's own reading, for the reference. */
		char ebuf[PCAP_ERRBUF_SIZE];
		pcap_t *p = pcap_open_offline(f[k], ebuf);
		ck_assert_msg(p != NULL, "%s", ebuf);
		struct pcap_pkthdr *ph;
		const u_char *pd;
		unsigned want = 0;
		uint64_t bytes = 0;
		while (pcap_next_ex(p, &ph, &pd) == 1) {
			want++;
			bytes += ph->caplen;
		}
		pcap_close(p);
		ck_assert_uint_gt(want, 10);

		char err[CAPTURE_ERRLEN] = "";
		struct capture *c = open1(f[k], NULL, err);
		ck_assert_msg(c != NULL, "%s", err);
		unsigned n_file;
		uint64_t d_file = digest_all(c, &n_file);
		capture_free(c);
		ck_assert_uint_eq(n_file, want);
		if (k == 0)
			ck_assert_uint_gt(bytes, 3 * 256 * 1024);

		int fd = open(f[k], O_RDONLY);
		ck_assert_int_ge(fd, 0);
		int saved = dup(STDIN_FILENO);
		ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
		close(fd);
		c = open1("-", NULL, err);
		ck_assert_msg(c != NULL, "%s", err);
		ck_assert_str_eq(capture_source_name(c, 0), "-");
		unsigned n_stdin;
		uint64_t d_stdin = digest_all(c, &n_stdin);
		capture_free(c);
		ck_assert_uint_eq(n_stdin, want);
		ck_assert_uint_eq(d_stdin, d_file);
		ck_assert_int_ne(fcntl(STDIN_FILENO, F_GETFD), -1);
		dup2(saved, STDIN_FILENO);
		close(saved);
	}
}
END_TEST

START_TEST(test_timestamps)
{
	char err[CAPTURE_ERRLEN] = "";
	struct packet pkt;
	struct capture *c = open1(DIR "pcapng-nano.pcapng", NULL, err);
	ck_assert_ptr_nonnull(c);
	for (unsigned i = 0; i < EXCHANGE_PACKETS; i++) {
		ck_assert_int_eq(capture_next(c, &pkt, err, sizeof err), 1);
		ck_assert_uint_eq(pkt.ts_ns, T0_NS + i * STEP_NS + 123 + i);
	}
	capture_free(c);
	c = open1(DIR "eth-plain.pcap", NULL, err);
	ck_assert_ptr_nonnull(c);
	for (unsigned i = 0; i < EXCHANGE_PACKETS; i++) {
		ck_assert_int_eq(capture_next(c, &pkt, err, sizeof err), 1);
		ck_assert_uint_eq(pkt.ts_ns, T0_NS + i * STEP_NS);
	}
	capture_free(c);
}
END_TEST

/* Reads everything; records the source of each packet. */
static unsigned read_all(struct capture *c, unsigned *src, unsigned max,
			 int *errors, char *lasterr)
{
	struct packet pkt;
	char err[CAPTURE_ERRLEN];
	unsigned n = 0;
	uint64_t last = 0;
	*errors = 0;
	for (;;) {
		int rc = capture_next(c, &pkt, err, sizeof err);
		if (rc == 0)
			break;
		if (rc < 0) {
			(*errors)++;
			strcpy(lasterr, err);
			continue;
		}
		ck_assert_int_eq(rc, 1);
		ck_assert_uint_ge(pkt.ts_ns, last);
		last = pkt.ts_ns;
		ck_assert_uint_lt(n, max);
		src[n++] = pkt.source;
	}
	return n;
}

START_TEST(test_merge)
{
	char err[CAPTURE_ERRLEN] = "", lasterr[CAPTURE_ERRLEN] = "";
	unsigned src[64];
	int errors;
	/* pcapng-nano's packet i is 123+i ns after eth-plain's. */
	const char *two[] = {DIR "pcapng-nano.pcapng", DIR "eth-plain.pcap"};
	struct capture *c = capture_open_files(two, 2, NULL, err, sizeof err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(capture_source_count(c), 2);
	unsigned n = read_all(c, src, 64, &errors, lasterr);
	ck_assert_int_eq(errors, 0);
	ck_assert_uint_eq(n, 2 * EXCHANGE_PACKETS);
	for (unsigned i = 0; i < n; i++)
		ck_assert_uint_eq(src[i], i % 2 ? 0 : 1);
	capture_free(c);

	/* Equal timestamps: the lower source index first, every time. */
	const char *same[] = {DIR "eth-plain.pcap", DIR "vlan.pcap"};
	c = capture_open_files(same, 2, NULL, err, sizeof err);
	ck_assert_ptr_nonnull(c);
	n = read_all(c, src, 64, &errors, lasterr);
	ck_assert_uint_eq(n, 2 * EXCHANGE_PACKETS);
	for (unsigned i = 0; i < n; i++)
		ck_assert_uint_eq(src[i], i % 2);
	capture_free(c);

	/* A file that ends early leaves the others going. */
	const char *three[] = {DIR "midstream.pcap", DIR "eth-plain.pcap",
			       DIR "lost-segment.pcap"};
	c = capture_open_files(three, 3, NULL, err, sizeof err);
	ck_assert_ptr_nonnull(c);
	n = read_all(c, src, 64, &errors, lasterr);
	ck_assert_uint_eq(n, 10 + 18 + 17);
	ck_assert_uint_eq(src[n - 1], 1); /* the last of eth-plain's 18 */
	capture_free(c);
}
END_TEST

START_TEST(test_filter)
{
	char err[CAPTURE_ERRLEN] = "";
	struct packet pkt;
	struct capture *c =
	    open1(DIR "eth-plain.pcap", "tcp[tcpflags] & tcp-syn != 0", err);
	ck_assert_msg(c != NULL, "%s", err);
	int n = 0;
	while (capture_next(c, &pkt, err, sizeof err) == 1)
		n++;
	ck_assert_int_eq(n, 2); /* SYN, SYN/ACK */
	capture_free(c);
	/* 802.1Q frames need "vlan" before the filter sees their IP. */
	c = open1(DIR "vlan.pcap", "vlan and tcp src port 3260", err);
	ck_assert_msg(c != NULL, "%s", err);
	n = 0;
	while (capture_next(c, &pkt, err, sizeof err) == 1)
		n++;
	ck_assert_int_eq(n, 8); /* the target's 8 packets */
	capture_free(c);
}
END_TEST

START_TEST(test_errors)
{
	want_open_error(DIR "no-such.pcap", NULL,
			DIR "no-such.pcap: no such file");
	want_open_error(DIR "no-such-dir/x.pcap", NULL,
			DIR "no-such-dir/x.pcap: no such file");
	want_open_error(DIR "not-a-capture.pcap", NULL,
			DIR "not-a-capture.pcap: not a pcap or pcapng file");
	want_open_error(DIR "README.md/x", NULL,
			DIR "README.md/x: no such file");
	want_open_error("captures/crafted", NULL,
			"captures/crafted: is a directory, not a capture file");

	char err[CAPTURE_ERRLEN] = "";
	struct capture *c = open1(DIR "eth-plain.pcap", "tcp port", err);
	ck_assert_ptr_null(c);
	const char *want = DIR "eth-plain.pcap: bad filter 'tcp port': ";
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	ck_assert_uint_gt(strlen(err), strlen(want));

	/* The second file's error names the second file. */
	const char *two[] = {DIR "eth-plain.pcap", DIR "not-a-capture.pcap"};
	c = capture_open_files(two, 2, NULL, err, sizeof err);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err,
			 DIR "not-a-capture.pcap: not a pcap or pcapng file");
	c = capture_open_files(two, 0, NULL, err, sizeof err);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "no capture file given");
	capture_free(NULL);
}
END_TEST

/* Files made on the spot: empty, three bytes, a pcap header cut short,
 * and (when not root, who reads anything) one we may not read. */
START_TEST(test_errors_made)
{
	char dir[] = "/tmp/iscsiwatch-capXXXXXX", path[128], want[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	static const struct {
		const char *name, *bytes, *why;
		size_t len;
	} cases[] = {
	    {"empty.pcap", "", "not a pcap or pcapng file", 0},
	    {"short.pcap", "\xd4\xc3\xb2", "not a pcap or pcapng file", 3},
	    {"header.pcap", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00",
	     "truncated capture file header", 8},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		fwrite(cases[i].bytes, 1, cases[i].len, f);
		fclose(f);
		snprintf(want, sizeof want, "%s: %s", path, cases[i].why);
		want_open_error(path, NULL, want);
		unlink(path);
	}
	if (geteuid() != 0) {
		snprintf(path, sizeof path, "%s/secret.pcap", dir);
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		fclose(f);
		chmod(path, 0);
		snprintf(want, sizeof want, "%s: permission denied", path);
		want_open_error(path, NULL, want);
		unlink(path);
	}
	rmdir(dir);
}
END_TEST

START_TEST(test_truncated)
{
	char err[CAPTURE_ERRLEN] = "", lasterr[CAPTURE_ERRLEN] = "";
	struct packet pkt;
	struct capture *c = open1(DIR "truncated.pcap", NULL, err);
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < 9; i++)
		ck_assert_int_eq(capture_next(c, &pkt, err, sizeof err), 1);
	ck_assert_int_lt(capture_next(c, &pkt, err, sizeof err), 0);
	ck_assert_str_eq(err, DIR
			 "truncated.pcap: truncated capture after 9 packets");
	ck_assert_int_eq(capture_next(c, &pkt, err, sizeof err), 0);
	capture_free(c);

	/* With another file: one error, then the other goes on. */
	const char *two[] = {DIR "eth-plain.pcap", DIR "truncated.pcap"};
	c = capture_open_files(two, 2, NULL, err, sizeof err);
	ck_assert_ptr_nonnull(c);
	unsigned src[64];
	int errors;
	unsigned n = read_all(c, src, 64, &errors, lasterr);
	ck_assert_int_eq(errors, 1);
	ck_assert_str_eq(lasterr, DIR
			 "truncated.pcap: truncated capture after 9 packets");
	ck_assert_uint_eq(n, 18 + 9);
	capture_free(c);
}
END_TEST

START_TEST(test_live_errors)
{
	char err[CAPTURE_ERRLEN] = "";
	const char *ifs[] = {"iwnosuch0"};
	struct capture_live_opts o = {.timeout_ms = 50};
	struct capture *c = capture_open_live(ifs, 1, &o, err, sizeof err);
	ck_assert_ptr_null(c);
	if (strstr(err, "permission denied"))
		ck_assert_str_eq(err, "capture on iwnosuch0: permission denied "
				      "(need root or CAP_NET_RAW)");
	else
		ck_assert_str_eq(err, "capture on iwnosuch0: no such device");
	c = capture_open_live(ifs, 0, &o, err, sizeof err);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "no interface given");
}
END_TEST

/* A UDP socket bound on 127.0.0.1 (*a: its address) and a live capture
 * on lo of what is sent to it, 50 ms read timeout. */
static struct capture *loopback_capture(bool caller_waits, int *sock,
					struct sockaddr_in *a)
{
	char err[CAPTURE_ERRLEN] = "";
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(s, 0);
	*a = (struct sockaddr_in){0};
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)a, sizeof *a), 0);
	socklen_t alen = sizeof *a;
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)a, &alen), 0);
	char filter[64];
	snprintf(filter, sizeof filter, "udp dst port %u", ntohs(a->sin_port));
	const char *ifs[] = {"lo"};
	struct capture_live_opts o = {.snaplen = 256,
				      .buffer_mb = 1,
				      .timeout_ms = 50,
				      .filter = filter,
				      .caller_waits = caller_waits};
	struct capture *c = capture_open_live(ifs, 1, &o, err, sizeof err);
	ck_assert_msg(c != NULL, "live capture on lo: %s", err);
	*sock = s;
	return c;
}

/* Live on the loopback interface: a datagram we send to ourselves comes
 * back through capture_next, and an idle interface times out. Only
 * registered when the probe below can capture (see capture_suite). */
START_TEST(test_live_loopback)
{
	char err[CAPTURE_ERRLEN] = "";
	int s;
	struct sockaddr_in a;
	struct capture *c = loopback_capture(false, &s, &a);
	ck_assert(capture_is_live(c));
	struct packet pkt;
	/* Nothing matches yet. */
	ck_assert_int_eq(capture_next(c, &pkt, err, sizeof err),
			 CAPTURE_TIMEOUT);
	static const char msg[] = "iscsiwatch live test";
	ck_assert_int_eq(
	    sendto(s, msg, sizeof msg, 0, (struct sockaddr *)&a, sizeof a),
	    (ssize_t)sizeof msg);
	int rc = CAPTURE_TIMEOUT;
	for (int i = 0; i < 100 && rc == CAPTURE_TIMEOUT; i++)
		rc = capture_next(c, &pkt, err, sizeof err);
	ck_assert_int_eq(rc, 1);
	ck_assert_uint_eq(pkt.source, 0);
	ck_assert_uint_gt(pkt.caplen, sizeof msg);
	ck_assert_mem_eq(pkt.data + pkt.caplen - sizeof msg, msg, sizeof msg);
	uint64_t d, ifd;
	ck_assert_int_eq(capture_stats(c, &d, &ifd), 0);
	capture_free(c);
	close(s);
}
END_TEST

/* caller_waits: capture_next() does not sleep, and the caller's poll()
 * on capture_pollfds() wakes when a packet comes (the run loop sleeps
 * there with its other descriptors). */
START_TEST(test_live_caller_waits)
{
	char err[CAPTURE_ERRLEN] = "";
	int s;
	struct sockaddr_in a;
	struct capture *c = loopback_capture(true, &s, &a);
	struct pollfd p[2];
	ck_assert_uint_eq(capture_pollfds(c, p, 0), 0);
	ck_assert_uint_eq(capture_pollfds(c, p, 2), 1);
	ck_assert_int_ge(p[0].fd, 0);
	ck_assert_int_eq(p[0].events, POLLIN);
	ck_assert_int_eq(capture_wait_limit_ms(c), -1); /* Linux */
	struct packet pkt;
	ck_assert_int_eq(capture_next(c, &pkt, err, sizeof err),
			 CAPTURE_TIMEOUT);
	static const char msg[] = "iscsiwatch wakes";
	ck_assert_int_eq(
	    sendto(s, msg, sizeof msg, 0, (struct sockaddr *)&a, sizeof a),
	    (ssize_t)sizeof msg);
	/* The descriptor says so within the read timeout (libpcap hands a
	 * block to user space when it fills or its 50 ms pass). */
	ck_assert_int_eq(poll(p, 1, 5000), 1);
	ck_assert(p[0].revents & POLLIN);
	int rc = CAPTURE_TIMEOUT;
	for (int i = 0; i < 100 && rc == CAPTURE_TIMEOUT; i++)
		rc = capture_next(c, &pkt, err, sizeof err);
	ck_assert_int_eq(rc, 1);
	ck_assert_mem_eq(pkt.data + pkt.caplen - sizeof msg, msg, sizeof msg);
	capture_free(c);
	close(s);
	/* Files: nothing to wait on. */
	const char *one[] = {DIR "eth-plain.pcap"};
	c = capture_open_files(one, 1, NULL, err, sizeof err);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(capture_pollfds(c, p, 2), 0);
	ck_assert_int_eq(capture_wait_limit_ms(c), -1);
	capture_free(c);
}
END_TEST

/* Can this process capture on lo (root or CAP_NET_RAW)? err says why
 * not. */
static bool live_possible(char *err, size_t errlen)
{
	const char *ifs[] = {"lo"};
	struct capture_live_opts o = {
	    .snaplen = 256, .buffer_mb = 1, .timeout_ms = 50};
	struct capture *c = capture_open_live(ifs, 1, &o, err, errlen);
	if (!c)
		return false;
	capture_free(c);
	return true;
}

/* Without the right to capture the live test is not run, and that is
 * said on stderr as a SKIP line (Check has no "skipped" result, and a
 * test that returns early would count as passed). With
 * ISCSIWATCH_REQUIRE_LIVE set, it runs anyway and fails with the reason. */
static void add_live_test(TCase *tc)
{
	char err[CAPTURE_ERRLEN] = "";
	if (live_possible(err, sizeof err) || getenv("ISCSIWATCH_REQUIRE_LIVE")) {
		tcase_add_test(tc, test_live_loopback);
		tcase_add_test(tc, test_live_caller_waits);
	} else {
		fprintf(stderr, "SKIP capture:live:test_live_loopback and "
				"test_live_caller_waits: %s\n",
			err);
	}
}

Suite *capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_crafted_files, 0, (int)NFILES);
	tcase_add_test(tc, test_buffered_and_stdin);
	tcase_add_test(tc, test_timestamps);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_filter);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_errors_made);
	tcase_add_test(tc, test_truncated);
	suite_add_tcase(s, tc);
	tc = tcase_create("live");
	tcase_add_test(tc, test_live_errors);
	add_live_test(tc);
	suite_add_tcase(s, tc);
	return s;
}
