/**
 * @file api.h
 * @brief The transport-independent HTTP API of yrdcreditd (svc/api/): one complete request in,
 *        one complete response out.  The HTTP/2 layer (svc/h2/) parses frames and headers and
 *        hands each request here; this module never touches sockets.
 *
 * Routes (operationIds of api/openapi.yaml): getHealthz, getReadyz, getSubjectScore,
 * listSubjectRecords, postRecords, lookupSubject.  Every error response is an RFC 9457
 * `application/problem+json` object with `type` `urn:yrdcredit:problem:<kind>`, `title`,
 * `status`, `detail` and `field` (a JSON Pointer into the body, or a parameter's name); the
 * kinds are the YC_API_PROBLEM_* names below.  Problems never echo document numbers, names or
 * other values from the request.
 *
 * @par Source: issue 3 item 2; RFC 9457 (problem details); RFC 9110 §15 (status codes);
 *      api/openapi.yaml.
 */
#ifndef YRDCREDIT_API_H
#define YRDCREDIT_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/clients.h"
#include "yrdcredit/config.h"
#include "yrdcredit/err.h"
#include "yrdcredit/retention.h"

/** Default and upper bound of yc_api_opts.max_body_bytes (request body), in bytes. */
#define YC_API_BODY_MAX_DEFAULT (1024 * 1024)
#define YC_API_BODY_MAX_LIMIT   (64 * 1024 * 1024)
/** Most items one POST /v1/records accepts (JSON array elements or NDJSON lines). */
#define YC_API_RECORDS_MAX_ITEMS 1000
/** Default and maximum `limit` of GET /v1/subjects/{subject_id}/records. */
#define YC_API_PAGE_DEFAULT 20
#define YC_API_PAGE_MAX     100
/** Longest path and query string accepted, in bytes (longer: 404 `not-found` naming `path`,
 *  detail "path longer than 256 bytes" / 400 naming `query`). */
#define YC_API_PATH_MAX  256
#define YC_API_QUERY_MAX 256
/** Worker indexes yc_api_request.worker may take (0..YC_API_WORKERS_MAX-1); equals
 *  YC_H2_WORKERS_MAX. */
#define YC_API_WORKERS_MAX 256
/** Upper bound of the score cache size per worker (config key api.score_cache_entries). */
#define YC_API_SCORE_CACHE_MAX (1024 * 1024)
/** Longest score response body the cache keeps, in bytes (longer ones are recomputed). */
#define YC_API_SCORE_CACHE_BODY_MAX 4096
/** Longest ETag or Cache-Control value of a response, in bytes without the NUL. */
#define YC_API_VALIDATOR_MAX 47
/** Longest `location` header value of a response, in bytes without the NUL. */
#define YC_API_LOCATION_MAX 127

/** Problem kinds (the `<kind>` of `urn:yrdcredit:problem:<kind>`), one per error. */
#define YC_API_PROBLEM_NOT_FOUND         "not-found"              /**< 404 unknown route */
#define YC_API_PROBLEM_METHOD            "method-not-allowed"     /**< 405 */
#define YC_API_PROBLEM_MEDIA_TYPE        "unsupported-media-type" /**< 415 */
#define YC_API_PROBLEM_MALFORMED_JSON    "malformed-json"         /**< 400 syntax, duplicate key */
#define YC_API_PROBLEM_INVALID_PARAMETER "invalid-parameter"      /**< 400 path or query value */
#define YC_API_PROBLEM_INVALID_FIELD     "invalid-field"          /**< 400 body field */
#define YC_API_PROBLEM_UNKNOWN_SUBJECT   "unknown-subject"        /**< 404 valid but unknown id */
#define YC_API_PROBLEM_TOO_LARGE         "payload-too-large"      /**< 413 body bytes */
#define YC_API_PROBLEM_TOO_MANY_ITEMS    "too-many-items"         /**< 413 records per request */
#define YC_API_PROBLEM_HEADER_TOO_LARGE \
    "header-too-large"                                 /**< 431, sent by the transport (svc/h2) */
