/* Tests for include/yrdcredit/store_attest.h: attestation records and the group committer. */
#define _GNU_SOURCE /* nftw */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h> /* only to make a data directory of the layout before the attestation tables */

#include "yrdcredit/alloc.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_attest.h"

/* ---- helpers ---- */

typedef struct tdir {
    char base[64];
    char data[128];
} tdir;

static void tdir_make(tdir *t)
{
    snprintf(t->base, sizeof t->base, "/tmp/yc_satt_XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->data, sizeof t->data, "%s/data", t->base);
}

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

static yc_store *open_store(const tdir *t)
{
    yc_store *st = NULL;
    assert_int_equal(yc_store_open(t->data, NULL, &st), YC_OK);
    assert_non_null(st);
    return st;
}

static yc_store *init_and_open(tdir *t)
{
    tdir_make(t);
    assert_int_equal(yc_store_init_dir(t->data), YC_OK);
    return open_store(t);
}

#define SET(dst, ...) snprintf((dst), sizeof(dst), __VA_ARGS__)

/* jti "J" + 21 digits of n: 22 base64url characters. */
static void make_jti(char out[static YC_ATTEST_JTI_LEN + 1], uint64_t n)
{
    int w = snprintf(out, YC_ATTEST_JTI_LEN + 1, "J%021" PRIu64, n);
    assert_int_equal(w, YC_ATTEST_JTI_LEN);
}

static void make_att(yc_store_attestation *a, uint64_t n, const char *sid, int64_t iat)
{
    memset(a, 0, sizeof *a);
    make_jti(a->jti, n);
    SET(a->subject_id, "%s", sid);
    SET(a->kid, "kid-%" PRIu64, n % 7);
    SET(a->aud, "https://partner.example/%" PRIu64, n);
    a->iat = iat;
    a->exp = iat + 30 * 86400;
    a->list = 1 + (uint32_t)(n % 3);
    a->index = (uint32_t)n;
    a->state = YC_ATTEST_VALID;
}

/* A done callback that records its result and posts a semaphore. */
typedef struct waiter {
    sem_t sem;
    yc_err result;
    atomic_int calls;
} waiter;

static void waiter_init(waiter *w)
{
    assert_int_equal(sem_init(&w->sem, 0, 0), 0);
    w->result = YC_ERR_INTERNAL;
    atomic_init(&w->calls, 0);
}

static void waiter_done(void *ctx, yc_err result)
{
    waiter *w = ctx;
    w->result = result;
    atomic_fetch_add(&w->calls, 1);
    (void)sem_post(&w->sem);
}

static yc_err waiter_wait(waiter *w)
{
    while (sem_wait(&w->sem) != 0)
        assert_int_equal(errno, EINTR);
    return w->result;
}

static yc_err put_sync(yc_store_committer *c, const yc_store_attestation *a)
{
    waiter w;
    waiter_init(&w);
    assert_int_equal(yc_store_commit_attestation_put(c, a, waiter_done, &w), YC_OK);
    yc_err r = waiter_wait(&w);
    assert_int_equal(atomic_load(&w.calls), 1);
    (void)sem_destroy(&w.sem);
    return r;
}

static yc_err state_sync(yc_store_committer *c, const char *jti, yc_attest_state s, int64_t at,
                         const char *reason)
{
    waiter w;
    waiter_init(&w);
    assert_int_equal(yc_store_commit_attestation_state(c, jti, s, at, reason, waiter_done, &w),
                     YC_OK);
    yc_err r = waiter_wait(&w);
    (void)sem_destroy(&w.sem);
    return r;
}

/* A done callback that holds the committer thread until the test opens the gate. */
typedef struct gate {
    sem_t entered, open;
    yc_err result;
} gate;

static void gate_done(void *ctx, yc_err result)
{
    gate *g = ctx;
    g->result = result;
    (void)sem_post(&g->entered);
    while (sem_wait(&g->open) != 0) {
    }
}

static void gate_init(gate *g)
{
    assert_int_equal(sem_init(&g->entered, 0, 0), 0);
    assert_int_equal(sem_init(&g->open, 0, 0), 0);
    g->result = YC_ERR_INTERNAL;
}

/* Queue a put whose done blocks; return once the committer thread is held in it. */
static void gate_hold(yc_store_committer *c, gate *g, uint64_t n)
{
    yc_store_attestation a;
    make_att(&a, n, "GATE", 1000);
    gate_init(g);
    assert_int_equal(yc_store_commit_attestation_put(c, &a, gate_done, g), YC_OK);
    while (sem_wait(&g->entered) != 0) {
    }
    assert_int_equal(g->result, YC_OK);
}

static void gate_destroy(gate *g)
{
    (void)sem_destroy(&g->entered);
    (void)sem_destroy(&g->open);
}

static void assert_att_equal(const yc_store_attestation *x, const yc_store_attestation *y)
{
    assert_string_equal(x->jti, y->jti);
    assert_string_equal(x->subject_id, y->subject_id);
    assert_string_equal(x->kid, y->kid);
    assert_string_equal(x->aud, y->aud);
    assert_int_equal(x->iat, y->iat);
    assert_int_equal(x->exp, y->exp);
    assert_int_equal(x->list, y->list);
    assert_int_equal(x->index, y->index);
    assert_int_equal(x->state, y->state);
    assert_int_equal(x->state_at, y->state_at);
    assert_string_equal(x->reason, y->reason);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- round trip and lookups ---- */

static void put_get__every_field_at_max__round_trip(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);

    yc_store_attestation a = {0};
    memcpy(a.jti, "AbCdEfGhIjKlMnOpQr-_09", YC_ATTEST_JTI_LEN + 1);
    memcpy(a.subject_id, "PABCDEFGHIJKLMNOPQRSTUVWXYZ234567", YC_SUBJECT_ID_MAX + 1);
    memset(a.kid, 'k', YC_JWK_THUMBPRINT_LEN);
    memset(a.aud, 'a', YC_ATTEST_AUD_MAX);
    a.iat = 1767225600;
    a.exp = INT64_MAX;
    a.list = UINT32_MAX;
    a.index = UINT32_MAX;
    a.state = YC_ATTEST_SUSPENDED;
    a.state_at = 1767225601;
    for (size_t i = 0; i < 85; i++) /* "撤" is 3 bytes: 255 bytes of UTF-8 */
        memcpy(a.reason + 3 * i, "\xe6\x92\xa4", 3);
    assert_int_equal(strlen(a.reason), YC_ATTEST_REASON_MAX);
    assert_int_equal(put_sync(c, &a), YC_OK);

    yc_store_attestation got;
    memset(&got, 0x5a, sizeof got);
    assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_OK);
    assert_att_equal(&got, &a);
    assert_int_equal(strlen(got.aud), YC_ATTEST_AUD_MAX);
    assert_int_equal(strlen(got.kid), YC_JWK_THUMBPRINT_LEN);

    /* Minimal: empty aud and reason, iat 0. */
    yc_store_attestation b;
    make_att(&b, 2, "913307820000000001", 0);
    b.aud[0] = '\0';
    b.exp = 1;
    assert_int_equal(put_sync(c, &b), YC_OK);
    yc_store_committer_stop(c);
    yc_store_close(st);

    st = open_store(&t); /* durable across reopen */
    assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_OK);
    assert_att_equal(&got, &a);
    assert_int_equal(yc_store_attestation_get(st, b.jti, &got), YC_OK);
    assert_att_equal(&got, &b);
    yc_store_close(st);
    tdir_remove(&t);
}

