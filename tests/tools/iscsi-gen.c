/* iscsi-gen - a small iSCSI initiator / traffic generator for the real-peer
 * rig (tests/peer, scripts/captures). It drives libiscsi against a real
 * target (tgtd, istgt) so that tcpdump can record known traffic, and prints
 * what it did as ONE JSON line on stdout, so tests can compare the counts
 * iscsiwatch reconstructs with what was really sent.
 *
 * It deliberately does NOT use iscsi_full_connect_sync(): that one issues
 * its own TEST UNIT READY commands behind our back, which would make the
 * number of SCSI Command PDUs on the wire unknown. We log in with
 * iscsi_connect_sync() + iscsi_login_sync() and count every SCSI command
 * we issue ourselves ("scsi_cmds" in the JSON).
 *
 * Exit status: 0 done, 1 a step failed (login, I/O), 2 usage error.
 * A login failure that was asked for (--expect-login-fail) exits 0.
 *
 * libiscsi 1.19 always offers DataDigest=None (there is no API to ask for
 * CRC32C data digests), so --data-digest crc32c is refused (exit 2).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <jansson.h>

struct gen_opts {
	const char *portal;
	const char *target;
	const char *initiator;
	const char *user, *secret;
	const char *tuser, *tsecret;
	enum iscsi_header_digest hdigest;
	int immediate;   /* -1: libiscsi default */
	int initial_r2t; /* -1: libiscsi default */
	unsigned reads, writes;
	unsigned blocks;
	unsigned cdb; /* 10 or 16 */
	int lun;
	bool past_end;
	bool no_logout;
	unsigned hold; /* seconds to stay logged in after the I/O */
	bool discovery;
	bool expect_fail;
};

struct gen_stats {
	unsigned scsi_cmds;   /* every SCSI Command PDU we caused */
	unsigned tur, readcap;
	unsigned read10, read16, write10, write16;
	unsigned good, check_conditions, unit_attentions;
	uint64_t bytes_read, bytes_written;
	uint64_t lun_blocks;
	uint32_t block_size;
	unsigned past_end_status; /* SCSI status of the out-of-range read */
	const char *past_end_sense;
};

static void gen_usage(FILE *f)
{
	fprintf(f,
		"usage: iscsi-gen --portal HOST:PORT [options]\n"
		"  -t, --target IQN           target name (normal session)\n"
		"  -i, --initiator IQN        initiator name (default iqn.2024-01.org.iscsiwatch:gen)\n"
		"  -H, --header-digest D      none | crc32c | none,crc32c | crc32c,none\n"
		"      --data-digest D        none only (libiscsi offers DataDigest=None)\n"
		"  -u, --chap-user U          CHAP user name      -s, --chap-secret S\n"
		"  -U, --target-user U        mutual CHAP: target user name\n"
		"  -S, --target-secret S      mutual CHAP: target secret\n"
		"      --immediate-data yes|no   ImmediateData offered\n"
		"      --initial-r2t yes|no      InitialR2T offered\n"
		"  -r, --reads N              READ commands (default 0)\n"
		"  -w, --writes N             WRITE commands (default 0)\n"
		"  -b, --blocks N             blocks per command (default 8)\n"
		"  -c, --cdb 10|16            READ/WRITE(10) or (16) (default 10)\n"
		"  -l, --lun N                LUN (default 1 for tgtd; istgt uses 0)\n"
		"      --read-past-end        one READ that ends past the last LBA\n"
		"      --no-logout            close the TCP connection without Logout\n"
		"      --hold S               stay logged in S seconds after the I/O\n"
		"                             (a test kills the process meanwhile)\n"
		"  -d, --discovery            SendTargets discovery session only\n"
		"      --expect-login-fail    a failed login is the expected outcome\n");
}

static int gen_parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int gen_parse_yesno(const char *s)
{
	if (strcmp(s, "yes") == 0)
		return 1;
	if (strcmp(s, "no") == 0)
		return 0;
	return -1;
}

