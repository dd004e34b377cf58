/* The record store over one LMDB environment (include/yrdcredit/store.h). */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "yrdcredit/store.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include <lmdb.h>

#include "access_int.h"
#include "audit_int.h"
#include "codec.h"
#include "objection_int.h"
#include "store_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/date.h"

enum { DIR_MAX = YC_STORE_DIR_MAX, PATH_MAX_ = YC_STORE_PATH_MAX };

static const char META_SCHEMA[] = "schema_version";
static const char META_INSTANCE[] = "instance_id";
static const char META_SEQ[] = "last_record_id";
/* The id of the last write transaction that ingested records (yc_store_records_generation()). */
static const char META_RECORDS_TXN[] = "records_txn";
/* Key checks: written by init, verified by every open, so a replaced key file is refused
 * instead of silently giving people second pseudonyms or unreadable identities. */
static const char META_PSEUDONYM_CHECK[] = "pseudonym_key_check";
static const char META_SEAL_CHECK[] = "seal_key_check";
static const char KEY_CHECK_TEXT[] = "yrdcredit key check v1";

/* STYLE.md §4.3: LMDB codes stop here. */
yc_err yc_store_from_mdb(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return YC_OK;
    case MDB_NOTFOUND:
        return YC_ERR_NOT_FOUND;
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT:
    case EFBIG: /* issue 7 item 4: RLIMIT_FSIZE or the file system's file size limit */
        return YC_ERR_FULL;
    case MDB_TXN_FULL:
        return YC_ERR_TOO_LARGE;
    case ENOMEM:
        return YC_ERR_NOMEM;
    case EIO:
        return YC_ERR_IO;
    default:
        return YC_ERR_STORE;
    }
}

static yc_err from_mdb(int rc)
{
    return yc_store_from_mdb(rc);
}

/* Like from_mdb, but "not found" means the store is damaged (an index points nowhere). */
static yc_err from_mdb_must(int rc)
{
    return rc == MDB_NOTFOUND ? YC_ERR_STORE : from_mdb(rc);
}

static yc_err join_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    YC_ENSURE(n > 0 && (size_t)n < cap, YC_ERR_INVALID);
    return YC_OK;
}

static yc_err check_dir_arg(const char *dir)
{
    size_t len = strnlen(dir, DIR_MAX + 1);
    YC_ENSURE(len > 0 && len <= DIR_MAX, YC_ERR_INVALID);
    return YC_OK;
}

static void wipe(void *p, size_t len)
{
    /* Identity buffers hold personal information; volatile stops the compiler dropping this. */
    volatile unsigned char *v = p;
    while (len-- > 0)
        *v++ = 0;
}

/* ---- environment ---- */

static yc_err env_open(const char *lmdb_dir, uint64_t map_size, MDB_env **ret_env)
{
    MDB_env *env = NULL;
    yc_err rv;
    YC_TRY(from_mdb(mdb_env_create(&env)));
    int rc = mdb_env_set_maxdbs(env, 32); /* 19 named tables in issue 6; room to grow */
    if (rc == 0)
        rc = mdb_env_set_mapsize(env, (size_t)map_size);
    /* Durable: neither MDB_NOSYNC nor MDB_NOMETASYNC.  MDB_NOTLS: read transactions belong
     * to the call, not the thread, so a shared yc_store works from any thread. */
    if (rc == 0)
        rc = mdb_env_open(env, lmdb_dir, MDB_NOTLS, 0600);
    if (rc != 0) {
        mdb_env_close(env);
        return rc == ENOENT ? YC_ERR_NOT_FOUND : from_mdb(rc);
    }
    if ((rv = yc_store_env_check_size(env)) != YC_OK) {
        mdb_env_close(env);
        return rv;
    }
    *ret_env = env;
    return YC_OK;
}

yc_err yc_store_env_check_size(MDB_env *env)
{
    MDB_envinfo info;
    MDB_stat ms;
    int fd = -1;
    struct stat sb;
    if (mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &ms) != 0 ||
        mdb_env_get_fd(env, &fd) != 0 || fstat(fd, &sb) != 0)
        return YC_ERR_IO;
    return (uint64_t)sb.st_size < ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize ? YC_ERR_STORE
                                                                                  : YC_OK;
}

static yc_err txn_begin(MDB_env *env, unsigned flags, MDB_txn **ret_txn)
{
    int rc = mdb_txn_begin(env, NULL, flags, ret_txn);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt its size and retry once. */
        rc = mdb_env_set_mapsize(env, 0);
        if (rc == 0)
            rc = mdb_txn_begin(env, NULL, flags, ret_txn);
    }
    return from_mdb(rc);
}

/* txn_begin for a store other threads may use: the transaction holds remap_lock shared until
 * st_commit() or st_abort(); MDB_MAP_RESIZED is handled under the exclusive lock. */
yc_err yc_store_txn_begin(yc_store *st, unsigned flags, MDB_txn **ret_txn)
{
    YC_ENSURE(pthread_rwlock_rdlock(&st->remap_lock) == 0, YC_ERR_INTERNAL);
    int rc = mdb_txn_begin(st->env, NULL, flags, ret_txn);
    if (rc == MDB_MAP_RESIZED) {
        (void)pthread_rwlock_unlock(&st->remap_lock);
        YC_ENSURE(pthread_rwlock_wrlock(&st->remap_lock) == 0, YC_ERR_INTERNAL);
        rc = mdb_env_set_mapsize(st->env, 0); /* adopt the size another process set */
        (void)pthread_rwlock_unlock(&st->remap_lock);
        YC_ENSURE(pthread_rwlock_rdlock(&st->remap_lock) == 0, YC_ERR_INTERNAL);
        if (rc == 0)
            rc = mdb_txn_begin(st->env, NULL, flags, ret_txn);
    }
    if (rc != 0)
        (void)pthread_rwlock_unlock(&st->remap_lock);
    return from_mdb(rc);
}

static pthread_mutex_t tables_ensure_lock = PTHREAD_MUTEX_INITIALIZER;

yc_err yc_store_tables_ensure(yc_store *st, atomic_bool *ready, yc_store_open_dbis_fn open_dbis,
                              bool create)
{
    if (atomic_load_explicit(ready, memory_order_acquire))
        return YC_OK;
    YC_ENSURE(pthread_mutex_lock(&tables_ensure_lock) == 0, YC_ERR_INTERNAL);
    yc_err rv = YC_OK;
    MDB_txn *txn = NULL;
    bool found = false;
    if (atomic_load_explicit(ready, memory_order_acquire))
        goto out;
    if ((rv = yc_store_txn_begin(st, create ? 0 : MDB_RDONLY, &txn)) != YC_OK)
        goto out;
    rv = open_dbis(st, txn, create ? MDB_CREATE : 0, &found);
    if (rv != YC_OK || !found) { /* without create: not there (yet), nothing to publish */
        yc_store_txn_abort(st, txn);
        goto out;
    }
    /* a committed transaction keeps the handles it opened (an aborted one would close them) */
    rv = yc_store_from_mdb(yc_store_txn_commit(st, txn));
    if (rv == YC_OK)
        atomic_store_explicit(ready, true, memory_order_release);
out:
    (void)pthread_mutex_unlock(&tables_ensure_lock);
    return rv;
}

/* Issue 7 item 4: LMDB 0.9 reports a short pwrite() as EIO (mdb_page_flush), and a write
 * that crosses RLIMIT_FSIZE or fills the file system is short.  Such an EIO becomes ENOSPC
 * (YC_ERR_FULL, 507) when the data file reached RLIMIT_FSIZE or its file system has less
 * than 1 MiB left for this user; any other EIO stays an I/O error. */
