/* OpenAPI tag "attestations": issueAttestation, listAttestations, verifyAttestation,
 * revokeAttestation, suspendAttestation, unsuspendAttestation, getJwks, getIssuerMetadata,
 * getStatusList (issue 4 items 3–6). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_attest.h"
#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/attest_service.h"
#include "yrdcredit/date.h"
#include "yrdcredit/store_audit.h"

/* The claims a request may make disclosable (issue 4 item 3). */
static const char *const disclose_names[] = {"score", "grade", "band", "as_of", "reasons", "name"};
#define N_DISCLOSE (sizeof disclose_names / sizeof disclose_names[0])

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* Printable UTF-8 text: no C0 control character and no DEL. */
static bool text_is_printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* Whether a string holding U+0000 is at or under v, whose JSON Pointer is ptr[0..len) (len
 * SIZE_MAX: not nameable).  When one is found, ptr holds its pointer, NUL-terminated, or ""
 * when a member name on the way is not yc_api_key_is_nameable() (never echo a document number)
 * or the pointer would not fit in cap bytes.  Depth is bounded by Jansson's parser (2048). */
static bool nul_string_at(json_t *v, char *ptr, size_t cap, size_t len)
{
    if (json_is_string(v)) {
        if (memchr(json_string_value(v), '\0', json_string_length(v)) == NULL)
            return false;
        ptr[len == SIZE_MAX ? 0 : len] = '\0';
        return true;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *m;
        json_object_foreach(v, key, m)
        {
            const size_t kl = strlen(key);
            size_t at = SIZE_MAX;
            if (len != SIZE_MAX && yc_api_key_is_nameable(key) && len + 1 + kl < cap) {
                ptr[len] = '/';
                memcpy(ptr + len + 1, key, kl);
                at = len + 1 + kl;
            }
            if (nul_string_at(m, ptr, cap, at))
                return true;
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t at = SIZE_MAX;
            if (len != SIZE_MAX) {
                const int n = snprintf(ptr + len, cap - len, "/%zu", i);
                at = n > 0 && (size_t)n < cap - len ? len + (size_t)n : SIZE_MAX;
            }
            if (nul_string_at(json_array_get(v, i), ptr, cap, at))
                return true;
        }
    }
    return false;
}

bool yc_api_body_object(const yc_api *api, const yc_api_request *req, bool empty_ok,
                        yc_api_response *res, yc_err *ret, json_t **ret_obj)
{
    *ret_obj = NULL;
    if (req->body_len == 0 && empty_ok) {
        *ret_obj = json_object();
        if (*ret_obj == NULL)
            *ret = yc_api_error(res, YC_ERR_NOMEM);
        return *ret_obj != NULL;
    }
    if (!yc_api_media_type_is(req->content_type, "application/json")) {
        *ret = yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be application/json", NULL);
        return false;
    }
    if (!yc_api_charset_is_utf8(req->content_type)) {
        *ret = yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be UTF-8: charset=utf-8 or no charset", NULL);
        return false;
    }
    if (req->body_len > api->max_body) {
        *ret = yc_api_problem(res, 413, YC_API_PROBLEM_TOO_LARGE, "Payload too large",
                              "the body exceeds the configured limit", NULL);
        return false;
    }
    json_error_t jerr;
    /* \u0000 is valid JSON (RFC 8259 §7): parsed, then refused as an invalid field below */
    json_t *o = json_loadb((const char *)req->body, req->body_len,
                           JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (o == NULL) {
        *ret = json_error_code(&jerr) == json_error_out_of_memory
                   ? yc_api_error(res, YC_ERR_NOMEM)
                   : yc_api_problem(res, 400, YC_API_PROBLEM_MALFORMED_JSON, "Malformed JSON",
                                    "the body is not valid JSON or repeats a key", "");
        return false;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        *ret = yc_api_bad_field(res, "", "the body must be a JSON object");
        return false;
    }
    char pointer[128];
    if (nul_string_at(o, pointer, sizeof pointer, 0)) {
        json_decref(o);
        *ret = yc_api_bad_field(res, pointer, "a string must not hold U+0000");
        return false;
    }
    *ret_obj = o;
    return true;
}

/* An unknown member: named by its JSON Pointer when it is a plain name. */
static yc_err unknown_member(yc_api_response *res, const char *key, const char *allowed)
{
    char pointer[40] = "";
    char detail[160];
    if (yc_api_key_is_nameable(key))
        snprintf(pointer, sizeof pointer, "/%s", key);
    snprintf(detail, sizeof detail, "unknown member (allowed: %s)", allowed);
    return yc_api_bad_field(res, pointer, detail);
}

static bool only_members(json_t *o, const char *const *names, size_t n, const char *allowed,
                         yc_api_response *res, yc_err *ret)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = strcmp(key, names[i]) == 0;
        if (!known) {
            *ret = unknown_member(res, key, allowed);
            return false;
        }
    }
    return true;
}

