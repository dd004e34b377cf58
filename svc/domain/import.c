/* Import driver: options, encoding detection and GB18030 conversion (iconv), kind
 * detection, batches, and the field checks shared by CSV and JSON Lines.
 * Formats: docs/formats.md. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/ids.h"

#define FEED_CHUNK   (64 * 1024)
#define WINDOW_MAX   1200 /* months: 100 years */
#define DOC_TEXT_MAX 64   /* raw document number / type / country text before normalising */

typedef enum enc { ENC_UTF8, ENC_GB18030 } enc;

/* ---- small helpers ---- */

yc_sv yc_sv_trim(yc_sv s)
{
    while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

bool yc_sv_eq(yc_sv s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* Length of the valid UTF-8 sequence at s[0..n), n > 0; 0 when invalid.
 * RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if (n <= need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k <= need; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return need + 1;
}

bool yc_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            /* ASCII fast path, 8 bytes at a time */
            uint64_t w;
            while (n - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080u) == 0))
                i += 8;
            if (i < n && s[i] < 0x80)
                i++;
            continue;
        }
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Counts the valid multi-byte UTF-8 sequences and the bytes that start no valid sequence. */
static void utf8_census(const uint8_t *s, size_t n, size_t *ret_multi, size_t *ret_bad)
{
    size_t multi = 0, bad = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0) {
            bad++;
            i++;
            continue;
        }
        multi += k > 1;
        i += k;
    }
    *ret_multi = multi;
    *ret_bad = bad;
}

void yc_imp_reject(yc_imp *imp, long row, const char *field, const char *fmt, ...)
{
    imp->stats.rejected++;
    if (!imp->report || imp->opts->on_reject == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(imp->reason, sizeof imp->reason, fmt, ap);
    va_end(ap);
    const yc_reject r = {.file = imp->name, .row = row, .field = field, .reason = imp->reason};
    imp->opts->on_reject(imp->opts->ctx, &r);
}

/* Longest value ever quoted in a reject, and the digit run that makes a value look like an
 * identifier (ID numbers, phone numbers, USCC bodies): docs/formats.md §5. */
#define ECHO_MAX_BYTES  32
#define ECHO_MAX_DIGITS 5

/* A control character at s[0..n): C0, DEL, or C1 (U+0080–U+009F, UTF-8 C2 80..C2 9F);
 * returns its length in bytes, 0 when s does not start with one. */
static size_t control_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x20 || s[0] == 0x7F)
        return 1;
    if (n >= 2 && s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F)
        return 2;
    return 0;
}

/* True when s[0..n) (valid UTF-8) starts with an invisible or direction control character
 * (docs/formats.md §1): the bidi embeddings, overrides and isolates U+202A–U+202E and
 * U+2066–U+2069 always; unless free_text also U+200B–U+200F (zero-width characters, LRM,
 * RLM), U+2028, U+2029, U+2060–U+2064 and U+FEFF.  All are 3-byte sequences starting E2 or
 * EF. */
static bool invisible_at(const unsigned char *s, size_t n, bool free_text)
{
    if (n < 3)
        return false;
    if (s[0] == 0xEF)
        return !free_text && s[1] == 0xBB && s[2] == 0xBF; /* U+FEFF */
    if (s[0] != 0xE2)
        return false;
    unsigned cp = 0x2000u | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return true;
    return !free_text && ((cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 ||
                          (cp >= 0x2060 && cp <= 0x2064));
}

static bool echo_is_safe(yc_sv v)
{
    const unsigned char *s = (const unsigned char *)v.p;
    if (v.n == 0 || v.n > ECHO_MAX_BYTES || !yc_utf8_valid(v.p, v.n))
        return false;
    int run = 0;
    for (size_t i = 0; i < v.n;) {
        if (control_len(s + i, v.n - i) > 0 || invisible_at(s + i, v.n - i, false))
            return false;
        size_t k = 1;
        if (s[i] >= '0' && s[i] <= '9')
            run++;
        else if (v.n - i >= 3 && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] >= 0x90 &&
                 s[i + 2] <= 0x99) { /* full-width digit U+FF10–U+FF19 */
            run++;
            k = 3;
        } else
            run = 0;
        if (run > ECHO_MAX_DIGITS)
            return false;
        i += k;
    }
    return true;
}