static bool out_of_space(yc_store *st)
{
    int fd = -1;
    struct stat sb;
    if (mdb_env_get_fd(st->env, &fd) != MDB_SUCCESS || fstat(fd, &sb) != 0)
        return false;
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (uint64_t)sb.st_size + 65536u >= (uint64_t)rl.rlim_cur)
        return true;
    struct statvfs vs;
    return fstatvfs(fd, &vs) == 0 && (uint64_t)vs.f_bavail * vs.f_frsize < (1u << 20);
}

int yc_store_txn_commit(yc_store *st, MDB_txn *txn)
{
    int rc = mdb_txn_commit(txn);
    if (rc == EIO && out_of_space(st))
        rc = ENOSPC;
    (void)pthread_rwlock_unlock(&st->remap_lock);
    return rc;
}

void yc_store_txn_abort(yc_store *st, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    (void)pthread_rwlock_unlock(&st->remap_lock);
}

static yc_err st_begin(yc_store *st, unsigned flags, MDB_txn **ret_txn)
{
    return yc_store_txn_begin(st, flags, ret_txn);
}

static int st_commit(yc_store *st, MDB_txn *txn)
{
    return yc_store_txn_commit(st, txn);
}

static void st_abort(yc_store *st, MDB_txn *txn)
{
    yc_store_txn_abort(st, txn);
}

static yc_err open_dbis(yc_store *st, MDB_txn *txn, unsigned flags)
{
    struct {
        const char *name;
        MDB_dbi *dbi;
    } t[] = {{"meta", &st->meta},
             {"subjects", &st->subjects},
             {"records", &st->records},
             {"source", &st->source},
             {"history", &st->history}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        YC_TRY(from_mdb_must(mdb_dbi_open(txn, t[i].name, flags, t[i].dbi)));
    return YC_OK;
}

static yc_err meta_put(yc_store *st, MDB_txn *txn, const char *key, const void *val, size_t len)
{
    MDB_val k = {strlen(key), (void *)(uintptr_t)key};
    MDB_val v = {len, (void *)(uintptr_t)val};
    return from_mdb(mdb_put(txn, st->meta, &k, &v, 0));
}

static yc_err meta_get(yc_store *st, MDB_txn *txn, const char *key, MDB_val *ret)
{
    MDB_val k = {strlen(key), (void *)(uintptr_t)key};
    return from_mdb_must(mdb_get(txn, st->meta, &k, ret));
}

static uint64_t load_u64le(const void *p)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static void store_u64le(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* ---- init ---- */

static yc_err mkdir_one(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0)
        return YC_OK;
    if (errno != EEXIST)
        return YC_ERR_IO;
    struct stat st;
    YC_ENSURE(stat(path, &st) == 0, YC_ERR_IO);
    YC_ENSURE(S_ISDIR(st.st_mode), YC_ERR_CONFLICT);
    return YC_OK;
}

static yc_err mkdir_parents(const char *dir)
{
    char buf[DIR_MAX + 1];
    size_t len = strlen(dir);
    memcpy(buf, dir, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = '\0';
        yc_err rv = mkdir_one(buf, 0755);
        buf[i] = '/';
        YC_TRY(rv);
    }
    return YC_OK;
}

static yc_err dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    YC_ENSURE(d != NULL, YC_ERR_IO);
    yc_err rv = YC_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            rv = YC_ERR_CONFLICT;
            break;
        }
    }
    closedir(d);
    return rv;
}

/* The pseudonym of a fixed, non-document input: identifies the pseudonym key. */
static yc_err pseudonym_check(const yc_crypto_key *key, char ret[static YC_PSEUDONYM_LEN + 1])
{
    return yc_crypto_pseudonym(key, "key-check", "", KEY_CHECK_TEXT, ret);
}

static yc_err write_key_checks(yc_store *st, MDB_txn *txn)
{
    char pid[YC_PSEUDONYM_LEN + 1];
    uint8_t box[sizeof KEY_CHECK_TEXT - 1 + YC_SEAL_OVERHEAD];
    YC_TRY(pseudonym_check(st->pseudonym_key, pid));
    YC_TRY(yc_crypto_seal(st->seal_key, (const uint8_t *)KEY_CHECK_TEXT, sizeof KEY_CHECK_TEXT - 1,
                          (const uint8_t *)META_SEAL_CHECK, sizeof META_SEAL_CHECK - 1, box));
    YC_TRY(meta_put(st, txn, META_PSEUDONYM_CHECK, pid, YC_PSEUDONYM_LEN));
    return meta_put(st, txn, META_SEAL_CHECK, box, sizeof box);
}

/* YC_ERR_AUTH when a key file is not the one this store was created with. */
static yc_err verify_key_checks(yc_store *st, MDB_txn *txn)
{
    MDB_val v;
    char pid[YC_PSEUDONYM_LEN + 1];
    uint8_t plain[sizeof KEY_CHECK_TEXT - 1];
    YC_TRY(meta_get(st, txn, META_PSEUDONYM_CHECK, &v));
    YC_TRY(pseudonym_check(st->pseudonym_key, pid));
    YC_ENSURE(v.mv_size == YC_PSEUDONYM_LEN && yc_crypto_equal(v.mv_data, pid, YC_PSEUDONYM_LEN),
              YC_ERR_AUTH);
    YC_TRY(meta_get(st, txn, META_SEAL_CHECK, &v));
    YC_ENSURE(v.mv_size == sizeof plain + YC_SEAL_OVERHEAD, YC_ERR_STORE);
    YC_ENSURE(yc_crypto_open(st->seal_key, v.mv_data, v.mv_size, (const uint8_t *)META_SEAL_CHECK,
                             sizeof META_SEAL_CHECK - 1, plain) == YC_OK,
              YC_ERR_AUTH);
    return YC_OK;
}

static yc_err open_keys(yc_store *st, const char *dir);

static yc_err init_env(const char *dir, const char *lmdb_dir)
{
    yc_store st = {0};
    YC_TRY(env_open(lmdb_dir, YC_STORE_MAP_SIZE_DEFAULT, &st.env));
    MDB_txn *txn = NULL;
    yc_err rv = open_keys(&st, dir);
    if (rv == YC_OK)
        rv = txn_begin(st.env, 0, &txn);
    if (rv != YC_OK)
        goto out;
    uint8_t raw[16];
    char hex[YC_STORE_INSTANCE_ID_LEN + 1];
    uint8_t schema[4] = {YC_STORE_SCHEMA_VERSION, 0, 0, 0};
    uint8_t seq[8] = {0};
    bool found = false;
    if ((rv = open_dbis(&st, txn, MDB_CREATE)) != YC_OK ||
        (rv = yc_store_attest_open_dbis(&st, txn, MDB_CREATE, &found)) != YC_OK ||
        (rv = yc_store_issue5_open_dbis(&st, txn, MDB_CREATE, &found)) != YC_OK ||
        (rv = yc_store_access_open_dbis(&st, txn, MDB_CREATE, &found)) != YC_OK ||
        (rv = yc_store_audit_open_dbis(&st, txn, MDB_CREATE, &found)) != YC_OK ||
        (rv = yc_store_recids_open_dbis(&st, txn, MDB_CREATE, &found)) != YC_OK ||
        (rv = yc_store_objection_open_dbis(&st, txn, MDB_CREATE, &found)) != YC_OK ||
        (rv = yc_crypto_random(raw, sizeof raw)) != YC_OK)
        goto out;
    yc_hex_encode(raw, sizeof raw, hex);
    if ((rv = meta_put(&st, txn, META_SCHEMA, schema, sizeof schema)) != YC_OK ||
        (rv = meta_put(&st, txn, META_INSTANCE, hex, YC_STORE_INSTANCE_ID_LEN)) != YC_OK ||
        (rv = meta_put(&st, txn, META_SEQ, seq, sizeof seq)) != YC_OK ||
        (rv = write_key_checks(&st, txn)) != YC_OK)
        goto out;
    rv = from_mdb(mdb_txn_commit(txn));
    txn = NULL;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    mdb_env_close(st.env);
    yc_crypto_key_free(st.pseudonym_key);
    yc_crypto_key_free(st.seal_key);
    return rv;
}

