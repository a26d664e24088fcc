/* test-sync-vcard-folder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Whole sync runs between Elastic Email (side A, its mock server) and a
 * vCard folder (side B), through the real connectors, store and engine:
 * the first run copies each side's contacts to the other; a second run
 * writes nothing (no request that writes, no file touched); an edit in
 * Elastic Email changes only the mapped lines of the card, every other
 * line kept byte for byte; an edit of a card reaches Elastic Email.
 *
 * Paths: /concord/sync-vcard-folder/<case>.
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-vcard-folder.h"
#include "concord-fields.h"
#include "concord-mock-elasticemail.h"
#include "concord-planner.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-sync.h"
#include "concord-test-utils.h"

#define EE_KEY "sync-vcf-ee-key-4d"

#define ADA_CARD \
  "BEGIN:VCARD\r\n" \
  "VERSION:3.0\r\n" \
  "PRODID:-//Other App//EN\r\n" \
  "UID:ada-1\r\n" \
  "FN:Ada Lovelace\r\n" \
  "N:Lovelace;Ada;;;\r\n" \
  "EMAIL;TYPE=INTERNET:ada@example.com\r\n" \
  "X-CUSTOM;X-PARAM=odd:keep me\\, exactly\r\n" \
  "item1.URL:https://example.com/ada\r\n" \
  "item1.X-ABLabel:_$!<HomePage>!$_\r\n" \
  "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////\r\n" \
  " //////////////////////////////////////////////////////////////////////////\r\n" \
  "END:VCARD\r\n"

typedef struct
{
  char                    *dir;
  ConcordMockElasticEmail *ee;
  ConcordTestSync         *sync;
} Fixture;

static void
put_card (Fixture    *f,
          const char *name,
          const char *contents)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static char *
get_card (Fixture    *f,
          const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectorElasticEmail) a = NULL;
  g_autoptr(ConcordConnectorVCardFolder) b = NULL;

  f->dir = g_dir_make_tmp ("concord-sync-vcf-XXXXXX", &error);
  g_assert_no_error (error);
  put_card (f, "ada.vcf", ADA_CARD);

  f->ee = concord_mock_elasticemail_new (EE_KEY, 0, &error);
  g_assert_no_error (error);
  a = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->ee), EE_KEY);
  concord_connector_elasticemail_set_retry_base_ms (a, 1);
  b = concord_connector_vcard_folder_new (f->dir, "GB");

  f->sync = concord_test_sync_new (CONCORD_CONNECTOR (a), "elasticemail", "contacts",
                                   CONCORD_CONNECTOR (b), "vcard-folder", CONCORD_VCARD_FOLDER_SELF);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_clear_pointer (&f->sync, concord_test_sync_free);
  g_clear_object (&f->ee);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  g_free (f->dir);
}

static void
run (Fixture           *f,
     ConcordRunSummary *summary)
{
  concord_test_sync_run (f->sync, summary);
}

static void
put_ee (Fixture    *f,
        const char *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_mock_elasticemail_put_contact_json (f->ee, json, &error));
  g_assert_no_error (error);
}

static char *
ee_member (Fixture    *f,
           const char *email,
           const char *name)
{
  g_autofree char *json = concord_mock_elasticemail_get_contact_json (f->ee, email);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  return json_object_has_member (object, name) && !json_object_get_null_member (object, name)
         ? g_strdup (json_object_get_string_member (object, name)) : NULL;
}

static guint
ee_writes (Fixture *f)
{
  g_autoptr(GPtrArray) requests = concord_mock_elasticemail_get_requests (f->ee);
  guint n = 0;

  for (guint i = 0; i < requests->len; i++)
    n += !g_str_has_prefix (g_ptr_array_index (requests, i), "GET ");
  return n;
}

/* name → "size:mtime_ns:ino" of every file in the folder */
static GHashTable *
folder_state (Fixture *f)
{
  GHashTable *state = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      struct stat st;

      g_assert_cmpint (stat (path, &st), ==, 0);
      g_hash_table_insert (state, g_strdup (name),
                           g_strdup_printf ("%" G_GINT64_FORMAT ":%ld.%09ld:%lu", (gint64) st.st_size,
                                            (long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                                            (unsigned long) st.st_ino));
    }
  return state;
}