void yc_imp_reject_value(yc_imp *imp, long row, const char *field, const char *what, yc_sv v,
                         bool echo)
{
    if (echo && echo_is_safe(v))
        yc_imp_reject(imp, row, field, "%s '%.*s'", what, (int)v.n, v.p);
    else
        yc_imp_reject(imp, row, field, "%s", what);
}

bool yc_imp_key_is_safe(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > ECHO_MAX_BYTES)
        return false;
    int run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        bool digit = c >= '0' && c <= '9';
        if (!digit && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && c != '_')
            return false;
        run = digit ? run + 1 : 0;
        if (run > ECHO_MAX_DIGITS)
            return false;
    }
    return true;
}

yc_record *yc_imp_slot(yc_imp *imp)
{
    yc_record *r = &imp->batch[imp->deliver ? imp->batch_n : 0];
    *r = (yc_record){.version = 1,
                     .decision_date = YC_DATE_NONE,
                     .pub_start = YC_DATE_NONE,
                     .pub_min_end = YC_DATE_NONE,
                     .pub_max_end = YC_DATE_NONE,
                     .status = YC_STATUS_ACTIVE};
    return r;
}

static yc_err flush(yc_imp *imp)
{
    if (imp->batch_n == 0)
        return YC_OK;
    size_t n = imp->batch_n;
    imp->batch_n = 0;
    if (imp->opts->on_batch != NULL) {
        yc_err rv = imp->opts->on_batch(imp->opts->ctx, imp->batch, n);
        if (rv != YC_OK) {
            imp->fatal = rv;
            return rv;
        }
    }
    imp->stats.accepted += n;
    return YC_OK;
}

yc_err yc_imp_commit(yc_imp *imp)
{
    if (!imp->deliver)
        return YC_OK;
    imp->batch_n++;
    if (imp->batch_n == imp->batch_cap)
        return flush(imp);
    if (imp->batch_n == imp->batch_alloc) {
        /* grow geometrically: a small file never pays for a large batch_size */
        size_t n = imp->batch_alloc * 2 < imp->batch_cap ? imp->batch_alloc * 2 : imp->batch_cap;
        yc_record *g = yc_realloc(imp->batch, n * sizeof *g);
        if (g == NULL) {
            imp->fatal = YC_ERR_NOMEM;
            return YC_ERR_NOMEM;
        }
        imp->batch = g;
        imp->batch_alloc = n;
    }
    return YC_OK;
}

/* ---- shared field checks (each reports its own reject) ---- */

bool yc_imp_cell_encoding(yc_imp *imp, long row, const char *field, yc_sv v)
{
    if (imp->text_valid || yc_utf8_valid(v.p, v.n))
        return true;
    /* in GB18030 mode every invalid sequence was replaced by byte 0xFF (feed_gb18030) */
    yc_imp_reject(imp, row, field, "%s",
                  imp->gb18030 ? "invalid GB18030 byte sequence" : "invalid UTF-8");
    return false;
}

bool yc_imp_cell(yc_imp *imp, long row, const char *field, yc_sv v, bool free_text)
{
    if (memchr(v.p, '\0', v.n) != NULL) {
        yc_imp_reject(imp, row, field, "contains a NUL byte");
        return false;
    }
    if (!yc_imp_cell_encoding(imp, row, field, v))
        return false;
    const unsigned char *s = (const unsigned char *)v.p;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != 0x7F && c != 0xC2 && c != 0xE2 && c != 0xEF) /* common case */
            continue;
        if (free_text && (c == '\t' || c == '\n' || c == '\r'))
            continue;
        if (control_len(s + i, v.n - i) > 0) {
            yc_imp_reject(imp, row, field, "contains a control character");
            return false;
        }
        if (invisible_at(s + i, v.n - i, free_text)) {
            yc_imp_reject(imp, row, field, "contains an invisible or direction control character");
            return false;
        }
    }
    return true;
}

