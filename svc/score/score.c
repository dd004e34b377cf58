/* Score engine v1 (issue 2 item 5): the model (loaded from etc/model/score-v1.json, nothing
 * model-specific in this file) and the integer computation of a subject's score, reasons and
 * changes_on.  Rules: include/yrdcredit/score.h; design: ../shared/design/domain.md §(b). */
#include "yrdcredit/score.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/fileio.h"

/* Model limits (validated by the loader). */
#define YC_MODEL_TIERS_MAX         8
#define YC_MODEL_LEVELS_MAX        8
#define YC_MODEL_GATES_MAX         8
#define YC_MODEL_LEVEL_CODE_MAX    32
#define YC_MODEL_LABEL_MAX         128
#define YC_MODEL_WINDOW_MONTHS_MAX 1200
#define YC_MODEL_POINTS_MAX        1000000 /* milli-points: 1000 points */
#define YC_MODEL_RANGE_MAX         100000

_Static_assert(YC_CODE_COUNT <= 32, "gate code sets are 32-bit masks");

/* 1900-01-01, the first valid yc_date (date.h). */
#define SCORE_DATE_MIN YC_DATE_MIN

typedef struct model_tier {
    yc_amount below; /* exclusive upper bound in 万元 units of YC_AMOUNT_SCALE */
    bool open_ended;
    int32_t points_milli;
} model_tier;

typedef struct model_code {
    int8_t polarity; /* -1 negative, 0 neutral, +1 positive */
    bool linear;
    bool repairable;
    bool has_window;
    int min_months;
    int max_months;
    int32_t points_milli;
    int64_t cap_milli; /* INT64_MAX = no cap */
    size_t n_tiers;
    model_tier tiers[YC_MODEL_TIERS_MAX];
} model_code;

typedef struct model_level {
    char code[YC_MODEL_LEVEL_CODE_MAX + 1];
    char label[YC_MODEL_LABEL_MAX + 1];
    int32_t min;
} model_level;

typedef struct model_gate {
    uint32_t codes; /* bit per yc_code */
    size_t max_level;
} model_gate;

typedef struct model_class {
    int32_t base;
    size_t n_levels;
    model_level levels[YC_MODEL_LEVELS_MAX];
    int negative_max_age_months; /* 0 = no limit */
    size_t n_gates;
    model_gate gates[YC_MODEL_GATES_MAX];
    uint32_t gate_codes; /* union of the gates' codes */
} model_class;

enum { MODEL_CLASS_INDIVIDUAL = 0, MODEL_CLASS_MERCHANT = 1, MODEL_CLASS_COUNT };

struct yc_model {
    char version[YC_MODEL_VERSION_MAX + 1];
    char digest_hex[YC_MODEL_DIGEST_HEX_LEN + 1];
    int32_t range_min;
    int32_t range_max;
    int64_t positive_cap_milli;
    model_class classes[MODEL_CLASS_COUNT];
    model_code codes[YC_CODE_COUNT];
};

/* ---- model loader ----
 * Untrusted input: Jansson with JSON_REJECT_DUPLICATES, every member required and typed,
 * unknown members rejected, the first bad field reported by its JSON path. */

typedef struct load_ctx {
    char *errpath;
    size_t errpath_len;
} load_ctx;

/* Path of a member or element, truncated to YC_MODEL_ERRPATH_MAX. */
typedef struct jpath {
    char s[YC_MODEL_ERRPATH_MAX];
} jpath;

/* Append @p s to @p p at *pos, truncating at the buffer's end. */
static void path_cat(jpath *p, size_t *pos, const char *s)
{
    const size_t room = sizeof p->s - 1 - *pos;
    size_t n = strlen(s);
    n = n < room ? n : room;
    memcpy(p->s + *pos, s, n);
    *pos += n;
    p->s[*pos] = '\0';
}

static jpath path_key(const jpath *parent, const char *key)
{
    jpath p = {.s = ""};
    size_t pos = 0;
    path_cat(&p, &pos, parent->s);
    path_cat(&p, &pos, ".");
    path_cat(&p, &pos, key);
    return p;
}

static jpath path_index(const jpath *parent, size_t i)
{
    char idx[24];
    snprintf(idx, sizeof idx, "[%zu]", i);
    jpath p = {.s = ""};
    size_t pos = 0;
    path_cat(&p, &pos, parent->s);
    path_cat(&p, &pos, idx);
    return p;
}

static yc_err fail(load_ctx *ctx, const char *path)
{
    if (ctx->errpath != NULL && ctx->errpath_len > 0)
        snprintf(ctx->errpath, ctx->errpath_len, "%s", path);
    return YC_ERR_INVALID;
}

/* Reject members other than @p allowed (NULL-terminated list). */
static yc_err check_keys(load_ctx *ctx, json_t *obj, const jpath *path, const char *const *allowed)
{
    for (void *it = json_object_iter(obj); it != NULL; it = json_object_iter_next(obj, it)) {
        const char *key = json_object_iter_key(it);
        bool known = false;
        for (const char *const *a = allowed; *a != NULL; a++)
            known = known || strcmp(*a, key) == 0;
        if (!known) {
            const jpath p = path_key(path, key);
            return fail(ctx, p.s);
        }
    }
    return YC_OK;
}

