/* Tests for include/yrdcredit/ids.h (svc/domain/ids.c).
 *
 * The generated vectors come from a reference implementation written here from the
 * standards' definitions in a different form than the code under test:
 *  - USCC weights are computed as 3^(i-1) mod 31 by repeated multiplication, values by
 *    strchr over the alphabet (GB 32100-2015 §5);
 *  - GB 11714 weights are computed as 2^(9-i) mod 11 (the table 3,7,9,10,5,8,4,2 is
 *    exactly that);
 *  - the 身份证 check uses the recursive (Horner) form of ISO 7064 MOD 11-2:
 *    P = ((P + a_i) * 2) mod 11 over the 17 digits, check value (12 - P) mod 11, 10 = X.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "yrdcredit/ids.h"

#define N_GENERATED 1000

static const char REF_USCC_ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const char REF_ID_ALPHABET[] = "0123456789X";
/* GB/T 2260 province-level codes, as text. */
static const char *const REF_PROVINCES[] = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
    "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
    "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
};
#define N_PROVINCES (sizeof REF_PROVINCES / sizeof REF_PROVINCES[0])

/* ---- deterministic PRNG (splitmix64) ---- */

static uint64_t prng_state;

static uint64_t prng_next(void)
{
    uint64_t z = (prng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static size_t prng_below(size_t n)
{
    return (size_t)(prng_next() % n);
}

static char prng_digit(void)
{
    return (char)('0' + prng_below(10));
}

/* ---- reference implementation ---- */

static int ref_uscc_value(char c)
{
    if (c == '\0')
        return -1;
    const char *p = strchr(REF_USCC_ALPHABET, c);
    return p == NULL ? -1 : (int)(p - REF_USCC_ALPHABET);
}

static char ref_uscc_check(const char *s17)
{
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++) {
        sum = (sum + ref_uscc_value(s17[i]) * w) % 31;
        w = w * 3 % 31;
    }
    return REF_USCC_ALPHABET[(31 - sum) % 31];
}

static char ref_org_check(const char *s8)
{
    int sum = 0;
    for (int i = 1; i <= 8; i++) {
        int w = 1;
        for (int k = 0; k < 9 - i; k++)
            w = w * 2 % 11;
        const char c = s8[i - 1];
        const int v = c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
        sum += v * w;
    }
    const int check = 11 - sum % 11;
    if (check == 10)
        return 'X';
    return check == 11 ? '0' : (char)('0' + check);
}

static char ref_id_check(const char *s17)
{
    int p = 0;
    for (int i = 0; i < 17; i++)
        p = (p + (s17[i] - '0')) * 2 % 11;
    const int v = (12 - p) % 11;
    return v == 10 ? 'X' : (char)('0' + v);
}

static bool ref_province_ok(const char *s2)
{
    for (size_t i = 0; i < N_PROVINCES; i++) {
        if (REF_PROVINCES[i][0] == s2[0] && REF_PROVINCES[i][1] == s2[1])
            return true;
    }
    return false;
}

static int ref_month_days(int y, int m)
{
    if (m == 2)
        return (y % 400 == 0 || (y % 4 == 0 && y % 100 != 0)) ? 29 : 28;
    return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}

static int ref_num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* The fixed "today" of every resident-ID test: 2025-06-15. */
#define TODAY_Y 2025
#define TODAY_M 6
#define TODAY_D 15

static yc_date today_date(void)
{
    yc_date d = 0;
    assert_int_equal(yc_date_from_ymd(TODAY_Y, TODAY_M, TODAY_D, &d), YC_OK);
    return d;
}

/* Expected fault of an 18-character resident ID under GB 11643-1999. */
static yc_id_fault ref_id_fault(const char *s)
{
    for (int i = 0; i < 18; i++) {
        const bool digit = s[i] >= '0' && s[i] <= '9';
        if (!digit && !(i == 17 && (s[i] == 'X' || s[i] == 'x')))
            return YC_ID_CHARSET;
    }
    if (!ref_province_ok(s))
        return YC_ID_REGION;
    const int y = ref_num(s + 6, 4), m = ref_num(s + 10, 2), d = ref_num(s + 12, 2);
    if (y < 1800 || m < 1 || m > 12 || d < 1 || d > ref_month_days(y, m))
        return YC_ID_BIRTH_DATE;
    if (y > TODAY_Y || (y == TODAY_Y && (m > TODAY_M || (m == TODAY_M && d > TODAY_D))))
        return YC_ID_BIRTH_DATE;
    const char want = ref_id_check(s);
    return (s[17] == want || (want == 'X' && s[17] == 'x')) ? YC_ID_OK : YC_ID_CHECK;
}

/* Expected fault of an 18-character USCC. */
static yc_id_fault ref_uscc_fault(const char *s)
{
    for (int i = 0; i < 18; i++) {
        if (ref_uscc_value(s[i]) < 0)
            return YC_ID_CHARSET;
    }
    if (ref_uscc_check(s) != s[17])
        return YC_ID_CHECK;
    return ref_org_check(s + 8) == s[16] ? YC_ID_OK : YC_ID_ORG_CHECK;
}

/* Builds an 18-digit ID from its parts with the reference check. */
static void make_id(const char *addr6, const char *birth8, const char *seq3, char out[19])
{
    memcpy(out, addr6, 6);
    memcpy(out + 6, birth8, 8);
    memcpy(out + 14, seq3, 3);
    out[17] = ref_id_check(out);
    out[18] = '\0';
}

static void gen_resident_id(char out[19])
{
    char addr[7], birth[9], seq[4];
    const char *prov = REF_PROVINCES[prng_below(N_PROVINCES)];
    addr[0] = prov[0];
    addr[1] = prov[1];
    for (int i = 2; i < 6; i++)
        addr[i] = prng_digit();
    addr[6] = '\0';
    int y, m, d;
    do {
        y = 1900 + (int)prng_below((size_t)(TODAY_Y - 1900 + 1));
        m = 1 + (int)prng_below(12);
        d = 1 + (int)prng_below((size_t)ref_month_days(y, m));
    } while (y == TODAY_Y && (m > TODAY_M || (m == TODAY_M && d > TODAY_D)));
    const int ymd = y * 10000 + m * 100 + d;
    for (int i = 7, v = ymd; i >= 0; i--, v /= 10)
        birth[i] = (char)('0' + v % 10);
    birth[8] = '\0';
    for (int i = 0; i < 3; i++)
        seq[i] = prng_digit();
    seq[3] = '\0';
    make_id(addr, birth, seq, out);
}

static void gen_uscc(char out[19])
{
    static const char *const kinds[] = {"11", "12", "13", "19", "51", "52",
                                        "53", "59", "91", "92", "93", "Y1"};
    const char *kind = kinds[prng_below(sizeof kinds / sizeof kinds[0])];
    const char *prov = REF_PROVINCES[prng_below(N_PROVINCES)];
    out[0] = kind[0];
    out[1] = kind[1];
    out[2] = prov[0];
    out[3] = prov[1];
    for (int i = 4; i < 8; i++)
        out[i] = prng_digit();
    for (int i = 8; i < 16; i++)
        out[i] = REF_USCC_ALPHABET[prng_below(31)];
    out[16] = ref_org_check(out + 8);
    out[17] = ref_uscc_check(out);
    out[18] = '\0';
}

static bool uscc_ok(const char *s, yc_id_fault *ret_fault)
{
    return yc_uscc_is_valid(s, strlen(s), ret_fault);
}

static yc_id_fault uscc_fault(const char *s)
{
    yc_id_fault f = (yc_id_fault)-1;
    (void)yc_uscc_is_valid(s, strlen(s), &f);
    return f;
}

static yc_id_fault id_fault(const char *s)
{
    char norm[19] = "untouched";
    yc_id_fault f = (yc_id_fault)-1;
    const bool ok = yc_resident_id_normalize(s, strlen(s), today_date(), norm, &f);
    assert_int_equal(ok, f == YC_ID_OK);
    if (!ok)
        assert_string_equal(norm, "untouched"); /* written only when valid */
    return f;
}

/* ---- safety ---- */

static void safety__uscc_empty__fails_length(void **state)
{
    (void)state;
    yc_id_fault f = YC_ID_OK;
    assert_false(yc_uscc_is_valid("", 0, &f));
    assert_int_equal(f, YC_ID_LENGTH);
}

static void safety__uscc_len_17_and_19__fail_length(void **state)
{
    (void)state;
    /* 91330100716105852F is valid; a prefix of 17 and an extension to 19 are not. */
    assert_false(yc_uscc_is_valid("91330100716105852F", 17, NULL));
    assert_int_equal(uscc_fault("91330100716105852F0"), YC_ID_LENGTH);
    assert_true(yc_uscc_is_valid("91330100716105852F0", 18, NULL)); /* only len bytes read */
}

static void safety__uscc_embedded_nul__fails_charset(void **state)
{
    (void)state;
    char s[18];
    memcpy(s, "91330100716105852F", 18);
    s[5] = '\0';
    yc_id_fault f = YC_ID_OK;
    assert_false(yc_uscc_is_valid(s, 18, &f));
    assert_int_equal(f, YC_ID_CHARSET);
}

static void safety__resident_id_lengths_around_15_and_18__fail_length(void **state)
{
    (void)state;
    const char *full = "11010519491231002X1";
    const size_t bad[] = {0, 1, 14, 16, 17, 19};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char norm[19];
        yc_id_fault f = YC_ID_OK;
        assert_false(yc_resident_id_normalize(full, bad[i], today_date(), norm, &f));
        assert_int_equal(f, YC_ID_LENGTH);
    }
}

