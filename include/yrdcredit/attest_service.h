/**
 * @file attest_service.h
 * @brief The attestation issuer of one instance (svc/attest/service.c): issuing SD-JWT VC
 *        tokens, recording them durably through the store's group committer, status lists
 *        (allocation, revocation, suspension, the signed list token), the JWKS and the
 *        verifier for this instance's tokens and for the partners of the trust registry.
 *
 * Threads: every function may be called from several threads at once (the HTTP workers).
 * Keys come from DATA/keys/signing.json (include/yrdcredit/keyring.h) and the partners from
 * DATA/trust/partners.json (include/yrdcredit/attest_verify.h); both files are re-read when
 * they change, checked at most once a second, so `yrdcredit keys rotate` or `yrdcredit trust
 * add` take effect in a running server without a restart.
 *
 * Status lists: 2 bits per entry (0 valid, 1 revoked, 2 suspended), attest.status_list_entries
 * entries each, numbered from 1; an index is drawn at random among the free ones of the newest
 * list, and a new list is opened when half of it is taken.  The lists are rebuilt from the
 * store's attestation records at open.
 *
 * @par Source: issue 4 items 3–6; attestations.md §0, §1.3, §2, §3.1; ARCHITECTURE.md
 *      "Attestations".
 */
#ifndef YRDCREDIT_ATTEST_SERVICE_H
#define YRDCREDIT_ATTEST_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/attest_verify.h"
#include "yrdcredit/config.h"
#include "yrdcredit/err.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_attest.h"

/** Bits per status-list entry: two, so that a token can be suspended (draft-21 "Status
 * Types"). */
#define YC_ATTEST_STATUS_BITS 2u
/** Longest status-list URI: the issuer, "/v1/status-lists/" and a 10-digit id. */
#define YC_ATTEST_URI_MAX (YC_CONFIG_ISSUER_MAX + 32)
/** Length of an ETag value we send: a quoted 22-character base64url digest prefix. */
#define YC_ATTEST_ETAG_LEN 24
/** Random decoy digests added to `_sd`: between these bounds, so the digest count does not
 * tell how many claims were made disclosable (RFC 9901 §4.2.5). */
#define YC_ATTEST_DECOYS_MIN 1u
#define YC_ATTEST_DECOYS_MAX 4u

typedef struct yc_attest_service yc_attest_service;

/** JWS algorithm names of issue 4 item 3. */
typedef enum yc_attest_alg {
    YC_ATTEST_ALG_DEFAULT = 0, /**< attest.partner_algs[aud] if listed, else attest.alg */
    YC_ATTEST_ALG_EDDSA,       /**< "EdDSA" (RFC 8037) */
    YC_ATTEST_ALG_ED25519,     /**< "Ed25519" (RFC 9864) */
} yc_attest_alg;

/** What to put into one attestation (the handler has computed the score already). */
typedef struct yc_attest_issue_in {
    const char *subject_id;    /**< NUL-terminated USCC or 'P…' pseudonym: the `sub` claim */
    const char *subject_type;  /**< NUL-terminated: legal_person, individual_business or
                                    natural_person (the score JSON's value) */
    const char *model_version; /**< NUL-terminated score model version */
    const char *model_digest;  /**< NUL-terminated SHA-256 hex of the model file */
    json_t *disclosable;       /**< borrowed JSON object: the claims made selectively
                                    disclosable (score, grade or band, as_of, reasons, name) */
    const char *aud;           /**< NUL-terminated audience, 1..YC_ATTEST_AUD_MAX bytes, or
                                    NULL for none */
    unsigned validity_days;    /**< 1..attest.max_validity_days */
    yc_attest_alg alg;         /**< JWS alg */
    /** Borrowed JSON array, or NULL for []: the always-visible (never selectively disclosable)
     *  `lists` claim, the subject's listings in effect at the attestation's as_of, each
     *  {"list": "serious_dishonesty"|"watch"|"red", "from": "YYYY-MM-DD",
     *  "to": "YYYY-MM-DD"|null, "codes": ["N11", ...]} (issue 5 review findings 1 and 2:
     *  the record codes behind the listing, for measures that cover only some of them). */
    json_t *lists;
} yc_attest_issue_in;