static yc_err get_member(load_ctx *ctx, json_t *obj, const jpath *path, const char *key,
                         json_t **ret)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        const jpath p = path_key(path, key);
        return fail(ctx, p.s);
    }
    *ret = v;
    return YC_OK;
}

/* Integer member in [lo, hi]; when @p nullable, JSON null gives *ret_null = true. */
static yc_err get_int(load_ctx *ctx, json_t *obj, const jpath *path, const char *key, int64_t lo,
                      int64_t hi, bool nullable, int64_t *ret, bool *ret_null)
{
    json_t *v;
    YC_TRY(get_member(ctx, obj, path, key, &v));
    if (nullable && json_is_null(v)) {
        *ret_null = true;
        *ret = 0;
        return YC_OK;
    }
    const jpath p = path_key(path, key);
    if (!json_is_integer(v))
        return fail(ctx, p.s);
    const json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return fail(ctx, p.s);
    if (ret_null != NULL)
        *ret_null = false;
    *ret = (int64_t)x;
    return YC_OK;
}

/* String member, 1..max_len bytes, copied NUL-terminated into @p out (max_len + 1 bytes). */
static yc_err get_str(load_ctx *ctx, json_t *obj, const jpath *path, const char *key,
                      size_t max_len, char *out)
{
    json_t *v;
    YC_TRY(get_member(ctx, obj, path, key, &v));
    const jpath p = path_key(path, key);
    if (!json_is_string(v))
        return fail(ctx, p.s);
    const size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len == 0 || len > max_len || memchr(s, '\0', len) != NULL)
        return fail(ctx, p.s);
    memcpy(out, s, len);
    out[len] = '\0';
    return YC_OK;
}

/* String member that must equal one of @p names; *ret = its index. */
static yc_err get_enum(load_ctx *ctx, json_t *obj, const jpath *path, const char *key,
                       const char *const *names, size_t n_names, size_t *ret)
{
    char buf[32];
    YC_TRY(get_str(ctx, obj, path, key, sizeof buf - 1, buf));
    for (size_t i = 0; i < n_names; i++) {
        if (strcmp(buf, names[i]) == 0) {
            *ret = i;
            return YC_OK;
        }
    }
    const jpath p = path_key(path, key);
    return fail(ctx, p.s);
}

static yc_err check_note(load_ctx *ctx, json_t *obj, const jpath *path)
{
    json_t *v = json_object_get(obj, "note");
    if (v != NULL && !json_is_string(v)) {
        const jpath p = path_key(path, "note");
        return fail(ctx, p.s);
    }
    return YC_OK;
}

static yc_err get_object(load_ctx *ctx, json_t *obj, const jpath *path, const char *key,
                         json_t **ret)
{
    YC_TRY(get_member(ctx, obj, path, key, ret));
    if (!json_is_object(*ret)) {
        const jpath p = path_key(path, key);
        return fail(ctx, p.s);
    }
    return YC_OK;
}

static yc_err get_array(load_ctx *ctx, json_t *obj, const jpath *path, const char *key,
                        size_t max_items, json_t **ret)
{
    YC_TRY(get_member(ctx, obj, path, key, ret));
    if (!json_is_array(*ret) || json_array_size(*ret) > max_items) {
        const jpath p = path_key(path, key);
        return fail(ctx, p.s);
    }
    return YC_OK;
}

static yc_err code_from_name(const char *name, yc_code *ret)
{
    for (int c = 0; c < YC_CODE_COUNT; c++) {
        if (strcmp(yc_code_str((yc_code)c), name) == 0) {
            *ret = (yc_code)c;
            return YC_OK;
        }
    }
    return YC_ERR_INVALID;
}

/* ---- per-code entries ---- */

static yc_err load_tiers(load_ctx *ctx, json_t *entry, const jpath *path, model_code *mc)
{
    json_t *arr;
    YC_TRY(get_array(ctx, entry, path, "amount_tiers", YC_MODEL_TIERS_MAX, &arr));
    const jpath ap = path_key(path, "amount_tiers");
    static const char *const keys[] = {"amount_below_10k_yuan", "points_milli", "note", NULL};
    const size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(arr, i);
        const jpath tp = path_index(&ap, i);
        if (!json_is_object(t))
            return fail(ctx, tp.s);
        YC_TRY(check_keys(ctx, t, &tp, keys));
        YC_TRY(check_note(ctx, t, &tp));
        model_tier *tier = &mc->tiers[i];
        json_t *below;
        YC_TRY(get_member(ctx, t, &tp, "amount_below_10k_yuan", &below));
        const jpath bp = path_key(&tp, "amount_below_10k_yuan");
        tier->open_ended = json_is_null(below);
        if (tier->open_ended != (i + 1 == n))
            return fail(ctx, bp.s); /* exactly the last tier is open-ended */
        if (!tier->open_ended) {
            if (!json_is_string(below) ||
                yc_amount_parse(json_string_value(below), json_string_length(below),
                                &tier->below) != YC_OK ||
                tier->below == 0 || (i > 0 && tier->below <= mc->tiers[i - 1].below))
                return fail(ctx, bp.s);
        }
        int64_t pts;
        YC_TRY(get_int(ctx, t, &tp, "points_milli", -YC_MODEL_POINTS_MAX, YC_MODEL_POINTS_MAX,
                       false, &pts, NULL));
        const jpath pp = path_key(&tp, "points_milli");
        if ((mc->polarity > 0 && pts < 0) || (mc->polarity < 0 && pts > 0) || mc->polarity == 0)
            return fail(ctx, pp.s);
        tier->points_milli = (int32_t)pts;
    }
    mc->n_tiers = n;
    return YC_OK;
}

