/* Tests for include/yrdcredit/store_audit.h: the audit log of admin actions. */
#define _GNU_SOURCE /* nftw, memmem */
#include <ftw.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h> /* only to make a data directory from before the audit table */

#include "yrdcredit/alloc.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_audit.h"

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
    snprintf(t->base, sizeof t->base, "/tmp/yc_saud_XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->data, sizeof t->data, "%s/data", t->base);
    assert_int_equal(yc_store_init_dir(t->data), YC_OK);
    yc_store *st = NULL;
    assert_int_equal(yc_store_open(t->data, NULL, &st), YC_OK);
    return st;
}

#define SET(dst, ...) snprintf((dst), sizeof(dst), __VA_ARGS__)

/* dst = a followed by b (asserted to fit) */
static void cat2(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    assert_true(la + lb < cap);
    memcpy(dst, a, la);
    memcpy(dst + la, b, lb + 1);
}
#define SETS(dst, a, b) cat2((dst), sizeof(dst), (a), (b))

static void make_e(yc_store_audit *e, int64_t at_ms, yc_audit_action a, bool ok, const char *target,
                   const char *detail)
{
    memset(e, 0, sizeof *e);
    e->at_ms = at_ms;
    SET(e->actor, "cli:root");
    e->action = (uint8_t)a;
    e->outcome = ok ? YC_AUDIT_OK : YC_AUDIT_REFUSED;
    SETS(e->target, "", target);
    SETS(e->detail, "", detail);
}

static uint64_t append(yc_store *st, int64_t at_ms, yc_audit_action a, const char *target)
{
    yc_store_audit e;
    make_e(&e, at_ms, a, true, target, "");
    uint64_t seq = 0;
    assert_int_equal(yc_store_audit_append(st, &e, &seq), YC_OK);
    return seq;
}

/* "c" repeated n times into a static buffer */
static const char *rep(char c, size_t n)
{
    static char buf[512];
    assert_true(n < sizeof buf);
    memset(buf, c, n);
    buf[n] = '\0';
    return buf;
}

/* ---- vocabulary ---- */

static void yc_audit_action_code__every_action__parses_back(void **state)
{
    (void)state;
    static const char *codes[] = {
        "client_add",        "client_revoke",  "key_new",         "key_rotate",    "key_retire",
        "trust_add",         "trust_remove",   "trust_refresh",   "policy_reload", "share_import",
        "objection_resolve", "repair_approve", "repair_reject",   "purge",         "record_revoke",
        "attest_revoke",     "attest_suspend", "attest_unsuspend"};
    assert_int_equal(sizeof codes / sizeof codes[0], YC_AUDIT_ACTION_LAST);
    for (int a = 1; a <= YC_AUDIT_ACTION_LAST; a++) {
        assert_string_equal(yc_audit_action_code((yc_audit_action)a), codes[a - 1]);
        yc_audit_action got = YC_AUDIT_ANY;
        assert_int_equal(yc_audit_action_parse(codes[a - 1], &got), YC_OK);
        assert_int_equal(got, a);
        assert_true(strlen(codes[a - 1]) <= YC_AUDIT_ACTION_CODE_MAX);
    }
    assert_string_equal(yc_audit_action_code(YC_AUDIT_ANY), "unknown");
    assert_string_equal(yc_audit_action_code((yc_audit_action)19), "unknown");
    /* regression of issue 6: the codes of breaker2 defect 5 keep their stored numbers */
    assert_int_equal(YC_AUDIT_RECORD_REVOKE, 15);
    assert_int_equal(YC_AUDIT_ATTEST_REVOKE, 16);
    assert_int_equal(YC_AUDIT_ATTEST_SUSPEND, 17);
    assert_int_equal(YC_AUDIT_ATTEST_UNSUSPEND, 18);
    assert_int_equal(YC_AUDIT_ACTION_LAST, 18);
    yc_audit_action got = YC_AUDIT_ANY;
    assert_int_equal(yc_audit_action_parse("Client_add", &got), YC_ERR_INVALID);
    assert_int_equal(yc_audit_action_parse("", &got), YC_ERR_INVALID);
    assert_int_equal(yc_audit_action_parse("unknown", &got), YC_ERR_INVALID);
    assert_int_equal(got, YC_AUDIT_ANY);
    assert_string_equal(yc_audit_outcome_code(YC_AUDIT_OK), "ok");
    assert_string_equal(yc_audit_outcome_code(YC_AUDIT_REFUSED), "refused");
    assert_string_equal(yc_audit_outcome_code((yc_audit_outcome)2), "unknown");
}

