/* test-memory-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The in-memory app the engine's tests and benchmarks run against: if it did
 * not behave like a real API server (paging, ids, times, batch limits,
 * immutable records, faults), the engine's tests would prove nothing. Also the
 * defaults of the ConcordConnector base class.
 */

#define G_LOG_DOMAIN "test-memory-connector"

#include "config.h"

#include "concord-connector.h"
#include "concord-error.h"
#include "concord-memory-connector.h"
#include "concord-test-utils.h"
#include "concord-write-batch.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static ConcordRecord *
make_record (const char *email,
             const char *first_name)
{
  ConcordRecord *record = concord_record_new (NULL);

  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  if (first_name != NULL)
    concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                             first_name);

  return record;
}

static ConcordMemoryConnector *
new_app (ConcordConnectorFlags flags)
{
  return concord_memory_connector_new ("app", flags);
}

static GPtrArray *
insert_n (ConcordMemoryConnector *conn,
          guint                   n)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = g_strdup_printf ("person%u@example.com", i);
      g_autoptr(ConcordRecord) record = make_record (email, "Ann");
      ConcordRecord *stored = concord_memory_connector_insert (conn, record);

      g_assert_nonnull (stored);
      g_ptr_array_add (ids, g_strdup (concord_record_get_remote_id (stored)));
    }

  return ids;
}

static ConcordPage *
list_page (ConcordMemoryConnector  *conn,
           const char              *cursor,
           const char              *page_token,
           GCancellable            *cancellable,
           GError                 **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_list_async (CONCORD_CONNECTOR (conn), "contacts", cursor, page_token,
                                cancellable, concord_test_store_result_cb, &slot);
  /* Never completed inside the call. */
  g_assert_null (slot);
  result = concord_test_wait_for_result (&slot);

  return concord_connector_list_finish (CONCORD_CONNECTOR (conn), result, error);
}

/* Lists every page; returns the records and the last page's cursor and
 * completeness. */
static GPtrArray *
list_all (ConcordMemoryConnector  *conn,
          const char              *cursor,
          char                   **cursor_out,
          gboolean                *complete_out,
          guint                   *n_pages_out)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autofree char *token = NULL;
  guint n_pages = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcordPage) page = list_page (conn, cursor, token, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (page);
      n_pages++;

      for (guint i = 0; i < page->records->len; i++)
        g_ptr_array_add (records, concord_record_ref (g_ptr_array_index (page->records, i)));

      g_free (token);
      token = g_steal_pointer (&page->next_page);
      if (token == NULL)
        {
          if (cursor_out != NULL)
            *cursor_out = g_steal_pointer (&page->cursor);
          if (complete_out != NULL)
            *complete_out = page->complete;
          break;
        }

      /* Only the last page carries a cursor and completeness. */
      g_assert_null (page->cursor);
      g_assert_false (page->complete);
      g_assert_cmpuint (page->records->len, >, 0);
    }

  if (n_pages_out != NULL)
    *n_pages_out = n_pages;

  return records;
}

static GPtrArray *
create_records (ConcordMemoryConnector  *conn,
                GPtrArray               *records,
                GCancellable            *cancellable,
                GError                 **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_create_async (CONCORD_CONNECTOR (conn), "contacts", records, cancellable,
                                  concord_test_store_result_cb, &slot);
  g_assert_null (slot);
  result = concord_test_wait_for_result (&slot);

  return concord_connector_create_finish (CONCORD_CONNECTOR (conn), result, error);
}

static GPtrArray *
update_records (ConcordMemoryConnector  *conn,
                GPtrArray               *changes,
                GError                 **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_update_async (CONCORD_CONNECTOR (conn), "contacts", changes, NULL,
                                  concord_test_store_result_cb, &slot);
  g_assert_null (slot);
  result = concord_test_wait_for_result (&slot);

  return concord_connector_update_finish (CONCORD_CONNECTOR (conn), result, error);
}

/* The text of @key in what the server holds for @remote_id. */
static const char *
stored_text (ConcordMemoryConnector *conn,
             const char             *remote_id,
             const char             *key)
{
  ConcordRecord *record = concord_memory_connector_lookup (conn, remote_id);

  g_assert_nonnull (record);
  return concord_record_get_text (record, key);
}

static GPtrArray *
new_record_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
}

static GPtrArray *
new_change_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
}

static ConcordWriteResult *
result_at (GPtrArray *results,
           guint      i)
{
  ConcordWriteResult *result = g_ptr_array_index (results, i);

  g_assert_cmpuint (result->index, ==, i);
  return result;
}

/* ------------------------------------------------------------------------- */
/* Listing                                                                   */
/* ------------------------------------------------------------------------- */

static void
test_paging (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 103);
  const guint sizes[] = { 1, 7, 10, 50, 103, 500 };

  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 103);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(GPtrArray) records = NULL;
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree char *cursor = NULL;
      gboolean complete = FALSE;
      guint n_pages = 0;

      concord_memory_connector_set_page_size (conn, sizes[s]);
      concord_memory_connector_reset_counters (conn);
      records = list_all (conn, NULL, &cursor, &complete, &n_pages);

      g_assert_cmpuint (records->len, ==, 103);
      g_assert_cmpuint (n_pages, ==, (103 + sizes[s] - 1) / sizes[s]);
      g_assert_cmpuint (concord_memory_connector_get_n_list_calls (conn), ==, n_pages);
      g_assert_true (complete);
      /* Not an incremental app: no cursor. */
      g_assert_null (cursor);

      for (guint i = 0; i < records->len; i++)
        {
          const char *id = concord_record_get_remote_id (g_ptr_array_index (records, i));

          g_assert_nonnull (id);
          g_assert_true (g_hash_table_add (seen, (gpointer) id));
          /* Insertion order. */
          g_assert_cmpstr (id, ==, g_ptr_array_index (ids, i));
        }
      g_assert_cmpuint (g_hash_table_size (seen), ==, 103);
    }
}

static void
test_paging_stable_after_edits (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 20);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(ConcordRecord) edited = NULL;

  /* A replaced record keeps its place; a removed one is gone. */
  edited = concord_record_copy (concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 3)));
  concord_record_set_text (edited, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "Acme");
  g_assert_true (concord_memory_connector_replace (conn, edited));
  g_assert_true (concord_memory_connector_remove (conn, g_ptr_array_index (ids, 10)));
  g_assert_false (concord_memory_connector_remove (conn, g_ptr_array_index (ids, 10)));
  g_assert_false (concord_memory_connector_remove (conn, "app-nope"));

  concord_memory_connector_set_page_size (conn, 6);
  records = list_all (conn, NULL, NULL, NULL, NULL);

  g_assert_cmpuint (records->len, ==, 19);
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (records, 3)), ==,
                   g_ptr_array_index (ids, 3));
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (records, 3), CONCORD_FIELD_COMPANY),
                   ==, "Acme");
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (records, 10)), ==,
                   g_ptr_array_index (ids, 11));
  g_assert_null (concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 10)));
}