#define YC_API_PROBLEM_REJECTED     "records-rejected" /**< 422 atomic batch */
#define YC_API_PROBLEM_NOT_READY    "not-ready"        /**< 503 store or model missing */
#define YC_API_PROBLEM_UNAVAILABLE  "unavailable"      /**< 503 out of memory */
#define YC_API_PROBLEM_STORAGE_FULL "storage-full"     /**< 507 */
#define YC_API_PROBLEM_INTERNAL     "internal"         /**< 500 */
#define YC_API_PROBLEM_UNAUTHORIZED                      \
    "unauthorized" /**< 401 no, unknown or revoked token \
                        (only with auth.required) */
#define YC_API_PROBLEM_TOO_MANY_REQUESTS \
    "too-many-requests" /**< 429 over a rate limit, with retry-after (issue 6 item 1) */
#define YC_API_PROBLEM_FORBIDDEN                         \
    "forbidden" /**< 403 the role may not call the route \
                     (only with auth.required) */

/** An API instance: configuration, score model, record store and import tables. Opaque. */
typedef struct yc_api yc_api;

/** Options of yc_api_open().  Zero members mean the default. */
typedef struct yc_api_opts {
    size_t max_body_bytes;   /**< request body limit, 1..YC_API_BODY_MAX_LIMIT bytes;
                                  0 = YC_API_BODY_MAX_DEFAULT */
    const yc_config *config; /**< the configuration to use (model, rules, store map size,
                                  api.score_cache_entries), e.g. yrdcreditd's `--config FILE`
                                  already loaded with yc_config_load_file(); copied, so it may
                                  be freed after the call.  NULL = load DATA_DIR/config.json */
    const char *config_file; /**< NUL-terminated path @c config was loaded from, read again by
                                  yc_api_policy_reload(); NULL = DATA_DIR/config.json.
                                  Copied (at most 4095 bytes, else YC_ERR_INVALID) */
} yc_api_opts;

/** Who is calling, as yc_api_identify() resolves a request's `authorization` field. */
typedef enum yc_api_ident_kind {
    YC_API_IDENT_NONE = 0,  /**< no `authorization` field: an anonymous (public) caller */
    YC_API_IDENT_CLIENT,    /**< a Bearer token of an active client of the registry */
    YC_API_IDENT_INVALID,   /**< well-formed Bearer credentials, but the token is of the wrong
                                 shape, unknown, or its client is revoked (RFC 6750 §3.1
                                 invalid_token; 401 once enforced) */
    YC_API_IDENT_MALFORMED, /**< not `Bearer <b64token>` with one space, or the transport
                                 flagged the field (RFC 6750 §3.1 invalid_request; 400) */
    YC_API_IDENT_CERT,      /**< the Bearer token of an active partner client bound to a
                                 trust-registry issuer (yc_client.issuer) whose entry pins TLS
                                 client certificates, but the request came without one (h2c, or
                                 none sent) or with one whose key is not pinned, or the issuer
                                 is not (or no longer) in the registry (401 invalid_token naming
                                 the client certificate; docs/mtls.md) */
} yc_api_ident_kind;

/** The calling client, copied out of the registry snapshot (valid after it is replaced). */
typedef struct yc_api_ident {
    yc_api_ident_kind kind;                  /**< the outcome; the members below are set only
                                                  for YC_API_IDENT_CLIENT, else zero / "" */
    char client_id[YC_CLIENT_ID_LEN + 1];    /**< "cl_…", NUL-terminated */
    yc_client_role role;                     /**< the client's role */
    char subject[YC_CLIENT_SUBJECT_MAX + 1]; /**< subject role: its subject id; else "" */
    size_t n_authorities;                    /**< provider role: 1..YC_CLIENT_MAX_AUTHORITIES */
    /** provider role: the USCCs of its authorities, NUL-terminated, in registry order */
    char authorities[YC_CLIENT_MAX_AUTHORITIES][YC_CLIENT_USCC_LEN + 1];
} yc_api_ident;

