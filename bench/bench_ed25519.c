/* bench/attest anchor: raw libsodium Ed25519 sign/s and verify/s on the calling thread
 * (yc_crypto_bench_ed25519).  Pin it with taskset to the core the server would use.
 * usage: bench_ed25519 [MSG_LEN] [SECONDS] */
#include <stdio.h>
#include <stdlib.h>

#include "yrdcredit/crypto_bench.h"

int main(int argc, char **argv)
{
    const size_t msg_len = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 700;
    const double secs = argc > 2 ? strtod(argv[2], NULL) : 3.0;
    double sign_s = 0, verify_s = 0;
    yc_err rv = yc_crypto_bench_ed25519(msg_len, secs, &sign_s, &verify_s);
    if (rv != YC_OK) {
        fprintf(stderr, "bench_ed25519: %s\n", yc_err_str(rv));
        return 1;
    }
    printf("raw libsodium Ed25519, %zu-byte messages: sign %.0f/s verify %.0f/s\n", msg_len, sign_s,
           verify_s);
    return 0;
}
