/* yc_api_open/close and the router of svc/api/ (include/yrdcredit/api.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_attest.h"
#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/authz.h"
#include "yrdcredit/date.h"
#include "yrdcredit/ids.h"

_Static_assert(YC_CONFIG_SCORE_CACHE_MAX == YC_API_SCORE_CACHE_MAX, "score cache bound");

yc_err yc_api_open(const char *data_dir, const yc_api_opts *opts, yc_api **ret_api)
{
    YC_ENSURE(opts == NULL || opts->max_body_bytes <= YC_API_BODY_MAX_LIMIT, YC_ERR_INVALID);
    YC_ENSURE(opts == NULL || opts->config == NULL ||
                  opts->config->api.score_cache_entries <= YC_API_SCORE_CACHE_MAX,
              YC_ERR_INVALID);
    yc_core_init_json();
    yc_api *api = yc_calloc(1, sizeof *api);
    YC_ENSURE(api != NULL, YC_ERR_NOMEM);
    api->max_body =
        opts != NULL && opts->max_body_bytes > 0 ? opts->max_body_bytes : YC_API_BODY_MAX_DEFAULT;
    yc_err rv = YC_OK;
    if (opts != NULL && opts->config != NULL)
        api->cfg = *opts->config;
    else
        rv = yc_config_load(data_dir, &api->cfg, NULL);
    if (rv != YC_OK)
        goto out;
    api->cache_entries = api->cfg.api.score_cache_entries;
    if ((size_t)snprintf(api->data_dir, sizeof api->data_dir, "%s", data_dir) >=
        sizeof api->data_dir) {
        rv = YC_ERR_INVALID;
        goto out;
    }
    if (opts != NULL && opts->config_file != NULL &&
        (size_t)snprintf(api->config_file, sizeof api->config_file, "%s", opts->config_file) >=
            sizeof api->config_file) {
        rv = YC_ERR_INVALID;
        goto out;
    }
    pthread_mutex_init(&api->policy_mu, NULL);
    pthread_mutex_init(&api->reload_mu, NULL);
    yc_api_clients_open(api); /* issue 6: who is calling (enforced with auth.required) */
    /* Model, rules and store failures leave the instance open but not ready (503).  A policy
     * file that fails leaves its part unloaded (its routes answer 503); the reason is logged. */
    char why[YC_POLICY_WHY_MAX];
    if (yc_policy_snap_load(&api->cfg, data_dir, false, &api->policy, why, sizeof why) != YC_OK) {
        api->policy = NULL;
        fprintf(stderr, "yrdcredit: not ready: %s\n", why);
    } else if (why[0] != '\0') {
        fprintf(stderr, "yrdcredit: policy not loaded: %s\n", why);
    }
    if (api->policy != NULL)
        api->policy->generation = 1;
    char msg[256];
    if (yc_rules_load(api->cfg.rules_path, &api->rules, msg, sizeof msg) != YC_OK)
        api->rules = NULL;
    yc_store_opts so = {.map_size_bytes = api->cfg.map_size_mib * 1024u * 1024u};
    if (yc_store_open(data_dir, &so, &api->store) != YC_OK)
        api->store = NULL;
    /* The issuer needs the store; without it the attestation routes answer 503. */
    if (api->store != NULL &&
        yc_attest_service_open(data_dir, &api->cfg.attest, api->store, &api->attest) != YC_OK)
        api->attest = NULL;
    /* issue 6 B open (api->store may be NULL: not ready) */
    yc_api_access_open(api); /* the query log's committer, 10 ms window */
    /* issue 7 I: POST /v1/records' committer */
    yc_api_records_open(api);
    /* issue 6 C open */
    /* issue 6 D open */
    /* issue 6 E open */
    yc_api_ratelimit_open(api); /* the buckets of cfg.rate_limit */
    *ret_api = api;
    return YC_OK;
out:
    yc_free(api);
    return rv;
}

