/* Issue 6 items 2 and 3 in the API: purpose and consent of a read, the query log, and the
 * routes POST/GET /v1/me/consents, DELETE /v1/me/consents/{id} (createConsent, listConsents,
 * revokeConsent) and GET /v1/me/queries (listMyQueries).
 *
 * How a read is logged (item 3).  yc_api_handle() gives each request a yc_api_read_note
 * (yc_api_access_begin(): a thread-local pointer, since one request runs on one thread until
 * its handler returns).  The handlers of the four subject reads (getSubjectScore,
 * listSubjectRecords, listAttestations, issueAttestation) call yc_api_access_check(), which
 * checks the purpose and the consent (item 2) and, for a caller with a token, fills the note:
 * who, which subject, purpose, consent, route, when.  After dispatch yc_api_access_end() queues
 * one yc_store_query with the status actually answered on the query log's own committer
 * (window YC_STORE_QUERY_LOG_WINDOW_MS).  A 2xx is held back until its entry is durable, so an
 * acknowledged read is always logged; the 403 of a refused consent discloses nothing and is
 * answered at once, its entry following within the window (best effort); a deferred handler
 * answer (issueAttestation) is chained: its answer is logged, then sent.  A full queue, or a
 * failed commit, answers 503 instead (never an unlogged 2xx).  Not logged: a subject client
 * reading its own subject, and requests without a client (only possible with auth.required
 * off: the query log needs a client id).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_attest.h"
#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/authz.h"
#include "yrdcredit/date.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/purpose.h"

#define CONSENT_TYP             "yrdcredit-consent+jwt"
#define PROBLEM_CONSENT_REFUSED "consent-refused"
#define PROBLEM_UNKNOWN_CONSENT "unknown-consent"
#define PROBLEM_CONSENT_REVOKED "consent-revoked"

static _Thread_local yc_api_read_note *tl_note;

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* ---- the query log's committer ---- */

void yc_api_access_open(yc_api *api)
{
    api->qlog = NULL;
    if (api->store == NULL)
        return; /* not ready: every read answers 503 anyway */
    yc_store_committer *c = NULL;
    yc_err e = yc_store_committer_start(api->store, NULL, &c);
    if (e == YC_OK)
        e = yc_store_committer_set_window(c, YC_STORE_QUERY_LOG_WINDOW_MS);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcredit: query log not available (%s): logged reads answer 503\n",
                yc_err_str(e));
        yc_store_committer_stop(c);
        return;
    }
    api->qlog = c;
}

void yc_api_access_close(yc_api *api)
{
    yc_store_committer_stop(api->qlog); /* commits what is queued, answers every pending */
    api->qlog = NULL;
}

/* ---- purpose and consent of a read (item 2) ---- */

static const char *route_code(yc_api_read_kind kind)
{
    switch (kind) {
    case YC_API_READ_SCORE:
        return "score";
    case YC_API_READ_RECORDS:
        return "records";
    case YC_API_READ_ATTESTATIONS:
        return "attestations";
    case YC_API_READ_ATTESTATION_ISSUE:
    default:
        return "attestations.issue";
    }
}

static yc_authz_route authz_route(yc_api_read_kind kind)
{
    switch (kind) {
    case YC_API_READ_SCORE:
        return YC_AUTHZ_GET_SUBJECT_SCORE;
    case YC_API_READ_RECORDS:
        return YC_AUTHZ_LIST_SUBJECT_RECORDS;
    case YC_API_READ_ATTESTATIONS:
        return YC_AUTHZ_LIST_ATTESTATIONS;
    case YC_API_READ_ATTESTATION_ISSUE:
    default:
        return YC_AUTHZ_ISSUE_ATTESTATION;
    }
}

static unsigned scope_bit(yc_api_read_kind kind)
{
    switch (kind) {
    case YC_API_READ_SCORE:
        return YC_CONSENT_SCOPE_SCORE;
    case YC_API_READ_RECORDS:
        return YC_CONSENT_SCOPE_RECORDS;
    case YC_API_READ_ATTESTATIONS:
    case YC_API_READ_ATTESTATION_ISSUE:
    default:
        return YC_CONSENT_SCOPE_ATTESTATIONS;
    }
}

/* A problem with a `reason` member (a snake_case code). */
static yc_err problem_reason(yc_api_response *res, int status, const char *kind, const char *title,
                             const char *detail, const char *field, const char *reason)
{
    YC_TRY(yc_api_problem(res, status, kind, title, detail, field));
    json_error_t jerr;
    json_t *o = json_loadb(res->body, res->body_len, 0, &jerr);
    YC_ENSURE(o != NULL, YC_ERR_NOMEM);
    if (json_object_set_new(o, "reason", json_string(reason)) != 0) {
        json_decref(o);
        return YC_ERR_NOMEM;
    }
    YC_TRY(yc_api_json(res, status, o));
    res->content_type = "application/problem+json";
    return YC_OK;
}

static bool is_client(const yc_api_request *req)
{
    return req->ident != NULL && req->ident->kind == YC_API_IDENT_CLIENT;
}

/* A consent id of the shape cs_ + 22 base64url (len bytes, not NUL-terminated; NULL: false)
 * copied into cid with its NUL. */
