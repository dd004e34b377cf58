/**
 * @file store.h
 * @brief The record store: one durable LMDB environment per data directory (svc/store/).
 *
 * Data directory layout (created by yc_store_init_dir()):
 * - `DIR/keys/pseudonym.key`, `DIR/keys/seal.key`: 32-byte keys, mode 0600, directory 0700;
 * - `DIR/lmdb/data.mdb` (+ `lock.mdb`): the environment, directory 0700, with the named
 *   databases `meta` (schema version, instance id, record-id counter), `subjects`, `records`
 *   (key: subject_id, 0x00, record_id big-endian), `source` (key: authority USCC, 0x00,
 *   文书号), `history` (superseded versions, key: record_id and version big-endian) and,
 *   from the first shared batch on, `shared_batches` (issue 5 item 5: key the 22-character
 *   batch id; value the origin region, iat, record count and receive time).
 *
 * Natural persons are stored under their pseudonym (yc_store_pseudonym()); their name and
 * document are sealed (XChaCha20-Poly1305, associated data = subject_id) in `subjects` and
 * appear in clear nowhere in the directory.  Every write transaction is committed durably
 * (no MDB_NOSYNC / MDB_NOMETASYNC); throughput comes from batching (yc_store_ingest()).
 *
 * Thread-safety: a yc_store may be shared by threads (each call uses its own transaction;
 * writers are serialized by LMDB).  Several processes may open the same directory at once
 * (the CLI while the server runs), but one process must open it only once at a time
 * (LMDB's rule: its POSIX locks are per process).
 */
#ifndef YRDCREDIT_STORE_H
#define YRDCREDIT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/record.h"

/** On-disk schema version this build writes and reads. */
#define YC_STORE_SCHEMA_VERSION 1
/** Default LMDB map size: 32 GiB (address space, not disk; the file grows as written). */
#define YC_STORE_MAP_SIZE_DEFAULT ((uint64_t)32 << 30)
/** Smallest accepted map size: 1 MiB. */
#define YC_STORE_MAP_SIZE_MIN ((uint64_t)1 << 20)
/** Length of the instance id in characters without the NUL (16 random bytes, lower-case hex). */
#define YC_STORE_INSTANCE_ID_LEN 32

/** An open store.  Opaque. */
typedef struct yc_store yc_store;

/** Options of yc_store_open().  Fields are public; zero means "default". */
typedef struct yc_store_opts {
    uint64_t map_size_bytes; /**< LMDB map size in bytes; 0 = YC_STORE_MAP_SIZE_DEFAULT.  If the
                                  file is already larger, LMDB keeps the larger size. */
} yc_store_opts;

/** Counts of one yc_store_ingest() call. */
typedef struct yc_ingest_stats {
    size_t imported;   /**< new (authority USCC, 文书号) pairs: new record ids */
    size_t duplicates; /**< identical to the stored version: nothing written */
    size_t superseded; /**< changed content: new version of an existing record */
} yc_ingest_stats;

/** What the store knows about a subject without unsealing anything. */
typedef struct yc_store_subject {
    yc_subject_type type;       /**< the type given by the subject's latest record */
    char name[YC_NAME_MAX + 1]; /**< merchants: latest 行政相对人名称; natural persons: "" */
} yc_store_subject;

/** A natural person's identity, unsealed (handle as personal information: wipe after use). */
typedef struct yc_store_person {
    char name[YC_NAME_MAX + 1];             /**< latest name given on ingest */
    yc_doc_type doc_type;                   /**< document type */
    char doc_country[YC_COUNTRY_LEN + 1];   /**< issuing country of a passport, else "" */
    char doc_number[YC_DOC_NUMBER_MAX + 1]; /**< normalized document number */
} yc_store_person;

