/* Tests for include/yrdcredit/lists.h (svc/policy/lists.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/lists.h"

static yc_list_rules *g_rules; /* tests/data/policy/lists/good_notice_60.json, notice set to 5 */

static yc_date D(int y, int m, int d)
{
    yc_date r = YC_DATE_NONE;
    assert_int_equal(yc_date_from_ymd(y, m, d, &r), YC_OK);
    return r;
}

static void data_path(char *buf, size_t len, const char *name)
{
    const char *dir = getenv("YC_TEST_DATA");
    assert_non_null(dir);
    snprintf(buf, len, "%s/policy/lists/%s", dir, name);
}

/* A record counting from @p decided until @p end (YC_DATE_NONE or 长期 = open). */
static yc_record rec(uint64_t id, yc_code code, yc_status status, yc_date decided, yc_date end)
{
    yc_record r;
    memset(&r, 0, sizeof r);
    r.record_id = id;
    r.version = 1;
    r.subject_type = YC_SUBJECT_LEGAL_PERSON;
    r.code = code;
    r.status = status;
    r.decision_date = decided;
    r.pub_start = decided;
    r.pub_min_end = YC_DATE_NONE;
    r.pub_max_end = end;
    return r;
}

static size_t derive(const yc_calendar *cal, const yc_record *recs, size_t n, const char *grade,
                     yc_date as_of, yc_listing ret[YC_LIST_COUNT])
{
    size_t got = 99;
    assert_int_equal(yc_lists_derive(g_rules, cal, recs, n, grade, as_of, ret, YC_LIST_COUNT, &got),
                     YC_OK);
    return got;
}

