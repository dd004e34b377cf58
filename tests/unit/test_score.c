/* Unit tests of the score engine v1 (include/yrdcredit/score.h, issue 2 item 5).
 *
 * Models: the real etc/model/score-v1.json ("real", via YC_SOURCE_ROOT) and
 * tests/data/score/test-model.json ("test": score-v1 with P03 +150 (cap 150), P04 +400 (cap
 * 400), P06 +0.5, N01 -0.5, N04 -15, N11 -10 points and an overall positive cap of +400).
 * Every rule test writes its arithmetic in a comment: T = total in milli-points,
 * score = T / 1000 rounded half away from zero, clamped to 0..1000.
 * Windows are filled as the importer does: pub_min_end / pub_max_end = decision date + the
 * code's window months (yc_model_window_months); codes whose window comes from the record
 * (B02, P04) get the licence's end date. */
#include <inttypes.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/score.h"

static yc_model *g_real;
static yc_model *g_test;

static const char AUTHORITY[] = "义乌市市场监督管理局";

/* ---- helpers ---- */

static void env_path(char *buf, size_t len, const char *var, const char *rel)
{
    const char *base = getenv(var);
    assert_non_null(base);
    const int n = snprintf(buf, len, "%s/%s", base, rel);
    assert_true(n > 0 && (size_t)n < len);
}

static yc_model *load_model(const char *var, const char *rel)
{
    char path[4096], errpath[YC_MODEL_ERRPATH_MAX];
    env_path(path, sizeof path, var, rel);
    yc_model *m = NULL;
    const yc_err rc = yc_model_load(path, &m, errpath, sizeof errpath);
    if (rc != YC_OK)
        fail_msg("loading %s: %s at %s", path, yc_err_str(rc), errpath);
    return m;
}

static int group_setup(void **state)
{
    (void)state;
    g_real = load_model("YC_SOURCE_ROOT", "etc/model/score-v1.json");
    g_test = load_model("YC_TEST_DATA", "score/test-model.json");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    yc_model_free(g_real);
    yc_model_free(g_test);
    return 0;
}

static yc_date D(int y, int m, int d)
{
    yc_date r = 0;
    assert_int_equal(yc_date_from_ymd(y, m, d, &r), YC_OK);
    return r;
}

/* An active fact with the window the importer derives from the model. */
static yc_fact fact(const yc_model *m, uint64_t id, yc_code code, yc_date decided)
{
    int lo = 0, hi = 0;
    assert_int_equal(yc_model_window_months(m, code, &lo, &hi), YC_OK);
    return (yc_fact){.record_id = id,
                     .code = code,
                     .status = YC_STATUS_ACTIVE,
                     .decision_date = decided,
                     .pub_min_end = yc_date_add_months(decided, lo),
                     .pub_max_end = yc_date_add_months(decided, hi),
                     .authority = AUTHORITY,
                     .authority_len = strlen(AUTHORITY)};
}

/* An active fact whose window comes from the record (B02/P04: the licence's 有效期至). */
static yc_fact fact_until(uint64_t id, yc_code code, yc_date decided, yc_date end)
{
    return (yc_fact){.record_id = id,
                     .code = code,
                     .status = YC_STATUS_ACTIVE,
                     .decision_date = decided,
                     .pub_min_end = end,
                     .pub_max_end = end,
                     .authority = AUTHORITY,
                     .authority_len = strlen(AUTHORITY)};
}

static yc_amount amount(const char *s)
{
    yc_amount a = 0;
    assert_int_equal(yc_amount_parse(s, strlen(s), &a), YC_OK);
    return a;
}

#define REASONS_CAP 16

static yc_score_result score(const yc_model *m, yc_subject_type t, const yc_fact *facts, size_t n,
                             yc_date as_of, yc_score_reason *reasons)
{
    yc_score_result r;
    assert_int_equal(yc_score_compute(m, t, facts, n, as_of, reasons, REASONS_CAP, &r), YC_OK);
    assert_ptr_equal(r.reasons, reasons);
    assert_int_equal(r.subject_type, t);
    assert_int_equal(r.as_of, as_of);
    return r;
}

/* Every field a hand-computed case fixes: score, rating, gated, total_milli, changes_on and
 * the number of reasons (each reason is checked with assert_reason). */
static void assert_result(const yc_score_result *r, int32_t score_v, const char *rating, bool gated,
                          int64_t total_milli, yc_date changes_on, size_t n_reasons)
{
    assert_int_equal(r->score, score_v);
    assert_string_equal(r->rating, rating);
    assert_int_equal(r->gated, gated);
    assert_int_equal(r->total_milli, total_milli);
    assert_int_equal(r->changes_on, changes_on);
    assert_int_equal(r->n_reasons, n_reasons);
}

static void assert_reason(const yc_score_reason *r, yc_code code, int64_t points_milli, uint64_t id,
                          yc_date decided, yc_date window_end, yc_date repairable_from,
                          bool disputed, bool gate)
{
    assert_int_equal(r->code, code);
    assert_int_equal(r->points_milli, points_milli);
    assert_int_equal(r->record_id, id);
    assert_int_equal(r->decision_date, decided);
    assert_int_equal(r->window_end, window_end);
    assert_int_equal(r->repairable_from, repairable_from);
    assert_int_equal(r->disputed, disputed);
    assert_int_equal(r->gate, gate);
    assert_int_equal(r->authority_len, strlen(AUTHORITY));
    assert_memory_equal(r->authority, AUTHORITY, strlen(AUTHORITY));
}

static char *read_file(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(YC_MODEL_FILE_MAX + 1);
    assert_non_null(buf);
    *ret_len = fread(buf, 1, YC_MODEL_FILE_MAX + 1, f);
    fclose(f);
    return buf;
}

/* ---- safety ---- */

static void safety__no_facts__base_score(void **state)
{
    (void)state;
    yc_score_result r;
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, NULL, 0, D(2024, 6, 1), NULL, 0, &r),
        YC_OK);
    assert_result(&r, 700, "B", false, 700000, YC_DATE_NONE, 0);
}

static void safety__reasons_at_cap__ok_and_over_cap__fails_too_large(void **state)
{
    (void)state;
    /* three counted records need three reasons */
    const yc_fact f[3] = {fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15)),
                          fact(g_real, 2, YC_CODE_N06, D(2024, 3, 15)),
                          fact(g_real, 3, YC_CODE_N07, D(2024, 3, 15))};
    yc_score_reason reasons[3];
    yc_score_result r;
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, f, 3, D(2024, 4, 1), reasons, 3, &r),
        YC_OK);
    assert_int_equal(r.n_reasons, 3);
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, f, 3, D(2024, 4, 1), reasons, 2, &r),
        YC_ERR_TOO_LARGE);
}

static void safety__facts_over_max__fails_too_large(void **state)
{
    (void)state;
    const yc_fact f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    yc_score_reason reasons[1];
    yc_score_result r;
    /* the count is checked before any fact is read */
    assert_int_equal(yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, &f, YC_SCORE_FACTS_MAX + 1,
                                      D(2024, 4, 1), reasons, 1, &r),
                     YC_ERR_TOO_LARGE);
}

static void safety__bad_arguments__fail_invalid(void **state)
{
    (void)state;
    yc_score_reason reasons[1];
    yc_score_result r;
    yc_fact f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_NONE, &f, 1, D(2024, 4, 1), reasons, 1, &r),
        YC_ERR_INVALID);
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, YC_DATE_NONE, reasons, 1, &r),
        YC_ERR_INVALID);
    assert_int_equal(yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, YC_DATE_LONG_TERM + 1,
                                      reasons, 1, &r),
                     YC_ERR_INVALID);
    f.code = YC_CODE_COUNT;
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons, 1, &r),
        YC_ERR_INVALID);
    f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    f.status = YC_STATUS_COUNT;
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons, 1, &r),
        YC_ERR_INVALID);
    f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    f.decision_date = YC_DATE_NONE;
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons, 1, &r),
        YC_ERR_INVALID);
    f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    f.pub_max_end = YC_DATE_LONG_TERM + 1;
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons, 1, &r),
        YC_ERR_INVALID);
    f = fact(g_real, 1, YC_CODE_N03, D(2024, 3, 15));
    f.has_amount = true;
    f.amount = -1;
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons, 1, &r),
        YC_ERR_INVALID);
}

static void safety__model_bytes_empty_and_over_limit__rejected(void **state)
{
    (void)state;
    yc_model *m = NULL;
    char errpath[YC_MODEL_ERRPATH_MAX];
    assert_int_equal(yc_model_load_bytes("", 0, &m, errpath, sizeof errpath), YC_ERR_INVALID);
    assert_int_equal(strncmp(errpath, "$ (line ", 8), 0);
    char *big = calloc(1, YC_MODEL_FILE_MAX + 1);
    assert_non_null(big);
    /* at the limit the size is accepted and the content (NUL bytes) is what fails */
    assert_int_equal(yc_model_load_bytes(big, YC_MODEL_FILE_MAX, &m, NULL, 0), YC_ERR_INVALID);
    assert_int_equal(yc_model_load_bytes(big, YC_MODEL_FILE_MAX + 1, &m, NULL, 0),
                     YC_ERR_TOO_LARGE);
    free(big);
    assert_int_equal(yc_model_load("/nonexistent/score-v1.json", &m, errpath, sizeof errpath),
                     YC_ERR_IO);
    assert_string_equal(errpath, "");
}