void yc_api_close(yc_api *api)
{
    if (api == NULL)
        return;
    for (size_t w = 0; w < YC_API_WORKERS_MAX; w++)
        yc_score_cache_free(api->caches[w]);
    /* issue 6 B close */
    yc_api_access_close(api); /* commits the queued entries, answers their reads */
    /* issue 7 I: commits the queued POSTs, answers them */
    yc_api_records_close(api);
    /* issue 6 C close */
    /* issue 6 D close */
    /* issue 6 E close */
    yc_api_ratelimit_close(api);
    yc_attest_service_close(api->attest); /* commits what is queued, answers every pending */
    yc_store_close(api->store);
    yc_rules_free(api->rules);
    yc_policy_snap_unref(api->policy);
    yc_api_clients_close(api);
    pthread_mutex_destroy(&api->reload_mu);
    pthread_mutex_destroy(&api->policy_mu);
    yc_free(api);
}

void yc_api_score_cache_stats(const yc_api *api, unsigned worker, yc_api_cache_stats *ret)
{
    *ret = (yc_api_cache_stats){0};
    if (worker < YC_API_WORKERS_MAX && api->caches[worker] != NULL)
        yc_score_cache_stats(api->caches[worker], ret);
}

void yc_api_response_clear(yc_api_response *res)
{
    if (res == NULL)
        return;
    yc_free(res->body);
    *res = (yc_api_response){0};
}

bool yc_api_media_type_is(const char *content_type, const char *type)
{
    if (content_type == NULL)
        return false;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t n = strcspn(content_type, ";");
    while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
        n--;
    return n == strlen(type) && strncasecmp(content_type, type, n) == 0;
}

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

bool yc_api_charset_is_utf8(const char *content_type)
{
    if (content_type == NULL)
        return true;
    /* parameters = *( OWS ";" OWS [ parameter ] ), parameter = token "=" ( token /
     * quoted-string ) (RFC 9110 §5.6.6); a value is compared after unquoting. */
    const char *p = content_type + strcspn(content_type, ";");
    while (*p == ';') {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == ';' || *p == '\0')
            continue; /* an empty parameter */
        const char *name = p;
        while (is_tchar(*p))
            p++;
        const size_t name_len = (size_t)(p - name);
        if (name_len == 0 || *p++ != '=')
            return false;
        char value[16];
        size_t vlen = 0;
        bool fits = true;
        if (*p == '"') {
            for (p++; *p != '"'; p++) {
                if (*p == '\\' && p[1] != '\0')
                    p++;
                else if (*p == '\0')
                    return false; /* unterminated */
                if (vlen < sizeof value)
                    value[vlen++] = *p;
                else
                    fits = false;
            }
            p++;
        } else {
            for (; is_tchar(*p); p++) {
                if (vlen < sizeof value)
                    value[vlen++] = *p;
                else
                    fits = false;
            }
            if (vlen == 0)
                return false;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ';' && *p != '\0')
            return false;
        if (name_len == 7 && strncasecmp(name, "charset", 7) == 0 &&
            !(fits && vlen == 5 && strncasecmp(value, "utf-8", 5) == 0))
            return false;
    }
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* RFC 3986 §2.3 unreserved. */
static bool is_unreserved(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

yc_err yc_api_pct_decode(const char *s, size_t len, char *out, size_t cap, size_t *ret_len)
{
    YC_ENSURE(cap > len, YC_ERR_TOO_LARGE);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        YC_ENSURE(len - i >= 3, YC_ERR_INVALID); /* '%' and two more bytes */
        const int h = hex_digit(s[i + 1]), l = hex_digit(s[i + 2]);
        YC_ENSURE(h >= 0 && l >= 0, YC_ERR_INVALID);
        const int c = h * 16 + l;
        if (is_unreserved(c)) {
            out[o++] = (char)c;
        } else { /* reserved or other: keeps its escape (and its meaning) */
            memcpy(out + o, s + i, 3);
            o += 3;
        }
        i += 2;
    }
    out[o] = '\0';
    *ret_len = o;
    return YC_OK;
}

/* ---- query parameter values: one check per parameter, shared with the access log ---- */

