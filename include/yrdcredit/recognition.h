/**
 * @file recognition.h
 * @brief Mutual recognition policy between cities (信用长三角, issue 5 scope item 3;
 *        svc/policy/recognition.c): which partner attestations a host city accepts, which
 *        grades or bands map to which local tier, which statutory lists it recognises, for
 *        which matters (事项) and for how long.
 *
 * The policy is data, etc/policy/recognition.json:
 * `{"format":"yrdcredit-recognition/1","rules":[{"host":"330100","issuer":"330782",
 * "vct":"https://.../vct/credit-score/v1" or [...], "grade_map":{"A":"tier_1",...},
 * "band_map":{"excellent":"tier_1",...}, "lists":["serious_dishonesty",...],
 * "matters":["deposit_waiver",...], "max_age_days":30}, ...]}`.
 * Every member is required; unknown and duplicate members are refused.  One rule per ordered
 * (host, issuer) pair of region codes (6 digits, host != issuer).  A grade or band absent from
 * its map, or mapped to tier "none", is not recognised.  Maps are monotonic: a better grade
 * (A > B > C > D) or band (excellent > ... > needs_improvement) never maps to a worse tier
 * (tier_1 > tier_2 > none/absent); the loader refuses a map that breaks this.
 *
 * Vocabularies (kept here, in one place, so that the measure catalogues share them):
 * - local tiers: YC_POLICY_TIER_TABLE (tier_1 best; tier_2; none = explicitly no tier);
 * - statutory lists: YC_POLICY_LIST_TABLE (domain.md §3; issue 5 scope item 1);
 * - matters: the vocabulary of measures.h (yc_matter_is_valid(), yc_matter_label()), shared with
 * the measure catalogues; English snake_case code and the Chinese label.
 */
#ifndef YRDCREDIT_RECOGNITION_H
#define YRDCREDIT_RECOGNITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/measures.h"

/** The "format" member of recognition.json. */
#define YC_RECOGNITION_FORMAT "yrdcredit-recognition/1"

/** Largest recognition.json accepted, in bytes. */
#define YC_RECOGNITION_MAX_FILE_BYTES 65536u

/** Longest accepted vct string, in bytes (without the NUL). */
#define YC_RECOGNITION_VCT_MAX_BYTES 256u

/** Smallest and largest accepted max_age_days. */
#define YC_RECOGNITION_MIN_AGE_DAYS 1
/** Largest accepted max_age_days (one year). */
#define YC_RECOGNITION_MAX_AGE_DAYS 365

/** Local tiers: code, meaning.  Reward targets of the measure catalogues use these codes. */
#define YC_POLICY_TIER_TABLE(X)                                 \
    X("tier_1", "best local treatment (e.g. grade A merchant)") \
    X("tier_2", "good local treatment (e.g. grade B merchant)") \
    X("none", "recognised issuer, but this rating earns no tier")

/** Statutory lists: code, Chinese name (domain.md §3). */
#define YC_POLICY_LIST_TABLE(X)                 \
    X("serious_dishonesty", "严重失信主体名单") \
    X("watch", "重点关注名单")                  \
    X("red", "守信红名单")

/** A loaded recognition policy; fields are private. */
typedef struct yc_recognition yc_recognition;

/** The outcome of yc_recognition_lookup(). */
typedef struct yc_recognition_result {
    /** true: the attestation's rating counts in the host city at @ref tier. */
    bool recognised;
    /** "tier_1" or "tier_2" (static) when recognised; NULL otherwise. */
    const char *tier;
    /** NULL when recognised; otherwise one of the static strings "no_rule",
     *  "matter_not_recognised", "too_old", "grade_not_mapped", "band_not_mapped". */
    const char *reason;
    /** true when a rule exists for the pair and the matter is one of its matters: the
     *  issuer's listings on @ref lists count for this matter (independent of age and rating). */
    bool lists_apply;
    /** The rule's recognised lists (static codes of YC_POLICY_LIST_TABLE); borrowed from the
     *  policy, valid until yc_recognition_free().  NULL and 0 when there is no rule. */
    const char *const *lists;
    /** Number of entries of @ref lists. */
    size_t n_lists;
    /** The rule's accepted vct values; borrowed like @ref lists; NULL and 0 without rule. */
    const char *const *vcts;
    /** Number of entries of @ref vcts. */
    size_t n_vcts;
    /** The rule's max_age_days; 0 when there is no rule. */
    int64_t max_age_days;
} yc_recognition_result;

