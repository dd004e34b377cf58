/* JSON Lines: 失信被执行人 (N11), 信用承诺 (P05 / N09) and generic records, parsed with
 * Jansson (JSON_REJECT_DUPLICATES).  Key lists: docs/formats.md §3. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/ids.h"

typedef struct jrow {
    yc_imp *imp;
    long row;
    json_t *o;
} jrow;

/* Value of a key that has been type-checked by strings_only(); absent or null = empty. */
static yc_sv sv(const jrow *j, const char *key)
{
    json_t *v = json_object_get(j->o, key);
    if (!json_is_string(v))
        return (yc_sv){"", 0};
    return (yc_sv){json_string_value(v), json_string_length(v)};
}

static bool one_of(yc_sv v, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (yc_sv_eq(v, values[i]))
            return true;
    return false;
}

/* Every listed key, when present, must be a string or null, and hold no control character
 * (TAB, CR and LF are allowed in the free-text keys). */
static bool strings_only(const jrow *j, const char *const *keys, size_t n,
                         const char *const *free_text, size_t n_free)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(j->o, keys[i]);
        if (v != NULL && !json_is_string(v) && !json_is_null(v)) {
            yc_imp_reject(j->imp, j->row, keys[i], "must be a string");
            return false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(j->o, keys[i]);
        if (json_is_string(v) &&
            !yc_imp_cell(j->imp, j->row, keys[i],
                         (yc_sv){json_string_value(v), json_string_length(v)},
                         one_of((yc_sv){keys[i], strlen(keys[i])}, free_text, n_free)))
            return false;
    }
    return true;
}

static bool text(const jrow *j, const char *key, bool required, char *dst, size_t max)
{
    return yc_imp_text(j->imp, j->row, key, sv(j, key), required, dst, max);
}

static bool present(const jrow *j, const char *key)
{
    return yc_imp_present(j->imp, j->row, key, sv(j, key));
}

static bool date(const jrow *j, const char *key, bool required, bool not_future, yc_date *ret)
{
    return yc_imp_date(j->imp, j->row, key, sv(j, key), required, not_future, false, ret);
}

/* The 失信被执行人 feed also writes dates as YYYY年MM月DD日. */
static bool cjk_date(const jrow *j, const char *key, yc_date *ret)
{
    return yc_imp_date(j->imp, j->row, key, sv(j, key), true, true, true, ret);
}

static bool uscc(const jrow *j, const char *key, bool required, char dst[static YC_USCC_LEN + 1])
{
    return yc_imp_uscc(j->imp, j->row, key, sv(j, key), required, dst);
}

/* A code-list value; echo: the row's subject is known not to be a natural person. */
static bool enum_value(const jrow *j, const char *key, const char *const *values, size_t n,
                       const char *what, bool echo)
{
    yc_sv v = yc_sv_trim(sv(j, key));
    if (!present(j, key))
        return false;
    if (one_of(v, values, n))
        return true;
    yc_imp_reject_value(j->imp, j->row, key, what, v, echo);
    return false;
}

static bool not_person(const yc_record *r)
{
    return r->subject_type != YC_SUBJECT_NATURAL_PERSON;
}

static void default_source(yc_record *r)
{
    if (r->source_name[0] == '\0')
        memcpy(r->source_name, r->authority_name, sizeof r->source_name);
    if (r->source_uscc[0] == '\0')
        memcpy(r->source_uscc, r->authority_uscc, sizeof r->source_uscc);
}

/* Merchant subject from a USCC key; a USCC starting "92" is a 个体工商户 when the type
 * was not given explicitly. */
static bool merchant_id(const jrow *j, const char *key, yc_record *r, bool infer_type)
{
    if (!uscc(j, key, true, r->subject_id))
        return false;
    if (infer_type)
        r->subject_type = r->subject_id[0] == '9' && r->subject_id[1] == '2'
                              ? YC_SUBJECT_INDIVIDUAL_BUSINESS
                              : YC_SUBJECT_LEGAL_PERSON;
    return true;
}

/* ---- 失信被执行人 (N11) ---- */

