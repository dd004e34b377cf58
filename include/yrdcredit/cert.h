/**
 * @file cert.h
 * @brief The self-signed TLS certificate that `yrdcredit init` creates in the data directory
 *        for yrdcreditd's public listener (implemented in svc/h2/cert.c with OpenSSL).
 *
 * @par Source: issue 3 item 1 ("the self-signed certificate is created by `yrdcredit init` in
 *      the data dir"); RFC 5280 §4.1 and §4.2.1 (X.509 v3 profile); RFC 6125 §6.4 (names
 *      are matched against the subjectAltName, not the common name).
 */
#ifndef YRDCREDIT_CERT_H
#define YRDCREDIT_CERT_H

#include "yrdcredit/err.h"

/** Default validity of the self-signed certificate, in days. */
#define YC_CERT_DAYS_DEFAULT 825
/** Upper bound of the @c days argument of yc_cert_self_signed(). */
#define YC_CERT_DAYS_MAX 3650

/**
 * @brief Create a new ECDSA P-256 key and a self-signed X.509 v3 certificate for it.
 *
 * The certificate: random positive 128-bit serial; subject and issuer CN=@p common_name,
 * O=yrdcredit; valid from now for @p days days; signed with ecdsa-with-SHA256;
 * subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1 (plus DNS:@p common_name when it is not
 * "localhost"); basicConstraints CA:FALSE; keyUsage digitalSignature; extendedKeyUsage
 * serverAuth.  The key is written as unencrypted PKCS#8 PEM to a file created with mode 0600
 * (O_EXCL), the certificate as PEM with mode 0644.  Each file is written to a temporary name
 * in the same directory, flushed with fsync and renamed, so a crash leaves no partial file.
 *
 * @param[in] cert_path    NUL-terminated path of the certificate file to create.
 * @param[in] key_path     NUL-terminated path of the private-key file to create.
 * @param[in] common_name  NUL-terminated DNS name, 1..64 bytes of [A-Za-z0-9.-].
 * @param[in] days         Validity in days, 1..YC_CERT_DAYS_MAX.
 * @retval YC_OK
 * @retval YC_ERR_INVALID   @p common_name empty, too long or not a DNS name; @p days out of
 *                          range
 * @retval YC_ERR_CONFLICT  @p cert_path or @p key_path already exists (nothing is replaced)
 * @retval YC_ERR_IO        a file could not be created or written
 * @retval YC_ERR_NOMEM     OpenSSL could not allocate
 * @retval YC_ERR_INTERNAL  key generation or signing failed
 */
YC_MUST_USE yc_err yc_cert_self_signed(const char *cert_path, const char *key_path,
                                       const char *common_name, unsigned days);

#endif
