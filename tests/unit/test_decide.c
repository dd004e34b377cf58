/* Tests for include/yrdcredit/decide.h (svc/policy/decide.c) against the real catalogues of
 * etc/policy/measures/, etc/policy/recognition.json and etc/policy/lists.json (listings derived
 * with yc_lists_derive() from records, or written by hand where a case needs one). */
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
#include "yrdcredit/decide.h"

static yc_catalogue *g_hz; /* 330100 Hangzhou */
static yc_catalogue *g_sh; /* 310000 Shanghai */
static yc_recognition *g_rec;
static yc_list_rules *g_lists;

static yc_date D(int y, int m, int d)
{
    yc_date r = YC_DATE_NONE;
    assert_int_equal(yc_date_from_ymd(y, m, d, &r), YC_OK);
    return r;
}

static void src_path(char *buf, size_t len, const char *rel)
{
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    int k = snprintf(buf, len, "%s/%s", root, rel);
    assert_true(k > 0 && (size_t)k < len);
}

static int group_setup(void **state)
{
    (void)state;
    yc_core_init_json();
    char p[1024];
    char why[512];
    src_path(p, sizeof p, "etc/policy/measures/330100.json");
    assert_int_equal(yc_catalogue_load(p, &g_hz, why, sizeof why), YC_OK);
    src_path(p, sizeof p, "etc/policy/measures/310000.json");
    assert_int_equal(yc_catalogue_load(p, &g_sh, why, sizeof why), YC_OK);
    src_path(p, sizeof p, "etc/policy/recognition.json");
    assert_int_equal(yc_recognition_load(p, &g_rec, why, sizeof why), YC_OK);
    src_path(p, sizeof p, "etc/policy/lists.json");
    assert_int_equal(yc_list_rules_load(p, &g_lists, why, sizeof why), YC_OK);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    yc_catalogue_free(g_hz);
    yc_catalogue_free(g_sh);
    yc_recognition_free(g_rec);
    yc_list_rules_free(g_lists);
    return 0;
}

static int hook_off(void **state)
{
    (void)state;
    yc_alloc_fail_after(-1);
    return 0;
}

/* An N11 record (失信被执行人, serious_dishonesty with prior notice) decided on @p decided. */
static yc_record n11(yc_date decided)
{
    yc_record r;
    memset(&r, 0, sizeof r);
    r.record_id = 7;
    r.version = 1;
    r.subject_type = YC_SUBJECT_LEGAL_PERSON;
    r.code = YC_CODE_N11;
    r.status = YC_STATUS_ACTIVE;
    r.decision_date = decided;
    r.pub_start = decided;
    r.pub_min_end = YC_DATE_NONE;
    r.pub_max_end = YC_DATE_NONE;
    return r;
}

static yc_decide_input local_merchant(const char *matter, yc_date as_of, const char *grade,
                                      int score)
{
    yc_decide_input in;
    memset(&in, 0, sizeof in);
    in.matter = matter;
    in.as_of = as_of;
    in.evidence = YC_EVIDENCE_LOCAL;
    in.subject_type = YC_SUBJECT_LEGAL_PERSON;
    in.grade = grade;
    in.score = score;
    return in;
}

static yc_decide_input local_person(const char *matter, yc_date as_of, const char *band, int score)
{
    yc_decide_input in = local_merchant(matter, as_of, NULL, score);
    in.subject_type = YC_SUBJECT_NATURAL_PERSON;
    in.band = band;
    return in;
}

static yc_decide_input attestation(const char *matter, yc_date as_of, const char *issuer,
                                   const char *grade, const char *band, int score, int64_t age)
{
    yc_decide_input in;
    memset(&in, 0, sizeof in);
    in.matter = matter;
    in.as_of = as_of;
    in.evidence = YC_EVIDENCE_ATTESTATION;
    in.issuer = issuer;
    in.grade = grade;
    in.band = band;
    in.score = score;
    in.age_days = age;
    /* the vct each issuer's rules of etc/policy/recognition.json accept */
    in.vct = strcmp(issuer, "330782") == 0
                 ? "https://attest.yiwu-credit.example/vct/credit-score/v1"
             : strcmp(issuer, "310000") == 0
                 ? "https://attest.shanghai-credit.example/vct/credit-score/v1"
                 : "https://attest.hz-credit.example/vct/credit-score/v1";
    return in;
}

