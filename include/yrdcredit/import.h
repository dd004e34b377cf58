/**
 * @file import.h
 * @brief Import of real-format public credit records: 双公示 CSV (行政处罚 CF_*, 行政许可
 *        XK_*, legacy v1 codes, headers by code or by Chinese field name) and JSON Lines
 *        (失信被执行人, 信用承诺, generic records), in UTF-8, UTF-8 with BOM or GB18030.
 *
 * The importer validates every row and hands yc_record batches to a callback; it does
 * not know the store or the score model (the CLI wires them).  The exact input formats,
 * field lists, limits and reject reasons are in docs/formats.md.
 */
#ifndef YRDCREDIT_IMPORT_H
#define YRDCREDIT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/record.h"

/** Most columns a CSV header or row may have; more is a rejected row (header: file). */
#define YC_IMPORT_MAX_COLUMNS 256
/** Longest CSV field in bytes (after unquoting, in UTF-8); longer rejects the row (a header
 *  cell: the file, YC_ERR_TOO_LARGE). */
#define YC_IMPORT_MAX_FIELD_BYTES 65536
/** Longest JSON Lines line in bytes (UTF-8, without the line end); longer is a rejected row. */
#define YC_IMPORT_MAX_LINE_BYTES 262144
/** Records per on_batch call when yc_import_opts.batch_size is 0. */
#define YC_IMPORT_BATCH_DEFAULT 1024
/** Largest accepted yc_import_opts.batch_size. */
#define YC_IMPORT_BATCH_MAX 1000000

/** The 处罚类别 → N01–N05 rule table (etc/rules/penalty-categories.json); opaque. */
typedef struct yc_rules yc_rules;

/**
 * One rejected row, passed to yc_import_opts.on_reject.  All strings are borrowed and
 * valid only during the callback; copy what you keep.
 */
typedef struct yc_reject {
    const char *file; /**< the name given to the import (path for yc_import_file) */
    long row; /**< physical line where the row starts: CSV header = 1, JSONL first line = 1 */
    const char *field; /**< field code (CF_WSH, XK_YXQZI…) or JSON key; "(row)" for the whole row,
                            "(file)" for a fault of the whole file (encoding, header), "(key)"
                            for an unknown JSON key that is not short ASCII */
    const char *reason; /**< English text, Chinese terms verbatim; see docs/formats.md §5.  Never
                             holds a natural person's name or document number, a value with a
                             run of 6 digits or over 32 bytes, or a control character */
} yc_reject;

/**
 * Receives a batch of valid records, e.g. to ingest them into the store.
 * @p recs is owned by the importer and reused after the call returns; the callee may
 * modify the records (the store fills record_id, subject_id, ingest_ms).
 * A non-YC_OK return stops the import, which returns that error.
 */
typedef yc_err (*yc_import_batch_fn)(void *ctx, yc_record *recs, size_t n);

/** Receives one rejected row (see yc_reject for lifetimes). */
typedef void (*yc_import_reject_fn)(void *ctx, const yc_reject *r);

/** Import options.  Initialise with designated initialisers; unset members are 0/NULL. */
typedef struct yc_import_opts {
    const char *encoding; /**< NULL = detect; else "UTF-8" or "GB18030" (case-insensitive;
                               "UTF8", "GBK" and "GB2312" are accepted as aliases) */
    bool atomic;          /**< deliver nothing if any row is rejected (`--atomic`) */
    yc_date today; /**< reference date: future dates and birth dates are checked against it */
    const yc_window
        *windows;          /**< YC_CODE_COUNT entries indexed by yc_code (from the score model) */
    const yc_rules *rules; /**< needed for 行政处罚 CSV; may be NULL for other inputs */
    size_t batch_size;     /**< records per on_batch call, 0 = YC_IMPORT_BATCH_DEFAULT */
    yc_import_batch_fn on_batch;   /**< may be NULL: validate only (`--dry-run`) */
    yc_import_reject_fn on_reject; /**< may be NULL: rejects are only counted */
    void *ctx;                     /**< passed to both callbacks */
} yc_import_opts;

