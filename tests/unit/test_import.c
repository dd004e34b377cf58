/* Import of 双公示 CSV and JSON Lines (include/yrdcredit/import.h, docs/formats.md). */
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/import.h"

/* Must match TODAY and TEST_WINDOWS in scripts/make-samples.py (which writes the
 * expected dumps in tests/data/import/). */
#define TEST_TODAY_Y 2026
#define TEST_TODAY_M 10
#define TEST_TODAY_D 31

static const yc_window TEST_WINDOWS[YC_CODE_COUNT] = {
    [YC_CODE_B01] = {0, 0},   [YC_CODE_B02] = {0, 0},   [YC_CODE_P01] = {36, 36},
    [YC_CODE_P02] = {12, 12}, [YC_CODE_P03] = {12, 12}, [YC_CODE_P04] = {36, 36},
    [YC_CODE_P05] = {12, 12}, [YC_CODE_P06] = {24, 24}, [YC_CODE_N01] = {0, 3},
    [YC_CODE_N02] = {3, 3},   [YC_CODE_N03] = {3, 12},  [YC_CODE_N04] = {12, 36},
    [YC_CODE_N05] = {12, 36}, [YC_CODE_N06] = {0, 0},   [YC_CODE_N07] = {3, 36},
    [YC_CODE_N08] = {12, 36}, [YC_CODE_N09] = {3, 12},  [YC_CODE_N10] = {60, 60},
    [YC_CODE_N11] = {24, 24}, [YC_CODE_N12] = {0, 0},   [YC_CODE_N13] = {60, 60},
    [YC_CODE_N14] = {12, 36},
};

/* Identifiers with valid check characters (also used in samples/). */
#define M_USCC  "91330782MA26FY5M25" /* a 法人 */
#define IB_USCC "92330782MA2JLRGWXW" /* a 个体工商户 */
#define A_USCC  "11330782MB1A07019X" /* 义乌市市场监督管理局 (fictional code) */
#define C_USCC  "11330782MB1A070781" /* 义乌市人民法院 (fictional code) */
#define P_ID    "33078219690604009X"

static yc_rules *g_rules;

/* ---- sink: collects records and rejects ---- */

typedef struct reject_copy {
    long row;
    char field[64];
    char reason[512];
    char file[64];
} reject_copy;

typedef struct sink {
    yc_record *recs;
    size_t n, cap;
    reject_copy rej[64];
    size_t n_rej;
    size_t batches;
    size_t fail_after; /* on_batch fails on batch number fail_after+1 when > 0 */
} sink;

static yc_err on_batch(void *ctx, yc_record *recs, size_t n)
{
    sink *s = ctx;
    if (s->fail_after > 0 && s->batches == s->fail_after)
        return YC_ERR_STORE;
    s->batches++;
    if (s->n + n > s->cap) {
        s->cap = (s->n + n) * 2;
        s->recs = realloc(s->recs, s->cap * sizeof *s->recs);
        assert_non_null(s->recs);
    }
    memcpy(s->recs + s->n, recs, n * sizeof *recs);
    s->n += n;
    return YC_OK;
}

static void on_reject(void *ctx, const yc_reject *r)
{
    sink *s = ctx;
    if (s->n_rej == sizeof s->rej / sizeof *s->rej)
        return;
    reject_copy *c = &s->rej[s->n_rej++];
    c->row = r->row;
    snprintf(c->field, sizeof c->field, "%s", r->field);
    snprintf(c->reason, sizeof c->reason, "%s", r->reason);
    snprintf(c->file, sizeof c->file, "%s", r->file);
}

static void sink_free(sink *s)
{
    free(s->recs);
    *s = (sink){0};
}

static yc_date today(void)
{
    yc_date d;
    assert_int_equal(yc_date_from_ymd(TEST_TODAY_Y, TEST_TODAY_M, TEST_TODAY_D, &d), YC_OK);
    return d;
}

static yc_import_opts opts_for(sink *s)
{
    return (yc_import_opts){.today = today(),
                            .windows = TEST_WINDOWS,
                            .rules = g_rules,
                            .on_batch = on_batch,
                            .on_reject = on_reject,
                            .ctx = s};
}

static yc_err run(const char *text, size_t len, sink *s, yc_import_stats *st)
{
    yc_import_opts o = opts_for(s);
    return yc_import_buffer("t.csv", (const uint8_t *)text, len, &o, st);
}

static yc_err run_str(const char *text, sink *s, yc_import_stats *st)
{
    return run(text, strlen(text), s, st);
}

static yc_date ymd(int y, int m, int d)
{
    yc_date r;
    assert_int_equal(yc_date_from_ymd(y, m, d, &r), YC_OK);
    return r;
}

/* ---- canonical dump (same layout as dump() in scripts/make-samples.py) ---- */

static void put_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '|')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\r')
            fputs("\\r", f);
        else
            fputc(*s, f);
    }
}

static void put_date(FILE *f, yc_date d)
{
    char buf[YC_DATE_STR_LEN + 1];
    yc_date_format(d, buf);
    fputs(buf, f);
}

static void dump_record(FILE *f, const yc_record *r)
{
    char amount[YC_AMOUNT_STR_MAX + 1] = "-";
    if (r->has_amount)
        yc_amount_format(r->amount, amount);
    const char *strs[] = {
        yc_code_str(r->code), yc_subject_type_str(r->subject_type),
        r->subject_id,        r->doc_type == YC_DOC_NONE ? "none" : yc_doc_type_str(r->doc_type),
        r->doc_country,       r->doc_number,
        r->subject_name,      r->decision_no};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        put_esc(f, strs[i]);
        fputc('|', f);
    }
    put_date(f, r->decision_date);
    const char *strs2[] = {r->authority_name, r->authority_uscc, r->source_name,
                           r->source_uscc,    r->legal_basis,    amount};
    for (size_t i = 0; i < sizeof strs2 / sizeof *strs2; i++) {
        fputc('|', f);
        put_esc(f, strs2[i]);
    }
    const yc_date dates[] = {r->pub_start, r->pub_min_end, r->pub_max_end};
    for (size_t i = 0; i < 3; i++) {
        fputc('|', f);
        put_date(f, dates[i]);
    }
    fprintf(f, "|%s|%s\n", r->region, yc_status_str(r->status));
}

static char *dump_all(const sink *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    for (size_t i = 0; i < s->n; i++)
        dump_record(f, &s->recs[i]);
    fclose(f);
    return buf;
}

static char *read_file(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (ret_len != NULL)
        *ret_len = (size_t)n;
    return buf;
}

static void path_of(char *out, size_t size, const char *env, const char *rel)
{
    const char *root = getenv(env);
    assert_non_null(root);
    snprintf(out, size, "%s/%s", root, rel);
}

/* Converts UTF-8 text to GB18030 with iconv (test input only). */
static char *to_gb18030(const char *utf8, size_t *ret_len)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t in_left = strlen(utf8), out_cap = in_left * 2 + 16, out_left = out_cap;
    char *out = malloc(out_cap), *o = out;
    char *in = (char *)(uintptr_t)utf8;
    assert_non_null(out);
    assert_true(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
    iconv_close(cd);
    *ret_len = out_cap - out_left;
    return out;
}

/* ---- a valid 行政处罚 row and variants ---- */

static const char *const CF_COLS[] = {
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH",     "CF_WFXW",
    "CF_SY",     "CF_YJ",     "CF_CFLB",      "CF_NR",       "CF_NR_FK",    "CF_NR_WFFF", "CF_JDRQ",
    "CF_YXQ",    "CF_GSJZQ",  "CF_CFJG",      "CF_CFJGDM",   "CF_SJLY",     "CF_SJLYDM",  "BZ"};
#define CF_N (sizeof CF_COLS / sizeof *CF_COLS)

static const char *const CF_LEGAL[CF_N] = {"义乌市测试小商品有限公司",
                                           "法人及非法人组织",
                                           M_USCC,
                                           "",
                                           "",
                                           "义市监罚字〔2024〕9001号",
                                           "产品质量",
                                           "销售不合格商品",
                                           "《中华人民共和国产品质量法》第四十九条",
                                           "罚款",
                                           "罚款人民币2万元",
                                           "2",
                                           "",
                                           "2024-03-15",
                                           "2099-12-31",
                                           "",
                                           "义乌市市场监督管理局",
                                           A_USCC,
                                           "义乌市市场监督管理局",
                                           A_USCC,
                                           ""};

static const char *const CF_PERSON[CF_N] = {"王建国",
                                            "自然人",
                                            "",
                                            "身份证",
                                            P_ID,
                                            "义综执罚字〔2024〕77号",
                                            "市容环境卫生",
                                            "擅自占用城市道路摆摊设点经营",
                                            "《浙江省城市市容和环境卫生管理条例》第四十一条",
                                            "警告",
                                            "警告",
                                            "",
                                            "",
                                            "2024/05/06",
                                            "2024/05/06",
                                            "",
                                            "义乌市综合行政执法局",
                                            A_USCC,
                                            "义乌市综合行政执法局",
                                            A_USCC,
                                            ""};

/* Header + rows; each row is the template with (col, value) overrides applied. */
typedef struct override {
    const char *col;
    const char *value;
} override;

static void csv_cell(FILE *f, const char *v)
{
    if (strpbrk(v, ",\"\n\r") == NULL) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

static void csv_line(FILE *f, const char *const *cols, const char *const *vals, size_t n,
                     const override *ov, size_t n_ov)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = vals[i];
        for (size_t k = 0; k < n_ov; k++)
            if (strcmp(ov[k].col, cols[i]) == 0)
                v = ov[k].value;
        if (i > 0)
            fputc(',', f);
        csv_cell(f, v);
    }
    fputc('\n', f);
}

static char *cf_csv(const char *const *tmpl, const override *ov, size_t n_ov)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csv_line(f, CF_COLS, CF_COLS, CF_N, NULL, 0);
    csv_line(f, CF_COLS, tmpl, CF_N, ov, n_ov);
    fclose(f);
    return buf;
}

/* Imports one template row with overrides; asserts exactly one reject (row 2). */
static void expect_cf_reject(const char *const *tmpl, const override *ov, size_t n_ov,
                             const char *field, const char *reason)
{
    sink s = {0};
    yc_import_stats st;
    char *csv = cf_csv(tmpl, ov, n_ov);
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 1);
    assert_int_equal(st.accepted, 0);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 2);
    assert_string_equal(s.rej[0].field, field);
    assert_string_equal(s.rej[0].reason, reason);
    assert_string_equal(s.rej[0].file, "t.csv");
    free(csv);
    sink_free(&s);
}

static void expect_cf_missing(const char *col)
{
    const override ov[] = {{col, ""}};
    expect_cf_reject(CF_LEGAL, ov, 1, col, "required field missing");
}

/* ---- a valid 行政许可 row ---- */

static const char *const XK_COLS[] = {
    "XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_XDR_ZJLX", "XK_XDR_ZJHM", "XK_XKWS", "XK_WSH",
    "XK_XKLB",   "XK_XKZS",   "XK_XKBH",      "XK_NR",       "XK_JDRQ",     "XK_YXQZ", "XK_YXQZI",
    "XK_XKJG",   "XK_XKJGDM", "XK_ZT",        "XK_LYDW",     "XK_LYDWDM",   "BZ"};
#define XK_N (sizeof XK_COLS / sizeof *XK_COLS)

static const char *const XK_ROW[XK_N] = {"义乌市稠城福田饰品店",
                                         "个体工商户",
                                         IB_USCC,
                                         "",
                                         "",
                                         "准予行政许可决定书",
                                         "JY13307820001234",
                                         "普通",
                                         "食品经营许可证",
                                         "JY13307820001234",
                                         "预包装食品销售",
                                         "2024/01/08",
                                         "2024/01/09",
                                         "2029/01/08",
                                         "义乌市市场监督管理局",
                                         A_USCC,
                                         "有效",
                                         "义乌市市场监督管理局",
                                         A_USCC,
                                         ""};

static void expect_xk_reject(const override *ov, size_t n_ov, const char *field, const char *reason)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csv_line(f, XK_COLS, XK_COLS, XK_N, NULL, 0);
    csv_line(f, XK_COLS, XK_ROW, XK_N, ov, n_ov);
    fclose(f);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(buf, &s, &st), YC_OK);
    assert_int_equal(st.rows, 1);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.rej[0].row, 2);
    assert_string_equal(s.rej[0].field, field);
    assert_string_equal(s.rej[0].reason, reason);
    free(buf);
    sink_free(&s);
}

static void expect_xk_missing(const char *col)
{
    const override ov[] = {{col, ""}};
    expect_xk_reject(ov, 1, col, "required field missing");
}

/* ---- JSON Lines helpers ---- */

static const char DEBTOR[] =
    "{\"iname\":\"王建国\",\"caseCode\":\"(2024)浙0782执1234号\",\"cardNum\":\"" P_ID "\","
    "\"sexy\":\"男\",\"age\":\"57\",\"courtName\":\"义乌市人民法院\",\"courtUscc\":\"" C_USCC "\","
    "\"areaName\":\"浙江\",\"gistId\":\"(2023)浙0782民初5678号\",\"gistUnit\":\"义乌市人民法院\","
    "\"duty\":\"支付货款12万元\",\"performance\":\"全部未履行\","
    "\"disruptTypeName\":\"有履行能力而拒不履行生效法律文书确定义务\",\"regDate\":\"20240105\","
    "\"publishDate\":\"2024年03月01日\"}";

static const char COMMITMENT[] =
    "{\"code\":\"33078220240312000017\",\"subjectName\":\"义乌市测试电子商务有限公司\","
    "\"subjectCategory\":\"法人及非法人组织\",\"identify\":\"" M_USCC "\","
    "\"commitmentTypeId\":\"审批替代型\",\"reason\":\"申请办理食品经营许可证\","
    "\"content\":\"承诺所填报材料真实有效\",\"liabilityBreachCommitment\":"
    "\"承担撤销许可的法律责任\","
    "\"commitmentDate\":\"2024-03-12\",\"fulfillmentStatus\":\"全部未履行\","
    "\"unperformedCommitmentContent\":\"未补齐材料\","
    "\"liabilityBreachCommitmentContent\":\"撤销许可\",\"fulfillmentStatusDate\":\"2024-09-12\","
    "\"acceptanceUnit\":\"义乌市市场监督管理局\",\"acceptanceUnitIdentify\":\"" A_USCC "\","
    "\"publicationType\":\"可向社会公开\"}";

static const char GENERIC[] =
    "{\"subject_type\":\"legal_person\",\"subject_id\":\"" M_USCC
    "\",\"name\":\"义乌市测试有限公司\","
    "\"code\":\"N07\",\"decision_no\":\"义税欠〔2024〕0412\",\"decision_date\":\"2024-09-10\","
    "\"authority_name\":\"国家税务总局义乌市税务局\",\"authority_uscc\":\"" A_USCC "\","
    "\"legal_basis\":\"《中华人民共和国税收征收管理法》第三十二条\",\"amount\":\"12.3456\"}";

/* Removes "key":value from a one-level JSON object text (test helper; no nesting, string
 * values without escaped quotes).  An absent key leaves the text unchanged. */
static char *json_without(const char *obj, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    size_t n = strlen(obj);
    char *out = malloc(n + 1);
    assert_non_null(out);
    const char *at = strstr(obj, pat);
    if (at == NULL) {
        memcpy(out, obj, n + 1);
        return out;
    }
    const char *end = at + strlen(pat);
    if (*end == '"') {
        end = strchr(end + 1, '"') + 1;
    } else {
        while (*end != ',' && *end != '}')
            end++;
    }
    size_t head = (size_t)(at - obj);
    memcpy(out, obj, head);
    if (*end == ',')
        end++;
    else if (head > 0 && out[head - 1] == ',')
        head--;
    snprintf(out + head, n + 1 - head, "%s", end);
    return out;
}

/* Sets "key" (replacing or adding it) to raw JSON text. */
static char *json_with(const char *obj, const char *key, const char *raw)
{
    char *base = json_without(obj, key);
    size_t n = strlen(base) + strlen(key) + strlen(raw) + 8;
    char *out = malloc(n);
    assert_non_null(out);
    base[strlen(base) - 1] = '\0'; /* drop the closing brace */
    snprintf(out, n, "%s,\"%s\":%s}", base, key, raw);
    free(base);
    return out;
}

static void expect_json_reject(const char *line, const char *field, const char *reason)
{
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(line, &s, &st), YC_OK);
    assert_int_equal(st.rows, 1);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 1);
    assert_string_equal(s.rej[0].field, field);
    assert_string_equal(s.rej[0].reason, reason);
    sink_free(&s);
}

static void expect_json_missing(const char *obj, const char *key)
{
    char *line = json_without(obj, key);
    expect_json_reject(line, key, "required field missing");
    free(line);
}

/* ======================= safety ======================= */

static void safety__empty_input__ok_no_rows(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st = {1, 1, 1};
    yc_import_opts o = opts_for(&s);
    assert_int_equal(yc_import_buffer("e", NULL, 0, &o, &st), YC_OK);
    assert_int_equal(st.rows, 0);
    assert_int_equal(st.accepted, 0);
    assert_int_equal(st.rejected, 0);
    assert_int_equal(s.n_rej, 0);
}

static void safety__blank_lines_only__ok_no_rows(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str("\n\r\n  \n", &s, &st), YC_OK);
    assert_int_equal(st.rows, 0);
    assert_int_equal(s.n_rej, 0);
}

