/**
 * @file keyring.h
 * @brief Ed25519 signing keys of the attestation service (svc/attest/keyring.c): one set per
 *        purpose (attestations, status lists), sealed at rest under DATA/keys/master.key, with
 *        publication before use, rotation and retirement.
 *
 * DATA/keys/signing.json (mode 0600) is
 * `{"format":"yrdcredit-signing-keys/1","keys":[{"kid","purpose","x","created","not_before",
 * "retired_at"?,"drop_at"?,"sealed_seed"},...]}`: kid is the RFC 7638 thumbprint of x, x the
 * base64url public key, times unix seconds, sealed_seed the base64url of yc_crypto_seal() of the
 * 32-byte seed under the master key with the associated data
 * `yrdcredit signing key v1|KID|PURPOSE`.  Entries are never deleted, so a kid is never reused.
 * Writers (yc_keyring_create(), _add(), _rotate(), _retire()) hold an exclusive flock on
 * DATA/keys/signing.lock and replace the file atomically (temp file, fsync, rename, fsync of the
 * directory); readers need no lock.
 *
 * States of a key at time `now`: PUBLISHED (now < not_before: in the JWKS, does not sign),
 * ACTIVE (not_before <= now, not retired at now), RETIRED (retired_at <= now < drop_at: in the
 * JWKS, does not sign, its tokens still verify), DROPPED (drop_at <= now: out of the JWKS).
 */
#ifndef YRDCREDIT_KEYRING_H
#define YRDCREDIT_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/jose.h"

/** Most keys (all purposes and states, dropped ones included) signing.json may hold. */
#define YC_KEYRING_MAX_KEYS 1024

/** Largest signing.json accepted, in bytes. */
#define YC_KEYRING_MAX_FILE_BYTES (1024u * 1024u)

/** The "format" member of signing.json. */
#define YC_KEYRING_FORMAT "yrdcredit-signing-keys/1"

/** What a key signs (separate keys per purpose, attestations.md §2 step 5). */
typedef enum yc_key_purpose {
    YC_KEY_ATTESTATION = 1, /**< "attestation": SD-JWT VC attestations */
    YC_KEY_STATUS_LIST = 2, /**< "status_list": status list tokens */
} yc_key_purpose;

/** State of a key at a given time (see the file comment). */
typedef enum yc_key_state {
    YC_KEY_PUBLISHED = 1, /**< in the JWKS, not signing yet */
    YC_KEY_ACTIVE = 2,    /**< in the JWKS, may sign */
    YC_KEY_RETIRED = 3,   /**< in the JWKS, no longer signs */
    YC_KEY_DROPPED = 4,   /**< out of the JWKS; its tokens no longer verify here */
} yc_key_state;

/** Public description of one key; fields are read-only for callers. */
typedef struct yc_key_info {
    char kid[YC_JWK_THUMBPRINT_LEN + 1];     /**< RFC 7638 thumbprint, NUL-terminated */
    yc_key_purpose purpose;                  /**< what it signs */
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES]; /**< Ed25519 public key */
    int64_t created, not_before;             /**< unix seconds */
    int64_t retired_at, drop_at;             /**< unix seconds; 0 = not retired */
} yc_key_info;

/** A loaded keyring (public info and unsealed private keys).  Immutable once loaded; safe to
 *  share between threads.  Opaque; free with yc_keyring_free(). */
typedef struct yc_keyring yc_keyring;

/** Identity of signing.json, to notice that a writer replaced it. */
typedef struct yc_keyring_stamp {
    uint64_t dev, ino, size; /**< st_dev, st_ino, st_size (bytes) */
    int64_t mtime_ns;        /**< st_mtim in nanoseconds since the epoch */
} yc_keyring_stamp;

/**
 * @brief Name of a purpose as stored in signing.json and printed by `yrdcredit keys`.
 * @param[in] p  A purpose.
 * @return "attestation", "status_list", or "?" for any other value; static, never NULL.
 * @par Source: issue 4 scope item 2.
 */
