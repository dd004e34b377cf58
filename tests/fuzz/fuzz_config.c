/* Fuzz target: the configuration loader (DATA_DIR/config.json, yrdcreditd --config FILE) on
 * arbitrary bytes.
 *
 * Target Functions: yc_config_load_file (Jansson with JSON_REJECT_DUPLICATES, unknown-key and
 * range checks of every section, path resolution against the data dir, listen-address
 * parsing), yc_config_listen_parse.
 *
 * Input: the whole input is the file.  Besides memory errors it checks, and aborts when one
 * fails: the loader returns only its documented errors (YC_OK, YC_ERR_INVALID,
 * YC_ERR_TOO_LARGE, YC_ERR_NOMEM; never YC_ERR_IO for a readable file), and an invalid file
 * always names its field.  The same bytes also go, NUL-terminated, to yc_config_listen_parse,
 * which must accept or give YC_ERR_INVALID.
 * Corpus: tests/fuzz/corpus/config/ (etc/config.json, etc/yrdcredit.conf.example's keys,
 * broken variants).  Replayed by tests/fuzz/replay_main.c in normal builds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpfile.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmp_write("config.json", data, size);
    yc_config cfg;
    const char *field = NULL;
    const yc_err rv = yc_config_load_file(path, fuzz_tmp_dir_get(), &cfg, &field);
    require(rv == YC_OK || rv == YC_ERR_INVALID || rv == YC_ERR_TOO_LARGE || rv == YC_ERR_NOMEM);
    if (rv == YC_ERR_INVALID)
        require(field != NULL && field[0] != '\0');

    if (size < 256) {
        char text[256];
        memcpy(text, data, size);
        text[size] = '\0';
        yc_config_listen l;
        const yc_err lv = yc_config_listen_parse(text, &l);
        require(lv == YC_OK || lv == YC_ERR_INVALID);
    }
    return 0;
}
