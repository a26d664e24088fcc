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
#include "concord-http-client.h"
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
    { 413, CONCORD_ERROR_TOO_LARGE },
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
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
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

/* ------------------------------------------------------------------------- */
/* ConcordHttpClient                                                         */
/* ------------------------------------------------------------------------- */

#define CLIENT_SECRET "client-secret-7d1e0c"

/* A SoupServer on this thread whose answers each test scripts: the nth
 * request gets statuses[n] (the last one repeats), with Retry-After
 * retry_after[n] when set. */
typedef struct
{
  SoupServer  *server;
  char        *origin;         /* (owned): "http://127.0.0.1:PORT" */
  guint        n_requests;     /* not counting /token */
  guint        n_token;        /* requests to /token */
  guint        statuses[8];
  guint        n_statuses;
  const char  *retry_after[8];
  const char  *token_answer;   /* (nullable): the body /token answers with, 200 */
  const char  *valid_bearer;   /* (nullable): only this bearer token is accepted */
  GBytes      *body;           /* (owned) (nullable): the answer instead of {"ok":true} */
  GPtrArray   *seen;           /* (owned): "Authorization|X-Key|query" per request */
  char        *last_form;      /* (owned) (nullable): the last /token body */
  gboolean     pause;          /* hold every request until released */
  gboolean     window_spent;   /* announce an empty rate window of 1 s */
  gboolean     reset_instant;  /* …whose reset is an instant 2 s ahead, in Unix time */
  gint64       arrived_us[8];  /* when the first requests arrived */
  GQueue       paused;
  guint        max_paused;
  gboolean     drip;           /* answer one byte every 50 ms, without end */
} Script;

/* An answer that trickles in: a byte every 50 ms, never a silence long
 * enough for libsoup's timeouts. */
typedef struct
{
  SoupServerMessage *msg;      /* (owned) */
  gboolean           finished;
} Drip;

static void
drip_free (Drip *drip)
{
  g_object_unref (drip->msg);
  g_free (drip);
}

static void
on_drip_finished_cb (SoupServerMessage *msg,
                     Drip              *drip)
{
  drip->finished = TRUE;
}

static gboolean
on_drip_cb (gpointer user_data)
{
  Drip *drip = user_data;

  if (drip->finished)
    return G_SOURCE_REMOVE;
  soup_message_body_append (soup_server_message_get_response_body (drip->msg),
                            SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (drip->msg);
  return G_SOURCE_CONTINUE;
}

static void
start_drip (SoupServerMessage *msg)
{
  Drip *drip = g_new0 (Drip, 1);

  drip->msg = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (on_drip_finished_cb), drip);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_drip_finished_cb), drip);
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                     SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "application/json", NULL);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC,
                            "[", 1);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 50, on_drip_cb, drip, (GDestroyNotify) drip_free);
}

static void
on_script_request_cb (SoupServer        *soup_server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  Script *script = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *key = soup_message_headers_get_one (headers, "X-Key");
  const char *query_text = g_uri_get_query (soup_server_message_get_uri (msg));
  guint index;
  guint status;

  if (g_str_equal (path, "/token"))
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);

      script->n_token++;
      g_free (script->last_form);
      script->last_form = g_strndup (body->data, body->length);
      if (script->token_answer != NULL)
        {
          soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                            script->token_answer, strlen (script->token_answer));
          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
        }
      else
        soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  index = MIN (script->n_requests, MAX (script->n_statuses, 1) - 1);
  if (script->n_requests < G_N_ELEMENTS (script->arrived_us))
    script->arrived_us[script->n_requests] = g_get_monotonic_time ();
  script->n_requests++;
  if (script->window_spent)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "X-Window-Left", "0");
      g_autofree char *reset = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                script->reset_instant
                                                ? g_get_real_time () / G_USEC_PER_SEC + 2 : 1);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "X-Window-Reset", reset);
    }
  g_ptr_array_add (script->seen, g_strdup_printf ("%s|%s|%s", authorization ? authorization : "",
                                                  key ? key : "", query_text ? query_text : ""));

  if (script->drip)
    {
      start_drip (msg);
      return;
    }

  status = script->n_statuses > 0 ? script->statuses[index] : SOUP_STATUS_OK;
  if (script->valid_bearer != NULL)
    {
      g_autofree char *wanted = g_strconcat ("Bearer ", script->valid_bearer, NULL);

      if (g_strcmp0 (authorization, wanted) != 0)
        status = SOUP_STATUS_UNAUTHORIZED;
    }

  if (script->retry_after[index] != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Retry-After", script->retry_after[index]);
  if (script->body != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                      g_bytes_get_data (script->body, NULL),
                                      g_bytes_get_size (script->body));
  else
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                      "{\"ok\":true}", 11);
  soup_server_message_set_status (msg, status, NULL);

  if (script->pause)
    {
      soup_server_message_pause (msg);
      g_queue_push_tail (&script->paused, g_object_ref (msg));
      script->max_paused = MAX (script->max_paused, script->paused.length);
    }
}

