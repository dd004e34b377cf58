/* Tests for include/yrdcredit/recognition.h (svc/policy/recognition.c): the mutual recognition
 * policy of etc/policy/recognition.json, its strict loader and the lookup. */
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
#include "yrdcredit/recognition.h"

#define YW "330782"
#define HZ "330100"
#define SH "310000"

static const char *const GRADES[4] = {"A", "B", "C", "D"};
static const char *const BANDS[5] = {"needs_improvement", "fair", "good", "very_good", "excellent"};
static const char *const MATTERS[11] = {
    "government_procurement",   "public_bidding",       "fiscal_subsidy",
    "administrative_licensing", "loan_approval",        "public_rental_housing",
    "deposit_waiver",           "inspection_frequency", "honours",
    "high_consumption",         "qualification_review"};

static yc_recognition *g_real;

static void env_path(char *buf, size_t len, const char *var, const char *rel)
{
    const char *base = getenv(var);
    assert_non_null(base);
    const int n = snprintf(buf, len, "%s/%s", base, rel);
    assert_true(n > 0 && (size_t)n < len);
}

static int group_setup(void **state)
{
    (void)state;
    char path[4096], why[512] = "";
    env_path(path, sizeof path, "YC_SOURCE_ROOT", "etc/policy/recognition.json");
    const yc_err rv = yc_recognition_load(path, &g_real, why, sizeof why);
    if (rv != YC_OK)
        fail_msg("loading %s: %s: %s", path, yc_err_str(rv), why);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    yc_recognition_free(g_real);
    return 0;
}

/* ---- the real file ---- */

/* What etc/policy/recognition.json says, written out independently of the loader. */
typedef struct expect {
    const char *host, *issuer;
    const char *grade[4]; /* tier per A..D, NULL = not recognised */
    const char *band[5];  /* tier per BANDS[], NULL = not recognised */
    const char *lists[3];
    size_t n_lists;
    const char *matters[11];
    size_t n_matters;
    const char *vct;
    int64_t max_age_days;
} expect;

static const expect EXPECT[6] = {
    {HZ,
     YW,
     {"tier_1", "tier_2", NULL, NULL},
     {NULL, NULL, "tier_2", "tier_1", "tier_1"},
     {"serious_dishonesty", "red"},
     2,
     {"deposit_waiver", "administrative_licensing", "public_bidding", "government_procurement",
      "inspection_frequency"},
     5,
     "https://attest.yiwu-credit.example/vct/credit-score/v1",
     30},
    {HZ,
     SH,
     {"tier_1", "tier_2", NULL, NULL},
     {NULL, NULL, NULL, "tier_2", "tier_1"},
     {"serious_dishonesty", "watch", "red"},
     3,
     {"government_procurement", "public_bidding", "administrative_licensing", "deposit_waiver",
      "loan_approval", "public_rental_housing"},
     6,
     "https://attest.shanghai-credit.example/vct/credit-score/v1",
     60},
    {SH,
     YW,
     {"tier_1", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL, NULL},
     {"serious_dishonesty"},
     1,
     {"government_procurement", "public_bidding", "administrative_licensing",
      "inspection_frequency"},
     4,
     "https://attest.yiwu-credit.example/vct/credit-score/v1",
     30},
    {SH,
     HZ,
     {"tier_1", "tier_2", NULL, NULL},
     {NULL, NULL, NULL, "tier_2", "tier_1"},
     {"serious_dishonesty", "red"},
     2,
     {"administrative_licensing", "deposit_waiver", "public_rental_housing",
      "government_procurement", "high_consumption"},
     5,
     "https://attest.hz-credit.example/vct/credit-score/v1",
     90},
    {YW,
     HZ,
     {"tier_1", "tier_1", "tier_2", NULL},
     {NULL, NULL, "tier_2", "tier_1", "tier_1"},
     {"serious_dishonesty", "watch", "red"},
     3,
     {"deposit_waiver", "loan_approval", "fiscal_subsidy", "inspection_frequency", "honours",
      "qualification_review"},
     6,
     "https://attest.hz-credit.example/vct/credit-score/v1",
     45},
    {YW,
     SH,
     {"tier_1", "tier_2", NULL, NULL},
     {NULL, NULL, NULL, NULL, "tier_1"},
     {"serious_dishonesty", "red"},
     2,
     {"deposit_waiver", "loan_approval", "government_procurement", "high_consumption",
      "qualification_review"},
     5,
     "https://attest.shanghai-credit.example/vct/credit-score/v1",
     60},
};

