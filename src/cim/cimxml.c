/* cimxml.c - the read-only WBEM endpoint of cimxml.h.
 *
 * References: DSP0200 1.4 (operations, CIMError headers, the intrinsic
 * methods and their parameters and defaults), DSP0201 2.4 (the CIM-XML
 * elements). Requests are parsed into a libxml2 tree; responses are
 * written with libxml2's text writer, which escapes every attribute and
 * text node, after textsafe.h's TS_XML style makes each string valid XML
 * 1.0 content: bad UTF-8 becomes U+FFFD and the C0 controls XML 1.0 §2.2
 * cannot carry even as references become '?' (a name with one cannot be
 * written exactly in CIM-XML; the MOF and JSON exports keep it escaped).
 * Nothing from the request reaches the response without going through
 * that writer.
 */
#include "cimxml.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "cim.h"
#include "lazylib.h"
#include "out_http.h"
#include "textsafe.h"

/* libxml2 is opened by cimxml_init(), which --listen calls at start, so
 * a run that serves no CIM-XML never loads it nor icu and libstdc++
 * behind it (lazylib.h). Every call to it goes through this table. */
#define XML_SYMS(X, T)                                                         \
	X(T, xmlBufferContent)                                                 \
	X(T, xmlBufferCreate)                                                  \
	X(T, xmlBufferFree)                                                    \
	X(T, xmlBufferLength)                                                  \
	X(T, xmlDocGetRootElement)                                             \
	X(T, xmlFreeDoc)                                                       \
	X(T, xmlFreeTextWriter)                                                \
	X(T, xmlGetProp)                                                       \
	X(T, xmlInitParser)                                                    \
	X(T, xmlMemGet)                                                        \
	X(T, xmlNewTextWriterMemory)                                           \
	X(T, xmlNodeGetContent)                                                \
	X(T, xmlReadMemory)                                                    \
	X(T, xmlTextWriterEndDocument)                                         \
	X(T, xmlTextWriterFullEndElement)                                      \
	X(T, xmlTextWriterStartDocument)                                       \
	X(T, xmlTextWriterStartElement)                                        \
	X(T, xmlTextWriterWriteAttribute)                                      \
	X(T, xmlTextWriterWriteString)

/* The Makefile reads it from the .so it would have linked. */
#ifndef LAZYLIB_XML_SONAME
#error "LAZYLIB_XML_SONAME undefined: build with the Makefile"
#endif
LAZYLIB_DEFINE(xml_lib, struct xml_table, xml, XML_SYMS, LAZYLIB_XML_SONAME,
	       "--listen");

/* The library's xmlFree, a variable rather than a function: asked of
 * xmlMemGet() so that it is the one libxml2 allocates with. */
static xmlFreeFunc xml_free;

#define NAME_LEN 256
#define ID_LEN (CIM_STR_MAX * 3 + 1) /* a cleaned InstanceID */
#define PLIST_MAX 64
#define DEF_MAX 64

/* ---- classes ---- */

enum family { FAM_GENERIC, FAM_SESSION, FAM_CONN, FAM_ASSOC };

struct cls {
	const char *name, *super;
	enum family fam;
	bool abstract, assoc;
};

/* The classes served, parents first. The generic ancestors are kept so
 * that enumerating them finds the ISCSIWATCH_ instances (deep
 * inheritance, DSP0200 5.3.2.11). */
static const struct cls CLASSES[] = {
    {"CIM_ManagedElement", NULL, FAM_GENERIC, true, false},
    {"CIM_ManagedSystemElement", "CIM_ManagedElement", FAM_GENERIC, true, false},
    {"CIM_LogicalElement", "CIM_ManagedSystemElement", FAM_GENERIC, true, false},
    {"CIM_EnabledLogicalElement", "CIM_LogicalElement", FAM_GENERIC, true, false},
    {"CIM_NetworkPipe", "CIM_EnabledLogicalElement", FAM_GENERIC, false, false},
    {"CIM_iSCSISession", "CIM_NetworkPipe", FAM_SESSION, true, false},
    {"CIM_iSCSIConnection", "CIM_NetworkPipe", FAM_CONN, false, false},
    {CIM_SESSION_CLASS, "CIM_iSCSISession", FAM_SESSION, false, false},
    {CIM_CONN_CLASS, "CIM_iSCSIConnection", FAM_CONN, false, false},
    {"CIM_Component", NULL, FAM_ASSOC, true, true},
    {"CIM_NetworkPipeComposition", "CIM_Component", FAM_ASSOC, false, true},
};
#define NCLASSES (sizeof(CLASSES) / sizeof(CLASSES[0]))
#define COMP_CLASS "CIM_NetworkPipeComposition"

static const struct cls *cls_find(const char *name)
{
	for (size_t i = 0; i < NCLASSES; i++)
		if (!strcasecmp(CLASSES[i].name, name))
			return &CLASSES[i];
	return NULL;
}

/* a is b or one of b's subclasses. */
static bool cls_isa(const char *a, const char *b)
{
	for (const struct cls *c = cls_find(a); c;
	     c = c->super ? cls_find(c->super) : NULL)
		if (!strcasecmp(c->name, b))
			return true;
	return false;
}

/* ---- property declarations, made once from cim.c's lists ---- */

struct pdef {
	const char *name;
	enum cim_type type;
	const char *origin;   /* CLASSORIGIN */
	const char *refclass; /* REF properties (the association) */
	bool key;
};

static struct pdef SESS_DEF[DEF_MAX], CONN_DEF[DEF_MAX];
static size_t nsess_def, nconn_def;
static const struct pdef COMP_DEF[] = {
    {"GroupComponent", CIM_T_STRING, COMP_CLASS, "CIM_NetworkPipe", true},
    {"PartComponent", CIM_T_STRING, COMP_CLASS, "CIM_NetworkPipe", true},
    {"AggregationSequence", CIM_T_UINT16, COMP_CLASS, NULL, false},
};
#define NCOMP_DEF (sizeof(COMP_DEF) / sizeof(COMP_DEF[0]))

