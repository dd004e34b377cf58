/**
 * @file store_attest.h
 * @brief Durable records of issued attestations (svc/store/) and the group committer that
 *        writes them off the event loop.
 *
 * Two named databases of the store's LMDB environment hold them:
 * - `attestations`: key = jti (YC_ATTEST_JTI_LEN bytes), value = an explicitly encoded record
 *   with a codec version byte (layout in svc/store/attest_tables.c);
 * - `attest_by_subject`: key = subject_id, 0x00, iat (8 bytes big-endian), jti; value = one
 *   codec version byte.  Listing a subject's tokens is one cursor range over it.
 *
 * Both databases are created by yc_store_init_dir(); a data directory created before them
 * receives them from yc_store_committer_start() (the first writer).  Until then the read calls
 * behave as on an empty table (a store opened only for reading never writes).
 *
 * Writes go through one committer thread per store (yc_store_committer_start()): it takes
 * everything queued (up to @c max_batch) into ONE write transaction, commits it durably (no
 * MDB_NOSYNC: an acknowledged write survives kill -9 and power loss), then calls the done
 * callbacks in queue order.  While one transaction commits, new writes queue up and form the
 * next batch; there is no artificial delay.
 *
 * Thread-safety: every function may be called from any thread; a committer may be fed by
 * any number of threads.  Done callbacks run on the committer thread and must not call
 * yc_store_committer_stop() on their own committer.
 */
#ifndef YRDCREDIT_STORE_ATTEST_H
#define YRDCREDIT_STORE_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/record.h"
#include "yrdcredit/store.h"

/** Length of a jti in characters without the NUL: base64url of 16 random bytes. */
#define YC_ATTEST_JTI_LEN 22
/** Longest audience in bytes (without the NUL). */
#define YC_ATTEST_AUD_MAX 255
/** Longest state-change reason in bytes (UTF-8, without the NUL). */
#define YC_ATTEST_REASON_MAX 255
/** Longest listing cursor in characters (without the NUL). */
#define YC_STORE_ATTEST_CURSOR_MAX 64
/** Largest page of yc_store_attestations_by_subject(). */
#define YC_STORE_ATTEST_PAGE_MAX 100
/** Largest accepted yc_store_committer_opts::queue_cap. */
#define YC_STORE_COMMITTER_QUEUE_MAX ((size_t)1 << 20)
/** Largest accepted yc_store_committer_opts::max_batch. */
#define YC_STORE_COMMITTER_BATCH_MAX ((size_t)1 << 16)

/** State of a token: the values of the IETF Token Status List (draft-ietf-oauth-status-list). */
typedef enum yc_attest_state {
    YC_ATTEST_VALID = 0,     /**< not revoked */
    YC_ATTEST_REVOKED = 1,   /**< revoked for good */
    YC_ATTEST_SUSPENDED = 2, /**< suspended (two-bit lists only) */
} yc_attest_state;

/**
 * One issued token.  Shape rules checked by the write calls (YC_ERR_INVALID otherwise):
 * @c jti exactly YC_ATTEST_JTI_LEN base64url characters (A-Z a-z 0-9 - _); @c subject_id
 * 1..YC_SUBJECT_ID_MAX printable ASCII bytes (0x21..0x7e); @c kid 1..YC_JWK_THUMBPRINT_LEN
 * base64url characters; @c aud 0..YC_ATTEST_AUD_MAX bytes; 0 <= @c iat < @c exp;
 * @c list >= 1; @c state one of yc_attest_state; @c state_at >= 0; @c reason
 * 0..YC_ATTEST_REASON_MAX bytes of valid UTF-8.  Every string NUL-terminated within its array.
 */
typedef struct yc_store_attestation {
    char jti[YC_ATTEST_JTI_LEN + 1];        /**< token id (the `jti` claim) */
    char subject_id[YC_SUBJECT_ID_MAX + 1]; /**< the `sub` claim: USCC or pseudonym */
    char kid[YC_JWK_THUMBPRINT_LEN + 1];    /**< kid (RFC 7638 thumbprint) of the signing key */
    char aud[YC_ATTEST_AUD_MAX + 1];        /**< the `aud` claim; "" = none */
    int64_t iat;                            /**< issued at, unix seconds */
    int64_t exp;                            /**< expires at, unix seconds */
    uint32_t list;                          /**< status list id, >= 1 */
    uint32_t index;                         /**< index in that list */
    uint8_t state;                          /**< yc_attest_state */
    int64_t state_at;                       /**< unix seconds of the last state change; 0 = never */
    char reason[YC_ATTEST_REASON_MAX + 1];  /**< reason of the last state change; "" */
} yc_store_attestation;

