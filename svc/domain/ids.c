/* Identifier validators: 统一社会信用代码 (GB 32100-2015) with its embedded 组织机构代码
 * (GB 11714-1997), 居民身份证号码 (GB 11643-1999), and foreigners' documents.
 * Pure functions: no allocation, no global state; every input is untrusted. */
#include "yrdcredit/ids.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* GB 32100-2015 §4.2: 31 characters, the letters I O S V Z are not used; value = index. */
static const char USCC_ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
#define USCC_RADIX 31
/* GB 32100-2015 §5: weight of position i (1-based) is 3^(i-1) mod 31. */
static const int USCC_WEIGHTS[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};
/* GB 11714-1997 §5: weights of the 8 body characters; check = 11 - (sum mod 11). */
static const int ORG_WEIGHTS[8] = {3, 7, 9, 10, 5, 8, 4, 2};
/* GB 11643-1999 §7 / ISO 7064 MOD 11-2: W_i = 2^(i-1) mod 11, i counted from the right. */
static const int ID_WEIGHTS[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char ID_CHECK_CHARS[] = "10X98765432"; /* indexed by sum mod 11 */

/* The standard's own sample number 440524188001010014 is born in 1880. */
#define ID_MIN_BIRTH_YEAR 1800

#define PASSPORT_MIN      5
#define PASSPORT_MAX      20
#define BUSINESS_CARD_MIN 6
#define BUSINESS_CARD_MAX 20

static bool fail(yc_id_fault *ret_fault, yc_id_fault f)
{
    if (ret_fault != NULL)
        *ret_fault = f;
    return f == YC_ID_OK;
}

const char *yc_id_fault_str(yc_id_fault f)
{
    switch (f) {
    case YC_ID_OK:
        return "ok";
    case YC_ID_LENGTH:
        return "wrong length";
    case YC_ID_CHARSET:
        return "character outside the allowed set";
    case YC_ID_CHECK:
        return "check character mismatch";
    case YC_ID_ORG_CHECK:
        return "organisation code check character mismatch";
    case YC_ID_REGION:
        return "invalid region code";
    case YC_ID_BIRTH_DATE:
        return "invalid or future birth date";
    case YC_ID_COUNTRY:
        return "issuing country missing or not ISO 3166-1 alpha-3";
    default:
        return "unknown fault";
    }
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static char fold_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Value 0..30 of a USCC character, or -1.  memchr over 31 bytes never matches the NUL. */
static int uscc_value(char c)
{
    const char *p = memchr(USCC_ALPHABET, c, USCC_RADIX);
    return p == NULL ? -1 : (int)(p - USCC_ALPHABET);
}

/* Value 0..35 of a GB 11714 body character (0-9, A-Z), or -1. */
static int org_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (is_upper(c))
        return c - 'A' + 10;
    return -1;
}

yc_err yc_uscc_check_char(const char s17[static 17], char *ret_check)
{
    int sum = 0;
    for (size_t i = 0; i < 17; i++) {
        const int v = uscc_value(s17[i]);
        YC_ENSURE(v >= 0, YC_ERR_INVALID);
        sum += v * USCC_WEIGHTS[i];
    }
    *ret_check = USCC_ALPHABET[(USCC_RADIX - sum % USCC_RADIX) % USCC_RADIX];
    return YC_OK;
}

yc_err yc_orgcode_check_char(const char s8[static 8], char *ret_check)
{
    int sum = 0;
    for (size_t i = 0; i < 8; i++) {
        const int v = org_value(s8[i]);
        YC_ENSURE(v >= 0, YC_ERR_INVALID);
        sum += v * ORG_WEIGHTS[i];
    }
    const int c = 11 - sum % 11;
    *ret_check = c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
    return YC_OK;
}

bool yc_uscc_is_valid(const char *s, size_t len, yc_id_fault *ret_fault)
{
    if (len != YC_USCC_LEN)
        return fail(ret_fault, YC_ID_LENGTH);
    for (size_t i = 0; i < YC_USCC_LEN; i++) {
        if (uscc_value(s[i]) < 0)
            return fail(ret_fault, YC_ID_CHARSET);
    }
    char check;
    if (yc_uscc_check_char(s, &check) != YC_OK || check != s[17])
        return fail(ret_fault, YC_ID_CHECK);
    /* Positions 9-17 (0-based 8..16) are the 主体标识码 = GB 11714 组织机构代码.  Every
     * USCC alphabet character is in the GB 11714 body alphabet, so only the check can fail. */
    if (yc_orgcode_check_char(s + 8, &check) != YC_OK || check != s[16])
        return fail(ret_fault, YC_ID_ORG_CHECK);
    return fail(ret_fault, YC_ID_OK);
}

/* GB/T 2260 province-level codes: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71 (台湾),
 * 81 (香港), 82 (澳门).  Anything else (00, 10, 20, 99, ...) is not a province. */
static bool province_is_valid(int p)
{
    return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
           (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
           p == 81 || p == 82;
}

bool yc_region_is_valid(const char *s, size_t len)
{
    if (len != YC_REGION_LEN)
        return false;
    for (size_t i = 0; i < YC_REGION_LEN; i++) {
        if (!is_digit(s[i]))
            return false;
    }
    return province_is_valid((s[0] - '0') * 10 + (s[1] - '0'));
}

yc_err yc_resident_id_check_char(const char s17[static 17], char *ret_check)
{
    int sum = 0;
    for (size_t i = 0; i < 17; i++) {
        YC_ENSURE(is_digit(s17[i]), YC_ERR_INVALID);
        sum += (s17[i] - '0') * ID_WEIGHTS[i];
    }
    *ret_check = ID_CHECK_CHARS[sum % 11];
    return YC_OK;
}

static int digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Birth date: a real Gregorian date from ID_MIN_BIRTH_YEAR on, not after @p today.
 * Compared as (y, m, d) so that dates outside yc_date's 1900..2099 range need no conversion. */
static bool birth_date_is_valid(int y, int m, int d, yc_date today)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < ID_MIN_BIRTH_YEAR || m < 1 || m > 12 || d < 1)
        return false;
    if (d > dim[m - 1] + (m == 2 && is_leap_year(y) ? 1 : 0))
        return false;
    int ty, tm, td;
    yc_date_to_ymd(today, &ty, &tm, &td);
    const int64_t birth = (int64_t)y * 10000 + m * 100 + d;
    const int64_t limit = (int64_t)ty * 10000 + tm * 100 + td;
    return birth <= limit;
}