static void safety__resident_id_embedded_nul__fails_charset(void **state)
{
    (void)state;
    char s[18];
    memcpy(s, "11010519491231002X", 18);
    s[17] = '\0';
    char norm[19];
    yc_id_fault f = YC_ID_OK;
    assert_false(yc_resident_id_normalize(s, 18, today_date(), norm, &f));
    assert_int_equal(f, YC_ID_CHARSET);
}

static void safety__passport_length_limits__5_and_20_ok_4_and_21_fail(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault f = YC_ID_CHECK;
    assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, "DEU", "C01X0", 0, norm, ctry, &f), YC_OK);
    assert_string_equal(norm, "C01X0");
    assert_int_equal(f, YC_ID_OK);
    assert_int_equal(
        yc_doc_normalize(YC_DOC_PASSPORT, "DEU", "ABCDEFGHIJ0123456789", 0, norm, ctry, &f), YC_OK);
    assert_string_equal(norm, "ABCDEFGHIJ0123456789");
    assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, "DEU", "C01X", 0, norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_LENGTH);
    assert_int_equal(
        yc_doc_normalize(YC_DOC_PASSPORT, "DEU", "ABCDEFGHIJ0123456789K", 0, norm, ctry, &f),
        YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_LENGTH);
}

static void safety__business_card_length_limits__6_and_20_ok_5_and_21_fail(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault f = YC_ID_CHECK;
    assert_int_equal(yc_doc_normalize(YC_DOC_BUSINESS_CARD, "", "yw0001", 0, norm, ctry, &f),
                     YC_OK);
    assert_string_equal(norm, "YW0001");
    assert_int_equal(
        yc_doc_normalize(YC_DOC_BUSINESS_CARD, "", "YW000000000000000001", 0, norm, ctry, &f),
        YC_OK);
    assert_string_equal(norm, "YW000000000000000001");
    assert_int_equal(yc_doc_normalize(YC_DOC_BUSINESS_CARD, "", "YW001", 0, norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_LENGTH);
    assert_int_equal(
        yc_doc_normalize(YC_DOC_BUSINESS_CARD, "", "YW0000000000000000001", 0, norm, ctry, &f),
        YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_LENGTH);
    assert_int_equal(yc_doc_normalize(YC_DOC_BUSINESS_CARD, "", "", 0, norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_LENGTH);
}

static void safety__doc_type_out_of_range__fails_invalid(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1] = "untouched", ctry[YC_COUNTRY_LEN + 1] = "xx";
    yc_id_fault f = YC_ID_CHECK;
    assert_int_equal(
        yc_doc_normalize(YC_DOC_NONE, "", "11010519491231002X", today_date(), norm, ctry, &f),
        YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_OK);
    assert_int_equal(
        yc_doc_normalize(YC_DOC_COUNT, "", "11010519491231002X", today_date(), norm, ctry, &f),
        YC_ERR_INVALID);
    assert_string_equal(norm, "untouched");
    assert_string_equal(ctry, "xx");
}

static void safety__fault_str__every_value_and_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(yc_id_fault_str(YC_ID_OK), "ok");
    assert_string_equal(yc_id_fault_str(YC_ID_LENGTH), "wrong length");
    assert_string_equal(yc_id_fault_str(YC_ID_CHARSET), "character outside the allowed set");
    assert_string_equal(yc_id_fault_str(YC_ID_CHECK), "check character mismatch");
    assert_string_equal(yc_id_fault_str(YC_ID_ORG_CHECK),
                        "organisation code check character mismatch");
    assert_string_equal(yc_id_fault_str(YC_ID_REGION), "invalid region code");
    assert_string_equal(yc_id_fault_str(YC_ID_BIRTH_DATE), "invalid or future birth date");
    assert_string_equal(yc_id_fault_str(YC_ID_COUNTRY),
                        "issuing country missing or not ISO 3166-1 alpha-3");
    assert_string_equal(yc_id_fault_str((yc_id_fault)99), "unknown fault");
    assert_string_equal(yc_id_fault_str((yc_id_fault)-1), "unknown fault");
}

