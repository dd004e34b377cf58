/* yrdcreditd: the HTTP/2 service.  A thin main: options, the settings of DATA_DIR/config.json
 * (or --config FILE), yc_api over the data dir, the h2 transport (TLS and h2c listeners, N
 * worker threads) with one handler that calls yc_api_handle() and writes one JSON access-log
 * line per request, and SIGTERM/SIGINT for a drain.  The handler runs on every worker thread
 * at once: yc_api_handle() is reentrant (api.h) and each log line is one fwrite(). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/config.h"
#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/h2.h"
#include "yrdcredit/ids.h"

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
    "\n"
    "Serves the yrdcredit HTTP/2 API (api/openapi.yaml) over TLS (ALPN h2) and over h2c with\n"
    "prior knowledge.  Command-line options override the configuration file.\n"
    "  --data DIR              data directory created by `yrdcredit init` (required)\n"
    "  --config FILE           configuration file to use instead of DATA_DIR/config.json\n"
    "                          (relative paths in it still resolve against DIR)\n"
    "  --listen HOST:PORT      numeric address and port of the TLS listener, or off\n"
    "                          (server.listen; default 127.0.0.1:8443; IPv6 as [::1]:8443;\n"
    "                          port 0 = any).  Certificate and key: tls.cert and tls.key\n"
    "                          (default DATA_DIR/tls/cert.pem and DATA_DIR/tls/key.pem)\n"
    "  --h2c-listen HOST:PORT  address of the h2c listener, or off (server.h2c_listen;\n"
    "                          default 127.0.0.1:8080).  TLS stays on unless --listen off.\n"
    "  --workers N             worker threads, 1..256 (server.workers; default: online CPUs)\n"
    "  --access-log FILE       append the access log (one JSON line per request) to FILE\n"
    "                          instead of stderr\n"
    "Limits and timeouts come from the \"server\" object of the configuration file\n"
    "(etc/yrdcredit.conf.example documents every key).\n"
    "SIGTERM or SIGINT: stop accepting, finish in-flight streams (server.drain_timeout_ms), exit "
    "0.\n"
    "Exit status: 0 ok, 2 usage, 4 cannot open the data dir, the configuration, the\n"
    "certificate or a listener, 5 other.\n";

static yc_h2_server *volatile g_server;

/* What the handler needs: the API and the access-log stream. */
typedef struct daemon_ctx {
    yc_api *api;
    FILE *access_log;
} daemon_ctx;

static void on_signal(int sig)
{
    (void)sig;
    if (g_server != NULL)
        yc_h2_server_stop(g_server);
}

/* Problems the transport detects before the API sees the request (RFC 9457 bodies). */
static const char problem_413[] =
    "{\"type\":\"urn:yrdcredit:problem:" YC_API_PROBLEM_TOO_LARGE "\",\"title\":\"Payload too "
    "large\",\"status\":413,\"detail\":\"the request body exceeds the limit\"}";
static const char problem_408[] =
    "{\"type\":\"urn:yrdcredit:problem:request-timeout\",\"title\":\"Request timeout\","
    "\"status\":408,\"detail\":\"no request body bytes arrived within the body timeout\"}";
static const char problem_431[] =
    "{\"type\":\"urn:yrdcredit:problem:header-too-large\",\"title\":\"Request header fields too "
    "large\",\"status\":431,\"detail\":\"the request header block exceeds the limit\"}";

/* Is the path segment [s, s + len) one of the route's literal words? */
static bool route_word(const char *s, size_t len)
{
    static const char *const words[] = {"healthz", "readyz",  "v1",    "subjects",
                                        "score",   "records", "lookup"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0)
            return true;
    return false;
}

/* A subject id segment that may be logged: a valid USCC or pseudonym that is not also a valid
 * 居民身份证号码 (a client may put a document number in the URL against the API's contract). */
static bool loggable_subject(const char *s, size_t len)
{
    char norm[19];
    return yc_subject_id_is_valid(s, len) &&
           !yc_resident_id_normalize(s, len, yc_date_today_shanghai(), norm, NULL);
}

/* The path for the log: route words and loggable subject ids verbatim, any other segment
 * replaced by "-" (a client may put anything, even a document number, there). */
static void log_path(const char *path, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = path;
    unsigned seg = 0;
    while (*p == '/' && o + 2 < cap) {
        const char *s = ++p;
        while (*p != '\0' && *p != '/')
            p++;
        const size_t len = (size_t)(p - s);
        const bool keep =
            len < 64 && (route_word(s, len) || (seg == 2 && loggable_subject(s, len)));
        out[o++] = '/';
        if (keep && o + len + 1 < cap) {
            memcpy(out + o, s, len);
            o += len;
        } else if (len > 0 && o + 2 < cap) {
            out[o++] = '-';
        }
        seg++;
    }
    if (*p != '\0' && o + 2 < cap)
        out[o++] = '-';
    out[o] = '\0';
}

