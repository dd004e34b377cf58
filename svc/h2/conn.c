/* One HTTP/2 connection (h2c or TLS) of a worker: socket I/O, the nghttp2 server session and
 * its callbacks, streams, the glitch bucket and the connection's timers (http2.md §1.5, §2.2,
 * §2.4). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "h2_int.h"
#include "yrdcredit/alloc.h"

#define PREFACE     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define PREFACE_LEN (sizeof PREFACE - 1)
#define READ_CHUNK  16384
/* RFC 9218 PRIORITY_UPDATE: a known extension, not counted as an unknown frame type */
#define FRAME_PRIORITY_UPDATE 0x10

static const char not_h2_reply[] = "HTTP/1.1 505 HTTP Version Not Supported\r\n"
                                   "Content-Type: text/plain\r\n"
                                   "Content-Length: 50\r\n"
                                   "Connection: close\r\n"
                                   "\r\n"
                                   "this port speaks HTTP/2 only (h2c prior knowledge)";

static const yc_h2_opts *opts_of(const conn *c)
{
    return &c->w->srv->opts;
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

yc_err yc_h2_reply_take(yc_h2_reply *reply, int status, const char *content_type, const char *allow,
                        void *body, size_t body_len)
{
    if (status < 200 || status > 599 || (content_type != NULL && !header_value_ok(content_type)) ||
        (allow != NULL && !header_value_ok(allow)) || (body == NULL && body_len != 0)) {
        yc_free(body);
        return YC_ERR_INVALID;
    }
    yc_free(reply->body);
    reply->body = body;
    reply->body_len = body_len;
    reply->status = status;
    snprintf(reply->content_type, sizeof reply->content_type, "%s",
             content_type != NULL ? content_type : "");
    snprintf(reply->allow, sizeof reply->allow, "%s", allow != NULL ? allow : "");
    reply->set = true;
    return YC_OK;
}

yc_err yc_h2_reply_location(yc_h2_reply *reply, const char *location)
{
    YC_ENSURE(reply->set && location != NULL && location[0] == '/' && header_value_ok(location),
              YC_ERR_INVALID);
    snprintf(reply->location, sizeof reply->location, "%s", location);
    return YC_OK;
}

yc_err yc_h2_reply_www_authenticate(yc_h2_reply *reply, const char *value)
{
    YC_ENSURE(reply->set && value != NULL && value[0] != '\0' && header_value_ok(value),
              YC_ERR_INVALID);
    snprintf(reply->www_authenticate, sizeof reply->www_authenticate, "%s", value);
    return YC_OK;
}

yc_err yc_h2_reply_retry_after(yc_h2_reply *reply, uint32_t seconds)
{
    YC_ENSURE(reply->set && seconds >= 1, YC_ERR_INVALID);
    snprintf(reply->retry_after, sizeof reply->retry_after, "%" PRIu32, seconds);
    return YC_OK;
}

yc_err yc_h2_reply_cache(yc_h2_reply *reply, const char *etag, const char *cache_control)
{
    YC_ENSURE(reply->set, YC_ERR_INVALID);
    YC_ENSURE(etag == NULL || header_value_ok(etag), YC_ERR_INVALID);
    YC_ENSURE(cache_control == NULL || header_value_ok(cache_control), YC_ERR_INVALID);
    snprintf(reply->etag, sizeof reply->etag, "%s", etag != NULL ? etag : "");
    snprintf(reply->cache_control, sizeof reply->cache_control, "%s",
             cache_control != NULL ? cache_control : "");
    return YC_OK;
}

yc_err yc_h2_reply_set(yc_h2_reply *reply, int status, const char *content_type, const char *allow,
                       const void *body, size_t body_len)
{
    YC_ENSURE(body != NULL || body_len == 0, YC_ERR_INVALID);
    uint8_t *copy = yc_alloc(body_len);
    YC_ENSURE(copy != NULL, YC_ERR_NOMEM);
    if (body_len > 0)
        memcpy(copy, body, body_len);
    return yc_h2_reply_take(reply, status, content_type, allow, copy, body_len);
}

/* ------------------------------------------------------------------ glitches */

/* Stop serving an abusive connection: GOAWAY ENHANCE_YOUR_CALM (RFC 9113 §7), no more reads,
 * close once it is flushed (bounded by YC_H2_CLOSE_LINGER_MS). */
static void conn_calm(conn *c)
{
    if (c->dead)
        return;
    c->dead = true;
    c->dead_since_ms = c->w->now_ms;
    (void)nghttp2_session_terminate_session(c->session, NGHTTP2_ENHANCE_YOUR_CALM);
}

/* One glitch (http2.md §2.2: frames that cost the server work but serve no request): take a
 * token from the connection's bucket; an empty bucket ends the connection. */
static void glitch(conn *c)
{
    const yc_h2_opts *o = opts_of(c);
    const int64_t now = c->w->now_ms;
    const uint64_t cap = (uint64_t)o->glitch_burst * 1000u;
    if (now > c->glitch_last_ms) {
        /* rate per second = rate thousandths of a token per millisecond */
        uint64_t add = (uint64_t)(now - c->glitch_last_ms) * o->glitch_rate_per_s;
        c->glitch_mtokens = add >= cap - c->glitch_mtokens ? cap : c->glitch_mtokens + add;
        c->glitch_last_ms = now;
    }
    if (c->glitch_mtokens < 1000) {
        conn_calm(c);
        return;
    }
    c->glitch_mtokens -= 1000;
}

/* A frame header of the client's (9 bytes, RFC 9113 §4.1): count it in the glitch bucket if it
 * is one of http2.md §2.2's flood frames (CVE-2019-9518 empty frames, CVE-2019-9513 PRIORITY,
 * unknown types).  Counted here rather than in nghttp2's callbacks because nghttp2 1.52 drops
 * frames on closed or idle streams without calling any (issue 7 item 1,
 * issue7_empty_data_closed_stream). */
static void frame_seen(conn *c, const uint8_t hd[9])
{
    const uint32_t length = (uint32_t)hd[0] << 16 | (uint32_t)hd[1] << 8 | hd[2];
    const uint8_t type = hd[3], flags = hd[4];
    switch (type) {
    case NGHTTP2_DATA:
    case NGHTTP2_HEADERS:
        if (length == 0 && (flags & NGHTTP2_FLAG_END_STREAM) == 0)
            glitch(c);
        break;
    case NGHTTP2_CONTINUATION:
        if (length == 0 && (flags & NGHTTP2_FLAG_END_HEADERS) == 0)
            glitch(c);
        break;
    case NGHTTP2_PRIORITY: /* ignored with SETTINGS_NO_RFC7540_PRIORITIES */
        glitch(c);
        break;
    /* issue 7 J: a PING or SETTINGS flood (CVE-2019-9512, CVE-2019-9515) from a client that
     * reads its ACKs never fills nghttp2's ACK queue: every PING and every SETTINGS but the
     * first (which starts the connection) counts.  Keepalive PINGs stay far below the refill
     * (YC_H2_GLITCH_RATE_DEFAULT 100 a second after a burst of 1000). */
    case NGHTTP2_PING:
        if ((flags & NGHTTP2_FLAG_ACK) == 0)
            glitch(c);
        break;
    case NGHTTP2_SETTINGS:
        if ((flags & NGHTTP2_FLAG_ACK) == 0) {
            if (c->fr_settings)
                glitch(c);
            c->fr_settings = true;
        }
        break;
    default:
        if (type > NGHTTP2_CONTINUATION && type != FRAME_PRIORITY_UPDATE)
            glitch(c);
        break;
    }
}

/* issue 7 B: RFC 9113 §5.3.1: a PRIORITY frame that makes its stream depend on itself is a
 * PROTOCOL_ERROR (here a connection error, §5.4.1); with SETTINGS_NO_RFC7540_PRIORITIES
 * nghttp2 1.52 skips PRIORITY payloads unchecked.  @p k payload bytes at @p p, read while
 * frames_scan() skips them; the dependency is the first 4. */
static void priority_dep(conn *c, const uint8_t *p, size_t k)
{
    const uint8_t *hd = c->fr_hd;
    const uint32_t length = (uint32_t)hd[0] << 16 | (uint32_t)hd[1] << 8 | hd[2];
    const uint32_t done = length - c->fr_left; /* payload bytes skipped before these */
    if (length != 5 || done >= 4)
        return;
    for (size_t i = 0; i < k && done + i < 4; i++)
        c->fr_dep[done + i] = p[i];
    if (done + k < 4)
        return;
    const uint8_t *d = c->fr_dep;
    const uint32_t dep =
        (uint32_t)(d[0] & 0x7f) << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    const uint32_t sid =
        (uint32_t)(hd[5] & 0x7f) << 24 | (uint32_t)hd[6] << 16 | (uint32_t)hd[7] << 8 | hd[8];
    if (dep == sid && !c->dead) {
        c->dead = true;
        c->dead_since_ms = c->w->now_ms;
        (void)nghttp2_session_terminate_session(c->session, NGHTTP2_PROTOCOL_ERROR);
    }
}

/* Follow the client's frames (after the preface) through @p len bytes at @p p: each frame
 * header goes to frame_seen(), payloads are skipped.  Stops once the connection is dead. */
static void frames_scan(conn *c, const uint8_t *p, size_t len)
{
    while (len > 0 && !c->dead) {
        if (c->fr_left > 0) {
            const size_t k = len < c->fr_left ? len : c->fr_left;
            if (c->fr_hd[3] == NGHTTP2_PRIORITY)
                priority_dep(c, p, k); /* issue 7 B */
            c->fr_left -= (uint32_t)k;
            p += k;
            len -= k;
            continue;
        }
        const size_t k = len < 9u - c->fr_hd_len ? len : 9u - c->fr_hd_len;
        memcpy(c->fr_hd + c->fr_hd_len, p, k);
        c->fr_hd_len = (uint8_t)(c->fr_hd_len + k);
        p += k;
        len -= k;
        if (c->fr_hd_len == 9) {
            c->fr_hd_len = 0;
            c->fr_left = (uint32_t)c->fr_hd[0] << 16 | (uint32_t)c->fr_hd[1] << 8 | c->fr_hd[2];
            frame_seen(c, c->fr_hd);
        }
    }
}

/* ------------------------------------------------------------------ streams */

/* The stream is going away: a handle not yet answered no longer points at it (its completion
 * will be dropped by whoever frees the handle). */
static void deferred_detach(yc_h2_deferred *d)
{
    (void)pthread_mutex_lock(&d->mb->mu);
    d->st = NULL;
    d->c = NULL;
    (void)pthread_mutex_unlock(&d->mb->mu);
}

/* ------------------------------------------------------------------ body budgets (issue 7 J) */

/* Take @p n bytes of the connection's and the server's request-body budgets; false (nothing
 * taken) when either would be exceeded. */
static bool body_budget_take(conn *c, size_t n)
{
    const yc_h2_opts *o = opts_of(c);
    if (c->body_bytes > o->max_conn_body_bytes || n > o->max_conn_body_bytes - c->body_bytes)
        return false;
    atomic_size_t *total = &c->w->srv->body_bytes;
    size_t cur = atomic_load(total);
    do {
        if (cur > o->max_body_bytes_total || n > o->max_body_bytes_total - cur)
            return false;
    } while (!atomic_compare_exchange_weak(total, &cur, cur + n));
    c->body_bytes += n;
    return true;
}

/* Free the stream's body buffer and give its bytes back to the budgets. */
static void stream_body_free(stream *st)
{
    if (st->body_cap > 0) {
        conn *c = st->c;
        c->body_bytes -= st->body_cap;
        (void)atomic_fetch_sub(&c->w->srv->body_bytes, st->body_cap);
    }
    yc_free(st->body);
    st->body = NULL;
    st->body_len = 0;
    st->body_cap = 0;
}

static void stream_free(stream *st)
{
    if (st == NULL)
        return;
    stream_body_free(st);
    if (st->deferred != NULL)
        deferred_detach(st->deferred);
    yc_free(st->method);
    yc_free(st->path);
    yc_free(st->content_type);
    yc_free(st->if_none_match);
    yc_free(st->authorization);
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
static void stream_respond(conn *c, stream *st)
{
    if (st->responded)
        return;
    st->responded = true;
    st->body_since_ms = NEVER;
    yc_h2_reply *r = &st->reply;
    snprintf(st->status_str, sizeof st->status_str, "%d", r->status);
    snprintf(st->length_str, sizeof st->length_str, "%zu", r->body_len);
    nghttp2_nv nva[9];
    size_t n = 0;
    nva[n++] = NV(":status", st->status_str);
    if (r->content_type[0] != '\0')
        nva[n++] = NV("content-type", r->content_type);
    if (r->status != 304) /* a 304 has no content (RFC 9110 §15.4.5) */
        nva[n++] = NV("content-length", st->length_str);
    if (r->allow[0] != '\0')
        nva[n++] = NV("allow", r->allow);
    if (r->etag[0] != '\0')
        nva[n++] = NV("etag", r->etag);
    if (r->cache_control[0] != '\0')
        nva[n++] = NV("cache-control", r->cache_control);
    if (r->location[0] != '\0')
        nva[n++] = NV("location", r->location);
    if (r->www_authenticate[0] != '\0')
        nva[n++] = NV("www-authenticate", r->www_authenticate);
    if (r->retry_after[0] != '\0') /* a 429 (issue 6 item 1) */
        nva[n++] = NV("retry-after", r->retry_after);
    bool head = st->method != NULL && strcmp(st->method, "HEAD") == 0;
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = body_read_cb};
    int rv =
        nghttp2_submit_response(c->session, st->id, nva, n, head || r->body_len == 0 ? NULL : &prd);
    if (rv != 0) {
        (void)nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, st->id,
                                        NGHTTP2_INTERNAL_ERROR);
        return;
    }
    st->resp_open = true;
    c->responding++;
    if (st->limit_status != 0 && !st->req_done) {
        /* An early response while the client is still sending: drop the rest of the body
         * (on_data_chunk), so that the client reads the response before its request ends. */
        const yc_h2_opts *o = opts_of(c);
        st->discarding = true;
        st->discard_stop = o->discard_off;
        st->discard_since_ms = o->discard_off ? NEVER : c->w->now_ms;
    }
}