static void
test_incremental (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_INCREMENTAL);
  g_autoptr(GPtrArray) ids = insert_n (conn, 20);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GHashTable) expected = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(ConcordRecord) fresh = make_record ("new@example.com", "Neo");
  g_autofree char *cursor = NULL;
  g_autofree char *cursor2 = NULL;
  g_autofree char *cursor3 = NULL;
  gboolean complete = FALSE;
  ConcordRecord *stored;

  g_assert_true (concord_connector_get_flags (CONCORD_CONNECTOR (conn)) & CONCORD_CONNECTOR_INCREMENTAL);

  concord_memory_connector_set_page_size (conn, 3);
  all = list_all (conn, NULL, &cursor, &complete, NULL);
  g_assert_cmpuint (all->len, ==, 20);
  g_assert_true (complete);
  g_assert_nonnull (cursor);

  /* Changes after the cursor: two edits (one twice), one new record. */
  for (guint k = 0; k < 3; k++)
    {
      const char *id = g_ptr_array_index (ids, k == 2 ? 5 : 5 + 7 * k);
      g_autoptr(ConcordRecord) edited = concord_record_copy (concord_memory_connector_lookup (conn, id));
      g_autofree char *name = g_strdup_printf ("Edit %u", k);

      concord_record_set_text (edited, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, name);
      concord_memory_connector_replace (conn, edited);
      g_hash_table_add (expected, (gpointer) id);
    }
  stored = concord_memory_connector_insert (conn, fresh);
  g_hash_table_add (expected, (gpointer) concord_record_get_remote_id (stored));

  concord_memory_connector_set_page_size (conn, 2);
  changed = list_all (conn, cursor, &cursor2, &complete, NULL);
  g_assert_cmpuint (changed->len, ==, 3);
  g_assert_false (complete);
  g_assert_nonnull (cursor2);
  g_assert_cmpstr (cursor2, !=, cursor);
  for (guint i = 0; i < changed->len; i++)
    g_assert_true (g_hash_table_contains (expected,
                                          concord_record_get_remote_id (g_ptr_array_index (changed, i))));
  /* The record edited twice comes once, with its last content. */
  for (guint i = 0; i < changed->len; i++)
    if (g_strcmp0 (concord_record_get_remote_id (g_ptr_array_index (changed, i)),
                   g_ptr_array_index (ids, 5)) == 0)
      g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (changed, i),
                                                CONCORD_FIELD_FIRST_NAME), ==, "Edit 2");

  /* Nothing changed since. */
  none = list_all (conn, cursor2, &cursor3, &complete, NULL);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_false (complete);
  g_assert_cmpstr (cursor3, ==, cursor2);
}

static void
test_cursor_ignored_without_incremental (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 5);
  g_autoptr(GPtrArray) all = NULL;
  gboolean complete = FALSE;

  all = list_all (conn, "3", NULL, &complete, NULL);
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_true (complete);
}

static void
test_bad_tokens (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_INCREMENTAL);
  g_autoptr(GPtrArray) ids = insert_n (conn, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(ConcordPage) page2 = NULL;

  page = list_page (conn, NULL, "not-a-number", NULL, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_null (page);

  page2 = list_page (conn, "x", NULL, NULL, &error2);
  g_assert_error (error2, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_null (page2);
}

static void
test_fail_list_at_page (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 10);
  g_autoptr(GError) injected = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NETWORK, "down");
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page0 = NULL;
  g_autoptr(ConcordPage) page1 = NULL;
  g_autoptr(ConcordPage) failed = NULL;
  g_autoptr(ConcordPage) retried = NULL;
  g_autoptr(GPtrArray) all = NULL;

  concord_memory_connector_set_page_size (conn, 3);
  concord_memory_connector_fail_list_at_page (conn, 2, injected);

  page0 = list_page (conn, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page0->records->len, ==, 3);
  page1 = list_page (conn, NULL, page0->next_page, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page1->records->len, ==, 3);

  failed = list_page (conn, NULL, page1->next_page, NULL, &error);
  g_assert_null (failed);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
  g_assert_cmpstr (error->message, ==, "down");
  g_clear_error (&error);

  /* One shot: the same page again works. */
  retried = list_page (conn, NULL, page1->next_page, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (retried->records->len, ==, 3);

  /* Page 0 of a fresh listing, and disabling. */
  concord_memory_connector_fail_list_at_page (conn, 0, NULL);
  concord_memory_connector_fail_list_at_page (conn, -1, NULL);
  all = list_all (conn, NULL, NULL, NULL, NULL);
  g_assert_cmpuint (all->len, ==, 10);

  concord_memory_connector_fail_list_at_page (conn, 0, NULL);
  {
    g_autoptr(ConcordPage) first = list_page (conn, NULL, NULL, NULL, &error);

    g_assert_null (first);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_SERVER);
  }
}

static void
test_fetch (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 4);
  const char *wanted[] = { g_ptr_array_index (ids, 2), "app-999", g_ptr_array_index (ids, 0), NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_fetch_async (CONCORD_CONNECTOR (conn), "contacts", wanted, NULL,
                                 concord_test_store_result_cb, &slot);
  g_assert_null (slot);
  result = concord_test_wait_for_result (&slot);
  records = concord_connector_fetch_finish (CONCORD_CONNECTOR (conn), result, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 2);
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (records, 0)), ==, wanted[0]);
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (records, 1)), ==, wanted[2]);
  g_assert_true (g_ptr_array_index (records, 0) == concord_memory_connector_lookup (conn, wanted[0]));
}

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

static void
test_create (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GHashTable) versions = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;

  concord_memory_connector_set_now (conn, 1000);
  g_ptr_array_add (inputs, make_record ("a@example.com", "Ann"));
  g_ptr_array_add (inputs, make_record ("b@example.com", "Bob"));
  g_ptr_array_add (inputs, make_record ("c@example.com", NULL));

  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      ConcordWriteResult *result = result_at (results, i);
      ConcordRecord *input = g_ptr_array_index (inputs, i);
      const char *id;

      g_assert_no_error (result->error);
      g_assert_nonnull (result->record);
      id = concord_record_get_remote_id (result->record);
      g_assert_true (g_str_has_prefix (id, "app-"));
      g_assert_true (concord_record_equal_fields (result->record, input));
      g_assert_cmpint (concord_record_get_modified (result->record), ==, 1000 + i);
      g_assert_nonnull (concord_record_get_version (result->record));
      g_assert_true (g_hash_table_add (versions, (gpointer) concord_record_get_version (result->record)));
      /* The echo is what the server holds. */
      g_assert_true (concord_memory_connector_lookup (conn, id) == result->record);
      /* The input is the caller's and stays untouched. */
      g_assert_null (concord_record_get_remote_id (input));
      g_assert_null (concord_record_get_version (input));
    }

  g_assert_cmpstr (concord_record_get_remote_id (result_at (results, 0)->record), !=,
                   concord_record_get_remote_id (result_at (results, 1)->record));
  g_assert_cmpint (concord_memory_connector_get_now (conn), ==, 1003);
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 3);
  g_assert_cmpuint (concord_memory_connector_get_n_created (conn), ==, 3);
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (conn), ==, 1);

  concord_memory_connector_reset_counters (conn);
  g_assert_cmpuint (concord_memory_connector_get_n_created (conn), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (conn), ==, 0);
}

