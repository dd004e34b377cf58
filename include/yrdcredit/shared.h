/**
 * @file shared.h
 * @brief Record sharing between instances (issue 5 scope item 5; docs/sharing.md): which
 *        shared records count in a score (svc/policy/shared.c), and the signed batches of
 *        `yrdcredit share export|import` and `POST /v1/shared-records`
 *        (svc/api/shared_records.c).
 *
 * A batch is one JWS compact serialization signed with the exporting instance's active
 * attestation key (yc_attest_sign_jws(), header typ YC_SHARE_TYP) whose payload is compact
 * JSON:
 * @code
 * {"format":"yrdcredit-share/1","batch_id":"<22 base64url>","from":"330782","to":"330100",
 *  "iat":1767225600,"since":"2025-01-01","records":[{<generic record>,"origin_record_id":"17"}]}
 * @endcode
 * Each record is the generic record object of docs/formats.md §3.3 that `yrdcredit import`
 * and `POST /v1/records` accept (merchants only: no natural person, no document number, no
 * `origin`), plus `origin_record_id`, the record id at the sender (decimal string; kept for
 * tracing in the batch only).
 */
#ifndef YRDCREDIT_SHARED_H
#define YRDCREDIT_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/attest_service.h"
#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/lists.h"
#include "yrdcredit/recognition.h"
#include "yrdcredit/record.h"
#include "yrdcredit/store.h"

/** JOSE header typ of a shared-record batch. */
#define YC_SHARE_TYP "yrdcredit-share+jwt"
/** The payload's `format`. */
#define YC_SHARE_FORMAT "yrdcredit-share/1"
/** Most records in one batch: an export selecting more is refused (narrow --since); an
 *  import of more is refused as too_large. */
#define YC_SHARE_MAX_RECORDS 1000
/** Largest batch token in bytes (export and import): YC_JWS_MAX_LARGE_TOKEN_BYTES (8 MiB).
 *  `POST /v1/shared-records` is further bounded by server.max_body_bytes. */
#define YC_SHARE_MAX_TOKEN_BYTES YC_JWS_MAX_LARGE_TOKEN_BYTES

/** Why a batch was refused (whole: nothing is stored). */
typedef enum yc_share_reason {
    YC_SHARE_OK = 0,           /**< Stored. */
    YC_SHARE_BAD_SIGNATURE,    /**< The signature does not verify under the pinned key. */
    YC_SHARE_UNTRUSTED_ISSUER, /**< The kid is no pinned key of any partner in the registry. */
    YC_SHARE_WRONG_RECIPIENT,  /**< `to` is not this instance's region. */
    YC_SHARE_WRONG_ORIGIN,     /**< `from` is not the signing partner's registered region. */
    YC_SHARE_REPLAYED,         /**< This batch_id was stored before. */
    YC_SHARE_MALFORMED,        /**< Not a batch of the documented shape, or a record refused
                                    (the field names the record index and member). */
    YC_SHARE_TOO_LARGE,        /**< Over YC_SHARE_MAX_TOKEN_BYTES or YC_SHARE_MAX_RECORDS. */
} yc_share_reason;

/**
 * @brief Stable snake_case name of a refusal reason.
 * @param[in] r  Any value; values outside the enum give "malformed".
 * @return "ok", "bad_signature", "untrusted_issuer", "wrong_recipient", "wrong_origin",
 *         "replayed", "malformed" or "too_large"; static, never NULL.
 * @par Source: issue 5 scope item 5.
 */
const char *yc_share_reason_str(yc_share_reason r);

/**
 * @brief Keep the records that count in this instance's score: compact @p recs in place (order
 *        kept) to the local records (origin "") and the shared records whose code belongs to a
 *        statutory list (yc_list_rules_list_of_code(): serious_dishonesty or watch) that the
 *        host recognises from the record's origin (yc_recognition_list_recognised()).  Any other
 *        shared record does not count: the recognition policy recognises lists, not single
 *        penalties, rewards or registrations.
 * @param[in,out] recs         @p n records (a yc_store_subject_records() array); may be NULL
 *                             when @p n is 0.  Elements past the returned count are unspecified.
 * @param[in]     n            Number of records.
 * @param[in]     host_region  NUL-terminated 6-digit region of this instance.
 * @param[in]     rec          The recognition policy; NULL: no shared record counts.
 * @param[in]     lists        The list rules; NULL: no shared record counts.
 * @return The number of records kept (0..@p n).
 * @note Thread-safety: reads @p rec and @p lists only.
 * @par Source: issue 5 scope items 3 and 5; docs/sharing.md §4.
 */
size_t yc_shared_keep_recognised(yc_record *recs, size_t n, const char *host_region,
                                 const yc_recognition *rec, const yc_list_rules *lists);

/**
 * @brief Is a merchant registered in @p region?  The registration region of a USCC is its
 *        characters 3..8 (登记管理机关行政区划码, GB 32100-2015): @p region ending in "0000"
 *        matches the province (first 2 digits), ending in "00" the city (first 4), otherwise
 *        all 6 digits must be equal.
 * @param[in] region  NUL-terminated 行政区划代码 (yc_region_is_valid(); any other gives false).
 * @param[in] uscc    NUL-terminated subject id; anything but 18 characters gives false.
 * @return true when covered; false otherwise (also for a malformed argument).
 * @par Source: issue 5 scope item 5; GB 32100-2015 §4.
 */