static void safety__null_windows__fails_invalid(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    o.windows = NULL;
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)"x", 1, &o, &st), YC_ERR_INVALID);
}

static void safety__bad_window__fails_invalid(void **state)
{
    (void)state;
    yc_window w[YC_CODE_COUNT];
    memcpy(w, TEST_WINDOWS, sizeof w);
    w[YC_CODE_N03] = (yc_window){12, 3}; /* max before min */
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    o.windows = w;
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)"x", 1, &o, &st), YC_ERR_INVALID);
    w[YC_CODE_N03] = (yc_window){1201, 0};
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)"x", 1, &o, &st), YC_ERR_INVALID);
}

static void safety__unknown_encoding__fails_invalid(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    o.encoding = "Big5";
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)"x", 1, &o, &st), YC_ERR_INVALID);
}

static void safety__batch_size_limit__max_ok_max_plus_one_invalid(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    char *csv = cf_csv(CF_LEGAL, NULL, 0);
    o.batch_size = YC_IMPORT_BATCH_MAX;
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)csv, strlen(csv), &o, &st), YC_OK);
    assert_int_equal(s.n, 1);
    o.batch_size = YC_IMPORT_BATCH_MAX + 1;
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)csv, strlen(csv), &o, &st),
                     YC_ERR_INVALID);
    free(csv);
    sink_free(&s);
}

static void safety__file_missing__fails_io(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    assert_int_equal(yc_import_file("/nonexistent/yrdcredit/x.csv", &o, &st), YC_ERR_IO);
}

/* n columns: the 21 real ones plus ignored filler columns. */
static char *wide_csv(size_t n_cols)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (size_t i = 0; i < n_cols; i++)
        fprintf(f, "%s%s", i ? "," : "", i < CF_N ? CF_COLS[i] : "X");
    fputc('\n', f);
    for (size_t i = 0; i < n_cols; i++) {
        if (i > 0)
            fputc(',', f);
        csv_cell(f, i < CF_N ? CF_LEGAL[i] : "filler");
    }
    fputc('\n', f);
    fclose(f);
    return buf;
}

static void safety__columns_at_limit__accepted(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    char *csv = wide_csv(YC_IMPORT_MAX_COLUMNS);
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.rejected, 0);
    free(csv);
    sink_free(&s);
}

static void safety__columns_over_limit__file_rejected(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    char *csv = wide_csv(YC_IMPORT_MAX_COLUMNS + 1);
    assert_int_equal(run_str(csv, &s, &st), YC_ERR_INVALID);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 1);
    assert_string_equal(s.rej[0].field, "(file)");
    assert_string_equal(s.rej[0].reason, "more than 256 columns");
    free(csv);
    sink_free(&s);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void safety__field_at_limit__accepted(void **state)
{
    (void)state;
    char *big = repeat('a', YC_IMPORT_MAX_FIELD_BYTES);
    const override ov[] = {{"CF_SY", big}};
    char *csv = cf_csv(CF_LEGAL, ov, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.accepted, 1);
    free(csv);
    free(big);
    sink_free(&s);
}

/* Over the limit: the row is rejected and the import goes on (the parser resynchronises at
 * the next line); both libcsv paths: a field inside its buffer slack, and a field it
 * cannot grow to.  In the header the whole file is refused. */
static void safety__field_over_limit__row_rejected(void **state)
{
    (void)state;
    const size_t sizes[] = {YC_IMPORT_MAX_FIELD_BYTES + 1, 3 * YC_IMPORT_MAX_FIELD_BYTES};
    for (size_t i = 0; i < 2; i++) {
        char *big = repeat('a', sizes[i]);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        const override a[] = {{"CF_SY", big}, {"CF_WSH", "A"}}, b[] = {{"CF_WSH", "B"}};
        csv_line(f, CF_COLS, CF_COLS, CF_N, NULL, 0);
        csv_line(f, CF_COLS, CF_LEGAL, CF_N, a, 2);
        csv_line(f, CF_COLS, CF_LEGAL, CF_N, b, 1);
        fclose(f);
        sink s = {0};
        yc_import_stats st;
        assert_int_equal(run_str(buf, &s, &st), YC_OK);
        assert_int_equal(st.rows, 2);
        assert_int_equal(st.accepted, 1);
        assert_int_equal(st.rejected, 1);
        assert_int_equal(s.n_rej, 1);
        assert_int_equal(s.rej[0].row, 2);
        assert_string_equal(s.rej[0].field, "(row)");
        assert_string_equal(s.rej[0].reason, "field longer than 65536 bytes");
        assert_string_equal(s.recs[0].decision_no, "B");
        free(buf);
        free(big);
        sink_free(&s);
    }
    char *big = repeat('a', YC_IMPORT_MAX_FIELD_BYTES + 1);
    char *csv = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&csv, &len);
    fprintf(f, "CF_WSH,%s\n1,2\n", big);
    fclose(f);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_ERR_TOO_LARGE);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 1);
    assert_string_equal(s.rej[0].field, "(file)");
    assert_string_equal(s.rej[0].reason, "header: field longer than 65536 bytes");
    free(csv);
    free(big);
    sink_free(&s);
}

static void assert_limit_case(const char *col, size_t n, bool ok, const char *reason)
{
    char *v = repeat('a', n);
    const override ov[] = {{col, v}};
    if (ok) {
        char *csv = cf_csv(CF_LEGAL, ov, 1);
        sink s = {0};
        yc_import_stats st;
        assert_int_equal(run_str(csv, &s, &st), YC_OK);
        assert_int_equal(st.accepted, 1);
        assert_int_equal(st.rejected, 0);
        free(csv);
        sink_free(&s);
    } else {
        expect_cf_reject(CF_LEGAL, ov, 1, col, reason);
    }
    free(v);
}

static void safety__name_limit__255_ok_256_rejected(void **state)
{
    (void)state;
    assert_limit_case("CF_XDR_MC", YC_NAME_MAX, true, NULL);
    assert_limit_case("CF_XDR_MC", YC_NAME_MAX + 1, false, "longer than 255 bytes");
    assert_limit_case("CF_CFJG", YC_NAME_MAX + 1, false, "longer than 255 bytes");
}

static void safety__decision_no_limit__255_ok_256_rejected(void **state)
{
    (void)state;
    assert_limit_case("CF_WSH", YC_DECISION_NO_MAX, true, NULL);
    assert_limit_case("CF_WSH", YC_DECISION_NO_MAX + 1, false, "longer than 255 bytes");
}

static void safety__legal_basis_limit__2047_ok_2048_rejected(void **state)
{
    (void)state;
    assert_limit_case("CF_YJ", YC_LEGAL_BASIS_MAX, true, NULL);
    assert_limit_case("CF_YJ", YC_LEGAL_BASIS_MAX + 1, false, "longer than 2047 bytes");
}

static char *generic_with_padding(size_t line_len)
{
    /* GENERIC plus a legal_basis-free padding key would be unknown; pad with spaces. */
    size_t base = strlen(GENERIC);
    assert_true(line_len >= base);
    char *s = malloc(line_len + 2);
    assert_non_null(s);
    memcpy(s, GENERIC, base - 1);
    memset(s + base - 1, ' ', line_len - base);
    s[line_len - 1] = '}';
    s[line_len] = '\n';
    s[line_len + 1] = '\0';
    return s;
}

static void safety__jsonl_line_at_limit__accepted(void **state)
{
    (void)state;
    char *line = generic_with_padding(YC_IMPORT_MAX_LINE_BYTES);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(line, &s, &st), YC_OK);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.rejected, 0);
    free(line);
    sink_free(&s);
}

static void safety__jsonl_line_over_limit__rejected(void **state)
{
    (void)state;
    char *line = generic_with_padding(YC_IMPORT_MAX_LINE_BYTES + 1);
    size_t n = strlen(line);
    char *two = malloc(n + sizeof GENERIC + 2);
    assert_non_null(two);
    snprintf(two, n + sizeof GENERIC + 2, "%s%s\n", line, GENERIC);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(two, &s, &st), YC_OK);
    assert_int_equal(st.rows, 2);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 1);
    assert_string_equal(s.rej[0].field, "(row)");
    assert_string_equal(s.rej[0].reason, "longer than 262144 bytes");
    free(two);
    free(line);
    sink_free(&s);
}

static void safety__nul_byte_in_field__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_SY", "a#b"}};
    char *csv = cf_csv(CF_LEGAL, ov, 1);
    size_t len = strlen(csv);
    char *at = strstr(csv, "a#b");
    assert_non_null(at);
    at[1] = '\0'; /* a NUL inside the CF_SY value; len keeps the rest */
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run(csv, len, &s, &st), YC_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_rej, 1);
    assert_string_equal(s.rej[0].field, "CF_SY");
    assert_string_equal(s.rej[0].reason, "contains a NUL byte");
    free(csv);
    sink_free(&s);
}

static void safety__utf16_bom__file_rejected(void **state)
{
    (void)state;
    const char in[] = "\xFF\xFE"
                      "C\0F\0";
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run(in, sizeof in - 1, &s, &st), YC_ERR_INVALID);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 1);
    assert_string_equal(s.rej[0].field, "(file)");
    assert_string_equal(s.rej[0].reason, "UTF-16 is not supported");
}

/* ======================= sample files ======================= */

static void check_sample(const char *file, size_t expect_rows, const yc_import_opts *override_opts,
                         sink *ret_sink)
{
    char path[4096], exp_path[4096], exp_name[256];
    path_of(path, sizeof path, "YC_SOURCE_ROOT", file);
    snprintf(exp_name, sizeof exp_name, "import/%s.expected", file + strlen("samples/"));
    path_of(exp_path, sizeof exp_path, "YC_TEST_DATA", exp_name);
    sink s = {0};
    yc_import_opts o = override_opts != NULL ? *override_opts : opts_for(&s);
    o.ctx = &s;
    o.batch_size = 64; /* several batches per file */
    yc_import_stats st;
    assert_int_equal(yc_import_file(path, &o, &st), YC_OK);
    for (size_t i = 0; i < s.n_rej; i++)
        print_error("reject %s:%ld %s: %s\n", file, s.rej[i].row, s.rej[i].field, s.rej[i].reason);
    assert_int_equal(st.rejected, 0);
    assert_int_equal(st.rows, expect_rows);
    assert_int_equal(st.accepted, expect_rows);
    assert_int_equal(s.n, expect_rows);
    char *got = dump_all(&s);
    char *want = read_file(exp_path, NULL);
    if (strcmp(got, want) != 0) {
        /* show the first differing line */
        const char *g = got, *w = want;
        size_t line = 1;
        while (*g && *w) {
            const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
            if (ge == NULL || we == NULL || ge - g != we - w || memcmp(g, w, (size_t)(ge - g))) {
                print_error("line %zu\n got: %.*s\nwant: %.*s\n", line,
                            (int)(ge ? ge - g : (long)strlen(g)), g,
                            (int)(we ? we - w : (long)strlen(w)), w);
                break;
            }
            g = ge + 1;
            w = we + 1;
            line++;
        }
    }
    assert_string_equal(got, want);
    free(got);
    free(want);
    if (ret_sink != NULL)
        *ret_sink = s;
    else
        sink_free(&s);
}

static const yc_record *find(const sink *s, const char *decision_no)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->recs[i].decision_no, decision_no) == 0)
            return &s->recs[i];
    fail_msg("no record %s", decision_no);
    abort(); /* not reached: fail_msg() longjmps */
}

static void import_file__xzcf_2024__exact_records(void **state)
{
    (void)state;
    sink s;
    check_sample("samples/yiwu-xzcf-2024.csv", 220, NULL, &s);
    /* Row 2 by hand: 罚款 3.49 万元 (< 5, N02 for an organisation) + 没收 (N03) → N03;
     * window N03 = 3 / 12 months from 2024/02/12; 2099/12/31 处罚有效期 is not a window. */
    const yc_record *r = &s.recs[0];
    assert_int_equal(r->code, YC_CODE_N03);
    assert_int_equal(r->subject_type, YC_SUBJECT_LEGAL_PERSON);
    assert_string_equal(r->subject_id, "91330782MA26FY5M25");
    assert_string_equal(r->subject_name, "义乌市联创五金有限公司");
    assert_int_equal(r->doc_type, YC_DOC_NONE);
    assert_string_equal(r->decision_no, "义市监罚字〔2024〕1001号");
    assert_int_equal(r->decision_date, ymd(2024, 2, 12));
    assert_true(r->has_amount);
    assert_int_equal(r->amount, 3490000); /* 10^-6 万元 units */
    assert_int_equal(r->pub_start, ymd(2024, 2, 12));
    assert_int_equal(r->pub_min_end, ymd(2024, 5, 12));
    assert_int_equal(r->pub_max_end, ymd(2025, 2, 12));
    assert_string_equal(r->authority_uscc, A_USCC);
    assert_string_equal(r->region, "330782");
    assert_int_equal(r->status, YC_STATUS_ACTIVE);
    assert_int_equal(r->record_id, 0);
    assert_int_equal(r->version, 1);
    /* Row 3 by hand: a 自然人 with 罚款 1.95 万元 (≥ 0.5 for a person) + 没收 → N03;
     * the document stays in clear in memory, subject_id is left to the store. */
    r = &s.recs[1];
    assert_int_equal(r->code, YC_CODE_N03);
    assert_int_equal(r->subject_type, YC_SUBJECT_NATURAL_PERSON);
    assert_string_equal(r->subject_id, "");
    assert_int_equal(r->doc_type, YC_DOC_RESIDENT_ID);
    assert_string_equal(r->doc_number, P_ID);
    assert_string_equal(r->doc_country, "");
    assert_string_equal(r->subject_name, "张金花");
    assert_string_equal(r->region, "330782"); /* from the authority, never from the ID */
    /* 价格违法, 罚款 0.37 万元 for an organisation: below 5 → N02; 3 / 3 months. */
    r = find(&s, "义市监罚字〔2024〕1003号");
    assert_int_equal(r->code, YC_CODE_N02);
    assert_int_equal(r->amount, 370000);
    assert_int_equal(r->pub_min_end, ymd(2024, 7, 5));
    assert_int_equal(r->pub_max_end, ymd(2024, 7, 5));
    sink_free(&s);
}

static void import_file__xzcf_gb18030__exact_records(void **state)
{
    (void)state;
    sink s;
    check_sample("samples/yiwu-xzcf-2025-gb18030.csv", 60, NULL, &s);
    /* The first row carries a GB18030 four-byte character (U+20BB7 𠮷). */
    assert_string_equal(s.recs[0].subject_name, "义乌市\xF0\xA0\xAE\xB7祥日用品有限公司");
    sink_free(&s);
}

static void import_file__xzcf_cn_header__exact_records(void **state)
{
    (void)state;
    check_sample("samples/yiwu-xzcf-2023-cn-header.csv", 40, NULL, NULL);
}

static void import_file__xzcf_legacy_v1__exact_records(void **state)
{
    (void)state;
    sink s;
    check_sample("samples/yiwu-xzcf-v1-2018.csv", 16, NULL, &s);
    /* Row 5: legacy category 4 (暂扣或者吊销…) with 处罚结果 吊销营业执照 → N04 by the
     * content rule; no authority USCC in v1; region from DFBM. */
    const yc_record *r = find(&s, "义市监罚决字〔2018〕第103号");
    assert_int_equal(r->code, YC_CODE_N04);
    assert_string_equal(r->authority_uscc, "");
    assert_string_equal(r->region, "330782");
    /* Row 6: category 4 with 暂扣许可证 → N03. */
    assert_int_equal(find(&s, "义应急罚决字〔2018〕第104号")->code, YC_CODE_N03);
    /* CF_ZT 1 = 撤销 → revoked; 2 = 异议 → disputed; CF_XDR_SFZ → 自然人. */
    r = find(&s, "义综执罚决字〔2018〕第105号");
    assert_int_equal(r->status, YC_STATUS_REVOKED);
    assert_int_equal(r->subject_type, YC_SUBJECT_NATURAL_PERSON);
    assert_int_equal(r->code, YC_CODE_N03); /* 6 = 其他 */
    assert_int_equal(find(&s, "义市监罚决字〔2018〕第109号")->status, YC_STATUS_DISPUTED);
    sink_free(&s);
}

static void import_file__xzxk_bom__exact_records(void **state)
{
    (void)state;
    sink s;
    check_sample("samples/yiwu-xzxk-2024-bom.csv", 216, NULL, &s);
    const yc_record *r = &s.recs[0];
    assert_int_equal(r->code, YC_CODE_B02);
    /* 有效期至 wins for pub_max_end; pub_start = 有效期自. */
    assert_true(r->pub_max_end > r->decision_date);
    assert_true(r->pub_start >= r->decision_date);
    assert_int_equal(r->pub_min_end, r->decision_date); /* B02 min 0 months */
    sink_free(&s);
}

static void import_file__sxbzxr__exact_records(void **state)
{
    (void)state;
    sink s;
    check_sample("samples/yiwu-sxbzxr.jsonl", 24, NULL, &s);
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(s.recs[i].code, YC_CODE_N11);
        assert_string_equal(s.recs[i].authority_name, "义乌市人民法院");
    }
    assert_int_equal(s.recs[0].subject_type, YC_SUBJECT_NATURAL_PERSON);
    assert_int_equal(s.recs[1].subject_type != YC_SUBJECT_NATURAL_PERSON, true);
    sink_free(&s);
}

