/* Group committer of attestation writes (include/yrdcredit/store_attest.h).
 *
 * A bounded ring of queued writes, fed by any thread under one mutex; one thread takes up
 * to max_batch writes out of the ring (freeing their slots), applies them in ONE durable
 * write transaction, then calls their done callbacks in queue order.  Writes queued while
 * a transaction commits form the next batch: the batch size adapts to the fsync latency.
 *
 * A batch window (yc_store_committer_set_window(), issue 6's query log; default 0) makes the
 * thread wait, before taking a batch, until the oldest queued write is window_ms old, the
 * queue holds max_batch writes, or the committer stops.  With 0 nothing waits (as before).
 *
 * A records ingestion (yc_store_commit_ingest(), issue 7 item 9: POST /v1/records off the
 * HTTP/2 worker) is never grouped: it is a batch of its own, one yc_store_ingest() transaction.
 */
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "access_int.h"
#include "decision_int.h"
#include "store_int.h"
#include "yrdcredit/alloc.h"

enum { QUEUE_DEFAULT = 8192, BATCH_DEFAULT = 1024 };

typedef enum op_kind {
    OP_PUT = 1,
    OP_STATE = 2,
    OP_DECISION = 3,
    OP_CONSENT_PUT = 4,
    OP_CONSENT_REVOKE = 5,
    OP_QUERY = 6,
    OP_INGEST = 7,
} op_kind;

typedef struct op {
    op_kind kind;
    yc_store_attestation a;           /* OP_STATE: jti, state, state_at and reason are used */
    unsigned from_mask;               /* OP_STATE: states the change may start from; 0 = any */
    char did[YC_DECISION_ID_LEN + 1]; /* OP_DECISION: the decision id */
    char *blob;                       /* OP_DECISION: owned copy of the JSON, freed after done */
    size_t blob_len;                  /* OP_DECISION: bytes of blob */
    yc_store_consent *cs; /* OP_CONSENT_*: owned copy (revoke: id, subject_id, revoked_at) */
    yc_store_query *q;    /* OP_QUERY: owned copy */
    yc_record *recs;      /* OP_INGEST: the caller's records (not owned), updated in place */
    size_t n_recs;        /* OP_INGEST: number of recs */
    int64_t queued_ns;    /* CLOCK_MONOTONIC when queued (batch window) */
    yc_store_commit_done_fn done;
    void *ctx;
    yc_err result;
} op;

struct yc_store_committer {
    yc_store *st;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    op *ring;    /* queue_cap slots */
    size_t cap;  /* queue_cap */
    size_t head; /* index of the oldest queued op */
    size_t count;
    bool stopping;
    op *batch; /* max_batch slots, owned by the committer thread */
    size_t max_batch;
    int64_t window_ns; /* batch window; 0 = none (under lock) */
    _Atomic uint64_t batches, writes;
};

/* Apply a batch in one transaction; sets every op's result.  An OP_INGEST is always a batch
 * of its own (committer_main()): yc_store_ingest() runs its own durable transaction, so each
 * POST keeps its own all-or-nothing outcome (issue 7 item 9). */
static void run_batch(yc_store_committer *c, op *ops, size_t n)
{
    if (n == 1 && ops[0].kind == OP_INGEST) {
        ops[0].result = yc_store_ingest(c->st, ops[0].recs, ops[0].n_recs, NULL);
        atomic_fetch_add_explicit(&c->batches, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&c->writes, 1, memory_order_relaxed);
        return;
    }
    MDB_txn *txn = NULL;
    yc_err rv = yc_store_txn_begin(c->st, 0, &txn);
    for (size_t i = 0; i < n && rv == YC_OK; i++) {
        op *o = &ops[i];
        if (o->kind == OP_PUT)
            rv = yc_store_attest_txn_put(c->st, txn, &o->a, &o->result);
        else if (o->kind == OP_DECISION)
            rv = yc_store_decision_txn_put(c->st, txn, o->did, o->blob, o->blob_len, &o->result);
        else if (o->kind == OP_CONSENT_PUT)
            rv = yc_store_consent_txn_put(c->st, txn, o->cs, &o->result);
        else if (o->kind == OP_CONSENT_REVOKE)
            rv = yc_store_consent_txn_revoke(c->st, txn, o->cs->id, o->cs->subject_id,
                                             o->cs->revoked_at, &o->result);
        else if (o->kind == OP_QUERY)
            rv = yc_store_query_txn_append(c->st, txn, o->q, &o->result);
        else
            rv = yc_store_attest_txn_state(c->st, txn, o->a.jti, o->a.state, o->from_mask,
                                           o->a.state_at, o->a.reason, &o->result);
    }
    if (txn != NULL) {
        if (rv == YC_OK)
            rv = yc_store_from_mdb(yc_store_txn_commit(c->st, txn)); /* durable: fsync */
        else
            yc_store_txn_abort(c->st, txn);
    }
    if (rv != YC_OK) /* nothing of the batch is written */
        for (size_t i = 0; i < n; i++)
            ops[i].result = rv;
    atomic_fetch_add_explicit(&c->batches, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->writes, n, memory_order_relaxed);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* With the lock held and c->count > 0: wait until the oldest queued write is window_ns old,
 * max_batch writes are queued, or the committer stops. */
static void window_wait(yc_store_committer *c)
{
    while (c->window_ns > 0 && !c->stopping && c->count > 0 && c->count < c->max_batch) {
        int64_t deadline = c->ring[c->head].queued_ns + c->window_ns;
        if (mono_ns() >= deadline)
            break;
        struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000),
                              .tv_nsec = (long)(deadline % 1000000000)};
        (void)pthread_cond_timedwait(&c->nonempty, &c->lock, &ts); /* CLOCK_MONOTONIC */
    }
}

