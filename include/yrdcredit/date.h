/**
 * @file date.h
 * @brief Civil dates in Asia/Shanghai (UTC+8, no DST since 1991), working-day calendar,
 *        and exact decimal amounts in 万元.
 *
 * A yc_date is a count of days since 1970-01-01 (day 0) in the proleptic Gregorian
 * calendar; it carries no time of day.  Valid range: 1900-01-01 .. 2099-12-31.
 */
#ifndef YRDCREDIT_DATE_H
#define YRDCREDIT_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"

/** Days since 1970-01-01; see file comment. */
typedef int32_t yc_date;

/** Sentinel for "no date" (an optional field left empty). */
#define YC_DATE_NONE INT32_MIN
/** 1900-01-01, the first date yc_date_from_ymd() builds. */
#define YC_DATE_MIN ((yc_date)-25567)
/** 2099-12-31: in 双公示 data this date means 长期 (no end). */
#define YC_DATE_LONG_TERM ((yc_date)47481)
/** Formatted date length without the NUL: "YYYY-MM-DD". */
#define YC_DATE_STR_LEN 10

/**
 * @brief Build a date from year, month (1..12) and day (1..31).
 * @param[in]  y         Year, 1900..2099.
 * @param[in]  m         Month, 1..12.
 * @param[in]  d         Day of the month; must exist in that month.
 * @param[out] ret_date  The date.
 * @retval YC_OK           valid date
 * @retval YC_ERR_INVALID  out of range 1900..2099 or no such day (e.g. 2023-02-29)
 */
YC_MUST_USE yc_err yc_date_from_ymd(int y, int m, int d, yc_date *ret_date);

/**
 * @brief Split a date into year, month (1..12), day (1..31).
 * @param[in]  date  A valid yc_date (not YC_DATE_NONE).
 * @param[out] ret_y  Year.
 * @param[out] ret_m  Month, 1..12.
 * @param[out] ret_d  Day, 1..31.
 */
void yc_date_to_ymd(yc_date date, int *ret_y, int *ret_m, int *ret_d);

/**
 * @brief Parse a date in one of the forms published by Chinese authorities:
 *        `YYYY-MM-DD`, `YYYY/MM/DD` (also `YYYY/M/D`), `YYYYMMDD`.
 *        A time-of-day suffix after a space (`2023-04-05 00:00:00`) is ignored.
 * @param[in]  s         Text; not necessarily NUL-terminated.
 * @param[in]  len       Length of @p s in bytes.
 * @param[out] ret_date  The date.
 * @retval YC_OK           parsed
 * @retval YC_ERR_INVALID  any other shape, or an impossible date such as 2023-02-30
 * @par Source: domain.md §5 (XK_YXQZI uses YYYY/MM/DD).
 */
YC_MUST_USE yc_err yc_date_parse(const char *s, size_t len, yc_date *ret_date);

/**
 * @brief Parse strictly `YYYY-MM-DD` (the API and CLI form, e.g. `--as-of`).
 * @param[in]  s         NUL-terminated text.
 * @param[out] ret_date  The date.
 * @retval YC_OK, YC_ERR_INVALID
 */
YC_MUST_USE yc_err yc_date_parse_iso(const char *s, yc_date *ret_date);

/**
 * @brief Format as `YYYY-MM-DD`.
 * @param[in]  date  A valid date.
 * @param[out] buf   At least YC_DATE_STR_LEN + 1 bytes; NUL-terminated on return.
 */
void yc_date_format(yc_date date, char buf[static YC_DATE_STR_LEN + 1]);

/**
 * @brief Add @p months calendar months, clamping the day to the end of the target month
 *        (2024-01-31 + 1 month = 2024-02-29; 2023-01-31 + 1 = 2023-02-28).
 * @param[in] date    A valid date.
 * @param[in] months  May be negative.
 * @return The shifted date.
 * @par Source: ARCHITECTURE.md "Score model" (adding months clamps to the month's end).
 */
yc_date yc_date_add_months(yc_date date, int months);

/**
 * @brief Today's civil date in Asia/Shanghai (UTC+8) from the system clock.
 * @return The date.
 */
yc_date yc_date_today_shanghai(void);

/**
 * @brief Civil date in Asia/Shanghai of a Unix time in milliseconds.
 * @param[in] unix_ms  Milliseconds since 1970-01-01T00:00:00Z.
 * @return The date.
 */
yc_date yc_date_from_unix_ms(int64_t unix_ms);

/**
 * @brief Current Unix time in milliseconds (CLOCK_REALTIME).
 * @return Milliseconds since the epoch.
 */
