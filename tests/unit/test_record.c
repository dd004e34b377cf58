/* Tests for include/yrdcredit/record.h (svc/domain/record.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "yrdcredit/record.h"

/* ---- safety ---- */

static void safety__parse_empty_string__fails_invalid(void **state)
{
    (void)state;
    yc_code code = YC_CODE_N14;
    yc_subject_type st = YC_SUBJECT_NATURAL_PERSON;
    yc_status status = YC_STATUS_REVOKED;
    yc_doc_type dt = YC_DOC_PASSPORT;
    assert_int_equal(yc_code_parse("", &code), YC_ERR_INVALID);
    assert_int_equal(yc_subject_type_parse("", &st), YC_ERR_INVALID);
    assert_int_equal(yc_status_parse("", &status), YC_ERR_INVALID);
    assert_int_equal(yc_doc_type_parse("", &dt), YC_ERR_INVALID);
    /* outputs untouched on failure */
    assert_int_equal(code, YC_CODE_N14);
    assert_int_equal(st, YC_SUBJECT_NATURAL_PERSON);
    assert_int_equal(status, YC_STATUS_REVOKED);
    assert_int_equal(dt, YC_DOC_PASSPORT);
}

static void safety__code_parse_length_2_3_4__only_3_accepted(void **state)
{
    (void)state;
    yc_code code = YC_CODE_B01;
    assert_int_equal(yc_code_parse("N1", &code), YC_ERR_INVALID);
    assert_int_equal(yc_code_parse("N11", &code), YC_OK);
    assert_int_equal(code, YC_CODE_N11);
    assert_int_equal(yc_code_parse("N111", &code), YC_ERR_INVALID);
    assert_int_equal(yc_code_parse("N11 ", &code), YC_ERR_INVALID);
    assert_int_equal(code, YC_CODE_N11);
}

static void safety__str_out_of_range__fallback_text(void **state)
{
    (void)state;
    assert_string_equal(yc_code_str(YC_CODE_COUNT), "???");
    assert_string_equal(yc_code_str((yc_code)-1), "???");
    assert_string_equal(yc_code_str((yc_code)1000), "???");
    assert_string_equal(yc_status_str(YC_STATUS_COUNT), "unknown");
    assert_string_equal(yc_status_str((yc_status)-1), "unknown");
    assert_string_equal(yc_subject_type_str(YC_SUBJECT_NONE), "unknown");
    assert_string_equal(yc_subject_type_str((yc_subject_type)7), "unknown");
    assert_string_equal(yc_doc_type_str(YC_DOC_NONE), "unknown");
    assert_string_equal(yc_doc_type_str(YC_DOC_COUNT), "unknown");
}

/* ---- codes ---- */

static void code_str__every_code__taxonomy_name_and_round_trip(void **state)
{
    (void)state;
    /* domain.md §(a): B01-B02, P01-P06, N01-N14 in this order (22 codes). */
    static const char *const want[] = {"B01", "B02", "P01", "P02", "P03", "P04", "P05", "P06",
                                       "N01", "N02", "N03", "N04", "N05", "N06", "N07", "N08",
                                       "N09", "N10", "N11", "N12", "N13", "N14"};
    assert_int_equal(YC_CODE_COUNT, 22);
    assert_int_equal(sizeof want / sizeof want[0], YC_CODE_COUNT);
    for (int i = 0; i < (int)YC_CODE_COUNT; i++) {
        assert_string_equal(yc_code_str((yc_code)i), want[i]);
        yc_code back = YC_CODE_COUNT;
        assert_int_equal(yc_code_parse(want[i], &back), YC_OK);
        assert_int_equal(back, i);
    }
}

static void code_parse__unknown_or_lower_case__fails_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {"b01", "n11", "B00", "B03", "P00", "P07",   "N00",
                                      "N15", "N99", "X01", "???", "N 1", "B0\xe4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_code code = YC_CODE_P03;
        assert_int_equal(yc_code_parse(bad[i], &code), YC_ERR_INVALID);
        assert_int_equal(code, YC_CODE_P03);
    }
}

