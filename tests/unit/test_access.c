/* Tests for svc/api/access.c (issue 6 items 2 and 3): purpose, consent and the query-log hook
 * of yc_api_handle(), through the API with a real store and client registry, auth.required on.
 * A logged read is answered later (a pending); the tests bind it and wait for the answer. */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../svc/api/api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/config.h"
#include "yrdcredit/date.h"
#include "yrdcredit/import.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_access.h"

#define MERCHANT "92330782MA2KDDUY4M"

static char g_base[64], g_data[128];
static yc_api *g_api;
static char g_fi[7 + YC_CLIENT_TOKEN_LEN + 1], g_admin[7 + YC_CLIENT_TOKEN_LEN + 1];
static char g_fi_id[YC_CLIENT_ID_LEN + 1], g_admin_id[YC_CLIENT_ID_LEN + 1];
static char g_person[YC_SUBJECT_ID_MAX + 1];

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

static yc_err ingest_batch(void *ctx, yc_record *recs, size_t n)
{
    return yc_store_ingest(ctx, recs, n, NULL);
}

static void import_samples(void)
{
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    static const char *const files[] = {"config.json", "model/score-v1.json",
                                        "rules/penalty-categories.json", "calendar.txt"};
    char src[512], dst[512];
    snprintf(dst, sizeof dst, "%s/model", g_data);
    assert_int_equal(mkdir(dst, 0755), 0);
    snprintf(dst, sizeof dst, "%s/rules", g_data);
    assert_int_equal(mkdir(dst, 0755), 0);
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        snprintf(src, sizeof src, "%s/etc/%s", root, files[k]);
        snprintf(dst, sizeof dst, "%s/%s", g_data, files[k]);
        copy_file(src, dst);
    }
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
    static const char *const samples[] = {"yiwu-records.jsonl", "yiwu-sxbzxr.jsonl",
                                          "yiwu-xzxk-2024-bom.csv"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        snprintf(src, sizeof src, "%s/samples/%s", root, samples[i]);
        yc_import_opts o = {.today = yc_date_today_shanghai(),
                            .windows = windows,
                            .rules = rules,
                            .on_batch = ingest_batch,
                            .ctx = st};
        yc_import_stats stats;
        assert_int_equal(yc_import_file(src, &o, &stats), YC_OK);
    }
    yc_store_close(st);
    yc_rules_free(rules);
    yc_model_free(model);
}

static void add_client(yc_client_role role, const char *name, const char *subject,
                       char auth[static 7 + YC_CLIENT_TOKEN_LEN + 1], char id[YC_CLIENT_ID_LEN + 1])
{
    const yc_client_spec spec = {.role = role, .name = name, .subject = subject};
    char tok[YC_CLIENT_TOKEN_LEN + 1], cid[YC_CLIENT_ID_LEN + 1];
    assert_int_equal(yc_clients_add(g_data, &spec, (int64_t)time(NULL), cid, tok), YC_OK);
    snprintf(auth, 7 + YC_CLIENT_TOKEN_LEN + 1, "Bearer %s", tok);
    if (id != NULL)
        memcpy(id, cid, sizeof cid);
}

/* ---- a request through yc_api_handle(), waiting for a deferred answer ---- */

typedef struct answer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int status;
    char body[4096];
} answer;

static void on_answer(void *ctx, yc_api_response *res)
{
    answer *a = ctx;
    pthread_mutex_lock(&a->mu);
    a->status = res->status;
    snprintf(a->body, sizeof a->body, "%s", res->body != NULL ? res->body : "");
    a->done = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    yc_api_response_clear(res);
}