int64_t yc_clock_now_ms(void);

/**
 * @brief Day of week, 1 = Monday .. 7 = Sunday (ISO 8601).
 * @param[in] date  A valid date.
 * @return 1..7.
 */
int yc_date_weekday(yc_date date);

/** Working-day calendar: Mon–Fri are working days unless the file says otherwise. */
typedef struct yc_calendar yc_calendar;

/**
 * @brief Load a calendar file.  Format: one entry per line, `YYYY-MM-DD workday` or
 *        `YYYY-MM-DD holiday`, `#` starts a comment, blank lines ignored.
 * @param[in]  path      File path.
 * @param[out] ret_cal   New calendar; free with yc_calendar_free().
 * @param[out] ret_line  On YC_ERR_INVALID, the 1-based line number at fault; may be NULL.
 * @retval YC_OK, YC_ERR_IO (cannot read), YC_ERR_INVALID (bad line), YC_ERR_NOMEM
 * @par Source: 国务院办公厅 annual 部分节假日安排 notices (调休 workdays on weekends).
 */
YC_MUST_USE yc_err yc_calendar_load(const char *path, yc_calendar **ret_cal, int *ret_line);

/**
 * @brief Release a calendar.
 * @param[in] cal  May be NULL (no-op).
 */
void yc_calendar_free(yc_calendar *cal);

/**
 * @brief Is @p date a working day?
 * @param[in] cal   Calendar, or NULL for plain Mon–Fri.
 * @param[in] date  A valid date.
 * @return true for a working day.
 */
bool yc_calendar_is_working_day(const yc_calendar *cal, yc_date date);

/**
 * @brief The date @p n working days after @p date (n ≥ 0; n = 0 returns @p date).
 * @param[in] cal   Calendar, or NULL for plain Mon–Fri.
 * @param[in] date  Start date.
 * @param[in] n     Number of working days, 0..10000.
 * @return The date.
 * @par Source: 浙江省公共信用信息管理条例 Art.31 (objections in 5 working days).
 */
yc_date yc_calendar_add_working_days(const yc_calendar *cal, yc_date date, int n);

/**
 * Amount in 万元 as an exact decimal: integer count of 10^-6 万元 (= 0.01 元, one 分).
 * Never binary floating point.  JSON carries it as a decimal string ("12.5").
 */
typedef int64_t yc_amount;

/** Scale of yc_amount: units per 1 万元. */
#define YC_AMOUNT_SCALE 1000000
/** Largest accepted amount: 10^9 万元 (10^13 元). */
#define YC_AMOUNT_MAX ((yc_amount)1000000000 * YC_AMOUNT_SCALE)
/** Longest formatted amount, without NUL. */
#define YC_AMOUNT_STR_MAX 24

/**
 * @brief Parse a non-negative decimal amount in 万元: digits, optional `.` and up to 6
 *        fraction digits; surrounding ASCII spaces ignored.
 * @param[in]  s           Text; not necessarily NUL-terminated.
 * @param[in]  len         Length in bytes.
 * @param[out] ret_amount  The amount.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  empty, negative, non-numeric, exponent, more than 6 fraction
 *                         digits, or above YC_AMOUNT_MAX
 */
YC_MUST_USE yc_err yc_amount_parse(const char *s, size_t len, yc_amount *ret_amount);

/**
 * @brief Format an amount as the shortest exact decimal ("12.5", "0", "3", "0.000001").
 * @param[in]  a    0..YC_AMOUNT_MAX.
 * @param[out] buf  At least YC_AMOUNT_STR_MAX + 1 bytes; NUL-terminated on return.
 */
void yc_amount_format(yc_amount a, char buf[static YC_AMOUNT_STR_MAX + 1]);

/** Length of yc_time_rfc3339()'s text, "YYYY-MM-DDTHH:MM:SSZ", without the NUL. */
#define YC_TIME_RFC3339_LEN 20

/**
 * @brief A moment as an RFC 3339 UTC date-time with whole seconds, e.g.
 *        "2026-11-29T13:00:00Z" (the API's and the CLI's timestamps).
 * @param[in]  unix_s  Seconds since the epoch, 0..253402300799 (years 1970..9999).
 * @param[out] out     YC_TIME_RFC3339_LEN + 1 bytes; NUL-terminated; "" when @p unix_s is
 *                     out of range.
 * @par Source: RFC 3339 §5.6; api/openapi.yaml schema Timestamp.
 */
void yc_time_rfc3339(int64_t unix_s, char out[static YC_TIME_RFC3339_LEN + 1]);

#endif
