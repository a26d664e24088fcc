/* fuzz-options.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * An account's options and base URL, as `account add` and the engine
 * check them. The first byte picks the app (even: Elastic Email, odd: the
 * Sample CRM); the rest is both the options document and a base URL. A
 * base URL accepted with plain http must be, on an independent reading, to
 * a loopback host without userinfo; accepted options must make a
 * connector.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "concord-app-registry.h"
#include "concord-http.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *host;

  if (!concord_http_check_base_url (text, NULL))
    return;

  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  g_assert_null (g_uri_get_userinfo (uri));
  host = g_uri_get_host (uri);
  g_assert_nonnull (host);
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return;

  g_assert_cmpint (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http"), ==, 0);
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return;
  address = g_inet_address_new_from_string (host);
  g_assert_nonnull (address);
  g_assert_true (g_inet_address_get_is_loopback (address));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const apps[] = { "elasticemail", "sample-crm" };
  g_autofree char *text = NULL;
  const char *app;

  fuzz_init ();
  if (size == 0)
    return 0;

  app = apps[data[0] % G_N_ELEMENTS (apps)];
  text = g_strndup ((const char *) data + 1, size - 1);

  check_url (text);

  if (concord_app_registry_check_options (app, text, NULL))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcordConnector) connector =
        concord_app_registry_create_connector (app, text, "fuzz-key", &error);

      g_assert_no_error (error);
      g_assert_nonnull (connector);
    }

  return 0;
}
