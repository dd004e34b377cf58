/**
 * @file lists.h
 * @brief Statutory lists (严重失信主体名单, 重点关注名单, 守信红名单) as data derived from a
 *        subject's records under the rules of etc/policy/lists.json (issue 5 scope item 1).
 *
 * A record counts at @c as_of exactly when the score model counts it (svc/score): its status
 * is `active` or `disputed` (a pending 异议 still counts, flagged elsewhere; 征信 Art.25), its
 * decision date is on or before @c as_of, and its publication window has not ended
 * (@c pub_max_end absent or 长期 = open; otherwise the record counts while
 * @c as_of < @c pub_max_end).  `repaired`, `expired` and `revoked` records never count.
 * The model's per-class age cap (negative_max_age_months) is not applied here: the lists
 * follow the legal windows of the records, not the model.
 */
#ifndef YRDCREDIT_LISTS_H
#define YRDCREDIT_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/record.h"

/** The statutory lists.  Order is stable: yc_lists_derive() returns listings in this order. */
typedef enum yc_list_kind {
    YC_LIST_SERIOUS_DISHONESTY = 0, /**< `serious_dishonesty` 严重失信主体名单 */
    YC_LIST_WATCH = 1,              /**< `watch` 重点关注名单 */
    YC_LIST_RED = 2,                /**< `red` 守信红名单 (merchants only) */
    YC_LIST_COUNT
} yc_list_kind;

/** Most record ids one listing carries (the rest are only counted). */
#define YC_LIST_RECORD_IDS_MAX 16
/** Largest rules file accepted, in bytes. */
#define YC_LIST_RULES_FILE_MAX (64 * 1024)
/** Largest notice period, in working days (notice_working_days 0..60). */
#define YC_LIST_NOTICE_DAYS_MAX 60
/** Longest legal_basis of a list rule, in bytes without the NUL. */
#define YC_LIST_LEGAL_BASIS_MAX 2047
/** Longest zh (Chinese list name) of a list rule, in bytes without the NUL. */
#define YC_LIST_ZH_MAX 255
/** Suggested size of the @c why buffer of yc_list_rules_load(), in bytes. */
#define YC_LIST_WHY_MAX 512

/** Loaded list rules; opaque, immutable after loading (safe to share between threads). */
typedef struct yc_list_rules yc_list_rules;

/** One derived listing.  Fields are public (yc_lists_derive() fills them). */
typedef struct yc_listing {
    yc_list_kind kind;
    /** serious/watch: earliest decision date of the records behind it; red: the date the
     * conditions hold (see yc_lists_derive()). */
    yc_date start;
    /** Latest window end (pub_max_end) of the records behind it; YC_DATE_NONE = open (a
     * record with no end or 长期 is behind it). */
    yc_date end;
    uint64_t record_ids[YC_LIST_RECORD_IDS_MAX]; /**< the first ones, in the order of recs */
    size_t n_record_ids;                         /**< entries of record_ids used */
    size_t n_records;        /**< records behind it; may exceed YC_LIST_RECORD_IDS_MAX */
    uint32_t codes;          /**< bit (1 << yc_code) for each code of the records behind it */
    const char *zh;          /**< Chinese list name; borrowed from the rules */
    const char *legal_basis; /**< borrowed from the rules; valid while they are */
    bool requires_notice;    /**< the rule has requires_notice (prior notice, ZJ Art.24) */
    yc_date notified_on;     /**< = start when requires_notice, else YC_DATE_NONE */
    yc_date effective_from;  /**< notified_on + notice working days, else YC_DATE_NONE */
    bool pending;            /**< requires_notice and as_of < effective_from */
} yc_listing;

/**
 * @brief The list's snake_case name, as in the rules file and the API.
 * @param[in] kind  A list kind.
 * @return "serious_dishonesty", "watch" or "red"; "unknown" for any other value.  Static.
 * @par Source: issue 5 scope item 1.
 */
const char *yc_list_name(yc_list_kind kind);

/**
 * @brief Load and validate list rules from a file.
 *
 * The file is untrusted JSON (Jansson, JSON_REJECT_DUPLICATES):
 * `{"format":"yrdcredit-lists/1","notice_working_days":N,"lists":[...],"note":"..."}` with
 * N in 0..YC_LIST_NOTICE_DAYS_MAX and 1..3 list rules, each list at most once.  A rule has
 * `list`, `zh` (non-empty, at most YC_LIST_ZH_MAX bytes), `legal_basis` (not empty or blank,
 * at most YC_LIST_LEGAL_BASIS_MAX bytes), optional `note`; serious_dishonesty and watch take
 * `codes` (non-empty, distinct negative N codes) and optional `requires_notice` (bool); red
 * takes `min_grade` ("A".."D"), `codes_any` (non-empty, distinct positive P codes) and
 * `no_active_negative` (must be true).  Any other member is refused.
 *
 * @param[in]  path     NUL-terminated file path (named in @p why as given).
 * @param[out] ret      New rules; free with yc_list_rules_free().
 * @param[out] why      On failure: NUL-terminated reason, `<path>: <where>: <rule>`, where
 *                      `<where>` is `$`, `$.<member>` or `lists[i] (<list>)[.<member>]`;
 *                      truncated to @p why_len; may be NULL.
 * @param[in]  why_len  Size of @p why in bytes (YC_LIST_WHY_MAX suffices for short paths);
 *                      ignored when @p why is NULL.
 *
 * @retval YC_OK
 * @retval YC_ERR_IO         the file cannot be opened or read
 * @retval YC_ERR_TOO_LARGE  the file exceeds YC_LIST_RULES_FILE_MAX bytes
 * @retval YC_ERR_INVALID    syntax error, duplicate key, unknown/missing/mistyped member,
 *                           unknown code, empty legal basis, red list without its conditions
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 5 scope item 1; domain.md §3 (lists, 国办发〔2020〕49号).
 */
