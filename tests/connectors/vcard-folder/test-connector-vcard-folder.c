/* test-connector-vcard-folder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The vCard folder connector on real folders: create, read, update and
 * delete cards (unknown properties kept byte for byte); bad files left out
 * alone; names for hostile UIDs; vdirsyncer's collections; an edit by
 * another program during a write; a kill -9 between the temporary file and
 * the rename; the cache (an unchanged file is not parsed again); the
 * monitor (another process's edit is reported, Concord's own are not).
 *
 * Paths: /concord/vcard-folder/<case>.
 */

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "concord-connector-vcard-folder-private.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#define SELF CONCORD_VCARD_FOLDER_SELF

#define ADA_CARD \
  "BEGIN:VCARD\r\n" \
  "VERSION:3.0\r\n" \
  "UID:ada-1\r\n" \
  "FN:Ada Lovelace\r\n" \
  "N:Lovelace;Ada;;;\r\n" \
  "EMAIL;TYPE=INTERNET:ada@example.com\r\n" \
  "X-CUSTOM;X-PARAM=odd:keep me\\, exactly\r\n" \
  "item1.X-ABLabel:Label\r\n" \
  "NOTE:a long note that is folded over two lines because it is long enough to\r\n" \
  "  need folding\r\n" \
  "END:VCARD\r\n"

#define GRACE_CARD \
  "BEGIN:VCARD\r\n" \
  "VERSION:3.0\r\n" \
  "UID:grace-2\r\n" \
  "FN:Grace Hopper\r\n" \
  "N:Hopper;Grace;;;\r\n" \
  "EMAIL:grace@example.com\r\n" \
  "END:VCARD\r\n"

#define V4_CARD \
  "BEGIN:VCARD\r\n" \
  "VERSION:4.0\r\n" \
  "UID:urn:uuid:4c1a\r\n" \
  "FN:Four\r\n" \
  "EMAIL:four@example.com\r\n" \
  "END:VCARD\r\n"

typedef struct
{
  char                        *dir;
  ConcordConnectorVCardFolder *connector;
  guint                        n_changed;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("concord-vcard-folder-XXXXXX", &error);
  g_assert_no_error (error);
  f->connector = concord_connector_vcard_folder_new (f->dir, "GB");
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_clear_object (&f->connector);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  g_free (f->dir);
}

static void
put_file (Fixture    *f,
          const char *name,
          const char *contents,
          gssize      length)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static char *
get_file (Fixture    *f,
          const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

static gboolean
file_exists (Fixture    *f,
             const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The names of the files in @dir (hidden ones too), sorted. */
static GPtrArray *
dir_names (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  return names;
}

/* Lists @type to its end; records by remote id. Sets *complete. */
static GHashTable *
list_all (Fixture    *f,
          const char *type,
          gboolean   *complete)
{
  GHashTable *all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) concord_record_unref);
  g_autofree char *token = NULL;

  for (guint n = 0; n < 1000; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcordPage) page = concord_test_list_page (CONCORD_CONNECTOR (f->connector),
                                                            type, token, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < page->records->len; i++)
        {
          ConcordRecord *record = g_ptr_array_index (page->records, i);

          g_assert_false (g_hash_table_contains (all, concord_record_get_remote_id (record)));
          g_hash_table_insert (all, g_strdup (concord_record_get_remote_id (record)),
                               concord_record_ref (record));
        }
      g_free (token);
      token = g_strdup (page->next_page);
      if (token == NULL)
        {
          if (complete != NULL)
            *complete = page->complete;
          return all;
        }
    }

  g_assert_not_reached ();
  return all;
}

/* Lists @type to its end; the files refused, name → why. */
static GHashTable *
list_refused (Fixture    *f,
              const char *type)
{
  GHashTable *refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *token = NULL;

  for (guint n = 0; n < 1000; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcordPage) page = concord_test_list_page (CONCORD_CONNECTOR (f->connector),
                                                            type, token, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < page->refused->len; i++)
        {
          ConcordRefusal *refusal = g_ptr_array_index (page->refused, i);

          g_assert_false (g_hash_table_contains (refused, refusal->id));
          g_hash_table_insert (refused, g_strdup (refusal->id), g_strdup (refusal->reason));
        }
      g_free (token);
      token = g_strdup (page->next_page);
      if (token == NULL)
        return refused;
    }

  g_assert_not_reached ();
  return refused;
}

static GPtrArray *
create (Fixture    *f,
        const char *type,
        GPtrArray  *records)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *results;

  concord_connector_create_async (CONCORD_CONNECTOR (f->connector), type, records, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_create_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, records->len);
  return results;
}

/* One change of @remote_id: @key set to @value; its result. */
static ConcordWriteResult *
update_one (Fixture    *f,
            const char *type,
            const char *remote_id,
            const char *key,
            const char *value)
{
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  const ConcordFieldSpec *spec = concord_fields_lookup (key);

  concord_record_set_text (set, key, spec != NULL ? spec->type : CONCORD_FIELD_TYPE_STRING, value);
  g_ptr_array_add (changes, concord_record_change_new (remote_id, set, NULL));
  concord_connector_update_async (CONCORD_CONNECTOR (f->connector), type, changes, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_update_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return g_ptr_array_steal_index (results, 0);
}

static GPtrArray *
delete_ids (Fixture            *f,
            const char         *type,
            const char * const *ids)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *results;

  concord_connector_delete_async (CONCORD_CONNECTOR (f->connector), type, ids, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_delete_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  return results;
}

static ConcordRecord *
new_person (const char *email,
            const char *first,
            const char *last)
{
  ConcordRecord *record = concord_record_new (NULL);

  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, first);
  concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, last);
  return record;
}

