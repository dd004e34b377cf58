/* Tests for include/yrdcredit/keyring.h (svc/attest/keyring.c): signing keys sealed under
 * keys/master.key, their states over time, rotation, retirement and the JWK Set. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
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
#include "yrdcredit/crypto.h"
#include "yrdcredit/keyring.h"

#define MAXV  (90 * 86400)
#define GRACE 86400
#define T0    1000

typedef struct fx {
    char dir[64];
    char path[128];
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
    snprintf(f->dir, sizeof f->dir, "/tmp/yc-keyring-XXXXXX");
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

static const char *file_in(fx *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/keys/%s", f->dir, name);
    return f->path;
}

static json_t *read_doc(fx *f)
{
    json_error_t e;
    json_t *doc = json_load_file(file_in(f, "signing.json"), JSON_REJECT_DUPLICATES, &e);
    assert_non_null(doc);
    return doc;
}

static void write_doc(fx *f, const json_t *doc)
{
    assert_int_equal(json_dump_file(doc, file_in(f, "signing.json"), JSON_COMPACT), 0);
    assert_int_equal(chmod(f->path, 0600), 0);
}

static void write_text(fx *f, const char *text)
{
    FILE *fp = fopen(file_in(f, "signing.json"), "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static yc_keyring *load_ok(fx *f)
{
    yc_keyring *kr = NULL;
    char why[256] = "";
    yc_err rv = yc_keyring_load_why(f->dir, &kr, why, sizeof why);
    if (rv != YC_OK)
        fail_msg("load: %s (%s)", yc_err_str(rv), why);
    return kr;
}

/* The kids of the JWK Set at NOW, joined with ',' (checks the members of each key too). */
static void jwks_kids(const yc_keyring *kr, int64_t now, char *out, size_t cap)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(yc_keyring_jwks_json(kr, now, &text, &len), YC_OK);
    assert_int_equal(strlen(text), len);
    json_error_t e;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    assert_non_null(doc);
    assert_int_equal(json_object_size(doc), 1);
    json_t *keys = json_object_get(doc, "keys");
    assert_true(json_is_array(keys));
    out[0] = '\0';
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        assert_string_equal(json_string_value(json_object_get(k, "kty")), "OKP");
        assert_string_equal(json_string_value(json_object_get(k, "use")), "sig");
        assert_null(json_object_get(k, "alg"));
        const char *kid = json_string_value(json_object_get(k, "kid"));
        assert_non_null(kid);
        const yc_key_info *info = yc_keyring_find(kr, kid, now);
        assert_non_null(info);
        if (i > 0)
            strncat(out, ",", cap - strlen(out) - 1);
        strncat(out, kid, cap - strlen(out) - 1);
    }
    json_decref(doc);
    yc_free(text);
}

static void join3(char *out, size_t cap, const char *a, const char *b, const char *c)
{
    snprintf(out, cap, "%s%s%s%s%s", a, b ? "," : "", b ? b : "", c ? "," : "", c ? c : "");
}