static bool in_list(const char *const *l, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], s) == 0)
            return true;
    return false;
}

static void yc_recognition_load__real_file__six_rules(void **state)
{
    (void)state;
    assert_int_equal(yc_recognition_rule_count(g_real), 6);
}

static void yc_recognition_lookup__every_mapping_of_every_rule__matches_file(void **state)
{
    (void)state;
    for (size_t r = 0; r < 6; r++) {
        const expect *e = &EXPECT[r];
        for (size_t m = 0; m < 11; m++) {
            const bool rec_matter = in_list(e->matters, e->n_matters, MATTERS[m]);
            for (size_t g = 0; g < 4; g++) {
                yc_recognition_result res;
                assert_int_equal(yc_recognition_lookup(g_real, e->host, e->issuer, MATTERS[m],
                                                       GRADES[g], NULL, 0, &res),
                                 YC_OK);
                assert_int_equal(res.lists_apply, rec_matter);
                assert_int_equal(res.max_age_days, e->max_age_days);
                assert_int_equal(res.n_lists, e->n_lists);
                for (size_t l = 0; l < e->n_lists; l++)
                    assert_string_equal(res.lists[l], e->lists[l]);
                assert_int_equal(res.n_vcts, 1);
                assert_string_equal(res.vcts[0], e->vct);
                if (!rec_matter) {
                    assert_false(res.recognised);
                    assert_null(res.tier);
                    assert_string_equal(res.reason, "matter_not_recognised");
                } else if (e->grade[g] == NULL) {
                    assert_false(res.recognised);
                    assert_null(res.tier);
                    assert_string_equal(res.reason, "grade_not_mapped");
                } else {
                    assert_true(res.recognised);
                    assert_string_equal(res.tier, e->grade[g]);
                    assert_null(res.reason);
                }
            }
            for (size_t b = 0; b < 5; b++) {
                yc_recognition_result res;
                assert_int_equal(yc_recognition_lookup(g_real, e->host, e->issuer, MATTERS[m], NULL,
                                                       BANDS[b], e->max_age_days, &res),
                                 YC_OK);
                if (!rec_matter) {
                    assert_string_equal(res.reason, "matter_not_recognised");
                    assert_false(res.recognised);
                } else if (e->band[b] == NULL) {
                    assert_false(res.recognised);
                    assert_null(res.tier);
                    assert_string_equal(res.reason, "band_not_mapped");
                } else {
                    assert_true(res.recognised);
                    assert_string_equal(res.tier, e->band[b]);
                    assert_null(res.reason);
                }
            }
        }
    }
}

static void yc_recognition_lookup__demo_pairs__exact_tiers(void **state)
{
    (void)state;
    yc_recognition_result res;
    /* Yiwu grade A merchant earns Hangzhou's deposit waiver at tier_1 (issue 5 item 6). */
    assert_int_equal(yc_recognition_lookup(g_real, HZ, YW, "deposit_waiver", "A", NULL, 3, &res),
                     YC_OK);
    assert_true(res.recognised);
    assert_string_equal(res.tier, "tier_1");
    assert_true(yc_recognition_result_has_vct(
        &res, "https://attest.yiwu-credit.example/vct/credit-score/v1"));
    assert_false(yc_recognition_result_has_vct(
        &res, "https://attest.shanghai-credit.example/vct/credit-score/v1"));
    /* Shanghai recognises only grade A of Yiwu: B is mapped to "none". */
    assert_int_equal(yc_recognition_lookup(g_real, SH, YW, "public_bidding", "B", NULL, 3, &res),
                     YC_OK);
    assert_false(res.recognised);
    assert_string_equal(res.reason, "grade_not_mapped");
    /* Shanghai's serious dishonesty list counts for Hangzhou's government procurement. */
    assert_int_equal(
        yc_recognition_lookup(g_real, HZ, SH, "government_procurement", "D", NULL, 0, &res), YC_OK);
    assert_true(res.lists_apply);
    assert_false(res.recognised);
    assert_string_equal(res.lists[0], "serious_dishonesty");
}