/** Sizes reported by yc_store_stats(). */
typedef struct yc_store_stat {
    uint64_t subjects;   /**< entries in `subjects` */
    uint64_t records;    /**< entries in `records` (current versions) */
    uint64_t history;    /**< superseded versions kept in `history` */
    uint64_t file_bytes; /**< size of `lmdb/data.mdb` on disk (st_size) */
    uint64_t used_bytes; /**< pages in use: (last page number + 1) × page size */
} yc_store_stat;

/**
 * @brief Create a data directory: `DIR`, `DIR/keys` with both keys, and `DIR/lmdb` with the
 *        environment, its named databases, and `meta` (schema version, a new random instance
 *        id, record-id counter 0).
 *
 * @p dir is created with mkdir -p semantics (missing parents 0755, @p dir itself 0700), or
 * may already exist as an empty directory.  On failure, what this call created inside
 * @p dir is not removed (the caller reports the error; `init` is run again on a fresh path).
 *
 * @param[in] dir  NUL-terminated path, at most 4000 bytes.
 * @retval YC_OK
 * @retval YC_ERR_CONFLICT  @p dir exists and is not empty, or exists and is not a directory
 * @retval YC_ERR_INVALID   @p dir is empty or longer than 4000 bytes
 * @retval YC_ERR_IO        a directory or key file cannot be created
 * @retval YC_ERR_STORE     LMDB failed to create the environment
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 2 §4 and §6 (`yrdcredit init`); ARCHITECTURE.md "Storage".
 */
YC_MUST_USE yc_err yc_store_init_dir(const char *dir);

/**
 * @brief Open the store of a data directory made by yc_store_init_dir().
 *
 * Loads both keys (see yc_crypto_key_load(): mode 0600, 32 bytes) and checks the schema.
 * Never creates anything: a directory without `lmdb/data.mdb` is YC_ERR_NOT_FOUND.
 *
 * @param[in]  dir       NUL-terminated data directory, at most 4000 bytes.
 * @param[in]  opts      Options; may be NULL for the defaults.
 * @param[out] ret_store New handle; close with yc_store_close().
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no store in @p dir (or a key file missing)
 * @retval YC_ERR_INVALID    @p dir empty or too long; map size below YC_STORE_MAP_SIZE_MIN;
 *                           a key file with the wrong size or mode, or keys/ open to group
 *                           or others (it must be mode 0700)
 * @retval YC_ERR_STORE      LMDB cannot open the environment, a named database or `meta` is
 *                           missing, or the schema version is unknown (written by a newer build)
 * @retval YC_ERR_IO         a key file cannot be read
 * @retval YC_ERR_AUTH       a key file is not the one this store was created with (the
 *                           pseudonym-key and seal-key checks written by yc_store_init_dir()
 *                           in `meta` do not verify)
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 */
YC_MUST_USE yc_err yc_store_open(const char *dir, const yc_store_opts *opts, yc_store **ret_store);

/**
 * @brief Close the environment, wipe and free the keys.
 * @param[in] st  May be NULL (no-op).  No other call on @p st may be running.
 */
void yc_store_close(yc_store *st);

/**
 * @brief The instance id written at init (16 random bytes as lower-case hex).
 * @param[in]  st      Open store.
 * @param[out] ret_id  YC_STORE_INSTANCE_ID_LEN + 1 bytes; NUL-terminated.
 */
void yc_store_instance_id(const yc_store *st, char ret_id[static YC_STORE_INSTANCE_ID_LEN + 1]);

/**
 * @brief Pseudonymous subject_id of a natural person (no database access).
 *
 * `P` + base32 of the keyed BLAKE2b of `doc_type|country|number` (yc_crypto_pseudonym()),
 * with doc_type = yc_doc_type_str(@p type).  The inputs must already be normalized
 * (yc_doc_normalize()); this function does not normalize them.
 *
 * @param[in]  st                 Open store (its pseudonym key is used).
 * @param[in]  type               One of the four document types.
 * @param[in]  country            NUL-terminated; alpha-3 for passports, "" otherwise (0..3 bytes).
 * @param[in]  normalized_number  NUL-terminated, 1..YC_DOC_NUMBER_MAX bytes.
 * @param[out] ret_id             YC_SUBJECT_ID_MAX + 1 bytes; 33 characters + NUL; written
 *                                only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID  @p type not a document type; a string empty, too long or holding '|'
 * @retval YC_ERR_INTERNAL
 * @par Source: ARCHITECTURE.md "Identifiers".
 */