static int group_setup(void **state)
{
    (void)state;
    yc_core_init_json();
    char path[1024];
    data_path(path, sizeof path, "good_notice_60.json");
    char why[YC_LIST_WHY_MAX];
    if (yc_list_rules_load(path, &g_rules, why, sizeof why) != YC_OK)
        return -1;
    if (yc_list_rules_set_notice_working_days(g_rules, 5) != YC_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    yc_list_rules_free(g_rules);
    return 0;
}

/* ---- names and loading ---- */

static void yc_list_name__each_kind__snake_case(void **state)
{
    (void)state;
    assert_string_equal(yc_list_name(YC_LIST_SERIOUS_DISHONESTY), "serious_dishonesty");
    assert_string_equal(yc_list_name(YC_LIST_WATCH), "watch");
    assert_string_equal(yc_list_name(YC_LIST_RED), "red");
    assert_string_equal(yc_list_name(YC_LIST_COUNT), "unknown");
}

static void yc_list_rules_load__shipped_file__loads_with_5_days(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/etc/policy/lists.json", getenv("YC_SOURCE_ROOT"));
    yc_list_rules *r = NULL;
    char why[YC_LIST_WHY_MAX] = "x";
    assert_int_equal(yc_list_rules_load(path, &r, why, sizeof why), YC_OK);
    assert_string_equal(why, "");
    assert_int_equal(yc_list_rules_notice_working_days(r), 5);
    /* one N11 record: a pending serious-dishonesty listing with the file's basis */
    yc_record x = rec(7, YC_CODE_N11, YC_STATUS_ACTIVE, D(2026, 3, 2), D(2028, 3, 2));
    yc_listing l[YC_LIST_COUNT];
    size_t n = 0;
    assert_int_equal(yc_lists_derive(r, NULL, &x, 1, "B", D(2026, 3, 6), l, 3, &n), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(l[0].kind, YC_LIST_SERIOUS_DISHONESTY);
    assert_string_equal(l[0].zh, "严重失信主体名单");
    assert_non_null(strstr(l[0].legal_basis, "国办发〔2020〕49号"));
    assert_int_equal(l[0].effective_from, D(2026, 3, 9));
    assert_true(l[0].pending);
    yc_list_rules_free(r);
}

static void yc_list_rules_load__notice_60__accepted(void **state)
{
    (void)state;
    char path[1024];
    data_path(path, sizeof path, "good_notice_60.json");
    yc_list_rules *r = NULL;
    assert_int_equal(yc_list_rules_load(path, &r, NULL, 0), YC_OK);
    assert_int_equal(yc_list_rules_notice_working_days(r), 60);
    yc_list_rules_free(r);
}

static void yc_list_rules_load__legal_basis_2047_bytes__accepted_and_borrowed(void **state)
{
    (void)state;
    char path[1024];
    data_path(path, sizeof path, "legal_basis_2047.json");
    yc_list_rules *r = NULL;
    assert_int_equal(yc_list_rules_load(path, &r, NULL, 0), YC_OK);
    const yc_record x = rec(3, YC_CODE_N07, YC_STATUS_ACTIVE, D(2025, 1, 1), D(2026, 1, 1));
    yc_listing l[YC_LIST_COUNT];
    size_t n = 0;
    assert_int_equal(yc_lists_derive(r, NULL, &x, 1, NULL, D(2025, 2, 1), l, 3, &n), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(l[0].kind, YC_LIST_WATCH);
    assert_int_equal(strlen(l[0].legal_basis), 2047);
    assert_int_equal(strspn(l[0].legal_basis, "x"), 2047);
    yc_list_rules_free(r);
}

static void yc_list_rules_set_notice_working_days__limit_and_past__60_ok_61_refused(void **state)
{
    (void)state;
    char path[1024];
    data_path(path, sizeof path, "good_notice_60.json");
    yc_list_rules *r = NULL;
    assert_int_equal(yc_list_rules_load(path, &r, NULL, 0), YC_OK);
    assert_int_equal(yc_list_rules_set_notice_working_days(r, 0), YC_OK);
    assert_int_equal(yc_list_rules_notice_working_days(r), 0);
    assert_int_equal(yc_list_rules_set_notice_working_days(r, 60), YC_OK);
    assert_int_equal(yc_list_rules_set_notice_working_days(r, 61), YC_ERR_INVALID);
    assert_int_equal(yc_list_rules_set_notice_working_days(r, -1), YC_ERR_INVALID);
    assert_int_equal(yc_list_rules_notice_working_days(r), 60);
    yc_list_rules_free(r);
}

static const struct {
    const char *file;
    const char *why; /* after "<path>: " */
} bad_files[] = {
    {"notice_61.json", "$.notice_working_days: required integer 0..60"},
    {"bad_format.json", "$.format: must be \"yrdcredit-lists/1\""},
    {"unknown_top_member.json", "$.version: unknown member"},
    {"empty_lists.json", "$.lists: required non-empty array"},
    {"unknown_rule_member.json", "lists[1] (watch).weight: unknown member"},
    {"unknown_list.json", "lists[1].list: unknown list \"black\""},
    {"duplicate_list.json", "lists[1] (serious_dishonesty): list defined twice"},
    {"unknown_code.json", "lists[0] (serious_dishonesty).codes[1]: unknown code"},
    {"positive_code_in_codes.json", "lists[1] (watch).codes[1]: P03 is not a negative (N) code"},
    {"duplicate_code.json", "lists[0] (serious_dishonesty).codes[1]: duplicate code N11"},
    {"empty_codes.json", "lists[1] (watch).codes: must be a non-empty array of codes"},
    {"missing_codes.json", "lists[1] (watch).codes: required"},
    {"empty_legal_basis.json",
     "lists[0] (serious_dishonesty).legal_basis: required non-empty string of at most 2047 "
     "bytes"},
    {"blank_legal_basis.json",
     "lists[2] (red).legal_basis: required non-empty string of at most 2047 bytes"},
    {"missing_legal_basis.json",
     "lists[1] (watch).legal_basis: required non-empty string of at most 2047 bytes"},
    {"legal_basis_2048.json",
     "lists[1] (watch).legal_basis: required non-empty string of at most 2047 bytes"},
    {"empty_zh.json", "lists[1] (watch).zh: required non-empty string of at most 255 bytes"},
    {"red_without_min_grade.json", "lists[2] (red).min_grade: required for the red list"},
    {"red_bad_min_grade.json", "lists[2] (red).min_grade: must be one of A, B, C, D"},
    {"red_without_codes_any.json", "lists[2] (red).codes_any: required for the red list"},
    {"red_negative_in_codes_any.json",
     "lists[2] (red).codes_any[1]: N06 is not a positive (P) code"},
    {"red_without_no_active_negative.json",
     "lists[2] (red).no_active_negative: required for the red list"},
    {"red_no_active_negative_false.json",
     "lists[2] (red).no_active_negative: must be true (a red list never admits an active "
     "negative record)"},
    {"red_with_codes.json", "lists[2] (red).codes: unknown member"},
    {"red_requires_notice.json", "lists[2] (red).requires_notice: unknown member"},
    {"requires_notice_not_bool.json",
     "lists[0] (serious_dishonesty).requires_notice: must be a boolean"},
};

static void yc_list_rules_load__each_bad_file__refused_naming_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        char path[1024], want[2048], why[YC_LIST_WHY_MAX];
        data_path(path, sizeof path, bad_files[i].file);
        snprintf(want, sizeof want, "%s: %s", path, bad_files[i].why);
        yc_list_rules *r = (yc_list_rules *)&why; /* sentinel: must stay untouched */
        print_message("# %s\n", bad_files[i].file);
        assert_int_equal(yc_list_rules_load(path, &r, why, sizeof why), YC_ERR_INVALID);
        assert_string_equal(why, want);
        assert_ptr_equal(r, (yc_list_rules *)&why);
    }
}

static void yc_list_rules_load__duplicate_key__refused_by_jansson(void **state)
{
    (void)state;
    char path[1024], want[2048], why[YC_LIST_WHY_MAX];
    data_path(path, sizeof path, "duplicate_key.json");
    yc_list_rules *r = NULL;
    assert_int_equal(yc_list_rules_load(path, &r, why, sizeof why), YC_ERR_INVALID);
    snprintf(want, sizeof want, "%s: $ (line 1, column 38): duplicate object key near '\"format\"'",
             path);
    assert_string_equal(why, want);
    assert_null(r);
}

static void yc_list_rules_load__missing_file__io_error(void **state)
{
    (void)state;
    char path[1024], want[2048], why[YC_LIST_WHY_MAX];
    data_path(path, sizeof path, "no_such_file.json");
    yc_list_rules *r = NULL;
    assert_int_equal(yc_list_rules_load(path, &r, why, sizeof why), YC_ERR_IO);
    snprintf(want, sizeof want, "%s: I/O error", path);
    assert_string_equal(why, want);
    assert_null(r);
}

static void yc_list_rules_load__alloc_failures__nomem_then_ok(void **state)
{
    (void)state;
    char path[1024];
    data_path(path, sizeof path, "good_notice_60.json");
    for (long n = 0;; n++) {
        assert_true(n <= 10000);
        yc_list_rules *r = NULL;
        yc_alloc_fail_after(n);
        const yc_err rv = yc_list_rules_load(path, &r, NULL, 0);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_true(n >= 8); /* buffer, rules, 3 x (zh, legal_basis) at least */
            yc_list_rules_free(r);
            break;
        }
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_null(r);
    }
}

