/* test-sync.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Scenario tests of the sync engine against two in-memory apps: each names
 * one behaviour of INVARIANTS.md and checks it on a small, readable case.
 * The randomised model test (test-sync-model.c) checks the same
 * invariants over thousands of random histories.
 */

#include "config.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <glib/gstdio.h>
#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-filter.h"
#include "concord-memory-connector.h"
#include "concord-planner.h"
#include "concord-rules.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-utils.h"

typedef struct
{
  ConcordStore           *store;
  gint64                  connection_id;
  ConcordMapping         *mapping;
  ConcordSyncConfig       config;
  ConcordMemoryConnector *side[2];
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "concord", "state.sqlite", NULL);
  ConcordConnectionRow row = {
    .name = (char *) "test", .account_a = (char *) "a", .type_a = (char *) "contacts",
    .account_b = (char *) "b", .type_b = (char *) "contacts", .enabled = TRUE,
  };
  const char *keys[] = { "email", "first_name", "last_name", "company", "phone", "lists", "tags", "status" };
  const ConcordFieldType types[] = { CONCORD_FIELD_TYPE_EMAIL, CONCORD_FIELD_TYPE_STRING,
                                     CONCORD_FIELD_TYPE_STRING, CONCORD_FIELD_TYPE_STRING,
                                     CONCORD_FIELD_TYPE_PHONE, CONCORD_FIELD_TYPE_STRING_SET,
                                     CONCORD_FIELD_TYPE_STRING_SET, CONCORD_FIELD_TYPE_ENUM };

  f->store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (f->store, "a", "memory", "A", NULL, &error));
  g_assert_true (concord_store_add_account (f->store, "b", "memory", "B", NULL, &error));
  f->connection_id = concord_store_add_connection (f->store, &row, &error);
  g_assert_no_error (error);

  f->mapping = concord_mapping_new ();
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    concord_mapping_add (f->mapping, keys[i], types[i], keys[i], types[i], CONCORD_PAIR_FLOW_BOTH);
  concord_sync_config_init (&f->config, f->mapping);

  for (guint s = 0; s < 2; s++)
    {
      f->side[s] = concord_memory_connector_new (s ? "b" : "a", CONCORD_CONNECTOR_NONE);
      concord_memory_connector_set_page_size (f->side[s], 3);
      concord_memory_connector_set_max_batch (f->side[s], 2);
      concord_memory_connector_set_now (f->side[s], 1000);
    }
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  concord_sync_config_clear (&f->config);
  concord_mapping_unref (f->mapping);
  g_clear_object (&f->side[0]);
  g_clear_object (&f->side[1]);
  g_clear_object (&f->store);
}

static ConcordRecord *
person (ConcordMemoryConnector *side,
        const char             *email,
        ...) G_GNUC_NULL_TERMINATED;

/* person (side, email, "field", "value", …, NULL): lists, tags and emails
 * take comma-separated members (emails as "label\tvalue"). Returns the stored record (transfer none). */
static ConcordRecord *
person (ConcordMemoryConnector *side,
        const char             *email,
        ...)
{
  g_autoptr(ConcordRecord) record = concord_record_new (NULL);
  const char *key;
  va_list args;

  if (email != NULL)
    concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, email);

  va_start (args, email);
  while ((key = va_arg (args, const char *)) != NULL)
    {
      const char *value = va_arg (args, const char *);

      if (g_str_equal (key, "lists") || g_str_equal (key, "tags") || g_str_equal (key, "emails"))
        {
          g_auto(GStrv) items = g_strsplit (value, ",", -1);

          concord_record_set_set (record, key, (const char * const *) items);
        }
      else
        concord_record_set_text (record, key, g_str_equal (key, "phone") ? CONCORD_FIELD_TYPE_PHONE
                                                                         : CONCORD_FIELD_TYPE_STRING, value);
    }
  va_end (args);

  return concord_memory_connector_insert (side, record);
}

static ConcordRecord *
find (ConcordMemoryConnector *side,
      const char             *email)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (side);
  g_autofree char *key = concord_normalize_email (email);
  ConcordRecord *found = NULL;

  /* By matching key: an email keeps the case it was written in. */
  for (guint i = 0; i < all->len; i++)
    {
      g_autofree char *other = concord_normalize_email (concord_record_get_email (all->pdata[i]));

      if (g_strcmp0 (other, key) != 0)
        continue;
      g_assert_null (found);  /* never two */
      found = all->pdata[i];
    }

  return found;
}

static void
edit (ConcordMemoryConnector *side,
      const char             *email,
      const char             *key,
      const char             *value)
{
  g_autoptr(ConcordRecord) copy = concord_record_copy (find (side, email));

  if (g_str_equal (key, "lists") || g_str_equal (key, "tags") || g_str_equal (key, "emails"))
    {
      g_auto(GStrv) items = value ? g_strsplit (value, ",", -1) : NULL;

      concord_record_set_set (copy, key, (const char * const *) items);
    }
  else
    concord_record_set_text (copy, key,
                             g_str_equal (key, "email") ? CONCORD_FIELD_TYPE_EMAIL :
                             g_str_equal (key, "phone") ? CONCORD_FIELD_TYPE_PHONE :
                             CONCORD_FIELD_TYPE_STRING, value);
  g_assert_true (concord_memory_connector_replace (side, copy));
}

static const char *
text (ConcordMemoryConnector *side,
      const char             *email,
      const char             *key)
{
  ConcordRecord *record = find (side, email);

  g_assert_nonnull (record);
  return concord_record_get_text (record, key);
}

static char *
set_text (ConcordMemoryConnector *side,
          const char             *email,
          const char             *key)
{
  const ConcordValue *value = concord_record_get (find (side, email), key);

  return value != NULL ? g_strjoinv (",", value->v.set) : NULL;
}

static gboolean
sync_full (Fixture            *f,
           ConcordRunOptions  *options,
           ConcordRunSummary  *summary,
           GError            **error)
{
  concord_memory_connector_reset_counters (f->side[0]);
  concord_memory_connector_reset_counters (f->side[1]);

  return concord_sync_run (f->store, f->connection_id, &f->config,
                           CONCORD_CONNECTOR (f->side[0]), "contacts",
                           CONCORD_CONNECTOR (f->side[1]), "contacts",
                           options, NULL, summary, error);
}

static void
sync_ok (Fixture *f)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;

  if (!sync_full (f, NULL, &summary, &error))
    g_error ("sync failed: %s", error->message);
  concord_run_summary_clear (&summary);
}

static guint
writes (Fixture *f)
{
  return concord_memory_connector_get_n_write_calls (f->side[0]) +
         concord_memory_connector_get_n_write_calls (f->side[1]);
}

static void
assert_quiet (Fixture *f)
{
  sync_ok (f);
  g_assert_cmpuint (writes (f), ==, 0);
}

/* ------------------------------------------------------------------------- */

static void
test_first_sync_merges (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *lists = NULL;

  /* The same person on both sides, email in other case and with spaces. */
  person (f->side[0], "ann@example.com", "first_name", "Ann", "company", "Acme", "lists", "news", NULL);
  person (f->side[1], " ANN@Example.com ", "first_name", "Ann", "phone", "+1 555 0100", "lists", "vip", NULL);
  person (f->side[0], "only-a@example.com", "first_name", "Al", NULL);
  person (f->side[1], "only-b@example.com", "first_name", "Bea", NULL);

  sync_ok (f);

  /* Richer data on both sides, no duplicate, the rest created. */
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[0]), ==, 3);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 3);
  g_assert_cmpstr (text (f->side[0], "ann@example.com", "phone"), ==, "+15550100");
  g_assert_cmpstr (text (f->side[1], "ann@example.com", "company"), ==, "Acme");
  lists = set_text (f->side[0], "ann@example.com", "lists");
  g_assert_cmpstr (lists, ==, "news,vip");
  g_assert_cmpstr (text (f->side[1], "only-a@example.com", "first_name"), ==, "Al");
  g_assert_cmpstr (text (f->side[0], "only-b@example.com", "first_name"), ==, "Bea");
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 3);

  /* Idempotence: nothing left to do. */
  assert_quiet (f);
}

static void
test_field_level_merge (Fixture       *f,
                        gconstpointer  data)
{
  person (f->side[0], "x@example.com", "first_name", "Xe", "company", "Acme", NULL);
  sync_ok (f);

  /* Disjoint edits on the two sides both survive, with no conflict. */
  edit (f->side[0], "x@example.com", "first_name", "Xena");
  edit (f->side[1], "x@example.com", "company", "Globex");
  sync_ok (f);

  for (guint s = 0; s < 2; s++)
    {
      g_assert_cmpstr (text (f->side[s], "x@example.com", "first_name"), ==, "Xena");
      g_assert_cmpstr (text (f->side[s], "x@example.com", "company"), ==, "Globex");
    }
  {
    g_autoptr(GPtrArray) conflicts = concord_store_list_conflicts (f->store, f->connection_id, 0, NULL);

    g_assert_cmpuint (conflicts->len, ==, 0);
  }
  assert_quiet (f);
}

static void
test_conflict_policies (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  ConcordConflictRow *row;

  person (f->side[0], "c@example.com", "company", "Acme", NULL);
  sync_ok (f);

  /* Newest wins: B edits later than A. */
  concord_memory_connector_set_now (f->side[0], 5000);
  edit (f->side[0], "c@example.com", "company", "Older Inc");
  concord_memory_connector_set_now (f->side[1], 6000);
  edit (f->side[1], "c@example.com", "company", "Newer Ltd");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "c@example.com", "company"), ==, "Newer Ltd");
  g_assert_cmpstr (text (f->side[1], "c@example.com", "company"), ==, "Newer Ltd");

  /* The loser is archived with both values. */
  conflicts = concord_store_list_conflicts (f->store, f->connection_id, 0, NULL);
  g_assert_cmpuint (conflicts->len, ==, 1);
  row = g_ptr_array_index (conflicts, 0);
  g_assert_cmpstr (row->field, ==, "company");
  g_assert_cmpstr (row->value_a, ==, "Older Inc");
  g_assert_cmpstr (row->value_b, ==, "Newer Ltd");
  g_assert_cmpstr (row->winner, ==, "b");

  /* Without "newest", the preferred side wins whatever the times. */
  f->config.newest_wins = FALSE;
  f->config.prefer = CONCORD_SIDE_A;
  concord_memory_connector_set_now (f->side[0], 7000);
  edit (f->side[0], "c@example.com", "company", "A wins");
  concord_memory_connector_set_now (f->side[1], 9000);
  edit (f->side[1], "c@example.com", "company", "B loses");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "c@example.com", "company"), ==, "A wins");

  /* The same edit on both sides is no conflict. */
  edit (f->side[0], "c@example.com", "company", "Same");
  edit (f->side[1], "c@example.com", "company", "Same");
  sync_ok (f);
  g_assert_cmpuint (writes (f), ==, 0);
  g_clear_pointer (&conflicts, g_ptr_array_unref);
  conflicts = concord_store_list_conflicts (f->store, f->connection_id, 0, NULL);
  g_assert_cmpuint (conflicts->len, ==, 2);
  assert_quiet (f);
}

