/* CRC32C: RFC 3720 appendix B.4 vectors, incremental use, and the two
 * implementations against each other. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "crc32c.h"

/* RFC 3720 B.4: the "iSCSI - Read (10) Command PDU" example. */
static const uint8_t read10_bhs[48] = {
    0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
    0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

typedef uint32_t (*update_fn)(uint32_t, const uint8_t *, size_t);

static uint32_t one_shot(update_fn fn, const uint8_t *p, size_t n)
{
	return crc32c_final(fn(crc32c_init(), p, n));
}

/* Every implementation this machine can run. */
static size_t impls(update_fn out[3])
{
	size_t n = 0;
	out[n++] = crc32c_update;
	out[n++] = crc32c_update_table;
	if (crc32c_have_hw())
		out[n++] = crc32c_update_hw;
	return n;
}

START_TEST(test_vectors)
{
	uint8_t zeros[32], ones[32], inc[32], dec[32];
	memset(zeros, 0, sizeof(zeros));
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++) {
		inc[i] = (uint8_t)i;
		dec[i] = (uint8_t)(31 - i);
	}
	const struct {
		const uint8_t *p;
		size_t n;
		uint32_t crc;
	} v[] = {
	    {zeros, 32, 0x8a9136aau},
	    {ones, 32, 0x62a8ab43u},
	    {inc, 32, 0x46dd794eu},
	    {dec, 32, 0x113fdb5cu},
	    {read10_bhs, 48, 0xd9963a56u},
	    {(const uint8_t *)"123456789", 9, 0xe3069283u},
	    {(const uint8_t *)"", 0, 0x00000000u},
	};
	update_fn fn[3];
	size_t nf = impls(fn);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_uint_eq(crc32c(v[i].p, v[i].n), v[i].crc);
		for (size_t j = 0; j < nf; j++)
			ck_assert_uint_eq(one_shot(fn[j], v[i].p, v[i].n),
					  v[i].crc);
	}
}
END_TEST

/* The digest goes on the wire least significant byte first (B.4 lists
 * the zeros' CRC as "aa 36 91 8a"). */
START_TEST(test_wire_order)
{
	uint8_t zeros[32] = {0};
	uint32_t c = crc32c(zeros, 32);
	uint8_t wire[4] = {(uint8_t)c, (uint8_t)(c >> 8), (uint8_t)(c >> 16),
			   (uint8_t)(c >> 24)};
	const uint8_t want[4] = {0xaa, 0x36, 0x91, 0x8a};
	ck_assert_mem_eq(wire, want, 4);
}
END_TEST

static void fill_random(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rand() >> 7);
}

START_TEST(test_incremental_every_split)
{
	uint8_t buf[1000];
	fill_random(buf, sizeof(buf), 7);
	update_fn fn[3];
	size_t nf = impls(fn);
	for (size_t j = 0; j < nf; j++) {
		uint32_t whole = one_shot(fn[j], buf, sizeof(buf));
		for (size_t k = 0; k <= sizeof(buf); k++) {
			uint32_t s = fn[j](crc32c_init(), buf, k);
			s = fn[j](s, buf + k, sizeof(buf) - k);
			ck_assert_uint_eq(crc32c_final(s), whole);
		}
		/* byte by byte */
		uint32_t s = crc32c_init();
		for (size_t k = 0; k < sizeof(buf); k++)
			s = fn[j](s, buf + k, 1);
		ck_assert_uint_eq(crc32c_final(s), whole);
	}
}
END_TEST

/* Table and SSE4.2 agree on random data of every length up to a few
 * blocks, at every alignment, and the states they pass are the same
 * (mixing them mid-stream gives the same result). */
START_TEST(test_hw_vs_table)
{
	if (!crc32c_have_hw())
		return; /* nothing to compare on this CPU */
	static uint8_t buf[8192 + 16];
	fill_random(buf, sizeof(buf), 42);
	for (size_t align = 0; align < 8; align++) {
		for (size_t n = 0; n <= 2400; n += (n < 64 ? 1 : 37)) {
			const uint8_t *p = buf + align;
			ck_assert_uint_eq(one_shot(crc32c_update_hw, p, n),
					  one_shot(crc32c_update_table, p, n));
		}
		const uint8_t *p = buf + align;
		ck_assert_uint_eq(one_shot(crc32c_update_hw, p, 8192),
				  one_shot(crc32c_update_table, p, 8192));
	}
	srand(3);
	for (int i = 0; i < 2000; i++) {
		size_t off = (size_t)rand() % 4096, n = (size_t)rand() % 4096;
		size_t cut = n ? (size_t)rand() % n : 0;
		uint32_t s = crc32c_update_hw(crc32c_init(), buf + off, cut);
		s = crc32c_update_table(s, buf + off + cut, n - cut);
		ck_assert_uint_eq(crc32c_final(s),
				  one_shot(crc32c_update_table, buf + off, n));
	}
}
END_TEST

Suite *crc32c_suite(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_wire_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("incremental");
	tcase_add_test(tc, test_incremental_every_split);
	tcase_add_test(tc, test_hw_vs_table);
	suite_add_tcase(s, tc);
	return s;
}
