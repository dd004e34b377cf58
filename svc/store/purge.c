/* The retention job (include/yrdcredit/retention.h): issue 6 scope item 8.
 *
 * The `records` table is walked in key order (subject_id, record_id) in write transactions of
 * at most YC_RETENTION_BATCH examined records; a record due for removal goes whole in the
 * transaction that examines it (its value, its `history` versions, its `source` and
 * `record_ids` entries, and the `subjects` entry of a natural person it leaves without
 * records), so no reader ever sees half a record.  The query log is purged by
 * yc_store_query_log_purge() (its own batches).  A dry run walks the same tables in one read
 * transaction and deletes nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "access_int.h"
#include "codec.h"
#include "store_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/retention.h"
#include "yrdcredit/store_access.h"
#include "yrdcredit/store_audit.h"

enum { SHANGHAI_OFFSET_S = 8 * 3600 };

yc_date yc_retention_negative_due(yc_date decision_date, yc_date pub_max_end)
{
    if (pub_max_end == YC_DATE_LONG_TERM)
        return YC_DATE_NONE; /* 长期: the behaviour has not ended */
    const yc_date end = pub_max_end != YC_DATE_NONE ? pub_max_end : decision_date;
    if (end == YC_DATE_NONE)
        return YC_DATE_NONE;
    /*
     *= 征信业管理条例 第十六条
     *# 征信机构对个人不良信息的保存期限，自不良行为或者事件终止之日起为5年；
     *# 超过5年的，应当予以删除。
     */
    return yc_date_add_months(end, 12 * YC_RETENTION_NEGATIVE_YEARS) + 1;
}

yc_date yc_retention_revoked_due(const yc_calendar *cal, int64_t revoked_ms)
{
    /* Shanghai 社会信用条例 Art.37: a revoked decision's information is deleted within 3
     * working days (domain.md §4). */
    return yc_calendar_add_working_days(cal, yc_date_from_unix_ms(revoked_ms),
                                        YC_RETENTION_REVOKED_WORKING_DAYS);
}

int64_t yc_retention_day_start_ms(yc_date date)
{
    return ((int64_t)date * 86400 - SHANGHAI_OFFSET_S) * 1000;
}

/* ---- one run ---- */

typedef enum verdict { KEEP = 0, DROP_NEGATIVE, DROP_REVOKED } verdict;

typedef struct run_ctx {
    yc_store *st;
    MDB_txn *txn;
    const yc_calendar *cal;
    yc_date as_of;
    bool dry;
    bool recids; /* `record_ids` exists (the revocation time is there) */
    yc_record *rec;
    yc_retention_counts counts;
} run_ctx;

/* The verdict on one current record (key sid/rid, value v). */
static yc_err judge(run_ctx *c, uint64_t rid, const MDB_val *v, verdict *ret)
{
    yc_fact f;
    yc_subject_type type = YC_SUBJECT_NONE;
    YC_TRY(yc_codec_fact_decode(v->mv_data, v->mv_size, &f, &type));
    YC_ENSURE(f.record_id == rid, YC_ERR_STORE);
    *ret = KEEP;
    if (f.status == YC_STATUS_REVOKED) {
        if (!c->recids)
            return YC_OK; /* no revocation time known: kept until the index exists */
        int64_t ms = 0;
        yc_err rv = yc_store_record_txn_get(c->st, c->txn, rid, c->rec, &ms);
        if (rv == YC_ERR_NOT_FOUND)
            return YC_OK; /* not indexed (yet): no revocation time, kept */
        YC_TRY(rv);
        if (c->as_of >= yc_retention_revoked_due(c->cal, ms))
            *ret = DROP_REVOKED;
        return YC_OK;
    }
    if (type != YC_SUBJECT_NATURAL_PERSON || !yc_code_is_negative(f.code))
        return YC_OK;
    const yc_date due = yc_retention_negative_due(f.decision_date, f.pub_max_end);
    if (due != YC_DATE_NONE && c->as_of >= due)
        *ret = DROP_NEGATIVE;
    return YC_OK;
}

