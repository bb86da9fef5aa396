/* cim.h - the one derivation of every CIM property (cim-mapping.md).
 *
 * cim_session_props() and cim_conn_props() turn a reconstructed session
 * (session.h) into an ordered array of CIM_iSCSISession and
 * CIM_iSCSIConnection properties. Every exporter (JSON, MOF, the table,
 * the UI) prints these values and computes none of its own, so the
 * formats cannot disagree.
 *
 * Strings are copied into the property (no pointer into the session), as
 * the raw bytes the wire carried: they may hold control characters or
 * invalid UTF-8, and each format escapes them in its style
 * (textsafe.h holds every way).
 *
 * Memory: the caller owns the array; a property is about 1.6 KB, so
 * exporters allocate one array of CIM_SESSION_NPROPS and reuse it.
 */
#ifndef ISCSIWATCH_CIM_H
#define ISCSIWATCH_CIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

enum cim_type {
	CIM_T_STRING = 0,
	CIM_T_UINT8,
	CIM_T_UINT16,
	CIM_T_UINT32,
	CIM_T_BOOLEAN,
	CIM_T_DATETIME,     /* ns since the epoch, UTC; 0: the 0 interval */
	CIM_T_UINT16_ARRAY, /* arr[0..n) */
	CIM_T_STRING_ARRAY, /* n NUL-terminated strings packed in s */
};

#define CIM_ARRAY_MAX 8
/* Name is at most 2 * 255 + 26 bytes; Description the longest. */
#define CIM_STR_MAX 1536
#define CIM_CAPTION_MAX 64 /* MaxLen(64) on CIM_ManagedElement.Caption */

struct cim_prop {
	const char *name; /* CIM property name, static */
	enum cim_type type;
	bool null;        /* unknown: JSON null, omitted from MOF */
	uint32_t u;       /* UINT8/16/32, BOOLEAN (0/1) */
	uint64_t ns;      /* DATETIME */
	unsigned n;       /* array elements */
	uint16_t arr[CIM_ARRAY_MAX];
	size_t len;       /* STRING / STRING_ARRAY: bytes used in s */
	char s[CIM_STR_MAX];
};

#define CIM_SESSION_NPROPS 32 /* every property of the seed class */
#define CIM_CONN_NPROPS 19

/* Fills out[0..max) with the CIM_iSCSISession properties of s, in the
 * seed's order, as seen from perspective p. Returns how many were
 * written (CIM_SESSION_NPROPS when max allows). */
size_t cim_session_props(const struct session *s, enum perspective p,
			 struct cim_prop *out, size_t max);
/* CIM_iSCSIConnection properties of connection c of session s. */
size_t cim_conn_props(const struct session *s, const struct sconn *c,
		      enum perspective p, struct cim_prop *out, size_t max);

/* The properties the concrete classes add (data/iscsiwatch.mof):
 * ISCSIWATCH_iSCSISession after cim_session_props(), and
 * ISCSIWATCH_iSCSIConnection after cim_conn_props(). observed_by names
 * the sensor (host and capture source; NULL: null). Every property is
 * always written, null when unknown. */
#define CIM_SESSION_CLASS "ISCSIWATCH_iSCSISession"
#define CIM_CONN_CLASS "ISCSIWATCH_iSCSIConnection"
#define CIM_SESSION_EXT_NPROPS 8
#define CIM_CONN_EXT_NPROPS 5
/* Room for the properties of either concrete class. */
#define CIM_PROPS_MAX (CIM_SESSION_NPROPS + CIM_SESSION_EXT_NPROPS)
/* ObservedBy: the capture files, or "<host>: <interfaces>" when live. */
void cim_observed_by(const char *const *sources, size_t n, bool live,
		     char *buf, size_t len);
size_t cim_session_ext_props(const struct session *s, enum perspective p,
			     const char *observed_by, struct cim_prop *out,
			     size_t max);
size_t cim_conn_ext_props(const struct session *s, const struct sconn *c,
			  enum perspective p, const char *observed_by,
			  struct cim_prop *out, size_t max);

/* The property called name in props[0..n), or NULL. */
/* OperationalStatus value, Status string and HealthState of a model
 * status (cim-mapping.md); EnabledState is session_enabled_state(). */
uint16_t cim_op_status(enum sess_status st);
const char *cim_status_word(enum sess_status st);
uint16_t cim_health_state(enum sess_status st);

/* The name of value v of a CIM enumeration property ("OK" for
 * HealthState 5), or NULL when the property has none or v is unknown. */
const char *cim_enum_name(const char *prop, uint32_t v);

const struct cim_prop *cim_find(const struct cim_prop *props, size_t n,
				const char *name);

/* The i-th string of a STRING_ARRAY (NULL past the end). */
const char *cim_array_str(const struct cim_prop *p, unsigned i);

/* Datetimes. buf needs CIM_TIME_BUF bytes.
 * RFC 3339 UTC with microseconds: 2026-11-23T22:09:01.123456Z
 * CIM (DSP0004):                  20261123220901.123456+000
 * ns 0 is the 0 interval (a TimeOfLastStateChange that never changed):
 * "PT0S" (ISO 8601 duration) and 00000000000000.000000:000. */
#define CIM_TIME_BUF 40
const char *cim_time_rfc3339(uint64_t ns, char *buf, size_t len);
const char *cim_time_mof(uint64_t ns, char *buf, size_t len);

/* The I_T nexus pieces (cim-mapping.md Name, EndPointName) into buf;
 * return false (and buf "") when an identity part is unknown. */
bool cim_session_name(const struct session *s, char *buf, size_t len);
bool cim_initiator_port_name(const struct session *s, char *buf, size_t len);
bool cim_target_port_name(const struct session *s, char *buf, size_t len);
/* The InstanceID of s (the same string cim_session_props() gives). */
void cim_session_instance_id(const struct session *s, char *buf, size_t len);
/* "192.0.2.1:3260" or "[2001:db8::1]:3260"; buf of 64 bytes. */
const char *cim_ep_str(const struct flow_ep *ep, char *buf, size_t len);

#endif
