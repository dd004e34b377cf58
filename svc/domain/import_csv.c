/* 双公示 CSV (行政处罚 CF_*, 行政许可 XK_*, legacy v1 codes) parsed with libcsv.
 * Field lists: docs/formats.md §2 (from domain.md §5). */
#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/ids.h"

/* Field identities shared by both kinds. */
typedef enum fid {
    F_IGNORE = -1,
    F_XDR_MC = 0,
    F_XDR_LB,
    F_XDR_SHXYM,
    F_XDR_ZJLX,
    F_XDR_ZJHM,
    F_XDR_GJ,
    F_XDR_SFZ,
    F_WSH,
    F_WFXW,
    F_SY,
    F_YJ,
    F_CFLB,
    F_CFLB1,
    F_CFLB2,
    F_NR,
    F_NR_FK,
    F_NR_WFFF,
    F_JDRQ,
    F_YXQ,
    F_GSJZQ,
    F_JG,
    F_JGDM,
    F_SJLY,
    F_SJLYDM,
    F_ZT,
    F_REGION,
    F_XKLB,
    F_XKLB_V1,
    F_YXQZ,
    F_YXQZI,
    F_COUNT
} fid;

enum { K_NONE = 0, K_PENALTY = 1, K_LICENCE = 2 };

#define E_KIND 1u /* the Chinese names identify the kind (codes always do, by prefix) */
#define E_V1   2u /* only in the legacy v1 layout */

typedef struct entry {
    fid f;
    const char *code;
    const char *names[4]; /* normalised Chinese names, NULL-terminated */
    unsigned flags;
} entry;

static const entry penalty_entries[] = {
    {F_XDR_MC, "CF_XDR_MC", {"行政相对人名称"}, 0},
    {F_XDR_LB, "CF_XDR_LB", {"行政相对人类别"}, 0},
    {F_XDR_SHXYM,
     "CF_XDR_SHXYM",
     {"行政相对人代码_1(统一社会信用代码)", "统一社会信用代码", "行政相对人代码_1"},
     0},
    {F_XDR_ZJLX, "CF_XDR_ZJLX", {"证件类型"}, 0},
    {F_XDR_ZJHM, "CF_XDR_ZJHM", {"证件号码"}, 0},
    {F_XDR_GJ, "CF_XDR_GJ", {"证件签发国"}, 0},
    {F_XDR_SFZ, "CF_XDR_SFZ", {"居民身份证号"}, E_V1},
    {F_WSH, "CF_WSH", {"行政处罚决定书文号"}, E_KIND},
    {F_WFXW, "CF_WFXW", {"违法行为类型"}, E_KIND},
    {F_SY, "CF_SY", {"违法事实", "处罚事由"}, E_KIND},
    {F_YJ, "CF_YJ", {"处罚依据"}, E_KIND},
    {F_CFLB, "CF_CFLB", {"处罚类别"}, E_KIND},
    {F_CFLB1, "CF_CFLB1", {"处罚类别1"}, E_KIND | E_V1},
    {F_CFLB2, "CF_CFLB2", {"处罚类别2"}, E_KIND | E_V1},
    {F_NR, "CF_NR", {"处罚内容"}, E_KIND},
    {F_NR, "CF_JG", {"处罚结果"}, E_KIND | E_V1},
    {F_NR_FK, "CF_NR_FK", {"罚款金额(万元)", "罚款金额"}, E_KIND},
    {F_NR_WFFF,
     "CF_NR_WFFF",
     {"没收违法所得、没收非法财物的金额(万元)", "没收违法所得、没收非法财物的金额"},
     E_KIND},
    {F_JDRQ, "CF_JDRQ", {"处罚决定日期"}, E_KIND},
    {F_YXQ, "CF_YXQ", {"处罚有效期"}, E_KIND},
    {F_GSJZQ, "CF_GSJZQ", {"公示截止期"}, E_KIND},
    {F_JG, "CF_CFJG", {"处罚机关"}, E_KIND},
    {F_JG, "CF_XZJG", {NULL}, E_KIND | E_V1},
    {F_JGDM, "CF_CFJGDM", {"处罚机关统一社会信用代码"}, E_KIND},
    {F_SJLY, "CF_SJLY", {"数据来源单位"}, 0},
    {F_SJLYDM, "CF_SJLYDM", {"数据来源单位统一社会信用代码"}, 0},
    {F_ZT, "CF_ZT", {"当前状态"}, E_V1},
    {F_IGNORE, "CF_CFMC", {"处罚名称"}, E_KIND | E_V1},
    /* columns shared by both kinds (no prefix) */
    {F_REGION, "DFBM", {"地方编码"}, 0},
    {F_REGION, "XZQH", {"行政区划", "行政区划代码"}, 0},
    {F_IGNORE, "SJC", {"数据更新时间戳", "数据更新时间"}, 0},
    {F_IGNORE, "BZ", {"备注"}, 0},
};

static const entry licence_entries[] = {
    {F_XDR_MC, "XK_XDR_MC", {"行政相对人名称"}, 0},
    {F_XDR_MC, "XK_XDR", {NULL}, E_V1},
    {F_XDR_LB, "XK_XDR_LB", {"行政相对人类别"}, 0},
    {F_XDR_SHXYM,
     "XK_XDR_SHXYM",
     {"行政相对人代码_1(统一社会信用代码)", "统一社会信用代码", "行政相对人代码_1"},
     0},
    {F_XDR_ZJLX, "XK_XDR_ZJLX", {"证件类型"}, 0},
    {F_XDR_ZJHM, "XK_XDR_ZJHM", {"证件号码"}, 0},
    {F_XDR_GJ, "XK_XDR_GJ", {"证件签发国"}, 0},
    {F_XDR_SFZ, "XK_XDR_SFZ", {"居民身份证号"}, E_V1},
    {F_IGNORE, "XK_XKWS", {"行政许可决定文书名称"}, E_KIND},
    {F_WSH, "XK_WSH", {"行政许可决定文书号"}, E_KIND},
    {F_XKLB, "XK_XKLB", {"许可类别"}, E_KIND},
    {F_XKLB_V1, "XK_SPLB", {"审批类别"}, E_KIND | E_V1},
    {F_IGNORE, "XK_XKZS", {"许可证书名称"}, E_KIND},
    {F_IGNORE, "XK_XKBH", {"许可编号"}, E_KIND},
    {F_IGNORE, "XK_NR", {"许可内容"}, E_KIND},
    {F_IGNORE, "XK_XMMC", {"项目名称"}, E_KIND | E_V1},
    {F_JDRQ, "XK_JDRQ", {"许可决定日期"}, E_KIND},
    {F_YXQZ, "XK_YXQZ", {"有效期自"}, E_KIND},
    {F_YXQZI, "XK_YXQZI", {"有效期至"}, E_KIND},
    {F_YXQZI, "XK_JZQ", {"截止期"}, E_KIND | E_V1},
    {F_JG, "XK_XKJG", {"许可机关"}, E_KIND},
    {F_JG, "XK_XZJG", {NULL}, E_KIND | E_V1},
    {F_JGDM, "XK_XKJGDM", {"许可机关统一社会信用代码"}, E_KIND},
    {F_ZT, "XK_ZT", {"当前状态"}, 0},
    {F_SJLY, "XK_LYDW", {"数据来源单位"}, 0},
    {F_SJLYDM, "XK_LYDWDM", {"数据来源单位统一社会信用代码"}, 0},
    /* columns shared by both kinds (no prefix) */
    {F_REGION, "DFBM", {"地方编码"}, 0},
    {F_REGION, "XZQH", {"行政区划", "行政区划代码"}, 0},
    {F_IGNORE, "SJC", {"数据更新时间戳", "数据更新时间"}, 0},
    {F_IGNORE, "BZ", {"备注"}, 0},
};

