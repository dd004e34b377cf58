/**
 * @file config.h
 * @brief Instance configuration read from DATA_DIR/config.json (copied from etc/ by
 *        `yrdcredit init`).  Paths in the file are relative to the data directory.
 */
#ifndef YRDCREDIT_CONFIG_H
#define YRDCREDIT_CONFIG_H

#include <stdbool.h>
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
#define YC_CONFIG_DISCARD_BYTES_DEFAULT   (64 * 1024 * 1024)
#define YC_CONFIG_DISCARD_BYTES_MIN       0 /* 0: reset the stream after an early response */
#define YC_CONFIG_DISCARD_BYTES_MAX       (1024 * 1024 * 1024)
#define YC_CONFIG_CONN_BODY_BYTES_DEFAULT (8 * 1024 * 1024) /* issue 7 J */
#define YC_CONFIG_BODY_TOTAL_DEFAULT      (256 * 1024 * 1024)
#define YC_CONFIG_BODY_BUDGET_MIN         1 /* raised to max_body_bytes if smaller */
#define YC_CONFIG_BODY_BUDGET_MAX         ((uint64_t)64 * 1024 * 1024 * 1024)
#define YC_CONFIG_IDLE_TIMEOUT_MS_DEFAULT 60000
#define YC_CONFIG_IDLE_TIMEOUT_MS_MIN     1000
#define YC_CONFIG_IDLE_TIMEOUT_MS_MAX     3600000
#define YC_CONFIG_STREAMS_DEFAULT         100
#define YC_CONFIG_STREAMS_MIN             1
#define YC_CONFIG_STREAMS_MAX             1000
#define YC_CONFIG_DRAIN_MS_DEFAULT        3000
#define YC_CONFIG_DRAIN_MS_MIN            100
#define YC_CONFIG_DRAIN_MS_MAX            60000
#define YC_CONFIG_WORKERS_DEFAULT         0 /* the number of online CPUs */
#define YC_CONFIG_WORKERS_MIN             0
#define YC_CONFIG_WORKERS_MAX             256
#define YC_CONFIG_CONNECTIONS_DEFAULT     4096
#define YC_CONFIG_CONNECTIONS_MIN         1
#define YC_CONFIG_CONNECTIONS_MAX         1000000
#define YC_CONFIG_OUTBOUND_QUEUE_DEFAULT  5000
#define YC_CONFIG_OUTBOUND_QUEUE_MIN      16
#define YC_CONFIG_OUTBOUND_QUEUE_MAX      1000000
#define YC_CONFIG_HIGH_WATER_DEFAULT      (64 * 1024)
#define YC_CONFIG_HIGH_WATER_MIN          4096
#define YC_CONFIG_HIGH_WATER_MAX          (16 * 1024 * 1024)
#define YC_CONFIG_GLITCH_BURST_DEFAULT    1000
#define YC_CONFIG_GLITCH_RATE_DEFAULT     100
#define YC_CONFIG_RESET_BURST_DEFAULT     1000
#define YC_CONFIG_RESET_RATE_DEFAULT      33
#define YC_CONFIG_BUCKET_MIN              1 /* burst and rate of both buckets */
#define YC_CONFIG_BUCKET_MAX              1000000
#define YC_CONFIG_CONTINUATIONS_DEFAULT   8
#define YC_CONFIG_CONTINUATIONS_MIN       1
#define YC_CONFIG_CONTINUATIONS_MAX       1024
#define YC_CONFIG_HANDSHAKE_MS_DEFAULT    10000
#define YC_CONFIG_PREFACE_MS_DEFAULT      10000
#define YC_CONFIG_HEADER_MS_DEFAULT       10000
#define YC_CONFIG_BODY_MS_DEFAULT         30000
#define YC_CONFIG_WRITE_MS_DEFAULT        30000
#define YC_CONFIG_TIMEOUT_MS_MIN          100 /* handshake, preface, header, body, write */
#define YC_CONFIG_TIMEOUT_MS_MAX          600000
#define YC_CONFIG_LISTEN_DEFAULT          "127.0.0.1:8443"
#define YC_CONFIG_H2C_LISTEN_DEFAULT      "127.0.0.1:8080"
#define YC_CONFIG_TLS_CERT_DEFAULT        "tls/cert.pem"
#define YC_CONFIG_TLS_KEY_DEFAULT         "tls/key.pem"

