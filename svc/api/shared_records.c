/* Record sharing between instances (issue 5 scope item 5; include/yrdcredit/shared.h,
 * docs/sharing.md): the signed batch of `yrdcredit share export`, its verification and storage
 * for `yrdcredit share import` and POST /v1/shared-records (importSharedRecords). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/attest_verify.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/import.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/shared.h"

/* Longest base64url header accepted before its kid is read (the signer's is about 120). */
enum { HEADER_B64_MAX = 1024 };

/* A NUL-terminated 行政区划代码 (yc_region_is_valid(): the one region rule of issue 5). */
static bool region_ok(const char *s)
{
    return s != NULL && strnlen(s, YC_REGION_LEN + 1) == YC_REGION_LEN &&
           yc_region_is_valid(s, YC_REGION_LEN);
}

/* ---- export ---- */

typedef struct export_ctx {
    const char *to;
    yc_date since;
    json_t *records;
    size_t n;
    size_t skipped; /* without the authority's USCC: not a generic record (formats.md §3.3) */
} export_ctx;

static int set_str(json_t *o, const char *key, const char *v)
{
    return v[0] != '\0' ? json_object_set_new(o, key, json_string(v)) : 0;
}

static int set_date(json_t *o, const char *key, yc_date d)
{
    char buf[YC_DATE_STR_LEN + 1];
    if (d >= YC_DATE_LONG_TERM)
        return json_object_set_new(o, key, json_string("2099-12-31"));
    if (d == YC_DATE_NONE)
        return 0;
    yc_date_format(d, buf);
    return json_object_set_new(o, key, json_string(buf));
}

/* The generic record object of docs/formats.md §3.3, plus origin_record_id. */
static json_t *export_record(const yc_record *r)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    char id[24], amount[YC_AMOUNT_STR_MAX + 1];
    snprintf(id, sizeof id, "%" PRIu64, r->record_id);
    int rv =
        json_object_set_new(o, "subject_type", json_string(yc_subject_type_str(r->subject_type)));
    rv |= set_str(o, "subject_id", r->subject_id);
    rv |= set_str(o, "name", r->subject_name);
    rv |= json_object_set_new(o, "code", json_string(yc_code_str(r->code)));
    rv |= set_str(o, "decision_no", r->decision_no);
    rv |= set_date(o, "decision_date", r->decision_date);
    rv |= set_str(o, "authority_name", r->authority_name);
    rv |= set_str(o, "authority_uscc", r->authority_uscc);
    rv |= set_str(o, "source_name", r->source_name);
    rv |= set_str(o, "source_uscc", r->source_uscc);
    rv |= set_str(o, "legal_basis", r->legal_basis);
    if (r->has_amount) {
        yc_amount_format(r->amount, amount);
        rv |= json_object_set_new(o, "amount", json_string(amount));
    }
    rv |= set_str(o, "region", r->region);
    rv |= json_object_set_new(o, "status", json_string(yc_status_str(r->status)));
    rv |= set_date(o, "pub_max_end", r->pub_max_end);
    rv |= json_object_set_new(o, "origin_record_id", json_string(id));
    if (rv != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static yc_err export_one(void *vctx, const yc_record *r)
{
    export_ctx *c = vctx;
    /* local merchants of the recipient's region, ingested on or after since */
    if (r->origin[0] != '\0' ||
        (r->subject_type != YC_SUBJECT_LEGAL_PERSON &&
         r->subject_type != YC_SUBJECT_INDIVIDUAL_BUSINESS) ||
        !yc_share_region_covers(c->to, r->subject_id) ||
        yc_date_from_unix_ms(r->ingest_ms) < c->since)
        return YC_OK;
    if (r->authority_uscc[0] == '\0') {
        c->skipped++;
        return YC_OK;
    }
    YC_ENSURE(c->n < YC_SHARE_MAX_RECORDS, YC_ERR_TOO_LARGE);
    json_t *o = export_record(r);
    YC_ENSURE(o != NULL, YC_ERR_NOMEM);
    YC_ENSURE(json_array_append_new(c->records, o) == 0, YC_ERR_NOMEM);
    c->n++;
    return YC_OK;
}

yc_err yc_share_export(yc_store *st, yc_attest_service *svc, const char *from, const char *to,
                       yc_date since, int64_t now, char **ret_token, size_t *ret_len, size_t *ret_n)
{
    YC_ENSURE(region_ok(from) && region_ok(to), YC_ERR_INVALID);
    yc_core_init_json();
    export_ctx c = {.to = to, .since = since, .records = json_array()};
    json_t *payload = NULL;
    char *text = NULL;
    yc_err rv = c.records != NULL ? YC_OK : YC_ERR_NOMEM;
    if (rv == YC_OK)
        rv = yc_store_record_walk(st, export_one, &c);
    if (rv != YC_OK)
        goto out;
    char batch_id[YC_STORE_BATCH_ID_LEN + 1], since_txt[YC_DATE_STR_LEN + 1];
    _Static_assert(YC_STORE_BATCH_ID_LEN == 22, "16 bytes in base64url");
    if ((rv = yc_api_random_id22(batch_id)) != YC_OK)
        goto out;
    yc_date_format(since, since_txt);
    payload = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:O}", "format", YC_SHARE_FORMAT,
                        "batch_id", batch_id, "from", from, "to", to, "iat", (json_int_t)now,
                        "since", since_txt, "records", c.records);
    text = payload != NULL ? json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    rv = yc_attest_sign_jws(svc, YC_SHARE_TYP, text, strlen(text), now, ret_token, ret_len, NULL);
    if (rv == YC_OK)
        *ret_n = c.n;
