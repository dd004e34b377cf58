/**
 * @file jose.h
 * @brief JOSE building blocks over libsodium (crypto/): strict base64url, Ed25519 (RFC 8032),
 *        RFC 7638 JWK thumbprints, JWS compact serialization with EdDSA / Ed25519, JWT claim
 *        checks (RFC 7519 §4.1), SD-JWT verification (RFC 9901 §7.1, no key binding), issuing
 *        and presentation (RFC 9901 §4, §6.1).
 *
 * No libsodium type or constant appears here.  Ed25519 secret keys live in sodium_malloc'd
 * memory behind the opaque yc_ed25519_key and are wiped when freed.
 */
#ifndef YRDCREDIT_JOSE_H
#define YRDCREDIT_JOSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"

/** Length of an Ed25519 seed (the stored secret) in bytes. */
#define YC_ED25519_SEED_BYTES 32
/** Length of an Ed25519 public key in bytes. */
#define YC_ED25519_PUBLIC_KEY_BYTES 32
/** Length of an Ed25519 signature in bytes. */
#define YC_ED25519_SIGNATURE_BYTES 64
/** Length of an RFC 7638 SHA-256 thumbprint in base64url characters, without the NUL. */
#define YC_JWK_THUMBPRINT_LEN 43
/** Largest JWS compact token yc_jws_sign() produces and yc_jws_verify() accepts, in bytes
 *  (attestations.md §6: cap the token size). */
#define YC_JWS_MAX_TOKEN_BYTES 16384
/** Cap of yc_jws_sign_capped() and yc_jws_expect.max_bytes: 8 MiB (a 2-bit status list of
 * 2^24 entries is 4 MiB before compression). */
#define YC_JWS_MAX_LARGE_TOKEN_BYTES ((size_t)8 << 20)
/** Largest clock-skew leeway yc_jwt_check_claims() accepts, in seconds (attestations.md §6.9). */
#define YC_JWT_MAX_LEEWAY_SECONDS 60
/** Largest SD-JWT (issuer JWT, disclosures and '~'s) yc_sdjwt_verify() accepts, in bytes. */
#define YC_SDJWT_MAX_BYTES 32768
/** Most disclosures yc_sdjwt_verify() accepts in one SD-JWT (attestations.md §6). */
#define YC_SDJWT_MAX_DISCLOSURES 64
/** Deepest nesting of objects, arrays and disclosures yc_sdjwt_verify() processes. */
#define YC_SDJWT_MAX_DEPTH 32
/** Length of a SHA-256 disclosure digest in base64url characters, without the NUL. */
#define YC_SDJWT_DIGEST_LEN 43

/** An Ed25519 signing key (seed, secret and public key) in guarded memory.  Opaque; free with
 *  yc_ed25519_key_free(). */
typedef struct yc_ed25519_key yc_ed25519_key;

/** JWS algorithms, as a bit set for yc_jws_expect.algs. */
typedef enum yc_jws_alg {
    YC_JWS_ALG_EDDSA = 1u << 0,   /**< "EdDSA" (RFC 8037 §3.1; deprecated by RFC 9864). */
    YC_JWS_ALG_ED25519 = 1u << 1, /**< "Ed25519" (RFC 9864 §2.2, fully specified). */
} yc_jws_alg;

