/* Tests for include/yrdcredit/attest_verify.h (svc/attest/verify.c, svc/attest/trust.c): every
 * verdict reason from a real token, presentations, the design's worked example, and the partner
 * trust registry (pinned / unpinned keys, verified / unverified status lists). */
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
#include "yrdcredit/attest.h"
#include "yrdcredit/attest_verify.h"
#include "yrdcredit/fileio.h"

/* RFC 8032 TEST 1 (= RFC 8037 A.1) and TEST 2 seeds; thumbprints as in test_attest.c. */
static const char seed1_hex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char seed2_hex[] = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
static const char kid1[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
static const char kid2[] = "FtIu-VbGrfe_KB6CH7GNwODB72MNxj_ml11dEvO-7kk";
static const char x1[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
static const char x2[] = "PUAXw-hDiVqStwqnTRt-vJyYLM8uxJaMwM1V8Sr0Zgw";

static const char ISS[] = "https://attest.yiwu-credit.example";
static const char VCT[] = "https://attest.yiwu-credit.example/vct/credit-score/v1";
static const char URI[] = "https://attest.yiwu-credit.example/v1/status-lists/1";
static const char AUD[] = "https://risk.hangzhou-partner.example";
#define NOW ((int64_t)1795920000)

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static yc_ed25519_key *key_from(const char *seed_hex)
{
    uint8_t seed[YC_ED25519_SEED_BYTES];
    unhex(seed_hex, seed, sizeof seed);
    yc_ed25519_key *key = NULL;
    assert_int_equal(yc_ed25519_key_from_seed(seed, &key), YC_OK);
    return key;
}

static yc_av_key av_key(const char *seed_hex)
{
    yc_ed25519_key *k = key_from(seed_hex);
    yc_av_key r;
    yc_ed25519_public_key(k, r.pk);
    assert_int_equal(yc_jwk_thumbprint(r.pk, r.kid), YC_OK);
    yc_ed25519_key_free(k);
    return r;
}

/* Status function of the tests: idx 1 revoked, 2 suspended, 3 application value, >= 100
 * NOT_FOUND, others valid; only URI is known. */
static yc_err test_status(void *ctx, const char *uri, uint64_t idx, unsigned *ret)
{
    (void)ctx;
    if (strcmp(uri, URI) != 0 || idx >= 100)
        return YC_ERR_NOT_FOUND;
    *ret = idx == 1 ? 1u : idx == 2 ? 2u : idx == 3 ? 3u : 0u;
    return YC_OK;
}

typedef struct tok_opts {
    const char *typ;  /* NULL: "dc+sd-jwt" */
    const char *kid;  /* NULL: thumbprint of the key */
    const char *alg;  /* NULL: "EdDSA" */
    const char *iss;  /* NULL: ISS */
    const char *vct;  /* NULL: VCT */
    const char *aud;  /* NULL: none */
    int64_t iat, exp; /* 0: NOW - 100, NOW + 86400 */
    int64_t idx;      /* status idx */
    size_t name_len;  /* 0: "义乌小商品商行"; else that many 'n' */
    const char *seed; /* NULL: seed1 */
} tok_opts;

/* An attestation as this service issues it (ARCHITECTURE.md / attestations.md §1.3). */
static char *make_token(const tok_opts *o, size_t *ret_len)
{
    yc_ed25519_key *key = key_from(o->seed ? o->seed : seed1_hex);
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    yc_ed25519_public_key(key, pk);
    assert_int_equal(yc_jwk_thumbprint(pk, kid), YC_OK);
    char header[256];
    int hn =
        snprintf(header, sizeof header, "{\"alg\":\"%s\",\"typ\":\"%s\",\"kid\":\"%s\"}",
                 o->alg ? o->alg : "EdDSA", o->typ ? o->typ : "dc+sd-jwt", o->kid ? o->kid : kid);
    json_t *claims =
        json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:{s:{s:I,s:s}},s:s,s:s,s:s,s:{s:s,s:s}}", "iss",
                  o->iss ? o->iss : ISS, "sub", "zRxvQA6tX3m50-8KZWPBo15ppJtlSJMzE09KVoye1IQ",
                  "iat", (json_int_t)(o->iat ? o->iat : NOW - 100), "exp",
                  (json_int_t)(o->exp ? o->exp : NOW + 86400), "jti", "e3Q4oT7bSkK0Zr2Vd1mHxg",
                  "vct", o->vct ? o->vct : VCT, "status", "status_list", "idx", (json_int_t)o->idx,
                  "uri", URI, "issuer_city", "Yiwu", "issuer_region", "330782", "subject_type",
                  "merchant", "model", "version", "v1", "digest", "sha256-abc");
    assert_non_null(claims);
    if (o->aud != NULL)
        assert_int_equal(json_object_set_new(claims, "aud", json_string(o->aud)), 0);
    char *name = NULL;
    if (o->name_len > 0) {
        name = malloc(o->name_len + 1);
        assert_non_null(name);
        memset(name, 'n', o->name_len);
        name[o->name_len] = '\0';
    }
    json_t *disc = json_pack("{s:i,s:s,s:s,s:s,s:[s,s],s:s}", "score", 712, "grade", "A-", "band",
                             "good", "as_of", "2026-11-28", "reasons", "R01", "R07", "name",
                             name ? name : "义乌小商品商行");
    assert_non_null(disc);
    char *tok = NULL;
    assert_int_equal(yc_sdjwt_issue(header, (size_t)hn, claims, disc, 2, key, &tok, ret_len),
                     YC_OK);
    free(name);
    json_decref(claims);
    json_decref(disc);
    yc_ed25519_key_free(key);
    return tok;
}