static void
test_set_merge (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *on_a = NULL;
  g_autofree char *on_b = NULL;

  person (f->side[0], "s@example.com", "lists", "news,promo,vip", NULL);
  sync_ok (f);

  /* A adds beta and removes promo; B adds tips and removes vip: all kept. */
  edit (f->side[0], "s@example.com", "lists", "beta,news,vip");
  edit (f->side[1], "s@example.com", "lists", "news,promo,tips");
  sync_ok (f);

  on_a = set_text (f->side[0], "s@example.com", "lists");
  on_b = set_text (f->side[1], "s@example.com", "lists");
  g_assert_cmpstr (on_a, ==, "beta,news,tips");
  g_assert_cmpstr (on_b, ==, "beta,news,tips");
  assert_quiet (f);
}

static void
test_creation_off_updates_flow (Fixture       *f,
                                gconstpointer  data)
{
  /* Two-way, but contacts may not be created on B. */
  f->config.may_create[CONCORD_SIDE_B] = FALSE;
  person (f->side[0], "both@example.com", "first_name", "Bo", NULL);
  person (f->side[1], "both@example.com", "company", "Acme", NULL);
  person (f->side[0], "a-only@example.com", NULL);
  person (f->side[1], "b-only@example.com", NULL);
  sync_ok (f);

  g_assert_null (find (f->side[1], "a-only@example.com"));
  g_assert_nonnull (find (f->side[0], "b-only@example.com"));
  g_assert_cmpuint (concord_memory_connector_get_n_created (f->side[1]), ==, 0);

  /* Updates still flow both ways for linked contacts. */
  edit (f->side[0], "both@example.com", "first_name", "Bob");
  edit (f->side[1], "both@example.com", "company", "Globex");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "both@example.com", "first_name"), ==, "Bob");
  g_assert_cmpstr (text (f->side[0], "both@example.com", "company"), ==, "Globex");

  /* Editing the unmatched contact still creates nothing on B. */
  edit (f->side[0], "a-only@example.com", "first_name", "Al");
  sync_ok (f);
  g_assert_null (find (f->side[1], "a-only@example.com"));
  {
    g_autoptr(GPtrArray) journal = concord_store_list_journal (f->store, f->connection_id, 0, 0, NULL);
    gboolean explained = FALSE;

    for (guint i = 0; i < journal->len; i++)
      {
        ConcordJournalRow *row = g_ptr_array_index (journal, i);

        if (g_strcmp0 (row->op, "skip") == 0 && row->error != NULL && strstr (row->error, "creating"))
          explained = TRUE;
      }
    g_assert_true (explained);
  }
}

static void
test_one_way (Fixture       *f,
              gconstpointer  data)
{
  f->config.direction = CONCORD_DIRECTION_A_TO_B;
  person (f->side[0], "src@example.com", "first_name", "Sam", NULL);
  person (f->side[1], "dst@example.com", "first_name", "Dan", NULL);
  person (f->side[1], "src@example.com", "company", "Kept", NULL);
  sync_ok (f);

  /* Nothing is ever written to A. */
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (f->side[0]), ==, 0);
  g_assert_null (find (f->side[0], "dst@example.com"));
  g_assert_null (text (f->side[0], "src@example.com", "company"));
  g_assert_cmpstr (text (f->side[1], "src@example.com", "first_name"), ==, "Sam");
  /* B's own data that A has not is kept. */
  g_assert_cmpstr (text (f->side[1], "src@example.com", "company"), ==, "Kept");

  /* A is the truth: an edit of a mapped field on B is set back. */
  edit (f->side[1], "src@example.com", "first_name", "Changed on B");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "src@example.com", "first_name"), ==, "Sam");
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (f->side[0]), ==, 0);
  assert_quiet (f);
}

static gboolean
not_private (const ConcordRecord *record,
             gpointer             user_data)
{
  const ConcordValue *tags = concord_record_get (record, "tags");

  return tags == NULL || !g_strv_contains ((const char * const *) tags->v.set, "private");
}

static void
test_scope (Fixture       *f,
            gconstpointer  data)
{
  f->config.filter[CONCORD_SIDE_A] = not_private;
  person (f->side[0], "in@example.com", "first_name", "In", NULL);
  person (f->side[0], "out@example.com", "first_name", "Out", "tags", "private", NULL);
  sync_ok (f);

  g_assert_nonnull (find (f->side[1], "in@example.com"));
  g_assert_null (find (f->side[1], "out@example.com"));

  /* Leaving the scope stops syncing; it deletes nothing. */
  edit (f->side[0], "in@example.com", "tags", "private");
  sync_ok (f);
  edit (f->side[0], "in@example.com", "first_name", "Hidden");
  sync_ok (f);
  g_assert_nonnull (find (f->side[1], "in@example.com"));
  g_assert_cmpstr (text (f->side[1], "in@example.com", "first_name"), ==, "In");
}

static void
test_scope_rule_filter (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ConcordFilter) filter = NULL;
  g_autoptr(GError) error = NULL;

  /* The rule: customers only, and never the ones tagged "private". */
  g_assert_true (json_parser_load_from_data (parser,
    "{\"match\": \"all\", \"conditions\": ["
    " {\"field\": \"tags\", \"op\": \"contains\", \"values\": [\"customer\"]},"
    " {\"field\": \"tags\", \"op\": \"contains\", \"values\": [\"private\"], \"negate\": true}]}",
    -1, &error));
  filter = concord_filter_new_from_json (json_parser_get_root (parser), "rules.a_to_b.filter", &error);
  g_assert_no_error (error);
  f->config.filter[CONCORD_SIDE_A] = concord_filter_scope;
  f->config.filter_data[CONCORD_SIDE_A] = filter;

  person (f->side[0], "c@example.com", "tags", "customer", NULL);
  person (f->side[0], "p@example.com", "tags", "customer,private", NULL);
  person (f->side[0], "l@example.com", "tags", "lead", NULL);
  sync_ok (f);

  g_assert_nonnull (find (f->side[1], "c@example.com"));
  g_assert_null (find (f->side[1], "p@example.com"));
  g_assert_null (find (f->side[1], "l@example.com"));

  /* A lead who becomes a customer enters the scope and is created. */
  edit (f->side[0], "l@example.com", "tags", "customer");
  sync_ok (f);
  g_assert_nonnull (find (f->side[1], "l@example.com"));
  assert_quiet (f);
}

static void
test_circuit_breaker (Fixture       *f,
                      gconstpointer  data)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%u@example.com", i);

      person (f->side[0], email, "company", "Acme", NULL);
    }
  sync_ok (f);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 6);

  /* A suddenly looks empty: the run stops before writing anything. */
  all = concord_memory_connector_get_all (f->side[0]);
  for (guint i = 0; i < all->len; i++)
    concord_memory_connector_remove (f->side[0], concord_record_get_remote_id (all->pdata[i]));

  g_assert_false (sync_full (f, NULL, &summary, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_true (summary.tripped);
  g_assert_cmpuint (writes (f), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 6);
  concord_run_summary_clear (&summary);
  g_clear_error (&error);

  /* Mass overwrite: every value on A changed at once, over the limit. */
  g_clear_pointer (&all, g_ptr_array_unref);
  all = concord_memory_connector_get_all (f->side[1]);
  for (guint i = 0; i < all->len; i++)
    {
      g_autoptr(ConcordRecord) copy = concord_record_copy (all->pdata[i]);

      concord_record_set_text (copy, "email", CONCORD_FIELD_TYPE_EMAIL, concord_record_get_email (copy));
      concord_memory_connector_insert (f->side[0], copy);
    }
  f->config.force = TRUE;  /* the user confirms the re-import */
  sync_ok (f);  /* the same people again: matched, nothing overwritten */
  f->config.force = FALSE;
  f->config.breaker_min = 2;
  g_clear_pointer (&all, g_ptr_array_unref);
  all = concord_memory_connector_get_all (f->side[0]);
  for (guint i = 0; i < all->len; i++)
    edit (f->side[0], concord_record_get_email (all->pdata[i]), "company", "Overwritten");
  g_assert_false (sync_full (f, NULL, &summary, &error));
  g_assert_true (summary.tripped);
  g_assert_cmpstr (text (f->side[1], "p0@example.com", "company"), ==, "Acme");
  concord_run_summary_clear (&summary);
  g_clear_error (&error);

  /* The user confirms: the same run goes through. */
  f->config.force = TRUE;
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "p0@example.com", "company"), ==, "Overwritten");
}

static void
test_crash_between_write_and_commit (Fixture       *f,
                                     gconstpointer  data)
{
  ConcordRunOptions options = { .crash_after_writes = 1 };
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) intents = NULL;

  person (f->side[0], "k1@example.com", "first_name", "K1", NULL);
  person (f->side[0], "k2@example.com", "first_name", "K2", NULL);
  person (f->side[0], "k3@example.com", "first_name", "K3", NULL);

  /* The first batch is created on B, then the process "dies". */
  g_assert_false (sync_full (f, &options, &summary, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 2);
  /* The intent of the batch in flight is still there, naming both. */
  intents = concord_store_list_intents (f->store, f->connection_id, NULL);
  g_assert_cmpuint (intents->len, ==, 1);
  g_assert_cmpstr (((ConcordIntentRow *) intents->pdata[0])->op, ==, "create");
  g_assert_nonnull (strstr (((ConcordIntentRow *) intents->pdata[0])->key, "k1@example.com"));
  g_clear_error (&error);

  /* The next run links what was created and creates only the rest. */
  sync_ok (f);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 3);
  g_assert_cmpuint (concord_memory_connector_get_n_created (f->side[1]), ==, 1);
  g_assert_nonnull (find (f->side[1], "k1@example.com"));
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 3);
  assert_quiet (f);
}

static gboolean
fail_bob (const ConcordRecord *record,
          gpointer             user_data)
{
  return g_strcmp0 (concord_record_get_email (record), "bob@example.com") == 0;
}