static void assert_applies(const yc_decision *d, size_t i, const char *id, const char *trig)
{
    assert_true(i < d->n_applies);
    assert_string_equal(d->applies[i].measure->id, id);
    assert_string_equal(d->applies[i].triggered_by, trig);
}

static void assert_skipped(const yc_decision *d, size_t i, const char *id, const char *reason)
{
    assert_true(i < d->n_not_applicable);
    assert_string_equal(d->not_applicable[i].measure->id, id);
    assert_string_equal(d->not_applicable[i].reason, reason);
}

static void yc_decide__yiwu_grade_a_attestation_in_hangzhou__deposit_waiver_tier_1(void **state)
{
    (void)state;
    yc_decide_input in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, 812, 3);
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-001", "attestation:330782:tier_1");
    assert_null(d.applies[0].list_legal_basis);
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-R-002", "wrong_subject_type");
    yc_decision_clear(&d);
    assert_null(d.applies);
    assert_null(d.not_applicable);
    assert_int_equal(d.n_applies, 0);
}

static void yc_decide__attestation_at_max_age_and_one_past__recognised_then_too_old(void **state)
{
    (void)state;
    /* Yiwu -> Hangzhou max_age_days is 30. */
    yc_decide_input in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, 812, 30);
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-001", "attestation:330782:tier_1");
    yc_decision_clear(&d);
    in.age_days = 31;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 2);
    assert_skipped(&d, 0, "330100-R-001", "not_recognised:too_old");
    assert_skipped(&d, 1, "330100-R-002", "wrong_subject_type");
    yc_decision_clear(&d);
}

static void yc_decide__shanghai_attestation_too_old__not_recognised_too_old(void **state)
{
    (void)state;
    /* Shanghai -> Hangzhou max_age_days is 60; a very_good individual (tier_2 there). */
    yc_decide_input in =
        attestation("deposit_waiver", D(2025, 6, 1), "310000", NULL, "very_good", 700, 61);
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_null(d.applies);
    assert_int_equal(d.n_not_applicable, 2);
    assert_skipped(&d, 0, "330100-R-001", "wrong_subject_type");
    assert_skipped(&d, 1, "330100-R-002", "not_recognised:too_old");
    yc_decision_clear(&d);
    in.age_days = 60;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-002", "attestation:310000:tier_2");
    yc_decision_clear(&d);
}

