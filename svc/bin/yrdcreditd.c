/* yrdcreditd: the HTTP/2 service.  A thin main: options, the settings of DATA_DIR/config.json
 * (or --config FILE), yc_api over the data dir, the h2 transport (TLS and h2c listeners, N
 * worker threads) with one handler that calls yc_api_handle() and writes one JSON access-log
 * line per request, and SIGTERM/SIGINT for a drain.  The handler runs on every worker thread
 * at once: yc_api_handle() is reentrant for distinct worker indexes (api.h: each worker has its
 * own score cache), and each worker has its own access-log buffer (whole lines per write()). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/authz.h"
#include "yrdcredit/clients.h"
#include "yrdcredit/config.h"
#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/h2.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/import.h"
#include "yrdcredit/keyring.h"
#include "yrdcredit/score.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_backup.h"

/* The config defaults are those of the transport and the API. */
_Static_assert(YC_CONFIG_HEADER_BYTES_DEFAULT == YC_H2_HEADER_BYTES_DEFAULT, "header bytes");
_Static_assert(YC_CONFIG_HEADER_FIELDS_DEFAULT == YC_H2_HEADER_FIELDS_DEFAULT, "header fields");
_Static_assert(YC_CONFIG_BODY_BYTES_DEFAULT == YC_H2_BODY_BYTES_DEFAULT, "body bytes");
_Static_assert(YC_CONFIG_BODY_BYTES_DEFAULT == YC_API_BODY_MAX_DEFAULT, "api body bytes");
_Static_assert(YC_CONFIG_BODY_BYTES_MAX <= YC_H2_BODY_BYTES_LIMIT, "body bytes limit");
_Static_assert(YC_CONFIG_BODY_BYTES_MAX <= YC_API_BODY_MAX_LIMIT, "api body bytes limit");
_Static_assert(YC_CONFIG_IDLE_TIMEOUT_MS_DEFAULT == YC_H2_IDLE_TIMEOUT_MS_DEFAULT, "idle");
_Static_assert(YC_CONFIG_STREAMS_DEFAULT == YC_H2_MAX_CONCURRENT_STREAMS, "streams");
_Static_assert(YC_CONFIG_STREAMS_MAX <= YC_H2_MAX_CONCURRENT_STREAMS_LIMIT, "streams limit");
_Static_assert(YC_CONFIG_DRAIN_MS_DEFAULT == YC_H2_DRAIN_TIMEOUT_MS_DEFAULT, "drain");
_Static_assert(YC_CONFIG_WORKERS_MAX == YC_H2_WORKERS_MAX, "workers");
_Static_assert(YC_API_WORKERS_MAX == YC_H2_WORKERS_MAX, "api workers");
_Static_assert(YC_CONFIG_CONNECTIONS_DEFAULT == YC_H2_MAX_CONNECTIONS_DEFAULT, "connections");
_Static_assert(YC_CONFIG_OUTBOUND_QUEUE_DEFAULT == YC_H2_MAX_OUTBOUND_QUEUE_DEFAULT, "queue");
_Static_assert(YC_CONFIG_HIGH_WATER_DEFAULT == YC_H2_OUTPUT_HIGH_WATER_DEFAULT, "high water");
_Static_assert(YC_CONFIG_GLITCH_BURST_DEFAULT == YC_H2_GLITCH_BURST_DEFAULT, "glitch burst");
_Static_assert(YC_CONFIG_GLITCH_RATE_DEFAULT == YC_H2_GLITCH_RATE_DEFAULT, "glitch rate");
_Static_assert(YC_CONFIG_RESET_BURST_DEFAULT == YC_H2_RESET_BURST_DEFAULT, "reset burst");
_Static_assert(YC_CONFIG_RESET_RATE_DEFAULT == YC_H2_RESET_RATE_DEFAULT, "reset rate");
_Static_assert(YC_CONFIG_CONTINUATIONS_DEFAULT == YC_H2_MAX_CONTINUATIONS_DEFAULT, "cont.");
_Static_assert(YC_CONFIG_HANDSHAKE_MS_DEFAULT == YC_H2_HANDSHAKE_TIMEOUT_MS_DEFAULT, "handshake");
_Static_assert(YC_CONFIG_PREFACE_MS_DEFAULT == YC_H2_PREFACE_TIMEOUT_MS_DEFAULT, "preface");
_Static_assert(YC_CONFIG_HEADER_MS_DEFAULT == YC_H2_HEADER_TIMEOUT_MS_DEFAULT, "header");
_Static_assert(YC_CONFIG_BODY_MS_DEFAULT == YC_H2_BODY_TIMEOUT_MS_DEFAULT, "body");
_Static_assert(YC_CONFIG_WRITE_MS_DEFAULT == YC_H2_WRITE_TIMEOUT_MS_DEFAULT, "write");

static const char usage[] =
    "usage: yrdcreditd --data DIR [--config FILE] [--listen HOST:PORT|off]\n"
    "                  [--h2c-listen HOST:PORT|off] [--workers N] [--access-log FILE]\n"
    "                  [--allow-not-ready]\n"
    "\n"
    "Serves the yrdcredit HTTP/2 API (api/openapi.yaml) over TLS (ALPN h2) and over h2c with\n"
    "prior knowledge.  Command-line options override the configuration file.\n"
    "  --data DIR              data directory created by `yrdcredit init` (required)\n"
    "  --config FILE           configuration file to use instead of DATA_DIR/config.json,\n"
    "                          also for the model, rules and score cache (relative paths\n"
    "                          in it still resolve against DIR)\n"
    "  --listen HOST:PORT      numeric address and port of the TLS listener, or off\n"
    "                          (server.listen; default 127.0.0.1:8443; IPv6 as [::1]:8443;\n"
    "                          port 0 = any).  Certificate and key: tls.cert and tls.key\n"
    "                          (default DATA_DIR/tls/cert.pem and DATA_DIR/tls/key.pem)\n"
    "  --h2c-listen HOST:PORT  address of the h2c listener, or off (server.h2c_listen;\n"
    "                          default 127.0.0.1:8080).  TLS stays on unless --listen off.\n"
    "  --workers N             worker threads, 1..256 (server.workers; default: online CPUs)\n"
    "  --access-log FILE       append the access log (one JSON line per request) to FILE\n"
    "                          instead of stderr (under load lines are written in batches,\n"
    "                          each within 10 ms)\n"
    "  --allow-not-ready       start even when the model, rules, calendar, a policy file,\n"
    "                          the signing keyring or the store fails to load: /readyz and\n"
    "                          the routes that need the part answer 503 not-ready\n"
    "Start-up safety (refused with one line naming the file and the rule): a key file\n"
    "(DATA_DIR/keys/*, the TLS key) or keys/ open to group or others; a store written by a\n"
    "newer schema; a missing keys/pseudonym.key or keys/seal.key; and, unless\n"
    "--allow-not-ready, a missing keys/master.key or keys/signing.json and any file above that\n"
    "fails validation.\n"
    "Limits and timeouts come from the \"server\" object of the configuration file, the\n"
    "score cache from \"api\" (etc/yrdcredit.conf.example documents every key).\n"
    "SIGTERM or SIGINT: stop accepting, finish in-flight streams (server.drain_timeout_ms), exit "
    "0.\n"
    "SIGHUP (or `yrdcredit policy reload`): reload the score model and DATA_DIR/policy/ after\n"
    "validating them; on failure the loaded ones stay and the reason is logged.  The process id\n"
    "is in DATA_DIR/yrdcreditd.pid while serving.\n"
    "Exit status: 0 ok, 2 usage or a start-up safety rule broken, 4 cannot open the data dir,\n"
    "the configuration, the certificate, a key file or a listener, 5 other.\n";

