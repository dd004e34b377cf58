/* Tests for include/yrdcredit/alloc.h (svc/core/alloc.c): the allocator entry point, its
 * fail-the-N-th-allocation hook and the routing of Jansson's allocations. */
#include <jansson.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <threads.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"

/* Every test leaves the hook disabled, also when an assertion fails half-way. */
static int hook_off(void **state)
{
    (void)state;
    yc_alloc_fail_after(-1);
    return 0;
}

/* ---- safety ---- */

static void safety__zero_sizes__non_null_and_freeable(void **state)
{
    (void)state;
    void *a = yc_alloc(0);
    void *b = yc_calloc(0, 8);
    void *c = yc_calloc(8, 0);
    void *d = yc_realloc(NULL, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(d);
    /* realloc to 0 keeps a block (C11 leaves realloc(p, 0) implementation-defined) */
    void *e = yc_realloc(a, 0);
    assert_non_null(e);
    yc_free(e);
    yc_free(b);
    yc_free(c);
    yc_free(d);
    yc_free(NULL); /* no-op */
}

static void safety__calloc_product_limit_and_limit_plus_1__overflow_null(void **state)
{
    (void)state;
    /* limit: count * size == 2^(w-1) fits size_t; only the hook keeps it from asking the
     * C library for half the address space, so a NULL here proves the hook ran first. */
    const size_t half = SIZE_MAX / 2 + 1;
    yc_alloc_fail_after(0);
    const long failed = yc_alloc_failures();
    assert_null(yc_calloc(half / 2, 2));
    assert_int_equal(yc_alloc_failures(), failed + 1);
    yc_alloc_fail_after(-1);
    /* limit + 1: the product overflows; refused without calling calloc */
    const long before = yc_alloc_count();
    assert_null(yc_calloc(half, 2));
    assert_null(yc_calloc(2, half));
    assert_null(yc_calloc(SIZE_MAX, SIZE_MAX));
    assert_int_equal(yc_alloc_count(), before + 3);
    assert_int_equal(yc_alloc_failures(), failed + 4);
}

static void safety__fail_after_negative__any_value_disables(void **state)
{
    (void)state;
    yc_alloc_fail_after(0);
    assert_null(yc_alloc(1));
    yc_alloc_fail_after(-5);
    void *p = yc_alloc(1);
    assert_non_null(p);
    yc_free(p);
    yc_alloc_fail_after(LONG_MIN);
    p = yc_alloc(1);
    assert_non_null(p);
    yc_free(p);
}

/* ---- behaviour ---- */

static void calloc__64_bytes__all_zero(void **state)
{
    (void)state;
    uint8_t *p = yc_calloc(16, 4);
    assert_non_null(p);
    static const uint8_t zero[64];
    assert_memory_equal(p, zero, sizeof zero);
    yc_free(p);
}

static void realloc__grow_and_shrink__contents_kept(void **state)
{
    (void)state;
    uint8_t *p = yc_alloc(16);
    assert_non_null(p);
    for (uint8_t i = 0; i < 16; i++)
        p[i] = (uint8_t)(i * 7);
    uint8_t *g = yc_realloc(p, 4096);
    assert_non_null(g);
    for (uint8_t i = 0; i < 16; i++)
        assert_int_equal(g[i], (uint8_t)(i * 7));
    uint8_t *s = yc_realloc(g, 3);
    assert_non_null(s);
    assert_int_equal(s[0], 0);
    assert_int_equal(s[1], 7);
    assert_int_equal(s[2], 14);
    yc_free(s);
}

static void fail_after__2__third_and_later_fail_then_reset(void **state)
{
    (void)state;
    const long count = yc_alloc_count();
    const long failed = yc_alloc_failures();
    yc_alloc_fail_after(2);
    void *a = yc_alloc(8);
    void *b = yc_calloc(2, 8);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(yc_alloc(8));
    assert_null(yc_calloc(1, 1));
    assert_false(yc_alloc_admit());
    /* a failed realloc leaves the block untouched and owned by the caller */
    memset(a, 0x5a, 8);
    assert_null(yc_realloc(a, 64));
    static const uint8_t want[8] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
    assert_memory_equal(a, want, sizeof want);
    /* attempts count whether or not they succeed; yc_free does not count */
    assert_int_equal(yc_alloc_count(), count + 6);
    assert_int_equal(yc_alloc_failures(), failed + 4);
    yc_free(b);
    assert_int_equal(yc_alloc_count(), count + 6);
    yc_alloc_fail_after(-1);
    void *c = yc_realloc(a, 64);
    assert_non_null(c);
    assert_memory_equal(c, want, sizeof want);
    assert_true(yc_alloc_admit());
    assert_int_equal(yc_alloc_count(), count + 8);
    assert_int_equal(yc_alloc_failures(), failed + 4);
    yc_free(c);
}

static void fail_after__set_twice__second_setting_replaces_first(void **state)
{
    (void)state;
    yc_alloc_fail_after(0);
    assert_false(yc_alloc_admit());
    yc_alloc_fail_after(1);
    assert_true(yc_alloc_admit());
    assert_false(yc_alloc_admit());
    assert_false(yc_alloc_admit());
}

static void init_json__twice__jansson_uses_yc_alloc_and_hook(void **state)
{
    (void)state;
    yc_core_init_json();
    yc_core_init_json();
    json_malloc_t m = NULL;
    json_free_t f = NULL;
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, yc_alloc);
    assert_ptr_equal(f, yc_free);
    /* Jansson's allocations now reach the hook */
    yc_alloc_fail_after(0);
    const long failed = yc_alloc_failures();
    assert_null(json_string("行政处罚"));
    assert_true(yc_alloc_failures() > failed);
    yc_alloc_fail_after(-1);
    const long count = yc_alloc_count();
    json_t *s = json_string("行政处罚");
    assert_non_null(s);
    assert_true(yc_alloc_count() > count);
    json_decref(s);
}