static void yc_keyring_create__fresh_dir__two_active_keys_0600(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    struct stat st;
    assert_int_equal(stat(file_in(f, "master.key"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(stat(file_in(f, "signing.json"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    yc_keyring *kr = load_ok(f);
    assert_int_equal(yc_keyring_count(kr), 2);
    const yc_key_info *a = yc_keyring_info(kr, 0), *s = yc_keyring_info(kr, 1);
    assert_null(yc_keyring_info(kr, 2));
    assert_int_equal(a->purpose, YC_KEY_ATTESTATION);
    assert_int_equal(s->purpose, YC_KEY_STATUS_LIST);
    for (size_t i = 0; i < 2; i++) {
        const yc_key_info *k = yc_keyring_info(kr, i);
        assert_int_equal(k->created, T0);
        assert_int_equal(k->not_before, T0);
        assert_int_equal(k->retired_at, 0);
        assert_int_equal(k->drop_at, 0);
        assert_int_equal(yc_keyring_state(k, T0), YC_KEY_ACTIVE);
        assert_int_equal(yc_keyring_state(k, T0 - 1), YC_KEY_PUBLISHED);
        char kid[YC_JWK_THUMBPRINT_LEN + 1];
        assert_int_equal(yc_jwk_thumbprint(k->pk, kid), YC_OK);
        assert_string_equal(kid, k->kid);
    }
    assert_string_not_equal(a->kid, s->kid);
    const yc_key_info *si = NULL;
    const yc_ed25519_key *sk = NULL;
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_ATTESTATION, T0, &si, &sk), YC_OK);
    assert_ptr_equal(si, a);
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_STATUS_LIST, T0, &si, &sk), YC_OK);
    assert_ptr_equal(si, s);
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_STATUS_LIST, T0 - 1, &si, &sk), YC_ERR_NOT_FOUND);
    char kids[256], want[256];
    jwks_kids(kr, T0, kids, sizeof kids);
    join3(want, sizeof want, a->kid, s->kid, NULL);
    assert_string_equal(kids, want);
    yc_keyring_free(kr);
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_ERR_CONFLICT);
}

static void yc_keyring_load__round_trip__same_keys_and_signatures_verify(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    yc_keyring *k1 = load_ok(f), *k2 = load_ok(f);
    assert_int_equal(yc_keyring_count(k2), 2);
    for (size_t i = 0; i < 2; i++) {
        const yc_key_info *a = yc_keyring_info(k1, i), *b = yc_keyring_info(k2, i);
        assert_string_equal(a->kid, b->kid);
        assert_memory_equal(a->pk, b->pk, sizeof a->pk);
        assert_int_equal(a->purpose, b->purpose);
    }
    const yc_key_info *info = NULL;
    const yc_ed25519_key *key = NULL;
    assert_int_equal(yc_keyring_signer(k2, YC_KEY_ATTESTATION, T0, &info, &key), YC_OK);
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES], sig[YC_ED25519_SIGNATURE_BYTES];
    yc_ed25519_public_key(key, pk);
    assert_memory_equal(pk, yc_keyring_info(k1, 0)->pk, sizeof pk);
    assert_int_equal(yc_ed25519_sign(key, (const uint8_t *)"abc", 3, sig), YC_OK);
    assert_int_equal(
        yc_ed25519_verify(yc_keyring_info(k1, 0)->pk, (const uint8_t *)"abc", 3, sig, sizeof sig),
        YC_OK);
    yc_keyring_free(k1);
    yc_keyring_free(k2);
    json_t *doc = read_doc(f);
    assert_string_equal(json_string_value(json_object_get(doc, "format")),
                        "yrdcredit-signing-keys/1");
    json_decref(doc);
}

static void expect_load(fx *f, yc_err want, const char *why_has)
{
    yc_keyring *kr = NULL;
    char why[256] = "";
    assert_int_equal(yc_keyring_load_why(f->dir, &kr, why, sizeof why), want);
    assert_null(kr);
    if (why_has != NULL && strstr(why, why_has) == NULL)
        fail_msg("reason '%s' lacks '%s'", why, why_has);
}

static void yc_keyring_load__flipped_sealed_seed_byte__store(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    json_t *doc = read_doc(f);
    json_t *e = json_array_get(json_object_get(doc, "keys"), 1);
    char kid[64];
    snprintf(kid, sizeof kid, "%s", json_string_value(json_object_get(e, "kid")));
    char sealed[128];
    snprintf(sealed, sizeof sealed, "%s", json_string_value(json_object_get(e, "sealed_seed")));
    assert_int_equal(strlen(sealed), 96);
    sealed[40] = sealed[40] == 'A' ? 'B' : 'A'; /* a ciphertext byte */
    assert_int_equal(json_object_set_new(e, "sealed_seed", json_string(sealed)), 0);
    write_doc(f, doc);
    json_decref(doc);
    expect_load(f, YC_ERR_STORE, kid);
}

