/* Consents and the query log (include/yrdcredit/store_access.h): codec, shape checks, reads.
 *
 * `consents`: key = consent id (25 bytes).  Value, codec version 1 (32-byte header, then
 * strings, each a u8 length + bytes without NUL):
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   1 scope (yc_consent_scope bits, 1..7)
 *     2   6 reserved, 0
 *     8   8 granted_at (i64 LE, >= 0)
 *    16   8 expires_at (i64 LE, granted_at < expires_at <= granted_at + 365 days)
 *    24   8 revoked_at (i64 LE, -1 = not revoked, else >= granted_at)
 *    32     subject_id, client_id, purpose
 *
 * `consents_by_subject`: key = subject_id, 0x00, granted_at (u64 BE), consent id; value = the
 * codec version byte (1).
 *
 * `query_log`: key = subject_id, 0x00, seq (u64 BE, >= 1).  Value, codec version 1 (16-byte
 * header, then strings as above):
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   1 role (0..YC_STORE_ROLE_MAX)
 *     2   2 status (u16 LE, 100..599)
 *     4   4 reserved, 0
 *     8   8 at_ms (i64 LE, >= 0)
 *    16     client_id, purpose, consent_id, route
 *
 * Subject ids are printable ASCII, so the 0x00 separator keeps one subject's keys contiguous.
 * The three tables are created together (yc_store_init_dir() or yc_store_access_ensure()) and
 * their handles are opened once and published by access_ready, as for the issue 5 tables.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "access_int.h"
#include "codec.h"
#include "yrdcredit/alloc.h"

enum {
    CODEC_VERSION = 1,
    CS_HEADER_LEN = 32,
    Q_HEADER_LEN = 16,
    CS_SUBJ_KEY_MAX = YC_SUBJECT_ID_MAX + 1 + 8 + YC_CONSENT_ID_LEN,
    Q_KEY_MAX = YC_SUBJECT_ID_MAX + 1 + 8,
    USCC_LEN = 18,
    /* entries examined per purge transaction: the writer lock is never held for long */
    PURGE_STEP = 4096,
    PSEUDONYM_LEN = 33,
};

_Static_assert(YC_CONSENT_VAL_MAX == CS_HEADER_LEN + 3 + YC_SUBJECT_ID_MAX +
                                         YC_STORE_CLIENT_ID_LEN + YC_STORE_PURPOSE_MAX,
               "consent value bound");
_Static_assert(YC_QUERY_VAL_MAX == Q_HEADER_LEN + 4 + YC_STORE_CLIENT_ID_LEN +
                                       YC_STORE_PURPOSE_MAX + YC_CONSENT_ID_LEN +
                                       YC_QUERY_ROUTE_MAX,
               "query value bound");

static const char DB_CONSENTS[] = "consents";
static const char DB_CONSENTS_SUBJ[] = "consents_by_subject";
static const char DB_QUERY_LOG[] = "query_log";

/* ---- fixed-width integers ---- */

/* ---- shape checks ---- */

/* GB 32100-2015 check character: alphabet 0-9 A-H J-N P-R T U W X Y (31 characters). */
static int uscc_value(char ch)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const char *p = ch != '\0' ? strchr(alphabet, ch) : NULL;
    return p != NULL ? (int)(p - alphabet) : -1;
}

static bool uscc_ok(const char *s)
{
    static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(s[i]);
        if (v < 0)
            return false;
        sum += v * weights[i];
    }
    int check = (31 - sum % 31) % 31;
    return uscc_value(s[17]) == check;
}

static bool pseudonym_ok(const char *s)
{
    if (s[0] != 'P')
        return false;
    for (size_t i = 1; i < PSEUDONYM_LEN; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
            return false;
    return true;
}

bool yc_store_access_subject_ok(const char *sid)
{
    size_t n = strnlen(sid, YC_SUBJECT_ID_MAX + 1);
    return (n == USCC_LEN && uscc_ok(sid)) || (n == PSEUDONYM_LEN && pseudonym_ok(sid));
}

bool yc_store_consent_id_ok(const char *id)
{
    const size_t plen = sizeof YC_CONSENT_ID_PREFIX - 1;
    return strnlen(id, YC_CONSENT_ID_LEN + 1) == YC_CONSENT_ID_LEN &&
           memcmp(id, YC_CONSENT_ID_PREFIX, plen) == 0 &&
           yc_store_b64url_id_chars_ok(id + plen, YC_CONSENT_ID_LEN - plen);
}

static bool client_id_ok(const char *id)
{
    return strnlen(id, YC_STORE_CLIENT_ID_LEN + 1) == YC_STORE_CLIENT_ID_LEN &&
           memcmp(id, "cl_", 3) == 0 &&
           yc_store_b64url_id_chars_ok(id + 3, YC_STORE_CLIENT_ID_LEN - 3);
}

/* 1..max characters of a-z 0-9 '_' (plus '.' and '-' when @p route). */
static bool code_ok(const char *s, size_t max, bool route)
{
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              (route && (c == '.' || c == '-'))))
            return false;
    }
    return true;
}

