/* Internal to svc/bin: the operator CLI's commands and shared helpers. */
#ifndef YRDCREDIT_CLI_H
#define YRDCREDIT_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "yrdcredit/config.h"
#include "yrdcredit/err.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_audit.h"

/* Each command: argv[0] is the command name; returns the process exit status. */
int cli_init(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_score(int argc, char **argv);
int cli_records(int argc, char **argv);
int cli_lookup(int argc, char **argv);
int cli_gen(int argc, char **argv);
int cli_keys(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_present(int argc, char **argv);
int cli_trust(int argc, char **argv);
int cli_policy(int argc, char **argv);
int cli_share(int argc, char **argv);
int cli_clients(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_purge(int argc, char **argv); /* issue 6 item 8: the retention job (cmd_purge.c) */
/* issue 7 F commands */
int cli_backup(int argc, char **argv); /* issue 7 item 7: online backup (cmd_backup.c) */

/* Append an audit entry (actor "cli:<unix user>") for an admin action the command has just
 * done (@p ok) or refused (!@p ok), in a durable transaction of its own (cmd_audit.c).  A
 * @p target or @p detail the log may not hold (store_audit.h: no document number, token or
 * non-ASCII text) is stored as "(withheld)".  Returns @p status when the entry was written;
 * otherwise prints why on stderr and returns @p status, or 4 when @p status is 0 (the action
 * happened but is not in the log).  _store: through an already open store. */
int cli_audit_record(const char *data_dir, yc_audit_action action, const char *target, bool ok,
                     const char *detail, int status);
int cli_audit_record_store(yc_store *st, yc_audit_action action, const char *target, bool ok,
                           const char *detail, int status);

/* Decimal integer 0..max, no sign, no spaces. */
YC_MUST_USE yc_err cli_parse_u64(const char *s, uint64_t max, uint64_t *ret);

/* The data directory: --data, else $YRDCREDIT_DATA, else ./var/yrdcredit. */
const char *cli_data_dir(const char *opt);

/* Where `init` finds the default etc/ files: $YRDCREDIT_ETC, else the source tree's etc/. */
const char *cli_etc_dir(void);

#endif
