/* OpenAPI tag "subjects": lookupSubject. */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "yrdcredit/ids.h"

/** Longest `number` and `country` accepted, in bytes (api/openapi.yaml maxLength). */
enum { LOOKUP_NUMBER_MAX = 64, LOOKUP_COUNTRY_MAX = 3 };

/* Copy a string member of at most max bytes into buf; false when absent, not a string or too
 * long (or holding a NUL). */
static bool get_str(json_t *o, const char *key, char *buf, size_t max)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return false;
    size_t n = json_string_length(v);
    if (n > max || memchr(json_string_value(v), '\0', n) != NULL)
        return false;
    memcpy(buf, json_string_value(v), n);
    buf[n] = '\0';
    return true;
}

yc_err yc_api_lookup_subject(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_media_type_is(req->content_type, "application/json"))
        return yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be application/json", NULL);
    if (!yc_api_charset_is_utf8(req->content_type))
        return yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be UTF-8: charset=utf-8 or no charset", NULL);
    if (req->body_len > api->max_body)
        return yc_api_problem(res, 413, YC_API_PROBLEM_TOO_LARGE, "Payload too large",
                              "the body exceeds the configured limit", NULL);
    if (!yc_api_query_parse(req->query, none, &q, res, &rv))
        return rv;
    json_error_t jerr;
    json_t *o = json_loadb((const char *)req->body, req->body_len,
                           JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (o == NULL) {
        return json_error_code(&jerr) == json_error_out_of_memory
                   ? yc_api_error(res, YC_ERR_NOMEM)
                   : yc_api_problem(res, 400, YC_API_PROBLEM_MALFORMED_JSON, "Malformed JSON",
                                    "the body is not valid JSON or repeats a key", "");
    }
    char number[LOOKUP_NUMBER_MAX + 1], country[LOOKUP_COUNTRY_MAX + 1] = "", type_s[64];
    yc_doc_type type = YC_DOC_NONE;
    const char *key;
    json_t *val;
    if (!json_is_object(o)) {
        rv = yc_api_bad_field(res, "", "the body must be a JSON object");
        goto out;
    }
    json_object_foreach(o, key, val)
    {
        if (strcmp(key, "doc_type") != 0 && strcmp(key, "number") != 0 &&
            strcmp(key, "country") != 0) {
            /* named when it cannot be a document number (a problem never echoes one) */
            char pointer[40] = "";
            if (yc_api_key_is_nameable(key))
                snprintf(pointer, sizeof pointer, "/%s", key);
            rv = yc_api_bad_field(
                res, pointer,
                pointer[0] != '\0' ? "unknown member (allowed: doc_type, number, country)"
                                   : "unknown member, not named here (allowed: doc_type, number, "
                                     "country)");
            goto out;
        }
    }
    if (!get_str(o, "doc_type", type_s, sizeof type_s - 1) ||
        yc_doc_type_parse(type_s, &type) != YC_OK || type == YC_DOC_NONE) {
        rv = yc_api_bad_field(res, "/doc_type",
                              "required: resident_id, passport, foreign_permanent_resident_id or "
                              "business_friend_card");
        goto out;
    }
    if (!get_str(o, "number", number, LOOKUP_NUMBER_MAX)) {
        rv = yc_api_bad_field(res, "/number", "required: a string of at most 64 bytes");
        goto out;
    }
    if (json_object_get(o, "country") != NULL && type != YC_DOC_PASSPORT) {
        rv = yc_api_bad_field(
            res, "/country",
            "only a passport takes an issuing country; omit country for this doc_type");
        goto out;
    }
    if (json_object_get(o, "country") != NULL &&
        !get_str(o, "country", country, LOOKUP_COUNTRY_MAX)) {
        rv = yc_api_bad_field(res, "/country", "an ISO 3166-1 alpha-3 code");
        goto out;
    }
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault fault = YC_ID_OK;
    if (yc_doc_normalize(type, country, number, yc_date_today_shanghai(), norm, ctry, &fault) !=
        YC_OK) {
        /* The fault text names the rule, never the number. */
        rv = yc_api_bad_field(res, fault == YC_ID_COUNTRY ? "/country" : "/number",
                              yc_id_fault_str(fault));
        goto out;
    }
    if (yc_api_not_ready(api, res, &rv))
        goto out;
    char id[YC_SUBJECT_ID_MAX + 1];
    rv = yc_store_pseudonym(api->store, type, ctry, norm, id);
    rv = rv == YC_OK ? yc_api_json(res, 200, json_pack("{s:s}", "subject_id", id))
                     : yc_api_error(res, rv);
out:
    json_decref(o);
    return rv;
}
