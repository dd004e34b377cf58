/* Tests for include/yrdcredit/api.h (svc/api/): every route and status of api/openapi.yaml. */
#define _GNU_SOURCE /* nftw */
#include <csv.h>
#include <errno.h>
#include <ftw.h>
#include <iconv.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "../../svc/api/api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/config.h"
#include "yrdcredit/date.h"
#include "yrdcredit/import.h"
#include "yrdcredit/record_json.h"
#include "yrdcredit/score.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_attest.h"

/* ---- fixture: a data dir made with the library calls `yrdcredit init` and `import` use ---- */

static char g_base[64], g_data[128];
static yc_api *g_api;
static yc_api_response g_res;
/* "Bearer <token>" of the admin client group_setup() adds: access control is on by default
 * (config auth.required, issue 6 item 1), an admin may call every route. */
static char g_auth[7 + YC_CLIENT_TOKEN_LEN + 1];

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

/* The client registry of g_data (its admin, g_auth) into the data dir dir, mode 0600. */
static void copy_clients(const char *dir)
{
    static const char *const files[] = {"clients.json", "keys/clients.key"};
    char src[512], dst[512];
    snprintf(dst, sizeof dst, "%s/keys", dir);
    assert_true(mkdir(dst, 0700) == 0 || errno == EEXIST);
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        snprintf(src, sizeof src, "%s/%s", g_data, files[k]);
        snprintf(dst, sizeof dst, "%s/%s", dir, files[k]);
        copy_file(src, dst);
        assert_int_equal(chmod(dst, 0600), 0);
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
    const yc_client_spec admin = {.role = YC_ROLE_ADMIN, .name = "test"};
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    if (yc_clients_add(g_data, &admin, 1796000000, id, tok) != YC_OK)
        return -1;
    snprintf(g_auth, sizeof g_auth, "Bearer %s", tok);
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

/* A deferred answer being waited for (settle()). */
typedef struct settle_rec {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    yc_api_response res;
} settle_rec;

static void on_settled(void *ctx, yc_api_response *res)
{
    settle_rec *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->res = *res; /* takes the body */
    res->body = NULL;
    res->body_len = 0;
    s->done = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* When yc_api_handle() deferred its answer (status 0, pending: e.g. an admin's read waits
 * for its query-log entry's group commit, issue 6 item 3), wait for it and put the complete
 * response in *res (its client_id kept); else leave *res as it is. */
static void settle(yc_api_response *res)
{
    if (res->status != 0 || res->pending == NULL)
        return;
    settle_rec s = {.done = false};
    assert_int_equal(pthread_mutex_init(&s.mu, NULL), 0);
    assert_int_equal(pthread_cond_init(&s.cv, NULL), 0);
    char client_id[sizeof res->client_id];
    memcpy(client_id, res->client_id, sizeof client_id);
    yc_api_pending_bind(res->pending, on_settled, &s);
    pthread_mutex_lock(&s.mu);
    while (!s.done)
        pthread_cond_wait(&s.cv, &s.mu);
    pthread_mutex_unlock(&s.mu);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    *res = s.res;
    res->pending = NULL;
    memcpy(res->client_id, client_id, sizeof client_id);
}

static int call_on(yc_api *api, const char *method, const char *path, const char *query,
                   const char *ctype, const char *body, size_t body_len)
{
    yc_api_response_clear(&g_res);
    yc_api_request req = {.method = method,
                          .path = path,
                          .query = query,
                          .content_type = ctype,
                          .body = (const uint8_t *)body,
                          .body_len = body_len,
                          .authorization = g_auth};
    assert_int_equal(yc_api_handle(api, &req, &g_res), YC_OK);
    settle(&g_res);
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
    assert_string_equal(str_at(json_object_get(last, "error"), "field"), "/999");
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
    copy_clients(dir);
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

/* ---- measures (issue 5 item 4) ---- */

/* A data dir DIR=<base>/<name> with config.json and policy/measures/ holding the given etc
 * catalogues (NULL-terminated region list), then each extra (file name, content) pair. */
static void measures_dir(char *dir, size_t dir_len, const char *name, const char *const *regions,
                         const char *extra_name, const char *extra_body)
{
    const char *root = getenv("YC_SOURCE_ROOT");
    char src[512], dst[512];
    snprintf(dir, dir_len, "%s/%s", g_base, name);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(src, sizeof src, "%s/etc/config.json", root);
    snprintf(dst, sizeof dst, "%s/config.json", dir);
    copy_file(src, dst);
    /* the measures are part of the policy snapshot, which needs the model and calendar */
    snprintf(dst, sizeof dst, "%s/model", dir);
    assert_int_equal(mkdir(dst, 0755), 0);
    snprintf(src, sizeof src, "%s/etc/model/score-v1.json", root);
    snprintf(dst, sizeof dst, "%s/model/score-v1.json", dir);
    copy_file(src, dst);
    snprintf(src, sizeof src, "%s/etc/calendar.txt", root);
    snprintf(dst, sizeof dst, "%s/calendar.txt", dir);
    copy_file(src, dst);
    snprintf(dst, sizeof dst, "%s/policy", dir);
    assert_int_equal(mkdir(dst, 0755), 0);
    snprintf(dst, sizeof dst, "%s/policy/measures", dir);
    assert_int_equal(mkdir(dst, 0755), 0);
    for (size_t k = 0; regions[k] != NULL; k++) {
        snprintf(src, sizeof src, "%s/etc/policy/measures/%s.json", root, regions[k]);
        snprintf(dst, sizeof dst, "%s/policy/measures/%s.json", dir, regions[k]);
        copy_file(src, dst);
    }
    if (extra_name != NULL) {
        snprintf(dst, sizeof dst, "%s/policy/measures/%s", dir, extra_name);
        FILE *f = fopen(dst, "wb");
        assert_non_null(f);
        assert_int_equal(fputs(extra_body, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
    }
    copy_clients(dir);
}

static size_t measures_count(void)
{
    json_t *j = body_json();
    const size_t n = json_array_size(json_object_get(j, "measures"));
    json_decref(j);
    return n;
}

static void list_measures__catalogues_sorted__region_then_file_order(void **state)
{
    (void)state;
    static const char *const regions[] = {"330782", "310000", NULL};
    char dir[192];
    measures_dir(dir, sizeof dir, "measures_ok", regions, "notes.txt", "not a catalogue");
    yc_api *api = NULL;
    assert_int_equal(yc_api_open(dir, NULL, &api), YC_OK);
    assert_int_equal(call_on(api, "GET", "/v1/measures", NULL, NULL, NULL, 0), 200);
    assert_string_equal(g_res.content_type, "application/json");
    json_t *j = body_json();
    json_t *list = json_object_get(j, "measures");
    const size_t n = json_array_size(list);
    assert_true(n >= 16);
    /* 310000 sorts first though its file was copied second */
    assert_string_equal(str_at(json_array_get(list, 0), "id"), "310000-P-001");
    assert_string_equal(str_at(json_array_get(list, n - 1), "region"), "330782");
    json_decref(j);
    assert_int_equal(call_on(api, "GET", "/v1/measures",
                             "region=330782&matter=government_procurement", NULL, NULL, 0),
                     200);
    j = body_json();
    list = json_object_get(j, "measures");
    assert_int_equal(json_array_size(list), 1);
    json_t *m = json_array_get(list, 0);
    assert_string_equal(str_at(m, "id"), "330782-P-001");
    assert_string_equal(str_at(m, "matter_label"), "政府采购");
    assert_string_equal(str_at(json_object_get(m, "target"), "list"), "serious_dishonesty");
    assert_string_equal(str_at(m, "effective_from"), "2024-01-01");
    assert_true(json_is_null(json_object_get(m, "effective_to")));
    json_decref(j);
    /* 330100 is well-formed but has no catalogue here */
    assert_int_equal(call_on(api, "GET", "/v1/measures", "region=330100", NULL, NULL, 0), 200);
    assert_int_equal(measures_count(), 0);
    assert_int_equal(call_on(api, "GET", "/v1/measures", "region=3307820", NULL, NULL, 0), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "region");
    assert_int_equal(call_on(api, "GET", "/v1/measures", "region=33078", NULL, NULL, 0), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "region");
    assert_int_equal(call_on(api, "GET", "/v1/measures", "matter=x", NULL, NULL, 0), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "matter");
    assert_int_equal(call_on(api, "GET", "/v1/measures", "kind=reward", NULL, NULL, 0), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "kind"); /* issue 6: named */
    assert_int_equal(call_on(api, "POST", "/v1/measures", NULL, NULL, NULL, 0), 405);
    assert_problem(405, YC_API_PROBLEM_METHOD, NULL);
    assert_string_equal(g_res.allow, "GET, HEAD");
    yc_api_close(api);
}

static void list_measures__one_bad_catalogue_or_no_dir__503_empty_dir__200(void **state)
{
    (void)state;
    static const char *const good[] = {"330782", NULL}, *const none[] = {NULL};
    char dir[192];
    measures_dir(dir, sizeof dir, "measures_bad", good, "330100.json", "{}");
    yc_api *api = NULL;
    assert_int_equal(yc_api_open(dir, NULL, &api), YC_OK);
    assert_int_equal(call_on(api, "GET", "/v1/measures", "region=330782", NULL, NULL, 0), 503);
    assert_problem(503, YC_API_PROBLEM_NOT_READY, NULL);
    yc_api_close(api);
    measures_dir(dir, sizeof dir, "measures_empty", none, NULL, NULL);
    assert_int_equal(yc_api_open(dir, NULL, &api), YC_OK);
    assert_int_equal(call_on(api, "GET", "/v1/measures", NULL, NULL, NULL, 0), 200);
    assert_string_equal(g_res.body, "{\"measures\":[]}");
    yc_api_close(api);
    /* g_api's data dir has no policy/ at all */
    assert_int_equal(call("GET", "/v1/measures", NULL, NULL, NULL), 503);
    assert_problem(503, YC_API_PROBLEM_NOT_READY, NULL);
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
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "asof"); /* issue 6: named */
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
    assert_int_equal(json_array_size(res), 1); /* only the invalid item */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 0), "index")), 1);
    assert_non_null(json_object_get(json_array_get(res, 0), "error"));
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
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "/name");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json", "[]"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"resident_id\",\"doc_type\":\"passport\"}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_MALFORMED_JSON, "");
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "text/plain", "{}"), 415);
    assert_problem(415, YC_API_PROBLEM_MEDIA_TYPE, NULL);
}

/* ---- 双公示 rows keyed by CF_* / XK_* field codes ---- */

/* Whole file into a malloc'd buffer (+ NUL). */
static char *slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len + 65536 + 1 > cap) {
            cap = (len + 65536 + 1) * 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, 65536, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    *ret_len = len;
    return buf;
}

/* A JSON file of tests/data/api/. */
static json_t *test_json(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/api/%s", getenv("YC_TEST_DATA"), name);
    json_error_t err;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    assert_non_null(j);
    return j;
}

/* libcsv callbacks turning a CSV into a JSON array of row objects keyed by the header. */
typedef struct csv_rows {
    json_t *header, *rows, *cur;
    size_t col;
} csv_rows;

static void csv_rows_field(void *s, size_t len, void *data)
{
    csv_rows *c = data;
    json_t *v = json_stringn(s != NULL ? s : "", len);
    assert_non_null(v);
    if (c->rows == NULL) {
        assert_int_equal(json_array_append_new(c->header, v), 0);
        return;
    }
    const char *key = json_string_value(json_array_get(c->header, c->col++));
    assert_non_null(key);
    assert_int_equal(json_object_set_new(c->cur, key, v), 0);
}

static void csv_rows_record(int ch, void *data)
{
    (void)ch;
    csv_rows *c = data;
    if (c->rows == NULL) {
        c->rows = json_array();
    } else {
        assert_int_equal(c->col, json_array_size(c->header));
        assert_int_equal(json_array_append_new(c->rows, c->cur), 0);
    }
    c->cur = json_object();
    c->col = 0;
}

/* The data rows of samples/FILE as JSON objects keyed by the header's field codes, every cell
 * a string (empty cells ""), as a client turns a 双公示 CSV into the API's row form. */
