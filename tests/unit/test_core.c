/* Tests for svc/core: include/yrdcredit/err.h and include/yrdcredit/date.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/config.h"
#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/fileio.h"

/* ---- helpers ---- */

static yc_date ymd(int y, int m, int d)
{
    yc_date date = YC_DATE_NONE;
    assert_int_equal(yc_date_from_ymd(y, m, d, &date), YC_OK);
    return date;
}

static yc_err parse(const char *s, yc_date *ret)
{
    return yc_date_parse(s, strlen(s), ret);
}

/* Macros, not functions, so that a failure names the caller's line. */
#define assert_parses_to(s, y, m, d)                \
    do {                                            \
        yc_date got_ = YC_DATE_NONE;                \
        assert_int_equal(parse((s), &got_), YC_OK); \
        assert_int_equal(got_, ymd((y), (m), (d))); \
    } while (0)

#define assert_parse_fails(s)                                \
    do {                                                     \
        yc_date got_ = 12345;                                \
        assert_int_equal(parse((s), &got_), YC_ERR_INVALID); \
        assert_int_equal(got_, 12345); /* untouched */       \
    } while (0)

static void format_date(yc_date d, char buf[YC_DATE_STR_LEN + 1])
{
    yc_date_format(d, buf);
}

static void data_path(const char *name, char *buf, size_t cap)
{
    const char *dir = getenv("YC_TEST_DATA");
    assert_non_null(dir);
    const int n = snprintf(buf, cap, "%s/core/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static yc_calendar *load_ok(const char *path)
{
    yc_calendar *cal = NULL;
    int line = -1;
    assert_int_equal(yc_calendar_load(path, &cal, &line), YC_OK);
    assert_non_null(cal);
    return cal;
}

static int load_bad_line(const char *name)
{
    char path[4096];
    data_path(name, path, sizeof path);
    yc_calendar *cal = (yc_calendar *)(uintptr_t)1; /* must stay untouched */
    int line = -1;
    assert_int_equal(yc_calendar_load(path, &cal, &line), YC_ERR_INVALID);
    assert_ptr_equal(cal, (yc_calendar *)(uintptr_t)1);
    return line;
}

static yc_err amount(const char *s, yc_amount *ret)
{
    return yc_amount_parse(s, strlen(s), ret);
}

/* ---- safety ---- */

static void safety__date_parse_empty__fails_invalid(void **state)
{
    (void)state;
    yc_date d = 7;
    assert_int_equal(yc_date_parse("", 0, &d), YC_ERR_INVALID);
    assert_int_equal(yc_date_parse("2023-04-05", 0, &d), YC_ERR_INVALID);
    assert_int_equal(yc_date_parse_iso("", &d), YC_ERR_INVALID);
    assert_int_equal(d, 7);
}

static void safety__date_parse_reads_only_len_bytes__prefix_parsed(void **state)
{
    (void)state;
    yc_date d = 0;
    /* "2023-04-05X" with len 10: the X is outside the input */
    assert_int_equal(yc_date_parse("2023-04-05X", 10, &d), YC_OK);
    assert_int_equal(d, ymd(2023, 4, 5));
    assert_int_equal(yc_date_parse("2023-04-05", 9, &d), YC_ERR_INVALID);
}

static void safety__date_range_limits__1900_and_2099_only(void **state)
{
    (void)state;
    yc_date d = 0;
    assert_int_equal(yc_date_from_ymd(1900, 1, 1, &d), YC_OK);
    assert_int_equal(d, -25567); /* 70 years, 17 of them leap: 70*365+17 days before 1970 */
    assert_int_equal(yc_date_from_ymd(2099, 12, 31, &d), YC_OK);
    assert_int_equal(d, YC_DATE_LONG_TERM);
    assert_int_equal(yc_date_from_ymd(1899, 12, 31, &d), YC_ERR_INVALID);
    assert_int_equal(yc_date_from_ymd(2100, 1, 1, &d), YC_ERR_INVALID);
    assert_parse_fails("1899-12-31");
    assert_parse_fails("2100-01-01");
    assert_parses_to("1900-01-01", 1900, 1, 1);
}

static void safety__amount_empty_and_spaces__fail_invalid(void **state)
{
    (void)state;
    yc_amount a = 99;
    assert_int_equal(yc_amount_parse("", 0, &a), YC_ERR_INVALID);
    assert_int_equal(amount("   ", &a), YC_ERR_INVALID);
    assert_int_equal(yc_amount_parse("12", 0, &a), YC_ERR_INVALID);
    assert_int_equal(a, 99);
}

static void safety__amount_max_and_max_plus_one__exact(void **state)
{
    (void)state;
    yc_amount a = 0;
    assert_int_equal(amount("1000000000", &a), YC_OK);
    assert_int_equal(a, YC_AMOUNT_MAX);
    assert_int_equal(amount("1000000000.000000", &a), YC_OK);
    assert_int_equal(a, YC_AMOUNT_MAX);
    a = 5;
    assert_int_equal(amount("1000000000.000001", &a), YC_ERR_INVALID);
    assert_int_equal(amount("1000000001", &a), YC_ERR_INVALID);
    assert_int_equal(amount("99999999999999999999999", &a), YC_ERR_INVALID); /* no overflow */
    assert_int_equal(a, 5);
    char buf[YC_AMOUNT_STR_MAX + 1];
    yc_amount_format(YC_AMOUNT_MAX, buf);
    assert_string_equal(buf, "1000000000");
    yc_amount_format(YC_AMOUNT_MAX - 1, buf);
    assert_string_equal(buf, "999999999.999999");
}

static void safety__calendar_missing_file__fails_io(void **state)
{
    (void)state;
    char path[4096];
    data_path("no_such_calendar.txt", path, sizeof path);
    yc_calendar *cal = NULL;
    int line = -1;
    assert_int_equal(yc_calendar_load(path, &cal, &line), YC_ERR_IO);
    assert_null(cal);
    yc_calendar_free(NULL); /* accepted, no-op */
}

/* ---- err.h ---- */

static void err_str__every_code__table_text(void **state)
{
    (void)state;
    assert_string_equal(yc_err_str(YC_OK), "ok");
    assert_string_equal(yc_err_str(YC_ERR_INVALID), "invalid argument or request");
    assert_string_equal(yc_err_str(YC_ERR_NOT_FOUND), "not found");
    assert_string_equal(yc_err_str(YC_ERR_CONFLICT), "already exists");
    assert_string_equal(yc_err_str(YC_ERR_TOO_LARGE), "exceeds configured limit");
    assert_string_equal(yc_err_str(YC_ERR_AUTH), "authentication failed");
    assert_string_equal(yc_err_str(YC_ERR_AGAIN), "temporarily unavailable");
    assert_string_equal(yc_err_str(YC_ERR_PROTO), "protocol violation");
    assert_string_equal(yc_err_str(YC_ERR_IO), "I/O error");
    assert_string_equal(yc_err_str(YC_ERR_STORE), "storage error");
    assert_string_equal(yc_err_str(YC_ERR_NOMEM), "out of memory");
    assert_string_equal(yc_err_str(YC_ERR_INTERNAL), "internal error");
    assert_string_equal(yc_err_str(YC_ERR_FULL), "storage full (map or disk)");
    assert_string_equal(yc_err_str((yc_err)-99), "unknown error");
    assert_string_equal(yc_err_str((yc_err)1), "unknown error");
}

static void err_http_status__every_code__table_status(void **state)
{
    (void)state;
    static const struct {
        yc_err e;
        int http;
        int exit_code;
    } want[] = {
        {YC_OK, 200, 0},           {YC_ERR_INVALID, 400, 2},   {YC_ERR_NOT_FOUND, 404, 3},
        {YC_ERR_CONFLICT, 409, 5}, {YC_ERR_TOO_LARGE, 413, 2}, {YC_ERR_AUTH, 401, 5},
        {YC_ERR_AGAIN, 503, 5},    {YC_ERR_PROTO, 400, 2},     {YC_ERR_IO, 500, 4},
        {YC_ERR_STORE, 500, 4},    {YC_ERR_NOMEM, 503, 5},     {YC_ERR_INTERNAL, 500, 5},
        {YC_ERR_FULL, 507, 4},     {(yc_err)-99, 500, 5},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(yc_err_http_status(want[i].e), want[i].http);
        assert_int_equal(yc_err_exit_code(want[i].e), want[i].exit_code);
    }
}

static yc_err ensure_positive(int x)
{
    YC_ENSURE(x > 0, YC_ERR_TOO_LARGE);
    return YC_OK;
}

static yc_err try_twice(int a, int b, int *ret_steps)
{
    *ret_steps = 0;
    YC_TRY(ensure_positive(a));
    (*ret_steps)++;
    YC_TRY(ensure_positive(b));
    (*ret_steps)++;
    return YC_OK;
}

static void err_macros__try_and_ensure__propagate_first_failure(void **state)
{
    (void)state;
    int steps = -1;
    assert_int_equal(try_twice(1, 1, &steps), YC_OK);
    assert_int_equal(steps, 2);
    assert_int_equal(try_twice(1, 0, &steps), YC_ERR_TOO_LARGE);
    assert_int_equal(steps, 1);
    assert_int_equal(try_twice(0, 1, &steps), YC_ERR_TOO_LARGE);
    assert_int_equal(steps, 0);
}

/* ---- dates: parsing ---- */

static void date_parse__every_published_form__same_date(void **state)
{
    (void)state;
    assert_parses_to("2023-04-05", 2023, 4, 5);
    assert_parses_to("2023/04/05", 2023, 4, 5);
    assert_parses_to("2023/4/5", 2023, 4, 5);
    assert_parses_to("2023/4/05", 2023, 4, 5);
    assert_parses_to("2023/04/5", 2023, 4, 5);
    assert_parses_to("2023/12/31", 2023, 12, 31);
    assert_parses_to("2023/1/10", 2023, 1, 10);
    assert_parses_to("20230405", 2023, 4, 5);
    assert_parses_to("2023-04-05 00:00:00", 2023, 4, 5);
    assert_parses_to("2023/4/5 00:00:00", 2023, 4, 5);
    assert_parses_to("20230405 23:59:59", 2023, 4, 5);
    assert_parses_to("2023-04-05 00:00", 2023, 4, 5);
    assert_parses_to("2023-04-05 00:00:00.0", 2023, 4, 5);
    assert_parses_to("2023-04-05 12:30:45.123456789", 2023, 4, 5);
    assert_parses_to("2099/12/31", 2099, 12, 31);
}

static void date_parse__8_char_slash_form__parsed_as_y_m_d(void **state)
{
    (void)state;
    /* regression: an 8-character string was always taken as YYYYMMDD */
    assert_parses_to("2023/1/1", 2023, 1, 1);
    assert_parses_to("2024/2/9", 2024, 2, 9);
}

static void date_parse__impossible_dates__fail_invalid(void **state)
{
    (void)state;
    assert_parse_fails("2023-02-29");
    assert_parse_fails("2023-13-01");
    assert_parse_fails("2023-04-31");
    assert_parse_fails("2023-00-10");
    assert_parse_fails("2023-01-00");
    assert_parse_fails("20230229");
    assert_parse_fails("2023/2/29");
    assert_parse_fails("20231301");
    assert_parses_to("2024-02-29", 2024, 2, 29);
    assert_parses_to("2000-02-29", 2000, 2, 29);
    assert_parse_fails("1900-02-29");
}

static void date_parse__malformed_shapes__fail_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2023-4-5",
        "2023-04-5",
        "2023.04.05",
        "2023-04/05",
        "23-04-05",
        "2023-04-05T00:00:00",
        "2023-04-05 ",
        "2023-04-05 junk",
        "2023-04-05 24:00",
        "2023-04-05 12:60",
        "2023-04-05 1:00",
        "2023-04-05 00:00:00.",
        "2023-04-05 00:00:60",
        " 2023-04-05",
        "2023/04/005",
        "+2023-04-05",
        "2023-04-05  00:00:00",
        "2023040",
        "202304051",
        "2023-004-05",
        "２０２３-04-05",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_parse_fails(bad[i]);
}

static void date_parse_iso__only_dashes__strict(void **state)
{
    (void)state;
    yc_date d = 0;
    assert_int_equal(yc_date_parse_iso("2025-06-15", &d), YC_OK);
    assert_int_equal(d, ymd(2025, 6, 15));
    assert_int_equal(yc_date_parse_iso("2025/06/15", &d), YC_ERR_INVALID);
    assert_int_equal(yc_date_parse_iso("20250615", &d), YC_ERR_INVALID);
    assert_int_equal(yc_date_parse_iso("2025-6-15", &d), YC_ERR_INVALID);
    assert_int_equal(yc_date_parse_iso("2025-06-15 00:00:00", &d), YC_ERR_INVALID);
}

static void date_long_term__constant__is_2099_12_31(void **state)
{
    (void)state;
    assert_int_equal(YC_DATE_LONG_TERM, ymd(2099, 12, 31));
    yc_date d = 0;
    assert_int_equal(parse("2099/12/31", &d), YC_OK);
    assert_int_equal(d, YC_DATE_LONG_TERM);
    char buf[YC_DATE_STR_LEN + 1];
    format_date(YC_DATE_LONG_TERM, buf);
    assert_string_equal(buf, "2099-12-31");
}

static void date_format_and_to_ymd__round_trip__every_day_1900_to_2099(void **state)
{
    (void)state;
    /* walks every day: the day count rises by one and the fields step like a calendar */
    int y = 1900, m = 1, d = 1, days = 0;
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (yc_date date = ymd(1900, 1, 1); date <= YC_DATE_LONG_TERM; date++, days++) {
        int gy, gm, gd;
        yc_date_to_ymd(date, &gy, &gm, &gd);
        assert_int_equal(gy, y);
        assert_int_equal(gm, m);
        assert_int_equal(gd, d);
        const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (++d > dim[m - 1] + (m == 2 && leap)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    /* 200 years with 49 leap years: 1904, 1908, ..., 2096 (1900 is not leap, 2000 is) */
    assert_int_equal(days, 200 * 365 + 49);
    assert_int_equal(days, YC_DATE_LONG_TERM - ymd(1900, 1, 1) + 1);
    char buf[YC_DATE_STR_LEN + 1];
    format_date(ymd(1900, 1, 1), buf);
    assert_string_equal(buf, "1900-01-01");
    format_date(ymd(2024, 2, 29), buf);
    assert_string_equal(buf, "2024-02-29");
    format_date(0, buf);
    assert_string_equal(buf, "1970-01-01");
}

/* ---- dates: arithmetic ---- */

static void date_add_months__clamps_to_month_end__exact(void **state)
{
    (void)state;
    static const struct {
        int y, m, d, months, wy, wm, wd;
    } cases[] = {
        {2024, 1, 31, 1, 2024, 2, 29},  /* leap February */
        {2023, 1, 31, 1, 2023, 2, 28},  /* common February */
        {2024, 3, 31, -1, 2024, 2, 29}, /* backwards, clamped */
        {2024, 3, 15, -1, 2024, 2, 15},
        {2024, 1, 15, -1, 2023, 12, 15}, /* across a year backwards */
        {2024, 2, 29, 12, 2025, 2, 28},  /* +12: next year has no Feb 29 */
        {2023, 5, 31, 12, 2024, 5, 31},
        {2024, 8, 31, 1, 2024, 9, 30},
        {2024, 12, 31, 2, 2025, 2, 28},
        {2024, 5, 31, -13, 2023, 4, 30},
        {2025, 3, 2, 36, 2028, 3, 2}, /* a 3-year maximum publication window */
        {2025, 3, 2, 0, 2025, 3, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const yc_date got =
            yc_date_add_months(ymd(cases[i].y, cases[i].m, cases[i].d), cases[i].months);
        assert_int_equal(got, ymd(cases[i].wy, cases[i].wm, cases[i].wd));
    }
}

static void date_weekday__known_dates__iso_numbers(void **state)
{
    (void)state;
    assert_int_equal(yc_date_weekday(0), 4);                 /* 1970-01-01 Thursday */
    assert_int_equal(yc_date_weekday(-1), 3);                /* 1969-12-31 Wednesday */
    assert_int_equal(yc_date_weekday(ymd(1900, 1, 1)), 1);   /* Monday */
    assert_int_equal(yc_date_weekday(ymd(2000, 1, 1)), 6);   /* Saturday */
    assert_int_equal(yc_date_weekday(ymd(2024, 2, 29)), 4);  /* Thursday */
    assert_int_equal(yc_date_weekday(ymd(2025, 1, 1)), 3);   /* 元旦 2025 周三 */
    assert_int_equal(yc_date_weekday(ymd(2025, 1, 26)), 7);  /* 调休 Sunday */
    assert_int_equal(yc_date_weekday(ymd(2026, 2, 15)), 7);  /* 春节 2026 starts 周日 */
    assert_int_equal(yc_date_weekday(ymd(2099, 12, 31)), 4); /* Thursday */
}

static void date_from_unix_ms__shanghai_midnight__exact(void **state)
{
    (void)state;
    /* 16:00:00Z is 00:00 in Shanghai (UTC+8) */
    assert_int_equal(yc_date_from_unix_ms(0), 0);
    assert_int_equal(yc_date_from_unix_ms(57599999), 0);
    assert_int_equal(yc_date_from_unix_ms(57600000), 1);
    /* 2025-06-14T16:00:00Z = 1749916800 s is 2025-06-15 00:00 CST */
    assert_int_equal(yc_date_from_unix_ms(INT64_C(1749916800000)), ymd(2025, 6, 15));
    assert_int_equal(yc_date_from_unix_ms(INT64_C(1749916799999)), ymd(2025, 6, 14));
    /* regression: before the epoch, the last millisecond of a day stays in it */
    assert_int_equal(yc_date_from_unix_ms(-28800000), 0);
    assert_int_equal(yc_date_from_unix_ms(-28800001), -1);
    assert_int_equal(yc_date_from_unix_ms(-28801000), -1);
}

static void date_today_shanghai__clock__between_two_readings(void **state)
{
    (void)state;
    const int64_t before = yc_clock_now_ms();
    const yc_date today = yc_date_today_shanghai();
    const int64_t after = yc_clock_now_ms();
    assert_true(before > INT64_C(1704067200000)); /* after 2024-01-01: the clock is sane */
    assert_true(after >= before);
    assert_true(today >= yc_date_from_unix_ms(before));
    assert_true(today <= yc_date_from_unix_ms(after));
}

/* ---- calendar ---- */

static void calendar_load__good_file__entries_applied(void **state)
{
    (void)state;
    char path[4096];
    data_path("calendar_good.txt", path, sizeof path);
    yc_calendar *cal = load_ok(path);
    assert_true(yc_calendar_is_working_day(cal, ymd(2025, 9, 28)));  /* 调休 Sunday */
    assert_false(yc_calendar_is_working_day(cal, ymd(2025, 10, 1))); /* Wednesday holiday */
    assert_false(yc_calendar_is_working_day(cal, ymd(2025, 10, 2))); /* tab-separated line */
    assert_false(yc_calendar_is_working_day(cal, ymd(2025, 10, 4))); /* indented line */
    assert_false(yc_calendar_is_working_day(cal, ymd(2025, 10, 8)));
    assert_true(yc_calendar_is_working_day(cal, ymd(2025, 10, 9)));   /* no entry, Thursday */
    assert_true(yc_calendar_is_working_day(cal, ymd(2025, 10, 11)));  /* 调休 Saturday */
    assert_false(yc_calendar_is_working_day(cal, ymd(2025, 10, 12))); /* no entry, Sunday */
    assert_false(yc_calendar_is_working_day(cal, ymd(2025, 5, 1)));   /* CRLF line */
    yc_calendar_free(cal);
}

static void calendar_is_working_day__null_calendar__mon_to_fri(void **state)
{
    (void)state;
    /* 2025-10-06 is a Monday; a week of plain weekdays */
    for (int i = 0; i < 7; i++)
        assert_int_equal(yc_calendar_is_working_day(NULL, ymd(2025, 10, 6 + i)), i < 5);
}

static void calendar_load__empty_file__plain_weekdays(void **state)
{
    (void)state;
    char path[4096];
    data_path("calendar_empty.txt", path, sizeof path);
    yc_calendar *cal = load_ok(path);
    assert_true(yc_calendar_is_working_day(cal, ymd(2025, 10, 1)));  /* Wednesday */
    assert_false(yc_calendar_is_working_day(cal, ymd(2025, 10, 4))); /* Saturday */
    yc_calendar_free(cal);
}

static void calendar_load__bad_keyword__names_line_4(void **state)
{
    (void)state;
    assert_int_equal(load_bad_line("calendar_bad_line.txt"), 4);
}

static void calendar_load__impossible_date__names_line_3(void **state)
{
    (void)state;
    assert_int_equal(load_bad_line("calendar_bad_date.txt"), 3);
}

static void calendar_load__duplicate_date__names_later_line_5(void **state)
{
    (void)state;
    assert_int_equal(load_bad_line("calendar_dup.txt"), 5);
}

static void calendar_load__slash_date_or_trailing_word__rejected(void **state)
{
    (void)state;
    assert_int_equal(load_bad_line("calendar_slash.txt"), 2);
    assert_int_equal(load_bad_line("calendar_trailing.txt"), 2);
}

static void calendar_load__line_over_255_bytes__names_line_2(void **state)
{
    (void)state;
    assert_int_equal(load_bad_line("calendar_long_line.txt"), 2);
}

static void calendar_add_working_days__across_holiday_and_tiaoxiu__exact(void **state)
{
    (void)state;
    char path[4096];
    data_path("calendar_good.txt", path, sizeof path);
    yc_calendar *cal = load_ok(path);
    /* Fri 2025-09-26 + 1: Sat 27 off, Sun 28 is a 调休 workday */
    assert_int_equal(yc_calendar_add_working_days(cal, ymd(2025, 9, 26), 1), ymd(2025, 9, 28));
    assert_int_equal(yc_calendar_add_working_days(cal, ymd(2025, 9, 26), 2), ymd(2025, 9, 29));
    /* Tue 2025-09-30 + 1: Oct 1-8 are holidays, Thu Oct 9 is the next working day */
    assert_int_equal(yc_calendar_add_working_days(cal, ymd(2025, 9, 30), 1), ymd(2025, 10, 9));
    /* 浙江 Art.31 style: 5 working days from Tue 2025-09-30 = 9, 10, 11 (Sat 调休), 13, 14 */
    assert_int_equal(yc_calendar_add_working_days(cal, ymd(2025, 9, 30), 5), ymd(2025, 10, 14));
    /* without the calendar: plain Mon-Fri */
    assert_int_equal(yc_calendar_add_working_days(NULL, ymd(2025, 9, 30), 5), ymd(2025, 10, 7));
    assert_int_equal(yc_calendar_add_working_days(cal, ymd(2025, 10, 1), 0), ymd(2025, 10, 1));
    yc_calendar_free(cal);
}

static void calendar_etc_file__official_2025_2026_schedule__loaded(void **state)
{
    (void)state;
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    char path[4096];
    const int n = snprintf(path, sizeof path, "%s/etc/calendar.txt", root);
    assert_true(n > 0 && (size_t)n < sizeof path);
    yc_calendar *cal = load_ok(path);
    /* the 调休 workdays of both notices, all on weekends */
    static const int workdays[][3] = {{2025, 1, 26},  {2025, 2, 8},  {2025, 4, 27}, {2025, 9, 28},
                                      {2025, 10, 11}, {2026, 1, 4},  {2026, 2, 14}, {2026, 2, 28},
                                      {2026, 5, 9},   {2026, 9, 20}, {2026, 10, 10}};
    for (size_t i = 0; i < sizeof workdays / sizeof workdays[0]; i++) {
        const yc_date d = ymd(workdays[i][0], workdays[i][1], workdays[i][2]);
        assert_true(yc_date_weekday(d) >= 6);
        assert_true(yc_calendar_is_working_day(cal, d));
    }
    /* each holiday span (first day, days), from the notices */
    static const int spans[][4] = {
        {2025, 1, 1, 1},  {2025, 1, 28, 8}, {2025, 4, 4, 3},  {2025, 5, 1, 5}, {2025, 5, 31, 3},
        {2025, 10, 1, 8}, {2026, 1, 1, 3},  {2026, 2, 15, 9}, {2026, 4, 4, 3}, {2026, 5, 1, 5},
        {2026, 6, 19, 3}, {2026, 9, 25, 3}, {2026, 10, 1, 7},
    };
    int holiday_days = 0;
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        const yc_date first = ymd(spans[i][0], spans[i][1], spans[i][2]);
        for (int k = 0; k < spans[i][3]; k++, holiday_days++)
            assert_false(yc_calendar_is_working_day(cal, first + k));
    }
    assert_int_equal(holiday_days, 28 + 33);
    /* over both years, count the days where the calendar differs from plain Mon-Fri:
     * 11 worked weekend days plus the holiday days that fall on Mon-Fri */
    int differ = 0;
    for (yc_date d = ymd(2025, 1, 1); d <= ymd(2026, 12, 31); d++)
        differ += yc_calendar_is_working_day(cal, d) != yc_calendar_is_working_day(NULL, d);
    /* weekday holidays: 2025: 1+6+1+3+1+6 = 18; 2026: 2+6+1+3+1+1+5 = 19 */
    assert_int_equal(differ, 11 + 18 + 19);
    yc_calendar_free(cal);
}

/* ---- amounts ---- */

static void amount_parse__valid_forms__exact_units(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        yc_amount want;
    } cases[] = {
        {"12.5", 12500000},
        {"0", 0},
        {"0.000001", 1},
        {"1.123456", 1123456},
        {" 3 ", 3000000},
        {"3", 3000000},
        {"007", 7000000},
        {"0.5", 500000},
        {"10.010", 10010000},
        {"  0.1", 100000},
        {"999999999.999999", YC_AMOUNT_MAX - 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        yc_amount a = -1;
        assert_int_equal(amount(cases[i].s, &a), YC_OK);
        assert_int_equal(a, cases[i].want);
    }
}

static void amount_parse__invalid_forms__fail_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {"1.1234567", "-1",  "-0",  "1e3",   "1E3", "",      " ",
                                      ".",         ".5",  "5.",  "1,000", "+1",  "1.2.3", "0x10",
                                      "1 2",       "\t3", "3\t", "１",    "NaN", "inf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_amount a = 77;
        assert_int_equal(amount(bad[i], &a), YC_ERR_INVALID);
        assert_int_equal(a, 77);
    }
}

static void amount_format__shortest_exact_decimal__round_trip(void **state)
{
    (void)state;
    static const struct {
        yc_amount a;
        const char *want;
    } cases[] = {
        {12500000, "12.5"},    {0, "0"},
        {1, "0.000001"},       {3000000, "3"},
        {1123456, "1.123456"}, {10010000, "10.01"},
        {100000, "0.1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[YC_AMOUNT_STR_MAX + 1];
        yc_amount_format(cases[i].a, buf);
        assert_string_equal(buf, cases[i].want);
        yc_amount back = -1;
        assert_int_equal(amount(buf, &back), YC_OK);
        assert_int_equal(back, cases[i].a);
    }
}

/* ---- out of memory (STYLE.md §4.6: each constructor, every N) ---- */

/* Teardown: a failed assertion inside a loop must not leave the hook armed. */
static int alloc_hook_off(void **state)
{
    (void)state;
    yc_alloc_fail_after(-1);
    return 0;
}

static void calendar_load__fail_nth_alloc__nomem_no_leak(void **state)
{
    (void)state;
    char path[4096];
    data_path("calendar_good.txt", path, sizeof path);
    /* 11 entries: the calendar (yc_calloc) and one yc_realloc of the entries to 64 slots */
    const long needed = 2;
    for (long n = 0;; n++) {
        assert_true(n <= needed);
        yc_calendar *cal = NULL;
        const long count = yc_alloc_count();
        yc_alloc_fail_after(n);
        const yc_err rv = yc_calendar_load(path, &cal, NULL);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_int_equal(n, needed);
            assert_int_equal(yc_alloc_count() - count, needed);
            assert_true(yc_calendar_is_working_day(cal, ymd(2025, 9, 28)));
            assert_false(yc_calendar_is_working_day(cal, ymd(2025, 5, 1))); /* last line */
            yc_calendar_free(cal);
            break;
        }
        assert_int_equal(rv, YC_ERR_NOMEM);
        /* ret_cal is written only on success, and the load stopped at the failure */
        assert_null(cal);
        assert_int_equal(yc_alloc_count() - count, n + 1);
    }
}

static void config_load__fail_nth_alloc__nomem_no_leak(void **state)
{
    (void)state;
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    char etc[4096], model[4096];
    assert_true(snprintf(etc, sizeof etc, "%s/etc", root) < (int)sizeof etc);
    assert_true(snprintf(model, sizeof model, "%s/model/score-v1.json", etc) < (int)sizeof model);
    const yc_config untouched = {.map_size_mib = 7, .batch_records = 9};
    long needed = -1;
    for (long n = 0;; n++) {
        assert_true(n <= 100000); /* the parse of a 300-byte file cannot need more */
        yc_config cfg = untouched;
        const char *field = NULL;
        const long count = yc_alloc_count();
        yc_alloc_fail_after(n);
        const yc_err rv = yc_config_load(etc, &cfg, &field);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            needed = yc_alloc_count() - count;
            assert_int_equal(n, needed); /* the first N that lets every allocation through */
            assert_string_equal(cfg.model_path, model);
            assert_int_equal(cfg.map_size_mib, 32768);
            assert_int_equal(cfg.batch_records, 8192);
            assert_int_equal(cfg.server.max_header_bytes, 16384);
            assert_int_equal(cfg.server.max_header_fields, 100);
            assert_int_equal(cfg.server.max_body_bytes, 1048576);
            assert_int_equal(cfg.server.idle_timeout_ms, 60000);
            assert_int_equal(cfg.server.max_concurrent_streams, 100);
            assert_int_equal(cfg.server.drain_timeout_ms, 3000);
            break;
        }
        /* Jansson's "invalid token" for a failed allocation must not reach the caller */
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_int_equal(cfg.map_size_mib, 7); /* ret_cfg is written only on success */
        assert_int_equal(cfg.batch_records, 9);
    }
    assert_true(needed >= 10); /* Jansson: 3 objects, 6 strings, their keys and tables */
}

static void safety__file_read_all__at_limit_ok_one_past_too_large(void **state)
{
    (void)state;
    char path[] = "/tmp/yc_core_fileXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite("0123456789", 1, 10, f), 10);
    assert_int_equal(fclose(f), 0);
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(yc_file_read_all(path, 10, &buf, &len), YC_OK);
    assert_int_equal(len, 10);
    assert_memory_equal(buf, "0123456789", 11); /* NUL-terminated */
    yc_free(buf);
    buf = NULL;
    assert_int_equal(yc_file_read_all(path, 9, &buf, &len), YC_ERR_TOO_LARGE);
    assert_null(buf);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(yc_file_read_all(path, 10, &buf, &len), YC_ERR_IO);
    assert_null(buf);
}

/* ---- config.json "server" object ---- */

/* Write DIR/config.json with @p server_member (e.g. `"server":{...}` or "") and load it. */
static yc_err load_with_server(const char *server_member, yc_config *cfg, const char **field)
{
    char dir[] = "/tmp/yc_core_cfgXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    assert_true(snprintf(path, sizeof path, "%s/config.json", dir) < (int)sizeof path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_true(fprintf(f,
                        "{\"schema\":\"yrdcredit-config/1\",\"model\":\"m.json\","
                        "\"rules\":\"r.json\",\"calendar\":\"c.txt\","
                        "\"store\":{\"map_size_mib\":1},\"import\":{\"batch_records\":1}%s%s}",
                        server_member[0] != '\0' ? "," : "", server_member) > 0);
    assert_int_equal(fclose(f), 0);
    *field = NULL;
    const yc_err rv = yc_config_load(dir, cfg, field);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    return rv;
}

