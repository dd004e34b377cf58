/* HTTP/2 server: N worker threads, each with its own epoll loop and SO_REUSEPORT listeners
 * (h2c prior knowledge and TLS), timers and drain (http2.md §1.5).  Connections: conn.c. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "h2_int.h"
#include "yrdcredit/alloc.h"

/* Connections accepted per listener event before the loop serves others. */
#define ACCEPT_BATCH 64

enum { LIS_H2C = 0, LIS_TLS = 1 };

int64_t yc_h2_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ listeners */

static yc_err parse_addr(const char *host, uint16_t port, struct sockaddr_storage *ss,
                         socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *len = sizeof *a4;
        return YC_OK;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *len = sizeof *a6;
        return YC_OK;
    }
    return YC_ERR_INVALID;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static int new_socket(const struct sockaddr_storage *ss, bool reuseport)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* An explicit port another socket listens on (even with SO_REUSEPORT) fails this bind. */
static bool port_is_free(const struct sockaddr_storage *ss, socklen_t len)
{
    int fd = new_socket(ss, false);
    if (fd < 0)
        return false;
    bool ok = bind(fd, (const struct sockaddr *)ss, len) == 0;
    close(fd);
    return ok;
}

/* One listener per worker on @p host:@p port; returns the bound port in @p ret_port. */
static yc_err open_listeners(yc_h2_server *s, int which, const char *host, uint16_t port,
                             uint16_t *ret_port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    YC_TRY(parse_addr(host, port, &ss, &len));
    YC_ENSURE(port == 0 || port_is_free(&ss, len), YC_ERR_IO);
    for (unsigned i = 0; i < s->n_workers; i++) {
        listener *l = &s->workers[i].lis[which];
        l->fd = new_socket(&ss, true);
        YC_ENSURE(l->fd >= 0, YC_ERR_IO);
        YC_ENSURE(bind(l->fd, (struct sockaddr *)&ss, len) == 0 && listen(l->fd, 511) == 0,
                  YC_ERR_IO);
        if (i == 0) { /* port 0: the others join the port the first one got */
            struct sockaddr_storage bound;
            socklen_t blen = sizeof bound;
            YC_ENSURE(getsockname(l->fd, (struct sockaddr *)&bound, &blen) == 0, YC_ERR_IO);
            port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                    : ((struct sockaddr_in6 *)&bound)->sin6_port);
            set_port(&ss, port);
        }
    }
    *ret_port = port;
    return YC_OK;
}

/* ------------------------------------------------------------------ options */

static unsigned or_default(unsigned v, unsigned def)
{
    return v != 0 ? v : def;
}

static size_t or_default_size(size_t v, size_t def)
{
    return v != 0 ? v : def;
}

static void resolve_defaults(yc_h2_opts *o)
{
    o->max_header_bytes = or_default_size(o->max_header_bytes, YC_H2_HEADER_BYTES_DEFAULT);
    o->max_header_fields = or_default_size(o->max_header_fields, YC_H2_HEADER_FIELDS_DEFAULT);
    o->max_body_bytes = or_default_size(o->max_body_bytes, YC_H2_BODY_BYTES_DEFAULT);
    o->idle_timeout_ms = or_default(o->idle_timeout_ms, YC_H2_IDLE_TIMEOUT_MS_DEFAULT);
    o->drain_timeout_ms = or_default(o->drain_timeout_ms, YC_H2_DRAIN_TIMEOUT_MS_DEFAULT);
    o->max_concurrent_streams = or_default(o->max_concurrent_streams, YC_H2_MAX_CONCURRENT_STREAMS);
    o->max_connections = or_default(o->max_connections, YC_H2_MAX_CONNECTIONS_DEFAULT);
    o->max_outbound_queue =
        or_default_size(o->max_outbound_queue, YC_H2_MAX_OUTBOUND_QUEUE_DEFAULT);
    o->output_high_water = or_default_size(o->output_high_water, YC_H2_OUTPUT_HIGH_WATER_DEFAULT);
    o->glitch_burst = or_default(o->glitch_burst, YC_H2_GLITCH_BURST_DEFAULT);
    o->glitch_rate_per_s = or_default(o->glitch_rate_per_s, YC_H2_GLITCH_RATE_DEFAULT);
    o->reset_burst = or_default(o->reset_burst, YC_H2_RESET_BURST_DEFAULT);
    o->reset_rate_per_s = or_default(o->reset_rate_per_s, YC_H2_RESET_RATE_DEFAULT);
    o->max_continuations = or_default(o->max_continuations, YC_H2_MAX_CONTINUATIONS_DEFAULT);
    o->handshake_timeout_ms =
        or_default(o->handshake_timeout_ms, YC_H2_HANDSHAKE_TIMEOUT_MS_DEFAULT);
    o->preface_timeout_ms = or_default(o->preface_timeout_ms, YC_H2_PREFACE_TIMEOUT_MS_DEFAULT);
    o->header_timeout_ms = or_default(o->header_timeout_ms, YC_H2_HEADER_TIMEOUT_MS_DEFAULT);
    o->body_timeout_ms = or_default(o->body_timeout_ms, YC_H2_BODY_TIMEOUT_MS_DEFAULT);
    o->write_timeout_ms = or_default(o->write_timeout_ms, YC_H2_WRITE_TIMEOUT_MS_DEFAULT);
    o->max_discard_bytes = or_default_size(o->max_discard_bytes, YC_H2_DISCARD_BYTES_DEFAULT);
    /* issue 7 J: body budgets; one body of the cap always fits */
    o->max_conn_body_bytes = or_default_size(o->max_conn_body_bytes, YC_H2_CONN_BODY_BYTES_DEFAULT);
    if (o->max_conn_body_bytes < o->max_body_bytes)
        o->max_conn_body_bytes = o->max_body_bytes;
    o->max_body_bytes_total =
        or_default_size(o->max_body_bytes_total, YC_H2_BODY_BYTES_TOTAL_DEFAULT);
    if (o->max_body_bytes_total < o->max_body_bytes)
        o->max_body_bytes_total = o->max_body_bytes;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > YC_H2_WORKERS_MAX ? YC_H2_WORKERS_MAX : (unsigned)n;
}

