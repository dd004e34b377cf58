/* Tests for include/yrdcredit/authz.h and include/yrdcredit/purpose.h (svc/api/authz.c,
 * svc/api/purpose.c): the issue 6 authorization table, its copy in README.md, every path of
 * api/openapi.yaml, and the purpose vocabulary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "yrdcredit/authz.h"
#include "yrdcredit/clients.h"
#include "yrdcredit/purpose.h"

static char g_file[1 << 18]; /* README.md or api/openapi.yaml (both well under 256 KiB) */

static char *read_source(const char *rel)
{
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    char path[4096];
    assert_true((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) < sizeof path);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    const size_t n = fread(g_file, 1, sizeof g_file - 1, f);
    assert_int_equal(feof(f), 1); /* the whole file fitted */
    fclose(f);
    g_file[n] = '\0';
    return g_file;
}

static unsigned bit(yc_authz_role r)
{
    return 1u << r;
}

/* The rows whose cell for @p role is ✓, as a bit set over routes. */
static uint64_t routes_allowed(yc_authz_role role)
{
    uint64_t set = 0;
    for (size_t i = 0; i < yc_authz_count(); i++)
        if (yc_authz_allowed((yc_authz_route)i, role))
            set |= UINT64_C(1) << i;
    return set;
}

#define RT(r) (UINT64_C(1) << (r))

/* ---- safety ---- */

static void safety__out_of_range__false_or_null(void **state)
{
    (void)state;
    assert_int_equal(yc_authz_count(), YC_AUTHZ_ROUTE_COUNT);
    assert_int_equal(YC_AUTHZ_ROUTE_COUNT, 38);
    assert_true(YC_AUTHZ_ROUTE_COUNT <= 64); /* routes_allowed() packs rows into 64 bits */
    assert_null(yc_authz_at(YC_AUTHZ_ROUTE_COUNT));
    assert_non_null(yc_authz_at(YC_AUTHZ_ROUTE_COUNT - 1));
    assert_false(yc_authz_allowed(YC_AUTHZ_NOT_FOUND, YC_AUTHZ_ROLE_ADMIN));
    assert_false(yc_authz_allowed(YC_AUTHZ_ROUTE_COUNT, YC_AUTHZ_ROLE_ADMIN));
    assert_true(yc_authz_allowed(YC_AUTHZ_ROUTE_COUNT - 1, YC_AUTHZ_ROLE_ADMIN));
    assert_false(yc_authz_allowed(YC_AUTHZ_GET_HEALTHZ, (yc_authz_role)YC_AUTHZ_ROLE_COUNT));
    assert_false(yc_authz_allowed(YC_AUTHZ_GET_HEALTHZ, (yc_authz_role)-1));
    assert_false(yc_authz_needs_purpose(YC_AUTHZ_NOT_FOUND, YC_AUTHZ_ROLE_FI));
    assert_false(
        yc_authz_needs_purpose(YC_AUTHZ_GET_SUBJECT_SCORE, (yc_authz_role)YC_AUTHZ_ROLE_COUNT));
    assert_false(yc_authz_is_public(YC_AUTHZ_NOT_FOUND));
    assert_false(yc_authz_is_public(YC_AUTHZ_ROUTE_COUNT));
    assert_null(yc_authz_role_name((yc_authz_role)YC_AUTHZ_ROLE_COUNT));
    assert_null(yc_authz_role_name((yc_authz_role)-1));
    assert_null(yc_purpose_at(yc_purpose_count()));
    assert_non_null(yc_purpose_at(yc_purpose_count() - 1));
}

