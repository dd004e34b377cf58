/* OpenAPI tag "records": listSubjectRecords, postRecords. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/record_json.h"

yc_err yc_api_list_records(yc_api *api, const yc_api_request *req, const char *subject_id,
                           yc_api_response *res)
{
    static const char *const allowed[] = {"limit", "cursor", "purpose", "consent_id", NULL};
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    size_t len = 0;
    uint64_t limit = YC_API_PAGE_DEFAULT, before = UINT64_MAX;
    const char *v = yc_api_query_get(&q, "limit", &len);
    if (v != NULL && !yc_api_parse_limit(v, len, &limit))
        return yc_api_bad_param(res, "limit", "expected an integer in 1..100");
    /* The cursor is 'r' + the decimal record_id of the last record of the previous page. */
    v = yc_api_query_get(&q, "cursor", &len);
    if (v != NULL && !yc_api_parse_cursor(v, len, &before))
        return yc_api_bad_param(res, "cursor", "not a cursor returned by this API");
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    /* issue 6 item 2: purpose and consent of a client's read (noted for the query log) */
    size_t plen = 0, clen = 0;
    const char *purpose = yc_api_query_get(&q, "purpose", &plen);
    const char *consent = yc_api_query_get(&q, "consent_id", &clen);
    if (!yc_api_access_check(api, req, YC_API_READ_RECORDS, subject_id, purpose, plen, consent,
                             clen, false, res, &rv))
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
    const yc_date today = yc_date_today_shanghai(); /* an active record past pub_max_end: expired */
    for (; i > 0 && taken < limit; i--, taken++) {
        recs[i - 1].status = yc_api_record_status_on(&recs[i - 1], today); /* shown, not written */
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

/* How an item reaches the importer. */
typedef enum item_kind {
    ITEM_BAD,  /* rejected here: not an object, mixed key forms, a row value not a string */
    ITEM_LINE, /* a JSON Lines record (snake_case record, 失信被执行人, 信用承诺) */
    ITEM_ROW   /* a 双公示 row keyed by CF_* / XK_* field codes (yc_import_rows()) */
} item_kind;

/* One item of the request and its outcome. */
typedef struct item {
    char field[64];   /* JSON Pointer of the bad member ("" or "/<index>": the whole item) */
    char reason[256]; /* importer's reason text (never holds names or document numbers) */
    bool error;
    item_kind kind;
    json_t *obj;  /* ITEM_ROW: the object (a reference of the item's own) */
    bool has_rec; /* accepted by the importer: its record is run->recs[slot] */
    size_t slot;
} item;

typedef struct post_run {
    item *items;
    size_t n_items;
    bool array;       /* the body is a JSON array: pointers start with "/<index>" */
    size_t *line_map; /* JSON Lines line k (1-based) -> item index, k = 1..n_lines */
    size_t n_lines;
    size_t *row_map; /* yc_import_rows() row k (1-based) -> item index, k = 1..n_rows */
    size_t n_rows;
    const size_t *map; /* the running import's map (line_map or row_map) */
    size_t n_map;
    size_t next;     /* first entry of map that may still receive a record */
    yc_record *recs; /* n_items slots: the record of item i in recs[i], compacted for ingest */
} post_run;

/* Marks item i invalid (the first error wins).  key: the member at fault, NULL for the whole
 * item; named only when nameable, so it never needs JSON Pointer escaping (RFC 6901 §3). */
static void item_error(post_run *run, size_t i, const char *key, const char *reason)
{
    item *it = &run->items[i];
    if (it->error)
        return;
    it->error = true;
    char base[24] = "";
    if (run->array)
        snprintf(base, sizeof base, "/%zu", i);
    if (key != NULL && yc_api_key_is_nameable(key))
        snprintf(it->field, sizeof it->field, "%s/%s", base, key);
    else
        snprintf(it->field, sizeof it->field, "%s", base);
    snprintf(it->reason, sizeof it->reason, "%s", reason);
}

static void on_reject(void *ctx, const yc_reject *r)
{
    post_run *run = ctx;
    if (r->row < 1 || (size_t)r->row > run->n_map)
        return;
    /* "(row)", "(key)", "(file)": the whole item */
    item_error(run, run->map[r->row - 1], r->field[0] == '(' ? NULL : r->field, r->reason);
}

/* Keeps the accepted records: they arrive in the import's row order, and every rejected row
 * before them has been reported already.  Nothing is stored here (see yc_api_post_records()). */
static yc_err on_batch(void *ctx, yc_record *recs, size_t n)
{
    post_run *run = ctx;
    for (size_t k = 0; k < n; k++) {
        while (run->next < run->n_map && run->items[run->map[run->next]].error)
            run->next++;
        if (run->next == run->n_map)
            return YC_ERR_INTERNAL; /* more records than rows: never */
        const size_t i = run->map[run->next++];
        run->recs[i] = recs[k];
        run->items[i].has_rec = true;
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

typedef yc_api_lines lines;

bool yc_api_lines_add(yc_api_lines *l, const void *p, size_t n)
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

yc_err yc_api_lines_add_json(yc_api_lines *l, const json_t *o, size_t flags)
{
    char *dump = json_dumps(o, flags);
    YC_ENSURE(dump != NULL, YC_ERR_NOMEM);
    const bool ok = yc_api_lines_add(l, dump, strlen(dump));
    yc_free(dump);
    return ok ? YC_OK : YC_ERR_NOMEM;
}

/* A 双公示 row's key: "CF_…" (行政处罚) or "XK_…" (行政许可), upper case as in the standard. */
static bool has_row_prefix(const char *key)
{
    return strncmp(key, "CF_", 3) == 0 || strncmp(key, "XK_", 3) == 0;
}

/* A key of the field-code form: upper-case ASCII letters, digits and '_' (CF_WSH, DFBM, BZ).
 * Keys of the record forms (subject_type, caseCode, …) have lower-case letters. */
static bool is_code_form(const char *key)
{
    if (*key == '\0')
        return false;
    for (; *key != '\0'; key++)
        if (!((*key >= 'A' && *key <= 'Z') || (*key >= '0' && *key <= '9') || *key == '_'))
            return false;
    return true;
}

/* How object o (item i) is imported.  The first key that decides (a CF_/XK_ key: a 双公示 row;
 * a key not of the code form: a JSON Lines record) gives the form; a later key of the other
 * form is the item's error.  Code-form keys without the prefix (DFBM, XZQH, SJC, BZ) go with
 * either.  A row's values must be strings (null = absent, as an empty CSV cell). */
static item_kind classify(post_run *run, size_t i, json_t *o)
{
    enum { FORM_NONE, FORM_ROW, FORM_RECORD };
    int form = FORM_NONE;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        const int f = has_row_prefix(key) ? FORM_ROW : is_code_form(key) ? FORM_NONE : FORM_RECORD;
        if (f == FORM_NONE || f == form)
            continue;
        if (form != FORM_NONE) {
            item_error(run, i, key, "mixes CF_*/XK_* field codes with other keys");
            return ITEM_BAD;
        }
        form = f;
    }
    if (form != FORM_ROW)
        return ITEM_LINE;
    if (json_object_size(o) > YC_IMPORT_MAX_COLUMNS) {
        char reason[48];
        snprintf(reason, sizeof reason, "more than %d fields", YC_IMPORT_MAX_COLUMNS);
        item_error(run, i, NULL, reason);
        return ITEM_BAD;
    }
    json_object_foreach(o, key, v)
    {
        if (!json_is_string(v) && !json_is_null(v)) {
            item_error(run, i, key, "must be a string");
            return ITEM_BAD;
        }
    }
    run->items[i].obj = json_incref(o);
    return ITEM_ROW;
}

/* Files object o as item i: a row (row_map) or a JSON Lines record (its text s, n bytes, or
 * its compact dump when s is NULL, appended to l). */
static yc_err add_object(post_run *run, size_t i, json_t *o, const char *s, size_t n, lines *l)
{
    item *it = &run->items[i];
    it->kind = classify(run, i, o);
    if (it->kind == ITEM_ROW)
        run->row_map[run->n_rows++] = i;
    if (it->kind != ITEM_LINE)
        return YC_OK;
    if (s == NULL)
        YC_TRY(yc_api_lines_add_json(l, o, JSON_COMPACT));
    else
        YC_ENSURE(yc_api_lines_add(l, s, n), YC_ERR_NOMEM);
    run->line_map[run->n_lines++] = i;
    return YC_OK;
}

/* One NDJSON line that starts with '{': parsed here to tell a row from a record; a line that
 * does not parse goes to the JSON Lines importer as it is, which reports it. */
static yc_err add_ndjson_line(post_run *run, size_t i, const uint8_t *p, size_t n, lines *l)
{
    json_error_t jerr;
    json_t *o = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL && json_error_code(&jerr) == json_error_out_of_memory)
        return YC_ERR_NOMEM;
    yc_err rv = YC_OK;
    if (json_is_object(o)) {
        rv = add_object(run, i, o, (const char *)p, n, l);
    } else {
        run->items[i].kind = ITEM_LINE;
        if (!yc_api_lines_add(l, p, n))
            rv = YC_ERR_NOMEM;
        else
            run->line_map[run->n_lines++] = i;
    }
    json_decref(o);
    return rv;
}

/* Split the body into items: rows (run->row_map) and JSON Lines (l, run->line_map). */
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
        if (count == 0) { /* requestBody is required: no record at all is not a request */
            *answered = true;
            return yc_api_problem(res, 400, YC_API_PROBLEM_INVALID_FIELD, "Invalid field",
                                  "empty body: no NDJSON line holds a record", "");
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
        run->array = json_is_array(root);
        count = run->array ? json_array_size(root) : 1;
    }
    if (count > YC_API_RECORDS_MAX_ITEMS) {
        json_decref(root);
        *answered = true;
        return yc_api_problem(res, 413, YC_API_PROBLEM_TOO_MANY_ITEMS, "Too many items",
                              "at most 1000 records per request", "");
    }
    run->items = yc_calloc(count, sizeof *run->items);
    run->line_map = yc_calloc(count, sizeof *run->line_map);
    run->row_map = yc_calloc(count, sizeof *run->row_map);
    yc_err rv = YC_ERR_NOMEM;
    if (run->items == NULL || run->line_map == NULL || run->row_map == NULL)
        goto out;
    run->n_items = count;
    rv = YC_OK;
    size_t idx = 0;
    if (ndjson) {
        for (size_t i = 0; i < req->body_len && rv == YC_OK;) {
            const uint8_t *p = req->body + i, *nl = memchr(p, '\n', req->body_len - i);
            size_t n = nl != NULL ? (size_t)(nl - p) : req->body_len - i;
            i += n + 1;
            if (line_is_blank(p, n))
                continue;
            if (starts_object(p, n))
                rv = add_ndjson_line(run, idx, p, n, l);
            else
                item_error(run, idx, NULL, "not a JSON object");
            idx++;
        }
    } else {
        for (size_t i = 0; i < count && rv == YC_OK; i++) {
            json_t *e = run->array ? json_array_get(root, i) : root;
            if (json_is_object(e))
                rv = add_object(run, i, e, NULL, 0, l);
            else
                item_error(run, i, NULL, "not a JSON object");
        }
    }
out:
    json_decref(root);
    return rv;
}