static void
test_partial_batch_failure (Fixture       *f,
                            gconstpointer  data)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) server = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER, "503");

  person (f->side[0], "amy@example.com", NULL);
  person (f->side[0], "bob@example.com", NULL);
  concord_memory_connector_set_fail_func (f->side[1], fail_bob, NULL);

  /* Bob fails, Amy does not; the run completes and says so. */
  g_assert_true (sync_full (f, NULL, &summary, &error));
  g_assert_cmpuint (summary.created[1], ==, 1);
  g_assert_cmpuint (summary.failed[1], ==, 1);
  g_assert_nonnull (find (f->side[1], "amy@example.com"));
  g_assert_null (find (f->side[1], "bob@example.com"));
  g_assert_cmpint (concord_store_count_journal (f->store, f->connection_id, summary.run_id, "failed", NULL), ==, 1);
  concord_run_summary_clear (&summary);

  /* A whole call failing writes nothing and loses nothing either. */
  concord_memory_connector_set_fail_func (f->side[1], NULL, NULL);
  concord_memory_connector_fail_next_write_calls (f->side[1], 1, server);
  g_assert_true (sync_full (f, NULL, &summary, &error));
  g_assert_cmpuint (summary.failed[1], ==, 1);
  g_assert_null (find (f->side[1], "bob@example.com"));
  concord_run_summary_clear (&summary);

  /* The next run retries Bob only. */
  sync_ok (f);
  g_assert_nonnull (find (f->side[1], "bob@example.com"));
  g_assert_cmpuint (concord_memory_connector_get_n_created (f->side[1]), ==, 1);
  assert_quiet (f);
}

static void
test_ambiguous_and_bad_input (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  guint ambiguous = 0;

  person (f->side[0], "twin@example.com", "first_name", "One", NULL);
  person (f->side[0], "TWIN@example.com", "first_name", "Two", NULL);
  person (f->side[1], "twin@example.com", "first_name", "Other", NULL);
  person (f->side[0], "not an email", "first_name", "Nobody", NULL);
  person (f->side[0], NULL, "first_name", "No email at all", NULL);
  person (f->side[0], "fine@example.com", "first_name", "Caf\xc3\xa9 \xff", NULL);

  sync_ok (f);
  sync_ok (f);

  /* Never bound on a guess, never created twice, reported once. */
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 2);
  conflicts = concord_store_list_conflicts (f->store, f->connection_id, 0, NULL);
  for (guint i = 0; i < conflicts->len; i++)
    if (g_str_equal (((ConcordConflictRow *) conflicts->pdata[i])->kind, "ambiguous"))
      ambiguous++;
  g_assert_cmpuint (ambiguous, ==, 1);

  /* Bad data is skipped with a reason, the rest goes on. */
  g_assert_nonnull (find (f->side[1], "fine@example.com"));
  g_assert_true (g_utf8_validate (text (f->side[1], "fine@example.com", "first_name"), -1, NULL));
  g_assert_cmpint (concord_store_count_journal (f->store, f->connection_id, 0, "skipped", NULL), >=, 2);
}

static void
test_dry_run (Fixture       *f,
              gconstpointer  data)
{
  ConcordRunOptions options = { .dry_run = TRUE };
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;

  person (f->side[0], "d@example.com", "first_name", "Dry", NULL);
  person (f->side[1], "d@example.com", "company", "Run", NULL);
  person (f->side[1], "new@example.com", NULL);

  g_assert_true (sync_full (f, &options, &summary, &error));
  g_assert_nonnull (summary.plan_text);
  g_assert_nonnull (strstr (summary.plan_text, "create on A: 1"));
  g_assert_nonnull (strstr (summary.plan_text, "company: (empty) → Run"));
  /* Nothing written anywhere. */
  g_assert_cmpuint (writes (f), ==, 0);
  g_assert_cmpint (concord_store_count_journal (f->store, f->connection_id, 0, NULL, NULL), ==, 0);
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 0);
  concord_run_summary_clear (&summary);
}

static void
rewrite_upper (ConcordRecord *record,
               gpointer       user_data)
{
  const char *name = concord_record_get_text (record, "last_name");

  if (name != NULL)
    {
      g_autofree char *upper = g_utf8_strup (name, -1);

      concord_record_set_text (record, "last_name", CONCORD_FIELD_TYPE_STRING, upper);
    }
}

static void
test_no_ping_pong (Fixture       *f,
                   gconstpointer  data)
{
  /* B's server rewrites what it is sent; its echo becomes the baseline. */
  concord_memory_connector_set_rewrite_func (f->side[1], rewrite_upper, NULL);
  person (f->side[0], "r@example.com", "last_name", "Smith", NULL);
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "r@example.com", "last_name"), ==, "SMITH");
  g_assert_cmpstr (text (f->side[0], "r@example.com", "last_name"), ==, "Smith");
  assert_quiet (f);
  assert_quiet (f);

  /* A touch that changes nothing is no update: email case and spaces. */
  edit (f->side[0], "r@example.com", "email", "  R@EXAMPLE.com ");
  assert_quiet (f);
}

static void
test_journal (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) journal = NULL;
  gboolean seen = FALSE;

  person (f->side[0], "j@example.com", "first_name", "Jo", NULL);
  sync_ok (f);
  edit (f->side[0], "j@example.com", "first_name", "Joe");
  sync_ok (f);

  journal = concord_store_list_journal (f->store, f->connection_id, 0, 0, NULL);
  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (row->op, "update") == 0 && g_strcmp0 (row->field, "first_name") == 0)
        {
          g_assert_cmpstr (row->before, ==, "Jo");
          g_assert_cmpstr (row->after, ==, "Joe");
          g_assert_cmpstr (row->direction, ==, "a-to-b");
          g_assert_cmpstr (row->outcome, ==, "ok");
          g_assert_cmpint (row->link_id, >, 0);
          seen = TRUE;
        }
    }
  g_assert_true (seen);
}

static void
test_deleted_is_unlinked_not_propagated (Fixture       *f,
                                         gconstpointer  data)
{
  person (f->side[0], "gone@example.com", "first_name", "G", NULL);
  person (f->side[0], "stays@example.com", "first_name", "S", NULL);
  sync_ok (f);
  concord_memory_connector_remove (f->side[0], concord_record_get_remote_id (find (f->side[0], "gone@example.com")));
  sync_ok (f);

  /* Concord never deletes: B keeps the contact; the pair is undone. */
  g_assert_nonnull (find (f->side[1], "gone@example.com"));
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 1);

  /* Edit beats delete: an edit on B brings it back to A. */
  edit (f->side[1], "gone@example.com", "first_name", "Back");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "gone@example.com", "first_name"), ==, "Back");
}

/* An incremental app that reports its deletions (a CardDAV sync report's
 * 404 members): the pair is undone on the incremental run itself, with no
 * full listing, and still nothing is deleted on the other side. */
static void
test_reported_deletion_unlinks (Fixture       *f,
                                gconstpointer  data)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;

  g_object_unref (f->side[0]);
  f->side[0] = concord_memory_connector_new ("a", CONCORD_CONNECTOR_INCREMENTAL);
  concord_memory_connector_set_page_size (f->side[0], 3);
  concord_memory_connector_set_now (f->side[0], 1000);
  concord_memory_connector_set_report_deletions (f->side[0], TRUE);

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *email = g_strdup_printf ("d%u@example.com", i);

      person (f->side[0], email, "first_name", "D", NULL);
    }
  sync_ok (f);
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 5);

  /* An edit and a deletion; the listing after them is incremental. */
  edit (f->side[0], "d1@example.com", "first_name", "Edited");
  concord_memory_connector_remove (f->side[0],
                                   concord_record_get_remote_id (find (f->side[0], "d3@example.com")));
  concord_memory_connector_reset_counters (f->side[0]);
  g_assert_true (sync_full (f, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.unlinked, ==, 1);
  g_assert_cmpuint (summary.listed[CONCORD_SIDE_A], ==, 1);  /* only the edit was listed */
  concord_run_summary_clear (&summary);

  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 4);
  g_assert_nonnull (find (f->side[1], "d3@example.com"));
  g_assert_cmpstr (text (f->side[1], "d1@example.com", "first_name"), ==, "Edited");

  /* A deletion reported again (a server repeating itself) or of a record
   * never seen changes nothing. */
  person (f->side[0], "brief@example.com", NULL);
  concord_memory_connector_remove (f->side[0],
                                   concord_record_get_remote_id (find (f->side[0], "brief@example.com")));
  sync_ok (f);
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 4);
  g_assert_null (find (f->side[1], "brief@example.com"));
}

/* The texts of the refused rows of @run_id (0: all runs). */
static GPtrArray *
refusal_rows (Fixture *f,
              gint64   run_id)
{
  g_autoptr(GPtrArray) journal = concord_store_list_journal (f->store, f->connection_id, run_id, 0,
                                                             NULL);
  GPtrArray *rows = g_ptr_array_new ();

  g_assert_nonnull (journal);
  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (row->code, CONCORD_SKIP_BAD_RECORD) == 0)
        g_ptr_array_add (rows, g_strdup (row->error));
    }
  g_ptr_array_set_free_func (rows, g_free);
  return rows;
}

/* A record the app holds and its connector cannot read (a broken card):
 * one activity row naming the app, the record and why; the rest syncs; a
 * known record refused is not taken for deleted; many are capped. */
static void
test_refused_record (Fixture       *f,
                     gconstpointer  data)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  ConcordRecord *bad;
  gint64 run_id;
  gboolean found = FALSE;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *email = g_strdup_printf ("r%u@example.com", i);

      person (f->side[0], email, "first_name", "R", NULL);
    }
  bad = person (f->side[0], "broken@example.com", "first_name", "B", NULL);
  concord_memory_connector_set_unreadable (f->side[0], concord_record_get_remote_id (bad),
                                           "line 3 is not valid UTF-8");

  g_assert_true (sync_full (f, NULL, &summary, &error));
  g_assert_no_error (error);
  run_id = summary.run_id;
  g_assert_cmpuint (summary.skipped, ==, 1);
  concord_run_summary_clear (&summary);

  /* The rest synced; the bad one did not. */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *email = g_strdup_printf ("r%u@example.com", i);

      g_assert_nonnull (find (f->side[1], email));
    }
  g_assert_null (find (f->side[1], "broken@example.com"));

  /* One row: the app, the record, why. */
  rows = refusal_rows (f, run_id);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_nonnull (strstr (rows->pdata[0], "a could not read"));
  g_assert_nonnull (strstr (rows->pdata[0], concord_record_get_remote_id (bad)));
  g_assert_nonnull (strstr (rows->pdata[0], "line 3 is not valid UTF-8"));
  g_clear_pointer (&rows, g_ptr_array_unref);

  journal = concord_store_list_journal (f->store, f->connection_id, run_id, 0, NULL);
  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (row->code, CONCORD_SKIP_BAD_RECORD) != 0)
        continue;
      g_assert_cmpstr (row->op, ==, "skip");
      g_assert_cmpstr (row->outcome, ==, "skipped");
      g_assert_cmpstr (row->code_side, ==, "a");
      g_assert_cmpstr (row->remote_id, ==, concord_record_get_remote_id (bad));
      g_assert_cmpstr (row->name, ==, concord_record_get_remote_id (bad));
      found = TRUE;
    }
  g_assert_true (found);
  g_clear_pointer (&journal, g_ptr_array_unref);

  /* Repaired: it syncs, no further row. */
  concord_memory_connector_set_unreadable (f->side[0], concord_record_get_remote_id (bad), NULL);
  g_assert_true (sync_full (f, NULL, &summary, &error));
  g_assert_no_error (error);
  rows = refusal_rows (f, summary.run_id);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);
  concord_run_summary_clear (&summary);
  g_assert_nonnull (find (f->side[1], "broken@example.com"));
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 6);

  /* A paired record that breaks is not a deleted one, although the
   * listing is complete: the pair stays, and the row says why. */
  concord_memory_connector_set_unreadable (f->side[0], concord_record_get_remote_id (bad),
                                           "not a vCard");
  g_assert_true (sync_full (f, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.unlinked, ==, 0);
  rows = refusal_rows (f, summary.run_id);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_nonnull (strstr (rows->pdata[0], "not a vCard"));
  g_clear_pointer (&rows, g_ptr_array_unref);
  concord_run_summary_clear (&summary);
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 6);
  g_assert_cmpuint (writes (f), ==, 0);

  /* A whole broken book: 20 rows by name, then one that counts the rest. */
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *email = g_strdup_printf ("m%u@example.com", i);
      ConcordRecord *record = person (f->side[0], email, NULL);

      concord_memory_connector_set_unreadable (f->side[0], concord_record_get_remote_id (record),
                                               "too large");
    }
  g_assert_true (sync_full (f, NULL, &summary, &error));
  g_assert_no_error (error);
  rows = refusal_rows (f, summary.run_id);
  g_assert_cmpuint (rows->len, ==, 21);
  g_assert_cmpuint (summary.skipped, ==, 31);
  found = FALSE;
  for (guint i = 0; i < rows->len; i++)
    if (strstr (rows->pdata[i], "a: and 11 more contacts could not be read") != NULL)
      found = TRUE;
  g_assert_true (found);
  concord_run_summary_clear (&summary);
  g_assert_null (find (f->side[1], "m0@example.com"));
}

