/* concord-hubspot-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * HubSpot, as the app registry describes it: a private app's access token
 * (sent as a bearer token), and a server address for tests and mocks.
 */

#define G_LOG_DOMAIN "concord-hubspot-app"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-connector-hubspot.h"

static const ConcordAppField fields[] = {
  { .key = "token", .kind = CONCORD_APP_FIELD_SECRET, .label = N_("Private App Access Token"),
    .short_label = N_("Access Token"), .required = TRUE },
  { .key = "base_url", .kind = CONCORD_APP_FIELD_URL, .label = N_("Server Address"),
    .help = N_("empty: the app’s own"), .advanced = TRUE },
  { NULL }
};

static const ConcordAppChoice contact_types[] = {
  { CONCORD_HUBSPOT_CONTACTS, N_("Contacts") },
  { NULL }
};

static ConcordConnector *
create (const ConcordAppInfo  *app,
        JsonObject            *options,
        const char            *secret,
        GError               **error)
{
  const char *base_url = json_object_get_string_member_with_default (options, "base_url", NULL);

  return CONCORD_CONNECTOR (concord_connector_hubspot_new (base_url, secret));
}

const ConcordAppInfo concord_hubspot_app = {
  .id = "hubspot",
  .name = "HubSpot",
  .icon_name = "concord-app-hubspot-symbolic",
  .key_url = "https://app.hubspot.com/private-apps/",
  .key_help = N_("Create a private app in Settings → Integrations → Private Apps with the "
                 "scopes crm.objects.contacts.read and crm.objects.contacts.write, then copy "
                 "its access token."),
  .auth = CONCORD_APP_AUTH_KEY,
  .fields = fields,
  .create = create,
  .contact_types = contact_types,
};
