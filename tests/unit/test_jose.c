/* Tests for include/yrdcredit/jose.h (crypto/jose.c): base64url, Ed25519, thumbprints, JWS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/jose.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void b64(const void *in, size_t len, char *out)
{
    assert_int_equal(yc_b64url_encode(in, len, out), YC_OK);
}

/* RFC 8037 A.1 = RFC 8032 TEST 1 key. */
static const char rfc8037_seed[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

static yc_ed25519_key *key_from_hex(const char *hex)
{
    uint8_t seed[YC_ED25519_SEED_BYTES];
    assert_int_equal(unhex(hex, seed, sizeof seed), sizeof seed);
    yc_ed25519_key *key = NULL;
    assert_int_equal(yc_ed25519_key_from_seed(seed, &key), YC_OK);
    return key;
}

/* ---- base64url ---- */

static void b64url_encode__rfc4648_vectors_and_tails__exact(void **state)
{
    (void)state;
    /* RFC 4648 §10 without padding: empty, 1-, 2- and 3-byte tails. */
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const want[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char out[16];
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(yc_b64url_encoded_len(strlen(in[i])), strlen(want[i]));
        b64(in[i], strlen(in[i]), out);
        assert_string_equal(out, want[i]);
        uint8_t bin[8];
        size_t n = 99;
        assert_int_equal(yc_b64url_decode(want[i], strlen(want[i]), bin, sizeof bin, &n), YC_OK);
        assert_int_equal(n, strlen(in[i]));
        assert_memory_equal(bin, in[i], n);
        assert_int_equal(yc_b64url_decoded_len(strlen(want[i])), strlen(in[i]));
    }
    b64(NULL, 0, out);
    assert_string_equal(out, "");
    /* URL-safe alphabet: 62 -> '-', 63 -> '_' */
    static const uint8_t high[] = {0xfb, 0xff, 0xbf};
    b64(high, sizeof high, out);
    assert_string_equal(out, "-_-_");
    assert_int_equal(yc_b64url_decoded_len(5), 3); /* a 1-character tail counts as 0 */
}

static void b64url_decode__padding_alphabet_and_trailing_bits__invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zg==",  "Zg=",
        "Zm8=",  "Zm9v=", /* padding, in every position */
        "+/8",   "Zm9v\n",
        " Zm9v", "Zm.v",  /* standard alphabet, whitespace, '.' */
        "Z",     "Zm9vY", /* 1-character tails */
        "Zh",    "QR",
        "Zm9",   "Zm9vYh", /* non-zero trailing bits (canonical: Zg QQ Zm8 Zm9vYg) */
    };
    uint8_t bin[8];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = 0;
        assert_int_equal(yc_b64url_decode(bad[i], strlen(bad[i]), bin, sizeof bin, &n),
                         YC_ERR_INVALID);
    }
    size_t n = 0;
    assert_int_equal(yc_b64url_decode("Zg\0g", 4, bin, sizeof bin, &n), YC_ERR_INVALID);
    assert_int_equal(yc_b64url_decode("QQ", 2, bin, sizeof bin, &n), YC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(bin[0], 'A');
    assert_int_equal(yc_b64url_decode(NULL, 0, bin, 0, &n), YC_OK);
    assert_int_equal(n, 0);
}

static void b64url_decode__capacity_at_and_one_below__ok_then_too_large(void **state)
{
    (void)state;
    uint8_t bin[3];
    size_t n = 0;
    assert_int_equal(yc_b64url_decode("Zm9v", 4, bin, 3, &n), YC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(yc_b64url_decode("Zm9v", 4, bin, 2, &n), YC_ERR_TOO_LARGE);
    assert_int_equal(yc_b64url_decode("Zm8", 3, bin, 2, &n), YC_OK);
    assert_int_equal(yc_b64url_decode("Zm8", 3, bin, 1, &n), YC_ERR_TOO_LARGE);
}

/* ---- Ed25519 ---- */

static void ed25519__rfc8032_tests_1_to_3__byte_for_byte(void **state)
{
    (void)state;
    /* RFC 8032 §7.1 TEST 1, TEST 2, TEST 3. */
    static const struct {
        const char *seed, *pk, *msg, *sig;
    } t[] = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701"
         "c"
         "f9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d"
         "0"
         "f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f7609"
         "8"
         "4dc6594a7c15e9716ed28dc027beceea1ec40a"},
    };
    for (size_t i = 0; i < 3; i++) {
        yc_ed25519_key *key = key_from_hex(t[i].seed);
        uint8_t pk[32], want_pk[32], msg[2], sig[64], want_sig[64];
        size_t mlen = unhex(t[i].msg, msg, sizeof msg);
        unhex(t[i].pk, want_pk, sizeof want_pk);
        unhex(t[i].sig, want_sig, sizeof want_sig);
        yc_ed25519_public_key(key, pk);
        assert_memory_equal(pk, want_pk, 32);
        assert_int_equal(yc_ed25519_sign(key, mlen ? msg : NULL, mlen, sig), YC_OK);
        assert_memory_equal(sig, want_sig, 64);
        assert_int_equal(yc_ed25519_verify(pk, msg, mlen, sig, 64), YC_OK);
        sig[63] ^= 0x01;
        assert_int_equal(yc_ed25519_verify(pk, msg, mlen, sig, 64), YC_ERR_AUTH);
        yc_ed25519_key_free(key);
    }
    yc_ed25519_key_free(NULL);
}

