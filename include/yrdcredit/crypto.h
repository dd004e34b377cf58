/**
 * @file crypto.h
 * @brief The only interface to libsodium (crypto/): hashing, encodings, random bytes,
 *        key files, pseudonyms of natural persons and sealing of data at rest.
 *
 * No libsodium type or constant appears here.  Secret keys live in sodium_malloc'd
 * memory (guard pages, mlock'd, read-only once loaded) behind the opaque yc_crypto_key
 * and are wiped with sodium_memzero when freed.
 */
#ifndef YRDCREDIT_CRYPTO_H
#define YRDCREDIT_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"

/** Length of a secret key in bytes (pseudonym key and seal key alike). */
#define YC_CRYPTO_KEY_BYTES 32
/** Length of the keyed BLAKE2b digest a pseudonym encodes, in bytes. */
#define YC_PSEUDONYM_HASH_BYTES 20
/** Length of a pseudonym in characters without the NUL: 'P' + 32 base32 characters. */
#define YC_PSEUDONYM_LEN 33
/** Bytes a sealed box adds to its plaintext: 24-byte nonce + 16-byte Poly1305 tag. */
#define YC_SEAL_OVERHEAD 40
/** Largest plaintext yc_crypto_seal() accepts, in bytes. */
#define YC_SEAL_MAX_PLAINTEXT 65536

/** A 32-byte secret key in guarded memory.  Opaque; free with yc_crypto_key_free(). */
typedef struct yc_crypto_key yc_crypto_key;

/**
 * @brief Initialise libsodium (sodium_init).  Idempotent and thread-safe; every other
 *        function of this header calls it as needed, so calling it first is optional
 *        (except for yc_crypto_sha256() and yc_hex_encode(), which need no initialisation).
 * @retval YC_OK
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: libsodium documentation, "Usage" (sodium_init).
 */
YC_MUST_USE yc_err yc_crypto_init(void);

/**
 * @brief SHA-256 of a byte string.
 * @param[in]  data        Input bytes; may be NULL when @p len is 0.
 * @param[in]  len         Length of @p data in bytes.
 * @param[out] ret_digest  32 bytes.
 * @par Source: FIPS 180-4.
 */
void yc_crypto_sha256(const void *data, size_t len, uint8_t ret_digest[static 32]);

/**
 * @brief Lower-case hexadecimal encoding.
 * @param[in]  in       Input bytes; may be NULL when @p len is 0.
 * @param[in]  len      Length of @p in in bytes.
 * @param[out] ret_hex  2 * @p len + 1 bytes; NUL-terminated on return.
 * @par Source: RFC 4648 §8 (alphabet in lower case).
 */
void yc_hex_encode(const uint8_t *in, size_t len, char *ret_hex);

/**
 * @brief RFC 4648 base32: upper-case alphabet A–Z 2–7, no padding.
 * @param[in]  in       Input bytes; may be NULL when @p len is 0.
 * @param[in]  len      Length of @p in in bytes, at most SIZE_MAX / 2.
 * @param[out] ret_b32  yc_base32_encoded_len(@p len) + 1 bytes; NUL-terminated on return.
 * @par Source: RFC 4648 §6 (padding omitted as §3.2 permits).
 */
void yc_base32_encode(const uint8_t *in, size_t len, char *ret_b32);

/**
 * @brief Number of characters yc_base32_encode() writes for @p len bytes, without the NUL:
 *        ceil(8 * @p len / 5).
 * @param[in] len  Input length in bytes, at most SIZE_MAX / 2.
 * @return The encoded length in characters.
 */
size_t yc_base32_encoded_len(size_t len);

/**
 * @brief Fill a buffer with cryptographically secure random bytes (randombytes_buf).
 * @param[out] ret_buf  @p len bytes.
 * @param[in]  len      Length in bytes; 0 writes nothing.
 * @retval YC_OK
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 */
YC_MUST_USE yc_err yc_crypto_random(void *ret_buf, size_t len);

