/* The CLI commands init, import, score, records, lookup. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/cert.h"
#include "yrdcredit/date.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/import.h"
#include "yrdcredit/keyring.h"
#include "yrdcredit/record.h"
#include "yrdcredit/record_json.h"
#include "yrdcredit/score.h"
#include "yrdcredit/store.h"

/* ---- shared ---- */

typedef struct cli_instance {
    const char *data_dir;
    yc_config cfg;
    yc_model *model;
    yc_calendar *calendar; /* working days (Mon–Fri unless the file says otherwise) */
    yc_store *store;
} cli_instance;

static void instance_close(cli_instance *in)
{
    yc_store_close(in->store);
    yc_calendar_free(in->calendar);
    yc_model_free(in->model);
}

/* Opens config, model and store of the data dir; prints the reason on failure. */
static int instance_open(const char *data_dir, cli_instance *in)
{
    *in = (cli_instance){.data_dir = data_dir};
    /* issue 7 item 4: past RLIMIT_FSIZE a write fails with EFBIG (a clean "storage full")
     * instead of SIGXFSZ killing the process in the middle of a commit */
    (void)signal(SIGXFSZ, SIG_IGN);
    const char *field = NULL;
    yc_err rv = yc_config_load(data_dir, &in->cfg, &field);
    if (rv == YC_ERR_IO) {
        fprintf(stderr, "yrdcredit: no data directory at %s (run `yrdcredit init %s`)\n", data_dir,
                data_dir);
        return 4;
    }
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit: %s/config.json: %s: %s\n", data_dir, field ? field : "?",
                yc_err_str(rv));
        return 2;
    }
    char errpath[YC_MODEL_ERRPATH_MAX];
    rv = yc_model_load(in->cfg.model_path, &in->model, errpath, sizeof errpath);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit: model %s: %s%s%s\n", in->cfg.model_path, yc_err_str(rv),
                rv == YC_ERR_INVALID ? " at " : "", rv == YC_ERR_INVALID ? errpath : "");
        return yc_err_exit_code(rv);
    }
    int line = 0;
    rv = yc_calendar_load(in->cfg.calendar_path, &in->calendar, &line);
    if (rv != YC_OK) {
        if (rv == YC_ERR_INVALID)
            fprintf(stderr,
                    "yrdcredit: %s:%d: expected 'YYYY-MM-DD workday|holiday' (dates unique)\n",
                    in->cfg.calendar_path, line);
        else
            fprintf(stderr, "yrdcredit: calendar %s: %s\n", in->cfg.calendar_path, yc_err_str(rv));
        yc_model_free(in->model);
        return rv == YC_ERR_INVALID ? 2 : yc_err_exit_code(rv);
    }
    yc_store_opts so = {.map_size_bytes = in->cfg.map_size_mib * 1024u * 1024u};
    rv = yc_store_open(data_dir, &so, &in->store);
    if (rv != YC_OK) {
        /* Always a storage failure (exit 4), never "unknown subject". */
        fprintf(stderr, "yrdcredit: cannot open store in %s: %s\n", data_dir,
                rv == YC_ERR_AUTH ? "keys/pseudonym.key or keys/seal.key is not the key this "
                                    "store was created with"
                : rv == YC_ERR_NOT_FOUND ? "keys/pseudonym.key, keys/seal.key or lmdb/ is missing"
                : rv == YC_ERR_INVALID   ? "keys/ must be mode 0700 holding 32-byte key files "
                                           "of mode 0600"
                                         : yc_err_str(rv));
        yc_calendar_free(in->calendar);
        yc_model_free(in->model);
        return 4;
    }
    return 0;
}

static int help_or_usage(const char *usage, int c)
{
    fputs(usage, c == 'h' ? stdout : stderr);
    return c == 'h' ? 0 : 2;
}

/* ---- init ---- */