static bool consent_id_copy(const char *consent_id, size_t len,
                            char cid[static YC_CONSENT_ID_LEN + 1])
{
    if (consent_id == NULL || len != YC_CONSENT_ID_LEN ||
        memcmp(consent_id, YC_CONSENT_ID_PREFIX, sizeof YC_CONSENT_ID_PREFIX - 1) != 0 ||
        !yc_store_b64url_id_chars_ok(consent_id + 3, len - 3))
        return false;
    memcpy(cid, consent_id, len);
    cid[len] = '\0';
    return true;
}

/* Does consent cid exist and belong to sid (defect 5: only then is its id logged in sid's
 * query log)?  False also when the store cannot tell. */
static bool consent_of_subject(yc_api *api, const char *cid, const char *sid)
{
    yc_store_consent cs;
    return api->store != NULL && yc_store_consent_get(api->store, cid, &cs) == YC_OK &&
           strcmp(cs.subject_id, sid) == 0;
}

/* Note the read in the request's note (if any): purpose and consent_id already valid or NULL.
 * Returns the note. */
static yc_api_read_note *note_read(yc_api_read_kind kind, const char *sid, const char *purpose,
                                   size_t purpose_len, const char *consent_id, size_t consent_len)
{
    yc_api_read_note *n = tl_note;
    if (n == NULL)
        return NULL;
    *n = (yc_api_read_note){.armed = true, .at_ms = yc_clock_now_ms(), .route = route_code(kind)};
    snprintf(n->subject_id, sizeof n->subject_id, "%s", sid);
    if (purpose != NULL && purpose_len < sizeof n->purpose) {
        memcpy(n->purpose, purpose, purpose_len);
        n->purpose[purpose_len] = '\0';
    }
    if (consent_id != NULL && consent_len == YC_CONSENT_ID_LEN) {
        memcpy(n->consent_id, consent_id, consent_len);
        n->consent_id[consent_len] = '\0';
    }
    return n;
}

bool yc_api_access_check(yc_api *api, const yc_api_request *req, yc_api_read_kind kind,
                         const char *sid, const char *purpose, size_t purpose_len,
                         const char *consent_id, size_t consent_len, bool in_body,
                         yc_api_response *res, yc_err *ret)
{
    if (!is_client(req))
        return true; /* anonymous (auth.required off): nothing to check, nothing to log */
    const yc_api_ident *id = req->ident;
    const bool individual = sid[0] == 'P';
    if (!api->cfg.auth.required) {
        /* Off, credentials only name the client (api.h): nothing is refused, the read is
         * logged with what was stated validly (a consent only if it is this individual's,
         * defect 5). */
        const bool p_ok = purpose != NULL && yc_purpose_is_valid(purpose, purpose_len);
        char cid[YC_CONSENT_ID_LEN + 1] = "";
        const bool c_ok = individual && consent_id_copy(consent_id, consent_len, cid) &&
                          consent_of_subject(api, cid, sid);
        note_read(kind, sid, p_ok ? purpose : NULL, purpose_len, c_ok ? consent_id : NULL,
                  consent_len);
        return true;
    }
    const char *f_purpose = in_body ? "/purpose" : "purpose";
    const char *f_consent = in_body ? "/consent_id" : "consent_id";
    const char *kind_bad =
        in_body ? YC_API_PROBLEM_INVALID_FIELD : YC_API_PROBLEM_INVALID_PARAMETER;
    const char *title_bad = in_body ? "Invalid field" : "Invalid parameter";
    if (purpose != NULL) {
        if (!yc_purpose_is_valid(purpose, purpose_len)) {
            *ret = yc_api_problem(res, 400, kind_bad, title_bad,
                                  "not a purpose code of the vocabulary (README.md)", f_purpose);
            return false;
        }
        if (!yc_purpose_is_valid_for(purpose, purpose_len, individual)) {
            *ret = problem_reason(res, 400, kind_bad, title_bad,
                                  individual ? "this purpose may not be stated for an individual"
                                             : "this purpose may be stated only for an individual",
                                  f_purpose,
                                  individual ? "not_for_individuals" : "not_for_organisations");
            return false;
        }
    } else if (yc_authz_needs_purpose(authz_route(kind), (yc_authz_role)id->role)) {
        *ret = yc_api_problem(res, 400, kind_bad, title_bad,
                              "a financial institution names the purpose of the query", f_purpose);
        return false;
    }
    char cid[YC_CONSENT_ID_LEN + 1] = "";
    if (consent_id != NULL) {
        if (!consent_id_copy(consent_id, consent_len, cid)) {
            *ret = yc_api_problem(res, 400, kind_bad, title_bad,
                                  "expected a consent id (cs_ and 22 base64url characters)",
                                  f_consent);
            return false;
        }
        if (!individual) { /* defect 5: never another subject's consent in this log */
            *ret = problem_reason(res, 400, kind_bad, title_bad,
                                  "consent is for individuals only: an organisation's data is "
                                  "read without one",
                                  f_consent, "not_for_organisations");
            return false;
        }
    }
    /* the consent id is noted below, only once it is known to be this individual's */
    yc_api_read_note *n = note_read(kind, sid, purpose, purpose_len, NULL, 0);
    /* An individual's data only under a consent (征信业管理条例 Art.18; item 2). */
    if (id->role != YC_ROLE_FI || !individual) {
        if (n != NULL && cid[0] != '\0' && consent_of_subject(api, cid, sid))
            memcpy(n->consent_id, cid, sizeof n->consent_id);
        return true;
    }
    if (yc_api_not_ready(api, res, ret))
        return false;
    yc_consent_reason why = YC_CONSENT_MISSING;
    char pur[YC_PURPOSE_CODE_MAX + 1];
    const size_t pn = purpose != NULL ? purpose_len : 0; /* valid: at most 32 bytes */
    if (pn > 0)
        memcpy(pur, purpose, pn);
    pur[pn] = '\0';
    if (cid[0] != '\0') {
        yc_err e = yc_store_consent_check(api->store, cid, sid, id->client_id, pur, scope_bit(kind),
                                          now_s(), &why);
        if (e != YC_OK) {
            *ret = yc_api_error(res, e);
            return false;
        }
    }
    /* MISSING: no consent of this individual with this id (maybe another's): logged as "" */
    if (n != NULL && cid[0] != '\0' && why != YC_CONSENT_MISSING)
        memcpy(n->consent_id, cid, sizeof n->consent_id);
    if (why == YC_CONSENT_OK)
        return true;
    if (n != NULL)
        n->refused = true;
    static const char *const details[] = {
        [YC_CONSENT_MISSING] = "no consent of this individual with this id (consent_id)",
        [YC_CONSENT_EXPIRED] = "the consent has expired",
        [YC_CONSENT_REVOKED] = "the individual revoked the consent",
        [YC_CONSENT_WRONG_CLIENT] = "the consent was granted to another client",
        [YC_CONSENT_WRONG_PURPOSE] = "the consent was granted for another purpose",
        [YC_CONSENT_WRONG_SCOPE] = "the consent does not cover this kind of data",
    };
    *ret = problem_reason(res, 403, PROBLEM_CONSENT_REFUSED, "Consent does not cover the request",
                          details[why], f_consent, yc_consent_reason_code(why));
    res->www_authenticate = "Bearer error=\"insufficient_scope\"";
    return false;
}

