/* Instance configuration (DATA_DIR/config.json), parsed with Jansson. */
#include "yrdcredit/config.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "yrdcredit/alloc.h"

static yc_err join_path(const char *dir, const char *rel, char out[YC_CONFIG_PATH_MAX + 1])
{
    int n = rel[0] == '/' ? snprintf(out, YC_CONFIG_PATH_MAX + 1, "%s", rel)
                          : snprintf(out, YC_CONFIG_PATH_MAX + 1, "%s/%s", dir, rel);
    YC_ENSURE(n >= 0 && n <= YC_CONFIG_PATH_MAX, YC_ERR_TOO_LARGE);
    return YC_OK;
}

static yc_err get_path(json_t *root, const char *key, const char *data_dir,
                       char out[YC_CONFIG_PATH_MAX + 1], const char **ret_field)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        *ret_field = key;
        return YC_ERR_INVALID;
    }
    return join_path(data_dir, json_string_value(v), out);
}

static yc_err get_uint(json_t *obj, const char *key, const char *field, uint64_t lo, uint64_t hi,
                       uint64_t *ret, const char **ret_field)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < lo ||
        (uint64_t)json_integer_value(v) > hi) {
        *ret_field = field;
        return YC_ERR_INVALID;
    }
    *ret = (uint64_t)json_integer_value(v);
    return YC_OK;
}

/* The text of an error that names a key of the file (unknown or duplicate key): per thread,
 * valid until the thread's next yc_config_load*() call (config.h). */
static _Thread_local char g_field[256];

/* Key text from the file for g_field: at most 64 bytes, control bytes as '?'. */
static void put_key(char *out, size_t cap, const char *key, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && i < 64 && o + 1 < cap; i++)
        out[o++] = (unsigned char)key[i] < 0x20 || key[i] == 0x7f ? '?' : key[i];
    if (len > 64 && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Unknown keys are named in full: "server.max_bodybytes: unknown key" (prefix: the object's
 * dotted name, NULL for the top level). */
static yc_err only_keys(json_t *obj, const char *const *keys, size_t n, const char *prefix,
                        const char **ret_field)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < n; i++)
            known = known || strcmp(k, keys[i]) == 0;
        if (!known) {
            char name[80];
            put_key(name, sizeof name, k, strlen(k));
            snprintf(g_field, sizeof g_field, "%s%s%s: unknown key", prefix != NULL ? prefix : "",
                     prefix != NULL ? "." : "", name);
            *ret_field = g_field;
            return YC_ERR_INVALID;
        }
    }
    return YC_OK;
}

/* An optional unsigned key: absent keeps @p *ret (the default). */
static yc_err get_opt_uint(json_t *obj, const char *key, const char *field, uint64_t lo,
                           uint64_t hi, uint64_t *ret, const char **ret_field)
{
    if (json_object_get(obj, key) == NULL)
        return YC_OK;
    return get_uint(obj, key, field, lo, hi, ret, ret_field);
}

/* An optional string key: absent keeps @p *ret (the default); must be a string without NUL. */
static yc_err get_opt_string(json_t *obj, const char *key, const char *field, const char **ret,
                             const char **ret_field)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return YC_OK;
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        *ret_field = field;
        return YC_ERR_INVALID;
    }
    *ret = json_string_value(v);
    return YC_OK;
}

yc_err yc_config_listen_parse(const char *text, yc_config_listen *ret)
{
    if (strcmp(text, "off") == 0) {
        *ret = (yc_config_listen){.enabled = false};
        return YC_OK;
    }
    const char *host = text, *colon;
    size_t hlen;
    bool v6 = text[0] == '[';
    if (v6) {
        const char *close = strchr(text, ']');
        YC_ENSURE(close != NULL && close[1] == ':', YC_ERR_INVALID);
        host = text + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        YC_ENSURE(colon != NULL, YC_ERR_INVALID);
        hlen = (size_t)(colon - text);
    }
    YC_ENSURE(hlen > 0 && hlen <= YC_CONFIG_HOST_MAX, YC_ERR_INVALID);
    yc_config_listen l = {.enabled = true};
    memcpy(l.host, host, hlen);
    l.host[hlen] = '\0';
    unsigned char addr[16];
    YC_ENSURE(inet_pton(v6 ? AF_INET6 : AF_INET, l.host, addr) == 1, YC_ERR_INVALID);
    const char *p = colon + 1;
    size_t digits = strlen(p);
    YC_ENSURE(digits >= 1 && digits <= 5, YC_ERR_INVALID);
    unsigned long port = 0;
    for (size_t i = 0; i < digits; i++) {
        YC_ENSURE(p[i] >= '0' && p[i] <= '9', YC_ERR_INVALID);
        port = port * 10 + (unsigned long)(p[i] - '0');
    }
    YC_ENSURE(port <= 65535, YC_ERR_INVALID);
    l.port = (uint16_t)port;
    *ret = l;
    return YC_OK;
}