static json_t *sample_rows(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/samples/%s", getenv("YC_SOURCE_ROOT"), file);
    size_t len = 0;
    char *raw = slurp(path, &len), *text = raw;
    char *utf8 = NULL;
    if (strstr(file, "gb18030") != NULL) {
        iconv_t cd = iconv_open("UTF-8", "GB18030");
        assert_true(cd != (iconv_t)-1);
        size_t out_cap = len * 2 + 1, out_left = out_cap, in_left = len;
        utf8 = malloc(out_cap);
        assert_non_null(utf8);
        char *in = raw, *out = utf8;
        assert_int_not_equal(iconv(cd, &in, &in_left, &out, &out_left), (size_t)-1);
        iconv_close(cd);
        len = out_cap - out_left;
        text = utf8;
    } else if (len >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    struct csv_parser p;
    assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
    csv_rows c = {.header = json_array()};
    assert_int_equal(csv_parse(&p, text, len, csv_rows_field, csv_rows_record, &c), len);
    assert_int_equal(csv_fini(&p, csv_rows_field, csv_rows_record, &c), 0);
    csv_free(&p);
    json_decref(c.cur);
    json_decref(c.header);
    free(utf8);
    free(raw);
    assert_non_null(c.rows);
    return c.rows;
}

/* The score model's windows and the rule table of a data dir, as the CLI loads them. */
typedef struct tables {
    yc_model *model;
    yc_rules *rules;
    yc_window windows[YC_CODE_COUNT];
} tables;

static void tables_load(const char *dir, tables *t)
{
    yc_config cfg;
    assert_int_equal(yc_config_load(dir, &cfg, NULL), YC_OK);
    assert_int_equal(yc_model_load(cfg.model_path, &t->model, NULL, 0), YC_OK);
    char msg[256];
    assert_int_equal(yc_rules_load(cfg.rules_path, &t->rules, msg, sizeof msg), YC_OK);
    yc_model_windows(t->model, t->windows);
}

static void tables_free(tables *t)
{
    yc_rules_free(t->rules);
    yc_model_free(t->model);
}

static const char *outcome_name(yc_ingest_outcome o)
{
    return o == YC_INGEST_IMPORTED    ? "imported"
           : o == YC_INGEST_DUPLICATE ? "duplicate"
                                      : "superseded";
}

/* on_batch of the CLI path: ingest, then note each record's id and outcome in order. */
typedef struct cli_import {
    yc_store *st;
    json_t *outcomes;
} cli_import;

static yc_err cli_ingest(void *ctx, yc_record *recs, size_t n)
{
    cli_import *c = ctx;
    yc_err rv = yc_store_ingest(c->st, recs, n, NULL);
    for (size_t k = 0; rv == YC_OK && k < n; k++) {
        char id[24];
        snprintf(id, sizeof id, "%" PRIu64, recs[k].record_id);
        assert_int_equal(
            json_array_append_new(c->outcomes, json_pack("{s:s,s:s}", "record_id", id, "status",
                                                         outcome_name(recs[k].ingest_outcome))),
            0);
    }
    return rv;
}

/* What `yrdcredit --data DIR import FILE...` does (svc/bin/cmd.c import_files()). */
static json_t *cli_import_files(const char *dir, const char *const *files, size_t n)
{
    tables t;
    tables_load(dir, &t);
    cli_import c = {.outcomes = json_array()};
    yc_store_opts so = {.map_size_bytes = 64u << 20};
    assert_int_equal(yc_store_open(dir, &so, &c.st), YC_OK);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/samples/%s", getenv("YC_SOURCE_ROOT"), files[i]);
        yc_import_opts o = {.today = yc_date_today_shanghai(),
                            .windows = t.windows,
                            .rules = t.rules,
                            .on_batch = cli_ingest,
                            .ctx = &c};
        yc_import_stats stats;
        assert_int_equal(yc_import_file(path, &o, &stats), YC_OK);
        assert_int_equal(stats.rejected, 0);
        assert_int_equal(stats.accepted, stats.rows);
    }
    yc_store_close(c.st);
    tables_free(&t);
    return c.outcomes;
}

/* Every subject and current record of a store, one line each: yc_record_to_json() without
 * ingest_time (a clock reading), and for natural persons the sealed name and document. */
typedef struct subjects {
    char **ids;
    size_t n;
} subjects;

static yc_err note_subject(void *ctx, const char *subject_id, yc_subject_type type,
                           const yc_fact *facts, size_t n)
{
    (void)type;
    (void)facts;
    (void)n;
    subjects *s = ctx;
    s->ids = realloc(s->ids, (s->n + 1) * sizeof *s->ids);
    assert_non_null(s->ids);
    s->ids[s->n] = strdup(subject_id);
    assert_non_null(s->ids[s->n]);
    s->n++;
    return YC_OK;
}

static char *store_dump(const char *dir, size_t *ret_records)
{
    yc_store *st = NULL;
    yc_store_opts so = {.map_size_bytes = 64u << 20};
    assert_int_equal(yc_store_open(dir, &so, &st), YC_OK);
    subjects s = {0};
    assert_int_equal(yc_store_walk(st, note_subject, &s), YC_OK);
    char *text = NULL;
    size_t len = 0, records = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    for (size_t i = 0; i < s.n; i++) {
        yc_record *recs = NULL;
        size_t n = 0;
        assert_int_equal(yc_store_subject_records(st, s.ids[i], &recs, &n), YC_OK);
        for (size_t k = 0; k < n; k++, records++) {
            json_t *j = yc_record_to_json(&recs[k]);
            assert_non_null(j);
            assert_int_equal(json_object_del(j, "ingest_time"), 0);
            char *line = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            fprintf(out, "%s\n", line);
            free(line);
            json_decref(j);
        }
        yc_store_records_free(recs);
        yc_store_person p;
        if (s.ids[i][0] == 'P') {
            assert_int_equal(yc_store_person_get(st, s.ids[i], &p), YC_OK);
            fprintf(out, "%s %s %d %s %s\n", s.ids[i], p.name, (int)p.doc_type, p.doc_country,
                    p.doc_number);
        }
        free(s.ids[i]);
    }
    free(s.ids);
    assert_int_equal(fclose(out), 0);
    yc_store_close(st);
    *ret_records = records;
    return text;
}

/* A copy of the fresh data dir src (same keys, instance id and empty store) at dst. */
static void copy_data_dir(const char *src, const char *dst)
{
    static const char *const files[] = {"keys/pseudonym.key", "keys/seal.key", "lmdb/data.mdb"};
    char a[512], b[512];
    assert_int_equal(mkdir(dst, 0700), 0);
    snprintf(b, sizeof b, "%s/keys", dst);
    assert_int_equal(mkdir(b, 0700), 0);
    snprintf(b, sizeof b, "%s/lmdb", dst);
    assert_int_equal(mkdir(b, 0700), 0);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(a, sizeof a, "%s/%s", src, files[i]);
        snprintf(b, sizeof b, "%s/%s", dst, files[i]);
        copy_file(a, b);
        assert_int_equal(chmod(b, 0600), 0);
    }
    copy_etc(dst);
    copy_clients(dst);
}

/* POST body to api; every result must be a success: append {record_id, status} to out. */
static void post_rows_ok(yc_api *api, const char *ctype, const char *body, size_t n_items,
                         json_t *out)
{
    assert_int_equal(call_on(api, "POST", "/v1/records", NULL, ctype, body, strlen(body)), 200);
    json_t *j = body_json();
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), n_items);
    for (size_t i = 0; i < n_items; i++) {
        json_t *r = json_array_get(res, i);
        json_t *err = json_object_get(r, "error");
        if (err != NULL)
            fail_msg("item %zu: %s: %s", i, str_at(err, "field"), str_at(err, "reason"));
        assert_int_equal(json_integer_value(json_object_get(r, "index")), i);
        assert_int_equal(
            json_array_append_new(out, json_pack("{s:s,s:s}", "record_id", str_at(r, "record_id"),
                                                 "status", str_at(r, "status"))),
            0);
    }
    json_decref(j);
}

/* NDJSON of the objects of array rows. */
static char *ndjson_of(json_t *rows)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    for (size_t i = 0; i < json_array_size(rows); i++) {
        char *line = json_dumps(json_array_get(rows, i), JSON_COMPACT);
        fprintf(out, "%s\n", line);
        free(line);
    }
    assert_int_equal(fclose(out), 0);
    return text;
}

static void post_records__cf_xk_rows_of_samples__same_ids_and_records_as_cli_import(void **state)
{
    (void)state;
    static const char *const files[] = {"yiwu-xzcf-2024.csv", "yiwu-xzxk-2024-bom.csv",
                                        "yiwu-xzcf-v1-2018.csv", "yiwu-xzcf-2025-gb18030.csv"};
    enum { N_FILES = sizeof files / sizeof *files };
    /* Two data dirs that differ in nothing: the CLI path fills one, the API the other. */
    char cli_dir[192], api_dir[192];
    snprintf(cli_dir, sizeof cli_dir, "%s/rows-cli", g_base);
    snprintf(api_dir, sizeof api_dir, "%s/rows-api", g_base);
    assert_int_equal(yc_store_init_dir(cli_dir), YC_OK);
    copy_etc(cli_dir);
    copy_data_dir(cli_dir, api_dir);
    json_t *expected = cli_import_files(cli_dir, files, N_FILES);
    assert_int_equal(json_array_size(expected), 220 + 216 + 16 + 60);

    yc_api *api = NULL;
    assert_int_equal(yc_api_open(api_dir, NULL, &api), YC_OK);
    json_t *got = json_array();
    for (size_t f = 0; f < N_FILES; f++) {
        json_t *rows = sample_rows(files[f]);
        const size_t n = json_array_size(rows);
        if (f == 1) { /* 行政许可 as NDJSON */
            char *body = ndjson_of(rows);
            post_rows_ok(api, "application/x-ndjson", body, n, got);
            free(body);
        } else if (f == 2) { /* the v1 rows one object at a time */
            for (size_t i = 0; i < n; i++) {
                char *body = json_dumps(json_array_get(rows, i), JSON_COMPACT);
                post_rows_ok(api, "application/json", body, 1, got);
                free(body);
            }
        } else { /* a JSON array */
            char *body = json_dumps(rows, JSON_COMPACT);
            post_rows_ok(api, "application/json", body, n, got);
            free(body);
        }
        json_decref(rows);
    }
    yc_api_close(api);
    /* The same record ids and outcomes, row for row... */
    assert_int_equal(json_array_size(got), json_array_size(expected));
    for (size_t i = 0; i < json_array_size(got); i++)
        if (!json_equal(json_array_get(got, i), json_array_get(expected, i)))
            fail_msg("row %zu: API %s/%s, CLI %s/%s", i,
                     str_at(json_array_get(got, i), "record_id"),
                     str_at(json_array_get(got, i), "status"),
                     str_at(json_array_get(expected, i), "record_id"),
                     str_at(json_array_get(expected, i), "status"));
    assert_string_equal(str_at(json_array_get(got, 0), "record_id"), "1");
    /* ...and the same stored records, subjects and sealed identities. */
    size_t n_cli = 0, n_api = 0;
    char *dump_cli = store_dump(cli_dir, &n_cli), *dump_api = store_dump(api_dir, &n_api);
    assert_int_equal(n_cli, 220 + 216 + 16 + 60);
    assert_int_equal(n_api, n_cli);
    assert_string_equal(dump_api, dump_cli);
    free(dump_api);
    free(dump_cli);
    json_decref(got);
    json_decref(expected);
}

static void post_records__sample_rows_again__duplicates_of_imported(void **state)
{
    (void)state;
    /* g_data holds samples/ imported by the library path of `yrdcredit import`. */
    json_t *rows = sample_rows("yiwu-xzxk-2024-bom.csv");
    char *body = json_dumps(rows, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    json_t *j = body_json();
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 216);
    for (size_t i = 0; i < 216; i++)
        assert_string_equal(str_at(json_array_get(res, i), "status"), "duplicate");
    /* The first row's record is the one listed for its merchant, with the same fields. */
    const char *id = str_at(json_array_get(res, 0), "record_id");
    char path[96];
    snprintf(path, sizeof path, "/v1/subjects/%s/records",
             str_at(json_array_get(rows, 0), "XK_XDR_SHXYM"));
    char idc[24];
    snprintf(idc, sizeof idc, "%s", id);
    json_decref(j);
    assert_int_equal(call("GET", path, "limit=100", NULL, NULL), 200);
    j = body_json();
    json_t *recs = json_object_get(j, "records");
    size_t found = 0;
    for (size_t i = 0; i < json_array_size(recs); i++) {
        json_t *r = json_array_get(recs, i);
        if (strcmp(str_at(r, "record_id"), idc) != 0)
            continue;
        found++;
        assert_string_equal(str_at(r, "decision_no"), str_at(json_array_get(rows, 0), "XK_WSH"));
        assert_string_equal(str_at(r, "code"), "B02");
        assert_string_equal(str_at(r, "pub_start"), "2024-10-19");
        assert_string_equal(str_at(r, "pub_max_end"), "2029-10-18");
    }
    assert_int_equal(found, 1);
    json_decref(j);
    free(body);
    json_decref(rows);
}

/* The CSV text of a row object: a header of its codes and one row (every cell quoted). */
static char *row_csv(json_t *row)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    const char *key;
    json_t *v;
    size_t i = 0;
    json_object_foreach(row, key, v) fprintf(out, "%s%s", i++ ? "," : "", key);
    fputc('\n', out);
    i = 0;
    json_object_foreach(row, key, v)
    {
        fputs(i++ ? ",\"" : "\"", out);
        for (const char *s = json_string_value(v); *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    }
    fputc('\n', out);
    assert_int_equal(fclose(out), 0);
    return text;
}

typedef struct first_reject {
    int n;
    char field[64], reason[256];
} first_reject;

static void note_reject(void *ctx, const yc_reject *r)
{
    first_reject *f = ctx;
    if (f->n++ > 0)
        return;
    snprintf(f->field, sizeof f->field, "%s", r->field);
    snprintf(f->reason, sizeof f->reason, "%s", r->reason);
}