const char *yc_key_purpose_str(yc_key_purpose p);

/**
 * @brief Parse a purpose name.
 * @param[in]  s    NUL-terminated "attestation" or "status_list".
 * @param[out] ret  The purpose.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  any other text
 * @par Source: issue 4 scope item 2.
 */
YC_MUST_USE yc_err yc_key_purpose_parse(const char *s, yc_key_purpose *ret);

/**
 * @brief Name of a state: "published", "active", "retired", "dropped" ("?" otherwise).
 * @param[in] s  A state.
 * @return Static NUL-terminated string, never NULL.
 */
const char *yc_key_state_str(yc_key_state s);

/**
 * @brief Load DATA/keys/signing.json and unseal every key with DATA/keys/master.key.
 *
 * Every entry is checked: members and types, kid and x well-formed, no duplicate kid, at most
 * YC_KEYRING_MAX_KEYS entries, retired_at and drop_at both present or both absent; then its
 * seed is opened, the key pair re-derived, and the thumbprint must equal kid and the public key
 * x.  Seeds are wiped after use; private keys live in guarded memory (yc_ed25519_key).
 *
 * @param[in]  data_dir  NUL-terminated data directory.
 * @param[out] ret       New keyring; free with yc_keyring_free().
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no signing.json or no master.key
 * @retval YC_ERR_INVALID    malformed signing.json (too large, not JSON, wrong members), or a
 *                           master.key that is not a valid key file
 * @retval YC_ERR_STORE      a seed does not open under the master key, or does not match its
 *                           kid and x
 * @retval YC_ERR_IO         a file cannot be read
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: issue 4 scope item 2; attestations.md §2, §7 (store only the sealed seed).
 */
YC_MUST_USE yc_err yc_keyring_load(const char *data_dir, yc_keyring **ret);

/**
 * @brief As yc_keyring_load(), and on failure a one-line reason for operators.
 * @param[in]  data_dir  NUL-terminated data directory.
 * @param[out] ret       New keyring; free with yc_keyring_free().
 * @param[out] why       On failure: a NUL-terminated reason naming the file and, for
 *                       YC_ERR_STORE, the kid (never secret bytes); may be NULL.
 * @param[in]  why_len   Size of @p why in bytes (0 when @p why is NULL).
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  as yc_keyring_load()
 * @retval YC_ERR_INVALID    as yc_keyring_load()
 * @retval YC_ERR_STORE      as yc_keyring_load()
 * @retval YC_ERR_IO         as yc_keyring_load()
 * @retval YC_ERR_NOMEM      as yc_keyring_load()
 * @retval YC_ERR_INTERNAL   as yc_keyring_load()
 * @par Source: issue 4 scope item 2.
 */
YC_MUST_USE yc_err yc_keyring_load_why(const char *data_dir, yc_keyring **ret, char *why,
                                       size_t why_len);

/**
 * @brief Release a keyring, wiping its private keys.
 * @param[in] kr  May be NULL (no-op).
 */
void yc_keyring_free(yc_keyring *kr);

/**
 * @brief Identity of DATA/keys/signing.json: the running service reloads the keyring when it
 *        changes (every writer replaces the file by rename, so the inode changes).
 * @param[in]  data_dir  NUL-terminated data directory.
 * @param[out] ret       The stamp.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no signing.json
 * @retval YC_ERR_IO         stat failed otherwise
 * @par Source: issue 4 scope item 2 (rotation without restart).
 */
YC_MUST_USE yc_err yc_keyring_stamp_get(const char *data_dir, yc_keyring_stamp *ret);

/**
 * @brief State of a key at @p now: DROPPED if drop_at != 0 and now >= drop_at; else RETIRED if
 *        retired_at != 0 and now >= retired_at; else PUBLISHED if now < not_before; else ACTIVE.
 * @param[in] k    The key.
 * @param[in] now  Unix seconds.
 * @return The state.
 * @par Source: attestations.md §2 (rotation procedure); issue 4 scope item 2.
 */
