/* Tests for include/yrdcredit/api.h (svc/api/): every route and status of api/openapi.yaml. */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/config.h"
#include "yrdcredit/date.h"
#include "yrdcredit/import.h"
#include "yrdcredit/score.h"
#include "yrdcredit/store.h"

/* ---- fixture: a data dir made with the library calls `yrdcredit init` and `import` use ---- */

static char g_base[64], g_data[128];
static yc_api *g_api;
static yc_api_response g_res;

static void copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void copy_etc(const char *data)
{
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    static const char *const files[] = {"config.json", "model/score-v1.json",
                                        "rules/penalty-categories.json", "calendar.txt"};
    char src[512], dst[512];
    snprintf(dst, sizeof dst, "%s/model", data);
    assert_int_equal(mkdir(dst, 0755), 0);
    snprintf(dst, sizeof dst, "%s/rules", data);
    assert_int_equal(mkdir(dst, 0755), 0);
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        snprintf(src, sizeof src, "%s/etc/%s", root, files[k]);
        snprintf(dst, sizeof dst, "%s/%s", data, files[k]);
        copy_file(src, dst);
    }
}

static yc_err ingest_batch(void *ctx, yc_record *recs, size_t n)
{
    return yc_store_ingest(ctx, recs, n, NULL);
}

