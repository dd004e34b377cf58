/**
 * @file fileio.h
 * @brief Reading small configuration and data files (model, rule table) whole.
 */
#ifndef YRDCREDIT_FILEIO_H
#define YRDCREDIT_FILEIO_H

#include <stddef.h>

#include "yrdcredit/err.h"

/**
 * @brief Read a whole file of at most @p max_len bytes into a new buffer.
 *
 * One byte past the limit is read to tell "exactly the limit" from "too large".
 *
 * @param[in]  path     NUL-terminated file path.
 * @param[in]  max_len  Largest accepted size in bytes, 0..SIZE_MAX-1.
 * @param[out] ret_buf  On YC_OK: @p ret_len bytes plus a NUL after them (not counted), from
 *                      yc_alloc(); the caller frees it with yc_free().
 * @param[out] ret_len  On YC_OK: the file's size in bytes.
 * @retval YC_OK
 * @retval YC_ERR_IO         the file cannot be opened or read (errno is left as the C
 *                           library set it)
 * @retval YC_ERR_TOO_LARGE  the file is longer than @p max_len bytes
 * @retval YC_ERR_NOMEM      allocation failed
 */
YC_MUST_USE yc_err yc_file_read_all(const char *path, size_t max_len, char **ret_buf,
                                    size_t *ret_len);

#endif
