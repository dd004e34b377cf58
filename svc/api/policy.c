/* The policy snapshot of one instance (api_int.h): the score model and the 联合奖惩 policy files
 * (lists, measure catalogues, recognition), loaded together, swapped whole on a reload
 * (SIGHUP, `yrdcredit policy reload`) and freed when the last request holding it is done. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"

_Static_assert(YC_CONFIG_NOTICE_DAYS_MAX == YC_LIST_NOTICE_DAYS_MAX, "notice period bound");

/* Write a reason into why (truncated; always NUL-terminated). */
__attribute__((format(printf, 3, 4))) static void say(char *why, size_t why_len, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(why, why_len, fmt, ap) < 0)
        why[0] = '\0';
    va_end(ap);
}

/* Append a part's reason to why ("; " between two). */
static void note(char *why, size_t why_len, const char *part)
{
    const size_t used = strnlen(why, why_len);
    if (used + 1 < why_len)
        say(why + used, why_len - used, "%s%s", used > 0 ? "; " : "", part);
}

/* A file name "<6 digits>.json"; another *.json name is refused, any other file ignored. */
static bool is_catalogue_name(const char *name)
{
    if (strlen(name) != YC_REGION_LEN + 5 || strcmp(name + YC_REGION_LEN, ".json") != 0)
        return false;
    for (size_t i = 0; i < YC_REGION_LEN; i++)
        if (name[i] < '0' || name[i] > '9')
            return false;
    return true;
}

static int by_region(const void *a, const void *b)
{
    const yc_catalogue *const *x = a, *const *y = b;
    return strcmp(yc_catalogue_region(*x), yc_catalogue_region(*y));
}

static void snap_free(yc_policy_snap *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_catalogues; i++)
        yc_catalogue_free(p->catalogues[i]);
    yc_free(p->catalogues);
    yc_recognition_free(p->recognition);
    yc_list_rules_free(p->lists);
    yc_calendar_free(p->calendar);
    yc_model_free(p->model);
    yc_free(p);
}

/* Load every DATA/policy/measures/<region>.json, sorted by region; all or none.  A missing
 * directory gives YC_ERR_NOT_FOUND; why names the failing file and rule. */
static yc_err load_catalogues(const char *data_dir, yc_policy_snap *p, char *why, size_t why_len)
{
    char dir[4096], path[4096 + 64];
    if ((size_t)snprintf(dir, sizeof dir, "%s/policy/measures", data_dir) >= sizeof dir)
        return YC_ERR_INVALID;
    DIR *d = opendir(dir);
    if (d == NULL) {
        say(why, why_len, "%s: cannot open the directory", dir);
        return YC_ERR_NOT_FOUND;
    }
    yc_catalogue **list = NULL;
    size_t n = 0, cap = 0;
    yc_err rv = YC_OK;
    const struct dirent *e;
    while (rv == YC_OK && (e = readdir(d)) != NULL) {
        if (!is_catalogue_name(e->d_name)) {
            /* another *.json here is a misnamed catalogue, not a note: refuse it */
            const size_t len = strlen(e->d_name);
            if (len >= 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
                say(why, why_len, "%s/%s: not a catalogue name (<6-digit region>.json)", dir,
                    e->d_name);
                rv = YC_ERR_INVALID;
            }
            continue;
        }
        if (n == cap) {
            const size_t ncap = cap == 0 ? 8 : cap * 2;
            yc_catalogue **grown = yc_realloc(list, ncap * sizeof *list);
            if (grown == NULL) {
                rv = YC_ERR_NOMEM;
                break;
            }
            list = grown;
            cap = ncap;
        }
        const int w = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (w < 0 || (size_t)w >= sizeof path)
            rv = YC_ERR_INVALID;
        else
            rv = yc_catalogue_load(path, &list[n], why, why_len);
        if (rv == YC_OK)
            n++;
    }
    closedir(d);
    if (rv == YC_OK && list == NULL && (list = yc_alloc(sizeof *list)) == NULL)
        rv = YC_ERR_NOMEM; /* an empty directory: loaded, with no catalogue */
    if (rv != YC_OK) {
        for (size_t i = 0; i < n; i++)
            yc_catalogue_free(list[i]);
        yc_free(list);
        return rv;
    }
    if (n > 1)
        qsort(list, n, sizeof *list, by_region);
    p->catalogues = list;
    p->n_catalogues = n;
    return YC_OK;
}

