/* test-error-codes.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Errors as codes (issue 15): every code has a stable nick that parses
 * back; errors of other domains map to a code; the side and the field
 * survive the copies and prefixes between a connector and the store; the
 * engine names the side. End to end, in Turkish with a test translation:
 * an error's code goes from the memory connector through the journal and
 * the runs to the activity's rows and the connection's line (the one a
 * notification shows), in people's words made from the code, never from
 * the app's English message.
 */

#include "config.h"

#include <gio/gio.h>

#include "concord-activity-world.h"
#include "concord-store.h"

/* ------------------------------------------------------------------------- */
/* Codes                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_nicks (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  ConcordError code;

  for (int i = CONCORD_ERROR_FAILED; i <= CONCORD_ERROR_CANCELLED; i++)
    {
      const char *nick = concord_error_to_nick ((ConcordError) i);

      g_assert_nonnull (nick);
      g_assert_false (g_hash_table_contains (seen, nick));
      g_hash_table_add (seen, (gpointer) nick);
      g_assert_true (concord_error_from_nick (nick, &code));
      g_assert_cmpint (code, ==, i);
    }

  /* Stored in databases: these never change. */
  g_assert_cmpstr (concord_error_to_nick (CONCORD_ERROR_AUTH_FAILED), ==, "auth-failed");
  g_assert_cmpstr (concord_error_to_nick (CONCORD_ERROR_AMBIGUOUS), ==, "ambiguous");
  g_assert_cmpstr (concord_error_to_nick (CONCORD_ERROR_INVALID_DATA), ==, "invalid-data");

  g_assert_false (concord_error_from_nick (NULL, &code));
  g_assert_false (concord_error_from_nick ("401", &code));
  g_assert_false (concord_error_from_nick ("Auth-Failed", &code));
  g_assert_cmpstr (concord_error_to_nick ((ConcordError) 999), ==, "failed");
}

