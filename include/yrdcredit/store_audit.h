/**
 * @file store_audit.h
 * @brief The append-only audit log of admin actions in the store (svc/store/audit_tables.c):
 *        issue 6 scope item 7, store layer.
 *
 * One named database of the store's LMDB environment, `audit`: key = sequence number (u64
 * big-endian, >= 1, assigned in the writing transaction: the last sequence + 1, so keys are in
 * commit order), value = codec version 1 (layout in svc/store/audit_tables.c).  Entries are
 * never changed: there is no update or delete call, only yc_store_audit_purge(), the
 * retention job's removal of entries older than a cut-off.
 *
 * What an entry may hold is restricted so that the log never keeps a token, a document number
 * or a person's name (issue 6 acceptance: none of them in clear in the data dir): @c target
 * and @c detail are printable ASCII only (so no Chinese name fits) and may not contain a run
 * of YC_AUDIT_DIGIT_RUN_MAX + 1 or more digits (yc_text_may_hold_document_number(): separators and
 * full-width digits count; a 身份证 number has 17 or 18, an old one 15, a bank card 16..19), nor a
 * client bearer token (`yc_` followed by 43 base64url characters).  The writers put identifiers
 * there: a client id, a kid, an issuer URL, a batch id.
 *
 * The table is created by yc_store_init_dir(); a data directory made before it receives it
 * from the first yc_store_audit_append() or yc_store_audit_purge().  Until then every read
 * behaves as on an empty table; a process that opened the store before another process
 * created the table sees it from its next yc_store_audit_list() (nothing is created by a
 * read).
 *
 * Thread-safety: every function may be called from any thread and any process sharing the
 * data directory (LMDB serialises the writers).
 * @par Source: issue 6 scope item 7 (audit log of admin actions: clients, keys, policy loads,
 *      objection and repair decisions, append-only) and item 8 (the retention job records
 *      what it removed).
 */
#ifndef YRDCREDIT_STORE_AUDIT_H
#define YRDCREDIT_STORE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/store.h"

/** Longest actor in bytes (without the NUL). */
#define YC_AUDIT_ACTOR_MAX 64
/** Longest target in bytes (without the NUL). */
#define YC_AUDIT_TARGET_MAX 255
/** Longest detail in bytes (without the NUL). */
#define YC_AUDIT_DETAIL_MAX 200
/** Longest run of consecutive ASCII digits allowed in a target or a detail. */
#define YC_AUDIT_DIGIT_RUN_MAX 14
/** Longest action code in bytes (without the NUL): "objection_resolve". */
#define YC_AUDIT_ACTION_CODE_MAX 17
/** Largest page of yc_store_audit_list(). */
#define YC_AUDIT_PAGE_MAX 100
/** Longest listing cursor in characters (without the NUL): a decimal sequence number. */
#define YC_AUDIT_CURSOR_MAX 20
/** Longest encoded value in bytes: 16-byte header, three u8-length-prefixed strings. */
#define YC_AUDIT_VAL_MAX (16 + 3 + YC_AUDIT_ACTOR_MAX + YC_AUDIT_TARGET_MAX + YC_AUDIT_DETAIL_MAX)

/**
 * What was done: the documented vocabulary of audit actions.  The numeric values are stored
 * (codec byte); never renumber.  The snake_case code of each is yc_audit_action_code().
 */
typedef enum yc_audit_action {
    YC_AUDIT_ANY = 0,                /**< no action: the "no filter" value of the listing */
    YC_AUDIT_CLIENT_ADD = 1,         /**< client_add: `clients add` */
    YC_AUDIT_CLIENT_REVOKE = 2,      /**< client_revoke: `clients revoke` */
    YC_AUDIT_KEY_NEW = 3,            /**< key_new: `keys new` */
    YC_AUDIT_KEY_ROTATE = 4,         /**< key_rotate: `keys rotate` */
    YC_AUDIT_KEY_RETIRE = 5,         /**< key_retire: `keys retire` */
    YC_AUDIT_TRUST_ADD = 6,          /**< trust_add: `trust add` */
    YC_AUDIT_TRUST_REMOVE = 7,       /**< trust_remove: `trust remove` */
    YC_AUDIT_TRUST_REFRESH = 8,      /**< trust_refresh: `trust refresh` */
    YC_AUDIT_POLICY_RELOAD = 9,      /**< policy_reload: `policy reload` */
    YC_AUDIT_SHARE_IMPORT = 10,      /**< share_import: `share import` */
    YC_AUDIT_OBJECTION_RESOLVE = 11, /**< objection_resolve: an objection decided (item 5) */
    YC_AUDIT_REPAIR_APPROVE = 12,    /**< repair_approve: a repair approved (item 6) */
    YC_AUDIT_REPAIR_REJECT = 13,     /**< repair_reject: a repair rejected (item 6) */
    YC_AUDIT_PURGE = 14,             /**< purge: the retention job removed data (item 8) */
    YC_AUDIT_RECORD_REVOKE = 15,     /**< record_revoke: POST /v1/records/{id}/revoke */
    YC_AUDIT_ATTEST_REVOKE = 16,     /**< attest_revoke: an attestation revoked */
    YC_AUDIT_ATTEST_SUSPEND = 17,    /**< attest_suspend: an attestation suspended */
    YC_AUDIT_ATTEST_UNSUSPEND = 18,  /**< attest_unsuspend: an attestation unsuspended */
} yc_audit_action;