/* Stop discarding: reset the stream (NO_ERROR) now if its response is complete, else once it
 * is (on_frame_send). */
static void stream_discard_stop(conn *c, stream *st)
{
    if (st->discard_stop)
        return;
    st->discard_stop = true;
    st->discard_since_ms = NEVER;
    if (!st->resp_open && !st->req_done)
        (void)nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
}

/* @p n body bytes received after the early response: counted, never stored. */
static void stream_discard(conn *c, stream *st, size_t n)
{
    st->discarded = n > SIZE_MAX - st->discarded ? SIZE_MAX : st->discarded + n;
    if (n > 0 && st->discard_since_ms != NEVER)
        st->discard_since_ms = c->w->now_ms;
    if (st->discarded > opts_of(c)->max_discard_bytes)
        stream_discard_stop(c, st);
}

#define PROBLEM(kind, title, status, detail)                                                   \
    "{\"type\":\"urn:yrdcredit:problem:" kind "\",\"title\":\"" title "\",\"status\":" #status \
    ",\"detail\":\"" detail "\"}"

/* issue 7 J: the answers the transport gives without the handler, as RFC 9457 problems (every
 * 4xx names its cause); a status not listed here has no body. */
static const struct {
    int status;
    const char *body;
} transport_problems[] = {
    {400, PROBLEM("invalid-parameter", "Bad request", 400,
                  "CONNECT (no :path) is not served\",\"field\":\":method")},
    {408, PROBLEM("request-timeout", "Request timeout", 408,
                  "no request body bytes arrived within the body timeout")},
    {413,
     PROBLEM("payload-too-large", "Payload too large", 413, "the request body exceeds the limit")},
    {431, PROBLEM("header-too-large", "Request header fields too large", 431,
                  "the request header block exceeds the limit")},
    {500, PROBLEM("internal", "Internal server error", 500, "the request failed")},
    {503, PROBLEM("unavailable", "Service unavailable", 503,
                  "the server is temporarily out of resources")},
};