static void import_file__xycn__exact_records(void **state)
{
    (void)state;
    sink s;
    check_sample("samples/yiwu-xycn.jsonl", 24, NULL, &s);
    size_t p05 = 0, n09 = 0;
    for (size_t i = 0; i < s.n; i++) {
        p05 += s.recs[i].code == YC_CODE_P05;
        n09 += s.recs[i].code == YC_CODE_N09;
    }
    assert_int_equal(p05, 16);
    assert_int_equal(n09, 8);
    sink_free(&s);
}

static void import_file__generic_records__exact_records(void **state)
{
    (void)state;
    sink s;
    check_sample("samples/yiwu-records.jsonl", 39, NULL, &s);
    /* A passport holder (IND) and a 外籍商友卡 holder. */
    const yc_record *r = find(&s, "义志服〔2025〕0457");
    assert_int_equal(r->doc_type, YC_DOC_PASSPORT);
    assert_string_equal(r->doc_country, "IND");
    assert_string_equal(r->doc_number, "Z4821937");
    r = find(&s, "义市场投〔2025〕0301号");
    assert_int_equal(r->doc_type, YC_DOC_BUSINESS_CARD);
    assert_int_equal(r->code, YC_CODE_N14);
    /* amount "12.3456" 万元 exactly; N07 3 / 36 months from 2024-09-10. */
    r = find(&s, "义税欠〔2024〕0412");
    assert_int_equal(r->amount, 12345600);
    assert_int_equal(r->pub_min_end, ymd(2024, 12, 10));
    assert_int_equal(r->pub_max_end, ymd(2027, 9, 10));
    /* explicit pub_max_end before the computed minimum: min is pulled down to it. */
    r = find(&s, "义市监异〔2025〕0015号");
    assert_int_equal(r->pub_max_end, ymd(2025, 9, 30));
    assert_int_equal(r->pub_min_end, ymd(2025, 2, 11)); /* N06 min 0 months */
    assert_int_equal(find(&s, "义市监异〔2024〕0091号")->status, YC_STATUS_REPAIRED);
    sink_free(&s);
}

static void import_file__same_file_twice__identical_records(void **state)
{
    (void)state;
    sink a, b;
    check_sample("samples/yiwu-xzcf-2024.csv", 220, NULL, &a);
    check_sample("samples/yiwu-xzcf-2024.csv", 220, NULL, &b);
    char *da = dump_all(&a), *db = dump_all(&b);
    assert_string_equal(da, db);
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.recs[i].code, b.recs[i].code);
        assert_int_equal(a.recs[i].pub_max_end, b.recs[i].pub_max_end);
    }
    free(da);
    free(db);
    sink_free(&a);
    sink_free(&b);
}

/* ======================= hand-made rows ======================= */

static void import__valid_penalty_row__exact_record(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    char *csv = cf_csv(CF_LEGAL, NULL, 0);
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 1);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(s.n, 1);
    const yc_record *r = &s.recs[0];
    /* 罚款 2 万元, organisation: below the "5" threshold → N02; window 3 / 3 months. */
    assert_int_equal(r->code, YC_CODE_N02);
    assert_int_equal(r->subject_type, YC_SUBJECT_LEGAL_PERSON);
    assert_string_equal(r->subject_id, M_USCC);
    assert_int_equal(r->amount, 2 * YC_AMOUNT_SCALE);
    assert_int_equal(r->decision_date, ymd(2024, 3, 15));
    assert_int_equal(r->pub_start, ymd(2024, 3, 15));
    assert_int_equal(r->pub_min_end, ymd(2024, 6, 15));
    assert_int_equal(r->pub_max_end, ymd(2024, 6, 15));
    assert_string_equal(r->legal_basis, "《中华人民共和国产品质量法》第四十九条");
    assert_string_equal(r->source_name, "义乌市市场监督管理局");
    assert_string_equal(r->region, "330782");
    free(csv);
    sink_free(&s);
}

static void import__person_lowercase_x__normalised(void **state)
{
    (void)state;
    const override ov[] = {{"CF_XDR_ZJHM", "33078219690604009x"}};
    char *csv = cf_csv(CF_PERSON, ov, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.recs[0].doc_number, P_ID);
    assert_int_equal(s.recs[0].code, YC_CODE_N01); /* 警告 */
    /* N01: min 0 → decision date; max 3 months. */
    assert_int_equal(s.recs[0].pub_min_end, ymd(2024, 5, 6));
    assert_int_equal(s.recs[0].pub_max_end, ymd(2024, 8, 6));
    free(csv);
    sink_free(&s);
}

static void import__explicit_gsjzq__wins_for_max_end(void **state)
{
    (void)state;
    const override ov[] = {{"CF_GSJZQ", "20240401"}};
    char *csv = cf_csv(CF_LEGAL, ov, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.recs[0].pub_max_end, ymd(2024, 4, 1));
    assert_int_equal(s.recs[0].pub_min_end, ymd(2024, 4, 1)); /* min(2024-06-15, 2024-04-01) */
    free(csv);
    sink_free(&s);
}

static void import__safety_violation_type__n05(void **state)
{
    (void)state;
    const override ov[] = {{"CF_WFXW", "安全生产"}};
    char *csv = cf_csv(CF_LEGAL, ov, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.recs[0].code, YC_CODE_N05);
    assert_int_equal(s.recs[0].pub_min_end, ymd(2025, 3, 15));
    assert_int_equal(s.recs[0].pub_max_end, ymd(2027, 3, 15));
    free(csv);
    sink_free(&s);
}

static void import__multi_category__most_severe_wins(void **state)
{
    (void)state;
    const override ov[] = {{"CF_CFLB", "警告；罚款、吊销许可证件"}};
    char *csv = cf_csv(CF_LEGAL, ov, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.recs[0].code, YC_CODE_N04);
    free(csv);
    sink_free(&s);
}

/* ---- one test per required field (行政处罚 v2) ---- */

#define CF_MISSING_TEST(col)                                            \
    static void import__cf_missing_##col##__rejects_row_2(void **state) \
    {                                                                   \
        (void)state;                                                    \
        expect_cf_missing(#col);                                        \
    }
CF_MISSING_TEST(CF_XDR_MC)
CF_MISSING_TEST(CF_XDR_LB)
CF_MISSING_TEST(CF_XDR_SHXYM)
CF_MISSING_TEST(CF_WSH)
CF_MISSING_TEST(CF_WFXW)
CF_MISSING_TEST(CF_SY)
CF_MISSING_TEST(CF_YJ)
CF_MISSING_TEST(CF_CFLB)
CF_MISSING_TEST(CF_NR)
CF_MISSING_TEST(CF_JDRQ)
CF_MISSING_TEST(CF_YXQ)
CF_MISSING_TEST(CF_CFJG)
CF_MISSING_TEST(CF_CFJGDM)
CF_MISSING_TEST(CF_SJLY)
CF_MISSING_TEST(CF_SJLYDM)

static void import__cf_missing_CF_XDR_ZJLX__rejects_row_2(void **state)
{
    (void)state;
    const override ov[] = {{"CF_XDR_ZJLX", ""}};
    expect_cf_reject(CF_PERSON, ov, 1, "CF_XDR_ZJLX", "required field missing");
}

static void import__cf_missing_CF_XDR_ZJHM__rejects_row_2(void **state)
{
    (void)state;
    const override ov[] = {{"CF_XDR_ZJHM", ""}};
    expect_cf_reject(CF_PERSON, ov, 1, "CF_XDR_ZJHM", "required field missing");
}

static void import__missing_required_column__file_rejected(void **state)
{
    (void)state;
    /* The header without CF_CFJGDM (column 18). */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *cols[CF_N - 1], *vals[CF_N - 1];
    for (size_t i = 0, k = 0; i < CF_N; i++)
        if (strcmp(CF_COLS[i], "CF_CFJGDM") != 0) {
            cols[k] = CF_COLS[i];
            vals[k++] = CF_LEGAL[i];
        }
    csv_line(f, cols, cols, CF_N - 1, NULL, 0);
    csv_line(f, cols, vals, CF_N - 1, NULL, 0);
    fclose(f);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(buf, &s, &st), YC_ERR_INVALID);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 1);
    assert_string_equal(s.rej[0].field, "CF_CFJGDM");
    assert_string_equal(s.rej[0].reason, "column missing from header");
    free(buf);
    sink_free(&s);
}

static void import__unknown_header__file_rejected(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str("a,b,c\n1,2,3\n", &s, &st), YC_ERR_INVALID);
    assert_int_equal(s.n_rej, 1);
    assert_string_equal(s.rej[0].reason, "header matches neither 行政处罚 nor 行政许可");
    assert_int_equal(run_str("CF_WSH,XK_WSH\n1,2\n", &s, &st), YC_ERR_INVALID);
    assert_string_equal(s.rej[1].reason, "header mixes 行政处罚 and 行政许可 columns");
    sink_free(&s);
}

static void import__duplicate_column__file_rejected(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str("CF_WSH,处罚类别,cf_wsh\n", &s, &st), YC_ERR_INVALID);
    assert_int_equal(s.n_rej, 1);
    assert_string_equal(s.rej[0].field, "CF_WSH");
    assert_string_equal(s.rej[0].reason, "duplicate column");
    sink_free(&s);
}

static void import__penalty_without_rules__file_rejected(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    o.rules = NULL;
    char *csv = cf_csv(CF_LEGAL, NULL, 0);
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)csv, strlen(csv), &o, &st),
                     YC_ERR_INVALID);
    assert_string_equal(s.rej[0].reason, "行政处罚 needs the 处罚类别 rule table");
    free(csv);
    sink_free(&s);
}

/* ---- bad values ---- */

static void import__bad_uscc_check__rejected(void **state)
{
    (void)state;
    char reason[128];
    snprintf(reason, sizeof reason, "invalid USCC: %s", yc_id_fault_str(YC_ID_CHECK));
    const override ov[] = {{"CF_XDR_SHXYM", "91330782MA26FY5M26"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_XDR_SHXYM", reason);
    const override ov2[] = {{"CF_CFJGDM", "11330782MB1A070190"}};
    expect_cf_reject(CF_LEGAL, ov2, 1, "CF_CFJGDM", reason);
}

static void import__bad_id_check__rejected(void **state)
{
    (void)state;
    char reason[128];
    snprintf(reason, sizeof reason, "invalid document number: %s", yc_id_fault_str(YC_ID_CHECK));
    const override ov[] = {{"CF_XDR_ZJHM", "330782196906040091"}};
    expect_cf_reject(CF_PERSON, ov, 1, "CF_XDR_ZJHM", reason);
}

static void import__unsupported_doc_type__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_XDR_ZJLX", "港澳居民来往内地通行证"}};
    /* a natural person's row: the value is not echoed (docs/formats.md §5) */
    expect_cf_reject(CF_PERSON, ov, 1, "CF_XDR_ZJLX", "unsupported 证件类型");
}

static void import__impossible_date__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_JDRQ", "2023-02-30"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_JDRQ", "invalid date");
    const override ov2[] = {{"CF_YXQ", "2024/13/01"}};
    expect_cf_reject(CF_LEGAL, ov2, 1, "CF_YXQ", "invalid date");
}

static void import__future_decision_date__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_JDRQ", "2026-11-01"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_JDRQ", "date in the future");
}

static void import__negative_amount__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_NR_FK", "-2"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_NR_FK", "negative amount");
}

static void import__non_numeric_amount__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_NR_FK", "两万"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_NR_FK", "not a decimal amount");
    const override ov2[] = {{"CF_NR_WFFF", "1e3"}};
    expect_cf_reject(CF_LEGAL, ov2, 1, "CF_NR_WFFF", "not a decimal amount");
}

static void import__unknown_category__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_CFLB", "罚款;吊销驾照"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_CFLB", "unknown 处罚类别 '吊销驾照'");
}

static void import__unknown_subject_type__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_XDR_LB", "外国企业"}};
    /* the subject may be a natural person: the value is not echoed */
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_XDR_LB", "unknown 行政相对人类别");
}

static void import__end_before_decision__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_GSJZQ", "2024-03-14"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_GSJZQ", "ends before decision date");
}

static void import__too_few_columns__rejected(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    char *csv = cf_csv(CF_LEGAL, NULL, 0);
    csv[strlen(csv) - 2] = '\n'; /* drop the last (empty BZ) cell: ",\n" → "\n" */
    csv[strlen(csv) - 1] = '\0';
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 2);
    assert_string_equal(s.rej[0].field, "(row)");
    assert_string_equal(s.rej[0].reason, "expected 21 columns, got 20");
    free(csv);
    sink_free(&s);
}

static void import__too_many_columns__rejected(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    char *csv = cf_csv(CF_LEGAL, NULL, 0);
    size_t n = strlen(csv);
    char *more = malloc(n + 2);
    assert_non_null(more);
    memcpy(more, csv, n - 1);
    memcpy(more + n - 1, ",\n", 3);
    assert_int_equal(run_str(more, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 1);
    assert_string_equal(s.rej[0].reason, "expected 21 columns, got 22");
    free(more);
    free(csv);
    sink_free(&s);
}

/* ---- 行政许可 ---- */

static void import__valid_licence_row__exact_record(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csv_line(f, XK_COLS, XK_COLS, XK_N, NULL, 0);
    csv_line(f, XK_COLS, XK_ROW, XK_N, NULL, 0);
    const override long_term[] = {{"XK_YXQZI", "2099/12/31"}, {"XK_WSH", "B"}, {"XK_ZT", "注销"}};
    csv_line(f, XK_COLS, XK_ROW, XK_N, long_term, 3);
    fclose(f);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(buf, &s, &st), YC_OK);
    assert_int_equal(s.n, 2);
    const yc_record *r = &s.recs[0];
    assert_int_equal(r->code, YC_CODE_B02);
    assert_int_equal(r->subject_type, YC_SUBJECT_INDIVIDUAL_BUSINESS);
    assert_string_equal(r->subject_id, IB_USCC);
    assert_string_equal(r->decision_no, "JY13307820001234");
    assert_int_equal(r->decision_date, ymd(2024, 1, 8));
    assert_int_equal(r->pub_start, ymd(2024, 1, 9));
    assert_int_equal(r->pub_min_end, ymd(2024, 1, 8));
    assert_int_equal(r->pub_max_end, ymd(2029, 1, 8));
    assert_false(r->has_amount);
    assert_int_equal(r->status, YC_STATUS_ACTIVE);
    assert_int_equal(s.recs[1].pub_max_end, YC_DATE_LONG_TERM); /* 2099/12/31 = 长期 */
    assert_int_equal(s.recs[1].status, YC_STATUS_EXPIRED);
    free(buf);
    sink_free(&s);
}

#define XK_MISSING_TEST(col)                                            \
    static void import__xk_missing_##col##__rejects_row_2(void **state) \
    {                                                                   \
        (void)state;                                                    \
        expect_xk_missing(#col);                                        \
    }
XK_MISSING_TEST(XK_XDR_MC)
XK_MISSING_TEST(XK_XDR_LB)
XK_MISSING_TEST(XK_XDR_SHXYM)
XK_MISSING_TEST(XK_WSH)
XK_MISSING_TEST(XK_XKLB)
XK_MISSING_TEST(XK_JDRQ)
XK_MISSING_TEST(XK_YXQZ)
XK_MISSING_TEST(XK_YXQZI)
XK_MISSING_TEST(XK_XKJG)
XK_MISSING_TEST(XK_XKJGDM)
XK_MISSING_TEST(XK_LYDW)
XK_MISSING_TEST(XK_LYDWDM)

static void import__licence_bad_values__rejected(void **state)
{
    (void)state;
    const override end[] = {{"XK_YXQZI", "2024/01/08"}};
    expect_xk_reject(end, 1, "XK_YXQZI", "ends before 有效期自");
    const override lb[] = {{"XK_XKLB", "备案"}};
    expect_xk_reject(lb, 1, "XK_XKLB", "unknown 许可类别 '备案'");
    const override zt[] = {{"XK_ZT", "暂停"}};
    expect_xk_reject(zt, 1, "XK_ZT", "unknown 当前状态 '暂停'");
}

/* ---- --atomic ---- */

static char *three_rows_one_bad(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csv_line(f, CF_COLS, CF_COLS, CF_N, NULL, 0);
    const override a[] = {{"CF_WSH", "A"}}, b[] = {{"CF_WSH", "B"}, {"CF_JDRQ", "2024-02-30"}},
                   c[] = {{"CF_WSH", "C"}};
    csv_line(f, CF_COLS, CF_LEGAL, CF_N, a, 1);
    csv_line(f, CF_COLS, CF_LEGAL, CF_N, b, 2);
    csv_line(f, CF_COLS, CF_LEGAL, CF_N, c, 1);
    fclose(f);
    return buf;
}

static void import__atomic_one_bad_row__delivers_nothing(void **state)
{
    (void)state;
    char *csv = three_rows_one_bad();
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    o.atomic = true;
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)csv, strlen(csv), &o, &st),
                     YC_ERR_INVALID);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.accepted, 0);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.batches, 0);
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 3);
    assert_string_equal(s.rej[0].field, "CF_JDRQ");
    free(csv);
    sink_free(&s);
}

