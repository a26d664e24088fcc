/* concord-activity-world.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A connection synced over two memory connectors, for the activity and
 * health tests (core and UI): an engine with "memory" accounts, a
 * connection A ↔ B where side A wins conflicts, and helpers to edit either
 * app and run a sync. One world at a time (current_world).
 */

#include "config.h"

#include <string.h>

#include "concord-activity-world.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-store.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"


World *current_world;

/* Where the state database goes; UI tests (which keep the user's folders
 * for icons) set a temporary folder. */
char *world_data_dir;

char *
world_db_path (void)
{
  return g_build_filename (world_data_dir != NULL ? world_data_dir : g_get_user_data_dir (),
                           "state.sqlite", NULL);
}

ConcordConnector *
world_create (const char  *app_id,
              const char  *options_json,
              const char  *secret,
              GError     **error)
{
  if (g_strcmp0 (secret, "right") != 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED, "HTTP 401 Unauthorized");
      return NULL;
    }
  return g_object_ref (CONCORD_CONNECTOR (current_world->sides[strstr (options_json, "\"b\"") != NULL ? 1 : 0]));
}

static void
world_on_run_finished (ConcordEngine          *engine,
                       ConcordConnectionState *state,
                       gboolean                ok,
                       World                  *world)
{
  world->finished++;
  world->last_ok = ok;
}

char *
world_add_account (World      *world,
                   const char *name,
                   const char *options)
{
  return concord_test_add_account (world->engine, "memory", name, options, "right");
}

World *
world_new (void)
{
  g_autofree char *path = world_db_path ();
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;
  World *world = g_new0 (World, 1);
  const char *keys[] = {
    CONCORD_FIELD_EMAIL, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_LAST_NAME,
    CONCORD_FIELD_COMPANY, CONCORD_FIELD_PHONE,
  };

  current_world = world;
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GPtrArray) schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        g_ptr_array_add (schema, concord_field_spec_copy (concord_fields_lookup (keys[k])));
      world->sides[s] = concord_memory_connector_new (s == 0 ? "a" : "b", CONCORD_CONNECTOR_NONE);
      concord_memory_connector_set_schema (world->sides[s], schema);
    }

  world->engine = concord_engine_new (path, secrets, world_create);
  g_signal_connect (world->engine, "run-finished", G_CALLBACK (world_on_run_finished), world);
  concord_engine_open_async (world->engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (world->engine, result, &error));
  g_clear_object (&result);

  a = world_add_account (world, "Elastic Email", "{\"side\": \"a\"}");
  b = world_add_account (world, "Shop CRM", "{\"side\": \"b\"}");
  row.name = (char *) "Elastic Email ↔ Shop CRM";
  row.account_a = a;
  row.type_a = (char *) "contacts";
  row.account_b = b;
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_BOTH;
  row.prefer = CONCORD_PREFER_A;
  row.enabled = FALSE;
  concord_engine_add_connection_async (world->engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  world->connection_id = concord_engine_add_connection_finish (world->engine, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (world->connection_id, >, 0);

  return world;
}

static gboolean
world_engine_gone (gpointer data)
{
  return ((World *) data)->engine == NULL;
}

void
world_free (World *world)
{
  g_object_add_weak_pointer (G_OBJECT (world->engine), (gpointer *) &world->engine);
  g_object_unref (world->engine);
  g_assert_true (concord_test_wait_until (world_engine_gone, world, 10000));
  g_clear_object (&world->sides[0]);
  g_clear_object (&world->sides[1]);
  current_world = NULL;
  g_free (world);
}

/* For concord_test_wait_until(): @data is { world, GUINT_TO_POINTER (n) }
 * and at least n runs have finished. */
gboolean
world_finished_at_least (gpointer data)
{
  World *world = ((gpointer *) data)[0];

  return world->finished >= GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

/* Runs a sync of the connection and waits for it. */
gboolean
world_sync (World *world)
{
  gpointer data[2] = { world, GUINT_TO_POINTER (world->finished + 1) };

  concord_engine_sync_now (world->engine, world->connection_id);
  g_assert_true (concord_test_wait_until (world_finished_at_least, data, 60));
  if (world->last_ok)
    return TRUE;

  /* Contacts B refuses fail the run for the window, but it completed. */
  {
    g_autofree char *path = world_db_path ();
    g_autoptr(ConcordStore) store = concord_store_new (path, NULL);
    g_autoptr(ConcordRunRow) last = store != NULL ? concord_store_get_last_run (store, world->connection_id, NULL)
                                                  : NULL;

    return last != NULL && g_strcmp0 (last->status, "partial") == 0;
  }
}

ConcordRecord *
world_person (World      *world,
              ConcordSide side,
              const char *email,
              const char *first,
              const char *last,
              const char *company)
{
  g_autoptr(ConcordRecord) record = concord_record_new (NULL);

  if (email != NULL)
    concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  if (first != NULL)
    concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, first);
  if (last != NULL)
    concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, last);
  if (company != NULL)
    concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, company);
  return concord_memory_connector_insert (world->sides[side], record);
}