void yc_api_access_note_decision(const yc_api_request *req, const char *sid)
{
    yc_api_read_note *n = is_client(req) ? tl_note : NULL;
    if (n == NULL)
        return;
    *n = (yc_api_read_note){.armed = true, .at_ms = yc_clock_now_ms(), .route = "decision"};
    snprintf(n->subject_id, sizeof n->subject_id, "%s", sid);
}

/* ---- the query-log hook (item 3) ---- */

void yc_api_access_begin(yc_api_read_note *note)
{
    *note = (yc_api_read_note){0};
    tl_note = note;
}

typedef struct qlog_job {
    yc_api_pending *outer; /* what the transport waits on */
    yc_api_response saved; /* the answer, sent once the entry is durable */
    yc_store_query q;
    bool refused; /* the handler refused the consent: a 403 is logged too */
    yc_store_committer *c;
} qlog_job;

static void job_free(qlog_job *j)
{
    yc_api_response_clear(&j->saved);
    yc_free(j);
}

/* 503 in r: the entry could not be made durable, so the read is not answered. */
static void unavailable(yc_api_response *r)
{
    yc_api_response_clear(r);
    if (yc_api_problem(r, 503, YC_API_PROBLEM_UNAVAILABLE, "Service unavailable",
                       "the query log could not record this read; try again", NULL) != YC_OK) {
        yc_api_response_clear(r);
        r->status = 503;
    }
}

static void logged(void *ctx, yc_err result)
{
    qlog_job *j = ctx;
    if (result == YC_ERR_FULL) { /* the map is full: the read is not answered, 507 as writes */
        yc_api_response_clear(&j->saved);
        if (yc_api_error(&j->saved, YC_ERR_FULL) != YC_OK)
            unavailable(&j->saved);
    } else if (result != YC_OK) {
        unavailable(&j->saved);
    }
    yc_api_pending_complete(j->outer, &j->saved);
    job_free(j);
}

static bool loggable(const qlog_job *j, int status)
{
    return (status >= 200 && status < 300) || (status == 403 && j->refused);
}

/* Queue the entry of j->saved; on failure the answer becomes a 503.  Completes j->outer
 * (now or from the committer) and frees j. */
static void queue_entry(qlog_job *j)
{
    if (!loggable(j, j->saved.status)) {
        yc_api_pending_complete(j->outer, &j->saved);
        job_free(j);
        return;
    }
    j->q.status = (uint16_t)j->saved.status;
    if (j->c != NULL && yc_store_commit_query_append(j->c, &j->q, logged, j) == YC_OK)
        return;
    unavailable(&j->saved);
    yc_api_pending_complete(j->outer, &j->saved);
    job_free(j);
}

/* A deferred answer nobody waits for any more (out of memory before it could be chained). */
static void inner_done_drop(void *ctx, yc_api_response *res)
{
    (void)ctx;
    yc_api_response_clear(res);
}

/* The deferred answer of a handler (issueAttestation) arrived: log it, then pass it on. */
static void inner_done(void *ctx, yc_api_response *res)
{
    qlog_job *j = ctx;
    j->saved = *res;
    *res = (yc_api_response){0};
    queue_entry(j);
}