/* Whether every line of @before except those starting with one of
 * @changed is in @after, in the same order, byte for byte. */
static void
assert_lines_kept (const char         *before,
                   const char         *after,
                   const char * const *changed)
{
  g_auto(GStrv) lines = g_strsplit (before, "\r\n", -1);
  const char *from = after;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      gboolean skip = FALSE;
      const char *at;

      for (guint c = 0; changed[c] != NULL; c++)
        skip |= g_str_has_prefix (lines[i], changed[c]);
      if (skip || *lines[i] == '\0')
        continue;
      at = strstr (from, lines[i]);
      if (at == NULL)
        g_error ("line “%s” lost or moved in:\n%s", lines[i], after);
      from = at + strlen (lines[i]);
    }
}

/* ------------------------------------------------------------------------- */

/* Create, read, update, delete; unknown properties stay byte for byte. */
static void
test_crud (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(ConcordWriteResult) updated = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *created_name = NULL;
  g_autofree char *created = NULL;
  const char *changed[] = { "EMAIL", NULL };
  const char *ids[] = { "grace.vcf", NULL, NULL };
  gboolean complete = FALSE;
  ConcordRecord *ada;

  put_file (f, "ada.vcf", ADA_CARD, -1);
  put_file (f, "grace.vcf", GRACE_CARD, -1);

  all = list_all (f, SELF, &complete);
  g_assert_true (complete);
  g_assert_cmpuint (g_hash_table_size (all), ==, 2);
  ada = g_hash_table_lookup (all, "ada.vcf");
  g_assert_nonnull (ada);
  g_assert_cmpstr (concord_record_get_text (ada, CONCORD_FIELD_EMAIL), ==, "ada@example.com");
  g_assert_cmpstr (concord_record_get_text (ada, CONCORD_FIELD_FIRST_NAME), ==, "Ada");
  g_assert_cmpstr (concord_record_get_text (ada, CONCORD_FIELD_LAST_NAME), ==, "Lovelace");
  g_assert_nonnull (concord_record_get_version (ada));

  /* Create: a new file, vCard 3.0 (the folder's cards are), with a UID. */
  g_ptr_array_add (records, new_person ("new@example.com", "Nova", "Neu"));
  results = create (f, SELF, records);
  {
    ConcordWriteResult *result = g_ptr_array_index (results, 0);

    g_assert_no_error (result->error);
    created_name = g_strdup (concord_record_get_remote_id (result->record));
    g_assert_true (g_str_has_suffix (created_name, ".vcf"));
    g_assert_cmpstr (concord_record_get_text (result->record, CONCORD_FIELD_EMAIL), ==, "new@example.com");
  }
  created = get_file (f, created_name);
  g_assert_nonnull (created);
  g_assert_true (g_str_has_prefix (created, "BEGIN:VCARD\r\nVERSION:3.0\r\n"));
  g_assert_nonnull (strstr (created, "\r\nUID:"));
  g_assert_nonnull (strstr (created, "new@example.com"));
  /* No temporary file left behind. */
  {
    g_autoptr(GPtrArray) names = dir_names (f->dir);

    g_assert_cmpuint (names->len, ==, 3);
  }

  /* A new card is the user's alone. */
  {
    g_autofree char *path = g_build_filename (f->dir, created_name, NULL);
    struct stat st;

    g_assert_cmpint (stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* Update: only the EMAIL line changes; the card keeps its permissions. */
  {
    g_autofree char *path = g_build_filename (f->dir, "ada.vcf", NULL);

    g_assert_cmpint (chmod (path, 0640), ==, 0);
  }
  before = get_file (f, "ada.vcf");
  updated = update_one (f, SELF, "ada.vcf", CONCORD_FIELD_EMAIL, "ada@lovelace.example");
  g_assert_no_error (updated->error);
  g_assert_cmpstr (concord_record_get_text (updated->record, CONCORD_FIELD_EMAIL), ==,
                   "ada@lovelace.example");
  g_assert_cmpstr (concord_record_get_version (updated->record), !=, concord_record_get_version (ada));
  after = get_file (f, "ada.vcf");
  g_assert_nonnull (strstr (after, "ada@lovelace.example"));
  g_assert_null (strstr (after, "ada@example.com"));
  assert_lines_kept (before, after, changed);
  {
    g_autofree char *path = g_build_filename (f->dir, "ada.vcf", NULL);
    struct stat st;

    g_assert_cmpint (stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  }
  g_assert_nonnull (strstr (after, "X-CUSTOM;X-PARAM=odd:keep me\\, exactly\r\n"));
  g_assert_nonnull (strstr (after, "NOTE:a long note that is folded over two lines because it is long enough to\r\n  need folding\r\n"));

  /* Delete: the file goes; a second delete of it is fine. */
  {
    g_autoptr(GPtrArray) deleted = delete_ids (f, SELF, ids);

    g_assert_cmpuint (deleted->len, ==, 1);
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (deleted, 0))->error);
    g_assert_false (file_exists (f, "grace.vcf"));
  }
  {
    g_autoptr(GPtrArray) again = delete_ids (f, SELF, ids);

    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (again, 0))->error);
  }

  g_clear_pointer (&all, g_hash_table_unref);
  all = list_all (f, SELF, &complete);
  g_assert_cmpuint (g_hash_table_size (all), ==, 2);
  g_assert_true (g_hash_table_contains (all, created_name));
  g_assert_true (g_hash_table_contains (all, "ada.vcf"));

  /* An update of a card that is not there: NOT_FOUND, nothing created. */
  {
    g_autoptr(ConcordWriteResult) missing = update_one (f, SELF, "nobody.vcf",
                                                        CONCORD_FIELD_FIRST_NAME, "X");

    g_assert_error (missing->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
    g_assert_false (file_exists (f, "nobody.vcf"));
  }
  /* A remote id that is a path: refused, nothing outside touched. */
  {
    g_autoptr(ConcordWriteResult) outside = update_one (f, SELF, "../ada.vcf",
                                                        CONCORD_FIELD_FIRST_NAME, "X");

    g_assert_error (outside->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  }
}

/* Bad files are left out alone, naming the file; other files are ignored;
 * a listing with a bad card is not complete. */
static void
test_bad_files (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GHashTable) all = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *outside_dir = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *link_path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete = TRUE;
  gsize huge_size = CONCORD_VCARD_MAX_BYTES + 100;

  put_file (f, "ada.vcf", ADA_CARD, -1);
  put_file (f, "utf8.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad \xff\xfe name\r\nEND:VCARD\r\n", -1);
  put_file (f, "png.vcf", "\x89PNG\r\n\x1a\n not a card", 16);
  put_file (f, "nocard.vcf", "hello, world\n", -1);
  huge = g_malloc (huge_size);
  memset (huge, 'A', huge_size);
  memcpy (huge, "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:", 31);
  put_file (f, "huge.vcf", huge, (gssize) huge_size);
  /* Ignored: not .vcf, hidden, backups and temporary files. */
  put_file (f, "notes.txt", GRACE_CARD, -1);
  put_file (f, ".hidden.vcf", GRACE_CARD, -1);
  put_file (f, "grace.vcf~", GRACE_CARD, -1);
  put_file (f, ".grace.vcf.Xa81bc", GRACE_CARD, -1);
  /* A link out of the folder is not followed. */
  outside_dir = g_dir_make_tmp ("concord-vcard-outside-XXXXXX", &error);
  g_assert_no_error (error);
  outside = g_build_filename (outside_dir, "secret.vcf", NULL);
  g_assert_true (g_file_set_contents (outside, GRACE_CARD, -1, NULL));
  link_path = g_build_filename (f->dir, "link.vcf", NULL);
  g_assert_cmpint (symlink (outside, link_path), ==, 0);

  all = list_all (f, SELF, &complete);
  g_assert_cmpuint (g_hash_table_size (all), ==, 1);
  g_assert_true (g_hash_table_contains (all, "ada.vcf"));
  g_assert_false (complete);

  /* Each bad card is named, with why, for the activity; ignored files
   * are not bad cards. */
  {
    g_autoptr(GHashTable) refused = list_refused (f, SELF);
    const char *bad[] = { "utf8.vcf", "png.vcf", "nocard.vcf", "huge.vcf" };

    g_assert_cmpuint (g_hash_table_size (refused), ==, G_N_ELEMENTS (bad));
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        const char *reason = g_hash_table_lookup (refused, bad[i]);

        g_assert_nonnull (reason);
        g_test_message ("%s: %s", bad[i], reason);
        g_assert_cmpstr (reason, !=, "");
      }
    g_assert_nonnull (strstr (g_hash_table_lookup (refused, "utf8.vcf"), "UTF-8"));
  }

  /* The bad files are left as they were. */
  {
    g_autofree char *still = get_file (f, "nocard.vcf");

    g_assert_cmpstr (still, ==, "hello, world\n");
  }

  /* Repaired, the listing is complete again. */
  g_assert_cmpint (g_unlink (link_path), ==, 0);
  put_file (f, "utf8.vcf", GRACE_CARD, -1);
  put_file (f, "png.vcf", V4_CARD, -1);
  put_file (f, "nocard.vcf", GRACE_CARD, -1);
  put_file (f, "huge.vcf", GRACE_CARD, -1);
  g_clear_pointer (&all, g_hash_table_unref);
  all = list_all (f, SELF, &complete);
  g_assert_true (complete);
  g_assert_cmpuint (g_hash_table_size (all), ==, 5);

  g_unlink (outside);
  g_rmdir (outside_dir);
}