/* ---- issueAttestation ---- */

typedef struct issue_req {
    bool want[N_DISCLOSE];
    bool by_type; /* no `disclose`: grade for a merchant, band for an individual */
    char aud[YC_ATTEST_AUD_MAX + 1];
    bool has_aud;
    unsigned validity_days;
    yc_attest_alg alg;
} issue_req;

static bool parse_disclose(json_t *v, issue_req *ir, yc_api_response *res, yc_err *ret)
{
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > N_DISCLOSE) {
        *ret =
            yc_api_bad_field(res, "/disclose",
                             "expected an array of 1 to 6 distinct names from score, grade, band, "
                             "as_of, reasons, name");
        return false;
    }
    memset(ir->want, 0, sizeof ir->want);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        char pointer[40];
        snprintf(pointer, sizeof pointer, "/disclose/%zu", i);
        const char *s = json_string_value(item);
        size_t k = 0;
        while (s != NULL && k < N_DISCLOSE && strcmp(s, disclose_names[k]) != 0)
            k++;
        if (s == NULL || k == N_DISCLOSE) {
            *ret = yc_api_bad_field(res, pointer,
                                    "expected one of score, grade, band, as_of, reasons, name");
            return false;
        }
        if (ir->want[k]) {
            *ret = yc_api_bad_field(res, pointer, "named twice");
            return false;
        }
        ir->want[k] = true;
    }
    return true;
}

static bool parse_issue(const yc_api *api, json_t *o, issue_req *ir, yc_api_response *res,
                        yc_err *ret)
{
    static const char *const names[] = {"disclose", "aud",     "validity_days",
                                        "alg",      "purpose", "consent_id"};
    if (!only_members(o, names, 6, "disclose, aud, validity_days, alg, purpose, consent_id", res,
                      ret))
        return false;
    /* default: score, grade or band, as_of (attestations.md §1.3) */
    *ir = (issue_req){.want = {true, false, false, true, false, false},
                      .by_type = true,
                      .validity_days = api->cfg.attest.default_validity_days};
    json_t *v = json_object_get(o, "disclose");
    if (v != NULL && !parse_disclose(v, ir, res, ret))
        return false;
    if (v != NULL)
        ir->by_type = false;
    v = json_object_get(o, "aud");
    if (v != NULL) {
        const char *s = json_string_value(v);
        size_t n = s != NULL ? json_string_length(v) : 0;
        if (s == NULL || n == 0 || n > YC_ATTEST_AUD_MAX || strlen(s) != n ||
            !text_is_printable(s, n)) {
            *ret = yc_api_bad_field(res, "/aud", "expected a string of 1 to 255 printable bytes");
            return false;
        }
        memcpy(ir->aud, s, n + 1);
        ir->has_aud = true;
    }
    v = json_object_get(o, "validity_days");
    if (v != NULL) {
        json_int_t d = json_is_integer(v) ? json_integer_value(v) : 0;
        if (d < 1 || d > (json_int_t)api->cfg.attest.max_validity_days) {
            char detail[96];
            snprintf(detail, sizeof detail,
                     "expected an integer in 1..%u (attest.max_validity_days)",
                     api->cfg.attest.max_validity_days);
            *ret = yc_api_bad_field(res, "/validity_days", detail);
            return false;
        }
        ir->validity_days = (unsigned)d;
    }
    v = json_object_get(o, "alg");
    if (v != NULL) {
        const char *s = json_string_value(v);
        if (s != NULL && strcmp(s, "EdDSA") == 0)
            ir->alg = YC_ATTEST_ALG_EDDSA;
        else if (s != NULL && strcmp(s, "Ed25519") == 0)
            ir->alg = YC_ATTEST_ALG_ED25519;
        else {
            *ret = yc_api_bad_field(res, "/alg", "expected \"EdDSA\" or \"Ed25519\"");
            return false;
        }
    }
    return true;
}

