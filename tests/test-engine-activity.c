/* test-engine-activity.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The activity and health calls of the engine facade over two memory
 * connectors: pages of the activity and their search by email or name,
 * the health figures of a known set-up, "use the other value" end to end
 * (and refused when a side changed since), the people's explanations of
 * stored errors, bad stored text, and paging over 100,000 journal rows.
 */

#include "config.h"

#include <sqlite3.h>

#include "concord-activity-world.h"
#include "concord-store.h"

static ConcordActivityRow *
find_change (GPtrArray  *rows,
             const char *field)
{
  for (guint i = 0; i < rows->len; i++)
    {
      ConcordActivityRow *row = g_ptr_array_index (rows, i);

      if (row->kind == CONCORD_ACTIVITY_CHANGE && g_strcmp0 (row->field, field) == 0)
        return row;
    }
  return NULL;
}

static ConcordActivityRow *
find_kind (GPtrArray           *rows,
           ConcordActivityKind  kind)
{
  for (guint i = 0; i < rows->len; i++)
    {
      ConcordActivityRow *row = g_ptr_array_index (rows, i);

      if (row->kind == kind)
        return row;
    }
  return NULL;
}

static void
test_activity_pages_and_search (void)
{
  World *world = world_new ();
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) bob = NULL;
  g_autoptr(GPtrArray) by_name = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) page = NULL;
  ConcordActivityRow *row;
  guint total = 0, total_bob = 0, total_name = 0, total_none = 1, total_page = 0;
  gint64 previous = G_MAXINT64;

  world_populate (world);

  all = world_query (world, NULL, 0, 1000, &total);
  g_assert_cmpuint (total, ==, all->len);
  g_assert_cmpuint (total, >, 5);

  /* Newest first; both runs show, the newest on top. */
  for (guint i = 0; i < all->len; i++)
    {
      row = g_ptr_array_index (all, i);
      g_assert_cmpint (row->time, <=, previous);
      previous = row->time;
    }
  row = g_ptr_array_index (all, 0);
  g_assert_cmpint (row->kind, ==, CONCORD_ACTIVITY_RUN);
  g_assert_cmpuint (row->updated, >=, 2);
  g_assert_cmpuint (row->conflicts, ==, 1);
  g_assert_cmpint (row->duration, >=, 0);

  /* Bob's new phone went to A: found by his email, with before → after. */
  bob = world_query (world, "BOB@example", 0, 100, &total_bob);
  g_assert_cmpuint (total_bob, ==, bob->len);
  row = find_change (bob, CONCORD_FIELD_PHONE);
  g_assert_nonnull (row);
  g_assert_null (row->before);
  g_assert_cmpstr (row->after, ==, "+442079460018");
  g_assert_cmpint (row->target, ==, CONCORD_SIDE_A);
  g_assert_cmpstr (row->email, ==, "bob@example.com");
  g_assert_cmpstr (row->name, ==, "Bob Builder");
  for (guint i = 0; i < bob->len; i++)
    g_assert_cmpstr (((ConcordActivityRow *) g_ptr_array_index (bob, i))->email, ==, "bob@example.com");

  /* By a piece of the name, case-insensitively: Ada's conflict and changes. */
  by_name = world_query (world, "lovel", 0, 100, &total_name);
  g_assert_cmpuint (total_name, >=, 2);
  row = find_kind (by_name, CONCORD_ACTIVITY_CONFLICT);
  g_assert_nonnull (row);
  g_assert_cmpstr (row->field, ==, CONCORD_FIELD_COMPANY);
  g_assert_cmpstr (row->value_a, ==, "Babbage & Co");
  g_assert_cmpstr (row->value_b, ==, "Difference Ltd");
  g_assert_cmpint (row->winner, ==, CONCORD_SIDE_A);
  g_assert_true (row->can_flip);
  row = find_change (by_name, CONCORD_FIELD_COMPANY);
  g_assert_nonnull (row);
  g_assert_cmpstr (row->before, ==, "Difference Ltd");
  g_assert_cmpstr (row->after, ==, "Babbage & Co");

  none = world_query (world, "nobody-here", 0, 100, &total_none);
  g_assert_cmpuint (total_none, ==, 0);
  g_assert_cmpuint (none->len, ==, 0);

  /* A page in the middle is the same rows as the whole list there. */
  page = world_query (world, NULL, 2, 3, &total_page);
  g_assert_cmpuint (total_page, ==, total);
  g_assert_cmpuint (page->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      ConcordActivityRow *a = g_ptr_array_index (page, i);
      ConcordActivityRow *b = g_ptr_array_index (all, i + 2);

      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpint (a->id, ==, b->id);
    }

  /* Errors say what happened and what to do. */
  row = find_kind (all, CONCORD_ACTIVITY_ERROR);
  g_assert_nonnull (row);
  g_assert_nonnull (row->explanation);
  g_assert_nonnull (row->fix);
  g_assert_true (g_str_has_suffix (row->detail, "injected failure"));

  world_free (world);
}

