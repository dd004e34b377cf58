/* Statutory lists derived from records (include/yrdcredit/lists.h; issue 5 scope item 1). */
#include "yrdcredit/lists.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/fileio.h"

#define LISTS_FORMAT "yrdcredit-lists/1"

typedef struct list_rule {
    bool present;
    char *zh;
    char *legal_basis;
    uint32_t codes; /* serious/watch: listing codes; red: codes_any (bit per yc_code) */
    bool requires_notice;
    int min_grade; /* red: 4 = A .. 1 = D */
} list_rule;

struct yc_list_rules {
    int notice_days;
    list_rule rules[YC_LIST_COUNT];
};

static const char *const list_names[YC_LIST_COUNT] = {"serious_dishonesty", "watch", "red"};

const char *yc_list_name(yc_list_kind kind)
{
    if ((int)kind < 0 || kind >= YC_LIST_COUNT)
        return "unknown";
    return list_names[kind];
}

/* Grade rank: A 4, B 3, C 2, D 1; 0 for anything else. */
static int grade_rank(const char *g)
{
    if (g == NULL || g[0] == '\0' || g[1] != '\0')
        return 0;
    switch (g[0]) {
    case 'A':
        return 4;
    case 'B':
        return 3;
    case 'C':
        return 2;
    case 'D':
        return 1;
    default:
        return 0;
    }
}

static void why_set(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void why_set(char *why, size_t why_len, const char *fmt, ...)
{
    if (why == NULL || why_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

static char *dup_str(const char *s)
{
    size_t len = strlen(s);
    char *p = yc_alloc(len + 1);
    if (p != NULL)
        memcpy(p, s, len + 1);
    return p;
}

/* Parse a code array.  want_negative: N codes only; else P codes only.  On failure writes
 * the rule (without location) into msg. */
static bool parse_codes(json_t *arr, bool want_negative, uint32_t *ret_codes, char *msg,
                        size_t msg_len)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        snprintf(msg, msg_len, "must be a non-empty array of codes");
        return false;
    }
    uint32_t codes = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        yc_code c;
        if (!json_is_string(v) || yc_code_parse(json_string_value(v), &c) != YC_OK) {
            snprintf(msg, msg_len, "[%zu]: unknown code", i);
            return false;
        }
        const char *s = json_string_value(v);
        if (want_negative && !yc_code_is_negative(c)) {
            snprintf(msg, msg_len, "[%zu]: %s is not a negative (N) code", i, s);
            return false;
        }
        if (!want_negative && s[0] != 'P') {
            snprintf(msg, msg_len, "[%zu]: %s is not a positive (P) code", i, s);
            return false;
        }
        if ((codes & (1u << c)) != 0) {
            snprintf(msg, msg_len, "[%zu]: duplicate code %s", i, s);
            return false;
        }
        codes |= 1u << c;
    }
    *ret_codes = codes;
    return true;
}

