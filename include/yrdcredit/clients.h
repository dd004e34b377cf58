/**
 * @file clients.h
 * @brief The client registry (svc/auth/): who may call the API, with which role, and the keyed
 *        hash of each client's bearer token (issue 6 scope item 1).
 *
 * The registry is the file DATA/clients.json:
 *
 * @code
 * {"format": "yrdcredit-clients-v1",
 *  "clients": [
 *   {"id": "cl_0123456789abcdef",      "cl_" + 16 base64url characters, random, unique
 *    "role": "provider",               admin | provider | partner | fi | subject
 *    "name": "Yiwu Market Authority",  1..YC_CLIENT_NAME_MAX bytes of UTF-8 without C0/DEL
 *    "authorities": ["91330782..."],   providers only (and required): 1..YC_CLIENT_MAX_AUTHORITIES
 *                                      distinct valid USCCs (yc_uscc_is_valid())
 *    "subject": "P...",                subject role only (and required): a yc_subject_id_is_valid()
 *    "issuer": "https://...",          partner role only, optional: the partner's issuer URL in
 *                                      the trust registry (DATA/trust/partners.json); when its
 *                                      entry lists mtls_spki_sha256 pins, the client must
 *                                      present a pinned TLS certificate (docs/mtls.md)
 * id "created_at": 1796000000,         seconds since the epoch, >= 0 "revoked_at": null, null, or
 * seconds since the epoch (>= created_at) "token_hash": "..."}              base64url (43
 * characters) of yc_crypto_keyed_hash() of the
 *  ]}                                  token text under DATA/keys/clients.key
 * @endcode
 *
 * No other member is allowed; a member of the wrong role ("authorities" on an fi client, for
 * example) is refused.  The token itself is never stored: `yc_` + 43 base64url characters of 32
 * random bytes (YC_CLIENT_TOKEN_LEN characters), returned once by yc_clients_add().
 *
 * DATA/keys/clients.key holds the 32-byte hash key (mode 0600, created by the first
 * yc_clients_add(); refused when group or others may read it).  Writers (yc_clients_add(),
 * yc_clients_revoke()) hold an exclusive flock on DATA/clients.lock and replace clients.json
 * atomically (temporary file, fsync, rename, fsync of the directory); readers need no lock.
 */
#ifndef YRDCREDIT_CLIENTS_H
#define YRDCREDIT_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/crypto.h"
#include "yrdcredit/err.h"

/** Value of the registry's "format" member. */
#define YC_CLIENTS_FORMAT "yrdcredit-clients-v1"
/** Most clients in one registry (revoked ones count). */
#define YC_CLIENTS_MAX 10000
/** Most authorities (USCCs) of one provider client. */
#define YC_CLIENT_MAX_AUTHORITIES 64
/** Longest client name in bytes, without the NUL. */
#define YC_CLIENT_NAME_MAX 64
/** Largest accepted DATA/clients.json in bytes (10000 clients of 64 authorities fit). */
#define YC_CLIENTS_MAX_FILE_BYTES (16u * 1024u * 1024u)
/** Length of a client id in characters without the NUL: "cl_" + 16 base64url characters. */
#define YC_CLIENT_ID_LEN 19
/** Length of a bearer token in characters without the NUL: "yc_" + 43 base64url characters. */
#define YC_CLIENT_TOKEN_LEN 46
/** Length of a USCC in characters, without the NUL. */
#define YC_CLIENT_USCC_LEN 18
/** Longest partner issuer URL in bytes without the NUL (as YC_CONFIG_ISSUER_MAX). */
#define YC_CLIENT_ISSUER_MAX 255
/** Longest subject id in characters without the NUL (a pseudonym; a USCC has 18). */
#define YC_CLIENT_SUBJECT_MAX 33

/** What a client may do (the route × role table is issue 6's authorization table). */
typedef enum yc_client_role {
    YC_ROLE_ADMIN = 0, /**< Operator: every route. */
    YC_ROLE_PROVIDER,  /**< Data provider: submits records of its own authorities. */
    YC_ROLE_PARTNER,   /**< Partner city: verifies and decides. */
    YC_ROLE_FI,        /**< Financial institution: queries for a stated purpose. */
    YC_ROLE_SUBJECT,   /**< A merchant or a person, bound to one subject id (city SSO). */
} yc_client_role;