/* File names for any UID: never a separator, "..", a hidden name or a name
 * too long; deterministic; vdirsyncer's safe UIDs kept as they are. */
static void
test_hostile_uids (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *long_uid = g_strnfill (300, 'u');
  const char *uids[] = { "../x", "a/b", "..", ".", ".hidden", "", "\xff\xfe\x80", "a b",
                         "x\\y", "C:\\x", long_uid, "urn:uuid:1234", NULL };
  g_autofree char *safe = _concord_vcard_folder_file_name_for_uid ("abc-DEF_1.2+3");
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpstr (safe, ==, "abc-DEF_1.2+3.vcf");

  for (guint i = 0; uids[i] != NULL; i++)
    {
      g_autofree char *name = _concord_vcard_folder_file_name_for_uid (uids[i]);
      g_autofree char *again = _concord_vcard_folder_file_name_for_uid (uids[i]);

      g_assert_cmpstr (name, ==, again);
      g_assert_null (strchr (name, '/'));
      g_assert_null (strchr (name, '\\'));
      g_assert_cmpint (name[0], !=, '.');
      g_assert_null (strstr (name, ".."));
      g_assert_cmpuint (strlen (name), <=, 255);
      g_assert_true (g_str_has_suffix (name, ".vcf"));
      g_assert_true (g_utf8_validate (name, -1, NULL));
      /* Different UIDs, different names. */
      g_assert_false (g_hash_table_contains (names, name));
      g_hash_table_add (names, g_steal_pointer (&name));
    }

  /* Cards with such UIDs land inside the folder and are listed. */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(ConcordVCard) card = concord_vcard_new (3, uids[i]);
      g_autoptr(ConcordRecord) person = new_person ("h@example.com", "H", "U");
      g_autoptr(GError) error = NULL;
      g_autofree char *name = NULL;

      g_assert_true (concord_vcard_apply (card, person, NULL, NULL, &error));
      g_assert_no_error (error);
      name = _concord_connector_vcard_folder_create_card (f->connector, SELF, card, &error);
      g_assert_no_error (error);
      g_assert_true (file_exists (f, name));
    }
  {
    g_autoptr(GHashTable) all = list_all (f, SELF, NULL);
    g_autoptr(GPtrArray) in_dir = dir_names (f->dir);
    g_autofree char *parent = g_path_get_dirname (f->dir);
    g_autofree char *escaped = g_build_filename (parent, "x.vcf", NULL);

    g_assert_cmpuint (g_hash_table_size (all), ==, 4);
    g_assert_cmpuint (in_dir->len, ==, 4);
    g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  }

  /* A second card with the same UID never overwrites the first. */
  {
    g_autoptr(ConcordVCard) card = concord_vcard_new (3, "same-uid");
    g_autoptr(ConcordVCard) twin = concord_vcard_new (3, "same-uid");
    g_autoptr(ConcordRecord) one = new_person ("one@example.com", "One", "A");
    g_autoptr(ConcordRecord) two = new_person ("two@example.com", "Two", "B");
    g_autoptr(GError) error = NULL;
    g_autofree char *name = NULL;
    g_autofree char *contents = NULL;
    char *second;

    g_assert_true (concord_vcard_apply (card, one, NULL, NULL, NULL));
    g_assert_true (concord_vcard_apply (twin, two, NULL, NULL, NULL));
    name = _concord_connector_vcard_folder_create_card (f->connector, SELF, card, &error);
    g_assert_no_error (error);
    second = _concord_connector_vcard_folder_create_card (f->connector, SELF, twin, &error);
    g_assert_null (second);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
    contents = get_file (f, name);
    g_assert_nonnull (strstr (contents, "one@example.com"));
  }
}

