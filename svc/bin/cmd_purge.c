/* The CLI command `purge`: the retention job of issue 6 scope item 8
 * (include/yrdcredit/retention.h), run by an operator; yrdcreditd runs the same job at start-up
 * and every retention.interval_s. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "yrdcredit/date.h"
#include "yrdcredit/retention.h"
#include "yrdcredit/store.h"

static const char purge_usage[] =
    "usage: yrdcredit [--data DIR] purge [--as-of DATE] [--dry-run]\n"
    "The retention job (issue 6 item 8): removes from DATA's store\n"
    "  - natural persons' negative records (N01-N14) more than 5 years after their end (the\n"
    "    end of the maximum publication period; 长期 records stay): 征信业管理条例 Art.16;\n"
    "  - query-log entries older than 10 years (3653 days): Zhejiang 条例 Art.20;\n"
    "  - revoked records from the 3rd working day (config calendar) after the revocation:\n"
    "    Shanghai 条例 Art.37;\n"
    "each record with its history and index entries, and a person left without records with\n"
    "their sealed identity.  Prints one line: as_of=DATE records=N queries=M revoked=K\n"
    "persons=P, and appends it to the audit log (action purge, target retention, actor\n"
    "cli:<user>), also when nothing was removed.  --as-of DATE (YYYY-MM-DD, 1970-01-02 ..\n"
    "2099-12-31) runs as at 00:00 Asia/Shanghai on DATE instead of now; a DATE after today\n"
    "(Asia/Shanghai) only with --dry-run, since it would remove records that still count.\n"
    "--dry-run only counts (writes nothing, no audit entry).  The running\n"
    "yrdcreditd may serve meanwhile (one write transaction per batch of 256 records).\n"
    "Exit status: 0 ok; 2 usage, bad date, config or calendar; 4 storage or I/O error.\n";

static int run(const char *data_dir, bool has_as_of, yc_date as_of, bool dry)
{
    yc_config cfg;
    const char *field = NULL;
    yc_err rv = yc_config_load(data_dir, &cfg, &field);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit purge: %s/config.json: %s%s%s\n", data_dir, yc_err_str(rv),
                field != NULL ? ": " : "", field != NULL ? field : "");
        return rv == YC_ERR_IO ? 4 : 2;
    }
    yc_calendar *cal = NULL;
    int line = 0;
    rv = yc_calendar_load(cfg.calendar_path, &cal, &line);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit purge: calendar %s: %s (line %d)\n", cfg.calendar_path,
                yc_err_str(rv), line);
        return rv == YC_ERR_INVALID ? 2 : 4;
    }
    yc_store *st = NULL;
    yc_store_opts so = {.map_size_bytes = cfg.map_size_mib * 1024u * 1024u};
    rv = yc_store_open(data_dir, &so, &st);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit purge: cannot open store in %s: %s\n", data_dir, yc_err_str(rv));
        yc_calendar_free(cal);
        return 4;
    }
    const int64_t now = has_as_of ? yc_retention_day_start_ms(as_of) : yc_clock_now_ms();
    if (!has_as_of)
        as_of = yc_date_from_unix_ms(now);
    yc_retention_counts c;
    rv = yc_retention_run(st, cal, as_of, now, dry, &c);
    char detail[YC_RETENTION_DETAIL_MAX + 1];
    yc_retention_detail(&c, rv, detail);
    printf("%s%s\n", dry ? "dry run: " : "", detail);
    int status = rv == YC_OK ? 0 : yc_err_exit_code(rv);
    if (rv != YC_OK)
        fprintf(stderr, "yrdcredit purge: %s%s\n", yc_err_str(rv),
                dry ? " (dry run: nothing was removed)"
                    : " (what the committed batches removed stays removed)");
    if (!dry) /* the decision of retention.h: every run of the CLI is recorded */
        status =
            cli_audit_record_store(st, YC_AUDIT_PURGE, "retention", rv == YC_OK, detail, status);
    yc_store_close(st);
    yc_calendar_free(cal);
    if (status == 0 && fflush(stdout) != 0)
        status = 4;
    return status;
}

int cli_purge(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data_opt = NULL, *as_of_s = NULL;
    bool dry = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data_opt = optarg;
            break;
        case 'a':
            as_of_s = optarg;
            break;
        case 'n':
            dry = true;
            break;
        case 'h':
            fputs(purge_usage, stdout);
            return 0;
        default:
            fputs(purge_usage, stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fputs(purge_usage, stderr);
        return 2;
    }
    yc_date as_of = 0;
    if (as_of_s != NULL && yc_date_parse_iso(as_of_s, &as_of) != YC_OK) {
        fprintf(stderr,
                "yrdcredit purge: --as-of %s: not a date YYYY-MM-DD between 1970-01-02 "
                "and 2099-12-31\n",
                as_of_s);
        return 2;
    }
    if (as_of_s != NULL && yc_retention_day_start_ms(as_of) < 0) {
        fprintf(stderr,
                "yrdcredit purge: --as-of %s: 00:00 Asia/Shanghai of that day is before "
                "1970-01-01T00:00Z; the earliest date is 1970-01-02\n",
                as_of_s);
        return 2;
    }
    /* issue 6 item 8: a future date would remove records that still count (breaker2 #1) */
    const yc_date today = yc_date_today_shanghai();
    if (as_of_s != NULL && !dry && as_of > today) {
        char t[YC_DATE_STR_LEN + 1];
        yc_date_format(today, t);
        fprintf(stderr,
                "yrdcredit purge: --as-of %s is after today (%s, Asia/Shanghai): a purge as of a "
                "future date removes records that still count; use --dry-run to preview it\n",
                as_of_s, t);
        return 2;
    }
    return run(cli_data_dir(data_opt), as_of_s != NULL, as_of, dry);
}