/* Import every row and every JSON Lines record into run->recs (nothing is stored). */
static yc_err import_items(const yc_api *api, const yc_window *windows, post_run *run,
                           const lines *l)
{
    yc_import_opts o = {.encoding = "UTF-8",
                        .today = yc_date_today_shanghai(),
                        .windows = windows,
                        .rules = api->rules,
                        .on_batch = on_batch,
                        .on_reject = on_reject,
                        .ctx = run};
    yc_import_stats st;
    if (run->n_lines > 0) {
        run->map = run->line_map;
        run->n_map = run->n_lines;
        run->next = 0;
        YC_TRY(yc_import_buffer("body", (const uint8_t *)l->buf, l->len, &o, &st));
    }
    if (run->n_rows == 0)
        return YC_OK;
    size_t total = 0;
    for (size_t r = 0; r < run->n_rows; r++)
        total += json_object_size(run->items[run->row_map[r]].obj);
    yc_import_field *fields = yc_calloc(total > 0 ? total : 1, sizeof *fields);
    yc_import_row *rows = yc_calloc(run->n_rows, sizeof *rows);
    yc_err rv = YC_ERR_NOMEM;
    if (fields == NULL || rows == NULL)
        goto out;
    size_t f = 0;
    for (size_t r = 0; r < run->n_rows; r++) {
        const char *key;
        json_t *v;
        rows[r].fields = fields + f;
        json_object_foreach(run->items[run->row_map[r]].obj, key, v)
        {
            const bool str = json_is_string(v); /* else null: absent */
            fields[f++] = (yc_import_field){.code = key,
                                            .value = str ? json_string_value(v) : NULL,
                                            .value_len = str ? json_string_length(v) : 0};
            rows[r].n_fields++;
        }
    }
    run->map = run->row_map;
    run->n_map = run->n_rows;
    run->next = 0;
    rv = yc_import_rows("body", rows, run->n_rows, &o, &st);
out:
    yc_free(rows);
    yc_free(fields);
    return rv;
}