static void get__unknown_or_malformed_jti__not_found_or_invalid(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_attestation got;
    char jti[YC_ATTEST_JTI_LEN + 1];
    make_jti(jti, 42);
    assert_int_equal(yc_store_attestation_get(st, jti, &got), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_attestation_get(st, "J00000000000000000042", &got),
                     YC_ERR_INVALID); /* 21 */
    assert_int_equal(yc_store_attestation_get(st, "J0000000000000000000042", &got),
                     YC_ERR_INVALID); /* 23 */
    assert_int_equal(yc_store_attestation_get(st, "J00000000000000000004+", &got),
                     YC_ERR_INVALID); /* not base64url */
    assert_int_equal(yc_store_attestation_get(st, "J00000000000000000004=", &got), YC_ERR_INVALID);
    assert_int_equal(yc_store_attestation_get(st, "", &got), YC_ERR_INVALID);
    yc_store_close(st);
    tdir_remove(&t);
}

static void put__field_out_of_shape__invalid_and_done_never_called(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    waiter w;
    waiter_init(&w);
    yc_store_attestation ok, a;
    make_att(&ok, 1, "S1", 100);
#define BAD(mutation)                                                                              \
    do {                                                                                           \
        a = ok;                                                                                    \
        mutation;                                                                                  \
        assert_int_equal(yc_store_commit_attestation_put(c, &a, waiter_done, &w), YC_ERR_INVALID); \
    } while (0)
    BAD(a.jti[5] = '.');
    BAD(a.jti[21] = '\0');
    BAD(memset(a.jti, 'A', sizeof a.jti));               /* not NUL-terminated */
    BAD(a.subject_id[0] = '\0');                         /* empty */
    BAD(a.subject_id[1] = ' ');                          /* not printable ASCII */
    BAD(memset(a.subject_id, 'S', sizeof a.subject_id)); /* 34 bytes */
    BAD(a.kid[0] = '\0');
    BAD(a.kid[1] = '/');
    BAD(memset(a.aud, 'a', sizeof a.aud)); /* 256 bytes: one past the limit */
    BAD(a.iat = -1);
    BAD(a.exp = a.iat);
    BAD(a.list = 0);
    BAD(a.state = 3);
    BAD(a.state_at = -1);
    BAD(memset(a.reason, 'r', sizeof a.reason)); /* 256 */
    BAD(memcpy(a.reason, "\xe6\x92", 3));        /* truncated UTF-8 */
    BAD(memcpy(a.reason, "\xc0\xaf", 3));        /* overlong */
    BAD(memcpy(a.reason, "\xed\xa0\x80", 4));    /* surrogate */
#undef BAD
    char jti[YC_ATTEST_JTI_LEN + 1];
    make_jti(jti, 1);
    char r256[YC_ATTEST_REASON_MAX + 2];
    memset(r256, 'r', YC_ATTEST_REASON_MAX + 1);
    r256[YC_ATTEST_REASON_MAX + 1] = '\0';
    assert_int_equal(
        yc_store_commit_attestation_state(c, jti, YC_ATTEST_REVOKED, 5, r256, waiter_done, &w),
        YC_ERR_INVALID);
    assert_int_equal(
        yc_store_commit_attestation_state(c, jti, (yc_attest_state)3, 5, "", waiter_done, &w),
        YC_ERR_INVALID);
    assert_int_equal(
        yc_store_commit_attestation_state(c, jti, YC_ATTEST_REVOKED, -1, "", waiter_done, &w),
        YC_ERR_INVALID);
    assert_int_equal(
        yc_store_commit_attestation_state(c, "short", YC_ATTEST_REVOKED, 5, "", waiter_done, &w),
        YC_ERR_INVALID);
    /* At the limit: 255-byte reason accepted (unknown jti -> NOT_FOUND). */
    r256[YC_ATTEST_REASON_MAX] = '\0';
    assert_int_equal(state_sync(c, jti, YC_ATTEST_REVOKED, 5, r256), YC_ERR_NOT_FOUND);
    yc_store_committer_stop(c);
    assert_int_equal(atomic_load(&w.calls), 0); /* no refused write called done */
    yc_store_attestation got;
    assert_int_equal(yc_store_attestation_get(st, ok.jti, &got), YC_ERR_NOT_FOUND);
    (void)sem_destroy(&w.sem);
    yc_store_close(st);
    tdir_remove(&t);
}