static void
test_failed_listing_writes_nothing (Fixture       *f,
                                    gconstpointer  data)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) reset = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "reset");

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *email = g_strdup_printf ("l%u@example.com", i);

      person (f->side[0], email, NULL);
    }
  sync_ok (f);

  /* Page 2 of A's listing breaks: not a deletion, no write at all. */
  concord_memory_connector_fail_list_at_page (f->side[0], 2, reset);
  edit (f->side[1], "l0@example.com", "first_name", "Edited");
  g_assert_false (sync_full (f, NULL, &summary, &error));
  /* The engine names the side, and the code the network (issue 15). */
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
  g_assert_cmpint (concord_error_get_side (error), ==, CONCORD_SIDE_A);
  g_assert_cmpuint (writes (f), ==, 0);
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 8);
  concord_run_summary_clear (&summary);

  /* The next run completes the work. */
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "l0@example.com", "first_name"), ==, "Edited");
}

static void
test_symmetry (Fixture       *f,
               gconstpointer  data)
{
  /* The same history with the sides swapped gives the mirrored result. */
  Fixture mirror = { 0 };
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "mirror.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  ConcordConnectionRow row = { .name = (char *) "m", .account_a = (char *) "a", .type_a = (char *) "c",
                               .account_b = (char *) "b", .type_b = (char *) "c" };

  mirror.store = concord_store_new (path, &error);
  g_assert_no_error (error);
  concord_store_add_account (mirror.store, "a", "memory", "A", NULL, NULL);
  concord_store_add_account (mirror.store, "b", "memory", "B", NULL, NULL);
  mirror.connection_id = concord_store_add_connection (mirror.store, &row, &error);
  mirror.mapping = concord_mapping_ref (f->mapping);
  concord_sync_config_init (&mirror.config, mirror.mapping);
  mirror.config.prefer = CONCORD_SIDE_B;
  f->config.prefer = CONCORD_SIDE_A;
  f->config.newest_wins = mirror.config.newest_wins = FALSE;
  mirror.side[0] = g_object_ref (f->side[1]);
  mirror.side[1] = g_object_ref (f->side[0]);

  for (guint round = 0; round < 2; round++)
    {
      Fixture *w = round == 0 ? f : &mirror;
      ConcordMemoryConnector *x = round == 0 ? f->side[0] : f->side[1];

      /* Fresh apps for the second world: swap in new connectors. */
      if (round == 1)
        {
          g_clear_object (&mirror.side[0]);
          g_clear_object (&mirror.side[1]);
          mirror.side[0] = concord_memory_connector_new ("b", CONCORD_CONNECTOR_NONE);
          mirror.side[1] = concord_memory_connector_new ("a", CONCORD_CONNECTOR_NONE);
          x = mirror.side[1];
        }

      {
        ConcordMemoryConnector *left = x;
        ConcordMemoryConnector *right = round == 0 ? f->side[1] : mirror.side[0];

        person (left, "m@example.com", "company", "Left", "lists", "a", NULL);
        person (right, "m@example.com", "company", "Right", "lists", "b", NULL);
        person (left, "l@example.com", NULL);
        sync_ok (w);
        edit (left, "m@example.com", "first_name", "Lefty");
        edit (right, "m@example.com", "company", "Right 2");
        edit (left, "m@example.com", "company", "Left 2");
        sync_ok (w);
      }
    }

  /* World 1: left = A (preferred). World 2: left = B (preferred). */
  g_assert_cmpstr (text (f->side[0], "m@example.com", "company"), ==,
                   text (mirror.side[1], "m@example.com", "company"));
  g_assert_cmpstr (text (f->side[1], "m@example.com", "company"), ==,
                   text (mirror.side[0], "m@example.com", "company"));
  g_assert_cmpstr (text (f->side[1], "m@example.com", "first_name"), ==,
                   text (mirror.side[0], "m@example.com", "first_name"));
  {
    g_autofree char *l1 = set_text (f->side[0], "m@example.com", "lists");
    g_autofree char *l2 = set_text (mirror.side[1], "m@example.com", "lists");

    g_assert_cmpstr (l1, ==, l2);
  }
  g_assert_nonnull (find (mirror.side[0], "l@example.com"));

  concord_sync_config_clear (&mirror.config);
  concord_mapping_unref (mirror.mapping);
  g_clear_object (&mirror.side[0]);
  g_clear_object (&mirror.side[1]);
  g_clear_object (&mirror.store);
}

static guint
count_conflicts (Fixture    *f,
                 const char *kind)
{
  g_autoptr(GPtrArray) conflicts = concord_store_list_conflicts (f->store, f->connection_id, 0, NULL);
  guint n = 0;

  for (guint i = 0; i < conflicts->len; i++)
    if (g_strcmp0 (((ConcordConflictRow *) conflicts->pdata[i])->kind, kind) == 0)
      n++;
  return n;
}

static guint
count_status_notices (Fixture *f)
{
  g_autoptr(GPtrArray) journal = concord_store_list_journal (f->store, f->connection_id, 0, 1000, NULL);
  guint n = 0;

  for (guint i = 0; i < journal->len; i++)
    {
      const ConcordJournalRow *row = journal->pdata[i];

      if (g_strcmp0 (row->op, "skip") == 0 && g_strcmp0 (row->field, "status") == 0 &&
          g_strcmp0 (row->outcome, "skipped") == 0 && strstr (row->error, "unsubscribed") != NULL)
        n++;
    }
  return n;
}

/* Issue 13: a suppressed status wins a status conflict whatever the
 * policy, also when the other copy looks newer (an interrupted write). */
static void
test_suppression_wins_conflicts (Fixture       *f,
                                 gconstpointer  data)
{
  /* A first match: A unsubscribed long ago, B active and touched since. */
  concord_memory_connector_set_now (f->side[0], 1000);
  concord_memory_connector_set_now (f->side[1], 5000);
  person (f->side[0], "m@example.com", "status", "unsubscribed", NULL);
  person (f->side[1], "m@example.com", "status", "active", NULL);
  /* And a linked pair whose status both sides change. */
  person (f->side[0], "l@example.com", "status", "active", NULL);
  f->config.newest_wins = TRUE;
  f->config.prefer = CONCORD_SIDE_B;
  sync_ok (f);

  g_assert_cmpstr (text (f->side[1], "m@example.com", "status"), ==, "unsubscribed");
  g_assert_cmpuint (count_conflicts (f, "suppressed"), ==, 1);
  assert_quiet (f);

  concord_memory_connector_set_now (f->side[0], 6000);
  concord_memory_connector_set_now (f->side[1], 9000);
  edit (f->side[0], "l@example.com", "status", "bounced");
  edit (f->side[1], "l@example.com", "status", "engaged");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "l@example.com", "status"), ==, "bounced");
  g_assert_cmpstr (text (f->side[1], "l@example.com", "status"), ==, "bounced");
  g_assert_cmpuint (count_conflicts (f, "suppressed"), ==, 2);
  assert_quiet (f);

  /* Both suppressed, differently: the policy decides as ever (newest, B). */
  edit (f->side[0], "l@example.com", "status", "abuse");
  edit (f->side[1], "l@example.com", "status", "unsubscribed");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "l@example.com", "status"), ==, "unsubscribed");
  assert_quiet (f);
}

static void
test_suppression_is_monotonic (Fixture       *f,
                               gconstpointer  data)
{
  /* A (a CRM) says active, B (Elastic Email) says unsubscribed. */
  person (f->side[0], "u@example.com", "status", "active", "first_name", "Una", NULL);
  person (f->side[1], "u@example.com", "status", "unsubscribed", NULL);
  f->config.prefer = CONCORD_SIDE_A;
  f->config.newest_wins = FALSE;
  sync_ok (f);

  /* A wins the first match for everything but this: no sync re-subscribes,
   * and the unsubscribe wins the conflict (it crosses to A). */
  g_assert_cmpstr (text (f->side[1], "u@example.com", "status"), ==, "unsubscribed");
  g_assert_cmpstr (text (f->side[0], "u@example.com", "status"), ==, "unsubscribed");
  g_assert_cmpstr (text (f->side[1], "u@example.com", "first_name"), ==, "Una");
  g_assert_cmpuint (count_conflicts (f, "suppressed"), ==, 1);
  assert_quiet (f);

  /* The CRM insists later: still no. Recorded once, then quiet. */
  edit (f->side[0], "u@example.com", "status", "engaged");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "u@example.com", "status"), ==, "unsubscribed");
  g_assert_cmpuint (count_conflicts (f, "suppressed"), ==, 2);
  assert_quiet (f);

  /* The refusal is a notice in the journal, about the status. */
  g_assert_cmpuint (count_status_notices (f), ==, 1);

  /* A bounce on either side travels; only going back is refused. */
  edit (f->side[1], "u@example.com", "status", "bounced");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "u@example.com", "status"), ==, "bounced");
  edit (f->side[0], "u@example.com", "status", "active");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "u@example.com", "status"), ==, "bounced");
  assert_quiet (f);
}