bool yc_share_region_covers(const char *region, const char *uscc);

/**
 * @brief Build and sign the batch of `yrdcredit share export`: the LOCAL records (origin "")
 *        of merchants registered in @p to (yc_share_region_covers()) ingested on or after
 *        @p since (UTC date of ingest_ms), in one read-only snapshot of @p st (the server may
 *        be running), signed with yc_attest_sign_jws(@p svc, YC_SHARE_TYP, ...).
 * @param[in]  st         Open store.
 * @param[in]  svc        The instance's attestation service (its active key signs).
 * @param[in]  from       NUL-terminated region of this instance (attest.issuer_region), a
 *                        code yc_region_is_valid() accepts.
 * @param[in]  to         NUL-terminated region of the recipient, likewise.
 * @param[in]  since      First ingest date included.
 * @param[in]  now        Current time, seconds since the epoch (iat, key choice).
 * @param[out] ret_token  New NUL-terminated token (yc_free()).  Written only on YC_OK.
 * @param[out] ret_len    Its length in bytes without the NUL.  Written only on YC_OK.
 * @param[out] ret_n      Number of records in the batch (0 is a valid, empty batch).  Written
 *                        only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p from or @p to not a region yc_region_is_valid() accepts
 * @retval YC_ERR_TOO_LARGE  more than YC_SHARE_MAX_RECORDS records selected, or the token
 *                           would exceed YC_SHARE_MAX_TOKEN_BYTES
 * @retval YC_ERR_NOT_FOUND  no active attestation key (run `yrdcredit keys new`)
 * @retval YC_ERR_STORE      corrupt stored record, or LMDB failure
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed (random batch id, signature)
 * @par Source: issue 5 scope item 5; RFC 7515 §7.1.
 */
YC_MUST_USE yc_err yc_share_export(yc_store *st, yc_attest_service *svc, const char *from,
                                   const char *to, yc_date since, int64_t now, char **ret_token,
                                   size_t *ret_len, size_t *ret_n);

/** The outcome of yc_share_import(). */
typedef struct yc_share_result {
    yc_share_reason reason;                   /**< YC_SHARE_OK: stored */
    char detail[256];                         /**< English text of a refusal, else "" */
    char field[64];                           /**< e.g. "records[3].subject_type"; "" if none */
    char batch_id[YC_STORE_BATCH_ID_LEN + 1]; /**< when read from the payload, else "" */
    char from[YC_REGION_LEN + 1];             /**< when read from the payload, else "" */
    size_t stored;     /**< records imported or superseded (reason OK only) */
    size_t duplicates; /**< records already stored (reason OK only) */
} yc_share_result;

/**
 * @brief Verify a batch and store it, or refuse it whole with a reason.
 *
 * Order: size (too_large); the header's kid, looked up among the pinned keys of the partners
 * of DATA/trust/partners.json (never a key from the token; none: untrusted_issuer); the JWS
 * (alg EdDSA or Ed25519, typ YC_SHARE_TYP, that kid: bad_signature, or malformed for a bad
 * shape or typ); the payload's members (exactly format, batch_id, from, to, iat, since,
 * records: malformed); `to` equals @p host_region (wrong_recipient); `from` equals the
 * partner's registered region (wrong_origin); at most YC_SHARE_MAX_RECORDS records
 * (too_large); every record a merchant registered in `to` with an origin_record_id and valid as
 * a generic record of the importer, dated no later than today in Asia/Shanghai (malformed,
 * naming "records[i].member"); then one durable transaction through yc_store_ingest_shared()
 * (a batch_id seen before: replayed; a record another origin shared first: a duplicate).
 * @p ret->detail and @p ret->field are cut at a UTF-8 character boundary when too long.
 *
 * @param[in]  st           Open store.
 * @param[in]  svc          The instance's attestation service: its cached trust registry
 *                          (DATA/trust/) gives the partner's key and region in one lookup
 *                          (yc_attest_partner_key()).
 * @param[in]  host_region  NUL-terminated region of this instance (attest.issuer_region).
 * @param[in]  windows      YC_CODE_COUNT publication windows of the score model.
 * @param[in]  token        @p len bytes, not NUL-terminated (trailing whitespace ignored).
 * @param[in]  len          Bytes.
 * @param[in]  now          Current time, seconds since the epoch (today's date for the
 *                          importer's checks).
 * @param[out] ret          The outcome; always written on YC_OK.
 * @retval YC_OK            stored, or refused (see @p ret->reason)
 * @retval YC_ERR_INVALID   the trust registry does not load (yc_attest_partner_key())
 * @retval YC_ERR_TOO_LARGE partners.json is over its cap (yc_attest_partner_key())
 * @retval YC_ERR_IO        a trust registry file cannot be read, or the durable commit
 *                          failed
 * @retval YC_ERR_FULL      the store's map or the disk is full
 * @retval YC_ERR_STORE     corrupt stored value, or LMDB failure
 * @retval YC_ERR_NOMEM     allocation failed
 * @retval YC_ERR_INTERNAL  libsodium failed
 * @par Source: issue 5 scope item 5; RFC 7515 §5.2; operationId importSharedRecords.
 */
YC_MUST_USE yc_err yc_share_import(yc_store *st, yc_attest_service *svc, const char *host_region,
                                   const yc_window *windows, const char *token, size_t len,
                                   int64_t now, yc_share_result *ret);

#endif