static void safety__purpose_code_length__limit_and_past_it_not_found(void **state)
{
    (void)state;
    char code[YC_PURPOSE_CODE_MAX + 2];
    memset(code, 'a', sizeof code);
    assert_null(yc_purpose_find(code, 0));
    assert_null(yc_purpose_find(code, YC_PURPOSE_CODE_MAX));
    assert_null(yc_purpose_find(code, YC_PURPOSE_CODE_MAX + 1));
    /* The longest code fits the limit, and one byte past a real code is another code. */
    for (size_t i = 0; i < yc_purpose_count(); i++) {
        const char *c = yc_purpose_at(i)->code;
        const size_t n = strlen(c);
        assert_in_range(n, 1, YC_PURPOSE_CODE_MAX);
        char longer[YC_PURPOSE_CODE_MAX + 2];
        memcpy(longer, c, n);
        longer[n] = '_';
        assert_false(yc_purpose_is_valid(longer, n + 1));
        assert_false(yc_purpose_is_valid(c, n - 1));
        assert_true(yc_purpose_is_valid(longer, n)); /* not NUL-terminated: length rules */
    }
}

/* ---- the table itself ---- */

static void table__every_row__well_formed_and_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < yc_authz_count(); i++) {
        const yc_authz_row *r = yc_authz_at(i);
        assert_true(strcmp(r->method, "GET") == 0 || strcmp(r->method, "POST") == 0 ||
                    strcmp(r->method, "DELETE") == 0);
        assert_int_equal(r->path[0], '/');
        int depth = 0;
        for (const char *p = r->path; *p != '\0'; p++) {
            depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
            assert_in_range(depth, 0, 1);
            if (*p == '{') /* a parameter is a whole segment */
                assert_int_equal(p[-1], '/');
            if (*p == '}')
                assert_true(p[1] == '\0' || p[1] == '/');
        }
        assert_int_equal(depth, 0);
        assert_true(strlen(r->why) > 10);
        assert_null(strchr(r->why, '|'));
        assert_null(strchr(r->why, '\n'));
        assert_true(yc_authz_allowed((yc_authz_route)i, YC_AUTHZ_ROLE_ADMIN)); /* item 1 */
        assert_int_equal(r->purpose_roles & ~r->roles, 0);
        for (size_t j = 0; j < i; j++) {
            const yc_authz_row *o = yc_authz_at(j);
            assert_false(strcmp(r->method, o->method) == 0 && strcmp(r->path, o->path) == 0);
            assert_string_not_equal(r->operation_id, o->operation_id);
        }
    }
}

static void allowed__no_token__exactly_the_public_routes(void **state)
{
    (void)state;
    const uint64_t pub = RT(YC_AUTHZ_GET_HEALTHZ) | RT(YC_AUTHZ_GET_READYZ) |
                         RT(YC_AUTHZ_GET_JWKS) | RT(YC_AUTHZ_GET_ISSUER_METADATA) |
                         RT(YC_AUTHZ_GET_STATUS_LIST) | RT(YC_AUTHZ_VERIFY_ATTESTATION);
    assert_int_equal(routes_allowed(YC_AUTHZ_ROLE_PUBLIC), pub);
    for (size_t i = 0; i < yc_authz_count(); i++) {
        const bool is_pub = (pub & RT(i)) != 0;
        assert_int_equal(yc_authz_is_public((yc_authz_route)i), is_pub);
        if (is_pub) /* a public route is open to every token too */
            for (int r = 0; r < YC_AUTHZ_ROLE_COUNT; r++)
                assert_true(yc_authz_allowed((yc_authz_route)i, (yc_authz_role)r));
    }
}