static void
test_create_ids_do_not_collide (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(ConcordRecord) taken = make_record ("x@example.com", NULL);
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  ConcordRecord *stored;

  /* Someone made "app-1" by hand; the counter must step over it. */
  concord_record_set_remote_id (taken, "app-1");
  stored = concord_memory_connector_insert (conn, taken);
  g_assert_cmpstr (concord_record_get_remote_id (stored), ==, "app-1");

  g_ptr_array_add (inputs, make_record ("y@example.com", NULL));
  g_ptr_array_add (inputs, concord_record_ref (taken));
  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_error (result_at (results, 0)->error);
  g_assert_cmpstr (concord_record_get_remote_id (result_at (results, 0)->record), ==, "app-2");
  /* Creating with an id that exists conflicts. */
  g_assert_error (result_at (results, 1)->error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 2);
}

static void
test_max_batch (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) changes = new_change_array ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (concord_connector_get_max_batch (CONCORD_CONNECTOR (conn)), ==, 100);
  concord_memory_connector_set_max_batch (conn, 5);
  g_assert_cmpuint (concord_connector_get_max_batch (CONCORD_CONNECTOR (conn)), ==, 5);

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%u@example.com", i);

      g_ptr_array_add (inputs, make_record (email, NULL));
    }

  results = create_records (conn, inputs, NULL, &error);
  g_assert_null (results);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_created (conn), ==, 0);
  g_clear_error (&error);

  g_ptr_array_set_size (inputs, 5);
  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 5);
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 5);

  /* Updates too. */
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(ConcordRecord) set = make_record ("z@example.com", NULL);

      g_ptr_array_add (changes, concord_record_change_new ("app-1", set, NULL));
    }
  g_clear_pointer (&results, g_ptr_array_unref);
  results = update_records (conn, changes, &error);
  g_assert_null (results);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_cmpuint (concord_memory_connector_get_n_updated (conn), ==, 0);
  g_assert_cmpstr (concord_record_get_email (concord_memory_connector_lookup (conn, "app-1")), ==,
                   "p0@example.com");
}

static void
test_update (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) changes = new_change_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(ConcordRecord) before = NULL;
  const char *clear[] = { CONCORD_FIELD_FIRST_NAME, "custom:absent", NULL };
  ConcordRecord *after;
  gint64 now;

  concord_memory_connector_set_now (conn, 5000);
  ids = insert_n (conn, 2);
  before = concord_record_ref (concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 0)));
  now = concord_memory_connector_get_now (conn);

  concord_record_set_text (set, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "Acme");
  g_ptr_array_add (changes, concord_record_change_new (g_ptr_array_index (ids, 0), set, clear));
  g_ptr_array_add (changes, concord_record_change_new ("app-404", set, NULL));

  results = update_records (conn, changes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);

  g_assert_no_error (result_at (results, 0)->error);
  after = concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 0));
  g_assert_true (result_at (results, 0)->record == after);
  g_assert_cmpstr (concord_record_get_text (after, CONCORD_FIELD_COMPANY), ==, "Acme");
  g_assert_null (concord_record_get (after, CONCORD_FIELD_FIRST_NAME));
  /* Fields not named are left alone. */
  g_assert_cmpstr (concord_record_get_email (after), ==, "person0@example.com");
  g_assert_cmpstr (concord_record_get_remote_id (after), ==, g_ptr_array_index (ids, 0));
  g_assert_cmpint (concord_record_get_modified (after), ==, now);
  g_assert_cmpint (concord_record_get_modified (after), >, concord_record_get_modified (before));
  g_assert_cmpstr (concord_record_get_version (after), !=, concord_record_get_version (before));

  g_assert_null (result_at (results, 1)->record);
  g_assert_error (result_at (results, 1)->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);

  g_assert_cmpuint (concord_memory_connector_get_n_updated (conn), ==, 1);
  g_assert_cmpuint (concord_memory_connector_get_n_created (conn), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 2);

  /* The same change again changes nothing: echoed, not bumped. */
  g_ptr_array_set_size (changes, 1);
  g_clear_pointer (&results, g_ptr_array_unref);
  now = concord_memory_connector_get_now (conn);
  results = update_records (conn, changes, &error);
  g_assert_no_error (error);
  g_assert_no_error (result_at (results, 0)->error);
  g_assert_true (result_at (results, 0)->record == after);
  g_assert_true (concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 0)) == after);
  g_assert_cmpint (concord_memory_connector_get_now (conn), ==, now);
  g_assert_cmpuint (concord_memory_connector_get_n_updated (conn), ==, 1);
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (conn), ==, 2);
}

static gboolean
fail_bad (const ConcordRecord *record,
          gpointer             user_data)
{
  const char *email = concord_record_get_email (record);
  GPtrArray *seen_ids = user_data;

  if (seen_ids != NULL)
    g_ptr_array_add (seen_ids, g_strdup (concord_record_get_remote_id (record)));

  return email != NULL && g_str_has_prefix (email, "bad");
}

static void
test_fail_func (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) changes = new_change_array ();
  g_autoptr(GPtrArray) seen_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ConcordRecord) bad_set = make_record ("bad2@example.com", NULL);
  g_autoptr(ConcordRecord) good_set = make_record ("good3@example.com", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *good_id = NULL;

  concord_memory_connector_set_fail_func (conn, fail_bad, NULL);
  g_ptr_array_add (inputs, make_record ("good1@example.com", NULL));
  g_ptr_array_add (inputs, make_record ("bad1@example.com", NULL));
  g_ptr_array_add (inputs, make_record ("good2@example.com", NULL));
  g_ptr_array_add (inputs, make_record ("bad2@example.com", NULL));

  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      ConcordWriteResult *result = result_at (results, i);

      if (i % 2 == 0)
        {
          g_assert_no_error (result->error);
          g_assert_nonnull (result->record);
        }
      else
        {
          g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_SERVER);
          g_assert_null (result->record);
        }
    }
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 2);
  g_assert_cmpuint (concord_memory_connector_get_n_created (conn), ==, 2);

  /* Updates: the fail func sees the values with the remote id. */
  good_id = g_strdup (concord_record_get_remote_id (result_at (results, 0)->record));
  concord_memory_connector_set_fail_func (conn, fail_bad, seen_ids);
  g_ptr_array_add (changes, concord_record_change_new (good_id, bad_set, NULL));
  g_ptr_array_add (changes, concord_record_change_new (good_id, good_set, NULL));
  g_clear_pointer (&results, g_ptr_array_unref);
  results = update_records (conn, changes, &error);
  g_assert_no_error (error);
  g_assert_error (result_at (results, 0)->error, CONCORD_ERROR, CONCORD_ERROR_SERVER);
  g_assert_no_error (result_at (results, 1)->error);
  g_assert_cmpuint (seen_ids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (seen_ids, 0), ==, good_id);
  g_assert_cmpstr (concord_record_get_email (concord_memory_connector_lookup (conn, good_id)), ==,
                   "good3@example.com");
  g_assert_cmpuint (concord_memory_connector_get_n_updated (conn), ==, 1);

  concord_memory_connector_set_fail_func (conn, NULL, NULL);
}