/** Why yc_jws_verify() rejected a token: one class per row of attestations.md §6. */
typedef enum yc_jws_reason {
    YC_JWS_OK = 0,               /**< Accepted. */
    YC_JWS_TOO_LARGE,            /**< Longer than YC_JWS_MAX_TOKEN_BYTES. */
    YC_JWS_MALFORMED,            /**< Not exactly three '.'-separated parts. */
    YC_JWS_BAD_BASE64,           /**< A part is not strict base64url (padding, alphabet, bits). */
    YC_JWS_BAD_HEADER,           /**< Header is not a JSON object, or alg is not a string. */
    YC_JWS_DUPLICATE_MEMBER,     /**< Header or payload repeats a member name. */
    YC_JWS_ALG_NOT_ALLOWED,      /**< alg is "none", unknown, or not in the allowed set. */
    YC_JWS_CRIT_UNSUPPORTED,     /**< crit is present (no extension is understood). */
    YC_JWS_KEY_IN_HEADER,        /**< jwk, jku, x5u or x5c is present (keys are pinned). */
    YC_JWS_WRONG_TYP,            /**< typ differs from the expected one. */
    YC_JWS_WRONG_KID,            /**< kid differs from the expected one. */
    YC_JWS_BAD_SIGNATURE_LENGTH, /**< The signature does not decode to 64 bytes. */
    YC_JWS_BAD_SIGNATURE,        /**< Ed25519 verification failed. */
    YC_JWS_BAD_PAYLOAD, /**< yc_jwt_verify(): payload not a JSON object (or int > INT64). */
    YC_JWS_INTERNAL,    /**< Out of memory or libsodium failed to initialise. */
    /* JWT claims, yc_jwt_check_claims() (RFC 7519 §4.1; attestations.md §6.9, §6.10) */
    YC_JWS_BAD_CLAIM,         /**< iss/aud/vct not a string (aud: or array of strings), or
                                   exp/nbf/iat not a non-negative JSON integer. */
    YC_JWS_MISSING_CLAIM,     /**< iss, or a required exp (or iat for a lifetime bound), absent. */
    YC_JWS_WRONG_ISS,         /**< iss differs from the pinned issuer. */
    YC_JWS_WRONG_AUD,         /**< aud present and does not contain this verifier. */
    YC_JWS_WRONG_VCT,         /**< vct differs from the expected type. */
    YC_JWS_EXPIRED,           /**< exp + leeway <= now. */
    YC_JWS_NOT_YET_VALID,     /**< nbf or iat later than now + leeway. */
    YC_JWS_LIFETIME_TOO_LONG, /**< exp - iat exceeds the allowed lifetime. */
    /* SD-JWT, yc_sdjwt_verify() (RFC 9901 §4 and §7.1; attestations.md §6.11) */
    YC_JWS_SD_MALFORMED,      /**< No '~', an empty disclosure, too many disclosures, too deep,
                                   or _sd / "..." not of the required shape. */
    YC_JWS_SD_KB_JWT,         /**< Text after the last '~' (a key-binding JWT; none expected). */
    YC_JWS_SD_BAD_ALG,        /**< _sd_alg is not "sha-256". */
    YC_JWS_SD_BAD_DISCLOSURE, /**< Disclosure not a base64url JSON array [salt, name, value] or
                                   [salt, value] of the kind its digest's position needs, or
                                   named "_sd" or "...". */
    YC_JWS_SD_DUPLICATE_DISCLOSURE, /**< The same disclosure appears twice. */
    YC_JWS_SD_DUPLICATE_DIGEST,     /**< A digest appears twice in the payload. */
    YC_JWS_SD_UNREFERENCED,         /**< A disclosure's digest appears nowhere in the payload. */
    YC_JWS_SD_CLAIM_EXISTS,         /**< A disclosed name is already a claim of the same object. */
} yc_jws_reason;

/** What yc_jws_verify() requires of a token besides a valid signature. */
typedef struct yc_jws_expect {
    unsigned algs;    /**< Bit set of yc_jws_alg; 0 accepts nothing. */
    const char *typ;  /**< Required exact header typ (NUL-terminated), or NULL for any/none. */
    const char *kid;  /**< Required exact header kid (NUL-terminated), or NULL for any/none. */
    size_t max_bytes; /**< Longest token accepted, bytes: 0 = YC_JWS_MAX_TOKEN_BYTES; at most
                           YC_JWS_MAX_LARGE_TOKEN_BYTES (a status-list token, whose list may
                           not compress below the attestation cap). */
} yc_jws_expect;

/**
 * @brief Number of characters yc_b64url_encode() writes for @p len bytes, without the NUL:
 *        4 * floor(@p len / 3) + (0, 2 or 3 for a tail of 0, 1 or 2 bytes).
 * @param[in] len  Input length in bytes, at most SIZE_MAX / 4 * 3 - 3.
 * @return The encoded length in characters.
 * @par Source: RFC 4648 §5; RFC 7515 §2 (base64url without padding).
 */
size_t yc_b64url_encoded_len(size_t len);

/**
 * @brief Number of bytes a valid base64url string of @p b64_len characters decodes to.
 * @param[in] b64_len  Length of the encoded string in characters.
 * @return 3 * floor(@p b64_len / 4) + (0, 1 or 2 for a tail of 0, 2 or 3 characters); for a
 *         tail of 1 character (never valid) the result counts it as 0.
 * @par Source: RFC 4648 §5.
 */
