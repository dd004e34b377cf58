/* Tests for include/yrdcredit/status_list.h (svc/attest/status_list.c): the IETF Token Status
 * List byte layout, its ZLIB form, and the defences of the parser (caps, declared size,
 * corrupt and truncated streams).  Test inputs are built with zlib directly, so that the
 * code under test never checks itself. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/status_list.h"

/* draft-ietf-oauth-status-list-21, "Status List" example, 1 bit: 16 statuses, bytes b9 a3,
 * "lst":"eNrbuRgAAhcBXQ" (base64url-decoded here into hex). */
static const unsigned draft1_status[16] = {1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1};
static const uint8_t draft1_bytes[2] = {0xb9, 0xa3};
static const uint8_t draft1_lst[] = {0x78, 0xda, 0xdb, 0xb9, 0x18, 0x00, 0x02, 0x17, 0x01, 0x5d};

/* The same draft's 2-bit example: 12 statuses, bytes c9 44 f9, "lst":"eNo76fITAAPfAgc". */
static const unsigned draft2_status[12] = {1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3};
static const uint8_t draft2_bytes[3] = {0xc9, 0x44, 0xf9};
static const uint8_t draft2_lst[] = {0x78, 0xda, 0x3b, 0xe9, 0xf2, 0x13,
                                     0x00, 0x03, 0xdf, 0x02, 0x07};

static const unsigned all_bits[4] = {1, 2, 4, 8};

/* Every test leaves the allocation hook disabled, also when an assertion fails half-way. */
static int hook_off(void **state)
{
    (void)state;
    yc_alloc_fail_after(-1);
    return 0;
}

/* zlib's own compress2() at level 9: an independent encoder for test inputs. */
static uint8_t *zcompress(const uint8_t *in, size_t len, size_t *ret_len)
{
    uLongf out_len = compressBound((uLong)len);
    uint8_t *out = test_malloc(out_len);
    assert_non_null(out);
    assert_int_equal(compress2(out, &out_len, in, (uLong)len, Z_BEST_COMPRESSION), Z_OK);
    *ret_len = (size_t)out_len;
    return out;
}

/* Inflate with zlib's own uncompress(); the output must be exactly want_len bytes. */
static void assert_inflates_to(const uint8_t *z, size_t z_len, const uint8_t *want, size_t want_len)
{
    uLongf out_len = (uLongf)want_len + 16;
    uint8_t *out = test_malloc(out_len);
    assert_non_null(out);
    assert_int_equal(uncompress(out, &out_len, z, (uLong)z_len), Z_OK);
    assert_int_equal(out_len, want_len);
    assert_memory_equal(out, want, want_len);
    test_free(out);
}

/* ---- safety ---- */

static void safety__new_bad_bits__fails_invalid(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    const unsigned bad[] = {0, 3, 5, 7, 16, UINT_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(yc_status_list_new(bad[i], 8, &l), YC_ERR_INVALID);
    assert_null(l);
}

static void safety__new_count_0__fails_invalid(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_new(1, 0, &l), YC_ERR_INVALID);
    assert_null(l);
}

static void safety__new_count_max_and_max_plus_1__ok_then_too_large(void **state)
{
    (void)state;
    for (size_t b = 0; b < 4; b++) {
        const unsigned bits = all_bits[b];
        const size_t max = YC_STATUS_LIST_MAX_BYTES * (8u / bits);
        yc_status_list *l = NULL;
        assert_int_equal(yc_status_list_new(bits, max + 1, &l), YC_ERR_TOO_LARGE);
        assert_null(l);
        assert_int_equal(yc_status_list_new(bits, max, &l), YC_OK);
        size_t len = 0;
        (void)yc_status_list_bytes(l, &len);
        assert_int_equal(len, YC_STATUS_LIST_MAX_BYTES);
        assert_int_equal(yc_status_list_count(l), max);
        unsigned s = 99;
        assert_int_equal(yc_status_list_get(l, max - 1, &s), YC_OK);
        assert_int_equal(s, YC_STATUS_VALID);
        yc_status_list_free(l);
    }
    assert_int_equal(YC_STATUS_LIST_MAX_BYTES, 16777216);
}

static void safety__free_null__no_op(void **state)
{
    (void)state;
    yc_status_list_free(NULL);
}

