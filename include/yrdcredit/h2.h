/**
 * @file h2.h
 * @brief The HTTP/2 transport of yrdcreditd (svc/h2/): listeners, N worker event loops,
 *        connections, TLS and nghttp2 server sessions.  It knows nothing of credit: each
 *        complete request is handed to ONE handler callback given in yc_h2_opts, which answers
 *        through yc_h2_reply_set().
 *
 * Threads: one process, @c workers threads (the thread that calls yc_h2_server_run() is
 * worker 0).  Each worker owns an epoll loop, its own SO_REUSEPORT listener on each listening
 * port (the kernel spreads new connections over them), the connections it accepted and their
 * nghttp2 sessions; nothing of a connection is ever touched by another thread.  The connection
 * count is global (one atomic counter).
 *
 * Listeners: h2c with prior knowledge (RFC 9113 §3.3) and TLS 1.2+ with ALPN `h2` (RFC 9113
 * §3.2; svc/h2/tls.c); either may be off but not both.  Bytes on the h2c port that are not the
 * HTTP/2 client preface (for example an HTTP/1.1 request line) get a short `HTTP/1.1 505`
 * response and a close.  A TLS client that does not negotiate `h2` is closed during or right
 * after the handshake.
 *
 * Per connection: SETTINGS and nghttp2 options as http2.md §2.4 (max_settings 32,
 * max_outbound_ack 1000, stream reset rate limit, max continuations, no closed streams kept;
 * SETTINGS MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE 65535, MAX_HEADER_LIST_SIZE,
 * ENABLE_PUSH 0, NO_RFC7540_PRIORITIES 1); any fatal error of nghttp2_session_mem_recv() ends
 * the connection after a GOAWAY (ENHANCE_YOUR_CALM for NGHTTP2_ERR_FLOODED and too many
 * CONTINUATIONs, issue 7 item 1); the output of
 * nghttp2_session_mem_send() gathered into one buffer that is written once per loop iteration
 * (one SSL_write for TLS); no reading while that buffer holds @c output_high_water bytes or
 * more; a "glitch" token bucket (http2.md §2.2, see yc_h2_opts.glitch_burst; flood frames
 * count whatever the state of their stream, also closed or idle ones); a cap on
 * nghttp2's outbound queue; timers.  Per stream: caps on header bytes and fields (431) and on
 * body bytes (413), and a body-progress timer (408).
 *
 * Early responses: a 413, 408 or 431 sent while the client is still sending the request body
 * is followed by reading and dropping the rest of that body (never buffered; the flow-control
 * windows stay open) until END_STREAM, so that clients which treat RST_STREAM as an error
 * (curl 7.88) still show the response; the stream is reset (RST_STREAM NO_ERROR, RFC 9113
 * §8.1) once the response is complete only if more than yc_h2_opts.max_discard_bytes arrive,
 * no body byte arrives for @c body_timeout_ms, or yc_h2_opts.discard_off is set.
 *
 * Timers are checked by a scan of the worker's connections every YC_H2_TIMER_TICK_MS, so each
 * fires 0..YC_H2_TIMER_TICK_MS after its deadline.  Each timer measures the peer's lack of
 * progress, never the worker's (handlers run inline, so one batch of events may take long):
 * time stamps are taken after each handler call and at each epoll event, and before a due
 * timer fires, readiness of the socket that the worker has not served yet (poll(2) with a zero
 * timeout on what the connection waits for) is served as its event would have been, and the
 * timer is checked again at a fresh clock.  So the write timer fires only when the socket
 * would block or the client's flow-control window holds the response back, and the read-side
 * timers (handshake, preface, header, body, idle) never for bytes that had arrived unread.
 *
 * The TLS layer writes with write(2): the process must ignore SIGPIPE (yrdcreditd does).
 *
 * @par Source: issue 3 items 1 and 4; docs/design/http2.md §1.5, §2.2 and §2.4; RFC 9113;
 *      RFC 9110 §15.
 */
