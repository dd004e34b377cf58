/* Tests for include/yrdcredit/store_access.h: consents, the query log, the committer window. */
#define _GNU_SOURCE /* nftw, memmem */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/clients.h"
#include "yrdcredit/purpose.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_access.h"
#include "yrdcredit/store_attest.h"

_Static_assert(YC_STORE_CLIENT_ID_LEN == YC_CLIENT_ID_LEN, "client id length agrees");
_Static_assert(YC_STORE_PURPOSE_MAX == YC_PURPOSE_CODE_MAX, "purpose length agrees");
_Static_assert(YC_STORE_ROLE_MAX == YC_ROLE_SUBJECT, "roles agree");

/* Valid subject ids: two USCCs (GB 32100 check character computed) and a pseudonym. */
static const char S1[] = "91330782MA2ABCDE1H";
static const char S2[] = "91310000MA1K000006";
static const char SP[] = "PABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char CL1[] = "cl_AAAAAAAAAAAAAAAA";
static const char CL2[] = "cl_BBBBBBBBBBBBBBBB";

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
    snprintf(t->base, sizeof t->base, "/tmp/yc_sacc_XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->data, sizeof t->data, "%s/data", t->base);
    assert_int_equal(yc_store_init_dir(t->data), YC_OK);
    yc_store *st = NULL;
    assert_int_equal(yc_store_open(t->data, NULL, &st), YC_OK);
    return st;
}

#define SET(dst, ...) snprintf((dst), sizeof(dst), __VA_ARGS__)

/* consent id "cs_" + "C" + 21 digits of n */
static void make_cs(yc_store_consent *cs, uint64_t n, const char *sid, const char *client,
                    const char *purpose, uint8_t scope, int64_t granted, int64_t expires)
{
    memset(cs, 0, sizeof *cs);
    assert_int_equal(SET(cs->id, "cs_C%021" PRIu64, n), YC_CONSENT_ID_LEN);
    SET(cs->subject_id, "%s", sid);
    SET(cs->client_id, "%s", client);
    SET(cs->purpose, "%s", purpose);
    cs->scope = scope;
    cs->granted_at = granted;
    cs->expires_at = expires;
    cs->revoked_at = -1;
}

static void make_q(yc_store_query *q, const char *sid, int64_t at_ms, const char *route)
{
    memset(q, 0, sizeof *q);
    SET(q->subject_id, "%s", sid);
    q->at_ms = at_ms;
    SET(q->client_id, "%s", CL1);
    q->role = 3; /* fi */
    SET(q->purpose, "loan_approval");
    SET(q->route, "%s", route);
    q->status = 200;
}

typedef struct waiter {
    sem_t sem;
    yc_err result;
} waiter;

static void waiter_done(void *ctx, yc_err result)
{
    waiter *w = ctx;
    w->result = result;
    (void)sem_post(&w->sem);
}

static yc_err wait_for(waiter *w)
{
    while (sem_wait(&w->sem) != 0)
        assert_int_equal(errno, EINTR);
    (void)sem_destroy(&w->sem);
    return w->result;
}

static void waiter_init(waiter *w)
{
    assert_int_equal(sem_init(&w->sem, 0, 0), 0);
    w->result = YC_ERR_INTERNAL;
}

static yc_err put_sync(yc_store_committer *c, const yc_store_consent *cs)
{
    waiter w;
    waiter_init(&w);
    assert_int_equal(yc_store_commit_consent_put(c, cs, waiter_done, &w), YC_OK);
    return wait_for(&w);
}

static yc_err revoke_sync(yc_store_committer *c, const char *id, const char *sid, int64_t at)
{
    waiter w;
    waiter_init(&w);
    assert_int_equal(yc_store_commit_consent_revoke(c, id, sid, at, waiter_done, &w), YC_OK);
    return wait_for(&w);
}

static yc_err append_sync(yc_store_committer *c, const yc_store_query *q)
{
    waiter w;
    waiter_init(&w);
    assert_int_equal(yc_store_commit_query_append(c, q, waiter_done, &w), YC_OK);
    return wait_for(&w);
}

