/* bench/score: scores every subject of a data directory in key order (one read
 * transaction, one cursor walk) and reports subjects/s on one core.  The anchor, run in
 * the same invocation, is the same walk with a callback that only counts: the cost of
 * reading the facts out of LMDB, which no scoring can beat.
 *
 * usage: bench_score DATA_DIR [AS_OF] [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "yrdcredit/config.h"
#include "yrdcredit/score.h"
#include "yrdcredit/store.h"

typedef struct bench_ctx {
    const yc_model *model;
    yc_date as_of;
    uint64_t subjects, facts;
    int64_t score_sum;
    uint64_t grade_hist[8];
    yc_score_reason reasons[4096];
} bench_ctx;

static yc_err count_only(void *ctx, const char *subject_id, yc_subject_type t, const yc_fact *facts,
                         size_t n)
{
    bench_ctx *b = ctx;
    (void)subject_id;
    (void)t;
    b->subjects++;
    b->facts += n;
    b->score_sum += facts[n - 1].decision_date; /* touch the decoded data */
    return YC_OK;
}

static yc_err score_one(void *ctx, const char *subject_id, yc_subject_type t, const yc_fact *facts,
                        size_t n)
{
    bench_ctx *b = ctx;
    (void)subject_id;
    yc_score_result res;
    yc_err rv = yc_score_compute(b->model, t, facts, n, b->as_of, b->reasons,
                                 sizeof b->reasons / sizeof *b->reasons, &res);
    if (rv != YC_OK)
        return rv;
    b->subjects++;
    b->facts += n;
    b->score_sum += res.score;
    b->grade_hist[res.rating_index & 7]++;
    return YC_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run(yc_store *st, yc_store_walk_fn fn, bench_ctx *b)
{
    b->subjects = b->facts = 0;
    b->score_sum = 0;
    double t0 = now_s();
    yc_err rv = yc_store_walk(st, fn, b);
    double t = now_s() - t0;
    if (rv != YC_OK) {
        fprintf(stderr, "walk failed: %s\n", yc_err_str(rv));
        exit(1);
    }
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: bench_score DATA_DIR [AS_OF] [ROUNDS]\n", stderr);
        return 2;
    }
    yc_config cfg;
    const char *field = NULL;
    yc_model *model = NULL;
    yc_store *st = NULL;
    static bench_ctx b;
    char errpath[YC_MODEL_ERRPATH_MAX];
    if (yc_config_load(argv[1], &cfg, &field) != YC_OK ||
        yc_model_load(cfg.model_path, &model, errpath, sizeof errpath) != YC_OK ||
        yc_store_open(argv[1], NULL, &st) != YC_OK) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    b.model = model;
    b.as_of = yc_date_today_shanghai();
    if (argc > 2 && yc_date_parse_iso(argv[2], &b.as_of) != YC_OK) {
        fprintf(stderr, "bad AS_OF\n");
        return 2;
    }
    const int rounds = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 3;
    double best_walk = 1e9, best_score = 1e9;
    for (int r = 0; r < rounds; r++) {
        double tw = run(st, count_only, &b);
        best_walk = tw < best_walk ? tw : best_walk;
        double ts = run(st, score_one, &b);
        best_score = ts < best_score ? ts : best_score;
    }
    printf("subjects %llu, facts %llu, mean score %.1f\n", (unsigned long long)b.subjects,
           (unsigned long long)b.facts, (double)b.score_sum / (double)b.subjects);
    printf("rating histogram (lowest level first):");
    for (int i = 0; i < 5; i++)
        printf(" %llu", (unsigned long long)(b.grade_hist[i] / (unsigned long long)rounds));
    printf("\n");
    printf("anchor  walk only : %10.0f subjects/s (%.3f s)\n", (double)b.subjects / best_walk,
           best_walk);
    printf("score   walk+score: %10.0f subjects/s (%.3f s)  = %.2f x anchor time\n",
           (double)b.subjects / best_score, best_score, best_score / best_walk);
    yc_store_close(st);
    yc_model_free(model);
    return 0;
}
