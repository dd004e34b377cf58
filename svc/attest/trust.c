/* The partner trust registry DATA/trust/partners.json (format: attest_verify.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/attest_verify.h"
#include "yrdcredit/fileio.h"
#include "yrdcredit/jose.h"

typedef struct trust_list {
    const char *uri;
    yc_status_list *list; /* NULL: missing or not verified */
    int64_t exp;          /* of a verified list */
} trust_list;

typedef struct trust_partner {
    yc_av_key keys[YC_TRUST_MAX_PINS];
    trust_list lists[YC_TRUST_MAX_STATUS_LISTS];
    size_t n_lists;
} trust_partner;

struct yc_trust {
    json_t *root; /* owns the strings the issuers point into */
    yc_av_issuer *issuers;
    trust_partner *partners;
    size_t n;
};

static _Thread_local char error_field[96];

const char *yc_trust_error_field(void)
{
    return error_field;
}

static yc_err fail_field(const char *what, size_t i, const char *field)
{
    if (i == SIZE_MAX)
        snprintf(error_field, sizeof error_field, "%s", what);
    else
        snprintf(error_field, sizeof error_field, "partners[%zu].%s", i, field);
    return YC_ERR_INVALID;
}

/* "DIR/trust/NAME" (name may be NULL: "DIR/trust"). */
static char *trust_path(const char *data_dir, const char *name)
{
    const size_t a = strlen(data_dir), b = name ? strlen(name) : 0;
    char *p = yc_alloc(a + b + 8);
    if (p == NULL)
        return NULL;
    memcpy(p, data_dir, a);
    memcpy(p + a, "/trust", 7);
    if (name != NULL) {
        p[a + 6] = '/';
        memcpy(p + a + 7, name, b + 1);
    }
    return p;
}

static bool plain_name(const char *s)
{
    return s != NULL && *s != '\0' && *s != '.' && strchr(s, '/') == NULL;
}