/* ---- USCC: domain.md §6 examples ---- */

static void uscc_is_valid__domain_valid_examples__accepted_with_org_check(void **state)
{
    (void)state;
    const char *valid[] = {"91330100716105852F", "91440300708461136T", "914403001922038216",
                           "91110000710926094P"};
    for (size_t i = 0; i < 4; i++) {
        yc_id_fault f = YC_ID_CHECK;
        assert_true(uscc_ok(valid[i], &f));
        assert_int_equal(f, YC_ID_OK);
        /* the org-code check is part of acceptance: the reference agrees on position 17 */
        assert_int_equal(ref_org_check(valid[i] + 8), valid[i][16]);
        char c = '?';
        assert_int_equal(yc_uscc_check_char(valid[i], &c), YC_OK);
        assert_int_equal(c, valid[i][17]);
        assert_int_equal(yc_orgcode_check_char(valid[i] + 8, &c), YC_OK);
        assert_int_equal(c, valid[i][16]);
    }
}

static void uscc_is_valid__domain_invalid_examples__fail_check(void **state)
{
    (void)state;
    /* 91350203M0001QAY9B: the check character should be 9. */
    assert_int_equal(uscc_fault("91350203M0001QAY9B"), YC_ID_CHECK);
    assert_true(uscc_ok("91350203M0001QAY99", NULL));
    /* 91310000MA1FL3L67K: check should be R, and the org-code check (MA1FL3L6 -> 8) is 7. */
    assert_int_equal(uscc_fault("91310000MA1FL3L67K"), YC_ID_CHECK);
}

static void uscc_is_valid__lower_case__fails_charset(void **state)
{
    (void)state;
    assert_int_equal(uscc_fault("91330100716105852f"), YC_ID_CHARSET);
    assert_int_equal(uscc_fault("91350203m0001QAY99"), YC_ID_CHARSET);
}

static void uscc_is_valid__letters_i_o_s_v_z__fail_charset(void **state)
{
    (void)state;
    const char bad[] = "IOSVZ";
    for (size_t i = 0; i < 5; i++) {
        char s[19];
        memcpy(s, "91350203M0001QAY99", 19);
        s[9] = bad[i];
        assert_int_equal(uscc_fault(s), YC_ID_CHARSET);
    }
}

static void uscc_is_valid__org_check_wrong_uscc_check_right__fails_org_check(void **state)
{
    (void)state;
    /* Take 91330100716105852F, change the org check 2 -> 3, recompute position 18. */
    char s[19];
    memcpy(s, "91330100716105852F", 19);
    s[16] = '3';
    s[17] = ref_uscc_check(s);
    yc_id_fault f = YC_ID_OK;
    assert_false(uscc_ok(s, &f));
    assert_int_equal(f, YC_ID_ORG_CHECK);
}

static void orgcode_check_char__known_bodies__exact(void **state)
{
    (void)state;
    char c = '?';
    /* 71610585: 7*3+1*7+6*9+1*10+0*5+5*8+8*4+5*2 = 174; 174 mod 11 = 9; 11-9 = 2. */
    assert_int_equal(yc_orgcode_check_char("71610585", &c), YC_OK);
    assert_int_equal(c, '2');
    /* 71610581: 174-4*2 = 166; 166 mod 11 = 1; 11-1 = 10 -> X. */
    assert_int_equal(yc_orgcode_check_char("71610581", &c), YC_OK);
    assert_int_equal(c, 'X');
    /* 71610586: 174+2 = 176; 176 mod 11 = 0; 11-0 = 11 -> 0. */
    assert_int_equal(yc_orgcode_check_char("71610586", &c), YC_OK);
    assert_int_equal(c, '0');
    /* MA1FL3L6: 22*3+10*7+1*9+15*10+21*5+3*8+21*4+6*2 = 520; 520 mod 11 = 3; 11-3 = 8. */
    assert_int_equal(yc_orgcode_check_char("MA1FL3L6", &c), YC_OK);
    assert_int_equal(c, '8');
    c = '?';
    assert_int_equal(yc_orgcode_check_char("7161058a", &c), YC_ERR_INVALID);
    assert_int_equal(yc_orgcode_check_char("7161058-", &c), YC_ERR_INVALID);
    assert_int_equal(c, '?');
}

