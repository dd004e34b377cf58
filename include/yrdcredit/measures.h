/**
 * @file measures.h
 * @brief 联合奖惩 measure catalogues per region (措施清单), loaded from data with a strict
 *        validator, and the vocabulary of matters (事项).
 *
 * A catalogue is one JSON file, etc/policy/measures/<region>.json:
 * @code
 * {"format": "yrdcredit-measures/1", "region": "330782",
 *  "measures": [{"id": "330782-P-001", "kind": "penalty", "matter": "government_procurement",
 *                "target": {"list": "serious_dishonesty"},
 *                "text": {"zh": "…", "en": "…"}, "department": "义乌市财政局",
 *                "legal_basis": "《中华人民共和国政府采购法》第二十二条",
 *                "effective_from": "2024-01-01", "effective_to": null}]}
 * @endcode
 * The fields are those of 上海市社会信用条例 Art.22: 事项 (matter), 实施对象 (target),
 * 实施手段 (text), 实施主体 (department), 实施依据 (legal_basis).
 *
 * Rules the loader enforces (each refusal names the file, the measure and the rule):
 * - every member listed above is present and no other member is (also inside "text" and
 *   "target"); no duplicate members; "format" is exactly "yrdcredit-measures/1";
 * - "region" is 6 ASCII digits and the file's name is "<region>.json";
 * - 0..YC_MEASURES_MAX measures; ids are unique, start with "<region>-", and use only
 *   `A-Z a-z 0-9 - _`, 1..YC_MEASURE_ID_MAX_BYTES bytes;
 * - "kind" is "reward" or "penalty"; "matter" is in the vocabulary (yc_matter_is_valid());
 * - "target" has exactly one member: "list" ("serious_dishonesty", "watch" or "red"),
 *   "grade_at_least" ("A".."D"), "band_at_least" ("needs_improvement", "fair", "good",
 *   "very_good", "excellent"; the codes of etc/model/score-v1.json) or "score_at_least"
 *   (integer 0..1000; on the MERCHANT scale: such a reward is for merchants only, as
 *   grade_at_least; individuals' rewards go through band_at_least, since the model's merchant
 *   and individual scores are not comparable: review finding 3);
 * - a penalty's "list" may be accompanied by "codes", a non-empty array of distinct negative
 *   record codes: the measure then applies only to a listing resting on a record with one of
 *   them.  serious_dishonesty merges N11 失信被执行人 (court list) and N12 other 严重失信主体
 *   名单; a measure whose basis covers only the court list (限制高消费, 最高人民法院关于限制被
 *   执行人高消费及有关消费的若干规定; 公司法 Art.178 disqualification of 失信被执行人) names
 *   ["N11"] (review finding 2);
 * - a penalty targets only a statutory list, serious_dishonesty or watch (国办发〔2020〕49号:
 *   penalties only through lists with a legal basis, never a score, grade, band or the red
 *   list); a reward never targets serious_dishonesty or watch;
 * - "text.zh", "text.en", "department" and "legal_basis" are non-empty strings within their
 *   byte limits (YC_MEASURE_TEXT_MAX_BYTES, YC_MEASURE_DEPARTMENT_MAX_BYTES,
 *   YC_MEASURE_LEGAL_BASIS_MAX_BYTES);
 * - "effective_from" is a `YYYY-MM-DD` date; "effective_to" is such a date or null (open
 *   end) and is not before "effective_from" (equal is allowed: one day).
 *
 * Matter vocabulary (code, label): government_procurement 政府采购, public_bidding 招标投标,
 * fiscal_subsidy 财政补贴, administrative_licensing 行政许可, loan_approval 贷款审批,
 * public_rental_housing 公租房, deposit_waiver 免押金, inspection_frequency 抽查检查频次,
 * honours 评优评先, high_consumption 高消费, qualification_review 资质审核,
 * public_position 担任职务.
 *
 * @par Source: issue 5 scope item 2; docs/design/domain.md §3 (measure-list fields,
 *      国办发〔2020〕49号), §7; 上海市社会信用条例 Art.22, Art.32.
 */