/**
 * @brief Load and validate a recognition policy file.
 *
 * Refuses the whole file on the first violation: not JSON or duplicate member, wrong format,
 * unknown or missing member, region not 6 ASCII digits, host == issuer, duplicate (host,
 * issuer) pair, a vct that is not an https URL of 9..YC_RECOGNITION_VCT_MAX_BYTES bytes or is
 * repeated, a grade not A/B/C/D, a band not one of the five band codes (needs_improvement,
 * fair, good, very_good, excellent), an unknown tier, an unknown or repeated list, an empty
 * matters array, an unknown or repeated matter, max_age_days outside
 * YC_RECOGNITION_MIN_AGE_DAYS..YC_RECOGNITION_MAX_AGE_DAYS.
 *
 * @param[in]  path     NUL-terminated path of the JSON file (at most
 *                      YC_RECOGNITION_MAX_FILE_BYTES bytes).
 * @param[out] ret      On YC_OK: the new policy; the caller frees it with yc_recognition_free().
 * @param[out] why      On failure: NUL-terminated reason naming @p path, and for a rule its
 *                      index, host and issuer (when readable) and the violated rule, e.g.
 *                      `etc/policy/recognition.json: rules[2] (host 310000, issuer 330782):
 *                      grade_map: "E" is not a grade (A, B, C, D)`.  May be NULL.
 * @param[in]  why_len  Size of @p why in bytes (0 when @p why is NULL); truncated to fit.
 *
 * @retval YC_OK
 * @retval YC_ERR_IO         @p path cannot be opened or read
 * @retval YC_ERR_TOO_LARGE  the file is longer than YC_RECOGNITION_MAX_FILE_BYTES
 * @retval YC_ERR_INVALID    the content violates one of the rules above
 * @retval YC_ERR_NOMEM      allocation failed
 *
 * @par Source: issue 5 scope item 3; docs/design/domain.md §1, §2, §7.
 */
YC_MUST_USE yc_err yc_recognition_load(const char *path, yc_recognition **ret, char *why,
                                       size_t why_len);

/**
 * @brief Free a policy from yc_recognition_load().
 *
 * Results of yc_recognition_lookup() that borrow from it become invalid.
 *
 * @param[in] r  The policy, or NULL (no-op).
 */
void yc_recognition_free(yc_recognition *r);

/**
 * @brief Number of rules of a loaded policy.
 *
 * @param[in] r  A loaded policy.
 * @return The number of (host, issuer) rules.
 */
size_t yc_recognition_rule_count(const yc_recognition *r);

/**
 * @brief Decide whether a partner's attested rating counts in the host city for a matter.
 *
 * Checks, in this order: a rule for (@p host, @p issuer) ("no_rule"), @p matter among its
 * matters ("matter_not_recognised"), @p age_days <= max_age_days ("too_old"), then the grade
 * or band map ("grade_not_mapped" / "band_not_mapped": absent or mapped to "none").  Unknown
 * strings (a matter, grade or band outside the vocabularies) are not errors: they are simply
 * not recognised.
 *
 * @param[in]  r         A loaded policy.
 * @param[in]  host      NUL-terminated 6-digit region code of the deciding city.
 * @param[in]  issuer    NUL-terminated 6-digit region code of the attesting city.
 * @param[in]  matter    NUL-terminated matter code (measures.h: yc_matter_is_valid()).
 * @param[in]  grade     NUL-terminated merchant grade ("A".."D"), or NULL for an individual.
 * @param[in]  band      NUL-terminated individual band code, or NULL for a merchant.  Exactly
 *                       one of @p grade and @p band is non-NULL.
 * @param[in]  age_days  Age of the attested rating in whole days (as_of of the decision minus
 *                       the attestation's as_of), >= 0.
 * @param[out] ret       On YC_OK: the outcome; its string pointers are static or borrowed
 *                       from @p r.
 *
 * @retval YC_OK           decided (recognised or not: see @p ret)
 * @retval YC_ERR_INVALID  both or neither of @p grade and @p band given, or @p age_days < 0
 *
 * @par Source: issue 5 scope items 3 and 4 (decisions on partner attestations).
 */
YC_MUST_USE yc_err yc_recognition_lookup(const yc_recognition *r, const char *host,
                                         const char *issuer, const char *matter, const char *grade,
                                         const char *band, int64_t age_days,
                                         yc_recognition_result *ret);

/**
 * @brief Whether an attestation type is one a looked-up rule accepts.
 *
 * @param[in] res  A result filled by yc_recognition_lookup().
 * @param[in] vct  NUL-terminated vct claim of the attestation.
 * @return true when @p vct equals (bytewise) one of the rule's vct values; false otherwise
 *         (also when there was no rule).
 */
bool yc_recognition_result_has_vct(const yc_recognition_result *res, const char *vct);

/**
 * @brief The static copy of a local tier code.
 *
 * @param[in] tier  NUL-terminated candidate code.
 * @return The static string of YC_POLICY_TIER_TABLE equal to @p tier, or NULL when unknown.
 */
const char *yc_policy_tier_intern(const char *tier);

/**
 * @brief The static copy of a statutory list code.
 *
 * @param[in] list  NUL-terminated candidate code.
 * @return The static string of YC_POLICY_LIST_TABLE equal to @p list, or NULL when unknown.
 */
const char *yc_policy_list_intern(const char *list);

/**
 * @brief Does the host city recognise the issuer city's listings on @p list (the rule's
 *        `lists` member)?  Used for shared records (issue 5 scope item 5) and for the list
 *        membership an attestation carries.  Matters and ages do not enter.
 * @param[in] r       A loaded policy.
 * @param[in] host    NUL-terminated host region, 6 ASCII digits.
 * @param[in] issuer  NUL-terminated issuer (origin) region, 6 ASCII digits.
 * @param[in] list    NUL-terminated list code ("serious_dishonesty", "watch", "red").
 * @return true when a rule for (host, issuer) exists and names @p list; false otherwise,
 *         including any NULL argument.
 * @note Thread-safety: reads only.
 * @par Source: issue 5 scope items 3 and 5.
 */
bool yc_recognition_list_recognised(const yc_recognition *r, const char *host, const char *issuer,
                                    const char *list);

#endif