/* 1..20 ASCII digits into a uint64 without overflow. */
static bool parse_u64(const char *s, size_t len, uint64_t *ret)
{
    if (len == 0 || len > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        const uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *ret = v;
    return true;
}

bool yc_api_parse_as_of(const char *v, size_t len, yc_date *ret)
{
    char buf[YC_DATE_STR_LEN + 1];
    if (len != YC_DATE_STR_LEN)
        return false;
    memcpy(buf, v, len);
    buf[len] = '\0';
    return yc_date_parse_iso(buf, ret) == YC_OK;
}

bool yc_api_parse_limit(const char *v, size_t len, uint64_t *ret)
{
    uint64_t n = 0;
    if (len > 3 || !parse_u64(v, len, &n) || n < 1 || n > YC_API_PAGE_MAX)
        return false;
    *ret = n;
    return true;
}

bool yc_api_parse_cursor(const char *v, size_t len, uint64_t *ret)
{
    return len >= 2 && v[0] == 'r' && parse_u64(v + 1, len - 1, ret);
}

bool yc_api_parse_atomic(const char *v, size_t len, bool *ret)
{
    if (len == 4 && memcmp(v, "true", 4) == 0)
        *ret = true;
    else if (len == 5 && memcmp(v, "false", 5) == 0)
        *ret = false;
    else
        return false;
    return true;
}

static bool name_is(const char *name, size_t name_len, const char *lit)
{
    return strlen(lit) == name_len && memcmp(name, lit, name_len) == 0;
}

bool yc_api_query_value_is_valid(const char *name, size_t name_len, const char *value,
                                 size_t value_len)
{
    yc_date d;
    uint64_t u;
    bool b;
    if (name_is(name, name_len, "as_of"))
        return yc_api_parse_as_of(value, value_len, &d);
    if (name_is(name, name_len, "limit"))
        return yc_api_parse_limit(value, value_len, &u);
    if (name_is(name, name_len, "cursor"))
        return yc_api_parse_cursor(value, value_len, &u);
    if (name_is(name, name_len, "atomic"))
        return yc_api_parse_atomic(value, value_len, &b);
    return false;
}

/* Point *ret at [s, s + len) decoded: s itself when it has no '%', else a copy in the query's
 * buffer.  false: a malformed escape. */
static bool query_part(yc_api_query *q, const char *s, size_t len, const char **ret,
                       size_t *ret_len)
{
    if (memchr(s, '%', len) == NULL) {
        *ret = s;
        *ret_len = len;
        return true;
    }
    char *out = q->buf + q->buf_used;
    if (yc_api_pct_decode(s, len, out, sizeof q->buf - q->buf_used, ret_len) != YC_OK)
        return false;
    q->buf_used += *ret_len;
    *ret = out;
    return true;
}

bool yc_api_query_parse(const char *query, const char *const *allowed, yc_api_query *q,
                        yc_api_response *res, yc_err *ret)
{
    q->n = 0;
    q->buf_used = 0;
    if (query == NULL || query[0] == '\0')
        return true;
    if (strlen(query) > YC_API_QUERY_MAX) {
        *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "the query string is too long", "query");
        return false;
    }
    for (const char *p = query; *p != '\0';) {
        const size_t seg = strcspn(p, "&");
        const char *eq = memchr(p, '=', seg);
        const size_t raw_name_len = eq != NULL ? (size_t)(eq - p) : seg;
        const char *raw_value = eq != NULL ? eq + 1 : p + seg;
        const size_t raw_value_len = eq != NULL ? seg - raw_name_len - 1 : 0;
        const char *seg_start = p;
        p += seg;
        if (*p == '&')
            p++;
        if (seg == 0)
            continue; /* an empty component ("a=1&&b=2", a leading or trailing '&') */
        yc_api_qparam prm;
        if (!query_part(q, seg_start, raw_name_len, &prm.name, &prm.name_len)) {
            *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "malformed percent-encoding in a parameter name", "query");
            return false;
        }
        const char *name = NULL;
        for (size_t k = 0; allowed[k] != NULL; k++)
            if (name_is(prm.name, prm.name_len, allowed[k]))
                name = allowed[k];
        if (name == NULL) { /* named when nameable (never a document number), else "query" */
            char unknown[40] = "query";
            if (prm.name_len < sizeof unknown) {
                char key[sizeof unknown];
                memcpy(key, prm.name, prm.name_len);
                key[prm.name_len] = '\0';
                if (yc_api_key_is_nameable(key))
                    memcpy(unknown, key, prm.name_len + 1);
            }
            *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "unknown query parameter", unknown);
            return false;
        }
        if (!query_part(q, raw_value, raw_value_len, &prm.value, &prm.value_len)) {
            *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "malformed percent-encoding", name);
            return false;
        }
        size_t dummy = 0;
        if (yc_api_query_get(q, name, &dummy) != NULL || q->n == YC_API_QPARAMS_MAX) {
            *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "query parameter given more than once", name);
            return false;
        }
        q->p[q->n++] = prm;
    }
    return true;
}