/* One "server" key set to @p value: the loaded value, or UINT64_MAX when the load failed. */
static uint64_t server_key(const char *key, long long value, yc_err *ret_rv, const char **field)
{
    char member[128];
    assert_true(snprintf(member, sizeof member, "\"server\":{\"%s\":%lld}", key, value) <
                (int)sizeof member);
    yc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    *ret_rv = load_with_server(member, &cfg, field);
    if (*ret_rv != YC_OK)
        return UINT64_MAX;
    if (strcmp(key, "max_header_bytes") == 0)
        return cfg.server.max_header_bytes;
    if (strcmp(key, "max_header_fields") == 0)
        return cfg.server.max_header_fields;
    if (strcmp(key, "max_body_bytes") == 0)
        return cfg.server.max_body_bytes;
    if (strcmp(key, "idle_timeout_ms") == 0)
        return cfg.server.idle_timeout_ms;
    if (strcmp(key, "max_concurrent_streams") == 0)
        return cfg.server.max_concurrent_streams;
    if (strcmp(key, "workers") == 0)
        return cfg.server.workers;
    if (strcmp(key, "max_connections") == 0)
        return cfg.server.max_connections;
    if (strcmp(key, "max_outbound_queue") == 0)
        return cfg.server.max_outbound_queue;
    if (strcmp(key, "output_high_water") == 0)
        return cfg.server.output_high_water;
    if (strcmp(key, "glitch_burst") == 0)
        return cfg.server.glitch_burst;
    if (strcmp(key, "glitch_rate_per_s") == 0)
        return cfg.server.glitch_rate_per_s;
    if (strcmp(key, "reset_burst") == 0)
        return cfg.server.reset_burst;
    if (strcmp(key, "reset_rate_per_s") == 0)
        return cfg.server.reset_rate_per_s;
    if (strcmp(key, "max_continuations") == 0)
        return cfg.server.max_continuations;
    if (strcmp(key, "handshake_timeout_ms") == 0)
        return cfg.server.handshake_timeout_ms;
    if (strcmp(key, "preface_timeout_ms") == 0)
        return cfg.server.preface_timeout_ms;
    if (strcmp(key, "header_timeout_ms") == 0)
        return cfg.server.header_timeout_ms;
    if (strcmp(key, "body_timeout_ms") == 0)
        return cfg.server.body_timeout_ms;
    if (strcmp(key, "write_timeout_ms") == 0)
        return cfg.server.write_timeout_ms;
    if (strcmp(key, "max_discard_bytes") == 0)
        return cfg.server.max_discard_bytes;
    assert_string_equal(key, "drain_timeout_ms");
    return cfg.server.drain_timeout_ms;
}