size_t yc_b64url_decoded_len(size_t b64_len);

/**
 * @brief base64url encoding, URL-safe alphabet, no padding (sodium_bin2base64).
 * @param[in]  in       Input bytes; may be NULL when @p len is 0.
 * @param[in]  len      Length of @p in in bytes (see yc_b64url_encoded_len()).
 * @param[out] ret_b64  yc_b64url_encoded_len(@p len) + 1 bytes; NUL-terminated on return.
 * @retval YC_OK
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised (@p ret_b64 untouched)
 * @par Source: RFC 4648 §5; RFC 7515 §2.
 */
YC_MUST_USE yc_err yc_b64url_encode(const uint8_t *in, size_t len, char *ret_b64);

/**
 * @brief Strict base64url decoding (sodium_base642bin, URL-safe variant, no padding): rejects
 *        '=' padding, '+', '/', whitespace, any other byte outside A–Z a–z 0–9 '-' '_', a
 *        1-character tail, and non-zero unused bits in the last character.
 * @param[in]  b64      Encoded characters, not NUL-terminated; may be NULL when @p b64_len is 0.
 * @param[in]  b64_len  Length of @p b64 in characters.
 * @param[out] ret_bin  @p bin_cap bytes; its contents are unspecified on failure.
 * @param[in]  bin_cap  Capacity of @p ret_bin in bytes.
 * @param[out] ret_len  Number of decoded bytes.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    not canonical base64url as above
 * @retval YC_ERR_TOO_LARGE  @p bin_cap < yc_b64url_decoded_len(@p b64_len)
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: RFC 4648 §3.5 and §5; RFC 7515 §2; attestations.md §0.6, §6.8, §7 "Encoding".
 */
YC_MUST_USE yc_err yc_b64url_decode(const char *b64, size_t b64_len, uint8_t *ret_bin,
                                    size_t bin_cap, size_t *ret_len);

/**
 * @brief Derive an Ed25519 key pair from a 32-byte seed (crypto_sign_seed_keypair).
 * @param[in]  seed     YC_ED25519_SEED_BYTES bytes; the caller wipes its copy.
 * @param[out] ret_key  New key in guarded memory; free with yc_ed25519_key_free().
 * @retval YC_OK
 * @retval YC_ERR_NOMEM     sodium_malloc failed
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: RFC 8032 §5.1.5; attestations.md §7 "Signing".
 */
YC_MUST_USE yc_err yc_ed25519_key_from_seed(const uint8_t seed[static YC_ED25519_SEED_BYTES],
                                            yc_ed25519_key **ret_key);

/**
 * @brief Wipe and release an Ed25519 key.
 * @param[in] key  May be NULL (no-op).
 */
void yc_ed25519_key_free(yc_ed25519_key *key);

/**
 * @brief The public key of an Ed25519 key pair.
 * @param[in]  key     Key from yc_ed25519_key_from_seed().
 * @param[out] ret_pk  YC_ED25519_PUBLIC_KEY_BYTES bytes.
 * @par Source: RFC 8032 §5.1.5.
 */
void yc_ed25519_public_key(const yc_ed25519_key *key,
                           uint8_t ret_pk[static YC_ED25519_PUBLIC_KEY_BYTES]);

/**
 * @brief Deterministic pure Ed25519 detached signature (crypto_sign_detached).
 * @param[in]  key      Signing key.
 * @param[in]  msg      Message bytes; may be NULL when @p msg_len is 0.
 * @param[in]  msg_len  Length of @p msg in bytes.
 * @param[out] ret_sig  YC_ED25519_SIGNATURE_BYTES bytes.
 * @retval YC_OK
 * @retval YC_ERR_INTERNAL  libsodium failed
 * @par Source: RFC 8032 §5.1.6.
 */
YC_MUST_USE yc_err yc_ed25519_sign(const yc_ed25519_key *key, const uint8_t *msg, size_t msg_len,
                                   uint8_t ret_sig[static YC_ED25519_SIGNATURE_BYTES]);

