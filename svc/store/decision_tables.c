/* 联合奖惩 decisions (include/yrdcredit/store_decision.h): codec, shape checks, reads.
 *
 * `decisions`: key = decision id (YC_DECISION_ID_LEN bytes, "dec_" + 22 base64url).  Value,
 * codec version 1:
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   n the decision's JSON text, 1..YC_DECISION_JSON_MAX bytes, no NUL
 *
 * codec version 2 (issue 6, breaker report defect 1: the decision remembers who asked):
 *
 *     0   1 codec version (2)
 *     1  19 creator: the client id, "cl_" + 16 base64url
 *    20   n the decision's JSON text, 1..YC_DECISION_JSON_MAX - YC_DECISION_CREATOR_HDR bytes
 *
 * The committer's op carries one blob: yc_store_commit_decision_put_with_creator() hands it
 * the value of version 2 without its version byte changed (byte 2, then the creator, then the
 * JSON); yc_store_decision_txn_put() tells the two apart by that first byte, which no JSON text
 * has (a JSON text begins with '{', '[', a letter, a digit, '"', '-' or white space).
 *
 * `decisions` and `shared_batches` (store.c) are created together in one durable write
 * transaction of their own (yc_store_issue5_ensure(), called by the committer's start and by a
 * shared-batch ingest before their own write transactions) or by yc_store_init_dir(); their
 * handles are opened once (yc_store_open() or the ensure transaction) and kept in the yc_store,
 * published by issue5_ready: no later transaction calls mdb_dbi_open() (LMDB: no two
 * transactions may open a handle at once; a handle opened in an aborted one is closed).
 */
#include <string.h>

#include "decision_int.h"
#include "yrdcredit/alloc.h"

enum { DEC_CODEC_VERSION = 1, DEC_CODEC_VERSION_CREATOR = 2 };

static const char DB_DECISIONS[] = "decisions";

static const char DB_SHARED_BATCHES[] = "shared_batches";

bool yc_decision_id_is_valid(const char *id, size_t len)
{
    const size_t plen = sizeof YC_DECISION_ID_PREFIX - 1;
    if (id == NULL || len != YC_DECISION_ID_LEN || memcmp(id, YC_DECISION_ID_PREFIX, plen) != 0)
        return false;
    return yc_store_b64url_id_chars_ok(id + plen, len - plen);
}

