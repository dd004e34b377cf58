/* The objections tables (include/yrdcredit/store_objection.h).
 *
 * `objections`: key = objection id (25 bytes).  Value, codec version 2: the 40-byte header
 * below in clear with byte 0 = 2, then the strings sealed as one box (yc_store_text_seal():
 * the store's seal key, associated data = id + header), so no typed name or number is in
 * clear in data.mdb.  Opened, it is the plain codec version 1 value (40-byte header, then
 * strings, each a u16 LE length + bytes without NUL); a version 1 value is still read as it
 * is (the tables are new in issue 6, so released data dirs hold none):
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   1 state (yc_objection_state)
 *     2   1 outcome (yc_objection_outcome)
 *     3   1 action (yc_objection_action)
 *     4   4 deadline (i32 LE, yc_date)
 *     8   8 record_id (u64 LE, >= 1)
 *    16   8 filed_ms (i64 LE, >= 0)
 *    24   8 resolved_ms (i64 LE; 0 when open, else >= filed_ms)
 *    32   8 reserved, 0
 *    40     subject_id, authority_uscc, reason, resolved_by, resolution
 *
 * `objections_by_subject`: key = subject_id, 0x00, filed_ms (u64 BE), objection id.
 * `objections_by_status`: key = state (1 byte), deadline (u32 BE of deadline + 2^31, so that
 * byte order is date order), objection id.  Index values: the codec version byte (1).
 *
 * The three tables are created together (yc_store_init_dir() or the first filing in an older
 * directory); until then every read behaves as on empty tables.
 */
#include <stdio.h>
#include <string.h>

#include "audit_int.h"
#include "codec.h"
#include "objection_int.h"
#include "store_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/store_audit.h"
#include "yrdcredit/store_objection.h"
#include "yrdcredit/text.h"

enum {
    CODEC_VERSION = 1,
    HEADER_LEN = 40,
    N_STRINGS = 5,
    VAL_MAX = HEADER_LEN + 2 * N_STRINGS + YC_SUBJECT_ID_MAX + YC_USCC_LEN +
              2 * YC_OBJECTION_REASON_MAX + YC_OBJECTION_ACTOR_MAX,
    SUBJ_KEY_LEN_MAX = YC_SUBJECT_ID_MAX + 1 + 8 + YC_OBJECTION_ID_LEN,
    STATUS_KEY_LEN = 1 + 4 + YC_OBJECTION_ID_LEN,
    RAND_BYTES = 16,
};

static const char DB_OBJECTIONS[] = "objections";
static const char DB_OBJECTIONS_SUBJ[] = "objections_by_subject";
static const char DB_OBJECTIONS_STATUS[] = "objections_by_status";

/* ---- names ---- */

const char *yc_objection_state_name(yc_objection_state v)
{
    switch (v) {
    case YC_OBJECTION_OPEN:
        return "open";
    case YC_OBJECTION_RESOLVED:
        return "resolved";
    }
    return "unknown";
}

const char *yc_objection_outcome_name(yc_objection_outcome v)
{
    switch (v) {
    case YC_OBJECTION_OUTCOME_NONE:
        return "";
    case YC_OBJECTION_OUTCOME_UPHELD:
        return "upheld";
    case YC_OBJECTION_OUTCOME_REJECTED:
        return "rejected";
    }
    return "unknown";
}

const char *yc_objection_action_name(yc_objection_action v)
{
    switch (v) {
    case YC_OBJECTION_ACTION_NONE:
        return "";
    case YC_OBJECTION_ACTION_CORRECT:
        return "correct";
    case YC_OBJECTION_ACTION_REVOKE:
        return "revoke";
    }
    return "unknown";
}

/* ---- shape checks ---- */

/* A reason of 0 (when @p empty_ok) or 1..max bytes, on @p n known bytes (no NUL needed). */
static bool text_ok(const char *s, size_t n, bool empty_ok)
{
    if (n == 0)
        return empty_ok;
    if (n > YC_OBJECTION_REASON_MAX)
        return false;
    _Static_assert(YC_OBJECTION_DIGIT_RUN_MAX == YC_TEXT_DIGIT_RUN_MAX,
                   "one rule for every free text");
    return yc_text_free_ok(s, n);
}

bool yc_store_objection_reason_ok(const char *s)
{
    if (s == NULL)
        return false;
    const size_t n = strnlen(s, YC_OBJECTION_REASON_MAX + 1);
    return n <= YC_OBJECTION_REASON_MAX && text_ok(s, n, false);
}

bool yc_store_objection_id_ok(const char *id)
{
    const size_t plen = sizeof YC_OBJECTION_ID_PREFIX - 1;
    return id != NULL && strnlen(id, YC_OBJECTION_ID_LEN + 1) == YC_OBJECTION_ID_LEN &&
           memcmp(id, YC_OBJECTION_ID_PREFIX, plen) == 0 &&
           yc_store_b64url_id_chars_ok(id + plen, YC_OBJECTION_ID_LEN - plen);
}