/* Import samples/ into the store of g_data, as `yrdcredit import` does on samples/. */
static void import_samples(void)
{
    yc_config cfg;
    assert_int_equal(yc_config_load(g_data, &cfg, NULL), YC_OK);
    yc_model *model = NULL;
    assert_int_equal(yc_model_load(cfg.model_path, &model, NULL, 0), YC_OK);
    yc_rules *rules = NULL;
    char msg[256];
    assert_int_equal(yc_rules_load(cfg.rules_path, &rules, msg, sizeof msg), YC_OK);
    yc_window windows[YC_CODE_COUNT];
    for (int c = 0; c < YC_CODE_COUNT; c++) {
        int lo = 0, hi = 0;
        windows[c] = yc_model_window_months(model, (yc_code)c, &lo, &hi) == YC_OK
                         ? (yc_window){lo, hi}
                         : (yc_window){0, 0};
    }
    yc_store *st = NULL;
    yc_store_opts so = {.map_size_bytes = 64u << 20};
    assert_int_equal(yc_store_open(g_data, &so, &st), YC_OK);
    static const char *const samples[] = {"yiwu-records.jsonl",     "yiwu-sxbzxr.jsonl",
                                          "yiwu-xycn.jsonl",        "yiwu-xzcf-2024.csv",
                                          "yiwu-xzxk-2024-bom.csv", "yiwu-xzcf-2025-gb18030.csv",
                                          "yiwu-xzcf-v1-2018.csv",  "yiwu-xzcf-2023-cn-header.csv"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/samples/%s", getenv("YC_SOURCE_ROOT"), samples[i]);
        yc_import_opts o = {.today = yc_date_today_shanghai(),
                            .windows = windows,
                            .rules = rules,
                            .on_batch = ingest_batch,
                            .ctx = st};
        yc_import_stats stats;
        assert_int_equal(yc_import_file(path, &o, &stats), YC_OK);
        assert_true(stats.accepted > 0);
    }
    yc_store_close(st);
    yc_rules_free(rules);
    yc_model_free(model);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_base, sizeof g_base, "/tmp/yc_api_XXXXXX");
    if (mkdtemp(g_base) == NULL)
        return -1;
    snprintf(g_data, sizeof g_data, "%s/data", g_base);
    if (yc_store_init_dir(g_data) != YC_OK)
        return -1;
    copy_etc(g_data);
    /* A small map for tests: config.json's 32 GiB is only reserved address space, keep it. */
    import_samples();
    return yc_api_open(g_data, NULL, &g_api) == YC_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    yc_api_response_clear(&g_res);
    yc_api_close(g_api);
    return nftw(g_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- request helpers ---- */

static int call_on(yc_api *api, const char *method, const char *path, const char *query,
                   const char *ctype, const char *body, size_t body_len)
{
    yc_api_response_clear(&g_res);
    yc_api_request req = {.method = method,
                          .path = path,
                          .query = query,
                          .content_type = ctype,
                          .body = (const uint8_t *)body,
                          .body_len = body_len};
    assert_int_equal(yc_api_handle(api, &req, &g_res), YC_OK);
    assert_non_null(g_res.body);
    assert_int_equal(strlen(g_res.body), g_res.body_len);
    return g_res.status;
}

static int call(const char *method, const char *path, const char *query, const char *ctype,
                const char *body)
{
    return call_on(g_api, method, path, query, ctype, body, body ? strlen(body) : 0);
}

/* Parsed body of the last response (caller decrefs). */
static json_t *body_json(void)
{
    json_error_t err;
    json_t *j = json_loadb(g_res.body, g_res.body_len, JSON_REJECT_DUPLICATES, &err);
    assert_non_null(j);
    return j;
}

/* Assert the last response is the problem of kind/status naming field (NULL: no field). */
static void assert_problem(int status, const char *kind, const char *field)
{
    assert_int_equal(g_res.status, status);
    assert_string_equal(g_res.content_type, "application/problem+json");
    json_t *j = body_json();
    char type[96];
    snprintf(type, sizeof type, "urn:yrdcredit:problem:%s", kind);
    assert_string_equal(json_string_value(json_object_get(j, "type")), type);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
    assert_true(json_string_length(json_object_get(j, "title")) > 0);
    assert_true(json_string_length(json_object_get(j, "detail")) > 0);
    if (field != NULL)
        assert_string_equal(json_string_value(json_object_get(j, "field")), field);
    else
        assert_null(json_object_get(j, "field"));
    json_decref(j);
}

static const char *str_at(json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    assert_non_null(s);
    return s;
}

#define MERCHANT          "92330782MA2KDDUY4M"
#define UNKNOWN_PSEUDONYM "PAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* A generic record (docs/formats.md §3.3) of a test merchant with 文书号 n and legal basis b. */
static void generic_record(char *buf, size_t len, int n, const char *basis)
{
    snprintf(buf, len,
             "{\"subject_type\":\"legal_person\",\"subject_id\":\"91330782MA26FY5M25\","
             "\"name\":\"义乌市恒信进出口有限公司\",\"code\":\"P04\",\"decision_no\":"
             "\"义关认证〔2024〕9%d号\",\"decision_date\":\"2024-05-20\",\"authority_name\":"
             "\"中华人民共和国义乌海关\",\"authority_uscc\":\"11330782MB1A071232\","
             "\"legal_basis\":\"%s\",\"region\":\"330782\"}",
             n, basis);
}

/* ---- safety ---- */

static void safety__yc_api_handle__empty_path__404(void **state)
{
    (void)state;
    assert_int_equal(call("GET", "", NULL, NULL, NULL), 404);
    assert_problem(404, YC_API_PROBLEM_NOT_FOUND, NULL);
}

static void safety__post_records__body_at_limit__200_and_over__413(void **state)
{
    (void)state;
    enum { LIMIT = 64 };
    yc_api *api = NULL;
    yc_api_opts opts = {.max_body_bytes = LIMIT};
    yc_api_close(g_api); /* one LMDB environment per process */
    g_api = NULL;
    assert_int_equal(yc_api_open(g_data, &opts, &api), YC_OK);
    char body[LIMIT + 2];
    memset(body, ' ', sizeof body);
    body[0] = '[';
    body[LIMIT - 1] = ']';
    assert_int_equal(call_on(api, "POST", "/v1/records", NULL, "application/json", body, LIMIT),
                     200);
    json_t *j = body_json();
    assert_int_equal(json_array_size(json_object_get(j, "results")), 0);
    json_decref(j);
    body[LIMIT - 1] = ' ';
    body[LIMIT] = ']';
    assert_int_equal(call_on(api, "POST", "/v1/records", NULL, "application/json", body, LIMIT + 1),
                     413);
    assert_problem(413, YC_API_PROBLEM_TOO_LARGE, NULL);
    assert_int_equal(
        call_on(api, "POST", "/v1/subjects/lookup", NULL, "application/json", body, LIMIT + 1),
        413);
    assert_problem(413, YC_API_PROBLEM_TOO_LARGE, NULL);
    yc_api_close(api);
    assert_int_equal(yc_api_open(g_data, NULL, &g_api), YC_OK);
}

static void safety__yc_api_open__body_limit_over_max__invalid(void **state)
{
    (void)state;
    yc_api *api = NULL;
    yc_api_opts opts = {.max_body_bytes = YC_API_BODY_MAX_LIMIT + 1};
    assert_int_equal(yc_api_open(g_data, &opts, &api), YC_ERR_INVALID);
    assert_null(api);
}

static void safety__post_records__items_at_max__200_and_over__413(void **state)
{
    (void)state;
    /* 1000 non-objects: each gets its own error, nothing reaches the store. */
    size_t cap = 2 * (YC_API_RECORDS_MAX_ITEMS + 1) + 2;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t n = 0;
    body[n++] = '[';
    for (int i = 0; i < YC_API_RECORDS_MAX_ITEMS; i++) {
        body[n++] = i ? ',' : '1';
        if (i)
            body[n++] = '1';
    }
    body[n++] = ']';
    assert_int_equal(call_on(g_api, "POST", "/v1/records", NULL, "application/json", body, n), 200);
    json_t *j = body_json();
    json_t *results = json_object_get(j, "results");
    assert_int_equal(json_array_size(results), YC_API_RECORDS_MAX_ITEMS);
    json_t *last = json_array_get(results, YC_API_RECORDS_MAX_ITEMS - 1);
    assert_int_equal(json_integer_value(json_object_get(last, "index")),
                     YC_API_RECORDS_MAX_ITEMS - 1);
    assert_string_equal(str_at(json_object_get(last, "error"), "reason"), "not a JSON object");
    assert_string_equal(str_at(json_object_get(last, "error"), "field"), "");
    json_decref(j);
    n--; /* drop ']' and add one more item */
    body[n++] = ',';
    body[n++] = '1';
    body[n++] = ']';
    assert_int_equal(call_on(g_api, "POST", "/v1/records", NULL, "application/json", body, n), 413);
    assert_problem(413, YC_API_PROBLEM_TOO_MANY_ITEMS, "");
    free(body);
}

static void safety__list_records__limit_bounds__max_ok_over_400(void **state)
{
    (void)state;
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/records", "limit=100", NULL, NULL),
                     200);
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/records", "limit=1", NULL, NULL), 200);
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/records", "limit=101", NULL, NULL),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "limit");
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/records", "limit=0", NULL, NULL), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "limit");
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/records", "limit=", NULL, NULL), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "limit");
}

