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
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519, NULL, NULL, 0};
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
    yc_jws_expect ex = {YC_JWS_ALG_ED25519, NULL, NULL, 0};
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
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519, NULL, NULL, 0};
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
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA, "dc+sd-jwt", "k1", 0};
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
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA, NULL, NULL, 0};
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
    yc_jws_expect ex = {YC_JWS_ALG_EDDSA, NULL, NULL, 0};
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

/* ---- JWT claims ---- */

/* Verifier config of jws-sdjwt-bad-and-good.json ("description"; attestations.md §6). */
#define VEC_ISS    "https://attest.yiwu-credit.example"
#define VEC_AUD    "https://risk.hangzhou-partner.example"
#define VEC_VCT    "https://attest.yiwu-credit.example/vct/credit-score/v1"
#define VEC_NOW    1795920000
#define VEC_LEEWAY 60

static yc_jwt_claims_expect vec_claims(void)
{
    yc_jwt_claims_expect ce = {VEC_ISS,    VEC_AUD,    VEC_VCT, VEC_NOW,
                               VEC_LEEWAY, 90 * 86400, true,    false};
    return ce;
}

static yc_jws_reason claims_reason(const char *json, const yc_jwt_claims_expect *ce, yc_err *ret_rv)
{
    json_error_t jerr;
    json_t *c = json_loads(json, JSON_DECODE_ANY, &jerr);
    if (c == NULL)
        fail_msg("bad test JSON %s: %s", json, jerr.text);
    yc_jws_reason why = YC_JWS_INTERNAL;
    yc_err rv = yc_jwt_check_claims(c, ce, &why);
    json_decref(c);
    assert_int_equal(rv == YC_OK, why == YC_JWS_OK);
    if (ret_rv != NULL)
        *ret_rv = rv;
    return why;
}

static void jwt_check_claims__each_condition_at_and_past_boundary__expected_reason(void **state)
{
    (void)state;
    /* now = 1000, leeway 60: every bound at the limit and one past it. */
    yc_jwt_claims_expect ce = {
        "https://i.example", "https://a.example", NULL, 1000, 60, 0, true, false};
#define I "\"iss\":\"https://i.example\""
    static const struct {
        const char *json;
        yc_jws_reason want;
    } c[] = {
        {"{" I ",\"exp\":1001}", YC_JWS_OK},
        {"{" I ",\"exp\":941}", YC_JWS_OK},      /* now - leeway + 1 */
        {"{" I ",\"exp\":940}", YC_JWS_EXPIRED}, /* exp + leeway == now */
        {"{" I ",\"exp\":0}", YC_JWS_EXPIRED},
        {"{" I ",\"exp\":1100,\"nbf\":1060}", YC_JWS_OK},
        {"{" I ",\"exp\":1100,\"nbf\":1061}", YC_JWS_NOT_YET_VALID},
        {"{" I ",\"exp\":1100,\"iat\":1060}", YC_JWS_OK},
        {"{" I ",\"exp\":1100,\"iat\":1061}", YC_JWS_NOT_YET_VALID},
        {"{" I ",\"exp\":\"1100\"}", YC_JWS_BAD_CLAIM},
        {"{" I ",\"exp\":1100.0}", YC_JWS_BAD_CLAIM},
        {"{" I ",\"exp\":-1}", YC_JWS_BAD_CLAIM},
        {"{" I ",\"exp\":null}", YC_JWS_BAD_CLAIM},
        {"{" I ",\"exp\":1100,\"nbf\":\"0\"}", YC_JWS_BAD_CLAIM},
        {"{" I ",\"exp\":1100,\"iat\":true}", YC_JWS_BAD_CLAIM},
        {"{\"iss\":7,\"exp\":1100}", YC_JWS_BAD_CLAIM},
        {"{\"iss\":[\"https://i.example\"],\"exp\":1100}", YC_JWS_BAD_CLAIM},
        {"{" I "}", YC_JWS_MISSING_CLAIM},
        {"{\"exp\":1100}", YC_JWS_MISSING_CLAIM},
        {"{\"iss\":\"https://i.example.evil\",\"exp\":1100}", YC_JWS_WRONG_ISS},
        {"{\"iss\":\"https://i.exampl\",\"exp\":1100}", YC_JWS_WRONG_ISS},
        {"{\"iss\":\"HTTPS://i.example\",\"exp\":1100}", YC_JWS_WRONG_ISS},
        {"{" I ",\"exp\":1100,\"aud\":\"https://a.example\"}", YC_JWS_OK},
        {"{" I ",\"exp\":1100,\"aud\":[\"https://b.example\",\"https://a.example\"]}", YC_JWS_OK},
        {"{" I ",\"exp\":1100,\"aud\":[\"https://b.example\"]}", YC_JWS_WRONG_AUD},
        {"{" I ",\"exp\":1100,\"aud\":[]}", YC_JWS_WRONG_AUD},
        {"{" I ",\"exp\":1100,\"aud\":\"https://a.example/\"}", YC_JWS_WRONG_AUD},
        {"{" I ",\"exp\":1100,\"aud\":[\"https://a.example\",1]}", YC_JWS_BAD_CLAIM},
        {"{" I ",\"exp\":1100,\"aud\":{}}", YC_JWS_BAD_CLAIM},
        {"[]", YC_JWS_BAD_PAYLOAD},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        yc_err rv;
        yc_jws_reason why = claims_reason(c[i].json, &ce, &rv);
        if (why != c[i].want)
            fail_msg("case %zu %s: got %s", i, c[i].json, yc_jws_reason_str(why));
    }
    /* lifetime <= 500: at the limit, one past it, and iat then required */
    ce.max_lifetime = 500;
    assert_int_equal(claims_reason("{" I ",\"iat\":600,\"exp\":1100}", &ce, NULL), YC_JWS_OK);
    assert_int_equal(claims_reason("{" I ",\"iat\":599,\"exp\":1100}", &ce, NULL),
                     YC_JWS_LIFETIME_TOO_LONG);
    assert_int_equal(claims_reason("{" I ",\"exp\":1100}", &ce, NULL), YC_JWS_MISSING_CLAIM);
    ce.max_lifetime = 0;
    yc_err rv;
    assert_int_equal(claims_reason("{" I ",\"exp\":940}", &ce, &rv), YC_JWS_EXPIRED);
    assert_int_equal(rv, YC_ERR_AUTH);
    assert_string_equal(yc_jws_reason_str(YC_JWS_EXPIRED), "expired");
    assert_int_equal(claims_reason("{" I ",\"exp\":\"1\"}", &ce, &rv), YC_JWS_BAD_CLAIM);
    assert_int_equal(rv, YC_ERR_INVALID);
    /* no audience configured: a token with aud is not for us, one without is */
    ce.aud = NULL;
    assert_int_equal(claims_reason("{" I ",\"exp\":1100,\"aud\":\"https://a.example\"}", &ce, NULL),
                     YC_JWS_WRONG_AUD);
    assert_int_equal(claims_reason("{" I ",\"exp\":1100}", &ce, NULL), YC_JWS_OK);
    /* exp optional (then no lifetime bound applies without it) */
    ce.require_exp = false;
    ce.max_lifetime = 500;
    assert_int_equal(claims_reason("{" I "}", &ce, NULL), YC_JWS_OK);
    ce.max_lifetime = 0;
    assert_int_equal(claims_reason("{" I ",\"iat\":0,\"exp\":99999999}", &ce, NULL), YC_JWS_OK);
    /* vct */
    ce.vct = "urn:v1";
    assert_int_equal(claims_reason("{" I ",\"vct\":\"urn:v1\"}", &ce, NULL), YC_JWS_OK);
    assert_int_equal(claims_reason("{" I ",\"vct\":\"urn:v2\"}", &ce, NULL), YC_JWS_WRONG_VCT);
    assert_int_equal(claims_reason("{" I "}", &ce, NULL), YC_JWS_MISSING_CLAIM);
    assert_int_equal(claims_reason("{" I ",\"vct\":1}", &ce, NULL), YC_JWS_BAD_CLAIM);
    /* configuration bounds: leeway 60 ok, 61 and -1 refused; now < 0; iss NULL */
    ce.vct = NULL;
    ce.leeway = YC_JWT_MAX_LEEWAY_SECONDS;
    assert_int_equal(claims_reason("{" I "}", &ce, &rv), YC_JWS_OK);
    static const struct {
        int64_t now, leeway, life;
        const char *iss;
    } bad[] = {{1000, 61, 0, "x"},
               {1000, -1, 0, "x"},
               {-1, 0, 0, "x"},
               {1000, 0, -1, "x"},
               {1000, 0, 0, NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_jwt_claims_expect b = {bad[i].iss,    NULL,        NULL,  bad[i].now,
                                  bad[i].leeway, bad[i].life, false, false};
        json_t *obj = json_object();
        yc_jws_reason why = YC_JWS_OK;
        assert_int_equal(yc_jwt_check_claims(obj, &b, &why), YC_ERR_INVALID);
        assert_int_equal(why, YC_JWS_INTERNAL);
        json_decref(obj);
    }
#undef I
}

/* ---- SD-JWT ---- */

static void sdjwt_disclosure_digest__rfc9901_and_design_vectors__exact(void **state)
{
    (void)state;
    static const struct {
        const char *disclosure, *digest;
    } t[] = {
        /* RFC 9901 §4.2.3 */
        {"WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
         "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"},
        /* attestations.md §1.3 worked example */
        {"WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3Iiwic2NvcmUiLDcxMl0",
         "MMVjFYig-6KKAeRG908gwa0-k1UYFu_sLq2Y7lWSqFM"},
        {"WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwiZ3JhZGUiLCJBLSJd",
         "XBWuAtTT3RCMtovOYST_yx1SZyVU3sXC-a8NGf_JbZg"},
        {"WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwiYXNfb2YiLDE3OTU5MTA0MDBd",
         "IFL1sZLn7uv4W8XmYqbhGdJTzU2HSW4tZNE71o_ZGAQ"},
    };
    for (size_t i = 0; i < 4; i++) {
        char d[YC_SDJWT_DIGEST_LEN + 1];
        assert_int_equal(yc_sdjwt_disclosure_digest(t[i].disclosure, strlen(t[i].disclosure), d),
                         YC_OK);
        assert_string_equal(d, t[i].digest);
    }
}

static json_t *load_vectors(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/vectors/jws-sdjwt-bad-and-good.json",
             getenv("YC_SOURCE_ROOT"));
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(doc);
    /* the config the expectations below assume */
    const char *desc = json_string_value(json_object_get(doc, "description"));
    assert_non_null(desc);
    assert_non_null(strstr(desc, "iss=" VEC_ISS ","));
    assert_non_null(strstr(desc, "aud=" VEC_AUD ","));
    assert_non_null(strstr(desc, "now=1795920000, leeway=60s."));
    assert_non_null(strstr(desc, "typ=dc+sd-jwt"));
    return doc;
}

