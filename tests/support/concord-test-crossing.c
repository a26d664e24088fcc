/* concord-test-crossing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The set-up shared by tests/test-sync-latency.c (with a faster clock)
 * and bench/concord-bench-latency.c (with the real one): see the header.
 * The servers are asked with blocking HTTP requests of their own, which
 * never touch a main context, once at the end of each run of the
 * connection: that is when an edit can have crossed.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-test-crossing.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

#define KEY_A "key-crossing-a"
#define KEY_B "key-crossing-b"

struct _ConcordCrossing
{
  ConcordEngine *engine;      /* (owned) */
  GSubprocess   *mock_a;      /* (owned) */
  GSubprocess   *mock_b;      /* (owned) */
  char          *url_a;
  char          *url_b;
  char          *account_a;
  char          *account_b;
  gint64         id;
  char          *email;       /* the contact edited */
  char          *first_name;  /* what it was last given */
  guint          n_edits;
  gint64         edited_at;   /* monotonic µs */
  gint64         arrived_at;  /* monotonic µs, 0 until the edit is on the second server */
  guint          n_runs;      /* runs of the connection since the edit */
  guint          n_finished;  /* runs of the connection */
  gboolean       last_ok;
};

/**
 * concord_test_mock_request:
 * @base_url: a concord-mock Elastic Email's API base URL
 * @path: the path under it, with its query
 * @body: (nullable): a JSON body
 *
 * One request on a blocking socket, which never touches a main context (a
 * test whose UI loop is stopped can still look at the server); the test
 * fails unless the answer is a 2xx.
 *
 * Returns: (transfer full): the answer's body
 */
char *
concord_test_mock_request (const char *base_url,
                           const char *key,
                           const char *method,
                           const char *path,
                           const char *body)
{
  g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GString) response = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  const char *start;
  char buffer[4096];
  gssize n_read;

  g_assert_nonnull (uri);
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, g_uri_get_host (uri), g_uri_get_port (uri),
                                                NULL, &error);
  g_assert_no_error (error);
  head = g_strdup_printf ("%s %s%s HTTP/1.1\r\nHost: %s:%d\r\nX-ElasticEmail-ApiKey: %s\r\n"
                          "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n%s",
                          method, g_uri_get_path (uri), path, g_uri_get_host (uri), g_uri_get_port (uri), key,
                          body != NULL ? strlen (body) : 0, body != NULL ? body : "");
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            head, strlen (head), NULL, NULL, &error));
  g_assert_no_error (error);
  while ((n_read = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                        buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (response, buffer, n_read);
  g_assert_no_error (error);

  if (!g_str_has_prefix (response->str, "HTTP/1.1 2"))
    g_error ("%s %s: %.*s", method, path, 40, response->str);
  start = strstr (response->str, "\r\n\r\n");
  g_assert_nonnull (start);
  return g_strdup (start + 4);
}

static void
on_run_finished (ConcordEngine          *engine,
                 ConcordConnectionState *state,
                 gboolean                ok,
                 ConcordCrossing        *self)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contact = NULL;

  if (concord_connection_state_get_id (state) != self->id)
    return;
  self->n_finished++;
  self->last_ok = ok;
  if (self->edited_at == 0 || self->arrived_at != 0)
    return;

  self->n_runs++;
  escaped = g_uri_escape_string (self->email, NULL, FALSE);
  path = g_strdup_printf ("/contacts/%s", escaped);
  contact = concord_test_mock_request (self->url_b, KEY_B, "GET", path, NULL);
  if (strstr (contact, self->first_name) != NULL)
    self->arrived_at = g_get_monotonic_time ();
}

static gboolean
finished_at_least_one (gpointer data)
{
  return ((ConcordCrossing *) data)->n_finished > 0;
}

