/**
 * @file text.h
 * @brief Checks on free texts that must never hold a document number in clear (objection
 *        reasons, repair commitments and evidence, audit entries).  Part of svc/core, so the
 *        store may use it (ARCHITECTURE.md: the store depends on core only).
 */
#ifndef YRDCREDIT_TEXT_H
#define YRDCREDIT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/** Longest digit run a free text may hold (see yc_text_may_hold_document_number()). */
#define YC_TEXT_DIGIT_RUN_MAX 14

/** Fewest digits directly after an ASCII letter that are refused (passport, 通行证 numbers). */
#define YC_TEXT_LETTER_DIGITS_MIN 7

/**
 * @brief Could a free text (an objection's reason or resolution reason, a repair's
 *        commitment, evidence or decision reason) hold a document number?
 *
 * True in either of two cases:
 * - @p s holds a run of YC_TEXT_DIGIT_RUN_MAX + 1 (15) or more digits.  A digit is an ASCII
 *   digit or a full-width digit U+FF10..U+FF19.  Only an ASCII letter (A-Z, a-z) or a CJK
 *   ideograph (U+4E00..U+9FFF, U+3400..U+4DBF) ends a run; every other character between
 *   digits (punctuation and spaces of any script: '-', '.', '/', ':', '~', '·', '，', '／',
 *   '—', U+3000, ...; any byte that is not well-formed UTF-8) is ignored.  A 居民身份证
 *   number has 15 digits (old) or 17 digits and a check digit or X (GB 11643-1999), so
 *   "330782-19581031-7029", "330782·19581031·7029", "330782 19581031 702X" and
 *   "３３０７８２１９５８１０３１７０２９" are all caught; so is a run of 15+ digits made of
 *   separated numbers (e.g. two dates "2024-01-02, 2024-03-04"), which callers refuse too.
 * - an ASCII letter is followed directly (no character between) by YC_TEXT_LETTER_DIGITS_MIN
 *   (7) or more consecutive digits: passport and 往来港澳通行证 numbers such as "E12345678",
 *   "A30918274" or "C1234567".  "E123456" (6 digits) passes.
 *
 * Names cannot be recognised here; the store seals these texts at rest as well.
 *
 * @param[in] s    Text; not necessarily NUL-terminated; only @p len bytes are read; may be
 *                 NULL when @p len is 0.
 * @param[in] len  Length of @p s in bytes.
 * @return true when the text has such a run (the caller refuses it), false otherwise.
 * @par Source: issue 6 acceptance (no document number in clear in the data dir); breaker
 *      reports of issue 6, defect 3 (both passes); GB 11643-1999.
 */
bool yc_text_may_hold_document_number(const char *s, size_t len);

/**
 * @brief The first rule of yc_text_may_hold_document_number() only: a run of 15 or more
 *        digits (separators ignored as there), without the letter rule.
 *
 * For audit entries' targets and details, which hold random identifiers (client ids, kids,
 * jtis: base64url, where a letter followed by 7 digits occurs by chance) and never text typed
 * by a subject.
 *
 * @param[in] s    Text; not necessarily NUL-terminated; only @p len bytes are read; may be
 *                 NULL when @p len is 0.
 * @param[in] len  Length of @p s in bytes.
 * @return true when the text has such a run, false otherwise.
 * @par Source: issue 6 item 7 (audit log); breaker reports of issue 6, defect 3.
 */
bool yc_text_has_long_digit_run(const char *s, size_t len);

/**
 * @brief Whether a free text typed by a person (an objection's reason or resolution, a repair's
 *        commitment, evidence or decision reason) may be stored.
 *
 * True when @p s is well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, at most
 * U+10FFFF), holds no C0 control character and no DEL, and yc_text_may_hold_document_number()
 * is false.  Lengths are the caller's (an empty text passes here).
 *
 * @param[in] s  Text; not necessarily NUL-terminated; only @p n bytes are read; may be NULL
 *               when @p n is 0.
 * @param[in] n  Length of @p s in bytes.
 * @return true when the text may be stored.
 * @par Source: issue 6 items 5 and 6; breaker reports of issue 6, defect 3.
 */
bool yc_text_free_ok(const char *s, size_t n);

#endif
