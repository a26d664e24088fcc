/* test-limits.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bounds on what a server (or a side) can make Concord do
 * (INVARIANTS.md 25): pages longer than asked or repeated, an absurd
 * Retry-After, retries without end, a listing that grows without end, and
 * journal rows that would copy huge values. The Elastic Email connector
 * talks to a small server on this thread that misbehaves on purpose;
 * tests/hostile/ plays the same attacks against the whole CLI.
 */

#define G_LOG_DOMAIN "concord-test-limits"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-connector-elasticemail.h"
#include "concord-error.h"
#include "concord-http.h"
#include "concord-memory-connector.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#define TEST_KEY "limits-test-key"

/* ------------------------------------------------------------------------- */
/* A misbehaving server                                                      */
/* ------------------------------------------------------------------------- */

typedef enum
{
  HOSTILE_LONG_PAGE,      /* GET /contacts: 150 contacts whatever the limit */
  HOSTILE_SAME_PAGE,      /* GET /contacts: the same 100 contacts at every offset */
  HOSTILE_RETRY_AFTER,    /* everything: 429 with Retry-After: 999999 */
  HOSTILE_500,            /* everything: 500 */
  HOSTILE_MANY_LISTS,     /* GET /lists: 300 lists for a page of 200 */
  HOSTILE_LONG_MEMBERS,   /* GET /lists/{name}/contacts: 150 for a page of 100 */
  HOSTILE_HUGE_ANSWER,    /* GET /contacts: 17 MiB of answer */
  HOSTILE_BIG_VALUE,      /* GET /contacts: a first name of 100 KB */
} HostileMode;

typedef struct
{
  HostileMode                   mode;
  SoupServer                   *server;
  ConcordConnectorElasticEmail *connector;
  guint                         n_requests;
} Hostile;

static char *
contacts_page (guint first,
               guint n)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s{\"Email\": \"c%u@example.com\", \"FirstName\": \"C%u\"}",
                            i > 0 ? "," : "", first + i, first + i);
  g_string_append_c (out, ']');

  return g_string_free (out, FALSE);
}

