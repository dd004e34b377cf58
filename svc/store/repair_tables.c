/* Credit repair applications (include/yrdcredit/store_repair.h): codec, shape checks, the
 * synchronous writes and the listings.
 *
 * `repairs`: key = repair id (25 bytes).  Value, codec version 2: the 32-byte header below
 * in clear with byte 0 = 2 (the listing filters on its status byte), then the strings sealed
 * as one box (yc_store_text_seal() of objection_int.h: the store's seal key, associated data
 * = id + header), so no commitment, evidence or reason is in clear in data.mdb.  Opened, it
 * is the codec version 1 value of yc_store_repair_encode() (32-byte header, then strings,
 * each a u16 LE length + bytes without NUL); a version 1 value is still read as it is (the
 * tables are new in issue 6, so released data dirs hold none):
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   1 status (0 pending, 1 approved, 2 rejected)
 *     2   1 n_evidence (1..YC_REPAIR_EVIDENCE_MAX)
 *     3   5 reserved, 0
 *     8   8 record_id (u64 LE, >= 1)
 *    16   8 filed_at_ms (i64 LE, >= 0)
 *    24   8 decided_at_ms (i64 LE; 0 while pending)
 *    32     subject_id, commitment, evidence[0..n_evidence), decided_by, reason
 *
 * `repairs_by_subject`: key = subject_id, 0x00, filed_at_ms (u64 BE), repair id; value = the
 * codec version byte.
 *
 * The tables are created by the first yc_store_repair_put() (yc_store_tables_ensure()); the
 * handles are published by repair_ready, as for the other issue 6 tables.
 */
#include <stdint.h>
#include <string.h>

#include "access_int.h"
#include "codec.h"
#include "objection_int.h"
#include "store_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/store_objection.h"
#include "yrdcredit/store_repair.h"
#include "yrdcredit/text.h"

enum {
    CODEC_VERSION = 1,
    HEADER_LEN = 32,
    SUBJ_KEY_MAX = YC_SUBJECT_ID_MAX + 1 + 8 + YC_REPAIR_ID_LEN,
};

static const char DB_REPAIRS[] = "repairs";
static const char DB_REPAIRS_SUBJ[] = "repairs_by_subject";

static const char *const status_names[YC_REPAIR_STATUS_COUNT] = {"pending", "approved", "rejected"};

const char *yc_repair_status_name(yc_repair_status s)
{
    return (int)s >= 0 && s < YC_REPAIR_STATUS_COUNT ? status_names[s] : "unknown";
}

yc_err yc_repair_status_parse(const char *s, size_t len, yc_repair_status *ret)
{
    YC_ENSURE(s != NULL && ret != NULL, YC_ERR_INVALID);
    for (int i = 0; i < YC_REPAIR_STATUS_COUNT; i++) {
        if (strlen(status_names[i]) == len && memcmp(s, status_names[i], len) == 0) {
            *ret = (yc_repair_status)i;
            return YC_OK;
        }
    }
    return YC_ERR_INVALID;
}

/* ---- shape checks ---- */

bool yc_repair_text_ok(const char *s, size_t max)
{
    if (s == NULL)
        return false;
    const size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return false;
    _Static_assert(YC_REPAIR_DIGIT_RUN_MAX == YC_TEXT_DIGIT_RUN_MAX,
                   "one rule for every free text");
    return yc_text_free_ok(s, n);
}

bool yc_repair_id_ok(const char *id)
{
    const size_t plen = sizeof YC_REPAIR_ID_PREFIX - 1;
    return id != NULL && strnlen(id, YC_REPAIR_ID_LEN + 1) == YC_REPAIR_ID_LEN &&
           memcmp(id, YC_REPAIR_ID_PREFIX, plen) == 0 &&
           yc_store_b64url_id_chars_ok(id + plen, YC_REPAIR_ID_LEN - plen);
}

static bool client_id_ok(const char *id)
{
    return strnlen(id, YC_REPAIR_CLIENT_ID_LEN + 1) == YC_REPAIR_CLIENT_ID_LEN &&
           memcmp(id, "cl_", 3) == 0 &&
           yc_store_b64url_id_chars_ok(id + 3, YC_REPAIR_CLIENT_ID_LEN - 3);
}

/* NUL-terminated within its array of cap bytes. */
#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

