/* concord-bench-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The rule editor's live count: N contacts (default 100,000) on side A of
 * an engine over in-memory apps, pages of 1,000. Four phases, one line
 * each, timed from the UI thread's call to its callback:
 *
 *   cold     the first count: the side is listed, then counted
 *   cached   the count after an edit: the listing is reused
 *   nested   a count with a nested, negated group of three conditions
 *   values   the tags in use, from the same listing
 *   rows     what the editor counts when it shows a direction with two
 *            rules ("everyone → sync"; "active Pro → VIP"): the open rule
 *            and each row, three counts at once, from the same listing
 *   scope-1  the planner's question for each contact, "does a rule let it
 *            across, and which rules act on it", for the one rule a
 *            version 1 document becomes (active and Plan Pro → sync)
 *   scope-2  the same for the two rules above
 *
 *   bench-rules phase=cold n=100000 wall_s=0.91 rss_mb=310 matching=… list_calls=100
 *
 * Exits 1 when a count is not what the generated data says or when a
 * cached phase lists the app again.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "concord-engine-rules.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-rules.h"
#include "concord-test-utils.h"

static ConcordMemoryConnector *sides[2];

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static ConcordConnector *
create (const char  *app_id,
        const char  *options_json,
        const char  *secret,
        GError     **error)
{
  return g_object_ref (CONCORD_CONNECTOR (sides[strstr (options_json, "\"b\"") != NULL ? 1 : 0]));
}

static char *
add_account (ConcordEngine *engine,
             const char    *name,
             const char    *options)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  char *id;

  concord_engine_add_account_async (engine, "memory", name, options, "key", NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_account_finish (engine, result, &error);
  if (id == NULL)
    g_error ("%s", error->message);
  return id;
}

/* Contact i: status active unless i % 4 == 0; score i % 100; tag "vip"
 * when i % 10 == 0, "press" when i % 7 == 0; plan Pro when i % 3 == 0. */
static void
fill (guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordRecord) record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("person%u@example.com", i);
      const char *tags[3] = { NULL, NULL, NULL };
      guint t = 0;

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Ann");
      concord_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
                               i % 4 == 0 ? "inactive" : "active");
      concord_record_set_number (record, "custom:Score", i % 100);
      if (i % 10 == 0)
        tags[t++] = "vip";
      if (i % 7 == 0)
        tags[t++] = "press";
      if (t > 0)
        concord_record_set_set (record, CONCORD_FIELD_TAGS, tags);
      if (i % 3 == 0)
        concord_record_set_text (record, "custom:Plan", CONCORD_FIELD_TYPE_ENUM, "Pro");
      concord_memory_connector_insert (sides[0], record);
    }
}

static ConcordFilter *
condition (const char       *field,
           ConcordFieldType  type,
           ConcordFilterOp   op,
           const char       *value)
{
  const char *values[] = { value, NULL };

  return concord_filter_new_condition (field, type, op, value != NULL ? values : NULL);
}

static void
on_counted_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_engine_count_matching_finish (CONCORD_ENGINE (object), result, NULL, NULL, NULL, &error))
    g_error ("%s", error->message);
  (*pending)--;
}

/* The rules of the rows and scope phases, as a document would have them. */
static ConcordRuleList *
rules_from (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionConfig) config = concord_connection_config_new_from_json (json, &error);

  if (config == NULL)
    g_error ("%s", error->message);
  return concord_rule_list_ref (config->rules[CONCORD_SIDE_A]);
}

/* For each contact of side A, as the planner asks: in scope, and which
 * enabled rules match (to apply their actions). */
static guint
scope (ConcordRuleList *rules,
       const char      *phase,
       guint            n)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (sides[0]);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 start = g_get_monotonic_time ();
  guint across = 0, acted = 0;

  for (guint i = 0; i < all->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (all, i);

      if (concord_rule_list_in_scope (rules, record))
        across++;
      for (guint r = 0; r < concord_rule_list_get_n_rules (rules); r++)
        {
          ConcordRule *rule = concord_rule_list_get_rule (rules, r);

          if (concord_rule_get_n_actions (rule) > 0 && concord_rule_matches (rule, record, now))
            acted++;
        }
    }

  g_print ("bench-rules phase=%s n=%u wall_s=%.3f rss_mb=%.0f across=%u acted=%u\n",
           phase, n, (g_get_monotonic_time () - start) / 1e6, peak_rss_mb (), across, acted);
  return across;
}