static void ed25519_verify__signature_63_and_65_bytes__invalid_before_libsodium(void **state)
{
    (void)state;
    yc_ed25519_key *key = key_from_hex(rfc8037_seed);
    uint8_t pk[32], sig[65] = {0};
    yc_ed25519_public_key(key, pk);
    assert_int_equal(yc_ed25519_sign(key, NULL, 0, sig), YC_OK);
    assert_int_equal(yc_ed25519_verify(pk, NULL, 0, sig, 64), YC_OK);
    assert_int_equal(yc_ed25519_verify(pk, NULL, 0, sig, 63), YC_ERR_INVALID);
    assert_int_equal(yc_ed25519_verify(pk, NULL, 0, sig, 65), YC_ERR_INVALID);
    assert_int_equal(yc_ed25519_verify(pk, NULL, 0, NULL, 0), YC_ERR_INVALID);
    yc_ed25519_key_free(key);
}

static void ed25519_verify__all_wycheproof_cases__expected_result(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/vectors/wycheproof_ed25519_test.json",
             getenv("YC_SOURCE_ROOT"));
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(doc);
    size_t valid = 0, invalid = 0, total = 0;
    size_t gi;
    json_t *group;
    json_array_foreach(json_object_get(doc, "testGroups"), gi, group)
    {
        uint8_t pk[32];
        const char *pkhex =
            json_string_value(json_object_get(json_object_get(group, "publicKey"), "pk"));
        assert_non_null(pkhex);
        assert_int_equal(unhex(pkhex, pk, sizeof pk), 32);
        size_t ti;
        json_t *t;
        json_array_foreach(json_object_get(group, "tests"), ti, t)
        {
            const char *mhex = json_string_value(json_object_get(t, "msg"));
            const char *shex = json_string_value(json_object_get(t, "sig"));
            const char *result = json_string_value(json_object_get(t, "result"));
            assert_non_null(mhex);
            assert_non_null(shex);
            assert_non_null(result);
            size_t mcap = strlen(mhex) / 2 + 1, scap = strlen(shex) / 2 + 1;
            uint8_t *msg = malloc(mcap), *sig = malloc(scap);
            assert_non_null(msg);
            assert_non_null(sig);
            size_t mlen = unhex(mhex, msg, mcap), slen = unhex(shex, sig, scap);
            yc_err rv = yc_ed25519_verify(pk, msg, mlen, sig, slen);
            if (strcmp(result, "valid") == 0) {
                if (rv != YC_OK)
                    fail_msg("tcId %lld: expected valid, got %d",
                             json_integer_value(json_object_get(t, "tcId")), rv);
                valid++;
            } else {
                assert_string_equal(result, "invalid");
                if (rv == YC_OK)
                    fail_msg("tcId %lld: expected invalid, accepted",
                             json_integer_value(json_object_get(t, "tcId")));
                assert_int_equal(rv, slen == 64 ? YC_ERR_AUTH : YC_ERR_INVALID);
                invalid++;
            }
            total++;
            free(msg);
            free(sig);
        }
    }
    assert_int_equal(total, 151);
    assert_int_equal(valid, 88);
    assert_int_equal(invalid, 63);
    assert_int_equal(json_integer_value(json_object_get(doc, "numberOfTests")), 151);
    json_decref(doc);
}