/**
 * @brief Read one attestation record by its jti.
 * @param[in]  st   Open store.
 * @param[in]  jti  NUL-terminated, YC_ATTEST_JTI_LEN base64url characters.
 * @param[out] ret  The record; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such jti (also before the tables exist)
 * @retval YC_ERR_INVALID    @p jti is not YC_ATTEST_JTI_LEN base64url characters
 * @retval YC_ERR_STORE      corrupt value or LMDB failure
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 4 items 3 and 5; docs/design/attestations.md §3.1.
 */
YC_MUST_USE yc_err yc_store_attestation_get(yc_store *st, const char *jti,
                                            yc_store_attestation *ret);

/**
 * @brief One page of a subject's attestations, ordered by iat ascending, then jti.
 *
 * The cursor is opaque text ("<iat>.<jti>" of the last record of the previous page); a page
 * continues strictly after it, so records committed meanwhile with a later (iat, jti) are
 * seen and none is repeated.
 *
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated subject id; an id that cannot exist gives 0 records.
 * @param[in]  cursor      NULL or "" for the first page, else a @p ret_next of an earlier call
 *                         (NUL-terminated, at most YC_STORE_ATTEST_CURSOR_MAX bytes).
 * @param[in]  limit       Page size, 1..YC_STORE_ATTEST_PAGE_MAX.
 * @param[out] ret         yc_alloc'd array of *@p ret_n records (free with yc_free()); NULL
 *                         when *@p ret_n is 0.  Written only on YC_OK.
 * @param[out] ret_n       Number of records, 0..@p limit.  Written only on YC_OK.
 * @param[out] ret_next    YC_STORE_ATTEST_CURSOR_MAX + 1 bytes, NUL-terminated: the cursor of
 *                         the next page, or "" when there is no further record.  Written only
 *                         on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p limit out of range, or @p cursor malformed
 * @retval YC_ERR_STORE    corrupt key or value, or LMDB failure
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 4 item 3 (`GET /v1/subjects/{subject_id}/attestations`).
 */
YC_MUST_USE yc_err
yc_store_attestations_by_subject(yc_store *st, const char *subject_id, const char *cursor,
                                 size_t limit, yc_store_attestation **ret, size_t *ret_n,
                                 char ret_next[static YC_STORE_ATTEST_CURSOR_MAX + 1]);

/**
 * @brief Callback of yc_store_attestation_walk().
 * @param[in] ctx  The caller's context.
 * @param[in] a    One record; valid only during the call.
 * @return YC_OK to continue; any other value stops the walk and is returned by it.
 */
typedef yc_err (*yc_store_attestation_fn)(void *ctx, const yc_store_attestation *a);

/**
 * @brief Visit every attestation record in jti order, in one read transaction (one snapshot).
 * @param[in] st   Open store.
 * @param[in] fn   Callback, called once per record.
 * @param[in] ctx  Passed to @p fn; may be NULL.
 * @retval YC_OK         every record visited (also when there is none)
 * @retval YC_ERR_STORE  corrupt key or value, or LMDB failure
 * @retval YC_ERR_INTERNAL
 * @retval other         the first non-YC_OK value returned by @p fn
 * @par Source: issue 4 item 4 (status lists rebuilt from the records at start-up).
 */
YC_MUST_USE yc_err yc_store_attestation_walk(yc_store *st, yc_store_attestation_fn fn, void *ctx);

/** A running group committer.  Opaque. */
typedef struct yc_store_committer yc_store_committer;

/**
 * @brief Completion callback of a queued write; called exactly once, on the committer
 *        thread, after the transaction holding the write committed (or failed).
 * @param[in] ctx     The caller's context given with the write.
 * @param[in] result  YC_OK: durable; otherwise the error documented with the write call.
 */
typedef void (*yc_store_commit_done_fn)(void *ctx, yc_err result);

