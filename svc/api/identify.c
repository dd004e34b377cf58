/* Who is calling (issue 6 groundwork): the `authorization` field's Bearer token resolved against
 * the client registry snapshot of the instance (include/yrdcredit/api.h yc_api_identify()),
 * and for a partner client bound to a trust-registry issuer with mTLS pins, the TLS client
 * certificate's key checked against them (issue 6 item 1, docs/mtls.md).  Nothing is refused
 * here; yc_api_handle() names the client for the access log and enforces auth.required. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"
#include "yrdcredit/attest_verify.h"

static int64_t mono_sec(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec;
}

/* Whether a client of the loaded registry names a partner issuer (so that the pins matter). */
static bool any_bound_client(yc_api *api)
{
    bool any = false;
    pthread_rwlock_rdlock(&api->clients_lock);
    const size_t n = api->clients != NULL ? yc_clients_count(api->clients) : 0;
    for (size_t i = 0; i < n && !any; i++)
        any = yc_clients_at(api->clients, i)->issuer != NULL;
    pthread_rwlock_unlock(&api->clients_lock);
    return any;
}

/* The mTLS pins; NULL (bound partners refused) when partners.json does not load, which is
 * reported on stderr when some client is bound to a partner issuer (else it is the attestation
 * verifier's business alone). */
static yc_trust_mtls *mtls_load(yc_api *api, yc_err *ret)
{
    yc_trust_mtls *m = NULL;
    *ret = yc_trust_mtls_load(api->data_dir, &m);
    if (*ret == YC_OK)
        return m;
    if (*ret != YC_ERR_NOMEM && any_bound_client(api))
        fprintf(stderr,
                "yrdcredit: trust/partners.json not loaded for mTLS (%s at \"%s\"): partner "
                "clients bound to an issuer are refused\n",
                yc_err_str(*ret), yc_trust_error_field());
    return NULL;
}

void yc_api_clients_open(yc_api *api)
{
    pthread_rwlock_init(&api->clients_lock, NULL);
    api->clients = NULL;
    api->clients_stamp = 0;
    atomic_store(&api->clients_checked, mono_sec());
    api->mtls = NULL;
    api->mtls_stamp = 0;
    if (yc_clients_stamp(api->data_dir, &api->clients_stamp) != YC_OK)
        return;
    yc_err rv = yc_clients_load(api->data_dir, &api->clients);
    if (rv != YC_OK) {
        api->clients = NULL;
        fprintf(stderr,
                "yrdcredit: clients.json not loaded (%s at \"%s\"): no client is recognised\n",
                yc_err_str(rv), yc_clients_error_field());
    }
    yc_err mrv = YC_OK;
    if (yc_trust_mtls_stamp(api->data_dir, &api->mtls_stamp) == YC_OK)
        api->mtls = mtls_load(api, &mrv); /* after the clients: it asks whether any is bound */
}

void yc_api_clients_close(yc_api *api)
{
    yc_clients_free(api->clients);
    api->clients = NULL;
    yc_trust_mtls_free(api->mtls);
    api->mtls = NULL;
    pthread_rwlock_destroy(&api->clients_lock);
}

/* The mTLS pins again when partners.json changed (called by clients_refresh()'s thread). */
static void mtls_refresh(yc_api *api)
{
    uint64_t st = 0;
    if (yc_trust_mtls_stamp(api->data_dir, &st) != YC_OK)
        return;
    pthread_rwlock_rdlock(&api->clients_lock);
    const bool same = st == api->mtls_stamp;
    pthread_rwlock_unlock(&api->clients_lock);
    if (same)
        return;
    yc_err rv = YC_OK;
    yc_trust_mtls *m = mtls_load(api, &rv);
    if (rv == YC_ERR_NOMEM)
        return; /* the old pins stay; the next check tries again */
    pthread_rwlock_wrlock(&api->clients_lock);
    yc_trust_mtls *old = api->mtls;
    api->mtls = m;
    api->mtls_stamp = st;
    pthread_rwlock_unlock(&api->clients_lock);
    yc_trust_mtls_free(old);
}

