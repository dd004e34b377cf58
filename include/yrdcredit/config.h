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

/** Resolved configuration.  Fields are public; strings are NUL-terminated absolute-or-relative
 * paths. */
typedef struct yc_config {
    char model_path[YC_CONFIG_PATH_MAX + 1];    /**< score model JSON */
    char rules_path[YC_CONFIG_PATH_MAX + 1];    /**< 处罚类别 rule table JSON */
    char calendar_path[YC_CONFIG_PATH_MAX + 1]; /**< working-day calendar */
    uint64_t map_size_mib;                      /**< LMDB map size in MiB */
    size_t batch_records;                       /**< records per write transaction on import */
} yc_config;

/**
 * @brief Load DATA_DIR/config.json and resolve its relative paths against @p data_dir.
 *
 * Unknown keys are rejected (a typo must not silently fall back to a default).
 *
 * @param[in]  data_dir   NUL-terminated data directory.
 * @param[out] ret_cfg    Filled on YC_OK.
 * @param[out] ret_field  On YC_ERR_INVALID, a static string naming the offending key
 *                        (e.g. "store.map_size_mib"); may be NULL.
 * @retval YC_OK
 * @retval YC_ERR_IO        config.json missing or unreadable
 * @retval YC_ERR_INVALID   not JSON, duplicate or unknown key, wrong type, value out of range
 * @retval YC_ERR_TOO_LARGE a resolved path longer than YC_CONFIG_PATH_MAX
 * @retval YC_ERR_NOMEM     allocation failed (Jansson routes through yc_alloc)
 * @par Source: ARCHITECTURE.md "Layout" (etc/ holds data, not code).
 */
YC_MUST_USE yc_err yc_config_load(const char *data_dir, yc_config *ret_cfg, const char **ret_field);

#endif