static void
on_hostile_request_cb (SoupServer        *server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  Hostile *hostile = user_data;
  const char *offset_text = query != NULL ? g_hash_table_lookup (query, "offset") : NULL;
  guint offset = offset_text != NULL ? (guint) g_ascii_strtoull (offset_text, NULL, 10) : 0;
  g_autofree char *body = NULL;
  guint status = SOUP_STATUS_OK;

  hostile->n_requests++;

  switch (hostile->mode)
    {
    case HOSTILE_LONG_PAGE:
      if (g_str_equal (path, "/v4/contacts"))
        body = contacts_page (offset, 150);
      break;

    case HOSTILE_SAME_PAGE:
      if (g_str_equal (path, "/v4/contacts"))
        body = contacts_page (0, 100);
      break;

    case HOSTILE_RETRY_AFTER:
      status = 429;
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "999999");
      body = g_strdup ("{\"Error\": \"Too many requests\"}");
      break;

    case HOSTILE_500:
      status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
      body = g_strdup ("{\"Error\": \"Internal error\"}");
      break;

    case HOSTILE_MANY_LISTS:
      if (g_str_equal (path, "/v4/lists"))
        {
          GString *out = g_string_new ("[");

          for (guint i = 0; i < 300; i++)
            g_string_append_printf (out, "%s{\"ListName\": \"L%u\"}", i > 0 ? "," : "", i);
          g_string_append_c (out, ']');
          body = g_string_free (out, FALSE);
        }
      break;

    case HOSTILE_LONG_MEMBERS:
      if (g_str_equal (path, "/v4/lists"))
        body = g_strdup (offset == 0 ? "[{\"ListName\": \"L\"}]" : "[]");
      else if (g_str_equal (path, "/v4/lists/L/contacts"))
        body = contacts_page (offset, 150);
      break;

    case HOSTILE_HUGE_ANSWER:
    case HOSTILE_BIG_VALUE:
      if (g_str_equal (path, "/v4/contacts"))
        {
          gsize length = hostile->mode == HOSTILE_BIG_VALUE ? 100 * 1000 : 17 * 1024 * 1024;
          g_autofree char *name = g_malloc (length + 1);

          memset (name, 'x', length);
          name[length] = '\0';
          g_autofree char *local = g_strnfill (300, 'l');

          /* The name of 'x' but for one 'é' across the 64 KiB boundary. */
          if (hostile->mode == HOSTILE_BIG_VALUE)
            memcpy (name + 64 * 1024 - 1, "\xc3\xa9", 2);
          body = g_strdup_printf ("[{\"Email\": \"ok@example.com\"}, "
                                  "{\"Email\": \"big@example.com\", \"FirstName\": \"%s\"}, "
                                  "{\"Email\": \"%s@example.com\"}]",
                                  name, local);
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (body == NULL)
    body = g_strdup ("[]");

  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
  soup_server_message_set_status (msg, status, NULL);
}

static void
hostile_set_up (Hostile       *hostile,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *url = NULL;

  hostile->mode = GPOINTER_TO_UINT (data);
  hostile->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (hostile->server, "/v4", on_hostile_request_cb, hostile, NULL);
  g_assert_true (soup_server_listen_local (hostile->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (hostile->server);
  url = g_strdup_printf ("http://127.0.0.1:%d/v4", g_uri_get_port (uris->data));

  hostile->connector = concord_connector_elasticemail_new (url, TEST_KEY);
  concord_connector_elasticemail_set_retry_base_ms (hostile->connector, 2);
}

static void
hostile_tear_down (Hostile       *hostile,
                   gconstpointer  data)
{
  g_clear_object (&hostile->connector);
  g_clear_object (&hostile->server);
}

static ConcordPage *
list_page (ConcordConnectorElasticEmail  *connector,
           const char                    *page_token,
           GError                       **error)
{
  return concord_test_list_page (CONCORD_CONNECTOR (connector), "contacts", page_token, error);
}

static gboolean
verify (ConcordConnectorElasticEmail  *connector,
        GError                       **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_verify_async (CONCORD_CONNECTOR (connector), NULL, concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_verify_finish (CONCORD_CONNECTOR (connector), done, error);
}

/* ------------------------------------------------------------------------- */
/* Pages                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_long_page (Hostile       *hostile,
                gconstpointer  data)
{
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;

  /* 150 contacts for a page of 100: none of them is accepted. */
  page = list_page (hostile->connector, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "150 contacts for a page of 100"));
}

static void
test_same_page (Hostile       *hostile,
                gconstpointer  data)
{
  g_autoptr(ConcordPage) first = NULL;
  g_autoptr(ConcordPage) second = NULL;
  g_autoptr(ConcordPage) again = NULL;
  g_autoptr(GError) error = NULL;
  guint n_before;

  first = list_page (hostile->connector, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->records->len, ==, 100);
  g_assert_cmpstr (first->next_page, ==, "100");

  /* The page at offset 100 is the page at 0 again: the listing ends with
   * an error rather than paging for ever. */
  n_before = hostile->n_requests;
  second = list_page (hostile->connector, first->next_page, &error);
  g_assert_null (second);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "repeats the page before it"));
  g_assert_cmpuint (hostile->n_requests, ==, n_before + 1);
  g_clear_error (&error);

  /* A new listing starts afresh: its first page is accepted again. */
  again = list_page (hostile->connector, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->records->len, ==, 100);
}

static void
test_many_lists (Hostile       *hostile,
                 gconstpointer  data)
{
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;

  page = list_page (hostile->connector, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "300 lists for a page of 200"));
  /* Not one list's members were asked for. */
  g_assert_cmpuint (hostile->n_requests, ==, 1);
}

static void
test_long_members (Hostile       *hostile,
                   gconstpointer  data)
{
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;

  page = list_page (hostile->connector, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "GET /lists/{name}/contacts failed: the server sent "
                                            "150 contacts for a page of 100"));
}

static void
test_huge_answer (Hostile       *hostile,
                  gconstpointer  data)
{
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;

  /* Reading stops at 16 MiB, and a too large answer is not asked again. */
  page = list_page (hostile->connector, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "GET /contacts failed: the answer is larger than "
                                            "16 MiB"));
  /* GET /lists, then GET /contacts once. */
  g_assert_cmpuint (hostile->n_requests, ==, 2);
}

