/**
 * @file config.h
 * @brief Instance configuration read from DATA_DIR/config.json (copied from etc/ by
 *        `yrdcredit init`).  Paths in the file are relative to the data directory.
 */
#ifndef YRDCREDIT_CONFIG_H
#define YRDCREDIT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"

/** Longest path the configuration accepts, in bytes without the NUL. */
#define YC_CONFIG_PATH_MAX 4095

/** Limits for numeric settings (inclusive). */
#define YC_CONFIG_MAP_MIB_MIN 1
#define YC_CONFIG_MAP_MIB_MAX (1024 * 1024) /* 1 TiB */
#define YC_CONFIG_BATCH_MIN   1
#define YC_CONFIG_BATCH_MAX   1000000

/** Defaults and limits (inclusive) of the optional "server" object; the defaults equal those of
 * include/yrdcredit/h2.h and api.h (yrdcreditd checks that at compile time). */
#define YC_CONFIG_HEADER_BYTES_DEFAULT    16384
#define YC_CONFIG_HEADER_BYTES_MIN        1024
#define YC_CONFIG_HEADER_BYTES_MAX        (1024 * 1024)
#define YC_CONFIG_HEADER_FIELDS_DEFAULT   100
#define YC_CONFIG_HEADER_FIELDS_MIN       8
#define YC_CONFIG_HEADER_FIELDS_MAX       1000
#define YC_CONFIG_BODY_BYTES_DEFAULT      (1024 * 1024)
#define YC_CONFIG_BODY_BYTES_MIN          1
#define YC_CONFIG_BODY_BYTES_MAX          (64 * 1024 * 1024)
#define YC_CONFIG_IDLE_TIMEOUT_MS_DEFAULT 60000
#define YC_CONFIG_IDLE_TIMEOUT_MS_MIN     1000
#define YC_CONFIG_IDLE_TIMEOUT_MS_MAX     3600000
#define YC_CONFIG_STREAMS_DEFAULT         100
#define YC_CONFIG_STREAMS_MIN             1
#define YC_CONFIG_STREAMS_MAX             1000
#define YC_CONFIG_DRAIN_MS_DEFAULT        3000
#define YC_CONFIG_DRAIN_MS_MIN            100
#define YC_CONFIG_DRAIN_MS_MAX            60000

/** Limits of the HTTP/2 service (the "server" object; every key optional).  Documented in
 * etc/yrdcredit.conf.example. */
typedef struct yc_config_server {
    size_t max_header_bytes;         /**< header block of one request, bytes (431 past it) */
    size_t max_header_fields;        /**< header fields of one request (431 past it) */
    size_t max_body_bytes;           /**< request body, bytes (413 past it); transport and API */
    unsigned idle_timeout_ms;        /**< idle connection timeout, milliseconds */
    unsigned max_concurrent_streams; /**< SETTINGS_MAX_CONCURRENT_STREAMS per connection */
    unsigned drain_timeout_ms;       /**< bound on the drain after SIGTERM, milliseconds */
} yc_config_server;

/** Resolved configuration.  Fields are public; strings are NUL-terminated absolute-or-relative
 * paths. */
typedef struct yc_config {
    char model_path[YC_CONFIG_PATH_MAX + 1];    /**< score model JSON */
    char rules_path[YC_CONFIG_PATH_MAX + 1];    /**< 处罚类别 rule table JSON */
    char calendar_path[YC_CONFIG_PATH_MAX + 1]; /**< working-day calendar */
    uint64_t map_size_mib;                      /**< LMDB map size in MiB */
    size_t batch_records;                       /**< records per write transaction on import */
    yc_config_server server;                    /**< yrdcreditd limits; defaults if absent */
} yc_config;

/**
 * @brief Load DATA_DIR/config.json and resolve its relative paths against @p data_dir.
 *
 * Unknown keys are rejected (a typo must not silently fall back to a default).  The "server"
 * object and each of its keys are optional (the YC_CONFIG_*_DEFAULT values apply), so data
 * directories initialised before it existed still load.
 *
 * @param[in]  data_dir   NUL-terminated data directory.
 * @param[out] ret_cfg    Filled on YC_OK.
 * @param[out] ret_field  On YC_ERR_INVALID, a static string naming the offending key
 *                        (e.g. "store.map_size_mib", "server.max_body_bytes"); may be NULL.
 * @retval YC_OK
 * @retval YC_ERR_IO        config.json missing or unreadable
 * @retval YC_ERR_INVALID   not JSON, duplicate or unknown key, wrong type, value out of range
 * @retval YC_ERR_TOO_LARGE a resolved path longer than YC_CONFIG_PATH_MAX
 * @retval YC_ERR_NOMEM     allocation failed (Jansson routes through yc_alloc)
 * @par Source: ARCHITECTURE.md "Layout" (etc/ holds data, not code); issue 3 items 1 and 4
 *      (every limit has a config key and a default; etc/yrdcredit.conf.example).
 */
YC_MUST_USE yc_err yc_config_load(const char *data_dir, yc_config *ret_cfg, const char **ret_field);

#endif
