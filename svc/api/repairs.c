/* Credit repair (信用修复, issue 6 item 6): createRepair and listMyRepairs (the subject client's
 * own), listRepairs, approveRepair and rejectRepair (admins).
 *
 * Filing: only the subject's own record (else 404 record_id), only an active record (409
 * otherwise: disputed, already repaired, expired, revoked), only a code the score model marks
 * repairable (422 not-repairable: e.g. 失信被执行人 N11 ends by performance), only from the
 * record's pub_min_end on (422 repair-too-early with `repair_from`), and one pending
 * application per record (409).  Approval moves the record to `repaired` at once and marks the
 * application approved in one transaction (yc_store_repair_decide(); the records' generation
 * moves, so no score cache serves the old number); both decisions write an audit entry
 * (repair_approve / repair_reject, actor the admin's client id, target the repair id), refused
 * second decisions too.  Decisions of this process are serialised by one mutex, so an approval
 * and a rejection of the same application cannot both reach the store. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api_attest.h"
#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/record_json.h"
#include "yrdcredit/store_audit.h"
#include "yrdcredit/store_objection.h"
#include "yrdcredit/store_repair.h"

#define PROBLEM_UNKNOWN_RECORD "unknown-record"   /* 404 record_id */
#define PROBLEM_UNKNOWN_REPAIR "unknown-repair"   /* 404 id */
#define PROBLEM_NOT_REPAIRABLE "not-repairable"   /* 422 code not repairable */
#define PROBLEM_TOO_EARLY      "repair-too-early" /* 422 before pub_min_end */
#define PROBLEM_CONFLICT       "repair-conflict"  /* 409 */

static pthread_mutex_t decide_mu = PTHREAD_MUTEX_INITIALIZER;

static json_t *time_json(int64_t ms)
{
    char s[YC_TIME_RFC3339_LEN + 1];
    yc_time_rfc3339(ms / 1000, s);
    return json_string(s);
}

/* The JSON of an application (api/openapi.yaml schema Repair). */
static json_t *repair_json(const yc_store_repair *r)
{
    json_t *ev = json_array();
    for (size_t i = 0; ev != NULL && i < r->n_evidence; i++)
        if (json_array_append_new(ev, json_string(r->evidence[i])) != 0) {
            json_decref(ev);
            ev = NULL;
        }
    if (ev == NULL)
        return NULL;
    char rid[24];
    snprintf(rid, sizeof rid, "%" PRIu64, r->record_id);
    const bool decided = r->status != YC_REPAIR_PENDING;
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "id", r->id, "record_id",
                     rid, "subject_id", r->subject_id, "commitment", r->commitment, "evidence", ev,
                     "status", yc_repair_status_name((yc_repair_status)r->status), "filed_at",
                     time_json(r->filed_at_ms), "decided_by",
                     decided ? json_string(r->decided_by) : json_null(), "decided_at",
                     decided ? time_json(r->decided_at_ms) : json_null(), "reason",
                     r->reason[0] != '\0' ? json_string(r->reason) : json_null());
}