/**
 * @brief Verify a detached Ed25519 signature (crypto_sign_verify_detached of libsodium 1.0.18:
 *        rejects non-canonical S, small-order R, non-canonical or small-order A).
 *
 * The signature length is checked before libsodium is called, which reads exactly 64 bytes.
 *
 * @param[in] pk       YC_ED25519_PUBLIC_KEY_BYTES bytes.
 * @param[in] msg      Message bytes; may be NULL when @p msg_len is 0.
 * @param[in] msg_len  Length of @p msg in bytes.
 * @param[in] sig      Signature bytes; may be NULL when @p sig_len is 0.
 * @param[in] sig_len  Length of @p sig in bytes; must be YC_ED25519_SIGNATURE_BYTES.
 * @retval YC_OK            the signature is valid
 * @retval YC_ERR_INVALID   @p sig_len is not YC_ED25519_SIGNATURE_BYTES
 * @retval YC_ERR_AUTH      the signature does not verify under @p pk
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: RFC 8032 §5.1.7; attestations.md §6 "Additional must-dos", §7 "Verification".
 */
YC_MUST_USE yc_err yc_ed25519_verify(const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                                     const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                                     size_t sig_len);

/**
 * @brief RFC 7638 thumbprint of an OKP Ed25519 public key: base64url(SHA-256(
 *        `{"crv":"Ed25519","kty":"OKP","x":"<b64url pk>"}`)), used as the kid.
 * @param[in]  pk       YC_ED25519_PUBLIC_KEY_BYTES bytes.
 * @param[out] ret_kid  YC_JWK_THUMBPRINT_LEN + 1 bytes; NUL-terminated.
 * @retval YC_OK
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: RFC 7638 §3.2 and §3.3; RFC 8037 §2 and Appendix A.3; attestations.md §0.3.
 */
YC_MUST_USE yc_err yc_jwk_thumbprint(const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                                     char ret_kid[static YC_JWK_THUMBPRINT_LEN + 1]);

/**
 * @brief Sign a JWS in compact serialization: `B64(header) "." B64(payload) "." B64(sig)`, the
 *        signature being Ed25519 over the ASCII of the first two parts.
 *
 * The header bytes are signed exactly as given; they must be a JSON object without duplicate
 * members whose alg is "EdDSA" or "Ed25519".
 *
 * @param[in]  header       UTF-8 JSON header bytes, not NUL-terminated.
 * @param[in]  header_len   Length of @p header in bytes.
 * @param[in]  payload      Payload bytes (any octets); may be NULL when @p payload_len is 0.
 * @param[in]  payload_len  Length of @p payload in bytes.
 * @param[in]  key          Signing key.
 * @param[out] ret_token    New NUL-terminated token, owned by the caller (release with
 *                          yc_free()).
 * @param[out] ret_len      Length of the token in bytes, without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p header is not such a JSON object or has another alg
 * @retval YC_ERR_TOO_LARGE  the token would exceed YC_JWS_MAX_TOKEN_BYTES
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed
 * @par Source: RFC 7515 §5.1 and §7.1; RFC 8037 §3.1; RFC 9864 §2.2.
 */
YC_MUST_USE yc_err yc_jws_sign(const char *header, size_t header_len, const uint8_t *payload,
                               size_t payload_len, const yc_ed25519_key *key, char **ret_token,
                               size_t *ret_len);

/**
 * @brief As yc_jws_sign(), with a larger cap on the token for status-list tokens.
 * @param[in]  header       As yc_jws_sign().
 * @param[in]  header_len   As yc_jws_sign().
 * @param[in]  payload      As yc_jws_sign().
 * @param[in]  payload_len  As yc_jws_sign().
 * @param[in]  key          As yc_jws_sign().
 * @param[in]  max_bytes    Longest token produced, bytes, 1..YC_JWS_MAX_LARGE_TOKEN_BYTES.
 * @param[out] ret_token    As yc_jws_sign().
 * @param[out] ret_len      As yc_jws_sign().
 * @retval YC_OK
 * @retval YC_ERR_INVALID    as yc_jws_sign(), or @p max_bytes out of range
 * @retval YC_ERR_TOO_LARGE  the token would exceed @p max_bytes
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed
 * @par Source: RFC 7515 §7.1; draft-ietf-oauth-status-list "Status List Token".
 */
YC_MUST_USE yc_err yc_jws_sign_capped(const char *header, size_t header_len, const uint8_t *payload,
                                      size_t payload_len, const yc_ed25519_key *key,
                                      size_t max_bytes, char **ret_token, size_t *ret_len);

