/* The score JSON object of issue 2 item 5 (served unchanged by the HTTP API).  Key order is
 * fixed by construction (Jansson keeps insertion order); output is JSON_COMPACT. */
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/score.h"

/* Built with Jansson's constructors and json_object_set_new_nocheck() (no json_pack format
 * parsing; keys are this file's literals).  Text that comes from outside the engine (the
 * subject id, an authority) goes through json_stringn(), which rejects invalid UTF-8; the
 * rest (dates, digits, the model's names, which Jansson checked when the model was loaded) is
 * ASCII or known-valid and uses the _nocheck constructors. */

/* A date value: "YYYY-MM-DD", or JSON null for YC_DATE_NONE. */
static json_t *date_json(yc_date d)
{
    if (d == YC_DATE_NONE)
        return json_null();
    char buf[YC_DATE_STR_LEN + 1];
    yc_date_format(d, buf);
    return json_stringn_nocheck(buf, YC_DATE_STR_LEN);
}

/* Steals v (also on failure, as json_object_set_new_nocheck does); false on failure. */
static bool put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new_nocheck(o, key, v) == 0;
}

static bool put_str(json_t *o, const char *key, const char *s)
{
    return put(o, key, json_stringn_nocheck(s, strlen(s)));
}

/* A failed constructor: out of memory (the allocator counted a failure) or invalid UTF-8. */
static yc_err build_error(long failures_before)
{
    return yc_alloc_failures() != failures_before ? YC_ERR_NOMEM : YC_ERR_INVALID;
}

static json_t *reason_json(const yc_score_reason *r)
{
    char id[24];
    const int id_len = snprintf(id, sizeof id, "%" PRIu64, r->record_id);
    json_t *o = json_object();
    if (o == NULL || !put_str(o, "code", yc_code_str(r->code)) ||
        !put(o, "points_milli", json_integer((json_int_t)r->points_milli)) ||
        !put(o, "record_id", json_stringn_nocheck(id, (size_t)id_len)) ||
        !put(o, "authority",
             json_stringn(r->authority != NULL ? r->authority : "", r->authority_len)) ||
        !put(o, "decision_date", date_json(r->decision_date)) ||
        !put(o, "window_end", date_json(r->window_end)) ||
        !put(o, "repairable_from", date_json(r->repairable_from)) ||
        !put(o, "disputed", json_boolean(r->disputed))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static yc_err result_json(const yc_model *model, const char *subject_id, size_t id_len,
                          const yc_score_result *res, json_t **ret)
{
    const long failures = yc_alloc_failures();
    for (size_t i = 0; i < res->n_reasons; i++)
        YC_ENSURE(res->reasons[i].authority_len <= YC_NAME_MAX, YC_ERR_INVALID);
    json_t *o = json_object(), *model_o = json_object(), *reasons = json_array();
    bool ok = o != NULL && model_o != NULL && reasons != NULL;
    for (size_t i = 0; ok && i < res->n_reasons; i++)
        ok = json_array_append_new(reasons, reason_json(&res->reasons[i])) == 0;
    ok = ok && put_str(model_o, "version", yc_model_version(model)) &&
         put(model_o, "digest",
             json_stringn_nocheck(yc_model_digest_hex(model), YC_MODEL_DIGEST_HEX_LEN));
    ok = ok && put(o, "subject_id", json_stringn(subject_id, id_len)) &&
         put_str(o, "subject_type", yc_subject_type_str(res->subject_type)) &&
         put(o, "as_of", date_json(res->as_of)) &&
         put(o, "score", json_integer((json_int_t)res->score)) &&
         put_str(o, res->is_grade ? "grade" : "band", res->rating);
    /* a put steals its container, also on failure: forget it once it was offered */
    if (ok) {
        ok = put(o, "model", model_o);
        model_o = NULL;
    }
    if (ok) {
        ok = put(o, "reasons", reasons);
        reasons = NULL;
    }
    ok = ok && put(o, "changes_on", date_json(res->changes_on));
    if (!ok) {
        json_decref(o);
        json_decref(model_o);
        json_decref(reasons);
        return build_error(failures);
    }
    *ret = o;
    return YC_OK;
}

yc_err yc_score_result_to_json(const yc_model *model, const char *subject_id,
                               const yc_score_result *result, char *buf, size_t buf_len,
                               size_t *ret_len)
{
    const size_t id_len = strlen(subject_id);
    YC_ENSURE(id_len > 0 && id_len <= YC_SUBJECT_ID_MAX, YC_ERR_INVALID);
    yc_core_init_json();
    json_t *root;
    YC_TRY(result_json(model, subject_id, id_len, result, &root));
    yc_err rc = YC_OK;
    const size_t len = json_dumpb(root, buf, buf_len, JSON_COMPACT);
    if (len == 0) {
        rc = YC_ERR_NOMEM;
        goto out;
    }
    if (len >= buf_len) {
        rc = YC_ERR_TOO_LARGE; /* no room for the NUL */
        goto out;
    }
    buf[len] = '\0';
    if (ret_len != NULL)
        *ret_len = len;
out:
    json_decref(root);
    return rc;
}

yc_err yc_score_records_json(const yc_model *model, const char *subject_id, const yc_record *recs,
                             size_t n, yc_date as_of, char **ret_json, size_t *ret_len)
{
    YC_ENSURE(n >= 1, YC_ERR_INVALID);
    YC_ENSURE(n <= YC_SCORE_FACTS_MAX, YC_ERR_TOO_LARGE);
    yc_fact *facts = yc_calloc(n, sizeof *facts);
    yc_score_reason *reasons = yc_calloc(n, sizeof *reasons);
    const size_t cap = YC_SCORE_JSON_BASE_MAX + n * YC_SCORE_JSON_REASON_MAX;
    char *json = yc_alloc(cap);
    yc_err rv = YC_ERR_NOMEM;
    if (facts == NULL || reasons == NULL || json == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        yc_record_to_fact(&recs[i], &facts[i]);
    yc_score_result result;
    size_t len = 0;
    rv = yc_score_compute(model, recs[0].subject_type, facts, n, as_of, reasons, n, &result);
    if (rv == YC_OK)
        rv = yc_score_result_to_json(model, subject_id, &result, json, cap, &len);
    if (rv == YC_OK) {
        *ret_json = json;
        if (ret_len != NULL)
            *ret_len = len;
        json = NULL;
    }
out:
    yc_free(json);
    yc_free(reasons);
    yc_free(facts);
    return rv;
}

yc_err yc_score_records_object(const yc_model *model, const char *subject_id, const yc_record *recs,
                               size_t n, yc_date as_of, json_t **ret)
{
    const size_t id_len = strlen(subject_id);
    YC_ENSURE(id_len > 0 && id_len <= YC_SUBJECT_ID_MAX, YC_ERR_INVALID);
    YC_ENSURE(n >= 1, YC_ERR_INVALID);
    YC_ENSURE(n <= YC_SCORE_FACTS_MAX, YC_ERR_TOO_LARGE);
    yc_core_init_json();
    yc_fact *facts = yc_calloc(n, sizeof *facts);
    yc_score_reason *reasons = yc_calloc(n, sizeof *reasons);
    yc_err rv = YC_ERR_NOMEM;
    if (facts == NULL || reasons == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        yc_record_to_fact(&recs[i], &facts[i]);
    yc_score_result result;
    rv = yc_score_compute(model, recs[0].subject_type, facts, n, as_of, reasons, n, &result);
    if (rv == YC_OK)
        rv = result_json(model, subject_id, id_len, &result, ret);
out:
    yc_free(reasons);
    yc_free(facts);
    return rv;
}