YC_MUST_USE yc_err yc_list_rules_load(const char *path, yc_list_rules **ret, char *why,
                                      size_t why_len);

/**
 * @brief Free rules from yc_list_rules_load().  Listings that borrow from them become invalid.
 * @param[in] rules  Rules, or NULL (no-op).
 */
void yc_list_rules_free(yc_list_rules *rules);

/**
 * @brief The notice period of prior-notice listings, in working days.
 * @param[in] rules  Loaded rules.
 * @return 0..YC_LIST_NOTICE_DAYS_MAX (the file's value, or the last override).
 * @par Source: issue 5 scope item 1 (Zhejiang 条例 Art.24 prior notice).
 */
int yc_list_rules_notice_working_days(const yc_list_rules *rules);

/**
 * @brief Override the notice period (e.g. from config).  Not thread-safe against derivations.
 * @param[in,out] rules  Loaded rules.
 * @param[in]     days   Working days, 0..YC_LIST_NOTICE_DAYS_MAX.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p days out of range (@p rules unchanged)
 */
YC_MUST_USE yc_err yc_list_rules_set_notice_working_days(yc_list_rules *rules, int days);

/**
 * @brief Derive the subject's listings at @p as_of from its records.
 *
 * serious_dishonesty / watch: listed when at least one record with one of the rule's codes
 * counts at @p as_of (file comment); start = the earliest decision date of those records,
 * end = their latest window end (YC_DATE_NONE when one is open).  With requires_notice:
 * notified_on = start, effective_from = notified_on + notice working days of @p cal, and
 * pending = @p as_of < effective_from.  Prior notice is for the listings THIS instance
 * derives: a shared record (yc_record::origin not "", a partner's record of issue 5 item 5)
 * takes effect from its decision date without notice.  So notified_on = the earliest decision
 * date of the LOCAL records behind the listing (YC_DATE_NONE when all are shared),
 * effective_from = the earlier of notified_on + notice working days and the earliest decision
 * date of a shared record behind it; a listing with a shared record behind it is never pending.
 *
 * red (merchants only: @p grade NULL means an individual, never red-listed): listed when
 * @p grade >= min_grade (A > B > C > D), at least one record with a code of codes_any counts,
 * and no negative (N) record counts.  start = the earliest decision date of the counting
 * codes_any records, moved to the latest window end of a negative record whose window ended
 * on or before @p as_of if that is later (a repair or revocation carries no date in a record,
 * so those are not seen; nor is the grade's history); end as above over the codes_any records.
 *
 * @param[in]  rules   Loaded rules; the listings borrow zh and legal_basis from them.
 * @param[in]  cal     Working-day calendar, or NULL for plain Mon–Fri.
 * @param[in]  recs    The subject's records (@p n of them; NULL allowed when @p n is 0).
 * @param[in]  n       Number of records.
 * @param[in]  grade   NUL-terminated merchant grade "A".."D", or NULL for an individual.
 * @param[in]  as_of   The date of the derivation (a valid date, not YC_DATE_NONE).
 * @param[out] ret     Array of @p cap listings; entries 0..*ret_n-1 written on YC_OK.
 * @param[in]  cap     Capacity of @p ret (YC_LIST_COUNT always suffices).
 * @param[out] ret_n   On YC_OK: number of listings, in yc_list_kind order.
 *
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p grade not A..D, @p as_of outside YC_DATE_MIN..YC_DATE_LONG_TERM
 *                           (1900-01-01..2099-12-31), or @p recs NULL with n > 0
 * @retval YC_ERR_TOO_LARGE  more listings than @p cap (nothing written)
 * @par Source: issue 5 scope item 1; domain.md §3, §4; Zhejiang 条例 Art.24.
 */
YC_MUST_USE yc_err yc_lists_derive(const yc_list_rules *rules, const yc_calendar *cal,
                                   const yc_record *recs, size_t n, const char *grade,
                                   yc_date as_of, yc_listing *ret, size_t cap, size_t *ret_n);

/**
 * @brief The list whose listing codes (serious_dishonesty or watch `codes`) contain @p code.
 * @param[in]  rules     Loaded rules.
 * @param[in]  code      A record code.
 * @param[out] ret_kind  On true: the list.
 * @return true when a serious_dishonesty or watch rule lists @p code; false otherwise (a
 *         positive code, a code no rule names, or a NULL argument).  The red list's codes_any
 *         are not listing codes and give false.
 * @par Source: issue 5 scope items 1 and 5.
 */
bool yc_list_rules_list_of_code(const yc_list_rules *rules, yc_code code, yc_list_kind *ret_kind);

#endif