/* ---- each reason ---- */

static void yc_recognition_lookup__unknown_pair__no_rule(void **state)
{
    (void)state;
    yc_recognition_result res;
    assert_int_equal(
        yc_recognition_lookup(g_real, HZ, "320500", "deposit_waiver", "A", NULL, 0, &res), YC_OK);
    assert_false(res.recognised);
    assert_null(res.tier);
    assert_string_equal(res.reason, "no_rule");
    assert_false(res.lists_apply);
    assert_null(res.lists);
    assert_int_equal(res.n_lists, 0);
    assert_int_equal(res.n_vcts, 0);
    assert_int_equal(res.max_age_days, 0);
    assert_false(yc_recognition_result_has_vct(
        &res, "https://attest.yiwu-credit.example/vct/credit-score/v1"));
    /* A city never recognises itself through this policy. */
    assert_int_equal(yc_recognition_lookup(g_real, HZ, HZ, "deposit_waiver", "A", NULL, 0, &res),
                     YC_OK);
    assert_string_equal(res.reason, "no_rule");
}

static void yc_recognition_lookup__matter_outside_rule__matter_not_recognised(void **state)
{
    (void)state;
    yc_recognition_result res;
    assert_int_equal(yc_recognition_lookup(g_real, SH, YW, "deposit_waiver", "A", NULL, 0, &res),
                     YC_OK);
    assert_false(res.recognised);
    assert_string_equal(res.reason, "matter_not_recognised");
    assert_false(res.lists_apply);
    assert_int_equal(res.n_lists, 1);
    assert_int_equal(yc_recognition_lookup(g_real, SH, YW, "parking", "A", NULL, 0, &res), YC_OK);
    assert_string_equal(res.reason, "matter_not_recognised");
}

static void yc_recognition_lookup__age_at_and_past_max__too_old_only_past(void **state)
{
    (void)state;
    yc_recognition_result res;
    for (size_t r = 0; r < 6; r++) {
        const expect *e = &EXPECT[r];
        assert_int_equal(yc_recognition_lookup(g_real, e->host, e->issuer, e->matters[0], "A", NULL,
                                               e->max_age_days, &res),
                         YC_OK);
        assert_true(res.recognised);
        assert_string_equal(res.tier, "tier_1");
        assert_int_equal(yc_recognition_lookup(g_real, e->host, e->issuer, e->matters[0], "A", NULL,
                                               e->max_age_days + 1, &res),
                         YC_OK);
        assert_false(res.recognised);
        assert_null(res.tier);
        assert_string_equal(res.reason, "too_old");
        assert_true(res.lists_apply);
    }
}

static void yc_recognition_lookup__unknown_rating__not_mapped(void **state)
{
    (void)state;
    yc_recognition_result res;
    assert_int_equal(yc_recognition_lookup(g_real, HZ, YW, "deposit_waiver", "E", NULL, 0, &res),
                     YC_OK);
    assert_string_equal(res.reason, "grade_not_mapped");
    assert_int_equal(yc_recognition_lookup(g_real, HZ, YW, "deposit_waiver", "a", NULL, 0, &res),
                     YC_OK);
    assert_string_equal(res.reason, "grade_not_mapped");
    assert_int_equal(
        yc_recognition_lookup(g_real, HZ, YW, "deposit_waiver", NULL, "superb", 0, &res), YC_OK);
    assert_string_equal(res.reason, "band_not_mapped");
    /* Shanghai's band_map for Yiwu is empty: no band is recognised. */
    assert_int_equal(
        yc_recognition_lookup(g_real, SH, YW, "public_bidding", NULL, "excellent", 0, &res), YC_OK);
    assert_false(res.recognised);
    assert_string_equal(res.reason, "band_not_mapped");
}

