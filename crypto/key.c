/* Everything that touches secret key bytes: 32-byte key files (mode 0600), keys in
 * sodium_malloc'd memory, pseudonyms (keyed BLAKE2b) and sealing (XChaCha20-Poly1305). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"

/* Allocated with sodium_malloc (guard pages, mlock'd), read-only after filling. */
struct yc_crypto_key {
    uint8_t bytes[YC_CRYPTO_KEY_BYTES];
};

static yc_err key_alloc(yc_crypto_key **ret_key)
{
    YC_TRY(yc_crypto_init());
    /* Keys stay in sodium_malloc memory (STYLE.md §4.4); the fail hook still counts them. */
    YC_ENSURE(yc_alloc_admit(), YC_ERR_NOMEM);
    yc_crypto_key *key = sodium_malloc(sizeof *key);
    YC_ENSURE(key != NULL, YC_ERR_NOMEM);
    *ret_key = key;
    return YC_OK;
}

void yc_crypto_key_free(yc_crypto_key *key)
{
    /* sodium_free makes the region writable, wipes it with sodium_memzero and unmaps it. */
    if (key != NULL)
        sodium_free(key);
}

yc_err yc_crypto_key_from_bytes(const uint8_t raw[static YC_CRYPTO_KEY_BYTES],
                                yc_crypto_key **ret_key)
{
    yc_crypto_key *key = NULL;
    YC_TRY(key_alloc(&key));
    for (size_t i = 0; i < YC_CRYPTO_KEY_BYTES; i++)
        key->bytes[i] = raw[i];
    sodium_mprotect_readonly(key);
    *ret_key = key;
    return YC_OK;
}

static yc_err write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        YC_ENSURE(n > 0, YC_ERR_IO);
        buf += n;
        len -= (size_t)n;
    }
    return YC_OK;
}

yc_err yc_crypto_key_generate_file(const char *path)
{
    YC_TRY(yc_crypto_init());
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? YC_ERR_CONFLICT : YC_ERR_IO;
    uint8_t raw[YC_CRYPTO_KEY_BYTES];
    randombytes_buf(raw, sizeof raw);
    yc_err rv = write_all(fd, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    if (rv == YC_OK && fsync(fd) != 0)
        rv = YC_ERR_IO;
    if (close(fd) != 0 && rv == YC_OK)
        rv = YC_ERR_IO;
    if (rv != YC_OK)
        (void)unlink(path);
    return rv;
}

static yc_err read_exact(int fd, uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        YC_ENSURE(n >= 0, YC_ERR_IO);
        YC_ENSURE(n > 0, YC_ERR_INVALID); /* shorter than its fstat size said: changed under us */
        buf += n;
        len -= (size_t)n;
    }
    return YC_OK;
}

yc_err yc_crypto_key_load(const char *path, yc_crypto_key **ret_key)
{
    yc_crypto_key *key = NULL;
    YC_TRY(key_alloc(&key));
    yc_err rv = YC_OK;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        rv = errno == ENOENT ? YC_ERR_NOT_FOUND : errno == ELOOP ? YC_ERR_INVALID : YC_ERR_IO;
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rv = YC_ERR_IO;
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size != YC_CRYPTO_KEY_BYTES || (st.st_mode & 077) != 0) {
        rv = YC_ERR_INVALID;
        goto out;
    }
    rv = read_exact(fd, key->bytes, YC_CRYPTO_KEY_BYTES);
out:
    if (fd >= 0)
        (void)close(fd);
    if (rv != YC_OK) {
        yc_crypto_key_free(key);
        return rv;
    }
    sodium_mprotect_readonly(key);
    *ret_key = key;
    return YC_OK;
}

/* ---- pseudonyms and sealing ---- */

_Static_assert(YC_SEAL_OVERHEAD == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                                       crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "seal layout: nonce || ciphertext || tag");
_Static_assert(YC_CRYPTO_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "seal key");
_Static_assert(YC_CRYPTO_KEY_BYTES >= crypto_generichash_KEYBYTES_MIN &&
                   YC_CRYPTO_KEY_BYTES <= crypto_generichash_KEYBYTES_MAX,
               "pseudonym key");
_Static_assert(YC_PSEUDONYM_HASH_BYTES >= crypto_generichash_BYTES_MIN, "BLAKE2b output");
_Static_assert(YC_PSEUDONYM_LEN == 1 + (YC_PSEUDONYM_HASH_BYTES * 8 + 4) / 5,
               "'P' + base32 of 20 bytes = 33 characters");

enum { DOC_TYPE_MAX = 64, COUNTRY_MAX = 3, NUMBER_MAX = 32 };