yc_err yc_store_repair_check_shape(const yc_store_repair *r)
{
    YC_ENSURE(r != NULL, YC_ERR_INVALID);
    YC_ENSURE(TERMINATED(r->id) && yc_repair_id_ok(r->id), YC_ERR_INVALID);
    YC_ENSURE(r->record_id >= 1, YC_ERR_INVALID);
    YC_ENSURE(TERMINATED(r->subject_id) && yc_store_access_subject_ok(r->subject_id),
              YC_ERR_INVALID);
    YC_ENSURE(TERMINATED(r->commitment) &&
                  yc_repair_text_ok(r->commitment, YC_REPAIR_COMMITMENT_MAX),
              YC_ERR_INVALID);
    YC_ENSURE(r->n_evidence >= 1 && r->n_evidence <= YC_REPAIR_EVIDENCE_MAX, YC_ERR_INVALID);
    for (size_t i = 0; i < r->n_evidence; i++)
        YC_ENSURE(TERMINATED(r->evidence[i]) &&
                      yc_repair_text_ok(r->evidence[i], YC_REPAIR_EVIDENCE_ITEM_MAX),
                  YC_ERR_INVALID);
    YC_ENSURE(r->filed_at_ms >= 0, YC_ERR_INVALID);
    YC_ENSURE(TERMINATED(r->decided_by) && TERMINATED(r->reason), YC_ERR_INVALID);
    switch (r->status) {
    case YC_REPAIR_PENDING:
        YC_ENSURE(r->decided_by[0] == '\0' && r->reason[0] == '\0' && r->decided_at_ms == 0,
                  YC_ERR_INVALID);
        return YC_OK;
    case YC_REPAIR_APPROVED:
    case YC_REPAIR_REJECTED:
        YC_ENSURE(client_id_ok(r->decided_by) && r->decided_at_ms >= r->filed_at_ms,
                  YC_ERR_INVALID);
        YC_ENSURE((r->status == YC_REPAIR_APPROVED && r->reason[0] == '\0') ||
                      yc_repair_text_ok(r->reason, YC_REPAIR_REASON_MAX),
                  YC_ERR_INVALID);
        return YC_OK;
    default:
        return YC_ERR_INVALID;
    }
}

/* ---- codec ---- */

static size_t put_str(uint8_t *p, const char *s)
{
    const size_t n = strlen(s); /* shape-checked: at most YC_REPAIR_COMMITMENT_MAX bytes */
    yc_codec_put_le(p, n, 2);
    memcpy(p + 2, s, n);
    return n + 2;
}

static yc_err get_str(const uint8_t *v, size_t len, size_t *off, char *dst, size_t cap)
{
    YC_ENSURE(len - *off >= 2, YC_ERR_STORE);
    const size_t n = (size_t)yc_codec_get_le(v + *off, 2);
    YC_ENSURE(n < cap && len - *off - 2 >= n, YC_ERR_STORE);
    YC_ENSURE(memchr(v + *off + 2, '\0', n) == NULL, YC_ERR_STORE);
    memcpy(dst, v + *off + 2, n);
    dst[n] = '\0';
    *off += n + 2;
    return YC_OK;
}

yc_err yc_store_repair_encode(const yc_store_repair *r, uint8_t out[static YC_REPAIR_VAL_MAX],
                              size_t *ret_len)
{
    YC_ENSURE(ret_len != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_repair_check_shape(r));
    memset(out, 0, HEADER_LEN);
    out[0] = CODEC_VERSION;
    out[1] = r->status;
    out[2] = (uint8_t)r->n_evidence;
    yc_codec_put_le(out + 8, r->record_id, 8);
    yc_codec_put_le(out + 16, (uint64_t)r->filed_at_ms, 8);
    yc_codec_put_le(out + 24, (uint64_t)r->decided_at_ms, 8);
    size_t off = HEADER_LEN;
    off += put_str(out + off, r->subject_id);
    off += put_str(out + off, r->commitment);
    for (size_t i = 0; i < r->n_evidence; i++)
        off += put_str(out + off, r->evidence[i]);
    off += put_str(out + off, r->decided_by);
    off += put_str(out + off, r->reason);
    *ret_len = off;
    return YC_OK;
}

