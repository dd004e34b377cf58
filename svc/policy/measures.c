/* Measure catalogues per region (措施清单) and the matter vocabulary; format and rules in
 * include/yrdcredit/measures.h.  The catalogue keeps the parsed JSON tree and its measures
 * point into it, so loading copies no string. */
#include "yrdcredit/measures.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/fileio.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/record.h"

struct yc_catalogue {
    json_t *root; /* owns every string the measures point into */
    char region[YC_REGION_LEN + 1];
    yc_measure *m;
    size_t n;
};

typedef struct matter {
    const char *code;
    const char *label;
} matter;

/* The vocabulary, in the order of measures.h's file comment. */
static const matter matters[] = {
    {"government_procurement", "政府采购"},
    {"public_bidding", "招标投标"},
    {"fiscal_subsidy", "财政补贴"},
    {"administrative_licensing", "行政许可"},
    {"loan_approval", "贷款审批"},
    {"public_rental_housing", "公租房"},
    {"deposit_waiver", "免押金"},
    {"inspection_frequency", "抽查检查频次"},
    {"honours", "评优评先"},
    {"high_consumption", "高消费"},
    {"qualification_review", "资质审核"},
    {"public_position", "担任职务"},
};

#define N_MATTERS (sizeof matters / sizeof matters[0])

_Static_assert(N_MATTERS <= YC_MATTERS_MAX, "YC_MATTERS_MAX bounds the vocabulary");

size_t yc_matter_count(void)
{
    return N_MATTERS;
}

const char *yc_matter_code_at(size_t i)
{
    return i < N_MATTERS ? matters[i].code : NULL;
}

const char *yc_matter_label(const char *code)
{
    if (code == NULL)
        return NULL;
    for (size_t i = 0; i < N_MATTERS; i++)
        if (strcmp(matters[i].code, code) == 0)
            return matters[i].label;
    return NULL;
}

bool yc_matter_is_valid(const char *code)
{
    return yc_matter_label(code) != NULL;
}

static const char *const grades[] = {"A", "B", "C", "D"};
static const char *const bands[] = {"needs_improvement", "fair", "good", "very_good", "excellent"};