/* The transport's own answer @p status (problem+json when listed in transport_problems; with
 * no body if that allocation fails). */
static void bare_status(stream *st, int status)
{
    yc_free(st->reply.body);
    st->reply = (yc_h2_reply){.set = true, .status = status};
    for (size_t i = 0; i < sizeof transport_problems / sizeof transport_problems[0]; i++)
        if (transport_problems[i].status == status &&
            yc_h2_reply_set(&st->reply, status, "application/problem+json", NULL,
                            transport_problems[i].body,
                            strlen(transport_problems[i].body)) != YC_OK)
            st->reply = (yc_h2_reply){.set = true, .status = status};
}

/* The request is complete (END_STREAM) or cut short at a limit: run the handler. */
static void stream_dispatch(conn *c, stream *st)
{
    if (st->responded || st->deferred != NULL)
        return;
    if (st->limit_status == 0 && (st->method == NULL || st->path == NULL)) {
        bare_status(st, 400);
        stream_respond(c, st);
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
        .if_none_match = st->if_none_match,
        .authorization = st->auth_malformed ? NULL : st->authorization,
        .authorization_malformed = st->auth_malformed,
        .body = st->limit_status == 0 && st->body_len > 0 ? st->body : NULL,
        .body_len = st->limit_status == 0 ? st->body_len : 0,
        .limit_status = st->limit_status,
        .stream_id = st->id,
        .worker = c->w->index,
        .tls = c->tls != NULL,
        .client_spki_sha256 = c->has_spki ? c->spki : NULL,
        .peer = c->peer, /* issue 6: the per-address rate limit */
    };
    const yc_h2_opts *o = opts_of(c);
    st->in_handler = true;
    yc_err e = o->handler(o->handler_ctx, &req, &st->reply);
    st->in_handler = false;
    c->w->now_ms = yc_h2_now_ms(); /* handlers may be slow: stamps must not lag behind */
    if (st->deferred != NULL) {    /* answered later (yc_h2_deferred_complete()) */
        st->body_since_ms = NEVER;
        return;
    }
    if (e != YC_OK || !st->reply.set)
        bare_status(st, st->limit_status != 0 ? st->limit_status : e == YC_ERR_NOMEM ? 503 : 500);
    else if (st->limit_status != 0)
        st->reply.status = st->limit_status;
    stream_respond(c, st);
}

/* The request is cut short at a limit (408, 413): drop its body and answer now. */
static void stream_cut(conn *c, stream *st, int status)
{
    st->limit_status = status;
    stream_body_free(st);
    stream_dispatch(c, st);
}

/* ------------------------------------------------------------------ nghttp2 callbacks */

/* issue 7 B: RFC 9113 §6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE change that pushes a stream's
 * send window above 2^31-1 is a connection error FLOW_CONTROL_ERROR; nghttp2 1.52 only resets
 * that stream.  iws_snapshot() notes the old value and the largest stream window before a
 * SETTINGS frame applies; iws_overflow() replays the frame's entries on them. */
static void iws_snapshot(nghttp2_session *session, conn *c)
{
    c->iws_before =
        nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
    c->win_max_before = 0;
    for (const stream *st = c->streams; st != NULL; st = st->next) {
        int32_t w = nghttp2_session_get_stream_remote_window_size(session, st->id);
        if (w > c->win_max_before)
            c->win_max_before = w;
    }
}

