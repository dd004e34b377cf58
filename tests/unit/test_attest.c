/* Tests for include/yrdcredit/attest.h (svc/attest/attest.c): the JWK Set and the status list
 * token.  Expected texts are written out by hand (kids from RFC 8037 A.3 and from Python's
 * hashlib); lst values are checked by inflating them with zlib's own uncompress(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/attest.h"

/* RFC 8037 A.1 / A.2 key (= RFC 8032 TEST 1); A.3 thumbprint. */
static const char seed1_hex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char pk1_hex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char x1[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
static const char kid1[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
/* RFC 8032 TEST 2 public key; thumbprint computed with Python's hashlib. */
static const char pk2_hex[] = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
static const char x2[] = "PUAXw-hDiVqStwqnTRt-vJyYLM8uxJaMwM1V8Sr0Zgw";
static const char kid2[] = "FtIu-VbGrfe_KB6CH7GNwODB72MNxj_ml11dEvO-7kk";

static const char sub_uri[] = "https://attest.yiwu-credit.example/v1/status-lists/1";

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static yc_ed25519_key *key1(void)
{
    uint8_t seed[YC_ED25519_SEED_BYTES];
    unhex(seed1_hex, seed, sizeof seed);
    yc_ed25519_key *key = NULL;
    assert_int_equal(yc_ed25519_key_from_seed(seed, &key), YC_OK);
    return key;
}

/* Decode one base64url part of a token into a NUL-terminated yc_alloc'd string. */
static char *part(const char *token, unsigned index)
{
    const char *p = token;
    for (unsigned i = 0; i < index; i++) {
        p = strchr(p, '.');
        assert_non_null(p);
        p++;
    }
    const char *end = strchr(p, '.');
    size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
    size_t cap = yc_b64url_decoded_len(len) + 1;
    uint8_t *out = yc_alloc(cap);
    assert_non_null(out);
    size_t out_len = 0;
    assert_int_equal(yc_b64url_decode(p, len, out, cap, &out_len), YC_OK);
    out[out_len] = 0;
    return (char *)out;
}

/* ---- yc_attest_jwks_json ---- */

static void jwks_json__rfc8037_key__a3_kid_exact_text(void **state)
{
    (void)state;
    uint8_t pk[1][YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk1_hex, pk[0], sizeof pk[0]);
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(
        yc_attest_jwks_json((const uint8_t(*)[YC_ED25519_PUBLIC_KEY_BYTES])pk, 1, &json, &len),
        YC_OK);
    char want[256];
    snprintf(want, sizeof want,
             "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"%s\","
             "\"use\":\"sig\"}]}",
             x1, kid1);
    assert_string_equal(json, want);
    assert_int_equal(len, strlen(want));
    yc_free(json);
}

static void jwks_json__two_keys__both_in_given_order(void **state)
{
    (void)state;
    uint8_t pk[2][YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk2_hex, pk[0], sizeof pk[0]);
    unhex(pk1_hex, pk[1], sizeof pk[1]);
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(
        yc_attest_jwks_json((const uint8_t(*)[YC_ED25519_PUBLIC_KEY_BYTES])pk, 2, &json, &len),
        YC_OK);
    char want[512];
    snprintf(want, sizeof want,
             "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"%s\","
             "\"use\":\"sig\"},{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"%s\","
             "\"use\":\"sig\"}]}",
             x2, kid2, x1, kid1);
    assert_string_equal(json, want);
    assert_int_equal(len, strlen(want));
    yc_free(json);
}

static void jwks_json__zero_keys__empty_keys_array(void **state)
{
    (void)state;
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(yc_attest_jwks_json(NULL, 0, &json, &len), YC_OK);
    assert_string_equal(json, "{\"keys\":[]}");
    assert_int_equal(len, 11);
    yc_free(json);
}

static void jwks_json__max_keys_ok_one_past_too_large(void **state)
{
    (void)state;
    static uint8_t pk[YC_ATTEST_JWKS_MAX_KEYS + 1][YC_ED25519_PUBLIC_KEY_BYTES];
    for (size_t i = 0; i <= YC_ATTEST_JWKS_MAX_KEYS; i++)
        unhex(i % 2 == 0 ? pk1_hex : pk2_hex, pk[i], sizeof pk[i]);
    const uint8_t(*cpk)[YC_ED25519_PUBLIC_KEY_BYTES] = (const uint8_t(*)[32])pk;
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(yc_attest_jwks_json(cpk, YC_ATTEST_JWKS_MAX_KEYS, &json, &len), YC_OK);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(root);
    json_t *keys = json_object_get(root, "keys");
    assert_int_equal(json_array_size(keys), YC_ATTEST_JWKS_MAX_KEYS);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(keys, YC_ATTEST_JWKS_MAX_KEYS - 1), "kid")),
                        kid2);
    for (size_t i = 0; i < YC_ATTEST_JWKS_MAX_KEYS; i++) {
        assert_null(json_object_get(json_array_get(keys, i), "alg"));
        assert_int_equal(json_object_size(json_array_get(keys, i)), 5);
    }
    json_decref(root);
    yc_free(json);

    json = NULL;
    assert_int_equal(yc_attest_jwks_json(cpk, YC_ATTEST_JWKS_MAX_KEYS + 1, &json, &len),
                     YC_ERR_TOO_LARGE);
    assert_null(json);
    assert_int_equal(yc_attest_jwks_json(NULL, 1, &json, &len), YC_ERR_INVALID);
    assert_null(json);
}