/* Validate one list rule object; on failure fills why and returns YC_ERR_INVALID. */
static yc_err parse_rule(const char *path, size_t idx, json_t *obj, yc_list_rules *r, char *why,
                         size_t why_len)
{
    char msg[256];
    if (!json_is_object(obj)) {
        why_set(why, why_len, "%s: lists[%zu]: must be an object", path, idx);
        return YC_ERR_INVALID;
    }
    json_t *name = json_object_get(obj, "list");
    if (!json_is_string(name)) {
        why_set(why, why_len, "%s: lists[%zu].list: required string", path, idx);
        return YC_ERR_INVALID;
    }
    int kind = -1;
    for (int k = 0; k < YC_LIST_COUNT; k++)
        if (strcmp(json_string_value(name), list_names[k]) == 0)
            kind = k;
    if (kind < 0) {
        why_set(why, why_len, "%s: lists[%zu].list: unknown list \"%s\"", path, idx,
                json_string_value(name));
        return YC_ERR_INVALID;
    }
    const char *ln = list_names[kind];
    list_rule *lr = &r->rules[kind];
    if (lr->present) {
        why_set(why, why_len, "%s: lists[%zu] (%s): list defined twice", path, idx, ln);
        return YC_ERR_INVALID;
    }
    lr->present = true;
    const bool red = kind == YC_LIST_RED;

    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool known = strcmp(key, "list") == 0 || strcmp(key, "zh") == 0 ||
                     strcmp(key, "legal_basis") == 0 || strcmp(key, "note") == 0;
        if (red)
            known = known || strcmp(key, "min_grade") == 0 || strcmp(key, "codes_any") == 0 ||
                    strcmp(key, "no_active_negative") == 0;
        else
            known = known || strcmp(key, "codes") == 0 || strcmp(key, "requires_notice") == 0;
        if (!known) {
            why_set(why, why_len, "%s: lists[%zu] (%s).%s: unknown member", path, idx, ln, key);
            return YC_ERR_INVALID;
        }
    }

    json_t *zh = json_object_get(obj, "zh");
    if (!json_is_string(zh) || json_string_length(zh) == 0 ||
        json_string_length(zh) > YC_LIST_ZH_MAX) {
        why_set(why, why_len,
                "%s: lists[%zu] (%s).zh: required non-empty string of at most %d bytes", path, idx,
                ln, YC_LIST_ZH_MAX);
        return YC_ERR_INVALID;
    }
    json_t *lb = json_object_get(obj, "legal_basis");
    if (!json_is_string(lb) ||
        yc_policy_text_is_blank(json_string_value(lb), json_string_length(lb)) ||
        json_string_length(lb) > YC_LIST_LEGAL_BASIS_MAX) {
        why_set(why, why_len,
                "%s: lists[%zu] (%s).legal_basis: required non-empty string of at most %d bytes",
                path, idx, ln, YC_LIST_LEGAL_BASIS_MAX);
        return YC_ERR_INVALID;
    }
    json_t *note = json_object_get(obj, "note");
    if (note != NULL && !json_is_string(note)) {
        why_set(why, why_len, "%s: lists[%zu] (%s).note: must be a string", path, idx, ln);
        return YC_ERR_INVALID;
    }

    if (red) {
        json_t *mg = json_object_get(obj, "min_grade");
        if (mg == NULL) {
            why_set(why, why_len, "%s: lists[%zu] (red).min_grade: required for the red list", path,
                    idx);
            return YC_ERR_INVALID;
        }
        lr->min_grade = json_is_string(mg) ? grade_rank(json_string_value(mg)) : 0;
        if (lr->min_grade == 0) {
            why_set(why, why_len, "%s: lists[%zu] (red).min_grade: must be one of A, B, C, D", path,
                    idx);
            return YC_ERR_INVALID;
        }
        json_t *ca = json_object_get(obj, "codes_any");
        if (ca == NULL) {
            why_set(why, why_len, "%s: lists[%zu] (red).codes_any: required for the red list", path,
                    idx);
            return YC_ERR_INVALID;
        }
        if (!parse_codes(ca, false, &lr->codes, msg, sizeof msg)) {
            why_set(why, why_len, "%s: lists[%zu] (red).codes_any%s%s", path, idx,
                    msg[0] == '[' ? "" : ": ", msg);
            return YC_ERR_INVALID;
        }
        json_t *nan = json_object_get(obj, "no_active_negative");
        if (nan == NULL) {
            why_set(why, why_len,
                    "%s: lists[%zu] (red).no_active_negative: required for the red list", path,
                    idx);
            return YC_ERR_INVALID;
        }
        if (!json_is_true(nan)) {
            why_set(why, why_len,
                    "%s: lists[%zu] (red).no_active_negative: must be true (a red list never "
                    "admits an active negative record)",
                    path, idx);
            return YC_ERR_INVALID;
        }
    } else {
        json_t *codes = json_object_get(obj, "codes");
        if (codes == NULL) {
            why_set(why, why_len, "%s: lists[%zu] (%s).codes: required", path, idx, ln);
            return YC_ERR_INVALID;
        }
        if (!parse_codes(codes, true, &lr->codes, msg, sizeof msg)) {
            why_set(why, why_len, "%s: lists[%zu] (%s).codes%s%s", path, idx, ln,
                    msg[0] == '[' ? "" : ": ", msg);
            return YC_ERR_INVALID;
        }
        json_t *rn = json_object_get(obj, "requires_notice");
        if (rn != NULL && !json_is_boolean(rn)) {
            why_set(why, why_len, "%s: lists[%zu] (%s).requires_notice: must be a boolean", path,
                    idx, ln);
            return YC_ERR_INVALID;
        }
        lr->requires_notice = json_is_true(rn);
    }

    lr->zh = dup_str(json_string_value(zh));
    lr->legal_basis = dup_str(json_string_value(lb));
    if (lr->zh == NULL || lr->legal_basis == NULL) {
        why_set(why, why_len, "%s: out of memory", path);
        return YC_ERR_NOMEM;
    }
    return YC_OK;
}

