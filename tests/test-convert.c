/* test-convert.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "concord-convert.h"
#include "concord-error.h"
#include "concord-test-utils.h"

static ConcordValue
text (ConcordFieldType type,
      const char      *value)
{
  ConcordValue v = { .type = type };

  v.v.text = (char *) value;
  return v;
}

/* Converts and returns the result as text, or NULL with the error set. */
static char *
convert (const ConcordValue *in,
         ConcordFieldType    to,
         const char         *format,
         GError            **error)
{
  ConcordValue out;
  char *result;

  if (!concord_value_convert (in, to, format, &out, error))
    return NULL;
  g_assert_cmpint (out.type, ==, to);
  result = concord_value_to_string (&out);
  concord_value_clear (&out);
  return result;
}

#define CHECK(in, to, format, expected) G_STMT_START {               \
    g_autoptr(GError) e = NULL;                                       \
    g_autofree char *got = convert (in, to, format, &e);              \
    g_assert_no_error (e);                                            \
    g_assert_cmpstr (got, ==, expected);                              \
  } G_STMT_END

#define REFUSE(in, to, format) G_STMT_START {                        \
    g_autoptr(GError) e = NULL;                                       \
    g_autofree char *got = convert (in, to, format, &e);              \
    g_assert_null (got);                                              \
    g_assert_error (e, CONCORD_ERROR, CONCORD_ERROR_INVALID);         \
  } G_STMT_END

static void
test_conversions (void)
{
  ConcordValue s42 = text (CONCORD_FIELD_TYPE_STRING, " 42.5 ");
  ConcordValue abc = text (CONCORD_FIELD_TYPE_STRING, "abc");
  ConcordValue yes = text (CONCORD_FIELD_TYPE_STRING, "Yes");
  ConcordValue maybe = text (CONCORD_FIELD_TYPE_STRING, "maybe");
  ConcordValue eu = text (CONCORD_FIELD_TYPE_STRING, "17.05.1990");
  ConcordValue us = text (CONCORD_FIELD_TYPE_STRING, "05/17/1990");
  ConcordValue iso = text (CONCORD_FIELD_TYPE_STRING, "2026-11-28T10:30:00Z");
  ConcordValue day = text (CONCORD_FIELD_TYPE_DATE, "1990-05-17");
  ConcordValue bad_day = text (CONCORD_FIELD_TYPE_STRING, "31.02.1990");
  ConcordValue csv = text (CONCORD_FIELD_TYPE_STRING, "vip, news ,vip");
  ConcordValue mail = text (CONCORD_FIELD_TYPE_STRING, " Ann@Example.COM ");
  ConcordValue num = { .type = CONCORD_FIELD_TYPE_NUMBER, .v.number = 3 };
  ConcordValue zero = { .type = CONCORD_FIELD_TYPE_NUMBER, .v.number = 0 };
  ConcordValue truth = { .type = CONCORD_FIELD_TYPE_BOOLEAN, .v.boolean = TRUE };
  ConcordValue when = { .type = CONCORD_FIELD_TYPE_DATETIME, .v.datetime = 1764325800 };
  char *members[] = { (char *) "news", (char *) "vip", NULL };
  ConcordValue set = { .type = CONCORD_FIELD_TYPE_STRING_SET, .v.set = members };

  /* text ↔ number */
  CHECK (&s42, CONCORD_FIELD_TYPE_NUMBER, NULL, "42.5");
  REFUSE (&abc, CONCORD_FIELD_TYPE_NUMBER, NULL);
  CHECK (&num, CONCORD_FIELD_TYPE_STRING, NULL, "3");
  /* text ↔ boolean, number → boolean */
  CHECK (&yes, CONCORD_FIELD_TYPE_BOOLEAN, NULL, "true");
  REFUSE (&maybe, CONCORD_FIELD_TYPE_BOOLEAN, NULL);
  CHECK (&truth, CONCORD_FIELD_TYPE_STRING, NULL, "true");
  CHECK (&zero, CONCORD_FIELD_TYPE_BOOLEAN, NULL, "false");
  CHECK (&truth, CONCORD_FIELD_TYPE_NUMBER, NULL, "1");
  /* text ↔ date with formats */
  CHECK (&eu, CONCORD_FIELD_TYPE_DATE, "DD.MM.YYYY", "1990-05-17");
  CHECK (&us, CONCORD_FIELD_TYPE_DATE, "MM/DD/YYYY", "1990-05-17");
  REFUSE (&bad_day, CONCORD_FIELD_TYPE_DATE, "DD.MM.YYYY");
  REFUSE (&eu, CONCORD_FIELD_TYPE_DATE, NULL);
  CHECK (&day, CONCORD_FIELD_TYPE_STRING, "DD/MM/YYYY", "17/05/1990");
  /* date-times */
  CHECK (&iso, CONCORD_FIELD_TYPE_DATETIME, NULL, "2026-11-28T10:30:00Z");
  CHECK (&when, CONCORD_FIELD_TYPE_DATE, NULL, "2025-11-28");
  CHECK (&day, CONCORD_FIELD_TYPE_DATETIME, NULL, "1990-05-17T00:00:00Z");
  REFUSE (&abc, CONCORD_FIELD_TYPE_DATETIME, NULL);
  /* set ↔ delimited text */
  CHECK (&set, CONCORD_FIELD_TYPE_STRING, NULL, "news, vip");
  CHECK (&set, CONCORD_FIELD_TYPE_STRING, ";", "news;vip");
  CHECK (&csv, CONCORD_FIELD_TYPE_STRING_SET, NULL, "[\"news\",\"vip\"]");
  /* enum ↔ text, and email */
  CHECK (&abc, CONCORD_FIELD_TYPE_ENUM, NULL, "abc");
  CHECK (&mail, CONCORD_FIELD_TYPE_EMAIL, NULL, "Ann@Example.COM");  /* as written */
  REFUSE (&abc, CONCORD_FIELD_TYPE_EMAIL, NULL);
  /* nonsense pairs are refused, not guessed */
  REFUSE (&truth, CONCORD_FIELD_TYPE_DATE, NULL);
  REFUSE (&set, CONCORD_FIELD_TYPE_NUMBER, NULL);
}

