/**
 * @file store_access.h
 * @brief Consents and the query log in the store (svc/store/access_tables.c): issue 6 items 2
 *        and 3, store layer only.
 *
 * Three named databases of the store's LMDB environment:
 * - `consents`: key = consent id (YC_CONSENT_ID_LEN bytes, "cs_" + 22 base64url), value =
 *   codec version 1 (layout in svc/store/access_tables.c);
 * - `consents_by_subject`: key = subject_id, 0x00, granted_at (u64 big-endian), consent id;
 *   value = one codec version byte.  Listing is one cursor range, oldest grant first;
 * - `query_log`: key = subject_id, 0x00, sequence (u64 big-endian, per subject, assigned in
 *   the writing transaction: commit order); value = codec version 1.  Append-only: entries are
 *   never changed, only removed by yc_store_query_log_purge() after the retention period.
 *
 * Only subject ids (USCCs or 'P' pseudonyms), client ids, purpose codes, consent ids, route
 * codes, times and statuses are stored: never a document number, a name or a token.
 *
 * The tables are created by yc_store_init_dir(); a data directory made before them receives
 * them from yc_store_committer_start() (the first writer).  Until then every read behaves as
 * on empty tables.
 *
 * Writes go through a group committer (store_attest.h).  Consents use the ordinary committer
 * (window 0: durable before the caller answers, no added delay).  Query-log appends are meant
 * for a committer of their own whose batch window is set to YC_STORE_QUERY_LOG_WINDOW_MS
 * (yc_store_committer_set_window()), so that appends arriving within 10 ms share one fsync.
 *
 * Thread-safety: every function may be called from any thread.
 * @par Source: issue 6 scope items 2 and 3; docs/design/domain.md §8.
 */
#ifndef YRDCREDIT_STORE_ACCESS_H
#define YRDCREDIT_STORE_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/record.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_attest.h"

/** Prefix of a consent id. */
#define YC_CONSENT_ID_PREFIX "cs_"
/** Length of a consent id in characters without the NUL: "cs_" + 22 base64url characters. */
#define YC_CONSENT_ID_LEN 25
/** Length of a client id as the store keeps it: "cl_" + 16 base64url (= YC_CLIENT_ID_LEN). */
#define YC_STORE_CLIENT_ID_LEN 19
/** Longest purpose code in bytes (= YC_PURPOSE_CODE_MAX of purpose.h). */
#define YC_STORE_PURPOSE_MAX 32
/** Longest consent lifetime: expires_at - granted_at, in seconds (365 days). */
#define YC_CONSENT_MAX_SECONDS ((int64_t)365 * 86400)
/** Longest route code of a query-log entry in bytes (e.g. "score", "records", "attest.issue"). */
#define YC_QUERY_ROUTE_MAX 32
/** Largest role value a query-log entry accepts (YC_ROLE_SUBJECT of clients.h). */
#define YC_STORE_ROLE_MAX 4
/** Longest listing cursor in characters (without the NUL). */
#define YC_STORE_ACCESS_CURSOR_MAX 64
/** Largest page of the listing calls. */
#define YC_STORE_ACCESS_PAGE_MAX 100
/** Batch window of the query log's committer in milliseconds (issue 6 item 3). */
#define YC_STORE_QUERY_LOG_WINDOW_MS 10
/** Retention of query-log entries: 10 years, in milliseconds (3653 days). */
#define YC_QUERY_LOG_RETENTION_MS ((int64_t)3653 * 86400 * 1000)
/** Longest encoded consent value in bytes. */
#define YC_CONSENT_VAL_MAX \
    (32 + 3 + YC_SUBJECT_ID_MAX + YC_STORE_CLIENT_ID_LEN + YC_STORE_PURPOSE_MAX)
/** Longest encoded query-log value in bytes. */
#define YC_QUERY_VAL_MAX                                                          \
    (16 + 4 + YC_STORE_CLIENT_ID_LEN + YC_STORE_PURPOSE_MAX + YC_CONSENT_ID_LEN + \
     YC_QUERY_ROUTE_MAX)

/** Largest batch window of yc_store_committer_set_window(), in milliseconds. */
#define YC_STORE_COMMITTER_WINDOW_MAX_MS 1000

