/* The CLI command `keys`: new, list, rotate, retire (issue 4 scope item 2; keyring.h). */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/keyring.h"
#include "yrdcredit/store.h"

static const char keys_usage[] =
    "usage: yrdcredit keys [--data DIR] new --purpose P [--publish-seconds N]\n"
    "       yrdcredit keys [--data DIR] list [--json]\n"
    "       yrdcredit keys [--data DIR] rotate --purpose P [--publish-seconds N]\n"
    "       yrdcredit keys [--data DIR] retire KID [--force]\n"
    "\n"
    "Ed25519 signing keys of attestations and status lists, sealed under DATA/keys/master.key\n"
    "in DATA/keys/signing.json.  P is attestation or status_list.\n"
    "  new      add a key that signs from now + N seconds (default attest.key_publish_s);\n"
    "           other keys stay as they are.  Prints the new kid.\n"
    "  list     one line per key: kid, purpose, state now (published, active, retired,\n"
    "           dropped), not_before, retired_at, drop_at (ISO 8601 UTC, '-' if none);\n"
    "           --json prints a JSON array instead.\n"
    "  rotate   add a key that is published now and signs from now + N seconds (default\n"
    "           attest.key_publish_s); older keys of that purpose retire at that moment and\n"
    "           leave the JWKS attest.max_validity_days + attest.key_grace_s later.\n"
    "  retire   retire KID now (it leaves the JWKS attest.max_validity_days +\n"
    "           attest.key_grace_s later); refused if its purpose would have no active or\n"
    "           published key left, unless --force.\n"
    "new and rotate create master.key and signing.json when missing (older data dirs).\n"
    "new, rotate and retire then append an entry to the audit log (`yrdcredit audit`): ok, or\n"
    "refused when refused or failed after the arguments were accepted; exit 4 if that entry\n"
    "cannot be written.\n"
    "Exit status: 0 ok; 2 usage, invalid file or refused retire; 3 no keys or unknown KID;\n"
    "4 storage or I/O error (a seed that does not open under master.key); 5 other failure.\n";

static int keys_exit(yc_err rv)
{
    return rv == YC_ERR_CONFLICT ? 2 : yc_err_exit_code(rv);
}

/* A key's time for `keys list`: RFC 3339 UTC, "-" for none (0), digits past year 9999. */
static void iso_utc(int64_t t, char out[static 32])
{
    if (t == 0) {
        memcpy(out, "-", 2);
        return;
    }
    char buf[YC_TIME_RFC3339_LEN + 1];
    yc_time_rfc3339(t, buf);
    if (buf[0] != '\0')
        memcpy(out, buf, sizeof buf);
    else
        (void)snprintf(out, 32, "%" PRId64, t);
}

static int keys_list(const char *data, bool as_json, int64_t now)
{
    yc_keyring *kr = NULL;
    char why[512] = "";
    yc_err rv = yc_keyring_load_why(data, &kr, why, sizeof why);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit keys list: %s\n", why[0] ? why : yc_err_str(rv));
        return keys_exit(rv);
    }
    int rc = 0;
    json_t *arr = as_json ? json_array() : NULL;
    if (as_json && arr == NULL)
        rc = 5;
    for (size_t i = 0; rc == 0 && i < yc_keyring_count(kr); i++) {
        const yc_key_info *k = yc_keyring_info(kr, i);
        const char *state = yc_key_state_str(yc_keyring_state(k, now));
        if (as_json) {
            json_t *o = json_pack(
                "{s:s, s:s, s:s, s:I, s:I, s:o, s:o}", "kid", k->kid, "purpose",
                yc_key_purpose_str(k->purpose), "state", state, "created", (json_int_t)k->created,
                "not_before", (json_int_t)k->not_before, "retired_at",
                k->retired_at ? json_integer((json_int_t)k->retired_at) : json_null(), "drop_at",
                k->drop_at ? json_integer((json_int_t)k->drop_at) : json_null());
            if (o == NULL || json_array_append_new(arr, o) != 0)
                rc = 5;
        } else {
            char nb[32], ra[32], da[32];
            iso_utc(k->not_before, nb);
            iso_utc(k->retired_at, ra);
            iso_utc(k->drop_at, da);
            printf("%s %-11s %-9s %s %s %s\n", k->kid, yc_key_purpose_str(k->purpose), state, nb,
                   ra, da);
        }
    }
    if (rc == 0 && as_json) {
        char *text = json_dumps(arr, JSON_COMPACT);
        if (text == NULL)
            rc = 5;
        else
            printf("%s\n", text);
        yc_free(text);
    }
    json_decref(arr);
    yc_keyring_free(kr);
    return rc;
}

