/* Signing keys sealed at rest, with publication, rotation and retirement (keyring.h). */
#include "yrdcredit/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/attest.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/fileio.h"

#define KR_PATH_MAX       4096
#define KR_SEALED_BYTES   (YC_ED25519_SEED_BYTES + YC_SEAL_OVERHEAD)
#define KR_SEALED_B64_MAX 128
#define KR_AD_PREFIX      "yrdcredit signing key v1|"
/* Times and durations beyond this are refused, so sums of them cannot overflow int64_t. */
#define KR_TIME_MAX ((int64_t)1 << 50)

struct yc_keyring {
    size_t n;
    yc_key_info *info;
    yc_ed25519_key **keys;
};

static void why_set(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void why_set(char *why, size_t why_len, const char *fmt, ...)
{
    if (why == NULL || why_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

static yc_err kr_path(char out[static KR_PATH_MAX], const char *dir, const char *name)
{
    const int n = snprintf(out, KR_PATH_MAX, "%s/keys%s%s", dir, name[0] ? "/" : "", name);
    YC_ENSURE(n > 0 && n < KR_PATH_MAX, YC_ERR_INVALID);
    return YC_OK;
}

const char *yc_key_purpose_str(yc_key_purpose p)
{
    switch (p) {
    case YC_KEY_ATTESTATION:
        return "attestation";
    case YC_KEY_STATUS_LIST:
        return "status_list";
    }
    return "?";
}

yc_err yc_key_purpose_parse(const char *s, yc_key_purpose *ret)
{
    if (strcmp(s, "attestation") == 0)
        *ret = YC_KEY_ATTESTATION;
    else if (strcmp(s, "status_list") == 0)
        *ret = YC_KEY_STATUS_LIST;
    else
        return YC_ERR_INVALID;
    return YC_OK;
}

const char *yc_key_state_str(yc_key_state s)
{
    switch (s) {
    case YC_KEY_PUBLISHED:
        return "published";
    case YC_KEY_ACTIVE:
        return "active";
    case YC_KEY_RETIRED:
        return "retired";
    case YC_KEY_DROPPED:
        return "dropped";
    }
    return "?";
}

yc_key_state yc_keyring_state(const yc_key_info *k, int64_t now)
{
    if (k->drop_at != 0 && now >= k->drop_at)
        return YC_KEY_DROPPED;
    if (k->retired_at != 0 && now >= k->retired_at)
        return YC_KEY_RETIRED;
    if (now < k->not_before)
        return YC_KEY_PUBLISHED;
    return YC_KEY_ACTIVE;
}

void yc_keyring_free(yc_keyring *kr)
{
    if (kr == NULL)
        return;
    if (kr->keys != NULL)
        for (size_t i = 0; i < kr->n; i++)
            yc_ed25519_key_free(kr->keys[i]);
    yc_free(kr->keys);
    yc_free(kr->info);
    yc_free(kr);
}

size_t yc_keyring_count(const yc_keyring *kr)
{
    return kr->n;
}

const yc_key_info *yc_keyring_info(const yc_keyring *kr, size_t i)
{
    return i < kr->n ? &kr->info[i] : NULL;
}

yc_err yc_keyring_signer(const yc_keyring *kr, yc_key_purpose p, int64_t now,
                         const yc_key_info **ret_info, const yc_ed25519_key **ret_key)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < kr->n; i++) {
        const yc_key_info *k = &kr->info[i];
        if (k->purpose != p || yc_keyring_state(k, now) != YC_KEY_ACTIVE)
            continue;
        if (best == SIZE_MAX || k->not_before >= kr->info[best].not_before)
            best = i;
    }
    YC_ENSURE(best != SIZE_MAX, YC_ERR_NOT_FOUND);
    *ret_info = &kr->info[best];
    *ret_key = kr->keys[best];
    return YC_OK;
}

static bool in_jwks(const yc_key_info *k, int64_t now)
{
    return yc_keyring_state(k, now) != YC_KEY_DROPPED;
}

const yc_key_info *yc_keyring_find(const yc_keyring *kr, const char *kid, int64_t now)
{
    for (size_t i = 0; i < kr->n; i++)
        if (strcmp(kr->info[i].kid, kid) == 0 && in_jwks(&kr->info[i], now))
            return &kr->info[i];
    return NULL;
}

yc_err yc_keyring_jwks_json(const yc_keyring *kr, int64_t now, char **ret_json, size_t *ret_len)
{
    size_t n = 0;
    for (size_t i = 0; i < kr->n; i++)
        n += in_jwks(&kr->info[i], now) ? 1u : 0u;
    YC_ENSURE(n <= YC_ATTEST_JWKS_MAX_KEYS, YC_ERR_TOO_LARGE);
    uint8_t(*pks)[YC_ED25519_PUBLIC_KEY_BYTES] = yc_calloc(n, YC_ED25519_PUBLIC_KEY_BYTES);
    YC_ENSURE(pks != NULL, YC_ERR_NOMEM);
    size_t j = 0;
    for (size_t i = 0; i < kr->n; i++)
        if (in_jwks(&kr->info[i], now))
            memcpy(pks[j++], kr->info[i].pk, YC_ED25519_PUBLIC_KEY_BYTES);
    const yc_err rv = yc_attest_jwks_json(
        n > 0 ? (const uint8_t(*)[YC_ED25519_PUBLIC_KEY_BYTES])pks : NULL, n, ret_json, ret_len);
    yc_free(pks);
    return rv;
}

/* ---- parsing signing.json ---- */

/* AD = "yrdcredit signing key v1|" KID "|" PURPOSE; returns its length. */
static size_t seal_ad(char ad[static 128], const char *kid, yc_key_purpose p)
{
    const int n = snprintf(ad, 128, KR_AD_PREFIX "%s|%s", kid, yc_key_purpose_str(p));
    return n > 0 && n < 128 ? (size_t)n : 0;
}

static bool json_time(const json_t *v, int64_t min, int64_t *ret)
{
    if (!json_is_integer(v))
        return false;
    const json_int_t x = json_integer_value(v);
    if (x < min || x > KR_TIME_MAX)
        return false;
    *ret = (int64_t)x;
    return true;
}

static yc_err b64_exact(const json_t *v, uint8_t *out, size_t want)
{
    YC_ENSURE(json_is_string(v), YC_ERR_INVALID);
    size_t got = 0;
    YC_ENSURE(yc_b64url_decode(json_string_value(v), json_string_length(v), out, want, &got) ==
                      YC_OK &&
                  got == want,
              YC_ERR_INVALID);
    return YC_OK;
}

/* Checks one entry and unseals its key. */
static yc_err parse_entry(json_t *e, size_t idx, const yc_crypto_key *master, yc_key_info *info,
                          yc_ed25519_key **ret_key, char *why, size_t why_len)
{
    yc_err rv = YC_ERR_INVALID;
    uint8_t seed[YC_ED25519_SEED_BYTES];
    uint8_t sealed[KR_SEALED_BYTES];
    yc_ed25519_key *key = NULL;
    *info = (yc_key_info){0};
    if (!json_is_object(e)) {
        why_set(why, why_len, "keys[%zu] is not an object", idx);
        goto out;
    }
    const char *name;
    const json_t *v;
    json_object_foreach(e, name, v)
    {
        static const char *const allowed[] = {"kid",        "purpose",    "x",       "created",
                                              "not_before", "retired_at", "drop_at", "sealed_seed"};
        bool ok = false;
        for (size_t k = 0; k < sizeof allowed / sizeof *allowed; k++)
            ok = ok || strcmp(name, allowed[k]) == 0;
        if (!ok) {
            why_set(why, why_len, "keys[%zu]: unknown member", idx);
            goto out;
        }
    }
    v = json_object_get(e, "kid");
    uint8_t tmp[YC_ED25519_PUBLIC_KEY_BYTES];
    if (!json_is_string(v) || json_string_length(v) != YC_JWK_THUMBPRINT_LEN ||
        b64_exact(v, tmp, sizeof tmp) != YC_OK) {
        why_set(why, why_len, "keys[%zu]: kid missing or not a thumbprint", idx);
        goto out;
    }
    memcpy(info->kid, json_string_value(v), YC_JWK_THUMBPRINT_LEN + 1);
    v = json_object_get(e, "purpose");
    if (!json_is_string(v) || yc_key_purpose_parse(json_string_value(v), &info->purpose) != YC_OK) {
        why_set(why, why_len, "keys[%zu] (kid %s): bad purpose", idx, info->kid);
        goto out;
    }
    if (b64_exact(json_object_get(e, "x"), info->pk, sizeof info->pk) != YC_OK) {
        why_set(why, why_len, "keys[%zu] (kid %s): bad x", idx, info->kid);
        goto out;
    }
    const json_t *ra = json_object_get(e, "retired_at"), *da = json_object_get(e, "drop_at");
    if (!json_time(json_object_get(e, "created"), 0, &info->created) ||
        !json_time(json_object_get(e, "not_before"), 0, &info->not_before) ||
        (ra == NULL) != (da == NULL) || (ra != NULL && !json_time(ra, 1, &info->retired_at)) ||
        (da != NULL && !json_time(da, info->retired_at, &info->drop_at))) {
        why_set(why, why_len, "keys[%zu] (kid %s): bad or missing time", idx, info->kid);
        goto out;
    }
    if (b64_exact(json_object_get(e, "sealed_seed"), sealed, sizeof sealed) != YC_OK) {
        why_set(why, why_len, "keys[%zu] (kid %s): bad sealed_seed", idx, info->kid);
        goto out;
    }
    char ad[128];
    const size_t ad_len = seal_ad(ad, info->kid, info->purpose);
    rv = yc_crypto_open(master, sealed, sizeof sealed, (const uint8_t *)ad, ad_len, seed);
    if (rv != YC_OK) {
        why_set(why, why_len, "kid %s: sealed_seed does not open under master.key", info->kid);
        goto out;
    }
    rv = yc_ed25519_key_from_seed(seed, &key);
    if (rv != YC_OK)
        goto out;
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    yc_ed25519_public_key(key, pk);
    rv = yc_jwk_thumbprint(pk, kid);
    if (rv != YC_OK)
        goto out;
    if (memcmp(pk, info->pk, sizeof pk) != 0 || strcmp(kid, info->kid) != 0) {
        why_set(why, why_len, "kid %s: the sealed seed does not match its kid and x", info->kid);
        rv = YC_ERR_STORE;
        goto out;
    }
    *ret_key = key;
    key = NULL;
    rv = YC_OK;
out:
    explicit_bzero(seed, sizeof seed);
    yc_ed25519_key_free(key);
    return rv;
}

static yc_err keyring_new(size_t n, yc_keyring **ret)
{
    yc_keyring *kr = yc_calloc(1, sizeof *kr);
    YC_ENSURE(kr != NULL, YC_ERR_NOMEM);
    kr->info = yc_calloc(n, sizeof *kr->info);
    kr->keys = yc_calloc(n, sizeof *kr->keys);
    if (kr->info == NULL || kr->keys == NULL) {
        yc_keyring_free(kr);
        return YC_ERR_NOMEM;
    }
    *ret = kr;
    return YC_OK;
}

/* Parses and checks the whole document; returns it too when ret_doc is not NULL. */
static yc_err parse_doc(const char *buf, size_t len, const yc_crypto_key *master, json_t **ret_doc,
                        yc_keyring **ret_kr, char *why, size_t why_len)
{
    yc_err rv = YC_ERR_INVALID;
    yc_keyring *kr = NULL;
    json_error_t jerr;
    const long fails = yc_alloc_failures();
    json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        rv = yc_alloc_failures() != fails ? YC_ERR_NOMEM : YC_ERR_INVALID;
        why_set(why, why_len, "signing.json: not JSON (line %d: %s)", jerr.line, jerr.text);
        goto out;
    }
    const json_t *fmt = json_object_get(doc, "format"), *keys = json_object_get(doc, "keys");
    if (!json_is_object(doc) || json_object_size(doc) != 2 || !json_is_string(fmt) ||
        strcmp(json_string_value(fmt), YC_KEYRING_FORMAT) != 0 || !json_is_array(keys)) {
        why_set(why, why_len, "signing.json: not a %s document", YC_KEYRING_FORMAT);
        goto out;
    }
    const size_t n = json_array_size(keys);
    if (n > YC_KEYRING_MAX_KEYS) {
        why_set(why, why_len, "signing.json: more than %d keys", YC_KEYRING_MAX_KEYS);
        goto out;
    }
    rv = keyring_new(n, &kr);
    if (rv != YC_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        rv = parse_entry(json_array_get(keys, i), i, master, &kr->info[i], &kr->keys[i], why,
                         why_len);
        if (rv != YC_OK)
            goto out;
        kr->n = i + 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(kr->info[j].kid, kr->info[i].kid) == 0) {
                why_set(why, why_len, "signing.json: kid %s appears twice", kr->info[i].kid);
                rv = YC_ERR_INVALID;
                goto out;
            }
    }
    if (ret_doc != NULL) {
        *ret_doc = doc;
        doc = NULL;
    }
    *ret_kr = kr;
    kr = NULL;
    rv = YC_OK;
