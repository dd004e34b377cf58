/* Civil dates (Asia/Shanghai), working-day calendar and exact 万元 amounts. */
#include "yrdcredit/date.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yrdcredit/alloc.h"

#define YC_DATE_MIN_YEAR      1900
#define YC_DATE_MAX_YEAR      2099
#define SHANGHAI_UTC_OFFSET_S (8 * 3600)

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days from civil, after H. Hinnant's public-domain algorithm description. */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void yc_date_to_ymd(yc_date date, int *ret_y, int *ret_m, int *ret_d)
{
    int z = date + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const int doe = z - era * 146097;
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int mp = (5 * doy + 2) / 153;
    const int d = doy - (153 * mp + 2) / 5 + 1;
    const int m = mp < 10 ? mp + 3 : mp - 9;
    *ret_y = yoe + era * 400 + (m <= 2);
    *ret_m = m;
    *ret_d = d;
}

yc_err yc_date_from_ymd(int y, int m, int d, yc_date *ret_date)
{
    YC_ENSURE(y >= YC_DATE_MIN_YEAR && y <= YC_DATE_MAX_YEAR, YC_ERR_INVALID);
    YC_ENSURE(m >= 1 && m <= 12, YC_ERR_INVALID);
    YC_ENSURE(d >= 1 && d <= days_in_month(y, m), YC_ERR_INVALID);
    *ret_date = days_from_civil(y, m, d);
    return YC_OK;
}

/* Reads 1..max_digits ASCII digits; returns the count read, 0 if none. */
static size_t read_digits(const char *s, size_t len, size_t max_digits, int *ret_val)
{
    size_t i = 0;
    int v = 0;
    while (i < len && i < max_digits && s[i] >= '0' && s[i] <= '9') {
        v = v * 10 + (s[i] - '0');
        i++;
    }
    *ret_val = v;
    return i;
}

/* Checks a time of day after the date: `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (1..9
 * fraction digits), as exported by databases ("2023-04-05 00:00:00", "... 00:00:00.0"). */
static bool time_of_day_is_valid(const char *s, size_t len)
{
    int hh, mm, ss;
    YC_ENSURE(len >= 5 && read_digits(s, 2, 2, &hh) == 2 && s[2] == ':', false);
    YC_ENSURE(read_digits(s + 3, 2, 2, &mm) == 2 && hh <= 23 && mm <= 59, false);
    if (len == 5)
        return true;
    YC_ENSURE(len >= 8 && s[5] == ':' && read_digits(s + 6, 2, 2, &ss) == 2 && ss <= 59, false);
    if (len == 8)
        return true;
    YC_ENSURE(s[8] == '.' && len >= 10 && len <= 18, false);
    for (size_t i = 9; i < len; i++)
        YC_ENSURE(s[i] >= '0' && s[i] <= '9', false);
    return true;
}

yc_err yc_date_parse(const char *s, size_t len, yc_date *ret_date)
{
    /* A time-of-day suffix after one space is ignored ("2023-04-05 00:00:00"), but it
     * must be a time of day: "2023-04-05 junk" is not a date. */
    const char *sp = memchr(s, ' ', len);
    if (sp != NULL) {
        const size_t date_len = (size_t)(sp - s);
        YC_ENSURE(time_of_day_is_valid(sp + 1, len - date_len - 1), YC_ERR_INVALID);
        len = date_len;
    }
    int y, m, d;
    /* YYYYMMDD; an 8-character string with separators is YYYY/M/D, parsed below. */
    if (len == 8 && read_digits(s, 8, 8, &y) == 8) {
        d = y % 100;
        m = (y / 100) % 100;
        y /= 10000;
        return yc_date_from_ymd(y, m, d, ret_date);
    }
    YC_ENSURE(len >= 8 && len <= 10, YC_ERR_INVALID);
    YC_ENSURE(read_digits(s, len, 4, &y) == 4, YC_ERR_INVALID);
    const char sep = s[4];
    YC_ENSURE(sep == '-' || sep == '/', YC_ERR_INVALID);
    size_t pos = 5;
    size_t n = read_digits(s + pos, len - pos, 2, &m);
    YC_ENSURE(n >= 1 && (sep == '/' || n == 2), YC_ERR_INVALID);
    pos += n;
    YC_ENSURE(pos < len && s[pos] == sep, YC_ERR_INVALID);
    pos++;
    n = read_digits(s + pos, len - pos, 2, &d);
    YC_ENSURE(n >= 1 && (sep == '/' || n == 2), YC_ERR_INVALID);
    YC_ENSURE(pos + n == len, YC_ERR_INVALID);
    return yc_date_from_ymd(y, m, d, ret_date);
}