static yc_err load_window(load_ctx *ctx, json_t *entry, const jpath *path, model_code *mc)
{
    json_t *w;
    YC_TRY(get_member(ctx, entry, path, "window", &w));
    const jpath wp = path_key(path, "window");
    if (json_is_null(w)) {
        mc->has_window = false;
        return YC_OK;
    }
    if (!json_is_object(w))
        return fail(ctx, wp.s);
    static const char *const keys[] = {"min_months", "max_months", NULL};
    YC_TRY(check_keys(ctx, w, &wp, keys));
    int64_t lo, hi;
    YC_TRY(get_int(ctx, w, &wp, "min_months", 0, YC_MODEL_WINDOW_MONTHS_MAX, false, &lo, NULL));
    YC_TRY(get_int(ctx, w, &wp, "max_months", lo, YC_MODEL_WINDOW_MONTHS_MAX, false, &hi, NULL));
    mc->has_window = true;
    mc->min_months = (int)lo;
    mc->max_months = (int)hi;
    return YC_OK;
}

static yc_err load_code(load_ctx *ctx, json_t *entry, const jpath *path, model_code *mc)
{
    if (!json_is_object(entry))
        return fail(ctx, path->s);
    static const char *const keys[] = {"name",         "note",         "polarity", "severity",
                                       "points_milli", "amount_tiers", "window",   "decay",
                                       "repairable",   "cap_milli",    NULL};
    YC_TRY(check_keys(ctx, entry, path, keys));
    YC_TRY(check_note(ctx, entry, path));
    char name[YC_MODEL_LABEL_MAX + 1];
    YC_TRY(get_str(ctx, entry, path, "name", YC_MODEL_LABEL_MAX, name));
    static const char *const polarities[] = {"negative", "neutral", "positive"};
    size_t pol;
    YC_TRY(get_enum(ctx, entry, path, "polarity", polarities, 3, &pol));
    mc->polarity = (int8_t)((int)pol - 1);
    static const char *const severities[] = {"none", "minor", "general", "serious", "list"};
    size_t sev;
    YC_TRY(get_enum(ctx, entry, path, "severity", severities, 5, &sev));
    int64_t pts;
    YC_TRY(get_int(ctx, entry, path, "points_milli", -YC_MODEL_POINTS_MAX, YC_MODEL_POINTS_MAX,
                   false, &pts, NULL));
    if ((mc->polarity > 0 && pts < 0) || (mc->polarity < 0 && pts > 0) ||
        (mc->polarity == 0 && pts != 0)) {
        const jpath p = path_key(path, "points_milli");
        return fail(ctx, p.s);
    }
    mc->points_milli = (int32_t)pts;
    YC_TRY(load_tiers(ctx, entry, path, mc));
    YC_TRY(load_window(ctx, entry, path, mc));
    static const char *const decays[] = {"none", "linear"};
    size_t decay;
    YC_TRY(get_enum(ctx, entry, path, "decay", decays, 2, &decay));
    mc->linear = decay == 1;
    json_t *rep;
    YC_TRY(get_member(ctx, entry, path, "repairable", &rep));
    if (!json_is_boolean(rep)) {
        const jpath p = path_key(path, "repairable");
        return fail(ctx, p.s);
    }
    mc->repairable = json_is_true(rep);
    int64_t cap;
    bool no_cap;
    YC_TRY(get_int(ctx, entry, path, "cap_milli", 0, YC_MODEL_POINTS_MAX, true, &cap, &no_cap));
    if (!no_cap && mc->polarity <= 0) {
        const jpath p = path_key(path, "cap_milli");
        return fail(ctx, p.s); /* caps apply to positives only */
    }
    mc->cap_milli = no_cap ? INT64_MAX : cap;
    return YC_OK;
}

static yc_err load_codes(load_ctx *ctx, json_t *root, const jpath *root_path, yc_model *m)
{
    json_t *codes;
    YC_TRY(get_object(ctx, root, root_path, "codes", &codes));
    const jpath cp = path_key(root_path, "codes");
    /* every code present exactly once (duplicates were rejected by Jansson) */
    for (int c = 0; c < YC_CODE_COUNT; c++) {
        const char *name = yc_code_str((yc_code)c);
        json_t *entry;
        YC_TRY(get_member(ctx, codes, &cp, name, &entry));
        const jpath ep = path_key(&cp, name);
        YC_TRY(load_code(ctx, entry, &ep, &m->codes[c]));
    }
    for (void *it = json_object_iter(codes); it != NULL; it = json_object_iter_next(codes, it)) {
        const char *key = json_object_iter_key(it);
        yc_code code;
        if (code_from_name(key, &code) != YC_OK) {
            const jpath p = path_key(&cp, key);
            return fail(ctx, p.s);
        }
    }
    return YC_OK;
}