typedef struct fixture {
    yc_av_key keys[2];
    yc_av_issuer issuers[2];
} fixture;

static void fixture_init(fixture *f)
{
    f->keys[0] = av_key(seed1_hex);
    f->keys[1] = av_key(seed2_hex);
    f->issuers[0] =
        (yc_av_issuer){.iss = "https://attest.hangzhou.example", .keys = &f->keys[1], .n_keys = 1};
    f->issuers[1] = (yc_av_issuer){
        .iss = ISS, .city = "Yiwu", .keys = &f->keys[0], .n_keys = 1, .status = test_status};
}

/* Verdict reason of a token built with @p o, verified by the fixture's issuers. */
static yc_av_reason verdict_of(const tok_opts *o, const char *aud, int64_t now)
{
    fixture f;
    fixture_init(&f);
    size_t len = 0;
    char *tok = make_token(o, &len);
    yc_av_verdict v;
    assert_int_equal(yc_av_verify(tok, len, f.issuers, 2, now, aud, &v), YC_OK);
    yc_av_reason r = v.reason;
    assert_int_equal(v.valid, r == YC_AV_VALID);
    yc_av_verdict_clear(&v);
    yc_free(tok);
    return r;
}

static yc_av_reason verdict_text(const char *tok, size_t len, yc_av_verdict *ret)
{
    fixture f;
    fixture_init(&f);
    yc_av_verdict v;
    assert_int_equal(yc_av_verify(tok, len, f.issuers, 2, NOW, NULL, &v), YC_OK);
    yc_av_reason r = v.reason;
    if (ret != NULL)
        *ret = v;
    else
        yc_av_verdict_clear(&v);
    return r;
}

static char *b64(const char *s)
{
    char *out = yc_alloc(yc_b64url_encoded_len(strlen(s)) + 1);
    assert_non_null(out);
    assert_int_equal(yc_b64url_encode((const uint8_t *)s, strlen(s), out), YC_OK);
    return out;
}

/* ---- tests ---- */

static void av_reason_str__every_reason__exact_names(void **state)
{
    (void)state;
    static const char *const want[] = {"valid",
                                       "malformed",
                                       "too_large",
                                       "wrong_typ",
                                       "alg_not_allowed",
                                       "untrusted_issuer",
                                       "unknown_kid",
                                       "bad_signature",
                                       "wrong_vct",
                                       "wrong_aud",
                                       "expired",
                                       "not_yet_valid",
                                       "disclosure_mismatch",
                                       "key_binding_unsupported",
                                       "status_unavailable",
                                       "revoked",
                                       "suspended"};
    assert_int_equal(YC_AV_SUSPENDED + 1, 17);
    for (int i = 0; i < 17; i++)
        assert_string_equal(yc_av_reason_str((yc_av_reason)i), want[i]);
    assert_string_equal(yc_av_reason_str((yc_av_reason)17), "malformed");
}

static void av_verify__issued_token__valid_with_all_claims(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    size_t len = 0;
    char *tok = make_token(&(tok_opts){.idx = 4}, &len);
    yc_av_verdict v;
    assert_int_equal(yc_av_verify(tok, len, f.issuers, 2, NOW, NULL, &v), YC_OK);
    assert_true(v.valid);
    assert_int_equal(v.reason, YC_AV_VALID);
    assert_string_equal(v.issuer, ISS);
    assert_true(v.status_checked);
    assert_non_null(v.claims);
    assert_int_equal(json_integer_value(json_object_get(v.claims, "score")), 712);
    assert_string_equal(json_string_value(json_object_get(v.claims, "grade")), "A-");
    assert_string_equal(json_string_value(json_object_get(v.claims, "band")), "good");
    assert_string_equal(json_string_value(json_object_get(v.claims, "as_of")), "2026-11-28");
    assert_string_equal(json_string_value(json_object_get(v.claims, "name")), "义乌小商品商行");
    assert_int_equal(json_array_size(json_object_get(v.claims, "reasons")), 2);
    assert_string_equal(json_string_value(json_object_get(v.claims, "subject_type")), "merchant");
    assert_string_equal(json_string_value(json_object_get(v.claims, "issuer_region")), "330782");
    assert_null(json_object_get(v.claims, "_sd"));
    assert_null(json_object_get(v.claims, "_sd_alg"));
    /* 7 always-visible + status + model + subject_type/region/city + 6 disclosed = 17 */
    assert_int_equal(json_object_size(v.claims), 17);
    yc_av_verdict_clear(&v);
    assert_null(v.claims);
    /* Ed25519 alg is accepted too */
    assert_int_equal(verdict_of(&(tok_opts){.alg = "Ed25519"}, NULL, NOW), YC_AV_VALID);
    yc_free(tok);
}