/* ---- serious dishonesty ---- */

static void yc_lists_derive__serious_mixed_statuses__only_counting_records(void **state)
{
    (void)state;
    const yc_date as_of = D(2025, 7, 1);
    const yc_record r[] = {
        rec(1, YC_CODE_N11, YC_STATUS_ACTIVE, D(2025, 1, 10), D(2027, 1, 10)),
        rec(2, YC_CODE_N12, YC_STATUS_ACTIVE, D(2025, 3, 1), YC_DATE_LONG_TERM),
        rec(3, YC_CODE_N12, YC_STATUS_REPAIRED, D(2024, 1, 1), YC_DATE_LONG_TERM),
        rec(4, YC_CODE_N11, YC_STATUS_REVOKED, D(2024, 1, 1), D(2027, 1, 1)),
        rec(5, YC_CODE_N11, YC_STATUS_EXPIRED, D(2024, 1, 1), D(2027, 1, 1)),
        rec(6, YC_CODE_N11, YC_STATUS_ACTIVE, D(2023, 6, 1), D(2025, 6, 1)), /* window ended */
        rec(7, YC_CODE_N11, YC_STATUS_ACTIVE, D(2025, 7, 2), D(2027, 7, 2)), /* after as_of */
        rec(8, YC_CODE_N11, YC_STATUS_DISPUTED, D(2024, 12, 1), D(2026, 12, 1)),
        rec(9, YC_CODE_N04, YC_STATUS_ACTIVE, D(2024, 1, 1), D(2027, 1, 1)), /* other list */
    };
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, r, 9, "D", as_of, l), 1);
    assert_int_equal(l[0].kind, YC_LIST_SERIOUS_DISHONESTY);
    assert_int_equal(l[0].start, D(2024, 12, 1));
    assert_int_equal(l[0].end, YC_DATE_NONE); /* record 2 is 长期 */
    assert_int_equal(l[0].n_records, 3);
    assert_int_equal(l[0].n_record_ids, 3);
    assert_int_equal(l[0].record_ids[0], 1);
    assert_int_equal(l[0].record_ids[1], 2);
    assert_int_equal(l[0].record_ids[2], 8);
    assert_string_equal(l[0].zh, "严重失信主体名单");
    assert_string_equal(l[0].legal_basis, "国办发〔2020〕49号");
    assert_true(l[0].requires_notice);
    assert_int_equal(l[0].notified_on, D(2024, 12, 1));
    assert_int_equal(l[0].effective_from, D(2024, 12, 6)); /* Sun + 5 working days = Fri */
    assert_false(l[0].pending);

    /* without the 长期 record the end is the latest window end */
    const yc_record r2[] = {r[0], r[7]};
    assert_int_equal(derive(NULL, r2, 2, NULL, as_of, l), 1);
    assert_int_equal(l[0].start, D(2024, 12, 1));
    assert_int_equal(l[0].end, D(2027, 1, 10));
    assert_int_equal(l[0].n_records, 2);
    assert_int_equal(l[0].record_ids[0], 1);
    assert_int_equal(l[0].record_ids[1], 8);
}

