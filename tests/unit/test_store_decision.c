/* Tests for include/yrdcredit/store_decision.h: the decisions table and its committer op. */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_attest.h"
#include "yrdcredit/store_decision.h"

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

static yc_store *init_and_open(tdir *t)
{
    snprintf(t->base, sizeof t->base, "/tmp/yc_sdec_XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->data, sizeof t->data, "%s/data", t->base);
    assert_int_equal(yc_store_init_dir(t->data), YC_OK);
    yc_store *st = NULL;
    assert_int_equal(yc_store_open(t->data, NULL, &st), YC_OK);
    return st;
}

static void tdir_remove(const tdir *t)
{
    assert_int_equal(nftw(t->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* A done callback that records the result and posts a semaphore. */
typedef struct waiter {
    sem_t sem;
    yc_err result;
} waiter;

static void on_done(void *ctx, yc_err result)
{
    waiter *w = ctx;
    w->result = result;
    sem_post(&w->sem);
}

static yc_err put_and_wait(yc_store_committer *c, const char *id, const char *json, size_t len)
{
    waiter w;
    assert_int_equal(sem_init(&w.sem, 0, 0), 0);
    w.result = YC_ERR_INTERNAL;
    yc_err rv = yc_store_commit_decision_put(c, id, json, len, on_done, &w);
    if (rv == YC_OK) {
        assert_int_equal(sem_wait(&w.sem), 0);
        rv = w.result;
    }
    sem_destroy(&w.sem);
    return rv;
}

static const char ID1[] = "dec_AAAAAAAAAAAAAAAAAAAAAA";
static const char ID2[] = "dec_-_0123456789abcdefXYZ_";

static void yc_decision_id_is_valid__shapes__exact(void **state)
{
    (void)state;
    assert_true(yc_decision_id_is_valid(ID1, strlen(ID1)));
    assert_true(yc_decision_id_is_valid(ID2, strlen(ID2)));
    assert_false(yc_decision_id_is_valid(ID1, strlen(ID1) - 1));              /* 25 */
    assert_false(yc_decision_id_is_valid("dec_AAAAAAAAAAAAAAAAAAAAAAA", 27)); /* 27 */
    assert_false(yc_decision_id_is_valid("deC_AAAAAAAAAAAAAAAAAAAAAA", 26));  /* prefix */
    assert_false(yc_decision_id_is_valid("dec_AAAAAAAAAAAAAAAAAAAAA=", 26));  /* padding */
    assert_false(yc_decision_id_is_valid("dec_AAAAAAAAAAAAAAAAAAAA+/", 26));  /* base64 */
    assert_false(yc_decision_id_is_valid("dec_AAAAAAAAAAA\0AAAAAAAAAA", 26)); /* NUL */
    assert_false(yc_decision_id_is_valid(NULL, 26));
}

static void yc_store_commit_decision_put__then_get__same_bytes_and_durable(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    char *got = NULL;
    size_t len = 0;
    /* before the committer created the table: not found */
    assert_int_equal(yc_store_decision_get(st, ID1, &got, &len), YC_ERR_NOT_FOUND);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    const char json[] = "{\"id\":\"dec_AAAAAAAAAAAAAAAAAAAAAA\",\"text\":\"限制高消费\"}";
    assert_int_equal(put_and_wait(c, ID1, json, strlen(json)), YC_OK);
    assert_int_equal(yc_store_decision_get(st, ID1, &got, &len), YC_OK);
    assert_int_equal(len, strlen(json));
    assert_memory_equal(got, json, len);
    assert_int_equal(got[len], '\0');
    yc_free(got);
    got = NULL;
    /* the same id again: conflict, the first one kept */
    assert_int_equal(put_and_wait(c, ID1, "{}", 2), YC_ERR_CONFLICT);
    assert_int_equal(yc_store_decision_get(st, ID1, &got, &len), YC_OK);
    assert_int_equal(len, strlen(json));
    yc_free(got);
    got = NULL;
    assert_int_equal(yc_store_decision_get(st, ID2, &got, &len), YC_ERR_NOT_FOUND);
    assert_null(got);
    yc_store_committer_stop(c);
    yc_store_close(st);
    /* reopened: still there */
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    assert_int_equal(yc_store_decision_get(st, ID1, &got, &len), YC_OK);
    assert_int_equal(len, strlen(json));
    assert_memory_equal(got, json, len);
    yc_free(got);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_commit_decision_put__size_at_limit_and_one_past__ok_then_invalid(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    char *big = yc_alloc(YC_DECISION_JSON_MAX + 1);
    assert_non_null(big);
    memset(big, 'x', YC_DECISION_JSON_MAX + 1);
    assert_int_equal(put_and_wait(c, ID2, big, YC_DECISION_JSON_MAX), YC_OK);
    assert_int_equal(
        yc_store_commit_decision_put(c, ID1, big, YC_DECISION_JSON_MAX + 1, on_done, NULL),
        YC_ERR_INVALID);
    assert_int_equal(yc_store_commit_decision_put(c, ID1, big, 0, on_done, NULL), YC_ERR_INVALID);
    assert_int_equal(yc_store_commit_decision_put(c, "dec_short", big, 1, on_done, NULL),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_commit_decision_put(c, ID1, NULL, 1, on_done, NULL), YC_ERR_INVALID);
    assert_int_equal(yc_store_commit_decision_put(c, ID1, big, 1, NULL, NULL), YC_ERR_INVALID);
    char *got = NULL;
    size_t len = 0;
    assert_int_equal(yc_store_decision_get(st, ID2, &got, &len), YC_OK);
    assert_int_equal(len, YC_DECISION_JSON_MAX);
    assert_memory_equal(got, big, len);
    yc_free(got);
    assert_int_equal(yc_store_decision_get(st, ID1, &got, &len), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_decision_get(st, "dec_short", &got, &len), YC_ERR_INVALID);
    yc_free(big);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

static _Atomic int g_done_ok;

static void count_ok(void *ctx, yc_err result)
{
    (void)ctx;
    if (result == YC_OK)
        g_done_ok++;
}

static void yc_store_committer_stop__queued_decisions__all_committed(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    yc_store_committer_opts o = {.queue_cap = 8, .max_batch = 2};
    assert_int_equal(yc_store_committer_start(st, &o, &c), YC_OK);
    g_done_ok = 0;
    char ids[3][YC_DECISION_ID_LEN + 1] = {
        "dec_000000000000000000000A", "dec_000000000000000000000B", "dec_000000000000000000000C"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(
            yc_store_commit_decision_put(c, ids[i], ids[i], YC_DECISION_ID_LEN, count_ok, NULL),
            YC_OK);
    yc_store_committer_stop(c); /* commits what is queued, every callback has run */
    assert_int_equal(g_done_ok, 3);
    for (int i = 0; i < 3; i++) {
        char *got = NULL;
        size_t len = 0;
        assert_int_equal(yc_store_decision_get(st, ids[i], &got, &len), YC_OK);
        assert_int_equal(len, YC_DECISION_ID_LEN);
        assert_memory_equal(got, ids[i], len);
        yc_free(got);
    }
    yc_store_close(st);
    tdir_remove(&t);
}

/* Issue 5 review finding 3: readers of `decisions` and `shared_batches` run while shared
 * batches and decisions are written; every read gives its exact answer (the handles are opened
 * once, no transaction opens one later). */
enum { READERS = 4, READS = 300, BATCHES = 40 };

typedef struct reader_ctx {
    yc_store *st;
    atomic_int bad;
    atomic_int reads;
} reader_ctx;

static const char DEC_JSON[] = "{\"id\":\"dec_AAAAAAAAAAAAAAAAAAAAAA\"}";

static void *reader(void *arg)
{
    reader_ctx *c = arg;
    for (int i = 0; i < READS; i++) {
        char *got = NULL;
        size_t len = 0;
        yc_err rv = yc_store_decision_get(c->st, ID1, &got, &len);
        if (rv != YC_OK || len != strlen(DEC_JSON) || memcmp(got, DEC_JSON, len) != 0)
            atomic_fetch_add(&c->bad, 1);
        yc_free(got);
        got = NULL;
        if (yc_store_decision_get(c->st, ID2, &got, &len) != YC_ERR_NOT_FOUND || got != NULL)
            atomic_fetch_add(&c->bad, 1);
        yc_store_shared_batch b;
        if (yc_store_shared_batch_get(c->st, "zzzzzzzzzzzzzzzzzzzzzz", &b) != YC_ERR_NOT_FOUND)
            atomic_fetch_add(&c->bad, 1);
        atomic_fetch_add(&c->reads, 1);
    }
    return NULL;
}

static void issue5_store_reads__during_shared_ingest_and_puts__exact_answers(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_shared_batch b;
    /* a fresh data directory already has both tables: nothing stored yet */
    assert_int_equal(yc_store_shared_batch_get(st, "AAAAAAAAAAAAAAAAAAAAAA", &b), YC_ERR_NOT_FOUND);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    assert_int_equal(put_and_wait(c, ID1, DEC_JSON, strlen(DEC_JSON)), YC_OK);
    reader_ctx rc = {.st = st};
    atomic_init(&rc.bad, 0);
    atomic_init(&rc.reads, 0);
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &rc), 0);
    for (int i = 0; i < BATCHES; i++) {
        char id[YC_STORE_BATCH_ID_LEN + 1], did[YC_DECISION_ID_LEN + 1];
        snprintf(id, sizeof id, "batch%017d", i);
        snprintf(did, sizeof did, "dec_x%021d", i);
        assert_int_equal(yc_store_ingest_shared(st, "310000", id, i, NULL, 0, NULL), YC_OK);
        assert_int_equal(put_and_wait(c, did, "{}", 2), YC_OK);
    }
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(atomic_load(&rc.bad), 0);
    assert_int_equal(atomic_load(&rc.reads), READERS * READS);
    for (int i = 0; i < BATCHES; i++) {
        char id[YC_STORE_BATCH_ID_LEN + 1];
        snprintf(id, sizeof id, "batch%017d", i);
        assert_int_equal(yc_store_shared_batch_get(st, id, &b), YC_OK);
        assert_string_equal(b.from, "310000");
        assert_int_equal(b.iat, i);
        assert_int_equal(b.count, 0);
    }
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yc_decision_id_is_valid__shapes__exact),
        cmocka_unit_test(yc_store_commit_decision_put__then_get__same_bytes_and_durable),
        cmocka_unit_test(yc_store_commit_decision_put__size_at_limit_and_one_past__ok_then_invalid),
        cmocka_unit_test(yc_store_committer_stop__queued_decisions__all_committed),
        cmocka_unit_test(issue5_store_reads__during_shared_ingest_and_puts__exact_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
