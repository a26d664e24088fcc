/* test-http.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "concord-app-registry.h"
#include "concord-connector-elasticemail.h"
#include "concord-connector-sample-private.h"
#include "concord-error.h"
#include "concord-http.h"
#include "concord-json-private.h"
#include "concord-test-utils.h"

#define TEST_KEY "http-test-key-2b8e6f1a9c4d"

static void
test_check_status (void)
{
  static const struct {
    guint status;
    int   code;  /* -1: success */
  } cases[] = {
    { 200, -1 }, { 201, -1 }, { 204, -1 },
    { 400, CONCORD_ERROR_FAILED },
    { 401, CONCORD_ERROR_AUTH_FAILED },
    { 403, CONCORD_ERROR_AUTH_FAILED },
    { 404, CONCORD_ERROR_NOT_FOUND },
    { 409, CONCORD_ERROR_CONFLICT },
    { 412, CONCORD_ERROR_CONFLICT },
    { 413, CONCORD_ERROR_FAILED },
    { 429, CONCORD_ERROR_RATE_LIMITED },
    { 500, CONCORD_ERROR_SERVER },
    { 503, CONCORD_ERROR_SERVER },
    { 302, CONCORD_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = concord_http_check_status (cases[i].status, "GET /contacts", &error);

      if (cases[i].code == -1)
        {
          g_assert_true (ok);
          g_assert_no_error (error);
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("HTTP %u", cases[i].status);

          g_assert_false (ok);
          g_assert_error (error, CONCORD_ERROR, cases[i].code);
          g_assert_nonnull (strstr (error->message, "GET /contacts"));
          g_assert_nonnull (strstr (error->message, expected));
        }
    }

  /* Transient or not decides whether the executor retries. */
  {
    g_autoptr(GError) rate = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED, "x");
    g_autoptr(GError) auth = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED, "x");
    g_autoptr(GError) reset = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "x");
    g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");

    g_assert_true (concord_error_is_transient (rate));
    g_assert_true (concord_error_is_transient (reset));
    g_assert_false (concord_error_is_transient (auth));
    g_assert_false (concord_error_is_transient (cancelled));
    g_assert_false (concord_error_is_transient (NULL));
  }
}

static void
test_retry_after (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 11, 28, 12, 0, 0);

  g_assert_cmpint (concord_http_parse_retry_after ("120", now), ==, 120);
  g_assert_cmpint (concord_http_parse_retry_after (" 7 ", now), ==, 7);
  g_assert_cmpint (concord_http_parse_retry_after ("0", now), ==, 0);
  /* A server asking for a day gets the cap, not a frozen run. */
  g_assert_cmpint (concord_http_parse_retry_after ("86400", now), ==,
                   CONCORD_HTTP_MAX_RETRY_AFTER_SECONDS);
  g_assert_cmpint (concord_http_parse_retry_after ("99999999999999999999999", now), ==, -1);
  g_assert_cmpint (concord_http_parse_retry_after ("Sat, 28 Nov 2026 12:00:30 GMT", now), ==, 30);
  /* A date in the past means "now". */
  g_assert_cmpint (concord_http_parse_retry_after ("Sat, 28 Nov 2026 11:00:00 GMT", now), ==, 0);
  g_assert_cmpint (concord_http_parse_retry_after ("-5", now), ==, -1);
  g_assert_cmpint (concord_http_parse_retry_after ("soon", now), ==, -1);
  g_assert_cmpint (concord_http_parse_retry_after ("", now), ==, -1);
  g_assert_cmpint (concord_http_parse_retry_after (NULL, now), ==, -1);
}