/** Default and limits (inclusive) of api.score_cache_entries: GET score responses kept per
 * worker thread of yrdcreditd (about 0.6 KiB each; 0 = no cache).  The maximum equals
 * YC_API_SCORE_CACHE_MAX. */
#define YC_CONFIG_SCORE_CACHE_DEFAULT 16384
#define YC_CONFIG_SCORE_CACHE_MIN     0
#define YC_CONFIG_SCORE_CACHE_MAX     (1024 * 1024)
/** Largest policy.notice_working_days (as YC_LIST_NOTICE_DAYS_MAX). */
#define YC_CONFIG_NOTICE_DAYS_MAX 60

/** Limits (inclusive) and defaults of the "attest" object (issue 4; attestations.md §1.3, §2,
 * §3.1).  Documented in etc/yrdcredit.conf.example. */
#define YC_CONFIG_ISSUER_MAX                255 /* bytes of attest.issuer */
#define YC_CONFIG_ISSUER_DEFAULT            "https://attest.yiwu-credit.example"
#define YC_CONFIG_CITY_MAX                  63 /* bytes of attest.issuer_city (UTF-8) */
#define YC_CONFIG_CITY_DEFAULT              "Yiwu"
#define YC_CONFIG_REGION_DEFAULT            "330782" /* GB/T 2260 行政区划代码 of Yiwu */
#define YC_CONFIG_VALIDITY_DAYS_DEFAULT     30
#define YC_CONFIG_MAX_VALIDITY_DAYS_DEFAULT 90
#define YC_CONFIG_VALIDITY_DAYS_MIN         1
#define YC_CONFIG_VALIDITY_DAYS_MAX         365 /* under the verifier's 400-day lifetime cap */
#define YC_CONFIG_STATUS_TTL_S_DEFAULT      300
#define YC_CONFIG_STATUS_TTL_S_MIN          1
#define YC_CONFIG_STATUS_TTL_S_MAX          86400
#define YC_CONFIG_STATUS_ENTRIES_DEFAULT    131072 /* 2^17 (attestations.md §0.4) */
#define YC_CONFIG_STATUS_ENTRIES_MIN        16
#define YC_CONFIG_STATUS_ENTRIES_MAX        (1u << 24)
#define YC_CONFIG_KEY_PUBLISH_S_DEFAULT     3600
#define YC_CONFIG_KEY_PUBLISH_S_MAX         (30u * 86400u)
#define YC_CONFIG_KEY_GRACE_S_DEFAULT       86400
#define YC_CONFIG_KEY_GRACE_S_MAX           (30u * 86400u)
#define YC_CONFIG_COMMIT_QUEUE_DEFAULT      8192
#define YC_CONFIG_COMMIT_QUEUE_MIN          1
#define YC_CONFIG_COMMIT_QUEUE_MAX          1000000
#define YC_CONFIG_PARTNER_ALGS_MAX          64 /* entries of attest.partner_algs */

/** One entry of attest.partner_algs: tokens issued with this `aud` use this JWS alg. */
typedef struct yc_config_partner_alg {
    char aud[YC_CONFIG_ISSUER_MAX + 1]; /**< the partner's audience string, 1..255 bytes */
    bool ed25519;                       /**< true: "Ed25519" (RFC 9864); false: "EdDSA" */
} yc_config_partner_alg;

/** Settings of the attestation issuer (the optional "attest" object). */
typedef struct yc_config_attest {
    char issuer[YC_CONFIG_ISSUER_MAX + 1];    /**< `iss`: "https://" URL without query, fragment
                                                   or trailing '/' */
    char issuer_city[YC_CONFIG_CITY_MAX + 1]; /**< `issuer_city`, UTF-8 */
    char issuer_region[7];                    /**< `issuer_region`: 6-digit 行政区划代码 */
    unsigned default_validity_days;           /**< validity when a request names none */
    unsigned max_validity_days;               /**< largest validity_days a request may ask */
    unsigned status_list_ttl_s;               /**< `ttl` of the status-list token, seconds */
    unsigned status_list_entries;             /**< entries per status list (multiple of 8) */
    unsigned key_publish_s;                   /**< `keys rotate`: seconds a new key is in the
                                                   JWKS before it signs */
    unsigned key_grace_s;                     /**< seconds a retired key stays in the JWKS after
                                                   its last possible token expiry */
    unsigned commit_queue;                    /**< attestation writes waiting for the group
                                                   commit; past it: 503 */
    bool default_ed25519;                     /**< attest.alg: true "Ed25519", false "EdDSA" */
    size_t n_partner_algs;                    /**< entries in @c partner_algs */
    yc_config_partner_alg partner_algs[YC_CONFIG_PARTNER_ALGS_MAX];
} yc_config_attest;