/* ---- shape ---- */

static void yc_store_audit_check_shape__limits__at_and_past(void **state)
{
    (void)state;
    yc_store_audit e;
    make_e(&e, 0, YC_AUDIT_CLIENT_ADD, true, rep('t', YC_AUDIT_TARGET_MAX), "");
    assert_int_equal(yc_store_audit_check_shape(&e), YC_OK);
    /* target 256 bytes: not NUL-terminated within its array */
    memset(e.target, 't', sizeof e.target);
    assert_int_equal(yc_store_audit_check_shape(&e), YC_ERR_INVALID);
    make_e(&e, 0, YC_AUDIT_CLIENT_ADD, true, "", rep('d', YC_AUDIT_DETAIL_MAX));
    assert_int_equal(yc_store_audit_check_shape(&e), YC_OK);
    assert_false(yc_audit_text_ok(rep('d', YC_AUDIT_DETAIL_MAX + 1), true));
    memset(e.detail, 'd', sizeof e.detail);
    assert_int_equal(yc_store_audit_check_shape(&e), YC_ERR_INVALID);
    /* actor: 64 bytes ok, 65 not */
    make_e(&e, 0, YC_AUDIT_CLIENT_ADD, true, "", "");
    SETS(e.actor, "cli:", rep('u', YC_AUDIT_ACTOR_MAX - 4));
    assert_int_equal(yc_store_audit_check_shape(&e), YC_OK);
    memset(e.actor, 'u', sizeof e.actor);
    memcpy(e.actor, "cli:", 4);
    assert_int_equal(yc_store_audit_check_shape(&e), YC_ERR_INVALID);
    static const char *good_actors[] = {"cli:root", "system:purge", "cl_AAAAAAAAAAAAAAAA",
                                        "cli:a.b_c-d"};
    static const char *bad_actors[] = {"",         "cli:",
                                       "root",     "cli:a b",
                                       "system:",  "cl_AAAAAAAAAAAAAAA",
                                       "cli:张三", "cl_AAAAAAAAAAAAAAA+"};
    for (size_t i = 0; i < sizeof good_actors / sizeof *good_actors; i++) {
        SETS(e.actor, "", good_actors[i]);
        assert_int_equal(yc_store_audit_check_shape(&e), YC_OK);
    }
    for (size_t i = 0; i < sizeof bad_actors / sizeof *bad_actors; i++) {
        SETS(e.actor, "", bad_actors[i]);
        assert_int_equal(yc_store_audit_check_shape(&e), YC_ERR_INVALID);
    }
    SET(e.actor, "cli:root");
    /* action 1..14, outcome 0..1, at_ms >= 0 */
    e.action = 0;
    assert_int_equal(yc_store_audit_check_shape(&e), YC_ERR_INVALID);
    e.action = YC_AUDIT_ACTION_LAST + 1;
    assert_int_equal(yc_store_audit_check_shape(&e), YC_ERR_INVALID);
    e.action = YC_AUDIT_ACTION_LAST;
    assert_int_equal(yc_store_audit_check_shape(&e), YC_OK);
    e.outcome = 2;
    assert_int_equal(yc_store_audit_check_shape(&e), YC_ERR_INVALID);
    e.outcome = YC_AUDIT_REFUSED;
    e.at_ms = -1;
    assert_int_equal(yc_store_audit_check_shape(&e), YC_ERR_INVALID);
    assert_int_equal(yc_store_audit_check_shape(NULL), YC_ERR_INVALID);
}