yc_err yc_store_init_dir(const char *dir)
{
    YC_TRY(check_dir_arg(dir));
    YC_TRY(yc_crypto_init());
    YC_TRY(mkdir_parents(dir));
    if (mkdir(dir, 0700) != 0) {
        YC_ENSURE(errno == EEXIST, YC_ERR_IO);
        struct stat sb;
        YC_ENSURE(stat(dir, &sb) == 0, YC_ERR_IO);
        YC_ENSURE(S_ISDIR(sb.st_mode), YC_ERR_CONFLICT);
        YC_TRY(dir_is_empty(dir));
    }
    char keys[PATH_MAX_], lmdb[PATH_MAX_], path[PATH_MAX_];
    YC_TRY(join_path(keys, sizeof keys, dir, "keys"));
    YC_TRY(join_path(lmdb, sizeof lmdb, dir, "lmdb"));
    YC_ENSURE(mkdir(keys, 0700) == 0, YC_ERR_IO);
    YC_TRY(join_path(path, sizeof path, keys, "pseudonym.key"));
    YC_TRY(yc_crypto_key_generate_file(path));
    YC_TRY(join_path(path, sizeof path, keys, "seal.key"));
    YC_TRY(yc_crypto_key_generate_file(path));
    YC_ENSURE(mkdir(lmdb, 0700) == 0, YC_ERR_IO);
    return init_env(dir, lmdb);
}

/* ---- open / close ---- */

