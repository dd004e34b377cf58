/* The CLI command trust add|list|remove|refresh: the partner trust registry
 * DATA/trust/partners.json (format: include/yrdcredit/attest_verify.h). */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/attest_verify.h"
#include "yrdcredit/config.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/jose.h"

static const char trust_usage[] =
    "usage: yrdcredit [--data DIR] trust add --issuer URL --city NAME --region CODE\n"
    "                                 --pin THUMBPRINT... --jwks-url URL\n"
    "                                 [--status-list-url URL]... [--cacert FILE]\n"
    "                                 [--mtls-spki HASH]...\n"
    "       yrdcredit [--data DIR] trust mtls ISSUER [HASH]...\n"
    "       yrdcredit [--data DIR] trust list\n"
    "       yrdcredit [--data DIR] trust remove ISSUER\n"
    "       yrdcredit [--data DIR] trust refresh [ISSUER]\n"
    "Manage the partner trust registry DATA/trust/partners.json.  refresh downloads each\n"
    "partner's JWKS and status lists over HTTP/2 (TLS verified; --cacert for a private CA),\n"
    "and replaces the local copies only when the JWKS holds a pinned key and every status\n"
    "list verifies with the pinned keys.\n"
    "--mtls-spki pins a TLS client certificate of the partner (at most 8): HASH is the\n"
    "base64url (no padding, 43 characters) of the SHA-256 of its DER SubjectPublicKeyInfo;\n"
    "`trust mtls ISSUER HASH...` replaces the pins, `trust mtls ISSUER` removes them.  Partner\n"
    "clients bound to the issuer (`clients add --issuer`) must then present a pinned\n"
    "certificate over TLS (docs/mtls.md); the running server sees the change within 1 s.\n"
    "add, mtls, remove and refresh then append an entry to the audit log (`yrdcredit audit`): ok,\n"
    "or refused when refused or failed after the arguments were accepted; exit 4 if that\n"
    "entry cannot be written.\n"
    "Exit status: 0 ok; 2 usage, invalid input or a refused download; 3 unknown issuer;\n"
    "4 I/O or network error; 5 other failure.\n";

#define CLI_TRUST_MAX_PINS YC_TRUST_MAX_PINS

/* A file name derived from a URL: 16 characters of its SHA-256 digest (base64url) + suffix. */
static yc_err derived_name(const char *url, const char *suffix, char *ret, size_t cap)
{
    char d[YC_SDJWT_DIGEST_LEN + 1];
    YC_TRY(yc_sdjwt_disclosure_digest(url, strlen(url), d));
    d[16] = '\0';
    /* base64url may start with '-'; prefix a letter so the name is always plain */
    YC_ENSURE((size_t)snprintf(ret, cap, "p%s%s", d, suffix) < cap, YC_ERR_INTERNAL);
    return YC_OK;
}

static bool http_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* Text without C0 control characters or DEL (a partner's name goes into answers and logs). */
static bool printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* An issuer is compared with the tokens' iss byte for byte: an http(s) URL with a host and
 * without a trailing '/', query, fragment, space or control character (SD-JWT VC issuer
 * metadata), not this instance's own issuer, a 6-digit 行政区划代码 and a printable city.
 * Prints what is wrong; false then. */
static bool add_args_ok(const char *data_dir, const char *issuer, const char *city,
                        const char *region)
{
    const char *host = strstr(issuer, "://");
    size_t len = strlen(issuer);
    bool ok = host != NULL && host[3] != '\0' && host[3] != '/' && issuer[len - 1] != '/' &&
              len <= YC_CONFIG_ISSUER_MAX && printable(issuer) && strpbrk(issuer, " ?#") == NULL;
    if (!ok) {
        fprintf(stderr,
                "yrdcredit trust add: --issuer must be the partner's exact iss: an http(s) URL "
                "with a host, at most %d bytes, without a trailing '/', '?', '#' or spaces\n",
                YC_CONFIG_ISSUER_MAX);
        return false;
    }
    yc_config cfg;
    if (yc_config_load(data_dir, &cfg, NULL) == YC_OK && strcmp(cfg.attest.issuer, issuer) == 0) {
        fprintf(stderr,
                "yrdcredit trust add: %s is this instance's own issuer (attest.issuer), "
                "not a partner\n",
                issuer);
        return false;
    }
    if (!yc_region_is_valid(region, strlen(region))) {
        fprintf(stderr, "yrdcredit trust add: --region must be a 6-digit GB/T 2260 行政区划代码 "
                        "(e.g. 330100 for Hangzhou)\n");
        return false;
    }
    if (city[0] == '\0' || strlen(city) > YC_CONFIG_CITY_MAX || !printable(city)) {
        fprintf(stderr, "yrdcredit trust add: --city must be 1..%d bytes of printable UTF-8\n",
                YC_CONFIG_CITY_MAX);
        return false;
    }
    return true;
}

static int save_registry(const char *data_dir, json_t *root)
{
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    if (s == NULL)
        return 5;
    size_t len = strlen(s);
    char *t = yc_realloc(s, len + 2);
    if (t == NULL) {
        yc_free(s);
        return 5;
    }
    t[len++] = '\n';
    yc_err rv = yc_trust_write_file(data_dir, "partners.json", t, len);
    yc_free(t);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit trust: %s/trust/partners.json: %s\n", data_dir, yc_err_str(rv));
        return yc_err_exit_code(rv);
    }
    return 0;
}