static void yc_decide__attestation_matter_or_grade_unrecognised__reason_named(void **state)
{
    (void)state;
    yc_decision d;
    /* fiscal_subsidy is not among Yiwu->Hangzhou's matters. */
    yc_decide_input in = attestation("fiscal_subsidy", D(2025, 6, 1), "330782", "A", NULL, 900, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-R-004", "not_recognised:matter_not_recognised");
    yc_decision_clear(&d);
    /* grade C maps to "none". */
    in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "C", NULL, 500, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-001", "not_recognised:grade_not_mapped");
    yc_decision_clear(&d);
    /* no rule for (330100, 320500). */
    in = attestation("deposit_waiver", D(2025, 6, 1), "320500", "A", NULL, 900, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-001", "not_recognised:no_rule");
    yc_decision_clear(&d);
}

static void yc_decide__attestation_recognised_grade_b__grade_below_and_no_penalty(void **state)
{
    (void)state;
    yc_decision d;
    /* B is recognised (tier_2) but R-001 needs A; government_procurement has only a penalty,
     * which an attestation never triggers. */
    yc_decide_input in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "B", NULL, 700, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-001", "grade_below");
    yc_decision_clear(&d);
    in = attestation("government_procurement", D(2025, 6, 1), "330782", "D", NULL, 100, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-P-001", "not_listed");
    yc_decision_clear(&d);
}

static void yc_decide__serious_dishonesty_listed__penalty_applies_reward_blocked(void **state)
{
    (void)state;
    /* N11 decided Monday 2025-01-06; 5 working days of notice: effective 2025-01-13. */
    yc_record r = n11(D(2025, 1, 6));
    yc_listing ls[YC_LIST_COUNT];
    size_t n = 0;
    assert_int_equal(
        yc_lists_derive(g_lists, NULL, &r, 1, "A", D(2025, 3, 1), ls, YC_LIST_COUNT, &n), YC_OK);
    assert_int_equal(n, 1);
    assert_false(ls[0].pending);

    yc_decide_input in = local_merchant("government_procurement", D(2025, 3, 1), "A", 850);
    in.listings = ls;
    in.n_listings = n;
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-P-001", "list:serious_dishonesty");
    assert_ptr_equal(d.applies[0].list_legal_basis, ls[0].legal_basis);
    assert_non_null(strstr(d.applies[0].list_legal_basis, "国办发〔2020〕49号"));
    assert_int_equal(d.n_not_applicable, 0);
    assert_null(d.not_applicable);
    yc_decision_clear(&d);

    in.matter = "deposit_waiver";
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 2);
    assert_skipped(&d, 0, "330100-R-001", "blocked_by_serious_dishonesty");
    assert_skipped(&d, 1, "330100-R-002", "wrong_subject_type");
    yc_decision_clear(&d);

    /* Without the listing the same merchant gets the reward. */
    in.n_listings = 0;
    in.listings = NULL;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-001", "grade:A");
    yc_decision_clear(&d);
}

static void yc_decide__listing_pending__not_applied_listing_pending(void **state)
{
    (void)state;
    yc_record r = n11(D(2025, 1, 6));
    yc_listing ls[YC_LIST_COUNT];
    size_t n = 0;
    /* 2025-01-10 is within the notice period; 2025-01-13 is the first effective day. */
    assert_int_equal(
        yc_lists_derive(g_lists, NULL, &r, 1, "A", D(2025, 1, 10), ls, YC_LIST_COUNT, &n), YC_OK);
    assert_int_equal(n, 1);
    assert_true(ls[0].pending);
    yc_decide_input in = local_merchant("government_procurement", D(2025, 1, 10), "A", 850);
    in.listings = ls;
    in.n_listings = n;
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-P-001", "listing_pending");
    yc_decision_clear(&d);
    /* A pending listing does not block rewards. */
    in.matter = "deposit_waiver";
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-001", "grade:A");
    yc_decision_clear(&d);

    assert_int_equal(
        yc_lists_derive(g_lists, NULL, &r, 1, "A", D(2025, 1, 13), ls, YC_LIST_COUNT, &n), YC_OK);
    assert_false(ls[0].pending);
    in = local_merchant("government_procurement", D(2025, 1, 13), "A", 850);
    in.listings = ls;
    in.n_listings = n;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-P-001", "list:serious_dishonesty");
    yc_decision_clear(&d);
}

static void yc_decide__individual_band_good__library_waiver_no_grade_reward(void **state)
{
    (void)state;
    yc_decide_input in = local_person("deposit_waiver", D(2025, 6, 1), "good", 690);
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-002", "band:good");
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-R-001", "wrong_subject_type");
    yc_decision_clear(&d);
    /* One band below the threshold. */
    in.band = "fair";
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 2);
    assert_skipped(&d, 0, "330100-R-001", "wrong_subject_type");
    assert_skipped(&d, 1, "330100-R-002", "band_below");
    yc_decision_clear(&d);
}

static void yc_decide__score_at_threshold_and_one_below__applies_then_score_below(void **state)
{
    (void)state;
    /* 330100-R-004 fiscal_subsidy: score_at_least 800, on the merchant scale. */
    yc_decide_input in = local_merchant("fiscal_subsidy", D(2025, 6, 1), "B", 800);
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-004", "score:800");
    yc_decision_clear(&d);
    in.score = 799;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-004", "score_below");
    yc_decision_clear(&d);
}

static void yc_decide__grade_threshold_b__b_applies_c_below(void **state)
{
    (void)state;
    /* 330100 administrative_licensing: P-006 (watch), R-003 grade_at_least B. */
    yc_decide_input in = local_merchant("administrative_licensing", D(2025, 6, 1), "B", 700);
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-003", "grade:B");
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-P-006", "not_listed");
    yc_decision_clear(&d);
    in.grade = "C";
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 2);
    assert_skipped(&d, 0, "330100-P-006", "not_listed");
    assert_skipped(&d, 1, "330100-R-003", "grade_below");
    yc_decision_clear(&d);
}

static void yc_decide__watch_listed__penalty_applies_reward_not_blocked(void **state)
{
    (void)state;
    yc_listing l;
    memset(&l, 0, sizeof l);
    l.kind = YC_LIST_WATCH;
    l.legal_basis = "watch basis";
    yc_decide_input in = local_merchant("administrative_licensing", D(2025, 6, 1), "A", 900);
    in.listings = &l;
    in.n_listings = 1;
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 2);
    assert_applies(&d, 0, "330100-P-006", "list:watch");
    assert_string_equal(d.applies[0].list_legal_basis, "watch basis");
    assert_applies(&d, 1, "330100-R-003", "grade:A");
    assert_int_equal(d.n_not_applicable, 0);
    yc_decision_clear(&d);
}

