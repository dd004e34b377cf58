/**
 * @file attest.h
 * @brief Pure builders of the attestation service (svc/attest/): the JWK Set that publishes our
 *        Ed25519 public keys, and the signed IETF Token Status List token (`statuslist+jwt`)
 *        with its verifying parser.
 *
 * Nothing here touches the store, the network or the clock: keys, times and lists come from the
 * caller.  JSON is built with Jansson; JWS signing and verification go through jose.h.
 */
#ifndef YRDCREDIT_ATTEST_H
#define YRDCREDIT_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/status_list.h"

/** Most keys yc_attest_jwks_json() puts in one JWK Set (current, next and retired keys of the
 *  attestation and status-list roles, with room for rotations). */
#define YC_ATTEST_JWKS_MAX_KEYS 64

/** The JOSE header typ of a status list token (draft-ietf-oauth-status-list-21). */
#define YC_ATTEST_STATUS_LIST_TYP "statuslist+jwt"

/** Longest `sub` (status list URI) yc_attest_status_list_token() accepts, in bytes. */
#define YC_ATTEST_STATUS_LIST_MAX_SUB_BYTES 2048

/** Longest status-list token signed or parsed, bytes: the large JWS cap (jose.h), since a
 * list with many revoked entries may not compress below the attestation cap (16 KiB); its
 * inflated size is bounded separately (max_bytes of yc_attest_status_list_token_parse()). */
#define YC_ATTEST_STATUS_LIST_MAX_TOKEN_BYTES YC_JWS_MAX_LARGE_TOKEN_BYTES

/**
 * @brief Serialise a JWK Set of Ed25519 public keys:
 *        `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"<b64url>","kid":"<thumbprint>","use":"sig"},
 *        ...]}`, compact, keys in the order given, members in that order, no `alg` member.
 *
 * Each kid is the RFC 7638 thumbprint of the key (yc_jwk_thumbprint()).  With @p n 0 the result
 * is `{"keys":[]}`.  Duplicate keys are not removed.
 *
 * @param[in]  pks       @p n public keys of YC_ED25519_PUBLIC_KEY_BYTES bytes each; may be NULL
 *                       when @p n is 0.
 * @param[in]  n         Number of keys, 0..YC_ATTEST_JWKS_MAX_KEYS.
 * @param[out] ret_json  New NUL-terminated UTF-8 JSON text, owned by the caller (release with
 *                       yc_free()).
 * @param[out] ret_len   Length of @p ret_json in bytes, without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p pks is NULL with @p n > 0
 * @retval YC_ERR_TOO_LARGE  @p n > YC_ATTEST_JWKS_MAX_KEYS
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: RFC 7517 §5; RFC 8037 §2; RFC 7638 §3; attestations.md §2 (OKP keys, kid =
 *      thumbprint, use sig, no alg); issue 4 scope item 4 (`GET /.well-known/jwks.json`).
 */
YC_MUST_USE yc_err yc_attest_jwks_json(const uint8_t (*pks)[YC_ED25519_PUBLIC_KEY_BYTES], size_t n,
                                       char **ret_json, size_t *ret_len);

/**
 * @brief Sign a status list token (compact JWS) for @p list.
 *
 * Header `{"alg":"EdDSA","kid":KID,"typ":"statuslist+jwt"}`; payload
 * `{"sub":SUB,"iat":IAT,"exp":EXP,"ttl":TTL,"status_list":{"bits":BITS,
 * "lst":LST}}`, both compact in that member order.
 * (KID, SUB: JSON strings of @p kid, @p sub; IAT, EXP, TTL, BITS: JSON integers; LST: the
 * base64url of yc_status_list_encode(@p list) as a JSON string).
 *
 * @param[in]  list       The list; borrowed, not modified.
 * @param[in]  sub        The list's URI (the `uri` of the attestations' `status.status_list`),
 *                        NUL-terminated UTF-8, 1..YC_ATTEST_STATUS_LIST_MAX_SUB_BYTES bytes.
 * @param[in]  iat        Issued-at time, seconds since the epoch, >= 0.
 * @param[in]  exp        Expiry time, seconds since the epoch, > @p iat.
 * @param[in]  ttl        Seconds a verifier may cache the token before refreshing, >= 1.
 * @param[in]  key        Signing key (the status-list key, not the attestation key).
 * @param[in]  kid        The key's thumbprint (yc_jwk_thumbprint()), NUL-terminated,
 *                        1..YC_JWK_THUMBPRINT_LEN bytes.
 * @param[out] ret_token  New NUL-terminated token, owned by the caller (release with yc_free()).
 * @param[out] ret_len    Length of @p ret_token in bytes, without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p sub or @p kid empty, too long or not UTF-8; @p iat < 0,
 *                           @p exp <= @p iat or @p ttl < 1
 * @retval YC_ERR_TOO_LARGE  the token would exceed YC_ATTEST_STATUS_LIST_MAX_TOKEN_BYTES (a list
 * that does not compress well enough)
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   zlib or libsodium failed
 * @par Source: draft-ietf-oauth-status-list-21 "Status List Token in JWT Format", "Status List in
 *      JSON Format"; attestations.md §3.1; issue 4 scope item 4 (`GET /v1/status-lists/{id}`).
 */