yc_err yc_store_consent_check_shape(const yc_store_consent *cs)
{
    YC_ENSURE(cs != NULL, YC_ERR_INVALID);
    YC_ENSURE(memchr(cs->id, '\0', sizeof cs->id) != NULL && yc_store_consent_id_ok(cs->id),
              YC_ERR_INVALID);
    YC_ENSURE(memchr(cs->subject_id, '\0', sizeof cs->subject_id) != NULL &&
                  yc_store_access_subject_ok(cs->subject_id),
              YC_ERR_INVALID);
    YC_ENSURE(memchr(cs->client_id, '\0', sizeof cs->client_id) != NULL &&
                  client_id_ok(cs->client_id),
              YC_ERR_INVALID);
    YC_ENSURE(memchr(cs->purpose, '\0', sizeof cs->purpose) != NULL &&
                  code_ok(cs->purpose, YC_STORE_PURPOSE_MAX, false),
              YC_ERR_INVALID);
    YC_ENSURE(cs->scope >= 1 && cs->scope <= YC_CONSENT_SCOPE_ALL, YC_ERR_INVALID);
    YC_ENSURE(cs->granted_at >= 0 && cs->expires_at > cs->granted_at, YC_ERR_INVALID);
    YC_ENSURE(cs->expires_at - cs->granted_at <= YC_CONSENT_MAX_SECONDS, YC_ERR_INVALID);
    YC_ENSURE(cs->revoked_at == -1 || cs->revoked_at >= cs->granted_at, YC_ERR_INVALID);
    return YC_OK;
}

yc_err yc_store_query_check_shape(const yc_store_query *q)
{
    YC_ENSURE(q != NULL, YC_ERR_INVALID);
    YC_ENSURE(memchr(q->subject_id, '\0', sizeof q->subject_id) != NULL &&
                  yc_store_access_subject_ok(q->subject_id),
              YC_ERR_INVALID);
    YC_ENSURE(q->at_ms >= 0, YC_ERR_INVALID);
    YC_ENSURE(memchr(q->client_id, '\0', sizeof q->client_id) != NULL && client_id_ok(q->client_id),
              YC_ERR_INVALID);
    YC_ENSURE(q->role <= YC_STORE_ROLE_MAX, YC_ERR_INVALID);
    YC_ENSURE(memchr(q->purpose, '\0', sizeof q->purpose) != NULL &&
                  (q->purpose[0] == '\0' || code_ok(q->purpose, YC_STORE_PURPOSE_MAX, false)),
              YC_ERR_INVALID);
    YC_ENSURE(memchr(q->consent_id, '\0', sizeof q->consent_id) != NULL &&
                  (q->consent_id[0] == '\0' || yc_store_consent_id_ok(q->consent_id)),
              YC_ERR_INVALID);
    YC_ENSURE(memchr(q->route, '\0', sizeof q->route) != NULL &&
                  code_ok(q->route, YC_QUERY_ROUTE_MAX, true),
              YC_ERR_INVALID);
    YC_ENSURE(q->status >= 100 && q->status <= 599, YC_ERR_INVALID);
    return YC_OK;
}

const char *yc_consent_reason_code(yc_consent_reason r)
{
    switch (r) {
    case YC_CONSENT_OK:
        return "ok";
    case YC_CONSENT_MISSING:
        return "missing";
    case YC_CONSENT_EXPIRED:
        return "expired";
    case YC_CONSENT_REVOKED:
        return "revoked";
    case YC_CONSENT_WRONG_CLIENT:
        return "wrong_client";
    case YC_CONSENT_WRONG_PURPOSE:
        return "wrong_purpose";
    case YC_CONSENT_WRONG_SCOPE:
        return "wrong_scope";
    }
    return "unknown";
}

/* ---- codec ---- */

static size_t put_str(uint8_t *p, const char *s)
{
    size_t n = strlen(s); /* shape-checked: at most 33 bytes */
    p[0] = (uint8_t)n;
    memcpy(p + 1, s, n);
    return n + 1;
}

static yc_err get_str(const uint8_t *v, size_t len, size_t *off, char *dst, size_t cap)
{
    YC_ENSURE(*off < len, YC_ERR_STORE);
    size_t n = v[*off];
    YC_ENSURE(n < cap && len - *off - 1 >= n, YC_ERR_STORE);
    YC_ENSURE(memchr(v + *off + 1, '\0', n) == NULL, YC_ERR_STORE);
    memcpy(dst, v + *off + 1, n);
    dst[n] = '\0';
    *off += n + 1;
    return YC_OK;
}