static bool iws_overflow(const conn *c, const nghttp2_settings *s)
{
    int64_t win = c->win_max_before, iws = c->iws_before;
    for (size_t i = 0; i < s->niv; i++) {
        if (s->iv[i].settings_id != NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE)
            continue;
        win += (int64_t)s->iv[i].value - iws;
        iws = s->iv[i].value;
        if (win > NGHTTP2_MAX_WINDOW_SIZE)
            return true;
    }
    return false;
}

static int on_begin_frame(nghttp2_session *session, const nghttp2_frame_hd *hd, void *user_data)
{
    (void)session;
    conn *c = user_data;
    if (hd->type == NGHTTP2_SETTINGS && (hd->flags & NGHTTP2_FLAG_ACK) == 0)
        iws_snapshot(session, c); /* issue 7 B */
    /* issue 7 B: RFC 9113 §6.3: PRIORITY on stream 0 is a connection error PROTOCOL_ERROR;
     * with SETTINGS_NO_RFC7540_PRIORITIES nghttp2 1.52 skips PRIORITY frames unchecked. */
    if (hd->type == NGHTTP2_PRIORITY && hd->stream_id == 0 && !c->dead) {
        c->dead = true;
        c->dead_since_ms = c->w->now_ms;
        (void)nghttp2_session_terminate_session(session, NGHTTP2_PROTOCOL_ERROR);
    }
    /* Flood frames are counted by frames_scan(), whatever the stream's state. */
    if (hd->type == NGHTTP2_HEADERS && c->hdr_since_ms == NEVER) {
        c->hdr_since_ms = c->w->now_ms; /* header timer: first HEADERS to END_HEADERS */
        c->hdr_stream = hd->stream_id;
    }
    /* A header block is contiguous (RFC 9113 §6.10): any other frame means it ended. */
    if (hd->type != NGHTTP2_HEADERS && hd->type != NGHTTP2_CONTINUATION)
        c->hdr_since_ms = NEVER;
    return 0;
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    conn *c = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    stream *st = yc_calloc(1, sizeof *st);
    if (st == NULL)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM INTERNAL_ERROR */
    st->id = frame->hd.stream_id;
    st->c = c;
    st->body_since_ms = st->discard_since_ms = NEVER;
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
    const yc_h2_opts *o = opts_of(c);
    if (st->hdr_bytes > o->max_header_bytes || st->hdr_fields > o->max_header_fields) {
        /* Stop storing; the rest of the block is still decoded (HPACK state) and counted
         * by nothing.  The 431 goes out at END_HEADERS. */
        st->limit_status = 431;
        glitch(c);
        return 0;
    }
    if (namelen == 13 && memcmp(name, "authorization", 13) == 0) {
        /* A credential: kept only when short and single; anything else is flagged for the API
         * to answer (400/401) and never stored.  The value is never logged here. */
        if (st->authorization != NULL || st->auth_malformed || valuelen > YC_H2_AUTHORIZATION_MAX ||
            memchr(value, '\0', valuelen) != NULL) {
            st->auth_malformed = true;
            yc_free(st->authorization);
            st->authorization = NULL;
            return 0;
        }
        st->authorization = dup_n(value, valuelen);
        return st->authorization == NULL ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
    }
    char **slot = NULL;
    if (namelen == 7 && memcmp(name, ":method", 7) == 0)
        slot = &st->method;
    else if (namelen == 5 && memcmp(name, ":path", 5) == 0)
        slot = &st->path;
    else if (namelen == 12 && memcmp(name, "content-type", 12) == 0)
        slot = &st->content_type;
    else if (namelen == 13 && memcmp(name, "if-none-match", 13) == 0)
        slot = &st->if_none_match;
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
    if (st == NULL)
        return 0;
    if (st->discarding) {
        stream_discard(c, st, len);
        return 0;
    }
    if (st->limit_status != 0 || st->responded)
        return 0;
    if (len > 0 && st->body_since_ms != NEVER)
        st->body_since_ms = c->w->now_ms;
    size_t max = opts_of(c)->max_body_bytes;
    if (len > max - st->body_len) {
        /* Over the cap: answer 413 now and drop the rest of the body (the bytes past the cap
         * count against max_discard_bytes). */
        const size_t over = len - (max - st->body_len);
        stream_cut(c, st, 413);
        if (st->discarding)
            stream_discard(c, st, over);
        return 0;
    }
    if (st->body_len + len > st->body_cap) {
        size_t cap = st->body_cap < 4096 ? 4096 : st->body_cap;
        while (cap < st->body_len + len)
            cap = cap > max / 2 ? max : cap * 2;
        if (!body_budget_take(c, cap - st->body_cap)) {
            /* issue 7 J: over the connection's or the server's body budget: refuse the stream
             * (RFC 9113 §8.7: not processed, the client may retry) and free its body */
            stream_body_free(st);
            st->responded = true;
            st->body_since_ms = NEVER;
            (void)nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id,
                                            NGHTTP2_REFUSED_STREAM);
            return 0;
        }
        uint8_t *nb = yc_realloc(st->body, cap);
        if (nb == NULL) {
            c->body_bytes -= cap - st->body_cap;
            (void)atomic_fetch_sub(&c->w->srv->body_bytes, cap - st->body_cap);
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
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
    switch (frame->hd.type) {
    case NGHTTP2_SETTINGS:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0)
            c->settings_seen = true;
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0 && iws_overflow(c, &frame->settings) &&
            !c->dead) { /* issue 7 B */
            c->dead = true;
            c->dead_since_ms = c->w->now_ms;
            (void)nghttp2_session_terminate_session(session, NGHTTP2_FLOW_CONTROL_ERROR);
        }
        return 0;
    case NGHTTP2_WINDOW_UPDATE:
        if (frame->window_update.window_size_increment < YC_H2_TINY_WINDOW_UPDATE)
            glitch(c);
        return 0;
    case NGHTTP2_HEADERS:
        if ((frame->hd.flags & NGHTTP2_FLAG_END_HEADERS) != 0)
            c->hdr_since_ms = NEVER;
        break;
    case NGHTTP2_DATA:
        break;
    default:
        return 0;
    }
    stream *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (st == NULL)
        return 0;
    const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (end_stream) {
        st->body_since_ms = NEVER;
        st->discard_since_ms = NEVER;
        st->req_done = true;
    } else if (frame->hd.type == NGHTTP2_HEADERS && st->limit_status == 0)
        st->body_since_ms = c->w->now_ms; /* body timer: from END_HEADERS */
    if (end_stream || (frame->hd.type == NGHTTP2_HEADERS && st->limit_status == 431))
        stream_dispatch(c, st);
    return 0;
}