static void uscc_check_char__bad_character__fails_invalid(void **state)
{
    (void)state;
    char c = '?';
    assert_int_equal(yc_uscc_check_char("9133010071610585I", &c), YC_ERR_INVALID);
    assert_int_equal(yc_uscc_check_char("9133010071610585z", &c), YC_ERR_INVALID);
    assert_int_equal(c, '?');
}

/* ---- USCC: generated ---- */

static void uscc_is_valid__1000_generated_and_all_corruptions__exact(void **state)
{
    (void)state;
    static const char outside[] = "IOSVZa-* ";
    prng_state = UINT64_C(20250615);
    size_t corruptions = 0, accepted = 0, org_x = 0;
    for (int n = 0; n < N_GENERATED; n++) {
        char code[19];
        gen_uscc(code);
        yc_id_fault f = YC_ID_CHECK;
        assert_true(uscc_ok(code, &f));
        assert_int_equal(f, YC_ID_OK);
        char c = '?';
        assert_int_equal(yc_uscc_check_char(code, &c), YC_OK);
        assert_int_equal(c, code[17]);
        accepted++;
        if (code[16] == 'X')
            org_x++;
        for (size_t pos = 0; pos < 18; pos++) {
            const char orig = code[pos];
            for (size_t k = 0; k < 31; k++) {
                if (REF_USCC_ALPHABET[k] == orig)
                    continue;
                code[pos] = REF_USCC_ALPHABET[k];
                const yc_id_fault want = ref_uscc_fault(code);
                assert_int_equal(want, YC_ID_CHECK); /* every substitution breaks the check */
                assert_false(yc_uscc_is_valid(code, 18, &f));
                assert_int_equal(f, want);
                corruptions++;
            }
            code[pos] = outside[(pos + (size_t)n) % (sizeof outside - 1)];
            assert_false(yc_uscc_is_valid(code, 18, &f));
            assert_int_equal(f, YC_ID_CHARSET);
            corruptions++;
            code[pos] = orig;
        }
    }
    assert_int_equal(accepted, N_GENERATED);
    /* 1000 codes x 18 positions x (30 other alphabet characters + 1 outside) */
    assert_int_equal(corruptions, 558000);
    assert_true(org_x > 0); /* the X org-check branch was exercised */
}

/* ---- 居民身份证 ---- */

static void resident_id__domain_examples__accepted(void **state)
{
    (void)state;
    char norm[19];
    yc_id_fault f = YC_ID_CHECK;
    assert_true(yc_resident_id_normalize("11010519491231002X", 18, today_date(), norm, &f));
    assert_int_equal(f, YC_ID_OK);
    assert_string_equal(norm, "11010519491231002X");
    /* born 1880-01-01: before yc_date's 1900 range, still a valid GB 11643 sample */
    assert_true(yc_resident_id_normalize("440524188001010014", 18, today_date(), norm, &f));
    assert_string_equal(norm, "440524188001010014");
    char c = '?';
    assert_int_equal(yc_resident_id_check_char("11010519491231002", &c), YC_OK);
    assert_int_equal(c, 'X');
    assert_int_equal(yc_resident_id_check_char("44052418800101001", &c), YC_OK);
    assert_int_equal(c, '4');
    c = '?';
    assert_int_equal(yc_resident_id_check_char("4405241880010100X", &c), YC_ERR_INVALID);
    assert_int_equal(c, '?');
}

static void resident_id__lower_case_x__normalized_upper(void **state)
{
    (void)state;
    char norm[19];
    yc_id_fault f = YC_ID_CHECK;
    assert_true(yc_resident_id_normalize("11010519491231002x", 18, today_date(), norm, &f));
    assert_int_equal(f, YC_ID_OK);
    assert_string_equal(norm, "11010519491231002X");
}

static void resident_id__15_digit__upgraded_to_18(void **state)
{
    (void)state;
    char norm[19];
    yc_id_fault f = YC_ID_CHECK;
    /* the standard's sample in its first-generation form: drop "19" and the check */
    assert_true(yc_resident_id_normalize("110105491231002", 15, today_date(), norm, &f));
    assert_int_equal(f, YC_ID_OK);
    assert_string_equal(norm, "11010519491231002X");
    /* 200 generated people born 1900..1999 */
    prng_state = UINT64_C(15);
    int upgraded = 0;
    while (upgraded < 200) {
        char id18[19], id15[16];
        gen_resident_id(id18);
        if (id18[6] != '1' || id18[7] != '9')
            continue;
        memcpy(id15, id18, 6);
        memcpy(id15 + 6, id18 + 8, 9);
        id15[15] = '\0';
        assert_true(yc_resident_id_normalize(id15, 15, today_date(), norm, &f));
        assert_string_equal(norm, id18);
        upgraded++;
    }
    assert_int_equal(id_fault("11010549123100a"), YC_ID_CHARSET);
    assert_int_equal(id_fault("000105491231002"), YC_ID_REGION);
    assert_int_equal(id_fault("110105490230002"), YC_ID_BIRTH_DATE); /* 1949-02-30 */
    assert_int_equal(id_fault("11010549123100X"), YC_ID_CHARSET);    /* no check in 15 */
}

static void resident_id__feb_29__only_in_leap_years(void **state)
{
    (void)state;
    char id[19];
    make_id("330782", "20000229", "123", id); /* 2000: divisible by 400 */
    assert_int_equal(id_fault(id), YC_ID_OK);
    make_id("330782", "20240229", "123", id);
    assert_int_equal(id_fault(id), YC_ID_OK);
    make_id("330782", "19000229", "123", id); /* 1900: divisible by 100, not 400 */
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
    make_id("330782", "20230229", "123", id);
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
    make_id("330782", "20230230", "123", id);
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
}

