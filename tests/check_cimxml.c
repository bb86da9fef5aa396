/* The WBEM endpoint (cimxml.c): CIM-XML request documents in, responses
 * read back with libxml2 and XPath. Two fixture sessions (a normal one
 * with one connection, a failed login) stand for a capture. */
#include "check_suites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "cim.h"
#include "cim_fixture.h"
#include "cimxml.h"
#include "out_http.h"

static struct session *sessions(void)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	struct sconn *c = fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	s->vals = c->vals;
	struct session *f = fx_failed_session();
	f->seq = 1;
	s->next = f;
	return s;
}

static const struct cimxml_src SRC0 = {
    .persp = PERSP_TARGET, .observed_by = "sensor1 (test.pcapng)",
    .host = "127.0.0.1"};

/* A request for intrinsic method m in namespace ns ("root/cimv2"). */
static char *request(const char *m, const char *ns, const char *params)
{
	char nsx[512] = "";
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", ns);
	for (char *save, *p = strtok_r(copy, "/", &save); p;
	     p = strtok_r(NULL, "/", &save)) {
		size_t o = strlen(nsx);
		snprintf(nsx + o, sizeof(nsx) - o, "<NAMESPACE NAME=\"%s\"/>", p);
	}
	size_t len = strlen(params) + 1024;
	char *b = malloc(len);
	ck_assert_ptr_nonnull(b);
	snprintf(b, len,
		 "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		 "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"42\" "
		 "PROTOCOLVERSION=\"1.0\"><SIMPLEREQ><IMETHODCALL NAME=\"%s\">"
		 "<LOCALNAMESPACEPATH>%s</LOCALNAMESPACEPATH>%s</IMETHODCALL>"
		 "</SIMPLEREQ></MESSAGE></CIM>",
		 m, nsx, params);
	return b;
}

static char *class_param(const char *cls)
{
	char *b = malloc(256);
	ck_assert_ptr_nonnull(b);
	snprintf(b, 256,
		 "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"%s\"/>"
		 "</IPARAMVALUE>",
		 cls);
	return b;
}

struct resp {
	struct cimxml_reply r;
	xmlDoc *doc;
	xmlXPathContext *xp;
};

static void call_raw(const struct session *first, const char *body,
		     size_t len, const struct cimxml_headers *h,
		     struct resp *out)
{
	struct cimxml_src src = SRC0;
	src.first = first;
	memset(out, 0, sizeof(*out));
	ck_assert_int_eq(cimxml_handle(body, len, h, &src, &out->r), 0);
	if (out->r.body) {
		out->doc = xmlReadMemory(out->r.body, (int)out->r.len, "r.xml",
					 NULL, XML_PARSE_NONET);
		ck_assert_msg(out->doc != NULL, "response is not XML:\n%s",
			      out->r.body);
		out->xp = xmlXPathNewContext(out->doc);
	}
}

static void call(const struct session *first, const char *body,
		 struct resp *out)
{
	call_raw(first, body, strlen(body), NULL, out);
	ck_assert_int_eq(out->r.http_status, 200);
	ck_assert_ptr_null(out->r.cim_error);
}

static void resp_free(struct resp *r)
{
	xmlXPathFreeContext(r->xp);
	xmlFreeDoc(r->doc);
	cimxml_reply_free(&r->r);
}

static int count(struct resp *r, const char *xpath)
{
	xmlXPathObject *o = xmlXPathEvalExpression((const xmlChar *)xpath, r->xp);
	ck_assert_msg(o != NULL, "bad xpath %s", xpath);
	int n = o->nodesetval ? o->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(o);
	return n;
}

/* The string value of an XPath expression. */
static char *str(struct resp *r, const char *xpath)
{
	char e[512];
	snprintf(e, sizeof(e), "string(%s)", xpath);
	xmlXPathObject *o = xmlXPathEvalExpression((const xmlChar *)e, r->xp);
	ck_assert_ptr_nonnull(o);
	char *s = strdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	return s;
}

static void str_eq(struct resp *r, const char *xpath, const char *want)
{
	char *s = str(r, xpath);
	ck_assert_msg(!strcmp(s, want), "%s = '%s', want '%s'\n%s", xpath, s,
		      want, r->r.body);
	free(s);
}

