/* The CLI command `audit`: list the audit log of admin actions (include/yrdcredit/store_audit.h),
 * and cli_audit_record(), with which the admin commands append an entry after they act.
 * Issue 6 scope item 7. */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_audit.h"

static const char audit_usage[] =
    "usage: yrdcredit [--data DIR] audit [--action A] [--limit N] [--json]\n"
    "List the audit log of admin actions in DATA's store, newest first: one line per entry,\n"
    "seq, time (ISO 8601 UTC, milliseconds), actor, action, outcome, target, detail ('-' when\n"
    "empty), tab-separated; --json prints a JSON array of objects with those members (time as\n"
    "at_ms and at).  --action keeps only one action: client_add, client_revoke, key_new,\n"
    "key_rotate, key_retire, trust_add, trust_remove, trust_refresh, policy_reload,\n"
    "share_import, objection_resolve, repair_approve, repair_reject, purge, record_revoke,\n"
    "attest_revoke, attest_suspend, attest_unsuspend.  --limit N lists at most N entries\n"
    "(1..10000, default 100).\n"
    "\n"
    "Who writes it: `clients add|revoke`, `keys new|rotate|retire`, `trust add|remove|refresh`,\n"
    "`policy reload` and `share import` append one entry (actor cli:<unix user>) AFTER they\n"
    "act, in a durable transaction of its own: outcome ok when the action was done, refused\n"
    "when it was refused or failed for a reason other than usage (usage errors write nothing;\n"
    "`clients add|revoke` with invalid arguments are recorded as refused).  If the entry\n"
    "cannot be written the command prints a message and exits\n"
    "4 even though the action itself was done.  A data directory without a store (never\n"
    "`init`ed, e.g. one holding only trust/) records nothing, with a note on stderr.  Targets are "
    "ids, kids, issuer URLs, batch\n"
    "ids; never a token, a document number or a name (the store refuses such text).\n"
    "Exit status: 0 ok; 2 usage; 3 no data directory; 4 storage or I/O error; 5 other.\n";

enum { LIMIT_MAX = 10000, LIMIT_DEFAULT = 100 };

static void actor_of_user(char out[static YC_AUDIT_ACTOR_MAX + 1])
{
    const uid_t uid = geteuid();
    const struct passwd *pw = getpwuid(uid);
    if (pw != NULL && pw->pw_name != NULL) {
        (void)snprintf(out, YC_AUDIT_ACTOR_MAX + 1, "cli:%s", pw->pw_name);
        yc_store_audit probe = {.at_ms = 0, .action = YC_AUDIT_PURGE, .outcome = YC_AUDIT_OK};
        memcpy(probe.actor, out, YC_AUDIT_ACTOR_MAX + 1);
        if (strlen(pw->pw_name) + 4 <= YC_AUDIT_ACTOR_MAX &&
            yc_store_audit_check_shape(&probe) == YC_OK)
            return;
    }
    (void)snprintf(out, YC_AUDIT_ACTOR_MAX + 1, "cli:uid%lu", (unsigned long)uid);
}

int cli_audit_record_store(yc_store *st, yc_audit_action action, const char *target, bool ok,
                           const char *detail, int status)
{
    yc_store_audit e = {.at_ms = yc_clock_now_ms(),
                        .action = (uint8_t)action,
                        .outcome = ok ? YC_AUDIT_OK : YC_AUDIT_REFUSED};
    actor_of_user(e.actor);
    /* a text the log may not hold (an argument shaped like a document number) is withheld */
    const char *t = target != NULL ? target : "";
    const char *d = detail != NULL ? detail : "";
    if (!yc_audit_text_ok(t, false))
        t = "(withheld)";
    if (!yc_audit_text_ok(d, true))
        d = "(withheld)";
    memcpy(e.target, t, strlen(t) + 1);
    memcpy(e.detail, d, strlen(d) + 1);
    yc_err rv = yc_store_audit_append(st, &e, NULL);
    if (rv == YC_OK)
        return status;
    fprintf(stderr,
            "yrdcredit: the action was %s, but its audit entry (%s) could not be written: %s\n",
            ok ? "done" : "refused", yc_audit_action_code(action), yc_err_str(rv));
    return status != 0 ? status : 4;
}

static yc_err open_store(const char *data_dir, yc_store **ret)
{
    yc_config cfg;
    const char *field = NULL;
    yc_store_opts so = {0};
    if (yc_config_load(data_dir, &cfg, &field) == YC_OK)
        so.map_size_bytes = cfg.map_size_mib * 1024u * 1024u;
    return yc_store_open(data_dir, &so, ret);
}

