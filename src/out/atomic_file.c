/* atomic_file.c - temporary file + fsync + rename, so a reader never sees
 * half an export and a failed export leaves nothing behind. */
#include "atomic_file.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int atomic_open(struct atomic_file *af, const char *path, char *err,
		size_t errlen)
{
	memset(af, 0, sizeof(*af));
	if (!path || !path[0]) {
		snprintf(err, errlen, "empty output path");
		return -1;
	}
	if (strcmp(path, "-") == 0) {
		af->fp = stdout;
		af->is_stdout = 1;
		snprintf(af->path, sizeof(af->path), "-");
		return 0;
	}
	size_t n = strlen(path);
	if (n >= sizeof(af->path)) {
		snprintf(err, errlen, "output path too long");
		return -1;
	}
	memcpy(af->path, path, n + 1);
	/* Robustness fix: a path that exists and is not a regular file
	 * (/dev/null, a FIFO, a terminal) is written in place. Renaming a
	 * temporary file over it would replace the device node itself - as
	 * root, `--json /dev/null` turned /dev/null into a regular file.
	 * is_stdout == 2 marks such a stream: flushed and closed, no rename. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory", path);
			return -1;
		}
		af->fp = fopen(path, "w");
		if (!af->fp) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		af->is_stdout = 2;
		return 0;
	}
	snprintf(af->tmp, sizeof(af->tmp), "%s.tmp.XXXXXX", path);
	int fd = mkstemp(af->tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file: %s",
			 path, strerror(errno));
		af->tmp[0] = '\0';
		return -1;
	}
	/* mkstemp makes it 0600; an export is an ordinary file. */
	mode_t um = umask(0);
	umask(um);
	(void)fchmod(fd, 0666 & ~um);
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(af->tmp);
		af->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

void atomic_abort(struct atomic_file *af)
{
	if (!af->fp)
		return;
	if (af->is_stdout == 1) {
		fflush(af->fp);
	} else if (af->is_stdout == 2) {
		fclose(af->fp);
	} else {
		fclose(af->fp);
		unlink(af->tmp);
	}
	af->fp = NULL;
}

/* True when stdout is a pipe whose reader has closed it (EPIPE, or the
 * write end polls POLLERR): like SIGPIPE, that ends output quietly. */
static int stdout_reader_gone(int why)
{
	if (why == EPIPE)
		return 1;
	struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

int atomic_commit(struct atomic_file *af, char *err, size_t errlen)
{
	if (!af->fp) {
		snprintf(err, errlen, "output not open");
		return -1;
	}
	if (af->is_stdout) {
		int bad = fflush(af->fp) != 0 || ferror(af->fp);
		int why = errno;
		if (af->is_stdout == 2 && fclose(af->fp) != 0)
			bad = 1;
		else if (bad && af->is_stdout == 1 && stdout_reader_gone(why))
			bad = 0; /* `| head`: the reader left, quietly */
		af->fp = NULL;
		if (bad) {
			snprintf(err, errlen, "%s: write error",
				 af->is_stdout == 2 ? af->path : "stdout");
			return -1;
		}
		return 0;
	}
	int e = 0;
	if (fflush(af->fp) != 0 || ferror(af->fp))
		e = errno ? errno : EIO;
	else if (fsync(fileno(af->fp)) != 0)
		e = errno;
	if (fclose(af->fp) != 0 && !e)
		e = errno;
	af->fp = NULL;
	if (!e && rename(af->tmp, af->path) != 0)
		e = errno;
	if (e) {
		snprintf(err, errlen, "%s: write failed: %s", af->path,
			 strerror(e));
		unlink(af->tmp);
		return -1;
	}
	return 0;
}
