/**
 * @file purpose.h
 * @brief The purpose vocabulary of issue 6 item 2: the snake_case codes an `fi` client names
 *        (query parameter `purpose` on GET, body field on POST), with their Chinese labels.
 *
 * 征信业管理条例 Art.18 lets a querier read personal information only with the subject's
 * written consent and an agreed purpose, and Art.20 limits the use to that purpose
 * (docs/design/domain.md §8).  So a purpose is a closed, documented code, and each says
 * whether it may be stated for an individual (then with a consent_id) or only for an
 * organisation (USCC subjects, 个体工商户 included).
 *
 * Deliberately NOT in the vocabulary (yc_purpose_is_valid() is false for them):
 * employment_screening (入职背景调查: an employer is not an `fi` client, and hiring is not a
 * credit purpose a bank may agree under Art.18/20; Zhejiang 条例 Art.15 keeps a person's public
 * credit information to government sharing and authorised query), marketing (营销: PIPL
 * Art.24 and Art.20 of the regulation, use for the agreed purpose only), and
 * debt_collection (催收: a lender's follow-up of its own loan is post_loan_management).
 *
 * @par Source: issue 6 scope item 2; docs/design/domain.md §8.
 */
#ifndef YRDCREDIT_PURPOSE_H
#define YRDCREDIT_PURPOSE_H

#include <stdbool.h>
#include <stddef.h>

/** Longest purpose code in bytes (a request's value longer than this is never valid). */
#define YC_PURPOSE_CODE_MAX 32

/** One purpose.  Every string is static, NUL-terminated UTF-8. */
typedef struct yc_purpose {
    const char *code;       /**< snake_case ASCII, 1..YC_PURPOSE_CODE_MAX bytes */
    const char *label_zh;   /**< Chinese label, e.g. "贷款审批" */
    const char *label_en;   /**< English label, e.g. "loan approval" */
    bool for_individuals;   /**< may be stated for a natural person (with a consent) */
    bool for_organisations; /**< may be stated for a USCC subject */
} yc_purpose;

/**
 * @brief Find a purpose by its code.
 * @param[in] code      Bytes of the code (e.g. a decoded query value); need not be
 *                      NUL-terminated; case-sensitive; no surrounding spaces.
 * @param[in] code_len  Length of @p code in bytes; 0 or more than YC_PURPOSE_CODE_MAX finds
 *                      nothing.
 * @return The static entry (valid for the process, do not free), or NULL for an unknown code.
 * @par Source: issue 6 scope item 2.
 */
const yc_purpose *yc_purpose_find(const char *code, size_t code_len);

/**
 * @brief Whether a code is in the vocabulary.
 * @param[in] code      Bytes of the code; need not be NUL-terminated; case-sensitive.
 * @param[in] code_len  Length of @p code in bytes.
 * @return true when yc_purpose_find() finds it.
 * @par Source: issue 6 scope item 2.
 */
bool yc_purpose_is_valid(const char *code, size_t code_len);

/**
 * @brief Whether a code is in the vocabulary and may be stated for this kind of subject.
 * @param[in] code           Bytes of the code; need not be NUL-terminated.
 * @param[in] code_len       Length of @p code in bytes.
 * @param[in] is_individual  true for a natural person ('P' pseudonym), false for a USCC.
 * @return true when the purpose exists and applies to that kind of subject.
 * @par Source: issue 6 scope item 2; 征信业管理条例 Art.18, Art.20.
 */
bool yc_purpose_is_valid_for(const char *code, size_t code_len, bool is_individual);

/**
 * @brief Chinese label of a code.
 * @param[in] code      Bytes of the code; need not be NUL-terminated.
 * @param[in] code_len  Length of @p code in bytes.
 * @return The static label (e.g. "贷款审批"; do not free), or NULL for an unknown code.
 * @par Source: issue 6 scope item 2.
 */
const char *yc_purpose_label(const char *code, size_t code_len);

/**
 * @brief Number of purposes in the vocabulary.
 * @return The count (at least the five that issue 6 names).
 * @par Source: issue 6 scope item 2.
 */
size_t yc_purpose_count(void);

/**
 * @brief One purpose by index, for docs and tests.
 * @param[in] i  Index, 0..yc_purpose_count()-1.
 * @return The static entry (valid for the process, do not free), or NULL when @p i is out of
 *         range.
 * @par Source: issue 6 scope item 2; README.md "Who may call what (issue 6)".
 */
const yc_purpose *yc_purpose_at(size_t i);

#endif