/* vdirsyncer's collections: the sub-folders are address books, named by
 * their displayname file. */
static void
test_collections (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GHashTable) work = NULL;
  g_autoptr(GHashTable) home = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) root_types = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = NULL;

  /* An empty folder: the folder itself. */
  root_types = concord_connector_list_contact_types (CONCORD_CONNECTOR (f->connector));
  g_assert_cmpuint (root_types->len, ==, 1);
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (root_types, 0))->id, ==, SELF);

  put_file (f, "work/ada.vcf", ADA_CARD, -1);
  put_file (f, "work/displayname", "Work People\n", -1);
  put_file (f, "home/grace.vcf", GRACE_CARD, -1);
  put_file (f, "home/color", "#ff0000", -1);
  put_file (f, ".vdirsyncer/status", "{}", -1);

  types = concord_connector_list_contact_types (CONCORD_CONNECTOR (f->connector));
  g_assert_cmpuint (types->len, ==, 2);
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->id, ==, "home");
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->label, ==, "home");
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 1))->id, ==, "work");
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 1))->label, ==, "Work People");

  /* A person names a book by its id, its name in any case, or its
   * folder's path (the account's own folder for "."); nothing else. */
  {
    ConcordConnector *connector = CONCORD_CONNECTOR (f->connector);
    ConcordContactType *own = g_ptr_array_index (root_types, 0);
    ConcordContactType *book = g_ptr_array_index (types, 1);
    g_autofree char *dir_slash = g_strconcat (f->dir, "/", NULL);
    g_autofree char *work_path = g_build_filename (f->dir, "work", NULL);
    g_autofree char *work_slash = g_strconcat (work_path, "/", NULL);
    g_autofree char *home_path = g_build_filename (f->dir, "home", NULL);
    g_autofree char *parent = g_path_get_dirname (f->dir);

    g_assert_true (concord_connector_type_matches (connector, book, "work"));
    g_assert_true (concord_connector_type_matches (connector, book, "work/"));
    g_assert_true (concord_connector_type_matches (connector, book, "work people"));
    g_assert_true (concord_connector_type_matches (connector, book, work_path));
    g_assert_true (concord_connector_type_matches (connector, book, work_slash));
    g_assert_false (concord_connector_type_matches (connector, book, home_path));
    g_assert_false (concord_connector_type_matches (connector, book, "/elsewhere/work"));
    g_assert_false (concord_connector_type_matches (connector, book, f->dir));
    g_assert_false (concord_connector_type_matches (connector, book, "\xffwork"));
    g_assert_true (concord_connector_type_matches (connector, own, SELF));
    g_assert_true (concord_connector_type_matches (connector, own, f->dir));
    g_assert_true (concord_connector_type_matches (connector, own, dir_slash));
    g_assert_false (concord_connector_type_matches (connector, own, "./"));
    g_assert_false (concord_connector_type_matches (connector, own, parent));
    g_assert_false (concord_connector_type_matches (connector, own, work_path));
  }

  work = list_all (f, "work", NULL);
  home = list_all (f, "home", NULL);
  g_assert_cmpuint (g_hash_table_size (work), ==, 1);
  g_assert_true (g_hash_table_contains (work, "ada.vcf"));
  g_assert_cmpuint (g_hash_table_size (home), ==, 1);
  g_assert_true (g_hash_table_contains (home, "grace.vcf"));

  /* A create in a collection lands in its folder. */
  g_ptr_array_add (records, new_person ("w@example.com", "W", "Orker"));
  results = create (f, "work", records);
  {
    ConcordWriteResult *result = g_ptr_array_index (results, 0);
    g_autofree char *path = NULL;

    g_assert_no_error (result->error);
    path = g_build_filename ("work", concord_record_get_remote_id (result->record), NULL);
    g_assert_true (file_exists (f, path));
  }

  /* Not an address book: a hidden folder, a path, one that is not there. */
  page = concord_test_list_page (CONCORD_CONNECTOR (f->connector), ".vdirsyncer", NULL, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  page = concord_test_list_page (CONCORD_CONNECTOR (f->connector), "../work", NULL, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  page = concord_test_list_page (CONCORD_CONNECTOR (f->connector), "nowhere", NULL, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
}

static void
rewrite_email_cb (const char *path,
                  gpointer    user_data)
{
  const char *card = user_data;

  g_assert_true (g_file_set_contents (path, card, -1, NULL));
}

/* Another program edits the card while Concord writes it: the same field
 * → CONFLICT, theirs kept; another field → both kept. */
static void
test_concurrent_edit (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GHashTable) all = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *contents = NULL;

  put_file (f, "ada.vcf", ADA_CARD, -1);
  all = list_all (f, SELF, NULL);

  /* 1. Edited between the read and the write (the rename): theirs stays. */
  theirs = g_strdup (ADA_CARD);
  memcpy (strstr (theirs, "ada@example.com"), "ada@elsewhere.x", 15);
  _concord_connector_vcard_folder_set_commit_hook (f->connector, rewrite_email_cb, theirs);
  {
    g_autoptr(ConcordWriteResult) result = update_one (f, SELF, "ada.vcf", CONCORD_FIELD_FIRST_NAME,
                                                       "Augusta");

    g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  }
  _concord_connector_vcard_folder_set_commit_hook (f->connector, NULL, NULL);
  contents = get_file (f, "ada.vcf");
  g_assert_cmpstr (contents, ==, theirs);
  g_clear_pointer (&contents, g_free);
  {
    g_autoptr(GPtrArray) names = dir_names (f->dir);

    g_assert_cmpuint (names->len, ==, 1);
  }

  /* 2. Changed since the listing, in the field of the change: CONFLICT,
   * never a blind overwrite. The cache still holds ada@example.com only
   * if the card was not read again: list first. */
  g_clear_pointer (&all, g_hash_table_unref);
  all = list_all (f, SELF, NULL);
  put_file (f, "ada.vcf", ADA_CARD, -1);
  {
    g_autoptr(ConcordWriteResult) result = update_one (f, SELF, "ada.vcf", CONCORD_FIELD_EMAIL,
                                                       "concord@example.com");

    g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  }
  contents = get_file (f, "ada.vcf");
  g_assert_cmpstr (contents, ==, ADA_CARD);
  g_clear_pointer (&contents, g_free);

  /* 3. Changed since the listing in another field: the change is made on
   * the card as it is now, and the other edit stays. */
  g_clear_pointer (&all, g_hash_table_unref);
  all = list_all (f, SELF, NULL);
  {
    g_autofree char *noted = g_strdup (ADA_CARD);

    memcpy (strstr (noted, "a long note"), "A LONG NOTE", 11);
    put_file (f, "ada.vcf", noted, -1);
  }
  {
    g_autoptr(ConcordWriteResult) result = update_one (f, SELF, "ada.vcf", CONCORD_FIELD_EMAIL,
                                                       "concord@example.com");

    g_assert_no_error (result->error);
  }
  contents = get_file (f, "ada.vcf");
  g_assert_nonnull (strstr (contents, "A LONG NOTE"));
  g_assert_nonnull (strstr (contents, "concord@example.com"));

  /* 4. A delete of a card changed since read: refused (an edit beats a
   * delete). */
  g_clear_pointer (&all, g_hash_table_unref);
  all = list_all (f, SELF, NULL);
  put_file (f, "ada.vcf", GRACE_CARD, -1);
  {
    const char *ids[] = { "ada.vcf", NULL };
    g_autoptr(GPtrArray) results = delete_ids (f, SELF, ids);

    g_assert_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error,
                    CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
    g_assert_true (file_exists (f, "ada.vcf"));
  }
}

static void
kill_cb (const char *path,
         gpointer    user_data)
{
  raise (SIGKILL);
}

/* A kill -9 between the temporary file and the rename: the old card stays,
 * and the half-way file is never read as a card. */
static void
test_kill_between_temp_and_rename (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *contents = NULL;
  gboolean complete = FALSE;

  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("CONCORD_VCARD_KILL_DIR");
      g_autoptr(ConcordConnectorVCardFolder) connector = concord_connector_vcard_folder_new (dir, "GB");

      g_clear_object (&f->connector);
      f->connector = g_object_ref (connector);
      g_rmdir (f->dir);   /* the subprocess's own, empty: it never tears down */
      g_free (f->dir);
      f->dir = g_strdup (dir);
      g_clear_pointer (&all, g_hash_table_unref);
      all = list_all (f, SELF, NULL);
      _concord_connector_vcard_folder_set_commit_hook (connector, kill_cb, NULL);
      g_clear_pointer (&contents, g_free);
      {
        g_autoptr(ConcordWriteResult) result = update_one (f, SELF, "ada.vcf", CONCORD_FIELD_EMAIL,
                                                           "killed@example.com");
      }
      g_assert_not_reached ();
    }

  put_file (f, "ada.vcf", ADA_CARD, -1);
  g_setenv ("CONCORD_VCARD_KILL_DIR", f->dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();

  contents = get_file (f, "ada.vcf");
  g_assert_cmpstr (contents, ==, ADA_CARD);
  names = dir_names (f->dir);
  /* The card and the orphaned temporary file (hidden). */
  g_assert_cmpuint (names->len, ==, 2);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      g_assert_true (g_str_equal (name, "ada.vcf") || name[0] == '.');
    }

  all = list_all (f, SELF, &complete);
  g_assert_true (complete);
  g_assert_cmpuint (g_hash_table_size (all), ==, 1);
  g_assert_cmpstr (concord_record_get_text (g_hash_table_lookup (all, "ada.vcf"), CONCORD_FIELD_EMAIL),
                   ==, "ada@example.com");
  /* An hour later, a listing removes the orphan. */
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      struct timespec old_times[2] = { { time (NULL) - 7200, 0 }, { time (NULL) - 7200, 0 } };

      if (name[0] == '.')
        g_assert_cmpint (utimensat (AT_FDCWD, path, old_times, 0), ==, 0);
    }
  g_clear_pointer (&all, g_hash_table_unref);
  all = list_all (f, SELF, &complete);
  g_clear_pointer (&names, g_ptr_array_unref);
  names = dir_names (f->dir);
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "ada.vcf");
}