static bool printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* The yc_store_objection rules (@p ob's strings NUL-terminated within their arrays). */
static bool objection_ok(const yc_store_objection *ob)
{
    const size_t sid = strnlen(ob->subject_id, sizeof ob->subject_id);
    const size_t au = strnlen(ob->authority_uscc, sizeof ob->authority_uscc);
    const size_t rs = strnlen(ob->reason, sizeof ob->reason);
    const size_t by = strnlen(ob->resolved_by, sizeof ob->resolved_by);
    const size_t rl = strnlen(ob->resolution, sizeof ob->resolution);
    if (!yc_store_objection_id_ok(ob->id) || ob->record_id == 0 || sid == 0 ||
        sid >= sizeof ob->subject_id || !printable(ob->subject_id, sid) ||
        au >= sizeof ob->authority_uscc || (au != 0 && au != YC_USCC_LEN) ||
        !printable(ob->authority_uscc, au) || rs >= sizeof ob->reason ||
        !text_ok(ob->reason, rs, false) || by >= sizeof ob->resolved_by ||
        rl >= sizeof ob->resolution || ob->filed_ms < 0 || ob->deadline < YC_DATE_MIN ||
        ob->deadline > YC_DATE_LONG_TERM)
        return false;
    if (ob->state == YC_OBJECTION_OPEN)
        return ob->outcome == YC_OBJECTION_OUTCOME_NONE && ob->action == YC_OBJECTION_ACTION_NONE &&
               rl == 0 && by == 0 && ob->resolved_ms == 0;
    if (ob->state != YC_OBJECTION_RESOLVED || by == 0 || !printable(ob->resolved_by, by) ||
        ob->resolved_ms < ob->filed_ms)
        return false;
    if (ob->outcome == YC_OBJECTION_OUTCOME_UPHELD)
        return (ob->action == YC_OBJECTION_ACTION_CORRECT ||
                ob->action == YC_OBJECTION_ACTION_REVOKE) &&
               rl == 0;
    return ob->outcome == YC_OBJECTION_OUTCOME_REJECTED && ob->action == YC_OBJECTION_ACTION_NONE &&
           text_ok(ob->resolution, rl, false);
}

/* ---- codec ---- */

static size_t put_str(uint8_t *p, const char *s)
{
    const size_t n = strlen(s);
    yc_codec_put_le(p, n, 2);
    memcpy(p + 2, s, n);
    return 2 + n;
}

static yc_err encode(const yc_store_objection *ob, uint8_t out[static VAL_MAX], size_t *ret_len)
{
    YC_ENSURE(objection_ok(ob), YC_ERR_INVALID);
    memset(out, 0, HEADER_LEN);
    out[0] = CODEC_VERSION;
    out[1] = ob->state;
    out[2] = ob->outcome;
    out[3] = ob->action;
    yc_codec_put_le(out + 4, (uint32_t)ob->deadline, 4);
    yc_codec_put_le(out + 8, ob->record_id, 8);
    yc_codec_put_le(out + 16, (uint64_t)ob->filed_ms, 8);
    yc_codec_put_le(out + 24, (uint64_t)ob->resolved_ms, 8);
    size_t off = HEADER_LEN;
    off += put_str(out + off, ob->subject_id);
    off += put_str(out + off, ob->authority_uscc);
    off += put_str(out + off, ob->reason);
    off += put_str(out + off, ob->resolved_by);
    off += put_str(out + off, ob->resolution);
    *ret_len = off;
    return YC_OK;
}

static yc_err get_str(const uint8_t *val, size_t len, size_t *off, char *dst, size_t cap)
{
    YC_ENSURE(len - *off >= 2, YC_ERR_STORE);
    const size_t n = (size_t)yc_codec_get_le(val + *off, 2);
    YC_ENSURE(n < cap && len - *off - 2 >= n, YC_ERR_STORE);
    YC_ENSURE(memchr(val + *off + 2, '\0', n) == NULL, YC_ERR_STORE);
    memcpy(dst, val + *off + 2, n);
    dst[n] = '\0';
    *off += 2 + n;
    return YC_OK;
}

/* Decode a stored value (untrusted: from disk).  @p id is the key. */
static yc_err decode(const uint8_t *val, size_t len, const char *id, size_t id_len,
                     yc_store_objection *ret)
{
    YC_ENSURE(len >= HEADER_LEN && len <= VAL_MAX && val[0] == CODEC_VERSION, YC_ERR_STORE);
    for (size_t i = 32; i < HEADER_LEN; i++)
        YC_ENSURE(val[i] == 0, YC_ERR_STORE);
    YC_ENSURE(id_len == YC_OBJECTION_ID_LEN, YC_ERR_STORE);
    memset(ret, 0, sizeof *ret);
    memcpy(ret->id, id, YC_OBJECTION_ID_LEN);
    ret->state = val[1];
    ret->outcome = val[2];
    ret->action = val[3];
    ret->deadline = (yc_date)(int32_t)(uint32_t)yc_codec_get_le(val + 4, 4);
    ret->record_id = yc_codec_get_le(val + 8, 8);
    ret->filed_ms = (int64_t)yc_codec_get_le(val + 16, 8);
    ret->resolved_ms = (int64_t)yc_codec_get_le(val + 24, 8);
    size_t off = HEADER_LEN;
    YC_TRY(get_str(val, len, &off, ret->subject_id, sizeof ret->subject_id));
    YC_TRY(get_str(val, len, &off, ret->authority_uscc, sizeof ret->authority_uscc));
    YC_TRY(get_str(val, len, &off, ret->reason, sizeof ret->reason));
    YC_TRY(get_str(val, len, &off, ret->resolved_by, sizeof ret->resolved_by));
    YC_TRY(get_str(val, len, &off, ret->resolution, sizeof ret->resolution));
    YC_ENSURE(off == len && objection_ok(ret), YC_ERR_STORE);
    return YC_OK;
}

/* ---- sealed free texts ---- */

enum { SEAL_AD_MAX = 32 + HEADER_LEN };

yc_err yc_store_text_seal(const yc_store *st, const char *id, size_t id_len, const uint8_t *plain,
                          size_t plain_len, size_t header_len, uint8_t *out, size_t *ret_len)
{
    YC_ENSURE(plain_len >= header_len && plain[0] == CODEC_VERSION, YC_ERR_INVALID);
    YC_ENSURE(id_len + header_len <= SEAL_AD_MAX, YC_ERR_INVALID);
    memcpy(out, plain, header_len);
    out[0] = YC_STORE_SEALED_CODEC;
    uint8_t ad[SEAL_AD_MAX];
    memcpy(ad, id, id_len);
    memcpy(ad + id_len, out, header_len);
    YC_TRY(yc_crypto_seal(st->seal_key, plain + header_len, plain_len - header_len, ad,
                          id_len + header_len, out + header_len));
    *ret_len = plain_len + YC_SEAL_OVERHEAD;
    return YC_OK;
}

yc_err yc_store_text_open(const yc_store *st, const char *id, size_t id_len, const uint8_t *val,
                          size_t len, size_t header_len, uint8_t *out, size_t cap, size_t *ret_len)
{
    YC_ENSURE(len >= header_len && len >= 1 && id_len + header_len <= SEAL_AD_MAX, YC_ERR_STORE);
    if (val[0] == CODEC_VERSION) {
        YC_ENSURE(len <= cap, YC_ERR_STORE);
        memcpy(out, val, len);
        *ret_len = len;
        return YC_OK;
    }
    YC_ENSURE(val[0] == YC_STORE_SEALED_CODEC && len - header_len >= YC_SEAL_OVERHEAD &&
                  len - YC_SEAL_OVERHEAD <= cap,
              YC_ERR_STORE);
    uint8_t ad[SEAL_AD_MAX];
    memcpy(ad, id, id_len);
    memcpy(ad + id_len, val, header_len);
    YC_TRY(yc_crypto_open(st->seal_key, val + header_len, len - header_len, ad, id_len + header_len,
                          out + header_len));
    memcpy(out, val, header_len);
    out[0] = CODEC_VERSION;
    *ret_len = len - YC_SEAL_OVERHEAD;
    return YC_OK;
}

/* ---- keys ---- */

static size_t subj_key(const yc_store_objection *ob, uint8_t out[static SUBJ_KEY_LEN_MAX])
{
    const size_t n = strlen(ob->subject_id);
    memcpy(out, ob->subject_id, n);
    out[n] = 0;
    yc_codec_put_u64be(out + n + 1, (uint64_t)ob->filed_ms);
    memcpy(out + n + 9, ob->id, YC_OBJECTION_ID_LEN);
    return n + 9 + YC_OBJECTION_ID_LEN;
}

static void put_u32be(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void status_key(uint8_t state, yc_date deadline, const char *id,
                       uint8_t out[static STATUS_KEY_LEN])
{
    out[0] = state;
    put_u32be(out + 1, (uint32_t)deadline ^ 0x80000000u);
    memcpy(out + 5, id, YC_OBJECTION_ID_LEN);
}

/* ---- tables ---- */

yc_err yc_store_objection_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags, bool *ret_found)
{
    MDB_dbi d[3] = {0, 0, 0};
    const char *names[3] = {DB_OBJECTIONS, DB_OBJECTIONS_SUBJ, DB_OBJECTIONS_STATUS};
    for (size_t i = 0; i < 3; i++) {
        int rc = mdb_dbi_open(txn, names[i], flags, &d[i]);
        if (rc == MDB_NOTFOUND && (flags & MDB_CREATE) == 0) {
            *ret_found = false;
            return YC_OK;
        }
        YC_TRY(yc_store_from_mdb(rc));
    }
    st->objections = d[0];
    st->objections_subj = d[1];
    st->objections_status = d[2];
    *ret_found = true;
    return YC_OK;
}

yc_err yc_store_objection_ensure(yc_store *st)
{
    return yc_store_tables_ensure(st, &st->objections_ready, yc_store_objection_open_dbis, true);
}

/* Readers: adopt tables another process created; false when there are none yet. */
static yc_err adopt(yc_store *st, bool *ret_ready)
{
    YC_TRY(yc_store_tables_ensure(st, &st->objections_ready, yc_store_objection_open_dbis, false));
    *ret_ready = atomic_load_explicit(&st->objections_ready, memory_order_acquire);
    return YC_OK;
}

static const uint8_t INDEX_VAL[1] = {CODEC_VERSION};

/* Write @p ob and both index entries; @p old (may be NULL) is the previous state whose status
 * entry is removed. */
static yc_err txn_put(yc_store *st, MDB_txn *txn, const yc_store_objection *ob,
                      const yc_store_objection *old)
{
    uint8_t plain[VAL_MAX], val[VAL_MAX + YC_SEAL_OVERHEAD];
    size_t plen = 0, len = 0;
    YC_TRY(encode(ob, plain, &plen));
    YC_TRY(yc_store_text_seal(st, ob->id, YC_OBJECTION_ID_LEN, plain, plen, HEADER_LEN, val, &len));
    MDB_val k = {YC_OBJECTION_ID_LEN, (void *)(uintptr_t)ob->id}, v = {len, val};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->objections, &k, &v, 0)));
    MDB_val iv = {sizeof INDEX_VAL, (void *)(uintptr_t)INDEX_VAL};
    uint8_t sk[SUBJ_KEY_LEN_MAX], tk[STATUS_KEY_LEN];
    MDB_val sv = {subj_key(ob, sk), sk};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->objections_subj, &sv, &iv, 0)));
    if (old != NULL) {
        status_key(old->state, old->deadline, old->id, tk);
        MDB_val ok = {sizeof tk, tk};
        const int rc = mdb_del(txn, st->objections_status, &ok, NULL);
        YC_ENSURE(rc == 0, rc == MDB_NOTFOUND ? YC_ERR_STORE : yc_store_from_mdb(rc));
    }
    status_key(ob->state, ob->deadline, ob->id, tk);
    MDB_val tv = {sizeof tk, tk};
    return yc_store_from_mdb(mdb_put(txn, st->objections_status, &tv, &iv, 0));
}