/* ---- RFC 7638 / RFC 8037 ---- */

static void jwk_thumbprint__rfc8037_a1_a3__exact(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32];
    unhex(rfc8037_seed, seed, sizeof seed);
    yc_ed25519_key *key = key_from_hex(rfc8037_seed);
    yc_ed25519_public_key(key, pk);
    char d[44], x[44], kid[YC_JWK_THUMBPRINT_LEN + 1];
    b64(seed, 32, d);
    b64(pk, 32, x);
    /* A.1 JWK members */
    assert_string_equal(d, "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
    assert_string_equal(x, "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    /* A.3 */
    assert_int_equal(yc_jwk_thumbprint(pk, kid), YC_OK);
    assert_string_equal(kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    yc_ed25519_key_free(key);
}

/* ---- JWS ---- */

static const char a4_token[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
                               "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5Bh"
                               "VsPt9g7sVvpAr_MuM0KAg";
static const char a4_payload[] = "Example of Ed25519 signing";

static void rfc8037_pk(uint8_t pk[32])
{
    yc_ed25519_key *key = key_from_hex(rfc8037_seed);
    yc_ed25519_public_key(key, pk);
    yc_ed25519_key_free(key);
}

static void jws_sign__rfc8037_a4__byte_for_byte_and_verifies(void **state)
{
    (void)state;
    yc_ed25519_key *key = key_from_hex(rfc8037_seed);
    uint8_t pk[32];
    yc_ed25519_public_key(key, pk);
    static const char hdr[] = "{\"alg\":\"EdDSA\"}";
    char *tok = NULL;
    size_t len = 0;
    assert_int_equal(yc_jws_sign(hdr, strlen(hdr), (const uint8_t *)a4_payload, strlen(a4_payload),
                                 key, &tok, &len),
                     YC_OK);
    assert_string_equal(tok, a4_token);
    assert_int_equal(len, strlen(a4_token));
    yc_free(tok);

    /* A.5: verification; the payload is not JSON, so JWS verifies and JWT rejects it. */
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519, NULL, NULL};
    json_t *h = NULL;
    uint8_t *payload = NULL;
    size_t plen = 0;
    yc_jws_reason why = YC_JWS_INTERNAL;
    assert_int_equal(yc_jws_verify(a4_token, strlen(a4_token), pk, &ex, &h, &payload, &plen, &why),
                     YC_OK);
    assert_int_equal(why, YC_JWS_OK);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "EdDSA");
    assert_int_equal(json_object_size(h), 1);
    assert_int_equal(plen, strlen(a4_payload));
    assert_string_equal((const char *)payload, a4_payload);
    json_decref(h);
    yc_free(payload);
    json_t *claims = NULL;
    assert_int_equal(yc_jwt_verify(a4_token, strlen(a4_token), pk, &ex, &h, &claims, &why),
                     YC_ERR_INVALID);
    assert_int_equal(why, YC_JWS_BAD_PAYLOAD);
    assert_string_equal(yc_jws_reason_str(why), "bad_payload");
    /* EdDSA is not allowed when only Ed25519 is */
    ex.algs = YC_JWS_ALG_ED25519;
    assert_int_equal(yc_jws_verify(a4_token, strlen(a4_token), pk, &ex, &h, &payload, &plen, &why),
                     YC_ERR_AUTH);
    assert_int_equal(why, YC_JWS_ALG_NOT_ALLOWED);
    yc_ed25519_key_free(key);
}

static void jws_sign__alg_ed25519__matches_jose_and_only_ed25519_allowed(void **state)
{
    (void)state;
    /* attestations.md §5, generated with jose 6.2.18 from the same key. */
    static const char want[] = "eyJhbGciOiJFZDI1NTE5In0.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
                               "UxhIYLHGg39NVCLpQAVD_UcfOmnGSCzLFZoXYkLiIbFccmOb_qObsgjzLKsfJw-4N"
                               "lccUgvYrEHrRbNV0HcZAQ";
    yc_ed25519_key *key = key_from_hex(rfc8037_seed);
    uint8_t pk[32];
    yc_ed25519_public_key(key, pk);
    static const char hdr[] = "{\"alg\":\"Ed25519\"}";
    char *tok = NULL;
    size_t len = 0;
    assert_int_equal(yc_jws_sign(hdr, strlen(hdr), (const uint8_t *)a4_payload, strlen(a4_payload),
                                 key, &tok, &len),
                     YC_OK);
    assert_string_equal(tok, want);
    json_t *h = NULL;
    uint8_t *payload = NULL;
    size_t plen = 0;
    yc_jws_reason why = YC_JWS_INTERNAL;
    yc_jws_expect ex = {YC_JWS_ALG_ED25519, NULL, NULL};
    assert_int_equal(yc_jws_verify(tok, len, pk, &ex, &h, &payload, &plen, &why), YC_OK);
    json_decref(h);
    yc_free(payload);
    ex.algs = YC_JWS_ALG_EDDSA;
    assert_int_equal(yc_jws_verify(tok, len, pk, &ex, &h, &payload, &plen, &why), YC_ERR_AUTH);
    assert_int_equal(why, YC_JWS_ALG_NOT_ALLOWED);
    ex.algs = 0;
    assert_int_equal(yc_jws_verify(tok, len, pk, &ex, &h, &payload, &plen, &why), YC_ERR_AUTH);
    assert_int_equal(why, YC_JWS_ALG_NOT_ALLOWED);
    yc_free(tok);
    yc_ed25519_key_free(key);
}

static void jws_sign__header_not_object_or_other_alg__invalid(void **state)
{
    (void)state;
    yc_ed25519_key *key = key_from_hex(rfc8037_seed);
    static const char *const bad[] = {
        "{\"alg\":\"none\"}", "{\"alg\":\"HS256\"}", "{\"typ\":\"JWT\"}",
        "[\"EdDSA\"]",        "{\"alg\":\"EdDSA\"",  "{\"alg\":\"EdDSA\",\"alg\":\"EdDSA\"}",
        "{\"alg\":1}",        "{\"alg\":\"eddsa\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char sentinel[] = "unchanged";
        char *tok = sentinel;
        size_t len = 7;
        assert_int_equal(yc_jws_sign(bad[i], strlen(bad[i]), NULL, 0, key, &tok, &len),
                         YC_ERR_INVALID);
        assert_string_equal(tok, "unchanged");
        assert_int_equal(len, 7);
    }
    yc_ed25519_key_free(key);
}

/* Token from raw header/payload strings and @p sig_len bytes of signature. */
static char *forge(const char *hdr, const char *payload, const uint8_t *sig, size_t sig_len)
{
    size_t hl = yc_b64url_encoded_len(strlen(hdr)), pl = yc_b64url_encoded_len(strlen(payload));
    char *tok = malloc(hl + pl + yc_b64url_encoded_len(sig_len) + 3);
    assert_non_null(tok);
    b64(hdr, strlen(hdr), tok);
    tok[hl] = '.';
    b64(payload, strlen(payload), tok + hl + 1);
    tok[hl + 1 + pl] = '.';
    b64(sig, sig_len, tok + hl + 1 + pl + 1);
    return tok;
}

static yc_jws_reason jwt_reason(const char *tok, const uint8_t *pk, const yc_jws_expect *ex,
                                yc_err *ret_rv)
{
    json_t *h = (json_t *)0x1, *c = (json_t *)0x1;
    yc_jws_reason why = YC_JWS_INTERNAL;
    yc_err rv = yc_jwt_verify(tok, strlen(tok), pk, ex, &h, &c, &why);
    if (rv == YC_OK) {
        json_decref(h);
        json_decref(c);
    } else {
        /* out-parameters untouched on failure */
        assert_ptr_equal(h, (json_t *)0x1);
        assert_ptr_equal(c, (json_t *)0x1);
    }
    if (ret_rv != NULL)
        *ret_rv = rv;
    return why;
}

static void jws_verify__each_rejection_class__distinct_reason(void **state)
{
    (void)state;
    uint8_t pk[32];
    rfc8037_pk(pk);
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519, NULL, NULL};
    yc_err rv;
    /* wrong number of parts */
    static const char *const parts[] = {"", "a", "a.b", "a.b.c.d", "..."};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(jwt_reason(parts[i], pk, &ex, &rv), YC_JWS_MALFORMED);
        assert_int_equal(rv, YC_ERR_INVALID);
    }
    uint8_t sig[65] = {0};
    /* header not a JSON object / not JSON / alg not a string */
    static const char *const hdrs[] = {"[1]", "\"EdDSA\"",   "{\"alg\":\"EdDSA\"",
                                       "{}",  "{\"alg\":7}", "null"};
    for (size_t i = 0; i < 6; i++) {
        char *t = forge(hdrs[i], "{}", sig, 64);
        assert_int_equal(jwt_reason(t, pk, &ex, &rv), YC_JWS_BAD_HEADER);
        assert_int_equal(rv, YC_ERR_INVALID);
        free(t);
    }
    /* duplicate header member */
    char *t = forge("{\"alg\":\"EdDSA\",\"alg\":\"EdDSA\"}", "{}", sig, 64);
    assert_int_equal(jwt_reason(t, pk, &ex, &rv), YC_JWS_DUPLICATE_MEMBER);
    free(t);
    /* alg none, HS256, lower case */
    static const char *const algs[] = {"{\"alg\":\"none\"}", "{\"alg\":\"HS256\"}",
                                       "{\"alg\":\"eddsa\"}", "{\"alg\":\"EdDSA\\u0000\"}"};
    for (size_t i = 0; i < 4; i++) {
        t = forge(algs[i], "{}", sig, 64);
        /* "\u0000" inside a string is refused by Jansson's parser itself */
        assert_int_equal(jwt_reason(t, pk, &ex, &rv),
                         i == 3 ? YC_JWS_BAD_HEADER : YC_JWS_ALG_NOT_ALLOWED);
        free(t);
    }
    /* signature 63 and 65 bytes (alg allowed, header fine) */
    t = forge("{\"alg\":\"EdDSA\"}", "{}", sig, 63);
    assert_int_equal(jwt_reason(t, pk, &ex, &rv), YC_JWS_BAD_SIGNATURE_LENGTH);
    assert_int_equal(rv, YC_ERR_INVALID);
    free(t);
    t = forge("{\"alg\":\"EdDSA\"}", "{}", sig, 65);
    assert_int_equal(jwt_reason(t, pk, &ex, &rv), YC_JWS_BAD_SIGNATURE_LENGTH);
    free(t);
    t = forge("{\"alg\":\"EdDSA\"}", "{}", sig, 64);
    assert_int_equal(jwt_reason(t, pk, &ex, &rv), YC_JWS_BAD_SIGNATURE);
    assert_int_equal(rv, YC_ERR_AUTH);
    free(t);
    /* too large: checked before anything else */
    char *big = malloc(YC_JWS_MAX_TOKEN_BYTES + 2);
    assert_non_null(big);
    memset(big, '.', YC_JWS_MAX_TOKEN_BYTES + 1);
    big[YC_JWS_MAX_TOKEN_BYTES + 1] = '\0';
    assert_int_equal(jwt_reason(big, pk, &ex, &rv), YC_JWS_TOO_LARGE);
    assert_int_equal(rv, YC_ERR_TOO_LARGE);
    free(big);
}