/** One complete request.  Every member is borrowed from the caller for the call. */
typedef struct yc_api_request {
    const char *method;        /**< NUL-terminated, e.g. "GET" (case-sensitive, RFC 9110 §9.1) */
    const char *path;          /**< NUL-terminated, without the query, e.g. "/healthz" */
    const char *query;         /**< NUL-terminated text after '?', without it; NULL or "" if none */
    const char *content_type;  /**< NUL-terminated Content-Type value; NULL if absent */
    const char *if_none_match; /**< NUL-terminated If-None-Match value; NULL if absent */
    const uint8_t *body;       /**< @c body_len bytes, not NUL-terminated; NULL when 0 */
    size_t body_len;           /**< bytes */
    unsigned worker;           /**< the calling worker thread, 0..YC_API_WORKERS_MAX-1 (its score
                                    cache); calls with the same index must not overlap in time.
                                    Zero for a single-threaded caller */
    /** NUL-terminated `authorization` value (RFC 9110 §11.6.2), e.g. "Bearer yc_…"; NULL if
     *  absent.  A credential: never logged, never echoed.  Read by yc_api_identify() only. */
    const char *authorization;
    /** true when the transport saw an `authorization` field it could not pass on (too long,
     *  a NUL byte, or more than one field); yc_api_identify() then says
     *  YC_API_IDENT_MALFORMED whatever @c authorization holds */
    bool authorization_malformed;
    /** Mutual TLS (issue 6 item 1, docs/mtls.md): the SHA-256 of the client certificate's DER
     *  SubjectPublicKeyInfo, 32 bytes; NULL over h2c or when no certificate was presented.
     *  Read by yc_api_identify() only (a partner client pinned in the trust registry). */
    const uint8_t *client_spki_sha256;
    /** The peer's IP address as text (inet_ntop(): "127.0.0.1", "::1"), NUL-terminated; NULL
     *  when unknown.  The rate limit of POST /v1/attestations/verify is per address (issue 6
     *  item 1; IPv6 per /64).  Set by the transport (yc_h2_request.peer). */
    const char *peer;
    /** Who is calling: set by yc_api_handle() (from yc_api_identify()) for the handlers, to
     *  a yc_api_ident that lives for the call; the transport leaves it NULL.  Handlers treat
     *  NULL like YC_API_IDENT_NONE (e.g. a unit test calling a handler directly). */
    const yc_api_ident *ident;
} yc_api_request;

/** A deferred answer (yc_api_response.pending): bound once with yc_api_pending_bind().  Opaque. */
typedef struct yc_api_pending yc_api_pending;

/** A response.  Initialise with `= {0}`; release with yc_api_response_clear(). */
typedef struct yc_api_response {
    int status;               /**< HTTP status code */
    const char *content_type; /**< static string: "application/json" or
                                   "application/problem+json" */
    const char *allow;        /**< static `allow` header value for 405, else NULL */
    /** static `www-authenticate` value (RFC 6750 §3) of a 401, 400 or 403 the auth.required
     *  check gave, e.g. `Bearer error="invalid_token"`; NULL = none */
    const char *www_authenticate;
    char *body;                          /**< owned by the response; @c body_len bytes + a NUL */
    size_t body_len;                     /**< bytes, without the NUL */
    char etag[YC_API_VALIDATOR_MAX + 1]; /**< quoted ETag, NUL-terminated; "" = none */
    char cache_control[YC_API_VALIDATOR_MAX + 1]; /**< Cache-Control value; "" = none */
    /** `location` of a 201 (RFC 9110 §10.2.2): an absolute path of the created resource,
     *  NUL-terminated; "" = none. */
    char location[YC_API_LOCATION_MAX + 1];
    yc_api_pending *pending; /**< non-NULL exactly when @c status is 0: the answer comes later;
                                  the caller must pass it to yc_api_pending_bind() (once) */
    /** The id of the client yc_api_identify() found for the request ("cl_…", NUL-terminated),
     *  for the access log; "" when the request named no valid client (no, a malformed, an
     *  unknown or a revoked credential).  Never the token. */
    char client_id[YC_CLIENT_ID_LEN + 1];
    /** `retry-after` of a 429 (RFC 9110 §10.2.3, RFC 6585 §4): whole seconds >= 1; 0 = no
     *  header.  Issue 6 item 1 (rate limits). */
    uint32_t retry_after_s;
} yc_api_response;

