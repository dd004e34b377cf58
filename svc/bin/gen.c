/* `yrdcredit gen`: a deterministic synthetic dataset at Yiwu scale, written in the
 * same real formats `yrdcredit import` reads (docs/formats.md).  CSV cells are
 * written with libcsv, JSON lines with Jansson. */
#include <csv.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "yrdcredit/ids.h"

/* Yiwu's published 2020 figures (义乌市第七次全国人口普查公报; 市场主体 count). */
#define GEN_DEFAULT_MERCHANTS   691000u
#define GEN_DEFAULT_INDIVIDUALS 1859400u
#define GEN_MAX_SUBJECTS        100000000u

/* Per-mille rates of the distribution printed by `gen --help`. */
typedef struct gen_rates {
    unsigned second_licence, penalty, debtor, commitment, p01, p03, p04, n06, n07, n08, n10, n12,
        n13, n14;
} gen_rates;
static const gen_rates merchant_rates = {.second_licence = 250,
                                         .penalty = 50,
                                         .debtor = 4,
                                         .commitment = 20,
                                         .p01 = 5,
                                         .p03 = 30,
                                         .p04 = 2,
                                         .n06 = 20,
                                         .n07 = 5,
                                         .n08 = 1,
                                         .n10 = 1,
                                         .n12 = 1,
                                         .n13 = 0,
                                         .n14 = 3};
/* individuals: penalty 25‰, debtor 3‰, P02 40‰, P06 10‰, N13 1‰ */

static const char *const authorities[][2] = {
    /* name, USCC body seed (the USCC itself is fictional, check characters valid) */
    {"义乌市市场监督管理局", "MSJ"},
    {"义乌市综合行政执法局", "ZHZF"},
    {"义乌市应急管理局", "YJGL"},
    {"义乌市消防救援大队", "XFJY"},
    {"国家税务总局义乌市税务局", "SWJ"},
    {"金华市生态环境局义乌分局", "STHJ"},
    {"义乌市人民法院", "FY"},
    {"义乌市卫生健康局", "WJJ"},
    {"义乌市交通运输局", "JTYS"},
    {"中华人民共和国义乌海关", "HG"},
    {"义乌市人力资源和社会保障局", "RSJ"},
    {"义乌市商务局", "SWU"},
};
#define N_AUTH (sizeof authorities / sizeof *authorities)

static const char uscc_alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

typedef struct gen_ctx {
    uint64_t rng;
    char auth_uscc[N_AUTH][YC_USCC_LEN + 1];
    FILE *cf, *xk, *sx, *cn, *rec;
    uint64_t counts[YC_CODE_COUNT];
    uint64_t rows;
} gen_ctx;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static unsigned rnd(gen_ctx *g, unsigned n)
{
    return (unsigned)(splitmix(&g->rng) % n);
}

/* A valid USCC: prefix (2 chars) + 330782 + 8-char body from @p id + org check + check. */
static void make_uscc(const char *prefix2, uint64_t id, char out[YC_USCC_LEN + 1])
{
    memcpy(out, prefix2, 2);
    memcpy(out + 2, "330782", 6);
    for (int i = 7; i >= 0; i--) {
        out[8 + i] = uscc_alpha[id % 31];
        id /= 31;
    }
    char c;
    if (yc_orgcode_check_char(out + 8, &c) != YC_OK)
        abort(); /* unreachable: body is from the alphabet */
    out[16] = c;
    if (yc_uscc_check_char(out, &c) != YC_OK)
        abort();
    out[17] = c;
    out[18] = '\0';
}

/* A valid 身份证号: 330782 + birth date from index + sequence + MOD 11-2 check. */
static void make_resident_id(uint64_t idx, char out[19])
{
    /* 20,000 distinct birth dates from 1950-01-01; sequence from the quotient. */
    yc_date base;
    if (yc_date_from_ymd(1950, 1, 1, &base) != YC_OK)
        abort();
    int y, m, d;
    yc_date_to_ymd(base + (yc_date)(idx % 20000u), &y, &m, &d);
    const unsigned seq = (unsigned)(idx / 20000u) % 1000u;
    snprintf(out, 19, "330782%04d%02d%02d%03u", y, m, d, seq);
    char c;
    if (yc_resident_id_check_char(out, &c) != YC_OK)
        abort();
    out[17] = c;
    out[18] = '\0';
}

