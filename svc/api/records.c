/* OpenAPI tag "records": listSubjectRecords, postRecords. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/record_json.h"

static yc_err bad_param(yc_api_response *res, const char *name, const char *detail)
{
    return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_PARAMETER, "Invalid parameter", detail,
                          name);
}

/* Parse 1..20 ASCII digits into a uint64 without overflow. */
static bool parse_u64(const char *s, size_t len, uint64_t *ret)
{
    if (len == 0 || len > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        const uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *ret = v;
    return true;
}

yc_err yc_api_list_records(yc_api *api, const yc_api_request *req, const char *subject_id,
                           yc_api_response *res)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    size_t len = 0;
    uint64_t limit = YC_API_PAGE_DEFAULT, before = UINT64_MAX;
    const char *v = yc_api_query_get(&q, "limit", &len);
    if (v != NULL &&
        (len > 3 || !parse_u64(v, len, &limit) || limit < 1 || limit > YC_API_PAGE_MAX))
        return bad_param(res, "limit", "expected an integer in 1..100");
    /* The cursor is 'r' + the decimal record_id of the last record of the previous page. */
    v = yc_api_query_get(&q, "cursor", &len);
    if (v != NULL && (len < 2 || v[0] != 'r' || !parse_u64(v + 1, len - 1, &before)))
        return bad_param(res, "cursor", "not a cursor returned by this API");
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    yc_record *recs = NULL;
    size_t n = 0;
    json_t *arr = NULL;
    rv = yc_store_subject_records(api->store, subject_id, &recs, &n);
    if ((rv == YC_OK && n == 0) || rv == YC_ERR_NOT_FOUND) {
        rv = yc_api_problem(res, 404, YC_API_PROBLEM_UNKNOWN_SUBJECT, "Unknown subject",
                            "no records of this subject", "subject_id");
        goto out;
    }
    if (rv != YC_OK) {
        rv = yc_api_error(res, rv);
        goto out;
    }
    /* Newest first: the store returns record_id order, so walk it backwards. */
    arr = json_array();
    rv = YC_ERR_NOMEM;
    if (arr == NULL)
        goto out;
    size_t i = n, taken = 0;
    while (i > 0 && recs[i - 1].record_id >= before)
        i--;
    uint64_t last = 0;
    for (; i > 0 && taken < limit; i--, taken++) {
        if (json_array_append_new(arr, yc_record_to_json(&recs[i - 1])) != 0)
            goto out;
        last = recs[i - 1].record_id;
    }
    char cursor[32];
    snprintf(cursor, sizeof cursor, "r%" PRIu64, last);
    json_t *o = json_pack("{s:s,s:O,s:o}", "subject_id", subject_id, "records", arr, "next_cursor",
                          i > 0 ? json_string(cursor) : json_null());
    rv = yc_api_json(res, 200, o);
out:
    json_decref(arr);
    yc_store_records_free(recs);
    return rv;
}

/* ---- postRecords ---- */

/* One item of the request: its import line (0 = not passed to the importer) and outcome. */
typedef struct item {
    char field[64];   /* JSON Pointer of the bad member, "" for the whole item */
    char reason[256]; /* importer's reason text (never holds names or document numbers) */
    bool error;
    uint64_t record_id;
    const char *status;
} item;

typedef struct post_run {
    item *items;
    size_t n_items;
    size_t *line_item; /* import line k (1-based) -> item index, k = 1..n_lines */
    size_t n_lines;
    yc_store *store;
    yc_err store_err;
} post_run;

static void item_error(item *it, const char *field, const char *reason)
{
    it->error = true;
    snprintf(it->field, sizeof it->field, "%s", field);
    snprintf(it->reason, sizeof it->reason, "%s", reason);
}

static void on_reject(void *ctx, const yc_reject *r)
{
    post_run *run = ctx;
    if (r->row < 1 || (size_t)r->row > run->n_lines)
        return;
    item *it = &run->items[run->line_item[r->row - 1]];
    char ptr[64] = "";
    if (r->field[0] != '(')
        snprintf(ptr, sizeof ptr, "/%s", r->field);
    if (!it->error)
        item_error(it, ptr, r->reason);
}

/* The one batch (batch_size exceeds the item count): ingest in one durable transaction, then
 * give each accepted item its record_id and what the store did with it. */