static void yc_audit_text_ok__document_number_token_name__refused(void **state)
{
    (void)state;
    /* digit runs: 14 allowed, 15 (an old 15-digit ID) refused */
    assert_true(yc_audit_text_ok(rep('7', YC_AUDIT_DIGIT_RUN_MAX), false));
    assert_false(yc_audit_text_ok(rep('7', YC_AUDIT_DIGIT_RUN_MAX + 1), false));
    assert_false(yc_audit_text_ok(rep('7', YC_AUDIT_DIGIT_RUN_MAX + 1), true));
    /* 18-character resident identity card numbers, alone or inside text */
    assert_false(yc_audit_text_ok("11010119900307777X", false));
    assert_false(yc_audit_text_ok("110101199003077778", false));
    assert_false(yc_audit_text_ok("id=11010119900307777X", true));
    /* punctuation other than a letter or ideograph does not split a run (svc/core/text.c) */
    assert_false(yc_audit_text_ok("1101011990030=77778", false));
    /* regress__issue_6__audit_text_separated_digits__refused: a separator (space - . / _)
     * between digits does not split the run: 15 refused, 14 allowed */
    assert_false(yc_audit_text_ok("1101011990030-77778", false));
    assert_false(yc_audit_text_ok("id=110101-19900307-777X", true));
    assert_false(yc_audit_text_ok("a 1234 5678.9012/345_ b", true));
    assert_true(yc_audit_text_ok("a 1234 5678.9012/34_ b", true));
    assert_false(yc_audit_text_ok("12345-67890-12345", false));
    assert_true(yc_audit_text_ok("12345-67890-1234", false));
    assert_true(yc_audit_text_ok("records=12345678 queries=1234567", true));
    /* a client token: yc_ + 43 base64url */
    char tok[64];
    SETS(tok, "yc_", rep('A', 43));
    assert_false(yc_audit_text_ok(tok, false));
    SETS(tok, "Bearer yc_", rep('b', 43));
    assert_false(yc_audit_text_ok(tok, true));
    SETS(tok, "yc_", rep('A', 42));
    assert_true(yc_audit_text_ok(tok, false));
    /* non-ASCII (a name), control characters, spaces in a target */
    assert_false(yc_audit_text_ok("张三", false));
    assert_false(yc_audit_text_ok("张三", true));
    assert_false(yc_audit_text_ok("a\tb", true));
    assert_false(yc_audit_text_ok("a b", false));
    assert_true(yc_audit_text_ok("a b", true));
    assert_true(yc_audit_text_ok("https://partner.example/issuer", false));
    assert_true(yc_audit_text_ok("", false));
    assert_false(yc_audit_text_ok(NULL, true));
}

/* ---- codec ---- */