/* Copies @p s into @p norm as 17 body digits plus the check character (upper case).
 * A 15-digit number has "19" inserted before its YYMMDD and its check left as '?'. */
static yc_id_fault resident_id_shape(const char *s, size_t len, char norm[static 19])
{
    if (len == 18) {
        for (size_t i = 0; i < 17; i++) {
            if (!is_digit(s[i]))
                return YC_ID_CHARSET;
        }
        const char last = fold_upper(s[17]);
        if (!is_digit(last) && last != 'X')
            return YC_ID_CHARSET;
        memcpy(norm, s, 17);
        norm[17] = last;
    } else if (len == 15) {
        for (size_t i = 0; i < 15; i++) {
            if (!is_digit(s[i]))
                return YC_ID_CHARSET;
        }
        /* GB 11643-1999 replaced the first-generation YYMMDD (all 19YY) by YYYYMMDD. */
        memcpy(norm, s, 6);
        norm[6] = '1';
        norm[7] = '9';
        memcpy(norm + 8, s + 6, 9);
        norm[17] = '?';
    } else {
        return YC_ID_LENGTH;
    }
    norm[18] = '\0';
    return YC_ID_OK;
}

bool yc_resident_id_normalize(const char *s, size_t len, yc_date today, char ret_norm[static 19],
                              yc_id_fault *ret_fault)
{
    char norm[19];
    const yc_id_fault shape = resident_id_shape(s, len, norm);
    if (shape != YC_ID_OK)
        return fail(ret_fault, shape);
    /* GB 11643-1999 §5.2: the address code is a GB/T 2260 county-level code. */
    if (!yc_region_is_valid(norm, YC_REGION_LEN))
        return fail(ret_fault, YC_ID_REGION);
    /* §5.3: the birth date code follows GB/T 7408 (YYYYMMDD). */
    if (!birth_date_is_valid(digits_value(norm + 6, 4), digits_value(norm + 10, 2),
                             digits_value(norm + 12, 2), today))
        return fail(ret_fault, YC_ID_BIRTH_DATE);
    /* §7: ISO 7064 MOD 11-2 over the 17 body digits. */
    char check;
    if (yc_resident_id_check_char(norm, &check) != YC_OK)
        return fail(ret_fault, YC_ID_CHARSET);
    if (len == 18 && check != norm[17])
        return fail(ret_fault, YC_ID_CHECK);
    norm[17] = check;
    memcpy(ret_norm, norm, sizeof norm);
    return fail(ret_fault, YC_ID_OK);
}