static int on_invalid_frame_recv(nghttp2_session *session, const nghttp2_frame *frame,
                                 int lib_error_code, void *user_data)
{
    (void)session;
    (void)lib_error_code;
    conn *c = user_data;
    if (frame->hd.stream_id == c->hdr_stream)
        c->hdr_since_ms = NEVER;
    glitch(c); /* CVE-2025-8671 (MadeYouReset) */
    return 0;
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    conn *c = user_data;
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
        glitch(c); /* server-sent resets: CVE-2019-9514, CVE-2025-8671 */
        return 0;
    }
    if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0)
        return 0;
    stream *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (st == NULL)
        return 0;
    if (st->resp_open) { /* the response is complete */
        st->resp_open = false;
        if (c->responding > 0)
            c->responding--;
    }
    /*
     *= https://www.rfc-editor.org/rfc/rfc9113#section-8.1
     *# A server can send a complete response prior to the client sending an entire request
     *# if the response does not depend on any portion of the request that has not been sent
     *# and received.  When this is true, a server MAY request that the client abort
     *# transmission of a request without error by sending a RST_STREAM with an error code of
     *# NO_ERROR after sending a complete response
     * (413, 408, 431.)  Some clients (curl 7.88) report that reset as an error and never show
     * the response, so the rest of the body is read and dropped instead, and the reset is kept
     * for a body over max_discard_bytes, a stalled one, or discarding off.
     */
    if (!st->req_done && (!st->discarding || st->discard_stop))
        (void)nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data)
{
    (void)error_code;
    conn *c = user_data;
    if (stream_id == c->hdr_stream)
        c->hdr_since_ms = NEVER;
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
    if (st->resp_open && c->responding > 0)
        c->responding--;
    stream_free(st);
    if (c->open_streams > 0 && --c->open_streams == 0)
        c->idle_since_ms = c->w->now_ms;
    return 0;
}

yc_err yc_h2_session_setup(yc_h2_server *s)
{
    if (nghttp2_session_callbacks_new(&s->cbs) != 0 || nghttp2_option_new(&s->opt) != 0)
        return YC_ERR_NOMEM;
    nghttp2_session_callbacks *cbs = s->cbs;
    nghttp2_session_callbacks_set_on_begin_frame_callback(cbs, on_begin_frame);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs, on_invalid_frame_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    /* http2.md §2.4; HTTP messaging stays on (no nghttp2_option_set_no_http_messaging) */
    nghttp2_option *opt = s->opt;
    nghttp2_option_set_max_settings(opt, 32);
    nghttp2_option_set_max_outbound_ack(opt, 1000);
    nghttp2_option_set_stream_reset_rate_limit(opt, s->opts.reset_burst, s->opts.reset_rate_per_s);
    nghttp2_option_set_max_continuations(opt, s->opts.max_continuations);
    nghttp2_option_set_no_closed_streams(opt, 1);
    /* Unknown frame types are ignored by nghttp2 and counted by frames_scan(). */
    return YC_OK;
}

/* ------------------------------------------------------------------ connections */

void yc_h2_conn_close(conn *c)
{
    worker *w = c->w;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    w->n_conns--;
    (void)atomic_fetch_sub(&w->srv->n_conns, 1);
    (void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->tls != NULL) {
        if (!c->kill)
            yc_tls_shutdown(c->tls); /* close_notify unless the connection is broken */
        yc_tls_conn_free(c->tls);
    }
    close(c->fd);
    nghttp2_session_del(c->session); /* does not call on_stream_close */
    for (stream *st = c->streams, *next; st != NULL; st = next) {
        next = st->next;
        stream_free(st);
    }
    yc_free(c->out);
    yc_free(c);
}

/* Close at once, without flushing (and without close_notify). */
static void conn_kill(conn *c)
{
    c->kill = true;
    yc_h2_conn_close(c);
}

static bool out_pending(const conn *c)
{
    return c->out_len > c->out_off;
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
    const size_t high = opts_of(c)->output_high_water;
    while (c->out_len - c->out_off < high) {
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
    if (epoll_ctl(c->w->epfd, EPOLL_CTL_MOD, c->fd, &e) != 0)
        return false;
    c->events = ev;
    return true;
}

/* Bytes > 0 read; 0: nothing now (retry on the next event); -1: closed or failed. */
static ssize_t conn_recv(conn *c, uint8_t *buf, size_t len)
{
    if (c->tls == NULL) {
        ssize_t n = recv(c->fd, buf, len, 0);
        if (n > 0)
            return n;
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    }
    c->tls_read_wants_write = false;
    ssize_t n = yc_tls_read(c->tls, buf, len);
    if (n > 0)
        return n;
    if (n == YC_TLS_WANT_WRITE)
        c->tls_read_wants_write = true;
    return n == YC_TLS_WANT_READ || n == YC_TLS_WANT_WRITE ? 0 : -1;
}

/* Bytes > 0 accepted; 0: nothing now; -1: failed. */
static ssize_t conn_send(conn *c, const uint8_t *buf, size_t len)
{
    if (c->tls == NULL) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0)
            return n;
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    }
    c->tls_write_wants_read = false;
    ssize_t n = yc_tls_write(c->tls, buf, len);
    if (n > 0)
        return n;
    if (n == YC_TLS_WANT_READ)
        c->tls_write_wants_read = true;
    return n == YC_TLS_WANT_READ || n == YC_TLS_WANT_WRITE ? 0 : -1;
}

/* Gather, write once, then decide whether to read, wait for writability, or close.
 * Returns false when the connection was closed (and freed). */
