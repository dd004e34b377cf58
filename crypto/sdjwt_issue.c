/* SD-JWT issuing and presentation (RFC 9901 §4, §6.1); verification is in jose.c. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/jose.h"

/* Salt entropy (RFC 9901 §9.3: at least 128 bits) and decoy input length, in bytes. */
enum { SALT_BYTES = 16, DECOY_BYTES = 32 };

_Static_assert(YC_SDJWT_SALT_LEN == 22, "22 base64url characters hold 16 bytes");

/* Member names the SD-JWT machinery reserves (RFC 9901 §4.2.4.1, §4.2.4.2, §7.1). */
static bool reserved_name(const char *name)
{
    return strcmp(name, "_sd") == 0 || strcmp(name, "_sd_alg") == 0 || strcmp(name, "...") == 0;
}

/* json_string() for text that must be valid UTF-8: NULL means invalid input or no memory. */
static yc_err utf8_string(const char *s, json_t **ret)
{
    const long failures = yc_alloc_failures();
    json_t *v = json_string(s);
    if (v == NULL)
        return yc_alloc_failures() != failures ? YC_ERR_NOMEM : YC_ERR_INVALID;
    *ret = v;
    return YC_OK;
}

yc_err yc_sdjwt_disclosure_encode(const char *salt, const char *name, json_t *value,
                                  char **ret_text, size_t *ret_len)
{
    YC_ENSURE(!reserved_name(name), YC_ERR_INVALID);
    YC_TRY(yc_crypto_init());
    yc_err rv = YC_OK;
    json_t *arr = json_array();
    json_t *s = NULL;
    json_t *n = NULL;
    char *json = NULL;
    char *text = NULL;
    if (arr == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    if ((rv = utf8_string(salt, &s)) != YC_OK || (rv = utf8_string(name, &n)) != YC_OK)
        goto out;
    /* RFC 9901 §4.2.1: [salt, claim name, claim value]. */
    if (json_array_append(arr, s) != 0 || json_array_append(arr, n) != 0 ||
        json_array_append(arr, value) != 0) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    /* RFC 9901 §4.2.1: base64url of the UTF-8 JSON array.  The digest is taken over the exact
     * base64url text (§4.2.3), so any serialisation is valid; ours is compact and, with sorted
     * keys, a function of the three elements only. */
    json = json_dumps(arr, JSON_COMPACT | JSON_SORT_KEYS);
    if (json == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    size_t json_len = strlen(json);
    if (json_len > YC_SDJWT_MAX_BYTES / 4 * 3) {
        rv = YC_ERR_TOO_LARGE;
        goto out;
    }
    size_t text_len = yc_b64url_encoded_len(json_len);
    text = yc_alloc(text_len + 1);
    if (text == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    if ((rv = yc_b64url_encode((const uint8_t *)json, json_len, text)) != YC_OK)
        goto out;
    *ret_text = text;
    *ret_len = text_len;
    text = NULL;
out:
    yc_free(text);
    yc_free(json);
    json_decref(s);
    json_decref(n);
    json_decref(arr);
    return rv;
}

/* qsort comparator over the NUL-terminated digests (public values: no constant-time need). */
static int digest_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The argument checks of yc_sdjwt_issue(). */
static yc_err issue_args_ok(json_t *claims, json_t *disclosable, size_t decoys)
{
    YC_ENSURE(json_is_object(claims) && json_is_object(disclosable), YC_ERR_INVALID);
    YC_ENSURE(json_object_size(disclosable) <= YC_SDJWT_MAX_DISCLOSURES, YC_ERR_TOO_LARGE);
    YC_ENSURE(decoys <= YC_SDJWT_MAX_DECOYS, YC_ERR_TOO_LARGE);
    const char *name;
    json_t *v;
    json_object_foreach(claims, name, v)
    {
        YC_ENSURE(!reserved_name(name), YC_ERR_INVALID);
    }
    json_object_foreach(disclosable, name, v)
    {
        /* RFC 9901 §7.1 would reject a disclosed name that is already a claim. */
        YC_ENSURE(!reserved_name(name) && json_object_get(claims, name) == NULL, YC_ERR_INVALID);
    }
    return YC_OK;
}

/* One base64url string of @p raw_len bytes of @p raw (a salt), or of their SHA-256 (a decoy). */
static yc_err random_b64(const uint8_t *raw, size_t raw_len, bool hashed, char *ret)
{
    if (!hashed)
        return yc_b64url_encode(raw, raw_len, ret);
    uint8_t d[32];
    yc_crypto_sha256(raw, raw_len, d);
    return yc_b64url_encode(d, sizeof d, ret);
}

yc_err yc_sdjwt_issue(const char *header, size_t header_len, json_t *claims, json_t *disclosable,
                      size_t decoys, const yc_ed25519_key *key, char **ret_sdjwt, size_t *ret_len)
{
    YC_TRY(issue_args_ok(claims, disclosable, decoys));
    YC_TRY(yc_crypto_init());
    const size_t n = json_object_size(disclosable);
    const size_t n_digests = n + decoys;
    yc_err rv = YC_OK;
    char **text = NULL;
    size_t *text_len = NULL;
    char(*digests)[YC_SDJWT_DIGEST_LEN + 1] = NULL;
    json_t *payload = NULL;
    json_t *sd = NULL;
    char *payload_json = NULL;
    char *jwt = NULL;
    size_t jwt_len = 0;
    char *res = NULL;
    /* every salt and decoy from one call: one getrandom() instead of one per value */
    uint8_t *rnd = yc_alloc(n * SALT_BYTES + decoys * DECOY_BYTES + 1);
    if (rnd == NULL)
        return YC_ERR_NOMEM;
    randombytes_buf(rnd, n * SALT_BYTES + decoys * DECOY_BYTES);
    text = yc_calloc(n + 1, sizeof *text);
    text_len = yc_calloc(n + 1, sizeof *text_len);
    digests = yc_calloc(n_digests + 1, sizeof *digests);
    payload = json_copy(claims); /* shallow: only _sd and _sd_alg are added */
    sd = json_array();
    if (text == NULL || text_len == NULL || digests == NULL || payload == NULL || sd == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    size_t i = 0;
    const char *name;
    json_t *value;
    json_object_foreach(disclosable, name, value)
    {
        /* RFC 9901 §4.2.1 and §9.3: a fresh salt of 128 random bits per disclosure. */
        char salt[YC_SDJWT_SALT_LEN + 1];
        if ((rv = random_b64(rnd + i * SALT_BYTES, SALT_BYTES, false, salt)) != YC_OK ||
            (rv = yc_sdjwt_disclosure_encode(salt, name, value, &text[i], &text_len[i])) != YC_OK ||
            (rv = yc_sdjwt_disclosure_digest(text[i], text_len[i], digests[i])) != YC_OK)
            goto out;
        i++;
    }
    /* RFC 9901 §4.2.5: a decoy digest is the hash of a cryptographically secure random number,
     * so it cannot be told from a real one. */
    for (i = n; i < n_digests; i++)
        if ((rv = random_b64(rnd + n * SALT_BYTES + (i - n) * DECOY_BYTES, DECOY_BYTES, true,
                             digests[i])) != YC_OK)
            goto out;
    /* RFC 9901 §4.2.4.1: the issuer hides the original order; attestations.md §1.3: sorted. */
    qsort(digests, n_digests, sizeof *digests, digest_cmp);
    for (i = 0; i < n_digests; i++)
        if (json_array_append_new(sd, json_string_nocheck(digests[i])) != 0) {
            rv = YC_ERR_NOMEM;
            goto out;
        }
    if ((n_digests > 0 && json_object_set(payload, "_sd", sd) != 0) ||
        json_object_set_new(payload, "_sd_alg", json_string_nocheck("sha-256")) != 0) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    payload_json = json_dumps(payload, JSON_COMPACT);
    if (payload_json == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    if ((rv = yc_jws_sign(header, header_len, (const uint8_t *)payload_json, strlen(payload_json),
                          key, &jwt, &jwt_len)) != YC_OK)
        goto out;
    /* RFC 9901 §4: <Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~ */
    size_t total = jwt_len + 1;
    for (i = 0; i < n; i++)
        total += text_len[i] + 1;
    if (total > YC_SDJWT_MAX_BYTES) {
        rv = YC_ERR_TOO_LARGE;
        goto out;
    }
    res = yc_alloc(total + 1);
    if (res == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    memcpy(res, jwt, jwt_len);
    size_t pos = jwt_len;
    res[pos++] = '~';
    for (i = 0; i < n; i++) {
        memcpy(res + pos, text[i], text_len[i]);
        pos += text_len[i];
        res[pos++] = '~';
    }
    res[pos] = 0;
    *ret_sdjwt = res;
    *ret_len = total;
out:
    if (text != NULL)
        for (i = 0; i < n; i++)
            yc_free(text[i]);
    yc_free(text);
    yc_free(text_len);
    yc_free(digests);
    yc_free(payload_json);
    yc_free(jwt);
    json_decref(sd);
    json_decref(payload);
    sodium_memzero(rnd, n * SALT_BYTES + decoys * DECOY_BYTES);
    yc_free(rnd);
    return rv;
}

/* The claim name of one disclosure into @p ret_name (NULL for an array element [salt, value]);
 * the caller releases *@p ret_arr, which owns the name. */
static yc_err disclosure_name(const char *text, size_t len, json_t **ret_arr,
                              const json_t **ret_name)
{
    YC_ENSURE(len > 0, YC_ERR_INVALID);
    size_t cap = yc_b64url_decoded_len(len);
    uint8_t *buf = yc_alloc(cap + 1);
    YC_ENSURE(buf != NULL, YC_ERR_NOMEM);
    json_t *arr = NULL;
    size_t n = 0;
    yc_err rv = yc_b64url_decode(text, len, buf, cap, &n);
    if (rv != YC_OK)
        goto out;
    json_error_t jerr;
    const long failures = yc_alloc_failures();
    arr = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &jerr);
    if (arr == NULL) {
        rv = json_error_code(&jerr) == json_error_out_of_memory || yc_alloc_failures() != failures
                 ? YC_ERR_NOMEM
                 : YC_ERR_INVALID;
        goto out;
    }
    size_t sz = json_array_size(arr);
    const json_t *name = sz == 3 ? json_array_get(arr, 1) : NULL;
    if (!json_is_array(arr) || (sz != 2 && sz != 3) || !json_is_string(json_array_get(arr, 0)) ||
        (sz == 3 && !json_is_string(name))) {
        rv = YC_ERR_INVALID;
        goto out;
    }
    *ret_arr = arr;
    *ret_name = name;
    arr = NULL;
out:
    json_decref(arr);
    yc_free(buf);
    return rv;
}

/* Whether the JSON string @p name equals the NUL-terminated @p want (no embedded NUL). */
static bool name_is(const json_t *name, const char *want)
{
    const char *s = json_string_value(name);
    return s != NULL && json_string_length(name) == strlen(want) && strcmp(s, want) == 0;
}

yc_err yc_sdjwt_present(const char *sdjwt, size_t len, const char *const *names, size_t n_names,
                        char **ret_presentation, size_t *ret_len)
{
    YC_ENSURE(len <= YC_SDJWT_MAX_BYTES, YC_ERR_TOO_LARGE);
    YC_TRY(yc_crypto_init());
    const char *tilde = len > 0 ? memchr(sdjwt, '~', len) : NULL;
    /* An issuer JWT, then '~'; the last part empty (a KB-JWT is not re-presented). */
    YC_ENSURE(tilde != NULL && tilde != sdjwt && sdjwt[len - 1] == '~', YC_ERR_INVALID);
    const char *end = sdjwt + len;
    size_t n = 0;
    for (const char *p = tilde + 1; p < end; p++)
        n += *p == '~';
    YC_ENSURE(n <= YC_SDJWT_MAX_DISCLOSURES, YC_ERR_TOO_LARGE);

    yc_err rv = YC_OK;
    bool *found = yc_calloc(n_names + 1, sizeof *found);
    char *res = yc_alloc(len + 1); /* a presentation is never longer than the SD-JWT */
    if (found == NULL || res == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    size_t pos = (size_t)(tilde - sdjwt) + 1;
    memcpy(res, sdjwt, pos);
    const char *p = tilde + 1;
    for (size_t i = 0; i < n; i++) {
        const char *q = memchr(p, '~', (size_t)(end - p));
        size_t dlen = (size_t)(q - p);
        json_t *arr = NULL;
        const json_t *name = NULL;
        if ((rv = disclosure_name(p, dlen, &arr, &name)) != YC_OK)
            goto out;
        bool keep = false;
        for (size_t j = 0; name != NULL && j < n_names; j++)
            if (name_is(name, names[j])) {
                keep = true;
                found[j] = true;
            }
        json_decref(arr);
        if (keep) {
            memcpy(res + pos, p, dlen + 1); /* the disclosure and its '~' */
            pos += dlen + 1;
        }
        p = q + 1;
    }
    for (size_t j = 0; j < n_names; j++)
        if (!found[j]) {
            rv = YC_ERR_NOT_FOUND;
            goto out;
        }
    res[pos] = 0;
    *ret_presentation = res;
    *ret_len = pos;
    res = NULL;
out:
    yc_free(res);
    yc_free(found);
    return rv;
}
