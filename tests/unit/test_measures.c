/* Tests for include/yrdcredit/measures.h (svc/policy/measures.c): the three seeded catalogues
 * of etc/policy/measures/, one bad catalogue per loader rule under
 * tests/data/policy/measures/<case>/, every limit at the limit and one past it (files written
 * into a temporary directory), and the out-of-memory paths. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/measures.h"
#include "yrdcredit/record.h"

static char tmpdir[64];

static int hook_off(void **state)
{
    (void)state;
    yc_alloc_fail_after(-1);
    return 0;
}

static const char *env_or_fail(const char *name)
{
    const char *v = getenv(name);
    assert_non_null(v);
    return v;
}

static void real_path(char *out, size_t n, const char *region)
{
    int k =
        snprintf(out, n, "%s/etc/policy/measures/%s.json", env_or_fail("YC_SOURCE_ROOT"), region);
    assert_true(k > 0 && (size_t)k < n);
}

static yc_date ymd(int y, int m, int d)
{
    yc_date r = 0;
    assert_int_equal(yc_date_from_ymd(y, m, d, &r), YC_OK);
    return r;
}

static void assert_measure(const yc_measure *m, const char *id, yc_measure_kind kind,
                           const char *matter, yc_target_kind tk, const char *value, int score,
                           const char *dept)
{
    assert_non_null(m);
    assert_string_equal(m->id, id);
    assert_int_equal(m->kind, kind);
    assert_string_equal(m->matter, matter);
    assert_int_equal(m->target.kind, tk);
    if (value == NULL)
        assert_null(m->target.value);
    else
        assert_string_equal(m->target.value, value);
    assert_int_equal(m->target.score, score);
    assert_string_equal(m->department, dept);
}

/* ---- the seeded catalogues ---- */

static void yc_catalogue_load__yiwu__ten_measures(void **state)
{
    (void)state;
    char path[4096], why[512];
    yc_catalogue *c = NULL;
    real_path(path, sizeof path, "330782");
    assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), YC_OK);
    assert_string_equal(why, "");
    assert_string_equal(yc_catalogue_region(c), "330782");
    assert_int_equal(yc_catalogue_count(c), 10);
    const yc_measure *m = yc_catalogue_get(c, 0);
    assert_measure(m, "330782-P-001", YC_MEASURE_PENALTY, "government_procurement", YC_TARGET_LIST,
                   "serious_dishonesty", 0, "义乌市财政局");
    assert_string_equal(m->text_zh, "限制参与政府采购活动");
    assert_string_equal(m->text_en, "Barred from taking part in government procurement");
    assert_string_equal(m->legal_basis,
                        "《中华人民共和国政府采购法》第二十二条；《中华人民共和国政府采购法实施"
                        "条例》第十九条；《浙江省公共信用信息管理条例》第二十六条");
    assert_int_equal(m->effective_from, ymd(2024, 1, 1));
    assert_int_equal(m->effective_to, YC_DATE_NONE);
    assert_measure(yc_catalogue_get(c, 3), "330782-P-004", YC_MEASURE_PENALTY,
                   "inspection_frequency", YC_TARGET_LIST, "watch", 0, "义乌市市场监督管理局");
    m = yc_catalogue_get(c, 6);
    assert_measure(m, "330782-R-002", YC_MEASURE_REWARD, "deposit_waiver", YC_TARGET_GRADE_AT_LEAST,
                   "A", 0, "义乌市市场发展委员会");
    assert_int_equal(m->effective_from, ymd(2024, 3, 1));
    assert_int_equal(m->effective_to, ymd(2026, 12, 31));
    assert_measure(yc_catalogue_get(c, 9), "330782-R-005", YC_MEASURE_REWARD, "honours",
                   YC_TARGET_LIST, "red", 0, "义乌市经济和信息化局");
    assert_null(yc_catalogue_get(c, 10));
    yc_catalogue_free(c);
}

