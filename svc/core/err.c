#include "yrdcredit/err.h"

const char *yc_err_str(yc_err e)
{
    switch (e) {
#define YC_ERR_STR_(name, value, http, text) \
    case name:                               \
        return text;
        YC_ERR_TABLE(YC_ERR_STR_)
#undef YC_ERR_STR_
    default:
        return "unknown error";
    }
}

int yc_err_http_status(yc_err e)
{
    switch (e) {
#define YC_ERR_HTTP_(name, value, http, text) \
    case name:                                \
        return http;
        YC_ERR_TABLE(YC_ERR_HTTP_)
#undef YC_ERR_HTTP_
    default:
        return 500;
    }
}

int yc_err_exit_code(yc_err e)
{
    switch (e) {
    case YC_OK:
        return 0;
    case YC_ERR_INVALID:
    case YC_ERR_PROTO:
    case YC_ERR_TOO_LARGE:
        return 2;
    case YC_ERR_NOT_FOUND:
        return 3;
    case YC_ERR_STORE:
    case YC_ERR_IO:
    case YC_ERR_FULL:
        return 4;
    default:
        return 5;
    }
}
