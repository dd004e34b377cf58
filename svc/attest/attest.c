/* JWK Set and status list token builders (attest.h). */
#include "yrdcredit/attest.h"

#include <jansson.h>
#include <string.h>

#include "yrdcredit/alloc.h"

/* A JSON string of len bytes; YC_ERR_INVALID if the bytes are not UTF-8 (Jansson refuses them),
 * YC_ERR_NOMEM if Jansson could not allocate. */
static yc_err json_str(const char *s, size_t len, json_t **ret)
{
    json_t *j = json_stringn(s, len);
    if (j == NULL) {
        json_t *raw = json_stringn_nocheck(s, len);
        if (raw == NULL)
            return YC_ERR_NOMEM;
        json_decref(raw);
        return YC_ERR_INVALID;
    }
    *ret = j;
    return YC_OK;
}

/* Serialise compactly in insertion order into a yc_alloc'd string (Jansson allocates through
 * yc_alloc once yc_core_init_json() has run). */
static yc_err dump(json_t *root, char **ret_text, size_t *ret_len)
{
    char *text = json_dumps(root, JSON_COMPACT);
    YC_ENSURE(text != NULL, YC_ERR_NOMEM);
    *ret_text = text;
    *ret_len = strlen(text);
    return YC_OK;
}

/* RFC 8037 §2 OKP JWK, members kty, crv, x, kid, use (attestations.md §2: no alg). */
static yc_err jwk_new(const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES], json_t **ret_jwk)
{
    char x[YC_ED25519_PUBLIC_KEY_BYTES / 3 * 4 + 4];
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    YC_TRY(yc_b64url_encode(pk, YC_ED25519_PUBLIC_KEY_BYTES, x));
    YC_TRY(yc_jwk_thumbprint(pk, kid));
    json_t *jwk = json_object();
    YC_ENSURE(jwk != NULL, YC_ERR_NOMEM);
    if (json_object_set_new(jwk, "kty", json_string_nocheck("OKP")) != 0 ||
        json_object_set_new(jwk, "crv", json_string_nocheck("Ed25519")) != 0 ||
        json_object_set_new(jwk, "x", json_string_nocheck(x)) != 0 ||
        json_object_set_new(jwk, "kid", json_string_nocheck(kid)) != 0 ||
        json_object_set_new(jwk, "use", json_string_nocheck("sig")) != 0) {
        json_decref(jwk);
        return YC_ERR_NOMEM;
    }
    *ret_jwk = jwk;
    return YC_OK;
}

yc_err yc_attest_jwks_json(const uint8_t (*pks)[YC_ED25519_PUBLIC_KEY_BYTES], size_t n,
                           char **ret_json, size_t *ret_len)
{
    YC_ENSURE(n <= YC_ATTEST_JWKS_MAX_KEYS, YC_ERR_TOO_LARGE);
    YC_ENSURE(pks != NULL || n == 0, YC_ERR_INVALID);
    yc_core_init_json();
    yc_err rv = YC_ERR_NOMEM;
    json_t *keys = json_array();
    json_t *root = json_object();
    if (keys == NULL || root == NULL || json_object_set(root, "keys", keys) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        json_t *jwk = NULL;
        if ((rv = jwk_new(pks[i], &jwk)) != YC_OK)
            goto out;
        if (json_array_append_new(keys, jwk) != 0) {
            rv = YC_ERR_NOMEM;
            goto out;
        }
    }
    rv = dump(root, ret_json, ret_len);
out:
    json_decref(keys);
    json_decref(root);
    return rv;
}

/* Set name to a new integer; YC_ERR_NOMEM on failure. */
static yc_err set_int(json_t *obj, const char *name, int64_t v)
{
    YC_ENSURE(json_object_set_new(obj, name, json_integer(v)) == 0, YC_ERR_NOMEM);
    return YC_OK;
}

/* `"status_list":{"bits":N,"lst":"<b64url(zlib)>"}` (draft "Status List in JSON Format"). */
static yc_err status_list_json(const yc_status_list *list, json_t **ret_obj)
{
    uint8_t *z = NULL;
    size_t z_len = 0;
    char *lst = NULL;
    json_t *obj = NULL;
    yc_err rv = yc_status_list_encode(list, &z, &z_len);
    if (rv != YC_OK)
        goto out;
    /* The whole token is capped, so a compressed list past it can never be signed. */
    if (z_len > YC_ATTEST_STATUS_LIST_MAX_TOKEN_BYTES) {
        rv = YC_ERR_TOO_LARGE;
        goto out;
    }
    rv = YC_ERR_NOMEM;
    lst = yc_alloc(yc_b64url_encoded_len(z_len) + 1);
    if (lst == NULL)
        goto out;
    if ((rv = yc_b64url_encode(z, z_len, lst)) != YC_OK)
        goto out;
    rv = YC_ERR_NOMEM;
    obj = json_object();
    if (obj == NULL)
        goto out;
    if ((rv = set_int(obj, "bits", (int64_t)yc_status_list_bits(list))) != YC_OK)
        goto out;
    if (json_object_set_new(obj, "lst", json_string_nocheck(lst)) != 0) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    *ret_obj = obj;
    obj = NULL;
    rv = YC_OK;
out:
    json_decref(obj);
    yc_free(lst);
    yc_free(z);
    return rv;
}

