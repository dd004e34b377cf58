/* Issue 7 item 4 (fault injection): fail the N-th allocation (yc_alloc_fail_after(), which
 * also counts Jansson's allocations) for every N of
 *   - the server's start-up, the sequence yrdcreditd runs: config load, yc_api_open() of a data
 *     dir made by the real `yrdcredit init` and `import` of samples/, yc_h2_server_open() with
 *     h2c and TLS on ephemeral loopback ports, yc_h2_server_run() on a thread, stop, close;
 *     every failure must be YC_ERR_NOMEM (yrdcreditd: exit 5, "out of memory");
 *   - one request of each kind through the real router (yc_api_handle()), the hook kept on
 *     until a deferred answer has arrived, so the committer threads' allocations fail as well.
 * Each N gives a clean error (start-up) or the normal answer or 503 problem+json "unavailable"
 * (requests; a deferred answer whose problem body cannot be allocated either is a bare 503,
 * counted); the ASan build checks that nothing leaks.  The loops end at the first N at which
 * no allocation failed (yc_alloc_count() grew by at most N), and that run must be the normal
 * answer: so every allocation of the sequence was failed once.  Writes use a fresh body per N
 * and afterwards each N's effect is checked to be wholly present (N answered 2xx, or 503 after
 * its commit) or wholly absent.
 *
 * usage: test_faults YRDCREDIT (the CLI binary; environment YC_SOURCE_ROOT)
 */
#define _GNU_SOURCE /* nftw, mkdtemp */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/clients.h"
#include "yrdcredit/config.h"
#include "yrdcredit/h2.h"

#define MERCHANT   "92330782MA2KDDUY4M" /* a sample 个体工商户 */
#define LEGAL      "91330782MA26FY5M25" /* a sample legal person */
#define PERSON_DOC "330782196802154703" /* a 失信被执行人 of samples/yiwu-sxbzxr.jsonl */
/* Every loop stops here at the latest (a request makes far fewer allocations). */
#define N_MAX 20000L

static const char *g_cli;
static char g_base[64], g_data[128];
static yc_api *g_api;
static yc_config g_cfg;
static yc_api_response g_res;
static char g_admin[80], g_partner[80], g_merchant[80], g_person[80], g_fi[80];
static char g_fi_id[YC_CLIENT_ID_LEN + 1];
static char g_pseudonym[64];
static long g_total_runs; /* every request or start-up run of every loop, for the report */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- fixture ---- */

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...);

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void add_client(yc_client_role role, const char *name, const char *subject, char *bearer,
                       size_t len, char *ret_id)
{
    const yc_client_spec spec = {.role = role, .name = name, .subject = subject};
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    assert_int_equal(yc_clients_add(g_data, &spec, time(NULL) - 60, id, tok), YC_OK);
    snprintf(bearer, len, "Bearer %s", tok);
    if (ret_id != NULL)
        memcpy(ret_id, id, sizeof id);
}

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
    s->res = *res;
    res->body = NULL;
    res->body_len = 0;
    s->done = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void settle(yc_api_response *res)
{
    if (res->status != 0 || res->pending == NULL)
        return;
    settle_rec s = {.done = false};
    assert_int_equal(pthread_mutex_init(&s.mu, NULL), 0);
    assert_int_equal(pthread_cond_init(&s.cv, NULL), 0);
    yc_api_pending_bind(res->pending, on_settled, &s);
    pthread_mutex_lock(&s.mu);
    while (!s.done)
        pthread_cond_wait(&s.cv, &s.mu);
    pthread_mutex_unlock(&s.mu);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    *res = s.res;
    res->pending = NULL;
}

/* One request through the router; the hook (if set by the caller) stays on until the
 * answer is complete.  Returns yc_api_handle()'s result; g_res holds the answer. */
static yc_err handle(const char *method, const char *path, const char *query, const char *auth,
                     const char *ctype, const char *body)
{
    yc_api_response_clear(&g_res);
    const yc_api_request req = {.method = method,
                                .path = path,
                                .query = query,
                                .content_type = ctype,
                                .body = (const uint8_t *)body,
                                .body_len = body != NULL ? strlen(body) : 0,
                                .authorization = auth};
    const yc_err rv = yc_api_handle(g_api, &req, &g_res);
    if (rv == YC_OK)
        settle(&g_res);
    return rv;
}

