/* HTTP/2 server: one epoll loop, h2c prior knowledge, nghttp2 server sessions (http2.md §1.5). */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/err.h"
#include "yrdcredit/h2.h"

#define PREFACE       "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define PREFACE_LEN   (sizeof PREFACE - 1)
#define READ_CHUNK    16384
#define HDR_VALUE_MAX 255

static const char not_h2_reply[] = "HTTP/1.1 505 HTTP Version Not Supported\r\n"
                                   "Content-Type: text/plain\r\n"
                                   "Content-Length: 50\r\n"
                                   "Connection: close\r\n"
                                   "\r\n"
                                   "this port speaks HTTP/2 only (h2c prior knowledge)";

struct yc_h2_reply {
    bool set;
    int status;
    char content_type[HDR_VALUE_MAX + 1];
    char allow[HDR_VALUE_MAX + 1];
    uint8_t *body;
    size_t body_len;
};

typedef struct stream {
    struct stream *prev, *next; /* the connection's open streams */
    int32_t id;
    char *method, *path, *content_type;
    size_t hdr_bytes, hdr_fields;
    uint8_t *body;
    size_t body_len, body_cap;
    int limit_status; /* 413 or 431 once a cap was passed */
    bool responded;
    yc_h2_reply reply;
    size_t sent;
    char status_str[4];
    char length_str[24];
} stream;

typedef struct conn {
    struct conn *prev, *next;
    struct yc_h2_server *srv;
    int fd;
    nghttp2_session *session;
    uint8_t *out;
    size_t out_len, out_off, out_cap;
    size_t preface_seen;
    stream *streams;
    unsigned open_streams;
    uint32_t events; /* registered epoll events */
    int64_t last_active_ms;
    bool not_h2; /* answering the HTTP/1.1 error, then close */
    bool goaway_sent;
    bool dead;
} conn;