/** What one import did.  rows = data rows seen (header and blank lines not counted). */
typedef struct yc_import_stats {
    size_t rows;     /**< data rows (CSV records after the header, non-blank JSONL lines) */
    size_t accepted; /**< valid records delivered to on_batch (counted also when on_batch is
                          NULL); 0 when atomic and any row was rejected */
    size_t rejected; /**< rejects reported (bad rows, plus one for a whole-file fault) */
} yc_import_stats;

/**
 * @brief Load the 处罚类别 rule table from a JSON file (format: docs/formats.md §4).
 *
 * @param[in]  path       NUL-terminated path, e.g. DATA_DIR/rules/penalty-categories.json.
 * @param[out] ret_rules  On YC_OK the table; free with yc_rules_free().
 * @param[out] ret_msg    Buffer for a NUL-terminated message naming the fault on failure
 *                        (e.g. "rules[3].code: unknown taxonomy code 'N99'"); may be NULL.
 * @param[in]  msg_size   Size of @p ret_msg in bytes (0 when @p ret_msg is NULL).
 * @retval YC_OK
 * @retval YC_ERR_IO         the file cannot be read
 * @retval YC_ERR_TOO_LARGE  the file exceeds 1 MiB
 * @retval YC_ERR_INVALID    not JSON, duplicate or unknown key, wrong type, unknown code
 *                           or category, bad decimal threshold
 * @retval YC_ERR_NOMEM      an allocation failed (yc_alloc(), including Jansson's through
 *                           yc_core_init_json()); @p ret_msg says "out of memory"; nothing
 *                           is leaked and @p ret_rules is left untouched
 * @par Source: issue 2 §3 (the mapping is a rule table in etc/, not code); domain.md §(a), §4.
 */
YC_MUST_USE yc_err yc_rules_load(const char *path, yc_rules **ret_rules, char *ret_msg,
                                 size_t msg_size);

/**
 * @brief Parse a rule table from memory (same format as yc_rules_load()).
 *
 * @param[in]  json       JSON text; not necessarily NUL-terminated.
 * @param[in]  len        Length of @p json in bytes, at most 1 MiB.
 * @param[out] ret_rules  On YC_OK the table; free with yc_rules_free().
 * @param[out] ret_msg    Message buffer as for yc_rules_load(); may be NULL.
 * @param[in]  msg_size   Size of @p ret_msg in bytes.
 * @retval YC_OK             parsed; @p ret_rules set
 * @retval YC_ERR_TOO_LARGE  @p len over 1 MiB
 * @retval YC_ERR_INVALID    as for yc_rules_load()
 * @retval YC_ERR_NOMEM      an allocation failed, as for yc_rules_load()
 * @par Source: issue 2 §3; domain.md §(a), §4.
 */
YC_MUST_USE yc_err yc_rules_parse(const char *json, size_t len, yc_rules **ret_rules, char *ret_msg,
                                  size_t msg_size);

/**
 * @brief Release a rule table.
 * @param[in] rules  May be NULL (no-op).
 */
void yc_rules_free(yc_rules *rules);

/** Inputs of one 行政处罚 classification (all strings UTF-8, not necessarily NUL-terminated). */
typedef struct yc_penalty_facts {
    const char *categories;     /**< 处罚类别 text, e.g. "罚款;没收违法所得" */
    size_t categories_len;      /**< bytes */
    const char *violation_type; /**< 违法行为类型 (CF_WFXW); may be empty */
    size_t violation_type_len;  /**< bytes */
    const char *content;        /**< 处罚内容 (CF_NR / v1 CF_JG); may be empty */
    size_t content_len;         /**< bytes */
    yc_subject_type subject_type;
    bool has_fine;
    yc_amount fine; /**< 罚款金额 CF_NR_FK in 万元 when has_fine */
} yc_penalty_facts;

/**
 * @brief Map a penalty's 处罚类别, 违法行为类型, content and fine to N01–N05.
 *
 * The text is split into categories (separators `;` `；` `,` `，` `|` `/` and, for a
 * token that is not itself a known name, `、`); each category is canonicalised through
 * the table's aliases (and legacy v1 digit codes) and takes the code of the first rule that
 * matches it; the most severe code (the table's `severity` order) wins.
 *
 * @param[in]  rules        Loaded table.
 * @param[in]  facts        The penalty.
 * @param[out] ret_code     On YC_OK: N01..N05.
 * @param[out] ret_bad      On failure: the offending category token (borrowed from
 *                          @p facts->categories, not NUL-terminated; length 0 when the text
 *                          holds no category at all).
 * @param[out] ret_bad_len  Length of @p ret_bad in bytes.
 * @retval YC_OK
 * @retval YC_ERR_INVALID   no category, or a category the table does not know
 * @retval YC_ERR_NOT_FOUND a known category that no rule matches
 * @par Source: domain.md §(a) N01–N05; SAMR Order 45 Art.13; NDRC Order 58 practice.
 */