static void
test_fail_next_write_calls (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 1);
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) changes = new_change_array ();
  g_autoptr(ConcordRecord) set = make_record (NULL, "Changed");
  g_autoptr(GError) injected = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED, "slow down");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  ConcordRecord *before = concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 0));

  g_ptr_array_add (inputs, make_record ("a@example.com", NULL));
  g_ptr_array_add (changes, concord_record_change_new (g_ptr_array_index (ids, 0), set, NULL));
  concord_memory_connector_fail_next_write_calls (conn, 2, injected);

  results = create_records (conn, inputs, NULL, &error);
  g_assert_null (results);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED);
  g_assert_cmpstr (error->message, ==, "slow down");
  g_clear_error (&error);

  results = update_records (conn, changes, &error);
  g_assert_null (results);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED);
  g_clear_error (&error);

  /* Nothing was written. */
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 1);
  g_assert_true (concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 0)) == before);
  g_assert_cmpuint (concord_memory_connector_get_n_created (conn), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_updated (conn), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (conn), ==, 2);

  /* The third call goes through. */
  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_error (result_at (results, 0)->error);
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 2);

  /* Cancelling the fault. */
  concord_memory_connector_fail_next_write_calls (conn, 3, NULL);
  concord_memory_connector_fail_next_write_calls (conn, 0, NULL);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = update_records (conn, changes, &error);
  g_assert_no_error (error);
  g_assert_no_error (result_at (results, 0)->error);
}

static void
test_store_then_fail (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) changes = new_change_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) set = make_record (NULL, "Stored");
  const char *second_id;

  g_ptr_array_add (inputs, make_record ("a@example.com", NULL));
  g_ptr_array_add (inputs, make_record ("b@example.com", NULL));
  concord_memory_connector_set_store_then_fail (conn, 2);

  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_error (result_at (results, i)->error, CONCORD_ERROR, CONCORD_ERROR_SERVER);
      g_assert_null (result_at (results, i)->record);
    }
  /* ...but the server has them. */
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 2);
  g_assert_cmpuint (concord_memory_connector_get_n_created (conn), ==, 2);

  all = concord_memory_connector_get_all (conn);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpstr (concord_record_get_email (g_ptr_array_index (all, 0)), ==, "a@example.com");

  second_id = concord_record_get_remote_id (g_ptr_array_index (all, 1));
  g_ptr_array_add (changes, concord_record_change_new (second_id, set, NULL));
  g_clear_pointer (&results, g_ptr_array_unref);
  results = update_records (conn, changes, &error);
  g_assert_no_error (error);
  g_assert_error (result_at (results, 0)->error, CONCORD_ERROR, CONCORD_ERROR_SERVER);
  g_assert_cmpstr (stored_text (conn, second_id, CONCORD_FIELD_FIRST_NAME), ==, "Stored");

  /* Only two calls. */
  g_clear_pointer (&results, g_ptr_array_unref);
  g_ptr_array_set_size (inputs, 0);
  g_ptr_array_add (inputs, make_record ("c@example.com", NULL));
  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_error (result_at (results, 0)->error);
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 3);
}

static void
upcase_company (ConcordRecord *record,
                gpointer       user_data)
{
  const char *company = concord_record_get_text (record, CONCORD_FIELD_COMPANY);
  g_autofree char *upper = NULL;

  *(guint *) user_data += 1;
  if (company == NULL)
    return;

  upper = g_utf8_strup (company, -1);
  concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, upper);
}

static void
test_rewrite (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) changes = new_change_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) input = make_record ("a@example.com", NULL);
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(ConcordRecord) by_user = make_record ("u@example.com", NULL);
  g_autoptr(ConcordRecord) name_set = make_record (NULL, "Zed");
  g_autofree char *id = NULL;
  guint n_calls = 0;
  ConcordRecord *stored;

  concord_memory_connector_set_rewrite_func (conn, upcase_company, &n_calls);
  concord_record_set_text (input, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "acme");
  g_ptr_array_add (inputs, concord_record_ref (input));

  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_calls, ==, 1);
  g_assert_cmpstr (concord_record_get_text (result_at (results, 0)->record, CONCORD_FIELD_COMPANY),
                   ==, "ACME");
  id = g_strdup (concord_record_get_remote_id (result_at (results, 0)->record));
  g_assert_cmpstr (stored_text (conn, id, CONCORD_FIELD_COMPANY), ==, "ACME");
  /* The caller's record is not rewritten. */
  g_assert_cmpstr (concord_record_get_text (input, CONCORD_FIELD_COMPANY), ==, "acme");

  concord_record_set_text (set, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "globex");
  g_ptr_array_add (changes, concord_record_change_new (id, set, NULL));
  g_clear_pointer (&results, g_ptr_array_unref);
  results = update_records (conn, changes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_calls, ==, 2);
  g_assert_cmpstr (concord_record_get_text (result_at (results, 0)->record, CONCORD_FIELD_COMPANY),
                   ==, "GLOBEX");
  g_assert_cmpstr (concord_record_get_remote_id (result_at (results, 0)->record), ==, id);

  /* What a user does in the app itself is not rewritten. */
  concord_record_set_text (by_user, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "initech");
  stored = concord_memory_connector_insert (conn, by_user);
  g_assert_cmpstr (concord_record_get_text (stored, CONCORD_FIELD_COMPANY), ==, "initech");
  g_assert_cmpuint (n_calls, ==, 2);

  /* An update rewrites what it sends, not the fields it leaves alone. */
  g_ptr_array_set_size (changes, 0);
  g_ptr_array_add (changes, concord_record_change_new (concord_record_get_remote_id (stored),
                                                       name_set, NULL));
  g_clear_pointer (&results, g_ptr_array_unref);
  results = update_records (conn, changes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_calls, ==, 3);
  g_assert_cmpstr (concord_record_get_text (result_at (results, 0)->record, CONCORD_FIELD_FIRST_NAME),
                   ==, "Zed");
  g_assert_cmpstr (concord_record_get_text (result_at (results, 0)->record, CONCORD_FIELD_COMPANY),
                   ==, "initech");
}

static void
test_modified_times (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(ConcordRecord) first = make_record ("a@example.com", NULL);
  g_autoptr(ConcordRecord) edited = NULL;
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) changes = new_change_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(ConcordRecord) set = make_record (NULL, "Later");
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  gint64 t[4];
  ConcordRecord *stored;

  concord_memory_connector_set_now (conn, 1700000000);
  g_assert_cmpint (concord_memory_connector_get_now (conn), ==, 1700000000);

  stored = concord_memory_connector_insert (conn, first);
  id = g_strdup (concord_record_get_remote_id (stored));
  t[0] = concord_record_get_modified (stored);

  edited = concord_record_copy (stored);
  concord_record_set_text (edited, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Ann");
  concord_memory_connector_replace (conn, edited);
  t[1] = concord_record_get_modified (concord_memory_connector_lookup (conn, id));

  g_ptr_array_add (inputs, make_record ("b@example.com", NULL));
  results = create_records (conn, inputs, NULL, &error);
  g_assert_no_error (error);
  t[2] = concord_record_get_modified (result_at (results, 0)->record);

  g_ptr_array_add (changes, concord_record_change_new (id, set, NULL));
  g_clear_pointer (&results, g_ptr_array_unref);
  results = update_records (conn, changes, &error);
  g_assert_no_error (error);
  t[3] = concord_record_get_modified (result_at (results, 0)->record);

  g_assert_cmpint (t[0], ==, 1700000000);
  for (guint i = 1; i < G_N_ELEMENTS (t); i++)
    g_assert_cmpint (t[i], >, t[i - 1]);
  g_assert_cmpint (concord_memory_connector_get_now (conn), >, t[3]);

  /* Replacing an unknown record is refused. */
  concord_record_set_remote_id (edited, "app-404");
  g_assert_false (concord_memory_connector_replace (conn, edited));
  g_assert_null (concord_memory_connector_lookup (conn, "app-404"));
}