/* Valid signatures over headers that policy must reject. */
static void jws_verify__signed_policy_violations__rejected(void **state)
{
    (void)state;
    yc_ed25519_key *key = key_from_hex(rfc8037_seed);
    uint8_t pk[32];
    yc_ed25519_public_key(key, pk);
    static const struct {
        const char *hdr;
        const char *payload;
        yc_jws_reason want;
    } c[] = {
        {"{\"alg\":\"EdDSA\",\"crit\":[\"x\"],\"x\":1}", "{}", YC_JWS_CRIT_UNSUPPORTED},
        {"{\"alg\":\"EdDSA\",\"crit\":[]}", "{}", YC_JWS_CRIT_UNSUPPORTED},
        {"{\"alg\":\"EdDSA\",\"jku\":\"https://a.example/k\"}", "{}", YC_JWS_KEY_IN_HEADER},
        {"{\"alg\":\"EdDSA\",\"x5u\":\"https://a.example/c\"}", "{}", YC_JWS_KEY_IN_HEADER},
        {"{\"alg\":\"EdDSA\",\"x5c\":[]}", "{}", YC_JWS_KEY_IN_HEADER},
        {"{\"alg\":\"EdDSA\",\"jwk\":{}}", "{}", YC_JWS_KEY_IN_HEADER},
        {"{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"k1\"}", "{}", YC_JWS_WRONG_TYP},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\"}", "{}", YC_JWS_WRONG_TYP}, /* typ missing */
        {"{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\",\"kid\":\"k2\"}", "{}", YC_JWS_WRONG_KID},
        {"{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\"}", "{}", YC_JWS_WRONG_KID}, /* kid missing */
        {"{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\",\"kid\":\"k1\"}", "{\"a\":1,\"a\":2}",
         YC_JWS_DUPLICATE_MEMBER},
        {"{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\",\"kid\":\"k1\"}", "[]", YC_JWS_BAD_PAYLOAD},
        {"{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\",\"kid\":\"k1\"}", "{\"a\":1}", YC_JWS_OK},
    };
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA, "dc+sd-jwt", "k1"};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *tok = NULL;
        size_t len = 0;
        assert_int_equal(yc_jws_sign(c[i].hdr, strlen(c[i].hdr), (const uint8_t *)c[i].payload,
                                     strlen(c[i].payload), key, &tok, &len),
                         YC_OK);
        yc_err rv;
        yc_jws_reason why = jwt_reason(tok, pk, &ex, &rv);
        if (why != c[i].want)
            fail_msg("case %zu: got %s", i, yc_jws_reason_str(why));
        yc_free(tok);
    }
    yc_ed25519_key_free(key);
}