static void code_is_negative__every_code__only_n_codes(void **state)
{
    (void)state;
    int negatives = 0;
    for (int i = 0; i < (int)YC_CODE_COUNT; i++) {
        const bool want = yc_code_str((yc_code)i)[0] == 'N';
        assert_int_equal(yc_code_is_negative((yc_code)i), want);
        negatives += want;
    }
    assert_int_equal(negatives, 14);
    assert_false(yc_code_is_negative(YC_CODE_B01));
    assert_false(yc_code_is_negative(YC_CODE_P06));
    assert_true(yc_code_is_negative(YC_CODE_N01));
    assert_true(yc_code_is_negative(YC_CODE_N14));
    assert_false(yc_code_is_negative(YC_CODE_COUNT));
}

/* ---- subject types ---- */

static void subject_type__api_names__round_trip(void **state)
{
    (void)state;
    static const struct {
        yc_subject_type t;
        const char *name;
    } want[] = {
        {YC_SUBJECT_LEGAL_PERSON, "legal_person"},
        {YC_SUBJECT_INDIVIDUAL_BUSINESS, "individual_business"},
        {YC_SUBJECT_NATURAL_PERSON, "natural_person"},
    };
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(yc_subject_type_str(want[i].t), want[i].name);
        yc_subject_type back = YC_SUBJECT_NONE;
        assert_int_equal(yc_subject_type_parse(want[i].name, &back), YC_OK);
        assert_int_equal(back, want[i].t);
    }
}

static void subject_type_parse__chinese_labels__mapped(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        yc_subject_type t;
    } cases[] = {
        {"法人及非法人组织", YC_SUBJECT_LEGAL_PERSON},
        {"法人", YC_SUBJECT_LEGAL_PERSON},
        {"个体工商户", YC_SUBJECT_INDIVIDUAL_BUSINESS},
        {"自然人", YC_SUBJECT_NATURAL_PERSON},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        yc_subject_type t = YC_SUBJECT_NONE;
        assert_int_equal(yc_subject_type_parse(cases[i].label, &t), YC_OK);
        assert_int_equal(t, cases[i].t);
    }
}

static void subject_type_parse__unknown__fails_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {"Legal_Person", "legal_person ", "unknown",
                                      "法人组织",     "个体",          "自然人 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_subject_type t = YC_SUBJECT_NONE;
        assert_int_equal(yc_subject_type_parse(bad[i], &t), YC_ERR_INVALID);
        assert_int_equal(t, YC_SUBJECT_NONE);
    }
}

/* ---- statuses ---- */

static void status__every_status__round_trip(void **state)
{
    (void)state;
    static const char *const want[] = {"active", "disputed", "repaired", "expired", "revoked"};
    assert_int_equal(YC_STATUS_COUNT, 5);
    for (int i = 0; i < (int)YC_STATUS_COUNT; i++) {
        assert_string_equal(yc_status_str((yc_status)i), want[i]);
        yc_status back = YC_STATUS_COUNT;
        assert_int_equal(yc_status_parse(want[i], &back), YC_OK);
        assert_int_equal(back, i);
    }
}

static void status_parse__unknown__fails_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {"Active", "ACTIVE", "unknown", "activ", "actives", "异议"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yc_status s = YC_STATUS_EXPIRED;
        assert_int_equal(yc_status_parse(bad[i], &s), YC_ERR_INVALID);
        assert_int_equal(s, YC_STATUS_EXPIRED);
    }
}

/* ---- document types ---- */

static void doc_type__api_names__round_trip(void **state)
{
    (void)state;
    static const char *const want[] = {"unknown", "resident_id", "passport",
                                       "foreign_permanent_resident_id", "business_friend_card"};
    for (int i = 1; i < (int)YC_DOC_COUNT; i++) {
        assert_string_equal(yc_doc_type_str((yc_doc_type)i), want[i]);
        yc_doc_type back = YC_DOC_NONE;
        assert_int_equal(yc_doc_type_parse(want[i], &back), YC_OK);
        assert_int_equal(back, i);
    }
}