/* An unchanged file is not parsed again (the same record comes back); a
 * touched one is read but not parsed again; a changed one is. */
static void
test_cache (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  g_autoptr(GHashTable) third = NULL;
  g_autoptr(GHashTable) fourth = NULL;
  g_autofree char *path = g_build_filename (f->dir, "ada.vcf", NULL);
  struct timespec times[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

  put_file (f, "ada.vcf", ADA_CARD, -1);
  first = list_all (f, SELF, NULL);
  second = list_all (f, SELF, NULL);
  g_assert_true (g_hash_table_lookup (first, "ada.vcf") == g_hash_table_lookup (second, "ada.vcf"));

  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
  third = list_all (f, SELF, NULL);
  g_assert_true (g_hash_table_lookup (first, "ada.vcf") == g_hash_table_lookup (third, "ada.vcf"));

  /* Same size, other bytes, same second: still seen. */
  {
    g_autofree char *other = g_strdup (ADA_CARD);

    memcpy (strstr (other, "Ada Lovelace"), "Ada Lovelacf", 12);
    put_file (f, "ada.vcf", other, -1);
  }
  fourth = list_all (f, SELF, NULL);
  g_assert_true (g_hash_table_lookup (first, "ada.vcf") != g_hash_table_lookup (fourth, "ada.vcf"));
  g_assert_cmpstr (concord_record_get_version (g_hash_table_lookup (first, "ada.vcf")), !=,
                   concord_record_get_version (g_hash_table_lookup (fourth, "ada.vcf")));
}

/* A folder of vCard 4.0 cards gets 4.0 cards. */
static void
test_version_4 (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *contents = NULL;

  put_file (f, "four.vcf", V4_CARD, -1);
  g_ptr_array_add (records, new_person ("v4@example.com", "Vee", "Four"));
  results = create (f, SELF, records);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  contents = get_file (f, concord_record_get_remote_id (
                             ((ConcordWriteResult *) g_ptr_array_index (results, 0))->record));
  g_assert_true (g_str_has_prefix (contents, "BEGIN:VCARD\r\nVERSION:4.0\r\n"));
}

/* More cards than a page: each listed once, over several pages. */
static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  guint page_size = concord_connector_get_page_size (CONCORD_CONNECTOR (f->connector));
  guint n = page_size * 2 + 7;
  g_autoptr(GHashTable) all = NULL;
  gboolean complete = FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%05u.vcf", i);
      g_autofree char *card = g_strdup_printf ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p%u\r\nFN:P %u\r\n"
                                               "N:%u;P;;;\r\nEMAIL:p%u@example.com\r\nEND:VCARD\r\n",
                                               i, i, i, i);

      put_file (f, name, card, -1);
    }
  all = list_all (f, SELF, &complete);
  g_assert_true (complete);
  g_assert_cmpuint (g_hash_table_size (all), ==, n);
}