static yc_err on_batch(void *ctx, yc_record *recs, size_t n)
{
    post_run *run = ctx;
    yc_ingest_stats st = {0};
    yc_err rv = yc_store_ingest(run->store, recs, n, &st);
    if (rv != YC_OK) {
        run->store_err = rv;
        return rv;
    }
    static const char *const names[] = {[YC_INGEST_IMPORTED] = "imported",
                                        [YC_INGEST_DUPLICATE] = "duplicate",
                                        [YC_INGEST_SUPERSEDED] = "superseded"};
    size_t k = 0;
    for (size_t line = 0; line < run->n_lines && k < n; line++) {
        item *it = &run->items[run->line_item[line]];
        if (it->error)
            continue;
        it->record_id = recs[k].record_id;
        it->status = names[recs[k].ingest_outcome];
        k++;
    }
    return YC_OK;
}

static bool line_is_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

static bool starts_object(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i < n && p[i] == '{';
}

/* Growable byte buffer of the JSON Lines handed to the importer. */
typedef struct lines {
    char *buf;
    size_t len, cap;
} lines;

static bool lines_add(lines *l, const void *p, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        size_t cap = (l->cap + n + 1) * 2;
        char *b = yc_realloc(l->buf, cap);
        if (b == NULL)
            return false;
        l->buf = b;
        l->cap = cap;
    }
    memcpy(l->buf + l->len, p, n);
    l->len += n;
    l->buf[l->len++] = '\n';
    return true;
}