static int registry_open(const char *data_dir, json_t **ret)
{
    yc_err rv = yc_trust_registry_read(data_dir, ret);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit trust: %s/trust/partners.json: %s: %s\n", data_dir,
                yc_trust_error_field(), yc_err_str(rv));
        return yc_err_exit_code(rv);
    }
    return 0;
}

static json_t *find_partner(json_t *root, const char *issuer, size_t *ret_index)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(root, "partners"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "issuer")), issuer) == 0) {
            if (ret_index != NULL)
                *ret_index = i;
            return p;
        }
    }
    return NULL;
}

/* An mTLS pin (docs/mtls.md): base64url of 32 bytes, 43 characters; prints what is wrong. */
static bool mtls_pin_arg_ok(const char *s)
{
    uint8_t d[YC_TRUST_SPKI_SHA256_BYTES];
    size_t n = 0;
    if (strlen(s) == YC_TRUST_SPKI_PIN_LEN &&
        yc_b64url_decode(s, YC_TRUST_SPKI_PIN_LEN, d, sizeof d, &n) == YC_OK && n == sizeof d)
        return true;
    fprintf(stderr,
            "yrdcredit trust: %s is not an SPKI pin: base64url of the SHA-256 of the "
            "certificate's DER SubjectPublicKeyInfo, %d characters without '='\n",
            s, YC_TRUST_SPKI_PIN_LEN);
    return false;
}

/* `trust mtls ISSUER [HASH]...`: replace (or with no HASH, remove) the partner's mTLS pins. */
static int trust_mtls(const char *data_dir, int argc, char **argv)
{
    if (argc < 2 || argc - 2 > YC_TRUST_MAX_MTLS_PINS) {
        fputs(trust_usage, stderr);
        return 2;
    }
    const char *issuer = argv[1];
    for (int i = 2; i < argc; i++) {
        if (!mtls_pin_arg_ok(argv[i]))
            return 2; /* invalid input: nothing to audit */
        for (int k = 2; k < i; k++)
            if (strcmp(argv[k], argv[i]) == 0) {
                fprintf(stderr, "yrdcredit trust mtls: %s given twice\n", argv[i]);
                return 2;
            }
    }
    json_t *pins = json_array();
    json_t *root = NULL;
    int status = pins == NULL ? 5 : 0;
    for (int i = 2; status == 0 && i < argc; i++)
        if (json_array_append_new(pins, json_string(argv[i])) != 0)
            status = 5;
    if (status == 0)
        status = registry_open(data_dir, &root);
    json_t *p = status == 0 ? find_partner(root, issuer, NULL) : NULL;
    if (status == 0 && p == NULL) {
        fprintf(stderr, "yrdcredit trust mtls: %s is not a partner\n", issuer);
        status = 3;
    }
    if (status == 0) {
        if (json_array_size(pins) == 0)
            (void)json_object_del(p, "mtls_spki_sha256"); /* -1 when there was none: fine */
        else if (json_object_set(p, "mtls_spki_sha256", pins) != 0)
            status = 5;
    }
    if (status == 0)
        status = save_registry(data_dir, root);
    const size_t n = json_array_size(pins);
    if (status == 0)
        printf("%s: %zu mTLS pin(s)\n", issuer, n);
    json_decref(pins);
    json_decref(root);
    char detail[64];
    if (status == 0)
        (void)snprintf(detail, sizeof detail, "mtls_pins=%zu", n);
    else
        (void)snprintf(detail, sizeof detail, "mtls: exit %d", status);
    return cli_audit_record(data_dir, YC_AUDIT_TRUST_ADD, issuer, status == 0, detail, status);
}