static void yc_recognition_lookup__bad_arguments__invalid(void **state)
{
    (void)state;
    yc_recognition_result res = {.recognised = true, .tier = "sentinel"};
    assert_int_equal(
        yc_recognition_lookup(g_real, HZ, YW, "deposit_waiver", "A", "excellent", 0, &res),
        YC_ERR_INVALID);
    assert_int_equal(yc_recognition_lookup(g_real, HZ, YW, "deposit_waiver", NULL, NULL, 0, &res),
                     YC_ERR_INVALID);
    assert_int_equal(yc_recognition_lookup(g_real, HZ, YW, "deposit_waiver", "A", NULL, -1, &res),
                     YC_ERR_INVALID);
    /* ret_ is written only on success. */
    assert_true(res.recognised);
    assert_string_equal(res.tier, "sentinel");
}

/* ---- vocabularies ---- */

static void yc_policy_vocabularies__codes__exact(void **state)
{
    (void)state;
    for (size_t m = 0; m < 11; m++)
        assert_true(yc_matter_is_valid(MATTERS[m]));
    assert_false(yc_matter_is_valid("parking"));
    assert_false(yc_matter_is_valid("Deposit_waiver"));
    assert_false(yc_matter_is_valid(""));
    assert_string_equal(yc_matter_label("deposit_waiver"), "免押金");
    assert_string_equal(yc_matter_label("government_procurement"), "政府采购");
    assert_string_equal(yc_matter_label("high_consumption"), "高消费");
    assert_null(yc_matter_label("parking"));
    assert_string_equal(yc_policy_tier_intern("tier_1"), "tier_1");
    assert_string_equal(yc_policy_tier_intern("tier_2"), "tier_2");
    assert_string_equal(yc_policy_tier_intern("none"), "none");
    assert_null(yc_policy_tier_intern("tier_3"));
    assert_string_equal(yc_policy_list_intern("serious_dishonesty"), "serious_dishonesty");
    assert_string_equal(yc_policy_list_intern("watch"), "watch");
    assert_string_equal(yc_policy_list_intern("red"), "red");
    assert_null(yc_policy_list_intern("blacklist"));
}

/* ---- the loader's rules, one bad file each ---- */

typedef struct bad {
    const char *file;
    yc_err rv;
    const char *why; /* after "PATH: " */
} bad;

#define R0 "rules[0] (host 330100, issuer 330782): "
#define R1 "rules[1] (host 330100, issuer 310000): "
#define R2 "rules[2] (host 310000, issuer 330782): "
#define R3 "rules[3] (host 310000, issuer 330100): "
#define R4 "rules[4] (host 330782, issuer 330100): "
#define R5 "rules[5] (host 330782, issuer 310000): "