static const struct {
    const char *key, *field;
    long long min, max;
} server_limits[] = {
    {"max_header_bytes", "server.max_header_bytes", 1024, 1048576},
    {"max_header_fields", "server.max_header_fields", 8, 1000},
    {"max_body_bytes", "server.max_body_bytes", 1, 67108864},
    {"idle_timeout_ms", "server.idle_timeout_ms", 1000, 3600000},
    {"max_concurrent_streams", "server.max_concurrent_streams", 1, 1000},
    {"drain_timeout_ms", "server.drain_timeout_ms", 100, 60000},
    {"workers", "server.workers", 0, 256},
    {"max_connections", "server.max_connections", 1, 1000000},
    {"max_outbound_queue", "server.max_outbound_queue", 16, 1000000},
    {"output_high_water", "server.output_high_water", 4096, 16777216},
    {"glitch_burst", "server.glitch_burst", 1, 1000000},
    {"glitch_rate_per_s", "server.glitch_rate_per_s", 1, 1000000},
    {"reset_burst", "server.reset_burst", 1, 1000000},
    {"reset_rate_per_s", "server.reset_rate_per_s", 1, 1000000},
    {"max_continuations", "server.max_continuations", 1, 1024},
    {"handshake_timeout_ms", "server.handshake_timeout_ms", 100, 600000},
    {"preface_timeout_ms", "server.preface_timeout_ms", 100, 600000},
    {"header_timeout_ms", "server.header_timeout_ms", 100, 600000},
    {"body_timeout_ms", "server.body_timeout_ms", 100, 600000},
    {"write_timeout_ms", "server.write_timeout_ms", 100, 600000},
    {"max_discard_bytes", "server.max_discard_bytes", 0, 1073741824},
};