static void yc_keyring_load__wrong_master_key__store(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    assert_int_equal(unlink(file_in(f, "master.key")), 0);
    assert_int_equal(yc_crypto_key_generate_file(f->path), YC_OK);
    expect_load(f, YC_ERR_STORE, "does not open under master.key");
}

static void yc_keyring_load__x_not_matching_seed__store(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    json_t *doc = read_doc(f);
    json_t *keys = json_object_get(doc, "keys");
    json_t *e0 = json_array_get(keys, 0), *e1 = json_array_get(keys, 1);
    char kid[64];
    snprintf(kid, sizeof kid, "%s", json_string_value(json_object_get(e0, "kid")));
    assert_int_equal(json_object_set(e0, "x", json_object_get(e1, "x")), 0);
    write_doc(f, doc);
    json_decref(doc);
    expect_load(f, YC_ERR_STORE, kid);
}

static void yc_keyring_load__missing_files__not_found(void **state)
{
    fx *f = *state;
    expect_load(f, YC_ERR_NOT_FOUND, "signing.json");
    yc_keyring_stamp st;
    assert_int_equal(yc_keyring_stamp_get(f->dir, &st), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    assert_int_equal(unlink(file_in(f, "master.key")), 0);
    expect_load(f, YC_ERR_NOT_FOUND, "master.key");
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    /* A file without its master key is never overwritten. */
    assert_int_equal(yc_keyring_add(f->dir, YC_KEY_ATTESTATION, T0, T0, kid), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_keyring_retire(f->dir, "x", T0, MAXV, GRACE, true), YC_ERR_NOT_FOUND);
}

static void yc_keyring_load__malformed__invalid(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    json_t *orig = read_doc(f);
    write_text(f, "{\"format\":\"yrdcredit-signing-keys/1\",\"keys\":[]");
    expect_load(f, YC_ERR_INVALID, "not JSON");
    write_text(f, "{\"format\":\"yrdcredit-signing-keys/1\",\"keys\":[],\"keys\":[]}");
    expect_load(f, YC_ERR_INVALID, NULL);
    write_text(f, "{\"format\":\"yrdcredit-signing-keys/2\",\"keys\":[]}");
    expect_load(f, YC_ERR_INVALID, NULL);
    write_text(f, "{\"format\":\"yrdcredit-signing-keys/1\",\"keys\":[]}");
    yc_keyring *kr = load_ok(f);
    assert_int_equal(yc_keyring_count(kr), 0);
    yc_keyring_free(kr);

    static const char *const mutations[] = {"extra",        "purpose",   "created",
                                            "retired_only", "kid_short", "dup"};
    for (size_t m = 0; m < sizeof mutations / sizeof *mutations; m++) {
        json_t *doc = json_deep_copy(orig);
        json_t *keys = json_object_get(doc, "keys");
        json_t *e = json_array_get(keys, 0);
        const char *what = mutations[m];
        if (strcmp(what, "extra") == 0)
            json_object_set_new(e, "seed", json_string("AAAA"));
        else if (strcmp(what, "purpose") == 0)
            json_object_set_new(e, "purpose", json_string("log"));
        else if (strcmp(what, "created") == 0)
            json_object_set_new(e, "created", json_real(1.5));
        else if (strcmp(what, "retired_only") == 0)
            json_object_set_new(e, "retired_at", json_integer(5));
        else if (strcmp(what, "kid_short") == 0)
            json_object_set_new(e, "kid", json_string("abc"));
        else
            json_array_append(keys, e);
        write_doc(f, doc);
        json_decref(doc);
        expect_load(f, YC_ERR_INVALID, NULL);
    }
    json_decref(orig);
}

static void yc_keyring_rotate__timeline__states_signer_find_and_jwks_switch_exactly(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    yc_keyring_stamp s1, s2;
    assert_int_equal(yc_keyring_stamp_get(f->dir, &s1), YC_OK);
    char kid_new[YC_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(
        yc_keyring_rotate(f->dir, YC_KEY_ATTESTATION, 2000, 3600, MAXV, GRACE, kid_new), YC_OK);
    assert_int_equal(yc_keyring_stamp_get(f->dir, &s2), YC_OK);
    assert_true(s1.ino != s2.ino || s1.dev != s2.dev || s1.size != s2.size ||
                s1.mtime_ns != s2.mtime_ns);
    const int64_t nb = 5600, drop = 5600 + MAXV + GRACE;
    yc_keyring *kr = load_ok(f);
    assert_int_equal(yc_keyring_count(kr), 3);
    const yc_key_info *old = yc_keyring_info(kr, 0), *sl = yc_keyring_info(kr, 1),
                      *nw = yc_keyring_info(kr, 2);
    assert_string_equal(nw->kid, kid_new);
    assert_int_equal(nw->created, 2000);
    assert_int_equal(nw->not_before, nb);
    assert_int_equal(nw->retired_at, 0);
    assert_int_equal(old->retired_at, nb);
    assert_int_equal(old->drop_at, drop);
    assert_int_equal(sl->retired_at, 0);

    const yc_key_info *si = NULL;
    const yc_ed25519_key *sk = NULL;
    char kids[512], want[512];
    /* nb - 1: new published, old still signs. */
    assert_int_equal(yc_keyring_state(nw, nb - 1), YC_KEY_PUBLISHED);
    assert_int_equal(yc_keyring_state(old, nb - 1), YC_KEY_ACTIVE);
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_ATTESTATION, nb - 1, &si, &sk), YC_OK);
    assert_ptr_equal(si, old);
    assert_ptr_equal(yc_keyring_find(kr, nw->kid, nb - 1), nw);
    assert_ptr_equal(yc_keyring_find(kr, old->kid, nb - 1), old);
    jwks_kids(kr, nb - 1, kids, sizeof kids);
    join3(want, sizeof want, old->kid, sl->kid, nw->kid);
    assert_string_equal(kids, want);
    /* nb: the new key signs, the old one is retired but still published. */
    assert_int_equal(yc_keyring_state(nw, nb), YC_KEY_ACTIVE);
    assert_int_equal(yc_keyring_state(old, nb), YC_KEY_RETIRED);
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_ATTESTATION, nb, &si, &sk), YC_OK);
    assert_ptr_equal(si, nw);
    assert_ptr_equal(yc_keyring_find(kr, old->kid, nb), old);
    jwks_kids(kr, nb, kids, sizeof kids);
    assert_string_equal(kids, want);
    /* drop - 1: still in the JWKS. */
    assert_int_equal(yc_keyring_state(old, drop - 1), YC_KEY_RETIRED);
    assert_ptr_equal(yc_keyring_find(kr, old->kid, drop - 1), old);
    jwks_kids(kr, drop - 1, kids, sizeof kids);
    assert_string_equal(kids, want);
    /* drop: gone. */
    assert_int_equal(yc_keyring_state(old, drop), YC_KEY_DROPPED);
    assert_null(yc_keyring_find(kr, old->kid, drop));
    jwks_kids(kr, drop, kids, sizeof kids);
    join3(want, sizeof want, sl->kid, nw->kid, NULL);
    assert_string_equal(kids, want);
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_ATTESTATION, drop, &si, &sk), YC_OK);
    assert_ptr_equal(si, nw);
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_STATUS_LIST, drop, &si, &sk), YC_OK);
    assert_ptr_equal(si, sl);
    assert_null(yc_keyring_find(kr, "nope", nb));
    yc_keyring_free(kr);
}

