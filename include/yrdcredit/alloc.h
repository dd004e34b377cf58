/**
 * @file alloc.h
 * @brief The one allocator entry point of svc/ and crypto/ (STYLE.md §4.4, §4.6), with a
 *        fail-the-N-th-allocation hook for out-of-memory tests.
 *
 * Every heap allocation in svc/ and crypto/ goes through yc_alloc(), yc_calloc() or
 * yc_realloc() and is released with yc_free(); Jansson is routed here too by
 * yc_core_init_json().  The functions never abort: a failed allocation returns NULL and the
 * caller propagates YC_ERR_NOMEM.  Secrets are the one exception: they live in
 * sodium_malloc() memory inside crypto/, which asks yc_alloc_admit() first so that the
 * fail hook covers those allocations as well.
 *
 * The memory comes from the C library's malloc(), so a pointer from these functions may
 * also be released with free() (Jansson strings such as json_dumps() results, for example);
 * code in svc/ and crypto/ still uses yc_free() so that the allocator can change in one place.
 *
 * The test hook (yc_alloc_fail_after(), yc_alloc_count()) exists in every build, not only in
 * test builds, so tests run against the real library.  Its cost per allocation while it is
 * disabled: one relaxed atomic load (the budget) and one relaxed atomic increment (the count).
 */
#ifndef YRDCREDIT_ALLOC_H
#define YRDCREDIT_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/**
 * @brief Allocate @p n bytes of uninitialised memory.
 *
 * @param[in] n  Size in bytes; 0 is allowed and allocates 1 byte, so NULL always means failure.
 * @return A pointer aligned for any object type, owned by the caller (release with yc_free());
 *         NULL when the memory is not available or the fail hook says this allocation fails.
 *         Never aborts.
 * @note Thread-safety: safe from any thread.
 * @par Source: STYLE.md §4.4 (memory ownership), §4.6 (OOM paths); C11 7.22.3.4.
 */
void *yc_alloc(size_t n);

/**
 * @brief Allocate a zeroed array of @p count elements of @p size bytes each.
 *
 * @param[in] count  Number of elements; 0 is allowed (allocates 1 byte).
 * @param[in] size   Size of one element in bytes; 0 is allowed (allocates 1 byte).
 * @return Zeroed memory of @p count * @p size bytes, owned by the caller (release with
 *         yc_free()); NULL when @p count * @p size overflows size_t, when the memory is not
 *         available, or when the fail hook says this allocation fails.  Never aborts.
 * @note Thread-safety: safe from any thread.
 * @par Source: STYLE.md §4.4; C11 7.22.3.2 (calloc); overflow check as in CERT MEM07-C.
 */
void *yc_calloc(size_t count, size_t size);

/**
 * @brief Resize the block @p p to @p n bytes, keeping its contents up to the smaller size.
 *
 * @param[in] p  A block from yc_alloc(), yc_calloc() or yc_realloc(), or NULL (then this is
 *               yc_alloc(@p n)).  Ownership passes to this call only on success.
 * @param[in] n  New size in bytes; 0 is treated as 1 (the block is never freed by this call,
 *               unlike the implementation-defined realloc(p, 0) of C11 7.22.3.5).
 * @return The resized block, owned by the caller; NULL on failure, in which case @p p is
 *         untouched and still owned by the caller (free it with yc_free()).  Never aborts.
 * @note Thread-safety: safe from any thread.
 * @par Source: STYLE.md §4.4; C11 7.22.3.5.
 */
void *yc_realloc(void *p, size_t n);

/**
 * @brief Release a block from yc_alloc(), yc_calloc() or yc_realloc() (or from Jansson).
 *
 * @param[in] p  The block, or NULL (then nothing happens).
 * @note Thread-safety: safe from any thread.  Does not count as an allocation.
 * @par Source: STYLE.md §4.2 (`_free(NULL)` is a no-op), §4.4.
 */
void yc_free(void *p);

/**
 * @brief Test hook: let @p n more allocations succeed, then fail every later one.
 *
 * Counts the calls of yc_alloc(), yc_calloc(), yc_realloc() (including those Jansson makes
 * after yc_core_init_json()) and yc_alloc_admit().  Calling it again replaces the previous
 * setting.  The setting is process-wide: tests that use it must not allocate from other
 * threads at the same time.
 *
 * @param[in] n  Number of allocations still allowed, >= 0; any negative value disables the
 *               hook (the default), so every allocation is attempted for real.
 * @note Thread-safety: C11 atomics; safe to call from any thread.
 * @par Source: STYLE.md §4.6 "OOM paths" (nghttp2's failmalloc suite).
 */
void yc_alloc_fail_after(long n);

/**
 * @brief Test hook: number of allocations attempted since the process started.
 *
 * Every call of yc_alloc(), yc_calloc(), yc_realloc() and yc_alloc_admit() counts once, whether
 * it succeeded or not; yc_free() does not count.  A test measures a call's allocations as
 * the difference of two readings around it, to bound its yc_alloc_fail_after() loop.
 *
 * @return The count, >= 0 (a 64-bit counter).
 * @note Thread-safety: C11 atomics; safe to call from any thread.
 * @par Source: STYLE.md §4.6 "OOM paths".
 */
long yc_alloc_count(void);

/**
 * @brief Number of allocations that failed (returned NULL) on the calling thread.
 *
 * Jansson 2.14 reports most out-of-memory conditions inside json_loadb()/json_loadf() as
 * syntax errors ("invalid token"), not as json_error_out_of_memory.  A parser therefore
 * reads this counter before and after the call: a change means the failure was the
 * allocator's, and it returns YC_ERR_NOMEM instead of YC_ERR_INVALID.  The counter is
 * thread-local, so another thread's failures never leak into the comparison.
 *
 * Counts failures of yc_alloc(), yc_calloc(), yc_realloc() (hook or real) and refusals of
 * yc_alloc_admit().
 *
 * @return The count for the calling thread, >= 0.
 * @note Thread-safety: thread-local; safe from any thread.
 * @par Source: STYLE.md §4.3 (propagate YC_ERR_NOMEM), §4.6.
 */
long yc_alloc_failures(void);

/**
 * @brief Count one allocation made by an allocator that cannot go through yc_alloc(), and
 *        say whether the fail hook lets it proceed.
 *
 * crypto/ calls it before sodium_malloc() (guard-paged, mlock'd memory for keys), which must
 * stay the allocator of secrets, so that OOM tests reach those failure paths too.
 *
 * @return true: go ahead and allocate; false: the hook says this allocation fails, so the
 *         caller reports YC_ERR_NOMEM without allocating.
 * @note Thread-safety: C11 atomics; safe from any thread.
 * @par Source: STYLE.md §4.4 (secrets in sodium_malloc memory), §4.6.
 */
bool yc_alloc_admit(void);

/**
 * @brief Route Jansson's allocations through yc_alloc() and yc_free() (json_set_alloc_funcs()),
 *        so the fail hook also covers the memory Jansson takes while parsing or building JSON.
 *
 * Idempotent and thread-safe (C11 call_once): every module that calls Jansson calls this
 * first; the first call wins and later calls return at once.  Jansson values created
 * before the first call stay valid, since yc_free() releases malloc() memory.
 *
 * @note Thread-safety: safe from any thread, concurrently.
 * @par Source: Jansson 2.14 "Custom memory allocation" (json_set_alloc_funcs); STYLE.md §4.6.
 */
void yc_core_init_json(void);

#endif