/* Read by the signal handler on whichever thread takes the signal: lock-free atomic. */
static _Atomic(yc_h2_server *) g_server;

/* SIGHUP: the reloader thread waits for it with sigwait(); every other thread blocks it. */
typedef struct reloader {
    yc_api *api;
    pthread_t thread;
    _Atomic bool stop;
} reloader;

static void *reloader_main(void *arg)
{
    reloader *r = arg;
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    for (;;) {
        int sig = 0;
        if (sigwait(&hup, &sig) != 0 || atomic_load(&r->stop))
            return NULL;
        char why[512];
        uint64_t gen = 0;
        const yc_err e = yc_api_policy_reload(r->api, &gen, why, sizeof why);
        if (e == YC_OK)
            fprintf(stderr, "yrdcreditd: policy reloaded (generation %" PRIu64 ")\n", gen);
        else
            fprintf(stderr, "yrdcreditd: policy reload refused, the loaded policy stays: %s (%s)\n",
                    why, yc_err_str(e));
    }
}

/* Issue 6 item 8: the retention job (include/yrdcredit/retention.h) at start-up and then every
 * retention.interval_s seconds, until stop; only a failure is logged (the audit log records
 * what a run removed).  The thread sleeps in poll() on a pipe that retention_stop() closes:
 * no condition variable, so neither libfaketime's pthread_cond_timedwait wrapper (tests move
 * the clock) nor ThreadSanitizer (issue 7 item 6) sees a mutex it cannot follow. */
typedef struct retention {
    yc_api *api;
    unsigned interval_s;
    pthread_t thread;
    int wake[2]; /* [0] polled by the thread; closing [1] stops it */
} retention;

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *retention_main(void *arg)
{
    retention *r = arg;
    int64_t next = monotonic_ms();
    for (;;) {
        yc_retention_counts n;
        const yc_err e = yc_api_retention_run(r->api, &n);
        if (e != YC_OK && e != YC_ERR_AGAIN) /* AGAIN: no store (not ready), nothing to purge */
            fprintf(stderr,
                    "yrdcreditd: retention run failed: %s (removed records=%" PRIu64
                    " queries=%" PRIu64 " revoked=%" PRIu64 ")\n",
                    yc_err_str(e), n.records, n.queries, n.revoked);
        next += (int64_t)r->interval_s * 1000;
        for (;;) {
            const int64_t left = next - monotonic_ms();
            if (left <= 0)
                break;
            struct pollfd pfd = {.fd = r->wake[0], .events = POLLIN};
            const int rv = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
            if (rv > 0 || (rv < 0 && errno != EINTR))
                return NULL; /* the write end was closed: stop */
        }
    }
}

