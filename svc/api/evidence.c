/* A local subject's evidence, shared by the attestation issuer (attestations.c) and the
 * decisions (decisions.c): stored records -> the shared ones this instance recognises ->
 * score -> listings (issue 5 review finding 11). */
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/shared.h"

/* The score as a struct (no JSON): facts and reasons sized n, as yc_score_records_json(). */
static yc_err score_struct(const yc_model *model, const yc_record *recs, size_t n, yc_date as_of,
                           yc_api_local_evidence *ret)
{
    YC_ENSURE(n >= 1, YC_ERR_INVALID);
    YC_ENSURE(n <= YC_SCORE_FACTS_MAX, YC_ERR_TOO_LARGE);
    yc_fact *facts = yc_calloc(n, sizeof *facts);
    yc_score_reason *reasons = yc_calloc(n, sizeof *reasons);
    yc_err rv = YC_ERR_NOMEM;
    if (facts == NULL || reasons == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        yc_record_to_fact(&recs[i], &facts[i]);
    yc_score_result r;
    rv = yc_score_compute(model, recs[0].subject_type, facts, n, as_of, reasons, n, &r);
    if (rv != YC_OK)
        goto out;
    rv = YC_ERR_INTERNAL; /* the model's rating codes: "A".."D" or a band code */
    char *dst = r.is_grade ? ret->grade : ret->band;
    size_t cap = r.is_grade ? sizeof ret->grade : sizeof ret->band;
    if (r.rating == NULL || strlen(r.rating) >= cap)
        goto out;
    memcpy(dst, r.rating, strlen(r.rating) + 1);
    ret->subject_type = r.subject_type;
    ret->score = (int)r.score;
    rv = YC_OK;
out:
    yc_free(reasons);
    yc_free(facts);
    return rv;
}

/* The same members read back from the score object (the issuer needs the object itself). */
static yc_err score_from_json(const json_t *score, yc_api_local_evidence *ret)
{
    const char *type = json_string_value(json_object_get(score, "subject_type"));
    const char *grade = json_string_value(json_object_get(score, "grade"));
    const char *band = json_string_value(json_object_get(score, "band"));
    json_t *sc = json_object_get(score, "score");
    YC_ENSURE(type != NULL && yc_subject_type_parse(type, &ret->subject_type) == YC_OK,
              YC_ERR_INTERNAL);
    YC_ENSURE(json_is_integer(sc) && json_integer_value(sc) >= 0 && json_integer_value(sc) <= 1000,
              YC_ERR_INTERNAL);
    YC_ENSURE((grade == NULL) != (band == NULL), YC_ERR_INTERNAL);
    YC_ENSURE(grade == NULL || strlen(grade) < sizeof ret->grade, YC_ERR_INTERNAL);
    YC_ENSURE(band == NULL || strlen(band) < sizeof ret->band, YC_ERR_INTERNAL);
    if (grade != NULL)
        memcpy(ret->grade, grade, strlen(grade) + 1);
    if (band != NULL)
        memcpy(ret->band, band, strlen(band) + 1);
    ret->score = (int)json_integer_value(sc);
    return YC_OK;
}

bool yc_api_local_evidence_get(yc_api *api, const yc_policy_snap *snap, const char *sid,
                               yc_date as_of, const char *field, bool want_json,
                               yc_api_local_evidence *ev, yc_api_response *res, yc_err *ret)
{
    yc_record *recs = NULL;
    size_t n = 0;
    bool ok = false;
    memset(ev, 0, sizeof *ev);
    yc_err rv = yc_store_subject_records(api->store, sid, &recs, &n);
    if ((rv == YC_OK && n == 0) || rv == YC_ERR_NOT_FOUND) {
        *ret = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "Unknown subject",
                              "no records of this subject", field);
        goto out;
    }
    /* shared records count only as the recognition policy says (docs/sharing.md §4), as in
     * the instance's scores: the host is this instance, whatever catalogue is asked for */
    if (rv == YC_OK)
        n = yc_shared_keep_recognised(recs, n, api->cfg.attest.issuer_region, snap->recognition,
                                      snap->lists);
    if (rv == YC_OK && n == 0) { /* only shared records this instance does not count */
        *ret = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "Unknown subject",
                              "no records of this subject count here", field);
        goto out;
    }
    if (rv == YC_OK && want_json) {
        rv = yc_score_records_object(snap->model, sid, recs, n, as_of, &ev->score_json);
        if (rv == YC_OK)
            rv = score_from_json(ev->score_json, ev);
    } else if (rv == YC_OK) {
        rv = score_struct(snap->model, recs, n, as_of, ev);
    }
    if (rv != YC_OK) {
        *ret = yc_api_error(res, rv);
        goto out;
    }
    if (snap->lists == NULL) {
        *ret = yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                              "the list rules (policy/lists.json) are not loaded", NULL);
        goto out;
    }
    rv = yc_lists_derive(snap->lists, snap->calendar, recs, n,
                         ev->grade[0] != '\0' ? ev->grade : NULL, as_of, ev->listings,
                         YC_LIST_COUNT, &ev->n_listings);
    if (rv != YC_OK) {
        *ret = yc_api_error(res, rv);
        goto out;
    }
    ok = true;
out:
    if (!ok)
        yc_api_local_evidence_clear(ev);
    yc_store_records_free(recs);
    return ok;
}

void yc_api_local_evidence_clear(yc_api_local_evidence *ev)
{
    json_decref(ev->score_json);
    ev->score_json = NULL;
}

yc_err yc_api_random_id22(char ret[static 23])
{
    uint8_t raw[16];
    YC_TRY(yc_crypto_random(raw, sizeof raw));
    return yc_b64url_encode(raw, sizeof raw, ret); /* 22 characters and the NUL */
}
