/**
 * @file store_objection.h
 * @brief Record status changes by id (the primitive of objections, credit repair and provider
 *        revocation) and the objections table (异议), issue 6 items 5, 6 and 8 (svc/store/).
 *
 * Tables (created by yc_store_init_dir(), or by the first writer of an older data directory):
 * - `record_ids`: key record_id (u64 big-endian); value: codec version (1), status_ms (i64 LE:
 *   when the record got its current status, Unix ms), subject_id.  The index from a record id
 *   to its `records` key.  When the table is created in an existing directory it is filled
 *   from `records` in the same transaction; every later ingest keeps it complete.
 * - `objections`: key the 25-character objection id; value see svc/store/objection_tables.c.
 * - `objections_by_subject`: key subject_id, 0x00, filed_at (u64 BE), objection id.
 * - `objections_by_status`: key state (1 byte: 0 open, 1 resolved), deadline (u32 BE of the
 *   yc_date + 2^31), objection id: each state's objections in deadline order.
 */
#ifndef YRDCREDIT_STORE_OBJECTION_H
#define YRDCREDIT_STORE_OBJECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/record.h"
#include "yrdcredit/store.h"

/** The from_mask bit of status @p s (yc_store_record_set_status()). */
#define YC_STATUS_BIT(s) (1u << (unsigned)(s))

/**
 * @brief The current version of one record, by id, with its subject_id (natural persons:
 *        name and document empty, as yc_store_subject_records() gives them).
 * @param[in]  st             Open store.
 * @param[in]  record_id      Record id (1..).
 * @param[out] ret            The record; written only on YC_OK.
 * @param[out] ret_status_ms  When the record got its current status (Unix ms: the ingest or
 *                            yc_store_record_set_status() that set it; for records ingested
 *                            before the `record_ids` table existed, the time the table was
 *                            filled); may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no record with this id (also 0, or a record purged since)
 * @retval YC_ERR_STORE      a corrupt index entry or record value, or an LMDB failure
 * @retval YC_ERR_FULL       creating the index table of an older directory: map or disk full
 * @retval YC_ERR_NOMEM, YC_ERR_IO
 * @par Source: issue 6 items 5, 6 and 8 (objections, repairs and revocation name a record
 *      by its id).
 */
YC_MUST_USE yc_err yc_store_record_get(yc_store *st, uint64_t record_id, yc_record *ret,
                                       int64_t *ret_status_ms);

/**
 * @brief Change one record's status in ONE durable write transaction, as a correction does:
 *        the current version must have a status in @p from_mask; it moves to `history` and a
 *        new version (version + 1, every other field unchanged, natural persons' identity
 *        still only sealed in `subjects`) with status @p to becomes current; the records'
 *        generation (yc_store_records_generation()) moves so score caches refresh.
 *
 * The record's `source` entry is unchanged, so a later yc_store_ingest() of the same
 * (authority, 文书号, subject) supersedes this version (last write wins).
 *
 * @param[in]  st         Open store.
 * @param[in]  record_id  Record id (1..).
 * @param[in]  from_mask  Allowed current statuses: bitwise OR of YC_STATUS_BIT(s), not 0.  A
 *                        current status equal to @p to is always YC_ERR_CONFLICT (no no-op
 *                        versions).
 * @param[in]  to         New status, YC_STATUS_ACTIVE..YC_STATUS_REVOKED.
 * @param[out] ret_new    The new current version with its subject_id (as yc_store_record_get()
 *                        gives it); may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p to out of range, or @p from_mask 0 or with bits >= YC_STATUS_COUNT
 * @retval YC_ERR_NOT_FOUND  no record with this id
 * @retval YC_ERR_CONFLICT   the current status is not in @p from_mask, or already equals @p to;
 *                           nothing written
 * @retval YC_ERR_FULL       map or disk full; nothing written
 * @retval YC_ERR_STORE      a corrupt stored value, or another LMDB failure
 * @retval YC_ERR_IO         the durable commit failed
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @note Thread-safety: any thread; writers (also of other processes) are serialized by LMDB.
 * @par Source: issue 6 item 5 (a record under objection is disputed at once), item 6 (an
 *      approved repair stops counting at once), item 8 (a revoked record stops counting at
 *      once); domain.md §8.
 */
YC_MUST_USE yc_err yc_store_record_set_status(yc_store *st, uint64_t record_id, unsigned from_mask,
                                              yc_status to, yc_record *ret_new);

/* ---- objections (异议) ---- */

