/* Fuzz target: HTTP/2 bytes into a server session of the real transport (svc/h2: nghttp2 1.52,
 * the glitch bucket, limits and timers) with the real router and handlers (svc/api yc_api) over
 * an LMDB store in a temporary directory.
 *
 * Target Functions: yc_h2_server_open / yc_h2_server_run (conn.c: frame and HPACK handling by
 * nghttp2 and the server's callbacks, header and body limits, the glitch bucket, GOAWAY and
 * RST_STREAM), yc_api_handle (routing, yc_api_identify and the authorization table, every
 * route's request parsing and problem+json answers, score computation, attestation issuing
 * and verification, record ingestion), yc_h2_reply_* and yc_h2_defer.
 *
 * Set-up, once per process: tests/fuzz/datadir.h (a data dir made by the real CLI, samples/
 * imported, an admin client, rate limits off), then yc_api_open() and yc_h2_server_open() (h2c
 * on 127.0.0.1, a free port, one worker, 1 s timeouts) run on a thread.  The handler is the one
 * yrdcreditd uses, without its access log.
 *
 * Per input: connect, write the client connection preface (RFC 9113 §3.4), the input bytes (in
 * which every FUZZ_TOKEN, 46 bytes like a real bearer token, becomes the admin client's token,
 * so HPACK literals in the seeds authenticate) and a GOAWAY (NO_ERROR), which makes the server
 * close once every stream is answered; read while writing, then until the server closes,
 * FUZZ_QUIET_MS pass without a byte, or FUZZ_READ_MS pass in all.  Checks besides memory
 * errors: the server still answers GET /healthz with 200 on a new connection after the first
 * input, every FUZZ_HEALTH_EVERY inputs and at exit (abort when not).  YC_FUZZ_H2_TRACE=1
 * prints the frames the server sent for each input.
 *
 * Corpus: tests/fuzz/corpus/h2/, written by tests/fuzz/gen_h2_corpus.py (request sequences:
 * SETTINGS, HEADERS for GET /healthz and an authenticated score GET, POST with DATA, PING,
 * WINDOW_UPDATE, PRIORITY, RST_STREAM, CONTINUATION, GOAWAY).  Replayed by
 * tests/fuzz/replay_main.c in normal builds (suite 'fuzz').
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "datadir.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/clients.h"
#include "yrdcredit/config.h"
#include "yrdcredit/h2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_READ_MS      1000
#define FUZZ_QUIET_MS     80
#define FUZZ_HEALTH_EVERY 256

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/* GOAWAY, last stream 0, NO_ERROR (RFC 9113 §6.8) */
static const uint8_t goaway[] = {0, 0, 8, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static struct {
    bool ready;
    char dir[PATH_MAX];
    char data[PATH_MAX + 16];
    char token[YC_CLIENT_TOKEN_LEN + 1];
    yc_config cfg;
    yc_api *api;
    yc_h2_server *srv;
    pthread_t thread;
    uint16_t port;
    unsigned long inputs;
} g;

/* ---- the handler: yrdcreditd's, without its access log ---- */

static const char problem_408[] =
    "{\"type\":\"urn:yrdcredit:problem:request-timeout\",\"title\":\"Request timeout\","
    "\"status\":408}";
static const char problem_413[] =
    "{\"type\":\"urn:yrdcredit:problem:too-large\",\"title\":\"Payload too large\","
    "\"status\":413}";
static const char problem_431[] =
    "{\"type\":\"urn:yrdcredit:problem:header-too-large\",\"title\":\"Request header fields too "
    "large\",\"status\":431}";
static const char problem_503[] = "{\"type\":\"urn:yrdcredit:problem:unavailable\","
                                  "\"title\":\"Service unavailable\",\"status\":503}";

static void deferred_done(void *ctx, yc_api_response *res)
{
    yc_h2_deferred *hd = ctx;
    int status = res->status;
    const char *content_type = res->content_type;
    void *body = res->body;
    size_t bytes = res->body_len;
    res->body = NULL;
    if (status < 200 || status > 599) {
        yc_free(body);
        body = NULL;
        bytes = 0;
        status = 500;
        content_type = NULL;
    }
    if (res->location[0] != '\0' && yc_h2_deferred_set_location(hd, res->location) != YC_OK)
        fprintf(stderr, "fuzz_h2: a location header was refused\n");
    yc_h2_deferred_complete(hd, status, content_type, body, bytes);
}

static void deferred_drop(void *ctx, yc_api_response *res)
{
    (void)ctx;
    yc_api_response_clear(res);
}

static yc_err handle(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
    yc_api *api = ctx;
    if (req->limit_status == 408)
        return yc_h2_reply_set(reply, 408, "application/problem+json", NULL, problem_408,
                               sizeof problem_408 - 1);
    if (req->limit_status == 413)
        return yc_h2_reply_set(reply, 413, "application/problem+json", NULL, problem_413,
                               sizeof problem_413 - 1);
    if (req->limit_status != 0)
        return yc_h2_reply_set(reply, 431, "application/problem+json", NULL, problem_431,
                               sizeof problem_431 - 1);
    yc_api_request areq = {
        .method = req->method,
        .path = req->path,
        .query = req->query,
        .content_type = req->content_type,
        .if_none_match = req->if_none_match,
        .authorization = req->authorization,
        .authorization_malformed = req->authorization_malformed,
        .client_spki_sha256 = req->client_spki_sha256,
        .peer = req->peer,
        .body = req->body,
        .body_len = req->body_len,
        .worker = req->worker,
    };
    yc_api_response ares = {0};
    yc_err e = yc_api_handle(api, &areq, &ares);
    if (e == YC_OK && ares.pending != NULL) {
        yc_api_pending *p = ares.pending;
        ares.pending = NULL;
        yc_api_response_clear(&ares);
        yc_h2_deferred *hd = NULL;
        if (yc_h2_defer(reply, &hd) == YC_OK) {
            yc_api_pending_bind(p, deferred_done, hd);
            return YC_OK;
        }
        yc_api_pending_bind(p, deferred_drop, NULL);
        return yc_h2_reply_set(reply, 503, "application/problem+json", NULL, problem_503,
                               sizeof problem_503 - 1);
    }
    if (e == YC_OK) {
        /* the API answers every request with a status it chose; never a 5xx for input */
        e = yc_h2_reply_take(reply, ares.status, ares.content_type, ares.allow, ares.body,
                             ares.body_len);
        ares.body = NULL;
        if (e == YC_OK && (ares.etag[0] != '\0' || ares.cache_control[0] != '\0'))
            e = yc_h2_reply_cache(reply, ares.etag[0] ? ares.etag : NULL,
                                  ares.cache_control[0] ? ares.cache_control : NULL);
        if (e == YC_OK && ares.location[0] != '\0')
            e = yc_h2_reply_location(reply, ares.location);
        if (e == YC_OK && ares.www_authenticate != NULL)
            e = yc_h2_reply_www_authenticate(reply, ares.www_authenticate);
        if (e == YC_OK && ares.retry_after_s > 0)
            e = yc_h2_reply_retry_after(reply, ares.retry_after_s);
    }
    yc_api_response_clear(&ares);
    return e;
}

/* ---- set-up ---- */

static void *server_main(void *arg)
{
    (void)arg;
    if (yc_h2_server_run(g.srv) != YC_OK)
        fprintf(stderr, "fuzz_h2: the server's event loop failed\n");
    return NULL;
}

static void check_alive(void);

static void teardown(void)
{
    if (!g.ready)
        return;
    check_alive();
    yc_h2_server_stop(g.srv);
    (void)pthread_join(g.thread, NULL);
    yc_h2_server_close(g.srv);
    yc_api_close(g.api);
    rm_rf(g.dir);
    g.ready = false;
}

static void setup(void)
{
    fuzz_datadir_make("h2", g.dir, g.data, g.token);

    yc_core_init_json();
    const char *field = NULL;
    require(yc_config_load(g.data, &g.cfg, &field) == YC_OK, "config");
    const yc_api_opts api_opts = {.max_body_bytes = g.cfg.server.max_body_bytes, .config = &g.cfg};
    require(yc_api_open(g.data, &api_opts, &g.api) == YC_OK, "yc_api_open");
    const yc_h2_opts opts = {
        .h2c_host = "127.0.0.1",
        .h2c_port = 0,
        .workers = 1,
        .max_body_bytes = g.cfg.server.max_body_bytes,
        .idle_timeout_ms = 3000,
        .drain_timeout_ms = 500,
        .handshake_timeout_ms = 1000,
        .preface_timeout_ms = 1000,
        .header_timeout_ms = 1000,
        .body_timeout_ms = 1000,
        .write_timeout_ms = 1000,
        .handler = handle,
        .handler_ctx = g.api,
    };
    require(yc_h2_server_open(&opts, &g.srv) == YC_OK, "yc_h2_server_open");
    g.port = yc_h2_server_port(g.srv);
    require(pthread_create(&g.thread, NULL, server_main, NULL) == 0, "pthread_create");
    g.ready = true;
    atexit(teardown);
}

/* ---- one connection ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dial(void)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    require(fd >= 0, "socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(g.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send @p len bytes while reading; then read until the server closes, nothing arrives for
 * @p quiet_ms, or @p limit_ms have passed since the start.  Returns the bytes read into @p in
 * (at most @p in_cap kept), or -1 when the connection could not be made. */
static ssize_t exchange(const uint8_t *out, size_t len, uint8_t *in, size_t in_cap, int quiet_ms,
                        int limit_ms)
{
    const int fd = dial();
    if (fd < 0)
        return -1;
    size_t sent = 0, got = 0;
    const int64_t deadline = now_ms() + limit_ms;
    int64_t quiet_at = INT64_MAX; /* when everything is sent: give up after FUZZ_QUIET_MS idle */
    for (;;) {
        const int64_t t = now_ms();
        if (sent == len && quiet_at == INT64_MAX)
            quiet_at = t + quiet_ms;
        const int64_t left = (deadline < quiet_at ? deadline : quiet_at) - t;
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = (short)(POLLIN | (sent < len ? POLLOUT : 0))};
        const int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            uint8_t buf[16384];
            const ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                break; /* closed (or reset) by the server */
            for (ssize_t i = 0; i < n && in != NULL && got < in_cap; i++)
                in[got++] = buf[i];
            if (n > 0 && sent == len)
                quiet_at = now_ms() + quiet_ms;
        }
        if (sent < len && (p.revents & POLLOUT)) {
            const ssize_t n = send(fd, out + sent, len - sent, MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                sent = len; /* the server closed: stop writing, read what it sent */
        }
    }
    close(fd);
    return (ssize_t)got;
}

