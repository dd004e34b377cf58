/**
 * @file attest_verify.h
 * @brief The attestation verifier (svc/attest/verify.c) used by `POST /v1/attestations/verify`
 *        and the offline CLI, and the partner trust registry (svc/attest/trust.c).
 *
 * Keys are always pinned: the verifier picks the issuer by the token's (unverified) `iss`, then
 * checks everything against that issuer's pinned keys only; nothing is ever fetched.
 *
 * Trust registry file DATA/trust/partners.json (written by `yrdcredit trust add|remove`):
 * @code
 * {"partners":[{"issuer":"https://attest.hangzhou.example",   exact iss of the partner's tokens
 *               "city":"Hangzhou", "region":"330100",
 *               "pins":["<RFC 7638 thumbprint>", ...],          1..YC_TRUST_MAX_PINS
 *               "jwks_url":"https://.../.well-known/jwks.json",  where refresh downloads the JWKS
 *               "jwks_file":"<name>.jwks.json",                  local copy, in DATA/trust/
 *               "status_lists":[{"uri":"https://.../v1/status-lists/1",  = the tokens' status uri,
 *                                "file":"<name>.statuslist.jwt"}],        also the download URL
 *               "cacert":"/abs/path/ca.pem",                     optional, for refresh
 *               "mtls_spki_sha256":["<43 base64url>", ...]}]}    optional, 1..8 pins
 * @endcode
 * "mtls_spki_sha256" (issue 6 item 1, docs/mtls.md) pins the partner's TLS client
 * certificates: each is the base64url (RFC 4648 §5, no padding) of the SHA-256 of a
 * certificate's DER SubjectPublicKeyInfo, distinct.  A partner client of the API
 * (`clients add --role partner --issuer URL`) bound to an entry with pins must present one of
 * them on every request; without the member its bearer token alone suffices.
 * File names are plain names inside DATA/trust/ (no '/', not starting with '.'); a missing
 * JWKS or status-list file means no keys / no list yet (run `yrdcredit trust refresh`).
 */
#ifndef YRDCREDIT_ATTEST_VERIFY_H
#define YRDCREDIT_ATTEST_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/status_list.h"

/** Clock-skew leeway applied to exp, nbf and iat, in seconds (attestations.md §1.3 step 2). */
#define YC_AV_LEEWAY_SECONDS 60
/** Largest exp - iat accepted, in seconds (400 days; attestations.md §6.9). */
#define YC_AV_MAX_LIFETIME_SECONDS ((int64_t)400 * 86400)
/** Suffix of the required vct after the issuer URL. */
#define YC_AV_VCT_SUFFIX "/vct/credit-score/v1"
/** The required JOSE header typ of an attestation. */
#define YC_AV_TYP "dc+sd-jwt"
/** Largest JWKS or status-list file the trust registry reads or downloads, in bytes (1 MiB). */
#define YC_TRUST_MAX_FILE_BYTES ((size_t)1 << 20)
/** Largest partners.json, in bytes. */
#define YC_TRUST_MAX_REGISTRY_BYTES ((size_t)1 << 20)
/** Most pinned thumbprints (and so trusted keys) of one partner. */
#define YC_TRUST_MAX_PINS 16
/** Most status lists of one partner. */
#define YC_TRUST_MAX_STATUS_LISTS 64
/** Most partners in the registry. */
#define YC_TRUST_MAX_PARTNERS 256
/** Most mTLS client-certificate pins (mtls_spki_sha256) of one partner. */
#define YC_TRUST_MAX_MTLS_PINS 8
/** Bytes of an mTLS pin: a SHA-256 digest of a DER SubjectPublicKeyInfo. */
#define YC_TRUST_SPKI_SHA256_BYTES 32
/** Characters of an mTLS pin as written in the registry: base64url of 32 bytes, no padding. */
#define YC_TRUST_SPKI_PIN_LEN 43
/** Cap on a decompressed partner status list, in bytes. */
#define YC_TRUST_MAX_LIST_BYTES ((size_t)4 << 20)

