/* The CLI command share: export a signed batch of merchant records for a partner instance, or
 * import one (issue 5 scope item 5; include/yrdcredit/shared.h, docs/sharing.md). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/attest_service.h"
#include "yrdcredit/date.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/score.h"
#include "yrdcredit/shared.h"
#include "yrdcredit/store.h"

static const char share_usage[] =
    "usage: yrdcredit [--data DIR] share export --to REGION --since YYYY-MM-DD [--out FILE]\n"
    "       yrdcredit [--data DIR] share import FILE|-\n"
    "\n"
    "export: one signed batch (JWS, typ yrdcredit-share+jwt) of the LOCAL records of merchants\n"
    "        registered in REGION (USCC characters 3..8; REGION ending in 00 or 0000 matches\n"
    "        the city or the province) ingested on or after the date (Asia/Shanghai), at most "
    "1000\n"
    "        records, signed with this instance's active attestation key; written to FILE or\n"
    "        stdout.  Reads one snapshot: the server may be running.\n"
    "import: verify a partner's batch against trust/partners.json and store it, or refuse it\n"
    "        whole; prints {\"batch_id\",\"from\",\"stored\",\"duplicates\"} or\n"
    "        {\"refused\":REASON,\"field\",\"detail\"} as JSON.  Then appends an audit entry\n"
    "        (`yrdcredit audit`; its own transaction, after the batch's): ok with the batch id,\n"
    "        or refused with the reason; exit 4 if that entry cannot be written.\n"
    "\n"
    "Exit status: 0 ok; 2 usage, invalid input, a refused batch or too many records; 3 no\n"
    "active attestation key; 4 storage or I/O error; 5 other failure.\n";

typedef struct share_env {
    const char *data_dir;
    yc_config cfg;
    yc_store *store;
} share_env;

static int env_open(const char *data_dir, share_env *e)
{
    *e = (share_env){.data_dir = data_dir};
    const char *field = NULL;
    yc_err rv = yc_config_load(data_dir, &e->cfg, &field);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit share: %s/config.json: %s%s%s\n", data_dir, yc_err_str(rv),
                field != NULL ? ": " : "", field != NULL ? field : "");
        return rv == YC_ERR_IO ? 4 : 2;
    }
    yc_store_opts so = {.map_size_bytes = e->cfg.map_size_mib * 1024u * 1024u};
    rv = yc_store_open(data_dir, &so, &e->store);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit share: cannot open store in %s: %s\n", data_dir, yc_err_str(rv));
        return 4;
    }
    return 0;
}

static bool region_arg(const char *s)
{
    return s != NULL && strlen(s) == YC_REGION_LEN && yc_region_is_valid(s, YC_REGION_LEN);
}

static int write_out(const char *path, const char *token, size_t len)
{
    FILE *f = path != NULL ? fopen(path, "wb") : stdout;
    if (f == NULL) {
        fprintf(stderr, "yrdcredit share export: %s: %s\n", path, strerror(errno));
        return 4;
    }
    bool ok = fwrite(token, 1, len, f) == len && fputc('\n', f) != EOF;
    ok = (path != NULL ? fclose(f) == 0 : fflush(f) == 0) && ok;
    if (!ok) {
        fprintf(stderr, "yrdcredit share export: cannot write %s\n", path ? path : "stdout");
        return 4;
    }
    return 0;
}

static int share_export(const char *data_dir, int argc, char **argv)
{
    const char *to = NULL, *since_txt = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--to") == 0      ? &to
                            : strcmp(a, "--since") == 0 ? &since_txt
                            : strcmp(a, "--out") == 0   ? &out
                                                        : NULL;
        if (slot != NULL && *slot != NULL) {
            fprintf(stderr, "yrdcredit share export: %s given twice\n\n%s", a, share_usage);
            return 2;
        }
        if (slot != NULL && i + 1 < argc)
            *slot = argv[++i];
        else {
            fprintf(stderr, "yrdcredit share export: unexpected argument '%s'\n\n%s", a,
                    share_usage);
            return 2;
        }
    }
    yc_date since = YC_DATE_NONE;
    if (!region_arg(to) || since_txt == NULL || yc_date_parse_iso(since_txt, &since) != YC_OK) {
        fprintf(stderr,
                "yrdcredit share export: --to must be a 6-digit 行政区划代码 and "
                "--since a date YYYY-MM-DD\n\n%s",
                share_usage);
        return 2;
    }
    share_env e;
    int rc = env_open(data_dir, &e);
    if (rc != 0)
        return rc;
    if (strcmp(to, e.cfg.attest.issuer_region) == 0) {
        fprintf(stderr, "yrdcredit share export: --to %s is this instance's own region\n", to);
        yc_store_close(e.store);
        return 2;
    }
    yc_attest_service *svc = NULL;
    char *token = NULL;
    size_t len = 0, n = 0;
    yc_err rv = yc_attest_service_open(data_dir, &e.cfg.attest, e.store, &svc);
    if (rv == YC_OK)
        rv = yc_share_export(e.store, svc, e.cfg.attest.issuer_region, to, since,
                             yc_clock_now_ms() / 1000, &token, &len, &n);
    if (rv == YC_OK) {
        rc = write_out(out, token, len);
        if (rc == 0)
            fprintf(stderr, "yrdcredit share export: %zu records from %s to %s since %s\n", n,
                    e.cfg.attest.issuer_region, to, since_txt);
    } else {
        fprintf(stderr, "yrdcredit share export: %s\n",
                rv == YC_ERR_TOO_LARGE   ? "more than 1000 records (or too large a batch): use a "
                                           "later --since"
                : rv == YC_ERR_NOT_FOUND ? "no active attestation key (yrdcredit keys new)"
                                         : yc_err_str(rv));
        rc = yc_err_exit_code(rv);
    }
    yc_free(token);
    yc_attest_service_close(svc);
    yc_store_close(e.store);
    return rc;
}

/* The whole file (or stdin), at most YC_SHARE_MAX_TOKEN_BYTES + 2 bytes (a line end). */
static yc_err read_input(const char *path, char **ret, size_t *ret_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    YC_ENSURE(f != NULL, YC_ERR_IO);
    const size_t cap = YC_SHARE_MAX_TOKEN_BYTES + 3;
    char *buf = yc_alloc(cap);
    yc_err rv = buf != NULL ? YC_OK : YC_ERR_NOMEM;
    size_t len = 0;
    if (rv == YC_OK) {
        len = fread(buf, 1, cap, f);
        if (ferror(f))
            rv = YC_ERR_IO;
    }
    if (f != stdin)
        fclose(f);
    if (rv != YC_OK) {
        yc_free(buf);
        return rv;
    }
    *ret = buf;
    *ret_len = len;
    return YC_OK;
}