typedef struct
{
  GThread *thread;
  int      nice_value;
} SeenThread;

static int
thread_nice_value (void)
{
#ifdef __linux__
  return getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
#else
  return 0;
#endif
}

static gboolean
note_thread (const ConcordRecord *record,
             gpointer             user_data)
{
  SeenThread *seen = user_data;

  seen->thread = g_thread_self ();
  seen->nice_value = thread_nice_value ();
  return TRUE;
}

static void
test_on_engine_thread (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(ConcordWorkerThread) worker = concord_worker_thread_new ("concord-engine");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *pending = NULL;
  ConcordRunSummary summary;
  SeenThread seen = { NULL, 0 };

  /* The filter runs where the planner runs: on the engine's thread. */
  f->config.filter[CONCORD_SIDE_A] = note_thread;
  f->config.filter_data[CONCORD_SIDE_A] = &seen;
  person (f->side[0], "t@example.com", "first_name", "Thread", NULL);

  concord_sync_run_async (worker, f->store, f->connection_id, &f->config,
                          CONCORD_CONNECTOR (f->side[0]), "contacts",
                          CONCORD_CONNECTOR (f->side[1]), "contacts",
                          NULL, NULL, concord_test_store_result_cb, &pending);
  result = concord_test_wait_for_result (&pending);
  g_assert_true (concord_sync_run_finish (result, &summary, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (summary.created[CONCORD_SIDE_B], ==, 1);
  g_assert_nonnull (seen.thread);
  g_assert_true (seen.thread != g_thread_self ());
#ifdef __linux__
  /* Background work: nicer than the UI thread, which started it. */
  g_assert_cmpint (seen.nice_value, ==, MIN (thread_nice_value () + CONCORD_WORKER_NICENESS, 19));
#endif
  concord_run_summary_clear (&summary);

  g_clear_object (&worker);  /* joins the thread */
  g_assert_nonnull (find (f->side[1], "t@example.com"));
}

/* ------------------------------------------------------------------------- */
/* Connection rules and field mapping in real runs                           */
/* ------------------------------------------------------------------------- */

/* Puts a connection document (rules, and a mapping when it has one) in
 * charge of the fixture's runs. */
static void
use_config (Fixture    *f,
            const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionConfig) config = concord_connection_config_new_from_json (json, &error);

  g_assert_no_error (error);
  if (config->mapping != NULL)
    {
      concord_mapping_unref (f->config.mapping);
      f->config.mapping = concord_mapping_ref (config->mapping);
    }
  concord_sync_config_set_rules (&f->config, config->rules[0], config->rules[1]);
}

static void
set_typed (ConcordMemoryConnector *side,
           const char             *email,
           const char             *key,
           const ConcordValue     *value)
{
  g_autoptr(ConcordRecord) copy = concord_record_copy (find (side, email));

  if (value != NULL)
    concord_record_set_value (copy, key, value);
  else
    concord_record_remove (copy, key);
  g_assert_true (concord_memory_connector_replace (side, copy));
}

static void
test_rule_off_updates_both_ways (Fixture       *f,
                                 gconstpointer  data)
{
  /* Two-way, the rule B→A switched off: contacts are created on B only,
   * and linked contacts still update both ways. */
  use_config (f, "{\"version\": 1, \"rules\": {\"b_to_a\": {\"enabled\": false}}}");

  person (f->side[0], "shared@example.com", "first_name", "Ann", NULL);
  person (f->side[1], "shared@example.com", "company", "Acme", NULL);
  person (f->side[0], "a-only@example.com", "first_name", "Al", NULL);
  person (f->side[1], "b-only@example.com", "first_name", "Bo", NULL);
  sync_ok (f);

  g_assert_nonnull (find (f->side[1], "a-only@example.com"));
  g_assert_null (find (f->side[0], "b-only@example.com"));
  /* The first match still merges both ways. */
  g_assert_cmpstr (text (f->side[0], "shared@example.com", "company"), ==, "Acme");
  g_assert_cmpstr (text (f->side[1], "shared@example.com", "first_name"), ==, "Ann");
  assert_quiet (f);

  /* Updates of linked contacts flow both ways, also for a contact Concord
   * created on B. */
  edit (f->side[1], "shared@example.com", "company", "Acme Ltd");
  edit (f->side[1], "a-only@example.com", "last_name", "Jones");
  edit (f->side[0], "shared@example.com", "first_name", "Anne");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "shared@example.com", "company"), ==, "Acme Ltd");
  g_assert_cmpstr (text (f->side[0], "a-only@example.com", "last_name"), ==, "Jones");
  g_assert_cmpstr (text (f->side[1], "shared@example.com", "first_name"), ==, "Anne");
  g_assert_null (find (f->side[0], "b-only@example.com"));
  assert_quiet (f);

  /* And the mirror: A→B off creates on A only. */
  use_config (f, "{\"version\": 1, \"rules\": {\"a_to_b\": {\"enabled\": false}}}");
  person (f->side[0], "a-two@example.com", NULL);
  sync_ok (f);
  g_assert_null (find (f->side[1], "a-two@example.com"));
  g_assert_nonnull (find (f->side[0], "b-only@example.com"));
  assert_quiet (f);
}

static void
test_rule_create_switch (Fixture       *f,
                         gconstpointer  data)
{
  /* A→B on and filtering, but not creating: in-scope updates flow,
   * nothing is created on B; B→A (default) creates on A. */
  use_config (f, "{\"version\": 1, \"rules\": {\"a_to_b\": {\"create\": false, \"filter\":"
                 " {\"conditions\": [{\"field\": \"company\", \"op\": \"is-not-empty\"}]}}}}");

  person (f->side[0], "shared@example.com", "company", "Acme", NULL);
  person (f->side[1], "shared@example.com", NULL);
  person (f->side[0], "a-only@example.com", "company", "Acme", NULL);
  person (f->side[1], "b-only@example.com", "first_name", "Bo", NULL);
  sync_ok (f);

  g_assert_null (find (f->side[1], "a-only@example.com"));
  g_assert_nonnull (find (f->side[0], "b-only@example.com"));
  g_assert_cmpstr (text (f->side[1], "shared@example.com", "company"), ==, "Acme");

  edit (f->side[0], "shared@example.com", "first_name", "Sam");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "shared@example.com", "first_name"), ==, "Sam");

  /* Out of the filter's scope: its changes stop flowing to B. */
  edit (f->side[0], "shared@example.com", "company", NULL);
  edit (f->side[0], "shared@example.com", "first_name", "Samuel");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "shared@example.com", "first_name"), ==, "Sam");
  g_assert_cmpstr (text (f->side[1], "shared@example.com", "company"), ==, "Acme");
  g_assert_null (find (f->side[1], "a-only@example.com"));
  assert_quiet (f);
}

/* The journal row of @op about @email's contact (on its target), if any:
 * the newest. */
static ConcordJournalRow *
journal_about (Fixture    *f,
               const char *email,
               const char *op,
               const char *field)
{
  g_autoptr(GPtrArray) journal = concord_store_list_journal (f->store, f->connection_id, 0, 0, NULL);
  ConcordJournalRow *found = NULL;
  guint index = 0;

  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (row->email, email) == 0 && g_strcmp0 (row->op, op) == 0 &&
          g_strcmp0 (row->field, field) == 0 && (found == NULL || row->id > found->id))
        {
          found = row;
          index = i;
        }
    }

  return found != NULL ? g_ptr_array_steal_index (journal, index) : NULL;
}

static void
test_rules_any_match_actions (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(ConcordJournalRow) created = NULL;
  g_autoptr(ConcordJournalRow) added = NULL;
  g_autofree char *lists = NULL;

  /* "Everyone syncs; Pro customers also go to the VIP list": rule 1 syncs
   * everyone and sets the last name; rule 2 only acts, and wins on the
   * field they share because it comes later. */
  use_config (f,
    "{\"version\": 2, \"rules\": {\"a_to_b\": {\"rules\": ["
    "  {\"actions\": [{\"action\": \"set\", \"field\": \"last_name\", \"value\": \"Basic\", \"on_update\": true}]},"
    "  {\"name\": \"VIP\", \"sync\": false,"
    "   \"filter\": {\"conditions\": [{\"field\": \"company\", \"op\": \"is\", \"values\": [\"Pro\"]}]},"
    "   \"actions\": [{\"action\": \"add\", \"field\": \"lists\", \"value\": \"VIP\", \"on_update\": true},"
    "                 {\"action\": \"set\", \"field\": \"last_name\", \"value\": \"Gold\", \"on_update\": true}]}]},"
    " \"b_to_a\": {\"enabled\": false}}}");

  person (f->side[0], "pro@example.com", "company", "Pro", NULL);
  person (f->side[0], "free@example.com", "company", "Free", NULL);
  person (f->side[0], "none@example.com", NULL);
  sync_ok (f);

  /* Every contact goes across (rule 1); only Pro ones are on VIP. */
  g_assert_nonnull (find (f->side[1], "none@example.com"));
  g_assert_cmpstr (text (f->side[1], "free@example.com", "last_name"), ==, "Basic");
  g_assert_null (concord_record_get (find (f->side[1], "free@example.com"), "lists"));
  g_assert_cmpstr (text (f->side[1], "pro@example.com", "last_name"), ==, "Gold");
  lists = set_text (f->side[1], "pro@example.com", "lists");
  g_assert_cmpstr (lists, ==, "VIP");
  g_clear_pointer (&lists, g_free);

  /* The journal names the rule that let it across and each action's rule. */
  created = journal_about (f, "pro@example.com", "create", NULL);
  g_assert_nonnull (created);
  g_test_message ("create: %s", created->error);
  g_assert_nonnull (strstr (created->error, "let across by Rule 1"));
  g_assert_nonnull (strstr (created->error, "add “VIP” to lists (“VIP”)"));
  g_assert_nonnull (strstr (created->error, "set last_name to “Basic” (Rule 1)"));
  assert_quiet (f);

  /* Free becomes Pro: the VIP rule's actions apply on update, and the
   * journal says which rule wrote each field. */
  edit (f->side[0], "free@example.com", "company", "Pro");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "free@example.com", "last_name"), ==, "Gold");
  lists = set_text (f->side[1], "free@example.com", "lists");
  g_assert_cmpstr (lists, ==, "VIP");
  added = journal_about (f, "free@example.com", "update", "lists");
  g_assert_nonnull (added);
  g_assert_cmpstr (added->error, ==, "“VIP”: add “VIP” to lists");
  assert_quiet (f);
}

