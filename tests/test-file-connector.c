/* test-file-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * ConcordFileConnector, the base of apps that are a file on this computer:
 * it must see every change of the file's bytes (not only of its time), never
 * lose or half-write the file, refuse damaged or huge files with an error
 * that names the place and no contact data, and let two connectors share
 * one file. Tested through a minimal subclass whose format is one record a
 * line: "ID EMAIL", and through the Sample CRM, which is built on it.
 */

#define G_LOG_DOMAIN "test-file-connector"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "concord-connector-sample.h"
#include "concord-error.h"
#include "concord-file-connector-private.h"
#include "concord-test-utils.h"

/* ------------------------------------------------------------------------- */
/* A line-based app                                                          */
/* ------------------------------------------------------------------------- */

#define TEST_TYPE_LINES (test_lines_get_type ())
G_DECLARE_FINAL_TYPE (TestLines, test_lines, TEST, LINES, ConcordFileConnector)

struct _TestLines
{
  ConcordFileConnector parent_instance;

  GPtrArray *records;   /* (owned): ConcordRecord (owned), in file order */
  guint      n_parsed;  /* how often the file was parsed */
  guint      n_changed; /* "changed" emissions */
};

G_DEFINE_FINAL_TYPE (TestLines, test_lines, CONCORD_TYPE_FILE_CONNECTOR)

static const char *
test_lines_get_app_id (ConcordConnector *connector)
{
  return "lines";
}

static gboolean
test_lines_parse (ConcordFileConnector  *connector,
                  GBytes                *bytes,
                  GError               **error)
{
  TestLines *self = TEST_LINES (connector);
  g_autoptr(GPtrArray) records =
    g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = NULL;
      ConcordRecord *record;

      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;  /* the end of the last line */

      parts = g_strsplit (lines[i], " ", -1);
      if (g_strv_length (parts) != 2 || !concord_email_is_valid (parts[1]))
        {
          g_propagate_error (error, concord_file_connector_new_parse_error (
                                      connector, i + 1, "expected an id and an email"));
          return FALSE;
        }

      record = concord_record_new (parts[0]);
      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, parts[1]);
      g_ptr_array_add (records, record);
    }

  g_ptr_array_unref (self->records);
  self->records = g_steal_pointer (&records);
  self->n_parsed++;

  return TRUE;
}

static GBytes *
test_lines_serialise (ConcordFileConnector  *connector,
                      GError               **error)
{
  TestLines *self = TEST_LINES (connector);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < self->records->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (self->records, i);

      g_string_append_printf (text, "%s %s\n", concord_record_get_remote_id (record),
                              concord_record_get_text (record, CONCORD_FIELD_EMAIL));
    }

  return g_string_free_to_bytes (text);
}

static void
test_lines_reset (ConcordFileConnector *connector)
{
  TestLines *self = TEST_LINES (connector);

  g_ptr_array_set_size (self->records, 0);
}

static void
test_lines_finalize (GObject *object)
{
  TestLines *self = TEST_LINES (object);

  g_clear_pointer (&self->records, g_ptr_array_unref);

  G_OBJECT_CLASS (test_lines_parent_class)->finalize (object);
}

static void
test_lines_class_init (TestLinesClass *klass)
{
  ConcordFileConnectorClass *file_class = CONCORD_FILE_CONNECTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_lines_finalize;
  CONCORD_CONNECTOR_CLASS (klass)->get_app_id = test_lines_get_app_id;
  file_class->parse = test_lines_parse;
  file_class->serialise = test_lines_serialise;
  file_class->reset = test_lines_reset;
}

static void
on_changed_cb (ConcordConnector *connector,
               gpointer          user_data)
{
  TEST_LINES (connector)->n_changed++;
}

static void
test_lines_init (TestLines *self)
{
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_signal_connect (self, "changed", G_CALLBACK (on_changed_cb), NULL);
}

static TestLines *
test_lines_new (const char *path)
{
  return g_object_new (TEST_TYPE_LINES, "path", path, NULL);
}

/* A write call as a subclass makes one: load, change, save. */
static gboolean
test_lines_add (TestLines   *self,
                const char  *id,
                const char  *email,
                GError     **error)
{
  ConcordRecord *record;

  if (!concord_file_connector_load (CONCORD_FILE_CONNECTOR (self), error))
    return FALSE;

  record = concord_record_new (id);
  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  g_ptr_array_add (self->records, record);

  return concord_file_connector_save (CONCORD_FILE_CONNECTOR (self), error);
}

