/* Handlers of the "attestations" tag (attestations.c) and the body helper they share. */
#ifndef YRDCREDIT_API_ATTEST_H
#define YRDCREDIT_API_ATTEST_H

#include <jansson.h>
#include <stdbool.h>

#include "yrdcredit/api.h"
#include "yrdcredit/store_attest.h"

#define YC_API_PROBLEM_UNKNOWN_ATTESTATION "unknown-attestation" /**< 404 jti */
#define YC_API_PROBLEM_UNKNOWN_STATUS_LIST "unknown-status-list" /**< 404 list id */
#define YC_API_PROBLEM_STATE_CONFLICT      "state-conflict"      /**< 409 transition */

/* The request body as a JSON object (415 media type or charset, 413, 400 malformed or not an
 * object, in this order); an empty body is {} when empty_ok.  False when answered (*ret set). */
bool yc_api_body_object(const yc_api *api, const yc_api_request *req, bool empty_ok,
                        yc_api_response *res, yc_err *ret, json_t **ret_obj);

yc_err yc_api_issue_attestation(yc_api *api, const yc_api_request *req, const char *sid,
                                yc_api_response *res);
yc_err yc_api_list_attestations(yc_api *api, const yc_api_request *req, const char *sid,
                                yc_api_response *res);
/* jti: the path segment, jti_len bytes, not yet checked. */
yc_err yc_api_attestation_state(yc_api *api, const yc_api_request *req, const char *jti,
                                size_t jti_len, yc_attest_state to, yc_api_response *res);
yc_err yc_api_verify_attestation(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_get_jwks(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_get_issuer_metadata(yc_api *api, const yc_api_request *req, yc_api_response *res);
/* id: the path segment, id_len bytes, not yet checked. */
yc_err yc_api_get_status_list(yc_api *api, const yc_api_request *req, const char *id, size_t id_len,
                              yc_api_response *res);

#endif