static void
test_rules_paired_stop_keep (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(ConcordJournalRow) left_out = NULL;
  g_autoptr(ConcordJournalRow) stopped = NULL;
#define SCOPE(unmatched) \
    "{\"version\": 2, \"rules\": {\"a_to_b\": {\"unmatched\": \"" unmatched "\", \"rules\": [" \
    "  {\"name\": \"Companies\", \"filter\": {\"conditions\": [{\"field\": \"company\", \"op\": \"is-not-empty\"}]}}]}}}"
  const char *stop = SCOPE ("stop");
  const char *keep = SCOPE ("keep");
#undef SCOPE

  use_config (f, stop);
  person (f->side[0], "in@example.com", "company", "Acme", NULL);
  person (f->side[0], "out@example.com", "first_name", "Otto", NULL);
  person (f->side[0], "paired@example.com", "company", "Acme", NULL);
  person (f->side[1], "paired@example.com", NULL);
  sync_ok (f);

  /* Excluded: not paired, no rule matched, said so. */
  g_assert_nonnull (find (f->side[1], "in@example.com"));
  g_assert_null (find (f->side[1], "out@example.com"));
  left_out = journal_about (f, "out@example.com", "skip", NULL);
  g_assert_nonnull (left_out);
  g_assert_cmpstr (left_out->error, ==, "no rule matched a→b; “Companies” needs: company is-not-empty");
  g_assert_cmpint (concord_store_count_excluded (f->store, f->connection_id, NULL), ==, 1);
  g_assert_cmpint (concord_store_count_excluded_by_rules (f->store, f->connection_id, NULL), ==, 1);
  g_assert_cmpint (concord_store_count_unmatched (f->store, f->connection_id, TRUE, FALSE, NULL), ==, 0);
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 2);

  /* A paired contact stops matching: "stop updating them" (the default)
   * holds its changes back, says why, and counts it. */
  edit (f->side[0], "paired@example.com", "company", NULL);
  edit (f->side[0], "paired@example.com", "first_name", "Pat");
  sync_ok (f);
  g_assert_null (text (f->side[1], "paired@example.com", "first_name"));
  stopped = journal_about (f, "paired@example.com", "skip", NULL);
  g_assert_nonnull (stopped);
  g_assert_nonnull (strstr (stopped->error, "no rule matched a→b"));
  g_assert_cmpint (concord_store_count_unmatched (f->store, f->connection_id, TRUE, FALSE, NULL), ==, 1);
  g_assert_cmpint (concord_store_count_unmatched (f->store, f->connection_id, FALSE, TRUE, NULL), ==, 0);
  /* Not excluded: it is paired. */
  g_assert_cmpint (concord_store_count_excluded (f->store, f->connection_id, NULL), ==, 1);
  /* The other way still flows. */
  edit (f->side[1], "paired@example.com", "last_name", "Lee");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "paired@example.com", "last_name"), ==, "Lee");
  assert_quiet (f);

  /* "Keep updating them": the paired contact's next edit crosses, though
   * it still matches no rule; an unpaired one is still not created. */
  use_config (f, keep);
  sync_ok (f);
  edit (f->side[0], "paired@example.com", "first_name", "Patricia");
  edit (f->side[0], "out@example.com", "first_name", "Ottilie");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "paired@example.com", "first_name"), ==, "Patricia");
  g_assert_null (find (f->side[1], "out@example.com"));
  g_assert_cmpint (concord_store_count_unmatched (f->store, f->connection_id, TRUE, FALSE, NULL), ==, 1);
  assert_quiet (f);

  /* Matching again under "keep" is no news: nothing is re-offered. */
  edit (f->side[0], "paired@example.com", "company", "Acme");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "paired@example.com", "company"), ==, "Acme");
  g_assert_cmpstr (text (f->side[0], "paired@example.com", "last_name"), ==, "Lee");
  g_assert_cmpint (concord_store_count_unmatched (f->store, f->connection_id, TRUE, FALSE, NULL), ==, 0);
  assert_quiet (f);
}

static void
test_rule_actions (Fixture       *f,
                   gconstpointer  data)
{
  ConcordRunOptions options = { .dry_run = TRUE };
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  g_autofree char *lists = NULL;

  /* Tagged customers of the CRM (A) become Type = customer in B, on the
   * "From CRM" list, which the rule keeps them on at every update. */
  use_config (f,
    "{\"version\": 1, \"rules\": {\"a_to_b\": {"
    "  \"filter\": {\"conditions\": [{\"field\": \"tags\", \"op\": \"contains\", \"values\": [\"customer\"]}]},"
    "  \"actions\": ["
    "    {\"action\": \"set\", \"field\": \"custom:Type\", \"type\": \"string\", \"value\": \"customer\"},"
    "    {\"action\": \"add\", \"field\": \"lists\", \"value\": \"From CRM\", \"on_update\": true}]}}}");

  person (f->side[0], "c@example.com", "tags", "customer", "lists", "Newsletter", NULL);
  person (f->side[0], "lead@example.com", "tags", "lead", NULL);
  person (f->side[0], "linked@example.com", "tags", "customer", NULL);
  person (f->side[1], "linked@example.com", "lists", "VIP", NULL);

  /* The dry run says who is out of scope, why, and which actions apply. */
  g_assert_true (sync_full (f, &options, &summary, &error));
  g_assert_no_error (error);
  g_test_message ("%s", summary.plan_text);
  g_assert_nonnull (strstr (summary.plan_text, "no rule matched a→b; Rule 1 needs: tags contains “customer”"));
  g_assert_nonnull (strstr (summary.plan_text, "tags"));
  g_assert_nonnull (strstr (summary.plan_text, "action b: set custom:Type to “customer” (new contacts only)"));
  g_assert_nonnull (strstr (summary.plan_text, "action b: add “From CRM” to lists"));
  g_assert_cmpuint (writes (f), ==, 0);
  concord_run_summary_clear (&summary);

  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "c@example.com", "custom:Type"), ==, "customer");
  lists = set_text (f->side[1], "c@example.com", "lists");
  g_assert_cmpstr (lists, ==, "From CRM,Newsletter");
  g_clear_pointer (&lists, g_free);
  g_assert_null (find (f->side[1], "lead@example.com"));
  /* A first match is an update: only the on-update action applies. */
  g_assert_null (text (f->side[1], "linked@example.com", "custom:Type"));
  lists = set_text (f->side[1], "linked@example.com", "lists");
  g_assert_cmpstr (lists, ==, "From CRM,VIP");
  g_clear_pointer (&lists, g_free);
  assert_quiet (f);

  /* Someone takes the contact off the list on B and changes the type: the
   * action waits while that change travels to A (should that write fail,
   * the change would otherwise be lost), then the next update from A puts
   * the list back; the type stays theirs. */
  edit (f->side[1], "c@example.com", "lists", "Newsletter");
  edit (f->side[1], "c@example.com", "custom:Type", "partner");
  edit (f->side[0], "c@example.com", "first_name", "Cy");
  sync_ok (f);
  lists = set_text (f->side[1], "c@example.com", "lists");
  g_assert_cmpstr (lists, ==, "Newsletter");
  g_clear_pointer (&lists, g_free);
  edit (f->side[0], "c@example.com", "last_name", "Young");
  sync_ok (f);
  lists = set_text (f->side[1], "c@example.com", "lists");
  g_assert_cmpstr (lists, ==, "From CRM,Newsletter");
  g_assert_cmpstr (text (f->side[1], "c@example.com", "custom:Type"), ==, "partner");
  g_assert_cmpstr (text (f->side[1], "c@example.com", "first_name"), ==, "Cy");
  assert_quiet (f);
}

static void
test_mapping_value_map (Fixture       *f,
                        gconstpointer  data)
{
  /* The CRM's lifecycle stage (A) ↔ the email tool's status (B); two
   * stages share "active", so the way back takes the first pairing. */
  use_config (f,
    "{\"version\": 1, \"mapping\": {\"pairs\": ["
    "  {\"a\": \"email\", \"b\": \"email\"},"
    "  {\"a\": \"first_name\", \"b\": \"first_name\"},"
    "  {\"a\": \"custom:Stage\", \"type_a\": \"enum\", \"b\": \"status\", \"values\": ["
    "     {\"a\": \"Customer\", \"b\": \"active\"}, {\"a\": \"Lead\", \"b\": \"active\"},"
    "     {\"a\": \"Churned\", \"b\": \"inactive\"}], \"default_b\": \"not_confirmed\"}]}}");

  person (f->side[0], "lead@example.com", "custom:Stage", "Lead", NULL);
  person (f->side[0], "odd@example.com", "custom:Stage", "Evangelist", NULL);
  person (f->side[1], "m@example.com", "status", "inactive", NULL);
  person (f->side[0], "m@example.com", "custom:Stage", "Churned", NULL);
  sync_ok (f);

  g_assert_cmpstr (text (f->side[1], "lead@example.com", "status"), ==, "active");
  g_assert_cmpstr (text (f->side[1], "odd@example.com", "status"), ==, "not_confirmed");
  /* Agreeing through the map: no conflict, no write. */
  g_assert_cmpstr (text (f->side[0], "m@example.com", "custom:Stage"), ==, "Churned");
  /* A lead stays a lead although B says "active", run after run. */
  assert_quiet (f);
  g_assert_cmpstr (text (f->side[0], "lead@example.com", "custom:Stage"), ==, "Lead");

  edit (f->side[1], "lead@example.com", "status", "inactive");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "lead@example.com", "custom:Stage"), ==, "Churned");
  assert_quiet (f);

  /* An unsubscribe reaches the CRM as it is (no pairing, no default that
   * way); a CRM stage coming back never makes the contact active again. */
  edit (f->side[1], "lead@example.com", "status", "unsubscribed");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "lead@example.com", "custom:Stage"), ==, "unsubscribed");
  edit (f->side[0], "lead@example.com", "custom:Stage", "Customer");
  sync_ok (f);
  g_assert_cmpstr (text (f->side[1], "lead@example.com", "status"), ==, "unsubscribed");
  assert_quiet (f);
}