/** Why a token is not valid (issue 4 item 6 "reason"). */
typedef enum yc_av_reason {
    YC_AV_VALID = 0,               /**< Valid. */
    YC_AV_MALFORMED,               /**< Not an SD-JWT of the expected shape, or bad claims. */
    YC_AV_TOO_LARGE,               /**< Longer than YC_SDJWT_MAX_BYTES. */
    YC_AV_WRONG_TYP,               /**< Header typ is not dc+sd-jwt. */
    YC_AV_ALG_NOT_ALLOWED,         /**< alg is not EdDSA or Ed25519. */
    YC_AV_UNTRUSTED_ISSUER,        /**< iss is no trusted issuer. */
    YC_AV_UNKNOWN_KID,             /**< kid is none of the issuer's pinned keys. */
    YC_AV_BAD_SIGNATURE,           /**< The signature does not verify. */
    YC_AV_WRONG_VCT,               /**< vct is not iss + YC_AV_VCT_SUFFIX. */
    YC_AV_WRONG_AUD,               /**< aud present and not this verifier. */
    YC_AV_EXPIRED,                 /**< exp + leeway <= now. */
    YC_AV_NOT_YET_VALID,           /**< iat or nbf later than now + leeway. */
    YC_AV_DISCLOSURE_MISMATCH,     /**< A disclosure fails RFC 9901 §7.1. */
    YC_AV_KEY_BINDING_UNSUPPORTED, /**< A KB-JWT follows the last '~'. */
    YC_AV_STATUS_UNAVAILABLE,      /**< No current, verified status list for the token. */
    YC_AV_REVOKED,                 /**< Status 1 (INVALID). */
    YC_AV_SUSPENDED,               /**< Status 2 (SUSPENDED). */
} yc_av_reason;

/**
 * @brief Stable snake_case name of a verdict reason.
 * @param[in] r  Any value; values outside the enum give "malformed".
 * @return "valid", "malformed", "too_large", "wrong_typ", "alg_not_allowed",
 *         "untrusted_issuer", "unknown_kid", "bad_signature", "wrong_vct", "wrong_aud",
 *         "expired", "not_yet_valid", "disclosure_mismatch", "key_binding_unsupported",
 *         "status_unavailable", "revoked" or "suspended"; static, never NULL, do not free.
 * @par Source: issue 4 item 6 (verify reasons).
 */
const char *yc_av_reason_str(yc_av_reason r);

/** A pinned Ed25519 public key with its RFC 7638 thumbprint. */
typedef struct yc_av_key {
    char kid[YC_JWK_THUMBPRINT_LEN + 1];     /**< Thumbprint, NUL-terminated. */
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES]; /**< Raw public key. */
} yc_av_key;

/** Status lookup: YC_OK with the 2-bit value in *ret_status; YC_ERR_NOT_FOUND when there is no
 *  current verified list for @p uri or @p idx is out of range; YC_ERR_NOMEM on allocation
 *  failure. */
typedef yc_err (*yc_av_status_fn)(void *ctx, const char *uri, uint64_t idx, unsigned *ret_status);

/** One trusted issuer. */
typedef struct yc_av_issuer {
    const char *iss;        /**< Exact iss, NUL-terminated. */
    const char *city;       /**< For the answer; may be NULL. */
    const char *region;     /**< Registry region, 6 ASCII digits, NUL-terminated (trust
                                 registry entries); NULL when not known (offline use). */
    const yc_av_key *keys;  /**< Trusted (pinned) keys; may be NULL when n_keys is 0. */
    size_t n_keys;          /**< Number of keys. */
    yc_av_status_fn status; /**< NULL: status not checked. */
    void *status_ctx;       /**< Passed to status. */
} yc_av_issuer;

/** Pass as yc_av_verify()'s @p aud to leave a token's aud unchecked (the pointer is
 * compared, not the text). */
extern const char yc_av_any_aud[];

/** The answer of yc_av_verify(). */
typedef struct yc_av_verdict {
    bool valid;          /**< reason == YC_AV_VALID. */
    yc_av_reason reason; /**< Why not valid. */
    char issuer[256];    /**< The token's iss when it could be read (and fits), else "". */
    json_t *claims;      /**< NULL unless the token verified up to its status (valid, revoked,
                              suspended, status_unavailable): always-visible and disclosed
                              claims without _sd/_sd_alg; owned: json_decref. */
    bool status_checked; /**< The status list was consulted and gave a value. */
} yc_av_verdict;