/**
 * @brief Verify a JWS in compact serialization under one pinned Ed25519 public key.
 *
 * Checks, in this order: size, three parts, strict base64url of each part, header a JSON object
 * without duplicate members (JSON_REJECT_DUPLICATES), alg a string in @p expect->algs ("none"
 * never), no crit, no jwk/jku/x5u/x5c, typ and kid as expected, signature 64 bytes (before
 * libsodium is called), Ed25519 signature over the first two parts.  The payload is returned as
 * octets; for a JWT use yc_jwt_verify().
 *
 * @param[in]  token            Token bytes, not NUL-terminated.
 * @param[in]  token_len        Length of @p token in bytes.
 * @param[in]  pk               YC_ED25519_PUBLIC_KEY_BYTES bytes (pinned; never from the token).
 * @param[in]  expect           Allowed algorithms and required typ/kid.
 * @param[out] ret_header       New reference to the header object (release with json_decref()).
 * @param[out] ret_payload      New buffer with the decoded payload and a NUL after it, owned by
 *                              the caller (release with yc_free()).
 * @param[out] ret_payload_len  Length of the payload in bytes, without the NUL.
 * @param[out] reason           Always written: YC_JWS_OK on success, otherwise the rejection.
 * @retval YC_OK
 * @retval YC_ERR_TOO_LARGE  @p token_len > YC_JWS_MAX_TOKEN_BYTES
 * @retval YC_ERR_INVALID    malformed: parts, base64url, header JSON, duplicate members or
 *                           signature length (see @p reason)
 * @retval YC_ERR_AUTH       alg not allowed, crit, key in header, typ, kid, or bad signature
 * @retval YC_ERR_NOMEM      allocation failed, or libsodium could not be initialised
 *                           (@p reason YC_JWS_INTERNAL)
 * @par Source: RFC 7515 §4.1.11, §5.2 and §7.1; RFC 8037 §3; RFC 8725 §3.1; attestations.md §6.
 */
YC_MUST_USE yc_err yc_jws_verify(const char *token, size_t token_len,
                                 const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                                 const yc_jws_expect *expect, json_t **ret_header,
                                 uint8_t **ret_payload, size_t *ret_payload_len,
                                 yc_jws_reason *reason);

/**
 * @brief yc_jws_verify(), then parse the authenticated payload as a JWT claims set: a JSON
 *        object without duplicate member names.  Claim values (exp, iss, aud...) are not checked
 *        here: see yc_jwt_check_claims().
 * @param[in]  token       Token bytes, not NUL-terminated.
 * @param[in]  token_len   Length of @p token in bytes.
 * @param[in]  pk          YC_ED25519_PUBLIC_KEY_BYTES bytes (pinned; never from the token).
 * @param[in]  expect      Allowed algorithms and required typ/kid.
 * @param[out] ret_header  New reference to the header object (release with json_decref()).
 * @param[out] ret_claims  New reference to the claims object (release with json_decref()).
 * @param[out] reason      Always written: YC_JWS_OK on success, otherwise the rejection
 *                         (YC_JWS_DUPLICATE_MEMBER or YC_JWS_BAD_PAYLOAD for the claims set).
 * @retval YC_OK
 * @retval YC_ERR_TOO_LARGE  @p token_len > YC_JWS_MAX_TOKEN_BYTES
 * @retval YC_ERR_INVALID    as yc_jws_verify(), or the payload is not a JSON object with unique
 *                           member names
 * @retval YC_ERR_AUTH       as yc_jws_verify()
 * @retval YC_ERR_NOMEM      allocation failed, or libsodium could not be initialised
 * @par Source: RFC 7519 §4 and §7.2; attestations.md §6.6.
 */
YC_MUST_USE yc_err yc_jwt_verify(const char *token, size_t token_len,
                                 const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                                 const yc_jws_expect *expect, json_t **ret_header,
                                 json_t **ret_claims, yc_jws_reason *reason);