/* ---- yc_attest_status_list_token / _parse ---- */

#define N_ENTRIES 1000u

static yc_status_list *list_with(unsigned bits, size_t count, size_t i1, size_t i2, unsigned status)
{
    yc_status_list *list = NULL;
    assert_int_equal(yc_status_list_new(bits, count, &list), YC_OK);
    if (status != 0) {
        assert_int_equal(yc_status_list_set(list, i1, status), YC_OK);
        assert_int_equal(yc_status_list_set(list, i2, status), YC_OK);
    }
    return list;
}

static char *sign_list(const yc_status_list *list, int64_t exp)
{
    yc_ed25519_key *key = key1();
    char *token = NULL;
    size_t len = 0;
    assert_int_equal(
        yc_attest_status_list_token(list, sub_uri, 1000, exp, 300, key, kid1, &token, &len), YC_OK);
    assert_int_equal(strlen(token), len);
    yc_ed25519_key_free(key);
    return token;
}

static void status_list_token__round_trip_1_and_2_bits__same_statuses(void **state)
{
    (void)state;
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk1_hex, pk, sizeof pk);
    const unsigned bits_of[2] = {1, 2};
    const unsigned status_of[2] = {YC_STATUS_INVALID, YC_STATUS_SUSPENDED};
    for (size_t b = 0; b < 2; b++) {
        yc_status_list *list = list_with(bits_of[b], N_ENTRIES, 0, N_ENTRIES - 1, status_of[b]);
        char *token = sign_list(list, 2000);

        char *header = part(token, 0);
        char want[256];
        snprintf(want, sizeof want, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"statuslist+jwt\"}",
                 kid1);
        assert_string_equal(header, want);
        yc_free(header);

        /* The payload, and its lst inflated by zlib itself to the list's bytes. */
        char *payload = part(token, 1);
        snprintf(want, sizeof want,
                 "{\"sub\":\"%s\",\"iat\":1000,\"exp\":2000,\"ttl\":300,"
                 "\"status_list\":{\"bits\":%u,\"lst\":\"",
                 sub_uri, bits_of[b]);
        assert_memory_equal(payload, want, strlen(want));
        const char *lst = payload + strlen(want);
        const char *lst_end = strchr(lst, '"');
        assert_non_null(lst_end);
        assert_string_equal(lst_end, "\"}}");
        uint8_t z[512], raw[512];
        size_t z_len = 0;
        assert_int_equal(yc_b64url_decode(lst, (size_t)(lst_end - lst), z, sizeof z, &z_len),
                         YC_OK);
        uLongf raw_len = sizeof raw;
        assert_int_equal(uncompress(raw, &raw_len, z, (uLong)z_len), Z_OK);
        const size_t want_len = N_ENTRIES * bits_of[b] / 8;
        assert_int_equal(raw_len, want_len);
        assert_int_equal(raw[0], status_of[b]);
        assert_int_equal(raw[want_len - 1], status_of[b] << (8 - bits_of[b]));
        for (size_t i = 1; i + 1 < want_len; i++)
            assert_int_equal(raw[i], 0);
        yc_free(payload);

        yc_status_list *got = NULL;
        int64_t ttl = -1;
        yc_jws_reason reason = YC_JWS_INTERNAL;
        assert_int_equal(yc_attest_status_list_token_parse(token, strlen(token), pk, sub_uri, 1999,
                                                           1u << 20, &got, &ttl, &reason),
                         YC_OK);
        assert_int_equal(reason, YC_JWS_OK);
        assert_int_equal(ttl, 300);
        assert_int_equal(yc_status_list_bits(got), bits_of[b]);
        assert_int_equal(yc_status_list_count(got), N_ENTRIES);
        const size_t probe[4] = {0, 1, N_ENTRIES - 2, N_ENTRIES - 1};
        const unsigned want_status[4] = {status_of[b], 0, 0, status_of[b]};
        for (size_t i = 0; i < 4; i++) {
            unsigned s = 99;
            assert_int_equal(yc_status_list_get(got, probe[i], &s), YC_OK);
            assert_int_equal(s, want_status[i]);
        }
        unsigned s = 99;
        assert_int_equal(yc_status_list_get(got, N_ENTRIES, &s), YC_ERR_NOT_FOUND);
        yc_status_list_free(got);
        yc_free(token);
        yc_status_list_free(list);
    }
}