/* Post row alone and assert its item error is the reject of the same row imported as CSV. */
static void assert_same_reject_as_csv(const tables *t, json_t *row, const char *field)
{
    char *csv = row_csv(row);
    first_reject fr = {0};
    yc_import_opts o = {.today = yc_date_today_shanghai(),
                        .windows = t->windows,
                        .rules = t->rules,
                        .on_reject = note_reject,
                        .ctx = &fr};
    yc_import_stats st;
    assert_int_equal(yc_import_buffer("row.csv", (const uint8_t *)csv, strlen(csv), &o, &st),
                     YC_OK);
    assert_int_equal(fr.n, 1);
    assert_int_equal(st.rejected, 1);
    assert_string_equal(fr.field, field);
    char *body = json_dumps(row, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    json_t *j = body_json();
    json_t *err = json_object_get(json_array_get(json_object_get(j, "results"), 0), "error");
    assert_non_null(err);
    char ptr[80];
    snprintf(ptr, sizeof ptr, "/%s", field);
    assert_string_equal(str_at(err, "field"), ptr);
    assert_string_equal(str_at(err, "reason"), fr.reason);
    json_decref(j);
    free(body);
    free(csv);
}

static void post_records__bad_cf_xk_rows__same_reject_as_csv_import(void **state)
{
    (void)state;
    tables t;
    tables_load(g_data, &t);
    static const struct {
        const char *file, *code, *value;
    } bad[] = {
        {"cf-row.json", "CF_XDR_SHXYM", "91330782MA26FY5M26"},
        {"cf-row.json", "CF_XDR_LB", "外星人"},
        {"cf-row.json", "CF_JDRQ", "2098-01-01"},
        {"cf-row.json", "CF_JDRQ", "2024-02-30"},
        {"cf-row.json", "CF_CFLB", "吊销驾照"},
        {"cf-row.json", "CF_NR_FK", "-1"},
        {"cf-row.json", "CF_NR_FK", "1.1234567"},
        {"cf-row.json", "CF_WSH", "义市\a监罚"},
        {"cf-row.json", "CF_GSJZQ", "2024-03-14"},
        {"cf-row.json", "CF_CFJGDM", ""},
        {"xk-row.json", "XK_XKLB", "随便"},
        {"xk-row.json", "XK_YXQZI", "2024-01-07"},
        {"xk-row.json", "XK_XDR_SHXYM", "9233078"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *row = test_json(bad[i].file);
        assert_int_equal(json_object_set_new(row, bad[i].code, json_string(bad[i].value)), 0);
        assert_same_reject_as_csv(&t, row, bad[i].code);
        json_decref(row);
    }
    tables_free(&t);
}

/* The base row of file with its 文书号 made unique by n. */
static json_t *row_numbered(const char *file, int n)
{
    json_t *row = test_json(file);
    const char *key = file[0] == 'c' ? "CF_WSH" : "XK_WSH";
    char no[96];
    snprintf(no, sizeof no, "%s-T%d", json_string_value(json_object_get(row, key)), n);
    assert_int_equal(json_object_set_new(row, key, json_string(no)), 0);
    return row;
}

/* The result of item i of the last response. */
static json_t *result_at(json_t *j, size_t i)
{
    json_t *r = json_array_get(json_object_get(j, "results"), i);
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_object_get(r, "index")), i);
    return r;
}

static void assert_item_error(json_t *j, size_t i, const char *field, const char *reason)
{
    json_t *err = json_object_get(result_at(j, i), "error");
    assert_non_null(err);
    assert_string_equal(str_at(err, "field"), field);
    assert_string_equal(str_at(err, "reason"), reason);
}

static void post_records__cf_row_form_errors__item_error_naming_field(void **state)
{
    (void)state;
    json_t *arr = json_array();
    json_t *r;
    /* 0: a number where the CSV gives a string */
    r = row_numbered("cf-row.json", 10);
    json_object_set_new(r, "CF_NR_FK", json_real(3.0));
    json_array_append_new(arr, r);
    /* 1: CF_* and XK_* in one object */
    r = row_numbered("cf-row.json", 11);
    json_object_set_new(r, "XK_XKLB", json_string("普通"));
    json_array_append_new(arr, r);
    /* 2: a row with a snake_case key */
    r = row_numbered("cf-row.json", 12);
    json_object_set_new(r, "subject_type", json_string("legal_person"));
    json_array_append_new(arr, r);
    /* 3: a record with a field code */
    json_array_append_new(arr,
                          json_pack("{s:s,s:s}", "subject_type", "legal_person", "CF_WSH", "x"));
    /* 4: a code neither table knows */
    r = row_numbered("cf-row.json", 14);
    json_object_set_new(r, "CF_XYZ", json_string("1"));
    json_array_append_new(arr, r);
    /* 5: a required code missing: as an empty CSV cell */
    r = row_numbered("cf-row.json", 15);
    json_object_del(r, "CF_CFJG");
    json_array_append_new(arr, r);
    /* 6: one field twice through the v1 alias CF_JG of CF_NR */
    r = row_numbered("cf-row.json", 16);
    json_object_set_new(r, "CF_JG", json_string("罚款"));
    json_array_append_new(arr, r);
    /* 7: valid, with null (absent) values and a standard code the importer ignores */
    r = row_numbered("cf-row.json", 17);
    json_object_set_new(r, "CF_GSJZQ", json_null());
    json_object_set_new(r, "CF_FRDB", json_string("张三"));
    json_object_set_new(r, "XZQH", json_string("330782"));
    json_array_append_new(arr, r);
    /* 8: a required value null */
    r = row_numbered("cf-row.json", 18);
    json_object_set_new(r, "CF_JDRQ", json_null());
    json_array_append_new(arr, r);
    /* 9: a valid 行政许可 row */
    json_array_append_new(arr, row_numbered("xk-row.json", 19));
    /* 10: an object value */
    r = row_numbered("xk-row.json", 20);
    json_object_set_new(r, "XK_NR", json_object());
    json_array_append_new(arr, r);
    char *body = json_dumps(arr, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    json_t *j = body_json();
    assert_int_equal(json_array_size(json_object_get(j, "results")), 11);
    assert_item_error(j, 0, "/0/CF_NR_FK", "must be a string");
    assert_item_error(j, 1, "/1/XK_XKLB", "mixes 行政处罚 (CF_*) and 行政许可 (XK_*) field codes");
    assert_item_error(j, 2, "/2/subject_type", "mixes CF_*/XK_* field codes with other keys");
    assert_item_error(j, 3, "/3/CF_WSH", "mixes CF_*/XK_* field codes with other keys");
    assert_item_error(j, 4, "/4/CF_XYZ", "unknown field code");
    assert_item_error(j, 5, "/5/CF_CFJG", "required field missing");
    assert_item_error(j, 6, "/6/CF_JG", "duplicate field");
    assert_string_equal(str_at(result_at(j, 7), "status"), "imported");
    assert_item_error(j, 8, "/8/CF_JDRQ", "required field missing");
    assert_string_equal(str_at(result_at(j, 9), "status"), "imported");
    assert_item_error(j, 10, "/10/XK_NR", "must be a string");
    /* the stored row 7 is the docs example's record: N03 for a 3 万元 fine of a 法人 */
    char id7[24];
    snprintf(id7, sizeof id7, "%s", str_at(result_at(j, 7), "record_id"));
    json_decref(j);
    assert_int_equal(
        call("GET", "/v1/subjects/91330782MA26FY5M25/records", "limit=100", NULL, NULL), 200);
    j = body_json();
    json_t *recs = json_object_get(j, "records");
    size_t found = 0;
    for (size_t i = 0; i < json_array_size(recs); i++) {
        json_t *rec = json_array_get(recs, i);
        if (strcmp(str_at(rec, "record_id"), id7) != 0)
            continue;
        found++;
        assert_string_equal(str_at(rec, "code"), "N03");
        assert_string_equal(str_at(rec, "decision_no"), "义市监罚处〔2024〕101号-T17");
        assert_string_equal(str_at(rec, "decision_date"), "2024-03-15");
        assert_string_equal(str_at(rec, "amount"), "3");
        assert_string_equal(str_at(rec, "region"), "330782");
    }
    assert_int_equal(found, 1);
    json_decref(j);
    free(body);

    /* One object: the pointer has no index.  NDJSON: the index counts lines, the field is the
     * member's name. */
    r = row_numbered("cf-row.json", 21);
    json_object_set_new(r, "CF_XDR_MC", json_integer(1));
    body = json_dumps(r, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    j = body_json();
    assert_item_error(j, 0, "/CF_XDR_MC", "must be a string");
    json_decref(j);
    char *line0 = json_dumps(json_array_get(arr, 9), JSON_COMPACT);
    char nd[4096];
    snprintf(nd, sizeof nd, "%s\n\n%s\nnot json\n", line0, body);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/x-ndjson", nd), 200);
    j = body_json();
    assert_int_equal(json_array_size(json_object_get(j, "results")), 3);
    assert_string_equal(str_at(result_at(j, 0), "status"), "duplicate");
    assert_item_error(j, 1, "/CF_XDR_MC", "must be a string");
    assert_item_error(j, 2, "", "not a JSON object");
    json_decref(j);
    free(line0);
    free(body);
    json_decref(r);
    json_decref(arr);
}

static void post_records__atomic_with_bad_xk_row__422_nothing_stored(void **state)
{
    (void)state;
    json_t *good = row_numbered("cf-row.json", 30), *bad = row_numbered("xk-row.json", 31);
    json_object_set_new(bad, "XK_JDRQ", json_string("2098-12-01"));
    json_t *arr = json_pack("[O,O]", good, bad);
    char *body = json_dumps(arr, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", "atomic=true", "application/json", body), 422);
    assert_problem(422, YC_API_PROBLEM_REJECTED, "");
    json_t *j = body_json();
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 1); /* only the invalid item */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 0), "index")), 1);
    json_t *err = json_object_get(json_array_get(res, 0), "error");
    assert_string_equal(str_at(err, "field"), "/1/XK_JDRQ");
    assert_string_equal(str_at(err, "reason"), "date in the future");
    json_decref(j);
    free(body);
    /* Nothing was stored: the good row is new when sent alone. */
    body = json_dumps(good, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", "atomic=true", "application/json", body), 200);
    j = body_json();
    assert_string_equal(str_at(result_at(j, 0), "status"), "imported");
    json_decref(j);
    free(body);
    json_decref(arr);
    json_decref(bad);
    json_decref(good);
}

static void safety__post_records__cf_body_at_limit__200_and_over__413(void **state)
{
    (void)state;
    json_t *row = row_numbered("cf-row.json", 40);
    char *line = json_dumps(row, JSON_COMPACT);
    const size_t limit = strlen(line) + 64;
    char *body = malloc(limit + 2);
    assert_non_null(body);
    yc_api *api = NULL;
    yc_api_opts opts = {.max_body_bytes = limit};
    yc_api_close(g_api); /* one LMDB environment per process */
    g_api = NULL;
    assert_int_equal(yc_api_open(g_data, &opts, &api), YC_OK);
    /* A JSON array of exactly limit bytes (padded with spaces), then one byte more. */
    memset(body, ' ', limit + 1);
    body[0] = '[';
    memcpy(body + 1, line, strlen(line));
    body[1 + strlen(line)] = ']';
    assert_int_equal(call_on(api, "POST", "/v1/records", NULL, "application/json", body, limit),
                     200);
    json_t *j = body_json();
    assert_string_equal(str_at(result_at(j, 0), "status"), "imported");
    json_decref(j);
    assert_int_equal(call_on(api, "POST", "/v1/records", NULL, "application/json", body, limit + 1),
                     413);
    assert_problem(413, YC_API_PROBLEM_TOO_LARGE, NULL);
    /* NDJSON of exactly limit bytes (padded with blank lines), then one byte more. */
    memset(body, '\n', limit + 1);
    memcpy(body, line, strlen(line));
    assert_int_equal(call_on(api, "POST", "/v1/records", NULL, "application/x-ndjson", body, limit),
                     200);
    j = body_json();
    assert_int_equal(json_array_size(json_object_get(j, "results")), 1);
    assert_string_equal(str_at(result_at(j, 0), "status"), "duplicate");
    json_decref(j);
    assert_int_equal(
        call_on(api, "POST", "/v1/records", NULL, "application/x-ndjson", body, limit + 1), 413);
    assert_problem(413, YC_API_PROBLEM_TOO_LARGE, NULL);
    yc_api_close(api);
    assert_int_equal(yc_api_open(g_data, NULL, &g_api), YC_OK);
    free(body);
    free(line);
    json_decref(row);
}