static yc_err txn_get(yc_store *st, MDB_txn *txn, const char *id, yc_store_objection *ret)
{
    MDB_val k = {YC_OBJECTION_ID_LEN, (void *)(uintptr_t)id}, v;
    YC_TRY(yc_store_from_mdb(mdb_get(txn, st->objections, &k, &v)));
    uint8_t plain[VAL_MAX];
    size_t plen = 0;
    YC_TRY(yc_store_text_open(st, id, YC_OBJECTION_ID_LEN, v.mv_data, v.mv_size, HEADER_LEN, plain,
                              sizeof plain, &plen));
    return decode(plain, plen, id, YC_OBJECTION_ID_LEN, ret);
}

static yc_err new_id(char out[static YC_OBJECTION_ID_LEN + 1])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t raw[RAND_BYTES + 2] = {0};
    YC_TRY(yc_crypto_random(raw, RAND_BYTES));
    const size_t plen = sizeof YC_OBJECTION_ID_PREFIX - 1;
    memcpy(out, YC_OBJECTION_ID_PREFIX, plen);
    /* RFC 4648 §5 without padding: 16 bytes -> 22 characters (the last holds 2 bits) */
    size_t o = plen;
    for (size_t i = 0; i < RAND_BYTES; i += 3) {
        const uint32_t w = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        const size_t chars = RAND_BYTES - i >= 3 ? 4 : (RAND_BYTES - i) + 1;
        for (size_t j = 0; j < chars; j++)
            out[o++] = alphabet[(w >> (18 - 6 * j)) & 63];
    }
    out[o] = '\0';
    return o == YC_OBJECTION_ID_LEN ? YC_OK : YC_ERR_INTERNAL;
}

