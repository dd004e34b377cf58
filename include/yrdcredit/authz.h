/**
 * @file authz.h
 * @brief The authorization table of issue 6 (route × role), as data: which roles may call
 *        each route, which need a purpose, and why each cell is what it is.
 *
 * One row per operation: every (method, path template) of api/openapi.yaml and the routes
 * issue 6 adds (/v1/me/..., /v1/objections..., /v1/repairs..., /v1/audit,
 * POST /v1/records/{record_id}/revoke).  README.md "Who may call what (issue 6)" holds the same
 * table; tests/unit/test_authz.c compares the two cell by cell, and scripts/check-routes.py
 * checks that every operation of the spec has a row.
 *
 * Groundwork only: nothing consults this table yet (no route requires a token in this step).
 * A cell says whether a role may call the route at all; the per-record bindings that some rows
 * name in their reason (a provider's own authorities, a subject's own attestations, the
 * client that created a decision) are checked by the handlers, not here.
 *
 * @par Source: issue 6 scope items 1-8; docs/design/ARCHITECTURE.md "Who uses it".
 */
#ifndef YRDCREDIT_AUTHZ_H
#define YRDCREDIT_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>

/**
 * The roles of issue 6 item 1, and YC_AUTHZ_ROLE_PUBLIC for a request without a token.  The
 * first five have the values of yc_client_role (include/yrdcredit/clients.h), so a client's
 * role converts by a cast (tests/unit/test_authz.c asserts it).
 */
typedef enum yc_authz_role {
    YC_AUTHZ_ROLE_ADMIN = 0,    /**< operator: every route */
    YC_AUTHZ_ROLE_PROVIDER = 1, /**< data provider, bound to its authorities' USCCs */
    YC_AUTHZ_ROLE_PARTNER = 2,  /**< partner city system */
    YC_AUTHZ_ROLE_FI = 3,       /**< financial institution (bank, guarantor, insurer, lessor) */
    YC_AUTHZ_ROLE_SUBJECT = 4,  /**< a merchant or a person, bound to one subject */
    YC_AUTHZ_ROLE_PUBLIC = 5,   /**< no token: only the public routes */
} yc_authz_role;

/** Number of yc_authz_role values, YC_AUTHZ_ROLE_PUBLIC included. */
#define YC_AUTHZ_ROLE_COUNT 6

/** The routes, in table order (the order of README's table). */
typedef enum yc_authz_route {
    YC_AUTHZ_NOT_FOUND = -1, /**< no row for this method and path */
    YC_AUTHZ_GET_HEALTHZ = 0,
    YC_AUTHZ_GET_READYZ,
    YC_AUTHZ_GET_JWKS,
    YC_AUTHZ_GET_ISSUER_METADATA,
    YC_AUTHZ_GET_STATUS_LIST,
    YC_AUTHZ_VERIFY_ATTESTATION,
    YC_AUTHZ_GET_SUBJECT_SCORE,
    YC_AUTHZ_LIST_SUBJECT_RECORDS,
    YC_AUTHZ_ISSUE_ATTESTATION,
    YC_AUTHZ_LIST_ATTESTATIONS,
    YC_AUTHZ_LOOKUP_SUBJECT,
    YC_AUTHZ_POST_RECORDS,
    YC_AUTHZ_REVOKE_RECORD,
    YC_AUTHZ_IMPORT_SHARED_RECORDS,
    YC_AUTHZ_REVOKE_ATTESTATION,
    YC_AUTHZ_SUSPEND_ATTESTATION,
    YC_AUTHZ_UNSUSPEND_ATTESTATION,
    YC_AUTHZ_LIST_MEASURES,
    YC_AUTHZ_CREATE_DECISION,
    YC_AUTHZ_GET_DECISION,
    YC_AUTHZ_GET_ME,
    YC_AUTHZ_GET_MY_SCORE,
    YC_AUTHZ_LIST_MY_RECORDS,
    YC_AUTHZ_LIST_MY_QUERIES,
    YC_AUTHZ_ISSUE_MY_ATTESTATION,
    YC_AUTHZ_CREATE_CONSENT,
    YC_AUTHZ_LIST_CONSENTS,
    YC_AUTHZ_REVOKE_CONSENT,
    YC_AUTHZ_CREATE_OBJECTION,
    YC_AUTHZ_LIST_MY_OBJECTIONS,
    YC_AUTHZ_CREATE_REPAIR,
    YC_AUTHZ_LIST_MY_REPAIRS,
    YC_AUTHZ_LIST_OBJECTIONS,
    YC_AUTHZ_RESOLVE_OBJECTION,
    YC_AUTHZ_LIST_REPAIRS,
    YC_AUTHZ_APPROVE_REPAIR,
    YC_AUTHZ_REJECT_REPAIR,
    YC_AUTHZ_GET_AUDIT,
    YC_AUTHZ_ROUTE_COUNT /**< number of rows; not a route */
} yc_authz_route;