static yc_err check_meta(yc_store *st, MDB_txn *txn)
{
    MDB_val v;
    YC_TRY(meta_get(st, txn, META_SCHEMA, &v));
    YC_ENSURE(v.mv_size == 4, YC_ERR_STORE);
    const uint8_t *b = v.mv_data;
    uint32_t schema =
        (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    /* A newer build wrote this store: refuse rather than misread it.  (Forward migrations
     * from older schemas go here when schema 2 exists.) */
    YC_ENSURE(schema == YC_STORE_SCHEMA_VERSION, YC_ERR_STORE);
    YC_TRY(meta_get(st, txn, META_INSTANCE, &v));
    YC_ENSURE(v.mv_size == YC_STORE_INSTANCE_ID_LEN, YC_ERR_STORE);
    memcpy(st->instance_id, v.mv_data, YC_STORE_INSTANCE_ID_LEN);
    st->instance_id[YC_STORE_INSTANCE_ID_LEN] = '\0';
    YC_TRY(meta_get(st, txn, META_SEQ, &v));
    YC_ENSURE(v.mv_size == 8, YC_ERR_STORE);
    return verify_key_checks(st, txn);
}

static yc_err open_keys(yc_store *st, const char *dir)
{
    char path[PATH_MAX_];
    struct stat kd;
    YC_TRY(join_path(path, sizeof path, dir, "keys"));
    if (stat(path, &kd) != 0)
        return errno == ENOENT || errno == ENOTDIR ? YC_ERR_NOT_FOUND : YC_ERR_IO;
    /* keys/ is created 0700: group or other access to it is refused like a 0644 key. */
    YC_ENSURE(S_ISDIR(kd.st_mode) && (kd.st_mode & 077) == 0, YC_ERR_INVALID);
    YC_TRY(join_path(path, sizeof path, dir, "keys/pseudonym.key"));
    YC_TRY(yc_crypto_key_load(path, &st->pseudonym_key));
    YC_TRY(join_path(path, sizeof path, dir, "keys/seal.key"));
    return yc_crypto_key_load(path, &st->seal_key);
}

yc_err yc_store_open(const char *dir, const yc_store_opts *opts, yc_store **ret_store)
{
    YC_TRY(check_dir_arg(dir));
    uint64_t map_size = YC_STORE_MAP_SIZE_DEFAULT;
    if (opts != NULL && opts->map_size_bytes != 0)
        map_size = opts->map_size_bytes;
    YC_ENSURE(map_size >= YC_STORE_MAP_SIZE_MIN && map_size <= SIZE_MAX, YC_ERR_INVALID);

    yc_store *st = yc_calloc(1, sizeof *st);
    YC_ENSURE(st != NULL, YC_ERR_NOMEM);
    pthread_rwlockattr_t attr;
    /* Writer-preferring, so a remap is not starved by a stream of reads (no thread takes
     * the lock twice: every transaction is begun and ended inside one store function). */
    if (pthread_rwlockattr_init(&attr) != 0) {
        yc_free(st);
        return YC_ERR_NOMEM;
    }
    (void)pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    const int lrc = pthread_rwlock_init(&st->remap_lock, &attr);
    (void)pthread_rwlockattr_destroy(&attr);
    if (lrc != 0) {
        yc_free(st);
        return YC_ERR_NOMEM;
    }
    st->remap_lock_ready = true;
    MDB_txn *txn = NULL;
    char lmdb[PATH_MAX_];
    struct stat sb;
    yc_err rv = join_path(lmdb, sizeof lmdb, dir, "lmdb");
    if (rv == YC_OK)
        rv = join_path(st->data_mdb, sizeof st->data_mdb, lmdb, "data.mdb");
    if (rv != YC_OK)
        goto out;
    /* mdb_env_open would create an empty environment; opening never creates. */
    if (stat(st->data_mdb, &sb) != 0) {
        rv = errno == ENOENT || errno == ENOTDIR ? YC_ERR_NOT_FOUND : YC_ERR_IO;
        goto out;
    }
    if ((rv = open_keys(st, dir)) != YC_OK || (rv = env_open(lmdb, map_size, &st->env)) != YC_OK ||
        (rv = txn_begin(st->env, MDB_RDONLY, &txn)) != YC_OK)
        goto out;
    bool attest_found = false, issue5_found = false, access_found = false, audit_found = false;
    bool recids_found = false, objections_found = false;
    if ((rv = open_dbis(st, txn, 0)) != YC_OK || (rv = check_meta(st, txn)) != YC_OK ||
        (rv = yc_store_attest_open_dbis(st, txn, 0, &attest_found)) != YC_OK ||
        (rv = yc_store_issue5_open_dbis(st, txn, 0, &issue5_found)) != YC_OK ||
        (rv = yc_store_access_open_dbis(st, txn, 0, &access_found)) != YC_OK ||
        (rv = yc_store_audit_open_dbis(st, txn, 0, &audit_found)) != YC_OK ||
        (rv = yc_store_recids_open_dbis(st, txn, 0, &recids_found)) != YC_OK ||
        (rv = yc_store_objection_open_dbis(st, txn, 0, &objections_found)) != YC_OK)
        goto out;
    /* Committing (not aborting) a read transaction keeps the database handles open. */
    rv = from_mdb(mdb_txn_commit(txn));
    txn = NULL;
    /* A directory made before the attestation tables receives them from its first writer
     * (yc_store_attest_ensure()); opening stays read-only. */
    if (rv == YC_OK) {
        atomic_store_explicit(&st->attest_ready, attest_found, memory_order_release);
        atomic_store_explicit(&st->issue5_ready, issue5_found, memory_order_release);
        atomic_store_explicit(&st->access_ready, access_found, memory_order_release);
        atomic_store_explicit(&st->audit_ready, audit_found, memory_order_release);
        atomic_store_explicit(&st->recids_ready, recids_found, memory_order_release);
        atomic_store_explicit(&st->objections_ready, objections_found, memory_order_release);
    }
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (rv != YC_OK) {
        yc_store_close(st);
        return rv;
    }
    *ret_store = st;
    return YC_OK;
}

void yc_store_close(yc_store *st)
{
    if (st == NULL)
        return;
    if (st->env != NULL)
        mdb_env_close(st->env);
    yc_crypto_key_free(st->pseudonym_key);
    yc_crypto_key_free(st->seal_key);
    if (st->remap_lock_ready)
        (void)pthread_rwlock_destroy(&st->remap_lock);
    yc_free(st);
}

void yc_store_instance_id(const yc_store *st, char ret_id[static YC_STORE_INSTANCE_ID_LEN + 1])
{
    memcpy(ret_id, st->instance_id, YC_STORE_INSTANCE_ID_LEN + 1);
}

yc_err yc_store_pseudonym(yc_store *st, yc_doc_type type, const char *country,
                          const char *normalized_number, char ret_id[static YC_SUBJECT_ID_MAX + 1])
{
    YC_ENSURE((uint32_t)type >= YC_DOC_RESIDENT_ID && (uint32_t)type < YC_DOC_COUNT,
              YC_ERR_INVALID);
    YC_ENSURE(strnlen(normalized_number, YC_DOC_NUMBER_MAX + 1) <= YC_DOC_NUMBER_MAX,
              YC_ERR_INVALID);
    _Static_assert(YC_PSEUDONYM_LEN == YC_SUBJECT_ID_MAX, "pseudonyms fill subject_id");
    return yc_crypto_pseudonym(st->pseudonym_key, yc_doc_type_str(type), country, normalized_number,
                               ret_id);
}

/* ---- ingest ---- */

typedef struct ingest_ctx {
    yc_store *st;
    MDB_txn *txn;
    int64_t now_ms;
    uint64_t seq;
    yc_ingest_stats stats;
    const char *origin; /* NULL: local ingest; else the region of a shared batch */
} ingest_ctx;

static bool is_cstr(const char *s, size_t cap)
{
    return strnlen(s, cap) < cap;
}

static bool printable_id(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* Checks the codec cannot make (it does not see keys or doc fields); sets the pseudonym. */
static yc_err prepare(yc_store *st, yc_record *rec)
{
    YC_ENSURE(is_cstr(rec->decision_no, sizeof rec->decision_no) && rec->decision_no[0] != '\0',
              YC_ERR_INVALID);
    YC_ENSURE(is_cstr(rec->authority_uscc, sizeof rec->authority_uscc), YC_ERR_INVALID);
    YC_ENSURE(is_cstr(rec->subject_name, sizeof rec->subject_name), YC_ERR_INVALID);
    if (rec->subject_type == YC_SUBJECT_NATURAL_PERSON) {
        YC_ENSURE(is_cstr(rec->doc_number, sizeof rec->doc_number) &&
                      is_cstr(rec->doc_country, sizeof rec->doc_country),
                  YC_ERR_INVALID);
        YC_TRY(yc_store_pseudonym(st, rec->doc_type, rec->doc_country, rec->doc_number,
                                  rec->subject_id));
    } else {
        YC_ENSURE(is_cstr(rec->subject_id, sizeof rec->subject_id), YC_ERR_INVALID);
        size_t n = strlen(rec->subject_id);
        YC_ENSURE(n > 0 && printable_id(rec->subject_id, n), YC_ERR_INVALID);
    }
    return YC_OK;
}

static bool person_equal(const yc_store_person *a, const yc_store_person *b)
{
    return a->doc_type == b->doc_type && strcmp(a->doc_country, b->doc_country) == 0 &&
           strcmp(a->doc_number, b->doc_number) == 0 && strcmp(a->name, b->name) == 0;
}

/* Build the subjects value of a natural person, sealing the identity; NULL-free. */
static yc_err person_value(yc_store *st, const yc_record *rec, uint8_t *out, size_t cap,
                           size_t *ret_len, const MDB_val *old)
{
    yc_store_person p = {.doc_type = rec->doc_type};
    memcpy(p.name, rec->subject_name, sizeof p.name);
    memcpy(p.doc_country, rec->doc_country, sizeof p.doc_country);
    memcpy(p.doc_number, rec->doc_number, sizeof p.doc_number);
    uint8_t plain[YC_CODEC_IDENTITY_MAX];
    uint8_t box[YC_CODEC_IDENTITY_MAX + YC_SEAL_OVERHEAD];
    size_t plain_len = 0;
    size_t sid_len = strlen(rec->subject_id);
    yc_err rv = yc_codec_identity_encode(&p, plain, &plain_len);
    if (rv != YC_OK)
        goto out;
    if (old != NULL) {
        /* Unchanged identity: keep the stored box (a new nonce would rewrite it for nothing). */
        yc_subject_type type;
        const uint8_t *payload;
        size_t payload_len;
        rv = yc_codec_subject_decode(old->mv_data, old->mv_size, &type, &payload, &payload_len);
        if (rv != YC_OK)
            goto out;
        if (type == YC_SUBJECT_NATURAL_PERSON && payload_len <= sizeof box) {
            yc_store_person q;
            rv = yc_crypto_open(st->seal_key, payload, payload_len,
                                (const uint8_t *)rec->subject_id, sid_len, box);
            if (rv == YC_OK)
                rv = yc_codec_identity_decode(box, payload_len - YC_SEAL_OVERHEAD, &q);
            bool same = rv == YC_OK && person_equal(&p, &q);
            wipe(&q, sizeof q);
            if (rv != YC_OK)
                goto out;
            if (same) {
                *ret_len = 0;
                goto out;
            }
        }
    }
    rv = yc_crypto_seal(st->seal_key, plain, plain_len, (const uint8_t *)rec->subject_id, sid_len,
                        box);
    if (rv == YC_OK)
        rv = yc_codec_subject_encode(YC_SUBJECT_NATURAL_PERSON, box, plain_len + YC_SEAL_OVERHEAD,
                                     out, cap, ret_len);
out:
    wipe(&p, sizeof p);
    wipe(plain, sizeof plain);
    wipe(box, sizeof box);
    return rv;
}

/* Insert or update the subject; writes only when something changed. */
static yc_err upsert_subject(ingest_ctx *c, const yc_record *rec)
{
    MDB_val k = {strlen(rec->subject_id), (void *)(uintptr_t)rec->subject_id};
    MDB_val old;
    int rc = mdb_get(c->txn, c->st->subjects, &k, &old);
    YC_ENSURE(rc == 0 || rc == MDB_NOTFOUND, from_mdb(rc));
    uint8_t val[YC_CODEC_SUBJECT_VAL_MAX];
    size_t len = 0;
    if (rec->subject_type == YC_SUBJECT_NATURAL_PERSON) {
        YC_TRY(person_value(c->st, rec, val, sizeof val, &len, rc == 0 ? &old : NULL));
        if (len == 0)
            return YC_OK;
    } else {
        YC_TRY(yc_codec_subject_encode(rec->subject_type, (const uint8_t *)rec->subject_name,
                                       strlen(rec->subject_name), val, sizeof val, &len));
        if (rc == 0 && old.mv_size == len && memcmp(old.mv_data, val, len) == 0)
            return YC_OK;
    }
    MDB_val v = {len, val};
    return from_mdb(mdb_put(c->txn, c->st->subjects, &k, &v, 0));
}

static yc_err put_record(ingest_ctx *c, const char *sid, uint64_t rid, const uint8_t *val,
                         size_t len)
{
    uint8_t key[YC_CODEC_RECORD_KEY_MAX];
    MDB_val k = {yc_codec_record_key(sid, strlen(sid), rid, key), key};
    MDB_val v = {len, (void *)(uintptr_t)val};
    return from_mdb(mdb_put(c->txn, c->st->records, &k, &v, 0));
}

static yc_err put_source(ingest_ctx *c, const MDB_val *sk, uint64_t rid, const char *sid)
{
    uint8_t sv[YC_CODEC_SOURCE_VAL_MAX];
    MDB_val v = {yc_codec_source_val(rid, sid, strlen(sid), sv), sv};
    return from_mdb(mdb_put(c->txn, c->st->source, (MDB_val *)(uintptr_t)sk, &v, 0));
}

static yc_err ingest_new(ingest_ctx *c, yc_record *rec, const MDB_val *sk)
{
    YC_ENSURE(c->seq < UINT64_MAX, YC_ERR_FULL);
    rec->record_id = ++c->seq;
    rec->version = 1;
    rec->ingest_ms = c->now_ms;
    uint8_t val[YC_CODEC_RECORD_MAX];
    size_t len = 0;
    YC_TRY(yc_codec_record_encode(rec, val, sizeof val, &len));
    YC_TRY(put_record(c, rec->subject_id, rec->record_id, val, len));
    YC_TRY(put_source(c, sk, rec->record_id, rec->subject_id));
    YC_TRY(yc_store_recids_txn_put(c->st, c->txn, rec->record_id, rec->subject_id, c->now_ms));
    rec->ingest_outcome = YC_INGEST_IMPORTED;
    c->stats.imported++;
    return YC_OK;
}

/* The key is known: a duplicate of the stored version, or a change that supersedes it. */
static yc_err ingest_existing(ingest_ctx *c, yc_record *rec, const MDB_val *sv)
{
    uint64_t rid = 0;
    char old_sid[YC_SUBJECT_ID_MAX + 1];
    YC_TRY(yc_codec_source_val_decode(sv->mv_data, sv->mv_size, &rid, old_sid));
    /* The subject is part of the source key, so it cannot differ. */
    YC_ENSURE(strcmp(old_sid, rec->subject_id) == 0, YC_ERR_STORE);
    uint8_t key[YC_CODEC_RECORD_KEY_MAX];
    MDB_val k = {yc_codec_record_key(old_sid, strlen(old_sid), rid, key), key};
    MDB_val ov;
    YC_TRY(from_mdb_must(mdb_get(c->txn, c->st->records, &k, &ov)));
    /* LMDB data is valid only until the next write: copy the old value first. */
    uint8_t old[YC_CODEC_RECORD_MAX];
    YC_ENSURE(ov.mv_size <= sizeof old, YC_ERR_STORE);
    size_t old_len = ov.mv_size;
    memcpy(old, ov.mv_data, old_len);
    yc_record prev;
    YC_TRY(yc_codec_record_decode(old, old_len, &prev));
    uint32_t prev_version = prev.version;
    YC_ENSURE(prev.record_id == rid && prev_version >= 1, YC_ERR_STORE);
    if (c->origin != NULL && strcmp(prev.origin, c->origin) != 0) {
        /* A shared copy never overwrites the local record (the primary copy), nor one another
         * origin shared: only the origin that shared a record may supersede it. */
        rec->record_id = rid;
        rec->version = prev_version;
        rec->ingest_ms = prev.ingest_ms;
        rec->ingest_outcome = YC_INGEST_DUPLICATE;
        c->stats.duplicates++;
        return YC_OK;
    }

    rec->record_id = rid;
    rec->version = prev_version;
    rec->ingest_ms = prev.ingest_ms;
    /* Issue 6: a dispute (异议), an approved repair (信用修复) or a revocation (an upheld
     * objection, a provider's revoke) is decided here, not by the feed: a copy sent again as
     * `active` keeps the stored status (regressions of issue 6: re-importing a feed undid an
     * approved repair; re-sending an upheld objection's revoked record made it active again).
     * `revoked` or `expired` from the source still apply. */
    if (rec->status == YC_STATUS_ACTIVE &&
        (prev.status == YC_STATUS_DISPUTED || prev.status == YC_STATUS_REPAIRED ||
         prev.status == YC_STATUS_REVOKED))
        rec->status = prev.status;
    uint8_t val[YC_CODEC_RECORD_MAX];
    size_t len = 0;
    YC_TRY(yc_codec_record_encode(rec, val, sizeof val, &len));
    if (len == old_len && memcmp(val, old, len) == 0) {
        rec->ingest_outcome = YC_INGEST_DUPLICATE;
        c->stats.duplicates++;
        return YC_OK;
    }
    /* Last write wins for content: the formats carry no reliable update time to order
     * versions by, so any change supersedes; `history` keeps every version. */
    YC_ENSURE(prev_version < UINT32_MAX, YC_ERR_STORE);
    rec->version = prev_version + 1;
    YC_TRY(yc_codec_record_encode(rec, val, sizeof val, &len));

    uint8_t hkey[YC_CODEC_HISTORY_KEY_LEN], hval[YC_CODEC_HISTORY_VAL_MAX];
    yc_codec_history_key(rid, prev_version, hkey);
    MDB_val hk = {sizeof hkey, hkey},
            hv = {yc_codec_history_val(old_sid, strlen(old_sid), old, old_len, hval), hval};
    YC_TRY(from_mdb(mdb_put(c->txn, c->st->history, &hk, &hv, 0)));
    YC_TRY(put_record(c, rec->subject_id, rid, val, len));
    if (rec->status != prev.status) /* the status-since time of `record_ids` */
        YC_TRY(yc_store_recids_txn_put(c->st, c->txn, rid, rec->subject_id, c->now_ms));
    rec->ingest_outcome = YC_INGEST_SUPERSEDED;
    c->stats.superseded++;
    return YC_OK;
}

static yc_err ingest_one(ingest_ctx *c, yc_record *rec)
{
    YC_TRY(upsert_subject(c, rec));
    uint8_t skey[YC_CODEC_SOURCE_KEY_MAX];
    /* Idempotency key: (authority USCC, 文书号, subject).  Sources without the authority's
     * USCC (legacy v1 rows, court feeds without courtUscc) use the authority's name. */
    const char *auth = rec->authority_uscc[0] != '\0' ? rec->authority_uscc : rec->authority_name;
    MDB_val sk = {yc_codec_source_key(auth, rec->decision_no, rec->subject_id, skey), skey};
    MDB_val sv;
    int rc = mdb_get(c->txn, c->st->source, &sk, &sv);
    if (rc == MDB_NOTFOUND)
        return ingest_new(c, rec, &sk);
    YC_TRY(from_mdb(rc));
    return ingest_existing(c, rec, &sv);
}

bool yc_store_b64url_id_chars_ok(const char *s, size_t len)
{
    if (s == NULL || len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        const char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

static bool batch_id_ok(const char *id)
{
    return id != NULL && strnlen(id, YC_STORE_BATCH_ID_LEN + 1) == YC_STORE_BATCH_ID_LEN &&
           yc_store_b64url_id_chars_ok(id, YC_STORE_BATCH_ID_LEN);
}

/* Inside the write transaction: write the batch entry; a replay is the put's MDB_KEYEXIST. */
static yc_err put_shared_batch(ingest_ctx *c, const yc_store_shared_batch *b)
{
    uint8_t val[YC_CODEC_SHARED_BATCH_LEN];
    YC_TRY(yc_codec_shared_batch_encode(b, val));
    MDB_val k = {YC_STORE_BATCH_ID_LEN, (void *)(uintptr_t)b->batch_id}, v = {sizeof val, val};
    const int rc = mdb_put(c->txn, c->st->shared_batches, &k, &v, MDB_NOOVERWRITE);
    YC_ENSURE(rc != MDB_KEYEXIST, YC_ERR_CONFLICT);
    return from_mdb(rc);
}

static yc_err ingest_batch(yc_store *st, const yc_store_shared_batch *batch, yc_record *recs,
                           size_t n, yc_ingest_stats *ret)
{
    ingest_ctx c = {
        .st = st, .now_ms = yc_clock_now_ms(), .origin = batch != NULL ? batch->from : NULL};
    if (n == 0 && batch == NULL) {
        if (ret != NULL)
            *ret = c.stats;
        return YC_OK;
    }
    /* Validate everything before taking the (process-shared) write lock. */
    for (size_t i = 0; i < n; i++) {
        if (batch != NULL)
            YC_ENSURE(recs[i].subject_type == YC_SUBJECT_LEGAL_PERSON ||
                          recs[i].subject_type == YC_SUBJECT_INDIVIDUAL_BUSINESS,
                      YC_ERR_INVALID);
        YC_TRY(prepare(st, &recs[i]));
        memset(recs[i].origin, 0, sizeof recs[i].origin);
        if (batch != NULL)
            memcpy(recs[i].origin, batch->from, YC_REGION_LEN);
        YC_ENSURE(yc_codec_record_len(&recs[i]) <= YC_CODEC_RECORD_MAX, YC_ERR_INVALID);
    }
    /* the shared_batches handle exists before this write transaction begins */
    if (batch != NULL)
        YC_TRY(yc_store_issue5_ensure(st));
    YC_TRY(yc_store_recids_ensure(st)); /* issue 6: every ingest keeps `record_ids` complete */
    YC_TRY(st_begin(st, 0, &c.txn));
    MDB_val v;
    yc_err rv = meta_get(st, c.txn, META_SEQ, &v);
    if (rv == YC_OK && v.mv_size != 8)
        rv = YC_ERR_STORE;
    if (rv == YC_OK) /* before any write: LMDB data is valid only until the next one */
        c.seq = load_u64le(v.mv_data);
    if (rv == YC_OK && batch != NULL) {
        yc_store_shared_batch b = *batch;
        b.received_ms = c.now_ms;
        rv = put_shared_batch(&c, &b);
    }
    if (rv != YC_OK)
        goto out;
    uint64_t first_seq = c.seq;
    for (size_t i = 0; i < n && rv == YC_OK; i++)
        rv = ingest_one(&c, &recs[i]);
    if (rv == YC_OK && c.seq != first_seq) {
        uint8_t seq[8];
        store_u64le(seq, c.seq);
        rv = meta_put(st, c.txn, META_SEQ, seq, sizeof seq);
    }
    /* only a batch that changed records moves their generation (all duplicates: no write) */
    if (rv == YC_OK && c.stats.imported + c.stats.superseded > 0)
        rv = yc_store_records_txn_touch(st, c.txn);
    if (rv != YC_OK)
        goto out;
    /* The durable commit: fsync of data and meta page (no MDB_NOSYNC). */
    rv = from_mdb(st_commit(st, c.txn));
    c.txn = NULL;
out:
    if (c.txn != NULL)
        st_abort(st, c.txn);
    if (rv == YC_OK && ret != NULL)
        *ret = c.stats;
    return rv;
}

yc_err yc_store_ingest(yc_store *st, yc_record *recs, size_t n, yc_ingest_stats *ret)
{
    return ingest_batch(st, NULL, recs, n, ret);
}

yc_err yc_store_ingest_shared(yc_store *st, const char *origin, const char *batch_id, int64_t iat,
                              yc_record *recs, size_t n, yc_ingest_stats *ret)
{
    YC_ENSURE(batch_id_ok(batch_id), YC_ERR_INVALID);
    YC_ENSURE(n <= UINT32_MAX, YC_ERR_INVALID);
    /* the codec's origin rule: 6 ASCII digits, the first not 0 (svc/store does not depend on
     * svc/domain; every region yc_region_is_valid() accepts passes and round-trips) */
    YC_ENSURE(origin != NULL && yc_codec_origin_is_valid(origin, YC_REGION_LEN + 1),
              YC_ERR_INVALID);
    yc_store_shared_batch b = {.iat = iat, .count = (uint32_t)n};
    memcpy(b.from, origin, YC_REGION_LEN + 1);
    memcpy(b.batch_id, batch_id, YC_STORE_BATCH_ID_LEN + 1);
    return ingest_batch(st, &b, recs, n, ret);
}

yc_err yc_store_shared_batch_get(yc_store *st, const char *batch_id, yc_store_shared_batch *ret)
{
    YC_ENSURE(batch_id_ok(batch_id), YC_ERR_NOT_FOUND);
    YC_ENSURE(yc_store_issue5_ready(st), YC_ERR_NOT_FOUND); /* no batch stored yet */
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    MDB_val k = {YC_STORE_BATCH_ID_LEN, (void *)(uintptr_t)batch_id}, v;
    yc_err rv = from_mdb(mdb_get(txn, st->shared_batches, &k, &v));
    yc_store_shared_batch b = {.iat = 0};
    if (rv == YC_OK)
        rv = yc_codec_shared_batch_decode(v.mv_data, v.mv_size, &b);
    st_abort(st, txn);
    if (rv == YC_OK && ret != NULL) {
        memcpy(b.batch_id, batch_id, YC_STORE_BATCH_ID_LEN + 1);
        *ret = b;
    }
    return rv;
}

/* ---- reads ---- */

static yc_err subject_lookup(yc_store *st, MDB_txn *txn, const char *subject_id, MDB_val *ret)
{
    size_t len = strnlen(subject_id, YC_SUBJECT_ID_MAX + 1);
    YC_ENSURE(len > 0 && len <= YC_SUBJECT_ID_MAX, YC_ERR_NOT_FOUND);
    MDB_val k = {len, (void *)(uintptr_t)subject_id};
    return from_mdb(mdb_get(txn, st->subjects, &k, ret));
}

yc_err yc_store_subject_get(yc_store *st, const char *subject_id, yc_store_subject *ret)
{
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    MDB_val v;
    yc_store_subject out = {.type = YC_SUBJECT_NONE};
    yc_err rv = subject_lookup(st, txn, subject_id, &v);
    const uint8_t *payload = NULL;
    size_t n = 0;
    if (rv == YC_OK)
        rv = yc_codec_subject_decode(v.mv_data, v.mv_size, &out.type, &payload, &n);
    if (rv == YC_OK && out.type != YC_SUBJECT_NATURAL_PERSON) {
        memcpy(out.name, payload, n); /* n <= YC_NAME_MAX, checked by the decoder */
        out.name[n] = '\0';
    }
    st_abort(st, txn);
    if (rv == YC_OK && ret != NULL)
        *ret = out;
    return rv;
}

yc_err yc_store_person_get(yc_store *st, const char *subject_id, yc_store_person *ret)
{
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    MDB_val v;
    yc_subject_type type = YC_SUBJECT_NONE;
    const uint8_t *payload = NULL;
    size_t n = 0;
    uint8_t plain[YC_CODEC_IDENTITY_MAX];
    yc_err rv = subject_lookup(st, txn, subject_id, &v);
    if (rv == YC_OK)
        rv = yc_codec_subject_decode(v.mv_data, v.mv_size, &type, &payload, &n);
    if (rv == YC_OK && type != YC_SUBJECT_NATURAL_PERSON)
        rv = YC_ERR_NOT_FOUND;
    if (rv == YC_OK && n - YC_SEAL_OVERHEAD > sizeof plain)
        rv = YC_ERR_STORE;
    if (rv == YC_OK)
        rv = yc_crypto_open(st->seal_key, payload, n, (const uint8_t *)subject_id,
                            strlen(subject_id), plain);
    if (rv == YC_OK)
        rv = yc_codec_identity_decode(plain, n - YC_SEAL_OVERHEAD, ret);
    wipe(plain, sizeof plain);
    st_abort(st, txn);
    return rv;
}

/* Append to a growing heap array of records. */
static yc_err recs_push(yc_record **arr, size_t *n, size_t *cap)
{
    if (*n < *cap)
        return YC_OK;
    size_t ncap = *cap ? *cap * 2 : 8;
    YC_ENSURE(ncap <= SIZE_MAX / sizeof **arr, YC_ERR_NOMEM);
    yc_record *g = yc_realloc(*arr, ncap * sizeof **arr);
    YC_ENSURE(g != NULL, YC_ERR_NOMEM);
    *arr = g;
    *cap = ncap;
    return YC_OK;
}

static yc_err collect_records(yc_store *st, MDB_txn *txn, const char *sid, yc_record **ret_recs,
                              size_t *ret_n)
{
    MDB_cursor *cur = NULL;
    YC_TRY(from_mdb(mdb_cursor_open(txn, st->records, &cur)));
    size_t sid_len = strlen(sid);
    uint8_t key[YC_CODEC_RECORD_KEY_MAX];
    MDB_val k = {yc_codec_record_key(sid, sid_len, 0, key), key}, v;
    yc_record *arr = NULL;
    size_t n = 0, cap = 0;
    yc_err rv = YC_OK;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc != MDB_NOTFOUND;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (rc != 0) {
            rv = from_mdb(rc);
            break;
        }
        size_t klen = 0;
        uint64_t rid = 0;
        if (k.mv_size != sid_len + 9 || memcmp(k.mv_data, sid, sid_len) != 0)
            break; /* past this subject */
        if ((rv = yc_codec_record_key_parse(k.mv_data, k.mv_size, &klen, &rid)) != YC_OK ||
            (rv = recs_push(&arr, &n, &cap)) != YC_OK ||
            (rv = yc_codec_record_decode(v.mv_data, v.mv_size, &arr[n])) != YC_OK)
            break;
        if (arr[n].record_id != rid) {
            rv = YC_ERR_STORE;
            break;
        }
        memcpy(arr[n].subject_id, sid, sid_len + 1);
        n++;
    }
    mdb_cursor_close(cur);
    if (rv != YC_OK) {
        yc_free(arr);
        return rv;
    }
    *ret_recs = arr;
    *ret_n = n;
    return YC_OK;
}

yc_err yc_store_subject_records(yc_store *st, const char *subject_id, yc_record **ret_recs,
                                size_t *ret_n)
{
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    MDB_val v;
    yc_err rv = subject_lookup(st, txn, subject_id, &v);
    if (rv == YC_OK)
        rv = collect_records(st, txn, subject_id, ret_recs, ret_n);
    st_abort(st, txn);
    return rv;
}

void yc_store_records_free(yc_record *recs)
{
    yc_free(recs);
}

yc_err yc_store_record_history(yc_store *st, uint64_t record_id, yc_record **ret_recs,
                               size_t *ret_n)
{
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    MDB_cursor *cur = NULL;
    yc_err rv = from_mdb(mdb_cursor_open(txn, st->history, &cur));
    yc_record *arr = NULL;
    size_t n = 0, cap = 0;
    uint8_t key[YC_CODEC_HISTORY_KEY_LEN];
    yc_codec_history_key(record_id, 0, key);
    MDB_val k = {sizeof key, key}, v;
    for (int rc = rv == YC_OK ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) : MDB_NOTFOUND;
         rc != MDB_NOTFOUND; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (rc != 0) {
            rv = from_mdb(rc);
            break;
        }
        if (k.mv_size != sizeof key || memcmp(k.mv_data, key, 8) != 0)
            break; /* past this record */
        if ((rv = recs_push(&arr, &n, &cap)) != YC_OK ||
            (rv = yc_codec_history_val_decode(v.mv_data, v.mv_size, &arr[n])) != YC_OK)
            break;
        if (arr[n].record_id != record_id) {
            rv = YC_ERR_STORE;
            break;
        }
        n++;
    }
    if (cur != NULL)
        mdb_cursor_close(cur);
    st_abort(st, txn);
    if (rv != YC_OK) {
        yc_free(arr);
        return rv;
    }
    *ret_recs = arr;
    *ret_n = n;
    return YC_OK;
}

typedef struct walk_group {
    char sid[YC_SUBJECT_ID_MAX + 1];
    size_t sid_len;
    yc_subject_type type;
    yc_fact *facts;
    size_t n, cap;
} walk_group;

static yc_err walk_push(walk_group *g)
{
    if (g->n < g->cap)
        return YC_OK;
    size_t ncap = g->cap ? g->cap * 2 : 64;
    YC_ENSURE(ncap <= SIZE_MAX / sizeof *g->facts, YC_ERR_NOMEM);
    yc_fact *f = yc_realloc(g->facts, ncap * sizeof *g->facts);
    YC_ENSURE(f != NULL, YC_ERR_NOMEM);
    g->facts = f;
    g->cap = ncap;
    return YC_OK;
}

static yc_err walk_cursor(MDB_cursor *cur, walk_group *g, yc_store_walk_fn fn, void *ctx)
{
    MDB_val k, v;
    int rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        size_t sid_len = 0;
        uint64_t rid = 0;
        YC_TRY(yc_codec_record_key_parse(k.mv_data, k.mv_size, &sid_len, &rid));
        if (g->n > 0 && (sid_len != g->sid_len || memcmp(k.mv_data, g->sid, sid_len) != 0)) {
            YC_TRY(fn(ctx, g->sid, g->type, g->facts, g->n));
            g->n = 0;
        }
        if (g->n == 0) {
            memcpy(g->sid, k.mv_data, sid_len);
            g->sid[sid_len] = '\0';
            g->sid_len = sid_len;
        }
        YC_TRY(walk_push(g));
        /* Authority pointers stay valid: pages of a read-only snapshot do not move. */
        YC_TRY(yc_codec_fact_decode(v.mv_data, v.mv_size, &g->facts[g->n], &g->type));
        YC_ENSURE(g->facts[g->n].record_id == rid, YC_ERR_STORE);
        g->n++;
    }
    YC_ENSURE(rc == MDB_NOTFOUND, from_mdb(rc));
    if (g->n > 0)
        YC_TRY(fn(ctx, g->sid, g->type, g->facts, g->n));
    return YC_OK;
}

yc_err yc_store_walk(yc_store *st, yc_store_walk_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    MDB_cursor *cur = NULL;
    walk_group g = {.n = 0};
    yc_err rv = from_mdb(mdb_cursor_open(txn, st->records, &cur));
    if (rv == YC_OK)
        rv = walk_cursor(cur, &g, fn, ctx);
    if (cur != NULL)
        mdb_cursor_close(cur);
    st_abort(st, txn);
    yc_free(g.facts);
    return rv;
}

static yc_err record_walk_cursor(MDB_cursor *cur, yc_record *rec, yc_store_record_fn fn, void *ctx)
{
    MDB_val k, v;
    int rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        size_t sid_len = 0;
        uint64_t rid = 0;
        YC_TRY(yc_codec_record_key_parse(k.mv_data, k.mv_size, &sid_len, &rid));
        YC_TRY(yc_codec_record_decode(v.mv_data, v.mv_size, rec));
        YC_ENSURE(rec->record_id == rid, YC_ERR_STORE);
        memcpy(rec->subject_id, k.mv_data, sid_len);
        rec->subject_id[sid_len] = '\0';
        YC_TRY(fn(ctx, rec));
    }
    YC_ENSURE(rc == MDB_NOTFOUND, from_mdb(rc));
    return YC_OK;
}

