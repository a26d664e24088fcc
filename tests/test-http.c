/* test-http.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-http.h"
#include "concord-test-utils.h"

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

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/http/check-status", test_check_status);
  g_test_add_func ("/concord/http/retry-after", test_retry_after);
  g_test_add_func ("/concord/http/redact", test_redact);
  g_test_add_func ("/concord/http/session", test_session);

  return g_test_run ();
}