static bool in_set(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

/* Context of one load: the file and the measure the next refusal names. */
typedef struct loader {
    const char *path;
    char *why;
    size_t why_len;
    char where[48]; /* "" (file level), a measure id, or "measures[i]" */
} loader;

__attribute__((format(printf, 3, 4))) static yc_err refuse(loader *ld, yc_err rv, const char *fmt,
                                                           ...)
{
    if (ld->why == NULL || ld->why_len == 0)
        return rv;
    int k = ld->where[0] ? snprintf(ld->why, ld->why_len, "%s: %s: ", ld->path, ld->where)
                         : snprintf(ld->why, ld->why_len, "%s: ", ld->path);
    if (k >= 0 && (size_t)k < ld->why_len) {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(ld->why + k, ld->why_len - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return rv;
}

/* Unknown members first, then missing ones, both in a fixed order. */
static yc_err check_members(loader *ld, json_t *obj, const char *prefix, const char *const *names,
                            size_t n)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (!in_set(key, names, n))
            return refuse(ld, YC_ERR_INVALID, "unknown member \"%s%s\"", prefix, key);
    }
    for (size_t i = 0; i < n; i++)
        if (json_object_get(obj, names[i]) == NULL)
            return refuse(ld, YC_ERR_INVALID, "missing member \"%s%s\"", prefix, names[i]);
    return YC_OK;
}

/* A non-empty string of at most max bytes; NULL otherwise. */
static yc_err get_text(loader *ld, json_t *obj, const char *key, const char *name, size_t max,
                       const char **ret)
{
    json_t *j = json_object_get(obj, key);
    if (!json_is_string(j) || yc_policy_text_is_blank(json_string_value(j), json_string_length(j)))
        return refuse(ld, YC_ERR_INVALID, "%s must be a non-empty string", name);
    if (json_string_length(j) > max)
        return refuse(ld, YC_ERR_INVALID, "%s is longer than %zu bytes", name, max);
    *ret = json_string_value(j);
    return YC_OK;
}

static bool valid_id(const char *id, const char *region)
{
    const size_t len = strlen(id);
    if (len == 0 || len > YC_MEASURE_ID_MAX_BYTES)
        return false;
    if (strncmp(id, region, YC_REGION_LEN) != 0 || id[YC_REGION_LEN] != '-')
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

/* target.codes: non-empty, distinct negative record codes (N..), only next to a penalty's
 * list (review finding 2: a measure whose basis covers only some records of a list). */
static yc_err parse_target_codes(loader *ld, json_t *t, yc_measure *m)
{
    json_t *codes = json_object_get(t, "codes");
    m->target.codes = 0;
    if (codes == NULL)
        return YC_OK;
    if (json_object_get(t, "list") == NULL || m->kind != YC_MEASURE_PENALTY)
        return refuse(ld, YC_ERR_INVALID, "target.codes is allowed only next to a penalty's list");
    if (!json_is_array(codes) || json_array_size(codes) == 0)
        return refuse(ld, YC_ERR_INVALID, "target.codes must be a non-empty array of N codes");
    size_t i;
    json_t *c;
    json_array_foreach(codes, i, c)
    {
        yc_code code;
        const char *str = json_string_value(c);
        if (str == NULL || yc_code_parse(str, &code) != YC_OK || !yc_code_is_negative(code))
            return refuse(ld, YC_ERR_INVALID, "target.codes[%zu] is not a negative (N) code", i);
        const uint32_t bit = UINT32_C(1) << (unsigned)code;
        if ((m->target.codes & bit) != 0)
            return refuse(ld, YC_ERR_INVALID, "target.codes[%zu] repeats %s", i, str);
        m->target.codes |= bit;
    }
    return YC_OK;
}

static yc_err parse_target(loader *ld, json_t *t, yc_measure *m)
{
    const size_t want = json_is_object(t) && json_object_get(t, "codes") != NULL ? 2 : 1;
    if (!json_is_object(t) || json_object_size(t) != want)
        return refuse(ld, YC_ERR_INVALID, "target must be an object with exactly one member");
    YC_TRY(parse_target_codes(ld, t, m));
    json_t *v;
    const char *name = NULL;
    const char *key;
    json_object_foreach(t, key, v)
    {
        if (strcmp(key, "codes") != 0)
            name = key;
    }
    v = json_object_get(t, name);
    m->target.value = NULL;
    m->target.score = 0;
    if (strcmp(name, "list") == 0) {
        static const char *const lists[] = {"serious_dishonesty", "watch", "red"};
        if (!json_is_string(v) || !in_set(json_string_value(v), lists, 3))
            return refuse(ld, YC_ERR_INVALID,
                          "target list must be serious_dishonesty, watch or red");
        m->target.kind = YC_TARGET_LIST;
        m->target.value = json_string_value(v);
    } else if (strcmp(name, "grade_at_least") == 0) {
        if (!json_is_string(v) || !in_set(json_string_value(v), grades, 4))
            return refuse(ld, YC_ERR_INVALID, "grade_at_least must be A, B, C or D");
        m->target.kind = YC_TARGET_GRADE_AT_LEAST;
        m->target.value = json_string_value(v);
    } else if (strcmp(name, "band_at_least") == 0) {
        if (!json_is_string(v) || !in_set(json_string_value(v), bands, 5))
            return refuse(ld, YC_ERR_INVALID,
                          "band_at_least must be needs_improvement, fair, good, very_good "
                          "or excellent");
        m->target.kind = YC_TARGET_BAND_AT_LEAST;
        m->target.value = json_string_value(v);
    } else if (strcmp(name, "score_at_least") == 0) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000)
            return refuse(ld, YC_ERR_INVALID, "score_at_least must be an integer 0..1000");
        m->target.kind = YC_TARGET_SCORE_AT_LEAST;
        m->target.score = (int)json_integer_value(v);
    } else {
        return refuse(ld, YC_ERR_INVALID, "unknown member \"target.%s\"", name);
    }
    /* 国办发〔2020〕49号: penalties only through statutory lists with a legal basis. */
    if (m->kind == YC_MEASURE_PENALTY && m->target.kind != YC_TARGET_LIST)
        return refuse(ld, YC_ERR_INVALID,
                      "a penalty must target a statutory list (serious_dishonesty or watch), "
                      "not %s",
                      name);
    if (m->kind == YC_MEASURE_PENALTY && strcmp(m->target.value, "red") == 0)
        return refuse(ld, YC_ERR_INVALID,
                      "a penalty must target a statutory list (serious_dishonesty or watch), "
                      "not the red list");
    if (m->kind == YC_MEASURE_REWARD && m->target.kind == YC_TARGET_LIST &&
        strcmp(m->target.value, "red") != 0)
        return refuse(ld, YC_ERR_INVALID, "a reward must not target the %s list", m->target.value);
    return YC_OK;
}