static void safety__config_server_keys__at_min_and_max__loaded_exactly(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof server_limits / sizeof *server_limits; i++) {
        yc_err rv;
        const char *field;
        assert_int_equal(server_key(server_limits[i].key, server_limits[i].min, &rv, &field),
                         (uint64_t)server_limits[i].min);
        assert_int_equal(rv, YC_OK);
        assert_int_equal(server_key(server_limits[i].key, server_limits[i].max, &rv, &field),
                         (uint64_t)server_limits[i].max);
        assert_int_equal(rv, YC_OK);
    }
}

static void safety__config_server_keys__one_past_min_and_max__invalid_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof server_limits / sizeof *server_limits; i++) {
        yc_err rv;
        const char *field;
        assert_int_equal(server_key(server_limits[i].key, server_limits[i].min - 1, &rv, &field),
                         UINT64_MAX);
        assert_int_equal(rv, YC_ERR_INVALID);
        assert_string_equal(field, server_limits[i].field);
        assert_int_equal(server_key(server_limits[i].key, server_limits[i].max + 1, &rv, &field),
                         UINT64_MAX);
        assert_int_equal(rv, YC_ERR_INVALID);
        assert_string_equal(field, server_limits[i].field);
    }
}

static void config_load__no_server_object__h2_defaults(void **state)
{
    (void)state;
    yc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *field;
    assert_int_equal(load_with_server("", &cfg, &field), YC_OK);
    assert_int_equal(cfg.server.max_header_bytes, 16384);
    assert_int_equal(cfg.server.max_header_fields, 100);
    assert_int_equal(cfg.server.max_body_bytes, 1048576);
    assert_int_equal(cfg.server.idle_timeout_ms, 60000);
    assert_int_equal(cfg.server.max_concurrent_streams, 100);
    assert_int_equal(cfg.server.drain_timeout_ms, 3000);
    assert_int_equal(cfg.server.workers, 0);
    assert_int_equal(cfg.server.max_connections, 4096);
    assert_int_equal(cfg.server.max_outbound_queue, 5000);
    assert_int_equal(cfg.server.output_high_water, 65536);
    assert_int_equal(cfg.server.glitch_burst, 1000);
    assert_int_equal(cfg.server.glitch_rate_per_s, 100);
    assert_int_equal(cfg.server.reset_burst, 1000);
    assert_int_equal(cfg.server.reset_rate_per_s, 33);
    assert_int_equal(cfg.server.max_continuations, 8);
    assert_int_equal(cfg.server.handshake_timeout_ms, 10000);
    assert_int_equal(cfg.server.preface_timeout_ms, 10000);
    assert_int_equal(cfg.server.header_timeout_ms, 10000);
    assert_int_equal(cfg.server.body_timeout_ms, 30000);
    assert_int_equal(cfg.server.write_timeout_ms, 30000);
    assert_true(cfg.server.listen.enabled);
    assert_string_equal(cfg.server.listen.host, "127.0.0.1");
    assert_int_equal(cfg.server.listen.port, 8443);
    assert_true(cfg.server.h2c_listen.enabled);
    assert_string_equal(cfg.server.h2c_listen.host, "127.0.0.1");
    assert_int_equal(cfg.server.h2c_listen.port, 8080);
    const char *tail = cfg.tls_cert_path + strlen(cfg.tls_cert_path) - strlen("/tls/cert.pem");
    assert_string_equal(tail, "/tls/cert.pem");
    tail = cfg.tls_key_path + strlen(cfg.tls_key_path) - strlen("/tls/key.pem");
    assert_string_equal(tail, "/tls/key.pem");
    memset(&cfg, 0, sizeof cfg); /* an empty object: the same defaults */
    assert_int_equal(load_with_server("\"server\":{}", &cfg, &field), YC_OK);
    assert_int_equal(cfg.server.max_body_bytes, 1048576);
    assert_int_equal(cfg.server.max_concurrent_streams, 100);
}

