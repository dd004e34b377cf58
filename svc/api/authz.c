/* The authorization table of issue 6 (include/yrdcredit/authz.h): route × role as data.
 * README.md "Who may call what (issue 6)" holds the same table; tests/unit/test_authz.c
 * compares them cell by cell.  Where the issue is silent a cell is the least privilege, and the
 * row's reason says so. */
#include "yrdcredit/authz.h"

#include <string.h>

#define R(role) (1u << (role))
#define NONE_   R(YC_AUTHZ_ROLE_PUBLIC)
#define ADMIN   R(YC_AUTHZ_ROLE_ADMIN)
#define PROV    R(YC_AUTHZ_ROLE_PROVIDER)
#define PART    R(YC_AUTHZ_ROLE_PARTNER)
#define FI      R(YC_AUTHZ_ROLE_FI)
#define SUBJ    R(YC_AUTHZ_ROLE_SUBJECT)
#define PUBLIC  (NONE_ | ADMIN | PROV | PART | FI | SUBJ)

static const yc_authz_row rows[YC_AUTHZ_ROUTE_COUNT] = {
    [YC_AUTHZ_GET_HEALTHZ] = {"GET", "/healthz", "getHealthz", true, PUBLIC, 0,
                              "public (item 1): liveness for probes and load balancers"},
    [YC_AUTHZ_GET_READYZ] = {"GET", "/readyz", "getReadyz", true, PUBLIC, 0,
                             "public (item 1): readiness for probes and load balancers"},
    [YC_AUTHZ_GET_JWKS] = {"GET", "/.well-known/jwks.json", "getJwks", true, PUBLIC, 0,
                           "public (item 1): partners verify attestations offline with these keys"},
    [YC_AUTHZ_GET_ISSUER_METADATA] = {"GET", "/.well-known/jwt-vc-issuer", "getIssuerMetadata",
                                      true, PUBLIC, 0,
                                      "public (item 1): SD-JWT VC issuer metadata for verifiers"},
    [YC_AUTHZ_GET_STATUS_LIST] = {"GET", "/v1/status-lists/{id}", "getStatusList", true, PUBLIC, 0,
                                  "public (item 1): verifiers check revocation without an account"},
    [YC_AUTHZ_VERIFY_ATTESTATION] = {"POST", "/v1/attestations/verify", "verifyAttestation", true,
                                     PUBLIC, 0,
                                     "public (item 1), rate-limited per address: verifying needs "
                                     "no token"},
    [YC_AUTHZ_GET_SUBJECT_SCORE] = {"GET", "/v1/subjects/{subject_id}/score", "getSubjectScore",
                                    true, ADMIN | FI, FI,
                                    "fi with a purpose, and a consent for an individual (item 2); "
                                    "partners decide through /v1/decisions and providers only "
                                    "submit, so neither reads scores; a subject uses /v1/me/score"},
    [YC_AUTHZ_LIST_SUBJECT_RECORDS] = {"GET", "/v1/subjects/{subject_id}/records",
                                       "listSubjectRecords", true, ADMIN | FI, FI,
                                       "fi with a purpose (item 2); a provider sees its own "
                                       "records in its POST /v1/records answers and needs no "
                                       "other authority's records (least privilege)"},
    [YC_AUTHZ_ISSUE_ATTESTATION] = {"POST", "/v1/subjects/{subject_id}/attestations",
                                    "issueAttestation", true, ADMIN | FI, FI,
                                    "fi with a purpose; an individual's only under a consent "
                                    "(item 4); a subject asks through POST /v1/me/attestations"},
    [YC_AUTHZ_LIST_ATTESTATIONS] = {"GET", "/v1/subjects/{subject_id}/attestations",
                                    "listAttestations", true, ADMIN | FI, FI,
                                    "fi reads attestations with a purpose (item 2); partners "
                                    "verify the tokens they are shown and need no listing"},
    [YC_AUTHZ_LOOKUP_SUBJECT] = {"POST", "/v1/subjects/lookup", "lookupSubject", true, ADMIN | FI,
                                 0,
                                 "an fi turns an individual's document into the pseudonym it "
                                 "then queries with purpose and consent; reads no record, so no "
                                 "purpose; providers send documents inside records and need no "
                                 "lookup (least privilege)"},
    [YC_AUTHZ_POST_RECORDS] = {"POST", "/v1/records", "postRecords", true, ADMIN | PROV, 0,
                               "providers submit, and correct by superseding, records of their "
                               "own authorities only (items 1 and 8; checked per record)"},
    [YC_AUTHZ_REVOKE_RECORD] = {"POST", "/v1/records/{id}/revoke", "revokeRecord", true,
                                ADMIN | PROV, 0,
                                "a provider revokes its own records (item 8; checked per record)"},
    [YC_AUTHZ_IMPORT_SHARED_RECORDS] = {"POST", "/v1/shared-records", "importSharedRecords", true,
                                        ADMIN | PART, 0,
                                        "partners share records both ways (ARCHITECTURE); local "
                                        "providers use POST /v1/records"},
    [YC_AUTHZ_REVOKE_ATTESTATION] = {"POST", "/v1/attestations/{jti}/revoke", "revokeAttestation",
                                     true, ADMIN | SUBJ, 0,
                                     "the operator, and a subject for its own attestations only "
                                     "(item 6: valid until expired or revoked by the subject); "
                                     "the fi that obtained one may not revoke it"},
    [YC_AUTHZ_SUSPEND_ATTESTATION] = {"POST", "/v1/attestations/{jti}/suspend",
                                      "suspendAttestation", true, ADMIN, 0,
                                      "an operator's temporary measure; the issue gives it to no "
                                      "other role (least privilege)"},
    [YC_AUTHZ_UNSUSPEND_ATTESTATION] = {"POST", "/v1/attestations/{jti}/unsuspend",
                                        "unsuspendAttestation", true, ADMIN, 0,
                                        "lifts a suspension, so the same role as suspend"},
    [YC_AUTHZ_LIST_MEASURES] = {"GET", "/v1/measures", "listMeasures", true, ADMIN | PART, 0,
                                "partners decide 联合奖惩 and read the catalogues; not in item 1's "
                                "public list and no other role decides (least privilege)"},
    [YC_AUTHZ_CREATE_DECISION] = {"POST", "/v1/decisions", "createDecision", true, ADMIN | PART, 0,
                                  "partners ask for decisions (ARCHITECTURE); an fi asks for a "
                                  "score instead (least privilege)"},
    [YC_AUTHZ_GET_DECISION] = {"GET", "/v1/decisions/{id}", "getDecision", true, ADMIN | PART, 0,
                               "partners read back the decisions they asked for"},
    [YC_AUTHZ_GET_ME] = {"GET", "/v1/me", "getMe", true, ADMIN | SUBJ, 0,
                         "self-service of the subject bound to the token (item 4)"},
    [YC_AUTHZ_GET_MY_SCORE] = {"GET", "/v1/me/score", "getMyScore", true, ADMIN | SUBJ, 0,
                               "item 4: reasons, repair dates and the score if repaired; own "
                               "reads need no purpose and are not logged (item 3)"},
    [YC_AUTHZ_LIST_MY_RECORDS] = {"GET", "/v1/me/records", "listMyRecords", true, ADMIN | SUBJ, 0,
                                  "item 4: own records with their dispute and repair flags"},
    [YC_AUTHZ_LIST_MY_QUERIES] = {"GET", "/v1/me/queries", "listMyQueries", true, ADMIN | SUBJ, 0,
                                  "item 3: who read the subject's score, records, attestations"},
    [YC_AUTHZ_ISSUE_MY_ATTESTATION] = {"POST", "/v1/me/attestations", "issueMyAttestation", true,
                                       ADMIN | SUBJ, 0,
                                       "item 4: an attestation at the subject's own request"},
    [YC_AUTHZ_CREATE_CONSENT] = {"POST", "/v1/me/consents", "createConsent", true, ADMIN | SUBJ, 0,
                                 "item 2: only the individual grants a consent"},
    [YC_AUTHZ_LIST_CONSENTS] = {"GET", "/v1/me/consents", "listConsents", true, ADMIN | SUBJ, 0,
                                "item 2: the subject's own consents"},
    [YC_AUTHZ_REVOKE_CONSENT] = {"DELETE", "/v1/me/consents/{id}", "revokeConsent", true,
                                 ADMIN | SUBJ, 0, "item 2: the subject revokes at once"},
    [YC_AUTHZ_CREATE_OBJECTION] = {"POST", "/v1/me/objections", "createObjection", true,
                                   ADMIN | SUBJ, 0, "item 5: the subject objects to a record"},
    [YC_AUTHZ_LIST_MY_OBJECTIONS] = {"GET", "/v1/me/objections", "listMyObjections", true,
                                     ADMIN | SUBJ, 0,
                                     "item 5: the subject sees each step (route assumed: the "
                                     "issue names none)"},
    [YC_AUTHZ_CREATE_REPAIR] = {"POST", "/v1/me/repairs", "createRepair", true, ADMIN | SUBJ, 0,
                                "item 6: the subject applies for credit repair"},
    [YC_AUTHZ_LIST_MY_REPAIRS] = {"GET", "/v1/me/repairs", "listMyRepairs", true, ADMIN | SUBJ, 0,
                                  "item 6: the subject sees the answer (route assumed: the issue "
                                  "names none)"},
    [YC_AUTHZ_LIST_OBJECTIONS] = {"GET", "/v1/objections", "listObjections", true, ADMIN | PROV, 0,
                                  "item 5: providers (on their own records only) and admins"},
    [YC_AUTHZ_RESOLVE_OBJECTION] = {"POST", "/v1/objections/{id}/resolve", "resolveObjection", true,
                                    ADMIN | PROV, 0, "item 5: the record's provider or an admin"},
    [YC_AUTHZ_LIST_REPAIRS] = {"GET", "/v1/repairs", "listRepairs", true, ADMIN, 0,
                               "item 6: admins decide repairs"},
    [YC_AUTHZ_APPROVE_REPAIR] = {"POST", "/v1/repairs/{id}/approve", "approveRepair", true, ADMIN,
                                 0, "item 6: admins decide repairs"},
    [YC_AUTHZ_REJECT_REPAIR] = {"POST", "/v1/repairs/{id}/reject", "rejectRepair", true, ADMIN, 0,
                                "item 6: admins decide repairs"},
    [YC_AUTHZ_GET_AUDIT] = {"GET", "/v1/audit", "getAudit", true, ADMIN, 0,
                            "item 7: the audit log of admin actions, for admins"},
};

