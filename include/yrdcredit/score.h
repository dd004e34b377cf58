/**
 * @file score.h
 * @brief Score engine v1: the model file (etc/model/score-v1.json), the deterministic
 *        信用分 computation and its JSON explanation.
 *
 * The model file holds everything model-specific (points, windows, decay, caps, bands,
 * grades, gates); this module only applies it.  Arithmetic is integer: points in
 * milli-points, fades in whole days, one rounding (half away from zero) at the end.
 *
 * Rules of yc_score_compute() for a subject of class C (merchant = legal_person or
 * individual_business, individual = natural_person) at date `as_of`:
 * - A fact counts iff its status is active or disputed, decision_date <= as_of < end, where
 *   end = pub_max_end (YC_DATE_NONE or >= YC_DATE_LONG_TERM = 长期: no end) and, when C has
 *   `negative_max_age_months` (individuals: 60) and the code's polarity is negative,
 *   end = min(end, yc_date_add_months(decision_date, 60)).
 * - Points: the code's `points_milli`, or for codes with `amount_tiers` and a fact with an
 *   amount, the points of the first tier whose exclusive upper bound (万元) exceeds it.
 * - Decay `linear`: full points while as_of < pub_min_end, then
 *   points * (pub_max_end - as_of) / (pub_max_end - pub_min_end) in whole days, truncated
 *   toward zero.  No fade when pub_min_end is YC_DATE_NONE or the window is 长期.
 * - Caps on positives: per code (sum of that code's counted contributions capped at its
 *   `cap_milli`), then the sum of all positives capped at `positive_cap_milli`.
 * - total_milli = base * 1000 + sum; score = total_milli / 1000 rounded half away from zero,
 *   clamped to the model's score_range.  The band/grade is the highest level whose `min`
 *   is <= score, lowered to a gate's `max_level` while a fact of a gate's code counts.
 *
 * @par Source: issue 2 item 5; ../shared/design/domain.md §(a), §(b), §4; ARCHITECTURE.md
 *      "Score model".
 */
#ifndef YRDCREDIT_SCORE_H
#define YRDCREDIT_SCORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/record.h"

/** Largest model file accepted, in bytes. */
#define YC_MODEL_FILE_MAX (1024 * 1024)
/** Longest model version string, in bytes without the NUL. */
#define YC_MODEL_VERSION_MAX 64
/** Length of the model digest in hex characters (SHA-256), without the NUL. */
#define YC_MODEL_DIGEST_HEX_LEN 64
/** Suggested size of the error-path buffer of yc_model_load(), in bytes. */
#define YC_MODEL_ERRPATH_MAX 256
/** Most facts yc_score_compute() accepts for one subject. */
#define YC_SCORE_FACTS_MAX 1000000
/** Upper bound of the JSON of yc_score_result_to_json() without reasons, in bytes. */
#define YC_SCORE_JSON_BASE_MAX 1024
/** Upper bound added by each reason to that JSON, in bytes. */
#define YC_SCORE_JSON_REASON_MAX 2048

/** A loaded, validated score model.  Immutable after loading; safe to share between threads. */
typedef struct yc_model yc_model;

/**
 * One record that contributes to a score or triggers a gate.
 * @c authority borrows the memory of the fact it came from (see yc_fact).
 */
typedef struct yc_score_reason {
    yc_code code;
    int64_t points_milli;    /**< signed contribution after fade and caps, milli-points */
    uint64_t record_id;      /**< yc_fact.record_id */
    const char *authority;   /**< borrowed, not NUL-terminated */
    size_t authority_len;    /**< bytes */
    yc_date decision_date;   /**< 决定日期 */
    yc_date window_end;      /**< first day the record no longer counts (the 5-year limit
                                  applied); YC_DATE_NONE for 长期 */
    yc_date repairable_from; /**< pub_min_end for repairable codes, else YC_DATE_NONE */
    bool disputed;           /**< status is disputed (异议 pending); it still counts */
    bool gate;               /**< the record triggers a gate of its subject class */
} yc_score_reason;

/** Result of yc_score_compute(). */
typedef struct yc_score_result {
    yc_subject_type subject_type;
    yc_date as_of;
    int32_t score;            /**< integer score in the model's range (0..1000) */
    int64_t total_milli;      /**< base*1000 + contributions, before rounding and clamping */
    bool is_grade;            /**< true: merchant (JSON key "grade"); false: "band" */
    const char *rating;       /**< band or grade code, e.g. "good" or "B"; owned by the model */
    const char *rating_label; /**< its label, e.g. "良好"; owned by the model */
    size_t rating_index;      /**< 0 = lowest level of the class */
    bool gated;               /**< a gate lowered the band/grade */
    yc_date changes_on;       /**< first day after as_of with another score or rating and no
                                   new record; YC_DATE_NONE = never */
    const yc_score_reason *reasons; /**< the caller's reasons array */
    size_t n_reasons;
} yc_score_result;

