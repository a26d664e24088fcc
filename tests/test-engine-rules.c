/* test-engine-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * concord_engine_count_matching_async(): how many contacts of a side a
 * filter takes in, counted on the engine thread, with a sample; the side's
 * listing reused while a rule is edited and read again after a run; an
 * invalid filter refused without reading; a cancelled count reads nothing.
 * Expected numbers come from the test's own table of contacts.
 */

#include "config.h"

#include "concord-engine-rules.h"
#include "concord-rule-test-data.h"

typedef struct
{
  ConcordEngine *engine;
  char          *db_path;
  gint64         id;
  guint          finished;
} Fixture;

static void
on_run_finished (ConcordEngine          *engine,
                 ConcordConnectionState *state,
                 gboolean                ok,
                 Fixture                *f)
{
  g_assert_true (ok);
  f->finished++;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  rule_make_sides ();
  f->db_path = g_build_filename (g_get_user_data_dir (), "rules.sqlite", NULL);
  f->engine = rule_open_engine (f->db_path);
  g_signal_connect (f->engine, "run-finished", G_CALLBACK (on_run_finished), f);
  f->id = rule_add_connection (f->engine, CONCORD_DIRECTION_BOTH, "");
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  rule_close_engine (&f->engine);
  g_free (f->db_path);
}

typedef struct
{
  gboolean  ok;
  guint     n_matching;
  guint     n_total;
  char    **sample;
  GError   *error;
} Count;

static void
count_clear (Count *count)
{
  g_strfreev (count->sample);
  g_clear_error (&count->error);
}

static void
count (Fixture       *f,
       ConcordSide    side,
       ConcordFilter *filter,
       GCancellable  *cancellable,
       Count         *out)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  memset (out, 0, sizeof *out);
  concord_engine_count_matching_async (f->engine, f->id, side, filter, cancellable,
                                       concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  out->ok = concord_engine_count_matching_finish (f->engine, result, &out->n_matching, &out->n_total,
                                                  &out->sample, &out->error);
}

/* status is active, and Score > @above: from the table. */
static guint
expect_active_above (double      above,
                     GPtrArray  *emails)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (shop_people); i++)
    if (g_str_equal (shop_people[i].status, "active") && shop_people[i].score > above)
      {
        n++;
        if (emails != NULL)
          g_ptr_array_add (emails, (gpointer) shop_people[i].email);
      }

  return n;
}

static ConcordFilter *
active_above (const char *above)
{
  const char *active[] = { "active", NULL };
  const char *score[] = { above, NULL };
  g_autoptr(ConcordFilter) group = concord_filter_new_group (FALSE);
  g_autoptr(ConcordFilter) c1 = concord_filter_new_condition (CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
                                                              CONCORD_FILTER_IS, active);
  g_autoptr(ConcordFilter) c2 = concord_filter_new_condition ("custom:Score", CONCORD_FIELD_TYPE_NUMBER,
                                                              CONCORD_FILTER_GREATER, score);

  concord_filter_add (group, c1);
  concord_filter_add (group, c2);
  return g_steal_pointer (&group);
}