/* Where each inherited property is declared (the DMTF hierarchy). */
static const char *generic_origin(const char *prop)
{
	static const struct {
		const char *prop, *cls;
	} T[] = {
	    {"Caption", "CIM_ManagedElement"},
	    {"Description", "CIM_ManagedElement"},
	    {"ElementName", "CIM_ManagedElement"},
	    {"InstallDate", "CIM_ManagedSystemElement"},
	    {"Name", "CIM_ManagedSystemElement"},
	    {"OperationalStatus", "CIM_ManagedSystemElement"},
	    {"StatusDescriptions", "CIM_ManagedSystemElement"},
	    {"Status", "CIM_ManagedSystemElement"},
	    {"HealthState", "CIM_ManagedSystemElement"},
	    {"EnabledState", "CIM_EnabledLogicalElement"},
	    {"OtherEnabledState", "CIM_EnabledLogicalElement"},
	    {"RequestedState", "CIM_EnabledLogicalElement"},
	    {"EnabledDefault", "CIM_EnabledLogicalElement"},
	    {"TimeOfLastStateChange", "CIM_EnabledLogicalElement"},
	    /* Overridden there as the Key (CIM_NetworkPipe). */
	    {"InstanceID", "CIM_NetworkPipe"},
	    {"Directionality", "CIM_NetworkPipe"},
	    {"AggregationBehavior", "CIM_NetworkPipe"},
	};
	for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++)
		if (!strcmp(T[i].prop, prop))
			return T[i].cls;
	return NULL;
}

static void def_add(struct pdef *d, size_t *n, const struct cim_prop *p,
		    const char *own)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(d[i].name, p->name))
			return;
	if (*n >= DEF_MAX)
		return;
	const char *o = generic_origin(p->name);
	d[*n] = (struct pdef){.name = p->name,
			      .type = p->type,
			      .origin = o ? o : own,
			      .key = !strcmp(p->name, "InstanceID")};
	(*n)++;
}

static void defs_build(void)
{
	struct session *s = calloc(1, sizeof(*s));
	struct sconn *c = calloc(1, sizeof(*c));
	struct cim_prop *p = calloc(DEF_MAX, sizeof(*p));
	if (!s || !c || !p)
		goto out;
	c->version_active = 0;
	session_names_init(s);
	s->conns = c;
	size_t n = cim_session_props(s, PERSP_TARGET, p, DEF_MAX);
	for (size_t i = 0; i < n; i++)
		def_add(SESS_DEF, &nsess_def, &p[i], "CIM_iSCSISession");
	n = cim_session_ext_props(s, PERSP_TARGET, "", p, DEF_MAX);
	for (size_t i = 0; i < n; i++)
		def_add(SESS_DEF, &nsess_def, &p[i], CIM_SESSION_CLASS);
	n = cim_conn_props(s, c, PERSP_TARGET, p, DEF_MAX);
	for (size_t i = 0; i < n; i++)
		def_add(CONN_DEF, &nconn_def, &p[i], "CIM_iSCSIConnection");
	n = cim_conn_ext_props(s, c, PERSP_TARGET, "", p, DEF_MAX);
	for (size_t i = 0; i < n; i++)
		def_add(CONN_DEF, &nconn_def, &p[i], CIM_CONN_CLASS);
	/* The inherited properties cim.c has no value for on a connection
	 * still belong to its class (null in every instance). */
	n = cim_session_props(s, PERSP_TARGET, p, DEF_MAX);
	for (size_t i = 0; i < n; i++)
		if (generic_origin(p[i].name))
			def_add(CONN_DEF, &nconn_def, &p[i], NULL);
out:
	free(s);
	free(c);
	free(p);
}

/* The declarations of class cl's family. */
static const struct pdef *fam_defs(enum family f, size_t *n)
{
	switch (f) {
	case FAM_CONN:
		*n = nconn_def;
		return CONN_DEF;
	case FAM_ASSOC:
		*n = NCOMP_DEF;
		return COMP_DEF;
	case FAM_GENERIC:
	case FAM_SESSION:
		break;
	}
	*n = nsess_def;
	return SESS_DEF;
}

/* A property belongs to class cls when it is declared there or above. */
static bool def_in_class(const struct pdef *d, const char *cls)
{
	if (!strcmp(d->origin, "CIM_Component"))
		return true;
	return cls_isa(cls, d->origin);
}

int cimxml_init(char *err, size_t errlen)
{
	if (lazylib_load(&xml_lib, err, errlen) != 0)
		return -1;
	xml.xmlMemGet(&xml_free, NULL, NULL, NULL);
	xml.xmlInitParser();
	if (!nsess_def)
		defs_build();
	return 0;
}

/* ---- the request ---- */

struct iname {
	char cls[NAME_LEN];
	char id[ID_LEN];       /* InstanceID key */
	char gid[ID_LEN];      /* composition: GroupComponent's InstanceID */
	char pid[ID_LEN];      /* composition: PartComponent's InstanceID */
	bool ok;
};

struct req {
	char msgid[NAME_LEN];
	char method[NAME_LEN];
	char ns[NAME_LEN];
	bool extrinsic;
	char classname[NAME_LEN];
	bool has_class;
	struct iname in;        /* InstanceName or ObjectName (instance) */
	bool has_inst, objname_is_class;
	char assoc_class[NAME_LEN], result_class[NAME_LEN];
	char role[NAME_LEN], result_role[NAME_LEN];
	int deep, local_only, qualifiers, class_origin; /* -1: default */
	bool has_plist;
	char plist[PLIST_MAX][NAME_LEN];
	unsigned nplist;
	bool bad_param;
	char bad_what[NAME_LEN];
};

static bool is_el(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE &&
	       !strcmp((const char *)n->name, name);
}

static xmlNode *first_el(xmlNode *n)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static xmlNode *next_el(xmlNode *n)
{
	return n ? first_el(n->next) : NULL;
}

/* The attribute, cut to len; false when absent. */
static bool attr(xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *v = xml.xmlGetProp(n, (const xmlChar *)name);
	if (!v) {
		buf[0] = '\0';
		return false;
	}
	snprintf(buf, len, "%s", (const char *)v);
	xml_free(v);
	return true;
}

static void text_of(xmlNode *n, char *buf, size_t len)
{
	xmlChar *v = xml.xmlNodeGetContent(n);
	snprintf(buf, len, "%s", v ? (const char *)v : "");
	xml_free(v);
}

/* VALUE with TRUE/FALSE (DSP0201 5.2.3: case-insensitive). */
static int bool_value(xmlNode *v, struct req *r, const char *what)
{
	char b[16];
	if (!is_el(v, "VALUE")) {
		r->bad_param = true;
		snprintf(r->bad_what, sizeof(r->bad_what), "%s", what);
		return -1;
	}
	text_of(v, b, sizeof(b));
	if (!strcasecmp(b, "true"))
		return 1;
	if (!strcasecmp(b, "false"))
		return 0;
	r->bad_param = true;
	snprintf(r->bad_what, sizeof(r->bad_what), "%s", what);
	return -1;
}

static void parse_iname(xmlNode *n, struct iname *in);