/** One client of a loaded registry.  Fields are read-only for users of a snapshot. */
typedef struct yc_client {
    char id[YC_CLIENT_ID_LEN + 1];     /**< "cl_…", NUL-terminated. */
    yc_client_role role;               /**< The role. */
    char name[YC_CLIENT_NAME_MAX + 1]; /**< NUL-terminated. */
    size_t n_authorities;              /**< Entries of @ref authorities (providers only). */
    char (*authorities)[YC_CLIENT_USCC_LEN + 1]; /**< USCCs, NUL-terminated; NULL when none. */
    char subject[YC_CLIENT_SUBJECT_MAX + 1];     /**< Subject id (subject role), else "". */
    /** Partner role: its trust-registry issuer URL, NUL-terminated; NULL if none. */
    char *issuer;
    int64_t created_at;                      /**< Seconds since the epoch. */
    int64_t revoked_at;                      /**< Seconds since the epoch; -1 when not revoked. */
    uint8_t token_hash[YC_KEYED_HASH_BYTES]; /**< Keyed hash of the token. */
} yc_client;

/** An immutable snapshot of the registry (opaque); free with yc_clients_free(). */
typedef struct yc_clients yc_clients;

/** What yc_clients_add() registers; strings are NUL-terminated and borrowed for the call. */
typedef struct yc_client_spec {
    yc_client_role role;            /**< The role. */
    const char *name;               /**< 1..YC_CLIENT_NAME_MAX bytes, printable UTF-8. */
    const char *const *authorities; /**< Providers: 1..YC_CLIENT_MAX_AUTHORITIES distinct USCCs. */
    size_t n_authorities;           /**< Entries of @p authorities; 0 for other roles. */
    const char *subject;            /**< Subject role: the subject id; NULL for other roles. */
    const char *issuer; /**< Partner role, optional: its issuer URL in the trust registry
                             (http(s), 1..YC_CLIENT_ISSUER_MAX bytes of 0x21..0x7e); NULL if
                             none, and for other roles. */
} yc_client_spec;

/**
 * @brief API name of a role.
 * @param[in] role  Any value.
 * @return "admin", "provider", "partner", "fi", "subject", or "unknown"; static, never NULL.
 * @par Source: issue 6 scope item 1.
 */
const char *yc_client_role_str(yc_client_role role);

/**
 * @brief Role from its API name (exact, lower case).
 * @param[in]  s    NUL-terminated text.
 * @param[out] ret  The role.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  not one of the five names
 */
YC_MUST_USE yc_err yc_client_role_parse(const char *s, yc_client_role *ret);

/**
 * @brief Load DATA/clients.json and DATA/keys/clients.key into an immutable snapshot.
 *
 * A missing clients.json is an empty registry (and the key is then not needed).  The snapshot
 * does not change when the file does: the server compares yc_clients_stamp() and loads again.
 *
 * @param[in]  data_dir  Data directory, NUL-terminated.
 * @param[out] ret       New snapshot; free with yc_clients_free().  Not written on failure.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    malformed registry (member: yc_clients_error_field()), or the key
 *                           file is not a 32-byte regular file of mode 0600 or stricter
 * @retval YC_ERR_TOO_LARGE  clients.json is larger than YC_CLIENTS_MAX_FILE_BYTES or holds more
 *                           than YC_CLIENTS_MAX clients or a client more than
 *                           YC_CLIENT_MAX_AUTHORITIES authorities
 * @retval YC_ERR_NOT_FOUND  clients.json exists but DATA/keys/clients.key does not
 * @retval YC_ERR_IO         a file cannot be read
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 6 scope item 1.
 */
YC_MUST_USE yc_err yc_clients_load(const char *data_dir, yc_clients **ret);

/**
 * @brief The member the last failing yc_clients_load(), _add() or _revoke() on this thread
 *        complained about, e.g. "clients[3].authorities[0]" or "format".
 * @return A thread-local NUL-terminated string, "" if none; valid until the next such call.
 */
const char *yc_clients_error_field(void);

/**
 * @brief Number of clients in a snapshot (revoked ones included).
 * @param[in] c  The snapshot.
 * @return 0..YC_CLIENTS_MAX.
 */
size_t yc_clients_count(const yc_clients *c);

/**
 * @brief A client of a snapshot, in file order (the order they were added).
 * @param[in] c  The snapshot.
 * @param[in] i  Index, < yc_clients_count(@p c).
 * @return The client, owned by @p c and valid until yc_clients_free(@p c).
 */
const yc_client *yc_clients_at(const yc_clients *c, size_t i);

/**
 * @brief Find a client by id (revoked ones included).
 * @param[in] c   The snapshot.
 * @param[in] id  NUL-terminated id.
 * @return The client (owned by @p c), or NULL when there is none.
 */
