/* The record model's names: taxonomy codes (domain.md §(a)), subject types (双公示
 * 行政相对人类别), statuses and document types, with their API names and Chinese labels. */
#include "yrdcredit/record.h"

#include <string.h>

/* Indexed by yc_code; the order is stored on disk and must not change. */
static const char *const CODE_NAMES[YC_CODE_COUNT] = {
    "B01", "B02", "P01", "P02", "P03", "P04", "P05", "P06", "N01", "N02", "N03",
    "N04", "N05", "N06", "N07", "N08", "N09", "N10", "N11", "N12", "N13", "N14",
};

/* Indexed by yc_status. */
static const char *const STATUS_NAMES[YC_STATUS_COUNT] = {
    "active", "disputed", "repaired", "expired", "revoked",
};

/* One accepted spelling of an enum value: its API name or a Chinese label. */
typedef struct name_entry {
    const char *text;
    int value;
} name_entry;

/* domain.md §5 CF_XDR_LB / XK_XDR_LB values, plus the API names. */
static const name_entry SUBJECT_TYPE_NAMES[] = {
    {"legal_person", YC_SUBJECT_LEGAL_PERSON},
    {"individual_business", YC_SUBJECT_INDIVIDUAL_BUSINESS},
    {"natural_person", YC_SUBJECT_NATURAL_PERSON},
    {"法人及非法人组织", YC_SUBJECT_LEGAL_PERSON},
    {"法人", YC_SUBJECT_LEGAL_PERSON},
    {"个体工商户", YC_SUBJECT_INDIVIDUAL_BUSINESS},
    {"自然人", YC_SUBJECT_NATURAL_PERSON},
};

static const name_entry DOC_TYPE_NAMES[] = {
    {"resident_id", YC_DOC_RESIDENT_ID},
    {"passport", YC_DOC_PASSPORT},
    {"foreign_permanent_resident_id", YC_DOC_PERMANENT_RESIDENT},
    {"business_friend_card", YC_DOC_BUSINESS_CARD},
    {"居民身份证", YC_DOC_RESIDENT_ID},
    {"身份证", YC_DOC_RESIDENT_ID},
    {"护照", YC_DOC_PASSPORT},
    {"外国人永久居留身份证", YC_DOC_PERMANENT_RESIDENT},
    {"外籍商友卡", YC_DOC_BUSINESS_CARD},
};

/* The first entry of each value in the tables above is its API name. */
static const char *name_of(const name_entry *table, size_t n, int value)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].value == value)
            return table[i].text;
    }
    return "unknown";
}

static bool value_of(const name_entry *table, size_t n, const char *s, int *ret_value)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].text, s) == 0) {
            *ret_value = table[i].value;
            return true;
        }
    }
    return false;
}

const char *yc_code_str(yc_code code)
{
    if ((unsigned)code >= (unsigned)YC_CODE_COUNT)
        return "???";
    return CODE_NAMES[code];
}

yc_err yc_code_parse(const char *s, yc_code *ret_code)
{
    /* Bounded compare: at most 4 bytes of @p s are read, so a long input costs nothing. */
    YC_ENSURE(strnlen(s, 4) == 3, YC_ERR_INVALID);
    for (int i = 0; i < (int)YC_CODE_COUNT; i++) {
        if (memcmp(CODE_NAMES[i], s, 3) == 0) {
            *ret_code = (yc_code)i;
            return YC_OK;
        }
    }
    return YC_ERR_INVALID;
}

bool yc_code_is_negative(yc_code code)
{
    return code >= YC_CODE_N01 && code < YC_CODE_COUNT;
}

const char *yc_subject_type_str(yc_subject_type t)
{
    return name_of(SUBJECT_TYPE_NAMES, sizeof SUBJECT_TYPE_NAMES / sizeof SUBJECT_TYPE_NAMES[0],
                   (int)t);
}

yc_err yc_subject_type_parse(const char *s, yc_subject_type *ret_t)
{
    int v;
    YC_ENSURE(value_of(SUBJECT_TYPE_NAMES, sizeof SUBJECT_TYPE_NAMES / sizeof SUBJECT_TYPE_NAMES[0],
                       s, &v),
              YC_ERR_INVALID);
    *ret_t = (yc_subject_type)v;
    return YC_OK;
}

const char *yc_status_str(yc_status s)
{
    if ((unsigned)s >= (unsigned)YC_STATUS_COUNT)
        return "unknown";
    return STATUS_NAMES[s];
}

yc_err yc_status_parse(const char *s, yc_status *ret_s)
{
    for (int i = 0; i < (int)YC_STATUS_COUNT; i++) {
        if (strcmp(STATUS_NAMES[i], s) == 0) {
            *ret_s = (yc_status)i;
            return YC_OK;
        }
    }
    return YC_ERR_INVALID;
}

const char *yc_doc_type_str(yc_doc_type t)
{
    return name_of(DOC_TYPE_NAMES, sizeof DOC_TYPE_NAMES / sizeof DOC_TYPE_NAMES[0], (int)t);
}

yc_err yc_doc_type_parse(const char *s, yc_doc_type *ret_t)
{
    int v;
    YC_ENSURE(value_of(DOC_TYPE_NAMES, sizeof DOC_TYPE_NAMES / sizeof DOC_TYPE_NAMES[0], s, &v),
              YC_ERR_INVALID);
    *ret_t = (yc_doc_type)v;
    return YC_OK;
}

void yc_record_to_fact(const yc_record *rec, yc_fact *ret_fact)
{
    *ret_fact = (yc_fact){
        .record_id = rec->record_id,
        .code = rec->code,
        .status = rec->status,
        .decision_date = rec->decision_date,
        .pub_min_end = rec->pub_min_end,
        .pub_max_end = rec->pub_max_end,
        .has_amount = rec->has_amount,
        .amount = rec->amount,
        .authority = rec->authority_name,
        .authority_len = strnlen(rec->authority_name, sizeof rec->authority_name),
    };
}
