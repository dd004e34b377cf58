/* The CLI command `backup` (issue 7 scope item 7): a consistent compacted copy of a data
 * directory's LMDB environment, made by LMDB inside one read transaction while yrdcreditd
 * serves and writes, plus the files a data directory needs besides LMDB; key files only with
 * --with-keys.  Restoring is starting yrdcreditd (or any command) on the copy (README.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_backup.h"

static const char backup_usage[] =
    "usage: yrdcredit [--data DIR] backup [--with-keys] DEST\n"
    "Writes a backup of the data directory DIR into DEST, a new directory (created mode 0700;\n"
    "an existing empty directory is accepted, anything else is refused):\n"
    "  DEST/lmdb/data.mdb  a compacted copy of the store made by LMDB inside one read\n"
    "                      transaction: a snapshot of one committed state, taken while\n"
    "                      yrdcreditd keeps serving and writing;\n"
    "  every other file of DIR (config.json, model/, rules/, calendar.txt, policy/,\n"
    "  clients.json, trust/, tls/cert.pem, ...) with its mode, except lock and pid files;\n"
    "  key files (DIR/keys/: pseudonym.key, seal.key, master.key, signing.json, clients.key;\n"
    "  and the TLS private key) only with --with-keys, as mode 0600 files in a 0700 keys/.\n"
    "Without the keys the copy cannot read sealed data (individuals' identities, objection\n"
    "texts), pseudonymise, sign or accept tokens: yrdcreditd refuses to start on it until the\n"
    "key files are put back (a warning says so).  To restore: stop yrdcreditd and start it\n"
    "with --data DEST (or move DEST into the place of DIR).\n"
    "Exit status: 0 ok; 2 usage, DEST exists and is not empty, or DEST inside DIR;\n"
    "4 storage or I/O error (a partial DEST is left; remove it).\n";

enum { BK_PATH = PATH_MAX };

typedef struct bk_ctx {
    const char *data_dir;
    const char *dest;
    const char *tls_key; /* the configured TLS private key path (may be outside DIR) */
    bool with_keys;
    unsigned files, key_files;
    char skipped_keys[1024]; /* the key files left out, for the warning */
} bk_ctx;

static bool ends_with(const char *s, const char *suffix)
{
    const size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void note_skipped(bk_ctx *c, const char *rel)
{
    const size_t used = strlen(c->skipped_keys);
    (void)snprintf(c->skipped_keys + used, sizeof c->skipped_keys - used, "%s%s",
                   used > 0 ? ", " : "", rel);
}

/* Copies one regular file; mode as given.  fsync()s it. */
static int copy_one(const char *src, const char *dst, mode_t mode)
{
    const int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        fprintf(stderr, "yrdcredit backup: cannot read %s: %s\n", src, strerror(errno));
        return 4;
    }
    const int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        fprintf(stderr, "yrdcredit backup: cannot create %s: %s\n", dst, strerror(errno));
        close(in);
        return 4;
    }
    int rc = 0;
    char buf[65536];
    for (;;) {
        const ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "yrdcredit backup: cannot read %s: %s\n", src, strerror(errno));
            rc = 4;
            break;
        }
        for (ssize_t off = 0; off < n && rc == 0;) {
            const ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                fprintf(stderr, "yrdcredit backup: cannot write %s: %s\n", dst, strerror(errno));
                rc = 4;
            } else {
                off += w;
            }
        }
        if (rc != 0)
            break;
    }
    /* the umask does not narrow or widen what the source had */
    if (rc == 0 && (fchmod(out, mode) != 0 || fsync(out) != 0)) {
        fprintf(stderr, "yrdcredit backup: cannot write %s: %s\n", dst, strerror(errno));
        rc = 4;
    }
    close(in);
    if (close(out) != 0 && rc == 0) {
        fprintf(stderr, "yrdcredit backup: cannot write %s: %s\n", dst, strerror(errno));
        rc = 4;
    }
    return rc;
}

static int make_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) != 0 || chmod(path, mode) != 0) {
        fprintf(stderr, "yrdcredit backup: cannot create %s: %s\n", path, strerror(errno));
        return 4;
    }
    return 0;
}