static void status_list_token_parse__exp_at_now__expired_one_before_ok(void **state)
{
    (void)state;
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk1_hex, pk, sizeof pk);
    yc_status_list *list = list_with(1, 16, 0, 15, YC_STATUS_INVALID);
    char *token = sign_list(list, 2000);
    yc_status_list *got = NULL;
    yc_jws_reason reason = YC_JWS_OK;
    assert_int_equal(yc_attest_status_list_token_parse(token, strlen(token), pk, NULL, 2000, 1024,
                                                       &got, NULL, &reason),
                     YC_ERR_AUTH);
    assert_int_equal(reason, YC_JWS_EXPIRED);
    assert_null(got);
    assert_int_equal(yc_attest_status_list_token_parse(token, strlen(token), pk, NULL, 1999, 1024,
                                                       &got, NULL, &reason),
                     YC_OK);
    assert_int_equal(reason, YC_JWS_OK);
    assert_int_equal(yc_status_list_count(got), 16);
    yc_status_list_free(got);
    got = NULL;
    /* A different required sub is refused. */
    assert_int_equal(yc_attest_status_list_token_parse(token, strlen(token), pk,
                                                       "https://other.example/1", 1999, 1024, &got,
                                                       NULL, &reason),
                     YC_ERR_AUTH);
    assert_int_equal(reason, YC_JWS_BAD_CLAIM);
    assert_null(got);
    yc_free(token);
    yc_status_list_free(list);
}

static void status_list_token_parse__wrong_or_missing_typ__wrong_typ(void **state)
{
    (void)state;
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk1_hex, pk, sizeof pk);
    yc_status_list *list = list_with(1, 16, 0, 15, YC_STATUS_INVALID);
    char *good = sign_list(list, 2000);
    char *payload = part(good, 1);
    yc_ed25519_key *key = key1();
    const char *headers[3] = {"{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}",
                              "{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\"}", "{\"alg\":\"EdDSA\"}"};
    for (size_t i = 0; i < 3; i++) {
        char *token = NULL;
        size_t len = 0;
        assert_int_equal(yc_jws_sign(headers[i], strlen(headers[i]), (const uint8_t *)payload,
                                     strlen(payload), key, &token, &len),
                         YC_OK);
        yc_status_list *got = NULL;
        yc_jws_reason reason = YC_JWS_OK;
        assert_int_equal(yc_attest_status_list_token_parse(token, len, pk, NULL, 1999, 1024, &got,
                                                           NULL, &reason),
                         YC_ERR_AUTH);
        assert_int_equal(reason, YC_JWS_WRONG_TYP);
        assert_null(got);
        yc_free(token);
    }
    yc_ed25519_key_free(key);
    yc_free(payload);
    yc_free(good);
    yc_status_list_free(list);
}