/** One row of the table, for docs and tests.  Every string is static and NUL-terminated. */
typedef struct yc_authz_row {
    const char *method;       /**< "GET", "POST" or "DELETE" (HEAD is looked up as GET) */
    const char *path;         /**< template, e.g. "/v1/subjects/{subject_id}/score" */
    const char *operation_id; /**< api/openapi.yaml operationId (planned name for issue 6) */
    bool in_spec;             /**< the operation is in api/openapi.yaml today */
    unsigned roles;           /**< bit (1u << role) set for every role that may call it */
    unsigned purpose_roles;   /**< bit (1u << role) set for every role that must name a purpose */
    const char *why;          /**< the reason for the row's cells (no '|', one line) */
} yc_authz_row;

/**
 * @brief Find the row of a request.
 *
 * A path template's literal segments match byte for byte; a `{name}` segment matches one
 * non-empty segment of any bytes but '/'.  Nothing is decoded: pass the path as the router
 * routes it (after yc_api_pct_decode() of the unreserved escapes), so "%2F" inside a segment is
 * three ordinary bytes and never a separator.  The path ends at its NUL or at the first '?'
 * (a query string is ignored).  An empty segment ("//"), a trailing '/' or an unknown
 * method gives YC_AUTHZ_NOT_FOUND.  HEAD finds the GET row.  Methods are case-sensitive
 * (RFC 9110 §9.1).
 *
 * @param[in] method  Request method, NUL-terminated, e.g. "GET".
 * @param[in] path    Request path starting with '/', NUL-terminated; any length.
 * @return The route, or YC_AUTHZ_NOT_FOUND when no row has this method and path.
 * @note Pure; thread-safe.  O(rows × path length).
 * @par Source: issue 6 scope item 1 ("one authorization table (route × role)"); RFC 3986 §3.3.
 */
yc_authz_route yc_authz_route_lookup(const char *method, const char *path);

/**
 * @brief Whether a role may call a route at all.
 *
 * Public routes (healthz, readyz, /.well-known/ *, status lists, POST /v1/attestations/verify)
 * are allowed for every role and for YC_AUTHZ_ROLE_PUBLIC; every other route needs a token, and
 * YC_AUTHZ_ROLE_ADMIN is allowed on every route.
 *
 * @param[in] route  Any value; YC_AUTHZ_NOT_FOUND and out-of-range values give false.
 * @param[in] role   Any value; out-of-range values give false.
 * @return true when the table's cell for (@p route, @p role) is ✓.
 * @par Source: issue 6 scope item 1.
 */
bool yc_authz_allowed(yc_authz_route route, yc_authz_role role);

/**
 * @brief Whether a role must name a `purpose` (yrdcredit/purpose.h) on a route.
 *
 * True exactly for YC_AUTHZ_ROLE_FI on the reads of a subject's score, records and attestations and
 * on issuing an attestation for a subject; for an individual the same request must also name
 * a `consent_id` (checked by the handler, which knows the subject's kind).
 *
 * @param[in] route  Any value; YC_AUTHZ_NOT_FOUND and out-of-range values give false.
 * @param[in] role   Any value; out-of-range values give false.
 * @return true when the request must carry a purpose; false otherwise (also when the role may
 *         not call the route at all).
 * @par Source: issue 6 scope item 2; 征信业管理条例 Art.18, Art.20 (docs/design/domain.md §8).
 */
bool yc_authz_needs_purpose(yc_authz_route route, yc_authz_role role);

/**
 * @brief Whether a route is public (callable without a token).
 * @param[in] route  Any value; YC_AUTHZ_NOT_FOUND and out-of-range values give false.
 * @return true for healthz, readyz, /.well-known/ *, status lists and
 *         POST /v1/attestations/verify.
 * @par Source: issue 6 scope item 1.
 */
bool yc_authz_is_public(yc_authz_route route);

/**
 * @brief Number of rows of the table (YC_AUTHZ_ROUTE_COUNT).
 * @return The count; rows are 0..count-1 and each index is its yc_authz_route.
 * @par Source: issue 6 scope item 1.
 */
size_t yc_authz_count(void);

/**
 * @brief One row of the table, for docs and tests.
 * @param[in] i  Row index, 0..yc_authz_count()-1.
 * @return A pointer to the static row (never freed, valid for the process), or NULL when
 *         @p i is out of range.
 * @par Source: issue 6 scope item 1 ("documented in README").
 */
const yc_authz_row *yc_authz_at(size_t i);

/**
 * @brief Name of a role as README's table and `yrdcredit clients add --role` spell it.
 * @param[in] role  Any value.
 * @return "admin", "provider", "partner", "fi", "subject" (as yc_client_role_str()), "public"
 *         for YC_AUTHZ_ROLE_PUBLIC; NULL for an out-of-range value.  Static; do not free.
 * @par Source: issue 6 scope item 1.
 */
const char *yc_authz_role_name(yc_authz_role role);

#endif
