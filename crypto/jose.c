/* JOSE building blocks: strict base64url, Ed25519, RFC 7638 thumbprints, JWS compact. */
#include "yrdcredit/jose.h"

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"

/* Allocated with sodium_malloc (guard pages, mlock'd), read-only after filling. */
struct yc_ed25519_key {
    uint8_t sk[crypto_sign_SECRETKEYBYTES]; /* seed ‖ public key (libsodium layout) */
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
};

_Static_assert(crypto_sign_SEEDBYTES == YC_ED25519_SEED_BYTES, "seed size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == YC_ED25519_PUBLIC_KEY_BYTES, "pk size");
_Static_assert(crypto_sign_BYTES == YC_ED25519_SIGNATURE_BYTES, "signature size");

/* libsodium reads through its pointers even for zero lengths on some paths: never pass NULL. */
static const unsigned char empty_bytes[1];

/* ---- base64url ---- */

size_t yc_b64url_encoded_len(size_t len)
{
    size_t tail = len % 3;
    return len / 3 * 4 + (tail == 0 ? 0 : tail + 1);
}

size_t yc_b64url_decoded_len(size_t b64_len)
{
    size_t tail = b64_len % 4;
    return b64_len / 4 * 3 + (tail < 2 ? 0 : tail - 1);
}

yc_err yc_b64url_encode(const uint8_t *in, size_t len, char *ret_b64)
{
    YC_TRY(yc_crypto_init());
    /* sodium_base64_ENCODED_LEN of the no-padding variant is exactly our length + the NUL. */
    sodium_bin2base64(ret_b64, yc_b64url_encoded_len(len) + 1, in != NULL ? in : empty_bytes, len,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return YC_OK;
}

/*
 *= https://www.rfc-editor.org/rfc/rfc4648#section-3.5
 *# [...] decoders MAY chose to reject an encoding if the pad bits have not been set to zero.
 * libsodium's decoder with ignore = NULL and b64_end = NULL rejects them, as well as padding,
 * characters outside the URL-safe alphabet and a 1-character tail (attestations.md §7).
 */
yc_err yc_b64url_decode(const char *b64, size_t b64_len, uint8_t *ret_bin, size_t bin_cap,
                        size_t *ret_len)
{
    YC_TRY(yc_crypto_init());
    YC_ENSURE(b64_len % 4 != 1, YC_ERR_INVALID);
    YC_ENSURE(yc_b64url_decoded_len(b64_len) <= bin_cap, YC_ERR_TOO_LARGE);
    size_t n = 0;
    if (sodium_base642bin(ret_bin, bin_cap, b64 != NULL ? b64 : "", b64_len, NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return YC_ERR_INVALID;
    YC_ENSURE(n == yc_b64url_decoded_len(b64_len), YC_ERR_INVALID);
    *ret_len = n;
    return YC_OK;
}

/* ---- Ed25519 ---- */

yc_err yc_ed25519_key_from_seed(const uint8_t seed[static YC_ED25519_SEED_BYTES],
                                yc_ed25519_key **ret_key)
{
    YC_TRY(yc_crypto_init());
    /* Keys stay in sodium_malloc memory (STYLE.md §4.4); the fail hook still counts them. */
    YC_ENSURE(yc_alloc_admit(), YC_ERR_NOMEM);
    yc_ed25519_key *key = sodium_malloc(sizeof *key);
    YC_ENSURE(key != NULL, YC_ERR_NOMEM);
    if (crypto_sign_seed_keypair(key->pk, key->sk, seed) != 0) {
        sodium_free(key);
        return YC_ERR_INTERNAL;
    }
    sodium_mprotect_readonly(key);
    *ret_key = key;
    return YC_OK;
}

void yc_ed25519_key_free(yc_ed25519_key *key)
{
    /* sodium_free makes the region writable, wipes it and unmaps it. */
    if (key != NULL)
        sodium_free(key);
}

void yc_ed25519_public_key(const yc_ed25519_key *key,
                           uint8_t ret_pk[static YC_ED25519_PUBLIC_KEY_BYTES])
{
    memcpy(ret_pk, key->pk, YC_ED25519_PUBLIC_KEY_BYTES);
}

yc_err yc_ed25519_sign(const yc_ed25519_key *key, const uint8_t *msg, size_t msg_len,
                       uint8_t ret_sig[static YC_ED25519_SIGNATURE_BYTES])
{
    YC_TRY(yc_crypto_init());
    unsigned long long sig_len = 0;
    if (crypto_sign_detached(ret_sig, &sig_len, msg != NULL ? msg : empty_bytes,
                             (unsigned long long)msg_len, key->sk) != 0 ||
        sig_len != crypto_sign_BYTES)
        return YC_ERR_INTERNAL;
    return YC_OK;
}

yc_err yc_ed25519_verify(const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES], const uint8_t *msg,
                         size_t msg_len, const uint8_t *sig, size_t sig_len)
{
    YC_TRY(yc_crypto_init());
    /* crypto_sign_verify_detached reads exactly 64 bytes of sig (attestations.md §6). */
    YC_ENSURE(sig_len == crypto_sign_BYTES, YC_ERR_INVALID);
    if (crypto_sign_verify_detached(sig, msg != NULL ? msg : empty_bytes,
                                    (unsigned long long)msg_len, pk) != 0)
        return YC_ERR_AUTH;
    return YC_OK;
}

/* ---- RFC 7638 thumbprint ---- */

/*
 *= https://www.rfc-editor.org/rfc/rfc7638#section-3.2
 *# The required members for an elliptic curve public key [...] in lexicographic order
 * For an OKP key RFC 8037 §2 names crv, kty and x.  The members and their order are fixed and
 * crv/kty are constants; x is base64url, whose alphabet needs no JSON escaping.  So a fixed
 * template yields exactly the canonical form (no whitespace, sorted keys) that Jansson's
 * JSON_COMPACT | JSON_SORT_KEYS would print, without an allocation.
 */
yc_err yc_jwk_thumbprint(const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                         char ret_kid[static YC_JWK_THUMBPRINT_LEN + 1])
{
    static const char prefix[] = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"";
    static const char suffix[] = "\"}";
    enum { X_LEN = 43 };
    char json[sizeof prefix - 1 + X_LEN + sizeof suffix];
    memcpy(json, prefix, sizeof prefix - 1);
    YC_TRY(yc_b64url_encode(pk, YC_ED25519_PUBLIC_KEY_BYTES, json + sizeof prefix - 1));
    memcpy(json + sizeof prefix - 1 + X_LEN, suffix, sizeof suffix);
    uint8_t digest[32];
    yc_crypto_sha256(json, sizeof json - 1, digest);
    return yc_b64url_encode(digest, sizeof digest, ret_kid);
}

/* ---- JWS compact ---- */

/* Encoded length of a 64-byte signature. */
enum { SIG_B64_LEN = 86 };

/* alg names and their bits in yc_jws_expect.algs (RFC 8037 §3.1, RFC 9864 §2.2). */
static unsigned alg_bit(const json_t *alg)
{
    const char *s = json_string_value(alg);
    if (s == NULL || strlen(s) != json_string_length(alg))
        return 0;
    if (strcmp(s, "EdDSA") == 0)
        return YC_JWS_ALG_EDDSA;
    if (strcmp(s, "Ed25519") == 0)
        return YC_JWS_ALG_ED25519;
    return 0; /* "none", HS256 and everything else */
}

/* Parse untrusted JSON that must be an object with unique member names. */
static yc_jws_reason parse_object(const uint8_t *buf, size_t len, yc_jws_reason not_object,
                                  json_t **ret_obj)
{
    json_error_t jerr;
    /* Jansson reports most allocation failures as syntax errors: the thread's failure counter
     * tells them apart (alloc.h, yc_alloc_failures()). */
    const long failures = yc_alloc_failures();
    json_t *obj = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL) {
        if (json_error_code(&jerr) == json_error_out_of_memory || yc_alloc_failures() != failures)
            return YC_JWS_INTERNAL;
        return json_error_code(&jerr) == json_error_duplicate_key ? YC_JWS_DUPLICATE_MEMBER
                                                                  : not_object;
    }
    if (!json_is_object(obj)) {
        json_decref(obj);
        return not_object;
    }
    *ret_obj = obj;
    return YC_JWS_OK;
}

yc_err yc_jws_sign(const char *header, size_t header_len, const uint8_t *payload,
                   size_t payload_len, const yc_ed25519_key *key, char **ret_token, size_t *ret_len)
{
    return yc_jws_sign_capped(header, header_len, payload, payload_len, key, YC_JWS_MAX_TOKEN_BYTES,
                              ret_token, ret_len);
}

yc_err yc_jws_sign_capped(const char *header, size_t header_len, const uint8_t *payload,
                          size_t payload_len, const yc_ed25519_key *key, size_t max_bytes,
                          char **ret_token, size_t *ret_len)
{
    YC_ENSURE(max_bytes >= 1 && max_bytes <= YC_JWS_MAX_LARGE_TOKEN_BYTES, YC_ERR_INVALID);
    YC_ENSURE(header_len <= max_bytes && payload_len <= max_bytes, YC_ERR_TOO_LARGE);
    size_t h_len = yc_b64url_encoded_len(header_len);
    size_t p_len = yc_b64url_encoded_len(payload_len);
    size_t total = h_len + 1 + p_len + 1 + SIG_B64_LEN;
    YC_ENSURE(total <= max_bytes, YC_ERR_TOO_LARGE);

    json_t *h = NULL;
    yc_jws_reason r = parse_object((const uint8_t *)header, header_len, YC_JWS_BAD_HEADER, &h);
    YC_ENSURE(r != YC_JWS_INTERNAL, YC_ERR_NOMEM);
    YC_ENSURE(r == YC_JWS_OK, YC_ERR_INVALID);
    bool ok = alg_bit(json_object_get(h, "alg")) != 0;
    json_decref(h);
    YC_ENSURE(ok, YC_ERR_INVALID);

    char *tok = yc_alloc(total + 1);
    YC_ENSURE(tok != NULL, YC_ERR_NOMEM);
    yc_err rv = YC_OK;
    uint8_t sig[YC_ED25519_SIGNATURE_BYTES];
    if ((rv = yc_b64url_encode((const uint8_t *)header, header_len, tok)) != YC_OK)
        goto out;
    tok[h_len] = '.';
    if ((rv = yc_b64url_encode(payload, payload_len, tok + h_len + 1)) != YC_OK)
        goto out;
    /* RFC 7515 §5.1 step 8: sign ASCII(BASE64URL(header) || '.' || BASE64URL(payload)). */
    if ((rv = yc_ed25519_sign(key, (const uint8_t *)tok, h_len + 1 + p_len, sig)) != YC_OK)
        goto out;
    tok[h_len + 1 + p_len] = '.';
    rv = yc_b64url_encode(sig, sizeof sig, tok + h_len + 1 + p_len + 1);
out:
    if (rv != YC_OK) {
        yc_free(tok);
        return rv;
    }
    *ret_token = tok;
    *ret_len = total;
    return YC_OK;
}

/* A header member that must equal @p want exactly (when @p want is not NULL). */
static bool member_matches(const json_t *hdr, const char *name, const char *want)
{
    if (want == NULL)
        return true;
    const json_t *v = json_object_get(hdr, name);
    const char *s = json_string_value(v);
    return s != NULL && json_string_length(v) == strlen(want) && strcmp(s, want) == 0;
}

/* The policy checks on a parsed header, in the order of yc_jws_verify()'s documentation. */
static yc_jws_reason check_header(const json_t *hdr, const yc_jws_expect *expect)
{
    const json_t *alg = json_object_get(hdr, "alg");
    if (!json_is_string(alg))
        return YC_JWS_BAD_HEADER;
    if ((alg_bit(alg) & expect->algs) == 0)
        return YC_JWS_ALG_NOT_ALLOWED;
    /*
     *= https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11
     *# If any of the listed extension Header Parameters are not understood and supported by
     *# the recipient, then the JWS is invalid.
     * We understand no extension, and an empty or registered-name list is invalid anyway.
     */
    if (json_object_get(hdr, "crit") != NULL)
        return YC_JWS_CRIT_UNSUPPORTED;
    /* Keys are pinned; a key or key URL inside the token is never used (attestations.md §6.4). */
    static const char *const key_members[] = {"jwk", "jku", "x5u", "x5c"};
    for (size_t i = 0; i < sizeof key_members / sizeof key_members[0]; i++)
        if (json_object_get(hdr, key_members[i]) != NULL)
            return YC_JWS_KEY_IN_HEADER;
    if (!member_matches(hdr, "typ", expect->typ))
        return YC_JWS_WRONG_TYP;
    if (!member_matches(hdr, "kid", expect->kid))
        return YC_JWS_WRONG_KID;
    return YC_JWS_OK;
}

static yc_err reason_err(yc_jws_reason r)
{
    switch (r) {
    case YC_JWS_OK:
        return YC_OK;
    case YC_JWS_TOO_LARGE:
        return YC_ERR_TOO_LARGE;
    case YC_JWS_MALFORMED:
    case YC_JWS_BAD_BASE64:
    case YC_JWS_BAD_HEADER:
    case YC_JWS_DUPLICATE_MEMBER:
    case YC_JWS_BAD_SIGNATURE_LENGTH:
    case YC_JWS_BAD_PAYLOAD:
    case YC_JWS_BAD_CLAIM:
    case YC_JWS_MISSING_CLAIM:
    case YC_JWS_SD_MALFORMED:
    case YC_JWS_SD_KB_JWT:
    case YC_JWS_SD_BAD_ALG:
    case YC_JWS_SD_BAD_DISCLOSURE:
    case YC_JWS_SD_DUPLICATE_DISCLOSURE:
    case YC_JWS_SD_DUPLICATE_DIGEST:
    case YC_JWS_SD_UNREFERENCED:
    case YC_JWS_SD_CLAIM_EXISTS:
        return YC_ERR_INVALID;
    case YC_JWS_WRONG_ISS:
    case YC_JWS_WRONG_AUD:
    case YC_JWS_WRONG_VCT:
    case YC_JWS_EXPIRED:
    case YC_JWS_NOT_YET_VALID:
    case YC_JWS_LIFETIME_TOO_LONG:
    case YC_JWS_ALG_NOT_ALLOWED:
    case YC_JWS_CRIT_UNSUPPORTED:
    case YC_JWS_KEY_IN_HEADER:
    case YC_JWS_WRONG_TYP:
    case YC_JWS_WRONG_KID:
    case YC_JWS_BAD_SIGNATURE:
        return YC_ERR_AUTH;
    case YC_JWS_INTERNAL:
        break;
    }
    return YC_ERR_NOMEM;
}

/* The checks of yc_jws_verify(); on YC_JWS_OK *ret_buf holds the decoded parts (the payload at
 * *ret_payload) and *ret_hdr the header, both owned by the caller. */
static yc_jws_reason verify_core(const char *token, size_t token_len, const uint8_t *pk,
                                 const yc_jws_expect *expect, json_t **ret_hdr, uint8_t **ret_buf,
                                 const uint8_t **ret_payload, size_t *ret_payload_len)
{
    yc_jws_reason r = YC_JWS_OK;
    uint8_t *buf = NULL;
    json_t *hdr = NULL;
    if (yc_crypto_init() != YC_OK)
        return YC_JWS_INTERNAL;
    const size_t max_len = expect->max_bytes == 0 ? YC_JWS_MAX_TOKEN_BYTES
                           : expect->max_bytes < YC_JWS_MAX_LARGE_TOKEN_BYTES
                               ? expect->max_bytes
                               : YC_JWS_MAX_LARGE_TOKEN_BYTES;
    if (token_len > max_len)
        return YC_JWS_TOO_LARGE;
    /* RFC 7515 §7.1: exactly three parts separated by two '.'. */
    size_t dots[2] = {0, 0};
    size_t ndots = 0;
    for (size_t i = 0; i < token_len && ndots <= 2; i++) {
        if (token[i] == '.') {
            if (ndots < 2)
                dots[ndots] = i;
            ndots++;
        }
    }
    if (ndots != 2)
        return YC_JWS_MALFORMED;
    const char *part[3] = {token, token + dots[0] + 1, token + dots[1] + 1};
    size_t part_len[3] = {dots[0], dots[1] - dots[0] - 1, token_len - dots[1] - 1};
    size_t cap[3];
    size_t total = 0;
    for (size_t i = 0; i < 3; i++) {
        cap[i] = yc_b64url_decoded_len(part_len[i]);
        total += cap[i];
    }
    buf = yc_alloc(total + 1);
    if (buf == NULL)
        return YC_JWS_INTERNAL;
    uint8_t *bin[3] = {buf, buf + cap[0], buf + cap[0] + cap[1]};
    size_t bin_len[3];
    for (size_t i = 0; i < 3; i++) {
        if (yc_b64url_decode(part[i], part_len[i], bin[i], cap[i], &bin_len[i]) != YC_OK) {
            r = YC_JWS_BAD_BASE64;
            goto out;
        }
    }
    if ((r = parse_object(bin[0], bin_len[0], YC_JWS_BAD_HEADER, &hdr)) != YC_JWS_OK)
        goto out;
    if ((r = check_header(hdr, expect)) != YC_JWS_OK)
        goto out;
    if (bin_len[2] != YC_ED25519_SIGNATURE_BYTES) {
        r = YC_JWS_BAD_SIGNATURE_LENGTH;
        goto out;
    }
    yc_err rv = yc_ed25519_verify(pk, (const uint8_t *)token, dots[1], bin[2], bin_len[2]);
    if (rv != YC_OK) {
        r = rv == YC_ERR_AUTH ? YC_JWS_BAD_SIGNATURE : YC_JWS_INTERNAL;
        goto out;
    }
    *ret_hdr = hdr;
    *ret_buf = buf;
    *ret_payload = bin[1];
    *ret_payload_len = bin_len[1];
    return YC_JWS_OK;
out:
    json_decref(hdr);
    yc_free(buf);
    return r;
}

yc_err yc_jws_verify(const char *token, size_t token_len,
                     const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                     const yc_jws_expect *expect, json_t **ret_header, uint8_t **ret_payload,
                     size_t *ret_payload_len, yc_jws_reason *reason)
{
    json_t *hdr = NULL;
    uint8_t *buf = NULL;
    const uint8_t *payload = NULL;
    size_t payload_len = 0;
    yc_jws_reason r = verify_core(token, token_len, pk, expect, &hdr, &buf, &payload, &payload_len);
    *reason = r;
    if (r != YC_JWS_OK)
        return reason_err(r);
    /* The payload moves to the front of the buffer, which has room for the NUL. */
    memmove(buf, payload, payload_len);
    buf[payload_len] = 0;
    *ret_header = hdr;
    *ret_payload = buf;
    *ret_payload_len = payload_len;
    return YC_OK;
}

yc_err yc_jwt_verify(const char *token, size_t token_len,
                     const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                     const yc_jws_expect *expect, json_t **ret_header, json_t **ret_claims,
                     yc_jws_reason *reason)
{
    json_t *hdr = NULL;
    json_t *claims = NULL;
    uint8_t *buf = NULL;
    const uint8_t *payload = NULL;
    size_t payload_len = 0;
    yc_jws_reason r = verify_core(token, token_len, pk, expect, &hdr, &buf, &payload, &payload_len);
    if (r != YC_JWS_OK)
        goto out;
    /* RFC 7519 §7.2 step 10: the claims set is a JSON object; parsed only once authenticated. */
    r = parse_object(payload, payload_len, YC_JWS_BAD_PAYLOAD, &claims);
    if (r != YC_JWS_OK)
        goto out;
    *ret_header = hdr;
    *ret_claims = claims;
    hdr = NULL;
out:
    json_decref(hdr);
    yc_free(buf);
    *reason = r;
    return reason_err(r);
}

/* ---- JWT claims (RFC 7519 §4.1) ---- */

/* A JSON string equal to @p want (no embedded NUL). */
static bool str_equals(const json_t *v, const char *want)
{
    const char *s = json_string_value(v);
    return s != NULL && json_string_length(v) == strlen(want) && strcmp(s, want) == 0;
}

/* exp/nbf/iat: absent, or a JSON integer >= 0 (RFC 7519 §2 NumericDate; no fractions, no
 * strings: attestations.md §1.3, §6.9).  False for any other value. */
static bool numeric_date(json_t *claims, const char *name, bool *ret_present, int64_t *ret_value)
{
    const json_t *v = json_object_get(claims, name);
    *ret_present = v != NULL;
    *ret_value = 0;
    if (v == NULL)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *ret_value = (int64_t)json_integer_value(v);
    return true;
}

/*
 *= https://www.rfc-editor.org/rfc/rfc7519#section-4.1.3
 *# In the general case, the "aud" value is an array of case-sensitive strings, each containing
 *# a StringOrURI value.  In the special case when the JWT has one audience, the "aud" value MAY
 *# be a single case-sensitive string containing a StringOrURI value.
 */
static bool aud_type_ok(json_t *aud)
{
    if (aud == NULL || json_is_string(aud))
        return true;
    if (!json_is_array(aud))
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(aud, i, e)
    {
        if (!json_is_string(e))
            return false;
    }
    return true;
}

static bool aud_contains(json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return str_equals(aud, want);
    size_t i;
    json_t *e;
    json_array_foreach(aud, i, e)
    {
        if (str_equals(e, want))
            return true;
    }
    return false;
}

static bool claims_expect_ok(const yc_jwt_claims_expect *ex)
{
    return ex->iss != NULL && ex->now >= 0 && ex->leeway >= 0 &&
           ex->leeway <= YC_JWT_MAX_LEEWAY_SECONDS && ex->max_lifetime >= 0;
}

/* The checks of yc_jwt_check_claims(), in its documented order; @p ex is in range, so
 * now - leeway >= -60 and no subtraction below overflows (all dates are >= 0). */
static yc_jws_reason check_claims(json_t *c, const yc_jwt_claims_expect *ex)
{
    json_t *iss = json_object_get(c, "iss");
    json_t *aud = json_object_get(c, "aud");
    json_t *vct = json_object_get(c, "vct");
    bool has_exp = false, has_nbf = false, has_iat = false;
    int64_t exp = 0, nbf = 0, iat = 0;
    if ((iss != NULL && !json_is_string(iss)) || (vct != NULL && !json_is_string(vct)) ||
        !aud_type_ok(aud) || !numeric_date(c, "exp", &has_exp, &exp) ||
        !numeric_date(c, "nbf", &has_nbf, &nbf) || !numeric_date(c, "iat", &has_iat, &iat))
        return YC_JWS_BAD_CLAIM;
    if (iss == NULL)
        return YC_JWS_MISSING_CLAIM;
    /* RFC 7519 §4.1.1; attestations.md §6.10: exact string, no prefix or fallback. */
    if (!str_equals(iss, ex->iss))
        return YC_JWS_WRONG_ISS;
    /*
     *= https://www.rfc-editor.org/rfc/rfc7519#section-4.1.3
     *# If the principal processing the claim does not identify itself with a value in the
     *# "aud" claim when this claim is present, then the JWT MUST be rejected.
     */
    if (aud != NULL && !ex->any_aud && (ex->aud == NULL || !aud_contains(aud, ex->aud)))
        return YC_JWS_WRONG_AUD;
    if (ex->vct != NULL) {
        if (vct == NULL)
            return YC_JWS_MISSING_CLAIM;
        if (!str_equals(vct, ex->vct))
            return YC_JWS_WRONG_VCT;
    }
    if (ex->require_exp && !has_exp)
        return YC_JWS_MISSING_CLAIM;
    if (ex->max_lifetime > 0 && has_exp && !has_iat)
        return YC_JWS_MISSING_CLAIM;
    /*
     *= https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
     *# The processing of the "exp" claim requires that the current date/time MUST be before
     *# the expiration date/time listed in the "exp" claim.
     * With leeway: reject when now >= exp + leeway, i.e. exp <= now - leeway.
     */
    if (has_exp && exp <= ex->now - ex->leeway)
        return YC_JWS_EXPIRED;
    /* RFC 7519 §4.1.5: now >= nbf (with leeway); an iat in the future is refused the same way. */
    if (has_nbf && nbf > ex->now && nbf - ex->now > ex->leeway)
        return YC_JWS_NOT_YET_VALID;
    if (has_iat && iat > ex->now && iat - ex->now > ex->leeway)
        return YC_JWS_NOT_YET_VALID;
    /* attestations.md §6.9: enforce exp - iat <= max lifetime. */
    if (ex->max_lifetime > 0 && has_exp && exp - iat > ex->max_lifetime)
        return YC_JWS_LIFETIME_TOO_LONG;
    return YC_JWS_OK;
}

yc_err yc_jwt_check_claims(json_t *claims, const yc_jwt_claims_expect *expect,
                           yc_jws_reason *reason)
{
    if (!claims_expect_ok(expect)) {
        *reason = YC_JWS_INTERNAL;
        return YC_ERR_INVALID;
    }
    yc_jws_reason r = json_is_object(claims) ? check_claims(claims, expect) : YC_JWS_BAD_PAYLOAD;
    *reason = r;
    return reason_err(r);
}

/* ---- SD-JWT (RFC 9901) ---- */

yc_err yc_sdjwt_disclosure_digest(const char *disclosure, size_t len,
                                  char ret_digest[static YC_SDJWT_DIGEST_LEN + 1])
{
    /*
     *= https://www.rfc-editor.org/rfc/rfc9901#section-4.2.3
     *# The digest MUST be taken over the US-ASCII bytes of the base64url-encoded value that is
     *# the Disclosure.
     */
    uint8_t d[32];
    yc_crypto_sha256(disclosure, len, d);
    return yc_b64url_encode(d, sizeof d, ret_digest);
}

typedef struct sd_disclosure {
    char digest[YC_SDJWT_DIGEST_LEN + 1];
    json_t *arr; /* [salt, name, value] or [salt, value]; owned */
    bool used;
} sd_disclosure;

typedef struct sd_ctx {
    sd_disclosure *d;
    size_t n;
    json_t *seen; /* object used as the set of every digest met so far */
} sd_ctx;

/* One disclosure: strict base64url of a JSON array of the two RFC 9901 §4.2.1/§4.2.2 shapes. */
static yc_jws_reason parse_disclosure(const char *text, size_t len, json_t **ret_arr)
{
    if (len == 0)
        return YC_JWS_SD_MALFORMED; /* "~~" */
    size_t cap = yc_b64url_decoded_len(len);
    uint8_t *buf = yc_alloc(cap + 1);
    if (buf == NULL)
        return YC_JWS_INTERNAL;
    yc_jws_reason r = YC_JWS_OK;
    json_t *arr = NULL;
    size_t n = 0;
    yc_err rv = yc_b64url_decode(text, len, buf, cap, &n);
    if (rv != YC_OK) {
        r = rv == YC_ERR_INTERNAL ? YC_JWS_INTERNAL : YC_JWS_SD_BAD_DISCLOSURE;
        goto out;
    }
    json_error_t jerr;
    const long failures = yc_alloc_failures();
    arr = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &jerr);
    if (arr == NULL) {
        r = json_error_code(&jerr) == json_error_out_of_memory || yc_alloc_failures() != failures
                ? YC_JWS_INTERNAL
                : YC_JWS_SD_BAD_DISCLOSURE;
        goto out;
    }
    size_t sz = json_array_size(arr);
    if (!json_is_array(arr) || (sz != 2 && sz != 3) || !json_is_string(json_array_get(arr, 0))) {
        r = YC_JWS_SD_BAD_DISCLOSURE;
        goto out;
    }
    if (sz == 3) {
        /*
         *= https://www.rfc-editor.org/rfc/rfc9901#section-7.1
         *# If the claim name is _sd or ..., the SD-JWT MUST be rejected.
         */
        const json_t *name = json_array_get(arr, 1);
        if (!json_is_string(name) || str_equals(name, "_sd") || str_equals(name, "..."))
            r = YC_JWS_SD_BAD_DISCLOSURE;
    }
out:
    yc_free(buf);
    if (r != YC_JWS_OK)
        json_decref(arr);
    else
        *ret_arr = arr;
    return r;
}

/* Record a digest met in the payload (RFC 9901 §7.1 step 4: each at most once) and find its
 * disclosure (NULL for a decoy or an undisclosed claim). */
static yc_jws_reason see_digest(sd_ctx *ctx, const json_t *digest, sd_disclosure **ret)
{
    const char *s = json_string_value(digest);
    if (json_object_get(ctx->seen, s) != NULL)
        return YC_JWS_SD_DUPLICATE_DIGEST;
    if (json_object_set_new(ctx->seen, s, json_true()) != 0)
        return YC_JWS_INTERNAL;
    *ret = NULL;
    for (size_t i = 0; i < ctx->n; i++)
        if (str_equals(digest, ctx->d[i].digest))
            *ret = &ctx->d[i];
    return YC_JWS_OK;
}

static yc_jws_reason sd_process(sd_ctx *ctx, json_t *in, unsigned depth, bool top, json_t **ret);

/* RFC 9901 §7.1 step 3.2: an object; its _sd digests replaced by the disclosed claims. */
static yc_jws_reason sd_object(sd_ctx *ctx, json_t *in, unsigned depth, bool top, json_t *out)
{
    const char *key;
    json_t *val;
    yc_jws_reason r = YC_JWS_OK;
    json_object_foreach(in, key, val)
    {
        if (strcmp(key, "_sd") == 0 || (top && strcmp(key, "_sd_alg") == 0))
            continue;
        json_t *v = NULL;
        if ((r = sd_process(ctx, val, depth + 1, false, &v)) != YC_JWS_OK)
            return r;
        if (json_object_set_new(out, key, v) != 0)
            return YC_JWS_INTERNAL;
    }
    json_t *sd = json_object_get(in, "_sd");
    if (sd == NULL)
        return YC_JWS_OK;
    if (!json_is_array(sd))
        return YC_JWS_SD_MALFORMED;
    size_t i;
    json_t *digest;
    json_array_foreach(sd, i, digest)
    {
        if (!json_is_string(digest))
            return YC_JWS_SD_MALFORMED;
        sd_disclosure *d = NULL;
        if ((r = see_digest(ctx, digest, &d)) != YC_JWS_OK)
            return r;
        if (d == NULL)
            continue; /* decoy or not disclosed: dropped */
        if (json_array_size(d->arr) != 3)
            return YC_JWS_SD_BAD_DISCLOSURE; /* an array-element disclosure in _sd */
        d->used = true;
        json_t *name = json_array_get(d->arr, 1);
        const char *n = json_string_value(name);
        /*
         *= https://www.rfc-editor.org/rfc/rfc9901#section-7.1
         *# If the claim name already exists at the level of the _sd key, the SD-JWT MUST be
         *# rejected.
         */
        if (json_object_get(in, n) != NULL || json_object_get(out, n) != NULL)
            return YC_JWS_SD_CLAIM_EXISTS;
        json_t *v = NULL;
        if ((r = sd_process(ctx, json_array_get(d->arr, 2), depth + 1, false, &v)) != YC_JWS_OK)
            return r;
        if (json_object_set_new(out, n, v) != 0)
            return YC_JWS_INTERNAL;
    }
    return YC_JWS_OK;
}

/* RFC 9901 §7.1 step 3.3: an array; {"...": digest} elements replaced or dropped. */
static yc_jws_reason sd_array(sd_ctx *ctx, json_t *in, unsigned depth, json_t *out)
{
    size_t i;
    json_t *e;
    yc_jws_reason r = YC_JWS_OK;
    json_array_foreach(in, i, e)
    {
        json_t *src = e;
        json_t *digest = json_is_object(e) ? json_object_get(e, "...") : NULL;
        if (digest != NULL) {
            if (json_object_size(e) != 1 || !json_is_string(digest))
                return YC_JWS_SD_MALFORMED;
            sd_disclosure *d = NULL;
            if ((r = see_digest(ctx, digest, &d)) != YC_JWS_OK)
                return r;
            if (d == NULL)
                continue;
            if (json_array_size(d->arr) != 2)
                return YC_JWS_SD_BAD_DISCLOSURE; /* an object-property disclosure in "..." */
            d->used = true;
            src = json_array_get(d->arr, 1);
        }
        json_t *v = NULL;
        if ((r = sd_process(ctx, src, depth + 1, false, &v)) != YC_JWS_OK)
            return r;
        if (json_array_append_new(out, v) != 0)
            return YC_JWS_INTERNAL;
    }
    return YC_JWS_OK;
}

/* Processed copy of @p in (RFC 9901 §7.1 step 3), recursing into disclosed values. */
static yc_jws_reason sd_process(sd_ctx *ctx, json_t *in, unsigned depth, bool top, json_t **ret)
{
    if (!json_is_object(in) && !json_is_array(in)) {
        *ret = json_deep_copy(in);
        return *ret != NULL ? YC_JWS_OK : YC_JWS_INTERNAL;
    }
    if (depth > YC_SDJWT_MAX_DEPTH)
        return YC_JWS_SD_MALFORMED;
    json_t *out = json_is_object(in) ? json_object() : json_array();
    if (out == NULL)
        return YC_JWS_INTERNAL;
    yc_jws_reason r =
        json_is_object(in) ? sd_object(ctx, in, depth, top, out) : sd_array(ctx, in, depth, out);
    if (r != YC_JWS_OK) {
        json_decref(out);
        return r;
    }
    *ret = out;
    return YC_JWS_OK;
}

/* The steps of yc_sdjwt_verify() before the claim checks. */
static yc_jws_reason sdjwt_core(const char *sdjwt, size_t len, const uint8_t *pk,
                                const yc_jws_expect *jws, sd_ctx *ctx, json_t **ret_hdr,
                                json_t **ret_processed)
{
    if (len > YC_SDJWT_MAX_BYTES)
        return YC_JWS_TOO_LARGE;
    const char *tilde = len > 0 ? memchr(sdjwt, '~', len) : NULL;
    if (tilde == NULL)
        return YC_JWS_SD_MALFORMED;
    /*
     *= https://www.rfc-editor.org/rfc/rfc9901#section-4
     *# <Issuer-signed JWT>~<Disclosure 1>~<Disclosure 2>~...~<Disclosure N>~<optional KB-JWT>
     * Without key binding the part after the last '~' is empty (attestations.md §1.3 step 1).
     */
    if (sdjwt[len - 1] != '~')
        return YC_JWS_SD_KB_JWT;
    const char *end = sdjwt + len;
    size_t n = 0;
    for (const char *p = tilde + 1; p < end; p++)
        n += *p == '~';
    if (n > YC_SDJWT_MAX_DISCLOSURES)
        return YC_JWS_SD_MALFORMED;
    json_t *hdr = NULL;
    json_t *payload = NULL;
    yc_jws_reason r = YC_JWS_OK;
    /* the reason carries everything the yc_err would */
    yc_err rv = yc_jwt_verify(sdjwt, (size_t)(tilde - sdjwt), pk, jws, &hdr, &payload, &r);
    if (rv != YC_OK)
        return r;
    /* RFC 9901 §4.1.1: absent means sha-256; we support no other. */
    json_t *alg = json_object_get(payload, "_sd_alg");
    if (alg != NULL && !str_equals(alg, "sha-256")) {
        r = YC_JWS_SD_BAD_ALG;
        goto out;
    }
    if (n > 0) {
        ctx->d = yc_calloc(n, sizeof *ctx->d);
        if (ctx->d == NULL) {
            r = YC_JWS_INTERNAL;
            goto out;
        }
    }
    const char *p = tilde + 1;
    for (size_t i = 0; i < n; i++) {
        const char *q = memchr(p, '~', (size_t)(end - p));
        size_t dlen = (size_t)(q - p);
        if ((r = parse_disclosure(p, dlen, &ctx->d[i].arr)) != YC_JWS_OK)
            goto out;
        ctx->n = i + 1;
        if (yc_sdjwt_disclosure_digest(p, dlen, ctx->d[i].digest) != YC_OK) {
            r = YC_JWS_INTERNAL;
            goto out;
        }
        /* RFC 9901 §7.1 step 4 and §4: no disclosure twice (equal text, equal digest). */
        for (size_t j = 0; j < i; j++)
            if (strcmp(ctx->d[j].digest, ctx->d[i].digest) == 0) {
                r = YC_JWS_SD_DUPLICATE_DISCLOSURE;
                goto out;
            }
        p = q + 1;
    }
    ctx->seen = json_object();
    if (ctx->seen == NULL) {
        r = YC_JWS_INTERNAL;
        goto out;
    }
    json_t *processed = NULL;
    if ((r = sd_process(ctx, payload, 0, true, &processed)) != YC_JWS_OK)
        goto out;
    /*
     *= https://www.rfc-editor.org/rfc/rfc9901#section-7.1
     *# If any Disclosure was not referenced by digest value in the Issuer-signed JWT (directly
     *# or recursively via other Disclosures), the SD-JWT MUST be rejected.
     */
    for (size_t i = 0; i < n; i++)
        if (!ctx->d[i].used) {
            json_decref(processed);
            r = YC_JWS_SD_UNREFERENCED;
            goto out;
        }
    *ret_hdr = hdr;
    *ret_processed = processed;
    hdr = NULL;
out:
    json_decref(hdr);
    json_decref(payload);
    return r;
}

yc_err yc_sdjwt_verify(const char *sdjwt, size_t len,
                       const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                       const yc_jws_expect *jws, const yc_jwt_claims_expect *claims,
                       json_t **ret_header, json_t **ret_claims, yc_jws_reason *reason)
{
    if (!claims_expect_ok(claims)) {
        *reason = YC_JWS_INTERNAL;
        return YC_ERR_INVALID;
    }
    sd_ctx ctx = {NULL, 0, NULL};
    json_t *hdr = NULL;
    json_t *processed = NULL;
    yc_jws_reason r = sdjwt_core(sdjwt, len, pk, jws, &ctx, &hdr, &processed);
    /* RFC 9901 §7.1: validity claims are checked in the processed payload. */
    if (r == YC_JWS_OK)
        r = check_claims(processed, claims);
    if (r == YC_JWS_OK) {
        *ret_header = hdr;
        *ret_claims = processed;
        hdr = NULL;
        processed = NULL;
    }
    for (size_t i = 0; i < ctx.n; i++)
        json_decref(ctx.d[i].arr);
    yc_free(ctx.d);
    json_decref(ctx.seen);
    json_decref(hdr);
    json_decref(processed);
    *reason = r;
    return reason_err(r);
}

const char *yc_jws_reason_str(yc_jws_reason reason)
{
    switch (reason) {
    case YC_JWS_OK:
        return "ok";
    case YC_JWS_TOO_LARGE:
        return "too_large";
    case YC_JWS_MALFORMED:
        return "malformed";
    case YC_JWS_BAD_BASE64:
        return "bad_base64";
    case YC_JWS_BAD_HEADER:
        return "bad_header";
    case YC_JWS_DUPLICATE_MEMBER:
        return "duplicate_member";
    case YC_JWS_ALG_NOT_ALLOWED:
        return "alg_not_allowed";
    case YC_JWS_CRIT_UNSUPPORTED:
        return "crit_unsupported";
    case YC_JWS_KEY_IN_HEADER:
        return "key_in_header";
    case YC_JWS_WRONG_TYP:
        return "wrong_typ";
    case YC_JWS_WRONG_KID:
        return "unknown_kid";
    case YC_JWS_BAD_SIGNATURE_LENGTH:
        return "bad_signature_length";
    case YC_JWS_BAD_SIGNATURE:
        return "bad_signature";
    case YC_JWS_BAD_PAYLOAD:
        return "bad_payload";
    case YC_JWS_BAD_CLAIM:
        return "bad_claim";
    case YC_JWS_MISSING_CLAIM:
        return "missing_claim";
    case YC_JWS_WRONG_ISS:
        return "untrusted_issuer";
    case YC_JWS_WRONG_AUD:
        return "wrong_aud";
    case YC_JWS_WRONG_VCT:
        return "wrong_vct";
    case YC_JWS_EXPIRED:
        return "expired";
    case YC_JWS_NOT_YET_VALID:
        return "not_yet_valid";
    case YC_JWS_LIFETIME_TOO_LONG:
        return "lifetime_too_long";
    case YC_JWS_SD_MALFORMED:
        return "sd_malformed";
    case YC_JWS_SD_KB_JWT:
        return "kb_jwt_unexpected";
    case YC_JWS_SD_BAD_ALG:
        return "sd_alg_unsupported";
    case YC_JWS_SD_BAD_DISCLOSURE:
        return "bad_disclosure";
    case YC_JWS_SD_DUPLICATE_DISCLOSURE:
        return "duplicate_disclosure";
    case YC_JWS_SD_DUPLICATE_DIGEST:
        return "duplicate_digest";
    case YC_JWS_SD_UNREFERENCED:
        return "disclosure_mismatch";
    case YC_JWS_SD_CLAIM_EXISTS:
        return "disclosure_claim_exists";
    case YC_JWS_INTERNAL:
        break;
    }
    return "internal";
}