static const bad BAD[] = {
    {"not_json.json", YC_ERR_INVALID,
     "not JSON or a duplicate member (line 2: ']' expected near end of file)"},
    {"duplicate_member.json", YC_ERR_INVALID,
     "not JSON or a duplicate member (line 1: duplicate object key near '\"host\"')"},
    {"unknown_member_top.json", YC_ERR_INVALID, "unknown member \"comment\""},
    {"bad_format.json", YC_ERR_INVALID, "format is not \"yrdcredit-recognition/1\""},
    {"unknown_member_rule.json", YC_ERR_INVALID, R1 "unknown member \"note\""},
    {"missing_member.json", YC_ERR_INVALID, R1 "missing member \"max_age_days\""},
    {"region_5_digits.json", YC_ERR_INVALID,
     "rules[0] (host 33010, issuer 330782): host: not a 6-digit region code"},
    {"region_7_digits.json", YC_ERR_INVALID,
     "rules[2] (host 310000, issuer 3307820): issuer: not a 6-digit region code"},
    {"region_letter.json", YC_ERR_INVALID,
     "rules[4] (host 33O782, issuer 330100): host: not a 6-digit region code"},
    {"host_is_issuer.json", YC_ERR_INVALID,
     "rules[2] (host 310000, issuer 310000): host and issuer are the same region"},
    {"duplicate_pair.json", YC_ERR_INVALID,
     "rules[3] (host 330100, issuer 330782): same (host, issuer) pair as rules[0]"},
    {"bad_grade.json", YC_ERR_INVALID, R2 "grade_map: \"E\" is not a grade (A, B, C, D)"},
    {"bad_band.json", YC_ERR_INVALID,
     R0 "band_map: \"average\" is not a band (needs_improvement, fair, good, very_good, "
        "excellent)"},
    {"unknown_tier.json", YC_ERR_INVALID,
     R4 "grade_map: \"C\": unknown tier (tier_1, tier_2, none)"},
    {"unknown_list.json", YC_ERR_INVALID,
     R5 "lists[2]: unknown list (serious_dishonesty, watch, red)"},
    {"repeated_list.json", YC_ERR_INVALID, R5 "lists[2]: \"red\" repeated"},
    {"empty_matters.json", YC_ERR_INVALID, R3 "matters: not a non-empty array"},
    {"unknown_matter.json", YC_ERR_INVALID, R1 "matters[6]: not a matter of the vocabulary"},
    {"repeated_matter.json", YC_ERR_INVALID, R1 "matters[6]: \"loan_approval\" repeated"},
    {"age_0.json", YC_ERR_INVALID, R0 "max_age_days: not an integer in 1..365"},
    {"age_366.json", YC_ERR_INVALID, R5 "max_age_days: not an integer in 1..365"},
    {"vct_not_https.json", YC_ERR_INVALID, R0 "vct[0]: not an https URL of at most 256 bytes"},
    {"vct_257.json", YC_ERR_INVALID, R0 "vct[0]: not an https URL of at most 256 bytes"},
    {"vct_repeated.json", YC_ERR_INVALID,
     R1 "vct[1]: \"https://attest.shanghai-credit.example/vct/credit-score/v1\" repeated"},
    {"grade_not_monotonic.json", YC_ERR_INVALID,
     R4 "grade_map: \"D\" maps to a better tier than \"C\" (not monotonic)"},
    {"band_not_monotonic.json", YC_ERR_INVALID,
     R0 "band_map: \"fair\" maps to a better tier than \"good\" (not monotonic)"},
    {"does_not_exist.json", YC_ERR_IO, "I/O error"},
};

static void yc_recognition_load__bad_file_per_rule__refused_naming_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        char path[4096], want[4600], why[512] = "";
        char rel[256];
        (void)snprintf(rel, sizeof rel, "policy/recognition/%s", BAD[i].file);
        env_path(path, sizeof path, "YC_TEST_DATA", rel);
        (void)snprintf(want, sizeof want, "%s: %s", path, BAD[i].why);
        yc_recognition *r = (yc_recognition *)&r; /* ret_ must stay untouched */
        yc_recognition *const before = r;
        const yc_err rv = yc_recognition_load(path, &r, why, sizeof why);
        if (rv != BAD[i].rv)
            fail_msg("%s: got %s (%s)", BAD[i].file, yc_err_str(rv), why);
        assert_ptr_equal(r, before);
        assert_string_equal(why, want);
    }
}

static void load_ok(const char *rel, yc_recognition **ret)
{
    char path[4096], why[512] = "";
    env_path(path, sizeof path, "YC_TEST_DATA", rel);
    const yc_err rv = yc_recognition_load(path, ret, why, sizeof why);
    if (rv != YC_OK)
        fail_msg("%s: %s: %s", rel, yc_err_str(rv), why);
}