/* Copies the directory REL of the data directory ("" for the top) into DEST/REL. */
static int copy_tree(bk_ctx *c, const char *rel, int depth)
{
    char src[BK_PATH], dst[BK_PATH];
    if ((size_t)snprintf(src, sizeof src, "%s%s%s", c->data_dir, *rel ? "/" : "", rel) >=
        sizeof src)
        return 4;
    if (depth > 16) {
        fprintf(stderr, "yrdcredit backup: %s: directories nested too deep\n", src);
        return 4;
    }
    DIR *d = opendir(src);
    if (d == NULL) {
        fprintf(stderr, "yrdcredit backup: cannot read %s: %s\n", src, strerror(errno));
        return 4;
    }
    const bool in_keys = strcmp(rel, "keys") == 0;
    int rc = 0;
    const struct dirent *e;
    while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        char r[BK_PATH], s[BK_PATH];
        if ((size_t)snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", name) >= sizeof r ||
            (size_t)snprintf(s, sizeof s, "%s/%s", c->data_dir, r) >= sizeof s ||
            (size_t)snprintf(dst, sizeof dst, "%s/%s", c->dest, r) >= sizeof dst) {
            fprintf(stderr, "yrdcredit backup: %s/%s: path too long\n", src, name);
            rc = 4;
            break;
        }
        /* the store is copied by LMDB; lock, pid and temporary files belong to processes */
        if ((depth == 0 && (strcmp(name, "lmdb") == 0 || strcmp(name, "yrdcreditd.pid") == 0)) ||
            ends_with(name, ".lock") || ends_with(name, ".tmp"))
            continue;
        struct stat sb;
        if (lstat(s, &sb) != 0) {
            fprintf(stderr, "yrdcredit backup: cannot stat %s: %s\n", s, strerror(errno));
            rc = 4;
            break;
        }
        if (S_ISDIR(sb.st_mode)) {
            const bool keys_dir = depth == 0 && strcmp(name, "keys") == 0;
            if (keys_dir && !c->with_keys) {
                /* name each key file left out in the warning */
                DIR *kd = opendir(s);
                const struct dirent *k;
                while (kd != NULL && (k = readdir(kd)) != NULL)
                    if (k->d_name[0] != '.' && !ends_with(k->d_name, ".lock")) {
                        char kr[BK_PATH];
                        if ((size_t)snprintf(kr, sizeof kr, "keys/%s", k->d_name) < sizeof kr)
                            note_skipped(c, kr);
                    }
                if (kd != NULL)
                    closedir(kd);
                continue;
            }
            rc = make_dir(dst, keys_dir ? 0700 : (sb.st_mode & 07777));
            if (rc == 0)
                rc = copy_tree(c, r, depth + 1);
        } else if (S_ISREG(sb.st_mode)) {
            const bool is_key = in_keys || strcmp(s, c->tls_key) == 0;
            if (is_key && !c->with_keys) {
                note_skipped(c, r);
                continue;
            }
            rc = copy_one(s, dst, is_key ? 0600 : (sb.st_mode & 0777));
            if (rc == 0) {
                c->files++;
                if (is_key)
                    c->key_files++;
            }
        } else {
            fprintf(stderr,
                    "yrdcredit backup: warning: %s is not a regular file or directory: "
                    "not copied\n",
                    s);
        }
    }
    if (rc == 0 && errno != 0) {
        fprintf(stderr, "yrdcredit backup: cannot read %s: %s\n", src, strerror(errno));
        rc = 4;
    }
    closedir(d);
    return rc;
}