static void yc_store_audit_codec__round_trip_and_truncations__canonical_or_store(void **state)
{
    (void)state;
    yc_store_audit e;
    make_e(&e, INT64_MAX, YC_AUDIT_TRUST_REFRESH, false, rep('t', YC_AUDIT_TARGET_MAX), "");
    SETS(e.detail, "", rep('d', YC_AUDIT_DETAIL_MAX));
    SETS(e.actor, "cli:", rep('u', YC_AUDIT_ACTOR_MAX - 4));
    uint8_t buf[YC_AUDIT_VAL_MAX], again[YC_AUDIT_VAL_MAX];
    size_t len = 0, len2 = 0;
    assert_int_equal(yc_store_audit_encode(&e, buf, &len), YC_OK);
    assert_int_equal(len, YC_AUDIT_VAL_MAX);
    yc_store_audit d;
    assert_int_equal(yc_store_audit_decode(42, buf, len, &d), YC_OK);
    assert_int_equal(d.seq, 42);
    assert_int_equal(d.at_ms, INT64_MAX);
    assert_int_equal(d.action, YC_AUDIT_TRUST_REFRESH);
    assert_int_equal(d.outcome, YC_AUDIT_REFUSED);
    assert_string_equal(d.actor, e.actor);
    assert_string_equal(d.target, e.target);
    assert_string_equal(d.detail, e.detail);
    assert_int_equal(yc_store_audit_encode(&d, again, &len2), YC_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, buf, len);
    /* every truncation is refused */
    for (size_t n = 0; n < len; n++)
        assert_int_equal(yc_store_audit_decode(1, buf, n, &d), YC_ERR_STORE);
    /* a trailing byte */
    uint8_t big[YC_AUDIT_VAL_MAX + 1];
    memcpy(big, buf, len);
    big[len] = 0;
    assert_int_equal(yc_store_audit_decode(1, big, len + 1, &d), YC_ERR_STORE);
    /* smallest value: empty target and detail */
    make_e(&e, 0, YC_AUDIT_PURGE, true, "", "");
    assert_int_equal(yc_store_audit_encode(&e, buf, &len), YC_OK);
    assert_int_equal(len, 16 + 1 + 8 + 1 + 1);
    static const uint8_t want[] = {1, 14, 0, 0,   0,   0,   0,   0,   0,   0,   0,   0, 0, 0,
                                   0, 0,  8, 'c', 'l', 'i', ':', 'r', 'o', 'o', 't', 0, 0};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(yc_store_audit_decode(7, buf, len, &d), YC_OK);
    /* one byte changed at a time in the header: version, action, outcome, reserved */
    static const struct {
        size_t off;
        uint8_t val;
    } bad[] = {{0, 0}, {0, 2}, {1, 0}, {1, 19}, {2, 2}, {3, 1}, {7, 1}, {15, 0x80}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint8_t m[sizeof want];
        memcpy(m, want, sizeof want);
        m[bad[i].off] = bad[i].val;
        assert_int_equal(yc_store_audit_decode(1, m, sizeof m, &d), YC_ERR_STORE);
    }
    /* a NUL inside a string, a length past the end */
    uint8_t m[sizeof want];
    memcpy(m, want, sizeof want);
    m[20] = 0;
    assert_int_equal(yc_store_audit_decode(1, m, sizeof m, &d), YC_ERR_STORE);
    memcpy(m, want, sizeof want);
    m[16] = 9;
    assert_int_equal(yc_store_audit_decode(1, m, sizeof m, &d), YC_ERR_STORE);
    /* a document number in the stored target: refused on decode too */
    uint8_t doc[16 + 9 + 19 + 1];
    memcpy(doc, want, 25);
    doc[25] = 18;
    memcpy(doc + 26, "11010119900307777X", 18);
    doc[44] = 0;
    assert_int_equal(yc_store_audit_decode(1, doc, sizeof doc, &d), YC_ERR_STORE);
    doc[38] = 'A'; /* "110101199003A7777X": 12 digits, then 4 after the letter */
    assert_int_equal(yc_store_audit_decode(1, doc, sizeof doc, &d), YC_OK);
    assert_string_equal(d.target, "110101199003A7777X");
    /* an entry out of shape is not encoded */
    make_e(&e, 0, YC_AUDIT_PURGE, true, "11010119900307777X", "");
    assert_int_equal(yc_store_audit_encode(&e, buf, &len), YC_ERR_INVALID);
}

/* ---- append and list ---- */