static bool conn_flush(conn *c)
{
    if (c->kill || !conn_gather(c)) {
        conn_kill(c);
        return false;
    }
    bool wrote = false;
    if (out_pending(c)) {
        ssize_t w = conn_send(c, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0) {
            conn_kill(c);
            return false;
        }
        if (w > 0) {
            wrote = true;
            c->out_off += (size_t)w;
        }
        if (c->out_off == c->out_len) {
            c->out_off = 0;
            c->out_len = 0;
            if (!conn_gather(c)) { /* more output that did not fit under the high water */
                conn_kill(c);
                return false;
            }
        }
    }
    const bool pending = out_pending(c);
    /* write progress: output waits in the buffer or inside nghttp2 (flow control) */
    if (!pending && c->responding == 0)
        c->write_wait_ms = NEVER;
    else if (wrote || c->write_wait_ms == NEVER)
        c->write_wait_ms = c->w->now_ms;
    if (!pending) {
        const bool want_write = !c->not_h2 && nghttp2_session_want_write(c->session);
        const bool done = c->not_h2 || c->dead ||
                          (!nghttp2_session_want_read(c->session) && !want_write) ||
                          (c->w->draining && c->open_streams == 0 && !want_write);
        if (done) {
            yc_h2_conn_close(c);
            return false;
        }
    }
    uint32_t ev;
    if (pending) /* backed up: stop reading */
        ev = c->tls_write_wants_read ? EPOLLIN : EPOLLOUT;
    else
        ev = c->tls_read_wants_write ? EPOLLOUT : EPOLLIN;
    if (!conn_set_events(c, ev)) {
        conn_kill(c);
        return false;
    }
    return true;
}

/* A fatal return of nghttp2_session_mem_recv() (http2.md §1.5). */
static void conn_fatal(conn *c, ssize_t rv)
{
    /* FLOODED ("must be closed"): more than 1000 SETTINGS/PING ACKs queued.  The queue is
     * bounded, so it is flushed (bounded, YC_H2_CLOSE_LINGER_MS) with a GOAWAY
     * ENHANCE_YOUR_CALM after it, like every other flood (issue 7 item 1). */
    if (rv == NGHTTP2_ERR_FLOODED || rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS) {
        conn_calm(c);
        return;
    }
    if (!c->dead) {
        c->dead = true;
        c->dead_since_ms = c->w->now_ms;
    }
    (void)nghttp2_session_terminate_session(
        c->session, rv == NGHTTP2_ERR_NOMEM ? NGHTTP2_INTERNAL_ERROR : NGHTTP2_PROTOCOL_ERROR);
}

/* Feed received bytes: the h2c preface check, then nghttp2. */
static void conn_input(conn *c, const uint8_t *buf, size_t len)
{
    if (c->preface_seen < PREFACE_LEN) {
        size_t k = PREFACE_LEN - c->preface_seen < len ? PREFACE_LEN - c->preface_seen : len;
        if (memcmp(buf, &PREFACE[c->preface_seen], k) != 0) {
            /* Not HTTP/2 (e.g. an HTTP/1.1 request line): a short HTTP/1.1 error, then close. */
            c->not_h2 = true;
            c->dead = true;
            c->dead_since_ms = c->w->now_ms;
            c->out_len = 0;
            c->out_off = 0;
            if (!out_reserve(c, sizeof not_h2_reply - 1)) {
                c->kill = true;
                return;
            }
            memcpy(c->out, not_h2_reply, sizeof not_h2_reply - 1);
            c->out_len = sizeof not_h2_reply - 1;
            if (c->tls == NULL)
                (void)shutdown(c->fd, SHUT_RD);
            return;
        }
        c->preface_seen += k;
        frames_scan(c, buf + k, len - k);
    } else
        frames_scan(c, buf, len);
    if (c->dead) /* a flood: the GOAWAY is queued, the rest of the input is not served */
        return;
    ssize_t rv = nghttp2_session_mem_recv(c->session, buf, len);
    if (rv < 0) {
        conn_fatal(c, rv);
        return;
    }
    /* CVE-2019-9514: nghttp2 1.52 has no cap on its outbound queue */
    if (nghttp2_session_get_outbound_queue_size(c->session) > opts_of(c)->max_outbound_queue)
        conn_calm(c);
}

/* Read: once per readiness event for h2c; for TLS also what OpenSSL already decrypted, which
 * no epoll event would announce.  Returns false when the connection was closed. */
static bool conn_read(conn *c)
{
    uint8_t buf[READ_CHUNK];
    for (;;) {
        ssize_t n = conn_recv(c, buf, sizeof buf);
        if (n < 0) {
            conn_kill(c);
            return false;
        }
        if (n > 0)
            conn_input(c, buf, (size_t)n);
        if (!conn_flush(c))
            return false;
        if (n == 0 || c->tls == NULL || c->dead || out_pending(c) || yc_tls_pending(c->tls) == 0)
            return true;
    }
}

/* Advance the TLS handshake; returns false when the connection was closed. */
static bool conn_handshake(conn *c)
{
    int r = yc_tls_handshake(c->tls);
    if (r == YC_TLS_DONE) {
        c->handshaking = false;
        c->has_spki = yc_tls_peer_spki_sha256(c->tls, c->spki); /* mTLS pinning (issue 6) */
        c->preface_since_ms = c->w->now_ms;
        c->idle_since_ms = c->w->now_ms;
        return conn_read(c); /* the client's preface may already be here */
    }
    if ((r == YC_TLS_WANT_READ && conn_set_events(c, EPOLLIN)) ||
        (r == YC_TLS_WANT_WRITE && conn_set_events(c, EPOLLOUT)))
        return true;
    conn_kill(c); /* failed (e.g. ALPN not h2: the alert is sent) or closed */
    return false;
}

/* Serve one readiness event; returns false when the connection was closed. */
static bool conn_serve(conn *c, uint32_t events)
{
    if ((events & (EPOLLERR | EPOLLHUP)) != 0 && (events & (EPOLLIN | EPOLLOUT)) == 0) {
        conn_kill(c);
        return false;
    }
    if (c->handshaking)
        return conn_handshake(c);
    if (!out_pending(c) && !c->dead)
        return conn_read(c);
    if (!conn_flush(c))
        return false;
    /* The buffer drained: read what OpenSSL holds already (no event will say so). */
    if (c->tls != NULL && !out_pending(c) && !c->dead && yc_tls_pending(c->tls) > 0)
        return conn_read(c);
    return true;
}

void yc_h2_conn_event(conn *c, uint32_t events)
{
    (void)conn_serve(c, events);
}

/* The peer's address as text into out (46 bytes); "" when unknown. */
static void peer_text(int fd, char out[static 46])
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    out[0] = '\0';
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return;
    const void *a = NULL;
    if (ss.ss_family == AF_INET)
        a = &((const struct sockaddr_in *)&ss)->sin_addr;
    else if (ss.ss_family == AF_INET6)
        a = &((const struct sockaddr_in6 *)&ss)->sin6_addr;
    if (a == NULL || inet_ntop(ss.ss_family, a, out, 46) == NULL)
        out[0] = '\0';
}

