/**
 * @file decide.h
 * @brief The 联合奖惩 decision engine (issue 5 scope item 4; svc/policy/decide.c): which
 *        measures of a host city's catalogue apply to one subject for one matter (事项) on one
 *        date, and why the others considered do not.  A pure function: no I/O, no clock, no
 *        signature, no storage (the HTTP layer adds the id, the signature and the store).
 *
 * Evidence is either LOCAL (the host's own records: subject type, grade or band, score, and
 * the listings yc_lists_derive() gave at @c as_of) or a PARTNER ATTESTATION (issuer region,
 * the disclosed grade or band and optionally the score, its age in days), which counts only
 * when yc_recognition_lookup(host, issuer, matter, grade, band, age) recognises it.
 *
 * Semantics (domain.md §3: penalties only through statutory lists with a published measure,
 * 国办发〔2020〕49号; an individual's score or band only ever unlocks rewards):
 * - A measure is CONSIDERED when its matter equals the request's and @c as_of lies within
 *   [effective_from, effective_to] (effective_to YC_DATE_NONE = open end).  Measures of other
 *   matters, or out of force at @c as_of, are not reported at all.
 * - A PENALTY (its target is always serious_dishonesty or watch: measures.h) applies to LOCAL
 *   evidence iff it has a listing of the target list that is not pending at @c as_of;
 *   triggered_by = "list:<list>" (e.g. "list:serious_dishonesty") and list_legal_basis = the
 *   listing's legal basis.  Otherwise: "listing_pending" (only pending listings of that list)
 *   or "not_listed" (none).  A penalty whose target names record codes (measures.h,
 *   yc_measure_target::codes) needs a listing resting on one of them: a listing of the list
 *   without such a record gives "listed_for_other_codes" (e.g. 限制高消费 for an N12-only
 *   serious dishonesty listing); the same holds for attested listings, whose codes the claim
 *   carries (an attested listing without codes never satisfies such a measure).
 * - ATTESTED LISTINGS (the attestation's `lists` claim, yc_attested_listing): one counts for
 *   list L at @c as_of ("in effect") iff from <= as_of and (to is YC_DATE_NONE or as_of < to).
 *   It is RECOGNISED iff, in this order: a recognition rule exists for (host, issuer)
 *   ("not_recognised:no_rule"); the attestation's vct is one of the rule's
 *   ("not_recognised:vct"); an attested listing of L is in effect ("not_listed");
 *   yc_recognition_list_recognised(host, issuer, L) ("not_recognised:list"); age_days <= the
 *   rule's max_age_days ("not_recognised:too_old").  A penalty on L then applies with
 *   triggered_by "attestation:<issuer>:list:<L>" (list_legal_basis NULL: the issuer's legal
 *   basis is not carried), otherwise the reason in brackets is given.
 * - A REWARD is checked in this order; the first failing check gives the reason:
 *   1. subject type: grade_at_least, score_at_least and list red are for merchants
 *      (legal_person, individual_business), band_at_least for individuals (natural_person)
 *      → "wrong_subject_type".  score_at_least is on the merchant scale only (the model's
 *      merchant and individual scores are not comparable; an individual's reward goes
 *      through band_at_least), see measures.h;
 *   2. the gate (domain.md §3): a local serious_dishonesty listing not pending at @c as_of,
 *      or a recognised attested serious_dishonesty listing, blocks every reward →
 *      "blocked_by_serious_dishonesty" (a pending one does not);
 *   3. an attestation: list red → the attested-listing checks above on red (triggered_by
 *      "attestation:<issuer>:list:red"); any other target: no rule → "not_recognised:no_rule",
 *      vct not the rule's → "not_recognised:vct", otherwise the rating not recognised →
 *      "not_recognised:<reason of yc_recognition_result>", e.g. "not_recognised:too_old";
 *   4. the target: list red → a red listing, not pending ("not_listed" /
 *      "listing_pending"); grade_at_least → grade at least the value, A > B > C > D
 *      ("grade_below"); band_at_least → band at least the value, needs_improvement < fair <
 *      good < very_good < excellent ("band_below"); score_at_least → score >= the value
 *      ("score_below"; "score_not_disclosed" for an attestation without a score).
 *   triggered_by: local "list:red", "grade:<grade>", "band:<band>" or "score:<score>";
 *   attestation "attestation:<issuer region>:<tier>" (tier of the recognition result) or
 *   "attestation:<issuer region>:list:red".
 * - Output order = catalogue order within each array; the same input gives the same output.
 */
#ifndef YRDCREDIT_DECIDE_H
#define YRDCREDIT_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/date.h"
#include "yrdcredit/err.h"
#include "yrdcredit/lists.h"
#include "yrdcredit/measures.h"
#include "yrdcredit/recognition.h"
#include "yrdcredit/record.h"

/** Size of yc_decided_measure.triggered_by and yc_skipped_measure.reason, with the NUL. */
#define YC_DECIDE_CODE_MAX 64
/** Value of yc_decide_input.score meaning "no score" (an attestation that hides it). */
#define YC_DECIDE_NO_SCORE (-1)

/** One listing an attestation carries (its `lists` claim, issue 5 review finding 1). */
typedef struct yc_attested_listing {
    yc_list_kind kind; /**< the list */
    yc_date from;      /**< effective_from, or start when the listing needed no notice */
    yc_date to;        /**< end (exclusive, as yc_listing::end), or YC_DATE_NONE = open */
    uint32_t codes;    /**< bit (1 << yc_code) per record code behind it; 0 = not carried */
} yc_attested_listing;