static void make_person_name(gen_ctx *g, char *out, size_t cap)
{
    static const char *const sur[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "吴", "赵", "周",
                                      "徐", "孙", "朱", "胡", "金", "楼", "骆", "傅", "龚", "何"};
    static const char *const giv[] = {
        "伟", "芳", "娜",   "敏",   "静",   "磊",   "洋",   "勇",   "艳",   "杰",   "军",   "涛",
        "明", "超", "秀英", "建华", "晓东", "海燕", "志强", "丽萍", "国平", "春燕", "立新", "雪梅"};
    snprintf(out, cap, "%s%s%s", sur[rnd(g, 20)], giv[rnd(g, 24)],
             rnd(g, 2) ? giv[rnd(g, 24)] : "");
}

static void make_company_name(gen_ctx *g, uint64_t i, bool business, char *out, size_t cap)
{
    static const char *const word[] = {"福田", "稠城", "江东", "北苑", "佛堂", "廿三里", "苏溪",
                                       "鑫达", "顺源", "恒信", "宏远", "佳美", "永盛",   "华鼎"};
    static const char *const trade[] = {"小商品", "饰品",   "针织", "电子商务", "进出口",
                                        "工艺品", "日用品", "玩具", "五金",     "服饰"};
    if (business)
        snprintf(out, cap, "义乌市%s%s商行%" PRIu64 "号", word[rnd(g, 14)], trade[rnd(g, 10)], i);
    else
        snprintf(out, cap, "义乌市%s%s有限公司第%" PRIu64 "分部", word[rnd(g, 14)],
                 trade[rnd(g, 10)], i);
}

/* Decision dates between 2021-01-04 and 2026-06-30 (fixed, so the dataset does not
 * depend on the day it is generated and is never in the future of an import). */
static void rand_date(gen_ctx *g, char out[YC_DATE_STR_LEN + 1], yc_date *ret)
{
    yc_date lo, hi;
    if (yc_date_from_ymd(2021, 1, 4, &lo) != YC_OK || yc_date_from_ymd(2026, 6, 30, &hi) != YC_OK)
        abort();
    *ret = lo + (yc_date)rnd(g, (unsigned)(hi - lo));
    yc_date_format(*ret, out);
}

static void csv_row(FILE *f, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fputc(',', f);
        csv_fwrite(f, cells[i], strlen(cells[i]));
    }
    fputc('\n', f);
}

static void json_line(FILE *f, json_t *obj)
{
    json_dumpf(obj, f, JSON_COMPACT);
    fputc('\n', f);
    json_decref(obj);
}

typedef struct gen_subject {
    bool person;
    const char *lb;           /* 行政相对人类别 */
    const char *type;         /* API subject_type */
    char id[YC_USCC_LEN + 1]; /* USCC (merchants) or 身份证号 (persons) */
    char name[128];
} gen_subject;

static void gen_penalty(gen_ctx *g, const gen_subject *s, uint64_t serial)
{
    static const char *const cats[] = {
        "警告",     "罚款",         "罚款",         "罚款;没收违法所得",
        "通报批评", "责令停产停业", "吊销许可证件", "罚款"};
    static const char *const wfxw[] = {"产品质量", "价格违法", "广告违法", "安全生产",
                                       "消防违法", "食品安全", "商标侵权", "无照经营"};
    char wsh[64], date[YC_DATE_STR_LEN + 1], fk[32];
    yc_date dd;
    const unsigned a = rnd(g, N_AUTH - 3); /* the first authorities impose penalties */
    rand_date(g, date, &dd);
    snprintf(wsh, sizeof wsh, "义罚〔%.4s〕%" PRIu64 "号", date, serial);
    const char *cat = cats[rnd(g, s->person ? 3 : 8)];
    const bool fine = strstr(cat, "罚款") != NULL;
    snprintf(fk, sizeof fk, "%u.%02u", s->person ? rnd(g, 2) : rnd(g, 40), rnd(g, 100));
    const char *cells[] = {s->name,
                           s->lb,
                           s->person ? "" : s->id,
                           s->person ? "身份证" : "",
                           s->person ? s->id : "",
                           wsh,
                           wfxw[rnd(g, 8)],
                           "经查，当事人存在违法行为",
                           "《中华人民共和国行政处罚法》第二十八条",
                           cat,
                           fine ? "罚款" : cat,
                           fine ? fk : "",
                           date,
                           "2099/12/31",
                           authorities[a][0],
                           g->auth_uscc[a],
                           authorities[a][0],
                           g->auth_uscc[a]};
    csv_row(g->cf, cells, sizeof cells / sizeof *cells);
    g->rows++;
}