static void yc_lists_derive__window_edges__counts_from_decision_until_day_before_end(void **state)
{
    (void)state;
    const yc_record r = rec(5, YC_CODE_N12, YC_STATUS_ACTIVE, D(2025, 1, 6), D(2025, 6, 1));
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, &r, 1, NULL, D(2025, 1, 5), l), 0);
    assert_int_equal(derive(NULL, &r, 1, NULL, D(2025, 1, 6), l), 1);
    assert_int_equal(l[0].start, D(2025, 1, 6));
    assert_int_equal(l[0].end, D(2025, 6, 1));
    assert_true(l[0].pending);
    assert_int_equal(derive(NULL, &r, 1, NULL, D(2025, 5, 31), l), 1);
    assert_int_equal(derive(NULL, &r, 1, NULL, D(2025, 6, 1), l), 0);
}

static void yc_lists_derive__notice_with_holidays_and_workday__exact_effective_from(void **state)
{
    (void)state;
    char path[1024];
    data_path(path, sizeof path, "calendar-notice.txt");
    yc_calendar *cal = NULL;
    int line = 0;
    assert_int_equal(yc_calendar_load(path, &cal, &line), YC_OK);
    /* Mon 2026-03-02 + 5 working days: Tue 03, (Wed 04, Thu 05 holidays), Fri 06, Sat 07
     * (调休 workday), Mon 09, Tue 10 -> effective from Tue 2026-03-10. */
    const yc_record r = rec(11, YC_CODE_N11, YC_STATUS_ACTIVE, D(2026, 3, 2), D(2028, 3, 2));
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(cal, &r, 1, NULL, D(2026, 3, 2), l), 1);
    assert_int_equal(l[0].notified_on, D(2026, 3, 2));
    assert_int_equal(l[0].effective_from, D(2026, 3, 10));
    assert_true(l[0].pending);
    assert_int_equal(derive(cal, &r, 1, NULL, D(2026, 3, 9), l), 1);
    assert_true(l[0].pending);
    assert_int_equal(derive(cal, &r, 1, NULL, D(2026, 3, 10), l), 1);
    assert_int_equal(l[0].effective_from, D(2026, 3, 10));
    assert_false(l[0].pending);
    /* the plain Mon-Fri week gives Mon 2026-03-09 */
    assert_int_equal(derive(NULL, &r, 1, NULL, D(2026, 3, 9), l), 1);
    assert_int_equal(l[0].effective_from, D(2026, 3, 9));
    assert_false(l[0].pending);
    yc_calendar_free(cal);
}