static void yc_catalogue_load__hangzhou__eleven_measures(void **state)
{
    (void)state;
    char path[4096], why[512];
    yc_catalogue *c = NULL;
    real_path(path, sizeof path, "330100");
    assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), YC_OK);
    assert_string_equal(yc_catalogue_region(c), "330100");
    assert_int_equal(yc_catalogue_count(c), 11);
    assert_measure(yc_catalogue_get(c, 2), "330100-P-003", YC_MEASURE_PENALTY, "high_consumption",
                   YC_TARGET_LIST, "serious_dishonesty", 0, "杭州市中级人民法院");
    assert_string_equal(
        yc_catalogue_get(c, 2)->legal_basis,
        "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》（法释〔2015〕17号）"
        "第一条、第三条；仅适用于失信被执行人（N11），不适用于其他严重失信主体名单（N12）");
    /* review finding 2: the court-only measure names N11; the others of the list none */
    assert_int_equal(yc_catalogue_get(c, 2)->target.codes, UINT32_C(1) << YC_CODE_N11);
    assert_int_equal(yc_catalogue_get(c, 0)->target.codes, 0);
    assert_measure(yc_catalogue_get(c, 7), "330100-R-002", YC_MEASURE_REWARD, "deposit_waiver",
                   YC_TARGET_BAND_AT_LEAST, "good", 0, "杭州市文化广电旅游局");
    assert_measure(yc_catalogue_get(c, 9), "330100-R-004", YC_MEASURE_REWARD, "fiscal_subsidy",
                   YC_TARGET_SCORE_AT_LEAST, NULL, 800, "杭州市财政局");
    const yc_measure *m = yc_catalogue_get(c, 10);
    assert_measure(m, "330100-R-005", YC_MEASURE_REWARD, "public_rental_housing", YC_TARGET_LIST,
                   "red", 0, "杭州市住房保障和房产管理局");
    assert_int_equal(m->effective_from, ymd(2024, 7, 1));
    assert_int_equal(m->effective_to, ymd(2027, 6, 30));
    yc_catalogue_free(c);
}

static void yc_catalogue_load__shanghai__eleven_measures(void **state)
{
    (void)state;
    char path[4096], why[512];
    yc_catalogue *c = NULL;
    real_path(path, sizeof path, "310000");
    assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), YC_OK);
    assert_string_equal(yc_catalogue_region(c), "310000");
    assert_int_equal(yc_catalogue_count(c), 11);
    const yc_measure *m = yc_catalogue_get(c, 5);
    assert_measure(m, "310000-P-006", YC_MEASURE_PENALTY, "public_position", YC_TARGET_LIST,
                   "serious_dishonesty", 0, "上海市市场监督管理局");
    assert_string_equal(m->legal_basis,
                        "《中华人民共和国公司法》（2023年修订）第一百七十八条第一款第（五）项"
                        "（被人民法院列为失信被执行人）；仅适用于失信被执行人（N11）");
    assert_int_equal(m->target.codes, UINT32_C(1) << YC_CODE_N11);
    assert_string_equal(m->text_zh, "失信被执行人不得担任公司的董事、监事、高级管理人员");
    assert_measure(yc_catalogue_get(c, 8), "310000-R-003", YC_MEASURE_REWARD, "loan_approval",
                   YC_TARGET_SCORE_AT_LEAST, NULL, 750, "上海市地方金融管理局");
    assert_measure(yc_catalogue_get(c, 9), "310000-R-004", YC_MEASURE_REWARD, "deposit_waiver",
                   YC_TARGET_BAND_AT_LEAST, "very_good", 0, "上海市文化和旅游局");
    yc_catalogue_free(c);
}

/* Every seeded penalty goes through a statutory list, every measure has a basis, and each
 * city has at least 8 measures with both kinds (issue 5 scope item 2). */
static void yc_catalogue_load__seeded_catalogues__penalties_only_through_lists(void **state)
{
    (void)state;
    static const char *const regions[] = {"330782", "330100", "310000"};
    static const size_t penalties[] = {5, 6, 6};
    for (size_t r = 0; r < 3; r++) {
        char path[4096], why[512];
        yc_catalogue *c = NULL;
        real_path(path, sizeof path, regions[r]);
        assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), YC_OK);
        size_t n_pen = 0;
        for (size_t i = 0; i < yc_catalogue_count(c); i++) {
            const yc_measure *m = yc_catalogue_get(c, i);
            assert_true(strncmp(m->id, regions[r], 6) == 0);
            if (m->kind == YC_MEASURE_PENALTY) {
                n_pen++;
                assert_int_equal(m->target.kind, YC_TARGET_LIST);
                assert_true(strcmp(m->target.value, "serious_dishonesty") == 0 ||
                            strcmp(m->target.value, "watch") == 0);
            }
        }
        assert_int_equal(n_pen, penalties[r]);
        yc_catalogue_free(c);
    }
}

