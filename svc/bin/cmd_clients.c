/* The CLI command clients add|list|revoke: the client registry DATA/clients.json
 * (format: include/yrdcredit/clients.h).  Issue 6 scope item 1. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/clients.h"

static const char clients_usage[] =
    "usage: yrdcredit [--data DIR] clients add --role admin|provider|partner|fi|subject\n"
    "                                   --name NAME [--authority USCC]... [--subject SUBJECT_ID]\n"
    "                                   [--issuer URL]\n"
    "       yrdcredit [--data DIR] clients list [--json]\n"
    "       yrdcredit [--data DIR] clients revoke ID\n"
    "Manage the API clients in DATA/clients.json.  add prints the new client's bearer token,\n"
    "and only it, on stdout, once (the id and details go to stderr); only a keyed hash of the\n"
    "token is stored (key: DATA/keys/clients.key).  A provider needs at least one --authority\n"
    "(its 统一社会信用代码, at most 64); a subject client needs --subject (a USCC or a 'P…'\n"
    "pseudonym); a partner may name its --issuer in the trust registry, and must then present\n"
    "a pinned TLS client certificate when that entry has mtls_spki_sha256 pins (docs/mtls.md).\n"
    "list never shows a token or its hash.  revoke keeps the client listed and\n"
    "stops its token.  The running yrdcreditd sees changes within 1 s.\n"
    "add and revoke then append an entry to the audit log (`yrdcredit audit`): ok, or refused\n"
    "when refused for a reason other than usage (an invalid --subject or --name is refused\n"
    "and logged; an invalid client id is not); exit 4 if that entry cannot be written.\n"
    "Exit status: 0 ok; 2 usage or invalid input (also: client already revoked);\n"
    "3 unknown client; 4 I/O error; 5 other failure.\n";

/* The message and exit status of a refused add or revoke: 2 (invalid input) also for revoking
 * a client already revoked (issue 6 breaker defect 11). */
static int fail(const char *what, yc_err rv)
{
    const char *field = yc_clients_error_field();
    if (rv == YC_ERR_CONFLICT)
        fprintf(stderr, "yrdcredit clients %s: the client is already revoked (nothing done)\n",
                what);
    else if (field[0] != '\0')
        fprintf(stderr, "yrdcredit clients %s: %s (%s)\n", what, yc_err_str(rv), field);
    else
        fprintf(stderr, "yrdcredit clients %s: %s\n", what, yc_err_str(rv));
    return rv == YC_ERR_CONFLICT ? 2 : yc_err_exit_code(rv);
}

static int clients_add(const char *data_dir, int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'},      {"name", required_argument, NULL, 'n'},
        {"authority", required_argument, NULL, 'a'}, {"subject", required_argument, NULL, 's'},
        {"issuer", required_argument, NULL, 'i'},    {NULL, 0, NULL, 0}};
    const char *role = NULL, *name = NULL, *subject = NULL, *issuer = NULL;
    /* one slot past the limit, so that the library reports TOO_LARGE for 65 */
    const char *auths[YC_CLIENT_MAX_AUTHORITIES + 1];
    size_t n_auths = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            role = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 's':
            subject = optarg;
            break;
        case 'i':
            issuer = optarg;
            break;
        case 'a':
            if (n_auths > YC_CLIENT_MAX_AUTHORITIES) {
                fprintf(stderr, "yrdcredit clients add: at most %d --authority\n",
                        YC_CLIENT_MAX_AUTHORITIES);
                return 2;
            }
            auths[n_auths++] = optarg;
            break;
        default:
            fputs(clients_usage, stderr);
            return 2;
        }
    }
    yc_client_spec spec = {.name = name,
                           .authorities = auths,
                           .n_authorities = n_auths,
                           .subject = subject,
                           .issuer = issuer};
    if (optind != argc || role == NULL || name == NULL ||
        yc_client_role_parse(role, &spec.role) != YC_OK) {
        fputs(clients_usage, stderr);
        return 2;
    }
    char id[YC_CLIENT_ID_LEN + 1], token[YC_CLIENT_TOKEN_LEN + 1];
    yc_err rv = yc_clients_add(data_dir, &spec, (int64_t)time(NULL), id, token);
    char detail[64];
    (void)snprintf(detail, sizeof detail, "role=%s", role);
    if (rv != YC_OK) {
        /* refused attempts are logged too, invalid input included (issue 6 breaker defect 8);
         * the detail names the field, never its value (a name, a document number) */
        const int st = fail("add", rv);
        const char *field = yc_clients_error_field();
        (void)snprintf(detail, sizeof detail, "role=%s: %s%s%s%s", role, yc_err_str(rv),
                       field[0] != '\0' ? " (" : "", field, field[0] != '\0' ? ")" : "");
        return cli_audit_record(data_dir, YC_AUDIT_CLIENT_ADD, "", false, detail, st);
    }
    fprintf(stderr, "added client %s (role %s, name %s); its token follows on stdout, shown once\n",
            id, role, name);
    int status = fprintf(stdout, "%s\n", token) < 0 || fflush(stdout) != 0 ? 4 : 0;
    volatile char *p = token;
    for (size_t i = 0; i < sizeof token; i++)
        p[i] = '\0';
    return cli_audit_record(data_dir, YC_AUDIT_CLIENT_ADD, id, true, detail, status);
}