/** What yc_jwt_check_claims() requires of a claims set (RFC 7519 §4.1). */
typedef struct yc_jwt_claims_expect {
    const char *iss;      /**< Required exact iss (NUL-terminated); must not be NULL. */
    const char *aud;      /**< This verifier's audience (NUL-terminated), or NULL.  A token
                               without aud is accepted; a token with aud must contain it (a
                               string equal to it, or an array of strings holding it); with
                               NULL, a token with aud is rejected (RFC 7519 §4.1.3). */
    const char *vct;      /**< Required exact vct (NUL-terminated), or NULL for unchecked. */
    int64_t now;          /**< Current time, seconds since the epoch, >= 0. */
    int64_t leeway;       /**< Clock skew allowed, seconds, 0..YC_JWT_MAX_LEEWAY_SECONDS. */
    int64_t max_lifetime; /**< Largest exp - iat in seconds (iat then required), 0 = no bound. */
    bool require_exp;     /**< Reject a claims set without exp. */
    bool any_aud;         /**< true: aud is not checked at all (a verifier serving every
                               audience); @c aud must then be NULL. */
} yc_jwt_claims_expect;

/**
 * @brief Check the registered claims of an authenticated JWT claims set.
 *
 * In this order: types (iss, aud, vct strings or aud an array of strings; exp, nbf, iat JSON
 * integers >= 0 — a string, a real or a negative number is YC_JWS_BAD_CLAIM), iss present and
 * equal, aud, vct, exp present if required, exp + leeway > now, nbf - leeway <= now,
 * iat - leeway <= now, exp - iat <= max_lifetime.
 *
 * @param[in]  claims  Claims object, e.g. from yc_jwt_verify() or yc_sdjwt_verify(); not
 *                     modified (non-const only because Jansson's getters are); anything but an
 *                     object gives YC_JWS_BAD_PAYLOAD.
 * @param[in]  expect  Issuer, audience, time and bounds.
 * @param[out] reason  Always written: YC_JWS_OK, or one of YC_JWS_BAD_CLAIM ..
 *                     YC_JWS_LIFETIME_TOO_LONG; YC_JWS_INTERNAL for a bad @p expect.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p claims not an object, a claim has the wrong type or is missing,
 *                         or @p expect is out of range (iss NULL, now < 0, leeway or
 *                         max_lifetime out of range)
 * @retval YC_ERR_AUTH     wrong iss, aud or vct, expired, not yet valid, lifetime too long
 * @par Source: RFC 7519 §4.1.1 to §4.1.6 and §7.2 step 10; RFC 8725 §3.10;
 *      attestations.md §1.3 "Partner verification recipe" step 2, §6.9, §6.10.
 */
YC_MUST_USE yc_err yc_jwt_check_claims(json_t *claims, const yc_jwt_claims_expect *expect,
                                       yc_jws_reason *reason);

/**
 * @brief Digest of one disclosure: base64url(SHA-256(the disclosure's base64url ASCII text)).
 * @param[in]  disclosure  The disclosure as it appears in the SD-JWT (base64url, not decoded,
 *                         not NUL-terminated).
 * @param[in]  len         Length of @p disclosure in bytes.
 * @param[out] ret_digest  YC_SDJWT_DIGEST_LEN + 1 bytes; NUL-terminated.
 * @retval YC_OK
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: RFC 9901 §4.2.3; attestations.md §1.3.
 */
YC_MUST_USE yc_err yc_sdjwt_disclosure_digest(const char *disclosure, size_t len,
                                              char ret_digest[static YC_SDJWT_DIGEST_LEN + 1]);

