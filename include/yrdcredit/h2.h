/**
 * @file h2.h
 * @brief The HTTP/2 transport of yrdcreditd (svc/h2/): listeners, one epoll event loop,
 *        connections and nghttp2 server sessions.  It knows nothing of credit: each complete
 *        request is handed to ONE handler callback given in yc_h2_opts, which answers through
 *        yc_h2_reply_set().
 *
 * This first slice serves h2c with prior knowledge (RFC 9113 §3.3) on one loopback listener
 * with one worker; TLS with ALPN `h2` comes later.  Per connection: SETTINGS as http2.md §2.4
 * (at most 100 concurrent streams, no push, no RFC 7540 priorities), nghttp2_session_mem_send()
 * output gathered into one buffer that is written once per loop iteration, no reading while
 * that buffer is backed up, an idle timeout.  Per stream: a cap on header bytes and fields
 * (answered 431) and on body bytes (answered 413).  Bytes that are not the HTTP/2 client
 * preface (for example an HTTP/1.1 request line) get a short `HTTP/1.1 505` response and a
 * close.
 *
 * @par Source: issue 3 item 1; docs/design/http2.md §1.5 and §2.4; RFC 9113; RFC 9110 §15.
 */
#ifndef YRDCREDIT_H2_H
#define YRDCREDIT_H2_H

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
/** Default idle connection timeout (no bytes read or written), in milliseconds. */
#define YC_H2_IDLE_TIMEOUT_MS_DEFAULT 60000
/** Default bound on the drain after yc_h2_server_stop(), in milliseconds. */
#define YC_H2_DRAIN_TIMEOUT_MS_DEFAULT 3000
/** Default of yc_h2_opts.max_concurrent_streams (SETTINGS_MAX_CONCURRENT_STREAMS). */
#define YC_H2_MAX_CONCURRENT_STREAMS 100
/** Upper bound of yc_h2_opts.max_concurrent_streams. */
#define YC_H2_MAX_CONCURRENT_STREAMS_LIMIT 1000
/** Output bytes per connection above which the connection is not read. */
#define YC_H2_OUTPUT_HIGH_WATER (64 * 1024)

/** One complete request.  Every member is borrowed from the transport for the handler call. */
typedef struct yc_h2_request {
    const char *method;       /**< NUL-terminated `:method`, e.g. "GET" */
    const char *path;         /**< NUL-terminated `:path` up to (without) the first '?' */
    const char *query;        /**< NUL-terminated text after the first '?'; "" if none */
    const char *content_type; /**< NUL-terminated `content-type` value; NULL if absent */
    const uint8_t *body;      /**< @c body_len bytes, not NUL-terminated; NULL when 0 */
    size_t body_len;          /**< bytes */
    int limit_status;         /**< 0 normally; 413 (body over the cap) or 431 (header block over
                                   the cap): the request was cut short, @c body is NULL and the
                                   handler should only produce that error (a bare status is
                                   sent if it sets nothing) */
    int32_t stream_id;        /**< HTTP/2 stream identifier (RFC 9113 §5.1.1), for logging */
} yc_h2_request;

/** The response a handler fills through yc_h2_reply_set().  Opaque. */
typedef struct yc_h2_reply yc_h2_reply;

/**
 * @brief The request handler: called once per complete request, on the worker's thread.
 * @param[in]  ctx    yc_h2_opts.handler_ctx.
 * @param[in]  req    The request; borrowed for the call.
 * @param[out] reply  Fill with yc_h2_reply_set().  When the handler returns an error or never
 *                    sets the reply, the transport answers 500 (503 for YC_ERR_NOMEM) without
 *                    a body.
 * @return YC_OK, or any error (mapped as above).
 */
typedef yc_err (*yc_h2_handler_fn)(void *ctx, const yc_h2_request *req, yc_h2_reply *reply);