static void safety__json_buffer_exact_length__fails_too_large(void **state)
{
    (void)state;
    yc_score_result r;
    assert_int_equal(
        yc_score_compute(g_real, YC_SUBJECT_NATURAL_PERSON, NULL, 0, D(2024, 6, 1), NULL, 0, &r),
        YC_OK);
    char buf[YC_SCORE_JSON_BASE_MAX];
    size_t len = 0;
    assert_int_equal(yc_score_result_to_json(g_real, "PAAAA", &r, buf, sizeof buf, &len), YC_OK);
    assert_int_equal(strlen(buf), len);
    char small[YC_SCORE_JSON_BASE_MAX];
    size_t len2 = 0;
    /* len bytes leave no room for the NUL; len + 1 do */
    assert_int_equal(yc_score_result_to_json(g_real, "PAAAA", &r, small, len, &len2),
                     YC_ERR_TOO_LARGE);
    assert_int_equal(yc_score_result_to_json(g_real, "PAAAA", &r, small, len + 1, &len2), YC_OK);
    assert_string_equal(small, buf);
    /* subject id: empty and YC_SUBJECT_ID_MAX + 1 bytes are rejected, the maximum is not */
    char id[YC_SUBJECT_ID_MAX + 2];
    memset(id, 'A', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    assert_int_equal(yc_score_result_to_json(g_real, id, &r, buf, sizeof buf, NULL),
                     YC_ERR_INVALID);
    id[YC_SUBJECT_ID_MAX] = '\0';
    assert_int_equal(yc_score_result_to_json(g_real, id, &r, buf, sizeof buf, NULL), YC_OK);
    assert_int_equal(yc_score_result_to_json(g_real, "", &r, buf, sizeof buf, NULL),
                     YC_ERR_INVALID);
    assert_int_equal(yc_score_result_to_json(g_real, "P\xff", &r, buf, sizeof buf, NULL),
                     YC_ERR_INVALID);
}

static void safety__json_bad_authority__fails_invalid(void **state)
{
    (void)state;
    yc_fact f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    f.authority = "\xff\xfe";
    f.authority_len = 2;
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons);
    char buf[4096];
    assert_int_equal(
        yc_score_result_to_json(g_real, "91330100716105852F", &r, buf, sizeof buf, NULL),
        YC_ERR_INVALID);
}

/* ---- model loading ---- */

static void model_load__real_model__version_digest_windows(void **state)
{
    (void)state;
    assert_string_equal(yc_model_version(g_real), "score-v1");
    /* digest = SHA-256 of the file's exact bytes */
    char path[4096];
    env_path(path, sizeof path, "YC_SOURCE_ROOT", "etc/model/score-v1.json");
    size_t len = 0;
    char *bytes = read_file(path, &len);
    uint8_t digest[32];
    char hex[65];
    yc_crypto_sha256(bytes, len, digest);
    yc_hex_encode(digest, sizeof digest, hex);
    hex[64] = '\0';
    free(bytes);
    assert_int_equal(strlen(yc_model_digest_hex(g_real)), YC_MODEL_DIGEST_HEX_LEN);
    assert_string_equal(yc_model_digest_hex(g_real), hex);
    /* windows of domain.md §4 / §(a) in months */
    static const struct {
        yc_code code;
        int lo, hi;
    } want[] = {{YC_CODE_N01, 3, 3},   {YC_CODE_N02, 3, 3},   {YC_CODE_N03, 3, 12},
                {YC_CODE_N04, 12, 36}, {YC_CODE_N05, 12, 36}, {YC_CODE_N08, 12, 36},
                {YC_CODE_N09, 3, 12},  {YC_CODE_N11, 24, 24}, {YC_CODE_N12, 12, 36},
                {YC_CODE_N13, 0, 60},  {YC_CODE_P01, 0, 36},  {YC_CODE_P03, 12, 12}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int lo = -1, hi = -1;
        assert_int_equal(yc_model_window_months(g_real, want[i].code, &lo, &hi), YC_OK);
        assert_int_equal(lo, want[i].lo);
        assert_int_equal(hi, want[i].hi);
    }
    int lo = -1, hi = -1;
    assert_int_equal(yc_model_window_months(g_real, YC_CODE_B02, &lo, &hi), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_model_window_months(g_real, YC_CODE_P04, &lo, &hi), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_model_window_months(g_real, YC_CODE_COUNT, &lo, &hi), YC_ERR_INVALID);
    /* the importer's table: the same windows, {0, 0} where the record gives the end */
    yc_window w[YC_CODE_COUNT];
    yc_model_windows(g_real, w);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(w[want[i].code].min_months, want[i].lo);
        assert_int_equal(w[want[i].code].max_months, want[i].hi);
    }
    assert_int_equal(w[YC_CODE_B02].min_months, 0);
    assert_int_equal(w[YC_CODE_B02].max_months, 0);
    assert_int_equal(w[YC_CODE_P04].max_months, 0);
}

static void model_load__test_model__digest_matches_sha256sum(void **state)
{
    (void)state;
    /* `sha256sum tests/data/score/test-model.json` */
    assert_string_equal(yc_model_digest_hex(g_test),
                        "cd6b072d07a14cc7f9befc4a6691158e7f25b88b2b38fc9c5efa1231fdf41820");
    assert_string_equal(yc_model_version(g_test), "test-model-1");
}

static void expect_reject_file(const char *rel, const char *errpath_want)
{
    char path[4096], errpath[YC_MODEL_ERRPATH_MAX];
    env_path(path, sizeof path, "YC_TEST_DATA", rel);
    yc_model *m = NULL;
    assert_int_equal(yc_model_load(path, &m, errpath, sizeof errpath), YC_ERR_INVALID);
    assert_null(m);
    assert_string_equal(errpath, errpath_want);
}

static void model_load__missing_code__names_code(void **state)
{
    (void)state;
    expect_reject_file("score/missing-code.json", "$.codes.N07");
}

static void model_load__duplicate_key__names_line(void **state)
{
    (void)state;
    /* Jansson gives no path for duplicates: line and column of the repeated key's end */
    expect_reject_file("score/duplicate-key.json",
                       "$ (line 3, column 10): duplicate object key near '\"version\"'");
}

static void model_load__negative_window__names_field(void **state)
{
    (void)state;
    expect_reject_file("score/negative-window.json", "$.codes.N04.window.min_months");
}

static void model_load__bad_band_order__names_level(void **state)
{
    (void)state;
    expect_reject_file("score/bad-band-order.json", "$.classes.individual.levels[2].min");
}

/* Load the real model as a Jansson tree, apply @p edit, serialize, expect @p errpath_want. */
static void expect_reject_edit(void (*edit)(json_t *root), const char *errpath_want)
{
    char path[4096], errpath[YC_MODEL_ERRPATH_MAX];
    env_path(path, sizeof path, "YC_SOURCE_ROOT", "etc/model/score-v1.json");
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(root);
    edit(root);
    char *text = json_dumps(root, JSON_COMPACT);
    assert_non_null(text);
    yc_model *m = NULL;
    assert_int_equal(yc_model_load_bytes(text, strlen(text), &m, errpath, sizeof errpath),
                     YC_ERR_INVALID);
    assert_null(m);
    assert_string_equal(errpath, errpath_want);
    free(text);
    json_decref(root);
}

static json_t *code_entry(json_t *root, const char *code)
{
    return json_object_get(json_object_get(root, "codes"), code);
}

static void edit_unknown_key(json_t *root)
{
    json_object_set_new(code_entry(root, "N03"), "half_life", json_integer(6));
}

static void edit_positive_negative_points(json_t *root)
{
    json_object_set_new(code_entry(root, "P03"), "points_milli", json_integer(-1));
}

static void edit_tiers_not_ascending(json_t *root)
{
    json_t *tiers = json_object_get(code_entry(root, "N03"), "amount_tiers");
    json_object_set_new(json_array_get(tiers, 1), "amount_below_10k_yuan", json_string("0.5"));
}

static void edit_tier_float_bound(json_t *root)
{
    json_t *tiers = json_object_get(code_entry(root, "N03"), "amount_tiers");
    json_object_set_new(json_array_get(tiers, 0), "amount_below_10k_yuan", json_real(1.0));
}

static void edit_gate_unknown_level(json_t *root)
{
    json_t *gates =
        json_object_get(json_object_get(json_object_get(root, "classes"), "merchant"), "gates");
    json_object_set_new(json_array_get(gates, 0), "max_level", json_string("E"));
}

static void edit_gate_unknown_code(json_t *root)
{
    json_t *gates =
        json_object_get(json_object_get(json_object_get(root, "classes"), "merchant"), "gates");
    json_array_append_new(json_object_get(json_array_get(gates, 1), "codes"), json_string("N15"));
}

static void edit_cap_on_negative(json_t *root)
{
    json_object_set_new(code_entry(root, "N04"), "cap_milli", json_integer(1000));
}

static void edit_window_min_over_max(json_t *root)
{
    json_object_set_new(json_object_get(code_entry(root, "N04"), "window"), "min_months",
                        json_integer(37));
}

static void edit_extra_code(json_t *root)
{
    json_object_set(json_object_get(root, "codes"), "N15", code_entry(root, "N14"));
}

static void edit_base_out_of_range(json_t *root)
{
    json_object_set_new(json_object_get(json_object_get(root, "classes"), "individual"), "base",
                        json_integer(1001));
}

