/* svc/h2 internal: the server, its workers, connections and streams (server.c owns the server,
 * workers, listeners and timers; conn.c owns connections, streams and nghttp2 callbacks). */
#ifndef YRDCREDIT_SVC_H2_INT_H
#define YRDCREDIT_SVC_H2_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

#include "tls.h"
#include "yrdcredit/h2.h"

#define HDR_VALUE_MAX 255
/* "no deadline" for the millisecond time stamps below */
#define NEVER INT64_C(-1)

/* What an epoll_event's data.ptr points to: each of these structs starts with its kind. */
enum { EV_STOP = 1, EV_LISTENER, EV_CONN, EV_MAILBOX };

struct yc_h2_reply {
    bool set;
    int status;
    char content_type[HDR_VALUE_MAX + 1];
    char allow[HDR_VALUE_MAX + 1];
    char etag[HDR_VALUE_MAX + 1];             /* "" = none */
    char cache_control[HDR_VALUE_MAX + 1];    /* "" = none */
    char location[HDR_VALUE_MAX + 1];         /* "" = none */
    char www_authenticate[HDR_VALUE_MAX + 1]; /* "" = none */
    char retry_after[12];                     /* delay-seconds; "" = none (issue 6) */
    uint8_t *body;
    size_t body_len;
};

struct conn;
struct stream;

/* A worker's mailbox of deferred answers (yc_h2_deferred_complete()): any thread appends a
 * completed handle under mu and writes the eventfd; the worker takes the list (EV_MAILBOX).
 * It outlives the server until the last handle is freed (refs). */
typedef struct mailbox {
    uint8_t kind; /* EV_MAILBOX */
    int efd;      /* eventfd, registered in the worker's epoll */
    pthread_mutex_t mu;
    unsigned refs; /* under mu: 1 for the server (until yc_h2_server_close()) + 1 per handle */
    bool closed;   /* under mu: the server is closed; completions are dropped */
    struct yc_h2_deferred *head, *tail; /* under mu: completed handles for the worker */
} mailbox;

struct yc_h2_deferred {
    struct yc_h2_deferred *next; /* in the mailbox's list */
    mailbox *mb;
    struct conn *c;    /* the owning connection; used by the worker only while st is set */
    struct stream *st; /* NULL once the stream is gone (written by the worker under mb->mu) */
    bool completed;    /* under mb->mu: in the mailbox (then the worker frees the handle) */
    int status;        /* the answer, once completed */
    const char *content_type;
    char location[HDR_VALUE_MAX + 1]; /* "" = none (yc_h2_deferred_set_location()) */
    void *body;
    size_t body_len;
};

typedef struct stream {
    struct stream *prev, *next;      /* the connection's open streams */
    struct conn *c;                  /* the owning connection */
    struct yc_h2_deferred *deferred; /* the handle of a deferred answer not yet submitted */
    bool in_handler;                 /* the handler is running (yc_h2_defer() allowed) */
    int32_t id;
    char *method, *path, *content_type, *if_none_match;
    char *authorization; /* NULL: absent, or not kept (auth_malformed) */
    bool auth_malformed; /* too long, a NUL byte, or a second authorization field */
    size_t hdr_bytes, hdr_fields;
    uint8_t *body;
    size_t body_len, body_cap;
    int limit_status;      /* 408, 413 or 431 once the request was cut short */
    int64_t body_since_ms; /* last body progress while the body is incomplete; NEVER if not */
    bool responded;        /* a response (or RST_STREAM) was submitted */
    bool resp_open;        /* the response is submitted and its END_STREAM not yet sent */
    bool req_done;         /* END_STREAM received */
    /* After an early response (limit_status) to a request whose body is still coming: body
     * bytes are counted and dropped (never buffered) until END_STREAM, and the stream is reset
     * once the response is complete if more than max_discard_bytes come, no body byte comes
     * for body_timeout_ms, or discarding is off (yc_h2_opts.discard_off). */
    bool discarding;
    bool discard_stop;        /* reset the stream (NO_ERROR) once the response is complete */
    size_t discarded;         /* body bytes dropped, saturating */
    int64_t discard_since_ms; /* last dropped body byte; NEVER if not discarding */
    yc_h2_reply reply;
    size_t sent;
    char status_str[4];
    char length_str[24];
} stream;

struct worker;

