/* mof-check - checks MOF instance files against class declarations with
 * the DSP0004 checker of tests/mofcheck.c (capture tests use it).
 *
 *   mof-check [-n NAMESPACE] [-z PROP]... -s SCHEMA.mof [-s ...] FILE.mof...
 *
 * -s loads class declarations (in order: parents first), -z accepts 0
 * below MinValue for PROP, -n is the namespace every #pragma must name.
 * Prints each error, then one line per class: "CLASS instances N" and,
 * for the classes referred to by associations, "CLASS PROP referenced N".
 * Exit status: 0 clean, 1 errors, 2 usage or unreadable file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../mofcheck.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 65536, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static const char *const COUNTED[] = {
    "ISCSIWATCH_iSCSISession", "ISCSIWATCH_iSCSIConnection",
    "CIM_NetworkPipeComposition"};

int main(int argc, char **argv)
{
	struct mofc *m = mofc_new();
	const char *ns = NULL;
	int ch, rc = 0;
	if (!m)
		return 2;
	while ((ch = getopt(argc, argv, "n:s:z:")) != -1) {
		size_t len;
		char *t;
		switch (ch) {
		case 'n':
			ns = optarg;
			break;
		case 'z':
			mofc_allow_zero(m, optarg);
			break;
		case 's':
			t = slurp(optarg, &len);
			if (!t) {
				fprintf(stderr, "mof-check: cannot read %s\n", optarg);
				return 2;
			}
			mofc_load_schema(m, t, len, optarg);
			free(t);
			break;
		default:
			fprintf(stderr, "usage: mof-check [-n NS] [-z PROP] -s SCHEMA FILE...\n");
			return 2;
		}
	}
	for (int i = optind; i < argc; i++) {
		size_t len;
		char *t = slurp(argv[i], &len);
		if (!t) {
			fprintf(stderr, "mof-check: cannot read %s\n", argv[i]);
			rc = 2;
			continue;
		}
		mofc_check_instances(m, t, len, argv[i], ns);
		free(t);
	}
	for (unsigned i = 0; i < mofc_errors(m) && mofc_error(m, i); i++)
		printf("error: %s\n", mofc_error(m, i));
	if (mofc_errors(m) > MOFC_MAX_ERRS)
		printf("error: ... %u errors in all\n", mofc_errors(m));
	for (size_t i = 0; i < sizeof(COUNTED) / sizeof(COUNTED[0]); i++)
		printf("%s instances %zu\n", COUNTED[i], mofc_count(m, COUNTED[i]));
	printf("ISCSIWATCH_iSCSIConnection PartComponent referenced %zu\n",
	       mofc_referenced(m, "ISCSIWATCH_iSCSIConnection", "PartComponent"));
	if (mofc_errors(m) && rc == 0)
		rc = 1;
	mofc_free(m);
	return rc;
}
