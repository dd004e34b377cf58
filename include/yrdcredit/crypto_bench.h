/**
 * @file crypto_bench.h
 * @brief The anchor of bench/attest: raw libsodium Ed25519 signing and verification rates on
 *        the calling thread, with nothing of ours around them.
 */
#ifndef YRDCREDIT_CRYPTO_BENCH_H
#define YRDCREDIT_CRYPTO_BENCH_H

#include <stddef.h>

#include "yrdcredit/err.h"

/**
 * @brief Sign and then verify @p msg_len random bytes with crypto_sign_detached() and
 *        crypto_sign_verify_detached() (libsodium), each for about @p seconds.
 * @param[in]  msg_len        Message bytes, 1..65536 (use the length of a real signing input).
 * @param[in]  seconds        Wall-clock seconds per operation, > 0.
 * @param[out] ret_sign_s     Signatures per second.
 * @param[out] ret_verify_s   Verifications per second.
 * @retval YC_OK
 * @retval YC_ERR_INVALID   @p msg_len or @p seconds out of range
 * @retval YC_ERR_NOMEM     allocation failed
 * @retval YC_ERR_INTERNAL  libsodium failed, or a signature did not verify
 * @par Source: issue 4 acceptance "bench/attest" (raw libsodium sign/s and verify/s on one
 *      core); attestations.md §7.
 */
YC_MUST_USE yc_err yc_crypto_bench_ed25519(size_t msg_len, double seconds, double *ret_sign_s,
                                           double *ret_verify_s);

#endif