static const char init_usage[] =
    "usage: yrdcredit init [--data DIR] [DIR]\n"
    "\n"
    "Creates DIR (or accepts an existing empty directory): keys/ (pseudonym and sealing keys,\n"
    "mode 0600; master.key and signing.json with one attestation and one status-list signing\n"
    "key, active at once, see `yrdcredit keys --help`), the LMDB store, and copies of the\n"
    "default config.json, model/score-v1.json, rules/penalty-categories.json, calendar.txt,\n"
    "policy/lists.json, policy/recognition.json and policy/measures/*.json (one measure\n"
    "catalogue per region) from etc/ ($YRDCREDIT_ETC overrides where etc/ is), and\n"
    "tls/cert.pem + tls/key.pem\n"
    "(mode 0600): a new self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1\n"
    "that yrdcreditd's TLS listener serves.\n"
    "Later commands and the server need only DIR.\n"
    "Exit status: 0 ok; 2 usage or DIR not empty; 4 I/O error.\n";

static int copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (in == NULL) {
        fprintf(stderr, "yrdcredit init: cannot read %s: %s\n", src, strerror(errno));
        return 4;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0644);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int rc = 0;
    if (out == NULL) {
        fprintf(stderr, "yrdcredit init: cannot create %s: %s\n", dst, strerror(errno));
        if (fd >= 0)
            close(fd);
        fclose(in);
        return 4;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = 4;
    if (ferror(in) || fflush(out) != 0 || fsync(fileno(out)) != 0)
        rc = 4;
    if (fclose(out) != 0)
        rc = 4;
    fclose(in);
    if (rc != 0)
        fprintf(stderr, "yrdcredit init: cannot write %s\n", dst);
    return rc;
}

/* Copies the *.json files of etc/policy/measures (the measure catalogues, issue 5 item 2) into
 * DIR/policy/measures/. */
static int copy_measures(const char *dir)
{
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/policy/measures", cli_etc_dir());
    DIR *d = opendir(src);
    if (d == NULL) {
        fprintf(stderr, "yrdcredit init: cannot read %s: %s\n", src, strerror(errno));
        return 4;
    }
    int rc = 0;
    const struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const size_t n = strlen(e->d_name);
        if (n <= 5 || e->d_name[0] == '.' || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        snprintf(src, sizeof src, "%s/policy/measures/%s", cli_etc_dir(), e->d_name);
        snprintf(dst, sizeof dst, "%s/policy/measures/%s", dir, e->d_name);
        rc = copy_file(src, dst);
    }
    closedir(d);
    return rc;
}

int cli_init(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'd')
            data = optarg;
        else
            return help_or_usage(init_usage, c);
    }
    if (argc - optind > 1)
        return help_or_usage(init_usage, '?');
    const char *dir = cli_data_dir(optind < argc ? argv[optind] : data);
    yc_err rv = yc_store_init_dir(dir);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit init: %s: %s\n", dir,
                rv == YC_ERR_CONFLICT ? "exists and is not an empty directory" : yc_err_str(rv));
        return rv == YC_ERR_CONFLICT ? 2 : yc_err_exit_code(rv);
    }
    static const char *const files[] = {
        "config.json",  "model/score-v1.json", "rules/penalty-categories.json",
        "calendar.txt", "policy/lists.json",   "policy/recognition.json"};
    static const char *const subdirs[] = {"model", "rules", "tls", "policy", "policy/measures"};
    char src[4096], dst[4096];
    for (size_t k = 0; k < sizeof subdirs / sizeof *subdirs; k++) {
        snprintf(dst, sizeof dst, "%s/%s", dir, subdirs[k]);
        if (mkdir(dst, 0755) != 0) {
            fprintf(stderr, "yrdcredit init: cannot create %s: %s\n", dst, strerror(errno));
            return 4;
        }
    }
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        snprintf(src, sizeof src, "%s/%s", cli_etc_dir(), files[k]);
        snprintf(dst, sizeof dst, "%s/%s", dir, files[k]);
        int rc = copy_file(src, dst);
        if (rc != 0)
            return rc;
    }
    int rc = copy_measures(dir);
    if (rc != 0)
        return rc;
    snprintf(src, sizeof src, "%s/tls/cert.pem", dir);
    snprintf(dst, sizeof dst, "%s/tls/key.pem", dir);
    rv = yc_cert_self_signed(src, dst, "localhost", YC_CERT_DAYS_DEFAULT);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit init: cannot create the TLS certificate %s: %s\n", src,
                yc_err_str(rv));
        return yc_err_exit_code(rv);
    }
    /* master.key and signing.json: one key per purpose, signing at once (issue 4 item 2). */
    rv = yc_keyring_create(dir, (int64_t)time(NULL));
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit init: cannot create the signing keys in %s/keys: %s\n", dir,
                yc_err_str(rv));
        return yc_err_exit_code(rv);
    }
    printf("initialised %s\n", dir);
    return 0;
}