static void yc_keyring_rotate__50_times__52_distinct_kids(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    for (int i = 0; i < 50; i++)
        assert_int_equal(yc_keyring_rotate(f->dir, i % 2 ? YC_KEY_STATUS_LIST : YC_KEY_ATTESTATION,
                                           T0 + 10 * (i + 1), 0, MAXV, GRACE, kid),
                         YC_OK);
    yc_keyring *kr = load_ok(f);
    assert_int_equal(yc_keyring_count(kr), 52);
    size_t unretired[3] = {0, 0, 0};
    for (size_t i = 0; i < 52; i++) {
        const yc_key_info *a = yc_keyring_info(kr, i);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(a->kid, yc_keyring_info(kr, j)->kid);
        if (a->retired_at == 0)
            unretired[a->purpose]++;
    }
    assert_int_equal(unretired[YC_KEY_ATTESTATION], 1);
    assert_int_equal(unretired[YC_KEY_STATUS_LIST], 1);
    const yc_key_info *si = NULL;
    const yc_ed25519_key *sk = NULL;
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_STATUS_LIST, T0 + 500, &si, &sk), YC_OK);
    assert_string_equal(si->kid, kid);
    assert_ptr_equal(si, yc_keyring_info(kr, 51));
    yc_keyring_free(kr);
}