/* ---- router ---- */

static void yc_api_handle__unknown_route__404(void **state)
{
    (void)state;
    assert_int_equal(call("GET", "/v1/nothing", NULL, NULL, NULL), 404);
    assert_problem(404, YC_API_PROBLEM_NOT_FOUND, NULL);
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/score/", NULL, NULL, NULL), 404);
    assert_problem(404, YC_API_PROBLEM_NOT_FOUND, NULL);
}

static void yc_api_handle__wrong_method__405_with_allow(void **state)
{
    (void)state;
    assert_int_equal(call("POST", "/healthz", NULL, NULL, NULL), 405);
    assert_problem(405, YC_API_PROBLEM_METHOD, NULL);
    assert_string_equal(g_res.allow, "GET, HEAD");
    assert_int_equal(call("DELETE", "/v1/subjects/" MERCHANT "/score", NULL, NULL, NULL), 405);
    assert_string_equal(g_res.allow, "GET, HEAD");
    assert_int_equal(call("GET", "/v1/records", NULL, NULL, NULL), 405);
    assert_string_equal(g_res.allow, "POST");
    assert_int_equal(call("GET", "/v1/subjects/lookup", NULL, NULL, NULL), 405);
    assert_problem(405, YC_API_PROBLEM_METHOD, NULL);
    assert_string_equal(g_res.allow, "POST");
}

