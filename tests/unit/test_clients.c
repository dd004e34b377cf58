/* The client registry (include/yrdcredit/clients.h): add/list/revoke/authenticate, token
 * shapes, limits at and past, permissions, hand-edited registries, allocation failures. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <fcntl.h>
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

#include "yrdcredit/alloc.h"
#include "yrdcredit/clients.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/ids.h"
#include "yrdcredit/jose.h"

#define T0     1796000000
#define USCC_A "91110000710926094P"
#define USCC_B "91330100716105852F"

typedef struct fx {
    char dir[64];
    char path[160];
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
    snprintf(f->dir, sizeof f->dir, "/tmp/yc-clients-XXXXXX");
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

static const char *in_dir(fx *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

static void write_file(fx *f, const char *name, const char *data, size_t len)
{
    FILE *fp = fopen(in_dir(f, name), "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* A valid USCC from a number: region 330100, org code of 8 digits + its GB 11714 check, then
 * the GB 32100 check character. */
static void make_uscc(unsigned n, char out[19])
{
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    snprintf(out, 19, "91330100%08u", n % 100000000u);
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (out[8 + i] - '0') * w[i];
    int c = 11 - sum % 11;
    out[16] = c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
    char ch;
    assert_int_equal(yc_uscc_check_char(out, &ch), YC_OK);
    out[17] = ch;
    out[18] = '\0';
    assert_true(yc_uscc_is_valid(out, 18, NULL));
}

static void add_ok(fx *f, const yc_client_spec *s, char id[YC_CLIENT_ID_LEN + 1],
                   char tok[YC_CLIENT_TOKEN_LEN + 1])
{
    assert_int_equal(yc_clients_add(f->dir, s, T0, id, tok), YC_OK);
}

static const yc_client_spec admin = {.role = YC_ROLE_ADMIN, .name = "Ops"};

static void yc_clients_add__three_roles__each_token_authenticates_its_client(void **state)
{
    fx *f = *state;
    const char *auths[] = {USCC_A, USCC_B};
    const yc_client_spec prov = {.role = YC_ROLE_PROVIDER,
                                 .name = "义乌市市场监督管理局",
                                 .authorities = auths,
                                 .n_authorities = 2};
    const yc_client_spec subj = {.role = YC_ROLE_SUBJECT, .name = "Shop", .subject = USCC_A};
    char id[3][YC_CLIENT_ID_LEN + 1], tok[3][YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id[0], tok[0]);
    add_ok(f, &prov, id[1], tok[1]);
    add_ok(f, &subj, id[2], tok[2]);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(strlen(id[i]), YC_CLIENT_ID_LEN);
        assert_memory_equal(id[i], "cl_", 3);
        assert_int_equal(strlen(tok[i]), YC_CLIENT_TOKEN_LEN);
        assert_memory_equal(tok[i], "yc_", 3);
    }
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_int_equal(yc_clients_count(c), 3);
    const yc_client *cl = NULL;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(yc_clients_authenticate(c, tok[i], YC_CLIENT_TOKEN_LEN, &cl), YC_OK);
        assert_ptr_equal(cl, yc_clients_at(c, i));
        assert_string_equal(cl->id, id[i]);
        assert_int_equal(cl->created_at, T0);
        assert_int_equal(cl->revoked_at, -1);
        assert_ptr_equal(yc_clients_find(c, id[i]), cl);
    }
    cl = yc_clients_at(c, 1);
    assert_int_equal(cl->role, YC_ROLE_PROVIDER);
    assert_string_equal(cl->name, "义乌市市场监督管理局");
    assert_int_equal(cl->n_authorities, 2);
    assert_string_equal(cl->authorities[0], USCC_A);
    assert_string_equal(cl->authorities[1], USCC_B);
    assert_string_equal(cl->subject, "");
    cl = yc_clients_at(c, 2);
    assert_int_equal(cl->role, YC_ROLE_SUBJECT);
    assert_string_equal(cl->subject, USCC_A);
    assert_int_equal(cl->n_authorities, 0);
    assert_null(yc_clients_find(c, "cl_AAAAAAAAAAAAAAAA"));
    yc_clients_free(c);
}

