/* export_table.c - a fixed-width text table of the sessions, then the
 * failed logins with their reasons.
 *
 * Every value printed comes from cim.h. Names are wire bytes: control
 * characters and invalid UTF-8 are shown as \xNN so nothing can move the
 * cursor or change a terminal's state; over-long cells lose their middle to "…".
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "cim.h"
#include "scsi.h"

#define CELL_MAX 1024

/* A discovery session names no target: say what it is instead of "?". */
static const char *target_label(const struct session *s)
{
	if (s->target_name[0])
		return s->target_name;
	return s->session_type == NEG_SESSION_DISCOVERY ? "(discovery)" : "?";
}

/* Escapes s into out (valid UTF-8, printable). */
static void esc(const char *s, char *out, size_t outlen)
{
	size_t o = 0, n = strlen(s);
	for (size_t i = 0; i < n && o + 5 < outlen;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '\\') {
			if (c == '\\')
				o += (size_t)snprintf(out + o, outlen - o, "\\\\");
			else
				o += (size_t)snprintf(out + o, outlen - o,
						      "\\x%02X", c);
			i++;
			continue;
		}
		if (c < 0x80) {
			out[o++] = (char)c;
			i++;
			continue;
		}
		size_t take = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (take > n - i)
			take = n - i;
		char one[8];
		size_t w = cim_utf8_clean(s + i, take, one, sizeof(one));
		if (w == take && memcmp(one, s + i, take) == 0 &&
		    o + take < outlen) {
			memcpy(out + o, s + i, take);
			o += take;
			i += take;
		} else {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", c);
			i++;
		}
	}
	out[o] = '\0';
}

/* Characters (code points) in a valid UTF-8 string. */
static size_t u8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Prints s escaped in exactly width columns (left-aligned), cutting with
 * "…" when too long; then one space. */
static void cell(FILE *fp, const char *s, size_t width)
{
	char e[CELL_MAX];
	esc(s ? s : "-", e, sizeof(e));
	size_t chars = u8_chars(e);
	if (chars > width) {
		/* Keep the head and the tail: iSCSI names differ most at
		 * their end (iqn.2024-01.com.example:host-17). */
		size_t head = width / 3, tail = width - 1 - head;
		size_t k = 0, i = 0, cut_head = 0, cut_tail = 0;
		for (; e[i]; i++) {
			if (((unsigned char)e[i] & 0xc0) == 0x80)
				continue;
			if (k == head)
				cut_head = i;
			if (k == chars - tail)
				cut_tail = i;
			k++;
		}
		fwrite(e, 1, cut_head, fp);
		fputs("\xe2\x80\xa6", fp); /* … */
		fputs(e + cut_tail, fp);
	} else {
		fputs(e, fp);
		for (size_t i = chars; i < width; i++)
			fputc(' ', fp);
	}
	fputc(' ', fp);
}

static const struct cim_prop *find(const struct cim_prop *p, size_t n,
				   const char *name)
{
	return cim_find(p, n, name);
}

/* A CIM value as short text ("-" when null). */
static const char *val(const struct cim_prop *p, char *buf, size_t len)
{
	if (!p || p->null)
		return "-";
	switch (p->type) {
	case CIM_T_BOOLEAN:
		return p->u ? "Yes" : "No";
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
		snprintf(buf, len, "%u", p->u);
		return buf;
	case CIM_T_STRING:
		return p->s;
	case CIM_T_DATETIME:
		return cim_time_rfc3339(p->ns, buf, len);
	case CIM_T_UINT16_ARRAY:
		snprintf(buf, len, "%u", p->n ? p->arr[0] : 0);
		return buf;
	case CIM_T_STRING_ARRAY:
		return p->n ? cim_array_str(p, 0) : "-";
	}
	return "-";
}

static const char *digest_word(const struct cim_prop *p)
{
	if (!p || p->null)
		return "?";
	return p->u == 3 ? "CRC32C" : p->u == 2 ? "None" : "Other";
}

/* The SCSI layer's figures (scsi.h), one line per session that carried
 * SCSI commands: rates over the last interval before the capture's end,
 * totals, latency percentiles and errors. Fits in 160 columns. */
