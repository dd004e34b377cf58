/* The audit log of admin actions (include/yrdcredit/store_audit.h): codec, shape checks,
 * append, listing, purge.
 *
 * `audit`: key = seq (u64 BE, >= 1).  Value, codec version 1 (16-byte header, then strings,
 * each a u8 length + bytes without NUL):
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   1 action (1..YC_AUDIT_ACTION_LAST)
 *     2   1 outcome (0 ok, 1 refused)
 *     3   5 reserved, 0
 *     8   8 at_ms (i64 LE, >= 0)
 *    16     actor, target, detail
 *
 * The table is created by yc_store_init_dir() or yc_store_audit_ensure(); its handle is opened
 * once and published by audit_ready, as for the issue 5 tables.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit_int.h"
#include "codec.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/text.h"

enum {
    CODEC_VERSION = 1,
    HEADER_LEN = 16,
    KEY_LEN = 8,
    /* entries examined per purge transaction: the writer lock is never held for long */
    PURGE_STEP = 4096,
    CLIENT_ID_LEN = 19,
    TOKEN_B64_LEN = 43,
};

_Static_assert(YC_AUDIT_VAL_MAX ==
                   HEADER_LEN + 3 + YC_AUDIT_ACTOR_MAX + YC_AUDIT_TARGET_MAX + YC_AUDIT_DETAIL_MAX,
               "audit value bound");
_Static_assert(YC_AUDIT_TARGET_MAX <= 255 && YC_AUDIT_DETAIL_MAX <= 255 &&
                   YC_AUDIT_ACTOR_MAX <= 255,
               "string lengths fit u8");

static const char DB_AUDIT[] = "audit";

static const char *const action_codes[YC_AUDIT_ACTION_LAST + 1] = {
    [YC_AUDIT_CLIENT_ADD] = "client_add",
    [YC_AUDIT_CLIENT_REVOKE] = "client_revoke",
    [YC_AUDIT_KEY_NEW] = "key_new",
    [YC_AUDIT_KEY_ROTATE] = "key_rotate",
    [YC_AUDIT_KEY_RETIRE] = "key_retire",
    [YC_AUDIT_TRUST_ADD] = "trust_add",
    [YC_AUDIT_TRUST_REMOVE] = "trust_remove",
    [YC_AUDIT_TRUST_REFRESH] = "trust_refresh",
    [YC_AUDIT_POLICY_RELOAD] = "policy_reload",
    [YC_AUDIT_SHARE_IMPORT] = "share_import",
    [YC_AUDIT_OBJECTION_RESOLVE] = "objection_resolve",
    [YC_AUDIT_REPAIR_APPROVE] = "repair_approve",
    [YC_AUDIT_REPAIR_REJECT] = "repair_reject",
    [YC_AUDIT_PURGE] = "purge",
    [YC_AUDIT_RECORD_REVOKE] = "record_revoke",
    [YC_AUDIT_ATTEST_REVOKE] = "attest_revoke",
    [YC_AUDIT_ATTEST_SUSPEND] = "attest_suspend",
    [YC_AUDIT_ATTEST_UNSUSPEND] = "attest_unsuspend",
};

/* ---- fixed-width integers ---- */

/* ---- vocabulary ---- */

const char *yc_audit_action_code(yc_audit_action a)
{
    if ((int)a < 1 || (int)a > YC_AUDIT_ACTION_LAST)
        return "unknown";
    return action_codes[a];
}

yc_err yc_audit_action_parse(const char *code, yc_audit_action *ret)
{
    YC_ENSURE(code != NULL && ret != NULL, YC_ERR_INVALID);
    for (int a = 1; a <= YC_AUDIT_ACTION_LAST; a++) {
        if (strcmp(code, action_codes[a]) == 0) {
            *ret = (yc_audit_action)a;
            return YC_OK;
        }
    }
    return YC_ERR_INVALID;
}

const char *yc_audit_outcome_code(yc_audit_outcome o)
{
    switch (o) {
    case YC_AUDIT_OK:
        return "ok";
    case YC_AUDIT_REFUSED:
        return "refused";
    }
    return "unknown";
}

/* ---- shape checks ---- */

static bool is_b64url(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static bool is_name_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* "yc_" followed by at least TOKEN_B64_LEN base64url characters anywhere in s[0..n). */
static bool has_token(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 + TOKEN_B64_LEN <= n; i++) {
        if (memcmp(s + i, "yc_", 3) != 0)
            continue;
        size_t k = 0;
        while (k < TOKEN_B64_LEN && is_b64url((unsigned char)s[i + 3 + k]))
            k++;
        if (k == TOKEN_B64_LEN)
            return true;
    }
    return false;
}

