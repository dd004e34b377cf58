/* Mutual recognition policy between cities (include/yrdcredit/recognition.h). */
#include "yrdcredit/recognition.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/fileio.h"
#include "yrdcredit/ids.h"

#define N_GRADES 4
#define N_BANDS  5

static const char *const k_grades[N_GRADES] = {"A", "B", "C", "D"};
/* Hangzhou 钱江分 band codes, lowest first (domain.md §1; etc/model). */
static const char *const k_bands[N_BANDS] = {"needs_improvement", "fair", "good", "very_good",
                                             "excellent"};

#define YC_VOCAB_CODE_(code, label)  code,
#define YC_VOCAB_LABEL_(code, label) label,
static const char *const k_tiers[] = {YC_POLICY_TIER_TABLE(YC_VOCAB_CODE_)};
static const char *const k_lists[] = {YC_POLICY_LIST_TABLE(YC_VOCAB_CODE_)};
#undef YC_VOCAB_CODE_
#undef YC_VOCAB_LABEL_

#define N_TIERS (sizeof k_tiers / sizeof k_tiers[0])
#define N_LISTS (sizeof k_lists / sizeof k_lists[0])

typedef struct rule {
    const char *host;   /* borrowed from doc */
    const char *issuer; /* borrowed from doc */
    const char **vcts;  /* borrowed strings from doc; array owned */
    size_t n_vcts;
    const char *grade_tier[N_GRADES]; /* static tier or NULL */
    const char *band_tier[N_BANDS];   /* static tier or NULL */
    const char **lists;               /* static codes; array owned */
    size_t n_lists;
    bool matter[YC_MATTERS_MAX]; /* indexed as yc_matter_code_at() */
    int64_t max_age_days;
} rule;

struct yc_recognition {
    json_t *doc;
    rule *rules;
    size_t n_rules;
};

static const char *intern(const char *const *tab, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i], s) == 0)
            return tab[i];
    return NULL;
}

static long index_of(const char *const *tab, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i], s) == 0)
            return (long)i;
    return -1;
}

/* The index of a matter code in the shared vocabulary (measures.h), or -1. */
static long matter_index(const char *matter)
{
    for (size_t i = 0; i < yc_matter_count(); i++)
        if (strcmp(yc_matter_code_at(i), matter) == 0)
            return (long)i;
    return -1;
}

const char *yc_policy_tier_intern(const char *tier)
{
    return intern(k_tiers, N_TIERS, tier);
}

const char *yc_policy_list_intern(const char *list)
{
    return intern(k_lists, N_LISTS, list);
}

static void why_set(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t why_len, const char *fmt, ...)
{
    if (why == NULL || why_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

/* Where a rule error is reported: "PATH: rules[I] (host H, issuer S)". */
typedef struct where {
    const char *path;
    size_t idx;
    const char *host;   /* NULL when not (yet) a valid string */
    const char *issuer; /* NULL when not (yet) a valid string */
    char *why;
    size_t why_len;
} where;

static yc_err rule_fail(const where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static yc_err rule_fail(const where *w, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    why_set(w->why, w->why_len, "%s: rules[%zu] (host %s, issuer %s): %s", w->path, w->idx,
            w->host ? w->host : "?", w->issuer ? w->issuer : "?", msg);
    return YC_ERR_INVALID;
}

/* A region code: yc_region_is_valid() (GB/T 2260 province prefix; review finding 8). */
static bool is_region(const json_t *v)
{
    return json_is_string(v) && yc_region_is_valid(json_string_value(v), json_string_length(v));
}

static const char *const k_members[] = {"host",     "issuer", "vct",     "grade_map",
                                        "band_map", "lists",  "matters", "max_age_days"};
#define N_MEMBERS (sizeof k_members / sizeof k_members[0])

static yc_err parse_vcts(const where *w, json_t *v, rule *ru)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (!json_is_string(v) && !(json_is_array(v) && n > 0))
        return rule_fail(w, "vct: not a string or a non-empty array of strings");
    ru->vcts = yc_calloc(n, sizeof *ru->vcts);
    if (ru->vcts == NULL)
        return YC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e))
            return rule_fail(w, "vct[%zu]: not a string", i);
        const char *s = json_string_value(e);
        size_t len = json_string_length(e);
        if (len != strlen(s) || len <= strlen("https://") || strncmp(s, "https://", 8) != 0 ||
            len > YC_RECOGNITION_VCT_MAX_BYTES)
            return rule_fail(w, "vct[%zu]: not an https URL of at most %u bytes", i,
                             YC_RECOGNITION_VCT_MAX_BYTES);
        for (size_t j = 0; j < ru->n_vcts; j++)
            if (strcmp(ru->vcts[j], s) == 0)
                return rule_fail(w, "vct[%zu]: \"%s\" repeated", i, s);
        ru->vcts[ru->n_vcts++] = s;
    }
    return YC_OK;
}