static void jws_sign_verify__token_at_limit_and_one_past__ok_then_too_large(void **state)
{
    (void)state;
    yc_ed25519_key *key = key_from_hex(rfc8037_seed);
    uint8_t pk[32];
    yc_ed25519_public_key(key, pk);
    static const char hdr[] = "{\"alg\":\"EdDSA\"}"; /* 20 characters encoded */
    /* 20 + 1 + 16276 + 1 + 86 = 16384: a payload of 12207 bytes encodes to 16276 characters. */
    size_t plen = 12207;
    char *payload = malloc(plen + 2);
    assert_non_null(payload);
    memset(payload, 'a', plen + 1);
    memcpy(payload, "{\"p\":\"", 6);
    memcpy(payload + plen - 2, "\"}", 2);
    char *tok = NULL;
    size_t len = 0;
    assert_int_equal(yc_jws_sign(hdr, strlen(hdr), (uint8_t *)payload, plen, key, &tok, &len),
                     YC_OK);
    assert_int_equal(len, YC_JWS_MAX_TOKEN_BYTES);
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA, NULL, NULL};
    json_t *h = NULL, *c = NULL;
    yc_jws_reason why = YC_JWS_INTERNAL;
    assert_int_equal(yc_jwt_verify(tok, len, pk, &ex, &h, &c, &why), YC_OK);
    assert_int_equal(strlen(json_string_value(json_object_get(c, "p"))), plen - 8);
    json_decref(h);
    json_decref(c);
    assert_int_equal(yc_jwt_verify(tok, len + 1, pk, &ex, &h, &c, &why), YC_ERR_TOO_LARGE);
    assert_int_equal(why, YC_JWS_TOO_LARGE);
    yc_free(tok);
    char sentinel[] = "unchanged";
    char *tok2 = sentinel;
    assert_int_equal(yc_jws_sign(hdr, strlen(hdr), (uint8_t *)payload, plen + 1, key, &tok2, &len),
                     YC_ERR_TOO_LARGE);
    assert_string_equal(tok2, "unchanged");
    free(payload);
    yc_ed25519_key_free(key);
}