/* ---- watch ---- */

static void yc_lists_derive__watch__n06_n07_without_notice(void **state)
{
    (void)state;
    const yc_record r[] = {
        rec(21, YC_CODE_N07, YC_STATUS_ACTIVE, D(2025, 2, 1), D(2025, 11, 1)),
        rec(22, YC_CODE_N06, YC_STATUS_DISPUTED, D(2025, 4, 15), D(2026, 4, 15)),
        rec(23, YC_CODE_N06, YC_STATUS_REPAIRED, D(2025, 1, 1), D(2026, 1, 1)),
        rec(24, YC_CODE_N03, YC_STATUS_ACTIVE, D(2025, 1, 1), D(2026, 1, 1)),
    };
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, r, 4, "C", D(2025, 6, 30), l), 1);
    assert_int_equal(l[0].kind, YC_LIST_WATCH);
    assert_int_equal(l[0].start, D(2025, 2, 1));
    assert_int_equal(l[0].end, D(2026, 4, 15));
    assert_int_equal(l[0].n_records, 2);
    assert_int_equal(l[0].record_ids[0], 21);
    assert_int_equal(l[0].record_ids[1], 22);
    assert_string_equal(l[0].zh, "重点关注名单");
    assert_string_equal(l[0].legal_basis, "上海市社会信用条例第三十条");
    assert_false(l[0].requires_notice);
    assert_int_equal(l[0].notified_on, YC_DATE_NONE);
    assert_int_equal(l[0].effective_from, YC_DATE_NONE);
    assert_false(l[0].pending);
    /* after N07's window ended only N06 is behind it */
    assert_int_equal(derive(NULL, r, 4, "C", D(2025, 11, 1), l), 1);
    assert_int_equal(l[0].start, D(2025, 4, 15));
    assert_int_equal(l[0].n_records, 1);
    assert_int_equal(l[0].record_ids[0], 22);
}

/* ---- red ---- */

static void yc_lists_derive__red_grade_a_with_p03__listed(void **state)
{
    (void)state;
    const yc_record r[] = {
        rec(31, YC_CODE_P03, YC_STATUS_ACTIVE, D(2025, 4, 1), D(2026, 4, 1)),
        rec(32, YC_CODE_P04, YC_STATUS_ACTIVE, D(2024, 9, 1), YC_DATE_NONE),
        rec(33, YC_CODE_P01, YC_STATUS_ACTIVE, D(2023, 1, 1), YC_DATE_NONE), /* not codes_any */
        rec(34, YC_CODE_N03, YC_STATUS_REPAIRED, D(2025, 1, 1), D(2026, 1, 1)),
    };
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, r, 4, "A", D(2025, 6, 1), l), 1);
    assert_int_equal(l[0].kind, YC_LIST_RED);
    assert_int_equal(l[0].start, D(2024, 9, 1));
    assert_int_equal(l[0].end, YC_DATE_NONE);
    assert_int_equal(l[0].n_records, 2);
    assert_int_equal(l[0].record_ids[0], 31);
    assert_int_equal(l[0].record_ids[1], 32);
    assert_string_equal(l[0].zh, "守信红名单");
    assert_string_equal(l[0].legal_basis, "国发〔2016〕33号");
    assert_false(l[0].requires_notice);
    assert_false(l[0].pending);
    /* only P03: its window end */
    assert_int_equal(derive(NULL, r, 1, "A", D(2025, 6, 1), l), 1);
    assert_int_equal(l[0].start, D(2025, 4, 1));
    assert_int_equal(l[0].end, D(2026, 4, 1));
    /* only P01: no codes_any record */
    assert_int_equal(derive(NULL, &r[2], 1, "A", D(2025, 6, 1), l), 0);
}

static void yc_lists_derive__red_grade_b__not_listed(void **state)
{
    (void)state;
    const yc_record r = rec(31, YC_CODE_P03, YC_STATUS_ACTIVE, D(2025, 4, 1), D(2026, 4, 1));
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, &r, 1, "B", D(2025, 6, 1), l), 0);
    assert_int_equal(derive(NULL, &r, 1, "D", D(2025, 6, 1), l), 0);
}