yc_err yc_store_consent_encode(const yc_store_consent *cs, uint8_t out[static YC_CONSENT_VAL_MAX],
                               size_t *ret_len)
{
    YC_TRY(yc_store_consent_check_shape(cs));
    memset(out, 0, CS_HEADER_LEN);
    out[0] = CODEC_VERSION;
    out[1] = cs->scope;
    yc_codec_put_le(out + 8, (uint64_t)cs->granted_at, 8);
    yc_codec_put_le(out + 16, (uint64_t)cs->expires_at, 8);
    yc_codec_put_le(out + 24, (uint64_t)cs->revoked_at, 8);
    size_t off = CS_HEADER_LEN;
    off += put_str(out + off, cs->subject_id);
    off += put_str(out + off, cs->client_id);
    off += put_str(out + off, cs->purpose);
    *ret_len = off;
    return YC_OK;
}

yc_err yc_store_consent_decode(const char *id, const uint8_t *val, size_t len,
                               yc_store_consent *ret)
{
    YC_ENSURE(id != NULL && val != NULL && ret != NULL, YC_ERR_STORE);
    YC_ENSURE(len >= CS_HEADER_LEN && val[0] == CODEC_VERSION, YC_ERR_STORE);
    for (size_t i = 2; i < 8; i++)
        YC_ENSURE(val[i] == 0, YC_ERR_STORE);
    memset(ret, 0, sizeof *ret);
    size_t idlen = strnlen(id, YC_CONSENT_ID_LEN + 1);
    YC_ENSURE(idlen == YC_CONSENT_ID_LEN, YC_ERR_STORE);
    memcpy(ret->id, id, YC_CONSENT_ID_LEN);
    ret->scope = val[1];
    ret->granted_at = (int64_t)yc_codec_get_le(val + 8, 8);
    ret->expires_at = (int64_t)yc_codec_get_le(val + 16, 8);
    ret->revoked_at = (int64_t)yc_codec_get_le(val + 24, 8);
    size_t off = CS_HEADER_LEN;
    YC_TRY(get_str(val, len, &off, ret->subject_id, sizeof ret->subject_id));
    YC_TRY(get_str(val, len, &off, ret->client_id, sizeof ret->client_id));
    YC_TRY(get_str(val, len, &off, ret->purpose, sizeof ret->purpose));
    YC_ENSURE(off == len, YC_ERR_STORE);
    YC_ENSURE(yc_store_consent_check_shape(ret) == YC_OK, YC_ERR_STORE);
    return YC_OK;
}

yc_err yc_store_query_encode(const yc_store_query *q, uint8_t out[static YC_QUERY_VAL_MAX],
                             size_t *ret_len)
{
    YC_TRY(yc_store_query_check_shape(q));
    memset(out, 0, Q_HEADER_LEN);
    out[0] = CODEC_VERSION;
    out[1] = q->role;
    yc_codec_put_le(out + 2, q->status, 2);
    yc_codec_put_le(out + 8, (uint64_t)q->at_ms, 8);
    size_t off = Q_HEADER_LEN;
    off += put_str(out + off, q->client_id);
    off += put_str(out + off, q->purpose);
    off += put_str(out + off, q->consent_id);
    off += put_str(out + off, q->route);
    *ret_len = off;
    return YC_OK;
}

yc_err yc_store_query_decode(const char *subject_id, uint64_t seq, const uint8_t *val, size_t len,
                             yc_store_query *ret)
{
    YC_ENSURE(subject_id != NULL && val != NULL && ret != NULL, YC_ERR_STORE);
    YC_ENSURE(len >= Q_HEADER_LEN && val[0] == CODEC_VERSION, YC_ERR_STORE);
    for (size_t i = 4; i < 8; i++)
        YC_ENSURE(val[i] == 0, YC_ERR_STORE);
    memset(ret, 0, sizeof *ret);
    size_t sid_len = strnlen(subject_id, YC_SUBJECT_ID_MAX + 1);
    YC_ENSURE(sid_len <= YC_SUBJECT_ID_MAX, YC_ERR_STORE);
    memcpy(ret->subject_id, subject_id, sid_len);
    ret->seq = seq;
    ret->role = val[1];
    ret->status = (uint16_t)yc_codec_get_le(val + 2, 2);
    ret->at_ms = (int64_t)yc_codec_get_le(val + 8, 8);
    size_t off = Q_HEADER_LEN;
    YC_TRY(get_str(val, len, &off, ret->client_id, sizeof ret->client_id));
    YC_TRY(get_str(val, len, &off, ret->purpose, sizeof ret->purpose));
    YC_TRY(get_str(val, len, &off, ret->consent_id, sizeof ret->consent_id));
    YC_TRY(get_str(val, len, &off, ret->route, sizeof ret->route));
    YC_ENSURE(off == len, YC_ERR_STORE);
    YC_ENSURE(yc_store_query_check_shape(ret) == YC_OK, YC_ERR_STORE);
    return YC_OK;
}