/* Delete the `source` entry at (rec's authority, 文书号, sid) if it names record @p rid. */
static yc_err drop_source(run_ctx *c, const yc_record *rec, const char *sid, uint64_t rid)
{
    const char *auth = rec->authority_uscc[0] != '\0' ? rec->authority_uscc : rec->authority_name;
    uint8_t skey[YC_CODEC_SOURCE_KEY_MAX];
    MDB_val k = {yc_codec_source_key(auth, rec->decision_no, sid, skey), skey}, v;
    int rc = mdb_get(c->txn, c->st->source, &k, &v);
    if (rc == MDB_NOTFOUND)
        return YC_OK;
    YC_TRY(yc_store_from_mdb(rc));
    uint64_t got = 0;
    char got_sid[YC_SUBJECT_ID_MAX + 1];
    YC_TRY(yc_codec_source_val_decode(v.mv_data, v.mv_size, &got, got_sid));
    if (got != rid)
        return YC_OK; /* another record's key (never expected): not ours to remove */
    return yc_store_from_mdb(mdb_del(c->txn, c->st->source, &k, NULL));
}

/* Every superseded version of @p rid, and the source entries they name. */
static yc_err drop_history(run_ctx *c, uint64_t rid, const char *sid)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(c->txn, c->st->history, &cur)));
    uint8_t key[YC_CODEC_HISTORY_KEY_LEN];
    yc_codec_history_key(rid, 0, key);
    MDB_val k = {sizeof key, key}, v;
    yc_err rv = YC_OK;
    yc_record *old = yc_alloc(sizeof *old);
    if (old == NULL)
        rv = YC_ERR_NOMEM;
    int rc = rv == YC_OK ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) : MDB_NOTFOUND;
    while (rv == YC_OK && rc == 0) {
        if (k.mv_size != sizeof key || memcmp(k.mv_data, key, 8) != 0)
            break; /* past this record */
        if ((rv = yc_codec_history_val_decode(v.mv_data, v.mv_size, old)) != YC_OK)
            break;
        char osid[YC_SUBJECT_ID_MAX + 1];
        memcpy(osid, old->subject_id, sizeof osid);
        osid[YC_SUBJECT_ID_MAX] = '\0';
        /* the cursor's data is gone after the delete: the version was decoded first */
        if ((rv = yc_store_from_mdb(mdb_cursor_del(cur, 0))) != YC_OK ||
            (rv = drop_source(c, old, osid[0] != '\0' ? osid : sid, rid)) != YC_OK)
            break;
        /* after a delete MDB_NEXT yields the entry that followed (as audit_tables.c) */
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rv == YC_OK && rc != 0 && rc != MDB_NOTFOUND)
        rv = yc_store_from_mdb(rc);
    mdb_cursor_close(cur);
    yc_free(old);
    return rv;
}

/* Does subject @p sid still have a record in `records`? */
static yc_err has_records(run_ctx *c, const char *sid, bool *ret)
{
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(c->txn, c->st->records, &cur)));
    const size_t n = strlen(sid);
    uint8_t key[YC_CODEC_RECORD_KEY_MAX];
    MDB_val k = {yc_codec_record_key(sid, n, 0, key), key}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) {
        *ret = false;
        return YC_OK;
    }
    YC_TRY(yc_store_from_mdb(rc));
    *ret = k.mv_size == n + 9 && memcmp(k.mv_data, sid, n) == 0 && ((uint8_t *)k.mv_data)[n] == 0;
    return YC_OK;
}

/* A natural person with no record left: the `subjects` entry (sealed identity) goes. */
static yc_err drop_person_if_empty(run_ctx *c, const char *sid)
{
    bool any = true;
    YC_TRY(has_records(c, sid, &any));
    if (any)
        return YC_OK;
    MDB_val k = {strlen(sid), (void *)(uintptr_t)sid}, v;
    int rc = mdb_get(c->txn, c->st->subjects, &k, &v);
    if (rc == MDB_NOTFOUND)
        return YC_OK;
    YC_TRY(yc_store_from_mdb(rc));
    yc_subject_type type = YC_SUBJECT_NONE;
    const uint8_t *payload = NULL;
    size_t plen = 0;
    YC_TRY(yc_codec_subject_decode(v.mv_data, v.mv_size, &type, &payload, &plen));
    if (type != YC_SUBJECT_NATURAL_PERSON)
        return YC_OK;
    YC_TRY(yc_store_from_mdb(mdb_del(c->txn, c->st->subjects, &k, NULL)));
    c->counts.persons++;
    return YC_OK;
}