/* One listing to its end with @cursor: records by remote id; the last
 * page's cursor, deleted ids and completeness. */
static GHashTable *
list_since (Fixture      *f,
            const char   *cursor,
            char        **next_cursor,
            GPtrArray   **deleted,
            gboolean     *complete)
{
  GHashTable *all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) concord_record_unref);
  g_autofree char *token = NULL;

  *deleted = g_ptr_array_new_with_free_func (g_free);
  for (;;)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(ConcordPage) page = NULL;
      g_autoptr(GError) error = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_list_async (CONCORD_CONNECTOR (f->connector), SELF, cursor, token, NULL,
                                    concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      page = concord_connector_list_finish (CONCORD_CONNECTOR (f->connector), result, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < page->records->len; i++)
        {
          ConcordRecord *record = g_ptr_array_index (page->records, i);

          g_hash_table_insert (all, g_strdup (concord_record_get_remote_id (record)),
                               concord_record_ref (record));
        }
      for (guint i = 0; i < page->deleted->len; i++)
        g_ptr_array_add (*deleted, g_strdup (g_ptr_array_index (page->deleted, i)));
      g_free (token);
      token = g_strdup (page->next_page);
      if (token == NULL)
        {
          *next_cursor = g_strdup (page->cursor);
          *complete = page->complete;
          return all;
        }
    }
}

/* A listing with the cursor of the last one lists only what changed
 * since, and the cards removed; the connector's own writes are not
 * changes; a new connector (a new process) knows the cursor and the cards
 * from the persistent state; a cursor it does not know gets a complete
 * listing. */