static void put__duplicate_jti_in_later_batch__conflict_first_kept(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    yc_store_attestation a, b;
    make_att(&a, 7, "S1", 100);
    b = a;
    SET(b.subject_id, "S2");
    assert_int_equal(put_sync(c, &a), YC_OK);
    assert_int_equal(put_sync(c, &b), YC_ERR_CONFLICT);
    yc_store_attestation got;
    assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_OK);
    assert_att_equal(&got, &a);
    yc_store_attestation *arr = NULL;
    size_t n = 99;
    char next[YC_STORE_ATTEST_CURSOR_MAX + 1];
    assert_int_equal(yc_store_attestations_by_subject(st, "S2", NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0); /* the refused put wrote no index entry */
    assert_null(arr);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

static void put__duplicate_jti_in_one_batch__conflict_rest_committed(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    gate g;
    gate_hold(c, &g, 1000); /* batch 1, its done holds the thread */
    yc_store_attestation x1, x2, y, r;
    make_att(&x1, 1, "S1", 100);
    x2 = x1;
    SET(x2.aud, "second");
    make_att(&y, 2, "S1", 101);
    waiter w[4];
    for (int i = 0; i < 4; i++)
        waiter_init(&w[i]);
    assert_int_equal(yc_store_commit_attestation_put(c, &x1, waiter_done, &w[0]), YC_OK);
    assert_int_equal(yc_store_commit_attestation_put(c, &x2, waiter_done, &w[1]), YC_OK);
    assert_int_equal(yc_store_commit_attestation_put(c, &y, waiter_done, &w[2]), YC_OK);
    char unknown[YC_ATTEST_JTI_LEN + 1];
    make_jti(unknown, 3);
    assert_int_equal(yc_store_commit_attestation_state(c, unknown, YC_ATTEST_REVOKED, 9, "x",
                                                       waiter_done, &w[3]),
                     YC_OK);
    (void)sem_post(&g.open);
    assert_int_equal(waiter_wait(&w[0]), YC_OK);
    assert_int_equal(waiter_wait(&w[1]), YC_ERR_CONFLICT);
    assert_int_equal(waiter_wait(&w[2]), YC_OK);
    assert_int_equal(waiter_wait(&w[3]), YC_ERR_NOT_FOUND);
    uint64_t batches = 0, writes = 0;
    yc_store_committer_stats(c, &batches, &writes);
    assert_int_equal(batches, 2); /* the gate's, then all four in one transaction */
    assert_int_equal(writes, 5);
    assert_int_equal(yc_store_attestation_get(st, x1.jti, &r), YC_OK);
    assert_att_equal(&r, &x1);
    assert_int_equal(yc_store_attestation_get(st, y.jti, &r), YC_OK);
    assert_att_equal(&r, &y);
    yc_store_committer_stop(c);
    gate_destroy(&g);
    for (int i = 0; i < 4; i++)
        (void)sem_destroy(&w[i].sem);
    yc_store_close(st);
    tdir_remove(&t);
}

static void state__revoke_suspend_unsuspend__durable(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    yc_store_attestation a, got;
    make_att(&a, 5, "S1", 100);
    assert_int_equal(put_sync(c, &a), YC_OK);
    assert_int_equal(state_sync(c, a.jti, YC_ATTEST_SUSPENDED, 200, "核查中"), YC_OK);
    assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_OK);
    assert_int_equal(got.state, YC_ATTEST_SUSPENDED);
    assert_int_equal(got.state_at, 200);
    assert_string_equal(got.reason, "核查中");
    assert_int_equal(state_sync(c, a.jti, YC_ATTEST_VALID, 300, ""), YC_OK);
    assert_int_equal(state_sync(c, a.jti, YC_ATTEST_REVOKED, 400, "信息有误 wrong subject"), YC_OK);
    char unknown[YC_ATTEST_JTI_LEN + 1];
    make_jti(unknown, 6);
    assert_int_equal(state_sync(c, unknown, YC_ATTEST_REVOKED, 400, ""), YC_ERR_NOT_FOUND);
    yc_store_committer_stop(c);
    yc_store_close(st);
    st = open_store(&t);
    assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_OK);
    a.state = YC_ATTEST_REVOKED;
    a.state_at = 400;
    SET(a.reason, "信息有误 wrong subject");
    assert_att_equal(&got, &a); /* every other field unchanged */
    assert_int_equal(yc_store_attestation_get(st, unknown, &got), YC_ERR_NOT_FOUND);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- listing ---- */