static Script *
script_new (void)
{
  Script *script = g_new0 (Script, 1);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  script->server = soup_server_new (NULL, NULL);
  script->seen = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&script->paused);
  soup_server_add_handler (script->server, NULL, on_script_request_cb, script, NULL);
  g_assert_true (soup_server_listen_local (script->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (script->server);
  script->origin = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));

  return script;
}

static void
script_free (Script *script)
{
  SoupServerMessage *msg;

  while ((msg = g_queue_pop_head (&script->paused)) != NULL)
    {
      soup_server_message_unpause (msg);
      g_object_unref (msg);
    }
  soup_server_disconnect (script->server);
  g_clear_object (&script->server);
  g_ptr_array_unref (script->seen);
  g_clear_pointer (&script->body, g_bytes_unref);
  g_free (script->last_form);
  g_free (script->origin);
  g_free (script);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Script, script_free)

static ConcordHttpClient *
script_client (Script *script)
{
  g_autofree char *base = g_strconcat (script->origin, "/api", NULL);
  ConcordHttpClient *client = concord_http_client_new (base, "Test App");

  concord_http_client_set_limits (client, 4, 5, 1);
  return client;
}

static JsonNode *
client_get (ConcordHttpClient  *client,
            const char         *path,
            GCancellable       *cancellable,
            guint              *status,
            GError            **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_http_client_send_json_async (client, concord_http_request_new ("GET", path, "GET /x"),
                                       cancellable, concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_http_client_send_json_finish (client, done, status, NULL, error);
}

static void
test_client_auth (void)
{
  static const char *expected[] = {
    "|" TEST_KEY "|",                      /* header */
    "Bearer " TEST_KEY "||",               /* bearer */
    NULL,                                  /* basic: computed below */
    "||q=1&apikey=" TEST_KEY,              /* query parameter */
  };

  for (guint kind = 0; kind < G_N_ELEMENTS (expected); kind++)
    {
      g_autoptr(Script) script = script_new ();
      g_autoptr(ConcordHttpClient) client = script_client (script);
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *basic = NULL;

      switch (kind)
        {
        case 0: concord_http_client_set_auth_header (client, "X-Key", TEST_KEY); break;
        case 1: concord_http_client_set_auth_bearer (client, TEST_KEY); break;
        case 2: concord_http_client_set_auth_basic (client, "ann", TEST_KEY); break;
        default: concord_http_client_set_auth_query (client, "apikey", TEST_KEY); break;
        }

      root = client_get (client, kind == 3 ? "/contacts?q=1" : "/contacts", NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (root);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      g_assert_cmpuint (script->n_requests, ==, 1);

      if (kind == 2)
        {
          g_autofree char *encoded = g_base64_encode ((const guchar *) "ann:" TEST_KEY,
                                                      strlen ("ann:" TEST_KEY));

          basic = g_strconcat ("Basic ", encoded, "||", NULL);
        }
      g_assert_cmpstr (g_ptr_array_index (script->seen, 0), ==,
                       kind == 2 ? basic : expected[kind]);
    }
}

static void
count_cb (guint *n)
{
  (*n)++;
}

static void
test_client_oauth2 (void)
{
  /* A stale access token: one refresh, then the request again. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *token_url = g_strconcat (script->origin, "/token", NULL);
    g_autofree char *refresh = NULL;
    guint n_changed = 0;

    script->valid_bearer = "fresh-access";
    script->token_answer = "{\"access_token\":\"fresh-access\",\"refresh_token\":\"next-refresh\"}";
    concord_http_client_set_auth_oauth2 (client, token_url, "concord", CLIENT_SECRET,
                                         "stale-access", "old-refresh");
    g_signal_connect_swapped (client, "refresh-token-changed", G_CALLBACK (count_cb), &n_changed);

    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (root);
    g_assert_cmpuint (script->n_token, ==, 1);
    g_assert_cmpuint (script->n_requests, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (script->seen, 0), ==, "Bearer stale-access||");
    g_assert_cmpstr (g_ptr_array_index (script->seen, 1), ==, "Bearer fresh-access||");
    g_assert_nonnull (strstr (script->last_form, "grant_type=refresh_token"));
    g_assert_nonnull (strstr (script->last_form, "refresh_token=old-refresh"));
    refresh = concord_http_client_dup_refresh_token (client);
    g_assert_cmpstr (refresh, ==, "next-refresh");
    g_assert_cmpuint (n_changed, ==, 1);

    /* The new token is used from now on, with no refresh. */
    g_clear_pointer (&root, json_node_unref);
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (script->n_token, ==, 1);
  }

  /* A refused refresh: the access has expired, said as such. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *token_url = g_strconcat (script->origin, "/token", NULL);

    script->valid_bearer = "fresh-access";
    concord_http_client_set_auth_oauth2 (client, token_url, "concord", NULL,
                                         "stale-access", "old-refresh");

    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_null (root);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED);
    g_assert_cmpuint (script->n_token, ==, 1);
    g_assert_cmpuint (script->n_requests, ==, 1);
    g_assert_null (strstr (error->message, "old-refresh"));
  }

  /* A refreshed token refused again: no second refresh, no loop. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *token_url = g_strconcat (script->origin, "/token", NULL);

    script->valid_bearer = "never";
    script->token_answer = "{\"access_token\":\"fresh-access\"}";
    concord_http_client_set_auth_oauth2 (client, token_url, "concord", NULL,
                                         "stale-access", "old-refresh");

    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED);
    g_assert_cmpuint (script->n_token, ==, 1);
    g_assert_cmpuint (script->n_requests, ==, 2);
  }
}

static void
test_client_retry (void)
{
  /* 5xx and 429 are retried with backoff until the answer comes. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    guint status = 0;

    script->statuses[0] = 503;
    script->statuses[1] = 500;
    script->statuses[2] = 429;
    script->statuses[3] = 200;
    script->n_statuses = 4;
    root = client_get (client, "/contacts", NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_nonnull (root);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (script->n_requests, ==, 4);
  }

  /* Retries end: the last answer's error. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;

    script->statuses[0] = 502;
    script->n_statuses = 1;
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_SERVER);
    g_assert_cmpuint (script->n_requests, ==, 1 + CONCORD_HTTP_DEFAULT_MAX_RETRIES);
  }

  /* A POST is not repeated after a 5xx (it may have been done), unless
   * marked idempotent; after a 429 it is. NO_RETRY is never repeated. */
  {
    static const struct { ConcordHttpFlags flags; guint first; guint n; } cases[] = {
      { CONCORD_HTTP_NONE, 500, 1 },
      { CONCORD_HTTP_IDEMPOTENT, 500, 2 },
      { CONCORD_HTTP_NONE, 429, 2 },
      { CONCORD_HTTP_NO_RETRY, 429, 1 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(Script) script = script_new ();
        g_autoptr(ConcordHttpClient) client = script_client (script);
        g_autoptr(GBytes) body = NULL;
        g_autoptr(GError) error = NULL;
        GAsyncResult *result = NULL;
        g_autoptr(GAsyncResult) done = NULL;
        ConcordHttpRequest *request = concord_http_request_new ("POST", "/contacts", "POST /x");

        script->statuses[0] = cases[i].first;
        script->statuses[1] = 200;
        script->n_statuses = 2;
        concord_http_request_set_flags (request, cases[i].flags);
        concord_http_client_send_async (client, request, NULL, concord_test_store_result_cb,
                                        &result);
        done = concord_test_wait_for_result (&result);
        body = concord_http_client_send_finish (client, done, NULL, NULL, &error);
        g_assert_cmpuint (script->n_requests, ==, cases[i].n);
        g_assert_true ((body != NULL) == (cases[i].n == 2));
      }
  }
}

/* An answer trickled in a byte at a time never trips libsoup's silence
 * timeouts: the client's whole-answer deadline ends each attempt, an
 * idempotent request is retried, and the error says how long it waited. */
static void
test_client_deadline (void)
{
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    script->drip = TRUE;
    concord_http_client_set_limits (client, 4, 2, 1);
    concord_http_client_set_deadline_ms (client, 300);
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_null (root);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
    g_assert_nonnull (strstr (error->message, "took longer than 0.3 s"));
    g_assert_nonnull (strstr (error->message, "GET /x"));
    g_assert_cmpuint (script->n_requests, ==, 3);
    /* Three attempts of 0.3 s, not libsoup's 60 s of silence. */
    g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  }

  /* A POST is not repeated: it may have been done. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;
    GAsyncResult *result = NULL;
    g_autoptr(GAsyncResult) done = NULL;

    script->drip = TRUE;
    concord_http_client_set_deadline_ms (client, 200);
    concord_http_client_send_async (client, concord_http_request_new ("POST", "/c", "POST /c"),
                                    NULL, concord_test_store_result_cb, &result);
    done = concord_test_wait_for_result (&result);
    body = concord_http_client_send_finish (client, done, NULL, NULL, &error);
    g_assert_null (body);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
    g_assert_nonnull (strstr (error->message, "took longer than 0.2 s"));
    g_assert_cmpuint (script->n_requests, ==, 1);
  }

  /* An answer in time is not affected, and the default comes from the
   * environment (read when a client is made). */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = NULL;
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    g_setenv ("CONCORD_HTTP_DEADLINE_SECONDS", "1", TRUE);
    client = script_client (script);
    g_unsetenv ("CONCORD_HTTP_DEADLINE_SECONDS");
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (root);

    script->drip = TRUE;
    concord_http_client_set_limits (client, 4, 0, 1);
    g_clear_pointer (&root, json_node_unref);
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
    g_assert_nonnull (strstr (error->message, "took longer than 1 s"));
    g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  }

  /* Cancelling still cancels (the attempt's cancellable follows the
   * caller's). */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;

    script->drip = TRUE;
    g_timeout_add_once (200, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
    root = client_get (client, "/contacts", cancellable, NULL, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

static void
test_client_retry_after (void)
{
  /* Seconds and an HTTP date in the past are waited for, then retried. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;

    script->statuses[0] = 429;
    script->retry_after[0] = "0";
    script->statuses[1] = 503;
    script->retry_after[1] = "Sat, 01 Jan 2000 00:00:00 GMT";
    script->statuses[2] = 200;
    script->n_statuses = 3;
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (script->n_requests, ==, 3);
  }

  /* Beyond the limit: not waited for, the run stops at once. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;

    script->statuses[0] = 429;
    script->retry_after[0] = "86400";
    script->n_statuses = 1;
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED);
    g_assert_nonnull (strstr (error->message, "Test App"));
    g_assert_nonnull (strstr (error->message, "retry later"));
    g_assert_cmpuint (script->n_requests, ==, 1);
  }

  /* Waits beyond the budget fail the same way. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;

    script->statuses[0] = 429;
    script->retry_after[0] = "1";
    script->n_statuses = 1;
    concord_http_client_set_retry_budget_ms (client, 500);
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED);
    g_assert_nonnull (strstr (error->message, "of retries"));
    g_assert_cmpuint (script->n_requests, ==, 1);
  }
}

static void
test_client_cancel_backoff (void)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(ConcordHttpClient) client = script_client (script);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  /* The backoff would be 15 to 30 s, after which the server answers 200:
   * only a cancellation during the wait gives CANCELLED. */
  script->statuses[0] = 503;
  script->statuses[1] = 200;
  script->n_statuses = 2;
  concord_http_client_set_limits (client, 4, 5, 1000000);
  concord_http_client_send_json_async (client, concord_http_request_new ("GET", "/c", "GET /c"),
                                       cancellable, concord_test_store_result_cb, &result);
  CONCORD_TEST_WAIT_FOR (script->n_requests == 1);
  g_cancellable_cancel (cancellable);
  done = concord_test_wait_for_result (&result);
  root = concord_http_client_send_json_finish (client, done, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (script->n_requests, ==, 1);
}

static void
on_counted_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  guint *n_done = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = concord_http_client_send_finish (CONCORD_HTTP_CLIENT (object), result, NULL, NULL,
                                          &error);
  g_assert_no_error (error);
  (*n_done)++;
}

static void
test_client_in_flight (void)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(ConcordHttpClient) client = script_client (script);
  guint n_done = 0;

  script->pause = TRUE;
  concord_http_client_set_limits (client, 3, 0, 1);
  for (guint i = 0; i < 10; i++)
    concord_http_client_send_async (client, concord_http_request_new ("GET", "/c", "GET /c"),
                                    NULL, on_counted_cb, &n_done);

  /* Three at once; the others wait until one is answered. */
  while (n_done < 10)
    {
      SoupServerMessage *msg;

      CONCORD_TEST_WAIT_FOR (script->paused.length == MIN (3u, 10 - n_done));
      g_assert_cmpuint (script->n_requests, ==, n_done + script->paused.length);
      msg = g_queue_pop_head (&script->paused);
      soup_server_message_unpause (msg);
      g_object_unref (msg);
      {
        guint before = n_done;

        CONCORD_TEST_WAIT_FOR (n_done == before + 1);
      }
    }
  g_assert_cmpuint (script->max_paused, ==, 3);
  g_assert_cmpuint (script->n_requests, ==, 10);
}

/* With a write limit of 1, writes go one at a time while reads share
 * the other slots. */
static void
test_client_writes_in_flight (void)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(ConcordHttpClient) client = script_client (script);
  guint n_done = 0;

  script->pause = TRUE;
  concord_http_client_set_limits (client, 3, 0, 1);
  concord_http_client_set_max_writes_in_flight (client, 1);
  for (guint i = 0; i < 4; i++)
    concord_http_client_send_async (client, concord_http_request_new ("POST", "/w", "POST /w"),
                                    NULL, on_counted_cb, &n_done);
  concord_http_client_send_async (client, concord_http_request_new ("GET", "/r", "GET /r"),
                                  NULL, on_counted_cb, &n_done);

  /* One write and the read at once, never a second write. */
  CONCORD_TEST_WAIT_FOR (script->paused.length == 2);
  while (n_done < 5)
    {
      SoupServerMessage *msg;
      guint before = n_done;

      CONCORD_TEST_WAIT_FOR (script->paused.length > 0);
      g_assert_cmpuint (script->paused.length, <=, 2);
      msg = g_queue_pop_head (&script->paused);
      soup_server_message_unpause (msg);
      g_object_unref (msg);
      CONCORD_TEST_WAIT_FOR (n_done == before + 1);
    }
  g_assert_cmpuint (script->max_paused, ==, 2);
  g_assert_cmpuint (script->n_requests, ==, 5);
}

/* An answer announcing an empty window holds the next request until the
 * window resets (as the server saw the requests arrive). */
static void
test_client_rate_window (void)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(ConcordHttpClient) client = script_client (script);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(GError) error = NULL;

  script->window_spent = TRUE;
  concord_http_client_set_rate_limit_headers (client, "X-Window-Left", "X-Window-Reset");
  first = client_get (client, "/a", NULL, NULL, &error);
  g_assert_no_error (error);
  second = client_get (client, "/b", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (script->n_requests, ==, 2);
  g_assert_cmpint (script->arrived_us[1] - script->arrived_us[0], >=, G_USEC_PER_SEC);
}

/* Capsule's reset is the instant the window resets (Unix time): the
 * client waits until then, not its one-minute cap. */
static void
test_client_rate_window_instant (void)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(ConcordHttpClient) client = script_client (script);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(GError) error = NULL;

  script->window_spent = TRUE;
  script->reset_instant = TRUE;
  concord_http_client_set_rate_limit_headers (client, "X-Window-Left", "X-Window-Reset");
  first = client_get (client, "/a", NULL, NULL, &error);
  g_assert_no_error (error);
  second = client_get (client, "/b", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (script->n_requests, ==, 2);
  g_assert_cmpint (script->arrived_us[1] - script->arrived_us[0], >=, G_USEC_PER_SEC);
  /* Far from the 60 s a delay read as seconds would have been capped at. */
  g_assert_cmpint (script->arrived_us[1] - script->arrived_us[0], <, 30 * G_USEC_PER_SEC);
}

static void
test_client_statuses (void)
{
  static const struct { guint status; int code; guint n; } cases[] = {
    { 413, CONCORD_ERROR_TOO_LARGE, 1 },
    { 401, CONCORD_ERROR_AUTH_FAILED, 1 },
    { 404, CONCORD_ERROR_NOT_FOUND, 1 },
    { 412, CONCORD_ERROR_CONFLICT, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Script) script = script_new ();
      g_autoptr(ConcordHttpClient) client = script_client (script);
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;

      script->statuses[0] = cases[i].status;
      script->n_statuses = 1;
      root = client_get (client, "/contacts", NULL, NULL, &error);
      g_assert_error (error, CONCORD_ERROR, cases[i].code);
      g_assert_cmpuint (script->n_requests, ==, cases[i].n);
    }

  /* NOT_FOUND_IS_EMPTY: a 404 is an empty answer, and its status says so. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;
    GAsyncResult *result = NULL;
    g_autoptr(GAsyncResult) done = NULL;
    ConcordHttpRequest *request = concord_http_request_new ("GET", "/c", "GET /c");
    guint status = 0;

    script->statuses[0] = 404;
    script->n_statuses = 1;
    concord_http_request_set_flags (request, CONCORD_HTTP_NOT_FOUND_IS_EMPTY);
    concord_http_client_send_async (client, request, NULL, concord_test_store_result_cb, &result);
    done = concord_test_wait_for_result (&result);
    body = concord_http_client_send_finish (client, done, &status, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
    g_assert_cmpuint (status, ==, 404);
  }
}

static gboolean
refine_teapot (guint        status,
               GBytes      *body,
               const char  *label,
               GError     **error,
               gpointer     user_data)
{
  guint *n_calls = user_data;

  (*n_calls)++;
  if (status != 418)
    return FALSE;

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_QUOTA, "%s: %.*s", label,
               (int) g_bytes_get_size (body), (const char *) g_bytes_get_data (body, NULL));
  return TRUE;
}

/* An app's hook copies the app's message, which quotes the key it refused:
 * the client takes the key, token or Basic user name out of the error. */
static void
test_client_refine_error_scrubs_key (void)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(ConcordHttpClient) client = script_client (script);
  g_autoptr(GError) error = NULL;
  guint n_calls = 0;
  const char *quoted = "{\"message\":\"Invalid key k3y-5ecret (k3y-5ecret)\"}";
  g_autoptr(GBytes) body = g_bytes_new_static (quoted, strlen (quoted));

  concord_http_client_set_refine_error (client, refine_teapot, &n_calls);

  concord_http_client_set_auth_bearer (client, "k3y-5ecret");
  g_assert_false (concord_http_client_check_answer (client, 418, body, "GET /x", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_QUOTA);
  g_assert_null (strstr (error->message, "k3y-5ecret"));
  g_assert_nonnull (strstr (error->message, "Invalid key [redacted] ([redacted])"));
  g_clear_error (&error);

  /* Insightly's way: the key is the user name, the password empty. */
  concord_http_client_set_auth_basic (client, "k3y-5ecret", "");
  g_assert_false (concord_http_client_check_answer (client, 418, body, "GET /x", &error));
  g_assert_null (strstr (error->message, "k3y-5ecret"));
  g_clear_error (&error);

  /* A word as short as a name is no key: messages keep their words. */
  concord_http_client_set_auth_basic (client, "key", "k3y-5ecret");
  g_assert_false (concord_http_client_check_answer (client, 418, body, "GET /x", &error));
  g_assert_nonnull (strstr (error->message, "Invalid key [redacted]"));
  g_assert_cmpuint (n_calls, ==, 3);
}

static void
test_client_refine_error (void)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(ConcordHttpClient) client = script_client (script);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  guint n_calls = 0;

  concord_http_client_set_refine_error (client, refine_teapot, &n_calls);
  script->statuses[0] = 418;
  script->statuses[1] = 409;
  script->n_statuses = 2;
  root = client_get (client, "/contacts", NULL, NULL, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_QUOTA);
  g_assert_nonnull (strstr (error->message, "{\"ok\":true}"));
  g_clear_error (&error);

  /* The hook declines: the status mapping stays. */
  root = client_get (client, "/contacts", NULL, NULL, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_cmpuint (n_calls, ==, 2);
  g_clear_error (&error);

  /* The same judgement without a request (the fuzz targets'): a 2xx
   * passes unread, and a long error body reaches the hook cut. */
  {
    g_autofree char *long_text = g_strnfill (1024 * 1024, 'x');
    g_autoptr(GBytes) body = g_bytes_new_static (long_text, strlen (long_text));

    g_assert_true (concord_http_client_check_answer (client, 204, body, "GET /x", &error));
    g_assert_no_error (error);
    g_assert_cmpuint (n_calls, ==, 2);
    g_assert_false (concord_http_client_check_answer (client, 418, body, "GET /x", &error));
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_QUOTA);
    g_assert_cmpuint (strlen (error->message), <, strlen (long_text));
    g_clear_error (&error);
    g_assert_false (concord_http_client_check_answer (client, 503, NULL, "GET /x", &error));
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_SERVER);
  }
}