#ifndef YRDCREDIT_H2_H
#define YRDCREDIT_H2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"

/** Default cap on one request's header block: name + value bytes of all fields (431 past it). */
#define YC_H2_HEADER_BYTES_DEFAULT 16384
/** Default cap on the number of header fields of one request (431 past it). */
#define YC_H2_HEADER_FIELDS_DEFAULT 100
/** Default cap on one request's body, in bytes (413 past it); equals YC_API_BODY_MAX_DEFAULT. */
#define YC_H2_BODY_BYTES_DEFAULT (1024 * 1024)
/** Upper bound of yc_h2_opts.max_body_bytes, in bytes. */
#define YC_H2_BODY_BYTES_LIMIT (64 * 1024 * 1024)
/** Default idle connection timeout (no open stream), in milliseconds. */
#define YC_H2_IDLE_TIMEOUT_MS_DEFAULT 60000
/** Default bound on the drain after yc_h2_server_stop(), in milliseconds. */
#define YC_H2_DRAIN_TIMEOUT_MS_DEFAULT 3000
/** Default of yc_h2_opts.max_concurrent_streams (SETTINGS_MAX_CONCURRENT_STREAMS). */
#define YC_H2_MAX_CONCURRENT_STREAMS 100
/** Upper bound of yc_h2_opts.max_concurrent_streams. */
#define YC_H2_MAX_CONCURRENT_STREAMS_LIMIT 1000
/** Default output bytes per connection at which the connection is not read. */
#define YC_H2_OUTPUT_HIGH_WATER_DEFAULT (64 * 1024)
/** Upper bound of yc_h2_opts.workers. */
#define YC_H2_WORKERS_MAX 256
/** Default cap on open connections of the whole server (all workers, both listeners). */
#define YC_H2_MAX_CONNECTIONS_DEFAULT 4096
/** Default cap on nghttp2's outbound queue (frames), checked after each receive. */
#define YC_H2_MAX_OUTBOUND_QUEUE_DEFAULT 5000
/** Default glitch bucket size (glitches a connection may send at once). */
#define YC_H2_GLITCH_BURST_DEFAULT 1000
/** Default glitch bucket refill, glitches per second. */
#define YC_H2_GLITCH_RATE_DEFAULT 100
/** Default burst of nghttp2's incoming RST_STREAM bucket (Rapid Reset, CVE-2023-44487). */
#define YC_H2_RESET_BURST_DEFAULT 1000
/** Default refill of nghttp2's incoming RST_STREAM bucket, per second. */
#define YC_H2_RESET_RATE_DEFAULT 33
/** Default cap on CONTINUATION frames after one HEADERS frame (CVE-2024-28182). */
#define YC_H2_MAX_CONTINUATIONS_DEFAULT 8
/** Default TLS handshake timeout, in milliseconds. */
#define YC_H2_HANDSHAKE_TIMEOUT_MS_DEFAULT 10000
/** Default timeout for the client preface and first SETTINGS frame, in milliseconds. */
#define YC_H2_PREFACE_TIMEOUT_MS_DEFAULT 10000
/** Default timeout from a stream's first HEADERS frame to END_HEADERS, in milliseconds. */
#define YC_H2_HEADER_TIMEOUT_MS_DEFAULT 10000
/** Default timeout without request body bytes on a stream whose body is incomplete, in ms. */
#define YC_H2_BODY_TIMEOUT_MS_DEFAULT 30000
/** Default timeout without bytes accepted by the socket while output is pending, in ms. */
#define YC_H2_WRITE_TIMEOUT_MS_DEFAULT 30000
/** Default cap on request body bytes read and dropped after an early response, in bytes. */
#define YC_H2_DISCARD_BYTES_DEFAULT (64 * 1024 * 1024)
/** Upper bound of yc_h2_opts.max_discard_bytes, in bytes. */
#define YC_H2_DISCARD_BYTES_LIMIT (1024 * 1024 * 1024)
/** Period of each worker's timer scan, in milliseconds. */
#define YC_H2_TIMER_TICK_MS 100
/** How long a connection that is being closed (after GOAWAY) may still flush, in ms. */
#define YC_H2_CLOSE_LINGER_MS 1000
/** A WINDOW_UPDATE with a smaller increment (bytes) counts as a glitch. */
#define YC_H2_TINY_WINDOW_UPDATE 1024
/** Default budget of request-body buffer bytes of one connection (issue 7 J): eight bodies of
 *  the default 1 MiB cap in flight at once. */
