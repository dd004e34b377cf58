/* Tests for include/yrdcredit/h2.h (svc/h2/): a real server on a loopback port, driven by raw
 * sockets with hand-built HTTP/2 frames (RFC 9113 §4, §6) and HPACK static-table fields
 * (RFC 7541 Appendix A), so that the limits can be tested at and one past their value. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/h2.h"

/* ---- what the handler saw ---- */

typedef struct seen {
    int calls;
    char method[16], path[64], query[64], content_type[64];
    size_t body_len;
    int limit_status;
    bool body_null;
    yc_err bad_status_low, bad_status_high, bad_allow, ct_255, ct_256;
} seen;

static seen g_seen;

static yc_err handler(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
    (void)ctx;
    g_seen.calls++;
    snprintf(g_seen.method, sizeof g_seen.method, "%s", req->method);
    snprintf(g_seen.path, sizeof g_seen.path, "%s", req->path);
    snprintf(g_seen.query, sizeof g_seen.query, "%s", req->query);
    snprintf(g_seen.content_type, sizeof g_seen.content_type, "%s",
             req->content_type != NULL ? req->content_type : "(null)");
    g_seen.body_len = req->body_len;
    g_seen.body_null = req->body == NULL;
    g_seen.limit_status = req->limit_status;
    char ct[257];
    memset(ct, 'x', sizeof ct - 1);
    ct[256] = '\0';
    g_seen.ct_256 = yc_h2_reply_set(reply, 200, ct, NULL, NULL, 0);
    ct[255] = '\0';
    g_seen.ct_255 = yc_h2_reply_set(reply, 200, ct, NULL, NULL, 0);
    g_seen.bad_status_low = yc_h2_reply_set(reply, 199, NULL, NULL, NULL, 0);
    g_seen.bad_status_high = yc_h2_reply_set(reply, 600, NULL, NULL, NULL, 0);
    g_seen.bad_allow = yc_h2_reply_set(reply, 405, NULL, "GET\r\nx: y", NULL, 0);
    return yc_h2_reply_set(reply, 200, "text/plain", NULL, "hello", 5);
}

/* ---- a server on its own thread ---- */

typedef struct running {
    yc_h2_server *srv;
    pthread_t thread;
    yc_err run_rv;
} running;

static void *run_thread(void *arg)
{
    running *r = arg;
    r->run_rv = yc_h2_server_run(r->srv);
    return NULL;
}

static void start(running *r, const yc_h2_opts *opts)
{
    memset(&g_seen, 0, sizeof g_seen);
    memset(r, 0, sizeof *r);
    assert_int_equal(yc_h2_server_open(opts, &r->srv), YC_OK);
    assert_true(yc_h2_server_port(r->srv) != 0);
    assert_int_equal(pthread_create(&r->thread, NULL, run_thread, r), 0);
}

static void stop(running *r)
{
    yc_h2_server_stop(r->srv);
    assert_int_equal(pthread_join(r->thread, NULL), 0);
    assert_int_equal(r->run_rv, YC_OK);
    yc_h2_server_close(r->srv);
}

static int dial(const running *r)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(yc_h2_server_port(r->srv))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 10};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read until EOF (or the 10 s timeout); returns the byte count. */
static size_t read_to_eof(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + got, cap - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == cap)
            break;
    }
    return got;
}

/* ---- HTTP/2 frames ---- */

#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

typedef struct frame_buf {
    uint8_t b[70000];
    size_t n;
} frame_buf;

static void frame(frame_buf *f, uint8_t type, uint8_t flags, uint32_t sid, const void *p,
                  size_t len)
{
    assert_true(f->n + 9 + len <= sizeof f->b);
    uint8_t *h = f->b + f->n;
    h[0] = (uint8_t)(len >> 16);
    h[1] = (uint8_t)(len >> 8);
    h[2] = (uint8_t)len;
    h[3] = type;
    h[4] = flags;
    h[5] = (uint8_t)(sid >> 24);
    h[6] = (uint8_t)(sid >> 16);
    h[7] = (uint8_t)(sid >> 8);
    h[8] = (uint8_t)sid;
    if (len > 0)
        memcpy(h + 9, p, len);
    f->n += 9 + len;
}

static void client_start(frame_buf *f)
{
    f->n = 0;
    memcpy(f->b, PREFACE, sizeof PREFACE - 1);
    f->n = sizeof PREFACE - 1;
    frame(f, 4 /* SETTINGS */, 0, 0, NULL, 0);
}

/* HPACK literal field without indexing, new name (RFC 7541 §6.2.2); lengths under 127. */
static size_t hpack_literal(uint8_t *out, const char *name, size_t vlen, char vchar)
{
    size_t nl = strlen(name), k = 0;
    out[k++] = 0x00;
    out[k++] = (uint8_t)nl;
    memcpy(out + k, name, nl);
    k += nl;
    out[k++] = (uint8_t)vlen;
    memset(out + k, vchar, vlen);
    return k + vlen;
}

/* Read frames until stream 1 ends; returns the DATA bytes of stream 1 in @p body. */
static size_t read_stream1(int fd, char *body, size_t cap, int *ret_frames)
{
    size_t blen = 0;
    int frames = 0;
    for (;;) {
        uint8_t h[9];
        size_t got = 0;
        while (got < 9) {
            ssize_t n = recv(fd, h + got, 9 - got, 0);
            if (n <= 0)
                goto out;
            got += (size_t)n;
        }
        size_t len = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
        uint32_t sid =
            (uint32_t)(h[5] & 0x7f) << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
        static uint8_t p[1 << 16];
        assert_true(len <= sizeof p);
        got = 0;
        while (got < len) {
            ssize_t n = recv(fd, p + got, len - got, 0);
            if (n <= 0)
                goto out;
            got += (size_t)n;
        }
        frames++;
        if (sid == 1 && h[3] == 0 /* DATA */ && blen + len <= cap) {
            memcpy(body + blen, p, len);
            blen += len;
        }
        if (sid == 1 && (h[3] == 0 || h[3] == 1) && (h[4] & 0x01) != 0)
            break;
        if (sid == 1 && h[3] == 3 /* RST_STREAM */)
            break;
    }
out:
    *ret_frames = frames;
    return blen;
}

/* GET with one extra field "x-a" of @p vlen bytes; returns the response body length. */
static size_t get_with_field(const running *r, size_t vlen, char *body, size_t cap)
{
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    uint8_t hb[300];
    size_t k = 0;
    hb[k++] = 0x82; /* :method GET */
    hb[k++] = 0x86; /* :scheme http */
    hb[k++] = 0x01; /* :authority "a" (nghttp2 requires it or host) */
    hb[k++] = 1;
    hb[k++] = 'a';
    hb[k++] = 0x04; /* :path, literal value */
    hb[k++] = 6;
    memcpy(hb + k, "/p?x=1", 6);
    k += 6;
    k += hpack_literal(hb + k, "x-a", vlen, 'v');
    frame(f, 1 /* HEADERS */, 0x05 /* END_STREAM|END_HEADERS */, 1, hb, k);
    int fd = dial(r);
    send_all(fd, f->b, f->n);
    int frames;
    size_t n = read_stream1(fd, body, cap, &frames);
    close(fd);
    test_free(f);
    return n;
}

/* POST / with @p len body bytes in one DATA frame. */
static size_t post_body(const running *r, size_t len, char *body, size_t cap)
{
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    uint8_t hb[16];
    size_t k = 0;
    hb[k++] = 0x83; /* :method POST */
    hb[k++] = 0x86; /* :scheme http */
    hb[k++] = 0x84; /* :path / */
    hb[k++] = 0x01; /* :authority "a" */
    hb[k++] = 1;
    hb[k++] = 'a';
    frame(f, 1, 0x04 /* END_HEADERS */, 1, hb, k);
    static uint8_t data[16384];
    assert_true(len <= sizeof data);
    memset(data, 'b', len);
    frame(f, 0 /* DATA */, 0x01 /* END_STREAM */, 1, data, len);
    int fd = dial(r);
    send_all(fd, f->b, f->n);
    int frames;
    size_t n = read_stream1(fd, body, cap, &frames);
    close(fd);
    test_free(f);
    return n;
}

static const yc_h2_opts base_opts = {.h2c_host = "127.0.0.1", .handler = handler};

/* ---- safety: options at and past their limits ---- */

