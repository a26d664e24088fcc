/* test-mock-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The mock server framework (src/connectors/mock/) every app's mock is
 * built on: routes, faults by number, by route and by glob, the 413 rule, the
 * request log with headers, the in-flight maximum and the authentication
 * helpers, driven through a plain SoupSession.
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-server.h"
#include "concord-test-utils.h"

typedef struct
{
  ConcordMockServer *server;
  SoupSession       *session;
} Fixture;

/* Answers "route NAME", and whether the request's credentials are right. */
static void
on_named_route_cb (ConcordMockRequest *request,
                   gpointer            user_data)
{
  const char *name = user_data;
  gboolean bearer = concord_mock_request_check_bearer (request, "tok");
  gboolean basic = concord_mock_request_check_basic (request, "ann", "pw");
  gboolean key = concord_mock_request_check_query_key (request, "api_key", "k1");
  gboolean header = concord_mock_request_check_header (request, "X-Key", "k2");

  concord_mock_request_respond (request, SOUP_STATUS_OK, "text/plain",
                                g_strdup_printf ("%s bearer=%d basic=%d key=%d header=%d",
                                                 name, bearer, basic, key, header));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = concord_mock_server_new ("test-mock-server", 0, &error);
  g_assert_no_error (error);
  concord_mock_server_add_route (f->server, "POST", "/items", on_named_route_cb, (gpointer) "post", NULL);
  concord_mock_server_add_route (f->server, NULL, "/items", on_named_route_cb, (gpointer) "items", NULL);
  f->session = soup_session_new_with_options ("max-conns-per-host", 8, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->server);
}