yc_err yc_store_repair_decode(const char *id, const uint8_t *val, size_t len, yc_store_repair *ret)
{
    YC_ENSURE(id != NULL && val != NULL && ret != NULL, YC_ERR_STORE);
    YC_ENSURE(len >= HEADER_LEN && val[0] == CODEC_VERSION, YC_ERR_STORE);
    for (size_t i = 3; i < 8; i++)
        YC_ENSURE(val[i] == 0, YC_ERR_STORE);
    YC_ENSURE(val[2] >= 1 && val[2] <= YC_REPAIR_EVIDENCE_MAX, YC_ERR_STORE);
    YC_ENSURE(strnlen(id, YC_REPAIR_ID_LEN + 1) == YC_REPAIR_ID_LEN, YC_ERR_STORE);
    memset(ret, 0, sizeof *ret);
    memcpy(ret->id, id, YC_REPAIR_ID_LEN);
    ret->status = val[1];
    ret->n_evidence = val[2];
    ret->record_id = yc_codec_get_le(val + 8, 8);
    ret->filed_at_ms = (int64_t)yc_codec_get_le(val + 16, 8);
    ret->decided_at_ms = (int64_t)yc_codec_get_le(val + 24, 8);
    size_t off = HEADER_LEN;
    YC_TRY(get_str(val, len, &off, ret->subject_id, sizeof ret->subject_id));
    YC_TRY(get_str(val, len, &off, ret->commitment, sizeof ret->commitment));
    for (size_t i = 0; i < ret->n_evidence; i++)
        YC_TRY(get_str(val, len, &off, ret->evidence[i], sizeof ret->evidence[i]));
    YC_TRY(get_str(val, len, &off, ret->decided_by, sizeof ret->decided_by));
    YC_TRY(get_str(val, len, &off, ret->reason, sizeof ret->reason));
    YC_ENSURE(off == len, YC_ERR_STORE);
    YC_ENSURE(yc_store_repair_check_shape(ret) == YC_OK, YC_ERR_STORE);
    return YC_OK;
}

/* ---- handles ---- */