/* KEYBINDING's VALUE.REFERENCE: the InstanceID of the instance it names. */
static void ref_id(xmlNode *vr, char *id, size_t len, bool *ok)
{
	xmlNode *p = first_el(vr ? vr->children : NULL);
	if (is_el(p, "INSTANCEPATH") || is_el(p, "LOCALINSTANCEPATH")) {
		xmlNode *q = first_el(p->children);
		while (q && !is_el(q, "INSTANCENAME"))
			q = next_el(q);
		p = q;
	}
	if (!is_el(p, "INSTANCENAME")) {
		*ok = false;
		return;
	}
	struct iname *sub = calloc(1, sizeof(*sub));
	if (!sub) {
		*ok = false;
		return;
	}
	/* One level only: a reference inside a reference is no key of
	 * ours, and the recursion must end. */
	sub->ok = true;
	for (xmlNode *kb = first_el(p->children); kb; kb = next_el(kb)) {
		char kn[NAME_LEN];
		xmlNode *kv = first_el(kb->children);
		if (!is_el(kb, "KEYBINDING") || !attr(kb, "NAME", kn, sizeof(kn)) ||
		    strcasecmp(kn, "InstanceID") || !is_el(kv, "KEYVALUE")) {
			sub->ok = false;
			continue;
		}
		text_of(kv, sub->id, sizeof(sub->id));
	}
	snprintf(id, len, "%s", sub->id);
	*ok = *ok && sub->ok && sub->id[0];
	free(sub);
}

/* INSTANCENAME (DSP0201 5.3.4.5): KEYBINDING*, or one KEYVALUE /
 * VALUE.REFERENCE for a single-key class. */
static void parse_iname(xmlNode *n, struct iname *in)
{
	memset(in, 0, sizeof(*in));
	in->ok = attr(n, "CLASSNAME", in->cls, sizeof(in->cls));
	for (xmlNode *kb = first_el(n->children); kb; kb = next_el(kb)) {
		char kn[NAME_LEN] = "InstanceID";
		xmlNode *kv = kb;
		if (is_el(kb, "KEYBINDING")) {
			attr(kb, "NAME", kn, sizeof(kn));
			kv = first_el(kb->children);
		}
		if (is_el(kv, "KEYVALUE") && !strcasecmp(kn, "InstanceID"))
			text_of(kv, in->id, sizeof(in->id));
		else if (is_el(kv, "VALUE.REFERENCE") &&
			 !strcasecmp(kn, "GroupComponent"))
			ref_id(kv, in->gid, sizeof(in->gid), &in->ok);
		else if (is_el(kv, "VALUE.REFERENCE") &&
			 !strcasecmp(kn, "PartComponent"))
			ref_id(kv, in->pid, sizeof(in->pid), &in->ok);
		else
			in->ok = false; /* a key none of our classes has */
	}
}

static void parse_plist(xmlNode *v, struct req *r)
{
	r->has_plist = true;
	if (!is_el(v, "VALUE.ARRAY"))
		return; /* absent or NULL: every property (DSP0200 5.3.2) */
	for (xmlNode *e = first_el(v->children); e; e = next_el(e)) {
		if (!is_el(e, "VALUE") || r->nplist >= PLIST_MAX)
			continue;
		text_of(e, r->plist[r->nplist], sizeof(r->plist[0]));
		r->nplist++;
	}
}

static void parse_iparam(xmlNode *p, struct req *r)
{
	char name[NAME_LEN];
	attr(p, "NAME", name, sizeof(name));
	xmlNode *v = first_el(p->children);
	if (!strcasecmp(name, "ClassName") || !strcasecmp(name, "AssocClass") ||
	    !strcasecmp(name, "ResultClass")) {
		char *dst = !strcasecmp(name, "ClassName")    ? r->classname
			    : !strcasecmp(name, "AssocClass") ? r->assoc_class
							      : r->result_class;
		if (is_el(v, "CLASSNAME"))
			attr(v, "NAME", dst, NAME_LEN);
		else if (v) {
			r->bad_param = true;
			snprintf(r->bad_what, sizeof(r->bad_what), "%s", name);
		}
		if (!strcasecmp(name, "ClassName"))
			r->has_class = v != NULL;
	} else if (!strcasecmp(name, "InstanceName") ||
		   !strcasecmp(name, "ObjectName")) {
		if (is_el(v, "INSTANCENAME")) {
			parse_iname(v, &r->in);
			r->has_inst = true;
		} else if (is_el(v, "CLASSNAME")) {
			attr(v, "NAME", r->classname, NAME_LEN);
			r->objname_is_class = true;
		} else {
			r->bad_param = true;
			snprintf(r->bad_what, sizeof(r->bad_what), "%s", name);
		}
	} else if (!strcasecmp(name, "Role") ||
		   !strcasecmp(name, "ResultRole")) {
		char *dst = !strcasecmp(name, "Role") ? r->role : r->result_role;
		if (is_el(v, "VALUE"))
			text_of(v, dst, NAME_LEN);
	} else if (!strcasecmp(name, "DeepInheritance")) {
		r->deep = bool_value(v, r, name);
	} else if (!strcasecmp(name, "LocalOnly")) {
		r->local_only = bool_value(v, r, name);
	} else if (!strcasecmp(name, "IncludeQualifiers")) {
		r->qualifiers = bool_value(v, r, name);
	} else if (!strcasecmp(name, "IncludeClassOrigin")) {
		r->class_origin = bool_value(v, r, name);
	} else if (!strcasecmp(name, "PropertyList")) {
		parse_plist(v, r);
	}
	/* Other parameters (filters of operations we do not serve) are
	 * ignored here; their operations answer NOT_SUPPORTED. */
}

/* LOCALNAMESPACEPATH: NAMESPACE NAME="root" NAME="cimv2" -> root/cimv2. */
static bool parse_ns(xmlNode *lnp, char *ns, size_t len)
{
	size_t o = 0;
	ns[0] = '\0';
	for (xmlNode *n = first_el(lnp->children); n; n = next_el(n)) {
		char part[NAME_LEN];
		if (!is_el(n, "NAMESPACE") || !attr(n, "NAME", part, sizeof(part)))
			return false;
		int w = snprintf(ns + o, len - o, "%s%s", o ? "/" : "", part);
		if (w < 0 || (size_t)w >= len - o)
			return false;
		o += (size_t)w;
	}
	return o > 0;
}

/* ---- the response writer ---- */

struct out {
	xmlTextWriterPtr w;
	xmlBufferPtr buf;
	const struct cimxml_src *src;
	const struct req *r;
	struct cim_prop *props; /* DEF_MAX */
	bool oom;
	char tmp[ID_LEN];
};