static void yc_store_audit_list__appends__newest_first_exact(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_audit *arr = NULL;
    size_t n = 99;
    char next[YC_AUDIT_CURSOR_MAX + 1] = "x";
    /* empty table */
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    assert_string_equal(next, "");
    yc_store_audit e;
    make_e(&e, 1000, YC_AUDIT_CLIENT_ADD, true, "cl_AAAAAAAAAAAAAAAA", "role=fi");
    uint64_t seq = 0;
    assert_int_equal(yc_store_audit_append(st, &e, &seq), YC_OK);
    assert_int_equal(seq, 1);
    make_e(&e, 2000, YC_AUDIT_CLIENT_REVOKE, false, "cl_BBBBBBBBBBBBBBBB", "unknown client");
    SET(e.actor, "cl_CCCCCCCCCCCCCCCC");
    assert_int_equal(yc_store_audit_append(st, &e, &seq), YC_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(append(st, 1500, YC_AUDIT_KEY_NEW, "kid1"), 3); /* commit order, not time */
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, "", 100, &arr, &n, next), YC_OK);
    assert_int_equal(n, 3);
    assert_string_equal(next, "");
    assert_int_equal(arr[0].seq, 3);
    assert_int_equal(arr[0].at_ms, 1500);
    assert_int_equal(arr[0].action, YC_AUDIT_KEY_NEW);
    assert_string_equal(arr[0].target, "kid1");
    assert_int_equal(arr[1].seq, 2);
    assert_int_equal(arr[1].at_ms, 2000);
    assert_string_equal(arr[1].actor, "cl_CCCCCCCCCCCCCCCC");
    assert_int_equal(arr[1].action, YC_AUDIT_CLIENT_REVOKE);
    assert_int_equal(arr[1].outcome, YC_AUDIT_REFUSED);
    assert_string_equal(arr[1].target, "cl_BBBBBBBBBBBBBBBB");
    assert_string_equal(arr[1].detail, "unknown client");
    assert_int_equal(arr[2].seq, 1);
    assert_string_equal(arr[2].actor, "cli:root");
    assert_int_equal(arr[2].outcome, YC_AUDIT_OK);
    assert_string_equal(arr[2].detail, "role=fi");
    yc_free(arr);
    /* refused writes leave nothing behind */
    make_e(&e, 3000, YC_AUDIT_CLIENT_ADD, true, "11010119900307777X", "");
    assert_int_equal(yc_store_audit_append(st, &e, &seq), YC_ERR_INVALID);
    assert_int_equal(yc_store_audit_append(NULL, &e, &seq), YC_ERR_INVALID);
    assert_int_equal(yc_store_audit_append(st, NULL, &seq), YC_ERR_INVALID);
    assert_int_equal(append(st, 4000, YC_AUDIT_PURGE, ""), 4);
    /* the store survives a reopen */
    yc_store_close(st);
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    assert_int_equal(append(st, 5000, YC_AUDIT_PURGE, ""), 5);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 1, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].seq, 5);
    assert_string_equal(next, "5");
    yc_free(arr);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_audit_list__pages__limits_and_cursors(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    for (int i = 1; i <= 7; i++)
        assert_int_equal(append(st, i * 1000, YC_AUDIT_KEY_ROTATE, "k"), (uint64_t)i);
    yc_store_audit *arr = NULL;
    size_t n = 0;
    char next[YC_AUDIT_CURSOR_MAX + 1];
    static const uint64_t want[3][3] = {{7, 6, 5}, {4, 3, 2}, {1, 0, 0}};
    static const char *want_next[3] = {"5", "2", ""};
    char cursor[YC_AUDIT_CURSOR_MAX + 1] = "";
    for (int p = 0; p < 3; p++) {
        assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, cursor, 3, &arr, &n, next), YC_OK);
        assert_int_equal(n, p < 2 ? 3 : 1);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(arr[i].seq, want[p][i]);
        assert_string_equal(next, want_next[p]);
        memcpy(cursor, next, sizeof cursor);
        yc_free(arr);
    }
    /* a page that ends exactly at the first entry has no next cursor */
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, "4", 3, &arr, &n, next), YC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(arr[2].seq, 1);
    assert_string_equal(next, "");
    yc_free(arr);
    /* a cursor above every seq is the first page; "1" is past the end */
    assert_int_equal(
        yc_store_audit_list(st, YC_AUDIT_ANY, "9223372036854775807", 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].seq, 7);
    yc_free(arr);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, "1", 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    /* limits: 1 and YC_AUDIT_PAGE_MAX accepted, 0 and one past refused */
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 1, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(next, "7");
    yc_free(arr);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, YC_AUDIT_PAGE_MAX, &arr, &n, next),
                     YC_OK);
    assert_int_equal(n, 7);
    yc_free(arr);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 0, &arr, &n, next),
                     YC_ERR_INVALID);
    assert_int_equal(
        yc_store_audit_list(st, YC_AUDIT_ANY, NULL, YC_AUDIT_PAGE_MAX + 1, &arr, &n, next),
        YC_ERR_INVALID);
    /* malformed cursors */
    static const char *bad[] = {
        "0", "01", "-1", "+1", "1a", "9223372036854775808", "123456789012345678901"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, bad[i], 3, &arr, &n, next),
                         YC_ERR_INVALID);
    assert_int_equal(yc_store_audit_list(st, (yc_audit_action)(YC_AUDIT_ACTION_LAST + 1), NULL, 3,
                                         &arr, &n, next),
                     YC_ERR_INVALID);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_audit_list__action_filter__only_that_action(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    /* seq: 1 key_new, 2 trust_add, 3 key_new, 4 trust_add, 5 key_new, 6 trust_add, 7 trust_add */
    static const yc_audit_action acts[] = {
        YC_AUDIT_KEY_NEW, YC_AUDIT_TRUST_ADD, YC_AUDIT_KEY_NEW,  YC_AUDIT_TRUST_ADD,
        YC_AUDIT_KEY_NEW, YC_AUDIT_TRUST_ADD, YC_AUDIT_TRUST_ADD};
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++)
        assert_int_equal(append(st, 1000, acts[i], "x"), i + 1);
    yc_store_audit *arr = NULL;
    size_t n = 0;
    char next[YC_AUDIT_CURSOR_MAX + 1];
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_KEY_NEW, NULL, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].seq, 5);
    assert_int_equal(arr[1].seq, 3);
    assert_string_equal(next, "3");
    yc_free(arr);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_KEY_NEW, next, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].seq, 1);
    assert_string_equal(next, "");
    yc_free(arr);
    /* two trust_add entries fill the page: the next cursor exists as more remain */
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_TRUST_ADD, NULL, 2, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].seq, 7);
    assert_int_equal(arr[1].seq, 6);
    assert_string_equal(next, "6");
    yc_free(arr);
    /* an action never recorded */
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_PURGE, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    assert_string_equal(next, "");
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- purge ---- */