/* tier_1 = 0 (best), tier_2 = 1, no tier (absent or "none") = 2. */
static int tier_rank(const char *tier)
{
    return tier == NULL ? 2 : strcmp(tier, "tier_1") == 0 ? 0 : 1;
}

static yc_err parse_map(const where *w, json_t *v, const char *name, const char *const *keys,
                        size_t n_keys, bool best_first, const char *key_kind, const char *key_list,
                        const char **out)
{
    if (!json_is_object(v))
        return rule_fail(w, "%s: not an object", name);
    const char *k;
    json_t *t;
    json_object_foreach(v, k, t)
    {
        long i = index_of(keys, n_keys, k);
        if (i < 0)
            return rule_fail(w, "%s: \"%s\" is not a %s (%s)", name, k, key_kind, key_list);
        const char *tier = json_is_string(t) ? yc_policy_tier_intern(json_string_value(t)) : NULL;
        if (tier == NULL)
            return rule_fail(w, "%s: \"%s\": unknown tier (tier_1, tier_2, none)", name, k);
        out[i] = strcmp(tier, "none") == 0 ? NULL : tier;
    }
    /* A better rating never maps to a worse tier: keys run best first (grades A..D) or worst
     * first (bands needs_improvement..excellent); an absent or "none" rating ranks last. */
    for (size_t i = 0; i + 1 < n_keys; i++) {
        const size_t better = best_first ? i : i + 1, worse = best_first ? i + 1 : i;
        if (tier_rank(out[better]) > tier_rank(out[worse]))
            return rule_fail(w, "%s: \"%s\" maps to a better tier than \"%s\" (not monotonic)",
                             name, keys[worse], keys[better]);
    }
    return YC_OK;
}

static yc_err parse_lists(const where *w, json_t *v, rule *ru)
{
    if (!json_is_array(v))
        return rule_fail(w, "lists: not an array");
    size_t n = json_array_size(v);
    if (n > 0) {
        ru->lists = yc_calloc(n, sizeof *ru->lists);
        if (ru->lists == NULL)
            return YC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        const char *l = json_is_string(e) ? yc_policy_list_intern(json_string_value(e)) : NULL;
        if (l == NULL)
            return rule_fail(w, "lists[%zu]: unknown list (serious_dishonesty, watch, red)", i);
        for (size_t j = 0; j < ru->n_lists; j++)
            if (ru->lists[j] == l)
                return rule_fail(w, "lists[%zu]: \"%s\" repeated", i, l);
        ru->lists[ru->n_lists++] = l;
    }
    return YC_OK;
}

static yc_err parse_matters(const where *w, json_t *v, rule *ru)
{
    if (!json_is_array(v) || json_array_size(v) == 0)
        return rule_fail(w, "matters: not a non-empty array");
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        long m = json_is_string(e) ? matter_index(json_string_value(e)) : -1;
        if (m < 0)
            return rule_fail(w, "matters[%zu]: not a matter of the vocabulary", i);
        if (ru->matter[m])
            return rule_fail(w, "matters[%zu]: \"%s\" repeated", i, yc_matter_code_at((size_t)m));
        ru->matter[m] = true;
    }
    return YC_OK;
}