/* ---- health ---- */

static void get_healthz__always__200_ok(void **state)
{
    (void)state;
    assert_int_equal(call("GET", "/healthz", NULL, NULL, NULL), 200);
    assert_string_equal(g_res.content_type, "application/json");
    assert_string_equal(g_res.body, "{\"status\":\"ok\"}");
    assert_null(g_res.allow);
}

static void get_readyz__ready__200_with_model(void **state)
{
    (void)state;
    assert_int_equal(call("GET", "/readyz", NULL, NULL, NULL), 200);
    json_t *j = body_json();
    assert_string_equal(str_at(j, "status"), "ready");
    assert_string_equal(str_at(json_object_get(j, "model"), "version"), "score-v1");
    assert_int_equal(strlen(str_at(json_object_get(j, "model"), "digest")), 64);
    json_decref(j);
}

static void get_readyz__no_store_no_model__503(void **state)
{
    (void)state;
    char dir[192], src[192];
    snprintf(dir, sizeof dir, "%s/bare", g_base);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(src, sizeof src, "%s/etc/config.json", getenv("YC_SOURCE_ROOT"));
    char dst[256];
    snprintf(dst, sizeof dst, "%s/config.json", dir);
    copy_file(src, dst);
    yc_api *api = NULL;
    assert_int_equal(yc_api_open(dir, NULL, &api), YC_OK);
    assert_int_equal(call_on(api, "GET", "/healthz", NULL, NULL, NULL, 0), 200);
    assert_int_equal(call_on(api, "GET", "/readyz", NULL, NULL, NULL, 0), 503);
    assert_problem(503, YC_API_PROBLEM_NOT_READY, NULL);
    assert_int_equal(call_on(api, "GET", "/v1/subjects/" MERCHANT "/score", NULL, NULL, NULL, 0),
                     503);
    assert_problem(503, YC_API_PROBLEM_NOT_READY, NULL);
    assert_int_equal(call_on(api, "GET", "/v1/subjects/" MERCHANT "/records", NULL, NULL, NULL, 0),
                     503);
    assert_int_equal(call_on(api, "POST", "/v1/records", NULL, "application/json", "[]", 2), 503);
    yc_api_close(api);
    snprintf(dir, sizeof dir, "%s/nothing", g_base);
    api = NULL;
    assert_int_equal(yc_api_open(dir, NULL, &api), YC_ERR_IO);
    assert_null(api);
}

/* ---- scores ---- */

/* The engine's JSON computed directly from the store, as `yrdcredit score` prints it. */
static char *engine_score_json(const char *subject, yc_date as_of)
{
    yc_api_close(g_api);
    g_api = NULL;
    yc_config cfg;
    assert_int_equal(yc_config_load(g_data, &cfg, NULL), YC_OK);
    yc_model *model = NULL;
    assert_int_equal(yc_model_load(cfg.model_path, &model, NULL, 0), YC_OK);
    yc_store *st = NULL;
    assert_int_equal(yc_store_open(g_data, NULL, &st), YC_OK);
    yc_record *recs = NULL;
    size_t n = 0;
    assert_int_equal(yc_store_subject_records(st, subject, &recs, &n), YC_OK);
    assert_true(n > 0);
    yc_fact *facts = calloc(n, sizeof *facts);
    yc_score_reason *reasons = calloc(n, sizeof *reasons);
    size_t cap = YC_SCORE_JSON_BASE_MAX + n * YC_SCORE_JSON_REASON_MAX;
    char *json = malloc(cap);
    assert_non_null(facts);
    assert_non_null(reasons);
    assert_non_null(json);
    for (size_t i = 0; i < n; i++)
        yc_record_to_fact(&recs[i], &facts[i]);
    yc_score_result res;
    assert_int_equal(
        yc_score_compute(model, recs[0].subject_type, facts, n, as_of, reasons, n, &res), YC_OK);
    assert_int_equal(yc_score_result_to_json(model, subject, &res, json, cap, NULL), YC_OK);
    free(reasons);
    free(facts);
    yc_store_records_free(recs);
    yc_store_close(st);
    yc_model_free(model);
    assert_int_equal(yc_api_open(g_data, NULL, &g_api), YC_OK);
    return json;
}