/* The server still answers: a SETTINGS frame, then HEADERS for GET /healthz (HPACK: indexed
 * :method GET, :scheme http; literal :path and :authority), then a 200 HEADERS frame back. */
static void check_alive(void)
{
    static const uint8_t block[] = {0x82, 0x86, 0x04, 8,    '/', 'h', 'e', 'a', 'l',
                                    't',  'h',  'z',  0x01, 4,   'f', 'u', 'z', 'z'};
    uint8_t req[9 + 9 + sizeof block] = {0, 0, 0, 0x04, 0, 0, 0, 0, 0, /* SETTINGS, empty */
                                         /* HEADERS, END_STREAM|END_HEADERS, stream 1 */
                                         0, 0, (uint8_t)sizeof block, 0x01, 0x05, 0, 0, 0, 1};
    memcpy(req + 18, block, sizeof block);
    uint8_t msg[sizeof preface - 1 + sizeof req + sizeof goaway];
    memcpy(msg, preface, sizeof preface - 1);
    memcpy(msg + sizeof preface - 1, req, sizeof req);
    memcpy(msg + sizeof preface - 1 + sizeof req, goaway, sizeof goaway);
    uint8_t in[4096];
    for (int attempt = 0; attempt < 3; attempt++) {
        /* generous bounds: a loaded 2-core machine under ASan; the GOAWAY ends it sooner */
        const ssize_t n = exchange(msg, sizeof msg, in, sizeof in, 10000, 20000);
        /* find a HEADERS frame on stream 1 whose first field is :status 200 (static index 8) */
        for (ssize_t i = 0; n > 0 && i + 9 < n;) {
            const size_t flen = (size_t)in[i] << 16 | (size_t)in[i + 1] << 8 | in[i + 2];
            if (in[i + 3] == 0x01 && in[i + 8] == 1 && flen > 0 && (size_t)(i + 9) < (size_t)n &&
                in[i + 9] == 0x88)
                return;
            i += 9 + (ssize_t)flen;
        }
    }
    require(false, "the server no longer answers GET /healthz with 200");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g.ready)
        setup();
    if (size > 1u << 20)
        return 0;
    const size_t pl = sizeof preface - 1;
    uint8_t *msg = malloc(pl + size + sizeof goaway);
    require(msg != NULL, "malloc");
    memcpy(msg, preface, pl);
    if (size > 0)
        memcpy(msg + pl, data, size);
    fuzz_token_substitute(msg + pl, size, g.token); /* the placeholder becomes the real one */
    /* a GOAWAY of ours ends the connection once the server has answered every stream */
    memcpy(msg + pl + size, goaway, sizeof goaway);
    static uint8_t in[1 << 16];
    const ssize_t got =
        exchange(msg, pl + size + sizeof goaway, in, sizeof in, FUZZ_QUIET_MS, FUZZ_READ_MS);
    free(msg);
    if (getenv("YC_FUZZ_H2_TRACE") != NULL) { /* the frames the server sent: type/stream */
        fprintf(stderr, "fuzz_h2: %zu bytes in, %zd out:", size, got);
        for (ssize_t i = 0; got > 0 && i + 9 <= got;) {
            const size_t flen = (size_t)in[i] << 16 | (size_t)in[i + 1] << 8 | in[i + 2];
            const unsigned sid = ((unsigned)in[i + 5] & 0x7fu) << 24 | (unsigned)in[i + 6] << 16 |
                                 (unsigned)in[i + 7] << 8 | in[i + 8];
            fprintf(stderr, " %u/%u", in[i + 3], sid);
            if (in[i + 3] == 0x01 && i + 9 < got)
                fprintf(stderr, "(%02x)", in[i + 9]);
            if (in[i + 3] == 0x07 && i + 17 <= got)
                fprintf(stderr, "(goaway %u)", in[i + 16]);
            if (in[i + 3] == 0x03 && i + 13 <= got)
                fprintf(stderr, "(rst %u)", in[i + 12]);
            i += 9 + (ssize_t)flen;
        }
        fprintf(stderr, "\n");
    }
    if (++g.inputs % FUZZ_HEALTH_EVERY == 1)
        check_alive();
    return 0;
}