static const char *
email_at (TestLines *self,
          guint      index)
{
  g_assert_cmpuint (index, <, self->records->len);
  return concord_record_get_text (g_ptr_array_index (self->records, index), CONCORD_FIELD_EMAIL);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->dir = g_build_filename (g_get_user_data_dir (), "lines", NULL);
  f->path = g_build_filename (f->dir, "app.txt", NULL);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  concord_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
write_file (const char *path,
            const char *contents,
            gssize      length)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, length, NULL));
}

static char *
read_file (const char *path,
           gsize      *length)
{
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, length, NULL));
  return contents;
}

static void
set_mtime (const char *path,
           time_t      mtime)
{
  struct utimbuf times = { mtime, mtime };

  g_assert_cmpint (g_utime (path, &times), ==, 0);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;

  return n;
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

/* Nothing is read before the first call; an unchanged file is not parsed
 * again; a changed one is, even with the same size and time. */
static void
test_lazy_and_reread (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TestLines) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *other = g_build_filename (f->dir, "other.txt", NULL);

  write_file (f->path, "a1 ann@example.com\n", -1);
  set_mtime (f->path, 1700000000);

  app = test_lines_new (f->path);
  g_assert_cmpstr (concord_file_connector_get_path (CONCORD_FILE_CONNECTOR (app)), ==, f->path);
  g_assert_cmpuint (app->n_parsed, ==, 0);

  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (app->n_parsed, ==, 1);
  g_assert_cmpstr (email_at (app, 0), ==, "ann@example.com");

  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_cmpuint (app->n_parsed, ==, 1);

  /* Replaced underneath (a new file renamed over it), same size, same time */
  write_file (other, "a1 bob@example.com\n", -1);
  set_mtime (other, 1700000000);
  g_assert_cmpint (g_rename (other, f->path), ==, 0);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (app->n_parsed, ==, 2);
  g_assert_cmpstr (email_at (app, 0), ==, "bob@example.com");

  /* Rewritten in place, same size, its time set back */
  write_file (f->path, "a1 cat@example.com\n", -1);
  set_mtime (f->path, 1700000000);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_cmpuint (app->n_parsed, ==, 3);
  g_assert_cmpstr (email_at (app, 0), ==, "cat@example.com");

  /* Touched only: the same bytes are not parsed again */
  set_mtime (f->path, 1800000000);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_cmpuint (app->n_parsed, ==, 3);
}

typedef struct
{
  const char   *name;
  const char   *contents;
  gsize         length;    /* 0: up to the NUL */
  gint          code;
  const char   *place;     /* in the message, or NULL */
} Damage;

static const Damage damages[] = {
  { "truncated", "a1 ann@example.com\nb2 bo", 0, CONCORD_ERROR_PARSE, "line 2" },
  { "garbage", "\x01\x02{{{{ \x7f", 0, CONCORD_ERROR_PARSE, "line 1" },
  { "nul", "a1 ann@example.com\n\0\0\0", 22, CONCORD_ERROR_PARSE, "line 2" },
  { "invalid-utf8", "a1 ann@example.com\nb2 b\xffo@example.com\nc3 x@example.com\n", 0,
    CONCORD_ERROR_PARSE, "line 2" },
};

/* A damaged file fails the call with an error that names the file and
 * the line and holds no contact data, and is never written over: its
 * bytes stay for the person to repair, and the state read before stays. */
