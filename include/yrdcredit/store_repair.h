/**
 * @file store_repair.h
 * @brief Credit repair applications (信用修复) in the store (svc/store/repair_tables.c): issue 6
 *        item 6, store layer.
 *
 * Two named databases of the store's LMDB environment:
 * - `repairs`: key = repair id (YC_REPAIR_ID_LEN bytes, "rp_" + 22 base64url), value = codec
 *   version 1 (layout in svc/store/repair_tables.c);
 * - `repairs_by_subject`: key = subject_id, 0x00, filed_at_ms (u64 big-endian), repair id;
 *   value = one codec version byte.  A subject's repairs are one cursor range, oldest first.
 *
 * What an application may hold is restricted so that the store never keeps a document number
 * in clear: the commitment, the evidence items and the decision's reason are UTF-8 text without
 * control characters and without a run of more than YC_REPAIR_DIGIT_RUN_MAX digits, counted as
 * yc_text_may_hold_document_number() counts them (the rule of store_audit.h: a 身份证 number has 15
 * or 18 characters, 17 or 18 of them digits; a passport number is a letter and 7+ digits).
 * On top of that the `repairs` value seals these texts with the store's seal key (codec
 * version 2: the header in clear, the strings sealed, associated data = repair id + header),
 * so a name or number the rule cannot see is not in clear in data.mdb either (issue 6
 * breaker report 2, defect 3).  yc_store_repair_encode()/yc_store_repair_decode() are the
 * plain (version 1) form inside the box.
 *
 * The tables are created by the first write (yc_store_repair_put()) in a durable transaction
 * of their own; until then every read behaves as on empty tables, and a process that opened
 * the store before another process created them sees them from its next read.
 *
 * Writes are synchronous (one durable LMDB transaction per call: repairs are rare).  Every
 * function may be called from any thread and any process sharing the data directory.
 * @par Source: issue 6 scope item 6; docs/design/domain.md §4 (repair after the minimum
 *      publication period, 信用承诺, repair stops publication and use).
 */
#ifndef YRDCREDIT_STORE_REPAIR_H
#define YRDCREDIT_STORE_REPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/record.h"
#include "yrdcredit/store.h"

/** Prefix of a repair id. */
#define YC_REPAIR_ID_PREFIX "rp_"
/** Length of a repair id in characters without the NUL: "rp_" + 22 base64url characters. */
#define YC_REPAIR_ID_LEN 25
/** Longest commitment (信用承诺) in bytes of UTF-8, without the NUL. */
#define YC_REPAIR_COMMITMENT_MAX 1000
/** Most evidence items of one application. */
#define YC_REPAIR_EVIDENCE_MAX 8
/** Longest evidence item in bytes of UTF-8, without the NUL. */
#define YC_REPAIR_EVIDENCE_ITEM_MAX 200
/** Longest decision reason in bytes of UTF-8, without the NUL. */
#define YC_REPAIR_REASON_MAX 500
/** Longest run of consecutive ASCII digits allowed in any text of an application. */
#define YC_REPAIR_DIGIT_RUN_MAX 14
/** Length of a client id as the store keeps it ("cl_" + 16 base64url; YC_CLIENT_ID_LEN). */
#define YC_REPAIR_CLIENT_ID_LEN 19
/** Largest page of the listing calls. */
#define YC_REPAIR_PAGE_MAX 100
/** Longest listing cursor in characters without the NUL (a repair id). */
#define YC_REPAIR_CURSOR_MAX YC_REPAIR_ID_LEN
/** Longest encoded value in bytes: 32-byte header, then the u16-length-prefixed strings. */
#define YC_REPAIR_VAL_MAX                                                                       \
    (32 + 2 + YC_SUBJECT_ID_MAX + 2 + YC_REPAIR_COMMITMENT_MAX + 1 +                            \
     YC_REPAIR_EVIDENCE_MAX * (2 + YC_REPAIR_EVIDENCE_ITEM_MAX) + 2 + YC_REPAIR_CLIENT_ID_LEN + \
     2 + YC_REPAIR_REASON_MAX)

