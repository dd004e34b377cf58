/* The CLI commands verify (offline attestation verifier) and present (SD-JWT presentation). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/attest_verify.h"
#include "yrdcredit/fileio.h"

#define CLI_VERIFY_MAX_LISTS 64
#define CLI_VERIFY_MAX_KEYS  64

static const char verify_usage[] =
    "usage: yrdcredit verify TOKEN|- --jwks FILE [--status-list FILE]... [--issuer URL]\n"
    "                        [--aud AUD] [--at UNIX_SECONDS]\n"
    "Verify an attestation offline: the keys of the JWK Set FILE are the trust anchor, the\n"
    "issuer is --issuer or else the token's iss; each --status-list FILE is a statuslist+jwt\n"
    "token verified with the same keys (without one, status is not checked).  Prints\n"
    "{\"valid\",\"reason\",\"issuer\",\"claims\",\"status_checked\"}; exit 0 valid, 1 invalid,\n"
    "2 usage or unreadable input.\n";

static const char present_usage[] =
    "usage: yrdcredit present TOKEN|- --disclose NAME[,NAME...]\n"
    "Print a presentation of the SD-JWT that reveals only the named claims (e.g. grade).\n";

/* TOKEN or '-' (stdin), trailing whitespace removed. */
static yc_err read_token(const char *arg, char **ret, size_t *ret_len)
{
    char *buf = NULL;
    size_t len = 0;
    if (strcmp(arg, "-") == 0) {
        buf = yc_alloc(YC_SDJWT_MAX_BYTES + 2);
        YC_ENSURE(buf != NULL, YC_ERR_NOMEM);
        len = fread(buf, 1, YC_SDJWT_MAX_BYTES + 1, stdin);
        if (ferror(stdin)) {
            yc_free(buf);
            return YC_ERR_IO;
        }
    } else {
        len = strlen(arg);
        buf = yc_alloc(len + 1);
        YC_ENSURE(buf != NULL, YC_ERR_NOMEM);
        memcpy(buf, arg, len);
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
                       buf[len - 1] == '\t'))
        len--;
    buf[len] = '\0';
    *ret = buf;
    *ret_len = len;
    return YC_OK;
}

typedef struct cli_lists {
    yc_status_list *list[CLI_VERIFY_MAX_LISTS];
    char *uri[CLI_VERIFY_MAX_LISTS];
    size_t n;
} cli_lists;

static yc_err cli_status(void *ctx, const char *uri, uint64_t idx, unsigned *ret_status)
{
    const cli_lists *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->uri[i], uri) == 0)
            return idx > SIZE_MAX ? YC_ERR_NOT_FOUND
                                  : yc_status_list_get(l->list[i], (size_t)idx, ret_status);
    return YC_ERR_NOT_FOUND;
}

static int verify_print(const yc_av_verdict *v)
{
    json_t *o = json_pack("{s:b,s:s,s:s,s:O?,s:b}", "valid", v->valid, "reason",
                          yc_av_reason_str(v->reason), "issuer", v->issuer, "claims", v->claims,
                          "status_checked", v->status_checked);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s == NULL)
        return 5;
    printf("%s\n", s);
    yc_free(s);
    return v->valid ? 0 : 1;
}

int cli_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"jwks", required_argument, NULL, 'j'},   {"status-list", required_argument, NULL, 's'},
        {"issuer", required_argument, NULL, 'i'}, {"aud", required_argument, NULL, 'a'},
        {"at", required_argument, NULL, 't'},     {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *jwks = NULL, *issuer = NULL, *aud = NULL;
    const char *lists[CLI_VERIFY_MAX_LISTS];
    size_t n_lists = 0;
    uint64_t at = (uint64_t)time(NULL);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            jwks = optarg;
            break;
        case 's':
            if (n_lists == CLI_VERIFY_MAX_LISTS) {
                fprintf(stderr, "yrdcredit verify: at most %d --status-list\n",
                        CLI_VERIFY_MAX_LISTS);
                return 2;
            }
            lists[n_lists++] = optarg;
            break;
        case 'i':
            issuer = optarg;
            break;
        case 'a':
            if (optarg[0] == '\0') {
                fprintf(stderr,
                        "yrdcredit verify: --aud: empty (leave it out to accept any aud)\n");
                return 2;
            }
            aud = optarg;
            break;
        case 't':
            if (cli_parse_u64(optarg, INT64_MAX, &at) != YC_OK) {
                fprintf(stderr, "yrdcredit verify: --at: not a number of seconds\n");
                return 2;
            }
            break;
        case 'd':
            break;
        case 'h':
            fputs(verify_usage, stdout);
            return 0;
        default:
            fputs(verify_usage, stderr);
            return 2;
        }
    }
    if (optind + 1 != argc || jwks == NULL) {
        fputs(verify_usage, stderr);
        return 2;
    }
    int status = 5;
    char *token = NULL, *jbuf = NULL;
    size_t token_len = 0, jlen = 0;
    yc_av_key keys[CLI_VERIFY_MAX_KEYS];
    size_t n_keys = 0;
    cli_lists cl = {.n = 0};
    yc_av_verdict v = {.reason = YC_AV_MALFORMED};
    yc_err rv = read_token(argv[optind], &token, &token_len);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit verify: token: %s\n", yc_err_str(rv));
        status = yc_err_exit_code(rv);
        goto out;
    }
    rv = yc_file_read_all(jwks, YC_TRUST_MAX_FILE_BYTES, &jbuf, &jlen);
    if (rv == YC_OK)
        rv = yc_av_jwks_keys(jbuf, jlen, NULL, 0, keys, CLI_VERIFY_MAX_KEYS, &n_keys);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit verify: %s: %s\n", jwks, yc_err_str(rv));
        status = yc_err_exit_code(rv); /* I/O: 4, as every command */
        goto out;
    }
    for (size_t i = 0; i < n_lists; i++) {
        char *lbuf = NULL;
        size_t llen = 0;
        rv = yc_file_read_all(lists[i], YC_TRUST_MAX_FILE_BYTES, &lbuf, &llen);
        if (rv != YC_OK) {
            fprintf(stderr, "yrdcredit verify: %s: %s\n", lists[i], yc_err_str(rv));
            status = yc_err_exit_code(rv); /* I/O: 4, as every command */
            goto out;
        }
        rv = yc_av_status_list_check(lbuf, llen, keys, n_keys, NULL, (int64_t)at, &cl.list[cl.n],
                                     &cl.uri[cl.n], NULL);
        yc_free(lbuf);
        if (rv == YC_ERR_NOMEM)
            goto out;
        if (rv != YC_OK) /* the verdict will say status_unavailable */
            fprintf(stderr, "yrdcredit verify: %s: status list does not verify, ignored\n",
                    lists[i]);
        else
            cl.n++;
    }
    if (issuer == NULL) {
        /* the token's own iss: a first pass with no issuer reads it */
        rv = yc_av_verify(token, token_len, NULL, 0, (int64_t)at, aud, &v);
        if (rv != YC_OK)
            goto out;
    }
    char iss_buf[sizeof v.issuer];
    snprintf(iss_buf, sizeof iss_buf, "%s", issuer != NULL ? issuer : v.issuer);
    yc_av_verdict_clear(&v);
    const yc_av_issuer is = {.iss = iss_buf,
                             .keys = keys,
                             .n_keys = n_keys,
                             .status = n_lists > 0 ? cli_status : NULL,
                             .status_ctx = &cl};
    rv = yc_av_verify(token, token_len, &is, 1, (int64_t)at, aud, &v);
    if (rv != YC_OK)
        goto out;
    status = verify_print(&v);