out:
    yc_free(text);
    json_decref(payload);
    json_decref(c.records);
    return rv;
}

/* ---- import ---- */

static void refuse(yc_share_result *r, yc_share_reason reason, const char *field, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* rj->reason carries Chinese text: a cut inside a character would make json_pack fail. */
void yc_api_utf8_cut(char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n + 1 < cap) /* nothing was cut */
        return;
    size_t start = n;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0)
        return;
    const unsigned char lead = (unsigned char)s[start - 1];
    const size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (start - 1) < need)
        s[start - 1] = '\0';
}

static void refuse(yc_share_result *r, yc_share_reason reason, const char *field, const char *fmt,
                   ...)
{
    r->reason = reason;
    snprintf(r->field, sizeof r->field, "%s", field != NULL ? field : "");
    yc_api_utf8_cut(r->field, sizeof r->field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    yc_api_utf8_cut(r->detail, sizeof r->detail);
}

/* The kid of the (unverified) protected header, to choose the pinned key; false: malformed. */
static bool header_kid(const char *token, size_t len, char kid[static YC_JWK_THUMBPRINT_LEN + 1])
{
    if (token == NULL || len == 0) /* an empty body: no header */
        return false;
    const char *dot = memchr(token, '.', len);
    if (dot == NULL || dot == token || (size_t)(dot - token) > HEADER_B64_MAX)
        return false;
    const size_t b64_len = (size_t)(dot - token);
    char b64[HEADER_B64_MAX + 1];
    memcpy(b64, token, b64_len);
    b64[b64_len] = '\0';
    uint8_t raw[HEADER_B64_MAX];
    size_t raw_len = 0;
    if (yc_b64url_decode(b64, b64_len, raw, sizeof raw, &raw_len) != YC_OK)
        return false;
    json_t *h = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, NULL);
    const char *k = json_string_value(json_object_get(h, "kid"));
    const bool ok = k != NULL && strlen(k) == YC_JWK_THUMBPRINT_LEN;
    if (ok)
        memcpy(kid, k, YC_JWK_THUMBPRINT_LEN + 1);
    json_decref(h);
    return ok;
}