#define N_PENALTY (sizeof penalty_entries / sizeof *penalty_entries)
#define N_LICENCE (sizeof licence_entries / sizeof *licence_entries)

/* Required columns per kind and layout (domain.md §5; docs/formats.md §2). */
static const fid req_penalty_v2[] = {F_XDR_MC, F_XDR_LB, F_WSH, F_WFXW, F_SY,   F_YJ,   F_CFLB,
                                     F_NR,     F_JDRQ,   F_YXQ, F_JG,   F_JGDM, F_SJLY, F_SJLYDM};
static const fid req_penalty_v1[] = {F_XDR_MC, F_WSH, F_CFLB1, F_YJ, F_JDRQ, F_JG};
static const fid req_licence_v2[] = {F_XDR_MC, F_XDR_LB, F_WSH,  F_XKLB, F_JDRQ,  F_YXQZ,
                                     F_YXQZI,  F_JG,     F_JGDM, F_SJLY, F_SJLYDM};
static const fid req_licence_v1[] = {F_XDR_MC, F_WSH, F_JDRQ, F_JG};

/* The input's line-end convention, decided by its first line end (set_eol()). */
typedef enum eol {
    EOL_UNKNOWN = 0, /* no line end seen yet */
    EOL_LF,          /* LF or CRLF: only LF ends a line; any other CR is content */
    EOL_CR           /* lone CR (old Mac files): CR, LF and CRLF end a line */
} eol;

struct yc_csv_state {
    struct csv_parser p;
    eol eol;
    bool held_cr; /* a CR ended the last chunk while eol was EOL_UNKNOWN: not fed yet */
    bool parser_ok;
    int kind;
    bool legacy;
    bool header_done;
    const entry *table;
    size_t table_n;
    size_t n_cols;
    int col_field[YC_IMPORT_MAX_COLUMNS];
    const char *col_code[YC_IMPORT_MAX_COLUMNS];
    int field_col[F_COUNT];
    bool required[F_COUNT];
    /* the current record */
    char *buf;
    size_t buf_len, buf_cap;
    size_t off[YC_IMPORT_MAX_COLUMNS], len[YC_IMPORT_MAX_COLUMNS];
    size_t n_fields;
    /* physical lines: the text is fed to libcsv one line at a time (see feed_line()) */
    long line;           /* line of the next byte */
    long rec_line;       /* line where the current record starts */
    bool pending_cr;     /* the last byte was CR: a following LF ends no further line */
    bool in_record;      /* a record has started and not ended */
    bool rec_ended;      /* on_record() ran during the current line */
    bool multi;          /* the current record has crossed a line end (quoted line break) */
    bool first_cr;       /* that first line end was a CR */
    bool skipping;       /* after a row error: drop bytes up to the next line end */
    bool too_long;       /* a field of the current record is over YC_IMPORT_MAX_FIELD_BYTES */
    long alloc_failures; /* yc_alloc_failures() before the last csv_parse()/csv_fini() */
    /* continuation lines of a multi-line record (everything after its first line end),
     * kept so that a quoting error can resume on the record's second line */
    char *raw;
    size_t raw_len, raw_cap;
    bool raw_lost; /* longer than RAW_MAX: resume after the error's line instead */
    char *resync;  /* raw handed over by row_error() for replay */
    size_t resync_len;
    char *replay; /* text to parse before the rest of the input */
    size_t replay_len, replay_off;
    char scratch[2 * YC_IMPORT_MAX_FIELD_BYTES + 2];
};

/* Most continuation bytes of one multi-line record kept for resynchronisation. */
#define RAW_MAX (16 * YC_IMPORT_MAX_FIELD_BYTES)

/* ---- header ---- */

/* Normalises a header cell: drops ASCII spaces and '*', maps （） to (). */
static size_t normalise_name(const char *s, size_t n, char *out, size_t out_max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '*')
            continue;
        char c = s[i];
        if (n - i >= 3 && (unsigned char)s[i] == 0xEF && (unsigned char)s[i + 1] == 0xBC &&
            ((unsigned char)s[i + 2] == 0x88 || (unsigned char)s[i + 2] == 0x89)) {
            c = (unsigned char)s[i + 2] == 0x88 ? '(' : ')';
            i += 2;
        }
        if (k == out_max)
            return out_max + 1;
        out[k++] = c;
    }
    return k;
}

/* Finds the entry of a header cell in one table; *ret_decisive when it names the kind. */
static const entry *match(const entry *t, size_t n, const char *cell, size_t cell_len,
                          const char *norm, size_t norm_len, bool *ret_decisive)
{
    for (size_t i = 0; i < n; i++) {
        const entry *e = &t[i];
        if (strlen(e->code) == cell_len && strncasecmp(e->code, cell, cell_len) == 0) {
            *ret_decisive = e->code[2] == '_';
            return e;
        }
        for (size_t j = 0; j < 4 && e->names[j] != NULL; j++)
            if (strlen(e->names[j]) == norm_len && memcmp(e->names[j], norm, norm_len) == 0) {
                *ret_decisive = (e->flags & E_KIND) != 0;
                return e;
            }
    }
    return NULL;
}

static yc_sv cell(const yc_csv_state *st, size_t i)
{
    return yc_sv_trim((yc_sv){st->buf + st->off[i], st->len[i]});
}

static const char *default_code(const yc_csv_state *st, fid f)
{
    const char *code = NULL;
    for (size_t i = 0; i < st->table_n; i++)
        if (st->table[i].f == f &&
            (code == NULL || ((st->table[i].flags & E_V1) != 0) == st->legacy))
            code = st->table[i].code;
    return code != NULL ? code : "?";
}

static const char *fc(const yc_csv_state *st, fid f)
{
    int c = st->field_col[f];
    return c >= 0 ? st->col_code[c] : default_code(st, f);
}

