/* Tests for include/yrdcredit/shared.h, policy half (svc/policy/shared.c): which shared records
 * count in a score, and the registration region of a USCC (issue 5 scope item 5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../svc/api/api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/lists.h"
#include "yrdcredit/recognition.h"
#include "yrdcredit/shared.h"

static yc_recognition *g_rec;
static yc_list_rules *g_lists;

static void src_path(char *buf, size_t len, const char *rel)
{
    const char *base = getenv("YC_SOURCE_ROOT");
    assert_non_null(base);
    const int n = snprintf(buf, len, "%s/%s", base, rel);
    assert_true(n > 0 && (size_t)n < len);
}

static int group_setup(void **state)
{
    (void)state;
    char path[4096], why[512] = "";
    src_path(path, sizeof path, "etc/policy/recognition.json");
    if (yc_recognition_load(path, &g_rec, why, sizeof why) != YC_OK)
        fail_msg("loading %s: %s", path, why);
    src_path(path, sizeof path, "etc/policy/lists.json");
    if (yc_list_rules_load(path, &g_lists, why, sizeof why) != YC_OK)
        fail_msg("loading %s: %s", path, why);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    yc_recognition_free(g_rec);
    yc_list_rules_free(g_lists);
    return 0;
}

/* record_id = index + 1, so the kept set reads as ids. */
static const struct {
    const char *origin;
    yc_code code;
} ROWS[] = {
    {"", YC_CODE_N03},       /* 1 local: kept */
    {"330782", YC_CODE_N11}, /* 2 Yiwu serious_dishonesty: Hangzhou recognises it */
    {"330782", YC_CODE_N06}, /* 3 Yiwu watch: Hangzhou does not recognise Yiwu's watch list */
    {"310000", YC_CODE_N06}, /* 4 Shanghai watch: recognised */
    {"310000", YC_CODE_N03}, /* 5 a single penalty: no list, never counts */
    {"310000", YC_CODE_P03}, /* 6 a red-list condition code: not a listing code */
    {"320100", YC_CODE_N12}, /* 7 Nanjing: no recognition rule at all */
    {"", YC_CODE_P04},       /* 8 local: kept */
    {"310000", YC_CODE_N12}, /* 9 Shanghai serious_dishonesty: recognised */
};
#define N_ROWS (sizeof ROWS / sizeof ROWS[0])

static void make_rows(yc_record r[N_ROWS])
{
    memset(r, 0, N_ROWS * sizeof *r);
    for (size_t i = 0; i < N_ROWS; i++) {
        r[i].record_id = i + 1;
        r[i].code = ROWS[i].code;
        r[i].subject_type = YC_SUBJECT_LEGAL_PERSON;
        snprintf(r[i].origin, sizeof r[i].origin, "%s", ROWS[i].origin);
        snprintf(r[i].decision_no, sizeof r[i].decision_no, "D-%zu", i + 1);
    }
}

static void assert_ids(const yc_record *r, size_t n, const uint64_t *want, size_t n_want)
{
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(r[i].record_id, want[i]);
        char dn[16];
        snprintf(dn, sizeof dn, "D-%llu", (unsigned long long)want[i]);
        assert_string_equal(r[i].decision_no, dn); /* whole records moved, not only ids */
    }
}

static void shared_keep_recognised__hangzhou_host__local_and_recognised_lists_kept(void **state)
{
    (void)state;
    yc_record *r = calloc(N_ROWS, sizeof *r);
    assert_non_null(r);
    make_rows(r);
    size_t n = yc_shared_keep_recognised(r, N_ROWS, "330100", g_rec, g_lists);
    const uint64_t want[] = {1, 2, 4, 8, 9};
    assert_ids(r, n, want, sizeof want / sizeof want[0]);
    free(r);
}

static void shared_keep_recognised__shanghai_host__only_yiwu_serious_dishonesty(void **state)
{
    (void)state;
    yc_record *r = calloc(N_ROWS, sizeof *r);
    assert_non_null(r);
    make_rows(r);
    /* Shanghai recognises Yiwu's serious_dishonesty only; its own region as an origin has no
     * rule (310000 -> 310000) */
    size_t n = yc_shared_keep_recognised(r, N_ROWS, "310000", g_rec, g_lists);
    const uint64_t want[] = {1, 2, 8};
    assert_ids(r, n, want, sizeof want / sizeof want[0]);
    free(r);
}