static SoupMessage *
new_message (Fixture    *f,
             const char *method,
             const char *path_and_query,
             const char *body)
{
  g_autofree char *uri = g_strconcat (concord_mock_server_get_origin (f->server), path_and_query, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  return msg;
}

/* Sends and returns the body as a string; the status in @status. */
static char *
send (Fixture    *f,
      SoupMessage *msg,
      guint       *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read (f->session, msg, NULL, &error);

  g_assert_no_error (error);
  *status = soup_message_get_status (msg);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static char *
request (Fixture    *f,
         const char *method,
         const char *path,
         const char *body,
         guint      *status)
{
  g_autoptr(SoupMessage) msg = new_message (f, method, path, body);

  return send (f, msg, status);
}

static void
test_routes_and_log (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = new_message (f, "GET", "/items/7?api_key=k1&x=a%20b", NULL);
  g_autofree char *items = NULL, *post = NULL, *none = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  ConcordMockLogEntry *entry;
  guint status;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer tok");
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Key", "k2");
  items = send (f, msg, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (items, ==, "items bearer=1 basic=0 key=1 header=1");

  post = request (f, "POST", "/items", "[]", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (post, ==, "post bearer=0 basic=0 key=0 header=0");

  none = request (f, "GET", "/elsewhere", NULL, &status);
  g_assert_cmpuint (status, ==, 404);
  g_assert_cmpstr (none, ==, "{\"Error\":\"Not found.\"}");

  log = concord_mock_server_get_log (f->server);
  g_assert_cmpuint (log->len, ==, 3);
  entry = g_ptr_array_index (log, 0);
  g_assert_cmpuint (entry->number, ==, 1);
  g_assert_cmpstr (entry->method, ==, "GET");
  g_assert_cmpstr (entry->path, ==, "/items/7");
  g_assert_cmpstr (entry->query, ==, "api_key=k1&x=a%20b");
  g_assert_cmpstr (soup_message_headers_get_one (entry->headers, "X-Key"), ==, "k2");
  g_assert_cmpint (entry->time_us, <=, ((ConcordMockLogEntry *) g_ptr_array_index (log, 1))->time_us);
  g_assert_cmpuint (concord_mock_server_count_header (f->server, "Authorization", NULL), ==, 1);
  g_assert_cmpuint (concord_mock_server_count_header (f->server, "X-Key", "other"), ==, 0);

  lines = concord_mock_server_get_requests (f->server);
  g_assert_cmpstr (g_ptr_array_index (lines, 1), ==, "POST /items");

  concord_mock_server_reset_log (f->server);
  g_assert_cmpuint (concord_mock_server_get_n_requests (f->server), ==, 0);
}

/* A bounded log keeps the latest requests and still counts them all. */
static void
test_log_limit (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) log = NULL;
  guint status;

  for (guint i = 0; i < 5; i++)
    g_free (request (f, "GET", "/items", NULL, &status));
  concord_mock_server_set_log_limit (f->server, 3);
  log = concord_mock_server_get_log (f->server);
  g_assert_cmpuint (log->len, ==, 3);
  g_assert_cmpuint (((ConcordMockLogEntry *) g_ptr_array_index (log, 0))->number, ==, 3);
  g_clear_pointer (&log, g_ptr_array_unref);

  for (guint i = 0; i < 4; i++)
    g_free (request (f, "POST", "/items", "[]", &status));
  log = concord_mock_server_get_log (f->server);
  g_assert_cmpuint (log->len, ==, 3);
  g_assert_cmpuint (((ConcordMockLogEntry *) g_ptr_array_index (log, 0))->number, ==, 7);
  g_assert_cmpuint (((ConcordMockLogEntry *) g_ptr_array_index (log, 2))->number, ==, 9);
  g_assert_cmpuint (concord_mock_server_get_n_requests (f->server), ==, 9);

  concord_mock_server_reset_log (f->server);
  g_assert_cmpuint (concord_mock_server_get_n_requests (f->server), ==, 0);
}

static void
test_basic_auth (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = new_message (f, "GET", "/items", NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) "ann:pw", 6);
  g_autofree char *value = g_strdup_printf ("Basic %s", encoded);
  g_autofree char *body = NULL;
  guint status;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
  body = send (f, msg, &status);
  g_assert_cmpstr (body, ==, "items bearer=0 basic=1 key=0 header=0");
}

static void
test_fault_by_route (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *body = NULL;
  guint status;

  /* The 2nd and 3rd GET /items from now; a POST in between does not count. */
  concord_mock_server_fail_route (f->server, "GET", "/items", 2, 2, CONCORD_MOCK_FAULT_500, 0);
  a = request (f, "GET", "/items", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  b = request (f, "POST", "/items", "[]", &status);
  g_assert_cmpuint (status, ==, 200);
  c = request (f, "GET", "/items", NULL, &status);
  g_assert_cmpuint (status, ==, 500);
  g_assert_cmpstr (c, ==, "{\"Error\":\"An unexpected error occurred.\"}");
  d = request (f, "GET", "/items", NULL, &status);
  g_assert_cmpuint (status, ==, 500);
  e = request (f, "GET", "/items", NULL, &status);
  g_assert_cmpuint (status, ==, 200);

  /* By number: the next request answers 429 with Retry-After. */
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_429, 3);
  msg = new_message (f, "GET", "/items", NULL);
  body = send (f, msg, &status);
  g_assert_cmpuint (status, ==, 429);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"),
                   ==, "3");
}

static void
test_fault_by_glob (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  guint status;

  /* The next GET under /items/ answers a truncated body; a POST and a GET
   * of /items itself do not match the glob, and the fault fires once. */
  concord_mock_server_fail_matching (f->server, "GET /items/*", 1, 1, CONCORD_MOCK_FAULT_TRUNCATE, 0);
  a = request (f, "POST", "/items/1", "[]", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (a, ==, "post bearer=0 basic=0 key=0 header=0");
  b = request (f, "GET", "/items", NULL, &status);
  g_assert_cmpstr (b, ==, "items bearer=0 basic=0 key=0 header=0");
  c = request (f, "GET", "/items/2?x=1", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (c, ==, "items bearer=0 bas");
  d = request (f, "GET", "/items/2", NULL, &status);
  g_assert_cmpstr (d, ==, "items bearer=0 basic=0 key=0 header=0");
}

static void
test_faults_shaped (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SoupMessage) redirect = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *g = NULL;
  guint status;

  /* 413 above two items; the route is not reached. */
  concord_mock_server_set_max_items (f->server, 2);
  a = request (f, "POST", "/items", "[1, 2, 3]", &status);
  g_assert_cmpuint (status, ==, 413);
  b = request (f, "POST", "/items", "[1, 2]", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (b, ==, "post bearer=0 basic=0 key=0 header=0");

  /* Truncated: the route's body cut in half. */
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_TRUNCATE, 0);
  c = request (f, "GET", "/items", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (strlen (c), ==, strlen ("items bearer=0 basic=0 key=0 header=0") / 2);

  /* A nesting bomb. */
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_NESTING_BOMB, 0);
  d = request (f, "GET", "/items", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (strlen (d), ==, 200000);
  g_assert_true (g_str_has_prefix (d, "[[[[") && g_str_has_suffix (d, "]]]]"));

  /* A redirect to another origin, same path and query. */
  concord_mock_server_set_redirect_target (f->server, "http://127.0.0.1:1");
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_REDIRECT, 0);
  redirect = new_message (f, "GET", "/items?a=1", NULL);
  e = send (f, redirect, &status);
  g_assert_cmpuint (status, ==, 302);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (redirect), "Location"),
                   ==, "http://127.0.0.1:1/items?a=1");

  /* Cleared: nothing armed any more. */
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_500, 0);
  concord_mock_server_clear_faults (f->server);
  g = request (f, "POST", "/items", "[1, 2, 3]", &status);
  g_assert_cmpuint (status, ==, 200);
}