static bool retention_start(retention *r, yc_api *api, unsigned interval_s)
{
    *r = (retention){.api = api, .interval_s = interval_s, .wake = {-1, -1}};
    if (interval_s == 0 || pipe(r->wake) != 0)
        return false;
    (void)fcntl(r->wake[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(r->wake[1], F_SETFD, FD_CLOEXEC);
    if (pthread_create(&r->thread, NULL, retention_main, r) == 0)
        return true;
    (void)close(r->wake[0]);
    (void)close(r->wake[1]);
    return false;
}

static void retention_stop(retention *r)
{
    (void)close(r->wake[1]);
    (void)pthread_join(r->thread, NULL);
    (void)close(r->wake[0]);
}

/* DATA_DIR/yrdcreditd.pid: written once serving, removed at exit if still ours. */
static void pid_file_path(const char *data, char *buf, size_t len)
{
    if ((size_t)snprintf(buf, len, "%s/yrdcreditd.pid", data) >= len)
        buf[0] = '\0';
}

static bool pid_file_write(const char *path)
{
    if (path[0] == '\0')
        return false;
    char tmp[PATH_MAX + 8], line[32];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return false;
    const int n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    const bool ok = n > 0 && write(fd, line, (size_t)n) == (ssize_t)n;
    if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
        (void)unlink(tmp);
        return false;
    }
    return true;
}

static void pid_file_remove(const char *path)
{
    char line[32] = "";
    FILE *f = path[0] != '\0' ? fopen(path, "re") : NULL;
    if (f == NULL)
        return;
    const bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    if (got && strtol(line, NULL, 10) == (long)getpid())
        (void)unlink(path);
}

/* Access log buffering.  A line is written at once when its worker logged nothing for
 * LOG_QUIET_US before it (sequential requests, tests); under load lines gather in the worker's
 * buffer and the flusher thread writes them LOG_FLUSH_MS after the first one (or the worker
 * does, when the buffer is full).  Every write() holds whole lines, at most PIPE_BUF bytes, so
 * lines of different workers never interleave even on a pipe. */
enum { LOG_BUF = 64 * 1024, LOG_QUIET_US = 100, LOG_FLUSH_MS = 10 };
_Static_assert(LOG_FLUSH_MS <= 100, "the issue allows at most 100 ms");

/* What formatting a line needs besides the line: the time stamp of the current second and a
 * JSON string reused for escaping.  Each worker has one (worker only); a deferred answer's
 * line, written on the completing thread, uses its own. */
typedef struct log_fmt {
    time_t sec;      /* second of stamp; -1: none yet */
    char stamp[24];  /* "YYYY-MM-DDTHH:MM:SS" (UTC) of sec */
    json_t *escaper; /* a JSON string reused to let Jansson escape text; NULL: none yet */
} log_fmt;

/* Access-log state of one worker (its thread, and the flusher and deferred answers under mu). */
typedef struct log_slot {
    _Alignas(64) pthread_mutex_t mu; /* guards buf and len */
    char *buf;                       /* LOG_BUF bytes once a line was buffered; NULL: none */
    size_t len;                      /* bytes of whole lines in buf */
    int64_t last_us;                 /* CLOCK_MONOTONIC of this worker's previous line */
    log_fmt fmt;                     /* the worker's own (worker only) */
} log_slot;

/* What the handler needs: the API, the access-log file descriptor and each worker's state. */
typedef struct daemon_ctx {
    yc_api *api;
    int log_fd;
    log_slot log[YC_H2_WORKERS_MAX];
    pthread_mutex_t flush_mu; /* guards the three below */
    pthread_cond_t flush_cv;
    bool flush_pending, flush_stop;
    bool buffering; /* the flusher runs: lines may wait in the workers' buffers */
} daemon_ctx;

static void on_signal(int sig)
{
    (void)sig;
    yc_h2_server *srv = atomic_load(&g_server);
    if (srv != NULL)
        yc_h2_server_stop(srv);
}

/* Problems the transport detects before the API sees the request (RFC 9457 bodies). */
static const char problem_413[] =
    "{\"type\":\"urn:yrdcredit:problem:" YC_API_PROBLEM_TOO_LARGE "\",\"title\":\"Payload too "
    "large\",\"status\":413,\"detail\":\"the request body exceeds the limit\"}";
static const char problem_408[] =
    "{\"type\":\"urn:yrdcredit:problem:request-timeout\",\"title\":\"Request timeout\","
    "\"status\":408,\"detail\":\"no request body bytes arrived within the body timeout\"}";
static const char problem_503[] =
    "{\"type\":\"urn:yrdcredit:problem:" YC_API_PROBLEM_UNAVAILABLE "\",\"title\":\"Service "
    "unavailable\",\"status\":503,\"detail\":\"the server is temporarily out of resources\"}";
static const char problem_431[] =
    "{\"type\":\"urn:yrdcredit:problem:header-too-large\",\"title\":\"Request header fields too "
    "large\",\"status\":431,\"detail\":\"the request header block exceeds the limit\"}";

/* Is the path segment [s, s + len) one of the route's literal words? */
static bool route_word(const char *s, size_t len)
{
    static const char *const words[] = {
        "healthz",       "readyz",    "v1",           "subjects",      "score",
        "records",       "lookup",    "attestations", "verify",        "revoke",
        "suspend",       "unsuspend", ".well-known",  "jwks.json",     "status-lists",
        "jwt-vc-issuer", "measures",  "decisions",    "shared-records"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0)
            return true;
    return false;
}

/* A subject id segment that may be logged: a valid USCC or pseudonym that is not also a valid
 * 居民身份证号码 (a client may put a document number in the URL against the API's contract). */
static bool loggable_subject(const char *s, size_t len, bool api_checked)
{
    if (!api_checked && !yc_subject_id_is_valid(s, len))
        return false;
    /* a 居民身份证号码 that is also a valid id has 18 characters, the first 17 digits
     * (ids.h); only those need the full check (and today's date) */
    for (size_t i = 0; i < 17; i++)
        if (len != 18 || s[i] < '0' || s[i] > '9')
            return true;
    char norm[19];
    return !yc_resident_id_normalize(s, len, yc_date_today_shanghai(), norm, NULL);
}

/* A jti (/v1/attestations/{jti}/...: 22 base64url characters), a decision id
 * (/v1/decisions/{id}: "dec_" + 22 base64url characters) or a status list id
 * (/v1/status-lists/{id}: 1..10 digits): too long or too short to be a document number (15 or
 * 18 characters; passports 9 at most), so they may be logged. */
static bool loggable_attest_id(const char *prev, size_t prev_len, const char *s, size_t len)
{
    if (prev_len == 9 && memcmp(prev, "decisions", 9) == 0 && len == 26 &&
        memcmp(s, "dec_", 4) == 0) {
        prev = "attestations"; /* the rest as a jti */
        prev_len = 12;
        s += 4;
        len -= 4;
    }
    const bool jti = prev_len == 12 && memcmp(prev, "attestations", 12) == 0 && len == 22;
    const bool list =
        prev_len == 12 && memcmp(prev, "status-lists", 12) == 0 && len >= 1 && len <= 10;
    size_t digit_run = 0; /* a jti holding 6 digits in a row may carry a document number */
    for (size_t i = 0; (jti || list) && i < len; i++) {
        const char c = s[i];
        digit_run = c >= '0' && c <= '9' ? digit_run + 1 : 0;
        if (jti && digit_run >= 6)
            return false;
        const bool digit = c >= '0' && c <= '9';
        if (list ? !digit
                 : !(digit || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
                     c == '_'))
            return false;
    }
    return jti || list;
}

/* The path for the log of a request no row of the authorization table matches (a 404; the
 * others are logged as their route template, log_route_template()): route words and loggable
 * subject ids, any other segment replaced by "-" (a client may put anything, even a document
 * number, there).  Each segment is judged and
 * logged percent-decoded as the API routes it (yc_api_pct_decode(): `%4D` is `M`, so an
 * encoded document number is caught too); one with a malformed escape is "-".  api_ok: the API
 * answered 2xx, which it does for /v1/subjects/{subject_id}/... only after
 * yc_subject_id_is_valid() accepted the decoded id (api.h: 400 otherwise), so that check is not
 * repeated; the 居民身份证号码 check always is. */
static void log_path(const char *path, char *out, size_t cap, bool api_ok)
{
    size_t o = 0;
    const char *p = path;
    unsigned seg = 0;
    char prev[16] = "";
    size_t prev_len = 0;
    while (*p == '/' && o + 2 < cap) {
        const char *s = ++p;
        while (*p != '\0' && *p != '/')
            p++;
        const size_t raw_len = (size_t)(p - s);
        size_t len = raw_len;
        char dec[YC_API_PATH_MAX + 1];
        bool keep = len < 3 * 64;
        if (keep && memchr(s, '%', len) != NULL) {
            keep = yc_api_pct_decode(s, len, dec, sizeof dec, &len) == YC_OK;
            s = dec;
        }
        keep = keep && len < 64 &&
               (route_word(s, len) || (seg == 2 && loggable_subject(s, len, api_ok)) ||
                (seg == 2 && loggable_attest_id(prev, prev_len, s, len)));
        prev_len = len < sizeof prev ? len : 0;
        memcpy(prev, s, prev_len);
        out[o++] = '/';
        if (keep && o + len + 1 < cap) {
            memcpy(out + o, s, len);
            o += len;
        } else if (raw_len > 0 && o + 2 < cap) {
            out[o++] = '-';
        }
        seg++;
    }
    if (*p != '\0' && o + 2 < cap)
        out[o++] = '-';
    out[o] = '\0';
}

/* The route template of the authorization table's row for the request (authz.h: e.g.
 * "/v1/subjects/{subject_id}/score", "/v1/objections/{objection_id}/resolve", "/v1/me"), or
 * NULL when no row has this path.  The path is matched as the router routes it (unreserved
 * escapes decoded); a method without a row for this path (a 405) is named by the row of the
 * path under another method, as the template is the same.  The template names the route and
 * never a value: the ids of a path (USCCs, pseudonyms, record, objection, repair, consent and
 * decision ids, jtis) are not logged at all, so nothing a client put in a path segment can
 * reach the log through it (issue 6: the operator sees which route, not whom it concerned). */
static const char *log_route_template(const char *method, const char *path)
{
    const size_t len = strlen(path);
    char dec[YC_API_PATH_MAX + 1];
    size_t n = 0;
    if (len > YC_API_PATH_MAX)
        return NULL;
    if (memchr(path, '%', len) != NULL) {
        if (yc_api_pct_decode(path, len, dec, sizeof dec, &n) != YC_OK)
            return NULL;
        path = dec;
    }
    yc_authz_route r = yc_authz_route_lookup(method, path);
    static const char *const others[] = {"GET", "POST", "DELETE"};
    for (size_t i = 0; r == YC_AUTHZ_NOT_FOUND && i < sizeof others / sizeof *others; i++)
        r = yc_authz_route_lookup(others[i], path);
    const yc_authz_row *row = r == YC_AUTHZ_NOT_FOUND ? NULL : yc_authz_at((size_t)r);
    return row != NULL ? row->path : NULL;
}

/* A cursor that may be logged: the server's shape ('r' + a record_id without leading zero)
 * with at most 8 digits (record_ids below 10^8): too short to hold a 居民身份证号码 (15 or 18
 * characters), a 外国人永久居留身份证 number (15 or 18) or a passport number of the E/G + 8
 * digits form; a longer one is logged as "cursor=-". */
static bool loggable_cursor(const char *v, size_t len)
{
    if (len < 2 || len > 9 || v[0] != 'r' || v[1] == '0')
        return false;
    for (size_t i = 1; i < len; i++)
        if (v[i] < '0' || v[i] > '9')
            return false;
    return true;
}

/* The query for the log: only the known parameter names (`as_of`, `limit`, `atomic`,
 * `cursor`; others are left out, as their names could be anything); each with its value when
 * the value, percent-decoded as the API decodes it, is valid for that parameter
 * (yc_api_query_value_is_valid(); a cursor also loggable_cursor()), else with "-": a document
 * number sent as a value is never logged. */
static void log_query(const char *query, char *out, size_t cap)
{
    static const char *const names[] = {"as_of", "limit", "atomic", "cursor"};
    size_t o = 0;
    const char *p = query;
    out[0] = '\0';
    while (*p != '\0') {
        const char *s = p;
        while (*p != '\0' && *p != '&')
            p++;
        const char *eq = memchr(s, '=', (size_t)(p - s));
        size_t nlen = (size_t)((eq != NULL ? eq : p) - s);
        char nbuf[20]; /* a known name is at most 6 characters, 18 bytes encoded */
        const char *name = s;
        bool named = nlen < sizeof nbuf;
        if (named && memchr(s, '%', nlen) != NULL) {
            named = yc_api_pct_decode(s, nlen, nbuf, sizeof nbuf, &nlen) == YC_OK;
            name = nbuf;
        }
        for (size_t i = 0; named && i < sizeof names / sizeof *names; i++) {
            if (strlen(names[i]) != nlen || memcmp(names[i], name, nlen) != 0)
                continue;
            const char *v = eq != NULL ? eq + 1 : p;
            size_t vlen = (size_t)(p - v);
            char vbuf[64]; /* a valid value is at most 21 characters, 63 bytes encoded */
            bool valid = vlen < sizeof vbuf;
            if (valid && memchr(v, '%', vlen) != NULL) {
                valid = yc_api_pct_decode(v, vlen, vbuf, sizeof vbuf, &vlen) == YC_OK;
                v = vbuf;
            }
            valid = valid && yc_api_query_value_is_valid(name, nlen, v, vlen) &&
                    (i != 3 || loggable_cursor(v, vlen));
            if (!valid) {
                v = "-";
                vlen = 1;
            }
            if (o + nlen + vlen + 3 < cap) {
                if (o > 0)
                    out[o++] = '&';
                memcpy(out + o, name, nlen);
                o += nlen;
                out[o++] = '=';
                memcpy(out + o, v, vlen);
                o += vlen;
                out[o] = '\0';
            }
        }
        if (*p == '&')
            p++;
    }
}

static int64_t mono_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Write len bytes; a failure to log is not reported (the request is not failed for it). */
static void write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        const ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* Write the slot's buffered lines, PIPE_BUF bytes of whole lines at most per write(); mu held. */
static void slot_flush_locked(int fd, log_slot *slot)
{
    size_t off = 0;
    while (off < slot->len) {
        size_t n = slot->len - off;
        if (n > PIPE_BUF) {
            n = PIPE_BUF;
            while (n > 0 && slot->buf[off + n - 1] != '\n')
                n--;
            if (n == 0) /* a line longer than PIPE_BUF: alone in its write */
                n = (size_t)((const char *)memchr(slot->buf + off, '\n', slot->len - off) -
                             (slot->buf + off)) +
                    1;
        }
        write_all(fd, slot->buf + off, n);
        off += n;
    }
    slot->len = 0;
}

static void flush_all(daemon_ctx *d)
{
    for (size_t w = 0; w < YC_H2_WORKERS_MAX; w++) {
        log_slot *slot = &d->log[w];
        (void)pthread_mutex_lock(&slot->mu);
        if (slot->len > 0)
            slot_flush_locked(d->log_fd, slot);
        (void)pthread_mutex_unlock(&slot->mu);
    }
}

/* The flusher thread: LOG_FLUSH_MS after a worker buffers into an empty buffer, write every
 * buffer; asleep on flush_cv while nothing is buffered. */
static void *flusher_main(void *arg)
{
    daemon_ctx *d = arg;
    (void)pthread_mutex_lock(&d->flush_mu);
    while (!d->flush_stop) {
        if (!d->flush_pending) {
            (void)pthread_cond_wait(&d->flush_cv, &d->flush_mu);
            continue;
        }
        d->flush_pending = false;
        (void)pthread_mutex_unlock(&d->flush_mu);
        const struct timespec period = {0, LOG_FLUSH_MS * 1000000L};
        (void)nanosleep(&period, NULL);
        flush_all(d);
        (void)pthread_mutex_lock(&d->flush_mu);
    }
    (void)pthread_mutex_unlock(&d->flush_mu);
    return NULL;
}

/* Log one complete line (n bytes ending in a newline) of the slot's worker at now_us. */
static void log_line(daemon_ctx *d, log_slot *slot, const char *line, size_t n, int64_t now_us)
{
    (void)pthread_mutex_lock(&slot->mu);
    const bool quiet = now_us - slot->last_us >= LOG_QUIET_US;
    slot->last_us = now_us;
    if (slot->buf == NULL && !quiet && d->buffering)
        slot->buf = yc_alloc(LOG_BUF); /* NULL: every line is written at once */
    if (quiet || slot->buf == NULL || n > LOG_BUF) {
        if (slot->len > 0)
            slot_flush_locked(d->log_fd, slot);
        (void)pthread_mutex_unlock(&slot->mu);
        write_all(d->log_fd, line, n); /* after the older lines; this worker is the only writer */
        return;
    }
    if (slot->len + n > LOG_BUF)
        slot_flush_locked(d->log_fd, slot);
    const bool was_empty = slot->len == 0;
    memcpy(slot->buf + slot->len, line, n);
    slot->len += n;
    (void)pthread_mutex_unlock(&slot->mu);
    if (was_empty) {
        (void)pthread_mutex_lock(&d->flush_mu);
        d->flush_pending = true;
        (void)pthread_cond_signal(&d->flush_cv);
        (void)pthread_mutex_unlock(&d->flush_mu);
    }
}

/* A line being built in a fixed buffer; an append that does not fit marks it full (dropped). */
typedef struct line_buf {
    char *p, *end;
    bool full;
} line_buf;

static void put(line_buf *b, const char *s, size_t n)
{
    if (b->full || (size_t)(b->end - b->p) < n) {
        b->full = true;
        return;
    }
    memcpy(b->p, s, n);
    b->p += n;
}

/* A string literal of this file (no escaping needed: the caller's own constant). */
#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

/* Decimal digits of v (the numeric fields of the line; snprintf cost more than the rest of the
 * line together). */
static void put_u64(line_buf *b, uint64_t v)
{
    char d[20];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(b, d + i, sizeof d - i);
}

/* Bytes JSON never escapes, inside the alphabet log_path(), log_query() and the route
 * templates (log_route_template()) produce. */
static bool json_plain(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '-' || c == '?' || c == '&' || c == '=' || c == '_' || c == '{' ||
              c == '}' || c == '.'))
            return false;
    }
    return true;
}

