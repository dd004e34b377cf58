/* The 处罚类别 → N01–N05 rule table (etc/rules/penalty-categories.json), format in
 * docs/formats.md §4.  The mapping is data, not code (issue 2 §3). */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/fileio.h"
#include "yrdcredit/import.h"

#define RULES_FILE_MAX     (1024 * 1024)
#define RULES_MAX_CATS     64
#define RULES_MAX_RULES    1024
#define RULES_MAX_PATTERNS 64

typedef struct rule_alias {
    const char *text; /* borrowed from the JSON tree */
    size_t len;
    int cat;
} rule_alias;

typedef struct rule_patterns {
    const char *text[RULES_MAX_PATTERNS];
    size_t len[RULES_MAX_PATTERNS];
    size_t n;
} rule_patterns;

typedef struct rule {
    uint64_t cats;     /* bit per category; 0 = any */
    unsigned subjects; /* bit per yc_subject_type; 0 = any */
    rule_patterns violation;
    rule_patterns content;
    bool has_below, has_at_least;
    yc_amount below, at_least;
    yc_code code;
} rule;

struct yc_rules {
    json_t *root; /* keeps every borrowed string alive */
    size_t n_cats;
    rule_alias *aliases; /* canonical names, aliases and legacy digit codes */
    size_t n_aliases;
    int rank[YC_CODE_COUNT]; /* position in "severity"; -1 = not listed */
    rule *rules;
    size_t n_rules;
};

static yc_err fail(char *msg, size_t msg_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static yc_err fail(char *msg, size_t msg_size, const char *fmt, ...)
{
    if (msg != NULL && msg_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_size, fmt, ap);
        va_end(ap);
    }
    return YC_ERR_INVALID;
}

static bool only_keys(json_t *obj, const char *const *keys, size_t n, const char **ret_bad)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = strcmp(k, keys[i]) == 0;
        if (!known) {
            *ret_bad = k;
            return false;
        }
    }
    return true;
}

/* A JSON string without embedded NUL, non-empty. */
static bool is_text(json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0 &&
           strlen(json_string_value(v)) == json_string_length(v);
}

static int find_alias(const yc_rules *r, const char *s, size_t len)
{
    for (size_t i = 0; i < r->n_aliases; i++)
        if (r->aliases[i].len == len && memcmp(r->aliases[i].text, s, len) == 0)
            return r->aliases[i].cat;
    return -1;
}

static yc_err add_alias(yc_rules *r, const char *s, size_t len, int cat, const char *where,
                        char *msg, size_t msg_size)
{
    if (len == 0 || strlen(s) != len)
        return fail(msg, msg_size, "%s: must be a non-empty string", where);
    int prev = find_alias(r, s, len);
    if (prev == cat)
        return YC_OK;
    if (prev >= 0)
        return fail(msg, msg_size, "%s: '%s' already names another category", where, s);
    r->aliases[r->n_aliases++] = (rule_alias){.text = s, .len = len, .cat = cat};
    return YC_OK;
}