static void
test_immutability (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = list_page (conn, NULL, NULL, NULL, &error);
  g_autoptr(ConcordRecord) edited = NULL;
  g_autoptr(ConcordRecord) set = make_record (NULL, "Via API");
  g_autoptr(GPtrArray) changes = new_change_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *version0 = NULL;
  g_autofree char *version1 = NULL;
  ConcordRecord *listed0, *listed1;
  gint64 modified0, modified1;

  g_assert_no_error (error);
  g_assert_cmpuint (page->records->len, ==, 3);
  listed0 = g_ptr_array_index (page->records, 0);
  listed1 = g_ptr_array_index (page->records, 1);
  version0 = g_strdup (concord_record_get_version (listed0));
  version1 = g_strdup (concord_record_get_version (listed1));
  modified0 = concord_record_get_modified (listed0);
  modified1 = concord_record_get_modified (listed1);

  /* The user edits one in the app, the engine updates the other. */
  edited = concord_record_copy (listed0);
  concord_record_set_text (edited, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "By hand");
  g_assert_true (concord_memory_connector_replace (conn, edited));
  /* The caller's record is copied, not kept. */
  g_assert_true (concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 0)) != edited);

  g_ptr_array_add (changes, concord_record_change_new (g_ptr_array_index (ids, 1), set, NULL));
  results = update_records (conn, changes, &error);
  g_assert_no_error (error);

  g_assert_true (concord_memory_connector_remove (conn, g_ptr_array_index (ids, 2)));

  /* What was listed is what it was. */
  g_assert_cmpstr (concord_record_get_text (listed0, CONCORD_FIELD_FIRST_NAME), ==, "Ann");
  g_assert_cmpstr (concord_record_get_version (listed0), ==, version0);
  g_assert_cmpint (concord_record_get_modified (listed0), ==, modified0);
  g_assert_cmpstr (concord_record_get_text (listed1, CONCORD_FIELD_FIRST_NAME), ==, "Ann");
  g_assert_cmpstr (concord_record_get_version (listed1), ==, version1);
  g_assert_cmpint (concord_record_get_modified (listed1), ==, modified1);
  g_assert_cmpstr (concord_record_get_email (g_ptr_array_index (page->records, 2)), ==,
                   "person2@example.com");

  /* The server holds new records. */
  g_assert_true (concord_memory_connector_lookup (conn, g_ptr_array_index (ids, 0)) != listed0);
  g_assert_cmpstr (stored_text (conn, g_ptr_array_index (ids, 0), CONCORD_FIELD_FIRST_NAME), ==,
                   "By hand");
  g_assert_cmpstr (stored_text (conn, g_ptr_array_index (ids, 1), CONCORD_FIELD_FIRST_NAME), ==,
                   "Via API");
}