/**
 * @brief Verify an attestation (SD-JWT VC without key binding) against pinned issuers.
 * Order: size, shape (issuer JWT of three parts, header a JSON object of exactly alg, typ and
 * kid, payload a JSON object, ends in '~'), typ, alg (EdDSA and Ed25519), iss trusted, kid
 * known, signature, claims (iss, vct = iss + YC_AV_VCT_SUFFIX, exp with YC_AV_LEEWAY_SECONDS,
 * iat/nbf, aud, exp - iat <= YC_AV_MAX_LIFETIME_SECONDS), disclosures (RFC 9901 §7.1), then
 * status via the issuer's status function (status.status_list {idx, uri}; a token without a
 * status claim is not status-checked).  Never fetches anything.
 * @param[in]  token      Token bytes, not NUL-terminated.
 * @param[in]  len        Length of @p token in bytes.
 * @param[in]  issuers    @p n_issuers trusted issuers; may be NULL when @p n_issuers is 0.
 * @param[in]  n_issuers  Number of issuers.
 * @param[in]  now        Current time, seconds since the epoch, >= 0.
 * @param[in]  aud        This verifier's audience (NUL-terminated); NULL (a token with aud
 *                        is then rejected, RFC 7519 §4.1.3); or yc_av_any_aud (aud is not
 *                        checked: a verifier answering for every audience).
 * @param[out] ret        The verdict; release with yc_av_verdict_clear().
 * @retval YC_OK            for any token content (see @p ret)
 * @retval YC_ERR_NOMEM     allocation failed
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised, or @p now < 0
 * @par Source: issue 4 item 6; attestations.md §1.3 "Partner verification recipe", §2
 *      (pinning), §3.1 (status order), §6; RFC 9901 §7.1.
 */
YC_MUST_USE yc_err yc_av_verify(const char *token, size_t len, const yc_av_issuer *issuers,
                                size_t n_issuers, int64_t now, const char *aud, yc_av_verdict *ret);

/**
 * @brief Release the claims of a verdict and reset it.
 * @param[in,out] v  A verdict from yc_av_verify(), or a zeroed one.
 */
void yc_av_verdict_clear(yc_av_verdict *v);

/**
 * @brief Parse a JWK Set and return its Ed25519 keys, each kid recomputed from x (a JWK's own
 *        kid member is ignored); keys of another kty/crv are skipped.
 * @param[in]  json     JWKS text, not NUL-terminated (duplicate members rejected).
 * @param[in]  len      Length of @p json in bytes.
 * @param[in]  pins     @p n_pins NUL-terminated thumbprints; only keys among them are kept.
 *                      NULL: every key is kept.
 * @param[in]  n_pins   Number of pins.
 * @param[out] ret_keys Array of @p cap keys.
 * @param[in]  cap      Capacity of @p ret_keys; further keys are ignored.
 * @param[out] ret_n    Number of keys written (duplicates written once).
 * @retval YC_OK
 * @retval YC_ERR_INVALID   not a JSON object with a "keys" array, or an OKP Ed25519 key whose
 *                          x is not 32 bytes of strict base64url or that carries a private "d"
 * @retval YC_ERR_NOMEM     allocation failed
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: RFC 7517 §5; RFC 7638 §3; attestations.md §2 "Pinning".
 */
YC_MUST_USE yc_err yc_av_jwks_keys(const char *json, size_t len, const char *const *pins,
                                   size_t n_pins, yc_av_key *ret_keys, size_t cap, size_t *ret_n);

/**
 * @brief Verify a status list token with any of @p keys (typ statuslist+jwt, exp > @p now,
 *        sub a string equal to @p uri when given) and return its list and sub.
 * @param[in]  token     Token bytes, not NUL-terminated (trailing whitespace is ignored).
 * @param[in]  len       Length of @p token in bytes.
 * @param[in]  keys      @p n_keys pinned keys; may be NULL when @p n_keys is 0.
 * @param[in]  n_keys    Number of keys.
 * @param[in]  uri       Required sub, NUL-terminated, or NULL for any.
 * @param[in]  now       Current time, seconds since the epoch, >= 0.
 * @param[out] ret_list  The list (yc_status_list_free()).
 * @param[out] ret_sub   If not NULL: the token's sub, NUL-terminated, from yc_alloc (yc_free()).
 * @param[out] ret_exp   If not NULL: the token's exp, seconds since the epoch.
 * @retval YC_OK
 * @retval YC_ERR_AUTH   no key verifies it, or it is expired, of the wrong typ or sub
 * @retval YC_ERR_INVALID malformed
 * @retval YC_ERR_NOMEM  allocation failed
 * @par Source: attestations.md §3.1 (verifier order); draft-ietf-oauth-status-list-21
 *      "Validation Rules".
 */
