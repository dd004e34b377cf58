/* Internal to svc/store/: the consents and query-log tables (access_tables.c) as the store
 * (store.c) and the group committer (committer.c) use them. */
#ifndef YRDCREDIT_ACCESS_INT_H
#define YRDCREDIT_ACCESS_INT_H

#include <stdbool.h>

#include <lmdb.h>

#include "store_int.h"
#include "yrdcredit/store_access.h"

/* Open `consents`, `consents_by_subject` and `query_log` in @p txn into the yc_store, like
 * yc_store_attest_open_dbis(). */
YC_MUST_USE yc_err yc_store_access_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags,
                                             bool *ret_found);

/* Create the three tables in their own durable write transaction if access_ready is false. */
YC_MUST_USE yc_err yc_store_access_ensure(yc_store *st);

/* Shape of a consent id / a subject id (NUL-terminated). */
bool yc_store_consent_id_ok(const char *id);
bool yc_store_access_subject_ok(const char *sid);

/* Writes inside the committer's transaction: the return value is fatal for the transaction,
 * *ret_op is this write's own result (see store_access.h). */
YC_MUST_USE yc_err yc_store_consent_txn_put(yc_store *st, MDB_txn *txn, const yc_store_consent *cs,
                                            yc_err *ret_op);
YC_MUST_USE yc_err yc_store_consent_txn_revoke(yc_store *st, MDB_txn *txn, const char *id,
                                               const char *subject_id, int64_t at, yc_err *ret_op);
YC_MUST_USE yc_err yc_store_query_txn_append(yc_store *st, MDB_txn *txn, const yc_store_query *q,
                                             yc_err *ret_op);

#endif