YC_MUST_USE yc_err yc_store_pseudonym(yc_store *st, yc_doc_type type, const char *country,
                                      const char *normalized_number,
                                      char ret_id[static YC_SUBJECT_ID_MAX + 1]);

/**
 * @brief Store a batch of validated records in ONE durable write transaction (group commit):
 *        either every record is applied or none is.
 *
 * Per record, in array order (a later record sees the earlier ones of the same batch):
 * - natural persons: @c doc_type, @c doc_country, @c doc_number must be filled and already
 *   normalized; @c subject_id is computed (yc_store_pseudonym()) and written back; name and
 *   document are sealed into `subjects`; the record value keeps no name and no document;
 * - merchants (legal_person, individual_business): @c subject_id must be set (the USCC,
 *   1..YC_SUBJECT_ID_MAX printable ASCII bytes); doc fields are ignored; the name is kept;
 * - idempotency on (@c authority_uscc, @c decision_no, @c subject_id) — @c authority_name
 *   instead of the USCC when a source gives none; the subject is part of the key because one
 *   decision (a joint penalty, a court case with several debtors) names several subjects:
 *   a new key is given the next record_id (version 1, @c ingest_ms = now); content identical
 *   to the stored version counts as a duplicate and writes nothing; changed content
 *   supersedes (last write wins, also when it equals an older version): same record_id,
 *   version + 1, @c ingest_ms of the first version, previous value moved to `history`.
 *   Except: a record stored as `disputed`, `repaired` or `revoked` (decided by this
 *   instance's 异议 and 信用修复 procedures or a revocation, issue 6 items 5, 6 and 8) that is
 *   sent again as `active` keeps its stored status, so a re-sent feed never undoes them (the
 *   element's @c status is set to the stored one); `revoked` and `expired` from the source
 *   still apply.  A record filed under the wrong subject is withdrawn by sending it again
 *   with status `revoked`, then filed under the right one; a revoked record stays revoked
 *   (a provider files a corrected decision under a new 文书号);
 * - @c record_id, @c version and @c ingest_ms of the array element are set to the stored
 *   values (input values of these three are ignored), and @c ingest_outcome to what was
 *   done with it (imported, duplicate, superseded).
 *
 * @param[in]     st    Open store.
 * @param[in,out] recs  @p n records; on YC_OK updated as above.  On failure nothing is stored
 *                      and the written-back fields of the elements are unspecified.
 * @param[in]     n     Number of records; 0 is a no-op that still returns zero counts.
 * @param[out]    ret   Counts; may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    a record is malformed: subject type, code or status out of range;
 *                           a string not NUL-terminated within its array or holding a byte the
 *                           store cannot keep; empty subject_id (merchant) or doc_number
 *                           (natural person); empty decision_no
 * @retval YC_ERR_FULL       the map (MDB_MAP_FULL) or the disk is full; nothing stored
 * @retval YC_ERR_TOO_LARGE  the batch does not fit one transaction (MDB_TXN_FULL): use smaller
 *                           batches; nothing stored
 * @retval YC_ERR_STORE      a stored value is corrupt, or another LMDB failure
 * @retval YC_ERR_IO         the durable commit failed (EIO)
 * @retval YC_ERR_NOMEM, YC_ERR_INTERNAL
 * @par Source: issue 2 §4; ARCHITECTURE.md "Data flow" 1 and "Storage".
 */
YC_MUST_USE yc_err yc_store_ingest(yc_store *st, yc_record *recs, size_t n, yc_ingest_stats *ret);

/** Length of a shared batch id in characters without the NUL (16 random bytes, base64url). */
#define YC_STORE_BATCH_ID_LEN 22