YC_MUST_USE yc_err yc_attest_status_list_token(const yc_status_list *list, const char *sub,
                                               int64_t iat, int64_t exp, int64_t ttl,
                                               const yc_ed25519_key *key, const char *kid,
                                               char **ret_token, size_t *ret_len);

/**
 * @brief Verify an untrusted status list token and return its list.
 *
 * In this order: yc_jwt_verify() under @p pk with alg EdDSA or Ed25519 and typ
 * "statuslist+jwt" (any kid); `sub` a string (equal to @p sub when @p sub is not NULL); `iat` and
 * `exp` non-negative JSON integers; `exp` > @p now (no leeway); `ttl`, if present, a positive
 * JSON integer; `status_list` an object with `bits` 1, 2, 4 or 8 and `lst` strict base64url;
 * then yc_status_list_parse() of the decoded `lst` with no declared count and the cap
 * @p max_bytes (decompression-bomb defence).  `iat` is not compared with @p now.
 *
 * @param[in]  token      Token bytes, not NUL-terminated.
 * @param[in]  token_len  Length of @p token in bytes.
 * @param[in]  pk         YC_ED25519_PUBLIC_KEY_BYTES bytes (pinned; never from the token).
 * @param[in]  sub        Required `sub` (the `uri` the attestation named), NUL-terminated, or
 *                        NULL for any string.
 * @param[in]  now        Current time, seconds since the epoch, >= 0.
 * @param[in]  max_bytes  Cap on the decompressed list in bytes, 1..YC_STATUS_LIST_MAX_BYTES.
 * @param[out] ret_list   On YC_OK: the list, owned by the caller (yc_status_list_free()).
 * @param[out] ret_ttl    On YC_OK, if not NULL: the token's `ttl` in seconds, or 0 if absent.
 * @param[out] reason     Always written: YC_JWS_OK, the JWS / JWT rejection, YC_JWS_EXPIRED,
 *                        YC_JWS_MISSING_CLAIM (sub, iat, exp or status_list absent),
 *                        YC_JWS_BAD_CLAIM (a claim of the wrong type or value, `sub` not the
 *                        required one, `lst` not strict base64url or not a valid list),
 *                        YC_JWS_TOO_LARGE (the list passes @p max_bytes), or YC_JWS_INTERNAL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    malformed token or claims (see @p reason); or @p now < 0 or
 *                           @p max_bytes out of range (@p reason YC_JWS_INTERNAL)
 * @retval YC_ERR_AUTH       as yc_jws_verify() (wrong typ, bad signature...), expired, or `sub`
 *                           not the required one
 * @retval YC_ERR_TOO_LARGE  @p token_len > YC_ATTEST_STATUS_LIST_MAX_TOKEN_BYTES, or the list
 * inflates past
 *                           @p max_bytes
 * @retval YC_ERR_PROTO      `lst` is not one complete ZLIB stream of a non-empty list
 * @retval YC_ERR_NOMEM      allocation failed, or libsodium could not be initialised
 * @retval YC_ERR_INTERNAL   zlib failed unexpectedly
 * @par Source: draft-ietf-oauth-status-list-21 "Status List Token in JWT Format", "Validation
 *      Rules", "Security Considerations"; attestations.md §3.1 (verifier order), §6; issue 4
 *      scope items 5 and 6.
 */
YC_MUST_USE yc_err yc_attest_status_list_token_parse(
    const char *token, size_t token_len, const uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES],
    const char *sub, int64_t now, size_t max_bytes, yc_status_list **ret_list, int64_t *ret_ttl,
    yc_jws_reason *reason);

#endif