static void get_score__sample_merchant__200_engine_json(void **state)
{
    (void)state;
    yc_date d;
    assert_int_equal(yc_date_parse_iso("2026-11-29", &d), YC_OK);
    char *expected = engine_score_json(MERCHANT, d);
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/score", "as_of=2026-11-29", NULL, NULL),
                     200);
    assert_string_equal(g_res.content_type, "application/json");
    assert_string_equal(g_res.body, expected);
    json_t *j = body_json();
    assert_string_equal(str_at(j, "subject_id"), MERCHANT);
    assert_string_equal(str_at(j, "as_of"), "2026-11-29");
    json_decref(j);
    free(expected);
}

static void get_score__invalid_id__400_subject_id(void **state)
{
    (void)state;
    assert_int_equal(call("GET", "/v1/subjects/92330782MA2KDDUY4X/score", NULL, NULL, NULL), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "subject_id");
    assert_int_equal(call("GET", "/v1/subjects/p123/score", NULL, NULL, NULL), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "subject_id");
}

static void get_score__unknown_subject__404(void **state)
{
    (void)state;
    assert_int_equal(call("GET", "/v1/subjects/" UNKNOWN_PSEUDONYM "/score", NULL, NULL, NULL),
                     404);
    assert_problem(404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "subject_id");
}

static void get_score__bad_as_of__400_as_of(void **state)
{
    (void)state;
    static const char *const bad[] = {"as_of=2026-02-30", "as_of=2026-1-01",
                                      "as_of=", "as_of=2100-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/score", bad[i], NULL, NULL), 400);
        assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "as_of");
    }
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/score",
                          "as_of=2026-01-01&as_of="
                          "2026-01-02",
                          NULL, NULL),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "as_of");
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/score", "asof=2026-01-01", NULL, NULL),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "query");
}

/* ---- records ---- */

static void post_records__object_again_changed__imported_duplicate_superseded(void **state)
{
    (void)state;
    char rec[1024];
    generic_record(rec, sizeof rec, 1, "第一版");
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json; charset=utf-8", rec),
                     200);
    assert_string_equal(g_res.content_type, "application/json");
    json_t *j = body_json();
    json_t *r0 = json_array_get(json_object_get(j, "results"), 0);
    assert_int_equal(json_integer_value(json_object_get(r0, "index")), 0);
    assert_string_equal(str_at(r0, "status"), "imported");
    char id[32];
    snprintf(id, sizeof id, "%s", str_at(r0, "record_id"));
    json_decref(j);

    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", rec), 200);
    j = body_json();
    r0 = json_array_get(json_object_get(j, "results"), 0);
    assert_string_equal(str_at(r0, "status"), "duplicate");
    assert_string_equal(str_at(r0, "record_id"), id);
    json_decref(j);

    generic_record(rec, sizeof rec, 1, "第二版");
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", rec), 200);
    j = body_json();
    r0 = json_array_get(json_object_get(j, "results"), 0);
    assert_string_equal(str_at(r0, "status"), "superseded");
    assert_string_equal(str_at(r0, "record_id"), id);
    json_decref(j);
}

static void post_records__array_with_bad_item__per_item_results(void **state)
{
    (void)state;
    char a[1024], body[2400];
    generic_record(a, sizeof a, 2, "x");
    snprintf(body, sizeof body, "[%s,{\"subject_type\":\"legal_person\"},7]", a);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    json_t *j = body_json();
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 3);
    assert_string_equal(str_at(json_array_get(res, 0), "status"), "imported");
    json_t *e1 = json_object_get(json_array_get(res, 1), "error");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 1), "index")), 1);
    assert_int_equal(str_at(e1, "field")[0], '/');
    assert_true(strlen(str_at(e1, "reason")) > 0);
    json_t *e2 = json_object_get(json_array_get(res, 2), "error");
    assert_string_equal(str_at(e2, "reason"), "not a JSON object");
    json_decref(j);
}