/** State of an application.  Stored (codec byte): never renumber. */
typedef enum yc_repair_status {
    YC_REPAIR_PENDING = 0,  /**< "pending": filed, not decided */
    YC_REPAIR_APPROVED = 1, /**< "approved": the record is repaired */
    YC_REPAIR_REJECTED = 2, /**< "rejected": with a reason */
    YC_REPAIR_STATUS_COUNT, /**< number of states; yc_store_repairs_list(): any state */
} yc_repair_status;

/**
 * One application.  Shape rules (YC_ERR_INVALID from the write calls, YC_ERR_STORE when a
 * stored value breaks them): @c id "rp_" + 22 base64url; @c record_id >= 1; @c subject_id a
 * USCC (valid check character) or a 'P' pseudonym (the consents' rule); @c commitment
 * 1..YC_REPAIR_COMMITMENT_MAX bytes; @c n_evidence 1..YC_REPAIR_EVIDENCE_MAX items of
 * 1..YC_REPAIR_EVIDENCE_ITEM_MAX bytes; @c filed_at_ms >= 0; pending: @c decided_by and
 * @c reason "" and @c decided_at_ms 0; approved: @c decided_by a client id ("cl_" + 16
 * base64url), @c decided_at_ms >= @c filed_at_ms, @c reason 0..YC_REPAIR_REASON_MAX bytes;
 * rejected: the same with @c reason 1..YC_REPAIR_REASON_MAX bytes.  Texts: valid UTF-8, no
 * character below U+0020 (no newline) nor U+007F, no digit run longer than
 * YC_REPAIR_DIGIT_RUN_MAX; every string NUL-terminated within its array.
 */
typedef struct yc_store_repair {
    char id[YC_REPAIR_ID_LEN + 1];                 /**< "rp_…" */
    uint64_t record_id;                            /**< the repaired record */
    char subject_id[YC_SUBJECT_ID_MAX + 1];        /**< the record's subject */
    char commitment[YC_REPAIR_COMMITMENT_MAX + 1]; /**< 信用承诺 text */
    size_t n_evidence;                             /**< items in @c evidence */
    char evidence[YC_REPAIR_EVIDENCE_MAX][YC_REPAIR_EVIDENCE_ITEM_MAX + 1]; /**< short texts */
    int64_t filed_at_ms;                          /**< Unix ms of filing */
    uint8_t status;                               /**< yc_repair_status */
    char decided_by[YC_REPAIR_CLIENT_ID_LEN + 1]; /**< deciding client id, or "" */
    int64_t decided_at_ms;                        /**< Unix ms of the decision, or 0 */
    char reason[YC_REPAIR_REASON_MAX + 1];        /**< decision reason, or "" */
} yc_store_repair;

/**
 * @brief The API name of a state.
 * @param[in] s  A state.
 * @return "pending", "approved", "rejected"; "unknown" for a value outside the enum.  Static.
 * @par Source: issue 6 item 6 (`GET /v1/repairs?status=pending|approved|rejected`).
 */
const char *yc_repair_status_name(yc_repair_status s);

/**
 * @brief Parse a state name.
 * @param[in]  s    Text, @p len bytes, not necessarily NUL-terminated.
 * @param[in]  len  Bytes of @p s.
 * @param[out] ret  The state; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  NULL, or not one of yc_repair_status_name()'s names
 * @par Source: issue 6 item 6.
 */
YC_MUST_USE yc_err yc_repair_status_parse(const char *s, size_t len, yc_repair_status *ret);

/**
 * @brief Is @p s (NUL-terminated) acceptable as an application text of at most @p max bytes
 *        (the text rules at yc_store_repair; at least 1 byte)?
 * @param[in] s    NUL-terminated text; NULL gives false.
 * @param[in] max  Largest length in bytes.
 * @return true when acceptable.
 * @par Source: issue 6 item 6; issue 6 acceptance (no document number in clear in the data dir).
 */
bool yc_repair_text_ok(const char *s, size_t max);

/**
 * @brief Is @p id (NUL-terminated) of the shape of a repair id ("rp_" + 22 base64url)?
 * @param[in] id  NUL-terminated text; NULL gives false.
 * @return true when it is.
 * @par Source: issue 6 item 6.
 */
bool yc_repair_id_ok(const char *id);