/* ---- file ---- */

yc_err yc_store_objection_file(yc_store *st, uint64_t record_id, const char *subject_id,
                               const char *reason, int64_t now_ms, yc_date deadline,
                               yc_store_objection *ret, yc_record *ret_record)
{
    YC_ENSURE(subject_id != NULL && reason != NULL, YC_ERR_INVALID);
    const size_t sid_len = strnlen(subject_id, YC_SUBJECT_ID_MAX + 1);
    YC_ENSURE(sid_len >= 1 && sid_len <= YC_SUBJECT_ID_MAX && printable(subject_id, sid_len),
              YC_ERR_INVALID);
    YC_ENSURE(yc_store_objection_reason_ok(reason) && now_ms >= 0, YC_ERR_INVALID);
    YC_ENSURE(deadline >= YC_DATE_MIN && deadline <= YC_DATE_LONG_TERM, YC_ERR_INVALID);
    YC_ENSURE(record_id != 0, YC_ERR_NOT_FOUND);
    yc_store_objection *ob = yc_calloc(1, sizeof *ob);
    YC_ENSURE(ob != NULL, YC_ERR_NOMEM);
    yc_record rec;
    MDB_txn *txn = NULL;
    yc_err rv = new_id(ob->id);
    if (rv == YC_OK)
        rv = yc_store_recids_ensure(st);
    if (rv == YC_OK)
        rv = yc_store_objection_ensure(st);
    if (rv == YC_OK)
        rv = yc_store_txn_begin(st, 0, &txn);
    if (rv != YC_OK) {
        txn = NULL;
        goto out;
    }
    if ((rv = yc_store_record_txn_get(st, txn, record_id, &rec, NULL)) != YC_OK)
        goto out;
    if (strcmp(rec.subject_id, subject_id) != 0) { /* another subject's record: not found */
        rv = YC_ERR_NOT_FOUND;
        goto out;
    }
    if ((rv = yc_store_record_txn_set_status(st, txn, record_id, YC_STATUS_BIT(YC_STATUS_ACTIVE),
                                             YC_STATUS_DISPUTED, now_ms, &rec)) != YC_OK)
        goto out;
    ob->record_id = record_id;
    memcpy(ob->subject_id, subject_id, sid_len + 1);
    memcpy(ob->authority_uscc, rec.authority_uscc, sizeof ob->authority_uscc);
    if (strlen(ob->authority_uscc) != YC_USCC_LEN)
        ob->authority_uscc[0] = '\0'; /* a legacy record without its authority's USCC */
    memcpy(ob->reason, reason, strlen(reason) + 1);
    ob->filed_ms = now_ms;
    ob->deadline = deadline;
    ob->state = YC_OBJECTION_OPEN;
    /* a new random id never collides in practice; a collision is refused, not overwritten */
    MDB_val k = {YC_OBJECTION_ID_LEN, ob->id}, v;
    const int rc = mdb_get(txn, st->objections, &k, &v);
    if (rc != MDB_NOTFOUND) {
        rv = rc == 0 ? YC_ERR_INTERNAL : yc_store_from_mdb(rc);
        goto out;
    }
    if ((rv = txn_put(st, txn, ob, NULL)) != YC_OK)
        goto out;
    rv = yc_store_from_mdb(yc_store_txn_commit(st, txn));
    txn = NULL;
    if (rv == YC_OK && ret != NULL)
        *ret = *ob;
    if (rv == YC_OK && ret_record != NULL)
        *ret_record = rec;
out:
    if (txn != NULL)
        yc_store_txn_abort(st, txn);
    yc_free(ob);
    return rv;
}

