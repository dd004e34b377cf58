/* Raw libsodium Ed25519 rates: the anchor of bench/attest (include/yrdcredit/crypto_bench.h). */
#include <time.h>

#include <sodium.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/crypto_bench.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

yc_err yc_crypto_bench_ed25519(size_t msg_len, double seconds, double *ret_sign_s,
                               double *ret_verify_s)
{
    YC_ENSURE(msg_len >= 1 && msg_len <= 65536 && seconds > 0, YC_ERR_INVALID);
    YC_TRY(yc_crypto_init());
    unsigned char *msg = yc_alloc(msg_len);
    YC_ENSURE(msg != NULL, YC_ERR_NOMEM);
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    unsigned char sig[crypto_sign_BYTES];
    randombytes_buf(msg, msg_len);
    yc_err rv = crypto_sign_keypair(pk, sk) == 0 ? YC_OK : YC_ERR_INTERNAL;
    unsigned long n = 0;
    double t0 = now_s(), t = t0;
    while (rv == YC_OK && t - t0 < seconds) {
        for (int i = 0; i < 256 && rv == YC_OK; i++, n++) {
            msg[0] = (unsigned char)n; /* a new message each time, as real tokens are */
            if (crypto_sign_detached(sig, NULL, msg, msg_len, sk) != 0)
                rv = YC_ERR_INTERNAL;
        }
        t = now_s();
    }
    *ret_sign_s = (double)n / (t - t0);
    n = 0;
    t0 = now_s();
    t = t0;
    while (rv == YC_OK && t - t0 < seconds) {
        for (int i = 0; i < 256 && rv == YC_OK; i++, n++)
            if (crypto_sign_verify_detached(sig, msg, msg_len, pk) != 0)
                rv = YC_ERR_INTERNAL;
        t = now_s();
    }
    *ret_verify_s = (double)n / (t - t0);
    sodium_memzero(sk, sizeof sk);
    yc_free(msg);
    return rv;
}