static void safety__post_records__cf_rows_at_item_max__200_and_over__413(void **state)
{
    (void)state;
    json_t *row = row_numbered("cf-row.json", 50);
    json_t *arr = json_array();
    for (int i = 0; i < YC_API_RECORDS_MAX_ITEMS; i++)
        assert_int_equal(json_array_append(arr, row), 0);
    char *body = json_dumps(arr, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    json_t *j = body_json();
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), YC_API_RECORDS_MAX_ITEMS);
    /* one decision: the first is imported, each later copy is its duplicate */
    char id[24];
    snprintf(id, sizeof id, "%s", str_at(result_at(j, 0), "record_id"));
    assert_string_equal(str_at(result_at(j, 0), "status"), "imported");
    for (size_t i = 1; i < YC_API_RECORDS_MAX_ITEMS; i++) {
        assert_string_equal(str_at(result_at(j, i), "status"), "duplicate");
        assert_string_equal(str_at(result_at(j, i), "record_id"), id);
    }
    json_decref(j);
    free(body);
    assert_int_equal(json_array_append(arr, row), 0);
    body = json_dumps(arr, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 413);
    assert_problem(413, YC_API_PROBLEM_TOO_MANY_ITEMS, "");
    free(body);
    /* NDJSON: 1000 lines, then 1001. */
    assert_int_equal(json_array_remove(arr, 0), 0);
    body = ndjson_of(arr);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/x-ndjson", body), 200);
    j = body_json();
    assert_int_equal(json_array_size(json_object_get(j, "results")), YC_API_RECORDS_MAX_ITEMS);
    assert_string_equal(str_at(result_at(j, YC_API_RECORDS_MAX_ITEMS - 1), "status"), "duplicate");
    assert_string_equal(str_at(result_at(j, YC_API_RECORDS_MAX_ITEMS - 1), "record_id"), id);
    json_decref(j);
    free(body);
    assert_int_equal(json_array_append(arr, row), 0);
    body = ndjson_of(arr);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/x-ndjson", body), 413);
    assert_problem(413, YC_API_PROBLEM_TOO_MANY_ITEMS, "");
    free(body);
    json_decref(arr);
    json_decref(row);
}

static void safety__post_records__cf_value_at_field_max__imported_and_over__error(void **state)
{
    (void)state;
    char *text = malloc(YC_IMPORT_MAX_FIELD_BYTES + 2);
    assert_non_null(text);
    memset(text, 'a', YC_IMPORT_MAX_FIELD_BYTES + 1);
    text[YC_IMPORT_MAX_FIELD_BYTES] = '\0';
    json_t *row = row_numbered("cf-row.json", 60);
    json_object_set_new(row, "CF_SY", json_string(text)); /* 违法事实: free text */
    char *body = json_dumps(row, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    json_t *j = body_json();
    assert_string_equal(str_at(result_at(j, 0), "status"), "imported");
    json_decref(j);
    free(body);
    text[YC_IMPORT_MAX_FIELD_BYTES] = 'a';
    text[YC_IMPORT_MAX_FIELD_BYTES + 1] = '\0';
    json_decref(row);
    row = row_numbered("cf-row.json", 61);
    json_object_set_new(row, "CF_SY", json_string(text));
    body = json_dumps(row, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    j = body_json();
    assert_item_error(j, 0, "/CF_SY", "field longer than 65536 bytes");
    json_decref(j);
    free(body);
    json_decref(row);
    free(text);
}

static void safety__post_records__cf_row_of_256_fields__passes_count_and_257__error(void **state)
{
    (void)state;
    json_t *row = row_numbered("cf-row.json", 70);
    for (int i = 0; json_object_size(row) < YC_IMPORT_MAX_COLUMNS; i++) {
        char key[16];
        snprintf(key, sizeof key, "CF_X%03d", i);
        json_object_set_new(row, key, json_string(""));
    }
    char *body = json_dumps(row, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    json_t *j = body_json();
    assert_item_error(j, 0, "/CF_X000", "unknown field code"); /* the next check speaks */
    json_decref(j);
    free(body);
    json_object_set_new(row, "CF_Y", json_string(""));
    body = json_dumps(row, JSON_COMPACT);
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", body), 200);
    j = body_json();
    assert_item_error(j, 0, "", "more than 256 fields");
    json_decref(j);
    free(body);
    json_decref(row);
}

/* yc_import_rows() directly: what the API never sends. */
typedef struct direct_run {
    int batches;
    size_t records;
    yc_record first;
    first_reject rej;
} direct_run;

static yc_err direct_batch(void *ctx, yc_record *recs, size_t n)
{
    direct_run *d = ctx;
    if (d->records == 0)
        d->first = recs[0];
    d->batches++;
    d->records += n;
    return YC_OK;
}

static void direct_reject(void *ctx, const yc_reject *r)
{
    direct_run *d = ctx;
    assert_string_equal(r->file, "direct");
    note_reject(&d->rej, r);
}

static void yc_import_rows__kinds_rules_case_atomic__as_documented(void **state)
{
    (void)state;
    tables t;
    tables_load(g_data, &t);
#define FIELD(code, value)            \
    {                                 \
        code, value, sizeof value - 1 \
    }
    static const yc_import_field xk[] = {
        FIELD("xk_xdr_mc", "义乌市江东饰品商行"),
        FIELD("XK_XDR_LB", "个体工商户"),
        FIELD("XK_XDR_SHXYM", "92330782MA2JLRGWXW"),
        FIELD("XK_WSH", "义市监食经〔2024〕0007号"),
        FIELD("XK_XKLB", "普通"),
        FIELD("XK_JDRQ", "2024-01-08"),
        FIELD("XK_YXQZ", "2024-01-08"),
        FIELD("XK_YXQZI", "2029-01-07"),
        FIELD("XK_XKJG", "义乌市市场监督管理局"),
        FIELD("XK_XKJGDM", "11330782MB1A07019X"),
        FIELD("XK_LYDW", "义乌市市场监督管理局"),
        FIELD("XK_LYDWDM", "11330782MB1A07019X"),
        {"BZ", NULL, 0},
    };
    static const yc_import_field cf[] = {FIELD("CF_WSH", "x")};
    static const yc_import_field none[] = {FIELD("DFBM", "330782")};
#undef FIELD
    const yc_import_row rows[] = {{xk, sizeof xk / sizeof *xk}, {cf, 1}, {none, 1}};
    direct_run d = {0};
    yc_import_opts o = {.today = yc_date_today_shanghai(),
                        .windows = t.windows,
                        .on_batch = direct_batch,
                        .on_reject = direct_reject,
                        .ctx = &d};
    yc_import_stats st;
    /* No rule table: the 行政许可 row is imported (lower-case codes match, as in a header; a
     * NULL value of length 0 is absent), the 行政处罚 row is rejected. */
    assert_int_equal(yc_import_rows("direct", rows, 2, &o, &st), YC_OK);
    assert_int_equal(st.rows, 2);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(d.records, 1);
    assert_string_equal(d.first.subject_id, "92330782MA2JLRGWXW");
    assert_int_equal(d.first.subject_type, YC_SUBJECT_INDIVIDUAL_BUSINESS);
    assert_int_equal(d.first.code, YC_CODE_B02);
    assert_int_equal(d.first.pub_start, d.first.decision_date);
    assert_string_equal(d.rej.field, "(row)");
    assert_string_equal(d.rej.reason, "行政处罚 needs the 处罚类别 rule table");
    /* A row without a CF_/XK_ code. */
    d = (direct_run){0};
    assert_int_equal(yc_import_rows("direct", rows + 2, 1, &o, &st), YC_OK);
    assert_int_equal(st.rejected, 1);
    assert_string_equal(d.rej.field, "(row)");
    assert_string_equal(d.rej.reason, "no CF_* or XK_* field code");
    /* Atomic: one bad row (with the rules: CF row lacks nearly everything) delivers nothing. */
    o.rules = t.rules;
    o.atomic = true;
    d = (direct_run){0};
    assert_int_equal(yc_import_rows("direct", rows, 2, &o, &st), YC_ERR_INVALID);
    assert_int_equal(st.accepted, 0);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(d.batches, 0);
    assert_string_equal(d.rej.field, "CF_XDR_MC");
    assert_string_equal(d.rej.reason, "required field missing");
    /* Atomic with only good rows: delivered; zero rows: nothing, YC_OK. */
    d = (direct_run){0};
    assert_int_equal(yc_import_rows("direct", rows, 1, &o, &st), YC_OK);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(d.batches, 1);
    assert_int_equal(yc_import_rows("direct", NULL, 0, &o, &st), YC_OK);
    assert_int_equal(st.rows, 0);
    /* Missing windows: bad options. */
    o.windows = NULL;
    assert_int_equal(yc_import_rows("direct", rows, 1, &o, &st), YC_ERR_INVALID);
    tables_free(&t);
}

/* ---- score cache and the configuration of yc_api_open() ---- */

/* Sample subjects with records (samples/), used only by the tests below. */
static const char *const cache_subjects[] = {"91330782MA2HR13U02", "91330782MA27CW7C24",
                                             "92330782MA2TEK8923", "91330782MA2W4EAC15"};
#define CACHE_POST_SUBJECT "91330782MA2B5XBF03"

/* Close g_api and open the data dir with DATA_DIR/config.json changed by the caller's
 * api.score_cache_entries (one LMDB handle per process at a time). */
static yc_api *reopen_with_cache(size_t entries)
{
    yc_api_close(g_api);
    g_api = NULL;
    static yc_config cfg;
    assert_int_equal(yc_config_load(g_data, &cfg, NULL), YC_OK);
    cfg.api.score_cache_entries = entries;
    const yc_api_opts o = {.config = &cfg};
    yc_api *api = NULL;
    assert_int_equal(yc_api_open(g_data, &o, &api), YC_OK);
    return api;
}

static void back_to_g_api(yc_api *api)
{
    yc_api_close(api);
    assert_int_equal(yc_api_open(g_data, NULL, &g_api), YC_OK);
}

/* GET the score of subject (query may be NULL) as worker w; returns the status. */
static int score_as(yc_api *api, unsigned w, const char *subject, const char *query)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/subjects/%s/score", subject);
    yc_api_response_clear(&g_res);
    const yc_api_request req = {
        .method = "GET", .path = path, .query = query, .worker = w, .authorization = g_auth};
    assert_int_equal(yc_api_handle(api, &req, &g_res), YC_OK);
    settle(&g_res);
    assert_non_null(g_res.body);
    assert_int_equal(strlen(g_res.body), g_res.body_len);
    return g_res.status;
}

static yc_api_cache_stats stats_of(yc_api *api, unsigned w)
{
    yc_api_cache_stats st;
    memset(&st, 0xff, sizeof st);
    yc_api_score_cache_stats(api, w, &st);
    return st;
}

static void assert_stats(yc_api *api, unsigned w, uint64_t hits, uint64_t misses, uint64_t stale,
                         uint64_t evictions, size_t entries, size_t capacity)
{
    const yc_api_cache_stats st = stats_of(api, w);
    assert_int_equal(st.hits, hits);
    assert_int_equal(st.misses, misses);
    assert_int_equal(st.stale, stale);
    assert_int_equal(st.evictions, evictions);
    assert_int_equal(st.entries, entries);
    assert_int_equal(st.capacity, capacity);
}

static void get_score__cache_hit__same_bytes_as_cache_off_and_engine(void **state)
{
    (void)state;
    yc_date d;
    assert_int_equal(yc_date_parse_iso("2026-11-29", &d), YC_OK);
    char *expected = engine_score_json(MERCHANT, d);
    yc_api *api = reopen_with_cache(0);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, expected);
    assert_stats(api, 0, 0, 0, 0, 0, 0, 0); /* no cache at all */
    yc_api_close(api);
    g_api = NULL;
    api = reopen_with_cache(4);
    assert_stats(api, 0, 0, 0, 0, 0, 0, 0); /* created on the first score request */
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.content_type, "application/json");
    assert_string_equal(g_res.body, expected);
    assert_stats(api, 0, 0, 1, 0, 0, 1, 4);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.content_type, "application/json");
    assert_int_equal(g_res.body_len, strlen(expected));
    assert_string_equal(g_res.body, expected);
    assert_stats(api, 0, 1, 1, 0, 0, 1, 4);
    /* HEAD is served as GET, from the same entry */
    yc_api_response_clear(&g_res);
    const yc_api_request head = {.method = "HEAD",
                                 .path = "/v1/subjects/" MERCHANT "/score",
                                 .query = "as_of=2026-11-29",
                                 .authorization = g_auth};
    assert_int_equal(yc_api_handle(api, &head, &g_res), YC_OK);
    settle(&g_res);
    assert_string_equal(g_res.body, expected);
    assert_stats(api, 0, 2, 1, 0, 0, 1, 4);
    back_to_g_api(api);
    free(expected);
}

static void on_put_done(void *ctx, yc_err rv)
{
    *(yc_err *)ctx = rv;
}

/* An attestation commit moves the store's transaction id but not the records: the score
 * cache (stamped with yc_store_records_generation()) must keep serving its entries. */
static void regress__issue_4__attestation_commit__score_cache_still_hits(void **state)
{
    (void)state;
    yc_api *api = reopen_with_cache(4);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    char *first = strdup(g_res.body);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_stats(api, 0, 1, 1, 0, 0, 1, 4);
    const uint64_t before = yc_store_generation(api->store);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(api->store, NULL, &c), YC_OK);
    yc_store_attestation a;
    memset(&a, 0, sizeof a);
    snprintf(a.jti, sizeof a.jti, "%s", "regress4cachehitAAAAAA");
    snprintf(a.subject_id, sizeof a.subject_id, "%s", MERCHANT);
    snprintf(a.kid, sizeof a.kid, "%s", "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    a.iat = 1795958564;
    a.exp = a.iat + 86400;
    a.list = 1;
    a.index = 7;
    yc_err put = YC_ERR_INTERNAL;
    assert_int_equal(yc_store_commit_attestation_put(c, &a, on_put_done, &put), YC_OK);
    yc_store_committer_stop(c);
    assert_int_equal(put, YC_OK);
    assert_true(yc_store_generation(api->store) > before); /* the store did move on */
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, first);
    assert_stats(api, 0, 2, 1, 0, 0, 1, 4); /* a hit, not stale */
    free(first);
    back_to_g_api(api);
}