static yc_sv fv(const yc_csv_state *st, fid f)
{
    int c = st->field_col[f];
    return c >= 0 ? cell(st, (size_t)c) : (yc_sv){"", 0};
}

static bool has_col(const yc_csv_state *st, fid f)
{
    return st->field_col[f] >= 0;
}

static int detect_kind(yc_imp *imp, yc_csv_state *st)
{
    size_t pen = 0, lic = 0;
    for (size_t i = 0; i < st->n_fields; i++) {
        yc_sv v = cell(st, i);
        char norm[256];
        size_t nl = normalise_name(v.p, v.n, norm, sizeof norm);
        bool dp = false, dl = false;
        if (match(penalty_entries, N_PENALTY, v.p, v.n, norm, nl, &dp) != NULL && dp)
            pen++;
        if (match(licence_entries, N_LICENCE, v.p, v.n, norm, nl, &dl) != NULL && dl)
            lic++;
    }
    if (pen > 0 && lic == 0)
        return K_PENALTY;
    if (lic > 0 && pen == 0)
        return K_LICENCE;
    yc_imp_reject(imp, st->rec_line, YC_FIELD_FILE,
                  pen > 0 ? "header mixes 行政处罚 and 行政许可 columns"
                          : "header matches neither 行政处罚 nor 行政许可");
    return K_NONE;
}

static yc_err header_fail(yc_imp *imp)
{
    imp->fatal = YC_ERR_INVALID;
    return YC_ERR_INVALID;
}

static yc_err map_columns(yc_imp *imp, yc_csv_state *st)
{
    for (int f = 0; f < F_COUNT; f++)
        st->field_col[f] = -1;
    for (size_t i = 0; i < st->n_fields; i++) {
        yc_sv v = cell(st, i);
        char norm[256];
        size_t nl = normalise_name(v.p, v.n, norm, sizeof norm);
        bool d;
        const entry *e = match(st->table, st->table_n, v.p, v.n, norm, nl, &d);
        st->col_field[i] = e != NULL ? e->f : F_IGNORE;
        st->col_code[i] = e != NULL ? e->code : "";
        if (e == NULL || e->f == F_IGNORE) {
            st->legacy = st->legacy || (e != NULL && (e->flags & E_V1) != 0);
            continue;
        }
        if (st->field_col[e->f] >= 0) {
            yc_imp_reject(imp, st->rec_line, e->code, "duplicate column");
            return header_fail(imp);
        }
        st->field_col[e->f] = (int)i;
        st->legacy = st->legacy || (e->flags & E_V1) != 0;
    }
    return YC_OK;
}

/* The required fields of the kind and layout (st->kind, st->legacy). */
static const fid *required_list(const yc_csv_state *st, size_t *ret_n)
{
    const fid *req;
    if (st->kind == K_PENALTY) {
        req = st->legacy ? req_penalty_v1 : req_penalty_v2;
        *ret_n =
            st->legacy ? sizeof req_penalty_v1 / sizeof *req : sizeof req_penalty_v2 / sizeof *req;
    } else {
        req = st->legacy ? req_licence_v1 : req_licence_v2;
        *ret_n =
            st->legacy ? sizeof req_licence_v1 / sizeof *req : sizeof req_licence_v2 / sizeof *req;
    }
    return req;
}

static yc_err check_required(yc_imp *imp, yc_csv_state *st)
{
    size_t n;
    const fid *req = required_list(st, &n);
    for (size_t i = 0; i < n; i++) {
        st->required[req[i]] = true;
        if (!has_col(st, req[i])) {
            yc_imp_reject(imp, st->rec_line, default_code(st, req[i]),
                          "column missing from header");
            return header_fail(imp);
        }
    }
    return YC_OK;
}

static yc_err header(yc_imp *imp, yc_csv_state *st)
{
    st->header_done = true;
    if (st->n_fields > YC_IMPORT_MAX_COLUMNS) {
        yc_imp_reject(imp, st->rec_line, YC_FIELD_FILE, "more than %d columns",
                      YC_IMPORT_MAX_COLUMNS);
        return header_fail(imp);
    }
    st->kind = detect_kind(imp, st);
    if (st->kind == K_NONE)
        return header_fail(imp);
    if (st->kind == K_PENALTY && imp->opts->rules == NULL) {
        yc_imp_reject(imp, st->rec_line, YC_FIELD_FILE, "行政处罚 needs the 处罚类别 rule table");
        return header_fail(imp);
    }
    st->table = st->kind == K_PENALTY ? penalty_entries : licence_entries;
    st->table_n = st->kind == K_PENALTY ? N_PENALTY : N_LICENCE;
    st->n_cols = st->n_fields;
    YC_TRY(map_columns(imp, st));
    return check_required(imp, st);
}

/* ---- rows ---- */

static bool status_from_text(yc_sv v, yc_status *ret)
{
    static const struct {
        const char *text;
        yc_status s;
    } map[] = {
        {"0", YC_STATUS_ACTIVE},     {"正常", YC_STATUS_ACTIVE},   {"有效", YC_STATUS_ACTIVE},
        {"3", YC_STATUS_ACTIVE},     {"其他", YC_STATUS_ACTIVE},   {"1", YC_STATUS_REVOKED},
        {"撤销", YC_STATUS_REVOKED}, {"撤回", YC_STATUS_REVOKED},  {"吊销", YC_STATUS_REVOKED},
        {"注销", YC_STATUS_EXPIRED}, {"无效", YC_STATUS_EXPIRED},  {"过期", YC_STATUS_EXPIRED},
        {"2", YC_STATUS_DISPUTED},   {"异议", YC_STATUS_DISPUTED},
    };
    if (v.n == 0) {
        *ret = YC_STATUS_ACTIVE;
        return true;
    }
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (yc_sv_eq(v, map[i].text)) {
            *ret = map[i].s;
            return true;
        }
    return false;
}

static bool parse_subject_type(yc_sv v, yc_subject_type *ret)
{
    char buf[65];
    if (v.n > 64 || memchr(v.p, '\0', v.n) != NULL)
        return false;
    memcpy(buf, v.p, v.n);
    buf[v.n] = '\0';
    return yc_subject_type_parse(buf, ret) == YC_OK;
}

