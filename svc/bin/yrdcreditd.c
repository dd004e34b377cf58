/* yrdcreditd: the HTTP/2 service.  A thin main: options, yc_api over the data dir, the h2
 * transport with one handler that calls yc_api_handle(), and SIGTERM/SIGINT for a drain. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/api.h"
#include "yrdcredit/err.h"
#include "yrdcredit/h2.h"

static const char usage[] =
    "usage: yrdcreditd --data DIR [--h2c-listen HOST:PORT] [--workers N]\n"
    "\n"
    "Serves the yrdcredit HTTP/2 API (api/openapi.yaml) over h2c with prior knowledge.\n"
    "  --data DIR              data directory created by `yrdcredit init` (required)\n"
    "  --h2c-listen HOST:PORT  numeric address and port of the h2c listener\n"
    "                          (default 127.0.0.1:8080; IPv6 as [::1]:8080; port 0 = any)\n"
    "  --workers N             event loops; only 1 is supported in this version (default 1)\n"
    "SIGTERM or SIGINT: stop accepting, finish in-flight streams (at most 3 s), exit 0.\n"
    "Exit status: 0 ok, 2 usage, 4 cannot open the data dir or the listener, 5 other.\n";

static yc_h2_server *volatile g_server;

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
static const char problem_431[] =
    "{\"type\":\"urn:yrdcredit:problem:header-too-large\",\"title\":\"Request header fields too "
    "large\",\"status\":431,\"detail\":\"the request header block exceeds the limit\"}";

static yc_err handle(void *ctx, const yc_h2_request *req, yc_h2_reply *reply)
{
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
        .body = req->body,
        .body_len = req->body_len,
    };
    yc_api_response ares = {0};
    yc_err e = yc_api_handle(ctx, &areq, &ares);
    if (e == YC_OK)
        e = yc_h2_reply_set(reply, ares.status, ares.content_type, ares.allow, ares.body,
                            ares.body_len);
    yc_api_response_clear(&ares);
    return e;
}

/* HOST:PORT or [V6]:PORT into host (NUL-terminated, in @p host of @p cap bytes) and port. */
static int parse_listen(const char *s, char *host, size_t cap, uint16_t *port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= cap)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (errno != 0 || end == colon + 1 || *end != '\0' || p > 65535)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

int main(int argc, char **argv)
{
    const char *data = NULL;
    char host[64] = "127.0.0.1";
    uint16_t port = 8080;
    unsigned long workers = 1;
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"h2c-listen", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'l':
            if (parse_listen(optarg, host, sizeof host, &port) != 0) {
                fprintf(stderr, "yrdcreditd: --h2c-listen wants HOST:PORT\n");
                return 2;
            }
            break;
        case 'w':
            errno = 0;
            workers = strtoul(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || workers != 1) {
                fprintf(stderr, "yrdcreditd: --workers: only 1 is supported for now\n");
                return 2;
            }
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
    yc_err e = yc_api_open(data, NULL, &api);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: cannot open %s: %s\n", data, yc_err_str(e));
        rc = 4;
        goto out;
    }
    yc_h2_opts opts = {
        .h2c_host = host,
        .h2c_port = port,
        .workers = (unsigned)workers,
        .max_body_bytes = YC_API_BODY_MAX_DEFAULT,
        .handler = handle,
        .handler_ctx = api,
    };
    e = yc_h2_server_open(&opts, &srv);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcreditd: cannot listen on %s:%u: %s\n", host, (unsigned)port,
                yc_err_str(e));
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
    fprintf(stderr, "yrdcreditd: serving h2c on http://%s%s%s:%u/\n",
            strchr(host, ':') != NULL ? "[" : "", host, strchr(host, ':') != NULL ? "]" : "",
            (unsigned)yc_h2_server_port(srv));
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
    return rc;
}