/**
 * @brief Set a committer's batch window.
 *
 * With a window of 0 (the default of every committer) the committer takes whatever is queued
 * as soon as it is free: no artificial delay.  With @p window_ms > 0 it waits, before taking
 * a batch, until the oldest queued write has waited @p window_ms milliseconds, max_batch writes
 * are queued, or the committer is stopping, whichever comes first; so no write waits more than
 * the window (plus the commit before it) and writes arriving within one window share one
 * transaction and one fsync.  Takes effect from the next batch.
 * @param[in] c          Running committer.
 * @param[in] window_ms  0..YC_STORE_COMMITTER_WINDOW_MAX_MS milliseconds.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p c NULL or @p window_ms above the maximum
 * @retval YC_ERR_INTERNAL  the committer's mutex failed
 * @par Source: issue 6 item 3 (query-log writes group-committed in batches of at most 10 ms).
 */
YC_MUST_USE yc_err yc_store_committer_set_window(yc_store_committer *c, unsigned window_ms);

/** What a consent covers: bits of yc_store_consent::scope. */
typedef enum yc_consent_scope {
    YC_CONSENT_SCOPE_SCORE = 1u,        /**< the score */
    YC_CONSENT_SCOPE_RECORDS = 2u,      /**< the record listing */
    YC_CONSENT_SCOPE_ATTESTATIONS = 4u, /**< attestations about the subject */
} yc_consent_scope;

/** All scope bits. */
#define YC_CONSENT_SCOPE_ALL 7u

/** Result of yc_store_consent_check(): OK or why the consent does not cover the request. */
typedef enum yc_consent_reason {
    YC_CONSENT_OK = 0,            /**< active, and covers the request */
    YC_CONSENT_MISSING = 1,       /**< no such consent for this subject */
    YC_CONSENT_EXPIRED = 2,       /**< now >= expires_at */
    YC_CONSENT_REVOKED = 3,       /**< revoked by the subject */
    YC_CONSENT_WRONG_CLIENT = 4,  /**< granted to another client */
    YC_CONSENT_WRONG_PURPOSE = 5, /**< granted for another purpose */
    YC_CONSENT_WRONG_SCOPE = 6,   /**< the requested scope bit is not granted */
} yc_consent_reason;

/**
 * One consent.  Shape rules (YC_ERR_INVALID from the write calls, YC_ERR_STORE from decoding):
 * @c id "cs_" + 22 base64url characters; @c subject_id a USCC shape (18 characters of the
 * GB 32100 alphabet with a valid check character) or 'P' + 32 base32 characters (A-Z 2-7);
 * @c client_id "cl_" + 16 base64url; @c purpose 1..YC_STORE_PURPOSE_MAX characters of
 * a-z 0-9 '_' (the vocabulary itself is checked by the API, purpose.h); @c scope 1..7;
 * 0 <= @c granted_at < @c expires_at <= granted_at + YC_CONSENT_MAX_SECONDS; @c revoked_at
 * -1 (not revoked) or >= @c granted_at.  Every string NUL-terminated within its array.
 */
typedef struct yc_store_consent {
    char id[YC_CONSENT_ID_LEN + 1];             /**< "cs_…" */
    char subject_id[YC_SUBJECT_ID_MAX + 1];     /**< who granted it */
    char client_id[YC_STORE_CLIENT_ID_LEN + 1]; /**< to whom */
    char purpose[YC_STORE_PURPOSE_MAX + 1];     /**< for what (purpose code) */
    uint8_t scope;                              /**< yc_consent_scope bits */
    int64_t granted_at;                         /**< unix seconds */
    int64_t expires_at;                         /**< unix seconds; expired from this second */
    int64_t revoked_at;                         /**< unix seconds; -1 = not revoked */
} yc_store_consent;

/**
 * One query-log entry.  Shape rules: @c subject_id as for yc_store_consent; @c at_ms >= 0;
 * @c client_id "cl_" + 16 base64url; @c role 0..YC_STORE_ROLE_MAX (yc_client_role);
 * @c purpose "" or as for yc_store_consent; @c consent_id "" or a consent id; @c route
 * 1..YC_QUERY_ROUTE_MAX characters of a-z 0-9 '_' '.' '-'; @c status 100..599 (the HTTP
 * status answered).  @c seq is set by the store (ignored on append).
 */
typedef struct yc_store_query {
    uint64_t seq;                               /**< per-subject sequence (commit order) */
    char subject_id[YC_SUBJECT_ID_MAX + 1];     /**< whose data was read */
    int64_t at_ms;                              /**< unix milliseconds of the read */
    char client_id[YC_STORE_CLIENT_ID_LEN + 1]; /**< who read it */
    uint8_t role;                               /**< the client's role (yc_client_role) */
    char purpose[YC_STORE_PURPOSE_MAX + 1];     /**< stated purpose, or "" */
    char consent_id[YC_CONSENT_ID_LEN + 1];     /**< consent named, or "" */
    char route[YC_QUERY_ROUTE_MAX + 1];         /**< short route code */
    uint16_t status;                            /**< HTTP status of the answer */
} yc_store_query;