/* Subject type, id or document (docs/formats.md §2, "Subjects"). */
static bool subject(yc_imp *imp, yc_csv_state *st, long row, yc_record *r)
{
    if (!yc_imp_text(imp, row, fc(st, F_XDR_MC), fv(st, F_XDR_MC), true, r->subject_name,
                     YC_NAME_MAX))
        return false;
    yc_sv lb = fv(st, F_XDR_LB), sfz = fv(st, F_XDR_SFZ);
    bool inferred = false;
    if (lb.n > 0) {
        if (!parse_subject_type(lb, &r->subject_type)) {
            /* the subject may be a natural person: never echoed */
            yc_imp_reject(imp, row, fc(st, F_XDR_LB), "unknown 行政相对人类别");
            return false;
        }
    } else if (st->required[F_XDR_LB]) {
        yc_imp_reject(imp, row, fc(st, F_XDR_LB), "required field missing");
        return false;
    } else {
        inferred = true;
        r->subject_type = sfz.n > 0 || fv(st, F_XDR_ZJHM).n > 0 ? YC_SUBJECT_NATURAL_PERSON
                                                                : YC_SUBJECT_LEGAL_PERSON;
    }
    if (r->subject_type != YC_SUBJECT_NATURAL_PERSON) {
        if (!yc_imp_uscc(imp, row, fc(st, F_XDR_SHXYM), fv(st, F_XDR_SHXYM), true, r->subject_id))
            return false;
        if (inferred && r->subject_id[0] == '9' && r->subject_id[1] == '2')
            r->subject_type = YC_SUBJECT_INDIVIDUAL_BUSINESS;
        return true;
    }
    if (sfz.n > 0)
        return yc_imp_doc(imp, row, fc(st, F_XDR_SFZ), sfz, fc(st, F_XDR_SFZ), sfz, NULL,
                          (yc_sv){"", 0}, YC_DOC_RESIDENT_ID, r);
    return yc_imp_doc(imp, row, fc(st, F_XDR_ZJLX), fv(st, F_XDR_ZJLX), fc(st, F_XDR_ZJHM),
                      fv(st, F_XDR_ZJHM), fc(st, F_XDR_GJ), fv(st, F_XDR_GJ), YC_DOC_NONE, r);
}

/* Authority, data source, status and region columns common to both kinds. */
static bool parties(yc_imp *imp, yc_csv_state *st, long row, yc_record *r)
{
    if (!yc_imp_text(imp, row, fc(st, F_JG), fv(st, F_JG), true, r->authority_name, YC_NAME_MAX) ||
        !yc_imp_uscc(imp, row, fc(st, F_JGDM), fv(st, F_JGDM), st->required[F_JGDM],
                     r->authority_uscc) ||
        !yc_imp_text(imp, row, fc(st, F_SJLY), fv(st, F_SJLY), st->required[F_SJLY], r->source_name,
                     YC_NAME_MAX) ||
        !yc_imp_uscc(imp, row, fc(st, F_SJLYDM), fv(st, F_SJLYDM), st->required[F_SJLYDM],
                     r->source_uscc))
        return false;
    if (r->source_name[0] == '\0')
        memcpy(r->source_name, r->authority_name, sizeof r->source_name);
    if (r->source_uscc[0] == '\0')
        memcpy(r->source_uscc, r->authority_uscc, sizeof r->source_uscc);
    yc_sv zt = fv(st, F_ZT);
    if (!status_from_text(zt, &r->status)) {
        yc_imp_reject_value(imp, row, fc(st, F_ZT), "unknown 当前状态", zt,
                            r->subject_type != YC_SUBJECT_NATURAL_PERSON);
        return false;
    }
    if (!yc_imp_region(imp, row, fc(st, F_REGION), fv(st, F_REGION), r))
        return false;
    yc_imp_default_region(r);
    return true;
}

static bool req_present(yc_imp *imp, yc_csv_state *st, long row, fid f)
{
    return !st->required[f] || yc_imp_present(imp, row, fc(st, f), fv(st, f));
}

/* 处罚类别 text: CF_CFLB, or the legacy CF_CFLB1 and CF_CFLB2 joined with ';'. */
static yc_sv categories(yc_csv_state *st)
{
    if (!st->legacy || has_col(st, F_CFLB))
        return fv(st, F_CFLB);
    yc_sv a = fv(st, F_CFLB1), b = fv(st, F_CFLB2);
    memcpy(st->scratch, a.p, a.n);
    st->scratch[a.n] = ';';
    memcpy(st->scratch + a.n + 1, b.p, b.n);
    return (yc_sv){st->scratch, a.n + 1 + b.n};
}

static bool classify(yc_imp *imp, yc_csv_state *st, long row, yc_record *r)
{
    const fid cat_field = st->legacy && !has_col(st, F_CFLB) ? F_CFLB1 : F_CFLB;
    yc_sv cats = categories(st), content = fv(st, F_NR), wfxw = fv(st, F_WFXW);
    if (!yc_imp_present(imp, row, fc(st, cat_field), fv(st, cat_field)))
        return false;
    const yc_penalty_facts facts = {.categories = cats.p,
                                    .categories_len = cats.n,
                                    .violation_type = wfxw.p,
                                    .violation_type_len = wfxw.n,
                                    .content = content.p,
                                    .content_len = content.n,
                                    .subject_type = r->subject_type,
                                    .has_fine = r->has_amount,
                                    .fine = r->amount};
    const char *bad = NULL;
    size_t bad_len = 0;
    yc_err rv = yc_rules_classify(imp->opts->rules, &facts, &r->code, &bad, &bad_len);
    if (rv == YC_OK)
        return true;
    yc_imp_reject_value(imp, row, fc(st, cat_field),
                        rv == YC_ERR_NOT_FOUND ? "no rule matches 处罚类别" : "unknown 处罚类别",
                        (yc_sv){bad, bad_len}, r->subject_type != YC_SUBJECT_NATURAL_PERSON);
    return false;
}

static yc_err penalty_row(yc_imp *imp, yc_csv_state *st, long row)
{
    yc_record *r = yc_imp_slot(imp);
    yc_date yxq, end;
    bool has_wfff;
    yc_amount wfff;
    if (!subject(imp, st, row, r) ||
        !yc_imp_text(imp, row, fc(st, F_WSH), fv(st, F_WSH), true, r->decision_no,
                     YC_DECISION_NO_MAX) ||
        !req_present(imp, st, row, F_WFXW) || !req_present(imp, st, row, F_SY) ||
        !yc_imp_text(imp, row, fc(st, F_YJ), fv(st, F_YJ), true, r->legal_basis,
                     YC_LEGAL_BASIS_MAX) ||
        !req_present(imp, st, row, F_NR) ||
        !yc_imp_amount(imp, row, fc(st, F_NR_FK), fv(st, F_NR_FK), &r->has_amount, &r->amount) ||
        !yc_imp_amount(imp, row, fc(st, F_NR_WFFF), fv(st, F_NR_WFFF), &has_wfff, &wfff) ||
        !yc_imp_date(imp, row, fc(st, F_JDRQ), fv(st, F_JDRQ), true, true, false,
                     &r->decision_date) ||
        !yc_imp_date(imp, row, fc(st, F_YXQ), fv(st, F_YXQ), st->required[F_YXQ], false, false,
                     &yxq) ||
        !yc_imp_date(imp, row, fc(st, F_GSJZQ), fv(st, F_GSJZQ), false, false, false, &end) ||
        !parties(imp, st, row, r) || !classify(imp, st, row, r) ||
        !yc_imp_window(imp, row, r, end, fc(st, F_GSJZQ), "ends before decision date"))
        return YC_OK;
    return yc_imp_commit(imp);
}

