/* concord-bench-vcard-folder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The vCard folder connector alone, on N cards (default 10,000) in a
 * temporary folder: what its part of a sync costs.
 *
 *   bench-vcard-folder phase=create n=… wall_s=… rss_mb=…       N new cards, in batches
 *   bench-vcard-folder phase=schema-cold n=… wall_s=…            a new connector's schema
 *                                                                (reads and parses every card)
 *   bench-vcard-folder phase=list-cold n=… wall_s=…              a new connector's listing
 *   bench-vcard-folder phase=list-warm n=… wall_s=…              the same connector again (stat only)
 *   bench-vcard-folder phase=schema-state n=… wall_s=…           a new connector with the persistent
 *                                                                state the last one left (a second
 *                                                                concord-cli run): its schema
 *   bench-vcard-folder phase=list-state n=… wall_s=…             … its complete listing
 *   bench-vcard-folder phase=list-incremental n=… wall_s=…       … a listing with the last cursor
 *                                                                (nothing changed: n=0)
 *   bench-vcard-folder phase=update n=… wall_s=…                 one field of every card
 *
 * A new connector is what a `concord-cli sync` process starts with; the
 * app keeps its connector, so its runs are "warm". rss_mb is the process's
 * peak.
 *
 * Writes replace a card's inode (a temporary file renamed over it): on an
 * ext4 file system without a journal, allocating inodes slows down as
 * recently deleted ones pile up (the kernel's recently_deleted() check), so
 * the update phase of a large N measures the file system as much as the
 * connector (perf: most of its time in ext4's find_inode_bit()).
 *
 * Usage: concord-bench-vcard-folder [--n N]
 */

#include "config.h"

#include <sys/resource.h>

#include "concord-connector-vcard-folder-private.h"
#include "concord-fields.h"
#include "concord-test-utils.h"

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static GPtrArray *
wait_pointer (ConcordConnector *connector,
              GAsyncResult    **slot,
              GPtrArray      *(*finish) (ConcordConnector *, GAsyncResult *, GError **))
{
  g_autoptr(GAsyncResult) result = concord_test_wait_for_result (slot);
  g_autoptr(GError) error = NULL;
  GPtrArray *out = finish (connector, result, &error);

  if (out == NULL)
    g_error ("%s", error->message);
  return out;
}