/* The disclosable claims from the score JSON (score_json.c's shape) and the subject's name. */
static yc_err build_disclosable(const yc_api *api, const issue_req *ir, const char *sid,
                                json_t *score, json_t **ret, yc_api_response *res, bool *answered)
{
    const char *type = json_string_value(json_object_get(score, "subject_type"));
    const bool person = type != NULL && strcmp(type, "natural_person") == 0;
    bool want[N_DISCLOSE];
    memcpy(want, ir->want, sizeof want);
    if (ir->by_type) /* the default: score, grade or band, as_of (attestations.md §1.3) */
        want[person ? 2 : 1] = true;
    json_t *d = json_object();
    YC_ENSURE(d != NULL, YC_ERR_NOMEM);
    yc_err rv = YC_OK;
    for (size_t k = 0; k < N_DISCLOSE && rv == YC_OK; k++) {
        if (!want[k])
            continue;
        const char *name = disclose_names[k];
        json_t *value = NULL;
        if (strcmp(name, "grade") == 0 && person) {
            rv = yc_api_bad_field(res, "/disclose", "an individual has a band, not a grade");
            *answered = true;
            break;
        }
        if (strcmp(name, "band") == 0 && !person) {
            rv = yc_api_bad_field(res, "/disclose", "a merchant has a grade, not a band");
            *answered = true;
            break;
        }
        if (strcmp(name, "name") == 0) {
            if (person) {
                /* an individual's name never leaves the store (ARCHITECTURE.md "Privacy") */
                rv = yc_api_bad_field(res, "/disclose", "an individual's name is never attested");
                *answered = true;
                break;
            }
            yc_store_subject subj;
            rv = yc_store_subject_get(api->store, sid, &subj);
            if (rv == YC_OK && subj.name[0] != '\0')
                value = json_string(subj.name);
            else if (rv == YC_OK || rv == YC_ERR_NOT_FOUND) {
                rv = YC_OK;
                continue; /* no name on record: nothing to disclose */
            }
        } else if (strcmp(name, "reasons") == 0) {
            value = json_array();
            size_t i;
            json_t *r;
            json_array_foreach(json_object_get(score, "reasons"), i, r)
            {
                json_t *item = json_pack("{s:O, s:O, s:O, s:O}", "code", json_object_get(r, "code"),
                                         "points_milli", json_object_get(r, "points_milli"),
                                         "decision_date", json_object_get(r, "decision_date"),
                                         "disputed", json_object_get(r, "disputed"));
                if (value == NULL || json_array_append_new(value, item) != 0) {
                    json_decref(value);
                    value = NULL;
                    break;
                }
            }
        } else {
            value = json_incref(json_object_get(score, name));
        }
        if (rv == YC_OK && (value == NULL || json_object_set_new(d, name, value) != 0))
            rv = YC_ERR_NOMEM;
    }
    if (rv != YC_OK) {
        json_decref(d);
        return rv;
    }
    *ret = d;
    return YC_OK;
}

/* The 201 body, formatted directly: every member is base64url, digits, a fixed-shape time or
 * the configured issuer URL (config.c: no '"', '\\' or control characters), so nothing needs
 * escaping, and the token (about 1.5 KB) is copied once instead of passing through Jansson. */
static yc_err issued_json(const yc_attest_issued *out, yc_api_response *r)
{
    static const char fmt[] = "{\"token\":\"%s\",\"jti\":\"%s\",\"issued_at\":\"%s\","
                              "\"expires_at\":\"%s\",\"status\":{\"list\":%" PRIu32
                              ",\"index\":%" PRIu32 ",\"uri\":\"%s\"}}";
    char iat[YC_TIME_RFC3339_LEN + 1], exp[YC_TIME_RFC3339_LEN + 1];
    yc_time_rfc3339(out->rec->iat, iat);
    yc_time_rfc3339(out->rec->exp, exp);
    const size_t cap = sizeof fmt + out->token_len + strlen(out->status_uri) + 128;
    char *body = yc_alloc(cap);
    YC_ENSURE(body != NULL, YC_ERR_NOMEM);
    int len = snprintf(body, cap, fmt, out->token, out->rec->jti, iat, exp, out->rec->list,
                       out->rec->index, out->status_uri);
    if (len < 0 || (size_t)len >= cap) {
        yc_free(body);
        return YC_ERR_INTERNAL;
    }
    r->status = 201;
    r->content_type = "application/json";
    r->body = body;
    r->body_len = (size_t)len;
    return YC_OK;
}