static void
test_mapping_conversion (Fixture       *f,
                         gconstpointer  data)
{
  ConcordValue day = { .type = CONCORD_FIELD_TYPE_DATE, .v.text = (char *) "1991-01-02" };
  ConcordValue yes = { .type = CONCORD_FIELD_TYPE_BOOLEAN, .v.boolean = TRUE };
  g_autoptr(GPtrArray) journal = NULL;
  gboolean found = FALSE;
  const ConcordValue *value;

  /* A keeps a birthday as DD/MM/YYYY text, B as a date; A's newsletter
   * answer is Yes/No text, B's a boolean. */
  use_config (f,
    "{\"version\": 1, \"mapping\": {\"pairs\": ["
    "  {\"a\": \"email\", \"b\": \"email\"},"
    "  {\"a\": \"first_name\", \"b\": \"first_name\"},"
    "  {\"a\": \"custom:Birthday\", \"type_a\": \"string\", \"b\": \"birthday\", \"format\": \"DD/MM/YYYY\"},"
    "  {\"a\": \"custom:Newsletter\", \"type_a\": \"string\", \"b\": \"custom:opt_in\", \"type_b\": \"boolean\","
    "   \"values\": [{\"a\": \"Yes\", \"b\": \"true\"}, {\"a\": \"No\", \"b\": \"false\"}]}]}}");

  person (f->side[0], "ok@example.com", "first_name", "Olga", "custom:Birthday", "31/12/1990",
          "custom:Newsletter", "yes", NULL);
  person (f->side[0], "bad@example.com", "first_name", "Bea", "custom:Birthday", "sometime in May",
          "custom:Newsletter", "No", NULL);
  sync_ok (f);

  value = concord_record_get (find (f->side[1], "ok@example.com"), "birthday");
  g_assert_nonnull (value);
  g_assert_cmpstr (value->v.text, ==, "1990-12-31");
  value = concord_record_get (find (f->side[1], "ok@example.com"), "custom:opt_in");
  g_assert_nonnull (value);
  g_assert_cmpint (value->type, ==, CONCORD_FIELD_TYPE_BOOLEAN);
  g_assert_true (value->v.boolean);

  /* The value that is no date: that field is left out, the rest goes on,
   * and the journal says why. */
  g_assert_nonnull (find (f->side[1], "bad@example.com"));
  g_assert_cmpstr (text (f->side[1], "bad@example.com", "first_name"), ==, "Bea");
  g_assert_null (concord_record_get (find (f->side[1], "bad@example.com"), "birthday"));
  value = concord_record_get (find (f->side[1], "bad@example.com"), "custom:opt_in");
  g_assert_nonnull (value);
  g_assert_false (value->v.boolean);
  journal = concord_store_list_journal (f->store, f->connection_id, 0, 0, NULL);
  for (guint i = 0; i < journal->len; i++)
    {
      const ConcordJournalRow *row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (row->outcome, "skipped") == 0 && row->error != NULL &&
          strstr (row->error, "custom:Birthday") != NULL && strstr (row->error, "date") != NULL)
        found = TRUE;
    }
  g_assert_true (found);
  assert_quiet (f);

  /* B's edits come back in A's form. */
  set_typed (f->side[1], "ok@example.com", "birthday", &day);
  yes.v.boolean = FALSE;
  set_typed (f->side[1], "ok@example.com", "custom:opt_in", &yes);
  sync_ok (f);
  g_assert_cmpstr (text (f->side[0], "ok@example.com", "custom:Birthday"), ==, "02/01/1991");
  g_assert_cmpstr (text (f->side[0], "ok@example.com", "custom:Newsletter"), ==, "No");
  assert_quiet (f);

  /* A bad value on A later: B keeps its date, A keeps its text. */
  edit (f->side[0], "ok@example.com", "custom:Birthday", "soon");
  sync_ok (f);
  value = concord_record_get (find (f->side[1], "ok@example.com"), "birthday");
  g_assert_cmpstr (value->v.text, ==, "1991-01-02");
  g_assert_cmpstr (text (f->side[0], "ok@example.com", "custom:Birthday"), ==, "soon");
  assert_quiet (f);
}

static void
test_rules_on_engine_thread (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(ConcordWorkerThread) worker = concord_worker_thread_new ("concord-engine");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *pending = NULL;
  ConcordRunSummary summary;

  /* The run keeps the rules alive: the caller may let go of them at once. */
  use_config (f, "{\"version\": 1, \"rules\": {\"a_to_b\": {"
                 "\"filter\": {\"conditions\": [{\"field\": \"first_name\", \"op\": \"is-not-empty\"}]},"
                 "\"actions\": [{\"action\": \"add\", \"field\": \"tags\", \"value\": \"synced\"}]}}}");
  person (f->side[0], "t@example.com", "first_name", "Thread", NULL);
  person (f->side[0], "nameless@example.com", NULL);

  concord_sync_run_async (worker, f->store, f->connection_id, &f->config,
                          CONCORD_CONNECTOR (f->side[0]), "contacts",
                          CONCORD_CONNECTOR (f->side[1]), "contacts",
                          NULL, NULL, concord_test_store_result_cb, &pending);
  concord_sync_config_clear (&f->config);
  concord_sync_config_init (&f->config, f->mapping);

  result = concord_test_wait_for_result (&pending);
  g_assert_true (concord_sync_run_finish (result, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.created[CONCORD_SIDE_B], ==, 1);
  concord_run_summary_clear (&summary);
  g_clear_object (&worker);

  g_assert_cmpstr (concord_record_get (find (f->side[1], "t@example.com"), "tags")->v.set[0], ==, "synced");
  g_assert_null (find (f->side[1], "nameless@example.com"));
}

static void
test_crash_keeps_both_set_members (Fixture       *f,
                                   gconstpointer  data)
{
  ConcordRunOptions crash = { .crash_after_writes = 1 };
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL;

  person (f->side[0], "l@example.com", "lists", "news", NULL);
  person (f->side[1], "l@example.com", "lists", "news", NULL);
  sync_ok (f);

  /* Both sides add a member; the run dies after writing A's merged set. */
  edit (f->side[0], "l@example.com", "lists", "news,vip");
  edit (f->side[1], "l@example.com", "lists", "news,promo");
  g_assert_false (sync_full (f, &crash, &summary, &error));
  concord_run_summary_clear (&summary);
  g_clear_error (&error);

  /* The next run finds A's write (its intent) and still owes B the
   * merge: both members end up on both sides. */
  sync_ok (f);
  a = set_text (f->side[0], "l@example.com", "lists");
  b = set_text (f->side[1], "l@example.com", "lists");
  g_assert_cmpstr (a, ==, "news,promo,vip");
  g_assert_cmpstr (b, ==, "news,promo,vip");
  assert_quiet (f);
}

/* The write to B goes through, the one to A fails: the next run must know
 * B's new members for the run's own write, not a person's, or the
 * on-update action (which waits while a person's change travels back) is
 * held back and the member it removes comes back to B. */
static void
test_failed_half_keeps_action (Fixture       *f,
                               gconstpointer  data)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) server = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER, "503");
  g_autofree char *a = NULL, *b = NULL;

  use_config (f,
    "{\"version\": 1, \"rules\": {\"a_to_b\": {\"actions\": ["
    "  {\"action\": \"add\", \"field\": \"lists\", \"value\": \"synced\"},"
    "  {\"action\": \"remove\", \"field\": \"lists\", \"value\": \"vip\", \"on_update\": true}]},"
    " \"b_to_a\": {\"enabled\": false}}}");

  person (f->side[0], "p@example.com", "lists", "vip", NULL);
  sync_ok (f);
  b = set_text (f->side[1], "p@example.com", "lists");
  g_assert_cmpstr (b, ==, "synced");
  g_clear_pointer (&b, g_free);

  /* A adds a member; B is written (without "vip"), A's write fails. */
  edit (f->side[0], "p@example.com", "lists", "news,vip");
  concord_memory_connector_fail_next_write_calls (f->side[0], 1, server);
  g_assert_true (sync_full (f, NULL, &summary, &error));
  g_assert_cmpuint (summary.failed[0], ==, 1);
  concord_run_summary_clear (&summary);
  b = set_text (f->side[1], "p@example.com", "lists");
  g_assert_cmpstr (b, ==, "news,synced");
  g_clear_pointer (&b, g_free);

  /* The retry: A gets B's members, and the action still keeps B off "vip". */
  sync_ok (f);
  a = set_text (f->side[0], "p@example.com", "lists");
  b = set_text (f->side[1], "p@example.com", "lists");
  g_assert_cmpstr (a, ==, "news,synced,vip");
  g_assert_cmpstr (b, ==, "news,synced");
}

static gboolean
no_lists (const ConcordRecord *record,
          gpointer             user_data)
{
  return concord_record_get (record, "lists") == NULL;
}

/* B's contacts go across only without lists. A contact out of that scope
 * loses a member on B while A loses the others: the run writes B the merge
 * (no lists), which brings it into the scope, and the second pass must
 * still see B's removal: it offers all it holds, its removals too. */
static void
test_set_entering_scope_keeps_removals (Fixture       *f,
                                        gconstpointer  data)
{
  g_autofree char *a = NULL, *b = NULL;

  f->config.filter[CONCORD_SIDE_B] = no_lists;
  person (f->side[1], "p@example.com", "first_name", "Dee", NULL);
  sync_ok (f);
  g_assert_nonnull (find (f->side[0], "p@example.com"));

  edit (f->side[0], "p@example.com", "lists", "beta,news,vip");
  sync_ok (f);
  b = set_text (f->side[1], "p@example.com", "lists");
  g_assert_cmpstr (b, ==, "beta,news,vip");
  g_clear_pointer (&b, g_free);

  /* Out of scope on B now: its edits are held back. */
  edit (f->side[1], "p@example.com", "last_name", "Ann");
  edit (f->side[1], "p@example.com", "lists", "beta,news");
  edit (f->side[0], "p@example.com", "lists", "vip");
  sync_ok (f);

  a = set_text (f->side[0], "p@example.com", "lists");
  b = set_text (f->side[1], "p@example.com", "lists");
  g_assert_null (b);
  g_assert_null (a);
  g_assert_cmpstr (text (f->side[0], "p@example.com", "last_name"), ==, "Ann");
  assert_quiet (f);
}

/* ------------------------------------------------------------------------- */
/* Several emails                                                            */
/* ------------------------------------------------------------------------- */

/* Both apps keep several emails: the sets are mapped too. */
static void
map_emails (Fixture *f)
{
  concord_mapping_add (f->mapping, CONCORD_FIELD_EMAILS, CONCORD_FIELD_TYPE_STRING_SET,
                       CONCORD_FIELD_EMAILS, CONCORD_FIELD_TYPE_STRING_SET, CONCORD_PAIR_FLOW_BOTH);
}

static guint
count_ambiguous (Fixture *f)
{
  g_autoptr(GPtrArray) conflicts = concord_store_list_conflicts (f->store, f->connection_id, 0, NULL);
  guint n = 0;

  for (guint i = 0; i < conflicts->len; i++)
    if (g_str_equal (((ConcordConflictRow *) conflicts->pdata[i])->kind, "ambiguous"))
      n++;

  return n;
}