/**
 * @brief Check the shape of an application (the rules at yc_store_repair).
 * @param[in] r  The application.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  NULL or a field out of shape
 * @par Source: issue 6 item 6.
 */
YC_MUST_USE yc_err yc_store_repair_check_shape(const yc_store_repair *r);

/**
 * @brief Encode an application's value (every field but the id, which is the key).
 *
 * Layout (codec version 1): version (1), status (1), n_evidence (1), 5 reserved zero bytes,
 * record_id (u64 LE), filed_at_ms (i64 LE), decided_at_ms (i64 LE); then subject_id,
 * commitment, each evidence item, decided_by, reason, each a u16 LE length and the bytes
 * without the NUL.
 * @param[in]  r        An application that passes yc_store_repair_check_shape().
 * @param[out] out      YC_REPAIR_VAL_MAX bytes.
 * @param[out] ret_len  Bytes written.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p r out of shape, or @p ret_len NULL
 * @par Source: issue 6 item 6; svc/store/codec.h (codec style).
 */
YC_MUST_USE yc_err yc_store_repair_encode(const yc_store_repair *r,
                                          uint8_t out[static YC_REPAIR_VAL_MAX], size_t *ret_len);

/**
 * @brief Decode an application's value (untrusted bytes: never asserts).  Canonical: an
 *        accepted value re-encodes to the same bytes.
 * @param[in]  id   NUL-terminated repair id (the key); copied into @p ret.
 * @param[in]  val  @p len bytes.
 * @param[in]  len  Length of @p val in bytes.
 * @param[out] ret  The application; unspecified on error.
 * @retval YC_OK
 * @retval YC_ERR_STORE  malformed: wrong version, truncated, trailing bytes, non-zero reserved
 *                       bytes, a NUL inside a string, or a field out of shape
 * @par Source: issue 6 item 6.
 */
YC_MUST_USE yc_err yc_store_repair_decode(const char *id, const uint8_t *val, size_t len,
                                          yc_store_repair *ret);

/**
 * @brief Store a new application (status pending) in one durable write transaction, unless
 *        the same record already has a pending application.
 * @param[in] st  Open store.
 * @param[in] r   The application, in shape, with status YC_REPAIR_PENDING.  Copied.
 * @retval YC_OK           durable
 * @retval YC_ERR_INVALID  @p st NULL, @p r out of shape or not pending
 * @retval YC_ERR_CONFLICT a pending application for @p r->record_id exists (checked in the
 *                         writing transaction, so two concurrent filings cannot both succeed),
 *                         or @p r->id is taken; nothing written
 * @retval YC_ERR_FULL     map or disk full
 * @retval YC_ERR_STORE    a corrupt stored value, or an LMDB failure
 * @retval YC_ERR_IO, YC_ERR_INTERNAL
 * @par Source: issue 6 item 6 (`POST /v1/me/repairs`, createRepair).
 */
YC_MUST_USE yc_err yc_store_repair_put(yc_store *st, const yc_store_repair *r);

/**
 * @brief One application by id.
 * @param[in]  st   Open store.
 * @param[in]  id   NUL-terminated repair id.
 * @param[out] ret  The application; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such application (also an id of the wrong shape, or no table yet)
 * @retval YC_ERR_INVALID    a NULL argument
 * @retval YC_ERR_STORE      corrupt value or LMDB failure
 * @par Source: issue 6 item 6.
 */
YC_MUST_USE yc_err yc_store_repair_get(yc_store *st, const char *id, yc_store_repair *ret);

