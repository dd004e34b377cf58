/* bench/import anchor: the raw LMDB put rate for N keys with durable commits every BATCH
 * keys (yc_store_bench_raw_put), to set beside the measured import rate.
 * usage: bench_rawput DIR N_KEYS [KEY_LEN] [VAL_LEN] [BATCH] */
#include <stdio.h>
#include <stdlib.h>

#include "yrdcredit/store.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: bench_rawput DIR N_KEYS [KEY_LEN] [VAL_LEN] [BATCH]\n", stderr);
        return 2;
    }
    const size_t n = (size_t)strtoull(argv[2], NULL, 10);
    const size_t key_len = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 27;
    const size_t val_len = argc > 4 ? (size_t)strtoull(argv[4], NULL, 10) : 300;
    const size_t batch = argc > 5 ? (size_t)strtoull(argv[5], NULL, 10) : 8192;
    double secs;
    yc_err rv = yc_store_bench_raw_put(argv[1], n, key_len, val_len, batch, &secs);
    if (rv != YC_OK) {
        fprintf(stderr, "raw put failed: %s\n", yc_err_str(rv));
        return 1;
    }
    printf("raw LMDB put: %zu keys (%zu-byte keys, %zu-byte values, %zu per txn) in %.3f s = "
           "%.0f keys/s\n",
           n, key_len, val_len, batch, secs, (double)n / secs);
    return 0;
}