out:
    json_decref(doc);
    yc_keyring_free(kr);
    return rv;
}

/* Reads signing.json: NOT_FOUND when absent, INVALID when too large. */
static yc_err read_file(const char *dir, char **ret_buf, size_t *ret_len, char *why, size_t why_len)
{
    char path[KR_PATH_MAX];
    YC_TRY(kr_path(path, dir, "signing.json"));
    errno = 0;
    const yc_err rv = yc_file_read_all(path, YC_KEYRING_MAX_FILE_BYTES, ret_buf, ret_len);
    if (rv == YC_ERR_IO && errno == ENOENT) {
        why_set(why, why_len, "%s: no such file", path);
        return YC_ERR_NOT_FOUND;
    }
    if (rv == YC_ERR_TOO_LARGE) {
        why_set(why, why_len, "%s: larger than %u bytes", path, YC_KEYRING_MAX_FILE_BYTES);
        return YC_ERR_INVALID;
    }
    if (rv != YC_OK)
        why_set(why, why_len, "%s: %s", path, yc_err_str(rv));
    return rv;
}

static yc_err load_master(const char *dir, yc_crypto_key **ret, char *why, size_t why_len)
{
    char path[KR_PATH_MAX];
    YC_TRY(kr_path(path, dir, "master.key"));
    const yc_err rv = yc_crypto_key_load(path, ret);
    if (rv != YC_OK)
        why_set(why, why_len, "%s: %s", path,
                rv == YC_ERR_INVALID ? "not a 32-byte 0600 key file" : yc_err_str(rv));
    return rv;
}