static yc_err parse_root(const char *path, json_t *root, yc_list_rules *r, char *why,
                         size_t why_len)
{
    if (!json_is_object(root)) {
        why_set(why, why_len, "%s: $: must be an object", path);
        return YC_ERR_INVALID;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "format") != 0 && strcmp(key, "notice_working_days") != 0 &&
            strcmp(key, "lists") != 0 && strcmp(key, "note") != 0) {
            why_set(why, why_len, "%s: $.%s: unknown member", path, key);
            return YC_ERR_INVALID;
        }
    }
    json_t *fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), LISTS_FORMAT) != 0) {
        why_set(why, why_len, "%s: $.format: must be \"" LISTS_FORMAT "\"", path);
        return YC_ERR_INVALID;
    }
    json_t *note = json_object_get(root, "note");
    if (note != NULL && !json_is_string(note)) {
        why_set(why, why_len, "%s: $.note: must be a string", path);
        return YC_ERR_INVALID;
    }
    json_t *nd = json_object_get(root, "notice_working_days");
    if (!json_is_integer(nd) || json_integer_value(nd) < 0 ||
        json_integer_value(nd) > YC_LIST_NOTICE_DAYS_MAX) {
        why_set(why, why_len, "%s: $.notice_working_days: required integer 0..%d", path,
                YC_LIST_NOTICE_DAYS_MAX);
        return YC_ERR_INVALID;
    }
    r->notice_days = (int)json_integer_value(nd);
    json_t *lists = json_object_get(root, "lists");
    if (!json_is_array(lists) || json_array_size(lists) == 0) {
        why_set(why, why_len, "%s: $.lists: required non-empty array", path);
        return YC_ERR_INVALID;
    }
    size_t i;
    json_array_foreach(lists, i, v)
    {
        YC_TRY(parse_rule(path, i, v, r, why, why_len));
    }
    return YC_OK;
}

yc_err yc_list_rules_load(const char *path, yc_list_rules **ret, char *why, size_t why_len)
{
    yc_err rv = YC_OK;
    char *buf = NULL;
    size_t len = 0;
    json_t *root = NULL;
    yc_list_rules *r = NULL;
    why_set(why, why_len, "%s", "");

    rv = yc_file_read_all(path, YC_LIST_RULES_FILE_MAX, &buf, &len);
    if (rv != YC_OK) {
        why_set(why, why_len, "%s: %s", path,
                rv == YC_ERR_TOO_LARGE ? "file larger than 65536 bytes" : yc_err_str(rv));
        goto out;
    }
    json_error_t jerr;
    const long fails = yc_alloc_failures();
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    /* Jansson reports most allocation failures as syntax errors (alloc.h) */
    if (root == NULL &&
        (json_error_code(&jerr) == json_error_out_of_memory || yc_alloc_failures() != fails)) {
        why_set(why, why_len, "%s: out of memory", path);
        rv = YC_ERR_NOMEM;
        goto out;
    }
    if (root == NULL) {
        why_set(why, why_len, "%s: $ (line %d, column %d): %s", path, jerr.line, jerr.column,
                jerr.text);
        rv = YC_ERR_INVALID;
        goto out;
    }
    r = yc_calloc(1, sizeof *r);
    if (r == NULL) {
        why_set(why, why_len, "%s: out of memory", path);
        rv = YC_ERR_NOMEM;
        goto out;
    }
    rv = parse_root(path, root, r, why, why_len);
    if (rv != YC_OK)
        goto out;
    *ret = r;
    r = NULL;
out:
    yc_list_rules_free(r);
    json_decref(root);
    yc_free(buf);
    return rv;
}