static yc_err parse_categories(yc_rules *r, json_t *cats, json_t *legacy, char *msg,
                               size_t msg_size)
{
    if (!json_is_object(cats) || json_object_size(cats) == 0)
        return fail(msg, msg_size, "categories: must be a non-empty object");
    if (json_object_size(cats) > RULES_MAX_CATS)
        return fail(msg, msg_size, "categories: more than %d", RULES_MAX_CATS);
    if (legacy != NULL && !json_is_object(legacy))
        return fail(msg, msg_size, "legacy_codes: must be an object");
    size_t cap = json_object_size(cats) + (legacy != NULL ? json_object_size(legacy) : 0);
    const char *name;
    json_t *list;
    json_object_foreach(cats, name, list)
    {
        if (!json_is_array(list))
            return fail(msg, msg_size, "categories.%s: must be an array", name);
        cap += json_array_size(list);
    }
    r->aliases = yc_calloc(cap, sizeof *r->aliases);
    if (r->aliases == NULL) {
        (void)fail(msg, msg_size, "out of memory");
        return YC_ERR_NOMEM;
    }
    json_object_foreach(cats, name, list)
    {
        int cat = (int)r->n_cats++;
        char where[160];
        snprintf(where, sizeof where, "categories.%s", name);
        YC_TRY(add_alias(r, name, strlen(name), cat, where, msg, msg_size));
        size_t i;
        json_t *a;
        json_array_foreach(list, i, a)
        {
            snprintf(where, sizeof where, "categories.%s[%zu]", name, i);
            if (!is_text(a))
                return fail(msg, msg_size, "%s: must be a non-empty string", where);
            YC_TRY(add_alias(r, json_string_value(a), json_string_length(a), cat, where, msg,
                             msg_size));
        }
    }
    if (legacy == NULL)
        return YC_OK;
    const char *digit;
    json_t *target;
    json_object_foreach(legacy, digit, target)
    {
        if (!is_text(target))
            return fail(msg, msg_size, "legacy_codes.%s: must be a category name", digit);
        int cat = find_alias(r, json_string_value(target), json_string_length(target));
        if (cat < 0)
            return fail(msg, msg_size, "legacy_codes.%s: unknown category '%s'", digit,
                        json_string_value(target));
        if (find_alias(r, digit, strlen(digit)) >= 0 || digit[0] == '\0')
            return fail(msg, msg_size, "legacy_codes.%s: duplicate or empty", digit);
        YC_TRY(add_alias(r, digit, strlen(digit), cat, "legacy_codes", msg, msg_size));
    }
    return YC_OK;
}

static yc_err parse_severity(yc_rules *r, json_t *sev, char *msg, size_t msg_size)
{
    for (int i = 0; i < YC_CODE_COUNT; i++)
        r->rank[i] = -1;
    if (!json_is_array(sev) || json_array_size(sev) == 0)
        return fail(msg, msg_size, "severity: must be a non-empty array of codes");
    size_t i;
    json_t *v;
    json_array_foreach(sev, i, v)
    {
        yc_code c;
        if (!is_text(v) || yc_code_parse(json_string_value(v), &c) != YC_OK)
            return fail(msg, msg_size, "severity[%zu]: unknown taxonomy code", i);
        if (c < YC_CODE_N01 || c > YC_CODE_N05)
            return fail(msg, msg_size, "severity[%zu]: must be N01–N05", i);
        if (r->rank[c] >= 0)
            return fail(msg, msg_size, "severity[%zu]: duplicate code", i);
        r->rank[c] = (int)i;
    }
    return YC_OK;
}

static yc_err parse_patterns(json_t *arr, rule_patterns *out, const char *where, char *msg,
                             size_t msg_size)
{
    if (arr == NULL)
        return YC_OK;
    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > RULES_MAX_PATTERNS)
        return fail(msg, msg_size, "%s: must be an array of 1..%d strings", where,
                    RULES_MAX_PATTERNS);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!is_text(v))
            return fail(msg, msg_size, "%s[%zu]: must be a non-empty string", where, i);
        out->text[out->n] = json_string_value(v);
        out->len[out->n++] = json_string_length(v);
    }
    return YC_OK;
}

static yc_err parse_threshold(json_t *v, bool *has, yc_amount *out, const char *where, char *msg,
                              size_t msg_size)
{
    if (v == NULL)
        return YC_OK;
    if (!is_text(v) || yc_amount_parse(json_string_value(v), json_string_length(v), out) != YC_OK)
        return fail(msg, msg_size, "%s: must be a decimal string in 万元", where);
    *has = true;
    return YC_OK;
}