static void jws_verify__allocation_failures__nomem_never_crash(void **state)
{
    (void)state;
    uint8_t pk[32];
    rfc8037_pk(pk);
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA, NULL, NULL};
    uint8_t *payload = NULL;
    size_t plen = 0;
    json_t *h = NULL;
    yc_jws_reason why = YC_JWS_OK;
    for (long n = 0;; n++) {
        yc_alloc_fail_after(n);
        yc_err rv = yc_jws_verify(a4_token, strlen(a4_token), pk, &ex, &h, &payload, &plen, &why);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_int_equal(why, YC_JWS_OK);
            assert_string_equal((const char *)payload, a4_payload);
            json_decref(h);
            yc_free(payload);
            break;
        }
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_int_equal(why, YC_JWS_INTERNAL);
        assert_true(n < 100);
    }
    json_t *c = NULL;
    for (long n = 0;; n++) {
        yc_alloc_fail_after(n);
        yc_err rv = yc_jwt_verify(a4_token, strlen(a4_token), pk, &ex, &h, &c, &why);
        yc_alloc_fail_after(-1);
        if (rv == YC_ERR_INVALID) { /* the A.4 payload is not JSON: reached the end */
            assert_int_equal(why, YC_JWS_BAD_PAYLOAD);
            break;
        }
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_int_equal(why, YC_JWS_INTERNAL);
        assert_true(n < 100);
    }
}