/**
 * @brief Are @p s's @p len characters all of the base64url alphabet (RFC 4648 §5: A–Z a–z 0–9
 *        - _)?  The one shape check of the random ids of issue 5 (shared batch ids, the 22
 *        characters after "dec_" of a decision id); the trailing bits are not checked.
 * @param[in] s    Text; not necessarily NUL-terminated; only @p len bytes are read; may be
 *                 NULL only when @p len is 0.
 * @param[in] len  Length of @p s in bytes.
 * @return true when @p len >= 1 and every character is base64url.
 * @par Source: RFC 4648 §5; issue 5 scope items 4 and 5 (review finding 12).
 */
bool yc_store_b64url_id_chars_ok(const char *s, size_t len);

/** One entry of the `shared_batches` table (issue 5 item 5). */
typedef struct yc_store_shared_batch {
    char batch_id[YC_STORE_BATCH_ID_LEN + 1]; /**< 22 base64url characters, NUL-terminated */
    char from[YC_REGION_LEN + 1]; /**< region of the instance that shared it, 6 digits */
    int64_t iat;                  /**< the batch's `iat`, seconds since the epoch */
    uint32_t count;               /**< records in the batch */
    int64_t received_ms;          /**< when it was stored here, Unix ms */
} yc_store_shared_batch;

/**
 * @brief Store the records of a verified shared batch (another instance's signed export) and
 *        its `shared_batches` entry in ONE durable write transaction: all or nothing.
 *
 * As yc_store_ingest(), with these differences:
 * - every record must be a merchant (legal_person or individual_business): a natural
 *   person's record never crosses a city line (issue 5 item 5), YC_ERR_INVALID;
 * - each stored record's @c origin is @p origin (the input @c origin is ignored);
 * - a record whose idempotency key (authority, 文书号, subject) is already stored as a LOCAL
 *   record is a duplicate and never overwrites it (local data is the primary copy); one
 *   already stored from a batch of ANOTHER origin is a duplicate too and is not stored (only
 *   the origin that shared a record may supersede it: its origin never flips); one already
 *   stored from a batch of the SAME @p origin is a duplicate when identical, else superseded
 *   as by yc_store_ingest();
 * - @p batch_id already in `shared_batches` (a replay) is YC_ERR_CONFLICT and nothing is
 *   stored, checked in the same transaction (two concurrent imports of one batch: exactly
 *   one wins);
 * - @p n may be 0 (the batch entry is still written, so an empty batch is not replayable).
 *
 * Conversely yc_store_ingest() of a record stored from a batch supersedes it with the local
 * version (origin "").
 *
 * @param[in]     st        Open store.
 * @param[in]     origin    NUL-terminated region of the sender (the batch's `from`): refused
 *                          (YC_ERR_INVALID) unless yc_region_is_valid() accepts it, i.e. six
 *                          ASCII digits starting with a GB/T 2260 province code (so never
 *                          "", never a leading 0, never this instance's own local marker).
 * @param[in]     batch_id  NUL-terminated, YC_STORE_BATCH_ID_LEN base64url characters.
 * @param[in]     iat       The batch's `iat`, seconds since the epoch.
 * @param[in,out] recs      @p n records, written back as by yc_store_ingest().
 * @param[in]     n         Number of records, 0..UINT32_MAX.
 * @param[out]    ret       Counts; may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_CONFLICT   @p batch_id was stored before (replay); nothing stored
 * @retval YC_ERR_INVALID    a bad @p origin or @p batch_id, a natural person's record, or a
 *                           record yc_store_ingest() would refuse
 * @retval YC_ERR_FULL      as yc_store_ingest()
 * @retval YC_ERR_TOO_LARGE  as yc_store_ingest()
 * @retval YC_ERR_STORE      as yc_store_ingest()
 * @retval YC_ERR_IO         as yc_store_ingest()
 * @retval YC_ERR_NOMEM      as yc_store_ingest()
 * @retval YC_ERR_INTERNAL   as yc_store_ingest()
 * @par Source: issue 5 scope item 5; docs/sharing.md.
 */
