/* Internal to svc/store/ (and its tests and fuzz target): the versioned value codec.
 *
 * No LMDB here: these functions turn records into bytes and back.  Every decoder treats its
 * input as untrusted (it comes from disk): bounds are checked before every read, and a
 * malformed value is YC_ERR_STORE, never a crash or an assert.  Decoders are canonical: a
 * value they accept re-encodes to the same bytes (reserved bytes zero, no trailing bytes,
 * no NUL inside strings), which the fuzz target checks.
 *
 * All integers are fixed-width little-endian, except record ids and versions inside keys,
 * which are big-endian so that LMDB's byte order is numeric order.
 *
 * Record value, codec version 1 (fixed 56-byte header, then length-prefixed strings):
 *
 *   off len field
 *     0   1 codec version (1)
 *     1   1 subject_type (yc_subject_type, 1..3)
 *     2   1 code (yc_code)
 *     3   1 status (yc_status)
 *     4   1 flags: bit 0 = has_amount; other bits 0
 *     5   3 reserved, 0
 *     8   8 record_id (u64)
 *    16   4 version (u32)
 *    20   4 decision_date (i32 days)
 *    24   4 pub_start
 *    28   4 pub_min_end
 *    32   4 pub_max_end
 *    36   4 origin (u32): 0 = ingested here; else the 行政区划代码 (100000..999999) of the
 *           instance that shared the record (issue 5 item 5, docs/sharing.md).  These bytes
 *           were "reserved, 0" before origin existed, so older values decode as local and
 *           the codec version stays 1; any other value is malformed (canonical decoding)
 *    40   8 amount (i64, 10^-6 万元; 0 when has_amount is 0)
 *    48   8 ingest_ms (i64)
 *    56     strings, each u16 length + bytes (no NUL): authority_name (first, so a fact
 *           decodes from fixed offsets), authority_uscc, decision_no, source_name,
 *           source_uscc, legal_basis, region, subject_name (always empty for natural persons)
 *
 * The subject_id is the key's prefix, not part of the value; doc fields are never in it.
 */
#ifndef YRDCREDIT_STORE_CODEC_H
#define YRDCREDIT_STORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"
#include "yrdcredit/record.h"
#include "yrdcredit/store.h"

/* Fixed-width integers in values and keys, shared by every table of svc/store/. */
/* Little-endian, n bytes (1..8). */
static inline void yc_codec_put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t yc_codec_get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