static bool licence_category(yc_imp *imp, yc_csv_state *st, long row, const yc_record *r)
{
    static const char *const ok[] = {"普通", "特许", "认可", "核准", "登记", "其他"};
    yc_sv v = fv(st, F_XKLB);
    if (v.n == 0)
        return req_present(imp, st, row, F_XKLB);
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (yc_sv_eq(v, ok[i]))
            return true;
    yc_imp_reject_value(imp, row, fc(st, F_XKLB), "unknown 许可类别", v,
                        r->subject_type != YC_SUBJECT_NATURAL_PERSON);
    return false;
}

static yc_err licence_row(yc_imp *imp, yc_csv_state *st, long row)
{
    yc_record *r = yc_imp_slot(imp);
    r->code = YC_CODE_B02;
    yc_date end;
    if (!subject(imp, st, row, r) ||
        !yc_imp_text(imp, row, fc(st, F_WSH), fv(st, F_WSH), true, r->decision_no,
                     YC_DECISION_NO_MAX) ||
        !licence_category(imp, st, row, r) ||
        !yc_imp_date(imp, row, fc(st, F_JDRQ), fv(st, F_JDRQ), true, true, false,
                     &r->decision_date) ||
        !yc_imp_date(imp, row, fc(st, F_YXQZ), fv(st, F_YXQZ), st->required[F_YXQZ], false, false,
                     &r->pub_start) ||
        !yc_imp_date(imp, row, fc(st, F_YXQZI), fv(st, F_YXQZI), st->required[F_YXQZI], false,
                     false, &end) ||
        !parties(imp, st, row, r) ||
        !yc_imp_window(imp, row, r, end, fc(st, F_YXQZI),
                       r->pub_start != YC_DATE_NONE ? "ends before 有效期自"
                                                    : "ends before decision date"))
        return YC_OK;
    return yc_imp_commit(imp);
}

/* Free-text columns: TAB, CR and LF are allowed inside them (docs/formats.md §1). */
static bool is_free_text(int f)
{
    return f == F_SY || f == F_YJ || f == F_NR;
}

/* Byte checks of the whole row before any field is interpreted: the encoding of every cell
 * (an invalid sequence anywhere means the row is corrupt), then NUL and control characters
 * in every column that is used. */
static bool row_bytes(yc_imp *imp, yc_csv_state *st, long row)
{
    bool aligned = st->n_fields == st->n_cols;
    size_t n = st->n_fields < YC_IMPORT_MAX_COLUMNS ? st->n_fields : YC_IMPORT_MAX_COLUMNS;
    for (size_t i = 0; i < n && !imp->text_valid; i++) {
        const char *field = aligned && st->col_code[i][0] != '\0' ? st->col_code[i] : YC_FIELD_ROW;
        if (!yc_imp_cell_encoding(imp, row, field, cell(st, i)))
            return false;
    }
    if (!aligned)
        return true;
    for (size_t i = 0; i < n; i++) {
        int f = st->col_field[i];
        if (f != F_IGNORE && !yc_imp_cell(imp, row, st->col_code[i], cell(st, i), is_free_text(f)))
            return false;
    }
    return true;
}

static void field_too_long(yc_imp *imp, long row)
{
    yc_imp_reject(imp, row, YC_FIELD_ROW, "field longer than %d bytes", YC_IMPORT_MAX_FIELD_BYTES);
}

static yc_err header_too_long(yc_imp *imp, long row)
{
    yc_imp_reject(imp, row, YC_FIELD_FILE, "header: field longer than %d bytes",
                  YC_IMPORT_MAX_FIELD_BYTES);
    imp->fatal = YC_ERR_TOO_LARGE;
    return YC_ERR_TOO_LARGE;
}

static yc_err record_end(yc_imp *imp, yc_csv_state *st)
{
    if (st->too_long) {
        st->too_long = false;
        if (!st->header_done)
            return header_too_long(imp, st->rec_line);
        imp->stats.rows++;
        field_too_long(imp, st->rec_line);
        return YC_OK;
    }
    if (!st->header_done)
        return header(imp, st);
    imp->stats.rows++;
    if (!row_bytes(imp, st, st->rec_line))
        return YC_OK;
    if (st->n_fields != st->n_cols) {
        yc_imp_reject(imp, st->rec_line, YC_FIELD_ROW, "expected %zu columns, got %zu", st->n_cols,
                      st->n_fields);
        return YC_OK;
    }
    return st->kind == K_PENALTY ? penalty_row(imp, st, st->rec_line)
                                 : licence_row(imp, st, st->rec_line);
}

/* ---- libcsv callbacks ---- */

/* libcsv grows its field buffer through this, a block (128 bytes) ahead of the data;
 * refusing bounds the memory of one field.  on_field() enforces the exact limit.  A refusal
 * here never reaches the allocator, so yc_alloc_failures() tells it apart from a real
 * allocation failure (parser_too_long()). */
#define FIELD_BUF_MAX (YC_IMPORT_MAX_FIELD_BYTES + 256)
static void *limited_realloc(void *p, size_t n)
{
    return n > FIELD_BUF_MAX ? NULL : yc_realloc(p, n);
}

static void on_field(void *data, size_t n, void *ctx)
{
    yc_imp *imp = ctx;
    yc_csv_state *st = imp->csv;
    if (imp->fatal != YC_OK)
        return;
    if (st->n_fields == 0)
        st->buf_len = 0;
    if (n > YC_IMPORT_MAX_FIELD_BYTES) { /* within libcsv's slack: the row is rejected */
        st->too_long = true;
        n = 0;
    }
    if (st->n_fields < YC_IMPORT_MAX_COLUMNS) {
        if (st->buf_len + n > st->buf_cap) {
            size_t cap = st->buf_cap * 2 > st->buf_len + n ? st->buf_cap * 2 : st->buf_len + n;
            char *g = yc_realloc(st->buf, cap);
            if (g == NULL) {
                imp->fatal = YC_ERR_NOMEM;
                return;
            }
            st->buf = g;
            st->buf_cap = cap;
        }
        if (n > 0)
            memcpy(st->buf + st->buf_len, data, n);
        st->off[st->n_fields] = st->buf_len;
        st->len[st->n_fields] = n;
        st->buf_len += n;
    }
    st->n_fields++;
}