static void shared_keep_recognised__no_policy__only_local_kept(void **state)
{
    (void)state;
    yc_record *r = calloc(N_ROWS, sizeof *r);
    assert_non_null(r);
    const uint64_t want[] = {1, 8};
    make_rows(r);
    assert_ids(r, yc_shared_keep_recognised(r, N_ROWS, "330100", NULL, g_lists), want, 2);
    make_rows(r);
    assert_ids(r, yc_shared_keep_recognised(r, N_ROWS, "330100", g_rec, NULL), want, 2);
    make_rows(r);
    assert_ids(r, yc_shared_keep_recognised(r, N_ROWS, NULL, g_rec, g_lists), want, 2);
    /* no record; all local */
    assert_int_equal(yc_shared_keep_recognised(NULL, 0, "330100", g_rec, g_lists), 0);
    make_rows(r);
    for (size_t i = 0; i < N_ROWS; i++)
        r[i].origin[0] = '\0';
    assert_int_equal(yc_shared_keep_recognised(r, N_ROWS, "330100", g_rec, g_lists), N_ROWS);
    free(r);
}

static void share_region_covers__exact_city_province__prefix_rules(void **state)
{
    (void)state;
    const char *yiwu = "91330782MA26FY5M25"; /* registered in 330782 */
    assert_true(yc_share_region_covers("330782", yiwu));
    assert_true(yc_share_region_covers("330700", yiwu)); /* 金华市 */
    assert_true(yc_share_region_covers("330000", yiwu)); /* 浙江省 */
    assert_false(yc_share_region_covers("330100", yiwu));
    assert_false(yc_share_region_covers("330783", yiwu));
    assert_false(yc_share_region_covers("310000", yiwu));
    assert_false(yc_share_region_covers("320000", yiwu));
    /* shapes: 17 and 19 characters, a region of 5 or 7 digits, a letter in either */
    assert_false(yc_share_region_covers("330782", "91330782MA26FY5M2"));
    assert_false(yc_share_region_covers("330782", "91330782MA26FY5M251"));
    assert_false(yc_share_region_covers("33078", yiwu));
    assert_false(yc_share_region_covers("3307820", yiwu));
    assert_false(yc_share_region_covers("33078a", yiwu));
    assert_false(yc_share_region_covers("330782", "9133078AMA26FY5M25"));
    assert_false(yc_share_region_covers(NULL, yiwu));
    assert_false(yc_share_region_covers("330782", NULL));
    /* one region rule (yc_region_is_valid, review finding 8): no GB/T 2260 province 01 or 99 */
    assert_false(yc_share_region_covers("013307", "91013307MA26FY5M25"));
    assert_false(yc_share_region_covers("990000", "91990000MA26FY5M25"));
}

/* Fill buf (cap bytes) as refuse() does: snprintf of prefix + n copies of ch, then the cut. */
static void fill_cut(char *buf, size_t cap, const char *prefix, const char *ch, int n)
{
    char text[1024];
    size_t len = (size_t)snprintf(text, sizeof text, "%s", prefix);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s", ch);
    /* what snprintf leaves of text in cap bytes (a byte count: may split a character) */
    const size_t keep = len < cap ? len : cap - 1;
    memcpy(buf, text, keep);
    buf[keep] = '\0';
    yc_api_utf8_cut(buf, cap);
}

static void repeat(char *out, size_t cap, const char *prefix, const char *ch, int n)
{
    size_t len = (size_t)snprintf(out, cap, "%s", prefix);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s", ch);
}

