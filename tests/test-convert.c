/* test-convert.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "concord-convert.h"
#include "concord-error.h"
#include "concord-mapping.h"
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
  /* a labelled set (several emails) to one text field: values only, never
   * a label or a tab; to an email field, the member that would be the
   * primary (the first work one) */
  {
    char *labelled[] = { (char *) "home\tann@home.example", (char *) "work\tann@example.com", NULL };
    char *phones[] = { (char *) "mobile\t+15550199", (char *) "other\t+15550100", NULL };
    ConcordValue emails = { .type = CONCORD_FIELD_TYPE_STRING_SET, .v.set = labelled };
    ConcordValue numbers = { .type = CONCORD_FIELD_TYPE_STRING_SET, .v.set = phones };

    CHECK (&emails, CONCORD_FIELD_TYPE_STRING, NULL, "ann@home.example, ann@example.com");
    CHECK (&emails, CONCORD_FIELD_TYPE_EMAIL, NULL, "ann@example.com");
    CHECK (&numbers, CONCORD_FIELD_TYPE_PHONE, NULL, "+15550100");
  }
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

static void
check_loss (ConcordFieldType       from,
            ConcordFieldType       to,
            ConcordConversionLoss  expected,
            const char            *word)
{
  const char *why = "unset";

  g_assert_cmpint (concord_conversion_loss (from, to, &why), ==, expected);
  if (word == NULL)
    g_assert_null (why);
  else
    g_assert_nonnull (strstr (why, word));
}

#define LOSS(from, to, expected, word) \
  check_loss (CONCORD_FIELD_TYPE_##from, CONCORD_FIELD_TYPE_##to, CONCORD_CONVERSION_##expected, word)

/* How lossy a conversion is: the cases people meet, then every pair of
 * types against what the mapping accepts at all. */
static void
test_loss (void)
{
  /* A city onto a number: most text is no number. The other way round
   * every number has a text form. */
  LOSS (STRING, NUMBER, LOSSY, "city");
  LOSS (NUMBER, STRING, LOSSLESS, NULL);
  LOSS (STRING, STRING, LOSSLESS, NULL);
  LOSS (ENUM, STRING, LOSSLESS, NULL);
  LOSS (STRING_SET, STRING, LOSSLESS, NULL);
  LOSS (STRING, STRING_SET, LOSSLESS, NULL);
  LOSS (STRING, PHONE, LOSSLESS, NULL);
  LOSS (NUMBER, PHONE, LOSSY, "phone number");
  LOSS (STRING, EMAIL, LOSSY, "email address");
  LOSS (DATETIME, DATE, LOSSY, "time of day");
  LOSS (DATE, DATETIME, LOSSLESS, NULL);
  LOSS (STRING, DATE, LOSSY, "date");
  LOSS (NUMBER, BOOLEAN, LOSSY, "0");
  LOSS (BOOLEAN, NUMBER, LOSSLESS, NULL);
  LOSS (STRING, BOOLEAN, LOSSY, "yes or no");
  LOSS (DATE, NUMBER, IMPOSSIBLE, "do not convert");
  LOSS (NUMBER, EMAIL, IMPOSSIBLE, "do not convert");

  /* The reason is optional. */
  g_assert_cmpint (concord_conversion_loss (CONCORD_FIELD_TYPE_STRING, CONCORD_FIELD_TYPE_NUMBER, NULL),
                   ==, CONCORD_CONVERSION_LOSSY);

  /* Impossible exactly where the mapping refuses the pair; a reason
   * exactly when something is lost; the same type loses nothing. */
  for (ConcordFieldType from = CONCORD_FIELD_TYPE_STRING; from <= CONCORD_FIELD_TYPE_STRING_SET; from++)
    for (ConcordFieldType to = CONCORD_FIELD_TYPE_STRING; to <= CONCORD_FIELD_TYPE_STRING_SET; to++)
      {
        const char *why = NULL;
        ConcordConversionLoss loss = concord_conversion_loss (from, to, &why);

        g_assert_cmpint (loss == CONCORD_CONVERSION_IMPOSSIBLE, ==, !concord_field_types_convertible (from, to));
        g_assert_cmpint (why != NULL, ==, loss != CONCORD_CONVERSION_LOSSLESS);
        if (from == to)
          g_assert_cmpint (loss, ==, CONCORD_CONVERSION_LOSSLESS);
      }
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/convert/conversions", test_conversions);
  g_test_add_func ("/concord/convert/value-maps", test_value_maps);
  g_test_add_func ("/concord/convert/loss", test_loss);

  return g_test_run ();
}