/* The same without the hook: must answer `status`; returns the parsed body (caller decrefs). */
static json_t *ok(int status, const char *method, const char *path, const char *query,
                  const char *auth, const char *ctype, const char *body)
{
    assert_int_equal(handle(method, path, query, auth, ctype, body), YC_OK);
    if (g_res.status != status)
        fprintf(stderr, "# %s %s: %d %.*s\n", method, path, g_res.status, (int)g_res.body_len,
                g_res.body != NULL ? g_res.body : "");
    assert_int_equal(g_res.status, status);
    if (g_res.content_type == NULL || strstr(g_res.content_type, "json") == NULL)
        return NULL; /* e.g. a status list (application/statuslist+jwt) */
    json_error_t err;
    json_t *j = json_loadb(g_res.body, g_res.body_len, 0, &err);
    assert_non_null(j);
    return j;
}

static long g_bare_503; /* deferred answers that could not even allocate their problem */

static void assert_503(void)
{
    assert_int_equal(g_res.status, 503);
    if (g_res.content_type == NULL) {
        /* the deferred answer's problem body could not be allocated either (the hook fails
         * every later allocation): a bare 503, as yc_api_handle()'s YC_ERR_NOMEM is sent;
         * yrdcreditd then tries once more to send its static problem (deferred_done()) */
        assert_int_equal(g_res.body_len, 0);
        g_bare_503++;
        return;
    }
    assert_string_equal(g_res.content_type, "application/problem+json");
    json_error_t err;
    json_t *j = json_loadb(g_res.body, g_res.body_len, 0, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "type")),
                        "urn:yrdcredit:problem:" YC_API_PROBLEM_UNAVAILABLE);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 503);
    json_decref(j);
}

/* ---- per-run state of the write loops, checked after the loop ---- */

#define RUNS_MAX 4096
static char g_run_id[RUNS_MAX][64]; /* jti or record id of run n */
static char *g_run_token[RUNS_MAX]; /* the attestation of run n (revoke) */
static long g_committed;            /* runs whose effect is present */

/* Every item of a paginated listing (limit 100, next_cursor) under key; caller decrefs. */
static json_t *collect(const char *path, const char *auth, const char *key)
{
    json_t *all = json_array();
    char cursor[128] = "", query[192];
    for (;;) {
        if (cursor[0] != '\0')
            snprintf(query, sizeof query, "limit=100&cursor=%s", cursor);
        else
            snprintf(query, sizeof query, "limit=100");
        json_t *j = ok(200, "GET", path, query, auth, NULL, NULL);
        json_t *items = json_object_get(j, key);
        assert_true(json_is_array(items));
        assert_int_equal(json_array_extend(all, items), 0);
        const char *next = json_string_value(json_object_get(j, "next_cursor"));
        snprintf(cursor, sizeof cursor, "%s", next != NULL ? next : "");
        json_decref(j);
        if (cursor[0] == '\0')
            return all;
    }
}

/* The item of arr whose member key is value, or NULL. */
static json_t *find_by(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(json_object_get(v, key));
        if (s != NULL && strcmp(s, value) == 0)
            return v;
    }
    return NULL;
}

