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

/**
 * @brief Could a free text (an objection's reason, a repair's commitment or evidence, an
 *        audit entry's target or detail) hold a document number?
 *
 * True when @p s holds a run of YC_TEXT_DIGIT_RUN_MAX + 1 (15) or more digits, where a digit
 * is an ASCII digit or a full-width digit U+FF10..U+FF19 (mapped to ASCII), and separators
 * between digits are ignored: ASCII space, '-', '.', '/', '_', U+3000 IDEOGRAPHIC SPACE and
 * U+FF0D FULLWIDTH HYPHEN-MINUS (any number of them).  Any other byte or character ends the
 * run.  A 居民身份证 number has 15 digits (old) or 17 digits and a check digit or X (GB
 * 11643-1999), so "330782-19581031-7029", "330782 19581031 702X" and
 * "３３０７８２１９５８１０３１７０２９" are all caught; so is a run of 15+ separated numbers
 * (e.g. two dates "2024-01-02 2024-03-04"), which callers refuse too.  Invalid UTF-8 is not
 * judged here (a byte that is not a digit or separator just ends the run).
 *
 * @param[in] s    Text; not necessarily NUL-terminated; only @p len bytes are read; may be
 *                 NULL when @p len is 0.
 * @param[in] len  Length of @p s in bytes.
 * @return true when the text has such a run (the caller refuses it), false otherwise.
 * @par Source: issue 6 acceptance (no document number in clear in the data dir); breaker
 *      report of issue 6, defect 3; GB 11643-1999.
 */
bool yc_text_may_hold_document_number(const char *s, size_t len);

#endif