struct yc_h2_server {
    yc_h2_opts opts;
    int epfd, listen_fd, stop_fd;
    uint16_t port;
    bool draining;
    conn *conns;
    unsigned n_conns;
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ replies */

static bool header_value_ok(const char *v)
{
    size_t n = strlen(v);
    if (n > HDR_VALUE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '\r' || v[i] == '\n')
            return false;
    return true;
}

yc_err yc_h2_reply_set(yc_h2_reply *reply, int status, const char *content_type, const char *allow,
                       const void *body, size_t body_len)
{
    YC_ENSURE(status >= 200 && status <= 599, YC_ERR_INVALID);
    YC_ENSURE(content_type == NULL || header_value_ok(content_type), YC_ERR_INVALID);
    YC_ENSURE(allow == NULL || header_value_ok(allow), YC_ERR_INVALID);
    YC_ENSURE(body != NULL || body_len == 0, YC_ERR_INVALID);
    uint8_t *copy = yc_alloc(body_len);
    YC_ENSURE(copy != NULL, YC_ERR_NOMEM);
    if (body_len > 0)
        memcpy(copy, body, body_len);
    yc_free(reply->body);
    reply->body = copy;
    reply->body_len = body_len;
    reply->status = status;
    snprintf(reply->content_type, sizeof reply->content_type, "%s",
             content_type != NULL ? content_type : "");
    snprintf(reply->allow, sizeof reply->allow, "%s", allow != NULL ? allow : "");
    reply->set = true;
    return YC_OK;
}

/* ------------------------------------------------------------------ streams */

static void stream_free(stream *st)
{
    if (st == NULL)
        return;
    yc_free(st->method);
    yc_free(st->path);
    yc_free(st->content_type);
    yc_free(st->body);
    yc_free(st->reply.body);
    yc_free(st);
}

static char *dup_n(const uint8_t *s, size_t n)
{
    char *d = yc_alloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static ssize_t body_read_cb(nghttp2_session *session, int32_t stream_id, uint8_t *buf,
                            size_t length, uint32_t *data_flags, nghttp2_data_source *source,
                            void *user_data)
{
    (void)session;
    (void)stream_id;
    (void)user_data;
    stream *st = source->ptr;
    size_t left = st->reply.body_len - st->sent;
    size_t n = left < length ? left : length;
    if (n > 0)
        memcpy(buf, st->reply.body + st->sent, n);
    st->sent += n;
    if (st->sent == st->reply.body_len)
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

#define NV(name, value)                                                                         \
    ((nghttp2_nv){(uint8_t *)(uintptr_t)(name), (uint8_t *)(uintptr_t)(value), sizeof name - 1, \
                  strlen(value), NGHTTP2_NV_FLAG_NO_COPY_NAME})

/* Submit the stream's reply (or a bare status); a failure resets the stream. */
static void stream_respond(nghttp2_session *session, stream *st)
{
    if (st->responded)
        return;
    st->responded = true;
    yc_h2_reply *r = &st->reply;
    snprintf(st->status_str, sizeof st->status_str, "%d", r->status);
    snprintf(st->length_str, sizeof st->length_str, "%zu", r->body_len);
    nghttp2_nv nva[4];
    size_t n = 0;
    nva[n++] = NV(":status", st->status_str);
    if (r->content_type[0] != '\0')
        nva[n++] = NV("content-type", r->content_type);
    nva[n++] = NV("content-length", st->length_str);
    if (r->allow[0] != '\0')
        nva[n++] = NV("allow", r->allow);
    bool head = st->method != NULL && strcmp(st->method, "HEAD") == 0;
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = body_read_cb};
    int rv =
        nghttp2_submit_response(session, st->id, nva, n, head || r->body_len == 0 ? NULL : &prd);
    if (rv != 0)
        (void)nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
}

static void bare_status(stream *st, int status)
{
    yc_free(st->reply.body);
    st->reply = (yc_h2_reply){.set = true, .status = status};
}

/* The request is complete (END_STREAM) or cut short at a limit: run the handler. */
static void stream_dispatch(nghttp2_session *session, conn *c, stream *st)
{
    if (st->responded)
        return;
    if (st->limit_status == 0 && (st->method == NULL || st->path == NULL)) {
        bare_status(st, 400);
        stream_respond(session, st);
        return;
    }
    char *q = st->path != NULL ? strchr(st->path, '?') : NULL;
    if (q != NULL)
        *q = '\0';
    yc_h2_request req = {
        .method = st->method != NULL ? st->method : "",
        .path = st->path != NULL ? st->path : "",
        .query = q != NULL ? q + 1 : "",
        .content_type = st->content_type,
        .body = st->limit_status == 0 && st->body_len > 0 ? st->body : NULL,
        .body_len = st->limit_status == 0 ? st->body_len : 0,
        .limit_status = st->limit_status,
        .stream_id = st->id,
    };
    yc_err e = c->srv->opts.handler(c->srv->opts.handler_ctx, &req, &st->reply);
    if (e != YC_OK || !st->reply.set)
        bare_status(st, st->limit_status != 0 ? st->limit_status : e == YC_ERR_NOMEM ? 503 : 500);
    else if (st->limit_status != 0)
        st->reply.status = st->limit_status;
    stream_respond(session, st);
}

/* ------------------------------------------------------------------ nghttp2 callbacks */

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    conn *c = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    stream *st = yc_calloc(1, sizeof *st);
    if (st == NULL)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM INTERNAL_ERROR */
    st->id = frame->hd.stream_id;
    if (nghttp2_session_set_stream_user_data(session, st->id, st) != 0) {
        stream_free(st);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    st->next = c->streams;
    if (c->streams != NULL)
        c->streams->prev = st;
    c->streams = st;
    c->open_streams++;
    return 0;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    (void)flags;
    conn *c = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    stream *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (st == NULL || st->limit_status != 0)
        return 0;
    st->hdr_bytes += namelen + valuelen;
    st->hdr_fields++;
    if (st->hdr_bytes > c->srv->opts.max_header_bytes ||
        st->hdr_fields > c->srv->opts.max_header_fields) {
        st->limit_status = 431;
        return 0;
    }
    char **slot = NULL;
    if (namelen == 7 && memcmp(name, ":method", 7) == 0)
        slot = &st->method;
    else if (namelen == 5 && memcmp(name, ":path", 5) == 0)
        slot = &st->path;
    else if (namelen == 12 && memcmp(name, "content-type", 12) == 0)
        slot = &st->content_type;
    if (slot == NULL || *slot != NULL)
        return 0;
    *slot = dup_n(value, valuelen);
    if (*slot == NULL)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *user_data)
{
    (void)flags;
    conn *c = user_data;
    stream *st = nghttp2_session_get_stream_user_data(session, stream_id);
    if (st == NULL || st->limit_status != 0 || st->responded)
        return 0;
    size_t max = c->srv->opts.max_body_bytes;
    if (len > max - st->body_len) {
        /* Over the cap: answer 413 now; nghttp2 resets the stream (NO_ERROR) once the response
         * is sent while the request is still open (RFC 9113 §8.1). */
        st->limit_status = 413;
        yc_free(st->body);
        st->body = NULL;
        st->body_len = 0;
        stream_dispatch(session, c, st);
        return 0;
    }
    if (st->body_len + len > st->body_cap) {
        size_t cap = st->body_cap < 4096 ? 4096 : st->body_cap;
        while (cap < st->body_len + len)
            cap = cap > max / 2 ? max : cap * 2;
        uint8_t *nb = yc_realloc(st->body, cap);
        if (nb == NULL)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        st->body = nb;
        st->body_cap = cap;
    }
    memcpy(st->body + st->body_len, data, len);
    st->body_len += len;
    return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    conn *c = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    stream *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (st == NULL)
        return 0;
    bool end_headers =
        frame->hd.type == NGHTTP2_HEADERS && (frame->hd.flags & NGHTTP2_FLAG_END_HEADERS) != 0;
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 ||
        (end_headers && st->limit_status == 431))
        stream_dispatch(session, c, st);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data)
{
    (void)error_code;
    conn *c = user_data;
    stream *st = nghttp2_session_get_stream_user_data(session, stream_id);
    if (st == NULL)
        return 0;
    (void)nghttp2_session_set_stream_user_data(session, stream_id, NULL);
    if (st->prev != NULL)
        st->prev->next = st->next;
    else
        c->streams = st->next;
    if (st->next != NULL)
        st->next->prev = st->prev;
    stream_free(st);
    if (c->open_streams > 0)
        c->open_streams--;
    return 0;
}

/* ------------------------------------------------------------------ connections */

static void conn_close(conn *c)
{
    yc_h2_server *s = c->srv;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->n_conns--;
    (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    nghttp2_session_del(c->session); /* does not call on_stream_close */
    for (stream *st = c->streams, *next; st != NULL; st = next) {
        next = st->next;
        stream_free(st);
    }
    yc_free(c->out);
    yc_free(c);
}

static bool out_reserve(conn *c, size_t more)
{
    if (c->out_off > 0 && c->out_off == c->out_len) {
        c->out_off = 0;
        c->out_len = 0;
    }
    if (c->out_len + more <= c->out_cap)
        return true;
    if (c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
        if (c->out_len + more <= c->out_cap)
            return true;
    }
    size_t cap = c->out_cap == 0 ? 16384 : c->out_cap;
    while (cap < c->out_len + more)
        cap *= 2;
    uint8_t *nb = yc_realloc(c->out, cap);
    if (nb == NULL)
        return false;
    c->out = nb;
    c->out_cap = cap;
    return true;
}

/* Gather nghttp2's output into the connection buffer, up to the high-water mark. */
static bool conn_gather(conn *c)
{
    if (c->not_h2 || c->preface_seen < PREFACE_LEN) /* nothing until the client is HTTP/2 */
        return true;
    while (c->out_len - c->out_off < YC_H2_OUTPUT_HIGH_WATER) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->session, &data);
        if (n < 0)
            return false;
        if (n == 0)
            break;
        if (!out_reserve(c, (size_t)n))
            return false;
        memcpy(c->out + c->out_len, data, (size_t)n);
        c->out_len += (size_t)n;
    }
    return true;
}