static bool is_thumbprint(const char *s)
{
    if (s == NULL || strlen(s) != YC_JWK_THUMBPRINT_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

/* An mTLS pin: canonical base64url (no padding) of a 32-byte SHA-256, 43 characters. */
static bool spki_pin_decode(const char *s, uint8_t out[YC_TRUST_SPKI_SHA256_BYTES])
{
    size_t n = 0;
    return s != NULL && strlen(s) == YC_TRUST_SPKI_PIN_LEN &&
           yc_b64url_decode(s, YC_TRUST_SPKI_PIN_LEN, out, YC_TRUST_SPKI_SHA256_BYTES, &n) ==
               YC_OK &&
           n == YC_TRUST_SPKI_SHA256_BYTES;
}

static bool nonempty_str(json_t *j)
{
    return json_is_string(j) && json_string_length(j) > 0 &&
           strlen(json_string_value(j)) == json_string_length(j);
}

/* Shape of the registry; every string a partner needs is checked here. */
static yc_err check_registry(json_t *root)
{
    error_field[0] = '\0';
    json_t *ps = json_object_get(root, "partners");
    if (!json_is_object(root) || !json_is_array(ps))
        return fail_field("partners", SIZE_MAX, NULL);
    if (json_array_size(ps) > YC_TRUST_MAX_PARTNERS)
        return fail_field("partners", SIZE_MAX, NULL);
    size_t i;
    json_t *p;
    json_array_foreach(ps, i, p)
    {
        if (!json_is_object(p))
            return fail_field("", i, "");
        static const char *const req[] = {"issuer", "city", "region", "jwks_url"};
        for (size_t r = 0; r < sizeof req / sizeof *req; r++)
            if (!nonempty_str(json_object_get(p, req[r])))
                return fail_field("", i, req[r]);
        const char *region = json_string_value(json_object_get(p, "region"));
        bool region_ok = strlen(region) == 6;
        for (size_t k = 0; region_ok && k < 6; k++)
            region_ok = region[k] >= '0' && region[k] <= '9';
        if (!region_ok)
            return fail_field("", i, "region");
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(ps, j), "issuer")),
                       json_string_value(json_object_get(p, "issuer"))) == 0)
                return fail_field("", i, "issuer");
        if (!plain_name(json_string_value(json_object_get(p, "jwks_file"))))
            return fail_field("", i, "jwks_file");
        json_t *cacert = json_object_get(p, "cacert");
        if (cacert != NULL && !nonempty_str(cacert))
            return fail_field("", i, "cacert");
        json_t *pins = json_object_get(p, "pins");
        if (!json_is_array(pins) || json_array_size(pins) == 0 ||
            json_array_size(pins) > YC_TRUST_MAX_PINS)
            return fail_field("", i, "pins");
        size_t k;
        json_t *pin;
        json_array_foreach(pins, k, pin)
        {
            if (!is_thumbprint(json_string_value(pin))) {
                char f[32];
                snprintf(f, sizeof f, "pins[%zu]", k);
                return fail_field("", i, f);
            }
        }
        json_t *mtls = json_object_get(p, "mtls_spki_sha256"); /* optional (issue 6 item 1) */
        if (mtls != NULL && (!json_is_array(mtls) || json_array_size(mtls) == 0 ||
                             json_array_size(mtls) > YC_TRUST_MAX_MTLS_PINS))
            return fail_field("", i, "mtls_spki_sha256");
        json_array_foreach(mtls, k, pin)
        {
            uint8_t d[YC_TRUST_SPKI_SHA256_BYTES];
            bool dup = false;
            for (size_t m = 0; m < k; m++)
                dup = dup || strcmp(json_string_value(json_array_get(mtls, m)),
                                    json_string_value(pin)) == 0;
            if (!spki_pin_decode(json_string_value(pin), d) || dup) {
                char f[40];
                snprintf(f, sizeof f, "mtls_spki_sha256[%zu]", k);
                return fail_field("", i, f);
            }
        }
        json_t *sls = json_object_get(p, "status_lists");
        if (sls == NULL)
            continue;
        if (!json_is_array(sls) || json_array_size(sls) > YC_TRUST_MAX_STATUS_LISTS)
            return fail_field("", i, "status_lists");
        json_t *sl;
        json_array_foreach(sls, k, sl)
        {
            char f[48];
            if (!nonempty_str(json_object_get(sl, "uri"))) {
                snprintf(f, sizeof f, "status_lists[%zu].uri", k);
                return fail_field("", i, f);
            }
            if (!plain_name(json_string_value(json_object_get(sl, "file")))) {
                snprintf(f, sizeof f, "status_lists[%zu].file", k);
                return fail_field("", i, f);
            }
        }
    }
    return YC_OK;
}

yc_err yc_trust_registry_read(const char *data_dir, json_t **ret)
{
    yc_err rv = YC_OK;
    char *buf = NULL;
    size_t len = 0;
    json_t *root = NULL;
    error_field[0] = '\0';
    char *path = trust_path(data_dir, "partners.json");
    YC_ENSURE(path != NULL, YC_ERR_NOMEM);
    rv = yc_file_read_all(path, YC_TRUST_MAX_REGISTRY_BYTES, &buf, &len);
    if (rv == YC_ERR_IO && errno == ENOENT) {
        root = json_pack("{s:[]}", "partners");
        rv = root ? YC_OK : YC_ERR_NOMEM;
        goto out;
    }
    if (rv != YC_OK) {
        snprintf(error_field, sizeof error_field, "partners.json");
        goto out;
    }
    const long fails = yc_alloc_failures();
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (root == NULL) {
        rv = yc_alloc_failures() != fails ? YC_ERR_NOMEM : fail_field("partners.json", SIZE_MAX, 0);
        goto out;
    }
    rv = check_registry(root);
out:
    if (rv == YC_OK)
        *ret = root;
    else
        json_decref(root);
    yc_free(buf);
    yc_free(path);
    return rv;
}

