/* replay_main.h - main() that runs a fuzz target's LLVMFuzzerTestOneInput
 * on files, without libFuzzer: the regression build of a fuzz target
 * (tests/tools/fuzz-replay-*.c include the target and this).
 *
 *   fuzz-replay-X FILE|DIR...
 *
 * A crash or a broken invariant (__builtin_trap) kills the process;
 * exit 0 means every input ran clean. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return -1;
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0, count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			while (d && (de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				char p[4096];
				snprintf(p, sizeof(p), "%s/%s", argv[i],
					 de->d_name);
				rc |= replay_file(p);
				count++;
			}
			if (d)
				closedir(d);
		} else {
			rc |= replay_file(argv[i]);
			count++;
		}
	}
	printf("%d inputs replayed\n", count);
	return rc ? 1 : 0;
}
