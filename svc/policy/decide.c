/* The 联合奖惩 decision engine (include/yrdcredit/decide.h). */
#include "yrdcredit/decide.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/ids.h"

#define N_GRADES 4
#define N_BANDS  5

/* Best first: A > B > C > D. */
static const char *const k_grades[N_GRADES] = {"A", "B", "C", "D"};
/* Lowest first (etc/model/score-v1.json band codes). */
static const char *const k_bands[N_BANDS] = {"needs_improvement", "fair", "good", "very_good",
                                             "excellent"};

/* Rank of a grade, higher is better (D = 0 .. A = 3); -1 when unknown. */
static int grade_rank(const char *g)
{
    if (g == NULL)
        return -1;
    for (int i = 0; i < N_GRADES; i++)
        if (strcmp(g, k_grades[i]) == 0)
            return N_GRADES - 1 - i;
    return -1;
}

/* Rank of a band, higher is better; -1 when unknown. */
static int band_rank(const char *b)
{
    if (b == NULL)
        return -1;
    for (int i = 0; i < N_BANDS; i++)
        if (strcmp(b, k_bands[i]) == 0)
            return i;
    return -1;
}

static bool in_force(const yc_measure *m, yc_date as_of)
{
    if (as_of < m->effective_from)
        return false;
    return m->effective_to == YC_DATE_NONE || as_of <= m->effective_to;
}

static bool is_merchant(yc_subject_type t)
{
    return t == YC_SUBJECT_LEGAL_PERSON || t == YC_SUBJECT_INDIVIDUAL_BUSINESS;
}

static yc_err check_input(const yc_recognition *rec, const yc_decide_input *in)
{
    YC_ENSURE(yc_matter_is_valid(in->matter), YC_ERR_INVALID);
    YC_ENSURE(in->as_of != YC_DATE_NONE, YC_ERR_INVALID);
    if (in->evidence == YC_EVIDENCE_LOCAL) {
        if (is_merchant(in->subject_type)) {
            YC_ENSURE(grade_rank(in->grade) >= 0 && in->band == NULL, YC_ERR_INVALID);
        } else {
            YC_ENSURE(in->subject_type == YC_SUBJECT_NATURAL_PERSON, YC_ERR_INVALID);
            YC_ENSURE(band_rank(in->band) >= 0 && in->grade == NULL, YC_ERR_INVALID);
        }
        YC_ENSURE(in->score >= 0 && in->score <= 1000, YC_ERR_INVALID);
        YC_ENSURE(in->listings != NULL || in->n_listings == 0, YC_ERR_INVALID);
        for (size_t i = 0; i < in->n_listings; i++)
            YC_ENSURE((int)in->listings[i].kind >= 0 && in->listings[i].kind < YC_LIST_COUNT,
                      YC_ERR_INVALID);
        return YC_OK;
    }
    YC_ENSURE(in->evidence == YC_EVIDENCE_ATTESTATION, YC_ERR_INVALID);
    YC_ENSURE(rec != NULL, YC_ERR_INVALID);
    YC_ENSURE(in->issuer != NULL && yc_region_is_valid(in->issuer, strlen(in->issuer)),
              YC_ERR_INVALID);
    YC_ENSURE((in->grade == NULL) != (in->band == NULL), YC_ERR_INVALID);
    YC_ENSURE(in->grade == NULL || grade_rank(in->grade) >= 0, YC_ERR_INVALID);
    YC_ENSURE(in->band == NULL || band_rank(in->band) >= 0, YC_ERR_INVALID);
    YC_ENSURE(in->score == YC_DECIDE_NO_SCORE || (in->score >= 0 && in->score <= 1000),
              YC_ERR_INVALID);
    YC_ENSURE(in->age_days >= 0, YC_ERR_INVALID);
    YC_ENSURE(in->vct != NULL, YC_ERR_INVALID);
    YC_ENSURE(in->att_lists != NULL || in->n_att_lists == 0, YC_ERR_INVALID);
    for (size_t i = 0; i < in->n_att_lists; i++) {
        const yc_attested_listing *l = &in->att_lists[i];
        YC_ENSURE((int)l->kind >= 0 && l->kind < YC_LIST_COUNT && l->from != YC_DATE_NONE,
                  YC_ERR_INVALID);
        YC_ENSURE(l->to == YC_DATE_NONE || l->to > l->from, YC_ERR_INVALID);
    }
    return YC_OK;
}