/* results[]: every item, or with errors_only just the invalid ones (an atomic 422). */
static yc_err build_results(const post_run *run, bool errors_only, json_t **ret)
{
    static const char *const names[] = {[YC_INGEST_IMPORTED] = "imported",
                                        [YC_INGEST_DUPLICATE] = "duplicate",
                                        [YC_INGEST_SUPERSEDED] = "superseded"};
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < run->n_items; i++) {
        const item *it = &run->items[i];
        if (errors_only && !it->error)
            continue;
        json_t *o;
        if (it->error) {
            o = json_pack("{s:I,s:{s:s,s:s}}", "index", (json_int_t)i, "error", "field", it->field,
                          "reason", it->reason);
        } else {
            const yc_record *r = &run->recs[it->slot];
            char id[24];
            snprintf(id, sizeof id, "%" PRIu64, r->record_id);
            o = json_pack("{s:I,s:s,s:s}", "index", (json_int_t)i, "record_id", id, "status",
                          names[r->ingest_outcome]);
        }
        if (json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    *ret = arr;
    return arr != NULL ? YC_OK : YC_ERR_NOMEM;
}

/* The atomic 422: a problem whose `results` extension member (RFC 9457 §3.2) lists the
 * invalid items. */
static yc_err rejected(yc_api_response *res, json_t *results)
{
    yc_err rv = yc_api_problem(res, 422, YC_API_PROBLEM_REJECTED, "Records rejected",
                               "atomic request with an invalid item: nothing was stored", "");
    if (rv != YC_OK)
        return rv;
    json_error_t jerr;
    json_t *p = json_loadb(res->body, res->body_len, 0, &jerr);
    if (p == NULL || json_object_set(p, "results", results) != 0) {
        json_decref(p);
        return YC_ERR_NOMEM;
    }
    YC_TRY(yc_api_json(res, 422, p));
    res->content_type = "application/problem+json";
    return YC_OK;
}

/* ---- the durable ingestion off the worker (issue 7 item 9) ---- */

/* Records of all POSTs queued on api->ingest at once (each ~3.3 KB in memory until its commit
 * answers; 65536: ~215 MB).  Past it a POST answers 503, as a full committer queue does;
 * a POST with nothing else queued is always taken. */
#define YC_API_INGEST_QUEUED_MAX 65536u
/* POSTs queued at once (the committer's ring) */
#define YC_API_INGEST_QUEUE_CAP 1024u

/* POST /v1/records' committer: window 0 and no grouping (each POST is one yc_store_ingest()
 * transaction of its own, yc_store_commit_ingest()), so a map-full POST fails alone. */
void yc_api_records_open(yc_api *api)
{
    api->ingest = NULL;
    if (api->store == NULL)
        return; /* not ready: the POST answers 503 anyway */
    /* a small ring: each queued POST holds its request's items until answered */
    const yc_store_committer_opts o = {.queue_cap = YC_API_INGEST_QUEUE_CAP, .max_batch = 1};
    yc_store_committer *c = NULL;
    yc_err e = yc_store_committer_start(api->store, &o, &c);
    if (e != YC_OK) {
        fprintf(stderr, "yrdcredit: records committer not available (%s): %s\n", yc_err_str(e),
                "POST /v1/records answers 503");
        return;
    }
    api->ingest = c;
}

void yc_api_records_close(yc_api *api)
{
    yc_store_committer_stop(api->ingest); /* commits what is queued, answers every POST */
    api->ingest = NULL;
}

/* A POST waiting for its commit: the items and records moved out of the handler's run. */
typedef struct post_job {
    yc_api_pending *p;
    yc_api *api;
    size_t n_recs; /* counted in api->ingest_queued */
    post_run run;  /* items (obj released), n_items, recs; the rest unused */
} post_job;

static void post_job_free(post_job *job)
{
    atomic_fetch_sub_explicit(&job->api->ingest_queued, job->n_recs, memory_order_relaxed);
    yc_free(job->run.recs);
    yc_free(job->run.items);
    yc_free(job);
}

/* On the committer thread: answer the 200 (the results) once durable, else the error. */
static void post_committed(void *ctx, yc_err rv)
{
    post_job *job = ctx;
    yc_api_response r = {0};
    json_t *results = NULL;
    if (rv == YC_OK)
        rv = build_results(&job->run, false, &results);
    if (rv == YC_OK)
        rv = yc_api_json(&r, 200, json_pack("{s:O}", "results", results));
    if (rv != YC_OK) {
        yc_api_response_clear(&r);
        if (yc_api_error(&r, rv) != YC_OK) {
            yc_api_response_clear(&r);
            r.status = 503;
        }
    }
    json_decref(results);
    yc_api_pending_complete(job->p, &r);
    post_job_free(job);
}

/* Queue the ingestion of run's n_recs records and defer res; takes run's items and recs
 * (their JSON objects are released first).  On an error nothing is queued and res holds the
 * answer (503: committer not running, queue full, or out of memory). */
static yc_err post_defer(yc_api *api, post_run *run, size_t n_recs, yc_api_response *res)
{
    post_job *job = yc_calloc(1, sizeof *job);
    yc_err rv = YC_ERR_NOMEM;
    if (job == NULL || (rv = yc_api_pending_new(&job->p)) != YC_OK) {
        yc_free(job);
        return yc_api_error(res, rv);
    }
    job->api = api;
    job->n_recs = n_recs;
    const size_t queued =
        atomic_fetch_add_explicit(&api->ingest_queued, n_recs, memory_order_relaxed);
    if (queued > 0 && queued + n_recs > YC_API_INGEST_QUEUED_MAX) { /* one alone always fits */
        yc_api_pending_abandon(job->p);
        post_job_free(job);
        return yc_api_error(res, YC_ERR_AGAIN);
    }
    /* recs has n_items slots; keep the n_recs used while queued (a failed shrink keeps all) */
    yc_record *shrunk = yc_realloc(run->recs, n_recs * sizeof *run->recs);
    if (shrunk != NULL)
        run->recs = shrunk;
    for (size_t i = 0; i < run->n_items; i++) {
        json_decref(run->items[i].obj);
        run->items[i].obj = NULL;
    }
    job->run.items = run->items;
    job->run.n_items = run->n_items;
    job->run.recs = run->recs;
    job->run.array = run->array;
    run->items = NULL;
    run->n_items = 0;
    run->recs = NULL;
    /* once queued, job is post_committed's, which may run (and free it) at once */
    yc_api_pending *pend = job->p;
    rv = api->ingest != NULL
             ? yc_store_commit_ingest(api->ingest, job->run.recs, n_recs, post_committed, job)
             : YC_ERR_AGAIN;
    if (rv == YC_OK) {
        res->status = 0;
        res->pending = pend;
        return YC_OK;
    }
    yc_api_pending_abandon(pend);
    post_job_free(job);
    return yc_api_error(res, rv == YC_ERR_INVALID ? YC_ERR_INTERNAL : rv);
}

yc_err yc_api_post_records(yc_api *api, const yc_api_request *req, yc_api_response *res)
{
    static const char *const allowed[] = {"atomic", NULL};
    const bool ndjson = yc_api_media_type_is(req->content_type, "application/x-ndjson");
    if (!ndjson && !yc_api_media_type_is(req->content_type, "application/json"))
        return yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be application/json or application/x-ndjson", NULL);
    if (!yc_api_charset_is_utf8(req->content_type))
        return yc_api_problem(res, 415, YC_API_PROBLEM_MEDIA_TYPE, "Unsupported media type",
                              "the body must be UTF-8: charset=utf-8 or no charset", NULL);
    if (req->body_len > api->max_body)
        return yc_api_problem(res, 413, YC_API_PROBLEM_TOO_LARGE, "Payload too large",
                              "the body exceeds the configured limit", NULL);
    yc_api_query q;
    yc_err rv = YC_OK;
    if (!yc_api_query_parse(req->query, allowed, &q, res, &rv))
        return rv;
    size_t len = 0;
    const char *v = yc_api_query_get(&q, "atomic", &len);
    bool atomic = false;
    if (v != NULL && !yc_api_parse_atomic(v, len, &atomic))
        return yc_api_bad_param(res, "atomic", "expected true or false");
    if (yc_api_not_ready(api, res, &rv))
        return rv;
    post_run run = {0};
    lines l = {0};
    json_t *results = NULL;
    bool answered = false;
    rv = split_body(req, ndjson, &run, &l, res, &answered);
    if (rv != YC_OK || answered)
        goto out;
    if (run.n_lines + run.n_rows > 0) {
        run.recs = yc_calloc(run.n_items, sizeof *run.recs);
        /* the publication windows of the current model (a reload may change them) */
        const yc_policy_snap *pol = yc_api_policy_acquire(api);
        if (pol == NULL)
            rv = YC_ERR_AGAIN;
        else if (run.recs == NULL)
            rv = YC_ERR_NOMEM;
        else
            rv = import_items(api, pol->windows, &run, &l);
        yc_api_policy_release(api, pol);
        if (rv != YC_OK) {
            rv = yc_api_error(res, rv);
            goto out;
        }
    }
    /* The accepted records in item order, so that a later item sees an earlier one (the same
     * decision twice in one request: imported, then duplicate). */
    bool any_error = false;
    size_t n_recs = 0;
    for (size_t i = 0; i < run.n_items; i++) {
        item *it = &run.items[i];
        any_error |= it->error;
        if (it->error || !it->has_rec)
            continue;
        if (n_recs != i)
            run.recs[n_recs] = run.recs[i];
        it->slot = n_recs++;
    }
    /* issue 6 items 1 and 8: a provider client submits and corrects only records of its own
     * authorities; a record of another authority refuses the whole request (403, nothing
     * stored, atomic or not: an authorization failure is never a partial success) */
    const yc_api_ident *who = req->ident;
    if (who != NULL && who->kind == YC_API_IDENT_CLIENT && who->role == YC_ROLE_PROVIDER) {
        for (size_t i = 0; i < run.n_items; i++) {
            const item *it = &run.items[i];
            if (it->error || !it->has_rec)
                continue;
            const char *uscc = run.recs[it->slot].authority_uscc;
            bool mine = false;
            for (size_t k = 0; uscc[0] != '\0' && k < who->n_authorities; k++)
                mine |= strcmp(who->authorities[k], uscc) == 0;
            if (mine)
                continue;
            char field[48];
            if (run.array)
                snprintf(field, sizeof field, "/%zu/authority_uscc", i);
            else
                snprintf(field, sizeof field, "/authority_uscc");
            rv = yc_api_problem(res, 403, YC_API_PROBLEM_FORBIDDEN, "Forbidden",
                                "the record's authority is not one of the provider client's "
                                "authorities: nothing was stored",
                                field);
            res->www_authenticate = "Bearer error=\"insufficient_scope\"";
            goto out;
        }
    }
    if (atomic && any_error) {
        rv = build_results(&run, true, &results);
        rv = rv == YC_OK ? rejected(res, results) : rv;
        goto out;
    }
    for (size_t i = 0; i < run.n_items; i++)
        if (!run.items[i].error && !run.items[i].has_rec) {
            rv = YC_ERR_INTERNAL; /* an item neither rejected nor accepted: never */
            goto out;
        }
    /* One durable transaction, on the records committer: the 200 is deferred until it is
     * durable, and the worker serves other streams meanwhile (issue 7 item 9). */
    if (n_recs > 0) {
        rv = post_defer(api, &run, n_recs, res);
        goto out;
    }
    rv = build_results(&run, false, &results);
    if (rv == YC_OK)
        rv = yc_api_json(res, 200, json_pack("{s:O}", "results", results));
out:
    json_decref(results);
    for (size_t i = 0; i < run.n_items; i++)
        json_decref(run.items[i].obj);
    yc_free(run.recs);
    yc_free(l.buf);
    yc_free(run.row_map);
    yc_free(run.line_map);
    yc_free(run.items);
    return rv;
}
