/* Internal to svc/store/: the decisions table (decision_tables.c) as the group committer
 * (committer.c) uses it. */
#ifndef YRDCREDIT_DECISION_INT_H
#define YRDCREDIT_DECISION_INT_H

#include <lmdb.h>

#include "store_int.h"
#include "yrdcredit/store_decision.h"

/* Insert inside the committer's write transaction.  The return value is fatal for the
 * transaction; *ret_op is this write's own result (YC_OK or YC_ERR_CONFLICT). */
YC_MUST_USE yc_err yc_store_decision_txn_put(yc_store *st, MDB_txn *txn, const char *id,
                                             const char *json, size_t json_len, yc_err *ret_op);

#endif
