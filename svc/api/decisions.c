/* OpenAPI tag "decisions": createDecision and getDecision (issue 5 scope item 4).
 *
 * POST /v1/decisions decides with the policy snapshot of the request (yc_decide()), signs the
 * decision object without its `signature` member (yc_attest_sign_jws(), typ
 * "yrdcredit-decision+jwt", payload = json_dumps(JSON_COMPACT | JSON_SORT_KEYS) of the object),
 * stores the whole object (signature included, the same serialization) through the group
 * committer, and answers 201 with it only once the commit is durable.  GET /v1/decisions/{id}
 * answers the stored bytes unchanged.
 *
 * Issue 6 (breaker report defect 1).  A decision on local evidence reads the subject's score
 * and records: it is noted for the query log (yc_api_access_note_decision(), route code
 * "decision"), so yc_api_access_end() logs the 201 in the subject's query log before it is
 * sent (a decision on a partner's attestation reads no local subject and is not logged).  Its
 * legal basis is the law of 联合奖惩, not a consent (README, 联合奖惩 section, "Decisions").
 * The decision is stored with the client that asked for it (codec version 2 of
 * store_decision.h); with auth.required on, GET answers it to that client and to admins only,
 * anyone else is answered the 404 of an unknown id (ids cannot be probed); a decision stored
 * without a creator (before issue 6) is an admin's only.
 */
#include <string.h>

#include "api_attest.h"
#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/attest_verify.h"
#include "yrdcredit/decide.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/lists.h"
#include "yrdcredit/store_decision.h"

#define PROBLEM_UNKNOWN_DECISION "unknown-decision"
#define PROBLEM_UNKNOWN_REGION   "unknown-region"
#define PROBLEM_BAD_ATTESTATION  "attestation-not-accepted"
#define DECISION_TYP             "yrdcredit-decision+jwt"
#define N_GRADES                 4
#define N_BANDS                  5

/* The vocabularies yc_decide() accepts (decide.h): grades best first, bands lowest first
 * (etc/model/score-v1.json). */
static const char *const k_grades[N_GRADES] = {"A", "B", "C", "D"};
static const char *const k_bands[N_BANDS] = {"needs_improvement", "fair", "good", "very_good",
                                             "excellent"};

static bool in_vocab(const char *s, const char *const *vocab, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        if (strcmp(s, vocab[i]) == 0)
            return true;
    return false;
}

static yc_err bad_attestation(yc_api_response *res, const char *detail)
{
    return yc_api_problem(res, 422, PROBLEM_BAD_ATTESTATION, "Attestation not accepted", detail,
                          "/attestation");
}

/* ---- listings as JSON ---- */

static json_t *date_or_null(yc_date d)
{
    if (d == YC_DATE_NONE)
        return json_null();
    char buf[YC_DATE_STR_LEN + 1];
    yc_date_format(d, buf);
    return json_string(buf);
}

