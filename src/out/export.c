/* export.c - the table-taking forms of the exporters. Kept apart from
 * the list forms so the unit tests link without the session table. */
#include "export.h"

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