static void av_verify__flipped_signature_bit__bad_signature(void **state)
{
    (void)state;
    size_t len = 0;
    char *tok = make_token(&(tok_opts){0}, &len);
    char *sig = strchr(strchr(tok, '.') + 1, '.') + 1;
    sig[10] = sig[10] == 'A' ? 'B' : 'A'; /* one bit of the 8th signature byte */
    assert_int_equal(verdict_text(tok, len, NULL), YC_AV_BAD_SIGNATURE);
    yc_free(tok);
    /* signed by key 2, kid claims key 1 */
    assert_int_equal(verdict_of(&(tok_opts){.seed = seed2_hex, .kid = kid1}, NULL, NOW),
                     YC_AV_BAD_SIGNATURE);
}

static void av_verify__kid_not_pinned__unknown_kid(void **state)
{
    (void)state;
    /* key 2 is pinned for another issuer only */
    assert_int_equal(verdict_of(&(tok_opts){.seed = seed2_hex}, NULL, NOW), YC_AV_UNKNOWN_KID);
    assert_int_equal(verdict_of(&(tok_opts){.kid = "../../../../../../dev/null"}, NULL, NOW),
                     YC_AV_UNKNOWN_KID);
}

static void av_verify__iss_not_trusted__untrusted_issuer(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    size_t len = 0;
    char *tok = make_token(&(tok_opts){.iss = "https://attest.yiwu-credit.example.evil"}, &len);
    yc_av_verdict v;
    assert_int_equal(yc_av_verify(tok, len, f.issuers, 2, NOW, NULL, &v), YC_OK);
    assert_int_equal(v.reason, YC_AV_UNTRUSTED_ISSUER);
    assert_false(v.valid);
    assert_string_equal(v.issuer, "https://attest.yiwu-credit.example.evil");
    assert_null(v.claims);
    yc_av_verdict_clear(&v);
    /* no issuer at all */
    assert_int_equal(yc_av_verify(tok, len, NULL, 0, NOW, NULL, &v), YC_OK);
    assert_int_equal(v.reason, YC_AV_UNTRUSTED_ISSUER);
    yc_av_verdict_clear(&v);
    yc_free(tok);
}

static void av_verify__exp_at_and_past_leeway__expired_one_before_valid(void **state)
{
    (void)state;
    const int64_t iat = NOW - 1000;
    assert_int_equal(verdict_of(&(tok_opts){.iat = iat, .exp = NOW - 61}, NULL, NOW),
                     YC_AV_EXPIRED);
    assert_int_equal(verdict_of(&(tok_opts){.iat = iat, .exp = NOW - 60}, NULL, NOW),
                     YC_AV_EXPIRED);
    assert_int_equal(verdict_of(&(tok_opts){.iat = iat, .exp = NOW - 59}, NULL, NOW), YC_AV_VALID);
}

static void av_verify__iat_past_leeway__not_yet_valid(void **state)
{
    (void)state;
    assert_int_equal(verdict_of(&(tok_opts){.iat = NOW + 61}, NULL, NOW), YC_AV_NOT_YET_VALID);
    assert_int_equal(verdict_of(&(tok_opts){.iat = NOW + 60}, NULL, NOW), YC_AV_VALID);
}

static void av_verify__lifetime_at_and_past_cap__valid_then_malformed(void **state)
{
    (void)state;
    const int64_t iat = NOW - 10;
    assert_int_equal(
        verdict_of(&(tok_opts){.iat = iat, .exp = iat + YC_AV_MAX_LIFETIME_SECONDS}, NULL, NOW),
        YC_AV_VALID);
    assert_int_equal(
        verdict_of(&(tok_opts){.iat = iat, .exp = iat + YC_AV_MAX_LIFETIME_SECONDS + 1}, NULL, NOW),
        YC_AV_MALFORMED);
}

static void av_verify__wrong_typ__wrong_typ(void **state)
{
    (void)state;
    assert_int_equal(verdict_of(&(tok_opts){.typ = "statuslist+jwt"}, NULL, NOW), YC_AV_WRONG_TYP);
    assert_int_equal(verdict_of(&(tok_opts){.typ = "vc+sd-jwt"}, NULL, NOW), YC_AV_WRONG_TYP);
}

/* Hand-made token: header JSON, the payload of a real token, a fake signature. */
static char *forge_alg(const char *header_json, size_t *ret_len)
{
    size_t len = 0;
    char *tok = make_token(&(tok_opts){0}, &len);
    char *h = b64(header_json);
    const char *p1 = strchr(tok, '.') + 1;
    const char *p2 = strchr(p1, '.');
    const size_t plen = (size_t)(p2 - p1);
    char *out = yc_alloc(strlen(h) + plen + 64);
    assert_non_null(out);
    int n = snprintf(out, strlen(h) + plen + 64, "%s.%.*s.%s~", h, (int)plen, p1,
                     strstr(header_json, "none") ? "" : "c2lnbmF0dXJlLWJ5LWhtYWMtc2hhMjU2");
    *ret_len = (size_t)n;
    yc_free(h);
    yc_free(tok);
    return out;
}