static void model_load__bad_fields__name_json_path(void **state)
{
    (void)state;
    expect_reject_edit(edit_unknown_key, "$.codes.N03.half_life");
    expect_reject_edit(edit_positive_negative_points, "$.codes.P03.points_milli");
    expect_reject_edit(edit_tiers_not_ascending,
                       "$.codes.N03.amount_tiers[1].amount_below_10k_yuan");
    expect_reject_edit(edit_tier_float_bound, "$.codes.N03.amount_tiers[0].amount_below_10k_yuan");
    expect_reject_edit(edit_gate_unknown_level, "$.classes.merchant.gates[0].max_level");
    expect_reject_edit(edit_gate_unknown_code, "$.classes.merchant.gates[1].codes[3]");
    expect_reject_edit(edit_cap_on_negative, "$.codes.N04.cap_milli");
    expect_reject_edit(edit_window_min_over_max, "$.codes.N04.window.max_months");
    expect_reject_edit(edit_extra_code, "$.codes.N15");
    expect_reject_edit(edit_base_out_of_range, "$.classes.individual.base");
}

/* ---- rules ---- */

static void compute__clean_subjects__base_score(void **state)
{
    (void)state;
    /* no records: merchant T = 700*1000 = 700000 → 700, B (650..799);
     * individual T = 600000 → 600, good (600..699); nothing ever changes */
    yc_score_reason reasons[REASONS_CAP];
    yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, NULL, 0, D(2024, 6, 1), reasons);
    assert_result(&r, 700, "B", false, 700000, YC_DATE_NONE, 0);
    assert_true(r.is_grade);
    assert_int_equal(r.total_milli, 700000);
    r = score(g_real, YC_SUBJECT_INDIVIDUAL_BUSINESS, NULL, 0, D(2024, 6, 1), reasons);
    assert_result(&r, 700, "B", false, 700000, YC_DATE_NONE, 0);
    r = score(g_real, YC_SUBJECT_NATURAL_PERSON, NULL, 0, D(2024, 6, 1), reasons);
    assert_result(&r, 600, "good", false, 600000, YC_DATE_NONE, 0);
    assert_false(r.is_grade);
    assert_string_equal(r.rating_label, "良好");
}

static void compute__n11_gate__grade_d_even_with_high_score(void **state)
{
    (void)state;
    /* test model, merchant, as_of 2024-06-01:
     * P03 (id 1, 2024-01-10, 12/12 → ends 2025-01-10) +150000;
     * N11 (id 2, 2024-03-01, 24/24 → ends 2026-03-01) -10000.
     * T = 700000 + 150000 - 10000 = 840000 → 840 → A, but N11 is active → gate → D.
     * changes_on: 2025-01-10 P03 ends: T = 690000 → 690 (still D) → score changes. */
    const yc_fact f[2] = {fact(g_test, 2, YC_CODE_N11, D(2024, 3, 1)),
                          fact(g_test, 1, YC_CODE_P03, D(2024, 1, 10))};
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_test, YC_SUBJECT_LEGAL_PERSON, f, 2, D(2024, 6, 1), reasons);
    assert_result(&r, 840, "D", true, 840000, D(2025, 1, 10), 2);
    assert_true(r.gated);
    assert_reason(&reasons[0], YC_CODE_P03, 150000, 1, D(2024, 1, 10), D(2025, 1, 10), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[1], YC_CODE_N11, -10000, 2, D(2024, 3, 1), D(2026, 3, 1), YC_DATE_NONE,
                  false, true);
}

static void compute__n11_individual__points_count_without_gate(void **state)
{
    (void)state;
    /* same facts, natural person (no gates; N11 points still count):
     * T = 600000 + 150000 - 10000 = 740000 → 740 → very_good (700..749).
     * 5-year limit of N11: 2024-03-01 + 60 months = 2029-03-01 > window end 2026-03-01.
     * changes_on: 2025-01-10 P03 ends: T = 590000 → 590 fair. */
    const yc_fact f[2] = {fact(g_test, 2, YC_CODE_N11, D(2024, 3, 1)),
                          fact(g_test, 1, YC_CODE_P03, D(2024, 1, 10))};
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r =
        score(g_test, YC_SUBJECT_NATURAL_PERSON, f, 2, D(2024, 6, 1), reasons);
    assert_result(&r, 740, "very_good", false, 740000, D(2025, 1, 10), 2);
    assert_reason(&reasons[0], YC_CODE_P03, 150000, 1, D(2024, 1, 10), D(2025, 1, 10), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[1], YC_CODE_N11, -10000, 2, D(2024, 3, 1), D(2026, 3, 1), YC_DATE_NONE,
                  false, false);
}

static void compute__n04_gate__caps_a_at_c(void **state)
{
    (void)state;
    /* test model, merchant, as_of 2024-06-01:
     * P03 (id 1, 2024-01-10, ends 2025-01-10) +150000;
     * N04 (id 3, 2024-02-01, 12/36 → min 2025-02-01, max 2027-02-01) -15000 (full before min).
     * T = 700000 + 150000 - 15000 = 835000 → 835 → A → gate "at most C" → C.
     * changes_on: first event 2025-01-10 (P03 ends): T = 685000 → 685 (B, gated C). */
    const yc_fact f[2] = {fact(g_test, 1, YC_CODE_P03, D(2024, 1, 10)),
                          fact(g_test, 3, YC_CODE_N04, D(2024, 2, 1))};
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_test, YC_SUBJECT_LEGAL_PERSON, f, 2, D(2024, 6, 1), reasons);
    assert_result(&r, 835, "C", true, 835000, D(2025, 1, 10), 2);
    assert_reason(&reasons[0], YC_CODE_P03, 150000, 1, D(2024, 1, 10), D(2025, 1, 10), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[1], YC_CODE_N04, -15000, 3, D(2024, 2, 1), D(2027, 2, 1), D(2025, 2, 1),
                  false, true);
}

/* Positives that reach the overall cap of the real model (as in
 * compute__overall_positive_cap__fills_in_order_then_fades), ids 21..31, for as_of
 * 2024-06-01: P01 ids 21..25 decided 2024-06-01 (0/36 → 2027-06-01, linear over 1095 days,
 * full on the decision day) 5 × 30000 = 150000; P03 id 26 decided 2024-01-15 (→ 2025-01-15)
 * 40000; P04 ids 27, 28 licences to 2028-12-31 2 × 20000 = 40000; P06 ids 29..31 decided
 * 2024-02..04-01 (24 months) 3 × 10000 = 30000.  Sum 260000 → overall cap 250000, filled in
 * order: id 31 gets 0 and is no reason.  The cap absorbs the P01 fade until k = 77 days:
 *   k = 76: 5 × trunc(30000 × 1019/1095) = 5 × 27917 = 139585, + 110000 = 249585;
 *   k = 77: 5 × trunc(30000 × 1018/1095) = 5 × 27890 = 139450, + 110000 = 249450,
 * i.e. the positives lose 550 milli-points on 2024-06-01 + 77 days = 2024-08-17. */
#define CAPPED_POSITIVES 11

static void capped_positives(yc_fact *f)
{
    for (int i = 0; i < 5; i++)
        f[i] = fact(g_real, (uint64_t)(21 + i), YC_CODE_P01, D(2024, 6, 1));
    f[5] = fact(g_real, 26, YC_CODE_P03, D(2024, 1, 15));
    f[6] = fact_until(27, YC_CODE_P04, D(2023, 7, 1), D(2028, 12, 31));
    f[7] = fact_until(28, YC_CODE_P04, D(2023, 8, 1), D(2028, 12, 31));
    for (int i = 0; i < 3; i++)
        f[8 + i] = fact(g_real, (uint64_t)(29 + i), YC_CODE_P06, D(2024, 2 + i, 1));
}

/* The ten reasons of capped_positives() at 2024-06-01, in reasons[0..9]; none is a gate. */
static void assert_capped_positives(const yc_score_reason *reasons)
{
    for (int i = 0; i < 5; i++)
        assert_reason(&reasons[i], YC_CODE_P01, 30000, (uint64_t)(21 + i), D(2024, 6, 1),
                      D(2027, 6, 1), YC_DATE_NONE, false, false);
    assert_reason(&reasons[5], YC_CODE_P03, 40000, 26, D(2024, 1, 15), D(2025, 1, 15), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[6], YC_CODE_P04, 20000, 27, D(2023, 7, 1), D(2028, 12, 31), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[7], YC_CODE_P04, 20000, 28, D(2023, 8, 1), D(2028, 12, 31), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[8], YC_CODE_P06, 10000, 29, D(2024, 2, 1), D(2026, 2, 1), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[9], YC_CODE_P06, 10000, 30, D(2024, 3, 1), D(2026, 3, 1), YC_DATE_NONE,
                  false, false);
}

