/* export_mof.c - sessions as MOF instances (DMTF DSP0004 syntax).
 *
 * The namespace is the one the seed class lives in on Windows Server
 * (SMiSCSITargetProv, Root\CIMv2\Storage\iScsiTarget). Instances are of
 * the concrete classes of data/iscsiwatch.mof (iscsiwatch --mof-schema):
 * each session "as $s<i>", each of its connections "as $c<i>_<j>", and
 * one CIM_NetworkPipeComposition per connection linking the two. Null
 * properties are omitted, so a consumer sees the class default or NULL.
 * Strings are escaped as DSP0004 allows (textsafe.h, TS_MOF): \" \\ and
 * \xNN for every control byte and every byte of invalid UTF-8, so the file
 * is always valid UTF-8; a literal ends after a \xNN followed by a hex
 * digit, because DSP0004 reads up to 4 digits and DSP0221 any number
 * ("ctl\x07" "face").
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cim.h"
#include "textsafe.h"

#define MOF_NAMESPACE "\\\\.\\Root\\CIMv2\\Storage\\iScsiTarget"

/* A DSP0004 string literal (textsafe.h, TS_MOF). */
static void mof_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	ts_fputs(TS_MOF, fp, s);
	fputc('"', fp);
}

static void mof_value(FILE *fp, const struct cim_prop *p)
{
	char b[CIM_TIME_BUF];
	switch (p->type) {
	case CIM_T_STRING:
		mof_string(fp, p->s);
		break;
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
		fprintf(fp, "%u", p->u);
		break;
	case CIM_T_BOOLEAN:
		fputs(p->u ? "TRUE" : "FALSE", fp);
		break;
	case CIM_T_DATETIME:
		fprintf(fp, "\"%s\"", cim_time_mof(p->ns, b, sizeof(b)));
		break;
	case CIM_T_UINT16_ARRAY:
		fputc('{', fp);
		for (unsigned i = 0; i < p->n; i++)
			fprintf(fp, "%s%u", i ? ", " : "", p->arr[i]);
		fputc('}', fp);
		break;
	case CIM_T_STRING_ARRAY:
		fputc('{', fp);
		for (unsigned i = 0; i < p->n; i++) {
			if (i)
				fputs(", ", fp);
			mof_string(fp, cim_array_str(p, i));
		}
		fputc('}', fp);
		break;
	}
}

static void mof_instance(FILE *fp, const char *cls, const char *alias,
			 const struct cim_prop *props, size_t n)
{
	fprintf(fp, "instance of %s as $%s\n{\n", cls, alias);
	for (size_t i = 0; i < n; i++) {
		if (props[i].null)
			continue;
		fprintf(fp, "    %s = ", props[i].name);
		mof_value(fp, &props[i]);
		fputs(";\n", fp);
	}
	fputs("};\n\n", fp);
}

static void mof_write(FILE *fp, const struct session *first,
		      const struct export_meta *m, struct cim_prop *props)
{
	size_t count = 0;
	for (const struct session *s = first; s; s = s->next)
		count++;
	/* Comments carry no wall-clock time: the output is reproducible. */
	fprintf(fp, "// iscsiwatch %s: %zu iSCSI session%s, perspective %s\n",
		m->version ? m->version : "?", count, count == 1 ? "" : "s",
		m->perspective == PERSP_INITIATOR ? "initiator" : "target");
	fputs("#pragma namespace(", fp);
	mof_string(fp, MOF_NAMESPACE);
	fputs(")\n\n", fp);
	char obs[CIM_STR_MAX];
	cim_observed_by(m->sources, m->nsources, m->live, obs, sizeof(obs));
	size_t si = 0;
	for (const struct session *s = first; s; s = s->next, si++) {
		char sa[32], ca[48];
		enum perspective p = m->perspective;
		size_t n = cim_session_props(s, p, props, CIM_PROPS_MAX);
		n += cim_session_ext_props(s, p, obs, props + n,
					   CIM_PROPS_MAX - n);
		snprintf(sa, sizeof(sa), "s%zu", si);
		mof_instance(fp, CIM_SESSION_CLASS, sa, props, n);
		size_t ci = 0;
		for (const struct sconn *c = s->conns; c; c = c->next, ci++) {
			n = cim_conn_props(s, c, p, props, CIM_PROPS_MAX);
			n += cim_conn_ext_props(s, c, p, obs, props + n,
						CIM_PROPS_MAX - n);
			snprintf(ca, sizeof(ca), "c%zu_%zu", si, ci);
			mof_instance(fp, CIM_CONN_CLASS, ca, props, n);
			/* The session aggregates the connection; its
			 * connections are combined in parallel, so no
			 * order (AggregationSequence 0). */
			fprintf(fp,
				"instance of CIM_NetworkPipeComposition\n{\n"
				"    GroupComponent = $%s;\n"
				"    PartComponent = $%s;\n"
				"    AggregationSequence = 0;\n};\n\n",
				sa, ca);
		}
	}
}

static int mof_document(FILE *fp, const struct session *first,
			const struct export_meta *m)
{
	struct cim_prop *props = calloc(CIM_PROPS_MAX, sizeof(*props));
	if (!props)
		return -1;
	mof_write(fp, first, m, props);
	free(props);
	return 0;
}

int export_mof_list(const char *path, const struct session *first,
		    const struct export_meta *m, char *err, size_t errlen)
{
	return export_file(path, mof_document, "MOF", first, m, err, errlen);
}