/* The query for the log: only known parameter names; the values of `as_of`, `limit` and
 * `atomic` when they are short and plain ([0-9A-Za-z-]), never a `cursor` or other value. */
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
        const size_t nlen = (size_t)((eq != NULL ? eq : p) - s);
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            if (strlen(names[i]) != nlen || memcmp(names[i], s, nlen) != 0)
                continue;
            const char *v = eq != NULL ? eq + 1 : p;
            size_t vlen = (size_t)(p - v);
            bool plain = i < 3 && vlen <= 16;
            for (size_t k = 0; plain && k < vlen; k++)
                plain = (v[k] >= '0' && v[k] <= '9') || (v[k] >= 'A' && v[k] <= 'Z') ||
                        (v[k] >= 'a' && v[k] <= 'z') || v[k] == '-';
            if (!plain)
                vlen = 0;
            if (o + nlen + vlen + 3 < cap) {
                if (o > 0)
                    out[o++] = '&';
                memcpy(out + o, s, nlen);
                o += nlen;
                if (vlen > 0) {
                    out[o++] = '=';
                    memcpy(out + o, v, vlen);
                    o += vlen;
                }
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

/* One access-log line: {"time","method","path","status","bytes","duration_us","stream_id",
 * "worker"}.  A failure to log never fails the request; one fwrite() per line, so lines of
 * different worker threads do not interleave. */
static void access_log(FILE *f, const struct timespec *start, const yc_h2_request *req, int status,
                       size_t bytes, int64_t duration_us)
{
    struct tm tm;
    char when[64], stamp[32];
    char path[YC_API_PATH_MAX + 2], query[YC_API_QUERY_MAX + 2];
    if (gmtime_r(&start->tv_sec, &tm) == NULL ||
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return;
    (void)snprintf(when, sizeof when, "%s.%03ldZ", stamp, start->tv_nsec / 1000000);
    log_path(req->path, path, sizeof path);
    /* lookup-like routes: the query is never logged */
    const bool lookup = strcmp(req->path, "/v1/subjects/lookup") == 0;
    query[0] = '\0';
    if (!lookup)
        log_query(req->query, query, sizeof query);
    char target[sizeof path + sizeof query + 1];
    (void)snprintf(target, sizeof target, "%s%s%s", path, query[0] != '\0' ? "?" : "", query);
    const char *method = req->method;
    if (strlen(method) > 16)
        method = "-";
    json_t *line = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:i, s:i}", "time", when, "method",
                             method, "path", target, "status", status, "bytes", (json_int_t)bytes,
                             "duration_us", (json_int_t)duration_us, "stream_id",
                             (int)req->stream_id, "worker", (int)req->worker);
    if (line == NULL)
        return;
    char *text = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(line);
    if (text == NULL)
        return;
    const size_t len = strlen(text);
    text[len] = '\n'; /* overwrite the NUL: one write of the whole line */
    (void)fwrite(text, 1, len + 1, f);
    (void)fflush(f);
    text[len] = '\0';
    yc_free(text);
}

static yc_err handle(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
    daemon_ctx *d = ctx;
    struct timespec start;
    (void)clock_gettime(CLOCK_REALTIME, &start);
    const int64_t t0 = mono_us();
    int status;
    size_t bytes = 0;
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
            .body = req->body,
            .body_len = req->body_len,
        };
        yc_api_response ares = {0};
        e = yc_api_handle(d->api, &areq, &ares);
        if (e == YC_OK)
            e = yc_h2_reply_set(reply, ares.status, ares.content_type, ares.allow, ares.body,
                                ares.body_len);
        status = ares.status;
        bytes = ares.body_len;
        yc_api_response_clear(&ares);
    }
    if (e != YC_OK) { /* the transport answers without a body (h2.h) */
        status = e == YC_ERR_NOMEM ? 503 : 500;
        bytes = 0;
    }
    access_log(d->access_log, &start, req, status, bytes, mono_us() - t0);
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

int main(int argc, char **argv)
{
    const char *data = NULL, *config_file = NULL, *log_file = NULL;
    const char *listen_arg = NULL, *h2c_arg = NULL;
    unsigned long workers = 0; /* 0: not given */
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},    {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 't'},  {"h2c-listen", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'w'}, {"access-log", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
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
    daemon_ctx ctx = {.api = NULL, .access_log = stderr};
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
    if (log_file != NULL) {
        ctx.access_log = fopen(log_file, "ae");
        if (ctx.access_log == NULL) {
            fprintf(stderr, "yrdcreditd: cannot open %s: %s\n", log_file, strerror(errno));
            rc = 4;
            goto out;
        }
    }
    const yc_api_opts api_opts = {.max_body_bytes = cfg.server.max_body_bytes};
    e = yc_api_open(data, &api_opts, &api);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: cannot open %s: %s\n", data, yc_err_str(e));
        rc = 4;
        goto out;
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
        .handler = handle,
        .handler_ctx = &ctx,
    };
    ctx.api = api;
    e = yc_h2_server_open(&opts, &srv);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: cannot serve (");
        if (h2c_l->enabled)
            fprintf(stderr, "h2c %s:%u%s", h2c_l->host, (unsigned)h2c_l->port,
                    tls_l->enabled ? ", " : "");
        if (tls_l->enabled)
            fprintf(stderr, "TLS %s:%u with %s", tls_l->host, (unsigned)tls_l->port,
                    cfg.tls_cert_path);
        fprintf(stderr, "): %s\n", yc_err_str(e));
        rc = e == YC_ERR_IO ? 4 : 5;
        goto out;
    }
    g_server = srv;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
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
    e = yc_h2_server_run(srv);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: event loop failed: %s\n", yc_err_str(e));
        goto out;
    }
    rc = 0;
out:
    g_server = NULL;
    yc_h2_server_close(srv);
    yc_api_close(api);
    if (ctx.access_log != NULL && ctx.access_log != stderr)
        (void)fclose(ctx.access_log);
    return rc;
}