/**
 * @brief Constant-time comparison of two byte strings of equal length (sodium_memcmp);
 *        use it for secrets and authenticators.
 * @param[in] a    @p len bytes.
 * @param[in] b    @p len bytes.
 * @param[in] len  Length in bytes.
 * @return true when the bytes are equal.
 */
bool yc_crypto_equal(const void *a, const void *b, size_t len);

/**
 * @brief Create a new key file holding YC_CRYPTO_KEY_BYTES random bytes.
 *
 * The file is created with open(O_CREAT | O_EXCL | O_NOFOLLOW, 0600), written, fsync'd and
 * closed; the process umask can only remove permissions.  The parent directory must exist.
 * On any failure after creation the file is unlinked.
 *
 * @param[in] path  NUL-terminated file path.
 * @retval YC_OK
 * @retval YC_ERR_CONFLICT  @p path already exists (it is left untouched)
 * @retval YC_ERR_IO        cannot create, write or sync the file
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 */
YC_MUST_USE yc_err yc_crypto_key_generate_file(const char *path);

/**
 * @brief Load a key file written by yc_crypto_key_generate_file().
 *
 * The file must be a regular file (symbolic links are not followed), exactly
 * YC_CRYPTO_KEY_BYTES long, and grant no permission to group or others (mode & 077 == 0).
 *
 * @param[in]  path     NUL-terminated file path.
 * @param[out] ret_key  New key in guarded memory; free with yc_crypto_key_free().
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such file
 * @retval YC_ERR_IO         cannot open or read it
 * @retval YC_ERR_INVALID    not a regular file, wrong size, or readable/writable by group or others
 * @retval YC_ERR_NOMEM      sodium_malloc failed
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 */
YC_MUST_USE yc_err yc_crypto_key_load(const char *path, yc_crypto_key **ret_key);

/**
 * @brief Make a key from raw bytes (tests and key derivation); the caller wipes its copy.
 * @param[in]  raw      YC_CRYPTO_KEY_BYTES bytes.
 * @param[out] ret_key  New key in guarded memory; free with yc_crypto_key_free().
 * @retval YC_OK
 * @retval YC_ERR_NOMEM     sodium_malloc failed
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 */
YC_MUST_USE yc_err yc_crypto_key_from_bytes(const uint8_t raw[static YC_CRYPTO_KEY_BYTES],
                                            yc_crypto_key **ret_key);

/**
 * @brief Wipe and release a key.
 * @param[in] key  May be NULL (no-op).
 */
void yc_crypto_key_free(yc_crypto_key *key);

/**
 * @brief Pseudonymous subject id of a natural person.
 *
 * `P` + RFC 4648 base32 (upper case, no padding) of the 20-byte keyed BLAKE2b
 * (crypto_generichash, key = @p key) of the UTF-8 string `doc_type|country|number`,
 * which gives YC_PSEUDONYM_LEN (33) characters.  The caller passes normalized values; this
 * function does not normalize (the same person must always be given the same bytes).
 *
 * @param[in]  key       Pseudonym key of the instance.
 * @param[in]  doc_type  NUL-terminated API name of the document type (yc_doc_type_str()),
 *                       1..64 bytes, no '|'.
 * @param[in]  country   NUL-terminated issuing country (alpha-3 for passports), "" for
 *                       Chinese documents; 0..3 bytes, no '|'.
 * @param[in]  number    NUL-terminated normalized document number, 1..32 bytes, no '|'.
 * @param[out] ret_id    YC_PSEUDONYM_LEN + 1 bytes; NUL-terminated; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID   an argument is empty (other than @p country), too long or contains '|'
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: ARCHITECTURE.md "Identifiers"; RFC 7693 (BLAKE2b, keyed); RFC 4648 §6.
 */
YC_MUST_USE yc_err yc_crypto_pseudonym(const yc_crypto_key *key, const char *doc_type,
                                       const char *country, const char *number,
                                       char ret_id[static YC_PSEUDONYM_LEN + 1]);