/* subject_id, 0x00, u64 BE, then @p tail (tail_len bytes). */
static size_t subj_key(const char *sid, size_t sid_len, uint64_t n, const char *tail,
                       size_t tail_len, uint8_t *out)
{
    memcpy(out, sid, sid_len);
    out[sid_len] = 0;
    yc_codec_put_u64be(out + sid_len + 1, n);
    if (tail_len > 0)
        memcpy(out + sid_len + 9, tail, tail_len);
    return sid_len + 9 + tail_len;
}

/* ---- handles ---- */

yc_err yc_store_access_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags, bool *ret_found)
{
    MDB_dbi a = 0, b = 0, q = 0;
    int rc = mdb_dbi_open(txn, DB_CONSENTS, flags, &a);
    if (rc == 0)
        rc = mdb_dbi_open(txn, DB_CONSENTS_SUBJ, flags, &b);
    if (rc == 0)
        rc = mdb_dbi_open(txn, DB_QUERY_LOG, flags, &q);
    if (rc == MDB_NOTFOUND && (flags & MDB_CREATE) == 0) {
        *ret_found = false;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    st->consents = a;
    st->consents_subj = b;
    st->query_log = q;
    *ret_found = true;
    return YC_OK;
}

static bool ready(yc_store *st)
{
    return atomic_load_explicit(&st->access_ready, memory_order_acquire);
}

yc_err yc_store_access_ensure(yc_store *st)
{
    return yc_store_tables_ensure(st, &st->access_ready, yc_store_access_open_dbis, true);
}

/* ---- writes (inside the committer's transaction) ---- */

yc_err yc_store_consent_txn_put(yc_store *st, MDB_txn *txn, const yc_store_consent *cs,
                                yc_err *ret_op)
{
    YC_ENSURE(ready(st), YC_ERR_INTERNAL); /* the committer's start ensured it */
    uint8_t val[YC_CONSENT_VAL_MAX], skey[CS_SUBJ_KEY_MAX];
    uint8_t sval[1] = {CODEC_VERSION};
    size_t vlen = 0;
    YC_TRY(yc_store_consent_encode(cs, val, &vlen));
    MDB_val k = {YC_CONSENT_ID_LEN, (void *)(uintptr_t)cs->id};
    MDB_val v = {vlen, val};
    int rc = mdb_put(txn, st->consents, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) {
        *ret_op = YC_ERR_CONFLICT;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    MDB_val sk = {subj_key(cs->subject_id, strlen(cs->subject_id), (uint64_t)cs->granted_at, cs->id,
                           YC_CONSENT_ID_LEN, skey),
                  skey};
    MDB_val sv = {sizeof sval, sval};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->consents_subj, &sk, &sv, 0)));
    *ret_op = YC_OK;
    return YC_OK;
}

yc_err yc_store_consent_txn_revoke(yc_store *st, MDB_txn *txn, const char *id,
                                   const char *subject_id, int64_t at, yc_err *ret_op)
{
    YC_ENSURE(ready(st), YC_ERR_INTERNAL);
    MDB_val k = {YC_CONSENT_ID_LEN, (void *)(uintptr_t)id}, v;
    int rc = mdb_get(txn, st->consents, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ret_op = YC_ERR_NOT_FOUND;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    yc_store_consent cs;
    yc_err drv = yc_store_consent_decode(id, v.mv_data, v.mv_size, &cs);
    if (drv != YC_OK) {
        *ret_op = drv;
        return YC_OK;
    }
    /* checked here, against what is stored: two racing revocations cannot both pass */
    if (strcmp(cs.subject_id, subject_id) != 0) {
        *ret_op = YC_ERR_NOT_FOUND; /* another subject's consent is not revealed */
        return YC_OK;
    }
    if (cs.revoked_at != -1) {
        *ret_op = YC_ERR_CONFLICT;
        return YC_OK;
    }
    cs.revoked_at = at < cs.granted_at ? cs.granted_at : at;
    uint8_t val[YC_CONSENT_VAL_MAX];
    size_t vlen = 0;
    YC_TRY(yc_store_consent_encode(&cs, val, &vlen));
    MDB_val nv = {vlen, val};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->consents, &k, &nv, 0)));
    *ret_op = YC_OK;
    return YC_OK;
}

