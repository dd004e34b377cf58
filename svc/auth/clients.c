/* The client registry DATA/clients.json (format and contract: include/yrdcredit/clients.h). */
#include "yrdcredit/clients.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/fileio.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/jose.h"

#define CL_PATH_MAX        4096
#define CL_RANDOM_ID_BYTES 12
#define CL_TOKEN_BYTES     32

struct yc_clients {
    size_t n;
    yc_client *v;
    const yc_client **order; /* the clients sorted by token_hash */
    yc_crypto_key *key;      /* NULL when there is no key file (then there are no clients) */
};

static _Thread_local char error_field[96];

const char *yc_clients_error_field(void)
{
    return error_field;
}

static void set_field(const char *what, size_t i, const char *field, size_t k)
{
    if (field == NULL)
        snprintf(error_field, sizeof error_field, "%s", what);
    else if (k == SIZE_MAX)
        snprintf(error_field, sizeof error_field, "clients[%zu].%s", i, field);
    else
        snprintf(error_field, sizeof error_field, "clients[%zu].%s[%zu]", i, field, k);
}

static const char *const role_names[] = {"admin", "provider", "partner", "fi", "subject"};

const char *yc_client_role_str(yc_client_role role)
{
    if ((unsigned)role < sizeof role_names / sizeof role_names[0])
        return role_names[role];
    return "unknown";
}

yc_err yc_client_role_parse(const char *s, yc_client_role *ret)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *ret = (yc_client_role)i;
            return YC_OK;
        }
    }
    return YC_ERR_INVALID;
}

static yc_err path_of(char ret[static CL_PATH_MAX], const char *data_dir, const char *name)
{
    int n = snprintf(ret, CL_PATH_MAX, "%s/%s", data_dir, name);
    YC_ENSURE(n > 0 && n < CL_PATH_MAX, YC_ERR_INVALID);
    return YC_OK;
}

/* ---- checks shared by the parser and yc_clients_add() ---- */

static bool b64url_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

static bool id_ok(const char *s, size_t len)
{
    if (len != YC_CLIENT_ID_LEN || memcmp(s, "cl_", 3) != 0)
        return false;
    for (size_t i = 3; i < len; i++)
        if (!b64url_char(s[i]))
            return false;
    return true;
}

/* 1..YC_CLIENT_NAME_MAX bytes without C0 controls or DEL (UTF-8 is checked by Jansson for the
 * file and by the caller's yc_clients_add() check below). */
static bool utf8_ok(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1fu;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0fu;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

static bool name_ok(const char *s, size_t len)
{
    if (len == 0 || len > YC_CLIENT_NAME_MAX || !utf8_ok((const unsigned char *)s, len))
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static bool uscc_ok(const char *s, size_t len)
{
    return len == YC_CLIENT_USCC_LEN && yc_uscc_is_valid(s, len, NULL);
}

static bool subject_ok(const char *s, size_t len)
{
    return len <= YC_CLIENT_SUBJECT_MAX && yc_subject_id_is_valid(s, len);
}

/* A partner's issuer (its trust-registry entry, for mTLS pinning): an http(s) URL of
 * 1..YC_CLIENT_ISSUER_MAX bytes of 0x21..0x7e with a host, compared byte for byte. */
static bool issuer_ok(const char *s, size_t len)
{
    if (len == 0 || len > YC_CLIENT_ISSUER_MAX || strlen(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    const size_t skip = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;
    return skip != 0 && len > skip && s[skip] != '/';
}

/* ---- snapshot ---- */

void yc_clients_free(yc_clients *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        yc_free(c->v[i].authorities);
        yc_free(c->v[i].issuer);
    }
    yc_free(c->v);
    yc_free(c->order);
    yc_crypto_key_free(c->key);
    yc_free(c);
}

size_t yc_clients_count(const yc_clients *c)
{
    return c->n;
}

const yc_client *yc_clients_at(const yc_clients *c, size_t i)
{
    return &c->v[i];
}

static yc_client *find_mut(yc_clients *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].id, id) == 0)
            return &c->v[i];
    return NULL;
}

const yc_client *yc_clients_find(const yc_clients *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].id, id) == 0)
            return &c->v[i];
    return NULL;
}