/* ------------------------------------------------------------------ server */

yc_err yc_h2_server_open(const yc_h2_opts *opts, yc_h2_server **ret_server)
{
    YC_ENSURE(opts->handler != NULL, YC_ERR_INVALID);
    YC_ENSURE(opts->workers <= YC_H2_WORKERS_MAX, YC_ERR_INVALID);
    YC_ENSURE(opts->max_body_bytes <= YC_H2_BODY_BYTES_LIMIT, YC_ERR_INVALID);
    YC_ENSURE(opts->max_discard_bytes <= YC_H2_DISCARD_BYTES_LIMIT, YC_ERR_INVALID);
    YC_ENSURE(opts->max_concurrent_streams <= YC_H2_MAX_CONCURRENT_STREAMS_LIMIT, YC_ERR_INVALID);
    YC_ENSURE(!opts->h2c_off || opts->tls_cert != NULL, YC_ERR_INVALID);
    YC_ENSURE((opts->tls_cert == NULL) == (opts->tls_key == NULL), YC_ERR_INVALID);
    const char *h2c_host = opts->h2c_host != NULL ? opts->h2c_host : "127.0.0.1";
    const char *tls_host = opts->tls_host != NULL ? opts->tls_host : "127.0.0.1";
    struct sockaddr_storage ss;
    socklen_t sslen;
    YC_ENSURE(opts->h2c_off || parse_addr(h2c_host, 0, &ss, &sslen) == YC_OK, YC_ERR_INVALID);
    YC_ENSURE(opts->tls_cert == NULL || parse_addr(tls_host, 0, &ss, &sslen) == YC_OK,
              YC_ERR_INVALID);

    yc_err err = YC_ERR_IO;
    yc_h2_server *s = yc_calloc(1, sizeof *s);
    YC_ENSURE(s != NULL, YC_ERR_NOMEM);
    s->stop_kind = EV_STOP;
    s->stop_fd = -1;
    s->opts = *opts;
    s->opts.h2c_host = s->opts.tls_host = s->opts.tls_cert = s->opts.tls_key = NULL;
    resolve_defaults(&s->opts);
    atomic_init(&s->n_conns, 0);
    atomic_init(&s->body_bytes, 0);
    s->n_workers = opts->workers != 0 ? opts->workers : online_cpus();
    s->opts.workers = s->n_workers;
    s->workers = yc_calloc(s->n_workers, sizeof *s->workers);
    if (s->workers == NULL) {
        err = YC_ERR_NOMEM;
        goto out;
    }
    for (unsigned i = 0; i < s->n_workers; i++) {
        worker *w = &s->workers[i];
        w->srv = s;
        w->index = i;
        w->epfd = -1;
        for (int k = 0; k < 2; k++) {
            w->lis[k].kind = EV_LISTENER;
            w->lis[k].fd = -1;
            w->lis[k].tls = k == LIS_TLS;
        }
    }
    err = yc_h2_session_setup(s);
    if (err != YC_OK)
        goto out;
    if (opts->tls_cert != NULL) {
        err = yc_tls_ctx_open(opts->tls_cert, opts->tls_key, &s->tls);
        if (err != YC_OK)
            goto out;
        if (opts->tls_client_cert)
            yc_tls_ctx_request_client_cert(s->tls);
    }
    err = YC_ERR_IO;
    if (!opts->h2c_off &&
        open_listeners(s, LIS_H2C, h2c_host, opts->h2c_port, &s->h2c_port) != YC_OK)
        goto out;
    if (s->tls != NULL &&
        open_listeners(s, LIS_TLS, tls_host, opts->tls_port, &s->tls_port) != YC_OK)
        goto out;
    s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->stop_fd < 0)
        goto out;
    for (unsigned i = 0; i < s->n_workers; i++) {
        worker *w = &s->workers[i];
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (w->epfd < 0)
            goto out;
        struct epoll_event se = {.events = EPOLLIN, .data.ptr = &s->stop_kind};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, s->stop_fd, &se) != 0)
            goto out;
        w->stop_registered = true;
        const long failures = yc_alloc_failures();
        w->mb = yc_h2_mailbox_new();
        if (w->mb == NULL) { /* issue 7 item 4: out of memory is not an I/O error */
            err = yc_alloc_failures() != failures ? YC_ERR_NOMEM : YC_ERR_IO;
            goto out;
        }
        struct epoll_event me = {.events = EPOLLIN, .data.ptr = w->mb};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->mb->efd, &me) != 0)
            goto out;
        for (int k = 0; k < 2; k++) {
            struct epoll_event le = {.events = EPOLLIN, .data.ptr = &w->lis[k]};
            if (w->lis[k].fd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->lis[k].fd, &le) != 0)
                goto out;
        }
    }
    *ret_server = s;
    return YC_OK;
