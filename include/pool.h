/* pool.h - records of one size carved from large blocks.
 *
 * A sensor holds one session, connection, flow and SCSI record per
 * session seen: at 100k sessions that is half a million small blocks
 * reached in random order, one per packet or login. From malloc they
 * are scattered over 4 KiB pages, and the page walks, not the work,
 * set the time (with the heap on huge pages a 100k-session run took
 * 40 % less). A pool keeps its records together, grows in blocks that
 * double up to 2 MiB, and asks the kernel to back the 2 MiB blocks with
 * huge pages (MADV_HUGEPAGE: honoured when transparent huge pages are
 * "always" or "madvise"). A freed record goes on the pool's free list;
 * the blocks go back to the system when the pool's last record is
 * freed.
 *
 * Built with AddressSanitizer, every record is its own calloc so use
 * after free and overflows stay caught.
 */
#ifndef ISCSIWATCH_POOL_H
#define ISCSIWATCH_POOL_H

#include <stddef.h>

struct pool_block;

struct pool {
	size_t size;		  /* a record, as asked */
	void *free;		  /* freed records, linked through their start */
	struct pool_block *blocks; /* newest first */
	char *bump, *end;	  /* the newest block's unused part */
	size_t live;		  /* records handed out */
	size_t mapped;		  /* bytes of the blocks */
};

#define POOL_INIT(type) {.size = sizeof(type)}

/* What a record of `size` bytes takes in a pool: at least a pointer
 * (the free list's link), rounded up to 16 bytes. */
size_t pool_record_size(size_t size);

/* A zeroed record; NULL when out of memory. */
void *pool_zalloc(struct pool *p);
/* Gives a record back (NULL: nothing). */
void pool_free(struct pool *p, void *rec);

#endif