/* ---- subject classes ---- */

static yc_err load_levels(load_ctx *ctx, json_t *cobj, const jpath *path, const yc_model *m,
                          model_class *cls)
{
    json_t *arr;
    YC_TRY(get_array(ctx, cobj, path, "levels", YC_MODEL_LEVELS_MAX, &arr));
    const jpath lp = path_key(path, "levels");
    const size_t n = json_array_size(arr);
    if (n == 0)
        return fail(ctx, lp.s);
    static const char *const keys[] = {"code", "label", "min", "note", NULL};
    for (size_t i = 0; i < n; i++) {
        json_t *lv = json_array_get(arr, i);
        const jpath ip = path_index(&lp, i);
        if (!json_is_object(lv))
            return fail(ctx, ip.s);
        YC_TRY(check_keys(ctx, lv, &ip, keys));
        YC_TRY(check_note(ctx, lv, &ip));
        model_level *level = &cls->levels[i];
        YC_TRY(get_str(ctx, lv, &ip, "code", YC_MODEL_LEVEL_CODE_MAX, level->code));
        for (size_t k = 0; k < i; k++) {
            if (strcmp(cls->levels[k].code, level->code) == 0) {
                const jpath p = path_key(&ip, "code");
                return fail(ctx, p.s);
            }
        }
        YC_TRY(get_str(ctx, lv, &ip, "label", YC_MODEL_LABEL_MAX, level->label));
        int64_t min;
        YC_TRY(get_int(ctx, lv, &ip, "min", m->range_min, m->range_max, false, &min, NULL));
        /* levels ascend strictly and the first starts at the range minimum */
        if ((i == 0 && min != m->range_min) || (i > 0 && min <= cls->levels[i - 1].min)) {
            const jpath p = path_key(&ip, "min");
            return fail(ctx, p.s);
        }
        level->min = (int32_t)min;
    }
    cls->n_levels = n;
    return YC_OK;
}

static yc_err load_gate(load_ctx *ctx, json_t *g, const jpath *gp, model_class *cls,
                        model_gate *gate)
{
    if (!json_is_object(g))
        return fail(ctx, gp->s);
    static const char *const keys[] = {"codes", "max_level", "note", NULL};
    YC_TRY(check_keys(ctx, g, gp, keys));
    YC_TRY(check_note(ctx, g, gp));
    json_t *codes;
    YC_TRY(get_array(ctx, g, gp, "codes", YC_CODE_COUNT, &codes));
    const jpath cp = path_key(gp, "codes");
    if (json_array_size(codes) == 0)
        return fail(ctx, cp.s);
    gate->codes = 0;
    for (size_t k = 0; k < json_array_size(codes); k++) {
        json_t *c = json_array_get(codes, k);
        const jpath kp = path_index(&cp, k);
        yc_code code;
        if (!json_is_string(c) || code_from_name(json_string_value(c), &code) != YC_OK ||
            (gate->codes & (1u << code)) != 0)
            return fail(ctx, kp.s);
        gate->codes |= 1u << code;
    }
    char level[YC_MODEL_LEVEL_CODE_MAX + 1];
    YC_TRY(get_str(ctx, g, gp, "max_level", YC_MODEL_LEVEL_CODE_MAX, level));
    for (size_t i = 0; i < cls->n_levels; i++) {
        if (strcmp(cls->levels[i].code, level) == 0) {
            gate->max_level = i;
            return YC_OK;
        }
    }
    const jpath p = path_key(gp, "max_level");
    return fail(ctx, p.s);
}

static yc_err load_class(load_ctx *ctx, json_t *classes, const jpath *path, const char *name,
                         const yc_model *m, model_class *cls)
{
    json_t *cobj;
    YC_TRY(get_object(ctx, classes, path, name, &cobj));
    const jpath cp = path_key(path, name);
    static const char *const keys[] = {"base",  "levels", "negative_max_age_months",
                                       "gates", "note",   NULL};
    YC_TRY(check_keys(ctx, cobj, &cp, keys));
    YC_TRY(check_note(ctx, cobj, &cp));
    int64_t base;
    YC_TRY(get_int(ctx, cobj, &cp, "base", m->range_min, m->range_max, false, &base, NULL));
    cls->base = (int32_t)base;
    YC_TRY(load_levels(ctx, cobj, &cp, m, cls));
    int64_t age;
    bool no_age;
    YC_TRY(get_int(ctx, cobj, &cp, "negative_max_age_months", 1, YC_MODEL_WINDOW_MONTHS_MAX, true,
                   &age, &no_age));
    cls->negative_max_age_months = no_age ? 0 : (int)age;
    json_t *gates;
    YC_TRY(get_array(ctx, cobj, &cp, "gates", YC_MODEL_GATES_MAX, &gates));
    const jpath gp = path_key(&cp, "gates");
    cls->gate_codes = 0;
    for (size_t i = 0; i < json_array_size(gates); i++) {
        const jpath ip = path_index(&gp, i);
        YC_TRY(load_gate(ctx, json_array_get(gates, i), &ip, cls, &cls->gates[i]));
        cls->gate_codes |= cls->gates[i].codes;
    }
    cls->n_gates = json_array_size(gates);
    return YC_OK;
}

