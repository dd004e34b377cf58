/* Free-text checks (include/yrdcredit/text.h). */
#include "yrdcredit/text.h"

#include <stdint.h>

/* Decode one UTF-8 sequence at @p u (@p left >= 1 bytes) into *cp; returns its length.  A byte
 * that does not start a well-formed sequence is one unit with cp 0xFFFD (neither a digit, a
 * letter nor an ideograph, so it is ignored between digits). */
static size_t utf8_next(const unsigned char *u, size_t left, uint32_t *cp)
{
    const unsigned char c = u[0];
    size_t n = 0;
    uint32_t v = 0;
    uint32_t min = 0;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1fu;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0fu;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07u;
        min = 0x10000;
    }
    if (n == 0 || left < n) {
        *cp = 0xfffd;
        return 1;
    }
    for (size_t k = 1; k < n; k++) {
        if ((u[k] & 0xc0u) != 0x80u) {
            *cp = 0xfffd;
            return 1;
        }
        v = (v << 6) | (u[k] & 0x3fu);
    }
    *cp = v < min ? 0xfffd : v;
    return n;
}

/* The scan of both rules; the letter rule only when @p letters. */
static bool scan(const char *s, size_t len, bool letters)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0;      /* digits since the last ASCII letter or CJK ideograph */
    size_t lettered = 0; /* digits directly after an ASCII letter, no gap */
    bool after_letter = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        i += utf8_next(u + i, len - i, &cp);
        const bool digit = (cp >= '0' && cp <= '9') || (cp >= 0xff10 && cp <= 0xff19);
        const bool letter = (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
        const bool ideograph = (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf);
        if (digit) {
            run++;
            if (after_letter)
                lettered++;
            if (run > YC_TEXT_DIGIT_RUN_MAX || (letters && lettered >= YC_TEXT_LETTER_DIGITS_MIN))
                return true;
        } else if (letter) {
            run = 0;
            lettered = 0;
            after_letter = true;
        } else {
            if (ideograph)
                run = 0; /* anything else (punctuation, spaces of any script) is ignored */
            lettered = 0;
            after_letter = false;
        }
    }
    return false;
}

bool yc_text_may_hold_document_number(const char *s, size_t len)
{
    return scan(s, len, true);
}

bool yc_text_has_long_digit_run(const char *s, size_t len)
{
    return scan(s, len, false);
}

/* Length of the UTF-8 sequence at s[0..n) (RFC 3629 §4: no overlongs, no surrogates, at most
 * U+10FFFF), or 0 when malformed. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    const unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

bool yc_text_free_ok(const char *s, size_t n)
{
    if (yc_text_may_hold_document_number(s, n))
        return false;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x20 || u[i] == 0x7f)
            return false;
        const size_t k = utf8_seq(u + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}
