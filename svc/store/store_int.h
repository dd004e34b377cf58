/* Internal to svc/store/: the store handle and the transaction helpers of store.c, shared
 * with the attestation tables (attest_tables.c) and the group committer (committer.c). */
#ifndef YRDCREDIT_STORE_INT_H
#define YRDCREDIT_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <lmdb.h>

#include "yrdcredit/crypto.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_attest.h"

enum { YC_STORE_DIR_MAX = 4000, YC_STORE_PATH_MAX = YC_STORE_DIR_MAX + 64 };

struct yc_store {
    MDB_env *env;
    /* Held shared for the life of every transaction of a shared store, exclusively to adopt
     * a map another process grew: LMDB allows mdb_env_set_mapsize() only while this process
     * has no transaction, and yrdcreditd's workers share the environment (MDB_NOTLS). */
    pthread_rwlock_t remap_lock;
    bool remap_lock_ready;
    MDB_dbi meta, subjects, records, source, history;
    /* Attestation tables (attest_tables.c).  attest_ready is false while a data directory
     * made before them has not been opened by a writer; it is set (release) only after the
     * transaction that created the handles committed, and read (acquire) before a
     * transaction is begun, so that transaction knows the handles. */
    MDB_dbi attest, attest_subj;
    atomic_bool attest_ready;
    /* Issue 5 tables (decision_tables.c): `decisions` and `shared_batches`, the same rule as
     * attest_ready (yc_store_issue5_ensure()); no transaction calls mdb_dbi_open() for them
     * after the handles are published. */
    MDB_dbi decisions, shared_batches;
    atomic_bool issue5_ready;
    /* Issue 6 tables (access_tables.c): `consents`, `consents_by_subject`, `query_log`, the
     * same rule as attest_ready (yc_store_access_ensure()). */
    MDB_dbi consents, consents_subj, query_log;
    atomic_bool access_ready;
    /* Issue 6 audit log (audit_tables.c): `audit`, the same rule (yc_store_audit_ensure()). */
    MDB_dbi audit;
    atomic_bool audit_ready;
    /* Issue 6 D credit repairs (repair_tables.c): `repairs`, `repairs_by_subject`, the same
     * rule, created by their first writer. */
    MDB_dbi repairs, repairs_subj;
    atomic_bool repair_ready;
    /* Issue 6 record index (record_status.c): `record_ids`, the same rule
     * (yc_store_recids_ensure(); created with a fill from `records`). */
    MDB_dbi record_ids;
    atomic_bool recids_ready;
    /* Issue 6 objections (objection_tables.c): `objections`, `objections_by_subject`,
     * `objections_by_status`, the same rule (yc_store_objection_ensure()). */
    MDB_dbi objections, objections_subj, objections_status;
    atomic_bool objections_ready;
    yc_crypto_key *pseudonym_key;
    yc_crypto_key *seal_key;
    char instance_id[YC_STORE_INSTANCE_ID_LEN + 1];
    char data_mdb[YC_STORE_PATH_MAX];
};

/* LMDB return code -> yc_err (STYLE.md §4.3: LMDB codes stop in svc/store/). */
yc_err yc_store_from_mdb(int rc);
/* Whether data.mdb is at least as long as its last committed page says: YC_OK; YC_ERR_STORE
 * when it is cut short (a half-copied or truncated file, whose missing pages would fault
 * with SIGBUS on the first read); YC_ERR_IO when the sizes cannot be read.  Issue 7 item 8. */
yc_err yc_store_env_check_size(MDB_env *env);

/* Begin a transaction holding remap_lock shared until yc_store_txn_commit()/_abort();
 * MDB_MAP_RESIZED is handled under the exclusive lock. */
YC_MUST_USE yc_err yc_store_txn_begin(yc_store *st, unsigned flags, MDB_txn **ret_txn);

/* Opens (flags 0) or creates (MDB_CREATE) a group of named tables in txn into st; *ret_found is
 * false when a table is missing and flags has no MDB_CREATE (e.g. yc_store_attest_open_dbis()). */
typedef yc_err (*yc_store_open_dbis_fn)(yc_store *st, MDB_txn *txn, unsigned flags,
                                        bool *ret_found);
/* If *ready is false: open the group's tables in a transaction of their own and set *ready
 * (release) once it committed.  create: a durable write transaction that creates missing
 * tables; else a read transaction that only opens tables another process created (*ready
 * stays false when one is missing).  One such transaction at a time in the process (LMDB: one
 * transaction opening handles at a time); every other reader only loads *ready (acquire). */
