/* The one allocator entry point and its fail-the-N-th-allocation hook (yrdcredit/alloc.h). */
#include "yrdcredit/alloc.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

/* Allocations still allowed before every later one fails; negative: hook disabled. */
static atomic_long g_budget = -1;
/* Allocations attempted since the process started. */
static atomic_long g_count = 0;
/* Failed allocations of this thread (see yc_alloc_failures()). */
static _Thread_local long t_failures = 0;

/* Every failing path returns through here, so the thread's failure count stays exact. */
static void *failed(void)
{
    t_failures++;
    return NULL;
}

static void *checked(void *p)
{
    return p != NULL ? p : failed();
}

/* Relaxed ordering is enough: the counters order nothing but themselves, and a test sets
 * the hook on the thread that then allocates. */
bool yc_alloc_admit(void)
{
    atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed);
    long left = atomic_load_explicit(&g_budget, memory_order_relaxed);
    while (left > 0) {
        /* On failure the CAS reloads left: another thread may have spent or reset it. */
        if (atomic_compare_exchange_weak_explicit(&g_budget, &left, left - 1, memory_order_relaxed,
                                                  memory_order_relaxed))
            return true;
    }
    if (left < 0)
        return true;
    t_failures++;
    return false;
}

void *yc_alloc(size_t n)
{
    if (!yc_alloc_admit())
        return NULL;
    /* malloc(0) may return NULL (C11 7.22.3): one byte keeps NULL meaning "failed". */
    return checked(malloc(n > 0 ? n : 1));
}

void *yc_calloc(size_t count, size_t size)
{
    if (!yc_alloc_admit())
        return NULL;
    if (size != 0 && count > SIZE_MAX / size)
        return failed();
    if (count == 0 || size == 0)
        return checked(calloc(1, 1));
    return checked(calloc(count, size));
}

void *yc_realloc(void *p, size_t n)
{
    if (!yc_alloc_admit())
        return NULL;
    /* realloc(p, 0) may free p and return NULL (C11 7.22.3.5): never ask for 0 bytes. */
    return checked(realloc(p, n > 0 ? n : 1));
}

void yc_free(void *p)
{
    free(p);
}

void yc_alloc_fail_after(long n)
{
    atomic_store_explicit(&g_budget, n < 0 ? -1 : n, memory_order_relaxed);
}

long yc_alloc_count(void)
{
    return atomic_load_explicit(&g_count, memory_order_relaxed);
}

long yc_alloc_failures(void)
{
    return t_failures;
}

static once_flag g_json_once = ONCE_FLAG_INIT;

static void init_json(void)
{
    json_set_alloc_funcs(yc_alloc, yc_free);
}

void yc_core_init_json(void)
{
    call_once(&g_json_once, init_json);
}