static bool debtor_is_person(const jrow *j, bool *ret)
{
    json_t *t = json_object_get(j->o, "type");
    if (t == NULL || json_is_null(t)) {
        yc_sv sex = yc_sv_trim(sv(j, "sexy"));
        *ret = yc_sv_eq(sex, "男") || yc_sv_eq(sex, "女");
        return true;
    }
    if (json_is_integer(t) && (json_integer_value(t) == 0 || json_integer_value(t) == 1)) {
        *ret = json_integer_value(t) == 0;
        return true;
    }
    yc_sv v = json_is_string(t) ? yc_sv_trim((yc_sv){json_string_value(t), json_string_length(t)})
                                : (yc_sv){"", 0};
    if (yc_sv_eq(v, "0") || yc_sv_eq(v, "1")) {
        *ret = yc_sv_eq(v, "0");
        return true;
    }
    /* the debtor may be a natural person: never echoed */
    yc_imp_reject(j->imp, j->row, "type", "unknown type");
    return false;
}

static yc_err debtor(const jrow *j)
{
    static const char *const keys[] = {"iname",       "cardNum", "caseCode",    "courtName",
                                       "courtUscc",   "gistId",  "gistUnit",    "regDate",
                                       "publishDate", "duty",    "performance", "disruptTypeName",
                                       "sexy"};
    static const char *const free_text[] = {"duty", "performance", "disruptTypeName"};
    yc_record *r = yc_imp_slot(j->imp);
    r->code = YC_CODE_N11;
    bool person = false;
    yc_date reg;
    if (!strings_only(j, keys, sizeof keys / sizeof *keys, free_text,
                      sizeof free_text / sizeof *free_text) ||
        !text(j, "iname", true, r->subject_name, YC_NAME_MAX) || !debtor_is_person(j, &person))
        return YC_OK;
    r->subject_type = person ? YC_SUBJECT_NATURAL_PERSON : YC_SUBJECT_LEGAL_PERSON;
    bool ok = person ? yc_imp_doc(j->imp, j->row, "cardNum", sv(j, "cardNum"), "cardNum",
                                  sv(j, "cardNum"), NULL, (yc_sv){"", 0}, YC_DOC_RESIDENT_ID, r)
                     : merchant_id(j, "cardNum", r, true);
    if (!ok || !text(j, "caseCode", true, r->decision_no, YC_DECISION_NO_MAX) ||
        !text(j, "courtName", true, r->authority_name, YC_NAME_MAX) ||
        !uscc(j, "courtUscc", false, r->authority_uscc) ||
        !text(j, "gistId", true, r->legal_basis, YC_LEGAL_BASIS_MAX) || !present(j, "gistUnit") ||
        !present(j, "duty") || !present(j, "performance") || !present(j, "disruptTypeName") ||
        !cjk_date(j, "regDate", &reg) || !cjk_date(j, "publishDate", &r->decision_date))
        return YC_OK;
    if (reg > r->decision_date) {
        yc_imp_reject(j->imp, j->row, "regDate", "regDate after publishDate");
        return YC_OK;
    }
    default_source(r);
    yc_imp_default_region(r);
    if (!yc_imp_window(j->imp, j->row, r, YC_DATE_NONE, "publishDate", ""))
        return YC_OK;
    return yc_imp_commit(j->imp);
}

/* ---- 信用承诺 (P05 / N09) ---- */

/* 承诺编码: 6-digit 区划 + 8-digit 承诺作出日期 + 6-digit serial. */
static bool commitment_code(const jrow *j, yc_record *r, yc_date *ret_date)
{
    if (!text(j, "code", true, r->decision_no, YC_DECISION_NO_MAX))
        return false;
    const char *c = r->decision_no;
    bool ok = strlen(c) == 20;
    for (size_t i = 0; ok && i < 20; i++)
        ok = c[i] >= '0' && c[i] <= '9';
    ok = ok && yc_region_is_valid(c, YC_REGION_LEN) &&
         yc_date_parse(c + YC_REGION_LEN, 8, ret_date) == YC_OK;
    if (!ok) {
        yc_imp_reject(j->imp, j->row, "code", "invalid 承诺编码");
        return false;
    }
    memcpy(r->region, c, YC_REGION_LEN);
    r->region[YC_REGION_LEN] = '\0';
    return true;
}

static bool commitment_subject(const jrow *j, yc_record *r)
{
    yc_sv cat = yc_sv_trim(sv(j, "subjectCategory"));
    if (!text(j, "subjectName", true, r->subject_name, YC_NAME_MAX) ||
        !present(j, "subjectCategory"))
        return false;
    if (yc_sv_eq(cat, "法人及非法人组织"))
        r->subject_type = YC_SUBJECT_LEGAL_PERSON;
    else if (yc_sv_eq(cat, "个体工商户"))
        r->subject_type = YC_SUBJECT_INDIVIDUAL_BUSINESS;
    else if (yc_sv_eq(cat, "自然人"))
        r->subject_type = YC_SUBJECT_NATURAL_PERSON;
    else {
        /* the subject may be a natural person: never echoed */
        yc_imp_reject(j->imp, j->row, "subjectCategory", "unknown 承诺人类别");
        return false;
    }
    if (r->subject_type != YC_SUBJECT_NATURAL_PERSON)
        return merchant_id(j, "identify", r, false);
    return yc_imp_doc(j->imp, j->row, "identify", sv(j, "identify"), "identify", sv(j, "identify"),
                      NULL, (yc_sv){"", 0}, YC_DOC_RESIDENT_ID, r);
}

