/* Self-service of a subject client (issue 6 item 4): getMe, getMyScore, listMyRecords,
 * issueMyAttestation, and the routing of the /v1/me routes of engineer D and of /v1/repairs
 * (repairs.c).
 *
 * The subject is always the one the client's token is bound to (yc_api_ident.subject), never a
 * path or query value, so a subject can read nothing but its own.  A caller without a client
 * is 401; a client of another role (an admin binds no subject) is 403.  The subject's own
 * reads are not query-logged (item 3 logs reads by anyone else). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api_attest.h"
#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/shared.h"
#include "yrdcredit/store_repair.h"

bool yc_api_me_subject(const yc_api_request *req, yc_api_response *res, yc_err *ret,
                       char sid[static YC_SUBJECT_ID_MAX + 1])
{
    const yc_api_ident *id = req->ident;
    if (id == NULL || id->kind != YC_API_IDENT_CLIENT) {
        *ret = yc_api_problem(res, 401, YC_API_PROBLEM_UNAUTHORIZED, "Unauthorized",
                              "this route needs the bearer token of a subject client",
                              "authorization");
        res->www_authenticate = "Bearer";
        return false;
    }
    const size_t n = strnlen(id->subject, sizeof id->subject);
    if (id->role != YC_ROLE_SUBJECT || n == 0 || n > YC_SUBJECT_ID_MAX ||
        !yc_subject_id_is_valid(id->subject, n)) {
        *ret = yc_api_problem(res, 403, YC_API_PROBLEM_FORBIDDEN, "Forbidden",
                              "the client is not bound to a subject (role subject)", NULL);
        res->www_authenticate = "Bearer error=\"insufficient_scope\"";
        return false;
    }
    memcpy(sid, id->subject, n + 1);
    return true;
}

yc_status yc_api_record_status_on(const yc_record *rec, yc_date today)
{
    if (rec->status == YC_STATUS_ACTIVE && rec->pub_max_end != YC_DATE_NONE &&
        rec->pub_max_end != YC_DATE_LONG_TERM && rec->pub_max_end < today)
        return YC_STATUS_EXPIRED;
    return rec->status;
}

/* ---- getMe ---- */

