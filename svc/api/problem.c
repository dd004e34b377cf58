/* RFC 9457 problem details and the JSON response helpers. */
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"

yc_err yc_api_raw(yc_api_response *res, int status, const char *json, size_t len)
{
    char *b = yc_alloc(len + 1);
    if (b == NULL)
        return YC_ERR_NOMEM;
    memcpy(b, json, len);
    b[len] = '\0';
    yc_free(res->body);
    res->body = b;
    res->body_len = len;
    res->status = status;
    res->content_type = "application/json";
    return YC_OK;
}

yc_err yc_api_json(yc_api_response *res, int status, json_t *obj)
{
    char *s = obj != NULL ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(obj);
    if (s == NULL)
        return YC_ERR_NOMEM;
    yc_free(res->body);
    res->body = s;
    res->body_len = strlen(s);
    res->status = status;
    res->content_type = "application/json";
    return YC_OK;
}

yc_err yc_api_problem(yc_api_response *res, int status, const char *kind, const char *title,
                      const char *detail, const char *field)
{
    char type[96];
    snprintf(type, sizeof type, "urn:yrdcredit:problem:%s", kind);
    json_t *o = json_object();
    if (o == NULL || json_object_set_new(o, "type", json_string(type)) != 0 ||
        json_object_set_new(o, "title", json_string(title)) != 0 ||
        json_object_set_new(o, "status", json_integer(status)) != 0 ||
        json_object_set_new(o, "detail", json_string(detail)) != 0 ||
        (field != NULL && json_object_set_new(o, "field", json_string(field)) != 0)) {
        json_decref(o);
        return YC_ERR_NOMEM;
    }
    yc_err rv = yc_api_json(res, status, o);
    if (rv == YC_OK)
        res->content_type = "application/problem+json";
    return rv;
}

yc_err yc_api_error(yc_api_response *res, yc_err e)
{
    switch (e) {
    case YC_ERR_NOMEM:
    case YC_ERR_AGAIN:
        return yc_api_problem(res, 503, YC_API_PROBLEM_UNAVAILABLE, "Service unavailable",
                              "the server is temporarily out of resources", NULL);
    case YC_ERR_FULL:
        return yc_api_problem(res, 507, YC_API_PROBLEM_STORAGE_FULL, "Storage full",
                              "the record store is full", NULL);
    default:
        return yc_api_problem(res, 500, YC_API_PROBLEM_INTERNAL, "Internal error", yc_err_str(e),
                              NULL);
    }
}

bool yc_api_not_ready(yc_api *api, yc_api_response *res, yc_err *ret)
{
    if (yc_api_policy_loaded(api) && api->rules != NULL && api->store != NULL)
        return false;
    *ret = yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                          "the record store or the score model is not loaded", NULL);
    return true;
}

bool yc_api_key_is_nameable(const char *key)
{
    const size_t n = strlen(key);
    int run = 0;
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char c = key[i];
        const bool digit = c >= '0' && c <= '9';
        if (!digit && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && c != '_')
            return false;
        run = digit ? run + 1 : 0;
        if (run > 5)
            return false;
    }
    return true;
}

yc_err yc_api_bad_field(yc_api_response *res, const char *pointer, const char *detail)
{
    return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_FIELD, "Invalid field", detail, pointer);
}

yc_err yc_api_bad_param(yc_api_response *res, const char *name, const char *detail)
{
    return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter", detail,
                          name);
}

yc_err yc_api_problem_with(yc_api_response *res, int status, const char *kind, const char *title,
                           const char *detail, const char *field, const char *key, json_t *value)
{
    char type[96];
    snprintf(type, sizeof type, "urn:yrdcredit:problem:%s", kind);
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", title, "status",
                          status, "detail", detail, "field", field);
    if (o == NULL || value == NULL || json_object_set_new(o, key, value) != 0) {
        json_decref(o);
        json_decref(value); /* stolen in every case (json_decref(NULL) is a no-op) */
        return YC_ERR_NOMEM;
    }
    yc_err rv = yc_api_json(res, status, o);
    if (rv == YC_OK)
        res->content_type = "application/problem+json";
    return rv;
}