/**
 * @brief Receives a deferred answer (yc_api_pending_bind()).
 * @param[in]     ctx  The @p ctx given to yc_api_pending_bind().
 * @param[in,out] res  The complete response (status 100..599, content_type, body); valid for
 *                     the call only.  The callee owns @c res->body: it takes it (and sets it
 *                     to NULL) or releases it with yc_api_response_clear().  @c res->pending
 *                     is NULL.
 */
typedef void (*yc_api_done_fn)(void *ctx, yc_api_response *res);

/** Counters of one worker's score cache (yc_api_score_cache_stats()). */
typedef struct yc_api_cache_stats {
    uint64_t hits;      /**< responses served from the cache */
    uint64_t misses;    /**< lookups that computed the score (stale ones included) */
    uint64_t stale;     /**< misses on a key whose entry predates the store's last commit */
    uint64_t evictions; /**< entries dropped for a new key at the bound */
    size_t entries;     /**< keys held now, 0..capacity */
    size_t capacity;    /**< api.score_cache_entries; 0 = no cache (yet) for this worker */
} yc_api_cache_stats;

/**
 * @brief Open the API over a data directory, as the CLI does: DATA_DIR/config.json (or
 *        @c opts->config), the score model, the 处罚类别 rules, the model's publication windows
 *        and the LMDB store.
 *
 * Score cache: each worker index (yc_api_request.worker) has its own cache of
 * api.score_cache_entries GET /v1/subjects/{subject_id}/score responses (created on its first
 * score request; 0 = no cache).  The key is (subject_id, as_of after defaulting to today); an
 * entry is served only while the store is unchanged: it is stamped with
 * yc_store_snapshot_generation() taken before the records were read, and used only while
 * yc_store_generation() equals the stamp, so any commit (a POST /v1/records, or
 * `yrdcredit import` in another process) makes every older entry stale.  The model is fixed
 * for the life of the instance.  At the bound, CLOCK (second chance) picks the entry to drop.
 *
 * Only a missing or invalid config.json fails.  When the model, rules or store cannot be
 * loaded the instance still opens (so liveness can be served) and is not ready: getReadyz
 * and every data route answer 503 `not-ready`.
 *
 * @param[in]  data_dir  NUL-terminated data directory (created by `yrdcredit init`); the
 *                       store is always DATA_DIR/lmdb, also with @c opts->config.
 * @param[in]  opts      Options; may be NULL for the defaults.
 * @param[out] ret_api   New instance; free with yc_api_close().  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_IO         config.json missing or unreadable
 * @retval YC_ERR_INVALID    config.json invalid; @c opts->max_body_bytes over
 *                           YC_API_BODY_MAX_LIMIT; @c opts->config with
 *                           api.score_cache_entries over YC_API_SCORE_CACHE_MAX
 * @retval YC_ERR_TOO_LARGE  a configured path is too long
 * @retval YC_ERR_NOMEM      allocation failed
 * @note Thread-safety: the returned instance may be used by yc_api_handle() from several
 *       threads at once with distinct yc_api_request.worker values (the model and rules are
 *       immutable; the store is LMDB; each worker index owns its cache).
 * @par Source: issue 3 items 2 and 4 (`--data DIR` alone suffices, `--config FILE`: one
 *      config file) and the bench/h2-score acceptance item (score cache); svc/bin/cmd.c
 *      instance_open().
 */
YC_MUST_USE yc_err yc_api_open(const char *data_dir, const yc_api_opts *opts, yc_api **ret_api);