typedef struct conn {
    uint8_t kind; /* EV_CONN */
    struct conn *prev, *next;
    struct worker *w;
    int fd;
    yc_tls_conn *tls; /* NULL: h2c */
    bool handshaking; /* TLS handshake not finished */
    bool tls_read_wants_write, tls_write_wants_read;
    bool has_spki; /* TLS: the client sent a certificate; spki holds its key's SHA-256 */
    uint8_t spki[YC_TLS_SPKI_SHA256_BYTES];
    char peer[46]; /* the peer's IP address (INET6_ADDRSTRLEN), "" if unknown (issue 6) */
    nghttp2_session *session;
    uint8_t *out;
    size_t out_len, out_off, out_cap;
    size_t preface_seen;
    bool settings_seen; /* the client's first SETTINGS frame arrived */
    /* issue 7 B: RFC 9113 §6.9.2, before a SETTINGS frame applies (conn.c iws_snapshot()) */
    uint32_t iws_before;    /* the client's SETTINGS_INITIAL_WINDOW_SIZE */
    int32_t win_max_before; /* the largest send window of a stream, bytes */
    stream *streams;
    unsigned open_streams;
    unsigned responding; /* streams whose response is submitted and not yet complete */
    uint32_t events;     /* registered epoll events */
    int64_t accepted_ms;
    int64_t preface_since_ms; /* accept (h2c) or end of the handshake (TLS) */
    int64_t idle_since_ms;    /* since when no stream is open */
    int64_t hdr_since_ms;     /* a header block is incomplete since; NEVER if none */
    int32_t hdr_stream;       /* its stream */
    int64_t write_wait_ms;    /* output pending and no progress since; NEVER if none */
    int64_t dead_since_ms;
    size_t body_bytes;       /* request-body buffer bytes of its streams (issue 7 J) */
    uint64_t glitch_mtokens; /* glitch bucket, in thousandths of a token */
    int64_t glitch_last_ms;
    /* The frame scanner (conn.c frames_scan()): every frame header the client sends after the
     * preface, whatever nghttp2 does with the frame (e.g. it drops frames on closed streams
     * without a callback), for the glitch bucket (issue 7 item 1). */
    uint8_t fr_hd[9];  /* the frame header being read */
    uint8_t fr_hd_len; /* its bytes so far, 0..9 */
    uint32_t fr_left;  /* payload bytes of the current frame still to skip */
    uint8_t fr_dep[4]; /* issue 7 B: a PRIORITY payload's dependency (priority_dep()) */
    bool fr_settings;  /* issue 7 J: the first non-ACK SETTINGS frame was scanned */
    bool not_h2;       /* answering the HTTP/1.1 error, then close */
    bool goaway_sent;  /* graceful GOAWAY (drain or idle) */
    bool dead;         /* GOAWAY queued or fatal error: flush (bounded), then close */
    bool kill;         /* close at once, without flushing */
    bool flush_due;    /* a deferred answer was submitted: flush at the end of the mailbox drain */
} conn;

typedef struct listener {
    uint8_t kind; /* EV_LISTENER */
    int fd;
    bool tls;
} listener;

typedef struct worker {
    struct yc_h2_server *srv;
    unsigned index;
    int epfd;
    listener lis[2]; /* h2c, TLS; fd -1 when off */
    bool accept_paused;
    bool stop_registered;
    bool draining;
    int64_t drain_deadline_ms;
    int64_t now_ms;
    conn *conns;
    unsigned n_conns;
    mailbox *mb; /* deferred answers for this worker's streams */
    pthread_t thread;
    bool started;
    yc_err rv;
} worker;

struct yc_h2_server {
    uint8_t stop_kind; /* EV_STOP: data.ptr of the stop eventfd */
    yc_h2_opts opts;   /* defaults resolved; strings cleared */
    int stop_fd;
    uint16_t h2c_port, tls_port;
    unsigned n_workers;
    worker *workers;
    atomic_uint n_conns;      /* open connections, all workers */
    atomic_size_t body_bytes; /* request-body buffer bytes, all connections (issue 7 J) */
    yc_tls_ctx *tls;
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
};

int64_t yc_h2_now_ms(void);

/* conn.c */
yc_err yc_h2_session_setup(struct yc_h2_server *s);
/* Take ownership of an accepted socket; on failure the socket is closed. */
void yc_h2_conn_new(worker *w, int fd, bool tls);
void yc_h2_conn_event(conn *c, uint32_t events);
void yc_h2_conn_close(conn *c);
/* Graceful GOAWAY (drain); a connection that is not yet HTTP/2 is closed. */
void yc_h2_conn_goaway(conn *c);
/* Check the connection's timers.  A timer that is due fires only after readiness that the
 * worker has not served yet (it was busy) was served as its event would have been, and only if
 * it is still due at a fresh clock: the worker's own slowness never counts against the peer.
 * May close the connection; updates w->now_ms. */
void yc_h2_conn_timers(conn *c);
/* The mailbox's eventfd is readable: submit every completed deferred answer (worker only). */
void yc_h2_mailbox_serve(worker *w);
/* A new mailbox (refs 1, the server's); NULL on failure. */
mailbox *yc_h2_mailbox_new(void);
/* The server is closed (its connections already are): drop queued answers, release the
 * server's reference; the mailbox is freed with the last reference. */
void yc_h2_mailbox_close(mailbox *mb);

#endif
