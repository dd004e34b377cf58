/* mTLS pins of the trust registry (include/yrdcredit/attest_verify.h yc_trust_mtls_*) and a
 * partner client's issuer (include/yrdcredit/clients.h): issue 6 item 1, docs/mtls.md.
 * Registries are written to a temporary data dir; limits at and one past. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/attest_verify.h"
#include "yrdcredit/clients.h"
#include "yrdcredit/jose.h"

#define KID  "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
#define ISS1 "https://p1.example"
#define ISS2 "https://p2.example"

typedef struct fx {
    char dir[64];
} fx;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/yc-mtls-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    assert_int_equal(nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    free(f);
    return 0;
}

/* The pin of digest byte b repeated: base64url of 32 bytes of value b. */
static void pin_of(uint8_t b, char out[YC_TRUST_SPKI_PIN_LEN + 1], uint8_t raw[32])
{
    memset(raw, b, 32);
    assert_int_equal(yc_b64url_encode(raw, 32, out), YC_OK);
    assert_int_equal(strlen(out), YC_TRUST_SPKI_PIN_LEN);
}

/* partners.json with ISS1 (mtls member text @p mtls, or none when NULL) and ISS2 (no pins). */
static void write_registry(fx *f, const char *mtls)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf,
                     "{\"partners\":["
                     "{\"issuer\":\"" ISS1 "\",\"city\":\"A\",\"region\":\"330100\","
                     "\"pins\":[\"" KID "\"],\"jwks_url\":\"" ISS1 "/jwks\","
                     "\"jwks_file\":\"a.jwks.json\"%s%s},"
                     "{\"issuer\":\"" ISS2 "\",\"city\":\"B\",\"region\":\"330200\","
                     "\"pins\":[\"" KID "\"],\"jwks_url\":\"" ISS2 "/jwks\","
                     "\"jwks_file\":\"b.jwks.json\"}]}",
                     mtls != NULL ? ",\"mtls_spki_sha256\":" : "", mtls != NULL ? mtls : "");
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_int_equal(yc_trust_write_file(f->dir, "partners.json", buf, (size_t)n), YC_OK);
}

static void yc_trust_mtls_check__pinned_entry__verdict_per_certificate(void **state)
{
    fx *f = *state;
    char a[44], b[44];
    uint8_t ra[32], rb[32], rc[32];
    pin_of(0x11, a, ra);
    pin_of(0x22, b, rb);
    memset(rc, 0x33, sizeof rc);
    char list[128];
    snprintf(list, sizeof list, "[\"%s\",\"%s\"]", a, b);
    write_registry(f, list);
    yc_trust_mtls *m = NULL;
    assert_int_equal(yc_trust_mtls_load(f->dir, &m), YC_OK);
    assert_int_equal(yc_trust_mtls_check(m, ISS1, ra), YC_TRUST_MTLS_PINNED);
    assert_int_equal(yc_trust_mtls_check(m, ISS1, rb), YC_TRUST_MTLS_PINNED);
    assert_int_equal(yc_trust_mtls_check(m, ISS1, rc), YC_TRUST_MTLS_WRONG_CERT);
    assert_int_equal(yc_trust_mtls_check(m, ISS1, NULL), YC_TRUST_MTLS_NO_CERT);
    assert_int_equal(yc_trust_mtls_check(m, ISS2, NULL), YC_TRUST_MTLS_NOT_REQUIRED);
    assert_int_equal(yc_trust_mtls_check(m, ISS2, rc), YC_TRUST_MTLS_NOT_REQUIRED);
    assert_int_equal(yc_trust_mtls_check(m, "https://p1.example/", ra),
                     YC_TRUST_MTLS_UNKNOWN_ISSUER);
    assert_int_equal(yc_trust_mtls_check(m, "https://p3.example", NULL),
                     YC_TRUST_MTLS_UNKNOWN_ISSUER);
    yc_trust_mtls_free(m);
    /* the full registry load (attestation verification) accepts the member too */
    yc_trust *t = NULL;
    assert_int_equal(yc_trust_load(f->dir, 1796000000, &t), YC_OK);
    const yc_av_issuer *is = NULL;
    assert_int_equal(yc_trust_issuers(t, &is), 2);
    yc_trust_free(t);
}