YC_MUST_USE yc_err yc_av_status_list_check(const char *token, size_t len, const yc_av_key *keys,
                                           size_t n_keys, const char *uri, int64_t now,
                                           yc_status_list **ret_list, char **ret_sub,
                                           int64_t *ret_exp);

/** The loaded partner trust registry (opaque). */
typedef struct yc_trust yc_trust;

/**
 * @brief Load DATA/trust/partners.json and each partner's local JWKS and status-list files.
 * Keys of a partner = its pinned thumbprints ∩ the keys of its JWKS file; each status-list
 * file is verified with those keys (typ statuslist+jwt, exp > @p now, sub == uri): one that
 * does not verify, or is missing, makes that uri NOT_FOUND (status_unavailable).
 * @param[in]  data_dir  Data directory, NUL-terminated.
 * @param[in]  now       Current time, seconds since the epoch, >= 0.
 * @param[out] ret       The registry (yc_trust_free()); a missing partners.json gives an empty
 *                       one.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    partners.json, or a partner's JWKS file, is malformed (the
 *                           offending partner and field: yc_trust_error_field())
 * @retval YC_ERR_TOO_LARGE  a file is larger than its cap
 * @retval YC_ERR_IO         a file exists but cannot be read
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 4 item 6 (trust registry); attestations.md §2 "Pinning", §3.1.
 */
YC_MUST_USE yc_err yc_trust_load(const char *data_dir, int64_t now, yc_trust **ret);

/**
 * @brief The field the last failing yc_trust_load() (or yc_trust_registry_read()) on this
 *        thread complained about, e.g. "partners[1].pins[0]" or "partners[0].jwks_file".
 * @return A thread-local NUL-terminated string, "" if none; valid until the next such call.
 */
const char *yc_trust_error_field(void);

/**
 * @brief The registry's issuers, in file order, ready for yc_av_verify().
 * @param[in]  t    The registry.
 * @param[out] ret  The array (owned by @p t, valid until yc_trust_free()).
 * @return The number of issuers.
 */
size_t yc_trust_issuers(const yc_trust *t, const yc_av_issuer **ret);

/**
 * @brief When the registry goes stale: the earliest exp of its verified status lists.  The
 *        server loads the registry again at that time (or when yc_trust_stamp() changes), since
 *        an expired list must read as status_unavailable.
 * @param[in] t  The registry.
 * @return Seconds since the epoch; INT64_MAX when no list was verified.
 * @par Source: attestations.md §3.1 (list exp); issue 4 item 6.
 */
int64_t yc_trust_expires(const yc_trust *t);

/**
 * @brief Release a registry.
 * @param[in] t  May be NULL.
 */
void yc_trust_free(yc_trust *t);

/**
 * @brief A stamp that changes when partners.json or any file it names changes (mtime in ns,
 *        size, inode; a missing file counts too), for the server's reload.
 * @param[in]  data_dir  Data directory, NUL-terminated.
 * @param[out] ret       The stamp (FNV-1a 64 over the stat fields).
 * @retval YC_OK
 * @retval YC_ERR_NOMEM  allocation failed
 * @par Source: issue 4 item 6 (server reload of the trust registry).
 */
YC_MUST_USE yc_err yc_trust_stamp(const char *data_dir, uint64_t *ret);

/**
 * @brief Read and check DATA/trust/partners.json as JSON (for the CLI's add/list/remove).
 * @param[in]  data_dir  Data directory, NUL-terminated.
 * @param[out] ret       New reference to `{"partners":[...]}` (`{"partners":[]}` when the file is
 *                       missing); json_decref.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    malformed (field: yc_trust_error_field())
 * @retval YC_ERR_TOO_LARGE  larger than YC_TRUST_MAX_REGISTRY_BYTES
 * @retval YC_ERR_IO         cannot be read
 * @retval YC_ERR_NOMEM      allocation failed
 */
YC_MUST_USE yc_err yc_trust_registry_read(const char *data_dir, json_t **ret);