/** Prefix of an objection id. */
#define YC_OBJECTION_ID_PREFIX "ob_"
/** Length of an objection id in characters without the NUL: "ob_" + 22 base64url. */
#define YC_OBJECTION_ID_LEN 25
/** Longest reason (the subject's, or a rejection's) in bytes of UTF-8, without the NUL. */
#define YC_OBJECTION_REASON_MAX 1000
/** Longest run of consecutive ASCII digits allowed in a reason (the rule of store_audit.h). */
#define YC_OBJECTION_DIGIT_RUN_MAX 14
/** Longest "resolved by" actor in bytes (YC_AUDIT_ACTOR_MAX of store_audit.h). */
#define YC_OBJECTION_ACTOR_MAX 64
/** Largest page of yc_store_objections_list() and yc_store_objections_of_subject(). */
#define YC_OBJECTION_PAGE_MAX 100
/** State of an objection.  Stored (codec byte): never renumber. */
typedef enum yc_objection_state {
    YC_OBJECTION_OPEN = 0,     /**< "open": filed, not resolved */
    YC_OBJECTION_RESOLVED = 1, /**< "resolved": upheld or rejected */
} yc_objection_state;

/** Outcome of a resolved objection.  Stored: never renumber. */
typedef enum yc_objection_outcome {
    YC_OBJECTION_OUTCOME_NONE = 0,     /**< open */
    YC_OBJECTION_OUTCOME_UPHELD = 1,   /**< "upheld": the record was corrected or revoked */
    YC_OBJECTION_OUTCOME_REJECTED = 2, /**< "rejected": with a reason; the record is active */
} yc_objection_outcome;

/** What an upheld objection did to the record.  Stored: never renumber. */
typedef enum yc_objection_action {
    YC_OBJECTION_ACTION_NONE = 0,    /**< open, or rejected */
    YC_OBJECTION_ACTION_CORRECT = 1, /**< "correct": a corrected version was stored */
    YC_OBJECTION_ACTION_REVOKE = 2,  /**< "revoke": the record is revoked */
} yc_objection_action;

/**
 * One objection.  Shape rules (YC_ERR_INVALID from the write calls, YC_ERR_STORE when a stored
 * value breaks them): @c id "ob_" + 22 base64url; @c record_id >= 1; @c subject_id 1..33
 * printable ASCII; @c authority_uscc "" or 18 printable ASCII (the record's authority when
 * filed); @c reason 1..YC_OBJECTION_REASON_MAX bytes of valid UTF-8 without a character below
 * U+0020 nor U+007F and without a run of more than YC_OBJECTION_DIGIT_RUN_MAX digits (counted as
 * yc_text_may_hold_document_number() counts them; stored sealed with the store's seal key,
 * as are @c resolution and the other strings of the value: issue 6 breaker report 2, defect 3);
 * @c filed_ms >= 0; @c deadline a valid date; open: outcome and action NONE, @c resolution,
 * @c resolved_by "" and @c resolved_ms 0; resolved: upheld with action CORRECT or REVOKE and
 * @c resolution "", or rejected with action NONE and @c resolution a text like @c reason;
 * @c resolved_by 1..YC_OBJECTION_ACTOR_MAX printable ASCII (a client id, or "system:…" when
 * the API runs without authentication), @c resolved_ms >= @c filed_ms.  Every string
 * NUL-terminated within its array.
 */
typedef struct yc_store_objection {
    char id[YC_OBJECTION_ID_LEN + 1];             /**< "ob_…" */
    uint64_t record_id;                           /**< the disputed record */
    char subject_id[YC_SUBJECT_ID_MAX + 1];       /**< the record's subject (who filed) */
    char authority_uscc[YC_USCC_LEN + 1];         /**< the record's authority USCC, or "" */
    char reason[YC_OBJECTION_REASON_MAX + 1];     /**< the subject's reason */
    int64_t filed_ms;                             /**< Unix ms of filing */
    yc_date deadline;                             /**< last day to resolve (Asia/Shanghai) */
    uint8_t state;                                /**< yc_objection_state */
    uint8_t outcome;                              /**< yc_objection_outcome */
    uint8_t action;                               /**< yc_objection_action */
    char resolution[YC_OBJECTION_REASON_MAX + 1]; /**< rejection reason, or "" */
    char resolved_by[YC_OBJECTION_ACTOR_MAX + 1]; /**< who resolved it, or "" */
    int64_t resolved_ms;                          /**< Unix ms of the resolution, or 0 */
} yc_store_objection;

/**
 * @brief Is @p s (NUL-terminated) acceptable as a reason (the text rules at yc_store_objection)?
 * @param[in] s  NUL-terminated text; NULL gives false.
 * @return true for 1..YC_OBJECTION_REASON_MAX bytes of valid UTF-8 without control characters
 *         and without a digit run longer than YC_OBJECTION_DIGIT_RUN_MAX.
 * @par Source: issue 6 item 5; common rules (no document numbers in the store in clear).
 */