YC_MUST_USE yc_err yc_rules_classify(const yc_rules *rules, const yc_penalty_facts *facts,
                                     yc_code *ret_code, const char **ret_bad, size_t *ret_bad_len);

/**
 * @brief Import a file: 双公示 CSV or JSON Lines, detected from the content.
 *
 * Reads the file (memory-mapped when it is a regular file) and behaves as
 * yc_import_buffer() with @p path as the name.
 *
 * @param[in]  path       NUL-terminated path.
 * @param[in]  opts       Options; @c opts->windows must not be NULL.
 * @param[out] ret_stats  Counts; written on every return (partial on failure).
 * @retval YC_OK           the file was read; rows may still have been rejected (see stats)
 * @retval YC_ERR_IO       cannot open or read @p path
 * @retval YC_ERR_INVALID  bad options; a whole-file fault (unknown, incomplete or malformed
 *                         header, UTF-16); or @c opts->atomic and at least one row rejected
 * @retval YC_ERR_TOO_LARGE a CSV header cell longer than YC_IMPORT_MAX_FIELD_BYTES (a data
 *                         field over it only rejects its row)
 * @retval YC_ERR_NOMEM    an allocation failed (yc_alloc(), libcsv's and Jansson's included;
 *                         iconv_open()'s own allocation is outside yc_alloc()).  The import
 *                         stops at once: on_batch has received only full batches (of
 *                         @c opts->batch_size, or YC_IMPORT_BATCH_DEFAULT, records); the
 *                         partial batch is dropped
 * @retval other           the error returned by @c opts->on_batch (import stopped)
 * @par Source: issue 2 §3 (Import); docs/formats.md.
 */
YC_MUST_USE yc_err yc_import_file(const char *path, const yc_import_opts *opts,
                                  yc_import_stats *ret_stats);

/**
 * @brief Import from memory (tests, fuzzing, HTTP bodies).
 *
 * Kind detection: after the encoding is decided and a UTF-8 BOM skipped, input whose
 * first non-blank byte is `{` is JSON Lines, anything else is CSV.
 * Encoding (when @c opts->encoding is NULL): UTF-8 BOM → UTF-8; all bytes valid UTF-8 →
 * UTF-8; otherwise UTF-8 when the valid multi-byte UTF-8 sequences outnumber the bytes that
 * start no valid sequence (its rows with invalid bytes are rejected one by one), else GB18030
 * converted with iconv (a row with an invalid GB18030 sequence is rejected, not the file).
 * CSV is parsed strictly (RFC 4180 quoting); after a malformed row the parser
 * resynchronises, so every physical line is counted as a row or a reject.
 *
 * @param[in]  name       NUL-terminated name used in rejects (e.g. the file name).
 * @param[in]  data       Input bytes; not NUL-terminated; may be NULL when @p len is 0.
 * @param[in]  len        Length of @p data in bytes.
 * @param[in]  opts       Options; @c opts->windows must not be NULL.
 * @param[out] ret_stats  Counts; written on every return.
 * @retval YC_OK, YC_ERR_INVALID, YC_ERR_TOO_LARGE, YC_ERR_NOMEM, or the on_batch error,
 *         as for yc_import_file()
 * @par Source: issue 2 §3; docs/formats.md.
 */
YC_MUST_USE yc_err yc_import_buffer(const char *name, const uint8_t *data, size_t len,
                                    const yc_import_opts *opts, yc_import_stats *ret_stats);

/** One field of a 双公示 row given as a field code and its value (e.g. a JSON object member). */
typedef struct yc_import_field {
    const char *code;  /**< NUL-terminated field code: "CF_WSH", "XK_YXQZI", "DFBM"… (matched
                            case-insensitively, as a CSV header cell; Chinese names are not
                            accepted here) */
    const char *value; /**< @c value_len bytes of UTF-8, not NUL-terminated; may be NULL when
                            @c value_len is 0 */
    size_t value_len;  /**< bytes; 0 = absent, as an empty CSV cell */
} yc_import_field;