/** One issued attestation, as yc_attest_issue_fn receives it. */
typedef struct yc_attest_issued {
    const char *token;               /**< NUL-terminated SD-JWT (issuer JWT~d1~…~dn~) */
    size_t token_len;                /**< bytes, without the NUL */
    const yc_store_attestation *rec; /**< the durable record (jti, iat, exp, list, index, …) */
    const char *status_uri;          /**< NUL-terminated `status.status_list.uri` */
} yc_attest_issued;

/**
 * Called exactly once per accepted yc_attest_issue(), from the store's committer thread, after
 * the record's transaction: @p rv is YC_OK (durable; @p out valid for the call only) or the
 * committer's error (YC_ERR_FULL, YC_ERR_STORE, YC_ERR_IO, YC_ERR_CONFLICT; @p out NULL, and
 * the status index is given back).
 */
typedef void (*yc_attest_issue_fn)(void *ctx, yc_err rv, const yc_attest_issued *out);

/**
 * Called exactly once per accepted yc_attest_set_state(), from the committer thread: @p rv is
 * YC_OK (durable, and this instance's verifier and status list show the new state from now on;
 * @p rec is the record after the change, valid for the call only), YC_ERR_CONFLICT when another
 * change of the token committed first and this one is no longer allowed (checked in the
 * writing transaction), or the committer's error (@p rec NULL).
 */
typedef void (*yc_attest_state_fn)(void *ctx, yc_err rv, const yc_store_attestation *rec);

/**
 * @brief Open the issuer of an instance: copy the settings, load the keyring and the trust
 *        registry (either may be absent), rebuild the status lists from the store, start the
 *        store's group committer.
 * @param[in]  data_dir  NUL-terminated data directory (keys/, trust/).
 * @param[in]  cfg       The "attest" settings; copied.
 * @param[in]  store     An open store; borrowed, must outlive the service.
 * @param[out] ret       New service; free with yc_attest_service_close().
 * @retval YC_OK
 * @retval YC_ERR_STORE    the keyring or a stored attestation is corrupt, or a stored index
 *                         does not fit attest.status_list_entries
 * @retval YC_ERR_INVALID  the trust registry is malformed
 * @retval YC_ERR_NOMEM    allocation failed
 * @retval YC_ERR_INTERNAL a thread could not be started
 * @par Source: issue 4 items 2–5.
 */
YC_MUST_USE yc_err yc_attest_service_open(const char *data_dir, const yc_config_attest *cfg,
                                          yc_store *store, yc_attest_service **ret);

/**
 * @brief Stop the committer (every queued write is committed and its callback called), then
 *        free everything.
 * @param[in] s  May be NULL.
 */
void yc_attest_service_close(yc_attest_service *s);

/**
 * @brief Sign an attestation on the calling thread and queue its record for the group commit.
 *
 * Claims exactly as attestations.md §1.3 with ARCHITECTURE.md's choices: header {alg, typ
 * "dc+sd-jwt", kid}; always visible iss, sub (the subject_id), iat, exp, jti (16 random bytes,
 * base64url), vct (issuer + "/vct/credit-score/v1"), status {status_list {idx, uri}},
 * issuer_city, issuer_region, subject_type, model {version, digest}, lists (@c in->lists,
 * [] when NULL; issue 5 review finding 1), aud when given; the members of
 * @c in->disclosable as disclosures with YC_ATTEST_DECOYS_MIN..MAX decoys.
 *
 * @param[in] s     The service.
 * @param[in] in    What to issue; borrowed for the call.
 * @param[in] now   Current time, seconds since the epoch (the `iat`).
 * @param[in] done  Called once later, unless this returns an error.
 * @param[in] ctx   Passed to @p done.
 * @retval YC_OK             queued; @p done will be called
 * @retval YC_ERR_NOT_FOUND  no active attestation key (run `yrdcredit keys new`)
 * @retval YC_ERR_AGAIN      the commit queue is full (attest.commit_queue)
 * @retval YC_ERR_FULL       every status list is full and no new one can be opened
 * @retval YC_ERR_INVALID    a member of @p in is out of shape
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 4 item 3; operationId issueAttestation.
 */
