/* The attestation verifier: pinned issuers, SD-JWT VC checks in the order of issue 4 item 6. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/attest.h"
#include "yrdcredit/attest_verify.h"

const char *yc_av_reason_str(yc_av_reason r)
{
    static const char *const names[] = {"valid",
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
    if ((unsigned)r >= sizeof names / sizeof *names)
        return "malformed";
    return names[r];
}

void yc_av_verdict_clear(yc_av_verdict *v)
{
    json_decref(v->claims);
    *v = (yc_av_verdict){.reason = YC_AV_MALFORMED};
}

/* Decode one base64url part into a JSON object (duplicates rejected); NULL if it is none. */
static yc_err decode_object(const char *b64, size_t n, json_t **ret)
{
    yc_err rv = YC_OK;
    uint8_t *buf = yc_alloc(yc_b64url_decoded_len(n) + 1);
    YC_ENSURE(buf != NULL, YC_ERR_NOMEM);
    size_t got = 0;
    *ret = NULL;
    if (yc_b64url_decode(b64, n, buf, yc_b64url_decoded_len(n) + 1, &got) != YC_OK)
        goto out;
    const long fails = yc_alloc_failures();
    json_t *j = json_loadb((const char *)buf, got, JSON_REJECT_DUPLICATES, NULL);
    if (j == NULL && yc_alloc_failures() != fails) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    *ret = j;
out:
    yc_free(buf);
    return rv;
}

static yc_av_reason map_reason(yc_jws_reason r)
{
    switch (r) {
    case YC_JWS_OK:
        return YC_AV_VALID;
    case YC_JWS_TOO_LARGE:
        return YC_AV_TOO_LARGE;
    case YC_JWS_ALG_NOT_ALLOWED:
        return YC_AV_ALG_NOT_ALLOWED;
    case YC_JWS_WRONG_TYP:
        return YC_AV_WRONG_TYP;
    case YC_JWS_WRONG_KID:
        return YC_AV_UNKNOWN_KID;
    case YC_JWS_BAD_SIGNATURE:
    case YC_JWS_BAD_SIGNATURE_LENGTH:
        return YC_AV_BAD_SIGNATURE;
    case YC_JWS_WRONG_ISS:
        return YC_AV_UNTRUSTED_ISSUER;
    case YC_JWS_WRONG_AUD:
        return YC_AV_WRONG_AUD;
    case YC_JWS_WRONG_VCT:
        return YC_AV_WRONG_VCT;
    case YC_JWS_EXPIRED:
        return YC_AV_EXPIRED;
    case YC_JWS_NOT_YET_VALID:
        return YC_AV_NOT_YET_VALID;
    case YC_JWS_SD_KB_JWT:
        return YC_AV_KEY_BINDING_UNSUPPORTED;
    case YC_JWS_SD_BAD_DISCLOSURE:
    case YC_JWS_SD_DUPLICATE_DISCLOSURE:
    case YC_JWS_SD_DUPLICATE_DIGEST:
    case YC_JWS_SD_UNREFERENCED:
    case YC_JWS_SD_CLAIM_EXISTS:
        return YC_AV_DISCLOSURE_MISMATCH;
    default:
        return YC_AV_MALFORMED;
    }
}

static bool is_sd_reason(yc_jws_reason r)
{
    return r >= YC_JWS_SD_MALFORMED && r <= YC_JWS_SD_CLAIM_EXISTS;
}

/* The status step (attestations.md §3.1), on verified claims. */
static yc_err check_status(const yc_av_issuer *is, json_t *claims, yc_av_verdict *v)
{
    json_t *st = json_object_get(claims, "status");
    if (st == NULL || is->status == NULL)
        return YC_OK;
    json_t *sl = json_object_get(st, "status_list");
    json_t *idx = json_object_get(sl, "idx");
    json_t *uri = json_object_get(sl, "uri");
    if (!json_is_object(st) || !json_is_integer(idx) || json_integer_value(idx) < 0 ||
        !json_is_string(uri)) {
        v->reason = YC_AV_MALFORMED;
        return YC_OK;
    }
    unsigned s = 0;
    yc_err rv =
        is->status(is->status_ctx, json_string_value(uri), (uint64_t)json_integer_value(idx), &s);
    if (rv == YC_ERR_NOMEM || rv == YC_ERR_INTERNAL)
        return rv;
    if (rv != YC_OK) {
        v->reason = YC_AV_STATUS_UNAVAILABLE;
        return YC_OK;
    }
    v->status_checked = true;
    if (s == YC_STATUS_VALID)
        v->reason = YC_AV_VALID;
    else if (s == YC_STATUS_INVALID)
        v->reason = YC_AV_REVOKED;
    else if (s == YC_STATUS_SUSPENDED)
        v->reason = YC_AV_SUSPENDED;
    else
        v->reason = YC_AV_STATUS_UNAVAILABLE; /* application-specific value: not understood */
    return YC_OK;
}