/* ---- import ---- */

static const char import_usage[] =
    "usage: yrdcredit import [--data DIR] [--atomic] [--encoding UTF-8|GB18030] [--dry-run] "
    "FILE...\n"
    "\n"
    "Imports 双公示 CSV (行政处罚 CF_*, 行政许可 XK_*; header by code or Chinese name; legacy v1\n"
    "codes) and JSON Lines (失信被执行人, 信用承诺, generic records); formats in docs/formats.md.\n"
    "Encoding is detected (UTF-8, UTF-8 with BOM, GB18030) unless --encoding is given.\n"
    "Every rejected row is printed to stderr as FILE:ROW: FIELD: REASON; good rows are still\n"
    "imported unless --atomic (then a file with any bad row imports nothing, and a good file\n"
    "is committed in one transaction).  Records are committed durably in batches of\n"
    "import.batch_records (config.json), one LMDB transaction each.  Importing the same\n"
    "record again changes nothing; a changed record (same authority USCC and 文书号)\n"
    "supersedes the stored one and keeps its history.  --dry-run validates only.\n"
    "Prints a summary: imported, superseded, duplicates, rejected.\n"
    "Exit status: 0 ok; 1 some rows rejected; 2 usage, unreadable format, or --atomic with a\n"
    "rejected row; 4 storage or I/O error (an unreadable FILE is reported and the other\n"
    "files are still imported; a storage failure stops the run).\n";

typedef struct import_run {
    yc_store *store;
    const char *file;
    size_t file_index, n_files;
    bool tty;
    size_t rows_done, lines;
    yc_ingest_stats total;
    size_t rejected;
    yc_err batch_err; /* set when the store failed: the run stops */
} import_run;

/* Lines in a file: the denominator of the progress bar (rows ≈ lines; an estimate when
 * quoted fields span lines).  Only counted when stderr is a terminal. */
static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    char buf[1 << 16];
    size_t n, lines = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
            lines++;
    fclose(f);
    return lines;
}

static void progress_draw(const import_run *run)
{
    enum { WIDTH = 30 };
    size_t done = run->rows_done, total = run->lines > done ? run->lines : done;
    size_t fill = total > 0 ? done * WIDTH / total : WIDTH;
    char bar[WIDTH + 1];
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r[%zu/%zu] [%s] %3zu%% %zu records committed  %s", run->file_index + 1,
            run->n_files, bar, total > 0 ? done * 100 / total : 100, done, run->file);
}

static yc_err import_batch(void *ctx, yc_record *recs, size_t n)
{
    import_run *run = ctx;
    yc_ingest_stats st = {0};
    if (run->store != NULL) {
        yc_err rv = yc_store_ingest(run->store, recs, n, &st);
        if (rv != YC_OK) {
            run->batch_err = rv;
            return rv;
        }
    } else {
        st.imported = n; /* --dry-run */
    }
    run->total.imported += st.imported;
    run->total.duplicates += st.duplicates;
    run->total.superseded += st.superseded;
    run->rows_done += n;
    if (run->tty)
        progress_draw(run);
    return YC_OK;
}

static void import_reject(void *ctx, const yc_reject *r)
{
    import_run *run = ctx;
    run->rejected++;
    if (run->tty)
        fputc('\r', stderr);
    fprintf(stderr, "%s:%ld: %s: %s\n", r->file, r->row, r->field, r->reason);
}

