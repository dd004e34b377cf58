/* libsodium initialisation, hashing, hex and base32 encodings, random bytes. */
#include "yrdcredit/crypto.h"

#include <sodium.h>

yc_err yc_crypto_init(void)
{
    /* sodium_init() is thread-safe and returns 1 once already initialised. */
    return sodium_init() < 0 ? YC_ERR_INTERNAL : YC_OK;
}

void yc_crypto_sha256(const void *data, size_t len, uint8_t ret_digest[static 32])
{
    static const unsigned char empty[1];
    crypto_hash_sha256(ret_digest, data != NULL ? (const unsigned char *)data : empty,
                       (unsigned long long)len);
}

void yc_hex_encode(const uint8_t *in, size_t len, char *ret_hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        ret_hex[2 * i] = digits[in[i] >> 4];
        ret_hex[2 * i + 1] = digits[in[i] & 0x0f];
    }
    ret_hex[2 * len] = '\0';
}

size_t yc_base32_encoded_len(size_t len)
{
    return (len / 5) * 8 + (len % 5 * 8 + 4) / 5;
}

/*
 *= https://www.rfc-editor.org/rfc/rfc4648#section-6
 *# The encoding process represents 40-bit groups of input bits as output strings of 8
 *# encoded characters. [...] Each 5-bit group is used as an index into an array of 32
 *# printable characters.
 */
void yc_base32_encode(const uint8_t *in, size_t len, char *ret_b32)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t out = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            ret_b32[out++] = alphabet[(acc >> bits) & 0x1f];
        }
        acc &= (1u << bits) - 1u;
    }
    /* RFC 4648 §6: a final partial group is padded with zero bits on the right. */
    if (bits > 0)
        ret_b32[out++] = alphabet[(acc << (5 - bits)) & 0x1f];
    ret_b32[out] = '\0';
}

yc_err yc_crypto_random(void *ret_buf, size_t len)
{
    YC_TRY(yc_crypto_init());
    if (len > 0)
        randombytes_buf(ret_buf, len);
    return YC_OK;
}

bool yc_crypto_equal(const void *a, const void *b, size_t len)
{
    return len == 0 || sodium_memcmp(a, b, len) == 0;
}