/* The partner whose pinned keys hold kid (yc_attest_partner_key(): the service's cached trust
 * registry, key and region from one registry); *ret_found false: no partner pins kid, or its
 * region is no 行政区划代码. */
static yc_err find_partner(yc_attest_service *svc, const char *kid, int64_t now,
                           yc_attest_partner *ret, bool *ret_found)
{
    *ret_found = false;
    yc_err rv = yc_attest_partner_key(svc, kid, now, ret);
    if (rv == YC_ERR_NOT_FOUND)
        return YC_OK;
    YC_TRY(rv);
    *ret_found = region_ok(ret->region);
    return YC_OK;
}

static const char *const PAYLOAD_KEYS[] = {"format",   "iat",  "since", "records",
                                           "batch_id", "from", "to"};
enum { N_PAYLOAD_KEYS = sizeof PAYLOAD_KEYS / sizeof PAYLOAD_KEYS[0] };

static bool b64url_id(const char *s)
{
    return s != NULL && strnlen(s, YC_STORE_BATCH_ID_LEN + 1) == YC_STORE_BATCH_ID_LEN &&
           yc_store_b64url_id_chars_ok(s, YC_STORE_BATCH_ID_LEN);
}

/* The members of the payload; false with r refused. */
static bool check_payload(json_t *pl, yc_share_result *r)
{
    if (!json_is_object(pl)) {
        refuse(r, YC_SHARE_MALFORMED, NULL, "the payload is not a JSON object");
        return false;
    }
    const char *k;
    json_t *v;
    json_object_foreach(pl, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < N_PAYLOAD_KEYS && !known; i++)
            known = strcmp(k, PAYLOAD_KEYS[i]) == 0;
        if (!known) {
            refuse(r, YC_SHARE_MALFORMED, yc_api_key_is_nameable(k) ? k : "(key)",
                   "unknown member");
            return false;
        }
    }
    const char *format = json_string_value(json_object_get(pl, "format"));
    const char *id = json_string_value(json_object_get(pl, "batch_id"));
    const char *from = json_string_value(json_object_get(pl, "from"));
    const char *to = json_string_value(json_object_get(pl, "to"));
    const char *since = json_string_value(json_object_get(pl, "since"));
    json_t *iat = json_object_get(pl, "iat");
    yc_date d;
    const char *bad = format == NULL || strcmp(format, YC_SHARE_FORMAT) != 0   ? "format"
                      : !b64url_id(id)                                         ? "batch_id"
                      : !region_ok(from)                                       ? "from"
                      : !region_ok(to)                                         ? "to"
                      : !json_is_integer(iat) || json_integer_value(iat) < 0   ? "iat"
                      : since == NULL || yc_date_parse_iso(since, &d) != YC_OK ? "since"
                      : !json_is_array(json_object_get(pl, "records"))         ? "records"
                                                                               : NULL;
    if (bad != NULL) {
        refuse(r, YC_SHARE_MALFORMED, bad, "missing or invalid member");
        return false;
    }
    memcpy(r->batch_id, id, YC_STORE_BATCH_ID_LEN + 1);
    memcpy(r->from, from, YC_REGION_LEN + 1);
    return true;
}