/* NUL and encoding only: control characters are checked once per row (yc_imp_cell). */
static bool check_bytes(yc_imp *imp, long row, const char *field, yc_sv v)
{
    if (memchr(v.p, '\0', v.n) != NULL) {
        yc_imp_reject(imp, row, field, "contains a NUL byte");
        return false;
    }
    return yc_imp_cell_encoding(imp, row, field, v);
}

bool yc_imp_present(yc_imp *imp, long row, const char *field, yc_sv v)
{
    v = yc_sv_trim(v);
    if (v.n == 0) {
        yc_imp_reject(imp, row, field, "required field missing");
        return false;
    }
    return check_bytes(imp, row, field, v);
}

bool yc_imp_text(yc_imp *imp, long row, const char *field, yc_sv v, bool required, char *dst,
                 size_t dst_max)
{
    v = yc_sv_trim(v);
    if (v.n == 0) {
        if (required) {
            yc_imp_reject(imp, row, field, "required field missing");
            return false;
        }
        dst[0] = '\0';
        return true;
    }
    if (v.n > dst_max) {
        yc_imp_reject(imp, row, field, "longer than %zu bytes", dst_max);
        return false;
    }
    if (!check_bytes(imp, row, field, v))
        return false;
    memcpy(dst, v.p, v.n);
    dst[v.n] = '\0';
    return true;
}

/* Reads exactly 1..max digits ending at a non-digit; returns the count. */
static size_t digits(const char *s, size_t n, size_t max, int *ret)
{
    size_t i = 0;
    int v = 0;
    while (i < n && i < max && s[i] >= '0' && s[i] <= '9')
        v = v * 10 + (s[i++] - '0');
    *ret = v;
    return i;
}

/* "2024年03月01日" (the 失信被执行人 feed's publishDate form). */
static yc_err parse_cjk_date(yc_sv v, yc_date *ret)
{
    static const char nian[] = "\xE5\xB9\xB4", yue[] = "\xE6\x9C\x88", ri[] = "\xE6\x97\xA5";
    int y, m, d;
    size_t k = digits(v.p, v.n, 4, &y);
    YC_ENSURE(k == 4 && v.n - k >= 3 && memcmp(v.p + k, nian, 3) == 0, YC_ERR_INVALID);
    size_t i = k + 3;
    k = digits(v.p + i, v.n - i, 2, &m);
    YC_ENSURE(k >= 1 && v.n - i - k >= 3 && memcmp(v.p + i + k, yue, 3) == 0, YC_ERR_INVALID);
    i += k + 3;
    k = digits(v.p + i, v.n - i, 2, &d);
    YC_ENSURE(k >= 1 && v.n - i - k == 3 && memcmp(v.p + i + k, ri, 3) == 0, YC_ERR_INVALID);
    return yc_date_from_ymd(y, m, d, ret);
}

bool yc_imp_date(yc_imp *imp, long row, const char *field, yc_sv v, bool required, bool not_future,
                 bool cjk, yc_date *ret)
{
    v = yc_sv_trim(v);
    if (v.n == 0) {
        if (required) {
            yc_imp_reject(imp, row, field, "required field missing");
            return false;
        }
        *ret = YC_DATE_NONE;
        return true;
    }
    yc_date d;
    if (!check_bytes(imp, row, field, v))
        return false;
    if (yc_date_parse(v.p, v.n, &d) != YC_OK && (!cjk || parse_cjk_date(v, &d) != YC_OK)) {
        yc_imp_reject(imp, row, field, "invalid date");
        return false;
    }
    if (not_future && d > imp->opts->today) {
        yc_imp_reject(imp, row, field, "date in the future");
        return false;
    }
    *ret = d;
    return true;
}