static void
test_damaged (Fixture       *f,
              gconstpointer  data)
{
  for (guint d = 0; d < G_N_ELEMENTS (damages); d++)
    {
      const Damage *damage = &damages[d];
      g_autoptr(TestLines) app = test_lines_new (f->path);
      g_autoptr(GError) error = NULL;
      g_autofree char *after = NULL;
      gsize size = damage->length != 0 ? damage->length : strlen (damage->contents);
      gsize length = 0;

      g_test_message ("damage: %s", damage->name);

      write_file (f->path, "z9 zoe@example.com\n", -1);
      g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));

      write_file (f->path, damage->contents, (gssize) size);
      g_assert_false (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
      g_assert_error (error, CONCORD_ERROR, damage->code);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "app.txt"));
      g_assert_nonnull (strstr (error->message, damage->place));
      g_assert_null (strstr (error->message, "example.com"));
      g_clear_error (&error);

      /* The state read before stays; a write call fails and writes nothing */
      g_assert_cmpuint (app->records->len, ==, 1);
      g_assert_cmpstr (email_at (app, 0), ==, "zoe@example.com");
      g_assert_false (test_lines_add (app, "n1", "new@example.com", &error));
      g_assert_error (error, CONCORD_ERROR, damage->code);

      after = read_file (f->path, &length);
      g_assert_cmpmem (after, length, damage->contents, size);
      g_assert_cmpuint (count_files (f->dir), ==, 1);
    }
}

/* A file over the bound is refused before it is read, and left alone. */
static void
test_huge (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(TestLines) app = test_lines_new (f->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new (NULL);
  g_autofree char *after = NULL;
  gsize length = 0;

  g_assert_cmpuint (concord_file_connector_get_max_bytes (CONCORD_FILE_CONNECTOR (app)), ==,
                    CONCORD_FILE_CONNECTOR_DEFAULT_MAX_BYTES);
  concord_file_connector_set_max_bytes (CONCORD_FILE_CONNECTOR (app), 4096);

  for (guint i = 0; big->len <= 4096; i++)
    g_string_append_printf (big, "p%u person%u@example.com\n", i, i);
  write_file (f->path, big->str, (gssize) big->len);

  g_assert_false (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "app.txt"));
  g_assert_cmpuint (app->n_parsed, ==, 0);
  g_clear_error (&error);

  g_assert_false (test_lines_add (app, "n1", "new@example.com", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE);

  after = read_file (f->path, &length);
  g_assert_cmpmem (after, length, big->str, big->len);

  /* Within the bound, it reads */
  concord_file_connector_set_max_bytes (CONCORD_FILE_CONNECTOR (app), big->len);
  g_clear_error (&error);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (app->n_parsed, ==, 1);
}

/* A save that fails half way (a full disk) leaves the old file whole and
 * no temporary file; the connector forgets the batch the file did not
 * take and reads the file again. */
static void
test_save_fails_half_way (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(TestLines) app = test_lines_new (f->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  const char *before = "a1 ann@example.com\nb2 bob@example.com\n";
  gsize length = 0;

  write_file (f->path, before, -1);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_cmpuint (app->n_parsed, ==, 1);

  _concord_file_connector_fail_next_save_after (CONCORD_FILE_CONNECTOR (app), 10);
  g_assert_false (test_lines_add (app, "c3", "cat@example.com", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "app.txt"));
  g_clear_error (&error);

  after = read_file (f->path, &length);
  g_assert_cmpmem (after, length, before, strlen (before));
  g_assert_cmpuint (count_files (f->dir), ==, 1);

  /* Forgotten: read again, without the record the file did not take */
  g_assert_cmpuint (app->records->len, ==, 0);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_cmpuint (app->n_parsed, ==, 2);
  g_assert_cmpuint (app->records->len, ==, 2);

  /* The next save goes through */
  g_assert_true (test_lines_add (app, "c3", "cat@example.com", &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, g_free);
  after = read_file (f->path, &length);
  g_assert_cmpstr (after, ==, "a1 ann@example.com\nb2 bob@example.com\nc3 cat@example.com\n");
}

/* A missing file is an empty app; the first save creates it and its
 * folder, readable by its owner only. */
static void
test_missing_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TestLines) app = test_lines_new (f->path);
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (app->records->len, ==, 0);
  g_assert_cmpuint (app->n_parsed, ==, 0);

  g_assert_true (test_lines_add (app, "a1", "ann@example.com", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Deleted: empty again, whatever it held */
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_cmpuint (app->records->len, ==, 0);
}

/* Two connectors on one file never undo each other's writes. */
static void
test_two_connectors (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TestLines) a = test_lines_new (f->path);
  g_autoptr(TestLines) b = test_lines_new (f->path);
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (a), &error));
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (b), &error));

  g_assert_true (test_lines_add (a, "a1", "ann@example.com", &error));
  g_assert_true (test_lines_add (b, "b1", "bob@example.com", &error));
  g_assert_true (test_lines_add (a, "a2", "amy@example.com", &error));
  g_assert_no_error (error);

  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (b), &error));
  g_assert_cmpuint (b->records->len, ==, 3);
  g_assert_cmpstr (email_at (b, 0), ==, "ann@example.com");
  g_assert_cmpstr (email_at (b, 1), ==, "bob@example.com");
  g_assert_cmpstr (email_at (b, 2), ==, "amy@example.com");

  /* A's own save is what it last saw: not parsed again */
  g_assert_cmpuint (a->n_parsed, ==, 1);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (a), &error));
  g_assert_cmpuint (a->n_parsed, ==, 1);
}