yc_err yc_store_record_walk(yc_store *st, yc_store_record_fn fn, void *ctx)
{
    yc_record *rec = yc_alloc(sizeof *rec); /* 3 KiB: off the stack */
    YC_ENSURE(rec != NULL, YC_ERR_NOMEM);
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    yc_err rv = st_begin(st, MDB_RDONLY, &txn);
    if (rv == YC_OK)
        rv = from_mdb(mdb_cursor_open(txn, st->records, &cur));
    if (rv == YC_OK)
        rv = record_walk_cursor(cur, rec, fn, ctx);
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (txn != NULL)
        st_abort(st, txn);
    yc_free(rec);
    return rv;
}

yc_err yc_store_stats(yc_store *st, yc_store_stat *ret)
{
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    MDB_stat s_subj, s_rec, s_hist, s_env;
    MDB_envinfo info;
    int rc = mdb_stat(txn, st->subjects, &s_subj);
    if (rc == 0)
        rc = mdb_stat(txn, st->records, &s_rec);
    if (rc == 0)
        rc = mdb_stat(txn, st->history, &s_hist);
    if (rc == 0)
        rc = mdb_env_stat(st->env, &s_env);
    if (rc == 0)
        rc = mdb_env_info(st->env, &info);
    st_abort(st, txn);
    YC_TRY(from_mdb(rc));
    struct stat sb;
    YC_ENSURE(stat(st->data_mdb, &sb) == 0, YC_ERR_IO);
    *ret = (yc_store_stat){
        .subjects = s_subj.ms_entries,
        .records = s_rec.ms_entries,
        .history = s_hist.ms_entries,
        .file_bytes = (uint64_t)sb.st_size,
        .used_bytes = ((uint64_t)info.me_last_pgno + 1) * s_env.ms_psize,
    };
    return YC_OK;
}

