/* Attestation records (include/yrdcredit/store_attest.h): codec, shape checks, reads.
 *
 * `attestations`: key = jti (22 bytes).  Value, codec version 1 (40-byte header, then
 * strings, each a u8 length + bytes without NUL):
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   1 state (yc_attest_state, 0..2)
 *     2   2 reserved, 0
 *     4   4 list (u32 LE, >= 1)
 *     8   4 index (u32 LE)
 *    12   4 reserved, 0
 *    16   8 iat (i64 LE, >= 0)
 *    24   8 exp (i64 LE, > iat)
 *    32   8 state_at (i64 LE, >= 0)
 *    40     subject_id, kid, aud, reason
 *
 * `attest_by_subject`: key = subject_id, 0x00, iat (u64 big-endian), jti; value = the codec
 * version byte (1).  Subject ids are printable ASCII, so the 0x00 separator keeps one
 * subject's keys contiguous and in (iat, jti) order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "store_int.h"
#include "yrdcredit/alloc.h"

enum {
    ATT_CODEC_VERSION = 1,
    ATT_HEADER_LEN = 40,
    ATT_VAL_MAX = ATT_HEADER_LEN + 4 + YC_SUBJECT_ID_MAX + YC_JWK_THUMBPRINT_LEN +
                  YC_ATTEST_AUD_MAX + YC_ATTEST_REASON_MAX,
    SUBJ_KEY_MAX = YC_SUBJECT_ID_MAX + 1 + 8 + YC_ATTEST_JTI_LEN,
};

_Static_assert(YC_ATTEST_AUD_MAX <= UINT8_MAX && YC_ATTEST_REASON_MAX <= UINT8_MAX &&
                   YC_SUBJECT_ID_MAX <= UINT8_MAX && YC_JWK_THUMBPRINT_LEN <= UINT8_MAX,
               "string lengths fit one byte");

static const char DB_ATTEST[] = "attestations";
static const char DB_ATTEST_SUBJ[] = "attest_by_subject";

/* ---- fixed-width integers ---- */

/* ---- shape checks ---- */

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t j = 1; j <= n; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

yc_err yc_store_attest_check_jti(const char *jti)
{
    YC_ENSURE(strnlen(jti, YC_ATTEST_JTI_LEN + 1) == YC_ATTEST_JTI_LEN, YC_ERR_INVALID);
    YC_ENSURE(yc_store_b64url_id_chars_ok(jti, YC_ATTEST_JTI_LEN), YC_ERR_INVALID);
    return YC_OK;
}

yc_err yc_store_attest_check_reason(const char *reason)
{
    size_t n = strnlen(reason, YC_ATTEST_REASON_MAX + 1);
    YC_ENSURE(n <= YC_ATTEST_REASON_MAX, YC_ERR_INVALID);
    YC_ENSURE(utf8_valid((const unsigned char *)reason, n), YC_ERR_INVALID);
    return YC_OK;
}

static bool subject_ok(const char *sid, size_t len)
{
    if (len == 0 || len > YC_SUBJECT_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)sid[i] < 0x21 || (unsigned char)sid[i] > 0x7e)
            return false;
    return true;
}

yc_err yc_store_attest_check(const yc_store_attestation *a)
{
    YC_ENSURE(memchr(a->jti, '\0', sizeof a->jti) != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_attest_check_jti(a->jti));
    size_t sid_len = strnlen(a->subject_id, sizeof a->subject_id);
    YC_ENSURE(sid_len < sizeof a->subject_id && subject_ok(a->subject_id, sid_len), YC_ERR_INVALID);
    size_t kid_len = strnlen(a->kid, sizeof a->kid);
    YC_ENSURE(kid_len > 0 && kid_len < sizeof a->kid &&
                  yc_store_b64url_id_chars_ok(a->kid, kid_len),
              YC_ERR_INVALID);
    YC_ENSURE(strnlen(a->aud, sizeof a->aud) < sizeof a->aud, YC_ERR_INVALID);
    YC_ENSURE(a->iat >= 0 && a->exp > a->iat, YC_ERR_INVALID);
    YC_ENSURE(a->list >= 1, YC_ERR_INVALID);
    YC_ENSURE(a->state <= YC_ATTEST_SUSPENDED, YC_ERR_INVALID);
    YC_ENSURE(a->state_at >= 0, YC_ERR_INVALID);
    YC_ENSURE(strnlen(a->reason, sizeof a->reason) < sizeof a->reason, YC_ERR_INVALID);
    return yc_store_attest_check_reason(a->reason);
}

