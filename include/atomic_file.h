/* atomic_file.h - write a whole output file or nothing.
 *
 * atomic_open() creates "<path>.tmp.XXXXXX" in the same directory (so the
 * final rename(2) stays on one file system and is atomic); the caller
 * writes through af->fp; atomic_commit() flushes, fsyncs and renames it
 * over path. On any error the temporary file is unlinked and a one-line
 * message is left in err. The path "-" means stdout: no temporary file,
 * and commit only flushes.
 *
 * Ownership: the struct is the caller's; after atomic_commit() or
 * atomic_abort() fp is closed (or stdout left open) and must not be used.
 */
#ifndef ISCSIWATCH_ATOMIC_FILE_H
#define ISCSIWATCH_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#define ATOMIC_PATH_MAX 4096

struct atomic_file {
	FILE *fp;
	int is_stdout;
	char path[ATOMIC_PATH_MAX];
	char tmp[ATOMIC_PATH_MAX + 16];
};

/* 0, or -1 with a message in err. */
int atomic_open(struct atomic_file *af, const char *path, char *err,
		size_t errlen);
/* Makes the file appear at its path. 0, or -1 with err (and no file). */
int atomic_commit(struct atomic_file *af, char *err, size_t errlen);
/* Throws the temporary file away. */
void atomic_abort(struct atomic_file *af);

#endif