static void safety__parse_bad_args__fails_invalid(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 3, 0, 1024, &l),
                     YC_ERR_INVALID);
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 0, 0, 1024, &l),
                     YC_ERR_INVALID);
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 0, 0, &l),
                     YC_ERR_INVALID);
    assert_int_equal(
        yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 0, YC_STATUS_LIST_MAX_BYTES + 1, &l),
        YC_ERR_INVALID);
    assert_int_equal(yc_status_list_parse(NULL, 1, 1, 0, 1024, &l), YC_ERR_INVALID);
    assert_null(l);
    /* The largest cap is allowed. */
    assert_int_equal(
        yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 0, YC_STATUS_LIST_MAX_BYTES, &l),
        YC_OK);
    yc_status_list_free(l);
}

static void safety__parse_empty_input__fails_proto(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_parse(NULL, 0, 1, 0, 1024, &l), YC_ERR_PROTO);
    assert_int_equal(yc_status_list_parse(draft1_lst, 0, 1, 0, 1024, &l), YC_ERR_PROTO);
    assert_null(l);
}

static void safety__parse_lst_len_over_4gib__fails_too_large_without_reading(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    /* Only the length is looked at: the 10-byte buffer is never read past. */
    assert_int_equal(yc_status_list_parse(draft1_lst, (size_t)UINT_MAX + 1, 1, 0, 1024, &l),
                     YC_ERR_TOO_LARGE);
    assert_null(l);
}

/* ---- the draft's examples ---- */

static void parse__draft_1bit_example__statuses_and_bytes_exact(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 0, 1024, &l), YC_OK);
    assert_int_equal(yc_status_list_bits(l), 1);
    assert_int_equal(yc_status_list_count(l), 16);
    size_t len = 0;
    const uint8_t *b = yc_status_list_bytes(l, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(b, draft1_bytes, 2);
    for (size_t i = 0; i < 16; i++) {
        unsigned s = 99;
        assert_int_equal(yc_status_list_get(l, i, &s), YC_OK);
        assert_int_equal(s, draft1_status[i]);
    }
    unsigned s = 99;
    assert_int_equal(yc_status_list_get(l, 16, &s), YC_ERR_NOT_FOUND);
    assert_int_equal(s, 99);
    yc_status_list_free(l);
}

static void parse__draft_2bit_example__statuses_and_bytes_exact(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_parse(draft2_lst, sizeof draft2_lst, 2, 12, 1024, &l), YC_OK);
    assert_int_equal(yc_status_list_bits(l), 2);
    assert_int_equal(yc_status_list_count(l), 12);
    size_t len = 0;
    const uint8_t *b = yc_status_list_bytes(l, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(b, draft2_bytes, 3);
    for (size_t i = 0; i < 12; i++) {
        unsigned s = 99;
        assert_int_equal(yc_status_list_get(l, i, &s), YC_OK);
        assert_int_equal(s, draft2_status[i]);
    }
    unsigned s = 99;
    assert_int_equal(yc_status_list_get(l, 12, &s), YC_ERR_NOT_FOUND);
    yc_status_list_free(l);
}

/* Build a draft example with set(), check the bytes, and check that our ZLIB output
 * inflates (with zlib's uncompress) to the draft's bytes and parses back. */
static void build_and_check(unsigned bits, const unsigned *status, size_t n, const uint8_t *bytes,
                            size_t n_bytes)
{
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_new(bits, n, &l), YC_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(yc_status_list_set(l, i, status[i]), YC_OK);
    size_t len = 0;
    const uint8_t *b = yc_status_list_bytes(l, &len);
    assert_int_equal(len, n_bytes);
    assert_memory_equal(b, bytes, n_bytes);

    uint8_t *z = NULL;
    size_t z_len = 0;
    assert_int_equal(yc_status_list_encode(l, &z, &z_len), YC_OK);
    /* RFC 1950 header: CM 8, CINFO 7 (32 KiB window), FLEVEL 3 (maximum compression). */
    assert_true(z_len >= 6);
    assert_int_equal(z[0], 0x78);
    assert_int_equal(z[1], 0xda);
    assert_inflates_to(z, z_len, bytes, n_bytes);

    yc_status_list *back = NULL;
    assert_int_equal(yc_status_list_parse(z, z_len, bits, n, 1024, &back), YC_OK);
    for (size_t i = 0; i < n; i++) {
        unsigned s = 99;
        assert_int_equal(yc_status_list_get(back, i, &s), YC_OK);
        assert_int_equal(s, status[i]);
    }
    yc_status_list_free(back);
    yc_free(z);
    yc_status_list_free(l);
}

