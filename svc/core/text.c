/* Free-text checks (include/yrdcredit/text.h). */
#include "yrdcredit/text.h"

bool yc_text_may_hold_document_number(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char c = u[i];
        if (c >= '0' && c <= '9') {
            run++;
            i++;
        } else if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '_') {
            i++; /* a separator: neither counts nor ends the run */
        } else if (len - i >= 3 && c == 0xef && u[i + 1] == 0xbc && u[i + 2] >= 0x90 &&
                   u[i + 2] <= 0x99) {
            run++; /* U+FF10..U+FF19 full-width digit */
            i += 3;
        } else if (len - i >= 3 && ((c == 0xe3 && u[i + 1] == 0x80 && u[i + 2] == 0x80) ||
                                    (c == 0xef && u[i + 1] == 0xbc && u[i + 2] == 0x8d))) {
            i += 3; /* U+3000 ideographic space, U+FF0D full-width hyphen-minus */
        } else {
            run = 0;
            i++;
        }
        if (run > YC_TEXT_DIGIT_RUN_MAX)
            return true;
    }
    return false;
}