yc_err yc_keyring_load_why(const char *data_dir, yc_keyring **ret, char *why, size_t why_len)
{
    char *buf = NULL;
    size_t len = 0;
    yc_crypto_key *master = NULL;
    yc_err rv = read_file(data_dir, &buf, &len, why, why_len);
    if (rv == YC_OK)
        rv = load_master(data_dir, &master, why, why_len);
    if (rv == YC_OK)
        rv = parse_doc(buf, len, master, NULL, ret, why, why_len);
    yc_crypto_key_free(master);
    yc_free(buf);
    return rv;
}

yc_err yc_keyring_load(const char *data_dir, yc_keyring **ret)
{
    return yc_keyring_load_why(data_dir, ret, NULL, 0);
}

yc_err yc_keyring_stamp_get(const char *data_dir, yc_keyring_stamp *ret)
{
    char path[KR_PATH_MAX];
    YC_TRY(kr_path(path, data_dir, "signing.json"));
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? YC_ERR_NOT_FOUND : YC_ERR_IO;
    *ret = (yc_keyring_stamp){.dev = (uint64_t)st.st_dev,
                              .ino = (uint64_t)st.st_ino,
                              .size = (uint64_t)st.st_size,
                              .mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
                                          (int64_t)st.st_mtim.tv_nsec};
    return YC_OK;
}