static void
assert_same_state (GHashTable *a,
                   GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (value, ==, g_hash_table_lookup (b, key));
}

/* The name of the card holding @email, or NULL. */
static char *
find_card (Fixture    *f,
           const char *email)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *contents = NULL;

      if (name[0] == '.')
        continue;
      contents = get_card (f, name);
      if (strstr (contents, email) != NULL)
        return g_strdup (name);
    }
  return NULL;
}

/* First run both ways; the second writes nothing on either side. */
static void
test_initial_and_quiet (Fixture       *f,
                        gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, quiet = { 0, };
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autofree char *ann = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *ada_first = NULL;

  put_ee (f, "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"LastName\":\"Lee\",\"Status\":\"Active\"}");

  run (f, &first);
  g_assert_cmpuint (first.created[0], ==, 1);
  g_assert_cmpuint (first.created[1], ==, 1);
  ada_first = ee_member (f, "ada@example.com", "FirstName");
  g_assert_cmpstr (ada_first, ==, "Ada");
  ann = find_card (f, "ann@example.com");
  g_assert_nonnull (ann);
  contents = get_card (f, ann);
  g_assert_true (g_str_has_prefix (contents, "BEGIN:VCARD\r\nVERSION:3.0\r\n"));
  g_assert_nonnull (strstr (contents, "Lee"));

  before = folder_state (f);
  concord_mock_elasticemail_reset_requests (f->ee);
  run (f, &quiet);
  after = folder_state (f);
  g_assert_cmpuint (ee_writes (f), ==, 0);
  g_assert_cmpuint (quiet.created[0] + quiet.created[1] + quiet.updated[0] + quiet.updated[1], ==, 0);
  assert_same_state (before, after);
  /* Incremental: the folder lists only what changed (nothing); its own
   * writes of the first run are not changes. */
  g_assert_cmpuint (quiet.listed[1], ==, 0);

  concord_run_summary_clear (&first);
  concord_run_summary_clear (&quiet);
}

/* An edit in Elastic Email: only the card's name lines change; the
 * card's other lines (PRODID, X-, grouped, the folded PHOTO) stay. */
static void
test_edit_from_elastic_email (Fixture       *f,
                              gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, edited = { 0, };
  g_autofree char *after = NULL;
  g_auto(GStrv) lines = NULL;

  run (f, &first);
  put_ee (f, "{\"Email\":\"ada@example.com\",\"FirstName\":\"Augusta\",\"LastName\":\"Lovelace\",\"Status\":\"Active\"}");
  run (f, &edited);
  g_assert_cmpuint (edited.updated[1], ==, 1);

  after = get_card (f, "ada.vcf");
  g_assert_nonnull (strstr (after, "Augusta"));
  lines = g_strsplit (ADA_CARD, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "N:") || g_str_has_prefix (lines[i], "FN:") || *lines[i] == '\0')
        continue;
      if (strstr (after, lines[i]) == NULL)
        g_error ("line “%s” lost:\n%s", lines[i], after);
    }
  g_assert_nonnull (strstr (after, "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////\r\n"
                                   " ////"));

  concord_run_summary_clear (&first);
  concord_run_summary_clear (&edited);
}

/* An edit of a card (by another program) reaches Elastic Email. */
static void
test_edit_in_folder (Fixture       *f,
                     gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, edited = { 0, };
  g_autofree char *card = g_strdup (ADA_CARD);
  g_autofree char *last = NULL;

  run (f, &first);
  memcpy (strstr (card, "N:Lovelace"), "N:Byronics", 10);
  put_card (f, "ada.vcf", card);
  run (f, &edited);
  g_assert_cmpuint (edited.updated[0], ==, 1);
  last = ee_member (f, "ada@example.com", "LastName");
  g_assert_cmpstr (last, ==, "Byronics");

  concord_run_summary_clear (&first);
  concord_run_summary_clear (&edited);
}