static void yc_decide__red_list_reward__window_and_listing(void **state)
{
    (void)state;
    /* 330100-R-005 public_rental_housing, list red, in force 2024-07-01..2027-06-30. */
    yc_listing l;
    memset(&l, 0, sizeof l);
    l.kind = YC_LIST_RED;
    l.legal_basis = "red basis";
    yc_decide_input in = local_merchant("public_rental_housing", D(2027, 6, 30), "A", 900);
    in.listings = &l;
    in.n_listings = 1;
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-005", "list:red");
    assert_string_equal(d.applies[0].list_legal_basis, "red basis");
    yc_decision_clear(&d);
    /* Not red-listed. */
    in.n_listings = 0;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-R-005", "not_listed");
    yc_decision_clear(&d);
    /* An individual is never red-listed. */
    yc_decide_input p = local_person("public_rental_housing", D(2025, 6, 1), "excellent", 900);
    assert_int_equal(yc_decide(g_hz, NULL, &p, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-005", "wrong_subject_type");
    yc_decision_clear(&d);
}

static void yc_decide__effective_to_in_past__measure_not_considered(void **state)
{
    (void)state;
    yc_listing l;
    memset(&l, 0, sizeof l);
    l.kind = YC_LIST_RED;
    l.legal_basis = "red basis";
    /* The day after 330100-R-005's effective_to (2027-06-30): nothing is considered. */
    yc_decide_input in = local_merchant("public_rental_housing", D(2027, 7, 1), "A", 900);
    in.listings = &l;
    in.n_listings = 1;
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 0);
    assert_null(d.applies);
    assert_null(d.not_applicable);
    yc_decision_clear(&d);
    /* Shanghai 310000-R-005 (fiscal_subsidy, red, to 2026-12-31) is gone on 2027-01-01, the
     * penalty 310000-P-005 is still considered. */
    in = local_merchant("fiscal_subsidy", D(2027, 1, 1), "A", 900);
    in.listings = &l;
    in.n_listings = 1;
    assert_int_equal(yc_decide(g_sh, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "310000-P-005", "not_listed");
    yc_decision_clear(&d);
    in.as_of = D(2026, 12, 31);
    assert_int_equal(yc_decide(g_sh, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "310000-R-005", "list:red");
    yc_decision_clear(&d);
    /* The day before 330100-R-005's effective_from (2024-07-01). */
    in = local_merchant("public_rental_housing", D(2024, 6, 30), "A", 900);
    in.listings = &l;
    in.n_listings = 1;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies + d.n_not_applicable, 0);
    yc_decision_clear(&d);
}

static void yc_decide__same_input_twice__identical_output(void **state)
{
    (void)state;
    yc_listing l;
    memset(&l, 0, sizeof l);
    l.kind = YC_LIST_WATCH;
    l.legal_basis = "watch basis";
    yc_decide_input in = local_merchant("administrative_licensing", D(2025, 6, 1), "A", 900);
    in.listings = &l;
    in.n_listings = 1;
    yc_decision a;
    yc_decision b;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &a), YC_OK);
    assert_int_equal(yc_decide(g_hz, NULL, &in, &b), YC_OK);
    assert_int_equal(a.n_applies, 2);
    assert_int_equal(b.n_applies, 2);
    assert_int_equal(a.n_not_applicable, b.n_not_applicable);
    assert_memory_equal(a.applies, b.applies, a.n_applies * sizeof a.applies[0]);
    yc_decision_clear(&a);
    yc_decision_clear(&b);
    yc_decide_input at = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, 812, 3);
    assert_int_equal(yc_decide(g_hz, g_rec, &at, &a), YC_OK);
    assert_int_equal(yc_decide(g_hz, g_rec, &at, &b), YC_OK);
    assert_int_equal(a.n_applies, 1);
    assert_int_equal(b.n_applies, 1);
    assert_int_equal(a.n_not_applicable, 1);
    assert_int_equal(b.n_not_applicable, 1);
    assert_memory_equal(a.applies, b.applies, sizeof a.applies[0]);
    assert_memory_equal(a.not_applicable, b.not_applicable, sizeof a.not_applicable[0]);
    yc_decision_clear(&a);
    yc_decision_clear(&b);
}