/* Folds to upper case, drops ' ' and '-' when @p strip is set, and requires A-Z 0-9
 * with a length in min..max after that. */
static yc_id_fault alnum_number(const char *number, bool strip, size_t min, size_t max,
                                char ret_norm[static YC_DOC_NUMBER_MAX + 1])
{
    size_t n = 0;
    for (const char *p = number; *p != '\0'; p++) {
        if (strip && (*p == ' ' || *p == '-'))
            continue;
        const char c = fold_upper(*p);
        if (!is_digit(c) && !is_upper(c))
            return YC_ID_CHARSET;
        if (n == max)
            return YC_ID_LENGTH;
        ret_norm[n++] = c;
    }
    if (n < min)
        return YC_ID_LENGTH;
    ret_norm[n] = '\0';
    return YC_ID_OK;
}

/* Issuing-state codes a passport may carry: the ISO 3166-1 alpha-3 codes (as listed by
 * Debian's iso-codes 4.15, iso_3166-1.json) less the seven uninhabited territories that issue
 * no passports (ATA, ATF, BVT, HMD, IOT, SGS, UMI), plus the ICAO Doc 9303 Part 3 codes not
 * ISO entries (British nationality classes GBD/GBN/GBO/GBP/GBS, UN documents UNA/UNK/UNO,
 * Kosovo RKS, EU laissez-passer EUE, Order of Malta XOM, stateless and refugee XXA/XXB/XXC/
 * XXX).  Sorted for bsearch.  A code outside the list is rejected, so a typo cannot give a
 * person a second pseudonym. */
static const char ISSUING_STATES[][YC_COUNTRY_LEN + 1] = {
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATG", "AUS",
    "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS", "BIH", "BLM",
    "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BWA", "CAF", "CAN", "CCK", "CHE",
    "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV", "CRI", "CUB", "CUW",
    "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA", "ECU", "EGY", "ERI",
    "ESH", "ESP", "EST", "ETH", "EUE", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM", "GAB", "GBD",
    "GBN", "GBO", "GBP", "GBR", "GBS", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB",
    "GNQ", "GRC", "GRD", "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HND", "HRV", "HTI", "HUN",
    "IDN", "IMN", "IND", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN",
    "KAZ", "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA",
    "LIE", "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV",
    "MEX", "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ",
    "MUS", "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR",
    "NPL", "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI",
    "PRK", "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "RKS", "ROU", "RUS", "RWA", "SAU", "SDN",
    "SEN", "SGP", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP",
    "SUR", "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK",
    "TKL", "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UNA",
    "UNK", "UNO", "URY", "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF",
    "WSM", "XOM", "XXA", "XXB", "XXC", "XXX", "YEM", "ZAF", "ZMB", "ZWE",
};

static int alpha3_cmp(const void *a, const void *b)
{
    return memcmp(a, b, YC_COUNTRY_LEN);
}

/* Three ASCII letters, folded to upper case, in ISSUING_STATES. */
static yc_id_fault country_alpha3(const char *country, char ret_country[static YC_COUNTRY_LEN + 1])
{
    for (size_t i = 0; i < YC_COUNTRY_LEN; i++) {
        const char c = fold_upper(country[i]);
        if (!is_upper(c))
            return YC_ID_COUNTRY; /* also stops at the NUL of a short string */
        ret_country[i] = c;
    }
    if (country[YC_COUNTRY_LEN] != '\0')
        return YC_ID_COUNTRY;
    ret_country[YC_COUNTRY_LEN] = '\0';
    if (bsearch(ret_country, ISSUING_STATES, sizeof ISSUING_STATES / sizeof ISSUING_STATES[0],
                sizeof ISSUING_STATES[0], alpha3_cmp) == NULL)
        return YC_ID_COUNTRY;
    return YC_ID_OK;
}