/* The record codes of a bit set, in code order: ["N11", ...]. */
static json_t *codes_json(uint32_t codes)
{
    json_t *a = json_array();
    for (int c = 0; a != NULL && c < (int)YC_CODE_COUNT; c++)
        if ((codes & (UINT32_C(1) << (unsigned)c)) != 0 &&
            json_array_append_new(a, json_string(yc_code_str((yc_code)c))) != 0) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

json_t *yc_api_listings_claim(const yc_listing *ls, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        const yc_listing *l = &ls[i];
        if (l->pending)
            continue; /* not in effect at the attestation's as_of */
        yc_date from = l->effective_from != YC_DATE_NONE ? l->effective_from : l->start;
        json_t *o = json_pack("{s:s, s:o, s:o, s:o}", "list", yc_list_name(l->kind), "from",
                              date_or_null(from), "to", date_or_null(l->end), "codes",
                              codes_json(l->codes));
        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static json_t *local_listings_json(const yc_listing *ls, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        const yc_listing *l = &ls[i];
        json_t *o =
            json_pack("{s:s, s:o, s:o, s:o, s:b, s:o, s:s}", "list", yc_list_name(l->kind), "start",
                      date_or_null(l->start), "end", date_or_null(l->end), "effective_from",
                      date_or_null(l->effective_from), "pending", (int)l->pending, "codes",
                      codes_json(l->codes), "legal_basis", l->legal_basis);
        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

/* ---- the request ---- */

typedef struct dec_req {
    const char *subject_id; /* NULL: attestation */
    const char *attestation;
    size_t attestation_len;
    const char *matter;
    char region[YC_REGION_LEN + 1];
    yc_date as_of;
} dec_req;

/* 400 naming the field, in this order: unknown member, subject_id/attestation, matter,
 * region, as_of.  False when answered. */
static bool parse_req(const yc_api *api, json_t *o, dec_req *r, yc_api_response *res, yc_err *ret)
{
    static const char *const names[] = {"subject_id", "attestation", "matter", "region", "as_of"};
    const char *key;
    json_t *v;
    memset(r, 0, sizeof *r);
    json_object_foreach(o, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            known = known || strcmp(key, names[i]) == 0;
        if (!known) {
            char ptr[40] = "";
            if (yc_api_key_is_nameable(key))
                (void)snprintf(ptr, sizeof ptr, "/%s", key);
            *ret = yc_api_bad_field(
                res, ptr,
                "unknown member; allowed: subject_id, attestation, matter, region, "
                "as_of");
            return false;
        }
    }
    json_t *sid = json_object_get(o, "subject_id"), *att = json_object_get(o, "attestation");
    if (sid != NULL && att != NULL) {
        *ret =
            yc_api_bad_field(res, "/attestation", "give exactly one of subject_id and attestation");
        return false;
    }
    if (sid == NULL && att == NULL) {
        *ret =
            yc_api_bad_field(res, "/subject_id", "one of subject_id and attestation is required");
        return false;
    }
    if (sid != NULL) {
        const char *s = json_string_value(sid);
        if (s == NULL || !yc_subject_id_is_valid(s, json_string_length(sid))) {
            *ret = yc_api_bad_field(res, "/subject_id",
                                    "not a valid 统一社会信用代码 or 'P' pseudonym");
            return false;
        }
        r->subject_id = s;
    } else {
        if (!json_is_string(att) || json_string_length(att) == 0) {
            *ret =
                yc_api_bad_field(res, "/attestation", "expected an SD-JWT presentation (a string)");
            return false;
        }
        r->attestation = json_string_value(att);
        r->attestation_len = json_string_length(att);
    }
    json_t *m = json_object_get(o, "matter");
    if (m == NULL || !yc_matter_is_valid(json_string_value(m))) {
        *ret = yc_api_bad_field(
            res, "/matter", m == NULL ? "matter is required" : "not a matter of the vocabulary");
        return false;
    }
    r->matter = json_string_value(m);
    json_t *reg = json_object_get(o, "region");
    if (reg == NULL) {
        memcpy(r->region, api->cfg.attest.issuer_region, sizeof r->region);
        r->region[YC_REGION_LEN] = '\0';
    } else {
        const char *s = json_string_value(reg);
        if (s == NULL || !yc_region_is_valid(s, json_string_length(reg))) {
            *ret = yc_api_bad_field(res, "/region",
                                    "expected a 6-digit GB/T 2260 administrative division code (a "
                                    "province prefix such as 31 or 33)");
            return false;
        }
        memcpy(r->region, s, YC_REGION_LEN + 1);
    }
    json_t *d = json_object_get(o, "as_of");
    if (d == NULL) {
        r->as_of = yc_date_today_shanghai();
    } else if (!json_is_string(d) ||
               !yc_api_parse_as_of(json_string_value(d), json_string_length(d), &r->as_of)) {
        *ret = yc_api_bad_field(res, "/as_of", "expected a real date YYYY-MM-DD in 1900..2099");
        return false;
    }
    return true;
}

/* ---- evidence ---- */

typedef struct evidence {
    yc_decide_input in;
    char subject_id[YC_SUBJECT_ID_MAX + 1];
    json_t *json; /* the decision's "evidence" member */
    yc_api_local_evidence local;
    yc_attested_listing att[16];
    char grade[2];
    char band[32];
    char vct[YC_RECOGNITION_VCT_MAX_BYTES + 1];
    char issuer[YC_REGION_LEN + 1];
} evidence;

/* Local subject: records, score at as_of, listings (evidence.c).  False when answered. */
static bool local_evidence(yc_api *api, const yc_policy_snap *snap, const dec_req *r, evidence *ev,
                           yc_api_response *res, yc_err *ret)
{
    yc_api_local_evidence *lev = &ev->local;
    if (!yc_api_local_evidence_get(api, snap, r->subject_id, r->as_of, "/subject_id", false, lev,
                                   res, ret))
        return false;
    bool merchant = lev->grade[0] != '\0';
    memcpy(ev->subject_id, r->subject_id, strlen(r->subject_id) + 1);
    ev->in.evidence = YC_EVIDENCE_LOCAL;
    ev->in.subject_type = lev->subject_type;
    ev->in.grade = merchant ? lev->grade : NULL;
    ev->in.band = merchant ? NULL : lev->band;
    ev->in.score = lev->score;
    ev->in.listings = lev->listings;
    ev->in.n_listings = lev->n_listings;
    ev->json = json_pack("{s:s, s:s, s:s, s:i, s:o}", "kind", "local", "subject_type",
                         yc_subject_type_str(lev->subject_type), merchant ? "grade" : "band",
                         merchant ? lev->grade : lev->band, "score", lev->score, "listings",
                         local_listings_json(lev->listings, lev->n_listings));
    if (ev->json == NULL) {
        *ret = yc_api_error(res, YC_ERR_NOMEM);
        return false;
    }
    return true;
}

static bool parse_date_str(json_t *v, yc_date *ret)
{
    const char *s = json_string_value(v);
    return s != NULL && yc_date_parse(s, json_string_length(v), ret) == YC_OK;
}

/* The `lists` claim into ev->att; false when malformed. */
static bool parse_lists_claim(json_t *lists, evidence *ev)
{
    if (lists == NULL)
        return true; /* an attestation issued before the claim existed: no listings */
    if (!json_is_array(lists) || json_array_size(lists) > sizeof ev->att / sizeof ev->att[0])
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(lists, i, e)
    {
        yc_attested_listing *l = &ev->att[i];
        const char *name = json_string_value(json_object_get(e, "list"));
        json_t *to = json_object_get(e, "to");
        l->kind = YC_LIST_COUNT;
        for (int k = 0; name != NULL && k < (int)YC_LIST_COUNT; k++)
            if (strcmp(name, yc_list_name((yc_list_kind)k)) == 0)
                l->kind = (yc_list_kind)k;
        if (l->kind == YC_LIST_COUNT || !parse_date_str(json_object_get(e, "from"), &l->from))
            return false;
        if (json_is_null(to))
            l->to = YC_DATE_NONE;
        else if (!parse_date_str(to, &l->to) || l->to <= l->from)
            return false;
        json_t *codes = json_object_get(e, "codes"), *c;
        size_t j;
        l->codes = 0;
        if (codes != NULL && !json_is_array(codes))
            return false;
        json_array_foreach(codes, j, c)
        {
            yc_code code;
            const char *str = json_string_value(c);
            if (str == NULL || yc_code_parse(str, &code) != YC_OK)
                return false;
            l->codes |= UINT32_C(1) << (unsigned)code;
        }
    }
    ev->in.att_lists = ev->att;
    ev->in.n_att_lists = json_array_size(lists);
    return true;
}

/* The parsed `lists` claim again, in the shape of yc_api_listings_claim() (review finding 5:
 * only what was understood is signed into the decision, never the partner's raw JSON). */
static json_t *attested_listings_json(const yc_attested_listing *ls, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        const yc_attested_listing *l = &ls[i];
        json_t *o = json_pack("{s:s, s:o, s:o, s:o}", "list", yc_list_name(l->kind), "from",
                              date_or_null(l->from), "to", date_or_null(l->to), "codes",
                              codes_json(l->codes));
        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

/* Partner attestation: verify, read the disclosed claims.  False when answered. */
static bool attestation_evidence(yc_api *api, const dec_req *r, int64_t now, evidence *ev,
                                 yc_api_response *res, yc_err *ret)
{
    yc_av_verdict v;
    memset(&v, 0, sizeof v);
    bool ok = false;
    yc_err rv = yc_attest_verify(api->attest, r->attestation, r->attestation_len, NULL, now, &v);
    if (rv != YC_OK) {
        *ret = yc_api_error(res, rv);
        goto out;
    }
    if (!v.valid) {
        char detail[96];
        (void)snprintf(detail, sizeof detail, "the attestation is not valid: %s",
                       yc_av_reason_str(v.reason));
        *ret = bad_attestation(res, detail);
        goto out;
    }
    json_t *c = v.claims;
    const char *region = json_string_value(json_object_get(c, "issuer_region"));
    const char *vct = json_string_value(json_object_get(c, "vct"));
    const char *sub = json_string_value(json_object_get(c, "sub"));
    const char *grade = json_string_value(json_object_get(c, "grade"));
    const char *band = json_string_value(json_object_get(c, "band"));
    json_t *score = json_object_get(c, "score");
    yc_date att_as_of = YC_DATE_NONE;
    if (region == NULL || !yc_region_is_valid(region, strlen(region)) || vct == NULL ||
        strlen(vct) > YC_RECOGNITION_VCT_MAX_BYTES || sub == NULL ||
        strlen(sub) > YC_SUBJECT_ID_MAX) {
        *ret = bad_attestation(res, "the attestation lacks issuer_region, vct or sub");
        goto out;
    }
    if ((grade == NULL) == (band == NULL)) {
        *ret = bad_attestation(res, "the attestation must disclose exactly one of grade and band");
        goto out;
    }
    /* review finding 2: only the vocabularies yc_decide() knows (a 422, never a 500) */
    if (grade != NULL ? !in_vocab(grade, k_grades, N_GRADES) : !in_vocab(band, k_bands, N_BANDS)) {
        *ret = bad_attestation(res, grade != NULL ? "the disclosed grade is not one of A..D"
                                                  : "the disclosed band is not a band code");
        goto out;
    }
    /* review finding 1: the issuer city is the one the trust registry pins for the verified
     * issuer, never only the token's own claim */
    char pinned[YC_REGION_LEN + 1];
    rv = yc_attest_partner_region(api->attest, v.issuer, pinned);
    if (rv != YC_OK && rv != YC_ERR_NOT_FOUND && rv != YC_ERR_INVALID) {
        *ret = yc_api_error(res, rv);
        goto out;
    }
    if (rv != YC_OK || !yc_region_is_valid(pinned, strlen(pinned)) || strcmp(pinned, region) != 0) {
        *ret = bad_attestation(res, "the attestation is not valid: wrong_issuer_region (its "
                                    "issuer_region is not the region the trust registry pins "
                                    "for its issuer)");
        goto out;
    }
    if (!parse_date_str(json_object_get(c, "as_of"), &att_as_of)) {
        *ret = bad_attestation(res, "the attestation must disclose as_of");
        goto out;
    }
    if (att_as_of > r->as_of) {
        *ret = bad_attestation(res, "the attested as_of is after the decision's as_of");
        goto out;
    }
    if (score != NULL && (!json_is_integer(score) || json_integer_value(score) < 0 ||
                          json_integer_value(score) > 1000)) {
        *ret = bad_attestation(res, "the disclosed score is not an integer 0..1000");
        goto out;
    }
    if (!parse_lists_claim(json_object_get(c, "lists"), ev)) {
        *ret = bad_attestation(res, "the lists claim is malformed");
        goto out;
    }
    memcpy(ev->issuer, region, YC_REGION_LEN + 1);
    memcpy(ev->vct, vct, strlen(vct) + 1);
    memcpy(ev->subject_id, sub, strlen(sub) + 1);
    if (grade != NULL)
        memcpy(ev->grade, grade, strlen(grade) + 1);
    if (band != NULL)
        memcpy(ev->band, band, strlen(band) + 1);
    ev->in.evidence = YC_EVIDENCE_ATTESTATION;
    ev->in.issuer = ev->issuer;
    ev->in.vct = ev->vct;
    ev->in.grade = grade != NULL ? ev->grade : NULL;
    ev->in.band = band != NULL ? ev->band : NULL;
    ev->in.score = score != NULL ? (int)json_integer_value(score) : YC_DECIDE_NO_SCORE;
    ev->in.age_days = (int64_t)r->as_of - (int64_t)att_as_of;
    char as_of_s[YC_DATE_STR_LEN + 1];
    yc_date_format(att_as_of, as_of_s);
    json_t *lists = attested_listings_json(ev->att, ev->in.n_att_lists);
    ev->json = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:o}", "kind", "attestation",
                         "issuer", v.issuer, "issuer_region", region, "vct", vct,
                         grade != NULL ? "grade" : "band", grade != NULL ? grade : band, "age_days",
                         (json_int_t)ev->in.age_days, "attested_as_of", as_of_s, "score",
                         score != NULL ? json_integer(json_integer_value(score)) : json_null(),
                         "listings", lists);
    if (ev->json == NULL) {
        *ret = yc_api_error(res, YC_ERR_NOMEM);
        goto out;
    }
    ok = true;
out:
    yc_av_verdict_clear(&v);
    return ok;
}

/* ---- the decision object ---- */

static json_t *measures_json(const yc_decision *d)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < d->n_applies; i++) {
        const yc_decided_measure *dm = &d->applies[i];
        const yc_measure *m = dm->measure;
        json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s}", "id", m->id, "kind",
                              m->kind == YC_MEASURE_REWARD ? "reward" : "penalty", "text", "zh",
                              m->text_zh, "en", m->text_en, "department", m->department,
                              "legal_basis", m->legal_basis, "triggered_by", dm->triggered_by);
        if (o != NULL && dm->list_legal_basis != NULL &&
            json_object_set_new(o, "list_legal_basis", json_string(dm->list_legal_basis)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static json_t *skipped_json(const yc_decision *d)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < d->n_not_applicable; i++) {
        const yc_skipped_measure *s = &d->not_applicable[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "id", s->measure->id, "kind",
                              s->measure->kind == YC_MEASURE_REWARD ? "reward" : "penalty",
                              "reason", s->reason);
        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static yc_err new_id(char ret[static YC_DECISION_ID_LEN + 1])
{
    _Static_assert(YC_DECISION_ID_LEN == sizeof YC_DECISION_ID_PREFIX - 1 + 22, "dec_ + 22");
    memcpy(ret, YC_DECISION_ID_PREFIX, sizeof YC_DECISION_ID_PREFIX - 1);
    return yc_api_random_id22(ret + sizeof YC_DECISION_ID_PREFIX - 1);
}

/* A commit in flight: the pending answer and the body it will carry. */
typedef struct dec_job {
    yc_api_pending *p;
    char *body;
    size_t body_len;
    char id[YC_DECISION_ID_LEN + 1]; /* for the 201's location */
} dec_job;

static void dec_committed(void *ctx, yc_err rv)
{
    dec_job *job = ctx;
    yc_api_response r = {0};
    if (rv == YC_OK) {
        r.status = 201;
        r.content_type = "application/json";
        r.body = job->body;
        r.body_len = job->body_len;
        job->body = NULL;
        (void)snprintf(r.location, sizeof r.location, "/v1/decisions/%s", job->id);
    } else if (yc_api_error(&r, rv == YC_ERR_CONFLICT ? YC_ERR_INTERNAL : rv) != YC_OK) {
        yc_api_response_clear(&r);
        r.status = 503;
    }
    yc_api_pending_complete(job->p, &r);
    yc_free(job->body);
    yc_free(job);
}

/* Sign obj (which has no `signature`) and serialize it with its signature into *ret (yc_free;
 * Jansson allocates through yc_alloc, svc/core/alloc.c), with one serialization (review
 * finding 7): the payload is the sorted compact dump; in sorted order `signature` comes right
 * before the last member, `subject_id` (every other member sorts before it), so the stored
 * object is the payload with ,"signature":"<jws>" inserted before ,"subject_id":"<sid>"}. */
static yc_err sign_and_dump(yc_api *api, json_t *obj, const char *subject_id, int64_t now,
                            char **ret, size_t *ret_len)
{
    static const char sig_member[] = ",\"signature\":\"";
    char *jws = NULL, *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    YC_ENSURE(text != NULL, YC_ERR_NOMEM);
    size_t len = strlen(text), jws_len = 0;
    char tail[sizeof ",\"subject_id\":\"\"}" + YC_SUBJECT_ID_MAX];
    int tn = snprintf(tail, sizeof tail, ",\"subject_id\":\"%s\"}", subject_id);
    yc_err rv = YC_ERR_INTERNAL;
    if (tn < 0 || (size_t)tn >= sizeof tail || (size_t)tn > len ||
        memcmp(text + len - (size_t)tn, tail, (size_t)tn) != 0)
        goto out;
    rv = yc_attest_sign_jws(api->attest, DECISION_TYP, text, len, now, &jws, &jws_len, NULL);
    if (rv != YC_OK)
        goto out;
    size_t add = sizeof sig_member - 1 + jws_len + 1; /* ,"signature":" jws " */
    char *grown = yc_realloc(text, len + add + 1);
    if (grown == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    text = grown;
    char *at = text + len - (size_t)tn;
    memmove(at + add, at, (size_t)tn + 1);
    memcpy(at, sig_member, sizeof sig_member - 1);
    memcpy(at + sizeof sig_member - 1, jws, jws_len);
    at[add - 1] = '"';
    *ret = text;
    *ret_len = len + add;
    text = NULL;
out:
    yc_free(jws);
    yc_free(text);
    return rv;
}

/* The client asking (its id is stored with the decision), or "" without one (auth.required
 * off and no token). */
static const char *creator_of(const yc_api_request *req)
{
    _Static_assert(YC_DECISION_CREATOR_LEN == YC_CLIENT_ID_LEN, "a creator is a client id");
    const yc_api_ident *id = req->ident;
    return id != NULL && id->kind == YC_API_IDENT_CLIENT ? id->client_id : "";
}

/* May the caller read a decision stored with creator ("" = none)?  With auth.required off
 * nothing is refused (README); else an admin, or the client that created it. */
static bool may_read(const yc_api *api, const yc_api_request *req, const char *creator)
{
    if (!api->cfg.auth.required)
        return true;
    const yc_api_ident *id = req->ident;
    if (id == NULL || id->kind != YC_API_IDENT_CLIENT)
        return false;
    if (id->role == YC_ROLE_ADMIN)
        return true;
    return creator[0] != '\0' && strcmp(creator, id->client_id) == 0;
}

static yc_err not_ready(yc_api_response *res, const char *detail)
{
    return yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready", detail, NULL);
}

yc_err yc_api_create_decision(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    json_t *body = NULL, *obj = NULL;
    const yc_policy_snap *snap = NULL;
    yc_decision d = {0};
    evidence *ev = NULL;
    dec_job *job = NULL;
    dec_req r;
    if (!yc_api_body_object(api, req, false, res, &rv, &body))
        return rv;
    if (!parse_req(api, body, &r, res, &rv))
        goto out;
    if (r.subject_id != NULL) /* a local read: its 201 is query-logged (defect 1) */
        yc_api_access_note_decision(req, r.subject_id);
    snap = yc_api_policy_acquire(api);
    if (snap == NULL || api->store == NULL || snap->lists == NULL || snap->recognition == NULL ||
        snap->catalogues == NULL) {
        rv = not_ready(res, "the model, the store or the policy files are not loaded");
        goto out;
    }
    if (api->attest == NULL) {
        rv = not_ready(res, "the attestation issuer (which signs decisions) is not loaded");
        goto out;
    }
    const yc_catalogue *cat = yc_policy_catalogue(snap, r.region);
    if (cat == NULL) {
        rv = yc_api_problem(res, 404, PROBLEM_UNKNOWN_REGION, "Unknown region",
                            "no measure catalogue for this region", "/region");
        goto out;
    }
    ev = yc_calloc(1, sizeof *ev);
    if (ev == NULL) {
        rv = yc_api_error(res, YC_ERR_NOMEM);
        goto out;
    }
    /* the project clock, read once: verification, created_at and the signature's iat */
    const int64_t now = yc_clock_now_ms() / 1000;
    bool ok = r.subject_id != NULL ? local_evidence(api, snap, &r, ev, res, &rv)
                                   : attestation_evidence(api, &r, now, ev, res, &rv);
    if (!ok)
        goto out;
    ev->in.matter = r.matter;
    ev->in.as_of = r.as_of;
    rv = yc_decide(cat, snap->recognition, &ev->in, &d);
    if (rv == YC_ERR_INVALID && r.subject_id == NULL) {
        /* review finding 2: evidence checked above; what yc_decide() still refuses is the
         * partner's, never a 500 */
        rv = bad_attestation(res, "the attested evidence cannot be decided on");
        goto out;
    }
    if (rv != YC_OK) { /* local evidence yc_decide() refuses is this instance's bug: 500 */
        rv = yc_api_error(res, rv == YC_ERR_INVALID ? YC_ERR_INTERNAL : rv);
        goto out;
    }
    char id[YC_DECISION_ID_LEN + 1], as_of_s[YC_DATE_STR_LEN + 1], created[YC_TIME_RFC3339_LEN + 1];
    yc_date_format(r.as_of, as_of_s);
    yc_time_rfc3339(now, created);
    if ((rv = new_id(id)) != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:o, s:o}", "id", id, "subject_id",
                    ev->subject_id, "matter", r.matter, "region", r.region, "as_of", as_of_s,
                    "created_at", created, "evidence", ev->json, "measures", measures_json(&d),
                    "not_applicable", skipped_json(&d));
    job = yc_calloc(1, sizeof *job);
    if (obj == NULL || job == NULL) {
        rv = yc_api_error(res, YC_ERR_NOMEM);
        goto out;
    }
    memcpy(job->id, id, sizeof job->id);
    rv = sign_and_dump(api, obj, ev->subject_id, now, &job->body, &job->body_len);
    if (rv == YC_ERR_NOT_FOUND) {
        rv = not_ready(res, "no active attestation signing key (yrdcredit keys new)");
        goto out;
    }
    if (rv == YC_OK)
        rv = yc_api_pending_new(&job->p);
    /* once the put succeeds job is dec_committed's, which may run (and free it) at once */
    yc_api_pending *pend = job->p;
    if (rv == YC_OK)
        rv = yc_store_commit_decision_put_with_creator(yc_attest_committer(api->attest), id,
                                                       creator_of(req), job->body, job->body_len,
                                                       dec_committed, job);
    if (rv == YC_OK) {
        res->status = 0;
        res->pending = pend;
        job = NULL; /* dec_committed owns it */
        goto out;
    }
    rv = yc_api_error(res, rv == YC_ERR_INVALID ? YC_ERR_INTERNAL : rv);
out:
    if (job != NULL) {
        yc_api_pending_abandon(job->p);
        yc_free(job->body);
        yc_free(job);
    }
    if (ev != NULL) {
        json_decref(ev->json);
        yc_api_local_evidence_clear(&ev->local);
    }
    yc_free(ev);
    yc_decision_clear(&d);
    json_decref(obj);
    json_decref(body);
    yc_api_policy_release(api, snap);
    return rv;
}

yc_err yc_api_get_decision(yc_api *api, const yc_api_request *req, const char *id, size_t id_len,
                           yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    if (!yc_decision_id_is_valid(id, id_len))
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "expected dec_ and 22 base64url characters", "id");
    if (api->store == NULL)
        return not_ready(res, "the store is not open");
    char key[YC_DECISION_ID_LEN + 1];
    memcpy(key, id, YC_DECISION_ID_LEN);
    key[YC_DECISION_ID_LEN] = '\0';
    char *json = NULL, creator[YC_DECISION_CREATOR_LEN + 1] = "";
    size_t len = 0;
    rv = yc_store_decision_get_with_creator(api->store, key, creator, &json, &len);
    if (rv == YC_OK && !may_read(api, req, creator)) {
        /* another client's decision: the same answer as an unknown id (defect 1) */
        yc_free(json);
        json = NULL;
        rv = YC_ERR_NOT_FOUND;
    }
    if (rv == YC_ERR_NOT_FOUND)
        return yc_api_problem(res, 404, PROBLEM_UNKNOWN_DECISION, "Unknown decision",
                              "no decision with this id", "id");
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    yc_free(res->body);
    res->body = json;
    res->body_len = len;
    res->status = 200;
    res->content_type = "application/json";
    return YC_OK;
}