static void resident_id__birth_date_bounds__today_ok_tomorrow_fails(void **state)
{
    (void)state;
    char id[19];
    make_id("330782", "20250615", "001", id); /* today */
    assert_int_equal(id_fault(id), YC_ID_OK);
    make_id("330782", "20250616", "001", id); /* tomorrow */
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
    make_id("330782", "20260101", "001", id);
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
    make_id("330782", "18000101", "001", id);
    assert_int_equal(id_fault(id), YC_ID_OK);
    make_id("330782", "17991231", "001", id);
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
    make_id("330782", "19901301", "001", id);
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
    make_id("330782", "19900000", "001", id);
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
    make_id("330782", "19900431", "001", id);
    assert_int_equal(id_fault(id), YC_ID_BIRTH_DATE);
}

static void resident_id__province_codes__00_99_and_gaps_fail_region(void **state)
{
    (void)state;
    static const struct {
        const char *addr;
        yc_id_fault want;
    } cases[] = {
        {"000000", YC_ID_REGION}, {"990000", YC_ID_REGION}, {"100101", YC_ID_REGION},
        {"200101", YC_ID_REGION}, {"830000", YC_ID_REGION}, {"160101", YC_ID_REGION},
        {"110101", YC_ID_OK},     {"330782", YC_ID_OK},     {"650102", YC_ID_OK},
        {"710000", YC_ID_OK},     {"810000", YC_ID_OK},     {"820000", YC_ID_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[19];
        make_id(cases[i].addr, "19900101", "002", id);
        assert_int_equal(id_fault(id), cases[i].want);
    }
}

static void resident_id__each_rejection_class__exact_fault(void **state)
{
    (void)state;
    assert_int_equal(id_fault("1101051949123100"), YC_ID_LENGTH);
    assert_int_equal(id_fault("11010519491231002Y"), YC_ID_CHARSET);
    assert_int_equal(id_fault("1101051949123100X2"), YC_ID_CHARSET);
    assert_int_equal(id_fault("11010519491231002 "), YC_ID_CHARSET);
    assert_int_equal(id_fault("99010519491231002X"), YC_ID_REGION);
    assert_int_equal(id_fault("11010519491331002X"), YC_ID_BIRTH_DATE);
    assert_int_equal(id_fault("110105194912310020"), YC_ID_CHECK);
    assert_int_equal(id_fault("440524188001010015"), YC_ID_CHECK);
}

static void resident_id__1000_generated_and_all_corruptions__exact(void **state)
{
    (void)state;
    static const char outside[] = "A-/ Y*";
    prng_state = UINT64_C(11643);
    size_t corruptions = 0, accepted = 0, region = 0, birth = 0, check_x = 0;
    for (int n = 0; n < N_GENERATED; n++) {
        char id[19], norm[19];
        gen_resident_id(id);
        yc_id_fault f = YC_ID_CHECK;
        assert_true(yc_resident_id_normalize(id, 18, today_date(), norm, &f));
        assert_int_equal(f, YC_ID_OK);
        assert_string_equal(norm, id);
        accepted++;
        if (id[17] == 'X')
            check_x++;
        for (size_t pos = 0; pos < 18; pos++) {
            const char orig = id[pos];
            for (size_t k = 0; k < 11; k++) {
                if (REF_ID_ALPHABET[k] == orig)
                    continue;
                id[pos] = REF_ID_ALPHABET[k];
                const yc_id_fault want = ref_id_fault(id);
                assert_true(want != YC_ID_OK); /* MOD 11-2 catches every substitution */
                assert_false(yc_resident_id_normalize(id, 18, today_date(), norm, &f));
                assert_int_equal(f, want);
                if (want == YC_ID_REGION)
                    region++;
                if (want == YC_ID_BIRTH_DATE)
                    birth++;
                corruptions++;
            }
            id[pos] = outside[(pos + (size_t)n) % (sizeof outside - 1)];
            assert_false(yc_resident_id_normalize(id, 18, today_date(), norm, &f));
            assert_int_equal(f, YC_ID_CHARSET);
            corruptions++;
            id[pos] = orig;
        }
    }
    assert_int_equal(accepted, N_GENERATED);
    /* 1000 numbers x 18 positions x (10 other characters of 0-9X + 1 outside) */
    assert_int_equal(corruptions, 198000);
    /* the corruptions exercised every rejection class, not only the check */
    assert_true(region > 0);
    assert_true(birth > 0);
    assert_true(check_x > 0);
}

/* ---- other documents ---- */

static void doc_normalize__resident_id__normalized_and_country_rejected(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1] = "zz";
    yc_id_fault f = YC_ID_CHECK;
    assert_int_equal(yc_doc_normalize(YC_DOC_RESIDENT_ID, "", "11010519491231002x", today_date(),
                                      norm, ctry, &f),
                     YC_OK);
    assert_string_equal(norm, "11010519491231002X");
    assert_string_equal(ctry, "");
    assert_int_equal(f, YC_ID_OK);
    assert_int_equal(
        yc_doc_normalize(YC_DOC_RESIDENT_ID, "", "110105491231002", today_date(), norm, ctry, &f),
        YC_OK);
    assert_string_equal(norm, "11010519491231002X");
    assert_int_equal(yc_doc_normalize(YC_DOC_RESIDENT_ID, "CHN", "11010519491231002X", today_date(),
                                      norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_COUNTRY);
    assert_int_equal(yc_doc_normalize(YC_DOC_RESIDENT_ID, "", "11010519491231002X0", today_date(),
                                      norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_LENGTH);
    assert_int_equal(yc_doc_normalize(YC_DOC_RESIDENT_ID, "", "110105194912310021", today_date(),
                                      norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_CHECK);
}

static void doc_normalize__passport_with_country__folded_and_stripped(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault f = YC_ID_CHECK;
    assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, "usa", "e12-345 678", 0, norm, ctry, &f),
                     YC_OK);
    assert_string_equal(norm, "E12345678");
    assert_string_equal(ctry, "USA");
    assert_int_equal(f, YC_ID_OK);
    assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, "Kor", "M12345678", 0, norm, ctry, &f),
                     YC_OK);
    assert_string_equal(ctry, "KOR");
}