static void gen_licence(gen_ctx *g, const gen_subject *s, uint64_t serial)
{
    char wsh[64], from[YC_DATE_STR_LEN + 1], to[YC_DATE_STR_LEN + 1];
    yc_date dd;
    rand_date(g, from, &dd);
    const unsigned years = rnd(g, 4) == 0 ? 0 : 5;
    if (years == 0)
        memcpy(to, "2099-12-31", sizeof to);
    else
        yc_date_format(yc_date_add_months(dd, 60) - 1, to);
    snprintf(wsh, sizeof wsh, "义市监许〔%.4s〕%" PRIu64 "号", from, serial);
    const char *cells[] = {s->name,
                           s->lb,
                           s->id,
                           wsh,
                           rnd(g, 3) ? "普通" : "登记",
                           from,
                           from,
                           to,
                           authorities[0][0],
                           g->auth_uscc[0],
                           authorities[0][0],
                           g->auth_uscc[0]};
    csv_row(g->xk, cells, sizeof cells / sizeof *cells);
    g->rows++;
    g->counts[YC_CODE_B02]++;
}

static void gen_debtor(gen_ctx *g, const gen_subject *s, uint64_t serial)
{
    char date[YC_DATE_STR_LEN + 1], reg[YC_DATE_STR_LEN + 1], case_code[64], gist[64];
    yc_date dd;
    rand_date(g, date, &dd);
    yc_date_format(dd - 30 - (yc_date)rnd(g, 300), reg);
    snprintf(case_code, sizeof case_code, "(%.4s)浙0782执%" PRIu64 "号", date, serial);
    snprintf(gist, sizeof gist, "(%.4s)浙0782民初%" PRIu64 "号", reg, serial);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "iname", s->name,
        "caseCode", case_code, "cardNum", s->id, "type", s->person ? "0" : "1", "courtName",
        authorities[6][0], "courtUscc", g->auth_uscc[6], "gistId", gist, "gistUnit",
        authorities[6][0], "duty", "支付货款及利息", "performance", "全部未履行", "disruptTypeName",
        "有履行能力而拒不履行生效法律文书确定义务", "regDate", reg, "publishDate", date);
    json_line(g->sx, o);
    g->rows++;
    g->counts[YC_CODE_N11]++;
}

static void gen_commitment(gen_ctx *g, const gen_subject *s, uint64_t serial)
{
    char date[YC_DATE_STR_LEN + 1], code[32];
    yc_date dd;
    rand_date(g, date, &dd);
    snprintf(code, sizeof code, "330782%.4s%.2s%.2s%06" PRIu64, date, date + 5, date + 8,
             serial % 1000000u);
    const bool kept = rnd(g, 10) != 0;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "code", code,
        "subjectName", s->name, "subjectCategory", s->lb, "identify", s->id, "commitmentTypeId",
        "审批替代型", "reason", "申请办理经营许可", "content", "承诺所填报材料真实有效",
        "liabilityBreachCommitment", "承担撤销许可的法律责任", "commitmentDate", date,
        "fulfillmentStatus", kept ? "全部履行" : "全部未履行", "acceptanceUnit", authorities[0][0],
        "acceptanceUnitIdentify", g->auth_uscc[0], "publicationType", "可向社会公开");
    if (!kept) {
        json_object_set_new(o, "unperformedCommitmentContent", json_string("未按期补齐材料"));
        json_object_set_new(o, "liabilityBreachCommitmentContent", json_string("撤销许可"));
    }
    json_line(g->cn, o);
    g->rows++;
    g->counts[kept ? YC_CODE_P05 : YC_CODE_N09]++;
}

static void gen_generic(gen_ctx *g, const gen_subject *s, yc_code code, uint64_t serial)
{
    char date[YC_DATE_STR_LEN + 1], no[64];
    yc_date dd;
    rand_date(g, date, &dd);
    const unsigned a = code == YC_CODE_P04 ? 9 : code == YC_CODE_P03 ? 4 : rnd(g, N_AUTH);
    snprintf(no, sizeof no, "义信%s〔%.4s〕%" PRIu64 "号", yc_code_str(code), date, serial);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "subject_type", s->type,
                          "name", s->name, "code", yc_code_str(code), "decision_no", no,
                          "decision_date", date, "authority_name", authorities[a][0],
                          "authority_uscc", g->auth_uscc[a], "region", "330782");
    if (s->person) {
        json_object_set_new(o, "doc_type", json_string("resident_id"));
        json_object_set_new(o, "doc_number", json_string(s->id));
    } else {
        json_object_set_new(o, "subject_id", json_string(s->id));
    }
    json_line(g->rec, o);
    g->rows++;
    g->counts[code]++;
}

