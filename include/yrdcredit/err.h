/**
 * @file err.h
 * @brief The one error type of yrdcredit (STYLE.md §4.3).
 *
 * Global rules for every header in include/yrdcredit/: a pointer argument is
 * never NULL unless its doc says so; every length is in bytes; strings are
 * UTF-8 and NUL-terminated unless the doc says otherwise; an out-parameter
 * named ret_* is written only on YC_OK.
 */
#ifndef YRDCREDIT_ERR_H
#define YRDCREDIT_ERR_H

#define YC_MUST_USE __attribute__((warn_unused_result))

/* code, value, HTTP status, text */
#define YC_ERR_TABLE(X)                                       \
    X(YC_OK, 0, 200, "ok")                                    \
    X(YC_ERR_INVALID, -1, 400, "invalid argument or request") \
    X(YC_ERR_NOT_FOUND, -2, 404, "not found")                 \
    X(YC_ERR_CONFLICT, -3, 409, "already exists")             \
    X(YC_ERR_TOO_LARGE, -4, 413, "exceeds configured limit")  \
    X(YC_ERR_AUTH, -5, 401, "authentication failed")          \
    X(YC_ERR_AGAIN, -6, 503, "temporarily unavailable")       \
    X(YC_ERR_PROTO, -7, 400, "protocol violation")            \
    X(YC_ERR_IO, -8, 500, "I/O error")                        \
    X(YC_ERR_STORE, -9, 500, "storage error")                 \
    X(YC_ERR_NOMEM, -10, 503, "out of memory")                \
    X(YC_ERR_INTERNAL, -11, 500, "internal error")            \
    X(YC_ERR_FULL, -12, 507, "storage full (map or disk)")

/** Error codes: 0 is success, every failure is negative. */
typedef enum yc_err {
#define YC_ERR_ENUM_(name, value, http, text) name = (value),
    YC_ERR_TABLE(YC_ERR_ENUM_)
#undef YC_ERR_ENUM_
} yc_err;

/** Propagate a non-zero yc_err from @p expr (one of the two allowed macros). */
#define YC_TRY(expr)                \
    do {                            \
        yc_err yc_try_rv_ = (expr); \
        if (yc_try_rv_ != YC_OK)    \
            return yc_try_rv_;      \
    } while (0)

/** Return @p err when @p cond is false (the second allowed macro). */
#define YC_ENSURE(cond, err) \
    do {                     \
        if (!(cond))         \
            return (err);    \
    } while (0)

/**
 * @brief Human-readable text of an error code.
 * @param[in] e  Any value; values outside the table give "unknown error".
 * @return A static NUL-terminated string; never NULL; do not free.
 * @par Source: STYLE.md §4.3.
 */
const char *yc_err_str(yc_err e);

/**
 * @brief HTTP status code an error maps to (RFC 9110 §15).
 * @param[in] e  Any value; values outside the table give 500.
 * @return 200 for YC_OK, a 4xx or 5xx status otherwise.
 * @par Source: STYLE.md §4.3 table.
 */
int yc_err_http_status(yc_err e);

/**
 * @brief Process exit code the CLI uses for an error (documented in `yrdcredit --help`).
 *
 * 0 ok; 2 usage or invalid input (YC_ERR_INVALID, YC_ERR_PROTO, YC_ERR_TOO_LARGE);
 * 3 not found (YC_ERR_NOT_FOUND); 4 storage or I/O (YC_ERR_STORE, YC_ERR_IO,
 * YC_ERR_FULL); 5 other failures.
 * @param[in] e  Any value.
 * @return An exit status in 0..5.
 */
int yc_err_exit_code(yc_err e);

#endif