/* Big-endian u64: in keys, so that LMDB's byte order is numeric order. */
static inline void yc_codec_put_u64be(uint8_t *p, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static inline uint64_t yc_codec_get_u64be(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

#define YC_CODEC_VERSION 1

/* shared_batches value (issue 5 item 5): codec (1), from (u32 region), iat (i64 s),
 * count (u32), received_ms (i64); key: the 22-character batch id. */
enum { YC_CODEC_SHARED_BATCH_LEN = 1 + 4 + 8 + 4 + 8 };

enum {
    YC_CODEC_REC_OFF_CODEC = 0,
    YC_CODEC_REC_OFF_SUBJECT_TYPE = 1,
    YC_CODEC_REC_OFF_CODE = 2,
    YC_CODEC_REC_OFF_STATUS = 3,
    YC_CODEC_REC_OFF_FLAGS = 4,
    YC_CODEC_REC_OFF_RESERVED1 = 5,
    YC_CODEC_REC_OFF_RECORD_ID = 8,
    YC_CODEC_REC_OFF_VERSION = 16,
    YC_CODEC_REC_OFF_DECISION_DATE = 20,
    YC_CODEC_REC_OFF_PUB_START = 24,
    YC_CODEC_REC_OFF_PUB_MIN_END = 28,
    YC_CODEC_REC_OFF_PUB_MAX_END = 32,
    YC_CODEC_REC_OFF_ORIGIN = 36,
    YC_CODEC_REC_OFF_AMOUNT = 40,
    YC_CODEC_REC_OFF_INGEST_MS = 48,
    YC_CODEC_REC_HEADER_LEN = 56,
    YC_CODEC_REC_STRINGS = 8,
    /* header + 8 length prefixes + the longest strings record.h allows */
    YC_CODEC_RECORD_MAX = YC_CODEC_REC_HEADER_LEN + 2 * YC_CODEC_REC_STRINGS + YC_NAME_MAX +
                          YC_USCC_LEN + YC_DECISION_NO_MAX + YC_NAME_MAX + YC_USCC_LEN +
                          YC_LEGAL_BASIS_MAX + YC_REGION_LEN + YC_NAME_MAX,
    /* records key: subject_id, 0x00, record_id (u64 big-endian) */
    YC_CODEC_RECORD_KEY_MAX = YC_SUBJECT_ID_MAX + 1 + 8,
    /* source key: subject_id, 0x00, SHA-256 of (authority, 0x00, decision_no) */
    YC_CODEC_SOURCE_KEY_MAX = YC_SUBJECT_ID_MAX + 1 + 32,
    /* source value: codec, record_id (u64 LE), u8 length, subject_id */
    YC_CODEC_SOURCE_VAL_MAX = 1 + 8 + 1 + YC_SUBJECT_ID_MAX,
    /* history key: record_id (u64 BE), version (u32 BE) */
    YC_CODEC_HISTORY_KEY_LEN = 12,
    /* history value: u8 length, subject_id of that version, then its record value */
    YC_CODEC_HISTORY_VAL_MAX = 1 + YC_SUBJECT_ID_MAX + YC_CODEC_RECORD_MAX,
    /* identity plaintext: codec, doc_type, u8 + country, u8 + number, u16 + name */
    YC_CODEC_IDENTITY_MAX = 1 + 1 + 1 + YC_COUNTRY_LEN + 1 + YC_DOC_NUMBER_MAX + 2 + YC_NAME_MAX,
    /* subject value: codec, subject_type, u16 payload length, payload (name or sealed identity) */
    YC_CODEC_SUBJECT_VAL_MAX = 1 + 1 + 2 + YC_CODEC_IDENTITY_MAX + 40,
};

_Static_assert(YC_CODEC_RECORD_MAX < 4096, "record values fit a stack buffer");
_Static_assert(YC_CODEC_RECORD_KEY_MAX <= 511 && YC_CODEC_SOURCE_KEY_MAX <= 511,
               "LMDB default maximum key size");
_Static_assert(YC_SUBJECT_ID_MAX <= UINT8_MAX, "subject_id length fits u8");
_Static_assert(YC_LEGAL_BASIS_MAX <= UINT16_MAX, "string lengths fit u16");

/**
 * Encoded length of @p rec's value (assumes yc_codec_record_encode() accepts @p rec).
 */
size_t yc_codec_record_len(const yc_record *rec);

/**
 * Encode @p rec (its subject_id is not encoded; for a natural person subject_name is
 * written empty and doc fields are never written).
 * @retval YC_OK, YC_ERR_INVALID (enum out of range, string not NUL-terminated within its
 *         array, amount out of range), YC_ERR_TOO_LARGE (@p cap too small)
 */
YC_MUST_USE yc_err yc_codec_record_encode(const yc_record *rec, uint8_t *buf, size_t cap,
                                          size_t *ret_len);

/**
 * Decode a whole record value.  Sets every field except subject_id ("") and the doc fields
 * (YC_DOC_NONE, "").  @retval YC_OK, YC_ERR_STORE (malformed).
 */
YC_MUST_USE yc_err yc_codec_record_decode(const uint8_t *val, size_t len, yc_record *ret);

/**
 * Decode the score-relevant fields from the fixed header and the first string, without
 * reading the other strings.  ret->authority points into @p val.
 * @retval YC_OK, YC_ERR_STORE (malformed header or authority string)
 */
YC_MUST_USE yc_err yc_codec_fact_decode(const uint8_t *val, size_t len, yc_fact *ret,
                                        yc_subject_type *ret_type);

/** Build a records key; returns its length.  @p sid_len must be 1..YC_SUBJECT_ID_MAX. */
size_t yc_codec_record_key(const char *sid, size_t sid_len, uint64_t record_id,
                           uint8_t out[static YC_CODEC_RECORD_KEY_MAX]);

/**
 * Split a records key.  @retval YC_OK, YC_ERR_STORE (shape wrong: length, separator, a
 * subject_id byte outside 0x21..0x7e).
 */
YC_MUST_USE yc_err yc_codec_record_key_parse(const uint8_t *key, size_t len, size_t *ret_sid_len,
                                             uint64_t *ret_record_id);

/**
 * Build a source key: subject_id, 0x00, then SHA-256 over authority, 0x00, 文书号
 * (NUL-terminated strings; none contains a NUL).  The subject is part of the key because one
 * decision (a joint penalty, a court case with several debtors) names several subjects, each
 * with its own record; it comes first so that inserts follow subject order as the records
 * table does (hashing the whole key made every insert land at a random page and halved the
 * import rate).  The authority is its USCC, or its name when the source gives no USCC.
 * @p subject_id is 1..YC_SUBJECT_ID_MAX bytes.  Returns the key length.
 */
size_t yc_codec_source_key(const char *authority, const char *decision_no, const char *subject_id,
                           uint8_t out[static YC_CODEC_SOURCE_KEY_MAX]);

/** Build a source value; returns its length. */
size_t yc_codec_source_val(uint64_t record_id, const char *sid, size_t sid_len,
                           uint8_t out[static YC_CODEC_SOURCE_VAL_MAX]);

/**
 * Decode a source value; @p ret_sid receives a NUL-terminated copy.
 * @retval YC_OK, YC_ERR_STORE
 */
YC_MUST_USE yc_err yc_codec_source_val_decode(const uint8_t *val, size_t len,
                                              uint64_t *ret_record_id,
                                              char ret_sid[static YC_SUBJECT_ID_MAX + 1]);

/** Build a history key. */
void yc_codec_history_key(uint64_t record_id, uint32_t version,
                          uint8_t out[static YC_CODEC_HISTORY_KEY_LEN]);

/**
 * Build a history value: the subject_id the superseded version was stored under (the records
 * key held it), then that version's record value.  Returns its length.
 * @p sid_len 1..YC_SUBJECT_ID_MAX; @p val_len at most YC_CODEC_RECORD_MAX.
 */
size_t yc_codec_history_val(const char *sid, size_t sid_len, const uint8_t *val, size_t val_len,
                            uint8_t out[static YC_CODEC_HISTORY_VAL_MAX]);

/**
 * Decode a history value into a full record, subject_id included.
 * @retval YC_OK, YC_ERR_STORE
 */
YC_MUST_USE yc_err yc_codec_history_val_decode(const uint8_t *val, size_t len, yc_record *ret);

/**
 * Encode a subject value around @p payload (a merchant's name, or a sealed identity).
 * @retval YC_OK, YC_ERR_INVALID (type out of range, payload too long), YC_ERR_TOO_LARGE (cap)
 */
YC_MUST_USE yc_err yc_codec_subject_encode(yc_subject_type type, const uint8_t *payload,
                                           size_t payload_len, uint8_t *buf, size_t cap,
                                           size_t *ret_len);

/**
 * Decode a subject value: type and a view of the payload inside @p val.  For merchants the
 * payload is the name (checked: no NUL, at most YC_NAME_MAX bytes).
 * @retval YC_OK, YC_ERR_STORE
 */
YC_MUST_USE yc_err yc_codec_subject_decode(const uint8_t *val, size_t len,
                                           yc_subject_type *ret_type, const uint8_t **ret_payload,
                                           size_t *ret_payload_len);

/**
 * Encode a natural person's identity (the plaintext that is sealed).
 * @retval YC_OK, YC_ERR_INVALID (doc_type out of range, empty number, string too long)
 */
YC_MUST_USE yc_err yc_codec_identity_encode(const yc_store_person *p,
                                            uint8_t out[static YC_CODEC_IDENTITY_MAX],
                                            size_t *ret_len);

/** Decode an identity plaintext.  @retval YC_OK, YC_ERR_STORE */
YC_MUST_USE yc_err yc_codec_identity_decode(const uint8_t *buf, size_t len, yc_store_person *ret);

/**
 * Is @p origin (at most @p cap bytes read) a storable origin: 6 ASCII digits, the first not 0
 * (100000..999999; every region yc_region_is_valid() accepts)?  The rule of the codec's u32.
 */
bool yc_codec_origin_is_valid(const char *origin, size_t cap);

/**
 * Encode a shared_batches value (@p b->from a 6-digit region).  @retval YC_OK, YC_ERR_INVALID.
 */
YC_MUST_USE yc_err yc_codec_shared_batch_encode(const yc_store_shared_batch *b,
                                                uint8_t out[static YC_CODEC_SHARED_BATCH_LEN]);

/**
 * Decode a shared_batches value into @p ret (batch_id is left as is).
 * @retval YC_OK, YC_ERR_STORE (malformed).
 */
YC_MUST_USE yc_err yc_codec_shared_batch_decode(const uint8_t *val, size_t len,
                                                yc_store_shared_batch *ret);

#endif