static void get_score__other_as_of_or_worker__miss_and_today_resolved(void **state)
{
    (void)state;
    yc_api *api = reopen_with_cache(8);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    char *first = strdup(g_res.body);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2024-01-02"), 200);
    assert_string_not_equal(g_res.body, first);
    assert_non_null(strstr(g_res.body, "\"as_of\":\"2024-01-02\""));
    assert_stats(api, 0, 0, 2, 0, 0, 2, 8);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, first);
    assert_stats(api, 0, 1, 2, 0, 0, 2, 8);
    /* another worker index has its own cache */
    assert_int_equal(score_as(api, 1, MERCHANT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, first);
    assert_stats(api, 1, 0, 1, 0, 0, 1, 8);
    assert_stats(api, 0, 1, 2, 0, 0, 2, 8);
    /* the last index has one; past it: served without a cache */
    assert_int_equal(score_as(api, YC_API_WORKERS_MAX - 1, MERCHANT, "as_of=2026-11-29"), 200);
    assert_stats(api, YC_API_WORKERS_MAX - 1, 0, 1, 0, 0, 1, 8);
    assert_int_equal(score_as(api, YC_API_WORKERS_MAX, MERCHANT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, first);
    assert_int_equal(score_as(api, YC_API_WORKERS_MAX, MERCHANT, "as_of=2026-11-29"), 200);
    assert_stats(api, YC_API_WORKERS_MAX, 0, 0, 0, 0, 0, 0);
    /* no as_of is today's date: the same key as as_of=<today> */
    char today[YC_DATE_STR_LEN + 1], q[32];
    yc_date_format(yc_date_today_shanghai(), today);
    snprintf(q, sizeof q, "as_of=%s", today);
    assert_int_equal(score_as(api, 2, MERCHANT, NULL), 200);
    char *implicit = strdup(g_res.body);
    assert_int_equal(score_as(api, 2, MERCHANT, q), 200);
    assert_string_equal(g_res.body, implicit);
    assert_stats(api, 2, 1, 1, 0, 0, 1, 8);
    /* a 404 is not kept */
    assert_int_equal(score_as(api, 3, UNKNOWN_PSEUDONYM, NULL), 404);
    assert_int_equal(score_as(api, 3, UNKNOWN_PSEUDONYM, NULL), 404);
    assert_stats(api, 3, 0, 2, 0, 0, 0, 8);
    free(implicit);
    free(first);
    back_to_g_api(api);
}

/* The cache is looked into before the id and query are checked: the problems stay the same. */
static void get_score__cached_subject_bad_query_or_invalid_id__same_400s(void **state)
{
    (void)state;
    yc_api *api = reopen_with_cache(8);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29&x=1"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "x"); /* issue 6: named */
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29&as_of=2026-11-29"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "as_of");
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-02-30"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "as_of");
    /* an invalid id comes first, also before a bad query */
    assert_int_equal(score_as(api, 0, "92330782MA2KDDUY4X", "as_of=2026-02-30"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "subject_id");
    assert_int_equal(score_as(api, 0, "92330782MA2KDDUY4X", "as_of=2026-11-29"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "subject_id");
    /* lower case is another key, and not a valid id */
    assert_int_equal(score_as(api, 0, "92330782ma2kdduy4m", "as_of=2026-11-29"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "subject_id");
    assert_int_equal(stats_of(api, 0).hits, 0);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_int_equal(stats_of(api, 0).hits, 1);
    back_to_g_api(api);
}

static void safety__score_cache__at_bound_kept_and_one_past_evicts_one(void **state)
{
    (void)state;
    yc_api *api = reopen_with_cache(3);
    char *bodies[4];
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(score_as(api, 0, cache_subjects[i], "as_of=2026-11-29"), 200);
        bodies[i] = strdup(g_res.body);
        if (i == 2) { /* at the bound: three keys held, all three served from the cache */
            assert_stats(api, 0, 0, 3, 0, 0, 3, 3);
            for (size_t k = 0; k < 3; k++) {
                assert_int_equal(score_as(api, 0, cache_subjects[k], "as_of=2026-11-29"), 200);
                assert_string_equal(g_res.body, bodies[k]);
            }
            assert_stats(api, 0, 3, 3, 0, 0, 3, 3);
        }
    }
    /* one past the bound: one entry dropped, still three held */
    assert_stats(api, 0, 3, 4, 0, 1, 3, 3);
    assert_int_equal(score_as(api, 0, cache_subjects[3], "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, bodies[3]);
    assert_stats(api, 0, 4, 4, 0, 1, 3, 3);
    /* whatever was dropped is computed again, with the same bytes */
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(score_as(api, 0, cache_subjects[k], "as_of=2026-11-29"), 200);
        assert_string_equal(g_res.body, bodies[k]);
    }
    const yc_api_cache_stats st = stats_of(api, 0);
    assert_int_equal(st.entries, 3);
    assert_int_equal(st.hits + st.misses, 12);
    assert_int_equal(st.evictions, st.misses - 3);
    for (size_t i = 0; i < 4; i++)
        free(bodies[i]);
    back_to_g_api(api);
}

static void get_score__record_posted_for_subject__next_answer_recomputed(void **state)
{
    (void)state;
    yc_api *api = reopen_with_cache(16);
    assert_int_equal(score_as(api, 0, CACHE_POST_SUBJECT, "as_of=2026-11-29"), 200);
    char *before = strdup(g_res.body);
    assert_int_equal(score_as(api, 0, cache_subjects[0], "as_of=2026-11-29"), 200);
    char *other = strdup(g_res.body);
    assert_int_equal(score_as(api, 0, CACHE_POST_SUBJECT, "as_of=2026-11-29"), 200);
    assert_stats(api, 0, 1, 2, 0, 0, 2, 16);
    static const char rec[] =
        "{\"subject_type\":\"legal_person\",\"subject_id\":\"" CACHE_POST_SUBJECT "\","
        "\"name\":\"义乌市测试缓存有限公司\",\"code\":\"P04\",\"decision_no\":"
        "\"义关认证〔2026〕缓存1号\",\"decision_date\":\"2026-05-20\",\"authority_name\":"
        "\"中华人民共和国义乌海关\",\"authority_uscc\":\"11330782MB1A071232\","
        "\"legal_basis\":\"《中华人民共和国海关企业信用管理办法》\",\"region\":\"330782\"}";
    assert_int_equal(
        call_on(api, "POST", "/v1/records", NULL, "application/json", rec, sizeof rec - 1), 200);
    assert_non_null(strstr(g_res.body, "\"imported\""));
    assert_int_equal(score_as(api, 0, CACHE_POST_SUBJECT, "as_of=2026-11-29"), 200);
    assert_string_not_equal(g_res.body, before);
    assert_non_null(strstr(g_res.body, "\"code\":\"P04\""));
    char *after = strdup(g_res.body);
    assert_stats(api, 0, 1, 3, 1, 0, 2, 16);
    /* the commit made every older entry stale, also the other subject's (same bytes again) */
    assert_int_equal(score_as(api, 0, cache_subjects[0], "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, other);
    assert_stats(api, 0, 1, 4, 2, 0, 2, 16);
    assert_int_equal(score_as(api, 0, CACHE_POST_SUBJECT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, after);
    assert_stats(api, 0, 2, 4, 2, 0, 2, 16);
    yc_api_close(api);
    /* and it is what a server without a cache answers */
    api = reopen_with_cache(0);
    assert_int_equal(score_as(api, 0, CACHE_POST_SUBJECT, "as_of=2026-11-29"), 200);
    assert_string_equal(g_res.body, after);
    free(after);
    free(other);
    free(before);
    back_to_g_api(api);
}

static void get_score__allocation_fails_at_each_step__served_or_503_and_cache_sound(void **state)
{
    (void)state;
    yc_date d;
    assert_int_equal(yc_date_parse_iso("2026-11-29", &d), YC_OK);
    char *expected = engine_score_json(cache_subjects[1], d);
    yc_api *api = reopen_with_cache(2);
    bool done = false;
    for (long n = 0; !done; n++) {
        assert_true(n <= 100000);
        yc_api_response_clear(&g_res);
        const yc_api_request req = {.method = "GET",
                                    .path = "/v1/subjects/91330782MA27CW7C24/score",
                                    .query = "as_of=2026-11-29",
                                    .authorization = g_auth};
        const long failures = yc_alloc_failures();
        yc_alloc_fail_after(n);
        const yc_err rv = yc_api_handle(api, &req, &g_res);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK)
            settle(&g_res);
        done = yc_alloc_failures() == failures;
        if (rv == YC_ERR_NOMEM) {
            assert_false(done);
            assert_null(g_res.body);
            continue;
        }
        assert_int_equal(rv, YC_OK);
        if (g_res.status == 200) {
            assert_string_equal(g_res.body, expected);
        } else {
            assert_false(done);
            assert_problem(503, YC_API_PROBLEM_UNAVAILABLE, NULL);
        }
    }
    /* whatever failed on the way, the cache serves exactly the engine's bytes */
    for (int k = 0; k < 2; k++) {
        assert_int_equal(score_as(api, 0, cache_subjects[1], "as_of=2026-11-29"), 200);
        assert_string_equal(g_res.body, expected);
    }
    assert_true(stats_of(api, 0).hits >= 1);
    back_to_g_api(api);
    free(expected);
}

/* The configuration given to yc_api_open() decides the model (yrdcreditd --config FILE). */
static void yc_api_open__config_option__its_model_and_bounds_used(void **state)
{
    (void)state;
    char src[512], dst[256];
    snprintf(src, sizeof src, "%s/model/score-v1.json", g_data);
    snprintf(dst, sizeof dst, "%s/other-model.json", g_base);
    FILE *in = fopen(src, "rb");
    assert_non_null(in);
    static char model[YC_MODEL_FILE_MAX];
    const size_t len = fread(model, 1, sizeof model - 1, in);
    fclose(in);
    model[len] = '\0';
    char *v = strstr(model, "\"score-v1\"");
    assert_non_null(v);
    FILE *out = fopen(dst, "wb");
    assert_non_null(out);
    /* the same model under another version name (and so another digest) */
    assert_int_equal(fwrite(model, 1, (size_t)(v - model) + 9, out), (size_t)(v - model) + 9);
    assert_int_equal(fputs("-cfgtest", out) >= 0, 1);
    assert_int_equal(fputs(v + 9, out) >= 0, 1);
    assert_int_equal(fclose(out), 0);
    yc_model *m = NULL;
    assert_int_equal(yc_model_load(dst, &m, NULL, 0), YC_OK);
    char digest[YC_MODEL_DIGEST_HEX_LEN + 1];
    snprintf(digest, sizeof digest, "%s", yc_model_digest_hex(m));
    yc_model_free(m);

    yc_api_close(g_api);
    g_api = NULL;
    static yc_config cfg;
    assert_int_equal(yc_config_load(g_data, &cfg, NULL), YC_OK);
    snprintf(cfg.model_path, sizeof cfg.model_path, "%s", dst);
    yc_api_opts o = {.config = &cfg};
    yc_api *api = NULL;
    assert_int_equal(yc_api_open(g_data, &o, &api), YC_OK);
    memset(&cfg, 0, sizeof cfg); /* copied by yc_api_open() */
    assert_int_equal(call_on(api, "GET", "/readyz", NULL, NULL, NULL, 0), 200);
    json_t *j = body_json();
    json_t *jm = json_object_get(j, "model");
    assert_string_equal(str_at(jm, "version"), "score-v1-cfgtest");
    assert_string_equal(str_at(jm, "digest"), digest);
    json_decref(j);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_non_null(strstr(g_res.body, "\"version\":\"score-v1-cfgtest\""));
    yc_api_close(api);

    /* api.score_cache_entries: the maximum is accepted, one more is not */
    assert_int_equal(yc_config_load(g_data, &cfg, NULL), YC_OK);
    cfg.api.score_cache_entries = YC_API_SCORE_CACHE_MAX + 1;
    api = NULL;
    assert_int_equal(yc_api_open(g_data, &o, &api), YC_ERR_INVALID);
    assert_null(api);
    cfg.api.score_cache_entries = YC_API_SCORE_CACHE_MAX;
    assert_int_equal(yc_api_open(g_data, &o, &api), YC_OK);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2026-11-29"), 200);
    assert_stats(api, 0, 0, 1, 0, 0, 1, YC_API_SCORE_CACHE_MAX);
    back_to_g_api(api);
}

/* ---- input handling (review defects 1-6) ---- */

/* Defect 2: percent-decoding of unreserved characters only (RFC 3986 §2.3, §6.2.2.2). */
static void yc_api_pct_decode__unreserved_decoded_others_kept__exact(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"", ""},
        {"abc", "abc"},
        {"92330782MA2KDDUY4%4D", "92330782MA2KDDUY4M"},
        {"%4d%4D", "MM"},                 /* hex digits of either case */
        {"2024%2D02%2D29", "2024-02-29"}, /* '-' */
        {"%2E%5F%7E%30%39%41%5A%61%7A", "._~09AZaz"},
        {"a%2Fb%2fc", "a%2Fb%2fc"},       /* '/' reserved: kept as written */
        {"%26%3D%3F%23", "%26%3D%3F%23"}, /* & = ? # */
        {"%254D", "%254D"},               /* '%' itself: kept, so nothing is decoded twice */
        {"%00%20%7F%80%E4%B9", "%00%20%7F%80%E4%B9"},
    };
    char out[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        n = 999;
        assert_int_equal(yc_api_pct_decode(ok[i].in, strlen(ok[i].in), out, sizeof out, &n), YC_OK);
        assert_string_equal(out, ok[i].out);
        assert_int_equal(n, strlen(ok[i].out));
    }
    static const char *const bad[] = {"%", "abc%", "%4", "x%4", "%G1", "%1G", "%%41", "a%-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = 999;
        assert_int_equal(yc_api_pct_decode(bad[i], strlen(bad[i]), out, sizeof out, &n),
                         YC_ERR_INVALID);
        assert_int_equal(n, 999); /* ret_len written only on YC_OK */
    }
    /* only len bytes are read; cap must hold len + 1 */
    assert_int_equal(yc_api_pct_decode("%41%", 3, out, sizeof out, &n), YC_OK);
    assert_string_equal(out, "A");
    assert_int_equal(yc_api_pct_decode("abcd", 4, out, 5, &n), YC_OK);
    assert_int_equal(yc_api_pct_decode("abcd", 4, out, 4, &n), YC_ERR_TOO_LARGE);
}

/* Defect 2: an encoded path or query is served as its plain form; a malformed escape is 404 in
 * the path and 400 naming the parameter in the query; a decoded reserved character makes the
 * subject id segment invalid. */
static void yc_api_handle__percent_encoded_path_and_query__same_as_plain(void **state)
{
    (void)state;
    const char *plain_path = "/v1/subjects/" MERCHANT "/score";
    assert_int_equal(call("GET", plain_path, "as_of=2024-02-29", NULL, NULL), 200);
    char *plain = strdup(g_res.body);
    assert_non_null(plain);
    static const struct {
        const char *path, *query;
    } same[] = {
        {"/v1/subjects/92330782MA2KDDUY4%4D/score", "as_of=2024-02-29"},
        {"/v1/subjects/92330782MA2KDDUY4%4d/score", "as_of=2024%2D02%2D29"},
        {"/v1/subjects/" MERCHANT "/score", "as_of=2024%2d02%2d29"},
        {"/v1/subjects/" MERCHANT "/sc%6Fre", "as%5Fof=2024-02-29"},
        {"/%76%31/subjects/%39%32330782MA2KDDUY4M/score", "%61%73%5F%6F%66=%32024-02-29"},
    };
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        assert_int_equal(call("GET", same[i].path, same[i].query, NULL, NULL), 200);
        assert_string_equal(g_res.body, plain);
    }
    free(plain);
    const char *rec_path = "/v1/subjects/91330782MA26FY5M25/records";
    assert_int_equal(call("GET", rec_path, "limit=1", NULL, NULL), 200);
    plain = strdup(g_res.body);
    assert_non_null(plain);
    assert_int_equal(
        call("GET", "/v1/subjects/91330782MA26FY5M25/record%73", "limit=%31", NULL, NULL), 200);
    assert_string_equal(g_res.body, plain);
    free(plain);
    assert_int_equal(call("GET", rec_path, "limit=%31%30%30", NULL, NULL), 200); /* 100 */
    assert_int_equal(call("GET", "/health%7A", NULL, NULL, NULL), 200);
    assert_string_equal(g_res.body, "{\"status\":\"ok\"}");
    assert_int_equal(call("POST", "/v1/subjects/looku%70", NULL, "application/json",
                          "{\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\"}"),
                     200);
    /* malformed escapes: the path names no resource; a query value names its parameter */
    static const char *const no_route[] = {"/v1/subjects/92330782MA2KDDUY4%4/score",
                                           "/v1/subjects/92330782MA2KDDUY4%G1/score", "/healthz%",
                                           "/health%7"};
    for (size_t i = 0; i < sizeof no_route / sizeof *no_route; i++) {
        assert_int_equal(call("GET", no_route[i], NULL, NULL, NULL), 404);
        assert_problem(404, YC_API_PROBLEM_NOT_FOUND, NULL);
    }
    static const struct {
        const char *path, *query, *field;
    } bad_query[] = {
        {"/v1/subjects/" MERCHANT "/score", "as_of=2024-02-2%", "as_of"},
        {"/v1/subjects/" MERCHANT "/score", "as_of=%G024-02-29", "as_of"},
        {"/v1/subjects/" MERCHANT "/score", "as_of=2024%2F02%2F29", "as_of"}, /* '/' stays */
        {"/v1/subjects/" MERCHANT "/score", "as_o%G6=2024-02-29", "query"},
        {"/v1/subjects/" MERCHANT "/score", "as%5Fof%=1", "query"},
        {"/v1/subjects/91330782MA26FY5M25/records", "limit=%", "limit"},
        {"/v1/subjects/91330782MA26FY5M25/records", "limit=%3", "limit"},
        {"/v1/subjects/91330782MA26FY5M25/records", "cursor=r%3x", "cursor"},
        {"/healthz", "%", "query"},
    };
    for (size_t i = 0; i < sizeof bad_query / sizeof *bad_query; i++) {
        assert_int_equal(call("GET", bad_query[i].path, bad_query[i].query, NULL, NULL), 400);
        assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, bad_query[i].field);
    }
    assert_int_equal(call("POST", "/v1/records", "atomic=%74rue%", "application/json", "[]"), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "atomic");
    /* a decoded reserved or other octet, or a doubly encoded one: the id is invalid */
    static const char *const bad_id[] = {
        "/v1/subjects/92330782MA2KDDUY4%2F/score", "/v1/subjects/92330782MA2KDDUY4%254D/score",
        "/v1/subjects/%2092330782MA2KDDUY4M/records", "/v1/subjects/92330782MA2KDDUY4M%00/records"};
    for (size_t i = 0; i < sizeof bad_id / sizeof *bad_id; i++) {
        assert_int_equal(call("GET", bad_id[i], NULL, NULL, NULL), 400);
        assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "subject_id");
    }
    /* the score cache is keyed by the decoded id: the encoded request hits the plain entry */
    yc_api *api = reopen_with_cache(8);
    assert_int_equal(score_as(api, 0, MERCHANT, "as_of=2024-02-29"), 200);
    assert_int_equal(score_as(api, 0, "92330782MA2KDDUY4%4D", "as_of=2024%2D02%2D29"), 200);
    assert_stats(api, 0, 1, 1, 0, 0, 1, 8);
    assert_int_equal(score_as(api, 0, "92330782MA2KDDUY4%4", "as_of=2024-02-29"), 404);
    back_to_g_api(api);
}

/* Defect 1: the value check the access log relies on rejects document numbers in every
 * parameter. */
static void yc_api_query_value_is_valid__document_numbers_and_bad_values__false(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value;
        bool valid;
    } cases[] = {
        {"as_of", "2024-02-29", true},
        {"as_of", "1900-01-01", true},
        {"as_of", "2099-12-31", true},
        {"as_of", "330782580101001", false},    /* a 15-digit 身份证 number */
        {"as_of", "330782195810317029", false}, /* an 18-digit one */
        {"as_of", "E12345678", false},          /* a passport number */
        {"as_of", "2023-02-29", false},
        {"as_of", "2100-01-01", false},
        {"as_of", "", false},
        {"limit", "1", true},
        {"limit", "100", true},
        {"limit", "007", true},
        {"limit", "101", false},
        {"limit", "0", false},
        {"limit", "E12345678", false},
        {"limit", "330782580101001", false},
        {"limit", "", false},
        {"atomic", "true", true},
        {"atomic", "false", true},
        {"atomic", "TRUE", false},
        {"atomic", "E12345678", false},
        {"cursor", "r1", true},
        {"cursor", "r18446744073709551615", true},
        {"cursor", "r18446744073709551616", false},
        {"cursor", "330782195810317029", false},
        {"cursor", "rE12345678", false},
        {"cursor", "r", false},
        {"number", "330782195810317029", false}, /* not a parameter of any route */
        {"as_ofx", "2024-02-29", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(yc_api_query_value_is_valid(cases[i].name, strlen(cases[i].name),
                                                     cases[i].value, strlen(cases[i].value)),
                         cases[i].valid);
    /* only the given lengths are read */
    assert_true(yc_api_query_value_is_valid("limitx", 5, "12x", 2));
}

/* Defect 3: application/json and application/x-ndjson are UTF-8: another charset is 415. */
static void post_records_and_lookup__charset_other_than_utf8__415(void **state)
{
    (void)state;
    char rec[1024], gbk[1024];
    generic_record(rec, sizeof rec, 40, "字符集");
    iconv_t cd = iconv_open("GBK", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char *in = rec, *out = gbk;
    size_t in_left = strlen(rec), out_left = sizeof gbk - 1;
    assert_int_not_equal(iconv(cd, &in, &in_left, &out, &out_left), (size_t)-1);
    iconv_close(cd);
    *out = '\0';
    assert_string_not_equal(gbk, rec);
    static const char *const refused[] = {"application/json; charset=gbk",
                                          "application/json;charset=GB18030",
                                          "application/json; charset=utf8",
                                          "application/json; charset=\"gbk\"",
                                          "application/json; charset=",
                                          "application/json; charset",
                                          "application/json; charset=utf-8; charset=gbk",
                                          "application/json; charset=\"utf-8",
                                          "application/x-ndjson; charset=gbk",
                                          "application/x-ndjson; charset=iso-8859-1"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        assert_int_equal(call("POST", "/v1/records", NULL, refused[i], gbk), 415);
        assert_problem(415, YC_API_PROBLEM_MEDIA_TYPE, NULL);
        assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, refused[i],
                              "{\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\"}"),
                         415);
        assert_problem(415, YC_API_PROBLEM_MEDIA_TYPE, NULL);
    }
    static const char *const accepted[] = {
        "application/json; charset=utf-8",     "application/json;charset=UTF-8",
        "application/json; charset=\"utf-8\"", "application/json ; charset=Utf-8 ; q=1",
        "application/json; foo=bar",           "application/json;"};
    for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++) {
        assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, accepted[i],
                              "{\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\"}"),
                         200);
        assert_int_equal(call("POST", "/v1/records", NULL, accepted[i], rec), 200);
    }
    assert_int_equal(call("POST", "/v1/records", NULL, "application/x-ndjson; charset=utf-8", rec),
                     200);
    /* the same GBK bytes declared as UTF-8: the body is what is wrong (400) */
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", gbk), 400);
    assert_problem(400, YC_API_PROBLEM_MALFORMED_JSON, "");
}