/** Longest listener host (a numeric IPv6 address), in bytes without the NUL. */
#define YC_CONFIG_HOST_MAX 45

/** One listening address: "HOST:PORT", "[V6]:PORT" or "off". */
typedef struct yc_config_listen {
    bool enabled;                      /**< false for "off" */
    char host[YC_CONFIG_HOST_MAX + 1]; /**< numeric IPv4 or IPv6 address, without brackets */
    uint16_t port;                     /**< TCP port; 0 = any free port */
} yc_config_listen;

/** Settings of the HTTP/2 service (the "server" object; every key optional).  Documented in
 * etc/yrdcredit.conf.example. */
typedef struct yc_config_server {
    size_t max_header_bytes;         /**< header block of one request, bytes (431 past it) */
    size_t max_header_fields;        /**< header fields of one request (431 past it) */
    size_t max_body_bytes;           /**< request body, bytes (413 past it); transport and API */
    unsigned idle_timeout_ms;        /**< no open stream for this long: GOAWAY, close */
    unsigned max_concurrent_streams; /**< SETTINGS_MAX_CONCURRENT_STREAMS per connection */
    unsigned drain_timeout_ms;       /**< bound on the drain after SIGTERM, milliseconds */
    unsigned workers;                /**< worker threads; 0 = the number of online CPUs */
    yc_config_listen listen;         /**< TLS listener */
    yc_config_listen h2c_listen;     /**< h2c (prior knowledge) listener */
    unsigned max_connections;        /**< open connections, all workers and listeners */
    size_t max_outbound_queue;       /**< nghttp2 outbound queue frames after a receive */
    size_t output_high_water;        /**< gathered output bytes at which reading stops */
    unsigned glitch_burst;           /**< glitch token bucket size */
    unsigned glitch_rate_per_s;      /**< glitch token bucket refill per second */
    unsigned reset_burst;            /**< incoming RST_STREAM bucket size (nghttp2) */
    unsigned reset_rate_per_s;       /**< its refill per second */
    unsigned max_continuations;      /**< CONTINUATION frames after one HEADERS */
    unsigned handshake_timeout_ms;   /**< TLS handshake */
    unsigned preface_timeout_ms;     /**< client preface + first SETTINGS */
    unsigned header_timeout_ms;      /**< first HEADERS frame to END_HEADERS */
    unsigned body_timeout_ms;        /**< no body bytes on a stream with an incomplete body */
    unsigned write_timeout_ms;       /**< output pending and no byte written */
    size_t max_discard_bytes;        /**< body bytes dropped after an early response (413,
                                          408, 431) before RST_STREAM; 0: reset at once */
    size_t max_conn_body_bytes;      /**< request-body buffer bytes of one connection; past
                                          it: RST_STREAM REFUSED_STREAM (issue 7 J) */
    size_t max_body_bytes_total;     /**< the same for all connections (issue 7 J) */
} yc_config_server;

/** Settings of the HTTP API (the optional "api" object).  Documented in
 * etc/yrdcredit.conf.example. */
typedef struct yc_config_api {
    size_t score_cache_entries; /**< score responses cached per worker; 0 = no cache */
} yc_config_api;

/** Settings of the 联合奖惩 policy (the optional "policy" object, issue 5). */
typedef struct yc_config_policy {
    /** true when config.json sets `notice_working_days`; false: the value of
     *  DATA/policy/lists.json applies. */
    bool has_notice_working_days;
    /** `notice_working_days`: prior notice, in working days, before a serious-dishonesty
     *  listing this instance derives takes effect (浙江省公共信用信息管理条例 Art.24),
     *  0..YC_CONFIG_NOTICE_DAYS_MAX; 0 when absent. */
    unsigned notice_working_days;
} yc_config_policy;

/** Settings of access control (the optional "auth" object, issue 6). */
typedef struct yc_config_auth {
    /** `required`: when true, yc_api_handle() enforces the route × role table
     *  (include/yrdcredit/authz.h) before dispatch: a non-public route without a token is 401,
     *  with an invalid or revoked token 401, with a malformed `authorization` 400, and a role
     *  the table does not allow 403.  true is the default (also when "auth" or "required" is
     *  absent).  An explicit false refuses no route for want of a token: only for a demo
     *  listening on loopback, never for an instance reachable from a network. */
    bool required;
} yc_config_auth;