static yc_err status_lookup(void *ctx, const char *uri, uint64_t idx, unsigned *ret_status)
{
    const trust_partner *p = ctx;
    for (size_t i = 0; i < p->n_lists; i++) {
        if (strcmp(p->lists[i].uri, uri) != 0)
            continue;
        if (p->lists[i].list == NULL || idx > SIZE_MAX)
            return YC_ERR_NOT_FOUND;
        return yc_status_list_get(p->lists[i].list, (size_t)idx, ret_status);
    }
    return YC_ERR_NOT_FOUND;
}

/* Reads DIR/trust/NAME; *ret_buf NULL when the file does not exist. */
static yc_err read_optional(const char *data_dir, const char *name, char **ret_buf, size_t *ret_len)
{
    char *path = trust_path(data_dir, name);
    YC_ENSURE(path != NULL, YC_ERR_NOMEM);
    yc_err rv = yc_file_read_all(path, YC_TRUST_MAX_FILE_BYTES, ret_buf, ret_len);
    if (rv == YC_ERR_IO && errno == ENOENT) {
        *ret_buf = NULL;
        *ret_len = 0;
        rv = YC_OK;
    }
    yc_free(path);
    return rv;
}

static yc_err load_partner(const char *data_dir, int64_t now, json_t *pj, size_t i,
                           yc_av_issuer *is, trust_partner *tp)
{
    yc_err rv = YC_OK;
    char *buf = NULL;
    size_t len = 0;
    const char *pins[YC_TRUST_MAX_PINS];
    json_t *pa = json_object_get(pj, "pins");
    const size_t n_pins = json_array_size(pa);
    for (size_t k = 0; k < n_pins; k++)
        pins[k] = json_string_value(json_array_get(pa, k));
    *is = (yc_av_issuer){.iss = json_string_value(json_object_get(pj, "issuer")),
                         .city = json_string_value(json_object_get(pj, "city")),
                         .region = json_string_value(json_object_get(pj, "region")),
                         .keys = tp->keys,
                         .status = status_lookup,
                         .status_ctx = tp};
    rv = read_optional(data_dir, json_string_value(json_object_get(pj, "jwks_file")), &buf, &len);
    if (rv != YC_OK) {
        (void)fail_field("", i, "jwks_file");
        goto out;
    }
    if (buf != NULL) {
        rv = yc_av_jwks_keys(buf, len, pins, n_pins, tp->keys, YC_TRUST_MAX_PINS, &is->n_keys);
        if (rv == YC_ERR_INVALID)
            (void)fail_field("", i, "jwks_file");
        if (rv != YC_OK)
            goto out;
    }
    json_t *sls = json_object_get(pj, "status_lists");
    for (size_t k = 0; k < json_array_size(sls); k++) {
        json_t *sl = json_array_get(sls, k);
        trust_list *tl = &tp->lists[tp->n_lists++];
        tl->uri = json_string_value(json_object_get(sl, "uri"));
        yc_free(buf);
        buf = NULL;
        rv = read_optional(data_dir, json_string_value(json_object_get(sl, "file")), &buf, &len);
        if (rv == YC_ERR_NOMEM)
            goto out;
        if (rv != YC_OK || buf == NULL) {
            rv = YC_OK; /* unreadable or missing: status_unavailable */
            continue;
        }
        rv = yc_av_status_list_check(buf, len, tp->keys, is->n_keys, tl->uri, now, &tl->list, NULL,
                                     &tl->exp);
        if (rv == YC_ERR_NOMEM)
            goto out;
        rv = YC_OK; /* not verified: status_unavailable */
    }
out:
    yc_free(buf);
    return rv;
}