/**
 * @brief Verify an SD-JWT without key binding (`<issuer JWT>~<d1>~...~<dn>~`) and return the
 *        processed claims.
 *
 * Steps: size and disclosure count caps; split at '~' (the last part must be empty: a KB-JWT is
 * rejected); the issuer JWT through yc_jwt_verify() with @p jws; _sd_alg absent or "sha-256";
 * each disclosure strict base64url of a JSON array [salt, name, value] or [salt, value] (salt
 * and name strings) and present once; then the payload is walked recursively (through disclosed
 * values too, up to YC_SDJWT_MAX_DEPTH): every digest in an `_sd` array or a `{"...": digest}`
 * array element may appear only once; a matching disclosure is inserted (object: by name, which
 * must not be "_sd", "..." or an existing claim; array: in place), an unmatched digest (decoy or
 * undisclosed) is dropped; then every disclosure must have been used; finally
 * yc_jwt_check_claims() on the processed claims.
 *
 * @param[in]  sdjwt       SD-JWT bytes, not NUL-terminated.
 * @param[in]  len         Length of @p sdjwt in bytes.
 * @param[in]  pk          YC_ED25519_PUBLIC_KEY_BYTES bytes (pinned; never from the token).
 * @param[in]  jws         Allowed algorithms and required typ/kid of the issuer JWT.
 * @param[in]  claims      Claim requirements, checked on the processed claims.
 * @param[out] ret_header  New reference to the issuer JWT header (release with json_decref()).
 * @param[out] ret_claims  New reference to the processed claims: the payload with disclosed
 *                         claims inserted and `_sd`, `_sd_alg` and undisclosed digests removed
 *                         (release with json_decref()).
 * @param[out] reason      Always written: YC_JWS_OK, or the first rejection found.
 * @retval YC_OK
 * @retval YC_ERR_TOO_LARGE  @p len > YC_SDJWT_MAX_BYTES or the issuer JWT is too large
 * @retval YC_ERR_INVALID    malformed (see @p reason): JWS layer, claim types, SD-JWT structure,
 *                           disclosures, duplicates, unreferenced disclosures, name conflicts;
 *                           or @p claims out of range (@p reason YC_JWS_INTERNAL)
 * @retval YC_ERR_AUTH       as yc_jws_verify() and yc_jwt_check_claims()
 * @retval YC_ERR_NOMEM      allocation failed, or libsodium could not be initialised
 * @par Source: RFC 9901 §4, §4.1.1, §4.2.4.1, §4.2.4.2 and §7.1 steps 1-5; attestations.md §1.3
 *      "Partner verification recipe", §6.11; issue 4 scope items 1 and 6.
 */
YC_MUST_USE yc_err yc_sdjwt_verify(const char *sdjwt, size_t len,
                                   const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
                                   const yc_jws_expect *jws, const yc_jwt_claims_expect *claims,
                                   json_t **ret_header, json_t **ret_claims, yc_jws_reason *reason);

/** Most decoy digests yc_sdjwt_issue() adds to `_sd`. */
#define YC_SDJWT_MAX_DECOYS 64
/** Length of a disclosure salt yc_sdjwt_issue() draws, in base64url characters (128 bits). */
#define YC_SDJWT_SALT_LEN 22

/**
 * @brief Encode one object-property disclosure: base64url(UTF-8 JSON array `[salt, name,
 *        value]`), serialised compactly (Jansson JSON_COMPACT | JSON_SORT_KEYS, so the text is a
 *        function of the salt, name and value only).
 * @param[in]  salt      Salt, NUL-terminated (yc_sdjwt_issue() uses YC_SDJWT_SALT_LEN base64url
 *                       characters of 128 random bits).
 * @param[in]  name      Claim name, NUL-terminated UTF-8; not "_sd", "..." or "_sd_alg".
 * @param[in]  value     Claim value (any JSON value); not modified (non-const only because
 *                       Jansson's getters are).
 * @param[out] ret_text  New NUL-terminated disclosure text, owned by the caller (release with
 *                       yc_free()).
 * @param[out] ret_len   Length of the text in bytes, without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p name is reserved, or @p salt / @p name is not valid UTF-8
 * @retval YC_ERR_TOO_LARGE  the disclosure would exceed YC_SDJWT_MAX_BYTES
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: RFC 9901 §4.2.1; attestations.md §1.3.
 */
YC_MUST_USE yc_err yc_sdjwt_disclosure_encode(const char *salt, const char *name, json_t *value,
                                              char **ret_text, size_t *ret_len);