/* ---- the vocabulary ---- */

static void yc_matter_label__known_and_unknown__label_or_null(void **state)
{
    (void)state;
    assert_int_equal(yc_matter_count(), 12);
    assert_string_equal(yc_matter_code_at(0), "government_procurement");
    assert_string_equal(yc_matter_code_at(11), "public_position");
    assert_null(yc_matter_code_at(12));
    assert_null(yc_matter_label("land_transaction"));
    assert_string_equal(yc_matter_label("government_procurement"), "政府采购");
    assert_string_equal(yc_matter_label("deposit_waiver"), "免押金");
    assert_string_equal(yc_matter_label("inspection_frequency"), "抽查检查频次");
    assert_string_equal(yc_matter_label("high_consumption"), "高消费");
    assert_string_equal(yc_matter_label("public_position"), "担任职务");
    assert_null(yc_matter_label("parking"));
    assert_null(yc_matter_label("Government_procurement"));
    assert_null(yc_matter_label(""));
    assert_null(yc_matter_label(NULL));
    assert_true(yc_matter_is_valid("honours"));
    assert_false(yc_matter_is_valid("honour"));
    assert_false(yc_matter_is_valid(NULL));
    for (size_t i = 0; i < yc_matter_count(); i++)
        assert_non_null(yc_matter_label(yc_matter_code_at(i)));
}

/* ---- one bad catalogue per rule ---- */

typedef struct bad_case {
    const char *dir;  /* tests/data/policy/measures/<dir>/ */
    const char *file; /* file name inside it */
    yc_err rv;
    const char *rule; /* why after "<path>: " */
} bad_case;

