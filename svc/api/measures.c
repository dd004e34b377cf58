/* OpenAPI tag "policy": listMeasures (issue 5 item 4, GET /v1/measures?region=&matter=). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"

/* A file name "<6 digits>.json"; anything else in the directory is ignored. */
static bool is_catalogue_name(const char *name)
{
    if (strlen(name) != YC_REGION_LEN + 5 || strcmp(name + YC_REGION_LEN, ".json") != 0)
        return false;
    for (size_t i = 0; i < YC_REGION_LEN; i++)
        if (name[i] < '0' || name[i] > '9')
            return false;
    return true;
}

static int by_region(const void *a, const void *b)
{
    const yc_catalogue *const *x = a, *const *y = b;
    return strcmp(yc_catalogue_region(*x), yc_catalogue_region(*y));
}

static void free_list(yc_catalogue **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        yc_catalogue_free(list[i]);
    yc_free(list);
}

void yc_api_measures_open(yc_api *api, const char *data_dir)
{
    char dir[4096], path[4096 + 64];
    if ((size_t)snprintf(dir, sizeof dir, "%s/policy/measures", data_dir) >= sizeof dir)
        return;
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    yc_catalogue **list = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    const struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        if (!is_catalogue_name(e->d_name))
            continue;
        if (n == cap) {
            const size_t ncap = cap == 0 ? 8 : cap * 2;
            yc_catalogue **grown = yc_realloc(list, ncap * sizeof *list);
            if (grown == NULL) {
                ok = false;
                break;
            }
            list = grown;
            cap = ncap;
        }
        const int w = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ok =
            w > 0 && (size_t)w < sizeof path && yc_catalogue_load(path, &list[n], NULL, 0) == YC_OK;
        if (ok)
            n++;
    }
    closedir(d);
    if (!ok) {
        free_list(list, n);
        return;
    }
    if (n > 1)
        qsort(list, n, sizeof *list, by_region);
    if (list == NULL) { /* an empty directory: ready, with no catalogue */
        list = yc_alloc(sizeof *list);
        if (list == NULL)
            return;
    }
    api->catalogues = list;
    api->n_catalogues = n;
}

void yc_api_measures_close(yc_api *api)
{
    free_list(api->catalogues, api->n_catalogues);
    api->catalogues = NULL;
    api->n_catalogues = 0;
}

static const char *kind_name(yc_measure_kind k)
{
    return k == YC_MEASURE_PENALTY ? "penalty" : "reward";
}

static json_t *target_json(const yc_measure_target *t)
{
    switch (t->kind) {
    case YC_TARGET_LIST:
        return json_pack("{s:s}", "list", t->value);
    case YC_TARGET_GRADE_AT_LEAST:
        return json_pack("{s:s}", "grade_at_least", t->value);
    case YC_TARGET_BAND_AT_LEAST:
        return json_pack("{s:s}", "band_at_least", t->value);
    case YC_TARGET_SCORE_AT_LEAST:
        return json_pack("{s:i}", "score_at_least", t->score);
    }
    return NULL;
}

static json_t *measure_json(const char *region, const yc_measure *m)
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
    if (region != NULL) {
        bool ok = region_len == YC_REGION_LEN;
        for (size_t i = 0; ok && i < region_len; i++)
            ok = region[i] >= '0' && region[i] <= '9';
        if (!ok)
            return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter",
                                  "region must be a 6-digit administrative division code",
                                  "region");
    }
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
    if (api->catalogues == NULL)
        return yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                              "the measure catalogues are not loaded", NULL);
    json_t *list = json_array();
    if (list == NULL)
        return YC_ERR_NOMEM;
    for (size_t c = 0; c < api->n_catalogues; c++) {
        const yc_catalogue *cat = api->catalogues[c];
        const char *cr = yc_catalogue_region(cat);
        if (region != NULL && memcmp(cr, region, YC_REGION_LEN) != 0)
            continue;
        for (size_t i = 0; i < yc_catalogue_count(cat); i++) {
            const yc_measure *m = yc_catalogue_get(cat, i);
            if (mv != NULL && strcmp(m->matter, matter) != 0)
                continue;
            if (json_array_append_new(list, measure_json(cr, m)) != 0) {
                json_decref(list);
                return YC_ERR_NOMEM;
            }
        }
    }
    json_t *o = json_pack("{s:o}", "measures", list);
    return o != NULL ? yc_api_json(res, 200, o) : YC_ERR_NOMEM;
}
