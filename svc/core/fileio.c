/* Whole-file reads for small configuration and data files. */
#include "yrdcredit/fileio.h"

#include <stdio.h>

#include "yrdcredit/alloc.h"

yc_err yc_file_read_all(const char *path, size_t max_len, char **ret_buf, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return YC_ERR_IO;
    yc_err rv = YC_OK;
    char *buf = yc_alloc(max_len + 2);
    size_t len = 0;
    if (buf == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    len = fread(buf, 1, max_len + 1, f);
    if (ferror(f))
        rv = YC_ERR_IO;
    else if (len > max_len)
        rv = YC_ERR_TOO_LARGE;
out:
    fclose(f);
    if (rv != YC_OK) {
        yc_free(buf);
        return rv;
    }
    buf[len] = '\0';
    *ret_buf = buf;
    *ret_len = len;
    return YC_OK;
}
