/* outputs.c - every output checked before the capture starts.
 *
 * A night's capture must not be lost to an export that cannot be written
 * at exit, so each output path is tried when the command starts, as the
 * user the run will write as (-Z USER: the check runs in a child that has
 * dropped to that user the same way the run will). Outputs that would
 * clash - two to one file, two on stdout - are refused as bad use.
 */
#include "outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"

/* How the run writes an output: a whole file replaced by rename
 * (atomic_file.h), or a file appended to. */
enum out_how { OUT_REPLACE, OUT_APPEND };

struct out {
	const char *option; /* "--json" */
	const char *path;   /* NULL: not asked for */
	enum out_how how;
};

/* Every output of the run, one row each. */
static size_t outputs_list(const struct cli_opts *o, struct out *outs,
			   size_t max)
{
	const struct out all[] = {
		{"--json", o->json_path, OUT_REPLACE},
		{"--mof", o->mof_path, OUT_REPLACE},
		{"--html", o->html_path, OUT_REPLACE},
		{"--events", o->events_path, OUT_APPEND},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && n < max; i++)
		if (all[i].path)
			outs[n++] = all[i];
	return n;
}

static bool is_stdout(const char *path)
{
	return strcmp(path, "-") == 0;
}

int cli_drop_privileges(const char *user, char *err, size_t len)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, len, "-Z %s: %s", user,
			 errno ? strerror(errno) : "no such user");
		return -1;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	/* initgroups, setgid, setuid - in that order, every one must work
	 * (a process left with root's groups or gid is not unprivileged). */
	if (initgroups(pw->pw_name, gid) != 0) {
		snprintf(err, len, "-Z %s: initgroups: %s", user,
			 strerror(errno));
		return -1;
	}
	if (setgid(gid) != 0) {
		snprintf(err, len, "-Z %s: setgid(%u): %s", user, (unsigned)gid,
			 strerror(errno));
		return -1;
	}
	if (setuid(uid) != 0) {
		snprintf(err, len, "-Z %s: setuid(%u): %s", user, (unsigned)uid,
			 strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		snprintf(err, len, "-Z %s: root could be regained", user);
		return -1;
	}
	return 0;
}

/* The folder a new file at path would be made in ("." for "x.json"). */
static void parent_dir(const char *path, char *dir, size_t len)
{
	char copy[ATOMIC_PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, len, "%s", dirname(copy));
}

/* 0, or -1 with why in err. Uses the effective ids (after -Z, the
 * dropped ones). */
static int check_one(const struct out *x, char *err, size_t len)
{
	if (!x->path[0]) {
		snprintf(err, len, "%s: empty path", x->option);
		return -1;
	}
	if (strlen(x->path) >= ATOMIC_PATH_MAX) {
		snprintf(err, len, "%s: path too long", x->option);
		return -1;
	}
	struct stat st;
	bool exists = stat(x->path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		snprintf(err, len, "%s %s: is a directory", x->option, x->path);
		return -1;
	}
	/* A FIFO or a device is written in place, as is a file appended
	 * to: the file itself must be writable. */
	if (exists && (x->how == OUT_APPEND || !S_ISREG(st.st_mode))) {
		if (faccessat(AT_FDCWD, x->path, W_OK, AT_EACCESS) != 0) {
			snprintf(err, len, "%s %s: cannot write it: %s",
				 x->option, x->path, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* A new file, or a temporary file renamed over the old one: the
	 * folder must take new entries. */
	char dir[ATOMIC_PATH_MAX];
	parent_dir(x->path, dir, sizeof(dir));
	struct stat ds;
	if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode)) {
		snprintf(err, len, "%s %s: no folder %s", x->option, x->path,
			 dir);
		return -1;
	}
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
		snprintf(err, len, "%s %s: cannot create files in %s: %s",
			 x->option, x->path, dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Checks every file output as the current user; prints one line for the
 * first that fails. 0 or -1. */
static int check_files(const struct out *outs, size_t n, const char *as)
{
	char err[ATOMIC_PATH_MAX + 256];
	for (size_t i = 0; i < n; i++) {
		if (is_stdout(outs[i].path))
			continue;
		if (check_one(&outs[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "iscsiwatch: %s%s%s%s\n", err,
				as ? " (as -Z " : "", as ? as : "",
				as ? ")" : "");
			return -1;
		}
	}
	return 0;
}

/* The same, in a child that has become -Z USER: what that user can
 * write is only known once its groups are set. */
static int check_files_as(const struct out *outs, size_t n, const char *user)
{
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "iscsiwatch: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char err[256];
		if (cli_drop_privileges(user, err, sizeof(err)) != 0) {
			fprintf(stderr, "iscsiwatch: %s\n", err);
			_exit(2);
		}
		_exit(check_files(outs, n, user) == 0 ? 0 : 2);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Two outputs to one file: the same path, or two names of one file. */
static bool same_file(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	struct stat sa, sb;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	char ra[PATH_MAX], rb[PATH_MAX], da[ATOMIC_PATH_MAX],
		db[ATOMIC_PATH_MAX];
	parent_dir(a, da, sizeof(da));
	parent_dir(b, db, sizeof(db));
	if (!realpath(da, ra) || !realpath(db, rb) || strcmp(ra, rb) != 0)
		return false;
	const char *ba = strrchr(a, '/'), *bb = strrchr(b, '/');
	return strcmp(ba ? ba + 1 : a, bb ? bb + 1 : b) == 0;
}

static int check_clashes(const struct cli_opts *o, const struct out *outs,
			 size_t n)
{
	const char *on_stdout[4];
	size_t nstdout = 0;
	if (o->pdus)
		on_stdout[nstdout++] = "--pdus";
	for (size_t i = 0; i < n; i++) {
		if (is_stdout(outs[i].path)) {
			on_stdout[nstdout++] = outs[i].option;
			continue;
		}
		for (size_t j = i + 1; j < n; j++)
			if (!is_stdout(outs[j].path) &&
			    same_file(outs[i].path, outs[j].path)) {
				fprintf(stderr,
					"iscsiwatch: %s and %s both write %s: "
					"give each its own file\n",
					outs[i].option, outs[j].option,
					outs[i].path);
				return -1;
			}
	}
	if (nstdout > 1) {
		fprintf(stderr,
			"iscsiwatch: %s and %s would both write to stdout: "
			"send one of them to a file\n",
			on_stdout[0], on_stdout[1]);
		return -1;
	}
	if (nstdout && cli_wants_tui(o)) {
		fprintf(stderr, "iscsiwatch: --tui needs the terminal: do not "
				"send %s to stdout\n",
			on_stdout[0]);
		return -1;
	}
	return 0;
}

enum cli_parse_result outputs_check(const struct cli_opts *o)
{
	struct out outs[8];
	size_t n = outputs_list(o, outs, sizeof(outs) / sizeof(outs[0]));
	if (check_clashes(o, outs, n) != 0)
		return CLI_USAGE;
	int rc = o->user ? check_files_as(outs, n, o->user)
			 : check_files(outs, n, NULL);
	return rc == 0 ? CLI_RUN : CLI_USAGE;
}