/* ---- codec ---- */

static size_t put_str(uint8_t *p, const char *s)
{
    size_t n = strlen(s); /* checked <= 255 by yc_store_attest_check() */
    p[0] = (uint8_t)n;
    memcpy(p + 1, s, n);
    return n + 1;
}

/* @p a passed yc_store_attest_check(); @p out has ATT_VAL_MAX bytes. */
static size_t att_encode(const yc_store_attestation *a, uint8_t out[static ATT_VAL_MAX])
{
    memset(out, 0, ATT_HEADER_LEN);
    out[0] = ATT_CODEC_VERSION;
    out[1] = a->state;
    yc_codec_put_le(out + 4, a->list, 4);
    yc_codec_put_le(out + 8, a->index, 4);
    yc_codec_put_le(out + 16, (uint64_t)a->iat, 8);
    yc_codec_put_le(out + 24, (uint64_t)a->exp, 8);
    yc_codec_put_le(out + 32, (uint64_t)a->state_at, 8);
    size_t off = ATT_HEADER_LEN;
    off += put_str(out + off, a->subject_id);
    off += put_str(out + off, a->kid);
    off += put_str(out + off, a->aud);
    off += put_str(out + off, a->reason);
    return off;
}

static yc_err get_str(const uint8_t *v, size_t len, size_t *off, char *dst, size_t cap)
{
    YC_ENSURE(*off < len, YC_ERR_STORE);
    size_t n = v[*off];
    YC_ENSURE(n < cap && len - *off - 1 >= n, YC_ERR_STORE);
    memcpy(dst, v + *off + 1, n);
    dst[n] = '\0';
    YC_ENSURE(memchr(dst, '\0', n) == NULL, YC_ERR_STORE);
    *off += n + 1;
    return YC_OK;
}

/* Untrusted bytes from disk: malformed or out of shape is YC_ERR_STORE. */
static yc_err att_decode(const MDB_val *k, const MDB_val *v, yc_store_attestation *ret)
{
    YC_ENSURE(k->mv_size == YC_ATTEST_JTI_LEN, YC_ERR_STORE);
    const uint8_t *b = v->mv_data;
    size_t len = v->mv_size;
    YC_ENSURE(len >= ATT_HEADER_LEN && b[0] == ATT_CODEC_VERSION, YC_ERR_STORE);
    YC_ENSURE(b[2] == 0 && b[3] == 0 && (uint32_t)yc_codec_get_le(b + 12, 4) == 0, YC_ERR_STORE);
    memset(ret, 0, sizeof *ret);
    memcpy(ret->jti, k->mv_data, YC_ATTEST_JTI_LEN);
    ret->state = b[1];
    ret->list = (uint32_t)yc_codec_get_le(b + 4, 4);
    ret->index = (uint32_t)yc_codec_get_le(b + 8, 4);
    ret->iat = (int64_t)yc_codec_get_le(b + 16, 8);
    ret->exp = (int64_t)yc_codec_get_le(b + 24, 8);
    ret->state_at = (int64_t)yc_codec_get_le(b + 32, 8);
    size_t off = ATT_HEADER_LEN;
    YC_TRY(get_str(b, len, &off, ret->subject_id, sizeof ret->subject_id));
    YC_TRY(get_str(b, len, &off, ret->kid, sizeof ret->kid));
    YC_TRY(get_str(b, len, &off, ret->aud, sizeof ret->aud));
    YC_TRY(get_str(b, len, &off, ret->reason, sizeof ret->reason));
    YC_ENSURE(off == len, YC_ERR_STORE);
    YC_ENSURE(yc_store_attest_check(ret) == YC_OK, YC_ERR_STORE);
    return YC_OK;
}