static void av_verify__alg_none_and_hs256__alg_not_allowed(void **state)
{
    (void)state;
    size_t len = 0;
    char *t = forge_alg("{\"alg\":\"none\",\"typ\":\"dc+sd-jwt\",\"kid\":\"kPrK_qmxVWaYVA9wwBF6"
                        "Iuo3vVzz7TxHCTwXBygrS4k\"}",
                        &len);
    assert_int_equal(verdict_text(t, len, NULL), YC_AV_ALG_NOT_ALLOWED);
    yc_free(t);
    t = forge_alg("{\"alg\":\"HS256\",\"typ\":\"dc+sd-jwt\",\"kid\":\"kPrK_qmxVWaYVA9wwBF6Iuo3v"
                  "Vzz7TxHCTwXBygrS4k\"}",
                  &len);
    assert_int_equal(verdict_text(t, len, NULL), YC_AV_ALG_NOT_ALLOWED);
    yc_free(t);
    /* a jku member is not one of alg/typ/kid: malformed before anything else */
    t = forge_alg("{\"alg\":\"EdDSA\",\"typ\":\"dc+sd-jwt\",\"kid\":\"evil\",\"jku\":\"https://"
                  "attacker.example/jwks.json\"}",
                  &len);
    assert_int_equal(verdict_text(t, len, NULL), YC_AV_MALFORMED);
    yc_free(t);
}

static void av_verify__forged_disclosure__disclosure_mismatch(void **state)
{
    (void)state;
    size_t len = 0;
    char *tok = make_token(&(tok_opts){0}, &len);
    json_t *v999 = json_integer(999);
    char *forged = NULL;
    size_t flen = 0;
    assert_int_equal(
        yc_sdjwt_disclosure_encode("2GLC42sKQveCfGfryNRN9w", "score", v999, &forged, &flen), YC_OK);
    json_decref(v999);
    /* replace the first disclosure (score) with the forged one */
    char *d1 = strchr(tok, '~') + 1;
    char *d2 = strchr(d1, '~');
    const size_t cap = 2 * len + flen + 1;
    char *out = yc_alloc(cap);
    assert_non_null(out);
    int n = snprintf(out, cap, "%.*s%s%s", (int)(d1 - tok), tok, forged, d2);
    assert_int_equal(verdict_text(out, (size_t)n, NULL), YC_AV_DISCLOSURE_MISMATCH);
    /* the same disclosure twice */
    n = snprintf(out, cap, "%.*s%s", (int)(d2 - tok), tok, d1 - 1);
    assert_int_equal(out[n - 1], '~');
    assert_int_equal(verdict_text(out, (size_t)n, NULL), YC_AV_DISCLOSURE_MISMATCH);
    yc_free(out);
    yc_free(forged);
    yc_free(tok);
}

static void av_verify__trailing_kb_jwt__key_binding_unsupported(void **state)
{
    (void)state;
    size_t len = 0;
    char *tok = make_token(&(tok_opts){0}, &len);
    static const char kb[] = "eyJhbGciOiJFZERTQSIsInR5cCI6ImtiK2p3dCJ9.e30.c2ln";
    char *out = yc_alloc(len + sizeof kb);
    assert_non_null(out);
    memcpy(out, tok, len);
    memcpy(out + len, kb, sizeof kb);
    assert_int_equal(verdict_text(out, len + sizeof kb - 1, NULL), YC_AV_KEY_BINDING_UNSUPPORTED);
    yc_free(out);
    yc_free(tok);
}

static void av_verify__status_values__revoked_suspended_unavailable(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    const struct {
        int64_t idx;
        yc_av_reason want;
        bool checked;
    } cases[] = {{0, YC_AV_VALID, true},
                 {1, YC_AV_REVOKED, true},
                 {2, YC_AV_SUSPENDED, true},
                 {3, YC_AV_STATUS_UNAVAILABLE, true},
                 {100, YC_AV_STATUS_UNAVAILABLE, false}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = 0;
        char *tok = make_token(&(tok_opts){.idx = cases[i].idx}, &len);
        yc_av_verdict v;
        assert_int_equal(yc_av_verify(tok, len, f.issuers, 2, NOW, NULL, &v), YC_OK);
        assert_int_equal(v.reason, cases[i].want);
        assert_int_equal(v.valid, cases[i].want == YC_AV_VALID);
        assert_int_equal(v.status_checked, cases[i].checked);
        assert_non_null(v.claims); /* the signature verified */
        yc_av_verdict_clear(&v);
        /* without a status function: not checked, valid */
        f.issuers[1].status = NULL;
        assert_int_equal(yc_av_verify(tok, len, f.issuers, 2, NOW, NULL, &v), YC_OK);
        assert_int_equal(v.reason, YC_AV_VALID);
        assert_false(v.status_checked);
        yc_av_verdict_clear(&v);
        f.issuers[1].status = test_status;
        yc_free(tok);
    }
}

static void av_verify__wrong_vct__wrong_vct(void **state)
{
    (void)state;
    assert_int_equal(
        verdict_of(&(tok_opts){.vct = "https://attest.yiwu-credit.example/vct/other/v1"}, NULL,
                   NOW),
        YC_AV_WRONG_VCT);
}

static void av_verify__aud__wrong_aud_unless_ours(void **state)
{
    (void)state;
    assert_int_equal(
        verdict_of(&(tok_opts){.aud = "https://other.shanghai-partner.example"}, AUD, NOW),
        YC_AV_WRONG_AUD);
    assert_int_equal(verdict_of(&(tok_opts){.aud = AUD}, NULL, NOW), YC_AV_WRONG_AUD);
    assert_int_equal(verdict_of(&(tok_opts){.aud = AUD}, AUD, NOW), YC_AV_VALID);
    assert_int_equal(verdict_of(&(tok_opts){0}, AUD, NOW), YC_AV_VALID);
}