static void vec_expect(yc_jws_expect *ex, char kid[YC_JWK_THUMBPRINT_LEN + 1], uint8_t pk[32])
{
    rfc8037_pk(pk);
    assert_int_equal(yc_jwk_thumbprint(pk, kid), YC_OK);
    ex->algs = YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519;
    ex->typ = "dc+sd-jwt";
    ex->kid = kid;
    ex->max_bytes = 0; /* the attestation cap */
}

static yc_jws_reason sd_reason(const char *tok, size_t len, const uint8_t *pk,
                               const yc_jws_expect *ex, const yc_jwt_claims_expect *ce,
                               json_t **ret_claims)
{
    json_t *h = (json_t *)0x1, *c = (json_t *)0x1;
    yc_jws_reason why = YC_JWS_INTERNAL;
    yc_err rv = yc_sdjwt_verify(tok, len, pk, ex, ce, &h, &c, &why);
    if (rv == YC_OK) {
        assert_int_equal(why, YC_JWS_OK);
        assert_string_equal(json_string_value(json_object_get(h, "typ")), "dc+sd-jwt");
        json_decref(h);
        if (ret_claims != NULL)
            *ret_claims = c;
        else
            json_decref(c);
    } else {
        assert_int_not_equal(why, YC_JWS_OK);
        assert_ptr_equal(h, (json_t *)0x1);
        assert_ptr_equal(c, (json_t *)0x1);
    }
    return why;
}

/* The issuer-signed payload of @p tok (before the first '~'), decoded, as JSON. */
static json_t *issuer_payload(const char *tok)
{
    const char *d1 = strchr(tok, '.');
    assert_non_null(d1);
    const char *d2 = strchr(d1 + 1, '.');
    assert_non_null(d2);
    size_t n = (size_t)(d2 - d1 - 1), len = 0;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    assert_int_equal(yc_b64url_decode(d1 + 1, n, buf, n, &len), YC_OK);
    json_error_t jerr;
    json_t *p = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(p);
    free(buf);
    return p;
}

static void sdjwt_verify__jws_sdjwt_vectors__all_28_expected_result(void **state)
{
    (void)state;
    /* Every vector through the full verifier of attestations.md §6 (yc_sdjwt_verify for the 8
     * SD-JWTs; yc_jwt_verify then yc_jwt_check_claims for the 20 plain JWTs, which RFC 9901
     * would refuse anyway for lacking '~'). */
    static const struct {
        const char *name;
        yc_jws_reason want;
        int level; /* 0 = JWS layer, 1 = claims, 2 = SD-JWT */
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
        {"expired", YC_JWS_EXPIRED, 1},
        {"exp-as-string", YC_JWS_BAD_CLAIM, 1},
        {"exp-overflow", YC_JWS_BAD_PAYLOAD, 0}, /* Jansson: integer > INT64_MAX */
        {"nbf-future", YC_JWS_NOT_YET_VALID, 1},
        {"aud-array-wrong", YC_JWS_WRONG_AUD, 1},
        {"typ-confusion-statuslist", YC_JWS_WRONG_TYP, 0},
        {"wrong-iss", YC_JWS_WRONG_ISS, 1},
        {"sd-valid-grade", YC_JWS_OK, 2},
        {"sd-unreferenced-disclosure", YC_JWS_SD_UNREFERENCED, 2},
        {"sd-duplicate-disclosure", YC_JWS_SD_DUPLICATE_DISCLOSURE, 2},
        {"sd-claim-name-_sd", YC_JWS_SD_BAD_DISCLOSURE, 2},
        {"sd-duplicate-digest", YC_JWS_SD_DUPLICATE_DIGEST, 2},
        {"sd-missing-final-tilde", YC_JWS_SD_KB_JWT, 2},
    };
    enum { N = sizeof table / sizeof table[0] };
    json_t *doc = load_vectors();
    json_t *vectors = json_object_get(doc, "vectors");
    assert_int_equal(json_array_size(vectors), N);
    uint8_t pk[32];
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    yc_jws_expect ex;
    vec_expect(&ex, kid, pk);
    yc_jwt_claims_expect ce = vec_claims();
    size_t count[3] = {0, 0, 0}, accepted = 0;
    for (size_t i = 0; i < N; i++) {
        json_t *v = json_array_get(vectors, i);
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *token = json_string_value(json_object_get(v, "token"));
        const char *expect = json_string_value(json_object_get(v, "expect"));
        assert_non_null(token);
        assert_non_null(expect);
        assert_string_equal(name, table[i].name);
        count[table[i].level]++;
        yc_jws_reason why;
        json_t *claims = NULL;
        if (table[i].level == 2) {
            assert_non_null(strchr(token, '~'));
            why = sd_reason(token, strlen(token), pk, &ex, &ce, &claims);
        } else {
            assert_null(strchr(token, '~'));
            /* as an SD-JWT: no '~' at all */
            assert_int_equal(sd_reason(token, strlen(token), pk, &ex, &ce, NULL),
                             YC_JWS_SD_MALFORMED);
            yc_err rv;
            why = jwt_reason(token, pk, &ex, &rv);
            if (table[i].level == 0) {
                assert_int_not_equal(rv, YC_OK);
            } else {
                assert_int_equal(why, YC_JWS_OK); /* signature fine: a claims-level reject */
                json_t *h = NULL;
                assert_int_equal(yc_jwt_verify(token, strlen(token), pk, &ex, &h, &claims, &why),
                                 YC_OK);
                json_decref(h);
                yc_err crv = yc_jwt_check_claims(claims, &ce, &why);
                assert_int_not_equal(crv, YC_OK);
                json_decref(claims);
                claims = NULL;
            }
        }
        if (why != table[i].want)
            fail_msg("%s: got %s, want %s", name, yc_jws_reason_str(why),
                     yc_jws_reason_str(table[i].want));
        if (why != YC_JWS_OK) {
            assert_string_equal(expect, "reject");
            continue;
        }
        accepted++;
        assert_true(strncmp(expect, "accept", 6) == 0);
        /* processed claims = issuer payload, minus _sd/_sd_alg, plus the disclosed claims */
        json_t *want = issuer_payload(token);
        json_object_del(want, "_sd");
        json_object_del(want, "_sd_alg");
        if (strcmp(name, "sd-valid-grade") == 0) {
            assert_non_null(strstr(expect, "grade=A-"));
            json_object_set_new(want, "grade", json_string("A-"));
        }
        assert_true(json_equal(claims, want));
        json_decref(want);
        json_decref(claims);
    }
    assert_int_equal(count[0], 16);
    assert_int_equal(count[1], 5);
    assert_int_equal(count[2], 7);
    assert_int_equal(accepted, 2);
    json_decref(doc);
}

