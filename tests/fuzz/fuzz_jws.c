/* Fuzz target: the plain compact JWS / JWT verifier (status-list tokens, trust documents, the
 * issuer-signed part of an SD-JWT) on arbitrary bytes.
 *
 * Target Functions: yc_jws_verify (part split, strict base64url, header JSON with
 * JSON_REJECT_DUPLICATES, alg/crit/jwk/typ/kid rules, Ed25519), yc_jwt_verify (claims-set
 * parsing).
 *
 * Input: the whole input is the token.  The pinned key is the RFC 8037 §A.1 test key, so the
 * seeds (tests/fuzz/corpus/jws: RFC 8037 §A.4's example, the issuer-signed parts of the
 * sdjwt_verify vectors) verify.  Besides memory errors it checks, and aborts when one fails:
 *   - only documented errors (YC_OK, YC_ERR_INVALID, YC_ERR_AUTH, YC_ERR_TOO_LARGE,
 *     YC_ERR_NOMEM), and reason == YC_JWS_OK exactly when YC_OK, with outputs set then;
 *   - yc_jwt_verify accepts only what yc_jws_verify accepts;
 *   - a token that verifies no longer verifies with one signature character changed.
 * Replayed from tests/fuzz/corpus/jws/ by tests/fuzz/replay_main.c in normal builds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/jose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool cond)
{
    if (!cond)
        abort();
}

static const uint8_t *pk(void)
{
    static uint8_t key[YC_ED25519_PUBLIC_KEY_BYTES];
    static bool done;
    if (!done) {
        static const char x[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        size_t n = 0;
        require(yc_b64url_decode(x, sizeof x - 1, key, sizeof key, &n) == YC_OK && n == 32);
        done = true;
    }
    return key;
}

static bool documented(yc_err rv)
{
    return rv == YC_OK || rv == YC_ERR_INVALID || rv == YC_ERR_AUTH || rv == YC_ERR_TOO_LARGE ||
           rv == YC_ERR_NOMEM;
}

static yc_err jws(const char *t, size_t n, const yc_jws_expect *e)
{
    json_t *h = NULL;
    uint8_t *p = NULL;
    size_t p_len = 0;
    yc_jws_reason why = YC_JWS_OK;
    const yc_err rv = yc_jws_verify(t, n, pk(), e, &h, &p, &p_len, &why);
    require(documented(rv));
    require((rv == YC_OK) == (why == YC_JWS_OK));
    if (rv == YC_OK)
        require(h != NULL && json_is_object(h) && (p != NULL || p_len == 0));
    json_decref(h);
    yc_free(p);
    return rv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    const yc_jws_expect any = {.algs = YC_JWS_ALG_EDDSA | YC_JWS_ALG_ED25519};
    const yc_err rv = jws(t, size, &any);

    /* a narrower expectation never accepts more */
    const yc_jws_expect typed = {.algs = YC_JWS_ALG_ED25519, .typ = "statuslist+jwt"};
    if (jws(t, size, &typed) == YC_OK)
        require(rv == YC_OK);

    json_t *h = NULL, *claims = NULL;
    yc_jws_reason why = YC_JWS_OK;
    const yc_err cv = yc_jwt_verify(t, size, pk(), &any, &h, &claims, &why);
    require(documented(cv));
    require((cv == YC_OK) == (why == YC_JWS_OK));
    if (cv == YC_OK)
        require(rv == YC_OK && json_is_object(claims) && json_is_object(h));
    json_decref(h);
    json_decref(claims);

    if (rv == YC_OK && size >= 10 && size <= YC_JWS_MAX_TOKEN_BYTES) {
        const uint8_t *dot = memchr(data, '.', size);
        const uint8_t *last = NULL;
        for (size_t i = size; i > 0; i--)
            if (data[i - 1] == '.') {
                last = data + i - 1;
                break;
            }
        /* change one character in the middle of the signature part */
        if (dot != NULL && last != NULL && last > dot && (size_t)(data + size - last) > 20) {
            char *m = malloc(size);
            require(m != NULL);
            memcpy(m, data, size);
            const size_t at = (size_t)(last - data) + 10;
            m[at] = m[at] == 'A' ? 'B' : 'A';
            require(jws(m, size, &any) != YC_OK);
            free(m);
        }
    }
    return 0;
}
