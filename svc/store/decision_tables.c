/* 联合奖惩 decisions (include/yrdcredit/store_decision.h): codec, shape checks, reads.
 *
 * `decisions`: key = decision id (YC_DECISION_ID_LEN bytes, "dec_" + 22 base64url).  Value,
 * codec version 1:
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   n the decision's JSON text, 1..YC_DECISION_JSON_MAX bytes, no NUL
 *
 * The table is created by the first decision put, inside the committer's write transaction
 * (no transaction of its own: opening a data directory or starting the committer writes
 * nothing more than before).  Its handle is looked up by name in each transaction; every
 * mdb_dbi_open() call is made under open_lock, and a read transaction that opens the handle
 * runs entirely under open_lock and is committed (not aborted), so the handle stays open in
 * the environment and later lookups only read the environment's handle list (LMDB's rule for
 * mdb_dbi_open(): no two transactions opening a new handle at once).
 */
#include <string.h>

#include "decision_int.h"
#include "yrdcredit/alloc.h"

enum { DEC_CODEC_VERSION = 1 };

static const char DB_DECISIONS[] = "decisions";

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

static bool is_b64url(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

bool yc_decision_id_is_valid(const char *id, size_t len)
{
    const size_t plen = sizeof YC_DECISION_ID_PREFIX - 1;
    if (id == NULL || len != YC_DECISION_ID_LEN || memcmp(id, YC_DECISION_ID_PREFIX, plen) != 0)
        return false;
    for (size_t i = plen; i < len; i++)
        if (!is_b64url((unsigned char)id[i]))
            return false;
    return true;
}

/* The handle of the table in @p txn; *ret_found false (and YC_OK) when it does not exist and
 * @p flags lacks MDB_CREATE. */
static yc_err open_dbi(MDB_txn *txn, unsigned flags, MDB_dbi *ret, bool *ret_found)
{
    YC_ENSURE(pthread_mutex_lock(&open_lock) == 0, YC_ERR_INTERNAL);
    int rc = mdb_dbi_open(txn, DB_DECISIONS, flags, ret);
    (void)pthread_mutex_unlock(&open_lock);
    if (rc == MDB_NOTFOUND && (flags & MDB_CREATE) == 0) {
        *ret_found = false;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    *ret_found = true;
    return YC_OK;
}

yc_err yc_store_decision_ensure(yc_store *st)
{
    /* open the handle of an existing table once, in a read transaction that is committed so
     * that the handle stays in the environment; a missing table is created by the first put */
    YC_ENSURE(pthread_mutex_lock(&open_lock) == 0, YC_ERR_INTERNAL);
    MDB_txn *txn = NULL;
    MDB_dbi dbi = 0;
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &txn);
    if (rv == YC_OK) {
        int rc = mdb_dbi_open(txn, DB_DECISIONS, 0, &dbi);
        if (rc == 0 || rc == MDB_NOTFOUND)
            rv = yc_store_from_mdb(yc_store_txn_commit(st, txn));
        else {
            yc_store_txn_abort(st, txn);
            rv = yc_store_from_mdb(rc);
        }
    }
    (void)pthread_mutex_unlock(&open_lock);
    return rv;
}

yc_err yc_store_decision_txn_put(yc_store *st, MDB_txn *txn, const char *id, const char *json,
                                 size_t json_len, yc_err *ret_op)
{
    (void)st;
    MDB_dbi dbi = 0;
    bool found = false;
    YC_TRY(open_dbi(txn, MDB_CREATE, &dbi, &found));
    MDB_val k = {YC_DECISION_ID_LEN, (void *)(uintptr_t)id};
    MDB_val v = {json_len + 1, NULL};
    int rc = mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE);
    if (rc == MDB_KEYEXIST) {
        *ret_op = YC_ERR_CONFLICT;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    uint8_t *p = v.mv_data;
    p[0] = DEC_CODEC_VERSION;
    memcpy(p + 1, json, json_len);
    *ret_op = YC_OK;
    return YC_OK;
}

yc_err yc_store_decision_get(yc_store *st, const char *id, char **ret, size_t *ret_len)
{
    YC_ENSURE(st != NULL && id != NULL && ret != NULL && ret_len != NULL, YC_ERR_INVALID);
    YC_ENSURE(yc_decision_id_is_valid(id, strnlen(id, YC_DECISION_ID_LEN + 1)), YC_ERR_INVALID);
    YC_ENSURE(pthread_mutex_lock(&open_lock) == 0, YC_ERR_INTERNAL);
    MDB_txn *txn = NULL;
    char *copy = NULL;
    MDB_dbi dbi = 0;
    MDB_val k = {YC_DECISION_ID_LEN, (void *)(uintptr_t)id}, v = {0, NULL};
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &txn);
    if (rv != YC_OK)
        goto out;
    int rc = mdb_dbi_open(txn, DB_DECISIONS, 0, &dbi);
    if (rc == 0)
        rc = mdb_get(txn, dbi, &k, &v);
    rv = rc == MDB_NOTFOUND ? YC_ERR_NOT_FOUND : yc_store_from_mdb(rc);
    if (rv == YC_OK) {
        const uint8_t *b = v.mv_data;
        /* untrusted bytes from disk */
        if (v.mv_size < 2 || v.mv_size - 1 > YC_DECISION_JSON_MAX || b[0] != DEC_CODEC_VERSION ||
            memchr(b + 1, '\0', v.mv_size - 1) != NULL) {
            rv = YC_ERR_STORE;
        } else if ((copy = yc_alloc(v.mv_size)) == NULL) {
            rv = YC_ERR_NOMEM;
        } else {
            memcpy(copy, b + 1, v.mv_size - 1);
            copy[v.mv_size - 1] = '\0';
        }
    }
    /* committed, not aborted: a handle opened here stays open in the environment */
    int crc = yc_store_txn_commit(st, txn);
    if (rv == YC_OK && crc != 0)
        rv = yc_store_from_mdb(crc);
out:
    (void)pthread_mutex_unlock(&open_lock);
    if (rv == YC_OK) {
        *ret = copy;
        *ret_len = v.mv_size - 1;
    } else {
        yc_free(copy);
    }
    return rv;
}