yc_err yc_trust_load(const char *data_dir, int64_t now, yc_trust **ret)
{
    yc_err rv = YC_OK;
    yc_trust *t = yc_calloc(1, sizeof *t);
    YC_ENSURE(t != NULL, YC_ERR_NOMEM);
    rv = yc_trust_registry_read(data_dir, &t->root);
    if (rv != YC_OK)
        goto out;
    json_t *ps = json_object_get(t->root, "partners");
    const size_t n = json_array_size(ps);
    t->issuers = yc_calloc(n, sizeof *t->issuers);
    t->partners = yc_calloc(n, sizeof *t->partners);
    if (t->issuers == NULL || t->partners == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        t->n = i + 1;
        rv = load_partner(data_dir, now, json_array_get(ps, i), i, &t->issuers[i], &t->partners[i]);
        if (rv != YC_OK)
            goto out;
    }
    *ret = t;
    t = NULL;
out:
    yc_trust_free(t);
    return rv;
}

size_t yc_trust_issuers(const yc_trust *t, const yc_av_issuer **ret)
{
    *ret = t->issuers;
    return t->n;
}

int64_t yc_trust_expires(const yc_trust *t)
{
    int64_t e = INT64_MAX;
    for (size_t i = 0; i < t->n; i++)
        for (size_t k = 0; k < t->partners[i].n_lists; k++)
            if (t->partners[i].lists[k].list != NULL && t->partners[i].lists[k].exp < e)
                e = t->partners[i].lists[k].exp;
    return e;
}

void yc_trust_free(yc_trust *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        for (size_t k = 0; k < t->partners[i].n_lists; k++)
            yc_status_list_free(t->partners[i].lists[k].list);
    yc_free(t->partners);
    yc_free(t->issuers);
    json_decref(t->root);
    yc_free(t);
}

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211u;
    }
    return h;
}

static yc_err stamp_file(const char *data_dir, const char *name, uint64_t *h)
{
    char *path = trust_path(data_dir, name);
    YC_ENSURE(path != NULL, YC_ERR_NOMEM);
    struct stat st;
    int64_t f[5] = {0};
    if (stat(path, &st) == 0) {
        f[0] = (int64_t)st.st_mtim.tv_sec;
        f[1] = (int64_t)st.st_mtim.tv_nsec;
        f[2] = (int64_t)st.st_size;
        f[3] = (int64_t)st.st_ino;
        f[4] = 1;
    }
    *h = fnv(*h, name, strlen(name) + 1);
    *h = fnv(*h, f, sizeof f);
    yc_free(path);
    return YC_OK;
}

yc_err yc_trust_stamp(const char *data_dir, uint64_t *ret)
{
    uint64_t h = 14695981039346656037u;
    YC_TRY(stamp_file(data_dir, "partners.json", &h));
    json_t *root = NULL;
    if (yc_trust_registry_read(data_dir, &root) != YC_OK) {
        *ret = h; /* a broken registry still changes the stamp when partners.json changes */
        return YC_OK;
    }
    yc_err rv = YC_OK;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(root, "partners"), i, p)
    {
        rv = stamp_file(data_dir, json_string_value(json_object_get(p, "jwks_file")), &h);
        size_t k;
        json_t *sl;
        json_array_foreach(json_object_get(p, "status_lists"), k, sl)
        {
            if (rv == YC_OK)
                rv = stamp_file(data_dir, json_string_value(json_object_get(sl, "file")), &h);
        }
        if (rv != YC_OK)
            break;
    }
    json_decref(root);
    if (rv == YC_OK)
        *ret = h;
    return rv;
}

