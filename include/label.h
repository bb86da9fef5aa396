/* label.h - the short words of the operator's view (issue 14): why a
 * session ended or failed, and iSCSI names shortened around the part that
 * tells two apart. The table, the UI, the events pane and the HTML report
 * all use these, so a reason or a name reads the same everywhere.
 *
 * Everything here is a pure function of its arguments; nothing allocates.
 */
#ifndef ISCSIWATCH_LABEL_H
#define ISCSIWATCH_LABEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "session.h"

#define LABEL_REASON_MAX 32
#define LABEL_PATH_MAX 160

/* Why s is not simply OK, in a few words: "auth 0x0201",
 * "no target 0x0203", "no response" (login never answered), "lost",
 * "logout", "reinstated", "digest", ...; "" when there is nothing to
 * say. Always NUL-terminates buf (len >= 1). Returns buf. */
const char *label_reason(const struct session *s, char *buf, size_t len);

/* The word for a login Status-Class/Detail (RFC 7143 §11.13.5):
 * "auth" for 0x0201, "no target" for 0x0203, ... */
const char *label_login_word(unsigned cls, unsigned detail);

/* A byte count in 10^3 multiples, two or three significant digits, as
 * the TOTAL column shows it in the table and the UI: "999", "1.2K",
 * "29K", "1.5M". Returns what snprintf() does. */
size_t label_bytes(uint64_t v, char *buf, size_t len);

/* Fits an (already display-escaped, UTF-8) iSCSI name into `width`
 * terminal columns, keeping what tells names apart:
 *  - iqn.YYYY-MM.authority:unique - the unique part after ':' stays
 *    whole as long as it fits, with the start of the name before it
 *    ("iqn.1991-05…:esx15.corp.example.com"); a unique part too long for
 *    the width loses its middle ("iqn…:esx15.c…ple.com"), never both
 *    ends;
 *  - eui./naa. and anything else: a middle ellipsis keeps both ends.
 * "…" is "~" when ascii. Pads with spaces to width when pad. out gets at
 * most outlen-1 bytes, NUL-terminated. Returns the bytes written. */
size_t label_name(const char *name, size_t width, bool pad, bool ascii,
		  char *out, size_t outlen);

/* The narrowest width at which label_name() still shows the part of
 * name that tells it apart whole: the unique part of an iqn. name (plus
 * "…:"), the whole of any other. */
size_t label_name_need(const char *name);

/* The VLANs and tunnels a connection was seen in, for the eye:
 * "VLAN 300.100, VXLAN VNI 5000", "NVGRE VSID 4097", "GRE key 1",
 * "ERSPAN session 7", "MPLS". VLAN ids outermost first (net.h); the
 * other layers in a fixed order, not nesting order (net_outer does not
 * record where a tunnel sat among the VLANs). A VNI, key or session id
 * is the innermost one's. "" (returns 0) for a connection seen bare, so
 * callers print nothing then. Plain ASCII; at most LABEL_PATH_MAX - 1
 * bytes, always NUL-terminated (len >= 1). Returns the bytes written. */
size_t label_path(const struct net_outer *o, char *buf, size_t len);

#endif