static yc_err parse_date(loader *ld, json_t *j, const char *name, bool nullable, yc_date *ret)
{
    if (nullable && json_is_null(j)) {
        *ret = YC_DATE_NONE;
        return YC_OK;
    }
    if (!json_is_string(j) || json_string_length(j) != YC_DATE_STR_LEN ||
        yc_date_parse_iso(json_string_value(j), ret) != YC_OK)
        return refuse(ld, YC_ERR_INVALID, "%s must be a YYYY-MM-DD date%s", name,
                      nullable ? " or null" : "");
    return YC_OK;
}

static yc_err parse_measure(loader *ld, json_t *j, size_t i, const yc_catalogue *c)
{
    static const char *const members[] = {"id",          "kind",           "matter",
                                          "target",      "text",           "department",
                                          "legal_basis", "effective_from", "effective_to"};
    static const char *const text_members[] = {"zh", "en"};
    yc_measure *m = &c->m[i];
    snprintf(ld->where, sizeof ld->where, "measures[%zu]", i);
    if (!json_is_object(j))
        return refuse(ld, YC_ERR_INVALID, "a measure must be an object");
    json_t *id = json_object_get(j, "id");
    if (json_is_string(id) && valid_id(json_string_value(id), c->region))
        snprintf(ld->where, sizeof ld->where, "%s", json_string_value(id));
    YC_TRY(check_members(ld, j, "", members, sizeof members / sizeof *members));
    if (!json_is_string(id) || !valid_id(json_string_value(id), c->region))
        return refuse(ld, YC_ERR_INVALID,
                      "id must be 1..%d bytes of A-Z a-z 0-9 - _ starting with \"%s-\"",
                      YC_MEASURE_ID_MAX_BYTES, c->region);
    m->id = json_string_value(id);
    for (size_t k = 0; k < i; k++)
        if (strcmp(c->m[k].id, m->id) == 0)
            return refuse(ld, YC_ERR_INVALID, "duplicate measure id");

    const char *kind = json_string_value(json_object_get(j, "kind"));
    if (kind != NULL && strcmp(kind, "reward") == 0)
        m->kind = YC_MEASURE_REWARD;
    else if (kind != NULL && strcmp(kind, "penalty") == 0)
        m->kind = YC_MEASURE_PENALTY;
    else
        return refuse(ld, YC_ERR_INVALID, "kind must be reward or penalty");

    json_t *matter_j = json_object_get(j, "matter");
    if (!json_is_string(matter_j))
        return refuse(ld, YC_ERR_INVALID, "matter must be a string");
    if (!yc_matter_is_valid(json_string_value(matter_j)))
        return refuse(ld, YC_ERR_INVALID, "matter \"%s\" is not in the vocabulary",
                      json_string_value(matter_j));
    m->matter = json_string_value(matter_j);

    YC_TRY(parse_target(ld, json_object_get(j, "target"), m));

    json_t *text = json_object_get(j, "text");
    if (!json_is_object(text))
        return refuse(ld, YC_ERR_INVALID, "text must be an object");
    YC_TRY(check_members(ld, text, "text.", text_members, 2));
    YC_TRY(get_text(ld, text, "zh", "text.zh", YC_MEASURE_TEXT_MAX_BYTES, &m->text_zh));
    YC_TRY(get_text(ld, text, "en", "text.en", YC_MEASURE_TEXT_MAX_BYTES, &m->text_en));
    YC_TRY(get_text(ld, j, "department", "department", YC_MEASURE_DEPARTMENT_MAX_BYTES,
                    &m->department));
    YC_TRY(get_text(ld, j, "legal_basis", "legal_basis", YC_MEASURE_LEGAL_BASIS_MAX_BYTES,
                    &m->legal_basis));

    YC_TRY(parse_date(ld, json_object_get(j, "effective_from"), "effective_from", false,
                      &m->effective_from));
    YC_TRY(
        parse_date(ld, json_object_get(j, "effective_to"), "effective_to", true, &m->effective_to));
    if (m->effective_to != YC_DATE_NONE && m->effective_to < m->effective_from)
        return refuse(ld, YC_ERR_INVALID, "effective_to is before effective_from");
    return YC_OK;
}