/* The JSON string literal of text[0..len) (quotes included): verbatim between quotes when every
 * byte is json_plain(), else escaped by Jansson (JSON_ENSURE_ASCII) with the slot's reused
 * string. */
static void put_json_string(line_buf *b, log_fmt *slot, const char *text, size_t len)
{
    if (json_plain(text, len)) {
        PUT_LIT(b, "\"");
        put(b, text, len);
        PUT_LIT(b, "\"");
        return;
    }
    if (slot->escaper == NULL)
        slot->escaper = json_stringn_nocheck(text, len);
    else if (json_string_setn_nocheck(slot->escaper, text, len) != 0)
        b->full = true;
    if (slot->escaper == NULL)
        b->full = true;
    if (b->full)
        return;
    const size_t room = (size_t)(b->end - b->p);
    const size_t n =
        json_dumpb(slot->escaper, b->p, room, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
    if (n == 0 || n > room)
        b->full = true;
    else
        b->p += n;
}

/* One access-log line: {"time","method","path","status","bytes","duration_us","stream_id",
 * "worker","client"}.  path: the route template of the request's row in the authorization
 * table (log_route_template()), else the redacted path (log_path()), then the loggable query.
 * client: the id of the client the API identified ("cl_…", never the token), or "-" (no, a
 * malformed, an unknown or a revoked credential; or the transport answered).  Strings that could
 * need escaping go through Jansson; the time is formatted once per second per worker.  A failure to
 * log never fails the request; one write() per line, so lines of different worker threads do not
 * interleave. */
static void access_log(daemon_ctx *d, log_fmt *fmt, const struct timespec *start,
                       const yc_h2_request *req, const char *client, int status, size_t bytes,
                       int64_t duration_us, int64_t now_us)
{
    if (d->log_fd < 0 || req->worker >= YC_H2_WORKERS_MAX)
        return;
    log_slot *ls = &d->log[req->worker];
    log_fmt *slot = fmt != NULL ? fmt : &ls->fmt;
    if (slot->sec != start->tv_sec) {
        struct tm tm;
        if (gmtime_r(&start->tv_sec, &tm) == NULL ||
            strftime(slot->stamp, sizeof slot->stamp, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
            return;
        slot->sec = start->tv_sec;
    }
    /* the route template of the request's row (whatever the status), else the path with
     * its segments redacted (log_path()); then '?' and the loggable query (lookup-like
     * routes: the query is never logged) */
    char target[YC_API_PATH_MAX + YC_API_QUERY_MAX + 8];
    const char *tmpl = log_route_template(req->method, req->path);
    if (tmpl != NULL && strlen(tmpl) <= YC_API_PATH_MAX)
        memcpy(target, tmpl, strlen(tmpl) + 1);
    else
        log_path(req->path, target, YC_API_PATH_MAX + 2, status >= 200 && status <= 299);
    size_t tlen = strlen(target);
    if (strcmp(req->path, "/v1/subjects/lookup") != 0) {
        log_query(req->query, target + tlen + 1, YC_API_QUERY_MAX + 2);
        if (target[tlen + 1] != '\0') {
            target[tlen] = '?';
            tlen += 1 + strlen(target + tlen + 1);
        }
    }
    const char *method = strlen(req->method) > 16 ? "-" : req->method;
    char line[8 * (YC_API_PATH_MAX + YC_API_QUERY_MAX) + 512];
    line_buf b = {.p = line, .end = line + sizeof line};
    PUT_LIT(&b, "{\"time\":\"");
    put(&b, slot->stamp, strlen(slot->stamp));
    const long ms = start->tv_nsec / 1000000;
    const char frac[5] = {'.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10),
                          (char)('0' + ms % 10), 'Z'};
    put(&b, frac, sizeof frac);
    PUT_LIT(&b, "\",\"method\":");
    put_json_string(&b, slot, method, strlen(method));
    PUT_LIT(&b, ",\"path\":");
    put_json_string(&b, slot, target, tlen);
    PUT_LIT(&b, ",\"status\":");
    put_u64(&b, (uint64_t)(status > 0 ? status : 0));
    PUT_LIT(&b, ",\"bytes\":");
    put_u64(&b, bytes);
    PUT_LIT(&b, ",\"duration_us\":");
    put_u64(&b, (uint64_t)(duration_us > 0 ? duration_us : 0));
    PUT_LIT(&b, ",\"stream_id\":");
    put_u64(&b, (uint64_t)(req->stream_id > 0 ? req->stream_id : 0));
    PUT_LIT(&b, ",\"worker\":");
    put_u64(&b, req->worker);
    /* the API's client id is "cl_" + base64url (json_plain); anything else is logged as "-" */
    const size_t cl = client != NULL ? strlen(client) : 0;
    PUT_LIT(&b, ",\"client\":");
    if (cl > 0 && cl <= YC_CLIENT_ID_LEN && json_plain(client, cl))
        put_json_string(&b, slot, client, cl);
    else
        PUT_LIT(&b, "\"-\"");
    PUT_LIT(&b, "}\n");
    if (!b.full)
        log_line(d, ls, line, (size_t)(b.p - line), now_us);
}

/* A request the API answers later (yc_api_response.pending): what its access-log line needs
 * (the request's strings are copied: the transport's are borrowed for the handler call only)
 * and the transport's handle.  One allocation, the strings after the struct. */
typedef struct deferred_ctx {
    daemon_ctx *d;
    yc_h2_deferred *hd;
    struct timespec start;             /* CLOCK_REALTIME at the request's start */
    int64_t t0_us;                     /* mono_us() at the request's start */
    yc_h2_request req;                 /* method, path, query (copies), stream_id, worker */
    char client[YC_CLIENT_ID_LEN + 1]; /* yc_api_response.client_id of the request, or "" */
} deferred_ctx;

static char *copy_str(char **at, const char *s, size_t n)
{
    char *d = *at;
    memcpy(d, s, n + 1);
    *at += n + 1;
    return d;
}

static deferred_ctx *deferred_ctx_new(daemon_ctx *d, const yc_h2_request *req, const char *client,
                                      const struct timespec *start, int64_t t0_us)
{
    const size_t ml = strlen(req->method), pl = strlen(req->path), ql = strlen(req->query);
    deferred_ctx *x = yc_alloc(sizeof *x + ml + pl + ql + 3);
    if (x == NULL)
        return NULL;
    char *at = (char *)(x + 1);
    *x = (deferred_ctx){.d = d, .start = *start, .t0_us = t0_us};
    x->req.method = copy_str(&at, req->method, ml);
    x->req.path = copy_str(&at, req->path, pl);
    x->req.query = copy_str(&at, req->query, ql);
    x->req.stream_id = req->stream_id;
    x->req.worker = req->worker;
    x->req.tls = req->tls;
    (void)snprintf(x->client, sizeof x->client, "%s", client);
    return x;
}

/* The API's deferred answer (any thread): the access-log line with the final status and the
 * time since the request's start, then the answer to the transport. */
static void deferred_done(void *ctx, yc_api_response *res)
{
    deferred_ctx *x = ctx;
    int status = res->status;
    const char *content_type = res->content_type;
    void *body = res->body;
    size_t bytes = res->body_len;
    res->body = NULL;
    if (status == 503 && body == NULL) { /* issue 7 item 4: a bare 503 is given its problem */
        body = yc_alloc(sizeof problem_503);
        if (body != NULL) {
            memcpy(body, problem_503, sizeof problem_503);
            bytes = sizeof problem_503 - 1;
            content_type = "application/problem+json";
        }
    }
    if (status < 200 || status > 599) { /* the transport would send a bare 500 */
        yc_free(body);
        body = NULL;
        bytes = 0;
        status = 500;
        content_type = NULL;
    }
    const int64_t t1 = mono_us();
    log_fmt fmt = {.sec = -1};
    access_log(x->d, &fmt, &x->start, &x->req, x->client, status, bytes, t1 - x->t0_us, t1);
    json_decref(fmt.escaper);
    if (res->location[0] != '\0' && yc_h2_deferred_set_location(x->hd, res->location) != YC_OK)
        fprintf(stderr, "yrdcreditd: a location header was refused (not sent)\n");
    yc_h2_deferred_complete(x->hd, status, content_type, body, bytes);
    yc_free(x);
}

/* A deferred answer nobody waits for (the transport could not defer): dropped. */
static void deferred_drop(void *ctx, yc_api_response *res)
{
    (void)ctx;
    yc_api_response_clear(res);
}

static yc_err handle(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
    daemon_ctx *d = ctx;
    struct timespec start;
    (void)clock_gettime(CLOCK_REALTIME, &start);
    const int64_t t0 = mono_us();
    int status;
    size_t bytes = 0;
    char client[YC_CLIENT_ID_LEN + 1] = ""; /* the API's yc_api_response.client_id */
    yc_err e;
    if (req->limit_status == 408) {
        status = 408;
        bytes = sizeof problem_408 - 1;
        e = yc_h2_reply_set(reply, 408, "application/problem+json", NULL, problem_408, bytes);
    } else if (req->limit_status == 413) {
        status = 413;
        bytes = sizeof problem_413 - 1;
        e = yc_h2_reply_set(reply, 413, "application/problem+json", NULL, problem_413, bytes);
    } else if (req->limit_status != 0) {
        status = 431;
        bytes = sizeof problem_431 - 1;
        e = yc_h2_reply_set(reply, 431, "application/problem+json", NULL, problem_431, bytes);
    } else {
        yc_api_request areq = {
            .method = req->method,
            .path = req->path,
            .query = req->query,
            .content_type = req->content_type,
            .if_none_match = req->if_none_match,
            .authorization = req->authorization,
            .authorization_malformed = req->authorization_malformed,
            .client_spki_sha256 = req->client_spki_sha256,
            .peer = req->peer, /* issue 6: the per-address rate limit */
            .body = req->body,
            .body_len = req->body_len,
            .worker = req->worker,
        };
        yc_api_response ares = {0};
        e = yc_api_handle(d->api, &areq, &ares);
        memcpy(client, ares.client_id, sizeof client);
        client[sizeof client - 1] = '\0';
        status = ares.status;
        bytes = ares.body_len;
        if (e == YC_OK && ares.pending != NULL) { /* answered later, from another thread */
            yc_api_pending *p = ares.pending;
            ares.pending = NULL;
            yc_api_response_clear(&ares);
            deferred_ctx *x = deferred_ctx_new(d, req, client, &start, t0);
            yc_h2_deferred *hd = NULL;
            if (x != NULL && yc_h2_defer(reply, &hd) == YC_OK) {
                x->hd = hd;
                yc_api_pending_bind(p, deferred_done, x); /* logs, then answers */
                return YC_OK;
            }
            yc_free(x);
            yc_api_pending_bind(p, deferred_drop, NULL);
            status = 503;
            bytes = sizeof problem_503 - 1;
            e = yc_h2_reply_set(reply, 503, "application/problem+json", NULL, problem_503, bytes);
        } else if (e == YC_OK) { /* the API's buffer becomes the reply: no second copy */
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
            if (e == YC_OK && ares.retry_after_s > 0) /* a 429 (issue 6 item 1) */
                e = yc_h2_reply_retry_after(reply, ares.retry_after_s);
        }
        yc_api_response_clear(&ares);
    }
    if (e != YC_OK) { /* the transport answers without a body (h2.h) */
        status = e == YC_ERR_NOMEM ? 503 : 500;
        bytes = 0;
    }
    const int64_t t1 = mono_us();
    access_log(d, NULL, &start, req, client, status, bytes, t1 - t0, t1);
    return e;
}

/* Raise the soft limit on open files to the hard limit, so that server.max_connections and
 * not the shell's default (often 1024) bounds the connections; best effort. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void print_url(FILE *f, const char *scheme, const yc_config_listen *l, uint16_t port)
{
    const bool v6 = strchr(l->host, ':') != NULL;
    fprintf(f, "%s://%s%s%s:%u/", scheme, v6 ? "[" : "", l->host, v6 ? "]" : "", (unsigned)port);
}

/* ---- issue 7 item 8: start-up safety ---- */

/* Key files hold the pseudonym, sealing, master, client-token and TLS keys: group or other
 * access to one of them (or to keys/) is refused before anything is opened. */
static int check_key_mode(const char *path, const struct stat *sb, bool dir)
{
    if ((sb->st_mode & 077) == 0)
        return 0;
    fprintf(stderr,
            "yrdcreditd: %s: mode %04o lets group or others %s (rule: key files are mode 0600 "
            "in a keys/ of mode 0700; chmod %s %s)\n",
            path, (unsigned)(sb->st_mode & 07777),
            dir ? "into the keys directory" : "read or write a key file", dir ? "0700" : "0600",
            path);
    return 2;
}

static int check_keys(const char *data, const yc_config *cfg, bool tls_on, bool strict)
{
    char path[PATH_MAX];
    struct stat sb;
    (void)snprintf(path, sizeof path, "%s/keys", data);
    if (stat(path, &sb) == 0) {
        int rc = check_key_mode(path, &sb, true);
        if (rc != 0)
            return rc;
        DIR *d = opendir(path);
        if (d == NULL) {
            fprintf(stderr, "yrdcreditd: %s: %s\n", path, strerror(errno));
            return 4;
        }
        const struct dirent *e;
        while (rc == 0 && (e = readdir(d)) != NULL) {
            const size_t n = strlen(e->d_name);
            if (e->d_name[0] == '.' || (n > 5 && strcmp(e->d_name + n - 5, ".lock") == 0))
                continue; /* lock files hold no secret */
            char f[PATH_MAX];
            if ((size_t)snprintf(f, sizeof f, "%s/%s", path, e->d_name) < sizeof f &&
                lstat(f, &sb) == 0 && S_ISREG(sb.st_mode))
                rc = check_key_mode(f, &sb, false);
        }
        closedir(d);
        if (rc != 0)
            return rc;
    }
    if (tls_on && stat(cfg->tls_key_path, &sb) == 0) {
        const int rc = check_key_mode(cfg->tls_key_path, &sb, false);
        if (rc != 0)
            return rc;
    }
    /* the store's keys always; the signing keys too unless --allow-not-ready */
    static const char *const need[] = {"keys/pseudonym.key", "keys/seal.key", "keys/master.key",
                                       "keys/signing.json"};
    for (size_t i = 0; i < (strict ? 4u : 2u); i++) {
        (void)snprintf(path, sizeof path, "%s/%s", data, need[i]);
        if (stat(path, &sb) != 0) {
            fprintf(stderr,
                    "yrdcreditd: %s: missing (rule: the key files `yrdcredit init` made must be "
                    "present; a backup made without --with-keys has none: copy them back from "
                    "where they are kept, mode 0600)\n",
                    path);
            return 4;
        }
    }
    return 0;
}

/* A data directory written by a newer binary is refused (always); the rest of the store, the
 * model, rules, calendar, policy files and the signing keyring only when strict. */
static int check_data(const char *data, const yc_config *cfg, const char *config_file, bool strict)
{
    uint32_t schema = 0;
    if (yc_store_schema_version(data, &schema) == YC_OK && schema > YC_STORE_SCHEMA_VERSION) {
        fprintf(stderr,
                "yrdcreditd: %s/lmdb/data.mdb: schema_version %" PRIu32 " is newer than this "
                "binary's %d (rule: a data directory is opened only by a binary of its schema "
                "version or newer; run the newer yrdcreditd)\n",
                data, schema, YC_STORE_SCHEMA_VERSION);
        return 2;
    }
    if (!strict)
        return 0;
    char why[1024];
    yc_err e;
    /* the model, calendar and policy files; with --config FILE (whose model may differ from
     * DATA/config.json's) its model and calendar here, the policy files by a strict reload
     * once the API is open */
    if (config_file == NULL && (e = yc_api_policy_check(data, why, sizeof why)) != YC_OK) {
        fprintf(stderr, "yrdcreditd: refusing to start: %s\n", why[0] ? why : yc_err_str(e));
        return 2;
    }
    if (config_file != NULL) {
        yc_model *model = NULL;
        char errpath[YC_MODEL_ERRPATH_MAX] = "";
        e = yc_model_load(cfg->model_path, &model, errpath, sizeof errpath);
        yc_model_free(model);
        if (e != YC_OK) {
            fprintf(stderr, "yrdcreditd: refusing to start: %s: %s%s%s\n", cfg->model_path,
                    yc_err_str(e), errpath[0] != '\0' ? " at " : "", errpath);
            return 2;
        }
        yc_calendar *cal = NULL;
        int line = 0;
        e = yc_calendar_load(cfg->calendar_path, &cal, &line);
        yc_calendar_free(cal);
        if (e != YC_OK) {
            fprintf(stderr, "yrdcreditd: refusing to start: %s: line %d: %s\n", cfg->calendar_path,
                    line, yc_err_str(e));
            return 2;
        }
    }
    yc_rules *rules = NULL;
    char msg[512] = "";
    e = yc_rules_load(cfg->rules_path, &rules, msg, sizeof msg);
    yc_rules_free(rules);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: refusing to start: %s: %s\n", cfg->rules_path,
                msg[0] ? msg : yc_err_str(e));
        return 2;
    }
    /* issue 7 item 8: a client registry that does not load would leave an instance that says
     * it is ready and refuses every token (found by a fresh-user test) */
    yc_clients *clients = NULL;
    e = yc_clients_load(data, &clients);
    yc_clients_free(clients);
    if (e != YC_OK) {
        const char *member = yc_clients_error_field();
        fprintf(stderr, "yrdcreditd: refusing to start: %s/clients.json: %s%s%s\n", data,
                yc_err_str(e), member[0] != '\0' ? " at " : "", member);
        return 2;
    }
    yc_keyring *kr = NULL;
    why[0] = '\0';
    e = yc_keyring_load_why(data, &kr, why, sizeof why);
    yc_keyring_free(kr);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: refusing to start: %s/keys: %s\n", data,
                why[0] ? why : yc_err_str(e));
        return 2;
    }
    yc_store *st = NULL;
    const yc_store_opts so = {.map_size_bytes = cfg->map_size_mib * 1024u * 1024u};
    e = yc_store_open(data, &so, &st);
    yc_store_close(st);
    if (e != YC_OK) {
        const bool keys = e == YC_ERR_AUTH || e == YC_ERR_INVALID; /* the key files' fault */
        fprintf(stderr, "yrdcreditd: refusing to start: %s/%s: %s\n", data,
                keys ? "keys" : "lmdb/data.mdb",
                e == YC_ERR_AUTH      ? "keys/pseudonym.key or keys/seal.key is not the key this "
                                        "store was created with"
                : e == YC_ERR_INVALID ? "keys/ must be mode 0700 holding 32-byte key files of "
                                        "mode 0600 (keys/seal.key, keys/pseudonym.key)"
                : e == YC_ERR_STORE   ? "not a yrdcredit store of this schema, or damaged "
                                        "(truncated?)"
                                      : yc_err_str(e));
        return 4;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *config_file = NULL, *log_file = NULL;
    const char *listen_arg = NULL, *h2c_arg = NULL;
    unsigned long workers = 0; /* 0: not given */
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 't'},
        {"h2c-listen", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'w'},
        {"access-log", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {"allow-not-ready", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0},
    };
    bool strict = true; /* issue 7 item 8; --allow-not-ready: the issue 3 behaviour */
    yc_config_listen listen_opt, h2c_opt;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'c':
            config_file = optarg;
            break;
        case 't':
            if (yc_config_listen_parse(optarg, &listen_opt) != YC_OK) {
                fprintf(stderr, "yrdcreditd: --listen wants HOST:PORT (numeric host) or off\n");
                return 2;
            }
            listen_arg = optarg;
            break;
        case 'l':
            if (yc_config_listen_parse(optarg, &h2c_opt) != YC_OK) {
                fprintf(stderr, "yrdcreditd: --h2c-listen wants HOST:PORT (numeric host) or off\n");
                return 2;
            }
            h2c_arg = optarg;
            break;
        case 'w':
            errno = 0;
            workers = strtoul(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' || workers < 1 ||
                workers > YC_H2_WORKERS_MAX) {
                fprintf(stderr, "yrdcreditd: --workers wants 1..%d\n", YC_H2_WORKERS_MAX);
                return 2;
            }
            break;
        case 'a':
            log_file = optarg;
            break;
        case 'N':
            strict = false;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (data == NULL || optind != argc) {
        fputs(usage, stderr);
        return 2;
    }

    yc_core_init_json();
    int rc = 5;
    yc_api *api = NULL;
    yc_h2_server *srv = NULL;
    static daemon_ctx ctx; /* 32 KiB of per-worker log state: not on the stack */
    ctx.log_fd = STDERR_FILENO;
    for (size_t w = 0; w < YC_H2_WORKERS_MAX; w++) {
        (void)pthread_mutex_init(&ctx.log[w].mu, NULL);
        ctx.log[w].fmt.sec = -1;
        ctx.log[w].last_us = INT64_MIN / 2;
    }
    (void)pthread_mutex_init(&ctx.flush_mu, NULL);
    (void)pthread_cond_init(&ctx.flush_cv, NULL);
    pthread_t flusher;
    bool flusher_started = false;
    static reloader rl;
    bool reloader_started = false;
    static retention ret_job;
    bool retention_started = false;
    char pid_path[PATH_MAX] = "";
    static yc_config cfg; /* five paths of 4 KiB: not on the stack */
    const char *field = NULL;
    yc_err e = config_file != NULL ? yc_config_load_file(config_file, data, &cfg, &field)
                                   : yc_config_load(data, &cfg, &field);
    if (e != YC_OK) {
        if (config_file != NULL)
            fprintf(stderr, "yrdcreditd: %s: %s", config_file, yc_err_str(e));
        else
            fprintf(stderr, "yrdcreditd: %s/config.json: %s", data, yc_err_str(e));
        fprintf(stderr, "%s%s\n", field != NULL ? ": " : "", field != NULL ? field : "");
        rc = 4;
        goto out;
    }
    /* the command line overrides the file */
    if (listen_arg != NULL)
        cfg.server.listen = listen_opt;
    if (h2c_arg != NULL)
        cfg.server.h2c_listen = h2c_opt;
    if (workers != 0)
        cfg.server.workers = (unsigned)workers;
    const yc_config_listen *tls_l = &cfg.server.listen, *h2c_l = &cfg.server.h2c_listen;
    if (!tls_l->enabled && !h2c_l->enabled) {
        fprintf(stderr, "yrdcreditd: both listeners are off (--listen, --h2c-listen)\n");
        rc = 2;
        goto out;
    }
    if (tls_l->enabled &&
        (access(cfg.tls_cert_path, R_OK) != 0 || access(cfg.tls_key_path, R_OK) != 0)) {
        fprintf(stderr,
                "yrdcreditd: TLS certificate or key not readable (%s, %s): run `yrdcredit init`, "
                "set tls.cert and tls.key, or use --listen off\n",
                cfg.tls_cert_path, cfg.tls_key_path);
        rc = 4;
        goto out;
    }
    rc = check_keys(data, &cfg, tls_l->enabled, strict);
    if (rc == 0)
        rc = check_data(data, &cfg, config_file, strict);
    if (rc != 0)
        goto out;
    rc = 5;
    if (log_file != NULL) {
        ctx.log_fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        if (ctx.log_fd < 0) {
            fprintf(stderr, "yrdcreditd: cannot open %s: %s\n", log_file, strerror(errno));
            rc = 4;
            goto out;
        }
    }
    /* SIGHUP goes to the reloader thread only: block it before the first thread starts */
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    (void)pthread_sigmask(SIG_BLOCK, &hup, NULL);
    /* the API uses the same configuration (model, rules, map size, score cache) */
    const yc_api_opts api_opts = {
        .max_body_bytes = cfg.server.max_body_bytes, .config = &cfg, .config_file = config_file};
    e = yc_api_open(data, &api_opts, &api);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: cannot open %s: %s\n", data, yc_err_str(e));
        rc = 4;
        goto out;
    }
    if (strict && config_file != NULL) { /* issue 7 item 8: the model of --config FILE */
        char why[1024];
        uint64_t gen = 0;
        e = yc_api_policy_reload(api, &gen, why, sizeof why);
        if (e != YC_OK) {
            fprintf(stderr, "yrdcreditd: refusing to start: %s\n", why[0] ? why : yc_err_str(e));
            rc = 2;
            goto out;
        }
    }
    raise_nofile();
    const yc_config_server *cs = &cfg.server;
    yc_h2_opts opts = {
        .h2c_host = h2c_l->host,
        .h2c_port = h2c_l->port,
        .h2c_off = !h2c_l->enabled,
        .tls_host = tls_l->host,
        .tls_port = tls_l->port,
        .tls_cert = tls_l->enabled ? cfg.tls_cert_path : NULL,
        .tls_key = tls_l->enabled ? cfg.tls_key_path : NULL,
        .tls_client_cert = cfg.tls_client_auth, /* issue 6: mTLS by pinning */
        .workers = cs->workers,
        .max_header_bytes = cs->max_header_bytes,
        .max_header_fields = cs->max_header_fields,
        .max_body_bytes = cs->max_body_bytes,
        .idle_timeout_ms = cs->idle_timeout_ms,
        .drain_timeout_ms = cs->drain_timeout_ms,
        .max_concurrent_streams = cs->max_concurrent_streams,
        .max_connections = cs->max_connections,
        .max_outbound_queue = cs->max_outbound_queue,
        .output_high_water = cs->output_high_water,
        .glitch_burst = cs->glitch_burst,
        .glitch_rate_per_s = cs->glitch_rate_per_s,
        .reset_burst = cs->reset_burst,
        .reset_rate_per_s = cs->reset_rate_per_s,
        .max_continuations = cs->max_continuations,
        .handshake_timeout_ms = cs->handshake_timeout_ms,
        .preface_timeout_ms = cs->preface_timeout_ms,
        .header_timeout_ms = cs->header_timeout_ms,
        .body_timeout_ms = cs->body_timeout_ms,
        .write_timeout_ms = cs->write_timeout_ms,
        .max_discard_bytes = cs->max_discard_bytes,
        .discard_off = cs->max_discard_bytes == 0,
        .max_conn_body_bytes = cs->max_conn_body_bytes, /* issue 7 J */
        .max_body_bytes_total = cs->max_body_bytes_total,
        .handler = handle,
        .handler_ctx = &ctx,
    };
    ctx.api = api;
    errno = 0;
    e = yc_h2_server_open(&opts, &srv);
    const int open_errno = errno; /* e.g. EADDRINUSE from bind(2); best effort */
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: cannot serve (");
        if (h2c_l->enabled)
            fprintf(stderr, "h2c %s:%u%s", h2c_l->host, (unsigned)h2c_l->port,
                    tls_l->enabled ? ", " : "");
        if (tls_l->enabled)
            fprintf(stderr, "TLS %s:%u with %s", tls_l->host, (unsigned)tls_l->port,
                    cfg.tls_cert_path);
        if (e == YC_ERR_IO && open_errno != 0)
            fprintf(stderr, "): %s (%s)\n", yc_err_str(e), strerror(open_errno));
        else
            fprintf(stderr, "): %s\n", yc_err_str(e));
        rc = e == YC_ERR_IO ? 4 : 5;
        goto out;
    }
    atomic_store(&g_server, srv);
    /* the flusher thread takes no signals: they stay with the workers, as before */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGPIPE);
    (void)pthread_sigmask(SIG_BLOCK, &block, &old);
    flusher_started = pthread_create(&flusher, NULL, flusher_main, &ctx) == 0;
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    ctx.buffering = flusher_started; /* without the flusher every line is written at once */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
    (void)sigaction(SIGXFSZ, &sa, NULL); /* issue 7 item 4: EFBIG, a 507, not a kill */
    /* one line, starting with the h2c URL when h2c is on (tests look for it) */
    fputs("yrdcreditd: serving", stderr);
    if (h2c_l->enabled) {
        fputs(" h2c on ", stderr);
        print_url(stderr, "http", h2c_l, yc_h2_server_port(srv));
    }
    if (tls_l->enabled) {
        fputs(h2c_l->enabled ? " and h2 (TLS) on " : " h2 (TLS) on ", stderr);
        print_url(stderr, "https", tls_l, yc_h2_server_tls_port(srv));
    }
    fprintf(stderr, " with %u worker%s\n", yc_h2_server_workers(srv),
            yc_h2_server_workers(srv) == 1 ? "" : "s");
    /* issue 6 item 8: the retention job, first run now (it blocks SIGHUP like the workers) */
    retention_started = retention_start(&ret_job, api, cfg.retention.interval_s);
    if (!retention_started && cfg.retention.interval_s != 0)
        fprintf(stderr, "yrdcreditd: no retention thread: run `yrdcredit purge` daily\n");
    rl.api = api;
    reloader_started = pthread_create(&rl.thread, NULL, reloader_main, &rl) == 0;
    if (!reloader_started)
        fprintf(stderr, "yrdcreditd: no reloader thread: SIGHUP is ignored\n");
    pid_file_path(data, pid_path, sizeof pid_path);
    if (!pid_file_write(pid_path))
        fprintf(stderr,
                "yrdcreditd: cannot write %s: `yrdcredit policy reload` will not find "
                "this process\n",
                pid_path);
    e = yc_h2_server_run(srv);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: event loop failed: %s\n", yc_err_str(e));
        goto out;
    }
    rc = 0;