YC_MUST_USE yc_err yc_attest_issue(yc_attest_service *s, const yc_attest_issue_in *in, int64_t now,
                                   yc_attest_issue_fn done, void *ctx);

/**
 * @brief Revoke, suspend or unsuspend an attestation: checked against its stored state, then
 *        queued for the group commit.
 *
 * Transitions: valid or suspended → revoked; valid → suspended; suspended → valid.  Anything
 * else (revoking a revoked token, suspending a revoked or suspended one, unsuspending one that
 * is not suspended) is a conflict: revocation is final.
 *
 * @param[in] s       The service.
 * @param[in] jti     NUL-terminated jti, YC_ATTEST_JTI_LEN characters.
 * @param[in] state   The new state.
 * @param[in] reason  NUL-terminated UTF-8 reason, 0..YC_ATTEST_REASON_MAX bytes.
 * @param[in] now     Current time, seconds since the epoch.
 * @param[in] done    Called once later, unless this returns an error.
 * @param[in] ctx     Passed to @p done.
 * @retval YC_OK             queued
 * @retval YC_ERR_NOT_FOUND  no attestation with this jti
 * @retval YC_ERR_CONFLICT   the transition is not allowed from the stored state
 * @retval YC_ERR_INVALID    @p jti or @p reason out of shape
 * @retval YC_ERR_AGAIN      the commit queue is full
 * @retval YC_ERR_STORE      the store failed
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 4 item 5; operationIds revokeAttestation, suspendAttestation,
 *      unsuspendAttestation.
 */
YC_MUST_USE yc_err yc_attest_set_state(yc_attest_service *s, const char *jti, yc_attest_state state,
                                       const char *reason, int64_t now, yc_attest_state_fn done,
                                       void *ctx);

/**
 * @brief The signed status-list token of list @p id (typ statuslist+jwt, sub = the list's URI,
 *        iat, exp = iat + 2 × ttl, ttl = attest.status_list_ttl_s, 2-bit `lst`).
 *
 * A token is re-signed only when the list changed or half its ttl has passed; in between the
 * same bytes (and ETag) are returned.
 *
 * @param[in]  s          The service.
 * @param[in]  id         List id, >= 1.
 * @param[in]  now        Current time, seconds since the epoch.
 * @param[out] ret_token  New NUL-terminated copy of the token (yc_free()).
 * @param[out] ret_len    Its length in bytes, without the NUL.
 * @param[out] ret_etag   YC_ATTEST_ETAG_LEN + 1 bytes: the quoted ETag (RFC 9110 §8.8.3),
 *                        NUL-terminated.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no list with this id
 * @retval YC_ERR_AGAIN      no active status-list key
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   zlib or libsodium failed
 * @par Source: draft-ietf-oauth-status-list-21 "Status List Token"; issue 4 item 4;
 *      operationId getStatusList.
 */
YC_MUST_USE yc_err yc_attest_status_list(yc_attest_service *s, uint32_t id, int64_t now,
                                         char **ret_token, size_t *ret_len,
                                         char ret_etag[static YC_ATTEST_ETAG_LEN + 1]);