yc_err yc_store_query_txn_append(yc_store *st, MDB_txn *txn, const yc_store_query *q,
                                 yc_err *ret_op)
{
    YC_ENSURE(ready(st), YC_ERR_INTERNAL);
    uint8_t val[YC_QUERY_VAL_MAX], key[Q_KEY_MAX];
    size_t vlen = 0;
    YC_TRY(yc_store_query_encode(q, val, &vlen));
    size_t sid_len = strlen(q->subject_id);
    /* the subject's last entry: the greatest key below (subject, 0x01) */
    memcpy(key, q->subject_id, sid_len);
    key[sid_len] = 1;
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->query_log, &cur)));
    MDB_val k = {sid_len + 1, key}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    else if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    uint64_t seq = 1;
    yc_err rv = YC_OK;
    if (rc == 0) {
        const uint8_t *kb = k.mv_data;
        if (k.mv_size >= sid_len + 1 && memcmp(kb, q->subject_id, sid_len) == 0 &&
            kb[sid_len] == 0) {
            if (k.mv_size != sid_len + 9 || yc_codec_get_u64be(kb + sid_len + 1) == UINT64_MAX)
                rv = YC_ERR_STORE;
            else
                seq = yc_codec_get_u64be(kb + sid_len + 1) + 1;
        }
    } else if (rc != MDB_NOTFOUND) {
        rv = yc_store_from_mdb(rc);
    }
    mdb_cursor_close(cur);
    if (rv == YC_ERR_STORE) { /* a corrupt key of this subject: this write fails alone */
        *ret_op = rv;
        return YC_OK;
    }
    YC_TRY(rv);
    MDB_val nk = {subj_key(q->subject_id, sid_len, seq, NULL, 0, key), key};
    MDB_val nv = {vlen, val};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->query_log, &nk, &nv, MDB_NOOVERWRITE)));
    *ret_op = YC_OK;
    return YC_OK;
}

/* ---- reads ---- */

yc_err yc_store_consent_get(yc_store *st, const char *id, yc_store_consent *ret)
{
    YC_ENSURE(st != NULL && id != NULL && ret != NULL, YC_ERR_INVALID);
    YC_ENSURE(yc_store_consent_id_ok(id), YC_ERR_INVALID);
    YC_ENSURE(ready(st), YC_ERR_NOT_FOUND);
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, MDB_RDONLY, &txn));
    MDB_val k = {YC_CONSENT_ID_LEN, (void *)(uintptr_t)id}, v;
    yc_store_consent cs;
    int rc = mdb_get(txn, st->consents, &k, &v);
    yc_err rv = rc == MDB_NOTFOUND ? YC_ERR_NOT_FOUND : yc_store_from_mdb(rc);
    if (rv == YC_OK)
        rv = yc_store_consent_decode(id, v.mv_data, v.mv_size, &cs);
    yc_store_txn_abort(st, txn);
    if (rv == YC_OK)
        *ret = cs;
    return rv;
}

yc_err yc_store_consent_check(yc_store *st, const char *consent_id, const char *subject_id,
                              const char *client_id, const char *purpose, unsigned scope_bit,
                              int64_t now, yc_consent_reason *ret_reason)
{
    YC_ENSURE(st != NULL && consent_id != NULL && subject_id != NULL && client_id != NULL &&
                  purpose != NULL && ret_reason != NULL,
              YC_ERR_INVALID);
    YC_ENSURE(scope_bit == YC_CONSENT_SCOPE_SCORE || scope_bit == YC_CONSENT_SCOPE_RECORDS ||
                  scope_bit == YC_CONSENT_SCOPE_ATTESTATIONS,
              YC_ERR_INVALID);
    if (!yc_store_consent_id_ok(consent_id)) {
        *ret_reason = YC_CONSENT_MISSING;
        return YC_OK;
    }
    yc_store_consent cs;
    yc_err rv = yc_store_consent_get(st, consent_id, &cs);
    if (rv == YC_ERR_NOT_FOUND || (rv == YC_OK && strcmp(cs.subject_id, subject_id) != 0)) {
        *ret_reason = YC_CONSENT_MISSING;
        return YC_OK;
    }
    YC_TRY(rv);
    yc_consent_reason r = YC_CONSENT_OK;
    if (strcmp(cs.client_id, client_id) != 0)
        r = YC_CONSENT_WRONG_CLIENT;
    else if (cs.revoked_at != -1)
        r = YC_CONSENT_REVOKED;
    else if (now >= cs.expires_at)
        r = YC_CONSENT_EXPIRED;
    else if (strcmp(cs.purpose, purpose) != 0)
        r = YC_CONSENT_WRONG_PURPOSE;
    else if ((cs.scope & scope_bit) == 0)
        r = YC_CONSENT_WRONG_SCOPE;
    *ret_reason = r;
    return YC_OK;
}

