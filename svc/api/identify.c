/* Who is calling (issue 6 groundwork): the `authorization` field's Bearer token resolved against
 * the client registry snapshot of the instance (include/yrdcredit/api.h yc_api_identify()).
 * Nothing is refused here; yc_api_handle() only names the client for the access log. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"

static int64_t mono_sec(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec;
}

void yc_api_clients_open(yc_api *api)
{
    pthread_rwlock_init(&api->clients_lock, NULL);
    api->clients = NULL;
    api->clients_stamp = 0;
    atomic_store(&api->clients_checked, mono_sec());
    if (yc_clients_stamp(api->data_dir, &api->clients_stamp) != YC_OK)
        return;
    yc_err rv = yc_clients_load(api->data_dir, &api->clients);
    if (rv != YC_OK) {
        api->clients = NULL;
        fprintf(stderr,
                "yrdcredit: clients.json not loaded (%s at \"%s\"): no client is recognised\n",
                yc_err_str(rv), yc_clients_error_field());
    }
}

void yc_api_clients_close(yc_api *api)
{
    yc_clients_free(api->clients);
    api->clients = NULL;
    pthread_rwlock_destroy(&api->clients_lock);
}

/* At most once a second, one thread: load the registry again if its stamp changed. */
static void clients_refresh(yc_api *api)
{
    const int64_t now = mono_sec();
    int64_t last = atomic_load(&api->clients_checked);
    if (now == last || !atomic_compare_exchange_strong(&api->clients_checked, &last, now))
        return;
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