/* {"repairs": [...], "next_cursor": "rp_…" | null} */
static yc_err page_json(yc_api_response *res, const yc_store_repair *arr, size_t n,
                        const char *next)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++)
        if (json_array_append_new(a, repair_json(&arr[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    if (a == NULL)
        return yc_api_error(res, YC_ERR_NOMEM);
    return yc_api_json(res, 200,
                       json_pack("{s:o, s:o}", "repairs", a, "next_cursor",
                                 next[0] != '\0' ? json_string(next) : json_null()));
}

/* limit (1..100, default 20) and cursor (a repair id) of the listings; false when answered. */
static bool page_params(const yc_api_query *q, size_t *limit, const char **cursor,
                        char cursor_buf[static YC_REPAIR_CURSOR_MAX + 1], yc_api_response *res,
                        yc_err *ret)
{
    size_t len = 0;
    uint64_t lim = YC_API_PAGE_DEFAULT;
    const char *v = yc_api_query_get(q, "limit", &len);
    if (v != NULL && !yc_api_parse_limit(v, len, &lim)) {
        *ret = yc_api_bad_param(res, "limit", "expected an integer in 1..100");
        return false;
    }
    *limit = (size_t)lim;
    *cursor = NULL;
    v = yc_api_query_get(q, "cursor", &len);
    if (v != NULL) {
        if (len != YC_REPAIR_ID_LEN) {
            *ret = yc_api_bad_param(res, "cursor", "not a cursor returned by this API");
            return false;
        }
        memcpy(cursor_buf, v, len);
        cursor_buf[len] = '\0';
        if (!yc_repair_id_ok(cursor_buf)) {
            *ret = yc_api_bad_param(res, "cursor", "not a cursor returned by this API");
            return false;
        }
        *cursor = cursor_buf;
    }
    return true;
}

/* ---- createRepair ---- */

/* record_id: a decimal string (as the record listings give it) or a positive integer. */
static bool parse_record_id(json_t *v, uint64_t *ret)
{
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *ret = (uint64_t)json_integer_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (s == NULL)
        return false;
    const size_t n = json_string_length(v);
    if (n == 0 || n > 20 || s[0] == '0')
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        const uint64_t d = (uint64_t)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *ret = x;
    return true;
}

/* A text member: a string of 1..max bytes by yc_repair_text_ok() (no NUL inside). */
static bool text_member(json_t *v, size_t max, char *dst)
{
    const char *s = json_string_value(v);
    if (s == NULL || json_string_length(v) != strlen(s) || !yc_repair_text_ok(s, max))
        return false;
    memcpy(dst, s, strlen(s) + 1);
    return true;
}

/* The JSON Pointer of an unknown member @p key ("/key"; "" for a key that cannot be named,
 * the object's fault), like every other route (issue 6 breaker defect 7). */
static const char *member_pointer(const char *key, char ptr[static 40])
{
    if (!yc_api_key_is_nameable(key)) /* nameable: 1..32 bytes */
        return "";
    snprintf(ptr, 40, "/%s", key);
    return ptr;
}

/* The body of createRepair into @p r; false when answered (400 naming the member). */
static bool parse_filing(json_t *body, yc_store_repair *r, yc_api_response *res, yc_err *ret)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        char ptr[40];
        if (strcmp(key, "record_id") != 0 && strcmp(key, "commitment") != 0 &&
            strcmp(key, "evidence") != 0) {
            *ret = yc_api_bad_field(res, member_pointer(key, ptr),
                                    "unknown member: allowed are record_id, commitment, evidence");
            return false;
        }
    }
    if (!parse_record_id(json_object_get(body, "record_id"), &r->record_id)) {
        *ret = yc_api_bad_field(res, "/record_id", "required: a record id (decimal string)");
        return false;
    }
    if (!text_member(json_object_get(body, "commitment"), YC_REPAIR_COMMITMENT_MAX,
                     r->commitment)) {
        *ret =
            yc_api_bad_field(res, "/commitment",
                             "required: the 信用承诺, 1..1000 bytes of UTF-8 without control "
                             "characters, runs of more than 14 digits (full-width digits count; "
                             "only letters and CJK ideographs end a run) or a letter followed by "
                             "7 digits");
        return false;
    }
    json_t *ev = json_object_get(body, "evidence");
    static const char ev_rule[] = "required: a string or a list of 1..8 strings, each 1..200 "
                                  "bytes of UTF-8 without control characters, runs of more "
                                  "than 14 digits (full-width digits count; only letters and "
                                  "CJK ideographs end a run) or a letter followed by 7 digits";
    if (json_is_string(ev)) {
        r->n_evidence = 1;
        if (!text_member(ev, YC_REPAIR_EVIDENCE_ITEM_MAX, r->evidence[0])) {
            *ret = yc_api_bad_field(res, "/evidence", ev_rule);
            return false;
        }
        return true;
    }
    if (!json_is_array(ev) || json_array_size(ev) == 0 ||
        json_array_size(ev) > YC_REPAIR_EVIDENCE_MAX) {
        *ret = yc_api_bad_field(res, "/evidence", ev_rule);
        return false;
    }
    r->n_evidence = json_array_size(ev);
    for (size_t i = 0; i < r->n_evidence; i++) {
        if (!text_member(json_array_get(ev, i), YC_REPAIR_EVIDENCE_ITEM_MAX, r->evidence[i])) {
            char ptr[32];
            snprintf(ptr, sizeof ptr, "/evidence/%zu", i);
            *ret = yc_api_bad_field(res, ptr, ev_rule);
            return false;
        }
    }
    return true;
}

/* Why @p rec cannot be repaired now (false: it can); answered in res. */
static bool refuse_record(yc_api *api, const yc_record *rec, yc_date today, yc_api_response *res,
                          yc_err *ret)
{
    const yc_status st = yc_api_record_status_on(rec, today); /* expired: derived, not stored */
    if (st != YC_STATUS_ACTIVE) {
        char detail[128];
        snprintf(detail, sizeof detail, "the record is %s: only an active record can be repaired",
                 yc_status_str(st));
        *ret = yc_api_problem_with(res, 409, PROBLEM_CONFLICT, "Conflict", detail, "record_id",
                                   "record_status", json_string(yc_status_str(st)));
        return true;
    }
    if (rec->origin[0] != '\0') { /* docs/sharing.md: the origin owns a shared record */
        *ret =
            yc_api_problem_with(res, 422, PROBLEM_NOT_REPAIRABLE, "Not repairable",
                                "the record was shared by a partner instance: it is repaired there",
                                "record_id", "code", json_string(yc_code_str(rec->code)));
        return true;
    }
    const yc_policy_snap *pol = yc_api_policy_acquire(api);
    const bool repairable = pol != NULL && yc_model_code_repairable(pol->model, rec->code);
    yc_api_policy_release(api, pol);
    if (!repairable) {
        *ret =
            yc_api_problem_with(res, 422, PROBLEM_NOT_REPAIRABLE, "Not repairable",
                                rec->code == YC_CODE_N11
                                    ? "失信被执行人 is removed by the court on performance, not by "
                                      "credit repair"
                                    : "the score model marks this record type as not repairable",
                                "record_id", "code", json_string(yc_code_str(rec->code)));
        return true;
    }
    if (rec->pub_min_end != YC_DATE_NONE && today < rec->pub_min_end) {
        char from[YC_DATE_STR_LEN + 1];
        yc_date_format(rec->pub_min_end, from);
        *ret =
            yc_api_problem_with(res, 422, PROBLEM_TOO_EARLY, "Too early",
                                "repair may be requested once the minimum publication period has "
                                "ended (repair_from)",
                                "record_id", "repair_from", json_string(from));
        return true;
    }
    return false;
}

yc_err yc_api_create_repair(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    char sid[YC_SUBJECT_ID_MAX + 1];
    if (!yc_api_me_subject(req, res, &rv, sid) ||
        !yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    json_t *body = NULL;
    if (!yc_api_body_object(api, req, false, res, &rv, &body))
        return rv;
    yc_store_repair *r = yc_calloc(1, sizeof *r);
    if (r == NULL) {
        rv = yc_api_error(res, YC_ERR_NOMEM);
        goto out;
    }
    if (!parse_filing(body, r, res, &rv) || yc_api_not_ready(api, res, &rv))
        goto out;
    yc_record rec;
    rv = yc_store_record_get(api->store, r->record_id, &rec, NULL);
    if (rv == YC_ERR_NOT_FOUND || (rv == YC_OK && strcmp(rec.subject_id, sid) != 0)) {
        rv = yc_api_problem(res, 404, PROBLEM_UNKNOWN_RECORD, "Unknown record",
                            "the client's subject has no record with this id", "record_id");
        goto out;
    }
    if (rv != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    if (refuse_record(api, &rec, yc_date_today_shanghai(), res, &rv))
        goto out;
    char rnd[23];
    if ((rv = yc_api_random_id22(rnd)) != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    snprintf(r->id, sizeof r->id, "%s%s", YC_REPAIR_ID_PREFIX, rnd);
    memcpy(r->subject_id, sid, strlen(sid) + 1);
    r->filed_at_ms = yc_clock_now_ms();
    r->status = YC_REPAIR_PENDING;
    rv = yc_store_repair_put(api->store, r);
    if (rv == YC_ERR_CONFLICT) {
        rv = yc_api_problem(res, 409, PROBLEM_CONFLICT, "Conflict",
                            "a repair application for this record is already pending", "record_id");
        goto out;
    }
    if (rv != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    rv = yc_api_json(res, 201, repair_json(r));
    if (rv == YC_OK)
        snprintf(res->location, sizeof res->location, "/v1/repairs/%s", r->id);
out:
    yc_free(r);
    json_decref(body);
    return rv;
}

/* ---- listMyRepairs, listRepairs ---- */

yc_err yc_api_list_my_repairs(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    char sid[YC_SUBJECT_ID_MAX + 1], cbuf[YC_REPAIR_CURSOR_MAX + 1], next[YC_REPAIR_CURSOR_MAX + 1];
    size_t limit = 0, n = 0;
    const char *cursor = NULL;
    if (!yc_api_me_subject(req, res, &rv, sid) ||
        !yc_api_query_parse(req->query, allowed, &q, res, &rv) ||
        !page_params(&q, &limit, &cursor, cbuf, res, &rv) || yc_api_not_ready(api, res, &rv))
        return rv;
    yc_store_repair *arr = NULL;
    rv = yc_store_repairs_by_subject(api->store, sid, cursor, limit, &arr, &n, next);
    if (rv == YC_ERR_INVALID)
        rv = yc_api_bad_param(res, "cursor", "not a cursor returned by this API");
    else if (rv == YC_OK)
        rv = page_json(res, arr, n, next);
    else
        rv = yc_api_error(res, rv);
    yc_free(arr);
    return rv;
}

yc_err yc_api_list_repairs(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const allowed[] = {"status", "limit", "cursor", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    char cbuf[YC_REPAIR_CURSOR_MAX + 1], next[YC_REPAIR_CURSOR_MAX + 1];
    size_t limit = 0, n = 0, len = 0;
    const char *cursor = NULL;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    yc_repair_status status = YC_REPAIR_STATUS_COUNT;
    const char *v = yc_api_query_get(&q, "status", &len);
    if (v != NULL && yc_repair_status_parse(v, len, &status) != YC_OK)
        return yc_api_bad_param(res, "status", "expected pending, approved or rejected");
    if (!page_params(&q, &limit, &cursor, cbuf, res, &rv) || yc_api_not_ready(api, res, &rv))
        return rv;
    yc_store_repair *arr = NULL;
    rv = yc_store_repairs_list(api->store, status, cursor, limit, &arr, &n, next);
    if (rv == YC_OK)
        rv = page_json(res, arr, n, next);
    else
        rv = yc_api_error(res, rv);
    yc_free(arr);
    return rv;
}

/* ---- approveRepair, rejectRepair ---- */

/* The audit entry of a decision (item 7): actor the admin client, target the repair id. */
static yc_err audit_write(yc_api *api, const char *actor, bool approve, bool ok,
                          const char *repair_id, const char *detail)
{
    yc_store_audit e = {
        .at_ms = yc_clock_now_ms(),
        .action = approve ? YC_AUDIT_REPAIR_APPROVE : YC_AUDIT_REPAIR_REJECT,
        .outcome = ok ? YC_AUDIT_OK : YC_AUDIT_REFUSED,
    };
    snprintf(e.actor, sizeof e.actor, "%s", actor);
    snprintf(e.target, sizeof e.target, "%s", repair_id);
    snprintf(e.detail, sizeof e.detail, "%s", detail);
    return yc_store_audit_append(api->store, &e, NULL);
}

/* The admin client deciding; false when answered (401 without a client, 403 another role). */
static bool admin_client(const yc_api_request *req, yc_api_response *res, yc_err *ret)
{
    const yc_api_ident *id = req->ident;
    if (id == NULL || id->kind != YC_API_IDENT_CLIENT) {
        *ret = yc_api_problem(res, 401, YC_API_PROBLEM_UNAUTHORIZED, "Unauthorized",
                              "a repair decision needs an admin client's bearer token",
                              "authorization");
        res->www_authenticate = "Bearer";
        return false;
    }
    if (id->role != YC_ROLE_ADMIN) {
        *ret = yc_api_problem(res, 403, YC_API_PROBLEM_FORBIDDEN, "Forbidden",
                              "only an admin decides repairs", NULL);
        res->www_authenticate = "Bearer error=\"insufficient_scope\"";
        return false;
    }
    return true;
}

/* The decision's body: {"reason": text} (required to reject, optional to approve). */
static bool parse_decision(const yc_api *api, const yc_api_request *req, bool approve,
                           char reason[static YC_REPAIR_REASON_MAX + 1], yc_api_response *res,
                           yc_err *ret)
{
    json_t *body = NULL;
    if (!yc_api_body_object(api, req, approve, res, ret, &body))
        return false;
    bool ok = true;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "reason") != 0) {
            char ptr[40];
            *ret = yc_api_bad_field(res, member_pointer(key, ptr),
                                    "unknown member: allowed is reason");
            ok = false;
            break;
        }
    }
    v = json_object_get(body, "reason");
    reason[0] = '\0';
    if (ok && (v != NULL || !approve) && !text_member(v, YC_REPAIR_REASON_MAX, reason)) {
        *ret = yc_api_bad_field(res, "/reason",
                                approve
                                    ? "a text of 1..500 bytes of UTF-8 without control characters "
                                      "or runs of more than 14 digits"
                                    : "required: why the repair is rejected, 1..500 bytes of UTF-8 "
                                      "without control characters or runs of more than 14 digits");
        ok = false;
    }
    json_decref(body);
    return ok;
}

/* Approve: the record must be active (or repaired by an interrupted approval of an older
 * binary); yc_store_repair_decide() then moves it to repaired and decides the application in
 * one transaction (issue 7 item 5: a kill between two left a repaired record under a pending
 * application).  *answered when @p res holds a 409 or an error. */
static yc_err approve_check(yc_api *api, const yc_store_repair *r, yc_api_response *res,
                            bool *answered)
{
    *answered = true;
    yc_record cur;
    yc_err rv = yc_store_record_get(api->store, r->record_id, &cur, NULL);
    if (rv == YC_ERR_NOT_FOUND)
        return yc_api_problem(res, 409, PROBLEM_CONFLICT, "Conflict",
                              "the record no longer exists; reject the application", "id");
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    if (cur.status == YC_STATUS_ACTIVE || cur.status == YC_STATUS_REPAIRED) {
        *answered = false;
        return YC_OK;
    }
    return yc_api_problem_with(res, 409, PROBLEM_CONFLICT, "Conflict",
                               "the record is no longer active; reject the application", "id",
                               "record_status", json_string(yc_status_str(cur.status)));
}

yc_err yc_api_decide_repair(yc_api *api, const yc_api_request *req, const char *id_s, size_t id_len,
                            bool approve, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    char id[YC_REPAIR_ID_LEN + 1] = "";
    if (id_len == YC_REPAIR_ID_LEN) {
        memcpy(id, id_s, id_len);
        id[id_len] = '\0';
    }
    if (!yc_repair_id_ok(id))
        return yc_api_bad_param(res, "id", "expected a repair id: rp_ and 22 base64url characters");
    if (!admin_client(req, res, &rv) || !yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    char reason[YC_REPAIR_REASON_MAX + 1];
    if (!parse_decision(api, req, approve, reason, res, &rv) || yc_api_not_ready(api, res, &rv))
        return rv;
    const char *actor = req->ident->client_id;
    yc_store_repair *r = yc_alloc(sizeof *r);
    if (r == NULL)
        return yc_api_error(res, YC_ERR_NOMEM);
    yc_record rec;
    bool answered = false;
    (void)pthread_mutex_lock(&decide_mu);
    rv = yc_store_repair_get(api->store, id, r);
    if (rv == YC_ERR_NOT_FOUND) {
        rv = yc_api_problem(res, 404, PROBLEM_UNKNOWN_REPAIR, "Unknown repair",
                            "no repair application with this id", "id");
        goto out;
    }
    if (rv == YC_OK && r->status != YC_REPAIR_PENDING) {
        char detail[64];
        snprintf(detail, sizeof detail, "already %s",
                 yc_repair_status_name((yc_repair_status)r->status));
        rv = audit_write(api, actor, approve, false, id, detail);
        if (rv == YC_OK)
            rv = yc_api_problem_with(
                res, 409, PROBLEM_CONFLICT, "Conflict", "the application has been decided already",
                "id", "repair_status",
                json_string(yc_repair_status_name((yc_repair_status)r->status)));
        else
            rv = yc_api_error(res, rv);
        goto out;
    }
    if (rv == YC_OK && approve) {
        rv = approve_check(api, r, res, &answered);
        if (answered) {
            if (audit_write(api, actor, true, false, id, "record not active") != YC_OK)
                rv = yc_api_error(res, YC_ERR_STORE);
            goto out;
        }
    }
    if (rv == YC_OK)
        rv = yc_store_repair_decide(api->store, id,
                                    approve ? YC_REPAIR_APPROVED : YC_REPAIR_REJECTED, actor,
                                    yc_clock_now_ms(), reason, r);
    if (rv == YC_ERR_CONFLICT && approve) { /* the record changed since approve_check() */
        rv = approve_check(api, r, res, &answered);
        if (!answered)
            rv = yc_api_error(res, YC_ERR_CONFLICT);
        else if (audit_write(api, actor, true, false, id, "record not active") != YC_OK)
            rv = yc_api_error(res, YC_ERR_STORE);
        goto out;
    }
    if (rv == YC_OK && approve)
        rv = yc_store_record_get(api->store, r->record_id, &rec, NULL);
    if (rv == YC_OK)
        rv = audit_write(api, actor, approve, true, id, approve ? "record repaired" : "rejected");
    if (rv != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    json_t *o = repair_json(r);
    if (o != NULL && approve)
        json_object_set_new(o, "record", yc_record_to_json(&rec));
    rv = yc_api_json(res, 200, o);
out:
    (void)pthread_mutex_unlock(&decide_mu);
    yc_free(r);
    return rv;
}
