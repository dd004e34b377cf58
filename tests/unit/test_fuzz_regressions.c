/* Regression tests for the findings of the fuzz targets (issue 7 item 3).  Each test is named
 * after issue 7 and the finding; its input is also kept in the target's seed corpus, which the
 * replay test of the target runs (tests/fuzz/corpus/TARGET/issue7-*).
 *
 * issue7_codec_invalid_utf8_is_corrupt (fuzz_codec, tests/fuzz/corpus/codec/
 * issue7-invalid-utf8-authority): a stored record value whose authority name held a byte
 * sequence that is not UTF-8 decoded, but its JSON view (yc_record_to_json(), what the API
 * answers) was NULL, the result of an allocation failure.  The full record decoder now treats
 * a string that is not well-formed UTF-8 as a corrupt value (YC_ERR_STORE); the same value with
 * the byte restored decodes and has a JSON view.  The subject table's merchant names likewise
 * (issue7_codec_invalid_utf8_merchant_name_is_corrupt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../svc/store/codec.h"
#include "yrdcredit/record_json.h"

static size_t read_corpus(const char *target, const char *name, uint8_t *buf, size_t cap)
{
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s/%s", root, target, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    const size_t n = fread(buf, 1, cap, f);
    assert_int_equal(feof(f), 1);
    fclose(f);
    return n;
}

static void issue7_codec_invalid_utf8_is_corrupt(void **state)
{
    (void)state;
    static uint8_t val[YC_CODEC_RECORD_MAX];
    const size_t n = read_corpus("codec", "issue7-invalid-utf8-authority", val, sizeof val);
    assert_true(n > 3);
    yc_record rec;
    assert_int_equal(yc_codec_record_decode(val, n, &rec), YC_ERR_STORE);

    /* "管理局": the fuzzer turned the last byte of 局 (E5 B1 80) into 0x7D */
    static const uint8_t bad[] = {0xE5, 0xB1, 0x7D};
    size_t pos = n;
    for (size_t i = 0; i + sizeof bad <= n && pos == n; i++)
        if (memcmp(val + i, bad, sizeof bad) == 0)
            pos = i;
    assert_true(pos + sizeof bad <= n);
    uint8_t *const at = val + pos;
    at[2] = 0x80;
    assert_int_equal(yc_codec_record_decode(val, n, &rec), YC_OK);
    assert_string_equal(rec.authority_name + strlen(rec.authority_name) - 9, "管理局");
    json_t *j = yc_record_to_json(&rec);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "authority_name")),
                        rec.authority_name);
    json_decref(j);

    /* an overlong form and a surrogate are not UTF-8 either (RFC 3629 §3) */
    at[0] = 0xC0;
    at[1] = 0xAF;
    at[2] = 0x41;
    assert_int_equal(yc_codec_record_decode(val, n, &rec), YC_ERR_STORE);
    at[0] = 0xED;
    at[1] = 0xA0;
    at[2] = 0x80;
    assert_int_equal(yc_codec_record_decode(val, n, &rec), YC_ERR_STORE);
}

/* The same for a merchant's name in the subject table (what GET /v1/me shows): found by reading
 * the codec after the finding above; tests/fuzz/corpus/codec/issue7-invalid-utf8-merchant-name
 * is the subject_merchant seed with the last byte of 司 (E5 8F B8) turned into 0x7D. */
static void issue7_codec_invalid_utf8_merchant_name_is_corrupt(void **state)
{
    (void)state;
    uint8_t val[YC_CODEC_SUBJECT_VAL_MAX];
    const size_t n = read_corpus("codec", "issue7-invalid-utf8-merchant-name", val, sizeof val);
    assert_true(n > 4 && val[n - 1] == 0x7D);
    yc_subject_type type;
    const uint8_t *payload = NULL;
    size_t len = 0;
    assert_int_equal(yc_codec_subject_decode(val, n, &type, &payload, &len), YC_ERR_STORE);
    val[n - 1] = 0xB8;
    assert_int_equal(yc_codec_subject_decode(val, n, &type, &payload, &len), YC_OK);
    assert_int_equal(type, YC_SUBJECT_LEGAL_PERSON);
    assert_int_equal(len, n - 4);
    assert_memory_equal(payload + len - 3, "司", 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(issue7_codec_invalid_utf8_is_corrupt),
        cmocka_unit_test(issue7_codec_invalid_utf8_merchant_name_is_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
