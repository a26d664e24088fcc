/* concord-carddav-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * CardDAV, as the app registry describes it: a server address, a user and
 * a password (an app password where the server asks for one), and, in the
 * advanced fields, the country of phone numbers written without one. The
 * address books are the account's contact types, listed by the connector.
 */

#define G_LOG_DOMAIN "concord-carddav-app"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-connector-carddav.h"
#include "concord-error.h"

static const ConcordAppField fields[] = {
  { .key = "url", .kind = CONCORD_APP_FIELD_URL, .label = N_("Server Address"),
    .help = N_("such as https://cloud.example.com/remote.php/dav"), .required = TRUE },
  { .key = "username", .kind = CONCORD_APP_FIELD_TEXT, .label = N_("User Name"),
    .required = TRUE },
  { .key = "password", .kind = CONCORD_APP_FIELD_SECRET, .label = N_("Password"),
    .required = TRUE },
  CONCORD_APP_FIELD_PHONE_REGION,
  { NULL }
};

static ConcordConnector *
create (const ConcordAppInfo  *app,
        JsonObject            *options,
        const char            *secret,
        GError               **error)
{
  const char *url = json_object_get_string_member_with_default (options, "url", NULL);
  const char *username = json_object_get_string_member_with_default (options, "username", "");
  const char *region = json_object_get_string_member_with_default (options,
                                                                   CONCORD_APP_PHONE_REGION_KEY,
                                                                   NULL);

  if (url == NULL || *url == '\0')
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("Enter the CardDAV server’s address"));
      return NULL;
    }

  return CONCORD_CONNECTOR (concord_connector_carddav_new (url, username, secret, region, error));
}

const ConcordAppInfo concord_carddav_app = {
  .id = "carddav",
  .name = N_("CardDAV Address Book"),
  .icon_name = "concord-app-carddav-symbolic",
  .key_help = N_("Use your account’s password, or an app password where the server asks for "
                 "one: Nextcloud (Settings → Security → Devices & sessions) and iCloud "
                 "(appleid.apple.com → App-Specific Passwords) do."),
  .auth = CONCORD_APP_AUTH_USER_PASSWORD,
  .fields = fields,
  .create = create,
  .contact_types = NULL,
  .no_types = N_("This account has no address books. Create one on the server, then check "
                 "again."),
};