static void jws_sign__allocation_failures__nomem_never_crash(void **state)
{
    (void)state;
    uint8_t seed[32];
    unhex(rfc8037_seed, seed, sizeof seed);
    yc_ed25519_key *key = NULL;
    yc_alloc_fail_after(0);
    assert_int_equal(yc_ed25519_key_from_seed(seed, &key), YC_ERR_NOMEM);
    yc_alloc_fail_after(-1);
    assert_null(key);
    key = key_from_hex(rfc8037_seed);
    static const char hdr[] = "{\"alg\":\"EdDSA\"}";
    for (long n = 0;; n++) {
        char *tok = NULL;
        size_t len = 0;
        yc_alloc_fail_after(n);
        yc_err rv = yc_jws_sign(hdr, strlen(hdr), (const uint8_t *)a4_payload, strlen(a4_payload),
                                key, &tok, &len);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_string_equal(tok, a4_token);
            yc_free(tok);
            break;
        }
        assert_int_equal(rv, YC_ERR_NOMEM);
        assert_null(tok);
        assert_true(n < 100);
    }
    yc_ed25519_key_free(key);
}

/* ---- the 28 vectors of attestations.md §6 ---- */

static void jwt_verify__jws_sdjwt_vectors__expected_jws_layer_result(void **state)
{
    (void)state;
    /* JWS/JWT-layer outcome with the §6 verifier config (pinned key, both algs, typ dc+sd-jwt,
     * kid = thumbprint).  Claim checks (exp, nbf, iss, aud) and SD-JWT processing are not part
     * of this layer: those vectors pass it with a valid signature and are listed as YC_JWS_OK
     * with claims_level = true; the SD-JWT ones are skipped (sd = true). */
    static const struct {
        const char *name;
        yc_jws_reason want;
        int level; /* 0 = fully decided here, 1 = claims level (pending), 2 = SD-JWT (skipped) */
    } table[] = {
        {"valid-baseline", YC_JWS_OK, 2},
        {"alg-none", YC_JWS_ALG_NOT_ALLOWED, 0},
        {"alg-confusion-hs256-rawx", YC_JWS_ALG_NOT_ALLOWED, 0},
        {"alg-confusion-hs256-jwkjson", YC_JWS_ALG_NOT_ALLOWED, 0},
        {"kid-path-traversal", YC_JWS_WRONG_KID, 0},
        {"embedded-jwk-attacker-key", YC_JWS_KEY_IN_HEADER, 0},
        {"jku-attacker-url", YC_JWS_KEY_IN_HEADER, 0},
        {"crit-unknown", YC_JWS_CRIT_UNSUPPORTED, 0},
        {"crit-empty-or-registered", YC_JWS_CRIT_UNSUPPORTED, 0},
        {"duplicate-header-member", YC_JWS_DUPLICATE_MEMBER, 0},
        {"duplicate-claim-aud", YC_JWS_DUPLICATE_MEMBER, 0},
        {"ed25519-S-plus-L", YC_JWS_BAD_SIGNATURE, 0},
        {"b64-nonzero-trailing-bits", YC_JWS_BAD_BASE64, 0},
        {"b64-padding", YC_JWS_BAD_BASE64, 0},
        {"b64-std-alphabet", YC_JWS_BAD_BASE64, 0},
        {"expired", YC_JWS_OK, 1},
        {"exp-as-string", YC_JWS_OK, 1},
        {"exp-overflow", YC_JWS_BAD_PAYLOAD, 0}, /* Jansson: integer > INT64_MAX */
        {"nbf-future", YC_JWS_OK, 1},
        {"aud-array-wrong", YC_JWS_OK, 1},
        {"typ-confusion-statuslist", YC_JWS_WRONG_TYP, 0},
        {"wrong-iss", YC_JWS_OK, 1},
        {"sd-valid-grade", YC_JWS_OK, 2},
        {"sd-unreferenced-disclosure", YC_JWS_OK, 2},
        {"sd-duplicate-disclosure", YC_JWS_OK, 2},
        {"sd-claim-name-_sd", YC_JWS_OK, 2},
        {"sd-duplicate-digest", YC_JWS_OK, 2},
        {"sd-missing-final-tilde", YC_JWS_OK, 2},
    };
    enum { N = sizeof table / sizeof table[0] };
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/vectors/jws-sdjwt-bad-and-good.json",
             getenv("YC_SOURCE_ROOT"));
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(doc);
    json_t *vectors = json_object_get(doc, "vectors");
    assert_int_equal(json_array_size(vectors), N);
    uint8_t pk[32];
    rfc8037_pk(pk);
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(yc_jwk_thumbprint(pk, kid), YC_OK);
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519, "dc+sd-jwt", kid};
    size_t decided = 0, claims_level = 0, sd = 0;
    for (size_t i = 0; i < N; i++) {
        json_t *v = json_array_get(vectors, i);
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *token = json_string_value(json_object_get(v, "token"));
        const char *expect = json_string_value(json_object_get(v, "expect"));
        assert_non_null(token);
        assert_non_null(expect);
        assert_string_equal(name, table[i].name);
        const char *tilde = strchr(token, '~');
        if (table[i].level == 2) {
            assert_non_null(tilde); /* SD-JWT: not this layer's input */
            sd++;
            continue;
        }
        assert_null(tilde);
        /* every plain-JWS vector is a negative one */
        assert_string_equal(expect, "reject");
        yc_err rv;
        yc_jws_reason why = jwt_reason(token, pk, &ex, &rv);
        if (why != table[i].want)
            fail_msg("%s: got %s, want %s", name, yc_jws_reason_str(why),
                     yc_jws_reason_str(table[i].want));
        if (table[i].level == 0) {
            assert_int_not_equal(rv, YC_OK);
            decided++;
        } else {
            assert_int_equal(rv, YC_OK);
            claims_level++;
        }
    }
    assert_int_equal(decided, 16);
    assert_int_equal(claims_level, 5);
    assert_int_equal(sd, 7);
    /* The issuer JWT of the baseline (before the first '~') passes this layer. */
    const char *base = json_string_value(json_object_get(json_array_get(vectors, 0), "token"));
    size_t jwt_len = (size_t)(strchr(base, '~') - base);
    json_t *h = NULL, *c = NULL;
    yc_jws_reason why = YC_JWS_INTERNAL;
    assert_int_equal(yc_jwt_verify(base, jwt_len, pk, &ex, &h, &c, &why), YC_OK);
    assert_string_equal(json_string_value(json_object_get(c, "iss")),
                        "https://attest.yiwu-credit.example");
    json_decref(h);
    json_decref(c);
    /* With the whole SD-JWT string it is malformed (more than three parts would be needed). */
    assert_int_equal(yc_jwt_verify(base, strlen(base), pk, &ex, &h, &c, &why), YC_ERR_INVALID);
    assert_int_equal(why, YC_JWS_BAD_BASE64);
    json_decref(doc);
}