static bool conn_set_events(conn *c, uint32_t ev)
{
    if (ev == c->events)
        return true;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &e) != 0)
        return false;
    c->events = ev;
    return true;
}

/* Gather, write once, then decide whether to read, wait for POLLOUT, or close. */
static void conn_flush(conn *c)
{
    if (!conn_gather(c)) {
        conn_close(c);
        return;
    }
    if (c->out_len > c->out_off) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            conn_close(c);
            return;
        }
        if (w > 0) {
            c->out_off += (size_t)w;
            c->last_active_ms = now_ms();
        }
        if (c->out_off == c->out_len) {
            c->out_off = 0;
            c->out_len = 0;
            if (!conn_gather(c)) { /* more output that did not fit under the high water */
                conn_close(c);
                return;
            }
        }
    }
    bool pending = c->out_len > c->out_off;
    if (!pending) {
        bool done =
            c->not_h2 || c->dead ||
            (!nghttp2_session_want_read(c->session) && !nghttp2_session_want_write(c->session)) ||
            (c->srv->draining && c->open_streams == 0 && !nghttp2_session_want_write(c->session));
        if (done) {
            conn_close(c);
            return;
        }
    }
    uint32_t ev = pending ? EPOLLOUT : EPOLLIN; /* backed up: stop reading */
    if (!conn_set_events(c, ev))
        conn_close(c);
}