/** Which evidence a decision rests on. */
typedef enum yc_evidence_kind {
    YC_EVIDENCE_LOCAL = 1,       /**< the host's own records and listings */
    YC_EVIDENCE_ATTESTATION = 2, /**< a verified partner attestation */
} yc_evidence_kind;

/** The request and the subject's evidence.  All strings NUL-terminated; borrowed. */
typedef struct yc_decide_input {
    const char *matter;        /**< vocabulary code (yc_matter_is_valid()) */
    yc_date as_of;             /**< decision date, not YC_DATE_NONE */
    yc_evidence_kind evidence; /**< which of the members below are read */
    /** LOCAL: legal_person / individual_business (merchant: @ref grade) or natural_person
     *  (individual: @ref band).  Ignored for an attestation (the disclosed claim decides). */
    yc_subject_type subject_type;
    const char *grade; /**< "A".."D" for a merchant, else NULL */
    const char *band;  /**< band code for an individual, else NULL */
    int score;         /**< 0..1000; YC_DECIDE_NO_SCORE allowed only for an attestation */
    /** LOCAL: listings from yc_lists_derive() at @ref as_of (NULL when @ref n_listings is 0);
     *  their legal_basis is borrowed into the result. */
    const yc_listing *listings;
    size_t n_listings;  /**< entries of @ref listings */
    const char *issuer; /**< ATTESTATION: issuer region (yc_region_is_valid()) */
    int64_t age_days;   /**< ATTESTATION: as_of minus the attested as_of, in days, >= 0 */
    const char *vct;    /**< ATTESTATION: the attestation's vct claim (NUL-terminated) */
    /** ATTESTATION: the listings of its `lists` claim (NULL when @ref n_att_lists is 0). */
    const yc_attested_listing *att_lists;
    size_t n_att_lists; /**< entries of @ref att_lists */
} yc_decide_input;

/** A measure that applies. */
typedef struct yc_decided_measure {
    const yc_measure *measure; /**< borrowed from the catalogue */
    /** NUL-terminated trigger, e.g. "list:serious_dishonesty", "attestation:330782:tier_1". */
    char triggered_by[YC_DECIDE_CODE_MAX];
    /** Legal basis of the triggering listing (borrowed from the list rules), NULL unless the
     *  trigger is a listing. */
    const char *list_legal_basis;
} yc_decided_measure;

/** A measure considered but not applicable. */
typedef struct yc_skipped_measure {
    const yc_measure *measure;       /**< borrowed from the catalogue */
    char reason[YC_DECIDE_CODE_MAX]; /**< NUL-terminated reason code (file comment) */
} yc_skipped_measure;

/** The outcome; arrays owned by it (yc_decision_clear()), measures borrowed. */
typedef struct yc_decision {
    yc_decided_measure *applies;        /**< n_applies entries, catalogue order; NULL if 0 */
    size_t n_applies;                   /**< entries of @ref applies */
    yc_skipped_measure *not_applicable; /**< n_not_applicable entries, catalogue order */
    size_t n_not_applicable;            /**< entries of @ref not_applicable */
} yc_decision;

/**
 * @brief Decide which measures of @p cat apply (semantics in the file comment).
 *
 * @param[in]  cat  Host catalogue; its region is the host of the recognition lookup.  The
 *                  result borrows its measures: keep it alive while @p ret is used.
 * @param[in]  rec  Recognition policy; required for YC_EVIDENCE_ATTESTATION, may be NULL for
 *                  local evidence (not read).
 * @param[in]  in   The request and evidence (see yc_decide_input).
 * @param[out] ret  On YC_OK: the decision; its two arrays are allocated with yc_alloc()
 *                  (one each, only when non-empty); free with yc_decision_clear().  On error:
 *                  zeroed (nothing to free).
 *
 * @retval YC_OK
 * @retval YC_ERR_INVALID  a NULL argument; matter not in the vocabulary; as_of YC_DATE_NONE;
 *                         unknown evidence kind; LOCAL: subject type not one of the three, a
 *                         merchant without a grade A..D or with a band, an individual without
 *                         a band code or with a grade, score outside 0..1000, listings NULL
 *                         with n_listings > 0 or a listing kind out of range; ATTESTATION:
 *                         @p rec NULL, issuer not a region (yc_region_is_valid()), vct
 *                         NULL, att_lists NULL with n_att_lists > 0 or an attested listing
 *                         kind out of range or with to <= from, not exactly one of grade
 *                         (A..D) and band (band code), score neither YC_DECIDE_NO_SCORE nor
 *                         0..1000, age_days < 0
 * @retval YC_ERR_NOMEM    allocation failed
 *
 * @note Thread-safety: reads @p cat and @p rec only; safe from many threads.
 * @par Source: issue 5 scope item 4 (operationId createDecision) and review findings 1, 3, 4;
 *      docs/design/domain.md §3, §7; 国办发〔2020〕49号.
 */
YC_MUST_USE yc_err yc_decide(const yc_catalogue *cat, const yc_recognition *rec,
                             const yc_decide_input *in, yc_decision *ret);

/**
 * @brief Free the arrays of a decision and zero it.
 * @param[in,out] d  A decision from yc_decide(), a zeroed one, or NULL (no-op).
 * @par Source: STYLE.md §4.4.
 */
void yc_decision_clear(yc_decision *d);

#endif