yc_err yc_trust_write_file(const char *data_dir, const char *name, const char *data, size_t len)
{
    YC_ENSURE(plain_name(name), YC_ERR_INVALID);
    yc_err rv = YC_OK;
    int fd = -1;
    char *dir = trust_path(data_dir, NULL);
    char *path = trust_path(data_dir, name);
    char *tmp = yc_alloc(path ? strlen(path) + 5 : 1);
    if (dir == NULL || path == NULL || tmp == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    memcpy(tmp, path, strlen(path));
    memcpy(tmp + strlen(path), ".tmp", 5);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rv = YC_ERR_IO;
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        rv = YC_ERR_IO;
        goto out;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rv = YC_ERR_IO;
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        rv = YC_ERR_IO;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rv = YC_ERR_IO;
        goto out;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        rv = YC_ERR_IO;
    if (dfd >= 0)
        (void)close(dfd);
out:
    if (fd >= 0) {
        (void)close(fd);
        (void)unlink(tmp);
    } else if (rv != YC_OK && tmp != NULL) {
        (void)unlink(tmp);
    }
    yc_free(tmp);
    yc_free(path);
    yc_free(dir);
    return rv;
}

/* ---- mutual TLS pins (issue 6 item 1) ---- */

typedef struct mtls_partner {
    const char *issuer; /* points into the registry JSON */
    size_t n_pins;
    uint8_t pins[YC_TRUST_MAX_MTLS_PINS][YC_TRUST_SPKI_SHA256_BYTES];
} mtls_partner;

struct yc_trust_mtls {
    json_t *root;
    mtls_partner *v;
    size_t n;
};

yc_err yc_trust_mtls_load(const char *data_dir, yc_trust_mtls **ret)
{
    yc_err rv = YC_OK;
    yc_trust_mtls *m = yc_calloc(1, sizeof *m);
    YC_ENSURE(m != NULL, YC_ERR_NOMEM);
    rv = yc_trust_registry_read(data_dir, &m->root);
    if (rv != YC_OK)
        goto out;
    json_t *ps = json_object_get(m->root, "partners");
    m->v = yc_calloc(json_array_size(ps) + 1, sizeof *m->v);
    if (m->v == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    size_t i;
    json_t *p;
    json_array_foreach(ps, i, p)
    {
        mtls_partner *mp = &m->v[m->n++];
        mp->issuer = json_string_value(json_object_get(p, "issuer"));
        json_t *pins = json_object_get(p, "mtls_spki_sha256");
        for (size_t k = 0; k < json_array_size(pins); k++) /* checked by the registry read */
            if (spki_pin_decode(json_string_value(json_array_get(pins, k)), mp->pins[mp->n_pins]))
                mp->n_pins++;
    }
    *ret = m;
    m = NULL;
out:
    yc_trust_mtls_free(m);
    return rv;
}

yc_trust_mtls_verdict yc_trust_mtls_check(const yc_trust_mtls *m, const char *issuer,
                                          const uint8_t *spki_sha256)
{
    for (size_t i = 0; i < m->n; i++) {
        const mtls_partner *mp = &m->v[i];
        if (strcmp(mp->issuer, issuer) != 0)
            continue;
        if (mp->n_pins == 0)
            return YC_TRUST_MTLS_NOT_REQUIRED;
        if (spki_sha256 == NULL)
            return YC_TRUST_MTLS_NO_CERT;
        for (size_t k = 0; k < mp->n_pins; k++)
            if (memcmp(mp->pins[k], spki_sha256, YC_TRUST_SPKI_SHA256_BYTES) == 0)
                return YC_TRUST_MTLS_PINNED;
        return YC_TRUST_MTLS_WRONG_CERT;
    }
    return YC_TRUST_MTLS_UNKNOWN_ISSUER;
}

void yc_trust_mtls_free(yc_trust_mtls *m)
{
    if (m == NULL)
        return;
    json_decref(m->root);
    yc_free(m->v);
    yc_free(m);
}

yc_err yc_trust_mtls_stamp(const char *data_dir, uint64_t *ret)
{
    uint64_t h = 14695981039346656037u;
    YC_TRY(stamp_file(data_dir, "partners.json", &h));
    *ret = h;
    return YC_OK;
}