static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  g_autoptr(GHashTable) third = NULL;
  g_autoptr(GHashTable) fourth = NULL;
  g_autoptr(GHashTable) fifth = NULL;
  g_autoptr(GHashTable) sixth = NULL;
  g_autoptr(GPtrArray) deleted = NULL;
  g_autofree char *cursor1 = NULL;
  g_autofree char *cursor2 = NULL;
  g_autofree char *cursor3 = NULL;
  g_autofree char *cursor4 = NULL;
  g_autofree char *cursor5 = NULL;
  g_autofree char *unknown = g_strconcat ("vcf1:", "0b7f5e9c-3a43-4c1e-9d2b-5a8e2f9d1c11", NULL);
  gboolean complete = FALSE;

  g_assert_true (concord_connector_get_flags (CONCORD_CONNECTOR (f->connector)) &
                 CONCORD_CONNECTOR_INCREMENTAL);
  put_file (f, "ada.vcf", ADA_CARD, -1);
  put_file (f, "grace.vcf", GRACE_CARD, -1);
  put_file (f, "four.vcf", V4_CARD, -1);

  first = list_since (f, NULL, &cursor1, &deleted, &complete);
  g_assert_true (complete);
  g_assert_cmpuint (g_hash_table_size (first), ==, 3);
  g_assert_nonnull (cursor1);
  g_clear_pointer (&deleted, g_ptr_array_unref);

  /* One edited, one added, one removed. */
  {
    g_autofree char *edited = g_strdup (GRACE_CARD);

    memcpy (strstr (edited, "Hopper;Grace"), "Hoppir;Grace", 12);
    put_file (f, "grace.vcf", edited, -1);
  }
  put_file (f, "new.vcf", V4_CARD, -1);
  {
    g_autofree char *path = g_build_filename (f->dir, "four.vcf", NULL);

    g_assert_cmpint (g_unlink (path), ==, 0);
  }
  second = list_since (f, cursor1, &cursor2, &deleted, &complete);
  g_assert_false (complete);
  g_assert_cmpuint (g_hash_table_size (second), ==, 2);
  g_assert_true (g_hash_table_contains (second, "grace.vcf"));
  g_assert_true (g_hash_table_contains (second, "new.vcf"));
  g_assert_cmpuint (deleted->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (deleted, 0), ==, "four.vcf");
  g_clear_pointer (&deleted, g_ptr_array_unref);

  /* The connector's own write after the listing: not a change. */
  {
    g_autoptr(ConcordWriteResult) result = update_one (f, SELF, "ada.vcf", CONCORD_FIELD_FIRST_NAME,
                                                       "Augusta");

    g_assert_no_error (result->error);
  }
  third = list_since (f, cursor2, &cursor3, &deleted, &complete);
  g_assert_cmpuint (g_hash_table_size (third), ==, 0);
  g_assert_cmpuint (deleted->len, ==, 0);
  g_clear_pointer (&deleted, g_ptr_array_unref);

  /* A new connector: the same cursor, nothing changed, nothing listed;
   * then another program's edit is seen. */
  g_clear_object (&f->connector);
  f->connector = concord_connector_vcard_folder_new (f->dir, "GB");
  fourth = list_since (f, cursor3, &cursor4, &deleted, &complete);
  g_assert_cmpuint (g_hash_table_size (fourth), ==, 0);
  g_assert_cmpuint (deleted->len, ==, 0);
  g_clear_pointer (&deleted, g_ptr_array_unref);
  put_file (f, "ada.vcf", ADA_CARD, -1);
  fifth = list_since (f, cursor4, &cursor5, &deleted, &complete);
  g_assert_cmpuint (g_hash_table_size (fifth), ==, 1);
  g_assert_cmpstr (concord_record_get_text (g_hash_table_lookup (fifth, "ada.vcf"),
                                            CONCORD_FIELD_FIRST_NAME), ==, "Ada");
  g_clear_pointer (&deleted, g_ptr_array_unref);

  /* A card edited between the schema (which checked every card) and the
   * listing right after it: seen by the next listing, never lost. */
  {
    g_autoptr(GPtrArray) schema = NULL;
    g_autoptr(GHashTable) after_schema = NULL;
    g_autoptr(GHashTable) next = NULL;
    g_autofree char *cursor6 = NULL;
    g_autofree char *cursor7 = NULL;
    g_autoptr(GError) error = NULL;
    GAsyncResult *slot = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    concord_connector_load_schema_async (CONCORD_CONNECTOR (f->connector), SELF, NULL,
                                         concord_test_store_result_cb, &slot);
    result = concord_test_wait_for_result (&slot);
    schema = concord_connector_load_schema_finish (CONCORD_CONNECTOR (f->connector), result, &error);
    g_assert_no_error (error);
    put_file (f, "grace.vcf", GRACE_CARD, -1);
    after_schema = list_since (f, cursor5, &cursor6, &deleted, &complete);
    g_clear_pointer (&deleted, g_ptr_array_unref);
    next = list_since (f, cursor6, &cursor7, &deleted, &complete);
    g_clear_pointer (&deleted, g_ptr_array_unref);
    g_assert_cmpuint (g_hash_table_size (after_schema) + g_hash_table_size (next), ==, 1);
    g_assert_true (g_hash_table_contains (after_schema, "grace.vcf") ||
                   g_hash_table_contains (next, "grace.vcf"));
  }

  /* Cursors it does not know: a complete listing, never a partial one. */
  {
    const char *bogus[] = { unknown, "vcf1:../../../etc/passwd", "vcf1:", "1234", "", NULL };

    for (guint i = 0; bogus[i] != NULL; i++)
      {
        g_autofree char *next = NULL;

        g_clear_pointer (&sixth, g_hash_table_unref);
        sixth = list_since (f, bogus[i], &next, &deleted, &complete);
        g_assert_true (complete);
        g_assert_cmpuint (g_hash_table_size (sixth), ==, 3);
        g_clear_pointer (&deleted, g_ptr_array_unref);
      }
  }
}