/** Largest yc_audit_action value. */
#define YC_AUDIT_ACTION_LAST YC_AUDIT_ATTEST_UNSUSPEND

/** How the action ended. */
typedef enum yc_audit_outcome {
    YC_AUDIT_OK = 0,      /**< "ok": done */
    YC_AUDIT_REFUSED = 1, /**< "refused": not done (unknown target, conflict, failure) */
} yc_audit_outcome;

/**
 * One audit entry.  Shape rules (YC_ERR_INVALID from the write calls, YC_ERR_STORE when a
 * stored value breaks them): @c at_ms >= 0; @c actor either "cli:" or "system:" followed by
 * 1 or more of A-Z a-z 0-9 '.' '_' '-' (a unix user name, a job name), or a client id ("cl_" +
 * 16 base64url), at most YC_AUDIT_ACTOR_MAX bytes; @c action 1..YC_AUDIT_ACTION_LAST;
 * @c outcome a yc_audit_outcome; @c target 0..YC_AUDIT_TARGET_MAX bytes of 0x21..0x7e (no
 * space); @c detail 0..YC_AUDIT_DETAIL_MAX bytes of 0x20..0x7e; neither with a digit run
 * longer than YC_AUDIT_DIGIT_RUN_MAX nor a client token.  Every string NUL-terminated within
 * its array.  @c seq is set by the store (ignored on append).
 */
typedef struct yc_store_audit {
    uint64_t seq;                         /**< sequence number (commit order), >= 1 */
    int64_t at_ms;                        /**< unix milliseconds of the action */
    char actor[YC_AUDIT_ACTOR_MAX + 1];   /**< who: "cli:<user>", "system:<job>" or "cl_…" */
    uint8_t action;                       /**< yc_audit_action */
    uint8_t outcome;                      /**< yc_audit_outcome */
    char target[YC_AUDIT_TARGET_MAX + 1]; /**< on what: client id, kid, issuer URL, batch id */
    char detail[YC_AUDIT_DETAIL_MAX + 1]; /**< short text: parameters or the refusal reason */
} yc_store_audit;

/**
 * @brief The snake_case code of an action.
 * @param[in] a  An action.
 * @return "client_add", "client_revoke", "key_new", "key_rotate", "key_retire", "trust_add",
 *         "trust_remove", "trust_refresh", "policy_reload", "share_import",
 *         "objection_resolve", "repair_approve", "repair_reject", "purge", "record_revoke",
 *         "attest_revoke", "attest_suspend", "attest_unsuspend"; "unknown" for
 *         YC_AUDIT_ANY or a value outside the enum.  Static, do not free.
 * @par Source: issue 6 item 7 (the documented vocabulary).
 */
const char *yc_audit_action_code(yc_audit_action a);

/**
 * @brief Parse an action code.
 * @param[in]  code  NUL-terminated snake_case code (one of yc_audit_action_code()'s).
 * @param[out] ret   The action; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  NULL, or not a code of the vocabulary
 * @par Source: issue 6 item 7.
 */
YC_MUST_USE yc_err yc_audit_action_parse(const char *code, yc_audit_action *ret);

/**
 * @brief The code of an outcome.
 * @param[in] o  An outcome.
 * @return "ok" or "refused"; "unknown" for a value outside the enum.  Static, do not free.
 * @par Source: issue 6 item 7.
 */
const char *yc_audit_outcome_code(yc_audit_outcome o);

/**
 * @brief Is @p s (NUL-terminated) acceptable as an entry's target (@p detail false) or detail
 *        (@p detail true)?  The rules at yc_store_audit, length included.
 * @param[in] s       NUL-terminated text; NULL gives false.
 * @param[in] detail  true: the detail rules (spaces allowed, at most YC_AUDIT_DETAIL_MAX
 *                    bytes); false: the target rules.
 * @return true when acceptable.
 * @par Source: issue 6 item 7 and its acceptance (no token, document number or name in clear
 *      in the data dir).
 */
bool yc_audit_text_ok(const char *s, bool detail);

/**
 * @brief Check the shape of an entry (the rules at yc_store_audit; @c seq is not checked).
 * @param[in] e  The entry.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  NULL or a field out of shape
 * @par Source: issue 6 item 7.
 */
YC_MUST_USE yc_err yc_store_audit_check_shape(const yc_store_audit *e);