static void import__not_atomic_one_bad_row__delivers_good_rows(void **state)
{
    (void)state;
    char *csv = three_rows_one_bad();
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.rejected, 1);
    assert_string_equal(s.recs[0].decision_no, "A");
    assert_string_equal(s.recs[1].decision_no, "C");
    free(csv);
    sink_free(&s);
}

static void import__atomic_all_good__delivers_all_once(void **state)
{
    (void)state;
    char *csv = cf_csv(CF_LEGAL, NULL, 0);
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    o.atomic = true;
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)csv, strlen(csv), &o, &st), YC_OK);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(s.n, 1);
    free(csv);
    sink_free(&s);
}

static void import__batch_error__stops_and_returns_it(void **state)
{
    (void)state;
    char *csv = three_rows_one_bad();
    sink s = {.fail_after = 1};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    o.batch_size = 1;
    assert_int_equal(yc_import_buffer("t", (const uint8_t *)csv, strlen(csv), &o, &st),
                     YC_ERR_STORE);
    assert_int_equal(s.n, 1);
    assert_int_equal(st.accepted, 1);
    free(csv);
    sink_free(&s);
}

/* ---- encodings ---- */

static void import__bom_and_gb18030__same_records_as_utf8(void **state)
{
    (void)state;
    char *csv = cf_csv(CF_PERSON, NULL, 0);
    size_t n = strlen(csv);
    char *bom = malloc(n + 4);
    assert_non_null(bom);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, csv, n + 1);
    size_t gb_len;
    char *gb = to_gb18030(csv, &gb_len);
    sink a = {0}, b = {0}, c = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &a, &st), YC_OK);
    assert_int_equal(run_str(bom, &b, &st), YC_OK);
    assert_int_equal(run(gb, gb_len, &c, &st), YC_OK);
    assert_int_equal(a.n, 1);
    char *da = dump_all(&a), *db = dump_all(&b), *dc = dump_all(&c);
    assert_string_equal(da, db);
    assert_string_equal(da, dc);
    assert_string_equal(c.recs[0].subject_name, "王建国");
    free(da);
    free(db);
    free(dc);
    free(gb);
    free(bom);
    free(csv);
    sink_free(&a);
    sink_free(&b);
    sink_free(&c);
}

static void import__forced_encoding__overrides_detection(void **state)
{
    (void)state;
    char path[4096];
    path_of(path, sizeof path, "YC_SOURCE_ROOT", "samples/yiwu-xzcf-2025-gb18030.csv");
    sink s = {0};
    yc_import_stats st;
    yc_import_opts o = opts_for(&s);
    o.encoding = "gbk"; /* alias of GB18030: same result as detection */
    o.batch_size = 1000;
    assert_int_equal(yc_import_file(path, &o, &st), YC_OK);
    assert_int_equal(st.accepted, 60);
    sink_free(&s);
    o.encoding = "UTF-8"; /* wrong on purpose: every row has GB18030 bytes */
    assert_int_equal(yc_import_file(path, &o, &st), YC_OK);
    assert_int_equal(st.accepted, 0);
    assert_int_equal(st.rejected, 60);
    assert_int_equal(s.rej[0].row, 2);
    assert_string_equal(s.rej[0].field, "CF_XDR_MC");
    assert_string_equal(s.rej[0].reason, "invalid UTF-8");
    sink_free(&s);
}

/* ---- headers ---- */

static void import__legacy_v1_header__mapped(void **state)
{
    (void)state;
    const char csv[] = "CF_WSH,CF_CFMC,CF_CFLB1,CF_CFLB2,CF_SY,CF_YJ,CF_XDR_MC,CF_XDR_SHXYM,"
                       "CF_XDR_SFZ,CF_JG,CF_JDRQ,CF_XZJG,CF_ZT,DFBM,SJC\r\n"
                       "义工商罚〔2017〕12号,行政处罚决定书,4,1,无照经营,《条例》第十四条,"
                       "义乌市测试饰品店," IB_USCC ",,吊销营业执照并处罚款,2017/06/01,"
                       "义乌市工商行政管理局,2,330782,2017-06-02 10:00:00\r\n"
                       "义工商罚〔2017〕13号,行政处罚决定书,0,,占道,《条例》第五条,王建国,,"
                       "33078219690604009x,警告,20170601,义乌市工商行政管理局,0,330782,\r\n";
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.recs[0].code, YC_CODE_N04); /* 4 + 吊销 in CF_JG */
    assert_int_equal(s.recs[0].subject_type, YC_SUBJECT_INDIVIDUAL_BUSINESS); /* USCC 92… */
    assert_int_equal(s.recs[0].status, YC_STATUS_DISPUTED);
    assert_string_equal(s.recs[0].authority_name, "义乌市工商行政管理局");
    assert_string_equal(s.recs[0].authority_uscc, "");
    assert_int_equal(s.recs[1].code, YC_CODE_N01);
    assert_int_equal(s.recs[1].subject_type, YC_SUBJECT_NATURAL_PERSON);
    assert_string_equal(s.recs[1].doc_number, P_ID);
    sink_free(&s);
}

static void import__legacy_v1_missing_category__rejected(void **state)
{
    (void)state;
    const char csv[] = "CF_WSH,CF_CFLB1,CF_YJ,CF_XDR_MC,CF_XDR_SHXYM,CF_JDRQ,CF_XZJG\n"
                       "义罚〔2017〕1号,,《条例》,"
                       "义乌市测试饰品店," IB_USCC ",2017/06/01,"
                       "义乌市工商行政管理局\n";
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 1);
    assert_string_equal(s.rej[0].field, "CF_CFLB1");
    assert_string_equal(s.rej[0].reason, "required field missing");
    sink_free(&s);
}

static void import__chinese_header__mapped(void **state)
{
    (void)state;
    const char csv[] =
        "行政相对人名称*,行政相对人类别 ,统一社会信用代码,行政处罚决定书文号,违法行为类型,违法事实,"
        "处罚依据,处罚类别,处罚内容,罚款金额（万元）,处罚决定日期,处罚有效期,处罚机关,"
        "处罚机关统一社会信用代码,数据来源单位,数据来源单位统一社会信用代码,未知列\n"
        "义乌市测试有限公司,法人," M_USCC
        ",义市监罚〔2023〕5号,广告违法,虚假广告,《广告法》第五十五条,罚款,罚款120万元,120,"
        "2023-05-05,2099-12-31,义乌市市场监督管理局," A_USCC ",义乌市市场监督管理局," A_USCC ",x\n";
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.recs[0].code, YC_CODE_N04); /* 罚款 ≥ 100 万元 */
    assert_int_equal(s.recs[0].amount, 120 * YC_AMOUNT_SCALE);
    sink_free(&s);
}

static void import__quoted_commas_and_newlines__row_numbers_follow_lines(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csv_line(f, CF_COLS, CF_COLS, CF_N, NULL, 0);
    const override a[] = {{"CF_SY", "第一行,含逗号\n第二行\n第三行"}, {"CF_WSH", "A"}};
    const override b[] = {{"CF_WSH", "B"}, {"CF_NR_FK", "x"}};
    csv_line(f, CF_COLS, CF_LEGAL, CF_N, a, 2); /* lines 2–4 */
    fputs("\n", f);                             /* line 5: blank */
    csv_line(f, CF_COLS, CF_LEGAL, CF_N, b, 2); /* line 6 */
    fclose(f);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(buf, &s, &st), YC_OK);
    assert_int_equal(st.rows, 2);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.recs[0].decision_no, "A");
    assert_int_equal(s.n_rej, 1);
    assert_int_equal(s.rej[0].row, 6);
    assert_string_equal(s.rej[0].field, "CF_NR_FK");
    free(buf);
    sink_free(&s);
}

static void import__crlf_line_ends__row_numbers(void **state)
{
    (void)state;
    char *csv = three_rows_one_bad();
    /* rewrite with CRLF */
    size_t n = strlen(csv), k = 0;
    char *crlf = malloc(2 * n + 1);
    assert_non_null(crlf);
    for (size_t i = 0; i < n; i++) {
        if (csv[i] == '\n')
            crlf[k++] = '\r';
        crlf[k++] = csv[i];
    }
    crlf[k] = '\0';
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(crlf, &s, &st), YC_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rej[0].row, 3);
    free(crlf);
    free(csv);
    sink_free(&s);
}

/* ======================= JSON Lines ======================= */

static void import__debtor_line__exact_record(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(DEBTOR, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    const yc_record *r = &s.recs[0];
    assert_int_equal(r->code, YC_CODE_N11);
    assert_int_equal(r->subject_type, YC_SUBJECT_NATURAL_PERSON);
    assert_string_equal(r->doc_number, P_ID);
    assert_string_equal(r->decision_no, "(2024)浙0782执1234号");
    assert_int_equal(r->decision_date, ymd(2024, 3, 1)); /* publishDate 2024年03月01日 */
    assert_string_equal(r->authority_uscc, C_USCC);
    assert_string_equal(r->legal_basis, "(2023)浙0782民初5678号");
    assert_int_equal(r->pub_min_end, ymd(2026, 3, 1));
    assert_int_equal(r->pub_max_end, ymd(2026, 3, 1));
    assert_string_equal(r->region, "330782");
    sink_free(&s);
}

static void import__debtor_organisation__uscc_subject(void **state)
{
    (void)state;
    char *a = json_with(DEBTOR, "cardNum", "\"" IB_USCC "\"");
    char *b = json_with(a, "sexy", "\"\"");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(b, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.recs[0].subject_type, YC_SUBJECT_INDIVIDUAL_BUSINESS);
    assert_string_equal(s.recs[0].subject_id, IB_USCC);
    free(a);
    free(b);
    sink_free(&s);
}

#define DEBTOR_MISSING_TEST(key)                                       \
    static void import__debtor_missing_##key##__rejected(void **state) \
    {                                                                  \
        (void)state;                                                   \
        expect_json_missing(DEBTOR, #key);                             \
    }
DEBTOR_MISSING_TEST(cardNum)
DEBTOR_MISSING_TEST(caseCode)
DEBTOR_MISSING_TEST(courtName)
DEBTOR_MISSING_TEST(gistId)
DEBTOR_MISSING_TEST(gistUnit)
DEBTOR_MISSING_TEST(regDate)
DEBTOR_MISSING_TEST(publishDate)
DEBTOR_MISSING_TEST(duty)
DEBTOR_MISSING_TEST(performance)
DEBTOR_MISSING_TEST(disruptTypeName)

/* iname decides the kind of the line: empty is a missing field, absent an unknown shape. */
static void import__debtor_empty_iname__rejected(void **state)
{
    (void)state;
    char *line = json_with(DEBTOR, "iname", "\"  \"");
    expect_json_reject(line, "iname", "required field missing");
    free(line);
}

static void import__debtor_without_iname__unknown_shape(void **state)
{
    (void)state;
    char *line = json_without(DEBTOR, "iname");
    expect_json_reject(line, "(row)", "unknown record shape");
    free(line);
}

static void import__debtor_bad_values__rejected(void **state)
{
    (void)state;
    char reason[128];
    snprintf(reason, sizeof reason, "invalid document number: %s", yc_id_fault_str(YC_ID_CHARSET));
    /* the public website masks persons' numbers: such a line cannot be imported */
    char *masked = json_with(DEBTOR, "cardNum", "\"3307821969****009X\"");
    expect_json_reject(masked, "cardNum", reason);
    char *reg = json_with(DEBTOR, "regDate", "\"20240302\"");
    expect_json_reject(reg, "regDate", "regDate after publishDate");
    char *type = json_with(DEBTOR, "type", "7");
    expect_json_reject(type, "type", "unknown type");
    char *num = json_with(DEBTOR, "duty", "12");
    expect_json_reject(num, "duty", "must be a string");
    free(masked);
    free(reg);
    free(type);
    free(num);
}

static void import__commitment_line__exact_record(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(COMMITMENT, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    const yc_record *r = &s.recs[0];
    assert_int_equal(r->code, YC_CODE_N09); /* 全部未履行 */
    assert_string_equal(r->decision_no, "33078220240312000017");
    assert_int_equal(r->decision_date, ymd(2024, 9, 12)); /* fulfillmentStatusDate */
    assert_string_equal(r->legal_basis, "审批替代型");
    assert_string_equal(r->authority_uscc, A_USCC);
    assert_string_equal(r->source_uscc, A_USCC);
    assert_string_equal(r->region, "330782");
    assert_int_equal(r->pub_min_end, ymd(2024, 12, 12));
    assert_int_equal(r->pub_max_end, ymd(2025, 9, 12));
    sink_free(&s);
}

#define COMMIT_MISSING_TEST(key)                                           \
    static void import__commitment_missing_##key##__rejected(void **state) \
    {                                                                      \
        (void)state;                                                       \
        expect_json_missing(COMMITMENT, #key);                             \
    }
COMMIT_MISSING_TEST(code)
COMMIT_MISSING_TEST(subjectName)
COMMIT_MISSING_TEST(subjectCategory)
COMMIT_MISSING_TEST(identify)
COMMIT_MISSING_TEST(commitmentTypeId)
COMMIT_MISSING_TEST(reason)
COMMIT_MISSING_TEST(content)
COMMIT_MISSING_TEST(liabilityBreachCommitment)
COMMIT_MISSING_TEST(commitmentDate)
COMMIT_MISSING_TEST(unperformedCommitmentContent)
COMMIT_MISSING_TEST(liabilityBreachCommitmentContent)
COMMIT_MISSING_TEST(acceptanceUnit)
COMMIT_MISSING_TEST(acceptanceUnitIdentify)
COMMIT_MISSING_TEST(publicationType)

/* fulfillmentStatus decides the kind of the line, so without it the shape is unknown. */
static void import__commitment_missing_fulfillmentStatus__unknown_shape(void **state)
{
    (void)state;
    char *line = json_without(COMMITMENT, "fulfillmentStatus");
    expect_json_reject(line, "(row)", "unknown record shape");
    free(line);
}

static void import__commitment_bad_values__rejected(void **state)
{
    (void)state;
    char *code = json_with(COMMITMENT, "code", "\"3307822024031200001\"");
    expect_json_reject(code, "code", "invalid 承诺编码");
    char *date = json_with(COMMITMENT, "code", "\"33078220240313000017\"");
    expect_json_reject(date, "code", "承诺编码 date differs from commitmentDate");
    char *status = json_with(COMMITMENT, "fulfillmentStatus", "\"履行中\"");
    expect_json_reject(status, "fulfillmentStatus", "unknown 履行状态 '履行中'");
    char *type = json_with(COMMITMENT, "commitmentTypeId", "\"口头型\"");
    expect_json_reject(type, "commitmentTypeId", "unknown 承诺类型 '口头型'");
    char *kept = json_with(COMMITMENT, "fulfillmentStatus", "\"全部履行\"");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(kept, &s, &st), YC_OK);
    assert_int_equal(s.recs[0].code, YC_CODE_P05);
    sink_free(&s);
    free(code);
    free(date);
    free(status);
    free(type);
    free(kept);
}

static void import__generic_line__exact_record(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(GENERIC, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    const yc_record *r = &s.recs[0];
    assert_int_equal(r->code, YC_CODE_N07);
    assert_true(r->has_amount);
    assert_int_equal(r->amount, 12345600);
    assert_string_equal(r->source_name, "国家税务总局义乌市税务局"); /* defaults to authority */
    assert_int_equal(r->pub_min_end, ymd(2024, 12, 10));
    assert_int_equal(r->pub_max_end, ymd(2027, 9, 10));
    sink_free(&s);
}

#define GENERIC_MISSING_TEST(key)                                       \
    static void import__generic_missing_##key##__rejected(void **state) \
    {                                                                   \
        (void)state;                                                    \
        expect_json_missing(GENERIC, #key);                             \
    }
GENERIC_MISSING_TEST(subject_id)
GENERIC_MISSING_TEST(name)
GENERIC_MISSING_TEST(code)
GENERIC_MISSING_TEST(decision_no)
GENERIC_MISSING_TEST(decision_date)
GENERIC_MISSING_TEST(authority_name)
GENERIC_MISSING_TEST(authority_uscc)

static void import__generic_bad_values__rejected(void **state)
{
    (void)state;
    char *num = json_with(GENERIC, "amount", "12.5");
    expect_json_reject(num, "amount", "must be a string");
    char *neg = json_with(GENERIC, "amount", "\"-1\"");
    expect_json_reject(neg, "amount", "negative amount");
    char *code = json_with(GENERIC, "code", "\"N15\"");
    expect_json_reject(code, "code", "unknown code 'N15'");
    char *key = json_with(GENERIC, "score", "\"1\"");
    expect_json_reject(key, "score", "unknown key");
    char *status = json_with(GENERIC, "status", "\"deleted\"");
    expect_json_reject(status, "status", "unknown status 'deleted'");
    char *region = json_with(GENERIC, "region", "\"990000\"");
    expect_json_reject(region, "region", "invalid 行政区划代码");
    char *end = json_with(GENERIC, "pub_max_end", "\"2024-09-09\"");
    expect_json_reject(end, "pub_max_end", "ends before decision date");
    char *type = json_with(GENERIC, "subject_type", "\"\"");
    expect_json_reject(type, "subject_type", "required field missing");
    free(type);
    free(num);
    free(neg);
    free(code);
    free(key);
    free(status);
    free(region);
    free(end);
}

static void import__generic_person__document_rules(void **state)
{
    (void)state;
    const char person[] =
        "{\"subject_type\":\"natural_person\",\"doc_type\":\"passport\",\"doc_number\":\"z48 "
        "21937\","
        "\"doc_country\":\"ind\",\"name\":\"Rahul Mehta\",\"code\":\"P02\",\"decision_no\":\"V1\","
        "\"decision_date\":\"2025-03-05\",\"authority_name\":\"义乌市志愿者联合会\","
        "\"authority_uscc\":\"" A_USCC "\"}";
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(person, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.recs[0].doc_type, YC_DOC_PASSPORT);
    assert_string_equal(s.recs[0].doc_number, "Z4821937");
    assert_string_equal(s.recs[0].doc_country, "IND");
    sink_free(&s);
    char reason[160];
    snprintf(reason, sizeof reason, "invalid document number: %s", yc_id_fault_str(YC_ID_COUNTRY));
    char *nocountry = json_without(person, "doc_country");
    expect_json_reject(nocountry, "doc_country", reason);
    char *with_id = json_with(person, "subject_id", "\"" M_USCC "\"");
    expect_json_reject(with_id, "subject_id", "subject_id not accepted for natural_person");
    char *notype = json_without(person, "doc_type");
    expect_json_reject(notype, "doc_type", "required field missing");
    free(nocountry);
    free(with_id);
    free(notype);
}

static void import__bad_json_lines__rejected_with_line_numbers(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fprintf(f, "%s\n\n{\"iname\":1,\"iname\":2}\n[1,2]\n{\"foo\":\"bar\"}\n{not json\n%s", GENERIC,
            GENERIC);
    fclose(f);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(text, &s, &st), YC_OK);
    assert_int_equal(st.rows, 6);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.rejected, 4);
    assert_int_equal(s.rej[0].row, 3);
    assert_string_equal(s.rej[0].field, "(row)");
    assert_string_equal(s.rej[0].reason, "duplicate key at column 18");
    assert_int_equal(s.rej[1].row, 4);
    assert_string_equal(s.rej[1].reason, "not a JSON object");
    assert_int_equal(s.rej[2].row, 5);
    assert_string_equal(s.rej[2].reason, "unknown record shape");
    assert_int_equal(s.rej[3].row, 6);
    assert_string_equal(s.rej[3].reason, "invalid JSON at column 4");
    free(text);
    sink_free(&s);
}

/* ======================= issue 2 review: regressions ======================= */

/* A 行政处罚 file: header, then one CF_LEGAL row per decision number, where row i may replace
 * the text of one column by raw CSV written verbatim (no quoting added). */
typedef struct raw_cell {
    const char *wsh; /* CF_WSH of the row */
    const char *col; /* column written raw, or NULL */
    const char *raw; /* its raw CSV text */
} raw_cell;

static char *cf_raw_rows(const raw_cell *rows, size_t n, const char *eol)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    for (size_t i = 0; i < CF_N; i++)
        fprintf(f, "%s%s", i > 0 ? "," : "", CF_COLS[i]);
    fputs(eol, f);
    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < CF_N; i++) {
            if (i > 0)
                fputc(',', f);
            if (rows[r].col != NULL && strcmp(CF_COLS[i], rows[r].col) == 0)
                fputs(rows[r].raw, f);
            else
                csv_cell(f, strcmp(CF_COLS[i], "CF_WSH") == 0 ? rows[r].wsh : CF_LEGAL[i]);
        }
        fputs(eol, f);
    }
    fclose(f);
    return buf;
}