static void issue_done(void *ctx, yc_err rv, const yc_attest_issued *out)
{
    yc_api_pending *p = ctx;
    yc_api_response r = {0};
    if (rv == YC_OK)
        rv = issued_json(out, &r);
    else
        rv = yc_api_error(&r, rv);
    if (rv != YC_OK) {
        yc_api_response_clear(&r);
        r.status = 503; /* no memory even for the problem: a bare 503 */
    }
    yc_api_pending_complete(p, &r);
}

static yc_err no_attest(const yc_api *api, yc_api_response *res, yc_err *ret)
{
    (void)api;
    *ret = yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                          "the attestation issuer is not loaded", NULL);
    return *ret;
}

yc_err yc_api_issue_attestation(yc_api *api, const yc_api_request *req, const char *sid,
                                yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    json_t *body = NULL, *score = NULL, *disclosable = NULL, *lists = NULL;
    yc_api_local_evidence lev;
    bool has_lev = false;
    const yc_policy_snap *pol = NULL;
    issue_req ir;
    if (!yc_api_body_object(api, req, true, res, &rv, &body))
        return rv;
    if (!parse_issue(api, body, &ir, res, &rv))
        goto out;
    if (yc_api_not_ready(api, res, &rv))
        goto out;
    /* issue 6 item 2: `purpose` and `consent_id` body members (strings) of a client's request */
    json_t *jp = json_object_get(body, "purpose"), *jc = json_object_get(body, "consent_id");
    if ((jp != NULL && !json_is_string(jp)) || (jc != NULL && !json_is_string(jc))) {
        rv = yc_api_bad_field(res, jp != NULL && !json_is_string(jp) ? "/purpose" : "/consent_id",
                              "expected a string");
        goto out;
    }
    const char *purpose = jp != NULL ? json_string_value(jp) : NULL;
    const char *consent = jc != NULL ? json_string_value(jc) : NULL;
    if (!yc_api_access_check(api, req, YC_API_READ_ATTESTATION_ISSUE, sid, purpose,
                             jp != NULL ? json_string_length(jp) : 0, consent,
                             jc != NULL ? json_string_length(jc) : 0, true, res, &rv))
        goto out;
    if (api->attest == NULL) {
        no_attest(api, res, &rv);
        goto out;
    }
    if ((pol = yc_api_policy_acquire(api)) == NULL) {
        rv = yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                            "the score model is not loaded", NULL);
        goto out;
    }
    /* records, recognised shared records, score and listings (evidence.c, shared with the
     * decisions); issue 5 review finding 1: the `lists` claim, the listings in effect */
    if (!yc_api_local_evidence_get(api, pol, sid, yc_date_today_shanghai(), "subject_id", true,
                                   &lev, res, &rv))
        goto out;
    has_lev = true;
    score = lev.score_json;
    bool answered = false;
    rv = build_disclosable(api, &ir, sid, score, &disclosable, res, &answered);
    if (answered)
        goto out;
    if (rv == YC_OK && (lists = yc_api_listings_claim(lev.listings, lev.n_listings)) == NULL)
        rv = YC_ERR_NOMEM;
    if (rv != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    json_t *model = json_object_get(score, "model");
    yc_attest_issue_in in = {
        .subject_id = sid,
        .subject_type = json_string_value(json_object_get(score, "subject_type")),
        .model_version = json_string_value(json_object_get(model, "version")),
        .model_digest = json_string_value(json_object_get(model, "digest")),
        .disclosable = disclosable,
        .aud = ir.has_aud ? ir.aud : NULL,
        .validity_days = ir.validity_days,
        .alg = ir.alg,
        .lists = lists,
    };
    if (in.subject_type == NULL || in.model_version == NULL || in.model_digest == NULL) {
        rv = yc_api_error(res, YC_ERR_INTERNAL);
        goto out;
    }
    yc_api_pending *p = NULL;
    rv = yc_api_pending_new(&p);
    if (rv == YC_OK)
        rv = yc_attest_issue(api->attest, &in, now_s(), issue_done, p);
    if (rv == YC_OK) {
        res->status = 0;
        res->pending = p;
        goto out;
    }
    if (p != NULL)
        yc_api_pending_abandon(p);
    if (rv == YC_ERR_NOT_FOUND)
        rv = yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                            "no active attestation signing key (yrdcredit keys new)", NULL);
    else
        rv = yc_api_error(res, rv);