/* ---- get ---- */

yc_err yc_store_objection_get(yc_store *st, const char *id, yc_store_objection *ret)
{
    YC_ENSURE(yc_store_objection_id_ok(id), YC_ERR_NOT_FOUND);
    bool ready = false;
    YC_TRY(adopt(st, &ready));
    YC_ENSURE(ready, YC_ERR_NOT_FOUND);
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, MDB_RDONLY, &txn));
    const yc_err rv = txn_get(st, txn, id, ret);
    yc_store_txn_abort(st, txn);
    return rv;
}

/* ---- resolve ---- */

static bool resolution_ok(const yc_store_objection_resolution *res)
{
    const char *text = res->resolution != NULL ? res->resolution : "";
    if (res->outcome == YC_OBJECTION_OUTCOME_UPHELD)
        return (res->action == YC_OBJECTION_ACTION_CORRECT ||
                res->action == YC_OBJECTION_ACTION_REVOKE) &&
               text[0] == '\0';
    return res->outcome == YC_OBJECTION_OUTCOME_REJECTED &&
           res->action == YC_OBJECTION_ACTION_NONE && yc_store_objection_reason_ok(text);
}

static yc_err resolve_txn(yc_store *st, MDB_txn *txn, const char *id,
                          const yc_store_objection_resolution *res, yc_store_objection *ob,
                          yc_record *rec)
{
    yc_store_objection old;
    YC_TRY(txn_get(st, txn, id, &old));
    YC_ENSURE(old.state == YC_OBJECTION_OPEN, YC_ERR_CONFLICT);
    YC_ENSURE(res->now_ms >= old.filed_ms, YC_ERR_INVALID);
    const yc_err got = yc_store_record_txn_get(st, txn, old.record_id, rec, NULL);
    if (got == YC_ERR_NOT_FOUND) /* purged since (a revoked record): nothing to change */
        memset(rec, 0, sizeof *rec);
    else
        YC_TRY(got);
    unsigned from = 0;
    yc_status to = YC_STATUS_ACTIVE;
    if (res->action == YC_OBJECTION_ACTION_REVOKE) {
        from = YC_STATUS_BIT(YC_STATUS_ACTIVE) | YC_STATUS_BIT(YC_STATUS_DISPUTED);
        to = YC_STATUS_REVOKED;
    } else if (res->outcome == YC_OBJECTION_OUTCOME_REJECTED ||
               res->action == YC_OBJECTION_ACTION_CORRECT) {
        /* rejected, or upheld with a correction (stored by ingest, which keeps the record
         * disputed, yc_store_ingest()): the record counts again, as corrected */
        from = YC_STATUS_BIT(YC_STATUS_DISPUTED);
    }
    if (rec->record_id != 0 && (from & YC_STATUS_BIT(rec->status)) != 0)
        YC_TRY(yc_store_record_txn_set_status(st, txn, old.record_id, from, to, res->now_ms, rec));
    *ob = old;
    ob->state = YC_OBJECTION_RESOLVED;
    ob->outcome = res->outcome;
    ob->action = res->action;
    const char *text = res->resolution != NULL ? res->resolution : "";
    memcpy(ob->resolution, text, strlen(text) + 1);
    memcpy(ob->resolved_by, res->actor, strlen(res->actor) + 1);
    ob->resolved_ms = res->now_ms;
    YC_TRY(txn_put(st, txn, ob, &old));
    yc_store_audit e = {
        .at_ms = res->now_ms, .action = YC_AUDIT_OBJECTION_RESOLVE, .outcome = YC_AUDIT_OK};
    memcpy(e.actor, res->actor, strlen(res->actor) + 1);
    memcpy(e.target, id, YC_OBJECTION_ID_LEN + 1);
    snprintf(e.detail, sizeof e.detail, "record %llu %s%s%s", (unsigned long long)old.record_id,
             yc_objection_outcome_name((yc_objection_outcome)res->outcome),
             res->action != YC_OBJECTION_ACTION_NONE ? " " : "",
             yc_objection_action_name((yc_objection_action)res->action));
    return yc_store_audit_txn_append(st, txn, &e, NULL);
}