/**
 * @brief Close an instance: the store (LMDB) is closed, the model and rules freed.
 * @param[in] api  May be NULL (no-op).  No yc_api_handle() call may be running.
 */
void yc_api_close(yc_api *api);

/**
 * @brief Serve one request.
 *
 * Routing: unknown path 404 `not-found`; a path over YC_API_PATH_MAX bytes 404 `not-found`
 * with `field` `path`, detail "path longer than 256 bytes" (after the rate limits, before the
 * table; issue 6 review item 9: a 414 would have to be declared on every operation of the
 * spec); known path with another method 405 `method-not-allowed` with @c res->allow set;
 * POST bodies must be `application/json` (postRecords also `application/x-ndjson`) without a
 * charset parameter or with `charset=utf-8` (case-insensitive; other parameters are ignored),
 * else 415
 * `unsupported-media-type`; a body longer than the limit is 413 `payload-too-large`.
 *
 * Percent-encoding (RFC 3986 §2.3, §6.2.2.2): the path and each query name and value are
 * decoded with yc_api_pct_decode() before use, so `%4D` is `M`; an escape of any other octet
 * stays in the text, which makes a subject id holding one invalid (400 `subject_id`) and a
 * fixed path segment holding one unknown (404).  A malformed escape (`%G1`, a `%` without two
 * hex digits) is 404 in the path and 400 naming the parameter (or `query` for a name) in the
 * query.  Empty query components (`?&limit=1`, `?limit=1&`) are ignored; any query parameter a
 * route does not take is 400 `invalid-parameter`, on every route (also getHealthz and
 * getReadyz), whose `field` is the parameter's decoded name when yc_api_key_is_nameable() (1..32
 * of [A-Za-z0-9_] without a run of 6 digits, so never a document number), else `query`.
 * JSON bodies (yc_api_body_object()) are parsed with JSON_ALLOW_NUL: a string value holding
 * U+0000 is 400 `invalid-field` naming the member's JSON Pointer (`/reason`, `/evidence/1`; ""
 * when a member name on the way is not nameable); `\u0000` in a member name stays 400
 * `malformed-json` (Jansson refuses it).
 * HEAD is served as GET (the transport drops the body).
 *
 * Access control (issue 6 item 1), only when the configuration's auth.required is true: before
 * dispatch, a path that yc_authz_route_lookup() finds (after the decoding above) and that is not
 * public is refused when the caller has no token (401 `unauthorized`, `www-authenticate:
 * Bearer`), an unknown or revoked token (401 `unauthorized`, `Bearer error="invalid_token"`), a
 * malformed `authorization` field (400 `invalid-parameter` naming `authorization`,
 * `error="invalid_request"`) or a role yc_authz_allowed() refuses (403 `forbidden`,
 * `error="insufficient_scope"`); @c res->www_authenticate carries the header value.  Paths the
 * table does not know are answered by the router as without the switch.
 * Rate limits (issue 6 item 1, before the table and whatever auth.required says): a client
 * other than an admin over cfg.rate_limit's per-client bucket, and an anonymous POST
 * /v1/attestations/verify over its address's bucket (yc_api_request.peer), are answered 429
 * `too-many-requests` with @c res->retry_after_s set.  Off (the default),
 * credentials only name the client for the access log.
 *
 * The route semantics and bodies are those
 * of api/openapi.yaml.  POST /v1/records answers only after the accepted records are committed
 * durably (yc_store_ingest()).
 *
 * @param[in]  api  Open instance.
 * @param[in]  req  The request; borrowed.
 * @param[out] res  Cleared, then filled; release with yc_api_response_clear() (also after
 *                  failure).  On YC_OK it holds a complete response (success or problem).
 * @retval YC_OK         a response was produced (any status)
 * @retval YC_ERR_NOMEM  not even a problem body could be allocated; @p res is empty and the
 *                       transport should answer 503 without a body
 * @note Thread-safety: reentrant for distinct @c req->worker values; see yc_api_open().
 * @par Source: issue 3 item 2; operationIds getHealthz, getReadyz, getSubjectScore,
 *      listSubjectRecords, postRecords, lookupSubject (api/openapi.yaml); RFC 9457.
 */