static void regress__issue_2__n12_merchant_otherwise_b__grade_d(void **state)
{
    (void)state;
    /* real model (its gates), legal person, as_of 2024-06-01: capped_positives() +250000;
     * N12 id 1 decided 2024-03-01, 12/36 → pub_min_end 2025-03-01 (= repairable_from),
     * pub_max_end 2027-03-01, decay none: -250000.
     * T = 700000 + 250000 - 250000 = 700000 → 700 → B (650..799; A is out of reach: the
     * positives are capped at +250) → N12 gate → D, gated.
     * changes_on 2024-08-17: T = 700000 + 249450 - 250000 = 699450 → 699 (still D). */
    yc_fact f[CAPPED_POSITIVES + 1];
    capped_positives(f);
    f[CAPPED_POSITIVES] = fact(g_real, 1, YC_CODE_N12, D(2024, 3, 1));
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r =
        score(g_real, YC_SUBJECT_LEGAL_PERSON, f, CAPPED_POSITIVES + 1, D(2024, 6, 1), reasons);
    assert_result(&r, 700, "D", true, 700000, D(2024, 8, 17), 11);
    assert_string_equal(r.rating_label, "D级");
    assert_capped_positives(reasons);
    assert_reason(&reasons[10], YC_CODE_N12, -250000, 1, D(2024, 3, 1), D(2027, 3, 1),
                  D(2025, 3, 1), false, true);
}

static void regress__issue_2__n12_natural_person__points_count_band_from_score(void **state)
{
    (void)state;
    /* same records, natural person (no gates; the N12 points still count):
     * 5-year limit 2024-03-01 + 60 months = 2029-03-01, after pub_max_end 2027-03-01.
     * T = 600000 + 250000 - 250000 = 600000 → 600 → good (600..699), not gated.
     * changes_on 2024-08-17: T = 600000 + 249450 - 250000 = 599450 → 599 fair. */
    yc_fact f[CAPPED_POSITIVES + 1];
    capped_positives(f);
    f[CAPPED_POSITIVES] = fact(g_real, 1, YC_CODE_N12, D(2024, 3, 1));
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r =
        score(g_real, YC_SUBJECT_NATURAL_PERSON, f, CAPPED_POSITIVES + 1, D(2024, 6, 1), reasons);
    assert_result(&r, 600, "good", false, 600000, D(2024, 8, 17), 11);
    assert_capped_positives(reasons);
    assert_reason(&reasons[10], YC_CODE_N12, -250000, 1, D(2024, 3, 1), D(2027, 3, 1),
                  D(2025, 3, 1), false, false);
}

static void regress__issue_2__n05_merchant_otherwise_a__grade_c(void **state)
{
    (void)state;
    /* real model, legal person, as_of 2024-06-01: capped_positives() +250000;
     * N05 id 1 decided 2024-02-01, 12/36 → pub_min_end 2025-02-01 (= repairable_from),
     * pub_max_end 2027-02-01, linear fade only after 2025-02-01 → full -100000.
     * T = 700000 + 250000 - 100000 = 850000 → 850 → A (≥ 800) → gate "at most C" → C.
     * changes_on 2024-08-17: T = 700000 + 249450 - 100000 = 849450 → 849 (still C). */
    yc_fact f[CAPPED_POSITIVES + 1];
    capped_positives(f);
    f[CAPPED_POSITIVES] = fact(g_real, 1, YC_CODE_N05, D(2024, 2, 1));
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r =
        score(g_real, YC_SUBJECT_LEGAL_PERSON, f, CAPPED_POSITIVES + 1, D(2024, 6, 1), reasons);
    assert_result(&r, 850, "C", true, 850000, D(2024, 8, 17), 11);
    assert_capped_positives(reasons);
    assert_reason(&reasons[10], YC_CODE_N05, -100000, 1, D(2024, 2, 1), D(2027, 2, 1),
                  D(2025, 2, 1), false, true);
}

static void regress__issue_2__n08_individual_business_otherwise_a__grade_c(void **state)
{
    (void)state;
    /* real model, 个体工商户 (merchant class), as_of 2024-06-01: capped_positives() +250000;
     * N08 id 1 decided 2024-02-01, 12/36 → pub_min_end 2025-02-01 (= repairable_from),
     * pub_max_end 2027-02-01, full before the fade: -120000.
     * T = 700000 + 250000 - 120000 = 830000 → 830 → A → gate "at most C" → C.
     * changes_on 2024-08-17: T = 700000 + 249450 - 120000 = 829450 → 829 (still C). */
    yc_fact f[CAPPED_POSITIVES + 1];
    capped_positives(f);
    f[CAPPED_POSITIVES] = fact(g_real, 1, YC_CODE_N08, D(2024, 2, 1));
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_INDIVIDUAL_BUSINESS, f, CAPPED_POSITIVES + 1,
                                    D(2024, 6, 1), reasons);
    assert_result(&r, 830, "C", true, 830000, D(2024, 8, 17), 11);
    assert_capped_positives(reasons);
    assert_reason(&reasons[10], YC_CODE_N08, -120000, 1, D(2024, 2, 1), D(2027, 2, 1),
                  D(2025, 2, 1), false, true);
}

static void regress__issue_2__n04_gate_at_pub_max_end__grade_from_score(void **state)
{
    (void)state;
    /* real model, legal person: capped_positives(); N04 id 1 decided 2021-06-01, 12/36 →
     * pub_min_end 2022-06-01 (= repairable_from), pub_max_end 2024-06-01; fade 731 days
     * (2024-02-29 included).
     * as_of 2024-05-31 (last day of the window): the P01s (decided 2024-06-01) do not count
     *   yet: positives 40000 + 40000 + 30000 = 110000 (P06 id 31 counts: under every cap);
     *   N04: -150000 × 1/731 = -205.19… → -205.  T = 700000 + 110000 - 205 = 809795 → 810
     *   → A → N04 gate → C, gated.  changes_on 2024-06-01 (N04 ends, P01s start).
     * as_of 2024-06-01 = pub_max_end: N04 no longer counts, no gate: T = 700000 + 250000 =
     *   950000 → 950 → A (the score's grade), not gated; changes_on 2024-08-17 (949). */
    yc_fact f[CAPPED_POSITIVES + 1];
    capped_positives(f);
    f[CAPPED_POSITIVES] = fact(g_real, 1, YC_CODE_N04, D(2021, 6, 1));
    assert_int_equal(f[CAPPED_POSITIVES].pub_max_end, D(2024, 6, 1));
    yc_score_reason reasons[REASONS_CAP];
    yc_score_result r =
        score(g_real, YC_SUBJECT_LEGAL_PERSON, f, CAPPED_POSITIVES + 1, D(2024, 5, 31), reasons);
    assert_result(&r, 810, "C", true, 809795, D(2024, 6, 1), 7);
    assert_reason(&reasons[0], YC_CODE_P03, 40000, 26, D(2024, 1, 15), D(2025, 1, 15), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[1], YC_CODE_P04, 20000, 27, D(2023, 7, 1), D(2028, 12, 31), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[2], YC_CODE_P04, 20000, 28, D(2023, 8, 1), D(2028, 12, 31), YC_DATE_NONE,
                  false, false);
    for (int i = 0; i < 3; i++)
        assert_reason(&reasons[3 + i], YC_CODE_P06, 10000, (uint64_t)(29 + i), D(2024, 2 + i, 1),
                      D(2026, 2 + i, 1), YC_DATE_NONE, false, false);
    assert_reason(&reasons[6], YC_CODE_N04, -205, 1, D(2021, 6, 1), D(2024, 6, 1), D(2022, 6, 1),
                  false, true);
    r = score(g_real, YC_SUBJECT_LEGAL_PERSON, f, CAPPED_POSITIVES + 1, D(2024, 6, 1), reasons);
    assert_result(&r, 950, "A", false, 950000, D(2024, 8, 17), 10);
    assert_capped_positives(reasons);
}

static void compute__window_start__decision_day_counts_day_before_not(void **state)
{
    (void)state;
    /* real model, merchant, N02 (id 1) decided 2024-03-15, 3/3 months → ends 2024-06-15,
     * decay none, repairable from pub_min_end 2024-06-15.
     * as_of 2024-03-15: T = 700000 - 20000 = 680000 → 680 B; changes_on 2024-06-15 (700).
     * as_of 2024-03-14: not yet decided → 700 B; changes_on 2024-03-15 (the decision). */
    const yc_fact f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    yc_score_reason reasons[REASONS_CAP];
    yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 3, 15), reasons);
    assert_result(&r, 680, "B", false, 680000, D(2024, 6, 15), 1);
    assert_reason(&reasons[0], YC_CODE_N02, -20000, 1, D(2024, 3, 15), D(2024, 6, 15),
                  D(2024, 6, 15), false, false);
    r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 3, 14), reasons);
    assert_result(&r, 700, "B", false, 700000, D(2024, 3, 15), 0);
}

static void compute__mid_fade__exact_truncation(void **state)
{
    (void)state;
    /* real model, merchant, N03 (id 1) decided 2023-01-10, fine 5 万元 → tier <10 → -60000;
     * window 3/12 → min 2023-04-10, max 2024-01-10; fade length 275 days.
     * as_of 2023-09-01: 131 days to max: -60000 * 131 / 275 = -28581.81… → -28581.
     * T = 700000 - 28581 = 671419 → 671 B.
     * 2023-09-02: -60000 * 130 / 275 = -28363.63… → -28363; T = 671637 → 672 → changes_on. */
    yc_fact f = fact(g_real, 1, YC_CODE_N03, D(2023, 1, 10));
    f.has_amount = true;
    f.amount = amount("5");
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2023, 9, 1), reasons);
    assert_result(&r, 671, "B", false, 671419, D(2023, 9, 2), 1);
    assert_reason(&reasons[0], YC_CODE_N03, -28581, 1, D(2023, 1, 10), D(2024, 1, 10),
                  D(2023, 4, 10), false, false);
}