/* Remove the record under the records cursor (its value decoded into c->rec first). */
static yc_err drop_record(run_ctx *c, MDB_cursor *cur, const MDB_val *v, const char *sid,
                          uint64_t rid, bool natural_person)
{
    YC_TRY(yc_codec_record_decode(v->mv_data, v->mv_size, c->rec));
    YC_TRY(yc_store_from_mdb(mdb_cursor_del(cur, 0)));
    YC_TRY(drop_source(c, c->rec, sid, rid));
    YC_TRY(drop_history(c, rid, sid));
    if (c->recids) {
        uint8_t key[8];
        yc_codec_put_u64be(key, rid);
        MDB_val k = {sizeof key, key};
        int rc = mdb_del(c->txn, c->st->record_ids, &k, NULL);
        if (rc != MDB_NOTFOUND)
            YC_TRY(yc_store_from_mdb(rc));
    }
    return natural_person ? drop_person_if_empty(c, sid) : YC_OK;
}

/* Is the value @p v (of a records key) a natural person's? (fact decode checked it) */
static bool is_person(const MDB_val *v)
{
    return v->mv_size > YC_CODEC_REC_OFF_SUBJECT_TYPE &&
           ((const uint8_t *)v->mv_data)[YC_CODEC_REC_OFF_SUBJECT_TYPE] ==
               YC_SUBJECT_NATURAL_PERSON;
}

/* One batch: examine at most YC_RETENTION_BATCH records from resume (len 0: the first). On
 * return resume holds the key to continue from, len 0 when the table is done. */
static yc_err walk_batch(run_ctx *c, MDB_cursor *cur, uint8_t *resume, size_t *resume_len,
                         bool *ret_changed)
{
    MDB_val k = {*resume_len, resume}, v;
    int rc = mdb_cursor_get(cur, &k, &v, *resume_len == 0 ? MDB_FIRST : MDB_SET_RANGE);
    size_t examined = 0;
    *ret_changed = false;
    while (rc == 0) {
        size_t sid_len = 0;
        uint64_t rid = 0;
        YC_TRY(yc_codec_record_key_parse(k.mv_data, k.mv_size, &sid_len, &rid));
        if (!c->dry && examined == YC_RETENTION_BATCH) { /* next transaction from here */
            memcpy(resume, k.mv_data, k.mv_size);
            *resume_len = k.mv_size;
            return YC_OK;
        }
        examined++;
        char sid[YC_SUBJECT_ID_MAX + 1];
        memcpy(sid, k.mv_data, sid_len);
        sid[sid_len] = '\0';
        verdict vd = KEEP;
        YC_TRY(judge(c, rid, &v, &vd));
        if (vd != KEEP) {
            if (vd == DROP_REVOKED)
                c->counts.revoked++;
            else
                c->counts.records++;
        }
        if (vd != KEEP && !c->dry) {
            YC_TRY(drop_record(c, cur, &v, sid, rid, is_person(&v)));
            *ret_changed = true;
        }
        /* after a delete MDB_NEXT yields the entry that followed (as audit_tables.c) */
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    YC_ENSURE(rc == MDB_NOTFOUND, yc_store_from_mdb(rc));
    *resume_len = 0;
    return YC_OK;
}

/* Dry run: the natural persons every one of whose records would go. */
typedef struct person_tally {
    char sid[YC_SUBJECT_ID_MAX + 1];
    bool person, kept, dropped;
} person_tally;

static void tally_close(run_ctx *c, person_tally *t)
{
    if (t->sid[0] != '\0' && t->person && t->dropped && !t->kept)
        c->counts.persons++;
}

static yc_err dry_walk(run_ctx *c, MDB_cursor *cur)
{
    MDB_val k, v;
    int rc;
    person_tally t = {.sid = ""};
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        size_t sid_len = 0;
        uint64_t rid = 0;
        YC_TRY(yc_codec_record_key_parse(k.mv_data, k.mv_size, &sid_len, &rid));
        if (strlen(t.sid) != sid_len || memcmp(t.sid, k.mv_data, sid_len) != 0) {
            tally_close(c, &t);
            t = (person_tally){.person = is_person(&v)};
            memcpy(t.sid, k.mv_data, sid_len);
            t.sid[sid_len] = '\0';
        }
        verdict vd = KEEP;
        YC_TRY(judge(c, rid, &v, &vd));
        if (vd == DROP_REVOKED)
            c->counts.revoked++;
        else if (vd == DROP_NEGATIVE)
            c->counts.records++;
        if (vd == KEEP)
            t.kept = true;
        else
            t.dropped = true;
    }
    YC_ENSURE(rc == MDB_NOTFOUND, yc_store_from_mdb(rc));
    tally_close(c, &t);
    return YC_OK;
}