static void error_is(struct resp *r, int code)
{
	char want[8];
	snprintf(want, sizeof(want), "%d", code);
	str_eq(r, "/CIM/MESSAGE/SIMPLERSP/*/ERROR/@CODE", want);
	ck_assert_int_eq(count(r, "//IRETURNVALUE"), 0);
}

static void simple(const struct session *first, const char *m, const char *ns,
		   const char *params, struct resp *out)
{
	char *b = request(m, ns, params);
	call(first, b, out);
	free(b);
}

static void enum_names(const struct session *s, const char *cls, int want)
{
	struct resp r;
	char *p = class_param(cls);
	simple(s, "EnumerateInstanceNames", "root/cimv2", p, &r);
	ck_assert_msg(count(&r, "//IRETURNVALUE/INSTANCENAME") == want,
		      "%s: %d names, want %d", cls,
		      count(&r, "//IRETURNVALUE/INSTANCENAME"), want);
	free(p);
	resp_free(&r);
}

START_TEST(test_enumerate_names_deep)
{
	struct session *s = sessions();
	enum_names(s, "CIM_iSCSISession", 2);
	enum_names(s, "ISCSIWATCH_iSCSISession", 2);
	enum_names(s, "cim_iscsiconnection", 2);
	enum_names(s, "CIM_NetworkPipe", 4);
	enum_names(s, "CIM_ManagedElement", 4);
	enum_names(s, "CIM_NetworkPipeComposition", 2);
	enum_names(s, "CIM_Component", 2);
	enum_names(NULL, "CIM_iSCSISession", 0);
	fx_free(s);
}
END_TEST

START_TEST(test_enumerate_instances)
{
	struct session *s = sessions();
	struct resp r;
	char *p = class_param("CIM_iSCSISession");
	simple(s, "EnumerateInstances", "root/cimv2", p, &r);
	ck_assert_int_eq(count(&r, "//VALUE.NAMEDINSTANCE"), 2);
	ck_assert_int_eq(
	    count(&r, "//VALUE.NAMEDINSTANCE/INSTANCE[@CLASSNAME="
		      "'ISCSIWATCH_iSCSISession']"),
	    2);
	const char *i0 = "//VALUE.NAMEDINSTANCE[1]/INSTANCE";
	char x[256];
	snprintf(x, sizeof(x), "%s/PROPERTY[@NAME='Name']/VALUE", i0);
	str_eq(&r, x,
	       "iqn.1993-08.org.debian:01:abcdef,i,0x400001370000,"
	       "iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001");
	snprintf(x, sizeof(x), "%s/PROPERTY[@NAME='TSIH']/@TYPE", i0);
	str_eq(&r, x, "uint32");
	snprintf(x, sizeof(x), "%s/PROPERTY[@NAME='ISID']/VALUE", i0);
	str_eq(&r, x, "0x400001370000");
	snprintf(x, sizeof(x), "%s/PROPERTY[@NAME='ObservedBy']/VALUE", i0);
	str_eq(&r, x, "sensor1 (test.pcapng)");
	snprintf(x, sizeof(x), "%s/PROPERTY[@NAME='SystemName']/VALUE", i0);
	str_eq(&r, x, "192.0.2.2:3260");
	snprintf(x, sizeof(x), "%s/PROPERTY.ARRAY[@NAME='OperationalStatus']"
			       "/VALUE.ARRAY/VALUE", i0);
	str_eq(&r, x, "2");
	/* Null: the property without a VALUE. */
	snprintf(x, sizeof(x), "%s/PROPERTY[@NAME='OtherEnabledState']", i0);
	ck_assert_int_eq(count(&r, x), 1);
	snprintf(x, sizeof(x), "%s/PROPERTY[@NAME='OtherEnabledState']/VALUE", i0);
	ck_assert_int_eq(count(&r, x), 0);
	/* The keys in the instance name agree with the instance. */
	char *id = str(&r, "//VALUE.NAMEDINSTANCE[1]/INSTANCENAME/KEYBINDING"
			   "[@NAME='InstanceID']/KEYVALUE");
	snprintf(x, sizeof(x), "%s/PROPERTY[@NAME='InstanceID']/VALUE", i0);
	str_eq(&r, x, id);
	ck_assert_ptr_nonnull(strstr(id, "ISCSIWATCH:"));
	free(id);
	str_eq(&r, "/CIM/MESSAGE/@ID", "42");
	str_eq(&r, "/CIM/MESSAGE/SIMPLERSP/IMETHODRESPONSE/@NAME",
	       "EnumerateInstances");
	/* sblim-wbemcli's parser takes no empty-element tags (a null
	 * <PROPERTY .../> stops it): every element has its end tag. */
	ck_assert_ptr_null(strstr(r.r.body, "/>"));
	resp_free(&r);

	/* PropertyList and DeepInheritance=false narrow the properties. */
	char params[1024];
	snprintf(params, sizeof(params),
		 "%s<IPARAMVALUE NAME=\"PropertyList\"><VALUE.ARRAY>"
		 "<VALUE>TSIH</VALUE><VALUE>ISID</VALUE><VALUE>Name</VALUE>"
		 "</VALUE.ARRAY></IPARAMVALUE>",
		 p);
	simple(s, "EnumerateInstances", "root/cimv2", params, &r);
	ck_assert_int_eq(count(&r, "//VALUE.NAMEDINSTANCE[1]/INSTANCE/*"), 3);
	resp_free(&r);
	snprintf(params, sizeof(params),
		 "%s<IPARAMVALUE NAME=\"DeepInheritance\"><VALUE>FALSE</VALUE>"
		 "</IPARAMVALUE><IPARAMVALUE NAME=\"IncludeClassOrigin\">"
		 "<VALUE>true</VALUE></IPARAMVALUE>",
		 p);
	simple(s, "EnumerateInstances", "root/cimv2", params, &r);
	ck_assert_int_eq(count(&r, "//PROPERTY[@NAME='ISID']"), 0);
	ck_assert_int_eq(count(&r, "//PROPERTY[@NAME='TSIH']"), 2);
	str_eq(&r, "//VALUE.NAMEDINSTANCE[1]//PROPERTY[@NAME='TSIH']/@CLASSORIGIN",
	       "CIM_iSCSISession");
	str_eq(&r, "//VALUE.NAMEDINSTANCE[1]//PROPERTY[@NAME='Caption']/@CLASSORIGIN",
	       "CIM_ManagedElement");
	resp_free(&r);
	free(p);
	fx_free(s);
}
END_TEST