bool yc_audit_text_ok(const char *s, bool detail)
{
    if (s == NULL)
        return false;
    const size_t max = detail ? YC_AUDIT_DETAIL_MAX : YC_AUDIT_TARGET_MAX;
    const size_t n = strnlen(s, max + 1);
    if (n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c > 0x7e || c < (detail ? 0x20 : 0x21))
            return false;
    }
    /* issue 6 defect 3: digits separated by ' ' '-' '.' '/' '_' count as one run */
    _Static_assert(YC_AUDIT_DIGIT_RUN_MAX == YC_TEXT_DIGIT_RUN_MAX, "one rule for every free text");
    return !yc_text_has_long_digit_run(s, n) && !has_token(s, n);
}

static bool actor_ok(const char *s)
{
    const size_t n = strnlen(s, YC_AUDIT_ACTOR_MAX + 1);
    if (n > YC_AUDIT_ACTOR_MAX)
        return false;
    if (n == CLIENT_ID_LEN && memcmp(s, "cl_", 3) == 0) {
        for (size_t i = 3; i < n; i++)
            if (!is_b64url((unsigned char)s[i]))
                return false;
        return true;
    }
    size_t p = 0;
    if (strncmp(s, "cli:", 4) == 0)
        p = 4;
    else if (strncmp(s, "system:", 7) == 0)
        p = 7;
    else
        return false;
    if (p == n)
        return false;
    for (size_t i = p; i < n; i++)
        if (!is_name_char((unsigned char)s[i]))
            return false;
    return true;
}

yc_err yc_store_audit_check_shape(const yc_store_audit *e)
{
    YC_ENSURE(e != NULL, YC_ERR_INVALID);
    YC_ENSURE(e->at_ms >= 0, YC_ERR_INVALID);
    YC_ENSURE(memchr(e->actor, '\0', sizeof e->actor) != NULL && actor_ok(e->actor),
              YC_ERR_INVALID);
    YC_ENSURE(e->action >= 1 && e->action <= YC_AUDIT_ACTION_LAST, YC_ERR_INVALID);
    YC_ENSURE(e->outcome == YC_AUDIT_OK || e->outcome == YC_AUDIT_REFUSED, YC_ERR_INVALID);
    YC_ENSURE(memchr(e->target, '\0', sizeof e->target) != NULL &&
                  yc_audit_text_ok(e->target, false),
              YC_ERR_INVALID);
    YC_ENSURE(memchr(e->detail, '\0', sizeof e->detail) != NULL &&
                  yc_audit_text_ok(e->detail, true),
              YC_ERR_INVALID);
    return YC_OK;
}

/* ---- codec ---- */