out:
    yc_h2_server_close(s);
    return err;
}

uint16_t yc_h2_server_port(const yc_h2_server *server)
{
    return server->h2c_port;
}

uint16_t yc_h2_server_tls_port(const yc_h2_server *server)
{
    return server->tls_port;
}

unsigned yc_h2_server_workers(const yc_h2_server *server)
{
    return server->n_workers;
}

void yc_h2_server_stop(yc_h2_server *server)
{
    uint64_t one = 1;
    ssize_t w = write(server->stop_fd, &one, sizeof one);
    (void)w;
}

/* ------------------------------------------------------------------ workers */

static void close_listeners(worker *w)
{
    for (int k = 0; k < 2; k++) {
        if (w->lis[k].fd >= 0) {
            (void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->lis[k].fd, NULL);
            close(w->lis[k].fd);
            w->lis[k].fd = -1;
        }
    }
}

/* Stop accepting for one tick (EMFILE and friends would make a level-triggered listener spin). */
static void pause_accept(worker *w)
{
    if (w->accept_paused)
        return;
    w->accept_paused = true;
    for (int k = 0; k < 2; k++)
        if (w->lis[k].fd >= 0)
            (void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->lis[k].fd, NULL);
}

static void resume_accept(worker *w)
{
    if (!w->accept_paused || w->draining)
        return;
    w->accept_paused = false;
    for (int k = 0; k < 2; k++) {
        struct epoll_event le = {.events = EPOLLIN, .data.ptr = &w->lis[k]};
        if (w->lis[k].fd >= 0)
            (void)epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->lis[k].fd, &le);
    }
}

static void accept_some(worker *w, listener *l)
{
    yc_h2_server *s = w->srv;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_accept(w);
            return; /* EAGAIN, or a transient error (ECONNABORTED...) */
        }
        /* The global cap: accepted and closed at once, so the backlog never holds clients
         * that wait for nothing (http2.md §2.2 slowloris: a global connection cap). */
        if (atomic_fetch_add(&s->n_conns, 1) >= s->opts.max_connections) {
            (void)atomic_fetch_sub(&s->n_conns, 1);
            close(fd);
            continue;
        }
        yc_h2_conn_new(w, fd, l->tls);
    }
}

static void begin_drain(worker *w)
{
    w->draining = true;
    w->drain_deadline_ms = w->now_ms + (int64_t)w->srv->opts.drain_timeout_ms;
    if (w->stop_registered) { /* the eventfd stays readable for the other workers */
        (void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->srv->stop_fd, NULL);
        w->stop_registered = false;
    }
    close_listeners(w);
    for (conn *c = w->conns, *next; c != NULL; c = next) {
        next = c->next;
        yc_h2_conn_goaway(c);
    }
}