void yc_h2_conn_new(worker *w, int fd, bool tls)
{
    yc_h2_server *s = w->srv;
    const yc_h2_opts *o = &s->opts;
    /* http2.md §2.4; the header list size is advisory, the cap is enforced in on_header */
    uint32_t hdr_max =
        o->max_header_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)o->max_header_bytes;
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o->max_concurrent_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, hdr_max},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
    };
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn *c = yc_calloc(1, sizeof *c);
    if (c == NULL) {
        close(fd);
        (void)atomic_fetch_sub(&s->n_conns, 1);
        return;
    }
    c->kind = EV_CONN;
    c->w = w;
    c->fd = fd;
    peer_text(fd, c->peer); /* issue 6: the per-address rate limit */
    c->accepted_ms = c->preface_since_ms = c->idle_since_ms = w->now_ms;
    c->hdr_since_ms = c->write_wait_ms = c->dead_since_ms = NEVER;
    c->glitch_mtokens = (uint64_t)o->glitch_burst * 1000u;
    c->glitch_last_ms = w->now_ms;
    c->events = EPOLLIN;
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
    if ((tls && yc_tls_conn_new(s->tls, fd, &c->tls) != YC_OK) ||
        nghttp2_session_server_new2(&c->session, s->cbs, c, s->opt) != 0 ||
        nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, settings,
                                sizeof settings / sizeof settings[0]) != 0 ||
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) != 0) {
        nghttp2_session_del(c->session);
        yc_tls_conn_free(c->tls);
        yc_free(c);
        close(fd);
        (void)atomic_fetch_sub(&s->n_conns, 1);
        return;
    }
    c->handshaking = tls;
    c->next = w->conns;
    if (w->conns != NULL)
        w->conns->prev = c;
    w->conns = c;
    w->n_conns++;
    /* SETTINGS go out with the first response to the preface (one write). */
}

void yc_h2_conn_goaway(conn *c)
{
    if (c->handshaking || c->preface_seen < PREFACE_LEN) {
        conn_kill(c);
        return;
    }
    if (!c->not_h2 && !c->goaway_sent && !c->dead) {
        c->goaway_sent = true;
        (void)nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                                    nghttp2_session_get_last_proc_stream_id(c->session),
                                    NGHTTP2_NO_ERROR, NULL, 0);
    }
    (void)conn_flush(c);
}

static bool due(int64_t since, int64_t now, unsigned timeout_ms)
{
    return since != NEVER && now - since >= (int64_t)timeout_ms;
}

/* Readiness that epoll would report for what the connection waits for (c->events), but that
 * the worker has not served yet because it was busy: serve it now, as the event would have
 * been.  Nothing ready means the peer made no progress.  Returns false when the connection was
 * closed. */
static bool conn_poke(conn *c)
{
    struct pollfd p = {.fd = c->fd, .events = 0};
    if ((c->events & EPOLLIN) != 0)
        p.events |= POLLIN;
    if ((c->events & EPOLLOUT) != 0)
        p.events |= POLLOUT;
    if (poll(&p, 1, 0) != 1)
        return true;
    uint32_t ev = 0;
    if ((p.revents & POLLIN) != 0)
        ev |= EPOLLIN;
    if ((p.revents & POLLOUT) != 0)
        ev |= EPOLLOUT;
    if ((p.revents & POLLERR) != 0)
        ev |= EPOLLERR;
    if ((p.revents & POLLHUP) != 0)
        ev |= EPOLLHUP;
    return ev == 0 || conn_serve(c, ev);
}

/* The connection's timers at w->now_ms.  With @p fire false, only whether one is due; with it
 * true, fire those that are (may close the connection). */
static bool conn_timers_due(conn *c, bool fire)
{
    const yc_h2_opts *o = opts_of(c);
    const int64_t now = c->w->now_ms;
    if (c->handshaking) {
        if (!due(c->accepted_ms, now, o->handshake_timeout_ms))
            return false;
        if (fire)
            conn_kill(c);
        return true;
    }
    if (c->dead) { /* GOAWAY or the HTTP/1.1 error queued: bounded flush */
        if (!due(c->dead_since_ms, now, YC_H2_CLOSE_LINGER_MS) &&
            !due(c->write_wait_ms, now, o->write_timeout_ms))
            return false;
        if (fire)
            conn_kill(c);
        return true;
    }
    if (!c->settings_seen && due(c->preface_since_ms, now, o->preface_timeout_ms)) {
        if (fire)
            conn_kill(c); /* slowloris on the preface: no byte back */
        return true;
    }
    if (due(c->write_wait_ms, now, o->write_timeout_ms)) {
        if (fire)
            conn_kill(c);
        return true;
    }
    if (due(c->hdr_since_ms, now, o->header_timeout_ms)) {
        if (fire) {
            conn_calm(c);
            (void)conn_flush(c);
        }
        return true;
    }
    bool any = false;
    for (stream *st = c->streams; st != NULL; st = st->next) {
        if (due(st->body_since_ms, now, o->body_timeout_ms)) {
            any = true;
            if (fire)
                stream_cut(c, st, 408);
        } else if (due(st->discard_since_ms, now, o->body_timeout_ms)) {
            any = true; /* the body after an early response stalled: reset the stream */
            if (fire)
                stream_discard_stop(c, st);
        }
    }
    if (any) {
        if (fire)
            (void)conn_flush(c);
        return true;
    }
    if (c->open_streams == 0 && due(c->idle_since_ms, now, o->idle_timeout_ms)) {
        if (!fire)
            return true;
        if (c->preface_seen < PREFACE_LEN) {
            conn_kill(c);
            return true;
        }
        c->goaway_sent = true;
        c->dead = true;
        c->dead_since_ms = now;
        (void)nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                                    nghttp2_session_get_last_proc_stream_id(c->session),
                                    NGHTTP2_NO_ERROR, NULL, 0);
        (void)conn_flush(c);
        return true;
    }
    return false;
}

void yc_h2_conn_timers(conn *c)
{
    worker *w = c->w;
    w->now_ms = yc_h2_now_ms();
    if (!conn_timers_due(c, false))
        return;
    /* Due, but maybe only because this worker was busy elsewhere: bytes that the peer sent
     * may wait unread, or its socket may take our output again.  A timer measures the peer's
     * lack of progress, so first serve the readiness an event would report, then look again. */
    if (!conn_poke(c))
        return;
    w->now_ms = yc_h2_now_ms();
    (void)conn_timers_due(c, true);
}

/* ------------------------------------------------------------------ deferred answers */

