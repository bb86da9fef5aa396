/* Declares every <module>_suite() listed in the generated suites.h, so
 * each tests/check_<module>.c includes this and defines its own. */
#ifndef ISCSIWATCH_CHECK_SUITES_H
#define ISCSIWATCH_CHECK_SUITES_H
#include <check.h>
#define SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef SUITE
#endif
