/* Text checks shared by the policy loaders (policy_int.h). */
#include <string.h>

#include "policy_int.h"

bool yc_policy_text_is_blank(const char *s, size_t len)
{
    static const char ideographic_space[] = "\xe3\x80\x80"; /* U+3000 in UTF-8 */
    size_t i = 0;
    while (i < len) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            i++;
        else if (len - i >= 3 && memcmp(s + i, ideographic_space, 3) == 0)
            i += 3;
        else
            return false;
    }
    return true;
}