static size_t put_str(uint8_t *p, const char *s)
{
    size_t n = strlen(s); /* shape-checked: at most 255 bytes */
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

yc_err yc_store_audit_encode(const yc_store_audit *e, uint8_t out[static YC_AUDIT_VAL_MAX],
                             size_t *ret_len)
{
    YC_ENSURE(ret_len != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_audit_check_shape(e));
    memset(out, 0, HEADER_LEN);
    out[0] = CODEC_VERSION;
    out[1] = e->action;
    out[2] = e->outcome;
    yc_codec_put_le(out + 8, (uint64_t)e->at_ms, 8);
    size_t off = HEADER_LEN;
    off += put_str(out + off, e->actor);
    off += put_str(out + off, e->target);
    off += put_str(out + off, e->detail);
    *ret_len = off;
    return YC_OK;
}

yc_err yc_store_audit_decode(uint64_t seq, const uint8_t *val, size_t len, yc_store_audit *ret)
{
    YC_ENSURE(val != NULL && ret != NULL, YC_ERR_STORE);
    YC_ENSURE(len >= HEADER_LEN && val[0] == CODEC_VERSION, YC_ERR_STORE);
    for (size_t i = 3; i < 8; i++)
        YC_ENSURE(val[i] == 0, YC_ERR_STORE);
    memset(ret, 0, sizeof *ret);
    ret->seq = seq;
    ret->action = val[1];
    ret->outcome = val[2];
    ret->at_ms = (int64_t)yc_codec_get_le(val + 8, 8);
    size_t off = HEADER_LEN;
    YC_TRY(get_str(val, len, &off, ret->actor, sizeof ret->actor));
    YC_TRY(get_str(val, len, &off, ret->target, sizeof ret->target));
    YC_TRY(get_str(val, len, &off, ret->detail, sizeof ret->detail));
    YC_ENSURE(off == len, YC_ERR_STORE);
    YC_ENSURE(yc_store_audit_check_shape(ret) == YC_OK, YC_ERR_STORE);
    return YC_OK;
}

/* ---- handle ---- */

yc_err yc_store_audit_open_dbis(yc_store *st, MDB_txn *txn, unsigned flags, bool *ret_found)
{
    MDB_dbi a = 0;
    int rc = mdb_dbi_open(txn, DB_AUDIT, flags, &a);
    if (rc == MDB_NOTFOUND && (flags & MDB_CREATE) == 0) {
        *ret_found = false;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    st->audit = a;
    *ret_found = true;
    return YC_OK;
}

static bool ready(yc_store *st)
{
    return atomic_load_explicit(&st->audit_ready, memory_order_acquire);
}

yc_err yc_store_audit_ensure(yc_store *st)
{
    return yc_store_tables_ensure(st, &st->audit_ready, yc_store_audit_open_dbis, true);
}

/* A process that opened the store before another process (the CLI) created the table sees it
 * from here on: the handle is opened in a read transaction, committed to keep it, and
 * published like yc_store_audit_ensure() does.  Nothing is created. */
static yc_err adopt(yc_store *st)
{
    return yc_store_tables_ensure(st, &st->audit_ready, yc_store_audit_open_dbis, false);
}

/* ---- append ---- */

yc_err yc_store_audit_txn_append(yc_store *st, MDB_txn *txn, const yc_store_audit *e,
                                 uint64_t *ret_seq)
{
    YC_ENSURE(ready(st), YC_ERR_INTERNAL);
    uint8_t val[YC_AUDIT_VAL_MAX], key[KEY_LEN];
    size_t vlen = 0;
    YC_TRY(yc_store_audit_encode(e, val, &vlen));
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->audit, &cur)));
    MDB_val k, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    uint64_t seq = 1;
    yc_err rv = YC_OK;
    if (rc == 0) {
        if (k.mv_size != KEY_LEN || yc_codec_get_u64be(k.mv_data) == UINT64_MAX)
            rv = YC_ERR_STORE;
        else
            seq = yc_codec_get_u64be(k.mv_data) + 1;
    } else if (rc != MDB_NOTFOUND) {
        rv = yc_store_from_mdb(rc);
    }
    mdb_cursor_close(cur);
    YC_TRY(rv);
    yc_codec_put_u64be(key, seq);
    MDB_val nk = {KEY_LEN, key}, nv = {vlen, val};
    YC_TRY(yc_store_from_mdb(mdb_put(txn, st->audit, &nk, &nv, MDB_NOOVERWRITE | MDB_APPEND)));
    if (ret_seq != NULL)
        *ret_seq = seq;
    return YC_OK;
}

yc_err yc_store_audit_append(yc_store *st, const yc_store_audit *e, uint64_t *ret_seq)
{
    YC_ENSURE(st != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_audit_check_shape(e)); /* before any write */
    YC_TRY(yc_store_audit_ensure(st));
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, 0, &txn));
    uint64_t seq = 0;
    yc_err rv = yc_store_audit_txn_append(st, txn, e, &seq);
    if (rv != YC_OK) {
        yc_store_txn_abort(st, txn);
        return rv;
    }
    YC_TRY(yc_store_from_mdb(yc_store_txn_commit(st, txn)));
    if (ret_seq != NULL)
        *ret_seq = seq;
    return YC_OK;
}

/* ---- listing ---- */