static size_t subj_key(const char *sid, size_t sid_len, int64_t iat, const char *jti,
                       uint8_t out[static SUBJ_KEY_MAX])
{
    memcpy(out, sid, sid_len);
    out[sid_len] = 0;
    yc_codec_put_u64be(out + sid_len + 1, (uint64_t)iat);
    memcpy(out + sid_len + 9, jti, YC_ATTEST_JTI_LEN);
    return sid_len + 9 + YC_ATTEST_JTI_LEN;
}

/* ---- handles ---- */

yc_err yc_store_attest_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags, bool *ret_found)
{
    MDB_dbi a = 0, s = 0;
    int rc = mdb_dbi_open(txn, DB_ATTEST, flags, &a);
    if (rc == 0)
        rc = mdb_dbi_open(txn, DB_ATTEST_SUBJ, flags, &s);
    if (rc == MDB_NOTFOUND && (flags & MDB_CREATE) == 0) {
        *ret_found = false;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    st->attest = a;
    st->attest_subj = s;
    *ret_found = true;
    return YC_OK;
}

yc_err yc_store_attest_ensure(yc_store *st)
{
    return yc_store_tables_ensure(st, &st->attest_ready, yc_store_attest_open_dbis, true);
}

/* ---- writes (inside the committer's transaction) ---- */

yc_err yc_store_attest_txn_put(yc_store *st, MDB_txn *txn, const yc_store_attestation *a,
                               yc_err *ret_op)
{
    uint8_t val[ATT_VAL_MAX], skey[SUBJ_KEY_MAX];
    uint8_t sval[1] = {ATT_CODEC_VERSION};
    MDB_val k = {YC_ATTEST_JTI_LEN, (void *)(uintptr_t)a->jti};
    MDB_val v = {att_encode(a, val), val};
    int rc = mdb_put(txn, st->attest, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) {
        *ret_op = YC_ERR_CONFLICT;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    MDB_val sk = {subj_key(a->subject_id, strlen(a->subject_id), a->iat, a->jti, skey), skey};
    MDB_val sv = {sizeof sval, sval};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->attest_subj, &sk, &sv, 0)));
    *ret_op = YC_OK;
    return YC_OK;
}

yc_err yc_store_attest_txn_state(yc_store *st, MDB_txn *txn, const char *jti, uint8_t state,
                                 unsigned from_mask, int64_t at, const char *reason, yc_err *ret_op)
{
    MDB_val k = {YC_ATTEST_JTI_LEN, (void *)(uintptr_t)jti}, v;
    int rc = mdb_get(txn, st->attest, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ret_op = YC_ERR_NOT_FOUND;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    yc_store_attestation a;
    yc_err drv = att_decode(&k, &v, &a);
    if (drv != YC_OK) {
        *ret_op = drv;
        return YC_OK;
    }
    /* the transition is checked here, in the writing transaction, against the state that is
     * really stored: two racing changes cannot both pass a check made before either commits */
    if (from_mask != 0 && (from_mask & (1u << a.state)) == 0) {
        *ret_op = YC_ERR_CONFLICT;
        return YC_OK;
    }
    a.state = state;
    a.state_at = at;
    memcpy(a.reason, reason, strlen(reason) + 1); /* <= 255 bytes, checked on queueing */
    uint8_t val[ATT_VAL_MAX];
    MDB_val nv = {att_encode(&a, val), val};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->attest, &k, &nv, 0)));
    *ret_op = YC_OK;
    return YC_OK;
}

/* ---- reads ---- */

static bool ready(yc_store *st)
{
    return atomic_load_explicit(&st->attest_ready, memory_order_acquire);
}