/**
 * @brief Load and validate a model from a file, and compute its digest.
 *
 * Same as yc_model_load_bytes() on the file's bytes.
 *
 * @param[in]  path         NUL-terminated file path.
 * @param[out] ret          New model; free with yc_model_free().
 * @param[out] ret_errpath  On YC_ERR_INVALID: NUL-terminated JSON path of the first bad field
 *                          (see yc_model_load_bytes()); on YC_ERR_IO: "" ; may be NULL.
 * @param[in]  errpath_len  Size of @p ret_errpath in bytes (YC_MODEL_ERRPATH_MAX suffices;
 *                          longer paths are truncated); ignored when @p ret_errpath is NULL.
 *
 * @retval YC_OK
 * @retval YC_ERR_IO         the file cannot be opened or read
 * @retval YC_ERR_TOO_LARGE  the file exceeds YC_MODEL_FILE_MAX bytes
 * @retval YC_ERR_INVALID    not a valid model (see yc_model_load_bytes())
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   yc_crypto_init() failed
 * @par Source: issue 2 item 5 (the model file holds the whole model; digest = SHA-256 of
 *      the file's bytes).
 */
YC_MUST_USE yc_err yc_model_load(const char *path, yc_model **ret, char *ret_errpath,
                                 size_t errpath_len);

/**
 * @brief Parse and validate a model from bytes, and compute its digest.
 *
 * The input is untrusted: Jansson with JSON_REJECT_DUPLICATES, every field required and
 * type-checked, unknown keys rejected, every code B01…N14 present exactly once, ranges
 * sane (windows 0..1200 months with min <= max, |points| <= 1000 points, levels strictly
 * ascending from the range minimum, gates naming existing codes and levels).
 *
 * Error paths look like `$.codes.N03.window.min_months` or
 * `$.classes.individual.levels[2].min`; a missing member is named by its own path.
 * Syntax errors and duplicate keys (detected by Jansson, which gives no path) are reported
 * as `$ (line L, column C): <Jansson's text>`.
 *
 * @param[in]  data         Model bytes; need not be NUL-terminated.
 * @param[in]  len          Length of @p data in bytes.
 * @param[out] ret          New model; free with yc_model_free().
 * @param[out] ret_errpath  On YC_ERR_INVALID: NUL-terminated JSON path of the first bad
 *                          field; may be NULL.
 * @param[in]  errpath_len  Size of @p ret_errpath in bytes; ignored when it is NULL.
 *
 * @retval YC_OK
 * @retval YC_ERR_TOO_LARGE  @p len exceeds YC_MODEL_FILE_MAX
 * @retval YC_ERR_INVALID    syntax error, duplicate key, missing/unknown/mistyped field,
 *                           value out of range
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   yc_crypto_init() failed
 * @par Source: issue 2 item 5; ARCHITECTURE.md "Score model".
 */
YC_MUST_USE yc_err yc_model_load_bytes(const void *data, size_t len, yc_model **ret,
                                       char *ret_errpath, size_t errpath_len);

/**
 * @brief Release a model.
 * @param[in] model  May be NULL (no-op).  Results and reasons that point into it become
 *                   invalid.
 */
void yc_model_free(yc_model *model);

/**
 * @brief The model's version string, e.g. "score-v1".
 * @param[in] model  A loaded model.
 * @return NUL-terminated, at most YC_MODEL_VERSION_MAX bytes; owned by @p model.
 */
const char *yc_model_version(const yc_model *model);

/**
 * @brief The model's digest: lower-case hex SHA-256 of the model file's exact bytes.
 * @param[in] model  A loaded model.
 * @return NUL-terminated, YC_MODEL_DIGEST_HEX_LEN characters; owned by @p model.
 * @par Source: FIPS 180-4 (SHA-256); ARCHITECTURE.md "Score model".
 */
const char *yc_model_digest_hex(const yc_model *model);