static void yc_store_audit_purge__cutoff__kept_at_removed_before(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    uint64_t removed = 99;
    /* empty table */
    assert_int_equal(yc_store_audit_purge(st, 5000, &removed), YC_OK);
    assert_int_equal(removed, 0);
    static const int64_t at[] = {1000, 1999, 2000, 2001, 500};
    for (size_t i = 0; i < sizeof at / sizeof *at; i++)
        assert_int_equal(append(st, at[i], YC_AUDIT_KEY_RETIRE, "k"), i + 1);
    /* cut-off 2000: 1000 and 1999 go, 2000 (at the cut-off) stays; 500 is the newest: kept */
    assert_int_equal(yc_store_audit_purge(st, 2000, &removed), YC_OK);
    assert_int_equal(removed, 2);
    yc_store_audit *arr = NULL;
    size_t n = 0;
    char next[YC_AUDIT_CURSOR_MAX + 1];
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(arr[0].seq, 5);
    assert_int_equal(arr[1].seq, 4);
    assert_int_equal(arr[2].seq, 3);
    assert_int_equal(arr[2].at_ms, 2000);
    yc_free(arr);
    /* one past: 2001 removes the entry at 2000 */
    assert_int_equal(yc_store_audit_purge(st, 2001, &removed), YC_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(yc_store_audit_purge(st, 2001, NULL), YC_OK);
    /* everything older than the cut-off but the newest: numbering goes on */
    assert_int_equal(yc_store_audit_purge(st, INT64_MAX, &removed), YC_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(append(st, 100, YC_AUDIT_PURGE, ""), 6);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(arr[0].seq, 6);
    assert_int_equal(arr[1].seq, 5);
    yc_free(arr);
    assert_int_equal(yc_store_audit_purge(NULL, 0, &removed), YC_ERR_INVALID);
    yc_store_close(st);
    tdir_remove(&t);
}

static void yc_store_audit_purge__several_steps__exact_count(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    /* 4096 examined per transaction: 5000 entries need two, half of them old */
    for (int i = 0; i < 5000; i++)
        (void)append(st, i % 2 == 0 ? 10 : 100000, YC_AUDIT_TRUST_REFRESH, "");
    uint64_t removed = 0;
    assert_int_equal(yc_store_audit_purge(st, 11, &removed), YC_OK);
    assert_int_equal(removed, 2500);
    yc_store_audit *arr = NULL;
    size_t n = 0;
    char next[YC_AUDIT_CURSOR_MAX + 1];
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 3, &arr, &n, next), YC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(arr[0].seq, 5000);
    assert_int_equal(arr[1].seq, 4998);
    assert_int_equal(arr[2].seq, 4996);
    yc_free(arr);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- allocation failures ---- */

static void yc_store_audit__allocation_failures__nomem_without_leaks(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    assert_int_equal(append(st, 1, YC_AUDIT_CLIENT_ADD, "c"), 1);
    yc_store_audit *arr = NULL;
    size_t n = 0;
    char next[YC_AUDIT_CURSOR_MAX + 1];
    yc_alloc_fail_after(0);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 10, &arr, &n, next), YC_ERR_NOMEM);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_CLIENT_ADD, NULL, 1, &arr, &n, next),
                     YC_ERR_NOMEM);
    yc_alloc_fail_after(-1);
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    yc_free(arr);
    yc_store_close(st);
    tdir_remove(&t);
}

/* ---- no document number, token or name in the data file ---- */

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long sz = ftell(f);
    assert_true(sz > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    char *buf = malloc((size_t)sz);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    (void)fclose(f);
    bool found = memmem(buf, (size_t)sz, needle, strlen(needle)) != NULL;
    free(buf);
    return found;
}

