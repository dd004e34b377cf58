/* Fuzz target: the record store's value codec on arbitrary bytes (values read from disk).
 *
 * Target Functions:
 *   yc_codec_record_decode, yc_codec_fact_decode, yc_codec_record_encode,
 *   yc_codec_record_key_parse, yc_codec_record_key, yc_codec_source_val_decode,
 *   yc_codec_source_val, yc_codec_subject_decode, yc_codec_subject_encode,
 *   yc_codec_identity_decode, yc_codec_identity_encode, yc_codec_history_val_decode,
 *   yc_codec_history_val; yc_record_to_json (record_json.h) on every record that decodes.
 *
 * Every decoder gets the whole input.  Deterministic, no I/O.  Besides memory errors it
 * checks properties that must hold for every input and aborts when one fails:
 *   - the decoders are canonical: whatever one accepts re-encodes to exactly the input bytes;
 *   - whatever the full record decoder accepts, the fact decoder accepts with the same fields,
 *     and its authority view lies inside the input;
 *   - a natural person's record value never carries a name, nor does its JSON view;
 *   - every record and every merchant name that decodes has a JSON view (issue 7: UTF-8).
 * Replayed from tests/fuzz/corpus/codec/ by tests/fuzz/replay_main.c in normal builds; the
 * corpus holds real encoded values (merchant, natural person, maximum lengths, keys,
 * source, history, subject and identity values).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../svc/store/codec.h"
#include "yrdcredit/record_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool cond)
{
    if (!cond)
        abort();
}

static void check_record(const uint8_t *data, size_t size)
{
    static yc_record rec; /* 3 KiB: keep it off the fuzzer's stack */
    yc_fact fact;
    yc_subject_type type = YC_SUBJECT_NONE;
    yc_err fe = yc_codec_fact_decode(data, size, &fact, &type);
    if (fe == YC_OK) {
        require(fact.authority >= (const char *)data &&
                fact.authority + fact.authority_len <= (const char *)data + size);
        require(fact.authority_len <= YC_NAME_MAX);
    }
    if (yc_codec_record_decode(data, size, &rec) != YC_OK)
        return;
    require(fe == YC_OK);
    require(type == rec.subject_type && fact.record_id == rec.record_id && fact.code == rec.code &&
            fact.status == rec.status && fact.decision_date == rec.decision_date &&
            fact.pub_min_end == rec.pub_min_end && fact.pub_max_end == rec.pub_max_end &&
            fact.has_amount == rec.has_amount && fact.amount == rec.amount);
    require(fact.authority_len == strlen(rec.authority_name) &&
            memcmp(fact.authority, rec.authority_name, fact.authority_len) == 0);
    require(rec.subject_type != YC_SUBJECT_NATURAL_PERSON || rec.subject_name[0] == '\0');
    require(rec.doc_type == YC_DOC_NONE && rec.doc_number[0] == '\0');
    static uint8_t again[YC_CODEC_RECORD_MAX];
    size_t len = 0;
    require(yc_codec_record_encode(&rec, again, sizeof again, &len) == YC_OK);
    require(len == size && memcmp(again, data, size) == 0);
    require(yc_codec_record_len(&rec) == size);
    /* the JSON view of every stored record (issue 7 item 3): built, serialisable, and without a
     * natural person's name */
    json_t *j = yc_record_to_json(&rec);
    require(j != NULL);
    require(rec.subject_type != YC_SUBJECT_NATURAL_PERSON || json_object_get(j, "name") == NULL);
    char *text = json_dumps(j, JSON_COMPACT);
    require(text != NULL);
    free(text);
    json_decref(j);
}

static void check_keys(const uint8_t *data, size_t size)
{
    size_t sid_len = 0;
    uint64_t rid = 0;
    if (yc_codec_record_key_parse(data, size, &sid_len, &rid) == YC_OK) {
        uint8_t key[YC_CODEC_RECORD_KEY_MAX];
        require(sid_len >= 1 && sid_len <= YC_SUBJECT_ID_MAX);
        require(yc_codec_record_key((const char *)data, sid_len, rid, key) == size);
        require(memcmp(key, data, size) == 0);
    }
    char sid[YC_SUBJECT_ID_MAX + 1];
    if (yc_codec_source_val_decode(data, size, &rid, sid) == YC_OK) {
        uint8_t val[YC_CODEC_SOURCE_VAL_MAX];
        require(rid != 0 && strlen(sid) >= 1);
        require(yc_codec_source_val(rid, sid, strlen(sid), val) == size);
        require(memcmp(val, data, size) == 0);
    }
}

static void check_subject(const uint8_t *data, size_t size)
{
    yc_subject_type type = YC_SUBJECT_NONE;
    const uint8_t *payload = NULL;
    size_t n = 0;
    if (yc_codec_subject_decode(data, size, &type, &payload, &n) == YC_OK) {
        require(payload == data + 4 && n == size - 4);
        static uint8_t again[YC_CODEC_SUBJECT_VAL_MAX];
        size_t len = 0;
        require(yc_codec_subject_encode(type, payload, n, again, sizeof again, &len) == YC_OK);
        require(len == size && memcmp(again, data, size) == 0);
        if (type != YC_SUBJECT_NATURAL_PERSON) { /* a merchant's name has a JSON string */
            json_t *name = json_stringn((const char *)payload, n);
            require(name != NULL);
            json_decref(name);
        }
    }
    static yc_record rec;
    if (yc_codec_history_val_decode(data, size, &rec) == YC_OK) {
        static uint8_t val[YC_CODEC_RECORD_MAX], again[YC_CODEC_HISTORY_VAL_MAX];
        size_t len = 0;
        require(yc_codec_record_encode(&rec, val, sizeof val, &len) == YC_OK);
        size_t sid_len = strlen(rec.subject_id);
        require(yc_codec_history_val(rec.subject_id, sid_len, val, len, again) == size);
        require(memcmp(again, data, size) == 0);
    }
    yc_store_person p;
    if (yc_codec_identity_decode(data, size, &p) == YC_OK) {
        uint8_t again[YC_CODEC_IDENTITY_MAX];
        size_t len = 0;
        require(p.doc_number[0] != '\0');
        require(yc_codec_identity_encode(&p, again, &len) == YC_OK);
        require(len == size && memcmp(again, data, size) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_record(data, size);
    check_keys(data, size);
    check_subject(data, size);
    return 0;
}