/* DEST: created (mode 0700), or an existing empty directory; never inside the data dir. */
static int prepare_dest(const char *data_dir, const char *dest)
{
    if (mkdir(dest, 0700) != 0) {
        if (errno != EEXIST) {
            fprintf(stderr, "yrdcredit backup: cannot create %s: %s\n", dest, strerror(errno));
            return 4;
        }
        DIR *d = opendir(dest);
        if (d == NULL) {
            fprintf(stderr,
                    "yrdcredit backup: %s exists and is not a directory: choose a new "
                    "directory\n",
                    dest);
            return 2;
        }
        const struct dirent *e;
        bool empty = true;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                empty = false;
        closedir(d);
        if (!empty) {
            fprintf(stderr,
                    "yrdcredit backup: %s exists and is not empty: choose a new "
                    "directory\n",
                    dest);
            return 2;
        }
        if (chmod(dest, 0700) != 0) {
            fprintf(stderr, "yrdcredit backup: cannot chmod %s: %s\n", dest, strerror(errno));
            return 4;
        }
    }
    char rd[BK_PATH], rs[BK_PATH];
    if (realpath(dest, rd) == NULL || realpath(data_dir, rs) == NULL) {
        fprintf(stderr, "yrdcredit backup: cannot resolve %s: %s\n", dest, strerror(errno));
        return 4;
    }
    const size_t n = strlen(rs);
    if (strncmp(rd, rs, n) == 0 && (rd[n] == '/' || rd[n] == '\0')) {
        (void)rmdir(dest);
        fprintf(stderr,
                "yrdcredit backup: %s is inside the data directory %s: choose a "
                "directory outside it\n",
                dest, data_dir);
        return 2;
    }
    return 0;
}

static int run(const char *data_dir, const char *dest, bool with_keys)
{
    yc_config cfg;
    const char *field = NULL;
    yc_err rv = yc_config_load(data_dir, &cfg, &field);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit backup: %s/config.json: %s%s%s\n", data_dir, yc_err_str(rv),
                field != NULL ? ": " : "", field != NULL ? field : "");
        return rv == YC_ERR_IO ? 4 : 2;
    }
    yc_store *st = NULL;
    yc_store_opts so = {.map_size_bytes = cfg.map_size_mib * 1024u * 1024u};
    rv = yc_store_open(data_dir, &so, &st);
    if (rv != YC_OK) {
        fprintf(stderr, "yrdcredit backup: cannot open store in %s: %s\n", data_dir,
                yc_err_str(rv));
        return 4;
    }
    int rc = prepare_dest(data_dir, dest);
    if (rc != 0) {
        yc_store_close(st);
        return rc;
    }
    char lmdb[BK_PATH];
    if ((size_t)snprintf(lmdb, sizeof lmdb, "%s/lmdb", dest) >= sizeof lmdb) {
        fprintf(stderr, "yrdcredit backup: %s: path too long\n", dest);
        rc = 2;
    }
    if (rc == 0)
        rc = make_dir(lmdb, 0700);
    if (rc == 0) {
        rv = yc_store_backup(st, lmdb);
        if (rv != YC_OK) {
            fprintf(stderr, "yrdcredit backup: copying the store into %s failed: %s\n", lmdb,
                    yc_err_str(rv));
            rc = 4;
        }
    }
    yc_store_close(st);
    bk_ctx c = {
        .data_dir = data_dir, .dest = dest, .tls_key = cfg.tls_key_path, .with_keys = with_keys};
    if (rc == 0)
        rc = copy_tree(&c, "", 0);
    if (rc == 0) {
        /* the copied directory entries reach the disk too */
        const int fd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            rc = 4;
        if (fd >= 0)
            close(fd);
    }
    if (rc != 0) {
        fprintf(stderr, "yrdcredit backup: the backup in %s is incomplete: remove it\n", dest);
        return rc;
    }
    if (!with_keys && c.skipped_keys[0] != '\0')
        fprintf(stderr,
                "yrdcredit backup: warning: key files not copied (%s): without them the copy "
                "cannot read sealed data and yrdcreditd refuses to start on it; keep them safe "
                "or use --with-keys\n",
                c.skipped_keys);
    printf("backup of %s written to %s: lmdb/data.mdb and %u files (%u key files)\n", data_dir,
           dest, c.files, c.key_files);
    return fflush(stdout) == 0 ? 0 : 4;
}

int cli_backup(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"with-keys", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data_opt = NULL;
    bool with_keys = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data_opt = optarg;
            break;
        case 'k':
            with_keys = true;
            break;
        case 'h':
            fputs(backup_usage, stdout);
            return 0;
        default:
            fputs(backup_usage, stderr);
            return 2;
        }
    }
    if (optind + 1 != argc || argv[optind][0] == '\0') {
        fputs(backup_usage, stderr);
        return 2;
    }
    return run(cli_data_dir(data_opt), argv[optind], with_keys);
}