static const bad_case bad_cases[] = {
    {"not_json", "330782.json", YC_ERR_INVALID, "line 3: '}' expected near end of file"},
    {"duplicate_member", "330782.json", YC_ERR_INVALID,
     "line 1: duplicate object key near '\"region\"'"},
    {"top_not_object", "330782.json", YC_ERR_INVALID, "the top level must be an object"},
    {"unknown_member", "330782.json", YC_ERR_INVALID, "unknown member \"note\""},
    {"unknown_member_measure", "330782.json", YC_ERR_INVALID,
     "330782-R-001: unknown member \"note\""},
    {"unknown_member_text", "330782.json", YC_ERR_INVALID,
     "330782-P-001: unknown member \"text.fr\""},
    {"missing_member_top", "330782.json", YC_ERR_INVALID, "missing member \"measures\""},
    {"missing_member_measure", "330782.json", YC_ERR_INVALID,
     "330782-P-001: missing member \"effective_to\""},
    {"missing_text_en", "330782.json", YC_ERR_INVALID, "330782-P-001: missing member \"text.en\""},
    {"format", "330782.json", YC_ERR_INVALID, "format must be \"yrdcredit-measures/1\""},
    {"region_not_digits", "33078A.json", YC_ERR_INVALID, "region must be 6 digits"},
    {"region_short", "33078.json", YC_ERR_INVALID, "region must be 6 digits"},
    {"region_not_file_name", "330100.json", YC_ERR_INVALID,
     "region 330782 does not match the file name (330782.json)"},
    {"measures_not_array", "330782.json", YC_ERR_INVALID, "measures must be an array"},
    {"measure_not_object", "330782.json", YC_ERR_INVALID,
     "measures[1]: a measure must be an object"},
    {"duplicate_id", "330782.json", YC_ERR_INVALID, "330782-P-001: duplicate measure id"},
    {"id_wrong_region", "330782.json", YC_ERR_INVALID,
     "measures[0]: id must be 1..32 bytes of A-Z a-z 0-9 - _ starting with \"330782-\""},
    {"id_bad_char", "330782.json", YC_ERR_INVALID,
     "measures[0]: id must be 1..32 bytes of A-Z a-z 0-9 - _ starting with \"330782-\""},
    {"kind", "330782.json", YC_ERR_INVALID, "330782-P-001: kind must be reward or penalty"},
    {"matter", "330782.json", YC_ERR_INVALID,
     "330782-P-001: matter \"parking\" is not in the vocabulary"},
    {"matter_not_string", "330782.json", YC_ERR_INVALID, "330782-P-001: matter must be a string"},
    {"penalty_grade", "330782.json", YC_ERR_INVALID,
     "330782-P-001: a penalty must target a statutory list (serious_dishonesty or watch), not "
     "grade_at_least"},
    {"penalty_band", "330782.json", YC_ERR_INVALID,
     "330782-P-001: a penalty must target a statutory list (serious_dishonesty or watch), not "
     "band_at_least"},
    {"penalty_score", "330782.json", YC_ERR_INVALID,
     "330782-P-001: a penalty must target a statutory list (serious_dishonesty or watch), not "
     "score_at_least"},
    {"penalty_red", "330782.json", YC_ERR_INVALID,
     "330782-P-001: a penalty must target a statutory list (serious_dishonesty or watch), not "
     "the red list"},
    {"reward_serious", "330782.json", YC_ERR_INVALID,
     "330782-R-001: a reward must not target the serious_dishonesty list"},
    {"reward_watch", "330782.json", YC_ERR_INVALID,
     "330782-R-001: a reward must not target the watch list"},
    {"target_codes_reward", "330782.json", YC_ERR_INVALID,
     "330782-R-001: target.codes is allowed only next to a penalty's list"},
    {"target_codes_with_grade", "330782.json", YC_ERR_INVALID,
     "330782-P-001: target.codes is allowed only next to a penalty's list"},
    {"target_codes_empty", "330782.json", YC_ERR_INVALID,
     "330782-P-001: target.codes must be a non-empty array of N codes"},
    {"target_codes_positive", "330782.json", YC_ERR_INVALID,
     "330782-P-001: target.codes[1] is not a negative (N) code"},
    {"target_codes_repeated", "330782.json", YC_ERR_INVALID,
     "330782-P-001: target.codes[1] repeats N11"},
    {"target_codes_third_member", "330782.json", YC_ERR_INVALID,
     "330782-P-001: target must be an object with exactly one member"},
    {"target_two_members", "330782.json", YC_ERR_INVALID,
     "330782-R-001: target must be an object with exactly one member"},
    {"target_empty", "330782.json", YC_ERR_INVALID,
     "330782-R-001: target must be an object with exactly one member"},
    {"target_unknown", "330782.json", YC_ERR_INVALID,
     "330782-R-001: unknown member \"target.age_at_least\""},
    {"target_list_unknown", "330782.json", YC_ERR_INVALID,
     "330782-P-001: target list must be serious_dishonesty, watch or red"},
    {"grade_unknown", "330782.json", YC_ERR_INVALID,
     "330782-R-001: grade_at_least must be A, B, C or D"},
    {"band_unknown", "330782.json", YC_ERR_INVALID,
     "330782-R-001: band_at_least must be needs_improvement, fair, good, very_good or "
     "excellent"},
    {"score_over", "330782.json", YC_ERR_INVALID,
     "330782-R-001: score_at_least must be an integer 0..1000"},
    {"score_negative", "330782.json", YC_ERR_INVALID,
     "330782-R-001: score_at_least must be an integer 0..1000"},
    {"score_not_integer", "330782.json", YC_ERR_INVALID,
     "330782-R-001: score_at_least must be an integer 0..1000"},
    {"legal_basis_missing", "330782.json", YC_ERR_INVALID,
     "330782-P-001: missing member \"legal_basis\""},
    {"legal_basis_empty", "330782.json", YC_ERR_INVALID,
     "330782-P-001: legal_basis must be a non-empty string"},
    /* regress__issue_5: a blank legal basis is no legal basis */
    {"legal_basis_blank", "330782.json", YC_ERR_INVALID,
     "330782-P-001: legal_basis must be a non-empty string"},
    {"legal_basis_null", "330782.json", YC_ERR_INVALID,
     "330782-P-001: legal_basis must be a non-empty string"},
    {"department_empty", "330782.json", YC_ERR_INVALID,
     "330782-P-001: department must be a non-empty string"},
    {"text_zh_empty", "330782.json", YC_ERR_INVALID,
     "330782-P-001: text.zh must be a non-empty string"},
    {"text_en_empty", "330782.json", YC_ERR_INVALID,
     "330782-P-001: text.en must be a non-empty string"},
    {"text_not_object", "330782.json", YC_ERR_INVALID, "330782-P-001: text must be an object"},
    {"effective_to_before_from", "330782.json", YC_ERR_INVALID,
     "330782-P-001: effective_to is before effective_from"},
    {"effective_from_bad_day", "330782.json", YC_ERR_INVALID,
     "330782-P-001: effective_from must be a YYYY-MM-DD date"},
    {"effective_from_slashes", "330782.json", YC_ERR_INVALID,
     "330782-P-001: effective_from must be a YYYY-MM-DD date"},
    {"effective_from_null", "330782.json", YC_ERR_INVALID,
     "330782-P-001: effective_from must be a YYYY-MM-DD date"},
    {"effective_to_bad", "330782.json", YC_ERR_INVALID,
     "330782-P-001: effective_to must be a YYYY-MM-DD date or null"},
};