static yc_err open_dbis(yc_store *st, MDB_txn *txn, unsigned flags, bool *ret_found)
{
    MDB_dbi a = 0, b = 0;
    int rc = mdb_dbi_open(txn, DB_REPAIRS, flags, &a);
    if (rc == 0)
        rc = mdb_dbi_open(txn, DB_REPAIRS_SUBJ, flags, &b);
    if (rc == MDB_NOTFOUND && (flags & MDB_CREATE) == 0) {
        *ret_found = false;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    st->repairs = a;
    st->repairs_subj = b;
    *ret_found = true;
    return YC_OK;
}

static bool ready(yc_store *st)
{
    return atomic_load_explicit(&st->repair_ready, memory_order_acquire);
}

/* Create (writers) or adopt (readers: only tables another process created) the handles. */
static yc_err ensure(yc_store *st, bool create)
{
    return yc_store_tables_ensure(st, &st->repair_ready, open_dbis, create);
}

static size_t subj_key(const yc_store_repair *r, uint8_t out[static SUBJ_KEY_MAX])
{
    const size_t n = strlen(r->subject_id);
    memcpy(out, r->subject_id, n);
    out[n] = 0;
    yc_codec_put_u64be(out + n + 1, (uint64_t)r->filed_at_ms);
    memcpy(out + n + 9, r->id, YC_REPAIR_ID_LEN);
    return n + 9 + YC_REPAIR_ID_LEN;
}

static yc_err txn_get(yc_store *st, MDB_txn *txn, const char *id, yc_store_repair *ret)
{
    MDB_val k = {YC_REPAIR_ID_LEN, (void *)(uintptr_t)id}, v;
    int rc = mdb_get(txn, st->repairs, &k, &v);
    if (rc == MDB_NOTFOUND)
        return YC_ERR_NOT_FOUND;
    YC_TRY(yc_store_from_mdb(rc));
    uint8_t plain[YC_REPAIR_VAL_MAX];
    size_t plen = 0;
    YC_TRY(yc_store_text_open(st, id, YC_REPAIR_ID_LEN, v.mv_data, v.mv_size, HEADER_LEN, plain,
                              sizeof plain, &plen));
    return yc_store_repair_decode(id, plain, plen, ret);
}

static yc_err txn_put(yc_store *st, MDB_txn *txn, const yc_store_repair *r, unsigned flags)
{
    uint8_t plain[YC_REPAIR_VAL_MAX], val[YC_REPAIR_VAL_MAX + YC_SEAL_OVERHEAD];
    size_t plen = 0, vlen = 0;
    YC_TRY(yc_store_repair_encode(r, plain, &plen));
    YC_TRY(yc_store_text_seal(st, r->id, YC_REPAIR_ID_LEN, plain, plen, HEADER_LEN, val, &vlen));
    MDB_val k = {YC_REPAIR_ID_LEN, (void *)(uintptr_t)r->id}, v = {vlen, val};
    int rc = mdb_put(txn, st->repairs, &k, &v, flags);
    if (rc == MDB_KEYEXIST)
        return YC_ERR_CONFLICT;
    return yc_store_from_mdb(rc);
}

/* Calls fn for each repair id of a subject in key order (oldest filing first), starting
 * after the entry of key from[0..from_len) when from_len > 0; fn returns false to stop. */
typedef bool (*subj_fn)(void *ctx, const char *id);

static yc_err walk_subject(yc_store *st, MDB_txn *txn, const char *sid, const uint8_t *from,
                           size_t from_len, subj_fn fn, void *ctx)
{
    const size_t sl = strlen(sid);
    uint8_t start[SUBJ_KEY_MAX];
    size_t start_len = sl + 1;
    memcpy(start, sid, sl);
    start[sl] = 0;
    if (from_len > 0) {
        memcpy(start, from, from_len);
        start_len = from_len;
    }
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->repairs_subj, &cur)));
    MDB_val k = {start_len, start}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && from_len > 0 && k.mv_size == from_len && memcmp(k.mv_data, from, from_len) == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    yc_err rv = YC_OK;
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kb = k.mv_data;
        if (k.mv_size < sl + 1 || memcmp(kb, sid, sl) != 0 || kb[sl] != 0)
            break; /* past the subject */
        if (k.mv_size != sl + 9 + YC_REPAIR_ID_LEN) {
            rv = YC_ERR_STORE;
            break;
        }
        char id[YC_REPAIR_ID_LEN + 1];
        memcpy(id, kb + sl + 9, YC_REPAIR_ID_LEN);
        id[YC_REPAIR_ID_LEN] = '\0';
        if (!fn(ctx, id))
            break;
    }
    if (rv == YC_OK && rc != 0 && rc != MDB_NOTFOUND)
        rv = yc_store_from_mdb(rc);
    mdb_cursor_close(cur);
    return rv;
}

/* ---- writes ---- */

typedef struct pending_scan {
    yc_store *st;
    MDB_txn *txn;
    uint64_t record_id;
    bool found;
    size_t count;
    yc_err rv;
} pending_scan;

static bool scan_one(void *ctx, const char *id)
{
    pending_scan *ps = ctx;
    yc_store_repair r;
    ps->rv = txn_get(ps->st, ps->txn, id, &r);
    if (ps->rv == YC_ERR_NOT_FOUND)
        ps->rv = YC_ERR_STORE; /* an index entry without its application */
    if (ps->rv != YC_OK)
        return false;
    if (r.status == YC_REPAIR_PENDING) {
        ps->count++;
        if (r.record_id == ps->record_id)
            ps->found = true;
    }
    return true;
}

yc_err yc_store_repair_put(yc_store *st, const yc_store_repair *r)
{
    YC_ENSURE(st != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_repair_check_shape(r));
    YC_ENSURE(r->status == YC_REPAIR_PENDING, YC_ERR_INVALID);
    YC_TRY(ensure(st, true));
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, 0, &txn));
    pending_scan ps = {.st = st, .txn = txn, .record_id = r->record_id};
    yc_err rv = walk_subject(st, txn, r->subject_id, NULL, 0, scan_one, &ps);
    if (rv == YC_OK)
        rv = ps.rv;
    if (rv == YC_OK && ps.found)
        rv = YC_ERR_CONFLICT;
    if (rv == YC_OK)
        rv = txn_put(st, txn, r, MDB_NOOVERWRITE);
    if (rv == YC_OK) {
        uint8_t key[SUBJ_KEY_MAX], one = CODEC_VERSION;
        MDB_val k = {subj_key(r, key), key}, v = {1, &one};
        rv = yc_store_from_mdb(mdb_put(txn, st->repairs_subj, &k, &v, MDB_NOOVERWRITE));
    }
    if (rv != YC_OK) {
        yc_store_txn_abort(st, txn);
        return rv;
    }
    return yc_store_from_mdb(yc_store_txn_commit(st, txn));
}

