/* test-limits.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bounds on what a server (or a side) can make Concord do
 * (INVARIANTS.md 25): pages longer than asked or repeated, an absurd
 * Retry-After and retries without end. The Elastic Email connector
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
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_list_async (CONCORD_CONNECTOR (connector), "contacts", NULL, page_token, NULL,
                                concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_list_finish (CONCORD_CONNECTOR (connector), done, error);
}

static gboolean
verify (ConcordConnectorElasticEmail  *connector,
        GError                       **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_elasticemail_verify_async (connector, NULL,
                                               concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_elasticemail_verify_finish (connector, done, error);
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
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
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
  concord_connector_elasticemail_set_retry_budget_ms (hostile->connector, 50);

  g_assert_false (verify (hostile->connector, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED);
  g_assert_nonnull (strstr (error->message, "of retries"));
  g_assert_cmpuint (hostile->n_requests, >=, 2);
  g_assert_cmpuint (hostile->n_requests, <=, 3);
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

  ADD_HOSTILE ("long-page", HOSTILE_LONG_PAGE, test_long_page);
  ADD_HOSTILE ("same-page", HOSTILE_SAME_PAGE, test_same_page);
  ADD_HOSTILE ("many-lists", HOSTILE_MANY_LISTS, test_many_lists);
  ADD_HOSTILE ("retry-after-cap", HOSTILE_RETRY_AFTER, test_retry_after_cap);
  ADD_HOSTILE ("retry-budget", HOSTILE_500, test_retry_budget);

  return g_test_run ();
}
