/* Tests for include/yrdcredit/ratelimit.h (token buckets with an injected clock) and the
 * "rate_limit" and "retention" objects of config.json (issue 6 items 1 and 8). */
#define _GNU_SOURCE /* mkdtemp */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/config.h"
#include "yrdcredit/ratelimit.h"

static yc_ratelimit *mk(uint32_t rate, uint32_t burst, size_t keys)
{
    yc_ratelimit *rl = NULL;
    assert_int_equal(yc_ratelimit_new(rate, burst, keys, &rl), YC_OK);
    return rl;
}

static bool take(yc_ratelimit *rl, const char *key, int64_t now_ms, uint32_t *retry)
{
    return yc_ratelimit_take(rl, key, strlen(key), now_ms, retry);
}

/* ---- safety ---- */

static void safety__bad_arguments__invalid(void **state)
{
    (void)state;
    yc_ratelimit *rl = NULL;
    assert_int_equal(yc_ratelimit_new(0, 1, 1, &rl), YC_ERR_INVALID);
    assert_int_equal(yc_ratelimit_new(1, 0, 1, &rl), YC_ERR_INVALID);
    assert_int_equal(yc_ratelimit_new(1, 1, 0, &rl), YC_ERR_INVALID);
    assert_int_equal(yc_ratelimit_new(YC_RATELIMIT_RATE_MAX + 1, 1, 1, &rl), YC_ERR_INVALID);
    assert_int_equal(yc_ratelimit_new(1, YC_RATELIMIT_RATE_MAX + 1, 1, &rl), YC_ERR_INVALID);
    assert_int_equal(yc_ratelimit_new(1, 1, YC_RATELIMIT_KEYS_LIMIT + 1, &rl), YC_ERR_INVALID);
    assert_int_equal(yc_ratelimit_new(1, 1, 1, NULL), YC_ERR_INVALID);
    assert_null(rl);
    rl = mk(YC_RATELIMIT_RATE_MAX, YC_RATELIMIT_RATE_MAX, YC_RATELIMIT_KEYS_LIMIT);
    assert_true(take(rl, "k", 0, NULL));
    yc_ratelimit_free(rl);
    yc_ratelimit_free(NULL);
}

static void yc_ratelimit_take__null_or_empty_key__allowed_untracked(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(1, 1, 4);
    for (int i = 0; i < 5; i++) {
        assert_true(yc_ratelimit_take(rl, NULL, 3, 0, NULL));
        assert_true(yc_ratelimit_take(rl, "x", 0, 0, NULL));
    }
    assert_int_equal(yc_ratelimit_tracked(rl), 0);
    assert_true(yc_ratelimit_take(NULL, "x", 1, 0, NULL));
    yc_ratelimit_free(rl);
}

/* ---- bucket math ---- */

static void yc_ratelimit_take__burst__exactly_burst_allowed_then_refused(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(2, 5, 16);
    for (int i = 0; i < 5; i++)
        assert_true(take(rl, "cl_a", 1000, NULL));
    uint32_t retry = 0;
    assert_false(take(rl, "cl_a", 1000, &retry)); /* burst + 1 */
    assert_int_equal(retry, 1);
    assert_false(take(rl, "cl_a", 1000, &retry)); /* nothing taken by a refusal */
    yc_ratelimit_free(rl);
}

static void yc_ratelimit_take__refill__one_token_after_exact_ms(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(4, 1, 16); /* one token every 250 ms */
    assert_true(take(rl, "k", 10000, NULL));
    uint32_t retry = 0;
    assert_false(take(rl, "k", 10249, &retry)); /* 249 ms: 996 of 1000 milli-tokens */
    assert_int_equal(retry, 1);
    assert_true(take(rl, "k", 10250, NULL)); /* 250 ms: exactly one token */
    assert_false(take(rl, "k", 10250, NULL));
    assert_false(take(rl, "k", 10499, NULL));
    assert_true(take(rl, "k", 10500, NULL));
    yc_ratelimit_free(rl);
}

static void yc_ratelimit_take__long_idle__refills_to_burst_only(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(3, 3, 16);
    for (int i = 0; i < 3; i++)
        assert_true(take(rl, "k", 0, NULL));
    assert_false(take(rl, "k", 0, NULL));
    /* a day later the bucket holds burst tokens, not a day's worth */
    for (int i = 0; i < 3; i++)
        assert_true(take(rl, "k", 86400000, NULL));
    assert_false(take(rl, "k", 86400000, NULL));
    yc_ratelimit_free(rl);
}