yc_key_state yc_keyring_state(const yc_key_info *k, int64_t now);

/**
 * @brief Number of keys in the keyring (all purposes and states).
 * @param[in] kr  The keyring.
 * @return 0..YC_KEYRING_MAX_KEYS.
 */
size_t yc_keyring_count(const yc_keyring *kr);

/**
 * @brief The @p i-th key, in file order (oldest first).
 * @param[in] kr  The keyring.
 * @param[in] i   0..yc_keyring_count() - 1.
 * @return Borrowed pointer valid until yc_keyring_free(@p kr); NULL when @p i is out of range.
 */
const yc_key_info *yc_keyring_info(const yc_keyring *kr, size_t i);

/**
 * @brief The key to sign with: of the keys of purpose @p p that are ACTIVE at @p now, the one
 *        with the latest not_before (the later in file order on a tie).
 * @param[in]  kr        The keyring.
 * @param[in]  p         Purpose.
 * @param[in]  now       Unix seconds.
 * @param[out] ret_info  Borrowed, valid until yc_keyring_free(@p kr).
 * @param[out] ret_key   Borrowed private key, valid until yc_keyring_free(@p kr).
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no ACTIVE key of that purpose
 * @par Source: attestations.md §2 step 2; issue 4 scope item 2.
 */
YC_MUST_USE yc_err yc_keyring_signer(const yc_keyring *kr, yc_key_purpose p, int64_t now,
                                     const yc_key_info **ret_info, const yc_ed25519_key **ret_key);

/**
 * @brief A key in the JWKS at @p now (PUBLISHED, ACTIVE or RETIRED), any purpose, by kid.
 * @param[in] kr   The keyring.
 * @param[in] kid  NUL-terminated kid.
 * @param[in] now  Unix seconds.
 * @return Borrowed pointer valid until yc_keyring_free(@p kr), or NULL.
 * @par Source: attestations.md §2 step 3; issue 4 scope item 6 (unknown_kid).
 */
const yc_key_info *yc_keyring_find(const yc_keyring *kr, const char *kid, int64_t now);

/**
 * @brief The JWK Set of every key in the JWKS at @p now (both purposes, file order), built by
 *        yc_attest_jwks_json(): OKP, kid, use sig, no alg.
 * @param[in]  kr        The keyring.
 * @param[in]  now       Unix seconds.
 * @param[out] ret_json  New NUL-terminated JSON, release with yc_free().
 * @param[out] ret_len   Its length in bytes without the NUL.
 * @retval YC_OK
 * @retval YC_ERR_TOO_LARGE  more than YC_ATTEST_JWKS_MAX_KEYS keys in the JWKS
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: attestations.md §2; issue 4 scope item 4 (`GET /.well-known/jwks.json`).
 */
YC_MUST_USE yc_err yc_keyring_jwks_json(const yc_keyring *kr, int64_t now, char **ret_json,
                                        size_t *ret_len);

/**
 * @brief For `yrdcredit init`: create DATA/keys/master.key (0600) unless it exists, and
 *        DATA/keys/signing.json (0600) with one key per purpose, ACTIVE at once
 *        (created = not_before = @p now).  Creates DATA/keys (0700) if missing.
 * @param[in] data_dir  NUL-terminated existing data directory.
 * @param[in] now       Unix seconds, >= 0.
 * @retval YC_OK
 * @retval YC_ERR_CONFLICT   signing.json exists (left untouched)
 * @retval YC_ERR_INVALID    @p now < 0, or master.key exists but is not a valid key file
 * @retval YC_ERR_IO         cannot create, write or sync a file
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed
 * @par Source: issue 4 scope item 2 (master key file generated by init, 0600).
 */
YC_MUST_USE yc_err yc_keyring_create(const char *data_dir, int64_t now);