yc_err yc_store_repair_get(yc_store *st, const char *id, yc_store_repair *ret)
{
    YC_ENSURE(st != NULL && id != NULL && ret != NULL, YC_ERR_INVALID);
    YC_ENSURE(yc_repair_id_ok(id), YC_ERR_NOT_FOUND);
    YC_TRY(ensure(st, false));
    YC_ENSURE(ready(st), YC_ERR_NOT_FOUND);
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, MDB_RDONLY, &txn));
    yc_store_repair r;
    yc_err rv = txn_get(st, txn, id, &r);
    yc_store_txn_abort(st, txn);
    if (rv == YC_OK)
        *ret = r;
    return rv;
}

/* An approval moves the record to repaired in the application's own write transaction (issue 7
 * item 5: two transactions left a record repaired under a pending application after a kill).
 * A record already repaired (such an interrupted approval) is left as it is, and so is a record
 * no longer stored (the API refuses that approval before; the store only decides). */
static yc_err approve_record_txn(yc_store *st, MDB_txn *txn, uint64_t record_id, int64_t now_ms)
{
    yc_record cur;
    const yc_err rv = yc_store_record_txn_get(st, txn, record_id, &cur, NULL);
    if (rv == YC_ERR_NOT_FOUND || (rv == YC_OK && cur.status == YC_STATUS_REPAIRED))
        return YC_OK;
    YC_TRY(rv);
    return yc_store_record_txn_set_status(st, txn, record_id, YC_STATUS_BIT(YC_STATUS_ACTIVE),
                                          YC_STATUS_REPAIRED, now_ms, NULL);
}

yc_err yc_store_repair_decide(yc_store *st, const char *id, yc_repair_status to,
                              const char *decided_by, int64_t decided_at_ms, const char *reason,
                              yc_store_repair *ret)
{
    YC_ENSURE(st != NULL && id != NULL && decided_by != NULL && reason != NULL, YC_ERR_INVALID);
    YC_ENSURE(to == YC_REPAIR_APPROVED || to == YC_REPAIR_REJECTED, YC_ERR_INVALID);
    YC_ENSURE(strnlen(decided_by, YC_REPAIR_CLIENT_ID_LEN + 1) <= YC_REPAIR_CLIENT_ID_LEN &&
                  strnlen(reason, YC_REPAIR_REASON_MAX + 1) <= YC_REPAIR_REASON_MAX,
              YC_ERR_INVALID);
    YC_ENSURE(yc_repair_id_ok(id), YC_ERR_NOT_FOUND);
    YC_TRY(ensure(st, false));
    YC_ENSURE(ready(st), YC_ERR_NOT_FOUND);
    if (to == YC_REPAIR_APPROVED)
        YC_TRY(yc_store_recids_ensure(st));
    yc_store_repair *r = yc_alloc(sizeof *r); /* about 3 KiB: off the worker's stack */
    YC_ENSURE(r != NULL, YC_ERR_NOMEM);
    MDB_txn *txn = NULL;
    yc_err rv = yc_store_txn_begin(st, 0, &txn);
    if (rv != YC_OK)
        goto out;
    rv = txn_get(st, txn, id, r);
    if (rv == YC_OK && r->status != YC_REPAIR_PENDING)
        rv = YC_ERR_CONFLICT;
    if (rv == YC_OK) {
        r->status = (uint8_t)to;
        memcpy(r->decided_by, decided_by, strlen(decided_by) + 1);
        memcpy(r->reason, reason, strlen(reason) + 1);
        r->decided_at_ms = decided_at_ms;
        rv = yc_store_repair_check_shape(r);
    }
    if (rv == YC_OK && to == YC_REPAIR_APPROVED)
        rv = approve_record_txn(st, txn, r->record_id, decided_at_ms);
    if (rv == YC_OK)
        rv = txn_put(st, txn, r, 0);
    if (rv != YC_OK) {
        yc_store_txn_abort(st, txn);
        goto out;
    }
    rv = yc_store_from_mdb(yc_store_txn_commit(st, txn));
    if (rv == YC_OK && ret != NULL)
        *ret = *r;
out:
    yc_free(r);
    return rv;
}