/* The InstanceID of the first instance of cls (malloc'd). */
static char *first_id(const struct session *s, const char *cls)
{
	struct resp r;
	char *p = class_param(cls);
	simple(s, "EnumerateInstanceNames", "root/cimv2", p, &r);
	char *id = str(&r, "//INSTANCENAME[1]/KEYBINDING/KEYVALUE");
	ck_assert_str_ne(id, "");
	free(p);
	resp_free(&r);
	return id;
}

static char *iname_param(const char *pname, const char *cls, const char *id)
{
	size_t len = strlen(id) * 6 + 512;
	char *b = malloc(len);
	ck_assert_ptr_nonnull(b);
	/* The id is ours (no markup characters in the fixtures). */
	snprintf(b, len,
		 "<IPARAMVALUE NAME=\"%s\"><INSTANCENAME CLASSNAME=\"%s\">"
		 "<KEYBINDING NAME=\"InstanceID\"><KEYVALUE VALUETYPE=\"string\">"
		 "%s</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE>",
		 pname, cls, id);
	return b;
}

START_TEST(test_get_instance)
{
	struct session *s = sessions();
	char *id = first_id(s, "ISCSIWATCH_iSCSIConnection");
	struct resp r;
	char *p = iname_param("InstanceName", "ISCSIWATCH_iSCSIConnection", id);
	simple(s, "GetInstance", "root/cimv2", p, &r);
	str_eq(&r, "//IRETURNVALUE/INSTANCE/@CLASSNAME",
	       "ISCSIWATCH_iSCSIConnection");
	str_eq(&r, "//PROPERTY[@NAME='InstanceID']/VALUE", id);
	str_eq(&r, "//PROPERTY[@NAME='InitiatorAddress']/VALUE",
	       "192.0.2.1:40000");
	str_eq(&r, "//PROPERTY[@NAME='VersionActive']/@TYPE", "uint8");
	resp_free(&r);
	free(p);
	/* Through a parent class name too. */
	p = iname_param("InstanceName", "CIM_iSCSIConnection", id);
	simple(s, "GetInstance", "root/cimv2", p, &r);
	ck_assert_int_eq(count(&r, "//IRETURNVALUE/INSTANCE"), 1);
	resp_free(&r);
	free(p);
	/* Unknown key, unknown class, wrong class for the key. */
	p = iname_param("InstanceName", "ISCSIWATCH_iSCSIConnection", "ISCSIWATCH:nope");
	simple(s, "GetInstance", "root/cimv2", p, &r);
	error_is(&r, CIMXML_ERR_NOT_FOUND);
	resp_free(&r);
	free(p);
	p = iname_param("InstanceName", "CIM_Nothing", id);
	simple(s, "GetInstance", "root/cimv2", p, &r);
	error_is(&r, CIMXML_ERR_INVALID_CLASS);
	resp_free(&r);
	free(p);
	p = iname_param("InstanceName", "ISCSIWATCH_iSCSISession", id);
	simple(s, "GetInstance", "root/cimv2", p, &r);
	error_is(&r, CIMXML_ERR_NOT_FOUND);
	resp_free(&r);
	free(p);
	free(id);
	fx_free(s);
}
END_TEST

