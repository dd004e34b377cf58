/**
 * @file store_backup.h
 * @brief Online backup of the store's LMDB environment and the schema check of start-up
 *        (svc/store/backup.c): issue 7 scope items 7 and 8, store layer.
 *
 * Thread-safety: both functions may run while other processes (a serving yrdcreditd, an
 * import) read and write the same data directory; LMDB serialises them.
 * @par Source: issue 7 scope item 7 (backups) and item 8 (start-up safety).
 */
#ifndef YRDCREDIT_STORE_BACKUP_H
#define YRDCREDIT_STORE_BACKUP_H

#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/store.h"

/**
 * @brief Write a compacted copy of an open store's LMDB environment into a directory.
 *
 * The copy is made by LMDB (mdb_env_copy2() with MDB_CP_COMPACT) inside one read
 * transaction, so it is a snapshot of one committed state: every transaction committed
 * before the call is in it, none half.  Writers (in this or another process) go on
 * meanwhile; the copy holds none of the free pages.  Only the LMDB file is written
 * (@p dest_lmdb_dir/data.mdb, mode 0600); keys and the other files of a data directory are
 * the caller's (see `yrdcredit backup`).
 *
 * @param[in] st             An open store (yc_store_open()); not closed.
 * @param[in] dest_lmdb_dir  NUL-terminated path of an existing directory that holds no
 *                           data.mdb, at most YC_STORE_PATH_MAX - 16 bytes.
 * @retval YC_OK             the copy is complete and written to disk (LMDB fsyncs it)
 * @retval YC_ERR_INVALID    @p dest_lmdb_dir is empty or too long
 * @retval YC_ERR_CONFLICT   @p dest_lmdb_dir/data.mdb already exists
 * @retval YC_ERR_NOT_FOUND  @p dest_lmdb_dir does not exist
 * @retval YC_ERR_FULL       the destination's disk is full
 * @retval YC_ERR_IO, YC_ERR_STORE  another failure of LMDB or the file system; a partial
 *                           data.mdb may be left behind
 * @par Source: issue 7 scope item 7 (a consistent compacted copy while serving and writing).
 */
YC_MUST_USE yc_err yc_store_backup(yc_store *st, const char *dest_lmdb_dir);

/**
 * @brief Read the schema version stored in a data directory's LMDB environment, without the
 *        keys and without checking anything else.
 *
 * Opens DIR/lmdb read-only for one read transaction (a lock file is created next to
 * data.mdb when there is none, as any opening does) and reads `meta` member
 * "schema_version" (u32 little-endian).  Used at start-up to tell "made by a newer binary"
 * (YC_STORE_SCHEMA_VERSION is lower than @p *ret_version) from other failures of
 * yc_store_open().
 *
 * @param[in]  data_dir     NUL-terminated data directory, at most YC_STORE_PATH_MAX - 64 bytes.
 * @param[out] ret_version  The stored version; unchanged on failure.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p data_dir is empty or too long
 * @retval YC_ERR_NOT_FOUND  no DIR/lmdb/data.mdb, or no schema_version in it
 * @retval YC_ERR_STORE      the file is not an LMDB environment of this layout (no `meta`
 *                           table, or a member of the wrong size)
 * @retval YC_ERR_IO, YC_ERR_NOMEM  the file cannot be read
 * @par Source: issue 7 scope item 8 (refuse a data directory whose schema is newer).
 */
YC_MUST_USE yc_err yc_store_schema_version(const char *data_dir, uint32_t *ret_version);

#endif