static void yc_keyring_retire__last_key__conflict_unless_force(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    yc_keyring *kr = load_ok(f);
    char att[64], sl[64];
    snprintf(att, sizeof att, "%s", yc_keyring_info(kr, 0)->kid);
    snprintf(sl, sizeof sl, "%s", yc_keyring_info(kr, 1)->kid);
    yc_keyring_free(kr);
    assert_int_equal(yc_keyring_retire(f->dir, att, 2000, MAXV, GRACE, false), YC_ERR_CONFLICT);
    assert_int_equal(yc_keyring_retire(f->dir, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 2000,
                                       MAXV, GRACE, true),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(yc_keyring_retire(f->dir, att, 2000, MAXV, GRACE, true), YC_OK);
    assert_int_equal(yc_keyring_retire(f->dir, att, 2001, MAXV, GRACE, true), YC_ERR_CONFLICT);
    /* A published successor is enough. */
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(yc_keyring_add(f->dir, YC_KEY_STATUS_LIST, 2000, 9000, kid), YC_OK);
    assert_int_equal(yc_keyring_retire(f->dir, sl, 2000, MAXV, GRACE, false), YC_OK);
    kr = load_ok(f);
    assert_int_equal(yc_keyring_count(kr), 3);
    const yc_key_info *a = yc_keyring_info(kr, 0), *s = yc_keyring_info(kr, 1),
                      *n = yc_keyring_info(kr, 2);
    assert_int_equal(a->retired_at, 2000);
    assert_int_equal(a->drop_at, 2000 + MAXV + GRACE);
    assert_int_equal(s->retired_at, 2000);
    assert_int_equal(yc_keyring_state(s, 2000), YC_KEY_RETIRED);
    assert_string_equal(n->kid, kid);
    assert_int_equal(n->not_before, 9000);
    assert_int_equal(n->retired_at, 0);
    const yc_key_info *si = NULL;
    const yc_ed25519_key *sk = NULL;
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_ATTESTATION, 2000, &si, &sk), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_STATUS_LIST, 8999, &si, &sk), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_keyring_signer(kr, YC_KEY_STATUS_LIST, 9000, &si, &sk), YC_OK);
    assert_ptr_equal(si, n);
    yc_keyring_free(kr);
    /* Now the only non-retired status-list key is n: refused without force. */
    assert_int_equal(yc_keyring_retire(f->dir, kid, 9000, MAXV, GRACE, false), YC_ERR_CONFLICT);
}