static bool commitment_type(const jrow *j, yc_record *r)
{
    static const char *const types[] = {"审批替代型", "容缺受理型", "证明事项型",
                                        "信用修复型", "行业自律型", "主动型"};
    static const char other[] = "其他";
    yc_sv v = yc_sv_trim(sv(j, "commitmentTypeId"));
    if (!text(j, "commitmentTypeId", true, r->legal_basis, YC_LEGAL_BASIS_MAX))
        return false;
    if (one_of(v, types, sizeof types / sizeof *types) ||
        (v.n >= sizeof other - 1 && memcmp(v.p, other, sizeof other - 1) == 0))
        return true;
    yc_imp_reject_value(j->imp, j->row, "commitmentTypeId", "unknown 承诺类型", v, not_person(r));
    return false;
}

static bool fulfilment(const jrow *j, yc_record *r)
{
    yc_sv v = yc_sv_trim(sv(j, "fulfillmentStatus"));
    if (!present(j, "fulfillmentStatus"))
        return false;
    if (yc_sv_eq(v, "全部履行")) {
        r->code = YC_CODE_P05;
        return true;
    }
    if (yc_sv_eq(v, "部分履行") || yc_sv_eq(v, "全部未履行")) {
        r->code = YC_CODE_N09;
        return present(j, "unperformedCommitmentContent") &&
               present(j, "liabilityBreachCommitmentContent");
    }
    yc_imp_reject_value(j->imp, j->row, "fulfillmentStatus", "unknown 履行状态", v, not_person(r));
    return false;
}

static bool commitment_dates(const jrow *j, yc_record *r, yc_date code_date)
{
    yc_date made, validity, confirmed;
    if (!date(j, "commitmentDate", true, true, &made))
        return false;
    if (made != code_date) {
        yc_imp_reject(j->imp, j->row, "code", "承诺编码 date differs from commitmentDate");
        return false;
    }
    if (!date(j, "commitmentValidity", false, false, &validity) ||
        !date(j, "fulfillmentStatusDate", false, true, &confirmed))
        return false;
    if (confirmed != YC_DATE_NONE && confirmed < made) {
        yc_imp_reject(j->imp, j->row, "fulfillmentStatusDate", "before commitmentDate");
        return false;
    }
    r->decision_date = confirmed != YC_DATE_NONE ? confirmed : made;
    return true;
}

static yc_err commitment(const jrow *j)
{
    static const char *const keys[] = {"code",
                                       "subjectName",
                                       "subjectCategory",
                                       "identify",
                                       "commitmentTypeId",
                                       "reason",
                                       "content",
                                       "liabilityBreachCommitment",
                                       "commitmentDate",
                                       "commitmentValidity",
                                       "fulfillmentStatus",
                                       "unperformedCommitmentContent",
                                       "liabilityBreachCommitmentContent",
                                       "fulfillmentStatusDate",
                                       "acceptanceConfirmUnit",
                                       "acceptanceConfirmUnitIdentify",
                                       "acceptanceUnit",
                                       "acceptanceUnitIdentify",
                                       "publicationType"};
    static const char *const free_text[] = {"reason", "content", "liabilityBreachCommitment",
                                            "unperformedCommitmentContent",
                                            "liabilityBreachCommitmentContent"};
    static const char *const publication[] = {"可向社会公开", "特定范围内公开", "不可公开"};
    yc_record *r = yc_imp_slot(j->imp);
    yc_date code_date;
    if (!strings_only(j, keys, sizeof keys / sizeof *keys, free_text,
                      sizeof free_text / sizeof *free_text) ||
        !commitment_code(j, r, &code_date) || !commitment_subject(j, r) || !commitment_type(j, r) ||
        !present(j, "reason") || !present(j, "content") ||
        !present(j, "liabilityBreachCommitment") || !commitment_dates(j, r, code_date) ||
        !fulfilment(j, r) || !text(j, "acceptanceUnit", true, r->authority_name, YC_NAME_MAX) ||
        !uscc(j, "acceptanceUnitIdentify", true, r->authority_uscc) ||
        !text(j, "acceptanceConfirmUnit", false, r->source_name, YC_NAME_MAX) ||
        !uscc(j, "acceptanceConfirmUnitIdentify", false, r->source_uscc) ||
        !enum_value(j, "publicationType", publication, sizeof publication / sizeof *publication,
                    "unknown 公开类型", not_person(r)))
        return YC_OK;
    default_source(r);
    if (!yc_imp_window(j->imp, j->row, r, YC_DATE_NONE, "commitmentDate", ""))
        return YC_OK;
    return yc_imp_commit(j->imp);
}