static void yc_trust_mtls_load__missing_registry__empty(void **state)
{
    fx *f = *state;
    yc_trust_mtls *m = NULL;
    assert_int_equal(yc_trust_mtls_load(f->dir, &m), YC_OK);
    uint8_t r[32] = {0};
    assert_int_equal(yc_trust_mtls_check(m, ISS1, r), YC_TRUST_MTLS_UNKNOWN_ISSUER);
    yc_trust_mtls_free(m);
    yc_trust_mtls_free(NULL);
}

static void yc_trust_mtls_load__without_member__not_required(void **state)
{
    fx *f = *state;
    write_registry(f, NULL);
    yc_trust_mtls *m = NULL;
    assert_int_equal(yc_trust_mtls_load(f->dir, &m), YC_OK);
    assert_int_equal(yc_trust_mtls_check(m, ISS1, NULL), YC_TRUST_MTLS_NOT_REQUIRED);
    yc_trust_mtls_free(m);
}

static void expect_invalid(fx *f, const char *mtls, const char *field)
{
    write_registry(f, mtls);
    yc_trust_mtls *m = NULL;
    assert_int_equal(yc_trust_mtls_load(f->dir, &m), YC_ERR_INVALID);
    assert_null(m);
    assert_string_equal(yc_trust_error_field(), field);
    json_t *root = NULL;
    assert_int_equal(yc_trust_registry_read(f->dir, &root), YC_ERR_INVALID);
}

static void yc_trust_mtls_load__malformed_pins__invalid_naming_the_pin(void **state)
{
    fx *f = *state;
    char a[44];
    uint8_t ra[32];
    pin_of(0x11, a, ra);
    char s[1024];
    expect_invalid(f, "[]", "partners[0].mtls_spki_sha256");
    expect_invalid(f, "\"x\"", "partners[0].mtls_spki_sha256");
    snprintf(s, sizeof s, "[\"%s\",\"%s\"]", a, a); /* the same pin twice */
    expect_invalid(f, s, "partners[0].mtls_spki_sha256[1]");
    snprintf(s, sizeof s, "[\"%s=\"]", a); /* padded: 44 characters */
    expect_invalid(f, s, "partners[0].mtls_spki_sha256[0]");
    snprintf(s, sizeof s, "[\"%.42s\"]", a); /* 42 characters */
    expect_invalid(f, s, "partners[0].mtls_spki_sha256[0]");
    char plus[44];
    memcpy(plus, a, sizeof plus);
    plus[5] = '+'; /* not the URL-safe alphabet */
    snprintf(s, sizeof s, "[\"%s\"]", plus);
    expect_invalid(f, s, "partners[0].mtls_spki_sha256[0]");
    expect_invalid(f, "[17]", "partners[0].mtls_spki_sha256[0]");
}

/* A JSON array of the pins of digest bytes 0x40, 0x41, ... (@p n of them). */
static void pin_list(unsigned n, char *out, size_t cap)
{
    size_t off = (size_t)snprintf(out, cap, "[");
    for (unsigned i = 0; i < n; i++) {
        char p[44];
        uint8_t raw[32];
        pin_of((uint8_t)(0x40 + i), p, raw);
        off += (size_t)snprintf(out + off, cap - off, "%s\"%s\"", i > 0 ? "," : "", p);
        assert_true(off < cap);
    }
    assert_true((size_t)snprintf(out + off, cap - off, "]") < cap - off);
}

static void yc_trust_mtls_load__pin_count__8_ok_9_invalid(void **state)
{
    fx *f = *state;
    char s[1024];
    pin_list(YC_TRUST_MAX_MTLS_PINS, s, sizeof s);
    write_registry(f, s);
    yc_trust_mtls *m = NULL;
    assert_int_equal(yc_trust_mtls_load(f->dir, &m), YC_OK);
    uint8_t r[32];
    memset(r, 0x40 + YC_TRUST_MAX_MTLS_PINS - 1, sizeof r); /* the 8th */
    assert_int_equal(yc_trust_mtls_check(m, ISS1, r), YC_TRUST_MTLS_PINNED);
    memset(r, 0x40 + YC_TRUST_MAX_MTLS_PINS, sizeof r); /* a 9th is not there */
    assert_int_equal(yc_trust_mtls_check(m, ISS1, r), YC_TRUST_MTLS_WRONG_CERT);
    yc_trust_mtls_free(m);
    pin_list(YC_TRUST_MAX_MTLS_PINS + 1, s, sizeof s);
    expect_invalid(f, s, "partners[0].mtls_spki_sha256");
}