static yc_err load_root(load_ctx *ctx, json_t *root, yc_model *m)
{
    const jpath rp = {.s = "$"};
    if (!json_is_object(root))
        return fail(ctx, rp.s);
    static const char *const keys[] = {"version", "note",  "score_range", "positive_cap_milli",
                                       "classes", "codes", NULL};
    YC_TRY(check_keys(ctx, root, &rp, keys));
    YC_TRY(check_note(ctx, root, &rp));
    YC_TRY(get_str(ctx, root, &rp, "version", YC_MODEL_VERSION_MAX, m->version));
    for (const char *p = m->version; *p != '\0'; p++) {
        if (*p <= ' ' || *p > '~') {
            const jpath vp = path_key(&rp, "version");
            return fail(ctx, vp.s); /* printable ASCII: it goes into attestations */
        }
    }
    json_t *range;
    YC_TRY(get_object(ctx, root, &rp, "score_range", &range));
    const jpath sp = path_key(&rp, "score_range");
    static const char *const range_keys[] = {"min", "max", NULL};
    YC_TRY(check_keys(ctx, range, &sp, range_keys));
    int64_t lo, hi;
    YC_TRY(get_int(ctx, range, &sp, "min", 0, YC_MODEL_RANGE_MAX - 1, false, &lo, NULL));
    YC_TRY(get_int(ctx, range, &sp, "max", lo + 1, YC_MODEL_RANGE_MAX, false, &hi, NULL));
    m->range_min = (int32_t)lo;
    m->range_max = (int32_t)hi;
    YC_TRY(get_int(ctx, root, &rp, "positive_cap_milli", 0, (int64_t)YC_MODEL_RANGE_MAX * 1000,
                   false, &m->positive_cap_milli, NULL));
    json_t *classes;
    YC_TRY(get_object(ctx, root, &rp, "classes", &classes));
    const jpath cp = path_key(&rp, "classes");
    static const char *const class_keys[] = {"individual", "merchant", NULL};
    YC_TRY(check_keys(ctx, classes, &cp, class_keys));
    YC_TRY(load_class(ctx, classes, &cp, "individual", m, &m->classes[MODEL_CLASS_INDIVIDUAL]));
    YC_TRY(load_class(ctx, classes, &cp, "merchant", m, &m->classes[MODEL_CLASS_MERCHANT]));
    return load_codes(ctx, root, &rp, m);
}

yc_err yc_model_load_bytes(const void *data, size_t len, yc_model **ret, char *ret_errpath,
                           size_t errpath_len)
{
    load_ctx ctx = {.errpath = ret_errpath, .errpath_len = errpath_len};
    if (ret_errpath != NULL && errpath_len > 0)
        ret_errpath[0] = '\0';
    YC_ENSURE(len <= YC_MODEL_FILE_MAX, YC_ERR_TOO_LARGE);
    YC_ENSURE(yc_crypto_init() == YC_OK, YC_ERR_INTERNAL);
    yc_core_init_json();
    json_error_t jerr;
    const long failures = yc_alloc_failures();
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        /* Jansson reports most allocation failures as syntax errors (alloc.h). */
        if (json_error_code(&jerr) == json_error_out_of_memory || yc_alloc_failures() != failures)
            return YC_ERR_NOMEM;
        if (ret_errpath != NULL && errpath_len > 0)
            snprintf(ret_errpath, errpath_len, "$ (line %d, column %d): %s", jerr.line, jerr.column,
                     jerr.text);
        return YC_ERR_INVALID;
    }
    yc_err rc = YC_OK;
    yc_model *m = yc_calloc(1, sizeof *m);
    if (m == NULL) {
        rc = YC_ERR_NOMEM;
        goto out;
    }
    rc = load_root(&ctx, root, m);
    if (rc != YC_OK)
        goto out;
    uint8_t digest[32];
    yc_crypto_sha256(data, len, digest);
    yc_hex_encode(digest, sizeof digest, m->digest_hex);
    m->digest_hex[YC_MODEL_DIGEST_HEX_LEN] = '\0';
    *ret = m;
    m = NULL;
out:
    yc_free(m);
    json_decref(root);
    return rc;
}

yc_err yc_model_load(const char *path, yc_model **ret, char *ret_errpath, size_t errpath_len)
{
    if (ret_errpath != NULL && errpath_len > 0)
        ret_errpath[0] = '\0';
    char *buf = NULL;
    size_t len = 0;
    YC_TRY(yc_file_read_all(path, YC_MODEL_FILE_MAX, &buf, &len));
    yc_err rc = yc_model_load_bytes(buf, len, ret, ret_errpath, errpath_len);
    yc_free(buf);
    return rc;
}

void yc_model_free(yc_model *model)
{
    yc_free(model);
}

const char *yc_model_version(const yc_model *model)
{
    return model->version;
}

