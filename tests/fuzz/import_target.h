/* Shared body of the import fuzz targets (fuzz_csv.c, fuzz_jsonl.c): each defines
 * FUZZ_IMPORT_NAME (the file name the importer sees) and includes this file once. */
#ifndef FUZZ_IMPORT_NAME
#error "define FUZZ_IMPORT_NAME before including import_target.h"
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A compact copy of etc/rules/penalty-categories.json, used when YC_SOURCE_ROOT is unset. */
static const char FALLBACK_RULES[] =
    "{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"N01\",\"N02\",\"N03\",\"N05\","
    "\"N04\"],\"categories\":{\"警告\":[],\"通报批评\":[],\"罚款\":[],"
    "\"没收违法所得、没收非法财物\":"
    "[\"没收违法所得\",\"没收非法财物\"],\"吊销许可证件\":[\"吊销营业执照\"],\"其他\":[]},"
    "\"legacy_codes\":{\"0\":\"警告\",\"1\":\"罚款\",\"6\":\"其他\"},\"rules\":["
    "{\"categories\":[\"吊销许可证件\"],\"code\":\"N04\"},{\"categories\":[\"警告\"],\"code\":"
    "\"N01\"},"
    "{\"violation_type_contains\":[\"安全生产\",\"消防\"],\"code\":\"N05\"},"
    "{\"categories\":[\"罚款\"],\"fine_below\":\"5\",\"code\":\"N02\"},"
    "{\"categories\":[\"罚款\"],\"fine_at_least\":\"100\",\"code\":\"N04\"},{\"code\":\"N03\"}]}";

static yc_rules *rules(void)
{
    static yc_rules *r;
    if (r != NULL)
        return r;
    const char *root = getenv("YC_SOURCE_ROOT");
    if (root != NULL) {
        char path[4096];
        snprintf(path, sizeof path, "%s/etc/rules/penalty-categories.json", root);
        if (yc_rules_load(path, &r, NULL, 0) == YC_OK)
            return r;
    }
    if (yc_rules_parse(FALLBACK_RULES, strlen(FALLBACK_RULES), &r, NULL, 0) != YC_OK)
        abort();
    return r;
}

static yc_err sink_batch(void *ctx, yc_record *recs, size_t n)
{
    size_t *count = ctx;
    for (size_t i = 0; i < n; i++)
        if (recs[i].code >= YC_CODE_COUNT || recs[i].pub_min_end > recs[i].pub_max_end)
            abort(); /* invariants of every delivered record */
    *count += n;
    return YC_OK;
}

static void sink_reject(void *ctx, const yc_reject *r)
{
    (void)ctx;
    if (r->row < 1 || r->field == NULL || r->reason == NULL || r->reason[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const yc_window windows[YC_CODE_COUNT] = {
        [YC_CODE_P01] = {36, 36}, [YC_CODE_N01] = {0, 3},   [YC_CODE_N02] = {3, 3},
        [YC_CODE_N03] = {3, 12},  [YC_CODE_N04] = {12, 36}, [YC_CODE_N05] = {12, 36},
        [YC_CODE_N11] = {24, 24}, [YC_CODE_N13] = {60, 60}};
    static const char *const encodings[] = {NULL, "UTF-8", "GB18030", NULL};
    if (size == 0)
        return 0;
    yc_date today;
    if (yc_date_from_ymd(2026, 10, 31, &today) != YC_OK)
        abort();
    size_t count = 0;
    const yc_import_opts opts = {.encoding = encodings[data[0] & 3],
                                 .atomic = (data[0] & 4) != 0,
                                 .today = today,
                                 .windows = windows,
                                 .rules = rules(),
                                 .batch_size = (data[0] & 8) ? 1 : 0,
                                 .on_batch = sink_batch,
                                 .on_reject = sink_reject,
                                 .ctx = &count};
    yc_import_stats st;
    yc_err rv = yc_import_buffer(FUZZ_IMPORT_NAME, data + 1, size - 1, &opts, &st);
    if (rv == YC_OK && st.accepted != count)
        abort();
    return 0;
}
