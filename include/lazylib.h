/* lazylib.h - shared libraries that only some runs need, opened with
 * dlopen() when a run asks for them instead of by the dynamic linker at
 * every start.
 *
 * libmicrohttpd (out_http.c) and libxml2 (cimxml.c) serve --listen only,
 * yet linked they and what they pull in (gnutls, nettle, gmp, p11-kit,
 * icu, libstdc++, lzma...) were loaded and relocated by every run: about
 * 12 ms of the ~16 ms a small `-r` file took. Their headers still give
 * the types and constants; only the calls go through a table.
 *
 * A user keeps one table of typed function pointers, lists its symbols
 * in struct lazysym rows, and calls lazylib_load() before the first call
 * through the table. The soname is the library's own, taken by the
 * Makefile from the .so that pkg-config names (LAZYLIB_*_SONAME), so the
 * version built against is the one opened.
 *
 * Not thread-safe: load before threads start. A loaded library stays
 * for the life of the process (no dlclose: the table points into it).
 */
#ifndef ISCSIWATCH_LAZYLIB_H
#define ISCSIWATCH_LAZYLIB_H

#include <stddef.h>

/* One symbol: its name and where its pointer goes in the table. */
struct lazysym {
	const char *name;
	size_t off;
};

/* A table row for field f of table type T, f named like the symbol. */
#define LAZYSYM(T, f) {#f, offsetof(T, f)}

struct lazylib {
	const char *soname; /* what dlopen() asks for */
	const char *option; /* the option that needs it, for the message */
	const struct lazysym *syms;
	size_t nsyms;
	void *table;  /* filled by lazylib_load() */
	void *handle; /* non-NULL once every symbol is in the table */
};

/* Defines `static T var`, a typed function pointer per symbol that
 * SYMS(X, T) lists as X(T, name), its rows, and `struct lazylib lib`
 * over them: SONAME (never empty) opened for OPTION. One definition for each library,
 * so that its table, rows and loader cannot disagree. */
#define LAZYLIB_FIELD(T, f) __typeof__(f) *f;
#define LAZYLIB_ROW(T, f) LAZYSYM(T, f),
#define LAZYLIB_DEFINE(lib, T, var, SYMS, SONAME, OPTION)                      \
	_Static_assert(sizeof(SONAME) > 1,                                     \
		       #SONAME " is empty: no SONAME found (make deps)");      \
	static T {                                                             \
		SYMS(LAZYLIB_FIELD, T)                                         \
	} var;                                                                 \
	static const struct lazysym lib##_syms[] = {SYMS(LAZYLIB_ROW, T)};     \
	struct lazylib lib = {                                                 \
	    .soname = (SONAME),                                                \
	    .option = (OPTION),                                                \
	    .syms = lib##_syms,                                                \
	    .nsyms = sizeof(lib##_syms) / sizeof(lib##_syms[0]),               \
	    .table = &var,                                                     \
	}

/* Opens l->soname and fills l->table, once: 0 when done (now or
 * before). -1 with err "OPTION needs SONAME: <dlerror text>" (no
 * trailing newline) when the library or a symbol is missing; the
 * table is then not to be used and the next call tries again. */
int lazylib_load(struct lazylib *l, char *err, size_t errlen);

/* The program's three, defined beside their users. Tests point .soname
 * elsewhere (and clear .handle) to see a run that cannot load one. */
extern struct lazylib http_lib; /* libmicrohttpd, out_http.c */
extern struct lazylib xml_lib;  /* libxml2, cimxml.c */
extern struct lazylib z_lib;    /* zlib, out_http.c (gzip answers) */

#endif
