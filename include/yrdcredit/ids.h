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

/** Reason a validator rejected its input (for error messages naming the cause). */
typedef enum yc_id_fault {
    YC_ID_OK = 0,
    YC_ID_LENGTH,        /**< wrong length */
    YC_ID_CHARSET,       /**< character outside the allowed set */
    YC_ID_CHECK,         /**< check character wrong */
    YC_ID_ORG_CHECK,     /**< embedded 组织机构代码 check wrong (USCC positions 9–17) */
    YC_ID_REGION,        /**< address/region code malformed */
    YC_ID_BIRTH_DATE,    /**< birth date impossible or in the future */
    YC_ID_COUNTRY,       /**< passport issuing country missing or not alpha-3 */
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
 *
 * @param[in]  s          Text; not necessarily NUL-terminated.
 * @param[in]  len        Length of @p s in bytes (must be 18).
 * @param[out] ret_fault  On failure the reason; may be NULL.
 * @return true when valid.
 * @par Source: GB 32100-2015 §4–5; GB 11714-1997; domain.md §6.
 */
bool yc_uscc_is_valid(const char *s, size_t len, yc_id_fault *ret_fault);

/**
 * @brief Compute the USCC check character for the first 17 characters.
 * @param[in]  s17        17 characters from the USCC alphabet.
 * @param[out] ret_check  The check character.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a character outside the alphabet
 * @par Source: GB 32100-2015.
 */
YC_MUST_USE yc_err yc_uscc_check_char(const char s17[static 17], char *ret_check);

/**
 * @brief Compute the GB 11714 organisation-code check character for 8 body characters.
 * @param[in]  s8         8 characters 0–9 A–Z.
 * @param[out] ret_check  '0'–'9' or 'X'.
 * @retval YC_OK, YC_ERR_INVALID
 * @par Source: GB 11714-1997.
 */
YC_MUST_USE yc_err yc_orgcode_check_char(const char s8[static 8], char *ret_check);

/**
 * @brief Validate and normalize a 居民身份证号码.
 *
 * Accepts 18 characters (17 digits + digit or X/x; lower-case x normalized to X)
 * or a 15-digit first-generation number (YYMMDD birth date, 19YY) which is
 * upgraded to 18 digits with a computed check.  Checks: 6-digit address code
 * whose first two digits are a province code 11–82; birth date a real calendar
 * date not after @p today and not before 1900-01-01; ISO 7064 MOD 11-2 check.
 *
 * @param[in]  s          Text; not necessarily NUL-terminated.
 * @param[in]  len        Length in bytes (15 or 18).
 * @param[in]  today      Reference date for "not in the future".
 * @param[out] ret_norm   19 bytes: the normalized 18-character number + NUL; written only when valid.
 * @param[out] ret_fault  On failure the reason; may be NULL.
 * @return true when valid.
 * @par Source: GB 11643-1999 §5–7; domain.md §6.
 */
bool yc_resident_id_normalize(const char *s, size_t len, yc_date today, char ret_norm[static 19],
                              yc_id_fault *ret_fault);

/**
 * @brief Compute the MOD 11-2 check character for 17 digits.
 * @param[in]  s17        17 ASCII digits.
 * @param[out] ret_check  '0'–'9' or 'X'.
 * @retval YC_OK, YC_ERR_INVALID (non-digit)
 * @par Source: GB 11643-1999 §7; ISO 7064:1983 MOD 11-2.
 */
YC_MUST_USE yc_err yc_resident_id_check_char(const char s17[static 17], char *ret_check);

/**
 * @brief Validate and normalize any natural person's document number.
 *
 * - YC_DOC_RESIDENT_ID: as yc_resident_id_normalize(); @p country must be empty.
 * - YC_DOC_PASSPORT: 5–20 characters A–Z 0–9 (lower case folded to upper, spaces
 *   and '-' removed); @p country a 3-letter ISO 3166-1 alpha-3 code (folded upper).
 * - YC_DOC_PERMANENT_RESIDENT: 外国人永久居留身份证, 15 characters (2004 format:
 *   3 letters + 12 digits) or 18 characters (2017 format: starts with 9, 17 digits +
 *   MOD 11-2 check as the resident ID).
 * - YC_DOC_BUSINESS_CARD: 外籍商友卡 number, 6–20 characters A–Z 0–9 (folded upper).
 *
 * @param[in]  type         Document type.
 * @param[in]  country      NUL-terminated; alpha-3 for passports, "" otherwise.
 * @param[in]  number       NUL-terminated raw number.
 * @param[in]  today        Reference date for birth-date checks.
 * @param[out] ret_norm     YC_DOC_NUMBER_MAX + 1 bytes; normalized number, NUL-terminated.
 * @param[out] ret_country  YC_COUNTRY_LEN + 1 bytes; normalized country ("" if none).
 * @param[out] ret_fault    On failure the reason; may be NULL.
 * @retval YC_OK           valid; outputs written
 * @retval YC_ERR_INVALID  invalid; @p ret_fault says why
 * @par Source: GB 11643-1999; 外国人永久居留身份证 2017 format (公安部); ARCHITECTURE.md "Identifiers".
 */
YC_MUST_USE yc_err yc_doc_normalize(yc_doc_type type, const char *country, const char *number,
                                    yc_date today, char ret_norm[static YC_DOC_NUMBER_MAX + 1],
                                    char ret_country[static YC_COUNTRY_LEN + 1],
                                    yc_id_fault *ret_fault);

/**
 * @brief Validate a 6-digit 行政区划代码 shape (province 11–82, all digits).
 * @param[in] s    Text.
 * @param[in] len  Length (must be 6).
 * @return true when the shape is valid.
 * @par Source: GB/T 2260.
 */
bool yc_region_is_valid(const char *s, size_t len);

#endif