#define YC_H2_CONN_BODY_BYTES_DEFAULT (8 * 1024 * 1024)
/** Default budget of request-body buffer bytes of the whole server (issue 7 J). */
#define YC_H2_BODY_BYTES_TOTAL_DEFAULT ((size_t)256 * 1024 * 1024)

/** Longest `authorization` field value the transport keeps, in bytes (a bearer credential of
 *  issue 6 is 53: "Bearer " + 46); a longer one is not kept and sets
 *  yc_h2_request.authorization_malformed. */
#define YC_H2_AUTHORIZATION_MAX 256

/** One complete request.  Every member is borrowed from the transport for the handler call. */
typedef struct yc_h2_request {
    const char *method;        /**< NUL-terminated `:method`, e.g. "GET" */
    const char *path;          /**< NUL-terminated `:path` up to (without) the first '?' */
    const char *query;         /**< NUL-terminated text after the first '?'; "" if none */
    const char *content_type;  /**< NUL-terminated `content-type` value; NULL if absent */
    const char *if_none_match; /**< NUL-terminated `if-none-match` value (RFC 9110 §13.1.2);
                                    NULL if absent */
    const uint8_t *body;       /**< @c body_len bytes, not NUL-terminated; NULL when 0 */
    size_t body_len;           /**< bytes */
    int limit_status;          /**< 0 normally; otherwise the request was cut short by the
                                    transport, @c body is NULL, and the handler should only
                                    produce that error (a bare status is sent if it sets
                                    nothing): 408 (no body bytes for @c body_timeout_ms),
                                    413 (body over the cap) or 431 (header block over the cap) */
    int32_t stream_id;         /**< HTTP/2 stream identifier (RFC 9113 §5.1.1), for logging */
    unsigned worker;           /**< index of the worker thread serving it, 0..workers-1 */
    bool tls;                  /**< true when the connection came in on the TLS listener */
    /** NUL-terminated `authorization` value (RFC 9110 §11.6.2), 0..YC_H2_AUTHORIZATION_MAX
     *  bytes without a NUL byte inside; NULL if absent or when @c authorization_malformed.
     *  A credential: never log it. */
    const char *authorization;
    /** true when the request had an `authorization` field the transport did not keep: longer
     *  than YC_H2_AUTHORIZATION_MAX bytes, holding a NUL byte, or present more than once
     *  (RFC 9110 §5.3: the field is not a list); @c authorization is then NULL */
    bool authorization_malformed;
    /** TLS with a client certificate (yc_h2_opts.tls_client_cert): the SHA-256 of its DER
     *  SubjectPublicKeyInfo, 32 bytes; NULL on h2c or when the client sent no certificate */
    const uint8_t *client_spki_sha256;
    /** The peer's IP address as text (inet_ntop()), NUL-terminated, e.g. "127.0.0.1"; "" when
     *  getpeername() failed.  For the per-address rate limit (issue 6 item 1). */
    const char *peer;
} yc_h2_request;

/** The response a handler fills through yc_h2_reply_set().  Opaque. */
typedef struct yc_h2_reply yc_h2_reply;

