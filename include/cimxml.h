/* cimxml.h - a read-only WBEM endpoint: CIM-XML operation requests
 * (DSP0200 1.4 CIM operations over HTTP, DSP0201 2.4 CIM-XML
 * representation) answered from the reconstructed sessions.
 *
 * The HTTP layer hands over a POST body and the CIMOperation, CIMMethod
 * and CIMObject headers; cimxml_handle() parses the body with libxml2
 * (no network, no entity expansion, no DTD loading, a size cap) and
 * builds the whole response. The instances come from cim.h's property
 * lists, the ones the MOF and JSON exporters print, so every format
 * shows the same values.
 *
 * Served, in namespace root/cimv2 and in the MOF's
 * root/cimv2/storage/iscsitarget (any letter case):
 *   EnumerateInstances, EnumerateInstanceNames, GetInstance, Associators,
 *   AssociatorNames, References, ReferenceNames (instance level),
 *   GetClass, EnumerateClasses, EnumerateClassNames
 * for ISCSIWATCH_iSCSISession, ISCSIWATCH_iSCSIConnection, the
 * CIM_NetworkPipeComposition linking them, and their ancestors (deep
 * inheritance: enumerating CIM_iSCSISession or CIM_ManagedElement gives
 * the ISCSIWATCH_ instances). Every other intrinsic method and every
 * extrinsic method call answers CIM_ERR_NOT_SUPPORTED: a passive observer
 * changes nothing.
 *
 * Thread safety: call cimxml_init() once before threads start. The
 * session list must not change during a call (the caller holds its lock).
 */
#ifndef ISCSIWATCH_CIMXML_H
#define ISCSIWATCH_CIMXML_H

#include <stddef.h>

#include "session.h"

/* Request bodies above this are refused (HTTP 413) unread. */
#define CIMXML_MAX_REQUEST (256u * 1024u)

/* DSP0200 status codes (CIM_ERR_*). */
enum cimxml_err {
	CIMXML_ERR_FAILED = 1,
	CIMXML_ERR_INVALID_NAMESPACE = 3,
	CIMXML_ERR_INVALID_PARAMETER = 4,
	CIMXML_ERR_INVALID_CLASS = 5,
	CIMXML_ERR_NOT_FOUND = 6,
	CIMXML_ERR_NOT_SUPPORTED = 7,
};

struct cimxml_src {
	const struct session *first; /* the sessions, in creation order */
	enum perspective persp;
	const char *observed_by;     /* ObservedBy: host and capture source */
	const char *host;            /* HOST of returned paths ("localhost") */
};

/* The DSP0200 request headers (NULL when absent). CIMObject is the
 * URL-encoded namespace for intrinsic methods. */
struct cimxml_headers {
	const char *operation; /* CIMOperation: must be MethodCall */
	const char *method;    /* CIMMethod: must match the body */
	const char *object;    /* CIMObject: must match the body */
};

struct cimxml_reply {
	int http_status;       /* 200; 400, 413, 501 for protocol errors */
	const char *cim_error; /* the CIMError header (DSP0200 7.5), or NULL */
	char *body;            /* malloc'd CIM-XML document, NULL when none */
	size_t len;
};

/* Once, before any thread calls cimxml_handle(): opens libxml2
 * (lazylib.h). 0, or -1 with a one-line err when it cannot be loaded
 * (err may be NULL). cimxml_handle() calls it when nobody has. */
int cimxml_init(char *err, size_t errlen);

/* Answers one request. Returns 0 (the reply says what happened, CIM
 * errors included) or -1 when out of memory or libxml2 cannot be
 * loaded (reply: 500, no body). */
int cimxml_handle(const char *body, size_t len, const struct cimxml_headers *h,
		  const struct cimxml_src *src, struct cimxml_reply *out);

void cimxml_reply_free(struct cimxml_reply *r);

/* The POST /cimom route (out_http.h): the DSP0200 headers in, the reply
 * with Content-Type application/xml, CIMOperation: MethodResponse and,
 * for a protocol error, CIMError. 0, or -1 (the server answers 500). */
struct http_request;
struct http_reply;
int cimxml_http(const struct cimxml_src *src, const struct http_request *rq,
		struct http_reply *rp);

#endif