static void scsi_section(FILE *fp, const struct session *first,
			 const struct export_meta *m)
{
	bool any = false;
	for (const struct session *s = first; s && !any; s = s->next)
		any = s->scsi && s->scsi->stats.scsi_cmds;
	if (!any)
		return;
	static const struct {
		const char *head;
		size_t w;
	} col[] = {
	    {"INITIATOR", 28}, {"TARGET", 30}, {"CMDS", 7},  {"READS", 8},
	    {"WRITES", 8},     {"MB READ", 9}, {"MB WRIT", 9}, {"IOPS", 8},
	    {"MB/S", 7},       {"P50 MS", 7},  {"P99 MS", 7},  {"CHKCOND", 7},
	    {"ERRORS", 6},     {"OPEN", 4},
	};
	/* A capture file: the average over the I/O period says more than
	 * the last second before the file ended. */
	fprintf(fp, "\nSCSI I/O (IOPS and MB/s: %s; MB = 10^6 bytes)\n",
		m->live ? "last interval" : "average over the I/O period");
	for (size_t i = 0; i < sizeof(col) / sizeof(col[0]); i++)
		cell(fp, col[i].head, col[i].w);
	fputc('\n', fp);
	for (const struct session *s = first; s; s = s->next) {
		if (!s->scsi || !s->scsi->stats.scsi_cmds)
			continue;
		const struct scsi_stats *st = &s->scsi->stats;
		struct scsi_figures f;
		scsi_figures(s, m->last_ns, &f);
		char b[32];
		size_t k = 0;
		cell(fp, s->initiator_name[0] ? s->initiator_name : "?",
		     col[k++].w);
		cell(fp, target_label(s), col[k++].w);
		const uint64_t n[] = {st->scsi_cmds, st->reads, st->writes};
		for (size_t i = 0; i < 3; i++) {
			snprintf(b, sizeof(b), "%llu", (unsigned long long)n[i]);
			cell(fp, b, col[k++].w);
		}
		snprintf(b, sizeof(b), "%.3f", (double)st->bytes_read / 1e6);
		cell(fp, b, col[k++].w);
		snprintf(b, sizeof(b), "%.3f", (double)st->bytes_written / 1e6);
		cell(fp, b, col[k++].w);
		snprintf(b, sizeof(b), "%.0f", m->live ? f.iops : f.total_iops);
		cell(fp, b, col[k++].w);
		snprintf(b, sizeof(b), "%.2f", m->live ? f.mbps : f.total_mbps);
		cell(fp, b, col[k++].w);
		snprintf(b, sizeof(b), "%.3f", (double)f.p50_ns / 1e6);
		cell(fp, st->latency.count ? b : "-", col[k++].w);
		snprintf(b, sizeof(b), "%.3f", (double)f.p99_ns / 1e6);
		cell(fp, st->latency.count ? b : "-", col[k++].w);
		snprintf(b, sizeof(b), "%llu",
			 (unsigned long long)f.check_conditions);
		cell(fp, b, col[k++].w);
		snprintf(b, sizeof(b), "%llu", (unsigned long long)f.errors);
		cell(fp, b, col[k++].w);
		snprintf(b, sizeof(b), "%llu", (unsigned long long)f.outstanding);
		cell(fp, b, col[k++].w);
		fputc('\n', fp);
		for (unsigned i = 0; i < s->scsi->nluns && i < SCSI_LUNS_MAX;
		     i++) {
			const struct scsi_lun *l = &s->scsi->luns[i];
			char line[256];
			int w = snprintf(line, sizeof(line), "    LUN %llu:",
					 (unsigned long long)l->lun);
			if (l->inquiry_seen && w > 0 && (size_t)w < sizeof(line))
				w += snprintf(line + w, sizeof(line) - (size_t)w,
					      " %s %s %s (%s)", l->vendor,
					      l->product, l->revision,
					      scsi_devtype_name(l->device_type));
			if (l->capacity_seen && w > 0 && (size_t)w < sizeof(line))
				snprintf(line + w, sizeof(line) - (size_t)w,
					 " %llu blocks of %u bytes (%.1f MB)",
					 (unsigned long long)l->blocks,
					 l->block_size,
					 (double)l->blocks * l->block_size / 1e6);
			char e[CELL_MAX];
			esc(line, e, sizeof(e));
			fprintf(fp, "%s\n", e);
		}
	}
}