static void compute__window_end__max_end_no_longer_counts(void **state)
{
    (void)state;
    /* real model, merchant, N02 decided 2024-03-15 → pub_max_end 2024-06-15.
     * as_of 2024-06-14 (last day): T = 680000 → 680; changes_on 2024-06-15.
     * as_of 2024-06-15 = pub_max_end: not counted → 700, no reasons, nothing left to change. */
    const yc_fact f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    yc_score_reason reasons[REASONS_CAP];
    yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 6, 14), reasons);
    assert_result(&r, 680, "B", false, 680000, D(2024, 6, 15), 1);
    assert_reason(&reasons[0], YC_CODE_N02, -20000, 1, D(2024, 3, 15), D(2024, 6, 15),
                  D(2024, 6, 15), false, false);
    r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 6, 15), reasons);
    assert_result(&r, 700, "B", false, 700000, YC_DATE_NONE, 0);
}

static void compute__repaired__not_counted(void **state)
{
    (void)state;
    /* real model, merchant, N04 decided 2024-01-10 (window to 2027-01-10), status repaired
     * (信用修复 approved): not counted → T = 700000 → 700 B, no gate, no reasons, no change.
     * (Active it would be 700 - 150 = 550 C.) */
    yc_fact f = fact(g_real, 1, YC_CODE_N04, D(2024, 1, 10));
    f.status = YC_STATUS_REPAIRED;
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 6, 1), reasons);
    assert_result(&r, 700, "B", false, 700000, YC_DATE_NONE, 0);
}

static void compute__revoked__not_counted_no_gate(void **state)
{
    (void)state;
    /* real model, merchant, N11 decided 2024-01-10 (window to 2026-01-10), status revoked:
     * not counted and no gate → 700 B (active: 500 and grade D). */
    yc_fact f = fact(g_real, 1, YC_CODE_N11, D(2024, 1, 10));
    f.status = YC_STATUS_REVOKED;
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 6, 1), reasons);
    assert_result(&r, 700, "B", false, 700000, YC_DATE_NONE, 0);
}

static void compute__expired__not_counted(void **state)
{
    (void)state;
    /* real model, merchant, N03 decided 2024-05-01 (window to 2025-05-01), status expired:
     * not counted → 700 B (active: 700 - 40 = 660). */
    yc_fact f = fact(g_real, 1, YC_CODE_N03, D(2024, 5, 1));
    f.status = YC_STATUS_EXPIRED;
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 6, 1), reasons);
    assert_result(&r, 700, "B", false, 700000, YC_DATE_NONE, 0);
}

static void compute__disputed__counts_and_flagged(void **state)
{
    (void)state;
    /* real model, merchant, N02 decided 2024-03-15, status disputed (异议 pending):
     * still counts → T = 680000 → 680 B, reason flagged disputed; changes_on 2024-06-15. */
    yc_fact f = fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15));
    f.status = YC_STATUS_DISPUTED;
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons);
    assert_result(&r, 680, "B", false, 680000, D(2024, 6, 15), 1);
    assert_reason(&reasons[0], YC_CODE_N02, -20000, 1, D(2024, 3, 15), D(2024, 6, 15),
                  D(2024, 6, 15), true, false);
}

static void compute__individual_five_years__stops_counting(void **state)
{
    (void)state;
    /* real model, N12 (id 1) decided 2020-02-29, pub_min_end 2021-02-28 (12 months, clamped),
     * pub_max_end 2099-12-31 (长期: the list has no end), decay none, repairable.
     * Individual: 5-year limit = add_months(2020-02-29, 60) = 2025-02-28 (clamped).
     *   as_of 2025-02-27: T = 600000 - 250000 = 350000 → 350 needs_improvement,
     *   window_end 2025-02-28; changes_on 2025-02-28.
     *   as_of 2025-02-28: not counted → 600 good; nothing left → changes_on null.
     * Merchant (no age limit): as_of 2025-02-28: T = 450000 → 450 D, window_end null (长期),
     *   changes_on null; the N12 gate (max D) does not lower D further. */
    yc_fact f = fact_until(1, YC_CODE_N12, D(2020, 2, 29), YC_DATE_LONG_TERM);
    f.pub_min_end = yc_date_add_months(D(2020, 2, 29), 12);
    assert_int_equal(f.pub_min_end, D(2021, 2, 28));
    yc_score_reason reasons[REASONS_CAP];
    yc_score_result r = score(g_real, YC_SUBJECT_NATURAL_PERSON, &f, 1, D(2025, 2, 27), reasons);
    assert_result(&r, 350, "needs_improvement", false, 350000, D(2025, 2, 28), 1);
    assert_reason(&reasons[0], YC_CODE_N12, -250000, 1, D(2020, 2, 29), D(2025, 2, 28),
                  D(2021, 2, 28), false, false);
    r = score(g_real, YC_SUBJECT_NATURAL_PERSON, &f, 1, D(2025, 2, 28), reasons);
    assert_result(&r, 600, "good", false, 600000, YC_DATE_NONE, 0);
    r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2025, 2, 28), reasons);
    assert_result(&r, 450, "D", false, 450000, YC_DATE_NONE, 1);
    assert_reason(&reasons[0], YC_CODE_N12, -250000, 1, D(2020, 2, 29), YC_DATE_NONE,
                  D(2021, 2, 28), false, true);
}

static void compute__per_code_cap__later_licences_get_nothing(void **state)
{
    (void)state;
    /* real model, merchant, five B02 licences (+5000 each, code cap 20000), as_of 2024-06-01:
     * id 11 decided 2020-01-01 valid to 2025-01-01; ids 12..15 decided 2020-02-01..05-01
     * valid to 2027-01-01.  Fill in order: 11, 12, 13, 14 get 5000 (cap reached), 15 gets 0
     * and is not a reason.  T = 700000 + 20000 = 720000 → 720 B.
     * 2025-01-01: id 11 ends, 12..15 = 4 × 5000 = 20000 → still 720 (no change);
     * 2027-01-01: all end → 700 → changes_on. */
    yc_fact f[5];
    f[0] = fact_until(11, YC_CODE_B02, D(2020, 1, 1), D(2025, 1, 1));
    for (int i = 1; i < 5; i++)
        f[i] = fact_until((uint64_t)(11 + i), YC_CODE_B02, D(2020, 1 + i, 1), D(2027, 1, 1));
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, f, 5, D(2024, 6, 1), reasons);
    assert_result(&r, 720, "B", false, 720000, D(2027, 1, 1), 4);
    assert_reason(&reasons[0], YC_CODE_B02, 5000, 11, D(2020, 1, 1), D(2025, 1, 1), YC_DATE_NONE,
                  false, false);
    for (int i = 1; i < 4; i++)
        assert_reason(&reasons[i], YC_CODE_B02, 5000, (uint64_t)(11 + i), D(2020, 1 + i, 1),
                      D(2027, 1, 1), YC_DATE_NONE, false, false);
}

static void compute__overall_positive_cap__fills_in_order_then_fades(void **state)
{
    (void)state;
    /* real model, merchant, as_of 2024-06-01:
     * P01 ids 21..25 decided 2024-06-01 (window 0/36 → 2027-06-01, linear, fade length 1095
     *   days; as_of = pub_min_end so full: 30000 × 1095/1095) = 5 × 30000 = 150000 (no cap);
     * P03 id 26 decided 2024-01-15 (ends 2025-01-15) 40000 (cap 40000);
     * P04 ids 27, 28 licences to 2028-12-31: 2 × 20000 = 40000 (cap 40000);
     * P06 ids 29, 30, 31 decided 2024-02..04-01 (24 months): 3 × 10000 = 30000 (cap 30000).
     * Sum 260000 > overall cap 250000: filled in order P01×5 (150000), P03 (190000),
     * P04×2 (230000), P06 id 29 (240000), id 30 (250000), id 31 gets 0 and is dropped.
     * T = 700000 + 250000 = 950000 → 950 A.
     * changes_on: the P01s fade; positives stay capped until 5 × P01(k) + 110000 < 249500:
     *   k = 76: 30000 × 1019/1095 = 27917.8 → 27917, × 5 = 139585 → T = 949585 → 950;
     *   k = 77: 30000 × 1018/1095 = 27890.4 → 27890, × 5 = 139450 → T = 949450 → 949.
     *   2024-06-01 + 77 days = 2024-08-17. */
    yc_fact f[11];
    for (int i = 0; i < 5; i++)
        f[i] = fact(g_real, (uint64_t)(21 + i), YC_CODE_P01, D(2024, 6, 1));
    f[5] = fact(g_real, 26, YC_CODE_P03, D(2024, 1, 15));
    f[6] = fact_until(27, YC_CODE_P04, D(2023, 7, 1), D(2028, 12, 31));
    f[7] = fact_until(28, YC_CODE_P04, D(2023, 8, 1), D(2028, 12, 31));
    for (int i = 0; i < 3; i++)
        f[8 + i] = fact(g_real, (uint64_t)(29 + i), YC_CODE_P06, D(2024, 2 + i, 1));
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, f, 11, D(2024, 6, 1), reasons);
    assert_result(&r, 950, "A", false, 950000, D(2024, 8, 17), 10);
    for (int i = 0; i < 5; i++)
        assert_reason(&reasons[i], YC_CODE_P01, 30000, (uint64_t)(21 + i), D(2024, 6, 1),
                      D(2027, 6, 1), YC_DATE_NONE, false, false);
    assert_reason(&reasons[5], YC_CODE_P03, 40000, 26, D(2024, 1, 15), D(2025, 1, 15), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[6], YC_CODE_P04, 20000, 27, D(2023, 7, 1), D(2028, 12, 31), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[7], YC_CODE_P04, 20000, 28, D(2023, 8, 1), D(2028, 12, 31), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[8], YC_CODE_P06, 10000, 29, D(2024, 2, 1), D(2026, 2, 1), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[9], YC_CODE_P06, 10000, 30, D(2024, 3, 1), D(2026, 3, 1), YC_DATE_NONE,
                  false, false);
}