static json_t *client_summary(const yc_client *cl)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:I, s:o}", "id", cl->id, "role", yc_client_role_str(cl->role),
                  "name", cl->name, "created_at", (json_int_t)cl->created_at, "revoked_at",
                  cl->revoked_at < 0 ? json_null() : json_integer(cl->revoked_at));
    if (o == NULL)
        return NULL;
    bool ok = true;
    if (cl->role == YC_ROLE_PROVIDER) {
        json_t *a = json_array();
        ok = a != NULL && json_object_set_new(o, "authorities", a) == 0;
        for (size_t k = 0; ok && k < cl->n_authorities; k++)
            ok = json_array_append_new(a, json_string(cl->authorities[k])) == 0;
    }
    if (ok && cl->role == YC_ROLE_SUBJECT)
        ok = json_object_set_new(o, "subject", json_string(cl->subject)) == 0;
    if (ok && cl->issuer != NULL)
        ok = json_object_set_new(o, "issuer", json_string(cl->issuer)) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int clients_list(const char *data_dir, bool as_json)
{
    yc_clients *c = NULL;
    yc_err rv = yc_clients_load(data_dir, &c);
    if (rv != YC_OK)
        return fail("list", rv);
    int status = 0;
    json_t *arr = as_json ? json_array() : NULL;
    if (as_json && arr == NULL)
        status = 5;
    for (size_t i = 0; status == 0 && i < yc_clients_count(c); i++) {
        const yc_client *cl = yc_clients_at(c, i);
        if (as_json) {
            if (json_array_append_new(arr, client_summary(cl)) != 0)
                status = 5;
            continue;
        }
        printf("%s\t%s\t%s\t%s", cl->id, yc_client_role_str(cl->role),
               cl->revoked_at < 0 ? "active" : "revoked", cl->name);
        for (size_t k = 0; k < cl->n_authorities; k++)
            printf("%s%s", k == 0 ? "\tauthorities=" : ",", cl->authorities[k]);
        if (cl->role == YC_ROLE_SUBJECT)
            printf("\tsubject=%s", cl->subject);
        if (cl->issuer != NULL)
            printf("\tissuer=%s", cl->issuer);
        printf("\n");
    }
    if (status == 0 && as_json) {
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s == NULL)
            status = 5;
        else
            printf("%s\n", s);
        yc_free(s);
    }
    json_decref(arr);
    yc_clients_free(c);
    if (status == 0 && fflush(stdout) != 0)
        status = 4;
    return status;
}

int cli_clients(int argc, char **argv)
{
    int i = 1;
    const char *data_opt = NULL;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(clients_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data_opt = argv[i + 1];
            i += 2;
        } else {
            fputs(clients_usage, stderr);
            return 2;
        }
    }
    if (i >= argc) {
        fputs(clients_usage, stderr);
        return 2;
    }
    const char *data_dir = cli_data_dir(data_opt);
    const char *sub = argv[i];
    const int rest = argc - i;
    char **rargv = argv + i;
    if (strcmp(sub, "add") == 0)
        return clients_add(data_dir, rest, rargv);
    if (strcmp(sub, "list") == 0 && rest == 1)
        return clients_list(data_dir, false);
    if (strcmp(sub, "list") == 0 && rest == 2 && strcmp(rargv[1], "--json") == 0)
        return clients_list(data_dir, true);
    if (strcmp(sub, "revoke") == 0 && rest == 2) {
        yc_err rv = yc_clients_revoke(data_dir, rargv[1], (int64_t)time(NULL));
        if (rv != YC_OK) {
            const int st = fail("revoke", rv);
            if (rv == YC_ERR_INVALID) /* a malformed registry (exit 2): nothing to audit */
                return st;
            return cli_audit_record(data_dir, YC_AUDIT_CLIENT_REVOKE, rargv[1], false,
                                    rv == YC_ERR_CONFLICT ? "already revoked" : yc_err_str(rv), st);
        }
        fprintf(stderr, "revoked client %s\n", rargv[1]);
        return cli_audit_record(data_dir, YC_AUDIT_CLIENT_REVOKE, rargv[1], true, "", 0);
    }
    fputs(clients_usage, stderr);
    return 2;
}
