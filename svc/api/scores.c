/* OpenAPI tag "scores": getSubjectScore. */
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/shared.h"

/* Compute the score and put the engine's JSON (as `yrdcredit score` prints it) in res. */
static yc_err score_json(const yc_policy_snap *pol, const char *subject_id, const yc_record *recs,
                         size_t n, yc_date as_of, yc_api_response *res)
{
    char *json = NULL;
    size_t len = 0;
    YC_TRY(yc_score_records_json(pol->model, subject_id, recs, n, as_of, &json, &len));
    yc_free(res->body);
    res->body = json;
    res->body_len = len;
    res->status = 200;
    res->content_type = "application/json";
    return YC_OK;
}

static bool parse_as_of(const yc_api_query *q, yc_date *ret)
{
    size_t len = 0;
    const char *v = yc_api_query_get(q, "as_of", &len);
    if (v == NULL) {
        *ret = yc_date_today_shanghai();
        return true;
    }
    return yc_api_parse_as_of(v, len, ret);
}

/* The cache of the request's worker, created on its first use; NULL: no cache. */
static yc_score_cache *worker_cache(yc_api *api, unsigned worker)
{
    if (api->cache_entries == 0 || worker >= YC_API_WORKERS_MAX)
        return NULL;
    /* out of memory: serve this request without a cache, try again with the next one */
    if (api->caches[worker] == NULL &&
        yc_score_cache_new(api->cache_entries, &api->caches[worker]) != YC_OK)
        return NULL;
    return api->caches[worker];
}

/* Answer from the cache when it holds (id, as_of) of the store's current generation. */
static bool cache_hit(yc_api *api, yc_score_cache *cache, const yc_policy_snap *pol, const char *id,
                      size_t id_len, yc_date as_of, yc_api_response *res, yc_err *ret)
{
    if (cache == NULL)
        return false;
    size_t len = 0;
    uint64_t gen = 0;
    const char *hit = yc_store_records_generation(api->store, &gen) == YC_OK
                          ? yc_score_cache_get(cache, id, id_len, as_of, gen, pol->generation, &len)
                          : NULL;
    if (hit == NULL)
        return false;
    *ret = yc_api_raw(res, 200, hit, len);
    return true;
}

yc_err yc_api_get_score(yc_api *api, const yc_api_request *req, const char *id, size_t id_len,
                        yc_api_response *res)
{
    static const char *const allowed[] = {"as_of", "purpose", "consent_id", NULL};
    /* First the cache: its keys are ids that passed yc_subject_id_is_valid() (only 200
     * answers are kept), so a hit needs neither that check nor the store.  The query is parsed
     * silently here; its problems are reported below, in the documented order. */
    yc_api_query q;
    yc_api_response scratch = {0};
    yc_err rv = YC_OK;
    yc_record *recs = NULL;
    const bool query_ok = yc_api_query_parse(req->query, allowed, &q, &scratch, &rv);
    yc_api_response_clear(&scratch);
    yc_date as_of = YC_DATE_NONE;
    const bool as_of_ok = query_ok && parse_as_of(&q, &as_of);
    /* one snapshot for the whole request: the cache entry is of its generation */
    const yc_policy_snap *pol = yc_api_policy_acquire(api);
    const bool ready = pol != NULL && api->rules != NULL && api->store != NULL;
    yc_score_cache *cache =
        as_of_ok && ready && id_len <= YC_SUBJECT_ID_MAX ? worker_cache(api, req->worker) : NULL;
    /* issue 6 item 2: a client's read is checked (purpose, consent) before any answer */
    const bool client = req->ident != NULL && req->ident->kind == YC_API_IDENT_CLIENT;
    if (!client && cache_hit(api, cache, pol, id, id_len, as_of, res, &rv))
        goto out;
    /* 400 subject_id, 400 query or as_of, 503 not ready: in this order */
    if (!yc_subject_id_is_valid(id, id_len)) {
        rv = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                            "not a valid 统一社会信用代码 or 'P' pseudonym", "subject_id");
        goto out;
    }
    if (!query_ok && !yc_api_query_parse(req->query, allowed, &q, res, &rv))
        goto out;
    if (!as_of_ok) {
        rv = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                            "expected a real date YYYY-MM-DD in 1900..2099", "as_of");
        goto out;
    }
    if (!ready) {
        rv = yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                            "the record store or the score model is not loaded", NULL);
        goto out;
    }
    char subject_id[YC_SUBJECT_ID_MAX + 1];
    memcpy(subject_id, id, id_len);
    subject_id[id_len] = '\0';
    if (client) {
        size_t plen = 0, clen = 0;
        const char *purpose = yc_api_query_get(&q, "purpose", &plen);
        const char *consent = yc_api_query_get(&q, "consent_id", &clen);
        if (!yc_api_access_check(api, req, YC_API_READ_SCORE, subject_id, purpose, plen, consent,
                                 clen, false, res, &rv) ||
            cache_hit(api, cache, pol, id, id_len, as_of, res, &rv))
            goto out;
    }
    uint64_t stamp = 0;
    /* Stamp before reading: the records are of this snapshot or a later one. */
    if (cache != NULL && yc_store_records_generation(api->store, &stamp) != YC_OK)
        cache = NULL;
    size_t n = 0;
    rv = yc_store_subject_records(api->store, subject_id, &recs, &n);
    if ((rv == YC_OK && n == 0) || rv == YC_ERR_NOT_FOUND)
        rv = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "Unknown subject",
                            "no records of this subject", "subject_id");
    else if (rv == YC_OK) {
        /* shared records count only as the recognition policy says (docs/sharing.md §4) */
        n = yc_shared_keep_recognised(recs, n, api->cfg.attest.issuer_region, pol->recognition,
                                      pol->lists);
        rv = score_json(pol, subject_id, recs, n, as_of, res);
        if (rv == YC_OK && cache != NULL)
            yc_score_cache_put(cache, subject_id, id_len, as_of, stamp, pol->generation, res->body,
                               res->body_len);
    } else
        rv = yc_api_error(res, rv);
out:
    yc_store_records_free(recs);
    yc_api_policy_release(api, pol);
    return rv;
}