static void compute__n03_fine_tiers__bound_belongs_to_next_tier(void **state)
{
    (void)state;
    /* real model, merchant, N03 decided 2024-01-10, as_of 2024-01-10 (before pub_min_end
     * 2024-04-10: full points); tiers in 万元: <1 → -40000, <10 → -60000, else -80000;
     * no amount → -40000.  Fade 2024-04-10 → 2025-01-10 = 275 days; changes_on = first k
     * with the truncated fade past the next .500:
     *   "0.999999": T = 660000 → 660 B; k=4: 40000×271/275 = 39418.2 → T 660582 → 2024-04-14
     *   "1":        T = 640000 → 640 C; k=3: 60000×272/275 = 59345.5 → T 640655 → 2024-04-13
     *   "9.999999": as "1"
     *   "10":       T = 620000 → 620 C; k=2: 80000×273/275 = 79418.2 → T 620582 → 2024-04-12
     *   none:       as "0.999999" */
    static const struct {
        const char *amount;
        int64_t points;
        int32_t score;
        const char *grade;
        int change_day;
    } cases[] = {{"0.999999", -40000, 660, "B", 14},
                 {"1", -60000, 640, "C", 13},
                 {"9.999999", -60000, 640, "C", 13},
                 {"10", -80000, 620, "C", 12},
                 {NULL, -40000, 660, "B", 14}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        yc_fact f = fact(g_real, 1, YC_CODE_N03, D(2024, 1, 10));
        if (cases[i].amount != NULL) {
            f.has_amount = true;
            f.amount = amount(cases[i].amount);
        }
        yc_score_reason reasons[REASONS_CAP];
        const yc_score_result r =
            score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 1, 10), reasons);
        assert_result(&r, cases[i].score, cases[i].grade, false, 700000 + cases[i].points,
                      D(2024, 4, cases[i].change_day), 1);
        assert_reason(&reasons[0], YC_CODE_N03, cases[i].points, 1, D(2024, 1, 10), D(2025, 1, 10),
                      D(2024, 4, 10), false, false);
    }
}

static void compute__as_of_in_past__ignores_later_decisions(void **state)
{
    (void)state;
    /* real model, merchant: N02 (id 1) decided 2024-03-15; N04 (id 2) decided 2024-05-01.
     * as_of 2024-04-01: N04 not yet decided → ignored, no gate: T = 680000 → 680 B.
     * changes_on 2024-05-01: N04 counts → T = 700000 - 20000 - 150000 = 530000 → 530 C. */
    const yc_fact f[2] = {fact(g_real, 2, YC_CODE_N04, D(2024, 5, 1)),
                          fact(g_real, 1, YC_CODE_N02, D(2024, 3, 15))};
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, f, 2, D(2024, 4, 1), reasons);
    assert_result(&r, 680, "B", false, 680000, D(2024, 5, 1), 1);
    assert_reason(&reasons[0], YC_CODE_N02, -20000, 1, D(2024, 3, 15), D(2024, 6, 15),
                  D(2024, 6, 15), false, false);
}

static void compute__half_point__rounds_once_away_from_zero(void **state)
{
    (void)state;
    /* test model: P06 = +500, N01 = -500, N06 = -50000 milli-points.
     * merchant + P06 (decided 2024-01-01, ends 2026-01-01): T = 700500 → 700.5 → 701 B;
     *   changes_on 2026-01-01 (700).
     * merchant + N01 (decided 2024-05-01, ends 2024-08-01): T = 699500 → 699.5 → 700 B
     *   (the total is rounded once, not 700 + round(-0.5) = 699); at 2024-08-01 T = 700000
     *   → still 700 B → changes_on null.
     * individual + N06 + N01 (both 2024-05-01): T = 600000 - 50000 - 500 = 549500 → 549.5
     *   → 550 fair (not 549 needs_improvement); N01 ends 2024-08-01: T = 550000 → 550 →
     *   no change; N06 ends 2027-05-01: 600 → changes_on 2027-05-01. */
    yc_score_reason reasons[REASONS_CAP];
    const yc_fact p = fact(g_test, 1, YC_CODE_P06, D(2024, 1, 1));
    yc_score_result r = score(g_test, YC_SUBJECT_LEGAL_PERSON, &p, 1, D(2024, 6, 1), reasons);
    assert_result(&r, 701, "B", false, 700500, D(2026, 1, 1), 1);
    assert_reason(&reasons[0], YC_CODE_P06, 500, 1, D(2024, 1, 1), D(2026, 1, 1), YC_DATE_NONE,
                  false, false);
    const yc_fact n = fact(g_test, 2, YC_CODE_N01, D(2024, 5, 1));
    r = score(g_test, YC_SUBJECT_LEGAL_PERSON, &n, 1, D(2024, 6, 1), reasons);
    assert_result(&r, 700, "B", false, 699500, YC_DATE_NONE, 1);
    assert_reason(&reasons[0], YC_CODE_N01, -500, 2, D(2024, 5, 1), D(2024, 8, 1), YC_DATE_NONE,
                  false, false);
    const yc_fact both[2] = {n, fact(g_test, 3, YC_CODE_N06, D(2024, 5, 1))};
    r = score(g_test, YC_SUBJECT_NATURAL_PERSON, both, 2, D(2024, 6, 1), reasons);
    assert_result(&r, 550, "fair", false, 549500, D(2027, 5, 1), 2);
    /* N01 before N06 (code order); N06 window 0/36 → repairable from its decision date,
     * 5-year limit 2029-05-01 is after the window end 2027-05-01 */
    assert_reason(&reasons[0], YC_CODE_N01, -500, 2, D(2024, 5, 1), D(2024, 8, 1), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[1], YC_CODE_N06, -50000, 3, D(2024, 5, 1), D(2027, 5, 1), D(2024, 5, 1),
                  false, false);
}

static void compute__clamp__at_zero_and_thousand(void **state)
{
    (void)state;
    /* real model, individual, all decided 2024-01-01, as_of 2024-06-01:
     * N06 id 41 -50000 (0/36 → 2027-01-01), N07 id 42 fine 10 万元 → -100000 (0/36),
     * N10 id 43 -120000 (0/60 → 2029-01-01 = the 5-year limit), N11 id 44 -200000
     * (24/24 → 2026-01-01, not repairable), N12 id 45 -250000 (12/36 → 2025-01-01/2027-01-01).
     * T = 600000 - 720000 = -120000 → -120 → clamped to 0 → needs_improvement.
     * changes_on: 2026-01-01 N11 ends: T = 80000 → 80 (≠ 0). */
    yc_fact f[5] = {
        fact(g_real, 45, YC_CODE_N12, D(2024, 1, 1)), fact(g_real, 44, YC_CODE_N11, D(2024, 1, 1)),
        fact(g_real, 43, YC_CODE_N10, D(2024, 1, 1)), fact(g_real, 42, YC_CODE_N07, D(2024, 1, 1)),
        fact(g_real, 41, YC_CODE_N06, D(2024, 1, 1))};
    f[3].has_amount = true;
    f[3].amount = amount("10");
    yc_score_reason reasons[REASONS_CAP];
    yc_score_result r = score(g_real, YC_SUBJECT_NATURAL_PERSON, f, 5, D(2024, 6, 1), reasons);
    assert_result(&r, 0, "needs_improvement", false, -120000, D(2026, 1, 1), 5);
    assert_reason(&reasons[0], YC_CODE_N06, -50000, 41, D(2024, 1, 1), D(2027, 1, 1), D(2024, 1, 1),
                  false, false);
    assert_reason(&reasons[1], YC_CODE_N07, -100000, 42, D(2024, 1, 1), D(2027, 1, 1),
                  D(2024, 1, 1), false, false);
    assert_reason(&reasons[2], YC_CODE_N10, -120000, 43, D(2024, 1, 1), D(2029, 1, 1),
                  D(2024, 1, 1), false, false);
    assert_reason(&reasons[3], YC_CODE_N11, -200000, 44, D(2024, 1, 1), D(2026, 1, 1), YC_DATE_NONE,
                  false, false);
    assert_reason(&reasons[4], YC_CODE_N12, -250000, 45, D(2024, 1, 1), D(2027, 1, 1),
                  D(2025, 1, 1), false, false);
    /* test model, merchant, P04 +400000 (licence 2024-01-01 → 2026-06-30):
     * T = 1100000 → 1100 → clamped to 1000 → A; changes_on 2026-06-30 (700). */
    const yc_fact p = fact_until(51, YC_CODE_P04, D(2024, 1, 1), D(2026, 6, 30));
    r = score(g_test, YC_SUBJECT_LEGAL_PERSON, &p, 1, D(2024, 6, 1), reasons);
    assert_result(&r, 1000, "A", false, 1100000, D(2026, 6, 30), 1);
    assert_reason(&reasons[0], YC_CODE_P04, 400000, 51, D(2024, 1, 1), D(2026, 6, 30), YC_DATE_NONE,
                  false, false);
}