static yc_err get_me(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    char sid[YC_SUBJECT_ID_MAX + 1];
    if (!yc_api_me_subject(req, res, &rv, sid) ||
        !yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    yc_store_subject subj = {0};
    yc_record *recs = NULL;
    size_t n = 0, pending = 0;
    rv = yc_store_subject_get(api->store, sid, &subj);
    const bool known = rv == YC_OK;
    if (rv == YC_OK)
        rv = yc_store_subject_records(api->store, sid, &recs, &n);
    else if (rv == YC_ERR_NOT_FOUND)
        rv = YC_OK;
    if (rv == YC_OK)
        rv = yc_store_repairs_pending_count(api->store, sid, &pending);
    if (rv != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    size_t by_status[YC_STATUS_COUNT] = {0};
    const yc_date today = yc_date_today_shanghai(); /* an active record past pub_max_end: expired */
    for (size_t i = 0; i < n; i++) {
        const yc_status st = yc_api_record_status_on(&recs[i], today);
        if ((unsigned)st < YC_STATUS_COUNT)
            by_status[st]++;
    }
    json_t *counts = json_object();
    json_t *o = json_object();
    if (counts != NULL && o != NULL) {
        json_object_set_new(counts, "total", json_integer((json_int_t)n));
        for (int s = 0; s < YC_STATUS_COUNT; s++)
            json_object_set_new(counts, yc_status_str((yc_status)s),
                                json_integer((json_int_t)by_status[s]));
        const bool merchant = known && subj.type != YC_SUBJECT_NATURAL_PERSON;
        json_object_set_new(o, "client_id", json_string(req->ident->client_id));
        json_object_set_new(o, "subject_id", json_string(sid));
        json_object_set_new(o, "subject_type",
                            known ? json_string(yc_subject_type_str(subj.type)) : json_null());
        json_object_set_new(o, "known", json_boolean(known));
        /* a merchant's USCC is its subject id and its name is public (双公示); a person is
         * shown only by the pseudonym (PIPL; issue 6 acceptance), whose id is no USCC */
        json_object_set_new(o, "uscc", strlen(sid) == YC_USCC_LEN ? json_string(sid) : json_null());
        json_object_set_new(
            o, "name", merchant && subj.name[0] != '\0' ? json_string(subj.name) : json_null());
        json_object_set_new(o, "records", json_incref(counts));
        json_object_set_new(o, "repairs_pending", json_integer((json_int_t)pending));
    }
    json_decref(counts);
    rv = yc_api_json(res, 200, o);
out:
    yc_store_records_free(recs);
    return rv;
}

/* ---- getMyScore ---- */

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

/* Why a negative record of @p code cannot be repaired on application (domain.md §4, §(a)). */
static const char *not_repairable_why(yc_code code)
{
    switch (code) {
    case YC_CODE_N01:
        return "minor penalty: not published, it stops counting by itself";
    case YC_CODE_N11:
        return "失信被执行人: removed by the court on performance, not by credit repair";
    case YC_CODE_N13:
        return "criminal judgment: not repairable by credit repair";
    default:
        return "the score model marks this record type as not repairable";
    }
}

/* The record of @p rid among @p recs, or n. */
static size_t find_record(const yc_record *recs, size_t n, uint64_t rid)
{
    for (size_t i = 0; i < n; i++)
        if (recs[i].record_id == rid)
            return i;
    return n;
}

/* Add repair_from, score_if_repaired and (when no repair is possible) repair_unavailable to
 * every negative reason of @p score (item 4): the score if repaired is the same computation
 * with that one record repaired (status repaired: it no longer counts). */
static yc_err add_repair_info(const yc_policy_snap *pol, const char *sid, yc_record *recs, size_t n,
                              yc_date as_of, json_t *score)
{
    json_t *reasons = json_object_get(score, "reasons");
    size_t i;
    json_t *r;
    json_array_foreach(reasons, i, r)
    {
        const char *code_s = json_string_value(json_object_get(r, "code"));
        const char *rid_s = json_string_value(json_object_get(r, "record_id"));
        yc_code code;
        if (code_s == NULL || rid_s == NULL || yc_code_parse(code_s, &code) != YC_OK)
            return YC_ERR_INTERNAL;
        if (code_s[0] != 'N')
            continue;
        char *end = NULL;
        const uint64_t rid = strtoull(rid_s, &end, 10);
        const size_t k = find_record(recs, n, rid);
        if (k == n)
            return YC_ERR_INTERNAL;
        if (!yc_model_code_repairable(pol->model, code) || recs[k].origin[0] != '\0') {
            json_object_set_new(r, "repair_from", json_null());
            json_object_set_new(r, "score_if_repaired", json_null());
            json_object_set_new(r, "repair_unavailable",
                                json_string(recs[k].origin[0] != '\0'
                                                ? "shared by a partner instance: repaired there"
                                                : not_repairable_why(code)));
            continue;
        }
        const yc_date from = recs[k].pub_min_end;
        char from_s[YC_DATE_STR_LEN + 1];
        if (from != YC_DATE_NONE)
            yc_date_format(from, from_s);
        const yc_status saved = recs[k].status;
        recs[k].status = YC_STATUS_REPAIRED;
        json_t *alt = NULL;
        yc_err rv = yc_score_records_object(pol->model, sid, recs, n, as_of, &alt);
        recs[k].status = saved;
        YC_TRY(rv);
        json_t *sc = json_incref(json_object_get(alt, "score"));
        json_decref(alt);
        YC_ENSURE(sc != NULL, YC_ERR_INTERNAL);
        json_object_set_new(r, "repair_from",
                            from != YC_DATE_NONE ? json_string(from_s) : json_null());
        json_object_set_new(r, "score_if_repaired", sc);
        json_object_set_new(r, "repair_unavailable", json_null());
    }
    return YC_OK;
}

static yc_err get_my_score(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const allowed[] = {"as_of", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    char sid[YC_SUBJECT_ID_MAX + 1];
    if (!yc_api_me_subject(req, res, &rv, sid) ||
        !yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    yc_date as_of;
    if (!parse_as_of(&q, &as_of))
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "expected a real date YYYY-MM-DD in 1900..2099", "as_of");
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    const yc_policy_snap *pol = yc_api_policy_acquire(api);
    if (pol == NULL)
        return yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                              "the score model is not loaded", NULL);
    yc_record *recs = NULL;
    size_t n = 0;
    json_t *score = NULL;
    rv = yc_store_subject_records(api->store, sid, &recs, &n);
    if ((rv == YC_OK && n == 0) || rv == YC_ERR_NOT_FOUND) {
        rv = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "Unknown subject",
                            "no records of the client's subject", "subject_id");
        goto out;
    }
    if (rv == YC_OK) {
        /* as getSubjectScore: shared records count only as the recognition policy says */
        n = yc_shared_keep_recognised(recs, n, api->cfg.attest.issuer_region, pol->recognition,
                                      pol->lists);
        rv = n == 0 ? YC_ERR_NOT_FOUND
                    : yc_score_records_object(pol->model, sid, recs, n, as_of, &score);
    }
    if (rv == YC_OK)
        rv = add_repair_info(pol, sid, recs, n, as_of, score);
    if (rv == YC_ERR_NOT_FOUND)
        rv = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "Unknown subject",
                            "no records of the client's subject count here", "subject_id");
    else if (rv == YC_OK) {
        rv = yc_api_json(res, 200, score);
        score = NULL;
    } else
        rv = yc_api_error(res, rv);
out:
    json_decref(score);
    yc_store_records_free(recs);
    yc_api_policy_release(api, pol);
    return rv;
}