/* The first listing of @p kind not pending, else the first pending one, else NULL. */
static const yc_listing *find_listing(const yc_decide_input *in, yc_list_kind kind)
{
    if (in->evidence != YC_EVIDENCE_LOCAL)
        return NULL;
    const yc_listing *pending = NULL;
    for (size_t i = 0; i < in->n_listings; i++) {
        const yc_listing *l = &in->listings[i];
        if (l->kind != kind)
            continue;
        if (!l->pending)
            return l;
        if (pending == NULL)
            pending = l;
    }
    return pending;
}

static yc_list_kind list_kind_of(const char *code)
{
    for (int k = 0; k < (int)YC_LIST_COUNT; k++)
        if (strcmp(code, yc_list_name((yc_list_kind)k)) == 0)
            return (yc_list_kind)k;
    return YC_LIST_COUNT;
}

/* Writes a @p a @p b [":" @p c] into a YC_DECIDE_CODE_MAX buffer; every code fits (regions are 6
 * digits, tiers and reasons are short static strings), so truncation cannot happen. */
static void put(char out[YC_DECIDE_CODE_MAX], const char *a, const char *b, const char *c)
{
    (void)snprintf(out, YC_DECIDE_CODE_MAX, "%s%s%s%s", a, b ? b : "", c ? ":" : "", c ? c : "");
}

/* The recognition of an attestation, shared by the measures of one decision. */
typedef struct att_ctx {
    const yc_recognition *rec;
    const char *host;
    yc_recognition_result rr;
    bool has_rule; /* a rule exists for (host, issuer) */
    bool vct_ok;   /* the attestation's vct is one of the rule's */
} att_ctx;

/* Is an attested listing of @p kind in effect and recognised at as_of (decide.h)?  true: the
 * trigger in @p code; false: the reason in @p code. */
static bool attested_listing_ok(const yc_decide_input *in, const att_ctx *ac, yc_list_kind kind,
                                uint32_t codes, char code[YC_DECIDE_CODE_MAX])
{
    if (!ac->has_rule) {
        put(code, "not_recognised:", "no_rule", NULL);
        return false;
    }
    if (!ac->vct_ok) {
        put(code, "not_recognised:", "vct", NULL);
        return false;
    }
    bool in_effect = false, covered = false;
    for (size_t i = 0; i < in->n_att_lists; i++) {
        const yc_attested_listing *l = &in->att_lists[i];
        if (l->kind == kind && l->from <= in->as_of &&
            (l->to == YC_DATE_NONE || in->as_of < l->to)) {
            in_effect = true;
            covered = covered || codes == 0 || (l->codes & codes) != 0;
        }
    }
    if (!in_effect || !covered) {
        put(code, in_effect ? "listed_for_other_codes" : "not_listed", NULL, NULL);
        return false;
    }
    if (!yc_recognition_list_recognised(ac->rec, ac->host, in->issuer, yc_list_name(kind))) {
        put(code, "not_recognised:", "list", NULL);
        return false;
    }
    if (in->age_days > ac->rr.max_age_days) {
        put(code, "not_recognised:", "too_old", NULL);
        return false;
    }
    put(code, "attestation:", in->issuer, "list:");
    size_t len = strlen(code);
    (void)snprintf(code + len, YC_DECIDE_CODE_MAX - len, "%s", yc_list_name(kind));
    return true;
}