/* Defect 4: an unknown member of the lookup body is named (unless its name could be a document
 * number); every other 400 names its member. */
static void lookup_subject__unknown_member__400_naming_it(void **state)
{
    (void)state;
    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\",\"x\":1}", "/x"},
        {"{\"x_1\":null,\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\"}", "/x_1"},
        /* a name that is a document number, or needs escaping, is not echoed: the whole body */
        {"{\"doc_type\":\"resident_id\",\"number\":\"1\",\"330782195810317029\":1}", ""},
        {"{\"doc_type\":\"resident_id\",\"number\":\"1\",\"a/b\":1}", ""},
        {"{\"doc_type\":1,\"number\":\"330782195810317029\"}", "/doc_type"},
        {"{\"doc_type\":\"resident_idx\",\"number\":\"330782195810317029\"}", "/doc_type"},
        {"{\"doc_type\":\"resident_id\"}", "/number"},
        {"{\"doc_type\":\"resident_id\",\"number\":null}", "/number"},
        {"{\"doc_type\":\"passport\",\"number\":\"E12345678\",\"country\":\"USAX\"}", "/country"},
        {"{\"doc_type\":\"passport\",\"number\":\"E12345678\",\"country\":7}", "/country"},
        {"{\"doc_type\":\"passport\",\"number\":\"E1\",\"country\":\"USA\"}", "/number"},
        {"[]", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(
            call("POST", "/v1/subjects/lookup", NULL, "application/json", cases[i].body), 400);
        assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, cases[i].field);
        assert_null(strstr(g_res.body, "330782195810317029"));
    }
}

/* Defect 5: a country with a document type other than passport names /country and says why. */
static void lookup_subject__resident_id_with_country__400_country_not_taken(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\",\"country\":\"CHN\"}",
        "{\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\",\"country\":\"\"}",
        ("{\"doc_type\":\"foreign_permanent_resident_id\",\"number\":\"USA330782800101\","
         "\"country\":\"USA\"}"),
        "{\"doc_type\":\"business_friend_card\",\"number\":\"YW123456\",\"country\":null}"};
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json", bodies[i]),
                         400);
        assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "/country");
        json_t *j = body_json();
        assert_string_equal(str_at(j, "detail"),
                            "only a passport takes an issuing country; omit country for this "
                            "doc_type");
        json_decref(j);
    }
    /* a passport without one: the country is missing */
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"passport\",\"number\":\"E12345678\"}"),
                     400);
    assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "/country");
    /* without the country the same resident_id is found */
    assert_int_equal(call("POST", "/v1/subjects/lookup", NULL, "application/json",
                          "{\"doc_type\":\"resident_id\",\"number\":\"330782195810317029\"}"),
                     200);
}