bool yc_imp_amount(yc_imp *imp, long row, const char *field, yc_sv v, bool *ret_has, yc_amount *ret)
{
    v = yc_sv_trim(v);
    if (v.n == 0) {
        *ret_has = false;
        return true;
    }
    if (v.p[0] == '-') {
        yc_imp_reject(imp, row, field, "negative amount");
        return false;
    }
    /* the shape first, so that the reason names what is wrong */
    size_t i = 0, int_digits = 0, frac_digits = 0;
    while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9') {
        i++;
        int_digits++;
    }
    bool dot = i < v.n && v.p[i] == '.';
    if (dot)
        for (i++; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++)
            frac_digits++;
    if (i != v.n || int_digits == 0 || (dot && frac_digits == 0)) {
        yc_imp_reject(imp, row, field, "not a decimal amount");
        return false;
    }
    if (frac_digits > 6) {
        yc_imp_reject(imp, row, field, "more than 6 decimal places");
        return false;
    }
    if (yc_amount_parse(v.p, v.n, ret) != YC_OK) { /* the only fault left: the size */
        yc_imp_reject(imp, row, field, "exceeds %lld 万元",
                      (long long)(YC_AMOUNT_MAX / YC_AMOUNT_SCALE));
        return false;
    }
    *ret_has = true;
    return true;
}

bool yc_imp_uscc(yc_imp *imp, long row, const char *field, yc_sv v, bool required,
                 char dst[static YC_USCC_LEN + 1])
{
    v = yc_sv_trim(v);
    if (v.n == 0) {
        if (required) {
            yc_imp_reject(imp, row, field, "required field missing");
            return false;
        }
        dst[0] = '\0';
        return true;
    }
    yc_id_fault fault = YC_ID_LENGTH;
    if (!yc_uscc_is_valid(v.p, v.n, &fault)) {
        yc_imp_reject(imp, row, field, "invalid USCC: %s", yc_id_fault_str(fault));
        return false;
    }
    memcpy(dst, v.p, YC_USCC_LEN);
    dst[YC_USCC_LEN] = '\0';
    return true;
}

bool yc_imp_region(yc_imp *imp, long row, const char *field, yc_sv v, yc_record *rec)
{
    v = yc_sv_trim(v);
    if (v.n == 0)
        return true;
    if (v.n != YC_REGION_LEN || !yc_region_is_valid(v.p, v.n)) {
        yc_imp_reject(imp, row, field, "invalid 行政区划代码");
        return false;
    }
    memcpy(rec->region, v.p, YC_REGION_LEN);
    rec->region[YC_REGION_LEN] = '\0';
    return true;
}

/* Copies a trimmed short text into a NUL-terminated buffer; false when too long or NUL. */
static bool small_copy(yc_sv v, char out[static DOC_TEXT_MAX + 1])
{
    v = yc_sv_trim(v);
    if (v.n > DOC_TEXT_MAX || memchr(v.p, '\0', v.n) != NULL)
        return false;
    memcpy(out, v.p, v.n);
    out[v.n] = '\0';
    return true;
}