static void
test_multi_any_email_matches (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *bob_a = NULL, *bob_b = NULL;

  map_emails (f);

  /* B's contact has A's second address as its only one: the same person. */
  person (f->side[0], "ann@work.example", "emails", "work\tann@work.example,home\tANN@home.example",
          "first_name", "Ann", NULL);
  person (f->side[1], "ann@home.example", "last_name", "Lee", NULL);
  sync_ok (f);
  assert_quiet (f);

  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[0]), ==, 1);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 1);
  g_assert_cmpuint (count_ambiguous (f), ==, 0);
  g_assert_cmpstr (text (f->side[1], "ann@work.example", "first_name"), ==, "Ann");
  g_assert_cmpstr (text (f->side[0], "ann@work.example", "last_name"), ==, "Lee");

  /* A contact of B that stayed unpaired (no creating on A) is in the
   * index with all its emails: a new contact of A whose only email is its
   * second one is bound to it, not created again. */
  f->config.may_create[CONCORD_SIDE_A] = FALSE;
  person (f->side[1], "bob@example.com", "emails", "work\tbob@example.com,home\tbobby@example.com", NULL);
  sync_ok (f);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[0]), ==, 1);

  f->config.may_create[CONCORD_SIDE_A] = TRUE;
  person (f->side[0], "Bobby@example.com", "first_name", "Robert", NULL);
  sync_ok (f);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 2);
  g_assert_cmpuint (count_ambiguous (f), ==, 0);
  /* The two primaries were a conflict, A's won (the policy); B's old
   * primary is still one of its emails, now on both sides. */
  g_assert_cmpstr (text (f->side[1], "bobby@example.com", "first_name"), ==, "Robert");
  bob_a = set_text (f->side[0], "bobby@example.com", "emails");
  bob_b = set_text (f->side[1], "bobby@example.com", "emails");
  g_assert_cmpstr (bob_a, ==, "home\tbobby@example.com,work\tbob@example.com");
  g_assert_cmpstr (bob_b, ==, bob_a);
  assert_quiet (f);
}

static void
test_multi_ambiguous (Fixture       *f,
                      gconstpointer  data)
{
  map_emails (f);

  /* One contact whose two emails are two contacts on the other side. */
  person (f->side[0], "one@example.com", "emails", "work\tone@example.com,home\ttwo@example.com", NULL);
  person (f->side[1], "one@example.com", "first_name", "First", NULL);
  person (f->side[1], "two@example.com", "first_name", "Second", NULL);
  /* Two contacts sharing one (second) email, and a third with it. */
  person (f->side[0], "p@example.com", "emails", "work\tp@example.com,other\tshared@example.com", NULL);
  person (f->side[0], "q@example.com", "emails", "work\tq@example.com,other\tshared@example.com", NULL);
  person (f->side[1], "shared@example.com", NULL);

  sync_ok (f);
  sync_ok (f);

  /* Never a pick, never a duplicate: every one waits for review. */
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[0]), ==, 3);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 3);
  g_assert_null (text (f->side[1], "one@example.com", "last_name"));
  g_assert_cmpstr (text (f->side[1], "two@example.com", "first_name"), ==, "Second");
  g_assert_cmpuint (count_ambiguous (f), >=, 2);
}

static void
test_multi_single_app_replaces_primary (Fixture       *f,
                                        gconstpointer  data)
{
  g_autofree char *emails = NULL;

  /* A keeps one email (the sets are not mapped); B keeps several. */
  person (f->side[0], "x@example.com", NULL);
  person (f->side[1], "x@example.com", "emails", "work\tx@example.com,home\tz@example.com", NULL);
  sync_ok (f);
  assert_quiet (f);

  /* A changes its email: B's old primary is replaced, keeping its label;
   * the other member stays; no second primary. */
  edit (f->side[0], "x@example.com", "email", "y@example.com");
  sync_ok (f);
  g_assert_null (find (f->side[1], "x@example.com"));
  emails = set_text (f->side[1], "y@example.com", "emails");
  g_assert_cmpstr (emails, ==, "home\tz@example.com,work\ty@example.com");
  g_assert_null (concord_record_get (find (f->side[0], "y@example.com"), "emails"));
  assert_quiet (f);
}

static void
test_multi_primary_removed (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *a = NULL, *b = NULL;

  map_emails (f);
  person (f->side[0], "ann@example.com", "emails", "work\tann@example.com,other\tann2@example.com", NULL);
  sync_ok (f);
  assert_quiet (f);

  /* A drops the primary's member but its app leaves "email" as it was:
   * the email moves to the next member, on both sides. */
  edit (f->side[0], "ann@example.com", "emails", "other\tann2@example.com");
  sync_ok (f);
  a = set_text (f->side[0], "ann2@example.com", "emails");
  b = set_text (f->side[1], "ann2@example.com", "emails");
  g_assert_cmpstr (a, ==, "other\tann2@example.com");
  g_assert_cmpstr (b, ==, "other\tann2@example.com");
  g_assert_null (find (f->side[1], "ann@example.com"));
  assert_quiet (f);
}

static void
test_multi_merge_labels (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *a = NULL, *b = NULL;

  map_emails (f);
  person (f->side[0], "m@example.com", "emails", "work\tm@example.com,home\tm.home@example.com", NULL);
  sync_ok (f);
  assert_quiet (f);

  /* A relabels an address; B adds one and removes none: both kept, the
   * label change wins over no change, no conflict. */
  edit (f->side[0], "m@example.com", "emails", "work\tm@example.com,other\tm.home@example.com");
  edit (f->side[1], "m@example.com", "emails",
        "work\tm@example.com,home\tm.home@example.com,mobile\tm.phone@example.com");
  sync_ok (f);
  a = set_text (f->side[0], "m@example.com", "emails");
  b = set_text (f->side[1], "m@example.com", "emails");
  g_assert_cmpstr (a, ==, "mobile\tm.phone@example.com,other\tm.home@example.com,work\tm@example.com");
  g_assert_cmpstr (b, ==, a);
  assert_quiet (f);

  /* An address removed on B while A relabels another. */
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);
  edit (f->side[1], "m@example.com", "emails", "work\tm@example.com,other\tm.home@example.com");
  edit (f->side[0], "m@example.com", "emails",
        "home\tm@example.com,other\tm.home@example.com,mobile\tm.phone@example.com");
  sync_ok (f);
  a = set_text (f->side[0], "m@example.com", "emails");
  b = set_text (f->side[1], "m@example.com", "emails");
  g_assert_cmpstr (a, ==, "home\tm@example.com,other\tm.home@example.com");
  g_assert_cmpstr (b, ==, a);
  assert_quiet (f);
}

static void
test_multi_bad_primary (Fixture       *f,
                        gconstpointer  data)
{
  map_emails (f);

  /* An email that is no address: its other emails are not used either. */
  person (f->side[0], "not an email", "emails", "work\tvalid@example.com", "first_name", "Odd", NULL);
  person (f->side[1], "valid@example.com", "first_name", "Val", NULL);
  /* No email at all but two: matched by those, a primary picked. */
  person (f->side[0], NULL, "emails", "home\tnone@home.example,work\tnone@example.com", "first_name", "Nemo", NULL);
  sync_ok (f);

  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[0]), ==, 3);
  g_assert_cmpstr (text (f->side[1], "valid@example.com", "first_name"), ==, "Val");
  g_assert_cmpstr (text (f->side[1], "none@example.com", "first_name"), ==, "Nemo");
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 2);
}

static void
test_multi_one_way_primary (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *emails = NULL;
  ConcordRecord *b;
  g_autoptr(ConcordRecord) copy = NULL;

  map_emails (f);
  f->config.direction = CONCORD_DIRECTION_A_TO_B;
  person (f->side[0], "src@example.com", NULL);
  sync_ok (f);

  /* B's person adds an email, makes it the primary and drops the old
   * one. One way, A's email is the truth: it comes back as B's primary
   * (not taken back as a removed member), and B's own address stays. */
  b = find (f->side[1], "src@example.com");
  copy = concord_record_copy (b);
  concord_record_set_text (copy, "email", CONCORD_FIELD_TYPE_EMAIL, "mine@example.com");
  concord_record_set_set (copy, "emails", (const char *[]) { "home\tmine@example.com", NULL });
  g_assert_true (concord_memory_connector_replace (f->side[1], copy));
  sync_ok (f);

  g_assert_nonnull (find (f->side[1], "src@example.com"));
  emails = set_text (f->side[1], "src@example.com", "emails");
  g_assert_cmpstr (emails, ==, "home\tmine@example.com,other\tsrc@example.com");
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (f->side[0]), ==, 0);
  assert_quiet (f);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

#define ADD(path, func) g_test_add ("/concord/sync/" path, Fixture, NULL, setup, func, teardown)
  ADD ("first-sync-merges", test_first_sync_merges);
  ADD ("field-level-merge", test_field_level_merge);
  ADD ("conflict-policies", test_conflict_policies);
  ADD ("set-merge", test_set_merge);
  ADD ("creation-off-updates-flow", test_creation_off_updates_flow);
  ADD ("one-way", test_one_way);
  ADD ("scope", test_scope);
  ADD ("scope-rule-filter", test_scope_rule_filter);
  ADD ("circuit-breaker", test_circuit_breaker);
  ADD ("crash-between-write-and-commit", test_crash_between_write_and_commit);
  ADD ("partial-batch-failure", test_partial_batch_failure);
  ADD ("ambiguous-and-bad-input", test_ambiguous_and_bad_input);
  ADD ("dry-run", test_dry_run);
  ADD ("no-ping-pong", test_no_ping_pong);
  ADD ("journal", test_journal);
  ADD ("deleted-is-unlinked", test_deleted_is_unlinked_not_propagated);
  ADD ("reported-deletion-unlinks", test_reported_deletion_unlinks);
  ADD ("refused-record", test_refused_record);
  ADD ("failed-listing-writes-nothing", test_failed_listing_writes_nothing);
  ADD ("symmetry", test_symmetry);
  ADD ("on-engine-thread", test_on_engine_thread);
  ADD ("suppression-is-monotonic", test_suppression_is_monotonic);
  ADD ("suppression-wins-conflicts", test_suppression_wins_conflicts);
  ADD ("rule-off-updates-both-ways", test_rule_off_updates_both_ways);
  ADD ("rule-create-switch", test_rule_create_switch);
  ADD ("rule-actions", test_rule_actions);
  ADD ("rules-any-match-actions", test_rules_any_match_actions);
  ADD ("rules-paired-stop-keep", test_rules_paired_stop_keep);
  ADD ("mapping-value-map", test_mapping_value_map);
  ADD ("mapping-conversion", test_mapping_conversion);
  ADD ("rules-on-engine-thread", test_rules_on_engine_thread);
  ADD ("crash-keeps-both-set-members", test_crash_keeps_both_set_members);
  ADD ("failed-half-keeps-action", test_failed_half_keeps_action);
  ADD ("set-entering-scope-keeps-removals", test_set_entering_scope_keeps_removals);
  ADD ("multi/any-email-matches", test_multi_any_email_matches);
  ADD ("multi/ambiguous", test_multi_ambiguous);
  ADD ("multi/single-app-replaces-primary", test_multi_single_app_replaces_primary);
  ADD ("multi/primary-removed", test_multi_primary_removed);
  ADD ("multi/merge-labels", test_multi_merge_labels);
  ADD ("multi/one-way-primary", test_multi_one_way_primary);
  ADD ("multi/bad-primary", test_multi_bad_primary);
#undef ADD

  return g_test_run ();
}
