/* Internals of svc/api/ shared by the router, the problem builder and the handlers. */
#ifndef YRDCREDIT_API_INT_H
#define YRDCREDIT_API_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "yrdcredit/api.h"
#include "yrdcredit/config.h"
#include "yrdcredit/import.h"
#include "yrdcredit/record.h"
#include "yrdcredit/score.h"
#include "yrdcredit/store.h"

struct yc_api {
    yc_config cfg;
    yc_model *model; /* NULL: not ready */
    yc_rules *rules; /* NULL: not ready */
    yc_store *store; /* NULL: not ready */
    yc_window windows[YC_CODE_COUNT];
    size_t max_body;
};

/* Fill res with a problem+json body; field may be NULL (then omitted). */
yc_err yc_api_problem(yc_api_response *res, int status, const char *kind, const char *title,
                      const char *detail, const char *field);
/* Fill res with status and the compact JSON of obj (reference stolen). */
yc_err yc_api_json(yc_api_response *res, int status, json_t *obj);
/* Fill res with a copy of len bytes of JSON text. */
yc_err yc_api_raw(yc_api_response *res, int status, const char *json, size_t len);
/* Map a store/engine error to a problem response. */
yc_err yc_api_error(yc_api_response *res, yc_err e);
/* 503 not-ready when the instance lacks model, rules or store; returns true if answered. */
bool yc_api_not_ready(const yc_api *api, yc_api_response *res, yc_err *ret);

/* Query parameters: at most this many, each name unique. */
enum { YC_API_QPARAMS_MAX = 8 };
typedef struct yc_api_qparam {
    const char *name, *value;
    size_t name_len, value_len;
} yc_api_qparam;
typedef struct yc_api_query {
    yc_api_qparam p[YC_API_QPARAMS_MAX];
    size_t n;
} yc_api_query;

/* Parse req->query and check that only the allowed names (NULL-terminated list) occur,
 * each once; on failure res holds the 400 problem and false is returned. */
bool yc_api_query_parse(const char *query, const char *const *allowed, yc_api_query *q,
                        yc_api_response *res, yc_err *ret);
/* The value of a parameter, or NULL (then *len is 0). */
const char *yc_api_query_get(const yc_api_query *q, const char *name, size_t *len);
/* Media type of a Content-Type value equals type (case-insensitive, parameters ignored). */
bool yc_api_media_type_is(const char *content_type, const char *type);

/* Handlers, one file per OpenAPI tag. */
yc_err yc_api_get_healthz(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_get_readyz(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_get_score(yc_api *api, const yc_api_request *req, const char *subject_id,
                        yc_api_response *res);
yc_err yc_api_list_records(yc_api *api, const yc_api_request *req, const char *subject_id,
                           yc_api_response *res);
yc_err yc_api_post_records(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_lookup_subject(yc_api *api, const yc_api_request *req, yc_api_response *res);

#endif