/**
 * @brief The request handler: called once per complete request, on the thread of the worker
 *        that owns the connection.
 *
 * Thread-safety: with more than one worker the handler runs on several threads at once with
 * the same @p ctx, so everything it reaches through @p ctx must be safe for concurrent use.
 * It runs inside the worker's event loop: while it runs, no other connection of that worker is
 * served, so it should not block for long.
 *
 * @param[in]  ctx    yc_h2_opts.handler_ctx; shared by all workers.
 * @param[in]  req    The request; borrowed for the call.
 * @param[out] reply  Fill with yc_h2_reply_set(), or take a handle with yc_h2_defer() to
 *                    answer later from any thread.  When the handler returns an error or never
 *                    sets the reply (and did not defer), the transport answers 500 (503 for
 *                    YC_ERR_NOMEM; the limit status when @c req->limit_status is set) without
 *                    a body.
 * @return YC_OK, or any error (mapped as above).
 */
typedef yc_err (*yc_h2_handler_fn)(void *ctx, const yc_h2_request *req, yc_h2_reply *reply);

/** Options of yc_h2_server_open().  Zero members mean the default. */
typedef struct yc_h2_opts {
    const char *h2c_host;      /**< NUL-terminated numeric IPv4/IPv6 address; NULL = 127.0.0.1 */
    uint16_t h2c_port;         /**< TCP port; 0 = any free port (see yc_h2_server_port()) */
    bool h2c_off;              /**< true: no h2c listener */
    const char *tls_host;      /**< NUL-terminated numeric address of the TLS listener;
                                    NULL = 127.0.0.1 */
    uint16_t tls_port;         /**< TCP port; 0 = any free port (see yc_h2_server_tls_port()) */
    const char *tls_cert;      /**< NUL-terminated path of the PEM certificate (chain); NULL = no
                                    TLS listener */
    const char *tls_key;       /**< NUL-terminated path of the PEM private key; required with
                                    @c tls_cert */
    bool tls_client_cert;      /**< true: the TLS listener asks for a client certificate (any,
                                    chain not verified) and passes the SHA-256 of its key in
                                    yc_h2_request.client_spki_sha256 (issue 6 item 1, mTLS by
                                    pinning; docs/mtls.md) */
    unsigned workers;          /**< worker threads, 1..YC_H2_WORKERS_MAX; 0 = the number of online
                                    CPUs (at most YC_H2_WORKERS_MAX) */
    size_t max_header_bytes;   /**< 0 = YC_H2_HEADER_BYTES_DEFAULT; also advertised as
                                    SETTINGS_MAX_HEADER_LIST_SIZE */
    size_t max_header_fields;  /**< 0 = YC_H2_HEADER_FIELDS_DEFAULT */
    size_t max_body_bytes;     /**< 1..YC_H2_BODY_BYTES_LIMIT; 0 = YC_H2_BODY_BYTES_DEFAULT */
    unsigned idle_timeout_ms;  /**< a connection without an open stream for this long receives
                                    GOAWAY NO_ERROR and is closed (without a byte before
                                    the client preface); 0 = default */
    unsigned drain_timeout_ms; /**< 0 = YC_H2_DRAIN_TIMEOUT_MS_DEFAULT */
    unsigned max_concurrent_streams; /**< SETTINGS_MAX_CONCURRENT_STREAMS per connection,
                                          1..YC_H2_MAX_CONCURRENT_STREAMS_LIMIT;
                                          0 = YC_H2_MAX_CONCURRENT_STREAMS.  A stream past it
                                          after the client acknowledged the setting: nghttp2
                                          1.52 answers GOAWAY PROTOCOL_ERROR */
    unsigned max_connections;        /**< open connections of the server (all workers and
                                          listeners); a connection accepted at the cap is
                                          closed at once without a byte; 0 = default */
    size_t max_outbound_queue;       /**< frames in nghttp2's outbound queue after a receive;
                                          past it: GOAWAY ENHANCE_YOUR_CALM and close;
                                          0 = default */
    size_t output_high_water;        /**< bytes of gathered output at which the connection is
                                          not read; 0 = default */
    unsigned glitch_burst;           /**< glitch bucket size; when a glitch finds it empty:
                                          GOAWAY ENHANCE_YOUR_CALM and close; 0 = default */
    unsigned glitch_rate_per_s;      /**< glitch bucket refill per second; 0 = default */
    unsigned reset_burst;            /**< nghttp2 stream reset rate limit burst; 0 = default */
    unsigned reset_rate_per_s;       /**< its refill per second; 0 = default */
    unsigned max_continuations;      /**< CONTINUATION frames after one HEADERS; past it:
                                          GOAWAY ENHANCE_YOUR_CALM and close; 0 = default */
    unsigned handshake_timeout_ms;   /**< TLS handshake, from accept; past it: close without a
                                          byte; 0 = default */
    unsigned preface_timeout_ms;     /**< client preface + first SETTINGS frame, from accept
                                          (h2c) or handshake (TLS); past it: close without
                                          GOAWAY (the server's SETTINGS went out once the
                                          preface was complete); 0 = default */
    unsigned header_timeout_ms;      /**< from the first HEADERS frame of a header block to
                                          END_HEADERS; past it: GOAWAY ENHANCE_YOUR_CALM and
                                          close; 0 = default */
    unsigned body_timeout_ms;        /**< no request body bytes for this long on a stream
                                          whose body is incomplete: the handler is called with
                                          limit_status 408 and the response is sent, then the
                                          rest of the body is dropped as after a 413 (see
                                          @c max_discard_bytes); 0 = default */
    unsigned write_timeout_ms;       /**< output pending (in the buffer, or a response held
                                          back by the client's flow-control window) and no
                                          byte accepted by the socket for this long: close;
                                          0 = default */
    size_t max_discard_bytes;        /**< after an early response (413, 408, 431) to a
                                          request whose body is still coming, body bytes are
                                          read and dropped until END_STREAM; more than this
                                          many (for a 413: past @c max_body_bytes), or none
                                          for @c body_timeout_ms: RST_STREAM NO_ERROR once
                                          the response is complete.  Bytes,
                                          1..YC_H2_DISCARD_BYTES_LIMIT; 0 =
                                          YC_H2_DISCARD_BYTES_DEFAULT */
    bool discard_off;                /**< true: no discarding; RST_STREAM NO_ERROR as soon as
                                          the early response is complete */
    size_t max_conn_body_bytes;      /**< request-body buffer bytes (allocated, the buffers
                                          grow by doubling from 4096) of one connection's
                                          unanswered requests; a DATA frame that would need
                                          more: RST_STREAM REFUSED_STREAM on its stream (RFC
                                          9113 §8.7: not processed, safe to retry), its body
                                          freed.  Raised to @c max_body_bytes if smaller;
                                          0 = YC_H2_CONN_BODY_BYTES_DEFAULT (issue 7 J) */
    size_t max_body_bytes_total;     /**< the same budget for all connections of the
                                          server; raised to @c max_body_bytes if smaller;
                                          0 = YC_H2_BODY_BYTES_TOTAL_DEFAULT (issue 7 J) */
    yc_h2_handler_fn handler;        /**< required */
    void *handler_ctx;               /**< passed to @c handler; borrowed, may be NULL */
} yc_h2_opts;