/* 外国人永久居留身份证: 15 characters (3 letters + 12 digits, issued until 2023-11-30) or
 * 18 (issued from 2023-12-01: '9' + 16 digits + MOD 11-2 check, as GB 11643-1999). */
static yc_id_fault permanent_resident(const char *number,
                                      char ret_norm[static YC_DOC_NUMBER_MAX + 1])
{
    const size_t len = strnlen(number, YC_DOC_NUMBER_MAX + 1);
    char norm[19];
    if (len == 15) {
        for (size_t i = 0; i < 15; i++) {
            norm[i] = fold_upper(number[i]);
            if (i < 3 ? !is_upper(norm[i]) : !is_digit(norm[i]))
                return YC_ID_CHARSET;
        }
        norm[15] = '\0';
    } else if (len == 18) {
        for (size_t i = 0; i < 18; i++) {
            norm[i] = fold_upper(number[i]);
            if (!is_digit(norm[i]) && !(i == 17 && norm[i] == 'X'))
                return YC_ID_CHARSET;
        }
        norm[18] = '\0';
        /* The leading 9 marks a foreigner; citizens' numbers start with a province 1-8. */
        if (norm[0] != '9')
            return YC_ID_REGION;
        char check;
        if (yc_resident_id_check_char(norm, &check) != YC_OK || check != norm[17])
            return YC_ID_CHECK;
    } else {
        return YC_ID_LENGTH;
    }
    memcpy(ret_norm, norm, len + 1);
    return YC_ID_OK;
}

static yc_id_fault resident_id_doc(const char *number, yc_date today,
                                   char ret_norm[static YC_DOC_NUMBER_MAX + 1])
{
    yc_id_fault f = YC_ID_OK;
    char norm[19];
    /* strnlen bounds the scan; anything longer than 18 is a length fault. */
    if (!yc_resident_id_normalize(number, strnlen(number, 19), today, norm, &f))
        return f;
    memcpy(ret_norm, norm, sizeof norm);
    return YC_ID_OK;
}

yc_err yc_doc_normalize(yc_doc_type type, const char *country, const char *number, yc_date today,
                        char ret_norm[static YC_DOC_NUMBER_MAX + 1],
                        char ret_country[static YC_COUNTRY_LEN + 1], yc_id_fault *ret_fault)
{
    char norm[YC_DOC_NUMBER_MAX + 1];
    char ctry[YC_COUNTRY_LEN + 1] = "";
    yc_id_fault f;
    switch (type) {
    case YC_DOC_RESIDENT_ID:
        f = country[0] != '\0' ? YC_ID_COUNTRY : resident_id_doc(number, today, norm);
        break;
    case YC_DOC_PASSPORT:
        f = alnum_number(number, true, PASSPORT_MIN, PASSPORT_MAX, norm);
        if (f == YC_ID_OK)
            f = country_alpha3(country, ctry);
        break;
    case YC_DOC_PERMANENT_RESIDENT:
        f = country[0] != '\0' ? YC_ID_COUNTRY : permanent_resident(number, norm);
        break;
    case YC_DOC_BUSINESS_CARD:
        f = country[0] != '\0'
                ? YC_ID_COUNTRY
                : alnum_number(number, false, BUSINESS_CARD_MIN, BUSINESS_CARD_MAX, norm);
        break;
    default:
        /* Not a document type at all: no fault of the number to report. */
        fail(ret_fault, YC_ID_OK);
        return YC_ERR_INVALID;
    }
    if (!fail(ret_fault, f))
        return YC_ERR_INVALID;
    memcpy(ret_norm, norm, strlen(norm) + 1);
    memcpy(ret_country, ctry, sizeof ctry);
    return YC_OK;
}

bool yc_subject_id_is_valid(const char *s, size_t len)
{
    if (len == YC_USCC_LEN)
        return yc_uscc_is_valid(s, len, NULL);
    if (len != YC_SUBJECT_ID_MAX || s[0] != 'P')
        return false;
    for (size_t i = 1; i < len; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
            return false;
    return true;
}