YC_MUST_USE yc_err yc_store_ingest_shared(yc_store *st, const char *origin, const char *batch_id,
                                          int64_t iat, yc_record *recs, size_t n,
                                          yc_ingest_stats *ret);

/**
 * @brief Look up a stored shared batch.
 * @param[in]  st        Open store.
 * @param[in]  batch_id  NUL-terminated batch id.
 * @param[out] ret       The entry (batch_id copied in); may be NULL.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  never stored (also: no batch stored yet, or a malformed id)
 * @retval YC_ERR_STORE      corrupt value or LMDB failure
 * @retval YC_ERR_NOMEM
 * @par Source: issue 5 scope item 5.
 */
YC_MUST_USE yc_err yc_store_shared_batch_get(yc_store *st, const char *batch_id,
                                             yc_store_shared_batch *ret);

/**
 * @brief Callback of yc_store_record_walk(), once per current record.
 * @param[in] ctx  The caller's context.
 * @param[in] rec  The record, fully decoded, with its subject_id (natural persons: name and
 *                 document empty); valid only during the call.
 * @return YC_OK to continue; any other value stops the walk and is returned by it.
 * @par Source: issue 5 scope item 5 (`yrdcredit share export` walks the records).
 */
typedef yc_err (*yc_store_record_fn)(void *ctx, const yc_record *rec);

/**
 * @brief Walk every current record in key order (subject_id, record_id) in one read-only
 *        transaction (one snapshot; writers, also of other processes, are not blocked), fully
 *        decoded: the export path of `yrdcredit share export`.
 * @param[in] st   Open store.
 * @param[in] fn   Callback.
 * @param[in] ctx  Passed to @p fn; may be NULL.
 * @retval YC_OK          every record visited (also when there is none)
 * @retval YC_ERR_STORE   corrupt key or value, or LMDB failure
 * @retval YC_ERR_NOMEM
 * @retval other          the first non-YC_OK value returned by @p fn
 * @par Source: issue 5 scope item 5.
 */
YC_MUST_USE yc_err yc_store_record_walk(yc_store *st, yc_store_record_fn fn, void *ctx);

/**
 * @brief Does a subject exist, and what is it?
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated USCC or pseudonym.
 * @param[out] ret         Type and (merchants) name; may be NULL to test existence only.
 *                         Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such subject (including an id too long to exist)
 * @retval YC_ERR_STORE      corrupt value or LMDB failure
 */
YC_MUST_USE yc_err yc_store_subject_get(yc_store *st, const char *subject_id,
                                        yc_store_subject *ret);

/**
 * @brief Unseal a natural person's name and document (for the person's own view and for
 *        operators; never log the result).
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated pseudonym.
 * @param[out] ret         Identity; written only on YC_OK.  Wipe it after use.
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  no such subject, or the subject is not a natural person
 * @retval YC_ERR_STORE      corrupt value, or the box does not open (wrong seal key)
 */
YC_MUST_USE yc_err yc_store_person_get(yc_store *st, const char *subject_id, yc_store_person *ret);

/**
 * @brief Heap copies of every current record of a subject, in record_id order.
 *
 * For natural persons @c subject_name, @c doc_country and @c doc_number are "" and
 * @c doc_type is YC_DOC_NONE (they are not in the records; see yc_store_person_get()).
 *
 * @param[in]  st          Open store.
 * @param[in]  subject_id  NUL-terminated USCC or pseudonym.
 * @param[out] ret_recs    Array of *@p ret_n records (NULL when 0); caller frees with
 *                         yc_store_records_free().  Written only on YC_OK.
 * @param[out] ret_n       Number of records.  Written only on YC_OK.
 * @retval YC_OK             (also for a known subject with no current record: *ret_n = 0)
 * @retval YC_ERR_NOT_FOUND  no such subject
 * @retval YC_ERR_STORE      corrupt value or LMDB failure
 * @retval YC_ERR_NOMEM
 */