static void fill_entry(yc_store_query *q, const yc_api_ident *id, const yc_api_read_note *note)
{
    snprintf(q->subject_id, sizeof q->subject_id, "%s", note->subject_id);
    q->at_ms = note->at_ms;
    snprintf(q->client_id, sizeof q->client_id, "%s", id->client_id);
    q->role = (uint8_t)id->role;
    snprintf(q->purpose, sizeof q->purpose, "%s", note->purpose);
    snprintf(q->consent_id, sizeof q->consent_id, "%s", note->consent_id);
    snprintf(q->route, sizeof q->route, "%s", note->route);
}

static void refusal_logged(void *ctx, yc_err result)
{
    (void)ctx;
    if (result != YC_OK)
        fprintf(stderr, "yrdcredit: query log: a refused read was not logged (%s)\n",
                yc_err_str(result));
}

yc_err yc_api_access_end(yc_api *api, const yc_api_request *req, yc_api_read_note *note,
                         yc_api_response *res, yc_err rv)
{
    tl_note = NULL;
    if (rv != YC_OK || !note->armed || !is_client(req))
        return rv;
    const yc_api_ident *id = req->ident;
    if (id->role == YC_ROLE_SUBJECT && strcmp(id->subject, note->subject_id) == 0)
        return rv; /* the subject's own read is not logged (item 3) */
    qlog_job probe = {.refused = note->refused};
    if (res->status != 0 && !loggable(&probe, res->status))
        return rv; /* nothing was read: a 4xx or 5xx */
    yc_store_query entry = {0};
    fill_entry(&entry, id, note);
    if (res->status == 403) {
        /* A refused read discloses nothing: logged without holding the answer back (best
         * effort: with the queue full the refusal is still answered). */
        entry.status = 403;
        if (api->qlog == NULL ||
            yc_store_commit_query_append(api->qlog, &entry, refusal_logged, NULL) != YC_OK)
            fprintf(stderr, "yrdcredit: query log: a refused read was not logged (queue full)\n");
        return rv;
    }
    qlog_job *j = yc_calloc(1, sizeof *j);
    yc_api_pending *outer = NULL;
    if (j == NULL || yc_api_pending_new(&outer) != YC_OK) {
        yc_free(j);
        if (res->pending != NULL) /* the handler's answer comes later: nobody will take it */
            yc_api_pending_bind(res->pending, inner_done_drop, NULL);
        yc_api_response_clear(res);
        return yc_api_error(res, YC_ERR_NOMEM);
    }
    j->outer = outer;
    j->refused = note->refused;
    j->c = api->qlog;
    j->q = entry;
    yc_api_pending *inner = res->pending;
    if (inner != NULL) {
        *res = (yc_api_response){.status = 0, .pending = outer};
        yc_api_pending_bind(inner, inner_done, j);
        return YC_OK;
    }
    j->saved = *res;
    *res = (yc_api_response){.status = 0, .pending = outer};
    queue_entry(j);
    return YC_OK;
}

/* ---- /v1/me/consents and /v1/me/queries ---- */

static const char *const scope_names[] = {"score", "records", "attestations"};
#define N_SCOPES 3

/* The subject of a /v1/me request, or false with the answer: 401 without a client (only with
 * auth.required off; the table answers it before dispatch otherwise), 403 for a client that is
 * bound to no subject (an admin). */
static bool me_subject(const yc_api_request *req, yc_api_response *res, yc_err *ret)
{
    const yc_api_ident *id = req->ident;
    if (id != NULL && id->kind == YC_API_IDENT_MALFORMED) {
        *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "the authorization field is not 'Bearer <token>'", "authorization");
        res->www_authenticate = "Bearer error=\"invalid_request\"";
        return false;
    }
    if (!is_client(req)) {
        const bool invalid = id != NULL && id->kind == YC_API_IDENT_INVALID;
        *ret = yc_api_problem(res, 401, YC_API_PROBLEM_UNAUTHORIZED, "Unauthorized",
                              invalid ? "the token is unknown or revoked"
                                      : "this route requires the bearer token of a subject client",
                              "authorization");
        res->www_authenticate = invalid ? "Bearer error=\"invalid_token\"" : "Bearer";
        return false;
    }
    if (id->role != YC_ROLE_SUBJECT || id->subject[0] == '\0') {
        *ret = yc_api_problem(res, 403, YC_API_PROBLEM_FORBIDDEN, "Forbidden",
                              "only a subject client (bound to one subject) has a /v1/me", NULL);
        res->www_authenticate = "Bearer error=\"insufficient_scope\"";
        return false;
    }
    return true;
}

/* The name and role of a client of the registry; false when unknown. */
static bool client_info(yc_api *api, const char *cid, char name[static YC_CLIENT_NAME_MAX + 1],
                        yc_client_role *ret_role, bool *ret_active)
{
    bool found = false;
    pthread_rwlock_rdlock(&api->clients_lock);
    const yc_client *c = api->clients != NULL ? yc_clients_find(api->clients, cid) : NULL;
    if (c != NULL) {
        found = true;
        snprintf(name, YC_CLIENT_NAME_MAX + 1, "%s", c->name);
        *ret_role = c->role;
        *ret_active = c->revoked_at == -1;
    }
    pthread_rwlock_unlock(&api->clients_lock);
    return found;
}