static void safety__open__no_handler__invalid(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.handler = NULL;
    yc_h2_server *s = NULL;
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
    assert_null(s);
    yc_h2_server_close(s); /* closing NULL is a no-op */
}

static void safety__open__workers_max_plus_one__invalid(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.workers = YC_H2_WORKERS_MAX + 1;
    yc_h2_server *s = NULL;
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
    assert_null(s);
    o.workers = YC_H2_WORKERS_MAX; /* one listener and one epoll per worker, no threads yet */
    assert_int_equal(yc_h2_server_open(&o, &s), YC_OK);
    assert_int_equal(yc_h2_server_workers(s), YC_H2_WORKERS_MAX);
    yc_h2_server_close(s);
    o.workers = 0; /* the number of online CPUs */
    assert_int_equal(yc_h2_server_open(&o, &s), YC_OK);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(yc_h2_server_workers(s), cpus < 1 ? 1 : (unsigned)cpus);
    yc_h2_server_close(s);
}

static void safety__open__listener_options__exact_errors(void **state)
{
    (void)state;
    yc_h2_server *s = NULL;
    yc_h2_opts o = base_opts;
    o.h2c_off = true; /* and no TLS: nothing to listen on */
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
    o = base_opts;
    o.tls_cert = "/nonexistent/cert.pem"; /* a certificate without a key */
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
    o.tls_key = "/nonexistent/key.pem";
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_IO);
    o.tls_host = "localhost";
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
    assert_null(s);
    o = base_opts;
    o.h2c_host = "not an address";
    o.h2c_off = true; /* the host of a listener that is off is not looked at */
    o.tls_cert = "/nonexistent/cert.pem";
    o.tls_key = "/nonexistent/key.pem";
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_IO);
    o = base_opts; /* h2c alone: no TLS port */
    assert_int_equal(yc_h2_server_open(&o, &s), YC_OK);
    assert_int_equal(yc_h2_server_tls_port(s), 0);
    assert_true(yc_h2_server_port(s) != 0);
    yc_h2_server_close(s);
}

static void safety__open__body_cap_limit_plus_one__invalid(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    yc_h2_server *s = NULL;
    o.max_body_bytes = (size_t)YC_H2_BODY_BYTES_LIMIT + 1;
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
    o.max_body_bytes = YC_H2_BODY_BYTES_LIMIT;
    assert_int_equal(yc_h2_server_open(&o, &s), YC_OK);
    yc_h2_server_close(s);
}

static void safety__open__host_not_numeric__invalid(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    yc_h2_server *s = NULL;
    o.h2c_host = "localhost";
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
    o.h2c_host = "";
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
}

static void safety__open__port_in_use__io(void **state)
{
    (void)state;
    yc_h2_server *a = NULL, *b = NULL;
    assert_int_equal(yc_h2_server_open(&base_opts, &a), YC_OK);
    yc_h2_opts o = base_opts;
    o.h2c_port = yc_h2_server_port(a);
    assert_int_equal(yc_h2_server_open(&o, &b), YC_ERR_IO);
    assert_null(b);
    yc_h2_server_close(a);
}

/* ---- requests ---- */

static void run__get_with_query__handler_sees_split_path_and_reply(void **state)
{
    (void)state;
    running r;
    start(&r, &base_opts);
    char body[64];
    size_t n = get_with_field(&r, 1, body, sizeof body);
    assert_int_equal(n, 5);
    assert_memory_equal(body, "hello", 5);
    assert_int_equal(g_seen.calls, 1);
    assert_string_equal(g_seen.method, "GET");
    assert_string_equal(g_seen.path, "/p");
    assert_string_equal(g_seen.query, "x=1");
    assert_string_equal(g_seen.content_type, "(null)");
    assert_int_equal(g_seen.body_len, 0);
    assert_true(g_seen.body_null);
    assert_int_equal(g_seen.limit_status, 0);
    stop(&r);
}

static void reply_set__limits__exact_errors(void **state)
{
    (void)state;
    running r;
    start(&r, &base_opts);
    char body[64];
    assert_int_equal(get_with_field(&r, 1, body, sizeof body), 5);
    assert_int_equal(g_seen.ct_255, YC_OK);
    assert_int_equal(g_seen.ct_256, YC_ERR_INVALID);
    assert_int_equal(g_seen.bad_status_low, YC_ERR_INVALID);
    assert_int_equal(g_seen.bad_status_high, YC_ERR_INVALID);
    assert_int_equal(g_seen.bad_allow, YC_ERR_INVALID);
    stop(&r);
}

/* Pseudo-fields count too: ":method"+"GET" 10, ":scheme"+"http" 11, ":authority"+"a" 11,
 * ":path"+"/p?x=1" 11, "x-a" 3: 46 bytes plus the value. */
static void run__header_bytes_at_limit__handled(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.max_header_bytes = 100;
    running r;
    start(&r, &o);
    char body[64];
    assert_int_equal(get_with_field(&r, 54, body, sizeof body), 5);
    assert_int_equal(g_seen.calls, 1);
    assert_int_equal(g_seen.limit_status, 0);
    stop(&r);
}

static void run__header_bytes_limit_plus_one__431(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.max_header_bytes = 100;
    running r;
    start(&r, &o);
    char body[64];
    assert_int_equal(get_with_field(&r, 55, body, sizeof body), 5);
    assert_int_equal(g_seen.calls, 1);
    assert_int_equal(g_seen.limit_status, 431);
    assert_true(g_seen.body_null);
    stop(&r);
}

static void run__body_at_limit__handled(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.max_body_bytes = 1000;
    running r;
    start(&r, &o);
    char body[64];
    assert_int_equal(post_body(&r, 1000, body, sizeof body), 5);
    assert_int_equal(g_seen.calls, 1);
    assert_string_equal(g_seen.method, "POST");
    assert_int_equal(g_seen.body_len, 1000);
    assert_int_equal(g_seen.limit_status, 0);
    stop(&r);
}

static void run__body_limit_plus_one__413(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.max_body_bytes = 1000;
    running r;
    start(&r, &o);
    char body[64];
    assert_int_equal(post_body(&r, 1001, body, sizeof body), 5);
    assert_int_equal(g_seen.calls, 1);
    assert_int_equal(g_seen.limit_status, 413);
    assert_int_equal(g_seen.body_len, 0);
    assert_true(g_seen.body_null);
    stop(&r);
}

static const char reply_505[] = "HTTP/1.1 505 HTTP Version Not Supported\r\n"
                                "Content-Type: text/plain\r\n"
                                "Content-Length: 50\r\n"
                                "Connection: close\r\n"
                                "\r\n"
                                "this port speaks HTTP/2 only (h2c prior knowledge)";

static void run__http11_request__505_and_close(void **state)
{
    (void)state;
    running r;
    start(&r, &base_opts);
    int fd = dial(&r);
    static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, req, sizeof req - 1);
    char buf[512];
    size_t n = read_to_eof(fd, buf, sizeof buf);
    close(fd);
    assert_int_equal(n, sizeof reply_505 - 1);
    assert_memory_equal(buf, reply_505, n);
    assert_int_equal(g_seen.calls, 0);
    stop(&r);
}