/* Canonical decimal 0..INT64_MAX (no sign, no leading zero) of @p len bytes. */
static yc_err parse_dec(const char *s, size_t len, uint64_t *ret)
{
    YC_ENSURE(len >= 1 && len <= 19 && (len == 1 || s[0] != '0'), YC_ERR_INVALID);
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        YC_ENSURE(s[i] >= '0' && s[i] <= '9', YC_ERR_INVALID);
        uint64_t d = (uint64_t)(s[i] - '0');
        YC_ENSURE(n <= ((uint64_t)INT64_MAX - d) / 10, YC_ERR_INVALID);
        n = n * 10 + d;
    }
    *ret = n;
    return YC_OK;
}

/* Consent cursor "<granted_at>.<id>". */
static yc_err cs_cursor_parse(const char *cur, uint64_t *ret_at,
                              char ret_id[static YC_CONSENT_ID_LEN + 1])
{
    size_t len = strnlen(cur, YC_STORE_ACCESS_CURSOR_MAX + 1);
    YC_ENSURE(len <= YC_STORE_ACCESS_CURSOR_MAX, YC_ERR_INVALID);
    const char *dot = memchr(cur, '.', len);
    YC_ENSURE(dot != NULL, YC_ERR_INVALID);
    size_t nd = (size_t)(dot - cur);
    YC_TRY(parse_dec(cur, nd, ret_at));
    YC_ENSURE(len - nd - 1 == YC_CONSENT_ID_LEN, YC_ERR_INVALID);
    memcpy(ret_id, dot + 1, YC_CONSENT_ID_LEN);
    ret_id[YC_CONSENT_ID_LEN] = '\0';
    YC_ENSURE(yc_store_consent_id_ok(ret_id), YC_ERR_INVALID);
    return YC_OK;
}

static yc_err cs_collect(yc_store *st, MDB_txn *txn, const char *sid, size_t sid_len,
                         const uint8_t *start, size_t start_len, bool skip_equal, size_t limit,
                         yc_store_consent *arr, size_t *n, bool *more)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->consents_subj, &cur)));
    yc_err rv = YC_OK;
    MDB_val k = {start_len, (void *)(uintptr_t)start}, v;
    const size_t want_len = sid_len + 9 + YC_CONSENT_ID_LEN;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc != MDB_NOTFOUND;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (rc != 0) {
            rv = yc_store_from_mdb(rc);
            break;
        }
        const uint8_t *kb = k.mv_data;
        if (k.mv_size < sid_len + 1 || memcmp(kb, sid, sid_len) != 0 || kb[sid_len] != 0)
            break; /* past this subject */
        if (k.mv_size != want_len || v.mv_size != 1 ||
            ((const uint8_t *)v.mv_data)[0] != CODEC_VERSION) {
            rv = YC_ERR_STORE;
            break;
        }
        if (skip_equal && k.mv_size == start_len && memcmp(kb, start, start_len) == 0)
            continue;
        if (*n == limit) {
            *more = true;
            break;
        }
        char id[YC_CONSENT_ID_LEN + 1];
        memcpy(id, kb + sid_len + 9, YC_CONSENT_ID_LEN);
        id[YC_CONSENT_ID_LEN] = '\0';
        MDB_val ck = {YC_CONSENT_ID_LEN, id}, cv;
        int grc = mdb_get(txn, st->consents, &ck, &cv);
        rv = grc == MDB_NOTFOUND ? YC_ERR_STORE : yc_store_from_mdb(grc);
        if (rv == YC_OK)
            rv = yc_store_consent_decode(id, cv.mv_data, cv.mv_size, &arr[*n]);
        if (rv == YC_OK && ((uint64_t)arr[*n].granted_at != yc_codec_get_u64be(kb + sid_len + 1) ||
                            strcmp(arr[*n].subject_id, sid) != 0))
            rv = YC_ERR_STORE;
        if (rv != YC_OK)
            break;
        (*n)++;
    }
    mdb_cursor_close(cur);
    return rv;
}