/* ---- listings ---- */

typedef struct page {
    yc_store *st;
    MDB_txn *txn;
    yc_store_repair *arr;
    size_t n, limit;
    bool more;
    int status; /* YC_REPAIR_STATUS_COUNT: any */
    yc_err rv;
} page;

static bool page_add(void *ctx, const char *id)
{
    page *pg = ctx;
    if (pg->n == pg->limit) {
        pg->more = true;
        return false;
    }
    pg->rv = txn_get(pg->st, pg->txn, id, &pg->arr[pg->n]);
    if (pg->rv == YC_ERR_NOT_FOUND)
        pg->rv = YC_ERR_STORE;
    if (pg->rv != YC_OK)
        return false;
    pg->n++;
    return true;
}

/* Hand the page over: the cursor is the last id when more follow. */
static yc_err page_finish(page *pg, yc_store_repair **ret, size_t *ret_n,
                          char ret_next[static YC_REPAIR_CURSOR_MAX + 1])
{
    ret_next[0] = '\0';
    if (pg->more)
        memcpy(ret_next, pg->arr[pg->n - 1].id, YC_REPAIR_ID_LEN + 1);
    if (pg->n == 0) {
        yc_free(pg->arr);
        pg->arr = NULL;
    }
    *ret = pg->arr;
    *ret_n = pg->n;
    pg->arr = NULL;
    return YC_OK;
}

static yc_err page_begin(yc_store *st, size_t limit, page *pg, bool *ret_empty)
{
    *pg = (page){.st = st, .limit = limit};
    YC_TRY(ensure(st, false));
    *ret_empty = !ready(st);
    if (*ret_empty)
        return YC_OK;
    pg->arr = yc_calloc(limit, sizeof *pg->arr);
    YC_ENSURE(pg->arr != NULL, YC_ERR_NOMEM);
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &pg->txn);
    if (rv != YC_OK) {
        yc_free(pg->arr);
        pg->arr = NULL;
    }
    return rv;
}

yc_err yc_store_repairs_by_subject(yc_store *st, const char *subject_id, const char *cursor,
                                   size_t limit, yc_store_repair **ret, size_t *ret_n,
                                   char ret_next[static YC_REPAIR_CURSOR_MAX + 1])
{
    YC_ENSURE(st != NULL && subject_id != NULL && ret != NULL && ret_n != NULL, YC_ERR_INVALID);
    YC_ENSURE(limit >= 1 && limit <= YC_REPAIR_PAGE_MAX, YC_ERR_INVALID);
    YC_ENSURE(strnlen(subject_id, YC_SUBJECT_ID_MAX + 1) <= YC_SUBJECT_ID_MAX, YC_ERR_INVALID);
    const bool has_cursor = cursor != NULL && cursor[0] != '\0';
    YC_ENSURE(!has_cursor || yc_repair_id_ok(cursor), YC_ERR_INVALID);
    page pg;
    bool empty = false;
    YC_TRY(page_begin(st, limit, &pg, &empty));
    if (empty) {
        YC_ENSURE(!has_cursor, YC_ERR_INVALID);
        *ret = NULL;
        *ret_n = 0;
        ret_next[0] = '\0';
        return YC_OK;
    }
    uint8_t from[SUBJ_KEY_MAX];
    size_t from_len = 0;
    yc_err rv = YC_OK;
    if (has_cursor) { /* the cursor's own index key: its subject and filing time */
        yc_store_repair *c = yc_alloc(sizeof *c);
        rv = c == NULL ? YC_ERR_NOMEM : txn_get(st, pg.txn, cursor, c);
        if (rv == YC_ERR_NOT_FOUND || (rv == YC_OK && strcmp(c->subject_id, subject_id) != 0))
            rv = YC_ERR_INVALID;
        if (rv == YC_OK)
            from_len = subj_key(c, from);
        yc_free(c);
    }
    if (rv == YC_OK)
        rv = walk_subject(st, pg.txn, subject_id, from, from_len, page_add, &pg);
    if (rv == YC_OK)
        rv = pg.rv;
    yc_store_txn_abort(st, pg.txn);
    if (rv == YC_OK)
        return page_finish(&pg, ret, ret_n, ret_next);
    yc_free(pg.arr);
    return rv;
}