static void yc_decide__bad_input__invalid_and_zeroed(void **state)
{
    (void)state;
    yc_decision d;
    yc_decide_input in = local_merchant("deposit_waiver", D(2025, 6, 1), "A", 900);
    assert_int_equal(yc_decide(NULL, NULL, &in, &d), YC_ERR_INVALID);
    assert_int_equal(yc_decide(g_hz, NULL, NULL, &d), YC_ERR_INVALID);
    assert_int_equal(yc_decide(g_hz, NULL, &in, NULL), YC_ERR_INVALID);
    in.matter = "parking";
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    assert_null(d.applies);
    assert_int_equal(d.n_applies + d.n_not_applicable, 0);
    in = local_merchant("deposit_waiver", YC_DATE_NONE, "A", 900);
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    in = local_merchant("deposit_waiver", D(2025, 6, 1), "E", 900);
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    in = local_merchant("deposit_waiver", D(2025, 6, 1), "A", 1000);
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    yc_decision_clear(&d);
    in.score = 1001;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    in.score = -1;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    in = local_merchant("deposit_waiver", D(2025, 6, 1), "A", 900);
    in.band = "good";
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    in = local_merchant("deposit_waiver", D(2025, 6, 1), "A", 900);
    in.n_listings = 1;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    in = local_person("deposit_waiver", D(2025, 6, 1), "great", 900);
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    in = local_person("deposit_waiver", D(2025, 6, 1), "good", 900);
    in.subject_type = YC_SUBJECT_NONE;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);
    in.evidence = (yc_evidence_kind)3;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID);

    in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, 900, 1);
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_INVALID); /* no policy */
    in.age_days = -1;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    in = attestation("deposit_waiver", D(2025, 6, 1), "33078", "A", NULL, 900, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", "good", 900, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    in = attestation("deposit_waiver", D(2025, 6, 1), "330782", NULL, NULL, 900, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, -2, 1);
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
}