/* A damaged persistent state is an empty one: the listing reads the cards. */
static void
test_damaged_state (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  g_autoptr(GPtrArray) deleted = NULL;
  g_autofree char *cursor1 = NULL;
  g_autofree char *cursor2 = NULL;
  g_autofree char *root = g_build_filename (f->dir, "..", "state-of-damaged", NULL);
  gboolean complete = FALSE;

  g_clear_object (&f->connector);
  f->connector = concord_connector_vcard_folder_new (f->dir, "GB");
  _concord_connector_vcard_folder_set_state_root (f->connector, root);
  put_file (f, "ada.vcf", ADA_CARD, -1);
  first = list_since (f, NULL, &cursor1, &deleted, &complete);
  g_clear_pointer (&deleted, g_ptr_array_unref);
  g_clear_object (&f->connector);

  /* Every state file replaced by garbage of every kind. */
  {
    g_autoptr(GDir) dir = g_dir_open (root, 0, NULL);
    const char *sub;

    g_assert_nonnull (dir);
    while ((sub = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (root, sub, NULL);
        g_autoptr(GDir) files = g_dir_open (path, 0, NULL);
        const char *name;

        while ((name = g_dir_read_name (files)) != NULL)
          {
            g_autofree char *file = g_build_filename (path, name, NULL);

            g_assert_true (g_file_set_contents (file, "\xff\x00garbage\x01\x02\x03", 12, NULL));
          }
      }
  }

  f->connector = concord_connector_vcard_folder_new (f->dir, "GB");
  _concord_connector_vcard_folder_set_state_root (f->connector, root);
  second = list_since (f, cursor1, &cursor2, &deleted, &complete);
  g_assert_true (complete);
  g_assert_cmpuint (g_hash_table_size (second), ==, 1);
  g_assert_cmpstr (concord_record_get_text (g_hash_table_lookup (second, "ada.vcf"),
                                            CONCORD_FIELD_EMAIL), ==, "ada@example.com");
  g_clear_object (&f->connector);   /* it keeps its state when it goes */
  {
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", root);

    g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  }
}

static void
on_changed_cb (ConcordConnector *connector,
               gpointer          user_data)
{
  ((Fixture *) user_data)->n_changed++;
}

static gboolean
quiet_for_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the main context for @ms. */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, quiet_for_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* An edit written by another process is reported within seconds; the
 * connector's own writes are not. */
static void
test_monitor (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GHashTable) all = NULL;
  g_autofree char *command = NULL;
  g_autofree char *path = g_build_filename (f->dir, "grace.vcf", NULL);
  g_autoptr(GError) error = NULL;
  gint64 start;
  int status = 0;

  put_file (f, "ada.vcf", ADA_CARD, -1);
  _concord_connector_vcard_folder_set_debounce (f->connector, 200);
  g_signal_connect (f->connector, "changed", G_CALLBACK (on_changed_cb), f);
  g_assert_true (concord_connector_watch_changes (CONCORD_CONNECTOR (f->connector)));
  all = list_all (f, SELF, NULL);

  /* Concord's own write: no report. */
  {
    g_autoptr(ConcordWriteResult) result = update_one (f, SELF, "ada.vcf", CONCORD_FIELD_FIRST_NAME,
                                                       "Augusta");

    g_assert_no_error (result->error);
  }
  spin (1000);
  g_assert_cmpuint (f->n_changed, ==, 0);

  /* Another process writes a new card. */
  command = g_strdup_printf ("sh -c 'printf \"%%s\" \"$0\" > \"$1\"' '%s' '%s'", GRACE_CARD, path);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  CONCORD_TEST_WAIT_FOR (f->n_changed > 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);

  /* Listed, and no further report. */
  g_clear_pointer (&all, g_hash_table_unref);
  all = list_all (f, SELF, NULL);
  g_assert_cmpuint (g_hash_table_size (all), ==, 2);
  f->n_changed = 0;
  spin (600);
  g_assert_cmpuint (f->n_changed, ==, 0);

  /* A deletion by another process is reported too. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  CONCORD_TEST_WAIT_FOR (f->n_changed > 0);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/vcard-folder/crud", Fixture, NULL, setup, test_crud, teardown);
  g_test_add ("/concord/vcard-folder/bad-files", Fixture, NULL, setup, test_bad_files, teardown);
  g_test_add ("/concord/vcard-folder/hostile-uids", Fixture, NULL, setup, test_hostile_uids, teardown);
  g_test_add ("/concord/vcard-folder/collections", Fixture, NULL, setup, test_collections, teardown);
  g_test_add ("/concord/vcard-folder/concurrent-edit", Fixture, NULL, setup, test_concurrent_edit, teardown);
  g_test_add ("/concord/vcard-folder/kill-between-temp-and-rename", Fixture, NULL, setup,
              test_kill_between_temp_and_rename, teardown);
  g_test_add ("/concord/vcard-folder/cache", Fixture, NULL, setup, test_cache, teardown);
  g_test_add ("/concord/vcard-folder/version-4", Fixture, NULL, setup, test_version_4, teardown);
  g_test_add ("/concord/vcard-folder/paging", Fixture, NULL, setup, test_paging, teardown);
  g_test_add ("/concord/vcard-folder/monitor", Fixture, NULL, setup, test_monitor, teardown);
  g_test_add ("/concord/vcard-folder/incremental", Fixture, NULL, setup, test_incremental, teardown);
  g_test_add ("/concord/vcard-folder/damaged-state", Fixture, NULL, setup, test_damaged_state, teardown);

  return g_test_run ();
}
