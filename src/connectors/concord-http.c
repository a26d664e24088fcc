/* concord-http.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What every connector shares about HTTP: one way to make a session (user
 * agent, timeouts, a modest connection limit), the single mapping from HTTP
 * status codes to ConcordError codes, Retry-After parsing and redaction of
 * anything that may carry personal data or a key before it reaches a log.
 *
 * Credentials stay at their origin (invariant 24). A base URL is checked on
 * its parsed form: https anywhere, plain http only to a loopback host, never
 * with userinfo (a prefix check let "http://localhost@evil.invalid" and
 * "http://127.0.0.1.evil.invalid" through). Redirects are never followed:
 * libsoup would follow them with every request header, the key included,
 * and a 307 would repeat the body with its contacts. A redirect becomes an
 * error that names both origins, so the user can correct the base URL.
 */

#define G_LOG_DOMAIN "concord-http"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-error.h"
#include "concord-http.h"

/**
 * concord_http_session_new:
 *
 * Returns: (transfer full): a #SoupSession for one connector on the engine
 *   thread. TLS certificates are always verified (libsoup's default).
 */
SoupSession *
concord_http_session_new (void)
{
  return soup_session_new_with_options ("user-agent", "Concord/" PACKAGE_VERSION " ",
                                        "timeout", CONCORD_HTTP_TIMEOUT_SECONDS,
                                        "idle-timeout", CONCORD_HTTP_TIMEOUT_SECONDS,
                                        "max-conns", CONCORD_HTTP_MAX_CONNECTIONS,
                                        "max-conns-per-host", CONCORD_HTTP_MAX_CONNECTIONS,
                                        NULL);
}

/**
 * concord_http_check_status:
 * @status: an HTTP status code
 * @context: what was being done, for the message, e.g. "GET /contacts";
 *   must not contain personal data
 * @error: return location for a #GError
 *
 * The one place where HTTP statuses become ConcordError codes:
 * 401/403 → %CONCORD_ERROR_AUTH_FAILED, 404/410 → %CONCORD_ERROR_NOT_FOUND,
 * 409/412 → %CONCORD_ERROR_CONFLICT, 413 → %CONCORD_ERROR_TOO_LARGE,
 * 429 → %CONCORD_ERROR_RATE_LIMITED,
 * other 4xx → %CONCORD_ERROR_FAILED, 5xx → %CONCORD_ERROR_SERVER.
 *
 * Returns: %TRUE for a 2xx status, otherwise %FALSE with @error set
 */
gboolean
concord_http_check_status (guint        status,
                           const char  *context,
                           GError     **error)
{
  ConcordError code;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (status >= 200 && status < 300)
    return TRUE;

  if (context == NULL)
    context = "request";

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_FORBIDDEN:
      code = CONCORD_ERROR_AUTH_FAILED;
      break;

    case SOUP_STATUS_NOT_FOUND:
    case SOUP_STATUS_GONE:
      code = CONCORD_ERROR_NOT_FOUND;
      break;

    case SOUP_STATUS_CONFLICT:
    case SOUP_STATUS_PRECONDITION_FAILED:
      code = CONCORD_ERROR_CONFLICT;
      break;

    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      code = CONCORD_ERROR_TOO_LARGE;
      break;

    case 429:  /* Too Many Requests: no SoupStatus name in libsoup 3.2 */
      code = CONCORD_ERROR_RATE_LIMITED;
      break;

    default:
      if (status >= 500 && status < 600)
        code = CONCORD_ERROR_SERVER;
      else
        code = CONCORD_ERROR_FAILED;
      break;
    }

  g_set_error (error, CONCORD_ERROR, code, "%s failed: HTTP %u %s",
               context, status, soup_status_get_phrase (status) ?: "");
  return FALSE;
}