static void config_load__server_unknown_key_or_wrong_type__invalid_named(void **state)
{
    (void)state;
    yc_config cfg;
    const char *field;
    assert_int_equal(load_with_server("\"server\":{\"max_body_byte\":10}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "server.max_body_byte: unknown key");
    assert_int_equal(load_with_server("\"server\":[]", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "server");
    assert_int_equal(load_with_server("\"server\":{\"idle_timeout_ms\":\"60000\"}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "server.idle_timeout_ms");
    assert_int_equal(load_with_server("\"server\":{\"drain_timeout_ms\":3000.5}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "server.drain_timeout_ms");
}

static void config_listen_parse__forms__exact(void **state)
{
    (void)state;
    yc_config_listen l;
    assert_int_equal(yc_config_listen_parse("off", &l), YC_OK);
    assert_false(l.enabled);
    assert_int_equal(yc_config_listen_parse("127.0.0.1:0", &l), YC_OK);
    assert_true(l.enabled);
    assert_string_equal(l.host, "127.0.0.1");
    assert_int_equal(l.port, 0);
    assert_int_equal(yc_config_listen_parse("0.0.0.0:65535", &l), YC_OK);
    assert_int_equal(l.port, 65535);
    assert_int_equal(yc_config_listen_parse("[::1]:8443", &l), YC_OK);
    assert_string_equal(l.host, "::1");
    assert_int_equal(l.port, 8443);
    /* the longest IPv6 text form: 45 bytes, YC_CONFIG_HOST_MAX */
    assert_int_equal(
        yc_config_listen_parse("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:1", &l), YC_OK);
    assert_int_equal(strlen(l.host), YC_CONFIG_HOST_MAX);
    static const char *const bad[] = {
        "",       "off ",         "127.0.0.1",      "127.0.0.1:",    "127.0.0.1:65536",
        ":80",    "localhost:80", "127.0.0.1:-1",   "127.0.0.1:+80", "127.0.0.1:123456",
        "::1:80", "[::1]80",      "[127.0.0.1]:80", "[::1:80",       "127.0.0.1:8 0",
        "[]:80",  "1.2.3.4.5:80", "127.0.0.1:0x50",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        l.port = 7;
        assert_int_equal(yc_config_listen_parse(bad[i], &l), YC_ERR_INVALID);
        assert_int_equal(l.port, 7); /* ret written only on YC_OK */
    }
}

static void config_load__listen_and_tls_keys__loaded_or_named(void **state)
{
    (void)state;
    yc_config cfg;
    const char *field;
    assert_int_equal(load_with_server("\"server\":{\"listen\":\"off\",\"h2c_listen\":\"[::1]:0\"},"
                                      "\"tls\":{\"cert\":\"/etc/c.pem\",\"key\":\"k.pem\"}",
                                      &cfg, &field),
                     YC_OK);
    assert_false(cfg.server.listen.enabled);
    assert_true(cfg.server.h2c_listen.enabled);
    assert_string_equal(cfg.server.h2c_listen.host, "::1");
    assert_string_equal(cfg.tls_cert_path, "/etc/c.pem"); /* absolute stays */
    const char *tail = cfg.tls_key_path + strlen(cfg.tls_key_path) - strlen("/k.pem");
    assert_string_equal(tail, "/k.pem"); /* relative: under the data dir */
    assert_true(strncmp(cfg.tls_key_path, "/tmp/yc_core_cfg", 16) == 0);
    assert_int_equal(load_with_server("\"server\":{\"listen\":\"localhost:1\"}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "server.listen");
    assert_int_equal(load_with_server("\"server\":{\"h2c_listen\":8080}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "server.h2c_listen");
    assert_int_equal(load_with_server("\"tls\":{\"cert\":\"\"}", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "tls.cert");
    assert_int_equal(load_with_server("\"tls\":{\"chain\":\"x\"}", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "tls.chain: unknown key");
    assert_int_equal(load_with_server("\"tls\":\"x\"", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "tls");
}

static void config_load_file__other_path__relative_paths_under_data_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/yc_core_cfgfXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    assert_true(snprintf(path, sizeof path, "%s/other.json", dir) < (int)sizeof path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_true(
        fputs("{\"schema\":\"yrdcredit-config/1\",\"model\":\"m.json\",\"rules\":\"r.json\","
              "\"calendar\":\"c.txt\",\"store\":{\"map_size_mib\":1},"
              "\"import\":{\"batch_records\":1},\"server\":{\"max_connections\":7}}",
              f) >= 0);
    assert_int_equal(fclose(f), 0);
    static yc_config cfg;
    const char *field = NULL;
    assert_int_equal(yc_config_load_file(path, "/data", &cfg, &field), YC_OK);
    assert_int_equal(cfg.server.max_connections, 7);
    assert_string_equal(cfg.model_path, "/data/m.json");
    assert_string_equal(cfg.tls_cert_path, "/data/tls/cert.pem");
    assert_int_equal(yc_config_load_file("/nonexistent/x.json", "/data", &cfg, &field), YC_ERR_IO);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void safety__config_score_cache_entries__at_limits_and_one_past__exact_or_named(void **state)
{
    (void)state;
    yc_config cfg;
    const char *field;
    memset(&cfg, 0xff, sizeof cfg);
    assert_int_equal(load_with_server("\"api\":{\"score_cache_entries\":0}", &cfg, &field), YC_OK);
    assert_int_equal(cfg.api.score_cache_entries, 0);
    assert_int_equal(load_with_server("\"api\":{\"score_cache_entries\":1048576}", &cfg, &field),
                     YC_OK);
    assert_int_equal(cfg.api.score_cache_entries, 1048576);
    assert_int_equal(cfg.api.score_cache_entries, YC_CONFIG_SCORE_CACHE_MAX);
    assert_int_equal(load_with_server("\"api\":{\"score_cache_entries\":1048577}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "api.score_cache_entries");
    assert_int_equal(load_with_server("\"api\":{\"score_cache_entries\":-1}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "api.score_cache_entries");
}

static void config_policy_notice_working_days__at_limits_and_one_past__exact_or_named(void **state)
{
    (void)state;
    yc_config cfg;
    const char *field;
    memset(&cfg, 0xff, sizeof cfg);
    assert_int_equal(load_with_server("", &cfg, &field), YC_OK);
    assert_false(cfg.policy.has_notice_working_days); /* absent: the lists file decides */
    assert_int_equal(cfg.policy.notice_working_days, 0);
    assert_int_equal(load_with_server("\"policy\":{}", &cfg, &field), YC_OK);
    assert_false(cfg.policy.has_notice_working_days);
    assert_int_equal(load_with_server("\"policy\":{\"notice_working_days\":0}", &cfg, &field),
                     YC_OK);
    assert_true(cfg.policy.has_notice_working_days);
    assert_int_equal(cfg.policy.notice_working_days, 0);
    assert_int_equal(load_with_server("\"policy\":{\"notice_working_days\":60}", &cfg, &field),
                     YC_OK);
    assert_true(cfg.policy.has_notice_working_days);
    assert_int_equal(cfg.policy.notice_working_days, YC_CONFIG_NOTICE_DAYS_MAX);
    assert_int_equal(load_with_server("\"policy\":{\"notice_working_days\":61}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "policy.notice_working_days");
    assert_int_equal(load_with_server("\"policy\":{\"notice_working_days\":-1}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "policy.notice_working_days");
    assert_int_equal(load_with_server("\"policy\":{\"notice_days\":5}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "policy.notice_days: unknown key");
    assert_int_equal(load_with_server("\"policy\":5", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "policy");
}

static void
config_auth_required__absent_true_false_wrong_type_unknown_key__exact_or_named(void **state)
{
    (void)state;
    yc_config cfg;
    const char *field;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(load_with_server("", &cfg, &field), YC_OK);
    assert_true(cfg.auth.required); /* absent: on (issue 6 item 1) */
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(load_with_server("\"auth\":{}", &cfg, &field), YC_OK);
    assert_true(cfg.auth.required); /* "required" absent: on */
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(load_with_server("\"auth\":{\"required\":true}", &cfg, &field), YC_OK);
    assert_true(cfg.auth.required);
    memset(&cfg, 0xff, sizeof cfg);
    assert_int_equal(load_with_server("\"auth\":{\"required\":false}", &cfg, &field), YC_OK);
    assert_false(cfg.auth.required); /* explicit false (a loopback demo) stays possible */
    assert_int_equal(load_with_server("\"auth\":{\"required\":1}", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "auth.required");
    assert_int_equal(load_with_server("\"auth\":{\"required\":\"true\"}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "auth.required");
    assert_int_equal(load_with_server("\"auth\":{\"required\":null}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "auth.required");
    assert_int_equal(load_with_server("\"auth\":{\"require\":true}", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "auth.require: unknown key");
    assert_int_equal(load_with_server("\"auth\":true", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "auth");
}

static void config_load__api_object_absent_empty_or_wrong__default_or_named(void **state)
{
    (void)state;
    yc_config cfg;
    const char *field;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(load_with_server("", &cfg, &field), YC_OK);
    assert_int_equal(cfg.api.score_cache_entries, 16384);
    assert_int_equal(cfg.api.score_cache_entries, YC_CONFIG_SCORE_CACHE_DEFAULT);
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(load_with_server("\"api\":{}", &cfg, &field), YC_OK);
    assert_int_equal(cfg.api.score_cache_entries, 16384);
    assert_int_equal(load_with_server("\"api\":[]", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "api");
    assert_int_equal(load_with_server("\"api\":{\"score_cache\":1}", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "api.score_cache: unknown key");
    assert_int_equal(load_with_server("\"api\":{\"score_cache_entries\":\"8\"}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "api.score_cache_entries");
    assert_int_equal(load_with_server("\"api\":{\"score_cache_entries\":8.5}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "api.score_cache_entries");
}

/* The shipped etc/config.json sets every key, api.score_cache_entries to its default. */
static void config_load__shipped_etc_config__api_default(void **state)
{
    (void)state;
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    char path[4096];
    assert_true(snprintf(path, sizeof path, "%s/etc/config.json", root) < (int)sizeof path);
    static yc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *field = NULL;
    assert_int_equal(yc_config_load_file(path, "/data", &cfg, &field), YC_OK);
    assert_int_equal(cfg.api.score_cache_entries, YC_CONFIG_SCORE_CACHE_DEFAULT);
}

/* Defect 7 (config errors): an unknown key is named in full, a duplicate key by its text and
 * position (etc/yrdcredit.conf.example: "the error names the key"). */
static void config_load__unknown_or_duplicate_key__error_names_it(void **state)
{
    (void)state;
    yc_config cfg;
    const char *field;
    assert_int_equal(load_with_server("\"server\":{\"max_bodybytes\":10}", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "server.max_bodybytes: unknown key");
    assert_int_equal(load_with_server("\"servr\":{}", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "servr: unknown key");
    assert_int_equal(load_with_server("\"api\":{\"a\\u0001b\":1}", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "api.a?b: unknown key"); /* a control byte is not printed */
    char dir[] = "/tmp/yc_core_cfgdXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    assert_true(snprintf(path, sizeof path, "%s/dup.json", dir) < (int)sizeof path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_true(fputs("{\"schema\":\"yrdcredit-config/1\",\"model\":\"m.json\",\n"
                      "\"rules\":\"r.json\",\"calendar\":\"c.txt\",\n"
                      "\"store\":{\"map_size_mib\":1},\"import\":{\"batch_records\":1},\n"
                      "\"server\":{\"workers\":2,\n"
                      "  \"workers\":3}}\n",
                      f) >= 0);
    assert_int_equal(fclose(f), 0);
    static yc_config big;
    field = NULL;
    assert_int_equal(yc_config_load_file(path, "/data", &big, &field), YC_ERR_INVALID);
    assert_string_equal(field, "duplicate key \"workers\" at line 5, column 11");
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_true(fputs("{\"schema\":\"yrdcredit-config/1\",\n\"model\":}\n", f) >= 0);
    assert_int_equal(fclose(f), 0);
    field = NULL;
    assert_int_equal(yc_config_load_file(path, "/data", &big, &field), YC_ERR_INVALID);
    assert_string_equal(field, "not valid JSON at line 2, column 9: unexpected token near '}'");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- config.json "attest" object ---- */

/* Load a config whose "attest" object is @p attest_body (the text between the braces). */
static yc_err load_with_attest(const char *attest_body, yc_config *cfg, const char **field)
{
    static char member[8192];
    assert_true(snprintf(member, sizeof member, "\"attest\":{%s}", attest_body) <
                (int)sizeof member);
    memset(cfg, 0, sizeof *cfg);
    return load_with_server(member, cfg, field);
}

static const struct {
    const char *key, *field;
    long long min, max;
} attest_limits[] = {
    {"default_validity_days", "attest.default_validity_days", YC_CONFIG_VALIDITY_DAYS_MIN,
     YC_CONFIG_VALIDITY_DAYS_MAX},
    {"max_validity_days", "attest.max_validity_days", YC_CONFIG_VALIDITY_DAYS_MIN,
     YC_CONFIG_VALIDITY_DAYS_MAX},
    {"status_list_ttl_s", "attest.status_list_ttl_s", YC_CONFIG_STATUS_TTL_S_MIN,
     YC_CONFIG_STATUS_TTL_S_MAX},
    {"key_publish_s", "attest.key_publish_s", 0, YC_CONFIG_KEY_PUBLISH_S_MAX},
    {"key_grace_s", "attest.key_grace_s", 0, YC_CONFIG_KEY_GRACE_S_MAX},
    {"commit_queue", "attest.commit_queue", YC_CONFIG_COMMIT_QUEUE_MIN, YC_CONFIG_COMMIT_QUEUE_MAX},
};

/* One "attest" key set to @p value: the loaded value, or UINT64_MAX when the load failed. */
static uint64_t attest_key(size_t i, long long value, yc_err *ret_rv, const char **field)
{
    char body[160];
    /* default_validity_days must not exceed max_validity_days: set the other one wide */
    const char *key = attest_limits[i].key;
    char extra[64] = "";
    if (strcmp(key, "default_validity_days") == 0)
        snprintf(extra, sizeof extra, ",\"max_validity_days\":%d", YC_CONFIG_VALIDITY_DAYS_MAX);
    else if (strcmp(key, "max_validity_days") == 0)
        snprintf(extra, sizeof extra, ",\"default_validity_days\":%d", YC_CONFIG_VALIDITY_DAYS_MIN);
    assert_true(snprintf(body, sizeof body, "\"%s\":%lld%s", key, value, extra) < (int)sizeof body);
    static yc_config cfg;
    *ret_rv = load_with_attest(body, &cfg, field);
    if (*ret_rv != YC_OK)
        return UINT64_MAX;
    if (strcmp(key, "default_validity_days") == 0)
        return cfg.attest.default_validity_days;
    if (strcmp(key, "max_validity_days") == 0)
        return cfg.attest.max_validity_days;
    if (strcmp(key, "status_list_ttl_s") == 0)
        return cfg.attest.status_list_ttl_s;
    if (strcmp(key, "key_publish_s") == 0)
        return cfg.attest.key_publish_s;
    if (strcmp(key, "key_grace_s") == 0)
        return cfg.attest.key_grace_s;
    assert_string_equal(key, "commit_queue");
    return cfg.attest.commit_queue;
}

static void safety__config_attest_keys__at_min_and_max__loaded_exactly(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof attest_limits / sizeof *attest_limits; i++) {
        yc_err rv;
        const char *field;
        assert_int_equal(attest_key(i, attest_limits[i].min, &rv, &field),
                         (uint64_t)attest_limits[i].min);
        assert_int_equal(rv, YC_OK);
        assert_int_equal(attest_key(i, attest_limits[i].max, &rv, &field),
                         (uint64_t)attest_limits[i].max);
        assert_int_equal(rv, YC_OK);
    }
}

static void safety__config_attest_keys__one_past_min_and_max__invalid_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof attest_limits / sizeof *attest_limits; i++) {
        yc_err rv;
        const char *field;
        assert_int_equal(attest_key(i, attest_limits[i].min - 1, &rv, &field), UINT64_MAX);
        assert_int_equal(rv, YC_ERR_INVALID);
        assert_string_equal(field, attest_limits[i].field);
        assert_int_equal(attest_key(i, attest_limits[i].max + 1, &rv, &field), UINT64_MAX);
        assert_int_equal(rv, YC_ERR_INVALID);
        assert_string_equal(field, attest_limits[i].field);
    }
}

static void config_load__no_attest_object__attest_defaults(void **state)
{
    (void)state;
    static yc_config cfg;
    const char *field;
    assert_int_equal(load_with_server("", &cfg, &field), YC_OK);
    assert_string_equal(cfg.attest.issuer, "https://attest.yiwu-credit.example");
    assert_string_equal(cfg.attest.issuer_city, "Yiwu");
    assert_string_equal(cfg.attest.issuer_region, "330782");
    assert_int_equal(cfg.attest.default_validity_days, 30);
    assert_int_equal(cfg.attest.max_validity_days, 90);
    assert_int_equal(cfg.attest.status_list_ttl_s, 300);
    assert_int_equal(cfg.attest.status_list_entries, 131072);
    assert_int_equal(cfg.attest.key_publish_s, 3600);
    assert_int_equal(cfg.attest.key_grace_s, 86400);
    assert_int_equal(cfg.attest.commit_queue, 8192);
    assert_false(cfg.attest.default_ed25519);
    assert_int_equal(cfg.attest.n_partner_algs, 0);
    assert_int_equal(load_with_attest("", &cfg, &field), YC_OK); /* empty: the same defaults */
    assert_string_equal(cfg.attest.issuer, "https://attest.yiwu-credit.example");
    assert_int_equal(cfg.attest.commit_queue, 8192);
}

static void config_load__attest_status_list_entries__multiple_of_8_in_16_to_2e24(void **state)
{
    (void)state;
    static yc_config cfg;
    const char *field;
    static const struct {
        long long v;
        bool ok;
    } cases[] = {{16, true},        {8, false},        {15, false},      {24, true},
                 {17, false},       {20, false},       {16777216, true}, {16777208, true},
                 {16777224, false}, {16777217, false}, {-16, false}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char body[64];
        assert_true(snprintf(body, sizeof body, "\"status_list_entries\":%lld", cases[i].v) <
                    (int)sizeof body);
        const yc_err rv = load_with_attest(body, &cfg, &field);
        if (cases[i].ok) {
            assert_int_equal(rv, YC_OK);
            assert_int_equal(cfg.attest.status_list_entries, (unsigned)cases[i].v);
        } else {
            assert_int_equal(rv, YC_ERR_INVALID);
            assert_string_equal(field, "attest.status_list_entries");
        }
    }
}

static void config_load__attest_issuer_shapes__https_only_no_slash_query_fragment(void **state)
{
    (void)state;
    static yc_config cfg;
    const char *field;
    static const char *const good[] = {"https://a", "https://attest.hz-credit.example",
                                       "https://x.example:8443/issuer/v1"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char body[320];
        assert_true(snprintf(body, sizeof body, "\"issuer\":\"%s\"", good[i]) < (int)sizeof body);
        assert_int_equal(load_with_attest(body, &cfg, &field), YC_OK);
        assert_string_equal(cfg.attest.issuer, good[i]);
    }
    static const char *const bad[] = {
        "http://attest.example",     "https://attest.example/", "https://attest.example?x=1",
        "https://attest.example#f",  "https://attest .example", "https://",
        "https:///attest.example",   "HTTPS://attest.example",  "https://attest.例子",
        "ftp://attest.example",      "attest.example",          "",
        "https://attest.example\\t", "https://a\\u007f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char body[320];
        assert_true(snprintf(body, sizeof body, "\"issuer\":\"%s\"", bad[i]) < (int)sizeof body);
        assert_int_equal(load_with_attest(body, &cfg, &field), YC_ERR_INVALID);
        assert_string_equal(field, "attest.issuer");
    }
    /* 255 bytes loaded, 256 refused */
    char url[300] = "https://";
    memset(url + 8, 'a', 247);
    url[255] = '\0';
    char body[400];
    assert_true(snprintf(body, sizeof body, "\"issuer\":\"%s\"", url) < (int)sizeof body);
    assert_int_equal(load_with_attest(body, &cfg, &field), YC_OK);
    assert_int_equal(strlen(cfg.attest.issuer), 255);
    url[255] = 'a';
    url[256] = '\0';
    assert_true(snprintf(body, sizeof body, "\"issuer\":\"%s\"", url) < (int)sizeof body);
    assert_int_equal(load_with_attest(body, &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.issuer");
    assert_int_equal(load_with_attest("\"issuer\":7", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.issuer");
}

static void config_load__attest_region_and_city__six_digits_and_63_bytes(void **state)
{
    (void)state;
    static yc_config cfg;
    const char *field;
    assert_int_equal(load_with_attest("\"issuer_region\":\"330100\"", &cfg, &field), YC_OK);
    assert_string_equal(cfg.attest.issuer_region, "330100");
    static const char *const bad[] = {"33078", "3307821", "33078a", "", "33 782", "３３０７８２"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char body[80];
        assert_true(snprintf(body, sizeof body, "\"issuer_region\":\"%s\"", bad[i]) <
                    (int)sizeof body);
        assert_int_equal(load_with_attest(body, &cfg, &field), YC_ERR_INVALID);
        assert_string_equal(field, "attest.issuer_region");
    }
    assert_int_equal(load_with_attest("\"issuer_region\":330782", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.issuer_region");
    /* issuer_city: 63 bytes (21 three-byte characters) loaded, 64 refused, "" refused */
    char body[256] = "\"issuer_city\":\"";
    size_t o = strlen(body);
    for (int i = 0; i < 21; i++, o += 3)
        memcpy(body + o, "杭", 3);
    memcpy(body + o, "\"", 2);
    assert_int_equal(load_with_attest(body, &cfg, &field), YC_OK);
    assert_int_equal(strlen(cfg.attest.issuer_city), 63);
    memcpy(body + o, "x\"", 3);
    assert_int_equal(load_with_attest(body, &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.issuer_city");
    assert_int_equal(load_with_attest("\"issuer_city\":\"\"", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.issuer_city");
}

static void config_load__attest_default_over_max_validity__invalid_named(void **state)
{
    (void)state;
    static yc_config cfg;
    const char *field;
    assert_int_equal(load_with_attest("\"default_validity_days\":91", &cfg, &field),
                     YC_ERR_INVALID);
    assert_string_equal(field, "attest.default_validity_days");
    assert_int_equal(load_with_attest("\"default_validity_days\":90", &cfg, &field), YC_OK);
    assert_int_equal(cfg.attest.default_validity_days, 90);
    assert_int_equal(
        load_with_attest("\"default_validity_days\":7,\"max_validity_days\":6", &cfg, &field),
        YC_ERR_INVALID);
    assert_string_equal(field, "attest.default_validity_days");
    assert_int_equal(
        load_with_attest("\"default_validity_days\":7,\"max_validity_days\":7", &cfg, &field),
        YC_OK);
    assert_int_equal(cfg.attest.max_validity_days, 7);
    assert_int_equal(load_with_attest("\"max_validity_days\":29", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.default_validity_days"); /* default 30 > 29 */
}

static void config_load__attest_alg_and_partner_algs__values_and_64_entries(void **state)
{
    (void)state;
    static yc_config cfg;
    const char *field;
    assert_int_equal(load_with_attest("\"alg\":\"Ed25519\"", &cfg, &field), YC_OK);
    assert_true(cfg.attest.default_ed25519);
    assert_int_equal(load_with_attest("\"alg\":\"EdDSA\"", &cfg, &field), YC_OK);
    assert_false(cfg.attest.default_ed25519);
    static const char *const bad_alg[] = {"\"eddsa\"", "\"ES256\"",   "\"\"",      "null",
                                          "1",         "[\"EdDSA\"]", "\"EdDSA \""};
    for (size_t i = 0; i < sizeof bad_alg / sizeof *bad_alg; i++) {
        char body[64];
        assert_true(snprintf(body, sizeof body, "\"alg\":%s", bad_alg[i]) < (int)sizeof body);
        assert_int_equal(load_with_attest(body, &cfg, &field), YC_ERR_INVALID);
        assert_string_equal(field, "attest.alg");
    }
    assert_int_equal(
        load_with_attest("\"partner_algs\":{\"hz\":\"Ed25519\",\"sh\":\"EdDSA\"}", &cfg, &field),
        YC_OK);
    assert_int_equal(cfg.attest.n_partner_algs, 2);
    for (size_t i = 0; i < 2; i++) {
        const yc_config_partner_alg *p = &cfg.attest.partner_algs[i];
        assert_true((strcmp(p->aud, "hz") == 0 && p->ed25519) ||
                    (strcmp(p->aud, "sh") == 0 && !p->ed25519));
    }
    assert_string_not_equal(cfg.attest.partner_algs[0].aud, cfg.attest.partner_algs[1].aud);
    static const char *const bad_partners[] = {"[]", "\"hz\"", "{\"hz\":\"RS256\"}", "{\"hz\":1}",
                                               "{\"\":\"EdDSA\"}"};
    for (size_t i = 0; i < sizeof bad_partners / sizeof *bad_partners; i++) {
        char body[80];
        assert_true(snprintf(body, sizeof body, "\"partner_algs\":%s", bad_partners[i]) <
                    (int)sizeof body);
        assert_int_equal(load_with_attest(body, &cfg, &field), YC_ERR_INVALID);
        assert_string_equal(field, "attest.partner_algs");
    }
    /* 64 entries loaded, 65 refused */
    for (int n = 64; n <= 65; n++) {
        char body[4096] = "\"partner_algs\":{";
        size_t o = strlen(body);
        for (int i = 0; i < n; i++)
            o +=
                (size_t)snprintf(body + o, sizeof body - o, "%s\"p%d\":\"EdDSA\"", i ? "," : "", i);
        assert_true(o + 2 < sizeof body);
        memcpy(body + o, "}", 2);
        const yc_err rv = load_with_attest(body, &cfg, &field);
        if (n == 64) {
            assert_int_equal(rv, YC_OK);
            assert_int_equal(cfg.attest.n_partner_algs, 64);
        } else {
            assert_int_equal(rv, YC_ERR_INVALID);
            assert_string_equal(field, "attest.partner_algs");
        }
    }
}

static void config_load__attest_unknown_key_or_not_object__named(void **state)
{
    (void)state;
    static yc_config cfg;
    const char *field;
    assert_int_equal(load_with_attest("\"max_validty_days\":9", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.max_validty_days: unknown key");
    assert_int_equal(load_with_server("\"attest\":[]", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest");
    assert_int_equal(load_with_attest("\"commit_queue\":\"8\"", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.commit_queue");
    assert_int_equal(load_with_attest("\"key_grace_s\":1.5", &cfg, &field), YC_ERR_INVALID);
    assert_string_equal(field, "attest.key_grace_s");
}

static void yc_time_rfc3339__range_edges__exact_or_empty(void **state)
{
    (void)state;
    char out[YC_TIME_RFC3339_LEN + 1];
    yc_time_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    yc_time_rfc3339(1795958564, out);
    assert_string_equal(out, "2026-11-29T13:22:44Z");
    yc_time_rfc3339(INT64_C(253402300799), out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    yc_time_rfc3339(INT64_C(253402300800), out);
    assert_string_equal(out, "");
    yc_time_rfc3339(-1, out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__file_read_all__at_limit_ok_one_past_too_large),
        cmocka_unit_test(safety__date_parse_empty__fails_invalid),
        cmocka_unit_test(safety__date_parse_reads_only_len_bytes__prefix_parsed),
        cmocka_unit_test(safety__date_range_limits__1900_and_2099_only),
        cmocka_unit_test(safety__amount_empty_and_spaces__fail_invalid),
        cmocka_unit_test(safety__amount_max_and_max_plus_one__exact),
        cmocka_unit_test(safety__calendar_missing_file__fails_io),
        cmocka_unit_test(err_str__every_code__table_text),
        cmocka_unit_test(err_http_status__every_code__table_status),
        cmocka_unit_test(err_macros__try_and_ensure__propagate_first_failure),
        cmocka_unit_test(date_parse__every_published_form__same_date),
        cmocka_unit_test(date_parse__8_char_slash_form__parsed_as_y_m_d),
        cmocka_unit_test(date_parse__impossible_dates__fail_invalid),
        cmocka_unit_test(date_parse__malformed_shapes__fail_invalid),
        cmocka_unit_test(date_parse_iso__only_dashes__strict),
        cmocka_unit_test(date_long_term__constant__is_2099_12_31),
        cmocka_unit_test(date_format_and_to_ymd__round_trip__every_day_1900_to_2099),
        cmocka_unit_test(date_add_months__clamps_to_month_end__exact),
        cmocka_unit_test(date_weekday__known_dates__iso_numbers),
        cmocka_unit_test(date_from_unix_ms__shanghai_midnight__exact),
        cmocka_unit_test(date_today_shanghai__clock__between_two_readings),
        cmocka_unit_test(calendar_load__good_file__entries_applied),
        cmocka_unit_test(calendar_is_working_day__null_calendar__mon_to_fri),
        cmocka_unit_test(calendar_load__empty_file__plain_weekdays),
        cmocka_unit_test(calendar_load__bad_keyword__names_line_4),
        cmocka_unit_test(calendar_load__impossible_date__names_line_3),
        cmocka_unit_test(calendar_load__duplicate_date__names_later_line_5),
        cmocka_unit_test(calendar_load__slash_date_or_trailing_word__rejected),
        cmocka_unit_test(calendar_load__line_over_255_bytes__names_line_2),
        cmocka_unit_test(calendar_add_working_days__across_holiday_and_tiaoxiu__exact),
        cmocka_unit_test(calendar_etc_file__official_2025_2026_schedule__loaded),
        cmocka_unit_test(amount_parse__valid_forms__exact_units),
        cmocka_unit_test(amount_parse__invalid_forms__fail_invalid),
        cmocka_unit_test(amount_format__shortest_exact_decimal__round_trip),
        cmocka_unit_test_teardown(calendar_load__fail_nth_alloc__nomem_no_leak, alloc_hook_off),
        cmocka_unit_test_teardown(config_load__fail_nth_alloc__nomem_no_leak, alloc_hook_off),
        cmocka_unit_test(safety__config_server_keys__at_min_and_max__loaded_exactly),
        cmocka_unit_test(safety__config_server_keys__one_past_min_and_max__invalid_named),
        cmocka_unit_test(config_load__no_server_object__h2_defaults),
        cmocka_unit_test(config_load__server_unknown_key_or_wrong_type__invalid_named),
        cmocka_unit_test(config_load__unknown_or_duplicate_key__error_names_it),
        cmocka_unit_test(config_listen_parse__forms__exact),
        cmocka_unit_test(config_load__listen_and_tls_keys__loaded_or_named),
        cmocka_unit_test(config_load_file__other_path__relative_paths_under_data_dir),
        cmocka_unit_test(
            safety__config_score_cache_entries__at_limits_and_one_past__exact_or_named),
        cmocka_unit_test(config_policy_notice_working_days__at_limits_and_one_past__exact_or_named),
        cmocka_unit_test(
            config_auth_required__absent_true_false_wrong_type_unknown_key__exact_or_named),
        cmocka_unit_test(config_load__api_object_absent_empty_or_wrong__default_or_named),
        cmocka_unit_test(config_load__shipped_etc_config__api_default),
        cmocka_unit_test(safety__config_attest_keys__at_min_and_max__loaded_exactly),
        cmocka_unit_test(safety__config_attest_keys__one_past_min_and_max__invalid_named),
        cmocka_unit_test(config_load__no_attest_object__attest_defaults),
        cmocka_unit_test(config_load__attest_status_list_entries__multiple_of_8_in_16_to_2e24),
        cmocka_unit_test(config_load__attest_issuer_shapes__https_only_no_slash_query_fragment),
        cmocka_unit_test(config_load__attest_region_and_city__six_digits_and_63_bytes),
        cmocka_unit_test(config_load__attest_default_over_max_validity__invalid_named),
        cmocka_unit_test(config_load__attest_alg_and_partner_algs__values_and_64_entries),
        cmocka_unit_test(config_load__attest_unknown_key_or_not_object__named),
        cmocka_unit_test(yc_time_rfc3339__range_edges__exact_or_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