static void json_loadb__every_failing_allocation__null_and_failure_counted(void **state)
{
    (void)state;
    yc_core_init_json();
    static const char doc[] = "{\"code\":\"N03\",\"authority\":\"义乌市市场监督管理局\","
                              "\"window\":{\"min_months\":3,\"max_months\":36},\"x\":[1,2,3]}";
    json_error_t jerr;
    const long count = yc_alloc_count();
    json_t *root = json_loadb(doc, sizeof doc - 1, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(root);
    json_decref(root);
    const long needed = yc_alloc_count() - count;
    assert_true(needed >= 8); /* 3 objects, 1 array, 2 strings, their keys and tables */
    /* Jansson calls some of these failures syntax errors: the thread's failure counter is
     * what tells them apart (the contract the loaders in svc/ rely on). */
    for (long n = 0; n < needed; n++) {
        yc_alloc_fail_after(n);
        const long failed = yc_alloc_failures();
        root = json_loadb(doc, sizeof doc - 1, JSON_REJECT_DUPLICATES, &jerr);
        yc_alloc_fail_after(-1);
        assert_null(root);
        assert_true(yc_alloc_failures() > failed);
    }
    yc_alloc_fail_after(needed);
    root = json_loadb(doc, sizeof doc - 1, JSON_REJECT_DUPLICATES, &jerr);
    yc_alloc_fail_after(-1);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "code")), "N03");
    json_decref(root);
}

/* ---- threads ---- */

enum { THREADS = 4, PER_THREAD = 1000 };

typedef struct worker {
    long ok;     /* allocations that succeeded */
    long failed; /* this thread's yc_alloc_failures() delta */
} worker;

static int alloc_worker(void *arg)
{
    worker *w = arg;
    const long failed = yc_alloc_failures();
    yc_core_init_json();
    for (int i = 0; i < PER_THREAD; i++) {
        void *p = yc_alloc((size_t)i + 1);
        if (p != NULL)
            w->ok++;
        yc_free(p);
    }
    w->failed = yc_alloc_failures() - failed;
    return 0;
}

static void run_workers(worker w[THREADS])
{
    thrd_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){0};
        assert_int_equal(thrd_create(&t[i], alloc_worker, &w[i]), thrd_success);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(thrd_join(t[i], NULL), thrd_success);
}

static void count__four_threads__every_attempt_counted_once(void **state)
{
    (void)state;
    const long count = yc_alloc_count();
    worker w[THREADS];
    run_workers(w);
    assert_int_equal(yc_alloc_count(), count + THREADS * PER_THREAD);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].ok, PER_THREAD);
        assert_int_equal(w[i].failed, 0);
    }
}

static void fail_after__budget_shared_by_four_threads__exactly_budget_succeed(void **state)
{
    (void)state;
    const long budget = 1500; /* less than THREADS * PER_THREAD */
    const long failed = yc_alloc_failures();
    yc_alloc_fail_after(budget);
    worker w[THREADS];
    run_workers(w);
    yc_alloc_fail_after(-1);
    long ok = 0, refused = 0;
    for (int i = 0; i < THREADS; i++) {
        ok += w[i].ok;
        refused += w[i].failed;
    }
    assert_int_equal(ok, budget);
    assert_int_equal(refused, THREADS * PER_THREAD - budget);
    /* failures are per thread: none of them reached this thread's counter */
    assert_int_equal(yc_alloc_failures(), failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(safety__zero_sizes__non_null_and_freeable, hook_off),
        cmocka_unit_test_teardown(safety__calloc_product_limit_and_limit_plus_1__overflow_null,
                                  hook_off),
        cmocka_unit_test_teardown(safety__fail_after_negative__any_value_disables, hook_off),
        cmocka_unit_test_teardown(calloc__64_bytes__all_zero, hook_off),
        cmocka_unit_test_teardown(realloc__grow_and_shrink__contents_kept, hook_off),
        cmocka_unit_test_teardown(fail_after__2__third_and_later_fail_then_reset, hook_off),
        cmocka_unit_test_teardown(fail_after__set_twice__second_setting_replaces_first, hook_off),
        cmocka_unit_test_teardown(init_json__twice__jansson_uses_yc_alloc_and_hook, hook_off),
        cmocka_unit_test_teardown(json_loadb__every_failing_allocation__null_and_failure_counted,
                                  hook_off),
        cmocka_unit_test_teardown(count__four_threads__every_attempt_counted_once, hook_off),
        cmocka_unit_test_teardown(fail_after__budget_shared_by_four_threads__exactly_budget_succeed,
                                  hook_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
