/* test-filter.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-filter.h"
#include "concord-test-utils.h"

#define NOW 1764331200  /* 2025-11-28T12:00:00Z */

static ConcordRecord *
sample (void)
{
  ConcordRecord *record = concord_record_new ("r");

  concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, "Ann@Example.com");
  concord_record_set_text (record, "first_name", CONCORD_FIELD_TYPE_STRING, "Annabel");
  concord_record_set_text (record, "status", CONCORD_FIELD_TYPE_ENUM, "Active");
  concord_record_set_number (record, "custom:Score", 42);
  concord_record_set_boolean (record, "custom:VIP", TRUE);
  concord_record_set_datetime (record, "updated_at", NOW - 3 * 86400);
  concord_record_set_text (record, "birthday", CONCORD_FIELD_TYPE_DATE, "1990-05-17");
  concord_record_set_set (record, "tags", (const char *[]) { "customer", "Newsletter", NULL });

  return record;
}

static gboolean
test_one (const ConcordRecord *record,
          const char          *field,
          ConcordFieldType     type,
          ConcordFilterOp      op,
          const char * const  *values)
{
  g_autoptr(ConcordFilter) filter = concord_filter_new_condition (field, type, op, values);
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_filter_validate (filter, &error));
  g_assert_no_error (error);
  return concord_filter_matches (filter, record, NOW);
}

#define V(...) ((const char * const []) { __VA_ARGS__, NULL })
#define NONE ((const char * const []) { NULL })

static void
test_operators (void)
{
  g_autoptr(ConcordRecord) r = sample ();
  const ConcordFieldType text = CONCORD_FIELD_TYPE_STRING;

  /* Text, ignoring case */
  g_assert_true (test_one (r, "first_name", text, CONCORD_FILTER_IS, V ("annabel")));
  g_assert_false (test_one (r, "first_name", text, CONCORD_FILTER_IS, V ("Ann")));
  g_assert_true (test_one (r, "first_name", text, CONCORD_FILTER_IS_NOT, V ("Ann")));
  g_assert_true (test_one (r, "first_name", text, CONCORD_FILTER_CONTAINS, V ("NAB")));
  g_assert_true (test_one (r, "first_name", text, CONCORD_FILTER_NOT_CONTAINS, V ("zz")));
  g_assert_true (test_one (r, "first_name", text, CONCORD_FILTER_STARTS_WITH, V ("an")));
  g_assert_false (test_one (r, "first_name", text, CONCORD_FILTER_STARTS_WITH, V ("bel")));
  g_assert_true (test_one (r, "status", CONCORD_FIELD_TYPE_ENUM, CONCORD_FILTER_IS_ONE_OF, V ("engaged", "active")));
  g_assert_true (test_one (r, "email", CONCORD_FIELD_TYPE_EMAIL, CONCORD_FILTER_CONTAINS, V ("@example.")));
  /* Empty and missing */
  g_assert_true (test_one (r, "company", text, CONCORD_FILTER_IS_EMPTY, NONE));
  g_assert_false (test_one (r, "company", text, CONCORD_FILTER_IS_NOT_EMPTY, NONE));
  g_assert_true (test_one (r, "first_name", text, CONCORD_FILTER_IS_NOT_EMPTY, NONE));
  g_assert_true (test_one (r, "company", text, CONCORD_FILTER_IS_NOT, V ("Acme")));
  g_assert_false (test_one (r, "company", text, CONCORD_FILTER_IS, V ("Acme")));
  /* Numbers */
  g_assert_true (test_one (r, "custom:Score", CONCORD_FIELD_TYPE_NUMBER, CONCORD_FILTER_IS, V ("42")));
  g_assert_true (test_one (r, "custom:Score", CONCORD_FIELD_TYPE_NUMBER, CONCORD_FILTER_GREATER, V ("41.5")));
  g_assert_false (test_one (r, "custom:Score", CONCORD_FIELD_TYPE_NUMBER, CONCORD_FILTER_LESS, V ("42")));
  g_assert_true (test_one (r, "custom:Score", CONCORD_FIELD_TYPE_NUMBER, CONCORD_FILTER_IS_ONE_OF, V ("1", "42")));
  g_assert_true (test_one (r, "custom:Score", CONCORD_FIELD_TYPE_NUMBER, CONCORD_FILTER_IS_NOT, V ("7")));
  /* Dates and date-times */
  g_assert_true (test_one (r, "updated_at", CONCORD_FIELD_TYPE_DATETIME, CONCORD_FILTER_WITHIN_LAST_DAYS, V ("7")));
  g_assert_false (test_one (r, "updated_at", CONCORD_FIELD_TYPE_DATETIME, CONCORD_FILTER_WITHIN_LAST_DAYS, V ("2")));
  g_assert_true (test_one (r, "updated_at", CONCORD_FIELD_TYPE_DATETIME, CONCORD_FILTER_AFTER, V ("2025-11-01")));
  g_assert_true (test_one (r, "updated_at", CONCORD_FIELD_TYPE_DATETIME, CONCORD_FILTER_BEFORE, V ("2025-11-28T00:00:00Z")));
  g_assert_true (test_one (r, "updated_at", CONCORD_FIELD_TYPE_DATETIME, CONCORD_FILTER_IS, V ("2025-11-25")));
  g_assert_true (test_one (r, "birthday", CONCORD_FIELD_TYPE_DATE, CONCORD_FILTER_BEFORE, V ("2000-01-01")));
  g_assert_true (test_one (r, "birthday", CONCORD_FIELD_TYPE_DATE, CONCORD_FILTER_IS, V ("1990-05-17")));
  g_assert_false (test_one (r, "birthday", CONCORD_FIELD_TYPE_DATE, CONCORD_FILTER_AFTER, V ("1990-05-17")));
  /* Booleans */
  g_assert_true (test_one (r, "custom:VIP", CONCORD_FIELD_TYPE_BOOLEAN, CONCORD_FILTER_IS_TRUE, NONE));
  g_assert_false (test_one (r, "custom:VIP", CONCORD_FIELD_TYPE_BOOLEAN, CONCORD_FILTER_IS_FALSE, NONE));
  /* Sets: membership */
  g_assert_true (test_one (r, "tags", CONCORD_FIELD_TYPE_STRING_SET, CONCORD_FILTER_CONTAINS, V ("newsletter")));
  g_assert_true (test_one (r, "tags", CONCORD_FIELD_TYPE_STRING_SET, CONCORD_FILTER_NOT_CONTAINS, V ("lead")));
  g_assert_true (test_one (r, "tags", CONCORD_FIELD_TYPE_STRING_SET, CONCORD_FILTER_IS_ONE_OF, V ("lead", "customer")));
  g_assert_true (test_one (r, "lists", CONCORD_FIELD_TYPE_STRING_SET, CONCORD_FILTER_IS_EMPTY, NONE));
}