yc_err yc_store_issue5_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags, bool *ret_found)
{
    MDB_dbi d = 0, b = 0;
    int rc = mdb_dbi_open(txn, DB_DECISIONS, flags, &d);
    if (rc == 0)
        rc = mdb_dbi_open(txn, DB_SHARED_BATCHES, flags, &b);
    if (rc == MDB_NOTFOUND && (flags & MDB_CREATE) == 0) {
        *ret_found = false;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    st->decisions = d;
    st->shared_batches = b;
    *ret_found = true;
    return YC_OK;
}

bool yc_store_issue5_ready(yc_store *st)
{
    return atomic_load_explicit(&st->issue5_ready, memory_order_acquire);
}

yc_err yc_store_issue5_ensure(yc_store *st)
{
    return yc_store_tables_ensure(st, &st->issue5_ready, yc_store_issue5_open_dbis, true);
}

/* A creator of the version 2 layout: "cl_" + 16 base64url characters. */
static bool creator_ok(const char *s, size_t len)
{
    return len == YC_DECISION_CREATOR_LEN && memcmp(s, "cl_", 3) == 0 &&
           yc_store_b64url_id_chars_ok(s + 3, len - 3);
}

/* Is blob (len bytes) the version 2 blob of yc_store_commit_decision_put_with_creator()? */
static bool blob_has_creator(const char *blob, size_t len)
{
    return len > YC_DECISION_CREATOR_HDR && (uint8_t)blob[0] == DEC_CODEC_VERSION_CREATOR &&
           creator_ok(blob + 1, YC_DECISION_CREATOR_LEN);
}

yc_err yc_store_decision_txn_put(yc_store *st, MDB_txn *txn, const char *id, const char *json,
                                 size_t json_len, yc_err *ret_op)
{
    YC_ENSURE(yc_store_issue5_ready(st), YC_ERR_INTERNAL); /* the committer's start ensured it */
    const bool v2 = blob_has_creator(json, json_len);
    MDB_val k = {YC_DECISION_ID_LEN, (void *)(uintptr_t)id};
    MDB_val v = {v2 ? json_len : json_len + 1, NULL};
    int rc = mdb_put(txn, st->decisions, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE);
    if (rc == MDB_KEYEXIST) {
        *ret_op = YC_ERR_CONFLICT;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    uint8_t *p = v.mv_data;
    if (v2) {
        memcpy(p, json, json_len); /* version byte 2, creator, JSON */
    } else {
        p[0] = DEC_CODEC_VERSION;
        memcpy(p + 1, json, json_len);
    }
    *ret_op = YC_OK;
    return YC_OK;
}

yc_err yc_store_commit_decision_put_with_creator(yc_store_committer *c, const char *id,
                                                 const char *creator, const char *json,
                                                 size_t json_len, yc_store_commit_done_fn done,
                                                 void *ctx)
{
    YC_ENSURE(creator != NULL && json != NULL, YC_ERR_INVALID);
    const size_t clen = strnlen(creator, YC_DECISION_CREATOR_LEN + 1);
    if (clen == 0)
        return yc_store_commit_decision_put(c, id, json, json_len, done, ctx);
    YC_ENSURE(creator_ok(creator, clen), YC_ERR_INVALID);
    YC_ENSURE(json_len >= 1 && json_len <= YC_DECISION_JSON_MAX - YC_DECISION_CREATOR_HDR,
              YC_ERR_INVALID);
    const size_t n = YC_DECISION_CREATOR_HDR + json_len;
    char *blob = yc_alloc(n);
    YC_ENSURE(blob != NULL, YC_ERR_NOMEM);
    blob[0] = (char)DEC_CODEC_VERSION_CREATOR;
    memcpy(blob + 1, creator, YC_DECISION_CREATOR_LEN);
    memcpy(blob + YC_DECISION_CREATOR_HDR, json, json_len);
    yc_err rv = yc_store_commit_decision_put(c, id, blob, n, done, ctx); /* copies blob */
    yc_free(blob);
    return rv;
}

yc_err yc_store_decision_get(yc_store *st, const char *id, char **ret, size_t *ret_len)
{
    char creator[YC_DECISION_CREATOR_LEN + 1];
    return yc_store_decision_get_with_creator(st, id, creator, ret, ret_len);
}

yc_err yc_store_decision_get_with_creator(yc_store *st, const char *id,
                                          char ret_creator[static YC_DECISION_CREATOR_LEN + 1],
                                          char **ret, size_t *ret_len)
{
    YC_ENSURE(st != NULL && id != NULL && ret != NULL && ret_len != NULL && ret_creator != NULL,
              YC_ERR_INVALID);
    YC_ENSURE(yc_decision_id_is_valid(id, strnlen(id, YC_DECISION_ID_LEN + 1)), YC_ERR_INVALID);
    YC_ENSURE(yc_store_issue5_ready(st), YC_ERR_NOT_FOUND); /* no table: no decision */
    MDB_txn *txn = NULL;
    char *copy = NULL;
    MDB_val k = {YC_DECISION_ID_LEN, (void *)(uintptr_t)id}, v = {0, NULL};
    YC_TRY(yc_store_txn_begin(st, MDB_RDONLY, &txn));
    int rc = mdb_get(txn, st->decisions, &k, &v);
    yc_err rv = rc == MDB_NOTFOUND ? YC_ERR_NOT_FOUND : yc_store_from_mdb(rc);
    char creator[YC_DECISION_CREATOR_LEN + 1] = "";
    size_t hdr = 1; /* bytes before the JSON */
    if (rv == YC_OK) {
        const uint8_t *b = v.mv_data;
        /* untrusted bytes from disk */
        if (v.mv_size >= 1 && b[0] == DEC_CODEC_VERSION_CREATOR) {
            hdr = YC_DECISION_CREATOR_HDR;
            if (v.mv_size > hdr && creator_ok((const char *)b + 1, YC_DECISION_CREATOR_LEN)) {
                memcpy(creator, b + 1, YC_DECISION_CREATOR_LEN);
                creator[YC_DECISION_CREATOR_LEN] = '\0';
            } else {
                rv = YC_ERR_STORE;
            }
        } else if (v.mv_size < 1 || b[0] != DEC_CODEC_VERSION) {
            rv = YC_ERR_STORE;
        }
        if (rv != YC_OK || v.mv_size < hdr + 1 || v.mv_size - 1 > YC_DECISION_JSON_MAX ||
            memchr(b + hdr, '\0', v.mv_size - hdr) != NULL) {
            rv = YC_ERR_STORE;
        } else if ((copy = yc_alloc(v.mv_size - hdr + 1)) == NULL) {
            rv = YC_ERR_NOMEM;
        } else {
            memcpy(copy, b + hdr, v.mv_size - hdr);
            copy[v.mv_size - hdr] = '\0';
        }
    }
    yc_store_txn_abort(st, txn);
    if (rv == YC_OK) {
        *ret = copy;
        *ret_len = v.mv_size - hdr;
        memcpy(ret_creator, creator, sizeof creator);
    } else {
        yc_free(copy);
    }
    return rv;
}
