/* Tests for include/yrdcredit/crypto.h (crypto/). */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/crypto.h"

/* Key 00 01 02 .. 1f, the key of the known-answer tests below. */
static void kat_key(yc_crypto_key **ret_key)
{
    uint8_t raw[YC_CRYPTO_KEY_BYTES];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)i;
    assert_int_equal(yc_crypto_key_from_bytes(raw, ret_key), YC_OK);
}

static void hex_of(const uint8_t *in, size_t len, char *out)
{
    yc_hex_encode(in, len, out);
}

/* ---- safety ---- */

static void safety__empty_inputs__defined_outputs(void **state)
{
    (void)state;
    char hex[1] = {'x'};
    yc_hex_encode(NULL, 0, hex);
    assert_int_equal(hex[0], '\0');
    char b32[1] = {'x'};
    yc_base32_encode(NULL, 0, b32);
    assert_int_equal(b32[0], '\0');
    assert_int_equal(yc_base32_encoded_len(0), 0);
    uint8_t d[32];
    char dhex[65];
    yc_crypto_sha256(NULL, 0, d);
    hex_of(d, sizeof d, dhex);
    assert_string_equal(dhex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(yc_crypto_random(NULL, 0), YC_OK);
    assert_true(yc_crypto_equal(NULL, NULL, 0));
    yc_crypto_key_free(NULL);
}

static void safety__seal_empty_plaintext__round_trips(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL;
    kat_key(&key);
    uint8_t box[YC_SEAL_OVERHEAD];
    assert_int_equal(yc_crypto_seal(key, NULL, 0, NULL, 0, box), YC_OK);
    uint8_t out[1] = {0x55};
    assert_int_equal(yc_crypto_open(key, box, sizeof box, NULL, 0, out), YC_OK);
    assert_int_equal(out[0], 0x55); /* nothing written for an empty plaintext */
    /* one byte short of the overhead: corrupt, not a crash */
    assert_int_equal(yc_crypto_open(key, box, sizeof box - 1, NULL, 0, out), YC_ERR_STORE);
    assert_int_equal(yc_crypto_open(key, box, 0, NULL, 0, out), YC_ERR_STORE);
    yc_crypto_key_free(key);
}

static void safety__seal_limit_and_limit_plus_1__ok_then_too_large(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL;
    kat_key(&key);
    uint8_t *msg = calloc(YC_SEAL_MAX_PLAINTEXT + 1, 1);
    uint8_t *box = calloc(YC_SEAL_MAX_PLAINTEXT + 1 + YC_SEAL_OVERHEAD, 1);
    uint8_t *back = calloc(YC_SEAL_MAX_PLAINTEXT + 1, 1);
    assert_non_null(msg);
    assert_non_null(box);
    assert_non_null(back);
    msg[YC_SEAL_MAX_PLAINTEXT - 1] = 0x7e;
    assert_int_equal(yc_crypto_seal(key, msg, YC_SEAL_MAX_PLAINTEXT, NULL, 0, box), YC_OK);
    assert_int_equal(
        yc_crypto_open(key, box, YC_SEAL_MAX_PLAINTEXT + YC_SEAL_OVERHEAD, NULL, 0, back), YC_OK);
    assert_memory_equal(back, msg, YC_SEAL_MAX_PLAINTEXT);
    assert_int_equal(yc_crypto_seal(key, msg, YC_SEAL_MAX_PLAINTEXT + 1, NULL, 0, box),
                     YC_ERR_TOO_LARGE);
    assert_int_equal(
        yc_crypto_open(key, box, YC_SEAL_MAX_PLAINTEXT + 1 + YC_SEAL_OVERHEAD, NULL, 0, back),
        YC_ERR_TOO_LARGE);
    free(msg);
    free(box);
    free(back);
    yc_crypto_key_free(key);
}

static void safety__pseudonym_limits__32_ok_33_invalid(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL;
    kat_key(&key);
    char id[YC_PSEUDONYM_LEN + 1] = "unchanged";
    char n32[33], n33[34];
    memset(n32, 'A', 32);
    n32[32] = '\0';
    memset(n33, 'A', 33);
    n33[33] = '\0';
    assert_int_equal(yc_crypto_pseudonym(key, "passport", "USA", n32, id), YC_OK);
    assert_int_equal(strlen(id), YC_PSEUDONYM_LEN);
    char before[YC_PSEUDONYM_LEN + 1];
    memcpy(before, id, sizeof before);
    assert_int_equal(yc_crypto_pseudonym(key, "passport", "USA", n33, id), YC_ERR_INVALID);
    assert_int_equal(yc_crypto_pseudonym(key, "passport", "USAX", "X1234567", id), YC_ERR_INVALID);
    assert_int_equal(yc_crypto_pseudonym(key, "resident_id", "", "", id), YC_ERR_INVALID);
    assert_int_equal(yc_crypto_pseudonym(key, "", "", "12345", id), YC_ERR_INVALID);
    /* '|' would make two different triples hash the same string */
    assert_int_equal(yc_crypto_pseudonym(key, "passport", "US|", "X1", id), YC_ERR_INVALID);
    assert_int_equal(yc_crypto_pseudonym(key, "passport", "USA", "X|1", id), YC_ERR_INVALID);
    assert_int_equal(yc_crypto_pseudonym(key, "pass|port", "USA", "X1", id), YC_ERR_INVALID);
    assert_memory_equal(id, before, sizeof before); /* untouched on failure */
    yc_crypto_key_free(key);
}

/* ---- hashing and encodings ---- */

static void sha256__fips_180_2_vectors__match(void **state)
{
    (void)state;
    /* FIPS 180-2 Appendix B.1 and B.2. */
    uint8_t d[32];
    char hex[65];
    yc_crypto_sha256("abc", 3, d);
    hex_of(d, sizeof d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    yc_crypto_sha256(two, strlen(two), d);
    hex_of(d, sizeof d, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    yc_crypto_sha256("", 0, d);
    hex_of(d, sizeof d, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void hex_encode__all_nibbles__lower_case(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xff};
    char hex[2 * sizeof in + 1];
    yc_hex_encode(in, sizeof in, hex);
    assert_string_equal(hex, "000123456789abcdefff");
}

static void base32_encode__rfc4648_section10__unpadded(void **state)
{
    (void)state;
    /* RFC 4648 §10 test vectors with the '=' padding removed. */
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},
             {"f", "MY"},
             {"fo", "MZXQ"},
             {"foo", "MZXW6"},
             {"foob", "MZXW6YQ"},
             {"fooba", "MZXW6YTB"},
             {"foobar", "MZXW6YTBOI"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len = strlen(v[i].in);
        char out[32];
        assert_int_equal(yc_base32_encoded_len(len), strlen(v[i].out));
        memset(out, 'z', sizeof out);
        yc_base32_encode((const uint8_t *)v[i].in, len, out);
        assert_string_equal(out, v[i].out);
    }
}

static void base32_encode__all_ones_and_20_bytes__full_alphabet_range(void **state)
{
    (void)state;
    const uint8_t ff[5] = {0xff, 0xff, 0xff, 0xff, 0xff};
    char out[9];
    yc_base32_encode(ff, sizeof ff, out);
    assert_string_equal(out, "77777777");
    /* 20 bytes = 160 bits = exactly 32 characters, the pseudonym body. */
    assert_int_equal(yc_base32_encoded_len(20), 32);
    uint8_t z[20] = {0};
    char zout[33];
    yc_base32_encode(z, sizeof z, zout);
    assert_string_equal(zout, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

static void random__two_draws__differ(void **state)
{
    (void)state;
    uint8_t a[32] = {0}, b[32] = {0};
    assert_int_equal(yc_crypto_random(a, sizeof a), YC_OK);
    assert_int_equal(yc_crypto_random(b, sizeof b), YC_OK);
    /* 2^-256 chance of a false failure */
    assert_false(yc_crypto_equal(a, b, sizeof a));
    assert_true(yc_crypto_equal(a, a, sizeof a));
}

/* ---- pseudonyms ---- */

/*
 * Expected values computed independently with Python's hashlib (not libsodium):
 *   /usr/bin/python3 -c "import hashlib,base64; key=bytes(range(32));
 *     m=b'resident_id||11010519491231002X';
 *     print('P'+base64.b32encode(hashlib.blake2b(m,key=key,digest_size=20).digest())
 *     .decode().rstrip('='))"
 * and likewise for the other three messages.
 */
static void pseudonym__known_answers__match_python_hashlib(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL;
    kat_key(&key);
    char id[YC_PSEUDONYM_LEN + 1];
    assert_int_equal(yc_crypto_pseudonym(key, "resident_id", "", "11010519491231002X", id), YC_OK);
    assert_string_equal(id, "PVWMNJU4Z7BHB6OULEI6T2H2H3X2RLGXF");
    assert_int_equal(yc_crypto_pseudonym(key, "passport", "USA", "X12345678", id), YC_OK);
    assert_string_equal(id, "POL2K4NWTYJXG5PSALF6P3J365KBZETHL");
    assert_int_equal(yc_crypto_pseudonym(key, "business_friend_card", "", "YW2024000123", id),
                     YC_OK);
    assert_string_equal(id, "PDHHCBLANXBOZGIBF5IOXD6XNGXOSK4AZ");
    assert_int_equal(
        yc_crypto_pseudonym(key, "foreign_permanent_resident_id", "", "911101199001011234", id),
        YC_OK);
    assert_string_equal(id, "PZODKATHL5JNUOZAGYD5A7HLNMKYMNNXG");
    yc_crypto_key_free(key);
}

static void pseudonym__other_key__differs(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL;
    uint8_t raw[YC_CRYPTO_KEY_BYTES];
    memset(raw, 0x42, sizeof raw);
    assert_int_equal(yc_crypto_key_from_bytes(raw, &key), YC_OK);
    char id[YC_PSEUDONYM_LEN + 1];
    assert_int_equal(yc_crypto_pseudonym(key, "resident_id", "", "11010519491231002X", id), YC_OK);
    assert_int_equal(strlen(id), YC_PSEUDONYM_LEN);
    assert_int_equal(id[0], 'P');
    assert_string_not_equal(id, "PVWMNJU4Z7BHB6OULEI6T2H2H3X2RLGXF");
    yc_crypto_key_free(key);
}

/* ---- seal / open ---- */

static const uint8_t ad_subject[] = "PVWMNJU4Z7BHB6OULEI6T2H2H3X2RLGXF";

static void seal__round_trip__plaintext_back_and_nonce_fresh(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL;
    kat_key(&key);
    const char *msg = "张三|resident_id|11010519491231002X";
    size_t len = strlen(msg);
    uint8_t box1[128], box2[128], back[128];
    assert_int_equal(
        yc_crypto_seal(key, (const uint8_t *)msg, len, ad_subject, sizeof ad_subject - 1, box1),
        YC_OK);
    assert_int_equal(
        yc_crypto_seal(key, (const uint8_t *)msg, len, ad_subject, sizeof ad_subject - 1, box2),
        YC_OK);
    /* a random nonce each time: the two boxes differ, neither holds the plaintext */
    assert_memory_not_equal(box1, box2, len + YC_SEAL_OVERHEAD);
    assert_null(memmem(box1, len + YC_SEAL_OVERHEAD, "11010519491231002X", 18));
    assert_int_equal(
        yc_crypto_open(key, box1, len + YC_SEAL_OVERHEAD, ad_subject, sizeof ad_subject - 1, back),
        YC_OK);
    assert_memory_equal(back, msg, len);
    assert_int_equal(
        yc_crypto_open(key, box2, len + YC_SEAL_OVERHEAD, ad_subject, sizeof ad_subject - 1, back),
        YC_OK);
    assert_memory_equal(back, msg, len);
    yc_crypto_key_free(key);
}

static void open__any_byte_flipped__fails_store(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL;
    kat_key(&key);
    const uint8_t msg[] = "Li Si";
    const size_t len = sizeof msg - 1, blen = len + YC_SEAL_OVERHEAD;
    uint8_t box[64], back[64];
    assert_int_equal(yc_crypto_seal(key, msg, len, ad_subject, sizeof ad_subject - 1, box), YC_OK);
    /* nonce, ciphertext and tag bytes alike */
    for (size_t i = 0; i < blen; i++) {
        box[i] ^= 0x01;
        memset(back, 0xaa, sizeof back);
        assert_int_equal(yc_crypto_open(key, box, blen, ad_subject, sizeof ad_subject - 1, back),
                         YC_ERR_STORE);
        /* no unauthenticated plaintext leaks out */
        for (size_t j = 0; j < len; j++)
            assert_int_equal(back[j], 0);
        box[i] ^= 0x01;
    }
    /* truncated by one byte */
    assert_int_equal(yc_crypto_open(key, box, blen - 1, ad_subject, sizeof ad_subject - 1, back),
                     YC_ERR_STORE);
    assert_int_equal(yc_crypto_open(key, box, blen, ad_subject, sizeof ad_subject - 1, back),
                     YC_OK);
    yc_crypto_key_free(key);
}

static void open__wrong_ad__fails_store(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL;
    kat_key(&key);
    const uint8_t msg[] = "Wang Wu";
    const size_t len = sizeof msg - 1;
    uint8_t box[64], back[64];
    assert_int_equal(yc_crypto_seal(key, msg, len, ad_subject, sizeof ad_subject - 1, box), YC_OK);
    const uint8_t other[] = "POL2K4NWTYJXG5PSALF6P3J365KBZETHL";
    assert_int_equal(
        yc_crypto_open(key, box, len + YC_SEAL_OVERHEAD, other, sizeof other - 1, back),
        YC_ERR_STORE);
    assert_int_equal(yc_crypto_open(key, box, len + YC_SEAL_OVERHEAD, NULL, 0, back), YC_ERR_STORE);
    yc_crypto_key_free(key);
}

static void open__wrong_key__fails_store(void **state)
{
    (void)state;
    yc_crypto_key *key = NULL, *other = NULL;
    kat_key(&key);
    uint8_t raw[YC_CRYPTO_KEY_BYTES];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)i;
    raw[31] ^= 0x80; /* one bit away from the sealing key */
    assert_int_equal(yc_crypto_key_from_bytes(raw, &other), YC_OK);
    const uint8_t msg[] = "Zhao Liu";
    const size_t len = sizeof msg - 1;
    uint8_t box[64], back[64];
    assert_int_equal(yc_crypto_seal(key, msg, len, ad_subject, sizeof ad_subject - 1, box), YC_OK);
    assert_int_equal(
        yc_crypto_open(other, box, len + YC_SEAL_OVERHEAD, ad_subject, sizeof ad_subject - 1, back),
        YC_ERR_STORE);
    yc_crypto_key_free(key);
    yc_crypto_key_free(other);
}

/* ---- key files ---- */

typedef struct tmpdir {
    char path[64];
} tmpdir;

static void tmpdir_make(tmpdir *t)
{
    snprintf(t->path, sizeof t->path, "/tmp/yc_crypto_XXXXXX");
    assert_non_null(mkdtemp(t->path));
}

static void tmpdir_file(const tmpdir *t, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", t->path, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static void write_file(const char *path, const uint8_t *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static void key_generate_file__fresh_path__mode_0600_and_32_bytes(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_make(&t);
    char path[128];
    tmpdir_file(&t, "k.key", path, sizeof path);
    mode_t old = umask(0); /* the mode must come from open(), not from a friendly umask */
    yc_err rv = yc_crypto_key_generate_file(path);
    umask(old);
    assert_int_equal(rv, YC_OK);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, YC_CRYPTO_KEY_BYTES);
    /* the loaded key seals what the same file opens */
    yc_crypto_key *k1 = NULL, *k2 = NULL;
    assert_int_equal(yc_crypto_key_load(path, &k1), YC_OK);
    assert_int_equal(yc_crypto_key_load(path, &k2), YC_OK);
    uint8_t box[3 + YC_SEAL_OVERHEAD], back[3];
    assert_int_equal(yc_crypto_seal(k1, (const uint8_t *)"abc", 3, NULL, 0, box), YC_OK);
    assert_int_equal(yc_crypto_open(k2, box, sizeof box, NULL, 0, back), YC_OK);
    assert_memory_equal(back, "abc", 3);
    yc_crypto_key_free(k1);
    yc_crypto_key_free(k2);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(t.path), 0);
}

static void key_generate_file__existing__fails_conflict_untouched(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_make(&t);
    char path[128];
    tmpdir_file(&t, "k.key", path, sizeof path);
    uint8_t raw[YC_CRYPTO_KEY_BYTES];
    memset(raw, 0x11, sizeof raw);
    write_file(path, raw, sizeof raw, 0600);
    assert_int_equal(yc_crypto_key_generate_file(path), YC_ERR_CONFLICT);
    /* still the old key: a pseudonym with it equals one made from the raw bytes */
    yc_crypto_key *loaded = NULL, *direct = NULL;
    assert_int_equal(yc_crypto_key_load(path, &loaded), YC_OK);
    assert_int_equal(yc_crypto_key_from_bytes(raw, &direct), YC_OK);
    char a[YC_PSEUDONYM_LEN + 1], b[YC_PSEUDONYM_LEN + 1];
    assert_int_equal(yc_crypto_pseudonym(loaded, "resident_id", "", "1", a), YC_OK);
    assert_int_equal(yc_crypto_pseudonym(direct, "resident_id", "", "1", b), YC_OK);
    assert_string_equal(a, b);
    yc_crypto_key_free(loaded);
    yc_crypto_key_free(direct);
    char missing[160];
    tmpdir_file(&t, "no/such/dir.key", missing, sizeof missing);
    assert_int_equal(yc_crypto_key_generate_file(missing), YC_ERR_IO);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(t.path), 0);
}

static void key_load__mode_0644__fails_invalid(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_make(&t);
    char path[128];
    tmpdir_file(&t, "k.key", path, sizeof path);
    uint8_t raw[YC_CRYPTO_KEY_BYTES] = {0};
    write_file(path, raw, sizeof raw, 0644);
    yc_crypto_key *key = NULL;
    assert_int_equal(yc_crypto_key_load(path, &key), YC_ERR_INVALID);
    assert_null(key);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(yc_crypto_key_load(path, &key), YC_ERR_INVALID);
    assert_int_equal(chmod(path, 0602), 0);
    assert_int_equal(yc_crypto_key_load(path, &key), YC_ERR_INVALID);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(yc_crypto_key_load(path, &key), YC_OK);
    assert_non_null(key);
    yc_crypto_key_free(key);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(t.path), 0);
}