/**
 * @brief Encode an entry's value (all fields but seq, which is the key).
 *
 * Layout (codec version 1): version (1), action (1), outcome (1), 5 reserved zero bytes,
 * at_ms (i64 little-endian), then actor, target, detail, each a u8 length and the bytes
 * without NUL.
 * @param[in]  e        An entry that passes yc_store_audit_check_shape().
 * @param[out] out      YC_AUDIT_VAL_MAX bytes.
 * @param[out] ret_len  Bytes written (16 + 3 .. YC_AUDIT_VAL_MAX).
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p e out of shape
 * @par Source: issue 6 item 7; svc/store/codec.h (codec style).
 */
YC_MUST_USE yc_err yc_store_audit_encode(const yc_store_audit *e,
                                         uint8_t out[static YC_AUDIT_VAL_MAX], size_t *ret_len);

/**
 * @brief Decode an entry's value (untrusted bytes: never asserts).  Canonical: an accepted
 *        value re-encodes to the same bytes.
 * @param[in]  seq  Sequence number (from the key); copied into @p ret.
 * @param[in]  val  @p len bytes.
 * @param[in]  len  Length of @p val in bytes.
 * @param[out] ret  The entry; unspecified on error.
 * @retval YC_OK
 * @retval YC_ERR_STORE  malformed: wrong version, truncated, trailing bytes, non-zero reserved
 *                       bytes, or a field out of shape
 * @par Source: issue 6 item 7.
 */
YC_MUST_USE yc_err yc_store_audit_decode(uint64_t seq, const uint8_t *val, size_t len,
                                         yc_store_audit *ret);

/**
 * @brief Append an entry in its own durable write transaction (fsync before returning).
 *
 * Meant for the operator CLI and other rare writers: each call is one LMDB commit.  The
 * entry is copied; its seq is the last stored seq + 1 (1 for the first).
 * @param[in]  st       Open store.
 * @param[in]  e        The entry, in shape.
 * @param[out] ret_seq  The sequence number given to it; may be NULL.  Written only on YC_OK.
 * @retval YC_OK           durable
 * @retval YC_ERR_INVALID  @p st NULL or @p e out of shape
 * @retval YC_ERR_STORE    the last key is corrupt, or LMDB failure
 * @retval YC_ERR_FULL     the map is full
 * @retval YC_ERR_IO, YC_ERR_INTERNAL
 * @par Source: issue 6 item 7 (append-only audit log of admin actions).
 */
YC_MUST_USE yc_err yc_store_audit_append(yc_store *st, const yc_store_audit *e, uint64_t *ret_seq);

/**
 * @brief One page of the audit log, newest first (descending seq), optionally only one
 *        action.
 * @param[in]  st        Open store.
 * @param[in]  action    YC_AUDIT_ANY for every entry, else only entries of this action.
 * @param[in]  cursor    NULL or "" for the first page, else a @p ret_next of an earlier call
 *                       (the decimal seq of the last entry returned; the page continues below
 *                       it).
 * @param[in]  limit     1..YC_AUDIT_PAGE_MAX.
 * @param[out] ret       yc_alloc'd array of *@p ret_n entries (yc_free()); NULL when 0.
 * @param[out] ret_n     0..@p limit.
 * @param[out] ret_next  YC_AUDIT_CURSOR_MAX + 1 bytes: next page's cursor, or "" when no
 *                       further entry (of @p action) exists.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a NULL argument, @p action above YC_AUDIT_ACTION_LAST, @p limit out
 *                         of range or @p cursor malformed (not a canonical decimal 1..2^63-1)
 * @retval YC_ERR_STORE    corrupt key or value, or LMDB failure
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 6 item 7 (`yrdcredit audit`; later `GET /v1/audit`).
 */
YC_MUST_USE yc_err yc_store_audit_list(yc_store *st, yc_audit_action action, const char *cursor,
                                       size_t limit, yc_store_audit **ret, size_t *ret_n,
                                       char ret_next[static YC_AUDIT_CURSOR_MAX + 1]);

/**
 * @brief Remove every entry with at_ms < @p cutoff_ms (the retention job), except the newest
 *        entry, which is always kept so that the sequence numbers never restart.
 *
 * Walks the whole table (entries are in commit order, which a clock step may make differ from
 * time order) in durable write transactions of at most 4096 examined entries each.  The caller
 * records the purge itself with yc_store_audit_append() (action YC_AUDIT_PURGE).
 * @param[in]  st           Open store.
 * @param[in]  cutoff_ms    Unix milliseconds; an entry at exactly this time is kept.
 * @param[out] ret_removed  Number of entries removed; may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p st NULL
 * @retval YC_ERR_STORE    a corrupt key or value (the walk stops there; entries removed in the
 *                         transactions committed before stay removed), or LMDB failure
 * @retval YC_ERR_FULL, YC_ERR_IO, YC_ERR_INTERNAL
 * @par Source: issue 6 items 7 and 8 (retention).
 */
YC_MUST_USE yc_err yc_store_audit_purge(yc_store *st, int64_t cutoff_ms, uint64_t *ret_removed);

#endif