static int group_setup(void **state)
{
    (void)state;
    const char *root = getenv("YC_SOURCE_ROOT");
    if (root == NULL || g_cli == NULL)
        return -1;
    snprintf(g_base, sizeof g_base, "/tmp/yc_faults_XXXXXX");
    if (mkdtemp(g_base) == NULL)
        return -1;
    snprintf(g_data, sizeof g_data, "%s/d", g_base);
    if (sh("'%s' init '%s' >/dev/null", g_cli, g_data) != 0 ||
        sh("'%s' --data '%s' import '%s'/samples/*.jsonl '%s'/samples/*.csv >/dev/null", g_cli,
           g_data, root, root) != 0)
        return -1;
    /* no rate limit: a loop sends thousands of requests from one client */
    char cfg[256];
    snprintf(cfg, sizeof cfg, "%s/config.json", g_data);
    json_error_t err;
    json_t *c = json_load_file(cfg, 0, &err);
    if (c == NULL)
        return -1;
    json_object_set_new(c, "rate_limit",
                        json_pack("{s:i, s:i}", "per_client_rps", 0, "verify_per_address_rps", 0));
    if (json_dump_file(c, cfg, JSON_INDENT(2)) != 0)
        return -1;
    json_decref(c);
    add_client(YC_ROLE_ADMIN, "admin", NULL, g_admin, sizeof g_admin, NULL);
    add_client(YC_ROLE_PARTNER, "partner", NULL, g_partner, sizeof g_partner, NULL);
    add_client(YC_ROLE_FI, "bank", NULL, g_fi, sizeof g_fi, g_fi_id);
    add_client(YC_ROLE_SUBJECT, "merchant", MERCHANT, g_merchant, sizeof g_merchant, NULL);
    if (yc_config_load(g_data, &g_cfg, NULL) != YC_OK)
        return -1;
    const yc_api_opts o = {.config = &g_cfg};
    if (yc_api_open(g_data, &o, &g_api) != YC_OK)
        return -1;
    json_t *j = ok(200, "POST", "/v1/subjects/lookup", NULL, g_admin, "application/json",
                   "{\"doc_type\":\"resident_id\",\"number\":\"" PERSON_DOC "\"}");
    snprintf(g_pseudonym, sizeof g_pseudonym, "%s",
             json_string_value(json_object_get(j, "subject_id")));
    json_decref(j);
    add_client(YC_ROLE_SUBJECT, "person", g_pseudonym, g_person, sizeof g_person, NULL);
    /* the registry is re-read within a second: wait until the person is known */
    for (int k = 0; k < 100; k++) {
        assert_int_equal(handle("GET", "/v1/me", NULL, g_person, NULL, NULL), YC_OK);
        if (g_res.status == 200)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return g_res.status == 200 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    yc_api_response_clear(&g_res);
    yc_api_close(g_api);
    print_message("# %ld fault-injection runs in all, %ld bare deferred 503s\n", g_total_runs,
                  g_bare_503);
    return nftw(g_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the loop ---- */

/* Builds the request of run n (a fresh body for writes) into its buffers. */
typedef struct req_spec {
    const char *name;
    const char *method;
    char path[256];
    const char *query;
    const char *auth;
    const char *ctype;
    char body[2048];
    int status; /* the normal answer */
    /* called before each run n (without the hook): may rebuild path/body */
    void (*prepare)(struct req_spec *r, long n);
    /* after the loop: run n's answer was 2xx (ok) or 503 / NOMEM (!ok) */
    void (*effect)(struct req_spec *r, long n, bool answered_ok);
    long step; /* 1: every N; k: every k-th N (sampled; stated in the report) */
} req_spec;

/* Runs r under the hook for N = 0, step, 2 step, ... until no allocation failed. */
static long fault_loop(req_spec *r, long *ret_allocs)
{
    long n = 0, served = 0, refused = 0;
    const double t0 = now_s();
    bool *ok_at = calloc((size_t)N_MAX + 1, sizeof *ok_at);
    assert_non_null(ok_at);
    for (;; n += r->step) {
        assert_true(n <= N_MAX);
        if (r->prepare != NULL)
            r->prepare(r, n);
        const long before = yc_alloc_count();
        yc_alloc_fail_after(n);
        const yc_err rv = handle(r->method, r->path, r->query, r->auth, r->ctype,
                                 r->body[0] != '\0' ? r->body : NULL);
        yc_alloc_fail_after(-1);
        const long used = yc_alloc_count() - before;
        const bool done = used <= n;
        g_total_runs++;
        if (rv == YC_ERR_NOMEM) {
            assert_false(done);
            assert_null(g_res.body);
            refused++;
        } else {
            assert_int_equal(rv, YC_OK);
            if (g_res.status == r->status) {
                ok_at[n] = true;
                served++;
            } else {
                if (g_res.status != 503)
                    fprintf(stderr, "# %s at N=%ld: %d %.*s\n", r->name, n, g_res.status,
                            (int)g_res.body_len, g_res.body != NULL ? g_res.body : "");
                assert_false(done);
                assert_503();
                refused++;
            }
        }
        if (done) {
            assert_int_equal(rv, YC_OK);
            assert_int_equal(g_res.status, r->status);
            *ret_allocs = used;
            break;
        }
    }
    if (r->effect != NULL)
        for (long k = 0; k <= n; k += r->step)
            r->effect(r, k, ok_at[k]);
    free(ok_at);
    print_message("# %s: %ld allocations, N = 0..%ld step %ld: %ld served, %ld refused, %.1f s\n",
                  r->name, *ret_allocs, n, r->step, served, refused, now_s() - t0);
    return n;
}

static void run_spec(req_spec *r)
{
    long allocs = 0;
    /* one plain run first: the answer is the normal one */
    if (r->prepare != NULL)
        r->prepare(r, -1);
    json_decref(ok(r->status, r->method, r->path, r->query, r->auth, r->ctype,
                   r->body[0] != '\0' ? r->body : NULL));
    (void)fault_loop(r, &allocs);
    assert_true(allocs > 0);
}

/* ---- start-up ---- */

static yc_err startup_handler(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
    (void)ctx;
    (void)req;
    return yc_h2_reply_set(reply, 204, NULL, NULL, NULL, 0);
}

typedef struct run_box {
    yc_err rv;
    yc_h2_server *srv;
} run_box;

static void *run_thread(void *arg)
{
    run_box *b = arg;
    b->rv = yc_h2_server_run(b->srv);
    return NULL;
}

/* The start-up of yrdcreditd.c's main: returns the first error, everything closed again. */
static yc_err startup_once(void)
{
    static yc_config cfg;
    const char *field = NULL;
    yc_api *api = NULL;
    yc_h2_server *srv = NULL;
    yc_err e = yc_config_load(g_data, &cfg, &field);
    if (e != YC_OK)
        return e;
    const yc_api_opts ao = {.max_body_bytes = cfg.server.max_body_bytes, .config = &cfg};
    e = yc_api_open(g_data, &ao, &api);
    if (e != YC_OK)
        return e;
    const yc_h2_opts ho = {.h2c_host = "127.0.0.1",
                           .h2c_port = 0,
                           .tls_host = "127.0.0.1",
                           .tls_port = 0, /* TLS too, as yrdcreditd by default */
                           .tls_cert = cfg.tls_cert_path,
                           .tls_key = cfg.tls_key_path,
                           .workers = 2,
                           .max_header_bytes = cfg.server.max_header_bytes,
                           .max_header_fields = cfg.server.max_header_fields,
                           .max_body_bytes = cfg.server.max_body_bytes,
                           .idle_timeout_ms = cfg.server.idle_timeout_ms,
                           .drain_timeout_ms = 100,
                           .max_concurrent_streams = cfg.server.max_concurrent_streams,
                           .max_connections = cfg.server.max_connections,
                           .max_outbound_queue = cfg.server.max_outbound_queue,
                           .output_high_water = cfg.server.output_high_water,
                           .glitch_burst = cfg.server.glitch_burst,
                           .glitch_rate_per_s = cfg.server.glitch_rate_per_s,
                           .reset_burst = cfg.server.reset_burst,
                           .reset_rate_per_s = cfg.server.reset_rate_per_s,
                           .max_continuations = cfg.server.max_continuations,
                           .handshake_timeout_ms = cfg.server.handshake_timeout_ms,
                           .preface_timeout_ms = cfg.server.preface_timeout_ms,
                           .header_timeout_ms = cfg.server.header_timeout_ms,
                           .body_timeout_ms = cfg.server.body_timeout_ms,
                           .write_timeout_ms = cfg.server.write_timeout_ms,
                           .max_discard_bytes = cfg.server.max_discard_bytes,
                           .handler = startup_handler};
    e = yc_h2_server_open(&ho, &srv);
    if (e == YC_OK) {
        assert_true(yc_h2_server_port(srv) > 0);
        assert_true(yc_h2_server_tls_port(srv) > 0);
        run_box b = {.rv = YC_OK, .srv = srv};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, run_thread, &b), 0);
        yc_h2_server_stop(srv);
        assert_int_equal(pthread_join(t, NULL), 0);
        e = b.rv;
        if (e != YC_OK)
            fprintf(stderr, "# yc_h2_server_run: %s\n", yc_err_str(e));
    } else if (e != YC_ERR_NOMEM) {
        fprintf(stderr, "# yc_h2_server_open: %s\n", yc_err_str(e));
    }
    yc_h2_server_close(srv);
    yc_api_close(api);
    return e;
}

static void
issue7_startup_oom_is_nomem__every_allocation_failed__clean_error_then_serves(void **state)
{
    (void)state;
    yc_api_close(g_api); /* one LMDB environment per process */
    g_api = NULL;
    long n = 0, errors[16] = {0};
    const double t0 = now_s();
    for (;; n++) {
        assert_true(n <= N_MAX);
        const long before = yc_alloc_count();
        yc_alloc_fail_after(n);
        const yc_err e = startup_once();
        yc_alloc_fail_after(-1);
        const long used = yc_alloc_count() - before;
        g_total_runs++;
        if (used <= n) { /* nothing failed: the start-up must have worked */
            assert_int_equal(e, YC_OK);
            print_message("# start-up: %ld allocations, N = 0..%ld all tried, %.1f s\n", used, n,
                          now_s() - t0);
            break;
        }
        if (e != YC_OK) {
            if (e != YC_ERR_NOMEM)
                fprintf(stderr, "# start-up at N=%ld: %s\n", n, yc_err_str(e));
            /* issue7_startup_oom_is_nomem: a worker's mailbox was reported as an I/O error
             * (svc/h2/server.c), so yrdcreditd said "cannot serve ... I/O error", exit 4 */
            assert_int_equal(e, YC_ERR_NOMEM);
            errors[(unsigned)-e % 16]++;
        }
    }
    print_message("# start-up failures: NOMEM %ld, other %ld\n",
                  errors[(unsigned)-YC_ERR_NOMEM % 16], (n - errors[(unsigned)-YC_ERR_NOMEM % 16]));
    assert_int_equal(yc_api_open(g_data, &(yc_api_opts){.config = &g_cfg}, &g_api), YC_OK);
}

/* ---- requests ---- */

#define SPEC(nm, m, p, q, a, ct, b, st)                                                    \
    {                                                                                      \
        .name = nm, .method = m, .path = p, .query = q, .auth = a, .ctype = ct, .body = b, \
        .status = st, .step = 1                                                            \
    }

/* A fresh as_of per run, so the score is computed, not answered from the score cache. */
static char g_as_of[32];

static void score_prepare(req_spec *r, long n)
{
    const time_t t = 1577836800 + (time_t)(n + 1) * 86400; /* 2020-01-01 + n + 1 days */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(g_as_of, sizeof g_as_of, "as_of=%Y-%m-%d", &tm);
    r->query = g_as_of;
}

static void reads__every_allocation_failed__answer_or_503(void **state)
{
    (void)state;
    req_spec specs[] = {
        SPEC("healthz", "GET", "/healthz", NULL, NULL, NULL, "", 200),
        SPEC("readyz", "GET", "/readyz", NULL, NULL, NULL, "", 200),
        SPEC("score merchant", "GET", "/v1/subjects/" MERCHANT "/score", "as_of=2026-11-29",
             g_admin, NULL, "", 200),
        SPEC("score individual", "GET", "", "as_of=2026-11-29", g_admin, NULL, "", 200),
        SPEC("records", "GET", "/v1/subjects/" MERCHANT "/records", NULL, g_admin, NULL, "", 200),
        SPEC("lookup", "POST", "/v1/subjects/lookup", NULL, g_admin, "application/json",
             "{\"doc_type\":\"resident_id\",\"number\":\"" PERSON_DOC "\"}", 200),
        SPEC("jwks", "GET", "/.well-known/jwks.json", NULL, NULL, NULL, "", 200),
        SPEC("measures", "GET", "/v1/measures", NULL, g_admin, NULL, "", 200),
        SPEC("me", "GET", "/v1/me", NULL, g_merchant, NULL, "", 200),
        SPEC("audit", "GET", "/v1/audit", NULL, g_admin, NULL, "", 200),
    };
    snprintf(specs[3].path, sizeof specs[3].path, "/v1/subjects/%s/score", g_pseudonym);
    specs[2].prepare = specs[3].prepare = score_prepare;
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
        run_spec(&specs[i]);
}

/* POST /v1/records (NDJSON): two records with 文书号 of run n; afterwards both or neither. */
static void records_prepare(req_spec *r, long n)
{
    char a[700], b[700];
    for (int k = 0; k < 2; k++)
        snprintf(k == 0 ? a : b, sizeof a,
                 "{\"subject_type\":\"legal_person\",\"subject_id\":\"" LEGAL "\","
                 "\"name\":\"义乌市恒信进出口有限公司\",\"code\":\"P04\",\"decision_no\":"
                 "\"义关认证〔2024〕故障%ld-%d号\",\"decision_date\":\"2024-05-20\","
                 "\"authority_name\":\"中华人民共和国义乌海关\",\"authority_uscc\":"
                 "\"11330782MB1A071232\",\"legal_basis\":\"《海关法》\",\"region\":\"330782\"}",
                 n, k);
    snprintf(r->body, sizeof r->body, "%s\n%s\n", a, b);
}

static char *g_records_after; /* the subject's records after the loop */

static void records_effect(req_spec *r, long n, bool answered_ok)
{
    (void)r;
    if (n == 0) { /* the listing after the loop */
        json_t *all = collect("/v1/subjects/" LEGAL "/records", g_admin, "records");
        free(g_records_after);
        g_records_after = json_dumps(all, 0);
        assert_non_null(g_records_after);
        json_decref(all);
    }
    char no[2][64];
    for (int k = 0; k < 2; k++)
        snprintf(no[k], sizeof no[k], "故障%ld-%d号", n, k);
    const bool a = strstr(g_records_after, no[0]) != NULL;
    const bool b = strstr(g_records_after, no[1]) != NULL;
    assert_int_equal(a, b); /* the batch is wholly present or wholly absent */
    if (answered_ok)
        assert_true(a); /* acknowledged: present */
}

static void post_records__every_allocation_failed__answer_or_503_batch_atomic(void **state)
{
    (void)state;
    req_spec r =
        SPEC("POST records", "POST", "/v1/records", NULL, g_admin, "application/x-ndjson", "", 200);
    r.prepare = records_prepare;
    r.effect = records_effect;
    long allocs = 0;
    const long last = fault_loop(&r, &allocs);
    long present = 0;
    for (long n = 0; n <= last; n++) {
        char no[64];
        snprintf(no, sizeof no, "故障%ld-0号", n);
        present += strstr(g_records_after, no) != NULL;
    }
    print_message("# POST records: %ld of %ld runs committed (the last one answered 200)\n",
                  present, last + 1);
    free(g_records_after);
    g_records_after = NULL;
}

/* attestations: issue (merchant, by an admin), verify its token, revoke a fresh one per run,
 * its status list */
static char g_token[8192], g_jti[64], g_list_path[128];

static void issue_one(const char *subject)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/subjects/%s/attestations", subject);
    json_t *j = ok(201, "POST", path, NULL, g_admin, "application/json", "{}");
    const char *tok = json_string_value(json_object_get(j, "token"));
    if (tok == NULL)
        tok = json_string_value(json_object_get(j, "sd_jwt"));
    if (tok == NULL)
        tok = json_string_value(json_object_get(j, "attestation"));
    if (tok == NULL)
        fprintf(stderr, "# issuance body: %s\n", g_res.body);
    assert_non_null(tok);
    snprintf(g_token, sizeof g_token, "%s", tok);
    const char *jti = json_string_value(json_object_get(j, "jti"));
    assert_non_null(jti);
    snprintf(g_jti, sizeof g_jti, "%s", jti);
    json_decref(j);
}