const char *yc_model_digest_hex(const yc_model *model)
{
    return model->digest_hex;
}

yc_err yc_model_window_months(const yc_model *model, yc_code code, int *ret_min_months,
                              int *ret_max_months)
{
    YC_ENSURE((unsigned)code < YC_CODE_COUNT, YC_ERR_INVALID);
    const model_code *mc = &model->codes[code];
    YC_ENSURE(mc->has_window, YC_ERR_NOT_FOUND);
    *ret_min_months = mc->min_months;
    *ret_max_months = mc->max_months;
    return YC_OK;
}

bool yc_model_code_repairable(const yc_model *model, yc_code code)
{
    return model != NULL && (unsigned)code < YC_CODE_COUNT && model->codes[code].repairable &&
           model->codes[code].polarity < 0;
}

/* ---- computation ---- */

/* One fact evaluated at one date. */
typedef struct fact_state {
    bool counts;
    bool gate;
    bool fading;        /* in its linear fade on this date (value changes day by day) */
    int64_t milli;      /* contribution before caps */
    int64_t slope_up;   /* when fading: ceil(|points| / fade length) milli-points per day */
    yc_date end;        /* first day it no longer counts; YC_DATE_NONE = never */
    yc_date next_event; /* first later day its state changes other than by fading; or NONE */
} fact_state;

/* The whole subject evaluated at one date. */
typedef struct eval_state {
    int64_t total_milli;
    int32_t score;
    size_t level;
    bool gated;
    size_t n_fading;
    int64_t slope_up;   /* sum of the fading facts' slope_up */
    yc_date next_event; /* earliest next_event of all facts, or NONE */
} eval_state;

static yc_date date_min(yc_date a, yc_date b)
{
    if (a == YC_DATE_NONE)
        return b;
    if (b == YC_DATE_NONE)
        return a;
    return a < b ? a : b;
}

static int32_t fact_points(const model_code *mc, const yc_fact *f)
{
    if (mc->n_tiers == 0 || !f->has_amount)
        return mc->points_milli;
    for (size_t i = 0; i < mc->n_tiers; i++) {
        if (mc->tiers[i].open_ended || f->amount < mc->tiers[i].below)
            return mc->tiers[i].points_milli;
    }
    return mc->points_milli; /* unreachable: the loader requires an open-ended last tier */
}

/* A window end at or after 2099-12-31 (长期) or absent means "no end". */
static yc_date finite_end(yc_date d)
{
    return d == YC_DATE_NONE || d >= YC_DATE_LONG_TERM ? YC_DATE_NONE : d;
}

static void fact_eval(const yc_model *m, const model_class *cls, const yc_fact *f, yc_date d,
                      fact_state *ret)
{
    *ret = (fact_state){.end = YC_DATE_NONE, .next_event = YC_DATE_NONE};
    if (f->status != YC_STATUS_ACTIVE && f->status != YC_STATUS_DISPUTED)
        return; /* repaired, expired, revoked: never counts */
    const model_code *mc = &m->codes[f->code];
    const yc_date max_end = finite_end(f->pub_max_end);
    yc_date end = max_end;
    if (cls->negative_max_age_months > 0 && mc->polarity < 0)
        end = date_min(end, yc_date_add_months(f->decision_date, cls->negative_max_age_months));
    ret->end = end;
    if (d < f->decision_date) {
        ret->next_event = f->decision_date;
        return;
    }
    if (end != YC_DATE_NONE && d >= end)
        return;
    ret->counts = true;
    ret->gate = (cls->gate_codes & (1u << f->code)) != 0;
    ret->next_event = end;
    const int64_t p = fact_points(mc, f);
    ret->milli = p;
    if (!mc->linear || max_end == YC_DATE_NONE || f->pub_min_end == YC_DATE_NONE)
        return;
    if (d < f->pub_min_end) {
        ret->next_event = date_min(end, f->pub_min_end);
        return;
    }
    /* pub_min_end <= d < end <= pub_max_end, so the fade length is >= 1 day */
    const int64_t len = (int64_t)max_end - f->pub_min_end;
    ret->milli = p * ((int64_t)max_end - d) / len; /* C division truncates toward zero */
    if (p != 0) {
        const int64_t ap = p < 0 ? -p : p;
        ret->fading = true;
        ret->slope_up = (ap + len - 1) / len;
    }
}

static int32_t score_of_total(const yc_model *m, int64_t total_milli)
{
    /* round half away from zero, once */
    const int64_t r =
        total_milli >= 0 ? (total_milli + 500) / 1000 : -((-total_milli + 500) / 1000);
    if (r < m->range_min)
        return m->range_min;
    if (r > m->range_max)
        return m->range_max;
    return (int32_t)r;
}

static void rate(const model_class *cls, int32_t score, uint32_t gate_hits, eval_state *st)
{
    size_t level = 0;
    for (size_t i = 1; i < cls->n_levels; i++) {
        if (cls->levels[i].min <= score)
            level = i;
    }
    st->gated = false;
    for (size_t g = 0; g < cls->n_gates; g++) {
        if ((cls->gates[g].codes & gate_hits) != 0 && cls->gates[g].max_level < level) {
            level = cls->gates[g].max_level;
            st->gated = true;
        }
    }
    st->level = level;
}