static void av_verify__size_at_cap_and_one_past__valid_then_too_large(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    /* the name disclosure grows until the whole SD-JWT is exactly YC_SDJWT_MAX_BYTES */
    size_t len = 0, name_len = 20000;
    char *tok = NULL;
    for (int tries = 0; tries < 64; tries++) {
        tok = make_token(&(tok_opts){.name_len = name_len}, &len);
        if (len == YC_SDJWT_MAX_BYTES)
            break;
        const size_t step = len < YC_SDJWT_MAX_BYTES ? (YC_SDJWT_MAX_BYTES - len) * 3 / 4 : 0;
        name_len = step > 0 ? name_len + step : name_len - 1;
        if (len < YC_SDJWT_MAX_BYTES && step == 0)
            name_len++;
        yc_free(tok);
        tok = NULL;
    }
    if (tok == NULL) { /* an unreachable length (4k+1 base64): use an aud of one more byte */
        fail_msg("could not build a token of exactly %d bytes", YC_SDJWT_MAX_BYTES);
    }
    assert_int_equal(len, YC_SDJWT_MAX_BYTES);
    yc_av_verdict v;
    assert_int_equal(yc_av_verify(tok, len, f.issuers, 2, NOW, NULL, &v), YC_OK);
    assert_int_equal(v.reason, YC_AV_VALID);
    assert_int_equal(json_string_length(json_object_get(v.claims, "name")), name_len);
    yc_av_verdict_clear(&v);
    char *big = yc_alloc(len + 2);
    assert_non_null(big);
    memcpy(big, tok, len);
    big[len] = 'x';
    big[len + 1] = '\0';
    assert_int_equal(yc_av_verify(big, len + 1, f.issuers, 2, NOW, NULL, &v), YC_OK);
    assert_int_equal(v.reason, YC_AV_TOO_LARGE);
    assert_string_equal(v.issuer, "");
    yc_av_verdict_clear(&v);
    yc_free(big);
    yc_free(tok);
}

static void av_verify__garbage__malformed(void **state)
{
    (void)state;
    static const char *const cases[] = {"", "abc", "a.b.c~", "~", "eyJ9.e30.~", "a.b~"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(verdict_text(cases[i], strlen(cases[i]), NULL), YC_AV_MALFORMED);
    /* the issuer JWT alone (no '~') */
    size_t len = 0;
    char *tok = make_token(&(tok_opts){0}, &len);
    assert_int_equal(verdict_text(tok, (size_t)(strchr(tok, '~') - tok), NULL), YC_AV_MALFORMED);
    yc_free(tok);
}

static void av_verify__grade_only_presentation__grade_and_visible_claims_only(void **state)
{
    (void)state;
    size_t len = 0, plen = 0;
    char *tok = make_token(&(tok_opts){0}, &len);
    const char *names[] = {"grade"};
    char *pres = NULL;
    assert_int_equal(yc_sdjwt_present(tok, len, names, 1, &pres, &plen), YC_OK);
    yc_av_verdict v;
    assert_int_equal(verdict_text(pres, plen, &v), YC_AV_VALID);
    assert_string_equal(json_string_value(json_object_get(v.claims, "grade")), "A-");
    static const char *const visible[] = {"iss",           "sub",          "iat",    "exp",
                                          "jti",           "vct",          "status", "issuer_city",
                                          "issuer_region", "subject_type", "model"};
    for (size_t i = 0; i < sizeof visible / sizeof *visible; i++)
        assert_non_null(json_object_get(v.claims, visible[i]));
    assert_null(json_object_get(v.claims, "score"));
    assert_null(json_object_get(v.claims, "as_of"));
    assert_null(json_object_get(v.claims, "band"));
    assert_null(json_object_get(v.claims, "name"));
    assert_null(json_object_get(v.claims, "reasons"));
    assert_int_equal(json_object_size(v.claims), 12);
    yc_av_verdict_clear(&v);
    yc_free(pres);
    yc_free(tok);
}

static json_t *vectors(void)
{
    const char *root = getenv("YC_SOURCE_ROOT");
    assert_non_null(root);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/vectors/jws-sdjwt-bad-and-good.json", root);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    return j;
}

static void av_verify__design_worked_example__valid(void **state)
{
    (void)state;
    json_t *vec = vectors();
    json_t *ex = json_object_get(vec, "examples");
    const char *tok = json_string_value(json_object_get(ex, "sd_jwt_issued"));
    assert_non_null(tok);
    yc_av_key k = av_key(seed1_hex);
    assert_string_equal(k.kid, kid1);
    const yc_av_issuer is = {.iss = "https://attest.yiwu-credit.example", .keys = &k, .n_keys = 1};
    yc_av_verdict v;
    assert_int_equal(yc_av_verify(tok, strlen(tok), &is, 1, NOW, NULL, &v), YC_OK);
    assert_int_equal(v.reason, YC_AV_VALID);
    assert_true(v.valid);
    assert_false(v.status_checked);
    assert_int_equal(json_integer_value(json_object_get(v.claims, "score")), 712);
    assert_string_equal(json_string_value(json_object_get(v.claims, "grade")), "A-");
    assert_int_equal(json_integer_value(json_object_get(v.claims, "as_of")), 1795910400);
    assert_string_equal(json_string_value(json_object_get(v.claims, "jti")),
                        "e3Q4oT7bSkK0Zr2Vd1mHxg");
    yc_av_verdict_clear(&v);
    /* and the grade-only presentation */
    tok = json_string_value(json_object_get(ex, "sd_jwt_presentation_grade_only"));
    assert_int_equal(yc_av_verify(tok, strlen(tok), &is, 1, NOW, NULL, &v), YC_OK);
    assert_int_equal(v.reason, YC_AV_VALID);
    assert_null(json_object_get(v.claims, "score"));
    assert_string_equal(json_string_value(json_object_get(v.claims, "grade")), "A-");
    yc_av_verdict_clear(&v);
    json_decref(vec);
}

static void av_verify__oom_everywhere__nomem_or_same_verdict(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    size_t len = 0;
    char *tok = make_token(&(tok_opts){.idx = 1}, &len);
    const long before = yc_alloc_count();
    yc_av_verdict v;
    assert_int_equal(yc_av_verify(tok, len, f.issuers, 2, NOW, NULL, &v), YC_OK);
    const long n = yc_alloc_count() - before;
    yc_av_verdict_clear(&v);
    assert_true(n > 0);
    for (long i = 0; i < n; i++) {
        yc_alloc_fail_after(i);
        yc_err rv = yc_av_verify(tok, len, f.issuers, 2, NOW, NULL, &v);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_int_equal(v.reason, YC_AV_REVOKED);
            yc_av_verdict_clear(&v);
        } else {
            assert_int_equal(rv, YC_ERR_NOMEM);
        }
    }
    yc_free(tok);
}