static yc_err parse_rule(where *w, json_t *o, rule *ru)
{
    if (!json_is_object(o))
        return rule_fail(w, "not an object");
    json_t *h = json_object_get(o, "host");
    json_t *is = json_object_get(o, "issuer");
    if (json_is_string(h))
        w->host = json_string_value(h);
    if (json_is_string(is))
        w->issuer = json_string_value(is);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (index_of(k_members, N_MEMBERS, k) < 0)
            return rule_fail(w, "unknown member \"%s\"", k);
    }
    for (size_t i = 0; i < N_MEMBERS; i++)
        if (json_object_get(o, k_members[i]) == NULL)
            return rule_fail(w, "missing member \"%s\"", k_members[i]);
    if (!is_region(h))
        return rule_fail(w, "host: not a 6-digit region code");
    if (!is_region(is))
        return rule_fail(w, "issuer: not a 6-digit region code");
    ru->host = w->host;
    ru->issuer = w->issuer;
    if (strcmp(ru->host, ru->issuer) == 0)
        return rule_fail(w, "host and issuer are the same region");
    YC_TRY(parse_vcts(w, json_object_get(o, "vct"), ru));
    YC_TRY(parse_map(w, json_object_get(o, "grade_map"), "grade_map", k_grades, N_GRADES, true,
                     "grade", "A, B, C, D", ru->grade_tier));
    YC_TRY(parse_map(w, json_object_get(o, "band_map"), "band_map", k_bands, N_BANDS, false, "band",
                     "needs_improvement, fair, good, very_good, excellent", ru->band_tier));
    YC_TRY(parse_lists(w, json_object_get(o, "lists"), ru));
    YC_TRY(parse_matters(w, json_object_get(o, "matters"), ru));
    json_t *a = json_object_get(o, "max_age_days");
    if (!json_is_integer(a) || json_integer_value(a) < YC_RECOGNITION_MIN_AGE_DAYS ||
        json_integer_value(a) > YC_RECOGNITION_MAX_AGE_DAYS)
        return rule_fail(w, "max_age_days: not an integer in %d..%d", YC_RECOGNITION_MIN_AGE_DAYS,
                         YC_RECOGNITION_MAX_AGE_DAYS);
    ru->max_age_days = (int64_t)json_integer_value(a);
    return YC_OK;
}

void yc_recognition_free(yc_recognition *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; r->rules != NULL && i < r->n_rules; i++) {
        yc_free(r->rules[i].vcts);
        yc_free(r->rules[i].lists);
    }
    yc_free(r->rules);
    json_decref(r->doc);
    yc_free(r);
}

static yc_err parse_doc(const char *path, yc_recognition *r, char *why, size_t why_len)
{
    json_t *doc = r->doc;
    if (!json_is_object(doc)) {
        why_set(why, why_len, "%s: not a JSON object", path);
        return YC_ERR_INVALID;
    }
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (strcmp(k, "format") != 0 && strcmp(k, "rules") != 0) {
            why_set(why, why_len, "%s: unknown member \"%s\"", path, k);
            return YC_ERR_INVALID;
        }
    }
    json_t *fmt = json_object_get(doc, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), YC_RECOGNITION_FORMAT) != 0) {
        why_set(why, why_len, "%s: format is not \"%s\"", path, YC_RECOGNITION_FORMAT);
        return YC_ERR_INVALID;
    }
    json_t *rules = json_object_get(doc, "rules");
    if (!json_is_array(rules)) {
        why_set(why, why_len, "%s: rules is not an array", path);
        return YC_ERR_INVALID;
    }
    size_t n = json_array_size(rules);
    if (n > 0) {
        r->rules = yc_calloc(n, sizeof *r->rules);
        if (r->rules == NULL)
            return YC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        where w = {.path = path, .idx = i, .why = why, .why_len = why_len};
        rule *ru = &r->rules[i];
        r->n_rules = i + 1; /* so that yc_recognition_free() sees the arrays of this rule */
        YC_TRY(parse_rule(&w, json_array_get(rules, i), ru));
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->rules[j].host, ru->host) == 0 &&
                strcmp(r->rules[j].issuer, ru->issuer) == 0)
                return rule_fail(&w, "same (host, issuer) pair as rules[%zu]", j);
    }
    return YC_OK;
}