static void run__preface_then_garbage__505(void **state)
{
    (void)state;
    running r;
    start(&r, &base_opts);
    int fd = dial(&r);
    send_all(fd, "PRI * HTTP/2.0\r\n", 16);
    usleep(50000); /* a second read on the server */
    send_all(fd, "\r\nXX", 4);
    char buf[512];
    size_t n = read_to_eof(fd, buf, sizeof buf);
    close(fd);
    assert_int_equal(n, sizeof reply_505 - 1);
    assert_memory_equal(buf, reply_505, n);
    stop(&r);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run__idle_connection__closed_after_timeout(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.idle_timeout_ms = 300;
    running r;
    start(&r, &o);
    int fd = dial(&r);
    int64_t t0 = mono_ms();
    char buf[512];
    size_t n = read_to_eof(fd, buf, sizeof buf); /* no preface: closed without a byte */
    int64_t dt = mono_ms() - t0;
    close(fd);
    assert_int_equal(n, 0);
    assert_true(dt >= 300);
    assert_true(dt < 2500); /* the timer scan runs every YC_H2_TIMER_TICK_MS */
    stop(&r);
}

static void run__idle_h2_connection__goaway_then_close(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.idle_timeout_ms = 300;
    running r;
    start(&r, &o);
    int fd = dial(&r);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    send_all(fd, f->b, f->n);
    test_free(f);
    char buf[512];
    size_t n = read_to_eof(fd, buf, sizeof buf);
    close(fd);
    /* SETTINGS, SETTINGS ACK, then GOAWAY (type 7, 8-byte payload: last stream 0, NO_ERROR) */
    assert_true(n >= 17);
    assert_int_equal(buf[n - 17 + 3], 7);
    static const char goaway_payload[8] = {0};
    assert_memory_equal(buf + n - 8, goaway_payload, 8);
    stop(&r);
}

static void run__stop_with_open_connection__drains_and_returns(void **state)
{
    (void)state;
    running r;
    start(&r, &base_opts);
    int fd = dial(&r);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    send_all(fd, f->b, f->n);
    test_free(f);
    usleep(100000);
    int64_t t0 = mono_ms();
    stop(&r); /* GOAWAY to the idle connection, which has no open stream: closed at once */
    assert_true(mono_ms() - t0 < 2000);
    char buf[512];
    size_t n = read_to_eof(fd, buf, sizeof buf);
    close(fd);
    /* the last frame is GOAWAY (type 7) with last-stream-id 0 and NO_ERROR */
    assert_true(n >= 17);
    assert_int_equal(buf[n - 17 + 3], 7);
    static const char goaway_payload[8] = {0};
    assert_memory_equal(buf + n - 8, goaway_payload, 8);
}

/* ---- workers, connection cap, glitches, timers ---- */

/* Read one frame: its type, flags, stream and payload (up to @p cap bytes kept).  Returns the
 * payload length, or -1 at EOF, reset or the 10 s timeout. */
static long next_frame(int fd, uint8_t *type, uint8_t *flags, uint32_t *sid, uint8_t *payload,
                       size_t cap)
{
    uint8_t h[9];
    size_t got = 0;
    while (got < 9) {
        ssize_t n = recv(fd, h + got, 9 - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    size_t len = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
    *type = h[3];
    *flags = h[4];
    *sid = (uint32_t)(h[5] & 0x7f) << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
    for (size_t k = 0; k < len; k++) {
        uint8_t b;
        if (recv(fd, &b, 1, 0) != 1)
            return -1;
        if (k < cap)
            payload[k] = b;
    }
    return (long)len;
}

typedef struct seen_frames {
    int frames;
    long goaway_code; /* -1: no GOAWAY */
    long rst_code;    /* of stream 1; -1: none */
    int data_frames;  /* on stream 1 */
    char body[64];    /* DATA of stream 1 */
    size_t body_len;
    int64_t eof_ms; /* mono_ms() at EOF */
} seen_frames;

static int64_t mono_ms(void);

/* Read every frame until EOF (or the 10 s timeout). */
static void read_to_close(int fd, seen_frames *sf)
{
    memset(sf, 0, sizeof *sf);
    sf->goaway_code = sf->rst_code = -1;
    uint8_t type, flags, p[256];
    uint32_t sid;
    long len;
    while ((len = next_frame(fd, &type, &flags, &sid, p, sizeof p)) >= 0) {
        sf->frames++;
        if (type == 7 && len >= 8)
            sf->goaway_code =
                (long)((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7]);
        if (type == 3 && sid == 1 && len == 4)
            sf->rst_code =
                (long)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
        if (type == 0 && sid == 1) {
            sf->data_frames++;
            size_t n = (size_t)len < sizeof p ? (size_t)len : sizeof p;
            if (sf->body_len + n <= sizeof sf->body) {
                memcpy(sf->body + sf->body_len, p, n);
                sf->body_len += n;
            }
        }
    }
    sf->eof_ms = mono_ms();
}

/* HEADERS of a GET /p on stream @p sid (END_STREAM|END_HEADERS), HPACK static entries only. */
static void get_frame(frame_buf *f, uint32_t sid)
{
    static const uint8_t hb[] = {0x82, 0x86, 0x84, 0x01, 1, 'a'}; /* GET http / :authority a */
    frame(f, 1, 0x05, sid, hb, sizeof hb);
}

static atomic_int g_worker_calls[2];

static yc_err count_handler(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
    (void)ctx;
    if (req->worker < 2)
        atomic_fetch_add(&g_worker_calls[req->worker], 1);
    return yc_h2_reply_set(reply, 200, "text/plain", NULL, "hello", 5);
}

static void run__two_workers_port_zero__both_serve(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.workers = 2;
    o.handler = count_handler;
    atomic_store(&g_worker_calls[0], 0);
    atomic_store(&g_worker_calls[1], 0);
    running r;
    start(&r, &o);
    assert_int_equal(yc_h2_server_workers(r.srv), 2);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    get_frame(f, 1);
    for (int i = 0; i < 32; i++) { /* SO_REUSEPORT hashes each 4-tuple to one of the two */
        int fd = dial(&r);
        send_all(fd, f->b, f->n);
        char body[16];
        int frames;
        assert_int_equal(read_stream1(fd, body, sizeof body, &frames), 5);
        close(fd);
    }
    test_free(f);
    stop(&r); /* both workers drain and return */
    int a = atomic_load(&g_worker_calls[0]), b = atomic_load(&g_worker_calls[1]);
    assert_int_equal(a + b, 32);
    assert_true(a > 0);
    assert_true(b > 0);
}

static void run__max_connections__at_cap_served_past_closed(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.workers = 1;
    o.max_connections = 2;
    running r;
    start(&r, &o);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    get_frame(f, 1);
    int fds[2];
    char body[16];
    int frames;
    for (int i = 0; i < 2; i++) { /* both open at once, both served */
        fds[i] = dial(&r);
        send_all(fds[i], f->b, f->n);
        assert_int_equal(read_stream1(fds[i], body, sizeof body, &frames), 5);
    }
    int extra = dial(&r); /* the kernel completes the handshake; the server closes at once */
    (void)send(extra, f->b, f->n, MSG_NOSIGNAL);
    char buf[64];
    assert_true(recv(extra, buf, sizeof buf, 0) <= 0);
    close(extra);
    close(fds[0]);
    usleep(100000); /* the worker sees the close */
    int again = dial(&r);
    send_all(again, f->b, f->n);
    assert_int_equal(read_stream1(again, body, sizeof body, &frames), 5);
    close(again);
    close(fds[1]);
    test_free(f);
    stop(&r);
}

/* @p n PRIORITY frames (stream 3), then GET on stream 1. */
static void priority_flood(const running *r, int n, seen_frames *sf)
{
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    static const uint8_t prio[5] = {0, 0, 0, 0, 15};
    for (int i = 0; i < n; i++)
        frame(f, 2 /* PRIORITY */, 0, 3, prio, sizeof prio);
    get_frame(f, 1);
    int fd = dial(r);
    send_all(fd, f->b, f->n);
    /* at the limit the connection stays open after the reply: stop at the idle timeout */
    read_to_close(fd, sf);
    close(fd);
    test_free(f);
}

static void run__glitch_burst__at_limit_served_past_goaway_calm(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.glitch_burst = 5;
    o.glitch_rate_per_s = 1;
    o.idle_timeout_ms = 300;
    running r;
    start(&r, &o);
    seen_frames sf;
    priority_flood(&r, 5, &sf);
    assert_int_equal(sf.body_len, 5); /* served, then the idle GOAWAY NO_ERROR */
    assert_memory_equal(sf.body, "hello", 5);
    assert_int_equal(sf.goaway_code, 0);
    priority_flood(&r, 6, &sf);
    assert_int_equal(sf.body_len, 0);
    assert_int_equal(sf.goaway_code, 11); /* ENHANCE_YOUR_CALM */
    stop(&r);
}

static void run__body_stalled__408_then_rst_no_error(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.body_timeout_ms = 200;
    o.idle_timeout_ms = 1000;
    running r;
    start(&r, &o);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    static const uint8_t hb[] = {0x83, 0x86, 0x84, 0x01, 1, 'a'}; /* POST http / a */
    frame(f, 1, 0x04 /* END_HEADERS only */, 1, hb, sizeof hb);
    frame(f, 0, 0, 1, "b", 1); /* one body byte, then nothing */
    int fd = dial(&r);
    int64_t t0 = mono_ms();
    send_all(fd, f->b, f->n);
    seen_frames sf;
    read_to_close(fd, &sf); /* 408, RST_STREAM NO_ERROR, later the idle GOAWAY */
    close(fd);
    test_free(f);
    assert_int_equal(g_seen.calls, 1);
    assert_int_equal(g_seen.limit_status, 408);
    assert_true(g_seen.body_null);
    assert_int_equal(g_seen.body_len, 0);
    assert_int_equal(sf.body_len, 5);
    assert_int_equal(sf.rst_code, 0);
    assert_int_equal(sf.goaway_code, 0);
    assert_true(sf.eof_ms - t0 >= 200 + 1000);
    stop(&r);
}

static void run__header_block_stalled__goaway_calm(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.header_timeout_ms = 200;
    running r;
    start(&r, &o);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    static const uint8_t hb[] = {0x82, 0x86}; /* the rest never comes */
    frame(f, 1, 0x01 /* END_STREAM, no END_HEADERS */, 1, hb, sizeof hb);
    int fd = dial(&r);
    int64_t t0 = mono_ms();
    send_all(fd, f->b, f->n);
    seen_frames sf;
    read_to_close(fd, &sf);
    close(fd);
    test_free(f);
    assert_int_equal(sf.goaway_code, 11);
    assert_true(sf.eof_ms - t0 >= 200);
    assert_true(sf.eof_ms - t0 < 5000);
    assert_int_equal(g_seen.calls, 0);
    stop(&r);
}

static void run__preface_without_settings__closed_no_goaway(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.preface_timeout_ms = 200;
    running r;
    start(&r, &o);
    int fd = dial(&r);
    int64_t t0 = mono_ms();
    send_all(fd, PREFACE, sizeof PREFACE - 1);
    seen_frames sf;
    read_to_close(fd, &sf);
    close(fd);
    assert_int_equal(sf.frames, 1); /* the server's SETTINGS, nothing else */
    assert_int_equal(sf.goaway_code, -1);
    assert_true(sf.eof_ms - t0 >= 200);
    assert_true(sf.eof_ms - t0 < 5000); /* long before the 60 s idle timeout */
    stop(&r);
}

static void run__zero_window__closed_after_write_timeout(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.write_timeout_ms = 200;
    running r;
    start(&r, &o);
    frame_buf *f = test_malloc(sizeof *f);
    f->n = sizeof PREFACE - 1;
    memcpy(f->b, PREFACE, f->n);
    static const uint8_t win0[6] = {0, 4, 0, 0, 0, 0}; /* SETTINGS_INITIAL_WINDOW_SIZE 0 */
    frame(f, 4, 0, 0, win0, sizeof win0);
    get_frame(f, 1);
    int fd = dial(&r);
    int64_t t0 = mono_ms();
    send_all(fd, f->b, f->n);
    seen_frames sf;
    read_to_close(fd, &sf);
    close(fd);
    test_free(f);
    assert_int_equal(g_seen.calls, 1);
    assert_int_equal(sf.data_frames, 0); /* the body never fit the window */
    assert_int_equal(sf.goaway_code, -1);
    assert_true(sf.eof_ms - t0 >= 200);
    assert_true(sf.eof_ms - t0 < 5000);
    stop(&r);
}

/* ---- timers against a busy worker; discarding after an early response ---- */

static atomic_int g_slow_ms;    /* "/slow" sleeps this long */
static atomic_size_t g_big_len; /* "/big" answers this many bytes */

/* GET /slow: sleeps; GET /big: a large body; anything else: "hello" ("limit" when the
 * transport cut the request short). */
static yc_err path_handler(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
    (void)ctx;
    if (req->limit_status != 0)
        return yc_h2_reply_set(reply, req->limit_status, "text/plain", NULL, "limit", 5);
    if (strcmp(req->path, "/slow") == 0) {
        struct timespec ts = {.tv_nsec = (long)atomic_load(&g_slow_ms) * 1000000L};
        nanosleep(&ts, NULL);
        return yc_h2_reply_set(reply, 200, "text/plain", NULL, "slow", 4);
    }
    if (strcmp(req->path, "/big") == 0) {
        size_t n = atomic_load(&g_big_len);
        char *b = test_malloc(n);
        memset(b, 'z', n);
        yc_err e = yc_h2_reply_set(reply, 200, "text/plain", NULL, b, n);
        test_free(b);
        return e;
    }
    return yc_h2_reply_set(reply, 200, "text/plain", NULL, "hello", 5);
}

/* One client connection read frame by frame without keeping the payloads. */
typedef struct peer {
    int fd;
    uint8_t hdr[9];
    size_t hdr_n;
    size_t left; /* payload bytes of the current frame still to come */
    uint8_t type, flags;
    uint32_t sid;
    uint8_t p[8]; /* the first payload bytes of the current frame */
    size_t p_n;
    size_t data;  /* DATA bytes of stream 1 */
    char body[8]; /* its first bytes */
    size_t body_n;
    long rst; /* RST_STREAM code on stream 1; -1: none */
    long goaway;
    bool done; /* stream 1 ended (END_STREAM or RST_STREAM) */
    bool eof;
} peer;

static void peer_frame_end(peer *pe)
{
    if (pe->type == 3 && pe->sid == 1 && pe->p_n == 4) {
        pe->rst = (long)((uint32_t)pe->p[0] << 24 | (uint32_t)pe->p[1] << 16 |
                         (uint32_t)pe->p[2] << 8 | pe->p[3]);
        pe->done = true;
    }
    if (pe->type == 7 && pe->p_n == 8)
        pe->goaway = (long)((uint32_t)pe->p[4] << 24 | (uint32_t)pe->p[5] << 16 |
                            (uint32_t)pe->p[6] << 8 | pe->p[7]);
    if ((pe->type == 0 || pe->type == 1) && pe->sid == 1 && (pe->flags & 0x01) != 0)
        pe->done = true;
    pe->hdr_n = 0;
}

static void peer_feed(peer *pe, const uint8_t *b, size_t n)
{
    while (n > 0) {
        if (pe->hdr_n < 9) {
            pe->hdr[pe->hdr_n++] = *b++;
            n--;
            if (pe->hdr_n < 9)
                continue;
            pe->left = (size_t)pe->hdr[0] << 16 | (size_t)pe->hdr[1] << 8 | pe->hdr[2];
            pe->type = pe->hdr[3];
            pe->flags = pe->hdr[4];
            pe->sid = (uint32_t)(pe->hdr[5] & 0x7f) << 24 | (uint32_t)pe->hdr[6] << 16 |
                      (uint32_t)pe->hdr[7] << 8 | pe->hdr[8];
            pe->p_n = 0;
            if (pe->left == 0)
                peer_frame_end(pe);
            continue;
        }
        size_t k = n < pe->left ? n : pe->left;
        for (size_t i = 0; i < k && pe->p_n < sizeof pe->p; i++)
            pe->p[pe->p_n++] = b[i];
        if (pe->type == 0 && pe->sid == 1) {
            for (size_t i = 0; i < k && pe->body_n < sizeof pe->body; i++)
                pe->body[pe->body_n++] = (char)b[i];
            pe->data += k;
        }
        b += k;
        n -= k;
        pe->left -= k;
        if (pe->left == 0)
            peer_frame_end(pe);
    }
}

/* Read whatever has arrived on any peer (at least one pass), for at most @p ms milliseconds
 * or until every peer is done (with @p past_done: reset or at EOF) or at EOF. */
static void pump(peer *pe, size_t n, int ms, bool past_done)
{
    static uint8_t buf[65536];
    const int64_t end = mono_ms() + ms;
    for (bool first = true;; first = false) {
        size_t open = 0;
        for (size_t i = 0; i < n; i++)
            open += !(pe[i].done && (!past_done || pe[i].rst != -1)) && !pe[i].eof;
        if (open == 0 || (!first && mono_ms() >= end))
            return;
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            if ((pe[i].done && (!past_done || pe[i].rst != -1)) || pe[i].eof)
                continue;
            ssize_t got = recv(pe[i].fd, buf, sizeof buf, MSG_DONTWAIT);
            if (got > 0) {
                peer_feed(&pe[i], buf, (size_t)got);
                any = true;
            } else if (got == 0 || errno != EAGAIN) {
                pe[i].eof = true;
            }
        }
        if (!any)
            usleep(200);
    }
}

static void peers_pump(peer *pe, size_t n, int ms)
{
    pump(pe, n, ms, false);
}

static void peer_open(peer *pe, const running *r)
{
    memset(pe, 0, sizeof *pe);
    pe->rst = pe->goaway = -1;
    pe->fd = dial(r);
}

/* The client preface with SETTINGS_INITIAL_WINDOW_SIZE 2^31-1 and a connection WINDOW_UPDATE
 * to the same size: the server is never held back by flow control. */
static void client_start_wide(frame_buf *f)
{
    f->n = sizeof PREFACE - 1;
    memcpy(f->b, PREFACE, f->n);
    static const uint8_t win[6] = {0, 4, 0x7f, 0xff, 0xff, 0xff};
    frame(f, 4, 0, 0, win, sizeof win);
    const uint32_t inc = 0x7fffffffu - 65535u;
    const uint8_t wu[4] = {(uint8_t)(inc >> 24), (uint8_t)(inc >> 16), (uint8_t)(inc >> 8),
                           (uint8_t)inc};
    frame(f, 8 /* WINDOW_UPDATE */, 0, 0, wu, sizeof wu);
}

/* HEADERS of GET @p path (a literal :path of up to 126 bytes) on stream @p sid. */
static void get_path_frame(frame_buf *f, uint32_t sid, const char *path)
{
    uint8_t hb[160];
    size_t k = 0, pl = strlen(path);
    assert_true(pl < 127);
    hb[k++] = 0x82; /* :method GET */
    hb[k++] = 0x86; /* :scheme http */
    hb[k++] = 0x01; /* :authority "a" */
    hb[k++] = 1;
    hb[k++] = 'a';
    hb[k++] = 0x04; /* :path, literal value */
    hb[k++] = (uint8_t)pl;
    memcpy(hb + k, path, pl);
    k += pl;
    frame(f, 1, 0x05 /* END_STREAM|END_HEADERS */, sid, hb, k);
}

/* A connection that keeps the worker busy: @p n GET /slow on one connection (one read). */
static int busy_connection(const running *r, uint32_t n)
{
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    for (uint32_t i = 0; i < n; i++)
        get_path_frame(f, 1 + 2 * i, "/slow");
    int fd = dial(r);
    send_all(fd, f->b, f->n);
    test_free(f);
    return fd;
}

#define N_PEERS 100 /* more than one epoll batch (64 events) of the worker */

/* Defect: the worker read the clock once per batch of epoll events and ran handlers inline, so
 * after a long batch the timer scan closed connections whose output was pending but whose
 * sockets would accept bytes: healthy clients lost their streams after the response HEADERS.
 * Here 100 clients read 512 KiB responses (4 KiB of gathered output at a time) while another
 * connection holds the worker for 4 x 150 ms, 3 times the write timeout. */
static void run__worker_busy_while_clients_read__no_write_timeout(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.handler = path_handler;
    o.workers = 1;
    o.write_timeout_ms = 200;
    o.output_high_water = 4096;
    atomic_store(&g_slow_ms, 150);
    atomic_store(&g_big_len, (size_t)512 * 1024);
    running r;
    start(&r, &o);
    peer *pe = test_calloc(N_PEERS, sizeof *pe);
    frame_buf *f = test_malloc(sizeof *f);
    client_start_wide(f);
    get_path_frame(f, 1, "/big");
    for (size_t i = 0; i < N_PEERS; i++) {
        peer_open(&pe[i], &r);
        send_all(pe[i].fd, f->b, f->n);
    }
    test_free(f);
    /* every response has begun before the worker is made busy */
    for (int64_t end = mono_ms() + 10000; mono_ms() < end;) {
        size_t started = 0;
        for (size_t i = 0; i < N_PEERS; i++)
            started += pe[i].data > 0;
        if (started == N_PEERS)
            break;
        peers_pump(pe, N_PEERS, 1);
    }
    int busy = busy_connection(&r, 4);
    peers_pump(pe, N_PEERS, 20000);
    size_t complete = 0, closed = 0;
    for (size_t i = 0; i < N_PEERS; i++) {
        complete += pe[i].done && pe[i].rst == -1 && pe[i].data == 512 * 1024;
        closed += pe[i].eof;
        close(pe[i].fd);
    }
    seen_frames sf;
    read_to_close(busy, &sf); /* served too (the idle timeout ends it) */
    close(busy);
    test_free(pe);
    assert_int_equal(closed, 0);
    assert_int_equal(complete, N_PEERS);
    stop(&r);
}

/* The same defect on the read side: body bytes that arrived while the worker was busy must
 * not look like a stalled body (408). */
static void run__worker_busy_while_bodies_arrive__no_body_timeout(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.handler = path_handler;
    o.workers = 1;
    o.body_timeout_ms = 300;
    atomic_store(&g_slow_ms, 150);
    running r;
    start(&r, &o);
    peer *pe = test_calloc(N_PEERS, sizeof *pe);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    static const uint8_t hb[] = {0x83, 0x86, 0x84, 0x01, 1, 'a'}; /* POST http / a */
    frame(f, 1, 0x04 /* END_HEADERS */, 1, hb, sizeof hb);
    frame(f, 0, 0, 1, "b", 1);
    for (size_t i = 0; i < N_PEERS; i++) {
        peer_open(&pe[i], &r);
        send_all(pe[i].fd, f->b, f->n);
    }
    usleep(100000);                    /* the worker reads every first body byte */
    int busy = busy_connection(&r, 5); /* 750 ms of handlers: 2.5 body timeouts */
    usleep(150000);                    /* the rest of each body arrives meanwhile */
    f->n = 0;
    frame(f, 0, 0x01 /* END_STREAM */, 1, "c", 1);
    for (size_t i = 0; i < N_PEERS; i++)
        send_all(pe[i].fd, f->b, f->n);
    test_free(f);
    peers_pump(pe, N_PEERS, 10000);
    size_t hello = 0;
    for (size_t i = 0; i < N_PEERS; i++) {
        hello += pe[i].done && pe[i].body_n == 5 && memcmp(pe[i].body, "hello", 5) == 0;
        close(pe[i].fd);
    }
    close(busy);
    test_free(pe);
    assert_int_equal(hello, N_PEERS); /* none answered 408 ("limit") */
    stop(&r);
}

/* A client that stops reading: the socket buffers fill (the server's send buffer is at most
 * net.core.wmem_max, 4 MiB on Debian), nothing is accepted for write_timeout_ms, and the
 * connection is closed.  Not reading for less than that is fine. */
static void stalled_reader(int pause_ms, peer *pe)
{
    yc_h2_opts o = base_opts;
    o.handler = path_handler;
    o.write_timeout_ms = 300;
    o.idle_timeout_ms = 1000;
    const size_t big = (size_t)16 * 1024 * 1024;
    atomic_store(&g_big_len, big);
    running r;
    start(&r, &o);
    frame_buf *f = test_malloc(sizeof *f);
    client_start_wide(f);
    get_path_frame(f, 1, "/big");
    peer_open(pe, &r);
    /* a fixed receive buffer (no autotuning up to tcp_rmem's maximum) */
    int rcvbuf = 65536;
    assert_int_equal(setsockopt(pe->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
    send_all(pe->fd, f->b, f->n);
    test_free(f);
    uint8_t first[4096]; /* the response begins: read a little, then stop reading */
    ssize_t got = recv(pe->fd, first, sizeof first, 0);
    assert_true(got > 0);
    peer_feed(pe, first, (size_t)got);
    usleep((useconds_t)pause_ms * 1000);
    peers_pump(pe, 1, 20000);
    close(pe->fd);
    stop(&r);
}

static void run__reader_pauses_under_write_timeout__served(void **state)
{
    (void)state;
    peer pe;
    stalled_reader(150, &pe);
    assert_true(pe.done);
    assert_int_equal(pe.rst, -1);
    assert_int_equal(pe.data, 16 * 1024 * 1024);
}

static void run__reader_stops_past_write_timeout__closed(void **state)
{
    (void)state;
    peer pe;
    stalled_reader(1500, &pe);
    assert_true(pe.eof);
    assert_false(pe.done);
    assert_true(pe.data < 16 * 1024 * 1024);
    assert_int_equal(pe.goaway, -1); /* closed without GOAWAY */
}

/* POST / whose body of @p body_len bytes comes in DATA frames of 16384 bytes (the last with
 * END_STREAM); reads stream 1 until it ends and then until the connection has nothing more
 * for 300 ms. */
static void post_in_frames(const yc_h2_opts *o, size_t body_len, peer *pe)
{
    running r;
    start(&r, o);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    static const uint8_t hb[] = {0x83, 0x86, 0x84, 0x01, 1, 'a'}; /* POST http / a */
    frame(f, 1, 0x04 /* END_HEADERS */, 1, hb, sizeof hb);
    peer_open(pe, &r);
    send_all(pe->fd, f->b, f->n);
    static uint8_t chunk[16384];
    memset(chunk, 'b', sizeof chunk);
    for (size_t sent = 0; sent < body_len;) {
        size_t k = body_len - sent < sizeof chunk ? body_len - sent : sizeof chunk;
        sent += k;
        f->n = 0;
        frame(f, 0, sent == body_len ? 0x01 : 0, 1, chunk, k);
        /* the server's windows (65535) are reopened by its WINDOW_UPDATEs; a reset stream
         * still counts against the connection window, and the server keeps reopening that */
        if (send(pe->fd, f->b, f->n, MSG_NOSIGNAL) != (ssize_t)f->n)
            break;
        peers_pump(pe, 1, 0);
    }
    test_free(f);
    peers_pump(pe, 1, 5000);
    pump(pe, 1, 300, true); /* a reset would follow the response at once */
    close(pe->fd);
    stop(&r);
}

/* curl 7.88 treats RST_STREAM after the 413 as an error and never shows the 413: the rest of
 * the body is read and dropped, and the stream ends normally. */
static void run__body_over_cap_then_rest__413_without_reset(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.handler = path_handler;
    o.max_body_bytes = 1000;
    peer pe;
    post_in_frames(&o, 1024 * 1024, &pe);
    assert_true(pe.done);
    assert_int_equal(pe.rst, -1);
    assert_int_equal(pe.body_n, 5);
    assert_memory_equal(pe.body, "limit", 5);
    assert_false(pe.eof);
}

static void run__discard_at_cap__no_reset(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.handler = path_handler;
    o.max_body_bytes = 1000;
    o.max_discard_bytes = 100000;
    peer pe;
    post_in_frames(&o, 1000 + 100000, &pe);
    assert_true(pe.done);
    assert_int_equal(pe.rst, -1);
    assert_memory_equal(pe.body, "limit", 5);
}

static void run__discard_cap_plus_one__413_then_rst_no_error(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.handler = path_handler;
    o.max_body_bytes = 1000;
    o.max_discard_bytes = 100000;
    peer pe;
    post_in_frames(&o, 1000 + 100000 + 1, &pe);
    assert_true(pe.done);
    assert_int_equal(pe.rst, 0); /* NO_ERROR, after the complete 413 */
    assert_int_equal(pe.body_n, 5);
    assert_memory_equal(pe.body, "limit", 5);
}

static void run__discard_off__413_then_rst_no_error(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.handler = path_handler;
    o.max_body_bytes = 1000;
    o.discard_off = true;
    peer pe;
    post_in_frames(&o, 1001, &pe); /* one frame of 1001: over the cap before END_STREAM */
    assert_true(pe.done);
    assert_int_equal(pe.body_n, 5);
    assert_memory_equal(pe.body, "limit", 5);
    /* the END_STREAM came in the same frame: nothing to reset */
    assert_int_equal(pe.rst, -1);
    post_in_frames(&o, 20000, &pe); /* 16384 + 3616: the reset comes before the rest */
    assert_true(pe.done);
    assert_memory_equal(pe.body, "limit", 5);
    assert_int_equal(pe.rst, 0);
}

static void run__discard_stalled__rst_after_body_timeout(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    o.handler = path_handler;
    o.max_body_bytes = 1000;
    o.body_timeout_ms = 200;
    running r;
    start(&r, &o);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    static const uint8_t hb[] = {0x83, 0x86, 0x84, 0x01, 1, 'a'}; /* POST http / a */
    frame(f, 1, 0x04 /* END_HEADERS */, 1, hb, sizeof hb);
    static uint8_t chunk[2000];
    memset(chunk, 'b', sizeof chunk);
    frame(f, 0, 0, 1, chunk, sizeof chunk); /* over the cap, then nothing */
    peer pe;
    peer_open(&pe, &r);
    int64_t t0 = mono_ms();
    send_all(pe.fd, f->b, f->n);
    test_free(f);
    pump(&pe, 1, 5000, true);
    int64_t dt = mono_ms() - t0;
    close(pe.fd);
    stop(&r);
    assert_true(pe.done);
    assert_memory_equal(pe.body, "limit", 5);
    assert_int_equal(pe.rst, 0);
    assert_true(dt >= 200);
    assert_true(dt < 3000);
}

static void safety__open__discard_cap_limit_plus_one__invalid(void **state)
{
    (void)state;
    yc_h2_opts o = base_opts;
    yc_h2_server *s = NULL;
    o.max_discard_bytes = (size_t)YC_H2_DISCARD_BYTES_LIMIT + 1;
    assert_int_equal(yc_h2_server_open(&o, &s), YC_ERR_INVALID);
    assert_null(s);
    o.max_discard_bytes = YC_H2_DISCARD_BYTES_LIMIT;
    assert_int_equal(yc_h2_server_open(&o, &s), YC_OK);
    yc_h2_server_close(s);
}

/* ---- deferred answers (yc_h2_defer, yc_h2_deferred_complete) ---- */

#define DQ_MAX 256

/* Handles deferred by defer_handler, completed in order by the completer thread: at most
 * `allow` of them, each `delay_ms` after the completer takes it, with `status` and the body
 * "d<stream id>". */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    yc_h2_deferred *d[DQ_MAX];
    int32_t sid[DQ_MAX];
    int n;         /* deferred by the handler */
    int misuse;    /* a second yc_h2_defer() that did not fail, or too many requests */
    int completed; /* passed to yc_h2_deferred_complete() */
    int allow;     /* how many may be completed */
    int delay_ms;
    int status;
    bool quit;
    pthread_t thread;
} g_dq = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* GET /defer: deferred; anything else: "sync" at once. */
static yc_err defer_handler(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
    (void)ctx;
    if (strcmp(req->path, "/defer") != 0)
        return yc_h2_reply_set(reply, 200, "text/plain", NULL, "sync", 4);
    yc_h2_deferred *d = NULL;
    yc_err e = yc_h2_defer(reply, &d);
    if (e != YC_OK)
        return e;
    yc_h2_deferred *again = NULL;
    const yc_err again_rv = yc_h2_defer(reply, &again); /* once per request: invalid */
    pthread_mutex_lock(&g_dq.mu);
    if (again_rv != YC_ERR_INVALID || again != NULL || g_dq.n >= DQ_MAX)
        g_dq.misuse++;
    g_dq.d[g_dq.n] = d;
    g_dq.sid[g_dq.n] = req->stream_id;
    g_dq.n++;
    pthread_cond_broadcast(&g_dq.cv);
    pthread_mutex_unlock(&g_dq.mu);
    return yc_h2_reply_set(reply, 500, NULL, NULL, NULL, 0); /* ignored once deferred */
}

static void *completer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_dq.mu);
    for (;;) {
        const bool may = g_dq.completed < g_dq.n && (g_dq.completed < g_dq.allow || g_dq.quit);
        if (!may) {
            if (g_dq.quit)
                break;
            pthread_cond_wait(&g_dq.cv, &g_dq.mu);
            continue;
        }
        yc_h2_deferred *d = g_dq.d[g_dq.completed];
        const int32_t sid = g_dq.sid[g_dq.completed];
        const int delay = g_dq.delay_ms, status = g_dq.status;
        pthread_mutex_unlock(&g_dq.mu);
        if (delay > 0) {
            struct timespec ts = {.tv_sec = delay / 1000,
                                  .tv_nsec = (long)(delay % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        char *body = yc_alloc(16);
        if (body == NULL)
            abort();
        int n = snprintf(body, 16, "d%d", (int)sid);
        yc_h2_deferred_complete(d, status, "text/plain", body, (size_t)n);
        pthread_mutex_lock(&g_dq.mu);
        g_dq.completed++;
        pthread_cond_broadcast(&g_dq.cv);
    }
    pthread_mutex_unlock(&g_dq.mu);
    return NULL;
}

static void completer_start(int allow, int delay_ms, int status)
{
    pthread_mutex_lock(&g_dq.mu);
    g_dq.n = g_dq.completed = g_dq.misuse = 0;
    g_dq.allow = allow;
    g_dq.delay_ms = delay_ms;
    g_dq.status = status;
    g_dq.quit = false;
    pthread_mutex_unlock(&g_dq.mu);
    assert_int_equal(pthread_create(&g_dq.thread, NULL, completer_main, NULL), 0);
}

static void completer_allow(int allow)
{
    pthread_mutex_lock(&g_dq.mu);
    g_dq.allow = allow;
    pthread_cond_broadcast(&g_dq.cv);
    pthread_mutex_unlock(&g_dq.mu);
}

/* Wait (at most 10 s) until the handler deferred @p n requests and @p completed were
 * completed; returns whether they were. */
static bool dq_wait(int n, int completed)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&g_dq.mu);
    while (g_dq.n < n || g_dq.completed < completed)
        if (pthread_cond_timedwait(&g_dq.cv, &g_dq.mu, &until) != 0)
            break;
    const bool ok = g_dq.n >= n && g_dq.completed >= completed;
    pthread_mutex_unlock(&g_dq.mu);
    return ok;
}

/* Complete whatever is left, then end the completer thread. */
static void completer_stop(void)
{
    pthread_mutex_lock(&g_dq.mu);
    g_dq.quit = true;
    pthread_cond_broadcast(&g_dq.cv);
    pthread_mutex_unlock(&g_dq.mu);
    assert_int_equal(pthread_join(g_dq.thread, NULL), 0);
    assert_int_equal(g_dq.misuse, 0);
}

/* What a client saw per stream of one connection. */
typedef struct mstream {
    int status; /* from the first byte of HEADERS (HPACK static index); 0: no HEADERS */
    char body[16];
    size_t body_len;
    bool ended; /* END_STREAM or RST_STREAM */
    long rst;   /* RST_STREAM code; -1: none */
} mstream;

typedef struct mread {
    mstream s[512]; /* by stream id */
    int ended;      /* streams ended */
    long goaway;    /* -1: none */
    bool eof;
} mread;

static void mread_init(mread *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < 512; i++)
        m->s[i].rst = -1;
    m->goaway = -1;
}

/* :status of a HEADERS block that starts with a static-table indexed field (RFC 7541
 * Appendix A: 8..14). */
static int hpack_status(uint8_t b)
{
    static const int st[] = {200, 204, 206, 304, 400, 404, 500};
    return b >= 0x88 && b <= 0x8e ? st[b - 0x88] : -1;
}

/* Read one frame into @p m; false at EOF or the 10 s timeout. */
static bool mread_frame(int fd, mread *m)
{
    uint8_t type, flags, p[64];
    uint32_t sid;
    long len = next_frame(fd, &type, &flags, &sid, p, sizeof p);
    if (len < 0) {
        m->eof = true;
        return false;
    }
    if (type == 7 && len >= 8)
        m->goaway =
            (long)((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7]);
    if (sid == 0 || sid >= 512)
        return true;
    mstream *s = &m->s[sid];
    if (type == 1 && s->status == 0 && len > 0)
        s->status = hpack_status(p[0]);
    if (type == 0) {
        size_t n = (size_t)len < sizeof p ? (size_t)len : sizeof p;
        if (s->body_len + n <= sizeof s->body) {
            memcpy(s->body + s->body_len, p, n);
            s->body_len += n;
        }
    }
    if (type == 3 && len == 4)
        s->rst = (long)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
    if (!s->ended && (type == 3 || ((type == 0 || type == 1) && (flags & 0x01) != 0))) {
        s->ended = true;
        m->ended++;
    }
    return true;
}

static void rst_frame(frame_buf *f, uint32_t sid)
{
    static const uint8_t cancel[4] = {0, 0, 0, 8};
    frame(f, 3, 0, sid, cancel, sizeof cancel);
}

static const yc_h2_opts defer_opts = {
    .h2c_host = "127.0.0.1", .workers = 1, .handler = defer_handler};

static void run__deferred__status_and_body_arrive_after_completion(void **state)
{
    (void)state;
    running r;
    start(&r, &defer_opts);
    completer_start(1, 100, 404);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    get_path_frame(f, 1, "/defer");
    int fd = dial(&r);
    const int64_t t0 = mono_ms();
    send_all(fd, f->b, f->n);
    test_free(f);
    mread *m = test_malloc(sizeof *m);
    mread_init(m);
    while (!m->s[1].ended && mread_frame(fd, m))
        ;
    const int64_t took = mono_ms() - t0;
    assert_true(m->s[1].ended);
    assert_int_equal(m->s[1].status, 404);
    assert_int_equal(m->s[1].body_len, 2);
    assert_memory_equal(m->s[1].body, "d1", 2);
    assert_int_equal(m->s[1].rst, -1);
    assert_true(took >= 100);
    assert_true(dq_wait(1, 1));
    test_free(m);
    close(fd);
    completer_stop();
    stop(&r);
}

#define N_DEFER 100

/* 100 deferred streams and then a synchronous one on one connection: the synchronous answer
 * comes while none of the deferred ones is completed (the worker is not blocked), then all 100
 * deferred answers arrive. */
static void run__100_deferred_and_one_sync_stream__sync_first_then_all_answered(void **state)
{
    (void)state;
    running r;
    yc_h2_opts o = defer_opts;
    o.max_concurrent_streams = 2 * N_DEFER;
    start(&r, &o);
    completer_start(0, 0, 200);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    for (uint32_t i = 0; i < N_DEFER; i++)
        get_path_frame(f, 1 + 2 * i, "/defer");
    const uint32_t sync_sid = 1 + 2 * N_DEFER;
    get_path_frame(f, sync_sid, "/sync");
    int fd = dial(&r);
    send_all(fd, f->b, f->n);
    test_free(f);
    mread *m = test_malloc(sizeof *m);
    mread_init(m);
    while (!m->s[sync_sid].ended && mread_frame(fd, m))
        ;
    assert_true(m->s[sync_sid].ended);
    assert_int_equal(m->s[sync_sid].status, 200);
    assert_int_equal(m->s[sync_sid].body_len, 4);
    assert_memory_equal(m->s[sync_sid].body, "sync", 4);
    assert_int_equal(m->ended, 1); /* no deferred stream answered yet */
    assert_true(dq_wait(N_DEFER, 0));
    pthread_mutex_lock(&g_dq.mu);
    assert_int_equal(g_dq.n, N_DEFER);
    assert_int_equal(g_dq.completed, 0);
    pthread_mutex_unlock(&g_dq.mu);
    completer_allow(N_DEFER);
    while (m->ended < N_DEFER + 1 && mread_frame(fd, m))
        ;
    assert_int_equal(m->ended, N_DEFER + 1);
    for (uint32_t i = 0; i < N_DEFER; i++) {
        const mstream *s = &m->s[1 + 2 * i];
        char want[16];
        int n = snprintf(want, sizeof want, "d%u", 1 + 2 * i);
        assert_int_equal(s->status, 200);
        assert_int_equal(s->body_len, (size_t)n);
        assert_memory_equal(s->body, want, (size_t)n);
        assert_int_equal(s->rst, -1);
    }
    test_free(m);
    close(fd);
    completer_stop();
    stop(&r);
}

/* The client resets one of two deferred streams: its completion is dropped, the other one is
 * answered (ASan: no leak, no use-after-free). */
static void run__client_resets_deferred_stream__completion_dropped(void **state)
{
    (void)state;
    running r;
    start(&r, &defer_opts);
    completer_start(0, 0, 200);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    get_path_frame(f, 1, "/defer");
    get_path_frame(f, 3, "/defer");
    int fd = dial(&r);
    send_all(fd, f->b, f->n);
    assert_true(dq_wait(2, 0));
    f->n = 0;
    rst_frame(f, 1);
    get_path_frame(f, 5, "/sync"); /* answered after the reset was processed */
    send_all(fd, f->b, f->n);
    test_free(f);
    mread *m = test_malloc(sizeof *m);
    mread_init(m);
    while (!m->s[5].ended && mread_frame(fd, m))
        ;
    assert_int_equal(m->s[5].status, 200);
    completer_allow(2);
    assert_true(dq_wait(2, 2));
    while (!m->s[3].ended && mread_frame(fd, m))
        ;
    assert_int_equal(m->s[3].status, 200);
    assert_memory_equal(m->s[3].body, "d3", 2);
    assert_int_equal(m->s[1].status, 0); /* nothing on the reset stream */
    assert_int_equal(m->s[1].body_len, 0);
    test_free(m);
    close(fd);
    completer_stop();
    stop(&r);
}

/* The client closes the connection before completion: dropped; the server still serves. */
static void run__client_closes_before_completion__dropped_server_serves(void **state)
{
    (void)state;
    running r;
    start(&r, &defer_opts);
    completer_start(0, 0, 200);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    get_path_frame(f, 1, "/defer");
    int fd = dial(&r);
    send_all(fd, f->b, f->n);
    assert_true(dq_wait(1, 0));
    close(fd);
    usleep(200000); /* the worker sees the close and frees the connection */
    completer_allow(1);
    assert_true(dq_wait(1, 1));
    client_start(f);
    get_path_frame(f, 1, "/sync");
    fd = dial(&r);
    send_all(fd, f->b, f->n);
    test_free(f);
    mread *m = test_malloc(sizeof *m);
    mread_init(m);
    while (!m->s[1].ended && mread_frame(fd, m))
        ;
    assert_int_equal(m->s[1].status, 200);
    assert_memory_equal(m->s[1].body, "sync", 4);
    test_free(m);
    close(fd);
    completer_stop();
    stop(&r);
}

/* Two deferred streams outlive the drain bound: one is completed after yc_h2_server_run()
 * returned (queued, dropped at close), the other after yc_h2_server_close(). */
static void run__complete_after_run_and_after_close__dropped(void **state)
{
    (void)state;
    running r;
    yc_h2_opts o = defer_opts;
    o.drain_timeout_ms = 300;
    start(&r, &o);
    completer_start(0, 0, 200);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    get_path_frame(f, 1, "/defer");
    get_path_frame(f, 3, "/defer");
    int fd = dial(&r);
    send_all(fd, f->b, f->n);
    test_free(f);
    assert_true(dq_wait(2, 0));
    const int64_t t0 = mono_ms();
    yc_h2_server_stop(r.srv);
    assert_int_equal(pthread_join(r.thread, NULL), 0);
    const int64_t took = mono_ms() - t0;
    assert_int_equal(r.run_rv, YC_OK);
    assert_true(took >= 250 && took < 2000); /* the drain waited for the open streams */
    completer_allow(1);
    assert_true(dq_wait(2, 1)); /* queued in the mailbox of a stopped server */
    yc_h2_server_close(r.srv);
    completer_allow(2);
    assert_true(dq_wait(2, 2)); /* after close: freed by the completing thread */
    mread *m = test_malloc(sizeof *m);
    mread_init(m);
    while (mread_frame(fd, m))
        ;
    assert_true(m->eof);
    assert_int_equal(m->s[1].status, 0);
    assert_int_equal(m->s[3].status, 0);
    assert_int_equal(m->goaway, 0); /* the drain's GOAWAY NO_ERROR */
    test_free(m);
    close(fd);
    completer_stop();
}

/* The drain waits for a deferred stream completed within the drain timeout: it is answered,
 * then the connection closes and yc_h2_server_run() returns. */
static void run__drain_with_deferred_stream__answered_then_closed(void **state)
{
    (void)state;
    running r;
    yc_h2_opts o = defer_opts;
    o.drain_timeout_ms = 3000;
    start(&r, &o);
    completer_start(0, 300, 200);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    get_path_frame(f, 1, "/defer");
    int fd = dial(&r);
    send_all(fd, f->b, f->n);
    test_free(f);
    assert_true(dq_wait(1, 0));
    const int64_t t0 = mono_ms();
    yc_h2_server_stop(r.srv);
    completer_allow(1);
    assert_int_equal(pthread_join(r.thread, NULL), 0);
    const int64_t took = mono_ms() - t0;
    assert_int_equal(r.run_rv, YC_OK);
    assert_true(took >= 250 && took < 2500);
    mread *m = test_malloc(sizeof *m);
    mread_init(m);
    while (mread_frame(fd, m))
        ;
    assert_int_equal(m->s[1].status, 200);
    assert_int_equal(m->s[1].body_len, 2);
    assert_memory_equal(m->s[1].body, "d1", 2);
    assert_int_equal(m->goaway, 0);
    test_free(m);
    close(fd);
    yc_h2_server_close(r.srv);
    completer_stop();
}

/* A deferred answer that takes 3 times the idle, write, header and body timeouts: none of
 * them fires while the stream waits for it. */
static void run__deferred_past_timeouts__answered_no_goaway(void **state)
{
    (void)state;
    running r;
    yc_h2_opts o = defer_opts;
    o.idle_timeout_ms = o.write_timeout_ms = o.header_timeout_ms = o.body_timeout_ms = 200;
    start(&r, &o);
    completer_start(1, 600, 200);
    frame_buf *f = test_malloc(sizeof *f);
    client_start(f);
    get_path_frame(f, 1, "/defer");
    int fd = dial(&r);
    const int64_t t0 = mono_ms();
    send_all(fd, f->b, f->n);
    test_free(f);
    mread *m = test_malloc(sizeof *m);
    mread_init(m);
    while (!m->s[1].ended && mread_frame(fd, m))
        ;
    assert_true(mono_ms() - t0 >= 600);
    assert_int_equal(m->s[1].status, 200);
    assert_int_equal(m->s[1].body_len, 2);
    assert_memory_equal(m->s[1].body, "d1", 2);
    assert_int_equal(m->goaway, -1); /* the connection was not closed meanwhile */
    /* then idle: GOAWAY NO_ERROR after the idle timeout */
    while (mread_frame(fd, m))
        ;
    assert_int_equal(m->goaway, 0);
    test_free(m);
    close(fd);
    completer_stop();
    stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__open__no_handler__invalid),
        cmocka_unit_test(safety__open__workers_max_plus_one__invalid),
        cmocka_unit_test(safety__open__listener_options__exact_errors),
        cmocka_unit_test(safety__open__body_cap_limit_plus_one__invalid),
        cmocka_unit_test(safety__open__host_not_numeric__invalid),
        cmocka_unit_test(safety__open__port_in_use__io),
        cmocka_unit_test(run__get_with_query__handler_sees_split_path_and_reply),
        cmocka_unit_test(reply_set__limits__exact_errors),
        cmocka_unit_test(run__header_bytes_at_limit__handled),
        cmocka_unit_test(run__header_bytes_limit_plus_one__431),
        cmocka_unit_test(run__body_at_limit__handled),
        cmocka_unit_test(run__body_limit_plus_one__413),
        cmocka_unit_test(run__http11_request__505_and_close),
        cmocka_unit_test(run__preface_then_garbage__505),
        cmocka_unit_test(run__idle_connection__closed_after_timeout),
        cmocka_unit_test(run__idle_h2_connection__goaway_then_close),
        cmocka_unit_test(run__stop_with_open_connection__drains_and_returns),
        cmocka_unit_test(run__two_workers_port_zero__both_serve),
        cmocka_unit_test(run__max_connections__at_cap_served_past_closed),
        cmocka_unit_test(run__glitch_burst__at_limit_served_past_goaway_calm),
        cmocka_unit_test(run__body_stalled__408_then_rst_no_error),
        cmocka_unit_test(run__header_block_stalled__goaway_calm),
        cmocka_unit_test(run__preface_without_settings__closed_no_goaway),
        cmocka_unit_test(run__zero_window__closed_after_write_timeout),
        cmocka_unit_test(run__worker_busy_while_clients_read__no_write_timeout),
        cmocka_unit_test(run__worker_busy_while_bodies_arrive__no_body_timeout),
        cmocka_unit_test(run__reader_pauses_under_write_timeout__served),
        cmocka_unit_test(run__reader_stops_past_write_timeout__closed),
        cmocka_unit_test(run__body_over_cap_then_rest__413_without_reset),
        cmocka_unit_test(run__discard_at_cap__no_reset),
        cmocka_unit_test(run__discard_cap_plus_one__413_then_rst_no_error),
        cmocka_unit_test(run__discard_off__413_then_rst_no_error),
        cmocka_unit_test(run__discard_stalled__rst_after_body_timeout),
        cmocka_unit_test(safety__open__discard_cap_limit_plus_one__invalid),
        cmocka_unit_test(run__deferred__status_and_body_arrive_after_completion),
        cmocka_unit_test(run__100_deferred_and_one_sync_stream__sync_first_then_all_answered),
        cmocka_unit_test(run__client_resets_deferred_stream__completion_dropped),
        cmocka_unit_test(run__client_closes_before_completion__dropped_server_serves),
        cmocka_unit_test(run__complete_after_run_and_after_close__dropped),
        cmocka_unit_test(run__drain_with_deferred_stream__answered_then_closed),
        cmocka_unit_test(run__deferred_past_timeouts__answered_no_goaway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