YC_MUST_USE yc_err yc_api_handle(yc_api *api, const yc_api_request *req, yc_api_response *res);

/**
 * @brief Reload the score model and the policy files (DATA/policy/lists.json,
 *        recognition.json, measures/<region>.json; the config's model and calendar) after
 *        validating every one of them; on any failure the loaded ones stay in use.
 * The configuration file (yc_api_opts.config_file, else DATA_DIR/config.json) is read again
 * and validated whole; of it, this takes the `model` and `calendar` paths and the `policy`
 * object.  Its other members (listeners, limits, store, attest) apply at the next start.
 * Requests already running finish with the snapshot they started with; later ones see the new
 * one.  The score response caches are invalidated (their entries carry the generation).
 * Reloads are serialised.  Triggered by SIGHUP in yrdcreditd (`yrdcredit policy reload` sends
 * it).
 * @param[in]  api             An instance from yc_api_open().
 * @param[out] ret_generation  On YC_OK: the new snapshot's generation (1 + the previous one;
 *                             readyz shows it as policy_generation); may be NULL.
 * @param[out] why             On failure: NUL-terminated reason naming the file and the rule,
 *                             truncated to @p why_len; "" on YC_OK.
 * @param[in]  why_len         Size of @p why in bytes, at least 1 (512 suffices).
 * @retval YC_OK
 * @retval YC_ERR_INVALID    a NULL argument, or a file fails validation
 * @retval YC_ERR_IO         a file cannot be read
 * @retval YC_ERR_NOT_FOUND  a file or the measures directory is missing
 * @retval YC_ERR_TOO_LARGE  a file exceeds its size limit
 * @retval YC_ERR_NOMEM      allocation failed
 * @note Thread-safety: safe while yc_api_handle() runs on the workers.
 * @par Source: issue 5 scope item 4 (SIGHUP reload).
 */
YC_MUST_USE yc_err yc_api_policy_reload(yc_api *api, uint64_t *ret_generation, char *why,
                                        size_t why_len);

/**
 * @brief Validate what yc_api_policy_reload() would load, without a running instance:
 *        DATA_DIR/config.json, the model, the calendar and every DATA_DIR/policy/ file.
 * @param[in]  data_dir  NUL-terminated data directory.
 * @param[out] why       On failure: NUL-terminated reason naming the file and the rule.
 * @param[in]  why_len   Size of @p why in bytes, at least 1.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    config.json or a file fails validation
 * @retval YC_ERR_IO         a file cannot be read
 * @retval YC_ERR_NOT_FOUND  a file or the measures directory is missing
 * @retval YC_ERR_TOO_LARGE  a file exceeds its size limit
 * @retval YC_ERR_NOMEM      allocation failed
 * @note A server started with `--config FILE` reloads from FILE; this checks DATA_DIR's.
 * @par Source: issue 5 scope item 4 (`yrdcredit policy check|reload`).
 */
YC_MUST_USE yc_err yc_api_policy_check(const char *data_dir, char *why, size_t why_len);

/**
 * @brief The counters of one worker's score cache (for tests and diagnostics).
 * @param[in]  api     Open instance.
 * @param[in]  worker  Worker index, 0..YC_API_WORKERS_MAX-1; another value gives zeros.
 * @param[out] ret     The counters; all zero while that worker has no cache.
 * @note Thread-safety: call from the worker's own thread, or while no yc_api_handle() call of
 *       that worker runs.
 * @par Source: issue 3 bench/h2-score acceptance item (score cache).
 */
void yc_api_score_cache_stats(const yc_api *api, unsigned worker, yc_api_cache_stats *ret);