/* One measure: *applies and the trigger or the reason; *lb the listing's legal basis. */
static void judge(const yc_measure *m, const yc_decide_input *in, const att_ctx *ac, bool *applies,
                  char code[YC_DECIDE_CODE_MAX], const char **lb)
{
    bool attest = in->evidence == YC_EVIDENCE_ATTESTATION;
    const yc_recognition_result *rr = &ac->rr;
    *applies = false;
    *lb = NULL;
    if (m->kind == YC_MEASURE_PENALTY && attest) {
        *applies =
            attested_listing_ok(in, ac, list_kind_of(m->target.value), m->target.codes, code);
        return;
    }
    if (m->kind == YC_MEASURE_PENALTY) {
        const yc_listing *l = find_listing(in, list_kind_of(m->target.value));
        if (l == NULL) {
            put(code, "not_listed", NULL, NULL);
        } else if (m->target.codes != 0 && (l->codes & m->target.codes) == 0) {
            put(code, "listed_for_other_codes", NULL, NULL);
        } else if (l->pending) {
            put(code, "listing_pending", NULL, NULL);
        } else {
            *applies = true;
            *lb = l->legal_basis;
            put(code, "list:", m->target.value, NULL);
        }
        return;
    }
    bool merchant = attest ? in->grade != NULL : is_merchant(in->subject_type);
    const yc_measure_target *t = &m->target;
    /* score_at_least is on the merchant scale only (review finding 3; measures.h) */
    bool type_ok = t->kind == YC_TARGET_BAND_AT_LEAST ? !merchant : merchant;
    if (!type_ok) {
        put(code, "wrong_subject_type", NULL, NULL);
        return;
    }
    const yc_listing *sd = find_listing(in, YC_LIST_SERIOUS_DISHONESTY);
    char scratch[YC_DECIDE_CODE_MAX];
    if ((sd != NULL && !sd->pending) ||
        (attest && attested_listing_ok(in, ac, YC_LIST_SERIOUS_DISHONESTY, 0, scratch))) {
        put(code, "blocked_by_serious_dishonesty", NULL, NULL);
        return;
    }
    if (attest && t->kind == YC_TARGET_LIST) {
        *applies = attested_listing_ok(in, ac, list_kind_of(t->value), 0, code);
        return;
    }
    if (attest && !ac->has_rule) {
        put(code, "not_recognised:", "no_rule", NULL);
        return;
    }
    if (attest && !ac->vct_ok) {
        put(code, "not_recognised:", "vct", NULL);
        return;
    }
    if (attest && !rr->recognised) {
        put(code, "not_recognised:", rr->reason, NULL);
        return;
    }
    char num[16];
    switch (t->kind) {
    case YC_TARGET_LIST: {
        const yc_listing *l = find_listing(in, list_kind_of(t->value));
        if (l == NULL) {
            put(code, "not_listed", NULL, NULL);
            return;
        }
        if (l->pending) {
            put(code, "listing_pending", NULL, NULL);
            return;
        }
        *lb = l->legal_basis;
        put(code, "list:", t->value, NULL);
        *applies = true;
        return;
    }
    case YC_TARGET_GRADE_AT_LEAST:
        if (grade_rank(in->grade) < grade_rank(t->value)) {
            put(code, "grade_below", NULL, NULL);
            return;
        }
        put(code, "grade:", in->grade, NULL);
        break;
    case YC_TARGET_BAND_AT_LEAST:
        if (band_rank(in->band) < band_rank(t->value)) {
            put(code, "band_below", NULL, NULL);
            return;
        }
        put(code, "band:", in->band, NULL);
        break;
    case YC_TARGET_SCORE_AT_LEAST:
        if (in->score == YC_DECIDE_NO_SCORE) {
            put(code, "score_not_disclosed", NULL, NULL);
            return;
        }
        if (in->score < t->score) {
            put(code, "score_below", NULL, NULL);
            return;
        }
        (void)snprintf(num, sizeof num, "%d", in->score);
        put(code, "score:", num, NULL);
        break;
    default:
        put(code, "not_listed", NULL, NULL);
        return;
    }
    *applies = true;
    if (attest)
        put(code, "attestation:", in->issuer, rr->tier);
}

