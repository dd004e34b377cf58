/* Fuzz target: the attestation verifier (POST /v1/attestations/verify, `yrdcredit verify`) on
 * arbitrary bytes.
 *
 * Target Functions:
 *   yc_av_verify (and below it yc_sdjwt_verify, yc_jws_verify, yc_jwt_check_claims, the strict
 *   base64url decoder, Jansson with JSON_REJECT_DUPLICATES), yc_av_reason_str,
 *   yc_av_verdict_clear, yc_sdjwt_present.
 *
 * Input: the whole input is the token.  The trusted issuer is the design's worked example
 * (attestations.md §1.3: iss https://attest.yiwu-credit.example, the RFC 8037 test key) with a
 * status function that reports index 4711 revoked, so the seeds (tests/fuzz/corpus/sdjwt_verify:
 * the 28 vectors of jws-sdjwt-bad-and-good.json and the worked example with its grade-only
 * presentation) reach every step.  `now` is fixed inside the example's validity.
 * Besides memory errors it checks, and aborts when one fails:
 *   - the call returns YC_OK or YC_ERR_NOMEM (never another error for any token content);
 *   - valid exactly when the reason is "valid"; claims present whenever valid, and never
 *     holding _sd or _sd_alg; a reason string that is not "internal";
 *   - a presentation made from a valid token verifies again.
 * Replayed from tests/fuzz/corpus/sdjwt_verify/ by tests/fuzz/replay_main.c in normal builds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/attest_verify.h"
#include "yrdcredit/jose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1796000000 /* inside the worked example's iat..exp */

static void require(bool cond)
{
    if (!cond)
        abort();
}

static yc_err status_4711_revoked(void *ctx, const char *uri, uint64_t idx, unsigned *ret)
{
    (void)ctx;
    if (strcmp(uri, "https://attest.yiwu-credit.example/status/1") != 0 || idx >= 131072)
        return YC_ERR_NOT_FOUND;
    *ret = idx == 4711 ? 1u : 0u;
    return YC_OK;
}

static const yc_av_issuer *issuer(void)
{
    static yc_av_key key;
    static yc_av_issuer is;
    if (is.iss == NULL) {
        static const char x[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        size_t n = 0;
        require(yc_b64url_decode(x, sizeof x - 1, key.pk, sizeof key.pk, &n) == YC_OK && n == 32);
        require(yc_jwk_thumbprint(key.pk, key.kid) == YC_OK);
        is = (yc_av_issuer){.iss = "https://attest.yiwu-credit.example",
                            .city = "Yiwu",
                            .keys = &key,
                            .n_keys = 1,
                            .status = status_4711_revoked};
    }
    return &is;
}

static void check(const char *token, size_t len, bool again)
{
    yc_av_verdict v;
    const yc_err rv = yc_av_verify(token, len, issuer(), 1, NOW, NULL, &v);
    require(rv == YC_OK || rv == YC_ERR_NOMEM);
    if (rv != YC_OK)
        return;
    require(v.valid == (v.reason == YC_AV_VALID));
    require(strcmp(yc_av_reason_str(v.reason), "internal") != 0);
    if (v.valid) {
        require(v.claims != NULL && json_object_get(v.claims, "_sd") == NULL &&
                json_object_get(v.claims, "_sd_alg") == NULL);
        static const char *const names[] = {"grade"};
        char *p = NULL;
        size_t p_len = 0;
        if (again && yc_sdjwt_present(token, len, names, 1, &p, &p_len) == YC_OK) {
            check(p, p_len, false);
            yc_free(p);
        }
    }
    yc_av_verdict_clear(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check((const char *)data, size, true);
    return 0;
}