/**
 * @brief The snake_case code of a reason, as a 403 answer names it.
 * @param[in] r  A reason.
 * @return "ok", "missing", "expired", "revoked", "wrong_client", "wrong_purpose",
 *         "wrong_scope"; "unknown" for a value outside the enum.  Static, do not free.
 * @par Source: issue 6 item 2 (403 with the reason).
 */
const char *yc_consent_reason_code(yc_consent_reason r);

/**
 * @brief Check the shape of a consent (the rules at yc_store_consent).
 * @param[in] cs  The consent.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a field out of shape
 * @par Source: issue 6 item 2.
 */
YC_MUST_USE yc_err yc_store_consent_check_shape(const yc_store_consent *cs);

/**
 * @brief Check the shape of a query-log entry (the rules at yc_store_query).
 * @param[in] q  The entry.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a field out of shape
 * @par Source: issue 6 item 3.
 */
YC_MUST_USE yc_err yc_store_query_check_shape(const yc_store_query *q);

/**
 * @brief Encode a consent's value (all fields but the id, which is the key).
 *
 * Layout (codec version 1): version (1), scope (1), 6 reserved zero bytes, granted_at,
 * expires_at, revoked_at (i64 little-endian each), then subject_id, client_id, purpose, each
 * a u8 length and the bytes without NUL.
 * @param[in]  cs       A consent that passes yc_store_consent_check_shape().
 * @param[out] out      YC_CONSENT_VAL_MAX bytes.
 * @param[out] ret_len  Bytes written.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p cs out of shape
 * @par Source: issue 6 item 2; svc/store/codec.h (codec style).
 */
YC_MUST_USE yc_err yc_store_consent_encode(const yc_store_consent *cs,
                                           uint8_t out[static YC_CONSENT_VAL_MAX], size_t *ret_len);

/**
 * @brief Decode a consent's value (untrusted bytes: never asserts).  Canonical: an accepted
 *        value re-encodes to the same bytes.
 * @param[in]  id   NUL-terminated consent id (the key); copied into @p ret.
 * @param[in]  val  @p len bytes.
 * @param[in]  len  Length of @p val in bytes.
 * @param[out] ret  The consent; unspecified on error.
 * @retval YC_OK
 * @retval YC_ERR_STORE  malformed: wrong version, truncated, trailing bytes, non-zero reserved
 *                       bytes, or a field out of shape
 * @par Source: issue 6 item 2.
 */
YC_MUST_USE yc_err yc_store_consent_decode(const char *id, const uint8_t *val, size_t len,
                                           yc_store_consent *ret);

/**
 * @brief Encode a query-log entry's value (all fields but subject_id and seq: the key).
 *
 * Layout (codec version 1): version (1), role (1), status (u16 LE), 4 reserved zero bytes,
 * at_ms (i64 LE), then client_id, purpose, consent_id, route, each a u8 length and the bytes.
 * @param[in]  q        An entry that passes yc_store_query_check_shape().
 * @param[out] out      YC_QUERY_VAL_MAX bytes.
 * @param[out] ret_len  Bytes written.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p q out of shape
 * @par Source: issue 6 item 3.
 */
YC_MUST_USE yc_err yc_store_query_encode(const yc_store_query *q,
                                         uint8_t out[static YC_QUERY_VAL_MAX], size_t *ret_len);

/**
 * @brief Decode a query-log value (untrusted bytes: never asserts); canonical.
 * @param[in]  subject_id  NUL-terminated subject id (from the key); copied into @p ret.
 * @param[in]  seq         Sequence number (from the key).
 * @param[in]  val         @p len bytes.
 * @param[in]  len         Length of @p val in bytes.
 * @param[out] ret         The entry; unspecified on error.
 * @retval YC_OK
 * @retval YC_ERR_STORE  malformed (as for yc_store_consent_decode())
 * @par Source: issue 6 item 3.
 */
YC_MUST_USE yc_err yc_store_query_decode(const char *subject_id, uint64_t seq, const uint8_t *val,
                                         size_t len, yc_store_query *ret);