static void yc_lists_derive__red_individual__never_listed(void **state)
{
    (void)state;
    const yc_record r = rec(31, YC_CODE_P03, YC_STATUS_ACTIVE, D(2025, 4, 1), D(2026, 4, 1));
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, &r, 1, NULL, D(2025, 6, 1), l), 0);
}

static void yc_lists_derive__red_with_active_negative__not_listed(void **state)
{
    (void)state;
    const yc_record r[] = {
        rec(31, YC_CODE_P03, YC_STATUS_ACTIVE, D(2025, 4, 1), D(2026, 4, 1)),
        rec(35, YC_CODE_N02, YC_STATUS_DISPUTED, D(2025, 5, 1), D(2025, 8, 1)),
    };
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, r, 2, "A", D(2025, 6, 1), l), 0);
    /* on the day N02's window ends the conditions hold again: start moves to that day */
    assert_int_equal(derive(NULL, r, 2, "A", D(2025, 8, 1), l), 1);
    assert_int_equal(l[0].kind, YC_LIST_RED);
    assert_int_equal(l[0].start, D(2025, 8, 1));
    assert_int_equal(l[0].end, D(2026, 4, 1));
    assert_int_equal(l[0].n_records, 1);
    assert_int_equal(l[0].record_ids[0], 31);
}

/* ---- arguments and caps ---- */

static void yc_lists_derive__bad_arguments__invalid(void **state)
{
    (void)state;
    yc_listing l[YC_LIST_COUNT];
    size_t n = 77;
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "E", D(2025, 1, 1), l, 3, &n),
                     YC_ERR_INVALID);
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "", D(2025, 1, 1), l, 3, &n),
                     YC_ERR_INVALID);
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "AA", D(2025, 1, 1), l, 3, &n),
                     YC_ERR_INVALID);
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 1, "A", D(2025, 1, 1), l, 3, &n),
                     YC_ERR_INVALID);
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "A", YC_DATE_NONE, l, 3, &n),
                     YC_ERR_INVALID);
    /* issue 5 regression: the date range is 1900-01-01..2099-12-31, before 1970 too */
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "A", YC_DATE_MIN - 1, l, 3, &n),
                     YC_ERR_INVALID);
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "A", YC_DATE_LONG_TERM + 1, l, 3, &n),
                     YC_ERR_INVALID);
    assert_int_equal(n, 77);
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "A", YC_DATE_MIN, l, 3, &n), YC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "A", D(1969, 12, 31), l, 3, &n),
                     YC_OK);
    assert_int_equal(n, 0);
    n = 77;
    assert_int_equal(yc_lists_derive(g_rules, NULL, NULL, 0, "A", D(2025, 1, 1), l, 0, &n), YC_OK);
    assert_int_equal(n, 0);
}

static void yc_lists_derive__listing_cap__at_limit_ok_one_past_too_large(void **state)
{
    (void)state;
    const yc_record r[] = {
        rec(41, YC_CODE_N11, YC_STATUS_ACTIVE, D(2025, 1, 1), D(2027, 1, 1)),
        rec(42, YC_CODE_N06, YC_STATUS_ACTIVE, D(2025, 2, 1), D(2026, 2, 1)),
    };
    yc_listing l[2];
    size_t n = 77;
    assert_int_equal(yc_lists_derive(g_rules, NULL, r, 2, NULL, D(2025, 3, 1), l, 2, &n), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(l[0].kind, YC_LIST_SERIOUS_DISHONESTY);
    assert_int_equal(l[0].record_ids[0], 41);
    assert_int_equal(l[1].kind, YC_LIST_WATCH);
    assert_int_equal(l[1].record_ids[0], 42);
    memset(l, 0xab, sizeof l);
    n = 77;
    assert_int_equal(yc_lists_derive(g_rules, NULL, r, 2, NULL, D(2025, 3, 1), l, 1, &n),
                     YC_ERR_TOO_LARGE);
    assert_int_equal(n, 77);
    const unsigned char *p = (const unsigned char *)l;
    for (size_t i = 0; i < sizeof l; i++)
        assert_int_equal(p[i], 0xab);
}

static void yc_lists_derive__record_ids_cap__16_kept_17th_counted(void **state)
{
    (void)state;
    yc_record r[YC_LIST_RECORD_IDS_MAX + 1];
    for (size_t i = 0; i < YC_LIST_RECORD_IDS_MAX + 1; i++)
        r[i] = rec(100 + i, YC_CODE_N06, YC_STATUS_ACTIVE, D(2025, 1, 1 + (int)i), D(2026, 1, 1));
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, r, YC_LIST_RECORD_IDS_MAX, NULL, D(2025, 3, 1), l), 1);
    assert_int_equal(l[0].n_records, 16);
    assert_int_equal(l[0].n_record_ids, 16);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(l[0].record_ids[i], 100 + i);
    assert_int_equal(derive(NULL, r, YC_LIST_RECORD_IDS_MAX + 1, NULL, D(2025, 3, 1), l), 1);
    assert_int_equal(l[0].n_records, 17);
    assert_int_equal(l[0].n_record_ids, 16);
    assert_int_equal(l[0].record_ids[15], 115);
    assert_int_equal(l[0].start, D(2025, 1, 1));
    assert_int_equal(l[0].end, D(2026, 1, 1));
}