/* Defect 6: /healthz and /readyz take no query parameter (400 like every route). */
static void get_healthz_readyz__query_parameter__400_naming_it(void **state)
{
    (void)state;
    static const char *const queries[] = {"x=1", "x", "=", "status=ok&"};
    /* issue 6 review item 7: the parameter's name when nameable (an empty one is not) */
    static const char *const fields[] = {"x", "x", "query", "status"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        assert_int_equal(call("GET", "/healthz", queries[i], NULL, NULL), 400);
        assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, fields[i]);
        assert_int_equal(call("HEAD", "/readyz", queries[i], NULL, NULL), 400);
        assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, fields[i]);
    }
    assert_int_equal(call("GET", "/healthz", "", NULL, NULL), 200);
    assert_int_equal(call("GET", "/healthz", "&", NULL, NULL), 200);
    assert_int_equal(call("GET", "/readyz", "&&", NULL, NULL), 200);
}

/* Defect 6: empty query components are ignored, leading, trailing or doubled alike. */
static void yc_api_handle__empty_query_components__ignored_both_ways(void **state)
{
    (void)state;
    const char *path = "/v1/subjects/91330782MA26FY5M25/records";
    assert_int_equal(call("GET", path, "limit=1", NULL, NULL), 200);
    char *plain = strdup(g_res.body);
    assert_non_null(plain);
    static const char *const same[] = {"&limit=1", "limit=1&", "&&limit=1&&", "&limit=1&"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        assert_int_equal(call("GET", path, same[i], NULL, NULL), 200);
        assert_string_equal(g_res.body, plain);
    }
    free(plain);
    assert_int_equal(call("GET", path, "&limit=1&&limit=2", NULL, NULL), 400);
    assert_problem(400, YC_API_PROBLEM_INVALID_PARAMETER, "limit");
    assert_int_equal(
        call("GET", "/v1/subjects/" MERCHANT "/score", "&as_of=2024-02-29&", NULL, NULL), 200);
}

/* Defect 6: an empty NDJSON body is 400 invalid-field, as an empty JSON body is a 400. */
static void post_records__empty_ndjson_body__400_invalid_field(void **state)
{
    (void)state;
    static const char *const empty[] = {"", "\n", " \t\r\n\n  \n"};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        assert_int_equal(call("POST", "/v1/records", NULL, "application/x-ndjson", empty[i]), 400);
        assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "");
        assert_int_equal(
            call("POST", "/v1/records", "atomic=true", "application/x-ndjson", empty[i]), 400);
        assert_problem(400, YC_API_PROBLEM_INVALID_FIELD, "");
    }
    assert_int_equal(call("POST", "/v1/records", NULL, "application/json", ""), 400);
    assert_problem(400, YC_API_PROBLEM_MALFORMED_JSON, "");
    /* one line that is not a record is an item, as before */
    assert_int_equal(call("POST", "/v1/records", NULL, "application/x-ndjson", "7\n"), 200);
    json_t *j = body_json();
    json_t *r0 = json_array_get(json_object_get(j, "results"), 0);
    assert_string_equal(str_at(json_object_get(r0, "error"), "reason"), "not a JSON object");
    json_decref(j);
}

/* ---- deferred answers (yc_api_pending) ---- */

typedef struct done_rec {
    atomic_int calls;
    pthread_t thread; /* where the callback ran */
    int status;
    const char *content_type;
    char body[16];
    size_t body_len;
} done_rec;

static void on_done(void *ctx, yc_api_response *res)
{
    done_rec *r = ctx;
    r->thread = pthread_self();
    r->status = res->status;
    r->content_type = res->content_type;
    r->body_len = res->body_len < sizeof r->body ? res->body_len : sizeof r->body;
    if (r->body_len > 0)
        memcpy(r->body, res->body, r->body_len);
    if (res->pending != NULL)
        r->status = -1; /* must be NULL */
    yc_api_response_clear(res);
    atomic_fetch_add(&r->calls, 1);
}

typedef struct completer_arg {
    yc_api_pending *p;
    pthread_barrier_t *go; /* NULL: start at once */
    bool zeroed;           /* the completer's response was zeroed */
} completer_arg;

static void *complete_main(void *arg)
{
    completer_arg *a = arg;
    yc_api_response res = {.status = 201, .content_type = "application/json"};
    res.body = yc_alloc(3);
    if (res.body == NULL)
        abort();
    memcpy(res.body, "{}", 3);
    res.body_len = 2;
    if (a->go != NULL)
        (void)pthread_barrier_wait(a->go);
    yc_api_pending_complete(a->p, &res);
    a->zeroed = res.status == 0 && res.body == NULL && res.body_len == 0;
    return NULL;
}

static void assert_delivered(const done_rec *r)
{
    assert_int_equal(atomic_load(&r->calls), 1);
    assert_int_equal(r->status, 201);
    assert_string_equal(r->content_type, "application/json");
    assert_int_equal(r->body_len, 2);
    assert_memory_equal(r->body, "{}", 2);
}

static void yc_api_pending_bind__before_complete__once_on_completing_thread(void **state)
{
    (void)state;
    yc_api_pending *p = NULL;
    assert_int_equal(yc_api_pending_new(&p), YC_OK);
    done_rec rec = {0};
    yc_api_pending_bind(p, on_done, &rec);
    assert_int_equal(atomic_load(&rec.calls), 0); /* not yet answered */
    completer_arg a = {.p = p};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, complete_main, &a), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_delivered(&rec);
    assert_true(pthread_equal(rec.thread, t));
    assert_true(a.zeroed);
}

static void yc_api_pending_complete__before_bind__once_on_binding_thread(void **state)
{
    (void)state;
    yc_api_pending *p = NULL;
    assert_int_equal(yc_api_pending_new(&p), YC_OK);
    done_rec rec = {0};
    completer_arg a = {.p = p};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, complete_main, &a), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(a.zeroed);
    assert_int_equal(atomic_load(&rec.calls), 0);
    yc_api_pending_bind(p, on_done, &rec); /* runs the callback before it returns */
    assert_delivered(&rec);
    assert_true(pthread_equal(rec.thread, pthread_self()));
}

/* Bind and complete started together from two threads, 500 times: exactly one call each. */
static void yc_api_pending_bind__racing_complete__exactly_once(void **state)
{
    (void)state;
    for (int i = 0; i < 500; i++) {
        yc_api_pending *p = NULL;
        assert_int_equal(yc_api_pending_new(&p), YC_OK);
        done_rec rec = {0};
        pthread_barrier_t go;
        assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
        completer_arg a = {.p = p, .go = &go};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, complete_main, &a), 0);
        (void)pthread_barrier_wait(&go);
        yc_api_pending_bind(p, on_done, &rec);
        assert_int_equal(pthread_join(t, NULL), 0);
        (void)pthread_barrier_destroy(&go);
        assert_delivered(&rec);
        assert_true(pthread_equal(rec.thread, t) || pthread_equal(rec.thread, pthread_self()));
    }
}

static void yc_api_pending_abandon__never_handed_out__freed(void **state)
{
    (void)state;
    yc_api_pending *p = NULL;
    assert_int_equal(yc_api_pending_new(&p), YC_OK);
    assert_non_null(p);
    yc_api_pending_abandon(p); /* ASan: no leak */
    yc_api_pending_abandon(NULL);
}

/* ---- issue 6 groundwork: who is calling (yc_api_bearer_parse(), yc_api_identify()) ---- */

static void assert_bearer(const char *value, size_t len, const char *want_token)
{
    const char *t = NULL;
    size_t tl = 0;
    assert_int_equal(yc_api_bearer_parse(value, len, &t, &tl), YC_OK);
    assert_int_equal(tl, strlen(want_token));
    assert_memory_equal(t, want_token, tl);
    assert_ptr_equal(t, value + 7); /* points into the value, after "Bearer " */
}

static void yc_api_bearer_parse__bearer_one_space_b64token__the_token(void **state)
{
    (void)state;
    assert_bearer("Bearer x", 8, "x");
    assert_bearer("Bearer Az09-._~+/", 17, "Az09-._~+/");
    assert_bearer("Bearer abc==", 12, "abc==");
    /* len bounds the value: bytes after it are not read */
    assert_bearer("Bearer xyz trailing", 10, "xyz");
}

static void yc_api_bearer_parse__scheme_in_any_case__the_token(void **state)
{
    (void)state;
    assert_bearer("bearer x", 8, "x");
    assert_bearer("BEARER x", 8, "x");
    assert_bearer("bEaReR x", 8, "x");
}

static void yc_api_bearer_parse__malformed__invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",           "Bearer",     "Bearer ",   "Bearer  x", "Basic x",   "Basic eDp5",
        " Bearer x",  "Bearer x ",  "Bearer\tx", "Bearerx",   "Bearer\nx", "Bearer =x",
        "Bearer x=y", "Bearer x y", "Bearer x,", "Bearer é",  "Bearers x", "Token x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *t = "unchanged";
        size_t tl = 99;
        assert_int_equal(yc_api_bearer_parse(bad[i], strlen(bad[i]), &t, &tl), YC_ERR_INVALID);
        assert_string_equal(t, "unchanged"); /* outputs written only on YC_OK */
        assert_int_equal(tl, 99);
    }
    const char *t = NULL;
    size_t tl = 0;
    assert_int_equal(yc_api_bearer_parse("Bearer x\0y", 10, &t, &tl), YC_ERR_INVALID);
    assert_int_equal(yc_api_bearer_parse(NULL, 0, &t, &tl), YC_ERR_INVALID);
}

static yc_api_ident identify(yc_api *api, const char *authorization, bool malformed)
{
    yc_api_request req = {.method = "GET",
                          .path = "/healthz",
                          .authorization = authorization,
                          .authorization_malformed = malformed};
    yc_api_ident id;
    memset(&id, 0xA5, sizeof id); /* cleared by the call */
    assert_int_equal(yc_api_identify(api, &req, &id), YC_OK);
    return id;
}

static void assert_anonymous(const yc_api_ident *id, yc_api_ident_kind kind)
{
    assert_int_equal(id->kind, kind);
    assert_string_equal(id->client_id, "");
    assert_string_equal(id->subject, "");
    assert_int_equal(id->n_authorities, 0);
}

static void remove_clients(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/clients.json", g_data);
    (void)remove(p);
    snprintf(p, sizeof p, "%s/clients.lock", g_data);
    (void)remove(p);
    snprintf(p, sizeof p, "%s/keys/clients.key", g_data);
    (void)remove(p);
}