#define N_BAD (sizeof bad_cases / sizeof bad_cases[0])

static void bad_catalogue__refused__rule_named(void **state)
{
    const bad_case *bc = *state;
    char path[4096], why[1024], want[5120];
    int k = snprintf(path, sizeof path, "%s/policy/measures/%s/%s", env_or_fail("YC_TEST_DATA"),
                     bc->dir, bc->file);
    assert_true(k > 0 && (size_t)k < sizeof path);
    snprintf(want, sizeof want, "%s: %s", path, bc->rule);
    yc_catalogue *c = (yc_catalogue *)(uintptr_t)1;
    assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), bc->rv);
    assert_ptr_equal(c, (yc_catalogue *)(uintptr_t)1); /* ret_* untouched on failure */
    assert_string_equal(why, want);
}

/* ---- limits: files written into a temporary directory ---- */

typedef struct gen {
    size_t n;           /* measures */
    const char *id;     /* id of measure 0, NULL: "330782-R-0000" */
    const char *zh;     /* text.zh of measure 0 */
    const char *dept;   /* department of measure 0 */
    const char *basis;  /* legal_basis of measure 0 */
    int score;          /* score_at_least of measure 0 */
    size_t total_bytes; /* pad the file with spaces to exactly this size; 0: no padding */
} gen;

/* Writes TMP/330782.json and returns its path in out. */
static void write_catalogue(const gen *g, char *out, size_t out_len)
{
    int k = snprintf(out, out_len, "%s/330782.json", tmpdir);
    assert_true(k > 0 && (size_t)k < out_len);
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    long w = 0;
    w += fprintf(f, "{\"format\":\"yrdcredit-measures/1\",\"region\":\"330782\",\"measures\":[");
    for (size_t i = 0; i < g->n; i++) {
        char id[64];
        snprintf(id, sizeof id, "330782-R-%04zu", i);
        w += fprintf(f,
                     "%s{\"id\":\"%s\",\"kind\":\"reward\",\"matter\":\"honours\","
                     "\"target\":{\"score_at_least\":%d},\"text\":{\"zh\":\"%s\",\"en\":\"x\"},"
                     "\"department\":\"%s\",\"legal_basis\":\"%s\","
                     "\"effective_from\":\"2024-01-01\",\"effective_to\":\"2024-01-01\"}",
                     i ? "," : "", i == 0 && g->id ? g->id : id, i == 0 ? g->score : 800,
                     i == 0 && g->zh ? g->zh : "优先", i == 0 && g->dept ? g->dept : "义乌市财政局",
                     i == 0 && g->basis ? g->basis : "《浙江省公共信用信息管理条例》");
    }
    w += fprintf(f, "]}");
    if (g->total_bytes > 0) {
        assert_true((size_t)w <= g->total_bytes);
        for (size_t i = (size_t)w; i < g->total_bytes; i++)
            fputc(' ', f);
    }
    assert_int_equal(fclose(f), 0);
}

/* A string of n bytes: "中" (3 bytes each) then ASCII 'a' for the rest. */
static char *make_text(size_t n)
{
    char *s = test_malloc(n + 1);
    size_t i = 0;
    for (; i + 3 <= n; i += 3)
        memcpy(s + i, "中", 3);
    for (; i < n; i++)
        s[i] = 'a';
    s[n] = '\0';
    return s;
}