static void doc_normalize__passport_without_country__fails_country(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1] = "untouched", ctry[YC_COUNTRY_LEN + 1] = "zz";
    static const char *const bad[] = {"", "US", "USAA", "U1A", "U A", "ÜSA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_id_fault f = YC_ID_OK;
        assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, bad[i], "E12345678", 0, norm, ctry, &f),
                         YC_ERR_INVALID);
        assert_int_equal(f, YC_ID_COUNTRY);
    }
    assert_string_equal(norm, "untouched");
    assert_string_equal(ctry, "zz");
}

/* Review finding: `--country ZZZ` was accepted, so a typo gave a person a second pseudonym. */
static void regress__issue_2__passport_country_not_an_issuing_state__fails_country(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    static const char *const bad[] = {"ZZZ", "xyz", "AAA", "USB", "EUR", "ATA", "BVT", "UMI"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_id_fault f = YC_ID_OK;
        assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, bad[i], "E12345678", 0, norm, ctry, &f),
                         YC_ERR_INVALID);
        assert_int_equal(f, YC_ID_COUNTRY);
    }
    /* first and last ISO entries, and ICAO-only codes */
    static const char *const good[] = {"ABW", "ZWE", "chn", "RKS", "XXA", "GBN", "UNO", "DEU"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        yc_id_fault f = YC_ID_CHECK;
        assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, good[i], "E12345678", 0, norm, ctry, &f),
                         YC_OK);
        assert_int_equal(f, YC_ID_OK);
    }
    assert_string_equal(ctry, "DEU");
}

static void doc_normalize__passport_bad_number__fails_charset_before_country(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault f = YC_ID_OK;
    assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, "", "E1234/5678", 0, norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_CHARSET);
    /* spaces and dashes do not count toward the length: 4 characters remain */
    assert_int_equal(yc_doc_normalize(YC_DOC_PASSPORT, "USA", " E1-2 3 ", 0, norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_LENGTH);
}

static void doc_normalize__permanent_resident_15__letters_and_digits(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault f = YC_ID_CHECK;
    assert_int_equal(
        yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "", "usa330080123456", 0, norm, ctry, &f),
        YC_OK);
    assert_string_equal(norm, "USA330080123456");
    assert_string_equal(ctry, "");
    assert_int_equal(
        yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "", "US1330080123456", 0, norm, ctry, &f),
        YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_CHARSET);
    assert_int_equal(
        yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "", "USA33008012345A", 0, norm, ctry, &f),
        YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_CHARSET);
    assert_int_equal(
        yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "USA", "USA330080123456", 0, norm, ctry, &f),
        YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_COUNTRY);
}

static void doc_normalize__permanent_resident_18__leading_9_and_check(void **state)
{
    (void)state;
    char num[19], norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    memcpy(num, "93384019850312001", 17);
    num[17] = ref_id_check(num);
    num[18] = '\0';
    yc_id_fault f = YC_ID_CHECK;
    assert_int_equal(yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "", num, 0, norm, ctry, &f),
                     YC_OK);
    assert_string_equal(norm, num);
    num[17] = num[17] == '0' ? '1' : '0';
    assert_int_equal(yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "", num, 0, norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_CHECK);
    /* a citizen's number is not a permanent-resident number */
    assert_int_equal(
        yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "", "11010519491231002X", 0, norm, ctry, &f),
        YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_REGION);
    /* lower-case x check folds: find digits at positions 16-17 that give check X */
    memcpy(num, "9338401985031200", 16);
    bool found = false;
    for (char a = '0'; a <= '9' && !found; a++) {
        for (char b = '0'; b <= '9' && !found; b++) {
            num[15] = a;
            num[16] = b;
            found = ref_id_check(num) == 'X';
        }
    }
    assert_true(found);
    num[17] = 'x';
    num[18] = '\0';
    assert_int_equal(yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "", num, 0, norm, ctry, &f),
                     YC_OK);
    assert_int_equal(norm[17], 'X');
    assert_int_equal(
        yc_doc_normalize(YC_DOC_PERMANENT_RESIDENT, "", "9338401985031200", 0, norm, ctry, &f),
        YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_LENGTH);
}