/** A server: listeners, worker event loops and connections.  Opaque. */
typedef struct yc_h2_server yc_h2_server;

/**
 * @brief Set the response of the current request.  Copies everything; may be called again to
 *        replace an earlier reply.
 * @param[out] reply         The handler's reply.
 * @param[in]  status        HTTP status code, 200..599.
 * @param[in]  content_type  NUL-terminated `content-type` value, or NULL for none.
 * @param[in]  allow         NUL-terminated `allow` value (405), or NULL for none.
 * @param[in]  body          @p body_len bytes, not NUL-terminated; NULL when @p body_len is 0.
 *                           Not sent for HEAD requests (content-length still is).
 * @param[in]  body_len      Bytes.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p status outside 200..599, or a header value too long (255 bytes)
 *                         or containing CR, LF or NUL
 * @retval YC_ERR_NOMEM    the copy could not be allocated
 * @par Source: RFC 9113 §8.3.2 (`:status`); RFC 9110 §8.6 (content-length), §10.2.1 (allow).
 */
YC_MUST_USE yc_err yc_h2_reply_set(yc_h2_reply *reply, int status, const char *content_type,
                                   const char *allow, const void *body, size_t body_len);

/**
 * @brief Add cache validators to a reply already set (yc_h2_reply_set() or
 *        yc_h2_reply_take()): an `etag` and a `cache-control` header.
 * @param[out] reply          The handler's reply, already set.
 * @param[in]  etag           NUL-terminated entity tag with its quotes (e.g. `"abc"`), or NULL.
 * @param[in]  cache_control  NUL-terminated `cache-control` value (e.g. `max-age=300`), or NULL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  the reply is not set yet, or a value is too long (255 bytes) or holds
 *                         CR, LF or NUL
 * @par Source: RFC 9110 §8.8.3 (ETag), §13.1.2 (If-None-Match); RFC 9111 §5.2 (Cache-Control);
 *      issue 4 item 4 (status lists cacheable with ETag).
 */