/* One read per readiness event. */
static void conn_read(conn *c)
{
    uint8_t buf[READ_CHUNK];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    c->last_active_ms = now_ms();
    size_t len = (size_t)n;
    if (c->preface_seen < PREFACE_LEN) {
        size_t k = PREFACE_LEN - c->preface_seen < len ? PREFACE_LEN - c->preface_seen : len;
        if (memcmp(buf, &PREFACE[c->preface_seen], k) != 0) {
            /* Not HTTP/2 (e.g. an HTTP/1.1 request line): a short HTTP/1.1 error, then close. */
            c->not_h2 = true;
            c->out_len = 0;
            c->out_off = 0;
            if (!out_reserve(c, sizeof not_h2_reply - 1)) {
                conn_close(c);
                return;
            }
            memcpy(c->out, not_h2_reply, sizeof not_h2_reply - 1);
            c->out_len = sizeof not_h2_reply - 1;
            (void)shutdown(c->fd, SHUT_RD);
            conn_flush(c);
            return;
        }
        c->preface_seen += k;
    }
    ssize_t rv = nghttp2_session_mem_recv(c->session, buf, len);
    if (rv < 0) {
        /* Fatal (flood, bad frames...): nghttp2 has queued GOAWAY; flush it and close. */
        c->dead = true;
    }
    conn_flush(c);
}

static void accept_all(yc_h2_server *s)
{
    /* http2.md §2.4; the header list size is advisory, the cap is enforced in on_header */
    uint32_t hdr_max =
        s->opts.max_header_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)s->opts.max_header_bytes;
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, s->opts.max_concurrent_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, hdr_max},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
    };
    for (;;) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or a transient error (EMFILE...): try on the next event */
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn *c = yc_calloc(1, sizeof *c);
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->srv = s;
        c->fd = fd;
        c->last_active_ms = now_ms();
        if (nghttp2_session_server_new2(&c->session, s->cbs, c, s->opt) != 0) {
            yc_free(c);
            close(fd);
            continue;
        }
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        if (nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, settings,
                                    sizeof settings / sizeof settings[0]) != 0 ||
            epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e) != 0) {
            nghttp2_session_del(c->session);
            yc_free(c);
            close(fd);
            continue;
        }
        c->events = EPOLLIN;
        c->next = s->conns;
        if (s->conns != NULL)
            s->conns->prev = c;
        s->conns = c;
        s->n_conns++;
        /* SETTINGS go out with the first response to the preface (one write). */
    }
}