yc_err yc_store_objection_resolve(yc_store *st, const char *id,
                                  const yc_store_objection_resolution *res, yc_store_objection *ret,
                                  yc_record *ret_record)
{
    YC_ENSURE(res != NULL && res->actor != NULL, YC_ERR_INVALID);
    const size_t an = strnlen(res->actor, YC_OBJECTION_ACTOR_MAX + 1);
    /* the audit entry's actor rules are checked by its append (YC_ERR_INVALID, nothing kept) */
    YC_ENSURE(an >= 1 && an <= YC_OBJECTION_ACTOR_MAX && printable(res->actor, an), YC_ERR_INVALID);
    YC_ENSURE(resolution_ok(res) && res->now_ms >= 0, YC_ERR_INVALID);
    YC_ENSURE(yc_store_objection_id_ok(id), YC_ERR_NOT_FOUND);
    bool ready = false;
    YC_TRY(adopt(st, &ready));
    YC_ENSURE(ready, YC_ERR_NOT_FOUND);
    YC_TRY(yc_store_recids_ensure(st));
    YC_TRY(yc_store_audit_ensure(st));
    yc_store_objection *ob = yc_calloc(1, sizeof *ob);
    YC_ENSURE(ob != NULL, YC_ERR_NOMEM);
    yc_record rec;
    MDB_txn *txn = NULL;
    yc_err rv = yc_store_txn_begin(st, 0, &txn);
    if (rv != YC_OK)
        goto out;
    rv = resolve_txn(st, txn, id, res, ob, &rec);
    if (rv != YC_OK) {
        yc_store_txn_abort(st, txn);
        goto out;
    }
    rv = yc_store_from_mdb(yc_store_txn_commit(st, txn));
    if (rv == YC_OK && ret != NULL)
        *ret = *ob;
    if (rv == YC_OK && ret_record != NULL)
        *ret_record = rec;
out:
    yc_free(ob);
    return rv;
}

/* ---- lists ---- */