static void el_start(struct out *o, const char *name)
{
	if (xml.xmlTextWriterStartElement(o->w, (const xmlChar *)name) < 0)
		o->oom = true;
}

static void el_end(struct out *o)
{
	/* Full end tags: sblim-wbemcli's parser does not take <PROPERTY/>. */
	if (xml.xmlTextWriterFullEndElement(o->w) < 0)
		o->oom = true;
}

static void el_attr(struct out *o, const char *name, const char *v)
{
	char clean[NAME_LEN * 3];
	ts_escape(TS_XML, v, strlen(v), clean, sizeof(clean));
	if (xml.xmlTextWriterWriteAttribute(o->w, (const xmlChar *)name,
					    (const xmlChar *)clean) < 0)
		o->oom = true;
}

static void el_text(struct out *o, const char *v)
{
	ts_escape(TS_XML, v, strlen(v), o->tmp, sizeof(o->tmp));
	if (xml.xmlTextWriterWriteString(o->w, (const xmlChar *)o->tmp) < 0)
		o->oom = true;
}

static void el_value(struct out *o, const char *v)
{
	el_start(o, "VALUE");
	el_text(o, v);
	el_end(o);
}

static const char *type_name(enum cim_type t)
{
	switch (t) {
	case CIM_T_STRING:
	case CIM_T_STRING_ARRAY:
		return "string";
	case CIM_T_UINT8:
		return "uint8";
	case CIM_T_UINT16:
	case CIM_T_UINT16_ARRAY:
		return "uint16";
	case CIM_T_UINT32:
		return "uint32";
	case CIM_T_BOOLEAN:
		return "boolean";
	case CIM_T_DATETIME:
		return "datetime";
	}
	return "string";
}

static bool type_array(enum cim_type t)
{
	return t == CIM_T_UINT16_ARRAY || t == CIM_T_STRING_ARRAY;
}

/* ---- instances ---- */

enum ikind { I_SESSION, I_CONN, I_COMP };

struct inst {
	enum ikind kind;
	const struct session *s;
	const struct sconn *c;
};

static const char *inst_class(const struct inst *i)
{
	return i->kind == I_SESSION ? CIM_SESSION_CLASS
	       : i->kind == I_CONN  ? CIM_CONN_CLASS
				    : COMP_CLASS;
}

/* Every instance in order: a session, then per connection the connection
 * and its composition. Returns false at the end. */
static bool inst_next(const struct cimxml_src *src, struct inst *i,
		      bool *started)
{
	if (!*started) {
		*started = true;
		if (!src->first)
			return false;
		*i = (struct inst){I_SESSION, src->first, NULL};
		return true;
	}
	if (i->kind == I_SESSION) {
		if (i->s->conns) {
			*i = (struct inst){I_CONN, i->s, i->s->conns};
			return true;
		}
	} else if (i->kind == I_CONN) {
		i->kind = I_COMP;
		return true;
	} else if (i->c->next) {
		*i = (struct inst){I_CONN, i->s, i->c->next};
		return true;
	}
	if (!i->s->next)
		return false;
	*i = (struct inst){I_SESSION, i->s->next, NULL};
	return true;
}

/* The instance's properties (base list then the subclass's) into
 * o->props; returns how many. */
static size_t inst_props(struct out *o, const struct inst *i)
{
	size_t n;
	if (i->kind == I_SESSION) {
		n = cim_session_props(i->s, o->src->persp, o->props, DEF_MAX);
		n += cim_session_ext_props(i->s, o->src->persp,
					   o->src->observed_by, o->props + n,
					   DEF_MAX - n);
	} else {
		n = cim_conn_props(i->s, i->c, o->src->persp, o->props, DEF_MAX);
		n += cim_conn_ext_props(i->s, i->c, o->src->persp,
					o->src->observed_by, o->props + n,
					DEF_MAX - n);
	}
	return n;
}

/* The cleaned InstanceID of a session or connection into id. */
static void inst_id(struct out *o, const struct inst *i, char *id, size_t len)
{
	struct inst pipe = *i;
	if (pipe.kind == I_COMP)
		pipe.kind = I_CONN;
	size_t n = inst_props(o, &pipe);
	const struct cim_prop *p = cim_find(o->props, n, "InstanceID");
	const char *v = p ? p->s : "";
	ts_escape(TS_XML, v, strlen(v), id, len);
}

static void write_ns_path(struct out *o)
{
	el_start(o, "NAMESPACEPATH");
	el_start(o, "HOST");
	el_text(o, o->src->host ? o->src->host : "localhost");
	el_end(o);
	el_start(o, "LOCALNAMESPACEPATH");
	char ns[NAME_LEN];
	snprintf(ns, sizeof(ns), "%s", o->r->ns);
	for (char *save, *part = strtok_r(ns, "/", &save); part;
	     part = strtok_r(NULL, "/", &save)) {
		el_start(o, "NAMESPACE");
		el_attr(o, "NAME", part);
		el_end(o);
	}
	el_end(o);
	el_end(o);
}

static void write_pipe_name(struct out *o, const struct inst *i)
{
	char *id = malloc(ID_LEN);
	if (!id) {
		o->oom = true;
		return;
	}
	inst_id(o, i, id, ID_LEN);
	el_start(o, "INSTANCENAME");
	el_attr(o, "CLASSNAME", i->kind == I_SESSION ? CIM_SESSION_CLASS
						      : CIM_CONN_CLASS);
	el_start(o, "KEYBINDING");
	el_attr(o, "NAME", "InstanceID");
	el_start(o, "KEYVALUE");
	el_attr(o, "VALUETYPE", "string");
	el_text(o, id);
	el_end(o);
	el_end(o);
	el_end(o);
	free(id);
}

static void write_instancepath(struct out *o, const struct inst *i);

/* A REF value: the full path of the session or connection. */
static void write_ref(struct out *o, const struct inst *pipe)
{
	el_start(o, "VALUE.REFERENCE");
	el_start(o, "INSTANCEPATH");
	write_ns_path(o);
	write_pipe_name(o, pipe);
	el_end(o);
	el_end(o);
}

static void write_iname(struct out *o, const struct inst *i)
{
	if (i->kind != I_COMP) {
		write_pipe_name(o, i);
		return;
	}
	struct inst g = {I_SESSION, i->s, NULL}, p = {I_CONN, i->s, i->c};
	el_start(o, "INSTANCENAME");
	el_attr(o, "CLASSNAME", COMP_CLASS);
	el_start(o, "KEYBINDING");
	el_attr(o, "NAME", "GroupComponent");
	write_ref(o, &g);
	el_end(o);
	el_start(o, "KEYBINDING");
	el_attr(o, "NAME", "PartComponent");
	write_ref(o, &p);
	el_end(o);
	el_end(o);
}