/**
 * concord_http_parse_retry_after:
 * @value: (nullable): a Retry-After header value: delta seconds or an HTTP date
 * @now: (nullable): the current time, for dates; %NULL means now
 *
 * Returns: the number of seconds to wait, clamped to
 *   [0, %CONCORD_HTTP_MAX_RETRY_AFTER_SECONDS]; -1 when @value is missing or
 *   unreadable (the caller then uses its own backoff)
 */
gint64
concord_http_parse_retry_after (const char *value,
                                GDateTime  *now)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) local_now = NULL;
  g_autofree char *trimmed = NULL;
  guint64 seconds;
  gint64 delta;

  if (value == NULL)
    return -1;

  trimmed = g_strstrip (g_strdup (value));
  if (*trimmed == '\0')
    return -1;

  if (g_ascii_string_to_unsigned (trimmed, 10, 0, G_MAXUINT64, &seconds, NULL))
    return MIN (seconds, (guint64) CONCORD_HTTP_MAX_RETRY_AFTER_SECONDS);

  when = soup_date_time_new_from_http_string (trimmed);
  if (when == NULL)
    return -1;

  if (now == NULL)
    now = local_now = g_date_time_new_now_utc ();

  delta = g_date_time_difference (when, now) / G_TIME_SPAN_SECOND;
  return CLAMP (delta, 0, CONCORD_HTTP_MAX_RETRY_AFTER_SECONDS);
}

/**
 * concord_http_redact:
 * @text: (nullable): text about to be logged: a URL, a header, a body excerpt
 *
 * Replaces what may identify a person or grant access: email addresses
 * (also percent-encoded), values of key/token/password parameters and
 * headers, and long opaque tokens.
 *
 * Returns: (transfer full) (nullable): the redacted text
 */
char *
concord_http_redact (const char *text)
{
  static GRegex *email_re;
  static GRegex *param_re;
  static GRegex *token_re;
  g_autofree char *valid = NULL;
  g_autofree char *step1 = NULL;
  g_autofree char *step2 = NULL;

  if (text == NULL)
    return NULL;

  /* GRegex (PCRE2) can crash on some invalid UTF-8 (json-glib's own parse
   * errors quote such bytes): only valid text reaches it. */
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  if (g_once_init_enter (&email_re))
    {
      GRegex *re = g_regex_new ("[^\\s\"'<>(),;:/?&=]+(@|%40)[^\\s\"'<>(),;:/?&=]+",
                                G_REGEX_OPTIMIZE | G_REGEX_CASELESS, 0, NULL);
      g_once_init_leave (&email_re, re);
    }

  if (g_once_init_enter (&param_re))
    {
      GRegex *re = g_regex_new ("((?:api[-_]?key|apikey|token|password|secret|authorization)"
                                "[\"']?\\s*[:=]\\s*[\"']?)(?:bearer\\s+|basic\\s+)?[^\\s\"'&,;]+",
                                G_REGEX_OPTIMIZE | G_REGEX_CASELESS, 0, NULL);
      g_once_init_leave (&param_re, re);
    }

  if (g_once_init_enter (&token_re))
    {
      GRegex *re = g_regex_new ("\\b[A-Za-z0-9_\\-]{32,}\\b", G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&token_re, re);
    }

  step1 = g_regex_replace_literal (email_re, text, -1, 0, "[email]", 0, NULL);
  if (step1 == NULL)
    return g_strdup ("[unprintable]");

  step2 = g_regex_replace (param_re, step1, -1, 0, "\\1[redacted]", 0, NULL);
  if (step2 == NULL)
    return g_strdup ("[unprintable]");

  return g_regex_replace_literal (token_re, step2, -1, 0, "[redacted]", 0, NULL);
}

static int
default_port (const char *scheme)
{
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return 443;
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    return 80;
  return -1;
}

/**
 * concord_http_origin:
 * @uri: an absolute URI
 *
 * Returns: (transfer full): its origin, "scheme://host:port", with the
 *   scheme's default port written out, for comparing and for messages
 */