static void doc_normalize__business_card__charset_and_country(void **state)
{
    (void)state;
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault f = YC_ID_OK;
    assert_int_equal(yc_doc_normalize(YC_DOC_BUSINESS_CARD, "", "YW-2024-01", 0, norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_CHARSET);
    assert_int_equal(yc_doc_normalize(YC_DOC_BUSINESS_CARD, "NGA", "YW202401", 0, norm, ctry, &f),
                     YC_ERR_INVALID);
    assert_int_equal(f, YC_ID_COUNTRY);
}

/* ---- regions ---- */

static void region_is_valid__shapes__exact(void **state)
{
    (void)state;
    assert_true(yc_region_is_valid("330782", 6));
    assert_true(yc_region_is_valid("110000", 6));
    assert_true(yc_region_is_valid("820000", 6));
    assert_true(yc_region_is_valid("3307821", 6)); /* only len bytes read */
    assert_false(yc_region_is_valid("330782", 5));
    assert_false(yc_region_is_valid("3307821", 7));
    assert_false(yc_region_is_valid("", 0));
    assert_false(yc_region_is_valid("000000", 6));
    assert_false(yc_region_is_valid("990000", 6));
    assert_false(yc_region_is_valid("830000", 6));
    assert_false(yc_region_is_valid("33078a", 6));
    assert_false(yc_region_is_valid(" 30782", 6));
    /* every province of the reference list, and every other two-digit prefix */
    int valid = 0;
    for (int p = 0; p < 100; p++) {
        char s[7] = "000000";
        s[0] = (char)('0' + p / 10);
        s[1] = (char)('0' + p % 10);
        const bool want = ref_province_ok(s);
        assert_int_equal(yc_region_is_valid(s, 6), want);
        valid += want;
    }
    assert_int_equal(valid, 34);
}

static void subject_id_is_valid__uscc_or_pseudonym__exact_shapes(void **state)
{
    (void)state;
    assert_true(yc_subject_id_is_valid("91330100716105852F", 18));
    assert_false(yc_subject_id_is_valid("91330100716105852G", 18)); /* check character */
    assert_true(yc_subject_id_is_valid("PEOFQACP2BXCARLWL6XMCAYFXJNJTRG4L", 33));
    assert_false(yc_subject_id_is_valid("PEOFQACP2BXCARLWL6XMCAYFXJNJTRG4", 32));  /* short */
    assert_false(yc_subject_id_is_valid("PEOFQACP2BXCARLWL6XMCAYFXJNJTRG41", 33)); /* '1' */
    assert_false(yc_subject_id_is_valid("peofqacp2bxcarlwl6xmcayfxjnjtrg4l", 33)); /* case */
    assert_false(yc_subject_id_is_valid("QEOFQACP2BXCARLWL6XMCAYFXJNJTRG4L", 33)); /* prefix */
    assert_false(yc_subject_id_is_valid("", 0));
}

/* ---- free texts (issue 6 defect 3) ---- */

/* @p n digits (ASCII, or U+FF10.. when @p wide), split after the 6th and the 14th by @p sep. */
static const char *digits_with(size_t n, bool wide, const char *sep, char *buf, size_t cap)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 6 || i == 14) {
            const size_t k = strlen(sep);
            assert_true(at + k < cap);
            memcpy(buf + at, sep, k);
            at += k;
        }
        const char d = (char)('0' + (i * 7 + 3) % 10);
        assert_true(at + 4 < cap);
        if (wide) {
            buf[at++] = (char)0xef;
            buf[at++] = (char)0xbc;
            buf[at++] = (char)(0x90 + (d - '0'));
        } else
            buf[at++] = d;
    }
    buf[at] = '\0';
    return buf;
}

static void regress__issue_6__text_document_number__14_ok_15_refused_per_separator(void **state)
{
    (void)state;
    static const char *const seps[] = {
        "", " ", "-", ".", "/", "_", "\xe3\x80\x80", "\xef\xbc\x8d", "- ", " \xe3\x80\x80 ",
        /* second pass: any punctuation or space of any script is ignored between digits */
        "\xc2\xb7",                              /* · U+00B7 */
        "\xef\xbc\x8f",                          /* ／ U+FF0F */
        "\xef\xbc\x8c",                          /* ， U+FF0C */
        "\xe2\x80\x94",                          /* — U+2014 */
        "~", ":", ",", "(", "#", "\xe3\x80\x82", /* 。 U+3002 */
        "\xef\xbc\xa1", /* Ａ U+FF21: a full-width letter is not an ASCII letter */
        "\xef\xbc",     /* a truncated sequence */
        ", \xc2\xb7 "};
    char buf[256];
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++)
        for (int wide = 0; wide <= 1; wide++) {
            const char *t = digits_with(14, wide, seps[i], buf, sizeof buf);
            assert_false(yc_text_may_hold_document_number(t, strlen(t)));
            t = digits_with(15, wide, seps[i], buf, sizeof buf);
            assert_true(yc_text_may_hold_document_number(t, strlen(t)));
            t = digits_with(18, wide, seps[i], buf, sizeof buf);
            assert_true(yc_text_may_hold_document_number(t, strlen(t)));
        }
    /* the breaker's texts */
    const char *c = "负责人身份证 330782-19581031-7029 已整改";
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "３３０７８２１９５８１０３１７０２９";
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "330782 19581031 702X"; /* 17 digits and the check X */
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "３３０７８２195810312"; /* mixed full-width and ASCII: 15 */
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "３３０７８２19581031"; /* 14 */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    /* only an ideograph (both CJK ranges) or an ASCII letter ends the run */
    c = "1234567号12345678";
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "1234567\xe3\x90\x80"
        "12345678"; /* U+3400 (extension A) */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "1234567\xe4\xb8\x80"
        "12345678"; /* U+4E00 */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "1234567\xe9\xbf\xbf"
        "12345678"; /* U+9FFF */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "1234567\xea\x80\x80"
        "12345678"; /* U+A000 (not an ideograph): ignored */
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "1234567\xe3\x90\x80 12345678"; /* U+3400, then a space: 8 */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "1234567,12345678"; /* a comma no longer ends the run */
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "1234567a 2345678"; /* 'a' ends the run; the 7 digits after it are not direct */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "1234567Z 2345678";
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "records=12345678 queries=1234567";
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    /* only len bytes are read; empty text */
    c = "123456789012345";
    assert_false(yc_text_may_hold_document_number(c, 14));
    assert_true(yc_text_may_hold_document_number(c, 15));
    assert_false(yc_text_may_hold_document_number(NULL, 0));
    assert_false(yc_text_may_hold_document_number("", 0));
    /* a truncated full-width digit (2 of its 3 bytes) is not a digit */
    c = "12345678901234\xef\xbc";
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    assert_int_equal(YC_TEXT_DIGIT_RUN_MAX, 14);
}

static void regress__issue_6__text_document_number__second_pass_texts__refused(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81"
        "330782\xc2\xb7"
        "19581031\xc2\xb7"
        "7029", /* 身份证330782·19581031·7029 */
        "330782\xef\xbc\x8f"
        "19581031\xef\xbc\x8f"
        "7029", /* ／ */
        "330782\xef\xbc\x8c"
        "19581031\xef\xbc\x8c"
        "7029", /* ， */
        "330782\xe2\x80\x94"
        "19581031\xe2\x80\x94"
        "7029", /* — */
        "330782~19581031~7029",
        "330782:19581031:7029",
        "\xe6\x88\x91\xe7\x9a\x84\xe6\x8a\xa4\xe7\x85\xa7\xe5\x8f\xb7\xe6\x98\xaf"
        "A30918274", /* 我的护照号是A30918274 */
        "E12345678",
        "passport e1234567.",
        "C\xef\xbc\x91\xef\xbc\x92"
        "345678", /* full-width digits after a letter count */
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_true(yc_text_may_hold_document_number(refused[i], strlen(refused[i])));
}