static void write_instancepath(struct out *o, const struct inst *i)
{
	el_start(o, "INSTANCEPATH");
	write_ns_path(o);
	write_iname(o, i);
	el_end(o);
}

static bool plist_has(const struct req *r, const char *name)
{
	if (!r->has_plist)
		return true;
	for (unsigned i = 0; i < r->nplist; i++)
		if (!strcasecmp(r->plist[i], name))
			return true;
	return false;
}

static void write_scalar(struct out *o, const struct cim_prop *p)
{
	char b[CIM_TIME_BUF];
	switch (p->type) {
	case CIM_T_STRING:
		el_value(o, p->s);
		break;
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
		snprintf(b, sizeof(b), "%u", p->u);
		el_value(o, b);
		break;
	case CIM_T_BOOLEAN:
		el_value(o, p->u ? "TRUE" : "FALSE");
		break;
	case CIM_T_DATETIME:
		el_value(o, cim_time_mof(p->ns, b, sizeof(b)));
		break;
	case CIM_T_UINT16_ARRAY:
	case CIM_T_STRING_ARRAY:
		break;
	}
}

static void write_prop_head(struct out *o, const struct pdef *d,
			    const char *el, bool origin, bool propagated)
{
	el_start(o, el);
	el_attr(o, "NAME", d->name);
	if (d->refclass)
		el_attr(o, "REFERENCECLASS", d->refclass);
	else
		el_attr(o, "TYPE", type_name(d->type));
	if (origin)
		el_attr(o, "CLASSORIGIN", d->origin);
	if (propagated)
		el_attr(o, "PROPAGATED", "true");
}

static void write_key_qualifier(struct out *o)
{
	el_start(o, "QUALIFIER");
	el_attr(o, "NAME", "Key");
	el_attr(o, "TYPE", "boolean");
	el_attr(o, "OVERRIDABLE", "false");
	el_value(o, "true");
	el_end(o);
}

/* PROPERTY / PROPERTY.ARRAY of d with value p (NULL: null). */
static void write_property(struct out *o, const struct pdef *d,
			   const struct cim_prop *p, bool origin)
{
	bool arr = type_array(d->type);
	write_prop_head(o, d, arr ? "PROPERTY.ARRAY" : "PROPERTY", origin,
			false);
	if (p && !p->null && p->type == d->type) {
		if (arr) {
			char b[16];
			el_start(o, "VALUE.ARRAY");
			for (unsigned k = 0; k < p->n; k++) {
				if (p->type == CIM_T_STRING_ARRAY) {
					el_value(o, cim_array_str(p, k));
				} else {
					snprintf(b, sizeof(b), "%u", p->arr[k]);
					el_value(o, b);
				}
			}
			el_end(o);
		} else {
			write_scalar(o, p);
		}
	}
	el_end(o);
}

/* The requested class limits properties when DeepInheritance is false
 * (DSP0200 5.3.2.11): only those its own definition has. */
static bool prop_wanted(const struct out *o, const struct pdef *d,
			const char *asked)
{
	if (!plist_has(o->r, d->name))
		return false;
	if (o->r->deep == 0 && asked && !def_in_class(d, asked))
		return false;
	return true;
}

static void write_comp_instance(struct out *o, const struct inst *i)
{
	bool origin = o->r->class_origin == 1;
	struct inst g = {I_SESSION, i->s, NULL}, p = {I_CONN, i->s, i->c};
	el_start(o, "INSTANCE");
	el_attr(o, "CLASSNAME", COMP_CLASS);
	for (size_t k = 0; k < NCOMP_DEF; k++) {
		const struct pdef *d = &COMP_DEF[k];
		if (!plist_has(o->r, d->name))
			continue;
		if (d->refclass) {
			write_prop_head(o, d, "PROPERTY.REFERENCE", origin,
					false);
			write_ref(o, d->name[0] == 'G' ? &g : &p);
			el_end(o);
		} else {
			/* 0: the session's connections are combined in
			 * parallel (AggregationBehavior 3), no order. */
			write_prop_head(o, d, "PROPERTY", origin, false);
			el_value(o, "0");
			el_end(o);
		}
	}
	el_end(o);
}

static void write_instance(struct out *o, const struct inst *i,
			   const char *asked)
{
	if (i->kind == I_COMP) {
		write_comp_instance(o, i);
		return;
	}
	size_t n = inst_props(o, i), nd;
	const struct pdef *defs =
	    fam_defs(i->kind == I_SESSION ? FAM_SESSION : FAM_CONN, &nd);
	el_start(o, "INSTANCE");
	el_attr(o, "CLASSNAME", inst_class(i));
	for (size_t k = 0; k < nd; k++)
		if (prop_wanted(o, &defs[k], asked))
			write_property(o, &defs[k],
				       cim_find(o->props, n, defs[k].name),
				       o->r->class_origin == 1);
	el_end(o);
}

/* ---- classes out ---- */

static void write_class(struct out *o, const struct cls *c)
{
	size_t nd;
	const struct pdef *defs = fam_defs(c->fam, &nd);
	bool quals = o->r->qualifiers != 0; /* default TRUE for classes */
	bool local = o->r->local_only != 0; /* default TRUE (DSP0200 5.3.2.1) */
	el_start(o, "CLASS");
	el_attr(o, "NAME", c->name);
	if (c->super)
		el_attr(o, "SUPERCLASS", c->super);
	if (quals && (c->abstract || c->assoc)) {
		static const char *const q[] = {"Abstract", "Association"};
		for (int k = 0; k < 2; k++) {
			if (!(k ? c->assoc : c->abstract))
				continue;
			el_start(o, "QUALIFIER");
			el_attr(o, "NAME", q[k]);
			el_attr(o, "TYPE", "boolean");
			el_value(o, "true");
			el_end(o);
		}
	}
	for (size_t k = 0; k < nd; k++) {
		const struct pdef *d = &defs[k];
		if (!def_in_class(d, c->name) || !plist_has(o->r, d->name))
			continue;
		bool own = !strcasecmp(d->origin, c->name);
		if (local && !own)
			continue;
		const char *el = d->refclass		 ? "PROPERTY.REFERENCE"
				 : type_array(d->type) ? "PROPERTY.ARRAY"
						       : "PROPERTY";
		write_prop_head(o, d, el, o->r->class_origin == 1, !own);
		if (quals && d->key)
			write_key_qualifier(o);
		el_end(o);
	}
	el_end(o);
}

