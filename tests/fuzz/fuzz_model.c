/* Fuzz target: the score model loader over arbitrary bytes (untrusted: a data dir's model file).
 * Target functions: yc_model_load_bytes(); for inputs that load, yc_score_compute() and
 * yc_score_result_to_json() over a fixed set of facts, so model values reach the arithmetic.
 * Deterministic: no clock, no randomness. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const yc_model *m)
{
    static const char authority[] = "义乌市市场监督管理局";
    /* 2024-01-10 = day 19732; one fact of every code, fading or not, with an amount */
    yc_fact facts[YC_CODE_COUNT];
    for (int c = 0; c < YC_CODE_COUNT; c++) {
        const yc_date decided = 19732 - 40 * c;
        int lo = 0, hi = 0;
        if (yc_model_window_months(m, (yc_code)c, &lo, &hi) != YC_OK) {
            lo = 0;
            hi = 36;
        }
        facts[c] = (yc_fact){.record_id = (uint64_t)c + 1,
                             .code = (yc_code)c,
                             .status = c % 5 == 0 ? YC_STATUS_DISPUTED : YC_STATUS_ACTIVE,
                             .decision_date = decided,
                             .pub_min_end = yc_date_add_months(decided, lo),
                             .pub_max_end = yc_date_add_months(decided, hi),
                             .has_amount = c % 2 == 0,
                             .amount = (yc_amount)c * 700000,
                             .authority = authority,
                             .authority_len = sizeof authority - 1};
    }
    static const yc_subject_type types[] = {YC_SUBJECT_LEGAL_PERSON, YC_SUBJECT_NATURAL_PERSON};
    for (size_t t = 0; t < 2; t++) {
        yc_score_reason reasons[YC_CODE_COUNT];
        yc_score_result r;
        if (yc_score_compute(m, types[t], facts, YC_CODE_COUNT, 19875, reasons, YC_CODE_COUNT,
                             &r) != YC_OK)
            abort(); /* valid facts: must not fail for any model that loaded */
        static char json[YC_SCORE_JSON_BASE_MAX + YC_CODE_COUNT * YC_SCORE_JSON_REASON_MAX];
        if (yc_score_result_to_json(m, "91330100716105852F", &r, json, sizeof json, NULL) != YC_OK)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yc_model *m = NULL;
    char errpath[YC_MODEL_ERRPATH_MAX];
    const yc_err rc = yc_model_load_bytes(data, size, &m, errpath, sizeof errpath);
    if (rc == YC_OK) {
        exercise(m);
        yc_model_free(m);
    } else if (memchr(errpath, '\0', sizeof errpath) == NULL) {
        abort(); /* the error path must always be NUL-terminated */
    }
    return 0;
}