static guint
list_all (ConcordConnector  *connector,
          const char        *cursor,
          char             **next_cursor)
{
  g_autofree char *token = NULL;
  guint n = 0;

  do
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(ConcordPage) page = NULL;
      g_autoptr(GError) error = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_list_async (connector, CONCORD_VCARD_FOLDER_SELF, cursor, token, NULL,
                                    concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      page = concord_connector_list_finish (connector, result, &error);
      if (page == NULL)
        g_error ("%s", error->message);
      n += page->records->len;
      g_free (token);
      token = g_strdup (page->next_page);
      if (token == NULL && next_cursor != NULL)
        *next_cursor = g_strdup (page->cursor);
    }
  while (token != NULL);

  return n;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *command = NULL;
  g_autoptr(ConcordConnector) writer = NULL;
  g_autoptr(ConcordConnector) cold = NULL;
  g_autoptr(ConcordConnector) lister = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ConcordConnector) again = NULL;
  g_autofree char *state = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *none = NULL;
  gint64 start;
  guint n = 10000, listed;

  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal (argv[i], "--n"))
      n = (guint) g_ascii_strtoull (argv[i + 1], NULL, 10);

  dir = g_dir_make_tmp ("concord-bench-vcard-folder-XXXXXX", &error);
  g_assert_no_error (error);
  state = g_dir_make_tmp ("concord-bench-vcard-folder-state-XXXXXX", &error);
  g_assert_no_error (error);
  none = g_build_filename (state, "none", NULL);
  writer = CONCORD_CONNECTOR (concord_connector_vcard_folder_new (dir, "GB"));
  /* Cold phases: a connector with no persistent state at all. */
  _concord_connector_vcard_folder_set_state_root (CONCORD_CONNECTOR_VCARD_FOLDER (writer), none);

  start = g_get_monotonic_time ();
  for (guint first = 0; first < n; first += concord_connector_get_max_batch (writer))
    {
      g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
      g_autoptr(GPtrArray) results = NULL;
      GAsyncResult *slot = NULL;

      for (guint i = first; i < MIN (n, first + concord_connector_get_max_batch (writer)); i++)
        {
          ConcordRecord *record = concord_record_new (NULL);
          g_autofree char *email = g_strdup_printf ("person%06u@example.com", i);
          g_autofree char *last = g_strdup_printf ("Lovelace %u", i);

          concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
          concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Ada");
          concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, last);
          concord_record_set_text (record, CONCORD_FIELD_PHONE, CONCORD_FIELD_TYPE_PHONE,
                                   "+44 20 7946 0018");
          concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING,
                                   "Analytical Engines Ltd");
          g_ptr_array_add (records, record);
        }
      concord_connector_create_async (writer, CONCORD_VCARD_FOLDER_SELF, records, NULL,
                                      concord_test_store_result_cb, &slot);
      results = wait_pointer (writer, &slot, concord_connector_create_finish);
      for (guint i = 0; i < results->len; i++)
        {
          ConcordWriteResult *result = g_ptr_array_index (results, i);

          if (result->error != NULL)
            g_error ("%s", result->error->message);
          g_ptr_array_add (ids, g_strdup (concord_record_get_remote_id (result->record)));
        }
    }
  g_print ("bench-vcard-folder phase=create n=%u wall_s=%.3f rss_mb=%.1f\n", n,
           seconds_since (start), peak_rss_mb ());

  cold = CONCORD_CONNECTOR (concord_connector_vcard_folder_new (dir, "GB"));
  _concord_connector_vcard_folder_set_state_root (CONCORD_CONNECTOR_VCARD_FOLDER (cold), none);
  start = g_get_monotonic_time ();
  {
    g_autoptr(GPtrArray) schema = NULL;
    GAsyncResult *slot = NULL;

    concord_connector_load_schema_async (cold, CONCORD_VCARD_FOLDER_SELF, NULL,
                                         concord_test_store_result_cb, &slot);
    schema = wait_pointer (cold, &slot, concord_connector_load_schema_finish);
  }
  g_print ("bench-vcard-folder phase=schema-cold n=%u wall_s=%.3f rss_mb=%.1f\n", n,
           seconds_since (start), peak_rss_mb ());

  lister = CONCORD_CONNECTOR (concord_connector_vcard_folder_new (dir, "GB"));
  _concord_connector_vcard_folder_set_state_root (CONCORD_CONNECTOR_VCARD_FOLDER (lister), state);
  start = g_get_monotonic_time ();
  listed = list_all (lister, NULL, NULL);
  g_print ("bench-vcard-folder phase=list-cold n=%u wall_s=%.3f rss_mb=%.1f\n", listed,
           seconds_since (start), peak_rss_mb ());
  start = g_get_monotonic_time ();
  listed = list_all (lister, NULL, &cursor);
  g_print ("bench-vcard-folder phase=list-warm n=%u wall_s=%.3f rss_mb=%.1f\n", listed,
           seconds_since (start), peak_rss_mb ());
  g_clear_object (&lister);

  /* A second process: the state the first one left. */
  again = CONCORD_CONNECTOR (concord_connector_vcard_folder_new (dir, "GB"));
  _concord_connector_vcard_folder_set_state_root (CONCORD_CONNECTOR_VCARD_FOLDER (again), state);
  start = g_get_monotonic_time ();
  {
    g_autoptr(GPtrArray) schema = NULL;
    GAsyncResult *slot = NULL;

    concord_connector_load_schema_async (again, CONCORD_VCARD_FOLDER_SELF, NULL,
                                         concord_test_store_result_cb, &slot);
    schema = wait_pointer (again, &slot, concord_connector_load_schema_finish);
  }
  g_print ("bench-vcard-folder phase=schema-state n=%u wall_s=%.3f rss_mb=%.1f\n", n,
           seconds_since (start), peak_rss_mb ());
  start = g_get_monotonic_time ();
  listed = list_all (again, cursor, NULL);
  g_print ("bench-vcard-folder phase=list-incremental n=%u wall_s=%.3f rss_mb=%.1f\n", listed,
           seconds_since (start), peak_rss_mb ());
  start = g_get_monotonic_time ();
  listed = list_all (again, NULL, NULL);
  g_print ("bench-vcard-folder phase=list-state n=%u wall_s=%.3f rss_mb=%.1f\n", listed,
           seconds_since (start), peak_rss_mb ());
  lister = g_steal_pointer (&again);

  start = g_get_monotonic_time ();
  for (guint first = 0; first < ids->len; first += concord_connector_get_max_batch (lister))
    {
      g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
      g_autoptr(GPtrArray) results = NULL;
      GAsyncResult *slot = NULL;

      for (guint i = first; i < MIN (ids->len, first + concord_connector_get_max_batch (lister)); i++)
        {
          g_autoptr(ConcordRecord) set = concord_record_new (NULL);

          concord_record_set_text (set, CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_TYPE_STRING, "Analyst");
          g_ptr_array_add (changes, concord_record_change_new (g_ptr_array_index (ids, i), set, NULL));
        }
      concord_connector_update_async (lister, CONCORD_VCARD_FOLDER_SELF, changes, NULL,
                                      concord_test_store_result_cb, &slot);
      results = wait_pointer (lister, &slot, concord_connector_update_finish);
      for (guint i = 0; i < results->len; i++)
        if (((ConcordWriteResult *) g_ptr_array_index (results, i))->error != NULL)
          g_error ("%s", ((ConcordWriteResult *) g_ptr_array_index (results, i))->error->message);
    }
  g_print ("bench-vcard-folder phase=update n=%u wall_s=%.3f rss_mb=%.1f\n", ids->len,
           seconds_since (start), peak_rss_mb ());

  /* Gone before their folders: a connector keeps its state when it goes. */
  g_clear_object (&writer);
  g_clear_object (&cold);
  g_clear_object (&lister);
  command = g_strdup_printf ("rm -rf '%s' '%s'", dir, state);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  return 0;
}