yc_err yc_store_consents_by_subject(yc_store *st, const char *subject_id, const char *cursor,
                                    size_t limit, yc_store_consent **ret, size_t *ret_n,
                                    char ret_next[static YC_STORE_ACCESS_CURSOR_MAX + 1])
{
    YC_ENSURE(st != NULL && subject_id != NULL && ret != NULL && ret_n != NULL, YC_ERR_INVALID);
    YC_ENSURE(limit >= 1 && limit <= YC_STORE_ACCESS_PAGE_MAX, YC_ERR_INVALID);
    uint64_t c_at = 0;
    char c_id[YC_CONSENT_ID_LEN + 1] = "";
    bool has_cursor = cursor != NULL && cursor[0] != '\0';
    if (has_cursor)
        YC_TRY(cs_cursor_parse(cursor, &c_at, c_id));
    if (!yc_store_access_subject_ok(subject_id) || !ready(st)) {
        *ret = NULL;
        *ret_n = 0;
        ret_next[0] = '\0';
        return YC_OK;
    }
    size_t sid_len = strlen(subject_id);
    uint8_t start[CS_SUBJ_KEY_MAX];
    size_t start_len = sid_len + 1;
    if (has_cursor) {
        start_len = subj_key(subject_id, sid_len, c_at, c_id, YC_CONSENT_ID_LEN, start);
    } else {
        memcpy(start, subject_id, sid_len);
        start[sid_len] = 0;
    }
    yc_store_consent *arr = yc_calloc(limit, sizeof *arr);
    YC_ENSURE(arr != NULL, YC_ERR_NOMEM);
    size_t n = 0;
    bool more = false;
    MDB_txn *txn = NULL;
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &txn);
    if (rv != YC_OK)
        goto out;
    rv = cs_collect(st, txn, subject_id, sid_len, start, start_len, has_cursor, limit, arr, &n,
                    &more);
    yc_store_txn_abort(st, txn);
    if (rv != YC_OK)
        goto out;
    ret_next[0] = '\0';
    if (more) {
        int w = snprintf(ret_next, YC_STORE_ACCESS_CURSOR_MAX + 1, "%" PRId64 ".%s",
                         arr[n - 1].granted_at, arr[n - 1].id);
        if (w <= 0 || w > YC_STORE_ACCESS_CURSOR_MAX) {
            rv = YC_ERR_INTERNAL;
            goto out;
        }
    }
    if (n == 0) {
        yc_free(arr);
        arr = NULL;
    }
    *ret = arr;
    *ret_n = n;
    arr = NULL;
out:
    yc_free(arr);
    return rv;
}

/* Entries of @p sid with seq < @p below (UINT64_MAX: all), newest first. */
static yc_err q_collect(yc_store *st, MDB_txn *txn, const char *sid, size_t sid_len, uint64_t below,
                        size_t limit, yc_store_query *arr, size_t *n, bool *more)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->query_log, &cur)));
    uint8_t key[Q_KEY_MAX];
    size_t klen;
    if (below == UINT64_MAX) { /* everything: start at (subject, 0x01) */
        memcpy(key, sid, sid_len);
        key[sid_len] = 1;
        klen = sid_len + 1;
    } else {
        klen = subj_key(sid, sid_len, below, NULL, 0, key);
    }
    MDB_val k = {klen, key}, v;
    /* the first key >= start, then step back: the greatest key < start */
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    else if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    yc_err rv = YC_OK;
    for (; rc != MDB_NOTFOUND; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
        if (rc != 0) {
            rv = yc_store_from_mdb(rc);
            break;
        }
        const uint8_t *kb = k.mv_data;
        if (k.mv_size < sid_len + 1 || memcmp(kb, sid, sid_len) != 0 || kb[sid_len] != 0)
            break; /* before this subject */
        if (k.mv_size != sid_len + 9) {
            rv = YC_ERR_STORE;
            break;
        }
        uint64_t seq = yc_codec_get_u64be(kb + sid_len + 1);
        if (seq >= below) /* only when the SET_RANGE key was equal: cannot be, but be strict */
            continue;
        if (*n == limit) {
            *more = true;
            break;
        }
        if ((rv = yc_store_query_decode(sid, seq, v.mv_data, v.mv_size, &arr[*n])) != YC_OK)
            break;
        (*n)++;
    }
    mdb_cursor_close(cur);
    return rv;
}