static yc_err load_gen(const gen *g, char *why, size_t why_len, size_t *ret_count)
{
    char path[256];
    write_catalogue(g, path, sizeof path);
    yc_catalogue *c = NULL;
    yc_err rv = yc_catalogue_load(path, &c, why, why_len);
    if (rv == YC_OK) {
        *ret_count = yc_catalogue_count(c);
        yc_catalogue_free(c);
    }
    return rv;
}

static void want_why(const char *why, const char *rule)
{
    char want[512];
    snprintf(want, sizeof want, "%s/330782.json: %s", tmpdir, rule);
    assert_string_equal(why, want);
}

static void yc_catalogue_load__measure_count_at_limit_and_past__ok_then_too_large(void **state)
{
    (void)state;
    char why[512];
    size_t n = 0;
    gen g = {.n = YC_MEASURES_MAX, .score = 800};
    assert_int_equal(load_gen(&g, why, sizeof why, &n), YC_OK);
    assert_int_equal(n, 1000);
    g.n = YC_MEASURES_MAX + 1;
    assert_int_equal(load_gen(&g, why, sizeof why, &n), YC_ERR_TOO_LARGE);
    want_why(why, "more than 1000 measures");
    g.n = 0;
    assert_int_equal(load_gen(&g, why, sizeof why, &n), YC_OK);
    assert_int_equal(n, 0);
}

static void yc_catalogue_load__id_32_and_33_bytes__ok_then_refused(void **state)
{
    (void)state;
    char why[512];
    size_t n = 0;
    const char *id32 = "330782-R-01234567890123456789012"; /* 32 bytes */
    assert_int_equal(strlen(id32), 32);
    gen g = {.n = 2, .id = id32, .score = 800};
    assert_int_equal(load_gen(&g, why, sizeof why, &n), YC_OK);
    assert_int_equal(n, 2);
    g.id = "330782-R-012345678901234567890123";
    assert_int_equal(strlen(g.id), 33);
    assert_int_equal(load_gen(&g, why, sizeof why, &n), YC_ERR_INVALID);
    want_why(why,
             "measures[0]: id must be 1..32 bytes of A-Z a-z 0-9 - _ starting with \"330782-\"");
}

static void check_string_limit(const char *field, size_t max, const char **slot, gen *g)
{
    char why[512], rule[128];
    size_t n = 0;
    char *at = make_text(max), *past = make_text(max + 1);
    *slot = at;
    assert_int_equal(load_gen(g, why, sizeof why, &n), YC_OK);
    assert_int_equal(n, 1);
    *slot = past;
    assert_int_equal(load_gen(g, why, sizeof why, &n), YC_ERR_INVALID);
    snprintf(rule, sizeof rule, "330782-R-0000: %s is longer than %zu bytes", field, max);
    want_why(why, rule);
    *slot = NULL;
    test_free(at);
    test_free(past);
}

static void yc_catalogue_load__strings_at_limit_and_past__ok_then_refused(void **state)
{
    (void)state;
    gen g = {.n = 1, .score = 800};
    check_string_limit("text.zh", YC_MEASURE_TEXT_MAX_BYTES, &g.zh, &g);
    check_string_limit("department", YC_MEASURE_DEPARTMENT_MAX_BYTES, &g.dept, &g);
    check_string_limit("legal_basis", YC_MEASURE_LEGAL_BASIS_MAX_BYTES, &g.basis, &g);
    assert_int_equal(YC_MEASURE_TEXT_MAX_BYTES, 1024);
    assert_int_equal(YC_MEASURE_DEPARTMENT_MAX_BYTES, 256);
    assert_int_equal(YC_MEASURE_LEGAL_BASIS_MAX_BYTES, 1024);
}

static void yc_catalogue_load__score_0_and_1000__ok(void **state)
{
    (void)state;
    char why[512], path[256];
    gen g = {.n = 1, .score = 0};
    yc_catalogue *c = NULL;
    write_catalogue(&g, path, sizeof path);
    assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), YC_OK);
    assert_int_equal(yc_catalogue_get(c, 0)->target.score, 0);
    assert_int_equal(yc_catalogue_get(c, 0)->effective_to, yc_catalogue_get(c, 0)->effective_from);
    yc_catalogue_free(c);
    g.score = 1000;
    write_catalogue(&g, path, sizeof path);
    assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), YC_OK);
    assert_int_equal(yc_catalogue_get(c, 0)->target.score, 1000);
    yc_catalogue_free(c);
}