static void
test_value_maps (void)
{
  g_autoptr(ConcordValueMap) stage = concord_value_map_new ("inactive");
  g_autoptr(ConcordValueMap) yes_no = concord_value_map_new (NULL);
  g_autoptr(ConcordValueMap) back = NULL;
  g_autoptr(ConcordValueMap) lossy = concord_value_map_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *clash = NULL;

  /* CRM lifecycle stage → Elastic Email status, with a default. */
  concord_value_map_add (stage, "Customer", "active");
  concord_value_map_add (stage, "Lead", "engaged");
  g_assert_cmpstr (concord_value_map_apply (stage, "customer"), ==, "active");
  g_assert_cmpstr (concord_value_map_apply (stage, "Other"), ==, "inactive");
  g_assert_null (concord_value_map_apply (stage, NULL));

  /* Without a default, an unmapped value is kept. */
  concord_value_map_add (yes_no, "Yes", "true");
  concord_value_map_add (yes_no, "No", "false");
  g_assert_cmpstr (concord_value_map_apply (yes_no, "Perhaps"), ==, "Perhaps");

  /* A one-to-one map can be used both ways. */
  g_assert_true (concord_value_map_is_one_to_one (yes_no, NULL));
  back = concord_value_map_invert (yes_no, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (concord_value_map_apply (back, "true"), ==, "Yes");
  g_assert_cmpstr (concord_value_map_apply (back, "FALSE"), ==, "No");

  /* Two values onto one: one way only, and why. */
  concord_value_map_add (lossy, "Customer", "active");
  concord_value_map_add (lossy, "Partner", "active");
  g_assert_false (concord_value_map_is_one_to_one (lossy, &clash));
  g_assert_cmpstr (clash, ==, "active");
  g_assert_null (concord_value_map_invert (lossy, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "one way"));
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/convert/conversions", test_conversions);
  g_test_add_func ("/concord/convert/value-maps", test_value_maps);

  return g_test_run ();
}
