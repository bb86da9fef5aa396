/* schema.h - the CIM schema iscsiwatch's instances belong to
 * (data/iscsiwatch.mof), embedded at build time: --mof-schema prints it,
 * `make install` installs the same file. */
#ifndef ISCSIWATCH_SCHEMA_H
#define ISCSIWATCH_SCHEMA_H

#include <stddef.h>

extern const char schema_mof[];   /* NUL-terminated */
extern const size_t schema_mof_len; /* bytes, without the NUL */

#endif