static void yc_api_identify__each_credential__kind_and_client_copied(void **state)
{
    (void)state;
    char admin_id[YC_CLIENT_ID_LEN + 1], admin_tok[YC_CLIENT_TOKEN_LEN + 1];
    char prov_id[YC_CLIENT_ID_LEN + 1], prov_tok[YC_CLIENT_TOKEN_LEN + 1];
    char subj_id[YC_CLIENT_ID_LEN + 1], subj_tok[YC_CLIENT_TOKEN_LEN + 1];
    const char *const auths[] = {"92330782MA2KDDUY4M"};
    yc_client_spec admin = {.role = YC_ROLE_ADMIN, .name = "Ops"};
    yc_client_spec prov = {
        .role = YC_ROLE_PROVIDER, .name = "Yiwu AMR", .authorities = auths, .n_authorities = 1};
    yc_client_spec subj = {.role = YC_ROLE_SUBJECT, .name = "A shop", .subject = auths[0]};
    assert_int_equal(yc_clients_add(g_data, &admin, 1796000000, admin_id, admin_tok), YC_OK);
    assert_int_equal(yc_clients_add(g_data, &prov, 1796000000, prov_id, prov_tok), YC_OK);
    assert_int_equal(yc_clients_add(g_data, &subj, 1796000000, subj_id, subj_tok), YC_OK);
    yc_api *api = NULL;
    assert_int_equal(yc_api_open(g_data, NULL, &api), YC_OK);
    char h[128];

    yc_api_ident id = identify(api, NULL, false);
    assert_anonymous(&id, YC_API_IDENT_NONE);

    snprintf(h, sizeof h, "Bearer %s", admin_tok);
    id = identify(api, h, false);
    assert_int_equal(id.kind, YC_API_IDENT_CLIENT);
    assert_string_equal(id.client_id, admin_id);
    assert_int_equal(id.role, YC_ROLE_ADMIN);
    assert_string_equal(id.subject, "");
    assert_int_equal(id.n_authorities, 0);

    snprintf(h, sizeof h, "bearer %s", prov_tok);
    id = identify(api, h, false);
    assert_int_equal(id.kind, YC_API_IDENT_CLIENT);
    assert_string_equal(id.client_id, prov_id);
    assert_int_equal(id.role, YC_ROLE_PROVIDER);
    assert_int_equal(id.n_authorities, 1);
    assert_string_equal(id.authorities[0], "92330782MA2KDDUY4M");
    assert_string_equal(id.subject, "");

    snprintf(h, sizeof h, "BEARER %s", subj_tok);
    id = identify(api, h, false);
    assert_int_equal(id.kind, YC_API_IDENT_CLIENT);
    assert_string_equal(id.client_id, subj_id);
    assert_int_equal(id.role, YC_ROLE_SUBJECT);
    assert_string_equal(id.subject, "92330782MA2KDDUY4M");
    assert_int_equal(id.n_authorities, 0);

    /* well-formed credentials that name nobody: invalid */
    snprintf(h, sizeof h, "Bearer %.45s", admin_tok); /* 45 characters: one short */
    id = identify(api, h, false);
    assert_anonymous(&id, YC_API_IDENT_INVALID);
    snprintf(h, sizeof h, "Bearer %sA", admin_tok); /* 47: one past */
    id = identify(api, h, false);
    assert_anonymous(&id, YC_API_IDENT_INVALID);
    snprintf(h, sizeof h, "Bearer %s", admin_tok);
    h[7 + 10] = h[7 + 10] == 'A' ? 'B' : 'A'; /* right shape, unknown */
    id = identify(api, h, false);
    assert_anonymous(&id, YC_API_IDENT_INVALID);

    /* malformed fields */
    static const char *const pre[] = {"Bearer  ", "Basic ", "", "Bearer\t"};
    for (size_t i = 0; i < sizeof pre / sizeof *pre; i++) {
        snprintf(h, sizeof h, "%s%s", pre[i], admin_tok);
        id = identify(api, h, false);
        assert_anonymous(&id, YC_API_IDENT_MALFORMED);
    }
    snprintf(h, sizeof h, "Bearer %s ", admin_tok); /* a trailing space */
    id = identify(api, h, false);
    assert_anonymous(&id, YC_API_IDENT_MALFORMED);
    id = identify(api, "", false);
    assert_anonymous(&id, YC_API_IDENT_MALFORMED);
    snprintf(h, sizeof h, "Bearer %s", admin_tok); /* the transport's flag wins */
    id = identify(api, h, true);
    assert_anonymous(&id, YC_API_IDENT_MALFORMED);
    id = identify(api, NULL, true);
    assert_anonymous(&id, YC_API_IDENT_MALFORMED);

    /* yc_api_handle names the client in the response, and only a client */
    yc_api_response res = {0};
    yc_api_request req = {.method = "GET", .path = "/healthz", .query = "", .authorization = h};
    assert_int_equal(yc_api_handle(api, &req, &res), YC_OK);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.client_id, admin_id);
    yc_api_response_clear(&res);
    req.authorization_malformed = true;
    assert_int_equal(yc_api_handle(api, &req, &res), YC_OK);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.client_id, "");
    yc_api_response_clear(&res);
    req = (yc_api_request){.method = "GET", .path = "/nope", .query = "", .authorization = h};
    assert_int_equal(yc_api_handle(api, &req, &res), YC_OK);
    assert_int_equal(res.status, 404); /* any answer, same as without a token */
    assert_string_equal(res.client_id, admin_id);
    yc_api_response_clear(&res);

    /* revoked while the instance runs: no longer recognised within 1.5 s (checks: 1/s) */
    assert_int_equal(yc_clients_revoke(g_data, admin_id, 1796000001), YC_OK);
    struct timespec t0, t1;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
    int64_t waited_ms = -1;
    for (int i = 0; i < 300; i++) {
        id = identify(api, h, false);
        assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
        if (id.kind == YC_API_IDENT_INVALID) {
            waited_ms =
                (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
            break;
        }
        assert_int_equal(id.kind, YC_API_IDENT_CLIENT); /* until then, still the admin */
        struct timespec nap = {0, 10 * 1000 * 1000};
        (void)nanosleep(&nap, NULL);
    }
    assert_true(waited_ms >= 0 && waited_ms <= 1500);
    snprintf(h, sizeof h, "Bearer %s", prov_tok); /* the others stay */
    id = identify(api, h, false);
    assert_int_equal(id.kind, YC_API_IDENT_CLIENT);
    assert_string_equal(id.client_id, prov_id);

    yc_api_close(api);
    remove_clients();
}

/* A registry that no longer loads recognises nobody (not the old snapshot); no clients.json at
 * all: nobody either, and the instance still opens. */
static void yc_api_identify__registry_unloadable_or_missing__invalid(void **state)
{
    (void)state;
    char id_s[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1], h[128];
    yc_client_spec fi = {.role = YC_ROLE_FI, .name = "Bank"};
    yc_api *api = NULL;
    assert_int_equal(yc_api_open(g_data, NULL, &api), YC_OK); /* no clients.json yet */
    assert_int_equal(yc_clients_add(g_data, &fi, 1796000000, id_s, tok), YC_OK);
    snprintf(h, sizeof h, "Bearer %s", tok);
    yc_api *fresh = NULL;
    assert_int_equal(yc_api_open(g_data, NULL, &fresh), YC_OK);
    yc_api_ident id = identify(fresh, h, false);
    assert_int_equal(id.kind, YC_API_IDENT_CLIENT);
    assert_string_equal(id.client_id, id_s);
    /* the registry breaks: within 1.5 s nobody is recognised */
    char p[256];
    snprintf(p, sizeof p, "%s/clients.json", g_data);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("{\"format\":\"yrdcredit-clients-v1\",\"clients\":[],\"extra\":1}", f);
    assert_int_equal(fclose(f), 0);
    bool gone = false;
    for (int i = 0; i < 150 && !gone; i++) {
        id = identify(fresh, h, false);
        gone = id.kind == YC_API_IDENT_INVALID;
        struct timespec nap = {0, 10 * 1000 * 1000};
        (void)nanosleep(&nap, NULL);
    }
    assert_true(gone);
    yc_api_close(fresh);
    yc_api_close(api);
    remove_clients();
    assert_int_equal(yc_api_open(g_data, NULL, &api), YC_OK);
    id = identify(api, h, false);
    assert_anonymous(&id, YC_API_IDENT_INVALID);
    yc_api_close(api);
}

/* One request on api with the given authorization field (NULL: none); returns the status. */
static int call_as(yc_api *api, const char *authorization, const char *method, const char *path)
{
    yc_api_response_clear(&g_res);
    const yc_api_request req = {
        .method = method, .path = path, .query = "", .authorization = authorization};
    assert_int_equal(yc_api_handle(api, &req, &g_res), YC_OK);
    settle(&g_res);
    assert_non_null(g_res.body);
    return g_res.status;
}

/* Issue 6 item 1: access control is on when config.json says nothing (etc/config.json has no
 * "auth"): a token route without a token is 401, a public one is served; with the admin's
 * token the route answers. */
static void yc_api_handle__auth_absent_from_config__token_routes_401_public_200(void **state)
{
    (void)state;
    yc_config cfg;
    assert_int_equal(yc_config_load(g_data, &cfg, NULL), YC_OK);
    assert_true(cfg.auth.required);
    static const char *const token_routes[][2] = {
        {"GET", "/v1/subjects/" MERCHANT "/score"},
        {"GET", "/v1/subjects/" MERCHANT "/records"},
        {"POST", "/v1/records"},
        {"POST", "/v1/subjects/lookup"},
        {"GET", "/v1/measures"},
    };
    for (size_t i = 0; i < sizeof token_routes / sizeof *token_routes; i++) {
        assert_int_equal(call_as(g_api, NULL, token_routes[i][0], token_routes[i][1]), 401);
        assert_problem(401, YC_API_PROBLEM_UNAUTHORIZED, "authorization");
        assert_string_equal(g_res.www_authenticate, "Bearer");
    }
    assert_int_equal(call_as(g_api, NULL, "GET", "/healthz"), 200);
    assert_int_equal(call_as(g_api, NULL, "GET", "/readyz"), 200);
    assert_int_equal(call_as(g_api, NULL, "GET", "/.well-known/jwks.json"), 200);
    assert_int_equal(call_as(g_api, g_auth, "GET", "/v1/subjects/" MERCHANT "/score"), 200);
    assert_int_equal(call_as(g_api, g_auth, "GET", "/v1/subjects/" MERCHANT "/records"), 200);
    assert_int_equal(call_as(g_api, NULL, "GET", "/v1/subjects/" MERCHANT "/records"), 401);
}

/* An explicit "auth": {"required": false} (a loopback demo) serves token routes without a
 * token, exactly as with the admin's token. */
static void yc_api_handle__auth_required_false__token_routes_served_without_token(void **state)
{
    (void)state;
    yc_api_close(g_api);
    g_api = NULL;
    static yc_config cfg;
    assert_int_equal(yc_config_load(g_data, &cfg, NULL), YC_OK);
    cfg.auth.required = false;
    const yc_api_opts o = {.config = &cfg};
    yc_api *api = NULL;
    assert_int_equal(yc_api_open(g_data, &o, &api), YC_OK);
    static const char path[] = "/v1/subjects/" MERCHANT "/score";
    assert_int_equal(call_as(api, g_auth, "GET", path), 200);
    char *with_token = yc_alloc(g_res.body_len + 1);
    assert_non_null(with_token);
    memcpy(with_token, g_res.body, g_res.body_len + 1);
    assert_int_equal(call_as(api, NULL, "GET", path), 200);
    assert_string_equal(g_res.body, with_token);
    yc_free(with_token);
    assert_int_equal(call_as(api, NULL, "GET", "/v1/subjects/" MERCHANT "/records"), 200);
    assert_int_equal(call_as(api, NULL, "POST", "/v1/subjects/lookup"), 415); /* not 401 */
    back_to_g_api(api);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yc_api_pending_bind__before_complete__once_on_completing_thread),
        cmocka_unit_test(yc_api_pending_complete__before_bind__once_on_binding_thread),
        cmocka_unit_test(yc_api_pending_bind__racing_complete__exactly_once),
        cmocka_unit_test(yc_api_pending_abandon__never_handed_out__freed),
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
        cmocka_unit_test(list_measures__catalogues_sorted__region_then_file_order),
        cmocka_unit_test(list_measures__one_bad_catalogue_or_no_dir__503_empty_dir__200),
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
        cmocka_unit_test(yc_api_pct_decode__unreserved_decoded_others_kept__exact),
        cmocka_unit_test(yc_api_handle__percent_encoded_path_and_query__same_as_plain),
        cmocka_unit_test(yc_api_query_value_is_valid__document_numbers_and_bad_values__false),
        cmocka_unit_test(post_records_and_lookup__charset_other_than_utf8__415),
        cmocka_unit_test(lookup_subject__unknown_member__400_naming_it),
        cmocka_unit_test(lookup_subject__resident_id_with_country__400_country_not_taken),
        cmocka_unit_test(get_healthz_readyz__query_parameter__400_naming_it),
        cmocka_unit_test(yc_api_handle__empty_query_components__ignored_both_ways),
        cmocka_unit_test(post_records__empty_ndjson_body__400_invalid_field),
        cmocka_unit_test(post_records__cf_xk_rows_of_samples__same_ids_and_records_as_cli_import),
        cmocka_unit_test(post_records__sample_rows_again__duplicates_of_imported),
        cmocka_unit_test(post_records__bad_cf_xk_rows__same_reject_as_csv_import),
        cmocka_unit_test(post_records__cf_row_form_errors__item_error_naming_field),
        cmocka_unit_test(post_records__atomic_with_bad_xk_row__422_nothing_stored),
        cmocka_unit_test(safety__post_records__cf_body_at_limit__200_and_over__413),
        cmocka_unit_test(safety__post_records__cf_rows_at_item_max__200_and_over__413),
        cmocka_unit_test(safety__post_records__cf_value_at_field_max__imported_and_over__error),
        cmocka_unit_test(safety__post_records__cf_row_of_256_fields__passes_count_and_257__error),
        cmocka_unit_test(yc_import_rows__kinds_rules_case_atomic__as_documented),
        /* last: they add a record to a sample subject */
        cmocka_unit_test(get_score__cache_hit__same_bytes_as_cache_off_and_engine),
        cmocka_unit_test(regress__issue_4__attestation_commit__score_cache_still_hits),
        cmocka_unit_test(get_score__other_as_of_or_worker__miss_and_today_resolved),
        cmocka_unit_test(get_score__cached_subject_bad_query_or_invalid_id__same_400s),
        cmocka_unit_test(safety__score_cache__at_bound_kept_and_one_past_evicts_one),
        cmocka_unit_test(get_score__record_posted_for_subject__next_answer_recomputed),
        cmocka_unit_test(get_score__allocation_fails_at_each_step__served_or_503_and_cache_sound),
        cmocka_unit_test(yc_api_open__config_option__its_model_and_bounds_used),
        cmocka_unit_test(yc_api_handle__auth_absent_from_config__token_routes_401_public_200),
        cmocka_unit_test(yc_api_handle__auth_required_false__token_routes_served_without_token),
        cmocka_unit_test(yc_api_bearer_parse__bearer_one_space_b64token__the_token),
        cmocka_unit_test(yc_api_bearer_parse__scheme_in_any_case__the_token),
        cmocka_unit_test(yc_api_bearer_parse__malformed__invalid),
        cmocka_unit_test(yc_api_identify__each_credential__kind_and_client_copied),
        cmocka_unit_test(yc_api_identify__registry_unloadable_or_missing__invalid),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