static int gen_parse(int argc, char **argv, struct gen_opts *o)
{
	enum { O_DD = 256, O_IMM, O_R2T, O_PAST, O_NOLOGOUT, O_EXPFAIL, O_HOLD };
	static const struct option lopts[] = {
		{"portal", required_argument, NULL, 'p'},
		{"target", required_argument, NULL, 't'},
		{"initiator", required_argument, NULL, 'i'},
		{"header-digest", required_argument, NULL, 'H'},
		{"data-digest", required_argument, NULL, O_DD},
		{"chap-user", required_argument, NULL, 'u'},
		{"chap-secret", required_argument, NULL, 's'},
		{"target-user", required_argument, NULL, 'U'},
		{"target-secret", required_argument, NULL, 'S'},
		{"immediate-data", required_argument, NULL, O_IMM},
		{"initial-r2t", required_argument, NULL, O_R2T},
		{"reads", required_argument, NULL, 'r'},
		{"writes", required_argument, NULL, 'w'},
		{"blocks", required_argument, NULL, 'b'},
		{"cdb", required_argument, NULL, 'c'},
		{"lun", required_argument, NULL, 'l'},
		{"read-past-end", no_argument, NULL, O_PAST},
		{"no-logout", no_argument, NULL, O_NOLOGOUT},
		{"hold", required_argument, NULL, O_HOLD},
		{"discovery", no_argument, NULL, 'd'},
		{"expect-login-fail", no_argument, NULL, O_EXPFAIL},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	unsigned u;

	while ((c = getopt_long(argc, argv, "p:t:i:H:u:s:U:S:r:w:b:c:l:dh", lopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->portal = optarg; break;
		case 't': o->target = optarg; break;
		case 'i': o->initiator = optarg; break;
		case 'H':
			if (strcmp(optarg, "none") == 0)
				o->hdigest = ISCSI_HEADER_DIGEST_NONE;
			else if (strcmp(optarg, "crc32c") == 0)
				o->hdigest = ISCSI_HEADER_DIGEST_CRC32C;
			else if (strcmp(optarg, "none,crc32c") == 0)
				o->hdigest = ISCSI_HEADER_DIGEST_NONE_CRC32C;
			else if (strcmp(optarg, "crc32c,none") == 0)
				o->hdigest = ISCSI_HEADER_DIGEST_CRC32C_NONE;
			else
				return -1;
			break;
		case O_DD:
			if (strcmp(optarg, "none") != 0) {
				fprintf(stderr, "iscsi-gen: libiscsi can only offer DataDigest=None\n");
				return -1;
			}
			break;
		case 'u': o->user = optarg; break;
		case 's': o->secret = optarg; break;
		case 'U': o->tuser = optarg; break;
		case 'S': o->tsecret = optarg; break;
		case O_IMM:
			if ((o->immediate = gen_parse_yesno(optarg)) < 0)
				return -1;
			break;
		case O_R2T:
			if ((o->initial_r2t = gen_parse_yesno(optarg)) < 0)
				return -1;
			break;
		case 'r':
			if (gen_parse_uint(optarg, 1000000, &o->reads) < 0)
				return -1;
			break;
		case 'w':
			if (gen_parse_uint(optarg, 1000000, &o->writes) < 0)
				return -1;
			break;
		case 'b':
			if (gen_parse_uint(optarg, 65535, &o->blocks) < 0 || o->blocks == 0)
				return -1;
			break;
		case 'c':
			if (gen_parse_uint(optarg, 16, &o->cdb) < 0 || (o->cdb != 10 && o->cdb != 16))
				return -1;
			break;
		case 'l':
			if (gen_parse_uint(optarg, 255, &u) < 0)
				return -1;
			o->lun = (int)u;
			break;
		case O_PAST: o->past_end = true; break;
		case O_NOLOGOUT: o->no_logout = true; break;
		case O_HOLD: o->hold = (unsigned)atoi(optarg); break;
		case 'd': o->discovery = true; break;
		case O_EXPFAIL: o->expect_fail = true; break;
		case 'h': gen_usage(stdout); return 1;
		default: return -1;
		}
	}
	if (optind != argc || o->portal == NULL)
		return -1;
	if (!o->discovery && o->target == NULL)
		return -1;
	if ((o->secret != NULL) != (o->user != NULL) || (o->tsecret != NULL) != (o->tuser != NULL))
		return -1;
	if (o->tuser != NULL && o->user == NULL)
		return -1; /* libiscsi: mutual CHAP needs one-way CHAP first */
	return 0;
}

static const char *gen_digest_name(enum iscsi_header_digest d)
{
	switch (d) {
	case ISCSI_HEADER_DIGEST_NONE: return "None";
	case ISCSI_HEADER_DIGEST_NONE_CRC32C: return "None,CRC32C";
	case ISCSI_HEADER_DIGEST_CRC32C_NONE: return "CRC32C,None";
	case ISCSI_HEADER_DIGEST_CRC32C: return "CRC32C";
	}
	return "?";
}

/* Tallies the outcome of one SCSI command task; returns its SCSI status
 * or -1 when the transport failed (no task). */
static int gen_task_done(struct gen_stats *st, struct scsi_task *task)
{
	st->scsi_cmds++;
	if (task == NULL)
		return -1;
	int status = task->status;
	if (status == SCSI_STATUS_GOOD)
		st->good++;
	else if (status == SCSI_STATUS_CHECK_CONDITION) {
		st->check_conditions++;
		if (task->sense.key == SCSI_SENSE_UNIT_ATTENTION)
			st->unit_attentions++;
	}
	return status;
}

/* Deterministic write payload: the same bytes on every run, so captures
 * made twice differ only in times, ports and TCP sequence numbers. */
static void gen_fill(unsigned char *buf, size_t len, uint64_t lba)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)((lba * 31u + i * 7u + (i >> 9)) & 0xffu);
}

