/* fuzz_pcap.c - libFuzzer target: a whole capture file through the whole
 * pipeline (capture -> net -> flow -> tcp -> framer -> tracker -> session
 * model) to the JSON export, which must parse back (jansson).
 *
 * The input is written to a memfd and opened by name (/proc/self/fd/N)
 * with capture_open_files(), exactly as `iscsiwatch -r` does. The PDU
 * printer, the NDJSON event sink and the text table write to /dev/null so
 * their escaping paths run too. Small caps (flows, sessions, out-of-order
 * bytes) make the cap-hit paths reachable with small inputs.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture.h"
#include "engine.h"
#include "export.h"
#include "pdu_print.h"
#include "session.h"
#include "track.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static FILE *devnull;
static struct events_sink *events;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		char e[EXPORT_ERR_MAX];
		events = events_open("/dev/null", PERSP_TARGET, e, sizeof(e));
		if (!devnull || !events)
			return 0;
	}
	int fd = memfd_create("fuzz.pcap", 0);
	if (fd < 0)
		return 0;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	const char *paths[1] = {path};
	char err[CAPTURE_ERRLEN];
	struct capture *cap = capture_open_files(paths, 1, NULL, err,
						 sizeof(err));
	if (!cap) {
		check(memchr(err, 0, sizeof(err)) != NULL);
		close(fd);
		return 0;
	}
	struct engine_opts eo;
	engine_opts_default(&eo);
	static const uint16_t ports[] = {3260, 860};
	eo.ports = ports;
	eo.nports = 2;
	eo.flows.max_flows = 64;
	eo.ooo_cap_stream = 64 * 1024;
	eo.ooo_cap_total = 256 * 1024;
	struct engine *eng = engine_new(&eo);
	struct session_table *st =
		eng ? session_table_new(16, engine_counters(eng)) : NULL;
	if (!st)
		goto out;
	session_table_listen(st, events_listener(events));
	struct track tr = {st, 0};
	struct engine_sink ts = track_sink(&tr);
	engine_add_sink(eng, &ts);
	struct engine_sink ps = pdu_print_sink(devnull);
	engine_add_sink(eng, &ps);

	struct packet pkt;
	uint64_t first_ns = 0, last_ns = 0, last_tick = 0;
	for (int i = 0; i < 100000; i++) {
		int r = capture_next(cap, &pkt, err, sizeof(err));
		if (r == 0)
			break;
		if (r < 0)
			continue;
		if (!first_ns)
			first_ns = pkt.ts_ns;
		if (pkt.ts_ns > last_ns)
			last_ns = pkt.ts_ns;
		engine_packet(eng, &pkt);
		if (last_ns - last_tick >= 1000000000ull) {
			session_table_tick(st, last_ns);
			engine_tick(eng, last_ns);
			last_tick = last_ns;
		}
	}
	engine_finish(eng);
	session_table_tick(st, last_ns);

	const char *sources[1] = {"fuzz.pcap"};
	struct export_meta meta = {
		.version = "fuzz",
		.perspective = (size & 1) ? PERSP_INITIATOR : PERSP_TARGET,
		.sources = sources,
		.nsources = 1,
		.counters = engine_counters(eng),
		.first_ns = first_ns,
		.last_ns = last_ns,
	};
	char *js = export_json_string(session_first(st), &meta);
	check(js != NULL);
	json_error_t jerr;
	json_t *doc = json_loads(js, 0, &jerr);
	check(doc != NULL);
	json_decref(doc);
	free(js);
	export_table(devnull, st, &meta);
out:
	if (st)
		session_table_free(st);
	engine_free(eng);
	capture_free(cap);
	close(fd);
	return 0;
}
