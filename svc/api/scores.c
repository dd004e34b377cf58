/* OpenAPI tag "scores": getSubjectScore. */
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"

/* Compute the score and put the engine's JSON (as `yrdcredit score` prints it) in res. */
static yc_err score_json(const yc_api *api, const char *subject_id, const yc_record *recs, size_t n,
                         yc_date as_of, yc_api_response *res)
{
    char *json = NULL;
    size_t len = 0;
    YC_TRY(yc_score_records_json(api->model, subject_id, recs, n, as_of, &json, &len));
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
    char buf[YC_DATE_STR_LEN + 1];
    if (len != YC_DATE_STR_LEN)
        return false;
    memcpy(buf, v, len);
    buf[len] = '\0';
    return yc_date_parse_iso(buf, ret) == YC_OK;
}

yc_err yc_api_get_score(yc_api *api, const yc_api_request *req, const char *subject_id,
                        yc_api_response *res)
{
    static const char *const allowed[] = {"as_of", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    yc_date as_of = YC_DATE_NONE;
    if (!parse_as_of(&q, &as_of))
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "expected a real date YYYY-MM-DD in 1900..2099", "as_of");
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    yc_record *recs = NULL;
    size_t n = 0;
    rv = yc_store_subject_records(api->store, subject_id, &recs, &n);
    if ((rv == YC_OK && n == 0) || rv == YC_ERR_NOT_FOUND)
        rv = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "Unknown subject",
                            "no records of this subject", "subject_id");
    else if (rv == YC_OK)
        rv = score_json(api, subject_id, recs, n, as_of, res);
    else
        rv = yc_api_error(res, rv);
    yc_store_records_free(recs);
    return rv;
}