bool yc_imp_doc(yc_imp *imp, long row, const char *type_field, yc_sv type_text,
                const char *number_field, yc_sv number, const char *country_field, yc_sv country,
                yc_doc_type fixed_type, yc_record *rec)
{
    yc_doc_type type = fixed_type;
    char buf[DOC_TEXT_MAX + 1];
    if (type == YC_DOC_NONE) {
        type_text = yc_sv_trim(type_text);
        if (type_text.n == 0) {
            yc_imp_reject(imp, row, type_field, "required field missing");
            return false;
        }
        if (!check_bytes(imp, row, type_field, type_text))
            return false;
        if (!small_copy(type_text, buf) || yc_doc_type_parse(buf, &type) != YC_OK) {
            /* a natural person's row: the value is never echoed (docs/formats.md §5) */
            yc_imp_reject(imp, row, type_field, "unsupported 证件类型");
            return false;
        }
    }
    if (yc_sv_trim(number).n == 0) {
        yc_imp_reject(imp, row, number_field, "required field missing");
        return false;
    }
    char cbuf[DOC_TEXT_MAX + 1];
    yc_id_fault fault = YC_ID_LENGTH;
    const char *fault_field = number_field;
    if (!small_copy(number, buf)) {
        fault = YC_ID_LENGTH;
    } else if (!small_copy(country, cbuf)) {
        fault = YC_ID_COUNTRY;
    } else if (yc_doc_normalize(type, cbuf, buf, imp->opts->today, rec->doc_number,
                                rec->doc_country, &fault) == YC_OK) {
        rec->doc_type = type;
        return true;
    }
    if (fault == YC_ID_COUNTRY && country_field != NULL)
        fault_field = country_field;
    yc_imp_reject(imp, row, fault_field, "invalid document number: %s", yc_id_fault_str(fault));
    return false;
}

void yc_imp_default_region(yc_record *rec)
{
    if (rec->region[0] != '\0')
        return;
    const char *src = NULL;
    if (rec->subject_type != YC_SUBJECT_NATURAL_PERSON && strlen(rec->subject_id) == YC_USCC_LEN &&
        yc_region_is_valid(rec->subject_id + 2, YC_REGION_LEN))
        src = rec->subject_id + 2;
    else if (strlen(rec->authority_uscc) == YC_USCC_LEN &&
             yc_region_is_valid(rec->authority_uscc + 2, YC_REGION_LEN))
        src = rec->authority_uscc + 2;
    if (src == NULL)
        return;
    memcpy(rec->region, src, YC_REGION_LEN);
    rec->region[YC_REGION_LEN] = '\0';
}

static yc_date clamp_long_term(yc_date d)
{
    return d > YC_DATE_LONG_TERM ? YC_DATE_LONG_TERM : d;
}

bool yc_imp_window(yc_imp *imp, long row, yc_record *rec, yc_date explicit_end,
                   const char *end_field, const char *end_reason)
{
    const yc_window w = imp->opts->windows[rec->code];
    if (rec->pub_start == YC_DATE_NONE)
        rec->pub_start = rec->decision_date;
    if (explicit_end != YC_DATE_NONE && explicit_end < rec->pub_start) {
        yc_imp_reject(imp, row, end_field, "%s", end_reason);
        return false;
    }
    rec->pub_min_end = w.min_months == 0
                           ? rec->decision_date
                           : clamp_long_term(yc_date_add_months(rec->decision_date, w.min_months));
    rec->pub_max_end = w.max_months == 0
                           ? YC_DATE_LONG_TERM
                           : clamp_long_term(yc_date_add_months(rec->decision_date, w.max_months));
    /* An explicit end may shorten the model's window but never extend it: a code with a
     * maximum (max_months > 0) cannot be made permanent by 公示截止期 2099-12-31.  Codes
     * without one (长期, licence-defined) take the explicit end. */
    if (explicit_end != YC_DATE_NONE && (w.max_months == 0 || explicit_end < rec->pub_max_end))
        rec->pub_max_end = explicit_end;
    if (rec->pub_min_end > rec->pub_max_end)
        rec->pub_min_end = rec->pub_max_end;
    return true;
}

/* ---- encodings ---- */

static yc_err file_reject(yc_imp *imp, long row, const char *reason)
{
    yc_imp_reject(imp, row, YC_FIELD_FILE, "%s", reason);
    imp->fatal = YC_ERR_INVALID;
    return YC_ERR_INVALID;
}

static yc_err feed(yc_imp *imp, const char *p, size_t n)
{
    return imp->is_json ? yc_jsonl_feed(imp, p, n) : yc_csv_feed(imp, p, n);
}

