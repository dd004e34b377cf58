/* yrdcredit: the operator CLI (thin: parses arguments, wires import -> store -> score). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yrdcredit/alloc.h"

#ifndef YC_SOURCE_ETC
#define YC_SOURCE_ETC "etc"
#endif

static const char main_usage[] =
    "usage: yrdcredit [--data DIR] COMMAND [ARGS]\n"
    "\n"
    "Commands (each takes --help and --data DIR):\n"
    "  init [DIR]                      create a data directory (keys, LMDB, model, rules, "
    "calendar, config)\n"
    "  import [--atomic] [--encoding E] [--dry-run] FILE...\n"
    "                                  import 双公示 CSV (行政处罚/行政许可) and JSON Lines\n"
    "                                  (失信被执行人, 信用承诺, generic records)\n"
    "  score SUBJECT [--as-of DATE]    the 信用分 of a subject as JSON\n"
    "  records SUBJECT                 a subject's records as JSON\n"
    "  lookup --doc-type T [--country C] NUMBER|-\n"
    "                                  the pseudonymous subject id of an individual\n"
    "  gen [--merchants N] [--individuals M] [--seed S] [--out DIR]\n"
    "                                  write a deterministic synthetic dataset\n"
    "  keys new|list|rotate|retire ...  signing keys of attestations and status lists\n"
    "  verify TOKEN|- --jwks FILE [--status-list FILE]... [--issuer URL] [--aud AUD] [--at T]\n"
    "                                  verify an attestation offline (exit 0 valid, 1 invalid)\n"
    "  present TOKEN|- --disclose NAME[,NAME...]\n"
    "                                  a presentation revealing only the named claims\n"
    "  trust add|list|remove|refresh ...  the partner trust registry (trust/partners.json)\n"
    "  clients add|list|revoke ...     API clients and their bearer tokens (clients.json)\n"
    "  policy check|reload             validate the model and DATA/policy/; reload: SIGHUP the\n"
    "                                  running yrdcreditd\n"
    "  share export --to REGION --since DATE [--out FILE] | share import FILE|-\n"
    "                                  signed batches of merchant records between instances\n"
    "  audit [--action A] [--limit N] [--json]\n"
    "                                  the audit log of admin actions, newest first\n"
    "  purge [--as-of DATE] [--dry-run]\n"
    "                                  the retention job: remove what is kept no longer\n"
    "  backup [--with-keys] DEST       a consistent copy of the data directory while serving\n"
    "                                  (key files only with --with-keys)\n"
    "\n"
    "The data directory is --data DIR, else $YRDCREDIT_DATA, else ./var/yrdcredit.\n"
    "SUBJECT is a 统一社会信用代码 (18 characters) or an individual's 'P…' pseudonym.\n"
    "\n"
    "Exit status: 0 ok; 1 import finished but some rows were rejected; 2 usage or invalid\n"
    "input (invalid subject id, bad date, bad file, --atomic import with a rejected row);\n"
    "3 not found (unknown subject); 4 storage or I/O error; 5 other failure.\n";

yc_err cli_parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
    YC_ENSURE(*s != '\0', YC_ERR_INVALID);
    uint64_t v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        YC_ENSURE(*p >= '0' && *p <= '9', YC_ERR_INVALID);
        const uint64_t d = (uint64_t)(*p - '0');
        YC_ENSURE(v <= (max - d) / 10, YC_ERR_INVALID);
        v = v * 10 + d;
    }
    *ret = v;
    return YC_OK;
}

const char *cli_data_dir(const char *opt)
{
    if (opt != NULL)
        return opt;
    const char *env = getenv("YRDCREDIT_DATA");
    if (env != NULL && *env != '\0')
        return env;
    return "var/yrdcredit";
}

const char *cli_etc_dir(void)
{
    const char *env = getenv("YRDCREDIT_ETC");
    return env != NULL && *env != '\0' ? env : YC_SOURCE_ETC;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"init", cli_init},       {"import", cli_import}, {"score", cli_score},
        {"records", cli_records}, {"lookup", cli_lookup}, {"gen", cli_gen},
        {"keys", cli_keys},       {"verify", cli_verify}, {"present", cli_present},
        {"trust", cli_trust},     {"policy", cli_policy}, {"share", cli_share},
        {"clients", cli_clients}, {"audit", cli_audit},   {"purge", cli_purge},
        {"backup", cli_backup}, /* issue 7 F commands */
    };
    /* Before any Jansson call: every module's JSON allocations go through yc_alloc. */
    yc_core_init_json();
    int i = 1;
    /* A global --data DIR before the command is exported for the command to read. */
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(main_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            if (setenv("YRDCREDIT_DATA", argv[i + 1], 1) != 0)
                return 5;
            i += 2;
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            if (setenv("YRDCREDIT_DATA", argv[i] + 7, 1) != 0)
                return 5;
            i++;
        } else {
            fprintf(stderr, "yrdcredit: unknown option '%s'\n\n%s", argv[i], main_usage);
            return 2;
        }
    }
    if (i >= argc) {
        fputs(main_usage, stderr);
        return 2;
    }
    for (size_t k = 0; k < sizeof cmds / sizeof *cmds; k++)
        if (strcmp(argv[i], cmds[k].name) == 0)
            return cmds[k].fn(argc - i, argv + i);
    fprintf(stderr, "yrdcredit: unknown command '%s'\n\n%s", argv[i], main_usage);
    return 2;
}