static yc_err walk_all(page *pg, const char *cursor)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(pg->txn, pg->st->repairs, &cur)));
    MDB_val k, v;
    int rc;
    if (cursor != NULL) {
        k = (MDB_val){YC_REPAIR_ID_LEN, (void *)(uintptr_t)cursor};
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc == 0 && k.mv_size == YC_REPAIR_ID_LEN && memcmp(k.mv_data, cursor, k.mv_size) == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    } else
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    yc_err rv = YC_OK;
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != YC_REPAIR_ID_LEN) {
            rv = YC_ERR_STORE;
            break;
        }
        const uint8_t *vb = v.mv_data;
        /* the status byte is checked again by the full decode of a kept entry */
        if (pg->status != YC_REPAIR_STATUS_COUNT && (v.mv_size < HEADER_LEN || vb[1] != pg->status))
            continue;
        if (pg->n == pg->limit) {
            pg->more = true;
            break;
        }
        char id[YC_REPAIR_ID_LEN + 1];
        memcpy(id, k.mv_data, YC_REPAIR_ID_LEN);
        id[YC_REPAIR_ID_LEN] = '\0';
        uint8_t plain[YC_REPAIR_VAL_MAX];
        size_t plen = 0;
        if ((rv = yc_store_text_open(pg->st, id, YC_REPAIR_ID_LEN, v.mv_data, v.mv_size, HEADER_LEN,
                                     plain, sizeof plain, &plen)) != YC_OK ||
            (rv = yc_store_repair_decode(id, plain, plen, &pg->arr[pg->n])) != YC_OK)
            break;
        pg->n++;
    }
    if (rv == YC_OK && rc != 0 && rc != MDB_NOTFOUND)
        rv = yc_store_from_mdb(rc);
    mdb_cursor_close(cur);
    return rv;
}

yc_err yc_store_repairs_list(yc_store *st, yc_repair_status status, const char *cursor,
                             size_t limit, yc_store_repair **ret, size_t *ret_n,
                             char ret_next[static YC_REPAIR_CURSOR_MAX + 1])
{
    YC_ENSURE(st != NULL && ret != NULL && ret_n != NULL, YC_ERR_INVALID);
    YC_ENSURE((int)status >= 0 && status <= YC_REPAIR_STATUS_COUNT, YC_ERR_INVALID);
    YC_ENSURE(limit >= 1 && limit <= YC_REPAIR_PAGE_MAX, YC_ERR_INVALID);
    const bool has_cursor = cursor != NULL && cursor[0] != '\0';
    YC_ENSURE(!has_cursor || yc_repair_id_ok(cursor), YC_ERR_INVALID);
    page pg;
    bool empty = false;
    YC_TRY(page_begin(st, limit, &pg, &empty));
    if (empty) {
        *ret = NULL;
        *ret_n = 0;
        ret_next[0] = '\0';
        return YC_OK;
    }
    pg.status = (int)status;
    yc_err rv = walk_all(&pg, has_cursor ? cursor : NULL);
    yc_store_txn_abort(st, pg.txn);
    if (rv == YC_OK)
        return page_finish(&pg, ret, ret_n, ret_next);
    yc_free(pg.arr);
    return rv;
}

yc_err yc_store_repairs_pending_count(yc_store *st, const char *subject_id, size_t *ret_n)
{
    YC_ENSURE(st != NULL && subject_id != NULL && ret_n != NULL, YC_ERR_INVALID);
    YC_ENSURE(strnlen(subject_id, YC_SUBJECT_ID_MAX + 1) <= YC_SUBJECT_ID_MAX, YC_ERR_INVALID);
    YC_TRY(ensure(st, false));
    if (!ready(st)) {
        *ret_n = 0;
        return YC_OK;
    }
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, MDB_RDONLY, &txn));
    pending_scan ps = {.st = st, .txn = txn, .record_id = 0};
    yc_err rv = walk_subject(st, txn, subject_id, NULL, 0, scan_one, &ps);
    if (rv == YC_OK)
        rv = ps.rv;
    yc_store_txn_abort(st, txn);
    if (rv == YC_OK)
        *ret_n = ps.count;
    return rv;
}