/**
 * @brief The JWK Set of this instance at @p now: every attestation and status-list key that
 *        is published, active or retired but not yet dropped (keyring.h).
 * @param[in]  s         The service.
 * @param[in]  now       Current time, seconds since the epoch.
 * @param[out] ret_json  New NUL-terminated JSON (yc_free()); {"keys":[]} without a keyring.
 * @param[out] ret_len   Its length in bytes, without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_NOMEM  allocation failed
 * @par Source: RFC 7517 §5; attestations.md §2; issue 4 item 4; operationId getJwks.
 */
YC_MUST_USE yc_err yc_attest_jwks(yc_attest_service *s, int64_t now, char **ret_json,
                                  size_t *ret_len);

/**
 * @brief Verify a token (SD-JWT or presentation) of this instance or of a partner in the
 *        trust registry, its status included (this instance's lists directly, so a revocation
 *        is seen at once; a partner's from its local status-list file).
 * @param[in]  s    The service.
 * @param[in]  token  @p len bytes, not NUL-terminated.
 * @param[in]  len    Bytes.
 * @param[in]  aud    NUL-terminated audience of the caller, or NULL: a token with an `aud`
 *                    is then accepted whatever it names (this instance checks for a partner).
 * @param[in]  now    Current time, seconds since the epoch.
 * @param[out] ret    The verdict; clear with yc_av_verdict_clear().
 * @retval YC_OK           for any token (the verdict tells why it is not valid)
 * @retval YC_ERR_NOMEM    allocation failed
 * @retval YC_ERR_INTERNAL libsodium failed
 * @par Source: issue 4 item 6; operationId verifyAttestation.
 */
YC_MUST_USE yc_err yc_attest_verify(yc_attest_service *s, const char *token, size_t len,
                                    const char *aud, int64_t now, yc_av_verdict *ret);

/** Longest `typ` yc_attest_sign_jws() accepts, in bytes without the NUL. */
#define YC_ATTEST_JWS_TYP_MAX 64

/**
 * @brief Sign @p payload as a JWS compact serialization with this instance's active
 *        attestation key: protected header {"alg":"EdDSA","typ":@p typ,"kid":<kid>}, so that
 *        a partner verifies it against this instance's JWKS (the trust registry pins it).
 *        Used for 联合奖惩 decisions and shared-record batches (issue 5).
 * @param[in]  s            The service.
 * @param[in]  typ          NUL-terminated media type without "application/", 1..
 *                          YC_ATTEST_JWS_TYP_MAX bytes of [A-Za-z0-9.+-] (e.g.
 *                          "yrdcredit-decision+jwt").
 * @param[in]  payload      Payload bytes (normally compact JSON); not NUL-terminated.
 * @param[in]  payload_len  Bytes of @p payload, 1.. (the token is capped at
 *                          YC_JWS_MAX_LARGE_TOKEN_BYTES).
 * @param[in]  now          Current time, seconds since the epoch (picks the active key).
 * @param[out] ret_token    New NUL-terminated token; free with yc_free().  Written on YC_OK.
 * @param[out] ret_len      Its length in bytes without the NUL.
 * @param[out] ret_kid      NULL, or YC_JWK_THUMBPRINT_LEN + 1 bytes: on YC_OK the kid that
 *                          signed, NUL-terminated.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    a NULL argument, empty payload or a bad @p typ
 * @retval YC_ERR_NOT_FOUND  no active attestation key at @p now (no keyring)
 * @retval YC_ERR_TOO_LARGE  the token would exceed YC_JWS_MAX_LARGE_TOKEN_BYTES
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed
 * @note Thread-safety: safe from many threads (the keyring is read under its lock).
 * @par Source: RFC 7515 §3.1, §7.1; RFC 8037 §3.1; issue 5 scope items 4 and 5.
 */
YC_MUST_USE yc_err yc_attest_sign_jws(yc_attest_service *s, const char *typ, const void *payload,
                                      size_t payload_len, int64_t now, char **ret_token,
                                      size_t *ret_len, char *ret_kid);