static void compute__changes_on_in_fade__first_day_rounded_score_moves(void **state)
{
    (void)state;
    /* real model, merchant, N04 (id 1) decided 2022-03-01 → min 2023-03-01, max 2025-03-01;
     * fade length 731 days (2024 is a leap year).
     * as_of 2023-03-01: -150000 × 731/731 = -150000, T = 550000 → 550 C (gate max C: not
     * lowered).  k days later: -150000 × (731-k) / 731 truncated:
     *   k=1: -149794 → 550206 → 550;  k=2: -149589 → 550411 → 550;
     *   k=3: -149384 → 550616 → 551 → changes_on 2023-03-04.
     * as_of 2023-02-01 (before the fade): same score; the fade start 2023-03-01 changes
     * nothing yet, so changes_on is again 2023-03-04. */
    const yc_fact f = fact(g_real, 1, YC_CODE_N04, D(2022, 3, 1));
    yc_score_reason reasons[REASONS_CAP];
    yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2023, 3, 1), reasons);
    assert_result(&r, 550, "C", false, 550000, D(2023, 3, 4), 1);
    assert_reason(&reasons[0], YC_CODE_N04, -150000, 1, D(2022, 3, 1), D(2025, 3, 1), D(2023, 3, 1),
                  false, true);
    r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2023, 2, 1), reasons);
    assert_result(&r, 550, "C", false, 550000, D(2023, 3, 4), 1);
    assert_reason(&reasons[0], YC_CODE_N04, -150000, 1, D(2022, 3, 1), D(2025, 3, 1), D(2023, 3, 1),
                  false, true);
    r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2023, 3, 3), reasons);
    assert_result(&r, 550, "C", false, 550411, D(2023, 3, 4), 1);
    assert_reason(&reasons[0], YC_CODE_N04, -149589, 1, D(2022, 3, 1), D(2025, 3, 1), D(2023, 3, 1),
                  false, true);
}

/* Deterministic xorshift for the oracle test. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void compute__random_subjects__changes_on_matches_day_by_day(void **state)
{
    (void)state;
    /* Oracle: for random subjects, rescoring every day after as_of must first differ in score
     * or rating exactly on changes_on (and never, up to the last window end, when null). */
    uint64_t seed = 0x9E3779B97F4A7C15u;
    const yc_date as_of = D(2024, 6, 1);
    for (int subject = 0; subject < 150; subject++) {
        yc_fact f[6];
        const size_t n = 1 + rng_next(&seed) % 6;
        yc_date last = as_of;
        for (size_t i = 0; i < n; i++) {
            const yc_code code = (yc_code)(rng_next(&seed) % YC_CODE_COUNT);
            const yc_date decided = (yc_date)(as_of - 900 + (int)(rng_next(&seed) % 1000));
            int lo = 0, hi = 0;
            if (yc_model_window_months(g_real, code, &lo, &hi) == YC_OK)
                f[i] = fact(g_real, i + 1, code, decided);
            else
                f[i] =
                    fact_until(i + 1, code, decided, decided + 200 + (int)(rng_next(&seed) % 900));
            f[i].has_amount = rng_next(&seed) % 2 == 0;
            f[i].amount = (yc_amount)(rng_next(&seed) % 20) * YC_AMOUNT_SCALE;
            f[i].status = rng_next(&seed) % 8 == 0 ? YC_STATUS_DISPUTED : YC_STATUS_ACTIVE;
            const yc_date five = yc_date_add_months(decided, 60);
            last = f[i].pub_max_end > last ? f[i].pub_max_end : last;
            last = five > last ? five : last;
        }
        const yc_subject_type t =
            subject % 2 == 0 ? YC_SUBJECT_LEGAL_PERSON : YC_SUBJECT_NATURAL_PERSON;
        yc_score_reason reasons[REASONS_CAP];
        const yc_score_result r0 = score(g_real, t, f, n, as_of, reasons);
        yc_date first = YC_DATE_NONE;
        for (yc_date d = as_of + 1; d <= last + 1 && first == YC_DATE_NONE; d++) {
            const yc_score_result r = score(g_real, t, f, n, d, reasons);
            if (r.score != r0.score || r.rating_index != r0.rating_index)
                first = d;
        }
        assert_int_equal(r0.changes_on, first);
    }
}

static void to_json__merchant_with_reasons__exact_bytes(void **state)
{
    (void)state;
    /* real model, merchant 91330100716105852F, as_of 2024-04-01:
     * P04 id 9 decided 2023-07-01, certification 长期 (2099-12-31) → +20000, window_end null;
     * N02 id 7 decided 2024-03-15, disputed → -20000, ends/repairable 2024-06-15;
     * N11 id 2^64-1 decided 2024-02-01 → -200000, ends 2026-02-01, not repairable.
     * T = 700000 + 20000 - 20000 - 200000 = 500000 → 500 → C → N11 gate → D.
     * changes_on 2024-06-15 (N02 ends: 520).  Key order fixed, JSON_COMPACT. */
    static const char court[] = "浙江省义乌市人民法院";
    static const char customs[] = "义乌海关";
    yc_fact f[3];
    f[0] = fact_until(9, YC_CODE_P04, D(2023, 7, 1), YC_DATE_LONG_TERM);
    f[0].authority = customs;
    f[0].authority_len = strlen(customs);
    f[1] = fact(g_real, 7, YC_CODE_N02, D(2024, 3, 15));
    f[1].status = YC_STATUS_DISPUTED;
    f[2] = fact(g_real, UINT64_MAX, YC_CODE_N11, D(2024, 2, 1));
    f[2].authority = court;
    f[2].authority_len = strlen(court);
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, f, 3, D(2024, 4, 1), reasons);
    assert_result(&r, 500, "D", true, 500000, D(2024, 6, 15), 3);
    assert_false(reasons[0].gate);
    assert_false(reasons[1].gate);
    assert_true(reasons[2].gate);
    char buf[YC_SCORE_JSON_BASE_MAX + 3 * YC_SCORE_JSON_REASON_MAX];
    size_t len = 0;
    assert_int_equal(
        yc_score_result_to_json(g_real, "91330100716105852F", &r, buf, sizeof buf, &len), YC_OK);
    char want[4096];
    snprintf(want, sizeof want,
             "{\"subject_id\":\"91330100716105852F\",\"subject_type\":\"legal_person\","
             "\"as_of\":\"2024-04-01\",\"score\":500,\"grade\":\"D\",\"model\":{\"version\":"
             "\"score-v1\",\"digest\":\"%s\"},\"reasons\":["
             "{\"code\":\"P04\",\"points_milli\":20000,\"record_id\":\"9\",\"authority\":"
             "\"义乌海关\",\"decision_date\":\"2023-07-01\",\"window_end\":null,"
             "\"repairable_from\":null,\"disputed\":false},"
             "{\"code\":\"N02\",\"points_milli\":-20000,\"record_id\":\"7\",\"authority\":"
             "\"义乌市市场监督管理局\",\"decision_date\":\"2024-03-15\",\"window_end\":"
             "\"2024-06-15\",\"repairable_from\":\"2024-06-15\",\"disputed\":true},"
             "{\"code\":\"N11\",\"points_milli\":-200000,\"record_id\":\"18446744073709551615\","
             "\"authority\":\"浙江省义乌市人民法院\",\"decision_date\":\"2024-02-01\","
             "\"window_end\":\"2026-02-01\",\"repairable_from\":null,\"disputed\":false}],"
             "\"changes_on\":\"2024-06-15\"}",
             yc_model_digest_hex(g_real));
    assert_string_equal(buf, want);
    assert_int_equal(len, strlen(want));
}

static void to_json__authority_quote_backslash_control__escaped_by_jansson(void **state)
{
    (void)state;
    static const char odd[] = "a\"b\\c\x01"
                              "d/e\xe4\xb9\x89";
    yc_fact f = fact(g_real, 5, YC_CODE_N02, D(2024, 3, 15));
    f.authority = odd;
    f.authority_len = sizeof odd - 1;
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons);
    char buf[YC_SCORE_JSON_BASE_MAX + YC_SCORE_JSON_REASON_MAX];
    assert_int_equal(
        yc_score_result_to_json(g_real, "91330100716105852F", &r, buf, sizeof buf, NULL), YC_OK);
    assert_non_null(strstr(buf, "\"authority\":\"a\\\"b\\\\c\\u0001d/e\xe4\xb9\x89\","));
}

static void safety__json_authority_at_name_max__ok_and_one_past__invalid(void **state)
{
    (void)state;
    static char name[YC_NAME_MAX + 2];
    memset(name, 'x', sizeof name - 1);
    yc_fact f = fact(g_real, 5, YC_CODE_N02, D(2024, 3, 15));
    f.authority = name;
    f.authority_len = YC_NAME_MAX;
    yc_score_reason reasons[REASONS_CAP];
    yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons);
    static char buf[YC_SCORE_JSON_BASE_MAX + YC_SCORE_JSON_REASON_MAX];
    size_t len = 0;
    assert_int_equal(
        yc_score_result_to_json(g_real, "91330100716105852F", &r, buf, sizeof buf, &len), YC_OK);
    assert_int_equal(strlen(buf), len);
    f.authority_len = YC_NAME_MAX + 1;
    r = score(g_real, YC_SUBJECT_LEGAL_PERSON, &f, 1, D(2024, 4, 1), reasons);
    len = 12345;
    assert_int_equal(
        yc_score_result_to_json(g_real, "91330100716105852F", &r, buf, sizeof buf, &len),
        YC_ERR_INVALID);
    assert_int_equal(len, 12345);
}