out:
    if (rv == YC_ERR_NOMEM || rv == YC_ERR_INTERNAL)
        fprintf(stderr, "yrdcredit verify: %s\n", yc_err_str(rv));
    yc_av_verdict_clear(&v);
    for (size_t i = 0; i < cl.n; i++) {
        yc_status_list_free(cl.list[i]);
        yc_free(cl.uri[i]);
    }
    yc_free(jbuf);
    yc_free(token);
    return status;
}

int cli_present(int argc, char **argv)
{
    static const struct option opts[] = {{"disclose", required_argument, NULL, 'D'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *disclose = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'D') {
            disclose = optarg;
        } else if (c == 'h') {
            fputs(present_usage, stdout);
            return 0;
        } else if (c != 'd') {
            fputs(present_usage, stderr);
            return 2;
        }
    }
    if (optind + 1 != argc || disclose == NULL) {
        fputs(present_usage, stderr);
        return 2;
    }
    int status = 5;
    char *token = NULL, *names_buf = NULL, *pres = NULL;
    size_t token_len = 0, pres_len = 0;
    const char *names[YC_SDJWT_MAX_DISCLOSURES];
    size_t n_names = 0;
    yc_err rv = read_token(argv[optind], &token, &token_len);
    if (rv != YC_OK)
        goto out;
    names_buf = yc_alloc(strlen(disclose) + 1);
    if (names_buf == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    memcpy(names_buf, disclose, strlen(disclose) + 1);
    for (char *p = names_buf; p != NULL;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        if (*p == '\0' || n_names == YC_SDJWT_MAX_DISCLOSURES) {
            fprintf(stderr, "yrdcredit present: --disclose: empty name or too many names\n");
            status = 2;
            rv = YC_ERR_INVALID;
            goto out;
        }
        for (size_t k = 0; k < n_names; k++)
            if (strcmp(names[k], p) == 0) {
                fprintf(stderr, "yrdcredit present: --disclose: %s named twice\n", p);
                status = 2;
                rv = YC_ERR_INVALID;
                goto out;
            }
        names[n_names++] = p;
        p = comma != NULL ? comma + 1 : NULL;
    }
    rv = yc_sdjwt_present(token, token_len, names, n_names, &pres, &pres_len);
    if (rv == YC_ERR_NOT_FOUND) { /* name the claim: one name at a time */
        for (size_t k = 0; k < n_names; k++) {
            char *one = NULL;
            size_t one_len = 0;
            yc_err r1 = yc_sdjwt_present(token, token_len, &names[k], 1, &one, &one_len);
            yc_free(one);
            if (r1 == YC_ERR_NOT_FOUND) {
                fprintf(stderr, "yrdcredit present: %s is not a disclosable claim of this token\n",
                        names[k]);
                status = 3;
                break;
            }
        }
    } else if (rv == YC_ERR_INVALID) {
        fprintf(stderr, "yrdcredit present: not an SD-JWT (issuer JWT~disclosure~...~)\n");
        status = 2;
    }
    if (rv != YC_OK)
        goto out;
    fwrite(pres, 1, pres_len, stdout);
    fputc('\n', stdout);
    status = 0;
out:
    if (rv != YC_OK) {
        if (status == 5) {
            fprintf(stderr, "yrdcredit present: %s\n",
                    rv == YC_ERR_NOT_FOUND ? "a named claim is not disclosable" : yc_err_str(rv));
            status = yc_err_exit_code(rv);
        }
    }
    yc_free(pres);
    yc_free(names_buf);
    yc_free(token);
    return status;
}