static int hash_cmp(const uint8_t *a, const uint8_t *b)
{
    for (size_t i = 0; i < YC_KEYED_HASH_BYTES; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static int order_by_hash(const void *a, const void *b)
{
    const yc_client *x = *(const yc_client *const *)a, *y = *(const yc_client *const *)b;
    int r = hash_cmp(x->token_hash, y->token_hash);
    return r != 0 ? r : (x < y ? -1 : x > y);
}

static int order_by_id(const void *a, const void *b)
{
    const yc_client *x = *(const yc_client *const *)a, *y = *(const yc_client *const *)b;
    int r = strcmp(x->id, y->id);
    return r != 0 ? r : (x < y ? -1 : x > y);
}

/* Sorts ORDER by hash; refuses duplicate ids and hashes (naming the later member). */
static yc_err index_clients(yc_clients *c)
{
    if (c->n == 0)
        return YC_OK;
    c->order = yc_calloc(c->n, sizeof *c->order);
    YC_ENSURE(c->order != NULL, YC_ERR_NOMEM);
    for (size_t i = 0; i < c->n; i++)
        c->order[i] = &c->v[i];
    qsort(c->order, c->n, sizeof *c->order, order_by_id);
    for (size_t i = 1; i < c->n; i++) {
        if (strcmp(c->order[i - 1]->id, c->order[i]->id) == 0) {
            set_field(NULL, (size_t)(c->order[i] - c->v), "id", SIZE_MAX);
            return YC_ERR_INVALID;
        }
    }
    qsort(c->order, c->n, sizeof *c->order, order_by_hash);
    for (size_t i = 1; i < c->n; i++) {
        if (hash_cmp(c->order[i - 1]->token_hash, c->order[i]->token_hash) == 0) {
            set_field(NULL, (size_t)(c->order[i] - c->v), "token_hash", SIZE_MAX);
            return YC_ERR_INVALID;
        }
    }
    return YC_OK;
}

static bool json_time(const json_t *v, int64_t min, int64_t *ret)
{
    if (!json_is_integer(v) || json_integer_value(v) < min)
        return false;
    *ret = (int64_t)json_integer_value(v);
    return true;
}

static yc_err parse_client(json_t *e, size_t i, yc_client *cl)
{
    static const char *const allowed[] = {"id",          "role",       "name",
                                          "authorities", "subject",    "issuer",
                                          "created_at",  "revoked_at", "token_hash"};
    if (!json_is_object(e)) {
        snprintf(error_field, sizeof error_field, "clients[%zu]", i);
        return YC_ERR_INVALID;
    }
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v)
    {
        bool known = false;
        for (size_t a = 0; a < sizeof allowed / sizeof allowed[0]; a++)
            known = known || strcmp(k, allowed[a]) == 0;
        if (!known) {
            set_field(NULL, i, k, SIZE_MAX);
            return YC_ERR_INVALID;
        }
    }
    const json_t *id = json_object_get(e, "id");
    if (!json_is_string(id) || !id_ok(json_string_value(id), json_string_length(id))) {
        set_field(NULL, i, "id", SIZE_MAX);
        return YC_ERR_INVALID;
    }
    memcpy(cl->id, json_string_value(id), YC_CLIENT_ID_LEN + 1);
    const json_t *role = json_object_get(e, "role");
    if (!json_is_string(role) ||
        yc_client_role_parse(json_string_value(role), &cl->role) != YC_OK) {
        set_field(NULL, i, "role", SIZE_MAX);
        return YC_ERR_INVALID;
    }
    const json_t *name = json_object_get(e, "name");
    if (!json_is_string(name) || strlen(json_string_value(name)) != json_string_length(name) ||
        !name_ok(json_string_value(name), json_string_length(name))) {
        set_field(NULL, i, "name", SIZE_MAX);
        return YC_ERR_INVALID;
    }
    memcpy(cl->name, json_string_value(name), json_string_length(name) + 1);
    const json_t *auths = json_object_get(e, "authorities");
    if (cl->role == YC_ROLE_PROVIDER) {
        if (!json_is_array(auths) || json_array_size(auths) == 0) {
            set_field(NULL, i, "authorities", SIZE_MAX);
            return YC_ERR_INVALID;
        }
        if (json_array_size(auths) > YC_CLIENT_MAX_AUTHORITIES) {
            set_field(NULL, i, "authorities", SIZE_MAX);
            return YC_ERR_TOO_LARGE;
        }
        cl->authorities = yc_calloc(json_array_size(auths), sizeof *cl->authorities);
        YC_ENSURE(cl->authorities != NULL, YC_ERR_NOMEM);
        size_t a;
        json_t *u;
        json_array_foreach(auths, a, u)
        {
            if (!json_is_string(u) || !uscc_ok(json_string_value(u), json_string_length(u))) {
                set_field(NULL, i, "authorities", a);
                return YC_ERR_INVALID;
            }
            for (size_t b = 0; b < a; b++) {
                if (strcmp(cl->authorities[b], json_string_value(u)) == 0) {
                    set_field(NULL, i, "authorities", a);
                    return YC_ERR_INVALID;
                }
            }
            memcpy(cl->authorities[a], json_string_value(u), YC_CLIENT_USCC_LEN + 1);
            cl->n_authorities = a + 1;
        }
    } else if (auths != NULL) {
        set_field(NULL, i, "authorities", SIZE_MAX);
        return YC_ERR_INVALID;
    }
    const json_t *subj = json_object_get(e, "subject");
    if (cl->role == YC_ROLE_SUBJECT) {
        if (!json_is_string(subj) ||
            !subject_ok(json_string_value(subj), json_string_length(subj))) {
            set_field(NULL, i, "subject", SIZE_MAX);
            return YC_ERR_INVALID;
        }
        memcpy(cl->subject, json_string_value(subj), json_string_length(subj) + 1);
    } else if (subj != NULL) {
        set_field(NULL, i, "subject", SIZE_MAX);
        return YC_ERR_INVALID;
    }
    const json_t *iss = json_object_get(e, "issuer");
    if (iss != NULL) { /* optional, partners only (mTLS pinning, issue 6 item 1) */
        if (cl->role != YC_ROLE_PARTNER || !json_is_string(iss) ||
            !issuer_ok(json_string_value(iss), json_string_length(iss))) {
            set_field(NULL, i, "issuer", SIZE_MAX);
            return YC_ERR_INVALID;
        }
        cl->issuer = yc_alloc(json_string_length(iss) + 1);
        YC_ENSURE(cl->issuer != NULL, YC_ERR_NOMEM);
        memcpy(cl->issuer, json_string_value(iss), json_string_length(iss) + 1);
    }
    if (!json_time(json_object_get(e, "created_at"), 0, &cl->created_at)) {
        set_field(NULL, i, "created_at", SIZE_MAX);
        return YC_ERR_INVALID;
    }
    const json_t *rv = json_object_get(e, "revoked_at");
    cl->revoked_at = -1;
    if (!json_is_null(rv) && !json_time(rv, cl->created_at, &cl->revoked_at)) {
        set_field(NULL, i, "revoked_at", SIZE_MAX);
        return YC_ERR_INVALID;
    }
    const json_t *th = json_object_get(e, "token_hash");
    size_t hlen = 0;
    if (!json_is_string(th) ||
        yc_b64url_decode(json_string_value(th), json_string_length(th), cl->token_hash,
                         sizeof cl->token_hash, &hlen) != YC_OK ||
        hlen != YC_KEYED_HASH_BYTES) {
        set_field(NULL, i, "token_hash", SIZE_MAX);
        return YC_ERR_INVALID;
    }
    return YC_OK;
}

static yc_err parse_doc(const char *buf, size_t len, yc_clients *c)
{
    yc_core_init_json();
    json_error_t jerr;
    const long fails = yc_alloc_failures();
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        if (yc_alloc_failures() != fails)
            return YC_ERR_NOMEM;
        set_field("clients.json", 0, NULL, 0);
        return YC_ERR_INVALID;
    }
    yc_err rv = YC_OK;
    const json_t *fmt = json_object_get(root, "format");
    const json_t *arr = json_object_get(root, "clients");
    if (!json_is_object(root) || json_object_size(root) != 2 || !json_is_string(fmt) ||
        strcmp(json_string_value(fmt), YC_CLIENTS_FORMAT) != 0) {
        set_field("format", 0, NULL, 0);
        rv = YC_ERR_INVALID;
        goto out;
    }
    if (!json_is_array(arr)) {
        set_field("clients", 0, NULL, 0);
        rv = YC_ERR_INVALID;
        goto out;
    }
    if (json_array_size(arr) > YC_CLIENTS_MAX) {
        set_field("clients", 0, NULL, 0);
        rv = YC_ERR_TOO_LARGE;
        goto out;
    }
    if (json_array_size(arr) > 0) {
        c->v = yc_calloc(json_array_size(arr), sizeof *c->v);
        if (c->v == NULL) {
            rv = YC_ERR_NOMEM;
            goto out;
        }
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        c->n = i + 1; /* so that yc_clients_free() releases a half-parsed client */
        rv = parse_client(e, i, &c->v[i]);
        if (rv != YC_OK)
            goto out;
    }
    rv = index_clients(c);
out:
    json_decref(root);
    return rv;
}

