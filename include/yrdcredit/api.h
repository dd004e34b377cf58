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

#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"

/** Default and upper bound of yc_api_opts.max_body_bytes (request body), in bytes. */
#define YC_API_BODY_MAX_DEFAULT (1024 * 1024)
#define YC_API_BODY_MAX_LIMIT   (64 * 1024 * 1024)
/** Most items one POST /v1/records accepts (JSON array elements or NDJSON lines). */
#define YC_API_RECORDS_MAX_ITEMS 1000
/** Default and maximum `limit` of GET /v1/subjects/{subject_id}/records. */
#define YC_API_PAGE_DEFAULT 20
#define YC_API_PAGE_MAX     100
/** Longest path and query string accepted, in bytes (longer: 404 / 400). */
#define YC_API_PATH_MAX  256
#define YC_API_QUERY_MAX 256

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

/** An API instance: configuration, score model, record store and import tables. Opaque. */
typedef struct yc_api yc_api;

/** Options of yc_api_open().  Zero members mean the default. */
typedef struct yc_api_opts {
    size_t max_body_bytes; /**< request body limit, 1..YC_API_BODY_MAX_LIMIT bytes;
                                0 = YC_API_BODY_MAX_DEFAULT */
} yc_api_opts;

/** One complete request.  Every member is borrowed from the caller for the call. */
typedef struct yc_api_request {
    const char *method;       /**< NUL-terminated, e.g. "GET" (case-sensitive, RFC 9110 §9.1) */
    const char *path;         /**< NUL-terminated, without the query, e.g. "/healthz" */
    const char *query;        /**< NUL-terminated text after '?', without it; NULL or "" if none */
    const char *content_type; /**< NUL-terminated Content-Type value; NULL if absent */
    const uint8_t *body;      /**< @c body_len bytes, not NUL-terminated; NULL when 0 */
    size_t body_len;          /**< bytes */
} yc_api_request;

/** A response.  Initialise with `= {0}`; release with yc_api_response_clear(). */
typedef struct yc_api_response {
    int status;               /**< HTTP status code */
    const char *content_type; /**< static string: "application/json" or
                                   "application/problem+json" */
    const char *allow;        /**< static `allow` header value for 405, else NULL */
    char *body;               /**< owned by the response; @c body_len bytes + a NUL */
    size_t body_len;          /**< bytes, without the NUL */
} yc_api_response;

/**
 * @brief Open the API over a data directory, as the CLI does: DATA_DIR/config.json, the score
 *        model, the 处罚类别 rules, the model's publication windows and the LMDB store.
 *
 * Only a missing or invalid config.json fails.  When the model, rules or store cannot be
 * loaded the instance still opens (so liveness can be served) and is not ready: getReadyz
 * and every data route answer 503 `not-ready`.
 *
 * @param[in]  data_dir  NUL-terminated data directory (created by `yrdcredit init`).
 * @param[in]  opts      Options; may be NULL for the defaults.
 * @param[out] ret_api   New instance; free with yc_api_close().  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_IO         config.json missing or unreadable
 * @retval YC_ERR_INVALID    config.json invalid; @c opts->max_body_bytes over
 *                           YC_API_BODY_MAX_LIMIT
 * @retval YC_ERR_TOO_LARGE  a configured path is too long
 * @retval YC_ERR_NOMEM      allocation failed
 * @note Thread-safety: the returned instance may be used by yc_api_handle() from several
 *       threads at once (the model and rules are immutable; the store is LMDB).
 * @par Source: issue 3 items 2 and 4 (`--data DIR` alone suffices); svc/bin/cmd.c
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
 * Routing: unknown path 404 `not-found`; known path with another method 405
 * `method-not-allowed` with @c res->allow set; POST bodies must be `application/json`
 * (postRecords also `application/x-ndjson`; parameters such as charset are ignored) or
 * 415 `unsupported-media-type`; a body longer than the limit is 413 `payload-too-large`.
 * HEAD is served as GET (the transport drops the body).  The route semantics and bodies are those
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
 * @note Thread-safety: reentrant; see yc_api_open().
 * @par Source: issue 3 item 2; operationIds getHealthz, getReadyz, getSubjectScore,
 *      listSubjectRecords, postRecords, lookupSubject (api/openapi.yaml); RFC 9457.
 */
YC_MUST_USE yc_err yc_api_handle(yc_api *api, const yc_api_request *req, yc_api_response *res);

/**
 * @brief Release a response's body and zero it.
 * @param[in,out] res  A response from yc_api_handle(), or zeroed; may be NULL (no-op).
 */
void yc_api_response_clear(yc_api_response *res);

#endif