static void encode__draft_1bit_statuses__bytes_b9a3_inflate_back(void **state)
{
    (void)state;
    build_and_check(1, draft1_status, 16, draft1_bytes, sizeof draft1_bytes);
}

static void encode__draft_2bit_statuses__bytes_c944f9_inflate_back(void **state)
{
    (void)state;
    build_and_check(2, draft2_status, 12, draft2_bytes, sizeof draft2_bytes);
}

/* ---- set / get ---- */

static void set_get__each_bits_first_last_and_past_end__exact(void **state)
{
    (void)state;
    const size_t n = 1001; /* not a multiple of 8: the last byte is partly padding */
    for (size_t b = 0; b < 4; b++) {
        const unsigned bits = all_bits[b];
        const unsigned max = (1u << bits) - 1u;
        yc_status_list *l = NULL;
        assert_int_equal(yc_status_list_new(bits, n, &l), YC_OK);
        assert_int_equal(yc_status_list_bits(l), bits);
        assert_int_equal(yc_status_list_count(l), n);
        size_t len = 0;
        const uint8_t *bytes = yc_status_list_bytes(l, &len);
        assert_int_equal(len, (n * bits + 7) / 8);

        assert_int_equal(yc_status_list_set(l, 0, max), YC_OK);
        assert_int_equal(yc_status_list_set(l, n - 1, max), YC_OK);
        unsigned s = 99;
        assert_int_equal(yc_status_list_get(l, 0, &s), YC_OK);
        assert_int_equal(s, max);
        assert_int_equal(yc_status_list_get(l, 1, &s), YC_OK);
        assert_int_equal(s, 0);
        assert_int_equal(yc_status_list_get(l, n - 2, &s), YC_OK);
        assert_int_equal(s, 0);
        assert_int_equal(yc_status_list_get(l, n - 1, &s), YC_OK);
        assert_int_equal(s, max);
        /* Index 0 is the least significant bits of byte 0. */
        assert_int_equal(bytes[0], max);
        /* Index n - 1 = 1000 sits at bit offset 1000 * bits; padding above it stays zero. */
        const size_t bit = (n - 1) * bits;
        assert_int_equal(bytes[len - 1], (uint8_t)(max << (bit % 8)));

        s = 99;
        assert_int_equal(yc_status_list_get(l, n, &s), YC_ERR_NOT_FOUND);
        assert_int_equal(s, 99);
        assert_int_equal(yc_status_list_set(l, n, 0), YC_ERR_NOT_FOUND);
        assert_int_equal(yc_status_list_get(l, SIZE_MAX, &s), YC_ERR_NOT_FOUND);
        /* A value one past what the width holds is refused and changes nothing. */
        assert_int_equal(yc_status_list_set(l, 0, max + 1), YC_ERR_INVALID);
        assert_int_equal(yc_status_list_get(l, 0, &s), YC_OK);
        assert_int_equal(s, max);
        yc_status_list_free(l);
    }
}

static void set__suspended_on_1bit__fails_invalid(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_new(1, 8, &l), YC_OK);
    assert_int_equal(yc_status_list_set(l, 3, YC_STATUS_SUSPENDED), YC_ERR_INVALID);
    assert_int_equal(yc_status_list_set(l, 3, YC_STATUS_INVALID), YC_OK);
    size_t len = 0;
    assert_int_equal(yc_status_list_bytes(l, &len)[0], 0x08);
    yc_status_list_free(l);
}