static void revoke_prepare(req_spec *r, long n)
{
    issue_one(LEGAL);
    snprintf(r->path, sizeof r->path, "/v1/attestations/%s/revoke", g_jti);
    if (n >= 0) {
        assert_true(n < RUNS_MAX);
        snprintf(g_run_id[n], sizeof g_run_id[n], "%s", g_jti);
        free(g_run_token[n]);
        g_run_token[n] = strdup(g_token);
    }
}

static json_t *g_after; /* the listing after a loop */

/* Run n's attestation: its state in the attestations table (the listing) agrees with the
 * status list (verify, which reads the published list); revoked if the 200 was sent. */
static void revoke_effect(req_spec *r, long n, bool answered_ok)
{
    (void)r;
    if (n == 0) {
        json_decref(g_after);
        g_after = collect("/v1/subjects/" LEGAL "/attestations", g_admin, "attestations");
        g_committed = 0;
    }
    json_t *a = find_by(g_after, "jti", g_run_id[n]);
    assert_non_null(a);
    const char *state = json_string_value(json_object_get(a, "state"));
    assert_non_null(state);
    const bool revoked = strcmp(state, "revoked") == 0;
    if (!revoked)
        assert_string_equal(state, "valid");
    char body[2100];
    assert_true(strlen(g_run_token[n]) < 2000);
    snprintf(body, sizeof body, "{\"token\":\"%s\"}", g_run_token[n]);
    json_t *v = ok(200, "POST", "/v1/attestations/verify", NULL, NULL, "application/json", body);
    const char *reason = json_string_value(json_object_get(v, "reason"));
    assert_non_null(reason);
    if (revoked != (strcmp(reason, "revoked") == 0))
        fprintf(stderr, "# revoke run %ld: table %s, verify %s\n", n, state, reason);
    assert_int_equal(revoked, strcmp(reason, "revoked") == 0);
    json_decref(v);
    if (answered_ok)
        assert_true(revoked);
    g_committed += revoked;
    free(g_run_token[n]);
    g_run_token[n] = NULL;
}