ConcordCrossing *
concord_crossing_new (ConcordApplication *app,
                      guint               n_contacts)
{
  ConcordCrossing *self = g_new0 (ConcordCrossing, 1);
  g_autofree char *options_a = NULL;
  g_autofree char *options_b = NULL;
  g_autofree char *first = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) page = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;

  self->engine = g_object_ref (concord_application_get_engine (app));
  self->mock_a = concord_test_spawn_mock (KEY_A, n_contacts, &self->url_a);
  self->mock_b = concord_test_spawn_mock (KEY_B, 0, &self->url_b);

  /* The contact to edit: the first the first server lists. */
  first = concord_test_mock_request (self->url_a, KEY_A, "GET", "/contacts?limit=1&offset=0", NULL);
  page = json_from_string (first, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (page));
  self->email = g_strdup (json_object_get_string_member (
    json_array_get_object_element (json_node_get_array (page), 0), "Email"));

  options_a = g_strdup_printf ("{\"base_url\": \"%s\"}", self->url_a);
  options_b = g_strdup_printf ("{\"base_url\": \"%s\"}", self->url_b);
  self->account_a = concord_test_add_account (self->engine, "elasticemail", "Shop", options_a, KEY_A);
  self->account_b = concord_test_add_account (self->engine, "elasticemail", "Newsletter", options_b, KEY_B);

  row.name = (char *) "Shop and Newsletter";
  row.account_a = self->account_a;
  row.type_a = (char *) "contacts";
  row.account_b = self->account_b;
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_BOTH;
  row.prefer = CONCORD_PREFER_NEWEST;
  row.enabled = FALSE;
  concord_engine_add_connection_async (self->engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  self->id = concord_engine_add_connection_finish (self->engine, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  g_signal_connect (self->engine, "run-finished", G_CALLBACK (on_run_finished), self);
  concord_engine_set_enabled_async (self->engine, self->id, TRUE, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_set_enabled_finish (self->engine, result, &error));
  g_assert_no_error (error);
  g_assert_true (concord_test_wait_until (finished_at_least_one, self, 600));
  g_assert_true (self->last_ok);
  g_assert_cmpint (concord_connection_state_get_n_linked (concord_crossing_get_state (self)), ==, n_contacts);

  return self;
}

ConcordConnectionState *
concord_crossing_get_state (ConcordCrossing *self)
{
  return concord_engine_lookup (self->engine, self->id);
}

/**
 * concord_crossing_edit:
 *
 * Gives the contact a new first name on the first server, through its API.
 */
void
concord_crossing_edit (ConcordCrossing *self)
{
  g_autofree char *escaped = g_uri_escape_string (self->email, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/contacts/%s", escaped);
  g_autofree char *body = NULL;
  g_autofree char *answer = NULL;

  g_free (self->first_name);
  self->first_name = g_strdup_printf ("Edited%u", ++self->n_edits);
  body = g_strdup_printf ("{\"FirstName\": \"%s\"}", self->first_name);
  answer = concord_test_mock_request (self->url_a, KEY_A, "PUT", path, body);
  g_assert_nonnull (strstr (answer, self->first_name));

  self->edited_at = g_get_monotonic_time ();
  self->arrived_at = 0;
  self->n_runs = 0;
}

static gboolean
arrived (gpointer data)
{
  return ((ConcordCrossing *) data)->arrived_at != 0;
}

/**
 * concord_crossing_wait:
 * @timeout_s: how long to wait at most (at least CONCORD_TEST_WAIT_S)
 * @n_runs: (out) (optional): the runs it took
 *
 * Spins the main loop until the last edit is on the second server, as
 * seen at the end of a run.
 *
 * Returns: the seconds from the edit to the end of the run that carried
 *   it; -1 when it did not arrive
 */
double
concord_crossing_wait (ConcordCrossing *self,
                       guint            timeout_s,
                       guint           *n_runs)
{
  gboolean ok = concord_test_wait_until (arrived, self, timeout_s);

  if (n_runs != NULL)
    *n_runs = self->n_runs;
  return ok ? (self->arrived_at - self->edited_at) / 1e6 : -1;
}

void
concord_crossing_free (ConcordCrossing *self)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  g_signal_handlers_disconnect_by_data (self->engine, self);

  /* Leave no keys in the session keyring. */
  concord_engine_remove_connection_async (self->engine, self->id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_remove_connection_finish (self->engine, result, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_clear_object (&result);
      concord_engine_remove_account_async (self->engine, i == 0 ? self->account_a : self->account_b, NULL,
                                           concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      g_assert_true (concord_engine_remove_account_finish (self->engine, result, &error));
      g_assert_no_error (error);
    }

  g_subprocess_send_signal (self->mock_a, SIGTERM);
  g_subprocess_send_signal (self->mock_b, SIGTERM);
  g_clear_object (&self->mock_a);
  g_clear_object (&self->mock_b);
  g_clear_object (&self->engine);
  g_free (self->url_a);
  g_free (self->url_b);
  g_free (self->account_a);
  g_free (self->account_b);
  g_free (self->email);
  g_free (self->first_name);
  g_free (self);
}