YC_MUST_USE yc_err yc_h2_reply_cache(yc_h2_reply *reply, const char *etag,
                                     const char *cache_control);

/**
 * @brief Add a `location` header to a reply already set (a 201's created resource).
 * @param[in,out] reply     The handler's reply, after yc_h2_reply_set() or yc_h2_reply_take().
 * @param[in]     location  NUL-terminated absolute path ('/' first), visible ASCII, at most
 *                          255 bytes.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  the reply is not set, or @p location is NULL or not such a path
 * @par Source: RFC 9110 §10.2.2 (Location), §15.3.2 (201 Created).
 */
YC_MUST_USE yc_err yc_h2_reply_location(yc_h2_reply *reply, const char *location);

/**
 * @brief Add a `www-authenticate` header to a reply already set (a 401, or the 400 and 403 of
 *        a Bearer challenge).
 * @param[in,out] reply  The handler's reply, after yc_h2_reply_set() or yc_h2_reply_take().
 * @param[in]     value  NUL-terminated challenge, e.g. `Bearer error="invalid_token"`; not
 *                       empty, at most 255 bytes, without CR or LF.  Copied.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  the reply is not set, or @p value is NULL, empty, too long or holds
 *                         CR or LF
 * @par Source: RFC 9110 §11.6.1 (WWW-Authenticate); RFC 6750 §3; issue 6 item 1.
 */
YC_MUST_USE yc_err yc_h2_reply_www_authenticate(yc_h2_reply *reply, const char *value);

/**
 * @brief Add a `retry-after` header (delay-seconds) to a reply already set (a 429).
 * @param[in,out] reply    The handler's reply, after yc_h2_reply_set() or yc_h2_reply_take().
 * @param[in]     seconds  Whole seconds, >= 1.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  the reply is not set, or @p seconds is 0
 * @par Source: RFC 9110 §10.2.3 (Retry-After); RFC 6585 §4 (429); issue 6 item 1.
 */
YC_MUST_USE yc_err yc_h2_reply_retry_after(yc_h2_reply *reply, uint32_t seconds);