static yc_err load_key(const char *data_dir, yc_crypto_key **ret)
{
    char kpath[CL_PATH_MAX];
    YC_TRY(path_of(kpath, data_dir, "keys/clients.key"));
    yc_err rv = yc_crypto_key_load(kpath, ret);
    if (rv != YC_OK)
        set_field("keys/clients.key", 0, NULL, 0);
    return rv;
}

yc_err yc_clients_load(const char *data_dir, yc_clients **ret)
{
    error_field[0] = '\0';
    char path[CL_PATH_MAX];
    YC_TRY(path_of(path, data_dir, "clients.json"));
    yc_clients *c = yc_calloc(1, sizeof *c);
    YC_ENSURE(c != NULL, YC_ERR_NOMEM);
    char *buf = NULL;
    size_t len = 0;
    yc_err rv = yc_file_read_all(path, YC_CLIENTS_MAX_FILE_BYTES, &buf, &len);
    if (rv == YC_ERR_IO && errno == ENOENT) {
        /* no registry: no clients; the key is loaded when it exists, and checked then */
        rv = load_key(data_dir, &c->key);
        if (rv == YC_ERR_NOT_FOUND) {
            error_field[0] = '\0';
            rv = YC_OK;
        }
        goto out;
    }
    if (rv != YC_OK) {
        set_field("clients.json", 0, NULL, 0);
        goto out;
    }
    rv = parse_doc(buf, len, c);
    if (rv == YC_OK)
        rv = load_key(data_dir, &c->key);
out:
    yc_free(buf);
    if (rv != YC_OK) {
        yc_clients_free(c);
        return rv;
    }
    *ret = c;
    return YC_OK;
}