/* CF_YJ of CF_LEGAL (column 8). */
#define LEGAL_YJ "《中华人民共和国产品质量法》第四十九条"

static void assert_reject(const sink *s, size_t i, long row, const char *field, const char *reason)
{
    assert_true(i < s->n_rej);
    assert_int_equal(s->rej[i].row, row);
    assert_string_equal(s->rej[i].field, field);
    assert_string_equal(s->rej[i].reason, reason);
}

/* Every delivered record is one of the template rows, unchanged: nothing was merged in. */
static void assert_legal_records(const sink *s, const char *const *wsh, size_t n)
{
    assert_int_equal(s->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(s->recs[i].decision_no, wsh[i]);
        assert_string_equal(s->recs[i].legal_basis, LEGAL_YJ);
        assert_string_equal(s->recs[i].subject_name, "义乌市测试小商品有限公司");
    }
}

/* Review: `"法律"第一条` made libcsv read on into the next line (4 rows → imported 3,
 * rejected 0, half of row 4 inside row 3's legal_basis). */
static void regress__issue_2__csv_text_after_closing_quote__row_rejected_rest_kept(void **state)
{
    (void)state;
    const raw_cell rows[] = {
        {"A", NULL, NULL}, {"B", "CF_YJ", "\"法律\"第一条"}, {"C", NULL, NULL}, {"D", NULL, NULL}};
    char *csv = cf_raw_rows(rows, 4, "\n");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 4);
    assert_int_equal(st.accepted, 3);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(s.n_rej, 1);
    assert_reject(&s, 0, 3, "(row)", "malformed quoted field");
    const char *const want[] = {"A", "C", "D"};
    assert_legal_records(&s, want, 3);
    free(csv);
    sink_free(&s);
}

static void regress__issue_2__csv_quote_inside_unquoted_field__row_rejected(void **state)
{
    (void)state;
    const raw_cell rows[] = {
        {"A", "CF_SY", "销售\"三无\"产品"}, {"B", NULL, NULL}, {"C", "CF_NR_FK", "x"}};
    char *csv = cf_raw_rows(rows, 3, "\n");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(s.n_rej, 2);
    assert_reject(&s, 0, 2, "(row)", "quote inside an unquoted field");
    assert_reject(&s, 1, 4, "CF_NR_FK", "not a decimal amount"); /* row numbers stay exact */
    const char *const want[] = {"B"};
    assert_legal_records(&s, want, 1);
    free(csv);
    sink_free(&s);
}

/* Review: an unclosed quote made the rows after it vanish from the counts.  Parsing resumes
 * on the line after the bad row's first line, so every later line is its own row. */
static void check_unterminated(const char *eol)
{
    const raw_cell rows[] = {{"A", NULL, NULL},
                             {"B", "CF_YJ", "\"《产品质量法》第四十九条"},
                             {"C", NULL, NULL},
                             {"D", "CF_NR_FK", "-1"}};
    char *csv = cf_raw_rows(rows, 4, eol);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 4);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(s.n_rej, 2);
    assert_reject(&s, 0, 3, "(row)", "unterminated quoted field");
    assert_reject(&s, 1, 5, "CF_NR_FK", "negative amount");
    const char *const want[] = {"A", "C"};
    assert_legal_records(&s, want, 2);
    free(csv);
    sink_free(&s);
}

static void regress__issue_2__csv_unterminated_quote__later_rows_counted(void **state)
{
    (void)state;
    check_unterminated("\n");
    check_unterminated("\r\n");
    check_unterminated("\r");
}

/* An unclosed quote in a large file without other quotes runs into the field limit: the row
 * is rejected and the 1,000 rows after it, read again from its second line, are imported
 * (across several 64 KiB feed chunks). */
static void regress__issue_2__csv_unclosed_quote_in_large_file__later_rows_imported(void **state)
{
    (void)state;
    enum { N = 1000 };
    raw_cell *rows = calloc(N + 2, sizeof *rows);
    char(*wsh)[16] = calloc(N + 2, sizeof *wsh);
    assert_non_null(rows);
    assert_non_null(wsh);
    for (size_t i = 0; i < N + 2; i++) {
        snprintf(wsh[i], sizeof wsh[i], "W%zu", i + 2);
        rows[i].wsh = wsh[i];
    }
    rows[1].col = "CF_YJ";
    rows[1].raw = "\"《产品质量法》第四十九条"; /* line 3 */
    rows[N + 1].col = "CF_JDRQ";
    rows[N + 1].raw = "2024-02-30"; /* the last line, N + 3 */
    char *csv = cf_raw_rows(rows, N + 2, "\n");
    assert_true(strlen(csv) > 3 * 65536);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, N + 2);
    assert_int_equal(st.accepted, N);
    assert_int_equal(st.rejected, 2);
    assert_reject(&s, 0, 3, "(row)", "field longer than 65536 bytes");
    assert_reject(&s, 1, N + 3, "CF_JDRQ", "invalid date");
    assert_string_equal(s.recs[0].decision_no, "W2");
    assert_string_equal(s.recs[1].decision_no, "W4");
    assert_string_equal(s.recs[N - 1].decision_no, "W1002");
    assert_string_equal(s.recs[N - 1].legal_basis, LEGAL_YJ);
    free(csv);
    free(wsh);
    free(rows);
    sink_free(&s);
}

/* An unclosed quote that a later row's quoted cell "closes": the error shows on line 4, the
 * bad row is row 3, and row 4 is still read as itself. */
static void regress__issue_2__csv_unclosed_quote_closed_later__next_row_kept(void **state)
{
    (void)state;
    const raw_cell rows[] = {{"A", "CF_YJ", "\"《产品质量法》第四十九条"},
                             {"B", "CF_YJ", "\"" LEGAL_YJ "\""},
                             {"C", NULL, NULL}};
    char *csv = cf_raw_rows(rows, 3, "\n");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.rejected, 1);
    assert_reject(&s, 0, 2, "(row)", "malformed quoted field");
    const char *const want[] = {"B", "C"};
    assert_legal_records(&s, want, 2);
    free(csv);
    sink_free(&s);
}

/* A legitimate multi-line quoted cell ahead of a bad row keeps the row numbers exact, and
 * a bad row that itself spans lines is resumed on its second line. */
static void regress__issue_2__csv_multiline_rows_and_bad_quote__exact_rows(void **state)
{
    (void)state;
    const raw_cell rows[] = {
        {"A", "CF_SY", "\"第一行\n第二行\""},  /* lines 2–3 */
        {"B", "CF_SY", "\"第一行\n第二行\"x"}, /* lines 4–5: bad, resumes on line 5 */
        {"C", NULL, NULL},                     /* line 6 */
    };
    char *csv = cf_raw_rows(rows, 3, "\n");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    /* line 5 (the bad row's continuation "第二行"x,…) is read as a row of its own and
     * rejected too: counted, not merged */
    assert_int_equal(st.rows, 4);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.rejected, 2);
    assert_reject(&s, 0, 4, "(row)", "malformed quoted field");
    assert_reject(&s, 1, 5, "(row)", "quote inside an unquoted field");
    assert_int_equal(s.n, 2);
    assert_string_equal(s.recs[0].decision_no, "A");
    assert_string_equal(s.recs[1].decision_no, "C");
    free(csv);
    sink_free(&s);
}

/* A multi-line bad row whose resumed lines start another multi-line bad row, which runs on
 * past the resumed text into the rest of the input. */
static void regress__issue_2__csv_repeated_quote_errors__every_line_counted(void **state)
{
    (void)state;
    char *csv = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&csv, &len);
    const raw_cell head[] = {{"A", NULL, NULL}};
    char *h = cf_raw_rows(head, 1, "\n");
    fputs(h, f);         /* lines 1–2 */
    fputs("x,\"a\n", f); /* line 3: opens a quote */
    fputs("p\n", f);     /* line 4 */
    fputs("q,\"b\n", f); /* line 5: "closes" line 3's quote, then b: error */
    fputs("r\n", f);     /* line 6 */
    fputs("s\"t\n", f);  /* line 7 */
    fclose(f);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(st.rows, 6);
    assert_int_equal(st.rejected, 5);
    assert_reject(&s, 0, 3, "(row)", "malformed quoted field");
    assert_reject(&s, 1, 4, "(row)", "expected 21 columns, got 1");
    assert_reject(&s, 2, 5, "(row)", "malformed quoted field"); /* "b\nr\ns" then t */
    assert_reject(&s, 3, 6, "(row)", "expected 21 columns, got 1");
    assert_reject(&s, 4, 7, "(row)", "quote inside an unquoted field");
    free(h);
    free(csv);
    sink_free(&s);
}

static void regress__issue_2__csv_malformed_header__file_rejected(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str("\n\"CF_WSH\"x,CF_CFLB\n1,2\n", &s, &st), YC_ERR_INVALID);
    assert_int_equal(s.n_rej, 1);
    assert_reject(&s, 0, 2, "(file)", "header: malformed quoted field");
    sink_free(&s);
}

/* ---- privacy of reject messages ---- */

#define BAD_ID "330782196104131723"

/* No reject reason or field may carry an ID number, a name or a control character. */
static void assert_no_leak(const sink *s)
{
    for (size_t i = 0; i < s->n_rej; i++) {
        const char *texts[] = {s->rej[i].reason, s->rej[i].field};
        for (size_t k = 0; k < 2; k++) {
            assert_null(strstr(texts[k], "330782"));
            assert_null(strstr(texts[k], "张金花"));
            for (const char *c = texts[k]; *c; c++)
                assert_true((unsigned char)*c >= 0x20 && *c != 0x7F);
        }
    }
}

static void expect_cf_reject_private(const char *const *tmpl, const char *col, const char *value,
                                     const char *reason)
{
    const override ov[] = {{col, value}};
    expect_cf_reject(tmpl, ov, 1, col, reason);
    char *csv = cf_csv(tmpl, ov, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_no_leak(&s);
    free(csv);
    sink_free(&s);
}

static void regress__issue_2__csv_rejects__never_echo_personal_data(void **state)
{
    (void)state;
    expect_cf_reject_private(CF_PERSON, "CF_XDR_ZJLX", BAD_ID, "unsupported 证件类型");
    expect_cf_reject_private(CF_LEGAL, "CF_XDR_LB", "张金花 33078219690604009X",
                             "unknown 行政相对人类别");
    expect_cf_reject_private(CF_LEGAL, "CF_XDR_LB", "张金花", "unknown 行政相对人类别");
    /* 处罚类别 of a natural person's row: never echoed */
    expect_cf_reject_private(CF_PERSON, "CF_CFLB", "张金花", "unknown 处罚类别");
    /* of a company: echoed only when short and not number-like */
    expect_cf_reject_private(CF_LEGAL, "CF_CFLB", BAD_ID, "unknown 处罚类别");
    expect_cf_reject_private(CF_LEGAL, "CF_CFLB", "３３０７８２１９", "unknown 处罚类别");
    expect_cf_reject_private(CF_LEGAL, "CF_CFLB", "吊销驾照吊销驾照吊销驾照", "unknown 处罚类别");
    expect_cf_reject_private(CF_LEGAL, "CF_CFLB", "吊销驾照2024",
                             "unknown 处罚类别 '吊销驾照2024'");
    expect_cf_reject_private(CF_LEGAL, "CF_CFLB", "罚款;吊销驾照", "unknown 处罚类别 '吊销驾照'");
}

static void regress__issue_2__json_rejects__never_echo_personal_data(void **state)
{
    (void)state;
    const struct {
        const char *base, *key, *raw, *field, *reason;
    } cases[] = {
        {DEBTOR, "type", "\"" BAD_ID "\"", "type", "unknown type"},
        {COMMITMENT, "subjectCategory", "\"" BAD_ID "\"", "subjectCategory", "unknown 承诺人类别"},
        {GENERIC, "status", "\"张金花" BAD_ID "\"", "status", "unknown status"},
        {GENERIC, "status", "\"deleted\"", "status", "unknown status 'deleted'"},
        {GENERIC, "subject_type", "\"张金花\"", "subject_type", "unknown subject_type"},
        {GENERIC, BAD_ID, "\"x\"", "(key)", "unknown key"},
        {GENERIC, "张金花", "\"x\"", "(key)", "unknown key"},
        {GENERIC, "score", "\"x\"", "score", "unknown key"},
        {GENERIC, "abcdefghijklmnopqrstuvwxyzABCDEFG", "\"x\"", "(key)", "unknown key"}, /* 33 */
        {GENERIC, "abcdefghijklmnopqrstuvwxyz_01234", "\"x\"", "abcdefghijklmnopqrstuvwxyz_01234",
         "unknown key"},                                          /* 32 */
        {GENERIC, "key_012345", "\"x\"", "(key)", "unknown key"}, /* a run of 6 digits */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *line = json_with(cases[i].base, cases[i].key, cases[i].raw);
        expect_json_reject(line, cases[i].field, cases[i].reason);
        free(line);
    }
    /* a natural person's generic record: code and status are not echoed either */
    const char person[] =
        "{\"subject_type\":\"natural_person\",\"doc_type\":\"resident_id\","
        "\"doc_number\":\"" P_ID "\",\"name\":\"张金花\",\"code\":\"N99\","
        "\"decision_no\":\"V1\",\"decision_date\":\"2025-03-05\","
        "\"authority_name\":\"义乌市志愿者联合会\",\"authority_uscc\":\"" A_USCC "\"}";
    expect_json_reject(person, "code", "unknown code");
    /* Jansson's own text quotes the input ("near '\"330782…'"): only the column is kept */
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(
        run_str("{\"cardNum\":\"" BAD_ID "\n{\"" BAD_ID "\":1,\"" BAD_ID "\":2}\n", &s, &st),
        YC_OK);
    assert_int_equal(st.rejected, 2);
    assert_reject(&s, 0, 1, "(row)", "invalid JSON at column 30");
    assert_reject(&s, 1, 2, "(row)", "duplicate key at column 44");
    assert_no_leak(&s);
    sink_free(&s);
}

/* ---- control characters ---- */

static void regress__issue_2__control_characters__rejected_outside_free_text(void **state)
{
    (void)state;
    static const char *const ctl[] = {"\x1b[31m", "\a", "\x7f", "\xc2\x9b", "\x01", "\t", "\n"};
    static const char *const cols[] = {"CF_WSH", "CF_XDR_MC", "CF_CFJG", "CF_CFLB", "CF_JDRQ"};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        for (size_t k = 0; k < sizeof ctl / sizeof *ctl; k++) {
            char v[64];
            snprintf(v, sizeof v, "%s%s%s", c == 4 ? "2024" : "义乌", ctl[k],
                     c == 4 ? "-03-15" : "市");
            const override ov[] = {{cols[c], v}};
            expect_cf_reject(CF_LEGAL, ov, 1, cols[c], "contains a control character");
        }
    /* 处罚依据 and 违法事实 are free text: TAB, CR and LF kept, other controls rejected */
    const override ok[] = {{"CF_YJ", "第一条\n第二款\t第三项"}, {"CF_SY", "a\r\nb"}};
    char *csv = cf_csv(CF_LEGAL, ok, 2);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.recs[0].legal_basis, "第一条\n第二款\t第三项");
    free(csv);
    sink_free(&s);
    const override esc[] = {{"CF_YJ", "第一条\x1b[2J"}};
    expect_cf_reject(CF_LEGAL, esc, 1, "CF_YJ", "contains a control character");
    /* JSON: escapes decode to control characters too */
    char *j1 = json_with(GENERIC, "decision_no", "\"A\\u001b[31mB\"");
    expect_json_reject(j1, "decision_no", "contains a control character");
    char *j2 = json_with(GENERIC, "name", "\"义乌\\u0007\"");
    expect_json_reject(j2, "name", "contains a control character");
    char *j3 = json_with(DEBTOR, "caseCode", "\"(2024)\\n浙0782执1234号\"");
    expect_json_reject(j3, "caseCode", "contains a control character");
    char *j4 = json_with(GENERIC, "legal_basis", "\"第一条\\n第二款\"");
    assert_int_equal(run_str(j4, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.recs[0].legal_basis, "第一条\n第二款");
    free(j1);
    free(j2);
    free(j3);
    free(j4);
    sink_free(&s);
}

/* ---- encodings ---- */

/* First occurrence of pat in buf[0..n), which must exist (memmem is a GNU extension). */
static char *find_bytes(char *buf, size_t n, const char *pat)
{
    size_t k = strlen(pat);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(buf + i, pat, k) == 0)
            return buf + i;
    fail_msg("'%s' not found", pat);
    abort(); /* not reached: fail_msg() longjmps */
}