/* Dry run: query-log entries (key subject_id, 0x00, seq u64 BE) older than the cut-off. */
static yc_err dry_queries(run_ctx *c, int64_t cutoff_ms)
{
    if (!atomic_load_explicit(&c->st->access_ready, memory_order_acquire))
        return YC_OK; /* no query log yet */
    MDB_cursor *cur = NULL;
    YC_TRY(yc_store_from_mdb(mdb_cursor_open(c->txn, c->st->query_log, &cur)));
    MDB_val k, v;
    int rc;
    yc_err rv = YC_OK;
    yc_store_query q;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && rv == YC_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kb = k.mv_data;
        if (k.mv_size < 10 || k.mv_size > YC_SUBJECT_ID_MAX + 9 || kb[k.mv_size - 9] != 0) {
            rv = YC_ERR_STORE;
            break;
        }
        char sid[YC_SUBJECT_ID_MAX + 1];
        memcpy(sid, kb, k.mv_size - 9);
        sid[k.mv_size - 9] = '\0';
        rv = yc_store_query_decode(sid, yc_codec_get_u64be(kb + k.mv_size - 8), v.mv_data,
                                   v.mv_size, &q);
        if (rv == YC_OK && q.at_ms < cutoff_ms)
            c->counts.queries++;
    }
    mdb_cursor_close(cur);
    YC_TRY(rv);
    YC_ENSURE(rc == MDB_NOTFOUND || rc == 0, yc_store_from_mdb(rc));
    return YC_OK;
}

static yc_err run_dry(run_ctx *c, int64_t cutoff_ms)
{
    YC_TRY(yc_store_txn_begin(c->st, MDB_RDONLY, &c->txn));
    MDB_cursor *cur = NULL;
    yc_err rv = yc_store_from_mdb(mdb_cursor_open(c->txn, c->st->records, &cur));
    if (rv == YC_OK)
        rv = dry_walk(c, cur);
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (rv == YC_OK)
        rv = dry_queries(c, cutoff_ms);
    yc_store_txn_abort(c->st, c->txn);
    c->txn = NULL;
    return rv;
}

/* One write transaction of the records walk; commits only when something was removed. */
static yc_err run_batch(run_ctx *c, uint8_t *resume, size_t *resume_len)
{
    const yc_retention_counts before = c->counts;
    YC_TRY(yc_store_txn_begin(c->st, 0, &c->txn));
    MDB_cursor *cur = NULL;
    bool changed = false;
    yc_err rv = yc_store_from_mdb(mdb_cursor_open(c->txn, c->st->records, &cur));
    if (rv == YC_OK)
        rv = walk_batch(c, cur, resume, resume_len, &changed);
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (rv == YC_OK && changed) /* score caches must see the removal (store.h generation) */
        rv = yc_store_records_txn_touch(c->st, c->txn);
    if (rv == YC_OK && changed)
        rv = yc_store_from_mdb(yc_store_txn_commit(c->st, c->txn));
    else
        yc_store_txn_abort(c->st, c->txn);
    c->txn = NULL;
    if (rv != YC_OK)
        c->counts = before; /* nothing of this batch was committed */
    return rv;
}