/** Options of yc_store_committer_start(); zero means "default". */
typedef struct yc_store_committer_opts {
    size_t queue_cap; /**< queued writes not yet taken by the committer; 0 = 8192;
                           at most YC_STORE_COMMITTER_QUEUE_MAX */
    size_t max_batch; /**< writes per transaction; 0 = 1024; at most
                           YC_STORE_COMMITTER_BATCH_MAX */
} yc_store_committer_opts;

/**
 * @brief Start the committer thread of a store.  Creates the attestation tables if the
 *        data directory predates them (one durable write transaction).
 * @param[in]  st    Open store; must outlive the committer.
 * @param[in]  opts  Options; NULL for the defaults.
 * @param[out] ret   New committer; stop it with yc_store_committer_stop().
 * @retval YC_OK
 * @retval YC_ERR_INVALID  an option above its maximum
 * @retval YC_ERR_FULL     creating the tables: map or disk full
 * @retval YC_ERR_STORE    creating the tables failed in LMDB
 * @retval YC_ERR_IO       creating the tables: the durable commit failed
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL (the thread could not be created)
 * @par Source: issue 4 item 3 (group commit off the event loop).
 */
YC_MUST_USE yc_err yc_store_committer_start(yc_store *st, const yc_store_committer_opts *opts,
                                            yc_store_committer **ret);

/**
 * @brief Commit everything queued, call every pending done callback, join the thread, free.
 *
 * Writes submitted after this call began are refused with YC_ERR_AGAIN.
 * @param[in] c  Committer, or NULL (no-op).  Not to be called from a done callback.
 */
void yc_store_committer_stop(yc_store_committer *c);

/**
 * @brief Queue the durable insertion of a new attestation record (the record is copied).
 *
 * Result passed to @p done: YC_OK durable; YC_ERR_CONFLICT the jti exists already (also for
 * a second put of the same jti in one batch; the rest of the batch is unaffected);
 * YC_ERR_FULL the map or disk is full (the whole batch fails, nothing of it is written);
 * YC_ERR_STORE, YC_ERR_IO (the whole batch fails); YC_ERR_TOO_LARGE the batch does not fit
 * one LMDB transaction (only with a huge max_batch).
 *
 * @param[in] c     Running committer.
 * @param[in] a     Record in the shape documented at yc_store_attestation.
 * @param[in] done  Completion callback; called exactly once when this returns YC_OK, never
 *                  otherwise.
 * @param[in] ctx   Passed to @p done; may be NULL.
 * @retval YC_OK            queued
 * @retval YC_ERR_AGAIN     the queue holds queue_cap writes, or the committer is stopping
 * @retval YC_ERR_INVALID   a field out of shape
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 4 item 3.
 */
YC_MUST_USE yc_err yc_store_commit_attestation_put(yc_store_committer *c,
                                                   const yc_store_attestation *a,
                                                   yc_store_commit_done_fn done, void *ctx);

/**
 * @brief Queue a durable state change (revoke, suspend, unsuspend) of an attestation: sets
 *        @c state, @c state_at = @p at and @c reason.
 *
 * Result passed to @p done: YC_OK durable; YC_ERR_NOT_FOUND unknown jti (the rest of the
 * batch is unaffected); YC_ERR_STORE (also a corrupt stored value), YC_ERR_FULL, YC_ERR_IO.
 *
 * @param[in] c       Running committer.
 * @param[in] jti     NUL-terminated, YC_ATTEST_JTI_LEN base64url characters.
 * @param[in] state   New state.
 * @param[in] at      Unix seconds of the change, >= 0.
 * @param[in] reason  NUL-terminated UTF-8, 0..YC_ATTEST_REASON_MAX bytes.
 * @param[in] done    Completion callback; called exactly once when this returns YC_OK.
 * @param[in] ctx     Passed to @p done; may be NULL.
 * @retval YC_OK, YC_ERR_AGAIN, YC_ERR_INVALID, YC_ERR_NOMEM, YC_ERR_INTERNAL  as for
 *         yc_store_commit_attestation_put()
 * @par Source: issue 4 item 5 (revocation).
 */
YC_MUST_USE yc_err yc_store_commit_attestation_state(yc_store_committer *c, const char *jti,
                                                     yc_attest_state state, int64_t at,
                                                     const char *reason,
                                                     yc_store_commit_done_fn done, void *ctx);