/**
 * @brief As yc_h2_reply_set(), but takes ownership of @p body instead of copying it (the hot
 *        path: a handler's response buffer becomes the reply without a second copy).
 * @param[out] reply         The handler's reply.
 * @param[in]  status        HTTP status code, 200..599.
 * @param[in]  content_type  NUL-terminated `content-type` value, or NULL for none.
 * @param[in]  allow         NUL-terminated `allow` value (405), or NULL for none.
 * @param[in]  body          @p body_len bytes allocated with yc_alloc(), or NULL when
 *                           @p body_len is 0.  Owned by the reply from the call on, on success
 *                           and on failure alike (freed with yc_free() on failure).
 * @param[in]  body_len      Bytes.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  as yc_h2_reply_set() (@p body was freed)
 * @par Source: RFC 9113 §8.3.2; RFC 9110 §8.6, §10.2.1.
 */
YC_MUST_USE yc_err yc_h2_reply_take(yc_h2_reply *reply, int status, const char *content_type,
                                    const char *allow, void *body, size_t body_len);

/** A handle to answer one request later, from any thread (yc_h2_defer()).  Opaque. */
typedef struct yc_h2_deferred yc_h2_deferred;

/**
 * @brief In a handler only: take a handle to answer this request later (from any thread,
 *        with yc_h2_deferred_complete()) instead of setting the reply now.
 *
 * After YC_OK the handler's return value and any reply it set are ignored: the stream is
 * answered only through the handle, which must be completed exactly once.  The stream stays
 * open and the worker goes on serving other streams and connections.  Timers: the header and
 * body timers no longer apply to the stream; the connection's idle timer does not fire while
 * it is open (it is an open stream); the write timeout applies to the response once it is
 * submitted.  A drain (yc_h2_server_stop()) waits for it like any other open stream, bounded
 * by @c drain_timeout_ms.
 *
 * @param[in,out] reply  The reply the handler was given (identifies the stream).
 * @param[out]    ret    The handle; written only on YC_OK.  Owned by the caller until it is
 *                       passed to yc_h2_deferred_complete(), which frees it.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  not called from inside the handler of @p reply's request, or that
 *                         request was already deferred
 * @retval YC_ERR_NOMEM    the handle could not be allocated (the handler answers as usual)
 * @par Source: issue 4 item 3 (records group-committed off the event loop: the response is
 *      sent after the commit).
 */
YC_MUST_USE yc_err yc_h2_defer(yc_h2_reply *reply, yc_h2_deferred **ret);

/**
 * @brief Give a deferred answer a `location` header; call before yc_h2_deferred_complete(), on
 *        the thread that will complete @p d.
 * @param[in,out] d         Handle from yc_h2_defer(), not yet completed.
 * @param[in]     location  As yc_h2_reply_location().
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p d NULL, or @p location NULL or not an absolute path of visible
 *                         ASCII of at most 255 bytes (the answer is then sent without it)
 * @par Source: RFC 9110 §10.2.2.
 */
YC_MUST_USE yc_err yc_h2_deferred_set_location(yc_h2_deferred *d, const char *location);

/**
 * @brief Answer a deferred request, from any thread, exactly once per handle.
 *
 * The answer is handed to the worker that owns the stream (its eventfd is written), which
 * submits it on its own thread.  If the client reset the stream, the connection is gone or
 * the server was closed (yc_h2_server_close()), the body is freed and nothing is sent.  Never
 * a use-after-free: the handle keeps a reference to its worker's mailbox, which outlives the
 * server until the last handle is completed.  An invalid @p status or @p content_type (as for
 * yc_h2_reply_set()) sends a bare 500.  HEAD requests get no body (content-length still).
 *
 * @param[in] d             Handle from yc_h2_defer(); freed by the call (not used after).
 * @param[in] status        HTTP status code, 200..599.
 * @param[in] content_type  NUL-terminated `content-type` value with static storage duration
 *                          (read later on the worker thread), or NULL for none.
 * @param[in] body          @p body_len bytes allocated with yc_alloc() (not NUL-terminated),
 *                          or NULL when @p body_len is 0.  Owned by the call in every case.
 * @param[in] body_len      Bytes.
 * @note Thread-safety: any thread, including the worker's own (also inside a handler: the
 *       answer is then submitted when the handler has returned).
 * @par Source: issue 4 item 3 ("so that signing, not fsync, bounds the rate").
 */