static bool authority_match(const yc_store_objection_filter *f, const yc_store_objection *ob)
{
    if (f->authorities == NULL)
        return true;
    for (size_t i = 0; i < f->n_authorities; i++)
        if (f->authorities[i] != NULL && ob->authority_uscc[0] != '\0' &&
            strcmp(f->authorities[i], ob->authority_uscc) == 0)
            return true;
    return false;
}

typedef struct page {
    yc_store_objection *arr;
    size_t n, limit;
    bool more;
} page;

static yc_err page_push(page *p, const yc_store_objection *ob)
{
    if (p->n == p->limit) {
        p->more = true;
        return YC_OK;
    }
    if (p->arr == NULL) {
        p->arr = yc_calloc(p->limit, sizeof *p->arr);
        YC_ENSURE(p->arr != NULL, YC_ERR_NOMEM);
    }
    p->arr[p->n++] = *ob;
    return YC_OK;
}

/* The id at the end of an index key (both indexes end with it). */
static yc_err key_id(const MDB_val *k, size_t prefix_min, char id[static YC_OBJECTION_ID_LEN + 1])
{
    YC_ENSURE(k->mv_size >= prefix_min + YC_OBJECTION_ID_LEN, YC_ERR_STORE);
    memcpy(id, (const uint8_t *)k->mv_data + k->mv_size - YC_OBJECTION_ID_LEN, YC_OBJECTION_ID_LEN);
    id[YC_OBJECTION_ID_LEN] = '\0';
    YC_ENSURE(yc_store_objection_id_ok(id), YC_ERR_STORE);
    return YC_OK;
}

static yc_err list_status(yc_store *st, MDB_txn *txn, const yc_store_objection_filter *f,
                          const yc_store_objection *after, page *p, yc_store_objection *scratch)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->objections_status, &cur)));
    uint8_t start[STATUS_KEY_LEN] = {0};
    size_t start_len = 0;
    if (after != NULL) {
        status_key(after->state, after->deadline, after->id, start);
        start_len = sizeof start;
    } else if (f->state >= 0) {
        start[0] = (uint8_t)f->state;
        start_len = 1;
    }
    MDB_val k = {start_len, start}, v;
    yc_err rv = YC_OK;
    int rc = start_len > 0 ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
                           : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    if (rc == 0 && after != NULL && k.mv_size == sizeof start &&
        memcmp(k.mv_data, start, sizeof start) == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* resume after the cursor's entry */
    for (; rc == 0 && !p->more; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char id[YC_OBJECTION_ID_LEN + 1];
        if ((rv = key_id(&k, 5, id)) != YC_OK || k.mv_size != STATUS_KEY_LEN)
            break;
        const uint8_t state = ((const uint8_t *)k.mv_data)[0];
        if (f->state >= 0 && state != (uint8_t)f->state)
            break; /* past this state's range */
        if ((rv = txn_get(st, txn, id, scratch)) != YC_OK)
            break;
        if (scratch->state != state) {
            rv = YC_ERR_STORE; /* the index disagrees with the value */
            break;
        }
        if (f->overdue_today != YC_DATE_NONE &&
            (scratch->state != YC_OBJECTION_OPEN || scratch->deadline >= f->overdue_today)) {
            if (scratch->state == YC_OBJECTION_OPEN)
                break; /* deadlines ascend: no later open one is overdue */
            continue;
        }
        if (authority_match(f, scratch) && (rv = page_push(p, scratch)) != YC_OK)
            break;
    }
    if (rv == YC_OK && rc != 0 && rc != MDB_NOTFOUND)
        rv = yc_store_from_mdb(rc);
    mdb_cursor_close(cur);
    return rv;
}

yc_err yc_store_objections_list(yc_store *st, const yc_store_objection_filter *f,
                                const char *cursor, size_t limit, yc_store_objection **ret_arr,
                                size_t *ret_n, char ret_next[static YC_OBJECTION_ID_LEN + 1])
{
    YC_ENSURE(f != NULL && limit >= 1 && limit <= YC_OBJECTION_PAGE_MAX, YC_ERR_INVALID);
    YC_ENSURE(f->state >= -1 && f->state <= YC_OBJECTION_RESOLVED, YC_ERR_INVALID);
    YC_ENSURE(f->authorities == NULL || f->n_authorities <= 64, YC_ERR_INVALID);
    const bool has_cursor = cursor != NULL && cursor[0] != '\0';
    YC_ENSURE(!has_cursor || yc_store_objection_id_ok(cursor), YC_ERR_INVALID);
    bool ready = false;
    YC_TRY(adopt(st, &ready));
    if (!ready) {
        YC_ENSURE(!has_cursor, YC_ERR_INVALID);
        *ret_arr = NULL;
        *ret_n = 0;
        ret_next[0] = '\0';
        return YC_OK;
    }
    /* page + 1 look-ahead objection + the cursor's: off the stack */
    yc_store_objection *tmp = yc_calloc(2, sizeof *tmp);
    YC_ENSURE(tmp != NULL, YC_ERR_NOMEM);
    page p = {.limit = limit};
    MDB_txn *txn = NULL;
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &txn);
    if (rv != YC_OK)
        goto out;
    if (has_cursor) {
        rv = txn_get(st, txn, cursor, &tmp[1]);
        if (rv == YC_ERR_NOT_FOUND)
            rv = YC_ERR_INVALID;
    }
    if (rv == YC_OK)
        rv = list_status(st, txn, f, has_cursor ? &tmp[1] : NULL, &p, &tmp[0]);
    yc_store_txn_abort(st, txn);