yc_err yc_recognition_load(const char *path, yc_recognition **ret, char *why, size_t why_len)
{
    yc_err rv;
    char *buf = NULL;
    size_t len = 0;
    yc_recognition *r = NULL;

    rv = yc_file_read_all(path, YC_RECOGNITION_MAX_FILE_BYTES, &buf, &len);
    if (rv != YC_OK) {
        why_set(why, why_len, "%s: %s", path,
                rv == YC_ERR_TOO_LARGE ? "larger than 65536 bytes" : yc_err_str(rv));
        goto out;
    }
    r = yc_calloc(1, sizeof *r);
    if (r == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    yc_core_init_json();
    json_error_t jerr;
    r->doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (r->doc == NULL) {
        why_set(why, why_len, "%s: not JSON or a duplicate member (line %d: %s)", path, jerr.line,
                jerr.text);
        rv = YC_ERR_INVALID;
        goto out;
    }
    rv = parse_doc(path, r, why, why_len);
    if (rv == YC_ERR_NOMEM)
        why_set(why, why_len, "%s: out of memory", path);
    if (rv != YC_OK)
        goto out;
    *ret = r;
    r = NULL;
out:
    yc_recognition_free(r);
    yc_free(buf);
    return rv;
}

size_t yc_recognition_rule_count(const yc_recognition *r)
{
    return r->n_rules;
}

yc_err yc_recognition_lookup(const yc_recognition *r, const char *host, const char *issuer,
                             const char *matter, const char *grade, const char *band,
                             int64_t age_days, yc_recognition_result *ret)
{
    YC_ENSURE((grade == NULL) != (band == NULL), YC_ERR_INVALID);
    YC_ENSURE(age_days >= 0, YC_ERR_INVALID);
    yc_recognition_result res = {.recognised = false};
    const rule *ru = NULL;
    for (size_t i = 0; i < r->n_rules; i++)
        if (strcmp(r->rules[i].host, host) == 0 && strcmp(r->rules[i].issuer, issuer) == 0)
            ru = &r->rules[i];
    if (ru == NULL) {
        res.reason = "no_rule";
        *ret = res;
        return YC_OK;
    }
    res.lists = ru->lists;
    res.n_lists = ru->n_lists;
    res.vcts = ru->vcts;
    res.n_vcts = ru->n_vcts;
    res.max_age_days = ru->max_age_days;
    long m = matter_index(matter);
    if (m < 0 || !ru->matter[m]) {
        res.reason = "matter_not_recognised";
        *ret = res;
        return YC_OK;
    }
    res.lists_apply = true;
    if (age_days > ru->max_age_days) {
        res.reason = "too_old";
        *ret = res;
        return YC_OK;
    }
    const char *tier = NULL;
    if (grade != NULL) {
        long g = index_of(k_grades, N_GRADES, grade);
        tier = g < 0 ? NULL : ru->grade_tier[g];
        res.reason = tier == NULL ? "grade_not_mapped" : NULL;
    } else {
        long b = index_of(k_bands, N_BANDS, band);
        tier = b < 0 ? NULL : ru->band_tier[b];
        res.reason = tier == NULL ? "band_not_mapped" : NULL;
    }
    res.recognised = tier != NULL;
    res.tier = tier;
    *ret = res;
    return YC_OK;
}

bool yc_recognition_result_has_vct(const yc_recognition_result *res, const char *vct)
{
    for (size_t i = 0; i < res->n_vcts; i++)
        if (strcmp(res->vcts[i], vct) == 0)
            return true;
    return false;
}

bool yc_recognition_list_recognised(const yc_recognition *r, const char *host, const char *issuer,
                                    const char *list)
{
    if (r == NULL || host == NULL || issuer == NULL || list == NULL)
        return false;
    for (size_t i = 0; i < r->n_rules; i++) {
        const rule *ru = &r->rules[i];
        if (strcmp(ru->host, host) != 0 || strcmp(ru->issuer, issuer) != 0)
            continue;
        for (size_t j = 0; j < ru->n_lists; j++)
            if (strcmp(ru->lists[j], list) == 0)
                return true;
        return false;
    }
    return false;
}