int cli_keys(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"purpose", required_argument, NULL, 'p'},
                                         {"publish-seconds", required_argument, NULL, 's'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data_opt = NULL, *purpose_s = NULL, *publish_s = NULL;
    bool as_json = false, force = false;
    /* A kid is base64url and may begin with '-', which getopt would take for options: the
     * first word after "retire" with a kid's shape is taken out before getopt runs (regression
     * of issue 6: `keys retire -3R6b…` was a usage error about 1 time in 64). */
    const char *dash_kid = NULL;
    for (int i = 1; i < argc && dash_kid == NULL; i++) {
        if (strcmp(argv[i], "retire") != 0)
            continue;
        for (int k = i + 1; k < argc; k++) /* no option or option value has a kid's shape */
            if (argv[k][0] == '-' && strlen(argv[k]) == YC_JWK_THUMBPRINT_LEN &&
                yc_store_b64url_id_chars_ok(argv[k], YC_JWK_THUMBPRINT_LEN)) {
                dash_kid = argv[k];
                memmove(&argv[k], &argv[k + 1], (size_t)(argc - k) * sizeof argv[0]);
                argc--;
                break;
            }
    }
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data_opt = optarg;
            break;
        case 'p':
            purpose_s = optarg;
            break;
        case 's':
            publish_s = optarg;
            break;
        case 'j':
            as_json = true;
            break;
        case 'f':
            force = true;
            break;
        case 'h':
            fputs(keys_usage, stdout);
            return 0;
        default:
            fputs(keys_usage, stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        fputs(keys_usage, stderr);
        return 2;
    }
    const char *sub = argv[optind++];
    const int nargs = argc - optind + (dash_kid != NULL);
    const bool is_new = strcmp(sub, "new") == 0, is_rotate = strcmp(sub, "rotate") == 0,
               is_list = strcmp(sub, "list") == 0, is_retire = strcmp(sub, "retire") == 0;
    /* Each subcommand takes only its own options. */
    const bool ok = (is_list && nargs == 0 && !purpose_s && !publish_s && !force) ||
                    ((is_new || is_rotate) && nargs == 0 && purpose_s && !as_json && !force) ||
                    (is_retire && nargs == 1 && !purpose_s && !publish_s && !as_json);
    if (!ok) {
        fprintf(stderr, "yrdcredit keys: wrong subcommand or arguments\n\n%s", keys_usage);
        return 2;
    }
    const char *data = cli_data_dir(data_opt);
    const int64_t now = (int64_t)time(NULL);
    if (is_list)
        return keys_list(data, as_json, now);

    yc_config cfg;
    const char *field = NULL;
    yc_err rv = yc_config_load(data, &cfg, &field);
    if (rv == YC_ERR_IO) {
        fprintf(stderr, "yrdcredit keys: no data directory at %s (run `yrdcredit init %s`)\n", data,
                data);
        return 4;
    }
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit keys: %s/config.json: %s: %s\n", data, field ? field : "?",
                yc_err_str(rv));
        return 2;
    }
    const int64_t max_validity_s = (int64_t)cfg.attest.max_validity_days * 86400;
    const int64_t grace_s = (int64_t)cfg.attest.key_grace_s;
    if (is_retire) {
        const char *kid = dash_kid != NULL ? dash_kid : argv[optind];
        rv = yc_keyring_retire(data, kid, now, max_validity_s, grace_s, force);
        if (rv == YC_ERR_CONFLICT)
            fprintf(stderr,
                    "yrdcredit keys retire: %s is already retired, or retiring it would leave its "
                    "purpose with no active or published key (add one with `keys new` or "
                    "`keys rotate`, or use --force)\n",
                    kid);
        else if (rv == YC_ERR_NOT_FOUND)
            fprintf(stderr, "yrdcredit keys retire: no key %s in %s/keys/signing.json\n", kid,
                    data);
        else if (rv != YC_OK)
            fprintf(stderr, "yrdcredit keys retire: %s\n", yc_err_str(rv));
        else
            printf("retired %s; it leaves the JWKS in %" PRId64 " s\n", kid,
                   max_validity_s + grace_s);
        const char *why = rv == YC_OK             ? (force ? "force" : "")
                          : rv == YC_ERR_CONFLICT ? "already retired or the last usable key"
                                                  : yc_err_str(rv);
        return cli_audit_record(data, YC_AUDIT_KEY_RETIRE, kid, rv == YC_OK, why, keys_exit(rv));
    }

    yc_key_purpose purpose;
    if (yc_key_purpose_parse(purpose_s, &purpose) != YC_OK) {
        fprintf(stderr, "yrdcredit keys %s: --purpose must be attestation or status_list\n", sub);
        return 2;
    }
    uint64_t publish = cfg.attest.key_publish_s;
    if (publish_s != NULL &&
        cli_parse_u64(publish_s, YC_CONFIG_KEY_PUBLISH_S_MAX, &publish) != YC_OK) {
        fprintf(stderr, "yrdcredit keys %s: --publish-seconds must be 0..%u\n", sub,
                YC_CONFIG_KEY_PUBLISH_S_MAX);
        return 2;
    }
    yc_keyring_stamp stamp;
    const bool existed = yc_keyring_stamp_get(data, &stamp) == YC_OK;
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    if (is_new)
        rv = yc_keyring_add(data, purpose, now, now + (int64_t)publish, kid);
    else
        rv = yc_keyring_rotate(data, purpose, now, (int64_t)publish, max_validity_s, grace_s, kid);
    if (rv != YC_OK) {
        char why[512] = "";
        yc_keyring *kr = NULL;
        /* The loader says which file or kid is at fault, if that is the cause. */
        if (rv == YC_ERR_INVALID || rv == YC_ERR_STORE || rv == YC_ERR_NOT_FOUND) {
            if (yc_keyring_load_why(data, &kr, why, sizeof why) == YC_OK)
                why[0] = '\0';
        }
        yc_keyring_free(kr);
        fprintf(stderr, "yrdcredit keys %s: %s\n", sub, why[0] ? why : yc_err_str(rv));
        char detail[96];
        (void)snprintf(detail, sizeof detail, "purpose=%s: %s", yc_key_purpose_str(purpose),
                       yc_err_str(rv));
        return cli_audit_record(data, is_new ? YC_AUDIT_KEY_NEW : YC_AUDIT_KEY_ROTATE, "", false,
                                detail, keys_exit(rv));
    }
    if (!existed)
        fprintf(stderr,
                "yrdcredit keys %s: created %s/keys/signing.json (and keys/master.key if it was "
                "missing)\n",
                sub, data);
    char nb[32];
    iso_utc(now + (int64_t)publish, nb);
    fprintf(stderr, "yrdcredit keys %s: new %s key %s, signs from %s\n", sub,
            yc_key_purpose_str(purpose), kid, nb);
    printf("%s\n", kid);
    char detail[64];
    (void)snprintf(detail, sizeof detail, "purpose=%s", yc_key_purpose_str(purpose));
    return cli_audit_record(data, is_new ? YC_AUDIT_KEY_NEW : YC_AUDIT_KEY_ROTATE, kid, true,
                            detail, 0);
}