static void
test_fits (void)
{
  g_autoptr(ConcordFilter) wrong = concord_filter_new_condition ("first_name", CONCORD_FIELD_TYPE_STRING,
                                                                  CONCORD_FILTER_GREATER, V ("3"));
  g_autoptr(ConcordFilter) no_value = concord_filter_new_condition ("status", CONCORD_FIELD_TYPE_ENUM,
                                                                     CONCORD_FILTER_IS, NONE);
  g_autoptr(ConcordFilter) bad_days = concord_filter_new_condition ("updated_at", CONCORD_FIELD_TYPE_DATETIME,
                                                                     CONCORD_FILTER_WITHIN_LAST_DAYS, V ("soon"));
  g_autoptr(GError) error = NULL;

  g_assert_false (concord_filter_op_fits (CONCORD_FILTER_GREATER, CONCORD_FIELD_TYPE_STRING));
  g_assert_false (concord_filter_op_fits (CONCORD_FILTER_STARTS_WITH, CONCORD_FIELD_TYPE_NUMBER));
  g_assert_false (concord_filter_op_fits (CONCORD_FILTER_IS_TRUE, CONCORD_FIELD_TYPE_DATE));
  g_assert_true (concord_filter_op_fits (CONCORD_FILTER_IS_EMPTY, CONCORD_FIELD_TYPE_BOOLEAN));

  g_assert_false (concord_filter_validate (wrong, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "filter.op"));
  g_clear_error (&error);
  g_assert_false (concord_filter_validate (no_value, &error));
  g_assert_nonnull (strstr (error->message, "filter.values"));
  g_clear_error (&error);
  g_assert_false (concord_filter_validate (bad_days, &error));
  g_assert_nonnull (strstr (error->message, "number of days"));
}