/* Score, rating and the fade/event summary of the subject at date @p d. */
static void eval_at(const yc_model *m, const model_class *cls, const yc_fact *facts, size_t n,
                    yc_date d, eval_state *ret)
{
    int64_t other = 0;
    int64_t pos[YC_CODE_COUNT];
    uint32_t pos_codes = 0, gate_hits = 0;
    *ret = (eval_state){.next_event = YC_DATE_NONE};
    for (size_t i = 0; i < n; i++) {
        const yc_fact *f = &facts[i];
        fact_state fs;
        fact_eval(m, cls, f, d, &fs);
        ret->next_event = date_min(ret->next_event, fs.next_event);
        if (!fs.counts)
            continue;
        if (fs.fading) {
            ret->n_fading++;
            ret->slope_up += fs.slope_up;
        }
        if (fs.gate)
            gate_hits |= 1u << f->code;
        if (m->codes[f->code].polarity > 0) {
            if ((pos_codes & (1u << f->code)) == 0) {
                pos_codes |= 1u << f->code;
                pos[f->code] = 0;
            }
            pos[f->code] += fs.milli;
        } else {
            other += fs.milli;
        }
    }
    int64_t positive = 0;
    for (int c = 0; c < YC_CODE_COUNT; c++) {
        if ((pos_codes & (1u << c)) != 0) {
            const int64_t cap = m->codes[c].cap_milli;
            positive += pos[c] < cap ? pos[c] : cap;
        }
    }
    if (positive > m->positive_cap_milli)
        positive = m->positive_cap_milli;
    ret->total_milli = (int64_t)cls->base * 1000 + other + positive;
    ret->score = score_of_total(m, ret->total_milli);
    rate(cls, ret->score, gate_hits, ret);
}

/* How far (in milli-points, either way) the total may move from @p total without the rounded,
 * clamped score leaving @p score. */
static int64_t score_room(const yc_model *m, int32_t score, int64_t total)
{
    int64_t room = INT64_MAX;
    if (score > m->range_min)
        room = total - ((int64_t)score * 1000 - 500);
    if (score < m->range_max) {
        const int64_t up = (int64_t)score * 1000 + 500 - 1 - total;
        room = up < room ? up : room;
    }
    return room;
}

/*
 * First day after as_of whose score or rating differs from @p s0's, with the same facts.
 * Between events (decision dates, fade starts, window ends, 5-year limits) only fading facts
 * move the total, each by at most slope_up per day (|trunc(x) - trunc(y)| <= ceil(|x - y|)),
 * so the days that cannot reach the next rounding boundary are skipped.
 */
static yc_date find_change(const yc_model *m, const model_class *cls, const yc_fact *facts,
                           size_t n, yc_date as_of, const eval_state *s0)
{
    eval_state cur = *s0;
    yc_date d = as_of;
    for (;;) {
        int64_t next;
        if (cur.n_fading == 0) {
            if (cur.next_event == YC_DATE_NONE)
                return YC_DATE_NONE;
            next = cur.next_event;
        } else {
            const int64_t skip = score_room(m, s0->score, cur.total_milli) / cur.slope_up;
            next = skip >= (int64_t)YC_DATE_LONG_TERM - d ? (int64_t)YC_DATE_LONG_TERM + 1
                                                          : (int64_t)d + skip + 1;
            if (cur.next_event != YC_DATE_NONE && cur.next_event < next)
                next = cur.next_event;
        }
        if (next > YC_DATE_LONG_TERM)
            return YC_DATE_NONE; /* beyond the calendar the service knows */
        d = (yc_date)next;
        eval_at(m, cls, facts, n, d, &cur);
        if (cur.score != s0->score || cur.level != s0->level)
            return d;
    }
}

static int reason_cmp(const yc_score_reason *a, const yc_score_reason *b)
{
    if (a->code != b->code)
        return a->code < b->code ? -1 : 1;
    if (a->decision_date != b->decision_date)
        return a->decision_date < b->decision_date ? -1 : 1;
    if (a->record_id != b->record_id)
        return a->record_id < b->record_id ? -1 : 1;
    return 0;
}

static void sift_down(yc_score_reason *r, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && reason_cmp(&r[child], &r[child + 1]) < 0)
            child++;
        if (reason_cmp(&r[root], &r[child]) >= 0)
            return;
        const yc_score_reason t = r[root];
        r[root] = r[child];
        r[child] = t;
        root = child;
    }
}

/* In place, no allocation: insertion sort for the typical handful, heap sort beyond. */
static void sort_reasons(yc_score_reason *r, size_t n)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            const yc_score_reason t = r[i];
            size_t j = i;
            for (; j > 0 && reason_cmp(&r[j - 1], &t) > 0; j--)
                r[j] = r[j - 1];
            r[j] = t;
        }
        return;
    }
    for (size_t i = n / 2; i-- > 0;)
        sift_down(r, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        const yc_score_reason t = r[0];
        r[0] = r[end];
        r[end] = t;
        sift_down(r, 0, end);
    }
}