static void
test_cancellation (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 3);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) inputs = new_record_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) list_error = NULL;

  g_cancellable_cancel (cancellable);
  concord_memory_connector_reset_counters (conn);
  g_ptr_array_add (inputs, make_record ("a@example.com", NULL));

  results = create_records (conn, inputs, cancellable, &error);
  g_assert_null (results);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 3);
  g_assert_cmpuint (concord_memory_connector_get_n_created (conn), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (conn), ==, 0);

  page = list_page (conn, NULL, NULL, cancellable, &list_error);
  g_assert_null (page);
  g_assert_error (list_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_delete (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_CAN_DELETE);
  g_autoptr(ConcordMemoryConnector) cannot = concord_memory_connector_new ("other", CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) ids = insert_n (conn, 3);
  g_autoptr(GPtrArray) other_ids = insert_n (cannot, 1);
  const char *doomed[] = { g_ptr_array_index (ids, 1), "app-404", NULL };
  const char *kept[] = { g_ptr_array_index (other_ids, 0), NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) refused = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_delete_async (CONCORD_CONNECTOR (conn), "contacts", doomed, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_delete_finish (CONCORD_CONNECTOR (conn), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);
  g_assert_no_error (result_at (results, 0)->error);
  g_assert_error (result_at (results, 1)->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_null (concord_memory_connector_lookup (conn, doomed[0]));
  g_assert_cmpuint (concord_memory_connector_get_n_records (conn), ==, 2);

  concord_connector_delete_async (CONCORD_CONNECTOR (cannot), "contacts", kept, NULL,
                                  concord_test_store_result_cb, &slot);
  refused = concord_test_wait_for_result (&slot);
  none = concord_connector_delete_finish (CONCORD_CONNECTOR (cannot), refused, &error);
  g_assert_null (none);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_cmpuint (concord_memory_connector_get_n_records (cannot), ==, 1);
}

/* ------------------------------------------------------------------------- */
/* Description                                                               */
/* ------------------------------------------------------------------------- */

static void
test_description (void)
{
  g_autoptr(ConcordMemoryConnector) conn = concord_memory_connector_new ("shop", CONCORD_CONNECTOR_INCREMENTAL);
  ConcordConnector *connector = CONCORD_CONNECTOR (conn);
  g_autoptr(GPtrArray) types = concord_connector_list_contact_types (connector);
  ConcordContactType *type;

  g_assert_cmpstr (concord_connector_get_app_id (connector), ==, "shop");
  g_assert_cmpstr (concord_connector_get_app_name (connector), ==, "shop");
  g_assert_cmpint (concord_connector_get_flags (connector), ==,
                   CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_MODIFIED_TIMES);

  g_assert_cmpuint (types->len, ==, 1);
  type = g_ptr_array_index (types, 0);
  g_assert_cmpstr (type->id, ==, "contacts");
  g_assert_cmpstr (type->label, ==, "Contacts");
}

static GPtrArray *
load_schema (ConcordMemoryConnector  *conn,
             const char              *contact_type,
             GError                 **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_load_schema_async (CONCORD_CONNECTOR (conn), contact_type, NULL,
                                       concord_test_store_result_cb, &slot);
  g_assert_null (slot);
  result = concord_test_wait_for_result (&slot);

  return concord_connector_load_schema_finish (CONCORD_CONNECTOR (conn), result, error);
}

static void
test_schema (void)
{
  g_autoptr(ConcordMemoryConnector) conn = new_app (CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GPtrArray) custom = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) unknown = NULL;
  g_autoptr(GError) error = NULL;
  const ConcordFieldSpec *canonical;
  guint n_canonical;

  canonical = concord_fields_get_all (&n_canonical);
  specs = load_schema (conn, "contacts", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (specs->len, ==, n_canonical);
  for (guint i = 0; i < n_canonical; i++)
    {
      ConcordFieldSpec *spec = g_ptr_array_index (specs, i);

      /* Copies, not the static table. */
      g_assert_true (spec != &canonical[i]);
      g_assert_cmpstr (spec->key, ==, canonical[i].key);
      g_assert_cmpint (spec->type, ==, canonical[i].type);
    }

  g_ptr_array_add (custom, concord_field_spec_new ("custom:Shoe size", "Shoe size",
                                                   CONCORD_FIELD_TYPE_NUMBER, FALSE));
  concord_memory_connector_set_schema (conn, custom);
  loaded = load_schema (conn, "contacts", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 1);
  g_assert_cmpstr (((ConcordFieldSpec *) g_ptr_array_index (loaded, 0))->key, ==, "custom:Shoe size");
  g_assert_true (g_ptr_array_index (loaded, 0) != g_ptr_array_index (custom, 0));

  unknown = load_schema (conn, "deals", &error);
  g_assert_null (unknown);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
}

/* ------------------------------------------------------------------------- */
/* The base class                                                            */
/* ------------------------------------------------------------------------- */

/* A connector that implements only what it must: the base class supplies
 * the rest. */
#define TEST_TYPE_BARE_CONNECTOR (test_bare_connector_get_type ())
G_DECLARE_FINAL_TYPE (TestBareConnector, test_bare_connector, TEST, BARE_CONNECTOR, ConcordConnector)

struct _TestBareConnector
{
  ConcordConnector parent_instance;
};

G_DEFINE_FINAL_TYPE (TestBareConnector, test_bare_connector, CONCORD_TYPE_CONNECTOR)

static const char *
test_bare_connector_get_app_id (ConcordConnector *connector)
{
  return "bare";
}

static void
test_bare_connector_class_init (TestBareConnectorClass *klass)
{
  CONCORD_CONNECTOR_CLASS (klass)->get_app_id = test_bare_connector_get_app_id;
}

static void
test_bare_connector_init (TestBareConnector *self)
{
}

static void
test_base_defaults (void)
{
  g_autoptr(ConcordConnector) bare = g_object_new (TEST_TYPE_BARE_CONNECTOR, NULL);
  g_autoptr(GPtrArray) types = concord_connector_list_contact_types (bare);
  const char *ids[] = { "x", NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  g_assert_cmpstr (concord_connector_get_app_id (bare), ==, "bare");
  g_assert_cmpstr (concord_connector_get_app_name (bare), ==, "bare");
  g_assert_cmpint (concord_connector_get_flags (bare), ==, CONCORD_CONNECTOR_NONE);
  g_assert_cmpuint (concord_connector_get_max_batch (bare), ==, 100);
  g_assert_cmpuint (types->len, ==, 0);

  concord_connector_delete_async (bare, "contacts", ids, NULL, concord_test_store_result_cb, &slot);
  g_assert_null (slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_delete_finish (bare, result, &error);
  g_assert_null (results);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* No verify method: nothing to check, so it succeeds (as a local app
   * does), and still answers from the main loop, never at once. */
  concord_connector_verify_async (bare, NULL, concord_test_store_result_cb, &slot);
  g_assert_null (slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_connector_verify_finish (bare, result, &error));
  g_assert_no_error (error);

  /* No listing through the API: the fixed types answer, from the main
   * loop too (the memory connector's one here). */
  {
    g_autoptr(ConcordConnector) memory = CONCORD_CONNECTOR (concord_memory_connector_new ("memory", CONCORD_CONNECTOR_NONE));
    g_autoptr(GPtrArray) listed = NULL;

    g_clear_object (&result);
    concord_connector_list_contact_types_async (memory, NULL, concord_test_store_result_cb, &slot);
    g_assert_null (slot);
    result = concord_test_wait_for_result (&slot);
    listed = concord_connector_list_contact_types_finish (memory, result, &error);
    g_assert_no_error (error);
    g_clear_pointer (&types, g_ptr_array_unref);
    types = concord_connector_list_contact_types (memory);
    g_assert_cmpuint (listed->len, ==, types->len);
    g_assert_cmpuint (listed->len, >, 0);
    g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (listed, 0))->id, ==,
                     ((ConcordContactType *) g_ptr_array_index (types, 0))->id);
  }
}

/* A connector written the short way: tasks from concord_connector_task_new(),
 * no _finish vfunc, and its write calls left open in a #ConcordWriteBatch
 * the test completes by hand, in any order, as a server's answers would. */
#define TEST_TYPE_TASK_CONNECTOR (test_task_connector_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestTaskConnector, test_task_connector, TEST, TASK_CONNECTOR, ConcordConnector)

struct _TestTaskConnectorClass
{
  ConcordConnectorClass parent_class;
};

typedef struct
{
  ConcordWriteBatch *batch;   /* (owned) (nullable): the create call in flight */
  gboolean           refuse;  /* verify fails */
} TestTaskConnectorPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (TestTaskConnector, test_task_connector, CONCORD_TYPE_CONNECTOR)

static const char *
test_task_connector_get_app_id (ConcordConnector *connector)
{
  return "task";
}

static void
test_task_connector_list_async (ConcordConnector    *connector,
                                const char          *contact_type,
                                const char          *cursor,
                                const char          *page_token,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = concord_connector_task_new (connector, test_task_connector_list_async,
                                                      cancellable, callback, user_data);
  ConcordPage *page = concord_page_new ();

  g_ptr_array_add (page->records, make_record ("listed@example.com", NULL));
  page->complete = TRUE;
  g_task_return_pointer (task, page, (GDestroyNotify) concord_page_free);
}

/* Answers with a task tagged with another method: a programming error. */
static void
test_task_connector_fetch_async (ConcordConnector    *connector,
                                 const char          *contact_type,
                                 const char * const  *remote_ids,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = concord_connector_task_new (connector, test_task_connector_list_async,
                                                      cancellable, callback, user_data);

  g_task_return_pointer (task, g_ptr_array_new (), (GDestroyNotify) g_ptr_array_unref);
}

static void
test_task_connector_create_async (ConcordConnector    *connector,
                                  const char          *contact_type,
                                  GPtrArray           *records,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  TestTaskConnectorPrivate *priv =
    test_task_connector_get_instance_private (TEST_TASK_CONNECTOR (connector));
  g_autoptr(GTask) task = concord_connector_task_new (connector, test_task_connector_create_async,
                                                      cancellable, callback, user_data);

  g_assert_null (priv->batch);
  priv->batch = concord_write_batch_new (task, records->len);
}

static void
test_task_connector_verify_async (ConcordConnector    *connector,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  TestTaskConnectorPrivate *priv =
    test_task_connector_get_instance_private (TEST_TASK_CONNECTOR (connector));
  g_autoptr(GTask) task = concord_connector_task_new (connector, test_task_connector_verify_async,
                                                      cancellable, callback, user_data);

  if (priv->refuse)
    g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED, "Refused");
  else
    g_task_return_boolean (task, TRUE);
}

/* Contact types the app lists through its API: answered later, from the
 * main loop, as a web request would be. */
static gboolean
return_types_cb (gpointer data)
{
  GTask *task = data;
  TestTaskConnectorPrivate *priv =
    test_task_connector_get_instance_private (g_task_get_source_object (task));
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  if (priv->refuse)
    {
      g_ptr_array_unref (types);
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED, "Refused");
      return G_SOURCE_REMOVE;
    }

  g_ptr_array_add (types, concord_contact_type_new ("aud-1", "Newsletter"));
  g_ptr_array_add (types, concord_contact_type_new ("aud-2", "Customers"));
  g_task_return_pointer (task, types, (GDestroyNotify) g_ptr_array_unref);
  return G_SOURCE_REMOVE;
}