static void status_list_token_parse__lst_swapped_under_old_signature__bad_signature(void **state)
{
    (void)state;
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk1_hex, pk, sizeof pk);
    /* Token A revokes index 5; token B revokes nothing.  B's header and payload (so its lst)
     * with A's signature: an attacker un-revoking index 5. */
    yc_status_list *la = list_with(1, 64, 5, 5, YC_STATUS_INVALID);
    yc_status_list *lb = list_with(1, 64, 0, 0, 0);
    char *a = sign_list(la, 2000);
    char *b = sign_list(lb, 2000);
    const char *sig_a = strrchr(a, '.');
    const char *sig_b = strrchr(b, '.');
    assert_non_null(sig_a);
    assert_non_null(sig_b);
    assert_string_not_equal(sig_a, sig_b);
    char forged[1024];
    assert_true((size_t)snprintf(forged, sizeof forged, "%.*s%s", (int)(sig_b - b), b, sig_a) <
                sizeof forged);
    yc_status_list *got = NULL;
    yc_jws_reason reason = YC_JWS_OK;
    assert_int_equal(yc_attest_status_list_token_parse(forged, strlen(forged), pk, NULL, 1999, 1024,
                                                       &got, NULL, &reason),
                     YC_ERR_AUTH);
    assert_int_equal(reason, YC_JWS_BAD_SIGNATURE);
    assert_null(got);
    /* Another key's public key does not verify the genuine token either. */
    uint8_t pk2[YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk2_hex, pk2, sizeof pk2);
    assert_int_equal(
        yc_attest_status_list_token_parse(a, strlen(a), pk2, NULL, 1999, 1024, &got, NULL, &reason),
        YC_ERR_AUTH);
    assert_int_equal(reason, YC_JWS_BAD_SIGNATURE);
    assert_null(got);
    yc_free(a);
    yc_free(b);
    yc_status_list_free(la);
    yc_status_list_free(lb);
}

static void status_list_token_parse__signed_bomb__refused_past_cap_accepted_at_cap(void **state)
{
    (void)state;
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk1_hex, pk, sizeof pk);
    const size_t cap = (size_t)1 << 20;
    /* 1 MiB + 1 byte of zeros compresses to about 1 KiB: a properly signed 1000:1 bomb. */
    yc_status_list *bomb = list_with(8, cap + 1, 0, 0, 0);
    char *token = sign_list(bomb, 2000);
    assert_true(strlen(token) < 4096);
    yc_status_list *got = NULL;
    yc_jws_reason reason = YC_JWS_OK;
    assert_int_equal(yc_attest_status_list_token_parse(token, strlen(token), pk, sub_uri, 1999, cap,
                                                       &got, NULL, &reason),
                     YC_ERR_TOO_LARGE);
    assert_int_equal(reason, YC_JWS_TOO_LARGE);
    assert_null(got);
    assert_int_equal(yc_attest_status_list_token_parse(token, strlen(token), pk, sub_uri, 1999,
                                                       cap + 1, &got, NULL, &reason),
                     YC_OK);
    assert_int_equal(yc_status_list_count(got), cap + 1);
    yc_status_list_free(got);
    yc_free(token);
    yc_status_list_free(bomb);

    /* Exactly cap bytes at the cap: accepted. */
    yc_status_list *at = list_with(8, cap, cap - 1, cap - 1, 7);
    token = sign_list(at, 2000);
    got = NULL;
    assert_int_equal(yc_attest_status_list_token_parse(token, strlen(token), pk, sub_uri, 1999, cap,
                                                       &got, NULL, &reason),
                     YC_OK);
    assert_int_equal(yc_status_list_count(got), cap);
    unsigned s = 0;
    assert_int_equal(yc_status_list_get(got, cap - 1, &s), YC_OK);
    assert_int_equal(s, 7);
    yc_status_list_free(got);
    yc_free(token);
    yc_status_list_free(at);
}