const char *yc_api_query_get(const yc_api_query *q, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < q->n; i++)
        if (q->p[i].name_len == n && memcmp(q->p[i].name, name, n) == 0) {
            *len = q->p[i].value_len;
            return q->p[i].value;
        }
    *len = 0;
    return NULL;
}

static yc_err method_not_allowed(yc_api_response *res, const char *allow)
{
    yc_err rv = yc_api_problem(res, 405, YC_API_PROBLEM_METHOD, "Method not allowed",
                               "this resource does not support the request method", NULL);
    if (rv == YC_OK)
        res->allow = allow;
    return rv;
}

static yc_err not_found(yc_api_response *res)
{
    return yc_api_problem(res, 404, YC_API_PROBLEM_NOT_FOUND, "Not found", "no such resource",
                          NULL);
}

/* A path over YC_API_PATH_MAX bytes: not routed, a 404 naming "path" (issue 6 review item 9;
 * a 414 would have to be declared on every operation with a path parameter of the spec). */
static yc_err path_too_long(yc_api_response *res)
{
    char detail[48];
    (void)snprintf(detail, sizeof detail, "path longer than %d bytes", YC_API_PATH_MAX);
    return yc_api_problem(res, 404, YC_API_PROBLEM_NOT_FOUND, "Not found", detail, "path");
}

/* POST /v1/decisions and GET /v1/decisions/{id} (issue 5 item 4; decisions.c). */
static yc_err route_decisions(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    const char *path = req->path, *m = req->method;
    if (strcmp(path, "/v1/decisions") == 0)
        return strcmp(m, "POST") == 0 ? yc_api_create_decision(api, req, res)
                                      : method_not_allowed(res, "POST");
    static const char dec[] = "/v1/decisions/";
    const char *id = path + sizeof dec - 1;
    if (id[0] == '\0' || strchr(id, '/') != NULL)
        return not_found(res);
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0
               ? yc_api_get_decision(api, req, id, strlen(id), res)
               : method_not_allowed(res, "GET, HEAD");
}

/* The attestation routes outside /v1/subjects/ (issue 4 items 4–6). */
static yc_err route_attest(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    const char *path = req->path, *m = req->method;
    const bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    const bool post = strcmp(m, "POST") == 0;
    if (strcmp(path, "/.well-known/jwks.json") == 0)
        return get ? yc_api_get_jwks(api, req, res) : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/.well-known/jwt-vc-issuer") == 0)
        return get ? yc_api_get_issuer_metadata(api, req, res)
                   : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/v1/attestations/verify") == 0)
        return post ? yc_api_verify_attestation(api, req, res) : method_not_allowed(res, "POST");
    static const char lists[] = "/v1/status-lists/";
    if (strncmp(path, lists, sizeof lists - 1) == 0) {
        const char *id = path + sizeof lists - 1;
        if (id[0] == '\0' || strchr(id, '/') != NULL)
            return not_found(res);
        return get ? yc_api_get_status_list(api, req, id, strlen(id), res)
                   : method_not_allowed(res, "GET, HEAD");
    }
    static const char att[] = "/v1/attestations/";
    if (strncmp(path, att, sizeof att - 1) != 0)
        return not_found(res);
    const char *jti = path + sizeof att - 1;
    const char *slash = strchr(jti, '/');
    if (slash == NULL || slash == jti)
        return not_found(res);
    yc_attest_state to;
    if (strcmp(slash, "/revoke") == 0)
        to = YC_ATTEST_REVOKED;
    else if (strcmp(slash, "/suspend") == 0)
        to = YC_ATTEST_SUSPENDED;
    else if (strcmp(slash, "/unsuspend") == 0)
        to = YC_ATTEST_VALID;
    else
        return not_found(res);
    return post ? yc_api_attestation_state(api, req, jti, (size_t)(slash - jti), to, res)
                : method_not_allowed(res, "POST");
}