static const char *const role_names[YC_AUTHZ_ROLE_COUNT] = {
    [YC_AUTHZ_ROLE_PUBLIC] = "public",
    [YC_AUTHZ_ROLE_ADMIN] = "admin",
    [YC_AUTHZ_ROLE_PROVIDER] = "provider",
    [YC_AUTHZ_ROLE_PARTNER] = "partner",
    [YC_AUTHZ_ROLE_FI] = "fi",
    [YC_AUTHZ_ROLE_SUBJECT] = "subject",
};

/* Whether path[0, len) fits the template: literal bytes match exactly, a "{name}" takes one
 * non-empty segment (any bytes but '/'; escapes such as "%2F" are plain bytes here). */
static bool template_matches(const char *tpl, const char *path, size_t len)
{
    size_t i = 0;
    for (const char *t = tpl; *t != '\0';) {
        if (*t == '{') {
            const size_t start = i;
            while (i < len && path[i] != '/')
                i++;
            if (i == start)
                return false;
            t = strchr(t, '}') + 1; /* the templates above always close their braces */
        } else {
            if (i >= len || path[i] != *t)
                return false;
            i++;
            t++;
        }
    }
    return i == len;
}

yc_authz_route yc_authz_route_lookup(const char *method, const char *path)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    const size_t len = strcspn(path, "?");
    for (size_t i = 0; i < YC_AUTHZ_ROUTE_COUNT; i++)
        if (strcmp(rows[i].method, m) == 0 && template_matches(rows[i].path, path, len))
            return (yc_authz_route)i;
    return YC_AUTHZ_NOT_FOUND;
}

static bool in_range(yc_authz_route route, yc_authz_role role)
{
    return (int)route >= 0 && (int)route < YC_AUTHZ_ROUTE_COUNT && (int)role >= 0 &&
           (int)role < YC_AUTHZ_ROLE_COUNT;
}

bool yc_authz_allowed(yc_authz_route route, yc_authz_role role)
{
    return in_range(route, role) && (rows[route].roles & R(role)) != 0;
}

bool yc_authz_needs_purpose(yc_authz_route route, yc_authz_role role)
{
    return yc_authz_allowed(route, role) && (rows[route].purpose_roles & R(role)) != 0;
}

bool yc_authz_is_public(yc_authz_route route)
{
    return yc_authz_allowed(route, YC_AUTHZ_ROLE_PUBLIC);
}

size_t yc_authz_count(void)
{
    return YC_AUTHZ_ROUTE_COUNT;
}

const yc_authz_row *yc_authz_at(size_t i)
{
    return i < YC_AUTHZ_ROUTE_COUNT ? &rows[i] : NULL;
}

const char *yc_authz_role_name(yc_authz_role role)
{
    return (int)role >= 0 && (int)role < YC_AUTHZ_ROLE_COUNT ? role_names[role] : NULL;
}
