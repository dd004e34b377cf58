/* The CLI command policy check|reload: validate DATA/policy/ and the model, and ask the running
 * yrdcreditd (DATA/yrdcreditd.pid) to reload them with SIGHUP. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli.h"
#include "yrdcredit/api.h"

static const char policy_usage[] =
    "usage: yrdcredit [--data DIR] policy check|reload\n"
    "check:  validate config.json, the score model, the calendar and every file of\n"
    "        DATA/policy/ (lists.json, recognition.json, measures/<region>.json) as the\n"
    "        server would load them; print the first problem, naming the file and the rule.\n"
    "reload: check, then send SIGHUP to the yrdcreditd serving DATA (DATA/yrdcreditd.pid);\n"
    "        it loads them again and logs the outcome, keeping the old ones on failure.\n"
    "        Then an audit entry (`yrdcredit audit`): ok when signalled, refused when the check\n"
    "        failed or no yrdcreditd serves DATA; exit 4 if that entry cannot be written.\n"
    "Exit status: 0 ok; 2 usage or a file fails validation; 3 no yrdcreditd serves DATA;\n"
    "4 I/O error.\n";

/* The pid in DATA/yrdcreditd.pid when that process is a yrdcreditd, else 0. */
static pid_t daemon_pid(const char *data)
{
    char path[4096], line[32] = "", exe_path[64], exe[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/yrdcreditd.pid", data) >= sizeof path)
        return 0;
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    const bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *end = NULL;
    errno = 0;
    const long pid = got ? strtol(line, &end, 10) : 0;
    if (errno != 0 || pid <= 1 || end == line || (*end != '\n' && *end != '\0'))
        return 0;
    /* a stale file may name a process that reused the id: check its program (the main
     * thread carries a worker's name, so /proc/PID/comm does not tell) */
    (void)snprintf(exe_path, sizeof exe_path, "/proc/%ld/exe", pid);
    const ssize_t n = readlink(exe_path, exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    static const char name[] = "/yrdcreditd", deleted[] = "/yrdcreditd (deleted)";
    const size_t len = (size_t)n;
    const bool ours =
        (len >= sizeof name - 1 && strcmp(exe + len - (sizeof name - 1), name) == 0) ||
        (len >= sizeof deleted - 1 && strcmp(exe + len - (sizeof deleted - 1), deleted) == 0);
    return ours ? (pid_t)pid : 0;
}

int cli_policy(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(policy_usage, stdout);
        return 0;
    }
    if (argc != 2 || (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "reload") != 0)) {
        fputs(policy_usage, stderr);
        return 2;
    }
    const char *data = cli_data_dir(NULL);
    char why[512];
    const yc_err e = yc_api_policy_check(data, why, sizeof why);
    const bool reload = strcmp(argv[1], "reload") == 0;
    if (e != YC_OK) {
        fprintf(stderr, "yrdcredit: policy: %s\n", why[0] != '\0' ? why : yc_err_str(e));
        const int st = e == YC_ERR_IO || e == YC_ERR_NOMEM ? 4 : 2;
        return reload
                   ? cli_audit_record(data, YC_AUDIT_POLICY_RELOAD, "", false, "check failed", st)
                   : st;
    }
    if (strcmp(argv[1], "check") == 0) {
        printf("policy ok: %s\n", data);
        return 0;
    }
    const pid_t pid = daemon_pid(data);
    if (pid == 0) {
        fprintf(stderr, "yrdcredit: policy: no yrdcreditd serves %s (%s/yrdcreditd.pid)\n", data,
                data);
        return cli_audit_record(data, YC_AUDIT_POLICY_RELOAD, "", false, "no yrdcreditd", 3);
    }
    if (kill(pid, SIGHUP) != 0) {
        fprintf(stderr, "yrdcredit: policy: cannot signal process %ld: %s\n", (long)pid,
                strerror(errno));
        return cli_audit_record(data, YC_AUDIT_POLICY_RELOAD, "", false, "signal failed", 4);
    }
    printf("policy ok: sent SIGHUP to yrdcreditd (pid %ld); it logs the reload\n", (long)pid);
    char detail[48];
    (void)snprintf(detail, sizeof detail, "sighup pid %ld", (long)pid);
    return cli_audit_record(data, YC_AUDIT_POLICY_RELOAD, "", true, detail, 0);
}
