/**
 * @file store_decision.h
 * @brief Durable 联合奖惩 decisions (issue 5 scope item 4; svc/store/decision_tables.c).
 *
 * One named database of the store's LMDB environment, `decisions`: key = the decision id
 * (YC_DECISION_ID_LEN bytes, "dec_" + 22 base64url characters), value = one codec version
 * byte (1) followed by the decision's JSON text exactly as it was answered (signature
 * included), so that `GET /v1/decisions/{id}` answers it byte for byte.
 *
 * The database is created with the data directory (yc_store_init_dir()); in a directory
 * made before it, by the committer's start (or a shared-batch ingest) in a durable write
 * transaction of its own, together with `shared_batches`.  Its handle is opened once and kept
 * in the store (no read opens a handle; reads run in parallel); until the table exists the
 * read call answers YC_ERR_NOT_FOUND.  Writes go through the group committer of
 * store_attest.h, next to the attestation writes, durably (an acknowledged decision survives
 * kill -9 and power loss).
 *
 * Since issue 6 (breaker report defect 1) a decision may remember the client that asked for it
 * (yc_store_commit_decision_put_with_creator(), codec version 2: version byte 2, the creator's
 * client id in YC_DECISION_CREATOR_LEN bytes, then the JSON), so that getDecision answers it to
 * that client and admins only; a decision stored without a creator (codec version 1, before
 * issue 6, or asked for without a client) reads back with the creator "".
 */
#ifndef YRDCREDIT_STORE_DECISION_H
#define YRDCREDIT_STORE_DECISION_H

#include <stdbool.h>
#include <stddef.h>

#include "yrdcredit/err.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_attest.h"

/** Prefix of every decision id. */
#define YC_DECISION_ID_PREFIX "dec_"
/** Length of a decision id in characters without the NUL: "dec_" + base64url of 16 bytes. */
#define YC_DECISION_ID_LEN 26
/** Largest decision JSON stored, in bytes. */
#define YC_DECISION_JSON_MAX ((size_t)256 * 1024)
/** Length of a decision's creator, a client id "cl_" + 16 base64url (YC_CLIENT_ID_LEN). */
#define YC_DECISION_CREATOR_LEN 19
/** Bytes in front of the JSON in the blob of a decision with a creator (its marker byte 2 and
 *  the creator), so such a JSON holds at most YC_DECISION_JSON_MAX - this many bytes. */
#define YC_DECISION_CREATOR_HDR (1 + YC_DECISION_CREATOR_LEN)

/**
 * @brief Is this a well-formed decision id?
 * @param[in] id   Candidate bytes, not necessarily NUL-terminated; NULL gives false.
 * @param[in] len  Bytes of @p id.
 * @return true when @p len is YC_DECISION_ID_LEN, @p id starts with "dec_" and the other 22
 *         bytes are base64url characters (A-Z a-z 0-9 - _).
 * @par Source: issue 5 scope item 4 (operationId getDecision, path parameter id).
 */
bool yc_decision_id_is_valid(const char *id, size_t len);

/**
 * @brief Read one stored decision.
 * @param[in]  st       Open store.
 * @param[in]  id       NUL-terminated decision id (yc_decision_id_is_valid()).
 * @param[out] ret      On YC_OK: a copy of the stored JSON, NUL-terminated, allocated with
 *                      yc_alloc(); the caller frees it with yc_free().
 * @param[out] ret_len  On YC_OK: its length in bytes without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p id malformed (or a NULL argument)
 * @retval YC_ERR_NOT_FOUND  no such decision (also before the table exists)
 * @retval YC_ERR_STORE      corrupt value or LMDB failure
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 5 scope item 4 (operationId getDecision).
 */
YC_MUST_USE yc_err yc_store_decision_get(yc_store *st, const char *id, char **ret, size_t *ret_len);