START_TEST(test_namespaces)
{
	struct session *s = sessions();
	struct resp r;
	char *p = class_param("CIM_iSCSISession");
	simple(s, "EnumerateInstanceNames", "ROOT/cimv2/Storage/iSCSITarget", p,
	       &r);
	ck_assert_int_eq(count(&r, "//IRETURNVALUE/INSTANCENAME"), 2);
	resp_free(&r);
	simple(s, "EnumerateInstanceNames", "root/interop", p, &r);
	error_is(&r, CIMXML_ERR_INVALID_NAMESPACE);
	resp_free(&r);
	free(p);
	p = class_param("CIM_Nothing");
	simple(s, "EnumerateInstances", "root/cimv2", p, &r);
	error_is(&r, CIMXML_ERR_INVALID_CLASS);
	resp_free(&r);
	free(p);
	fx_free(s);
}
END_TEST

START_TEST(test_associations)
{
	struct session *s = sessions();
	char *sid = first_id(s, "ISCSIWATCH_iSCSISession");
	char *cid = first_id(s, "ISCSIWATCH_iSCSIConnection");
	char params[4096];
	struct resp r;
	char *on = iname_param("ObjectName", "ISCSIWATCH_iSCSISession", sid);
	snprintf(params, sizeof(params),
		 "%s<IPARAMVALUE NAME=\"AssocClass\"><CLASSNAME "
		 "NAME=\"CIM_NetworkPipeComposition\"/></IPARAMVALUE>",
		 on);
	simple(s, "Associators", "root/cimv2", params, &r);
	ck_assert_int_eq(count(&r, "//VALUE.OBJECTWITHPATH"), 1);
	str_eq(&r, "//VALUE.OBJECTWITHPATH/INSTANCE/@CLASSNAME",
	       "ISCSIWATCH_iSCSIConnection");
	str_eq(&r, "//VALUE.OBJECTWITHPATH/INSTANCEPATH/NAMESPACEPATH/HOST",
	       "127.0.0.1");
	str_eq(&r, "//VALUE.OBJECTWITHPATH/INSTANCEPATH/INSTANCENAME/KEYBINDING/KEYVALUE",
	       cid);
	resp_free(&r);
	simple(s, "AssociatorNames", "root/cimv2", params, &r);
	ck_assert_int_eq(count(&r, "//OBJECTPATH/INSTANCEPATH"), 1);
	resp_free(&r);
	/* Wrong role: nothing. Unknown association class: an error. */
	snprintf(params, sizeof(params),
		 "%s<IPARAMVALUE NAME=\"Role\"><VALUE>PartComponent</VALUE>"
		 "</IPARAMVALUE>",
		 on);
	simple(s, "AssociatorNames", "root/cimv2", params, &r);
	ck_assert_int_eq(count(&r, "//OBJECTPATH"), 0);
	ck_assert_int_eq(count(&r, "//IRETURNVALUE"), 1);
	resp_free(&r);
	snprintf(params, sizeof(params),
		 "%s<IPARAMVALUE NAME=\"AssocClass\"><CLASSNAME NAME=\"CIM_X\"/>"
		 "</IPARAMVALUE>",
		 on);
	simple(s, "Associators", "root/cimv2", params, &r);
	error_is(&r, CIMXML_ERR_INVALID_PARAMETER);
	resp_free(&r);
	/* References: the composition, both ends as references. */
	simple(s, "References", "root/cimv2", on, &r);
	ck_assert_int_eq(count(&r, "//VALUE.OBJECTWITHPATH"), 1);
	str_eq(&r, "//VALUE.OBJECTWITHPATH/INSTANCE/@CLASSNAME",
	       "CIM_NetworkPipeComposition");
	str_eq(&r, "//INSTANCE/PROPERTY.REFERENCE[@NAME='GroupComponent']"
		   "/VALUE.REFERENCE/INSTANCEPATH/INSTANCENAME/KEYBINDING/KEYVALUE",
	       sid);
	str_eq(&r, "//INSTANCE/PROPERTY.REFERENCE[@NAME='PartComponent']"
		   "/VALUE.REFERENCE/INSTANCEPATH/INSTANCENAME/KEYBINDING/KEYVALUE",
	       cid);
	str_eq(&r, "//INSTANCE/PROPERTY[@NAME='AggregationSequence']/VALUE",
	       "0");
	resp_free(&r);
	free(on);
	/* From the connection back to its session. */
	on = iname_param("ObjectName", "ISCSIWATCH_iSCSIConnection", cid);
	simple(s, "AssociatorNames", "root/cimv2", on, &r);
	ck_assert_int_eq(count(&r, "//OBJECTPATH"), 1);
	str_eq(&r, "//OBJECTPATH/INSTANCEPATH/INSTANCENAME/@CLASSNAME",
	       "ISCSIWATCH_iSCSISession");
	resp_free(&r);
	simple(s, "ReferenceNames", "root/cimv2", on, &r);
	ck_assert_int_eq(count(&r, "//OBJECTPATH/INSTANCEPATH/INSTANCENAME"
				   "[@CLASSNAME='CIM_NetworkPipeComposition']"),
			 1);
	resp_free(&r);
	free(on);

	/* GetInstance of the composition by its two references. */
	snprintf(params, sizeof(params),
		 "<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
		 "CLASSNAME=\"CIM_NetworkPipeComposition\">"
		 "<KEYBINDING NAME=\"GroupComponent\"><VALUE.REFERENCE>"
		 "<INSTANCENAME CLASSNAME=\"ISCSIWATCH_iSCSISession\">"
		 "<KEYBINDING NAME=\"InstanceID\"><KEYVALUE>%s</KEYVALUE>"
		 "</KEYBINDING></INSTANCENAME></VALUE.REFERENCE></KEYBINDING>"
		 "<KEYBINDING NAME=\"PartComponent\"><VALUE.REFERENCE>"
		 "<INSTANCENAME CLASSNAME=\"ISCSIWATCH_iSCSIConnection\">"
		 "<KEYBINDING NAME=\"InstanceID\"><KEYVALUE>%s</KEYVALUE>"
		 "</KEYBINDING></INSTANCENAME></VALUE.REFERENCE></KEYBINDING>"
		 "</INSTANCENAME></IPARAMVALUE>",
		 sid, cid);
	simple(s, "GetInstance", "root/cimv2", params, &r);
	str_eq(&r, "//IRETURNVALUE/INSTANCE/@CLASSNAME",
	       "CIM_NetworkPipeComposition");
	resp_free(&r);
	free(sid);
	free(cid);
	fx_free(s);
}
END_TEST