/* ---- trust registry ---- */

static char tmpdir[256];

static void write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/trust/%s", tmpdir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/yc_test_av_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char path[512];
    snprintf(path, sizeof path, "%s/trust", tmpdir);
    assert_int_equal(mkdir(path, 0700), 0);
}

static void rm_tmpdir(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
}

/* A status list token for URI-like @p uri with idx 1 revoked, signed by @p seed. */
static void write_list(const char *name, const char *uri, const char *seed, int64_t exp)
{
    yc_status_list *l = NULL;
    assert_int_equal(yc_status_list_new(2, 64, &l), YC_OK);
    assert_int_equal(yc_status_list_set(l, 1, 1), YC_OK);
    assert_int_equal(yc_status_list_set(l, 2, 2), YC_OK);
    yc_ed25519_key *k = key_from(seed);
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    yc_ed25519_public_key(k, pk);
    assert_int_equal(yc_jwk_thumbprint(pk, kid), YC_OK);
    char *tok = NULL;
    size_t len = 0;
    assert_int_equal(yc_attest_status_list_token(l, uri, NOW - 100, exp, 300, k, kid, &tok, &len),
                     YC_OK);
    write_text(name, tok);
    yc_free(tok);
    yc_ed25519_key_free(k);
    yc_status_list_free(l);
}

static const char URI_B[] = "https://attest.yiwu-credit.example/v1/status-lists/2";
static const char URI_C[] = "https://attest.yiwu-credit.example/v1/status-lists/3";
static const char URI_D[] = "https://attest.yiwu-credit.example/v1/status-lists/4";

static void write_registry(const char *pins)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"partners\":[{\"issuer\":\"%s\",\"city\":\"Yiwu\",\"region\":\"330782\","
             "\"pins\":%s,\"jwks_url\":\"https://attest.yiwu-credit.example/.well-known/"
             "jwks.json\",\"jwks_file\":\"yiwu.jwks.json\",\"status_lists\":["
             "{\"uri\":\"%s\",\"file\":\"a.jwt\"},{\"uri\":\"%s\",\"file\":\"b.jwt\"},"
             "{\"uri\":\"%s\",\"file\":\"c.jwt\"},{\"uri\":\"%s\",\"file\":\"d.jwt\"}]}]}",
             ISS, pins, URI, URI_B, URI_C, URI_D);
    write_text("partners.json", text);
}

