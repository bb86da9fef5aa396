/* mofcheck.h - a DSP0004 (MOF) checker for the tests: class declarations
 * (the DMTF parents in tests/mof/classes.mof, the shipped schema
 * data/iscsiwatch.mof) and the instances an export writes, checked
 * against them.
 *
 * Debian packages no MOF compiler (no cimmofl, no sblim-mofc), so this
 * holds the part of one that a CIMOM would apply when it loads an export:
 * the grammar (pragmas, qualifier lists, class and instance declarations,
 * aliases, string escapes no reader can take two ways), each value against
 * its declared type, ValueMap, MinValue/MaxValue and MaxLen, Abstract
 * classes never instantiated, keys present and unique, references to an
 * alias of an instance of the referenced class, and ArrayType("Indexed")
 * arrays that correspond (ModelCorrespondence) of equal length.
 *
 * Errors are collected, not fatal: the first MOFC_MAX_ERRS messages are
 * kept with their origin and line, all are counted. Used by the unit
 * tests (check_export.c) and by build/tools/mof-check for capture tests.
 */
#ifndef ISCSIWATCH_MOFCHECK_H
#define ISCSIWATCH_MOFCHECK_H

#include <stdbool.h>
#include <stddef.h>

#define MOFC_MAX_ERRS 16

struct mofc;

struct mofc *mofc_new(void);
void mofc_free(struct mofc *m);

/* Reads class declarations (and pragmas) from text; origin names it in
 * messages. Returns the number of classes declared, errors in the log. */
size_t mofc_load_schema(struct mofc *m, const char *text, size_t len,
			const char *origin);

/* A value below MinValue is accepted for this property when it is 0 (a
 * schema qualifier the wire contradicts, documented in docs/output.md). */
void mofc_allow_zero(struct mofc *m, const char *prop);

/* Checks the instance declarations in text; every #pragma namespace must
 * name ns (when ns is not NULL), and one must be given. Returns the
 * number of instances read. Aliases are scoped to one text. */
size_t mofc_check_instances(struct mofc *m, const char *text, size_t len,
			    const char *origin, const char *ns);

/* Instances of exactly this class in all the texts checked so far. */
size_t mofc_count(const struct mofc *m, const char *cls);
/* How many distinct instances referred to this class's instances through
 * the reference property ref of association instances: e.g. how many
 * ISCSIWATCH_iSCSIConnection instances are some composition's
 * PartComponent. Counts per text. */
size_t mofc_referenced(const struct mofc *m, const char *cls, const char *ref);

unsigned mofc_errors(const struct mofc *m);
const char *mofc_error(const struct mofc *m, unsigned i);

#endif