START_TEST(test_classes)
{
	struct resp r;
	char params[512];
	snprintf(params, sizeof(params),
		 "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
		 "NAME=\"ISCSIWATCH_iSCSISession\"/></IPARAMVALUE>"
		 "<IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE>"
		 "</IPARAMVALUE>");
	simple(NULL, "GetClass", "root/cimv2", params, &r);
	str_eq(&r, "//CLASS/@SUPERCLASS", "CIM_iSCSISession");
	ck_assert_int_eq(count(&r, "//CLASS/PROPERTY[@NAME='SystemName']"), 1);
	ck_assert_int_eq(
	    count(&r, "//CLASS/PROPERTY[@NAME='InstanceID']/QUALIFIER[@NAME='Key']"),
	    1);
	str_eq(&r, "//CLASS/PROPERTY[@NAME='TSIH']/@PROPAGATED", "true");
	resp_free(&r);
	/* LocalOnly by default: only what the class itself declares. */
	char *p = class_param("ISCSIWATCH_iSCSIConnection");
	simple(NULL, "GetClass", "root/cimv2", p, &r);
	ck_assert_int_eq(count(&r, "//CLASS/PROPERTY"), CIM_CONN_EXT_NPROPS);
	resp_free(&r);
	free(p);
	p = class_param("CIM_NetworkPipeComposition");
	simple(NULL, "GetClass", "root/cimv2", p, &r);
	ck_assert_int_eq(count(&r, "//CLASS/QUALIFIER[@NAME='Association']"), 1);
	ck_assert_int_eq(count(&r, "//CLASS/PROPERTY.REFERENCE"), 2);
	resp_free(&r);
	free(p);
	p = class_param("CIM_Nope");
	simple(NULL, "GetClass", "root/cimv2", p, &r);
	error_is(&r, CIMXML_ERR_NOT_FOUND);
	resp_free(&r);
	free(p);
	simple(NULL, "EnumerateClassNames", "root/cimv2",
	       "<IPARAMVALUE NAME=\"DeepInheritance\"><VALUE>TRUE</VALUE>"
	       "</IPARAMVALUE>",
	       &r);
	ck_assert_int_eq(count(&r, "//IRETURNVALUE/CLASSNAME"), 11);
	resp_free(&r);
	p = class_param("CIM_iSCSISession");
	simple(NULL, "EnumerateClasses", "root/cimv2", p, &r);
	ck_assert_int_eq(count(&r, "//IRETURNVALUE/CLASS"), 1);
	str_eq(&r, "//IRETURNVALUE/CLASS/@NAME", "ISCSIWATCH_iSCSISession");
	resp_free(&r);
	free(p);
}
END_TEST