/* TEST UNIT READY until any power-on UNIT ATTENTION is consumed, then
 * READ CAPACITY(10) for the LUN's size. Both are counted. */
static int gen_probe(struct iscsi_context *iscsi, const struct gen_opts *o, struct gen_stats *st)
{
	for (int i = 0; i < 5; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(iscsi, o->lun);
		st->tur++;
		int s = gen_task_done(st, t);
		if (t != NULL)
			scsi_free_scsi_task(t);
		if (s == SCSI_STATUS_GOOD)
			break;
		if (s < 0)
			return -1;
	}
	for (int i = 0; i < 3; i++) {
		struct scsi_task *t = iscsi_readcapacity10_sync(iscsi, o->lun, 0, 0);
		st->readcap++;
		int s = gen_task_done(st, t);
		if (s < 0)
			return -1;
		if (s == SCSI_STATUS_GOOD) {
			struct scsi_readcapacity10 *rc = scsi_datain_unmarshall(t);
			if (rc == NULL) {
				scsi_free_scsi_task(t);
				return -1;
			}
			st->lun_blocks = (uint64_t)rc->lba + 1u;
			st->block_size = rc->block_size;
			scsi_free_scsi_task(t);
			return 0;
		}
		scsi_free_scsi_task(t);
	}
	return -1;
}

static int gen_read(struct iscsi_context *iscsi, const struct gen_opts *o, struct gen_stats *st,
		    uint64_t lba, unsigned blocks, int *status)
{
	uint32_t len = blocks * st->block_size;
	struct scsi_task *t;
	if (o->cdb == 16) {
		t = iscsi_read16_sync(iscsi, o->lun, lba, len, (int)st->block_size, 0, 0, 0, 0, 0);
		st->read16++;
	} else {
		t = iscsi_read10_sync(iscsi, o->lun, (uint32_t)lba, len, (int)st->block_size, 0, 0, 0, 0, 0);
		st->read10++;
	}
	*status = gen_task_done(st, t);
	if (t == NULL)
		return -1;
	if (*status == SCSI_STATUS_GOOD)
		st->bytes_read += (uint64_t)t->datain.size;
	else if (*status == SCSI_STATUS_CHECK_CONDITION)
		st->past_end_sense = scsi_sense_ascq_str(t->sense.ascq);
	scsi_free_scsi_task(t);
	return 0;
}

static int gen_write(struct iscsi_context *iscsi, const struct gen_opts *o, struct gen_stats *st,
		     uint64_t lba, unsigned char *buf)
{
	uint32_t len = o->blocks * st->block_size;
	struct scsi_task *t;
	gen_fill(buf, len, lba);
	if (o->cdb == 16) {
		t = iscsi_write16_sync(iscsi, o->lun, lba, buf, len, (int)st->block_size, 0, 0, 0, 0, 0);
		st->write16++;
	} else {
		t = iscsi_write10_sync(iscsi, o->lun, (uint32_t)lba, buf, len, (int)st->block_size, 0, 0, 0, 0, 0);
		st->write10++;
	}
	int s = gen_task_done(st, t);
	if (t == NULL)
		return -1;
	if (s == SCSI_STATUS_GOOD)
		st->bytes_written += len;
	scsi_free_scsi_task(t);
	return s == SCSI_STATUS_GOOD ? 0 : -1;
}