yc_err yc_store_attestation_get(yc_store *st, const char *jti, yc_store_attestation *ret)
{
    YC_TRY(yc_store_attest_check_jti(jti));
    YC_ENSURE(ready(st), YC_ERR_NOT_FOUND);
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, MDB_RDONLY, &txn));
    MDB_val k = {YC_ATTEST_JTI_LEN, (void *)(uintptr_t)jti}, v;
    yc_store_attestation a;
    yc_err rv = yc_store_from_mdb(mdb_get(txn, st->attest, &k, &v));
    if (rv == YC_OK)
        rv = att_decode(&k, &v, &a);
    yc_store_txn_abort(st, txn);
    if (rv == YC_OK)
        *ret = a;
    return rv;
}

/* "<iat>.<jti>": iat in canonical decimal (no sign, no leading zero), 0..INT64_MAX. */
static yc_err cursor_parse(const char *cur, int64_t *ret_iat,
                           char ret_jti[static YC_ATTEST_JTI_LEN + 1])
{
    size_t len = strnlen(cur, YC_STORE_ATTEST_CURSOR_MAX + 1);
    YC_ENSURE(len <= YC_STORE_ATTEST_CURSOR_MAX, YC_ERR_INVALID);
    const char *dot = memchr(cur, '.', len);
    YC_ENSURE(dot != NULL, YC_ERR_INVALID);
    size_t nd = (size_t)(dot - cur);
    YC_ENSURE(nd >= 1 && nd <= 19 && (nd == 1 || cur[0] != '0'), YC_ERR_INVALID);
    uint64_t iat = 0;
    for (size_t i = 0; i < nd; i++) {
        YC_ENSURE(cur[i] >= '0' && cur[i] <= '9', YC_ERR_INVALID);
        uint64_t d = (uint64_t)(cur[i] - '0');
        YC_ENSURE(iat <= ((uint64_t)INT64_MAX - d) / 10, YC_ERR_INVALID);
        iat = iat * 10 + d;
    }
    YC_ENSURE(len - nd - 1 == YC_ATTEST_JTI_LEN &&
                  yc_store_b64url_id_chars_ok(dot + 1, YC_ATTEST_JTI_LEN),
              YC_ERR_INVALID);
    memcpy(ret_jti, dot + 1, YC_ATTEST_JTI_LEN);
    ret_jti[YC_ATTEST_JTI_LEN] = '\0';
    *ret_iat = (int64_t)iat;
    return YC_OK;
}

typedef struct page {
    yc_store_attestation *arr;
    size_t n;
    bool more;
} page;

static yc_err page_collect(yc_store *st, MDB_txn *txn, const char *sid, size_t sid_len,
                           const uint8_t *start, size_t start_len, bool skip_equal, size_t limit,
                           page *pg)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->attest_subj, &cur)));
    yc_err rv = YC_OK;
    MDB_val k = {start_len, (void *)(uintptr_t)start}, v;
    const size_t want_len = sid_len + 9 + YC_ATTEST_JTI_LEN;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc != MDB_NOTFOUND;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (rc != 0) {
            rv = yc_store_from_mdb(rc);
            break;
        }
        const uint8_t *kb = k.mv_data;
        if (k.mv_size < sid_len + 1 || memcmp(kb, sid, sid_len) != 0 || kb[sid_len] != 0)
            break; /* past this subject */
        if (k.mv_size != want_len || v.mv_size != 1 || ((const uint8_t *)v.mv_data)[0] != 1) {
            rv = YC_ERR_STORE;
            break;
        }
        if (skip_equal && k.mv_size == start_len && memcmp(kb, start, start_len) == 0)
            continue;
        if (pg->n == limit) {
            pg->more = true;
            break;
        }
        MDB_val jk = {YC_ATTEST_JTI_LEN, (void *)(uintptr_t)(kb + sid_len + 9)}, jv;
        yc_store_attestation *a = &pg->arr[pg->n];
        if ((rv = yc_store_from_mdb(mdb_get(txn, st->attest, &jk, &jv))) != YC_OK ||
            (rv = att_decode(&jk, &jv, a)) != YC_OK)
            break;
        if ((uint64_t)a->iat != yc_codec_get_u64be(kb + sid_len + 1) ||
            strcmp(a->subject_id, sid) != 0) {
            rv = YC_ERR_STORE;
            break;
        }
        pg->n++;
    }
    mdb_cursor_close(cur);
    if (rv == YC_ERR_NOT_FOUND)
        rv = YC_ERR_STORE; /* the index points at a missing record */
    return rv;
}