static void doc_type_parse__chinese_labels__mapped(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        yc_doc_type t;
    } cases[] = {
        {"居民身份证", YC_DOC_RESIDENT_ID},
        {"身份证", YC_DOC_RESIDENT_ID},
        {"护照", YC_DOC_PASSPORT},
        {"外国人永久居留身份证", YC_DOC_PERMANENT_RESIDENT},
        {"外籍商友卡", YC_DOC_BUSINESS_CARD},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        yc_doc_type t = YC_DOC_NONE;
        assert_int_equal(yc_doc_type_parse(cases[i].label, &t), YC_OK);
        assert_int_equal(t, cases[i].t);
    }
    yc_doc_type t = YC_DOC_NONE;
    assert_int_equal(yc_doc_type_parse("unknown", &t), YC_ERR_INVALID);
    assert_int_equal(yc_doc_type_parse("Passport", &t), YC_ERR_INVALID);
    assert_int_equal(yc_doc_type_parse("驾驶证", &t), YC_ERR_INVALID);
    assert_int_equal(t, YC_DOC_NONE);
}

/* ---- facts ---- */

static void record_to_fact__filled_record__fields_copied_authority_borrowed(void **state)
{
    (void)state;
    static yc_record rec; /* large: keep it off the stack */
    memset(&rec, 0, sizeof rec);
    rec.record_id = 42;
    rec.version = 3;
    rec.code = YC_CODE_N04;
    rec.status = YC_STATUS_DISPUTED;
    assert_int_equal(yc_date_from_ymd(2025, 3, 2, &rec.decision_date), YC_OK);
    assert_int_equal(yc_date_from_ymd(2026, 3, 2, &rec.pub_min_end), YC_OK);
    rec.pub_max_end = YC_DATE_LONG_TERM;
    rec.has_amount = true;
    rec.amount = 12500000; /* 12.5 万元 */
    const char *authority = "义乌市市场监督管理局";
    memcpy(rec.authority_name, authority, strlen(authority) + 1);

    yc_fact fact;
    memset(&fact, 0xA5, sizeof fact);
    yc_record_to_fact(&rec, &fact);
    assert_int_equal(fact.record_id, 42);
    assert_int_equal(fact.code, YC_CODE_N04);
    assert_int_equal(fact.status, YC_STATUS_DISPUTED);
    assert_int_equal(fact.decision_date, rec.decision_date);
    assert_int_equal(fact.pub_min_end, rec.pub_min_end);
    assert_int_equal(fact.pub_max_end, YC_DATE_LONG_TERM);
    assert_true(fact.has_amount);
    assert_int_equal(fact.amount, 12500000);
    assert_ptr_equal(fact.authority, rec.authority_name);
    assert_int_equal(fact.authority_len, strlen(authority)); /* 30 bytes of UTF-8 */
    assert_int_equal(fact.authority_len, 30);
}

static void record_to_fact__empty_and_full_authority__lengths(void **state)
{
    (void)state;
    static yc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.pub_max_end = YC_DATE_NONE;
    yc_fact fact;
    yc_record_to_fact(&rec, &fact);
    assert_int_equal(fact.authority_len, 0);
    assert_false(fact.has_amount);
    assert_int_equal(fact.record_id, 0);
    assert_int_equal(fact.code, YC_CODE_B01);
    assert_int_equal(fact.pub_max_end, YC_DATE_NONE);
    /* the limit: YC_NAME_MAX bytes of name */
    memset(rec.authority_name, 'a', YC_NAME_MAX);
    rec.authority_name[YC_NAME_MAX] = '\0';
    yc_record_to_fact(&rec, &fact);
    assert_int_equal(fact.authority_len, YC_NAME_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__parse_empty_string__fails_invalid),
        cmocka_unit_test(safety__code_parse_length_2_3_4__only_3_accepted),
        cmocka_unit_test(safety__str_out_of_range__fallback_text),
        cmocka_unit_test(code_str__every_code__taxonomy_name_and_round_trip),
        cmocka_unit_test(code_parse__unknown_or_lower_case__fails_invalid),
        cmocka_unit_test(code_is_negative__every_code__only_n_codes),
        cmocka_unit_test(subject_type__api_names__round_trip),
        cmocka_unit_test(subject_type_parse__chinese_labels__mapped),
        cmocka_unit_test(subject_type_parse__unknown__fails_invalid),
        cmocka_unit_test(status__every_status__round_trip),
        cmocka_unit_test(status_parse__unknown__fails_invalid),
        cmocka_unit_test(doc_type__api_names__round_trip),
        cmocka_unit_test(doc_type_parse__chinese_labels__mapped),
        cmocka_unit_test(record_to_fact__filled_record__fields_copied_authority_borrowed),
        cmocka_unit_test(record_to_fact__empty_and_full_authority__lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
