/* Internal to svc/store/: the objections tables (objection_tables.c) as the store (store.c)
 * opens them. */
#ifndef YRDCREDIT_OBJECTION_INT_H
#define YRDCREDIT_OBJECTION_INT_H

#include <stdbool.h>

#include <lmdb.h>

#include "store_int.h"

/* Open `objections`, `objections_by_subject` and `objections_by_status` in @p txn into the
 * yc_store, like yc_store_attest_open_dbis(). */
YC_MUST_USE yc_err yc_store_objection_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags,
                                                bool *ret_found);

/* Create the three tables in their own durable write transaction if objections_ready is
 * false. */
YC_MUST_USE yc_err yc_store_objection_ensure(yc_store *st);

#endif