yc_err yc_date_parse_iso(const char *s, yc_date *ret_date)
{
    const size_t len = strlen(s);
    YC_ENSURE(len == YC_DATE_STR_LEN && s[4] == '-' && s[7] == '-', YC_ERR_INVALID);
    return yc_date_parse(s, len, ret_date);
}

void yc_date_format(yc_date date, char buf[static YC_DATE_STR_LEN + 1])
{
    int y, m, d;
    yc_date_to_ymd(date, &y, &m, &d);
    const int parts[3] = {y, m, d};
    const int widths[3] = {4, 2, 2};
    size_t pos = 0;
    for (int k = 0; k < 3; k++) {
        if (k > 0)
            buf[pos++] = '-';
        int v = parts[k];
        for (int w = widths[k] - 1; w >= 0; w--) {
            buf[pos + (size_t)w] = (char)('0' + v % 10);
            v /= 10;
        }
        pos += (size_t)widths[k];
    }
    buf[pos] = '\0';
}

yc_date yc_date_add_months(yc_date date, int months)
{
    int y, m, d;
    yc_date_to_ymd(date, &y, &m, &d);
    int idx = y * 12 + (m - 1) + months;
    y = idx / 12;
    m = idx % 12 + 1;
    const int dim = days_in_month(y, m);
    return days_from_civil(y, m, d > dim ? dim : d);
}

int64_t yc_clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

yc_date yc_date_from_unix_ms(int64_t unix_ms)
{
    /* Floor division throughout: before 1970 C's truncation toward zero would put the
     * last millisecond of a day into the next one. */
    const int64_t s = unix_ms / 1000 - (unix_ms % 1000 < 0) + SHANGHAI_UTC_OFFSET_S;
    const int64_t days = s / 86400 - (s % 86400 < 0);
    return (yc_date)days;
}

yc_date yc_date_today_shanghai(void)
{
    return yc_date_from_unix_ms(yc_clock_now_ms());
}

int yc_date_weekday(yc_date date)
{
    /* 1970-01-01 was a Thursday (4). */
    int w = (int)((date % 7 + 7) % 7);
    return (w + 3) % 7 + 1;
}

/* ---- calendar ---- */

typedef struct cal_entry {
    yc_date date;
    bool working;
    int line; /* 1-based line of the file, to name a duplicate */
} cal_entry;

struct yc_calendar {
    cal_entry *entries; /* sorted by date, unique */
    size_t n;
};

static int cal_entry_cmp(const void *a, const void *b)
{
    const cal_entry *x = a, *y = b;
    return (x->date > y->date) - (x->date < y->date);
}

static yc_err cal_parse_line(char *line, cal_entry *ret_entry, bool *ret_blank)
{
    char *hash = strchr(line, '#');
    if (hash != NULL)
        *hash = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strcspn(p, " \t\r\n");
    if (len == 0) {
        *ret_blank = true;
        return YC_OK;
    }
    *ret_blank = false;
    /* Strictly YYYY-MM-DD, as documented; the other published forms are for imports. */
    YC_ENSURE(len == YC_DATE_STR_LEN && p[4] == '-' && p[7] == '-', YC_ERR_INVALID);
    YC_TRY(yc_date_parse(p, len, &ret_entry->date));
    p += len;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t wlen = strcspn(p, " \t\r\n");
    if (wlen == 7 && strncmp(p, "workday", 7) == 0)
        ret_entry->working = true;
    else if (wlen == 7 && strncmp(p, "holiday", 7) == 0)
        ret_entry->working = false;
    else
        return YC_ERR_INVALID;
    p += wlen;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    YC_ENSURE(*p == '\0', YC_ERR_INVALID);
    return YC_OK;
}