/* The status answered (waiting up to 10 s for a deferred one); body copied into body. */
static int request(const char *method, const char *path, const char *query, const char *auth,
                   char body[static 4096], bool *ret_deferred)
{
    yc_api_request req = {.method = method, .path = path, .query = query, .authorization = auth};
    yc_api_response res = {0};
    assert_int_equal(yc_api_handle(g_api, &req, &res), YC_OK);
    *ret_deferred = res.status == 0;
    if (res.status != 0) {
        snprintf(body, 4096, "%s", res.body != NULL ? res.body : "");
        int st = res.status;
        yc_api_response_clear(&res);
        return st;
    }
    answer a = {.done = false};
    pthread_mutex_init(&a.mu, NULL);
    pthread_cond_init(&a.cv, NULL);
    yc_api_pending_bind(res.pending, on_answer, &a);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&a.mu);
    while (!a.done && pthread_cond_timedwait(&a.cv, &a.mu, &until) == 0)
        ;
    const bool done = a.done;
    pthread_mutex_unlock(&a.mu);
    assert_true(done);
    pthread_cond_destroy(&a.cv);
    pthread_mutex_destroy(&a.mu);
    memcpy(body, a.body, 4096);
    return a.status;
}

/* The subject's query log, newest first (at most 100 entries); waits up to 2 s for at least
 * min entries (an entry of a refused read follows its answer within the 10 ms window). */
static size_t log_of(const char *sid, size_t min, yc_store_query **ret)
{
    char next[YC_STORE_ACCESS_CURSOR_MAX + 1];
    size_t n = 0;
    for (int i = 0; i < 200; i++) {
        yc_free(*ret);
        *ret = NULL;
        assert_int_equal(yc_store_queries_by_subject(g_api->store, sid, NULL, 100, ret, &n, next),
                         YC_OK);
        if (n >= min)
            break;
        usleep(10000);
    }
    return n;
}