/* ---- listMyRecords, issueMyAttestation ---- */

static yc_err list_my_records(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    yc_err rv = YC_OK;
    char sid[YC_SUBJECT_ID_MAX + 1];
    if (!yc_api_me_subject(req, res, &rv, sid))
        return rv;
    return yc_api_list_records(api, req, sid, res);
}

static yc_err issue_my_attestation(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    yc_err rv = YC_OK;
    char sid[YC_SUBJECT_ID_MAX + 1];
    if (!yc_api_me_subject(req, res, &rv, sid))
        return rv;
    return yc_api_issue_attestation(api, req, sid, res);
}

/* ---- routing ---- */

bool yc_api_d_route_owns(const char *path)
{
    return strcmp(path, "/v1/me") == 0 || strcmp(path, "/v1/me/score") == 0 ||
           strcmp(path, "/v1/me/records") == 0 || strcmp(path, "/v1/me/attestations") == 0 ||
           strcmp(path, "/v1/me/repairs") == 0 || strcmp(path, "/v1/repairs") == 0 ||
           strncmp(path, "/v1/repairs/", 12) == 0;
}

static yc_err method_not_allowed(yc_api_response *res, const char *allow)
{
    yc_err rv = yc_api_problem(res, 405, YC_API_PROBLEM_METHOD, "Method not allowed",
                               "this resource does not support the request method", NULL);
    if (rv == YC_OK)
        res->allow = allow;
    return rv;
}

yc_err yc_api_d_route(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    const char *path = req->path, *m = req->method;
    const bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    const bool post = strcmp(m, "POST") == 0;
    if (strcmp(path, "/v1/me") == 0)
        return get ? get_me(api, req, res) : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/v1/me/score") == 0)
        return get ? get_my_score(api, req, res) : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/v1/me/records") == 0)
        return get ? list_my_records(api, req, res) : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/v1/me/attestations") == 0)
        return post ? issue_my_attestation(api, req, res) : method_not_allowed(res, "POST");
    if (strcmp(path, "/v1/me/repairs") == 0)
        return get    ? yc_api_list_my_repairs(api, req, res)
               : post ? yc_api_create_repair(api, req, res)
                      : method_not_allowed(res, "GET, HEAD, POST");
    if (strcmp(path, "/v1/repairs") == 0)
        return get ? yc_api_list_repairs(api, req, res) : method_not_allowed(res, "GET, HEAD");
    static const char rp[] = "/v1/repairs/";
    const char *id = path + sizeof rp - 1;
    const char *slash = strchr(id, '/');
    if (slash == NULL || slash == id)
        return yc_api_problem(res, 404, YC_API_PROBLEM_NOT_FOUND, "Not found", "no such resource",
                              NULL);
    bool approve;
    if (strcmp(slash, "/approve") == 0)
        approve = true;
    else if (strcmp(slash, "/reject") == 0)
        approve = false;
    else
        return yc_api_problem(res, 404, YC_API_PROBLEM_NOT_FOUND, "Not found", "no such resource",
                              NULL);
    return post ? yc_api_decide_repair(api, req, id, (size_t)(slash - id), approve, res)
                : method_not_allowed(res, "POST");
}
