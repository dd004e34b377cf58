/**
 * @file tls.h
 * @brief svc/h2 internal: the TLS layer of the public listener (OpenSSL).  server.c drives it
 *        on non-blocking sockets; nothing outside svc/h2 sees OpenSSL.
 *
 * Policy (issue 3 item 1; http2.md §1.5, §2.2): TLS 1.2 and 1.3 only, no compression, no
 * renegotiation, server cipher preference; ALPN selects `h2` and nothing else: a client that
 * offers ALPN without `h2` receives the fatal alert no_application_protocol (RFC 7301 §3.2), and
 * a client that offers no ALPN at all fails yc_tls_handshake() after the handshake (the
 * server must not guess HTTP/1.1).
 *
 * Return codes of the I/O functions are small negative numbers, never errno.
 */
#ifndef YRDCREDIT_SVC_H2_TLS_H
#define YRDCREDIT_SVC_H2_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "yrdcredit/err.h"

/** I/O results of yc_tls_handshake(), yc_tls_read() and yc_tls_write(). */
enum {
    YC_TLS_DONE = 0,        /**< handshake finished with ALPN `h2` */
    YC_TLS_WANT_READ = -1,  /**< retry when the socket is readable */
    YC_TLS_WANT_WRITE = -2, /**< retry when the socket is writable */
    YC_TLS_CLOSED = -3,     /**< the peer closed (close_notify or EOF) */
    YC_TLS_FAILED = -4      /**< protocol error, ALPN not h2, or a socket error: close */
};

/** A server TLS context (SSL_CTX): certificate, key, protocol policy, ALPN.  Opaque. */
typedef struct yc_tls_ctx yc_tls_ctx;
/** One TLS connection (SSL) on a non-blocking socket.  Opaque. */
typedef struct yc_tls_conn yc_tls_conn;

/**
 * @brief Create a server context from PEM files.
 * @param[in]  cert_path  NUL-terminated path of the PEM certificate (chain).
 * @param[in]  key_path   NUL-terminated path of the PEM private key matching it.
 * @param[out] ret        New context; free with yc_tls_ctx_close().  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_IO       a file is missing or unreadable, not PEM, or key and cert mismatch
 * @retval YC_ERR_NOMEM    OpenSSL could not allocate
 */
YC_MUST_USE yc_err yc_tls_ctx_open(const char *cert_path, const char *key_path, yc_tls_ctx **ret);

/**
 * @brief Ask every client of this context for a certificate (TLS CertificateRequest), without
 *        requiring one and without verifying its chain: any certificate, self-signed included,
 *        is accepted at the TLS layer, and the application pins its key instead
 *        (yc_tls_peer_spki_sha256()).  A client that sends none completes the handshake as
 *        before.  Call before the first yc_tls_conn_new().
 * @param[in,out] ctx  Open context.
 * @par Source: issue 6 item 1 (optional mutual TLS for partners, pinned by SPKI hash);
 *      RFC 8446 §4.3.2 and §4.4.2.4 (an empty Certificate message); docs/mtls.md.
 */
void yc_tls_ctx_request_client_cert(yc_tls_ctx *ctx);

/** Bytes of a SHA-256 digest of a client certificate's SubjectPublicKeyInfo. */
#define YC_TLS_SPKI_SHA256_BYTES 32

/**
 * @brief The SHA-256 of the DER SubjectPublicKeyInfo of the client's certificate.
 * @param[in]  c    Connection whose handshake returned YC_TLS_DONE.
 * @param[out] out  YC_TLS_SPKI_SHA256_BYTES bytes; written only when true is returned.
 * @return true when the client presented a certificate and its key could be encoded; false
 *         when it sent none (or the context does not ask for one).
 * @par Source: issue 6 item 1; RFC 5280 §4.1.2.7 (SubjectPublicKeyInfo); RFC 7469 §2.4 (the
 *      same digest as HTTP public key pinning).
 */
bool yc_tls_peer_spki_sha256(const yc_tls_conn *c, unsigned char out[YC_TLS_SPKI_SHA256_BYTES]);

/** @brief Free a context.  @param[in] ctx  May be NULL.  No connection may still use it. */
void yc_tls_ctx_close(yc_tls_ctx *ctx);

/**
 * @brief Wrap an accepted non-blocking socket.  The socket stays owned by the caller.
 * @param[in]  ctx  Open context.
 * @param[in]  fd   Connected socket.
 * @param[out] ret  New connection; free with yc_tls_conn_free().  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOMEM
 */
YC_MUST_USE yc_err yc_tls_conn_new(yc_tls_ctx *ctx, int fd, yc_tls_conn **ret);

/** @brief Free a connection (does not close the socket).  @param[in] c  May be NULL. */
void yc_tls_conn_free(yc_tls_conn *c);

/**
 * @brief Advance the server handshake.
 * @param[in] c  Connection.
 * @return YC_TLS_DONE once finished with ALPN `h2`; YC_TLS_WANT_READ / YC_TLS_WANT_WRITE;
 *         YC_TLS_FAILED (bad handshake, no ALPN or not h2, socket error); YC_TLS_CLOSED.
 */
int yc_tls_handshake(yc_tls_conn *c);

/**
 * @brief Read decrypted bytes.
 * @param[in]  c    Connection after YC_TLS_DONE.
 * @param[out] buf  @p len bytes.
 * @param[in]  len  Bytes, > 0.
 * @return Bytes read (> 0), or YC_TLS_WANT_READ / YC_TLS_WANT_WRITE / YC_TLS_CLOSED /
 *         YC_TLS_FAILED.
 */
ssize_t yc_tls_read(yc_tls_conn *c, void *buf, size_t len);

/**
 * @brief Encrypt and send bytes.  Partial writes are allowed; after a WANT result the next
 *        call may pass a different buffer address holding the same pending bytes.
 * @param[in] c    Connection after YC_TLS_DONE.
 * @param[in] buf  @p len bytes.
 * @param[in] len  Bytes, > 0.
 * @return Bytes consumed (> 0), or YC_TLS_WANT_READ / YC_TLS_WANT_WRITE / YC_TLS_FAILED.
 */
ssize_t yc_tls_write(yc_tls_conn *c, const void *buf, size_t len);

/**
 * @brief Send close_notify once, best effort, without waiting for the peer's.
 * @param[in] c  Connection.
 */
void yc_tls_shutdown(yc_tls_conn *c);

/**
 * @brief Bytes already decrypted and buffered inside OpenSSL (SSL_pending), so the caller can
 *        read them without waiting for the socket to become readable again.
 * @param[in] c  Connection.
 * @return Bytes, >= 0.
 */
size_t yc_tls_pending(const yc_tls_conn *c);

#endif
