/* Internal to svc/store/: the audit table (audit_tables.c) as the store (store.c) opens it. */
#ifndef YRDCREDIT_AUDIT_INT_H
#define YRDCREDIT_AUDIT_INT_H

#include <stdbool.h>

#include <lmdb.h>

#include "store_int.h"
#include "yrdcredit/store_audit.h"

/* Open `audit` in @p txn into st->audit, like yc_store_attest_open_dbis(). */
YC_MUST_USE yc_err yc_store_audit_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags,
                                            bool *ret_found);

/* Create the table in its own durable write transaction if audit_ready is false. */
YC_MUST_USE yc_err yc_store_audit_ensure(yc_store *st);

/* Append inside a write transaction the caller owns (audit_ready must be true): the entry is
 * given the last seq + 1.  A later caller (the committer, a store write that records itself)
 * may use it to write the entry in the same transaction as the action. */
YC_MUST_USE yc_err yc_store_audit_txn_append(yc_store *st, MDB_txn *txn, const yc_store_audit *e,
                                             uint64_t *ret_seq);

#endif