/* ---- operations ---- */

struct result {
	int code; /* 0 or CIM_ERR_* */
	char desc[NAME_LEN * 2];
};

__attribute__((format(printf, 3, 4))) static void
fail(struct result *res, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	res->code = code;
	vsnprintf(res->desc, sizeof(res->desc), fmt, ap);
	va_end(ap);
}

/* The instance named by r->in, or false. */
static bool inst_lookup(struct out *o, struct inst *found)
{
	const struct iname *in = &o->r->in;
	struct inst i;
	bool started = false;
	char *id = malloc(ID_LEN);
	if (!id)
		return false;
	bool hit = false;
	while (!hit && inst_next(o->src, &i, &started)) {
		if (!cls_isa(inst_class(&i), in->cls))
			continue;
		if (i.kind == I_COMP) {
			struct inst g = {I_SESSION, i.s, NULL};
			inst_id(o, &g, id, ID_LEN);
			if (strcmp(id, in->gid))
				continue;
			inst_id(o, &i, id, ID_LEN);
			hit = !strcmp(id, in->pid);
		} else {
			inst_id(o, &i, id, ID_LEN);
			hit = !strcmp(id, in->id);
		}
	}
	free(id);
	if (hit)
		*found = i;
	return hit;
}

static void op_enum_instances(struct out *o, struct result *res, bool names)
{
	const struct req *r = o->r;
	if (!r->has_class) {
		fail(res, CIMXML_ERR_INVALID_PARAMETER, "%s", "ClassName missing");
		return;
	}
	const struct cls *c = cls_find(r->classname);
	if (!c) {
		fail(res, CIMXML_ERR_INVALID_CLASS, "no class %s", r->classname);
		return;
	}
	el_start(o, "IRETURNVALUE");
	struct inst i;
	bool started = false;
	while (!o->oom && inst_next(o->src, &i, &started)) {
		if (!cls_isa(inst_class(&i), c->name))
			continue;
		if (names) {
			write_iname(o, &i);
			continue;
		}
		el_start(o, "VALUE.NAMEDINSTANCE");
		write_iname(o, &i);
		write_instance(o, &i, c->name);
		el_end(o);
	}
	el_end(o);
}

static bool check_iname(const struct req *r, struct result *res)
{
	if (!r->has_inst) {
		fail(res, CIMXML_ERR_INVALID_PARAMETER, "%s",
		     "an instance name is required");
		return false;
	}
	if (!cls_find(r->in.cls)) {
		fail(res, CIMXML_ERR_INVALID_CLASS, "no class %s", r->in.cls);
		return false;
	}
	if (!r->in.ok) {
		fail(res, CIMXML_ERR_NOT_FOUND, "%s",
		     "no instance has those keys");
		return false;
	}
	return true;
}

static void op_get_instance(struct out *o, struct result *res)
{
	struct inst i;
	if (!check_iname(o->r, res))
		return;
	if (!inst_lookup(o, &i)) {
		fail(res, CIMXML_ERR_NOT_FOUND, "no %s with those keys",
		     o->r->in.cls);
		return;
	}
	el_start(o, "IRETURNVALUE");
	write_instance(o, &i, NULL);
	el_end(o);
}

/* The far ends of src through CIM_NetworkPipeComposition, filtered by
 * the association parameters (DSP0200 5.3.2.13-16). */
enum assoc_op { A_ASSOCIATORS, A_ASSOC_NAMES, A_REFERENCES, A_REF_NAMES };

static bool class_param_ok(const char *name, struct result *res,
			   const char *what)
{
	if (name[0] && !cls_find(name)) {
		char m[NAME_LEN + 32];
		snprintf(m, sizeof(m), "%s: no class %s", what, name);
		fail(res, CIMXML_ERR_INVALID_PARAMETER, "%s", m);
		return false;
	}
	return true;
}

static void op_assoc(struct out *o, struct result *res, enum assoc_op op)
{
	const struct req *r = o->r;
	if (r->objname_is_class) {
		fail(res, CIMXML_ERR_NOT_SUPPORTED, "%s",
		     "class-level association traversal");
		return;
	}
	bool refs = op == A_REFERENCES || op == A_REF_NAMES;
	const char *assoc = refs ? r->result_class : r->assoc_class;
	if (!check_iname(r, res) || !class_param_ok(assoc, res, "AssocClass") ||
	    !class_param_ok(refs ? "" : r->result_class, res, "ResultClass"))
		return;
	struct inst src = {0};
	if (!inst_lookup(o, &src)) {
		fail(res, CIMXML_ERR_NOT_FOUND, "no %s with those keys",
		     r->in.cls);
		return;
	}
	if (src.kind == I_COMP) {
		fail(res, CIMXML_ERR_NOT_SUPPORTED, "%s",
		     "associations of an association instance");
		return;
	}
	el_start(o, "IRETURNVALUE");
	/* The session is the GroupComponent, a connection the Part. */
	const char *role = src.kind == I_SESSION ? "GroupComponent"
						 : "PartComponent";
	const char *far_role = src.kind == I_SESSION ? "PartComponent"
						     : "GroupComponent";
	bool pass = (!assoc[0] || cls_isa(COMP_CLASS, assoc)) &&
		    (!r->role[0] || !strcasecmp(r->role, role)) &&
		    (refs || !r->result_role[0] ||
		     !strcasecmp(r->result_role, far_role));
	for (const struct sconn *c = src.s->conns; pass && c && !o->oom;
	     c = c->next) {
		if (src.kind == I_CONN && c != src.c)
			continue;
		struct inst comp = {I_COMP, src.s, c};
		struct inst far = src.kind == I_SESSION
				      ? (struct inst){I_CONN, src.s, c}
				      : (struct inst){I_SESSION, src.s, NULL};
		const struct inst *show = refs ? &comp : &far;
		if (!refs && r->result_class[0] &&
		    !cls_isa(inst_class(&far), r->result_class))
			continue;
		if (op == A_ASSOC_NAMES || op == A_REF_NAMES) {
			el_start(o, "OBJECTPATH");
			write_instancepath(o, show);
			el_end(o);
		} else {
			el_start(o, "VALUE.OBJECTWITHPATH");
			write_instancepath(o, show);
			write_instance(o, show, NULL);
			el_end(o);
		}
	}
	el_end(o);
}