static void sdjwt_verify__worked_example_issued_and_grade_only__processed_claims(void **state)
{
    (void)state;
    json_t *doc = load_vectors();
    json_t *examples = json_object_get(doc, "examples");
    uint8_t pk[32];
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    yc_jws_expect ex;
    vec_expect(&ex, kid, pk);
    yc_jwt_claims_expect ce = vec_claims(); /* the example has no aud: accepted for anyone */
    const char *issued = json_string_value(json_object_get(examples, "sd_jwt_issued"));
    const char *grade =
        json_string_value(json_object_get(examples, "sd_jwt_presentation_grade_only"));
    assert_non_null(issued);
    assert_non_null(grade);
    json_t *c = NULL;
    assert_int_equal(sd_reason(issued, strlen(issued), pk, &ex, &ce, &c), YC_JWS_OK);
    json_error_t jerr;
    json_t *want =
        json_loads("{\"iss\":\"https://attest.yiwu-credit.example\","
                   "\"sub\":\"zRxvQA6tX3m50-8KZWPBo15ppJtlSJMzE09KVoye1IQ\","
                   "\"iat\":1795910460,\"exp\":1798502460,\"jti\":\"e3Q4oT7bSkK0Zr2Vd1mHxg\","
                   "\"vct\":\"https://attest.yiwu-credit.example/vct/credit-score/v1\","
                   "\"issuer_city\":\"Yiwu\","
                   "\"status\":{\"status_list\":{\"idx\":4711,\"uri\":"
                   "\"https://attest.yiwu-credit.example/status/1\"}},"
                   "\"score\":712,\"grade\":\"A-\",\"as_of\":1795910400}",
                   0, &jerr);
    assert_non_null(want);
    assert_true(json_equal(c, want));
    json_decref(c);
    /* grade only: the two other digests are dropped, nothing else is revealed */
    json_object_del(want, "score");
    json_object_del(want, "as_of");
    assert_int_equal(sd_reason(grade, strlen(grade), pk, &ex, &ce, &c), YC_JWS_OK);
    assert_true(json_equal(c, want));
    assert_int_equal(json_object_size(c), 9);
    json_decref(c);
    json_decref(want);
    /* with a KB-JWT appended: refused (none expected) */
    size_t n = strlen(grade);
    char *kb = malloc(n + 4);
    assert_non_null(kb);
    memcpy(kb, grade, n);
    memcpy(kb + n, "a.b", 4);
    assert_int_equal(sd_reason(kb, n + 3, pk, &ex, &ce, NULL), YC_JWS_SD_KB_JWT);
    /* after exp (+ leeway): expired; wrong issuer pinned: untrusted */
    ce.now = 1798502460 + 60;
    assert_int_equal(sd_reason(grade, n, pk, &ex, &ce, NULL), YC_JWS_EXPIRED);
    ce.now = 1798502460 + 59;
    assert_int_equal(sd_reason(grade, n, pk, &ex, &ce, NULL), YC_JWS_OK);
    ce.iss = "https://attest.shanghai-credit.example";
    assert_int_equal(sd_reason(grade, n, pk, &ex, &ce, NULL), YC_JWS_WRONG_ISS);
    /* a flipped bit in the issuer signature */
    memcpy(kb, grade, n + 1);
    char *sig_end = strchr(kb, '~') - 1;
    *sig_end = *sig_end == 'A' ? 'Q' : 'A';
    ce = vec_claims();
    /* 'A' and 'Q' leave the 4 unused bits zero: still canonical base64url */
    assert_int_equal(sd_reason(kb, n, pk, &ex, &ce, NULL), YC_JWS_BAD_SIGNATURE);
    free(kb);
    json_decref(doc);
}

/* ---- SD-JWTs built here with the test key ---- */

typedef struct sd_builder {
    yc_ed25519_key *key;
    uint8_t pk[32];
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    yc_jws_expect ex;
    yc_jwt_claims_expect ce;
} sd_builder;

static void builder_init(sd_builder *b)
{
    b->key = key_from_hex(rfc8037_seed);
    yc_ed25519_public_key(b->key, b->pk);
    assert_int_equal(yc_jwk_thumbprint(b->pk, b->kid), YC_OK);
    b->ex.algs = YC_JWS_ALG_EDDSA;
    b->ex.typ = "dc+sd-jwt";
    b->ex.kid = b->kid;
    b->ex.max_bytes = 0; /* the attestation cap */
    yc_jwt_claims_expect ce = {"https://i.example", NULL, NULL, 1000, 0, 0, false, false};
    b->ce = ce;
}

/* Disclosure text for the JSON array @p json, and its digest. */
static void disclose(const char *json, char *out, size_t cap, char digest[YC_SDJWT_DIGEST_LEN + 1])
{
    assert_true(yc_b64url_encoded_len(strlen(json)) < cap);
    b64(json, strlen(json), out);
    assert_int_equal(yc_sdjwt_disclosure_digest(out, strlen(out), digest), YC_OK);
}

/* "<JWT over payload>~" followed by @p tail (disclosures joined and ended by '~'). */
static char *build(const sd_builder *b, const char *payload, const char *tail)
{
    char hdr[160];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\",\"kid\":\"%s\"}", b->kid);
    char *jwt = NULL;
    size_t len = 0;
    assert_int_equal(yc_jws_sign(hdr, strlen(hdr), (const uint8_t *)payload, strlen(payload),
                                 b->key, &jwt, &len),
                     YC_OK);
    char *tok = malloc(len + strlen(tail) + 2);
    assert_non_null(tok);
    memcpy(tok, jwt, len);
    tok[len] = '~';
    memcpy(tok + len + 1, tail, strlen(tail) + 1);
    yc_free(jwt);
    return tok;
}

static yc_jws_reason build_verify(const sd_builder *b, const char *payload, const char *tail,
                                  json_t **ret_claims)
{
    char *tok = build(b, payload, tail);
    yc_jws_reason why = sd_reason(tok, strlen(tok), b->pk, &b->ex, &b->ce, ret_claims);
    free(tok);
    return why;
}

static void assert_json(json_t *got, const char *want_text)
{
    json_error_t jerr;
    json_t *want = json_loads(want_text, 0, &jerr);
    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("got %s, want %s", s, want_text);
    }
    json_decref(want);
    json_decref(got);
}