static bool date_ok(yc_date d)
{
    return d >= SCORE_DATE_MIN && d <= YC_DATE_LONG_TERM;
}

static bool fact_ok(const yc_fact *f)
{
    return (unsigned)f->code < YC_CODE_COUNT && (unsigned)f->status < YC_STATUS_COUNT &&
           date_ok(f->decision_date) &&
           (f->pub_min_end == YC_DATE_NONE || date_ok(f->pub_min_end)) &&
           (f->pub_max_end == YC_DATE_NONE || date_ok(f->pub_max_end)) &&
           (!f->has_amount || (f->amount >= 0 && f->amount <= YC_AMOUNT_MAX)) &&
           (f->authority != NULL || f->authority_len == 0);
}

/* Counted facts with a non-zero uncapped contribution or a gate, into @p reasons. */
static yc_err collect_reasons(const yc_model *m, const model_class *cls, const yc_fact *facts,
                              size_t n, yc_date as_of, yc_score_reason *reasons, size_t reasons_cap,
                              size_t *ret_n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const yc_fact *f = &facts[i];
        fact_state fs;
        fact_eval(m, cls, f, as_of, &fs);
        if (!fs.counts || (fs.milli == 0 && !fs.gate))
            continue;
        YC_ENSURE(k < reasons_cap, YC_ERR_TOO_LARGE);
        const model_code *mc = &m->codes[f->code];
        reasons[k++] = (yc_score_reason){
            .code = f->code,
            .points_milli = fs.milli,
            .record_id = f->record_id,
            .authority = f->authority,
            .authority_len = f->authority_len,
            .decision_date = f->decision_date,
            .window_end = fs.end,
            .repairable_from = mc->repairable ? f->pub_min_end : YC_DATE_NONE,
            .disputed = f->status == YC_STATUS_DISPUTED,
            .gate = fs.gate,
        };
    }
    *ret_n = k;
    return YC_OK;
}

/* Apply the positive caps in reason order (earlier records keep their points), then drop
 * reasons left at zero unless they trigger a gate. */
static size_t cap_reasons(const yc_model *m, yc_score_reason *reasons, size_t n)
{
    int64_t left[YC_CODE_COUNT];
    for (int c = 0; c < YC_CODE_COUNT; c++)
        left[c] = m->codes[c].cap_milli;
    int64_t left_all = m->positive_cap_milli;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        yc_score_reason r = reasons[i];
        if (m->codes[r.code].polarity > 0) {
            int64_t p = r.points_milli < left[r.code] ? r.points_milli : left[r.code];
            left[r.code] -= p;
            p = p < left_all ? p : left_all;
            left_all -= p;
            r.points_milli = p;
        }
        if (r.points_milli != 0 || r.gate)
            reasons[kept++] = r;
    }
    return kept;
}

void yc_model_windows(const yc_model *model, yc_window ret[static YC_CODE_COUNT])
{
    for (int code = 0; code < YC_CODE_COUNT; code++) {
        int lo = 0, hi = 0;
        ret[code] = yc_model_window_months(model, (yc_code)code, &lo, &hi) == YC_OK
                        ? (yc_window){lo, hi}
                        : (yc_window){0, 0};
    }
}

yc_err yc_score_compute(const yc_model *model, yc_subject_type subject_type, const yc_fact *facts,
                        size_t n, yc_date as_of, yc_score_reason *reasons, size_t reasons_cap,
                        yc_score_result *ret)
{
    const model_class *cls;
    bool is_grade;
    switch (subject_type) {
    case YC_SUBJECT_LEGAL_PERSON:
    case YC_SUBJECT_INDIVIDUAL_BUSINESS:
        cls = &model->classes[MODEL_CLASS_MERCHANT];
        is_grade = true;
        break;
    case YC_SUBJECT_NATURAL_PERSON:
        cls = &model->classes[MODEL_CLASS_INDIVIDUAL];
        is_grade = false;
        break;
    default:
        return YC_ERR_INVALID;
    }
    YC_ENSURE(date_ok(as_of), YC_ERR_INVALID);
    YC_ENSURE(n <= YC_SCORE_FACTS_MAX, YC_ERR_TOO_LARGE);
    for (size_t i = 0; i < n; i++)
        YC_ENSURE(fact_ok(&facts[i]), YC_ERR_INVALID);
    size_t n_reasons;
    YC_TRY(collect_reasons(model, cls, facts, n, as_of, reasons, reasons_cap, &n_reasons));
    sort_reasons(reasons, n_reasons);
    n_reasons = cap_reasons(model, reasons, n_reasons);
    eval_state s0;
    eval_at(model, cls, facts, n, as_of, &s0);
    *ret = (yc_score_result){
        .subject_type = subject_type,
        .as_of = as_of,
        .score = s0.score,
        .total_milli = s0.total_milli,
        .is_grade = is_grade,
        .rating = cls->levels[s0.level].code,
        .rating_label = cls->levels[s0.level].label,
        .rating_index = s0.level,
        .gated = s0.gated,
        .changes_on = find_change(model, cls, facts, n, as_of, &s0),
        .reasons = reasons,
        .n_reasons = n_reasons,
    };
    return YC_OK;
}