/**
 * @brief Write a file of DATA/trust/ atomically: DATA/trust/ is created (0700) if needed, then
 *        NAME.tmp is written, fsync'ed and renamed over NAME, and the directory fsync'ed.
 * @param[in] data_dir  Data directory, NUL-terminated.
 * @param[in] name      Plain file name (no '/'), NUL-terminated.
 * @param[in] data      Bytes to write; may be NULL when @p len is 0.
 * @param[in] len       Length of @p data in bytes.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p name is not a plain name
 * @retval YC_ERR_IO       a file system call failed (the old file is kept)
 * @retval YC_ERR_NOMEM    allocation failed
 */
YC_MUST_USE yc_err yc_trust_write_file(const char *data_dir, const char *name, const char *data,
                                       size_t len);

/** The mTLS pins of every partner of the registry (opaque; immutable once loaded). */
typedef struct yc_trust_mtls yc_trust_mtls;

/** What yc_trust_mtls_check() says of a partner client's TLS client certificate. */
typedef enum yc_trust_mtls_verdict {
    YC_TRUST_MTLS_NOT_REQUIRED = 0, /**< the partner's entry has no mtls_spki_sha256: the
                                         bearer token alone suffices */
    YC_TRUST_MTLS_PINNED,           /**< a certificate whose key is one of the pins */
    YC_TRUST_MTLS_NO_CERT,          /**< pins, but no certificate (h2c, or none sent) */
    YC_TRUST_MTLS_WRONG_CERT,       /**< pins, and a certificate whose key is none of them */
    YC_TRUST_MTLS_UNKNOWN_ISSUER,   /**< no partner of the registry has this issuer */
} yc_trust_mtls_verdict;

/**
 * @brief Load the mTLS pins of DATA/trust/partners.json (that file only: no JWKS or status
 *        list is read, so this is cheap enough for the server to reload within a second).
 * @param[in]  data_dir  Data directory, NUL-terminated.
 * @param[out] ret       New pin set (yc_trust_mtls_free()); a missing partners.json gives an
 *                       empty one.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    partners.json is malformed (field: yc_trust_error_field(), e.g.
 *                           "partners[0].mtls_spki_sha256[1]")
 * @retval YC_ERR_TOO_LARGE  larger than YC_TRUST_MAX_REGISTRY_BYTES
 * @retval YC_ERR_IO         cannot be read
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 6 item 1 ("optional mutual TLS for partners (client certificate pinned by
 *      SPKI hash in the trust registry)"); docs/mtls.md.
 */
YC_MUST_USE yc_err yc_trust_mtls_load(const char *data_dir, yc_trust_mtls **ret);

/**
 * @brief Judge the certificate a partner client presented against its partner's pins.
 * @param[in] m            Loaded pin set.
 * @param[in] issuer       The client's issuer URL (yc_client.issuer), NUL-terminated.
 * @param[in] spki_sha256  YC_TRUST_SPKI_SHA256_BYTES bytes: SHA-256 of the presented
 *                         certificate's DER SubjectPublicKeyInfo; NULL when none was presented.
 * @return The verdict; only YC_TRUST_MTLS_NOT_REQUIRED and YC_TRUST_MTLS_PINNED let the client
 *         in (docs/mtls.md).
 * @note Thread-safety: pure read of an immutable @p m.
 * @par Source: issue 6 item 1; RFC 7469 §2.4 (SPKI fingerprint).
 */
yc_trust_mtls_verdict yc_trust_mtls_check(const yc_trust_mtls *m, const char *issuer,
                                          const uint8_t *spki_sha256);

/**
 * @brief Release a pin set.
 * @param[in] m  May be NULL.
 */
void yc_trust_mtls_free(yc_trust_mtls *m);

/**
 * @brief A stamp that changes when DATA/trust/partners.json changes (mtime in ns, size, inode;
 *        a missing file counts too), for the server's reload of the pins within 1 s.
 * @param[in]  data_dir  Data directory, NUL-terminated.
 * @param[out] ret       The stamp (FNV-1a 64 over the stat fields).
 * @retval YC_OK
 * @retval YC_ERR_NOMEM  allocation failed
 * @par Source: issue 6 item 1 (the registry reload rule of issue 4 item 6).
 */
YC_MUST_USE yc_err yc_trust_mtls_stamp(const char *data_dir, uint64_t *ret);

#endif
