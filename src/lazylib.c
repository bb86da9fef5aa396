/* lazylib.c - dlopen() a library and fill its table (lazylib.h). */
#include "lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* dlsym() hands back an object pointer; POSIX (dlsym, XSH 2.12.3)
 * requires that it convert to a function pointer, which copying the
 * bytes does without a cast ISO C leaves undefined. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
	       "function pointers are not the size of void *");

static void load_fail(const struct lazylib *l, const char *sym, char *err,
		      size_t errlen)
{
	const char *why = dlerror();
	if (!err || !errlen)
		return;
	if (why)
		snprintf(err, errlen, "%s needs %s: %s", l->option, l->soname,
			 why);
	else /* dlsym() found the name, bound to NULL */
		snprintf(err, errlen, "%s needs %s: %s is NULL", l->option,
			 l->soname, sym ? sym : "it");
}

int lazylib_load(struct lazylib *l, char *err, size_t errlen)
{
	if (l->handle)
		return 0;
	/* RTLD_NOW: what the library itself lacks (a dependency of another
	 * version) fails here, at start, not in the first request; every
	 * symbol we call is looked up below, also now. RTLD_LOCAL: nothing
	 * else resolves against it. */
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		load_fail(l, NULL, err, errlen);
		return -1;
	}
	for (size_t i = 0; i < l->nsyms; i++) {
		dlerror();
		void *p = dlsym(h, l->syms[i].name);
		if (!p) {
			load_fail(l, l->syms[i].name, err, errlen);
			dlclose(h); /* the reference our dlopen() took */
			return -1;
		}
		memcpy((char *)l->table + l->syms[i].off, &p, sizeof(p));
	}
	l->handle = h;
	return 0;
}