/**
 * @brief The state an attestation record shows at @p now for listings: "valid", "revoked",
 *        "suspended" or "expired" (valid or suspended past its exp).
 * @param[in] rec  The record.
 * @param[in] now  Seconds since the epoch.
 * @return A static NUL-terminated string.
 * @par Source: operationId listAttestations.
 */
const char *yc_attest_state_name(const yc_store_attestation *rec, int64_t now);

/**
 * @brief The store's group committer the service started, for the other durable writes of
 *        the instance (issue 5: decisions are committed next to the attestations).
 * @param[in] s  The service.
 * @return The running committer, never NULL.  Borrowed: owned by @p s and valid until
 *         yc_attest_service_close(), which stops it; the caller must not stop or free it.
 * @note Thread-safety: safe from many threads; the committer's yc_store_commit_*() calls
 *       queue from any thread (store_attest.h).
 * @par Source: issue 5 scope item 4 (decisions are stored before they are answered).
 */
yc_store_committer *yc_attest_committer(yc_attest_service *s);

/**
 * @brief The issuer settings the service was opened with (for the handlers' metadata).
 * @param[in] s  The service.
 * @return A pointer valid until yc_attest_service_close().
 */
const yc_config_attest *yc_attest_config(const yc_attest_service *s);

/**
 * @brief The region (6-digit 行政区划代码) the trust registry pins for a verified issuer, or
 *        this instance's own issuer_region for its own iss (issue 5 review finding 1: an
 *        attestation's `issuer_region` claim must equal it).
 * @param[in]  s       The service.
 * @param[in]  issuer  Exact iss (yc_av_verdict::issuer), NUL-terminated.
 * @param[out] ret     7 bytes: the region partners.json names (6 ASCII digits, checked by
 *                     yc_trust_load()), NUL-terminated; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  @p issuer is neither this instance nor a partner of the cached
 *                           registry (the one verification used; re-read within a second of
 *                           a change of DATA/trust/partners.json)
 * @retval YC_ERR_INVALID    the registry entry has no region
 * @note Thread-safety: any thread; reads the cached registry under its read lock.  No I/O.
 * @par Source: issue 5 review finding 1; attestations.md §2 (trust registry).
 */
YC_MUST_USE yc_err yc_attest_partner_region(yc_attest_service *s, const char *issuer,
                                            char ret[static 7]);

/** A partner's pinned key, as yc_attest_partner_key() finds it by kid. */
typedef struct yc_attest_partner {
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES]; /**< Raw Ed25519 public key. */
    char iss[256];                           /**< The partner's exact iss, NUL-terminated. */
    char region[7]; /**< The region partners.json pins for it (6 bytes + NUL; the caller checks
                         its shape). */
} yc_attest_partner;

/**
 * @brief Find the partner one of whose pinned keys has thumbprint @p kid, in the service's
 *        cached trust registry (re-loaded when its files change, as for yc_attest_verify()):
 *        its public key, its iss and the region the registry pins for it
 *        (yc_attest_partner_region()).  No JWKS file is read when the cache is current.
 * @param[in]  s    The service.
 * @param[in]  kid  NUL-terminated RFC 7638 thumbprint (from an unverified JWS header).
 * @param[in]  now  Current time, seconds since the epoch (the registry's freshness).
 * @param[out] ret  The partner; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no partner pins @p kid (this instance's own keys are not partners),
 *                           or the registry does not load (then no partner is trusted, as for
 *                           yc_attest_verify())
 * @retval YC_ERR_INVALID    a NULL argument, or the partner's registry entry has no region
 * @note Thread-safety: any thread; the key, iss and region are copied under the registry's
 *       read lock.  No I/O but the registry's re-load when its files changed.
 * @par Source: issue 5 scope item 5 (shared batches are verified against the trust registry);
 *      issue 5 review finding 6.
 */
YC_MUST_USE yc_err yc_attest_partner_key(yc_attest_service *s, const char *kid, int64_t now,
                                         yc_attest_partner *ret);

#endif