/* Subject "S" gets 5 tokens; "S0" and "R" (neighbours in key order) get one each. */
static yc_store *paging_fixture(tdir *t, yc_store_attestation want[5])
{
    yc_store *st = init_and_open(t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    /* Inserted out of order; expected order is (iat, jti). */
    const int64_t iats[5] = {300, 100, 200, 200, 50};
    const uint64_t ids[5] = {10, 11, 13, 12, 14};
    yc_store_attestation a;
    for (int i = 0; i < 5; i++) {
        make_att(&a, ids[i], "S", iats[i]);
        assert_int_equal(put_sync(c, &a), YC_OK);
    }
    make_att(&a, 20, "S0", 75);
    assert_int_equal(put_sync(c, &a), YC_OK);
    make_att(&a, 21, "R", 75);
    assert_int_equal(put_sync(c, &a), YC_OK);
    yc_store_committer_stop(c);
    make_att(&want[0], 14, "S", 50);
    make_att(&want[1], 11, "S", 100);
    make_att(&want[2], 12, "S", 200);
    make_att(&want[3], 13, "S", 200);
    make_att(&want[4], 10, "S", 300);
    return st;
}

static void by_subject__limit_count_and_count_plus_one__all_without_next(void **state)
{
    (void)state;
    tdir t;
    yc_store_attestation want[5];
    yc_store *st = paging_fixture(&t, want);
    for (size_t limit = 5; limit <= 6; limit++) {
        yc_store_attestation *arr = NULL;
        size_t n = 0;
        char next[YC_STORE_ATTEST_CURSOR_MAX + 1] = "junk";
        assert_int_equal(yc_store_attestations_by_subject(st, "S", NULL, limit, &arr, &n, next),
                         YC_OK);
        assert_int_equal(n, 5);
        assert_string_equal(next, "");
        for (size_t i = 0; i < 5; i++)
            assert_att_equal(&arr[i], &want[i]);
        yc_free(arr);
    }
    /* Limit 4 (count - 1): a next page with exactly one record. */
    yc_store_attestation *arr = NULL;
    size_t n = 0;
    char next[YC_STORE_ATTEST_CURSOR_MAX + 1];
    assert_int_equal(yc_store_attestations_by_subject(st, "S", "", 4, &arr, &n, next), YC_OK);
    assert_int_equal(n, 4);
    assert_string_equal(next, "200.J000000000000000000013");
    yc_free(arr);
    assert_int_equal(yc_store_attestations_by_subject(st, "S", next, 4, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_att_equal(&arr[0], &want[4]);
    assert_string_equal(next, "");
    yc_free(arr);
    /* Unknown subject, and one that cannot exist. */
    assert_int_equal(yc_store_attestations_by_subject(st, "T", NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    assert_string_equal(next, "");
    assert_int_equal(yc_store_attestations_by_subject(st, "", NULL, 1, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    yc_store_close(st);
    tdir_remove(&t);
}

static void by_subject__cursor_pages_of_two__every_record_once_in_order(void **state)
{
    (void)state;
    tdir t;
    yc_store_attestation want[5];
    yc_store *st = paging_fixture(&t, want);
    char cursor[YC_STORE_ATTEST_CURSOR_MAX + 1] = "";
    const char *nexts[3] = {"100.J000000000000000000011", "200.J000000000000000000013", ""};
    const size_t sizes[3] = {2, 2, 1};
    size_t seen = 0;
    for (int page = 0; page < 3; page++) {
        yc_store_attestation *arr = NULL;
        size_t n = 0;
        char next[YC_STORE_ATTEST_CURSOR_MAX + 1];
        assert_int_equal(yc_store_attestations_by_subject(st, "S", cursor, 2, &arr, &n, next),
                         YC_OK);
        assert_int_equal(n, sizes[page]);
        for (size_t i = 0; i < n; i++)
            assert_att_equal(&arr[i], &want[seen + i]);
        seen += n;
        assert_string_equal(next, nexts[page]);
        memcpy(cursor, next, sizeof cursor);
        yc_free(arr);
    }
    assert_int_equal(seen, 5);
    yc_store_close(st);
    tdir_remove(&t);
}

static void by_subject__bad_limit_or_cursor__invalid(void **state)
{
    (void)state;
    tdir t;
    yc_store_attestation want[5];
    yc_store *st = paging_fixture(&t, want);
    yc_store_attestation *arr = NULL;
    size_t n = 0;
    char next[YC_STORE_ATTEST_CURSOR_MAX + 1];
    assert_int_equal(yc_store_attestations_by_subject(st, "S", NULL, 0, &arr, &n, next),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_attestations_by_subject(st, "S", NULL, 101, &arr, &n, next),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_attestations_by_subject(st, "S", NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 5);
    yc_free(arr);
    const char *bad[] = {
        "abc",
        "100",
        "100.",
        ".J000000000000000000011",
        "0100.J000000000000000000011", /* leading zero */
        "-1.J000000000000000000011",   /* sign */
        "+1.J000000000000000000011",
        "9223372036854775808.J000000000000000000011",  /* INT64_MAX + 1 */
        "10000000000000000000.J000000000000000000011", /* 20 digits */
        "100.J00000000000000000001",                   /* 21-char jti */
        "100.J0000000000000000000111",                 /* 23-char jti */
        "100.J00000000000000000001=",
        "100 J000000000000000000011",
        "1a0.J000000000000000000011",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(yc_store_attestations_by_subject(st, "S", bad[i], 10, &arr, &n, next),
                         YC_ERR_INVALID);
    char longc[YC_STORE_ATTEST_CURSOR_MAX + 2];
    memset(longc, '1', sizeof longc - 1);
    longc[sizeof longc - 1] = '\0';
    assert_int_equal(yc_store_attestations_by_subject(st, "S", longc, 10, &arr, &n, next),
                     YC_ERR_INVALID);
    /* Largest valid iat is accepted (and past every record). */
    assert_int_equal(yc_store_attestations_by_subject(
                         st, "S", "9223372036854775807.J000000000000000000011", 10, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 0);
    assert_string_equal(next, "");
    assert_int_equal(
        yc_store_attestations_by_subject(st, "S", "0.J000000000000000000011", 10, &arr, &n, next),
        YC_OK);
    assert_int_equal(n, 5);
    yc_free(arr);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- walk ---- */

typedef struct walk_ctx {
    size_t calls;
    size_t stop_at; /* 0 = never */
    uint8_t seen[64];
} walk_ctx;

static yc_err walk_fn(void *ctx, const yc_store_attestation *a)
{
    walk_ctx *w = ctx;
    w->calls++;
    unsigned long id = strtoul(a->jti + 1, NULL, 10);
    if (id < sizeof w->seen)
        w->seen[id]++;
    if (w->stop_at != 0 && w->calls == w->stop_at)
        return YC_ERR_CONFLICT;
    return YC_OK;
}

static void walk__records__each_visited_once_and_stops_on_error(void **state)
{
    (void)state;
    tdir t;
    yc_store_attestation want[5];
    yc_store *st = paging_fixture(&t, want);
    walk_ctx w = {0};
    assert_int_equal(yc_store_attestation_walk(st, walk_fn, &w), YC_OK);
    assert_int_equal(w.calls, 7);
    for (size_t id = 0; id < sizeof w.seen; id++) {
        int expect = (id >= 10 && id <= 14) || id == 20 || id == 21;
        assert_int_equal(w.seen[id], expect);
    }
    walk_ctx w2 = {.stop_at = 3};
    assert_int_equal(yc_store_attestation_walk(st, walk_fn, &w2), YC_ERR_CONFLICT);
    assert_int_equal(w2.calls, 3);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- queueing ---- */

static void put__queue_full__cap_accepted_cap_plus_one_again(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    yc_store_committer_opts o = {.queue_cap = 2, .max_batch = 0};
    assert_int_equal(yc_store_committer_start(st, &o, &c), YC_OK);
    gate g;
    gate_hold(c, &g, 1000); /* taken out of the queue; the thread waits in its done */
    waiter w[3];
    yc_store_attestation a[3];
    for (int i = 0; i < 3; i++) {
        waiter_init(&w[i]);
        make_att(&a[i], (uint64_t)i, "S", 100 + i);
    }
    assert_int_equal(yc_store_commit_attestation_put(c, &a[0], waiter_done, &w[0]), YC_OK);
    assert_int_equal(yc_store_commit_attestation_put(c, &a[1], waiter_done, &w[1]), YC_OK);
    assert_int_equal(yc_store_commit_attestation_put(c, &a[2], waiter_done, &w[2]), YC_ERR_AGAIN);
    assert_int_equal(yc_store_commit_attestation_state(c, a[0].jti, YC_ATTEST_REVOKED, 1, "",
                                                       waiter_done, &w[2]),
                     YC_ERR_AGAIN);
    (void)sem_post(&g.open);
    assert_int_equal(waiter_wait(&w[0]), YC_OK);
    assert_int_equal(waiter_wait(&w[1]), YC_OK);
    /* Room again once the committer took them. */
    assert_int_equal(put_sync(c, &a[2]), YC_OK);
    yc_store_committer_stop(c);
    assert_int_equal(atomic_load(&w[2].calls), 0); /* refused writes never call done */
    yc_store_attestation got;
    assert_int_equal(yc_store_attestation_get(st, a[2].jti, &got), YC_OK);
    assert_att_equal(&got, &a[2]);
    gate_destroy(&g);
    for (int i = 0; i < 3; i++)
        (void)sem_destroy(&w[i].sem);
    yc_store_close(st);
    tdir_remove(&t);
}

static void committer_start__option_above_max__invalid(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    yc_store_committer_opts o = {.queue_cap = YC_STORE_COMMITTER_QUEUE_MAX + 1};
    assert_int_equal(yc_store_committer_start(st, &o, &c), YC_ERR_INVALID);
    o = (yc_store_committer_opts){.max_batch = YC_STORE_COMMITTER_BATCH_MAX + 1};
    assert_int_equal(yc_store_committer_start(st, &o, &c), YC_ERR_INVALID);
    assert_null(c);
    yc_store_committer_stop(NULL);
    yc_store_close(st);
    tdir_remove(&t);
}

typedef struct counter {
    atomic_int ok, other;
} counter;

static void counter_done(void *ctx, yc_err result)
{
    counter *k = ctx;
    if (result == YC_OK)
        atomic_fetch_add(&k->ok, 1);
    else
        atomic_fetch_add(&k->other, 1);
}

/* Counts YC_ERR_FULL as "other"; any other failure counts as ok, which the test refutes. */
static void full_done(void *ctx, yc_err result)
{
    counter *k = ctx;
    if (result == YC_ERR_FULL)
        atomic_fetch_add(&k->other, 1);
    else
        atomic_fetch_add(&k->ok, 1);
}

static void stop__pending_writes__committed_and_every_done_called(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    gate g;
    gate_hold(c, &g, 1000);
    counter k;
    atomic_init(&k.ok, 0);
    atomic_init(&k.other, 0);
    enum { N = 50 };
    yc_store_attestation a;
    for (uint64_t i = 0; i < N; i++) {
        make_att(&a, i, "S", 100);
        assert_int_equal(yc_store_commit_attestation_put(c, &a, counter_done, &k), YC_OK);
    }
    assert_int_equal(atomic_load(&k.ok), 0); /* all N still queued behind the gate */
    (void)sem_post(&g.open);
    yc_store_committer_stop(c);
    assert_int_equal(atomic_load(&k.ok), N);
    assert_int_equal(atomic_load(&k.other), 0);
    yc_store_close(st);
    st = open_store(&t);
    for (uint64_t i = 0; i < N; i++) {
        yc_store_attestation got;
        make_att(&a, i, "S", 100);
        assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_OK);
        assert_att_equal(&got, &a);
    }
    gate_destroy(&g);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- many writers ---- */

typedef struct writer {
    yc_store_committer *c;
    uint64_t first, n;
    bool sync; /* wait for each acknowledgement before the next put */
    counter *k;
} writer;

static void *writer_main(void *arg)
{
    writer *w = arg;
    for (uint64_t i = 0; i < w->n; i++) {
        yc_store_attestation a;
        char sid[16];
        snprintf(sid, sizeof sid, "S%02" PRIu64, (w->first + i) % 50);
        make_att(&a, w->first + i, sid, (int64_t)(1000 + i));
        if (w->sync) {
            if (put_sync(w->c, &a) == YC_OK)
                atomic_fetch_add(&w->k->ok, 1);
            else
                atomic_fetch_add(&w->k->other, 1);
            continue;
        }
        yc_err rv;
        while ((rv = yc_store_commit_attestation_put(w->c, &a, counter_done, w->k)) == YC_ERR_AGAIN)
            (void)usleep(100);
        if (rv != YC_OK)
            atomic_fetch_add(&w->k->other, 1);
    }
    return NULL;
}

/* Runs @p threads writers of @p per puts each; returns committed writes per second. */
static double run_writers(yc_store_committer *c, int threads, uint64_t first, uint64_t per,
                          bool sync, counter *k)
{
    pthread_t th[8];
    writer w[8];
    assert_true(threads <= 8);
    int before = atomic_load(&k->ok);
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        w[i] = (writer){.c = c, .first = first + (uint64_t)i * per, .n = per, .sync = sync, .k = k};
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < threads; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    while (atomic_load(&k->ok) + atomic_load(&k->other) - before < threads * (int)per)
        (void)usleep(200);
    double dt = now_s() - t0;
    assert_int_equal(atomic_load(&k->other), 0);
    assert_int_equal(atomic_load(&k->ok) - before, threads * (int)per);
    return (double)threads * (double)per / dt;
}

static yc_err count_fn(void *ctx, const yc_store_attestation *a)
{
    (void)a;
    (*(size_t *)ctx)++;
    return YC_OK;
}

static void committer__four_writers_2000_each__all_durable_few_transactions(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    counter k;
    atomic_init(&k.ok, 0);
    atomic_init(&k.other, 0);
    double r1 = run_writers(c, 1, 0, 8000, false, &k);
    uint64_t b1 = 0, w1 = 0;
    yc_store_committer_stats(c, &b1, &w1);
    assert_int_equal(w1, 8000);
    double r4 = run_writers(c, 4, 8000, 2000, false, &k);
    uint64_t b4 = 0, w4 = 0;
    yc_store_committer_stats(c, &b4, &w4);
    assert_int_equal(w4, 16000);
    printf("# async submit: 1 writer %.0f committed writes/s (%" PRIu64
           " txns for 8000), 4 writers %.0f writes/s (%" PRIu64 " txns for 8000)\n",
           r1, b1, r4, b4 - b1);
    assert_true(b4 - b1 <= 8000 / 10); /* group commit: far fewer transactions than writes */
    /* Each writer waits for its acknowledgement (as one HTTP stream would). */
    double s1 = run_writers(c, 1, 16000, 200, true, &k);
    uint64_t bs = 0, ws = 0;
    yc_store_committer_stats(c, &bs, &ws);
    double s4 = run_writers(c, 4, 16200, 200, true, &k);
    uint64_t bs4 = 0, ws4 = 0;
    yc_store_committer_stats(c, &bs4, &ws4);
    assert_int_equal(ws4, 17000);
    printf("# sync (ack before next put): 1 writer %.0f writes/s (%" PRIu64
           " txns for 200), 4 writers %.0f writes/s (%" PRIu64 " txns for 800)\n",
           s1, bs - b4, s4, bs4 - bs);
    yc_store_committer_stop(c);
    yc_store_close(st);

    st = open_store(&t);
    size_t n = 0;
    assert_int_equal(yc_store_attestation_walk(st, count_fn, &n), YC_OK);
    assert_int_equal(n, 17000);
    for (uint64_t i = 0; i < 17000; i++) {
        char jti[YC_ATTEST_JTI_LEN + 1];
        yc_store_attestation got;
        make_jti(jti, i);
        assert_int_equal(yc_store_attestation_get(st, jti, &got), YC_OK);
    }
    yc_store_close(st);
    tdir_remove(&t);
}

static void commit__map_full__whole_batch_full_nothing_written(void **state)
{
    (void)state;
    tdir t;
    tdir_make(&t);
    assert_int_equal(yc_store_init_dir(t.data), YC_OK);
    yc_store *st = NULL;
    yc_store_opts so = {.map_size_bytes = YC_STORE_MAP_SIZE_MIN};
    assert_int_equal(yc_store_open(t.data, &so, &st), YC_OK);
    yc_store_committer *c = NULL;
    yc_store_committer_opts o = {.queue_cap = 8192, .max_batch = 8192};
    assert_int_equal(yc_store_committer_start(st, &o, &c), YC_OK);
    gate g;
    gate_hold(c, &g, 999999);
    counter k;
    atomic_init(&k.ok, 0);
    atomic_init(&k.other, 0);
    /* 8000 records of about 200 bytes plus their index entries: more than 1 MiB. */
    enum { N = 8000 };
    yc_store_attestation a;
    for (uint64_t i = 0; i < N; i++) {
        make_att(&a, i, "SFULL", (int64_t)i);
        memset(a.aud, 'a', 100);
        assert_int_equal(yc_store_commit_attestation_put(c, &a, full_done, &k), YC_OK);
    }
    (void)sem_post(&g.open);
    while (atomic_load(&k.ok) + atomic_load(&k.other) < N)
        (void)usleep(1000);
    assert_int_equal(atomic_load(&k.ok), 0);
    assert_int_equal(atomic_load(&k.other), N); /* every one YC_ERR_FULL (full_done checks) */
    uint64_t batches = 0, writes = 0;
    yc_store_committer_stats(c, &batches, &writes);
    assert_int_equal(batches, 2);
    assert_int_equal(writes, N + 1);
    yc_store_attestation got;
    make_jti(a.jti, 0);
    assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_ERR_NOT_FOUND);
    /* The committer goes on: a small write still fits. */
    make_att(&a, 1, "SFULL", 1);
    assert_int_equal(put_sync(c, &a), YC_OK);
    yc_store_committer_stop(c);
    size_t visits = 0;
    assert_int_equal(yc_store_attestation_walk(st, count_fn, &visits), YC_OK);
    assert_int_equal(visits, 2); /* the gate's record and the small one */
    gate_destroy(&g);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- durability across kill -9 ---- */

typedef struct child_ctx {
    int fd;
    char jti[YC_ATTEST_JTI_LEN + 1];
} child_ctx;

static void child_done(void *ctx, yc_err result)
{
    child_ctx *cc = ctx;
    if (result == YC_OK) {
        char line[YC_ATTEST_JTI_LEN + 1];
        memcpy(line, cc->jti, YC_ATTEST_JTI_LEN);
        line[YC_ATTEST_JTI_LEN] = '\n';
        if (write(cc->fd, line, sizeof line) != (ssize_t)sizeof line)
            _exit(3);
    }
    yc_free(cc);
}

static void child_run(const char *data, int fd)
{
    yc_store *st = NULL;
    yc_store_committer *c = NULL;
    if (yc_store_open(data, NULL, &st) != YC_OK || yc_store_committer_start(st, NULL, &c) != YC_OK)
        _exit(2);
    for (uint64_t i = 0;; i++) {
        yc_store_attestation a;
        make_att(&a, i, "SKILL", 1000 + (int64_t)i);
        child_ctx *cc = yc_alloc(sizeof *cc);
        if (cc == NULL)
            _exit(2);
        cc->fd = fd;
        memcpy(cc->jti, a.jti, sizeof cc->jti);
        yc_err rv;
        while ((rv = yc_store_commit_attestation_put(c, &a, child_done, cc)) == YC_ERR_AGAIN)
            (void)usleep(100);
        if (rv != YC_OK)
            _exit(2);
        if (i % 64 == 63)
            (void)usleep(500); /* spread the writes over many transactions */
    }
}

static void commit__kill_9_at_random_point__every_acknowledged_write_present(void **state)
{
    (void)state;
    tdir t;
    tdir_make(&t);
    assert_int_equal(yc_store_init_dir(t.data), YC_OK);
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    srand(seed);
    size_t kill_after = 50 + (size_t)rand() % 2000;
    printf("# kill -9 after %zu acknowledgements (seed %u)\n", kill_after, seed);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        child_run(t.data, p[1]);
        _exit(0);
    }
    close(p[1]);
    size_t cap = 1 << 16, n = 0;
    char(*jtis)[YC_ATTEST_JTI_LEN + 1] = calloc(cap, sizeof *jtis);
    assert_non_null(jtis);
    char line[YC_ATTEST_JTI_LEN + 1];
    size_t have = 0;
    bool killed = false;
    for (;;) {
        ssize_t r = read(p[0], line + have, sizeof line - have);
        if (r < 0 && errno == EINTR)
            continue;
        assert_true(r >= 0);
        if (r == 0)
            break; /* EOF: the child is gone and everything it wrote has been read */
        have += (size_t)r;
        if (have < sizeof line)
            continue;
        have = 0;
        assert_int_equal(line[YC_ATTEST_JTI_LEN], '\n');
        assert_true(n < cap);
        memcpy(jtis[n], line, YC_ATTEST_JTI_LEN);
        jtis[n][YC_ATTEST_JTI_LEN] = '\0';
        n++;
        if (!killed && n == kill_after) {
            assert_int_equal(kill(pid, SIGKILL), 0);
            killed = true;
        }
    }
    assert_int_equal(have, 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(p[0]);
    assert_true(n >= kill_after);
    printf("# %zu acknowledged before the child died\n", n);

    yc_store *st = open_store(&t);
    for (size_t i = 0; i < n; i++) {
        yc_store_attestation got;
        assert_int_equal(yc_store_attestation_get(st, jtis[i], &got), YC_OK);
        assert_string_equal(got.subject_id, "SKILL");
    }
    /* The store still takes writes after the crash. */
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    yc_store_attestation a;
    make_att(&a, 999999999, "SKILL", 5);
    assert_int_equal(put_sync(c, &a), YC_OK);
    yc_store_committer_stop(c);
    yc_store_close(st);
    free(jtis);
    tdir_remove(&t);
}

/* ---- data directories made before the attestation tables ---- */

/* Drop both tables, as a data directory of issue 2/3 never had them. */
static void drop_attest_tables(const char *data)
{
    char lmdb[200];
    snprintf(lmdb, sizeof lmdb, "%s/lmdb", data);
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, lmdb, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "attestations", 0, &dbi), 0);
    assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    assert_int_equal(mdb_dbi_open(txn, "attest_by_subject", 0, &dbi), 0);
    assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static int tables_present(const char *data)
{
    char lmdb[200];
    snprintf(lmdb, sizeof lmdb, "%s/lmdb", data);
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, lmdb, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    int rc = mdb_dbi_open(txn, "attestations", 0, &dbi);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    assert_true(rc == 0 || rc == MDB_NOTFOUND);
    return rc == 0;
}

static void open__data_dir_without_tables__reads_empty_writer_creates(void **state)
{
    (void)state;
    tdir t;
    tdir_make(&t);
    assert_int_equal(yc_store_init_dir(t.data), YC_OK);
    assert_int_equal(tables_present(t.data), 1);
    drop_attest_tables(t.data);
    assert_int_equal(tables_present(t.data), 0);

    yc_store *st = open_store(&t); /* opening does not write */
    uint64_t gen = yc_store_generation(st);
    yc_store_attestation got;
    char jti[YC_ATTEST_JTI_LEN + 1];
    make_jti(jti, 1);
    assert_int_equal(yc_store_attestation_get(st, jti, &got), YC_ERR_NOT_FOUND);
    yc_store_attestation *arr = NULL;
    size_t n = 9;
    char next[YC_STORE_ATTEST_CURSOR_MAX + 1] = "x";
    assert_int_equal(yc_store_attestations_by_subject(st, "S", NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_string_equal(next, "");
    size_t visits = 0;
    assert_int_equal(yc_store_attestation_walk(st, count_fn, &visits), YC_OK);
    assert_int_equal(visits, 0);
    assert_int_equal(yc_store_generation(st), gen);
    yc_store_close(st);
    assert_int_equal(tables_present(t.data), 0);

    st = open_store(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    assert_int_equal(yc_store_generation(st), gen + 1); /* one transaction created them */
    yc_store_attestation a;
    make_att(&a, 1, "S", 100);
    assert_int_equal(put_sync(c, &a), YC_OK);
    assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_OK);
    assert_att_equal(&got, &a);
    yc_store_committer_stop(c);
    yc_store_close(st);
    assert_int_equal(tables_present(t.data), 1);
    st = open_store(&t);
    assert_int_equal(yc_store_attestation_get(st, a.jti, &got), YC_OK);
    assert_att_equal(&got, &a);
    yc_store_close(st);
    tdir_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_get__every_field_at_max__round_trip),
        cmocka_unit_test(get__unknown_or_malformed_jti__not_found_or_invalid),
        cmocka_unit_test(put__field_out_of_shape__invalid_and_done_never_called),
        cmocka_unit_test(put__duplicate_jti_in_later_batch__conflict_first_kept),
        cmocka_unit_test(put__duplicate_jti_in_one_batch__conflict_rest_committed),
        cmocka_unit_test(state__revoke_suspend_unsuspend__durable),
        cmocka_unit_test(by_subject__limit_count_and_count_plus_one__all_without_next),
        cmocka_unit_test(by_subject__cursor_pages_of_two__every_record_once_in_order),
        cmocka_unit_test(by_subject__bad_limit_or_cursor__invalid),
        cmocka_unit_test(walk__records__each_visited_once_and_stops_on_error),
        cmocka_unit_test(put__queue_full__cap_accepted_cap_plus_one_again),
        cmocka_unit_test(committer_start__option_above_max__invalid),
        cmocka_unit_test(stop__pending_writes__committed_and_every_done_called),
        cmocka_unit_test(committer__four_writers_2000_each__all_durable_few_transactions),
        cmocka_unit_test(commit__map_full__whole_batch_full_nothing_written),
        cmocka_unit_test(commit__kill_9_at_random_point__every_acknowledged_write_present),
        cmocka_unit_test(open__data_dir_without_tables__reads_empty_writer_creates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