static void
test_big_value (Hostile       *hostile,
                gconstpointer  data)
{
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;

  ConcordRecord *big = NULL;
  const char *first_name;
  g_autofree char *mark = g_strdup_printf ("… [cut: %u bytes]", 100 * 1000);

  /* A value no person types is kept cut, with a mark, and marked altered,
   * so it is never written to the other app; the rest of the page and of
   * the contact is read as usual. */
  page = list_page (hostile->connector, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (page->records->len, ==, 3);
  for (guint i = 0; i < page->records->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (page->records, i);

      if (g_str_equal (concord_record_get_remote_id (record), "big@example.com"))
        big = record;
      else if (g_str_has_prefix (concord_record_get_remote_id (record), "lll"))
        g_assert_true (concord_record_is_altered (record, CONCORD_FIELD_EMAIL));
      else
        g_assert_false (concord_record_has_altered (record));
    }

  g_assert_nonnull (big);
  g_assert_false (concord_record_is_altered (big, CONCORD_FIELD_EMAIL));
  g_assert_true (concord_record_is_altered (big, CONCORD_FIELD_FIRST_NAME));
  first_name = concord_record_get_text (big, CONCORD_FIELD_FIRST_NAME);
  g_assert_nonnull (first_name);
  g_assert_true (g_str_has_suffix (first_name, mark));
  g_assert_cmpuint (strlen (first_name), <=, 64 * 1024 + strlen (mark));
  g_assert_cmpuint (strlen (first_name), >, 60 * 1024);
  g_assert_true (g_utf8_validate (first_name, -1, NULL));
}

/* ------------------------------------------------------------------------- */
/* Retries                                                                   */
/* ------------------------------------------------------------------------- */

static void
test_retry_after_cap (Hostile       *hostile,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Retry-After: 999999 is not waited for (not even the old 900 s cap):
   * the call fails at once, the run fails and the schedule retries. */
  g_assert_false (verify (hostile->connector, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED);
  g_assert_nonnull (strstr (error->message, "retry later"));
  g_assert_cmpuint (hostile->n_requests, ==, 1);
  g_assert_true (concord_error_is_transient (error));
}

static void
test_retry_budget (Hostile       *hostile,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Retries of 20, 40, 80 … ms with a budget of 50 ms: after one or two
   * of them the call gives up, before its five retries are spent. */
  concord_connector_elasticemail_set_retry_base_ms (hostile->connector, 20);
  concord_http_client_set_retry_budget_ms (
    concord_rest_connector_get_client (CONCORD_REST_CONNECTOR (hostile->connector)), 50);

  g_assert_false (verify (hostile->connector, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED);
  g_assert_nonnull (strstr (error->message, "of retries"));
  g_assert_cmpuint (hostile->n_requests, >=, 2);
  g_assert_cmpuint (hostile->n_requests, <=, 3);
}

/* ------------------------------------------------------------------------- */
/* Growth                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordStore           *store;
  gint64                  connection_id;
  ConcordMapping         *mapping;
  ConcordSyncConfig       config;
  ConcordMemoryConnector *side[2];
} Sync;

static void
sync_set_up (Sync          *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "concord", "state.sqlite",
                                            NULL);
  ConcordConnectionRow row = {
    .name = (char *) "test", .account_a = (char *) "a", .type_a = (char *) "contacts",
    .account_b = (char *) "b", .type_b = (char *) "contacts", .enabled = TRUE,
  };

  f->store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (f->store, "a", "memory", "A", NULL, &error));
  g_assert_true (concord_store_add_account (f->store, "b", "memory", "B", NULL, &error));
  f->connection_id = concord_store_add_connection (f->store, &row, &error);
  g_assert_no_error (error);

  f->mapping = concord_mapping_new ();
  concord_mapping_add (f->mapping, "email", CONCORD_FIELD_TYPE_EMAIL, "email",
                       CONCORD_FIELD_TYPE_EMAIL, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add (f->mapping, "first_name", CONCORD_FIELD_TYPE_STRING, "first_name",
                       CONCORD_FIELD_TYPE_STRING, CONCORD_PAIR_FLOW_BOTH);
  concord_sync_config_init (&f->config, f->mapping);

  for (guint s = 0; s < 2; s++)
    {
      f->side[s] = concord_memory_connector_new (s ? "b" : "a", CONCORD_CONNECTOR_NONE);
      concord_memory_connector_set_page_size (f->side[s], 4);
    }
}

static void
sync_tear_down (Sync          *f,
                gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "concord", NULL);

  concord_sync_config_clear (&f->config);
  concord_mapping_unref (f->mapping);
  g_clear_object (&f->side[0]);
  g_clear_object (&f->side[1]);
  g_clear_object (&f->store);
  concord_test_remove_dir (dir);
}

static void
add_people (ConcordMemoryConnector *side,
            guint                   first,
            guint                   n)
{
  for (guint i = first; i < first + n; i++)
    {
      g_autoptr(ConcordRecord) record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("p%u@example.com", i);

      concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, email);
      concord_record_set_text (record, "first_name", CONCORD_FIELD_TYPE_STRING, "P");
      concord_memory_connector_insert (side, record);
    }
}

static gboolean
run_sync (Sync              *f,
          ConcordRunSummary *summary,
          GError           **error)
{
  concord_memory_connector_reset_counters (f->side[0]);
  concord_memory_connector_reset_counters (f->side[1]);

  return concord_sync_run (f->store, f->connection_id, &f->config,
                           CONCORD_CONNECTOR (f->side[0]), "contacts",
                           CONCORD_CONNECTOR (f->side[1]), "contacts",
                           NULL, NULL, summary, error);
}

static void
test_growth_bound (Sync          *f,
                   gconstpointer  data)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  guint n_list_calls;

  g_assert_cmpuint (f->config.growth_min, ==, CONCORD_GROWTH_MIN);
  g_assert_cmpuint (f->config.growth_factor, ==, CONCORD_GROWTH_FACTOR);
  g_assert_cmpuint (f->config.first_max, ==, CONCORD_FIRST_SYNC_MAX);

  /* Small bounds for a small test: at most max (12, 3 × known), and 10
   * on a first sync. */
  f->config.growth_min = 12;
  f->config.growth_factor = 3;
  f->config.first_max = 10;

  /* A first sync above the ceiling stops while reading: nothing written. */
  add_people (f->side[0], 0, 11);
  g_assert_false (run_sync (f, &summary, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "listed more than 10 contacts although 0 were known"));
  g_assert_true (summary.tripped);
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (f->side[1]), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 0);
  /* It stopped at the page that crossed the bound: 3 pages of 4. */
  g_assert_cmpuint (concord_memory_connector_get_n_list_calls (f->side[0]), ==, 3);
  concord_run_summary_clear (&summary);
  g_clear_error (&error);

  /* Within the ceiling the first sync goes through. */
  {
    g_autoptr(GPtrArray) all = concord_memory_connector_get_all (f->side[0]);

    while (all->len > 10)
      {
        concord_memory_connector_remove (f->side[0],
                                         concord_record_get_remote_id (all->pdata[all->len - 1]));
        g_ptr_array_remove_index (all, all->len - 1);
      }
  }
  g_assert_true (run_sync (f, &summary, &error));
  g_assert_no_error (error);
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 10);

  /* Ten known: max (12, 30) = 30. Growing to 30 is fine … */
  add_people (f->side[0], 100, 20);
  g_assert_true (run_sync (f, &summary, &error));
  g_assert_no_error (error);
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 30);

  /* … thirty known: max (12, 90) = 90; a side that suddenly lists 200
   * stops the run before anything is written, after 23 pages. */
  add_people (f->side[0], 200, 170);
  g_assert_false (run_sync (f, &summary, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "side a listed more than 90 contacts although 30 "
                                            "were known"));
  g_assert_true (summary.tripped);
  n_list_calls = concord_memory_connector_get_n_list_calls (f->side[0]);
  g_assert_cmpuint (n_list_calls, ==, 23);
  g_assert_cmpuint (concord_memory_connector_get_n_write_calls (f->side[1]), ==, 0);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 30);
  concord_run_summary_clear (&summary);
  g_clear_error (&error);

  /* The user confirms: the bound rises to the first sync's ceiling. */
  f->config.first_max = 1000;
  f->config.force = TRUE;
  g_assert_true (run_sync (f, &summary, &error));
  g_assert_no_error (error);
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (concord_memory_connector_get_n_records (f->side[1]), ==, 200);
}