yc_err yc_store_attestations_by_subject(yc_store *st, const char *subject_id, const char *cursor,
                                        size_t limit, yc_store_attestation **ret, size_t *ret_n,
                                        char ret_next[static YC_STORE_ATTEST_CURSOR_MAX + 1])
{
    YC_ENSURE(limit >= 1 && limit <= YC_STORE_ATTEST_PAGE_MAX, YC_ERR_INVALID);
    int64_t c_iat = 0;
    char c_jti[YC_ATTEST_JTI_LEN + 1] = "";
    bool has_cursor = cursor != NULL && cursor[0] != '\0';
    if (has_cursor)
        YC_TRY(cursor_parse(cursor, &c_iat, c_jti));
    size_t sid_len = strnlen(subject_id, YC_SUBJECT_ID_MAX + 1);
    if (!subject_ok(subject_id, sid_len) || !ready(st)) {
        *ret = NULL;
        *ret_n = 0;
        ret_next[0] = '\0';
        return YC_OK;
    }
    uint8_t start[SUBJ_KEY_MAX];
    size_t start_len = sid_len + 1;
    if (has_cursor) {
        start_len = subj_key(subject_id, sid_len, c_iat, c_jti, start);
    } else {
        memcpy(start, subject_id, sid_len);
        start[sid_len] = 0;
    }
    page pg = {.arr = yc_calloc(limit, sizeof *pg.arr)};
    YC_ENSURE(pg.arr != NULL, YC_ERR_NOMEM);
    MDB_txn *txn = NULL;
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &txn);
    if (rv != YC_OK)
        goto out;
    rv = page_collect(st, txn, subject_id, sid_len, start, start_len, has_cursor, limit, &pg);
    yc_store_txn_abort(st, txn);
    if (rv != YC_OK)
        goto out;
    ret_next[0] = '\0';
    if (pg.more) {
        const yc_store_attestation *last = &pg.arr[pg.n - 1];
        int w = snprintf(ret_next, YC_STORE_ATTEST_CURSOR_MAX + 1, "%" PRId64 ".%s", last->iat,
                         last->jti);
        if (w <= 0 || w > YC_STORE_ATTEST_CURSOR_MAX) {
            rv = YC_ERR_INTERNAL;
            goto out;
        }
    }
    if (pg.n == 0) {
        yc_free(pg.arr);
        pg.arr = NULL;
    }
    *ret = pg.arr;
    *ret_n = pg.n;
    pg.arr = NULL;
out:
    yc_free(pg.arr);
    return rv;
}

yc_err yc_store_attestation_walk(yc_store *st, yc_store_attestation_fn fn, void *ctx)
{
    if (!ready(st))
        return YC_OK;
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, MDB_RDONLY, &txn));
    MDB_cursor *cur = NULL;
    yc_err rv = yc_store_from_mdb(mdb_cursor_open(txn, st->attest, &cur));
    MDB_val k, v;
    int rc = MDB_NOTFOUND;
    if (rv == YC_OK)
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rv == YC_OK && rc == 0) {
        yc_store_attestation a;
        if ((rv = att_decode(&k, &v, &a)) != YC_OK || (rv = fn(ctx, &a)) != YC_OK)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rv == YC_OK && rc != MDB_NOTFOUND)
        rv = yc_store_from_mdb(rc);
    if (cur != NULL)
        mdb_cursor_close(cur);
    yc_store_txn_abort(st, txn);
    return rv;
}