char *
concord_http_origin (GUri *uri)
{
  g_autofree char *scheme = NULL;
  const char *host;
  int port;

  g_return_val_if_fail (uri != NULL, NULL);

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "";
  port = g_uri_get_port (uri);
  if (port < 0)
    port = default_port (scheme);

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("%s://[%s]:%d", scheme, host, port);
  {
    g_autofree char *lower = g_ascii_strdown (host, -1);

    return g_strdup_printf ("%s://%s:%d", scheme, lower, port);
  }
}

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  /* Numeric addresses only: 127.0.0.0/8 and ::1. A name is not resolved
   * here, and one that merely starts like an address is just a name. */
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/**
 * concord_http_check_base_url:
 * @url: a base URL an account's requests go to, with its key
 *
 * Checks @url on its parsed form: an absolute https URL, or plain http to
 * a loopback host (127.0.0.0/8, ::1, "localhost"); no user name or
 * password, no query, no fragment.
 *
 * Returns: %TRUE when a key may be sent there, otherwise %FALSE with @error
 *   set (%CONCORD_ERROR_INVALID)
 */
gboolean
concord_http_check_base_url (const char  *url,
                             GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (url != NULL)
    uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("The base URL is not an absolute URL"));
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);

  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("The base URL must use https (plain http only to this computer)"));
      return FALSE;
    }

  if (host == NULL || *host == '\0')
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("The base URL has no host"));
      return FALSE;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("The base URL must not contain a user name or password"));
      return FALSE;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("The base URL must not have a query or a fragment"));
      return FALSE;
    }

  if (g_ascii_strcasecmp (scheme, "http") == 0 && !is_loopback_host (host))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("The base URL must use https (plain http only to this computer)"));
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_http_message_prepare:
 * @msg: a message about to carry a credential
 *
 * Makes libsoup hand every redirect back instead of following it; pair with
 * concord_http_check_redirect() on the answer.
 */
void
concord_http_message_prepare (SoupMessage *msg)
{
  g_return_if_fail (SOUP_IS_MESSAGE (msg));

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
}

/**
 * concord_http_check_redirect:
 * @msg: a message sent after concord_http_message_prepare(), with its answer
 *
 * Turns a redirect into an error: to another origin it names both origins
 * (never the path, which may hold an address); to the same origin it says
 * the base URL needs correcting.
 *
 * Returns: %TRUE when the answer is not a redirect, otherwise %FALSE with
 *   @error set: %CONCORD_ERROR_PROTOCOL to another origin (an API never
 *   moves its users' data elsewhere), %CONCORD_ERROR_INVALID to the same
 *   one (the base URL wants correcting)
 */
gboolean
concord_http_check_redirect (SoupMessage  *msg,
                             GError      **error)
{
  g_autoptr(GUri) target = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  const char *location;
  guint status;

  g_return_val_if_fail (SOUP_IS_MESSAGE (msg), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  status = soup_message_get_status (msg);
  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (status < 300 || status >= 400 || location == NULL)
    return TRUE;

  from = concord_http_origin (soup_message_get_uri (msg));
  target = g_uri_parse_relative (soup_message_get_uri (msg), location, G_URI_FLAGS_NONE, NULL);
  if (target != NULL && g_uri_get_host (target) != NULL)
    to = concord_http_origin (target);

  if (to == NULL || g_strcmp0 (from, to) != 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   /* Translators: the first %s is the configured server, the second where
                    * it redirected to, both like https://api.example.com:443 */
                   _("The server %s redirected to another server (%s). Concord sends the "
                     "account's key or password only to the server configured in the account, "
                     "so it did not follow the redirect. If the service has moved, change the "
                     "server address in the account."),
                   from, to != NULL ? to : _("an unreadable address"));
      return FALSE;
    }

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
               /* Translators: %u is an HTTP status such as 301, %s the server */
               _("The server %s answered with a redirect (HTTP %u), which Concord does not "
                 "follow. Check the base URL."),
               from, status);
  return FALSE;
}
