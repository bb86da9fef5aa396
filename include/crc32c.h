/* crc32c.h - CRC32C (Castagnoli), as iSCSI digests use it (§13.1, RFC 3385).
 *
 * Reflected, initial value and final xor 0xffffffff. Incremental: start
 * with crc32c_init(), feed any number of chunks with crc32c_update(),
 * finish with crc32c_final(). Uses SSE4.2 when the CPU has it.
 */
#ifndef ISCSIWATCH_CRC32C_H
#define ISCSIWATCH_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint32_t crc32c_init(void)
{
	return 0xffffffffu;
}
uint32_t crc32c_update(uint32_t state, const uint8_t *p, size_t n);
static inline uint32_t crc32c_final(uint32_t state)
{
	return state ^ 0xffffffffu;
}
/* One-shot convenience. */
uint32_t crc32c(const uint8_t *p, size_t n);

/* The two implementations behind crc32c_update(), for tests and
 * benchmarks: a slice-by-8 table one that runs anywhere, and the SSE4.2
 * CRC32 instruction, which may be called only when crc32c_have_hw(). */
uint32_t crc32c_update_table(uint32_t state, const uint8_t *p, size_t n);
uint32_t crc32c_update_hw(uint32_t state, const uint8_t *p, size_t n);
bool crc32c_have_hw(void);

#endif
