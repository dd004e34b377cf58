/* yc_api_open/close and the router of svc/api/ (include/yrdcredit/api.h). */
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/ids.h"

yc_err yc_api_open(const char *data_dir, const yc_api_opts *opts, yc_api **ret_api)
{
    YC_ENSURE(opts == NULL || opts->max_body_bytes <= YC_API_BODY_MAX_LIMIT, YC_ERR_INVALID);
    yc_core_init_json();
    yc_api *api = yc_calloc(1, sizeof *api);
    YC_ENSURE(api != NULL, YC_ERR_NOMEM);
    api->max_body =
        opts != NULL && opts->max_body_bytes > 0 ? opts->max_body_bytes : YC_API_BODY_MAX_DEFAULT;
    yc_err rv = yc_config_load(data_dir, &api->cfg, NULL);
    if (rv != YC_OK)
        goto out;
    /* Model, rules and store failures leave the instance open but not ready (503). */
    if (yc_model_load(api->cfg.model_path, &api->model, NULL, 0) == YC_OK)
        yc_model_windows(api->model, api->windows);
    char msg[256];
    if (yc_rules_load(api->cfg.rules_path, &api->rules, msg, sizeof msg) != YC_OK)
        api->rules = NULL;
    yc_store_opts so = {.map_size_bytes = api->cfg.map_size_mib * 1024u * 1024u};
    if (yc_store_open(data_dir, &so, &api->store) != YC_OK)
        api->store = NULL;
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
    yc_store_close(api->store);
    yc_rules_free(api->rules);
    yc_model_free(api->model);
    yc_free(api);
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

bool yc_api_query_parse(const char *query, const char *const *allowed, yc_api_query *q,
                        yc_api_response *res, yc_err *ret)
{
    *q = (yc_api_query){0};
    if (query == NULL || query[0] == '\0')
        return true;
    if (strlen(query) > YC_API_QUERY_MAX) {
        *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "the query string is too long", "query");
        return false;
    }
    for (const char *p = query; *p != '\0';) {
        size_t seg = strcspn(p, "&");
        const char *eq = memchr(p, '=', seg);
        yc_api_qparam prm = {.name = p, .name_len = eq != NULL ? (size_t)(eq - p) : seg};
        prm.value = eq != NULL ? eq + 1 : p + seg;
        prm.value_len = eq != NULL ? seg - prm.name_len - 1 : 0;
        bool known = false;
        const char *name = "query";
        for (size_t k = 0; allowed[k] != NULL; k++)
            if (strlen(allowed[k]) == prm.name_len &&
                memcmp(allowed[k], prm.name, prm.name_len) == 0) {
                known = true;
                name = allowed[k];
            }
        size_t dummy = 0;
        if (!known) {
            *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "unknown query parameter", "query");
            return false;
        }
        if (yc_api_query_get(q, name, &dummy) != NULL || q->n == YC_API_QPARAMS_MAX) {
            *ret = yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "query parameter given more than once", name);
            return false;
        }
        q->p[q->n++] = prm;
        p += seg;
        if (*p == '&')
            p++;
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
    if (strcmp(path, "/v1/subjects/lookup") == 0)
        return post ? yc_api_lookup_subject(api, req, res) : method_not_allowed(res, "POST");
    static const char prefix[] = "/v1/subjects/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return not_found(res);
    const char *id = path + sizeof prefix - 1;
    const char *slash = strchr(id, '/');
    if (slash == NULL || slash == id)
        return not_found(res);
    const bool score = strcmp(slash, "/score") == 0;
    if (!score && strcmp(slash, "/records") != 0)
        return not_found(res);
    if (!get)
        return method_not_allowed(res, "GET, HEAD");
    const size_t id_len = (size_t)(slash - id);
    if (!yc_subject_id_is_valid(id, id_len))
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "not a valid 统一社会信用代码 or 'P' pseudonym", "subject_id");
    char sid[YC_SUBJECT_ID_MAX + 1];
    memcpy(sid, id, id_len);
    sid[id_len] = '\0';
    return score ? yc_api_get_score(api, req, sid, res) : yc_api_list_records(api, req, sid, res);
}

yc_err yc_api_handle(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    *res = (yc_api_response){0};
    yc_err rv = strlen(req->path) > YC_API_PATH_MAX ? not_found(res) : route(api, req, res);
    if (rv == YC_OK)
        return YC_OK;
    /* A handler failed to build its answer: try the generic problem, else report NOMEM. */
    yc_api_response_clear(res);
    rv = yc_api_error(res, rv);
    if (rv != YC_OK)
        yc_api_response_clear(res);
    return rv;
}