static yc_err parse_rule_lists(const yc_rules *r, json_t *obj, rule *ru, size_t idx, char *msg,
                               size_t msg_size)
{
    json_t *cats = json_object_get(obj, "categories");
    if (cats != NULL) {
        if (!json_is_array(cats) || json_array_size(cats) == 0)
            return fail(msg, msg_size, "rules[%zu].categories: must be a non-empty array", idx);
        size_t i;
        json_t *v;
        json_array_foreach(cats, i, v)
        {
            int c = is_text(v) ? find_alias(r, json_string_value(v), json_string_length(v)) : -1;
            if (c < 0)
                return fail(msg, msg_size, "rules[%zu].categories[%zu]: unknown category", idx, i);
            ru->cats |= (uint64_t)1 << c;
        }
    }
    json_t *subjects = json_object_get(obj, "subject_types");
    if (subjects != NULL) {
        if (!json_is_array(subjects) || json_array_size(subjects) == 0)
            return fail(msg, msg_size, "rules[%zu].subject_types: must be a non-empty array", idx);
        size_t i;
        json_t *v;
        json_array_foreach(subjects, i, v)
        {
            yc_subject_type t;
            if (!is_text(v) || yc_subject_type_parse(json_string_value(v), &t) != YC_OK)
                return fail(msg, msg_size, "rules[%zu].subject_types[%zu]: unknown subject type",
                            idx, i);
            ru->subjects |= 1u << (unsigned)t;
        }
    }
    char where[96];
    snprintf(where, sizeof where, "rules[%zu].violation_type_contains", idx);
    YC_TRY(parse_patterns(json_object_get(obj, "violation_type_contains"), &ru->violation, where,
                          msg, msg_size));
    snprintf(where, sizeof where, "rules[%zu].content_contains", idx);
    return parse_patterns(json_object_get(obj, "content_contains"), &ru->content, where, msg,
                          msg_size);
}

static yc_err parse_rule(const yc_rules *r, json_t *obj, rule *ru, size_t idx, char *msg,
                         size_t msg_size)
{
    static const char *const keys[] = {"categories",
                                       "subject_types",
                                       "violation_type_contains",
                                       "content_contains",
                                       "fine_below",
                                       "fine_at_least",
                                       "code",
                                       "note"};
    const char *bad;
    if (!json_is_object(obj))
        return fail(msg, msg_size, "rules[%zu]: must be an object", idx);
    if (!only_keys(obj, keys, sizeof keys / sizeof *keys, &bad))
        return fail(msg, msg_size, "rules[%zu].%s: unknown key", idx, bad);
    json_t *code = json_object_get(obj, "code");
    if (!is_text(code) || yc_code_parse(json_string_value(code), &ru->code) != YC_OK)
        return fail(msg, msg_size, "rules[%zu].code: unknown taxonomy code", idx);
    if (r->rank[ru->code] < 0)
        return fail(msg, msg_size, "rules[%zu].code: %s is not in severity", idx,
                    json_string_value(code));
    YC_TRY(parse_rule_lists(r, obj, ru, idx, msg, msg_size));
    char where[64];
    snprintf(where, sizeof where, "rules[%zu].fine_below", idx);
    YC_TRY(parse_threshold(json_object_get(obj, "fine_below"), &ru->has_below, &ru->below, where,
                           msg, msg_size));
    snprintf(where, sizeof where, "rules[%zu].fine_at_least", idx);
    YC_TRY(parse_threshold(json_object_get(obj, "fine_at_least"), &ru->has_at_least, &ru->at_least,
                           where, msg, msg_size));
    json_t *note = json_object_get(obj, "note");
    if (note != NULL && !json_is_string(note))
        return fail(msg, msg_size, "rules[%zu].note: must be a string", idx);
    return YC_OK;
}

