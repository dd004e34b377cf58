/* Instance configuration (DATA_DIR/config.json), parsed with Jansson. */
#include "yrdcredit/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "yrdcredit/alloc.h"

static yc_err join_path(const char *dir, const char *rel, char out[YC_CONFIG_PATH_MAX + 1])
{
    int n = rel[0] == '/' ? snprintf(out, YC_CONFIG_PATH_MAX + 1, "%s", rel)
                          : snprintf(out, YC_CONFIG_PATH_MAX + 1, "%s/%s", dir, rel);
    YC_ENSURE(n >= 0 && n <= YC_CONFIG_PATH_MAX, YC_ERR_TOO_LARGE);
    return YC_OK;
}

static yc_err get_path(json_t *root, const char *key, const char *data_dir,
                       char out[YC_CONFIG_PATH_MAX + 1], const char **ret_field)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        *ret_field = key;
        return YC_ERR_INVALID;
    }
    return join_path(data_dir, json_string_value(v), out);
}

static yc_err get_uint(json_t *obj, const char *key, const char *field, uint64_t lo, uint64_t hi,
                       uint64_t *ret, const char **ret_field)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < lo ||
        (uint64_t)json_integer_value(v) > hi) {
        *ret_field = field;
        return YC_ERR_INVALID;
    }
    *ret = (uint64_t)json_integer_value(v);
    return YC_OK;
}

static yc_err only_keys(json_t *obj, const char *const *keys, size_t n, const char *field,
                        const char **ret_field)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < n; i++)
            known = known || strcmp(k, keys[i]) == 0;
        if (!known) {
            *ret_field = field;
            return YC_ERR_INVALID;
        }
    }
    return YC_OK;
}

/* An optional unsigned key: absent keeps @p *ret (the default). */
static yc_err get_opt_uint(json_t *obj, const char *key, const char *field, uint64_t lo,
                           uint64_t hi, uint64_t *ret, const char **ret_field)
{
    if (json_object_get(obj, key) == NULL)
        return YC_OK;
    return get_uint(obj, key, field, lo, hi, ret, ret_field);
}

static yc_err parse_server(json_t *root, yc_config_server *srv, const char **ret_field)
{
    static const char *const keys[] = {"max_header_bytes",       "max_header_fields",
                                       "max_body_bytes",         "idle_timeout_ms",
                                       "max_concurrent_streams", "drain_timeout_ms"};
    uint64_t hb = YC_CONFIG_HEADER_BYTES_DEFAULT, hf = YC_CONFIG_HEADER_FIELDS_DEFAULT;
    uint64_t bb = YC_CONFIG_BODY_BYTES_DEFAULT, idle = YC_CONFIG_IDLE_TIMEOUT_MS_DEFAULT;
    uint64_t streams = YC_CONFIG_STREAMS_DEFAULT, drain = YC_CONFIG_DRAIN_MS_DEFAULT;
    json_t *server = json_object_get(root, "server");
    if (server != NULL) {
        if (!json_is_object(server)) {
            *ret_field = "server";
            return YC_ERR_INVALID;
        }
        YC_TRY(
            only_keys(server, keys, sizeof keys / sizeof *keys, "server: unknown key", ret_field));
        YC_TRY(get_opt_uint(server, "max_header_bytes", "server.max_header_bytes",
                            YC_CONFIG_HEADER_BYTES_MIN, YC_CONFIG_HEADER_BYTES_MAX, &hb,
                            ret_field));
        YC_TRY(get_opt_uint(server, "max_header_fields", "server.max_header_fields",
                            YC_CONFIG_HEADER_FIELDS_MIN, YC_CONFIG_HEADER_FIELDS_MAX, &hf,
                            ret_field));
        YC_TRY(get_opt_uint(server, "max_body_bytes", "server.max_body_bytes",
                            YC_CONFIG_BODY_BYTES_MIN, YC_CONFIG_BODY_BYTES_MAX, &bb, ret_field));
        YC_TRY(get_opt_uint(server, "idle_timeout_ms", "server.idle_timeout_ms",
                            YC_CONFIG_IDLE_TIMEOUT_MS_MIN, YC_CONFIG_IDLE_TIMEOUT_MS_MAX, &idle,
                            ret_field));
        YC_TRY(get_opt_uint(server, "max_concurrent_streams", "server.max_concurrent_streams",
                            YC_CONFIG_STREAMS_MIN, YC_CONFIG_STREAMS_MAX, &streams, ret_field));
        YC_TRY(get_opt_uint(server, "drain_timeout_ms", "server.drain_timeout_ms",
                            YC_CONFIG_DRAIN_MS_MIN, YC_CONFIG_DRAIN_MS_MAX, &drain, ret_field));
    }
    srv->max_header_bytes = (size_t)hb;
    srv->max_header_fields = (size_t)hf;
    srv->max_body_bytes = (size_t)bb;
    srv->idle_timeout_ms = (unsigned)idle;
    srv->max_concurrent_streams = (unsigned)streams;
    srv->drain_timeout_ms = (unsigned)drain;
    return YC_OK;
}