/**
 * @brief Queue the durable insertion of a new consent (copied).  @c revoked_at must be -1.
 *
 * Result passed to @p done: YC_OK durable (the caller may answer); YC_ERR_CONFLICT the id
 * exists; batch errors as for yc_store_commit_attestation_put().
 * @param[in] c     Running committer (window 0 recommended).
 * @param[in] cs    The consent, in shape.
 * @param[in] done  Called exactly once when this returns YC_OK, never otherwise.
 * @param[in] ctx   Passed to @p done; may be NULL.
 * @retval YC_OK           queued
 * @retval YC_ERR_AGAIN    queue full or committer stopping
 * @retval YC_ERR_INVALID  a field out of shape, or revoked_at != -1
 * @par Source: issue 6 item 2 (`POST /v1/me/consents`).
 */
YC_MUST_USE yc_err yc_store_commit_consent_put(yc_store_committer *c, const yc_store_consent *cs,
                                               yc_store_commit_done_fn done, void *ctx);

/**
 * @brief Queue the revocation of a consent by its subject: sets revoked_at = @p at.
 *
 * Checked inside the writing transaction.  Result passed to @p done: YC_OK durable;
 * YC_ERR_NOT_FOUND no such consent, or it belongs to another subject; YC_ERR_CONFLICT already
 * revoked; YC_ERR_STORE corrupt stored value; batch errors.
 * @param[in] c           Running committer.
 * @param[in] id          NUL-terminated consent id.
 * @param[in] subject_id  NUL-terminated subject id of the caller (the owner).
 * @param[in] at          Unix seconds of the revocation, >= 0 (a value before granted_at is
 *                        stored as granted_at).
 * @param[in] done        Called exactly once when this returns YC_OK.
 * @param[in] ctx         Passed to @p done; may be NULL.
 * @retval YC_OK, YC_ERR_AGAIN
 * @retval YC_ERR_INVALID  @p id or @p subject_id out of shape, @p at < 0, @p done NULL
 * @par Source: issue 6 item 2 (`DELETE /v1/me/consents/{id}` revokes at once).
 */
YC_MUST_USE yc_err yc_store_commit_consent_revoke(yc_store_committer *c, const char *id,
                                                  const char *subject_id, int64_t at,
                                                  yc_store_commit_done_fn done, void *ctx);

/**
 * @brief Read one consent.
 * @param[in]  st   Open store.
 * @param[in]  id   NUL-terminated consent id.
 * @param[out] ret  The consent; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such consent (also before the tables exist)
 * @retval YC_ERR_INVALID    @p id is not a consent id
 * @retval YC_ERR_STORE      corrupt value or LMDB failure
 * @retval YC_ERR_INTERNAL
 * @par Source: issue 6 item 2.
 */
YC_MUST_USE yc_err yc_store_consent_get(yc_store *st, const char *id, yc_store_consent *ret);

/**
 * @brief One page of a subject's consents (revoked and expired included), oldest grant first
 *        (granted_at, then id).
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated; an id out of shape gives 0 consents.
 * @param[in]  cursor      NULL or "" for the first page, else a @p ret_next of an earlier call.
 * @param[in]  limit       1..YC_STORE_ACCESS_PAGE_MAX.
 * @param[out] ret         yc_alloc'd array of *@p ret_n consents (yc_free()); NULL when 0.
 * @param[out] ret_n       0..@p limit.
 * @param[out] ret_next    YC_STORE_ACCESS_CURSOR_MAX + 1 bytes: next page's cursor, or "".
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p limit out of range or @p cursor malformed
 * @retval YC_ERR_STORE    corrupt key or value, or LMDB failure
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 6 item 2 (`GET /v1/me/consents`).
 */
YC_MUST_USE yc_err yc_store_consents_by_subject(
    yc_store *st, const char *subject_id, const char *cursor, size_t limit, yc_store_consent **ret,
    size_t *ret_n, char ret_next[static YC_STORE_ACCESS_CURSOR_MAX + 1]);