/** One 双公示 row: its fields in any order.  Everything is borrowed for the import call. */
typedef struct yc_import_row {
    const yc_import_field *fields; /**< @c n_fields fields; may be NULL when 0 */
    size_t n_fields;
} yc_import_row;

/**
 * @brief Import 双公示 rows given as field-code/value pairs (the CF_* / XK_* form of
 *        POST /v1/records) through the CSV importer's own row path.
 *
 * Each row is validated and mapped exactly as the data row of a 双公示 CSV whose header holds
 * the row's codes and whose cells hold its values (docs/formats.md §2: the same field checks,
 * subject rules, 处罚类别 classification, publication window and reject reasons), so a row
 * gives the same yc_record as `yrdcredit import` of that CSV row.  The kind comes from the
 * code prefix: CF_* → 行政处罚, XK_* → 行政许可; DFBM, XZQH, SJC and BZ belong to both; a
 * legacy v1 code (CF_CFLB1, CF_JG, CF_XZJG, XK_XDR, XK_JZQ…) selects the v1 layout as in a
 * header.  What a CSV header would decide for the whole file is decided here per row, and
 * rejects only that row (field = the code, row = the row's index + 1):
 * - a missing required code is an empty value: `required field missing`;
 * - a code of neither table: `unknown field code` (the field is "(key)" when the code is not
 *   1–32 bytes of [A-Za-z0-9_]); the standard's codes the CSV importer ignores (CF_FRDB,
 *   CF_FR_ZJLX, CF_FR_ZJHM, CF_NR_ZKDX, CF_XDR_GSZC, CF_XDR_ZZJG, CF_XDR_SWDJ, CF_XDR_SYDW,
 *   CF_XDR_SHZZ, v1 CF_XDR_ZDM, CF_XDR_GSDJ, CF_FR, and the same XK_* codes) are accepted
 *   and ignored;
 * - the same field twice (also through an alias such as CF_NR and CF_JG): `duplicate field`,
 *   naming the second;
 * - CF_* and XK_* codes in one row: `mixes 行政处罚 (CF_*) and 行政许可 (XK_*) field codes`,
 *   naming the first code of the other kind; no CF_* or XK_* code at all: `no CF_* or XK_*
 *   field code`, field "(row)";
 * - more than YC_IMPORT_MAX_COLUMNS fields: `more than 256 fields`, field "(row)"; a value over
 *   YC_IMPORT_MAX_FIELD_BYTES: `field longer than 65536 bytes`, naming the code;
 * - a CF_* row when @c opts->rules is NULL: `行政处罚 needs the 处罚类别 rule table`, "(row)".
 *
 * Records go to @c opts->on_batch in row order, in batches as for yc_import_buffer();
 * @c opts->atomic validates every row first and delivers nothing if any is rejected.
 * @c opts->encoding is ignored: values are UTF-8 (invalid UTF-8 rejects the row).
 *
 * @param[in]  name       NUL-terminated name used in rejects (e.g. "body").
 * @param[in]  rows       @p n_rows rows; borrowed; may be NULL when @p n_rows is 0.
 * @param[in]  n_rows     Number of rows.
 * @param[in]  opts       Options; @c opts->windows must not be NULL.
 * @param[out] ret_stats  Counts (rows = @p n_rows); written on every return.
 * @retval YC_OK           every row was read; rows may still have been rejected (see stats)
 * @retval YC_ERR_INVALID  bad options; or @c opts->atomic and at least one row rejected
 * @retval YC_ERR_NOMEM    an allocation failed; on_batch has received only full batches
 * @retval other           the error returned by @c opts->on_batch (import stopped)
 * @par Source: issue 3 item 2 (POST /v1/records: "a 双公示 row keyed by its CF_* / XK_* field
 *      codes"; operationId postRecords); docs/formats.md §2; domain.md §5.
 */
YC_MUST_USE yc_err yc_import_rows(const char *name, const yc_import_row *rows, size_t n_rows,
                                  const yc_import_opts *opts, yc_import_stats *ret_stats);

#endif