/** Options of yc_h2_server_open().  Zero members mean the default. */
typedef struct yc_h2_opts {
    const char *h2c_host;      /**< NUL-terminated numeric IPv4/IPv6 address; NULL = 127.0.0.1 */
    uint16_t h2c_port;         /**< TCP port; 0 = any free port (see yc_h2_server_port()) */
    unsigned workers;          /**< event loops; only 1 is supported for now; 0 = 1 */
    size_t max_header_bytes;   /**< 0 = YC_H2_HEADER_BYTES_DEFAULT */
    size_t max_header_fields;  /**< 0 = YC_H2_HEADER_FIELDS_DEFAULT */
    size_t max_body_bytes;     /**< 1..YC_H2_BODY_BYTES_LIMIT; 0 = YC_H2_BODY_BYTES_DEFAULT */
    unsigned idle_timeout_ms;  /**< 0 = YC_H2_IDLE_TIMEOUT_MS_DEFAULT; checked once a second,
                                    so a connection closes 0..1 s after it */
    unsigned drain_timeout_ms; /**< 0 = YC_H2_DRAIN_TIMEOUT_MS_DEFAULT */
    unsigned max_concurrent_streams; /**< SETTINGS_MAX_CONCURRENT_STREAMS per connection,
                                          1..YC_H2_MAX_CONCURRENT_STREAMS_LIMIT;
                                          0 = YC_H2_MAX_CONCURRENT_STREAMS */
    yc_h2_handler_fn handler;        /**< required */
    void *handler_ctx;               /**< passed to @c handler; borrowed, may be NULL */
} yc_h2_opts;

/** A server: listener, event loop and connections.  Opaque. */
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
 * @brief Create a server and bind its listener (SO_REUSEADDR, non-blocking, backlog 511).
 * @param[in]  opts        Options; @c opts->handler required.  Copied (strings are not kept).
 * @param[out] ret_server  New server; free with yc_h2_server_close().  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  no handler, a host that is not a numeric address, @c workers > 1, or
 *                         @c max_body_bytes over YC_H2_BODY_BYTES_LIMIT, or
 *                         @c max_concurrent_streams over YC_H2_MAX_CONCURRENT_STREAMS_LIMIT
 * @retval YC_ERR_IO       socket, bind (e.g. the port is taken), listen or epoll failed
 * @retval YC_ERR_NOMEM    allocation failed
 * @par Source: issue 3 item 1; http2.md §1.5.
 */
YC_MUST_USE yc_err yc_h2_server_open(const yc_h2_opts *opts, yc_h2_server **ret_server);

/**
 * @brief The port the h2c listener is bound to (useful with @c h2c_port 0).
 * @param[in] server  Open server.
 * @return TCP port in host byte order.
 */
uint16_t yc_h2_server_port(const yc_h2_server *server);

/**
 * @brief Run the event loop on the calling thread until yc_h2_server_stop(), then drain: stop
 *        accepting, send GOAWAY, finish streams whose requests were received, and close every
 *        connection when its output is written or after @c drain_timeout_ms.
 * @param[in,out] server  Open server; run at most once.
 * @retval YC_OK      stopped and drained (connections still open at the bound are closed)
 * @retval YC_ERR_IO  epoll_wait failed with an error other than EINTR
 * @par Source: issue 3 item 4 (SIGTERM: stop accepting, finish in-flight streams, bounded).
 */
YC_MUST_USE yc_err yc_h2_server_run(yc_h2_server *server);

/**
 * @brief Ask a running (or not yet running) server to stop.
 * @param[in] server  Open server.
 * @note Async-signal-safe (one write(2) to an eventfd); may be called from a signal handler or
 *       from any thread.
 */
void yc_h2_server_stop(yc_h2_server *server);

/**
 * @brief Close the listener and every connection and free the server.
 * @param[in] server  May be NULL (no-op).  yc_h2_server_run() must not be running.
 */
void yc_h2_server_close(yc_h2_server *server);

#endif