/* ------------------------------------------------------------------ server */

yc_err yc_h2_server_open(const yc_h2_opts *opts, yc_h2_server **ret_server)
{
    YC_ENSURE(opts->handler != NULL, YC_ERR_INVALID);
    YC_ENSURE(opts->workers <= 1, YC_ERR_INVALID);
    YC_ENSURE(opts->max_body_bytes <= YC_H2_BODY_BYTES_LIMIT, YC_ERR_INVALID);
    YC_ENSURE(opts->max_concurrent_streams <= YC_H2_MAX_CONCURRENT_STREAMS_LIMIT, YC_ERR_INVALID);
    const char *host = opts->h2c_host != NULL ? opts->h2c_host : "127.0.0.1";
    struct sockaddr_storage ss = {0};
    socklen_t sslen;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(opts->h2c_port);
        sslen = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(opts->h2c_port);
        sslen = sizeof *a6;
    } else {
        return YC_ERR_INVALID;
    }

    yc_err err = YC_ERR_IO;
    yc_h2_server *s = yc_calloc(1, sizeof *s);
    YC_ENSURE(s != NULL, YC_ERR_NOMEM);
    s->epfd = s->listen_fd = s->stop_fd = -1;
    s->opts = *opts;
    s->opts.h2c_host = NULL;
    s->opts.workers = 1;
    if (s->opts.max_header_bytes == 0)
        s->opts.max_header_bytes = YC_H2_HEADER_BYTES_DEFAULT;
    if (s->opts.max_header_fields == 0)
        s->opts.max_header_fields = YC_H2_HEADER_FIELDS_DEFAULT;
    if (s->opts.max_body_bytes == 0)
        s->opts.max_body_bytes = YC_H2_BODY_BYTES_DEFAULT;
    if (s->opts.idle_timeout_ms == 0)
        s->opts.idle_timeout_ms = YC_H2_IDLE_TIMEOUT_MS_DEFAULT;
    if (s->opts.drain_timeout_ms == 0)
        s->opts.drain_timeout_ms = YC_H2_DRAIN_TIMEOUT_MS_DEFAULT;
    if (s->opts.max_concurrent_streams == 0)
        s->opts.max_concurrent_streams = YC_H2_MAX_CONCURRENT_STREAMS;

    if (nghttp2_session_callbacks_new(&s->cbs) != 0 || nghttp2_option_new(&s->opt) != 0) {
        err = YC_ERR_NOMEM;
        goto out;
    }
    nghttp2_session_callbacks_set_on_begin_headers_callback(s->cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(s->cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(s->cbs, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(s->cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(s->cbs, on_stream_close);
    /* http2.md §2.4 */
    nghttp2_option_set_max_settings(s->opt, 32);
    nghttp2_option_set_max_outbound_ack(s->opt, 1000);
    nghttp2_option_set_stream_reset_rate_limit(s->opt, 1000, 33);
    nghttp2_option_set_max_continuations(s->opt, 8);
    nghttp2_option_set_no_closed_streams(s->opt, 1);

    s->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0)
        goto out;
    int one = 1;
    if (setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&ss, sslen) != 0 || listen(s->listen_fd, 511) != 0)
        goto out;
    struct sockaddr_storage bound = {0};
    socklen_t blen = sizeof bound;
    if (getsockname(s->listen_fd, (struct sockaddr *)&bound, &blen) != 0)
        goto out;
    s->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                               : ((struct sockaddr_in6 *)&bound)->sin6_port);
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->epfd < 0 || s->stop_fd < 0)
        goto out;
    struct epoll_event le = {.events = EPOLLIN, .data.ptr = &s->listen_fd};
    struct epoll_event se = {.events = EPOLLIN, .data.ptr = &s->stop_fd};
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &le) != 0 ||
        epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->stop_fd, &se) != 0)
        goto out;
    *ret_server = s;
    return YC_OK;