/**
 * @brief Seal data at rest with XChaCha20-Poly1305 (IETF): a fresh random 24-byte nonce,
 *        then the ciphertext and the 16-byte tag.
 * @param[in]  key         Seal key.
 * @param[in]  msg         Plaintext; may be NULL when @p msg_len is 0.
 * @param[in]  msg_len     Length of @p msg in bytes, 0..YC_SEAL_MAX_PLAINTEXT.
 * @param[in]  ad          Associated data bound to the box (e.g. the subject_id); may be
 *                         NULL when @p ad_len is 0.  Not stored in the box.
 * @param[in]  ad_len      Length of @p ad in bytes.
 * @param[out] ret_sealed  @p msg_len + YC_SEAL_OVERHEAD bytes; must not overlap @p msg.
 * @retval YC_OK
 * @retval YC_ERR_TOO_LARGE  @p msg_len > YC_SEAL_MAX_PLAINTEXT
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: RFC 8439 (ChaCha20-Poly1305); draft-irtf-cfrg-xchacha (XChaCha20).
 */
YC_MUST_USE yc_err yc_crypto_seal(const yc_crypto_key *key, const uint8_t *msg, size_t msg_len,
                                  const uint8_t *ad, size_t ad_len, uint8_t *ret_sealed);

/**
 * @brief Open a box made by yc_crypto_seal() with the same key and associated data.
 * @param[in]  key         Seal key.
 * @param[in]  sealed      The box: nonce, ciphertext, tag.
 * @param[in]  sealed_len  Length of @p sealed in bytes.
 * @param[in]  ad          Associated data; may be NULL when @p ad_len is 0.
 * @param[in]  ad_len      Length of @p ad in bytes.
 * @param[out] ret_msg     @p sealed_len - YC_SEAL_OVERHEAD bytes; must not overlap @p sealed.
 *                         On failure it holds zeros (never unauthenticated plaintext).
 * @retval YC_OK
 * @retval YC_ERR_STORE     shorter than YC_SEAL_OVERHEAD, or authentication failed: the box was
 *                          altered, the associated data differs, or the key is wrong (data at
 *                          rest is corrupt, never a client's authentication error)
 * @retval YC_ERR_TOO_LARGE  the plaintext would exceed YC_SEAL_MAX_PLAINTEXT
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: STYLE.md §4.3 (libsodium -1 at rest → YC_ERR_STORE).
 */
YC_MUST_USE yc_err yc_crypto_open(const yc_crypto_key *key, const uint8_t *sealed,
                                  size_t sealed_len, const uint8_t *ad, size_t ad_len,
                                  uint8_t *ret_msg);

/** Length of a keyed hash from yc_crypto_keyed_hash(), in bytes. */
#define YC_KEYED_HASH_BYTES 32

/**
 * @brief Keyed hash of a secret kept at rest (e.g. a client's bearer token): the 32-byte
 *        keyed BLAKE2b (crypto_generichash, key = @p key) of @p msg.
 *
 * Without the key the digest tells nothing about the secret and cannot be tested against
 * guesses offline; compare two digests with yc_crypto_equal().
 *
 * @param[in]  key       Hash key (e.g. DATA/keys/clients.key loaded by yc_crypto_key_load()).
 * @param[in]  msg       Bytes to hash; may be NULL when @p len is 0.
 * @param[in]  len       Length of @p msg in bytes.
 * @param[out] ret_hash  YC_KEYED_HASH_BYTES bytes; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INTERNAL  libsodium could not be initialised
 * @par Source: RFC 7693 (BLAKE2b, keyed mode as a MAC); issue 6 scope item 1 ("only a keyed
 *      hash is stored").
 */
YC_MUST_USE yc_err yc_crypto_keyed_hash(const yc_crypto_key *key, const void *msg, size_t len,
                                        uint8_t ret_hash[static YC_KEYED_HASH_BYTES]);

#endif