static void op_release(op *o)
{
    yc_free(o->blob);
    o->blob = NULL;
    yc_free(o->cs);
    o->cs = NULL;
    yc_free(o->q);
    o->q = NULL;
}

static void *committer_main(void *arg)
{
    yc_store_committer *c = arg;
    /* named for ps/top and for pinning (bench/attest): /proc/PID/task/TID/comm */
    (void)prctl(PR_SET_NAME, "yc-commit", 0, 0, 0);
    for (;;) {
        (void)pthread_mutex_lock(&c->lock);
        while (c->count == 0 && !c->stopping)
            (void)pthread_cond_wait(&c->nonempty, &c->lock);
        if (c->count == 0) { /* stopping and drained */
            (void)pthread_mutex_unlock(&c->lock);
            break;
        }
        window_wait(c);
        /* up to max_batch writes; an OP_INGEST only alone (run_batch()) */
        size_t n = 0;
        while (n < c->count && n < c->max_batch) {
            const op *o = &c->ring[(c->head + n) % c->cap];
            if (o->kind == OP_INGEST && n > 0)
                break;
            c->batch[n++] = *o;
            if (o->kind == OP_INGEST)
                break;
        }
        c->head = (c->head + n) % c->cap;
        c->count -= n;
        (void)pthread_mutex_unlock(&c->lock);
        run_batch(c, c->batch, n);
        for (size_t i = 0; i < n; i++) {
            c->batch[i].done(c->batch[i].ctx, c->batch[i].result);
            op_release(&c->batch[i]);
        }
    }
    return NULL;
}

static void committer_free(yc_store_committer *c)
{
    yc_free(c->ring);
    yc_free(c->batch);
    yc_free(c);
}

yc_err yc_store_committer_start(yc_store *st, const yc_store_committer_opts *opts,
                                yc_store_committer **ret)
{
    size_t cap = opts != NULL && opts->queue_cap != 0 ? opts->queue_cap : QUEUE_DEFAULT;
    size_t mb = opts != NULL && opts->max_batch != 0 ? opts->max_batch : BATCH_DEFAULT;
    YC_ENSURE(cap <= YC_STORE_COMMITTER_QUEUE_MAX && mb <= YC_STORE_COMMITTER_BATCH_MAX,
              YC_ERR_INVALID);
    YC_TRY(yc_store_attest_ensure(st));
    YC_TRY(yc_store_issue5_ensure(st));
    YC_TRY(yc_store_access_ensure(st));
    yc_store_committer *c = yc_calloc(1, sizeof *c);
    YC_ENSURE(c != NULL, YC_ERR_NOMEM);
    c->st = st;
    c->cap = cap;
    c->max_batch = mb;
    atomic_init(&c->batches, 0);
    atomic_init(&c->writes, 0);
    c->ring = yc_calloc(cap, sizeof *c->ring);
    c->batch = yc_calloc(mb, sizeof *c->batch);
    if (c->ring == NULL || c->batch == NULL) {
        committer_free(c);
        return YC_ERR_NOMEM;
    }
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        committer_free(c);
        return YC_ERR_NOMEM;
    }
    /* the window's timed wait counts on CLOCK_MONOTONIC (immune to clock steps) */
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        (void)pthread_mutex_destroy(&c->lock);
        committer_free(c);
        return YC_ERR_NOMEM;
    }
    int crc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (crc == 0)
        crc = pthread_cond_init(&c->nonempty, &ca);
    (void)pthread_condattr_destroy(&ca);
    if (crc != 0) {
        (void)pthread_mutex_destroy(&c->lock);
        committer_free(c);
        return YC_ERR_NOMEM;
    }
    if (pthread_create(&c->thread, NULL, committer_main, c) != 0) {
        (void)pthread_cond_destroy(&c->nonempty);
        (void)pthread_mutex_destroy(&c->lock);
        committer_free(c);
        return YC_ERR_INTERNAL;
    }
    *ret = c;
    return YC_OK;
}