/* ---- generation ---- */

yc_err yc_store_records_txn_touch(yc_store *st, MDB_txn *txn)
{
    uint8_t gen[8];
    store_u64le(gen, (uint64_t)mdb_txn_id(txn));
    return meta_put(st, txn, META_RECORDS_TXN, gen, sizeof gen);
}

uint64_t yc_store_generation(yc_store *st)
{
    /* The newer of the two meta pages in the shared map: no transaction, no lock, and it sees
     * commits of other processes (their meta page is written through the page cache). */
    MDB_envinfo info;
    if (pthread_rwlock_rdlock(&st->remap_lock) != 0)
        return 0;
    const int rc = mdb_env_info(st->env, &info);
    (void)pthread_rwlock_unlock(&st->remap_lock);
    return rc == 0 ? (uint64_t)info.me_last_txnid : 0;
}

yc_err yc_store_records_generation(yc_store *st, uint64_t *ret)
{
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    MDB_val k = {sizeof META_RECORDS_TXN - 1, (void *)(uintptr_t)META_RECORDS_TXN}, v;
    const int rc = mdb_get(txn, st->meta, &k, &v);
    yc_err rv = from_mdb(rc);
    if (rc == MDB_NOTFOUND) { /* no ingest since this key exists (an older data dir) */
        *ret = 0;
        rv = YC_OK;
    } else if (rv == YC_OK) {
        if (v.mv_size == 8)
            *ret = load_u64le(v.mv_data);
        else
            rv = YC_ERR_STORE;
    }
    st_abort(st, txn);
    return rv;
}