const char yc_av_any_aud[] = "";

/* The verdict's issuer: the token's iss when it is a string that fits. */
static void set_issuer(json_t *claims, yc_av_verdict *v)
{
    json_t *iss = json_object_get(claims, "iss");
    if (json_is_string(iss) && json_string_length(iss) < sizeof v->issuer &&
        strlen(json_string_value(iss)) == json_string_length(iss))
        memcpy(v->issuer, json_string_value(iss), json_string_length(iss) + 1);
}

/* The issuer named by the unverified iss and its key with this kid.  Sets *ret_is NULL with
 * v->reason untrusted_issuer (or malformed without a string iss), or *ret_key NULL with
 * unknown_kid. */
static yc_err choose_by_iss(json_t *payload, json_t *kid, const yc_av_issuer *issuers,
                            size_t n_issuers, const yc_av_issuer **ret_is,
                            const yc_av_key **ret_key, yc_av_verdict *v)
{
    set_issuer(payload, v);
    json_t *iss = json_object_get(payload, "iss");
    const yc_av_issuer *is = NULL;
    if (json_is_string(iss))
        for (size_t i = 0; i < n_issuers && is == NULL; i++)
            if (issuers[i].iss != NULL && strlen(issuers[i].iss) == json_string_length(iss) &&
                memcmp(issuers[i].iss, json_string_value(iss), json_string_length(iss)) == 0)
                is = &issuers[i];
    *ret_is = is;
    *ret_key = NULL;
    if (is == NULL) {
        v->reason = json_is_string(iss) ? YC_AV_UNTRUSTED_ISSUER : YC_AV_MALFORMED;
        return YC_OK;
    }
    for (size_t i = 0; json_is_string(kid) && i < is->n_keys && *ret_key == NULL; i++)
        if (strcmp(is->keys[i].kid, json_string_value(kid)) == 0)
            *ret_key = &is->keys[i];
    if (*ret_key == NULL)
        v->reason = YC_AV_UNKNOWN_KID;
    return YC_OK;
}