bool yc_store_objection_reason_ok(const char *s);

/**
 * @brief Is @p id (NUL-terminated) shaped as an objection id ("ob_" + 22 base64url)?
 * @param[in] id  NUL-terminated text; NULL gives false.
 * @return true when it is (the trailing bits of the 22 characters are not checked).
 * @par Source: issue 6 item 5 (objection ids, as the random ids of issue 5: RFC 4648 §5).
 */
bool yc_store_objection_id_ok(const char *id);

/**
 * @brief File an objection and mark its record disputed, in ONE durable write transaction.
 *
 * The record must exist, belong to @p subject_id and be active; it becomes disputed as by
 * yc_store_record_set_status() (a new version, generation moved).  A new random id is given.
 *
 * @param[in]  st          Open store.
 * @param[in]  record_id   The record (1..).
 * @param[in]  subject_id  NUL-terminated subject filing it (the caller's own subject).
 * @param[in]  reason      NUL-terminated reason (yc_store_objection_reason_ok()).
 * @param[in]  now_ms      Unix ms of filing, >= 0.
 * @param[in]  deadline    Last day to resolve (the caller computes it from the working-day
 *                         calendar), a valid date.
 * @param[out] ret         The stored objection; may be NULL.  Written only on YC_OK.
 * @param[out] ret_record  The record's new (disputed) version; may be NULL.  Written only on
 *                         YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    a malformed argument (reason, subject_id, now_ms, deadline)
 * @retval YC_ERR_NOT_FOUND  no record @p record_id, or it belongs to another subject
 * @retval YC_ERR_CONFLICT   the record is not active (disputed: already under an open
 *                           objection; repaired, expired, revoked); nothing written
 * @retval YC_ERR_FULL, YC_ERR_STORE, YC_ERR_IO, YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 6 item 5 (POST /v1/me/objections, operationId createObjection); domain.md
 *      §8 (征信业管理条例 Art.25 异议).
 */
YC_MUST_USE yc_err yc_store_objection_file(yc_store *st, uint64_t record_id, const char *subject_id,
                                           const char *reason, int64_t now_ms, yc_date deadline,
                                           yc_store_objection *ret, yc_record *ret_record);

/**
 * @brief One objection by id.
 * @param[in]  st   Open store.
 * @param[in]  id   NUL-terminated objection id.
 * @param[out] ret  The objection; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such objection (also a malformed id, or no table yet)
 * @retval YC_ERR_STORE      corrupt value or LMDB failure
 * @retval YC_ERR_NOMEM
 */
YC_MUST_USE yc_err yc_store_objection_get(yc_store *st, const char *id, yc_store_objection *ret);

/** A resolution (yc_store_objection_resolve()). */
typedef struct yc_store_objection_resolution {
    uint8_t outcome;        /**< UPHELD or REJECTED */
    uint8_t action;         /**< upheld: CORRECT or REVOKE; rejected: NONE */
    const char *resolution; /**< rejected: the reason (yc_store_objection_reason_ok()); upheld:
                                 NULL or "" */
    const char *actor;      /**< who: a client id or "system:…", 1..YC_OBJECTION_ACTOR_MAX
                                 printable ASCII, an actor store_audit.h accepts */
    int64_t now_ms;         /**< Unix ms of the resolution, >= the filing time */
} yc_store_objection_resolution;

/**
 * @brief Resolve an open objection, change its record and append the audit entry
 *        (objection_resolve, actor, target the objection id, detail "record N outcome
 *        action"), all in ONE durable write transaction.
 *
 * The record: upheld + REVOKE: revoked (from active or disputed; left as it is when no longer
 * one of them, e.g. revoked by its provider meanwhile); upheld + CORRECT: left as it is (the
 * caller stored the corrected version with yc_store_ingest() first); rejected: disputed ->
 * active (left as it is when no longer disputed).
 *
 * @param[in]  st          Open store.
 * @param[in]  id          NUL-terminated objection id.
 * @param[in]  res         The resolution.
 * @param[out] ret         The resolved objection; may be NULL.  Written only on YC_OK.
 * @param[out] ret_record  The record's current version after the call, or all zero (record_id
 *                         0) when the record no longer exists (purged after a revocation: the
 *                         objection is still resolved); may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    a malformed resolution (outcome/action pair, text, actor, time), or
 *                           an actor the audit log refuses (not a client id, "cli:…" or
 *                           "system:…"); nothing written
 * @retval YC_ERR_NOT_FOUND  no such objection
 * @retval YC_ERR_CONFLICT   the objection is already resolved; nothing written
 * @retval YC_ERR_FULL, YC_ERR_STORE, YC_ERR_IO, YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 6 items 5 and 7 (POST /v1/objections/{id}/resolve, operationId
 *      resolveObjection; objection decisions in the audit log).
 */