static void set__overwrite_2bit__neighbours_untouched(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_new(2, 4, &l), YC_OK);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(yc_status_list_set(l, i, YC_STATUS_SUSPENDED), YC_OK);
    assert_int_equal(yc_status_list_set(l, 2, YC_STATUS_INVALID), YC_OK);
    size_t len = 0;
    const uint8_t *b = yc_status_list_bytes(l, &len);
    assert_int_equal(len, 1);
    assert_int_equal(b[0], 0x9a); /* 10 01 10 10 */
    assert_int_equal(yc_status_list_set(l, 2, YC_STATUS_VALID), YC_OK);
    assert_int_equal(b[0], 0x8a);
    yc_status_list_free(l);
}

static void encode_parse__each_bits_pattern__round_trip(void **state)
{
    (void)state;
    const size_t n = 4099;
    for (size_t b = 0; b < 4; b++) {
        const unsigned bits = all_bits[b];
        const unsigned mod = 1u << bits;
        yc_status_list *l = NULL;
        assert_int_equal(yc_status_list_new(bits, n, &l), YC_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(yc_status_list_set(l, i, (unsigned)((i * 7 + i / 3) % mod)), YC_OK);
        uint8_t *z = NULL;
        size_t z_len = 0;
        assert_int_equal(yc_status_list_encode(l, &z, &z_len), YC_OK);
        size_t len = 0;
        const uint8_t *raw = yc_status_list_bytes(l, &len);
        assert_inflates_to(z, z_len, raw, len);

        yc_status_list *back = NULL;
        assert_int_equal(yc_status_list_parse(z, z_len, bits, n, len, &back), YC_OK);
        assert_int_equal(yc_status_list_count(back), n);
        for (size_t i = 0; i < n; i++) {
            unsigned s = 99;
            assert_int_equal(yc_status_list_get(back, i, &s), YC_OK);
            assert_int_equal(s, (i * 7 + i / 3) % mod);
        }
        yc_status_list_free(back);
        yc_free(z);
        yc_status_list_free(l);
    }
}

/* ---- malformed streams ---- */

static void parse__corrupted_stream__fails_proto(void **state)
{
    (void)state;
    uint8_t buf[sizeof draft1_lst];
    yc_status_list *l = NULL;

    memcpy(buf, draft1_lst, sizeof buf);
    buf[1] ^= 0x01; /* header check bits: (CMF * 256 + FLG) % 31 != 0 */
    assert_int_equal(yc_status_list_parse(buf, sizeof buf, 1, 0, 1024, &l), YC_ERR_PROTO);

    memcpy(buf, draft1_lst, sizeof buf);
    buf[0] = 0x77; /* compression method 7, not DEFLATE */
    assert_int_equal(yc_status_list_parse(buf, sizeof buf, 1, 0, 1024, &l), YC_ERR_PROTO);

    memcpy(buf, draft1_lst, sizeof buf);
    buf[2] = 0x07; /* BFINAL 1, BTYPE 11: the reserved block type */
    assert_int_equal(yc_status_list_parse(buf, sizeof buf, 1, 0, 1024, &l), YC_ERR_PROTO);

    memcpy(buf, draft1_lst, sizeof buf);
    buf[sizeof buf - 1] ^= 0x01; /* Adler-32 no longer matches b9 a3 */
    assert_int_equal(yc_status_list_parse(buf, sizeof buf, 1, 0, 1024, &l), YC_ERR_PROTO);

    /* A preset dictionary (FDICT) is not part of the format: 78 bb is a valid FDICT header. */
    const uint8_t fdict[] = {0x78, 0xbb, 0x00, 0x00, 0x00, 0x01,
                             0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(yc_status_list_parse(fdict, sizeof fdict, 1, 0, 1024, &l), YC_ERR_PROTO);
    assert_null(l);
}

static void parse__truncated_at_every_length__fails_proto(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    for (size_t n = 1; n < sizeof draft1_lst; n++)
        assert_int_equal(yc_status_list_parse(draft1_lst, n, 1, 0, 1024, &l), YC_ERR_PROTO);
    /* A longer stream cut in the middle of its DEFLATE data and in its Adler-32. */
    uint8_t raw[5000];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 131 + i / 7);
    size_t z_len = 0;
    uint8_t *z = zcompress(raw, sizeof raw, &z_len);
    assert_int_equal(yc_status_list_parse(z, z_len / 2, 8, 0, 8192, &l), YC_ERR_PROTO);
    assert_int_equal(yc_status_list_parse(z, z_len - 1, 8, 0, 8192, &l), YC_ERR_PROTO);
    assert_int_equal(yc_status_list_parse(z, z_len, 8, 0, 8192, &l), YC_OK);
    assert_int_equal(yc_status_list_count(l), 5000);
    yc_status_list_free(l);
    test_free(z);
}

static void parse__trailing_byte_after_stream__fails_proto(void **state)
{
    (void)state;
    uint8_t buf[sizeof draft1_lst + 1];
    memcpy(buf, draft1_lst, sizeof draft1_lst);
    buf[sizeof draft1_lst] = 0x00;
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_parse(buf, sizeof buf, 1, 0, 1024, &l), YC_ERR_PROTO);
    /* Two complete streams back to back are refused too. */
    uint8_t two[2 * sizeof draft1_lst];
    memcpy(two, draft1_lst, sizeof draft1_lst);
    memcpy(two + sizeof draft1_lst, draft1_lst, sizeof draft1_lst);
    assert_int_equal(yc_status_list_parse(two, sizeof two, 1, 0, 1024, &l), YC_ERR_PROTO);
    assert_null(l);
}