static void trust_load__pinned_and_unpinned_keys_and_lists__only_verified_used(void **state)
{
    (void)state;
    make_tmpdir();
    char jwks[512];
    snprintf(
        jwks, sizeof jwks,
        "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"whatever\"},"
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"},{\"kty\":\"EC\",\"crv\":\"P-256\"}]}",
        x1, x2);
    write_text("yiwu.jwks.json", jwks);
    char pins[128];
    snprintf(pins, sizeof pins, "[\"%s\"]", kid1);
    write_registry(pins);
    write_list("a.jwt", URI, seed1_hex, NOW + 3600);   /* pinned key: verified */
    write_list("b.jwt", URI_B, seed2_hex, NOW + 3600); /* unpinned key: refused */
    write_list("d.jwt", URI_D, seed1_hex, NOW - 1);    /* expired: refused */
    /* c.jwt missing */
    yc_trust *t = NULL;
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_OK);
    const yc_av_issuer *is = NULL;
    assert_int_equal(yc_trust_issuers(t, &is), 1);
    assert_string_equal(is[0].iss, ISS);
    assert_string_equal(is[0].city, "Yiwu");
    assert_string_equal(is[0].region, "330782"); /* issue 5: the registry's region, cached */
    assert_int_equal(is[0].n_keys, 1);
    assert_string_equal(is[0].keys[0].kid, kid1); /* recomputed from x, not the "kid" member */
    unsigned s = 9;
    assert_int_equal(is[0].status(is[0].status_ctx, URI, 1, &s), YC_OK);
    assert_int_equal(s, 1);
    assert_int_equal(is[0].status(is[0].status_ctx, URI, 2, &s), YC_OK);
    assert_int_equal(s, 2);
    assert_int_equal(is[0].status(is[0].status_ctx, URI, 63, &s), YC_OK);
    assert_int_equal(s, 0);
    assert_int_equal(is[0].status(is[0].status_ctx, URI, 64, &s), YC_ERR_NOT_FOUND);
    assert_int_equal(is[0].status(is[0].status_ctx, URI_B, 1, &s), YC_ERR_NOT_FOUND);
    assert_int_equal(is[0].status(is[0].status_ctx, URI_C, 1, &s), YC_ERR_NOT_FOUND);
    assert_int_equal(is[0].status(is[0].status_ctx, URI_D, 1, &s), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_trust_expires(t), NOW + 3600); /* a.jwt; b and d were refused */
    /* end to end: a revoked token of this partner */
    size_t len = 0;
    char *tok = make_token(&(tok_opts){.idx = 1}, &len);
    yc_av_verdict v;
    assert_int_equal(yc_av_verify(tok, len, is, 1, NOW, NULL, &v), YC_OK);
    assert_int_equal(v.reason, YC_AV_REVOKED);
    assert_true(v.status_checked);
    yc_av_verdict_clear(&v);
    yc_free(tok);
    yc_trust_free(t);
    /* every allocation failure: YC_ERR_NOMEM, never a partial registry */
    const long before = yc_alloc_count();
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_OK);
    const long n_allocs = yc_alloc_count() - before;
    yc_trust_free(t);
    for (long i = 0; i < n_allocs; i++) {
        yc_alloc_fail_after(i);
        t = NULL;
        yc_err rv = yc_trust_load(tmpdir, NOW, &t);
        yc_alloc_fail_after(-1);
        if (rv == YC_OK) {
            assert_int_equal(yc_trust_issuers(t, &is), 1);
            yc_trust_free(t);
        } else {
            assert_int_equal(rv, YC_ERR_NOMEM);
            assert_null(t);
        }
    }
    /* pinning key 2 only: key 1 of the JWKS is ignored, the list of key 2 now verifies */
    snprintf(pins, sizeof pins, "[\"%s\"]", kid2);
    write_registry(pins);
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_OK);
    assert_int_equal(yc_trust_issuers(t, &is), 1);
    assert_int_equal(is[0].n_keys, 1);
    assert_string_equal(is[0].keys[0].kid, kid2);
    assert_int_equal(is[0].status(is[0].status_ctx, URI, 1, &s), YC_ERR_NOT_FOUND);
    assert_int_equal(is[0].status(is[0].status_ctx, URI_B, 1, &s), YC_OK);
    assert_int_equal(s, 1);
    tok = make_token(&(tok_opts){0}, &len);
    assert_int_equal(yc_av_verify(tok, len, is, 1, NOW, NULL, &v), YC_OK);
    assert_int_equal(v.reason, YC_AV_UNKNOWN_KID);
    yc_av_verdict_clear(&v);
    yc_free(tok);
    yc_trust_free(t);
    rm_tmpdir();
}

static void trust_load__missing_and_invalid_files__empty_or_field(void **state)
{
    (void)state;
    make_tmpdir();
    yc_trust *t = NULL;
    const yc_av_issuer *is = NULL;
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_OK); /* no partners.json */
    assert_int_equal(yc_trust_issuers(t, &is), 0);
    yc_trust_free(t);
    /* JWKS file missing: the partner has no keys yet */
    char pins[128];
    snprintf(pins, sizeof pins, "[\"%s\"]", kid1);
    write_registry(pins);
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_OK);
    assert_int_equal(yc_trust_issuers(t, &is), 1);
    assert_int_equal(is[0].n_keys, 0);
    assert_int_equal(yc_trust_expires(t), INT64_MAX);
    yc_trust_free(t);
    /* a pin that is no thumbprint */
    write_registry("[\"short\"]");
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_ERR_INVALID);
    assert_string_equal(yc_trust_error_field(), "partners[0].pins[0]");
    write_registry("[]");
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_ERR_INVALID);
    assert_string_equal(yc_trust_error_field(), "partners[0].pins");
    /* a malformed JWKS file */
    write_registry(pins);
    write_text("yiwu.jwks.json", "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"}]}");
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_ERR_INVALID);
    assert_string_equal(yc_trust_error_field(), "partners[0].jwks_file");
    /* issue 5: a region that is not 6 ASCII digits */
    static const char *const bad_regions[] = {"33078", "3307820", "33078x"};
    for (size_t i = 0; i < sizeof bad_regions / sizeof *bad_regions; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"partners\":[{\"issuer\":\"%s\",\"city\":\"Yiwu\",\"region\":\"%s\","
                 "\"pins\":%s,\"jwks_url\":\"https://x.example/j\",\"jwks_file\":\"y.json\"}]}",
                 ISS, bad_regions[i], pins);
        write_text("partners.json", text);
        assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_ERR_INVALID);
        assert_string_equal(yc_trust_error_field(), "partners[0].region");
    }
    write_text("partners.json", "{\"partners\":[{\"issuer\":\"x\"}]}");
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_ERR_INVALID);
    assert_string_equal(yc_trust_error_field(), "partners[0].city");
    write_text("partners.json", "[1,2]");
    assert_int_equal(yc_trust_load(tmpdir, NOW, &t), YC_ERR_INVALID);
    assert_string_equal(yc_trust_error_field(), "partners");
    rm_tmpdir();
}