static void yc_clients_add__any__token_not_stored_hash_and_key_0600(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok);
    struct stat st;
    assert_int_equal(stat(in_dir(f, "clients.json"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(in_dir(f, "keys/clients.key"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, YC_CRYPTO_KEY_BYTES);
    assert_int_equal(stat(in_dir(f, "keys"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = fopen(in_dir(f, "clients.json"), "rb");
    assert_non_null(fp);
    buf = calloc(1, 4096);
    assert_non_null(buf);
    len = fread(buf, 1, 4095, fp);
    fclose(fp);
    assert_true(len > 0);
    assert_null(strstr(buf, tok));
    assert_null(strstr(buf, tok + 3)); /* not even the random part */
    assert_non_null(strstr(buf, "\"token_hash\":\""));
    free(buf);
}

static void yc_clients_authenticate__wrong_shapes__invalid(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 2];
    add_ok(f, &admin, id, tok);
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    const yc_client *cl = NULL;
    char bad[64];
    /* one short, one long, wrong prefix, non-base64url character, non-zero unused bits */
    assert_int_equal(yc_clients_authenticate(c, tok, YC_CLIENT_TOKEN_LEN - 1, &cl), YC_ERR_INVALID);
    memcpy(bad, tok, YC_CLIENT_TOKEN_LEN);
    bad[YC_CLIENT_TOKEN_LEN] = 'A';
    assert_int_equal(yc_clients_authenticate(c, bad, YC_CLIENT_TOKEN_LEN + 1, &cl), YC_ERR_INVALID);
    bad[0] = 'Y';
    assert_int_equal(yc_clients_authenticate(c, bad, YC_CLIENT_TOKEN_LEN, &cl), YC_ERR_INVALID);
    memcpy(bad, tok, YC_CLIENT_TOKEN_LEN);
    bad[10] = '+';
    assert_int_equal(yc_clients_authenticate(c, bad, YC_CLIENT_TOKEN_LEN, &cl), YC_ERR_INVALID);
    memcpy(bad, tok, YC_CLIENT_TOKEN_LEN);
    bad[YC_CLIENT_TOKEN_LEN - 1] = 'B'; /* 43rd character: its low 2 bits are unused */
    assert_int_equal(yc_clients_authenticate(c, bad, YC_CLIENT_TOKEN_LEN, &cl), YC_ERR_INVALID);
    assert_int_equal(yc_clients_authenticate(c, "", 0, &cl), YC_ERR_INVALID);
    /* right shape, unknown token */
    memcpy(bad, tok, YC_CLIENT_TOKEN_LEN);
    bad[5] = bad[5] == 'A' ? 'B' : 'A';
    assert_int_equal(yc_clients_authenticate(c, bad, YC_CLIENT_TOKEN_LEN, &cl), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_clients_authenticate(c, "yc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                             YC_CLIENT_TOKEN_LEN, &cl),
                     YC_ERR_NOT_FOUND);
    assert_null(cl);
    yc_clients_free(c);
}

static void yc_clients_load__no_registry__empty_and_not_found(void **state)
{
    fx *f = *state;
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_int_equal(yc_clients_count(c), 0);
    const yc_client *cl = NULL;
    assert_int_equal(yc_clients_authenticate(c, "yc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                             YC_CLIENT_TOKEN_LEN, &cl),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_clients_authenticate(c, "yc_", 3, &cl), YC_ERR_INVALID);
    yc_clients_free(c);
    assert_int_equal(yc_clients_revoke(f->dir, "cl_AAAAAAAAAAAAAAAA", T0), YC_ERR_NOT_FOUND);
}

static void yc_clients_revoke__active__listed_with_revoked_at_token_not_found(void **state)
{
    fx *f = *state;
    char id[2][YC_CLIENT_ID_LEN + 1], tok[2][YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id[0], tok[0]);
    add_ok(f, &admin, id[1], tok[1]);
    assert_string_not_equal(id[0], id[1]);
    assert_string_not_equal(tok[0], tok[1]);
    uint64_t s1 = 0, s2 = 0, s3 = 0;
    assert_int_equal(yc_clients_stamp(f->dir, &s1), YC_OK);
    assert_int_equal(yc_clients_stamp(f->dir, &s2), YC_OK);
    assert_true(s1 == s2);
    assert_int_equal(yc_clients_revoke(f->dir, id[0], T0 + 5), YC_OK);
    assert_int_equal(yc_clients_stamp(f->dir, &s3), YC_OK);
    assert_true(s3 != s1);
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_int_equal(yc_clients_count(c), 2);
    assert_int_equal(yc_clients_at(c, 0)->revoked_at, T0 + 5);
    assert_int_equal(yc_clients_at(c, 1)->revoked_at, -1);
    const yc_client *cl = NULL;
    assert_int_equal(yc_clients_authenticate(c, tok[0], YC_CLIENT_TOKEN_LEN, &cl),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_clients_authenticate(c, tok[1], YC_CLIENT_TOKEN_LEN, &cl), YC_OK);
    assert_string_equal(cl->id, id[1]);
    yc_clients_free(c);
    assert_int_equal(yc_clients_revoke(f->dir, id[0], T0 + 6), YC_ERR_CONFLICT);
    assert_int_equal(yc_clients_revoke(f->dir, "cl_AAAAAAAAAAAAAAAA", T0), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_clients_revoke(f->dir, id[1], T0 - 1), YC_ERR_INVALID);
}

static void expect_spec(fx *f, const yc_client_spec *s, yc_err want, const char *field)
{
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    assert_int_equal(yc_clients_add(f->dir, s, T0, id, tok), want);
    if (field != NULL)
        assert_string_equal(yc_clients_error_field(), field);
}

static void yc_clients_add__bad_spec__invalid_naming_field(void **state)
{
    fx *f = *state;
    char n64[65], n65[66];
    memset(n64, 'n', 64);
    n64[64] = '\0';
    memset(n65, 'n', 65);
    n65[65] = '\0';
    yc_client_spec s = {.role = YC_ROLE_FI, .name = n64};
    expect_spec(f, &s, YC_OK, NULL);
    s.name = n65;
    expect_spec(f, &s, YC_ERR_INVALID, "name");
    s.name = "";
    expect_spec(f, &s, YC_ERR_INVALID, "name");
    s.name = "a\tb";
    expect_spec(f, &s, YC_ERR_INVALID, "name");
    s.name = "a\xff";
    expect_spec(f, &s, YC_ERR_INVALID, "name");
    s.name = "\xc0\xaf"; /* overlong '/' */
    expect_spec(f, &s, YC_ERR_INVALID, "name");
    s.name = "Bank";
    const char *auths[] = {USCC_A, "91330100716105852G", USCC_A};
    s.authorities = auths;
    s.n_authorities = 1;
    expect_spec(f, &s, YC_ERR_INVALID, "authorities"); /* fi with authorities */
    s.role = YC_ROLE_PROVIDER;
    s.n_authorities = 0;
    expect_spec(f, &s, YC_ERR_INVALID, "authorities");
    s.n_authorities = 2;
    expect_spec(f, &s, YC_ERR_INVALID, "authorities[1]");
    const char *dup[] = {USCC_A, USCC_A};
    s.authorities = dup;
    expect_spec(f, &s, YC_ERR_INVALID, "authorities[1]");
    s.n_authorities = 1;
    s.subject = USCC_A;
    expect_spec(f, &s, YC_ERR_INVALID, "subject");
    s = (yc_client_spec){.role = YC_ROLE_SUBJECT, .name = "P"};
    expect_spec(f, &s, YC_ERR_INVALID, "subject");
    s.subject = "91330100716105852G";
    expect_spec(f, &s, YC_ERR_INVALID, "subject");
    s.subject = "PAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    expect_spec(f, &s, YC_OK, NULL);
    s.role = (yc_client_role)5;
    expect_spec(f, &s, YC_ERR_INVALID, "role");
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_int_equal(yc_clients_count(c), 2); /* only the two valid ones */
    yc_clients_free(c);
}

static void yc_clients_add__authorities_at_and_past_limit__ok_then_too_large(void **state)
{
    fx *f = *state;
    char u[YC_CLIENT_MAX_AUTHORITIES + 1][19];
    const char *p[YC_CLIENT_MAX_AUTHORITIES + 1];
    for (unsigned i = 0; i <= YC_CLIENT_MAX_AUTHORITIES; i++) {
        make_uscc(1000 + i, u[i]);
        p[i] = u[i];
    }
    yc_client_spec s = {.role = YC_ROLE_PROVIDER,
                        .name = "Big",
                        .authorities = p,
                        .n_authorities = YC_CLIENT_MAX_AUTHORITIES};
    expect_spec(f, &s, YC_OK, NULL);
    s.n_authorities = YC_CLIENT_MAX_AUTHORITIES + 1;
    expect_spec(f, &s, YC_ERR_TOO_LARGE, "authorities");
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_int_equal(yc_clients_at(c, 0)->n_authorities, YC_CLIENT_MAX_AUTHORITIES);
    assert_string_equal(yc_clients_at(c, 0)->authorities[63], u[63]);
    yc_clients_free(c);
}

/* A hand-written registry: N admin clients with distinct ids and hashes, the last one's hash
 * that of TOKEN under the key file of the data dir (which must exist). */
static void write_registry(fx *f, size_t n, const char *token, const char *extra_auths)
{
    size_t cap = n * 400 + 8192;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t len = (size_t)snprintf(buf, cap, "{\"format\":\"%s\",\"clients\":[", YC_CLIENTS_FORMAT);
    yc_crypto_key *key = NULL;
    assert_int_equal(yc_crypto_key_load(in_dir(f, "keys/clients.key"), &key), YC_OK);
    for (size_t i = 0; i < n; i++) {
        uint8_t h[YC_KEYED_HASH_BYTES] = {0}, idb[12] = {0};
        memcpy(h, &i, sizeof i);
        memcpy(idb, &i, sizeof i);
        if (i + 1 == n && token != NULL)
            assert_int_equal(yc_crypto_keyed_hash(key, token, strlen(token), h), YC_OK);
        char hb[64], ib[32];
        assert_int_equal(yc_b64url_encode(h, sizeof h, hb), YC_OK);
        assert_int_equal(yc_b64url_encode(idb, sizeof idb, ib), YC_OK);
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s{\"id\":\"cl_%s\",\"role\":\"%s\",\"name\":\"c%zu\",%s"
                                "\"created_at\":1,\"revoked_at\":null,\"token_hash\":\"%s\"}",
                                i ? "," : "", ib, extra_auths ? "provider" : "admin", i,
                                extra_auths ? extra_auths : "", hb);
        assert_true(len < cap);
    }
    len += (size_t)snprintf(buf + len, cap - len, "]}\n");
    write_file(f, "clients.json", buf, len);
    yc_crypto_key_free(key);
    free(buf);
}

static void yc_clients_load__clients_at_and_past_limit__ok_then_too_large(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok); /* makes the key */
    write_registry(f, YC_CLIENTS_MAX, tok, NULL);
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_int_equal(yc_clients_count(c), YC_CLIENTS_MAX);
    const yc_client *cl = NULL;
    assert_int_equal(yc_clients_authenticate(c, tok, YC_CLIENT_TOKEN_LEN, &cl), YC_OK);
    assert_ptr_equal(cl, yc_clients_at(c, YC_CLIENTS_MAX - 1));
    yc_clients_free(c);
    expect_spec(f, &admin, YC_ERR_TOO_LARGE, "clients");
    write_registry(f, YC_CLIENTS_MAX + 1, tok, NULL);
    c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_ERR_TOO_LARGE);
    assert_null(c);
    assert_string_equal(yc_clients_error_field(), "clients");
}

static void yc_clients_load__authorities_past_limit_by_hand__too_large(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok);
    char auths[40 * 70] = "\"authorities\":[";
    for (unsigned i = 0; i <= YC_CLIENT_MAX_AUTHORITIES; i++) {
        char u[19];
        make_uscc(2000 + i, u);
        size_t l = strlen(auths);
        snprintf(auths + l, sizeof auths - l, "%s\"%s\"", i ? "," : "", u);
        if (i + 1 == YC_CLIENT_MAX_AUTHORITIES) {
            /* at the limit */
            char at[sizeof auths + 2];
            snprintf(at, sizeof at, "%s],", auths);
            write_registry(f, 2, tok, at);
            yc_clients *c = NULL;
            assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
            assert_int_equal(yc_clients_at(c, 1)->n_authorities, YC_CLIENT_MAX_AUTHORITIES);
            yc_clients_free(c);
        }
    }
    size_t l = strlen(auths);
    snprintf(auths + l, sizeof auths - l, "],");
    write_registry(f, 2, tok, auths);
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_ERR_TOO_LARGE);
    assert_string_equal(yc_clients_error_field(), "clients[0].authorities");
}

static void yc_clients_load__file_at_and_past_size_cap__ok_then_too_large(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok);
    FILE *fp = fopen(in_dir(f, "clients.json"), "rb");
    assert_non_null(fp);
    char *buf = malloc(YC_CLIENTS_MAX_FILE_BYTES + 1);
    assert_non_null(buf);
    size_t len = fread(buf, 1, YC_CLIENTS_MAX_FILE_BYTES, fp);
    fclose(fp);
    memset(buf + len, ' ', YC_CLIENTS_MAX_FILE_BYTES + 1 - len);
    write_file(f, "clients.json", buf, YC_CLIENTS_MAX_FILE_BYTES);
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    const yc_client *cl = NULL;
    assert_int_equal(yc_clients_authenticate(c, tok, YC_CLIENT_TOKEN_LEN, &cl), YC_OK);
    yc_clients_free(c);
    write_file(f, "clients.json", buf, YC_CLIENTS_MAX_FILE_BYTES + 1);
    c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_ERR_TOO_LARGE);
    assert_null(c);
    free(buf);
}

static void yc_clients_load__key_readable_by_group__invalid_and_add_refused(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok);
    assert_int_equal(chmod(in_dir(f, "keys/clients.key"), 0640), 0);
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_ERR_INVALID);
    assert_string_equal(yc_clients_error_field(), "keys/clients.key");
    expect_spec(f, &admin, YC_ERR_INVALID, "keys/clients.key");
    assert_int_equal(chmod(in_dir(f, "keys/clients.key"), 0600), 0);
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_int_equal(yc_clients_count(c), 1);
    yc_clients_free(c);
}