static void parse__inflates_to_zero_bytes__fails_proto(void **state)
{
    (void)state;
    size_t z_len = 0;
    uint8_t *z = zcompress((const uint8_t *)"", 0, &z_len);
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_parse(z, z_len, 1, 0, 1024, &l), YC_ERR_PROTO);
    assert_null(l);
    test_free(z);
}

/* ---- caps and declared size ---- */

static void parse__10mb_zero_bomb__refused_past_cap_accepted_at_cap(void **state)
{
    (void)state;
    const size_t big = (size_t)10 * 1000 * 1000;
    uint8_t *zeros = test_calloc(big, 1);
    assert_non_null(zeros);
    size_t z_len = 0;
    uint8_t *z = zcompress(zeros, big, &z_len);
    test_free(zeros);
    assert_true(z_len < 20000); /* ~1000:1, the shape of a bomb */

    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_parse(z, z_len, 1, 0, big - 1, &l), YC_ERR_TOO_LARGE);
    assert_int_equal(yc_status_list_parse(z, z_len, 1, 0, 1024, &l), YC_ERR_TOO_LARGE);
    assert_null(l);
    /* Refusing stays cheap: zlib state, window and the capped buffer, a handful of calls. */
    const long before = yc_alloc_count();
    assert_int_equal(yc_status_list_parse(z, z_len, 8, 0, 4096, &l), YC_ERR_TOO_LARGE);
    assert_true(yc_alloc_count() - before <= 8);

    assert_int_equal(yc_status_list_parse(z, z_len, 1, 0, big, &l), YC_OK);
    assert_int_equal(yc_status_list_count(l), big * 8);
    size_t len = 0;
    (void)yc_status_list_bytes(l, &len);
    assert_int_equal(len, big);
    unsigned s = 99;
    assert_int_equal(yc_status_list_get(l, big * 8 - 1, &s), YC_OK);
    assert_int_equal(s, YC_STATUS_VALID);
    yc_status_list_free(l);

    /* With a declared size, the bomb is cut at the declared length instead. */
    assert_int_equal(yc_status_list_parse(z, z_len, 8, big - 1, big, &l), YC_ERR_PROTO);
    assert_int_equal(yc_status_list_parse(z, z_len, 8, big, big, &l), YC_OK);
    yc_status_list_free(l);
    test_free(z);
}

static void parse__declared_count__exact_ok_short_and_long_conflict(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    /* 1 bit, 2 bytes: counts 9..16 all need 2 bytes. */
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 16, 1024, &l), YC_OK);
    yc_status_list_free(l);
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 9, 1024, &l), YC_OK);
    assert_int_equal(yc_status_list_count(l), 9);
    unsigned s = 99;
    assert_int_equal(yc_status_list_get(l, 8, &s), YC_OK);
    assert_int_equal(s, 1);
    assert_int_equal(yc_status_list_get(l, 9, &s), YC_ERR_NOT_FOUND);
    yc_status_list_free(l);
    l = NULL;
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 8, 1024, &l),
                     YC_ERR_PROTO);
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 17, 1024, &l),
                     YC_ERR_PROTO);
    /* 2 bytes read as 8 bits are 2 entries, as 4 bits 4 entries. */
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 8, 3, 1024, &l),
                     YC_ERR_PROTO);
    assert_null(l);
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 4, 0, 1024, &l), YC_OK);
    assert_int_equal(yc_status_list_count(l), 4);
    assert_int_equal(yc_status_list_get(l, 0, &s), YC_OK);
    assert_int_equal(s, 0x9);
    assert_int_equal(yc_status_list_get(l, 3, &s), YC_OK);
    assert_int_equal(s, 0xa);
    yc_status_list_free(l);
}