/* The audit log's rule: digit runs only; random ids (base64url) with a letter and 7 digits pass. */
static void yc_text_has_long_digit_run__ids_with_letter_digits__not_refused(void **state)
{
    (void)state;
    const char *c = "cl_A1234567xyzQRS";
    assert_false(yc_text_has_long_digit_run(c, strlen(c)));
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "12345678901234"; /* 14 digits */
    assert_false(yc_text_has_long_digit_run(c, strlen(c)));
    c = "330782-19581031-7"; /* 15 */
    assert_true(yc_text_has_long_digit_run(c, strlen(c)));
    c = "330782\xc2\xb7"
        "19581031\xc2\xb7"
        "7029"; /* 330782·19581031·7029 */
    assert_true(yc_text_has_long_digit_run(c, strlen(c)));
}

static void regress__issue_6__text_document_number__letter_6_ok_7_refused(void **state)
{
    (void)state;
    const char *c = "A123456"; /* 6 digits after a letter */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "A1234567"; /* 7 */
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "z123456";
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "z1234567";
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    c = "\xe6\x8a\xa4\xe7\x85\xa7"
        "E123456\xe5\x8f\xb7"; /* 护照E123456号 */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "\xe6\x8a\xa4\xe7\x85\xa7"
        "E1234567\xe5\x8f\xb7"; /* 护照E1234567号 */
    assert_true(yc_text_may_hold_document_number(c, strlen(c)));
    /* only digits directly after the letter count: a gap, or a separator inside the run */
    c = "A 1234567";
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "A123456-7";
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "\xe5\x8f\xb7"
        "1234567"; /* after an ideograph: the 15-digit rule only */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    c = "record 346 v2 2024-01-02"; /* ordinary text */
    assert_false(yc_text_may_hold_document_number(c, strlen(c)));
    /* the limit is read from len: 7 digits in the buffer, only 6 of them in the text */
    c = "A1234567";
    assert_false(yc_text_may_hold_document_number(c, 7));
    assert_true(yc_text_may_hold_document_number(c, 8));
    assert_int_equal(YC_TEXT_LETTER_DIGITS_MIN, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subject_id_is_valid__uscc_or_pseudonym__exact_shapes),
        cmocka_unit_test(safety__uscc_empty__fails_length),
        cmocka_unit_test(safety__uscc_len_17_and_19__fail_length),
        cmocka_unit_test(safety__uscc_embedded_nul__fails_charset),
        cmocka_unit_test(safety__resident_id_lengths_around_15_and_18__fail_length),
        cmocka_unit_test(safety__resident_id_embedded_nul__fails_charset),
        cmocka_unit_test(safety__passport_length_limits__5_and_20_ok_4_and_21_fail),
        cmocka_unit_test(safety__business_card_length_limits__6_and_20_ok_5_and_21_fail),
        cmocka_unit_test(safety__doc_type_out_of_range__fails_invalid),
        cmocka_unit_test(safety__fault_str__every_value_and_out_of_range),
        cmocka_unit_test(uscc_is_valid__domain_valid_examples__accepted_with_org_check),
        cmocka_unit_test(uscc_is_valid__domain_invalid_examples__fail_check),
        cmocka_unit_test(uscc_is_valid__lower_case__fails_charset),
        cmocka_unit_test(uscc_is_valid__letters_i_o_s_v_z__fail_charset),
        cmocka_unit_test(uscc_is_valid__org_check_wrong_uscc_check_right__fails_org_check),
        cmocka_unit_test(orgcode_check_char__known_bodies__exact),
        cmocka_unit_test(uscc_check_char__bad_character__fails_invalid),
        cmocka_unit_test(uscc_is_valid__1000_generated_and_all_corruptions__exact),
        cmocka_unit_test(resident_id__domain_examples__accepted),
        cmocka_unit_test(resident_id__lower_case_x__normalized_upper),
        cmocka_unit_test(resident_id__15_digit__upgraded_to_18),
        cmocka_unit_test(resident_id__feb_29__only_in_leap_years),
        cmocka_unit_test(resident_id__birth_date_bounds__today_ok_tomorrow_fails),
        cmocka_unit_test(resident_id__province_codes__00_99_and_gaps_fail_region),
        cmocka_unit_test(resident_id__each_rejection_class__exact_fault),
        cmocka_unit_test(resident_id__1000_generated_and_all_corruptions__exact),
        cmocka_unit_test(doc_normalize__resident_id__normalized_and_country_rejected),
        cmocka_unit_test(doc_normalize__passport_with_country__folded_and_stripped),
        cmocka_unit_test(doc_normalize__passport_without_country__fails_country),
        cmocka_unit_test(regress__issue_2__passport_country_not_an_issuing_state__fails_country),
        cmocka_unit_test(doc_normalize__passport_bad_number__fails_charset_before_country),
        cmocka_unit_test(doc_normalize__permanent_resident_15__letters_and_digits),
        cmocka_unit_test(doc_normalize__permanent_resident_18__leading_9_and_check),
        cmocka_unit_test(doc_normalize__business_card__charset_and_country),
        cmocka_unit_test(region_is_valid__shapes__exact),
        cmocka_unit_test(regress__issue_6__text_document_number__14_ok_15_refused_per_separator),
        cmocka_unit_test(regress__issue_6__text_document_number__second_pass_texts__refused),
        cmocka_unit_test(regress__issue_6__text_document_number__letter_6_ok_7_refused),
        cmocka_unit_test(yc_text_has_long_digit_run__ids_with_letter_digits__not_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
