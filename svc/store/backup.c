/* Online backup of the LMDB environment and the start-up schema check
 * (include/yrdcredit/store_backup.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "store_int.h"
#include "yrdcredit/store_backup.h"

yc_err yc_store_backup(yc_store *st, const char *dest_lmdb_dir)
{
    YC_ENSURE(st != NULL && dest_lmdb_dir != NULL, YC_ERR_INVALID);
    const size_t len = strnlen(dest_lmdb_dir, YC_STORE_PATH_MAX);
    YC_ENSURE(len > 0 && len <= YC_STORE_PATH_MAX - 16, YC_ERR_INVALID);
    char file[YC_STORE_PATH_MAX];
    const int n = snprintf(file, sizeof file, "%s/data.mdb", dest_lmdb_dir);
    YC_ENSURE(n > 0 && (size_t)n < sizeof file, YC_ERR_INVALID);
    struct stat sb;
    if (stat(dest_lmdb_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return YC_ERR_NOT_FOUND;
    YC_ENSURE(lstat(file, &sb) != 0 && errno == ENOENT, YC_ERR_CONFLICT);
    /* The copy begins its own read transaction: held exclusively so that no transaction of
     * this process is open if the map must be adopted (another process grew it). */
    YC_ENSURE(pthread_rwlock_wrlock(&st->remap_lock) == 0, YC_ERR_INTERNAL);
    int rc = mdb_env_copy2(st->env, dest_lmdb_dir, MDB_CP_COMPACT);
    if (rc == MDB_MAP_RESIZED) {
        rc = mdb_env_set_mapsize(st->env, 0);
        if (rc == 0) {
            (void)unlink(file); /* the failed attempt may have created it */
            rc = mdb_env_copy2(st->env, dest_lmdb_dir, MDB_CP_COMPACT);
        }
    }
    (void)pthread_rwlock_unlock(&st->remap_lock);
    if (rc == EEXIST)
        return YC_ERR_CONFLICT;
    YC_TRY(yc_store_from_mdb(rc));
    /* LMDB creates it 0666 less the umask: the store's own file is 0600 */
    YC_ENSURE(chmod(file, 0600) == 0, YC_ERR_IO);
    return YC_OK;
}

yc_err yc_store_schema_version(const char *data_dir, uint32_t *ret_version)
{
    YC_ENSURE(data_dir != NULL && ret_version != NULL, YC_ERR_INVALID);
    const size_t len = strnlen(data_dir, YC_STORE_PATH_MAX);
    YC_ENSURE(len > 0 && len <= YC_STORE_PATH_MAX - 64, YC_ERR_INVALID);
    char lmdb[YC_STORE_PATH_MAX], file[YC_STORE_PATH_MAX];
    int n = snprintf(lmdb, sizeof lmdb, "%s/lmdb", data_dir);
    YC_ENSURE(n > 0 && (size_t)n < sizeof lmdb, YC_ERR_INVALID);
    n = snprintf(file, sizeof file, "%s/data.mdb", lmdb);
    YC_ENSURE(n > 0 && (size_t)n < sizeof file, YC_ERR_INVALID);
    struct stat sb;
    /* mdb_env_open would create an empty environment: never here. */
    if (stat(file, &sb) != 0)
        return errno == ENOENT || errno == ENOTDIR ? YC_ERR_NOT_FOUND : YC_ERR_IO;
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_from_mdb(mdb_env_create(&env)));
    int rc = mdb_env_set_maxdbs(env, 32);
    /* Map size 0: the size recorded in the file. */
    if (rc == 0)
        rc = mdb_env_open(env, lmdb, MDB_NOTLS | MDB_RDONLY, 0600);
    if (rc == 0 && yc_store_env_check_size(env) != YC_OK)
        rc = MDB_INVALID; /* cut short: a read would fault (SIGBUS) */
    if (rc == 0)
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    MDB_dbi meta;
    if (rc == 0)
        rc = mdb_dbi_open(txn, "meta", 0, &meta);
    yc_err rv = rc == MDB_NOTFOUND ? YC_ERR_STORE : yc_store_from_mdb(rc);
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH || rc == MDB_INCOMPATIBLE)
        rv = YC_ERR_STORE;
    if (rv == YC_OK) {
        static const char key[] = "schema_version";
        MDB_val k = {sizeof key - 1, (void *)(uintptr_t)key}, v;
        rv = yc_store_from_mdb(mdb_get(txn, meta, &k, &v));
        if (rv == YC_OK && v.mv_size != 4)
            rv = YC_ERR_STORE;
        if (rv == YC_OK) {
            const uint8_t *b = v.mv_data;
            *ret_version =
                (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        }
    }
    if (txn != NULL)
        mdb_txn_abort(txn);
    mdb_env_close(env);
    return rv;
}