void yc_store_committer_stop(yc_store_committer *c)
{
    if (c == NULL)
        return;
    (void)pthread_mutex_lock(&c->lock);
    c->stopping = true;
    (void)pthread_cond_signal(&c->nonempty);
    (void)pthread_mutex_unlock(&c->lock);
    (void)pthread_join(c->thread, NULL);
    (void)pthread_cond_destroy(&c->nonempty);
    (void)pthread_mutex_destroy(&c->lock);
    committer_free(c);
}

static yc_err enqueue(yc_store_committer *c, const op *o)
{
    YC_ENSURE(pthread_mutex_lock(&c->lock) == 0, YC_ERR_INTERNAL);
    yc_err rv = YC_OK;
    if (c->stopping || c->count == c->cap) {
        rv = YC_ERR_AGAIN;
    } else {
        op *slot = &c->ring[(c->head + c->count) % c->cap];
        *slot = *o;
        slot->queued_ns = c->window_ns > 0 ? mono_ns() : 0;
        /* With a batch window the committer sleeps until the oldest write's deadline: wake it
         * only for the first write or a full batch, not once per write (a context switch each;
         * issue 6 bench: the query log's CPU per request) */
        const bool wake = c->window_ns == 0 || c->count == 0 || c->count + 1 >= c->max_batch;
        c->count++;
        if (wake)
            (void)pthread_cond_signal(&c->nonempty);
    }
    (void)pthread_mutex_unlock(&c->lock);
    return rv;
}

yc_err yc_store_commit_attestation_put(yc_store_committer *c, const yc_store_attestation *a,
                                       yc_store_commit_done_fn done, void *ctx)
{
    YC_ENSURE(done != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_attest_check(a));
    op o = {.kind = OP_PUT, .a = *a, .done = done, .ctx = ctx};
    return enqueue(c, &o);
}

yc_err yc_store_commit_attestation_state(yc_store_committer *c, const char *jti,
                                         yc_attest_state state, int64_t at, const char *reason,
                                         yc_store_commit_done_fn done, void *ctx)
{
    return yc_store_commit_attestation_transition(c, jti, state, 0, at, reason, done, ctx);
}

yc_err yc_store_commit_attestation_transition(yc_store_committer *c, const char *jti,
                                              yc_attest_state state, unsigned from_mask, int64_t at,
                                              const char *reason, yc_store_commit_done_fn done,
                                              void *ctx)
{
    YC_ENSURE(done != NULL && from_mask <= 7u, YC_ERR_INVALID);
    YC_TRY(yc_store_attest_check_jti(jti));
    YC_ENSURE((unsigned)state <= YC_ATTEST_SUSPENDED && at >= 0, YC_ERR_INVALID);
    YC_TRY(yc_store_attest_check_reason(reason));
    op o = {.kind = OP_STATE, .from_mask = from_mask, .done = done, .ctx = ctx};
    memcpy(o.a.jti, jti, YC_ATTEST_JTI_LEN + 1);
    o.a.state = (uint8_t)state;
    o.a.state_at = at;
    memcpy(o.a.reason, reason, strlen(reason) + 1);
    return enqueue(c, &o);
}

yc_err yc_store_commit_decision_put(yc_store_committer *c, const char *id, const char *json,
                                    size_t json_len, yc_store_commit_done_fn done, void *ctx)
{
    YC_ENSURE(c != NULL && id != NULL && json != NULL && done != NULL, YC_ERR_INVALID);
    YC_ENSURE(yc_decision_id_is_valid(id, strnlen(id, YC_DECISION_ID_LEN + 1)), YC_ERR_INVALID);
    YC_ENSURE(json_len >= 1 && json_len <= YC_DECISION_JSON_MAX, YC_ERR_INVALID);
    op o = {.kind = OP_DECISION, .done = done, .ctx = ctx, .blob_len = json_len};
    memcpy(o.did, id, YC_DECISION_ID_LEN + 1);
    o.blob = yc_alloc(json_len);
    YC_ENSURE(o.blob != NULL, YC_ERR_NOMEM);
    memcpy(o.blob, json, json_len);
    yc_err rv = enqueue(c, &o);
    if (rv != YC_OK)
        yc_free(o.blob);
    return rv;
}