int main(void)
{
    yc_core_init_json();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(b64url_encode__rfc4648_vectors_and_tails__exact),
        cmocka_unit_test(b64url_decode__padding_alphabet_and_trailing_bits__invalid),
        cmocka_unit_test(b64url_decode__capacity_at_and_one_below__ok_then_too_large),
        cmocka_unit_test(ed25519__rfc8032_tests_1_to_3__byte_for_byte),
        cmocka_unit_test(ed25519_verify__signature_63_and_65_bytes__invalid_before_libsodium),
        cmocka_unit_test(ed25519_verify__all_wycheproof_cases__expected_result),
        cmocka_unit_test(jwk_thumbprint__rfc8037_a1_a3__exact),
        cmocka_unit_test(jws_sign__rfc8037_a4__byte_for_byte_and_verifies),
        cmocka_unit_test(jws_sign__alg_ed25519__matches_jose_and_only_ed25519_allowed),
        cmocka_unit_test(jws_sign__header_not_object_or_other_alg__invalid),
        cmocka_unit_test(jws_verify__each_rejection_class__distinct_reason),
        cmocka_unit_test(jws_verify__signed_policy_violations__rejected),
        cmocka_unit_test(jws_sign_verify__token_at_limit_and_one_past__ok_then_too_large),
        cmocka_unit_test(jws_verify__allocation_failures__nomem_never_crash),
        cmocka_unit_test(jws_sign__allocation_failures__nomem_never_crash),
        cmocka_unit_test(jwt_verify__jws_sdjwt_vectors__expected_jws_layer_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