/**
 * @brief Decide a pending application in one durable write transaction.
 *
 * An approval moves the application's record from active to repaired in the same
 * transaction (yc_store_record_set_status() semantics: a new version, the records' generation
 * moves), so a crash never leaves a repaired record under a pending application; a record
 * already repaired (an approval interrupted by an older binary), or no longer stored, is left
 * as it is.
 * @param[in]  st             Open store.
 * @param[in]  id             NUL-terminated repair id.
 * @param[in]  to             YC_REPAIR_APPROVED or YC_REPAIR_REJECTED.
 * @param[in]  decided_by     NUL-terminated client id ("cl_" + 16 base64url).
 * @param[in]  decided_at_ms  Unix ms of the decision, at least the filing time.
 * @param[in]  reason         NUL-terminated reason: required (1..YC_REPAIR_REASON_MAX bytes)
 *                            for a rejection, "" or a text for an approval.
 * @param[out] ret            The decided application; may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    a bad argument (the decided application would be out of shape)
 * @retval YC_ERR_NOT_FOUND  no such application
 * @retval YC_ERR_CONFLICT   it is not pending (already decided), or (approval) its record is
 *                           neither active nor repaired; nothing written
 * @retval YC_ERR_FULL, YC_ERR_STORE, YC_ERR_IO, YC_ERR_INTERNAL
 * @par Source: issue 6 item 6 (approveRepair, rejectRepair; a second decision is a conflict);
 *      issue 7 item 5 (crash safety: record and application in one transaction).
 */
YC_MUST_USE yc_err yc_store_repair_decide(yc_store *st, const char *id, yc_repair_status to,
                                          const char *decided_by, int64_t decided_at_ms,
                                          const char *reason, yc_store_repair *ret);

/**
 * @brief One page of a subject's applications, oldest filing first.
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated subject id.
 * @param[in]  cursor      NULL or "" for the first page, else a @p ret_next of an earlier call
 *                         (the id of the last application returned).
 * @param[in]  limit       1..YC_REPAIR_PAGE_MAX.
 * @param[out] ret         yc_alloc'd array of *@p ret_n applications (yc_free()); NULL when 0.
 * @param[out] ret_n       0..@p limit.
 * @param[out] ret_next    YC_REPAIR_CURSOR_MAX + 1 bytes: the next page's cursor, or "" when
 *                         no further application exists.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a NULL argument, @p limit out of range, or @p cursor not an id of
 *                         this subject's applications
 * @retval YC_ERR_STORE    corrupt key or value, or LMDB failure
 * @retval YC_ERR_NOMEM
 * @par Source: issue 6 item 6 (`GET /v1/me/repairs`, listMyRepairs).
 */
YC_MUST_USE yc_err yc_store_repairs_by_subject(yc_store *st, const char *subject_id,
                                               const char *cursor, size_t limit,
                                               yc_store_repair **ret, size_t *ret_n,
                                               char ret_next[static YC_REPAIR_CURSOR_MAX + 1]);

/**
 * @brief One page of every application (of one state, or all), in id order.
 * @param[in]  st        Open store.
 * @param[in]  status    A state, or YC_REPAIR_STATUS_COUNT for every state.
 * @param[in]  cursor    NULL or "" for the first page, else a @p ret_next of an earlier call
 *                       (the page continues after this id).
 * @param[in]  limit     1..YC_REPAIR_PAGE_MAX.
 * @param[out] ret       yc_alloc'd array of *@p ret_n applications (yc_free()); NULL when 0.
 * @param[out] ret_n     0..@p limit.
 * @param[out] ret_next  YC_REPAIR_CURSOR_MAX + 1 bytes: the next page's cursor, or "".
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a NULL argument, @p status above YC_REPAIR_STATUS_COUNT, @p limit out
 *                         of range, or @p cursor not of the shape of a repair id
 * @retval YC_ERR_STORE    corrupt key or value, or LMDB failure
 * @retval YC_ERR_NOMEM
 * @note The walk reads every application (filtering by state): repairs are few.
 * @par Source: issue 6 item 6 (`GET /v1/repairs?status=`, listRepairs).
 */
YC_MUST_USE yc_err yc_store_repairs_list(yc_store *st, yc_repair_status status, const char *cursor,
                                         size_t limit, yc_store_repair **ret, size_t *ret_n,
                                         char ret_next[static YC_REPAIR_CURSOR_MAX + 1]);

/**
 * @brief Count a subject's pending applications (for `GET /v1/me`).
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated subject id.
 * @param[out] ret_n       The count; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a NULL argument
 * @retval YC_ERR_STORE    corrupt key or value, or LMDB failure
 * @par Source: issue 6 item 4 (open repairs count).
 */
YC_MUST_USE yc_err yc_store_repairs_pending_count(yc_store *st, const char *subject_id,
                                                  size_t *ret_n);

#endif