static int import_files(cli_instance *in, char **files, size_t n, const yc_import_opts *base,
                        import_run *run)
{
    char msg[512] = "";
    yc_rules *rules = NULL;
    yc_err rv = yc_rules_load(in->cfg.rules_path, &rules, msg, sizeof msg);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit import: %s: %s %s\n", in->cfg.rules_path, yc_err_str(rv), msg);
        return yc_err_exit_code(rv);
    }
    yc_window windows[YC_CODE_COUNT];
    yc_model_windows(in->model, windows);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        yc_import_opts o = *base;
        o.windows = windows;
        o.rules = rules;
        run->file = files[i];
        run->file_index = i;
        run->rows_done = 0;
        run->lines = run->tty ? count_lines(files[i]) : 0;
        yc_import_stats st = {0};
        errno = 0;
        rv = yc_import_file(files[i], &o, &st);
        const int file_errno = errno;
        if (run->tty) {
            run->lines = run->rows_done; /* the file is done: a full bar */
            progress_draw(run);
            fputc('\n', stderr);
        }
        if (rv == YC_OK && st.rows == 0)
            fprintf(stderr, "yrdcredit import: %s: warning: no data rows\n", files[i]);
        if (rv != YC_OK && run->batch_err != YC_OK) {
            /* The store failed: nothing later can be committed either. */
            fprintf(stderr, "yrdcredit import: %s: store: %s; stopped\n", files[i], yc_err_str(rv));
            if (rv == YC_ERR_FULL) /* issue 7 item 4: say what to grow */
                fprintf(stderr,
                        "yrdcredit import: the LMDB map is full (store.map_size_mib = %" PRIu64
                        " MiB in %s/config.json) or the disk is: raise store.map_size_mib or "
                        "free disk space and run the same import again (the %zu records "
                        "committed so far stay, as duplicates)\n",
                        in->cfg.map_size_mib, in->data_dir, run->total.imported);
            rc = yc_err_exit_code(rv);
            break;
        }
        if (rv != YC_OK) {
            /* A fault of this file only: report it and go on with the next file. */
            fprintf(stderr, "yrdcredit import: %s: %s%s%s\n", files[i], yc_err_str(rv),
                    rv == YC_ERR_IO && file_errno != 0 ? ": " : "",
                    rv == YC_ERR_IO && file_errno != 0 ? strerror(file_errno)
                    : rv == YC_ERR_INVALID && o.atomic && st.rejected > 0
                        ? " (--atomic: nothing imported from this file)"
                        : "");
            rc = rc != 0 ? rc : yc_err_exit_code(rv);
        }
    }
    yc_rules_free(rules);
    return rc;
}

int cli_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},     {"atomic", no_argument, NULL, 'a'},
        {"encoding", required_argument, NULL, 'e'}, {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *data = NULL;
    yc_import_opts base = {.today = yc_date_today_shanghai()};
    bool dry = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'a':
            base.atomic = true;
            break;
        case 'e':
            base.encoding = optarg;
            break;
        case 'n':
            dry = true;
            break;
        default:
            return help_or_usage(import_usage, c);
        }
    }
    if (optind >= argc)
        return help_or_usage(import_usage, '?');
    cli_instance in;
    int rc = instance_open(cli_data_dir(data), &in);
    if (rc != 0)
        return rc;
    import_run run = {.store = dry ? NULL : in.store,
                      .n_files = (size_t)(argc - optind),
                      .tty = isatty(STDERR_FILENO) != 0};
    /* --atomic: the whole file in one transaction, so it is all or nothing on disk too. */
    base.batch_size = base.atomic ? YC_IMPORT_BATCH_MAX : in.cfg.batch_records;
    base.on_batch = import_batch;
    base.on_reject = import_reject;
    base.ctx = &run;
    rc = import_files(&in, argv + optind, run.n_files, &base, &run);
    if (dry)
        printf("validated %zu (dry run: nothing written), rejected %zu\n", run.total.imported,
               run.rejected);
    else
        printf("imported %zu, superseded %zu, duplicates %zu, rejected %zu\n", run.total.imported,
               run.total.superseded, run.total.duplicates, run.rejected);
    instance_close(&in);
    if (rc == 0 && run.rejected > 0)
        rc = 1;
    return rc;
}