#ifndef YRDCREDIT_MEASURES_H
#define YRDCREDIT_MEASURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/date.h"
#include "yrdcredit/err.h"

/** Largest catalogue file in bytes (4 MiB). */
#define YC_CATALOGUE_MAX_BYTES ((size_t)4 * 1024 * 1024)
/** Most measures in one catalogue. */
#define YC_MEASURES_MAX 1000
/** Upper bound of yc_matter_count(), for arrays indexed by a matter (recognition.c). */
#define YC_MATTERS_MAX 32
/** Longest measure id in bytes. */
#define YC_MEASURE_ID_MAX_BYTES 32
/** Longest "text.zh" or "text.en" in bytes (UTF-8). */
#define YC_MEASURE_TEXT_MAX_BYTES 1024
/** Longest "department" in bytes (UTF-8). */
#define YC_MEASURE_DEPARTMENT_MAX_BYTES 256
/** Longest "legal_basis" in bytes (UTF-8). */
#define YC_MEASURE_LEGAL_BASIS_MAX_BYTES 1024
/** Length of a region code (GB/T 2260 administrative division), in bytes. */
#define YC_REGION_LEN 6
/** The only accepted "format". */
#define YC_CATALOGUE_FORMAT "yrdcredit-measures/1"

/** Reward (守信激励) or penalty (失信惩戒). */
typedef enum yc_measure_kind {
    YC_MEASURE_REWARD = 1,  /**< "reward" */
    YC_MEASURE_PENALTY = 2, /**< "penalty" */
} yc_measure_kind;

/** What a measure applies to (实施对象). */
typedef enum yc_target_kind {
    YC_TARGET_LIST = 1,           /**< "list": value is serious_dishonesty, watch or red */
    YC_TARGET_GRADE_AT_LEAST = 2, /**< "grade_at_least": value is "A".."D" (merchants) */
    YC_TARGET_BAND_AT_LEAST = 3,  /**< "band_at_least": value is a band code (individuals) */
    YC_TARGET_SCORE_AT_LEAST = 4, /**< "score_at_least": score holds the threshold */
} yc_target_kind;

/** Target of a measure. */
typedef struct yc_measure_target {
    yc_target_kind kind; /**< which member the file's "target" had */
    const char *value;   /**< list, grade or band code; NULL for YC_TARGET_SCORE_AT_LEAST */
    int score;           /**< threshold 0..1000 for YC_TARGET_SCORE_AT_LEAST, else 0 */
    /** Penalty on a list only: bit (1 << yc_code) for each record code of the optional
     *  "codes" member; the listing must rest on a record with one of them (e.g. N11 alone for
     *  限制高消费, whose basis covers 失信被执行人 only).  0 = any record of the list. */
    uint32_t codes;
} yc_measure_target;

/** One measure.  All strings are NUL-terminated UTF-8 owned by the catalogue. */
typedef struct yc_measure {
    const char *id;           /**< e.g. "330782-P-001" */
    yc_measure_kind kind;     /**< reward or penalty */
    const char *matter;       /**< vocabulary code, e.g. "government_procurement" */
    yc_measure_target target; /**< 实施对象 */
    const char *text_zh;      /**< 实施手段 in Chinese */
    const char *text_en;      /**< the same in English */
    const char *department;   /**< 实施主体 */
    const char *legal_basis;  /**< 实施依据 */
    yc_date effective_from;   /**< first day in force */
    yc_date effective_to;     /**< last day in force, or YC_DATE_NONE (open end) */
} yc_measure;

/** A loaded catalogue; opaque, immutable after yc_catalogue_load(). */
typedef struct yc_catalogue yc_catalogue;