YC_MUST_USE yc_err yc_store_objection_resolve(yc_store *st, const char *id,
                                              const yc_store_objection_resolution *res,
                                              yc_store_objection *ret, yc_record *ret_record);

/** Filter of yc_store_objections_list(). */
typedef struct yc_store_objection_filter {
    int state;             /**< -1 any, else a yc_objection_state */
    yc_date overdue_today; /**< YC_DATE_NONE, or only open objections whose deadline is before
                                this date (today in Asia/Shanghai: "overdue") */
    const char *const *authorities; /**< NULL: every objection; else only those whose
                                         authority_uscc is one of these @c n_authorities
                                         NUL-terminated USCCs (a provider's own) */
    size_t n_authorities;           /**< entries of @c authorities */
} yc_store_objection_filter;

/**
 * @brief A page of objections in (state, deadline, id) order: open ones first, earliest
 *        deadline first.
 * @param[in]  st         Open store.
 * @param[in]  f          Filter.
 * @param[in]  cursor     NULL or "" for the first page, else the @p ret_next of the previous
 *                        page (an objection id; a page resumes after it).
 * @param[in]  limit      1..YC_OBJECTION_PAGE_MAX.
 * @param[out] ret_arr    Heap array of *@p ret_n (free with yc_free()); NULL when 0.  Written
 *                        only on YC_OK.
 * @param[out] ret_n      Number of objections.  Written only on YC_OK.
 * @param[out] ret_next   YC_OBJECTION_ID_LEN + 1 bytes: the next page's cursor, "" on the last
 *                        page.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p limit out of range, a malformed or unknown cursor, a bad state
 * @retval YC_ERR_STORE, YC_ERR_NOMEM
 * @par Source: issue 6 item 5 (GET /v1/objections, operationId listObjections).
 */
YC_MUST_USE yc_err yc_store_objections_list(yc_store *st, const yc_store_objection_filter *f,
                                            const char *cursor, size_t limit,
                                            yc_store_objection **ret_arr, size_t *ret_n,
                                            char ret_next[static YC_OBJECTION_ID_LEN + 1]);

/**
 * @brief Every objection of one subject, oldest first (a subject files few: at most one open
 *        per record), at most YC_OBJECTION_PAGE_MAX from @p cursor on.
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated subject.
 * @param[in]  cursor      NULL or "" for the first page, else the previous @p ret_next.
 * @param[in]  limit       1..YC_OBJECTION_PAGE_MAX.
 * @param[out] ret_arr     Heap array of *@p ret_n (free with yc_free()); NULL when 0.
 * @param[out] ret_n       Number of objections.
 * @param[out] ret_next    YC_OBJECTION_ID_LEN + 1 bytes; "" on the last page.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p limit out of range, a malformed cursor or one of another subject
 * @retval YC_ERR_STORE, YC_ERR_NOMEM
 * @par Source: issue 6 item 5 (GET /v1/me/objections, operationId listMyObjections: the
 *      subject sees each step).
 */
YC_MUST_USE yc_err yc_store_objections_of_subject(yc_store *st, const char *subject_id,
                                                  const char *cursor, size_t limit,
                                                  yc_store_objection **ret_arr, size_t *ret_n,
                                                  char ret_next[static YC_OBJECTION_ID_LEN + 1]);

/**
 * @brief The API name of a state.
 * @param[in] v  A state.
 * @return "open" or "resolved"; "unknown" outside the enum.  Static, NUL-terminated, never
 *         NULL; do not free.
 * @par Source: issue 6 item 5 (GET /v1/objections?status=open|resolved).
 */
const char *yc_objection_state_name(yc_objection_state v);

/**
 * @brief The API name of an outcome.
 * @param[in] v  An outcome.
 * @return "upheld" or "rejected"; "" for YC_OBJECTION_OUTCOME_NONE; "unknown" outside the
 *         enum.  Static, NUL-terminated, never NULL; do not free.
 * @par Source: issue 6 item 5 (resolveObjection: upheld or rejected).
 */
const char *yc_objection_outcome_name(yc_objection_outcome v);

/**
 * @brief The API name of an action.
 * @param[in] v  An action.
 * @return "correct" or "revoke"; "" for YC_OBJECTION_ACTION_NONE; "unknown" outside the enum.
 *         Static, NUL-terminated, never NULL; do not free.
 * @par Source: issue 6 item 5 (upheld with a correction or a revocation).
 */
const char *yc_objection_action_name(yc_objection_action v);

#endif