/* A revocation before each run changes the list, so it is signed afresh, not served from the
 * issuer's cache. */
static void list_prepare(req_spec *r, long n)
{
    (void)r;
    (void)n;
    issue_one(MERCHANT);
    char path[128];
    snprintf(path, sizeof path, "/v1/attestations/%s/revoke", g_jti);
    json_decref(
        ok(200, "POST", path, NULL, g_admin, "application/json", "{\"reason\":\"fault test\"}"));
}

static void attestations__every_allocation_failed__answer_or_503(void **state)
{
    (void)state;
    req_spec issue = SPEC("issue attestation", "POST", "/v1/subjects/" MERCHANT "/attestations",
                          NULL, g_admin, "application/json", "{}", 201);
    run_spec(&issue);
    issue_one(MERCHANT);
    req_spec verify =
        SPEC("verify", "POST", "/v1/attestations/verify", NULL, NULL, "application/json", "", 200);
    snprintf(verify.body, sizeof verify.body, "{\"token\":\"%.2000s\"}", g_token);
    assert_true(strlen(g_token) < 2000);
    run_spec(&verify);
    /* the status list of the attestation */
    json_t *j = ok(200, "GET", "/v1/subjects/" MERCHANT "/attestations", NULL, g_admin, NULL, NULL);
    json_t *first = json_array_get(json_object_get(j, "attestations"), 0);
    const char *uri = json_string_value(json_object_get(json_object_get(first, "status"), "uri"));
    assert_non_null(uri);
    const char *p = strstr(uri, "/v1/status-lists/");
    assert_non_null(p);
    snprintf(g_list_path, sizeof g_list_path, "%s", p);
    json_decref(j);
    req_spec list = SPEC("status list", "GET", "", NULL, NULL, NULL, "", 200);
    snprintf(list.path, sizeof list.path, "%s", g_list_path);
    list.prepare = list_prepare;
    run_spec(&list);
    req_spec revoke = SPEC("revoke", "POST", "", NULL, g_admin, "application/json",
                           "{\"reason\":\"fault test\"}", 200);
    revoke.prepare = revoke_prepare;
    revoke.effect = revoke_effect;
    run_spec(&revoke);
    print_message("# revoke: %ld runs took effect (table and status list agree in every run)\n",
                  g_committed);
    json_decref(g_after);
    g_after = NULL;
}

