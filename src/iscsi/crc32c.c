/* crc32c.c - CRC32C for iSCSI digests (RFC 3720 appendix B.4, RFC 7143
 * §13.1): the SSE4.2 CRC32 instruction when the CPU has it, else a
 * slice-by-8 table.
 *
 * The state is the raw CRC register (crc32c_init() = ~0, crc32c_final()
 * inverts), which is what the CRC32 instruction works on, so both
 * implementations take and return the same state and may be mixed.
 */
#include "crc32c.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_X86 1
#include <nmmintrin.h>
#endif

#define POLY 0x82f63b78u /* Castagnoli, reflected */

/* tab[0] is the byte-at-a-time table; tab[k][b] is the register after
 * byte b followed by k zero bytes, so eight lookups advance 8 bytes. */
static uint32_t tab[8][256];
static bool have_hw;

#ifdef CRC32C_X86
/* The hardware path runs three independent CRCs over three adjacent
 * blocks (the instruction has a latency of 3 cycles and a throughput of
 * 1), then joins them: the register after A||B is shift_B(reg(A)) ^
 * reg_from_0(B), and shift by BLK bytes is a linear map on 32 bits, here
 * four byte-indexed tables. */
#define BLK 256u
static uint32_t shift_tab[4][256];

static uint32_t shift_blk(uint32_t x)
{
	return shift_tab[0][x & 0xff] ^ shift_tab[1][(x >> 8) & 0xff] ^
	       shift_tab[2][(x >> 16) & 0xff] ^ shift_tab[3][x >> 24];
}
#endif

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

__attribute__((constructor)) static void crc32c_setup(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (POLY & (0u - (c & 1u)));
		tab[0][i] = c;
	}
	for (int k = 1; k < 8; k++)
		for (int i = 0; i < 256; i++)
			tab[k][i] =
			    (tab[k - 1][i] >> 8) ^ tab[0][tab[k - 1][i] & 0xff];
#ifdef CRC32C_X86
	uint32_t basis[32];
	for (int b = 0; b < 32; b++) {
		uint32_t c = 1u << b;
		for (unsigned i = 0; i < BLK; i++)
			c = tab[0][c & 0xff] ^ (c >> 8);
		basis[b] = c;
	}
	for (int j = 0; j < 4; j++)
		for (int v = 0; v < 256; v++) {
			uint32_t c = 0;
			for (int b = 0; b < 8; b++)
				if (v & (1 << b))
					c ^= basis[8 * j + b];
			shift_tab[j][v] = c;
		}
	__builtin_cpu_init(); /* needed before _supports in a constructor */
	have_hw = __builtin_cpu_supports("sse4.2");
#endif
}

bool crc32c_have_hw(void)
{
	return have_hw;
}

uint32_t crc32c_update_table(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint32_t lo = crc ^ le32(p), hi = le32(p + 4);
		crc = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^
		      tab[5][(lo >> 16) & 0xff] ^ tab[4][lo >> 24] ^
		      tab[3][hi & 0xff] ^ tab[2][(hi >> 8) & 0xff] ^
		      tab[1][(hi >> 16) & 0xff] ^ tab[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#ifdef CRC32C_X86
static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8); /* unaligned is fine on x86; x86 is little-endian */
	return v;
}

__attribute__((target("sse4.2"))) uint32_t
crc32c_update_hw(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t c = crc;
	while (n >= 3 * BLK) {
		uint64_t a = c, b = 0, d = 0;
		for (unsigned i = 0; i < BLK; i += 8) {
			a = _mm_crc32_u64(a, ld64(p + i));
			b = _mm_crc32_u64(b, ld64(p + BLK + i));
			d = _mm_crc32_u64(d, ld64(p + 2 * BLK + i));
		}
		c = shift_blk(shift_blk((uint32_t)a) ^ (uint32_t)b) ^
		    (uint32_t)d;
		p += 3 * BLK;
		n -= 3 * BLK;
	}
	while (n >= 8) {
		c = _mm_crc32_u64(c, ld64(p));
		p += 8;
		n -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	while (n--)
		c32 = _mm_crc32_u8(c32, *p++);
	return c32;
}
#else
uint32_t crc32c_update_hw(uint32_t crc, const uint8_t *p, size_t n)
{
	return crc32c_update_table(crc, p, n);
}
#endif

uint32_t crc32c_update(uint32_t state, const uint8_t *p, size_t n)
{
	if (have_hw)
		return crc32c_update_hw(state, p, n);
	return crc32c_update_table(state, p, n);
}

uint32_t crc32c(const uint8_t *p, size_t n)
{
	return crc32c_final(crc32c_update(crc32c_init(), p, n));
}