/* Reads and writes interleaved (write k, then read k), walking forward
 * through the LUN and wrapping, so every run touches the same LBAs. */
static int gen_io(struct iscsi_context *iscsi, const struct gen_opts *o, struct gen_stats *st)
{
	if (st->block_size == 0 || st->block_size > 65536 || st->lun_blocks < o->blocks)
		return -1;
	uint64_t slots = st->lun_blocks / o->blocks;
	unsigned char *buf = malloc((size_t)o->blocks * st->block_size);
	if (buf == NULL)
		return -1;
	unsigned n = o->reads > o->writes ? o->reads : o->writes;
	int rc = 0;
	for (unsigned k = 0; k < n && rc == 0; k++) {
		uint64_t lba = (k % slots) * o->blocks;
		int status;
		if (k < o->writes && gen_write(iscsi, o, st, lba, buf) < 0)
			rc = -1;
		if (rc == 0 && k < o->reads &&
		    (gen_read(iscsi, o, st, lba, o->blocks, &status) < 0 || status != SCSI_STATUS_GOOD))
			rc = -1;
	}
	if (rc == 0 && o->past_end) {
		/* Starts on the last block and asks for two: the target must
		 * answer CHECK CONDITION, ILLEGAL REQUEST, LBA OUT OF RANGE. */
		int status;
		unsigned before = st->check_conditions;
		if (gen_read(iscsi, o, st, st->lun_blocks - 1u, 2, &status) < 0)
			rc = -1;
		st->past_end_status = (unsigned)status;
		if (st->check_conditions == before)
			rc = -1;
	}
	free(buf);
	return rc;
}

static json_t *gen_discover(struct iscsi_context *iscsi)
{
	struct iscsi_discovery_address *da = iscsi_discovery_sync(iscsi);
	if (da == NULL)
		return NULL;
	json_t *arr = json_array();
	for (struct iscsi_discovery_address *a = da; a != NULL; a = a->next) {
		json_t *portals = json_array();
		for (struct iscsi_target_portal *p = a->portals; p != NULL; p = p->next)
			json_array_append_new(portals, json_string(p->portal));
		json_array_append_new(arr, json_pack("{s:s, s:o}", "name", a->target_name, "portals", portals));
	}
	iscsi_free_discovery_data(iscsi, da);
	return arr;
}

