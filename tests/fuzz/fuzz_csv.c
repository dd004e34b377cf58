/* Fuzz target: 双公示 CSV import (yc_import_buffer with a no-op sink).
 * Target Functions: yc_import_buffer → encoding detection / GB18030 iconv, libcsv
 * callbacks, header mapping, row validation, yc_rules_classify.
 * The first input byte selects the options (encoding, atomic, batch size); the rest is the
 * file.  Corpus: tests/fuzz/corpus/csv/ (real sample rows). */
#define FUZZ_IMPORT_NAME "fuzz.csv"
#include "import_target.h"