static json_t *scope_json(unsigned scope)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < N_SCOPES; i++)
        if ((scope & (1u << i)) != 0 &&
            json_array_append_new(a, json_string(scope_names[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *time_json(int64_t t)
{
    char s[YC_TIME_RFC3339_LEN + 1];
    yc_time_rfc3339(t, s);
    return json_string(s);
}

static json_t *consent_json(yc_api *api, const yc_store_consent *cs, int64_t now)
{
    char name[YC_CLIENT_NAME_MAX + 1] = "";
    yc_client_role role;
    bool active = false;
    const bool known = client_info(api, cs->client_id, name, &role, &active);
    const char *label = yc_purpose_label(cs->purpose, strlen(cs->purpose));
    const char *state = cs->revoked_at != -1    ? "revoked"
                        : now >= cs->expires_at ? "expired"
                                                : "active";
    return json_pack(
        "{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "consent_id", cs->id, "client_id",
        cs->client_id, "client_name", known ? json_string(name) : json_null(), "purpose",
        cs->purpose, "purpose_label", label != NULL ? json_string(label) : json_null(), "scope",
        scope_json(cs->scope), "granted_at", time_json(cs->granted_at), "expires_at",
        time_json(cs->expires_at), "revoked_at",
        cs->revoked_at != -1 ? time_json(cs->revoked_at) : json_null(), "state", state);
}

static bool digits(const char *s, size_t n, int *ret)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *ret = v;
    return true;
}

/* expires_at: "YYYY-MM-DD" (the consent covers that whole day in Asia/Shanghai: it expires at
 * the next midnight, UTC+8) or an RFC 3339 date-time "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)"
 * (a fraction is dropped: whole seconds).  Unix seconds in *ret. */
static bool parse_expiry(const char *s, size_t n, int64_t *ret)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    yc_date date;
    if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
        !digits(s + 8, 2, &d) || yc_date_from_ymd(y, mo, d, &date) != YC_OK)
        return false;
    if (n == 10) {
        *ret = ((int64_t)date + 1) * 86400 - 8 * 3600;
        return true;
    }
    if (n < 20 || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se) || h > 23 ||
        mi > 59 || se > 59)
        return false;
    size_t i = 19;
    if (s[i] == '.') {
        size_t k = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == k)
            return false;
    }
    int64_t off = 0;
    if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
        off = 0;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh, om;
        if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        off = (s[i] == '-' ? -1 : 1) * ((int64_t)oh * 3600 + om * 60);
    } else {
        return false;
    }
    *ret = (int64_t)date * 86400 + h * 3600 + mi * 60 + se - off;
    return true;
}

typedef struct consent_job {
    yc_api_pending *p;
    char *body; /* the 201 body */
    size_t body_len;
    char location[YC_API_LOCATION_MAX + 1];
    int status; /* 200 for a revocation */
} consent_job;

static void consent_done(void *ctx, yc_err rv)
{
    consent_job *job = ctx;
    yc_api_response r = {0};
    if (rv == YC_OK) {
        r.status = job->status;
        r.content_type = "application/json";
        r.body = job->body;
        r.body_len = job->body_len;
        job->body = NULL;
        memcpy(r.location, job->location, sizeof r.location);
    } else {
        yc_err e = YC_OK;
        if (rv == YC_ERR_NOT_FOUND)
            e = yc_api_problem(&r, 404, PROBLEM_UNKNOWN_CONSENT, "Unknown consent",
                               "no consent of this subject with this id", "id");
        else if (rv == YC_ERR_CONFLICT && job->status == 200)
            e = yc_api_problem(&r, 409, PROBLEM_CONSENT_REVOKED, "Already revoked",
                               "the consent was revoked before", "id");
        else
            e = yc_api_error(&r, rv == YC_ERR_CONFLICT ? YC_ERR_INTERNAL : rv);
        if (e != YC_OK) {
            yc_api_response_clear(&r);
            r.status = 503;
        }
    }
    yc_api_pending_complete(job->p, &r);
    yc_free(job->body);
    yc_free(job);
}

static yc_err no_issuer(yc_api_response *res, const char *detail)
{
    return yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready", detail, NULL);
}

/* Queue job's commit (put or revoke by put == false) and defer the answer. */
static yc_err consent_defer(yc_api *api, const yc_store_consent *cs, const char *revoke_id,
                            const char *sid, int64_t now, consent_job *job, yc_api_response *res)
{
    yc_err rv = yc_api_pending_new(&job->p);
    if (rv == YC_OK) {
        yc_store_committer *c = yc_attest_committer(api->attest);
        yc_api_pending *p = job->p;
        rv = cs != NULL ? yc_store_commit_consent_put(c, cs, consent_done, job)
                        : yc_store_commit_consent_revoke(c, revoke_id, sid, now, consent_done, job);
        if (rv == YC_OK) {
            res->status = 0;
            res->pending = p;
            return YC_OK;
        }
        yc_api_pending_abandon(job->p);
    }
    yc_free(job->body);
    yc_free(job);
    return yc_api_error(res, rv);
}