yc_err yc_attest_status_list_token(const yc_status_list *list, const char *sub, int64_t iat,
                                   int64_t exp, int64_t ttl, const yc_ed25519_key *key,
                                   const char *kid, char **ret_token, size_t *ret_len)
{
    const size_t sub_len = strnlen(sub, YC_ATTEST_STATUS_LIST_MAX_SUB_BYTES + 1);
    const size_t kid_len = strnlen(kid, YC_JWK_THUMBPRINT_LEN + 1);
    YC_ENSURE(sub_len >= 1 && sub_len <= YC_ATTEST_STATUS_LIST_MAX_SUB_BYTES, YC_ERR_INVALID);
    YC_ENSURE(kid_len >= 1 && kid_len <= YC_JWK_THUMBPRINT_LEN, YC_ERR_INVALID);
    YC_ENSURE(iat >= 0 && exp > iat && ttl >= 1, YC_ERR_INVALID);
    yc_core_init_json();

    yc_err rv;
    json_t *header = NULL, *payload = NULL, *jkid = NULL, *jsub = NULL, *jsl = NULL;
    char *header_text = NULL, *payload_text = NULL;
    size_t header_len = 0, payload_len = 0;
    if ((rv = json_str(kid, kid_len, &jkid)) != YC_OK ||
        (rv = json_str(sub, sub_len, &jsub)) != YC_OK)
        goto out;
    rv = YC_ERR_NOMEM;
    header = json_object();
    payload = json_object();
    if (header == NULL || payload == NULL)
        goto out;
    /* attestations.md §3.1: typ statuslist+jwt; kid = the status-list key's thumbprint. */
    if (json_object_set_new(header, "alg", json_string_nocheck("EdDSA")) != 0 ||
        json_object_set(header, "kid", jkid) != 0 ||
        json_object_set_new(header, "typ", json_string_nocheck(YC_ATTEST_STATUS_LIST_TYP)) != 0)
        goto out;
    if ((rv = status_list_json(list, &jsl)) != YC_OK)
        goto out;
    rv = YC_ERR_NOMEM;
    if (json_object_set(payload, "sub", jsub) != 0)
        goto out;
    if ((rv = set_int(payload, "iat", iat)) != YC_OK ||
        (rv = set_int(payload, "exp", exp)) != YC_OK ||
        (rv = set_int(payload, "ttl", ttl)) != YC_OK)
        goto out;
    if (json_object_set(payload, "status_list", jsl) != 0) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    if ((rv = dump(header, &header_text, &header_len)) != YC_OK ||
        (rv = dump(payload, &payload_text, &payload_len)) != YC_OK)
        goto out;
    rv = yc_jws_sign_capped(header_text, header_len, (const uint8_t *)payload_text, payload_len,
                            key, YC_ATTEST_STATUS_LIST_MAX_TOKEN_BYTES, ret_token, ret_len);
out:
    yc_free(header_text);
    yc_free(payload_text);
    json_decref(jkid);
    json_decref(jsub);
    json_decref(jsl);
    json_decref(header);
    json_decref(payload);
    return rv;
}

static int is_nonneg_int(const json_t *j)
{
    return json_is_integer(j) && json_integer_value(j) >= 0;
}

/* Record the rejection and return its error. */
static yc_err reject(yc_jws_reason *reason, yc_jws_reason why, yc_err e)
{
    *reason = why;
    return e;
}

/* The claims of an authenticated status list token, checked; on YC_OK *ret_lst and *ret_bits
 * point into claims. */