static void
test_client_other_origin (void)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(Script) other = script_new ();
  g_autoptr(ConcordHttpClient) client = script_client (script);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  concord_http_client_set_auth_header (client, "X-Key", TEST_KEY);

  /* A redirect to another origin is not followed: PROTOCOL. */
  {
    g_autoptr(SoupServer) redirecting = soup_server_new (NULL, NULL);
    Server at_origin = { 0 };
    g_autofree char *origin = start_server (redirecting, &at_origin);
    g_autofree char *base = g_strconcat (origin, "/api", NULL);
    g_autoptr(ConcordHttpClient) redirected = concord_http_client_new (base, "Test App");

    at_origin.status = 307;
    at_origin.location = g_strdup (other->origin);
    concord_http_client_set_auth_header (redirected, "X-Key", TEST_KEY);
    root = client_get (redirected, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, other->origin));
    g_assert_cmpuint (at_origin.n_requests, ==, 1);
    g_assert_cmpuint (other->n_requests, ==, 0);
    g_clear_error (&error);
    g_free (at_origin.location);
  }

  /* A path that would make the URL point elsewhere is not sent at all. */
  path = g_strconcat ("@127.0.0.1:", strrchr (other->origin, ':') + 1, "/", NULL);
  {
    g_autofree char *base = NULL;
    g_autoptr(ConcordHttpClient) bare = NULL;

    base = g_strdup (script->origin);
    bare = concord_http_client_new (base, "Test App");
    concord_http_client_set_auth_header (bare, "X-Key", TEST_KEY);
    root = client_get (bare, path, NULL, NULL, &error);
    g_assert_nonnull (error);
    g_assert_cmpuint (other->n_requests, ==, 0);
    g_assert_cmpuint (script->n_requests, ==, 0);
  }
}