static int share_import(const char *data_dir, int argc, char **argv)
{
    if (argc != 1) {
        fputs(share_usage, stderr);
        return 2;
    }
    share_env e;
    int rc = env_open(data_dir, &e);
    if (rc != 0)
        return rc;
    yc_model *model = NULL;
    yc_attest_service *svc = NULL;
    char *buf = NULL;
    size_t len = 0;
    char errpath[YC_MODEL_ERRPATH_MAX];
    yc_err rv = yc_model_load(e.cfg.model_path, &model, errpath, sizeof errpath);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit share import: model %s: %s\n", e.cfg.model_path, yc_err_str(rv));
        goto out;
    }
    if ((rv = read_input(argv[0], &buf, &len)) != YC_OK) {
        fprintf(stderr, "yrdcredit share import: %s: %s\n", argv[0],
                rv == YC_ERR_IO ? strerror(errno) : yc_err_str(rv));
        goto out;
    }
    /* the trust registry as the server reads it (yc_attest_partner_key()) */
    if ((rv = yc_attest_service_open(data_dir, &e.cfg.attest, e.store, &svc)) != YC_OK) {
        fprintf(stderr, "yrdcredit share import: %s\n", yc_err_str(rv));
        goto out;
    }
    yc_window windows[YC_CODE_COUNT];
    yc_model_windows(model, windows);
    yc_share_result r;
    rv = yc_share_import(e.store, svc, e.cfg.attest.issuer_region, windows, buf, len,
                         yc_clock_now_ms() / 1000, &r);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit share import: %s\n", yc_err_str(rv));
        rc = cli_audit_record_store(e.store, YC_AUDIT_SHARE_IMPORT, "", false, yc_err_str(rv),
                                    yc_err_exit_code(rv));
        rv = YC_OK; /* rc is set */
        goto out;
    }
    json_t *o =
        r.reason == YC_SHARE_OK
            ? json_pack("{s:s, s:s, s:I, s:I}", "batch_id", r.batch_id, "from", r.from, "stored",
                        (json_int_t)r.stored, "duplicates", (json_int_t)r.duplicates)
            : json_pack("{s:s, s:s, s:s}", "refused", yc_share_reason_str(r.reason), "field",
                        r.field, "detail", r.detail);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (text == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    puts(text);
    yc_free(text);
    if (r.reason != YC_SHARE_OK) {
        fprintf(stderr, "yrdcredit share import: refused: %s: %s%s%s\n",
                yc_share_reason_str(r.reason), r.detail, r.field[0] ? " at " : "", r.field);
        rc = 2;
    }
    /* after the batch's own transaction (audit entry in a transaction of its own) */
    char detail[96];
    if (r.reason == YC_SHARE_OK)
        (void)snprintf(detail, sizeof detail, "from=%s stored=%zu duplicates=%zu", r.from,
                       (size_t)r.stored, (size_t)r.duplicates);
    else
        (void)snprintf(detail, sizeof detail, "%s", yc_share_reason_str(r.reason));
    rc = cli_audit_record_store(e.store, YC_AUDIT_SHARE_IMPORT, r.batch_id, r.reason == YC_SHARE_OK,
                                detail, rc);
out:
    if (rv != YC_OK)
        rc = yc_err_exit_code(rv);
    yc_free(buf);
    yc_model_free(model);
    yc_attest_service_close(svc);
    yc_store_close(e.store);
    return rc;
}

int cli_share(int argc, char **argv)
{
    const char *data = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(share_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else
            break;
    }
    if (i >= argc) {
        fputs(share_usage, stderr);
        return 2;
    }
    const char *dir = cli_data_dir(data);
    if (strcmp(argv[i], "export") == 0)
        return share_export(dir, argc - i - 1, argv + i + 1);
    if (strcmp(argv[i], "import") == 0)
        return share_import(dir, argc - i - 1, argv + i + 1);
    fprintf(stderr, "yrdcredit share: unknown subcommand '%s'\n\n%s", argv[i], share_usage);
    return 2;
}