/* Canonical decimal 1..INT64_MAX (no sign, no leading zero). */
static yc_err parse_cursor(const char *s, uint64_t *ret)
{
    size_t len = strnlen(s, YC_AUDIT_CURSOR_MAX + 1);
    YC_ENSURE(len >= 1 && len <= 19 && s[0] != '0', YC_ERR_INVALID);
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

/* Entries with seq < @p below (UINT64_MAX: all) of @p action (0: any), newest first. */
static yc_err collect(yc_store *st, MDB_txn *txn, uint64_t below, uint8_t action, size_t limit,
                      yc_store_audit *arr, size_t *n, bool *more)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(txn, st->audit, &cur)));
    uint8_t key[KEY_LEN];
    yc_codec_put_u64be(key, below);
    MDB_val k = {KEY_LEN, key}, v;
    int rc;
    if (below == UINT64_MAX) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    } else { /* the first key >= below, then step back: the greatest key < below */
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        else if (rc == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    yc_err rv = YC_OK;
    for (; rc != MDB_NOTFOUND; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
        if (rc != 0) {
            rv = yc_store_from_mdb(rc);
            break;
        }
        if (k.mv_size != KEY_LEN) {
            rv = YC_ERR_STORE;
            break;
        }
        uint64_t seq = yc_codec_get_u64be(k.mv_data);
        if (seq >= below) /* the key just returned by MDB_LAST when nothing is below */
            continue;
        const uint8_t *vb = v.mv_data;
        /* the action byte is checked again by the full decode of a kept entry */
        if (action != 0 && (v.mv_size < HEADER_LEN || vb[1] != action))
            continue;
        if (*n == limit) {
            *more = true;
            break;
        }
        if ((rv = yc_store_audit_decode(seq, v.mv_data, v.mv_size, &arr[*n])) != YC_OK)
            break;
        (*n)++;
    }
    mdb_cursor_close(cur);
    return rv;
}

yc_err yc_store_audit_list(yc_store *st, yc_audit_action action, const char *cursor, size_t limit,
                           yc_store_audit **ret, size_t *ret_n,
                           char ret_next[static YC_AUDIT_CURSOR_MAX + 1])
{
    YC_ENSURE(st != NULL && ret != NULL && ret_n != NULL, YC_ERR_INVALID);
    YC_ENSURE((int)action >= 0 && (int)action <= YC_AUDIT_ACTION_LAST, YC_ERR_INVALID);
    YC_ENSURE(limit >= 1 && limit <= YC_AUDIT_PAGE_MAX, YC_ERR_INVALID);
    uint64_t below = UINT64_MAX;
    if (cursor != NULL && cursor[0] != '\0')
        YC_TRY(parse_cursor(cursor, &below));
    YC_TRY(adopt(st));
    if (!ready(st)) {
        *ret = NULL;
        *ret_n = 0;
        ret_next[0] = '\0';
        return YC_OK;
    }
    yc_store_audit *arr = yc_calloc(limit, sizeof *arr);
    YC_ENSURE(arr != NULL, YC_ERR_NOMEM);
    size_t n = 0;
    bool more = false;
    MDB_txn *txn = NULL;
    yc_err rv = yc_store_txn_begin(st, MDB_RDONLY, &txn);
    if (rv != YC_OK)
        goto out;
    rv = collect(st, txn, below, (uint8_t)action, limit, arr, &n, &more);
    yc_store_txn_abort(st, txn);
    if (rv != YC_OK)
        goto out;
    ret_next[0] = '\0';
    if (more) {
        int w = snprintf(ret_next, YC_AUDIT_CURSOR_MAX + 1, "%" PRIu64, arr[n - 1].seq);
        if (w <= 0 || w > YC_AUDIT_CURSOR_MAX) {
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

/* ---- purge ---- */

/* One purge transaction: examine at most PURGE_STEP entries from seq *resume (0 = the first),
 * remove those older than the cut-off, commit.  On return *resume is the seq to continue
 * from, or 0 when the table is done. */
static yc_err purge_step(yc_store *st, int64_t cutoff_ms, uint64_t *resume, uint64_t *removed)
{
    MDB_txn *txn = NULL;
    YC_TRY(yc_store_txn_begin(st, 0, &txn));
    MDB_cursor *cur = NULL;
    uint64_t n_removed = 0;
    uint8_t key[KEY_LEN];
    yc_codec_put_u64be(key, *resume);
    yc_err rv = yc_store_from_mdb(mdb_cursor_open(txn, st->audit, &cur));
    MDB_val k = {KEY_LEN, key}, v;
    int rc = MDB_NOTFOUND;
    uint64_t last = 0; /* the newest entry is kept: the sequence never restarts */
    if (rv == YC_OK) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        if (rc == 0 && k.mv_size == KEY_LEN)
            last = yc_codec_get_u64be(k.mv_data);
        k = (MDB_val){KEY_LEN, key};
        rc = mdb_cursor_get(cur, &k, &v, *resume == 0 ? MDB_FIRST : MDB_SET_RANGE);
    }
    size_t examined = 0;
    while (rv == YC_OK && rc == 0) {
        if (k.mv_size != KEY_LEN) {
            rv = YC_ERR_STORE;
            break;
        }
        const uint64_t seq = yc_codec_get_u64be(k.mv_data);
        if (examined == PURGE_STEP) { /* continue in the next transaction from here */
            *resume = seq;
            break;
        }
        examined++;
        yc_store_audit e; /* the whole value is checked before its time is trusted */
        if ((rv = yc_store_audit_decode(seq, v.mv_data, v.mv_size, &e)) != YC_OK)
            break;
        if (e.at_ms < cutoff_ms && seq != last) {
            /* after a delete the cursor's MDB_NEXT yields the entry that followed */
            if ((rv = yc_store_from_mdb(mdb_cursor_del(cur, 0))) != YC_OK)
                break;
            n_removed++;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rv == YC_OK && rc != 0) {
        *resume = 0; /* reached the end */
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

yc_err yc_store_audit_purge(yc_store *st, int64_t cutoff_ms, uint64_t *ret_removed)
{
    YC_ENSURE(st != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_audit_ensure(st));
    uint64_t resume = 0, removed = 0;
    do {
        YC_TRY(purge_step(st, cutoff_ms, &resume, &removed));
    } while (resume != 0);
    if (ret_removed != NULL)
        *ret_removed = removed;
    return YC_OK;
}