/**
 * @brief Does consent @p consent_id cover a request?
 *
 * Checked in this order, the first failing giving the reason: the consent exists and belongs
 * to @p subject_id (else MISSING; another subject's consent is not revealed), it was granted
 * to @p client_id (WRONG_CLIENT, before any state is revealed), it is not revoked (REVOKED),
 * @p now < expires_at (EXPIRED), @p purpose equals its purpose (WRONG_PURPOSE), and
 * @p scope_bit is granted (WRONG_SCOPE).
 * @param[in]  st          Open store.
 * @param[in]  consent_id  NUL-terminated; a malformed id is MISSING.
 * @param[in]  subject_id  NUL-terminated subject id of the request.
 * @param[in]  client_id   NUL-terminated client id of the caller.
 * @param[in]  purpose     NUL-terminated purpose code of the request.
 * @param[in]  scope_bit   Exactly one yc_consent_scope bit.
 * @param[in]  now         Unix seconds.
 * @param[out] ret_reason  The reason; written only on YC_OK.
 * @retval YC_OK           *@p ret_reason says whether the consent covers the request
 * @retval YC_ERR_INVALID  @p scope_bit not exactly one scope bit, or a NULL argument
 * @retval YC_ERR_STORE    corrupt value or LMDB failure
 * @retval YC_ERR_INTERNAL
 * @par Source: issue 6 item 2 and its acceptance (missing, expired, revoked, wrong purpose,
 *      wrong client, wrong scope → 403 with the reason).
 */
YC_MUST_USE yc_err yc_store_consent_check(yc_store *st, const char *consent_id,
                                          const char *subject_id, const char *client_id,
                                          const char *purpose, unsigned scope_bit, int64_t now,
                                          yc_consent_reason *ret_reason);

/**
 * @brief Queue the append of a query-log entry (copied; its seq is assigned in the writing
 *        transaction: the subject's last seq + 1, or 1).
 *
 * Result passed to @p done: YC_OK durable; batch errors as for
 * yc_store_commit_attestation_put().  Use a committer whose window is
 * YC_STORE_QUERY_LOG_WINDOW_MS (yc_store_committer_set_window()), so that a burst of reads
 * shares one fsync.
 * @param[in] c     Running committer.
 * @param[in] q     The entry, in shape.
 * @param[in] done  Called exactly once when this returns YC_OK.
 * @param[in] ctx   Passed to @p done; may be NULL.
 * @retval YC_OK, YC_ERR_AGAIN
 * @retval YC_ERR_INVALID  out of shape, or @p done NULL
 * @par Source: issue 6 item 3 (append-only, group-committed in batches of at most 10 ms).
 */
YC_MUST_USE yc_err yc_store_commit_query_append(yc_store_committer *c, const yc_store_query *q,
                                                yc_store_commit_done_fn done, void *ctx);

/**
 * @brief One page of a subject's query log, newest first (descending seq).
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated; an id out of shape gives 0 entries.
 * @param[in]  cursor      NULL or "" for the first page, else a @p ret_next (the decimal seq
 *                         of the last entry returned; the page continues below it).
 * @param[in]  limit       1..YC_STORE_ACCESS_PAGE_MAX.
 * @param[out] ret         yc_alloc'd array of *@p ret_n entries (yc_free()); NULL when 0.
 * @param[out] ret_n       0..@p limit.
 * @param[out] ret_next    YC_STORE_ACCESS_CURSOR_MAX + 1 bytes: next page's cursor, or "".
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p limit out of range or @p cursor malformed
 * @retval YC_ERR_STORE    corrupt key or value, or LMDB failure
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 6 item 3 (`GET /v1/me/queries`).
 */
YC_MUST_USE yc_err yc_store_queries_by_subject(
    yc_store *st, const char *subject_id, const char *cursor, size_t limit, yc_store_query **ret,
    size_t *ret_n, char ret_next[static YC_STORE_ACCESS_CURSOR_MAX + 1]);

/**
 * @brief Remove every query-log entry with at_ms < @p cutoff_ms (the retention job passes
 *        now_ms - YC_QUERY_LOG_RETENTION_MS).
 *
 * A direct writer, not through a committer: it walks the whole table in durable write
 * transactions of at most 4096 examined entries each, so the committers (LMDB serialises
 * writers) never wait long.  Entries appended meanwhile are newer than the cut-off.
 * @param[in]  st           Open store.
 * @param[in]  cutoff_ms    Unix milliseconds; an entry at exactly this time is kept.
 * @param[out] ret_removed  Number of entries removed; may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p st NULL
 * @retval YC_ERR_STORE    a corrupt key or value (the walk stops there; entries removed in the
 *                         transactions committed before stay removed), or LMDB failure
 * @retval YC_ERR_FULL, YC_ERR_IO, YC_ERR_INTERNAL
 * @par Source: issue 6 items 3 and 8 (query-log entries kept 10 years, then removed).
 */
YC_MUST_USE yc_err yc_store_query_log_purge(yc_store *st, int64_t cutoff_ms, uint64_t *ret_removed);

#endif