static void
test_client_answers (void)
{
  /* Broken text: each bad byte and each escaped NUL becomes U+FFFD, and
   * the value says it was repaired; the rest of the answer is kept. */
  {
    static const char broken[] = "{\"name\":\"Ren\xe9" "e\",\"nul\":\"A\\u0000B\",\"ok\":\"fine\"}";
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    JsonObject *object;
    gboolean repaired = FALSE;
    g_autofree char *name = NULL;
    g_autofree char *nul = NULL;
    g_autofree char *ok = NULL;

    script->body = g_bytes_new_static (broken, sizeof broken - 1);
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_no_error (error);
    object = json_node_get_object (root);
    name = concord_http_repaired_text (json_object_get_string_member (object, "name"), 1000,
                                       &repaired);
    g_assert_true (repaired);
    g_assert_cmpstr (name, ==, "Ren\xef\xbf\xbd" "e");
    repaired = FALSE;
    nul = concord_http_repaired_text (json_object_get_string_member (object, "nul"), 1000,
                                      &repaired);
    g_assert_true (repaired);
    g_assert_cmpstr (nul, ==, "A\xef\xbf\xbd" "B");
    repaired = FALSE;
    ok = concord_http_repaired_text (json_object_get_string_member (object, "ok"), 1000,
                                     &repaired);
    g_assert_false (repaired);
    g_assert_cmpstr (ok, ==, "fine");
  }

  /* Too large: read up to the bound, not asked again. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *large = g_strnfill (200 * 1024, ' ');

    script->body = g_bytes_new (large, strlen (large));
    concord_http_client_set_max_answer_bytes (client, 100 * 1024);
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
    g_assert_nonnull (strstr (error->message, "larger than"));
    g_assert_cmpuint (script->n_requests, ==, 1);
  }

  /* Nested too deeply, or not JSON: refused without quoting the body. */
  {
    g_autoptr(Script) script = script_new ();
    g_autoptr(ConcordHttpClient) client = script_client (script);
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *bomb = g_strnfill (100000, '[');

    script->body = g_bytes_new (bomb, strlen (bomb));
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
    g_assert_nonnull (strstr (error->message, "nested too deeply"));
    g_clear_error (&error);

    g_clear_pointer (&script->body, g_bytes_unref);
    script->body = g_bytes_new_static ("{\"Quixotena\": tru", 17);
    root = client_get (client, "/contacts", NULL, NULL, &error);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
    g_assert_null (strstr (error->message, "Quixotena"));
  }
}