/* ---- writers ---- */

static yc_err write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        const ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        YC_ENSURE(w > 0, YC_ERR_IO);
        p += w;
        len -= (size_t)w;
    }
    return YC_OK;
}

/* Replaces signing.json by TEXT: temp file, fsync, rename, fsync of keys/. */
static yc_err write_atomic(const char *dir, const char *text)
{
    char tmp[KR_PATH_MAX], path[KR_PATH_MAX], kdir[KR_PATH_MAX];
    YC_TRY(kr_path(tmp, dir, "signing.json.tmp"));
    YC_TRY(kr_path(path, dir, "signing.json"));
    YC_TRY(kr_path(kdir, dir, ""));
    yc_err rv = YC_ERR_IO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return YC_ERR_IO;
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, strlen(text)) != YC_OK ||
        write_all(fd, "\n", 1) != YC_OK || fsync(fd) != 0)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto out;
    fd = open(kdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        rv = YC_ERR_IO;
        goto out_renamed;
    }
    rv = YC_OK;
    goto out_renamed;
out:
    (void)unlink(tmp);
out_renamed:
    if (fd >= 0)
        (void)close(fd);
    return rv;
}

typedef yc_err (*modify_fn)(json_t *keys, const yc_keyring *kr, const yc_crypto_key *master,
                            void *ctx);