yc_err yc_retention_run(yc_store *st, const yc_calendar *cal, yc_date as_of, int64_t now_ms,
                        bool dry_run, yc_retention_counts *ret)
{
    YC_ENSURE(ret != NULL, YC_ERR_INVALID);
    *ret = (yc_retention_counts){.as_of = as_of};
    YC_ENSURE(st != NULL && now_ms >= 0, YC_ERR_INVALID);
    run_ctx c = {.st = st, .cal = cal, .as_of = as_of, .dry = dry_run};
    /* the revocation times live in `record_ids`; a writer creates it (filled) if missing */
    yc_err rv = dry_run ? YC_OK : yc_store_recids_ensure(st);
    c.recids = atomic_load_explicit(&st->recids_ready, memory_order_acquire);
    const int64_t cutoff_ms = now_ms - YC_QUERY_LOG_RETENTION_MS;
    if (rv == YC_OK && (c.rec = yc_alloc(sizeof *c.rec)) == NULL)
        rv = YC_ERR_NOMEM;
    if (rv == YC_OK && dry_run) {
        rv = run_dry(&c, cutoff_ms);
    } else if (rv == YC_OK) {
        uint8_t resume[YC_CODEC_RECORD_KEY_MAX];
        size_t resume_len = 0;
        do {
            rv = run_batch(&c, resume, &resume_len);
        } while (rv == YC_OK && resume_len != 0);
        uint64_t q = 0;
        if (rv == YC_OK)
            rv = yc_store_query_log_purge(st, cutoff_ms, &q);
        c.counts.queries = q;
    }
    yc_free(c.rec);
    c.counts.as_of = as_of;
    *ret = c.counts;
    return rv;
}

void yc_retention_detail(const yc_retention_counts *c, yc_err rv,
                         char out[static YC_RETENTION_DETAIL_MAX + 1])
{
    char day[YC_DATE_STR_LEN + 1];
    yc_date_format(c->as_of, day);
    int n = snprintf(out, YC_RETENTION_DETAIL_MAX + 1,
                     "as_of=%s records=%" PRIu64 " queries=%" PRIu64 " revoked=%" PRIu64
                     " persons=%" PRIu64,
                     day, c->records, c->queries, c->revoked, c->persons);
    if (rv != YC_OK && n > 0 && n < YC_RETENTION_DETAIL_MAX) {
        size_t at = (size_t)n;
        int m = snprintf(out + at, YC_RETENTION_DETAIL_MAX + 1 - at, " error=%s", yc_err_str(rv));
        /* the spaces of the error text (after " error="), within the (maybe cut) output */
        for (size_t i = at + 1; m > 0 && i <= YC_RETENTION_DETAIL_MAX && out[i] != '\0'; i++)
            if (out[i] == ' ')
                out[i] = '_';
    }
}

yc_err yc_retention_audit(yc_store *st, const char *actor, int64_t at_ms,
                          const yc_retention_counts *c, yc_err rv)
{
    YC_ENSURE(actor != NULL && c != NULL, YC_ERR_INVALID);
    yc_store_audit e = {.at_ms = at_ms,
                        .action = YC_AUDIT_PURGE,
                        .outcome = rv == YC_OK ? YC_AUDIT_OK : YC_AUDIT_REFUSED};
    YC_ENSURE(strlen(actor) <= YC_AUDIT_ACTOR_MAX, YC_ERR_INVALID);
    memcpy(e.actor, actor, strlen(actor) + 1);
    memcpy(e.target, "retention", sizeof "retention");
    _Static_assert(YC_RETENTION_DETAIL_MAX <= YC_AUDIT_DETAIL_MAX, "detail fits the audit log");
    yc_retention_detail(c, rv, e.detail);
    return yc_store_audit_append(st, &e, NULL);
}