static void post_records__ndjson__200_each_line(void **state)
{
    (void)state;
    char a[1024], b[1024], body[2400];
    generic_record(a, sizeof a, 3, "x");
    generic_record(b, sizeof b, 4, "x");
    snprintf(body, sizeof body, "%s\n\n%s\n", a, b);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/x-ndjson", body), 200);
    json_t *j = body_json();
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 2);
    assert_string_equal(str_at(json_array_get(res, 0), "status"), "imported");
    assert_string_equal(str_at(json_array_get(res, 1), "status"), "imported");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 1), "index")), 1);
    json_decref(j);
}

static void post_records__atomic_with_bad_item__422_nothing_stored(void **state)
{
    (void)state;
    char a[1024], body[2400];
    generic_record(a, sizeof a, 5, "x");
    snprintf(body, sizeof body, "[%s,{\"subject_type\":\"legal_person\"}]", a);
    assert_int_equal(call("POST", "/v1/records", "atomic=true", "application/json", body), 422);
    assert_problem(422, YC_API_PROBLEM_REJECTED, "");
    json_t *j = body_json();
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 2);
    assert_non_null(json_object_get(json_array_get(res, 1), "error"));
    json_decref(j);
    /* Nothing was stored: the good record is new when sent alone. */
    assert_int_equal(call("POST", "/v1/records", "atomic=true", "application/json", a), 200);
    j = body_json();
    assert_string_equal(str_at(json_array_get(json_object_get(j, "results"), 0), "status"),
                        "imported");
    json_decref(j);
}

static void post_records__bad_input__400_415(void **state)
{
    (void)state;
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", "[{\"a\":1,"), 400);
    assert_problem(400, YC_API_PROBLEM_MALFORMED_JSON, "");
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", "{\"a\":1,\"a\":2}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_MALFORMED_JSON, "");
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", "\"x\""), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "");
    assert_int_equal(call("POST", "/v1/records", NULL, "text/csv", "[]"), 415);
    assert_problem(415, YC_API_PROBLEM_MEDIA_TYPE, NULL);
    assert_int_equal(call("POST", "/v1/records", NULL, NULL, "[]"), 415);
    assert_int_equal(call("POST", "/v1/records", "atomic=yes", "application/json", "[]"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "atomic");
}

static void list_records__pages__newest_first_and_cursor(void **state)
{
    (void)state;
    const char *path = "/v1/subjects/91330782MA26FY5M25/records";
    assert_int_equal(call("GET", path, "limit=100", NULL, NULL), 200);
    json_t *all = body_json();
    json_t *recs = json_object_get(all, "records");
    const size_t n = json_array_size(recs);
    assert_true(n >= 4);
    assert_true(json_is_null(json_object_get(all, "next_cursor")));
    for (size_t i = 1; i < n; i++)
        assert_true(strtoull(str_at(json_array_get(recs, i - 1), "record_id"), NULL, 10) >
                    strtoull(str_at(json_array_get(recs, i), "record_id"), NULL, 10));
    /* Walk it in pages of 2 and get the same ids in the same order. */
    char query[64] = "limit=2";
    size_t seen = 0;
    for (;;) {
        assert_int_equal(call("GET", path, query, NULL, NULL), 200);
        json_t *page = body_json();
        assert_string_equal(str_at(page, "subject_id"), "91330782MA26FY5M25");
        json_t *pr = json_object_get(page, "records");
        assert_true(json_array_size(pr) <= 2);
        for (size_t i = 0; i < json_array_size(pr); i++, seen++)
            assert_string_equal(str_at(json_array_get(pr, i), "record_id"),
                                str_at(json_array_get(recs, seen), "record_id"));
        json_t *next = json_object_get(page, "next_cursor");
        if (json_is_null(next)) {
            json_decref(page);
            break;
        }
        snprintf(query, sizeof query, "limit=2&cursor=%s", json_string_value(next));
        json_decref(page);
    }
    assert_int_equal(seen, n);
    json_decref(all);
    assert_int_equal(call("GET", path, NULL, NULL, NULL), 200);
    json_t *def = body_json();
    assert_int_equal(json_array_size(json_object_get(def, "records")),
                     n < YC_API_PAGE_DEFAULT ? n : YC_API_PAGE_DEFAULT);
    json_decref(def);
}

