/* SPDX-License-Identifier: MIT */
/* The archive's lifecycle policy: the default XML, and each S3 rule. */
#include "helpers.h"

#include "archive/lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *expected =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- sent with x-amz-transition-default-minimum-object-size: all_storage_classes_128K "
    "(objects under 128 KB are not transitioned) -->\n"
    "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
    "  <Rule>\n    <ID>argo-compliance-retention</ID>\n    <Filter>\n"
    "      <Prefix>backups/</Prefix>\n    </Filter>\n    <Status>Enabled</Status>\n"
    "    <Transition>\n      <Days>30</Days>\n      <StorageClass>STANDARD_IA</StorageClass>\n"
    "    </Transition>\n"
    "    <Transition>\n      <Days>365</Days>\n      <StorageClass>GLACIER</StorageClass>\n"
    "    </Transition>\n"
    "    <Transition>\n      <Days>2555</Days>\n      <StorageClass>DEEP_ARCHIVE</StorageClass>\n"
    "    </Transition>\n"
    "    <AbortIncompleteMultipartUpload>\n      <DaysAfterInitiation>7</DaysAfterInitiation>\n"
    "    </AbortIncompleteMultipartUpload>\n"
    "  </Rule>\n</LifecycleConfiguration>\n";

static void the_default_policy_renders_as_documented(void **state)
{
    (void)state;
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "backups/");
    char *xml;
    assert_int_equal(argo_lifecycle_xml(&lc, &xml, NULL), 0);
    assert_string_equal(xml, expected);
    free(xml);
}

static void a_size_filter_and_expiration_are_stated(void **state)
{
    (void)state;
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "b/");
    lc.object_size_greater_than = 131072;
    lc.expiration_days = 3000;
    snprintf(lc.min_size_behaviour, sizeof lc.min_size_behaviour, "varies_by_storage_class");
    char *xml;
    assert_int_equal(argo_lifecycle_xml(&lc, &xml, NULL), 0);
    assert_non_null(strstr(xml, "<And>\n        <Prefix>b/</Prefix>\n        "
                                "<ObjectSizeGreaterThan>131072</ObjectSizeGreaterThan>"));
    assert_non_null(strstr(xml, "<Expiration>\n      <Days>3000</Days>"));
    assert_non_null(strstr(xml, "varies_by_storage_class (objects under 128 KB go to GLACIER"));
    free(xml);
}

static void expect_invalid(const char *transitions, int expiration, const char *needle)
{
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "backups/");
    argo_err e = {0};
    int rc = argo_lifecycle_parse_transitions(&lc, transitions, &e);
    lc.expiration_days = expiration;
    if (!rc)
        rc = argo_lifecycle_validate(&lc, &e);
    assert_int_equal(rc, ARGO_ECONFIG);
    if (!strstr(e.msg, needle))
        fail_msg("'%s' does not say '%s'", e.msg, needle);
}

static void s3_rules_are_enforced_with_clear_errors(void **state)
{
    (void)state;
    expect_invalid("STANDARD_IA:29", 0, "no earlier than day 30");
    expect_invalid("STANDARD_IA:30,GLACIER:40", 0, "only 10 days after STANDARD_IA");
    expect_invalid("GLACIER:100,STANDARD_IA:200", 0, "only move colder");
    expect_invalid("DEEP_ARCHIVE:100,GLACIER:200", 0, "only move colder");
    expect_invalid("STANDARD_IA:30,COLD:90", 0, "COLD is not an S3 storage class");
    expect_invalid("STANDARD_IA:30,GLACIER:365", 300, "expiration at day 300");
    expect_invalid("STANDARD_IA", 0, "not CLASS:DAYS");
    expect_invalid("STANDARD_IA:x", 0, "no whole number of days");
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "backups/");
    assert_int_equal(argo_lifecycle_parse_transitions(&lc, "GLACIER:0", NULL), 0);
    assert_int_equal(argo_lifecycle_validate(&lc, NULL), 0); /* straight to Glacier is fine */
}

/* What S3 sends back (re-serialised: a declaration, other blanks, no
 * comment) canonicalises to the same text as what argo sent. */
static void canonical_xml_ignores_declaration_comments_and_blanks(void **state)
{
    (void)state;
    char *a, *b, *c;
    assert_int_equal(
        argo_lifecycle_canonical("<!-- size: x -->\n<A>\n  <B>1 2</B>\n</A>\n", &a, NULL), 0);
    assert_int_equal(
        argo_lifecycle_canonical(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><A><B>1 2</B>\t\r\n</A>", &b, NULL),
        0);
    assert_string_equal(a, "<A><B>1 2</B></A>");
    assert_string_equal(a, b);
    /* text inside a tag is kept, so a changed value still differs */
    assert_int_equal(argo_lifecycle_canonical("<A><B>1 3</B></A>", &c, NULL), 0);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
    /* the policy argo renders round-trips */
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "backups/");
    char *xml, *x1, *x2;
    assert_int_equal(argo_lifecycle_xml(&lc, &xml, NULL), 0);
    assert_int_equal(argo_lifecycle_canonical(xml, &x1, NULL), 0);
    assert_int_equal(argo_lifecycle_canonical(x1, &x2, NULL), 0);
    assert_string_equal(x1, x2);
    assert_null(strstr(x1, "<!--"));
    assert_non_null(strstr(x1, "<Days>30</Days>"));
    free(xml);
    free(x1);
    free(x2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_default_policy_renders_as_documented),
        cmocka_unit_test(a_size_filter_and_expiration_are_stated),
        cmocka_unit_test(s3_rules_are_enforced_with_clear_errors),
        cmocka_unit_test(canonical_xml_ignores_declaration_comments_and_blanks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