static void allowed__each_role__exact_route_set(void **state)
{
    (void)state;
    const uint64_t pub = routes_allowed(YC_AUTHZ_ROLE_PUBLIC);
    assert_int_equal(routes_allowed(YC_AUTHZ_ROLE_ADMIN),
                     (UINT64_C(1) << YC_AUTHZ_ROUTE_COUNT) - 1);
    assert_int_equal(routes_allowed(YC_AUTHZ_ROLE_PROVIDER),
                     pub | RT(YC_AUTHZ_POST_RECORDS) | RT(YC_AUTHZ_REVOKE_RECORD) |
                         RT(YC_AUTHZ_LIST_OBJECTIONS) | RT(YC_AUTHZ_RESOLVE_OBJECTION));
    assert_int_equal(routes_allowed(YC_AUTHZ_ROLE_PARTNER),
                     pub | RT(YC_AUTHZ_IMPORT_SHARED_RECORDS) | RT(YC_AUTHZ_LIST_MEASURES) |
                         RT(YC_AUTHZ_CREATE_DECISION) | RT(YC_AUTHZ_GET_DECISION));
    assert_int_equal(routes_allowed(YC_AUTHZ_ROLE_FI),
                     pub | RT(YC_AUTHZ_GET_SUBJECT_SCORE) | RT(YC_AUTHZ_LIST_SUBJECT_RECORDS) |
                         RT(YC_AUTHZ_ISSUE_ATTESTATION) | RT(YC_AUTHZ_LIST_ATTESTATIONS) |
                         RT(YC_AUTHZ_LOOKUP_SUBJECT));
    /* The subject: every /v1/me route, and the revocation of its own attestations (item 6). */
    uint64_t me = 0;
    for (size_t i = 0; i < yc_authz_count(); i++) {
        const char *p = yc_authz_at(i)->path;
        if (strcmp(p, "/v1/me") == 0 || strncmp(p, "/v1/me/", 7) == 0)
            me |= RT(i);
    }
    assert_int_equal(me, RT(YC_AUTHZ_GET_ME) | RT(YC_AUTHZ_GET_MY_SCORE) |
                             RT(YC_AUTHZ_LIST_MY_RECORDS) | RT(YC_AUTHZ_LIST_MY_QUERIES) |
                             RT(YC_AUTHZ_ISSUE_MY_ATTESTATION) | RT(YC_AUTHZ_CREATE_CONSENT) |
                             RT(YC_AUTHZ_LIST_CONSENTS) | RT(YC_AUTHZ_REVOKE_CONSENT) |
                             RT(YC_AUTHZ_CREATE_OBJECTION) | RT(YC_AUTHZ_LIST_MY_OBJECTIONS) |
                             RT(YC_AUTHZ_CREATE_REPAIR) | RT(YC_AUTHZ_LIST_MY_REPAIRS));
    assert_int_equal(routes_allowed(YC_AUTHZ_ROLE_SUBJECT),
                     pub | me | RT(YC_AUTHZ_REVOKE_ATTESTATION));
    /* Only admins and subjects on /v1/me/...: the subject is bound by the token (item 4). */
    for (int r = 0; r < YC_AUTHZ_ROLE_COUNT; r++)
        if (r != YC_AUTHZ_ROLE_ADMIN && r != YC_AUTHZ_ROLE_SUBJECT)
            assert_int_equal(routes_allowed((yc_authz_role)r) & me, 0);
}

static void needs_purpose__fi_reads__exactly_score_records_attestations(void **state)
{
    (void)state;
    const uint64_t want = RT(YC_AUTHZ_GET_SUBJECT_SCORE) | RT(YC_AUTHZ_LIST_SUBJECT_RECORDS) |
                          RT(YC_AUTHZ_ISSUE_ATTESTATION) | RT(YC_AUTHZ_LIST_ATTESTATIONS);
    for (int role = 0; role < YC_AUTHZ_ROLE_COUNT; role++) {
        uint64_t got = 0;
        for (size_t i = 0; i < yc_authz_count(); i++)
            if (yc_authz_needs_purpose((yc_authz_route)i, (yc_authz_role)role))
                got |= RT(i);
        assert_int_equal(got, role == YC_AUTHZ_ROLE_FI ? want : 0);
    }
    assert_int_equal(yc_authz_at(YC_AUTHZ_GET_SUBJECT_SCORE)->purpose_roles, bit(YC_AUTHZ_ROLE_FI));
}

/* ---- README.md holds the same table ---- */

/* Split one "| a | b | ... |" line into trimmed cells (pointers into @p line, NUL-ended). */
static size_t split_row(char *line, char **cells, size_t max)
{
    size_t n = 0;
    assert_int_equal(line[0], '|');
    char *p = line + 1;
    for (char *bar; (bar = strchr(p, '|')) != NULL; p = bar + 1) {
        *bar = '\0';
        while (*p == ' ')
            p++;
        for (char *e = bar; e > p && e[-1] == ' ';)
            *--e = '\0';
        assert_true(n < max);
        cells[n++] = p;
    }
    assert_string_equal(p, ""); /* the line ends with its last '|' */
    return n;
}

