#include "yrdcredit/record_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "yrdcredit/alloc.h"

static json_t *str_or_null(const char *s)
{
    return s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *date_or_null(yc_date d)
{
    if (d == YC_DATE_NONE || d >= YC_DATE_LONG_TERM)
        return json_null();
    char buf[YC_DATE_STR_LEN + 1];
    yc_date_format(d, buf);
    return json_string(buf);
}

static json_t *ingest_time(int64_t ms)
{
    const time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char buf[40];
    if (gmtime_r(&secs, &tm) == NULL)
        return json_null();
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(ms % 1000));
    return json_string(buf);
}

json_t *yc_record_to_json(const yc_record *rec)
{
    char id[24], amount[YC_AMOUNT_STR_MAX + 1];
    snprintf(id, sizeof id, "%" PRIu64, rec->record_id);
    if (rec->has_amount)
        yc_amount_format(rec->amount, amount);
    yc_core_init_json();
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    const bool person = rec->subject_type == YC_SUBJECT_NATURAL_PERSON;
    int rv = 0;
    rv |= json_object_set_new(o, "record_id", json_string(id));
    rv |= json_object_set_new(o, "version", json_integer(rec->version));
    rv |=
        json_object_set_new(o, "subject_type", json_string(yc_subject_type_str(rec->subject_type)));
    rv |= json_object_set_new(o, "subject_id", str_or_null(rec->subject_id));
    if (!person)
        rv |= json_object_set_new(o, "name", str_or_null(rec->subject_name));
    rv |= json_object_set_new(o, "code", json_string(yc_code_str(rec->code)));
    rv |= json_object_set_new(o, "decision_no", str_or_null(rec->decision_no));
    rv |= json_object_set_new(o, "decision_date", date_or_null(rec->decision_date));
    rv |= json_object_set_new(o, "authority_name", str_or_null(rec->authority_name));
    rv |= json_object_set_new(o, "authority_uscc", str_or_null(rec->authority_uscc));
    rv |= json_object_set_new(o, "source_name", str_or_null(rec->source_name));
    rv |= json_object_set_new(o, "source_uscc", str_or_null(rec->source_uscc));
    rv |= json_object_set_new(o, "legal_basis", str_or_null(rec->legal_basis));
    rv |= json_object_set_new(o, "amount", rec->has_amount ? json_string(amount) : json_null());
    rv |= json_object_set_new(o, "pub_start", date_or_null(rec->pub_start));
    rv |= json_object_set_new(o, "pub_min_end", date_or_null(rec->pub_min_end));
    rv |= json_object_set_new(o, "pub_max_end", date_or_null(rec->pub_max_end));
    rv |= json_object_set_new(o, "region", str_or_null(rec->region));
    rv |= json_object_set_new(o, "origin", str_or_null(rec->origin));
    rv |= json_object_set_new(o, "status", json_string(yc_status_str(rec->status)));
    rv |= json_object_set_new(o, "ingest_time", ingest_time(rec->ingest_ms));
    if (rv != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}