/* ---- score / records ---- */

static const char score_usage[] =
    "usage: yrdcredit score [--data DIR] [--as-of YYYY-MM-DD] SUBJECT\n"
    "\n"
    "Prints the subject's 信用分 as JSON: subject_id, subject_type, as_of, score, grade\n"
    "(merchants: A/B/C/D) or band (individuals), model version and digest, every\n"
    "contributing record (reasons) and changes_on.  --as-of defaults to today (Asia/Shanghai).\n"
    "SUBJECT is a 统一社会信用代码 or a 'P…' pseudonym from `yrdcredit lookup`.\n"
    "Exit status: 0 ok; 2 invalid subject id or date; 3 unknown subject; 4 storage error.\n";

static const char records_usage[] =
    "usage: yrdcredit records [--data DIR] SUBJECT\n"
    "\n"
    "Prints the subject's records as a JSON array (individuals' names and document numbers\n"
    "are not shown).\n"
    "Exit status: 0 ok; 2 invalid subject id; 3 unknown subject; 4 storage error.\n";

/* `score`: compute and print the result JSON; returns the exit status. */
static int print_score(const yc_model *model, const char *subject, const yc_record *recs, size_t n,
                       yc_date as_of)
{
    char *json = NULL;
    yc_err rv = yc_score_records_json(model, subject, recs, n, as_of, &json, NULL);
    if (rv == YC_OK)
        puts(json);
    yc_free(json);
    if (rv != YC_OK)
        fprintf(stderr, "yrdcredit score: %s\n", yc_err_str(rv));
    return yc_err_exit_code(rv);
}

/* `records`: print the records as a JSON array; returns the exit status. */
static int print_records(const yc_record *recs, size_t n)
{
    yc_core_init_json();
    json_t *arr = json_array();
    bool ok = arr != NULL;
    /* json_array_append_new releases the value also on failure (and accepts NULL). */
    for (size_t i = 0; ok && i < n; i++)
        ok = json_array_append_new(arr, yc_record_to_json(&recs[i])) == 0;
    char *s = ok ? json_dumps(arr, JSON_INDENT(2)) : NULL;
    json_decref(arr);
    if (s == NULL) {
        fprintf(stderr, "yrdcredit records: %s\n", yc_err_str(YC_ERR_NOMEM));
        return yc_err_exit_code(YC_ERR_NOMEM);
    }
    puts(s);
    yc_free(s);
    return 0;
}

static int subject_cmd(int argc, char **argv, bool score)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *usage = score ? score_usage : records_usage;
    const char *data = NULL;
    yc_date as_of = yc_date_today_shanghai();
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'd') {
            data = optarg;
        } else if (c == 'a' && score) {
            if (yc_date_parse_iso(optarg, &as_of) != YC_OK) {
                fprintf(stderr,
                        "yrdcredit score: as_of: expected a real date YYYY-MM-DD in "
                        "1900..2099, got '%s'\n",
                        optarg);
                return 2;
            }
        } else {
            return help_or_usage(usage, c);
        }
    }
    if (argc - optind != 1)
        return help_or_usage(usage, '?');
    const char *subject = argv[optind];
    if (!yc_subject_id_is_valid(subject, strlen(subject))) {
        fprintf(stderr,
                "yrdcredit %s: subject_id: not a valid 统一社会信用代码 or 'P…' pseudonym\n",
                argv[0]);
        return 2;
    }
    cli_instance in;
    int rc = instance_open(cli_data_dir(data), &in);
    if (rc != 0)
        return rc;
    yc_record *recs = NULL;
    size_t n = 0;
    yc_err rv = yc_store_subject_records(in.store, subject, &recs, &n);
    if (rv == YC_OK && n == 0)
        rv = YC_ERR_NOT_FOUND;
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit %s: %s: %s\n", argv[0], subject,
                rv == YC_ERR_NOT_FOUND ? "unknown subject" : yc_err_str(rv));
        rc = yc_err_exit_code(rv);
        goto out;
    }
    rc = score ? print_score(in.model, subject, recs, n, as_of) : print_records(recs, n);
