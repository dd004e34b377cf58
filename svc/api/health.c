/* OpenAPI tag "health": getHealthz, getReadyz. */
#include "api_int.h"

/* Neither operation takes a query parameter: 400 for any, as on every other route. */
static bool no_query(const yc_api_request *req, yc_api_response *res, yc_err *ret)
{
    static const char *const none[] = {NULL};
    yc_api_query q;
    return yc_api_query_parse(req->query, none, &q, res, ret);
}

yc_err yc_api_get_healthz(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    (void)api;
    yc_err rv = YC_OK;
    if (!no_query(req, res, &rv))
        return rv;
    static const char body[] = "{\"status\":\"ok\"}";
    return yc_api_raw(res, 200, body, sizeof body - 1);
}

yc_err yc_api_get_readyz(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    yc_err rv = YC_OK;
    if (!no_query(req, res, &rv) || yc_api_not_ready(api, res, &rv))
        return rv;
    const yc_policy_snap *pol = yc_api_policy_acquire(api);
    if (pol == NULL) /* unloaded by nothing today; kept for the contract */
        return yc_api_not_ready(api, res, &rv) ? rv : YC_ERR_INTERNAL;
    json_t *model = json_pack("{s:s,s:s}", "version", yc_model_version(pol->model), "digest",
                              yc_model_digest_hex(pol->model));
    json_t *o = model != NULL ? json_pack("{s:s,s:o,s:I}", "status", "ready", "model", model,
                                          "policy_generation", (json_int_t)pol->generation)
                              : NULL;
    yc_api_policy_release(api, pol);
    return yc_api_json(res, 200, o);
}