yc_err yc_calendar_load(const char *path, yc_calendar **ret_cal, int *ret_line)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return YC_ERR_IO;
    yc_err rv = YC_OK;
    yc_calendar *cal = yc_calloc(1, sizeof *cal);
    size_t cap = 0;
    char line[256];
    int lineno = 0;
    if (cal == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        cal_entry e;
        bool blank;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            rv = YC_ERR_INVALID;
            goto out;
        }
        rv = cal_parse_line(line, &e, &blank);
        if (rv != YC_OK)
            goto out;
        if (blank)
            continue;
        e.line = lineno;
        if (cal->n == cap) {
            cap = cap ? cap * 2 : 64;
            cal_entry *grown = yc_realloc(cal->entries, cap * sizeof *grown);
            if (grown == NULL) {
                rv = YC_ERR_NOMEM;
                goto out;
            }
            cal->entries = grown;
        }
        cal->entries[cal->n++] = e;
    }
    if (ferror(f)) {
        rv = YC_ERR_IO;
        goto out;
    }
    /* An empty file leaves entries NULL, and qsort(NULL, 0, ...) is undefined (C11 7.22.5). */
    if (cal->n > 1)
        qsort(cal->entries, cal->n, sizeof *cal->entries, cal_entry_cmp);
    for (size_t i = 1; i < cal->n; i++) {
        if (cal->entries[i].date == cal->entries[i - 1].date) {
            /* The same date twice is ambiguous: name the later of the two lines (qsort
             * is not stable, so either may come first). */
            rv = YC_ERR_INVALID;
            const int a = cal->entries[i].line, b = cal->entries[i - 1].line;
            lineno = a > b ? a : b;
            goto out;
        }
    }
out:
    fclose(f);
    if (rv != YC_OK) {
        if (ret_line != NULL)
            *ret_line = lineno;
        yc_calendar_free(cal);
        return rv;
    }
    *ret_cal = cal;
    return YC_OK;
}

void yc_calendar_free(yc_calendar *cal)
{
    if (cal == NULL)
        return;
    yc_free(cal->entries);
    yc_free(cal);
}

bool yc_calendar_is_working_day(const yc_calendar *cal, yc_date date)
{
    if (cal != NULL && cal->n > 0) {
        cal_entry key = {.date = date};
        const cal_entry *e =
            bsearch(&key, cal->entries, cal->n, sizeof *cal->entries, cal_entry_cmp);
        if (e != NULL)
            return e->working;
    }
    return yc_date_weekday(date) <= 5;
}

yc_date yc_calendar_add_working_days(const yc_calendar *cal, yc_date date, int n)
{
    while (n > 0) {
        date++;
        if (yc_calendar_is_working_day(cal, date))
            n--;
    }
    return date;
}

/* ---- amounts ---- */

yc_err yc_amount_parse(const char *s, size_t len, yc_amount *ret_amount)
{
    while (len > 0 && s[0] == ' ') {
        s++;
        len--;
    }
    while (len > 0 && s[len - 1] == ' ')
        len--;
    YC_ENSURE(len > 0, YC_ERR_INVALID);
    int64_t whole = 0, frac = 0;
    size_t i = 0, int_digits = 0, frac_digits = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
        YC_ENSURE(whole <= YC_AMOUNT_MAX / YC_AMOUNT_SCALE, YC_ERR_INVALID);
        whole = whole * 10 + (s[i] - '0');
    }
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++) {
            YC_ENSURE(frac_digits < 6, YC_ERR_INVALID);
            frac = frac * 10 + (s[i] - '0');
        }
        YC_ENSURE(frac_digits > 0, YC_ERR_INVALID);
    }
    YC_ENSURE(i == len && int_digits > 0, YC_ERR_INVALID);
    for (size_t k = frac_digits; k < 6; k++)
        frac *= 10;
    YC_ENSURE(whole <= YC_AMOUNT_MAX / YC_AMOUNT_SCALE, YC_ERR_INVALID);
    const int64_t v = whole * YC_AMOUNT_SCALE + frac;
    YC_ENSURE(v <= YC_AMOUNT_MAX, YC_ERR_INVALID);
    *ret_amount = v;
    return YC_OK;
}

void yc_amount_format(yc_amount a, char buf[static YC_AMOUNT_STR_MAX + 1])
{
    const long long whole = (long long)(a / YC_AMOUNT_SCALE);
    long long frac = (long long)(a % YC_AMOUNT_SCALE);
    if (frac == 0) {
        snprintf(buf, YC_AMOUNT_STR_MAX + 1, "%lld", whole);
        return;
    }
    int digits = 6;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    snprintf(buf, YC_AMOUNT_STR_MAX + 1, "%lld.%0*lld", whole, digits, frac);
}

void yc_time_rfc3339(int64_t unix_s, char out[static YC_TIME_RFC3339_LEN + 1])
{
    out[0] = '\0';
    if (unix_s < 0 || unix_s > INT64_C(253402300799))
        return;
    const time_t t = (time_t)unix_s;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL ||
        strftime(out, YC_TIME_RFC3339_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != YC_TIME_RFC3339_LEN)
        out[0] = '\0';
}
