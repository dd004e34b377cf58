/* OpenAPI tag "policy": listMeasures (issue 5 item 4, GET /v1/measures?region=&matter=). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/ids.h"

static const char *kind_name(yc_measure_kind k)
{
    return k == YC_MEASURE_PENALTY ? "penalty" : "reward";
}

static json_t *target_json(const yc_measure_target *t)
{
    switch (t->kind) {
    case YC_TARGET_LIST: {
        json_t *o = json_pack("{s:s}", "list", t->value);
        if (o == NULL || t->codes == 0)
            return o;
        json_t *codes = json_array(); /* target.codes (measures.h), in code order */
        for (int c = 0; codes != NULL && c < (int)YC_CODE_COUNT; c++)
            if ((t->codes & (UINT32_C(1) << (unsigned)c)) != 0 &&
                json_array_append_new(codes, json_string(yc_code_str((yc_code)c))) != 0) {
                json_decref(codes);
                codes = NULL;
            }
        if (codes == NULL || json_object_set_new(o, "codes", codes) != 0) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
    case YC_TARGET_GRADE_AT_LEAST:
        return json_pack("{s:s}", "grade_at_least", t->value);
    case YC_TARGET_BAND_AT_LEAST:
        return json_pack("{s:s}", "band_at_least", t->value);
    case YC_TARGET_SCORE_AT_LEAST:
        return json_pack("{s:i}", "score_at_least", t->score);
    }
    return NULL;
}

json_t *yc_api_measure_json(const char *region, const yc_measure *m)
{
    char from[YC_DATE_STR_LEN + 1], to[YC_DATE_STR_LEN + 1];
    yc_date_format(m->effective_from, from);
    json_t *jto = json_null();
    if (m->effective_to != YC_DATE_NONE) {
        yc_date_format(m->effective_to, to);
        jto = json_string(to);
    }
    json_t *target = target_json(&m->target);
    if (jto == NULL || target == NULL) {
        json_decref(jto);
        json_decref(target);
        return NULL;
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:{s:s,s:s},s:s,s:s,s:s,s:o}", "id", m->id, "region",
                     region, "kind", kind_name(m->kind), "matter", m->matter, "matter_label",
                     yc_matter_label(m->matter), "target", target, "text", "zh", m->text_zh, "en",
                     m->text_en, "department", m->department, "legal_basis", m->legal_basis,
                     "effective_from", from, "effective_to", jto);
}

yc_err yc_api_list_measures(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const allowed[] = {"region", "matter", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    size_t region_len = 0, matter_len = 0;
    const char *region = yc_api_query_get(&q, "region", &region_len);
    const char *mv = yc_api_query_get(&q, "matter", &matter_len);
    /* the same rule as POST /v1/decisions' region (GB/T 2260: a real province prefix) */
    if (region != NULL && !yc_region_is_valid(region, region_len))
        return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                              "region must be a 6-digit GB/T 2260 administrative division code",
                              "region");
    char matter[64];
    if (mv != NULL) {
        bool ok = matter_len < sizeof matter && memchr(mv, '\0', matter_len) == NULL;
        if (ok) {
            memcpy(matter, mv, matter_len);
            matter[matter_len] = '\0';
            ok = yc_matter_is_valid(matter);
        }
        if (!ok)
            return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "matter must be a code of the matter vocabulary", "matter");
    }
    const yc_policy_snap *pol = yc_api_policy_acquire(api);
    if (pol == NULL || pol->catalogues == NULL) {
        yc_api_policy_release(api, pol);
        return yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                              "the measure catalogues are not loaded", NULL);
    }
    json_t *list = json_array();
    if (list == NULL) {
        yc_api_policy_release(api, pol);
        return YC_ERR_NOMEM;
    }
    for (size_t c = 0; c < pol->n_catalogues; c++) {
        const yc_catalogue *cat = pol->catalogues[c];
        const char *cr = yc_catalogue_region(cat);
        if (region != NULL && memcmp(cr, region, YC_REGION_LEN) != 0)
            continue;
        for (size_t i = 0; i < yc_catalogue_count(cat); i++) {
            const yc_measure *m = yc_catalogue_get(cat, i);
            if (mv != NULL && strcmp(m->matter, matter) != 0)
                continue;
            if (json_array_append_new(list, yc_api_measure_json(cr, m)) != 0) {
                json_decref(list);
                yc_api_policy_release(api, pol);
                return YC_ERR_NOMEM;
            }
        }
    }
    yc_api_policy_release(api, pol);
    json_t *o = json_pack("{s:o}", "measures", list);
    return o != NULL ? yc_api_json(res, 200, o) : YC_ERR_NOMEM;
}