static yc_err parse_root(yc_rules *r, char *msg, size_t msg_size)
{
    static const char *const keys[] = {"schema",     "description",  "severity",
                                       "categories", "legacy_codes", "rules"};
    const char *bad;
    if (!json_is_object(r->root))
        return fail(msg, msg_size, "(root): must be an object");
    if (!only_keys(r->root, keys, sizeof keys / sizeof *keys, &bad))
        return fail(msg, msg_size, "%s: unknown key", bad);
    json_t *schema = json_object_get(r->root, "schema");
    if (!json_is_string(schema) ||
        strcmp(json_string_value(schema), "yrdcredit-penalty-rules/1") != 0)
        return fail(msg, msg_size, "schema: must be \"yrdcredit-penalty-rules/1\"");
    YC_TRY(parse_severity(r, json_object_get(r->root, "severity"), msg, msg_size));
    YC_TRY(parse_categories(r, json_object_get(r->root, "categories"),
                            json_object_get(r->root, "legacy_codes"), msg, msg_size));
    json_t *rules = json_object_get(r->root, "rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0 ||
        json_array_size(rules) > RULES_MAX_RULES)
        return fail(msg, msg_size, "rules: must be an array of 1..%d rules", RULES_MAX_RULES);
    r->rules = yc_calloc(json_array_size(rules), sizeof *r->rules);
    if (r->rules == NULL) {
        (void)fail(msg, msg_size, "out of memory");
        return YC_ERR_NOMEM;
    }
    size_t i;
    json_t *v;
    json_array_foreach(rules, i, v)
    {
        YC_TRY(parse_rule(r, v, &r->rules[i], i, msg, msg_size));
        r->n_rules++;
    }
    return YC_OK;
}

yc_err yc_rules_parse(const char *json, size_t len, yc_rules **ret_rules, char *ret_msg,
                      size_t msg_size)
{
    if (len > RULES_FILE_MAX) {
        (void)fail(ret_msg, msg_size, "rule table larger than %d bytes", RULES_FILE_MAX);
        return YC_ERR_TOO_LARGE;
    }
    yc_rules *r = yc_calloc(1, sizeof *r);
    if (r == NULL) {
        (void)fail(ret_msg, msg_size, "out of memory");
        return YC_ERR_NOMEM;
    }
    yc_core_init_json();
    json_error_t jerr;
    const long failures = yc_alloc_failures();
    r->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    yc_err rv;
    if (r->root == NULL) {
        /* Jansson reports most allocation failures as syntax errors (alloc.h). */
        if (json_error_code(&jerr) == json_error_out_of_memory || yc_alloc_failures() != failures) {
            (void)fail(ret_msg, msg_size, "out of memory");
            rv = YC_ERR_NOMEM;
        } else {
            rv = fail(ret_msg, msg_size, "line %d: %s", jerr.line, jerr.text);
        }
    } else {
        rv = parse_root(r, ret_msg, msg_size);
    }
    if (rv != YC_OK) {
        yc_rules_free(r);
        return rv;
    }
    *ret_rules = r;
    return YC_OK;
}

yc_err yc_rules_load(const char *path, yc_rules **ret_rules, char *ret_msg, size_t msg_size)
{
    char *buf = NULL;
    size_t len = 0;
    yc_err rv = yc_file_read_all(path, RULES_FILE_MAX, &buf, &len);
    if (rv == YC_ERR_IO)
        (void)fail(ret_msg, msg_size, "cannot open %s", path);
    else if (rv == YC_ERR_TOO_LARGE)
        (void)fail(ret_msg, msg_size, "%s is larger than 1 MiB", path);
    else if (rv != YC_OK)
        (void)fail(ret_msg, msg_size, "out of memory");
    if (rv != YC_OK)
        return rv;
    rv = yc_rules_parse(buf, len, ret_rules, ret_msg, msg_size);
    yc_free(buf);
    return rv;
}

void yc_rules_free(yc_rules *rules)
{
    if (rules == NULL)
        return;
    json_decref(rules->root);
    yc_free(rules->aliases);
    yc_free(rules->rules);
    yc_free(rules);
}

/* ---- classification ---- */

/* Byte substring search (memmem is a GNU extension). */
static bool contains(const char *s, size_t len, const char *pat, size_t pat_len)
{
    if (pat_len > len)
        return false;
    for (size_t i = 0; i + pat_len <= len; i++)
        if (s[i] == pat[0] && memcmp(s + i, pat, pat_len) == 0)
            return true;
    return false;
}