START_TEST(test_read_only)
{
	static const char *const methods[] = {
	    "CreateInstance", "ModifyInstance", "DeleteInstance", "SetProperty",
	    "CreateClass",    "DeleteClass",    "ExecQuery",	  "GetProperty",
	    "OpenEnumerateInstances"};
	struct session *s = sessions();
	struct resp r;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		simple(s, methods[i], "root/cimv2", "", &r);
		error_is(&r, CIMXML_ERR_NOT_SUPPORTED);
		resp_free(&r);
	}
	static const char ext[] =
	    "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"7\" "
	    "PROTOCOLVERSION=\"1.0\"><SIMPLEREQ><METHODCALL "
	    "NAME=\"RequestStateChange\"><LOCALINSTANCEPATH/>"
	    "<PARAMVALUE NAME=\"RequestedState\"><VALUE>3</VALUE></PARAMVALUE>"
	    "</METHODCALL></SIMPLEREQ></MESSAGE></CIM>";
	call(s, ext, &r);
	str_eq(&r, "//METHODRESPONSE/@NAME", "RequestStateChange");
	error_is(&r, CIMXML_ERR_NOT_SUPPORTED);
	resp_free(&r);
	fx_free(s);
}
END_TEST

/* ---- malformed ---- */

static void http_error(const char *body, size_t len,
		       const struct cimxml_headers *h, int status,
		       const char *cim_error)
{
	struct resp r;
	call_raw(NULL, body, len, h, &r);
	ck_assert_msg(r.r.http_status == status, "status %d, want %d for %.80s",
		      r.r.http_status, status, body);
	if (cim_error)
		ck_assert_str_eq(r.r.cim_error, cim_error);
	ck_assert_ptr_null(r.r.body);
	resp_free(&r);
}