out:
    json_decref(lists);
    if (has_lev)
        yc_api_local_evidence_clear(&lev); /* owns score */
    json_decref(disclosable);
    json_decref(body);
    yc_api_policy_release(api, pol);
    return rv;
}

/* ---- listAttestations ---- */

static json_t *record_json(const yc_store_attestation *a, const char *uri_prefix, int64_t now)
{
    char iat[YC_TIME_RFC3339_LEN + 1], exp[YC_TIME_RFC3339_LEN + 1], at[YC_TIME_RFC3339_LEN + 1],
        uri[YC_ATTEST_URI_MAX + 16];
    yc_time_rfc3339(a->iat, iat);
    yc_time_rfc3339(a->exp, exp);
    yc_time_rfc3339(a->state_at, at);
    snprintf(uri, sizeof uri, "%s%" PRIu32, uri_prefix, a->list);
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:{s:I, s:I, s:s}}", "jti", a->jti,
                     "issued_at", iat, "expires_at", exp, "aud",
                     a->aud[0] ? json_string(a->aud) : json_null(), "kid", a->kid, "state",
                     yc_attest_state_name(a, now), "state_changed_at",
                     a->state_at ? json_string(at) : json_null(), "reason",
                     a->reason[0] ? json_string(a->reason) : json_null(), "status", "list",
                     (json_int_t)a->list, "index", (json_int_t)a->index, "uri", uri);
}

static void uri_prefix(const yc_api *api, char out[static YC_ATTEST_URI_MAX + 1])
{
    snprintf(out, YC_ATTEST_URI_MAX + 1, "%s/v1/status-lists/", api->cfg.attest.issuer);
}

/* A cursor of the store: 1..YC_STORE_ATTEST_CURSOR_MAX bytes of [A-Za-z0-9_.-]. */
static bool cursor_shape_ok(const char *v, size_t len)
{
    if (len == 0 || len > YC_STORE_ATTEST_CURSOR_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

yc_err yc_api_list_attestations(yc_api *api, const yc_api_request *req, const char *sid,
                                yc_api_response *res)
{
    static const char *const allowed[] = {"limit", "cursor", "purpose", "consent_id", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    size_t len = 0;
    uint64_t limit = YC_API_PAGE_DEFAULT;
    const char *v = yc_api_query_get(&q, "limit", &len);
    if (v != NULL && !yc_api_parse_limit(v, len, &limit))
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "expected an integer in 1..100", "limit");
    char cursor[YC_STORE_ATTEST_CURSOR_MAX + 1] = "";
    v = yc_api_query_get(&q, "cursor", &len);
    if (v != NULL) {
        if (!cursor_shape_ok(v, len))
            return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "not a cursor returned by this API", "cursor");
        memcpy(cursor, v, len);
        cursor[len] = '\0';
    }
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    /* issue 6 item 2: purpose and consent of a client's read (noted for the query log) */
    size_t plen = 0, clen = 0;
    const char *purpose = yc_api_query_get(&q, "purpose", &plen);
    const char *consent = yc_api_query_get(&q, "consent_id", &clen);
    if (!yc_api_access_check(api, req, YC_API_READ_ATTESTATIONS, sid, purpose, plen, consent, clen,
                             false, res, &rv))
        return rv;
    yc_store_attestation *items = NULL;
    size_t n = 0;
    char next[YC_STORE_ATTEST_CURSOR_MAX + 1] = "";
    rv = yc_store_attestations_by_subject(api->store, sid, cursor, (size_t)limit, &items, &n, next);
    if (rv == YC_ERR_INVALID)
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "not a cursor returned by this API", "cursor");
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    if (n == 0 && cursor[0] == '\0') {
        yc_store_subject subj;
        yc_err e = yc_store_subject_get(api->store, sid, &subj);
        if (e == YC_ERR_NOT_FOUND) {
            yc_free(items);
            return yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "Unknown subject",
                                  "no records of this subject", "subject_id");
        }
    }
    char prefix[YC_ATTEST_URI_MAX + 1];
    uri_prefix(api, prefix);
    const int64_t now = now_s();
    json_t *arr = json_array();
    rv = arr != NULL ? YC_OK : YC_ERR_NOMEM;
    for (size_t i = 0; i < n && rv == YC_OK; i++)
        if (json_array_append_new(arr, record_json(&items[i], prefix, now)) != 0)
            rv = YC_ERR_NOMEM;
    yc_free(items);
    if (rv != YC_OK) {
        json_decref(arr);
        return rv;
    }
    return yc_api_json(res, 200,
                       json_pack("{s:s, s:o, s:o}", "subject_id", sid, "attestations", arr,
                                 "next_cursor", next[0] ? json_string(next) : json_null()));
}