static void writes__every_allocation_failed__answer_or_503(void **state)
{
    (void)state;
    req_spec dec = SPEC("decision", "POST", "/v1/decisions", NULL, g_partner, "application/json",
                        "{\"subject_id\":\"" MERCHANT "\",\"matter\":\"loan_approval\"}", 201);
    run_spec(&dec);
    req_spec consent =
        SPEC("consent", "POST", "/v1/me/consents", NULL, g_person, "application/json", "", 201);
    const time_t exp = time(NULL) + 30 * 86400;
    struct tm tm;
    gmtime_r(&exp, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(consent.body, sizeof consent.body,
             "{\"client_id\":\"%s\",\"purpose\":\"loan_approval\",\"scope\":[\"score\"],"
             "\"expires_at\":\"%s\"}",
             g_fi_id, when);
    json_t *before = collect("/v1/me/consents", g_person, "consents");
    run_spec(&consent);
    json_t *after = collect("/v1/me/consents", g_person, "consents");
    /* the plain run and at least the last run of the loop were granted */
    assert_true(json_array_size(after) >= json_array_size(before) + 2);
    print_message("# consent: %zu runs granted\n",
                  json_array_size(after) - json_array_size(before) - 1);
    json_decref(before);
    json_decref(after);
}

/* objections and repairs: each run files on a fresh record of the merchant (POSTed first,
 * without the hook), so a run whose filing was committed before a 503 does not make the
 * next run a 409 */
static void fresh_record(char *id, size_t len, const char *code, const char *date, long n, int tag)
{
    char rec[800];
    snprintf(rec, sizeof rec,
             "{\"subject_type\":\"individual_business\",\"subject_id\":\"" MERCHANT "\","
             "\"name\":\"义乌市测试商行\",\"code\":\"%s\",\"decision_no\":\"义市监罚〔2021〕"
             "故障%s%ld号\",\"decision_date\":\"%s\",\"authority_name\":\"义乌市市场监督管理局\","
             "\"authority_uscc\":\"11330782MB1A071232\",\"legal_basis\":\"《行政处罚法》\","
             "\"region\":\"330782\"}",
             code, code, n + 1000000L * tag, date);
    json_t *j = ok(200, "POST", "/v1/records", NULL, g_admin, "application/json", rec);
    json_t *r0 = json_array_get(json_object_get(j, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "status")), "imported");
    snprintf(id, len, "%s", json_string_value(json_object_get(r0, "record_id")));
    json_decref(j);
}