int main(int argc, char **argv)
{
	struct gen_opts o = {
		.initiator = "iqn.2024-01.org.iscsiwatch:gen",
		.hdigest = ISCSI_HEADER_DIGEST_NONE,
		.immediate = -1,
		.initial_r2t = -1,
		.blocks = 8,
		.cdb = 10,
		.lun = 1,
	};
	struct gen_stats st = {0};
	int prc = gen_parse(argc, argv, &o);
	if (prc != 0) {
		if (prc < 0)
			gen_usage(stderr);
		return prc < 0 ? 2 : 0;
	}

	struct iscsi_context *iscsi = iscsi_create_context(o.initiator);
	if (iscsi == NULL) {
		fprintf(stderr, "iscsi-gen: cannot create libiscsi context\n");
		return 1;
	}
	/* A reconnect would put a second login on the wire we did not ask for. */
	iscsi_set_noautoreconnect(iscsi, 1);
	iscsi_set_timeout(iscsi, 10);
	iscsi_set_session_type(iscsi, o.discovery ? ISCSI_SESSION_DISCOVERY : ISCSI_SESSION_NORMAL);
	if (!o.discovery)
		iscsi_set_targetname(iscsi, o.target);
	iscsi_set_header_digest(iscsi, o.hdigest);
	if (o.immediate >= 0)
		iscsi_set_immediate_data(iscsi, o.immediate ? ISCSI_IMMEDIATE_DATA_YES : ISCSI_IMMEDIATE_DATA_NO);
	if (o.initial_r2t >= 0)
		iscsi_set_initial_r2t(iscsi, o.initial_r2t ? ISCSI_INITIAL_R2T_YES : ISCSI_INITIAL_R2T_NO);
	if (o.user != NULL)
		iscsi_set_initiator_username_pwd(iscsi, o.user, o.secret);
	if (o.tuser != NULL)
		iscsi_set_target_username_pwd(iscsi, o.tuser, o.tsecret);

	json_t *out = json_object();
	json_object_set_new(out, "tool", json_string("iscsi-gen"));
	json_object_set_new(out, "portal", json_string(o.portal));
	json_object_set_new(out, "session_type", json_string(o.discovery ? "Discovery" : "Normal"));
	if (o.target != NULL)
		json_object_set_new(out, "target", json_string(o.target));
	json_object_set_new(out, "initiator", json_string(o.initiator));
	json_object_set_new(out, "header_digest_offered", json_string(gen_digest_name(o.hdigest)));
	json_object_set_new(out, "data_digest_offered", json_string("None"));
	json_object_set_new(out, "chap", json_string(o.tuser != NULL ? "mutual" : o.user != NULL ? "one-way" : "none"));

	int rc = 0;
	const char *login = "ok";
	const char *error = NULL;
	if (iscsi_connect_sync(iscsi, o.portal) != 0) {
		login = "no-connect";
		error = iscsi_get_error(iscsi);
		rc = 1;
	} else if (iscsi_login_sync(iscsi) != 0) {
		login = "failed";
		error = iscsi_get_error(iscsi);
		rc = o.expect_fail ? 0 : 1;
	} else if (o.expect_fail) {
		login = "ok-unexpected";
		rc = 1;
	}
	json_object_set_new(out, "login", json_string(login));

	if (rc == 0 && strcmp(login, "ok") == 0) {
		if (o.discovery) {
			json_t *targets = gen_discover(iscsi);
			if (targets == NULL) {
				error = iscsi_get_error(iscsi);
				rc = 1;
			} else
				json_object_set_new(out, "targets", targets);
		} else if (gen_probe(iscsi, &o, &st) < 0 || gen_io(iscsi, &o, &st) < 0) {
			error = iscsi_get_error(iscsi);
			rc = 1;
		}
		if (o.hold) {
			/* Tell the test we are in full feature phase, then
			 * idle logged in: it kills us to play a crashed host. */
			fprintf(stderr, "iscsi-gen: holding\n");
			fflush(stderr);
			sleep(o.hold);
		}
		if (!o.no_logout && iscsi_logout_sync(iscsi) != 0 && rc == 0) {
			error = iscsi_get_error(iscsi);
			rc = 1;
		}
		json_object_set_new(out, "logout", json_boolean(!o.no_logout));
	}
	if (strcmp(login, "no-connect") != 0)
		iscsi_disconnect(iscsi);

	if (!o.discovery) {
		json_object_set_new(out, "lun", json_integer(o.lun));
		json_object_set_new(out, "lun_blocks", json_integer((json_int_t)st.lun_blocks));
		json_object_set_new(out, "block_size", json_integer(st.block_size));
		json_object_set_new(out, "blocks_per_cmd", json_integer(o.blocks));
		json_object_set_new(out, "scsi_cmds", json_integer(st.scsi_cmds));
		json_object_set_new(out, "commands",
				    json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "test_unit_ready", st.tur,
					      "read_capacity10", st.readcap, "read10", st.read10, "read16",
					      st.read16, "write10", st.write10, "write16", st.write16));
		json_object_set_new(out, "reads", json_integer(st.read10 + st.read16));
		json_object_set_new(out, "writes", json_integer(st.write10 + st.write16));
		json_object_set_new(out, "good", json_integer(st.good));
		json_object_set_new(out, "check_conditions", json_integer(st.check_conditions));
		json_object_set_new(out, "unit_attentions", json_integer(st.unit_attentions));
		json_object_set_new(out, "bytes_read", json_integer((json_int_t)st.bytes_read));
		json_object_set_new(out, "bytes_written", json_integer((json_int_t)st.bytes_written));
		if (o.past_end) {
			json_object_set_new(out, "past_end_status", json_integer(st.past_end_status));
			if (st.past_end_sense != NULL)
				json_object_set_new(out, "past_end_sense", json_string(st.past_end_sense));
		}
	}
	if (error != NULL)
		json_object_set_new(out, "error", json_string(error));
	json_object_set_new(out, "ok", json_boolean(rc == 0));

	char *line = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line != NULL) {
		puts(line);
		free(line);
	}
	json_decref(out);
	iscsi_destroy_context(iscsi);
	return rc;
}