static void
test_max_listed (void)
{
  g_autoptr(ConcordMapping) mapping = concord_mapping_new ();
  ConcordSyncConfig config;

  concord_sync_config_init (&config, mapping);
  g_assert_cmpuint (concord_sync_config_max_listed (&config, 0), ==, 1000000);
  g_assert_cmpuint (concord_sync_config_max_listed (&config, 1), ==, 10000);
  g_assert_cmpuint (concord_sync_config_max_listed (&config, 5000), ==, 50000);
  g_assert_cmpuint (concord_sync_config_max_listed (&config, 500000), ==, 5000000);
  config.force = TRUE;
  g_assert_cmpuint (concord_sync_config_max_listed (&config, 1), ==, 1000000);
  concord_sync_config_clear (&config);
}

/* ------------------------------------------------------------------------- */
/* Journal                                                                   */
/* ------------------------------------------------------------------------- */

static void
test_journal_cut (Sync          *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GString) huge = g_string_new (NULL);
  g_autofree char *mark = NULL;
  ConcordJournalRow *stored;
  ConcordJournalRow row = {
    .direction = (char *) "a-to-b",
    .op = (char *) "update",
    .field = (char *) "first_name",
    .before = (char *) "Ann",
    .outcome = (char *) "ok",
    .email = (char *) "ann@example.com",
  };

  /* 1 MB of two-byte characters, so a cut in the middle of one shows. */
  while (huge->len < 1024 * 1024)
    g_string_append (huge, "é");
  row.after = huge->str;
  row.name = huge->str;
  row.error = huge->str;

  g_assert_true (concord_store_add_journal (f->store, f->connection_id, &row, &error));
  g_assert_no_error (error);

  rows = concord_store_list_journal (f->store, f->connection_id, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  stored = g_ptr_array_index (rows, 0);

  /* Short values are kept as they are. */
  g_assert_cmpstr (stored->before, ==, "Ann");
  g_assert_cmpstr (stored->email, ==, "ann@example.com");

  /* Long ones are cut, valid UTF-8, with a mark saying how long they were. */
  mark = g_strdup_printf ("… [cut: %" G_GSIZE_FORMAT " bytes]", huge->len);
  g_assert_cmpuint (strlen (stored->after), <=, CONCORD_STORE_JOURNAL_MAX_TEXT + 64);
  g_assert_true (g_utf8_validate (stored->after, -1, NULL));
  g_assert_true (g_str_has_suffix (stored->after, mark));
  g_assert_true (g_str_has_prefix (stored->after, "éé"));
  g_assert_cmpuint (strlen (stored->name), <=, CONCORD_STORE_JOURNAL_MAX_TEXT + 64);
  g_assert_true (g_utf8_validate (stored->name, -1, NULL));
  g_assert_cmpuint (strlen (stored->error), <=, CONCORD_STORE_JOURNAL_MAX_TEXT + 64);
}