out:
    yc_store_records_free(recs);
    instance_close(&in);
    return rc;
}

int cli_score(int argc, char **argv)
{
    return subject_cmd(argc, argv, true);
}

int cli_records(int argc, char **argv)
{
    return subject_cmd(argc, argv, false);
}

/* ---- lookup ---- */

static const char lookup_usage[] =
    "usage: yrdcredit lookup [--data DIR] --doc-type TYPE [--country ISO3] NUMBER|-\n"
    "\n"
    "Prints the pseudonymous subject id ('P' + 32 base32 characters) of an individual's\n"
    "document: keyed BLAKE2b of type|country|normalized number with this instance's key.\n"
    "TYPE: resident_id (居民身份证), passport (needs --country), foreign_permanent_resident_id\n"
    "(外国人永久居留身份证), business_friend_card (外籍商友卡).  NUMBER '-' reads it from stdin\n"
    "so it does not appear in the process list or shell history.\n"
    "Exit status: 0 ok; 2 usage or invalid number; 4 storage error.\n";

int cli_lookup(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"doc-type", required_argument, NULL, 't'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL, *country = "";
    yc_doc_type type = YC_DOC_NONE;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'd') {
            data = optarg;
        } else if (c == 'c') {
            country = optarg;
        } else if (c == 't') {
            if (yc_doc_type_parse(optarg, &type) != YC_OK) {
                fprintf(stderr, "yrdcredit lookup: doc_type: unknown type '%s'\n", optarg);
                return 2;
            }
        } else {
            return help_or_usage(lookup_usage, c);
        }
    }
    if (argc - optind != 1 || type == YC_DOC_NONE)
        return help_or_usage(lookup_usage, '?');
    char number[128];
    if (strcmp(argv[optind], "-") == 0) {
        if (fgets(number, sizeof number, stdin) == NULL) {
            fputs("yrdcredit lookup: doc_number: nothing on stdin\n", stderr);
            return 2;
        }
        number[strcspn(number, "\r\n")] = '\0';
        int extra = getchar();
        while (extra == ' ' || extra == '\t' || extra == '\r' || extra == '\n')
            extra = getchar();
        if (extra != EOF) {
            fputs("yrdcredit lookup: doc_number: one number per call (more input on stdin)\n",
                  stderr);
            return 2;
        }
    } else if (strlen(argv[optind]) < sizeof number) {
        memcpy(number, argv[optind], strlen(argv[optind]) + 1);
    } else {
        fputs("yrdcredit lookup: doc_number: too long\n", stderr);
        return 2;
    }
    /* Surrounding spaces are trimmed, as the importer trims cells. */
    char *num = number;
    while (*num == ' ' || *num == '\t')
        num++;
    size_t nlen = strlen(num);
    while (nlen > 0 && (num[nlen - 1] == ' ' || num[nlen - 1] == '\t'))
        num[--nlen] = '\0';
    char norm[YC_DOC_NUMBER_MAX + 1], ctry[YC_COUNTRY_LEN + 1];
    yc_id_fault fault = YC_ID_OK;
    if (yc_doc_normalize(type, country, num, yc_date_today_shanghai(), norm, ctry, &fault) !=
        YC_OK) {
        fprintf(stderr, "yrdcredit lookup: %s: %s\n",
                fault == YC_ID_COUNTRY ? "doc_country" : "doc_number", yc_id_fault_str(fault));
        return 2;
    }
    cli_instance in;
    int rc = instance_open(cli_data_dir(data), &in);
    if (rc != 0)
        return rc;
    char id[YC_SUBJECT_ID_MAX + 1];
    yc_err rv = yc_store_pseudonym(in.store, type, ctry, norm, id);
    if (rv == YC_OK)
        puts(id);
    else
        fprintf(stderr, "yrdcredit lookup: %s\n", yc_err_str(rv));
    instance_close(&in);
    return yc_err_exit_code(rv);
}