static void
test_in_flight (Fixture       *f,
                gconstpointer  data)
{
  GAsyncResult *results[3] = { NULL, };
  SoupMessage *msgs[3];

  /* Three slow answers at once: the server sees all three in flight. */
  concord_mock_server_fail_route (f->server, "GET", "/items", 1, 3, CONCORD_MOCK_FAULT_SLOW, 1);
  for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
    {
      msgs[i] = new_message (f, "GET", "/items", NULL);
      soup_session_send_and_read_async (f->session, msgs[i], G_PRIORITY_DEFAULT, NULL,
                                        concord_test_store_result_cb, &results[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GAsyncResult) result = concord_test_wait_for_result (&results[i]);
      g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (f->session, result, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (msgs[i]), ==, 200);
      g_object_unref (msgs[i]);
    }

  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), ==, 3);
  CONCORD_TEST_WAIT_FOR (concord_mock_server_get_in_flight (f->server) == 0);
  concord_mock_server_reset_max_in_flight (f->server);
  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  /* Before GIO loads its modules: the isolated test dirs hold no schemas
   * GNOME's proxy resolver module needs; the server is local anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/mock-server/routes-and-log", Fixture, NULL,
              fixture_setup, test_routes_and_log, fixture_teardown);
  g_test_add ("/concord/mock-server/log-limit", Fixture, NULL,
              fixture_setup, test_log_limit, fixture_teardown);
  g_test_add ("/concord/mock-server/basic-auth", Fixture, NULL,
              fixture_setup, test_basic_auth, fixture_teardown);
  g_test_add ("/concord/mock-server/fault-by-route", Fixture, NULL,
              fixture_setup, test_fault_by_route, fixture_teardown);
  g_test_add ("/concord/mock-server/fault-by-glob", Fixture, NULL,
              fixture_setup, test_fault_by_glob, fixture_teardown);
  g_test_add ("/concord/mock-server/faults-shaped", Fixture, NULL,
              fixture_setup, test_faults_shaped, fixture_teardown);
  g_test_add ("/concord/mock-server/in-flight", Fixture, NULL,
              fixture_setup, test_in_flight, fixture_teardown);

  return g_test_run ();
}