yc_err yc_decide(const yc_catalogue *cat, const yc_recognition *rec, const yc_decide_input *in,
                 yc_decision *ret)
{
    YC_ENSURE(ret != NULL, YC_ERR_INVALID);
    memset(ret, 0, sizeof *ret);
    YC_ENSURE(cat != NULL && in != NULL, YC_ERR_INVALID);
    YC_TRY(check_input(rec, in));

    att_ctx ac;
    memset(&ac, 0, sizeof ac);
    ac.rec = rec;
    ac.host = yc_catalogue_region(cat);
    if (in->evidence == YC_EVIDENCE_ATTESTATION) {
        YC_TRY(yc_recognition_lookup(rec, ac.host, in->issuer, in->matter, in->grade, in->band,
                                     in->age_days, &ac.rr));
        ac.has_rule = ac.rr.max_age_days > 0;
        ac.vct_ok = yc_recognition_result_has_vct(&ac.rr, in->vct);
    }

    /* each measure judged once (review finding 7): both arrays sized for every measure of the
     * matter in force, then shrunk to what they hold */
    size_t n = yc_catalogue_count(cat), n_matter = 0;
    for (size_t i = 0; i < n; i++) {
        const yc_measure *m = yc_catalogue_get(cat, i);
        if (strcmp(m->matter, in->matter) == 0 && in_force(m, in->as_of))
            n_matter++;
    }
    yc_err rv = YC_OK;
    yc_decision d;
    memset(&d, 0, sizeof d);
    if (n_matter > 0) {
        d.applies = yc_calloc(n_matter, sizeof *d.applies);
        d.not_applicable = yc_calloc(n_matter, sizeof *d.not_applicable);
        if (d.applies == NULL || d.not_applicable == NULL) {
            rv = YC_ERR_NOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const yc_measure *m = yc_catalogue_get(cat, i);
        if (strcmp(m->matter, in->matter) != 0 || !in_force(m, in->as_of))
            continue;
        bool applies = false;
        char code[YC_DECIDE_CODE_MAX];
        memset(code, 0, sizeof code); /* whole buffer copied out: no stray stack bytes */
        const char *lb = NULL;
        judge(m, in, &ac, &applies, code, &lb);
        if (applies) {
            yc_decided_measure *a = &d.applies[d.n_applies++];
            a->measure = m;
            a->list_legal_basis = lb;
            memcpy(a->triggered_by, code, sizeof code);
        } else {
            yc_skipped_measure *s = &d.not_applicable[d.n_not_applicable++];
            s->measure = m;
            memcpy(s->reason, code, sizeof code);
        }
    }
    /* the contract: an empty array is NULL; a shrink that fails keeps the larger block */
    if (d.n_applies == 0) {
        yc_free(d.applies);
        d.applies = NULL;
    } else if (d.n_applies < n_matter) {
        void *p = yc_realloc(d.applies, d.n_applies * sizeof *d.applies);
        d.applies = p != NULL ? p : d.applies;
    }
    if (d.n_not_applicable == 0) {
        yc_free(d.not_applicable);
        d.not_applicable = NULL;
    } else if (d.n_not_applicable < n_matter) {
        void *p = yc_realloc(d.not_applicable, d.n_not_applicable * sizeof *d.not_applicable);
        d.not_applicable = p != NULL ? p : d.not_applicable;
    }
    *ret = d;
    memset(&d, 0, sizeof d);
out:
    yc_decision_clear(&d);
    return rv;
}

void yc_decision_clear(yc_decision *d)
{
    if (d == NULL)
        return;
    yc_free(d->applies);
    yc_free(d->not_applicable);
    memset(d, 0, sizeof *d);
}
