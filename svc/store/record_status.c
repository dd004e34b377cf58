/* Record status changes by id and the `record_ids` index (include/yrdcredit/store_objection.h).
 *
 * `record_ids`: key = record_id (u64 BE).  Value, codec version 1:
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   8 status_ms (i64 LE, >= 0): when the record got its current status
 *     9     subject_id (1..YC_SUBJECT_ID_MAX printable ASCII bytes, no NUL, no length byte)
 *
 * The table is created by yc_store_init_dir() or by the first writer of an older directory
 * (yc_store_recids_ensure()); in that case the same write transaction fills it from every
 * `records` key, so from its first commit on it names every current record, and every ingest
 * (which calls yc_store_recids_ensure() before its own transaction) keeps it so.
 */
#include <string.h>

#include "codec.h"
#include "objection_int.h"
#include "store_int.h"
#include "yrdcredit/date.h"
#include "yrdcredit/store_objection.h"

enum {
    CODEC_VERSION = 1,
    IDX_HEADER_LEN = 9,
    IDX_VAL_MAX = IDX_HEADER_LEN + YC_SUBJECT_ID_MAX,
};

static const char DB_RECORD_IDS[] = "record_ids";

static bool sid_ok(const uint8_t *s, size_t n)
{
    if (n == 0 || n > YC_SUBJECT_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

/* Decode an index value: the subject id (NUL-terminated copy) and status_ms. */
static yc_err idx_decode(const MDB_val *v, char sid[static YC_SUBJECT_ID_MAX + 1], int64_t *ret_ms)
{
    const uint8_t *b = v->mv_data;
    YC_ENSURE(v->mv_size > IDX_HEADER_LEN && v->mv_size <= IDX_VAL_MAX, YC_ERR_STORE);
    YC_ENSURE(b[0] == CODEC_VERSION, YC_ERR_STORE);
    const int64_t ms = (int64_t)yc_codec_get_le(b + 1, 8);
    YC_ENSURE(ms >= 0, YC_ERR_STORE);
    const size_t n = v->mv_size - IDX_HEADER_LEN;
    YC_ENSURE(sid_ok(b + IDX_HEADER_LEN, n), YC_ERR_STORE);
    memcpy(sid, b + IDX_HEADER_LEN, n);
    sid[n] = '\0';
    *ret_ms = ms;
    return YC_OK;
}

yc_err yc_store_recids_txn_put(yc_store *st, MDB_txn *txn, uint64_t record_id, const char *sid,
                               int64_t status_ms)
{
    YC_ENSURE(atomic_load_explicit(&st->recids_ready, memory_order_acquire), YC_ERR_INTERNAL);
    const size_t n = strnlen(sid, YC_SUBJECT_ID_MAX + 1);
    YC_ENSURE(sid_ok((const uint8_t *)sid, n) && status_ms >= 0, YC_ERR_INVALID);
    uint8_t key[8], val[IDX_VAL_MAX];
    yc_codec_put_u64be(key, record_id);
    val[0] = CODEC_VERSION;
    yc_codec_put_le(val + 1, (uint64_t)status_ms, 8);
    memcpy(val + IDX_HEADER_LEN, sid, n);
    MDB_val k = {sizeof key, key}, v = {IDX_HEADER_LEN + n, val};
    return yc_store_from_mdb(mdb_put(txn, st->record_ids, &k, &v, 0));
}

/* Fill a new, empty `record_ids` from every `records` key (one write transaction). */
static yc_err recids_fill(yc_store *st, MDB_txn *txn, MDB_dbi idx)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->records, &cur)));
    const int64_t now = yc_clock_now_ms();
    yc_err rv = YC_OK;
    MDB_val k, v;
    int rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        size_t sid_len = 0;
        uint64_t rid = 0;
        if ((rv = yc_codec_record_key_parse(k.mv_data, k.mv_size, &sid_len, &rid)) != YC_OK)
            break;
        uint8_t key[8], val[IDX_VAL_MAX];
        yc_codec_put_u64be(key, rid);
        val[0] = CODEC_VERSION;
        yc_codec_put_le(val + 1, (uint64_t)(now < 0 ? 0 : now), 8);
        memcpy(val + IDX_HEADER_LEN, k.mv_data, sid_len);
        MDB_val ik = {sizeof key, key}, iv = {IDX_HEADER_LEN + sid_len, val};
        /* the put does not move the records cursor (another table) */
        if ((rv = yc_store_from_mdb(mdb_put(txn, idx, &ik, &iv, 0))) != YC_OK)
            break;
    }
    if (rv == YC_OK && rc != MDB_NOTFOUND)
        rv = yc_store_from_mdb(rc);
    mdb_cursor_close(cur);
    return rv;
}