static int trust_add(const char *data_dir, int argc, char **argv)
{
    static const struct option opts[] = {{"issuer", required_argument, NULL, 'i'},
                                         {"city", required_argument, NULL, 'c'},
                                         {"region", required_argument, NULL, 'r'},
                                         {"pin", required_argument, NULL, 'p'},
                                         {"jwks-url", required_argument, NULL, 'j'},
                                         {"status-list-url", required_argument, NULL, 's'},
                                         {"cacert", required_argument, NULL, 'C'},
                                         {"mtls-spki", required_argument, NULL, 'm'},
                                         {NULL, 0, NULL, 0}};
    const char *issuer = NULL, *city = NULL, *region = NULL, *jwks_url = NULL, *cacert = NULL;
    char *abs_cacert = NULL; /* realpath(): malloc'd, released with yc_free (alloc.h) */
    int status = 2, c;
    bool attempted = false;
    const char *why = NULL;
    json_t *root = NULL, *pins = json_array(), *lists = json_array(), *mtls = json_array();
    if (pins == NULL || lists == NULL || mtls == NULL) {
        status = 5;
        goto out;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        char name[64];
        switch (c) {
        case 'i':
            issuer = optarg;
            break;
        case 'c':
            city = optarg;
            break;
        case 'r':
            region = optarg;
            break;
        case 'j':
            jwks_url = optarg;
            break;
        case 'C':
            cacert = optarg;
            break;
        case 'p':
            if (json_array_append_new(pins, json_string(optarg)) != 0)
                goto usage;
            break;
        case 'm':
            if (!mtls_pin_arg_ok(optarg) || json_array_append_new(mtls, json_string(optarg)) != 0)
                goto usage;
            break;
        case 's':
            if (!http_url(optarg) ||
                derived_name(optarg, ".statuslist.jwt", name, sizeof name) != YC_OK ||
                json_array_append_new(lists, json_pack("{s:s,s:s}", "uri", optarg, "file", name)) !=
                    0)
                goto usage;
            break;
        default:
            goto usage;
        }
    }
    if (optind != argc || issuer == NULL || city == NULL || region == NULL || jwks_url == NULL ||
        json_array_size(pins) == 0 || !http_url(issuer) || !http_url(jwks_url))
        goto usage;
    if (!add_args_ok(data_dir, issuer, city, region)) {
        status = 2;
        goto out;
    }
    if (cacert != NULL) { /* stored absolute: refresh may run from another directory */
        abs_cacert = access(cacert, R_OK) == 0 ? realpath(cacert, NULL) : NULL;
        if (abs_cacert == NULL) {
            fprintf(stderr, "yrdcredit trust add: --cacert %s: %s\n", cacert, strerror(errno));
            status = 2;
            goto out;
        }
        cacert = abs_cacert;
    }
    attempted = true; /* the arguments are accepted: the outcome goes to the audit log */
    status = registry_open(data_dir, &root);
    if (status != 0)
        goto out;
    if (find_partner(root, issuer, NULL) != NULL) {
        fprintf(stderr, "yrdcredit trust add: %s is already a partner (remove it first)\n", issuer);
        why = "already a partner";
        status = 2;
        goto out;
    }
    char jname[64];
    if (derived_name(issuer, ".jwks.json", jname, sizeof jname) != YC_OK) {
        status = 5;
        goto out;
    }
    json_t *p =
        json_pack("{s:s,s:s,s:s,s:O,s:s,s:s,s:O}", "issuer", issuer, "city", city, "region", region,
                  "pins", pins, "jwks_url", jwks_url, "jwks_file", jname, "status_lists", lists);
    if (p == NULL || (cacert != NULL && json_object_set_new(p, "cacert", json_string(cacert))) ||
        (json_array_size(mtls) > 0 && json_object_set(p, "mtls_spki_sha256", mtls) != 0) ||
        json_array_append_new(json_object_get(root, "partners"), p) != 0) {
        status = 2; /* json_string/json_pack fail on invalid UTF-8 too */
        fprintf(stderr, "yrdcredit trust add: invalid argument (UTF-8?)\n");
        goto out;
    }
    status = save_registry(data_dir, root);
    if (status == 0) {
        json_t *chk = NULL;
        if (yc_trust_registry_read(data_dir, &chk) != YC_OK) {
            /* roll back: keep the registry loadable */
            json_array_remove(json_object_get(root, "partners"),
                              json_array_size(json_object_get(root, "partners")) - 1);
            fprintf(stderr, "yrdcredit trust add: %s: invalid\n", yc_trust_error_field());
            (void)save_registry(data_dir, root);
            status = 2;
        }
        json_decref(chk);
    }
    if (status == 0)
        printf("added %s (run `yrdcredit trust refresh` to fetch its keys)\n", issuer);
    goto out;
usage:
    fputs(trust_usage, stderr);
    status = 2;
out:
    yc_free(abs_cacert);
    json_decref(root);
    json_decref(pins);
    json_decref(lists);
    const size_t n_mtls = json_array_size(mtls);
    json_decref(mtls);
    if (!attempted)
        return status;
    char detail[64];
    if (status == 0)
        (void)snprintf(detail, sizeof detail, "region=%s mtls_pins=%zu", region, n_mtls);
    else if (why != NULL)
        (void)snprintf(detail, sizeof detail, "%s", why);
    else
        (void)snprintf(detail, sizeof detail, "exit %d", status);
    return cli_audit_record(data_dir, YC_AUDIT_TRUST_ADD, issuer, status == 0, detail, status);
}