/* ---- revokeAttestation, suspendAttestation, unsuspendAttestation ---- */

static void state_done(void *ctx, yc_err rv, const yc_store_attestation *rec)
{
    yc_api_pending *p = ctx;
    yc_api_response r = {0};
    if (rv == YC_OK) {
        char at[YC_TIME_RFC3339_LEN + 1];
        yc_time_rfc3339(rec->state_at, at);
        rv = yc_api_json(&r, 200,
                         json_pack("{s:s, s:s, s:s, s:o}", "jti", rec->jti, "state",
                                   yc_attest_state_name(rec, now_s()), "state_changed_at", at,
                                   "reason",
                                   rec->reason[0] ? json_string(rec->reason) : json_null()));
    } else if (rv == YC_ERR_NOT_FOUND)
        rv = yc_api_problem(&r, 404, YC_API_PROBLEM_UNKNOWN_ATTESTATION, "Unknown attestation",
                            "no attestation with this jti", "jti");
    else if (rv == YC_ERR_CONFLICT) /* another change of this token committed first */
        rv = yc_api_problem(&r, 409, YC_API_PROBLEM_STATE_CONFLICT, "State conflict",
                            "the attestation's state changed meanwhile; the change is not allowed "
                            "from its current state",
                            "jti");
    else
        rv = yc_api_error(&r, rv);
    if (rv != YC_OK) {
        yc_api_response_clear(&r);
        r.status = 503;
    }
    yc_api_pending_complete(p, &r);
}