static void objection_prepare(req_spec *r, long n)
{
    char id[32];
    fresh_record(id, sizeof id, "N06", "2025-06-10", n, 1);
    snprintf(r->body, sizeof r->body, "{\"record_id\":\"%s\",\"reason\":\"这条记录有误\"}", id);
    if (n >= 0) {
        assert_true(n < RUNS_MAX);
        snprintf(g_run_id[n], sizeof g_run_id[n], "%s", id);
    }
}

static json_t *g_after2; /* a second listing */

/* Run n's record: it has an objection exactly when the record is flagged disputed; filed
 * if the 201 was sent. */
static void objection_effect(req_spec *r, long n, bool answered_ok)
{
    (void)r;
    if (n == 0) {
        json_decref(g_after);
        json_decref(g_after2);
        g_after = collect("/v1/me/objections", g_merchant, "objections");
        g_after2 = collect("/v1/subjects/" MERCHANT "/records", g_admin, "records");
        g_committed = 0;
    }
    const bool filed = find_by(g_after, "record_id", g_run_id[n]) != NULL;
    json_t *rec = find_by(g_after2, "record_id", g_run_id[n]);
    assert_non_null(rec);
    const char *status = json_string_value(json_object_get(rec, "status"));
    assert_non_null(status);
    if (filed != (strcmp(status, "disputed") == 0))
        fprintf(stderr, "# objection run %ld: filed %d, record %s\n", n, filed, status);
    assert_int_equal(filed, strcmp(status, "disputed") == 0);
    if (answered_ok)
        assert_true(filed);
    g_committed += filed;
}