static void on_record(int c, void *ctx)
{
    (void)c;
    yc_imp *imp = ctx;
    yc_csv_state *st = imp->csv;
    st->rec_ended = true;
    if (imp->fatal != YC_OK)
        return;
    bool blank = !st->too_long && (st->n_fields == 0 || (st->n_fields == 1 && st->len[0] == 0));
    if (!blank) {
        yc_err rv = record_end(imp, st);
        if (rv != YC_OK)
            imp->fatal = rv;
    }
    st->n_fields = 0;
}

/* ---- feeding: one physical line per csv_parse() call ---- */

/* EOL_LF: libcsv ends a record at LF only and treats CR like a space (dropped before the
 * line end, after a closing quote, in a blank line and, like a TAB, at the edges of an
 * unquoted field); inside quotes and inside an unquoted value a CR is content. */
static int lf_is_term(unsigned char c)
{
    return c == '\n';
}

static int lf_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void parser_eol(yc_csv_state *st)
{
    if (st->eol == EOL_LF) {
        csv_set_term_func(&st->p, lf_is_term);
        csv_set_space_func(&st->p, lf_is_space);
    }
}

/* RFC 4180 strictly (CSV_STRICT, CSV_STRICT_FINI): a quote inside an unquoted field, text
 * after a closing quote and a quoted field open at the end of the input are errors, never
 * silently merged into the next line. */
static yc_err parser_init(yc_csv_state *st)
{
    if (st->parser_ok)
        csv_free(&st->p);
    st->parser_ok = false;
    YC_ENSURE(csv_init(&st->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) == 0, YC_ERR_NOMEM);
    st->parser_ok = true;
    csv_set_realloc_func(&st->p, limited_realloc);
    csv_set_free_func(&st->p, yc_free);
    parser_eol(st);
    st->n_fields = 0;
    st->buf_len = 0;
    st->too_long = false;
    return YC_OK;
}

yc_err yc_csv_begin(yc_imp *imp)
{
    yc_csv_state *st = yc_calloc(1, sizeof *st);
    YC_ENSURE(st != NULL, YC_ERR_NOMEM);
    imp->csv = st;
    st->line = 1;
    st->buf_cap = 4096;
    st->buf = yc_alloc(st->buf_cap);
    YC_ENSURE(st->buf != NULL, YC_ERR_NOMEM);
    return parser_init(st);
}

/* True when libcsv stopped because limited_realloc() refused to grow a field, not because
 * the allocator failed during the last csv_parse()/csv_fini() (st->alloc_failures). */
static bool parser_too_long(yc_csv_state *st)
{
    return csv_error(&st->p) == CSV_ENOMEM &&
           csv_get_buffer_size(&st->p) > YC_IMPORT_MAX_FIELD_BYTES &&
           yc_alloc_failures() == st->alloc_failures;
}

/* Counts the line end c that closes a line of the input; text: the line had other bytes. */
static void count_line_end(yc_csv_state *st, char c, bool text)
{
    if (text)
        st->pending_cr = false;
    if (c == '\r' || !st->pending_cr)
        st->line++;
    st->pending_cr = c == '\r';
}

static void record_done(yc_csv_state *st)
{
    st->in_record = false;
    st->multi = false;
    st->raw_len = 0;
    st->raw_lost = false;
}

static yc_err keep_raw(yc_imp *imp, const char *p, size_t n)
{
    yc_csv_state *st = imp->csv;
    if (st->raw_lost)
        return YC_OK;
    if (st->raw_len + n > RAW_MAX) {
        st->raw_lost = true;
        return YC_OK;
    }
    if (st->raw_len + n > st->raw_cap) {
        size_t cap = st->raw_cap * 2 > st->raw_len + n ? st->raw_cap * 2 : st->raw_len + n;
        char *g = yc_realloc(st->raw, cap);
        if (g == NULL) {
            imp->fatal = YC_ERR_NOMEM;
            return YC_ERR_NOMEM;
        }
        st->raw = g;
        st->raw_cap = cap;
    }
    memcpy(st->raw + st->raw_len, p, n);
    st->raw_len += n;
    return YC_OK;
}

/* libcsv stopped inside the record that started on st->rec_line: a quoting error
 * (CSV_EPARSE) or a field over the limit.  The record is rejected and the parser restarted.
 * When the record crossed line ends, parsing resumes on its second line (its continuation
 * lines are handed over in st->resync for replay), so a stray or missing quote costs one row
 * and every later line is still read as its own row.  Otherwise the rest of the current line
 * is dropped.  p/n: the current line (n 0 at the end of the input), term: it ends with a
 * line end.  In the header the fault stops the import. */
static yc_err row_error(yc_imp *imp, const char *p, size_t n, bool term)
{
    yc_csv_state *st = imp->csv;
    const char *reason = NULL;
    if (csv_error(&st->p) == CSV_EPARSE)
        reason = p == NULL      ? "unterminated quoted field"
                 : st->p.quoted ? "malformed quoted field"
                                : "quote inside an unquoted field";
    else if (!parser_too_long(st)) {
        imp->fatal = YC_ERR_NOMEM;
        return YC_ERR_NOMEM;
    }
    YC_TRY(parser_init(st));
    if (!st->header_done) {
        if (reason == NULL)
            return header_too_long(imp, st->rec_line);
        yc_imp_reject(imp, st->rec_line, YC_FIELD_FILE, "header: %s", reason);
        imp->fatal = YC_ERR_INVALID;
        return YC_ERR_INVALID;
    }
    imp->stats.rows++;
    if (reason == NULL)
        field_too_long(imp, st->rec_line);
    else
        yc_imp_reject(imp, st->rec_line, YC_FIELD_ROW, "%s", reason);
    if (st->multi && !st->raw_lost) {
        st->line = st->rec_line + 1;
        st->pending_cr = st->first_cr;
        st->resync = st->raw;
        st->resync_len = st->raw_len;
        st->raw = NULL;
        st->raw_cap = 0;
        record_done(st);
        return YC_OK;
    }
    record_done(st);
    if (term)
        count_line_end(st, p[n - 1], n > 1);
    else
        st->skipping = n > 0;
    return YC_OK;
}

/* Feeds the first line of p[0..n) (up to and including its line end, or all of p when it
 * has none) to libcsv; *ret_used = bytes consumed. */