/**
 * @brief Issue an SD-JWT without key binding: `<issuer JWT>~<d1>~...~<dn>~`.
 *
 * Each member of @p disclosable becomes a disclosure (yc_sdjwt_disclosure_encode() with a fresh
 * 128-bit salt from randombytes_buf), in the member order of @p disclosable.  The payload is
 * @p claims (member order kept) plus `_sd` — the digests of all disclosures and @p decoys decoy
 * digests (base64url SHA-256 of 32 random bytes), sorted ascending by byte value so the order
 * reveals nothing — and `_sd_alg` "sha-256"; `_sd` is omitted when it would be empty.  The
 * payload is serialised with JSON_COMPACT and signed with yc_jws_sign().  Only top-level claims
 * are made disclosable.
 *
 * @param[in]  header       UTF-8 JSON JOSE header bytes, not NUL-terminated, as for
 *                          yc_jws_sign() (e.g. `{"alg":"EdDSA","typ":"dc+sd-jwt","kid":...}`).
 * @param[in]  header_len   Length of @p header in bytes.
 * @param[in]  claims       Always-visible claims: a JSON object without `_sd`, `_sd_alg` or
 *                          `...`; not modified.
 * @param[in]  disclosable  Selectively disclosable claims, name → value: a JSON object whose
 *                          names are not `_sd`, `_sd_alg` or `...` nor members of @p claims;
 *                          not modified.  May be empty.
 * @param[in]  decoys       Number of decoy digests, 0..YC_SDJWT_MAX_DECOYS.
 * @param[in]  key          Signing key.
 * @param[out] ret_sdjwt    New NUL-terminated SD-JWT, owned by the caller (release with
 *                          yc_free()).
 * @param[out] ret_len      Length of the SD-JWT in bytes, without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p claims or @p disclosable not an object, a reserved or clashing
 *                           name, or @p header rejected by yc_jws_sign()
 * @retval YC_ERR_TOO_LARGE  more than YC_SDJWT_MAX_DISCLOSURES disclosures, more than
 *                           YC_SDJWT_MAX_DECOYS decoys, the issuer JWT over
 *                           YC_JWS_MAX_TOKEN_BYTES or the SD-JWT over YC_SDJWT_MAX_BYTES
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed
 * @par Source: RFC 9901 §4.1, §4.1.1, §4.2.1, §4.2.3, §4.2.4.1 and §4.2.5; attestations.md §1.3;
 *      issue 4 scope items 1 and 3.
 */
YC_MUST_USE yc_err yc_sdjwt_issue(const char *header, size_t header_len, json_t *claims,
                                  json_t *disclosable, size_t decoys, const yc_ed25519_key *key,
                                  char **ret_sdjwt, size_t *ret_len);

/**
 * @brief Make a presentation of an SD-JWT (holder side, no key binding): the issuer JWT and
 *        only the disclosures whose claim name is in @p names, in their original order,
 *        `<issuer JWT>~<chosen disclosures, each followed by '~'>`.
 *
 * The issuer JWT is copied as is (its signature is not checked here: see yc_sdjwt_verify()).
 * Every disclosure must be strict base64url of a JSON array [salt, name, value] or [salt,
 * value]; an array-element disclosure ([salt, value]) has no name and is never kept.  Every
 * disclosure carrying a requested name is kept (the same name may occur at several levels).
 *
 * @param[in]  sdjwt    SD-JWT bytes, not NUL-terminated, ending in '~' (no KB-JWT).
 * @param[in]  len      Length of @p sdjwt in bytes.
 * @param[in]  names    @p n_names NUL-terminated claim names to reveal; may be NULL when
 *                      @p n_names is 0 (then nothing is revealed).  Repeats are allowed.
 * @param[in]  n_names  Number of entries of @p names.
 * @param[out] ret_presentation  New NUL-terminated presentation, owned by the caller (release
 *                               with yc_free()).
 * @param[out] ret_len  Length of the presentation in bytes, without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    no '~', an empty issuer JWT, text after the last '~', or a
 *                           disclosure that is empty, not base64url or not such a JSON array
 * @retval YC_ERR_NOT_FOUND  a name in @p names is carried by no disclosure
 * @retval YC_ERR_TOO_LARGE  @p len > YC_SDJWT_MAX_BYTES or more than YC_SDJWT_MAX_DISCLOSURES
 *                           disclosures
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: RFC 9901 §4 and §6.1 (presentation without key binding); issue 4 scope items 1
 *      and 6 (`yrdcredit present TOKEN --disclose grade`).
 */
YC_MUST_USE yc_err yc_sdjwt_present(const char *sdjwt, size_t len, const char *const *names,
                                    size_t n_names, char **ret_presentation, size_t *ret_len);

/**
 * @brief Stable snake_case name of a rejection reason (e.g. "bad_signature", "malformed").
 * @param[in] reason  Any value; values outside the enum give "internal".
 * @return A static NUL-terminated string; never NULL; do not free.
 * @par Source: issue 4 scope item 6 (verify reasons); attestations.md §6.
 */
const char *yc_jws_reason_str(yc_jws_reason reason);

#endif
