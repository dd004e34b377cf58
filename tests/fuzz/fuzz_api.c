/* Fuzz target: the router and every route's request decoding (svc/api yc_api_handle) without
 * the transport, over an LMDB store in a temporary directory: the JSON record decoder of
 * POST /v1/records (records, 双公示 rows by field code, ?atomic), lookups, attestation issuing
 * and verification, decisions, consents, objections, repairs, shared records, query strings
 * and path parameters.
 *
 * Target Functions: yc_api_handle (yc_api_identify, the authorization table, the handlers of
 * svc/api/, below them yc_import_rows, the store, the score model, the attestation service),
 * yc_api_pending_bind for deferred answers.
 *
 * Set-up: tests/fuzz/datadir.h (a data dir made once by the real CLI, samples/ imported, an
 * admin client, rate limits off), then yc_api_open().
 *
 * Input: a small request text.  Line 1 is `METHOD TARGET` (TARGET = path, optionally
 * `?query`); the following lines up to an empty line are header fields `name: value` of which
 * `content-type`, `if-none-match` and `authorization` are used (`authorization: -` sends none;
 * without the field the admin client's token is sent; FUZZ_TOKEN in the input becomes the
 * token); the rest is the body.  Besides memory errors it checks, and aborts when one fails:
 *   - the call returns YC_OK or YC_ERR_NOMEM; the status is 200..599 and never 500, 501, 502
 *     or 504 (bad input gets a 4xx; 503 and 507 are resource answers);
 *   - every 4xx and 5xx is application/problem+json whose body is a JSON object with
 *     "status" equal to the status and a string "type";
 *   - every 2xx with application/json has a body that parses as JSON.
 * Corpus: tests/fuzz/corpus/api/ (written by tests/fuzz/gen_api_corpus.py).  Replayed by
 * tests/fuzz/replay_main.c in normal builds (suite 'fuzz').
 */
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datadir.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
    bool ready;
    char dir[PATH_MAX];
    char data[PATH_MAX + 16];
    char token[YC_CLIENT_TOKEN_LEN + 1];
    char bearer[YC_CLIENT_TOKEN_LEN + 8];
    yc_config cfg;
    yc_api *api;
} g;

static void teardown(void)
{
    if (!g.ready)
        return;
    yc_api_close(g.api);
    rm_rf(g.dir);
    g.ready = false;
}

static void setup(void)
{
    fuzz_datadir_make("api", g.dir, g.data, g.token);
    (void)snprintf(g.bearer, sizeof g.bearer, "Bearer %s", g.token);
    yc_core_init_json();
    const char *field = NULL;
    require(yc_config_load(g.data, &g.cfg, &field) == YC_OK, "config");
    const yc_api_opts api_opts = {.max_body_bytes = g.cfg.server.max_body_bytes, .config = &g.cfg};
    require(yc_api_open(g.data, &api_opts, &g.api) == YC_OK, "yc_api_open");
    g.ready = true;
    atexit(teardown);
}

/* A deferred answer, waited for on this thread. */
typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    yc_api_response res;
} waiter;

static void on_done(void *ctx, yc_api_response *res)
{
    waiter *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->res = *res;
    *res = (yc_api_response){0};
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void check_response(const yc_api_response *res)
{
    const int st = res->status;
    require(st >= 200 && st <= 599, "status outside 200..599");
    require(st != 500 && st != 501 && st != 502 && st != 504, "a 5xx for a request");
    const char *ct = res->content_type != NULL ? res->content_type : "";
    if (st >= 400) {
        require(strcmp(ct, "application/problem+json") == 0, "an error that is not problem+json");
        json_error_t e;
        json_t *o = json_loadb(res->body, res->body_len, 0, &e);
        require(json_is_object(o), "problem body not a JSON object");
        require(json_integer_value(json_object_get(o, "status")) == st, "problem status");
        require(json_is_string(json_object_get(o, "type")), "problem type");
        json_decref(o);
    } else if (strcmp(ct, "application/json") == 0 && res->body_len > 0) {
        json_error_t e;
        json_t *o = json_loadb(res->body, res->body_len, JSON_DECODE_ANY, &e);
        require(o != NULL, "2xx body not JSON");
        json_decref(o);
    }
}

/* Split off one line (without its LF) from [*p, end); NULL at the end. */
static char *next_line(char **p, char *end)
{
    if (*p >= end)
        return NULL;
    char *s = *p;
    char *nl = memchr(s, '\n', (size_t)(end - s));
    if (nl == NULL) {
        *p = end;
        return s; /* the caller's copy has a NUL at end */
    }
    *nl = '\0';
    *p = nl + 1;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g.ready)
        setup();
    if (size > (1u << 20))
        return 0;
    char *buf = malloc(size + 1);
    require(buf != NULL, "malloc");
    memcpy(buf, data, size);
    buf[size] = '\0';
    fuzz_token_substitute((uint8_t *)buf, size, g.token);
    char *p = buf, *end = buf + size;
    char *first = next_line(&p, end);
    if (first == NULL) {
        free(buf);
        return 0;
    }
    char *sp = strchr(first, ' ');
    if (sp == NULL) {
        free(buf);
        return 0;
    }
    *sp = '\0';
    const char *method = first, *path = sp + 1, *query = "";
    char *q = strchr(sp + 1, '?');
    if (q != NULL) {
        *q = '\0';
        query = q + 1;
    }
    const char *content_type = NULL, *if_none_match = NULL, *authorization = g.bearer;
    for (char *h; (h = next_line(&p, end)) != NULL && h[0] != '\0';) {
        char *colon = strchr(h, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (strcmp(h, "content-type") == 0)
            content_type = v;
        else if (strcmp(h, "if-none-match") == 0)
            if_none_match = v;
        else if (strcmp(h, "authorization") == 0)
            authorization = strcmp(v, "-") == 0 ? NULL : v;
    }
    const yc_api_request req = {.method = method,
                                .path = path,
                                .query = query,
                                .content_type = content_type,
                                .if_none_match = if_none_match,
                                .authorization = authorization,
                                .peer = "127.0.0.1",
                                .body = p < end ? (const uint8_t *)p : NULL,
                                .body_len = p < end ? (size_t)(end - p) : 0};
    yc_api_response res = {0};
    const yc_err rv = yc_api_handle(g.api, &req, &res);
    require(rv == YC_OK || rv == YC_ERR_NOMEM, "yc_api_handle failed");
    if (rv == YC_OK && res.pending != NULL) {
        waiter w = {.done = false};
        pthread_mutex_init(&w.mu, NULL);
        pthread_cond_init(&w.cv, NULL);
        yc_api_pending *pend = res.pending;
        res.pending = NULL;
        yc_api_response_clear(&res);
        yc_api_pending_bind(pend, on_done, &w);
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
        pthread_cond_destroy(&w.cv);
        pthread_mutex_destroy(&w.mu);
        res = w.res;
    }
    if (rv == YC_OK && getenv("YC_FUZZ_API_TRACE") != NULL)
        fprintf(stderr, "fuzz_api: %s %s?%s -> %d %.*s\n", method, path, query, res.status,
                (int)(res.body_len < 160 ? res.body_len : 160),
                res.body != NULL ? (const char *)res.body : "");
    if (rv == YC_OK)
        check_response(&res);
    yc_api_response_clear(&res);
    free(buf);
    return 0;
}