static GLogWriterOutput
capture_log_cb (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  GString *log = user_data;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        g_string_append_len (log, fields[i].value, fields[i].length);
        g_string_append_c (log, '\n');
      }

  return G_LOG_WRITER_HANDLED;
}

static void
test_client_key_not_logged (void)
{
  g_autoptr(GString) log = g_string_new (NULL);

  if (g_test_subprocess ())
    {
      g_autoptr(Script) script = script_new ();
      g_autoptr(ConcordHttpClient) client = script_client (script);
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *token_url = g_strconcat (script->origin, "/token", NULL);

      g_log_set_writer_func (capture_log_cb, log, NULL);
      g_log_set_debug_enabled (TRUE);

      /* Every kind of credential, through retries and a refresh. */
      script->statuses[0] = 503;
      script->statuses[1] = 200;
      script->n_statuses = 2;
      concord_http_client_set_auth_query (client, "apikey", TEST_KEY);
      root = client_get (client, "/contacts", NULL, NULL, &error);
      g_assert_no_error (error);
      g_clear_pointer (&root, json_node_unref);

      script->valid_bearer = "fresh-" TEST_KEY;
      script->token_answer = "{\"access_token\":\"fresh-" TEST_KEY "\"}";
      concord_http_client_set_auth_oauth2 (client, token_url, "concord", CLIENT_SECRET,
                                           TEST_KEY, "refresh-" TEST_KEY);
      root = client_get (client, "/contacts", NULL, NULL, &error);
      g_assert_no_error (error);
      g_clear_object (&client);

      /* The log says what happened, and nothing secret. */
      g_assert_nonnull (strstr (log->str, "GET /x: HTTP 503"));
      g_assert_nonnull (strstr (log->str, "GET /x: HTTP 401"));
      g_assert_null (strstr (log->str, TEST_KEY));
      g_assert_null (strstr (log->str, CLIENT_SECRET));
      g_print ("checked %" G_GSIZE_FORMAT " bytes of log\n", log->len);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*checked*bytes of log*");
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
  g_test_add_func ("/concord/http/client/auth", test_client_auth);
  g_test_add_func ("/concord/http/client/oauth2", test_client_oauth2);
  g_test_add_func ("/concord/http/client/retry", test_client_retry);
  g_test_add_func ("/concord/http/client/retry-after", test_client_retry_after);
  g_test_add_func ("/concord/http/client/deadline", test_client_deadline);
  g_test_add_func ("/concord/http/client/cancel-backoff", test_client_cancel_backoff);
  g_test_add_func ("/concord/http/client/in-flight", test_client_in_flight);
  g_test_add_func ("/concord/http/client/statuses", test_client_statuses);
  g_test_add_func ("/concord/http/client/writes-in-flight", test_client_writes_in_flight);
  g_test_add_func ("/concord/http/client/rate-window", test_client_rate_window);
  g_test_add_func ("/concord/http/client/refine-error", test_client_refine_error);
  g_test_add_func ("/concord/http/client/rate-window-instant", test_client_rate_window_instant);
  g_test_add_func ("/concord/http/client/refine-error-scrubs-key", test_client_refine_error_scrubs_key);
  g_test_add_func ("/concord/http/client/other-origin", test_client_other_origin);
  g_test_add_func ("/concord/http/client/answers", test_client_answers);
  g_test_add_func ("/concord/http/client/key-not-logged", test_client_key_not_logged);

  return g_test_run ();
}