static void
test_redact (void)
{
  static const struct {
    const char *input;
    const char *must_not_contain;
  } cases[] = {
    { "PUT /v4/contacts/jane.doe+shop@example.com failed", "jane.doe" },
    { "PUT /v4/contacts/jane.doe%2Bshop%40example.com failed", "example.com" },
    { "X-ElasticEmail-ApiKey: 0A1B2C3D4E5F", "0A1B2C3D4E5F" },
    { "GET /v2/contact/list?apikey=abcdef123&limit=10", "abcdef123" },
    { "Authorization: Bearer pat-na1-1234", "pat-na1-1234" },
    { "{\"password\": \"hunter2\"}", "hunter2" },
    { "token 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc seen", "9f8e7d6c5b4a" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = concord_http_redact (cases[i].input);

      g_assert_nonnull (out);
      g_assert_null (strstr (out, cases[i].must_not_contain));
    }

  /* What is harmless stays readable. */
  {
    g_autofree char *out = concord_http_redact ("GET /v4/contacts?limit=100&offset=200 -> 429");

    g_assert_cmpstr (out, ==, "GET /v4/contacts?limit=100&offset=200 -> 429");
  }

  /* Invalid UTF-8 never crashes and never leaks the input. */
  {
    g_autofree char *out = concord_http_redact ("bad \xff\xfe bytes jane@example.com");

    g_assert_nonnull (out);
    g_assert_null (strstr (out, "jane@"));
  }

  /* json-glib quotes what it could not read, invalid UTF-8 included: this
   * message crashed GRegex (found by tests/fuzz/fuzz-elasticemail-answer). */
  {
    g_autofree char *out = concord_http_redact ("<data>:1:23: Parse error: invalid string constant "
                                                "\"\xc3\xa0\xbf\xbdil\", expected valid string constant");

    g_assert_nonnull (out);
    g_assert_true (g_utf8_validate (out, -1, NULL));
    g_assert_nonnull (strstr (out, "Parse error"));
  }

  g_assert_null (concord_http_redact (NULL));
}

static void
test_session (void)
{
  g_autoptr(SoupSession) session = concord_http_session_new ();
  const char *agent = soup_session_get_user_agent (session);

  g_assert_true (g_str_has_prefix (agent, "Concord/" PACKAGE_VERSION));
  g_assert_cmpuint (soup_session_get_timeout (session), ==, CONCORD_HTTP_TIMEOUT_SECONDS);
  g_assert_cmpuint (soup_session_get_max_conns (session), <=, 20);
}

/* Point 8 of issue 13: a prefix check let these through. */
static void
test_base_url (void)
{
  static const char * const accepted[] = {
    "https://api.elasticemail.com/v4",
    "HTTPS://api.elasticemail.com:8443/v4/",
    "http://127.0.0.1:8080/v4",
    "http://127.1.2.3/v4",
    "http://localhost:9000/v4",
    "http://LOCALHOST/v4",
    "http://[::1]:8080/v4",
  };
  static const char * const refused[] = {
    "http://127.0.0.1.evil.invalid/v4",
    "http://localhost@evil.invalid/v4",
    "http://localhost.evil.invalid/v4",
    "http://user:pass@127.0.0.1/v4",
    "https://user@api.elasticemail.com/v4",
    "http://evil.invalid/v4",
    "http://128.0.0.1/v4",
    "http://[::2]/v4",
    "http://[::ffff:10.0.0.1]/v4",
    "http://0.0.0.0/v4",
    "ftp://127.0.0.1/v4",
    "file:///etc/passwd",
    "not-a-url",
    "",
    "/v4",
    "https:///v4",
    "https://api.elasticemail.com/v4?apikey=x",
    "https://api.elasticemail.com/v4#x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("accepted: %s", accepted[i]);
      g_assert_true (concord_http_check_base_url (accepted[i], &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("refused: %s", refused[i]);
      g_assert_false (concord_http_check_base_url (refused[i], &error));
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
    }

  g_assert_false (concord_http_check_base_url (NULL, NULL));
}

static void
test_origin (void)
{
  static const struct {
    const char *uri;
    const char *origin;
  } cases[] = {
    { "https://API.example.com/v4/contacts?x=1", "https://api.example.com:443" },
    { "http://127.0.0.1:8080/v4", "http://127.0.0.1:8080" },
    { "http://localhost/v4", "http://localhost:80" },
    { "http://[::1]:81/", "http://[::1]:81" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GUri) uri = g_uri_parse (cases[i].uri, G_URI_FLAGS_NONE, NULL);
      g_autofree char *origin = concord_http_origin (uri);

      g_assert_cmpstr (origin, ==, cases[i].origin);
    }
}

/* Point 9: one check of an app's options, for the CLI and the engine. */
static void
test_options (void)
{
  static const struct {
    const char *app;
    const char *options;
    const char *must_contain;  /* NULL: accepted */
  } cases[] = {
    { "elasticemail", NULL, NULL },
    { "elasticemail", "", NULL },
    { "elasticemail", "{}", NULL },
    { "elasticemail", "{\"base_url\": \"https://api.elasticemail.com/v4\"}", NULL },
    { "elasticemail", "{\"base_url\": \"http://127.0.0.1:1/v4\", \"custom_fields\": \"a,b\"}", NULL },
    { "elasticemail", "{\"api_key\": \"K\"}", "standard input" },
    { "elasticemail", "{\"apikey\": \"K\"}", "standard input" },
    { "elasticemail", "{\"key\": \"K\"}", "standard input" },
    { "elasticemail", "{\"X-ElasticEmail-ApiKey\": \"K\"}", "standard input" },
    { "elasticemail", "{\"token\": \"K\"}", "standard input" },
    { "elasticemail", "{\"colour\": \"blue\"}", "base_url, custom_fields" },
    { "elasticemail", "{\"path\": \"/tmp/x.json\"}", "base_url, custom_fields" },
    { "elasticemail", "{\"base_url\": \"http://localhost@evil.invalid/v4\"}", "user name" },
    { "elasticemail", "{\"base_url\": \"http://127.0.0.1.evil.invalid/v4\"}", "https" },
    { "elasticemail", "{\"base_url\": 7}", "must be text" },
    { "elasticemail", "[\"base_url\"]", "unreadable" },
    { "elasticemail", "{\"base_url\": ", "unreadable" },
    { "sample-crm", "{\"path\": \"/tmp/sample.json\"}", NULL },
    { "sample-crm", "{}", "absolute path" },
    { "sample-crm", "{\"path\": \"relative.json\"}", "absolute path" },
    { "sample-crm", "{\"path\": \"/tmp/s.json\", \"api_key\": \"K\"}", "it takes: path" },
    { "sample-crm", "{\"path\": \"/tmp/s.json\", \"base_url\": \"https://x.invalid\"}", "it takes: path" },
    { "nosuchapp", "{}", "nosuchapp" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = concord_app_registry_check_options (cases[i].app, cases[i].options, &error);

      g_test_message ("%s %s", cases[i].app, cases[i].options);
      if (cases[i].must_contain == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, cases[i].must_contain));
          /* The refusal never repeats a value: it may be a key. */
          g_assert_null (strstr (error->message, "\"K\""));
        }
    }

  /* The engine and the app make connectors through the same check. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcordConnector) connector =
      concord_app_registry_create_connector ("elasticemail", "{\"api_key\": \"K\"}", TEST_KEY, &error);

    g_assert_null (connector);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcordConnector) connector =
      concord_app_registry_create_connector ("elasticemail", "{\"base_url\": \"http://localhost@evil.invalid/v4\"}",
                                     TEST_KEY, &error);

    g_assert_null (connector);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  }
}

/* Point 11: json-glib recurses once per level. Arrays @depth deep. */
static char *
nested (guint depth)
{
  GString *text = g_string_sized_new (depth * 2 + 1);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

static void
test_json_bounds (void)
{
  g_autofree char *bomb = nested (100000);
  g_autofree char *deepest = nested (CONCORD_JSON_MAX_DEPTH);
  g_autofree char *too_deep = nested (CONCORD_JSON_MAX_DEPTH + 1);
  g_autofree char *in_string = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = concord_json_parse (bomb, -1, G_MAXSIZE, &error);
  g_assert_null (node);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
  g_clear_error (&error);

  node = concord_json_parse (too_deep, -1, G_MAXSIZE, &error);
  g_assert_null (node);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_clear_error (&error);

  node = concord_json_parse (deepest, -1, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_clear_pointer (&node, json_node_unref);

  /* Brackets inside strings, escaped quotes included, are text. */
  {
    g_autoptr(GString) text = g_string_new ("{\"a\": \"\\\"");

    for (guint i = 0; i < 1000; i++)
      g_string_append (text, "[{");
    g_string_append (text, "\", \"b\": [\"]]]\\\\\"]}");
    in_string = g_string_free (g_steal_pointer (&text), FALSE);
  }
  node = concord_json_parse (in_string, -1, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_cmpuint (strlen (json_object_get_string_member (json_node_get_object (node), "a")), ==, 2001);
  g_clear_pointer (&node, json_node_unref);

  /* The size bound, and what is not a document. */
  node = concord_json_parse ("[1, 2, 3]", -1, 8, &error);
  g_assert_null (node);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_clear_error (&error);

  node = concord_json_parse ("[1, 2, 3]", 9, 9, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  g_clear_pointer (&node, json_node_unref);

  node = concord_json_parse ("{\"a\": ", -1, 1024, &error);
  g_assert_null (node);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_clear_error (&error);

  node = concord_json_parse ("", 0, 1024, &error);
  g_assert_null (node);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
}

/* ------------------------------------------------------------------------- */
/* The connector against servers of the test's own                          */
/* ------------------------------------------------------------------------- */

typedef struct
{
  guint  status;        /* the redirect to answer with */
  char  *location;      /* (owned): where to */
  guint  n_requests;    /* requests that reached the server */
  guint  n_keys;        /* requests that carried the key */
  guint  n_bodies;      /* requests that carried a body */
  const char *answer;   /* (nullable): the body to answer with instead */
  guint  answer_status;
} Server;

static void
on_request_cb (SoupServer        *soup_server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Server *server = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  server->n_requests++;
  if (soup_message_headers_get_one (headers, "X-ElasticEmail-ApiKey") != NULL)
    server->n_keys++;
  if (body != NULL && body->length > 0)
    server->n_bodies++;

  if (server->location != NULL)
    {
      g_autofree char *to = g_strconcat (server->location, path, NULL);

      soup_server_message_set_redirect (msg, server->status, to);
      return;
    }

  if (server->answer != NULL)
    {
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                        server->answer, strlen (server->answer));
      soup_server_message_set_status (msg, server->answer_status, NULL);
      return;
    }

  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "[]", 2);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* Returns the server's origin, "http://127.0.0.1:PORT". */
static char *
start_server (SoupServer *soup_server,
              Server     *server)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  soup_server_add_handler (soup_server, NULL, on_request_cb, server, NULL);
  g_assert_true (soup_server_listen_local (soup_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup_server);

  return g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
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

static GPtrArray *
create_one (ConcordConnectorElasticEmail  *connector,
            GError                       **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  ConcordRecord *record = concord_record_new (NULL);
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, "redirected@example.com");
  g_ptr_array_add (records, record);
  concord_connector_create_async (CONCORD_CONNECTOR (connector), "contacts", records, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_create_finish (CONCORD_CONNECTOR (connector), done, error);
}

/* Point 7: 301, 302, 307 and 308 to another port carried the key there. */
static void
test_redirect_keeps_key (void)
{
  static const guint statuses[] = { 301, 302, 303, 307, 308 };

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr(SoupServer) origin_server = soup_server_new (NULL, NULL);
      g_autoptr(SoupServer) other_server = soup_server_new (NULL, NULL);
      g_autoptr(ConcordConnectorElasticEmail) connector = NULL;
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *origin = NULL;
      g_autofree char *other = NULL;
      g_autofree char *base_url = NULL;
      Server at_origin = { 0 };
      Server at_other = { 0 };

      g_test_message ("HTTP %u", statuses[i]);
      origin = start_server (origin_server, &at_origin);
      other = start_server (other_server, &at_other);
      at_origin.status = statuses[i];
      at_origin.location = g_strdup (other);
      base_url = g_strconcat (origin, "/v4", NULL);
      connector = concord_connector_elasticemail_new (base_url, TEST_KEY);
      concord_connector_elasticemail_set_retry_base_ms (connector, 1);

      g_assert_false (verify (connector, &error));
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
      /* Both origins named, so the user can tell what happened. */
      g_assert_nonnull (strstr (error->message, origin));
      g_assert_nonnull (strstr (error->message, other));
      g_assert_null (strstr (error->message, TEST_KEY));
      g_clear_error (&error);

      /* A write: the key, and the contacts in the body, stay home too. */
      results = create_one (connector, &error);
      g_clear_error (&error);

      g_assert_cmpuint (at_origin.n_requests, >, 0);
      g_assert_cmpuint (at_other.n_keys, ==, 0);
      g_assert_cmpuint (at_other.n_bodies, ==, 0);
      g_assert_cmpuint (at_other.n_requests, ==, 0);
      g_free (at_origin.location);
    }

  /* To the same origin: not followed either, and said plainly. */
  {
    g_autoptr(SoupServer) origin_server = soup_server_new (NULL, NULL);
    g_autoptr(ConcordConnectorElasticEmail) connector = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *origin = NULL;
    g_autofree char *base_url = NULL;
    Server at_origin = { 0 };

    origin = start_server (origin_server, &at_origin);
    at_origin.status = 301;
    at_origin.location = g_strconcat (origin, "/elsewhere", NULL);
    base_url = g_strconcat (origin, "/v4", NULL);
    connector = concord_connector_elasticemail_new (base_url, TEST_KEY);

    g_assert_false (verify (connector, &error));
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, origin));
    g_assert_nonnull (strstr (error->message, "301"));
    g_assert_cmpuint (at_origin.n_requests, ==, 1);
    g_free (at_origin.location);
  }
}

/* Point 11: a page or an error body nested 100,000 deep crashed the CLI
 * and the app. */
static void
test_nesting_bomb_answer (void)
{
  static const guint statuses[] = { SOUP_STATUS_OK, SOUP_STATUS_BAD_REQUEST,
                                    SOUP_STATUS_PRECONDITION_FAILED, SOUP_STATUS_NOT_FOUND };
  g_autofree char *bomb = nested (100000);
  g_autofree char *error_bomb = g_strconcat ("{\"Error\": ", bomb, "}", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr(SoupServer) soup_server = soup_server_new (NULL, NULL);
      g_autoptr(ConcordConnectorElasticEmail) connector = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *origin = NULL;
      g_autofree char *base_url = NULL;
      Server server = { 0 };

      g_test_message ("HTTP %u", statuses[i]);
      origin = start_server (soup_server, &server);
      server.answer = statuses[i] == SOUP_STATUS_OK ? bomb : error_bomb;
      server.answer_status = statuses[i];
      base_url = g_strconcat (origin, "/v4", NULL);
      connector = concord_connector_elasticemail_new (base_url, TEST_KEY);

      g_assert_false (verify (connector, &error));
      g_assert_nonnull (error);
      if (statuses[i] == SOUP_STATUS_OK)
        {
          g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
          g_assert_nonnull (strstr (error->message, "nested too deeply"));
        }
      g_assert_cmpuint (server.n_requests, >, 0);
    }
}

/* json-glib's message quotes what it could not read: never passed on. */
static void
test_unreadable_answer (void)
{
  g_autoptr(SoupServer) soup_server = soup_server_new (NULL, NULL);
  g_autoptr(ConcordConnectorElasticEmail) connector = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *base_url = NULL;
  Server server = { 0 };

  origin = start_server (soup_server, &server);
  server.answer = "[{\"Email\": \"x@example.com\", \"FirstName\": \"Jos\\u00eX Quixotena\": 1}]";
  server.answer_status = SOUP_STATUS_OK;
  base_url = g_strconcat (origin, "/v4", NULL);
  connector = concord_connector_elasticemail_new (base_url, TEST_KEY);

  g_assert_false (verify (connector, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "not valid JSON"));
  g_assert_null (strstr (error->message, "Quixotena"));
}

/* The Sample CRM's file and the sandbox's files are read through the same
 * bound: a nesting bomb there crashed the app at every start. */
static void
test_nesting_bomb_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("concord-http-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sample-crm.json", NULL);
  g_autofree char *options = NULL;
  g_autofree char *bomb = nested (100000);
  g_autofree char *document = g_strconcat ("{\"format\": \"concord-sample-crm\", \"people\": ", bomb,
                                           "}", NULL);
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, document, -1, NULL));
  options = g_strdup_printf ("{\"path\": \"%s\"}", path);
  connector = concord_app_registry_create_connector ("sample-crm", options, "sample-crm-sandbox", &error);
  g_assert_no_error (error);

  g_assert_false (_concord_connector_sample_load (CONCORD_CONNECTOR_SAMPLE (connector), &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));

  concord_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* The servers are local; isolated XDG directories hide the system's
   * proxy settings schema, which GNOME's proxy resolver would abort on. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/http/check-status", test_check_status);
  g_test_add_func ("/concord/http/retry-after", test_retry_after);
  g_test_add_func ("/concord/http/redact", test_redact);
  g_test_add_func ("/concord/http/session", test_session);
  g_test_add_func ("/concord/http/base-url", test_base_url);
  g_test_add_func ("/concord/http/origin", test_origin);
  g_test_add_func ("/concord/http/options", test_options);
  g_test_add_func ("/concord/http/json-bounds", test_json_bounds);
  g_test_add_func ("/concord/http/redirect-keeps-key", test_redirect_keeps_key);
  g_test_add_func ("/concord/http/nesting-bomb-answer", test_nesting_bomb_answer);
  g_test_add_func ("/concord/http/nesting-bomb-files", test_nesting_bomb_files);
  g_test_add_func ("/concord/http/unreadable-answer", test_unreadable_answer);

  return g_test_run ();
}