static yc_err parse_catalogue(loader *ld, yc_catalogue *c)
{
    static const char *const members[] = {"format", "region", "measures"};
    if (!json_is_object(c->root))
        return refuse(ld, YC_ERR_INVALID, "the top level must be an object");
    YC_TRY(check_members(ld, c->root, "", members, 3));
    const char *format = json_string_value(json_object_get(c->root, "format"));
    if (format == NULL || strcmp(format, YC_CATALOGUE_FORMAT) != 0)
        return refuse(ld, YC_ERR_INVALID, "format must be \"%s\"", YC_CATALOGUE_FORMAT);
    json_t *region_j = json_object_get(c->root, "region");
    const char *region = json_string_value(region_j);
    /* review finding 8: one rule for region codes, yc_region_is_valid() */
    if (region == NULL || !yc_region_is_valid(region, json_string_length(region_j)))
        return refuse(ld, YC_ERR_INVALID, "region must be %d digits", YC_REGION_LEN);
    memcpy(c->region, region, YC_REGION_LEN + 1);
    const char *slash = strrchr(ld->path, '/');
    const char *base = slash ? slash + 1 : ld->path;
    if (strncmp(base, region, YC_REGION_LEN) != 0 || strcmp(base + YC_REGION_LEN, ".json") != 0)
        return refuse(ld, YC_ERR_INVALID, "region %s does not match the file name (%s.json)",
                      region, region);
    json_t *ms = json_object_get(c->root, "measures");
    if (!json_is_array(ms))
        return refuse(ld, YC_ERR_INVALID, "measures must be an array");
    const size_t n = json_array_size(ms);
    if (n > YC_MEASURES_MAX)
        return refuse(ld, YC_ERR_TOO_LARGE, "more than %d measures", YC_MEASURES_MAX);
    c->m = yc_calloc(n, sizeof *c->m);
    YC_ENSURE(c->m != NULL, YC_ERR_NOMEM);
    for (size_t i = 0; i < n; i++) {
        YC_TRY(parse_measure(ld, json_array_get(ms, i), i, c));
        c->n = i + 1;
    }
    return YC_OK;
}

yc_err yc_catalogue_load(const char *path, yc_catalogue **ret, char *why, size_t why_len)
{
    loader ld = {.path = path, .why = why, .why_len = why_len};
    char *buf = NULL;
    size_t len = 0;
    yc_err rv = YC_OK;
    if (why != NULL && why_len > 0)
        why[0] = '\0';
    yc_core_init_json();
    yc_catalogue *c = yc_calloc(1, sizeof *c);
    if (c == NULL) {
        rv = refuse(&ld, YC_ERR_NOMEM, "out of memory");
        goto out;
    }
    rv = yc_file_read_all(path, YC_CATALOGUE_MAX_BYTES, &buf, &len);
    if (rv == YC_ERR_IO) {
        rv = refuse(&ld, rv, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (rv == YC_ERR_TOO_LARGE) {
        rv = refuse(&ld, rv, "larger than %zu bytes", YC_CATALOGUE_MAX_BYTES);
        goto out;
    }
    if (rv != YC_OK) {
        rv = refuse(&ld, rv, "out of memory");
        goto out;
    }
    json_error_t jerr;
    const long fails = yc_alloc_failures();
    c->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (c->root == NULL) {
        rv = yc_alloc_failures() != fails
                 ? refuse(&ld, YC_ERR_NOMEM, "out of memory")
                 : refuse(&ld, YC_ERR_INVALID, "line %d: %s", jerr.line, jerr.text);
        goto out;
    }
    rv = parse_catalogue(&ld, c);
    if (rv == YC_ERR_NOMEM)
        rv = refuse(&ld, rv, "out of memory");
out:
    yc_free(buf);
    if (rv != YC_OK) {
        yc_catalogue_free(c);
        return rv;
    }
    *ret = c;
    return YC_OK;
}

void yc_catalogue_free(yc_catalogue *c)
{
    if (c == NULL)
        return;
    json_decref(c->root);
    yc_free(c->m);
    yc_free(c);
}

const char *yc_catalogue_region(const yc_catalogue *c)
{
    return c->region;
}

size_t yc_catalogue_count(const yc_catalogue *c)
{
    return c->n;
}

const yc_measure *yc_catalogue_get(const yc_catalogue *c, size_t i)
{
    return i < c->n ? &c->m[i] : NULL;
}