/* Header + n CF_LEGAL rows with CF_WSH R2, R3, …; row `bad` (its line number) gets `bad_mc`
 * as raw CF_XDR_MC bytes. */
static char *utf8_rows_with(size_t n, long bad, const char *bad_mc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csv_line(f, CF_COLS, CF_COLS, CF_N, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        char wsh[16];
        snprintf(wsh, sizeof wsh, "R%zu", i + 2);
        const override ov[] = {{"CF_WSH", wsh},
                               {"CF_XDR_MC", (long)i + 2 == bad ? bad_mc : CF_LEGAL[0]}};
        csv_line(f, CF_COLS, CF_LEGAL, CF_N, ov, 2);
    }
    fclose(f);
    return buf;
}

static void assert_rows_but(const sink *s, size_t n, long bad)
{
    assert_int_equal(s->n, n - 1);
    for (size_t i = 0, k = 0; i < n; i++) {
        if ((long)i + 2 == bad)
            continue;
        char wsh[16];
        snprintf(wsh, sizeof wsh, "R%zu", i + 2);
        assert_string_equal(s->recs[k].decision_no, wsh);
        assert_string_equal(s->recs[k].subject_name, "义乌市测试小商品有限公司");
        k++;
    }
}

/* Review: one \xff\xff on line 10 turned a UTF-8 file into "GB18030" and failed it whole,
 * naming line 2. */
static void regress__issue_2__utf8_with_bad_bytes__only_that_row_rejected(void **state)
{
    (void)state;
    char *csv = utf8_rows_with(12, 10, "义乌\xff\xff有限公司");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 12);
    assert_int_equal(st.accepted, 11);
    assert_int_equal(st.rejected, 1);
    assert_reject(&s, 0, 10, "CF_XDR_MC", "invalid UTF-8");
    assert_rows_but(&s, 12, 10);
    free(csv);
    sink_free(&s);
}

/* Review: a mostly UTF-8 file with one GBK row imported with every UTF-8 name garbled. */
static void regress__issue_2__utf8_file_with_gbk_row__utf8_kept_row_rejected(void **state)
{
    (void)state;
    size_t gb_len;
    char *gb = to_gb18030("义乌市测试小商品有限公司", &gb_len);
    char mc[128];
    assert_true(gb_len < sizeof mc);
    memcpy(mc, gb, gb_len);
    mc[gb_len] = '\0';
    char *csv = utf8_rows_with(6, 4, mc);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 6);
    assert_int_equal(st.rejected, 1);
    assert_reject(&s, 0, 4, "CF_XDR_MC", "invalid UTF-8");
    assert_rows_but(&s, 6, 4);
    free(gb);
    free(csv);
    sink_free(&s);
}

/* An invalid GB18030 sequence rejects its row (real line number), not the file; also a
 * truncated sequence at the very end of the input. */
static void regress__issue_2__gb18030_bad_sequence__row_rejected(void **state)
{
    (void)state;
    char *csv = utf8_rows_with(3, 3, "义乌@@市");
    size_t gb_len;
    char *gb = to_gb18030(csv, &gb_len);
    char *at = find_bytes(gb, gb_len, "@@");
    memcpy(at, "\x81\x20", 2); /* lead byte + invalid trail */
    /* a fourth row whose last cell (BZ) ends in a lone lead byte, no line end */
    char *all = malloc(gb_len + 512);
    assert_non_null(all);
    memcpy(all, gb, gb_len);
    size_t n = gb_len;
    char *row5 = utf8_rows_with(1, 0, "");
    char *r5 = strchr(row5, '\n') + 1; /* drop its header */
    size_t r5_gb;
    char *r5g = to_gb18030(r5, &r5_gb);
    r5g[r5_gb - 1] = '\x81'; /* replaces the final '\n' */
    memcpy(all + n, r5g, r5_gb);
    n += r5_gb;
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run(all, n, &s, &st), YC_OK);
    assert_int_equal(st.rows, 4);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.rejected, 2);
    assert_reject(&s, 0, 3, "CF_XDR_MC", "invalid GB18030 byte sequence");
    assert_reject(&s, 1, 5, "BZ", "invalid GB18030 byte sequence");
    assert_string_equal(s.recs[0].decision_no, "R2");
    assert_string_equal(s.recs[0].subject_name, "义乌市测试小商品有限公司");
    assert_string_equal(s.recs[1].decision_no, "R4");
    sink_free(&s);
    /* JSON Lines: the line is rejected as a whole */
    char text[4096];
    snprintf(text, sizeof text, "%s\n%s\n", GENERIC, GENERIC);
    char *jg = to_gb18030(text, &gb_len);
    char *name = find_bytes(jg, gb_len, "\"name\":\"");
    name[8] = '\x81';
    name[9] = '\x7f'; /* not a GB18030 trail byte */
    assert_int_equal(run(jg, gb_len, &s, &st), YC_OK);
    assert_int_equal(st.rows, 2);
    assert_int_equal(st.accepted, 1);
    assert_reject(&s, 0, 1, "(row)", "invalid GB18030 byte sequence");
    free(jg);
    free(r5g);
    free(row5);
    free(all);
    free(gb);
    free(csv);
    sink_free(&s);
}

/* ---- publication window ---- */

/* Review: CF_GSJZQ 2099-12-31 made an N03 permanent. */
static void regress__issue_2__explicit_end__capped_at_model_max(void **state)
{
    (void)state;
    sink s = {0};
    yc_import_stats st;
    /* a 20 万元 fine on a company is N03 (3, 12 months); decided 2024-03-15 */
    const override late[] = {{"CF_NR_FK", "20"}, {"CF_GSJZQ", "2099-12-31"}},
                   mid[] = {{"CF_NR_FK", "20"}, {"CF_GSJZQ", "2024-12-01"}};
    char *a = cf_csv(CF_LEGAL, late, 2), *b = cf_csv(CF_LEGAL, mid, 2);
    assert_int_equal(run_str(a, &s, &st), YC_OK);
    assert_int_equal(run_str(b, &s, &st), YC_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.recs[0].code, YC_CODE_N03);
    assert_int_equal(s.recs[0].pub_max_end, ymd(2025, 3, 15)); /* capped: + 12 months */
    assert_int_equal(s.recs[0].pub_min_end, ymd(2024, 6, 15));
    assert_int_equal(s.recs[1].pub_max_end, ymd(2024, 12, 1)); /* earlier: wins */
    sink_free(&s);
    /* JSON pub_max_end of an N07 (3, 36) decided 2024-09-10 */
    char *g = json_with(GENERIC, "pub_max_end", "\"2099-12-31\"");
    assert_int_equal(run_str(g, &s, &st), YC_OK);
    assert_int_equal(s.recs[0].pub_max_end, ymd(2027, 9, 10));
    sink_free(&s);
    /* N06 (0, 0 = 长期): the explicit end is taken as it is */
    char *n06a = json_with(GENERIC, "code", "\"N06\"");
    char *n06 = json_with(n06a, "pub_max_end", "\"2030-01-31\"");
    assert_int_equal(run_str(n06, &s, &st), YC_OK);
    assert_int_equal(s.recs[0].pub_max_end, ymd(2030, 1, 31));
    sink_free(&s);
    /* 行政许可 (B02, 0 = licence-defined): 有效期至 2099/12/31 stays 长期 */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const override lic[] = {{"XK_YXQZI", "2099/12/31"}};
    csv_line(f, XK_COLS, XK_COLS, XK_N, NULL, 0);
    csv_line(f, XK_COLS, XK_ROW, XK_N, lic, 1);
    fclose(f);
    assert_int_equal(run_str(buf, &s, &st), YC_OK);
    assert_int_equal(s.recs[0].pub_max_end, YC_DATE_LONG_TERM);
    free(buf);
    free(n06a);
    free(n06);
    free(g);
    free(a);
    free(b);
    sink_free(&s);
}

/* ---- amounts ---- */