static void repair_effect(req_spec *r, long n, bool answered_ok)
{
    (void)r;
    if (n == 0) {
        json_decref(g_after);
        g_after = collect("/v1/me/repairs", g_merchant, "repairs");
        g_committed = 0;
    }
    const bool filed = find_by(g_after, "record_id", g_run_id[n]) != NULL;
    if (answered_ok)
        assert_true(filed);
    g_committed += filed;
}

static void repair_prepare(req_spec *r, long n)
{
    char id[32];
    fresh_record(id, sizeof id, "N06", "2024-01-10", n, 2);
    snprintf(r->body, sizeof r->body,
             "{\"record_id\":\"%s\",\"commitment\":\"本单位已整改完毕，承诺守法经营。\","
             "\"evidence\":[\"整改报告\"]}",
             id);
    if (n >= 0) {
        assert_true(n < RUNS_MAX);
        snprintf(g_run_id[n], sizeof g_run_id[n], "%s", id);
    }
}

static void filings__every_allocation_failed__answer_or_503(void **state)
{
    (void)state;
    req_spec obj = SPEC("objection", "POST", "/v1/me/objections", NULL, g_merchant,
                        "application/json", "", 201);
    obj.prepare = objection_prepare;
    obj.effect = objection_effect;
    run_spec(&obj);
    print_message("# objection: %ld runs filed (each exactly when its record is disputed)\n",
                  g_committed);
    req_spec rep =
        SPEC("repair", "POST", "/v1/me/repairs", NULL, g_merchant, "application/json", "", 201);
    rep.prepare = repair_prepare;
    rep.effect = repair_effect;
    run_spec(&rep);
    print_message("# repair: %ld runs filed\n", g_committed);
    json_decref(g_after);
    json_decref(g_after2);
    g_after = g_after2 = NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_faults YRDCREDIT\n");
        return 2;
    }
    g_cli = argv[1];
    yc_core_init_json();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            issue7_startup_oom_is_nomem__every_allocation_failed__clean_error_then_serves),
        cmocka_unit_test(reads__every_allocation_failed__answer_or_503),
        cmocka_unit_test(post_records__every_allocation_failed__answer_or_503_batch_atomic),
        cmocka_unit_test(attestations__every_allocation_failed__answer_or_503),
        cmocka_unit_test(writes__every_allocation_failed__answer_or_503),
        cmocka_unit_test(filings__every_allocation_failed__answer_or_503),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
