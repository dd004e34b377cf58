/**
 * @file ratelimit.h
 * @brief Token-bucket rate limits keyed by a short string (a client id, a peer address), with
 *        bounded memory (svc/api/ratelimit.c): issue 6 scope item 1 ("per-client rate limits
 *        (429 with Retry-After)", "POST /v1/attestations/verify, rate-limited per address").
 *
 * Each key has a bucket of @c burst tokens that refills at @c rate_per_s tokens per second,
 * counted exactly in thousandths of a token per millisecond (no floating point): a request
 * takes one token; a full bucket allows @c burst requests at once, then one more every
 * 1000 / rate_per_s ms.  A key seen for the first time starts with a full bucket.
 *
 * Memory: at most @c max_keys buckets.  When a new key arrives and the table (or the new
 * key's shard) is full, the least recently used bucket of that shard is dropped: an idle one
 * (refilled to full) loses nothing; under a flood of new keys an active key may restart with
 * a full bucket, the price of the bound.
 *
 * Thread-safety: yc_ratelimit_take() may be called from any number of threads at once (one
 * mutex per shard).  Time is passed in, so tests inject their clock.
 * @par Source: issue 6 scope item 1; RFC 6585 §4 (429 Too Many Requests); RFC 9110 §10.2.3
 *      (Retry-After).
 */
#ifndef YRDCREDIT_RATELIMIT_H
#define YRDCREDIT_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"

/** Longest key in bytes (an IPv6 address in text is at most 45). */
#define YC_RATELIMIT_KEY_MAX 63
/** Largest @c max_keys of yc_ratelimit_new(). */
#define YC_RATELIMIT_KEYS_LIMIT (1u << 20)
/** Largest rate and burst (= YC_CONFIG_RATE_RPS_MAX and YC_CONFIG_RATE_BURST_MAX). */
#define YC_RATELIMIT_RATE_MAX 1000000u

/** A set of token buckets.  Opaque. */
typedef struct yc_ratelimit yc_ratelimit;

/**
 * @brief Create a set of buckets.
 * @param[in]  rate_per_s  Refill in tokens per second, 1..YC_RATELIMIT_RATE_MAX.
 * @param[in]  burst       Bucket size in tokens, 1..YC_RATELIMIT_RATE_MAX.
 * @param[in]  max_keys    Most keys tracked at once, 1..YC_RATELIMIT_KEYS_LIMIT.  From 256
 *                         on the table has 16 shards (max_keys / 16 rounded up each), below
 *                         one.
 * @param[out] ret         New set; free with yc_ratelimit_free().  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  an argument out of range, or @p ret NULL
 * @retval YC_ERR_NOMEM
 * @par Source: issue 6 scope item 1.
 */
YC_MUST_USE yc_err yc_ratelimit_new(uint32_t rate_per_s, uint32_t burst, size_t max_keys,
                                    yc_ratelimit **ret);

/**
 * @brief Free a set.
 * @param[in] rl  May be NULL (no-op).  No yc_ratelimit_take() may be running.
 */
void yc_ratelimit_free(yc_ratelimit *rl);

/**
 * @brief Take one token from @p key's bucket at time @p now_ms.
 * @param[in]  rl                 The set.
 * @param[in]  key                @p key_len bytes, not NUL-terminated, 1..YC_RATELIMIT_KEY_MAX
 *                                (a longer key is cut to its first YC_RATELIMIT_KEY_MAX bytes).
 * @param[in]  key_len            Length of @p key in bytes.
 * @param[in]  now_ms             A monotonic clock in milliseconds; a time before the bucket's
 *                                last one counts as no time passed.
 * @param[out] ret_retry_after_s  On false: whole seconds until a token is back, >= 1 (the
 *                                Retry-After value, rounded up).  May be NULL.
 * @return true: allowed (a token taken); false: over the limit (nothing taken).  A NULL or
 *         empty key is allowed (nothing to meter).
 * @par Source: issue 6 scope item 1; RFC 9110 §10.2.3 (delay-seconds).
 */
bool yc_ratelimit_take(yc_ratelimit *rl, const char *key, size_t key_len, int64_t now_ms,
                       uint32_t *ret_retry_after_s);

/**
 * @brief Number of keys tracked now (for tests and metrics).
 * @param[in] rl  The set.
 * @return 0..max_keys.
 */
size_t yc_ratelimit_tracked(yc_ratelimit *rl);

#endif