static void yc_clients_load__key_missing_with_registry__not_found_and_not_recreated(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok);
    assert_int_equal(unlink(in_dir(f, "keys/clients.key")), 0);
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_ERR_NOT_FOUND);
    expect_spec(f, &admin, YC_ERR_NOT_FOUND, "keys/clients.key");
    struct stat st;
    assert_int_equal(stat(in_dir(f, "keys/clients.key"), &st), -1);
}

/* Hand edits of a valid two-client registry: each is refused, naming the member. */
static void yc_clients_load__hand_edited_bad_member__refused_naming_it(void **state)
{
    fx *f = *state;
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok);
    static const char good0[] = "{\"id\":\"cl_AAAAAAAAAAAAAAAA\",\"role\":\"admin\",\"name\":\"a\","
                                "\"created_at\":1,\"revoked_at\":null,\"token_hash\":"
                                "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}";
    static const struct {
        const char *member; /* the second client */
        yc_err want;
        const char *field;
    } cases[] = {
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_OK, ""},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
         "\"token\":\"x\"}",
         YC_ERR_INVALID, "clients[1].token"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"root\",\"name\":\"b\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].role"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].id"},
        {"{\"id\":\"cl_AAAAAAAAAAAAAAAA\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].id"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].token_hash"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].token_hash"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"fi\",\"name\":\"b\",\"authorities\":[],"
         "\"created_at\":1,\"revoked_at\":null,"
         "\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].authorities"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"provider\",\"name\":\"b\",\"authorities\":"
         "[\"" USCC_A "\",\"91330100716105852G\"],\"created_at\":1,\"revoked_at\":null,"
         "\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].authorities[1]"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"subject\":\"" USCC_A
         "\",\"created_at\":1,\"revoked_at\":null,"
         "\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].subject"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"subject\",\"name\":\"b\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].subject"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"\",\"created_at\":1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].name"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\\u0007c\",\"created_at\":"
         "1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].name"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":-1,"
         "\"revoked_at\":null,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].created_at"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":5,"
         "\"revoked_at\":4,\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].revoked_at"},
        {"{\"id\":\"cl_BBBBBBBBBBBBBBBB\",\"role\":\"admin\",\"name\":\"b\",\"created_at\":5,"
         "\"token_hash\":\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         YC_ERR_INVALID, "clients[1].revoked_at"},
        {"[]", YC_ERR_INVALID, "clients[1]"},
    };
    char doc[2048];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = snprintf(doc, sizeof doc, "{\"format\":\"%s\",\"clients\":[%s,%s]}",
                         YC_CLIENTS_FORMAT, good0, cases[i].member);
        write_file(f, "clients.json", doc, (size_t)n);
        yc_clients *c = NULL;
        assert_int_equal(yc_clients_load(f->dir, &c), cases[i].want);
        assert_string_equal(yc_clients_error_field(), cases[i].field);
        if (cases[i].want == YC_OK) {
            assert_int_equal(yc_clients_count(c), 2);
            yc_clients_free(c);
        } else {
            assert_null(c);
            /* a writer refuses to touch it too, and leaves it as it was */
            expect_spec(f, &admin, cases[i].want, cases[i].field);
            assert_int_equal(yc_clients_revoke(f->dir, "cl_AAAAAAAAAAAAAAAA", T0), cases[i].want);
        }
    }
    static const struct {
        const char *doc;
        const char *field;
    } tops[] = {
        {"{\"format\":\"yrdcredit-clients-v2\",\"clients\":[]}", "format"},
        {"{\"format\":\"" YC_CLIENTS_FORMAT "\",\"clients\":{}}", "clients"},
        {"{\"format\":\"" YC_CLIENTS_FORMAT "\",\"clients\":[],\"x\":1}", "format"},
        {"{\"format\":\"" YC_CLIENTS_FORMAT "\",\"format\":\"" YC_CLIENTS_FORMAT
         "\",\"clients\":[]}",
         "clients.json"},
        {"{\"format\":", "clients.json"},
    };
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++) {
        write_file(f, "clients.json", tops[i].doc, strlen(tops[i].doc));
        yc_clients *c = NULL;
        assert_int_equal(yc_clients_load(f->dir, &c), YC_ERR_INVALID);
        assert_string_equal(yc_clients_error_field(), tops[i].field);
    }
}