static yc_err get_opt_listen(json_t *obj, const char *key, const char *field, const char *def,
                             yc_config_listen *ret, const char **ret_field)
{
    const char *text = def;
    YC_TRY(get_opt_string(obj, key, field, &text, ret_field));
    if (yc_config_listen_parse(text, ret) != YC_OK) {
        *ret_field = field;
        return YC_ERR_INVALID;
    }
    return YC_OK;
}

/* One unsigned key of the "server" object: JSON name, default, range, destination. */
typedef struct server_key {
    const char *key, *field;
    uint64_t def, lo, hi;
    size_t offset;
    bool is_size; /* size_t member, else unsigned */
} server_key;

/* clang-format off */
#define IS_SIZE(name) _Generic(((yc_config_server *)0)->name, size_t: true, default: false)
#define SK(name, def, lo, hi) \
    {#name, "server." #name, (def), (lo), (hi), offsetof(yc_config_server, name), IS_SIZE(name)}
/* clang-format on */

static const server_key server_keys[] = {
    SK(max_header_bytes, YC_CONFIG_HEADER_BYTES_DEFAULT, YC_CONFIG_HEADER_BYTES_MIN,
       YC_CONFIG_HEADER_BYTES_MAX),
    SK(max_header_fields, YC_CONFIG_HEADER_FIELDS_DEFAULT, YC_CONFIG_HEADER_FIELDS_MIN,
       YC_CONFIG_HEADER_FIELDS_MAX),
    SK(max_body_bytes, YC_CONFIG_BODY_BYTES_DEFAULT, YC_CONFIG_BODY_BYTES_MIN,
       YC_CONFIG_BODY_BYTES_MAX),
    SK(idle_timeout_ms, YC_CONFIG_IDLE_TIMEOUT_MS_DEFAULT, YC_CONFIG_IDLE_TIMEOUT_MS_MIN,
       YC_CONFIG_IDLE_TIMEOUT_MS_MAX),
    SK(max_concurrent_streams, YC_CONFIG_STREAMS_DEFAULT, YC_CONFIG_STREAMS_MIN,
       YC_CONFIG_STREAMS_MAX),
    SK(drain_timeout_ms, YC_CONFIG_DRAIN_MS_DEFAULT, YC_CONFIG_DRAIN_MS_MIN,
       YC_CONFIG_DRAIN_MS_MAX),
    SK(workers, YC_CONFIG_WORKERS_DEFAULT, YC_CONFIG_WORKERS_MIN, YC_CONFIG_WORKERS_MAX),
    SK(max_connections, YC_CONFIG_CONNECTIONS_DEFAULT, YC_CONFIG_CONNECTIONS_MIN,
       YC_CONFIG_CONNECTIONS_MAX),
    SK(max_outbound_queue, YC_CONFIG_OUTBOUND_QUEUE_DEFAULT, YC_CONFIG_OUTBOUND_QUEUE_MIN,
       YC_CONFIG_OUTBOUND_QUEUE_MAX),
    SK(output_high_water, YC_CONFIG_HIGH_WATER_DEFAULT, YC_CONFIG_HIGH_WATER_MIN,
       YC_CONFIG_HIGH_WATER_MAX),
    SK(glitch_burst, YC_CONFIG_GLITCH_BURST_DEFAULT, YC_CONFIG_BUCKET_MIN, YC_CONFIG_BUCKET_MAX),
    SK(glitch_rate_per_s, YC_CONFIG_GLITCH_RATE_DEFAULT, YC_CONFIG_BUCKET_MIN,
       YC_CONFIG_BUCKET_MAX),
    SK(reset_burst, YC_CONFIG_RESET_BURST_DEFAULT, YC_CONFIG_BUCKET_MIN, YC_CONFIG_BUCKET_MAX),
    SK(reset_rate_per_s, YC_CONFIG_RESET_RATE_DEFAULT, YC_CONFIG_BUCKET_MIN, YC_CONFIG_BUCKET_MAX),
    SK(max_continuations, YC_CONFIG_CONTINUATIONS_DEFAULT, YC_CONFIG_CONTINUATIONS_MIN,
       YC_CONFIG_CONTINUATIONS_MAX),
    SK(handshake_timeout_ms, YC_CONFIG_HANDSHAKE_MS_DEFAULT, YC_CONFIG_TIMEOUT_MS_MIN,
       YC_CONFIG_TIMEOUT_MS_MAX),
    SK(preface_timeout_ms, YC_CONFIG_PREFACE_MS_DEFAULT, YC_CONFIG_TIMEOUT_MS_MIN,
       YC_CONFIG_TIMEOUT_MS_MAX),
    SK(header_timeout_ms, YC_CONFIG_HEADER_MS_DEFAULT, YC_CONFIG_TIMEOUT_MS_MIN,
       YC_CONFIG_TIMEOUT_MS_MAX),
    SK(body_timeout_ms, YC_CONFIG_BODY_MS_DEFAULT, YC_CONFIG_TIMEOUT_MS_MIN,
       YC_CONFIG_TIMEOUT_MS_MAX),
    SK(write_timeout_ms, YC_CONFIG_WRITE_MS_DEFAULT, YC_CONFIG_TIMEOUT_MS_MIN,
       YC_CONFIG_TIMEOUT_MS_MAX),
    SK(max_discard_bytes, YC_CONFIG_DISCARD_BYTES_DEFAULT, YC_CONFIG_DISCARD_BYTES_MIN,
       YC_CONFIG_DISCARD_BYTES_MAX),
    SK(max_conn_body_bytes, YC_CONFIG_CONN_BODY_BYTES_DEFAULT, YC_CONFIG_BODY_BUDGET_MIN,
       YC_CONFIG_BODY_BUDGET_MAX), /* issue 7 J */
    SK(max_body_bytes_total, YC_CONFIG_BODY_TOTAL_DEFAULT, YC_CONFIG_BODY_BUDGET_MIN,
       YC_CONFIG_BODY_BUDGET_MAX),
};

#define N_SERVER_KEYS (sizeof server_keys / sizeof server_keys[0])

static yc_err parse_server(json_t *root, yc_config_server *srv, const char **ret_field)
{
    const char *names[N_SERVER_KEYS + 2];
    for (size_t i = 0; i < N_SERVER_KEYS; i++)
        names[i] = server_keys[i].key;
    names[N_SERVER_KEYS] = "listen";
    names[N_SERVER_KEYS + 1] = "h2c_listen";
    json_t *server = json_object_get(root, "server");
    if (server != NULL && !json_is_object(server)) {
        *ret_field = "server";
        return YC_ERR_INVALID;
    }
    /* absent: every default (json_object_get(NULL, ...) is NULL) */
    yc_err rv =
        server == NULL ? YC_OK : only_keys(server, names, N_SERVER_KEYS + 2, "server", ret_field);
    for (size_t i = 0; rv == YC_OK && i < N_SERVER_KEYS; i++) {
        const server_key *k = &server_keys[i];
        uint64_t v = k->def;
        rv = get_opt_uint(server, k->key, k->field, k->lo, k->hi, &v, ret_field);
        unsigned char *dst = (unsigned char *)srv + k->offset;
        if (k->is_size) {
            size_t z = (size_t)v;
            memcpy(dst, &z, sizeof z);
        } else {
            unsigned u = (unsigned)v;
            memcpy(dst, &u, sizeof u);
        }
    }
    if (rv == YC_OK)
        rv = get_opt_listen(server, "listen", "server.listen", YC_CONFIG_LISTEN_DEFAULT,
                            &srv->listen, ret_field);
    if (rv == YC_OK)
        rv = get_opt_listen(server, "h2c_listen", "server.h2c_listen", YC_CONFIG_H2C_LISTEN_DEFAULT,
                            &srv->h2c_listen, ret_field);
    return rv;
}

/* The optional "tls" object: certificate and key of the TLS listener, and whether it asks
 * clients for a certificate (issue 6 item 1: "optional" by default, or "off"). */
static yc_err parse_tls(json_t *root, const char *data_dir, yc_config *cfg, const char **ret_field)
{
    static const char *const keys[] = {"cert", "key", "client_auth"};
    const char *cert = YC_CONFIG_TLS_CERT_DEFAULT, *key = YC_CONFIG_TLS_KEY_DEFAULT;
    const char *client_auth = "optional";
    json_t *tls = json_object_get(root, "tls");
    if (tls != NULL) {
        if (!json_is_object(tls)) {
            *ret_field = "tls";
            return YC_ERR_INVALID;
        }
        YC_TRY(only_keys(tls, keys, 3, "tls", ret_field));
        YC_TRY(get_opt_string(tls, "cert", "tls.cert", &cert, ret_field));
        YC_TRY(get_opt_string(tls, "key", "tls.key", &key, ret_field));
        YC_TRY(get_opt_string(tls, "client_auth", "tls.client_auth", &client_auth, ret_field));
    }
    if (strcmp(client_auth, "optional") != 0 && strcmp(client_auth, "off") != 0) {
        *ret_field = "tls.client_auth";
        return YC_ERR_INVALID;
    }
    cfg->tls_client_auth = strcmp(client_auth, "optional") == 0;
    YC_TRY(join_path(data_dir, cert, cfg->tls_cert_path));
    return join_path(data_dir, key, cfg->tls_key_path);
}

/* The optional "api" object: settings of the HTTP API (svc/api). */
static yc_err parse_api(json_t *root, yc_config_api *api, const char **ret_field)
{
    static const char *const keys[] = {"score_cache_entries"};
    uint64_t entries = YC_CONFIG_SCORE_CACHE_DEFAULT;
    json_t *obj = json_object_get(root, "api");
    if (obj != NULL) {
        if (!json_is_object(obj)) {
            *ret_field = "api";
            return YC_ERR_INVALID;
        }
        YC_TRY(only_keys(obj, keys, 1, "api", ret_field));
        YC_TRY(get_opt_uint(obj, "score_cache_entries", "api.score_cache_entries",
                            YC_CONFIG_SCORE_CACHE_MIN, YC_CONFIG_SCORE_CACHE_MAX, &entries,
                            ret_field));
    }
    api->score_cache_entries = (size_t)entries;
    return YC_OK;
}

/* The optional "policy" object: settings of the 联合奖惩 policy (issue 5). */
static yc_err parse_policy(json_t *root, yc_config_policy *pol, const char **ret_field)
{
    static const char *const keys[] = {"notice_working_days"};
    *pol = (yc_config_policy){0};
    json_t *obj = json_object_get(root, "policy");
    if (obj == NULL)
        return YC_OK;
    if (!json_is_object(obj)) {
        *ret_field = "policy";
        return YC_ERR_INVALID;
    }
    YC_TRY(only_keys(obj, keys, 1, "policy", ret_field));
    if (json_object_get(obj, "notice_working_days") != NULL) {
        uint64_t days = 0;
        YC_TRY(get_opt_uint(obj, "notice_working_days", "policy.notice_working_days", 0,
                            YC_CONFIG_NOTICE_DAYS_MAX, &days, ret_field));
        pol->has_notice_working_days = true;
        pol->notice_working_days = (unsigned)days;
    }
    return YC_OK;
}

/* The optional "auth" object: access control (issue 6 item 1), required unless the file says
 * "required": false (a loopback demo only). */
static yc_err parse_auth(json_t *root, yc_config_auth *auth, const char **ret_field)
{
    static const char *const keys[] = {"required"};
    *auth = (yc_config_auth){.required = true};
    json_t *obj = json_object_get(root, "auth");
    if (obj == NULL)
        return YC_OK;
    if (!json_is_object(obj)) {
        *ret_field = "auth";
        return YC_ERR_INVALID;
    }
    YC_TRY(only_keys(obj, keys, 1, "auth", ret_field));
    json_t *req = json_object_get(obj, "required");
    if (req != NULL) {
        if (!json_is_boolean(req)) {
            *ret_field = "auth.required";
            return YC_ERR_INVALID;
        }
        auth->required = json_is_true(req);
    }
    return YC_OK;
}

/* attest.issuer: an https URL with a host, without query, fragment, trailing '/', spaces or
 * control characters (SD-JWT VC §JWT VC Issuer Metadata: iss is the metadata base). */
static bool issuer_is_valid(const char *s)
{
    static const char scheme[] = "https://";
    size_t len = strlen(s);
    if (len <= sizeof scheme - 1 || len > YC_CONFIG_ISSUER_MAX ||
        strncmp(s, scheme, sizeof scheme - 1) != 0 || s[len - 1] == '/' ||
        s[sizeof scheme - 1] == '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '?' || c == '#' || c >= 0x80 || c == '"' || c == '\\')
            return false;
    }
    return true;
}

static yc_err alg_name(json_t *v, const char *field, bool *ret_ed25519, const char **ret_field)
{
    const char *s = json_string_value(v);
    if (s != NULL && strcmp(s, "EdDSA") == 0)
        *ret_ed25519 = false;
    else if (s != NULL && strcmp(s, "Ed25519") == 0)
        *ret_ed25519 = true;
    else {
        *ret_field = field;
        return YC_ERR_INVALID;
    }
    return YC_OK;
}

static yc_err copy_string(const char *s, char *out, size_t cap, const char *field,
                          const char **ret_field)
{
    size_t len = strlen(s);
    if (len == 0 || len >= cap) {
        *ret_field = field;
        return YC_ERR_INVALID;
    }
    memcpy(out, s, len + 1);
    return YC_OK;
}

/* The optional "attest" object: the attestation issuer (issue 4). */
static yc_err parse_attest(json_t *root, yc_config_attest *a, const char **ret_field)
{
    static const char *const keys[] = {"issuer",
                                       "issuer_city",
                                       "issuer_region",
                                       "default_validity_days",
                                       "max_validity_days",
                                       "status_list_ttl_s",
                                       "status_list_entries",
                                       "key_publish_s",
                                       "key_grace_s",
                                       "commit_queue",
                                       "alg",
                                       "partner_algs"};
    const char *issuer = YC_CONFIG_ISSUER_DEFAULT, *city = YC_CONFIG_CITY_DEFAULT,
               *region = YC_CONFIG_REGION_DEFAULT;
    uint64_t dflt = YC_CONFIG_VALIDITY_DAYS_DEFAULT, max = YC_CONFIG_MAX_VALIDITY_DAYS_DEFAULT,
             ttl = YC_CONFIG_STATUS_TTL_S_DEFAULT, entries = YC_CONFIG_STATUS_ENTRIES_DEFAULT,
             publish = YC_CONFIG_KEY_PUBLISH_S_DEFAULT, grace = YC_CONFIG_KEY_GRACE_S_DEFAULT,
             queue = YC_CONFIG_COMMIT_QUEUE_DEFAULT;
    memset(a, 0, sizeof *a);
    json_t *obj = json_object_get(root, "attest");
    if (obj != NULL && !json_is_object(obj)) {
        *ret_field = "attest";
        return YC_ERR_INVALID;
    }
    if (obj != NULL) {
        YC_TRY(only_keys(obj, keys, sizeof keys / sizeof *keys, "attest", ret_field));
        YC_TRY(get_opt_string(obj, "issuer", "attest.issuer", &issuer, ret_field));
        YC_TRY(get_opt_string(obj, "issuer_city", "attest.issuer_city", &city, ret_field));
        YC_TRY(get_opt_string(obj, "issuer_region", "attest.issuer_region", &region, ret_field));
        YC_TRY(get_opt_uint(obj, "default_validity_days", "attest.default_validity_days",
                            YC_CONFIG_VALIDITY_DAYS_MIN, YC_CONFIG_VALIDITY_DAYS_MAX, &dflt,
                            ret_field));
        YC_TRY(get_opt_uint(obj, "max_validity_days", "attest.max_validity_days",
                            YC_CONFIG_VALIDITY_DAYS_MIN, YC_CONFIG_VALIDITY_DAYS_MAX, &max,
                            ret_field));
        YC_TRY(get_opt_uint(obj, "status_list_ttl_s", "attest.status_list_ttl_s",
                            YC_CONFIG_STATUS_TTL_S_MIN, YC_CONFIG_STATUS_TTL_S_MAX, &ttl,
                            ret_field));
        YC_TRY(get_opt_uint(obj, "status_list_entries", "attest.status_list_entries",
                            YC_CONFIG_STATUS_ENTRIES_MIN, YC_CONFIG_STATUS_ENTRIES_MAX, &entries,
                            ret_field));
        YC_TRY(get_opt_uint(obj, "key_publish_s", "attest.key_publish_s", 0,
                            YC_CONFIG_KEY_PUBLISH_S_MAX, &publish, ret_field));
        YC_TRY(get_opt_uint(obj, "key_grace_s", "attest.key_grace_s", 0, YC_CONFIG_KEY_GRACE_S_MAX,
                            &grace, ret_field));
        YC_TRY(get_opt_uint(obj, "commit_queue", "attest.commit_queue", YC_CONFIG_COMMIT_QUEUE_MIN,
                            YC_CONFIG_COMMIT_QUEUE_MAX, &queue, ret_field));
        json_t *alg = json_object_get(obj, "alg");
        if (alg != NULL)
            YC_TRY(alg_name(alg, "attest.alg", &a->default_ed25519, ret_field));
        json_t *partners = json_object_get(obj, "partner_algs");
        if (partners != NULL) {
            if (!json_is_object(partners) ||
                json_object_size(partners) > YC_CONFIG_PARTNER_ALGS_MAX) {
                *ret_field = "attest.partner_algs";
                return YC_ERR_INVALID;
            }
            const char *aud;
            json_t *v;
            json_object_foreach(partners, aud, v)
            {
                yc_config_partner_alg *pa = &a->partner_algs[a->n_partner_algs];
                YC_TRY(copy_string(aud, pa->aud, sizeof pa->aud, "attest.partner_algs", ret_field));
                YC_TRY(alg_name(v, "attest.partner_algs", &pa->ed25519, ret_field));
                a->n_partner_algs++;
            }
        }
    }
    if (!issuer_is_valid(issuer)) {
        *ret_field = "attest.issuer";
        return YC_ERR_INVALID;
    }
    YC_TRY(copy_string(issuer, a->issuer, sizeof a->issuer, "attest.issuer", ret_field));
    YC_TRY(
        copy_string(city, a->issuer_city, sizeof a->issuer_city, "attest.issuer_city", ret_field));
    bool region_ok = strlen(region) == 6;
    for (size_t i = 0; region_ok && i < 6; i++)
        region_ok = region[i] >= '0' && region[i] <= '9';
    if (!region_ok) {
        *ret_field = "attest.issuer_region";
        return YC_ERR_INVALID;
    }
    memcpy(a->issuer_region, region, 7);
    if (dflt > max) {
        *ret_field = "attest.default_validity_days";
        return YC_ERR_INVALID;
    }
    if (entries % 8 != 0) {
        *ret_field = "attest.status_list_entries";
        return YC_ERR_INVALID;
    }
    a->default_validity_days = (unsigned)dflt;
    a->max_validity_days = (unsigned)max;
    a->status_list_ttl_s = (unsigned)ttl;
    a->status_list_entries = (unsigned)entries;
    a->key_publish_s = (unsigned)publish;
    a->key_grace_s = (unsigned)grace;
    a->commit_queue = (unsigned)queue;
    return YC_OK;
}

/* The optional "rate_limit" object (issue 6 item 1, engineer E): per-client and per-address
 * token buckets; a rate of 0 turns that limit off. */
static yc_err parse_rate_limit(json_t *root, yc_config_rate_limit *rl, const char **ret_field)
{
    static const char *const keys[] = {"per_client_rps", "burst", "verify_per_address_rps",
                                       "verify_burst"};
    uint64_t v[4] = {YC_CONFIG_RATE_CLIENT_RPS_DEFAULT, YC_CONFIG_RATE_CLIENT_BURST_DEFAULT,
                     YC_CONFIG_RATE_VERIFY_RPS_DEFAULT, YC_CONFIG_RATE_VERIFY_BURST_DEFAULT};
    static const char *const fields[] = {"rate_limit.per_client_rps", "rate_limit.burst",
                                         "rate_limit.verify_per_address_rps",
                                         "rate_limit.verify_burst"};
    json_t *obj = json_object_get(root, "rate_limit");
    if (obj != NULL) {
        if (!json_is_object(obj)) {
            *ret_field = "rate_limit";
            return YC_ERR_INVALID;
        }
        YC_TRY(only_keys(obj, keys, 4, "rate_limit", ret_field));
        /* rates 0..YC_CONFIG_RATE_RPS_MAX (0 = off), bursts at least YC_CONFIG_RATE_BURST_MIN */
        static const uint64_t lo[] = {0, YC_CONFIG_RATE_BURST_MIN, 0, YC_CONFIG_RATE_BURST_MIN};
        static const uint64_t hi[] = {YC_CONFIG_RATE_RPS_MAX, YC_CONFIG_RATE_BURST_MAX,
                                      YC_CONFIG_RATE_RPS_MAX, YC_CONFIG_RATE_BURST_MAX};
        for (size_t i = 0; i < 4; i++)
            YC_TRY(get_opt_uint(obj, keys[i], fields[i], lo[i], hi[i], &v[i], ret_field));
    }
    *rl = (yc_config_rate_limit){.per_client_rps = (unsigned)v[0],
                                 .burst = (unsigned)v[1],
                                 .verify_per_address_rps = (unsigned)v[2],
                                 .verify_burst = (unsigned)v[3]};
    return YC_OK;
}

/* The optional "retention" object (issue 6 item 8, engineer E): the server's purge period. */
static yc_err parse_retention(json_t *root, yc_config_retention *r, const char **ret_field)
{
    static const char *const keys[] = {"interval_s"};
    uint64_t interval = YC_CONFIG_RETENTION_INTERVAL_DEFAULT;
    json_t *obj = json_object_get(root, "retention");
    if (obj != NULL) {
        if (!json_is_object(obj)) {
            *ret_field = "retention";
            return YC_ERR_INVALID;
        }
        YC_TRY(only_keys(obj, keys, 1, "retention", ret_field));
        YC_TRY(get_opt_uint(obj, "interval_s", "retention.interval_s", 0,
                            YC_CONFIG_RETENTION_INTERVAL_MAX, &interval, ret_field));
    }
    r->interval_s = (unsigned)interval;
    return YC_OK;
}

/* The optional "objections" object (issue 6 item 5, engineer C): the resolution deadline. */
static yc_err parse_objections(json_t *root, yc_config_objections *o, const char **ret_field)
{
    static const char *const keys[] = {"deadline_working_days"};
    uint64_t days = YC_CONFIG_OBJECTION_DEADLINE_DEFAULT;
    json_t *obj = json_object_get(root, "objections");
    if (obj != NULL) {
        if (!json_is_object(obj)) {
            *ret_field = "objections";
            return YC_ERR_INVALID;
        }
        YC_TRY(only_keys(obj, keys, 1, "objections", ret_field));
        YC_TRY(get_opt_uint(obj, "deadline_working_days", "objections.deadline_working_days",
                            YC_CONFIG_OBJECTION_DEADLINE_MIN, YC_CONFIG_OBJECTION_DEADLINE_MAX,
                            &days, ret_field));
    }
    o->deadline_working_days = (unsigned)days;
    return YC_OK;
}

static yc_err parse(json_t *root, const char *data_dir, yc_config *cfg, const char **ret_field)
{
    static const char *const top[] = {"schema", "model",  "rules",      "calendar",  "store",
                                      "import", "server", "tls",        "api",       "attest",
                                      "policy", "auth",   "rate_limit", "retention", "objections"};
    static const char *const store_keys[] = {"map_size_mib"};
    static const char *const import_keys[] = {"batch_records"};
    if (!json_is_object(root)) {
        *ret_field = "(root)";
        return YC_ERR_INVALID;
    }
    YC_TRY(only_keys(root, top, sizeof top / sizeof *top, NULL, ret_field));
    json_t *schema = json_object_get(root, "schema");
    if (!json_is_string(schema) || strcmp(json_string_value(schema), "yrdcredit-config/1") != 0) {
        *ret_field = "schema";
        return YC_ERR_INVALID;
    }
    YC_TRY(get_path(root, "model", data_dir, cfg->model_path, ret_field));
    YC_TRY(get_path(root, "rules", data_dir, cfg->rules_path, ret_field));
    YC_TRY(get_path(root, "calendar", data_dir, cfg->calendar_path, ret_field));
    json_t *store = json_object_get(root, "store");
    json_t *import = json_object_get(root, "import");
    if (!json_is_object(store)) {
        *ret_field = "store";
        return YC_ERR_INVALID;
    }
    if (!json_is_object(import)) {
        *ret_field = "import";
        return YC_ERR_INVALID;
    }
    YC_TRY(only_keys(store, store_keys, 1, "store", ret_field));
    YC_TRY(only_keys(import, import_keys, 1, "import", ret_field));
    YC_TRY(get_uint(store, "map_size_mib", "store.map_size_mib", YC_CONFIG_MAP_MIB_MIN,
                    YC_CONFIG_MAP_MIB_MAX, &cfg->map_size_mib, ret_field));
    uint64_t batch;
    YC_TRY(get_uint(import, "batch_records", "import.batch_records", YC_CONFIG_BATCH_MIN,
                    YC_CONFIG_BATCH_MAX, &batch, ret_field));
    cfg->batch_records = (size_t)batch;
    YC_TRY(parse_server(root, &cfg->server, ret_field));
    YC_TRY(parse_api(root, &cfg->api, ret_field));
    YC_TRY(parse_policy(root, &cfg->policy, ret_field));
    YC_TRY(parse_auth(root, &cfg->auth, ret_field));
    YC_TRY(parse_rate_limit(root, &cfg->rate_limit, ret_field)); /* issue 6 E */
    YC_TRY(parse_retention(root, &cfg->retention, ret_field));   /* issue 6 E */
    YC_TRY(parse_objections(root, &cfg->objections, ret_field)); /* issue 6 C */
    YC_TRY(parse_attest(root, &cfg->attest, ret_field));
    return parse_tls(root, data_dir, cfg, ret_field);
}

/* The error text of a file Jansson rejected: a duplicate key is named with its position
 * (Jansson gives the key's token, not its object), any other error is Jansson's text. */
static const char *json_error_field(const json_error_t *jerr)
{
    static const char near[] = "near '";
    const char *tok = strstr(jerr->text, near);
    if (json_error_code(jerr) == json_error_duplicate_key && tok != NULL) {
        tok += sizeof near - 1;
        size_t len = strlen(tok);
        if (len > 0 && tok[len - 1] == '\'')
            len--; /* the token: the key as written, quotes included */
        char key[80];
        put_key(key, sizeof key, tok, len);
        snprintf(g_field, sizeof g_field, "duplicate key %s at line %d, column %d", key, jerr->line,
                 jerr->column);
    } else {
        snprintf(g_field, sizeof g_field, "not valid JSON at line %d, column %d: %s", jerr->line,
                 jerr->column, jerr->text);
    }
    return g_field;
}

yc_err yc_config_load_file(const char *path, const char *data_dir, yc_config *ret_cfg,
                           const char **ret_field)
{
    const char *field = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return YC_ERR_IO;
    yc_core_init_json();
    json_error_t jerr;
    const long failures = yc_alloc_failures();
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (root == NULL) {
        /* Jansson reports most allocation failures as syntax errors (alloc.h). */
        if (json_error_code(&jerr) == json_error_out_of_memory || yc_alloc_failures() != failures)
            return YC_ERR_NOMEM;
        if (ret_field != NULL)
            *ret_field = json_error_field(&jerr);
        return YC_ERR_INVALID;
    }
    yc_config cfg;
    yc_err rv = parse(root, data_dir, &cfg, &field);
    json_decref(root);
    if (rv == YC_ERR_INVALID && yc_alloc_failures() != failures)
        rv = YC_ERR_NOMEM; /* a Jansson allocation inside parse failed */
    if (rv != YC_OK) {
        if (ret_field != NULL)
            *ret_field = field;
        return rv;
    }
    *ret_cfg = cfg;
    return YC_OK;
}

yc_err yc_config_load(const char *data_dir, yc_config *ret_cfg, const char **ret_field)
{
    char path[YC_CONFIG_PATH_MAX + 1];
    YC_TRY(join_path(data_dir, "config.json", path));
    return yc_config_load_file(path, data_dir, ret_cfg, ret_field);
}
