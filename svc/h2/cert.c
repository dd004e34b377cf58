/* The self-signed certificate of `yrdcredit init` (include/yrdcredit/cert.h), with OpenSSL. */
#define _GNU_SOURCE /* mkstemp */
#include "yrdcredit/cert.h"

#include <errno.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond, err) \
    do {                 \
        if (!(cond)) {   \
            rv = (err);  \
            goto out;    \
        }                \
    } while (0)

#define CN_MAX 64

static bool dns_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CN_MAX || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

static yc_err add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return YC_ERR_INTERNAL;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? YC_OK : YC_ERR_NOMEM;
}

/* Build the certificate for @p pkey (see cert.h for the profile). */
static yc_err make_cert(EVP_PKEY *pkey, const char *cn, unsigned days, X509 **ret)
{
    yc_err rv = YC_OK;
    BIGNUM *bn = NULL;
    X509 *x = X509_new();
    CHECK(x != NULL, YC_ERR_NOMEM);
    CHECK(X509_set_version(x, 2) == 1, YC_ERR_INTERNAL); /* v3 */
    unsigned char serial[16];
    CHECK(RAND_bytes(serial, sizeof serial) == 1, YC_ERR_INTERNAL);
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40); /* positive, 16 bytes */
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    CHECK(bn != NULL, YC_ERR_NOMEM);
    CHECK(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL, YC_ERR_NOMEM);
    CHECK(X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL, YC_ERR_INTERNAL);
    CHECK(X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) != NULL, YC_ERR_INTERNAL);
    CHECK(X509_set_pubkey(x, pkey) == 1, YC_ERR_INTERNAL);
    X509_NAME *name = X509_get_subject_name(x);
    CHECK(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"yrdcredit",
                                     -1, -1, 0) == 1,
          YC_ERR_NOMEM);
    CHECK(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                     0) == 1,
          YC_ERR_NOMEM);
    CHECK(X509_set_issuer_name(x, name) == 1, YC_ERR_NOMEM);
    char san[64 + CN_MAX];
    int n = snprintf(san, sizeof san, "DNS:localhost,IP:127.0.0.1,IP:::1%s%s",
                     strcmp(cn, "localhost") != 0 ? ",DNS:" : "",
                     strcmp(cn, "localhost") != 0 ? cn : "");
    CHECK(n > 0 && (size_t)n < sizeof san, YC_ERR_INVALID);
    if ((rv = add_ext(x, NID_subject_alt_name, san)) != YC_OK ||
        (rv = add_ext(x, NID_basic_constraints, "critical,CA:FALSE")) != YC_OK ||
        (rv = add_ext(x, NID_key_usage, "critical,digitalSignature")) != YC_OK ||
        (rv = add_ext(x, NID_ext_key_usage, "serverAuth")) != YC_OK ||
        (rv = add_ext(x, NID_subject_key_identifier, "hash")) != YC_OK)
        goto out;
    CHECK(X509_sign(x, pkey, EVP_sha256()) > 0, YC_ERR_INTERNAL);
    *ret = x;
    x = NULL;
out:
    BN_free(bn);
    X509_free(x);
    return rv;
}

enum pem_kind { PEM_KEY, PEM_CERT };

/* Write one PEM object to a temporary file next to @p path, fsync, then link it to @p path
 * (link(2) fails with EEXIST instead of replacing) and remove the temporary name. */
static yc_err write_pem(const char *path, mode_t mode, enum pem_kind kind, EVP_PKEY *pkey, X509 *x)
{
    yc_err rv = YC_OK;
    char tmp[PATH_MAX];
    int fd = -1;
    BIO *bio = NULL;
    bool have_tmp = false;
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    CHECK(n > 0 && (size_t)n < sizeof tmp, YC_ERR_INVALID);
    fd = mkstemp(tmp); /* mode 0600 */
    CHECK(fd >= 0, YC_ERR_IO);
    have_tmp = true;
    CHECK(fchmod(fd, mode) == 0, YC_ERR_IO);
    bio = BIO_new_fd(fd, BIO_NOCLOSE);
    CHECK(bio != NULL, YC_ERR_NOMEM);
    int ok = kind == PEM_KEY ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                             : PEM_write_bio_X509(bio, x);
    CHECK(ok == 1, YC_ERR_IO);
    CHECK(BIO_flush(bio) == 1, YC_ERR_IO);
    CHECK(fsync(fd) == 0, YC_ERR_IO);
    if (link(tmp, path) != 0) {
        rv = errno == EEXIST ? YC_ERR_CONFLICT : YC_ERR_IO;
        goto out;
    }
out:
    BIO_free(bio);
    if (fd >= 0)
        close(fd);
    if (have_tmp)
        (void)unlink(tmp);
    return rv;
}

yc_err yc_cert_self_signed(const char *cert_path, const char *key_path, const char *common_name,
                           unsigned days)
{
    yc_err rv = YC_OK;
    EVP_PKEY *pkey = NULL;
    X509 *x = NULL;
    bool key_written = false;
    ERR_clear_error();
    CHECK(cert_path != NULL && key_path != NULL && common_name != NULL, YC_ERR_INVALID);
    CHECK(dns_name_ok(common_name), YC_ERR_INVALID);
    CHECK(days >= 1 && days <= YC_CERT_DAYS_MAX, YC_ERR_INVALID);
    CHECK(access(cert_path, F_OK) != 0 && errno == ENOENT, YC_ERR_CONFLICT);
    CHECK(access(key_path, F_OK) != 0 && errno == ENOENT, YC_ERR_CONFLICT);
    pkey = EVP_EC_gen("P-256");
    CHECK(pkey != NULL, YC_ERR_INTERNAL);
    if ((rv = make_cert(pkey, common_name, days, &x)) != YC_OK)
        goto out;
    if ((rv = write_pem(key_path, 0600, PEM_KEY, pkey, NULL)) != YC_OK)
        goto out;
    key_written = true;
    rv = write_pem(cert_path, 0644, PEM_CERT, NULL, x);
out:
    if (rv != YC_OK && key_written)
        (void)unlink(key_path); /* never leave a key without its certificate */
    X509_free(x);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return rv;
}