/* The record of @side whose email is @email (there must be one). */
ConcordRecord *
world_find (World       *world,
            ConcordSide  side,
            const char  *email)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[side]);

  for (guint i = 0; i < all->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (all, i);

      if (g_strcmp0 (concord_record_get_email (record), email) == 0)
        return concord_record_ref (record);
    }

  g_assert_not_reached ();
  return NULL;
}

void
world_edit (World       *world,
            ConcordSide  side,
            const char  *email,
            const char  *key,
            const char  *text)
{
  g_autoptr(ConcordRecord) found = world_find (world, side, email);
  g_autoptr(ConcordRecord) copy = concord_record_copy (found);

  concord_record_set_text (copy, key, concord_fields_lookup (key)->type, text);
  g_assert_true (concord_memory_connector_replace (world->sides[side], copy));
}

gboolean
world_fail_email (const ConcordRecord *record,
                  gpointer             user_data)
{
  const char *email = concord_record_get_email (record);

  return email != NULL && g_str_has_prefix (email, "refused");
}

/*
 * The standard set-up, synced twice:
 *   - Ada, Bob and Grace on both sides: paired (3 in sync);
 *   - Ada's company changed on both sides between the runs: a conflict
 *     side A wins ("Babbage & Co" over "Difference Ltd");
 *   - Bob's phone set on B after the first run: a change to A;
 *   - two contacts without an email on A: excluded;
 *   - refused1@ and refused2@ on A, which B refuses to create: failing;
 *   - twin@ once on A and twice on B: a match waiting for review.
 */
void
world_populate (World *world)
{
  world_person (world, CONCORD_SIDE_A, "ada@example.com", "Ada", "Lovelace", "Analytical Engines");
  world_person (world, CONCORD_SIDE_B, "ada@example.com", "Ada", "Lovelace", NULL);
  world_person (world, CONCORD_SIDE_A, "bob@example.com", "Bob", "Builder", NULL);
  world_person (world, CONCORD_SIDE_B, "grace@example.com", "Grace", "Hopper", "Navy");
  world_person (world, CONCORD_SIDE_A, NULL, "No", "Email", NULL);
  world_person (world, CONCORD_SIDE_A, NULL, "Also", "Nameless", NULL);
  world_person (world, CONCORD_SIDE_A, "twin@example.com", "Twin", "One", NULL);
  world_person (world, CONCORD_SIDE_B, "twin@example.com", "Twin", "Two", NULL);
  world_person (world, CONCORD_SIDE_B, "TWIN@example.com", "Twin", "Three", NULL);
  world_person (world, CONCORD_SIDE_A, "refused1@example.com", "Ref", "One", NULL);
  world_person (world, CONCORD_SIDE_A, "refused2@example.com", "Ref", "Two", NULL);
  concord_memory_connector_set_fail_func (world->sides[CONCORD_SIDE_B], world_fail_email, NULL);

  g_assert_true (world_sync (world));

  world_edit (world, CONCORD_SIDE_A, "ada@example.com", CONCORD_FIELD_COMPANY, "Babbage & Co");
  world_edit (world, CONCORD_SIDE_B, "ada@example.com", CONCORD_FIELD_COMPANY, "Difference Ltd");
  world_edit (world, CONCORD_SIDE_B, "bob@example.com", CONCORD_FIELD_PHONE, "+44 20 7946 0018");
  g_assert_true (world_sync (world));
}

GPtrArray *
world_query (World      *world,
             const char *search,
             guint       offset,
             guint       limit,
             guint      *total)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *rows;

  concord_engine_query_activity_async (world->engine, world->connection_id, search, offset, limit,
                                       NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  rows = concord_engine_query_activity_finish (world->engine, result, total, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}
