/* Which shared records count in a score, and the region a USCC is registered in
 * (include/yrdcredit/shared.h; issue 5 scope item 5). */
#include "yrdcredit/shared.h"

#include <string.h>

#include "yrdcredit/ids.h"

size_t yc_shared_keep_recognised(yc_record *recs, size_t n, const char *host_region,
                                 const yc_recognition *rec, const yc_list_rules *lists)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool keep = recs[i].origin[0] == '\0';
        yc_list_kind kind;
        if (!keep && rec != NULL && lists != NULL && host_region != NULL &&
            yc_list_rules_list_of_code(lists, recs[i].code, &kind))
            keep = yc_recognition_list_recognised(rec, host_region, recs[i].origin,
                                                  yc_list_name(kind));
        if (!keep)
            continue;
        if (kept != i)
            recs[kept] = recs[i];
        kept++;
    }
    return kept;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool yc_share_region_covers(const char *region, const char *uscc)
{
    if (region == NULL || uscc == NULL || strnlen(region, YC_REGION_LEN + 1) != YC_REGION_LEN ||
        !yc_region_is_valid(region, YC_REGION_LEN) || strnlen(uscc, YC_USCC_LEN + 1) != YC_USCC_LEN)
        return false;
    const char *reg = uscc + 2; /* characters 3..8: 登记管理机关行政区划码 */
    if (!digits(reg, YC_REGION_LEN))
        return false;
    size_t prefix = strncmp(region + 2, "0000", 4) == 0 ? 2
                    : strncmp(region + 4, "00", 2) == 0 ? 4
                                                        : YC_REGION_LEN;
    return memcmp(region, reg, prefix) == 0;
}

const char *yc_share_reason_str(yc_share_reason r)
{
    static const char *const names[] = {
        [YC_SHARE_OK] = "ok",
        [YC_SHARE_BAD_SIGNATURE] = "bad_signature",
        [YC_SHARE_UNTRUSTED_ISSUER] = "untrusted_issuer",
        [YC_SHARE_WRONG_RECIPIENT] = "wrong_recipient",
        [YC_SHARE_WRONG_ORIGIN] = "wrong_origin",
        [YC_SHARE_REPLAYED] = "replayed",
        [YC_SHARE_MALFORMED] = "malformed",
        [YC_SHARE_TOO_LARGE] = "too_large",
    };
    const unsigned i = (unsigned)r;
    return i < sizeof names / sizeof names[0] ? names[i] : "malformed";
}