yc_err yc_policy_snap_load(const yc_config *cfg, const char *data_dir, bool strict,
                           yc_policy_snap **ret, char *why, size_t why_len)
{
    YC_ENSURE(cfg != NULL && data_dir != NULL && ret != NULL && why != NULL && why_len > 0,
              YC_ERR_INVALID);
    why[0] = '\0';
    yc_policy_snap *p = yc_calloc(1, sizeof *p);
    YC_ENSURE(p != NULL, YC_ERR_NOMEM);
    atomic_init(&p->refs, 1);
    char path[4096 + 64], errpath[256] = "";
    yc_err rv = yc_model_load(cfg->model_path, &p->model, errpath, sizeof errpath);
    if (rv != YC_OK) {
        say(why, why_len, "%s: %s%s%s", cfg->model_path, yc_err_str(rv),
            errpath[0] != '\0' ? " at " : "", errpath);
        goto out;
    }
    yc_model_windows(p->model, p->windows);
    int line = 0;
    if ((rv = yc_calendar_load(cfg->calendar_path, &p->calendar, &line)) != YC_OK) {
        say(why, why_len, "%s: line %d: %s", cfg->calendar_path, line, yc_err_str(rv));
        goto out;
    }
    /* The policy parts: on the first load a part that fails stays NULL (its routes answer
     * 503, and the reason is logged); a reload (strict) keeps the old snapshot instead. */
    char part_why[YC_POLICY_WHY_MAX];
    (void)snprintf(path, sizeof path, "%s/policy/lists.json", data_dir);
    rv = yc_list_rules_load(path, &p->lists, part_why, sizeof part_why);
    if (rv == YC_OK && cfg->policy.has_notice_working_days) {
        rv = yc_list_rules_set_notice_working_days(p->lists, (int)cfg->policy.notice_working_days);
        if (rv != YC_OK)
            say(part_why, sizeof part_why,
                "config.json: policy.notice_working_days: "
                "out of range");
    }
    if (rv != YC_OK) {
        note(why, why_len, part_why);
        if (strict)
            goto out;
        yc_list_rules_free(p->lists);
        p->lists = NULL;
    }
    (void)snprintf(path, sizeof path, "%s/policy/recognition.json", data_dir);
    rv = yc_recognition_load(path, &p->recognition, part_why, sizeof part_why);
    if (rv != YC_OK) {
        note(why, why_len, part_why);
        if (strict)
            goto out;
        p->recognition = NULL;
    }
    rv = load_catalogues(data_dir, p, part_why, sizeof part_why);
    if (rv != YC_OK) {
        note(why, why_len, part_why);
        if (strict)
            goto out;
    }
    rv = YC_OK;
out:
    if (rv != YC_OK) {
        snap_free(p);
        return rv;
    }
    *ret = p;
    return YC_OK;
}

void yc_policy_snap_unref(yc_policy_snap *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
        snap_free(p);
}

const yc_policy_snap *yc_api_policy_acquire(yc_api *api)
{
    pthread_mutex_lock(&api->policy_mu);
    yc_policy_snap *p = api->policy;
    if (p != NULL)
        atomic_fetch_add(&p->refs, 1);
    pthread_mutex_unlock(&api->policy_mu);
    return p;
}

void yc_api_policy_release(yc_api *api, const yc_policy_snap *p)
{
    (void)api;
    yc_policy_snap_unref((yc_policy_snap *)(uintptr_t)p);
}

bool yc_api_policy_loaded(yc_api *api)
{
    pthread_mutex_lock(&api->policy_mu);
    const bool loaded = api->policy != NULL;
    pthread_mutex_unlock(&api->policy_mu);
    return loaded;
}

/* A linear scan: a handful of cities (the sort is for GET /v1/measures' order). */
const yc_catalogue *yc_policy_catalogue(const yc_policy_snap *p, const char *region)
{
    if (p == NULL || p->catalogues == NULL || region == NULL)
        return NULL;
    for (size_t i = 0; i < p->n_catalogues; i++)
        if (strcmp(yc_catalogue_region(p->catalogues[i]), region) == 0)
            return p->catalogues[i];
    return NULL;
}

yc_err yc_api_policy_reload(yc_api *api, uint64_t *ret_generation, char *why, size_t why_len)
{
    YC_ENSURE(api != NULL && why != NULL && why_len > 0, YC_ERR_INVALID);
    why[0] = '\0';
    /* The configuration file again: its model and calendar paths and its policy object. */
    yc_config *cfg = yc_calloc(1, sizeof *cfg); /* five 4 KiB paths: not on the stack */
    YC_ENSURE(cfg != NULL, YC_ERR_NOMEM);
    const char *field = NULL;
    yc_err rv = api->config_file[0] != '\0'
                    ? yc_config_load_file(api->config_file, api->data_dir, cfg, &field)
                    : yc_config_load(api->data_dir, cfg, &field);
    if (rv != YC_OK) {
        say(why, why_len, "%s: %s: %s",
            api->config_file[0] != '\0' ? api->config_file : "config.json",
            field != NULL ? field : "(file)", yc_err_str(rv));
        yc_free(cfg);
        return rv;
    }
    /* One reload at a time: the generation counts the snapshots installed. */
    pthread_mutex_lock(&api->reload_mu);
    yc_policy_snap *p = NULL;
    rv = yc_policy_snap_load(cfg, api->data_dir, true, &p, why, why_len);
    if (rv == YC_OK) {
        pthread_mutex_lock(&api->policy_mu);
        yc_policy_snap *old = api->policy;
        p->generation = old != NULL ? old->generation + 1 : 1;
        api->policy = p;
        pthread_mutex_unlock(&api->policy_mu);
        if (ret_generation != NULL)
            *ret_generation = p->generation;
        yc_policy_snap_unref(old); /* freed now, or by the last request holding it */
    }
    pthread_mutex_unlock(&api->reload_mu);
    yc_free(cfg);
    return rv;
}

yc_err yc_api_policy_check(const char *data_dir, char *why, size_t why_len)
{
    YC_ENSURE(data_dir != NULL && why != NULL && why_len > 0, YC_ERR_INVALID);
    why[0] = '\0';
    yc_config *cfg = yc_calloc(1, sizeof *cfg); /* five 4 KiB paths: not on the stack */
    YC_ENSURE(cfg != NULL, YC_ERR_NOMEM);
    const char *field = NULL;
    yc_err rv = yc_config_load(data_dir, cfg, &field);
    if (rv != YC_OK) {
        say(why, why_len, "%s/config.json: %s: %s", data_dir, field != NULL ? field : "(file)",
            yc_err_str(rv));
    } else {
        yc_policy_snap *p = NULL;
        rv = yc_policy_snap_load(cfg, data_dir, true, &p, why, why_len);
        yc_policy_snap_unref(p);
    }
    yc_free(cfg);
    return rv;
}