static bool hit(gen_ctx *g, unsigned per_mille)
{
    return rnd(g, 1000) < per_mille;
}

static void gen_merchant(gen_ctx *g, uint64_t i)
{
    gen_subject s = {.person = false};
    const bool business = rnd(g, 10) < 6; /* 个体工商户 are most of Yiwu's 市场主体 */
    s.lb = business ? "个体工商户" : "法人及非法人组织";
    s.type = business ? "individual_business" : "legal_person";
    make_uscc(business ? "92" : "91", i + 1000, s.id);
    make_company_name(g, i, business, s.name, sizeof s.name);
    const gen_rates *r = &merchant_rates;
    gen_licence(g, &s, 2 * i);
    if (hit(g, r->second_licence))
        gen_licence(g, &s, 2 * i + 1);
    if (hit(g, r->penalty))
        gen_penalty(g, &s, i);
    if (hit(g, r->debtor))
        gen_debtor(g, &s, i);
    if (hit(g, r->commitment))
        gen_commitment(g, &s, i);
    const struct {
        unsigned rate;
        yc_code code;
    } extra[] = {{r->p01, YC_CODE_P01}, {r->p03, YC_CODE_P03}, {r->p04, YC_CODE_P04},
                 {r->n06, YC_CODE_N06}, {r->n07, YC_CODE_N07}, {r->n08, YC_CODE_N08},
                 {r->n10, YC_CODE_N10}, {r->n12, YC_CODE_N12}, {r->n14, YC_CODE_N14}};
    for (size_t k = 0; k < sizeof extra / sizeof *extra; k++)
        if (hit(g, extra[k].rate))
            gen_generic(g, &s, extra[k].code, i);
}

static void gen_individual(gen_ctx *g, uint64_t i)
{
    gen_subject s = {.person = true, .lb = "自然人", .type = "natural_person"};
    make_resident_id(i, s.id);
    make_person_name(g, s.name, sizeof s.name);
    if (hit(g, 25))
        gen_penalty(g, &s, 10000000u + i);
    if (hit(g, 3))
        gen_debtor(g, &s, 10000000u + i);
    if (hit(g, 40))
        gen_generic(g, &s, YC_CODE_P02, 10000000u + i);
    if (hit(g, 10))
        gen_generic(g, &s, YC_CODE_P06, 10000000u + i);
    if (hit(g, 1))
        gen_generic(g, &s, YC_CODE_N13, 10000000u + i);
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "yrdcredit gen: cannot create %s: %s\n", path, strerror(errno));
    return f;
}

static const char gen_usage[] =
    "usage: yrdcredit gen [--merchants N] [--individuals M] [--seed S] [--out DIR]\n"
    "\n"
    "Writes a deterministic synthetic dataset (same seed and sizes = same bytes) in the\n"
    "formats `yrdcredit import` reads (docs/formats.md), into DIR (default ./gen):\n"
    "  xzcf.csv     行政处罚 in 双公示 CSV (CF_* codes)\n"
    "  xzxk.csv     行政许可 in 双公示 CSV (XK_* codes)\n"
    "  sxbzxr.jsonl 失信被执行人 (最高人民法院 feed field names)\n"
    "  xycn.jsonl   信用承诺\n"
    "  records.jsonl generic records (P01-P04, P06, N06-N08, N10, N12-N14)\n"
    "\n"
    "Defaults: 691,000 market entities (市场主体) and 1,859,400 residents (常住人口), Yiwu's\n"
    "published 2020 figures; seed 1.  Every subject is in 行政区划 330782.\n"
    "Distribution per merchant (60% 个体工商户, 40% 法人): one 行政许可 (B02; 1 in 4 长期),\n"
    "a second one 25%; 行政处罚 5%; 失信被执行人 0.4%; 信用承诺 2% (9 in 10 全部履行 -> P05,\n"
    "else N09); P01 0.5%, P03 3%, P04 0.2%, N06 2%, N07 0.5%, N08 0.1%, N10 0.1%,\n"
    "N12 0.1%, N14 0.3%.  Per resident: 行政处罚 2.5%, 失信被执行人 0.3%, P02 4%, P06 1%,\n"
    "N13 0.1%; residents without any record do not appear.  Decision dates are uniform in\n"
    "2021-01-04..2026-06-29.  Default output: about 1.1 million records.\n"
    "行政处罚 rows: 处罚类别 for merchants uniform over 警告, 罚款 (3 in 8), 罚款;没收违法所得,\n"
    "通报批评, 责令停产停业, 吊销许可证件; for residents 警告 or 罚款 (2 in 3); 罚款 amounts\n"
    "uniform in 0-40 万元 (merchants) or 0-2 万元 (residents); 违法行为类型 uniform over eight\n"
    "types, two of them (安全生产, 消防违法) safety types.  The code (N01-N05) is decided at\n"
    "import by the data dir's rules/penalty-categories.json, not by gen.  B01 (registration,\n"
    "0 points) is not generated.\n"
    "\n"
    "Exit status: 0 ok, 2 usage, 4 cannot write.\n";