static void yc_catalogue_load__file_4mib_and_one_past__ok_then_too_large(void **state)
{
    (void)state;
    char why[512];
    size_t n = 0;
    gen g = {.n = 1, .score = 800, .total_bytes = YC_CATALOGUE_MAX_BYTES};
    assert_int_equal(load_gen(&g, why, sizeof why, &n), YC_OK);
    assert_int_equal(n, 1);
    g.total_bytes = YC_CATALOGUE_MAX_BYTES + 1;
    assert_int_equal(load_gen(&g, why, sizeof why, &n), YC_ERR_TOO_LARGE);
    want_why(why, "larger than 4194304 bytes");
}

static void yc_catalogue_load__missing_file__io_error_named(void **state)
{
    (void)state;
    char why[512], path[256];
    snprintf(path, sizeof path, "%s/999999.json", tmpdir);
    yc_catalogue *c = NULL;
    assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), YC_ERR_IO);
    char want[512];
    snprintf(want, sizeof want, "%s: cannot read: No such file or directory", path);
    assert_string_equal(why, want);
    /* why may be NULL with length 0, and a short buffer truncates without overflow */
    assert_int_equal(yc_catalogue_load(path, &c, NULL, 0), YC_ERR_IO);
    char small[8];
    assert_int_equal(yc_catalogue_load(path, &c, small, sizeof small), YC_ERR_IO);
    assert_int_equal(strlen(small), 7);
    assert_memory_equal(small, path, 7);
}

/* Every allocation of a load fails in turn: YC_ERR_NOMEM, nothing leaked (ASan). */
static void yc_catalogue_load__each_allocation_fails__nomem(void **state)
{
    (void)state;
    char path[4096], why[512];
    real_path(path, sizeof path, "310000");
    yc_catalogue *c = NULL;
    const long before = yc_alloc_count();
    assert_int_equal(yc_catalogue_load(path, &c, why, sizeof why), YC_OK);
    const long need = yc_alloc_count() - before;
    yc_catalogue_free(c);
    assert_true(need > 3);
    for (long i = 0; i < need; i++) {
        c = NULL;
        yc_alloc_fail_after(i);
        yc_err rv = yc_catalogue_load(path, &c, why, sizeof why);
        yc_alloc_fail_after(-1);
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_null(c);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/yc_measures_XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    struct CMUnitTest tests[16 + N_BAD];
    size_t n = 0;
#define T(f) tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(f, hook_off)
    T(yc_catalogue_load__yiwu__ten_measures);
    T(yc_catalogue_load__hangzhou__eleven_measures);
    T(yc_catalogue_load__shanghai__eleven_measures);
    T(yc_catalogue_load__seeded_catalogues__penalties_only_through_lists);
    T(yc_matter_label__known_and_unknown__label_or_null);
    T(yc_catalogue_load__measure_count_at_limit_and_past__ok_then_too_large);
    T(yc_catalogue_load__id_32_and_33_bytes__ok_then_refused);
    T(yc_catalogue_load__strings_at_limit_and_past__ok_then_refused);
    T(yc_catalogue_load__score_0_and_1000__ok);
    T(yc_catalogue_load__file_4mib_and_one_past__ok_then_too_large);
    T(yc_catalogue_load__missing_file__io_error_named);
    T(yc_catalogue_load__each_allocation_fails__nomem);
#undef T
    static char names[N_BAD][96];
    for (size_t i = 0; i < N_BAD; i++) {
        snprintf(names[i], sizeof names[i], "yc_catalogue_load__%s__refused", bad_cases[i].dir);
        tests[n++] = (struct CMUnitTest){names[i], bad_catalogue__refused__rule_named, NULL,
                                         hook_off, (void *)(uintptr_t)&bad_cases[i]};
    }
    int failed = _cmocka_run_group_tests("measures", tests, n, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "%s/330782.json", tmpdir);
    (void)unlink(cmd);
    (void)rmdir(tmpdir);
    return failed;
}