/* ---- yc_list_rules_list_of_code (the accessor shared records use) ---- */

static void yc_list_rules_list_of_code__each_code__its_list_or_false(void **state)
{
    (void)state;
    yc_list_kind k = YC_LIST_COUNT;
    assert_true(yc_list_rules_list_of_code(g_rules, YC_CODE_N11, &k));
    assert_int_equal(k, YC_LIST_SERIOUS_DISHONESTY);
    k = YC_LIST_COUNT;
    assert_true(yc_list_rules_list_of_code(g_rules, YC_CODE_N12, &k));
    assert_int_equal(k, YC_LIST_SERIOUS_DISHONESTY);
    assert_true(yc_list_rules_list_of_code(g_rules, YC_CODE_N06, &k));
    assert_int_equal(k, YC_LIST_WATCH);
    assert_true(yc_list_rules_list_of_code(g_rules, YC_CODE_N07, &k));
    assert_int_equal(k, YC_LIST_WATCH);
    /* red's codes_any are not listing codes; other codes no rule names; out of range; NULL */
    k = YC_LIST_COUNT;
    assert_false(yc_list_rules_list_of_code(g_rules, YC_CODE_P03, &k));
    assert_false(yc_list_rules_list_of_code(g_rules, YC_CODE_P04, &k));
    assert_false(yc_list_rules_list_of_code(g_rules, YC_CODE_N01, &k));
    assert_false(yc_list_rules_list_of_code(g_rules, YC_CODE_B01, &k));
    assert_false(yc_list_rules_list_of_code(g_rules, YC_CODE_COUNT, &k));
    assert_false(yc_list_rules_list_of_code(g_rules, (yc_code)-1, &k));
    assert_int_equal(k, YC_LIST_COUNT); /* untouched on false */
    assert_false(yc_list_rules_list_of_code(NULL, YC_CODE_N11, &k));
    assert_false(yc_list_rules_list_of_code(g_rules, YC_CODE_N11, NULL));
}

/* ---- shared records (issue 5 item 5) and the codes behind a listing ---- */

static void yc_lists_derive__shared_record__no_notice_effective_from_decision(void **state)
{
    (void)state;
    /* a shared N11 decided Monday 2025-01-06: in effect that day, never pending */
    yc_record r = rec(1, YC_CODE_N11, YC_STATUS_ACTIVE, D(2025, 1, 6), YC_DATE_NONE);
    memcpy(r.origin, "310000", 7);
    yc_listing l[YC_LIST_COUNT];
    assert_int_equal(derive(NULL, &r, 1, "D", D(2025, 1, 6), l), 1);
    assert_int_equal(l[0].kind, YC_LIST_SERIOUS_DISHONESTY);
    assert_int_equal(l[0].start, D(2025, 1, 6));
    assert_true(l[0].requires_notice);
    assert_int_equal(l[0].notified_on, YC_DATE_NONE);
    assert_int_equal(l[0].effective_from, D(2025, 1, 6));
    assert_false(l[0].pending);
    /* the same record local: pending for 5 working days (effective Monday 2025-01-13) */
    r.origin[0] = '\0';
    assert_int_equal(derive(NULL, &r, 1, "D", D(2025, 1, 10), l), 1);
    assert_int_equal(l[0].notified_on, D(2025, 1, 6));
    assert_int_equal(l[0].effective_from, D(2025, 1, 13));
    assert_true(l[0].pending);
}