YC_MUST_USE yc_err yc_store_subject_records(yc_store *st, const char *subject_id,
                                            yc_record **ret_recs, size_t *ret_n);

/**
 * @brief Heap copies of the superseded versions of a record (oldest first), each with the
 *        subject_id it was stored under; the current version is not included (see
 *        yc_store_subject_records()).  Natural persons' identity fields are empty as there.
 * @param[in]  st         Open store.
 * @param[in]  record_id  Record id.
 * @param[out] ret_recs   Array of *@p ret_n records (NULL when 0); caller frees with
 *                        yc_store_records_free().  Written only on YC_OK.
 * @param[out] ret_n      Number of superseded versions; 0 for a record never corrected or
 *                        an unknown id.  Written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_STORE  corrupt value or LMDB failure
 * @retval YC_ERR_NOMEM
 */
YC_MUST_USE yc_err yc_store_record_history(yc_store *st, uint64_t record_id, yc_record **ret_recs,
                                           size_t *ret_n);

/**
 * @brief Free an array from yc_store_subject_records() or yc_store_record_history().
 * @param[in] recs  May be NULL (no-op).
 */
void yc_store_records_free(yc_record *recs);

/**
 * @brief Callback of yc_store_walk(), called once per subject.
 * @param[in] ctx           The caller's context.
 * @param[in] subject_id    NUL-terminated; valid only during the call.
 * @param[in] subject_type  Type stored in the subject's last record (in key order).
 * @param[in] facts         @p n facts in record_id order; every @c authority points into
 *                          the LMDB map and is valid only during the call.
 * @param[in] n             Number of facts, ≥ 1.
 * @return YC_OK to continue; any other value stops the walk and is returned by it.
 */
typedef yc_err (*yc_store_walk_fn)(void *ctx, const char *subject_id, yc_subject_type subject_type,
                                   const yc_fact *facts, size_t n);

/**
 * @brief Walk every current record in key order (subject_id, record_id) in one read
 *        transaction with one cursor, calling @p fn once per subject.
 *
 * Facts are decoded from a fixed-offset header of each value without copying strings;
 * this is the bulk-scoring path (bench/score).  The read transaction sees one snapshot;
 * writers are not blocked.
 *
 * @param[in] st   Open store.
 * @param[in] fn   Callback.
 * @param[in] ctx  Passed to @p fn; may be NULL.
 * @retval YC_OK             every subject visited (also when the store is empty)
 * @retval YC_ERR_STORE      corrupt key or value, or LMDB failure
 * @retval YC_ERR_NOMEM
 * @retval other             the first non-YC_OK value returned by @p fn
 */
YC_MUST_USE yc_err yc_store_walk(yc_store *st, yc_store_walk_fn fn, void *ctx);

/**
 * @brief Entry counts and file size.
 * @param[in]  st   Open store.
 * @param[out] ret  Counts; written only on YC_OK.
 * @retval YC_OK, YC_ERR_STORE, YC_ERR_IO (cannot stat data.mdb)
 */
YC_MUST_USE yc_err yc_store_stats(yc_store *st, yc_store_stat *ret);

/**
 * @brief The store's generation: the id of the newest committed write transaction, by this or
 *        any other process (e.g. `yrdcredit import` while yrdcreditd runs).  Every commit
 *        increases it; a read-only call never changes it.
 *
 * Cheap: it reads LMDB's meta pages (mdb_env_info(), @c me_last_txnid); no transaction, no
 * lock, no allocation.  While another thread or process is making a commit durable, the
 * value may already be that commit's id although a read transaction begun at that moment
 * still sees the previous snapshot (LMDB publishes the snapshot to readers after its meta
 * page is written), so the value is never below yc_store_snapshot_generation() and at most
 * one above it.  A cache of derived data is therefore stamped with
 * yc_store_snapshot_generation() taken *before* the data is read, and an entry is valid while
 * yc_store_generation() equals its stamp.
 *
 * @param[in] st  Open store.
 * @return The generation (0 only if LMDB refuses to report it).
 * @note Thread-safety: may be called from any thread at any time while @p st is open.
 * @par Source: issue 3 bench acceptance item (per-worker score response cache, svc/api);
 *      LMDB 0.9 mdb_env_info(), MDB_envinfo.me_last_txnid.
 */