static int trust_list(const char *data_dir)
{
    json_t *root = NULL;
    yc_trust *t = NULL;
    int status = registry_open(data_dir, &root);
    if (status != 0)
        return status;
    yc_err rv = yc_trust_load(data_dir, (int64_t)time(NULL), &t);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit trust list: %s: %s\n", yc_trust_error_field(), yc_err_str(rv));
        json_decref(root);
        return yc_err_exit_code(rv);
    }
    const yc_av_issuer *is = NULL;
    const size_t n = yc_trust_issuers(t, &is);
    status = 5;
    for (size_t i = 0; i < n; i++) {
        json_t *p = find_partner(root, is[i].iss, NULL);
        json_t *kids = json_array();
        if (p == NULL || kids == NULL || json_object_set_new(p, "trusted_kids", kids) != 0)
            goto out;
        for (size_t k = 0; k < is[i].n_keys; k++)
            if (json_array_append_new(kids, json_string(is[i].keys[k].kid)) != 0)
                goto out;
        size_t j;
        json_t *sl;
        json_array_foreach(json_object_get(p, "status_lists"), j, sl)
        {
            unsigned s = 0;
            const bool ok =
                is[i].status(is[i].status_ctx, json_string_value(json_object_get(sl, "uri")), 0,
                             &s) == YC_OK;
            if (json_object_set_new(sl, "verified", json_boolean(ok)) != 0)
                goto out;
        }
    }
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    if (s != NULL) {
        printf("%s\n", s);
        yc_free(s);
        status = 0;
    }
out:
    yc_trust_free(t);
    json_decref(root);
    return status;
}

static void unlink_trust_file(const char *data_dir, const char *name)
{
    char path[4096];
    if (name != NULL &&
        (size_t)snprintf(path, sizeof path, "%s/trust/%s", data_dir, name) < sizeof path)
        (void)unlink(path);
}

static int trust_remove(const char *data_dir, const char *issuer)
{
    json_t *root = NULL;
    int status = registry_open(data_dir, &root);
    if (status != 0)
        return status;
    size_t idx = 0;
    json_t *p = find_partner(root, issuer, &idx);
    if (p == NULL) {
        fprintf(stderr, "yrdcredit trust remove: %s is not a partner\n", issuer);
        json_decref(root);
        return 3;
    }
    json_incref(p);
    json_array_remove(json_object_get(root, "partners"), idx);
    status = save_registry(data_dir, root);
    if (status == 0) {
        unlink_trust_file(data_dir, json_string_value(json_object_get(p, "jwks_file")));
        size_t k;
        json_t *sl;
        json_array_foreach(json_object_get(p, "status_lists"), k, sl)
            unlink_trust_file(data_dir, json_string_value(json_object_get(sl, "file")));
        printf("removed %s\n", issuer);
    }
    json_decref(p);
    json_decref(root);
    return status;
}

/* ---- refresh ---- */