yc_err yc_h2_defer(yc_h2_reply *reply, yc_h2_deferred **ret)
{
    stream *st = (stream *)(void *)((char *)reply - offsetof(stream, reply));
    YC_ENSURE(st->in_handler && st->deferred == NULL, YC_ERR_INVALID);
    yc_h2_deferred *d = yc_calloc(1, sizeof *d);
    YC_ENSURE(d != NULL, YC_ERR_NOMEM);
    mailbox *mb = st->c->w->mb;
    (void)pthread_mutex_lock(&mb->mu);
    mb->refs++;
    d->mb = mb;
    d->c = st->c;
    d->st = st;
    (void)pthread_mutex_unlock(&mb->mu);
    st->deferred = d;
    *ret = d;
    return YC_OK;
}

static void mailbox_free(mailbox *mb)
{
    close(mb->efd);
    (void)pthread_mutex_destroy(&mb->mu);
    yc_free(mb);
}

/* Free a handle and its unsent body; drop its reference to the mailbox (freed with the last). */
static void deferred_free(yc_h2_deferred *d)
{
    mailbox *mb = d->mb;
    (void)pthread_mutex_lock(&mb->mu);
    const bool last = --mb->refs == 0;
    (void)pthread_mutex_unlock(&mb->mu);
    yc_free(d->body);
    yc_free(d);
    if (last)
        mailbox_free(mb);
}

yc_err yc_h2_deferred_set_location(yc_h2_deferred *d, const char *location)
{
    YC_ENSURE(d != NULL && location != NULL && location[0] == '/' && header_value_ok(location),
              YC_ERR_INVALID);
    snprintf(d->location, sizeof d->location, "%s", location);
    return YC_OK;
}

void yc_h2_deferred_complete(yc_h2_deferred *d, int status, const char *content_type, void *body,
                             size_t body_len)
{
    mailbox *mb = d->mb;
    d->body = body; /* the handle owns the body from here on */
    (void)pthread_mutex_lock(&mb->mu);
    if (!mb->closed && d->st != NULL) {
        d->status = status;
        d->content_type = content_type;
        d->body_len = body_len;
        d->completed = true;
        d->next = NULL;
        const bool was_empty = mb->head == NULL;
        if (mb->tail != NULL)
            mb->tail->next = d;
        else
            mb->head = d;
        mb->tail = d;
        /* Only the first answer of a batch wakes the worker: it reads the eventfd before it
         * takes the list (yc_h2_mailbox_serve), so whatever is appended after the take finds
         * the list empty and writes again.  Under mu: the mailbox (and its eventfd) cannot be
         * freed before the worker took d. */
        if (was_empty) {
            const uint64_t one = 1;
            ssize_t w = write(mb->efd, &one, sizeof one);
            (void)w; /* EAGAIN: the counter is already non-zero, the worker will wake */
        }
        (void)pthread_mutex_unlock(&mb->mu);
        return;
    }
    (void)pthread_mutex_unlock(&mb->mu);
    deferred_free(d); /* the stream, its connection or the server is gone: nothing is sent */
}

/* Submit a completed answer on its stream (worker thread); the handle is freed by the caller. */
static void deferred_answer(yc_h2_deferred *d)
{
    stream *st = d->st;
    conn *c = d->c;
    st->deferred = NULL; /* the stream no longer points at d: stream_free() leaves it alone */
    if (st->responded)
        return;
    void *body = d->body;
    d->body = NULL;
    if (yc_h2_reply_take(&st->reply, d->status, d->content_type, NULL, body, d->body_len) !=
            YC_OK ||
        (d->location[0] != '\0' && yc_h2_reply_location(&st->reply, d->location) != YC_OK))
        bare_status(st, 500);
    stream_respond(c, st);
}

/* Connections with deferred answers submitted during one mailbox drain, flushed once each at
 * its end: one write carries every answer that completed together (a group commit completes
 * many at once), instead of one write per answer. */
enum { FLUSH_BATCH = 64 };

void yc_h2_mailbox_serve(worker *w)
{
    mailbox *mb = w->mb;
    uint64_t v;
    ssize_t r = read(mb->efd, &v, sizeof v);
    (void)r;
    (void)pthread_mutex_lock(&mb->mu);
    yc_h2_deferred *d = mb->head;
    mb->head = mb->tail = NULL;
    (void)pthread_mutex_unlock(&mb->mu);
    w->now_ms = yc_h2_now_ms();
    conn *due[FLUSH_BATCH];
    size_t n_due = 0;
    while (d != NULL) {
        yc_h2_deferred *next = d->next;
        if (d->st != NULL) { /* only this thread writes d->st */
            conn *c = d->c;
            deferred_answer(d);
            if (!c->flush_due) {
                if (n_due == FLUSH_BATCH) { /* the list is full: flush the oldest now */
                    due[0]->flush_due = false;
                    (void)conn_flush(due[0]); /* may close it: its handles were detached */
                    memmove(due, due + 1, (FLUSH_BATCH - 1) * sizeof due[0]);
                    n_due--;
                }
                c->flush_due = true;
                due[n_due++] = c;
            }
        }
        deferred_free(d); /* the server holds a reference: never the last one here */
        d = next;
    }
    /* Flushing one connection never frees another, so every pointer in due is live. */
    for (size_t i = 0; i < n_due; i++) {
        due[i]->flush_due = false;
        (void)conn_flush(due[i]);
    }
}

mailbox *yc_h2_mailbox_new(void)
{
    mailbox *mb = yc_calloc(1, sizeof *mb);
    if (mb == NULL)
        return NULL;
    mb->kind = EV_MAILBOX;
    mb->refs = 1;
    mb->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (mb->efd < 0 || pthread_mutex_init(&mb->mu, NULL) != 0) {
        if (mb->efd >= 0)
            close(mb->efd);
        yc_free(mb);
        return NULL;
    }
    return mb;
}

void yc_h2_mailbox_close(mailbox *mb)
{
    if (mb == NULL)
        return;
    (void)pthread_mutex_lock(&mb->mu);
    mb->closed = true;
    yc_h2_deferred *d = mb->head;
    mb->head = mb->tail = NULL;
    (void)pthread_mutex_unlock(&mb->mu);
    while (d != NULL) { /* completed but never submitted: the server stopped first */
        yc_h2_deferred *next = d->next;
        deferred_free(d);
        d = next;
    }
    (void)pthread_mutex_lock(&mb->mu);
    const bool last = --mb->refs == 0;
    (void)pthread_mutex_unlock(&mb->mu);
    if (last)
        mailbox_free(mb);
}