void yc_list_rules_free(yc_list_rules *rules)
{
    if (rules == NULL)
        return;
    for (int k = 0; k < YC_LIST_COUNT; k++) {
        yc_free(rules->rules[k].zh);
        yc_free(rules->rules[k].legal_basis);
    }
    yc_free(rules);
}

int yc_list_rules_notice_working_days(const yc_list_rules *rules)
{
    return rules->notice_days;
}

yc_err yc_list_rules_set_notice_working_days(yc_list_rules *rules, int days)
{
    YC_ENSURE(days >= 0 && days <= YC_LIST_NOTICE_DAYS_MAX, YC_ERR_INVALID);
    rules->notice_days = days;
    return YC_OK;
}

/* ---- derivation ---- */

/* A window end at or after 2099-12-31 (长期) or absent means "no end" (as svc/score). */
static yc_date finite_end(yc_date d)
{
    return d == YC_DATE_NONE || d >= YC_DATE_LONG_TERM ? YC_DATE_NONE : d;
}

static bool counts_at(const yc_record *r, yc_date as_of)
{
    if (r->status != YC_STATUS_ACTIVE && r->status != YC_STATUS_DISPUTED)
        return false;
    if (r->decision_date == YC_DATE_NONE || r->decision_date > as_of)
        return false;
    const yc_date end = finite_end(r->pub_max_end);
    return end == YC_DATE_NONE || as_of < end;
}

static bool code_valid(yc_code c)
{
    return (int)c >= 0 && c < YC_CODE_COUNT;
}

/* Collect the records with a code in @p codes that count at as_of into @p l. */
static void collect(const yc_record *recs, size_t n, uint32_t codes, yc_date as_of, yc_listing *l)
{
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        const yc_record *r = &recs[i];
        if (!code_valid(r->code) || (codes & (1u << r->code)) == 0 || !counts_at(r, as_of))
            continue;
        if (l->n_records == 0 || r->decision_date < l->start)
            l->start = r->decision_date;
        const yc_date e = finite_end(r->pub_max_end);
        if (e == YC_DATE_NONE)
            open = true;
        else if (l->n_records == 0 || l->end == YC_DATE_NONE || e > l->end)
            l->end = e;
        if (l->n_record_ids < YC_LIST_RECORD_IDS_MAX)
            l->record_ids[l->n_record_ids++] = r->record_id;
        l->n_records++;
        l->codes |= UINT32_C(1) << (unsigned)r->code;
    }
    if (open)
        l->end = YC_DATE_NONE;
}

/* Earliest decision date of the counting records with one of @p codes: local ones (origin
 * "") into *local, shared ones into *shared; YC_DATE_NONE when there is none. */
static void earliest_by_origin(const yc_record *recs, size_t n, uint32_t codes, yc_date as_of,
                               yc_date *local, yc_date *shared)
{
    for (size_t i = 0; i < n; i++) {
        const yc_record *r = &recs[i];
        if (!code_valid(r->code) || (codes & (UINT32_C(1) << (unsigned)r->code)) == 0 ||
            !counts_at(r, as_of))
            continue;
        yc_date *d = r->origin[0] != '\0' ? shared : local;
        if (*d == YC_DATE_NONE || r->decision_date < *d)
            *d = r->decision_date;
    }
}

static void listing_init(yc_listing *l, yc_list_kind kind, const list_rule *lr)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->start = YC_DATE_NONE;
    l->end = YC_DATE_NONE;
    l->zh = lr->zh;
    l->legal_basis = lr->legal_basis;
    l->requires_notice = lr->requires_notice;
    l->notified_on = YC_DATE_NONE;
    l->effective_from = YC_DATE_NONE;
}