static void
test_count (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(ConcordFilter) filter = active_above ("10");
  g_autoptr(GPtrArray) emails = g_ptr_array_new ();
  guint expected = expect_active_above (10, emails);
  Count c;

  g_assert_cmpuint (expected, >, CONCORD_COUNT_SAMPLE_SIZE);  /* the sample is cut */

  count (f, CONCORD_SIDE_A, filter, NULL, &c);
  g_assert_no_error (c.error);
  g_assert_true (c.ok);
  g_assert_cmpuint (c.n_total, ==, G_N_ELEMENTS (shop_people));
  g_assert_cmpuint (c.n_matching, ==, expected);
  g_assert_cmpuint (g_strv_length (c.sample), ==, CONCORD_COUNT_SAMPLE_SIZE);
  /* In the app's order, named and addressed. */
  for (guint i = 0; i < CONCORD_COUNT_SAMPLE_SIZE; i++)
    {
      g_autofree char *wanted = g_strdup_printf ("<%s>", (char *) g_ptr_array_index (emails, i));

      g_assert_true (g_str_has_suffix (c.sample[i], wanted));
    }
  g_assert_cmpstr (c.sample[0], ==, "Ann Lee <ann@example.com>");
  count_clear (&c);

  /* No filter: everyone. The other side is empty. */
  count (f, CONCORD_SIDE_A, NULL, NULL, &c);
  g_assert_true (c.ok);
  g_assert_cmpuint (c.n_matching, ==, G_N_ELEMENTS (shop_people));
  count_clear (&c);
  count (f, CONCORD_SIDE_B, NULL, NULL, &c);
  g_assert_true (c.ok);
  g_assert_cmpuint (c.n_total, ==, 0);
  g_assert_cmpuint (c.n_matching, ==, 0);
  g_assert_cmpuint (g_strv_length (c.sample), ==, 0);
  count_clear (&c);

  /* A nested, negated group: not (tags include vip or Plan is Pro). */
  {
    const char *vip[] = { "vip", NULL };
    const char *pro[] = { "Pro", NULL };
    g_autoptr(ConcordFilter) any = concord_filter_new_group (TRUE);
    g_autoptr(ConcordFilter) c1 = concord_filter_new_condition (CONCORD_FIELD_TAGS, CONCORD_FIELD_TYPE_STRING_SET,
                                                                CONCORD_FILTER_CONTAINS, vip);
    g_autoptr(ConcordFilter) c2 = concord_filter_new_condition ("custom:Plan", CONCORD_FIELD_TYPE_ENUM,
                                                                CONCORD_FILTER_IS, pro);
    guint n = 0;

    concord_filter_add (any, c1);
    concord_filter_add (any, c2);
    concord_filter_set_negate (any, TRUE);
    for (guint i = 0; i < G_N_ELEMENTS (shop_people); i++)
      if (!rule_person_has_tag (&shop_people[i], "vip") && g_strcmp0 (shop_people[i].plan, "Pro") != 0)
        n++;

    count (f, CONCORD_SIDE_A, any, NULL, &c);
    g_assert_true (c.ok);
    g_assert_cmpuint (c.n_matching, ==, n);
    count_clear (&c);
  }
}

/* An account in no connection yet, as while a connection is being made:
 * its contacts are counted by account and contact type. */
static void
test_count_account (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ConcordFilter) filter = active_above ("10");
  g_autoptr(ConcordConnectionSetup) setup = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) counted = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) sample = NULL;
  GAsyncResult *slot = NULL;
  guint n_matching = 0, n_total = 0;

  concord_engine_load_setup_async (f->engine, f->id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  setup = concord_engine_load_setup_finish (f->engine, result, &error);
  g_assert_no_error (error);

  slot = NULL;
  concord_engine_count_matching_in_async (f->engine, setup->account_id[0], setup->type[0], filter, NULL,
                                          concord_test_store_result_cb, &slot);
  counted = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_count_matching_finish (f->engine, counted, &n_matching, &n_total,
                                                       &sample, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_total, ==, G_N_ELEMENTS (shop_people));
  g_assert_cmpuint (n_matching, ==, expect_active_above (10, NULL));
  g_assert_cmpstr (sample[0], ==, "Ann Lee <ann@example.com>");
}