static void sdjwt_verify__nested_array_and_recursive_disclosures__processed(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    char d1[128], d2[128], d3[128], d4[160], h1[44], h2[44], h3[44], h4[44];
    disclose("[\"s1\",\"FR\"]", d1, sizeof d1, h1);            /* array element */
    disclose("[\"s2\",\"city\",\"Yiwu\"]", d2, sizeof d2, h2); /* nested object property */
    disclose("[\"s3\",\"n\",1]", d3, sizeof d3, h3);
    char v4[160];
    snprintf(v4, sizeof v4, "[\"s4\",\"addr\",{\"_sd\":[\"%s\"],\"zip\":\"322000\"}]", h2);
    disclose(v4, d4, sizeof d4, h4); /* recursive: its value holds h2 */
    char payload[1024], tail[1024];
    /* a digest nobody discloses (decoy or undisclosed claim) is dropped */
    static const char decoy[] = "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs";
    snprintf(tail, sizeof tail, "%s~%s~%s~%s~", d1, d2, d3, d4);
    /* the good one: all four disclosures used once, decoys dropped */
    snprintf(payload, sizeof payload,
             "{\"iss\":\"https://i.example\",\"_sd_alg\":\"sha-256\",\"_sd\":[\"%s\",\"%s\"],"
             "\"nat\":[{\"...\":\"%s\"},\"DE\",{\"...\":\"AAAA\"}],"
             "\"o\":{\"_sd\":[\"%s\"],\"k\":[[{\"...\":\"BBBB\"}],1]}}",
             h4, decoy, h1, h3);
    json_t *c = NULL;
    assert_int_equal(build_verify(&b, payload, tail, &c), YC_JWS_OK);
    assert_json(c, "{\"iss\":\"https://i.example\",\"nat\":[\"FR\",\"DE\"],"
                   "\"o\":{\"k\":[[],1],\"n\":1},"
                   "\"addr\":{\"zip\":\"322000\",\"city\":\"Yiwu\"}}");
    /* h3 (object property) referenced from an array element, h1 (array element) from _sd */
    snprintf(payload, sizeof payload,
             "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"],\"a\":[{\"...\":\"%s\"}]}", h4, h3);
    snprintf(tail, sizeof tail, "%s~%s~%s~", d2, d3, d4);
    assert_int_equal(build_verify(&b, payload, tail, NULL), YC_JWS_SD_BAD_DISCLOSURE);
    snprintf(payload, sizeof payload, "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", h1);
    snprintf(tail, sizeof tail, "%s~", d1);
    assert_int_equal(build_verify(&b, payload, tail, NULL), YC_JWS_SD_BAD_DISCLOSURE);
    /* the recursive disclosure without the nested one it references: fine (city stays hidden) */
    snprintf(payload, sizeof payload, "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", h4);
    snprintf(tail, sizeof tail, "%s~", d4);
    assert_int_equal(build_verify(&b, payload, tail, &c), YC_JWS_OK);
    assert_json(c, "{\"iss\":\"https://i.example\",\"addr\":{\"zip\":\"322000\"}}");
    /* the nested one without its parent: unreferenced */
    snprintf(tail, sizeof tail, "%s~", d2);
    assert_int_equal(build_verify(&b, payload, tail, NULL), YC_JWS_SD_UNREFERENCED);
    /* the same decoy twice: duplicate digest */
    snprintf(payload, sizeof payload,
             "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"],\"a\":[{\"...\":\"%s\"}]}", decoy,
             decoy);
    assert_int_equal(build_verify(&b, payload, "", NULL), YC_JWS_SD_DUPLICATE_DIGEST);
    /* a digest in the payload that is also inside a disclosed value: duplicate */
    snprintf(payload, sizeof payload,
             "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"],\"x\":{\"_sd\":[\"%s\"]}}", h4, h2);
    snprintf(tail, sizeof tail, "%s~", d4);
    assert_int_equal(build_verify(&b, payload, tail, NULL), YC_JWS_SD_DUPLICATE_DIGEST);
    yc_ed25519_key_free(b.key);
}

/* @p tmpl with every "%s" replaced by @p arg (a format string that is not a literal). */
static void subst(char *out, size_t cap, const char *tmpl, const char *arg)
{
    size_t n = 0, alen = strlen(arg);
    for (const char *p = tmpl; *p != '\0'; p++) {
        if (p[0] == '%' && p[1] == 's') {
            assert_true(n + alen < cap);
            memcpy(out + n, arg, alen);
            n += alen;
            p++;
        } else {
            assert_true(n + 1 < cap);
            out[n++] = *p;
        }
    }
    out[n] = '\0';
}

static void sdjwt_verify__structural_violations__distinct_reason(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    char dg[128], hg[44], di[128], hi[44], de[128], he[44], dd[128], hd[44];
    disclose("[\"s\",\"grade\",\"A-\"]", dg, sizeof dg, hg);
    disclose("[\"s\",\"iss\",\"https://i.example\"]", di, sizeof di, hi);
    disclose("[\"s\",\"exp\",999]", de, sizeof de, he);
    disclose("[\"s\",\"...\",1]", dd, sizeof dd, hd);
    char p[512], t[512];
    static const struct {
        const char *payload_fmt; /* %s = hg */
        const char *tail_fmt;    /* %s = dg */
        yc_jws_reason want;
    } c[] = {
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", "%s~", YC_JWS_OK},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"],\"_sd_alg\":\"sha-256\"}", "%s~",
         YC_JWS_OK},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"],\"_sd_alg\":\"sha-512\"}", "%s~",
         YC_JWS_SD_BAD_ALG},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"],\"_sd_alg\":\"SHA-256\"}", "%s~",
         YC_JWS_SD_BAD_ALG},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"],\"_sd_alg\":1}", "%s~",
         YC_JWS_SD_BAD_ALG},
        {"{\"iss\":\"https://i.example\",\"_sd\":\"%s\"}", "%s~", YC_JWS_SD_MALFORMED},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\",7]}", "%s~", YC_JWS_SD_MALFORMED},
        {"{\"iss\":\"https://i.example\",\"a\":[{\"...\":\"%s\",\"b\":1}]}", "%s~",
         YC_JWS_SD_MALFORMED},
        {"{\"iss\":\"https://i.example\",\"a\":[{\"...\":1}],\"_sd\":[\"%s\"]}", "%s~",
         YC_JWS_SD_MALFORMED},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"],\"grade\":\"B\"}", "%s~",
         YC_JWS_SD_CLAIM_EXISTS},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", "%s~~", YC_JWS_SD_MALFORMED},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", "~%s~", YC_JWS_SD_MALFORMED},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", "%s", YC_JWS_SD_KB_JWT},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", "%s=~", YC_JWS_SD_BAD_DISCLOSURE},
        {"{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", "%s~", YC_JWS_OK},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        subst(p, sizeof p, c[i].payload_fmt, hg);
        subst(t, sizeof t, c[i].tail_fmt, dg);
        yc_jws_reason why = build_verify(&b, p, t, NULL);
        if (why != c[i].want)
            fail_msg("case %zu: got %s", i, yc_jws_reason_str(why));
    }
    /* a disclosed name equal to a plain claim (iss) at the same level */
    snprintf(p, sizeof p, "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", hi);
    snprintf(t, sizeof t, "%s~", di);
    assert_int_equal(build_verify(&b, p, t, NULL), YC_JWS_SD_CLAIM_EXISTS);
    assert_string_equal(yc_jws_reason_str(YC_JWS_SD_CLAIM_EXISTS), "disclosure_claim_exists");
    /* two disclosures of the same name at one level */
    char dg2[128], hg2[44];
    disclose("[\"t\",\"grade\",\"B\"]", dg2, sizeof dg2, hg2);
    snprintf(p, sizeof p, "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\",\"%s\"]}", hg, hg2);
    snprintf(t, sizeof t, "%s~%s~", dg, dg2);
    assert_int_equal(build_verify(&b, p, t, NULL), YC_JWS_SD_CLAIM_EXISTS);
    /* name "..." */
    snprintf(p, sizeof p, "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", hd);
    snprintf(t, sizeof t, "%s~", dd);
    assert_int_equal(build_verify(&b, p, t, NULL), YC_JWS_SD_BAD_DISCLOSURE);
    /* disclosures that are not [salt, name, value] / [salt, value] */
    static const char *const bad[] = {
        "[\"s\"]",     "[\"s\",\"a\",1,2]", "{\"s\":1}", "[1,\"a\",1]",
        "[\"s\",2,1]", "[\"s\",\"a\",",     "\"s\"",     "[\"s\",{\"a\":1,\"a\":2}]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char dx[128], hx[44];
        disclose(bad[i], dx, sizeof dx, hx);
        snprintf(p, sizeof p, "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", hx);
        snprintf(t, sizeof t, "%s~", dx);
        yc_jws_reason why = build_verify(&b, p, t, NULL);
        if (why != YC_JWS_SD_BAD_DISCLOSURE)
            fail_msg("bad disclosure %s: got %s", bad[i], yc_jws_reason_str(why));
    }
    /* claims are checked after processing: a disclosed exp in the past expires the token */
    snprintf(p, sizeof p, "{\"iss\":\"https://i.example\",\"_sd\":[\"%s\"]}", he);
    snprintf(t, sizeof t, "%s~", de);
    assert_int_equal(build_verify(&b, p, t, NULL), YC_JWS_EXPIRED);
    /* and with exp required but undisclosed (only the JWT, no disclosure): missing */
    b.ce.require_exp = true;
    assert_int_equal(build_verify(&b, p, "", NULL), YC_JWS_MISSING_CLAIM);
    /* JWS-layer failures surface unchanged */
    b.ce.require_exp = false;
    b.ex.typ = "statuslist+jwt";
    assert_int_equal(build_verify(&b, p, "", NULL), YC_JWS_WRONG_TYP);
    yc_ed25519_key_free(b.key);
}