static void key_load__31_and_33_bytes__fails_invalid(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_make(&t);
    char path[128];
    tmpdir_file(&t, "k.key", path, sizeof path);
    uint8_t raw[YC_CRYPTO_KEY_BYTES + 1] = {0};
    yc_crypto_key *key = NULL;
    write_file(path, raw, YC_CRYPTO_KEY_BYTES - 1, 0600);
    assert_int_equal(yc_crypto_key_load(path, &key), YC_ERR_INVALID);
    write_file(path, raw, YC_CRYPTO_KEY_BYTES + 1, 0600);
    assert_int_equal(yc_crypto_key_load(path, &key), YC_ERR_INVALID);
    write_file(path, raw, 0, 0600);
    assert_int_equal(yc_crypto_key_load(path, &key), YC_ERR_INVALID);
    assert_null(key);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(t.path), 0);
}

static void key_load__missing_symlink_or_dir__fails(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_make(&t);
    char path[128], link[128];
    tmpdir_file(&t, "k.key", path, sizeof path);
    tmpdir_file(&t, "link.key", link, sizeof link);
    yc_crypto_key *key = NULL;
    assert_int_equal(yc_crypto_key_load(path, &key), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_crypto_key_generate_file(path), YC_OK);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(yc_crypto_key_load(link, &key), YC_ERR_INVALID);
    assert_int_equal(yc_crypto_key_load(t.path, &key), YC_ERR_INVALID);
    assert_null(key);
    /* generating through a dangling or live symlink is refused too */
    assert_int_equal(yc_crypto_key_generate_file(link), YC_ERR_CONFLICT);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(t.path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__empty_inputs__defined_outputs),
        cmocka_unit_test(safety__seal_empty_plaintext__round_trips),
        cmocka_unit_test(safety__seal_limit_and_limit_plus_1__ok_then_too_large),
        cmocka_unit_test(safety__pseudonym_limits__32_ok_33_invalid),
        cmocka_unit_test(sha256__fips_180_2_vectors__match),
        cmocka_unit_test(hex_encode__all_nibbles__lower_case),
        cmocka_unit_test(base32_encode__rfc4648_section10__unpadded),
        cmocka_unit_test(base32_encode__all_ones_and_20_bytes__full_alphabet_range),
        cmocka_unit_test(random__two_draws__differ),
        cmocka_unit_test(pseudonym__known_answers__match_python_hashlib),
        cmocka_unit_test(pseudonym__other_key__differs),
        cmocka_unit_test(seal__round_trip__plaintext_back_and_nonce_fresh),
        cmocka_unit_test(open__any_byte_flipped__fails_store),
        cmocka_unit_test(open__wrong_ad__fails_store),
        cmocka_unit_test(open__wrong_key__fails_store),
        cmocka_unit_test(key_generate_file__fresh_path__mode_0600_and_32_bytes),
        cmocka_unit_test(key_generate_file__existing__fails_conflict_untouched),
        cmocka_unit_test(key_load__mode_0644__fails_invalid),
        cmocka_unit_test(key_load__31_and_33_bytes__fails_invalid),
        cmocka_unit_test(key_load__missing_symlink_or_dir__fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