static void yc_store_audit_append__document_number_or_name__refused_and_absent(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    char tok[64];
    SETS(tok, "yc_", rep('Q', 43));
    const char *bad[] = {"11010119900307777X", "110101199003077778", "张三", tok,
                         "310101900307777"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        yc_store_audit e;
        make_e(&e, 1, YC_AUDIT_CLIENT_ADD, true, bad[i], "");
        assert_int_equal(yc_store_audit_append(st, &e, NULL), YC_ERR_INVALID);
        make_e(&e, 1, YC_AUDIT_CLIENT_ADD, true, "", bad[i]);
        assert_int_equal(yc_store_audit_append(st, &e, NULL), YC_ERR_INVALID);
    }
    assert_int_equal(append(st, 1, YC_AUDIT_CLIENT_ADD, "cl_VISIBLEVISIBLE1"), 1);
    yc_store_close(st);
    char path[256];
    SET(path, "%s/lmdb/data.mdb", t.data);
    assert_true(file_contains(path, "cl_VISIBLEVISIBLE1")); /* the check sees what is there */
    assert_false(file_contains(path, "11010119900307777"));
    assert_false(file_contains(path, "张三"));
    assert_false(file_contains(path, tok));
    tdir_remove(&t);
}

/* ---- a data directory made before the table ---- */

static void drop_audit_table(const char *data)
{
    char dir[256];
    SET(dir, "%s/lmdb", data);
    MDB_env *env = NULL;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    MDB_txn *txn = NULL;
    MDB_dbi dbi = 0;
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "audit", 0, &dbi), 0);
    assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void yc_store_audit_list__table_made_by_another_process__seen(void **state)
{
    (void)state;
    tdir t;
    yc_store *st = init_and_open(&t);
    yc_store_close(st);
    drop_audit_table(t.data);
    assert_int_equal(yc_store_open(t.data, NULL, &st), YC_OK);
    yc_store_audit *arr = NULL;
    size_t n = 9;
    char next[YC_AUDIT_CURSOR_MAX + 1];
    /* no table yet: an empty log, and reading creates nothing */
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 0);
    assert_null(arr);
    /* another process creates the table and appends */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        yc_store *cst = NULL;
        int code = yc_store_open(t.data, NULL, &cst) == YC_OK ? 0 : 10;
        yc_store_audit e;
        make_e(&e, 77, YC_AUDIT_KEY_NEW, true, "kid-child", "");
        uint64_t seq = 0;
        if (code == 0 && (yc_store_audit_append(cst, &e, &seq) != YC_OK || seq != 1))
            code = 11;
        yc_store_close(cst);
        _exit(code);
    }
    int status = -1;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* this process, which opened the store before the table existed, sees the entry */
    assert_int_equal(yc_store_audit_list(st, YC_AUDIT_ANY, NULL, 10, &arr, &n, next), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].seq, 1);
    assert_int_equal(arr[0].at_ms, 77);
    assert_string_equal(arr[0].target, "kid-child");
    yc_free(arr);
    assert_int_equal(append(st, 78, YC_AUDIT_KEY_NEW, "kid-parent"), 2);
    yc_store_close(st);
    tdir_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yc_audit_action_code__every_action__parses_back),
        cmocka_unit_test(yc_store_audit_check_shape__limits__at_and_past),
        cmocka_unit_test(yc_audit_text_ok__document_number_token_name__refused),
        cmocka_unit_test(yc_store_audit_codec__round_trip_and_truncations__canonical_or_store),
        cmocka_unit_test(yc_store_audit_list__appends__newest_first_exact),
        cmocka_unit_test(yc_store_audit_list__pages__limits_and_cursors),
        cmocka_unit_test(yc_store_audit_list__action_filter__only_that_action),
        cmocka_unit_test(yc_store_audit_purge__cutoff__kept_at_removed_before),
        cmocka_unit_test(yc_store_audit_purge__several_steps__exact_count),
        cmocka_unit_test(yc_store_audit__allocation_failures__nomem_without_leaks),
        cmocka_unit_test(yc_store_audit_append__document_number_or_name__refused_and_absent),
        cmocka_unit_test(yc_store_audit_list__table_made_by_another_process__seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