/* Under the lock: read (or start) the document, check it, let FN change it, write it back. */
static yc_err keyring_modify(const char *data_dir, bool create, bool must_be_new, modify_fn fn,
                             void *ctx)
{
    char kdir[KR_PATH_MAX], lock[KR_PATH_MAX], mpath[KR_PATH_MAX];
    YC_TRY(kr_path(kdir, data_dir, ""));
    YC_TRY(kr_path(lock, data_dir, "signing.lock"));
    YC_TRY(kr_path(mpath, data_dir, "master.key"));
    if (create && mkdir(kdir, 0700) != 0 && errno != EEXIST)
        return YC_ERR_IO;
    int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == ENOENT ? YC_ERR_NOT_FOUND : YC_ERR_IO;
    yc_err rv;
    char *buf = NULL, *text = NULL;
    size_t len = 0;
    yc_crypto_key *master = NULL;
    yc_keyring *kr = NULL;
    json_t *doc = NULL;
    int lr;
    while ((lr = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (lr != 0) {
        rv = YC_ERR_IO;
        goto out;
    }
    rv = read_file(data_dir, &buf, &len, NULL, 0);
    if (rv == YC_OK && must_be_new) {
        rv = YC_ERR_CONFLICT;
        goto out;
    }
    if (rv == YC_ERR_NOT_FOUND && create) {
        rv = yc_crypto_key_generate_file(mpath);
        if (rv != YC_OK && rv != YC_ERR_CONFLICT)
            goto out;
        rv = load_master(data_dir, &master, NULL, 0);
        if (rv == YC_OK)
            rv = keyring_new(0, &kr);
        if (rv != YC_OK)
            goto out;
        doc = json_pack("{s:s, s:[]}", "format", YC_KEYRING_FORMAT, "keys");
        if (doc == NULL) {
            rv = YC_ERR_NOMEM;
            goto out;
        }
    } else if (rv == YC_OK) {
        rv = load_master(data_dir, &master, NULL, 0);
        if (rv == YC_OK)
            rv = parse_doc(buf, len, master, &doc, &kr, NULL, 0);
        if (rv != YC_OK)
            goto out;
    } else {
        goto out;
    }
    rv = fn(json_object_get(doc, "keys"), kr, master, ctx);
    if (rv != YC_OK)
        goto out;
    text = json_dumps(doc, JSON_INDENT(1));
    if (text == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    rv = write_atomic(data_dir, text);
out:
    yc_free(text);
    json_decref(doc);
    yc_keyring_free(kr);
    yc_crypto_key_free(master);
    yc_free(buf);
    (void)close(fd); /* releases the lock */
    return rv;
}

static bool kid_in(json_t *keys, const char *kid)
{
    size_t i;
    const json_t *e;
    json_array_foreach(keys, i, e)
    {
        const char *k = json_string_value(json_object_get(e, "kid"));
        if (k != NULL && strcmp(k, kid) == 0)
            return true;
    }
    return false;
}

/* Appends a fresh key to KEYS; a kid already in the file is never reused. */
static yc_err append_key(json_t *keys, const yc_crypto_key *master, yc_key_purpose p, int64_t now,
                         int64_t not_before, char ret_kid[YC_JWK_THUMBPRINT_LEN + 1])
{
    YC_ENSURE(json_array_size(keys) < YC_KEYRING_MAX_KEYS, YC_ERR_TOO_LARGE);
    yc_err rv = YC_ERR_INTERNAL;
    uint8_t seed[YC_ED25519_SEED_BYTES], sealed[KR_SEALED_BYTES];
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    char kid[YC_JWK_THUMBPRINT_LEN + 1], x[YC_JWK_THUMBPRINT_LEN + 1], sb64[KR_SEALED_B64_MAX];
    yc_ed25519_key *key = NULL;
    bool fresh = false;
    for (int attempt = 0; attempt < 8 && !fresh; attempt++) {
        yc_ed25519_key_free(key);
        key = NULL;
        if ((rv = yc_crypto_random(seed, sizeof seed)) != YC_OK ||
            (rv = yc_ed25519_key_from_seed(seed, &key)) != YC_OK)
            goto out;
        yc_ed25519_public_key(key, pk);
        if ((rv = yc_jwk_thumbprint(pk, kid)) != YC_OK)
            goto out;
        fresh = !kid_in(keys, kid);
    }
    if (!fresh) {
        rv = YC_ERR_INTERNAL;
        goto out;
    }
    char ad[128];
    const size_t ad_len = seal_ad(ad, kid, p);
    if ((rv = yc_crypto_seal(master, seed, sizeof seed, (const uint8_t *)ad, ad_len, sealed)) !=
            YC_OK ||
        (rv = yc_b64url_encode(pk, sizeof pk, x)) != YC_OK ||
        (rv = yc_b64url_encode(sealed, sizeof sealed, sb64)) != YC_OK)
        goto out;
    json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "kid", kid, "purpose",
                          yc_key_purpose_str(p), "x", x, "created", (json_int_t)now, "not_before",
                          (json_int_t)not_before, "sealed_seed", sb64);
    if (e == NULL || json_array_append_new(keys, e) != 0) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    memcpy(ret_kid, kid, sizeof kid);
    rv = YC_OK;
out:
    explicit_bzero(seed, sizeof seed);
    yc_ed25519_key_free(key);
    return rv;
}

static yc_err set_retired(json_t *e, int64_t retired_at, int64_t drop_at)
{
    YC_ENSURE(json_object_set_new(e, "retired_at", json_integer((json_int_t)retired_at)) == 0 &&
                  json_object_set_new(e, "drop_at", json_integer((json_int_t)drop_at)) == 0,
              YC_ERR_NOMEM);
    return YC_OK;
}

typedef struct add_ctx {
    yc_key_purpose purpose;
    int64_t now, not_before, max_validity_s, grace_s;
    bool rotate, both; /* both: one key of each purpose (create) */
    char *ret_kid;
} add_ctx;

static yc_err do_add(json_t *keys, const yc_keyring *kr, const yc_crypto_key *master, void *vctx)
{
    const add_ctx *c = vctx;
    if (c->both) {
        char kid[YC_JWK_THUMBPRINT_LEN + 1];
        YC_TRY(append_key(keys, master, YC_KEY_ATTESTATION, c->now, c->not_before, kid));
        return append_key(keys, master, YC_KEY_STATUS_LIST, c->now, c->not_before, kid);
    }
    if (c->rotate)
        for (size_t i = 0; i < kr->n; i++)
            if (kr->info[i].purpose == c->purpose && kr->info[i].retired_at == 0)
                YC_TRY(set_retired(json_array_get(keys, i), c->not_before,
                                   c->not_before + c->max_validity_s + c->grace_s));
    return append_key(keys, master, c->purpose, c->now, c->not_before, c->ret_kid);
}

static bool time_ok(int64_t t)
{
    return t >= 0 && t <= KR_TIME_MAX;
}

static bool purpose_ok(yc_key_purpose p)
{
    return p == YC_KEY_ATTESTATION || p == YC_KEY_STATUS_LIST;
}

yc_err yc_keyring_create(const char *data_dir, int64_t now)
{
    YC_ENSURE(time_ok(now), YC_ERR_INVALID);
    add_ctx c = {.now = now, .not_before = now, .both = true};
    return keyring_modify(data_dir, true, true, do_add, &c);
}

yc_err yc_keyring_add(const char *data_dir, yc_key_purpose p, int64_t now, int64_t not_before,
                      char ret_kid[static YC_JWK_THUMBPRINT_LEN + 1])
{
    YC_ENSURE(purpose_ok(p) && time_ok(now) && time_ok(not_before) && not_before >= now,
              YC_ERR_INVALID);
    add_ctx c = {.purpose = p, .now = now, .not_before = not_before, .ret_kid = ret_kid};
    return keyring_modify(data_dir, true, false, do_add, &c);
}

yc_err yc_keyring_rotate(const char *data_dir, yc_key_purpose p, int64_t now, int64_t publish_s,
                         int64_t max_validity_s, int64_t grace_s,
                         char ret_kid[static YC_JWK_THUMBPRINT_LEN + 1])
{
    YC_ENSURE(purpose_ok(p) && now >= 1 && time_ok(now) && time_ok(publish_s) &&
                  time_ok(max_validity_s) && time_ok(grace_s),
              YC_ERR_INVALID);
    add_ctx c = {.purpose = p,
                 .now = now,
                 .not_before = now + publish_s,
                 .max_validity_s = max_validity_s,
                 .grace_s = grace_s,
                 .rotate = true,
                 .ret_kid = ret_kid};
    return keyring_modify(data_dir, true, false, do_add, &c);
}

typedef struct retire_ctx {
    const char *kid;
    int64_t now, max_validity_s, grace_s;
    bool force;
} retire_ctx;

static yc_err do_retire(json_t *keys, const yc_keyring *kr, const yc_crypto_key *master, void *vctx)
{
    (void)master;
    const retire_ctx *c = vctx;
    size_t idx = SIZE_MAX;
    for (size_t i = 0; i < kr->n; i++)
        if (strcmp(kr->info[i].kid, c->kid) == 0)
            idx = i;
    YC_ENSURE(idx != SIZE_MAX, YC_ERR_NOT_FOUND);
    const yc_key_info *k = &kr->info[idx];
    YC_ENSURE(k->retired_at == 0 || k->retired_at > c->now, YC_ERR_CONFLICT);
    size_t others = 0;
    for (size_t i = 0; i < kr->n; i++) {
        const yc_key_state s = yc_keyring_state(&kr->info[i], c->now);
        if (i != idx && kr->info[i].purpose == k->purpose &&
            (s == YC_KEY_ACTIVE || s == YC_KEY_PUBLISHED))
            others++;
    }
    YC_ENSURE(others > 0 || c->force, YC_ERR_CONFLICT);
    return set_retired(json_array_get(keys, idx), c->now, c->now + c->max_validity_s + c->grace_s);
}

yc_err yc_keyring_retire(const char *data_dir, const char *kid, int64_t now, int64_t max_validity_s,
                         int64_t grace_s, bool force)
{
    YC_ENSURE(now >= 1 && time_ok(now) && time_ok(max_validity_s) && time_ok(grace_s),
              YC_ERR_INVALID);
    retire_ctx c = {.kid = kid,
                    .now = now,
                    .max_validity_s = max_validity_s,
                    .grace_s = grace_s,
                    .force = force};
    return keyring_modify(data_dir, false, false, do_retire, &c);
}