static yc_err build_results(const post_run *run, json_t **ret)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < run->n_items; i++) {
        const item *it = &run->items[i];
        char id[24];
        snprintf(id, sizeof id, "%" PRIu64, it->record_id);
        json_t *o = it->error ? json_pack("{s:I,s:{s:s,s:s}}", "index", (json_int_t)i, "error",
                                          "field", it->field, "reason", it->reason)
                              : json_pack("{s:I,s:s,s:s}", "index", (json_int_t)i, "record_id", id,
                                          "status", it->status ? it->status : "duplicate");
        if (json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    *ret = arr;
    return arr != NULL ? YC_OK : YC_ERR_NOMEM;
}

/* Split the body into items and JSON Lines; fills run (items, line map) and l. */
static yc_err split_body(const yc_api_request *req, bool ndjson, post_run *run, lines *l,
                         yc_api_response *res, bool *answered)
{
    json_t *root = NULL;
    size_t count = 0;
    *answered = false;
    if (ndjson) {
        for (size_t i = 0; i < req->body_len;) {
            const uint8_t *p = req->body + i, *nl = memchr(p, '\n', req->body_len - i);
            size_t n = nl != NULL ? (size_t)(nl - p) : req->body_len - i;
            count += !line_is_blank(p, n);
            i += n + 1;
        }
    } else {
        json_error_t jerr;
        root = json_loadb((const char *)req->body, req->body_len,
                          JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
        if (root == NULL) {
            *answered = true;
            return json_error_code(&jerr) == json_error_out_of_memory
                       ? yc_api_error(res, YC_ERR_NOMEM)
                       : yc_api_problem(res, 400, YC_API_PROBLEM_MALFORMED_JSON, "Malformed JSON",
                                        "the body is not valid JSON or repeats a key", "");
        }
        if (!json_is_object(root) && !json_is_array(root)) {
            json_decref(root);
            *answered = true;
            return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_FIELD, "Invalid field",
                                  "the body must be a record object or an array of them", "");
        }
        count = json_is_array(root) ? json_array_size(root) : 1;
    }
    if (count > YC_API_RECORDS_MAX_ITEMS) {
        json_decref(root);
        *answered = true;
        return yc_api_problem(res, 413, YC_API_PROBLEM_TOO_MANY_ITEMS, "Too many items",
                              "at most 1000 records per request", "");
    }
    run->items = yc_calloc(count, sizeof *run->items);
    run->line_item = yc_calloc(count, sizeof *run->line_item);
    yc_err rv = YC_ERR_NOMEM;
    if (run->items == NULL || run->line_item == NULL)
        goto out;
    run->n_items = count;
    size_t idx = 0;
    if (ndjson) {
        for (size_t i = 0; i < req->body_len;) {
            const uint8_t *p = req->body + i, *nl = memchr(p, '\n', req->body_len - i);
            size_t n = nl != NULL ? (size_t)(nl - p) : req->body_len - i;
            i += n + 1;
            if (line_is_blank(p, n))
                continue;
            if (!starts_object(p, n)) {
                item_error(&run->items[idx++], "", "not a JSON object");
                continue;
            }
            if (!lines_add(l, p, n))
                goto out;
            run->line_item[run->n_lines++] = idx++;
        }
    } else {
        for (size_t i = 0; i < count; i++) {
            json_t *e = json_is_array(root) ? json_array_get(root, i) : root;
            if (!json_is_object(e)) {
                item_error(&run->items[i], "", "not a JSON object");
                continue;
            }
            char *s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
            bool ok = s != NULL && lines_add(l, s, strlen(s));
            yc_free(s);
            if (!ok)
                goto out;
            run->line_item[run->n_lines++] = i;
        }
    }
    rv = YC_OK;
out:
    json_decref(root);
    return rv;
}

yc_err yc_api_post_records(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const allowed[] = {"atomic", NULL};
    const bool ndjson = yc_api_media_type_is(req->content_type, "application/x-ndjson");
    if (!ndjson && !yc_api_media_type_is(req->content_type, "application/json"))
        return yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be application/json or application/x-ndjson", NULL);
    if (req->body_len > api->max_body)
        return yc_api_problem(res, 413, YC_API_PROBLEM_TOO_LARGE, "Payload too large",
                              "the body exceeds the configured limit", NULL);
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    size_t len = 0;
    const char *v = yc_api_query_get(&q, "atomic", &len);
    const bool atomic = v != NULL && len == 4 && memcmp(v, "true", 4) == 0;
    if (v != NULL && !atomic && !(len == 5 && memcmp(v, "false", 5) == 0))
        return bad_param(res, "atomic", "expected true or false");
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    post_run run = {.store = api->store};
    lines l = {0};
    json_t *results = NULL;
    bool answered = false;
    rv = split_body(req, ndjson, &run, &l, res, &answered);
    if (rv != YC_OK || answered)
        goto out;
    bool any_error = false;
    for (size_t i = 0; i < run.n_items; i++)
        any_error |= run.items[i].error;
    if (run.n_lines > 0 && !(atomic && any_error)) {
        yc_import_opts o = {.encoding = "UTF-8",
                            .atomic = atomic,
                            .today = yc_date_today_shanghai(),
                            .windows = api->windows,
                            .rules = api->rules,
                            .batch_size = YC_API_RECORDS_MAX_ITEMS + 1,
                            .on_batch = on_batch,
                            .on_reject = on_reject,
                            .ctx = &run};
        yc_import_stats st;
        rv = yc_import_buffer("body", (const uint8_t *)l.buf, l.len, &o, &st);
        if (rv != YC_OK && run.store_err == YC_OK && atomic && st.rejected > 0)
            rv = YC_OK; /* reported below as 422 */
        if (rv != YC_OK) {
            rv = yc_api_error(res, rv);
            goto out;
        }
        for (size_t i = 0; i < run.n_items; i++)
            any_error |= run.items[i].error;
    }
    rv = build_results(&run, &results);
    if (rv != YC_OK)
        goto out;
    if (atomic && any_error) {
        rv = yc_api_problem(res, 422, YC_API_PROBLEM_REJECTED, "Records rejected",
                            "atomic request with an invalid item: nothing was stored", "");
        if (rv == YC_OK) {
            /* RFC 9457 §3.2 extension member: every item's outcome. */
            json_error_t jerr;
            json_t *p = json_loadb(res->body, res->body_len, 0, &jerr);
            rv = p != NULL && json_object_set(p, "results", results) == 0 ? yc_api_json(res, 422, p)
                                                                          : YC_ERR_NOMEM;
            if (rv == YC_OK)
                res->content_type = "application/problem+json";
            else
                json_decref(p);
        }
    } else {
        rv = yc_api_json(res, 200, json_pack("{s:O}", "results", results));
    }
out:
    json_decref(results);
    yc_free(l.buf);
    yc_free(run.line_item);
    yc_free(run.items);
    return rv;
}