static void yc_clients_load__allocation_failures__nomem_without_leaks(void **state)
{
    fx *f = *state;
    const char *auths[] = {USCC_A, USCC_B};
    const yc_client_spec prov = {
        .role = YC_ROLE_PROVIDER, .name = "P", .authorities = auths, .n_authorities = 2};
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok);
    add_ok(f, &prov, id, tok);
    yc_clients *c = NULL;
    const long before = yc_alloc_count();
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    const long n = yc_alloc_count() - before;
    yc_clients_free(c);
    assert_true(n > 0);
    for (long i = 0; i < n; i++) {
        yc_alloc_fail_after(i);
        c = NULL;
        yc_err rv = yc_clients_load(f->dir, &c);
        yc_alloc_fail_after(-1);
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_null(c);
    }
}

static void yc_clients_add__allocation_failures__nomem_or_ok_without_leaks(void **state)
{
    fx *f = *state;
    const char *auths[] = {USCC_A};
    const yc_client_spec prov = {
        .role = YC_ROLE_PROVIDER, .name = "P", .authorities = auths, .n_authorities = 1};
    char id[YC_CLIENT_ID_LEN + 1], tok[YC_CLIENT_TOKEN_LEN + 1];
    add_ok(f, &admin, id, tok);
    long before = yc_alloc_count();
    add_ok(f, &prov, id, tok);
    const long n_add = yc_alloc_count() - before;
    before = yc_alloc_count();
    assert_int_equal(yc_clients_revoke(f->dir, id, T0), YC_OK);
    const long n_rev = yc_alloc_count() - before;
    assert_true(n_add > 0 && n_rev > 0);
    size_t expect = 2;
    for (long i = 0; i < n_add; i++) {
        yc_alloc_fail_after(i);
        yc_err rv = yc_clients_add(f->dir, &prov, T0, id, tok);
        yc_alloc_fail_after(-1);
        assert_int_equal(rv, YC_ERR_NOMEM);
    }
    for (long i = 0; i < n_rev; i++) {
        add_ok(f, &prov, id, tok);
        expect++;
        yc_alloc_fail_after(i);
        yc_err rv = yc_clients_revoke(f->dir, id, T0);
        yc_alloc_fail_after(-1);
        assert_int_equal(rv, YC_ERR_NOMEM);
    }
    yc_clients *c = NULL;
    assert_int_equal(yc_clients_load(f->dir, &c), YC_OK);
    assert_int_equal(yc_clients_count(c), expect);
    assert_int_equal(yc_clients_at(c, expect - 1)->revoked_at, -1);
    yc_clients_free(c);
}