/* Append one '|'-free component of 1..max bytes (0 allowed when allow_empty). */
static yc_err put_part(char *buf, size_t *pos, const char *part, size_t max, bool allow_empty)
{
    size_t len = strnlen(part, max + 1);
    YC_ENSURE(len <= max, YC_ERR_INVALID);
    YC_ENSURE(len > 0 || allow_empty, YC_ERR_INVALID);
    YC_ENSURE(memchr(part, '|', len) == NULL, YC_ERR_INVALID);
    memcpy(buf + *pos, part, len);
    *pos += len;
    return YC_OK;
}

/*
 * ARCHITECTURE.md "Identifiers": subject_id = 'P' + RFC 4648 base32 (upper case, no padding)
 * of a 20-byte keyed BLAKE2b of the UTF-8 string doc_type|country|normalized_number.
 */
yc_err yc_crypto_pseudonym(const yc_crypto_key *key, const char *doc_type, const char *country,
                           const char *number, char ret_id[static YC_PSEUDONYM_LEN + 1])
{
    YC_TRY(yc_crypto_init());
    char msg[DOC_TYPE_MAX + 1 + COUNTRY_MAX + 1 + NUMBER_MAX];
    size_t len = 0;
    YC_TRY(put_part(msg, &len, doc_type, DOC_TYPE_MAX, false));
    msg[len++] = '|';
    YC_TRY(put_part(msg, &len, country, COUNTRY_MAX, true));
    msg[len++] = '|';
    YC_TRY(put_part(msg, &len, number, NUMBER_MAX, false));

    uint8_t digest[YC_PSEUDONYM_HASH_BYTES];
    if (crypto_generichash(digest, sizeof digest, (const unsigned char *)msg, len, key->bytes,
                           YC_CRYPTO_KEY_BYTES) != 0) {
        sodium_memzero(msg, sizeof msg);
        return YC_ERR_INTERNAL;
    }
    sodium_memzero(msg, sizeof msg); /* holds a document number */
    ret_id[0] = 'P';
    yc_base32_encode(digest, sizeof digest, ret_id + 1);
    return YC_OK;
}

yc_err yc_crypto_seal(const yc_crypto_key *key, const uint8_t *msg, size_t msg_len,
                      const uint8_t *ad, size_t ad_len, uint8_t *ret_sealed)
{
    YC_TRY(yc_crypto_init());
    YC_ENSURE(msg_len <= YC_SEAL_MAX_PLAINTEXT, YC_ERR_TOO_LARGE);
    static const unsigned char empty[1];
    uint8_t *nonce = ret_sealed;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_encrypt(
        ret_sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, msg != NULL ? msg : empty,
        (unsigned long long)msg_len, ad != NULL ? ad : empty, (unsigned long long)ad_len, NULL,
        nonce, key->bytes);
    YC_ENSURE(rc == 0 && clen == msg_len + crypto_aead_xchacha20poly1305_ietf_ABYTES,
              YC_ERR_INTERNAL);
    return YC_OK;
}

yc_err yc_crypto_open(const yc_crypto_key *key, const uint8_t *sealed, size_t sealed_len,
                      const uint8_t *ad, size_t ad_len, uint8_t *ret_msg)
{
    YC_TRY(yc_crypto_init());
    YC_ENSURE(sealed_len >= YC_SEAL_OVERHEAD, YC_ERR_STORE);
    size_t msg_len = sealed_len - YC_SEAL_OVERHEAD;
    YC_ENSURE(msg_len <= YC_SEAL_MAX_PLAINTEXT, YC_ERR_TOO_LARGE);
    static const unsigned char empty[1];
    unsigned long long mlen = 0;
    const uint8_t *nonce = sealed;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
        ret_msg, &mlen, NULL, sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
        (unsigned long long)(sealed_len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES),
        ad != NULL ? ad : empty, (unsigned long long)ad_len, nonce, key->bytes);
    if (rc != 0 || mlen != msg_len) {
        sodium_memzero(ret_msg, msg_len);
        return YC_ERR_STORE;
    }
    return YC_OK;
}

/* ---- keyed hash of secrets at rest ---- */

yc_err yc_crypto_keyed_hash(const yc_crypto_key *key, const void *msg, size_t len,
                            uint8_t ret_hash[static YC_KEYED_HASH_BYTES])
{
    YC_TRY(yc_crypto_init());
    static const unsigned char empty[1];
    uint8_t h[YC_KEYED_HASH_BYTES];
    if (crypto_generichash(h, sizeof h, msg != NULL ? msg : empty, (unsigned long long)len,
                           key->bytes, YC_CRYPTO_KEY_BYTES) != 0)
        return YC_ERR_INTERNAL;
    memcpy(ret_hash, h, sizeof h);
    sodium_memzero(h, sizeof h);
    return YC_OK;
}