static void to_json__clean_individual__band_and_nulls(void **state)
{
    (void)state;
    /* test model (digest from sha256sum), individual, no records: 600 good, never changes */
    yc_score_result r;
    assert_int_equal(
        yc_score_compute(g_test, YC_SUBJECT_NATURAL_PERSON, NULL, 0, D(2024, 6, 1), NULL, 0, &r),
        YC_OK);
    char buf[YC_SCORE_JSON_BASE_MAX];
    assert_int_equal(yc_score_result_to_json(g_test, "PAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r, buf,
                                             sizeof buf, NULL),
                     YC_OK);
    assert_string_equal(
        buf, "{\"subject_id\":\"PAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"subject_type\":"
             "\"natural_person\",\"as_of\":\"2024-06-01\",\"score\":600,\"band\":\"good\","
             "\"model\":{\"version\":\"test-model-1\",\"digest\":"
             "\"cd6b072d07a14cc7f9befc4a6691158e7f25b88b2b38fc9c5efa1231fdf41820\"},"
             "\"reasons\":[],\"changes_on\":null}");
}

/* ---- out of memory (STYLE.md §4.6: each constructor, every N) ---- */

/* Teardown: a failed assertion inside a loop must not leave the hook armed. */
static int alloc_hook_off(void **state)
{
    (void)state;
    yc_alloc_fail_after(-1);
    return 0;
}

/* A model loaded under the hook equals g_real, loaded from the same file without it. */
static void assert_same_as_real(const yc_model *m)
{
    assert_string_equal(yc_model_version(m), yc_model_version(g_real));
    assert_string_equal(yc_model_digest_hex(m), yc_model_digest_hex(g_real));
    for (int c = 0; c < YC_CODE_COUNT; c++) {
        int lo = -1, hi = -1, want_lo = -2, want_hi = -2;
        const yc_err rv = yc_model_window_months(m, (yc_code)c, &lo, &hi);
        assert_int_equal(rv, yc_model_window_months(g_real, (yc_code)c, &want_lo, &want_hi));
        if (rv == YC_OK) {
            assert_int_equal(lo, want_lo);
            assert_int_equal(hi, want_hi);
        }
    }
}

static void model_load_bytes__fail_nth_alloc__nomem_no_leak(void **state)
{
    (void)state;
    char path[4096];
    env_path(path, sizeof path, "YC_SOURCE_ROOT", "etc/model/score-v1.json");
    size_t len = 0;
    char *bytes = read_file(path, &len);
    long needed = -1;
    for (long n = 0;; n++) {
        assert_true(n <= 1000000); /* bounded: one allocation per JSON value and key, at most */
        yc_model *m = NULL;
        char errpath[YC_MODEL_ERRPATH_MAX] = "sentinel";
        const long count = yc_alloc_count();
        yc_alloc_fail_after(n);
        const yc_err rv = yc_model_load_bytes(bytes, len, &m, errpath, sizeof errpath);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            needed = yc_alloc_count() - count;
            assert_int_equal(n, needed); /* every earlier N failed, this one is the first */
            assert_same_as_real(m);
            yc_model_free(m);
            break;
        }
        /* never Jansson's "invalid token" for a failed allocation, and no JSON path blamed */
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_null(m);
        assert_string_equal(errpath, "");
    }
    /* Jansson's allocations are counted: the model has ~100 objects and ~500 strings */
    assert_true(needed > 500);
    free(bytes);
}

static void model_load__fail_nth_alloc__nomem_no_leak(void **state)
{
    (void)state;
    char path[4096];
    env_path(path, sizeof path, "YC_SOURCE_ROOT", "etc/model/score-v1.json");
    /* the file buffer, then everything yc_model_load_bytes needs */
    for (long n = 0;; n++) {
        assert_true(n <= 1000000);
        yc_model *m = NULL;
        char errpath[YC_MODEL_ERRPATH_MAX] = "sentinel";
        yc_alloc_fail_after(n);
        const yc_err rv = yc_model_load(path, &m, errpath, sizeof errpath);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_true(n > 500);
            assert_same_as_real(m);
            yc_model_free(m);
            break;
        }
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_null(m);
        assert_string_equal(errpath, "");
    }
}

static void to_json__fail_nth_alloc__nomem_no_leak(void **state)
{
    (void)state;
    /* two reasons, one with a 长期 window (JSON null) */
    yc_fact f[2];
    f[0] = fact_until(9, YC_CODE_P04, D(2023, 7, 1), YC_DATE_LONG_TERM);
    f[1] = fact(g_real, 7, YC_CODE_N02, D(2024, 3, 15));
    yc_score_reason reasons[REASONS_CAP];
    const yc_score_result r = score(g_real, YC_SUBJECT_LEGAL_PERSON, f, 2, D(2024, 4, 1), reasons);
    char want[YC_SCORE_JSON_BASE_MAX + 2 * YC_SCORE_JSON_REASON_MAX];
    size_t want_len = 0;
    assert_int_equal(
        yc_score_result_to_json(g_real, "91330100716105852F", &r, want, sizeof want, &want_len),
        YC_OK);
    for (long n = 0;; n++) {
        assert_true(n <= 10000);
        char buf[sizeof want];
        size_t len = 12345;
        yc_alloc_fail_after(n);
        const yc_err rv =
            yc_score_result_to_json(g_real, "91330100716105852F", &r, buf, sizeof buf, &len);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_true(n >= 4); /* at least the result, reasons array and two reason objects */
            assert_int_equal(len, want_len);
            assert_string_equal(buf, want);
            break;
        }
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_int_equal(len, 12345); /* ret_len is written only on success */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__no_facts__base_score),
        cmocka_unit_test(safety__reasons_at_cap__ok_and_over_cap__fails_too_large),
        cmocka_unit_test(safety__facts_over_max__fails_too_large),
        cmocka_unit_test(safety__bad_arguments__fail_invalid),
        cmocka_unit_test(safety__model_bytes_empty_and_over_limit__rejected),
        cmocka_unit_test(safety__json_buffer_exact_length__fails_too_large),
        cmocka_unit_test(safety__json_bad_authority__fails_invalid),
        cmocka_unit_test(model_load__real_model__version_digest_windows),
        cmocka_unit_test(model_load__test_model__digest_matches_sha256sum),
        cmocka_unit_test(model_load__missing_code__names_code),
        cmocka_unit_test(model_load__duplicate_key__names_line),
        cmocka_unit_test(model_load__negative_window__names_field),
        cmocka_unit_test(model_load__bad_band_order__names_level),
        cmocka_unit_test(model_load__bad_fields__name_json_path),
        cmocka_unit_test(compute__clean_subjects__base_score),
        cmocka_unit_test(compute__n11_gate__grade_d_even_with_high_score),
        cmocka_unit_test(compute__n11_individual__points_count_without_gate),
        cmocka_unit_test(compute__n04_gate__caps_a_at_c),
        cmocka_unit_test(regress__issue_2__n12_merchant_otherwise_b__grade_d),
        cmocka_unit_test(regress__issue_2__n12_natural_person__points_count_band_from_score),
        cmocka_unit_test(regress__issue_2__n05_merchant_otherwise_a__grade_c),
        cmocka_unit_test(regress__issue_2__n08_individual_business_otherwise_a__grade_c),
        cmocka_unit_test(regress__issue_2__n04_gate_at_pub_max_end__grade_from_score),
        cmocka_unit_test(compute__window_start__decision_day_counts_day_before_not),
        cmocka_unit_test(compute__mid_fade__exact_truncation),
        cmocka_unit_test(compute__window_end__max_end_no_longer_counts),
        cmocka_unit_test(compute__repaired__not_counted),
        cmocka_unit_test(compute__revoked__not_counted_no_gate),
        cmocka_unit_test(compute__expired__not_counted),
        cmocka_unit_test(compute__disputed__counts_and_flagged),
        cmocka_unit_test(compute__individual_five_years__stops_counting),
        cmocka_unit_test(compute__per_code_cap__later_licences_get_nothing),
        cmocka_unit_test(compute__overall_positive_cap__fills_in_order_then_fades),
        cmocka_unit_test(compute__n03_fine_tiers__bound_belongs_to_next_tier),
        cmocka_unit_test(compute__as_of_in_past__ignores_later_decisions),
        cmocka_unit_test(compute__half_point__rounds_once_away_from_zero),
        cmocka_unit_test(compute__clamp__at_zero_and_thousand),
        cmocka_unit_test(compute__changes_on_in_fade__first_day_rounded_score_moves),
        cmocka_unit_test(compute__random_subjects__changes_on_matches_day_by_day),
        cmocka_unit_test(to_json__merchant_with_reasons__exact_bytes),
        cmocka_unit_test(to_json__clean_individual__band_and_nulls),
        cmocka_unit_test(to_json__authority_quote_backslash_control__escaped_by_jansson),
        cmocka_unit_test(safety__json_authority_at_name_max__ok_and_one_past__invalid),
        cmocka_unit_test_teardown(model_load_bytes__fail_nth_alloc__nomem_no_leak, alloc_hook_off),
        cmocka_unit_test_teardown(model_load__fail_nth_alloc__nomem_no_leak, alloc_hook_off),
        cmocka_unit_test_teardown(to_json__fail_nth_alloc__nomem_no_leak, alloc_hook_off),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