typedef struct cli_body {
    char *buf;
    size_t len;
    bool too_large;
} cli_body;

static size_t body_write(char *data, size_t size, size_t n, void *ctx)
{
    cli_body *b = ctx;
    const size_t add = size * n;
    if (add > YC_TRUST_MAX_FILE_BYTES - b->len) {
        b->too_large = true;
        return 0;
    }
    char *nb = yc_realloc(b->buf, b->len + add + 1);
    if (nb == NULL)
        return 0;
    memcpy(nb + b->len, data, add);
    b->buf = nb;
    b->len += add;
    b->buf[b->len] = '\0';
    return add;
}

/* GET url over HTTP/2; a 200 body of at most 1 MiB. */
static yc_err fetch(const char *url, const char *cacert, const char *accept, cli_body *ret)
{
    yc_err rv = YC_ERR_IO;
    cli_body b = {.buf = NULL};
    struct curl_slist *hdr = NULL;
    CURL *h = curl_easy_init();
    if (h == NULL)
        return YC_ERR_NOMEM;
    char ah[128];
    snprintf(ah, sizeof ah, "Accept: %s", accept);
    hdr = curl_slist_append(NULL, ah);
    const bool tls = strncmp(url, "https://", 8) == 0;
    long code = 0;
    if (hdr == NULL || curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                         tls ? (long)CURL_HTTP_VERSION_2TLS
                             : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
        (cacert != NULL && curl_easy_setopt(h, CURLOPT_CAINFO, cacert) != CURLE_OK) ||
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)YC_TRUST_MAX_FILE_BYTES) !=
            CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b) != CURLE_OK) {
        rv = YC_ERR_INTERNAL;
        goto out;
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        fprintf(stderr, "yrdcredit trust refresh: %s: %s\n", url,
                b.too_large ? "larger than 1 MiB" : curl_easy_strerror(cc));
        rv = b.too_large || cc == CURLE_FILESIZE_EXCEEDED ? YC_ERR_TOO_LARGE : YC_ERR_IO;
        goto out;
    }
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) {
        fprintf(stderr, "yrdcredit trust refresh: %s: HTTP status %ld\n", url, code);
        goto out;
    }
    if (b.buf == NULL) {
        b.buf = yc_alloc(1);
        if (b.buf == NULL) {
            rv = YC_ERR_NOMEM;
            goto out;
        }
        b.buf[0] = '\0';
    }
    *ret = b;
    b.buf = NULL;
    rv = YC_OK;
out:
    yc_free(b.buf);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return rv;
}

/* Fetch, validate, then (only if everything is valid) replace the partner's files. */
static int refresh_partner(const char *data_dir, json_t *p, int64_t now)
{
    const char *issuer = json_string_value(json_object_get(p, "issuer"));
    const char *cacert = json_string_value(json_object_get(p, "cacert"));
    json_t *sls = json_object_get(p, "status_lists");
    const size_t n_lists = json_array_size(sls);
    cli_body jwks = {.buf = NULL};
    cli_body bodies[YC_TRUST_MAX_STATUS_LISTS] = {{.buf = NULL}};
    const char *pins[YC_TRUST_MAX_PINS];
    yc_av_key keys[YC_TRUST_MAX_PINS];
    size_t n_keys = 0;
    int status = 0;
    json_t *pa = json_object_get(p, "pins");
    for (size_t k = 0; k < json_array_size(pa); k++)
        pins[k] = json_string_value(json_array_get(pa, k));
    yc_err rv = fetch(json_string_value(json_object_get(p, "jwks_url")), cacert,
                      "application/jwk-set+json, application/json", &jwks);
    if (rv != YC_OK)
        goto out;
    rv = yc_av_jwks_keys(jwks.buf, jwks.len, pins, json_array_size(pa), keys, YC_TRUST_MAX_PINS,
                         &n_keys);
    if (rv != YC_OK || n_keys == 0) {
        fprintf(stderr, "yrdcredit trust refresh: %s: JWKS %s, refused; old files kept\n", issuer,
                rv != YC_OK ? "malformed" : "holds no pinned key");
        rv = rv == YC_ERR_NOMEM ? rv : YC_ERR_INVALID;
        goto out;
    }
    for (size_t k = 0; k < n_lists; k++) {
        const char *uri = json_string_value(json_object_get(json_array_get(sls, k), "uri"));
        rv = fetch(uri, cacert, "application/statuslist+jwt", &bodies[k]);
        if (rv != YC_OK)
            goto out;
        yc_status_list *l = NULL;
        rv = yc_av_status_list_check(bodies[k].buf, bodies[k].len, keys, n_keys, uri, now, &l, NULL,
                                     NULL);
        yc_status_list_free(l);
        if (rv != YC_OK) {
            fprintf(stderr,
                    "yrdcredit trust refresh: %s: status list %s does not verify with the "
                    "pinned keys, or its sub is not this URL (a list's URL must be the uri its "
                    "tokens name), or it has expired; refused, old files kept\n",
                    issuer, uri);
            rv = rv == YC_ERR_NOMEM ? rv : YC_ERR_INVALID;
            goto out;
        }
    }
    /* everything verified: replace (status lists first, the JWKS last) */
    for (size_t k = 0; k < n_lists && rv == YC_OK; k++)
        rv = yc_trust_write_file(data_dir,
                                 json_string_value(json_object_get(json_array_get(sls, k), "file")),
                                 bodies[k].buf, bodies[k].len);
    if (rv == YC_OK)
        rv = yc_trust_write_file(data_dir, json_string_value(json_object_get(p, "jwks_file")),
                                 jwks.buf, jwks.len);
    if (rv != YC_OK)
        fprintf(stderr, "yrdcredit trust refresh: %s: writing: %s\n", issuer, yc_err_str(rv));
    else
        printf("refreshed %s: %zu pinned key(s), %zu status list(s)\n", issuer, n_keys, n_lists);
out:
    if (rv != YC_OK)
        status = yc_err_exit_code(rv);
    yc_free(jwks.buf);
    for (size_t k = 0; k < n_lists; k++)
        yc_free(bodies[k].buf);
    return status;
}