static bool digits_1_20(const char *s)
{
    size_t n = s != NULL ? strnlen(s, 21) : 0;
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* One record's sharing rules (the importer checks the rest); false with r refused. */
static bool check_record(json_t *o, size_t i, const char *to, yc_share_result *r)
{
    char f[64];
    if (!json_is_object(o)) {
        snprintf(f, sizeof f, "records[%zu]", i);
        refuse(r, YC_SHARE_MALFORMED, f, "not a JSON object");
        return false;
    }
    const char *type = json_string_value(json_object_get(o, "subject_type"));
    const char *sid = json_string_value(json_object_get(o, "subject_id"));
    if (type == NULL ||
        (strcmp(type, "legal_person") != 0 && strcmp(type, "individual_business") != 0)) {
        snprintf(f, sizeof f, "records[%zu].subject_type", i);
        refuse(r, YC_SHARE_MALFORMED, f,
               "only merchants (legal_person, individual_business) are shared");
        return false;
    }
    if (sid == NULL || !yc_share_region_covers(to, sid)) {
        snprintf(f, sizeof f, "records[%zu].subject_id", i);
        refuse(r, YC_SHARE_MALFORMED, f, "not a merchant registered in region %s", to);
        return false;
    }
    if (json_object_get(o, "origin") != NULL) {
        snprintf(f, sizeof f, "records[%zu].origin", i);
        refuse(r, YC_SHARE_MALFORMED, f, "origin is set by the receiver, never by a batch");
        return false;
    }
    if (!digits_1_20(json_string_value(json_object_get(o, "origin_record_id")))) {
        snprintf(f, sizeof f, "records[%zu].origin_record_id", i);
        refuse(r, YC_SHARE_MALFORMED, f, "missing or invalid member");
        return false;
    }
    return true;
}

/* The importer's callbacks: records collected, the first reject kept. */
typedef struct import_ctx {
    yc_record *recs;
    size_t n, cap;
    yc_share_result *r;
    bool rejected;
} import_ctx;

static yc_err collect(void *vctx, yc_record *recs, size_t n)
{
    import_ctx *c = vctx;
    YC_ENSURE(n <= c->cap - c->n, YC_ERR_INTERNAL);
    memcpy(c->recs + c->n, recs, n * sizeof *recs);
    c->n += n;
    return YC_OK;
}

static void first_reject(void *vctx, const yc_reject *rj)
{
    import_ctx *c = vctx;
    if (c->rejected)
        return;
    c->rejected = true;
    char f[64];
    if (rj->row >= 1)
        snprintf(f, sizeof f, "records[%ld].%s", rj->row - 1, rj->field);
    else
        snprintf(f, sizeof f, "records");
    refuse(c->r, YC_SHARE_MALFORMED, f, "%s", rj->reason);
}

/* The records as JSON Lines for the importer (the lines helper of POST /v1/records), without
 * origin_record_id: removed from the parsed payload's own objects (no copy). */
static yc_err records_jsonl(json_t *records, yc_api_lines *l)
{
    size_t i;
    json_t *o;
    json_array_foreach(records, i, o)
    {
        YC_ENSURE(json_object_del(o, "origin_record_id") == 0, YC_ERR_INTERNAL);
        YC_TRY(yc_api_lines_add_json(l, o, JSON_COMPACT | JSON_PRESERVE_ORDER));
    }
    return YC_OK;
}

/* Everything after the signature: payload members, parties, records, storage. */
static yc_err import_payload(yc_store *st, const char *host_region, const yc_attest_partner *p,
                             const yc_window *windows, const uint8_t *payload, size_t payload_len,
                             int64_t now, yc_share_result *r)
{
    json_error_t jerr;
    json_t *pl = json_loadb((const char *)payload, payload_len, JSON_REJECT_DUPLICATES, &jerr);
    yc_api_lines jsonl = {0};
    import_ctx c = {.r = r};
    yc_err rv = YC_OK;
    if (pl == NULL) {
        refuse(r, YC_SHARE_MALFORMED, NULL, "the payload is not JSON (or repeats a member)");
        goto out;
    }
    if (!check_payload(pl, r))
        goto out;
    const char *to = json_string_value(json_object_get(pl, "to"));
    if (strcmp(to, host_region) != 0) {
        refuse(r, YC_SHARE_WRONG_RECIPIENT, "to", "the batch is for region %s, not %s", to,
               host_region);
        goto out;
    }
    if (strcmp(r->from, p->region) != 0) {
        refuse(r, YC_SHARE_WRONG_ORIGIN, "from",
               "the signing partner is registered for region %s, the batch says %s", p->region,
               r->from);
        goto out;
    }
    json_t *records = json_object_get(pl, "records");
    const size_t n = json_array_size(records);
    if (n > YC_SHARE_MAX_RECORDS) {
        refuse(r, YC_SHARE_TOO_LARGE, "records", "%zu records; at most %d per batch", n,
               YC_SHARE_MAX_RECORDS);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (!check_record(json_array_get(records, i), i, to, r))
            goto out;
    if ((rv = records_jsonl(records, &jsonl)) != YC_OK)
        goto out;
    c.cap = n;
    if (n > 0 && (c.recs = yc_calloc(n, sizeof *c.recs)) == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    const yc_import_opts opts = {.atomic = true,
                                 .today = yc_date_from_unix_ms(now * 1000),
                                 .windows = windows,
                                 .batch_size = YC_SHARE_MAX_RECORDS,
                                 .on_batch = collect,
                                 .on_reject = first_reject,
                                 .ctx = &c};
    yc_import_stats is;
    rv = n > 0 ? yc_import_buffer("shared batch", (const uint8_t *)jsonl.buf, jsonl.len, &opts, &is)
               : YC_OK;
    if (c.rejected || (rv == YC_OK && c.n != n)) {
        if (!c.rejected)
            refuse(r, YC_SHARE_MALFORMED, "records", "a record was not accepted");
        rv = YC_OK;
        goto out;
    }
    if (rv != YC_OK)
        goto out;
    yc_ingest_stats s;
    rv = yc_store_ingest_shared(st, r->from, r->batch_id,
                                (int64_t)json_integer_value(json_object_get(pl, "iat")), c.recs,
                                c.n, &s);
    if (rv == YC_ERR_CONFLICT) {
        refuse(r, YC_SHARE_REPLAYED, "batch_id", "this batch was imported before");
        rv = YC_OK;
    } else if (rv == YC_ERR_INVALID) {
        refuse(r, YC_SHARE_MALFORMED, "records", "a record cannot be stored");
        rv = YC_OK;
    } else if (rv == YC_OK) {
        r->reason = YC_SHARE_OK;
        r->stored = s.imported + s.superseded;
        r->duplicates = s.duplicates;
    }
out:
    yc_free(c.recs);
    yc_free(jsonl.buf);
    json_decref(pl);
    return rv;
}

yc_err yc_share_import(yc_store *st, yc_attest_service *svc, const char *host_region,
                       const yc_window *windows, const char *token, size_t len, int64_t now,
                       yc_share_result *ret)
{
    *ret = (yc_share_result){.reason = YC_SHARE_MALFORMED};
    yc_core_init_json();
    while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r' || token[len - 1] == ' ' ||
                       token[len - 1] == '\t'))
        len--;
    if (len > YC_SHARE_MAX_TOKEN_BYTES) {
        refuse(ret, YC_SHARE_TOO_LARGE, NULL, "the batch is larger than %zu bytes",
               (size_t)YC_SHARE_MAX_TOKEN_BYTES);
        return YC_OK;
    }
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    if (!header_kid(token, len, kid)) {
        refuse(ret, YC_SHARE_MALFORMED, NULL,
               "not a JWS compact serialization with a kid in its protected header");
        return YC_OK;
    }
    yc_attest_partner p;
    bool found = false;
    YC_TRY(find_partner(svc, kid, now, &p, &found));
    if (!found) {
        refuse(ret, YC_SHARE_UNTRUSTED_ISSUER, NULL,
               "the signing key is no pinned key of a partner in trust/partners.json");
        return YC_OK;
    }
    const yc_jws_expect expect = {.algs = YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519,
                                  .typ = YC_SHARE_TYP,
                                  .kid = kid,
                                  .max_bytes = YC_SHARE_MAX_TOKEN_BYTES};
    json_t *hdr = NULL;
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    yc_jws_reason why = YC_JWS_OK;
    yc_err rv = yc_jws_verify(token, len, p.pk, &expect, &hdr, &payload, &payload_len, &why);
    json_decref(hdr);
    if (rv == YC_ERR_NOMEM) {
        yc_free(payload);
        return rv;
    }
    if (rv != YC_OK) {
        yc_free(payload);
        if (why == YC_JWS_BAD_SIGNATURE || why == YC_JWS_BAD_SIGNATURE_LENGTH)
            refuse(ret, YC_SHARE_BAD_SIGNATURE, NULL,
                   "the signature does not verify under the partner's pinned key");
        else if (why == YC_JWS_TOO_LARGE)
            refuse(ret, YC_SHARE_TOO_LARGE, NULL, "the batch is too large");
        else
            refuse(ret, YC_SHARE_MALFORMED, NULL, "JWS refused: %s", yc_jws_reason_str(why));
        return YC_OK;
    }
    rv = import_payload(st, host_region, &p, windows, payload, payload_len, now, ret);
    yc_free(payload);
    return rv;
}

/* ---- POST /v1/shared-records (importSharedRecords) ---- */

static int reason_status(yc_share_reason r)
{
    switch (r) {
    case YC_SHARE_REPLAYED:
        return 409;
    case YC_SHARE_MALFORMED:
        return 400;
    case YC_SHARE_TOO_LARGE:
        return 413;
    default: /* bad_signature, untrusted_issuer, wrong_recipient, wrong_origin */
        return 422;
    }
}

yc_err yc_api_share_refused(yc_api_response *res, const yc_share_result *r)
{
    const int status = reason_status(r->reason);
    json_t *o =
        json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "urn:yrdcredit:problem:shared-batch-refused",
                  "title", "Shared batch refused", "status", status, "detail", r->detail, "reason",
                  yc_share_reason_str(r->reason));
    if (o != NULL && r->field[0] != '\0' &&
        json_object_set_new(o, "field", json_string(r->field)) != 0) {
        json_decref(o);
        o = NULL;
    }
    YC_ENSURE(o != NULL, YC_ERR_NOMEM);
    YC_TRY(yc_api_json(res, status, o));
    res->content_type = "application/problem+json";
    return YC_OK;
}