/**
 * @brief As yc_store_commit_attestation_state(), but the change is made only if the state
 *        stored when the batch's transaction runs is one of @p from_mask; otherwise @p done
 *        is called with YC_ERR_CONFLICT and nothing is written (the rest of the batch is
 * unaffected). Checked inside the writing transaction, so two racing changes of one token cannot
 *        both pass (e.g. an unsuspend can never undo a revocation queued before it).
 * @param[in] c          The committer.
 * @param[in] jti        NUL-terminated, YC_ATTEST_JTI_LEN base64url characters.
 * @param[in] state      New state.
 * @param[in] from_mask  Bit (1u << s) set for each state s the change may start from, 1..7;
 *                       0 = from any state.
 * @param[in] at         Unix seconds of the change, >= 0.
 * @param[in] reason     NUL-terminated UTF-8, 0..YC_ATTEST_REASON_MAX bytes.
 * @param[in] done       Completion callback; called exactly once when this returns YC_OK,
 *                       with YC_OK, YC_ERR_CONFLICT, YC_ERR_NOT_FOUND or a batch error.
 * @param[in] ctx        Passed to @p done; may be NULL.
 * @retval YC_OK, YC_ERR_AGAIN, YC_ERR_INVALID (also @p from_mask > 7), YC_ERR_NOMEM,
 *         YC_ERR_INTERNAL  as for yc_store_commit_attestation_put()
 * @par Source: issue 4 item 5 (revocation is final); review of the issue 4 service.
 */
YC_MUST_USE yc_err yc_store_commit_attestation_transition(yc_store_committer *c, const char *jti,
                                                          yc_attest_state state, unsigned from_mask,
                                                          int64_t at, const char *reason,
                                                          yc_store_commit_done_fn done, void *ctx);

/**
 * @brief Queue a durable ingestion of validated records: yc_store_ingest() of @p recs on the
 *        committer thread, so the caller (an HTTP/2 worker) never waits on the disk.
 *
 * An ingestion is never grouped with other writes: it is a batch and one durable write
 * transaction of its own (all or nothing, exactly as yc_store_ingest(); a map-full failure
 * fails this ingestion only).  Ingestions queued on one committer are applied in queue
 * order, so a later one sees an earlier one (its duplicates come out `duplicate`).  The
 * records generation (yc_store_records_generation()) has moved when @p done runs with YC_OK.
 *
 * @param[in]     c     Running committer (window 0 recommended: nothing to group).
 * @param[in,out] recs  @p n records as for yc_store_ingest(); NOT copied: owned by the caller,
 *                      who must keep them valid and untouched until @p done has been called;
 *                      on a YC_OK result they are updated as yc_store_ingest() documents
 *                      (record_id, version, ingest_ms, ingest_outcome, status, subject_id).
 * @param[in]     n     Number of records, >= 1.
 * @param[in]     done  Completion callback; called exactly once, on the committer thread,
 *                      when this returns YC_OK, with YC_OK (durable) or an error of
 *                      yc_store_ingest() (YC_ERR_FULL map or disk full, YC_ERR_TOO_LARGE,
 *                      YC_ERR_INVALID, YC_ERR_STORE, YC_ERR_IO, YC_ERR_NOMEM,
 *                      YC_ERR_INTERNAL); nothing is stored on an error.
 * @param[in]     ctx   Passed to @p done; may be NULL.
 * @retval YC_OK           queued; @p done will be called
 * @retval YC_ERR_INVALID  @p c, @p recs or @p done NULL, or @p n 0
 * @retval YC_ERR_AGAIN    the queue holds queue_cap writes, or the committer is stopping
 * @retval YC_ERR_INTERNAL the committer's mutex failed
 * @par Source: issue 7 item 9 (soak: POST /v1/records blocked its worker on the fsync).
 */
YC_MUST_USE yc_err yc_store_commit_ingest(yc_store_committer *c, yc_record *recs, size_t n,
                                          yc_store_commit_done_fn done, void *ctx);

/**
 * @brief Counters of a committer since it started (for tests and benchmarks).
 * @param[in]  c            Committer.
 * @param[out] ret_batches  Write transactions attempted (committed or failed); may be NULL.
 * @param[out] ret_writes   Writes taken into those transactions, whatever their result;
 *                          may be NULL.
 * @note Thread-safety: any thread; the two values are read one after the other (relaxed).
 */
void yc_store_committer_stats(const yc_store_committer *c, uint64_t *ret_batches,
                              uint64_t *ret_writes);

#endif