yc_err yc_store_queries_by_subject(yc_store *st, const char *subject_id, const char *cursor,
                                   size_t limit, yc_store_query **ret, size_t *ret_n,
                                   char ret_next[static YC_STORE_ACCESS_CURSOR_MAX + 1])
{
    YC_ENSURE(st != NULL && subject_id != NULL && ret != NULL && ret_n != NULL, YC_ERR_INVALID);
    YC_ENSURE(limit >= 1 && limit <= YC_STORE_ACCESS_PAGE_MAX, YC_ERR_INVALID);
    uint64_t below = UINT64_MAX;
    if (cursor != NULL && cursor[0] != '\0') {
        size_t len = strnlen(cursor, YC_STORE_ACCESS_CURSOR_MAX + 1);
        YC_ENSURE(len <= YC_STORE_ACCESS_CURSOR_MAX, YC_ERR_INVALID);
        YC_TRY(parse_dec(cursor, len, &below));
        YC_ENSURE(below >= 1, YC_ERR_INVALID);
    }
    if (!yc_store_access_subject_ok(subject_id) || !ready(st)) {
        *ret = NULL;
        *ret_n = 0;
        ret_next[0] = '\0';
        return YC_OK;
    }
    yc_store_query *arr = yc_calloc(limit, sizeof *arr);
    YC_ENSURE(arr != NULL, YC_ERR_NOMEM);
    size_t n = 0;
    bool more = false;
    MDB_txn *txn = NULL;
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &txn);
    if (rv != YC_OK)
        goto out;
    rv = q_collect(st, txn, subject_id, strlen(subject_id), below, limit, arr, &n, &more);
    yc_store_txn_abort(st, txn);
    if (rv != YC_OK)
        goto out;
    ret_next[0] = '\0';
    if (more) {
        int w = snprintf(ret_next, YC_STORE_ACCESS_CURSOR_MAX + 1, "%" PRIu64, arr[n - 1].seq);
        if (w <= 0 || w > YC_STORE_ACCESS_CURSOR_MAX) {
            rv = YC_ERR_INTERNAL;
            goto out;
        }
    }
    if (n == 0) {
        yc_free(arr);
        arr = NULL;
    }
    *ret = arr;
    *ret_n = n;
    arr = NULL;
out:
    yc_free(arr);
    return rv;
}

/* One purge transaction: examine at most PURGE_STEP entries from @p resume (length
 * *resume_len; 0 = the first entry), remove those older than the cut-off, commit.  On return
 * *resume_len is the key to continue from, or 0 when the table is done. */
static yc_err purge_step(yc_store *st, int64_t cutoff_ms, uint8_t resume[static Q_KEY_MAX],
                         size_t *resume_len, uint64_t *removed)
{
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, 0, &txn));
    MDB_cursor *cur = NULL;
    uint64_t n_removed = 0;
    yc_err rv = yc_store_from_mdb(mdb_cursor_open(txn, st->query_log, &cur));
    MDB_val k = {*resume_len, resume}, v;
    int rc = MDB_NOTFOUND;
    if (rv == YC_OK)
        rc = mdb_cursor_get(cur, &k, &v, *resume_len == 0 ? MDB_FIRST : MDB_SET_RANGE);
    size_t examined = 0;
    while (rv == YC_OK && rc == 0) {
        const uint8_t *kb = k.mv_data;
        if (examined == PURGE_STEP) { /* continue in the next transaction from here */
            if (k.mv_size > Q_KEY_MAX) {
                rv = YC_ERR_STORE;
                break;
            }
            memcpy(resume, kb, k.mv_size);
            *resume_len = k.mv_size;
            break;
        }
        examined++;
        const uint8_t *sep = k.mv_size > 9 ? memchr(kb, 0, k.mv_size) : NULL;
        size_t sid_len = sep != NULL ? (size_t)(sep - kb) : 0;
        if (sep == NULL || sid_len == 0 || sid_len > YC_SUBJECT_ID_MAX ||
            k.mv_size != sid_len + 9) {
            rv = YC_ERR_STORE;
            break;
        }
        char sid[YC_SUBJECT_ID_MAX + 1];
        memcpy(sid, kb, sid_len);
        sid[sid_len] = '\0';
        yc_store_query q; /* the whole value is checked before its time is trusted */
        if ((rv = yc_store_query_decode(sid, yc_codec_get_u64be(kb + sid_len + 1), v.mv_data,
                                        v.mv_size, &q)) != YC_OK)
            break;
        if (q.at_ms < cutoff_ms) {
            /* after a delete the cursor's MDB_NEXT yields the entry that followed */
            if ((rv = yc_store_from_mdb(mdb_cursor_del(cur, 0))) != YC_OK)
                break;
            n_removed++;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rv == YC_OK && rc != 0) {
        *resume_len = 0; /* reached the end */
        if (rc != MDB_NOTFOUND)
            rv = yc_store_from_mdb(rc);
    }
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (rv == YC_OK)
        rv = yc_store_from_mdb(yc_store_txn_commit(st, txn));
    else
        yc_store_txn_abort(st, txn);
    if (rv == YC_OK)
        *removed += n_removed;
    return rv;
}

yc_err yc_store_query_log_purge(yc_store *st, int64_t cutoff_ms, uint64_t *ret_removed)
{
    YC_ENSURE(st != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_access_ensure(st));
    uint8_t resume[Q_KEY_MAX];
    size_t resume_len = 0;
    uint64_t removed = 0;
    do {
        YC_TRY(purge_step(st, cutoff_ms, resume, &resume_len, &removed));
    } while (resume_len != 0);
    if (ret_removed != NULL)
        *ret_removed = removed;
    return YC_OK;
}