static bool jti_shape_ok(const char *s, size_t n)
{
    if (n != YC_ATTEST_JTI_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* The audit entry of a state change (issue 6 item 7; breaker2 defect 5): actor the client
 * ("system:api" without one, auth off), target the jti, ok when queued for the commit. */
static yc_err audit_state(yc_api *api, const yc_api_request *req, const char *jti,
                          yc_attest_state to, bool ok, const char *detail)
{
    const yc_api_ident *who = req->ident;
    yc_store_audit e = {.at_ms = yc_clock_now_ms(),
                        .action =
                            (uint8_t)(to == YC_ATTEST_REVOKED     ? YC_AUDIT_ATTEST_REVOKE
                                      : to == YC_ATTEST_SUSPENDED ? YC_AUDIT_ATTEST_SUSPEND
                                                                  : YC_AUDIT_ATTEST_UNSUSPEND),
                        .outcome = ok ? YC_AUDIT_OK : YC_AUDIT_REFUSED};
    snprintf(e.actor, sizeof e.actor, "%s",
             who != NULL && who->kind == YC_API_IDENT_CLIENT ? who->client_id : "system:api");
    snprintf(e.target, sizeof e.target, "%s", jti);
    snprintf(e.detail, sizeof e.detail, "%s", detail);
    if (!yc_audit_text_ok(e.target, false)) { /* a letter and 7 digits in the jti */
        e.target[0] = '\0';
        snprintf(e.detail, sizeof e.detail, "%s (jti not storable: digit rule)", detail);
    }
    return yc_store_audit_append(api->store, &e, NULL);
}

yc_err yc_api_attestation_state(yc_api *api, const yc_api_request *req, const char *jti_s,
                                size_t jti_len, yc_attest_state to, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    static const char *const names[] = {"reason"};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!jti_shape_ok(jti_s, jti_len))
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "expected a jti: 22 base64url characters", "jti");
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    char jti[YC_ATTEST_JTI_LEN + 1];
    memcpy(jti, jti_s, jti_len);
    jti[jti_len] = '\0';
    const bool reason_required = to != YC_ATTEST_VALID;
    json_t *body = NULL;
    if (!yc_api_body_object(api, req, !reason_required, res, &rv, &body))
        return rv;
    char reason[YC_ATTEST_REASON_MAX + 1] = "";
    if (!only_members(body, names, 1, "reason", res, &rv))
        goto out;
    json_t *v = json_object_get(body, "reason");
    if (v != NULL || reason_required) {
        const char *s = json_string_value(v);
        size_t n = s != NULL ? json_string_length(v) : 0;
        if (s == NULL || n == 0 || n > YC_ATTEST_REASON_MAX || strlen(s) != n ||
            !text_is_printable(s, n)) {
            rv = yc_api_bad_field(res, "/reason", "expected a string of 1 to 255 printable bytes");
            goto out;
        }
        memcpy(reason, s, n + 1);
    }
    if (yc_api_not_ready(api, res, &rv))
        goto out;
    if (api->attest == NULL) {
        no_attest(api, res, &rv);
        goto out;
    }
    /* Issue 6 item 6: a subject client changes only its own attestations (valid until they
     * expire or the subject revokes them); another subject's is as unknown to it (404). */
    const yc_api_ident *who = req->ident;
    if (who != NULL && who->kind == YC_API_IDENT_CLIENT && who->role == YC_ROLE_SUBJECT) {
        yc_store_attestation own;
        const yc_err g = yc_store_attestation_get(api->store, jti, &own);
        if (g == YC_OK ? strcmp(own.subject_id, who->subject) != 0 : g == YC_ERR_NOT_FOUND) {
            if ((rv = audit_state(api, req, jti, to, false, "unknown attestation")) != YC_OK) {
                rv = yc_api_error(res, rv);
                goto out;
            }
            rv = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_ATTESTATION, "Unknown attestation",
                                "the subject has no attestation with this jti", "jti");
            goto out;
        }
        if (g != YC_OK) {
            rv = yc_api_error(res, g);
            goto out;
        }
    }
    yc_api_pending *p = NULL;
    rv = yc_api_pending_new(&p);
    if (rv == YC_OK)
        rv = yc_attest_set_state(api->attest, jti, to, reason, now_s(), state_done, p);
    if (rv == YC_OK) {
        /* queued: the entry says so before the commit answers (a commit failure after it,
         * answered 503, leaves this entry ok; an entry that cannot be written is lost, the
         * change being queued already) */
        (void)audit_state(api, req, jti, to, true, "queued");
        res->status = 0;
        res->pending = p;
        goto out;
    }
    if (p != NULL)
        yc_api_pending_abandon(p);
    if (rv == YC_ERR_NOT_FOUND || rv == YC_ERR_CONFLICT) {
        const yc_err ae =
            audit_state(api, req, jti, to, false,
                        rv == YC_ERR_NOT_FOUND ? "unknown attestation" : "state conflict");
        if (ae != YC_OK) {
            rv = yc_api_error(res, ae);
            goto out;
        }
    }
    if (rv == YC_ERR_NOT_FOUND)
        rv = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_ATTESTATION, "Unknown attestation",
                            "no attestation with this jti", "jti");
    else if (rv == YC_ERR_CONFLICT)
        rv =
            yc_api_problem(res, 409, YC_API_PROBLEM_STATE_CONFLICT, "State conflict",
                           to == YC_ATTEST_REVOKED     ? "the attestation is already revoked"
                           : to == YC_ATTEST_SUSPENDED ? "only a valid attestation can be suspended"
                                                       : "the attestation is not suspended",
                           "jti");
    else
        rv = yc_api_error(res, rv);
out:
    json_decref(body);
    return rv;
}

/* ---- verifyAttestation ---- */