static yc_err feed_utf8(yc_imp *imp, const char *p, size_t n)
{
    for (size_t off = 0; off < n && imp->fatal == YC_OK; off += FEED_CHUNK) {
        size_t k = n - off < FEED_CHUNK ? n - off : FEED_CHUNK;
        YC_TRY(feed(imp, p + off, k));
    }
    return imp->fatal;
}

/* Byte that replaces an invalid GB18030 sequence in the decoded text: invalid in UTF-8, so
 * the row holding it is rejected by the field checks (with its real line number) instead of
 * the whole file. */
#define GB_BAD_BYTE ((char)0xFF)

static yc_err feed_gb18030(yc_imp *imp, const char *p, size_t n)
{
    /* iconv_open() allocates its conversion state inside the C library, not through
     * yc_alloc(), so the fail hook does not reach it; its ENOMEM is still reported as such. */
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return errno == ENOMEM ? YC_ERR_NOMEM : YC_ERR_INTERNAL;
    char *out = yc_alloc(FEED_CHUNK);
    yc_err rv = YC_ERR_NOMEM;
    if (out == NULL)
        goto out;
    char *in = (char *)(uintptr_t)p; /* iconv's prototype is not const-correct */
    size_t in_left = n;
    rv = YC_OK;
    while (in_left > 0 && rv == YC_OK && imp->fatal == YC_OK) {
        char *o = out;
        size_t o_left = FEED_CHUNK;
        size_t r = iconv(cd, &in, &in_left, &o, &o_left);
        /* EILSEQ: invalid sequence; EINVAL: truncated sequence at the end of the input.
         * Either way one byte is replaced and skipped, so an ASCII delimiter or line end
         * after a bad lead byte survives. */
        if (r == (size_t)-1 && errno != E2BIG && in_left > 0) {
            if (o_left == 0) {
                rv = feed(imp, out, FEED_CHUNK);
                o = out;
                o_left = FEED_CHUNK;
            }
            imp->text_valid = false;
            *o++ = GB_BAD_BYTE;
            o_left--;
            in++;
            in_left--;
        }
        if (rv == YC_OK)
            rv = feed(imp, out, FEED_CHUNK - o_left);
    }
    if (rv == YC_OK)
        rv = imp->fatal;
out:
    yc_free(out);
    iconv_close(cd);
    return rv;
}

static yc_err parse_encoding(const char *name, bool *ret_forced, enc *ret)
{
    *ret_forced = name != NULL;
    if (name == NULL)
        return YC_OK;
    if (strcasecmp(name, "UTF-8") == 0 || strcasecmp(name, "UTF8") == 0)
        *ret = ENC_UTF8;
    else if (strcasecmp(name, "GB18030") == 0 || strcasecmp(name, "GBK") == 0 ||
             strcasecmp(name, "GB2312") == 0)
        *ret = ENC_GB18030;
    else
        return YC_ERR_INVALID;
    return YC_OK;
}

/* Decides the encoding and how many leading bytes (a BOM) to skip.  Without --encoding:
 * a UTF-8 BOM, or input that is all valid UTF-8, is UTF-8; otherwise the input is UTF-8 when
 * its valid multi-byte UTF-8 sequences outnumber its invalid bytes (a UTF-8 file with a few
 * bad bytes or rows; those rows are rejected), and GB18030 when not.  GB18030 text contains
 * some byte pairs that happen to be valid UTF-8 (about one per five invalid bytes in the
 * samples), so "any valid multi-byte sequence" would misread every GB18030 file. */