static yc_err feed_line(yc_imp *imp, const char *p, size_t n, size_t *ret_used)
{
    yc_csv_state *st = imp->csv;
    /* the first LF, or in a CR file the first CR or LF: memchr twice beats a byte loop */
    const char *nl = memchr(p, '\n', n);
    size_t k = nl != NULL ? (size_t)(nl - p) : n;
    const char *cr = st->eol != EOL_LF ? memchr(p, '\r', k) : NULL;
    if (cr != NULL)
        k = (size_t)(cr - p);
    bool term = k < n;
    size_t len = term ? k + 1 : k;
    *ret_used = len;
    if (st->skipping) {
        if (term) {
            st->skipping = false;
            count_line_end(st, p[k], k > 0);
        } else if (k > 0) {
            st->pending_cr = false;
        }
        return YC_OK;
    }
    if (!st->in_record) {
        st->in_record = true;
        st->rec_line = st->line;
    } else if (st->multi) {
        YC_TRY(keep_raw(imp, p, len));
    }
    st->rec_ended = false;
    st->alloc_failures = yc_alloc_failures();
    size_t done = csv_parse(&st->p, p, len, on_field, on_record, imp);
    if (imp->fatal != YC_OK)
        return imp->fatal;
    if (done != len)
        return row_error(imp, p, len, term);
    if (term)
        count_line_end(st, p[k], k > 0);
    else if (k > 0)
        st->pending_cr = false;
    if (st->rec_ended) {
        record_done(st);
    } else if (term && !st->multi) {
        st->multi = true; /* a line end inside a quoted field */
        st->first_cr = p[k] == '\r';
    }
    return YC_OK;
}

/* Parses st->replay (continuation lines handed back by row_error()) to its end. */
static yc_err drain_replay(yc_imp *imp)
{
    yc_csv_state *st = imp->csv;
    while (st->replay != NULL && imp->fatal == YC_OK) {
        if (st->replay_off == st->replay_len) {
            yc_free(st->replay);
            st->replay = NULL;
            break;
        }
        size_t used = 0;
        YC_TRY(feed_line(imp, st->replay + st->replay_off, st->replay_len - st->replay_off, &used));
        st->replay_off += used;
        if (st->resync != NULL) {
            /* a second error inside the replay: its continuation lines, then the rest */
            size_t rest = st->replay_len - st->replay_off;
            char *g = yc_realloc(st->resync, st->resync_len + rest + 1);
            if (g == NULL) {
                imp->fatal = YC_ERR_NOMEM;
                return YC_ERR_NOMEM;
            }
            memcpy(g + st->resync_len, st->replay + st->replay_off, rest);
            yc_free(st->replay);
            st->replay = g;
            st->replay_len = st->resync_len + rest;
            st->replay_off = 0;
            st->resync = NULL;
        }
    }
    return imp->fatal;
}

static void take_resync(yc_csv_state *st)
{
    if (st->resync == NULL)
        return;
    st->replay = st->resync; /* drain_replay() left st->replay NULL */
    st->replay_len = st->resync_len;
    st->replay_off = 0;
    st->resync = NULL;
}

/* Feeds p[0..n) line by line. */
static yc_err feed_lines(yc_imp *imp, const char *p, size_t n)
{
    yc_csv_state *st = imp->csv;
    while (n > 0 && imp->fatal == YC_OK) {
        size_t used = 0;
        YC_TRY(feed_line(imp, p, n, &used));
        p += used;
        n -= used;
        take_resync(st);
        YC_TRY(drain_replay(imp));
    }
    return imp->fatal;
}

static void set_eol(yc_csv_state *st, eol e)
{
    st->eol = e;
    parser_eol(st);
}

/* A CR held back at the end of a chunk: the next byte (LF or not) decides the convention. */
static yc_err feed_held_cr(yc_imp *imp, bool lf_follows)
{
    yc_csv_state *st = imp->csv;
    st->held_cr = false;
    set_eol(st, lf_follows ? EOL_LF : EOL_CR);
    return feed_lines(imp, "\r", 1);
}

yc_err yc_csv_feed(yc_imp *imp, const char *p, size_t n)
{
    yc_csv_state *st = imp->csv;
    YC_TRY(drain_replay(imp));
    if (n > 0 && st->held_cr)
        YC_TRY(feed_held_cr(imp, p[0] == '\n'));
    if (n > 0 && st->eol == EOL_UNKNOWN) {
        /* the first line end decides: LF or CRLF → EOL_LF, a lone CR → EOL_CR */
        const char *nl = memchr(p, '\n', n);
        size_t k = nl != NULL ? (size_t)(nl - p) : n;
        const char *cr = memchr(p, '\r', k);
        if (cr != NULL)
            k = (size_t)(cr - p);
        if (k + 1 == n && p[k] == '\r') {
            YC_TRY(feed_lines(imp, p, k));
            st->held_cr = true;
            return imp->fatal;
        }
        if (k < n)
            set_eol(st, p[k] == '\r' && p[k + 1] != '\n' ? EOL_CR : EOL_LF);
    }
    return feed_lines(imp, p, n);
}

yc_err yc_csv_finish(yc_imp *imp)
{
    yc_csv_state *st = imp->csv;
    if (st->held_cr && imp->fatal == YC_OK)
        YC_TRY(feed_held_cr(imp, false));
    for (;;) {
        YC_TRY(drain_replay(imp));
        if (imp->fatal != YC_OK)
            return imp->fatal;
        st->alloc_failures = yc_alloc_failures();
        if (csv_fini(&st->p, on_field, on_record, imp) == 0)
            break;
        YC_TRY(row_error(imp, NULL, 0, false));
        if (st->resync == NULL)
            break;
        take_resync(st);
    }
    record_done(st);
    return imp->fatal;
}

void yc_csv_end(yc_imp *imp)
{
    yc_csv_state *st = imp->csv;
    if (st == NULL)
        return;
    if (st->parser_ok)
        csv_free(&st->p);
    yc_free(st->buf);
    yc_free(st->raw);
    yc_free(st->resync);
    yc_free(st->replay);
    yc_free(st);
    imp->csv = NULL;
}

/* ---- one row given as field codes and values (yc_import_rows()) ---- */

/* Codes of the 双公示 standard (domain.md §5; the v1 layout of samples/) that neither table
 * lists: the CSV importer ignores such columns, and the row form accepts and ignores them
 * too.  Any other code that is not in the kind's table is unknown. */
static const char *const ignored_penalty_codes[] = {
    "CF_XDR_GSZC", "CF_XDR_ZZJG", "CF_XDR_SWDJ", "CF_XDR_SYDW", "CF_XDR_SHZZ", "CF_FRDB",
    "CF_FR_ZJLX",  "CF_FR_ZJHM",  "CF_NR_ZKDX",  "CF_XDR_ZDM",  "CF_XDR_GSDJ", "CF_FR"};
static const char *const ignored_licence_codes[] = {
    "XK_XDR_GSZC", "XK_XDR_ZZJG", "XK_XDR_SWDJ", "XK_XDR_SYDW", "XK_XDR_SHZZ", "XK_FRDB",
    "XK_FR_ZJLX",  "XK_FR_ZJHM",  "XK_XDR_ZDM",  "XK_XDR_GSDJ", "XK_FR"};

/* The kind a code's prefix names (CF_ / XK_, any case, as in a header), else K_NONE. */
static int code_kind(const char *code)
{
    if (strncasecmp(code, "CF_", 3) == 0)
        return K_PENALTY;
    if (strncasecmp(code, "XK_", 3) == 0)
        return K_LICENCE;
    return K_NONE;
}

