/* The score JSON object of issue 2 item 5 (served unchanged by the HTTP API).  Key order is
 * fixed by construction (Jansson keeps insertion order); output is JSON_COMPACT. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/score.h"

/* "YYYY-MM-DD", or NULL for YC_DATE_NONE (packed as JSON null with "s?"). */
static const char *date_or_null(yc_date d, char buf[static YC_DATE_STR_LEN + 1])
{
    if (d == YC_DATE_NONE)
        return NULL;
    yc_date_format(d, buf);
    return buf;
}

/* Jansson may report an allocation failure as another error: ask the allocator too. */
static yc_err pack_error(const json_error_t *jerr, long failures_before)
{
    return json_error_code(jerr) == json_error_out_of_memory ||
                   yc_alloc_failures() != failures_before
               ? YC_ERR_NOMEM
               : YC_ERR_INVALID;
}

static yc_err reason_json(const yc_score_reason *r, json_t **ret)
{
    YC_ENSURE(r->authority_len <= YC_NAME_MAX, YC_ERR_INVALID);
    char id[24], decided[YC_DATE_STR_LEN + 1], end[YC_DATE_STR_LEN + 1],
        repair[YC_DATE_STR_LEN + 1];
    snprintf(id, sizeof id, "%" PRIu64, r->record_id);
    yc_date_format(r->decision_date, decided);
    json_error_t jerr;
    const long failures = yc_alloc_failures();
    json_t *o = json_pack_ex(
        &jerr, 0, "{s:s, s:I, s:s, s:s%, s:s, s:s?, s:s?, s:b}", "code", yc_code_str(r->code),
        "points_milli", (json_int_t)r->points_milli, "record_id", id, "authority",
        r->authority ? r->authority : "", r->authority_len, "decision_date", decided, "window_end",
        date_or_null(r->window_end, end), "repairable_from",
        date_or_null(r->repairable_from, repair), "disputed", (int)r->disputed);
    if (o == NULL)
        return pack_error(&jerr, failures);
    *ret = o;
    return YC_OK;
}

static yc_err result_json(const yc_model *model, const char *subject_id, const yc_score_result *res,
                          json_t **ret)
{
    char as_of[YC_DATE_STR_LEN + 1], changes[YC_DATE_STR_LEN + 1];
    yc_date_format(res->as_of, as_of);
    json_error_t jerr;
    const long failures = yc_alloc_failures();
    json_t *reasons = json_array();
    if (reasons == NULL)
        return YC_ERR_NOMEM;
    for (size_t i = 0; i < res->n_reasons; i++) {
        json_t *r;
        const yc_err rc = reason_json(&res->reasons[i], &r);
        if (rc != YC_OK || json_array_append_new(reasons, r) != 0) {
            json_decref(reasons);
            return rc != YC_OK ? rc : YC_ERR_NOMEM;
        }
    }
    /* "o" steals the reference to reasons, also on failure */
    json_t *o = json_pack_ex(
        &jerr, 0, "{s:s, s:s, s:s, s:i, s:s, s:{s:s, s:s}, s:o, s:s?}", "subject_id", subject_id,
        "subject_type", yc_subject_type_str(res->subject_type), "as_of", as_of, "score",
        (int)res->score, res->is_grade ? "grade" : "band", res->rating, "model", "version",
        yc_model_version(model), "digest", yc_model_digest_hex(model), "reasons", reasons,
        "changes_on", date_or_null(res->changes_on, changes));
    if (o == NULL)
        return pack_error(&jerr, failures);
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
    YC_TRY(result_json(model, subject_id, result, &root));
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