static void yc_lists_derive__local_and_later_shared__shared_ends_the_wait(void **state)
{
    (void)state;
    /* local N12 2025-01-06 (effective 01-13), shared N11 2025-01-08: effective 01-08 */
    yc_record rs[2] = {rec(1, YC_CODE_N12, YC_STATUS_ACTIVE, D(2025, 1, 6), YC_DATE_NONE),
                       rec(2, YC_CODE_N11, YC_STATUS_ACTIVE, D(2025, 1, 8), YC_DATE_NONE)};
    memcpy(rs[1].origin, "330100", 7);
    yc_listing l[YC_LIST_COUNT];
    /* on 01-07 the shared record is not decided yet: the local one alone, pending */
    assert_int_equal(derive(NULL, rs, 2, "D", D(2025, 1, 7), l), 1);
    assert_int_equal(l[0].effective_from, D(2025, 1, 13));
    assert_true(l[0].pending);
    assert_int_equal(l[0].codes, UINT32_C(1) << YC_CODE_N12);
    assert_int_equal(derive(NULL, rs, 2, "D", D(2025, 1, 8), l), 1);
    assert_int_equal(l[0].start, D(2025, 1, 6));
    assert_int_equal(l[0].notified_on, D(2025, 1, 6));
    assert_int_equal(l[0].effective_from, D(2025, 1, 8));
    assert_false(l[0].pending);
    assert_int_equal(l[0].codes, (UINT32_C(1) << YC_CODE_N11) | (UINT32_C(1) << YC_CODE_N12));
    assert_int_equal(l[0].n_records, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yc_list_name__each_kind__snake_case),
        cmocka_unit_test(yc_list_rules_load__shipped_file__loads_with_5_days),
        cmocka_unit_test(yc_list_rules_load__notice_60__accepted),
        cmocka_unit_test(yc_list_rules_load__legal_basis_2047_bytes__accepted_and_borrowed),
        cmocka_unit_test(yc_list_rules_set_notice_working_days__limit_and_past__60_ok_61_refused),
        cmocka_unit_test(yc_list_rules_load__each_bad_file__refused_naming_rule),
        cmocka_unit_test(yc_list_rules_load__duplicate_key__refused_by_jansson),
        cmocka_unit_test(yc_list_rules_load__missing_file__io_error),
        cmocka_unit_test(yc_list_rules_load__alloc_failures__nomem_then_ok),
        cmocka_unit_test(yc_lists_derive__serious_mixed_statuses__only_counting_records),
        cmocka_unit_test(yc_lists_derive__window_edges__counts_from_decision_until_day_before_end),
        cmocka_unit_test(yc_lists_derive__notice_with_holidays_and_workday__exact_effective_from),
        cmocka_unit_test(yc_lists_derive__watch__n06_n07_without_notice),
        cmocka_unit_test(yc_lists_derive__red_grade_a_with_p03__listed),
        cmocka_unit_test(yc_lists_derive__red_grade_b__not_listed),
        cmocka_unit_test(yc_lists_derive__red_individual__never_listed),
        cmocka_unit_test(yc_lists_derive__red_with_active_negative__not_listed),
        cmocka_unit_test(yc_lists_derive__bad_arguments__invalid),
        cmocka_unit_test(yc_lists_derive__listing_cap__at_limit_ok_one_past_too_large),
        cmocka_unit_test(yc_lists_derive__record_ids_cap__16_kept_17th_counted),
        cmocka_unit_test(yc_list_rules_list_of_code__each_code__its_list_or_false),
        cmocka_unit_test(yc_lists_derive__shared_record__no_notice_effective_from_decision),
        cmocka_unit_test(yc_lists_derive__local_and_later_shared__shared_ends_the_wait),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