int cli_gen(int argc, char **argv)
{
    uint64_t merchants = GEN_DEFAULT_MERCHANTS, individuals = GEN_DEFAULT_INDIVIDUALS, seed = 1;
    const char *out = "gen";
    static const struct option opts[] = {{"merchants", required_argument, NULL, 'm'},
                                         {"individuals", required_argument, NULL, 'i'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
        case 'i':
        case 's': {
            uint64_t v;
            if (cli_parse_u64(optarg, c == 's' ? UINT64_MAX : GEN_MAX_SUBJECTS, &v) != YC_OK) {
                fprintf(stderr, "yrdcredit gen: --%s: expected an integer%s, got '%s'\n",
                        c == 'm'   ? "merchants"
                        : c == 'i' ? "individuals"
                                   : "seed",
                        c == 's' ? "" : " 0..100000000", optarg);
                return 2;
            }
            *(c == 'm' ? &merchants : c == 'i' ? &individuals : &seed) = v;
            break;
        }
        case 'o':
            out = optarg;
            break;
        case 'd':
            break; /* accepted for uniformity; gen does not use the data dir */
        case 'h':
            fputs(gen_usage, stdout);
            return 0;
        default:
            fputs(gen_usage, stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fputs(gen_usage, stderr);
        return 2;
    }
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "yrdcredit gen: cannot create %s: %s\n", out, strerror(errno));
        return 4;
    }
    gen_ctx g = {.rng = seed};
    for (size_t a = 0; a < N_AUTH; a++)
        make_uscc("11", 900000 + a * 7919, g.auth_uscc[a]);
    g.cf = open_out(out, "xzcf.csv");
    g.xk = open_out(out, "xzxk.csv");
    g.sx = open_out(out, "sxbzxr.jsonl");
    g.cn = open_out(out, "xycn.jsonl");
    g.rec = open_out(out, "records.jsonl");
    int rc = 0;
    if (!g.cf || !g.xk || !g.sx || !g.cn || !g.rec) {
        rc = 4;
        goto out;
    }
    fputs("CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_XDR_ZJLX,CF_XDR_ZJHM,CF_WSH,CF_WFXW,CF_SY,CF_YJ,"
          "CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM\n",
          g.cf);
    fputs("XK_XDR_MC,XK_XDR_LB,XK_XDR_SHXYM,XK_WSH,XK_XKLB,XK_JDRQ,XK_YXQZ,XK_YXQZI,XK_XKJG,"
          "XK_XKJGDM,XK_LYDW,XK_LYDWDM\n",
          g.xk);
    for (uint64_t i = 0; i < merchants; i++)
        gen_merchant(&g, i);
    for (uint64_t i = 0; i < individuals; i++)
        gen_individual(&g, i);
    if (!ferror(g.cf) && !ferror(g.xk) && !ferror(g.sx) && !ferror(g.cn) && !ferror(g.rec))
        fprintf(stderr, "yrdcredit gen: %" PRIu64 " rows into %s/ (seed %" PRIu64 ")\n", g.rows,
                out, seed);
out:;
    FILE *files[] = {g.cf, g.xk, g.sx, g.cn, g.rec};
    static const char *const names[] = {"xzcf.csv", "xzxk.csv", "sxbzxr.jsonl", "xycn.jsonl",
                                        "records.jsonl"};
    for (size_t k = 0; k < 5; k++) {
        if (files[k] == NULL)
            continue;
        const bool failed = ferror(files[k]) != 0;
        if (fclose(files[k]) != 0 || failed) {
            fprintf(stderr, "yrdcredit gen: cannot write %s/%s\n", out, names[k]);
            rc = 4;
        }
    }
    return rc;
}