static void
sdjwt_verify__disclosures_and_depth_at_limit_and_one_past__ok_then_malformed(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    /* YC_SDJWT_MAX_DISCLOSURES array-element disclosures, then one more */
    enum { M = YC_SDJWT_MAX_DISCLOSURES + 1 };
    static char p[M * 60 + 256], t[M * 60 + 16];
    for (int n = YC_SDJWT_MAX_DISCLOSURES; n <= M; n++) {
        size_t pl = (size_t)snprintf(p, sizeof p, "{\"iss\":\"https://i.example\",\"a\":[");
        size_t tl = 0;
        for (int i = 0; i < n; i++) {
            char arr[32], d[64], h[44];
            snprintf(arr, sizeof arr, "[\"s%d\",%d]", i, i);
            disclose(arr, d, sizeof d, h);
            pl += (size_t)snprintf(p + pl, sizeof p - pl, "%s{\"...\":\"%s\"}", i ? "," : "", h);
            tl += (size_t)snprintf(t + tl, sizeof t - tl, "%s~", d);
        }
        snprintf(p + pl, sizeof p - pl, "]}");
        json_t *c = NULL;
        yc_jws_reason why = build_verify(&b, p, t, &c);
        if (n == YC_SDJWT_MAX_DISCLOSURES) {
            assert_int_equal(why, YC_JWS_OK);
            json_t *a = json_object_get(c, "a");
            assert_int_equal(json_array_size(a), (size_t)n);
            assert_int_equal(json_integer_value(json_array_get(a, (size_t)n - 1)), n - 1);
            json_decref(c);
        } else {
            assert_int_equal(why, YC_JWS_SD_MALFORMED);
        }
    }
    /* nesting: YC_SDJWT_MAX_DEPTH objects inside the payload, then one more */
    for (int depth = YC_SDJWT_MAX_DEPTH; depth <= YC_SDJWT_MAX_DEPTH + 1; depth++) {
        size_t pl = (size_t)snprintf(p, sizeof p, "{\"iss\":\"https://i.example\"");
        for (int i = 0; i < depth; i++)
            pl += (size_t)snprintf(p + pl, sizeof p - pl, ",\"a\":{\"b\":1");
        for (int i = 0; i <= depth; i++)
            pl += (size_t)snprintf(p + pl, sizeof p - pl, "}");
        yc_jws_reason why = build_verify(&b, p, "", NULL);
        assert_int_equal(why, depth == YC_SDJWT_MAX_DEPTH ? YC_JWS_OK : YC_JWS_SD_MALFORMED);
    }
    /* size: YC_SDJWT_MAX_BYTES + 1 is refused before anything is parsed */
    char *big = malloc(YC_SDJWT_MAX_BYTES + 1);
    assert_non_null(big);
    memset(big, '~', YC_SDJWT_MAX_BYTES + 1);
    yc_jws_reason why = YC_JWS_OK;
    json_t *h = NULL, *c = NULL;
    assert_int_equal(yc_sdjwt_verify(big, YC_SDJWT_MAX_BYTES + 1, b.pk, &b.ex, &b.ce, &h, &c, &why),
                     YC_ERR_TOO_LARGE);
    assert_int_equal(why, YC_JWS_TOO_LARGE);
    /* at the limit it gets past the size check (and fails on the count of disclosures) */
    assert_int_equal(yc_sdjwt_verify(big, YC_SDJWT_MAX_BYTES, b.pk, &b.ex, &b.ce, &h, &c, &why),
                     YC_ERR_INVALID);
    assert_int_equal(why, YC_JWS_SD_MALFORMED);
    assert_int_equal(yc_sdjwt_verify(NULL, 0, b.pk, &b.ex, &b.ce, &h, &c, &why), YC_ERR_INVALID);
    assert_int_equal(why, YC_JWS_SD_MALFORMED);
    free(big);
    /* a bad claims config is refused up front */
    b.ce.leeway = YC_JWT_MAX_LEEWAY_SECONDS + 1;
    assert_int_equal(yc_sdjwt_verify("x~", 2, b.pk, &b.ex, &b.ce, &h, &c, &why), YC_ERR_INVALID);
    assert_int_equal(why, YC_JWS_INTERNAL);
    yc_ed25519_key_free(b.key);
}

static void sdjwt_verify__allocation_failures__nomem_never_crash(void **state)
{
    (void)state;
    json_t *doc = load_vectors();
    const char *issued =
        json_string_value(json_object_get(json_object_get(doc, "examples"), "sd_jwt_issued"));
    assert_non_null(issued);
    uint8_t pk[32];
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    yc_jws_expect ex;
    vec_expect(&ex, kid, pk);
    yc_jwt_claims_expect ce = vec_claims();
    long n = 0;
    for (;; n++) {
        json_t *h = NULL, *c = NULL;
        yc_jws_reason why = YC_JWS_OK;
        yc_alloc_fail_after(n);
        yc_err rv = yc_sdjwt_verify(issued, strlen(issued), pk, &ex, &ce, &h, &c, &why);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_int_equal(why, YC_JWS_OK);
            assert_int_equal(json_integer_value(json_object_get(c, "score")), 712);
            json_decref(h);
            json_decref(c);
            break;
        }
        if (rv != YC_ERR_NOMEM || why != YC_JWS_INTERNAL)
            fail_msg("fail_after %ld: rv %d reason %s", n, rv, yc_jws_reason_str(why));
        assert_true(n < 1000);
    }
    assert_true(n > 10); /* the loop did exercise failures */
    json_decref(doc);
}

/* ---- SD-JWT issuing and presentation (crypto/sdjwt_issue.c) ---- */

static json_t *jparse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (v == NULL)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

static void sdjwt_disclosure_encode__design_worked_example__byte_for_byte(void **state)
{
    (void)state;
    /* attestations.md §1.3: the three disclosures of the worked example */
    static const struct {
        const char *salt, *name, *value, *text;
    } t[] = {
        {"2GLC42sKQveCfGfryNRN9w", "score", "712",
         "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3Iiwic2NvcmUiLDcxMl0"},
        {"eluV5Og3gSNII8EYnsxA_A", "grade", "\"A-\"",
         "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwiZ3JhZGUiLCJBLSJd"},
        {"6Ij7tM-a5iVPGboS5tmvVA", "as_of", "1795910400",
         "WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwiYXNfb2YiLDE3OTU5MTA0MDBd"},
    };
    for (size_t i = 0; i < 3; i++) {
        json_t *v = jparse(t[i].value);
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(yc_sdjwt_disclosure_encode(t[i].salt, t[i].name, v, &text, &len), YC_OK);
        assert_string_equal(text, t[i].text);
        assert_int_equal(len, strlen(t[i].text));
        yc_free(text);
        json_decref(v);
    }
    /* object values: compact with sorted keys, whatever the insertion order; UTF-8 kept */
    json_t *v = jparse("{\"b\":2,\"a\":[1,\"义乌\"]}");
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(yc_sdjwt_disclosure_encode("s", "n", v, &text, &len), YC_OK);
    uint8_t bin[128];
    size_t n = 0;
    assert_int_equal(yc_b64url_decode(text, len, bin, sizeof bin, &n), YC_OK);
    static const char want[] = "[\"s\",\"n\",{\"a\":[1,\"义乌\"],\"b\":2}]";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(bin, want, n);
    yc_free(text);
    /* reserved names and invalid UTF-8: refused, nothing returned */
    static const char *const reserved[] = {"_sd", "...", "_sd_alg"};
    for (size_t i = 0; i < 3; i++) {
        text = (char *)0x1;
        assert_int_equal(yc_sdjwt_disclosure_encode("s", reserved[i], v, &text, &len),
                         YC_ERR_INVALID);
        assert_ptr_equal(text, (char *)0x1);
    }
    assert_int_equal(yc_sdjwt_disclosure_encode("s\xff", "n", v, &text, &len), YC_ERR_INVALID);
    assert_int_equal(yc_sdjwt_disclosure_encode("s", "n\xc3", v, &text, &len), YC_ERR_INVALID);
    assert_ptr_equal(text, (char *)0x1);
    json_decref(v);
}