/* ---- authentication ---- */

yc_err yc_clients_authenticate(const yc_clients *c, const char *token, size_t len,
                               const yc_client **ret)
{
    YC_ENSURE(len == YC_CLIENT_TOKEN_LEN && memcmp(token, "yc_", 3) == 0, YC_ERR_INVALID);
    uint8_t raw[CL_TOKEN_BYTES];
    size_t n = 0;
    yc_err rv = yc_b64url_decode(token + 3, len - 3, raw, sizeof raw, &n);
    YC_ENSURE(rv == YC_OK || rv == YC_ERR_INTERNAL, YC_ERR_INVALID);
    YC_TRY(rv);
    YC_ENSURE(n == CL_TOKEN_BYTES, YC_ERR_INVALID);
    YC_ENSURE(c->key != NULL && c->n > 0, YC_ERR_NOT_FOUND);
    uint8_t h[YC_KEYED_HASH_BYTES];
    YC_TRY(yc_crypto_keyed_hash(c->key, token, len, h));
    /* lower bound of H among the sorted hashes, then one constant-time comparison */
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hash_cmp(c->order[mid]->token_hash, h) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    YC_ENSURE(lo < c->n, YC_ERR_NOT_FOUND);
    const yc_client *cl = c->order[lo];
    YC_ENSURE(yc_crypto_equal(cl->token_hash, h, sizeof h), YC_ERR_NOT_FOUND);
    YC_ENSURE(cl->revoked_at < 0, YC_ERR_NOT_FOUND);
    *ret = cl;
    return YC_OK;
}

/* ---- stamp ---- */

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
    char path[CL_PATH_MAX];
    YC_TRY(path_of(path, data_dir, name));
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
    return YC_OK;
}

yc_err yc_clients_stamp(const char *data_dir, uint64_t *ret)
{
    uint64_t h = 14695981039346656037u;
    YC_TRY(stamp_file(data_dir, "clients.json", &h));
    YC_TRY(stamp_file(data_dir, "keys/clients.key", &h));
    *ret = h;
    return YC_OK;
}