static bool parse_scope(json_t *v, unsigned *ret, yc_api_response *res, yc_err *rv)
{
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > N_SCOPES) {
        *rv = yc_api_bad_field(res, "/scope",
                               "expected an array of 1 to 3 distinct names from score, records, "
                               "attestations");
        return false;
    }
    unsigned scope = 0;
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        char pointer[32];
        snprintf(pointer, sizeof pointer, "/scope/%zu", i);
        const char *s = json_string_value(item);
        size_t k = 0;
        while (s != NULL && k < N_SCOPES && strcmp(s, scope_names[k]) != 0)
            k++;
        if (s == NULL || k == N_SCOPES || (scope & (1u << k)) != 0) {
            *rv = yc_api_bad_field(res, pointer,
                                   s != NULL && k < N_SCOPES
                                       ? "named twice"
                                       : "expected score, records or attestations");
            return false;
        }
        scope |= 1u << k;
    }
    *ret = scope;
    return true;
}

/* POST /v1/me/consents (createConsent). */
static yc_err create_consent(yc_api *api, const yc_api_request *req, const char *sid,
                             yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (sid[0] != 'P') {
        /* defect 12: a consent is an individual's (征信业管理条例 Art.18, PIPL Art.13); an
         * organisation's data is read without one, so a merchant has nothing to grant */
        rv = problem_reason(res, 403, YC_API_PROBLEM_FORBIDDEN, "Forbidden",
                            "consents are granted by individuals only (征信业管理条例 Art.18, "
                            "PIPL Art.13); a merchant's data is read without one",
                            NULL, "individuals_only");
        if (rv == YC_OK)
            res->www_authenticate = "Bearer error=\"insufficient_scope\"";
        return rv;
    }
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    json_t *body = NULL, *o = NULL;
    char *text = NULL, *jws = NULL;
    size_t jws_len = 0;
    if (!yc_api_body_object(api, req, false, res, &rv, &body))
        return rv;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "client_id") != 0 && strcmp(key, "purpose") != 0 &&
            strcmp(key, "scope") != 0 && strcmp(key, "expires_at") != 0) {
            char pointer[40] = "";
            if (yc_api_key_is_nameable(key))
                snprintf(pointer, sizeof pointer, "/%s", key);
            rv = yc_api_bad_field(
                res, pointer, "unknown member (allowed: client_id, purpose, scope, expires_at)");
            goto out;
        }
    }
    yc_store_consent cs = {.revoked_at = -1};
    const int64_t now = now_s();
    /* client_id: an active fi client of the registry */
    const char *s = json_string_value(json_object_get(body, "client_id"));
    char name[YC_CLIENT_NAME_MAX + 1];
    yc_client_role role = YC_ROLE_ADMIN;
    bool active = false;
    if (s == NULL || strlen(s) != YC_CLIENT_ID_LEN || strncmp(s, "cl_", 3) != 0 ||
        !yc_store_b64url_id_chars_ok(s + 3, YC_CLIENT_ID_LEN - 3)) {
        rv = yc_api_bad_field(res, "/client_id",
                              "expected a client id (cl_ and 16 base64url characters)");
        goto out;
    }
    if (!client_info(api, s, name, &role, &active) || !active || role != YC_ROLE_FI) {
        rv = yc_api_bad_field(res, "/client_id",
                              "no active financial institution (fi) client has this id");
        goto out;
    }
    memcpy(cs.client_id, s, YC_CLIENT_ID_LEN + 1);
    /* purpose: of the vocabulary, for this kind of subject */
    v = json_object_get(body, "purpose");
    s = json_string_value(v);
    const bool individual = sid[0] == 'P';
    if (s == NULL || !yc_purpose_is_valid(s, json_string_length(v))) {
        rv = yc_api_bad_field(res, "/purpose", "not a purpose code of the vocabulary (README.md)");
        goto out;
    }
    if (!yc_purpose_is_valid_for(s, json_string_length(v), individual)) {
        rv = problem_reason(res, 400, YC_API_PROBLEM_INVALID_FIELD, "Invalid field",
                            individual ? "this purpose may not be stated for an individual"
                                       : "this purpose may be stated only for an individual",
                            "/purpose",
                            individual ? "not_for_individuals" : "not_for_organisations");
        goto out;
    }
    snprintf(cs.purpose, sizeof cs.purpose, "%s", s);
    unsigned scope = 0;
    if (!parse_scope(json_object_get(body, "scope"), &scope, res, &rv))
        goto out;
    cs.scope = (uint8_t)scope;
    v = json_object_get(body, "expires_at");
    s = json_string_value(v);
    int64_t exp = 0;
    if (s == NULL || !parse_expiry(s, json_string_length(v), &exp)) {
        rv = yc_api_bad_field(
            res, "/expires_at",
            "expected an RFC 3339 date-time or a date YYYY-MM-DD (through that day, "
            "Asia/Shanghai)");
        goto out;
    }
    if (exp <= now || exp - now > YC_CONSENT_MAX_SECONDS) {
        rv = yc_api_bad_field(res, "/expires_at",
                              "must be in the future and at most 365 days ahead");
        goto out;
    }
    cs.granted_at = now;
    cs.expires_at = exp;
    snprintf(cs.subject_id, sizeof cs.subject_id, "%s", sid);
    if (yc_api_not_ready(api, res, &rv))
        goto out;
    if (api->attest == NULL) {
        rv = no_issuer(res, "the attestation issuer (which signs consent receipts) is not loaded");
        goto out;
    }
    char rnd[23];
    if ((rv = yc_api_random_id22(rnd)) != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    snprintf(cs.id, sizeof cs.id, "%s%s", YC_CONSENT_ID_PREFIX, rnd);
    /* the receipt: a JWS of this instance's attestation key over the consent's terms */
    o = consent_json(api, &cs, now);
    json_t *claims =
        o == NULL
            ? NULL
            : json_pack("{s:s, s:s, s:s, s:s, s:O, s:I, s:I, s:I}", "iss", api->cfg.attest.issuer,
                        "sub", sid, "consent_id", cs.id, "client_id", cs.client_id, "scope",
                        json_object_get(o, "scope"), "iat", (json_int_t)now, "granted_at",
                        (json_int_t)cs.granted_at, "exp", (json_int_t)cs.expires_at);
    if (claims != NULL && json_object_set_new(claims, "purpose", json_string(cs.purpose)) != 0) {
        json_decref(claims);
        claims = NULL;
    }
    text = claims != NULL ? json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(claims);
    if (text == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    rv =
        yc_attest_sign_jws(api->attest, CONSENT_TYP, text, strlen(text), now, &jws, &jws_len, NULL);
    if (rv == YC_ERR_NOT_FOUND) {
        rv = no_issuer(res, "no active attestation signing key (yrdcredit keys new)");
        goto out;
    }
    if (rv != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    if (json_object_set_new(o, "receipt", json_stringn(jws, jws_len)) != 0) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    consent_job *job = yc_calloc(1, sizeof *job);
    char *out_body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (job == NULL || out_body == NULL) {
        yc_free(job);
        yc_free(out_body);
        rv = YC_ERR_NOMEM;
        goto out;
    }
    job->body = out_body;
    job->body_len = strlen(out_body);
    job->status = 201;
    snprintf(job->location, sizeof job->location, "/v1/me/consents/%s", cs.id);
    rv = consent_defer(api, &cs, NULL, sid, now, job, res);
out:
    yc_free(jws);
    yc_free(text);
    json_decref(o);
    json_decref(body);
    return rv;
}

static bool page_params(const yc_api_request *req,
                        char cursor[static YC_STORE_ACCESS_CURSOR_MAX + 1], uint64_t *limit,
                        yc_api_response *res, yc_err *rv)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    yc_api_query q;
    if (!yc_api_query_parse(req->query, allowed, &q, res, rv))
        return false;
    size_t len = 0;
    *limit = YC_API_PAGE_DEFAULT;
    const char *v = yc_api_query_get(&q, "limit", &len);
    if (v != NULL && !yc_api_parse_limit(v, len, limit)) {
        *rv = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                             "expected an integer in 1..100", "limit");
        return false;
    }
    cursor[0] = '\0';
    v = yc_api_query_get(&q, "cursor", &len);
    if (v != NULL) {
        if (len == 0 || len > YC_STORE_ACCESS_CURSOR_MAX || memchr(v, '\0', len) != NULL) {
            *rv = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                 "not a cursor returned by this API", "cursor");
            return false;
        }
        memcpy(cursor, v, len);
        cursor[len] = '\0';
    }
    return true;
}