/* The claims of the §1.3 example with the builder's issuer; the three disclosable claims. */
#define ISSUE_CLAIMS                                                                          \
    "{\"iss\":\"https://i.example\",\"sub\":\"zRxvQA6tX3m50-8KZWPBo15ppJtlSJMzE09KVoye1IQ\"," \
    "\"iat\":900,\"exp\":2000,\"jti\":\"e3Q4oT7bSkK0Zr2Vd1mHxg\","                            \
    "\"vct\":\"https://i.example/vct/credit-score/v1\",\"issuer_city\":\"Yiwu\","             \
    "\"status\":{\"status_list\":{\"idx\":4711,\"uri\":\"https://i.example/status/1\"}}}"
#define ISSUE_DISCLOSABLE "{\"score\":712,\"grade\":\"A-\",\"as_of\":1795910400}"

/* yc_sdjwt_issue() with the builder's key and a dc+sd-jwt header; asserts @p want. */
static char *issue(const sd_builder *b, const char *claims, const char *disclosable, size_t decoys,
                   yc_err want)
{
    char hdr[160];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\",\"kid\":\"%s\"}", b->kid);
    json_t *c = jparse(claims), *d = jparse(disclosable);
    char *tok = (char *)0x1;
    size_t len = 0;
    assert_int_equal(yc_sdjwt_issue(hdr, strlen(hdr), c, d, decoys, b->key, &tok, &len), want);
    /* the inputs are not modified */
    json_t *c2 = jparse(claims), *d2 = jparse(disclosable);
    assert_true(json_equal(c, c2) && json_equal(d, d2));
    json_decref(c2);
    json_decref(d2);
    json_decref(c);
    json_decref(d);
    if (want != YC_OK) {
        assert_ptr_equal(tok, (char *)0x1);
        return NULL;
    }
    assert_int_equal(len, strlen(tok));
    return tok;
}

/* Split the disclosures of @p tok (after the first '~'); returns their number. */
static size_t split_disclosures(const char *tok, const char **ret_start, size_t *ret_len,
                                size_t cap)
{
    const char *p = strchr(tok, '~');
    assert_non_null(p);
    size_t n = 0;
    for (p++; *p != 0; n++) {
        const char *q = strchr(p, '~');
        assert_non_null(q);
        assert_true(n < cap);
        ret_start[n] = p;
        ret_len[n] = (size_t)(q - p);
        p = q + 1;
    }
    return n;
}

static void sdjwt_issue__then_verify__exact_claims_sorted_digests_distinct_salts(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    enum { DECOYS = 5 };
    char *tok[2];
    char salts[6][YC_SDJWT_SALT_LEN + 1];
    for (size_t k = 0; k < 2; k++) {
        tok[k] = issue(&b, ISSUE_CLAIMS, ISSUE_DISCLOSABLE, DECOYS, YC_OK);
        json_t *c = NULL;
        assert_int_equal(sd_reason(tok[k], strlen(tok[k]), b.pk, &b.ex, &b.ce, &c), YC_JWS_OK);
        json_t *want = jparse(ISSUE_CLAIMS);
        json_t *disc = jparse(ISSUE_DISCLOSABLE);
        assert_int_equal(json_object_update(want, disc), 0);
        assert_true(json_equal(c, want));
        json_decref(disc);
        json_decref(want);
        json_decref(c);
        /* the signed payload: the claims, _sd (3 + 5 digests, sorted) and _sd_alg */
        json_t *p = issuer_payload(tok[k]);
        assert_int_equal(json_object_size(p), 8 + 2);
        assert_string_equal(json_string_value(json_object_get(p, "_sd_alg")), "sha-256");
        json_t *sd = json_object_get(p, "_sd");
        assert_int_equal(json_array_size(sd), 3 + DECOYS);
        for (size_t i = 0; i < json_array_size(sd); i++) {
            const char *s = json_string_value(json_array_get(sd, i));
            assert_non_null(s);
            assert_int_equal(strlen(s), YC_SDJWT_DIGEST_LEN);
            if (i > 0)
                assert_true(strcmp(json_string_value(json_array_get(sd, i - 1)), s) < 0);
        }
        /* three disclosures, in the order given, each digest in _sd, salts of 128 bits */
        const char *d[4];
        size_t dl[4];
        assert_int_equal(split_disclosures(tok[k], d, dl, 4), 3);
        static const char *const names[] = {"score", "grade", "as_of"};
        for (size_t i = 0; i < 3; i++) {
            char digest[YC_SDJWT_DIGEST_LEN + 1];
            assert_int_equal(yc_sdjwt_disclosure_digest(d[i], dl[i], digest), YC_OK);
            size_t hits = 0;
            for (size_t j = 0; j < json_array_size(sd); j++)
                hits += strcmp(json_string_value(json_array_get(sd, j)), digest) == 0;
            assert_int_equal(hits, 1);
            uint8_t bin[128];
            size_t n = 0;
            assert_int_equal(yc_b64url_decode(d[i], dl[i], bin, sizeof bin, &n), YC_OK);
            json_error_t jerr;
            json_t *arr = json_loadb((const char *)bin, n, 0, &jerr);
            assert_int_equal(json_array_size(arr), 3);
            assert_string_equal(json_string_value(json_array_get(arr, 1)), names[i]);
            const char *salt = json_string_value(json_array_get(arr, 0));
            assert_int_equal(strlen(salt), YC_SDJWT_SALT_LEN);
            uint8_t raw[32];
            assert_int_equal(yc_b64url_decode(salt, strlen(salt), raw, sizeof raw, &n), YC_OK);
            assert_int_equal(n, 16);
            memcpy(salts[3 * k + i], salt, YC_SDJWT_SALT_LEN + 1);
            json_decref(arr);
        }
        json_decref(p);
    }
    /* every salt differs, within one token and across the two issuances */
    for (size_t i = 0; i < 6; i++)
        for (size_t j = i + 1; j < 6; j++)
            assert_string_not_equal(salts[i], salts[j]);
    assert_string_not_equal(tok[0], tok[1]);
    /* no disclosable claims and no decoys: no _sd, still _sd_alg; verifies */
    char *plain = issue(&b, ISSUE_CLAIMS, "{}", 0, YC_OK);
    assert_int_equal(plain[strlen(plain) - 1], '~');
    assert_ptr_equal(strchr(plain, '~'), plain + strlen(plain) - 1);
    json_t *p = issuer_payload(plain);
    assert_null(json_object_get(p, "_sd"));
    assert_string_equal(json_string_value(json_object_get(p, "_sd_alg")), "sha-256");
    json_decref(p);
    json_t *c = NULL;
    assert_int_equal(sd_reason(plain, strlen(plain), b.pk, &b.ex, &b.ce, &c), YC_JWS_OK);
    assert_json(c, ISSUE_CLAIMS);
    yc_free(plain);
    yc_free(tok[0]);
    yc_free(tok[1]);
    yc_ed25519_key_free(b.key);
}