/* ---- writers ---- */

typedef struct cl_buf {
    char *p;
    size_t len, cap;
} cl_buf;

static yc_err buf_put(cl_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap == 0 ? 4096 : b->cap;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = yc_realloc(b->p, cap);
        YC_ENSURE(p != NULL, YC_ERR_NOMEM);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return YC_OK;
}

static json_t *client_json(const yc_client *cl)
{
    char th[64];
    if (yc_b64url_encode(cl->token_hash, sizeof cl->token_hash, th) != YC_OK)
        return NULL;
    json_t *o = json_pack("{s:s, s:s, s:s}", "id", cl->id, "role", yc_client_role_str(cl->role),
                          "name", cl->name);
    if (o == NULL)
        return NULL;
    bool ok = true;
    if (cl->role == YC_ROLE_PROVIDER) {
        json_t *a = json_array();
        ok = a != NULL && json_object_set_new(o, "authorities", a) == 0;
        for (size_t k = 0; ok && k < cl->n_authorities; k++)
            ok = json_array_append_new(a, json_string(cl->authorities[k])) == 0;
    }
    if (ok && cl->role == YC_ROLE_SUBJECT)
        ok = json_object_set_new(o, "subject", json_string(cl->subject)) == 0;
    if (ok && cl->issuer != NULL)
        ok = json_object_set_new(o, "issuer", json_string(cl->issuer)) == 0;
    ok = ok && json_object_set_new(o, "created_at", json_integer((json_int_t)cl->created_at)) == 0;
    ok = ok &&
         json_object_set_new(o, "revoked_at",
                             cl->revoked_at < 0 ? json_null()
                                                : json_integer((json_int_t)cl->revoked_at)) == 0;
    ok = ok && json_object_set_new(o, "token_hash", json_string(th)) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One client per line, so that the file stays readable and diffable. */
static yc_err serialize(const yc_clients *c, cl_buf *b)
{
    static const char head[] = "{\"format\": \"" YC_CLIENTS_FORMAT "\", \"clients\": [";
    YC_TRY(buf_put(b, head, sizeof head - 1));
    for (size_t i = 0; i < c->n; i++) {
        json_t *o = client_json(&c->v[i]);
        YC_ENSURE(o != NULL, YC_ERR_NOMEM);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
        json_decref(o);
        YC_ENSURE(s != NULL, YC_ERR_NOMEM);
        yc_err rv = buf_put(b, i == 0 ? "\n  " : ",\n  ", i == 0 ? 3 : 4);
        if (rv == YC_OK)
            rv = buf_put(b, s, strlen(s));
        yc_free(s);
        YC_TRY(rv);
    }
    YC_TRY(buf_put(b, c->n > 0 ? "\n]}\n" : "]}\n", c->n > 0 ? 4 : 3));
    YC_ENSURE(b->len <= YC_CLIENTS_MAX_FILE_BYTES, YC_ERR_TOO_LARGE);
    return YC_OK;
}

static yc_err write_atomic(const char *data_dir, const char *data, size_t len)
{
    char path[CL_PATH_MAX], tmp[CL_PATH_MAX];
    YC_TRY(path_of(path, data_dir, "clients.json"));
    YC_TRY(path_of(tmp, data_dir, "clients.json.tmp"));
    yc_err rv = YC_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    YC_ENSURE(fd >= 0, YC_ERR_IO);
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
    if (fsync(fd) != 0) {
        rv = YC_ERR_IO;
        goto out;
    }
    int cr = close(fd);
    fd = -1;
    if (cr != 0 || rename(tmp, path) != 0) {
        rv = YC_ERR_IO;
        goto out;
    }
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        rv = YC_ERR_IO;
    if (dfd >= 0)
        (void)close(dfd);
    return rv;
out:
    if (fd >= 0)
        (void)close(fd);
    (void)unlink(tmp);
    return rv;
}

typedef yc_err (*modify_fn)(yc_clients *c, void *ctx);

/* Under DATA/clients.lock: load, let FN change the snapshot, write it back. */
static yc_err clients_modify(const char *data_dir, bool create_key, modify_fn fn, void *ctx)
{
    error_field[0] = '\0';
    char lock[CL_PATH_MAX], kdir[CL_PATH_MAX], kpath[CL_PATH_MAX], path[CL_PATH_MAX];
    YC_TRY(path_of(lock, data_dir, "clients.lock"));
    YC_TRY(path_of(kdir, data_dir, "keys"));
    YC_TRY(path_of(kpath, data_dir, "keys/clients.key"));
    YC_TRY(path_of(path, data_dir, "clients.json"));
    int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    YC_ENSURE(fd >= 0, errno == ENOENT ? YC_ERR_NOT_FOUND : YC_ERR_IO);
    yc_err rv = YC_OK;
    yc_clients *c = NULL;
    cl_buf b = {0};
    int lr;
    while ((lr = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (lr != 0) {
        rv = YC_ERR_IO;
        goto out;
    }
    struct stat st;
    if (create_key && stat(path, &st) != 0 && errno == ENOENT) {
        /* the first client: make the key (an existing registry keeps its key, so that a lost
         * key file is reported instead of silently invalidating every token) */
        if (mkdir(kdir, 0700) != 0 && errno != EEXIST) {
            rv = YC_ERR_IO;
            goto out;
        }
        rv = yc_crypto_key_generate_file(kpath);
        if (rv == YC_ERR_CONFLICT)
            rv = YC_OK;
        if (rv != YC_OK)
            goto out;
    }
    rv = yc_clients_load(data_dir, &c);
    if (rv == YC_OK)
        rv = fn(c, ctx);
    if (rv == YC_OK)
        rv = serialize(c, &b);
    if (rv == YC_OK)
        rv = write_atomic(data_dir, b.p, b.len);
out:
    yc_free(b.p);
    yc_clients_free(c);
    (void)close(fd); /* releases the lock */
    return rv;
}

typedef struct add_ctx {
    const yc_client_spec *spec;
    int64_t now;
    char *ret_id;
    char *ret_token;
} add_ctx;

static yc_err check_spec(const yc_client_spec *s)
{
    if ((unsigned)s->role > YC_ROLE_SUBJECT) {
        set_field("role", 0, NULL, 0);
        return YC_ERR_INVALID;
    }
    if (s->name == NULL || !name_ok(s->name, strlen(s->name))) {
        set_field("name", 0, NULL, 0);
        return YC_ERR_INVALID;
    }
    if (s->role == YC_ROLE_PROVIDER) {
        if (s->n_authorities == 0) {
            set_field("authorities", 0, NULL, 0);
            return YC_ERR_INVALID;
        }
        if (s->n_authorities > YC_CLIENT_MAX_AUTHORITIES) {
            set_field("authorities", 0, NULL, 0);
            return YC_ERR_TOO_LARGE;
        }
        for (size_t a = 0; a < s->n_authorities; a++) {
            bool ok = uscc_ok(s->authorities[a], strlen(s->authorities[a]));
            for (size_t k = 0; ok && k < a; k++)
                ok = strcmp(s->authorities[k], s->authorities[a]) != 0;
            if (!ok) {
                snprintf(error_field, sizeof error_field, "authorities[%zu]", a);
                return YC_ERR_INVALID;
            }
        }
    } else if (s->n_authorities != 0) {
        set_field("authorities", 0, NULL, 0);
        return YC_ERR_INVALID;
    }
    if (s->role == YC_ROLE_SUBJECT
            ? s->subject == NULL || !subject_ok(s->subject, strlen(s->subject))
            : s->subject != NULL) {
        set_field("subject", 0, NULL, 0);
        return YC_ERR_INVALID;
    }
    if (s->issuer != NULL &&
        (s->role != YC_ROLE_PARTNER || !issuer_ok(s->issuer, strlen(s->issuer)))) {
        set_field("issuer", 0, NULL, 0);
        return YC_ERR_INVALID;
    }
    return YC_OK;
}

static yc_err add_fn(yc_clients *c, void *vctx)
{
    add_ctx *x = vctx;
    if (c->n >= YC_CLIENTS_MAX) {
        set_field("clients", 0, NULL, 0);
        return YC_ERR_TOO_LARGE;
    }
    YC_ENSURE(c->key != NULL, YC_ERR_NOT_FOUND);
    yc_client cl = {.role = x->spec->role, .created_at = x->now, .revoked_at = -1};
    memcpy(cl.name, x->spec->name, strlen(x->spec->name) + 1);
    if (x->spec->subject != NULL)
        memcpy(cl.subject, x->spec->subject, strlen(x->spec->subject) + 1);
    /* a fresh id, distinct from every other */
    do {
        uint8_t r[CL_RANDOM_ID_BYTES];
        YC_TRY(yc_crypto_random(r, sizeof r));
        memcpy(cl.id, "cl_", 3);
        YC_TRY(yc_b64url_encode(r, sizeof r, cl.id + 3));
    } while (yc_clients_find(c, cl.id) != NULL);
    uint8_t raw[CL_TOKEN_BYTES];
    char token[YC_CLIENT_TOKEN_LEN + 1];
    YC_TRY(yc_crypto_random(raw, sizeof raw));
    memcpy(token, "yc_", 3);
    YC_TRY(yc_b64url_encode(raw, sizeof raw, token + 3));
    YC_TRY(yc_crypto_keyed_hash(c->key, token, YC_CLIENT_TOKEN_LEN, cl.token_hash));
    yc_client *v = yc_realloc(c->v, (c->n + 1) * sizeof *v);
    YC_ENSURE(v != NULL, YC_ERR_NOMEM);
    c->v = v;
    if (x->spec->n_authorities > 0) {
        cl.authorities = yc_calloc(x->spec->n_authorities, sizeof *cl.authorities);
        YC_ENSURE(cl.authorities != NULL, YC_ERR_NOMEM);
        for (size_t a = 0; a < x->spec->n_authorities; a++)
            memcpy(cl.authorities[a], x->spec->authorities[a], YC_CLIENT_USCC_LEN + 1);
        cl.n_authorities = x->spec->n_authorities;
    }
    if (x->spec->issuer != NULL) {
        const size_t il = strlen(x->spec->issuer);
        cl.issuer = yc_alloc(il + 1);
        if (cl.issuer == NULL) {
            yc_free(cl.authorities);
            return YC_ERR_NOMEM;
        }
        memcpy(cl.issuer, x->spec->issuer, il + 1);
    }
    c->v[c->n++] = cl;
    memcpy(x->ret_id, cl.id, YC_CLIENT_ID_LEN + 1);
    memcpy(x->ret_token, token, YC_CLIENT_TOKEN_LEN + 1);
    return YC_OK;
}

yc_err yc_clients_add(const char *data_dir, const yc_client_spec *spec, int64_t now,
                      char ret_id[static YC_CLIENT_ID_LEN + 1],
                      char ret_token[static YC_CLIENT_TOKEN_LEN + 1])
{
    error_field[0] = '\0';
    YC_ENSURE(now >= 0, YC_ERR_INVALID);
    YC_TRY(check_spec(spec));
    char id[YC_CLIENT_ID_LEN + 1], token[YC_CLIENT_TOKEN_LEN + 1];
    add_ctx x = {.spec = spec, .now = now, .ret_id = id, .ret_token = token};
    YC_TRY(clients_modify(data_dir, true, add_fn, &x));
    memcpy(ret_id, id, sizeof id);
    memcpy(ret_token, token, sizeof token);
    return YC_OK;
}

typedef struct revoke_ctx {
    const char *id;
    int64_t now;
} revoke_ctx;

static yc_err revoke_fn(yc_clients *c, void *vctx)
{
    revoke_ctx *x = vctx;
    yc_client *cl = find_mut(c, x->id);
    YC_ENSURE(cl != NULL, YC_ERR_NOT_FOUND);
    YC_ENSURE(cl->revoked_at < 0, YC_ERR_CONFLICT);
    YC_ENSURE(x->now >= cl->created_at, YC_ERR_INVALID);
    cl->revoked_at = x->now;
    return YC_OK;
}

yc_err yc_clients_revoke(const char *data_dir, const char *id, int64_t now)
{
    error_field[0] = '\0';
    char path[CL_PATH_MAX];
    YC_TRY(path_of(path, data_dir, "clients.json"));
    struct stat st;
    YC_ENSURE(stat(path, &st) == 0 || errno != ENOENT, YC_ERR_NOT_FOUND);
    revoke_ctx x = {.id = id, .now = now};
    return clients_modify(data_dir, false, revoke_fn, &x);
}