/* The table entry of a field code (codes only, never Chinese names), or NULL. */
static const entry *find_code(const yc_csv_state *st, const char *code)
{
    for (size_t i = 0; i < st->table_n; i++)
        if (strcasecmp(st->table[i].code, code) == 0)
            return &st->table[i];
    return NULL;
}

static bool is_ignored_code(int kind, const char *code)
{
    const char *const *list = kind == K_PENALTY ? ignored_penalty_codes : ignored_licence_codes;
    size_t n = kind == K_PENALTY ? sizeof ignored_penalty_codes / sizeof *ignored_penalty_codes
                                 : sizeof ignored_licence_codes / sizeof *ignored_licence_codes;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(list[i], code) == 0)
            return true;
    return false;
}

/* A caller's code is named in a reject only when it is short [A-Za-z0-9_]. */
static const char *code_field(const char *code)
{
    return yc_imp_key_is_safe(code) ? code : "(key)";
}

/* Appends one cell (a header code or a value) to the current record of st. */
static yc_err put_cell(yc_imp *imp, yc_csv_state *st, const char *p, size_t n)
{
    /* rows are at most YC_IMPORT_MAX_COLUMNS distinct known codes plus the added required ones;
     * row_header() rejects more before this could be reached */
    YC_ENSURE(st->n_fields < YC_IMPORT_MAX_COLUMNS, YC_ERR_INTERNAL);
    if (st->buf_len + n > st->buf_cap) {
        size_t cap = st->buf_cap * 2 > st->buf_len + n ? st->buf_cap * 2 : st->buf_len + n;
        char *g = yc_realloc(st->buf, cap);
        if (g == NULL) {
            imp->fatal = YC_ERR_NOMEM;
            return YC_ERR_NOMEM;
        }
        st->buf = g;
        st->buf_cap = cap;
    }
    if (n > 0)
        memcpy(st->buf + st->buf_len, p, n);
    st->off[st->n_fields] = st->buf_len;
    st->len[st->n_fields] = n;
    st->buf_len += n;
    st->n_fields++;
    return YC_OK;
}

/* The kind of a row from its codes' prefixes; false after rejecting the row. */
static bool row_kind(yc_imp *imp, yc_csv_state *st, long row, const yc_import_field *fields,
                     size_t n)
{
    int kind = K_NONE;
    for (size_t i = 0; i < n; i++) {
        int k = code_kind(fields[i].code);
        if (k == K_NONE || k == kind)
            continue;
        if (kind != K_NONE) {
            yc_imp_reject(imp, row, code_field(fields[i].code),
                          "mixes 行政处罚 (CF_*) and 行政许可 (XK_*) field codes");
            return false;
        }
        kind = k;
    }
    if (kind == K_NONE) {
        yc_imp_reject(imp, row, YC_FIELD_ROW, "no CF_* or XK_* field code");
        return false;
    }
    if (kind == K_PENALTY && imp->opts->rules == NULL) {
        yc_imp_reject(imp, row, YC_FIELD_ROW, "行政处罚 needs the 处罚类别 rule table");
        return false;
    }
    st->kind = kind;
    st->table = kind == K_PENALTY ? penalty_entries : licence_entries;
    st->table_n = kind == K_PENALTY ? N_PENALTY : N_LICENCE;
    return true;
}

/* The header of one row: its codes, then the code of each required field it lacks (an empty
 * value, so that the row path says `required field missing`, as for an empty CSV cell).
 * Maps the columns as header() does.  *ret_ok is false when the row was rejected. */
static yc_err row_header(yc_imp *imp, yc_csv_state *st, long row, const yc_import_field *fields,
                         size_t n, bool *ret_ok)
{
    bool seen[F_COUNT] = {false};
    *ret_ok = false;
    st->legacy = false;
    st->n_fields = 0;
    st->buf_len = 0;
    memset(st->required, 0, sizeof st->required);
    for (size_t i = 0; i < n; i++) {
        const char *code = fields[i].code;
        const entry *e = find_code(st, code);
        if (e == NULL && !is_ignored_code(st->kind, code)) {
            yc_imp_reject(imp, row, code_field(code), "unknown field code");
            return YC_OK;
        }
        bool dup = e != NULL && e->f != F_IGNORE && seen[e->f];
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcasecmp(fields[j].code, code) == 0;
        if (dup) {
            yc_imp_reject(imp, row, code, "duplicate field");
            return YC_OK;
        }
        if (fields[i].value_len > YC_IMPORT_MAX_FIELD_BYTES) {
            yc_imp_reject(imp, row, code, "field longer than %d bytes", YC_IMPORT_MAX_FIELD_BYTES);
            return YC_OK;
        }
        if (e != NULL && e->f != F_IGNORE)
            seen[e->f] = true;
        st->legacy = st->legacy || (e != NULL && (e->flags & E_V1) != 0);
        YC_TRY(put_cell(imp, st, code, strlen(code)));
    }
    size_t n_req;
    const fid *req = required_list(st, &n_req);
    for (size_t i = 0; i < n_req; i++)
        if (!seen[req[i]]) {
            const char *code = default_code(st, req[i]);
            YC_TRY(put_cell(imp, st, code, strlen(code)));
        }
    st->n_cols = st->n_fields;
    yc_err rv = map_columns(imp, st);
    if (rv == YC_OK)
        rv = check_required(imp, st);
    if (rv == YC_ERR_INVALID) { /* not reached (checked above); reported: this row only */
        imp->fatal = YC_OK;
        return YC_OK;
    }
    *ret_ok = rv == YC_OK;
    return rv;
}

yc_err yc_csv_row(yc_imp *imp, long row, const yc_import_field *fields, size_t n)
{
    yc_csv_state *st = imp->csv;
    imp->stats.rows++;
    if (n > YC_IMPORT_MAX_COLUMNS) {
        yc_imp_reject(imp, row, YC_FIELD_ROW, "more than %d fields", YC_IMPORT_MAX_COLUMNS);
        return YC_OK;
    }
    if (!row_kind(imp, st, row, fields, n))
        return YC_OK;
    bool ok = false;
    YC_TRY(row_header(imp, st, row, fields, n, &ok));
    if (!ok)
        return YC_OK;
    /* the values, in the header's column order (the added required columns are empty) */
    st->n_fields = 0;
    st->buf_len = 0;
    for (size_t i = 0; i < st->n_cols; i++)
        YC_TRY(put_cell(imp, st, i < n ? fields[i].value : NULL, i < n ? fields[i].value_len : 0));
    if (!row_bytes(imp, st, row))
        return YC_OK;
    return st->kind == K_PENALTY ? penalty_row(imp, st, row) : licence_row(imp, st, row);
}