static yc_consent_reason check(yc_store *st, const char *id, const char *sid, const char *client,
                               const char *purpose, unsigned bit, int64_t now)
{
    yc_consent_reason r = (yc_consent_reason)99;
    assert_int_equal(yc_store_consent_check(st, id, sid, client, purpose, bit, now, &r), YC_OK);
    return r;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- consents ---- */

static void yc_store_consent_check__each_reason__exact_code(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    const int64_t now = 1800000000;
    yc_store_consent a, b, e;
    make_cs(&a, 1, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE | YC_CONSENT_SCOPE_ATTESTATIONS,
            now - 100, now + 1);
    make_cs(&b, 2, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now - 100, now);
    make_cs(&e, 3, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now - 100, now - 1);
    assert_int_equal(put_sync(c, &a), YC_OK);
    assert_int_equal(put_sync(c, &b), YC_OK);
    assert_int_equal(put_sync(c, &e), YC_OK);

    /* OK for each granted scope bit; expires_at = now + 1 still active */
    assert_int_equal(check(st, a.id, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_OK);
    assert_int_equal(check(st, a.id, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_ATTESTATIONS, now),
                     YC_CONSENT_OK);
    /* expires_at exactly now: expired; now - 1: expired */
    assert_int_equal(check(st, b.id, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_EXPIRED);
    assert_int_equal(check(st, b.id, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now - 1),
                     YC_CONSENT_OK);
    assert_int_equal(check(st, e.id, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_EXPIRED);
    /* wrong scope, purpose, client; missing */
    assert_int_equal(check(st, a.id, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_RECORDS, now),
                     YC_CONSENT_WRONG_SCOPE);
    assert_int_equal(check(st, a.id, SP, CL1, "insurance", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_WRONG_PURPOSE);
    assert_int_equal(check(st, a.id, SP, CL2, "loan_approval", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_WRONG_CLIENT);
    /* wrong client comes before the state: an expired consent of another client says so */
    assert_int_equal(check(st, e.id, SP, CL2, "loan_approval", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_WRONG_CLIENT);
    assert_int_equal(check(st, "cs_C000000000000000000099", SP, CL1, "loan_approval",
                           YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_MISSING);
    assert_int_equal(check(st, a.id, S1, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_MISSING); /* another subject's consent is not revealed */
    assert_int_equal(check(st, "not-an-id", SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_MISSING);
    /* revoked (revocation at once: the same second) */
    assert_int_equal(revoke_sync(c, a.id, SP, now), YC_OK);
    assert_int_equal(check(st, a.id, SP, CL1, "loan_approval", YC_CONSENT_SCOPE_SCORE, now),
                     YC_CONSENT_REVOKED);
    /* scope_bit must be exactly one bit */
    yc_consent_reason r;
    assert_int_equal(yc_store_consent_check(st, a.id, SP, CL1, "loan_approval", 0, now, &r),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_consent_check(st, a.id, SP, CL1, "loan_approval", 3, now, &r),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_consent_check(st, a.id, SP, CL1, "loan_approval", 8, now, &r),
                     YC_ERR_INVALID);
    assert_string_equal(yc_consent_reason_code(YC_CONSENT_OK), "ok");
    assert_string_equal(yc_consent_reason_code(YC_CONSENT_MISSING), "missing");
    assert_string_equal(yc_consent_reason_code(YC_CONSENT_EXPIRED), "expired");
    assert_string_equal(yc_consent_reason_code(YC_CONSENT_REVOKED), "revoked");
    assert_string_equal(yc_consent_reason_code(YC_CONSENT_WRONG_CLIENT), "wrong_client");
    assert_string_equal(yc_consent_reason_code(YC_CONSENT_WRONG_PURPOSE), "wrong_purpose");
    assert_string_equal(yc_consent_reason_code(YC_CONSENT_WRONG_SCOPE), "wrong_scope");
    assert_string_equal(yc_consent_reason_code((yc_consent_reason)7), "unknown");
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_commit_consent_put__limits__at_and_past(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    waiter w;
    yc_store_consent cs;
    /* expiry exactly one year (365 days) after the grant: accepted; one second more: refused */
    make_cs(&cs, 1, S1, CL1, "loan_approval", 7, 1000, 1000 + YC_CONSENT_MAX_SECONDS);
    assert_int_equal(put_sync(c, &cs), YC_OK);
    make_cs(&cs, 2, S1, CL1, "loan_approval", 7, 1000, 1000 + YC_CONSENT_MAX_SECONDS + 1);
    assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_INVALID);
    /* scope 7 ok (above), 8 and 0 refused */
    make_cs(&cs, 3, S1, CL1, "loan_approval", 8, 1000, 2000);
    assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_INVALID);
    make_cs(&cs, 3, S1, CL1, "loan_approval", 0, 1000, 2000);
    assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_INVALID);
    /* expires_at == granted_at refused; a put must not be revoked already */
    make_cs(&cs, 3, S1, CL1, "loan_approval", 1, 1000, 1000);
    assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_INVALID);
    make_cs(&cs, 3, S1, CL1, "loan_approval", 1, 1000, 2000);
    cs.revoked_at = 1500;
    assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_INVALID);
    /* purpose of 32 characters ok, 33 refused; upper case refused; client id shape */
    make_cs(&cs, 4, S1, CL1, "abcdefghijklmnopqrstuvwxyz_01234", 1, 1000, 2000);
    assert_int_equal(put_sync(c, &cs), YC_OK);
    make_cs(&cs, 5, S1, CL1, "Loan", 1, 1000, 2000);
    assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_INVALID);
    make_cs(&cs, 5, S1, "cl_AAAAAAAAAAAAAAA", "loan_approval", 1, 1000, 2000);
    assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_INVALID);
    /* the same id twice: CONFLICT, the first stays */
    make_cs(&cs, 1, S2, CL2, "insurance", 1, 5000, 6000);
    assert_int_equal(put_sync(c, &cs), YC_ERR_CONFLICT);
    yc_store_consent got;
    assert_int_equal(yc_store_consent_get(st, cs.id, &got), YC_OK);
    assert_string_equal(got.subject_id, S1);
    assert_string_equal(got.client_id, CL1);
    assert_string_equal(got.purpose, "loan_approval");
    assert_int_equal(got.scope, 7);
    assert_int_equal(got.granted_at, 1000);
    assert_int_equal(got.expires_at, 1000 + YC_CONSENT_MAX_SECONDS);
    assert_int_equal(got.revoked_at, -1);
    assert_int_equal(yc_store_consent_get(st, "cs_C000000000000000000002", &got), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_consent_get(st, "cs_C00000000000000000000", &got), YC_ERR_INVALID);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_commit_consent_revoke__twice__conflict(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    yc_store_consent cs;
    make_cs(&cs, 1, SP, CL1, "loan_approval", 1, 1000, 9000);
    assert_int_equal(put_sync(c, &cs), YC_OK);
    assert_int_equal(revoke_sync(c, cs.id, S1, 2000), YC_ERR_NOT_FOUND); /* not the owner */
    assert_int_equal(revoke_sync(c, "cs_C000000000000000000009", SP, 2000), YC_ERR_NOT_FOUND);
    assert_int_equal(revoke_sync(c, cs.id, SP, 2000), YC_OK);
    assert_int_equal(revoke_sync(c, cs.id, SP, 2001), YC_ERR_CONFLICT);
    yc_store_consent got;
    assert_int_equal(yc_store_consent_get(st, cs.id, &got), YC_OK);
    assert_int_equal(got.revoked_at, 2000);
    /* two revocations in one batch: exactly one passes */
    make_cs(&cs, 2, SP, CL1, "loan_approval", 1, 1000, 9000);
    assert_int_equal(put_sync(c, &cs), YC_OK);
    waiter w1, w2;
    waiter_init(&w1);
    waiter_init(&w2);
    assert_int_equal(yc_store_commit_consent_revoke(c, cs.id, SP, 3000, waiter_done, &w1), YC_OK);
    assert_int_equal(yc_store_commit_consent_revoke(c, cs.id, SP, 3001, waiter_done, &w2), YC_OK);
    assert_int_equal(wait_for(&w1), YC_OK);
    assert_int_equal(wait_for(&w2), YC_ERR_CONFLICT);
    assert_int_equal(yc_store_consent_get(st, cs.id, &got), YC_OK);
    assert_int_equal(got.revoked_at, 3000);
    waiter w;
    assert_int_equal(yc_store_commit_consent_revoke(c, cs.id, SP, -1, waiter_done, &w),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_commit_consent_revoke(c, "cs_x", SP, 1, waiter_done, &w),
                     YC_ERR_INVALID);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_consents_by_subject__pages__grant_order(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    /* granted_at out of insertion order; two share a second (then id order) */
    const int64_t granted[5] = {5000, 1000, 3000, 3000, 2000};
    for (uint64_t i = 0; i < 5; i++) {
        yc_store_consent cs;
        make_cs(&cs, 10 + i, SP, CL1, "loan_approval", 1, granted[i], granted[i] + 100);
        assert_int_equal(put_sync(c, &cs), YC_OK);
    }
    yc_store_consent other;
    make_cs(&other, 99, S1, CL1, "loan_approval", 1, 1500, 1600);
    assert_int_equal(put_sync(c, &other), YC_OK);
    const uint64_t want[5] = {11, 14, 12, 13, 10};
    yc_store_consent *arr = NULL;
    size_t n = 0, seen = 0;
    char next[YC_STORE_ACCESS_CURSOR_MAX + 1] = "";
    char cur[YC_STORE_ACCESS_CURSOR_MAX + 1] = "";
    for (int page = 0; page < 3; page++) {
        assert_int_equal(yc_store_consents_by_subject(st, SP, cur, 2, &arr, &n, next), YC_OK);
        assert_int_equal(n, page < 2 ? 2 : 1);
        for (size_t i = 0; i < n; i++) {
            char id[YC_CONSENT_ID_LEN + 1];
            SET(id, "cs_C%021" PRIu64, want[seen]);
            assert_string_equal(arr[i].id, id);
            assert_string_equal(arr[i].subject_id, SP);
            seen++;
        }
        yc_free(arr);
        if (page < 2)
            assert_string_not_equal(next, "");
        else
            assert_string_equal(next, "");
        memcpy(cur, next, sizeof cur);
    }
    assert_int_equal(seen, 5);
    assert_int_equal(yc_store_consents_by_subject(st, SP, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 5);
    assert_string_equal(next, "");
    yc_free(arr);
    assert_int_equal(yc_store_consents_by_subject(st, SP, NULL, 101, &arr, &n, next),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_consents_by_subject(st, SP, NULL, 0, &arr, &n, next), YC_ERR_INVALID);
    assert_int_equal(
        yc_store_consents_by_subject(st, SP, "01.cs_C000000000000000000010", 2, &arr, &n, next),
        YC_ERR_INVALID);
    assert_int_equal(yc_store_consents_by_subject(st, SP, "1000", 2, &arr, &n, next),
                     YC_ERR_INVALID);
    /* a subject with none, and an id out of shape */
    assert_int_equal(yc_store_consents_by_subject(st, S2, NULL, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    assert_int_equal(yc_store_consents_by_subject(st, "张三", NULL, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- query log ---- */

static void yc_store_queries_by_subject__pages__newest_first(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    yc_store_query q;
    for (int i = 1; i <= 5; i++) {
        make_q(&q, S1, 1000 * i, "score");
        q.status = (uint16_t)(200 + i);
        if (i == 3) {
            SET(q.consent_id, "cs_C000000000000000000003");
            q.role = 0;
            SET(q.purpose, "%s", "");
            SET(q.route, "attest.issue");
        }
        assert_int_equal(append_sync(c, &q), YC_OK);
        make_q(&q, S2, 500 * i, "records");
        assert_int_equal(append_sync(c, &q), YC_OK);
    }
    yc_store_query *arr = NULL;
    size_t n = 0;
    char next[YC_STORE_ACCESS_CURSOR_MAX + 1];
    assert_int_equal(yc_store_queries_by_subject(st, S1, NULL, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].seq, 5);
    assert_int_equal(arr[0].at_ms, 5000);
    assert_int_equal(arr[0].status, 205);
    assert_int_equal(arr[1].seq, 4);
    assert_string_equal(next, "4");
    yc_free(arr);
    assert_int_equal(yc_store_queries_by_subject(st, S1, "4", 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].seq, 3);
    assert_string_equal(arr[0].subject_id, S1);
    assert_string_equal(arr[0].client_id, CL1);
    assert_int_equal(arr[0].role, 0);
    assert_string_equal(arr[0].purpose, "");
    assert_string_equal(arr[0].consent_id, "cs_C000000000000000000003");
    assert_string_equal(arr[0].route, "attest.issue");
    assert_int_equal(arr[0].status, 203);
    assert_int_equal(arr[0].at_ms, 3000);
    assert_int_equal(arr[1].seq, 2);
    assert_string_equal(arr[1].purpose, "loan_approval");
    assert_string_equal(arr[1].route, "score");
    assert_string_equal(next, "2");
    yc_free(arr);
    assert_int_equal(yc_store_queries_by_subject(st, S1, "2", 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].seq, 1);
    assert_int_equal(arr[0].at_ms, 1000);
    assert_string_equal(next, "");
    yc_free(arr);
    /* exactly a full page at the end: no next */
    assert_int_equal(yc_store_queries_by_subject(st, S2, NULL, 5, &arr, &n, next), YC_OK);
    assert_int_equal(n, 5);
    assert_string_equal(next, "");
    assert_int_equal(arr[4].seq, 1);
    assert_string_equal(arr[4].route, "records");
    yc_free(arr);
    assert_int_equal(yc_store_queries_by_subject(st, S1, "0", 2, &arr, &n, next), YC_ERR_INVALID);
    assert_int_equal(yc_store_queries_by_subject(st, S1, "x", 2, &arr, &n, next), YC_ERR_INVALID);
    assert_int_equal(yc_store_queries_by_subject(st, S1, NULL, 101, &arr, &n, next),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_queries_by_subject(st, SP, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    /* shape: status 599 ok, 600 refused; route upper case refused */
    waiter w;
    make_q(&q, S1, 1, "score");
    q.status = 600;
    assert_int_equal(yc_store_commit_query_append(c, &q, waiter_done, &w), YC_ERR_INVALID);
    q.status = 99;
    assert_int_equal(yc_store_commit_query_append(c, &q, waiter_done, &w), YC_ERR_INVALID);
    make_q(&q, S1, 1, "Score");
    assert_int_equal(yc_store_commit_query_append(c, &q, waiter_done, &w), YC_ERR_INVALID);
    make_q(&q, S1, 1, "score");
    q.role = YC_STORE_ROLE_MAX + 1;
    assert_int_equal(yc_store_commit_query_append(c, &q, waiter_done, &w), YC_ERR_INVALID);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_query_log_purge__cutoff__kept_at_removed_before(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    const int64_t at[4] = {1000, 1999, 2000, 2001};
    yc_store_query q;
    for (int i = 0; i < 4; i++) {
        make_q(&q, S1, at[i], "score");
        assert_int_equal(append_sync(c, &q), YC_OK);
        make_q(&q, S2, at[3 - i], "score");
        assert_int_equal(append_sync(c, &q), YC_OK);
    }
    uint64_t removed = 99;
    assert_int_equal(yc_store_query_log_purge(st, 2000, &removed), YC_OK);
    assert_int_equal(removed, 4); /* 1000 and 1999 of both subjects */
    yc_store_query *arr = NULL;
    size_t n = 0;
    char next[YC_STORE_ACCESS_CURSOR_MAX + 1];
    assert_int_equal(yc_store_queries_by_subject(st, S1, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].at_ms, 2001);
    assert_int_equal(arr[0].seq, 4);
    assert_int_equal(arr[1].at_ms, 2000);
    assert_int_equal(arr[1].seq, 3);
    yc_free(arr);
    assert_int_equal(yc_store_query_log_purge(st, 2001, &removed), YC_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(yc_store_query_log_purge(st, 2001, &removed), YC_OK);
    assert_int_equal(removed, 0);
    /* appending after a purge continues the sequence */
    make_q(&q, S1, 3000, "score");
    assert_int_equal(append_sync(c, &q), YC_OK);
    assert_int_equal(yc_store_queries_by_subject(st, S1, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].seq, 5);
    assert_int_equal(arr[0].at_ms, 3000);
    assert_int_equal(arr[1].seq, 4);
    yc_free(arr);
    assert_int_equal(yc_store_queries_by_subject(st, S2, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].at_ms, 2001);
    assert_int_equal(arr[0].seq, 1);
    yc_free(arr);
    assert_int_equal(YC_QUERY_LOG_RETENTION_MS, (int64_t)315619200000);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

static void count_only(void *ctx, yc_err result)
{
    atomic_int *n = ctx;
    if (result == YC_OK)
        atomic_fetch_add(n, 1);
}

/* 9000 entries: the purge walks them in several transactions (4096 examined each). */
static void yc_store_query_log_purge__several_steps__exact_count(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    yc_store_committer_opts o = {.queue_cap = 10000};
    assert_int_equal(yc_store_committer_start(st, &o, &c), YC_OK);
    atomic_int ok = 0;
    for (int i = 0; i < 9000; i++) {
        yc_store_query q;
        make_q(&q, (i % 3 == 0) ? S1 : (i % 3 == 1) ? S2 : SP, i, "score");
        assert_int_equal(yc_store_commit_query_append(c, &q, count_only, &ok), YC_OK);
    }
    yc_store_committer_stop(c);
    assert_int_equal(atomic_load(&ok), 9000);
    uint64_t removed = 0;
    assert_int_equal(yc_store_query_log_purge(st, 8500, &removed), YC_OK);
    assert_int_equal(removed, 8500);
    yc_store_query *arr = NULL;
    size_t n = 0;
    char next[YC_STORE_ACCESS_CURSOR_MAX + 1];
    assert_int_equal(yc_store_queries_by_subject(st, SP, NULL, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 100);
    assert_int_equal(arr[0].at_ms, 8999);
    assert_int_equal(arr[0].seq, 3000);
    assert_int_equal(arr[99].at_ms, 8999 - 3 * 99);
    assert_string_equal(next, "2901");
    yc_free(arr);
    assert_int_equal(yc_store_queries_by_subject(st, SP, next, 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 67); /* at_ms 8501..8999 of SP (i % 3 == 2): 167 in all */
    assert_int_equal(arr[66].at_ms, 8501);
    assert_int_equal(arr[66].seq, 2834);
    assert_string_equal(next, "");
    yc_free(arr);
    yc_store_close(st);
    tdir_remove(&t);
}

/* 4 threads queue 50 appends each without waiting; with a 10 ms window they share batches. */
typedef struct appender {
    yc_store_committer *c;
    int id;
    atomic_int *done_ok;
    atomic_int *done_all;
} appender;

static void count_done(void *ctx, yc_err result)
{
    appender *a = ctx;
    if (result == YC_OK)
        atomic_fetch_add(a->done_ok, 1);
    atomic_fetch_add(a->done_all, 1);
}

static void *append_thread(void *arg)
{
    appender *a = arg;
    for (int i = 0; i < 50; i++) {
        yc_store_query q;
        make_q(&q, S1, (int64_t)(a->id * 1000 + i), "score");
        if (yc_store_commit_query_append(a->c, &q, count_done, a) != YC_OK)
            return (void *)1;
    }
    return NULL;
}

static void yc_store_commit_query_append__four_threads__all_present(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    assert_int_equal(yc_store_committer_set_window(c, YC_STORE_QUERY_LOG_WINDOW_MS), YC_OK);
    atomic_int ok = 0, all = 0;
    appender ap[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        ap[i] = (appender){.c = c, .id = i, .done_ok = &ok, .done_all = &all};
        assert_int_equal(pthread_create(&th[i], NULL, append_thread, &ap[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *r = (void *)2;
        assert_int_equal(pthread_join(th[i], &r), 0);
        assert_null(r);
    }
    yc_store_committer_stop(c); /* commits everything queued, calls every done */
    assert_int_equal(atomic_load(&all), 200);
    assert_int_equal(atomic_load(&ok), 200);
    /* every entry present once: seq 200..1, and each (thread, i) at_ms once */
    bool seen[4][50] = {{false}};
    char cur[YC_STORE_ACCESS_CURSOR_MAX + 1] = "", next[YC_STORE_ACCESS_CURSOR_MAX + 1];
    uint64_t want_seq = 200;
    for (int page = 0; page < 2; page++) {
        yc_store_query *arr = NULL;
        size_t n = 0;
        assert_int_equal(yc_store_queries_by_subject(st, S1, cur, 100, &arr, &n, next), YC_OK);
        assert_int_equal(n, 100);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(arr[i].seq, want_seq--);
            int th_id = (int)(arr[i].at_ms / 1000), k = (int)(arr[i].at_ms % 1000);
            assert_true(th_id >= 0 && th_id < 4 && k >= 0 && k < 50);
            assert_false(seen[th_id][k]);
            seen[th_id][k] = true;
        }
        yc_free(arr);
        memcpy(cur, next, sizeof cur);
    }
    assert_string_equal(cur, "");
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_committer_set_window__10ms__batches_share_and_wait(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    assert_int_equal(yc_store_committer_set_window(c, YC_STORE_COMMITTER_WINDOW_MAX_MS + 1),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_committer_set_window(NULL, 10), YC_ERR_INVALID);
    assert_int_equal(yc_store_committer_set_window(c, YC_STORE_COMMITTER_WINDOW_MAX_MS), YC_OK);
    assert_int_equal(yc_store_committer_set_window(c, YC_STORE_QUERY_LOG_WINDOW_MS), YC_OK);
    uint64_t b0 = 0, w0 = 0, b1 = 0, w1 = 0;
    yc_store_committer_stats(c, &b0, &w0);
    /* 20 appends queued at once form one batch: the window holds the first for 10 ms */
    waiter w[20];
    int64_t t0 = mono_ms();
    for (int i = 0; i < 20; i++) {
        yc_store_query q;
        make_q(&q, S2, i, "score");
        waiter_init(&w[i]);
        assert_int_equal(yc_store_commit_query_append(c, &q, waiter_done, &w[i]), YC_OK);
    }
    for (int i = 0; i < 20; i++)
        assert_int_equal(wait_for(&w[i]), YC_OK);
    int64_t elapsed = mono_ms() - t0;
    assert_true(elapsed >= YC_STORE_QUERY_LOG_WINDOW_MS);
    yc_store_committer_stats(c, &b1, &w1);
    assert_int_equal(w1 - w0, 20);
    assert_int_equal(b1 - b0, 1);
    /* window 0 again: today's behaviour */
    assert_int_equal(yc_store_committer_set_window(c, 0), YC_OK);
    yc_store_query q;
    make_q(&q, S2, 99, "score");
    assert_int_equal(append_sync(c, &q), YC_OK);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- codec ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void rnd_code(char *dst, size_t max)
{
    static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
    size_t n = 1 + (size_t)(rnd() % max);
    for (size_t i = 0; i < n; i++)
        dst[i] = alpha[rnd() % (sizeof alpha - 1)];
    dst[n] = '\0';
}

static void rnd_b64(char *dst, size_t n)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < n; i++)
        dst[i] = alpha[rnd() % 64];
    dst[n] = '\0';
}

static void yc_store_consent_codec__fuzz_round_trip__canonical(void **state)
{
    (void)state;
    for (int iter = 0; iter < 2000; iter++) {
        yc_store_consent cs;
        memset(&cs, 0, sizeof cs);
        memcpy(cs.id, "cs_", 3);
        rnd_b64(cs.id + 3, 22);
        SET(cs.subject_id, "%s", (rnd() & 1) ? SP : S1);
        memcpy(cs.client_id, "cl_", 3);
        rnd_b64(cs.client_id + 3, 16);
        rnd_code(cs.purpose, YC_STORE_PURPOSE_MAX);
        cs.scope = (uint8_t)(1 + rnd() % 7);
        cs.granted_at = (int64_t)(rnd() % 4000000000u);
        cs.expires_at = cs.granted_at + 1 + (int64_t)(rnd() % YC_CONSENT_MAX_SECONDS);
        cs.revoked_at = (rnd() & 1) ? -1 : cs.granted_at + (int64_t)(rnd() % 1000);
        uint8_t buf[YC_CONSENT_VAL_MAX + 1], buf2[YC_CONSENT_VAL_MAX];
        size_t len = 0, len2 = 0;
        assert_int_equal(yc_store_consent_encode(&cs, buf, &len), YC_OK);
        assert_true(len <= YC_CONSENT_VAL_MAX);
        yc_store_consent d;
        assert_int_equal(yc_store_consent_decode(cs.id, buf, len, &d), YC_OK);
        assert_memory_equal(&d, &cs, sizeof d);
        /* every truncation and a one-byte extension are refused */
        for (size_t cut = 0; cut < len; cut++)
            assert_int_equal(yc_store_consent_decode(cs.id, buf, cut, &d), YC_ERR_STORE);
        buf[len] = 0;
        assert_int_equal(yc_store_consent_decode(cs.id, buf, len + 1, &d), YC_ERR_STORE);
        /* a random byte flip: refused, or accepted and canonical (re-encodes identically) */
        size_t pos = (size_t)(rnd() % len);
        buf[pos] ^= (uint8_t)(1 + rnd() % 255);
        yc_err r = yc_store_consent_decode(cs.id, buf, len, &d);
        if (r == YC_OK) {
            assert_int_equal(yc_store_consent_encode(&d, buf2, &len2), YC_OK);
            assert_int_equal(len2, len);
            assert_memory_equal(buf2, buf, len);
        } else {
            assert_int_equal(r, YC_ERR_STORE);
        }
    }
    /* version and reserved bytes */
    yc_store_consent cs, d;
    make_cs(&cs, 1, S1, CL1, "insurance", 1, 10, 20);
    uint8_t buf[YC_CONSENT_VAL_MAX];
    size_t len = 0;
    assert_int_equal(yc_store_consent_encode(&cs, buf, &len), YC_OK);
    assert_int_equal(len, 32 + 1 + 18 + 1 + 19 + 1 + 9);
    buf[0] = 2;
    assert_int_equal(yc_store_consent_decode(cs.id, buf, len, &d), YC_ERR_STORE);
    buf[0] = 1;
    buf[5] = 1;
    assert_int_equal(yc_store_consent_decode(cs.id, buf, len, &d), YC_ERR_STORE);
}

static void yc_store_query_codec__fuzz_round_trip__canonical(void **state)
{
    (void)state;
    static const char route_alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
    for (int iter = 0; iter < 2000; iter++) {
        yc_store_query q;
        memset(&q, 0, sizeof q);
        SET(q.subject_id, "%s", (rnd() & 1) ? SP : S2);
        q.seq = 1 + rnd() % 1000;
        q.at_ms = (int64_t)(rnd() >> 2);
        memcpy(q.client_id, "cl_", 3);
        rnd_b64(q.client_id + 3, 16);
        q.role = (uint8_t)(rnd() % (YC_STORE_ROLE_MAX + 1));
        if (rnd() & 1)
            rnd_code(q.purpose, YC_STORE_PURPOSE_MAX);
        if (rnd() & 1) {
            memcpy(q.consent_id, "cs_", 3);
            rnd_b64(q.consent_id + 3, 22);
        }
        size_t rl = 1 + (size_t)(rnd() % YC_QUERY_ROUTE_MAX);
        for (size_t i = 0; i < rl; i++)
            q.route[i] = route_alpha[rnd() % (sizeof route_alpha - 1)];
        q.status = (uint16_t)(100 + rnd() % 500);
        uint8_t buf[YC_QUERY_VAL_MAX + 1], buf2[YC_QUERY_VAL_MAX];
        size_t len = 0, len2 = 0;
        assert_int_equal(yc_store_query_encode(&q, buf, &len), YC_OK);
        yc_store_query d;
        assert_int_equal(yc_store_query_decode(q.subject_id, q.seq, buf, len, &d), YC_OK);
        assert_memory_equal(&d, &q, sizeof d);
        for (size_t cut = 0; cut < len; cut++)
            assert_int_equal(yc_store_query_decode(q.subject_id, q.seq, buf, cut, &d),
                             YC_ERR_STORE);
        buf[len] = 0;
        assert_int_equal(yc_store_query_decode(q.subject_id, q.seq, buf, len + 1, &d),
                         YC_ERR_STORE);
        size_t pos = (size_t)(rnd() % len);
        buf[pos] ^= (uint8_t)(1 + rnd() % 255);
        yc_err r = yc_store_query_decode(q.subject_id, q.seq, buf, len, &d);
        if (r == YC_OK) {
            assert_int_equal(yc_store_query_encode(&d, buf2, &len2), YC_OK);
            assert_int_equal(len2, len);
            assert_memory_equal(buf2, buf, len);
        } else {
            assert_int_equal(r, YC_ERR_STORE);
        }
    }
}

/* ---- allocation failures ---- */

static void yc_store_access__allocation_failures__nomem_without_leaks(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    yc_store_consent cs;
    make_cs(&cs, 1, SP, CL1, "loan_approval", 1, 1000, 2000);
    yc_store_query q;
    make_q(&q, SP, 1000, "score");
    assert_int_equal(put_sync(c, &cs), YC_OK);
    assert_int_equal(append_sync(c, &q), YC_OK);
    waiter w;
    yc_alloc_fail_after(0);
    make_cs(&cs, 2, SP, CL1, "loan_approval", 1, 1000, 2000);
    assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_NOMEM);
    assert_int_equal(yc_store_commit_consent_revoke(c, cs.id, SP, 1500, waiter_done, &w),
                     YC_ERR_NOMEM);
    assert_int_equal(yc_store_commit_query_append(c, &q, waiter_done, &w), YC_ERR_NOMEM);
    yc_store_consent *ca = NULL;
    yc_store_query *qa = NULL;
    size_t n = 0;
    char next[YC_STORE_ACCESS_CURSOR_MAX + 1];
    assert_int_equal(yc_store_consents_by_subject(st, SP, NULL, 10, &ca, &n, next), YC_ERR_NOMEM);
    assert_int_equal(yc_store_queries_by_subject(st, SP, NULL, 10, &qa, &n, next), YC_ERR_NOMEM);
    yc_alloc_fail_after(-1);
    /* nothing was queued: the second consent does not exist */
    yc_store_consent got;
    assert_int_equal(yc_store_consent_get(st, cs.id, &got), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_consents_by_subject(st, SP, NULL, 10, &ca, &n, next), YC_OK);
    assert_int_equal(n, 1);
    yc_free(ca);
    assert_int_equal(yc_store_queries_by_subject(st, SP, NULL, 10, &qa, &n, next), YC_OK);
    assert_int_equal(n, 1);
    yc_free(qa);
    yc_store_committer_stop(c);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- no document number or name ---- */

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long sz = ftell(f);
    assert_true(sz > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    char *buf = malloc((size_t)sz);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    (void)fclose(f);
    bool found = memmem(buf, (size_t)sz, needle, strlen(needle)) != NULL;
    free(buf);
    return found;
}

static void yc_store_access__document_number_or_name__refused_and_absent(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(st, NULL, &c), YC_OK);
    /* a resident identity card number (18 characters, fails the USCC check) and a name */
    static const char *bad[] = {"11010119900307777X", "110101199003077778", "张三",
                                "PABCDEFGHIJKLMNOPQRSTUVWXYZ23456",
                                "Pabcdefghijklmnopqrstuvwxyz234567"};
    waiter w;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_store_consent cs;
        make_cs(&cs, 1, bad[i], CL1, "loan_approval", 1, 1000, 2000);
        assert_int_equal(yc_store_commit_consent_put(c, &cs, waiter_done, &w), YC_ERR_INVALID);
        yc_store_query q;
        make_q(&q, bad[i], 1000, "score");
        assert_int_equal(yc_store_commit_query_append(c, &q, waiter_done, &w), YC_ERR_INVALID);
        assert_int_equal(yc_store_commit_consent_revoke(c, "cs_C000000000000000000001", bad[i], 1,
                                                        waiter_done, &w),
                         YC_ERR_INVALID);
    }
    /* valid writes; then neither the number nor the name is anywhere in the data file */
    yc_store_consent cs;
    make_cs(&cs, 1, SP, CL1, "loan_approval", 1, 1000, 2000);
    assert_int_equal(put_sync(c, &cs), YC_OK);
    yc_store_query q;
    make_q(&q, SP, 1000, "score");
    assert_int_equal(append_sync(c, &q), YC_OK);
    yc_store_committer_stop(c);
    yc_store_close(st);
    char path[256];
    SET(path, "%s/lmdb/data.mdb", t.data);
    assert_true(file_contains(path, SP)); /* the check can see what is there */
    assert_false(file_contains(path, "11010119900307777"));
    assert_false(file_contains(path, "张三"));
    tdir_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yc_store_consent_check__each_reason__exact_code),
        cmocka_unit_test(yc_store_commit_consent_put__limits__at_and_past),
        cmocka_unit_test(yc_store_commit_consent_revoke__twice__conflict),
        cmocka_unit_test(yc_store_consents_by_subject__pages__grant_order),
        cmocka_unit_test(yc_store_queries_by_subject__pages__newest_first),
        cmocka_unit_test(yc_store_query_log_purge__cutoff__kept_at_removed_before),
        cmocka_unit_test(yc_store_query_log_purge__several_steps__exact_count),
        cmocka_unit_test(yc_store_commit_query_append__four_threads__all_present),
        cmocka_unit_test(yc_store_committer_set_window__10ms__batches_share_and_wait),
        cmocka_unit_test(yc_store_consent_codec__fuzz_round_trip__canonical),
        cmocka_unit_test(yc_store_query_codec__fuzz_round_trip__canonical),
        cmocka_unit_test(yc_store_access__allocation_failures__nomem_without_leaks),
        cmocka_unit_test(yc_store_access__document_number_or_name__refused_and_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