static yc_err detect(yc_imp *imp, const uint8_t *d, size_t n, enc *ret, size_t *ret_skip)
{
    bool forced;
    YC_TRY(parse_encoding(imp->opts->encoding, &forced, ret));
    bool utf8_bom = n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF;
    bool gb_bom = n >= 4 && d[0] == 0x84 && d[1] == 0x31 && d[2] == 0x95 && d[3] == 0x33;
    if (!forced) {
        if (n >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF)))
            return file_reject(imp, 1, "UTF-16 is not supported");
        bool valid = yc_utf8_valid((const char *)d, n);
        *ret = ENC_UTF8;
        if (!valid && !utf8_bom) {
            size_t multi, bad;
            utf8_census(d, n, &multi, &bad);
            if (multi <= bad)
                *ret = ENC_GB18030;
        }
        /* fields need no second check when the whole text is valid UTF-8 */
        imp->text_valid = valid;
    }
    /* iconv's UTF-8 output is valid until feed_gb18030() replaces an invalid sequence */
    if (*ret == ENC_GB18030) {
        imp->text_valid = true;
        imp->gb18030 = true;
    }
    *ret_skip = *ret == ENC_UTF8 ? (utf8_bom ? 3 : 0) : (gb_bom ? 4 : 0);
    return YC_OK;
}

static bool looks_like_json(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')
            continue;
        return d[i] == '{';
    }
    return false;
}

static yc_err run_pass(yc_imp *imp, const uint8_t *data, size_t len)
{
    enc e = ENC_UTF8;
    size_t skip = 0;
    YC_TRY(detect(imp, data, len, &e, &skip));
    data += skip;
    len -= skip;
    imp->is_json = looks_like_json(data, len);
    imp->line_no = 1;
    if (!imp->is_json)
        YC_TRY(yc_csv_begin(imp));
    yc_err rv = e == ENC_UTF8 ? feed_utf8(imp, (const char *)data, len)
                              : feed_gb18030(imp, (const char *)data, len);
    if (rv == YC_OK)
        rv = imp->is_json ? yc_jsonl_finish(imp) : yc_csv_finish(imp);
    if (rv == YC_OK)
        rv = imp->fatal;
    /* Good rows before a fault of the input itself are still delivered (not atomic);
     * after a failed on_batch or an allocation failure nothing more is. */
    if (rv == YC_OK || rv == YC_ERR_INVALID || rv == YC_ERR_TOO_LARGE) {
        yc_err frv = flush(imp);
        if (rv == YC_OK)
            rv = frv;
    }
    return rv;
}

/* What an import reads: a buffer (yc_import_buffer()) or rows (yc_import_rows()). */
typedef struct import_src {
    bool is_rows;
    const uint8_t *data; /* !is_rows: len bytes */
    size_t len;
    const yc_import_row *rows; /* is_rows: n_rows rows */
    size_t n_rows;
} import_src;

/* The rows of yc_import_rows(), each as a CSV data row whose header holds its codes. */
static yc_err run_rows(yc_imp *imp, const yc_import_row *rows, size_t n_rows)
{
    yc_err rv = yc_csv_begin(imp);
    for (size_t i = 0; rv == YC_OK && i < n_rows; i++)
        rv = yc_csv_row(imp, (long)i + 1, rows[i].fields, rows[i].n_fields);
    if (rv == YC_OK)
        rv = flush(imp);
    return rv;
}

static yc_err one_pass(const char *name, const import_src *src, const yc_import_opts *opts,
                       bool deliver, yc_import_stats *ret_stats)
{
    yc_imp imp = {.opts = opts, .name = name, .deliver = deliver, .report = true};
    imp.batch_cap = !deliver                ? 1
                    : opts->batch_size == 0 ? YC_IMPORT_BATCH_DEFAULT
                                            : opts->batch_size;
    imp.batch_alloc = imp.batch_cap < 64 ? imp.batch_cap : 64;
    imp.batch = yc_calloc(imp.batch_alloc, sizeof *imp.batch);
    yc_err rv = YC_ERR_NOMEM;
    if (imp.batch != NULL)
        rv = src->is_rows ? run_rows(&imp, src->rows, src->n_rows)
                          : run_pass(&imp, src->data, src->len);
    if (!imp.is_json)
        yc_csv_end(&imp);
    yc_free(imp.line);
    yc_free(imp.batch);
    *ret_stats = imp.stats;
    return rv;
}