/**
 * @brief Decode the percent-encoded unreserved characters of a URI path or query component.
 *
 * Each `%XX` (hex digits of either case) whose octet is unreserved — ALPHA, DIGIT, `-`, `.`,
 * `_`, `~` — becomes that character; an escape of any other octet (reserved, non-ASCII,
 * control, `%25`) is copied unchanged, so that a decoded `/`, `&` or `=` never splits a path or
 * a query and nothing is decoded twice.  Other bytes are copied as they are.
 *
 * @param[in]  s        Text; not necessarily NUL-terminated; @p len bytes are read.
 * @param[in]  len      Bytes of @p s.
 * @param[out] out      @p cap bytes: the decoded text (at most @p len bytes) and a NUL; may be
 *                      partly written on failure.
 * @param[in]  cap      Bytes of @p out; at least @p len + 1.
 * @param[out] ret_len  Decoded length in bytes, without the NUL; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    a malformed escape: a `%` not followed by two hex digits
 * @retval YC_ERR_TOO_LARGE  @p cap is less than @p len + 1
 * @note Thread-safety: pure function.
 * @par Source: RFC 3986 §2.1, §2.3 ("URIs that differ in the replacement of an unreserved
 *      character with its corresponding percent-encoded US-ASCII octet are equivalent"),
 *      §6.2.2.2; issue 3 item 2 (api/openapi.yaml, info.description).
 */
YC_MUST_USE yc_err yc_api_pct_decode(const char *s, size_t len, char *out, size_t cap,
                                     size_t *ret_len);

/**
 * @brief Is @p value a valid value of the query parameter @p name, by the same check the route
 *        taking it applies (for the access log: a value is logged only when this holds)?
 *
 * `as_of`: a real date YYYY-MM-DD in 1900..2099; `limit`: 1..3 ASCII digits, 1..100;
 * `cursor`: `r` + 1..20 ASCII digits (a record_id below 2^64); `atomic`: `true` or `false`.
 * Any other name: false.
 *
 * @param[in] name        Parameter name, already decoded; @p name_len bytes, not
 *                        NUL-terminated.
 * @param[in] name_len    Bytes of @p name.
 * @param[in] value       Value, already decoded (yc_api_pct_decode()); @p value_len bytes, not
 *                        NUL-terminated.
 * @param[in] value_len   Bytes of @p value.
 * @return true when valid.
 * @note Thread-safety: pure function.
 * @par Source: api/openapi.yaml parameters of getSubjectScore, listSubjectRecords,
 *      postRecords; issue 3 item 4 (an access log with no document numbers).
 */
bool yc_api_query_value_is_valid(const char *name, size_t name_len, const char *value,
                                 size_t value_len);

/**
 * @brief Say where a deferred answer goes: called once by the caller of yc_api_handle() when
 *        it gave @c status 0 (yc_api_response.pending).
 *
 * If the answer is already there, @p fn runs at once on the calling thread, before this
 * returns; otherwise it runs later on the thread that completes the answer.  Either way it
 * runs exactly once, and @p p is freed after it returns.
 *
 * @param[in] p    yc_api_response.pending; not used by the caller after the call.
 * @param[in] fn   Receives the answer; required.
 * @param[in] ctx  Passed to @p fn; borrowed until @p fn runs.
 * @note Thread-safety: any thread; bind and completion may race (a mutex orders them).
 * @par Source: issue 4 item 3 (the issuing response is sent only after the record is
 *      group-committed off the event loop).
 */
void yc_api_pending_bind(yc_api_pending *p, yc_api_done_fn fn, void *ctx);

/**
 * @brief Split an `authorization` field value into its Bearer token (RFC 6750 §2.1).
 *
 * Accepted: the scheme "Bearer" in any case (RFC 9110 §11.1), exactly one space, then a
 * b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" and nothing after it.
 * Stricter than RFC 9110's `1*SP`: two spaces, a tab, a leading or trailing space, another
 * scheme ("Basic …"), an empty value or a scheme alone are refused.  The token's length and
 * shape are not judged here (yc_clients_authenticate() does).
 *
 * @param[in]  value          Field value, @p len bytes, not necessarily NUL-terminated
 *                            (untrusted).
 * @param[in]  len            Bytes of @p value.
 * @param[out] ret_token      Points into @p value at the token; written only on YC_OK.
 * @param[out] ret_token_len  Bytes of the token (>= 1); written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  not `Bearer <b64token>` as above
 * @note Thread-safety: pure function.
 * @par Source: RFC 6750 §2.1 (credentials = "Bearer" 1*SP b64token; the one-space rule is issue
 *      6's groundwork brief); RFC 9110 §11.4.
 */