static void
test_groups_and_explain (void)
{
  g_autoptr(ConcordRecord) r = sample ();
  g_autoptr(ConcordFilter) all = concord_filter_new_group (FALSE);
  g_autoptr(ConcordFilter) any = concord_filter_new_group (TRUE);
  g_autoptr(ConcordFilter) is_customer = concord_filter_new_condition ("tags", CONCORD_FIELD_TYPE_STRING_SET,
                                                                        CONCORD_FILTER_CONTAINS, V ("customer"));
  g_autoptr(ConcordFilter) is_lead = concord_filter_new_condition ("tags", CONCORD_FIELD_TYPE_STRING_SET,
                                                                    CONCORD_FILTER_CONTAINS, V ("lead"));
  g_autoptr(ConcordFilter) inactive = concord_filter_new_condition ("status", CONCORD_FIELD_TYPE_ENUM,
                                                                     CONCORD_FILTER_IS, V ("inactive"));
  g_autofree char *why = NULL;

  /* Empty groups: all matches everything, any nothing. */
  g_assert_true (concord_filter_matches (all, r, NOW));
  g_assert_false (concord_filter_matches (any, r, NOW));

  concord_filter_add (any, is_lead);
  concord_filter_add (any, is_customer);
  g_assert_true (concord_filter_matches (any, r, NOW));

  concord_filter_add (all, any);
  concord_filter_add (all, inactive);
  g_assert_false (concord_filter_matches (all, r, NOW));
  why = concord_filter_explain (all, r, NOW);
  g_assert_cmpstr (why, ==, "status is “inactive”");

  concord_filter_set_negate (inactive, TRUE);
  g_assert_true (concord_filter_matches (all, r, NOW));
  g_assert_null (concord_filter_explain (all, r, NOW));
}

static void
test_json (void)
{
  static const char *good =
    "{\"match\": \"all\", \"conditions\": ["
    "  {\"field\": \"status\", \"op\": \"is-one-of\", \"values\": [\"active\", \"engaged\"]},"
    "  {\"match\": \"any\", \"negate\": true, \"conditions\": ["
    "     {\"field\": \"tags\", \"op\": \"contains\", \"values\": [\"do-not-sync\"]},"
    "     {\"field\": \"custom:Score\", \"type\": \"number\", \"op\": \"less-than\", \"values\": [\"10\"]}]}]}";
  static const struct { const char *json; const char *where; } bad[] = {
    { "[1]", "rules.filter: must be an object" },
    { "{\"match\": \"some\"}", "rules.filter.match" },
    { "{\"conditions\": [{\"field\": \"status\", \"op\": \"is\", \"values\": [\"a\"], \"colour\": 1}]}",
      "rules.filter.conditions[0]: unknown member “colour”" },
    { "{\"conditions\": [{\"field\": \"first_name\", \"op\": \"greater-than\", \"values\": [\"3\"]}]}",
      "rules.filter.conditions[0].op" },
    { "{\"conditions\": [{\"field\": \"custom:Plan\", \"op\": \"is\", \"values\": [\"x\"]}]}",
      "rules.filter.conditions[0].type: missing" },
    { "{\"conditions\": [{\"field\": \"custom:Age\", \"type\": \"number\", \"op\": \"is\", \"values\": [\"old\"]}]}",
      "rules.filter.conditions[0].values[0]" },
    { "{\"conditions\": [{\"field\": \"status\", \"op\": \"is\", \"values\": [3]}]}",
      "rules.filter.conditions[0].values[0]: must be a string" },
    { "{\"conditions\": [{\"field\": \"status\", \"op\": \"resembles\", \"values\": [\"a\"]}]}",
      "unknown operator “resembles”" },
  };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordFilter) filter = NULL;
  g_autoptr(ConcordFilter) again = NULL;
  g_autoptr(ConcordRecord) r = sample ();
  g_autoptr(JsonNode) round = NULL;

  g_assert_true (json_parser_load_from_data (parser, good, -1, &error));
  filter = concord_filter_new_from_json (json_parser_get_root (parser), "rules.filter", &error);
  g_assert_no_error (error);
  g_assert_true (concord_filter_matches (filter, r, NOW));

  /* Out of the scope when tagged do-not-sync. */
  concord_record_set_set (r, "tags", (const char *[]) { "do-not-sync", NULL });
  g_assert_false (concord_filter_matches (filter, r, NOW));

  /* A round trip keeps the meaning. */
  round = concord_filter_to_json (filter);
  again = concord_filter_new_from_json (round, "again", &error);
  g_assert_no_error (error);
  g_assert_false (concord_filter_matches (again, r, NOW));
  concord_record_set_set (r, "tags", NULL);
  g_assert_true (concord_filter_matches (again, r, NOW));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonParser) p = json_parser_new ();
      g_autoptr(ConcordFilter) refused = NULL;

      g_assert_true (json_parser_load_from_data (p, bad[i].json, -1, NULL));
      refused = concord_filter_new_from_json (json_parser_get_root (p), "rules.filter", &error);
      g_assert_null (refused);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
      if (strstr (error->message, bad[i].where) == NULL)
        g_error ("case %u: “%s” does not name “%s”", i, error->message, bad[i].where);
      g_clear_error (&error);
    }
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/filter/operators", test_operators);
  g_test_add_func ("/concord/filter/fits", test_fits);
  g_test_add_func ("/concord/filter/groups-and-explain", test_groups_and_explain);
  g_test_add_func ("/concord/filter/json", test_json);

  return g_test_run ();
}