static void
test_task_connector_list_contact_types_async (ConcordConnector    *connector,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  GTask *task = concord_connector_task_new (connector, test_task_connector_list_contact_types_async,
                                            cancellable, callback, user_data);

  g_idle_add_full (G_PRIORITY_DEFAULT, return_types_cb, task, g_object_unref);
}

static void
test_task_connector_finalize (GObject *object)
{
  TestTaskConnectorPrivate *priv =
    test_task_connector_get_instance_private (TEST_TASK_CONNECTOR (object));

  g_assert_null (priv->batch);

  G_OBJECT_CLASS (test_task_connector_parent_class)->finalize (object);
}

static void
test_task_connector_class_init (TestTaskConnectorClass *klass)
{
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_task_connector_finalize;
  connector_class->get_app_id = test_task_connector_get_app_id;
  connector_class->list_async = test_task_connector_list_async;
  connector_class->fetch_async = test_task_connector_fetch_async;
  connector_class->create_async = test_task_connector_create_async;
  connector_class->verify_async = test_task_connector_verify_async;
  connector_class->list_contact_types_async = test_task_connector_list_contact_types_async;
}

static void
test_task_connector_init (TestTaskConnector *self)
{
}

/* A subclass of it that overrides nothing but verify, and chains up: the
 * tasks of the parent's methods must still finish. */
#define TEST_TYPE_TASK_CHILD (test_task_child_get_type ())
G_DECLARE_FINAL_TYPE (TestTaskChild, test_task_child, TEST, TASK_CHILD, TestTaskConnector)

struct _TestTaskChild
{
  TestTaskConnector parent_instance;
};

G_DEFINE_FINAL_TYPE (TestTaskChild, test_task_child, TEST_TYPE_TASK_CONNECTOR)

static void
test_task_child_verify_async (ConcordConnector    *connector,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  CONCORD_CONNECTOR_CLASS (test_task_child_parent_class)->verify_async (connector, cancellable,
                                                                        callback, user_data);
}

static void
test_task_child_class_init (TestTaskChildClass *klass)
{
  CONCORD_CONNECTOR_CLASS (klass)->verify_async = test_task_child_verify_async;
}

static void
test_task_child_init (TestTaskChild *self)
{
}

static ConcordWriteBatch *
steal_batch (ConcordConnector *connector)
{
  TestTaskConnectorPrivate *priv =
    test_task_connector_get_instance_private (TEST_TASK_CONNECTOR (connector));

  g_assert_nonnull (priv->batch);
  return g_steal_pointer (&priv->batch);
}