static const char *member(const char *json, const char *key, char *out, size_t cap)
{
    json_error_t e;
    json_t *o = json_loads(json, 0, &e);
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(out, cap, "%s", s != NULL ? s : "(none)");
    json_decref(o);
    return out;
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_base, sizeof g_base, "/tmp/yc_access_XXXXXX");
    if (mkdtemp(g_base) == NULL)
        return -1;
    snprintf(g_data, sizeof g_data, "%s/data", g_base);
    if (yc_store_init_dir(g_data) != YC_OK)
        return -1;
    import_samples();
    add_client(YC_ROLE_FI, "Bank A", NULL, g_fi, g_fi_id);
    add_client(YC_ROLE_ADMIN, "Operator", NULL, g_admin, g_admin_id);
    yc_config cfg;
    if (yc_config_load(g_data, &cfg, NULL) != YC_OK)
        return -1;
    cfg.auth.required = true;
    yc_api_opts opts = {.config = &cfg};
    if (yc_api_open(g_data, &opts, &g_api) != YC_OK)
        return -1;
    /* the pseudonym of a person of samples/ (the admin may look up) */
    yc_api_request req = {.method = "POST",
                          .path = "/v1/subjects/lookup",
                          .content_type = "application/json",
                          .authorization = g_admin};
    static const char doc[] = "{\"doc_type\":\"resident_id\",\"number\":\"330782196802154703\"}";
    req.body = (const uint8_t *)doc;
    req.body_len = sizeof doc - 1;
    yc_api_response res = {0};
    if (yc_api_handle(g_api, &req, &res) != YC_OK || res.status != 200)
        return -1;
    member(res.body, "subject_id", g_person, sizeof g_person);
    yc_api_response_clear(&res);
    return g_person[0] == 'P' ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_teardown(void **state)
{
    (void)state;
    yc_api_close(g_api);
    return nftw(g_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- tests ---- */

static void
yc_api_handle__fi_merchant_read_with_purpose__200_after_the_entry_is_durable(void **state)
{
    (void)state;
    char body[4096], s[64];
    bool deferred = false;
    yc_store_query *q = NULL;
    const size_t before = log_of(MERCHANT, 0, &q);
    int st = request("GET", "/v1/subjects/" MERCHANT "/score", "purpose=trade_credit", g_fi, body,
                     &deferred);
    assert_int_equal(st, 200);
    assert_true(deferred); /* answered through the query log's commit */
    assert_string_equal(member(body, "subject_id", s, sizeof s), MERCHANT);
    /* durable before the answer: no waiting needed */
    char next[YC_STORE_ACCESS_CURSOR_MAX + 1];
    size_t n = 0;
    yc_free(q);
    q = NULL;
    assert_int_equal(yc_store_queries_by_subject(g_api->store, MERCHANT, NULL, 100, &q, &n, next),
                     YC_OK);
    assert_int_equal(n, before + 1);
    assert_string_equal(q[0].client_id, g_fi_id);
    assert_int_equal(q[0].role, YC_ROLE_FI);
    assert_string_equal(q[0].purpose, "trade_credit");
    assert_string_equal(q[0].consent_id, "");
    assert_string_equal(q[0].route, "score");
    assert_int_equal(q[0].status, 200);
    yc_free(q);
}

static void yc_api_handle__fi_person_read_without_consent__403_missing_and_logged(void **state)
{
    (void)state;
    char body[4096], s[64], path[96];
    bool deferred = true;
    yc_store_query *q = NULL;
    const size_t before = log_of(g_person, 0, &q);
    snprintf(path, sizeof path, "/v1/subjects/%s/records", g_person);
    int st = request("GET", path, "purpose=loan_approval", g_fi, body, &deferred);
    assert_int_equal(st, 403);
    assert_false(deferred); /* a refusal is answered at once */
    assert_string_equal(member(body, "reason", s, sizeof s), "missing");
    assert_string_equal(member(body, "field", s, sizeof s), "consent_id");
    assert_int_equal(log_of(g_person, before + 1, &q), before + 1);
    assert_string_equal(q[0].route, "records");
    assert_int_equal(q[0].status, 403);
    assert_string_equal(q[0].purpose, "loan_approval");
    yc_free(q);
}

static void yc_api_handle__fi_read_without_purpose__400_not_logged(void **state)
{
    (void)state;
    char body[4096], s[64];
    bool deferred = true;
    yc_store_query *q = NULL;
    const size_t before = log_of(MERCHANT, 0, &q);
    int st = request("GET", "/v1/subjects/" MERCHANT "/attestations", NULL, g_fi, body, &deferred);
    assert_int_equal(st, 400);
    assert_false(deferred);
    assert_string_equal(member(body, "field", s, sizeof s), "purpose");
    usleep(50000);
    assert_int_equal(log_of(MERCHANT, 0, &q), before);
    yc_free(q);
}

static void yc_api_handle__admin_read_without_purpose__200_logged_as_admin(void **state)
{
    (void)state;
    char body[4096];
    bool deferred = false;
    yc_store_query *q = NULL;
    const size_t before = log_of(MERCHANT, 0, &q);
    assert_int_equal(
        request("GET", "/v1/subjects/" MERCHANT "/records", NULL, g_admin, body, &deferred), 200);
    assert_true(deferred);
    assert_int_equal(log_of(MERCHANT, 0, &q), before + 1);
    assert_string_equal(q[0].client_id, g_admin_id);
    assert_int_equal(q[0].role, YC_ROLE_ADMIN);
    assert_string_equal(q[0].purpose, "");
    assert_string_equal(q[0].route, "records");
    yc_free(q);
}

static void yc_api_handle__query_log_not_running__503_never_an_unlogged_200(void **state)
{
    (void)state;
    char body[4096], s[64];
    bool deferred = false;
    yc_store_query *q = NULL;
    const size_t before = log_of(MERCHANT, 0, &q);
    yc_api_access_close(g_api); /* the committer stops: appends are refused */
    int st = request("GET", "/v1/subjects/" MERCHANT "/score", "purpose=trade_credit", g_fi, body,
                     &deferred);
    yc_api_access_open(g_api);
    assert_non_null(g_api->qlog);
    assert_int_equal(st, 503);
    assert_string_equal(member(body, "type", s, sizeof s), "urn:yrdcredit:problem:unavailable");
    assert_int_equal(log_of(MERCHANT, 0, &q), before);
    yc_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            yc_api_handle__fi_merchant_read_with_purpose__200_after_the_entry_is_durable),
        cmocka_unit_test(yc_api_handle__fi_person_read_without_consent__403_missing_and_logged),
        cmocka_unit_test(yc_api_handle__fi_read_without_purpose__400_not_logged),
        cmocka_unit_test(yc_api_handle__admin_read_without_purpose__200_logged_as_admin),
        cmocka_unit_test(yc_api_handle__query_log_not_running__503_never_an_unlogged_200),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