static void regress__issue_2__amount_faults__distinct_reasons(void **state)
{
    (void)state;
    const struct {
        const char *v, *reason;
    } bad[] = {
        {"1.1234567", "more than 6 decimal places"},
        {"1000000000.000001", "exceeds 1000000000 万元"},
        {"1000000001", "exceeds 1000000000 万元"},
        {"99999999999999999999999", "exceeds 1000000000 万元"},
        {"1.", "not a decimal amount"},
        {".5", "not a decimal amount"},
        {"1e3", "not a decimal amount"},
        {"1,000", "not a decimal amount"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const override ov[] = {{"CF_NR_FK", bad[i].v}};
        expect_cf_reject(CF_LEGAL, ov, 1, "CF_NR_FK", bad[i].reason);
    }
    char *j = json_with(GENERIC, "amount", "\"12.3456789\"");
    expect_json_reject(j, "amount", "more than 6 decimal places");
    free(j);
    /* the limits themselves are accepted */
    const override max[] = {{"CF_NR_FK", "1000000000.000000"}};
    char *csv = cf_csv(CF_LEGAL, max, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.recs[0].amount, YC_AMOUNT_MAX);
    free(csv);
    sink_free(&s);
}

/* ---- dates ---- */

/* YYYY年MM月DD日 is the 失信被执行人 feed's form only (docs/formats.md §1). */
static void regress__issue_2__cjk_date__only_in_debtor_feed(void **state)
{
    (void)state;
    const override ov[] = {{"CF_JDRQ", "2024年03月15日"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_JDRQ", "invalid date");
    char *g = json_with(GENERIC, "decision_date", "\"2024年09月10日\"");
    expect_json_reject(g, "decision_date", "invalid date");
    char *c = json_with(COMMITMENT, "commitmentDate", "\"2024年03月12日\"");
    expect_json_reject(c, "commitmentDate", "invalid date");
    char *d = json_with(DEBTOR, "regDate", "\"2024年01月05日\"");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(d, &s, &st), YC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.recs[0].decision_date, ymd(2024, 3, 1));
    free(d);
    free(c);
    free(g);
    sink_free(&s);
}

/* ======================= rule table ======================= */

static yc_code classify(const char *cats, const char *wfxw, yc_subject_type t, const char *fine)
{
    yc_penalty_facts f = {.categories = cats,
                          .categories_len = strlen(cats),
                          .violation_type = wfxw,
                          .violation_type_len = strlen(wfxw),
                          .content = "",
                          .content_len = 0,
                          .subject_type = t};
    if (fine != NULL) {
        f.has_fine = true;
        assert_int_equal(yc_amount_parse(fine, strlen(fine), &f.fine), YC_OK);
    }
    yc_code c = YC_CODE_COUNT;
    const char *bad;
    size_t bad_len;
    assert_int_equal(yc_rules_classify(g_rules, &f, &c, &bad, &bad_len), YC_OK);
    return c;
}

static void rules_classify__fine_thresholds__exact_boundaries(void **state)
{
    (void)state;
    const yc_subject_type LP = YC_SUBJECT_LEGAL_PERSON, NP = YC_SUBJECT_NATURAL_PERSON;
    assert_int_equal(classify("罚款", "", LP, "4.999999"), YC_CODE_N02);
    assert_int_equal(classify("罚款", "", LP, "5"), YC_CODE_N03);
    assert_int_equal(classify("罚款", "", LP, "99.999999"), YC_CODE_N03);
    assert_int_equal(classify("罚款", "", LP, "100"), YC_CODE_N04);
    assert_int_equal(classify("罚款", "", NP, "0.499999"), YC_CODE_N02);
    assert_int_equal(classify("罚款", "", NP, "0.5"), YC_CODE_N03);
    assert_int_equal(classify("罚款", "", LP, NULL), YC_CODE_N03); /* no amount */
    assert_int_equal(classify("罚款", "特种设备", LP, "0.1"), YC_CODE_N05);
    assert_int_equal(classify("警告", "消防", NP, NULL), YC_CODE_N01);
    assert_int_equal(classify("通报批评", "", LP, NULL), YC_CODE_N02);
}

static void rules_classify__separators_and_aliases__most_severe(void **state)
{
    (void)state;
    const yc_subject_type LP = YC_SUBJECT_LEGAL_PERSON;
    assert_int_equal(classify("罚款;没收违法所得", "", LP, "1"), YC_CODE_N03);
    assert_int_equal(classify("没收违法所得、没收非法财物", "", LP, NULL), YC_CODE_N03);
    assert_int_equal(classify("警告，责令停产停业", "", LP, NULL), YC_CODE_N04);
    assert_int_equal(classify(" 警告 | 通报批评 ", "", LP, NULL), YC_CODE_N02);
    assert_int_equal(classify("吊销营业执照", "安全生产", LP, NULL), YC_CODE_N04);
    assert_int_equal(classify("0", "", LP, NULL), YC_CODE_N01); /* legacy digit code */
    assert_int_equal(classify("1;2", "", LP, "10"), YC_CODE_N03);
}

static void rules_classify__unknown_or_empty__invalid(void **state)
{
    (void)state;
    yc_penalty_facts f = {.categories = "罚款、扣分",
                          .categories_len = strlen("罚款、扣分"),
                          .violation_type = "",
                          .content = ""};
    yc_code c;
    const char *bad = NULL;
    size_t bad_len = 99;
    assert_int_equal(yc_rules_classify(g_rules, &f, &c, &bad, &bad_len), YC_ERR_INVALID);
    assert_int_equal(bad_len, strlen("扣分"));
    assert_memory_equal(bad, "扣分", bad_len);
    f.categories = " ; ；";
    f.categories_len = strlen(f.categories);
    assert_int_equal(yc_rules_classify(g_rules, &f, &c, &bad, &bad_len), YC_ERR_INVALID);
    assert_int_equal(bad_len, 0);
}

static void rules_classify__no_rule_for_category__not_found(void **state)
{
    (void)state;
    const char json[] = "{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"N01\",\"N03\"],"
                        "\"categories\":{\"警告\":[],\"罚款\":[]},"
                        "\"rules\":[{\"categories\":[\"警告\"],\"code\":\"N01\"}]}";
    yc_rules *r = NULL;
    char msg[200];
    assert_int_equal(yc_rules_parse(json, strlen(json), &r, msg, sizeof msg), YC_OK);
    yc_penalty_facts f = {.categories = "罚款",
                          .categories_len = strlen("罚款"),
                          .violation_type = "",
                          .content = ""};
    yc_code c;
    const char *bad;
    size_t bad_len;
    assert_int_equal(yc_rules_classify(r, &f, &c, &bad, &bad_len), YC_ERR_NOT_FOUND);
    assert_memory_equal(bad, "罚款", bad_len);
    yc_rules_free(r);
}

static void rules_parse__bad_tables__invalid_with_message(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *msg;
    } cases[] = {
        {"[]", "(root): must be an object"},
        {"{\"schema\":\"x\"}", "schema: must be \"yrdcredit-penalty-rules/1\""},
        {"{\"schema\":\"yrdcredit-penalty-rules/1\",\"extra\":1}", "extra: unknown key"},
        {"{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"N99\"]}",
         "severity[0]: unknown taxonomy code"},
        {"{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"P01\"]}",
         "severity[0]: must be N01–N05"},
        {"{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"N01\"],"
         "\"categories\":{\"a\":[\"x\"],\"b\":[\"x\"]},\"rules\":[]}",
         "categories.b[0]: 'x' already names another category"},
        {"{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"N01\"],"
         "\"categories\":{\"a\":[]},\"rules\":[{\"code\":\"N02\"}]}",
         "rules[0].code: N02 is not in severity"},
        {"{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"N01\"],"
         "\"categories\":{\"a\":[]},\"rules\":[{\"code\":\"N01\",\"fine_below\":\"1e3\"}]}",
         "rules[0].fine_below: must be a decimal string in 万元"},
        {"{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"N01\"],"
         "\"categories\":{\"a\":[]},\"rules\":[{\"code\":\"N01\",\"categories\":[\"b\"]}]}",
         "rules[0].categories[0]: unknown category"},
        {"{\"schema\":\"yrdcredit-penalty-rules/1\",\"severity\":[\"N01\"],"
         "\"categories\":{\"a\":[]},\"rules\":[{\"code\":\"N01\",\"when\":1}]}",
         "rules[0].when: unknown key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        yc_rules *r = NULL;
        char msg[200] = "";
        assert_int_equal(yc_rules_parse(cases[i].json, strlen(cases[i].json), &r, msg, sizeof msg),
                         YC_ERR_INVALID);
        assert_null(r);
        assert_string_equal(msg, cases[i].msg);
    }
    const char dup[] = "{\"schema\":\"a\",\"schema\":\"b\"}";
    yc_rules *r = NULL;
    assert_int_equal(yc_rules_parse(dup, strlen(dup), &r, NULL, 0), YC_ERR_INVALID);
}

static void rules_load__missing_file__io(void **state)
{
    (void)state;
    yc_rules *r = NULL;
    char msg[200];
    assert_int_equal(yc_rules_load("/nonexistent/rules.json", &r, msg, sizeof msg), YC_ERR_IO);
    assert_string_equal(msg, "cannot open /nonexistent/rules.json");
}

/* ======================= out of memory (STYLE.md §4.6) ======================= */

/* Per-test teardown: the fail hook is process-wide, so it is reset even when an assertion
 * of the test longjmps out with the hook still set. */
static int reset_alloc_hook(void **state)
{
    (void)state;
    yc_alloc_fail_after(-1);
    return 0;
}

/* A sink that also notes every batch that is not full. */
typedef struct oom_sink {
    sink s; /* first member: on_reject() receives an oom_sink * as a sink * */
    size_t batch_size;
    size_t short_batches;
} oom_sink;

static yc_err oom_on_batch(void *ctx, yc_record *recs, size_t n)
{
    oom_sink *o = ctx;
    if (n != o->batch_size)
        o->short_batches++;
    return on_batch(&o->s, recs, n);
}

/* Imports samples/<file> once without the hook (counting its allocations), then with the
 * N-th allocation failing for N = 0, 1, ... until the import succeeds.  Every failing run
 * must return YC_ERR_NOMEM, reject no row, and have delivered only full batches that are a
 * prefix of the unhooked result; the first successful N is exactly the allocation count,
 * and its records equal the unhooked ones.  ASan's leak check covers every run.
 * Returns the most records any failing run delivered. */
static size_t import_fail_every_alloc(const char *file, size_t batch_size, size_t expect_rows)
{
    char path[4096];
    path_of(path, sizeof path, "YC_SOURCE_ROOT", file);
    size_t len;
    char *data = read_file(path, &len);
    oom_sink base = {.batch_size = batch_size};
    yc_import_opts o = opts_for(&base.s);
    o.on_batch = oom_on_batch;
    o.batch_size = batch_size;
    o.ctx = &base;
    yc_import_stats st;
    const long before = yc_alloc_count();
    assert_int_equal(yc_import_buffer(file, (const uint8_t *)data, len, &o, &st), YC_OK);
    const long allocs = yc_alloc_count() - before;
    assert_true(allocs > 0);
    assert_int_equal(st.rejected, 0);
    assert_int_equal(st.accepted, expect_rows);
    assert_int_equal(base.s.n, expect_rows);
    assert_int_equal(base.short_batches, expect_rows % batch_size != 0 ? 1 : 0);
    char *want = dump_all(&base.s);
    size_t most_delivered = 0;
    for (long n = 0;; n++) {
        assert_true(n <= allocs);
        oom_sink got = {.batch_size = batch_size};
        o.ctx = &got;
        yc_alloc_fail_after(n);
        const yc_err rv = yc_import_buffer(file, (const uint8_t *)data, len, &o, &st);
        yc_alloc_fail_after(-1);
        char *have = dump_all(&got.s);
        assert_int_equal(st.rejected, 0);
        assert_int_equal(st.accepted, got.s.n);
        if (rv == YC_OK) {
            assert_int_equal(n, allocs);
            assert_int_equal(got.s.n, expect_rows);
            assert_string_equal(have, want);
            free(have);
            sink_free(&got.s);
            break;
        }
        if (rv != YC_ERR_NOMEM)
            print_error("%s: fail after %ld allocations: %s\n", file, n, yc_err_str(rv));
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_int_equal(got.short_batches, 0);
        assert_int_equal(got.s.n, got.s.batches * batch_size);
        assert_true(strncmp(have, want, strlen(have)) == 0);
        if (got.s.n > most_delivered)
            most_delivered = got.s.n;
        free(have);
        sink_free(&got.s);
    }
    free(want);
    sink_free(&base.s);
    free(data);
    return most_delivered;
}

static void import_buffer__fail_nth_alloc__nomem_no_leak(void **state)
{
    (void)state;
    /* CSV: most allocations (state, buffers, batch) come before the first row; a few
     * come later, when a longer field or row grows libcsv's or the row's buffer. */
    (void)import_fail_every_alloc("samples/yiwu-xzcf-2024.csv", 16, 220);
    /* JSON Lines: Jansson allocates for every line, so some failure hits after the last
     * full batch (4 x 5 records) was delivered; those stay delivered, the partial batch
     * never is. */
    assert_true(import_fail_every_alloc("samples/yiwu-sxbzxr.jsonl", 5, 24) >= 20);
    /* GB18030 through iconv (iconv_open()'s own allocation is outside the hook). */
    (void)import_fail_every_alloc("samples/yiwu-xzcf-2025-gb18030.csv", 16, 60);
}

static void rules_parse__fail_nth_alloc__nomem_no_leak(void **state)
{
    (void)state;
    char path[4096];
    path_of(path, sizeof path, "YC_SOURCE_ROOT", "etc/rules/penalty-categories.json");
    size_t len;
    char *json = read_file(path, &len);
    yc_rules *base = NULL;
    char msg[256] = "";
    const long before = yc_alloc_count();
    assert_int_equal(yc_rules_parse(json, len, &base, msg, sizeof msg), YC_OK);
    const long allocs = yc_alloc_count() - before;
    assert_true(allocs > 0);
    static const struct {
        const char *cats;
        const char *fine;
    } facts[] = {{"警告", NULL},         {"罚款", "0.3"},        {"罚款", "50"},
                 {"没收违法所得", NULL}, {"责令停产停业", NULL}, {"吊销营业执照", NULL}};
    for (long n = 0;; n++) {
        assert_true(n <= allocs);
        yc_rules *r = NULL;
        snprintf(msg, sizeof msg, "unset");
        yc_alloc_fail_after(n);
        const yc_err rv = yc_rules_parse(json, len, &r, msg, sizeof msg);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_int_equal(n, allocs);
            /* the table classifies as the unhooked one does */
            for (size_t i = 0; i < sizeof facts / sizeof *facts; i++) {
                yc_penalty_facts f = {.categories = facts[i].cats,
                                      .categories_len = strlen(facts[i].cats),
                                      .violation_type = "",
                                      .content = "",
                                      .subject_type = YC_SUBJECT_LEGAL_PERSON};
                if (facts[i].fine != NULL) {
                    f.has_fine = true;
                    assert_int_equal(yc_amount_parse(facts[i].fine, strlen(facts[i].fine), &f.fine),
                                     YC_OK);
                }
                yc_code want = YC_CODE_COUNT, got = YC_CODE_COUNT;
                const char *bad;
                size_t bad_len;
                assert_int_equal(yc_rules_classify(base, &f, &want, &bad, &bad_len), YC_OK);
                assert_int_equal(yc_rules_classify(r, &f, &got, &bad, &bad_len), YC_OK);
                assert_int_equal(got, want);
            }
            yc_rules_free(r);
            break;
        }
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_null(r);
        assert_string_equal(msg, "out of memory");
    }
    yc_rules_free(base);
    free(json);
}

static void rules_load__first_alloc_fails__nomem_message(void **state)
{
    (void)state;
    char path[4096];
    path_of(path, sizeof path, "YC_SOURCE_ROOT", "etc/rules/penalty-categories.json");
    yc_rules *r = NULL;
    char msg[256] = "";
    yc_alloc_fail_after(0);
    const yc_err rv = yc_rules_load(path, &r, msg, sizeof msg);
    yc_alloc_fail_after(-1);
    assert_int_equal(rv, YC_ERR_NOMEM);
    assert_null(r);
    assert_string_equal(msg, "out of memory");
}

/* ---- line-end conventions (review: a lone CR split rows of LF files) ---- */

/* Rows A (lone CR inside quoted CF_SY and CF_YJ), B (bad amount), C, joined by eol: A is
 * imported with the CR kept, B is rejected at line 3, C is imported. */
static void check_lone_cr_in_quotes(const char *eol)
{
    const raw_cell rows[] = {
        {"A", "CF_YJ", "\"第一条\r第二款\""}, {"B", "CF_NR_FK", "x"}, {"C", "CF_SY", "\"事\r实\""}};
    char *csv = cf_raw_rows(rows, 3, eol);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(s.n_rej, 1);
    assert_reject(&s, 0, 3, "CF_NR_FK", "not a decimal amount");
    assert_int_equal(s.n, 2);
    const yc_record *r = &s.recs[0];
    assert_string_equal(r->decision_no, "A");
    assert_string_equal(r->legal_basis, "第一条\r第二款");
    assert_string_equal(r->subject_name, "义乌市测试小商品有限公司");
    assert_string_equal(r->subject_id, M_USCC);
    assert_int_equal(r->subject_type, YC_SUBJECT_LEGAL_PERSON);
    assert_int_equal(r->code, YC_CODE_N02);
    assert_int_equal(r->amount, 2 * YC_AMOUNT_SCALE);
    assert_int_equal(r->decision_date, ymd(2024, 3, 15));
    assert_int_equal(r->pub_max_end, ymd(2024, 6, 15));
    assert_string_equal(r->authority_uscc, A_USCC);
    assert_string_equal(r->region, "330782");
    assert_string_equal(s.recs[1].decision_no, "C");
    assert_string_equal(s.recs[1].legal_basis, LEGAL_YJ);
    free(csv);
    sink_free(&s);
}

static void regress__issue_2__lone_cr_in_quoted_field_lf_file__imported(void **state)
{
    (void)state;
    check_lone_cr_in_quotes("\n");
}

static void regress__issue_2__lone_cr_in_quoted_field_crlf_file__imported(void **state)
{
    (void)state;
    check_lone_cr_in_quotes("\r\n");
}

/* An old Mac file (lone CR line ends): a quoted CR is a line break inside the field, so the
 * bad row B starts on line 4. */
static void regress__issue_2__cr_only_file__imported_row_numbers_exact(void **state)
{
    (void)state;
    const raw_cell rows[] = {
        {"A", "CF_YJ", "\"第一条\r第二款\""}, {"B", "CF_NR_FK", "x"}, {"C", NULL, NULL}};
    char *csv = cf_raw_rows(rows, 3, "\r");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(s.n_rej, 1);
    assert_reject(&s, 0, 4, "CF_NR_FK", "not a decimal amount");
    assert_int_equal(s.n, 2);
    assert_string_equal(s.recs[0].decision_no, "A");
    assert_string_equal(s.recs[0].legal_basis, "第一条\r第二款");
    assert_string_equal(s.recs[1].decision_no, "C");
    free(csv);
    sink_free(&s);
}

/* Outside free text a lone CR of an LF file is content, rejected as a control character
 * (quoted or not), on the row's own line; the following rows keep their numbers. */
static void regress__issue_2__lone_cr_outside_free_text_lf_file__control_character(void **state)
{
    (void)state;
    const raw_cell rows[] = {{"A", "CF_XDR_MC", "义乌\r市"},
                             {"B", "CF_CFJG", "\"义乌市\r市场监督管理局\""},
                             {"C", "CF_NR_FK", "x"},
                             {"D", NULL, NULL}};
    char *csv = cf_raw_rows(rows, 4, "\n");
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 4);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.rejected, 3);
    assert_reject(&s, 0, 2, "CF_XDR_MC", "contains a control character");
    assert_reject(&s, 1, 3, "CF_CFJG", "contains a control character");
    assert_reject(&s, 2, 4, "CF_NR_FK", "not a decimal amount");
    const char *const want[] = {"D"};
    assert_legal_records(&s, want, 1);
    free(csv);
    sink_free(&s);
}

/* The first line end falls on the last byte of the first 64 KiB feed chunk: the convention
 * is decided by the next chunk's first byte. */
static void check_cr_at_chunk_end(const char *eol, long bad_row)
{
    enum { CHUNK = 64 * 1024 };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    size_t head = 0;
    for (size_t i = 0; i < CF_N; i++)
        head += strlen(CF_COLS[i]) + (i > 0);
    fputs(CF_COLS[0], f); /* padded with spaces, which the header trims */
    for (size_t i = head; i < CHUNK - 1; i++)
        fputc(' ', f);
    for (size_t i = 1; i < CF_N; i++)
        fprintf(f, ",%s", CF_COLS[i]);
    fclose(f);
    assert_int_equal(len, CHUNK - 1);
    const raw_cell rows[] = {
        {"A", "CF_YJ", "\"第一条\r第二款\""}, {"B", "CF_NR_FK", "x"}, {"C", NULL, NULL}};
    char *body = cf_raw_rows(rows, 3, eol);
    const char *data = strstr(body, eol) + strlen(eol); /* drop its own header */
    size_t n = len + strlen(eol) + strlen(data);
    char *csv = malloc(n + 1);
    assert_non_null(csv);
    snprintf(csv, n + 1, "%s%s%s", buf, eol, data);
    assert_int_equal(csv[CHUNK - 1], '\r');
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(s.n_rej, 1);
    assert_reject(&s, 0, bad_row, "CF_NR_FK", "not a decimal amount");
    assert_string_equal(s.recs[0].legal_basis, "第一条\r第二款");
    free(csv);
    free(body);
    free(buf);
    sink_free(&s);
}

static void regress__issue_2__first_line_end_at_chunk_end__convention_kept(void **state)
{
    (void)state;
    check_cr_at_chunk_end("\r\n", 3);
    check_cr_at_chunk_end("\r", 4);
}

/* ---- invisible and direction control characters (review: 甲\u202e司公 was stored) ---- */

#define U_RLO     "\xe2\x80\xae" /* U+202E RIGHT-TO-LEFT OVERRIDE */
#define U_ZWSP    "\xe2\x80\x8b" /* U+200B ZERO WIDTH SPACE */
#define U_BOM     "\xef\xbb\xbf" /* U+FEFF */
#define INVISIBLE "contains an invisible or direction control character"

static void regress__issue_2__bidi_override_in_name__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_XDR_MC", "甲" U_RLO "司公"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_XDR_MC", INVISIBLE);
    const override per[] = {{"CF_XDR_MC", "王" U_RLO "国建"}};
    expect_cf_reject(CF_PERSON, per, 1, "CF_XDR_MC", INVISIBLE);
    /* JSON Lines: raw UTF-8 and \u escapes alike, in all three shapes */
    char *j1 = json_with(GENERIC, "name", "\"甲" U_RLO "司公\"");
    expect_json_reject(j1, "name", INVISIBLE);
    char *j2 = json_with(GENERIC, "name", "\"甲\\u202e司公\"");
    expect_json_reject(j2, "name", INVISIBLE);
    char *j3 = json_with(DEBTOR, "iname", "\"王\\u202E国建\"");
    expect_json_reject(j3, "iname", INVISIBLE);
    char *j4 = json_with(COMMITMENT, "subjectName", "\"甲\\u2067司公\"");
    expect_json_reject(j4, "subjectName", INVISIBLE);
    free(j1);
    free(j2);
    free(j3);
    free(j4);
    /* the value is never echoed */
    char *csv = cf_csv(CF_PERSON, per, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 1);
    assert_null(strstr(s.rej[0].reason, "王"));
    assert_no_leak(&s);
    free(csv);
    sink_free(&s);
}

static void regress__issue_2__zero_width_space_in_decision_no__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_WSH", "义市监罚字〔2024〕" U_ZWSP "9001号"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_WSH", INVISIBLE);
    char *j = json_with(GENERIC, "decision_no", "\"义税欠〔2024〕\\u200b0412\"");
    expect_json_reject(j, "decision_no", INVISIBLE);
    free(j);
}

