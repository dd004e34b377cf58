/* Fuzz target: the policy loaders (untrusted: files an operator edits, re-read on
 * `yrdcredit policy reload`) on arbitrary bytes.
 *
 * Target Functions: yc_list_rules_load (lists.json), yc_catalogue_load (measures/<region>.json),
 * yc_recognition_load (recognition.json), yc_calendar_load (calendar.txt), yc_rules_load
 * (rules/penalty-categories.json); on success the cheap readers of each (yc_catalogue_count,
 * yc_recognition_rule_count and yc_recognition_lookup, yc_list_rules_notice_working_days and
 * yc_list_rules_list_of_code, yc_calendar_is_working_day and yc_calendar_add_working_days).
 *
 * Input: the first byte selects the loader (byte % 5: 0 lists, 1 measures, 2 recognition,
 * 3 calendar, 4 penalty rules; for measures (byte / 5) % 3 picks the file name 310000.json,
 * 330100.json or 330782.json, which the region inside must match); the rest is the file.  Besides
 * memory errors it checks that each loader returns only its documented errors and that a rejection
 * always says why. Corpus: tests/fuzz/corpus/policy/ (etc/policy/ files, etc/calendar.txt,
 * etc/rules/ files, each prefixed with its selector byte).  Replayed by tests/fuzz/replay_main.c in
 * normal builds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpfile.h"
#include "yrdcredit/date.h"
#include "yrdcredit/import.h"
#include "yrdcredit/lists.h"
#include "yrdcredit/measures.h"
#include "yrdcredit/recognition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool cond)
{
    if (!cond)
        abort();
}

static bool documented(yc_err rv)
{
    return rv == YC_OK || rv == YC_ERR_INVALID || rv == YC_ERR_TOO_LARGE || rv == YC_ERR_NOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const unsigned sel = data[0] % 5u;
    /* a catalogue's region must match its file name: (byte / 5) % 3 picks one */
    static const char *const catalogue_names[] = {"310000.json", "330100.json", "330782.json"};
    const char *name = sel == 1 ? catalogue_names[data[0] / 5u % 3u] : "input";
    const char *path = fuzz_tmp_write(name, data + 1, size - 1);
    char why[512];
    why[0] = '\0';
    yc_err rv;
    switch (sel) {
    case 0: {
        yc_list_rules *r = NULL;
        rv = yc_list_rules_load(path, &r, why, sizeof why);
        if (rv == YC_OK) {
            const int d = yc_list_rules_notice_working_days(r);
            require(d >= 0);
            yc_list_kind k;
            for (int c = 0; c < YC_CODE_COUNT; c++)
                (void)yc_list_rules_list_of_code(r, (yc_code)c, &k);
        }
        yc_list_rules_free(r);
        break;
    }
    case 1: {
        yc_catalogue *c = NULL;
        rv = yc_catalogue_load(path, &c, why, sizeof why);
        if (rv == YC_OK)
            (void)yc_catalogue_count(c);
        yc_catalogue_free(c);
        break;
    }
    case 2: {
        yc_recognition *r = NULL;
        rv = yc_recognition_load(path, &r, why, sizeof why);
        if (rv == YC_OK) {
            (void)yc_recognition_rule_count(r);
            yc_recognition_result res;
            const yc_err lv =
                yc_recognition_lookup(r, "330782", "310000", "M01", "A", NULL, 30, &res);
            require(lv == YC_OK);
            (void)yc_recognition_result_has_vct(&res, "https://credit.yrd.example/vct/merchant");
            require(yc_recognition_lookup(r, "330782", "310000", "M01", NULL, "B1", 400, &res) ==
                    YC_OK);
        }
        yc_recognition_free(r);
        break;
    }
    case 3: {
        yc_calendar *cal = NULL;
        int line = 0;
        rv = yc_calendar_load(path, &cal, &line);
        if (rv == YC_OK) {
            (void)yc_calendar_is_working_day(cal, 19732);
            (void)yc_calendar_add_working_days(cal, 19732, 20);
        } else if (rv == YC_ERR_INVALID) {
            require(line >= 1);
            why[0] = 'x';
        }
        yc_calendar_free(cal);
        break;
    }
    default: {
        yc_rules *r = NULL;
        rv = yc_rules_load(path, &r, why, sizeof why);
        yc_rules_free(r);
        break;
    }
    }
    require(documented(rv));
    if (rv == YC_ERR_INVALID)
        require(why[0] != '\0');
    return 0;
}