/** Defaults and bounds of the optional "rate_limit" object (issue 6 item 1, engineer E). */
#define YC_CONFIG_RATE_CLIENT_RPS_DEFAULT   200
#define YC_CONFIG_RATE_CLIENT_BURST_DEFAULT 400
#define YC_CONFIG_RATE_VERIFY_RPS_DEFAULT   20
#define YC_CONFIG_RATE_VERIFY_BURST_DEFAULT 40
#define YC_CONFIG_RATE_RPS_MAX              1000000 /* requests per second; 0 = that limit is off */
#define YC_CONFIG_RATE_BURST_MIN            1
#define YC_CONFIG_RATE_BURST_MAX            1000000 /* requests */

/** Token buckets of the optional "rate_limit" object (issue 6 item 1): one per client (every
 *  route; admins are not metered) and one per peer address (anonymous callers of POST
 *  /v1/attestations/verify).  Over the limit: 429 with retry-after. */
typedef struct yc_config_rate_limit {
    unsigned per_client_rps;         /**< refill per second, 0..YC_CONFIG_RATE_RPS_MAX; 0 = off */
    unsigned burst;                  /**< bucket size, YC_CONFIG_RATE_BURST_MIN..MAX */
    unsigned verify_per_address_rps; /**< refill per second, 0..MAX; 0 = off */
    unsigned verify_burst;           /**< bucket size, YC_CONFIG_RATE_BURST_MIN..MAX */
} yc_config_rate_limit;

/** Default and bound of "retention.interval_s" (issue 6 item 8, engineer E). */
#define YC_CONFIG_RETENTION_INTERVAL_DEFAULT 86400
#define YC_CONFIG_RETENTION_INTERVAL_MAX     (30u * 86400u)

/** The optional "retention" object (issue 6 item 8): yrdcreditd runs the retention job
 *  (include/yrdcredit/retention.h) at start-up and then every @c interval_s seconds. */
typedef struct yc_config_retention {
    unsigned interval_s; /**< 0 (the server never purges; `yrdcredit purge` still does) or
                              1..YC_CONFIG_RETENTION_INTERVAL_MAX seconds; default 86400 */
} yc_config_retention;

/** Default and bounds of "objections.deadline_working_days" (issue 6 item 5, engineer C). */
#define YC_CONFIG_OBJECTION_DEADLINE_DEFAULT 5
#define YC_CONFIG_OBJECTION_DEADLINE_MIN     1
#define YC_CONFIG_OBJECTION_DEADLINE_MAX     60

/** The optional "objections" object (issue 6 item 5): an objection is to be resolved within
 *  @c deadline_working_days working days of the policy calendar after the day it was filed. */
typedef struct yc_config_objections {
    unsigned deadline_working_days; /**< YC_CONFIG_OBJECTION_DEADLINE_MIN..MAX; default 5
                                         (浙江省公共信用信息管理条例: 5 working days) */
} yc_config_objections;

/** Resolved configuration.  Fields are public; strings are NUL-terminated absolute-or-relative
 * paths. */
typedef struct yc_config {
    char model_path[YC_CONFIG_PATH_MAX + 1];    /**< score model JSON */
    char rules_path[YC_CONFIG_PATH_MAX + 1];    /**< 处罚类别 rule table JSON */
    char calendar_path[YC_CONFIG_PATH_MAX + 1]; /**< working-day calendar */
    uint64_t map_size_mib;                      /**< LMDB map size in MiB */
    size_t batch_records;                       /**< records per write transaction on import */
    yc_config_server server;                    /**< yrdcreditd settings; defaults if absent */
    char tls_cert_path[YC_CONFIG_PATH_MAX + 1]; /**< PEM certificate of the TLS listener */
    char tls_key_path[YC_CONFIG_PATH_MAX + 1];  /**< its PEM private key */
    /** `tls.client_auth`: "optional" (the default) asks TLS clients for a certificate, accepts
     *  any or none, and pins partners by the SHA-256 of its key (docs/mtls.md); "off" asks
     *  for none, so a partner pinned in the trust registry cannot authenticate (issue 6 item 1) */
    bool tls_client_auth;
    yc_config_api api;               /**< HTTP API settings; defaults if absent */
    yc_config_attest attest;         /**< attestation settings; defaults if absent */
    yc_config_policy policy;         /**< 联合奖惩 policy settings */
    yc_config_auth auth;             /**< access control; defaults if absent */
    yc_config_rate_limit rate_limit; /**< rate limits; defaults if absent */
    yc_config_retention retention;   /**< retention job; defaults if absent */
    yc_config_objections objections; /**< objection deadline; defaults if absent */
} yc_config;