static void op_get_class(struct out *o, struct result *res)
{
	const struct cls *c = cls_find(o->r->classname);
	if (!o->r->has_class) {
		fail(res, CIMXML_ERR_INVALID_PARAMETER, "%s", "ClassName missing");
		return;
	}
	if (!c) {
		fail(res, CIMXML_ERR_NOT_FOUND, "no class %s", o->r->classname);
		return;
	}
	el_start(o, "IRETURNVALUE");
	write_class(o, c);
	el_end(o);
}

static bool cls_below(const struct cls *c, const char *parent, bool deep)
{
	if (!parent)
		return deep || !c->super;
	if (!c->super)
		return false;
	if (!strcasecmp(c->super, parent))
		return true;
	return deep && cls_isa(c->super, parent);
}

static void op_enum_classes(struct out *o, struct result *res, bool names)
{
	const struct req *r = o->r;
	const char *parent = r->classname[0] ? r->classname : NULL;
	if (parent && !cls_find(parent)) {
		fail(res, CIMXML_ERR_INVALID_CLASS, "no class %s", parent);
		return;
	}
	bool deep = r->deep == 1; /* default FALSE (DSP0200 5.3.2.3) */
	el_start(o, "IRETURNVALUE");
	for (size_t k = 0; k < NCLASSES; k++) {
		if (!cls_below(&CLASSES[k], parent, deep))
			continue;
		if (names) {
			el_start(o, "CLASSNAME");
			el_attr(o, "NAME", CLASSES[k].name);
			el_end(o);
		} else {
			write_class(o, &CLASSES[k]);
		}
	}
	el_end(o);
}

static bool ns_served(const char *ns)
{
	return !strcasecmp(ns, "root/cimv2") ||
	       !strcasecmp(ns, "root/cimv2/storage/iscsitarget");
}

static void run_intrinsic(struct out *o, struct result *res)
{
	const char *m = o->r->method;
	if (!ns_served(o->r->ns)) {
		fail(res, CIMXML_ERR_INVALID_NAMESPACE, "no namespace %s",
		     o->r->ns);
		return;
	}
	if (o->r->bad_param) {
		fail(res, CIMXML_ERR_INVALID_PARAMETER, "bad %s", o->r->bad_what);
		return;
	}
	if (!strcmp(m, "EnumerateInstances"))
		op_enum_instances(o, res, false);
	else if (!strcmp(m, "EnumerateInstanceNames"))
		op_enum_instances(o, res, true);
	else if (!strcmp(m, "GetInstance"))
		op_get_instance(o, res);
	else if (!strcmp(m, "Associators"))
		op_assoc(o, res, A_ASSOCIATORS);
	else if (!strcmp(m, "AssociatorNames"))
		op_assoc(o, res, A_ASSOC_NAMES);
	else if (!strcmp(m, "References"))
		op_assoc(o, res, A_REFERENCES);
	else if (!strcmp(m, "ReferenceNames"))
		op_assoc(o, res, A_REF_NAMES);
	else if (!strcmp(m, "GetClass"))
		op_get_class(o, res);
	else if (!strcmp(m, "EnumerateClasses"))
		op_enum_classes(o, res, false);
	else if (!strcmp(m, "EnumerateClassNames"))
		op_enum_classes(o, res, true);
	else /* Create/Modify/Delete, SetProperty, ExecQuery, ... */
		fail(res, CIMXML_ERR_NOT_SUPPORTED, "%s is not supported "
		     "(a passive observer is read-only)", m);
}

/* ---- request framing ---- */

static void set_http_error(struct cimxml_reply *out, int status,
			   const char *cim_error)
{
	out->http_status = status;
	out->cim_error = cim_error;
}

/* CIM > MESSAGE > SIMPLEREQ > (IMETHODCALL | METHODCALL). Returns the
 * call element, or NULL with out's HTTP error set (DSP0200 7.5). */
static xmlNode *parse_envelope(xmlDoc *doc, struct req *r,
			       struct cimxml_reply *out)
{
	xmlNode *cim = xml.xmlDocGetRootElement(doc);
	char v[NAME_LEN];
	if (!is_el(cim, "CIM")) {
		set_http_error(out, 400, "request-not-valid");
		return NULL;
	}
	if (!attr(cim, "CIMVERSION", v, sizeof(v)) || strncmp(v, "2.", 2)) {
		set_http_error(out, 501, "unsupported-cim-version");
		return NULL;
	}
	if (!attr(cim, "DTDVERSION", v, sizeof(v)) || strncmp(v, "2.", 2)) {
		set_http_error(out, 501, "unsupported-dtd-version");
		return NULL;
	}
	xmlNode *msg = first_el(cim->children);
	if (!is_el(msg, "MESSAGE") || !attr(msg, "ID", r->msgid, sizeof(r->msgid))) {
		set_http_error(out, 400, "request-not-valid");
		return NULL;
	}
	if (!attr(msg, "PROTOCOLVERSION", v, sizeof(v)) || strncmp(v, "1.", 2)) {
		set_http_error(out, 501, "unsupported-protocol-version");
		return NULL;
	}
	xmlNode *req = first_el(msg->children);
	if (is_el(req, "MULTIREQ")) {
		set_http_error(out, 501, "multiple-requests-unsupported");
		return NULL;
	}
	xmlNode *call = is_el(req, "SIMPLEREQ") ? first_el(req->children) : NULL;
	if (!is_el(call, "IMETHODCALL") && !is_el(call, "METHODCALL")) {
		set_http_error(out, 400, "request-not-valid");
		return NULL;
	}
	r->extrinsic = is_el(call, "METHODCALL");
	if (!attr(call, "NAME", r->method, sizeof(r->method)) || !r->method[0]) {
		set_http_error(out, 400, "request-not-valid");
		return NULL;
	}
	return call;
}

static bool parse_call(xmlNode *call, struct req *r)
{
	xmlNode *n = first_el(call->children);
	if (r->extrinsic)
		return true; /* answered NOT_SUPPORTED whatever it holds */
	if (!is_el(n, "LOCALNAMESPACEPATH") || !parse_ns(n, r->ns, sizeof(r->ns)))
		return false;
	for (n = next_el(n); n; n = next_el(n))
		if (is_el(n, "IPARAMVALUE"))
			parse_iparam(n, r);
		else
			return false;
	return true;
}

/* "root%2Fcimv2" -> "root/cimv2" (DSP0200 7.4.5: CIMObject is
 * URL-encoded); false when malformed. */