yc_err yc_api_verify_attestation(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    static const char *const names[] = {"token", "aud"};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    json_t *body = NULL;
    if (!yc_api_body_object(api, req, false, res, &rv, &body))
        return rv;
    yc_av_verdict vd = {0};
    if (!only_members(body, names, 2, "token, aud", res, &rv))
        goto out;
    json_t *tok = json_object_get(body, "token");
    if (!json_is_string(tok) || json_string_length(tok) == 0) {
        rv = yc_api_bad_field(res, "/token", "expected the SD-JWT (or a presentation) as a string");
        goto out;
    }
    json_t *aud = json_object_get(body, "aud");
    if (aud != NULL && (!json_is_string(aud) || json_string_length(aud) == 0 ||
                        json_string_length(aud) > YC_ATTEST_AUD_MAX ||
                        strlen(json_string_value(aud)) != json_string_length(aud))) {
        rv = yc_api_bad_field(res, "/aud", "expected a string of 1 to 255 bytes");
        goto out;
    }
    if (api->attest == NULL) {
        no_attest(api, res, &rv);
        goto out;
    }
    rv = yc_attest_verify(api->attest, json_string_value(tok), json_string_length(tok),
                          aud != NULL ? json_string_value(aud) : NULL, now_s(), &vd);
    if (rv != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    json_t *claims = vd.claims != NULL ? json_incref(vd.claims) : json_null();
    rv = yc_api_json(res, 200,
                     json_pack("{s:b, s:s, s:o, s:o, s:b}", "valid", vd.valid, "reason",
                               yc_av_reason_str(vd.reason), "issuer",
                               vd.issuer[0] ? json_string(vd.issuer) : json_null(), "claims",
                               claims, "status_checked", vd.status_checked));
out:
    yc_av_verdict_clear(&vd);
    json_decref(body);
    return rv;
}

/* ---- getJwks, getIssuerMetadata, getStatusList ---- */

yc_err yc_api_get_jwks(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    if (api->attest == NULL)
        return no_attest(api, res, &rv);
    char *json = NULL;
    size_t len = 0;
    YC_TRY(yc_attest_jwks(api->attest, now_s(), &json, &len));
    yc_free(res->body);
    res->body = json;
    res->body_len = len;
    res->status = 200;
    res->content_type = "application/jwk-set+json";
    return YC_OK;
}

yc_err yc_api_get_issuer_metadata(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    char jwks_uri[YC_CONFIG_ISSUER_MAX + 32];
    snprintf(jwks_uri, sizeof jwks_uri, "%s/.well-known/jwks.json", api->cfg.attest.issuer);
    return yc_api_json(
        res, 200, json_pack("{s:s, s:s}", "issuer", api->cfg.attest.issuer, "jwks_uri", jwks_uri));
}

yc_err yc_api_get_status_list(yc_api *api, const yc_api_request *req, const char *id_s,
                              size_t id_len, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    uint64_t id = 0;
    bool ok = id_len >= 1 && id_len <= 10 && id_s[0] != '0';
    for (size_t i = 0; ok && i < id_len; i++) {
        ok = id_s[i] >= '0' && id_s[i] <= '9';
        id = id * 10 + (uint64_t)(id_s[i] - '0');
    }
    if (!ok || id > UINT32_MAX)
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "expected a status list id: an integer in 1..4294967295", "id");
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    if (api->attest == NULL)
        return no_attest(api, res, &rv);
    char *token = NULL;
    size_t len = 0;
    char etag[YC_ATTEST_ETAG_LEN + 1];
    rv = yc_attest_status_list(api->attest, (uint32_t)id, now_s(), &token, &len, etag);
    if (rv == YC_ERR_NOT_FOUND)
        return yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_STATUS_LIST, "Unknown status list",
                              "no status list with this id", "id");
    if (rv == YC_ERR_AGAIN)
        return yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                              "no active status-list signing key (yrdcredit keys new)", NULL);
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    yc_free(res->body);
    res->body = token;
    res->body_len = len;
    res->status = 200;
    res->content_type = "application/statuslist+jwt";
    memcpy(res->etag, etag, sizeof etag);
    snprintf(res->cache_control, sizeof res->cache_control, "max-age=%u",
             api->cfg.attest.status_list_ttl_s);
    /* RFC 9110 §13.1.2: "*" matches any current representation, else a listed entity tag */
    if (req->if_none_match != NULL &&
        (strcmp(req->if_none_match, "*") == 0 || strstr(req->if_none_match, etag) != NULL)) {
        yc_free(res->body);
        res->body = NULL;
        res->body_len = 0;
        res->status = 304;
        res->content_type = NULL;
    }
    return YC_OK;
}
