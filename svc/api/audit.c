/* Issue 6 E: GET /v1/audit (operationId getAudit, OpenAPI tag "audit"), and the retention job
 * as yrdcreditd runs it (yc_api_retention_run(), include/yrdcredit/api.h). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/retention.h"
#include "yrdcredit/store_audit.h"

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (RFC 3339, UTC, milliseconds); false when out of range. */
static bool rfc3339_ms(int64_t ms, char out[static 32])
{
    const time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || gmtime_r(&s, &tm) == NULL)
        return false;
    char base[24];
    if (strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
        return false;
    return snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000)) == 24;
}

static json_t *entry_json(const yc_store_audit *e)
{
    char at[32];
    if (!rfc3339_ms(e->at_ms, at))
        return NULL;
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "seq", (json_int_t)e->seq, "at", at, "actor",
                     e->actor, "action", yc_audit_action_code((yc_audit_action)e->action),
                     "outcome", yc_audit_outcome_code((yc_audit_outcome)e->outcome), "target",
                     e->target, "detail", e->detail);
}

/* The page as {"entries": [...], "next_cursor": "<seq>" | null}. */
static yc_err page_json(const yc_store_audit *arr, size_t n, const char *next, yc_api_response *res)
{
    json_t *list = json_array();
    json_t *o = list == NULL ? NULL
                             : json_pack("{s:o,s:o}", "entries", list, "next_cursor",
                                         next[0] != '\0' ? json_string(next) : json_null());
    if (o == NULL)
        return YC_ERR_NOMEM; /* json_pack released list */
    for (size_t i = 0; i < n; i++) {
        json_t *e = entry_json(&arr[i]);
        if (e == NULL || json_array_append_new(list, e) != 0) {
            json_decref(o);
            return e == NULL ? YC_ERR_STORE : YC_ERR_NOMEM;
        }
    }
    return yc_api_json(res, 200, o);
}

/* Copy a decoded query value of len bytes into a NUL-terminated buffer of cap bytes. */
static bool copy_value(const char *v, size_t len, char *out, size_t cap)
{
    if (len == 0 || len >= cap || memchr(v, '\0', len) != NULL)
        return false;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

yc_err yc_api_get_audit(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const allowed[] = {"action", "limit", "cursor", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    size_t len = 0;
    uint64_t limit = YC_API_PAGE_DEFAULT;
    const char *v = yc_api_query_get(&q, "limit", &len);
    if (v != NULL && !yc_api_parse_limit(v, len, &limit))
        return yc_api_bad_param(res, "limit", "expected an integer in 1..100");
    yc_audit_action action = YC_AUDIT_ANY;
    char text[YC_AUDIT_CURSOR_MAX + 1];
    _Static_assert(YC_AUDIT_CURSOR_MAX >= YC_AUDIT_ACTION_CODE_MAX, "one buffer for both");
    v = yc_api_query_get(&q, "action", &len);
    if (v != NULL && (!copy_value(v, len, text, YC_AUDIT_ACTION_CODE_MAX + 1) ||
                      yc_audit_action_parse(text, &action) != YC_OK))
        return yc_api_bad_param(res, "action", "not an audit action code (client_add, ..., purge)");
    char cursor[YC_AUDIT_CURSOR_MAX + 1] = "";
    v = yc_api_query_get(&q, "cursor", &len);
    if (v != NULL && !copy_value(v, len, cursor, sizeof cursor))
        return yc_api_bad_param(res, "cursor", "not a cursor returned by this API");
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    yc_store_audit *arr = NULL;
    size_t n = 0;
    char next[YC_AUDIT_CURSOR_MAX + 1];
    rv = yc_store_audit_list(api->store, action, cursor, (size_t)limit, &arr, &n, next);
    if (rv == YC_ERR_INVALID) /* the arguments were checked: only the cursor can be wrong */
        return yc_api_bad_param(res, "cursor", "not a cursor returned by this API");
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    rv = page_json(arr, n, next, res);
    yc_free(arr);
    return rv;
}

/* ---- the retention job of yrdcreditd ---- */

yc_err yc_api_retention_run(yc_api *api, yc_retention_counts *ret)
{
    YC_ENSURE(api != NULL && ret != NULL, YC_ERR_INVALID);
    *ret = (yc_retention_counts){0};
    YC_ENSURE(api->store != NULL, YC_ERR_AGAIN);
    static pthread_mutex_t one_run = PTHREAD_MUTEX_INITIALIZER;
    YC_ENSURE(pthread_mutex_lock(&one_run) == 0, YC_ERR_INTERNAL);
    const yc_policy_snap *snap = yc_api_policy_acquire(api);
    const int64_t now = yc_clock_now_ms();
    /* the policy's holiday calendar; without a loaded policy, Mon–Fri */
    yc_err rv = yc_retention_run(api->store, snap != NULL ? snap->calendar : NULL,
                                 yc_date_from_unix_ms(now), now, false, ret);
    yc_api_policy_release(api, snap);
    /* Decision (retention.h): the server records a run that removed something or failed; a
     * run that found nothing leaves no entry (`yrdcredit purge` always records one). */
    const bool removed = ret->records + ret->queries + ret->revoked + ret->persons > 0;
    if (removed || rv != YC_OK) {
        yc_err ae = yc_retention_audit(api->store, "system:retention", yc_clock_now_ms(), ret, rv);
        if (rv == YC_OK)
            rv = ae;
    }
    (void)pthread_mutex_unlock(&one_run);
    return rv;
}
