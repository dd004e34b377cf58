/* Tests for include/yrdcredit/store_objection.h: record status changes by id, the record_ids
 * index, and the objections table. */
#define _GNU_SOURCE /* nftw, memmem */
#include <ftw.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h> /* only to make a data directory from before the issue 6 tables, or damage one */

#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_audit.h"
#include "yrdcredit/store_objection.h"

/* ---- helpers ---- */

typedef struct tdir {
    char base[64];
    char data[128];
} tdir;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void tdir_remove(const tdir *t)
{
    assert_int_equal(nftw(t->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static yc_store *init_and_open(tdir *t)
{
    snprintf(t->base, sizeof t->base, "/tmp/yc_sobj_XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->data, sizeof t->data, "%s/data", t->base);
    assert_int_equal(yc_store_init_dir(t->data), YC_OK);
    yc_store *st = NULL;
    assert_int_equal(yc_store_open(t->data, NULL, &st), YC_OK);
    return st;
}

#define SET(dst, ...) snprintf((dst), sizeof(dst), __VA_ARGS__)

static yc_date ymd(int y, int m, int d)
{
    yc_date out = 0;
    assert_int_equal(yc_date_from_ymd(y, m, d, &out), YC_OK);
    return out;
}

static void make_merchant(yc_record *r, int i)
{
    *r = (yc_record){.subject_type = YC_SUBJECT_LEGAL_PERSON, .code = YC_CODE_N03};
    SET(r->subject_id, "913307820000%06d", i);
    SET(r->subject_name, "义乌市测试商贸有限公司%d", i);
    SET(r->decision_no, "义市监处罚〔2024〕%d号", i);
    r->decision_date = ymd(2024, 3, 15);
    SET(r->authority_name, "义乌市市场监督管理局");
    SET(r->authority_uscc, "11330782002609254X");
    SET(r->source_name, "义乌市市场监督管理局");
    SET(r->source_uscc, "11330782002609254X");
    SET(r->legal_basis, "《中华人民共和国反不正当竞争法》第二十条");
    r->has_amount = true;
    r->amount = 12500000 + i;
    r->pub_start = r->decision_date;
    r->pub_min_end = yc_date_add_months(r->decision_date, 3);
    r->pub_max_end = yc_date_add_months(r->decision_date, 36);
    SET(r->region, "330782");
    r->status = YC_STATUS_ACTIVE;
}

static void make_person(yc_record *r, int i)
{
    make_merchant(r, 500000 + i);
    r->subject_type = YC_SUBJECT_NATURAL_PERSON;
    r->subject_id[0] = '\0';
    SET(r->subject_name, "王小明");
    r->doc_type = YC_DOC_RESIDENT_ID;
    SET(r->doc_country, "%s", "");
    SET(r->doc_number, "330782198503121230");
    r->code = YC_CODE_N01;
    r->has_amount = false;
    r->amount = 0;
    SET(r->decision_no, "义公（稠）行罚决字〔2024〕%d号", 1000 + i);
}

/* Ingest one record; returns its id. */
static uint64_t ingest1(yc_store *st, yc_record *r)
{
    yc_ingest_stats s;
    assert_int_equal(yc_store_ingest(st, r, 1, &s), YC_OK);
    return r->record_id;
}

/* Every field the store keeps, compared (subject_id included; doc fields are never kept). */
static void assert_same_content(const yc_record *a, const yc_record *b)
{
    assert_int_equal(a->record_id, b->record_id);
    assert_int_equal(a->subject_type, b->subject_type);
    assert_string_equal(a->subject_id, b->subject_id);
    assert_int_equal(a->code, b->code);
    assert_string_equal(a->decision_no, b->decision_no);
    assert_int_equal(a->decision_date, b->decision_date);
    assert_string_equal(a->authority_name, b->authority_name);
    assert_string_equal(a->authority_uscc, b->authority_uscc);
    assert_string_equal(a->source_name, b->source_name);
    assert_string_equal(a->source_uscc, b->source_uscc);
    assert_string_equal(a->legal_basis, b->legal_basis);
    assert_int_equal(a->has_amount, b->has_amount);
    assert_int_equal(a->amount, b->amount);
    assert_int_equal(a->pub_start, b->pub_start);
    assert_int_equal(a->pub_min_end, b->pub_min_end);
    assert_int_equal(a->pub_max_end, b->pub_max_end);
    assert_string_equal(a->region, b->region);
    assert_string_equal(a->origin, b->origin);
    assert_int_equal(a->ingest_ms, b->ingest_ms);
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    bool found = memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
    free(buf);
    return found;
}

/* Open the environment of @p data directly (the store closed) for damage or a table drop. */
static void raw_open(const char *data, MDB_env **env, MDB_txn **txn)
{
    char dir[256];
    SET(dir, "%s/lmdb", data);
    assert_int_equal(mdb_env_create(env), 0);
    assert_int_equal(mdb_env_set_maxdbs(*env, 32), 0);
    assert_int_equal(mdb_env_open(*env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

static void raw_drop(const char *data, const char *table)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    raw_open(data, &env, &txn);
    MDB_dbi dbi = 0;
    assert_int_equal(mdb_dbi_open(txn, table, 0, &dbi), 0);
    assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void raw_put(const char *data, const char *table, const void *k, size_t klen, const void *v,
                    size_t vlen)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    raw_open(data, &env, &txn);
    MDB_dbi dbi = 0;
    assert_int_equal(mdb_dbi_open(txn, table, 0, &dbi), 0);
    MDB_val mk = {klen, (void *)(uintptr_t)k}, mv = {vlen, (void *)(uintptr_t)v};
    assert_int_equal(mdb_put(txn, dbi, &mk, &mv, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void rid_key(uint64_t rid, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(rid >> (56 - 8 * i));
}

/* ---- yc_store_record_get / yc_store_record_set_status ---- */

static void yc_store_record_set_status__active_to_disputed__new_version_and_history(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r[2];
    make_merchant(&r[0], 1);
    make_merchant(&r[1], 2);
    yc_ingest_stats s;
    const int64_t t0 = yc_clock_now_ms();
    assert_int_equal(yc_store_ingest(st, r, 2, &s), YC_OK);
    assert_int_equal(r[1].record_id, 2);
    yc_record got;
    int64_t since = -1;
    assert_int_equal(yc_store_record_get(st, 2, &got, &since), YC_OK);
    assert_same_content(&got, &r[1]);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.status, YC_STATUS_ACTIVE);
    assert_int_equal(since, r[1].ingest_ms);
    assert_true(since >= t0);
    uint64_t gen0 = 0, gen1 = 0;
    assert_int_equal(yc_store_records_generation(st, &gen0), YC_OK);

    yc_record nv;
    const int64_t t1 = yc_clock_now_ms();
    assert_int_equal(
        yc_store_record_set_status(st, 2, YC_STATUS_BIT(YC_STATUS_ACTIVE), YC_STATUS_DISPUTED, &nv),
        YC_OK);
    assert_same_content(&nv, &r[1]);
    assert_int_equal(nv.version, 2);
    assert_int_equal(nv.status, YC_STATUS_DISPUTED);
    assert_int_equal(yc_store_records_generation(st, &gen1), YC_OK);
    assert_true(gen1 > gen0);
    assert_int_equal(yc_store_record_get(st, 2, &got, &since), YC_OK);
    assert_same_content(&got, &r[1]);
    assert_int_equal(got.version, 2);
    assert_int_equal(got.status, YC_STATUS_DISPUTED);
    assert_true(since >= t1 && since <= yc_clock_now_ms());
    /* the other record is untouched */
    assert_int_equal(yc_store_record_get(st, 1, &got, NULL), YC_OK);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.status, YC_STATUS_ACTIVE);

    yc_record *h = NULL;
    size_t nh = 0;
    assert_int_equal(yc_store_record_history(st, 2, &h, &nh), YC_OK);
    assert_int_equal(nh, 1);
    assert_same_content(&h[0], &r[1]);
    assert_int_equal(h[0].version, 1);
    assert_int_equal(h[0].status, YC_STATUS_ACTIVE);
    yc_store_records_free(h);
    /* the subject's listing shows the new version */
    yc_record *all = NULL;
    size_t n = 0;
    assert_int_equal(yc_store_subject_records(st, r[1].subject_id, &all, &n), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(all[0].status, YC_STATUS_DISPUTED);
    assert_int_equal(all[0].version, 2);
    yc_store_records_free(all);

    /* disputed -> revoked, then nothing more from revoked */
    assert_int_equal(yc_store_record_set_status(
                         st, 2, YC_STATUS_BIT(YC_STATUS_ACTIVE) | YC_STATUS_BIT(YC_STATUS_DISPUTED),
                         YC_STATUS_REVOKED, &nv),
                     YC_OK);
    assert_int_equal(nv.version, 3);
    assert_int_equal(nv.status, YC_STATUS_REVOKED);
    assert_int_equal(yc_store_record_history(st, 2, &h, &nh), YC_OK);
    assert_int_equal(nh, 2);
    assert_int_equal(h[1].version, 2);
    assert_int_equal(h[1].status, YC_STATUS_DISPUTED);
    yc_store_records_free(h);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_record_set_status__status_not_allowed__conflict_nothing_written(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_merchant(&r, 1);
    uint64_t rid = ingest1(st, &r);
    uint64_t gen0 = 0, gen1 = 0;
    assert_int_equal(yc_store_records_generation(st, &gen0), YC_OK);
    yc_record nv = {.version = 77};
    /* ACTIVE not in the mask */
    assert_int_equal(yc_store_record_set_status(st, rid, YC_STATUS_BIT(YC_STATUS_DISPUTED),
                                                YC_STATUS_ACTIVE, &nv),
                     YC_ERR_CONFLICT);
    /* already the target status, although allowed by the mask */
    assert_int_equal(
        yc_store_record_set_status(st, rid, YC_STATUS_BIT(YC_STATUS_ACTIVE), YC_STATUS_ACTIVE, &nv),
        YC_ERR_CONFLICT);
    assert_int_equal(nv.version, 77); /* not written */
    assert_int_equal(yc_store_records_generation(st, &gen1), YC_OK);
    assert_int_equal(gen1, gen0);
    yc_record got;
    assert_int_equal(yc_store_record_get(st, rid, &got, NULL), YC_OK);
    assert_int_equal(got.version, 1);
    yc_record *h = NULL;
    size_t nh = 9;
    assert_int_equal(yc_store_record_history(st, rid, &h, &nh), YC_OK);
    assert_int_equal(nh, 0);
    yc_store_records_free(h);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_record_set_status__unknown_or_bad_arguments__not_found_or_invalid(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    const unsigned any = YC_STATUS_BIT(YC_STATUS_ACTIVE);
    yc_record got;
    assert_int_equal(yc_store_record_set_status(st, 1, any, YC_STATUS_REVOKED, NULL),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_record_get(st, 1, &got, NULL), YC_ERR_NOT_FOUND);
    yc_record r;
    make_merchant(&r, 1);
    assert_int_equal(ingest1(st, &r), 1);
    assert_int_equal(yc_store_record_set_status(st, 0, any, YC_STATUS_REVOKED, NULL),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_record_get(st, 0, &got, NULL), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_record_set_status(st, 2, any, YC_STATUS_REVOKED, NULL),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_record_get(st, UINT64_MAX, &got, NULL), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_record_set_status(st, 1, any, YC_STATUS_COUNT, NULL), YC_ERR_INVALID);
    assert_int_equal(yc_store_record_set_status(st, 1, 0, YC_STATUS_REVOKED, NULL), YC_ERR_INVALID);
    assert_int_equal(
        yc_store_record_set_status(st, 1, any | (1u << YC_STATUS_COUNT), YC_STATUS_REVOKED, NULL),
        YC_ERR_INVALID);
    /* the highest valid bit and the highest valid status are accepted */
    assert_int_equal(yc_store_record_set_status(st, 1, any | YC_STATUS_BIT(YC_STATUS_REVOKED),
                                                YC_STATUS_REVOKED, NULL),
                     YC_OK);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_record_set_status__natural_person__identity_stays_sealed(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_person(&r, 1);
    uint64_t rid = ingest1(st, &r);
    char sid[YC_SUBJECT_ID_MAX + 1];
    memcpy(sid, r.subject_id, sizeof sid);
    assert_int_equal(sid[0], 'P');
    yc_record nv;
    assert_int_equal(yc_store_record_set_status(st, rid, YC_STATUS_BIT(YC_STATUS_ACTIVE),
                                                YC_STATUS_DISPUTED, &nv),
                     YC_OK);
    assert_string_equal(nv.subject_id, sid);
    assert_string_equal(nv.subject_name, "");
    assert_string_equal(nv.doc_number, "");
    assert_int_equal(nv.doc_type, YC_DOC_NONE);
    yc_store_person p;
    assert_int_equal(yc_store_person_get(st, sid, &p), YC_OK);
    assert_string_equal(p.name, "王小明");
    assert_string_equal(p.doc_number, "330782198503121230");
    yc_store_close(st);
    char path[256];
    SET(path, "%s/lmdb/data.mdb", t.data);
    assert_true(file_contains(path, sid)); /* the scan sees what is there */
    assert_false(file_contains(path, "330782198503121230"));
    assert_false(file_contains(path, "王小明"));
    tdir_remove(&t);
}

static void yc_store_ingest__after_set_status__supersedes_last_write_wins(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_merchant(&r, 1);
    uint64_t rid = ingest1(st, &r);
    assert_int_equal(yc_store_record_set_status(st, rid, YC_STATUS_BIT(YC_STATUS_ACTIVE),
                                                YC_STATUS_REVOKED, NULL),
                     YC_OK);
    yc_record got;
    int64_t since = 0;
    assert_int_equal(yc_store_record_get(st, rid, &got, &since), YC_OK);
    assert_int_equal(got.version, 2);
    /* regress__issue_6__revoked_record_sent_again_active__stays_revoked: the provider sends
     * the same record again (status active): it stays revoked (an upheld objection's or a
     * provider's revocation is not undone by a feed), a duplicate that writes nothing.  Until
     * the breaker's report of issue 6 (defect 2) this made the record active again. */
    yc_record again;
    make_merchant(&again, 1);
    yc_ingest_stats s;
    assert_int_equal(yc_store_ingest(st, &again, 1, &s), YC_OK);
    assert_int_equal(s.superseded, 0);
    assert_int_equal(s.duplicates, 1);
    assert_int_equal(again.record_id, rid);
    assert_int_equal(again.version, 2);
    assert_int_equal(again.status, YC_STATUS_REVOKED);
    int64_t since1 = 0;
    assert_int_equal(yc_store_record_get(st, rid, &got, &since1), YC_OK);
    assert_int_equal(got.status, YC_STATUS_REVOKED);
    assert_int_equal(got.version, 2);
    assert_int_equal(since1, since);
    /* a correction supersedes (last write wins for content), stays revoked and keeps the
     * status time */
    int64_t since2 = 0;
    make_merchant(&again, 1);
    SET(again.legal_basis, "《行政处罚法》第二十八条");
    assert_int_equal(yc_store_ingest(st, &again, 1, &s), YC_OK);
    assert_int_equal(s.superseded, 1);
    assert_int_equal(yc_store_record_get(st, rid, &got, &since2), YC_OK);
    assert_int_equal(got.version, 3);
    assert_int_equal(got.status, YC_STATUS_REVOKED);
    assert_string_equal(got.legal_basis, "《行政处罚法》第二十八条");
    assert_int_equal(since2, since);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_record_get__directory_before_index__filled_on_first_use(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r[3];
    make_merchant(&r[0], 1);
    make_person(&r[1], 2);
    make_merchant(&r[2], 3);
    yc_ingest_stats s;
    assert_int_equal(yc_store_ingest(st, r, 3, &s), YC_OK);
    yc_store_close(st);
    raw_drop(t.data, "record_ids");
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    for (size_t i = 0; i < 3; i++) {
        yc_record got;
        assert_int_equal(yc_store_record_get(st, r[i].record_id, &got, NULL), YC_OK);
        assert_string_equal(got.subject_id, r[i].subject_id);
        assert_string_equal(got.decision_no, r[i].decision_no);
    }
    /* an ingest after the fill keeps the index complete */
    yc_record r4;
    make_merchant(&r4, 4);
    assert_int_equal(ingest1(st, &r4), 4);
    yc_record got;
    assert_int_equal(yc_store_record_get(st, 4, &got, NULL), YC_OK);
    assert_string_equal(got.subject_id, r4.subject_id);
    yc_store_close(st);
    /* a directory whose first writer after the drop is an ingest: filled, then extended */
    raw_drop(t.data, "record_ids");
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    yc_record r5;
    make_merchant(&r5, 5);
    assert_int_equal(ingest1(st, &r5), 5);
    for (uint64_t id = 1; id <= 5; id++)
        assert_int_equal(yc_store_record_get(st, id, &got, NULL), YC_OK);
    assert_string_equal(got.subject_id, r5.subject_id);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_record_get__corrupt_index_or_value__store_error(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_merchant(&r, 1);
    uint64_t rid = ingest1(st, &r);
    yc_store_close(st);
    uint8_t key[8];
    rid_key(rid, key);
    yc_record got;
    /* codec version 2, a negative time, no subject, a subject byte outside 0x21..0x7e, and a
     * subject with no record (purged): STORE for the malformed ones, NOT_FOUND for the last */
    uint8_t bad_codec[9 + 18] = {2};
    memcpy(bad_codec + 9, r.subject_id, 18);
    uint8_t neg_ms[9 + 18] = {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(neg_ms + 9, r.subject_id, 18);
    uint8_t no_sid[9] = {1};
    uint8_t space_sid[9 + 3] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 'A', ' ', 'B'};
    uint8_t other_sid[9 + 3] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 'A', 'B', 'C'};
    const struct {
        const uint8_t *v;
        size_t n;
        yc_err want;
    } cases[] = {
        {bad_codec, sizeof bad_codec, YC_ERR_STORE},
        {neg_ms, sizeof neg_ms, YC_ERR_STORE},
        {no_sid, sizeof no_sid, YC_ERR_STORE},
        {space_sid, sizeof space_sid, YC_ERR_STORE},
        {other_sid, sizeof other_sid, YC_ERR_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        raw_put(t.data, "record_ids", key, sizeof key, cases[i].v, cases[i].n);
        assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
        assert_int_equal(yc_store_record_get(st, rid, &got, NULL), cases[i].want);
        assert_int_equal(yc_store_record_set_status(st, rid, YC_STATUS_BIT(YC_STATUS_ACTIVE),
                                                    YC_STATUS_REVOKED, NULL),
                         cases[i].want);
        yc_store_close(st);
    }
    /* a record value whose id differs from its key */
    uint8_t good[9 + 18] = {1};
    memcpy(good + 9, r.subject_id, 18);
    raw_put(t.data, "record_ids", key, sizeof key, good, sizeof good);
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    assert_int_equal(yc_store_record_get(st, rid, &got, NULL), YC_OK);
    yc_store_close(st);
    uint8_t rkey[18 + 1 + 8];
    memcpy(rkey, r.subject_id, 18);
    rkey[18] = 0;
    rid_key(rid, rkey + 19);
    uint8_t junk[3] = {1, 2, 3};
    raw_put(t.data, "records", rkey, sizeof rkey, junk, sizeof junk);
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    assert_int_equal(yc_store_record_get(st, rid, &got, NULL), YC_ERR_STORE);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- objections ---- */
static yc_store_objection_filter filter(int state)
{
    return (yc_store_objection_filter){.state = state, .overdue_today = YC_DATE_NONE};
}

static void yc_store_objection_file__active_record__open_and_disputed(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_merchant(&r, 7);
    uint64_t rid = ingest1(st, &r);
    yc_store_objection ob;
    yc_record nv;
    const yc_date dl = ymd(2026, 12, 7);
    assert_int_equal(
        yc_store_objection_file(st, rid, r.subject_id, "处罚对象不是本公司", 1000, dl, &ob, &nv),
        YC_OK);
    assert_true(yc_store_objection_id_ok(ob.id));
    assert_memory_equal(ob.id, "ob_", 3);
    assert_int_equal(ob.record_id, rid);
    assert_string_equal(ob.subject_id, r.subject_id);
    assert_string_equal(ob.authority_uscc, "11330782002609254X");
    assert_string_equal(ob.reason, "处罚对象不是本公司");
    assert_int_equal(ob.filed_ms, 1000);
    assert_int_equal(ob.deadline, dl);
    assert_int_equal(ob.state, YC_OBJECTION_OPEN);
    assert_int_equal(ob.outcome, YC_OBJECTION_OUTCOME_NONE);
    assert_int_equal(ob.action, YC_OBJECTION_ACTION_NONE);
    assert_string_equal(ob.resolution, "");
    assert_string_equal(ob.resolved_by, "");
    assert_int_equal(ob.resolved_ms, 0);
    assert_int_equal(nv.status, YC_STATUS_DISPUTED);
    assert_int_equal(nv.version, 2);
    yc_store_objection back;
    assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_OK);
    assert_memory_equal(&back, &ob, sizeof ob);
    yc_record got;
    assert_int_equal(yc_store_record_get(st, rid, &got, NULL), YC_OK);
    assert_int_equal(got.status, YC_STATUS_DISPUTED);
    /* a second objection on the disputed record: conflict, nothing written */
    assert_int_equal(
        yc_store_objection_file(st, rid, r.subject_id, "再次异议", 2000, dl, NULL, NULL),
        YC_ERR_CONFLICT);
    yc_store_objection *arr = NULL;
    size_t n = 0;
    char next[YC_OBJECTION_ID_LEN + 1];
    assert_int_equal(yc_store_objections_of_subject(st, r.subject_id, NULL, 10, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(arr[0].id, ob.id);
    assert_string_equal(next, "");
    yc_free(arr);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_objection_file__refusals__exact_errors(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r[2];
    make_merchant(&r[0], 1);
    make_merchant(&r[1], 2);
    yc_ingest_stats s;
    assert_int_equal(yc_store_ingest(st, r, 2, &s), YC_OK);
    const yc_date dl = ymd(2026, 12, 7);
    /* another subject's record, an unknown record, record 0 */
    assert_int_equal(yc_store_objection_file(st, 1, r[1].subject_id, "x", 1, dl, NULL, NULL),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_objection_file(st, 3, r[0].subject_id, "x", 1, dl, NULL, NULL),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_objection_file(st, 0, r[0].subject_id, "x", 1, dl, NULL, NULL),
                     YC_ERR_NOT_FOUND);
    /* reasons: empty, a 15-digit run, a control character, invalid UTF-8, too long */
    char lim[YC_OBJECTION_REASON_MAX + 2];
    memset(lim, 'a', sizeof lim);
    lim[YC_OBJECTION_REASON_MAX + 1] = '\0';
    const char *bad[] = {"", "证件号330782198503121", "a\nb", "\xff\xfe", "\xe4\xb8", lim};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(yc_store_objection_reason_ok(bad[i]));
        assert_int_equal(yc_store_objection_file(st, 1, r[0].subject_id, bad[i], 1, dl, NULL, NULL),
                         YC_ERR_INVALID);
    }
    assert_false(yc_store_objection_reason_ok(NULL));
    /* at the limits: 1000 bytes, a 14-digit run */
    lim[YC_OBJECTION_REASON_MAX] = '\0';
    assert_true(yc_store_objection_reason_ok(lim));
    assert_true(yc_store_objection_reason_ok("电话12345678901234"));
    /* regress__issue_6__objection_reason_separated_or_full_width_digits__refused */
    assert_false(yc_store_objection_reason_ok("身份证 330782-19581031-7029 不是我的"));
    assert_false(yc_store_objection_reason_ok("３３０７８２１９５８１０３１７０２９"));
    assert_false(yc_store_objection_reason_ok("电话 123 4567 8901 2345"));
    assert_true(yc_store_objection_reason_ok("电话 123 4567 8901 234"));
    assert_false(yc_store_objection_reason_ok("１２３４５６７８９０１２３４５"));
    assert_true(yc_store_objection_reason_ok("１２３４５６７８９０１２３４"));
    assert_int_equal(yc_store_objection_file(st, 1, r[0].subject_id,
                                             "３３０７８２１９５８１０３１７０２９", 1, dl, NULL,
                                             NULL),
                     YC_ERR_INVALID);
    /* bad subject, time, deadline */
    assert_int_equal(yc_store_objection_file(st, 1, "", "x", 1, dl, NULL, NULL), YC_ERR_INVALID);
    assert_int_equal(yc_store_objection_file(st, 1, "A B", "x", 1, dl, NULL, NULL), YC_ERR_INVALID);
    assert_int_equal(yc_store_objection_file(st, 1, r[0].subject_id, "x", -1, dl, NULL, NULL),
                     YC_ERR_INVALID);
    assert_int_equal(
        yc_store_objection_file(st, 1, r[0].subject_id, "x", 1, YC_DATE_NONE, NULL, NULL),
        YC_ERR_INVALID);
    /* nothing was written: record 1 still active, no objection */
    yc_record got;
    assert_int_equal(yc_store_record_get(st, 1, &got, NULL), YC_OK);
    assert_int_equal(got.status, YC_STATUS_ACTIVE);
    assert_int_equal(got.version, 1);
    /* a revoked record cannot be disputed */
    assert_int_equal(
        yc_store_record_set_status(st, 2, YC_STATUS_BIT(YC_STATUS_ACTIVE), YC_STATUS_REVOKED, NULL),
        YC_OK);
    assert_int_equal(yc_store_objection_file(st, 2, r[1].subject_id, "x", 1, dl, NULL, NULL),
                     YC_ERR_CONFLICT);
    /* at the limit: a 1000-byte reason is stored and read back */
    yc_store_objection ob;
    assert_int_equal(yc_store_objection_file(st, 1, r[0].subject_id, lim, 1, dl, &ob, NULL), YC_OK);
    yc_store_objection back;
    assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_OK);
    assert_string_equal(back.reason, lim);
    assert_int_equal(yc_store_objection_get(st, "ob_AAAAAAAAAAAAAAAAAAAAAA", &back),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_objection_get(st, "ob_short", &back), YC_ERR_NOT_FOUND);
    yc_store_close(st);
    tdir_remove(&t);
}

/* The audit entries of the store: @p n expected, the last one checked. */
static void assert_last_audit(yc_store *st, size_t n, const char *actor, const char *target,
                              const char *detail)
{
    yc_store_audit *arr = NULL;
    size_t got = 0;
    char next[YC_AUDIT_CURSOR_MAX + 1];
    assert_int_equal(
        yc_store_audit_list(st, YC_AUDIT_OBJECTION_RESOLVE, NULL, 100, &arr, &got, next), YC_OK);
    assert_int_equal(got, n);
    if (n > 0) {
        /* newest first or oldest first: find the one with this target */
        bool found = false;
        for (size_t i = 0; i < got; i++) {
            if (strcmp(arr[i].target, target) != 0)
                continue;
            found = true;
            assert_string_equal(arr[i].actor, actor);
            assert_string_equal(arr[i].detail, detail);
            assert_int_equal(arr[i].action, YC_AUDIT_OBJECTION_RESOLVE);
            assert_int_equal(arr[i].outcome, YC_AUDIT_OK);
        }
        assert_true(found);
    }
    yc_free(arr);
}

static void yc_store_objection_resolve__each_outcome__record_and_audit(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r[3];
    make_merchant(&r[0], 1);
    make_merchant(&r[1], 2);
    make_person(&r[2], 3);
    yc_ingest_stats s;
    assert_int_equal(yc_store_ingest(st, r, 3, &s), YC_OK);
    const yc_date dl = ymd(2026, 12, 7);
    yc_store_objection ob[3];
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(yc_store_objection_file(st, r[i].record_id, r[i].subject_id, "不实", 100,
                                                 dl, &ob[i], NULL),
                         YC_OK);
    const char *actor = "cl_ABCDEFGHIJKLMNOP";
    /* upheld + revoke */
    yc_store_objection_resolution res = {.outcome = YC_OBJECTION_OUTCOME_UPHELD,
                                         .action = YC_OBJECTION_ACTION_REVOKE,
                                         .actor = actor,
                                         .now_ms = 200};
    yc_store_objection out;
    yc_record rec;
    assert_int_equal(yc_store_objection_resolve(st, ob[0].id, &res, &out, &rec), YC_OK);
    assert_int_equal(out.state, YC_OBJECTION_RESOLVED);
    assert_int_equal(out.outcome, YC_OBJECTION_OUTCOME_UPHELD);
    assert_int_equal(out.action, YC_OBJECTION_ACTION_REVOKE);
    assert_string_equal(out.resolved_by, actor);
    assert_int_equal(out.resolved_ms, 200);
    assert_int_equal(rec.status, YC_STATUS_REVOKED);
    assert_int_equal(rec.version, 3);
    char detail[64];
    SET(detail, "record %" PRIu64 " upheld revoke", r[0].record_id);
    assert_last_audit(st, 1, actor, ob[0].id, detail);
    /* a second resolution: conflict, no second audit entry */
    assert_int_equal(yc_store_objection_resolve(st, ob[0].id, &res, NULL, NULL), YC_ERR_CONFLICT);
    assert_last_audit(st, 1, actor, ob[0].id, detail);
    /* rejected: back to active */
    res = (yc_store_objection_resolution){.outcome = YC_OBJECTION_OUTCOME_REJECTED,
                                          .resolution = "经核查处罚决定无误",
                                          .actor = "system:noauth",
                                          .now_ms = 300};
    assert_int_equal(yc_store_objection_resolve(st, ob[1].id, &res, &out, &rec), YC_OK);
    assert_int_equal(out.outcome, YC_OBJECTION_OUTCOME_REJECTED);
    assert_int_equal(out.action, YC_OBJECTION_ACTION_NONE);
    assert_string_equal(out.resolution, "经核查处罚决定无误");
    assert_int_equal(rec.status, YC_STATUS_ACTIVE);
    assert_int_equal(rec.version, 3);
    SET(detail, "record %" PRIu64 " rejected", r[1].record_id);
    assert_last_audit(st, 2, "system:noauth", ob[1].id, detail);
    /* upheld + correct: the caller's ingest stored the correction (still disputed: ingest keeps
     * a dispute); resolving makes it count again */
    res = (yc_store_objection_resolution){.outcome = YC_OBJECTION_OUTCOME_UPHELD,
                                          .action = YC_OBJECTION_ACTION_CORRECT,
                                          .actor = actor,
                                          .now_ms = 400};
    assert_int_equal(yc_store_objection_resolve(st, ob[2].id, &res, &out, &rec), YC_OK);
    assert_int_equal(rec.status, YC_STATUS_ACTIVE);
    assert_int_equal(rec.version, 3);
    SET(detail, "record %" PRIu64 " upheld correct", r[2].record_id);
    assert_last_audit(st, 3, actor, ob[2].id, detail);
    /* the subject sees each step */
    yc_store_objection *arr = NULL;
    size_t n = 0;
    char next[YC_OBJECTION_ID_LEN + 1];
    assert_int_equal(yc_store_objections_of_subject(st, r[1].subject_id, NULL, 10, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].state, YC_OBJECTION_RESOLVED);
    assert_int_equal(arr[0].resolved_ms, 300);
    yc_free(arr);
    /* after the rejection a new objection on the same record is accepted */
    assert_int_equal(yc_store_objection_file(st, r[1].record_id, r[1].subject_id, "补充材料", 500,
                                             dl, NULL, NULL),
                     YC_OK);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_objection_resolve__bad_resolutions__invalid_nothing_written(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_merchant(&r, 1);
    uint64_t rid = ingest1(st, &r);
    yc_store_objection ob;
    assert_int_equal(
        yc_store_objection_file(st, rid, r.subject_id, "x", 100, ymd(2026, 1, 5), &ob, NULL),
        YC_OK);
    const char *actor = "cl_ABCDEFGHIJKLMNOP";
    const yc_store_objection_resolution bad[] = {
        {.outcome = YC_OBJECTION_OUTCOME_UPHELD, .actor = actor, .now_ms = 200},
        {.outcome = YC_OBJECTION_OUTCOME_UPHELD,
         .action = YC_OBJECTION_ACTION_REVOKE,
         .resolution = "not for upheld",
         .actor = actor,
         .now_ms = 200},
        {.outcome = YC_OBJECTION_OUTCOME_REJECTED, .actor = actor, .now_ms = 200},
        {.outcome = YC_OBJECTION_OUTCOME_REJECTED,
         .action = YC_OBJECTION_ACTION_REVOKE,
         .resolution = "r",
         .actor = actor,
         .now_ms = 200},
        {.outcome = YC_OBJECTION_OUTCOME_NONE, .actor = actor, .now_ms = 200},
        {.outcome = YC_OBJECTION_OUTCOME_UPHELD,
         .action = YC_OBJECTION_ACTION_REVOKE,
         .actor = "nobody",
         .now_ms = 200},
        {.outcome = YC_OBJECTION_OUTCOME_UPHELD,
         .action = YC_OBJECTION_ACTION_REVOKE,
         .actor = "",
         .now_ms = 200},
        {.outcome = YC_OBJECTION_OUTCOME_UPHELD,
         .action = YC_OBJECTION_ACTION_REVOKE,
         .actor = actor,
         .now_ms = 99}, /* before the filing */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(yc_store_objection_resolve(st, ob.id, &bad[i], NULL, NULL),
                         YC_ERR_INVALID);
    yc_store_objection back;
    assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_OK);
    assert_int_equal(back.state, YC_OBJECTION_OPEN);
    yc_record got;
    assert_int_equal(yc_store_record_get(st, rid, &got, NULL), YC_OK);
    assert_int_equal(got.status, YC_STATUS_DISPUTED);
    assert_last_audit(st, 0, "", "", "");
    const yc_store_objection_resolution ok = {.outcome = YC_OBJECTION_OUTCOME_UPHELD,
                                              .action = YC_OBJECTION_ACTION_REVOKE,
                                              .actor = actor,
                                              .now_ms = 100};
    assert_int_equal(yc_store_objection_resolve(st, "ob_AAAAAAAAAAAAAAAAAAAAAA", &ok, NULL, NULL),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_objection_resolve(st, "nope", &ok, NULL, NULL), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_objection_resolve(st, ob.id, &ok, NULL, NULL), YC_OK);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_objections_list__filters_and_pages__exact(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    enum { N = 5 };
    yc_record r[N];
    for (int i = 0; i < N; i++)
        make_merchant(&r[i], i + 1);
    SET(r[4].authority_uscc, "113307820026092621"); /* another authority */
    yc_ingest_stats s;
    assert_int_equal(yc_store_ingest(st, r, N, &s), YC_OK);
    yc_store_objection ob[N];
    /* deadlines: 5, 3, 1, 4, 2 December: the status index orders by deadline */
    const int days[N] = {5, 3, 1, 4, 2};
    for (int i = 0; i < N; i++)
        assert_int_equal(yc_store_objection_file(st, r[i].record_id, r[i].subject_id, "x", 100 + i,
                                                 ymd(2026, 12, days[i]), &ob[i], NULL),
                         YC_OK);
    const yc_store_objection_resolution rej = {.outcome = YC_OBJECTION_OUTCOME_REJECTED,
                                               .resolution = "无误",
                                               .actor = "cl_ABCDEFGHIJKLMNOP",
                                               .now_ms = 1000};
    assert_int_equal(yc_store_objection_resolve(st, ob[1].id, &rej, NULL, NULL), YC_OK);
    yc_store_objection *arr = NULL;
    size_t n = 0;
    char next[YC_OBJECTION_ID_LEN + 1];
    /* open: 2, 4, 3, 0 by deadline (1, 2, 4, 5 Dec) */
    yc_store_objection_filter f = filter(YC_OBJECTION_OPEN);
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 4);
    assert_string_equal(arr[0].id, ob[2].id);
    assert_string_equal(arr[1].id, ob[4].id);
    assert_string_equal(arr[2].id, ob[3].id);
    assert_string_equal(arr[3].id, ob[0].id);
    assert_string_equal(next, "");
    yc_free(arr);
    /* pages of 3, then of 1 */
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 3, &arr, &n, next), YC_OK);
    assert_int_equal(n, 3);
    assert_string_equal(next, ob[3].id);
    yc_free(arr);
    char cur[YC_OBJECTION_ID_LEN + 1];
    memcpy(cur, next, sizeof cur);
    assert_int_equal(yc_store_objections_list(st, &f, cur, 3, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(arr[0].id, ob[0].id);
    assert_string_equal(next, "");
    yc_free(arr);
    /* resolved */
    f = filter(YC_OBJECTION_RESOLVED);
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(arr[0].id, ob[1].id);
    yc_free(arr);
    /* any: open ones first, then resolved */
    f = filter(-1);
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 5);
    assert_string_equal(arr[4].id, ob[1].id);
    yc_free(arr);
    /* overdue on 4 Dec: deadlines before it (1 and 2 Dec), open only; a deadline equal to
     * today is not overdue yet */
    f = filter(YC_OBJECTION_OPEN);
    f.overdue_today = ymd(2026, 12, 4);
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_string_equal(arr[0].id, ob[2].id);
    assert_string_equal(arr[1].id, ob[4].id);
    yc_free(arr);
    /* a provider's authorities */
    const char *mine[] = {"113307820026092621"};
    f = filter(-1);
    f.authorities = mine;
    f.n_authorities = 1;
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(arr[0].id, ob[4].id);
    yc_free(arr);
    f.n_authorities = 0; /* a provider without authorities sees nothing */
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    /* bad arguments */
    f = filter(-1);
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 0, &arr, &n, next), YC_ERR_INVALID);
    assert_int_equal(
        yc_store_objections_list(st, &f, NULL, YC_OBJECTION_PAGE_MAX + 1, &arr, &n, next),
        YC_ERR_INVALID);
    assert_int_equal(
        yc_store_objections_list(st, &f, "ob_AAAAAAAAAAAAAAAAAAAAAA", 10, &arr, &n, next),
        YC_ERR_INVALID);
    assert_int_equal(yc_store_objections_list(st, &f, "zz", 10, &arr, &n, next), YC_ERR_INVALID);
    f = filter(2);
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 10, &arr, &n, next), YC_ERR_INVALID);
    /* a subject's pages */
    assert_int_equal(yc_store_objections_of_subject(st, r[0].subject_id, NULL, 1, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(next, "");
    yc_free(arr);
    assert_int_equal(
        yc_store_objections_of_subject(st, r[0].subject_id, ob[1].id, 1, &arr, &n, next),
        YC_ERR_INVALID); /* another subject's cursor */
    assert_int_equal(
        yc_store_objections_of_subject(st, "91330782MA0000000X", NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_objections__no_table_yet__empty_and_created_by_filing(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_merchant(&r, 1);
    uint64_t rid = ingest1(st, &r);
    yc_store_close(st);
    raw_drop(t.data, "objections");
    raw_drop(t.data, "objections_by_subject");
    raw_drop(t.data, "objections_by_status");
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    yc_store_objection *arr = (yc_store_objection *)1;
    size_t n = 9;
    char next[YC_OBJECTION_ID_LEN + 1];
    yc_store_objection_filter f = filter(-1);
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    assert_int_equal(yc_store_objections_of_subject(st, r.subject_id, NULL, 10, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 0);
    yc_store_objection ob;
    assert_int_equal(yc_store_objection_get(st, "ob_AAAAAAAAAAAAAAAAAAAAAA", &ob),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(
        yc_store_objection_file(st, rid, r.subject_id, "x", 1, ymd(2026, 1, 5), &ob, NULL), YC_OK);
    assert_int_equal(yc_store_objections_list(st, &f, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    yc_free(arr);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_objection_get__corrupt_values__store_error(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_merchant(&r, 1);
    uint64_t rid = ingest1(st, &r);
    yc_store_objection ob;
    assert_int_equal(
        yc_store_objection_file(st, rid, r.subject_id, "abc", 1, ymd(2026, 1, 5), &ob, NULL),
        YC_OK);
    yc_store_close(st);
    /* read the good value back raw */
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    raw_open(t.data, &env, &txn);
    MDB_dbi dbi = 0;
    assert_int_equal(mdb_dbi_open(txn, "objections", 0, &dbi), 0);
    MDB_val k = {YC_OBJECTION_ID_LEN, ob.id}, v;
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    uint8_t good[512];
    assert_true(v.mv_size <= sizeof good);
    size_t len = v.mv_size;
    memcpy(good, v.mv_data, len);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    /* codec version 2: the header in clear (byte 0 = 2), then the sealed strings */
    assert_int_equal(len, 40 + 40 + 2 * 5 + 18 + 18 + 3); /* + YC_SEAL_OVERHEAD */
    assert_int_equal(good[0], 2);
    assert_null(memmem(good, len, r.subject_id, strlen(r.subject_id)));
    /* sealed: a changed header byte (associated data) or ciphertext byte fails to open */
    const size_t sealed_flips[] = {1, 8, 16, 39, 40, 40 + 24, len - 1};
    for (size_t i = 0; i < sizeof sealed_flips / sizeof sealed_flips[0]; i++) {
        uint8_t bad[512];
        memcpy(bad, good, len);
        bad[sealed_flips[i]] ^= 1;
        raw_put(t.data, "objections", ob.id, YC_OBJECTION_ID_LEN, bad, len);
        assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
        yc_store_objection back;
        assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_ERR_STORE);
        yc_store_close(st);
    }
    /* a sealed value under another objection's id (associated data) fails too */
    {
        char other[YC_OBJECTION_ID_LEN + 1];
        memcpy(other, ob.id, sizeof other);
        other[5] = other[5] == 'A' ? 'B' : 'A';
        raw_put(t.data, "objections", other, YC_OBJECTION_ID_LEN, good, len);
        assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
        yc_store_objection back;
        assert_int_equal(yc_store_objection_get(st, other, &back), YC_ERR_STORE);
        yc_store_close(st);
    }
    /* the plain codec version 1 value (still read): header with byte 0 = 1, then the strings */
    uint8_t sealed[512];
    const size_t sealed_len = len;
    memcpy(sealed, good, len);
    good[0] = 1;
    size_t at = 40;
    const char *strs[5] = {r.subject_id, r.authority_uscc, "abc", "", ""};
    for (size_t i = 0; i < 5; i++) {
        const size_t sl = strlen(strs[i]);
        good[at] = (uint8_t)sl;
        good[at + 1] = 0;
        memcpy(good + at + 2, strs[i], sl);
        at += 2 + sl;
    }
    len = at;
    assert_int_equal(len, 40 + 2 * 5 + 18 + 18 + 3); /* header, 5 lengths, sid, uscc, "abc" */
    raw_put(t.data, "objections", ob.id, YC_OBJECTION_ID_LEN, good, len);
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    {
        yc_store_objection back;
        assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_OK);
        assert_memory_equal(&back, &ob, sizeof ob);
    }
    yc_store_close(st);
    struct {
        size_t off;
        uint8_t byte;
    } flips[] = {
        {0, 2},                       /* codec version */
        {1, 2},                       /* state out of range */
        {2, 1},                       /* an open objection with an outcome */
        {3, 1},                       /* ... with an action */
        {8, 0},                       /* record id 0 (its low byte is 1) */
        {23, 0x80},                   /* filed_ms negative */
        {24, 1},                      /* resolved_ms set while open */
        {32, 1},                      /* reserved byte */
        {40, 19},                     /* subject_id length past the end of its string */
        {42, 0},                      /* a NUL inside subject_id */
        {42, ' '},                    /* a space inside subject_id */
        {40 + 2 + 18 + 2 + 18, 0xff}, /* reason length past the end */
    };
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        uint8_t bad[512];
        memcpy(bad, good, len);
        bad[flips[i].off] = flips[i].byte;
        raw_put(t.data, "objections", ob.id, YC_OBJECTION_ID_LEN, bad, len);
        assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
        yc_store_objection back;
        assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_ERR_STORE);
        yc_store_close(st);
    }
    /* truncated, and one trailing byte */
    uint8_t longer[513];
    memcpy(longer, good, len);
    longer[len] = 0;
    raw_put(t.data, "objections", ob.id, YC_OBJECTION_ID_LEN, longer, len + 1);
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    yc_store_objection back;
    assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_ERR_STORE);
    yc_store_close(st);
    raw_put(t.data, "objections", ob.id, YC_OBJECTION_ID_LEN, good, len - 1);
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_ERR_STORE);
    yc_store_close(st);
    /* the good sealed value again: read back exactly */
    raw_put(t.data, "objections", ob.id, YC_OBJECTION_ID_LEN, sealed, sealed_len);
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_OK);
    assert_memory_equal(&back, &ob, sizeof ob);
    yc_store_close(st);
    tdir_remove(&t);
}

/* regression of issue 6 (breaker report 2, defect 3): a name or a passport number typed into
 * a reason or a resolution, which the digit rule cannot see or which is refused, is never in
 * clear in data.mdb. */
static void regress__issue_6__objection_free_texts__sealed_in_data_mdb(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_record r;
    make_merchant(&r, 1);
    uint64_t rid = ingest1(st, &r);
    yc_store_objection ob;
    const char *reason = "负责人张金花的处罚不实，请核查";
    assert_int_equal(
        yc_store_objection_file(st, rid, r.subject_id, reason, 100, ymd(2026, 1, 5), &ob, NULL),
        YC_OK);
    /* a passport number is refused by the digit rule */
    assert_int_equal(yc_store_objection_file(st, rid, r.subject_id, "我的护照号是A30918274", 100,
                                             ymd(2026, 1, 5), NULL, NULL),
                     YC_ERR_INVALID);
    const char *resolution = "经复核，张金花所述与事实不符";
    yc_store_objection_resolution res = {.outcome = YC_OBJECTION_OUTCOME_REJECTED,
                                         .action = YC_OBJECTION_ACTION_NONE,
                                         .resolution = resolution,
                                         .actor = "cl_ABCDEFGHIJKLMNOP",
                                         .now_ms = 200};
    yc_store_objection out;
    assert_int_equal(yc_store_objection_resolve(st, ob.id, &res, &out, NULL), YC_OK);
    yc_store_objection back;
    assert_int_equal(yc_store_objection_get(st, ob.id, &back), YC_OK);
    assert_string_equal(back.reason, reason);
    assert_string_equal(back.resolution, resolution);
    assert_memory_equal(&back, &out, sizeof out);
    yc_store_close(st);
    char path[256];
    SET(path, "%s/lmdb/data.mdb", t.data);
    assert_true(file_contains(path, ob.id)); /* the scan sees what is there */
    assert_false(file_contains(path, "张金花"));
    assert_false(file_contains(path, "请核查"));
    assert_false(file_contains(path, "A30918274"));
    tdir_remove(&t);
}

static void yc_objection_names__every_value__exact(void **state)
{
    (void)state;
    assert_string_equal(yc_objection_state_name(YC_OBJECTION_OPEN), "open");
    assert_string_equal(yc_objection_state_name(YC_OBJECTION_RESOLVED), "resolved");
    assert_string_equal(yc_objection_state_name((yc_objection_state)2), "unknown");
    assert_string_equal(yc_objection_outcome_name(YC_OBJECTION_OUTCOME_NONE), "");
    assert_string_equal(yc_objection_outcome_name(YC_OBJECTION_OUTCOME_UPHELD), "upheld");
    assert_string_equal(yc_objection_outcome_name(YC_OBJECTION_OUTCOME_REJECTED), "rejected");
    assert_string_equal(yc_objection_outcome_name((yc_objection_outcome)3), "unknown");
    assert_string_equal(yc_objection_action_name(YC_OBJECTION_ACTION_NONE), "");
    assert_string_equal(yc_objection_action_name(YC_OBJECTION_ACTION_CORRECT), "correct");
    assert_string_equal(yc_objection_action_name(YC_OBJECTION_ACTION_REVOKE), "revoke");
    assert_string_equal(yc_objection_action_name((yc_objection_action)3), "unknown");
    assert_true(yc_store_objection_id_ok("ob_AAAAAAAAAAAAAAAAAAAA-_"));
    assert_false(yc_store_objection_id_ok("ob_AAAAAAAAAAAAAAAAAAAA-"));
    assert_false(yc_store_objection_id_ok("ob_AAAAAAAAAAAAAAAAAAAA-_A"));
    assert_false(yc_store_objection_id_ok("rp_AAAAAAAAAAAAAAAAAAAA-_"));
    assert_false(yc_store_objection_id_ok("ob_AAAAAAAAAAAAAAAAAAAA=_"));
    assert_false(yc_store_objection_id_ok(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yc_store_record_set_status__active_to_disputed__new_version_and_history),
        cmocka_unit_test(yc_store_record_set_status__status_not_allowed__conflict_nothing_written),
        cmocka_unit_test(
            yc_store_record_set_status__unknown_or_bad_arguments__not_found_or_invalid),
        cmocka_unit_test(yc_store_record_set_status__natural_person__identity_stays_sealed),
        cmocka_unit_test(yc_store_ingest__after_set_status__supersedes_last_write_wins),
        cmocka_unit_test(yc_store_record_get__directory_before_index__filled_on_first_use),
        cmocka_unit_test(yc_store_record_get__corrupt_index_or_value__store_error),
        cmocka_unit_test(yc_store_objection_file__active_record__open_and_disputed),
        cmocka_unit_test(yc_store_objection_file__refusals__exact_errors),
        cmocka_unit_test(yc_store_objection_resolve__each_outcome__record_and_audit),
        cmocka_unit_test(yc_store_objection_resolve__bad_resolutions__invalid_nothing_written),
        cmocka_unit_test(yc_store_objections_list__filters_and_pages__exact),
        cmocka_unit_test(yc_store_objections__no_table_yet__empty_and_created_by_filing),
        cmocka_unit_test(yc_store_objection_get__corrupt_values__store_error),
        cmocka_unit_test(regress__issue_6__objection_free_texts__sealed_in_data_mdb),
        cmocka_unit_test(yc_objection_names__every_value__exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