out:
    yc_h2_server_close(s);
    return err;
}

uint16_t yc_h2_server_port(const yc_h2_server *server)
{
    return server->port;
}

void yc_h2_server_stop(yc_h2_server *server)
{
    uint64_t one = 1;
    ssize_t w = write(server->stop_fd, &one, sizeof one);
    (void)w;
}

static void begin_drain(yc_h2_server *s)
{
    s->draining = true;
    if (s->listen_fd >= 0) {
        (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL);
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    for (conn *c = s->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (!c->not_h2 && !c->goaway_sent) {
            c->goaway_sent = true;
            (void)nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                                        nghttp2_session_get_last_proc_stream_id(c->session),
                                        NGHTTP2_NO_ERROR, NULL, 0);
        }
        conn_flush(c);
    }
}

static void sweep_idle(yc_h2_server *s, int64_t now)
{
    for (conn *c = s->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (now - c->last_active_ms >= (int64_t)s->opts.idle_timeout_ms) {
            if (c->not_h2 || c->goaway_sent) {
                conn_close(c);
                continue;
            }
            c->goaway_sent = true;
            c->dead = true;
            c->last_active_ms = now;
            (void)nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                                        nghttp2_session_get_last_proc_stream_id(c->session),
                                        NGHTTP2_NO_ERROR, NULL, 0);
            conn_flush(c);
        }
    }
}

yc_err yc_h2_server_run(yc_h2_server *s)
{
    struct epoll_event evs[64];
    int64_t deadline = 0;
    int64_t next_sweep = now_ms() + 1000;
    for (;;) {
        int64_t now = now_ms();
        if (s->draining && (s->n_conns == 0 || now >= deadline))
            break;
        int timeout = (int)(next_sweep > now ? next_sweep - now : 0);
        if (s->draining && deadline - now < timeout)
            timeout = (int)(deadline > now ? deadline - now : 0);
        int n = epoll_wait(s->epfd, evs, (int)(sizeof evs / sizeof evs[0]), timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return YC_ERR_IO;
        }
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &s->stop_fd) {
                uint64_t v;
                ssize_t r = read(s->stop_fd, &v, sizeof v);
                (void)r;
                if (!s->draining) {
                    deadline = now_ms() + (int64_t)s->opts.drain_timeout_ms;
                    begin_drain(s);
                }
                /* conns may have been closed: later events of this batch are stale */
                break;
            }
            if (p == &s->listen_fd) {
                if (!s->draining)
                    accept_all(s);
                continue;
            }
            conn *c = p;
            if ((evs[i].events & (EPOLLERR | EPOLLHUP)) != 0 &&
                (evs[i].events & (EPOLLIN | EPOLLOUT)) == 0) {
                conn_close(c);
                /* the pointer may reappear later in this batch only for another fd: no */
                continue;
            }
            if ((evs[i].events & EPOLLIN) != 0 && c->events == EPOLLIN)
                conn_read(c);
            else if ((evs[i].events & EPOLLOUT) != 0)
                conn_flush(c);
        }
        now = now_ms();
        if (now >= next_sweep) {
            sweep_idle(s, now);
            next_sweep = now + 1000;
        }
    }
    return YC_OK;
}

void yc_h2_server_close(yc_h2_server *server)
{
    if (server == NULL)
        return;
    while (server->conns != NULL)
        conn_close(server->conns);
    if (server->listen_fd >= 0)
        close(server->listen_fd);
    if (server->stop_fd >= 0)
        close(server->stop_fd);
    if (server->epfd >= 0)
        close(server->epfd);
    nghttp2_session_callbacks_del(server->cbs);
    nghttp2_option_del(server->opt);
    yc_free(server);
}
