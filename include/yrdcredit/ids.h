/**
 * @file ids.h
 * @brief Identifier validators: 统一社会信用代码 (GB 32100-2015), 居民身份证号码
 *        (GB 11643-1999), foreigners' documents.  Pure functions, no allocation.
 */
#ifndef YRDCREDIT_IDS_H
#define YRDCREDIT_IDS_H

#include <stdbool.h>
#include <stddef.h>

#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/record.h"
#include "yrdcredit/text.h" /* yc_text_may_hold_document_number(), moved to core */

/** Reason a validator rejected its input (for error messages naming the cause). */
typedef enum yc_id_fault {
    YC_ID_OK = 0,
    YC_ID_LENGTH,     /**< wrong length */
    YC_ID_CHARSET,    /**< character outside the allowed set */
    YC_ID_CHECK,      /**< check character wrong */
    YC_ID_ORG_CHECK,  /**< embedded 组织机构代码 check wrong (USCC positions 9–17) */
    YC_ID_REGION,     /**< address/region code malformed */
    YC_ID_BIRTH_DATE, /**< birth date impossible or in the future */
    YC_ID_COUNTRY,    /**< passport issuing country missing or not alpha-3 */
} yc_id_fault;

/**
 * @brief Text of a fault, e.g. "check character mismatch".
 * @param[in] f  Any value.
 * @return Static NUL-terminated string; never NULL.
 */
const char *yc_id_fault_str(yc_id_fault f);

/**
 * @brief Validate a 统一社会信用代码 (USCC).
 *
 * 18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY`; position 18 is the
 * check character (weights 3^i mod 31); positions 9–17 are a GB 11714
 * organisation code whose own check (weights 3,7,9,10,5,8,4,2; 10→X, 11→0) must hold.
 * Upper case only: lower-case input is rejected (the code is printed upper case).
 * Positions 1–8 (registration authority, kind, region) are not checked beyond the alphabet.
 *
 * The organisation-code check applies to every registration-authority class: the four valid
 * examples of domain.md §6 (class 91) and every published code with a correct position-18
 * check we found for classes 11, 51, 53 and 92 also pass it.
 *
 * Faults are reported in this order: YC_ID_LENGTH, YC_ID_CHARSET, YC_ID_CHECK (position 18),
 * YC_ID_ORG_CHECK.  Any single-character substitution fails YC_ID_CHECK (31 is prime).
 *
 * @param[in]  s          Text; not necessarily NUL-terminated; only @p len bytes are read.
 * @param[in]  len        Length of @p s in bytes (must be 18).
 * @param[out] ret_fault  Always written when not NULL: YC_ID_OK on success, else the reason.
 * @return true when valid.
 * @par Source: GB 32100-2015 §4–5; GB 11714-1997; domain.md §6.
 */
bool yc_uscc_is_valid(const char *s, size_t len, yc_id_fault *ret_fault);

/**
 * @brief Compute the USCC check character for the first 17 characters.
 * @param[in]  s17        17 characters from the USCC alphabet (upper case); not NUL-terminated.
 * @param[out] ret_check  The check character (from the same alphabet); written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a character outside the alphabet
 * @par Source: GB 32100-2015.
 */
YC_MUST_USE yc_err yc_uscc_check_char(const char s17[static 17], char *ret_check);

/**
 * @brief Compute the GB 11714 organisation-code check character for 8 body characters.
 * @param[in]  s8         8 characters 0–9 A–Z (upper case; letters count 10–35); not
 * NUL-terminated.
 * @param[out] ret_check  '0'–'9' or 'X'; written only on YC_OK.
 * @retval YC_OK, YC_ERR_INVALID
 * @par Source: GB 11714-1997.
 */
YC_MUST_USE yc_err yc_orgcode_check_char(const char s8[static 8], char *ret_check);

/**
 * @brief Validate and normalize a 居民身份证号码.
 *
 * Accepts 18 characters (17 digits + digit or X/x; lower-case x normalized to X)
 * or a 15-digit first-generation number (YYMMDD birth date, 19YY) which is
 * upgraded to 18 digits (insert "19", append the computed check).  Checks, with the
 * fault reported, in this order: length (YC_ID_LENGTH); characters (YC_ID_CHARSET);
 * address code whose first two digits are a GB/T 2260 province code — 11–15, 21–23,
 * 31–37, 41–46, 50–54, 61–65, 71, 81, 82 (YC_ID_REGION; see yc_region_is_valid());
 * birth date a real Gregorian date not after @p today and not before 1800-01-01
 * (YC_ID_BIRTH_DATE; the standard's own sample 440524188001010014 is born in 1880);
 * ISO 7064 MOD 11-2 check (YC_ID_CHECK).
 *
 * @param[in]  s          Text; not necessarily NUL-terminated; only @p len bytes are read.
 * @param[in]  len        Length in bytes (15 or 18).
 * @param[in]  today      Reference date for "not in the future" (a birth on @p today is valid).
 * @param[out] ret_norm   19 bytes: the normalized 18-character number + NUL; written only when
 * valid.
 * @param[out] ret_fault  Always written when not NULL: YC_ID_OK on success, else the reason.
 * @return true when valid.
 * @par Source: GB 11643-1999 §5–7; domain.md §6.
 */
