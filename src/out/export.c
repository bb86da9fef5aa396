/* export.c - the table-taking forms of the exporters. Kept apart from
 * the list forms so the unit tests link without the session table. */
#include "export.h"

#include "atomic_file.h"

int export_json(const char *path, const struct session_table *st,
		const struct export_meta *m, char *err, size_t errlen)
{
	struct export_meta mm = *m;
	mm.summaries = session_summaries(st);
	return export_json_list(path, session_first(st), &mm, err, errlen);
}

int export_mof(const char *path, const struct session_table *st,
	       const struct export_meta *m, char *err, size_t errlen)
{
	return export_mof_list(path, session_first(st), m, err, errlen);
}

void export_table(FILE *fp, const struct session_table *st,
		  const struct export_meta *m)
{
	export_table_list(fp, session_first(st), m);
}

int export_file(const char *path, export_doc_fn write_doc, const char *what,
		const struct session *first, const struct export_meta *m,
		char *err, size_t errlen)
{
	char ebuf[EXPORT_ERR_MAX];
	if (!err) {
		err = ebuf;
		errlen = sizeof(ebuf);
	}
	struct atomic_file af;
	int rc = atomic_open(&af, path, err, errlen);
	if (rc == 0) {
		if (write_doc(af.fp, first, m) != 0) {
			snprintf(err, errlen, "%s: out of memory building %s",
				 path, what);
			atomic_abort(&af);
			rc = -1;
		} else {
			rc = atomic_commit(&af, err, errlen);
		}
	}
	if (rc != 0 && err == ebuf)
		fprintf(stderr, "iscsiwatch: %s\n", err);
	return rc;
}