yc_err yc_store_recids_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags, bool *ret_found)
{
    MDB_dbi d = 0;
    int rc = mdb_dbi_open(txn, DB_RECORD_IDS, flags, &d);
    if (rc == MDB_NOTFOUND && (flags & MDB_CREATE) == 0) {
        *ret_found = false;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    if ((flags & MDB_CREATE) != 0) {
        /* new (or never filled): fill it from `records` in this transaction */
        MDB_stat si;
        YC_TRY(yc_store_from_mdb(mdb_stat(txn, d, &si)));
        if (si.ms_entries == 0)
            YC_TRY(recids_fill(st, txn, d));
    }
    st->record_ids = d;
    *ret_found = true;
    return YC_OK;
}

yc_err yc_store_recids_ensure(yc_store *st)
{
    return yc_store_tables_ensure(st, &st->recids_ready, yc_store_recids_open_dbis, true);
}

yc_err yc_store_record_txn_get(yc_store *st, MDB_txn *txn, uint64_t record_id, yc_record *ret,
                               int64_t *ret_status_ms)
{
    YC_ENSURE(record_id != 0, YC_ERR_NOT_FOUND);
    uint8_t key[8];
    yc_codec_put_u64be(key, record_id);
    MDB_val k = {sizeof key, key}, v;
    YC_TRY(yc_store_from_mdb(mdb_get(txn, st->record_ids, &k, &v)));
    char sid[YC_SUBJECT_ID_MAX + 1];
    int64_t ms = 0;
    YC_TRY(idx_decode(&v, sid, &ms));
    uint8_t rkey[YC_CODEC_RECORD_KEY_MAX];
    MDB_val rk = {yc_codec_record_key(sid, strlen(sid), record_id, rkey), rkey}, rv;
    /* an index entry of a record purged since: not found */
    YC_TRY(yc_store_from_mdb(mdb_get(txn, st->records, &rk, &rv)));
    YC_TRY(yc_codec_record_decode(rv.mv_data, rv.mv_size, ret));
    YC_ENSURE(ret->record_id == record_id, YC_ERR_STORE);
    memcpy(ret->subject_id, sid, strlen(sid) + 1);
    if (ret_status_ms != NULL)
        *ret_status_ms = ms;
    return YC_OK;
}

yc_err yc_store_record_get(yc_store *st, uint64_t record_id, yc_record *ret, int64_t *ret_status_ms)
{
    YC_ENSURE(record_id != 0, YC_ERR_NOT_FOUND);
    YC_TRY(yc_store_recids_ensure(st));
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, MDB_RDONLY, &txn));
    yc_record r;
    int64_t ms = 0;
    yc_err rv = yc_store_record_txn_get(st, txn, record_id, &r, &ms);
    yc_store_txn_abort(st, txn);
    YC_TRY(rv);
    *ret = r;
    if (ret_status_ms != NULL)
        *ret_status_ms = ms;
    return YC_OK;
}

yc_err yc_store_record_txn_set_status(yc_store *st, MDB_txn *txn, uint64_t record_id,
                                      unsigned from_mask, yc_status to, int64_t now_ms,
                                      yc_record *ret_new)
{
    yc_record rec;
    YC_TRY(yc_store_record_txn_get(st, txn, record_id, &rec, NULL));
    YC_ENSURE((unsigned)rec.status < YC_STATUS_COUNT, YC_ERR_STORE);
    YC_ENSURE((from_mask & YC_STATUS_BIT(rec.status)) != 0 && rec.status != to, YC_ERR_CONFLICT);
    YC_ENSURE(rec.version >= 1 && rec.version < UINT32_MAX, YC_ERR_STORE);
    const size_t sid_len = strlen(rec.subject_id);
    /* the current value, re-encoded from its canonical decoding, goes to `history` */
    uint8_t old[YC_CODEC_RECORD_MAX], val[YC_CODEC_RECORD_MAX];
    size_t old_len = 0, len = 0;
    YC_TRY(yc_codec_record_encode(&rec, old, sizeof old, &old_len));
    uint8_t hkey[YC_CODEC_HISTORY_KEY_LEN], hval[YC_CODEC_HISTORY_VAL_MAX];
    yc_codec_history_key(record_id, rec.version, hkey);
    MDB_val hk = {sizeof hkey, hkey},
            hv = {yc_codec_history_val(rec.subject_id, sid_len, old, old_len, hval), hval};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->history, &hk, &hv, 0)));
    rec.status = to;
    rec.version++;
    YC_TRY(yc_codec_record_encode(&rec, val, sizeof val, &len));
    uint8_t rkey[YC_CODEC_RECORD_KEY_MAX];
    MDB_val rk = {yc_codec_record_key(rec.subject_id, sid_len, record_id, rkey), rkey},
            rv = {len, val};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->records, &rk, &rv, 0)));
    YC_TRY(yc_store_recids_txn_put(st, txn, record_id, rec.subject_id, now_ms < 0 ? 0 : now_ms));
    YC_TRY(yc_store_records_txn_touch(st, txn));
    if (ret_new != NULL)
        *ret_new = rec;
    return YC_OK;
}

yc_err yc_store_record_set_status(yc_store *st, uint64_t record_id, unsigned from_mask,
                                  yc_status to, yc_record *ret_new)
{
    YC_ENSURE((unsigned)to < YC_STATUS_COUNT, YC_ERR_INVALID);
    YC_ENSURE(from_mask != 0 && (from_mask >> YC_STATUS_COUNT) == 0, YC_ERR_INVALID);
    YC_ENSURE(record_id != 0, YC_ERR_NOT_FOUND);
    YC_TRY(yc_store_recids_ensure(st));
    yc_record rec;
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, 0, &txn));
    yc_err rv =
        yc_store_record_txn_set_status(st, txn, record_id, from_mask, to, yc_clock_now_ms(), &rec);
    if (rv != YC_OK) {
        yc_store_txn_abort(st, txn);
        return rv;
    }
    YC_TRY(yc_store_from_mdb(yc_store_txn_commit(st, txn)));
    if (ret_new != NULL)
        *ret_new = rec;
    return YC_OK;
}