yc_err yc_api_post_shared_records(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    if (!yc_api_media_type_is(req->content_type, "application/jose"))
        return yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be application/jose (a JWS compact serialization)",
                              NULL);
    if (!yc_api_charset_is_utf8(req->content_type))
        return yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be UTF-8: charset=utf-8 or no charset", NULL);
    if (req->body_len > api->max_body)
        return yc_api_problem(res, 413, YC_API_PROBLEM_TOO_LARGE, "Payload too large",
                              "the body exceeds the configured limit", NULL);
    const yc_policy_snap *p =
        api->store != NULL && api->attest != NULL ? yc_api_policy_acquire(api) : NULL;
    if (p == NULL)
        return yc_api_problem(res, 503, YC_API_PROBLEM_NOT_READY, "Not ready",
                              "the record store or the score model is not available", NULL);
    yc_share_result r;
    yc_err rv =
        yc_share_import(api->store, api->attest, api->cfg.attest.issuer_region, p->windows,
                        (const char *)req->body, req->body_len, yc_clock_now_ms() / 1000, &r);
    yc_api_policy_release(api, p);
    if (rv != YC_OK)
        return yc_api_error(res, rv);
    if (r.reason != YC_SHARE_OK)
        return yc_api_share_refused(res, &r);
    json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "batch_id", r.batch_id, "from", r.from, "stored",
                          (json_int_t)r.stored, "duplicates", (json_int_t)r.duplicates);
    YC_ENSURE(o != NULL, YC_ERR_NOMEM);
    return yc_api_json(res, 201, o);
}