out:
    atomic_store(&g_server, NULL);
    if (retention_started)
        retention_stop(&ret_job);
    if (reloader_started) {
        atomic_store(&rl.stop, true);
        (void)pthread_kill(rl.thread, SIGHUP);
        (void)pthread_join(rl.thread, NULL);
    }
    pid_file_remove(pid_path);
    yc_h2_server_close(srv);
    yc_api_close(api);
    if (flusher_started) {
        (void)pthread_mutex_lock(&ctx.flush_mu);
        ctx.flush_stop = true;
        (void)pthread_cond_signal(&ctx.flush_cv);
        (void)pthread_mutex_unlock(&ctx.flush_mu);
        (void)pthread_join(flusher, NULL);
    }
    flush_all(&ctx); /* the workers have stopped: the last lines */
    if (ctx.log_fd != STDERR_FILENO)
        (void)close(ctx.log_fd);
    for (size_t w = 0; w < YC_H2_WORKERS_MAX; w++) {
        json_decref(ctx.log[w].fmt.escaper);
        yc_free(ctx.log[w].buf);
        (void)pthread_mutex_destroy(&ctx.log[w].mu);
    }
    (void)pthread_cond_destroy(&ctx.flush_cv);
    (void)pthread_mutex_destroy(&ctx.flush_mu);
    return rc;
}