/* ---- generic record (the HTTP API's object) ---- */

static const char *const generic_keys[] = {
    "subject_type",   "subject_id",  "name",        "doc_type",      "doc_number",
    "doc_country",    "code",        "decision_no", "decision_date", "authority_name",
    "authority_uscc", "source_name", "source_uscc", "legal_basis",   "amount",
    "region",         "status",      "pub_max_end"};

static bool only_known_keys(const jrow *j)
{
    const char *k;
    json_t *v;
    json_object_foreach(j->o, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof generic_keys / sizeof *generic_keys && !known; i++)
            known = strcmp(k, generic_keys[i]) == 0;
        if (!known) {
            /* a key can be data too (an ID number as a key): named only when it looks like one */
            yc_imp_reject(j->imp, j->row, yc_imp_key_is_safe(k) ? k : "(key)", "unknown key");
            return false;
        }
    }
    return true;
}

/* The result of one of the record.h parsers on a code-list key; echo as enum_value(). */
static bool parsed(const jrow *j, const char *key, const char *what, yc_err rv, bool echo)
{
    if (rv == YC_OK)
        return true;
    yc_imp_reject_value(j->imp, j->row, key, what, yc_sv_trim(sv(j, key)), echo);
    return false;
}

static bool generic_subject(const jrow *j, yc_record *r)
{
    if (!present(j, "subject_type") ||
        !parsed(j, "subject_type", "unknown subject_type",
                yc_subject_type_parse(json_string_value(json_object_get(j->o, "subject_type")),
                                      &r->subject_type),
                false) ||
        !text(j, "name", true, r->subject_name, YC_NAME_MAX))
        return false;
    if (r->subject_type != YC_SUBJECT_NATURAL_PERSON) {
        static const char *const person_only[] = {"doc_type", "doc_number", "doc_country"};
        for (size_t i = 0; i < 3; i++)
            if (yc_sv_trim(sv(j, person_only[i])).n > 0) {
                yc_imp_reject(j->imp, j->row, person_only[i], "only for natural_person");
                return false;
            }
        return merchant_id(j, "subject_id", r, false);
    }
    if (yc_sv_trim(sv(j, "subject_id")).n > 0) {
        yc_imp_reject(j->imp, j->row, "subject_id", "subject_id not accepted for natural_person");
        return false;
    }
    return yc_imp_doc(j->imp, j->row, "doc_type", sv(j, "doc_type"), "doc_number",
                      sv(j, "doc_number"), "doc_country", sv(j, "doc_country"), YC_DOC_NONE, r);
}

static yc_err generic(const jrow *j)
{
    yc_record *r = yc_imp_slot(j->imp);
    yc_date end;
    static const char *const free_text[] = {"legal_basis"};
    if (!strings_only(j, generic_keys, sizeof generic_keys / sizeof *generic_keys, free_text, 1) ||
        !only_known_keys(j) || !generic_subject(j, r) || !present(j, "code") ||
        !parsed(j, "code", "unknown code",
                yc_code_parse(json_string_value(json_object_get(j->o, "code")), &r->code),
                not_person(r)) ||
        !text(j, "decision_no", true, r->decision_no, YC_DECISION_NO_MAX) ||
        !date(j, "decision_date", true, true, &r->decision_date) ||
        !text(j, "authority_name", true, r->authority_name, YC_NAME_MAX) ||
        !uscc(j, "authority_uscc", true, r->authority_uscc) ||
        !text(j, "source_name", false, r->source_name, YC_NAME_MAX) ||
        !uscc(j, "source_uscc", false, r->source_uscc) ||
        !text(j, "legal_basis", false, r->legal_basis, YC_LEGAL_BASIS_MAX) ||
        !yc_imp_amount(j->imp, j->row, "amount", sv(j, "amount"), &r->has_amount, &r->amount) ||
        !yc_imp_region(j->imp, j->row, "region", sv(j, "region"), r) ||
        !date(j, "pub_max_end", false, false, &end))
        return YC_OK;
    if (yc_sv_trim(sv(j, "status")).n > 0 &&
        !parsed(j, "status", "unknown status",
                yc_status_parse(json_string_value(json_object_get(j->o, "status")), &r->status),
                not_person(r)))
        return YC_OK;
    default_source(r);
    yc_imp_default_region(r);
    if (!yc_imp_window(j->imp, j->row, r, end, "pub_max_end", "ends before decision date"))
        return YC_OK;
    return yc_imp_commit(j->imp);
}