/**
 * @brief Add a new key of purpose @p p (created = @p now, not_before = @p not_before) without
 *        retiring others.  If signing.json or master.key is missing, they are created first
 *        (with no other key).  A fresh seed whose kid is already in the file is replaced.
 * @param[in]  data_dir    NUL-terminated data directory.
 * @param[in]  p           Purpose.
 * @param[in]  now         Unix seconds, >= 0.
 * @param[in]  not_before  Unix seconds, >= @p now.
 * @param[out] ret_kid     The new kid, NUL-terminated.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    bad argument; or as yc_keyring_load()
 * @retval YC_ERR_TOO_LARGE  the file already holds YC_KEYRING_MAX_KEYS keys
 * @retval YC_ERR_NOT_FOUND  signing.json exists but master.key does not
 * @retval YC_ERR_STORE      as yc_keyring_load() (the file is not changed)
 * @retval YC_ERR_IO         cannot lock, write or sync
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed
 * @par Source: issue 4 scope item 2 (`yrdcredit keys new`).
 */
YC_MUST_USE yc_err yc_keyring_add(const char *data_dir, yc_key_purpose p, int64_t now,
                                  int64_t not_before,
                                  char ret_kid[static YC_JWK_THUMBPRINT_LEN + 1]);

/**
 * @brief Rotate the keys of purpose @p p: add a key with not_before = @p now + @p publish_s, and
 *        give every older key of that purpose without a retired_at retired_at = that not_before
 *        and drop_at = retired_at + @p max_validity_s + @p grace_s.  Creates missing files as
 *        yc_keyring_add() does.
 * @param[in]  data_dir        NUL-terminated data directory.
 * @param[in]  p               Purpose.
 * @param[in]  now             Unix seconds, >= 0.
 * @param[in]  publish_s       Seconds the new key is published before it signs, >= 0.
 * @param[in]  max_validity_s  Longest validity of a token the old key can have signed, >= 0.
 * @param[in]  grace_s         Extra seconds in the JWKS after that, >= 0.
 * @param[out] ret_kid         The new kid, NUL-terminated.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    bad argument; or as yc_keyring_load()
 * @retval YC_ERR_TOO_LARGE  the file already holds YC_KEYRING_MAX_KEYS keys
 * @retval YC_ERR_NOT_FOUND  signing.json exists but master.key does not
 * @retval YC_ERR_STORE      as yc_keyring_load()
 * @retval YC_ERR_IO         cannot lock, write or sync
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed
 * @par Source: attestations.md §2 (rotation procedure); issue 4 scope item 2.
 */
YC_MUST_USE yc_err yc_keyring_rotate(const char *data_dir, yc_key_purpose p, int64_t now,
                                     int64_t publish_s, int64_t max_validity_s, int64_t grace_s,
                                     char ret_kid[static YC_JWK_THUMBPRINT_LEN + 1]);

/**
 * @brief Retire key @p kid at @p now: retired_at = @p now, drop_at = @p now + @p max_validity_s
 *        + @p grace_s (a retirement scheduled later by a rotation is brought forward).
 * @param[in] data_dir        NUL-terminated data directory.
 * @param[in] kid             NUL-terminated kid.
 * @param[in] now             Unix seconds, >= 0.
 * @param[in] max_validity_s  Seconds, >= 0.
 * @param[in] grace_s         Seconds, >= 0.
 * @param[in] force           Retire even if no ACTIVE or PUBLISHED key of that purpose remains.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such kid (or no signing.json / master.key)
 * @retval YC_ERR_CONFLICT   already retired at @p now, or (without @p force) retiring it would
 *                           leave its purpose with no ACTIVE or PUBLISHED key
 * @retval YC_ERR_INVALID    bad argument; or as yc_keyring_load()
 * @retval YC_ERR_STORE      as yc_keyring_load()
 * @retval YC_ERR_IO         cannot lock, write or sync
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium failed
 * @par Source: attestations.md §2 step 3; issue 4 scope item 2 (`yrdcredit keys retire`).
 */
YC_MUST_USE yc_err yc_keyring_retire(const char *data_dir, const char *kid, int64_t now,
                                     int64_t max_validity_s, int64_t grace_s, bool force);

#endif