YC_MUST_USE yc_err yc_api_bearer_parse(const char *value, size_t len, const char **ret_token,
                                       size_t *ret_token_len);

/**
 * @brief Resolve who is calling: no credentials, an active client of DATA/clients.json, an
 *        invalid credential or a malformed `authorization` field.
 *
 * The instance holds an immutable snapshot of the client registry (yc_clients_load()); at most
 * once a second (monotonic clock, on the first request carrying credentials in that second)
 * one caller compares yc_clients_stamp() with the loaded one and loads the registry again
 * when it changed, so that `yrdcredit clients add|revoke` take effect within about a second.
 * A registry that no longer loads (an edit gone wrong) recognises nobody until it is fixed
 * (the reason goes to stderr); out of memory keeps the previous snapshot.
 *
 * yc_api_handle() calls this to name the client in yc_api_response.client_id and, when the
 * configuration sets auth.required (on by default), to enforce the route × role table.
 *
 * @param[in]  api  Open instance.
 * A partner client bound to a trust-registry issuer (yc_client.issuer) whose entry lists
 * mtls_spki_sha256 pins is YC_API_IDENT_CLIENT only when @c client_spki_sha256 is one of them;
 * otherwise (no certificate, another one, the issuer not in the registry, or a registry that
 * does not load) YC_API_IDENT_CERT.  The pins are reloaded with the client registry, at most
 * once a second, when DATA/trust/partners.json changed (docs/mtls.md).
 *
 * @param[in]  req  The request; only @c authorization, @c authorization_malformed and
 *                  @c client_spki_sha256 are read.
 * @param[out] ret  Cleared, then filled: @c kind, and the client's id, role, subject and
 *                  authorities (copies) for YC_API_IDENT_CLIENT.
 * @retval YC_OK             @p ret holds the outcome (any kind)
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised; @p ret says
 *                           YC_API_IDENT_INVALID
 * @note Thread-safety: any number of threads at once (a read-write lock guards the snapshot;
 *       an atomic second stamp elects the one that checks the file).
 * @par Source: issue 6 scope item 1 (tokens; "takes effect in the running server within 1 s";
 *      "optional mutual TLS for partners"); RFC 6750 §2.1, §3.1; RFC 7469 §2.4.
 */
YC_MUST_USE yc_err yc_api_identify(yc_api *api, const yc_api_request *req, yc_api_ident *ret);

/**
 * @brief Release a response's body and zero it.
 * @param[in,out] res  A response from yc_api_handle(), or zeroed; may be NULL (no-op).
 */
void yc_api_response_clear(yc_api_response *res);

/**
 * @brief Run the retention job (include/yrdcredit/retention.h) once now, over the instance's
 *        store with the loaded policy's holiday calendar (Mon–Fri without one), and record it
 *        in the audit log (actor "system:retention") when it removed something or failed.
 * @param[in]  api  Open instance.
 * @param[out] ret  What was removed (also on an error: what the committed batches removed).
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a NULL argument
 * @retval YC_ERR_AGAIN    the store is not open (not ready)
 * @retval YC_ERR_STORE, YC_ERR_FULL, YC_ERR_IO, YC_ERR_NOMEM, YC_ERR_INTERNAL  as
 *         yc_retention_run() and yc_store_audit_append()
 * @note Thread-safety: any thread, while requests are served; one run at a time.
 * @par Source: issue 6 scope item 8 (`yrdcredit purge`, also run daily by the server).
 */
YC_MUST_USE yc_err yc_api_retention_run(yc_api *api, yc_retention_counts *ret);

#endif