static int trust_refresh(const char *data_dir, const char *issuer)
{
    json_t *root = NULL;
    int status = registry_open(data_dir, &root);
    if (status != 0)
        return status;
    if (issuer != NULL && find_partner(root, issuer, NULL) == NULL) {
        fprintf(stderr, "yrdcredit trust refresh: %s is not a partner\n", issuer);
        json_decref(root);
        return 3;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        json_decref(root);
        return 5;
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(root, "partners"), i, p)
    {
        if (issuer != NULL && strcmp(json_string_value(json_object_get(p, "issuer")), issuer) != 0)
            continue;
        const int s = refresh_partner(data_dir, p, (int64_t)time(NULL));
        if (s != 0 && status == 0)
            status = s;
    }
    curl_global_cleanup();
    json_decref(root);
    return status;
}

int cli_trust(int argc, char **argv)
{
    int i = 1;
    const char *data_opt = NULL;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(trust_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data_opt = argv[i + 1];
            i += 2;
        } else {
            fputs(trust_usage, stderr);
            return 2;
        }
    }
    if (i >= argc) {
        fputs(trust_usage, stderr);
        return 2;
    }
    const char *data_dir = cli_data_dir(data_opt);
    const char *sub = argv[i];
    const int rest = argc - i;
    char **rargv = argv + i;
    if (strcmp(sub, "add") == 0)
        return trust_add(data_dir, rest, rargv);
    if (strcmp(sub, "mtls") == 0)
        return trust_mtls(data_dir, rest, rargv);
    if (strcmp(sub, "list") == 0 && rest == 1)
        return trust_list(data_dir);
    if (strcmp(sub, "remove") == 0 && rest == 2) {
        const int st = trust_remove(data_dir, rargv[1]);
        char detail[32] = "not a partner";
        if (st != 3)
            (void)snprintf(detail, sizeof detail, "exit %d", st);
        return cli_audit_record(data_dir, YC_AUDIT_TRUST_REMOVE, rargv[1], st == 0,
                                st == 0 ? "" : detail, st);
    }
    if (strcmp(sub, "refresh") == 0 && rest <= 2) {
        const int st = trust_refresh(data_dir, rest == 2 ? rargv[1] : NULL);
        char detail[32] = "not a partner";
        if (st != 3)
            (void)snprintf(detail, sizeof detail, "exit %d", st);
        return cli_audit_record(data_dir, YC_AUDIT_TRUST_REFRESH, rest == 2 ? rargv[1] : "",
                                st == 0, st == 0 ? (rest == 2 ? "" : "all partners") : detail, st);
    }
    fputs(trust_usage, stderr);
    return 2;
}