void export_table_list(FILE *fp, const struct session *first,
		       const struct export_meta *m)
{
	struct cim_prop *sp = calloc(CIM_SESSION_NPROPS, sizeof(*sp));
	struct cim_prop *cp = calloc(CIM_CONN_NPROPS, sizeof(*cp));
	if (!sp || !cp) {
		fputs("iscsiwatch: out of memory\n", fp);
		free(sp);
		free(cp);
		return;
	}
	size_t count = 0, failed = 0;
	for (const struct session *s = first; s; s = s->next) {
		count++;
		failed += s->status == ST_ERROR;
	}
	fprintf(fp, "iscsiwatch %s: %zu session%s (perspective %s)",
		m->version ? m->version : "?", count, count == 1 ? "" : "s",
		m->perspective == PERSP_INITIATOR ? "initiator" : "target");
	for (size_t i = 0; i < m->nsources; i++) {
		char e[CELL_MAX];
		esc(m->sources[i], e, sizeof(e));
		fprintf(fp, "%s%s", i ? ", " : " from ", e);
	}
	fputc('\n', fp);

	static const struct {
		const char *head;
		size_t w;
	} col[] = {
	    {"INITIATOR", 28}, {"TARGET", 32},   {"ISID", 14},
	    {"TSIH", 6},       {"TYPE", 9},      {"STATE", 9},
	    {"CONN", 4},       {"HDIGEST", 7},   {"DDIGEST", 7},
	    {"IR2T", 4},       {"IMMD", 4},      {"FIRSTBURST", 10},
	    {"MAXBURST", 8},   {"MAXR2T", 6},    {"ERL", 3},
	};
	for (size_t i = 0; i < sizeof(col) / sizeof(col[0]); i++)
		cell(fp, col[i].head, col[i].w);
	fputc('\n', fp);

	for (const struct session *s = first; s; s = s->next) {
		if (s->status == ST_ERROR)
			continue;
		size_t n = cim_session_props(s, m->perspective, sp,
					     CIM_SESSION_NPROPS);
		size_t cn = 0;
		const struct sconn *lc = session_leading_conn(s);
		if (lc)
			cn = cim_conn_props(s, lc, m->perspective, cp,
					    CIM_CONN_NPROPS);
		char b[64], isid[16];
		snprintf(isid, sizeof(isid), "%02x%02x%02x%02x%02x%02x",
			 s->isid[0], s->isid[1], s->isid[2], s->isid[3],
			 s->isid[4], s->isid[5]);
		const struct cim_prop *tsih = find(sp, n, "TSIH");
		const struct cim_prop *type = find(sp, n, "SessionType");
		cell(fp, s->initiator_name[0] ? s->initiator_name : "?", col[0].w);
		cell(fp, target_label(s), col[1].w);
		cell(fp, s->isid_known ? isid : "?", col[2].w);
		if (tsih && !tsih->null)
			snprintf(b, sizeof(b), "0x%04x", tsih->u);
		else
			snprintf(b, sizeof(b), "?");
		cell(fp, b, col[3].w);
		cell(fp,
		     !type || type->null ? "?"
		     : type->u == 2      ? "Discovery"
					 : "Normal",
		     col[4].w);
		cell(fp, val(find(sp, n, "Status"), b, sizeof(b)), col[5].w);
		cell(fp, val(find(sp, n, "CurrentConnections"), b, sizeof(b)),
		     col[6].w);
		cell(fp, cn ? digest_word(find(cp, cn, "HeaderDigestMethod"))
			    : "?",
		     col[7].w);
		cell(fp, cn ? digest_word(find(cp, cn, "DataDigestMethod")) : "?",
		     col[8].w);
		static const char *const keys[] = {
		    "InitialR2T", "ImmediateData",
		    "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
		    "MaxOutstandingR2T", "ErrorRecoveryLevel"};
		for (size_t k = 0; k < 6; k++)
			cell(fp, val(find(sp, n, keys[k]), b, sizeof(b)),
			     col[9 + k].w);
		fputc('\n', fp);
		const struct cim_prop *sd = find(sp, n, "StatusDescriptions");
		if (s->status != ST_OK && sd && !sd->null && sd->n) {
			char e[CELL_MAX];
			esc(cim_array_str(sd, 0), e, sizeof(e));
			fprintf(fp, "    %s\n", e);
		}
	}

	scsi_section(fp, first, m);

	if (failed) {
		fprintf(fp, "\nFailed logins: %zu\n", failed);
		static const struct {
			const char *head;
			size_t w;
		} fcol[] = {{"TIME", 27}, {"INITIATOR", 28}, {"TARGET", 32}};
		for (size_t i = 0; i < 3; i++)
			cell(fp, fcol[i].head, fcol[i].w);
		fputs("REASON\n", fp);
		for (const struct session *s = first; s; s = s->next) {
			if (s->status != ST_ERROR)
				continue;
			size_t n = cim_session_props(s, m->perspective, sp,
						     CIM_SESSION_NPROPS);
			char b[64], e[CELL_MAX];
			cell(fp, val(find(sp, n, "InstallDate"), b, sizeof(b)),
			     fcol[0].w);
			cell(fp, s->initiator_name[0] ? s->initiator_name : "?",
			     fcol[1].w);
			cell(fp, target_label(s),
			     fcol[2].w);
			const struct cim_prop *sd =
			    find(sp, n, "StatusDescriptions");
			esc(val(sd, b, sizeof(b)), e, sizeof(e));
			fprintf(fp, "%s\n", e);
		}
	}
	free(sp);
	free(cp);
}