static yc_err bad_cursor(yc_api_response *res)
{
    return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                          "not a cursor returned by this API", "cursor");
}

/* GET /v1/me/consents (listConsents): oldest grant first. */
static yc_err list_consents(yc_api *api, const yc_api_request *req, const char *sid,
                            yc_api_response *res)
{
    char cursor[YC_STORE_ACCESS_CURSOR_MAX + 1], next[YC_STORE_ACCESS_CURSOR_MAX + 1] = "";
    uint64_t limit = 0;
    yc_err rv = YC_OK;
    if (!page_params(req, cursor, &limit, res, &rv))
        return rv;
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    yc_store_consent *items = NULL;
    size_t n = 0;
    rv = yc_store_consents_by_subject(api->store, sid, cursor, (size_t)limit, &items, &n, next);
    if (rv == YC_ERR_INVALID)
        return bad_cursor(res);
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    const int64_t now = now_s();
    json_t *arr = json_array();
    rv = arr != NULL ? YC_OK : YC_ERR_NOMEM;
    for (size_t i = 0; i < n && rv == YC_OK; i++)
        if (json_array_append_new(arr, consent_json(api, &items[i], now)) != 0)
            rv = YC_ERR_NOMEM;
    yc_free(items);
    if (rv != YC_OK) {
        json_decref(arr);
        return rv;
    }
    return yc_api_json(res, 200,
                       json_pack("{s:o, s:o}", "consents", arr, "next_cursor",
                                 next[0] ? json_string(next) : json_null()));
}