static void yc_keyring_add__old_data_dir__creates_master_and_file(void **state)
{
    fx *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/keys", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(yc_keyring_add(f->dir, YC_KEY_STATUS_LIST, T0, T0 + 60, kid), YC_OK);
    struct stat st;
    assert_int_equal(stat(file_in(f, "master.key"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    yc_keyring *kr = load_ok(f);
    assert_int_equal(yc_keyring_count(kr), 1);
    assert_string_equal(yc_keyring_info(kr, 0)->kid, kid);
    assert_int_equal(yc_keyring_state(yc_keyring_info(kr, 0), T0 + 59), YC_KEY_PUBLISHED);
    assert_int_equal(yc_keyring_state(yc_keyring_info(kr, 0), T0 + 60), YC_KEY_ACTIVE);
    yc_keyring_free(kr);
    assert_int_equal(yc_keyring_add(f->dir, YC_KEY_STATUS_LIST, T0, T0 - 1, kid), YC_ERR_INVALID);
    assert_int_equal(yc_keyring_add(f->dir, (yc_key_purpose)3, T0, T0, kid), YC_ERR_INVALID);
}

/* Writes a file of N valid keys sealed under the existing master key. */
static void write_n_keys(fx *f, size_t n)
{
    yc_crypto_key *master = NULL;
    assert_int_equal(yc_crypto_key_load(file_in(f, "master.key"), &master), YC_OK);
    json_t *keys = json_array();
    for (size_t i = 0; i < n; i++) {
        uint8_t seed[32] = {0}, pk[32], sealed[72];
        seed[0] = (uint8_t)i;
        seed[1] = (uint8_t)(i >> 8);
        yc_ed25519_key *k = NULL;
        assert_int_equal(yc_ed25519_key_from_seed(seed, &k), YC_OK);
        yc_ed25519_public_key(k, pk);
        yc_ed25519_key_free(k);
        char kid[44], x[44], sb[128], ad[128];
        assert_int_equal(yc_jwk_thumbprint(pk, kid), YC_OK);
        assert_int_equal(yc_b64url_encode(pk, 32, x), YC_OK);
        const int ad_len = snprintf(ad, sizeof ad, "yrdcredit signing key v1|%s|status_list", kid);
        assert_int_equal(
            yc_crypto_seal(master, seed, 32, (const uint8_t *)ad, (size_t)ad_len, sealed), YC_OK);
        assert_int_equal(yc_b64url_encode(sealed, sizeof sealed, sb), YC_OK);
        json_array_append_new(keys, json_pack("{s:s,s:s,s:s,s:i,s:i,s:s}", "kid", kid, "purpose",
                                              "status_list", "x", x, "created", 1, "not_before", 1,
                                              "sealed_seed", sb));
    }
    json_t *doc = json_pack("{s:s,s:o}", "format", "yrdcredit-signing-keys/1", "keys", keys);
    write_doc(f, doc);
    json_decref(doc);
    yc_crypto_key_free(master);
}

static void yc_keyring_load__max_keys_and_one_past__ok_then_invalid(void **state)
{
    fx *f = *state;
    assert_int_equal(yc_keyring_create(f->dir, T0), YC_OK);
    write_n_keys(f, YC_KEYRING_MAX_KEYS);
    yc_keyring *kr = load_ok(f);
    assert_int_equal(yc_keyring_count(kr), YC_KEYRING_MAX_KEYS);
    char *json = NULL;
    size_t len = 0;
    /* All 1024 are in the JWKS at time 1: more than one JWK Set may hold. */
    assert_int_equal(yc_keyring_jwks_json(kr, 1, &json, &len), YC_ERR_TOO_LARGE);
    yc_keyring_free(kr);
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(yc_keyring_add(f->dir, YC_KEY_STATUS_LIST, T0, T0, kid), YC_ERR_TOO_LARGE);
    write_n_keys(f, YC_KEYRING_MAX_KEYS + 1);
    expect_load(f, YC_ERR_INVALID, "more than 1024 keys");
}

int main(void)
{
    yc_core_init_json();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(yc_keyring_create__fresh_dir__two_active_keys_0600, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            yc_keyring_load__round_trip__same_keys_and_signatures_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_load__flipped_sealed_seed_byte__store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_load__wrong_master_key__store, setup, teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_load__x_not_matching_seed__store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_load__missing_files__not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_load__malformed__invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(
            yc_keyring_rotate__timeline__states_signer_find_and_jwks_switch_exactly, setup,
            teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_rotate__50_times__52_distinct_kids, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_retire__last_key__conflict_unless_force, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_add__old_data_dir__creates_master_and_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(yc_keyring_load__max_keys_and_one_past__ok_then_invalid,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