static void sweep(worker *w)
{
    for (conn *c = w->conns, *next; c != NULL; c = next) {
        next = c->next;
        yc_h2_conn_timers(c);
    }
}

static yc_err worker_loop(worker *w)
{
    struct epoll_event evs[64];
    w->now_ms = yc_h2_now_ms();
    int64_t next_tick = w->now_ms + YC_H2_TIMER_TICK_MS;
    for (;;) {
        w->now_ms = yc_h2_now_ms();
        if (w->draining && (w->n_conns == 0 || w->now_ms >= w->drain_deadline_ms))
            return YC_OK;
        int64_t until = next_tick;
        if (w->draining && w->drain_deadline_ms < until)
            until = w->drain_deadline_ms;
        int timeout = until > w->now_ms ? (int)(until - w->now_ms) : 0;
        if (w->n_conns == 0 && !w->accept_paused && !w->draining)
            timeout = -1; /* nothing to time out */
        int n = epoll_wait(w->epfd, evs, (int)(sizeof evs / sizeof evs[0]), timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return YC_ERR_IO;
        }
        bool mail = false;
        for (int i = 0; i < n; i++) {
            /* A fresh clock for each event: the handlers run inline, so one batch may take
             * long, and a stamp taken at its start would make every timer look older. */
            w->now_ms = yc_h2_now_ms();
            const uint8_t kind = *(const uint8_t *)evs[i].data.ptr;
            if (kind == EV_STOP) {
                if (!w->draining)
                    begin_drain(w);
                break; /* connections may have been closed: later events are stale */
            }
            if (kind == EV_LISTENER) {
                if (!w->draining)
                    accept_some(w, evs[i].data.ptr);
                continue;
            }
            if (kind == EV_MAILBOX) {
                mail = true; /* after the batch: answers may close connections of it */
                continue;
            }
            yc_h2_conn_event(evs[i].data.ptr, evs[i].events);
        }
        if (mail)
            yc_h2_mailbox_serve(w);
        w->now_ms = yc_h2_now_ms();
        if (w->now_ms >= next_tick) {
            sweep(w); /* refreshes w->now_ms */
            resume_accept(w);
            next_tick = w->now_ms + YC_H2_TIMER_TICK_MS;
        }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    char name[16]; /* /proc/PID/task/TID/comm: "yc-worker-N" */
    (void)snprintf(name, sizeof name, "yc-worker-%u", w->index);
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);
    w->rv = worker_loop(w);
    if (w->rv != YC_OK) /* a dead worker must not keep the others from ending */
        yc_h2_server_stop(w->srv);
    return NULL;
}

yc_err yc_h2_server_run(yc_h2_server *s)
{
    yc_err rv = YC_OK;
    for (unsigned i = 1; i < s->n_workers; i++) {
        worker *w = &s->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            yc_h2_server_stop(s);
            rv = YC_ERR_IO;
            break;
        }
        w->started = true;
    }
    (void)worker_main(&s->workers[0]);
    if (rv == YC_OK)
        rv = s->workers[0].rv;
    for (unsigned i = 1; i < s->n_workers; i++) {
        worker *w = &s->workers[i];
        if (!w->started)
            continue;
        (void)pthread_join(w->thread, NULL);
        w->started = false;
        if (rv == YC_OK)
            rv = w->rv;
    }
    return rv;
}

void yc_h2_server_close(yc_h2_server *server)
{
    if (server == NULL)
        return;
    for (unsigned i = 0; server->workers != NULL && i < server->n_workers; i++) {
        worker *w = &server->workers[i];
        while (w->conns != NULL) {
            w->conns->kill = true;
            yc_h2_conn_close(w->conns);
        }
        for (int k = 0; k < 2; k++)
            if (w->lis[k].fd >= 0)
                close(w->lis[k].fd);
        if (w->epfd >= 0)
            close(w->epfd);
        yc_h2_mailbox_close(w->mb); /* after the connections: their handles are detached */
        w->mb = NULL;
    }
    if (server->stop_fd >= 0)
        close(server->stop_fd);
    yc_tls_ctx_close(server->tls);
    nghttp2_session_callbacks_del(server->cbs);
    nghttp2_option_del(server->opt);
    yc_free(server->workers);
    yc_free(server);
}