/* The lines of the table that follows @p marker in the README section (header and rule
 * skipped), each NUL-terminated in g_file; returns the count. */
static size_t table_after(char *readme, const char *marker, char **lines, size_t max)
{
    char *sec = strstr(readme, "\n## Who may call what (issue 6)\n");
    assert_non_null(sec);
    char *end = strstr(sec + 1, "\n## ");
    assert_non_null(end);
    char *t = strstr(sec, marker);
    assert_non_null(t);
    assert_true(t < end);
    char *rule = strstr(t, "\n|---");
    assert_non_null(rule);
    char *p = strchr(rule + 1, '\n') + 1;
    size_t n = 0;
    while (p < end && *p == '|') {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        *nl = '\0';
        assert_true(n < max);
        lines[n++] = p;
        p = nl + 1;
    }
    return n;
}

static void readme__route_table__equals_c_table_cell_by_cell(void **state)
{
    (void)state;
    char *readme = read_source("README.md");
    char *lines[64];
    const size_t n = table_after(readme,
                                 "\n| Route | operationId | admin | provider | partner | fi | "
                                 "subject | public | purpose | Why |\n",
                                 lines, 64);
    assert_int_equal(n, yc_authz_count());
    for (size_t i = 0; i < n; i++) {
        const yc_authz_row *r = yc_authz_at(i);
        char *c[16];
        assert_int_equal(split_row(lines[i], c, 16), 10);
        char want[512];
        snprintf(want, sizeof want, "`%s %s`", r->method, r->path);
        assert_string_equal(c[0], want);
        snprintf(want, sizeof want, "%s%s", r->operation_id, r->in_spec ? "" : " (issue 6)");
        assert_string_equal(c[1], want);
        for (int role = 0; role < YC_AUTHZ_ROLE_COUNT; role++)
            assert_string_equal(
                c[2 + role], yc_authz_allowed((yc_authz_route)i, (yc_authz_role)role) ? "✓" : "—");
        want[0] = '\0';
        for (int role = 0; role < YC_AUTHZ_ROLE_COUNT; role++)
            if (yc_authz_needs_purpose((yc_authz_route)i, (yc_authz_role)role)) {
                if (want[0] != '\0')
                    strncat(want, ", ", sizeof want - strlen(want) - 1);
                strncat(want, yc_authz_role_name((yc_authz_role)role),
                        sizeof want - strlen(want) - 1);
            }
        assert_string_equal(c[8], want[0] != '\0' ? want : "—");
        assert_string_equal(c[9], r->why);
    }
}

static void readme__purpose_table__equals_vocabulary(void **state)
{
    (void)state;
    char *readme = read_source("README.md");
    char *lines[64];
    const size_t n = table_after(
        readme, "\n| Code | 中文 | English | individuals | organisations |\n", lines, 64);
    assert_int_equal(n, yc_purpose_count());
    for (size_t i = 0; i < n; i++) {
        const yc_purpose *p = yc_purpose_at(i);
        char *c[8];
        assert_int_equal(split_row(lines[i], c, 8), 5);
        char want[64];
        snprintf(want, sizeof want, "`%s`", p->code);
        assert_string_equal(c[0], want);
        assert_string_equal(c[1], p->label_zh);
        assert_string_equal(c[2], p->label_en);
        assert_string_equal(c[3], p->for_individuals ? "✓" : "—");
        assert_string_equal(c[4], p->for_organisations ? "✓" : "—");
    }
}

/* ---- lookup ---- */

/* @p tpl with each "{name}" replaced by @p arg. */
static void instantiate(const char *tpl, const char *arg, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *t = tpl; *t != '\0'; t++) {
        if (*t == '{') {
            const size_t n = strlen(arg);
            assert_true(o + n < cap);
            memcpy(out + o, arg, n);
            o += n;
            t = strchr(t, '}');
        } else {
            assert_true(o + 1 < cap);
            out[o++] = *t;
        }
    }
    out[o] = '\0';
}