const yc_client *yc_clients_find(const yc_clients *c, const char *id);

/**
 * @brief Authenticate a bearer token: the active client whose stored hash equals the keyed hash
 *        of @p token.
 *
 * A token of the wrong shape (not `yc_` + 43 characters of canonical base64url of 32 bytes) is
 * refused before hashing.  The hash is located by binary search over the sorted hashes (the
 * position of an unknown token's keyed hash tells an attacker nothing usable without the key),
 * and the final comparison is constant-time (yc_crypto_equal()).
 *
 * @param[in]  c      The snapshot.
 * @param[in]  token  Token bytes, not necessarily NUL-terminated (untrusted input).
 * @param[in]  len    Length of @p token in bytes.
 * @param[out] ret    The client (owned by @p c, valid until yc_clients_free(@p c)).
 * @retval YC_OK
 * @retval YC_ERR_INVALID    the token has the wrong shape
 * @retval YC_ERR_NOT_FOUND  no client has this token, or its client is revoked
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: issue 6 scope item 1; RFC 6750 §2.1 (bearer tokens).
 */
YC_MUST_USE yc_err yc_clients_authenticate(const yc_clients *c, const char *token, size_t len,
                                           const yc_client **ret);

/**
 * @brief Release a snapshot.
 * @param[in] c  May be NULL.
 */
void yc_clients_free(yc_clients *c);

/**
 * @brief A stamp that changes when clients.json or keys/clients.key changes (mtime in ns,
 *        size, inode; a missing file counts too), for the server's reload within 1 s.
 * @param[in]  data_dir  Data directory, NUL-terminated.
 * @param[out] ret       The stamp (FNV-1a 64 over the stat fields).
 * @retval YC_OK
 * @retval YC_ERR_INVALID  the data directory path is too long
 * @par Source: issue 6 scope item 1 ("takes effect in the running server within 1 s").
 */
YC_MUST_USE yc_err yc_clients_stamp(const char *data_dir, uint64_t *ret);

/**
 * @brief Register a new client and make its bearer token.
 *
 * Under the lock: creates DATA/keys/clients.key (0600) if missing, reads and checks the
 * registry, appends the client with a fresh random id and token, and writes the file back.
 *
 * @param[in]  data_dir   Data directory (must exist), NUL-terminated.
 * @param[in]  spec       The client; checked as the file format above says.
 * @param[in]  now        Seconds since the epoch (created_at), >= 0.
 * @param[out] ret_id     YC_CLIENT_ID_LEN + 1 bytes; the new id, NUL-terminated.
 * @param[out] ret_token  YC_CLIENT_TOKEN_LEN + 1 bytes; the token, NUL-terminated.  It is never
 *                        stored: the caller shows it once and wipes it.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p spec is invalid (field: yc_clients_error_field(): "name",
 *                           "authorities[i]", "subject", "issuer", "role"), or the registry
 *                           on disk is malformed, or the key file is readable by others
 * @retval YC_ERR_TOO_LARGE  the registry already holds YC_CLIENTS_MAX clients, or @p spec has
 *                           more than YC_CLIENT_MAX_AUTHORITIES authorities
 * @retval YC_ERR_IO         a file system call failed (the old registry is kept)
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   libsodium could not be initialised
 * @par Source: issue 6 scope item 1 (`yrdcredit clients add`).
 */
YC_MUST_USE yc_err yc_clients_add(const char *data_dir, const yc_client_spec *spec, int64_t now,
                                  char ret_id[static YC_CLIENT_ID_LEN + 1],
                                  char ret_token[static YC_CLIENT_TOKEN_LEN + 1]);

/**
 * @brief Revoke a client: sets its revoked_at; it stays listed and its token stops working.
 * @param[in] data_dir  Data directory, NUL-terminated.
 * @param[in] id        NUL-terminated client id.
 * @param[in] now       Seconds since the epoch (revoked_at), >= the client's created_at.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such client (or no registry)
 * @retval YC_ERR_CONFLICT   the client is already revoked
 * @retval YC_ERR_INVALID    the registry on disk is malformed, or @p now < created_at
 * @retval YC_ERR_TOO_LARGE  the registry on disk exceeds a limit
 * @retval YC_ERR_IO         a file system call failed (the old registry is kept)
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: issue 6 scope item 1 (`yrdcredit clients revoke`).
 */
YC_MUST_USE yc_err yc_clients_revoke(const char *data_dir, const char *id, int64_t now);

#endif