static void yc_trust_mtls_stamp__registry_rewritten__changes(void **state)
{
    fx *f = *state;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    assert_int_equal(yc_trust_mtls_stamp(f->dir, &s0), YC_OK);
    write_registry(f, NULL);
    assert_int_equal(yc_trust_mtls_stamp(f->dir, &s1), YC_OK);
    assert_int_equal(yc_trust_mtls_stamp(f->dir, &s2), YC_OK);
    char a[44];
    uint8_t ra[32];
    pin_of(0x11, a, ra);
    char s[128];
    snprintf(s, sizeof s, "[\"%s\"]", a);
    write_registry(f, s);
    assert_int_equal(yc_trust_mtls_stamp(f->dir, &s3), YC_OK);
    assert_true(s0 != s1);
    assert_true(s1 == s2);
    assert_true(s2 != s3);
}

static void yc_clients_add__partner_issuer__stored_and_loaded(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    yc_client_spec spec = {.role = YC_ROLE_PARTNER, .name = "Hangzhou", .issuer = ISS1};
    assert_int_equal(yc_clients_add(f->dir, &spec, 1796000000, id, tok), YC_OK);
    yc_client_spec plain = {.role = YC_ROLE_PARTNER, .name = "Plain"};
    char id2[YC_CLIENT_ID_LEN + 1];
    assert_int_equal(yc_clients_add(f->dir, &plain, 1796000000, id2, tok), YC_OK);
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_string_equal(yc_clients_find(c, id)->issuer, ISS1);
    assert_null(yc_clients_find(c, id2)->issuer);
    yc_clients_free(c);
}

static void yc_clients_add__issuer_invalid__refused_naming_issuer(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    char at_limit[YC_CLIENT_ISSUER_MAX + 2];
    memset(at_limit, 'a', sizeof at_limit);
    memcpy(at_limit, "https://", 8);
    at_limit[YC_CLIENT_ISSUER_MAX] = '\0'; /* 255 bytes */
    yc_client_spec ok = {.role = YC_ROLE_PARTNER, .name = "L", .issuer = at_limit};
    assert_int_equal(yc_clients_add(f->dir, &ok, 1796000000, id, tok), YC_OK);
    at_limit[YC_CLIENT_ISSUER_MAX] = 'a';
    at_limit[YC_CLIENT_ISSUER_MAX + 1] = '\0'; /* 256 bytes */
    const char *bad[] = {at_limit,
                         "https://",
                         "https:///x",
                         "ftp://x.example",
                         "https://a b.example",
                         "https://x.example\x7f",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        yc_client_spec s = {.role = YC_ROLE_PARTNER, .name = "X", .issuer = bad[i]};
        assert_int_equal(yc_clients_add(f->dir, &s, 1796000000, id, tok), YC_ERR_INVALID);
        assert_string_equal(yc_clients_error_field(), "issuer");
    }
    yc_client_spec fi = {.role = YC_ROLE_FI, .name = "Bank", .issuer = ISS1};
    assert_int_equal(yc_clients_add(f->dir, &fi, 1796000000, id, tok), YC_ERR_INVALID);
    assert_string_equal(yc_clients_error_field(), "issuer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(yc_trust_mtls_check__pinned_entry__verdict_per_certificate,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(yc_trust_mtls_load__missing_registry__empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_trust_mtls_load__without_member__not_required, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_trust_mtls_load__malformed_pins__invalid_naming_the_pin,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(yc_trust_mtls_load__pin_count__8_ok_9_invalid, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_trust_mtls_stamp__registry_rewritten__changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_clients_add__partner_issuer__stored_and_loaded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_clients_add__issuer_invalid__refused_naming_issuer,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