int
main (int   argc,
      char *argv[])
{
  /* The servers are local; isolated XDG directories hide the system's
   * proxy settings schema, which GNOME's proxy resolver would abort on. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

#define ADD_HOSTILE(name, mode, func) \
  g_test_add ("/concord/limits/" name, Hostile, GUINT_TO_POINTER (mode), \
              hostile_set_up, func, hostile_tear_down)
#define ADD_SYNC(name, func) \
  g_test_add ("/concord/limits/" name, Sync, NULL, sync_set_up, func, sync_tear_down)

  ADD_HOSTILE ("long-page", HOSTILE_LONG_PAGE, test_long_page);
  ADD_HOSTILE ("same-page", HOSTILE_SAME_PAGE, test_same_page);
  ADD_HOSTILE ("many-lists", HOSTILE_MANY_LISTS, test_many_lists);
  ADD_HOSTILE ("long-members", HOSTILE_LONG_MEMBERS, test_long_members);
  ADD_HOSTILE ("huge-answer", HOSTILE_HUGE_ANSWER, test_huge_answer);
  ADD_HOSTILE ("big-value", HOSTILE_BIG_VALUE, test_big_value);
  ADD_HOSTILE ("retry-after-cap", HOSTILE_RETRY_AFTER, test_retry_after_cap);
  ADD_HOSTILE ("retry-budget", HOSTILE_500, test_retry_budget);
  g_test_add_func ("/concord/limits/max-listed", test_max_listed);
  ADD_SYNC ("growth-bound", test_growth_bound);
  ADD_SYNC ("journal-cut", test_journal_cut);

  return g_test_run ();
}