static void
test_other_domains (void)
{
  static const struct { GQuark (*domain) (void); int code; ConcordError expected; } cases[] = {
    { g_io_error_quark, G_IO_ERROR_CANCELLED, CONCORD_ERROR_CANCELLED },
    { g_io_error_quark, G_IO_ERROR_TIMED_OUT, CONCORD_ERROR_NETWORK },
    { g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED, CONCORD_ERROR_NETWORK },
    { g_io_error_quark, G_IO_ERROR_HOST_UNREACHABLE, CONCORD_ERROR_NETWORK },
    { g_io_error_quark, G_IO_ERROR_BROKEN_PIPE, CONCORD_ERROR_NETWORK },
    { g_resolver_error_quark, G_RESOLVER_ERROR_NOT_FOUND, CONCORD_ERROR_NETWORK },
    { g_io_error_quark, G_IO_ERROR_PERMISSION_DENIED, CONCORD_ERROR_FAILED },
    { g_file_error_quark, G_FILE_ERROR_NOENT, CONCORD_ERROR_FAILED },
    { concord_error_quark, CONCORD_ERROR_QUOTA, CONCORD_ERROR_QUOTA },
    { concord_error_quark, 999, CONCORD_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (cases[i].domain (), cases[i].code, "whatever it says");

      g_assert_cmpint (concord_error_code_of (error), ==, cases[i].expected);
    }
  g_assert_cmpint (concord_error_code_of (NULL), ==, CONCORD_ERROR_FAILED);
}

/* The side and the field travel with the error: copies, propagation and
 * prefixes keep them; the message is never read for them. */
static void
test_side_and_field (void)
{
  g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                                                 "side b says: side a is wrong");
  g_autoptr(GError) copy = NULL;
  g_autoptr(GError) tagged = NULL;
  g_autoptr(GError) cancelled = NULL;
  GError *propagated = NULL;

  g_assert_cmpint (concord_error_get_side (error), ==, CONCORD_ERROR_NO_SIDE);
  g_assert_null (concord_error_get_field (error));
  concord_error_set_side (error, CONCORD_SIDE_A);
  concord_error_set_field (error, "email");
  g_assert_cmpint (concord_error_get_side (error), ==, CONCORD_SIDE_A);
  g_assert_cmpstr (concord_error_get_field (error), ==, "email");

  copy = g_error_copy (error);
  g_prefix_error (&copy, "Reading side b failed: ");
  g_assert_cmpint (concord_error_get_side (copy), ==, CONCORD_SIDE_A);
  g_assert_cmpstr (concord_error_get_field (copy), ==, "email");
  g_propagate_error (&propagated, g_steal_pointer (&copy));
  g_assert_cmpint (concord_error_get_side (propagated), ==, CONCORD_SIDE_A);
  g_assert_cmpstr (concord_error_get_field (propagated), ==, "email");

  /* The engine's tag keeps a side set closer to the app. */
  concord_error_tag_side (&propagated, CONCORD_SIDE_B);
  g_assert_cmpint (concord_error_get_side (propagated), ==, CONCORD_SIDE_A);
  g_clear_error (&propagated);

  /* Another domain: a code of ours, the same message, the side. */
  tagged = g_error_new_literal (G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE, "no DNS");
  concord_error_tag_side (&tagged, CONCORD_SIDE_B);
  g_assert_error (tagged, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
  g_assert_cmpstr (tagged->message, ==, "no DNS");
  g_assert_cmpint (concord_error_get_side (tagged), ==, CONCORD_SIDE_B);

  /* A cancellation stays one. */
  cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  concord_error_tag_side (&cancelled, CONCORD_SIDE_A);
  g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (concord_error_get_side (cancelled), ==, CONCORD_ERROR_NO_SIDE);

  concord_error_tag_side (NULL, CONCORD_SIDE_A);
  concord_error_tag_side (&propagated, CONCORD_SIDE_A);
  g_assert_null (propagated);
}

/* What people read comes from the code: an English message that looks
 * like another error changes nothing. */
static void
test_words_from_code (void)
{
  g_autofree char *title = NULL;
  g_autofree char *fix = NULL;
  g_autofree char *key_title = NULL;
  g_autofree char *key_fix = NULL;

  concord_error_explain (CONCORD_ERROR_SERVER, "Shop", NULL, &title, &fix);
  g_assert_cmpstr (title, ==, "Shop had a problem of its own");
  g_assert_false (concord_error_is_key_problem (CONCORD_ERROR_SERVER));

  concord_error_explain (CONCORD_ERROR_AUTH_FAILED, NULL, NULL, &key_title, &key_fix);
  g_assert_cmpstr (key_title, ==, "The app refused Concord’s API key");
  g_assert_nonnull (strstr (key_fix, "Replace Key"));
  g_assert_true (concord_error_is_key_problem (CONCORD_ERROR_AUTH_FAILED));
  g_assert_true (concord_error_is_key_problem (CONCORD_ERROR_AUTH_EXPIRED));

  /* Every code has words, with and without an app. */
  for (int i = CONCORD_ERROR_FAILED; i <= CONCORD_ERROR_CANCELLED; i++)
    for (guint with_app = 0; with_app < 2; with_app++)
      {
        g_autofree char *t = NULL;
        g_autofree char *f = NULL;

        concord_error_explain ((ConcordError) i, with_app ? "Shop" : NULL, "Email", &t, &f);
        g_assert_true (t != NULL && *t != '\0' && f != NULL && *f != '\0');
        g_assert_null (strchr (t, '%'));
      }
}

/* ------------------------------------------------------------------------- */
/* End to end, translated                                                    */
/* ------------------------------------------------------------------------- */

static void
on_failing (ConcordEngine          *engine,
            ConcordConnectionState *state,
            const char             *reason,
            char                  **out)
{
  g_free (*out);
  *out = g_strdup (reason);
}

static void
test_translated_end_to_end (void)
{
  World *world = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) revoked = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                                                   "HTTP 401 Unauthorized");
  g_autofree char *failing = NULL;
  g_autofree char *path = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordRunRow) last = NULL;
  ConcordConnectionState *state;
  ConcordActivityRow *journal_row = NULL;
  ConcordActivityRow *run_row = NULL;

  if (!concord_test_use_translation ())
    return;

  world = world_new ();
  g_signal_connect (world->engine, "connection-failing", G_CALLBACK (on_failing), &failing);
  /* B fails two creations with its own English words (a server error). */
  world_populate (world);

  rows = world_query (world, NULL, 0, 100, NULL);
  for (guint i = 0; i < rows->len; i++)
    {
      ConcordActivityRow *row = g_ptr_array_index (rows, i);

      if (row->kind == CONCORD_ACTIVITY_ERROR && row->op != NULL && journal_row == NULL)
        journal_row = row;
    }
  g_assert_nonnull (journal_row);
  g_assert_cmpstr (journal_row->explanation, ==, "Shop CRM kendi içinde bir sorun yaşadı");
  g_assert_cmpstr (journal_row->fix, ==, "Yapılacak bir şey yok: Concord bir sonraki eşitlemede yeniden deneyecek.");
  g_assert_true (g_str_has_suffix (journal_row->detail, "injected failure"));
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* B takes them: the streak of failures ends. Then B refuses the key
   * while listing: the run fails as a whole, a new streak. */
  concord_memory_connector_set_fail_func (world->sides[CONCORD_SIDE_B], NULL, NULL);
  g_assert_true (world_sync (world));
  g_clear_pointer (&failing, g_free);
  concord_memory_connector_fail_list_at_page (world->sides[CONCORD_SIDE_B], 0, revoked);
  g_assert_false (world_sync (world));

  path = world_db_path ();
  store = concord_store_new (path, NULL);
  last = concord_store_get_last_run (store, world->connection_id, NULL);
  g_assert_nonnull (last);
  g_assert_cmpstr (last->code, ==, "auth-failed");
  g_assert_cmpstr (last->code_side, ==, "b");
  g_assert_nonnull (strstr (last->error, "HTTP 401 Unauthorized"));

  rows = world_query (world, NULL, 0, 100, NULL);
  for (guint i = 0; i < rows->len; i++)
    {
      ConcordActivityRow *row = g_ptr_array_index (rows, i);

      if (row->kind == CONCORD_ACTIVITY_ERROR && row->op == NULL && run_row == NULL)
        run_row = row;
    }
  g_assert_nonnull (run_row);
  g_assert_cmpstr (run_row->explanation, ==, "Shop CRM, Concord’un API anahtarını reddetti");
  g_assert_nonnull (strstr (run_row->fix, "Tercihler → Hesaplar"));

  /* The connection's line and fix, as the notification and the banner
   * show them, and the code the banner picks its button by. */
  state = concord_engine_lookup (world->engine, world->connection_id);
  g_assert_cmpstr (concord_connection_state_get_error (state), ==, "Shop CRM, Concord’un API anahtarını reddetti");
  g_assert_nonnull (strstr (concord_connection_state_get_error_fix (state), "Tercihler → Hesaplar"));
  g_assert_cmpint (concord_connection_state_get_error_code (state), ==, CONCORD_ERROR_AUTH_FAILED);
  g_assert_cmpstr (failing, ==, "Shop CRM, Concord’un API anahtarını reddetti");

  world_free (world);
  concord_test_end_translation ();
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/error-codes/nicks", test_nicks);
  g_test_add_func ("/concord/error-codes/other-domains", test_other_domains);
  g_test_add_func ("/concord/error-codes/side-and-field", test_side_and_field);
  g_test_add_func ("/concord/error-codes/words-from-code", test_words_from_code);
  g_test_add_func ("/concord/error-codes/translated-end-to-end", test_translated_end_to_end);

  return g_test_run ();
}