static void
check_default_finishes (GType type)
{
  g_autoptr(ConcordConnector) conn = g_object_new (type, NULL);
  TestTaskConnectorPrivate *priv =
    test_task_connector_get_instance_private (TEST_TASK_CONNECTOR (conn));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_list_async (conn, "contacts", NULL, NULL, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (g_async_result_is_tagged (result, test_task_connector_list_async));
  page = concord_connector_list_finish (conn, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (page->records->len, ==, 1);
  g_assert_true (page->complete);
  g_clear_object (&result);

  concord_connector_verify_async (conn, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_connector_verify_finish (conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  concord_connector_list_contact_types_async (conn, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  types = concord_connector_list_contact_types_finish (conn, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (types->len, ==, 2);
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 1))->label, ==, "Customers");
  g_clear_pointer (&types, g_ptr_array_unref);
  g_clear_object (&result);

  /* the engine thread's way: no main loop of its own */
  types = concord_connector_list_contact_types_sync (conn, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->id, ==, "aud-1");
  g_clear_pointer (&types, g_ptr_array_unref);

  priv->refuse = TRUE;
  g_assert_null (concord_connector_list_contact_types_sync (conn, NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_clear_error (&error);

  concord_connector_verify_async (conn, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_false (concord_connector_verify_finish (conn, result, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
}

static void
test_base_task_finish (void)
{
  check_default_finishes (TEST_TYPE_TASK_CONNECTOR);
  check_default_finishes (TEST_TYPE_TASK_CHILD);
}

static void
test_base_wrong_tag (void)
{
  g_autoptr(ConcordConnector) conn = g_object_new (TEST_TYPE_TASK_CONNECTOR, NULL);
  g_autoptr(ConcordConnector) other = g_object_new (TEST_TYPE_TASK_CONNECTOR, NULL);
  const char *ids[] = { "x", NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  /* fetch_async answers with a task tagged as a listing */
  concord_connector_fetch_async (conn, "contacts", ids, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_test_expect_message ("concord-connector", G_LOG_LEVEL_CRITICAL, "*not a task of this*");
  records = concord_connector_fetch_finish (conn, result, &error);
  g_test_assert_expected_messages ();
  g_assert_null (records);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* the right tag, but another connector's task */
  concord_connector_list_async (other, "contacts", NULL, NULL, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_test_expect_message ("concord-connector", G_LOG_LEVEL_CRITICAL, "*not a task of this*");
  page = concord_connector_list_finish (conn, result, &error);
  g_test_assert_expected_messages ();
  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
}

static GPtrArray *
four_records (void)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *email = g_strdup_printf ("batch%u@example.com", i);

      g_ptr_array_add (records, make_record (email, NULL));
    }

  return records;
}

static void
test_write_batch_partial (void)
{
  g_autoptr(ConcordConnector) conn = g_object_new (TEST_TYPE_TASK_CONNECTOR, NULL);
  g_autoptr(GPtrArray) records = four_records ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) invalid = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA, "Bad");
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordRecord) echo = make_record ("batch0@example.com", NULL);
  ConcordWriteBatch *batch;
  ConcordWriteResult *ok;
  const ConcordWriteResult *r;
  GAsyncResult *slot = NULL;

  concord_record_set_remote_id (echo, "app-0");
  concord_connector_create_async (conn, "contacts", records, NULL, concord_test_store_result_cb, &slot);
  batch = steal_batch (conn);
  g_assert_cmpuint (concord_write_batch_get_n_inputs (batch), ==, 4);

  /* two requests out, answered in the other order; input 3 in none */
  concord_write_batch_hold (batch);
  concord_write_batch_hold (batch);
  g_assert_null (concord_write_batch_release (batch));   /* the starter's hold */

  concord_write_batch_set_error (batch, 2, invalid);
  g_assert_null (concord_write_batch_release (batch));

  concord_write_batch_set_error (batch, 0, invalid);     /* replaced below */
  ok = concord_write_batch_set_ok (batch, 0, echo);
  g_assert_nonnull (ok);
  concord_write_result_add_refused (ok, CONCORD_FIELD_PHONE, "Refused");
  concord_write_batch_set_ok (batch, 1, NULL);
  task = concord_write_batch_release (batch);           /* frees the batch */
  g_assert_nonnull (task);
  g_assert_false (g_task_had_error (task));

  result = concord_test_wait_for_result (&slot);
  results = concord_connector_create_finish (conn, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 4);

  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (((ConcordWriteResult *) g_ptr_array_index (results, i))->index, ==, i);

  r = g_ptr_array_index (results, 0);
  g_assert_no_error (r->error);
  g_assert_true (r->record == echo);
  g_assert_cmpuint (r->refused->len, ==, 1);
  r = g_ptr_array_index (results, 1);
  g_assert_no_error (r->error);
  g_assert_null (r->record);
  r = g_ptr_array_index (results, 2);
  g_assert_error (r->error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA);
  g_assert_true (r->error != invalid);
  r = g_ptr_array_index (results, 3);
  g_assert_error (r->error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_cmpstr (r->error->message, ==, "The record was not written");
  g_assert_null (r->record);
}

static void
test_write_batch_fatal (void)
{
  g_autoptr(ConcordConnector) conn = g_object_new (TEST_TYPE_TASK_CONNECTOR, NULL);
  g_autoptr(GPtrArray) records = four_records ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  ConcordWriteBatch *batch;
  GAsyncResult *slot = NULL;

  concord_connector_create_async (conn, "contacts", records, NULL, concord_test_store_result_cb, &slot);
  batch = steal_batch (conn);

  concord_write_batch_hold (batch);
  concord_write_batch_set_ok (batch, 0, NULL);
  g_assert_false (concord_write_batch_is_failed (batch));
  concord_write_batch_fail (batch, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                                                        "Key refused"));
  g_assert_true (concord_write_batch_is_failed (batch));
  /* a later fatal error does not replace the first */
  concord_write_batch_fail (batch, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER, "Later"));
  g_assert_null (concord_write_batch_release (batch));
  g_assert_null (slot);
  concord_write_batch_set_ok (batch, 1, NULL);
  task = concord_write_batch_release (batch);
  g_assert_nonnull (task);

  result = concord_test_wait_for_result (&slot);
  results = concord_connector_create_finish (conn, result, &error);
  g_assert_null (results);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_cmpstr (error->message, ==, "Key refused");
}

/* Freeing a batch gives back its holds: a connector that answers at once
 * declares it with g_autoptr. */
static void
test_write_batch_autoptr (void)
{
  g_autoptr(ConcordConnector) conn = g_object_new (TEST_TYPE_TASK_CONNECTOR, NULL);
  g_autoptr(GPtrArray) records = four_records ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_create_async (conn, "contacts", records, NULL, concord_test_store_result_cb, &slot);
  {
    g_autoptr(ConcordWriteBatch) batch = steal_batch (conn);

    concord_write_batch_set_ok (batch, 3, NULL);
  }

  result = concord_test_wait_for_result (&slot);
  results = concord_connector_create_finish (conn, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 4);
  for (guint i = 0; i < 3; i++)
    g_assert_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error,
                    CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 3))->error);
}

static void
test_boxed_helpers (void)
{
  g_autoptr(ConcordRecord) record = make_record ("a@example.com", NULL);
  g_autoptr(ConcordPage) page = concord_page_new ();
  g_autoptr(ConcordRecordChange) change = NULL;
  g_autoptr(ConcordWriteResult) ok = NULL;
  g_autoptr(ConcordWriteResult) failed = NULL;
  g_autoptr(ConcordContactType) type = concord_contact_type_new ("lists", "Lists");
  char *clear[] = { g_strdup ("phone"), NULL };

  g_assert_nonnull (page->records);
  g_assert_null (page->next_page);
  g_assert_false (page->complete);
  g_ptr_array_add (page->records, concord_record_ref (record));

  change = concord_record_change_new ("app-1", record, (const char * const *) clear);
  g_assert_true (change->set == record);
  g_assert_true (change->clear != clear);
  g_assert_cmpstrv (change->clear, ((const char *[]) { "phone", NULL }));
  g_free (clear[0]);

  ok = concord_write_result_new_ok (3, record);
  g_assert_cmpuint (ok->index, ==, 3);
  g_assert_true (ok->record == record);
  g_assert_null (ok->error);

  failed = concord_write_result_new_error (4, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER, "x"));
  g_assert_null (failed->record);
  g_assert_error (failed->error, CONCORD_ERROR, CONCORD_ERROR_SERVER);

  g_assert_cmpstr (type->id, ==, "lists");
  g_assert_cmpstr (type->label, ==, "Lists");
}

int
main (int    argc,
      char **argv)
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/memory-connector/paging", test_paging);
  g_test_add_func ("/concord/memory-connector/paging-stable-after-edits", test_paging_stable_after_edits);
  g_test_add_func ("/concord/memory-connector/incremental", test_incremental);
  g_test_add_func ("/concord/memory-connector/cursor-ignored-without-incremental",
                   test_cursor_ignored_without_incremental);
  g_test_add_func ("/concord/memory-connector/bad-tokens", test_bad_tokens);
  g_test_add_func ("/concord/memory-connector/fail-list-at-page", test_fail_list_at_page);
  g_test_add_func ("/concord/memory-connector/fetch", test_fetch);
  g_test_add_func ("/concord/memory-connector/create", test_create);
  g_test_add_func ("/concord/memory-connector/create-ids-do-not-collide", test_create_ids_do_not_collide);
  g_test_add_func ("/concord/memory-connector/max-batch", test_max_batch);
  g_test_add_func ("/concord/memory-connector/update", test_update);
  g_test_add_func ("/concord/memory-connector/fail-func", test_fail_func);
  g_test_add_func ("/concord/memory-connector/fail-next-write-calls", test_fail_next_write_calls);
  g_test_add_func ("/concord/memory-connector/store-then-fail", test_store_then_fail);
  g_test_add_func ("/concord/memory-connector/rewrite", test_rewrite);
  g_test_add_func ("/concord/memory-connector/modified-times", test_modified_times);
  g_test_add_func ("/concord/memory-connector/immutability", test_immutability);
  g_test_add_func ("/concord/memory-connector/cancellation", test_cancellation);
  g_test_add_func ("/concord/memory-connector/delete", test_delete);
  g_test_add_func ("/concord/memory-connector/description", test_description);
  g_test_add_func ("/concord/memory-connector/schema", test_schema);
  g_test_add_func ("/concord/memory-connector/base-defaults", test_base_defaults);
  g_test_add_func ("/concord/memory-connector/boxed-helpers", test_boxed_helpers);
  g_test_add_func ("/concord/memory-connector/base-task-finish", test_base_task_finish);
  g_test_add_func ("/concord/memory-connector/base-wrong-tag", test_base_wrong_tag);
  g_test_add_func ("/concord/memory-connector/write-batch-partial", test_write_batch_partial);
  g_test_add_func ("/concord/memory-connector/write-batch-fatal", test_write_batch_fatal);
  g_test_add_func ("/concord/memory-connector/write-batch-autoptr", test_write_batch_autoptr);

  return g_test_run ();
}
