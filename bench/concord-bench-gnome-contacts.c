/* concord-bench-gnome-contacts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Syncs a temporary GNOME Contacts address book (Evolution Data Server, in
 * the session) holding W contacts (default 1,000) with an in-memory app
 * holding N others (default 2,000), both ways, through the real connector,
 * store and sync run; then runs again with nothing changed, then after one
 * contact was edited through libebook:
 *
 *   bench-gnome-contacts phase=first n=2000 w=1000 watch=1 wall_s=… rss_mb=… created_a=… …
 *   bench-gnome-contacts phase=unchanged … written=0
 *   bench-gnome-contacts phase=one-edit … written=1
 *
 * With the book's view running (as in the app; not with --no-watch, as in
 * concord-cli), the runs after the first list only what the view told.
 * written counts the contacts either side got (created or updated); rss_mb
 * is this process's peak (EDS's own processes are not in it). Exits 1
 * unless every contact arrived, the second run wrote nothing and the third
 * carried the one edit. Needs a session bus where EDS can be activated
 * (dbus-run-session, as .ci/run gives; see tests/connectors/gnome-contacts).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/resource.h>

#include "concord-connector-gnome-contacts.h"
#include "concord-memory-connector.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-address-book.h"

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static void
on_changed_cb (ConcordConnector *connector,
               gpointer          user_data)
{
  (*(guint *) user_data)++;
}

static void
on_result_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GPtrArray *
load_schema (ConcordConnector *connector,
             const char       *type)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *schema;

  concord_connector_load_schema_async (connector, type, NULL, on_result_cb, &slot);
  while (slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = slot;
  schema = concord_connector_load_schema_finish (connector, result, &error);
  g_assert_no_error (error);
  return schema;
}

/* Adds @w contacts to @book in batches of 500, as another app would. */
static void
fill_book (ConcordTestAddressBook *book,
           int                     w)
{
  for (int start = 0; start < w; start += 500)
    {
      g_autoptr(GError) error = NULL;
      GSList *contacts = NULL;

      for (int i = start; i < MIN (w, start + 500); i++)
        {
          g_autofree char *vcard = g_strdup_printf (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Book%06d;Local;;;\r\nFN:Local Book%06d\r\n"
            "EMAIL;TYPE=WORK:local%06d@example.net\r\nTEL;TYPE=CELL:+44 7700 9%05d\r\n"
            "X-EVOLUTION-FILE-AS:Book%06d\\, Local\r\nEND:VCARD", i, i, i, i % 100000, i);

          contacts = g_slist_prepend (contacts, e_contact_new_from_vcard (vcard));
        }
      e_book_client_add_contacts_sync (book->client, contacts, E_BOOK_OPERATION_FLAG_NONE, NULL,
                                       NULL, &error);
      g_assert_no_error (error);
      g_slist_free_full (contacts, g_object_unref);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectorGnomeContacts) contacts = NULL;
  g_autoptr(ConcordMemoryConnector) memory = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  ConcordTestAddressBook *book;
  ConcordConnectionRow row = { 0 };
  ConcordSyncConfig config;
  gint64 connection_id;
  gboolean ok = TRUE;
  guint changed = 0;
  int n = 2000, w = 1000;
  gboolean no_watch = FALSE, watch;
  GOptionEntry entries[] = {
    { "no-watch", 0, 0, G_OPTION_ARG_NONE, &no_watch, "Run without the book's view", NULL },
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Contacts of the in-memory app (default 2000)", "N" },
    { "w", 0, 0, G_OPTION_ARG_INT, &w, "Contacts already in the address book (1000)", "W" },
    { NULL }
  };

  context = g_option_context_new ("- benchmark the GNOME Contacts connector");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n < 0 || w < 0)
    {
      g_printerr ("concord-bench-gnome-contacts: %s\n", error ? error->message : "negative count");
      return 2;
    }
  if (!concord_test_address_book_check_session ())
    return 2;
  watch = !no_watch;

  book = concord_test_address_book_new ("bench");
  fill_book (book, w);

  contacts = concord_connector_gnome_contacts_new ("GB");
  memory = concord_memory_connector_new ("a", CONCORD_CONNECTOR_NONE);
  concord_memory_connector_set_max_batch (memory, 1000);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(ConcordRecord) record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("other%06d@example.org", i);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Other");
      concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "Side");
      concord_memory_connector_insert (memory, record);
    }

  /* As the app's engine does: with the book's view running, runs after
   * the first list only what the view told (--no-watch: every run lists
   * the whole book, as concord-cli does). */
  g_signal_connect (contacts, "changed", G_CALLBACK (on_changed_cb), &changed);
  if (watch)
    concord_connector_watch_changes (CONCORD_CONNECTOR (contacts));
  schema_a = load_schema (CONCORD_CONNECTOR (memory), "contacts");
  schema_b = load_schema (CONCORD_CONNECTOR (contacts), book->uid);

  dir = g_dir_make_tmp ("concord-bench-gc-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "state.sqlite", NULL);
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  concord_store_add_account (store, "a", "memory", "A", NULL, NULL);
  concord_store_add_account (store, "b", CONCORD_GNOME_CONTACTS_APP_ID, "B", NULL, NULL);
  row.name = (char *) "bench";
  row.account_a = (char *) "a";
  row.type_a = (char *) "contacts";
  row.account_b = (char *) "b";
  row.type_b = book->uid;
  connection_id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);
  mapping = concord_mapping_new_default (schema_a, schema_b);
  concord_sync_config_init (&config, mapping);

  for (guint phase = 0; phase < 3 && ok; phase++)
    {
      static const char *names[] = { "first", "unchanged", "one-edit" };
      ConcordRunSummary summary;
      gint64 start;
      double wall;
      guint written;

      if (phase == 2)
        {
          g_autofree char *uid = concord_test_address_book_find (book, "local000007@example.net");
          EContact *contact = concord_test_address_book_get (book, uid);

          e_contact_set (contact, E_CONTACT_GIVEN_NAME, "Edited");
          changed = 0;
          concord_test_address_book_modify (book, contact);
          g_object_unref (contact);
          /* The app runs when the book says it changed. */
          if (watch)
            {
              gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

              while (changed == 0 && g_get_monotonic_time () < end)
                g_main_context_iteration (NULL, TRUE);
            }
        }

      start = g_get_monotonic_time ();
      if (!concord_sync_run (store, connection_id, &config, CONCORD_CONNECTOR (memory), "contacts",
                             CONCORD_CONNECTOR (contacts), book->uid, NULL, NULL, &summary,
                             &error))
        {
          g_printerr ("concord-bench-gnome-contacts: the sync failed: %s\n", error->message);
          return 1;
        }
      wall = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      written = summary.created[0] + summary.created[1] + summary.updated[0] + summary.updated[1];

      g_print ("bench-gnome-contacts phase=%s n=%d w=%d watch=%d wall_s=%.2f rss_mb=%.0f "
               "created_a=%u created_b=%u written=%u\n", names[phase], n, w, watch, wall,
               peak_rss_mb (), summary.created[0], summary.created[1], written);
      if (phase == 0)
        ok = summary.created[0] == (guint) w && summary.created[1] == (guint) n;
      else if (phase == 1)
        ok = written == 0;
      else
        ok = written == 1 && summary.updated[0] == 1;
      concord_run_summary_clear (&summary);
    }
  if (!ok)
    g_printerr ("concord-bench-gnome-contacts: not every contact arrived, a run without changes "
                "wrote, or the edit did not cross\n");

  concord_sync_config_clear (&config);
  g_clear_object (&store);
  g_clear_object (&contacts);
  concord_test_address_book_free (book);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }

  return ok ? 0 : 1;
}