/* At most once a second, one thread: load the registry again if its stamp changed. */
static void clients_refresh(yc_api *api)
{
    const int64_t now = mono_sec();
    int64_t last = atomic_load(&api->clients_checked);
    if (now == last || !atomic_compare_exchange_strong(&api->clients_checked, &last, now))
        return;
    mtls_refresh(api);
    uint64_t st = 0;
    if (yc_clients_stamp(api->data_dir, &st) != YC_OK)
        return;
    pthread_rwlock_rdlock(&api->clients_lock);
    const bool same = st == api->clients_stamp;
    pthread_rwlock_unlock(&api->clients_lock);
    if (same)
        return;
    /* The stamp is taken before the load: a write racing the load changes it again and the
     * next check loads once more.  A registry that no longer loads recognises nobody (a
     * revoked client must not stay valid); out of memory keeps the old one and retries. */
    yc_clients *c = NULL;
    yc_err rv = yc_clients_load(api->data_dir, &c);
    if (rv == YC_ERR_NOMEM)
        return;
    if (rv != YC_OK) {
        c = NULL;
        fprintf(stderr,
                "yrdcredit: clients.json not loaded (%s at \"%s\"): no client is recognised\n",
                yc_err_str(rv), yc_clients_error_field());
    }
    pthread_rwlock_wrlock(&api->clients_lock);
    yc_clients *old = api->clients;
    api->clients = c;
    api->clients_stamp = st;
    pthread_rwlock_unlock(&api->clients_lock);
    yc_clients_free(old);
}

static bool is_b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

yc_err yc_api_bearer_parse(const char *value, size_t len, const char **ret_token,
                           size_t *ret_token_len)
{
    static const char scheme[] = "Bearer ";
    const size_t sl = sizeof scheme - 1;
    YC_ENSURE(value != NULL && len > sl, YC_ERR_INVALID);
    YC_ENSURE(strncasecmp(value, "Bearer", sl - 1) == 0 && value[sl - 1] == ' ', YC_ERR_INVALID);
    const char *t = value + sl;
    const size_t tl = len - sl;
    size_t i = 0;
    while (i < tl && is_b64token_char(t[i]))
        i++;
    YC_ENSURE(i > 0, YC_ERR_INVALID); /* at least one b64token character before any '=' */
    while (i < tl && t[i] == '=')
        i++;
    YC_ENSURE(i == tl, YC_ERR_INVALID);
    *ret_token = t;
    *ret_token_len = tl;
    return YC_OK;
}

yc_err yc_api_identify(yc_api *api, const yc_api_request *req, yc_api_ident *ret)
{
    memset(ret, 0, sizeof *ret);
    if (req->authorization_malformed) {
        ret->kind = YC_API_IDENT_MALFORMED;
        return YC_OK;
    }
    if (req->authorization == NULL) {
        ret->kind = YC_API_IDENT_NONE;
        return YC_OK;
    }
    const char *token = NULL;
    size_t token_len = 0;
    if (yc_api_bearer_parse(req->authorization, strlen(req->authorization), &token, &token_len) !=
        YC_OK) {
        ret->kind = YC_API_IDENT_MALFORMED;
        return YC_OK;
    }
    ret->kind = YC_API_IDENT_INVALID;
    clients_refresh(api);
    yc_err rv = YC_OK;
    pthread_rwlock_rdlock(&api->clients_lock);
    const yc_client *cl = NULL;
    if (api->clients != NULL) {
        yc_err e = yc_clients_authenticate(api->clients, token, token_len, &cl);
        if (e == YC_ERR_INTERNAL)
            rv = e;
        if (e != YC_OK)
            cl = NULL;
    }
    if (cl != NULL && cl->role == YC_ROLE_PARTNER && cl->issuer != NULL) {
        /* docs/mtls.md: a partner bound to an issuer whose entry has pins proves the pinned
         * key on every request; a registry that does not load, or no longer lists the
         * issuer, lets no bound partner in */
        const yc_trust_mtls_verdict v =
            api->mtls == NULL ? YC_TRUST_MTLS_UNKNOWN_ISSUER
                              : yc_trust_mtls_check(api->mtls, cl->issuer, req->client_spki_sha256);
        if (v != YC_TRUST_MTLS_NOT_REQUIRED && v != YC_TRUST_MTLS_PINNED) {
            ret->kind = YC_API_IDENT_CERT;
            cl = NULL;
        }
    }
    if (cl != NULL) {
        ret->kind = YC_API_IDENT_CLIENT;
        memcpy(ret->client_id, cl->id, sizeof ret->client_id);
        ret->role = cl->role;
        memcpy(ret->subject, cl->subject, sizeof ret->subject);
        const size_t n = cl->n_authorities <= YC_CLIENT_MAX_AUTHORITIES ? cl->n_authorities
                                                                        : YC_CLIENT_MAX_AUTHORITIES;
        for (size_t i = 0; i < n; i++)
            memcpy(ret->authorities[i], cl->authorities[i], sizeof ret->authorities[i]);
        ret->n_authorities = n;
    }
    pthread_rwlock_unlock(&api->clients_lock);
    return rv;
}