static void yc_client_role_parse__names__round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {"admin", "provider", "partner", "fi", "subject"};
    for (int i = 0; i < 5; i++) {
        yc_client_role r;
        assert_int_equal(yc_client_role_parse(names[i], &r), YC_OK);
        assert_int_equal(r, i);
        assert_string_equal(yc_client_role_str(r), names[i]);
    }
    yc_client_role r;
    assert_int_equal(yc_client_role_parse("Admin", &r), YC_ERR_INVALID);
    assert_int_equal(yc_client_role_parse("", &r), YC_ERR_INVALID);
    assert_string_equal(yc_client_role_str((yc_client_role)9), "unknown");
}

/* Known answers from Python's hashlib.blake2b(msg, key=bytes(range(32)), digest_size=32). */
static void yc_crypto_keyed_hash__known_key__blake2b_256_known_answer(void **state)
{
    (void)state;
    uint8_t raw[YC_CRYPTO_KEY_BYTES];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)i;
    yc_crypto_key *key = NULL;
    assert_int_equal(yc_crypto_key_from_bytes(raw, &key), YC_OK);
    uint8_t h[YC_KEYED_HASH_BYTES];
    char hex[2 * YC_KEYED_HASH_BYTES + 1];
    assert_int_equal(yc_crypto_keyed_hash(key, "yc_token", 8, h), YC_OK);
    yc_hex_encode(h, sizeof h, hex);
    assert_string_equal(hex, "41219200b5354c18fdc81459769d688a1650a08e829f9ee1b7508df8256cd0d6");
    assert_int_equal(yc_crypto_keyed_hash(key, NULL, 0, h), YC_OK);
    yc_hex_encode(h, sizeof h, hex);
    assert_string_equal(hex, "4e51e7a913fc80137da52880fecca175bf81e117d5c68126dc2774033517ea0d");
    yc_crypto_key_free(key);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(yc_clients_add__three_roles__each_token_authenticates_its_client),
        T(yc_clients_add__any__token_not_stored_hash_and_key_0600),
        T(yc_clients_authenticate__wrong_shapes__invalid),
        T(yc_clients_load__no_registry__empty_and_not_found),
        T(yc_clients_revoke__active__listed_with_revoked_at_token_not_found),
        T(yc_clients_add__bad_spec__invalid_naming_field),
        T(yc_clients_add__authorities_at_and_past_limit__ok_then_too_large),
        T(yc_clients_load__clients_at_and_past_limit__ok_then_too_large),
        T(yc_clients_load__authorities_past_limit_by_hand__too_large),
        T(yc_clients_load__file_at_and_past_size_cap__ok_then_too_large),
        T(yc_clients_load__key_readable_by_group__invalid_and_add_refused),
        T(yc_clients_load__key_missing_with_registry__not_found_and_not_recreated),
        T(yc_clients_load__hand_edited_bad_member__refused_naming_it),
        T(yc_clients_load__allocation_failures__nomem_without_leaks),
        T(yc_clients_add__allocation_failures__nomem_or_ok_without_leaks),
        T(yc_client_role_parse__names__round_trip),
        cmocka_unit_test(yc_crypto_keyed_hash__known_key__blake2b_256_known_answer),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