static void
test_cache (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(ConcordFilter) filter = active_above ("10");
  g_autoptr(ConcordFilter) stricter = active_above ("30");
  g_autoptr(ConcordRecord) late = concord_record_new (NULL);
  guint pages = (G_N_ELEMENTS (shop_people) + 4) / 5;
  Count c;

  /* The first count lists every page. */
  concord_memory_connector_reset_counters (rule_sides[0]);
  count (f, CONCORD_SIDE_A, filter, NULL, &c);
  g_assert_true (c.ok);
  count_clear (&c);
  g_assert_cmpuint (concord_memory_connector_get_n_list_calls (rule_sides[0]), ==, pages);

  /* Counting again while the rule is edited asks the app nothing. */
  count (f, CONCORD_SIDE_A, stricter, NULL, &c);
  g_assert_true (c.ok);
  g_assert_cmpuint (c.n_matching, ==, expect_active_above (30, NULL));
  count_clear (&c);
  g_assert_cmpuint (concord_memory_connector_get_n_list_calls (rule_sides[0]), ==, pages);

  /* A contact added in the app shows after the connection's next run. */
  concord_record_set_text (late, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "zed@example.com");
  concord_record_set_text (late, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, "active");
  concord_record_set_number (late, "custom:Score", 99);
  concord_memory_connector_insert (rule_sides[0], late);

  count (f, CONCORD_SIDE_A, filter, NULL, &c);
  g_assert_cmpuint (c.n_total, ==, G_N_ELEMENTS (shop_people));
  count_clear (&c);

  concord_engine_sync_now (f->engine, f->id);
  while (f->finished == 0)
    g_main_context_iteration (NULL, TRUE);
  concord_memory_connector_reset_counters (rule_sides[0]);

  count (f, CONCORD_SIDE_A, filter, NULL, &c);
  g_assert_true (c.ok);
  g_assert_cmpuint (c.n_total, ==, G_N_ELEMENTS (shop_people) + 1);
  g_assert_cmpuint (c.n_matching, ==, expect_active_above (10, NULL) + 1);
  count_clear (&c);
  g_assert_cmpuint (concord_memory_connector_get_n_list_calls (rule_sides[0]), ==,
                    (G_N_ELEMENTS (shop_people) + 1 + 4) / 5);
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  const char *words[] = { "many", NULL };
  g_autoptr(ConcordFilter) bad = concord_filter_new_condition ("custom:Score", CONCORD_FIELD_TYPE_NUMBER,
                                                               CONCORD_FILTER_GREATER, words);
  g_autoptr(ConcordFilter) misfit = concord_filter_new_condition ("custom:Score", CONCORD_FIELD_TYPE_NUMBER,
                                                                  CONCORD_FILTER_STARTS_WITH, words);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Count c;

  concord_memory_connector_reset_counters (rule_sides[0]);

  /* Invalid filters are refused, naming the place, and nothing is read. */
  count (f, CONCORD_SIDE_A, bad, NULL, &c);
  g_assert_false (c.ok);
  g_assert_error (c.error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (c.error->message, "filter.values[0]"));
  count_clear (&c);
  count (f, CONCORD_SIDE_A, misfit, NULL, &c);
  g_assert_error (c.error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  count_clear (&c);

  /* A count cancelled before it started reads nothing either. */
  g_cancellable_cancel (cancellable);
  count (f, CONCORD_SIDE_A, NULL, cancellable, &c);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  count_clear (&c);
  g_assert_cmpuint (concord_memory_connector_get_n_list_calls (rule_sides[0]), ==, 0);

  /* An unknown connection is an error, not a crash. */
  f->id += 1000;
  count (f, CONCORD_SIDE_A, NULL, NULL, &c);
  g_assert_false (c.ok);
  g_assert_nonnull (c.error);
  count_clear (&c);
  f->id -= 1000;

  /* The app failing is reported, and the next count tries again. */
  {
    g_autoptr(GError) broken = g_error_new (CONCORD_ERROR, CONCORD_ERROR_NETWORK, "The app could not be reached");

    concord_memory_connector_fail_list_at_page (rule_sides[0], 1, broken);
    count (f, CONCORD_SIDE_A, NULL, NULL, &c);
    g_assert_error (c.error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
    count_clear (&c);
    count (f, CONCORD_SIDE_A, NULL, NULL, &c);
    g_assert_no_error (c.error);
    g_assert_cmpuint (c.n_total, ==, G_N_ELEMENTS (shop_people));
    count_clear (&c);
  }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static GStrv
list_values (Fixture    *f,
             ConcordSide side,
             const char *field,
             GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_engine_list_values_async (f->engine, f->id, side, field, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  return concord_engine_list_values_finish (f->engine, result, error);
}

static void
test_values (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tags = NULL, plans = NULL, none = NULL, lists = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);

  /* Every tag in the table, once, sorted. */
  for (guint i = 0; i < G_N_ELEMENTS (shop_people); i++)
    {
      g_auto(GStrv) split = shop_people[i].tags != NULL ? g_strsplit (shop_people[i].tags, ",", -1) : NULL;

      for (guint j = 0; split != NULL && split[j] != NULL; j++)
        if (!g_ptr_array_find_with_equal_func (expected, split[j], g_str_equal, NULL))
          g_ptr_array_add (expected, g_strdup (split[j]));
    }
  g_ptr_array_sort (expected, compare_strings);
  g_ptr_array_add (expected, NULL);

  tags = list_values (f, CONCORD_SIDE_A, CONCORD_FIELD_TAGS, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (tags, (const char * const *) expected->pdata);

  plans = list_values (f, CONCORD_SIDE_A, "custom:Plan", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (plans, ((const char * const []) { "Free", "Pro", NULL }));

  /* A field nobody has, and an empty side: nothing, not an error. */
  none = list_values (f, CONCORD_SIDE_A, "custom:Nothing", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
  lists = list_values (f, CONCORD_SIDE_B, CONCORD_FIELD_LISTS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (lists), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/engine-rules/count", Fixture, NULL, setup, test_count, teardown);
  g_test_add ("/concord/engine-rules/count-account", Fixture, NULL, setup, test_count_account, teardown);
  g_test_add ("/concord/engine-rules/cache", Fixture, NULL, setup, test_cache, teardown);
  g_test_add ("/concord/engine-rules/refused", Fixture, NULL, setup, test_refused, teardown);
  g_test_add ("/concord/engine-rules/values", Fixture, NULL, setup, test_values, teardown);

  return g_test_run ();
}