static yc_err check_claims(json_t *claims, const char *sub, int64_t now, const char **ret_lst,
                           size_t *ret_lst_len, unsigned *ret_bits, int64_t *ret_ttl,
                           yc_jws_reason *reason)
{
    json_t *jsub = json_object_get(claims, "sub");
    json_t *jiat = json_object_get(claims, "iat");
    json_t *jexp = json_object_get(claims, "exp");
    json_t *jttl = json_object_get(claims, "ttl");
    json_t *jsl = json_object_get(claims, "status_list");
    if (jsub == NULL || jiat == NULL || jexp == NULL || jsl == NULL)
        return reject(reason, YC_JWS_MISSING_CLAIM, YC_ERR_INVALID);
    if (!json_is_string(jsub) || !is_nonneg_int(jiat) || !is_nonneg_int(jexp) ||
        (jttl != NULL && !(json_is_integer(jttl) && json_integer_value(jttl) > 0)) ||
        !json_is_object(jsl))
        return reject(reason, YC_JWS_BAD_CLAIM, YC_ERR_INVALID);
    json_t *jbits = json_object_get(jsl, "bits");
    json_t *jlst = json_object_get(jsl, "lst");
    if (jbits == NULL || jlst == NULL)
        return reject(reason, YC_JWS_MISSING_CLAIM, YC_ERR_INVALID);
    const json_int_t bits = json_is_integer(jbits) ? json_integer_value(jbits) : 0;
    if ((bits != 1 && bits != 2 && bits != 4 && bits != 8) || !json_is_string(jlst))
        return reject(reason, YC_JWS_BAD_CLAIM, YC_ERR_INVALID);
    /* draft "Validation Rules": sub must be the uri the referenced token named. */
    if (sub != NULL && (json_string_length(jsub) != strlen(sub) ||
                        memcmp(json_string_value(jsub), sub, strlen(sub)) != 0))
        return reject(reason, YC_JWS_BAD_CLAIM, YC_ERR_AUTH);
    if (json_integer_value(jexp) <= now)
        return reject(reason, YC_JWS_EXPIRED, YC_ERR_AUTH);
    *ret_lst = json_string_value(jlst);
    *ret_lst_len = json_string_length(jlst);
    *ret_bits = (unsigned)bits;
    *ret_ttl = jttl != NULL ? (int64_t)json_integer_value(jttl) : 0;
    return YC_OK;
}

yc_err yc_attest_status_list_token_parse(const char *token, size_t token_len,
                                         const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                                         const char *sub, int64_t now, size_t max_bytes,
                                         yc_status_list **ret_list, int64_t *ret_ttl,
                                         yc_jws_reason *reason)
{
    *reason = YC_JWS_INTERNAL;
    YC_ENSURE(now >= 0 && max_bytes >= 1 && max_bytes <= YC_STATUS_LIST_MAX_BYTES, YC_ERR_INVALID);
    yc_core_init_json();
    json_t *header = NULL, *claims = NULL;
    uint8_t *lst = NULL;
    const yc_jws_expect expect = {.algs = YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519,
                                  .typ = YC_ATTEST_STATUS_LIST_TYP,
                                  .kid = NULL,
                                  .max_bytes = YC_ATTEST_STATUS_LIST_MAX_TOKEN_BYTES};
    yc_err rv = yc_jwt_verify(token, token_len, pk, &expect, &header, &claims, reason);
    if (rv != YC_OK)
        goto out;
    const char *lst_b64 = NULL;
    size_t lst_b64_len = 0, lst_len = 0;
    unsigned bits = 0;
    int64_t ttl = 0;
    if ((rv = check_claims(claims, sub, now, &lst_b64, &lst_b64_len, &bits, &ttl, reason)) != YC_OK)
        goto out;
    const size_t cap = yc_b64url_decoded_len(lst_b64_len) + 1;
    lst = yc_alloc(cap);
    if (lst == NULL) {
        rv = reject(reason, YC_JWS_INTERNAL, YC_ERR_NOMEM);
        goto out;
    }
    rv = yc_b64url_decode(lst_b64, lst_b64_len, lst, cap, &lst_len);
    if (rv == YC_ERR_INVALID || rv == YC_ERR_TOO_LARGE) {
        rv = reject(reason, YC_JWS_BAD_CLAIM, YC_ERR_INVALID);
        goto out;
    }
    if (rv != YC_OK) {
        *reason = YC_JWS_INTERNAL;
        goto out;
    }
    yc_status_list *list = NULL;
    rv = yc_status_list_parse(lst, lst_len, bits, 0, max_bytes, &list);
    if (rv == YC_ERR_TOO_LARGE) {
        *reason = YC_JWS_TOO_LARGE;
        goto out;
    }
    if (rv == YC_ERR_PROTO || rv == YC_ERR_INVALID) {
        *reason = YC_JWS_BAD_CLAIM;
        goto out;
    }
    if (rv != YC_OK) {
        *reason = YC_JWS_INTERNAL;
        goto out;
    }
    *ret_list = list;
    if (ret_ttl != NULL)
        *ret_ttl = ttl;
    *reason = YC_JWS_OK;
out:
    yc_free(lst);
    json_decref(header);
    json_decref(claims);
    return rv;
}