YC_MUST_USE yc_err yc_store_tables_ensure(yc_store *st, atomic_bool *ready,
                                          yc_store_open_dbis_fn open_dbis, bool create);
/* Commit and release remap_lock; returns the LMDB code. */
int yc_store_txn_commit(yc_store *st, MDB_txn *txn);
/* Abort and release remap_lock. */
void yc_store_txn_abort(yc_store *st, MDB_txn *txn);

/* Open the attestation tables' handles in @p txn into st->attest and st->attest_subj.  With
 * MDB_CREATE they are created if missing; without it, missing tables are not an error and
 * *ret_found is false.  The caller commits @p txn, then sets attest_ready if *ret_found. */
YC_MUST_USE yc_err yc_store_attest_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags,
                                             bool *ret_found);

/* Create the tables in their own durable write transaction if attest_ready is false. */
YC_MUST_USE yc_err yc_store_attest_ensure(yc_store *st);

/* Open `decisions` and `shared_batches` in @p txn into st->decisions and st->shared_batches,
 * like yc_store_attest_open_dbis(). */
YC_MUST_USE yc_err yc_store_issue5_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags,
                                             bool *ret_found);

/* Create both tables in their own durable write transaction if issue5_ready is false; every
 * writer of them calls it before its own write transaction. */
YC_MUST_USE yc_err yc_store_issue5_ensure(yc_store *st);

/* issue5_ready (acquire): false means neither table exists yet (nothing to read). */
bool yc_store_issue5_ready(yc_store *st);

/* Shape checks of the write calls (YC_ERR_INVALID): see yc_store_attestation. */
YC_MUST_USE yc_err yc_store_attest_check(const yc_store_attestation *a);
YC_MUST_USE yc_err yc_store_attest_check_jti(const char *jti);
YC_MUST_USE yc_err yc_store_attest_check_reason(const char *reason);

/* One queued write applied inside the committer's write transaction.  The return value is
 * fatal for the transaction (LMDB failed: abort it); *ret_op is this write's own result
 * (YC_OK, YC_ERR_CONFLICT, YC_ERR_NOT_FOUND, YC_ERR_STORE for a corrupt stored value), which
 * leaves the rest of the batch unaffected.  Both are called only with attest_ready true. */
YC_MUST_USE yc_err yc_store_attest_txn_put(yc_store *st, MDB_txn *txn,
                                           const yc_store_attestation *a, yc_err *ret_op);
/* from_mask: bit (1 << stored state) must be set, else *ret_op is YC_ERR_CONFLICT; 0 = any. */
YC_MUST_USE yc_err yc_store_attest_txn_state(yc_store *st, MDB_txn *txn, const char *jti,
                                             uint8_t state, unsigned from_mask, int64_t at,
                                             const char *reason, yc_err *ret_op);

/* ---- issue 6 record index and status changes (record_status.c) ---- */

/* Open `record_ids` like yc_store_attest_open_dbis(); with MDB_CREATE a new (empty) table is
 * filled from `records` in @p txn (status_ms = now). */
YC_MUST_USE yc_err yc_store_recids_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags,
                                             bool *ret_found);
/* Create (and fill) `record_ids` in its own durable write transaction if recids_ready is
 * false; every writer of records calls it before its own write transaction. */
YC_MUST_USE yc_err yc_store_recids_ensure(yc_store *st);
/* Put the index entry of @p record_id (subject @p sid, status since @p status_ms). */
YC_MUST_USE yc_err yc_store_recids_txn_put(yc_store *st, MDB_txn *txn, uint64_t record_id,
                                           const char *sid, int64_t status_ms);
/* Record in `meta` that @p txn changed records (yc_store_records_generation()); store.c. */
YC_MUST_USE yc_err yc_store_records_txn_touch(yc_store *st, MDB_txn *txn);
/* The status change of yc_store_record_set_status() inside @p txn (any error: abort it). */
YC_MUST_USE yc_err yc_store_record_txn_set_status(yc_store *st, MDB_txn *txn, uint64_t record_id,
                                                  unsigned from_mask, yc_status to, int64_t now_ms,
                                                  yc_record *ret_new);
/* Read the current version of @p record_id inside @p txn (YC_ERR_NOT_FOUND when unknown). */
YC_MUST_USE yc_err yc_store_record_txn_get(yc_store *st, MDB_txn *txn, uint64_t record_id,
                                           yc_record *ret, int64_t *ret_status_ms);

#endif