/**
 * @brief Publication window of a code in months, counted from the decision date; the
 *        importer sets pub_min_end = add_months(decision_date, min) and
 *        pub_max_end = add_months(decision_date, max).
 *
 * @param[in]  model       A loaded model.
 * @param[in]  code        A taxonomy code.
 * @param[out] ret_min_months  Minimum publication period, 0..1200.
 * @param[out] ret_max_months  Maximum publication period, min..1200.
 *
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  the code's window comes from the record itself (B01, B02:
 *                           the licence's own 有效期至; P04: while the certification is valid)
 * @retval YC_ERR_INVALID    @p code out of range
 * @par Source: domain.md §4 (发改办财金〔2019〕527号, SAMR Order 45, 2025 信用修复管理办法),
 *      §(a) "Pub min / max".
 */
YC_MUST_USE yc_err yc_model_window_months(const yc_model *model, yc_code code, int *ret_min_months,
                                          int *ret_max_months);

/**
 * @brief The publication windows of every code, as the importer takes them
 *        (yc_import_opts.windows): yc_model_window_months() per code, and {0, 0} (长期:
 *        the end comes from the record, e.g. a licence's 有效期至) where it is YC_ERR_NOT_FOUND.
 * @param[in]  model  A loaded model.
 * @param[out] ret    YC_CODE_COUNT entries indexed by yc_code.
 */
void yc_model_windows(const yc_model *model, yc_window ret[static YC_CODE_COUNT]);

/**
 * @brief Whether the model lets a record of @p code be repaired on application (信用修复):
 *        the code is negative and its `repairable` member is true.  Such a record's
 *        repairable_from is its pub_min_end (yc_score_reason).
 * @param[in] model  A loaded model; NULL gives false.
 * @param[in] code   Any value; out of range gives false.
 * @return true when repairable on application.
 * @par Source: issue 6 item 6 (repair only for repairable records); domain.md §4, §(a)
 *      "Repairable" (N11 失信被执行人 ends by performance and court decision, not by repair).
 */
bool yc_model_code_repairable(const yc_model *model, yc_code code);

/**
 * @brief Compute a subject's score at @p as_of from its facts (rules in the file comment).
 *
 * No allocation.  Reasons are every counted fact whose contribution after fade and caps is
 * non-zero, plus every counted fact that triggers a gate, in this order: taxonomy code
 * (B01, B02, P01 … N14), then decision_date ascending, then record_id ascending.  Caps are
 * filled in the same order (earlier records keep their points, later ones get what is
 * left), so base*1000 + the sum of the reasons' points_milli equals total_milli.
 *
 * `changes_on` is exact: every window boundary, 5-year limit and decision date after
 * @p as_of is examined, and during fades the days in between are skipped only as far as
 * the fade slope proves the rounded score cannot change.
 *
 * @param[in]  model         A loaded model.
 * @param[in]  subject_type  legal_person, individual_business or natural_person.
 * @param[in]  facts         @p n facts of the subject; may be NULL when @p n is 0.  Borrowed;
 *                           the reasons' authority pointers point into them.
 * @param[in]  n             Number of facts, 0..YC_SCORE_FACTS_MAX.
 * @param[in]  as_of         The date to score at, 1900-01-01..2099-12-31.
 * @param[out] reasons       Caller's array of @p reasons_cap entries; may be NULL when
 *                           @p reasons_cap is 0.  Used as scratch even on failure.
 * @param[in]  reasons_cap   Its capacity.  It must hold every counted fact whose
 *                           contribution before caps is non-zero or which triggers a gate;
 *                           @p n always suffices.
 * @param[out] ret           The result; ret->reasons points to @p reasons.
 *
 * @retval YC_OK
 * @retval YC_ERR_INVALID    unknown subject type; @p as_of out of range; a fact with a code
 *                           or status out of range, a decision date out of range, or a
 *                           window date neither YC_DATE_NONE nor in range
 * @retval YC_ERR_TOO_LARGE  @p n > YC_SCORE_FACTS_MAX, or the reasons do not fit @p reasons_cap
 * @note Thread-safety: reentrant.  Complexity: O(n log n) plus O(n) per examined date.
 * @par Source: issue 2 item 5; domain.md §(b), §4 (5-year limit: 征信业管理条例 Art.16,
 *      浙江省公共信用信息管理条例 Art.16).
 */
YC_MUST_USE yc_err yc_score_compute(const yc_model *model, yc_subject_type subject_type,
                                    const yc_fact *facts, size_t n, yc_date as_of,
                                    yc_score_reason *reasons, size_t reasons_cap,
                                    yc_score_result *ret);