yc_err yc_store_committer_set_window(yc_store_committer *c, unsigned window_ms)
{
    YC_ENSURE(c != NULL && window_ms <= YC_STORE_COMMITTER_WINDOW_MAX_MS, YC_ERR_INVALID);
    YC_ENSURE(pthread_mutex_lock(&c->lock) == 0, YC_ERR_INTERNAL);
    c->window_ns = (int64_t)window_ms * 1000000;
    /* writes queued before had no time stamp: count their window from now */
    int64_t now = mono_ns();
    for (size_t i = 0; i < c->count; i++)
        c->ring[(c->head + i) % c->cap].queued_ns = now;
    (void)pthread_mutex_unlock(&c->lock);
    return YC_OK;
}

yc_err yc_store_commit_consent_put(yc_store_committer *c, const yc_store_consent *cs,
                                   yc_store_commit_done_fn done, void *ctx)
{
    YC_ENSURE(c != NULL && cs != NULL && done != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_consent_check_shape(cs));
    YC_ENSURE(cs->revoked_at == -1, YC_ERR_INVALID);
    op o = {.kind = OP_CONSENT_PUT, .done = done, .ctx = ctx};
    o.cs = yc_alloc(sizeof *o.cs);
    YC_ENSURE(o.cs != NULL, YC_ERR_NOMEM);
    *o.cs = *cs;
    yc_err rv = enqueue(c, &o);
    if (rv != YC_OK)
        yc_free(o.cs);
    return rv;
}

yc_err yc_store_commit_consent_revoke(yc_store_committer *c, const char *id, const char *subject_id,
                                      int64_t at, yc_store_commit_done_fn done, void *ctx)
{
    YC_ENSURE(c != NULL && id != NULL && subject_id != NULL && done != NULL && at >= 0,
              YC_ERR_INVALID);
    YC_ENSURE(yc_store_consent_id_ok(id), YC_ERR_INVALID);
    YC_ENSURE(yc_store_access_subject_ok(subject_id), YC_ERR_INVALID);
    op o = {.kind = OP_CONSENT_REVOKE, .done = done, .ctx = ctx};
    o.cs = yc_calloc(1, sizeof *o.cs);
    YC_ENSURE(o.cs != NULL, YC_ERR_NOMEM);
    memcpy(o.cs->id, id, YC_CONSENT_ID_LEN + 1);
    memcpy(o.cs->subject_id, subject_id, strlen(subject_id) + 1);
    o.cs->revoked_at = at;
    yc_err rv = enqueue(c, &o);
    if (rv != YC_OK)
        yc_free(o.cs);
    return rv;
}

yc_err yc_store_commit_query_append(yc_store_committer *c, const yc_store_query *q,
                                    yc_store_commit_done_fn done, void *ctx)
{
    YC_ENSURE(c != NULL && q != NULL && done != NULL, YC_ERR_INVALID);
    YC_TRY(yc_store_query_check_shape(q));
    op o = {.kind = OP_QUERY, .done = done, .ctx = ctx};
    o.q = yc_alloc(sizeof *o.q);
    YC_ENSURE(o.q != NULL, YC_ERR_NOMEM);
    *o.q = *q;
    yc_err rv = enqueue(c, &o);
    if (rv != YC_OK)
        yc_free(o.q);
    return rv;
}

yc_err yc_store_commit_ingest(yc_store_committer *c, yc_record *recs, size_t n,
                              yc_store_commit_done_fn done, void *ctx)
{
    YC_ENSURE(c != NULL && recs != NULL && n > 0 && done != NULL, YC_ERR_INVALID);
    op o = {.kind = OP_INGEST, .recs = recs, .n_recs = n, .done = done, .ctx = ctx};
    return enqueue(c, &o);
}

void yc_store_committer_stats(const yc_store_committer *c, uint64_t *ret_batches,
                              uint64_t *ret_writes)
{
    if (ret_batches != NULL)
        *ret_batches = atomic_load_explicit(&c->batches, memory_order_relaxed);
    if (ret_writes != NULL)
        *ret_writes = atomic_load_explicit(&c->writes, memory_order_relaxed);
}
