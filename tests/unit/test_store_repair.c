/* Tests for include/yrdcredit/store_repair.h: credit repair applications (issue 6 item 6). */
#define _GNU_SOURCE /* nftw, memmem */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/date.h"
#include "yrdcredit/score.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_objection.h"
#include "yrdcredit/store_repair.h"

/* ---- helpers ---- */

typedef struct tdir {
    char base[64];
    char data[128];
} tdir;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void tdir_remove(const tdir *t)
{
    assert_int_equal(nftw(t->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static yc_store *init_and_open(tdir *t)
{
    snprintf(t->base, sizeof t->base, "/tmp/yc_srep_XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->data, sizeof t->data, "%s/data", t->base);
    assert_int_equal(yc_store_init_dir(t->data), YC_OK);
    yc_store *st = NULL;
    assert_int_equal(yc_store_open(t->data, NULL, &st), YC_OK);
    return st;
}

static const char USCC[] = "91110000710926094P";                  /* valid check character */
static const char PSEUDO[] = "PABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; /* 'P' + 32 base32 */
static const char ADMIN[] = "cl_AAAAAAAAAAAAAAAA";

/* id "rp_" + 21 'A' + the character c */
static void make_id(char out[static YC_REPAIR_ID_LEN + 1], char c)
{
    memset(out, 'A', YC_REPAIR_ID_LEN);
    memcpy(out, "rp_", 3);
    out[YC_REPAIR_ID_LEN - 1] = c;
    out[YC_REPAIR_ID_LEN] = '\0';
}

static void make_r(yc_store_repair *r, char idc, const char *sid, uint64_t rid, int64_t filed)
{
    memset(r, 0, sizeof *r);
    make_id(r->id, idc);
    r->record_id = rid;
    snprintf(r->subject_id, sizeof r->subject_id, "%s", sid);
    snprintf(r->commitment, sizeof r->commitment, "本单位承诺已整改完毕，按期履行义务。");
    r->n_evidence = 2;
    snprintf(r->evidence[0], sizeof r->evidence[0], "罚款缴纳凭证 2025-03-01");
    snprintf(r->evidence[1], sizeof r->evidence[1], "整改报告");
    r->filed_at_ms = filed;
    r->status = YC_REPAIR_PENDING;
}

/* s = n copies of c, NUL-terminated (cap bytes) */
static void fill(char *s, size_t cap, char c, size_t n)
{
    assert_true(n < cap);
    memset(s, c, n);
    s[n] = '\0';
}

static bool same(const yc_store_repair *a, const yc_store_repair *b)
{
    if (strcmp(a->id, b->id) != 0 || a->record_id != b->record_id ||
        strcmp(a->subject_id, b->subject_id) != 0 || strcmp(a->commitment, b->commitment) != 0 ||
        a->n_evidence != b->n_evidence || a->filed_at_ms != b->filed_at_ms ||
        a->status != b->status || strcmp(a->decided_by, b->decided_by) != 0 ||
        a->decided_at_ms != b->decided_at_ms || strcmp(a->reason, b->reason) != 0)
        return false;
    for (size_t i = 0; i < a->n_evidence; i++)
        if (strcmp(a->evidence[i], b->evidence[i]) != 0)
            return false;
    return true;
}

/* ---- safety and names ---- */

static void safety__null_arguments__invalid(void **state)
{
    (void)state;
    yc_store_repair r;
    make_r(&r, 'A', USCC, 1, 1000);
    size_t n = 0;
    uint8_t buf[YC_REPAIR_VAL_MAX];
    yc_store_repair *arr = NULL;
    char next[YC_REPAIR_CURSOR_MAX + 1];
    assert_int_equal(yc_store_repair_check_shape(NULL), YC_ERR_INVALID);
    assert_int_equal(yc_store_repair_encode(&r, buf, NULL), YC_ERR_INVALID);
    assert_int_equal(yc_store_repair_decode("rp_x", NULL, 0, &r), YC_ERR_STORE);
    assert_int_equal(yc_store_repair_put(NULL, &r), YC_ERR_INVALID);
    assert_int_equal(yc_store_repair_get(NULL, r.id, &r), YC_ERR_INVALID);
    assert_int_equal(yc_store_repairs_list(NULL, YC_REPAIR_PENDING, NULL, 1, &arr, &n, next),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_repairs_pending_count(NULL, USCC, &n), YC_ERR_INVALID);
    assert_false(yc_repair_text_ok(NULL, 10));
    assert_false(yc_repair_id_ok(NULL));
}

static void yc_repair_status_name__every_state__parses_back(void **state)
{
    (void)state;
    static const char *const names[] = {"pending", "approved", "rejected"};
    for (int s = 0; s < YC_REPAIR_STATUS_COUNT; s++) {
        assert_string_equal(yc_repair_status_name((yc_repair_status)s), names[s]);
        yc_repair_status back = YC_REPAIR_STATUS_COUNT;
        assert_int_equal(yc_repair_status_parse(names[s], strlen(names[s]), &back), YC_OK);
        assert_int_equal(back, s);
    }
    assert_string_equal(yc_repair_status_name(YC_REPAIR_STATUS_COUNT), "unknown");
    yc_repair_status out = YC_REPAIR_PENDING;
    assert_int_equal(yc_repair_status_parse("open", 4, &out), YC_ERR_INVALID);
    assert_int_equal(yc_repair_status_parse("pendin", 6, &out), YC_ERR_INVALID);
    assert_int_equal(yc_repair_status_parse("pendingx", 8, &out), YC_ERR_INVALID);
}

static void yc_repair_text_ok__limits_digits_controls__exact(void **state)
{
    (void)state;
    char s[YC_REPAIR_COMMITMENT_MAX + 8];
    fill(s, sizeof s, 'a', YC_REPAIR_COMMITMENT_MAX);
    assert_true(yc_repair_text_ok(s, YC_REPAIR_COMMITMENT_MAX));
    fill(s, sizeof s, 'a', YC_REPAIR_COMMITMENT_MAX + 1);
    assert_false(yc_repair_text_ok(s, YC_REPAIR_COMMITMENT_MAX));
    assert_false(yc_repair_text_ok("", 10));
    assert_true(yc_repair_text_ok("(12345678901234)", 100));   /* 14 digits */
    assert_false(yc_repair_text_ok("(123456789012345)", 100)); /* 15 digits */
    assert_true(yc_repair_text_ok("x123456", 100));   /* 6 digits directly after a letter */
    assert_false(yc_repair_text_ok("x1234567", 100)); /* 7: a passport number */
    assert_false(yc_repair_text_ok("x123456789012345y", 100));  /* 15 digits */
    assert_false(yc_repair_text_ok("11010519491231002X", 100)); /* a 身份证 number */
    /* regress__issue_6__repair_text_separated_or_full_width_digits__refused: separators
     * between digits and full-width digits do not hide a document number */
    assert_false(yc_repair_text_ok("1101051949-1231002X", 100));
    assert_false(yc_repair_text_ok("负责人身份证 330782-19581031-7029 已整改", 200));
    assert_false(yc_repair_text_ok("３３０７８２１９５８１０３１７０２９", 200));
    assert_false(yc_repair_text_ok("330782\u3000195810310", 100));       /* U+3000, 15 */
    assert_false(yc_repair_text_ok("330782\uff0d195810310", 100));       /* U+FF0D, 15 */
    assert_false(yc_repair_text_ok("3307 8219.5810/31_0", 100));         /* 15 */
    assert_true(yc_repair_text_ok("3307 8219.5810/31", 100));            /* 14 */
    assert_true(yc_repair_text_ok("１２３４５６７８９０１２３４", 100)); /* 14 */
    assert_true(yc_repair_text_ok("1101051949号1231002X", 100));         /* runs of 10 and 7 */
    assert_false(yc_repair_text_ok("line\nbreak", 100));
    assert_false(yc_repair_text_ok("tab\there", 100));
    assert_false(yc_repair_text_ok("del\x7f", 100));
    assert_false(yc_repair_text_ok("bad \xc3\x28", 100));      /* malformed UTF-8 */
    assert_false(yc_repair_text_ok("over \xc0\xaf", 100));     /* overlong */
    assert_false(yc_repair_text_ok("surr \xed\xa0\x80", 100)); /* a surrogate */
    assert_true(yc_repair_text_ok("信用承诺", 100));
    assert_true(yc_repair_text_ok("信用承诺", 12)); /* 4 characters, 12 bytes */
    assert_false(yc_repair_text_ok("信用承诺", 11));
}

static void yc_store_repair_check_shape__limits__at_and_past(void **state)
{
    (void)state;
    yc_store_repair r;
    make_r(&r, 'A', USCC, 1, 1000);
    assert_int_equal(yc_store_repair_check_shape(&r), YC_OK);
    make_r(&r, 'A', PSEUDO, 1, 1000);
    assert_int_equal(yc_store_repair_check_shape(&r), YC_OK);
    make_r(&r, 'A', "91110000710926094Q", 1, 1000); /* wrong check character */
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    make_r(&r, 'A', USCC, 0, 1000);
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    make_r(&r, '!', USCC, 1, 1000);
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    make_r(&r, 'A', USCC, 1, -1);
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    /* evidence: 1..8 items of 1..200 bytes */
    make_r(&r, 'A', USCC, 1, 1000);
    r.n_evidence = 0;
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    r.n_evidence = YC_REPAIR_EVIDENCE_MAX;
    for (size_t i = 0; i < YC_REPAIR_EVIDENCE_MAX; i++)
        fill(r.evidence[i], sizeof r.evidence[i], 'e', YC_REPAIR_EVIDENCE_ITEM_MAX);
    assert_int_equal(yc_store_repair_check_shape(&r), YC_OK);
    r.n_evidence = YC_REPAIR_EVIDENCE_MAX + 1;
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    r.n_evidence = 1;
    r.evidence[0][0] = '\0';
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    /* decided fields by state */
    make_r(&r, 'A', USCC, 1, 1000);
    snprintf(r.decided_by, sizeof r.decided_by, "%s", ADMIN);
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID); /* pending */
    r.status = YC_REPAIR_APPROVED;
    r.decided_at_ms = 1000;
    assert_int_equal(yc_store_repair_check_shape(&r), YC_OK);
    r.decided_at_ms = 999; /* before the filing */
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    r.decided_at_ms = 2000;
    r.status = YC_REPAIR_REJECTED; /* a rejection needs its reason */
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    fill(r.reason, sizeof r.reason, 'r', YC_REPAIR_REASON_MAX);
    assert_int_equal(yc_store_repair_check_shape(&r), YC_OK);
    snprintf(r.decided_by, sizeof r.decided_by, "cli:root");
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
    snprintf(r.decided_by, sizeof r.decided_by, "%s", ADMIN);
    r.status = YC_REPAIR_STATUS_COUNT;
    assert_int_equal(yc_store_repair_check_shape(&r), YC_ERR_INVALID);
}

/* ---- codec ---- */

static void yc_store_repair_codec__round_trip_and_corruptions__canonical_or_store(void **state)
{
    (void)state;
    yc_store_repair r, back;
    make_r(&r, 'B', PSEUDO, 77, 1234567);
    r.status = YC_REPAIR_REJECTED;
    snprintf(r.decided_by, sizeof r.decided_by, "%s", ADMIN);
    r.decided_at_ms = 7654321;
    snprintf(r.reason, sizeof r.reason, "证明材料不足");
    uint8_t v[YC_REPAIR_VAL_MAX], v2[YC_REPAIR_VAL_MAX];
    size_t len = 0, len2 = 0;
    assert_int_equal(yc_store_repair_encode(&r, v, &len), YC_OK);
    /* header 32 + (2+33) + (2+54) + (2+28) + (2+12) + (2+19) + (2+18) */
    assert_int_equal(len, 32 + 35 + 2 + strlen(r.commitment) + 2 + strlen(r.evidence[0]) + 2 +
                              strlen(r.evidence[1]) + 21 + 2 + strlen(r.reason));
    assert_int_equal(v[0], 1);
    assert_int_equal(v[1], YC_REPAIR_REJECTED);
    assert_int_equal(v[2], 2);
    assert_int_equal(yc_store_repair_decode(r.id, v, len, &back), YC_OK);
    assert_true(same(&r, &back));
    assert_int_equal(yc_store_repair_encode(&back, v2, &len2), YC_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(v, v2, len);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(yc_store_repair_decode(r.id, v, cut, &back), YC_ERR_STORE);
    uint8_t w[YC_REPAIR_VAL_MAX + 1];
    memcpy(w, v, len);
    w[len] = 0;
    assert_int_equal(yc_store_repair_decode(r.id, w, len + 1, &back), YC_ERR_STORE);
    memcpy(w, v, len);
    w[0] = 2; /* another codec version */
    assert_int_equal(yc_store_repair_decode(r.id, w, len, &back), YC_ERR_STORE);
    memcpy(w, v, len);
    w[5] = 1; /* a reserved byte */
    assert_int_equal(yc_store_repair_decode(r.id, w, len, &back), YC_ERR_STORE);
    memcpy(w, v, len);
    w[1] = 3; /* a state out of range */
    assert_int_equal(yc_store_repair_decode(r.id, w, len, &back), YC_ERR_STORE);
    memcpy(w, v, len);
    w[2] = 0; /* no evidence */
    assert_int_equal(yc_store_repair_decode(r.id, w, len, &back), YC_ERR_STORE);
    memcpy(w, v, len);
    w[32 + 2 + 3] = 0; /* a NUL inside the subject id */
    assert_int_equal(yc_store_repair_decode(r.id, w, len, &back), YC_ERR_STORE);
    memcpy(w, v, len);
    w[32 + 2 + 1] = 'a'; /* the subject id no longer a pseudonym */
    assert_int_equal(yc_store_repair_decode(r.id, w, len, &back), YC_ERR_STORE);
    /* a digit run of 15 put into the stored commitment is refused on the way out too */
    yc_store_repair d;
    make_r(&d, 'C', USCC, 1, 5);
    snprintf(d.commitment, sizeof d.commitment, "(12345678901234");
    assert_int_equal(yc_store_repair_encode(&d, v, &len), YC_OK);
    const size_t off = 32 + 2 + strlen(USCC) + 2;
    assert_int_equal(v[off], '(');
    v[off] = '9';
    assert_int_equal(yc_store_repair_decode(d.id, v, len, &back), YC_ERR_STORE);
    /* the id of the key must be a repair id */
    v[off] = '(';
    assert_int_equal(yc_store_repair_decode(d.id, v, len, &back), YC_OK);
    assert_int_equal(yc_store_repair_decode("rp_short", v, len, &back), YC_ERR_STORE);
}

/* ---- table ---- */

static void yc_store_repair_put__fresh_store__stored_and_pending_rule(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_repair r, got;
    size_t n = 99;
    make_r(&r, 'A', USCC, 5, 1000);
    /* before the first write: nothing, no table */
    assert_int_equal(yc_store_repair_get(st, r.id, &got), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_repairs_pending_count(st, USCC, &n), YC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(yc_store_repair_put(st, &r), YC_OK);
    assert_int_equal(yc_store_repair_get(st, r.id, &got), YC_OK);
    assert_true(same(&r, &got));
    /* a second pending application for record 5: conflict, also with another id */
    yc_store_repair r2;
    make_r(&r2, 'B', USCC, 5, 2000);
    assert_int_equal(yc_store_repair_put(st, &r2), YC_ERR_CONFLICT);
    assert_int_equal(yc_store_repair_get(st, r2.id, &got), YC_ERR_NOT_FOUND);
    /* the same id for another record: conflict */
    make_r(&r2, 'A', USCC, 6, 2000);
    assert_int_equal(yc_store_repair_put(st, &r2), YC_ERR_CONFLICT);
    /* another record: fine; a decided application is refused as new */
    make_r(&r2, 'B', USCC, 6, 2000);
    assert_int_equal(yc_store_repair_put(st, &r2), YC_OK);
    assert_int_equal(yc_store_repairs_pending_count(st, USCC, &n), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(yc_store_repairs_pending_count(st, PSEUDO, &n), YC_OK);
    assert_int_equal(n, 0);
    make_r(&r2, 'C', USCC, 7, 2000);
    r2.status = YC_REPAIR_APPROVED;
    snprintf(r2.decided_by, sizeof r2.decided_by, "%s", ADMIN);
    r2.decided_at_ms = 3000;
    assert_int_equal(yc_store_repair_put(st, &r2), YC_ERR_INVALID);
    /* a document number in the commitment: refused, and not in the data file */
    make_r(&r2, 'D', USCC, 8, 2000);
    snprintf(r2.commitment, sizeof r2.commitment, "证件 11010519491231002X");
    assert_int_equal(yc_store_repair_put(st, &r2), YC_ERR_INVALID);
    yc_store_close(st);
    char path[160];
    snprintf(path, sizeof path, "%s/lmdb/data.mdb", t.data);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 22];
    const size_t got_n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(got_n > 0);
    assert_null(memmem(buf, got_n, "11010519491231002X", 18));
    /* regress__issue_6__repair_free_texts__sealed_in_data_mdb: the stored commitment and
     * evidence are sealed (codec version 2), so not even an accepted text is in clear */
    assert_null(memmem(buf, got_n, "整改报告", strlen("整改报告")));
    tdir_remove(&t);
}

static void yc_store_repair_decide__pending_then_again__decided_then_conflict(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_repair r, got;
    make_r(&r, 'A', PSEUDO, 9, 1000);
    assert_int_equal(yc_store_repair_decide(st, r.id, YC_REPAIR_APPROVED, ADMIN, 2000, "", &got),
                     YC_ERR_NOT_FOUND); /* no table yet */
    assert_int_equal(yc_store_repair_put(st, &r), YC_OK);
    assert_int_equal(yc_store_repair_decide(st, r.id, YC_REPAIR_PENDING, ADMIN, 2000, "", &got),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_repair_decide(st, r.id, YC_REPAIR_REJECTED, ADMIN, 2000, "", &got),
                     YC_ERR_INVALID); /* a rejection needs a reason */
    assert_int_equal(yc_store_repair_decide(st, r.id, YC_REPAIR_APPROVED, "cli:x", 2000, "", &got),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_repair_decide(st, r.id, YC_REPAIR_APPROVED, ADMIN, 999, "", &got),
                     YC_ERR_INVALID); /* before the filing */
    char other[YC_REPAIR_ID_LEN + 1];
    make_id(other, 'Z');
    assert_int_equal(yc_store_repair_decide(st, other, YC_REPAIR_APPROVED, ADMIN, 2000, "", &got),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_store_repair_get(st, r.id, &got), YC_OK);
    assert_int_equal(got.status, YC_REPAIR_PENDING); /* nothing written by the refusals */
    assert_int_equal(yc_store_repair_decide(st, r.id, YC_REPAIR_APPROVED, ADMIN, 2000, "", &got),
                     YC_OK);
    assert_int_equal(got.status, YC_REPAIR_APPROVED);
    assert_string_equal(got.decided_by, ADMIN);
    assert_int_equal(got.decided_at_ms, 2000);
    assert_string_equal(got.reason, "");
    assert_int_equal(
        yc_store_repair_decide(st, r.id, YC_REPAIR_REJECTED, ADMIN, 3000, "too late", &got),
        YC_ERR_CONFLICT);
    assert_int_equal(yc_store_repair_decide(st, r.id, YC_REPAIR_APPROVED, ADMIN, 3000, "", NULL),
                     YC_ERR_CONFLICT);
    assert_int_equal(yc_store_repair_get(st, r.id, &got), YC_OK);
    assert_int_equal(got.status, YC_REPAIR_APPROVED);
    assert_int_equal(got.decided_at_ms, 2000);
    /* a rejected application frees the record for a new one */
    yc_store_repair r2;
    make_r(&r2, 'B', PSEUDO, 10, 1000);
    assert_int_equal(yc_store_repair_put(st, &r2), YC_OK);
    assert_int_equal(
        yc_store_repair_decide(st, r2.id, YC_REPAIR_REJECTED, ADMIN, 1500, "证明材料不足", &got),
        YC_OK);
    assert_string_equal(got.reason, "证明材料不足");
    make_r(&r2, 'C', PSEUDO, 10, 1600);
    assert_int_equal(yc_store_repair_put(st, &r2), YC_OK);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_repairs_listings__pages_and_filters__exact(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_repair r;
    /* subject USCC: ids E, D, C, B, A filed at 100..500 (time order differs from id order) */
    const char ids[] = "EDCBA";
    for (int i = 0; i < 5; i++) {
        make_r(&r, ids[i], USCC, (uint64_t)(i + 1), 100 * (i + 1));
        assert_int_equal(yc_store_repair_put(st, &r), YC_OK);
    }
    make_r(&r, 'F', PSEUDO, 50, 50);
    assert_int_equal(yc_store_repair_put(st, &r), YC_OK);
    char idb[YC_REPAIR_ID_LEN + 1];
    make_id(idb, 'B');
    assert_int_equal(yc_store_repair_decide(st, idb, YC_REPAIR_APPROVED, ADMIN, 900, "", NULL),
                     YC_OK);
    yc_store_repair *arr = NULL;
    size_t n = 0;
    char next[YC_REPAIR_CURSOR_MAX + 1];
    /* by subject, oldest filing first, pages of 2 */
    assert_int_equal(yc_store_repairs_by_subject(st, USCC, NULL, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].id[YC_REPAIR_ID_LEN - 1], 'E');
    assert_int_equal(arr[1].id[YC_REPAIR_ID_LEN - 1], 'D');
    assert_string_equal(next, arr[1].id);
    char cur[YC_REPAIR_CURSOR_MAX + 1];
    memcpy(cur, next, sizeof cur);
    yc_free(arr);
    assert_int_equal(yc_store_repairs_by_subject(st, USCC, cur, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].id[YC_REPAIR_ID_LEN - 1], 'C');
    assert_int_equal(arr[1].id[YC_REPAIR_ID_LEN - 1], 'B');
    assert_int_equal(arr[1].status, YC_REPAIR_APPROVED);
    memcpy(cur, next, sizeof cur);
    yc_free(arr);
    assert_int_equal(yc_store_repairs_by_subject(st, USCC, cur, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].id[YC_REPAIR_ID_LEN - 1], 'A');
    assert_string_equal(next, "");
    yc_free(arr);
    /* exactly limit left: no next page */
    assert_int_equal(yc_store_repairs_by_subject(st, USCC, NULL, 5, &arr, &n, next), YC_OK);
    assert_int_equal(n, 5);
    assert_string_equal(next, "");
    yc_free(arr);
    /* limits and bad cursors */
    assert_int_equal(yc_store_repairs_by_subject(st, USCC, NULL, 0, &arr, &n, next),
                     YC_ERR_INVALID);
    assert_int_equal(
        yc_store_repairs_by_subject(st, USCC, NULL, YC_REPAIR_PAGE_MAX + 1, &arr, &n, next),
        YC_ERR_INVALID);
    assert_int_equal(
        yc_store_repairs_by_subject(st, USCC, NULL, YC_REPAIR_PAGE_MAX, &arr, &n, next), YC_OK);
    assert_int_equal(n, 5);
    yc_free(arr);
    char idf[YC_REPAIR_ID_LEN + 1];
    make_id(idf, 'F'); /* another subject's application is no cursor of this subject */
    assert_int_equal(yc_store_repairs_by_subject(st, USCC, idf, 2, &arr, &n, next), YC_ERR_INVALID);
    assert_int_equal(yc_store_repairs_by_subject(st, USCC, "rp_bad", 2, &arr, &n, next),
                     YC_ERR_INVALID);
    assert_int_equal(yc_store_repairs_by_subject(st, PSEUDO, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].record_id, 50);
    yc_free(arr);
    /* all, in id order, by state */
    assert_int_equal(yc_store_repairs_list(st, YC_REPAIR_STATUS_COUNT, NULL, 100, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(arr[i].id[YC_REPAIR_ID_LEN - 1], "ABCDEF"[i]);
    yc_free(arr);
    assert_int_equal(yc_store_repairs_list(st, YC_REPAIR_PENDING, NULL, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].id[YC_REPAIR_ID_LEN - 1], 'A');
    assert_int_equal(arr[1].id[YC_REPAIR_ID_LEN - 1], 'C');
    memcpy(cur, next, sizeof cur);
    yc_free(arr);
    assert_int_equal(yc_store_repairs_list(st, YC_REPAIR_PENDING, cur, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].id[YC_REPAIR_ID_LEN - 1], 'D');
    assert_int_equal(arr[1].id[YC_REPAIR_ID_LEN - 1], 'E');
    memcpy(cur, next, sizeof cur);
    yc_free(arr);
    assert_int_equal(yc_store_repairs_list(st, YC_REPAIR_PENDING, cur, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].id[YC_REPAIR_ID_LEN - 1], 'F');
    assert_string_equal(next, "");
    yc_free(arr);
    assert_int_equal(yc_store_repairs_list(st, YC_REPAIR_APPROVED, NULL, 10, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].id[YC_REPAIR_ID_LEN - 1], 'B');
    yc_free(arr);
    assert_int_equal(yc_store_repairs_list(st, YC_REPAIR_REJECTED, NULL, 10, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    assert_string_equal(next, "");
    size_t pending = 0;
    assert_int_equal(yc_store_repairs_pending_count(st, USCC, &pending), YC_OK);
    assert_int_equal(pending, 4);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- the model's repairable codes (score.h helper used by the repair routes) ---- */

static void yc_model_code_repairable__score_v1__negative_repairable_codes_only(void **state)
{
    (void)state;
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    char path[512];
    snprintf(path, sizeof path, "%s/etc/model/score-v1.json", root);
    yc_model *m = NULL;
    assert_int_equal(yc_model_load(path, &m, NULL, 0), YC_OK);
    /* etc/model/score-v1.json: N02-N10, N12, N14 repairable; N01 (expires by itself), N11
     * (by performance), N13 (criminal) not; B and P codes are not negative */
    static const char want[] = "00000000"
                               "01111111110101";
    assert_int_equal(strlen(want), YC_CODE_COUNT);
    for (int c = 0; c < YC_CODE_COUNT; c++)
        assert_int_equal(yc_model_code_repairable(m, (yc_code)c), want[c] == '1');
    assert_false(yc_model_code_repairable(m, YC_CODE_COUNT));
    assert_false(yc_model_code_repairable(NULL, YC_CODE_N02));
    yc_model_free(m);
}

/* An active N06 record of merchant USCC, decision number i; returns its record id. */
static uint64_t ingest_n06(yc_store *st, int i)
{
    yc_record r = {
        .subject_type = YC_SUBJECT_LEGAL_PERSON, .code = YC_CODE_N06, .status = YC_STATUS_ACTIVE};
    snprintf(r.subject_id, sizeof r.subject_id, "%s", USCC);
    snprintf(r.subject_name, sizeof r.subject_name, "北京测试商贸有限公司");
    snprintf(r.decision_no, sizeof r.decision_no, "京市监经异〔2026〕%d号", i);
    assert_int_equal(yc_date_from_ymd(2026, 3, 15, &r.decision_date), YC_OK);
    snprintf(r.authority_name, sizeof r.authority_name, "北京市市场监督管理局");
    snprintf(r.authority_uscc, sizeof r.authority_uscc, "11330782002609254X");
    snprintf(r.source_name, sizeof r.source_name, "北京市市场监督管理局");
    snprintf(r.source_uscc, sizeof r.source_uscc, "11330782002609254X");
    snprintf(r.legal_basis, sizeof r.legal_basis, "《企业经营异常名录管理暂行办法》第四条");
    r.pub_start = r.pub_min_end = r.decision_date;
    r.pub_max_end = yc_date_add_months(r.decision_date, 36);
    snprintf(r.region, sizeof r.region, "110000");
    yc_ingest_stats s;
    assert_int_equal(yc_store_ingest(st, &r, 1, &s), YC_OK);
    return r.record_id;
}

/* regress__issue_7__repair_approval__record_and_application_in_one_transaction: the crash
 * harness (tests/integration/test_crash_mixed.py) found, after a kill, a record `repaired`
 * under a still pending application: approveRepair wrote the record and the application in two
 * transactions.  yc_store_repair_decide() now moves the record itself; a record neither active
 * nor repaired refuses the approval and nothing is written; a rejection leaves the record. */
static void
regress__issue_7__repair_approval__record_and_application_in_one_transaction(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    const uint64_t rid[3] = {ingest_n06(st, 1), ingest_n06(st, 2), ingest_n06(st, 3)};
    yc_store_repair r[3], got;
    yc_record rec;
    for (int i = 0; i < 3; i++) {
        make_r(&r[i], (char)('A' + i), USCC, rid[i], 1000);
        assert_int_equal(yc_store_repair_put(st, &r[i]), YC_OK);
    }
    assert_int_equal(yc_store_repair_decide(st, r[0].id, YC_REPAIR_APPROVED, ADMIN, 2000, "", &got),
                     YC_OK);
    assert_int_equal(got.status, YC_REPAIR_APPROVED);
    assert_int_equal(yc_store_record_get(st, rid[0], &rec, NULL), YC_OK);
    assert_int_equal(rec.status, YC_STATUS_REPAIRED);
    /* disputed meanwhile: the approval is refused whole */
    assert_int_equal(yc_store_record_set_status(st, rid[1], YC_STATUS_BIT(YC_STATUS_ACTIVE),
                                                YC_STATUS_DISPUTED, NULL),
                     YC_OK);
    assert_int_equal(yc_store_repair_decide(st, r[1].id, YC_REPAIR_APPROVED, ADMIN, 2000, "", &got),
                     YC_ERR_CONFLICT);
    assert_int_equal(yc_store_repair_get(st, r[1].id, &got), YC_OK);
    assert_int_equal(got.status, YC_REPAIR_PENDING);
    assert_int_equal(yc_store_record_get(st, rid[1], &rec, NULL), YC_OK);
    assert_int_equal(rec.status, YC_STATUS_DISPUTED);
    assert_int_equal(
        yc_store_repair_decide(st, r[2].id, YC_REPAIR_REJECTED, ADMIN, 2000, "材料不全", &got),
        YC_OK);
    assert_int_equal(yc_store_record_get(st, rid[2], &rec, NULL), YC_OK);
    assert_int_equal(rec.status, YC_STATUS_ACTIVE);
    yc_store_close(st);
    tdir_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__null_arguments__invalid),
        cmocka_unit_test(yc_repair_status_name__every_state__parses_back),
        cmocka_unit_test(yc_repair_text_ok__limits_digits_controls__exact),
        cmocka_unit_test(yc_store_repair_check_shape__limits__at_and_past),
        cmocka_unit_test(yc_store_repair_codec__round_trip_and_corruptions__canonical_or_store),
        cmocka_unit_test(yc_store_repair_put__fresh_store__stored_and_pending_rule),
        cmocka_unit_test(yc_store_repair_decide__pending_then_again__decided_then_conflict),
        cmocka_unit_test(yc_store_repairs_listings__pages_and_filters__exact),
        cmocka_unit_test(yc_model_code_repairable__score_v1__negative_repairable_codes_only),
        cmocka_unit_test(
            regress__issue_7__repair_approval__record_and_application_in_one_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
