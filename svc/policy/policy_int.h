/* Internals shared by the loaders of svc/policy/. */
#ifndef YRDCREDIT_POLICY_INT_H
#define YRDCREDIT_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>

/* True when the @p len bytes of @p s hold only spaces, tabs, CR, LF or the ideographic space
 * U+3000 (or nothing): a legal basis, department or text made of them says nothing. */
bool yc_policy_text_is_blank(const char *s, size_t len);

#endif