static void trust_stamp__file_changes__stamp_changes(void **state)
{
    (void)state;
    make_tmpdir();
    char pins[128];
    snprintf(pins, sizeof pins, "[\"%s\"]", kid1);
    write_registry(pins);
    uint64_t s1 = 0, s2 = 0, s3 = 0;
    assert_int_equal(yc_trust_stamp(tmpdir, &s1), YC_OK);
    assert_int_equal(yc_trust_stamp(tmpdir, &s2), YC_OK);
    assert_true(s1 == s2);
    write_text("yiwu.jwks.json", "{\"keys\":[]}");
    assert_int_equal(yc_trust_stamp(tmpdir, &s2), YC_OK);
    assert_true(s1 != s2);
    write_list("c.jwt", URI_C, seed1_hex, NOW + 10);
    assert_int_equal(yc_trust_stamp(tmpdir, &s3), YC_OK);
    assert_true(s3 != s2);
    /* atomic writes replace the file (new inode) */
    assert_int_equal(yc_trust_write_file(tmpdir, "c.jwt", "x", 1), YC_OK);
    assert_int_equal(yc_trust_stamp(tmpdir, &s1), YC_OK);
    assert_true(s1 != s3);
    char *buf = NULL;
    size_t len = 0;
    char path[512];
    snprintf(path, sizeof path, "%s/trust/c.jwt", tmpdir);
    assert_int_equal(yc_file_read_all(path, 10, &buf, &len), YC_OK);
    assert_int_equal(len, 1);
    assert_int_equal(buf[0], 'x');
    yc_free(buf);
    assert_int_equal(yc_trust_write_file(tmpdir, "../escape", "x", 1), YC_ERR_INVALID);
    assert_int_equal(yc_trust_write_file(tmpdir, ".hidden", "x", 1), YC_ERR_INVALID);
    rm_tmpdir();
}

static void av_jwks_keys__pins_null_and_set__all_or_pinned(void **state)
{
    (void)state;
    char jwks[512];
    snprintf(jwks, sizeof jwks,
             "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"},"
             "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"},"
             "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}]}",
             x1, x2, x1);
    yc_av_key keys[4];
    size_t n = 0;
    assert_int_equal(yc_av_jwks_keys(jwks, strlen(jwks), NULL, 0, keys, 4, &n), YC_OK);
    assert_int_equal(n, 2);
    assert_string_equal(keys[0].kid, kid1);
    assert_string_equal(keys[1].kid, kid2);
    const char *pins[] = {kid2};
    assert_int_equal(yc_av_jwks_keys(jwks, strlen(jwks), pins, 1, keys, 4, &n), YC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(keys[0].kid, kid2);
    static const char dup[] = "{\"keys\":[],\"keys\":[]}";
    assert_int_equal(yc_av_jwks_keys(dup, strlen(dup), NULL, 0, keys, 4, &n), YC_ERR_INVALID);
    static const char nokeys[] = "{\"k\":[]}";
    assert_int_equal(yc_av_jwks_keys(nokeys, strlen(nokeys), NULL, 0, keys, 4, &n), YC_ERR_INVALID);
}

int main(void)
{
    yc_core_init_json();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(av_reason_str__every_reason__exact_names),
        cmocka_unit_test(av_verify__issued_token__valid_with_all_claims),
        cmocka_unit_test(av_verify__flipped_signature_bit__bad_signature),
        cmocka_unit_test(av_verify__kid_not_pinned__unknown_kid),
        cmocka_unit_test(av_verify__iss_not_trusted__untrusted_issuer),
        cmocka_unit_test(av_verify__exp_at_and_past_leeway__expired_one_before_valid),
        cmocka_unit_test(av_verify__iat_past_leeway__not_yet_valid),
        cmocka_unit_test(av_verify__lifetime_at_and_past_cap__valid_then_malformed),
        cmocka_unit_test(av_verify__wrong_typ__wrong_typ),
        cmocka_unit_test(av_verify__alg_none_and_hs256__alg_not_allowed),
        cmocka_unit_test(av_verify__forged_disclosure__disclosure_mismatch),
        cmocka_unit_test(av_verify__trailing_kb_jwt__key_binding_unsupported),
        cmocka_unit_test(av_verify__status_values__revoked_suspended_unavailable),
        cmocka_unit_test(av_verify__wrong_vct__wrong_vct),
        cmocka_unit_test(av_verify__aud__wrong_aud_unless_ours),
        cmocka_unit_test(av_verify__size_at_cap_and_one_past__valid_then_too_large),
        cmocka_unit_test(av_verify__garbage__malformed),
        cmocka_unit_test(av_verify__grade_only_presentation__grade_and_visible_claims_only),
        cmocka_unit_test(av_verify__design_worked_example__valid),
        cmocka_unit_test(av_verify__oom_everywhere__nomem_or_same_verdict),
        cmocka_unit_test(av_jwks_keys__pins_null_and_set__all_or_pinned),
        cmocka_unit_test(trust_load__pinned_and_unpinned_keys_and_lists__only_verified_used),
        cmocka_unit_test(trust_load__missing_and_invalid_files__empty_or_field),
        cmocka_unit_test(trust_stamp__file_changes__stamp_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