/* The bad-record rows of the run @run_id: "name\tdetail" each. */
static GPtrArray *
refusal_rows (Fixture *f,
              gint64   run_id)
{
  g_autoptr(GPtrArray) journal = concord_store_list_journal (f->sync->store,
                                                             f->sync->connection_id, run_id, 0,
                                                             NULL);
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);

  g_assert_nonnull (journal);
  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (row->code, CONCORD_SKIP_BAD_RECORD) != 0)
        continue;
      g_assert_cmpstr (row->outcome, ==, "skipped");
      g_assert_cmpstr (row->code_side, ==, "b");
      g_ptr_array_add (rows, g_strdup_printf ("%s\t%s", row->name, row->error));
    }
  return rows;
}

/* A card that is not UTF-8 in the folder: one activity row names the app,
 * the file and why; the other cards sync; the unchanged bad file is not
 * shown again by the next run; once repaired, it syncs. */
static void
test_bad_card_in_activity (Fixture       *f,
                           gconstpointer  data)
{
  ConcordRunSummary first, second, repaired;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *email = NULL;

  put_card (f, "broken.vcf",
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:broken-1\r\nFN:Bro\xff\xfeken\r\n"
            "N:Ken;Bro;;;\r\nEMAIL:broken@example.com\r\nEND:VCARD\r\n");

  run (f, &first);
  email = ee_member (f, "ada@example.com", "Email");
  g_assert_cmpstr (email, ==, "ada@example.com");
  g_assert_null (concord_mock_elasticemail_get_contact_json (f->ee, "broken@example.com"));

  rows = refusal_rows (f, first.run_id);
  g_assert_cmpuint (rows->len, ==, 1);
  g_test_message ("%s", (char *) rows->pdata[0]);
  expected = g_strdup_printf ("broken.vcf\t%s could not read “broken.vcf”: ",
                              concord_connector_get_app_name (f->sync->b));
  g_assert_true (g_str_has_prefix (rows->pdata[0], expected));
  g_assert_nonnull (strstr (rows->pdata[0], "UTF-8"));
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Unchanged: not listed, not shown again. */
  run (f, &second);
  rows = refusal_rows (f, second.run_id);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Repaired: it syncs, and nothing is refused. */
  put_card (f, "broken.vcf",
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:broken-1\r\nFN:Bro Ken\r\n"
            "N:Ken;Bro;;;\r\nEMAIL:broken@example.com\r\nEND:VCARD\r\n");
  run (f, &repaired);
  rows = refusal_rows (f, repaired.run_id);
  g_assert_cmpuint (rows->len, ==, 0);
  g_assert_cmpuint (repaired.created[0], ==, 1);
  g_clear_pointer (&email, g_free);
  email = ee_member (f, "broken@example.com", "Email");
  g_assert_cmpstr (email, ==, "broken@example.com");

  concord_run_summary_clear (&first);
  concord_run_summary_clear (&second);
  concord_run_summary_clear (&repaired);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/sync-vcard-folder/initial-and-quiet", Fixture, NULL, setup,
              test_initial_and_quiet, teardown);
  g_test_add ("/concord/sync-vcard-folder/edit-from-elastic-email", Fixture, NULL, setup,
              test_edit_from_elastic_email, teardown);
  g_test_add ("/concord/sync-vcard-folder/edit-in-folder", Fixture, NULL, setup,
              test_edit_in_folder, teardown);
  g_test_add ("/concord/sync-vcard-folder/bad-card-in-activity", Fixture, NULL, setup,
              test_bad_card_in_activity, teardown);

  return g_test_run ();
}