static bool url_decode(const char *in, char *out, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; in[i]; i++) {
		char c = in[i];
		if (c == '%') {
			if (!isxdigit((unsigned char)in[i + 1]) ||
			    !isxdigit((unsigned char)in[i + 2]))
				return false;
			char h[3] = {in[i + 1], in[i + 2], 0};
			c = (char)strtol(h, NULL, 16);
			i += 2;
		}
		if (o + 1 >= len)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* DSP0200 7.4: the headers must agree with the body. */
static bool headers_ok(const struct cimxml_headers *h, const struct req *r,
		       struct cimxml_reply *out)
{
	if (!h)
		return true;
	if (h->operation && strcasecmp(h->operation, "MethodCall")) {
		set_http_error(out, 400, "header-mismatch");
		return false;
	}
	if (h->method && strcmp(h->method, r->method)) {
		set_http_error(out, 400, "header-mismatch");
		return false;
	}
	char obj[NAME_LEN];
	if (h->object && !r->extrinsic &&
	    (!url_decode(h->object, obj, sizeof(obj)) ||
	     strcasecmp(obj, r->ns))) {
		set_http_error(out, 400, "header-mismatch");
		return false;
	}
	return true;
}

static void write_response(struct out *o, struct result *res)
{
	const struct req *r = o->r;
	xml.xmlTextWriterStartDocument(o->w, NULL, "utf-8", NULL);
	el_start(o, "CIM");
	el_attr(o, "CIMVERSION", "2.0");
	el_attr(o, "DTDVERSION", "2.0");
	el_start(o, "MESSAGE");
	el_attr(o, "ID", r->msgid);
	el_attr(o, "PROTOCOLVERSION", "1.0");
	el_start(o, "SIMPLERSP");
	el_start(o, r->extrinsic ? "METHODRESPONSE" : "IMETHODRESPONSE");
	el_attr(o, "NAME", r->method);
	if (r->extrinsic) {
		fail(res, CIMXML_ERR_NOT_SUPPORTED, "%s",
		     "no extrinsic methods: a passive observer is read-only");
	} else {
		/* The operation writes its IRETURNVALUE as it goes; on an
		 * error it has written nothing (errors come first). */
		run_intrinsic(o, res);
	}
	if (res->code) {
		char code[8];
		snprintf(code, sizeof(code), "%d", res->code);
		el_start(o, "ERROR");
		el_attr(o, "CODE", code);
		el_attr(o, "DESCRIPTION", res->desc);
		el_end(o);
	}
	xml.xmlTextWriterEndDocument(o->w);
}

static bool has_entities(xmlDoc *doc)
{
	return (doc->intSubset &&
		(doc->intSubset->entities || doc->intSubset->pentities)) ||
	       (doc->extSubset && doc->extSubset->entities);
}

int cimxml_handle(const char *body, size_t len, const struct cimxml_headers *h,
		  const struct cimxml_src *src, struct cimxml_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (len > CIMXML_MAX_REQUEST || len > (size_t)INT32_MAX) {
		set_http_error(out, 413, NULL);
		return 0;
	}
	if ((!xml_lib.handle || !nsess_def) && cimxml_init(NULL, 0) != 0) {
		set_http_error(out, 500, NULL);
		return -1;
	}
	/* No network, no entity substitution (NOENT unset), no DTD load;
	 * errors are ours to report, not libxml2's to print. */
	int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		   XML_PARSE_NOCDATA;
	xmlDoc *doc =
	    xml.xmlReadMemory(body, (int)len, "cimom.xml", NULL, opts);
	if (!doc || has_entities(doc)) {
		set_http_error(out, 400, doc ? "request-not-valid"
					     : "request-not-well-formed");
		xml.xmlFreeDoc(doc);
		return 0;
	}
	struct req *r = calloc(1, sizeof(*r));
	struct out o = {.src = src};
	struct result res = {0};
	int rc = 0;
	if (!r) {
		rc = -1;
		goto done;
	}
	r->deep = r->local_only = r->qualifiers = r->class_origin = -1;
	xmlNode *call = parse_envelope(doc, r, out);
	if (!call)
		goto done;
	if (!parse_call(call, r)) {
		set_http_error(out, 400, "request-not-valid");
		goto done;
	}
	if (!headers_ok(h, r, out))
		goto done;
	o.r = r;
	o.props = calloc(DEF_MAX, sizeof(*o.props));
	o.buf = xml.xmlBufferCreate();
	o.w = o.buf ? xml.xmlNewTextWriterMemory(o.buf, 0) : NULL;
	if (!o.props || !o.w) {
		rc = -1;
		goto done;
	}
	write_response(&o, &res);
	xml.xmlFreeTextWriter(o.w); /* flushes into o.buf */
	o.w = NULL;
	if (o.oom) {
		rc = -1;
		goto done;
	}
	out->len = (size_t)xml.xmlBufferLength(o.buf);
	out->body = malloc(out->len + 1);
	if (!out->body) {
		rc = -1;
		goto done;
	}
	memcpy(out->body, xml.xmlBufferContent(o.buf), out->len);
	out->body[out->len] = '\0';
	out->http_status = 200;
done:
	if (rc) {
		free(out->body);
		out->body = NULL;
		out->len = 0;
		set_http_error(out, 500, NULL);
	}
	if (o.w)
		xml.xmlFreeTextWriter(o.w);
	if (o.buf)
		xml.xmlBufferFree(o.buf);
	free(o.props);
	free(r);
	xml.xmlFreeDoc(doc);
	return rc;
}

void cimxml_reply_free(struct cimxml_reply *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

static const char *hdr(const struct http_request *rq, const char *name)
{
	return rq->header ? rq->header(rq, name) : NULL;
}

int cimxml_http(const struct cimxml_src *src, const struct http_request *rq,
		struct http_reply *rp)
{
	struct cimxml_headers h = {
	    .operation = hdr(rq, "CIMOperation"),
	    .method = hdr(rq, "CIMMethod"),
	    .object = hdr(rq, "CIMObject"),
	};
	struct cimxml_reply r;
	if (cimxml_handle(rq->body, rq->body_len, &h, src, &r) != 0)
		return -1;
	if (!r.body) { /* a protocol error: the status and CIMError say it */
		r.body = calloc(1, 1);
		r.len = 0;
		if (!r.body)
			return -1;
	}
	rp->status = (unsigned)r.http_status;
	rp->content_type = "application/xml; charset=\"utf-8\"";
	rp->body = r.body;
	rp->len = r.len;
	/* DSP0200 7.4.1: every response to an operation request says so. */
	rp->headers[0][0] = "CIMOperation";
	rp->headers[0][1] = "MethodResponse";
	if (r.cim_error) {
		rp->headers[1][0] = "CIMError";
		rp->headers[1][1] = r.cim_error;
	}
	return 0;
}