yc_err yc_store_snapshot_generation(yc_store *st, uint64_t *ret)
{
    MDB_txn *txn = NULL;
    YC_TRY(st_begin(st, MDB_RDONLY, &txn));
    *ret = (uint64_t)mdb_txn_id(txn);
    st_abort(st, txn);
    return YC_OK;
}

/* ---- benchmark anchor ---- */

/* splitmix64 (Steele, Lea, Flood 2014): a bijection on 64-bit values, so keys are unique. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static yc_err bench_puts(MDB_env *env, size_t n_keys, size_t key_len, size_t val_len, size_t batch)
{
    uint8_t key[511];
    uint8_t *val = yc_alloc(val_len);
    YC_ENSURE(val != NULL, YC_ERR_NOMEM);
    for (size_t j = 0; j < val_len; j++)
        val[j] = (uint8_t)('a' + j % 26);
    MDB_txn *txn = NULL;
    MDB_dbi dbi = 0;
    yc_err rv = YC_OK;
    for (size_t i = 0; i < n_keys && rv == YC_OK; i++) {
        if (txn == NULL) {
            if ((rv = txn_begin(env, 0, &txn)) != YC_OK ||
                (rv = from_mdb(mdb_dbi_open(txn, NULL, 0, &dbi))) != YC_OK)
                break;
        }
        uint64_t h = mix64(i);
        for (size_t j = 0; j < key_len; j++) {
            uint64_t b = j < 8 ? h >> (56 - 8 * j) : 0x41 + (h >> (j % 64)) % 26;
            key[j] = (uint8_t)(b & 0xff);
        }
        MDB_val k = {key_len, key}, v = {val_len, val};
        rv = from_mdb(mdb_put(txn, dbi, &k, &v, 0));
        if (rv == YC_OK && ((i + 1) % batch == 0 || i + 1 == n_keys)) {
            rv = from_mdb(mdb_txn_commit(txn));
            txn = NULL;
        }
    }
    if (txn != NULL)
        mdb_txn_abort(txn);
    yc_free(val);
    return rv;
}

yc_err yc_store_bench_raw_put(const char *dir, size_t n_keys, size_t key_len, size_t val_len,
                              size_t batch, double *ret_seconds)
{
    YC_TRY(check_dir_arg(dir));
    YC_ENSURE(n_keys >= 1 && n_keys <= 1000000000u, YC_ERR_INVALID);
    YC_ENSURE(key_len >= 8 && key_len <= 511, YC_ERR_INVALID);
    YC_ENSURE(val_len <= 65536, YC_ERR_INVALID);
    YC_ENSURE(batch >= 1 && batch <= n_keys, YC_ERR_INVALID);
    YC_TRY(mkdir_parents(dir));
    YC_TRY(mkdir_one(dir, 0700));
    char path[PATH_MAX_];
    YC_TRY(join_path(path, sizeof path, dir, "data.mdb"));
    struct stat sb;
    YC_ENSURE(stat(path, &sb) != 0 && errno == ENOENT, YC_ERR_CONFLICT);
    MDB_env *env = NULL;
    YC_TRY(env_open(dir, YC_STORE_MAP_SIZE_DEFAULT, &env));
    double t0 = now_seconds();
    yc_err rv = bench_puts(env, n_keys, key_len, val_len, batch);
    double t1 = now_seconds();
    mdb_env_close(env);
    YC_TRY(rv);
    *ret_seconds = t1 - t0;
    return YC_OK;
}