yc_err yc_av_verify(const char *token, size_t len, const yc_av_issuer *issuers, size_t n_issuers,
                    int64_t now, const char *aud, yc_av_verdict *ret)
{
    yc_err rv = YC_OK;
    json_t *header = NULL, *payload = NULL, *vheader = NULL, *claims = NULL;
    char *vct = NULL;
    yc_av_verdict v = {.reason = YC_AV_MALFORMED};
    const char *pay = NULL; /* the payload part, once the shape is known */
    size_t pay_len = 0;
    YC_ENSURE(now >= 0, YC_ERR_INTERNAL);

    /* size */
    if (len > YC_SDJWT_MAX_BYTES) {
        v.reason = YC_AV_TOO_LARGE;
        goto done;
    }
    /* shape: <jwt>~...~ with a three-part JWT; no KB-JWT */
    const char *tilde = memchr(token, '~', len);
    if (tilde == NULL || tilde == token)
        goto done;
    const size_t jwt_len = (size_t)(tilde - token);
    size_t last = len;
    while (last > 0 && token[last - 1] != '~')
        last--;
    const char *d1 = memchr(token, '.', jwt_len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', jwt_len - (size_t)(d1 + 1 - token)) : NULL;
    if (d1 == NULL || d2 == NULL || memchr(d2 + 1, '.', (size_t)(tilde - d2 - 1)) != NULL)
        goto done;
    pay = d1 + 1;
    pay_len = (size_t)(d2 - d1 - 1);
    rv = decode_object(token, (size_t)(d1 - token), &header);
    if (rv != YC_OK)
        goto out;
    if (header == NULL)
        goto done;
    /* the header holds exactly alg, typ and kid (attestations.md §1.3) */
    const char *hk;
    json_t *hv;
    json_object_foreach(header, hk, hv)
    {
        if (strcmp(hk, "alg") != 0 && strcmp(hk, "typ") != 0 && strcmp(hk, "kid") != 0)
            goto done;
    }
    if (last != len) {
        v.reason = YC_AV_KEY_BINDING_UNSUPPORTED;
        goto done;
    }
    /* typ */
    json_t *typ = json_object_get(header, "typ");
    if (!json_is_string(typ) || strcmp(json_string_value(typ), YC_AV_TYP) != 0) {
        v.reason = YC_AV_WRONG_TYP;
        goto done;
    }
    /* alg */
    json_t *alg = json_object_get(header, "alg");
    if (!json_is_string(alg) || (strcmp(json_string_value(alg), "EdDSA") != 0 &&
                                 strcmp(json_string_value(alg), "Ed25519") != 0)) {
        v.reason = YC_AV_ALG_NOT_ALLOWED;
        goto done;
    }
    /* The key by its kid first: a kid is an RFC 7638 thumbprint, so one pinned key names one
     * issuer, and a good token is verified without parsing its payload twice.  Only when the
     * kid is unknown or pinned for several issuers is the (unverified) iss read to choose. */
    json_t *kid = json_object_get(header, "kid");
    const yc_av_issuer *is = NULL;
    const yc_av_key *key = NULL;
    size_t matches = 0;
    for (size_t i = 0; json_is_string(kid) && i < n_issuers; i++)
        for (size_t k = 0; k < issuers[i].n_keys; k++)
            if (strcmp(issuers[i].keys[k].kid, json_string_value(kid)) == 0) {
                if (matches++ == 0) {
                    is = &issuers[i];
                    key = &issuers[i].keys[k];
                }
                break;
            }
    if (matches != 1) {
        rv = decode_object(pay, pay_len, &payload);
        if (rv != YC_OK)
            goto out;
        if (payload == NULL)
            goto done;
        rv = choose_by_iss(payload, kid, issuers, n_issuers, &is, &key, &v);
        if (rv != YC_OK || is == NULL || key == NULL)
            goto out_or_done;
    }
    /* signature, claims, disclosures: one Ed25519 verification */
    const size_t iss_len = strlen(is->iss);
    vct = yc_alloc(iss_len + sizeof YC_AV_VCT_SUFFIX);
    if (vct == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    memcpy(vct, is->iss, iss_len);
    memcpy(vct + iss_len, YC_AV_VCT_SUFFIX, sizeof YC_AV_VCT_SUFFIX);
    const yc_jws_expect jx = {
        .algs = YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519, .typ = YC_AV_TYP, .kid = key->kid};
    const yc_jwt_claims_expect cx = {.iss = is->iss,
                                     .aud = aud == yc_av_any_aud ? NULL : aud,
                                     .any_aud = aud == yc_av_any_aud,
                                     .vct = vct,
                                     .now = now,
                                     .leeway = YC_AV_LEEWAY_SECONDS,
                                     .max_lifetime = YC_AV_MAX_LIFETIME_SECONDS,
                                     .require_exp = true};
    yc_jws_reason jr = YC_JWS_OK;
    yc_err vr = yc_sdjwt_verify(token, len, key->pk, &jx, &cx, &vheader, &claims, &jr);
    if (vr == YC_ERR_NOMEM || jr == YC_JWS_INTERNAL) {
        rv = vr == YC_ERR_NOMEM ? YC_ERR_NOMEM : YC_ERR_INTERNAL;
        goto out;
    }
    if (vr != YC_OK) {
        v.reason = map_reason(jr);
        if (payload == NULL && (rv = decode_object(pay, pay_len, &payload)) != YC_OK)
            goto out;
        set_issuer(payload, &v);
        if (jr == YC_JWS_WRONG_ISS && payload != NULL) {
            /* signed with a key of one issuer, naming another: as if chosen by that iss */
            const yc_av_issuer *is2 = NULL;
            const yc_av_key *key2 = NULL;
            rv = choose_by_iss(payload, kid, issuers, n_issuers, &is2, &key2, &v);
            if (rv != YC_OK)
                goto out;
        } else if (is_sd_reason(jr) && payload != NULL) {
            /* the signature verified; claims come before disclosures in our order */
            yc_jws_reason cr = YC_JWS_OK;
            if (yc_jwt_check_claims(payload, &cx, &cr) != YC_OK && cr != YC_JWS_INTERNAL)
                v.reason = map_reason(cr);
        }
        goto done;
    }
    set_issuer(claims, &v);
    v.claims = claims;
    claims = NULL;
    v.reason = YC_AV_VALID;
    rv = check_status(is, v.claims, &v);
    if (rv != YC_OK)
        goto out;
out_or_done:
    if (rv != YC_OK)
        goto out;
done:
    /* a rejected token still says which issuer it names, when its payload can be read */
    if (v.reason != YC_AV_VALID && v.issuer[0] == '\0' && payload == NULL && pay != NULL) {
        rv = decode_object(pay, pay_len, &payload);
        if (rv != YC_OK)
            goto out;
        set_issuer(payload, &v);
    }
    v.valid = v.reason == YC_AV_VALID;
    *ret = v;
    v.claims = NULL;
out:
    json_decref(v.claims);
    json_decref(header);
    json_decref(payload);
    json_decref(vheader);
    json_decref(claims);
    yc_free(vct);
    return rv;
}

yc_err yc_av_jwks_keys(const char *json, size_t len, const char *const *pins, size_t n_pins,
                       yc_av_key *ret_keys, size_t cap, size_t *ret_n)
{
    yc_err rv = YC_OK;
    const long fails = yc_alloc_failures();
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    if (root == NULL)
        return yc_alloc_failures() != fails ? YC_ERR_NOMEM : YC_ERR_INVALID;
    json_t *keys = json_object_get(root, "keys");
    size_t n = 0;
    if (!json_is_array(keys)) {
        rv = YC_ERR_INVALID;
        goto out;
    }
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *kty = json_string_value(json_object_get(k, "kty"));
        const char *crv = json_string_value(json_object_get(k, "crv"));
        json_t *x = json_object_get(k, "x");
        if (kty == NULL || crv == NULL || strcmp(kty, "OKP") != 0 || strcmp(crv, "Ed25519") != 0)
            continue;
        /* a published key set never holds a private key: a "d" means a mistake upstream */
        if (json_object_get(k, "d") != NULL) {
            rv = YC_ERR_INVALID;
            goto out;
        }
        yc_av_key key;
        size_t got = 0;
        if (!json_is_string(x) ||
            yc_b64url_decode(json_string_value(x), json_string_length(x), key.pk, sizeof key.pk,
                             &got) != YC_OK ||
            got != sizeof key.pk) {
            rv = YC_ERR_INVALID;
            goto out;
        }
        rv = yc_jwk_thumbprint(key.pk, key.kid);
        if (rv != YC_OK)
            goto out;
        bool pinned = pins == NULL;
        for (size_t p = 0; p < n_pins && !pinned; p++)
            pinned = strcmp(pins[p], key.kid) == 0;
        bool dup = false;
        for (size_t m = 0; m < n && !dup; m++)
            dup = strcmp(ret_keys[m].kid, key.kid) == 0;
        if (pinned && !dup && n < cap)
            ret_keys[n++] = key;
    }
    *ret_n = n;
out:
    json_decref(root);
    return rv;
}

yc_err yc_av_status_list_check(const char *token, size_t len, const yc_av_key *keys, size_t n_keys,
                               const char *uri, int64_t now, yc_status_list **ret_list,
                               char **ret_sub, int64_t *ret_exp)
{
    while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r' || token[len - 1] == ' ' ||
                       token[len - 1] == '\t'))
        len--;
    yc_err last = YC_ERR_AUTH;
    for (size_t i = 0; i < n_keys; i++) {
        yc_status_list *list = NULL;
        yc_jws_reason jr = YC_JWS_OK;
        yc_err rv = yc_attest_status_list_token_parse(token, len, keys[i].pk, uri, now,
                                                      YC_TRUST_MAX_LIST_BYTES, &list, NULL, &jr);
        if (rv == YC_ERR_NOMEM)
            return rv;
        if (rv != YC_OK) {
            if (jr != YC_JWS_BAD_SIGNATURE)
                last = rv == YC_ERR_AUTH ? YC_ERR_AUTH : YC_ERR_INVALID;
            continue;
        }
        /* sub and exp of the verified token (the parser checked their types) */
        const char *d1 = memchr(token, '.', len);
        const char *d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
        json_t *p = NULL;
        char *copy = NULL;
        rv = decode_object(d1 + 1, (size_t)(d2 - d1 - 1), &p);
        const char *sub = json_string_value(json_object_get(p, "sub"));
        if (rv == YC_OK && sub == NULL)
            rv = YC_ERR_NOMEM; /* verified a moment ago: only memory can make it fail */
        if (rv == YC_OK && ret_sub != NULL) {
            copy = yc_alloc(strlen(sub) + 1);
            if (copy == NULL)
                rv = YC_ERR_NOMEM;
            else
                memcpy(copy, sub, strlen(sub) + 1);
        }
        if (rv == YC_OK && ret_exp != NULL)
            *ret_exp = (int64_t)json_integer_value(json_object_get(p, "exp"));
        json_decref(p);
        if (rv != YC_OK) {
            yc_status_list_free(list);
            return rv;
        }
        if (ret_sub != NULL)
            *ret_sub = copy;
        *ret_list = list;
        return YC_OK;
    }
    return last;
}