static yc_err check_opts(const yc_import_opts *opts)
{
    YC_ENSURE(opts->windows != NULL, YC_ERR_INVALID);
    YC_ENSURE(opts->batch_size <= YC_IMPORT_BATCH_MAX, YC_ERR_INVALID);
    for (int c = 0; c < YC_CODE_COUNT; c++) {
        const yc_window w = opts->windows[c];
        YC_ENSURE(w.min_months >= 0 && w.min_months <= WINDOW_MAX, YC_ERR_INVALID);
        YC_ENSURE(w.max_months >= 0 && w.max_months <= WINDOW_MAX, YC_ERR_INVALID);
        YC_ENSURE(w.max_months == 0 || w.max_months >= w.min_months, YC_ERR_INVALID);
    }
    bool forced;
    enc e;
    return parse_encoding(opts->encoding, &forced, &e);
}

/* One pass, or with opts->atomic (--atomic): validate everything first, deliver only when no
 * row was rejected. */
static yc_err import_src_run(const char *name, const import_src *src, const yc_import_opts *opts,
                             yc_import_stats *ret_stats)
{
    *ret_stats = (yc_import_stats){0};
    YC_TRY(check_opts(opts));
    if (!opts->atomic)
        return one_pass(name, src, opts, true, ret_stats);
    yc_err rv = one_pass(name, src, opts, false, ret_stats);
    ret_stats->accepted = 0;
    if (rv != YC_OK)
        return rv;
    if (ret_stats->rejected > 0)
        return YC_ERR_INVALID;
    return one_pass(name, src, opts, true, ret_stats);
}

yc_err yc_import_buffer(const char *name, const uint8_t *data, size_t len,
                        const yc_import_opts *opts, yc_import_stats *ret_stats)
{
    static const uint8_t empty[1] = {0};
    const import_src src = {.data = data != NULL ? data : empty, .len = data != NULL ? len : 0};
    return import_src_run(name, &src, opts, ret_stats);
}

yc_err yc_import_rows(const char *name, const yc_import_row *rows, size_t n_rows,
                      const yc_import_opts *opts, yc_import_stats *ret_stats)
{
    const import_src src = {.is_rows = true, .rows = rows, .n_rows = n_rows};
    return import_src_run(name, &src, opts, ret_stats);
}

static yc_err read_all(int fd, uint8_t **ret, size_t *ret_len)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = yc_alloc(cap);
    YC_ENSURE(buf != NULL, YC_ERR_NOMEM);
    for (;;) {
        if (len == cap) {
            uint8_t *g = cap <= SIZE_MAX / 2 ? yc_realloc(buf, cap * 2) : NULL;
            if (g == NULL) {
                yc_free(buf);
                return YC_ERR_NOMEM;
            }
            buf = g;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + len, cap - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            yc_free(buf);
            return YC_ERR_IO;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    *ret = buf;
    *ret_len = len;
    return YC_OK;
}

yc_err yc_import_file(const char *path, const yc_import_opts *opts, yc_import_stats *ret_stats)
{
    *ret_stats = (yc_import_stats){0};
    YC_TRY(check_opts(opts));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    YC_ENSURE(fd >= 0, YC_ERR_IO);
    struct stat st;
    yc_err rv = YC_ERR_IO;
    if (fstat(fd, &st) != 0)
        goto out;
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        size_t len = (size_t)st.st_size;
        void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            goto out;
        (void)madvise(map, len, MADV_SEQUENTIAL);
        rv = yc_import_buffer(path, map, len, opts, ret_stats);
        munmap(map, len);
    } else {
        uint8_t *buf = NULL;
        size_t len = 0;
        rv = read_all(fd, &buf, &len);
        if (rv == YC_OK)
            rv = yc_import_buffer(path, buf, len, opts, ret_stats);
        yc_free(buf);
    }
out:
    close(fd);
    return rv;
}