yc_err yc_lists_derive(const yc_list_rules *rules, const yc_calendar *cal, const yc_record *recs,
                       size_t n, const char *grade, yc_date as_of, yc_listing *ret, size_t cap,
                       size_t *ret_n)
{
    YC_ENSURE(recs != NULL || n == 0, YC_ERR_INVALID);
    YC_ENSURE(as_of >= YC_DATE_MIN && as_of <= YC_DATE_LONG_TERM, YC_ERR_INVALID);
    const int rank = grade == NULL ? 0 : grade_rank(grade);
    YC_ENSURE(grade == NULL || rank > 0, YC_ERR_INVALID);

    yc_listing out[YC_LIST_COUNT];
    size_t k = 0;
    for (int kind = 0; kind < YC_LIST_RED; kind++) {
        const list_rule *lr = &rules->rules[kind];
        if (!lr->present)
            continue;
        yc_listing *l = &out[k];
        listing_init(l, (yc_list_kind)kind, lr);
        collect(recs, n, lr->codes, as_of, l);
        if (l->n_records == 0)
            continue;
        if (lr->requires_notice) {
            /* Prior notice is for listings this instance derives: a shared record (origin set,
             * issue 5 item 5) takes effect from its decision date. */
            yc_date local = YC_DATE_NONE, shared = YC_DATE_NONE;
            earliest_by_origin(recs, n, lr->codes, as_of, &local, &shared);
            if (local != YC_DATE_NONE) {
                l->notified_on = local;
                l->effective_from = yc_calendar_add_working_days(cal, local, rules->notice_days);
            }
            if (shared != YC_DATE_NONE &&
                (l->effective_from == YC_DATE_NONE || shared < l->effective_from))
                l->effective_from = shared;
            l->pending = as_of < l->effective_from;
        }
        k++;
    }

    const list_rule *red = &rules->rules[YC_LIST_RED];
    if (red->present && grade != NULL && rank >= red->min_grade) {
        bool negative = false;
        yc_date neg_ended = YC_DATE_NONE;
        for (size_t i = 0; i < n; i++) {
            const yc_record *r = &recs[i];
            if (!code_valid(r->code) || !yc_code_is_negative(r->code))
                continue;
            if (counts_at(r, as_of)) {
                negative = true;
                break;
            }
            const yc_date e = finite_end(r->pub_max_end);
            if ((r->status == YC_STATUS_ACTIVE || r->status == YC_STATUS_DISPUTED) &&
                e != YC_DATE_NONE && e <= as_of && (neg_ended == YC_DATE_NONE || e > neg_ended))
                neg_ended = e;
        }
        if (!negative) {
            yc_listing *l = &out[k];
            listing_init(l, YC_LIST_RED, red);
            collect(recs, n, red->codes, as_of, l);
            if (l->n_records > 0) {
                if (neg_ended != YC_DATE_NONE && neg_ended > l->start)
                    l->start = neg_ended;
                k++;
            }
        }
    }

    YC_ENSURE(k <= cap, YC_ERR_TOO_LARGE);
    if (k > 0)
        memcpy(ret, out, k * sizeof *out);
    *ret_n = k;
    return YC_OK;
}

bool yc_list_rules_list_of_code(const yc_list_rules *rules, yc_code code, yc_list_kind *ret_kind)
{
    if (rules == NULL || ret_kind == NULL || (int)code < 0 || (int)code >= YC_CODE_COUNT)
        return false;
    static const yc_list_kind listing[] = {YC_LIST_SERIOUS_DISHONESTY, YC_LIST_WATCH};
    for (size_t i = 0; i < sizeof listing / sizeof listing[0]; i++) {
        const list_rule *lr = &rules->rules[listing[i]];
        if (lr->present && (lr->codes & (UINT32_C(1) << (unsigned)code)) != 0) {
            *ret_kind = listing[i];
            return true;
        }
    }
    return false;
}