static yc_err parse(json_t *root, const char *data_dir, yc_config *cfg, const char **ret_field)
{
    static const char *const top[] = {"schema", "model",  "rules", "calendar",
                                      "store",  "import", "server"};
    static const char *const store_keys[] = {"map_size_mib"};
    static const char *const import_keys[] = {"batch_records"};
    if (!json_is_object(root)) {
        *ret_field = "(root)";
        return YC_ERR_INVALID;
    }
    YC_TRY(only_keys(root, top, sizeof top / sizeof *top, "(root): unknown key", ret_field));
    json_t *schema = json_object_get(root, "schema");
    if (!json_is_string(schema) || strcmp(json_string_value(schema), "yrdcredit-config/1") != 0) {
        *ret_field = "schema";
        return YC_ERR_INVALID;
    }
    YC_TRY(get_path(root, "model", data_dir, cfg->model_path, ret_field));
    YC_TRY(get_path(root, "rules", data_dir, cfg->rules_path, ret_field));
    YC_TRY(get_path(root, "calendar", data_dir, cfg->calendar_path, ret_field));
    json_t *store = json_object_get(root, "store");
    json_t *import = json_object_get(root, "import");
    if (!json_is_object(store)) {
        *ret_field = "store";
        return YC_ERR_INVALID;
    }
    if (!json_is_object(import)) {
        *ret_field = "import";
        return YC_ERR_INVALID;
    }
    YC_TRY(only_keys(store, store_keys, 1, "store: unknown key", ret_field));
    YC_TRY(only_keys(import, import_keys, 1, "import: unknown key", ret_field));
    YC_TRY(get_uint(store, "map_size_mib", "store.map_size_mib", YC_CONFIG_MAP_MIB_MIN,
                    YC_CONFIG_MAP_MIB_MAX, &cfg->map_size_mib, ret_field));
    uint64_t batch;
    YC_TRY(get_uint(import, "batch_records", "import.batch_records", YC_CONFIG_BATCH_MIN,
                    YC_CONFIG_BATCH_MAX, &batch, ret_field));
    cfg->batch_records = (size_t)batch;
    return parse_server(root, &cfg->server, ret_field);
}

yc_err yc_config_load(const char *data_dir, yc_config *ret_cfg, const char **ret_field)
{
    char path[YC_CONFIG_PATH_MAX + 1];
    const char *field = NULL;
    YC_TRY(join_path(data_dir, "config.json", path));
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return YC_ERR_IO;
    yc_core_init_json();
    json_error_t jerr;
    const long failures = yc_alloc_failures();
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (root == NULL) {
        /* Jansson reports most allocation failures as syntax errors (alloc.h). */
        if (json_error_code(&jerr) == json_error_out_of_memory || yc_alloc_failures() != failures)
            return YC_ERR_NOMEM;
        if (ret_field != NULL)
            *ret_field = "(not valid JSON)";
        return YC_ERR_INVALID;
    }
    yc_config cfg;
    yc_err rv = parse(root, data_dir, &cfg, &field);
    json_decref(root);
    if (rv != YC_OK) {
        if (ret_field != NULL)
            *ret_field = field;
        return rv;
    }
    *ret_cfg = cfg;
    return YC_OK;
}
