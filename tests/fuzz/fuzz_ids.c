/* Fuzz target: identifier validators, date and amount parsers on arbitrary bytes.
 *
 * Target Functions:
 *   yc_uscc_is_valid, yc_uscc_check_char, yc_orgcode_check_char,
 *   yc_resident_id_normalize, yc_resident_id_check_char, yc_doc_normalize (all four
 *   document types and an invalid one), yc_region_is_valid, yc_id_fault_str,
 *   yc_date_parse, yc_date_parse_iso, yc_date_format, yc_amount_parse, yc_amount_format.
 *
 * Deterministic: `today` is fixed at 2025-06-15, no clock, no allocation beyond a bounded
 * stack copy.  Besides memory errors it checks properties that must hold for every input
 * and aborts when one fails:
 *   - a valid USCC's check characters agree with yc_uscc_check_char/yc_orgcode_check_char;
 *   - a normalized resident ID is 18 characters and validates again unchanged;
 *   - a parsed date formats as YYYY-MM-DD and re-parses to the same day;
 *   - a parsed amount formats to text that re-parses to the same amount.
 * Replayed from tests/fuzz/corpus/ids/ by tests/fuzz/replay_main.c in normal builds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/date.h"
#include "yrdcredit/ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounded NUL-terminated copies for the functions that take C strings. */
#define FUZZ_TEXT_MAX 256

static void require(bool cond)
{
    if (!cond)
        abort();
}

/* '0'-'9' or 'X': the output alphabet of GB 11714 and MOD 11-2 checks. */
static bool is_check_char(char c)
{
    return (c >= '0' && c <= '9') || c == 'X';
}

static void fuzz_uscc(const char *s, size_t size)
{
    yc_id_fault f = YC_ID_OK;
    const bool ok = yc_uscc_is_valid(s, size, &f);
    require(ok == (f == YC_ID_OK));
    require(yc_id_fault_str(f) != NULL);
    if (ok) {
        char c = 0;
        require(yc_uscc_check_char(s, &c) == YC_OK && c == s[17]);
        require(yc_orgcode_check_char(s + 8, &c) == YC_OK && c == s[16]);
    }
    if (size >= 17) {
        char c = 0;
        if (yc_uscc_check_char(s, &c) == YC_OK)
            require(c != 'I' && c != 'O' && c != 'S' && c != 'V' && c != 'Z' && c != 0);
        if (yc_resident_id_check_char(s, &c) == YC_OK)
            require(is_check_char(c));
    }
    if (size >= 8) {
        char c = 0;
        if (yc_orgcode_check_char(s, &c) == YC_OK)
            require(is_check_char(c));
    }
}

static void fuzz_resident_id(const char *s, size_t size, yc_date today)
{
    char norm[19];
    yc_id_fault f = YC_ID_OK;
    if (yc_resident_id_normalize(s, size, today, norm, &f)) {
        require(f == YC_ID_OK && strlen(norm) == 18);
        char again[19];
        require(yc_resident_id_normalize(norm, 18, today, again, &f));
        require(memcmp(norm, again, sizeof norm) == 0);
    } else {
        require(f != YC_ID_OK);
    }
    (void)yc_region_is_valid(s, size);
}

/* The first byte picks the document type (including invalid ones); the rest, split at the
 * first '|', is country|number, or number alone. */
static void fuzz_doc(const char *text, size_t len, yc_date today)
{
    if (len == 0)
        return;
    const yc_doc_type type = (yc_doc_type)((unsigned char)text[0] % (YC_DOC_COUNT + 1));
    char country[FUZZ_TEXT_MAX + 1] = "";
    const char *number = text + 1;
    const char *bar = memchr(text + 1, '|', len - 1);
    if (bar != NULL) {
        const size_t clen = (size_t)(bar - (text + 1));
        memcpy(country, text + 1, clen);
        country[clen] = '\0';
        number = bar + 1;
    }
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault f = YC_ID_OK;
    if (yc_doc_normalize(type, country, number, today, norm, ctry, &f) == YC_OK) {
        require(f == YC_ID_OK);
        require(strlen(norm) <= YC_DOC_NUMBER_MAX && strlen(ctry) <= YC_COUNTRY_LEN);
    }
}

static void fuzz_date(const char *s, size_t size, const char *text)
{
    yc_date d = 0;
    if (yc_date_parse(s, size, &d) == YC_OK) {
        char buf[YC_DATE_STR_LEN + 1];
        yc_date_format(d, buf);
        yc_date back = 0;
        require(yc_date_parse_iso(buf, &back) == YC_OK && back == d);
    }
    if (yc_date_parse_iso(text, &d) == YC_OK) {
        char buf[YC_DATE_STR_LEN + 1];
        yc_date_format(d, buf);
        require(strcmp(buf, text) == 0);
    }
}

static void fuzz_amount(const char *s, size_t size)
{
    yc_amount a = 0;
    if (yc_amount_parse(s, size, &a) == YC_OK) {
        require(a >= 0 && a <= YC_AMOUNT_MAX);
        char buf[YC_AMOUNT_STR_MAX + 1];
        yc_amount_format(a, buf);
        yc_amount back = -1;
        require(yc_amount_parse(buf, strlen(buf), &back) == YC_OK && back == a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yc_date today = 0;
    require(yc_date_from_ymd(2025, 6, 15, &today) == YC_OK);
    /* Functions taking (pointer, length) get the exact bytes, so ASan sees every overread. */
    const char *s = (const char *)data;
    fuzz_uscc(s, size);
    fuzz_resident_id(s, size, today);
    fuzz_amount(s, size);

    char text[FUZZ_TEXT_MAX + 1];
    const size_t len = size < FUZZ_TEXT_MAX ? size : FUZZ_TEXT_MAX;
    memcpy(text, data, len);
    text[len] = '\0';
    fuzz_date(s, size, text);
    fuzz_doc(text, strnlen(text, len), today);
    return 0;
}