static void yc_ratelimit_take__clock_backwards__no_refill(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(1000, 1, 16);
    assert_true(take(rl, "k", 5000, NULL));
    assert_false(take(rl, "k", 4000, NULL)); /* earlier: no time passed */
    assert_true(take(rl, "k", 5001, NULL));  /* 1 ms at 1000/s: one token */
    yc_ratelimit_free(rl);
}

static void yc_ratelimit_take__retry_after__whole_seconds_rounded_up(void **state)
{
    (void)state;
    /* rate 1/s: an empty bucket needs 1000 ms: retry-after 1; 999 ms later still 1 (1 ms) */
    yc_ratelimit *rl = mk(1, 1, 16);
    uint32_t retry = 0;
    assert_true(take(rl, "k", 0, NULL));
    assert_false(take(rl, "k", 0, &retry));
    assert_int_equal(retry, 1);
    assert_false(take(rl, "k", 999, &retry));
    assert_int_equal(retry, 1);
    assert_true(take(rl, "k", 1000, NULL));
    yc_ratelimit_free(rl);
}

static void yc_ratelimit_take__other_key__unaffected(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(1, 2, 16);
    assert_true(take(rl, "cl_a", 0, NULL));
    assert_true(take(rl, "cl_a", 0, NULL));
    assert_false(take(rl, "cl_a", 0, NULL));
    assert_true(take(rl, "cl_b", 0, NULL));
    assert_true(take(rl, "cl_b", 0, NULL));
    assert_false(take(rl, "cl_b", 0, NULL));
    assert_int_equal(yc_ratelimit_tracked(rl), 2);
    yc_ratelimit_free(rl);
}

/* ---- bounded memory ---- */

static void yc_ratelimit_take__max_keys_plus_one__lru_evicted(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(1, 1, 3); /* one shard of 3 */
    assert_true(take(rl, "a", 10, NULL));
    assert_true(take(rl, "b", 20, NULL));
    assert_true(take(rl, "c", 30, NULL));
    assert_int_equal(yc_ratelimit_tracked(rl), 3); /* at the limit */
    assert_false(take(rl, "b", 40, NULL));         /* b used last now (40) */
    assert_true(take(rl, "d", 50, NULL));          /* one past: a (10) is dropped */
    assert_int_equal(yc_ratelimit_tracked(rl), 3);
    assert_true(take(rl, "a", 60, NULL));  /* a starts again with a full bucket; c (30) goes */
    assert_false(take(rl, "b", 60, NULL)); /* b kept its empty bucket */
    assert_false(take(rl, "d", 60, NULL));
    assert_true(take(rl, "c", 70, NULL)); /* c was dropped: full again */
    yc_ratelimit_free(rl);
}

static void yc_ratelimit_take__many_keys__bounded(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(1, 1, 256); /* 16 shards of 16 */
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
        assert_true(take(rl, key, i, NULL));
    }
    assert_int_equal(yc_ratelimit_tracked(rl), 256); /* every shard full, none over */
    yc_ratelimit_free(rl);
}

static void yc_ratelimit_take__long_key__cut_to_max(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(1, 1, 4);
    char a[100], b[100];
    memset(a, 'x', sizeof a);
    memcpy(b, a, sizeof b);
    b[99] = 'y'; /* differs only past YC_RATELIMIT_KEY_MAX */
    assert_true(yc_ratelimit_take(rl, a, sizeof a, 0, NULL));
    assert_false(yc_ratelimit_take(rl, b, sizeof b, 0, NULL));
    yc_ratelimit_free(rl);
}

/* ---- threads ---- */

typedef struct thr_arg {
    yc_ratelimit *rl;
    int allowed;
} thr_arg;

static void *thr(void *p)
{
    thr_arg *a = p;
    for (int i = 0; i < 1000; i++)
        if (yc_ratelimit_take(a->rl, "shared", 6, 0, NULL))
            a->allowed++;
    return NULL;
}

static void yc_ratelimit_take__threads__exactly_burst_in_total(void **state)
{
    (void)state;
    yc_ratelimit *rl = mk(1, 777, 16);
    pthread_t t[4];
    thr_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (thr_arg){.rl = rl};
        assert_int_equal(pthread_create(&t[i], NULL, thr, &a[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        total += a[i].allowed;
    }
    assert_int_equal(total, 777);
    yc_ratelimit_free(rl);
}

/* ---- config ---- */

static char g_dir[64];

static yc_err load_with(const char *extra, yc_config *cfg, const char **field)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/yc_trl_XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    char path[128];
    snprintf(path, sizeof path, "%s/config.json", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"schema\":\"yrdcredit-config/1\",\"model\":\"m.json\",\"rules\":\"r.json\","
            "\"calendar\":\"c.txt\",\"store\":{\"map_size_mib\":64},"
            "\"import\":{\"batch_records\":10}%s%s}",
            extra[0] != '\0' ? "," : "", extra);
    assert_int_equal(fclose(f), 0);
    yc_err rv = yc_config_load(g_dir, cfg, field);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(g_dir), 0);
    return rv;
}