static bool contains_any(const rule_patterns *p, const char *s, size_t len)
{
    for (size_t i = 0; i < p->n; i++)
        if (contains(s, len, p->text[i], p->len[i]))
            return true;
    return false;
}

static bool rule_matches(const rule *ru, int cat, const yc_penalty_facts *f)
{
    if (ru->cats != 0 && (ru->cats & ((uint64_t)1 << cat)) == 0)
        return false;
    if (ru->subjects != 0 && (ru->subjects & (1u << (unsigned)f->subject_type)) == 0)
        return false;
    if (ru->violation.n > 0 &&
        !contains_any(&ru->violation, f->violation_type, f->violation_type_len))
        return false;
    if (ru->content.n > 0 && !contains_any(&ru->content, f->content, f->content_len))
        return false;
    if (ru->has_below && !(f->has_fine && f->fine < ru->below))
        return false;
    if (ru->has_at_least && !(f->has_fine && f->fine >= ru->at_least))
        return false;
    return true;
}

/* Length of the separator at s[0..len) or 0: ; , | / and full-width ； ，. */
static size_t sep_len(const char *s, size_t len, bool dun)
{
    if (s[0] == ';' || s[0] == ',' || s[0] == '|' || s[0] == '/')
        return 1;
    if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBC &&
        ((unsigned char)s[2] == 0x9B || (unsigned char)s[2] == 0x8C))
        return 3; /* U+FF1B ； U+FF0C ， */
    if (dun && len >= 3 && (unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
        (unsigned char)s[2] == 0x81)
        return 3; /* U+3001 、 */
    return 0;
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

typedef struct classify_state {
    const yc_rules *rules;
    const yc_penalty_facts *facts;
    int best; /* rank, -1 = none yet */
    yc_code code;
    const char *bad;
    size_t bad_len;
} classify_state;

static yc_err classify_token(classify_state *st, const char *tok, size_t len)
{
    int cat = find_alias(st->rules, tok, len);
    if (cat < 0) {
        st->bad = tok;
        st->bad_len = len;
        return YC_ERR_INVALID;
    }
    for (size_t i = 0; i < st->rules->n_rules; i++) {
        const rule *ru = &st->rules->rules[i];
        if (!rule_matches(ru, cat, st->facts))
            continue;
        if (st->rules->rank[ru->code] > st->best) {
            st->best = st->rules->rank[ru->code];
            st->code = ru->code;
        }
        return YC_OK;
    }
    st->bad = tok;
    st->bad_len = len;
    return YC_ERR_NOT_FOUND;
}

/* Splits s on the separators (with 、 when dun) and classifies each non-empty token. */
static yc_err classify_list(classify_state *st, const char *s, size_t len, bool dun)
{
    size_t start = 0;
    for (size_t i = 0; i <= len;) {
        size_t sl = i < len ? sep_len(s + i, len - i, dun) : 1;
        if (sl == 0) {
            i++;
            continue;
        }
        const char *tok = s + start;
        size_t tlen = i - start;
        trim(&tok, &tlen);
        if (tlen > 0) {
            yc_err rv = classify_token(st, tok, tlen);
            if (rv == YC_ERR_INVALID && !dun)
                rv = classify_list(st, tok, tlen, true);
            YC_TRY(rv);
        }
        i += sl;
        start = i;
    }
    return YC_OK;
}

yc_err yc_rules_classify(const yc_rules *rules, const yc_penalty_facts *facts, yc_code *ret_code,
                         const char **ret_bad, size_t *ret_bad_len)
{
    classify_state st = {.rules = rules, .facts = facts, .best = -1, .bad = facts->categories};
    yc_err rv = classify_list(&st, facts->categories, facts->categories_len, false);
    if (rv != YC_OK) {
        *ret_bad = st.bad;
        *ret_bad_len = st.bad_len;
        return rv;
    }
    if (st.best < 0) { /* no category at all */
        *ret_bad = facts->categories;
        *ret_bad_len = 0;
        return YC_ERR_INVALID;
    }
    *ret_code = st.code;
    return YC_OK;
}