/* regress__issue_4: a default-sized list (2^17 entries, 2 bits) of which the issued half is
 * revoked at random does not compress below the 16 KiB attestation cap; it must still be
 * signed and parsed back (the list endpoint would otherwise fail after a mass revocation). */
static void regress__issue_4__mass_revoked_list__token_over_16k_signed_and_parsed(void **state)
{
    (void)state;
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    unhex(pk1_hex, pk, sizeof pk);
    const size_t n = (size_t)1 << 17;
    yc_status_list *list = list_with(2, n, 0, 0, 0);
    uint32_t x = 12345; /* a fixed LCG: the same list every run */
    size_t revoked = 0;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        if ((x >> 16) % 4 == 0) { /* a quarter of all entries: half of the issued half */
            assert_int_equal(yc_status_list_set(list, i, (x >> 20) % 2 ? 1u : 2u), YC_OK);
            revoked++;
        }
    }
    char *token = sign_list(list, 2000);
    assert_true(strlen(token) > YC_JWS_MAX_TOKEN_BYTES);
    assert_true(strlen(token) <= YC_ATTEST_STATUS_LIST_MAX_TOKEN_BYTES);
    yc_status_list *got = NULL;
    yc_jws_reason reason = YC_JWS_INTERNAL;
    assert_int_equal(yc_attest_status_list_token_parse(token, strlen(token), pk, sub_uri, 1999,
                                                       1u << 20, &got, NULL, &reason),
                     YC_OK);
    size_t len_a = 0, len_b = 0;
    const uint8_t *a = yc_status_list_bytes(list, &len_a);
    const uint8_t *b = yc_status_list_bytes(got, &len_b);
    assert_int_equal(len_a, len_b);
    assert_memory_equal(a, b, len_a);
    assert_true(revoked > n / 5);
    yc_status_list_free(got);
    yc_free(token);
    yc_status_list_free(list);
}

static void status_list_token__bad_arguments__invalid(void **state)
{
    (void)state;
    yc_ed25519_key *key = key1();
    yc_status_list *list = list_with(1, 8, 0, 0, 0);
    char *token = NULL;
    size_t len = 0;
    assert_int_equal(
        yc_attest_status_list_token(list, sub_uri, 1000, 1000, 300, key, kid1, &token, &len),
        YC_ERR_INVALID);
    assert_int_equal(
        yc_attest_status_list_token(list, sub_uri, 1000, 2000, 0, key, kid1, &token, &len),
        YC_ERR_INVALID);
    assert_int_equal(
        yc_attest_status_list_token(list, "", 1000, 2000, 300, key, kid1, &token, &len),
        YC_ERR_INVALID);
    assert_int_equal(yc_attest_status_list_token(list, "https://x/\xff", 1000, 2000, 300, key, kid1,
                                                 &token, &len),
                     YC_ERR_INVALID);
    assert_int_equal(
        yc_attest_status_list_token(list, sub_uri, 1000, 2000, 300, key, "", &token, &len),
        YC_ERR_INVALID);
    assert_null(token);
    yc_status_list_free(list);
    yc_ed25519_key_free(key);
}

int main(void)
{
    yc_core_init_json();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jwks_json__rfc8037_key__a3_kid_exact_text),
        cmocka_unit_test(jwks_json__two_keys__both_in_given_order),
        cmocka_unit_test(jwks_json__zero_keys__empty_keys_array),
        cmocka_unit_test(jwks_json__max_keys_ok_one_past_too_large),
        cmocka_unit_test(status_list_token__round_trip_1_and_2_bits__same_statuses),
        cmocka_unit_test(status_list_token_parse__exp_at_now__expired_one_before_ok),
        cmocka_unit_test(status_list_token_parse__wrong_or_missing_typ__wrong_typ),
        cmocka_unit_test(status_list_token_parse__lst_swapped_under_old_signature__bad_signature),
        cmocka_unit_test(status_list_token_parse__signed_bomb__refused_past_cap_accepted_at_cap),
        cmocka_unit_test(regress__issue_4__mass_revoked_list__token_over_16k_signed_and_parsed),
        cmocka_unit_test(status_list_token__bad_arguments__invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
