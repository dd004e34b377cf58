/* Internal to svc/store/: the objections tables (objection_tables.c) as the store (store.c)
 * opens them. */
#ifndef YRDCREDIT_OBJECTION_INT_H
#define YRDCREDIT_OBJECTION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "store_int.h"

/* Open `objections`, `objections_by_subject` and `objections_by_status` in @p txn into the
 * yc_store, like yc_store_attest_open_dbis(). */
YC_MUST_USE yc_err yc_store_objection_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags,
                                                bool *ret_found);

/* Create the three tables in their own durable write transaction if objections_ready is
 * false. */
YC_MUST_USE yc_err yc_store_objection_ensure(yc_store *st);

/* Codec version byte of a value whose free texts are sealed (yc_store_text_seal()). */
#define YC_STORE_SEALED_CODEC 2

/* Seal the tail of a plain value (codec version 1): @p plain[0..@p header_len) is copied in
 * clear with its version byte set to YC_STORE_SEALED_CODEC, and plain[header_len..plain_len)
 * (the strings: every free text) is sealed with the store's seal key (the one that seals
 * persons' identities), associated data = the key @p id (@p id_len bytes) and the clear
 * header.  @p out holds plain_len + YC_SEAL_OVERHEAD bytes.  Issue 6 breaker report 2,
 * defect 3: no typed name or number in clear in data.mdb. */
YC_MUST_USE yc_err yc_store_text_seal(const yc_store *st, const char *id, size_t id_len,
                                      const uint8_t *plain, size_t plain_len, size_t header_len,
                                      uint8_t *out, size_t *ret_len);

/* Open a stored value (untrusted) into its plain codec version 1 form in @p out (@p cap
 * bytes): a version 1 value (written before sealing, none exist in released data dirs) is
 * copied as it is; a YC_STORE_SEALED_CODEC value is opened.  YC_ERR_STORE when too short,
 * of another version, too long for @p cap, or when authentication fails. */
YC_MUST_USE yc_err yc_store_text_open(const yc_store *st, const char *id, size_t id_len,
                                      const uint8_t *val, size_t len, size_t header_len,
                                      uint8_t *out, size_t cap, size_t *ret_len);

#endif