int cli_audit_record(const char *data_dir, yc_audit_action action, const char *target, bool ok,
                     const char *detail, int status)
{
    yc_store *st = NULL;
    yc_err rv = open_store(data_dir, &st);
    if (rv == YC_ERR_NOT_FOUND) { /* a directory without a store: nowhere to record it */
        fprintf(stderr,
                "yrdcredit: note: %s has no store (run `yrdcredit init`), so this action (%s) "
                "is not in the audit log\n",
                data_dir, yc_audit_action_code(action));
        return status;
    }
    if (rv != YC_OK) {
        fprintf(stderr,
                "yrdcredit: the action was %s, but its audit entry (%s) could not be written: "
                "store %s: %s\n",
                ok ? "done" : "refused", yc_audit_action_code(action), data_dir, yc_err_str(rv));
        return status != 0 ? status : 4;
    }
    status = cli_audit_record_store(st, action, target, ok, detail, status);
    yc_store_close(st);
    return status;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
static void iso_ms(int64_t ms, char out[static 32])
{
    const time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&s, &tm) == NULL) {
        (void)snprintf(out, 32, "-");
        return;
    }
    char base[24];
    if (strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        (void)snprintf(out, 32, "-");
        return;
    }
    (void)snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

static json_t *entry_json(const yc_store_audit *e)
{
    char at[32];
    iso_ms(e->at_ms, at);
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)e->seq, "at_ms",
                     (json_int_t)e->at_ms, "at", at, "actor", e->actor, "action",
                     yc_audit_action_code((yc_audit_action)e->action), "outcome",
                     yc_audit_outcome_code((yc_audit_outcome)e->outcome), "target", e->target,
                     "detail", e->detail);
}

static int audit_list(const char *data_dir, yc_audit_action action, size_t limit, bool as_json)
{
    yc_store *st = NULL;
    yc_err rv = open_store(data_dir, &st);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit audit: cannot open store in %s: %s\n", data_dir, yc_err_str(rv));
        return yc_err_exit_code(rv);
    }
    int status = 0;
    json_t *arr = as_json ? json_array() : NULL;
    if (as_json && arr == NULL)
        status = 5;
    char cursor[YC_AUDIT_CURSOR_MAX + 1] = "";
    size_t listed = 0;
    while (status == 0 && listed < limit) {
        size_t want = limit - listed < YC_AUDIT_PAGE_MAX ? limit - listed : YC_AUDIT_PAGE_MAX;
        yc_store_audit *page = NULL;
        size_t n = 0;
        char next[YC_AUDIT_CURSOR_MAX + 1];
        rv = yc_store_audit_list(st, action, cursor, want, &page, &n, next);
        if (rv != YC_OK) {
            fprintf(stderr, "yrdcredit audit: %s\n", yc_err_str(rv));
            status = yc_err_exit_code(rv);
            break;
        }
        for (size_t i = 0; status == 0 && i < n; i++) {
            const yc_store_audit *e = &page[i];
            if (as_json) {
                if (json_array_append_new(arr, entry_json(e)) != 0)
                    status = 5;
                continue;
            }
            char at[32];
            iso_ms(e->at_ms, at);
            printf("%" PRIu64 "\t%s\t%s\t%s\t%s\t%s\t%s\n", e->seq, at, e->actor,
                   yc_audit_action_code((yc_audit_action)e->action),
                   yc_audit_outcome_code((yc_audit_outcome)e->outcome),
                   e->target[0] != '\0' ? e->target : "-", e->detail[0] != '\0' ? e->detail : "-");
        }
        yc_free(page);
        listed += n;
        if (next[0] == '\0')
            break;
        memcpy(cursor, next, sizeof cursor);
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
    yc_store_close(st);
    if (status == 0 && fflush(stdout) != 0)
        status = 4;
    return status;
}

int cli_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},  {"action", required_argument, NULL, 'a'},
        {"limit", required_argument, NULL, 'l'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    const char *data_opt = NULL, *action_s = NULL, *limit_s = NULL;
    bool as_json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data_opt = optarg;
            break;
        case 'a':
            action_s = optarg;
            break;
        case 'l':
            limit_s = optarg;
            break;
        case 'j':
            as_json = true;
            break;
        case 'h':
            fputs(audit_usage, stdout);
            return 0;
        default:
            fputs(audit_usage, stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fputs(audit_usage, stderr);
        return 2;
    }
    yc_audit_action action = YC_AUDIT_ANY;
    if (action_s != NULL && yc_audit_action_parse(action_s, &action) != YC_OK) {
        fprintf(stderr, "yrdcredit audit: unknown action '%s'\n\n%s", action_s, audit_usage);
        return 2;
    }
    uint64_t limit = LIMIT_DEFAULT;
    if (limit_s != NULL && (cli_parse_u64(limit_s, LIMIT_MAX, &limit) != YC_OK || limit == 0)) {
        fprintf(stderr, "yrdcredit audit: --limit must be 1..%d\n", LIMIT_MAX);
        return 2;
    }
    return audit_list(cli_data_dir(data_opt), action, (size_t)limit, as_json);
}