static ConcordHealth *
get_health (World *world)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ConcordHealth *health;

  concord_engine_get_health_async (world->engine, world->connection_id, NULL,
                                   concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  health = concord_engine_get_health_finish (world->engine, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (health);
  return health;
}

static void
test_health_counts (void)
{
  World *world = world_new ();
  g_autoptr(ConcordHealth) before = NULL;
  g_autoptr(ConcordHealth) health = NULL;
  g_autoptr(ConcordHealth) fixed = NULL;
  ConcordHealthReason *reason;

  before = get_health (world);
  g_assert_cmpint (before->in_sync, ==, 0);
  g_assert_cmpint (before->failing, ==, 0);
  g_assert_cmpint (before->last_run, ==, 0);

  world_populate (world);
  health = get_health (world);

  /* Ada, Bob, Grace. */
  g_assert_cmpint (health->in_sync, ==, 3);
  /* The two contacts without an email. */
  g_assert_cmpint (health->excluded, ==, 2);
  /* refused1 and refused2, for one reason. */
  g_assert_cmpint (health->failing, ==, 2);
  g_assert_cmpuint (health->reasons->len, ==, 1);
  reason = g_ptr_array_index (health->reasons, 0);
  g_assert_cmpint (reason->count, ==, 2);
  g_assert_true (g_str_has_suffix (reason->detail, "injected failure"));
  g_assert_nonnull (reason->explanation);
  g_assert_nonnull (reason->fix);
  /* twin@. */
  g_assert_cmpint (health->waiting, ==, 1);
  g_assert_cmpint (health->last_run, >, 0);

  /* Once B takes them, nothing fails and two more are in sync. */
  concord_memory_connector_set_fail_func (world->sides[CONCORD_SIDE_B], NULL, NULL);
  g_assert_true (world_sync (world));
  fixed = get_health (world);
  g_assert_cmpint (fixed->in_sync, ==, 5);
  g_assert_cmpint (fixed->failing, ==, 0);
  g_assert_cmpuint (fixed->reasons->len, ==, 0);
  g_assert_cmpint (fixed->waiting, ==, 1);

  world_free (world);
}

static gboolean
flip (World   *world,
      gint64   conflict_id,
      GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_engine_flip_conflict_async (world->engine, world->connection_id, conflict_id, NULL,
                                      concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  return concord_engine_flip_conflict_finish (world->engine, result, error);
}

static gint64
conflict_id (World *world)
{
  g_autoptr(GPtrArray) rows = world_query (world, "ada@", 0, 100, NULL);
  ConcordActivityRow *row = find_kind (rows, CONCORD_ACTIVITY_CONFLICT);

  g_assert_nonnull (row);
  return row->id;
}

static void
test_flip_conflict (void)
{
  World *world = world_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) a = NULL;
  g_autoptr(ConcordRecord) b = NULL;
  g_autoptr(ConcordRecord) a2 = NULL;
  g_autoptr(ConcordRecord) b2 = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  ConcordActivityRow *row;
  gint64 id;

  world_populate (world);

  /* The policy kept A's value on both sides. */
  a = world_find (world, CONCORD_SIDE_A, "ada@example.com");
  b = world_find (world, CONCORD_SIDE_B, "ada@example.com");
  g_assert_cmpstr (concord_record_get_text (a, CONCORD_FIELD_COMPANY), ==, "Babbage & Co");
  g_assert_cmpstr (concord_record_get_text (b, CONCORD_FIELD_COMPANY), ==, "Babbage & Co");

  id = conflict_id (world);
  g_assert_true (flip (world, id, &error));
  g_assert_no_error (error);

  /* A second choice is refused. */
  g_assert_false (flip (world, id, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);

  /* After the next sync both sides hold the other value. */
  g_assert_true (world_sync (world));
  a2 = world_find (world, CONCORD_SIDE_A, "ada@example.com");
  b2 = world_find (world, CONCORD_SIDE_B, "ada@example.com");
  g_assert_cmpstr (concord_record_get_text (a2, CONCORD_FIELD_COMPANY), ==, "Difference Ltd");
  g_assert_cmpstr (concord_record_get_text (b2, CONCORD_FIELD_COMPANY), ==, "Difference Ltd");

  /* And the activity says so: the conflict remembers the choice, and the
   * write is journaled as the person's. */
  rows = world_query (world, "ada@", 0, 100, NULL);
  row = find_kind (rows, CONCORD_ACTIVITY_CONFLICT);
  g_assert_cmpstr (row->chosen, ==, "b");
  g_assert_false (row->can_flip);
  for (guint i = 0; i < rows->len; i++)
    {
      ConcordActivityRow *change = g_ptr_array_index (rows, i);

      if (change->by_person)
        {
          g_assert_cmpstr (change->field, ==, CONCORD_FIELD_COMPANY);
          g_assert_cmpstr (change->before, ==, "Babbage & Co");
          g_assert_cmpstr (change->after, ==, "Difference Ltd");
          row = NULL;
        }
    }
  g_assert_null (row);

  /* A further sync writes nothing: the choice settled. */
  concord_memory_connector_reset_counters (world->sides[0]);
  concord_memory_connector_reset_counters (world->sides[1]);
  g_assert_true (world_sync (world));
  g_assert_cmpuint (concord_memory_connector_get_n_updated (world->sides[0]), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_updated (world->sides[1]), ==, 0);

  world_free (world);
}

static void
test_flip_refused_after_edit (void)
{
  World *world = world_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) b = NULL;

  world_populate (world);

  /* Someone changed the field on the losing side since: that edit stays. */
  world_edit (world, CONCORD_SIDE_B, "ada@example.com", CONCORD_FIELD_COMPANY, "Newer Ltd");
  g_assert_false (flip (world, conflict_id (world), &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);
  b = world_find (world, CONCORD_SIDE_B, "ada@example.com");
  g_assert_cmpstr (concord_record_get_text (b, CONCORD_FIELD_COMPANY), ==, "Newer Ltd");

  /* Not this connection's conflict; no such conflict. */
  g_assert_false (flip (world, 999999, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  world_free (world);
}

static void
test_explain (void)
{
  static const struct { const char *code; const char *app; const char *field; const char *fix_word;
                        const char *explanation; } cases[] = {
    { "auth-failed", NULL, NULL, "API key", "The app refused Concord’s API key" },
    /* The fix names a place that exists (issue 14); the title the app. */
    { "auth-failed", "Shop", NULL, "Preferences → Accounts → Replace Key", "Shop refused Concord’s API key" },
    { "rate-limited", NULL, NULL, "retry", NULL },
    { "invalid-data", NULL, "email", "Correct the value", "The contact’s “Email” is not valid" },
    { "no-email", NULL, NULL, "email address", "The contact’s email address is not valid" },
    { "rule", NULL, NULL, "add a rule", NULL },
    { "create-off", NULL, NULL, "Create contacts", NULL },
    { "ambiguous", NULL, NULL, "duplicates", "The email address is on several contacts" },
    { "network", "Shop", NULL, "internet connection", "Could not reach Shop" },
    /* A record its app holds and Concord cannot read (issue 17). */
    { "bad-record", "Cards", NULL, "Correct or remove", "A contact in Cards could not be read" },
    { "bad-record", NULL, NULL, "Correct or remove", "A contact in the app could not be read" },
    /* A row an older Concord stored has no code: generic words. */
    { NULL, NULL, NULL, "try again", "The app did not accept the change" },
    { "\xff\xfe garbage", NULL, NULL, "try again", "The app did not accept the change" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *explanation = NULL;
      g_autofree char *fix = NULL;

      concord_activity_explain (cases[i].code, cases[i].app, cases[i].field, &explanation, &fix);
      g_assert_true (g_utf8_validate (explanation, -1, NULL));
      g_assert_nonnull (strstr (fix, cases[i].fix_word));
      if (cases[i].explanation != NULL)
        g_assert_cmpstr (explanation, ==, cases[i].explanation);
    }
}

/* Rows as bad as a store can hold: NULLs, huge values, invalid UTF-8. */
static void
add_odd_rows (ConcordStore *store,
              gint64        connection_id)
{
  g_autofree char *huge = g_strnfill (200000, 'x');
  ConcordJournalRow rows[] = {
    { .direction = (char *) "a-to-b", .op = (char *) "update", .outcome = (char *) "ok" },
    { .direction = (char *) "b-to-a", .op = (char *) "update", .outcome = (char *) "ok",
      .field = (char *) "notes", .before = huge, .after = huge, .email = huge, .name = huge },
    { .direction = (char *) "a-to-b", .op = (char *) "update", .outcome = (char *) "failed",
      .field = (char *) "\xc3\x28", .before = (char *) "\xff\xfe\xfd", .after = (char *) "ok\x80",
      .email = (char *) "bad\xe2\x82@example.com", .name = (char *) "N\xc3", .error = (char *) "\xf0\x90" },
    { .direction = (char *) "sideways", .op = (char *) "frobnicate", .outcome = (char *) "weird",
      .before = (char *) "line\nbreak\ttab\x01", .error = (char *) "" },
  };
  ConcordConflictRow conflict = { .kind = (char *) "field", .winner = (char *) "z",
                                  .value_a = (char *) "\xff", .field = NULL };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_assert_true (concord_store_add_journal (store, connection_id, &rows[i], &error));
      g_assert_no_error (error);
    }
  g_assert_true (concord_store_add_conflict (store, connection_id, &conflict, &error));
  g_assert_no_error (error);
}

static void
check_rows_clean (GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    {
      ConcordActivityRow *row = g_ptr_array_index (rows, i);
      const char *texts[] = { row->email, row->name, row->field, row->before, row->after,
                              row->explanation, row->fix, row->detail, row->value_a, row->value_b };

      for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
        if (texts[t] != NULL)
          {
            g_assert_true (g_utf8_validate (texts[t], -1, NULL));
            g_assert_cmpuint (g_utf8_strlen (texts[t], -1), <=, 501);
            g_assert_null (strchr (texts[t], '\n'));
          }
    }
}

static void
test_odd_rows (void)
{
  g_autofree char *path = world_db_path ();
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  World *world;
  guint total = 0;

  world = world_new ();
  /* A second connection on the same file, written directly. */
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  add_odd_rows (store, world->connection_id);
  g_clear_object (&store);

  rows = world_query (world, NULL, 0, 100, &total);
  g_assert_cmpuint (total, ==, 5);
  check_rows_clean (rows);

  /* Searching with invalid UTF-8 neither fails nor crashes. */
  found = world_query (world, "bad\xe2", 0, 100, NULL);
  check_rows_clean (found);

  world_free (world);
}

/* 100,000 journal rows: the deepest page is read as fast as the first. */
static void
test_many_rows (void)
{
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) last = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *path = world_db_path ();
  World *world = world_new ();
  gint64 start, elapsed_last, elapsed_search;
  guint total = 0, total_found = 0;

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_begin (store, &error));
  for (guint i = 0; i < 100000; i++)
    {
      g_autofree char *email = g_strdup_printf ("person%06u@example.com", i);
      g_autofree char *after = g_strdup_printf ("Company %u", i);
      ConcordJournalRow row = {
        .run_id = 1 + i / 1000, .time = 1700000000 + i / 10,
        .direction = (char *) "a-to-b", .op = (char *) "update", .field = (char *) "company",
        .after = after, .outcome = (char *) "ok", .email = email, .name = (char *) "Some One",
      };

      g_assert_true (concord_store_add_journal (store, world->connection_id, &row, NULL));
    }
  g_assert_true (concord_store_commit (store, &error));
  g_clear_object (&store);

  first = world_query (world, NULL, 0, 200, &total);
  g_assert_cmpuint (total, ==, 100000);
  g_assert_cmpstr (((ConcordActivityRow *) g_ptr_array_index (first, 0))->after, ==, "Company 99999");

  start = g_get_monotonic_time ();
  last = world_query (world, NULL, 99900, 200, &total);
  elapsed_last = g_get_monotonic_time () - start;
  g_assert_cmpuint (last->len, ==, 100);
  g_assert_cmpstr (((ConcordActivityRow *) g_ptr_array_index (last, 99))->after, ==, "Company 0");

  start = g_get_monotonic_time ();
  found = world_query (world, "person054321", 0, 200, &total_found);
  elapsed_search = g_get_monotonic_time () - start;
  g_assert_cmpuint (total_found, ==, 1);
  g_assert_cmpstr (((ConcordActivityRow *) g_ptr_array_index (found, 0))->after, ==, "Company 54321");

  g_test_message ("deepest page: %" G_GINT64_FORMAT " ms, search: %" G_GINT64_FORMAT " ms",
                  elapsed_last / 1000, elapsed_search / 1000);
  /* Generous bounds (sanitizers, slow machines): a full sort would be far slower. */
  g_assert_cmpint (elapsed_last, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (elapsed_search, <, 2 * G_USEC_PER_SEC);

  world_free (world);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/cs/engine-activity/pages-and-search", test_activity_pages_and_search);
  g_test_add_func ("/cs/engine-activity/health", test_health_counts);
  g_test_add_func ("/cs/engine-activity/flip", test_flip_conflict);
  g_test_add_func ("/cs/engine-activity/flip-refused", test_flip_refused_after_edit);
  g_test_add_func ("/cs/engine-activity/explain", test_explain);
  g_test_add_func ("/cs/engine-activity/odd-rows", test_odd_rows);
  g_test_add_func ("/cs/engine-activity/many-rows", test_many_rows);

  return g_test_run ();
}