static void yc_recognition_load__age_limits__1_and_365_accepted(void **state)
{
    (void)state;
    yc_recognition *r = NULL;
    yc_recognition_result res;
    load_ok("policy/recognition/age_1.json", &r);
    assert_int_equal(yc_recognition_lookup(r, HZ, YW, "deposit_waiver", "A", NULL, 1, &res), YC_OK);
    assert_true(res.recognised);
    assert_int_equal(res.max_age_days, 1);
    assert_int_equal(yc_recognition_lookup(r, HZ, YW, "deposit_waiver", "A", NULL, 2, &res), YC_OK);
    assert_string_equal(res.reason, "too_old");
    yc_recognition_free(r);
    r = NULL;
    load_ok("policy/recognition/age_365.json", &r);
    assert_int_equal(yc_recognition_lookup(r, YW, SH, "loan_approval", "B", NULL, 365, &res),
                     YC_OK);
    assert_string_equal(res.tier, "tier_2");
    assert_int_equal(yc_recognition_lookup(r, YW, SH, "loan_approval", "B", NULL, 366, &res),
                     YC_OK);
    assert_string_equal(res.reason, "too_old");
    yc_recognition_free(r);
}

static void yc_recognition_load__vct_of_256_bytes__accepted(void **state)
{
    (void)state;
    yc_recognition *r = NULL;
    yc_recognition_result res;
    load_ok("policy/recognition/vct_256.json", &r);
    assert_int_equal(yc_recognition_lookup(r, HZ, YW, "deposit_waiver", "A", NULL, 0, &res), YC_OK);
    assert_int_equal(res.n_vcts, 1);
    assert_int_equal(strlen(res.vcts[0]), YC_RECOGNITION_VCT_MAX_BYTES);
    yc_recognition_free(r);
}

/* The real file padded with trailing spaces to @p size bytes, in a temporary file. */
static void padded_copy(char *out, size_t out_len, size_t size)
{
    char src[4096];
    env_path(src, sizeof src, "YC_SOURCE_ROOT", "etc/policy/recognition.json");
    FILE *in = fopen(src, "rb");
    assert_non_null(in);
    static char buf[YC_RECOGNITION_MAX_FILE_BYTES + 2];
    const size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    assert_true(n < size);
    memset(buf + n, ' ', size - n);
    (void)snprintf(out, out_len, "/tmp/yc_test_recognition_XXXXXX");
    const int fd = mkstemp(out);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, size), (ssize_t)size);
    assert_int_equal(close(fd), 0);
}

static void yc_recognition_load__file_at_and_past_size_limit__too_large_only_past(void **state)
{
    (void)state;
    char path[64], why[512] = "", want[128];
    yc_recognition *r = NULL;
    padded_copy(path, sizeof path, YC_RECOGNITION_MAX_FILE_BYTES);
    assert_int_equal(yc_recognition_load(path, &r, why, sizeof why), YC_OK);
    assert_int_equal(yc_recognition_rule_count(r), 6);
    yc_recognition_free(r);
    assert_int_equal(unlink(path), 0);
    r = NULL;
    padded_copy(path, sizeof path, YC_RECOGNITION_MAX_FILE_BYTES + 1);
    assert_int_equal(yc_recognition_load(path, &r, why, sizeof why), YC_ERR_TOO_LARGE);
    assert_null(r);
    (void)snprintf(want, sizeof want, "%s: larger than 65536 bytes", path);
    assert_string_equal(why, want);
    assert_int_equal(unlink(path), 0);
}

static void yc_recognition_load__short_why_buffer__truncated_nul_terminated(void **state)
{
    (void)state;
    char path[4096], why[8];
    memset(why, 'x', sizeof why);
    env_path(path, sizeof path, "YC_TEST_DATA", "policy/recognition/age_0.json");
    yc_recognition *r = NULL;
    assert_int_equal(yc_recognition_load(path, &r, why, sizeof why), YC_ERR_INVALID);
    assert_int_equal(strlen(why), 7);
    assert_memory_equal(why, path, 7);
    assert_int_equal(yc_recognition_load(path, &r, NULL, 0), YC_ERR_INVALID);
    assert_null(r);
}

