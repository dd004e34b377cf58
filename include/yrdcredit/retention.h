/**
 * @file retention.h
 * @brief The retention job (svc/store/purge.c): what the store keeps how long, and its removal
 *        (`yrdcredit purge`, and yrdcreditd once at start-up and then every
 *        retention.interval_s).  Issue 6 scope item 8.
 *
 * One run, at an as-of date D (Asia/Shanghai) and time T (D's 00:00 +08:00 for
 * `--as-of D`, else now), removes:
 * - (a) negative records (N01–N14) of natural persons whose negative behaviour ended more than
 *   5 years before D: 征信业管理条例 Art.16 (不良信息 kept 5 years from the day the act or event
 *   ended, then deleted; docs/design/domain.md §4 and §8).  A record does not say when the
 *   behaviour ended; the end of its maximum publication period (pub_max_end: the listing
 *   period of a 失信被执行人, the publication of a penalty) stands for it, the day from which
 *   the record no longer describes a present state.  A record whose pub_max_end is 长期
 *   (YC_DATE_LONG_TERM) has no such end and is never removed by this rule (Zhejiang 条例
 *   Art.16: extended while listed); one without a pub_max_end uses its decision date.  The
 *   record goes on the first day after the 5th anniversary of that end
 *   (yc_retention_negative_due()): kept on the anniversary, removed the day after.
 *   Merchants' records (legal persons and 个体工商户) are public credit information outside
 *   this rule and are kept.
 * - (b) query-log entries older than 10 years (YC_QUERY_LOG_RETENTION_MS, 3653 days, before
 *   T): Zhejiang 公共信用信息管理条例 Art.20 (query records kept 10 years).
 * - (c) revoked records (status YC_STATUS_REVOKED), at the latest within 3 working days of
 *   the revocation: Shanghai 社会信用条例 Art.37 and SAMR Order 45 (a revoked decision is
 *   deleted / withdrawn within 3 working days; domain.md §4).  The revocation time is the
 *   record's status time (yc_store_record_get() @c ret_status_ms, set by
 *   yc_store_record_set_status()); the record is removed by a run whose date D is on or after
 *   the 3rd working day (policy calendar) after the revocation date
 *   (yc_retention_revoked_due()).  Until then it stays visible as `revoked` (it no longer
 *   counts) so that the subject sees the step.  With the daily run there is a run on that
 *   day, so a revoked record is gone by the end of its 3rd working day.
 * A removed record goes whole: its current version, every superseded version (`history`),
 * its `source` and `record_ids` index entries; and a natural person left with no record loses
 * the `subjects` entry holding their sealed name and document.  Merchants' `subjects` entries
 * (public names) stay.  Consents, objections, repairs and attestations are not touched.
 *
 * Thread-safety: any thread, also while yrdcreditd serves: each batch of at most
 * YC_RETENTION_BATCH records examined is one durable LMDB write transaction (never
 * half-written), and readers keep their snapshots.
 * @par Source: issue 6 scope item 8; docs/design/domain.md §4 and §8.
 */
#ifndef YRDCREDIT_RETENTION_H
#define YRDCREDIT_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/record.h"
#include "yrdcredit/store.h"

/** Years an individual's negative record is kept after its end (征信业管理条例 Art.16). */
#define YC_RETENTION_NEGATIVE_YEARS 5
/** Working days within which a revoked record is removed (Shanghai 条例 Art.37). */
#define YC_RETENTION_REVOKED_WORKING_DAYS 3
/** Records examined per write transaction. */
#define YC_RETENTION_BATCH 256
/** Longest audit detail of a run, bytes without the NUL. */
#define YC_RETENTION_DETAIL_MAX 140

/** What one run removed (or, dry, would remove). */
typedef struct yc_retention_counts {
    yc_date as_of;    /**< the run's date (set by yc_retention_run(); in the audit detail) */
    uint64_t records; /**< (a) individuals' negative records past 5 years */
    uint64_t queries; /**< (b) query-log entries past 10 years */
    uint64_t revoked; /**< (c) revoked records past 3 working days */
    uint64_t persons; /**< natural persons left without records: sealed identity removed */
} yc_retention_counts;

