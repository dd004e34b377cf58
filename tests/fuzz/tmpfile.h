/* Helper for fuzz targets whose function under test reads a file by path: writes the input
 * into one file of a per-process temporary directory (made once under $TMPDIR or /tmp,
 * removed at exit).  Header-only; include from exactly one translation unit. */
#ifndef YC_FUZZ_TMPFILE_H
#define YC_FUZZ_TMPFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_tmp_dir[512];

static void fuzz_tmp_cleanup(void)
{
    char path[600];
    /* remove every file the targets write (the fixed names below) and the directory */
    static const char *const names[] = {"input",       "config.json", "310000.json",
                                        "330100.json", "330782.json", NULL};
    for (int i = 0; names[i] != NULL; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_tmp_dir, names[i]);
        unlink(path);
    }
    rmdir(fuzz_tmp_dir);
}

/* The temporary directory (NUL-terminated); aborts when it cannot be made. */
static const char *fuzz_tmp_dir_get(void)
{
    if (fuzz_tmp_dir[0] == '\0') {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_tmp_dir, sizeof fuzz_tmp_dir, "%s/yc-fuzz-XXXXXX",
                 t != NULL && t[0] != '\0' ? t : "/tmp");
        if (mkdtemp(fuzz_tmp_dir) == NULL)
            abort();
        atexit(fuzz_tmp_cleanup);
    }
    return fuzz_tmp_dir;
}

/* Write @p size bytes to <tmpdir>/<name>; returns the path (static buffer). */
static const char *fuzz_tmp_write(const char *name, const uint8_t *data, size_t size)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", fuzz_tmp_dir_get(), name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    return path;
}

#endif
