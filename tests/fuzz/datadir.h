/* Shared set-up of the fuzz targets that serve requests (fuzz_h2.c, fuzz_api.c): a data dir
 * made once per process by the real CLI (`yrdcredit init`, `import` of samples/, `clients add
 * --role admin`) in a temporary directory, with the rate limits off in its config.json (so
 * inputs are not answered 429 after the first seconds).  The CLI is $YC_FUZZ_YRDCREDIT, else
 * ../svc/bin/yrdcredit next to the fuzz binary; samples/ is under $YC_SOURCE_ROOT, else ../..
 * of the binary's directory.  Header-only; include from exactly one translation unit. */
#ifndef YC_FUZZ_DATADIR_H
#define YC_FUZZ_DATADIR_H

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "yrdcredit/clients.h"

/* The bearer placeholder of the seeds: as long as a real token (YC_CLIENT_TOKEN_LEN). */
#define FUZZ_TOKEN "yc_FUZZ_TOKEN_PLACEHOLDER_xxxxxxxxxxxxxxxxxxxx"

static void require(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz: %s\n", what);
        abort();
    }
}

static int run(const char *const argv[], char *out, size_t out_cap)
{
    int pfd[2];
    require(pipe(pfd) == 0, "pipe");
    const pid_t pid = fork();
    require(pid >= 0, "fork");
    if (pid == 0) {
        (void)dup2(pfd[1], STDOUT_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        char *av[16];
        size_t i = 0;
        for (; argv[i] != NULL && i + 1 < sizeof av / sizeof av[0]; i++)
            av[i] = strdup(argv[i]);
        av[i] = NULL;
        execv(av[0], av);
        _exit(127);
    }
    close(pfd[1]);
    size_t n = 0;
    for (;;) {
        char buf[512];
        const ssize_t r = read(pfd[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r && out != NULL && n + 1 < out_cap; i++)
            out[n++] = buf[i];
    }
    close(pfd[0]);
    if (out != NULL)
        out[n] = '\0';
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void rm_rf(const char *path)
{
    const char *const argv[] = {"/bin/rm", "-rf", path, NULL};
    (void)run(argv, NULL, 0);
}

static void locate(char *cli, size_t cli_len, char *root, size_t root_len)
{
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    require(n > 0, "readlink /proc/self/exe");
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    require(slash != NULL, "exe path");
    *slash = '\0'; /* BUILD/tests */
    const char *c = getenv("YC_FUZZ_YRDCREDIT");
    if (c != NULL && c[0] != '\0')
        require((size_t)snprintf(cli, cli_len, "%s", c) < cli_len, "cli path");
    else
        require((size_t)snprintf(cli, cli_len, "%s/../svc/bin/yrdcredit", exe) < cli_len,
                "cli path");
    const char *r = getenv("YC_SOURCE_ROOT");
    if (r != NULL && r[0] != '\0')
        require((size_t)snprintf(root, root_len, "%s", r) < root_len, "root path");
    else
        require((size_t)snprintf(root, root_len, "%s/../..", exe) < root_len, "root path");
}

static void rate_limits_off(const char *data)
{
    char path[PATH_MAX + 64];
    (void)snprintf(path, sizeof path, "%s/config.json", data);
    json_error_t jerr;
    json_t *cfg = json_load_file(path, 0, &jerr);
    require(cfg != NULL, "config.json unreadable");
    json_t *rl = json_pack("{s:i,s:i}", "per_client_rps", 0, "verify_per_address_rps", 0);
    require(rl != NULL && json_object_set_new(cfg, "rate_limit", rl) == 0, "rate_limit");
    require(json_dump_file(cfg, path, JSON_INDENT(2)) == 0, "config.json write");
    json_decref(cfg);
}

/* Make the data dir: @p dir receives the temporary directory (remove with rm_rf()), @p data
 * the data dir inside it, @p token the admin client's bearer token (NUL-terminated). */
static void fuzz_datadir_make(const char *tag, char dir[PATH_MAX], char data[PATH_MAX + 16],
                              char token[YC_CLIENT_TOKEN_LEN + 1])
{
    char cli[PATH_MAX], root[PATH_MAX];
    locate(cli, sizeof cli, root, sizeof root);
    const char *t = getenv("TMPDIR");
    (void)snprintf(dir, (size_t)PATH_MAX, "%s/yc-fuzz-%s-XXXXXX", t != NULL && t[0] ? t : "/tmp",
                   tag);
    require(mkdtemp(dir) != NULL, "mkdtemp");
    (void)snprintf(data, (size_t)PATH_MAX + 16, "%s/data", dir);

    const char *const init[] = {cli, "init", data, NULL};
    require(run(init, NULL, 0) == 0, "yrdcredit init failed (set YC_FUZZ_YRDCREDIT)");
    static const char *const samples[] = {"yiwu-records.jsonl", "yiwu-sxbzxr.jsonl",
                                          "yiwu-xycn.jsonl", "yiwu-xzcf-2024.csv",
                                          "yiwu-xzxk-2024-bom.csv"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char file[PATH_MAX + 64];
        (void)snprintf(file, sizeof file, "%s/samples/%s", root, samples[i]);
        const char *const imp[] = {cli, "--data", data, "import", file, NULL};
        require(run(imp, NULL, 0) == 0, "yrdcredit import failed (set YC_SOURCE_ROOT)");
    }
    char out[256];
    const char *const add[] = {cli,      "--data", data,     "clients", "add",
                               "--role", "admin",  "--name", "fuzz",    NULL};
    require(run(add, out, sizeof out) == 0, "yrdcredit clients add failed");
    require(strlen(out) >= YC_CLIENT_TOKEN_LEN, "no token");
    memcpy(token, out, YC_CLIENT_TOKEN_LEN);
    token[YC_CLIENT_TOKEN_LEN] = '\0';
    require(strlen(FUZZ_TOKEN) == YC_CLIENT_TOKEN_LEN, "FUZZ_TOKEN length");
    rate_limits_off(data);
}

/* Replace every FUZZ_TOKEN in @p buf by @p token (same length). */
static void fuzz_token_substitute(uint8_t *buf, size_t len, const char *token)
{
    const size_t tl = YC_CLIENT_TOKEN_LEN;
    for (size_t i = 0; i + tl <= len; i++)
        if (buf[i] == 'y' && memcmp(buf + i, FUZZ_TOKEN, tl) == 0) {
            memcpy(buf + i, token, tl);
            i += tl - 1;
        }
}

#endif