static void sdjwt_issue__reserved_or_clashing_names__invalid(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    static const struct {
        const char *claims, *disclosable;
    } bad[] = {
        {"{\"iss\":\"https://i.example\",\"_sd\":[]}", "{}"},
        {"{\"iss\":\"https://i.example\",\"_sd_alg\":\"sha-256\"}", "{}"},
        {"{\"iss\":\"https://i.example\",\"...\":1}", "{}"},
        {"{\"iss\":\"https://i.example\"}", "{\"_sd\":1}"},
        {"{\"iss\":\"https://i.example\"}", "{\"...\":1}"},
        {"{\"iss\":\"https://i.example\"}", "{\"_sd_alg\":\"x\"}"},
        {"{\"iss\":\"https://i.example\"}", "{\"grade\":\"A\",\"iss\":\"https://j.example\"}"},
        {"[]", "{}"},
        {"{\"iss\":\"https://i.example\"}", "[\"grade\"]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        (void)issue(&b, bad[i].claims, bad[i].disclosable, 0, YC_ERR_INVALID);
    /* a header yc_jws_sign() refuses */
    static const char none[] = "{\"alg\":\"none\"}";
    json_t *c = jparse(ISSUE_CLAIMS), *d = jparse(ISSUE_DISCLOSABLE);
    char *tok = NULL;
    size_t len = 0;
    assert_int_equal(yc_sdjwt_issue(none, strlen(none), c, d, 1, b.key, &tok, &len),
                     YC_ERR_INVALID);
    assert_null(tok);
    json_decref(c);
    json_decref(d);
    yc_ed25519_key_free(b.key);
}

static void sdjwt_issue__counts_and_sizes_at_limit_and_one_past__ok_then_too_large(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    static char disc[(YC_SDJWT_MAX_DISCLOSURES + 1) * 16 + 16];
    for (size_t n = YC_SDJWT_MAX_DISCLOSURES; n <= YC_SDJWT_MAX_DISCLOSURES + 1; n++) {
        size_t l = (size_t)snprintf(disc, sizeof disc, "{");
        for (size_t i = 0; i < n; i++)
            l += (size_t)snprintf(disc + l, sizeof disc - l, "%s\"c%zu\":%zu", i ? "," : "", i, i);
        snprintf(disc + l, sizeof disc - l, "}");
        if (n > YC_SDJWT_MAX_DISCLOSURES) {
            (void)issue(&b, "{\"iss\":\"https://i.example\"}", disc, 0, YC_ERR_TOO_LARGE);
            continue;
        }
        /* the most disclosures with the most decoys: verifies, every claim revealed */
        char *tok = issue(&b, "{\"iss\":\"https://i.example\"}", disc, YC_SDJWT_MAX_DECOYS, YC_OK);
        json_t *p = issuer_payload(tok);
        assert_int_equal(json_array_size(json_object_get(p, "_sd")),
                         YC_SDJWT_MAX_DISCLOSURES + YC_SDJWT_MAX_DECOYS);
        json_decref(p);
        json_t *c = NULL;
        assert_int_equal(sd_reason(tok, strlen(tok), b.pk, &b.ex, &b.ce, &c), YC_JWS_OK);
        assert_int_equal(json_object_size(c), 1 + YC_SDJWT_MAX_DISCLOSURES);
        assert_int_equal(json_integer_value(json_object_get(c, "c63")), 63);
        json_decref(c);
        /* and a presentation of all of them */
        const char *all[YC_SDJWT_MAX_DISCLOSURES];
        char names[YC_SDJWT_MAX_DISCLOSURES][8];
        for (size_t i = 0; i < n; i++) {
            snprintf(names[i], sizeof names[i], "c%zu", i);
            all[i] = names[i];
        }
        char *pres = NULL;
        size_t plen = 0;
        assert_int_equal(yc_sdjwt_present(tok, strlen(tok), all, n, &pres, &plen), YC_OK);
        assert_string_equal(pres, tok);
        yc_free(pres);
        yc_free(tok);
    }
    (void)issue(&b, "{\"iss\":\"https://i.example\"}", "{\"a\":1}", YC_SDJWT_MAX_DECOYS + 1,
                YC_ERR_TOO_LARGE);
    /* SD-JWT over YC_SDJWT_MAX_BYTES (two ~20000-character disclosures); JWT over its cap */
    enum { BIG = 15000 };
    static char big[2 * BIG + 64];
    memset(big, 0, sizeof big);
    memcpy(big, "{\"a\":\"", 6);
    memset(big + 6, 'x', BIG);
    memcpy(big + 6 + BIG, "\",\"b\":\"", 7);
    memset(big + 13 + BIG, 'y', BIG);
    memcpy(big + 13 + 2 * BIG, "\"}", 2);
    (void)issue(&b, "{\"iss\":\"https://i.example\"}", big, 0, YC_ERR_TOO_LARGE);
    /* one of them alone fits (~20000 + JWT bytes <= 32768) */
    memcpy(big + 6 + BIG, "\"}", 3);
    char *one = issue(&b, "{\"iss\":\"https://i.example\"}", big, 0, YC_OK);
    assert_true(strlen(one) <= YC_SDJWT_MAX_BYTES);
    yc_free(one);
    /* as always-visible claim it makes the issuer JWT exceed YC_JWS_MAX_TOKEN_BYTES */
    (void)issue(&b, big, "{}", 0, YC_ERR_TOO_LARGE);
    yc_ed25519_key_free(b.key);
}

static char *present(const char *tok, const char *const *names, size_t n, yc_err want)
{
    char *pres = (char *)0x1;
    size_t len = 0;
    assert_int_equal(yc_sdjwt_present(tok, strlen(tok), names, n, &pres, &len), want);
    if (want != YC_OK) {
        assert_ptr_equal(pres, (char *)0x1);
        return NULL;
    }
    assert_int_equal(len, strlen(pres));
    return pres;
}

static void sdjwt_present__grade_only__verifies_and_reveals_only_grade(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    char *tok = issue(&b, ISSUE_CLAIMS, ISSUE_DISCLOSABLE, 3, YC_OK);
    static const char *const grade[] = {"grade"};
    char *pres = present(tok, grade, 1, YC_OK);
    json_t *c = NULL;
    assert_int_equal(sd_reason(pres, strlen(pres), b.pk, &b.ex, &b.ce, &c), YC_JWS_OK);
    json_t *want = jparse(ISSUE_CLAIMS);
    assert_int_equal(json_object_set_new(want, "grade", json_string("A-")), 0);
    assert_true(json_equal(c, want));
    assert_null(json_object_get(c, "score"));
    assert_null(json_object_get(c, "as_of"));
    json_decref(want);
    json_decref(c);
    /* the issuer JWT unchanged, then exactly the grade disclosure */
    const char *d[4];
    size_t dl[4];
    assert_int_equal(split_disclosures(pres, d, dl, 4), 1);
    size_t jwt_len = (size_t)(strchr(tok, '~') - tok);
    assert_memory_equal(pres, tok, jwt_len + 1);
    const char *td[4];
    size_t tdl[4];
    assert_int_equal(split_disclosures(tok, td, tdl, 4), 3);
    assert_int_equal(dl[0], tdl[1]);
    assert_memory_equal(d[0], td[1], dl[0]);
    yc_free(pres);
    /* nothing named: the issuer JWT and '~' only, which verifies with no disclosable claim */
    pres = present(tok, NULL, 0, YC_OK);
    assert_int_equal(strlen(pres), jwt_len + 1);
    assert_int_equal(sd_reason(pres, strlen(pres), b.pk, &b.ex, &b.ce, &c), YC_JWS_OK);
    assert_json(c, ISSUE_CLAIMS);
    yc_free(pres);
    /* everything (a name twice is fine): the SD-JWT itself */
    static const char *const every[] = {"as_of", "score", "grade", "score"};
    pres = present(tok, every, 4, YC_OK);
    assert_string_equal(pres, tok);
    yc_free(pres);
    yc_free(tok);
    yc_ed25519_key_free(b.key);
    /* the worked example of attestations.md §1.3: byte for byte the stored presentation */
    json_t *doc = load_vectors();
    json_t *examples = json_object_get(doc, "examples");
    const char *issued = json_string_value(json_object_get(examples, "sd_jwt_issued"));
    const char *want_pres =
        json_string_value(json_object_get(examples, "sd_jwt_presentation_grade_only"));
    assert_non_null(issued);
    assert_non_null(want_pres);
    pres = present(issued, grade, 1, YC_OK);
    assert_string_equal(pres, want_pres);
    yc_free(pres);
    json_decref(doc);
}

static void sdjwt_present__unknown_name_or_malformed__not_found_or_invalid(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    char *tok = issue(&b, ISSUE_CLAIMS, ISSUE_DISCLOSABLE, 0, YC_OK);
    static const char *const unknown[] = {"grade", "merchant"};
    (void)present(tok, unknown, 2, YC_ERR_NOT_FOUND);
    static const char *const always[] = {"iss"}; /* always visible, not a disclosure */
    (void)present(tok, always, 1, YC_ERR_NOT_FOUND);
    static const char *const prefix[] = {"grad"};
    (void)present(tok, prefix, 1, YC_ERR_NOT_FOUND);
    static const char *const grade[] = {"grade"};
    /* structure: no '~', empty issuer JWT, a KB-JWT after the last '~', an empty disclosure */
    size_t n = strlen(tok);
    static char t[2048];
    assert_true(n + 64 <= sizeof t);
    memcpy(t, tok, n + 1);
    *strchr(t, '~') = 0;
    (void)present(t, grade, 1, YC_ERR_INVALID);
    (void)present("~", NULL, 0, YC_ERR_INVALID);
    (void)present("", NULL, 0, YC_ERR_INVALID);
    memcpy(t, tok, n);
    memcpy(t + n, "a.b.c", 6);
    (void)present(t, grade, 1, YC_ERR_INVALID);
    memcpy(t + n, "~", 2);
    (void)present(t, grade, 1, YC_ERR_INVALID);
    /* disclosures that are not base64url, not JSON, not an array of the RFC 9901 shapes */
    static const char *const bad_json[] = {"{}",          "[\"s\"]",           "[1,\"grade\",2]",
                                           "[\"s\",2,3]", "[\"s\",\"a\",1,2]", "[\"s\",\"a\""};
    char jwt[1024];
    size_t jl = (size_t)(strchr(tok, '~') - tok);
    assert_true(jl < sizeof jwt);
    memcpy(jwt, tok, jl);
    jwt[jl] = 0;
    for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        char d[64];
        b64(bad_json[i], strlen(bad_json[i]), d);
        snprintf(t, n + 64, "%s~%s~", jwt, d);
        (void)present(t, NULL, 0, YC_ERR_INVALID);
    }
    snprintf(t, n + 64, "%s~WyJzIiwiYSIsMV0=~", jwt); /* padding */
    (void)present(t, NULL, 0, YC_ERR_INVALID);
    /* an array-element disclosure [salt, value] has no name: kept never, and no error */
    char d[64];
    b64("[\"s\",\"grade\"]", 13, d);
    snprintf(t, n + 64, "%s~%s~", jwt, d);
    (void)present(t, grade, 1, YC_ERR_NOT_FOUND);
    char *pres = present(t, NULL, 0, YC_OK);
    assert_int_equal(strlen(pres), jl + 1);
    yc_free(pres);
    /* size and count: at YC_SDJWT_MAX_BYTES / MAX_DISCLOSURES, then one past */
    char *big = malloc(YC_SDJWT_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, 'A', YC_SDJWT_MAX_BYTES + 1);
    big[YC_SDJWT_MAX_BYTES] = '~';
    big[YC_SDJWT_MAX_BYTES + 1] = 0;
    (void)present(big, NULL, 0, YC_ERR_TOO_LARGE);
    big[YC_SDJWT_MAX_BYTES - 1] = '~';
    big[YC_SDJWT_MAX_BYTES] = 0;
    pres = present(big, NULL, 0, YC_OK); /* no disclosure: the JWT is copied unchecked */
    assert_string_equal(pres, big);
    yc_free(pres);
    /* "x~" then N disclosures "WyJzIiwiYSIsMV0~" (["s","a",1]) */
    for (size_t k = YC_SDJWT_MAX_DISCLOSURES; k <= YC_SDJWT_MAX_DISCLOSURES + 1; k++) {
        size_t l = (size_t)snprintf(big, YC_SDJWT_MAX_BYTES, "x~");
        for (size_t i = 0; i < k; i++)
            l += (size_t)snprintf(big + l, YC_SDJWT_MAX_BYTES - l, "WyJzIiwiYSIsMV0~");
        static const char *const a[] = {"a"};
        pres = present(big, a, 1, k == YC_SDJWT_MAX_DISCLOSURES ? YC_OK : YC_ERR_TOO_LARGE);
        if (pres != NULL)
            assert_string_equal(pres, big);
        yc_free(pres);
    }
    free(big);
    yc_free(tok);
    yc_ed25519_key_free(b.key);
}

static void sdjwt_present__one_byte_flipped_in_disclosure__verify_disclosure_mismatch(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    char *tok = issue(&b, ISSUE_CLAIMS, ISSUE_DISCLOSABLE, 2, YC_OK);
    static const char *const grade[] = {"grade"};
    char *pres = present(tok, grade, 1, YC_OK);
    assert_int_equal(sd_reason(pres, strlen(pres), b.pk, &b.ex, &b.ce, NULL), YC_JWS_OK);
    /* Character 7 of the disclosure holds the low 6 bits of byte 5 = the 4th salt character
     * (after '[' and '"').  Flipping its lowest bit turns one base64url salt character into
     * another printable one that needs no JSON escape, so the disclosure still decodes to a
     * valid ["salt'", "grade", "A-"] whose digest is in no _sd. */
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *c7 = strchr(pres, '~') + 1 + 7;
    const char *at = strchr(alphabet, *c7);
    assert_non_null(at);
    *c7 = alphabet[(size_t)(at - alphabet) ^ 1u];
    yc_jws_reason why = sd_reason(pres, strlen(pres), b.pk, &b.ex, &b.ce, NULL);
    assert_int_equal(why, YC_JWS_SD_UNREFERENCED);
    assert_string_equal(yc_jws_reason_str(why), "disclosure_mismatch");
    /* the flipped disclosure still parses: present() keeps it by name */
    char *again = present(pres, grade, 1, YC_OK);
    assert_string_equal(again, pres);
    yc_free(again);
    yc_free(pres);
    yc_free(tok);
    yc_ed25519_key_free(b.key);
}

static void sdjwt_issue_present__allocation_failures__nomem_never_crash(void **state)
{
    (void)state;
    sd_builder b;
    builder_init(&b);
    char hdr[160];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\",\"kid\":\"%s\"}", b.kid);
    json_t *c = jparse(ISSUE_CLAIMS), *d = jparse(ISSUE_DISCLOSABLE);
    char *tok = NULL;
    size_t len = 0;
    long n = 0;
    for (;; n++) {
        yc_alloc_fail_after(n);
        yc_err rv = yc_sdjwt_issue(hdr, strlen(hdr), c, d, 4, b.key, &tok, &len);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK)
            break;
        if (rv != YC_ERR_NOMEM)
            fail_msg("issue, fail_after %ld: rv %d", n, rv);
        assert_true(n < 1000);
    }
    assert_true(n > 10);
    assert_int_equal(sd_reason(tok, len, b.pk, &b.ex, &b.ce, NULL), YC_JWS_OK);
    static const char *const grade[] = {"grade"};
    char *pres = NULL;
    size_t plen = 0;
    for (n = 0;; n++) {
        yc_alloc_fail_after(n);
        yc_err rv = yc_sdjwt_present(tok, len, grade, 1, &pres, &plen);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK)
            break;
        if (rv != YC_ERR_NOMEM)
            fail_msg("present, fail_after %ld: rv %d", n, rv);
        assert_true(n < 1000);
    }
    assert_true(n > 3);
    json_t *got = NULL;
    assert_int_equal(sd_reason(pres, plen, b.pk, &b.ex, &b.ce, &got), YC_JWS_OK);
    assert_string_equal(json_string_value(json_object_get(got, "grade")), "A-");
    assert_null(json_object_get(got, "score"));
    json_decref(got);
    yc_free(pres);
    yc_free(tok);
    json_decref(c);
    json_decref(d);
    yc_ed25519_key_free(b.key);
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
        cmocka_unit_test(jwt_check_claims__each_condition_at_and_past_boundary__expected_reason),
        cmocka_unit_test(sdjwt_disclosure_digest__rfc9901_and_design_vectors__exact),
        cmocka_unit_test(sdjwt_verify__jws_sdjwt_vectors__all_28_expected_result),
        cmocka_unit_test(sdjwt_verify__worked_example_issued_and_grade_only__processed_claims),
        cmocka_unit_test(sdjwt_verify__nested_array_and_recursive_disclosures__processed),
        cmocka_unit_test(sdjwt_verify__structural_violations__distinct_reason),
        cmocka_unit_test(
            sdjwt_verify__disclosures_and_depth_at_limit_and_one_past__ok_then_malformed),
        cmocka_unit_test(sdjwt_verify__allocation_failures__nomem_never_crash),
        cmocka_unit_test(sdjwt_disclosure_encode__design_worked_example__byte_for_byte),
        cmocka_unit_test(sdjwt_issue__then_verify__exact_claims_sorted_digests_distinct_salts),
        cmocka_unit_test(sdjwt_issue__reserved_or_clashing_names__invalid),
        cmocka_unit_test(sdjwt_issue__counts_and_sizes_at_limit_and_one_past__ok_then_too_large),
        cmocka_unit_test(sdjwt_present__grade_only__verifies_and_reveals_only_grade),
        cmocka_unit_test(sdjwt_present__unknown_name_or_malformed__not_found_or_invalid),
        cmocka_unit_test(sdjwt_present__one_byte_flipped_in_disclosure__verify_disclosure_mismatch),
        cmocka_unit_test(sdjwt_issue_present__allocation_failures__nomem_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