/**
 * @brief Load DATA_DIR/config.json and resolve its relative paths against @p data_dir.
 *
 * Unknown keys are rejected (a typo must not silently fall back to a default).  The "server",
 * "tls" and "api" objects and each of their keys are optional (the YC_CONFIG_*_DEFAULT values
 * apply), so data directories initialised before they existed still load.
 *
 * @param[in]  data_dir   NUL-terminated data directory.
 * @param[out] ret_cfg    Filled on YC_OK.
 * @param[out] ret_field  On YC_ERR_INVALID, a string naming the offending key: a value of the
 *                        wrong type or out of range names its key (e.g. "store.map_size_mib",
 *                        "server.max_body_bytes", "tls.cert", "api.score_cache_entries"); an
 *                        unknown key is named in full ("server.max_bodybytes: unknown key");
 *                        a duplicate key by its text and position ("duplicate key \"workers\" at
 *                        line 3, column 11"); other invalid JSON by Jansson's text and position.
 *                        Static, or for those named from the file a per-thread buffer valid
 *                        until this thread's next yc_config_load*() call.  May be NULL.
 * @retval YC_OK
 * @retval YC_ERR_IO        config.json missing or unreadable
 * @retval YC_ERR_INVALID   not JSON, duplicate or unknown key, wrong type, value out of range
 * @retval YC_ERR_TOO_LARGE a resolved path longer than YC_CONFIG_PATH_MAX
 * @retval YC_ERR_NOMEM     allocation failed (Jansson routes through yc_alloc)
 * @par Source: ARCHITECTURE.md "Layout" (etc/ holds data, not code); issue 3 items 1 and 4
 *      (every limit has a config key and a default; etc/yrdcredit.conf.example).
 */
YC_MUST_USE yc_err yc_config_load(const char *data_dir, yc_config *ret_cfg, const char **ret_field);

/**
 * @brief Load a configuration file given by path (yrdcreditd `--config FILE`) instead of
 *        DATA_DIR/config.json; relative paths in it still resolve against @p data_dir.
 *
 * Same format, checks and errors as yc_config_load().
 *
 * @param[in]  path       NUL-terminated path of the JSON configuration file.
 * @param[in]  data_dir   NUL-terminated data directory.
 * @param[out] ret_cfg    Filled on YC_OK.
 * @param[out] ret_field  On YC_ERR_INVALID, a string naming the offending key, as for
 *                        yc_config_load() (and with the same lifetime); may be NULL.
 * @retval YC_OK
 * @retval YC_ERR_IO        @p path missing or unreadable
 * @retval YC_ERR_INVALID   not JSON, duplicate or unknown key, wrong type, value out of range
 * @retval YC_ERR_TOO_LARGE a resolved path longer than YC_CONFIG_PATH_MAX
 * @retval YC_ERR_NOMEM     allocation failed
 * @par Source: issue 3 item 4 (`--config FILE`: one config file).
 */
YC_MUST_USE yc_err yc_config_load_file(const char *path, const char *data_dir, yc_config *ret_cfg,
                                       const char **ret_field);

/**
 * @brief Parse a listening address as the "server.listen" and "server.h2c_listen" keys and the
 *        yrdcreditd options `--listen` and `--h2c-listen` write it.
 *
 * Accepted: `off` (listener disabled); `IPV4:PORT`; `[IPV6]:PORT`.  The host must be a numeric
 * address (no name lookup); PORT is 1..5 decimal digits, 0..65535 (0 = any free port).
 *
 * @param[in]  text  NUL-terminated text.
 * @param[out] ret   Filled on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  any other text
 * @par Source: issue 3 items 1 and 4 (`--listen HOST:PORT`, `--h2c-listen HOST:PORT`).
 */
YC_MUST_USE yc_err yc_config_listen_parse(const char *text, yc_config_listen *ret);

#endif