out:
    yc_free(tmp);
    if (rv != YC_OK) {
        yc_free(p.arr);
        return rv;
    }
    *ret_arr = p.arr;
    *ret_n = p.n;
    if (p.more)
        memcpy(ret_next, p.arr[p.n - 1].id, YC_OBJECTION_ID_LEN + 1);
    else
        ret_next[0] = '\0';
    return YC_OK;
}

yc_err yc_store_objections_of_subject(yc_store *st, const char *subject_id, const char *cursor,
                                      size_t limit, yc_store_objection **ret_arr, size_t *ret_n,
                                      char ret_next[static YC_OBJECTION_ID_LEN + 1])
{
    YC_ENSURE(subject_id != NULL && limit >= 1 && limit <= YC_OBJECTION_PAGE_MAX, YC_ERR_INVALID);
    const size_t sid_len = strnlen(subject_id, YC_SUBJECT_ID_MAX + 1);
    YC_ENSURE(sid_len >= 1 && sid_len <= YC_SUBJECT_ID_MAX && printable(subject_id, sid_len),
              YC_ERR_INVALID);
    const bool has_cursor = cursor != NULL && cursor[0] != '\0';
    YC_ENSURE(!has_cursor || yc_store_objection_id_ok(cursor), YC_ERR_INVALID);
    bool ready = false;
    YC_TRY(adopt(st, &ready));
    if (!ready) {
        YC_ENSURE(!has_cursor, YC_ERR_INVALID);
        *ret_arr = NULL;
        *ret_n = 0;
        ret_next[0] = '\0';
        return YC_OK;
    }
    yc_store_objection *tmp = yc_calloc(2, sizeof *tmp);
    YC_ENSURE(tmp != NULL, YC_ERR_NOMEM);
    page p = {.limit = limit};
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &txn);
    if (rv != YC_OK) {
        txn = NULL;
        goto out;
    }
    uint8_t start[SUBJ_KEY_LEN_MAX];
    size_t start_len = sid_len + 1;
    memcpy(start, subject_id, sid_len);
    start[sid_len] = 0;
    if (has_cursor) {
        rv = txn_get(st, txn, cursor, &tmp[1]);
        if (rv == YC_ERR_NOT_FOUND || (rv == YC_OK && strcmp(tmp[1].subject_id, subject_id) != 0))
            rv = YC_ERR_INVALID;
        if (rv != YC_OK)
            goto out;
        start_len = subj_key(&tmp[1], start);
    }
    if ((rv = yc_store_from_mdb(mdb_cursor_open(txn, st->objections_subj, &cur))) != YC_OK)
        goto out;
    MDB_val k = {start_len, start}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && has_cursor && k.mv_size == start_len && memcmp(k.mv_data, start, start_len) == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    for (; rc == 0 && !p.more; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != sid_len + 9 + YC_OBJECTION_ID_LEN ||
            memcmp(k.mv_data, start, sid_len + 1) != 0)
            break; /* past this subject */
        char id[YC_OBJECTION_ID_LEN + 1];
        if ((rv = key_id(&k, sid_len + 9, id)) != YC_OK ||
            (rv = txn_get(st, txn, id, &tmp[0])) != YC_OK)
            break;
        if (strcmp(tmp[0].subject_id, subject_id) != 0) {
            rv = YC_ERR_STORE;
            break;
        }
        if ((rv = page_push(&p, &tmp[0])) != YC_OK)
            break;
    }
    if (rv == YC_OK && rc != 0 && rc != MDB_NOTFOUND)
        rv = yc_store_from_mdb(rc);
out:
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (txn != NULL)
        yc_store_txn_abort(st, txn);
    yc_free(tmp);
    if (rv != YC_OK) {
        yc_free(p.arr);
        return rv;
    }
    *ret_arr = p.arr;
    *ret_n = p.n;
    if (p.more)
        memcpy(ret_next, p.arr[p.n - 1].id, YC_OBJECTION_ID_LEN + 1);
    else
        ret_next[0] = '\0';
    return YC_OK;
}