static void lookup__every_row_instantiated__finds_that_row(void **state)
{
    (void)state;
    static const char *const args[] = {"x", "92330782MA2KDDUY4M", "a%2Fb", "%", "{id}", "lookup"};
    for (size_t i = 0; i < yc_authz_count(); i++) {
        const yc_authz_row *r = yc_authz_at(i);
        for (size_t a = 0; a < sizeof args / sizeof args[0]; a++) {
            char path[256], q[300];
            instantiate(r->path, args[a], path, sizeof path);
            /* "lookup" as a subject id would be POST /v1/subjects/lookup/..., still 4 segments */
            assert_int_equal(yc_authz_route_lookup(r->method, path), (int)i);
            snprintf(q, sizeof q, "%s?purpose=loan_approval&x=/v1/me", path);
            assert_int_equal(yc_authz_route_lookup(r->method, q), (int)i);
            if (strcmp(r->method, "GET") == 0)
                assert_int_equal(yc_authz_route_lookup("HEAD", path), (int)i);
        }
    }
}

static void lookup__every_openapi_operation__has_its_row(void **state)
{
    (void)state;
    char *spec = read_source("api/openapi.yaml");
    char *paths = strstr(spec, "\npaths:\n");
    assert_non_null(paths);
    char *end = strstr(paths + 1, "\ncomponents:\n");
    if (end != NULL)
        *end = '\0';
    size_t ops = 0, in_spec = 0;
    char tpl[256] = "";
    for (char *line = paths + 8; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        const size_t len = strlen(line);
        if (strncmp(line, "  /", 3) == 0 && line[len - 1] == ':') {
            assert_true(len - 3 < sizeof tpl);
            memcpy(tpl, line + 2, len - 3);
            tpl[len - 3] = '\0';
        } else if (strncmp(line, "    ", 4) == 0 && line[4] != ' ' && line[len - 1] == ':') {
            char method[16];
            assert_true(len - 5 < sizeof method);
            for (size_t k = 0; k < len - 5; k++)
                method[k] = (char)(line[4 + k] - 'a' + 'A');
            method[len - 5] = '\0';
            char path[256];
            instantiate(tpl, "X1", path, sizeof path);
            const yc_authz_route r = yc_authz_route_lookup(method, path);
            assert_int_not_equal(r, YC_AUTHZ_NOT_FOUND);
            assert_string_equal(yc_authz_at((size_t)r)->path, tpl);
            assert_string_equal(yc_authz_at((size_t)r)->method, method);
            assert_true(yc_authz_at((size_t)r)->in_spec);
            ops++;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    for (size_t i = 0; i < yc_authz_count(); i++)
        in_spec += yc_authz_at(i)->in_spec;
    assert_int_equal(ops, 38); /* every row of the table is in api/openapi.yaml */
    assert_int_equal(ops, in_spec);
}

static void lookup__unknown_paths__not_found(void **state)
{
    (void)state;
    static const char *const get_paths[] = {
        "",
        "/",
        "/v1",
        "/v1/",
        "healthz",
        "/healthz/",
        "/healthz/x",
        "/HEALTHZ",
        "/%68ealthz", /* nothing is decoded here: the router decodes unreserved escapes first */
        "/v1/subjects",
        "/v1/subjects/",
        "/v1/subjects//score",
        "/v1/subjects/X/score/",
        "/v1/subjects/X/score/extra",
        "/v1/subjects/X/Score",
        "/v1/subjects/X%2Fscore",
        "/v1/status-lists/",
        "/v1/status-lists/a/b",
        "/v1/me/",
        "/v1/me/unknown",
        "/v1/me%2Fscore",
        "/v1/mee",
        "/V1/me",
        "/v1/me/consents/",
        "/v1/decisions/",
        "/v1/audit/1",
        "/.well-known/",
        "/.well-known/jwks",
        "?/healthz",
    };
    for (size_t i = 0; i < sizeof get_paths / sizeof get_paths[0]; i++)
        assert_int_equal(yc_authz_route_lookup("GET", get_paths[i]), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/records/"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/records//revoke"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/objections/1/resolve/"),
                     YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/attestations/j/delete"),
                     YC_AUTHZ_NOT_FOUND);
}

static void lookup__methods__exact_and_head_is_get(void **state)
{
    (void)state;
    assert_int_equal(yc_authz_route_lookup("GET", "/healthz"), YC_AUTHZ_GET_HEALTHZ);
    assert_int_equal(yc_authz_route_lookup("HEAD", "/healthz"), YC_AUTHZ_GET_HEALTHZ);
    assert_int_equal(yc_authz_route_lookup("get", "/healthz"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("PUT", "/healthz"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("POST", "/healthz"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("", "/healthz"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("HEAD", "/v1/records"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/records"), YC_AUTHZ_POST_RECORDS);
    assert_int_equal(yc_authz_route_lookup("GET", "/v1/me/consents"), YC_AUTHZ_LIST_CONSENTS);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/me/consents"), YC_AUTHZ_CREATE_CONSENT);
    assert_int_equal(yc_authz_route_lookup("DELETE", "/v1/me/consents/c-1"),
                     YC_AUTHZ_REVOKE_CONSENT);
    assert_int_equal(yc_authz_route_lookup("GET", "/v1/me/consents/c-1"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("DELETE", "/v1/me/consents"), YC_AUTHZ_NOT_FOUND);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/subjects/lookup"), YC_AUTHZ_LOOKUP_SUBJECT);
    assert_int_equal(yc_authz_route_lookup("GET", "/v1/subjects/lookup/score"),
                     YC_AUTHZ_GET_SUBJECT_SCORE);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/attestations/verify"),
                     YC_AUTHZ_VERIFY_ATTESTATION);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/attestations/verify/revoke"),
                     YC_AUTHZ_REVOKE_ATTESTATION);
}

static void lookup__percent_encoded_segment__is_one_plain_segment(void **state)
{
    (void)state;
    assert_int_equal(yc_authz_route_lookup("GET", "/v1/subjects/a%2Fb/score"),
                     YC_AUTHZ_GET_SUBJECT_SCORE);
    assert_int_equal(yc_authz_route_lookup("GET", "/v1/subjects/%2F%2F/records"),
                     YC_AUTHZ_LIST_SUBJECT_RECORDS);
    assert_int_equal(yc_authz_route_lookup("GET", "/v1/status-lists/%2F"),
                     YC_AUTHZ_GET_STATUS_LIST);
    assert_int_equal(yc_authz_route_lookup("GET", "/v1/decisions/%3F"), YC_AUTHZ_GET_DECISION);
    assert_int_equal(yc_authz_route_lookup("POST", "/v1/repairs/%2e%2e/approve"),
                     YC_AUTHZ_APPROVE_REPAIR);
    assert_int_equal(yc_authz_route_lookup("GET", "/v1/subjects/a%2Fb%2Fscore"),
                     YC_AUTHZ_NOT_FOUND);
}

/* ---- roles ---- */

/* The first five roles are yc_client_role's values (include/yrdcredit/clients.h, svc/auth). */
_Static_assert((int)YC_AUTHZ_ROLE_ADMIN == (int)YC_ROLE_ADMIN, "admin");
_Static_assert((int)YC_AUTHZ_ROLE_PROVIDER == (int)YC_ROLE_PROVIDER, "provider");
_Static_assert((int)YC_AUTHZ_ROLE_PARTNER == (int)YC_ROLE_PARTNER, "partner");
_Static_assert((int)YC_AUTHZ_ROLE_FI == (int)YC_ROLE_FI, "fi");
_Static_assert((int)YC_AUTHZ_ROLE_SUBJECT == (int)YC_ROLE_SUBJECT, "subject");

static void role_name__every_role__its_name(void **state)
{
    (void)state;
    static const char *const names[YC_AUTHZ_ROLE_COUNT] = {"admin", "provider", "partner",
                                                           "fi",    "subject",  "public"};
    for (int r = 0; r < YC_AUTHZ_ROLE_COUNT; r++) {
        assert_string_equal(yc_authz_role_name((yc_authz_role)r), names[r]);
    }
}

/* ---- purposes ---- */

static void purpose__vocabulary__exact_codes_and_labels(void **state)
{
    (void)state;
    static const struct {
        const char *code, *zh;
        bool person, org;
    } want[] = {
        {"loan_approval", "贷款审批", true, true},
        {"post_loan_management", "贷后管理", true, true},
        {"guarantee_review", "担保资格审查", true, true},
        {"credit_card_approval", "信用卡审批", true, false},
        {"insurance", "保险", true, true},
        {"credit_line_review", "授信审查", true, true},
        {"financial_leasing", "融资租赁审查", true, true},
        {"lease_deposit_waiver", "租赁免押", true, true},
        {"supplier_qualification", "供应商资格审查", false, true},
        {"trade_credit", "赊销信用审查", false, true},
    };
    assert_int_equal(yc_purpose_count(), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const yc_purpose *p = yc_purpose_at(i);
        const size_t n = strlen(want[i].code);
        assert_string_equal(p->code, want[i].code);
        assert_string_equal(p->label_zh, want[i].zh);
        assert_true(strlen(p->label_en) > 0);
        assert_ptr_equal(yc_purpose_find(want[i].code, n), p);
        assert_true(yc_purpose_is_valid(want[i].code, n));
        assert_string_equal(yc_purpose_label(want[i].code, n), want[i].zh);
        assert_int_equal(yc_purpose_is_valid_for(want[i].code, n, true), want[i].person);
        assert_int_equal(yc_purpose_is_valid_for(want[i].code, n, false), want[i].org);
        for (const char *c = p->code; *c != '\0'; c++) /* snake_case */
            assert_true((*c >= 'a' && *c <= 'z') || (*c == '_' && c != p->code && c[1] != '\0'));
    }
}

static void purpose__excluded_and_malformed__invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "employment_screening", "marketing",      "debt_collection",
        "Loan_approval",        "LOAN_APPROVAL",  "loan-approval",
        " loan_approval",       "loan_approval ", "贷款审批",
        "loan approval",        "loan_approva",   "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const size_t n = strlen(bad[i]);
        assert_false(yc_purpose_is_valid(bad[i], n));
        assert_null(yc_purpose_find(bad[i], n));
        assert_null(yc_purpose_label(bad[i], n));
        assert_false(yc_purpose_is_valid_for(bad[i], n, true));
        assert_false(yc_purpose_is_valid_for(bad[i], n, false));
    }
    assert_false(yc_purpose_is_valid("loan_approval\0x", 15)); /* an embedded NUL */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__out_of_range__false_or_null),
        cmocka_unit_test(safety__purpose_code_length__limit_and_past_it_not_found),
        cmocka_unit_test(table__every_row__well_formed_and_unique),
        cmocka_unit_test(allowed__no_token__exactly_the_public_routes),
        cmocka_unit_test(allowed__each_role__exact_route_set),
        cmocka_unit_test(needs_purpose__fi_reads__exactly_score_records_attestations),
        cmocka_unit_test(readme__route_table__equals_c_table_cell_by_cell),
        cmocka_unit_test(readme__purpose_table__equals_vocabulary),
        cmocka_unit_test(lookup__every_row_instantiated__finds_that_row),
        cmocka_unit_test(lookup__every_openapi_operation__has_its_row),
        cmocka_unit_test(lookup__unknown_paths__not_found),
        cmocka_unit_test(lookup__methods__exact_and_head_is_get),
        cmocka_unit_test(lookup__percent_encoded_segment__is_one_plain_segment),
        cmocka_unit_test(role_name__every_role__its_name),
        cmocka_unit_test(purpose__vocabulary__exact_codes_and_labels),
        cmocka_unit_test(purpose__excluded_and_malformed__invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