static void issue5_utf8_cut__chinese_at_limit_and_one_past__whole_characters(void **state)
{
    (void)state;
    char buf[256], want[1024];
    /* at the limit: 85 characters of 3 bytes = 255 bytes, kept whole */
    fill_cut(buf, sizeof buf, "", "失", 85);
    repeat(want, sizeof want, "", "失", 85);
    assert_int_equal(strlen(buf), 255);
    assert_string_equal(buf, want);
    /* one byte past: "x" + 85 characters = 256 bytes; snprintf keeps 255, the 85th is split
     * (2 of its 3 bytes) and dropped whole */
    fill_cut(buf, sizeof buf, "x", "失", 85);
    repeat(want, sizeof want, "x", "失", 84);
    assert_int_equal(strlen(buf), 253);
    assert_string_equal(buf, want);
    /* split after the lead byte only: "xy" + 85 characters */
    fill_cut(buf, sizeof buf, "xy", "失", 85);
    repeat(want, sizeof want, "xy", "失", 84);
    assert_int_equal(strlen(buf), 254);
    assert_string_equal(buf, want);
    /* a 4-byte character (U+1F600) split after 3 of its bytes; 2-byte "é" split after 1 */
    fill_cut(buf, sizeof buf, "abc", "\xF0\x9F\x98\x80", 63);
    repeat(want, sizeof want, "abc", "\xF0\x9F\x98\x80", 63);
    assert_int_equal(strlen(buf), 255);
    assert_string_equal(buf, want);
    fill_cut(buf, sizeof buf, "abcd", "\xF0\x9F\x98\x80", 63);
    repeat(want, sizeof want, "abcd", "\xF0\x9F\x98\x80", 62);
    assert_int_equal(strlen(buf), 252);
    assert_string_equal(buf, want);
    char f[64];
    fill_cut(f, sizeof f, "records[0].", "\xC3\xA9", 30); /* 11 + 52 bytes kept: 26 */
    repeat(want, sizeof want, "records[0].", "\xC3\xA9", 26);
    assert_string_equal(f, want);
    fill_cut(f, sizeof f, "records[10].", "\xC3\xA9", 30); /* 12 + 51: the 26th split */
    repeat(want, sizeof want, "records[10].", "\xC3\xA9", 25);
    assert_string_equal(f, want);
    /* ASCII text and short text are never changed */
    fill_cut(buf, sizeof buf, "", "a", 300);
    assert_int_equal(strlen(buf), 255);
    fill_cut(buf, sizeof buf, "原因", "", 0);
    assert_string_equal(buf, "原因");
}

static void issue5_share_refused__chinese_detail_cut_at_limit__400_problem_json(void **state)
{
    (void)state;
    yc_share_result r = {.reason = YC_SHARE_MALFORMED};
    fill_cut(r.detail, sizeof r.detail, "x", "失信被执行人", 15); /* 1 + 270 bytes */
    fill_cut(r.field, sizeof r.field, "records[1].", "名称", 12); /* 11 + 72 bytes */
    char want_detail[512], want_field[128];
    repeat(want_detail, sizeof want_detail, "x", "失信被执行人", 14); /* 253 bytes */
    assert_int_equal(strlen(r.detail), 253);
    assert_string_equal(r.detail, want_detail);
    repeat(want_field, sizeof want_field, "records[1].", "名称", 8); /* 11 + 48 */
    snprintf(want_field + 59, sizeof want_field - 59, "名");         /* + 3 = 62 */
    assert_string_equal(r.field, want_field);
    yc_api_response res = {0};
    assert_int_equal(yc_api_share_refused(&res, &r), YC_OK);
    assert_int_equal(res.status, 400);
    assert_string_equal(res.content_type, "application/problem+json");
    json_t *o = json_loadb(res.body, res.body_len, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "type")),
                        "urn:yrdcredit:problem:shared-batch-refused");
    assert_int_equal(json_integer_value(json_object_get(o, "status")), 400);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "malformed");
    assert_string_equal(json_string_value(json_object_get(o, "detail")), want_detail);
    assert_string_equal(json_string_value(json_object_get(o, "field")), want_field);
    json_decref(o);
    yc_api_response_clear(&res);
}

static void share_reason_str__every_value__stable_names(void **state)
{
    (void)state;
    const char *const want[] = {
        "ok",           "bad_signature", "untrusted_issuer", "wrong_recipient",
        "wrong_origin", "replayed",      "malformed",        "too_large"};
    for (int i = 0; i < 8; i++)
        assert_string_equal(yc_share_reason_str((yc_share_reason)i), want[i]);
    assert_string_equal(yc_share_reason_str((yc_share_reason)8), "malformed");
    assert_string_equal(yc_share_reason_str((yc_share_reason)-1), "malformed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_keep_recognised__hangzhou_host__local_and_recognised_lists_kept),
        cmocka_unit_test(shared_keep_recognised__shanghai_host__only_yiwu_serious_dishonesty),
        cmocka_unit_test(shared_keep_recognised__no_policy__only_local_kept),
        cmocka_unit_test(share_region_covers__exact_city_province__prefix_rules),
        cmocka_unit_test(share_reason_str__every_value__stable_names),
        cmocka_unit_test(issue5_utf8_cut__chinese_at_limit_and_one_past__whole_characters),
        cmocka_unit_test(issue5_share_refused__chinese_detail_cut_at_limit__400_problem_json),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