/**
 * @brief Read one stored decision and the client that asked for it.
 * @param[in]  st           Open store.
 * @param[in]  id           NUL-terminated decision id (yc_decision_id_is_valid()).
 * @param[out] ret_creator  YC_DECISION_CREATOR_LEN + 1 bytes; on YC_OK the creator's client id,
 *                          NUL-terminated, or "" for a decision stored without one (codec
 *                          version 1: before issue 6, or asked for without a client).
 * @param[out] ret          On YC_OK: a copy of the stored JSON, NUL-terminated, allocated with
 *                          yc_alloc(); the caller frees it with yc_free().
 * @param[out] ret_len      On YC_OK: its length in bytes without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p id malformed (or a NULL argument)
 * @retval YC_ERR_NOT_FOUND  no such decision (also before the table exists)
 * @retval YC_ERR_STORE      corrupt value (also a creator out of shape) or LMDB failure
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 6 item 1 and breaker report defect 1 (getDecision: only the client that
 *      created it, or an admin).
 */
YC_MUST_USE yc_err yc_store_decision_get_with_creator(
    yc_store *st, const char *id, char ret_creator[static YC_DECISION_CREATOR_LEN + 1], char **ret,
    size_t *ret_len);

/**
 * @brief Queue the durable insertion of a decision (the JSON is copied).
 *
 * Result passed to @p done: YC_OK durable; YC_ERR_CONFLICT the id exists already (the rest
 * of the batch is unaffected); YC_ERR_FULL, YC_ERR_STORE, YC_ERR_IO (the whole batch fails,
 * nothing of it is written).
 *
 * @param[in] c         Running committer (store_attest.h).
 * @param[in] id        NUL-terminated decision id (yc_decision_id_is_valid()).
 * @param[in] json      The decision's JSON text, @p json_len bytes, not NUL-terminated.
 * @param[in] json_len  1..YC_DECISION_JSON_MAX bytes.
 * @param[in] done      Completion callback (committer thread); called exactly once when this
 *                      returns YC_OK, never otherwise.
 * @param[in] ctx       Passed to @p done; may be NULL.
 * @retval YC_OK            queued
 * @retval YC_ERR_AGAIN     the queue is full, or the committer is stopping
 * @retval YC_ERR_INVALID   a NULL argument, a malformed id, or @p json_len out of range
 * @retval YC_ERR_NOMEM     allocation failed
 * @retval YC_ERR_INTERNAL  the queue lock failed
 * @par Source: issue 5 scope item 4 (decisions are stored before they are answered).
 */
YC_MUST_USE yc_err yc_store_commit_decision_put(yc_store_committer *c, const char *id,
                                                const char *json, size_t json_len,
                                                yc_store_commit_done_fn done, void *ctx);

/**
 * @brief Queue the durable insertion of a decision together with the client that asked for it
 *        (codec version 2; the JSON is copied).
 *
 * Results passed to @p done as for yc_store_commit_decision_put(); yc_store_decision_get()
 * answers the JSON alone, yc_store_decision_get_with_creator() also @p creator.
 *
 * @param[in] c         Running committer (store_attest.h).
 * @param[in] id        NUL-terminated decision id (yc_decision_id_is_valid()).
 * @param[in] creator   NUL-terminated client id, "cl_" + 16 base64url characters; "" stores
 *                      the decision without a creator (codec version 1, as
 *                      yc_store_commit_decision_put()).
 * @param[in] json      The decision's JSON text, @p json_len bytes, not NUL-terminated.
 * @param[in] json_len  1..YC_DECISION_JSON_MAX - YC_DECISION_CREATOR_HDR bytes with a creator,
 *                      1..YC_DECISION_JSON_MAX without.
 * @param[in] done      Completion callback (committer thread); called exactly once when this
 *                      returns YC_OK, never otherwise.
 * @param[in] ctx       Passed to @p done; may be NULL.
 * @retval YC_OK            queued
 * @retval YC_ERR_AGAIN     the queue is full, or the committer is stopping
 * @retval YC_ERR_INVALID   a NULL argument, a malformed id or creator, or @p json_len out of
 *                          range
 * @retval YC_ERR_NOMEM     allocation failed
 * @retval YC_ERR_INTERNAL  the queue lock failed
 * @par Source: issue 6 item 1 and breaker report defect 1 (a decision is readable only by the
 *      client that asked for it and by admins).
 */
YC_MUST_USE yc_err yc_store_commit_decision_put_with_creator(yc_store_committer *c, const char *id,
                                                             const char *creator, const char *json,
                                                             size_t json_len,
                                                             yc_store_commit_done_fn done,
                                                             void *ctx);

#endif