/* Route a request whose path is known to be at most YC_API_PATH_MAX bytes. */
static yc_err route(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    const char *path = req->path, *m = req->method;
    const bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    const bool post = strcmp(m, "POST") == 0;
    if (strcmp(path, "/healthz") == 0)
        return get ? yc_api_get_healthz(api, req, res) : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/readyz") == 0)
        return get ? yc_api_get_readyz(api, req, res) : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/v1/records") == 0)
        return post ? yc_api_post_records(api, req, res) : method_not_allowed(res, "POST");
    if (strcmp(path, "/v1/shared-records") == 0)
        return post ? yc_api_post_shared_records(api, req, res) : method_not_allowed(res, "POST");
    if (strcmp(path, "/v1/subjects/lookup") == 0)
        return post ? yc_api_lookup_subject(api, req, res) : method_not_allowed(res, "POST");
    if (strcmp(path, "/v1/measures") == 0)
        return get ? yc_api_list_measures(api, req, res) : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/v1/decisions") == 0 || strncmp(path, "/v1/decisions/", 14) == 0)
        return route_decisions(api, req, res);
    /* issue 6 B: /v1/me/consents, /v1/me/queries */
    if (strcmp(path, "/v1/me/consents") == 0 || strncmp(path, "/v1/me/consents/", 16) == 0 ||
        strcmp(path, "/v1/me/queries") == 0)
        return yc_api_route_access(api, req, res);
    /* issue 6 C: /v1/me/objections, /v1/objections, /v1/records/{id}/revoke */
    if (yc_api_c_route_owns(path))
        return yc_api_c_route(api, req, res);
    /* issue 6 D: /v1/me, /v1/me/score, /v1/me/records, /v1/me/attestations, repairs */
    if (yc_api_d_route_owns(path))
        return yc_api_d_route(api, req, res);
    /* issue 6 E: /v1/audit */
    if (strcmp(path, "/v1/audit") == 0)
        return get ? yc_api_get_audit(api, req, res) : method_not_allowed(res, "GET, HEAD");
    if (strcmp(path, "/.well-known/jwks.json") == 0 ||
        strcmp(path, "/.well-known/jwt-vc-issuer") == 0 ||
        strncmp(path, "/v1/attestations/", 17) == 0 || strncmp(path, "/v1/status-lists/", 17) == 0)
        return route_attest(api, req, res);
    static const char prefix[] = "/v1/subjects/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return not_found(res);
    const char *id = path + sizeof prefix - 1;
    const char *slash = strchr(id, '/');
    if (slash == NULL || slash == id)
        return not_found(res);
    const bool score = strcmp(slash, "/score") == 0;
    const bool attestations = strcmp(slash, "/attestations") == 0;
    if (!score && !attestations && strcmp(slash, "/records") != 0)
        return not_found(res);
    if (attestations && !get && !post)
        return method_not_allowed(res, "GET, HEAD, POST");
    if (!attestations && !get)
        return method_not_allowed(res, "GET, HEAD");
    const size_t id_len = (size_t)(slash - id);
    if (score) /* checks the id itself, after a look into its cache */
        return yc_api_get_score(api, req, id, id_len, res);
    if (!yc_subject_id_is_valid(id, id_len))
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "not a valid 统一社会信用代码 or 'P' pseudonym", "subject_id");
    char sid[YC_SUBJECT_ID_MAX + 1];
    memcpy(sid, id, id_len);
    sid[id_len] = '\0';
    if (attestations)
        return post ? yc_api_issue_attestation(api, req, sid, res)
                    : yc_api_list_attestations(api, req, sid, res);
    return yc_api_list_records(api, req, sid, res);
}

/* Route a path with percent-encoded octets: the unreserved ones decoded first (RFC 3986
 * §6.2.2.2), the others kept, so that a segment holding one is invalid; a malformed escape
 * names no resource. */
static yc_err route_decoded(yc_api *api, const yc_api_request *req, size_t path_len,
                            yc_api_response *res)
{
    char path[YC_API_PATH_MAX + 1];
    size_t n = 0;
    if (yc_api_pct_decode(req->path, path_len, path, sizeof path, &n) != YC_OK)
        return not_found(res);
    yc_api_request r = *req;
    r.path = path;
    return route(api, &r, res);
}