static void yc_config_load__rate_limit_absent__defaults(void **state)
{
    (void)state;
    yc_config cfg;
    assert_int_equal(load_with("", &cfg, NULL), YC_OK);
    assert_int_equal(cfg.rate_limit.per_client_rps, 200);
    assert_int_equal(cfg.rate_limit.burst, 400);
    assert_int_equal(cfg.rate_limit.verify_per_address_rps, 20);
    assert_int_equal(cfg.rate_limit.verify_burst, 40);
    assert_int_equal(cfg.retention.interval_s, 86400);
}

static void yc_config_load__rate_limit_at_limits__accepted(void **state)
{
    (void)state;
    yc_config cfg;
    assert_int_equal(load_with("\"rate_limit\":{\"per_client_rps\":1000000,\"burst\":1000000,"
                               "\"verify_per_address_rps\":0,\"verify_burst\":1},"
                               "\"retention\":{\"interval_s\":2592000}",
                               &cfg, NULL),
                     YC_OK);
    assert_int_equal(cfg.rate_limit.per_client_rps, 1000000);
    assert_int_equal(cfg.rate_limit.burst, 1000000);
    assert_int_equal(cfg.rate_limit.verify_per_address_rps, 0);
    assert_int_equal(cfg.rate_limit.verify_burst, 1);
    assert_int_equal(cfg.retention.interval_s, 2592000);
    assert_int_equal(load_with("\"retention\":{\"interval_s\":0}", &cfg, NULL), YC_OK);
    assert_int_equal(cfg.retention.interval_s, 0);
}

static void yc_config_load__rate_limit_one_past__invalid_named(void **state)
{
    (void)state;
    static const struct {
        const char *json, *field;
    } bad[] = {
        {"\"rate_limit\":{\"per_client_rps\":1000001}", "rate_limit.per_client_rps"},
        {"\"rate_limit\":{\"burst\":1000001}", "rate_limit.burst"},
        {"\"rate_limit\":{\"burst\":0}", "rate_limit.burst"},
        {"\"rate_limit\":{\"verify_per_address_rps\":1000001}",
         "rate_limit.verify_per_address_rps"},
        {"\"rate_limit\":{\"verify_burst\":0}", "rate_limit.verify_burst"},
        {"\"rate_limit\":{\"per_client_rps\":-1}", "rate_limit.per_client_rps"},
        {"\"rate_limit\":[]", "rate_limit"},
        {"\"retention\":{\"interval_s\":2592001}", "retention.interval_s"},
        {"\"retention\":1", "retention"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_config cfg;
        const char *field = NULL;
        assert_int_equal(load_with(bad[i].json, &cfg, &field), YC_ERR_INVALID);
        assert_non_null(field);
        assert_string_equal(field, bad[i].field);
    }
    yc_config cfg;
    const char *field = NULL;
    assert_int_equal(load_with("\"rate_limit\":{\"rps\":1}", &cfg, &field), YC_ERR_INVALID);
    assert_non_null(field);
    assert_non_null(strstr(field, "rate_limit.rps"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__bad_arguments__invalid),
        cmocka_unit_test(yc_ratelimit_take__null_or_empty_key__allowed_untracked),
        cmocka_unit_test(yc_ratelimit_take__burst__exactly_burst_allowed_then_refused),
        cmocka_unit_test(yc_ratelimit_take__refill__one_token_after_exact_ms),
        cmocka_unit_test(yc_ratelimit_take__long_idle__refills_to_burst_only),
        cmocka_unit_test(yc_ratelimit_take__clock_backwards__no_refill),
        cmocka_unit_test(yc_ratelimit_take__retry_after__whole_seconds_rounded_up),
        cmocka_unit_test(yc_ratelimit_take__other_key__unaffected),
        cmocka_unit_test(yc_ratelimit_take__max_keys_plus_one__lru_evicted),
        cmocka_unit_test(yc_ratelimit_take__many_keys__bounded),
        cmocka_unit_test(yc_ratelimit_take__long_key__cut_to_max),
        cmocka_unit_test(yc_ratelimit_take__threads__exactly_burst_in_total),
        cmocka_unit_test(yc_config_load__rate_limit_absent__defaults),
        cmocka_unit_test(yc_config_load__rate_limit_at_limits__accepted),
        cmocka_unit_test(yc_config_load__rate_limit_one_past__invalid_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