static guint
count (ConcordEngine *engine,
       gint64         id,
       ConcordFilter *filter,
       const char    *phase,
       guint          n)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) sample = NULL;
  GAsyncResult *slot = NULL;
  guint matching = 0, total = 0;
  guint calls_before = concord_memory_connector_get_n_list_calls (sides[0]);
  gint64 start = g_get_monotonic_time ();

  concord_engine_count_matching_async (engine, id, CONCORD_SIDE_A, filter, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  if (!concord_engine_count_matching_finish (engine, result, &matching, &total, &sample, &error))
    g_error ("%s", error->message);

  g_print ("bench-rules phase=%s n=%u wall_s=%.3f rss_mb=%.0f matching=%u total=%u list_calls=%u\n",
           phase, n, (g_get_monotonic_time () - start) / 1e6, peak_rss_mb (), matching, total,
           concord_memory_connector_get_n_list_calls (sides[0]) - calls_before);
  if (total != n)
    exit (1);
  return matching;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("concord-bench-rules-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "state.sqlite", NULL);
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(ConcordEngine) engine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL;
  GAsyncResult *slot = NULL;
  ConcordConnectionRow row = { 0 };
  guint n = 100000, want, calls;
  gint64 id;

  if (argc == 3 && g_str_equal (argv[1], "--n"))
    n = (guint) g_ascii_strtoull (argv[2], NULL, 10);

  for (guint s = 0; s < 2; s++)
    {
      sides[s] = concord_memory_connector_new (s == 0 ? "a" : "b", CONCORD_CONNECTOR_NONE);
      concord_memory_connector_set_page_size (sides[s], 1000);
    }
  fill (n);

  engine = concord_engine_new (db, secrets, create);
  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  {
    g_autoptr(GAsyncResult) opened = concord_test_wait_for_result (&slot);

    if (!concord_engine_open_finish (engine, opened, &error))
      g_error ("%s", error->message);
  }

  a = add_account (engine, "A", "{\"side\": \"a\"}");
  b = add_account (engine, "B", "{\"side\": \"b\"}");
  row.name = (char *) "A ↔ B";
  row.account_a = a;
  row.type_a = (char *) "contacts";
  row.account_b = b;
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_BOTH;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  {
    g_autoptr(GAsyncResult) added = concord_test_wait_for_result (&slot);

    id = concord_engine_add_connection_finish (engine, added, &error);
  }
  if (id <= 0)
    g_error ("%s", error->message);

  /* cold and cached: status is active, Score > 49 */
  {
    g_autoptr(ConcordFilter) filter = concord_filter_new_group (FALSE);
    g_autoptr(ConcordFilter) c1 = condition (CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, CONCORD_FILTER_IS, "active");
    g_autoptr(ConcordFilter) c2 = condition ("custom:Score", CONCORD_FIELD_TYPE_NUMBER, CONCORD_FILTER_GREATER, "49");

    concord_filter_add (filter, c1);
    concord_filter_add (filter, c2);
    want = 0;
    for (guint i = 0; i < n; i++)
      want += i % 4 != 0 && i % 100 > 49;
    if (count (engine, id, filter, "cold", n) != want)
      return 1;
    calls = concord_memory_connector_get_n_list_calls (sides[0]);
    if (count (engine, id, filter, "cached", n) != want ||
        concord_memory_connector_get_n_list_calls (sides[0]) != calls)
      return 1;
  }

  /* nested: active and not (vip or Plan is Pro or Score < 10) */
  {
    g_autoptr(ConcordFilter) filter = concord_filter_new_group (FALSE);
    g_autoptr(ConcordFilter) any = concord_filter_new_group (TRUE);
    g_autoptr(ConcordFilter) c1 = condition (CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, CONCORD_FILTER_IS, "active");
    g_autoptr(ConcordFilter) c2 = condition (CONCORD_FIELD_TAGS, CONCORD_FIELD_TYPE_STRING_SET, CONCORD_FILTER_CONTAINS, "vip");
    g_autoptr(ConcordFilter) c3 = condition ("custom:Plan", CONCORD_FIELD_TYPE_ENUM, CONCORD_FILTER_IS, "Pro");
    g_autoptr(ConcordFilter) c4 = condition ("custom:Score", CONCORD_FIELD_TYPE_NUMBER, CONCORD_FILTER_LESS, "10");

    concord_filter_add (any, c2);
    concord_filter_add (any, c3);
    concord_filter_add (any, c4);
    concord_filter_set_negate (any, TRUE);
    concord_filter_add (filter, c1);
    concord_filter_add (filter, any);
    want = 0;
    for (guint i = 0; i < n; i++)
      want += i % 4 != 0 && !(i % 10 == 0 || i % 3 == 0 || i % 100 < 10);
    if (count (engine, id, filter, "nested", n) != want ||
        concord_memory_connector_get_n_list_calls (sides[0]) != calls)
      return 1;
  }

  /* values: the tags in use */
  {
    g_auto(GStrv) tags = NULL;
    gint64 start = g_get_monotonic_time ();

    concord_engine_list_values_async (engine, id, CONCORD_SIDE_A, CONCORD_FIELD_TAGS, NULL, concord_test_store_result_cb, &slot);
    g_clear_object (&result);
    result = concord_test_wait_for_result (&slot);
    tags = concord_engine_list_values_finish (engine, result, &error);
    if (tags == NULL)
      g_error ("%s", error->message);
    g_print ("bench-rules phase=values n=%u wall_s=%.3f rss_mb=%.0f values=%u list_calls=%u\n",
             n, (g_get_monotonic_time () - start) / 1e6, peak_rss_mb (), g_strv_length (tags),
             concord_memory_connector_get_n_list_calls (sides[0]) - calls);
    if (g_strv_length (tags) != (n > 0 ? 2 : 0))
      return 1;
  }

  /* rows: the open rule and both rows of a two-rule direction */
  {
    g_autoptr(ConcordRuleList) rules = rules_from (
      "{\"version\": 2, \"rules\": {\"a_to_b\": {\"rules\": [{},"
      " {\"name\": \"VIP\", \"sync\": false, \"filter\": {\"conditions\": ["
      "   {\"field\": \"status\", \"op\": \"is\", \"values\": [\"active\"]},"
      "   {\"field\": \"custom:Plan\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"Pro\"]}]},"
      "  \"actions\": [{\"action\": \"add\", \"field\": \"lists\", \"value\": \"VIP\"}]}]}}}");
    ConcordFilter *open = concord_rule_get_filter (concord_rule_list_get_rule (rules, 1));
    guint pending = 3;
    gint64 start = g_get_monotonic_time ();

    concord_engine_count_matching_async (engine, id, CONCORD_SIDE_A, open, NULL, on_counted_cb, &pending);
    for (guint r = 0; r < 2; r++)
      concord_engine_count_matching_async (engine, id, CONCORD_SIDE_A,
                                           concord_rule_get_filter (concord_rule_list_get_rule (rules, r)),
                                           NULL, on_counted_cb, &pending);
    while (pending > 0)
      g_main_context_iteration (NULL, TRUE);
    g_print ("bench-rules phase=rows n=%u wall_s=%.3f rss_mb=%.0f counts=3 list_calls=%u\n",
             n, (g_get_monotonic_time () - start) / 1e6, peak_rss_mb (),
             concord_memory_connector_get_n_list_calls (sides[0]) - calls);
    if (concord_memory_connector_get_n_list_calls (sides[0]) != calls)
      return 1;

    want = 0;
    for (guint i = 0; i < n; i++)
      want += i % 4 != 0 && i % 3 == 0;
    {
      g_autoptr(ConcordRuleList) one = rules_from (
        "{\"version\": 1, \"rules\": {\"a_to_b\": {\"filter\": {\"conditions\": ["
        "   {\"field\": \"status\", \"op\": \"is\", \"values\": [\"active\"]},"
        "   {\"field\": \"custom:Plan\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"Pro\"]}]},"
        "  \"actions\": [{\"action\": \"add\", \"field\": \"lists\", \"value\": \"VIP\"}]}}}");

      if (scope (one, "scope-1", n) != want)
        return 1;
    }
    if (scope (rules, "scope-2", n) != n)
      return 1;
  }

  concord_engine_stop (engine);
  g_clear_object (&engine);
  g_clear_object (&sides[0]);
  g_clear_object (&sides[1]);
  g_unlink (db);
  {
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);

  return 0;
}