static void yc_decide__attestation_score_hidden_at_and_below__reason_or_tier(void **state)
{
    (void)state;
    /* No seeded catalogue has a score measure for a matter any partner rule recognises, so a
     * one-measure Hangzhou catalogue is written to a temporary directory. */
    char dir[] = "/tmp/yc_decide_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    int k = snprintf(path, sizeof path, "%s/330100.json", dir);
    assert_true(k > 0 && (size_t)k < sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"format\":\"yrdcredit-measures/1\",\"region\":\"330100\",\"measures\":[{"
          "\"id\":\"330100-R-900\",\"kind\":\"reward\",\"matter\":\"deposit_waiver\","
          "\"target\":{\"score_at_least\":700},\"text\":{\"zh\":\"免押金\",\"en\":\"waiver\"},"
          "\"department\":\"杭州市\",\"legal_basis\":\"test\",\"effective_from\":\"2024-01-01\","
          "\"effective_to\":null}]}",
          f);
    assert_int_equal(fclose(f), 0);
    yc_catalogue *cat = NULL;
    char why[512];
    assert_int_equal(yc_catalogue_load(path, &cat, why, sizeof why), YC_OK);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);

    yc_decide_input in =
        attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, YC_DECIDE_NO_SCORE, 0);
    yc_decision d;
    assert_int_equal(yc_decide(cat, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-R-900", "score_not_disclosed");
    yc_decision_clear(&d);
    in.score = 700;
    assert_int_equal(yc_decide(cat, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-900", "attestation:330782:tier_1");
    yc_decision_clear(&d);
    in.score = 699;
    assert_int_equal(yc_decide(cat, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-900", "score_below");
    yc_decision_clear(&d);
    yc_catalogue_free(cat);
}

static void yc_decide__out_of_memory__nomem_and_nothing_leaked(void **state)
{
    (void)state;
    yc_listing l;
    memset(&l, 0, sizeof l);
    l.kind = YC_LIST_WATCH;
    l.legal_basis = "watch basis";
    yc_decide_input in = local_merchant("administrative_licensing", D(2025, 6, 1), "C", 900);
    in.listings = &l;
    in.n_listings = 1;
    yc_decision d;
    for (long k = 0; k < 2; k++) {
        yc_alloc_fail_after(k);
        assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_ERR_NOMEM);
        assert_null(d.applies);
        assert_null(d.not_applicable);
    }
    yc_alloc_fail_after(2);
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    yc_alloc_fail_after(-1);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-P-006", "list:watch");
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-R-003", "grade_below");
    yc_decision_clear(&d);
    yc_decision_clear(NULL);
}

/* ---- review findings 1-4 (issue 5) ---- */

static void yc_decide__score_at_least_for_individual__wrong_subject_type(void **state)
{
    (void)state;
    /* finding 3: 330100-R-004 fiscal_subsidy score_at_least 800 is on the merchant scale */
    yc_decide_input in = local_person("fiscal_subsidy", D(2025, 6, 1), "excellent", 900);
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 1);
    assert_skipped(&d, 0, "330100-R-004", "wrong_subject_type");
    yc_decision_clear(&d);
    /* a band-disclosing attestation: the same */
    in = attestation("fiscal_subsidy", D(2025, 6, 1), "330100", NULL, "excellent", 900, 0);
    in.vct = "https://attest.hz-credit.example/vct/credit-score/v1";
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-004", "wrong_subject_type");
    yc_decision_clear(&d);
}

static void yc_decide__attestation_vct_not_the_rules__not_recognised_vct(void **state)
{
    (void)state;
    /* finding 4: Yiwu's grade A in Hangzhou with Shanghai's vct, then with a near miss */
    yc_attested_listing sd = {YC_LIST_SERIOUS_DISHONESTY, D(2025, 1, 1), YC_DATE_NONE, 0};
    yc_decide_input in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, 900, 1);
    in.vct = "https://attest.shanghai-credit.example/vct/credit-score/v1";
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_int_equal(d.n_not_applicable, 2);
    assert_skipped(&d, 0, "330100-R-001", "not_recognised:vct");
    assert_skipped(&d, 1, "330100-R-002", "wrong_subject_type");
    yc_decision_clear(&d);
    in = attestation("government_procurement", D(2025, 6, 1), "330782", "D", NULL, 100, 1);
    in.vct = "https://attest.yiwu-credit.example/vct/credit-score/v2";
    in.att_lists = &sd;
    in.n_att_lists = 1;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-P-001", "not_recognised:vct");
    yc_decision_clear(&d);
}

static void yc_decide__attested_serious_listing__penalty_applies_rewards_blocked(void **state)
{
    (void)state;
    /* finding 1: the attestation's lists claim; Yiwu -> Hangzhou recognises serious_dishonesty */
    yc_attested_listing sd = {YC_LIST_SERIOUS_DISHONESTY, D(2025, 3, 10), D(2027, 3, 3), 0};
    yc_decide_input in =
        attestation("government_procurement", D(2025, 6, 1), "330782", "D", NULL, 450, 30);
    in.att_lists = &sd;
    in.n_att_lists = 1;
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_int_equal(d.n_not_applicable, 0);
    assert_applies(&d, 0, "330100-P-001", "attestation:330782:list:serious_dishonesty");
    assert_null(d.applies[0].list_legal_basis);
    yc_decision_clear(&d);
    /* the same listing blocks a reward the grade would earn */
    in.matter = "deposit_waiver";
    in.grade = "A";
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-001", "blocked_by_serious_dishonesty");
    yc_decision_clear(&d);
}

static void yc_decide__attested_listing_window__in_effect_from_to_exclusive(void **state)
{
    (void)state;
    yc_attested_listing sd = {YC_LIST_SERIOUS_DISHONESTY, D(2025, 3, 10), D(2025, 6, 1), 0};
    yc_decide_input in =
        attestation("government_procurement", D(2025, 3, 9), "330782", "D", NULL, 450, 0);
    in.att_lists = &sd;
    in.n_att_lists = 1;
    yc_decision d;
    /* the day before from, from itself, the last day, to (exclusive) */
    const struct {
        yc_date as_of;
        const char *code;
        bool applies;
    } cases[] = {{D(2025, 3, 9), "not_listed", false},
                 {D(2025, 3, 10), "attestation:330782:list:serious_dishonesty", true},
                 {D(2025, 5, 31), "attestation:330782:list:serious_dishonesty", true},
                 {D(2025, 6, 1), "not_listed", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        in.as_of = cases[i].as_of;
        assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
        assert_int_equal(d.n_applies, cases[i].applies ? 1 : 0);
        if (cases[i].applies)
            assert_applies(&d, 0, "330100-P-001", cases[i].code);
        else
            assert_skipped(&d, 0, "330100-P-001", cases[i].code);
        yc_decision_clear(&d);
    }
}

static void yc_decide__attested_listing_age_rule_list__reasons_in_order(void **state)
{
    (void)state;
    yc_attested_listing sd = {YC_LIST_SERIOUS_DISHONESTY, D(2025, 1, 1), YC_DATE_NONE, 0};
    yc_decide_input in =
        attestation("government_procurement", D(2025, 6, 1), "330782", "D", NULL, 450, 30);
    in.att_lists = &sd;
    in.n_att_lists = 1;
    yc_decision d;
    /* max_age_days 30 (Yiwu -> Hangzhou): 30 counts, 31 is too old */
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_applies(&d, 0, "330100-P-001", "attestation:330782:list:serious_dishonesty");
    yc_decision_clear(&d);
    in.age_days = 31;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-P-001", "not_recognised:too_old");
    yc_decision_clear(&d);
    /* no rule for Suzhou -> Hangzhou */
    in = attestation("government_procurement", D(2025, 6, 1), "320500", "D", NULL, 450, 0);
    in.att_lists = &sd;
    in.n_att_lists = 1;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_skipped(&d, 0, "330100-P-001", "not_recognised:no_rule");
    yc_decision_clear(&d);
    /* Shanghai recognises only Yiwu's serious_dishonesty: a watch listing is not recognised */
    yc_attested_listing w = {YC_LIST_WATCH, D(2025, 1, 1), YC_DATE_NONE, 0};
    in = attestation("inspection_frequency", D(2025, 6, 1), "330782", "C", NULL, 550, 0);
    in.att_lists = &w;
    in.n_att_lists = 1;
    assert_int_equal(yc_decide(g_sh, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "310000-P-004", "not_recognised:list");
    yc_decision_clear(&d);
}

static void yc_decide__attested_red_listing__red_reward_applies(void **state)
{
    (void)state;
    /* 330100-R-005 public_rental_housing (red): Yiwu -> Hangzhou recognises red listings; the
     * matter need not be one of the rule's rating matters */
    yc_attested_listing red = {YC_LIST_RED, D(2025, 2, 10), YC_DATE_NONE, 0};
    yc_decide_input in =
        attestation("public_rental_housing", D(2025, 6, 1), "330782", "A", NULL, 820, 5);
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-R-005", "not_listed");
    yc_decision_clear(&d);
    in.att_lists = &red;
    in.n_att_lists = 1;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-005", "attestation:330782:list:red");
    yc_decision_clear(&d);
}

static void yc_decide__court_only_measure__n11_applies_n12_other_codes(void **state)
{
    (void)state;
    /* finding 2: 330100-P-003 限制高消费 targets serious_dishonesty with codes [N11] */
    yc_record r = n11(D(2025, 1, 6));
    yc_listing ls[YC_LIST_COUNT];
    size_t n = 0;
    assert_int_equal(
        yc_lists_derive(g_lists, NULL, &r, 1, "D", D(2025, 3, 1), ls, YC_LIST_COUNT, &n), YC_OK);
    yc_decide_input in = local_merchant("high_consumption", D(2025, 3, 1), "D", 400);
    in.listings = ls;
    in.n_listings = n;
    yc_decision d;
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-P-003", "list:serious_dishonesty");
    yc_decision_clear(&d);
    r.code = YC_CODE_N12;
    assert_int_equal(
        yc_lists_derive(g_lists, NULL, &r, 1, "D", D(2025, 3, 1), ls, YC_LIST_COUNT, &n), YC_OK);
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-P-003", "listed_for_other_codes");
    yc_decision_clear(&d);
    /* the same N12 listing still triggers government procurement (no codes) */
    in.matter = "government_procurement";
    assert_int_equal(yc_decide(g_hz, NULL, &in, &d), YC_OK);
    assert_applies(&d, 0, "330100-P-001", "list:serious_dishonesty");
    yc_decision_clear(&d);
    /* attested: without codes the court-only measure does not apply; with N11 it does */
    yc_attested_listing sd = {YC_LIST_SERIOUS_DISHONESTY, D(2025, 1, 13), YC_DATE_NONE, 0};
    in = attestation("high_consumption", D(2025, 3, 1), "310000", "D", NULL, 400, 0);
    in.att_lists = &sd;
    in.n_att_lists = 1;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 0);
    assert_skipped(&d, 0, "330100-P-003", "listed_for_other_codes");
    yc_decision_clear(&d);
    sd.codes = UINT32_C(1) << YC_CODE_N11;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-P-003", "attestation:310000:list:serious_dishonesty");
    yc_decision_clear(&d);
}

static void yc_decide__attestation_bad_vct_or_lists__invalid(void **state)
{
    (void)state;
    yc_decision d;
    yc_decide_input in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, 900, 1);
    in.vct = NULL;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, 900, 1);
    in.n_att_lists = 1; /* att_lists NULL */
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    yc_attested_listing l = {YC_LIST_RED, D(2025, 2, 10), D(2025, 2, 10), 0}; /* to == from */
    in.att_lists = &l;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    l.to = D(2025, 2, 11);
    l.kind = YC_LIST_COUNT;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    l.kind = YC_LIST_RED;
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    yc_decision_clear(&d);
}

/* issue 5 review finding 8: the issuer is a region by yc_region_is_valid() (GB/T 2260
 * province prefix), as everywhere else: a leading 0 or a 5-digit code is refused */
static void yc_decide__issue5_issuer_not_a_gbt2260_region__invalid(void **state)
{
    (void)state;
    yc_decision d;
    yc_decide_input in = attestation("deposit_waiver", D(2025, 6, 1), "330782", "A", NULL, 900, 1);
    in.issuer = "012345";
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    assert_null(d.applies);
    assert_null(d.not_applicable);
    in.issuer = "33078";
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_ERR_INVALID);
    in.issuer = "330782";
    assert_int_equal(yc_decide(g_hz, g_rec, &in, &d), YC_OK);
    assert_int_equal(d.n_applies, 1);
    assert_applies(&d, 0, "330100-R-001", "attestation:330782:tier_1");
    yc_decision_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yc_decide__yiwu_grade_a_attestation_in_hangzhou__deposit_waiver_tier_1),
        cmocka_unit_test(yc_decide__attestation_at_max_age_and_one_past__recognised_then_too_old),
        cmocka_unit_test(yc_decide__shanghai_attestation_too_old__not_recognised_too_old),
        cmocka_unit_test(yc_decide__attestation_matter_or_grade_unrecognised__reason_named),
        cmocka_unit_test(yc_decide__attestation_recognised_grade_b__grade_below_and_no_penalty),
        cmocka_unit_test(yc_decide__serious_dishonesty_listed__penalty_applies_reward_blocked),
        cmocka_unit_test(yc_decide__listing_pending__not_applied_listing_pending),
        cmocka_unit_test(yc_decide__individual_band_good__library_waiver_no_grade_reward),
        cmocka_unit_test(yc_decide__score_at_threshold_and_one_below__applies_then_score_below),
        cmocka_unit_test(yc_decide__grade_threshold_b__b_applies_c_below),
        cmocka_unit_test(yc_decide__watch_listed__penalty_applies_reward_not_blocked),
        cmocka_unit_test(yc_decide__red_list_reward__window_and_listing),
        cmocka_unit_test(yc_decide__effective_to_in_past__measure_not_considered),
        cmocka_unit_test(yc_decide__same_input_twice__identical_output),
        cmocka_unit_test(yc_decide__bad_input__invalid_and_zeroed),
        cmocka_unit_test(yc_decide__attestation_score_hidden_at_and_below__reason_or_tier),
        cmocka_unit_test_teardown(yc_decide__out_of_memory__nomem_and_nothing_leaked, hook_off),
        cmocka_unit_test(yc_decide__score_at_least_for_individual__wrong_subject_type),
        cmocka_unit_test(yc_decide__attestation_vct_not_the_rules__not_recognised_vct),
        cmocka_unit_test(yc_decide__attested_serious_listing__penalty_applies_rewards_blocked),
        cmocka_unit_test(yc_decide__attested_listing_window__in_effect_from_to_exclusive),
        cmocka_unit_test(yc_decide__attested_listing_age_rule_list__reasons_in_order),
        cmocka_unit_test(yc_decide__attested_red_listing__red_reward_applies),
        cmocka_unit_test(yc_decide__court_only_measure__n11_applies_n12_other_codes),
        cmocka_unit_test(yc_decide__attestation_bad_vct_or_lists__invalid),
        cmocka_unit_test(yc_decide__issue5_issuer_not_a_gbt2260_region__invalid),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