static void yc_recognition_load__allocation_failures__nomem_and_no_leak(void **state)
{
    (void)state;
    char path[4096], why[512];
    env_path(path, sizeof path, "YC_SOURCE_ROOT", "etc/policy/recognition.json");
    size_t failed = 0;
    for (long n = 0;; n++) {
        yc_recognition *r = NULL;
        yc_alloc_fail_after(n);
        const yc_err rv = yc_recognition_load(path, &r, why, sizeof why);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_int_equal(yc_recognition_rule_count(r), 6);
            yc_recognition_free(r);
            break;
        }
        failed++;
        /* Jansson reports its own allocation failures as a parse error. */
        if (rv != YC_ERR_NOMEM && rv != YC_ERR_INVALID)
            fail_msg("n=%ld: %s (%s)", n, yc_err_str(rv), why);
        assert_true(n < 100000);
    }
    assert_true(failed > 10);
}

/* ---- yc_recognition_list_recognised (shared records, attested listings) ---- */

static void yc_recognition_list_recognised__rule_lists__exact_answers(void **state)
{
    (void)state;
    /* Hangzhou from Yiwu: serious_dishonesty and red, not watch */
    assert_true(yc_recognition_list_recognised(g_real, "330100", "330782", "serious_dishonesty"));
    assert_true(yc_recognition_list_recognised(g_real, "330100", "330782", "red"));
    assert_false(yc_recognition_list_recognised(g_real, "330100", "330782", "watch"));
    /* Hangzhou from Shanghai: all three */
    assert_true(yc_recognition_list_recognised(g_real, "330100", "310000", "watch"));
    /* Shanghai from Yiwu: serious_dishonesty only */
    assert_true(yc_recognition_list_recognised(g_real, "310000", "330782", "serious_dishonesty"));
    assert_false(yc_recognition_list_recognised(g_real, "310000", "330782", "red"));
    assert_false(yc_recognition_list_recognised(g_real, "310000", "330782", "watch"));
    /* direction matters: no rule host == issuer, nor for an unknown city */
    assert_false(yc_recognition_list_recognised(g_real, "330100", "330100", "serious_dishonesty"));
    assert_false(yc_recognition_list_recognised(g_real, "320500", "330782", "serious_dishonesty"));
    assert_false(yc_recognition_list_recognised(g_real, "330100", "320500", "serious_dishonesty"));
    /* not a list code (exact, case-sensitive), NULL arguments */
    assert_false(yc_recognition_list_recognised(g_real, "330100", "330782", "Red"));
    assert_false(yc_recognition_list_recognised(g_real, "330100", "330782", "black"));
    assert_false(yc_recognition_list_recognised(NULL, "330100", "330782", "red"));
    assert_false(yc_recognition_list_recognised(g_real, NULL, "330782", "red"));
    assert_false(yc_recognition_list_recognised(g_real, "330100", NULL, "red"));
    assert_false(yc_recognition_list_recognised(g_real, "330100", "330782", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yc_recognition_load__real_file__six_rules),
        cmocka_unit_test(yc_recognition_lookup__every_mapping_of_every_rule__matches_file),
        cmocka_unit_test(yc_recognition_lookup__demo_pairs__exact_tiers),
        cmocka_unit_test(yc_recognition_lookup__unknown_pair__no_rule),
        cmocka_unit_test(yc_recognition_lookup__matter_outside_rule__matter_not_recognised),
        cmocka_unit_test(yc_recognition_lookup__age_at_and_past_max__too_old_only_past),
        cmocka_unit_test(yc_recognition_lookup__unknown_rating__not_mapped),
        cmocka_unit_test(yc_recognition_lookup__bad_arguments__invalid),
        cmocka_unit_test(yc_policy_vocabularies__codes__exact),
        cmocka_unit_test(yc_recognition_load__bad_file_per_rule__refused_naming_rule),
        cmocka_unit_test(yc_recognition_load__age_limits__1_and_365_accepted),
        cmocka_unit_test(yc_recognition_load__vct_of_256_bytes__accepted),
        cmocka_unit_test(yc_recognition_load__file_at_and_past_size_limit__too_large_only_past),
        cmocka_unit_test(yc_recognition_load__short_why_buffer__truncated_nul_terminated),
        cmocka_unit_test(yc_recognition_load__allocation_failures__nomem_and_no_leak),
        cmocka_unit_test(yc_recognition_list_recognised__rule_lists__exact_answers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