/* ---- lines ---- */

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

static yc_err line(yc_imp *imp, const char *s, size_t n, bool overflow)
{
    long row = imp->line_no++;
    if (!overflow && blank(s, n))
        return YC_OK;
    imp->stats.rows++;
    if (overflow) {
        yc_imp_reject(imp, row, YC_FIELD_ROW, "longer than %d bytes", YC_IMPORT_MAX_LINE_BYTES);
        return YC_OK;
    }
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (!yc_imp_cell_encoding(imp, row, YC_FIELD_ROW, (yc_sv){s, n}))
        return YC_OK;
    yc_core_init_json();
    json_error_t err;
    const long failures = yc_alloc_failures();
    json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &err);
    if (o == NULL) {
        /* Jansson reports most allocation failures as syntax errors (alloc.h): that is the
         * allocator's fault, not the row's */
        if (json_error_code(&err) == json_error_out_of_memory || yc_alloc_failures() != failures) {
            imp->fatal = YC_ERR_NOMEM;
            return YC_ERR_NOMEM;
        }
        /* Jansson's text quotes the input near the fault ("near '\"3307…'"): only its
         * position is reported */
        yc_imp_reject(imp, row, YC_FIELD_ROW, "%s at column %d",
                      json_error_code(&err) == json_error_duplicate_key ? "duplicate key"
                                                                        : "invalid JSON",
                      err.column > 0 ? err.column : 1);
        return YC_OK;
    }
    const jrow j = {.imp = imp, .row = row, .o = o};
    yc_err rv = YC_OK;
    if (!json_is_object(o))
        yc_imp_reject(imp, row, YC_FIELD_ROW, "not a JSON object");
    else if (json_object_get(o, "iname") != NULL)
        rv = debtor(&j);
    else if (json_object_get(o, "fulfillmentStatus") != NULL)
        rv = commitment(&j);
    else if (json_object_get(o, "subject_type") != NULL)
        rv = generic(&j);
    else
        yc_imp_reject(imp, row, YC_FIELD_ROW, "unknown record shape");
    json_decref(o);
    return rv;
}

static yc_err append(yc_imp *imp, const char *p, size_t n)
{
    if (imp->line_overflow || imp->line_len + n > YC_IMPORT_MAX_LINE_BYTES) {
        imp->line_overflow = true;
        return YC_OK;
    }
    if (imp->line == NULL) {
        imp->line = yc_alloc(YC_IMPORT_MAX_LINE_BYTES);
        YC_ENSURE(imp->line != NULL, YC_ERR_NOMEM);
    }
    memcpy(imp->line + imp->line_len, p, n);
    imp->line_len += n;
    return YC_OK;
}

yc_err yc_jsonl_feed(yc_imp *imp, const char *p, size_t n)
{
    while (n > 0 && imp->fatal == YC_OK) {
        const char *nl = memchr(p, '\n', n);
        size_t seg = nl != NULL ? (size_t)(nl - p) : n;
        if (nl != NULL && imp->line_len == 0 && !imp->line_overflow) {
            /* a whole line inside this chunk: parse it in place */
            YC_TRY(line(imp, p, seg, seg > YC_IMPORT_MAX_LINE_BYTES));
        } else {
            YC_TRY(append(imp, p, seg));
            if (nl == NULL)
                return imp->fatal;
            YC_TRY(line(imp, imp->line, imp->line_len, imp->line_overflow));
            imp->line_len = 0;
            imp->line_overflow = false;
        }
        p += seg + 1;
        n -= seg + 1;
    }
    return imp->fatal;
}

yc_err yc_jsonl_finish(yc_imp *imp)
{
    if (imp->fatal != YC_OK || (imp->line_len == 0 && !imp->line_overflow))
        return imp->fatal;
    yc_err rv = line(imp, imp->line, imp->line_len, imp->line_overflow);
    imp->line_len = 0;
    imp->line_overflow = false;
    return rv;
}