static void parse__declared_count_beyond_cap__fails_too_large(void **state)
{
    (void)state;
    yc_status_list *l = NULL;
    /* cap 2 bytes: 16 one-bit entries fit, 17 do not. */
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 16, 2, &l), YC_OK);
    yc_status_list_free(l);
    l = NULL;
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 17, 2, &l),
                     YC_ERR_TOO_LARGE);
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, SIZE_MAX, 2, &l),
                     YC_ERR_TOO_LARGE);
    /* Without a declared count, cap 1 refuses the 2-byte list and cap 2 takes it. */
    assert_int_equal(yc_status_list_parse(draft1_lst, sizeof draft1_lst, 1, 0, 1, &l),
                     YC_ERR_TOO_LARGE);
    assert_null(l);
}

/* ---- out of memory ---- */

static void new_encode_parse__every_failing_allocation__nomem_then_ok(void **state)
{
    (void)state;
    int done = 0;
    for (long n = 0; n < 64 && !done; n++) {
        yc_status_list *l = NULL, *back = NULL;
        uint8_t *z = NULL;
        size_t z_len = 0;
        yc_alloc_fail_after(n);
        yc_err rv = yc_status_list_new(2, 12, &l);
        if (rv == YC_OK)
            rv = yc_status_list_encode(l, &z, &z_len);
        if (rv == YC_OK)
            rv = yc_status_list_parse(z, z_len, 2, 12, 1024, &back);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            done = 1;
            assert_true(n > 3);
            assert_int_equal(yc_status_list_count(back), 12);
        } else {
            assert_int_equal(rv, YC_ERR_NOMEM);
        }
        yc_status_list_free(back);
        yc_free(z);
        yc_status_list_free(l);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__new_bad_bits__fails_invalid),
        cmocka_unit_test(safety__new_count_0__fails_invalid),
        cmocka_unit_test(safety__new_count_max_and_max_plus_1__ok_then_too_large),
        cmocka_unit_test(safety__free_null__no_op),
        cmocka_unit_test(safety__parse_bad_args__fails_invalid),
        cmocka_unit_test(safety__parse_empty_input__fails_proto),
        cmocka_unit_test(safety__parse_lst_len_over_4gib__fails_too_large_without_reading),
        cmocka_unit_test(parse__draft_1bit_example__statuses_and_bytes_exact),
        cmocka_unit_test(parse__draft_2bit_example__statuses_and_bytes_exact),
        cmocka_unit_test(encode__draft_1bit_statuses__bytes_b9a3_inflate_back),
        cmocka_unit_test(encode__draft_2bit_statuses__bytes_c944f9_inflate_back),
        cmocka_unit_test(set_get__each_bits_first_last_and_past_end__exact),
        cmocka_unit_test(set__suspended_on_1bit__fails_invalid),
        cmocka_unit_test(set__overwrite_2bit__neighbours_untouched),
        cmocka_unit_test(encode_parse__each_bits_pattern__round_trip),
        cmocka_unit_test(parse__corrupted_stream__fails_proto),
        cmocka_unit_test(parse__truncated_at_every_length__fails_proto),
        cmocka_unit_test(parse__trailing_byte_after_stream__fails_proto),
        cmocka_unit_test(parse__inflates_to_zero_bytes__fails_proto),
        cmocka_unit_test(parse__10mb_zero_bomb__refused_past_cap_accepted_at_cap),
        cmocka_unit_test(parse__declared_count__exact_ok_short_and_long_conflict),
        cmocka_unit_test(parse__declared_count_beyond_cap__fails_too_large),
        cmocka_unit_test_teardown(new_encode_parse__every_failing_allocation__nomem_then_ok,
                                  hook_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