/* Once watching, a change of the file by someone else is reported. */
static void
test_watch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(TestLines) app = test_lines_new (f->path);
  g_autoptr(GError) error = NULL;

  write_file (f->path, "a1 ann@example.com\n", -1);
  g_assert_true (concord_file_connector_load (CONCORD_FILE_CONNECTOR (app), &error));
  g_assert_true (concord_connector_watch_changes (CONCORD_CONNECTOR (app)));
  g_assert_true (concord_connector_watch_changes (CONCORD_CONNECTOR (app)));
  g_assert_cmpuint (concord_connector_get_rate_budget (CONCORD_CONNECTOR (app)), ==, 0);

  write_file (f->path, "a1 ann@example.com\nb2 bob@example.com\n", -1);
  CONCORD_TEST_WAIT_FOR (app->n_changed > 0);
}

static GPtrArray *
create_one (ConcordConnector  *crm,
            const char        *email,
            GError           **error)
{
  g_autoptr(GPtrArray) records =
    g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GAsyncResult) result = NULL;
  ConcordRecord *record = concord_record_new (NULL);
  GAsyncResult *slot = NULL;

  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  g_ptr_array_add (records, record);
  concord_connector_create_async (crm, CONCORD_SAMPLE_CRM_PEOPLE, records, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);

  return concord_connector_create_finish (crm, result, error);
}

/* The Sample CRM on the base: a batch its file does not take fails whole,
 * the file keeps what it had, and the next call reads it again. */
static void
test_sample_crm_save_fails (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "sample-crm.json", NULL);
  g_autoptr(ConcordConnectorSample) crm =
    concord_connector_sample_new (path, CONCORD_SAMPLE_CRM_KEY);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length = 0;
  gsize after_length = 0;
  GAsyncResult *slot = NULL;

  g_assert_true (CONCORD_IS_FILE_CONNECTOR (crm));
  results = create_one (CONCORD_CONNECTOR (crm), "ann@example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  g_clear_pointer (&results, g_ptr_array_unref);
  before = read_file (path, &before_length);

  _concord_file_connector_fail_next_save_after (CONCORD_FILE_CONNECTOR (crm), 100);
  results = create_one (CONCORD_CONNECTOR (crm), "bob@example.com", &error);
  g_assert_null (results);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "sample-crm.json"));
  g_assert_null (strstr (error->message, "example.com"));

  after = read_file (path, &after_length);
  g_assert_cmpmem (after, after_length, before, before_length);
  g_assert_cmpuint (count_files (f->dir), ==, 1);
  g_clear_error (&error);

  concord_connector_list_async (CONCORD_CONNECTOR (crm), CONCORD_SAMPLE_CRM_PEOPLE, NULL, NULL,
                                NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  page = concord_connector_list_finish (CONCORD_CONNECTOR (crm), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->records->len, ==, 1);
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (page->records, 0),
                                            CONCORD_FIELD_EMAIL), ==, "ann@example.com");
}

int
main (int    argc,
      char **argv)
{
  concord_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/concord/file-connector/" name, Fixture, NULL, setup, func, teardown)
  ADD ("lazy-and-reread", test_lazy_and_reread);
  ADD ("damaged", test_damaged);
  ADD ("huge", test_huge);
  ADD ("save-fails-half-way", test_save_fails_half_way);
  ADD ("missing-file", test_missing_file);
  ADD ("two-connectors", test_two_connectors);
  ADD ("watch", test_watch);
  ADD ("sample-crm-save-fails", test_sample_crm_save_fails);
#undef ADD

  return g_test_run ();
}