/* Issue 6 item 1 behind config auth.required: the route × role table (authz.h) before
 * dispatch.  Answers 401, 400 or 403 and returns true when the request is refused; false lets
 * the router answer (public rows, allowed roles, and paths the table does not know, which the
 * router answers 404 or 405 as before). */
static bool auth_refused(const yc_api_request *req, const yc_api_ident *ident, yc_api_response *res,
                         yc_err *ret)
{
    const size_t path_len = strlen(req->path);
    if (path_len > YC_API_PATH_MAX)
        return false; /* the router's 404 */
    char path[YC_API_PATH_MAX + 1];
    size_t n = 0;
    if (yc_api_pct_decode(req->path, path_len, path, sizeof path, &n) != YC_OK)
        return false; /* a malformed escape names no resource: the router's 404 */
    const yc_authz_route route = yc_authz_route_lookup(req->method, path);
    if (route == YC_AUTHZ_NOT_FOUND || yc_authz_is_public(route))
        return false;
    switch (ident->kind) {
    case YC_API_IDENT_CLIENT:
        if (yc_authz_allowed(route, (yc_authz_role)ident->role))
            return false;
        *ret = yc_api_problem(res, 403, YC_API_PROBLEM_FORBIDDEN, "Forbidden",
                              "the client's role may not call this route", NULL);
        res->www_authenticate = "Bearer error=\"insufficient_scope\"";
        return true;
    case YC_API_IDENT_MALFORMED:
        *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "the authorization field is not 'Bearer <token>'", "authorization");
        res->www_authenticate = "Bearer error=\"invalid_request\"";
        return true;
    case YC_API_IDENT_INVALID:
        *ret = yc_api_problem(res, 401, YC_API_PROBLEM_UNAUTHORIZED, "Unauthorized",
                              "the token is unknown or revoked", "authorization");
        res->www_authenticate = "Bearer error=\"invalid_token\"";
        return true;
    case YC_API_IDENT_CERT: /* issue 6 F: mTLS pinning (docs/mtls.md) */
        *ret = yc_api_problem(res, 401, YC_API_PROBLEM_UNAUTHORIZED, "Unauthorized",
                              "this partner client must present a TLS client certificate "
                              "pinned in the trust registry",
                              "client_certificate");
        res->www_authenticate = "Bearer error=\"invalid_token\"";
        return true;
    case YC_API_IDENT_NONE:
    default:
        *ret = yc_api_problem(res, 401, YC_API_PROBLEM_UNAUTHORIZED, "Unauthorized",
                              "this route requires a bearer token", "authorization");
        res->www_authenticate = "Bearer";
        return true;
    }
}

yc_err yc_api_handle(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    *res = (yc_api_response){0};
    /* Issue 6: who is calling is named for the access log; with auth.required (on by default)
     * the route × role table is enforced before dispatch. */
    yc_api_ident ident;
    if (yc_api_identify(api, req, &ident) != YC_OK)
        ident.kind = YC_API_IDENT_INVALID;
    yc_api_request r = *req;
    r.ident = &ident;
    req = &r;
    const size_t path_len = strlen(req->path);
    yc_err rv = YC_OK;
    yc_api_read_note note; /* issue 6 B: a read of a subject the handler reports */
    yc_api_access_begin(&note);
    if (!yc_api_rate_limited(api, req, &ident, res, &rv) && /* issue 6 E: 429 first */
        !(api->cfg.auth.required && auth_refused(req, &ident, res, &rv)))
        rv = path_len > YC_API_PATH_MAX                 ? path_too_long(res)
             : memchr(req->path, '%', path_len) == NULL ? route(api, req, res)
                                                        : route_decoded(api, req, path_len, res);
    rv = yc_api_access_end(api, req, &note, res, rv); /* issue 6 B: logged before answered */
    if (rv != YC_OK) {
        /* A handler failed to build its answer: try the generic problem, else report NOMEM. */
        yc_api_response_clear(res);
        rv = yc_api_error(res, rv);
        if (rv != YC_OK)
            yc_api_response_clear(res);
    }
    if (ident.kind == YC_API_IDENT_CLIENT)
        memcpy(res->client_id, ident.client_id, sizeof res->client_id);
    return rv;
}