/* U+FEFF is only skipped as the file's leading BOM; inside a field it is rejected. */
static void regress__issue_2__feff_mid_field__rejected(void **state)
{
    (void)state;
    const override ov[] = {{"CF_XDR_SHXYM", "91330782" U_BOM "MA26FY5M25"}};
    expect_cf_reject(CF_LEGAL, ov, 1, "CF_XDR_SHXYM", INVISIBLE);
    const override mc[] = {{"CF_XDR_MC", U_BOM "义乌市测试小商品有限公司"}};
    expect_cf_reject(CF_LEGAL, mc, 1, "CF_XDR_MC", INVISIBLE);
    char *j = json_with(GENERIC, "authority_uscc", "\"\\ufeff" A_USCC "\"");
    expect_json_reject(j, "authority_uscc", INVISIBLE);
    free(j);
    /* the file's leading BOM is still skipped */
    char *csv = cf_csv(CF_LEGAL, NULL, 0);
    size_t n = strlen(csv);
    char *bom = malloc(n + 4);
    assert_non_null(bom);
    snprintf(bom, n + 4, U_BOM "%s", csv);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(bom, &s, &st), YC_OK);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(s.n_rej, 0);
    free(bom);
    free(csv);
    sink_free(&s);
}

/* Every listed code point is rejected in a non-free-text field; its neighbours are not. */
static void regress__issue_2__invisible_list__exact_boundaries(void **state)
{
    (void)state;
    static const char *const bad[] = {"\xe2\x80\x8b", "\xe2\x80\x8f", "\xe2\x80\xa8",
                                      "\xe2\x80\xa9", "\xe2\x80\xaa", "\xe2\x80\xae",
                                      "\xe2\x81\xa0", "\xe2\x81\xa4", "\xe2\x81\xa6",
                                      "\xe2\x81\xa9", U_BOM};
    static const char *const cols[] = {"CF_WSH",  "CF_XDR_MC", "CF_CFJG",
                                       "CF_CFLB", "CF_JDRQ",   "CF_NR_FK"};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
            char v[64];
            snprintf(v, sizeof v, "%s%s%s",
                     c == 4   ? "2024"
                     : c == 5 ? "2"
                              : "罚",
                     bad[k],
                     c == 4   ? "-03-15"
                     : c == 5 ? "0"
                              : "款");
            const override ov[] = {{cols[c], v}};
            expect_cf_reject(CF_LEGAL, ov, 1, cols[c], INVISIBLE);
        }
    /* U+200A, U+2010, U+2027, U+202F, U+205F, U+2065, U+206A, U+FEFE are kept */
    static const char *const ok[] = {"\xe2\x80\x8a", "\xe2\x80\x90", "\xe2\x80\xa7",
                                     "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe2\x81\xa5",
                                     "\xe2\x81\xaa", "\xef\xbb\xbe"};
    for (size_t k = 0; k < sizeof ok / sizeof *ok; k++) {
        char v[64];
        snprintf(v, sizeof v, "义乌%s市", ok[k]);
        const override ov[] = {{"CF_XDR_MC", v}};
        char *csv = cf_csv(CF_LEGAL, ov, 1);
        sink s = {0};
        yc_import_stats st;
        assert_int_equal(run_str(csv, &s, &st), YC_OK);
        assert_int_equal(s.n_rej, 0);
        assert_int_equal(s.n, 1);
        assert_string_equal(s.recs[0].subject_name, v);
        free(csv);
        sink_free(&s);
    }
}

/* Free text keeps the zero-width characters and separators but not the bidi controls. */
static void regress__issue_2__free_text__bidi_rejected_zero_width_kept(void **state)
{
    (void)state;
    const override rlo[] = {{"CF_YJ", "第一条" U_RLO "款二第"}};
    expect_cf_reject(CF_LEGAL, rlo, 1, "CF_YJ", INVISIBLE);
    const override lri[] = {{"CF_SY", "销售\xe2\x81\xa6不合格商品"}};
    expect_cf_reject(CF_LEGAL, lri, 1, "CF_SY", INVISIBLE);
    char *j = json_with(GENERIC, "legal_basis", "\"第一条\\u202d第二款\"");
    expect_json_reject(j, "legal_basis", INVISIBLE);
    free(j);
    const char *kept = "第一条" U_ZWSP "第二款\xe2\x80\xa8" U_BOM "第三项";
    const override ov[] = {{"CF_YJ", kept}};
    char *csv = cf_csv(CF_LEGAL, ov, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.recs[0].legal_basis, kept);
    free(csv);
    sink_free(&s);
}

/* Ordinary CJK, full-width forms and general punctuation (E2 80 xx / EF BC xx bytes like the
 * rejected characters) stay accepted, in CSV and JSON Lines. */
static void regress__issue_2__cjk_and_fullwidth_name__accepted(void **state)
{
    (void)state;
    const char *name = "义乌市（稠城）福田ＡＢＣ１２３小商品有限公司—“分店”…·～";
    const override ov[] = {{"CF_XDR_MC", name}};
    char *csv = cf_csv(CF_LEGAL, ov, 1);
    sink s = {0};
    yc_import_stats st;
    assert_int_equal(run_str(csv, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.recs[0].subject_name, name);
    sink_free(&s);
    char raw[256];
    snprintf(raw, sizeof raw, "\"%s\"", name);
    char *j = json_with(GENERIC, "name", raw);
    assert_int_equal(run_str(j, &s, &st), YC_OK);
    assert_int_equal(s.n_rej, 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.recs[0].subject_name, name);
    free(j);
    free(csv);
    sink_free(&s);
}

static int setup(void **state)
{
    (void)state;
    char path[4096], msg[256] = "";
    path_of(path, sizeof path, "YC_SOURCE_ROOT", "etc/rules/penalty-categories.json");
    if (yc_rules_load(path, &g_rules, msg, sizeof msg) != YC_OK) {
        fprintf(stderr, "rules: %s\n", msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    yc_rules_free(g_rules);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__empty_input__ok_no_rows),
        cmocka_unit_test(safety__blank_lines_only__ok_no_rows),
        cmocka_unit_test(safety__null_windows__fails_invalid),
        cmocka_unit_test(safety__bad_window__fails_invalid),
        cmocka_unit_test(safety__unknown_encoding__fails_invalid),
        cmocka_unit_test(safety__batch_size_limit__max_ok_max_plus_one_invalid),
        cmocka_unit_test(safety__file_missing__fails_io),
        cmocka_unit_test(safety__columns_at_limit__accepted),
        cmocka_unit_test(safety__columns_over_limit__file_rejected),
        cmocka_unit_test(safety__field_at_limit__accepted),
        cmocka_unit_test(safety__field_over_limit__row_rejected),
        cmocka_unit_test(safety__name_limit__255_ok_256_rejected),
        cmocka_unit_test(safety__decision_no_limit__255_ok_256_rejected),
        cmocka_unit_test(safety__legal_basis_limit__2047_ok_2048_rejected),
        cmocka_unit_test(safety__jsonl_line_at_limit__accepted),
        cmocka_unit_test(safety__jsonl_line_over_limit__rejected),
        cmocka_unit_test(safety__nul_byte_in_field__rejected),
        cmocka_unit_test(safety__utf16_bom__file_rejected),
        cmocka_unit_test(import_file__xzcf_2024__exact_records),
        cmocka_unit_test(import_file__xzcf_gb18030__exact_records),
        cmocka_unit_test(import_file__xzcf_cn_header__exact_records),
        cmocka_unit_test(import_file__xzcf_legacy_v1__exact_records),
        cmocka_unit_test(import_file__xzxk_bom__exact_records),
        cmocka_unit_test(import_file__sxbzxr__exact_records),
        cmocka_unit_test(import_file__xycn__exact_records),
        cmocka_unit_test(import_file__generic_records__exact_records),
        cmocka_unit_test(import_file__same_file_twice__identical_records),
        cmocka_unit_test(import__valid_penalty_row__exact_record),
        cmocka_unit_test(import__person_lowercase_x__normalised),
        cmocka_unit_test(import__explicit_gsjzq__wins_for_max_end),
        cmocka_unit_test(import__safety_violation_type__n05),
        cmocka_unit_test(import__multi_category__most_severe_wins),
        cmocka_unit_test(import__cf_missing_CF_XDR_MC__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_XDR_LB__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_XDR_SHXYM__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_XDR_ZJLX__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_XDR_ZJHM__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_WSH__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_WFXW__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_SY__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_YJ__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_CFLB__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_NR__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_JDRQ__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_YXQ__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_CFJG__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_CFJGDM__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_SJLY__rejects_row_2),
        cmocka_unit_test(import__cf_missing_CF_SJLYDM__rejects_row_2),
        cmocka_unit_test(import__missing_required_column__file_rejected),
        cmocka_unit_test(import__unknown_header__file_rejected),
        cmocka_unit_test(import__duplicate_column__file_rejected),
        cmocka_unit_test(import__penalty_without_rules__file_rejected),
        cmocka_unit_test(import__bad_uscc_check__rejected),
        cmocka_unit_test(import__bad_id_check__rejected),
        cmocka_unit_test(import__unsupported_doc_type__rejected),
        cmocka_unit_test(import__impossible_date__rejected),
        cmocka_unit_test(import__future_decision_date__rejected),
        cmocka_unit_test(import__negative_amount__rejected),
        cmocka_unit_test(import__non_numeric_amount__rejected),
        cmocka_unit_test(import__unknown_category__rejected),
        cmocka_unit_test(import__unknown_subject_type__rejected),
        cmocka_unit_test(import__end_before_decision__rejected),
        cmocka_unit_test(import__too_few_columns__rejected),
        cmocka_unit_test(import__too_many_columns__rejected),
        cmocka_unit_test(import__valid_licence_row__exact_record),
        cmocka_unit_test(import__xk_missing_XK_XDR_MC__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_XDR_LB__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_XDR_SHXYM__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_WSH__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_XKLB__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_JDRQ__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_YXQZ__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_YXQZI__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_XKJG__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_XKJGDM__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_LYDW__rejects_row_2),
        cmocka_unit_test(import__xk_missing_XK_LYDWDM__rejects_row_2),
        cmocka_unit_test(import__licence_bad_values__rejected),
        cmocka_unit_test(import__atomic_one_bad_row__delivers_nothing),
        cmocka_unit_test(import__not_atomic_one_bad_row__delivers_good_rows),
        cmocka_unit_test(import__atomic_all_good__delivers_all_once),
        cmocka_unit_test(import__batch_error__stops_and_returns_it),
        cmocka_unit_test(import__bom_and_gb18030__same_records_as_utf8),
        cmocka_unit_test(import__forced_encoding__overrides_detection),
        cmocka_unit_test(import__legacy_v1_header__mapped),
        cmocka_unit_test(import__legacy_v1_missing_category__rejected),
        cmocka_unit_test(import__chinese_header__mapped),
        cmocka_unit_test(import__quoted_commas_and_newlines__row_numbers_follow_lines),
        cmocka_unit_test(import__crlf_line_ends__row_numbers),
        cmocka_unit_test(import__debtor_line__exact_record),
        cmocka_unit_test(import__debtor_organisation__uscc_subject),
        cmocka_unit_test(import__debtor_empty_iname__rejected),
        cmocka_unit_test(import__debtor_without_iname__unknown_shape),
        cmocka_unit_test(import__debtor_missing_cardNum__rejected),
        cmocka_unit_test(import__debtor_missing_caseCode__rejected),
        cmocka_unit_test(import__debtor_missing_courtName__rejected),
        cmocka_unit_test(import__debtor_missing_gistId__rejected),
        cmocka_unit_test(import__debtor_missing_gistUnit__rejected),
        cmocka_unit_test(import__debtor_missing_regDate__rejected),
        cmocka_unit_test(import__debtor_missing_publishDate__rejected),
        cmocka_unit_test(import__debtor_missing_duty__rejected),
        cmocka_unit_test(import__debtor_missing_performance__rejected),
        cmocka_unit_test(import__debtor_missing_disruptTypeName__rejected),
        cmocka_unit_test(import__debtor_bad_values__rejected),
        cmocka_unit_test(import__commitment_line__exact_record),
        cmocka_unit_test(import__commitment_missing_code__rejected),
        cmocka_unit_test(import__commitment_missing_subjectName__rejected),
        cmocka_unit_test(import__commitment_missing_subjectCategory__rejected),
        cmocka_unit_test(import__commitment_missing_identify__rejected),
        cmocka_unit_test(import__commitment_missing_commitmentTypeId__rejected),
        cmocka_unit_test(import__commitment_missing_reason__rejected),
        cmocka_unit_test(import__commitment_missing_content__rejected),
        cmocka_unit_test(import__commitment_missing_liabilityBreachCommitment__rejected),
        cmocka_unit_test(import__commitment_missing_commitmentDate__rejected),
        cmocka_unit_test(import__commitment_missing_unperformedCommitmentContent__rejected),
        cmocka_unit_test(import__commitment_missing_liabilityBreachCommitmentContent__rejected),
        cmocka_unit_test(import__commitment_missing_acceptanceUnit__rejected),
        cmocka_unit_test(import__commitment_missing_acceptanceUnitIdentify__rejected),
        cmocka_unit_test(import__commitment_missing_publicationType__rejected),
        cmocka_unit_test(import__commitment_missing_fulfillmentStatus__unknown_shape),
        cmocka_unit_test(import__commitment_bad_values__rejected),
        cmocka_unit_test(import__generic_line__exact_record),
        cmocka_unit_test(import__generic_missing_subject_id__rejected),
        cmocka_unit_test(import__generic_missing_name__rejected),
        cmocka_unit_test(import__generic_missing_code__rejected),
        cmocka_unit_test(import__generic_missing_decision_no__rejected),
        cmocka_unit_test(import__generic_missing_decision_date__rejected),
        cmocka_unit_test(import__generic_missing_authority_name__rejected),
        cmocka_unit_test(import__generic_missing_authority_uscc__rejected),
        cmocka_unit_test(import__generic_bad_values__rejected),
        cmocka_unit_test(import__generic_person__document_rules),
        cmocka_unit_test(import__bad_json_lines__rejected_with_line_numbers),
        cmocka_unit_test(regress__issue_2__csv_text_after_closing_quote__row_rejected_rest_kept),
        cmocka_unit_test(regress__issue_2__csv_quote_inside_unquoted_field__row_rejected),
        cmocka_unit_test(regress__issue_2__csv_unterminated_quote__later_rows_counted),
        cmocka_unit_test(regress__issue_2__csv_unclosed_quote_closed_later__next_row_kept),
        cmocka_unit_test(regress__issue_2__csv_unclosed_quote_in_large_file__later_rows_imported),
        cmocka_unit_test(regress__issue_2__csv_multiline_rows_and_bad_quote__exact_rows),
        cmocka_unit_test(regress__issue_2__csv_repeated_quote_errors__every_line_counted),
        cmocka_unit_test(regress__issue_2__csv_malformed_header__file_rejected),
        cmocka_unit_test(regress__issue_2__csv_rejects__never_echo_personal_data),
        cmocka_unit_test(regress__issue_2__json_rejects__never_echo_personal_data),
        cmocka_unit_test(regress__issue_2__control_characters__rejected_outside_free_text),
        cmocka_unit_test(regress__issue_2__utf8_with_bad_bytes__only_that_row_rejected),
        cmocka_unit_test(regress__issue_2__utf8_file_with_gbk_row__utf8_kept_row_rejected),
        cmocka_unit_test(regress__issue_2__gb18030_bad_sequence__row_rejected),
        cmocka_unit_test(regress__issue_2__explicit_end__capped_at_model_max),
        cmocka_unit_test(regress__issue_2__amount_faults__distinct_reasons),
        cmocka_unit_test(regress__issue_2__cjk_date__only_in_debtor_feed),
        cmocka_unit_test(regress__issue_2__lone_cr_in_quoted_field_lf_file__imported),
        cmocka_unit_test(regress__issue_2__lone_cr_in_quoted_field_crlf_file__imported),
        cmocka_unit_test(regress__issue_2__cr_only_file__imported_row_numbers_exact),
        cmocka_unit_test(regress__issue_2__lone_cr_outside_free_text_lf_file__control_character),
        cmocka_unit_test(regress__issue_2__first_line_end_at_chunk_end__convention_kept),
        cmocka_unit_test(regress__issue_2__bidi_override_in_name__rejected),
        cmocka_unit_test(regress__issue_2__zero_width_space_in_decision_no__rejected),
        cmocka_unit_test(regress__issue_2__feff_mid_field__rejected),
        cmocka_unit_test(regress__issue_2__invisible_list__exact_boundaries),
        cmocka_unit_test(regress__issue_2__free_text__bidi_rejected_zero_width_kept),
        cmocka_unit_test(regress__issue_2__cjk_and_fullwidth_name__accepted),
        cmocka_unit_test(rules_classify__fine_thresholds__exact_boundaries),
        cmocka_unit_test(rules_classify__separators_and_aliases__most_severe),
        cmocka_unit_test(rules_classify__unknown_or_empty__invalid),
        cmocka_unit_test(rules_classify__no_rule_for_category__not_found),
        cmocka_unit_test(rules_parse__bad_tables__invalid_with_message),
        cmocka_unit_test(rules_load__missing_file__io),
        cmocka_unit_test_teardown(import_buffer__fail_nth_alloc__nomem_no_leak, reset_alloc_hook),
        cmocka_unit_test_teardown(rules_parse__fail_nth_alloc__nomem_no_leak, reset_alloc_hook),
        cmocka_unit_test_teardown(rules_load__first_alloc_fails__nomem_message, reset_alloc_hook),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
