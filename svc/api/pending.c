/* Deferred answers of the API (yc_api_pending): a handler hands a pending to another thread,
 * which completes it; the caller of yc_api_handle() binds a callback.  Bind and complete may
 * come in either order on any threads; the callback runs exactly once, on the thread that
 * comes second, and the pending is freed after it returns (issue 4 item 3). */
#include <pthread.h>
#include <stdbool.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"

struct yc_api_pending {
    pthread_mutex_t mu;
    bool done;           /* under mu: res holds the answer */
    bool bound;          /* under mu: fn and ctx are set */
    yc_api_response res; /* the answer, once done */
    yc_api_done_fn fn;
    void *ctx;
};

yc_err yc_api_pending_new(yc_api_pending **ret)
{
    yc_api_pending *p = yc_calloc(1, sizeof *p);
    YC_ENSURE(p != NULL, YC_ERR_NOMEM);
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        yc_free(p);
        return YC_ERR_NOMEM;
    }
    *ret = p;
    return YC_OK;
}

/* The second of bind and complete: deliver, then release p (the other side is done with it). */
static void deliver(yc_api_pending *p)
{
    yc_api_response res = p->res;
    p->res = (yc_api_response){0};
    res.pending = NULL;
    p->fn(p->ctx, &res); /* the callee owns res.body */
    (void)pthread_mutex_destroy(&p->mu);
    yc_free(p);
}

void yc_api_pending_complete(yc_api_pending *p, yc_api_response *res)
{
    (void)pthread_mutex_lock(&p->mu);
    p->res = *res;
    p->res.pending = NULL;
    *res = (yc_api_response){0};
    p->done = true;
    const bool bound = p->bound;
    (void)pthread_mutex_unlock(&p->mu);
    if (bound)
        deliver(p);
    /* not bound: the binder delivers; p is not touched here any more */
}

void yc_api_pending_bind(yc_api_pending *p, yc_api_done_fn fn, void *ctx)
{
    (void)pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->bound = true;
    const bool done = p->done;
    (void)pthread_mutex_unlock(&p->mu);
    if (done)
        deliver(p);
    /* not done: the completer delivers; p is not touched here any more */
}

void yc_api_pending_abandon(yc_api_pending *p)
{
    if (p == NULL)
        return;
    yc_api_response_clear(&p->res);
    (void)pthread_mutex_destroy(&p->mu);
    yc_free(p);
}