/**
 * @brief Serialize a result as the score JSON object of issue 2 item 5 (and the HTTP API).
 *
 * Compact JSON (no spaces, no newline), UTF-8, keys in this fixed order:
 * `{"subject_id":"…","subject_type":"legal_person|individual_business|natural_person",
 * "as_of":"YYYY-MM-DD","score":<int>,"grade":"A"` (merchants) or `"band":"good"`
 * (individuals) `,"model":{"version":"…","digest":"<64 hex>"},"reasons":[{"code":"N03",
 * "points_milli":<int>,"record_id":"<decimal>","authority":"…","decision_date":"YYYY-MM-DD",
 * "window_end":"YYYY-MM-DD"|null,"repairable_from":"YYYY-MM-DD"|null,"disputed":<bool>}…],
 * "changes_on":"YYYY-MM-DD"|null}`.  Reasons are in the result's order; record_id is a
 * decimal string (64-bit ids exceed JSON's exact numbers); null means 长期 window, not
 * repairable, or never changes.  Non-ASCII text is written as UTF-8, not escaped.
 *
 * @param[in]  model       The model the result was computed with.
 * @param[in]  subject_id  NUL-terminated subject id (USCC or 'P…' pseudonym),
 *                         1..YC_SUBJECT_ID_MAX bytes.
 * @param[in]  result      From yc_score_compute(); its facts must still be valid.
 * @param[out] buf         Output buffer; NUL-terminated on YC_OK.
 * @param[in]  buf_len     Size of @p buf in bytes; YC_SCORE_JSON_BASE_MAX +
 *                         n_reasons * YC_SCORE_JSON_REASON_MAX always suffices.
 * @param[out] ret_len     JSON length in bytes without the NUL; may be NULL.
 *
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p subject_id empty, too long or not UTF-8; an authority longer
 *                           than YC_NAME_MAX or not UTF-8
 * @retval YC_ERR_TOO_LARGE  the JSON and its NUL do not fit @p buf_len
 * @retval YC_ERR_NOMEM      allocation failed (Jansson)
 * @par Source: issue 2 item 5 (JSON shape; dates `YYYY-MM-DD`).
 */
YC_MUST_USE yc_err yc_score_result_to_json(const yc_model *model, const char *subject_id,
                                           const yc_score_result *result, char *buf, size_t buf_len,
                                           size_t *ret_len);

/**
 * @brief Score a subject from its stored records and serialize the result: the whole path of
 *        `yrdcredit score` and `GET /v1/subjects/{subject_id}/score` (facts from records,
 *        yc_score_compute(), yc_score_result_to_json()).
 * @param[in]  model       A loaded model.
 * @param[in]  subject_id  NUL-terminated subject id, 1..YC_SUBJECT_ID_MAX bytes.
 * @param[in]  recs        @p n records of the subject (1..YC_SCORE_FACTS_MAX); the subject
 *                         type is taken from recs[0].
 * @param[in]  n           Number of records, at least 1.
 * @param[in]  as_of       The date to score at.
 * @param[out] ret_json    On YC_OK: the compact JSON, NUL-terminated, from yc_alloc(); the
 *                         caller frees it with yc_free().
 * @param[out] ret_len     On YC_OK: its length in bytes without the NUL; may be NULL.
 * @retval YC_OK
 * @retval YC_ERR_INVALID, YC_ERR_TOO_LARGE  as yc_score_compute() and
 *                         yc_score_result_to_json(); also @p n is 0
 * @retval YC_ERR_NOMEM    allocation failed
 * @par Source: issue 2 item 5; api/openapi.yaml operationId getScore.
 */
YC_MUST_USE yc_err yc_score_records_json(const yc_model *model, const char *subject_id,
                                         const yc_record *recs, size_t n, yc_date as_of,
                                         char **ret_json, size_t *ret_len);

/**
 * @brief As yc_score_records_json(), but the score object itself (same members and values)
 *        instead of its text: for callers that read members (the attestation issuer), without
 *        a serialisation and a parse in between.
 * @param[in]  model       A loaded model.
 * @param[in]  subject_id  NUL-terminated subject id, 1..YC_SUBJECT_ID_MAX bytes.
 * @param[in]  recs        @p n records of the subject; the subject type is taken from recs[0].
 * @param[in]  n           Number of records, 1..YC_SCORE_FACTS_MAX.
 * @param[in]  as_of       The date to score at.
 * @param[out] ret         On YC_OK: a new JSON object (Jansson; release with json_decref()).
 * @retval YC_OK
 * @retval YC_ERR_INVALID, YC_ERR_TOO_LARGE  as yc_score_records_json()
 * @retval YC_ERR_NOMEM    allocation failed
 * @par Source: issue 4 item 3 (attestation claims from the score); bench/attest profile.
 */
YC_MUST_USE yc_err yc_score_records_object(const yc_model *model, const char *subject_id,
                                           const yc_record *recs, size_t n, yc_date as_of,
                                           json_t **ret);

#endif