/**
 * @brief Load and validate one catalogue file (rules in the file comment).
 *
 * @param[in]  path     NUL-terminated file path; its last component must be "<region>.json".
 * @param[out] ret      On YC_OK: the new catalogue; the caller frees it with
 *                      yc_catalogue_free().
 * @param[out] why      On any error: a NUL-terminated reason "<path>: <measure id>: <rule>"
 *                      (or "<path>: measures[<i>]: <rule>" when the id itself is bad, or
 *                      "<path>: <rule>" for a file-level rule), truncated to @p why_len;
 *                      "" on YC_OK.  May be NULL when @p why_len is 0.
 * @param[in]  why_len  Size of @p why in bytes (256 or more keeps every reason whole unless
 *                      the path is long).
 *
 * @retval YC_OK             loaded
 * @retval YC_ERR_IO         the file cannot be opened or read
 * @retval YC_ERR_TOO_LARGE  the file is over YC_CATALOGUE_MAX_BYTES, or it has more than
 *                           YC_MEASURES_MAX measures
 * @retval YC_ERR_INVALID    not JSON, or any rule broken
 * @retval YC_ERR_NOMEM      allocation failed
 *
 * @note Thread-safety: safe from any thread; the result may be read from many threads.
 * @par Source: issue 5 scope item 2; docs/design/domain.md §3; 国办发〔2020〕49号.
 */
YC_MUST_USE yc_err yc_catalogue_load(const char *path, yc_catalogue **ret, char *why,
                                     size_t why_len);

/**
 * @brief Release a catalogue and every string of its measures.
 * @param[in] c  From yc_catalogue_load(), or NULL (no-op).
 * @par Source: STYLE.md §4.2 (`_free(NULL)` is a no-op).
 */
void yc_catalogue_free(yc_catalogue *c);

/**
 * @brief Region code of a catalogue.
 * @param[in] c  A loaded catalogue.
 * @return YC_REGION_LEN ASCII digits, NUL-terminated; owned by @p c, valid until
 *         yc_catalogue_free().
 * @par Source: issue 5 scope item 2.
 */
const char *yc_catalogue_region(const yc_catalogue *c);

/**
 * @brief Number of measures in a catalogue.
 * @param[in] c  A loaded catalogue.
 * @return 0..YC_MEASURES_MAX.
 * @par Source: issue 5 scope item 2.
 */
size_t yc_catalogue_count(const yc_catalogue *c);

/**
 * @brief The @p i-th measure, in file order.
 * @param[in] c  A loaded catalogue.
 * @param[in] i  Index, 0..yc_catalogue_count() - 1.
 * @return The measure, owned by @p c and valid until yc_catalogue_free(); NULL when @p i is
 *         out of range.
 * @par Source: issue 5 scope item 4 (GET /v1/measures lists them in catalogue order).
 */
const yc_measure *yc_catalogue_get(const yc_catalogue *c, size_t i);

/**
 * @brief Is @p code a matter of the vocabulary (file comment)?
 * @param[in] code  NUL-terminated snake_case code; NULL gives false.
 * @return true when known.
 * @par Source: issue 5 scope item 2 (matter vocabulary).
 */
bool yc_matter_is_valid(const char *code);

/**
 * @brief Chinese label of a matter, e.g. "政府采购" for "government_procurement".
 * @param[in] code  NUL-terminated code; NULL gives NULL.
 * @return A static NUL-terminated UTF-8 string (do not free), or NULL when @p code is unknown.
 * @par Source: issue 5 scope item 2.
 */
const char *yc_matter_label(const char *code);

/**
 * @brief Number of matters in the vocabulary.
 * @return The count (12 in this version).
 * @par Source: issue 5 scope item 2.
 */
size_t yc_matter_count(void);

/**
 * @brief The @p i-th matter code of the vocabulary, in the order of the file comment.
 * @param[in] i  Index, 0..yc_matter_count() - 1.
 * @return A static NUL-terminated code (do not free), or NULL when @p i is out of range.
 * @par Source: issue 5 scope item 2.
 */
const char *yc_matter_code_at(size_t i);

#endif