bool yc_resident_id_normalize(const char *s, size_t len, yc_date today, char ret_norm[static 19],
                              yc_id_fault *ret_fault);

/**
 * @brief Compute the MOD 11-2 check character for 17 digits.
 * @param[in]  s17        17 ASCII digits; not NUL-terminated.
 * @param[out] ret_check  '0'–'9' or 'X'; written only on YC_OK.
 * @retval YC_OK, YC_ERR_INVALID (non-digit)
 * @par Source: GB 11643-1999 §7; ISO 7064:1983 MOD 11-2.
 */
YC_MUST_USE yc_err yc_resident_id_check_char(const char s17[static 17], char *ret_check);

/**
 * @brief Validate and normalize any natural person's document number.
 *
 * - YC_DOC_RESIDENT_ID: as yc_resident_id_normalize() (the raw number must be
 *   exactly 15 or 18 bytes, no surrounding spaces).
 * - YC_DOC_PASSPORT: 5–20 characters A–Z 0–9 (lower case folded to upper, spaces
 *   and '-' removed); @p country three ASCII letters, folded upper, that are an ISO
 *   3166-1 alpha-3 code of an inhabited territory (not ATA ATF BVT HMD IOT SGS UMI) or one
 *   of the ICAO Doc 9303 Part 3 issuing-state codes that are
 *   not ISO entries (GBD GBN GBO GBP GBS UNA UNK UNO RKS EUE XOM XXA XXB XXC XXX); any
 *   other code is YC_ID_COUNTRY.  The number is checked first.
 * - YC_DOC_PERMANENT_RESIDENT: 外国人永久居留身份证, 15 characters (2004 and 2017
 *   cards: 3 letters + 12 digits, letters folded upper) or 18 characters (cards issued
 *   from 2023-12-01: '9' + 16 digits + the MOD 11-2 check of the resident ID, X/x folded).
 *   An 18-character number not starting with '9' is YC_ID_REGION (the leading 9 marks a
 *   foreigner where a citizen's number has a province code).
 * - YC_DOC_BUSINESS_CARD: 外籍商友卡 number, 6–20 characters A–Z 0–9 (folded upper;
 *   nothing removed).
 *
 * For every type other than YC_DOC_PASSPORT a non-empty @p country is YC_ID_COUNTRY.
 *
 * @param[in]  type         Document type.
 * @param[in]  country      NUL-terminated; alpha-3 for passports, "" otherwise.
 * @param[in]  number       NUL-terminated raw number.
 * @param[in]  today        Reference date for the resident ID's birth-date check (unused for
 *                          the other types).
 * @param[out] ret_norm     YC_DOC_NUMBER_MAX + 1 bytes; normalized number, NUL-terminated;
 *                          written only on YC_OK.
 * @param[out] ret_country  YC_COUNTRY_LEN + 1 bytes; normalized country ("" if none);
 *                          written only on YC_OK.
 * @param[out] ret_fault    Always written when not NULL: YC_ID_OK on success, else the reason.
 * @retval YC_OK           valid; outputs written
 * @retval YC_ERR_INVALID  invalid; @p ret_fault says why (YC_ID_OK when @p type itself is
 *                         not one of the four document types)
 * @par Source: GB 11643-1999; 国家移民管理局 2023 新版外国人永久居留身份证 (15 → 18 characters,
 *      leading 9); ARCHITECTURE.md "Identifiers".
 */
YC_MUST_USE yc_err yc_doc_normalize(yc_doc_type type, const char *country, const char *number,
                                    yc_date today, char ret_norm[static YC_DOC_NUMBER_MAX + 1],
                                    char ret_country[static YC_COUNTRY_LEN + 1],
                                    yc_id_fault *ret_fault);

/**
 * @brief Validate a 6-digit 行政区划代码 shape: six ASCII digits whose first two are a
 *        GB/T 2260 province-level code (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71 台湾,
 *        81 香港, 82 澳门).  Positions 3–6 are not looked up in the code list.
 * @param[in] s    Text; not necessarily NUL-terminated; only @p len bytes are read.
 * @param[in] len  Length in bytes (must be 6).
 * @return true when the shape is valid.
 * @par Source: GB/T 2260.
 */
bool yc_region_is_valid(const char *s, size_t len);

/**
 * @brief Is @p s a subject id: an 18-character USCC with valid check characters, or an
 *        individual's pseudonym ('P' + 32 characters of the RFC 4648 base32 alphabet A–Z 2–7)?
 * @param[in] s    Text; not necessarily NUL-terminated.
 * @param[in] len  Length of @p s in bytes.
 * @return true when valid (the pseudonym's key is not checked: any well-formed id passes).
 * @par Source: ARCHITECTURE.md "Identifiers"; GB 32100-2015.
 */
bool yc_subject_id_is_valid(const char *s, size_t len);

#endif