/**
 * @brief The first date on which rule (a) removes a negative record of a natural person.
 * @param[in] decision_date  The record's decision date.
 * @param[in] pub_max_end    Its maximum publication end; YC_DATE_LONG_TERM (长期) or
 *                           YC_DATE_NONE possible.
 * @return The end date (pub_max_end, or decision_date when pub_max_end is YC_DATE_NONE) plus
 *         60 months (yc_date_add_months()) plus 1 day; YC_DATE_NONE when never (长期, or
 *         neither date known).
 * @par Source: 征信业管理条例 Art.16; this header's rule (a).
 */
yc_date yc_retention_negative_due(yc_date decision_date, yc_date pub_max_end);

/**
 * @brief The first date on which rule (c) removes a revoked record.
 * @param[in] cal          Working-day calendar, or NULL for Mon–Fri.
 * @param[in] revoked_ms   Unix ms of the revocation (the record's status time), >= 0.
 * @return yc_calendar_add_working_days(@p cal, the Asia/Shanghai date of @p revoked_ms,
 *         YC_RETENTION_REVOKED_WORKING_DAYS).
 * @par Source: Shanghai 社会信用条例 Art.37; SAMR Order 45; this header's rule (c).
 */
yc_date yc_retention_revoked_due(const yc_calendar *cal, int64_t revoked_ms);

/**
 * @brief Unix ms of 00:00 Asia/Shanghai (UTC+8) on @p date: the time of a run `--as-of`.
 * @param[in] date  A valid date.
 * @return Milliseconds since the epoch (negative before 1970-01-01T08:00+08:00).
 */
int64_t yc_retention_day_start_ms(yc_date date);

/**
 * @brief Run the retention job once.
 * @param[in]  st       Open store.
 * @param[in]  cal      Working-day calendar (the policy's), or NULL for Mon–Fri.
 * @param[in]  as_of    The run's date (Asia/Shanghai), a valid date.
 * @param[in]  now_ms   The run's time, Unix ms (>= 0): query-log entries with at_ms <
 *                      @p now_ms - YC_QUERY_LOG_RETENTION_MS go.
 * @param[in]  dry_run  true: count only, write nothing (one read transaction).
 * @param[out] ret      What was removed, and @p as_of; on an error, what the batches
 *                      committed before it removed (those stay removed).  Always written.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p st or @p ret NULL, @p now_ms negative
 * @retval YC_ERR_STORE    a corrupt key or value (the run stops there), or LMDB failure
 * @retval YC_ERR_FULL     map or disk full (a delete may need pages)
 * @retval YC_ERR_NOMEM, YC_ERR_IO, YC_ERR_INTERNAL
 * @par Source: issue 6 scope item 8; this header's rules (a)–(c).
 */
YC_MUST_USE yc_err yc_retention_run(yc_store *st, const yc_calendar *cal, yc_date as_of,
                                    int64_t now_ms, bool dry_run, yc_retention_counts *ret);

/**
 * @brief The audit detail of a run: "as_of=YYYY-MM-DD records=N queries=M revoked=K
 *        persons=P" (as_of from @p c; the date's 8 digits pass yc_audit_text_ok()), and for a
 *        run that failed " error=<yc_err_str text with spaces as '_'>" after it.
 * @param[in]  c    The counts.
 * @param[in]  rv   The run's result.
 * @param[out] out  YC_RETENTION_DETAIL_MAX + 1 bytes, NUL-terminated (yc_audit_text_ok()).
 * @par Source: issue 6 scope item 8 (the job records what it removed in the audit log).
 */
void yc_retention_detail(const yc_retention_counts *c, yc_err rv,
                         char out[static YC_RETENTION_DETAIL_MAX + 1]);

/**
 * @brief Append the audit entry of a run (action purge, target "retention", outcome ok, or
 *        refused when @p rv is not YC_OK, detail yc_retention_detail()).
 * @param[in] st      Open store.
 * @param[in] actor   "system:retention" or "cli:<user>" (yc_store_audit rules).
 * @param[in] at_ms   Time of the entry, Unix ms.
 * @param[in] c       The counts.
 * @param[in] rv      The run's result.
 * @retval YC_OK, and every error of yc_store_audit_append()
 * @par Source: issue 6 scope items 7 and 8.
 */
YC_MUST_USE yc_err yc_retention_audit(yc_store *st, const char *actor, int64_t at_ms,
                                      const yc_retention_counts *c, yc_err rv);

#endif