/* DELETE /v1/me/consents/{id} (revokeConsent): 200 with the revoked consent. */
static yc_err revoke_consent(yc_api *api, const yc_api_request *req, const char *sid,
                             const char *id, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    if (api->attest == NULL)
        return no_issuer(res, "the store's committer (started by the issuer) is not running");
    yc_store_consent cs;
    rv = strlen(id) == YC_CONSENT_ID_LEN ? yc_store_consent_get(api->store, id, &cs)
                                         : YC_ERR_NOT_FOUND;
    if (rv == YC_ERR_NOT_FOUND || rv == YC_ERR_INVALID ||
        (rv == YC_OK && strcmp(cs.subject_id, sid) != 0))
        return yc_api_problem(res, 404, PROBLEM_UNKNOWN_CONSENT, "Unknown consent",
                              "no consent of this subject with this id", "id");
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    if (cs.revoked_at != -1)
        return yc_api_problem(res, 409, PROBLEM_CONSENT_REVOKED, "Already revoked",
                              "the consent was revoked before", "id");
    const int64_t now = now_s();
    cs.revoked_at = now < cs.granted_at ? cs.granted_at : now;
    json_t *o = consent_json(api, &cs, now);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    consent_job *job = text != NULL ? yc_calloc(1, sizeof *job) : NULL;
    if (job == NULL) {
        yc_free(text);
        return YC_ERR_NOMEM;
    }
    job->body = text;
    job->body_len = strlen(text);
    job->status = 200;
    return consent_defer(api, NULL, id, sid, now, job, res);
}

/* at_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
static json_t *time_ms_json(int64_t at_ms)
{
    char s[YC_TIME_RFC3339_LEN + 1], out[YC_TIME_RFC3339_LEN + 8];
    yc_time_rfc3339(at_ms / 1000, s);
    snprintf(out, sizeof out, "%.19s.%03dZ", s, (int)(at_ms % 1000));
    return json_string(out);
}

/* GET /v1/me/queries (listMyQueries): newest first. */
static yc_err list_queries(yc_api *api, const yc_api_request *req, const char *sid,
                           yc_api_response *res)
{
    char cursor[YC_STORE_ACCESS_CURSOR_MAX + 1], next[YC_STORE_ACCESS_CURSOR_MAX + 1] = "";
    uint64_t limit = 0;
    yc_err rv = YC_OK;
    if (!page_params(req, cursor, &limit, res, &rv))
        return rv;
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    yc_store_query *items = NULL;
    size_t n = 0;
    rv = yc_store_queries_by_subject(api->store, sid, cursor, (size_t)limit, &items, &n, next);
    if (rv == YC_ERR_INVALID)
        return bad_cursor(res);
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    json_t *arr = json_array();
    rv = arr != NULL ? YC_OK : YC_ERR_NOMEM;
    for (size_t i = 0; i < n && rv == YC_OK; i++) {
        const yc_store_query *e = &items[i];
        char name[YC_CLIENT_NAME_MAX + 1] = "";
        yc_client_role role;
        bool active = false;
        const bool known = client_info(api, e->client_id, name, &role, &active);
        const char *label = e->purpose[0] ? yc_purpose_label(e->purpose, strlen(e->purpose)) : NULL;
        json_t *item =
            json_pack("{s:I, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:s, s:i}", "seq",
                      (json_int_t)e->seq, "at", time_ms_json(e->at_ms), "client_id", e->client_id,
                      "client_name", known ? json_string(name) : json_null(), "role",
                      yc_client_role_str((yc_client_role)e->role), "purpose",
                      e->purpose[0] ? json_string(e->purpose) : json_null(), "purpose_label",
                      label != NULL ? json_string(label) : json_null(), "consent_id",
                      e->consent_id[0] ? json_string(e->consent_id) : json_null(), "route",
                      e->route, "status", (int)e->status);
        if (json_array_append_new(arr, item) != 0)
            rv = YC_ERR_NOMEM;
    }
    yc_free(items);
    if (rv != YC_OK) {
        json_decref(arr);
        return rv;
    }
    return yc_api_json(res, 200,
                       json_pack("{s:s, s:o, s:o}", "subject_id", sid, "queries", arr,
                                 "next_cursor", next[0] ? json_string(next) : json_null()));
}

static yc_err method_not_allowed(yc_api_response *res, const char *allow)
{
    yc_err rv = yc_api_problem(res, 405, YC_API_PROBLEM_METHOD, "Method not allowed",
                               "this resource does not support the request method", NULL);
    if (rv == YC_OK)
        res->allow = allow;
    return rv;
}

yc_err yc_api_route_access(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    const char *path = req->path, *m = req->method;
    const bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    const bool post = strcmp(m, "POST") == 0;
    static const char consents[] = "/v1/me/consents";
    const bool is_consents = strcmp(path, consents) == 0;
    const bool is_queries = strcmp(path, "/v1/me/queries") == 0;
    const char *id = NULL;
    if (!is_consents && !is_queries) {
        id = path + sizeof consents; /* after "/v1/me/consents/" */
        if (id[0] == '\0' || strchr(id, '/') != NULL)
            return yc_api_problem(res, 404, YC_API_PROBLEM_NOT_FOUND, "Not found",
                                  "no such resource", NULL);
    }
    /* 405 before the caller is looked at, as for every other route */
    if (is_queries && !get)
        return method_not_allowed(res, "GET, HEAD");
    if (is_consents && !get && !post)
        return method_not_allowed(res, "GET, HEAD, POST");
    if (id != NULL && strcmp(m, "DELETE") != 0)
        return method_not_allowed(res, "DELETE");
    yc_err rv = YC_OK;
    if (!me_subject(req, res, &rv))
        return rv;
    const char *sid = req->ident->subject;
    if (is_queries)
        return list_queries(api, req, sid, res);
    if (is_consents)
        return post ? create_consent(api, req, sid, res) : list_consents(api, req, sid, res);
    return revoke_consent(api, req, sid, id, res);
}