void yc_h2_deferred_complete(yc_h2_deferred *d, int status, const char *content_type, void *body,
                             size_t body_len);

/**
 * @brief Create a server: load the TLS certificate, bind one listener per worker on each
 *        enabled port (SO_REUSEADDR + SO_REUSEPORT, non-blocking, backlog 511).
 *
 * With port 0 the first listener is given a free port and the others bind to that port.  An
 * explicit port that another socket already listens on fails (checked by binding it once
 * without SO_REUSEPORT), so two servers never share a port by accident.
 *
 * @param[in]  opts        Options; @c opts->handler required.  Copied (strings are not kept).
 * @param[out] ret_server  New server; free with yc_h2_server_close().  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  no handler; a host that is not a numeric address; both listeners
 *                         off; @c tls_cert without @c tls_key; @c workers over
 *                         YC_H2_WORKERS_MAX; @c max_body_bytes over YC_H2_BODY_BYTES_LIMIT;
 *                         @c max_discard_bytes over YC_H2_DISCARD_BYTES_LIMIT;
 *                         @c max_concurrent_streams over YC_H2_MAX_CONCURRENT_STREAMS_LIMIT
 * @retval YC_ERR_IO       the certificate or key is missing, unreadable or mismatched;
 *                         socket, bind (e.g. the port is taken), listen or epoll failed
 * @retval YC_ERR_NOMEM    allocation failed
 * @par Source: issue 3 item 1; http2.md §1.5.
 */
YC_MUST_USE yc_err yc_h2_server_open(const yc_h2_opts *opts, yc_h2_server **ret_server);

/**
 * @brief The port the h2c listeners are bound to (useful with @c h2c_port 0).
 * @param[in] server  Open server.
 * @return TCP port in host byte order; 0 when h2c is off.
 */
uint16_t yc_h2_server_port(const yc_h2_server *server);

/**
 * @brief The port the TLS listeners are bound to (useful with @c tls_port 0).
 * @param[in] server  Open server.
 * @return TCP port in host byte order; 0 when TLS is off.
 */
uint16_t yc_h2_server_tls_port(const yc_h2_server *server);

/**
 * @brief The number of worker threads the server runs (yc_h2_opts.workers resolved).
 * @param[in] server  Open server.
 * @return 1..YC_H2_WORKERS_MAX.
 */
unsigned yc_h2_server_workers(const yc_h2_server *server);

/**
 * @brief Run the workers until yc_h2_server_stop(): the calling thread runs worker 0 and
 *        starts (then joins) a thread for each other worker.  After the stop each worker
 *        drains: it closes its listeners, sends GOAWAY, finishes streams whose requests were
 *        received, and closes every connection when its output is written or after
 *        @c drain_timeout_ms.
 * @param[in,out] server  Open server; run at most once.
 * @retval YC_OK      stopped and drained (connections still open at the bound are closed)
 * @retval YC_ERR_IO  a worker thread could not be started (the others are stopped), or
 *                    epoll_wait failed with an error other than EINTR
 * @par Source: issue 3 items 1 and 4 (SIGTERM: stop accepting, finish in-flight streams,
 *      bounded).
 */
YC_MUST_USE yc_err yc_h2_server_run(yc_h2_server *server);

/**
 * @brief Ask a running (or not yet running) server to stop; every worker begins its drain.
 * @param[in] server  Open server.
 * @note Async-signal-safe (one write(2) to an eventfd); may be called from a signal handler or
 *       from any thread.
 */
void yc_h2_server_stop(yc_h2_server *server);

/**
 * @brief Close the listeners and every connection and free the server.
 * @param[in] server  May be NULL (no-op).  yc_h2_server_run() must not be running.
 */
void yc_h2_server_close(yc_h2_server *server);

#endif