START_TEST(test_malformed)
{
	static const char *const notwf[] = {
	    "", "<", "not xml", "<CIM><MESSAGE></CIM>",
	    "<CIM CIMVERSION=\"2.0\"\x01/>"};
	for (size_t i = 0; i < sizeof(notwf) / sizeof(notwf[0]); i++)
		http_error(notwf[i], strlen(notwf[i]), NULL, 400,
			   "request-not-well-formed");
	static const char *const invalid[] = {
	    "<FOO/>",
	    "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"/>",
	    "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"1\" "
	    "PROTOCOLVERSION=\"1.0\"><SIMPLEREQ/></MESSAGE></CIM>",
	    "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"1\" "
	    "PROTOCOLVERSION=\"1.0\"><SIMPLEREQ><IMETHODCALL NAME=\"GetClass\">"
	    "<BOGUS/></IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>",
	    "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"1\" "
	    "PROTOCOLVERSION=\"1.0\"><SIMPLEREQ><IMETHODCALL NAME=\"GetClass\">"
	    "<LOCALNAMESPACEPATH/></IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>",
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		http_error(invalid[i], strlen(invalid[i]), NULL, 400,
			   "request-not-valid");
	static const char v3[] = "<CIM CIMVERSION=\"3.0\" DTDVERSION=\"2.0\"/>";
	http_error(v3, strlen(v3), NULL, 501, "unsupported-cim-version");
	static const char multi[] =
	    "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"1\" "
	    "PROTOCOLVERSION=\"1.0\"><MULTIREQ/></MESSAGE></CIM>";
	http_error(multi, strlen(multi), NULL, 501,
		   "multiple-requests-unsupported");
	/* Too big: refused before parsing. */
	size_t big = CIMXML_MAX_REQUEST + 1;
	char *b = malloc(big);
	ck_assert_ptr_nonnull(b);
	memset(b, ' ', big);
	http_error(b, big, NULL, 413, NULL);
	free(b);
}
END_TEST

START_TEST(test_entities_refused)
{
	/* Billion laughs and an external entity: never expanded or read. */
	static const char laughs[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE CIM [<!ENTITY a \"aaaaaaaaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
	    "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"&c;\" "
	    "PROTOCOLVERSION=\"1.0\"><SIMPLEREQ><IMETHODCALL NAME=\"GetClass\">"
	    "<LOCALNAMESPACEPATH><NAMESPACE NAME=\"root\"/></LOCALNAMESPACEPATH>"
	    "</IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>";
	http_error(laughs, strlen(laughs), NULL, 400, NULL);
	static const char xxe[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE CIM [<!ENTITY x SYSTEM "
	    "\"file:///etc/passwd\">]><CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">"
	    "<MESSAGE ID=\"&x;\" PROTOCOLVERSION=\"1.0\"/></CIM>";
	http_error(xxe, strlen(xxe), NULL, 400, NULL);
}
END_TEST

START_TEST(test_headers)
{
	char *p = class_param("CIM_iSCSISession");
	char *b = request("EnumerateInstanceNames", "root/cimv2", p);
	struct cimxml_headers ok = {"MethodCall", "EnumerateInstanceNames",
				    "root%2Fcimv2"};
	struct resp r;
	call_raw(NULL, b, strlen(b), &ok, &r);
	ck_assert_int_eq(r.r.http_status, 200);
	resp_free(&r);
	struct cimxml_headers bad_m = {"MethodCall", "GetInstance", NULL};
	http_error(b, strlen(b), &bad_m, 400, "header-mismatch");
	struct cimxml_headers bad_o = {"MethodCall", NULL, "root%2Finterop"};
	http_error(b, strlen(b), &bad_o, 400, "header-mismatch");
	struct cimxml_headers bad_op = {"MethodResponse", NULL, NULL};
	http_error(b, strlen(b), &bad_op, 400, "header-mismatch");
	free(b);
	free(p);
}
END_TEST

/* Hostile names and a hostile message ID come out as well-formed XML,
 * escaped, never as markup. */
START_TEST(test_escaping)
{
	static const char NAME[] = "iqn.x:<a&b>\"c]]>\x01\x1b[31m\xff\xc3(z";
	struct session *s = fx_session(NAME, NAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	char *p = class_param("CIM_iSCSISession");
	char *b = request("EnumerateInstances", "root/cimv2", p);
	char *at = strstr(b, "ID=\"42\"");
	ck_assert_ptr_nonnull(at);
	size_t len = strlen(b) + 64;
	char *b2 = malloc(len);
	ck_assert_ptr_nonnull(b2);
	snprintf(b2, len, "%.*sID=\"&lt;/MESSAGE&gt;&amp;&quot;x\"%s",
		 (int)(at - b), b, at + 7);
	struct resp r;
	call(s, b2, &r);
	str_eq(&r, "/CIM/MESSAGE/@ID", "</MESSAGE>&\"x");
	char *name = str(&r, "//PROPERTY[@NAME='InitiatorName']/VALUE");
	ck_assert_str_eq(name, "iqn.x:<a&b>\"c]]>??[31m\xef\xbf\xbd\xef\xbf\xbd(z");
	free(name);
	ck_assert_ptr_null(memchr(r.r.body, 0x01, r.r.len));
	ck_assert_ptr_null(memchr(r.r.body, 0x1b, r.r.len));
	resp_free(&r);
	free(b2);
	free(b);
	free(p);
	fx_free(s);
}
END_TEST

/* The POST /cimom route: headers looked up through the request, DSP0200
 * headers on the reply. */
static const char *const *fake_headers;

static const char *fake_header(const struct http_request *rq, const char *name)
{
	(void)rq;
	for (size_t i = 0; fake_headers[i]; i += 2)
		if (!strcasecmp(fake_headers[i], name))
			return fake_headers[i + 1];
	return NULL;
}

START_TEST(test_http_route)
{
	struct session *s = sessions();
	struct cimxml_src src = SRC0;
	src.first = s;
	char *p = class_param("CIM_iSCSISession");
	char *b = request("EnumerateInstanceNames", "root/cimv2", p);
	static const char *const good[] = {
	    "CIMOperation", "MethodCall", "CIMMethod", "EnumerateInstanceNames",
	    "CIMObject", "root%2Fcimv2", NULL};
	fake_headers = good;
	struct http_request rq = {.method = "POST", .path = "/cimom", .body = b,
				  .body_len = strlen(b), .header = fake_header};
	struct http_reply rp = {0};
	ck_assert_int_eq(cimxml_http(&src, &rq, &rp), 0);
	ck_assert_uint_eq(rp.status, 200);
	ck_assert_str_eq(rp.headers[0][0], "CIMOperation");
	ck_assert_str_eq(rp.headers[0][1], "MethodResponse");
	ck_assert_ptr_null(rp.headers[1][0]);
	ck_assert_ptr_nonnull(strstr(rp.body, "<INSTANCENAME CLASSNAME=\"ISCSIWATCH_iSCSISession\""));
	ck_assert_ptr_nonnull(strstr(rp.content_type, "application/xml"));
	free(rp.body);
	static const char *const mismatch[] = {
	    "CIMOperation", "MethodCall", "CIMMethod", "GetClass", NULL};
	fake_headers = mismatch;
	memset(&rp, 0, sizeof(rp));
	ck_assert_int_eq(cimxml_http(&src, &rq, &rp), 0);
	ck_assert_uint_eq(rp.status, 400);
	ck_assert_str_eq(rp.headers[1][0], "CIMError");
	ck_assert_str_eq(rp.headers[1][1], "header-mismatch");
	ck_assert_uint_eq(rp.len, 0);
	free(rp.body);
	free(b);
	free(p);
	fx_free(s);
}
END_TEST

Suite *cimxml_suite(void)
{
	/* Loaded before the tests fork, as --listen does before serving;
	 * a failure is check_lazylib.c's to report. */
	cimxml_init(NULL, 0);
	Suite *s = suite_create("cimxml");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_enumerate_names_deep);
	tcase_add_test(tc, test_enumerate_instances);
	tcase_add_test(tc, test_get_instance);
	tcase_add_test(tc, test_namespaces);
	tcase_add_test(tc, test_associations);
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_http_route);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_entities_refused);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_escaping);
	suite_add_tcase(s, tc);
	return s;
}