uint64_t yc_store_generation(yc_store *st);

/**
 * @brief The generation a read begun now sees: the id of the snapshot of a new read-only
 *        transaction (mdb_txn_id()).  Any read that starts after this call sees this snapshot
 *        or a later one.  Costs a read transaction (begin and abort).
 * @param[in]  st   Open store.
 * @param[out] ret  The snapshot's transaction id; written only on YC_OK.  Never above
 *                  yc_store_generation() read after this call.
 * @retval YC_OK
 * @retval YC_ERR_STORE  LMDB could not begin a read transaction (e.g. no reader slot left)
 * @retval YC_ERR_NOMEM
 * @note Thread-safety: as yc_store_generation().
 * @par Source: see yc_store_generation(); LMDB 0.9 mdb_txn_id().
 */
YC_MUST_USE yc_err yc_store_snapshot_generation(yc_store *st, uint64_t *ret);

/**
 * @brief The records' generation: the id of the last committed write transaction that
 *        ingested records (yc_store_ingest(), also from another process), 0 if none has since
 *        this key exists.  Unlike yc_store_generation() it does not move when other tables
 *        are written (attestations, their status changes), so a cache of scores stamped with
 *        it survives those commits.  Stamp with the value read *before* the data is read; an
 *        entry is valid while this returns its stamp.  Costs a read transaction.
 * @param[in]  st   Open store.
 * @param[out] ret  The generation; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_STORE  LMDB could not begin a read transaction, or the value is malformed
 * @retval YC_ERR_NOMEM
 * @note Thread-safety: any thread while @p st is open.
 * @par Source: issue 4 (attestation commits no longer invalidate the issue 3 score cache).
 */
YC_MUST_USE yc_err yc_store_records_generation(yc_store *st, uint64_t *ret);

/**
 * @brief Benchmark anchor: the raw LMDB put rate on this machine, for comparison with
 *        the import rate (bench/import, BENCHMARKS.md).  Not used by the service.
 *
 * Creates a fresh environment in @p dir (created if missing; must not already hold
 * `data.mdb`), with the same flags as the store (durable: no MDB_NOSYNC), a map size of
 * YC_STORE_MAP_SIZE_DEFAULT, and one unnamed database; then puts @p n_keys keys of
 * @p key_len bytes (a 64-bit mix of the key index, so inserts land in random places of the
 * B-tree as subject ids do) with @p val_len-byte values, committing one write transaction
 * every @p batch keys.  The elapsed CLOCK_MONOTONIC time of the puts and commits (not of
 * creating the environment) is returned.  The caller removes @p dir afterwards.
 *
 * @param[in]  dir          NUL-terminated directory, at most 4000 bytes.
 * @param[in]  n_keys       Number of keys, 1..10^9.
 * @param[in]  key_len      Key length in bytes, 8..511.
 * @param[in]  val_len      Value length in bytes, 0..65536.
 * @param[in]  batch        Keys per transaction, 1..n_keys.
 * @param[out] ret_seconds  Elapsed time in seconds; written only on YC_OK.
 * @retval YC_OK
 * @retval YC_ERR_INVALID    an argument out of range
 * @retval YC_ERR_CONFLICT   @p dir already holds data.mdb
 * @retval YC_ERR_IO         @p dir cannot be created
 * @retval YC_ERR_FULL       map or disk full
 * @retval YC_ERR_STORE, YC_ERR_NOMEM
 */
YC_MUST_USE yc_err yc_store_bench_raw_put(const char *dir, size_t n_keys, size_t key_len,
                                          size_t val_len, size_t batch, double *ret_seconds);

#endif