static void list_records__bad_cursor_or_subject__400_404(void **state)
{
    (void)state;
    assert_int_equal(call("GET", "/v1/subjects/" MERCHANT "/records", "cursor=x12", NULL, NULL),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "cursor");
    assert_int_equal(call("GET", "/v1/subjects/bad/records", NULL, NULL, NULL), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "subject_id");
    assert_int_equal(call("GET", "/v1/subjects/" UNKNOWN_PSEUDONYM "/records", NULL, NULL, NULL),
                     404);
    assert_problem(404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "subject_id");
}

/* ---- subjects ---- */

static void lookup_subject__sample_individual__200_known_pseudonym(void **state)
{
    (void)state;
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\"}"),
                     200);
    json_t *j = body_json();
    const char *id = str_at(j, "subject_id");
    assert_int_equal(strlen(id), YC_SUBJECT_ID_MAX);
    assert_int_equal(id[0], 'P');
    char path[96];
    snprintf(path, sizeof path, "/v1/subjects/%s/score", id);
    json_decref(j);
    /* The pseudonym is the one the importer filed the sample individual under. */
    assert_int_equal(call("GET", path, NULL, NULL, NULL), 200);
}

static void lookup_subject__bad_fields__400_naming_field(void **state)
{
    (void)state;
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"number\":\"330782195810317029\"}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "/doc_type");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"resident_id\",\"number\":\"330782195810317028\"}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "/number");
    assert_null(strstr(g_res.body, "330782195810317028")); /* never echoed */
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"passport\",\"number\":\"E12345678\",\"country\":"
                          "\"XQZ\"}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "/country");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"resident_id\",\"number\":1}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "/number");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"resident_id\",\"number\":\"1\",\"name\":\"x\"}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json", "[]"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"resident_id\",\"doc_type\":\"passport\"}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_MALFORMED_JSON, "");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "text/plain", "{}"), 415);
    assert_problem(415, YC_API_PROBLEM_MEDIA_TYPE, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__yc_api_handle__empty_path__404),
        cmocka_unit_test(safety__post_records__body_at_limit__200_and_over__413),
        cmocka_unit_test(safety__yc_api_open__body_limit_over_max__invalid),
        cmocka_unit_test(safety__post_records__items_at_max__200_and_over__413),
        cmocka_unit_test(safety__list_records__limit_bounds__max_ok_over_400),
        cmocka_unit_test(yc_api_handle__unknown_route__404),
        cmocka_unit_test(yc_api_handle__wrong_method__405_with_allow),
        cmocka_unit_test(get_healthz__always__200_ok),
        cmocka_unit_test(get_readyz__ready__200_with_model),
        cmocka_unit_test(get_readyz__no_store_no_model__503),
        cmocka_unit_test(get_score__sample_merchant__200_engine_json),
        cmocka_unit_test(get_score__invalid_id__400_subject_id),
        cmocka_unit_test(get_score__unknown_subject__404),
        cmocka_unit_test(get_score__bad_as_of__400_as_of),
        cmocka_unit_test(post_records__object_again_changed__imported_duplicate_superseded),
        cmocka_unit_test(post_records__array_with_bad_item__per_item_results),
        cmocka_unit_test(post_records__ndjson__200_each_line),
        cmocka_unit_test(post_records__atomic_with_bad_item__422_nothing_stored),
        cmocka_unit_test(post_records__bad_input__400_415),
        cmocka_unit_test(list_records__pages__newest_first_and_cursor),
        cmocka_unit_test(list_records__bad_cursor_or_subject__400_404),
        cmocka_unit_test(lookup_subject__sample_individual__200_known_pseudonym),
        cmocka_unit_test(lookup_subject__bad_fields__400_naming_field),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
