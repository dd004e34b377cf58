/* Fuzz target: the Token Status List parser on arbitrary bytes.
 *
 * Target Functions:
 *   yc_status_list_parse, yc_status_list_get, yc_status_list_set, yc_status_list_encode,
 *   yc_status_list_bytes, yc_status_list_count, yc_status_list_bits, yc_status_list_free.
 *
 * Input: byte 0 picks `bits` (low 2 bits: 1, 2, 4 or 8) and whether a size is declared
 * (bit 2); when it is, bytes 1-2 (big-endian) are the declared count; the rest is the
 * compressed `lst`.  The cap is 64 KiB so that bombs are cut quickly.  Deterministic.
 * Besides memory errors it checks, and aborts when one fails:
 *   - every result is one of the codes status_list.h documents;
 *   - a parsed list has count >= 1, never more bytes than the cap, and the declared count
 *     when one was given; get(count - 1) succeeds with a value that fits in bits, get(count)
 *     is NOT_FOUND;
 *   - encoding the list and parsing that again gives the same bytes and statuses.
 * Replayed from tests/fuzz/corpus/status_list/ by tests/fuzz/replay_main.c in normal builds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/status_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CAP ((size_t)64 * 1024)

static void require(bool cond)
{
    if (!cond)
        abort();
}

static void check_list(const yc_status_list *l, unsigned bits, size_t declared)
{
    const size_t count = yc_status_list_count(l);
    size_t len = 0;
    const uint8_t *bytes = yc_status_list_bytes(l, &len);
    require(yc_status_list_bits(l) == bits);
    require(count >= 1 && len >= 1 && len <= FUZZ_CAP && bytes != NULL);
    require(declared == 0 || count == declared);
    unsigned s = 0;
    require(yc_status_list_get(l, count - 1, &s) == YC_OK && s < (1u << bits));
    require(yc_status_list_get(l, count, &s) == YC_ERR_NOT_FOUND);

    uint8_t *z = NULL;
    size_t z_len = 0;
    const yc_err rv = yc_status_list_encode(l, &z, &z_len);
    require(rv == YC_OK || rv == YC_ERR_NOMEM);
    if (rv != YC_OK)
        return;
    yc_status_list *back = NULL;
    const yc_err rv2 = yc_status_list_parse(z, z_len, bits, count, FUZZ_CAP, &back);
    if (rv2 == YC_OK) {
        size_t back_len = 0;
        const uint8_t *back_bytes = yc_status_list_bytes(back, &back_len);
        require(back_len == len && memcmp(back_bytes, bytes, len) == 0);
        require(yc_status_list_count(back) == count);
        /* Writing a value back into a copy leaves it readable. */
        require(yc_status_list_set(back, count - 1, s) == YC_OK);
        unsigned again = 0;
        require(yc_status_list_get(back, count - 1, &again) == YC_OK && again == s);
    } else {
        /* Our own output, declared with its own count, can only fail for lack of memory. */
        require(rv2 == YC_ERR_NOMEM);
    }
    yc_status_list_free(back);
    yc_free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const unsigned widths[4] = {1, 2, 4, 8};
    const unsigned bits = widths[data[0] & 3u];
    size_t declared = 0;
    size_t skip = 1;
    if ((data[0] & 4u) != 0) {
        if (size < 3)
            return 0;
        declared = ((size_t)data[1] << 8) | data[2];
        skip = 3;
    }
    yc_status_list *l = NULL;
    const yc_err rv = yc_status_list_parse(data + skip, size - skip, bits, declared, FUZZ_CAP, &l);
    switch (rv) {
    case YC_OK:
        check_list(l, bits, declared);
        break;
    case YC_ERR_TOO_LARGE:
    case YC_ERR_PROTO:
    case YC_ERR_NOMEM:
        require(l == NULL);
        break;
    default:
        abort();
    }
    yc_status_list_free(l);
    return 0;
}
