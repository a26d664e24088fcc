/* concord-elasticemail-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Elastic Email, as the app registry describes it: an API key, and for
 * those who need them a server address (another region, the sandbox, a
 * test server) and the custom fields no contact uses yet (reading the
 * contacts cannot find those).
 */

#define G_LOG_DOMAIN "concord-elasticemail-app"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-connector-elasticemail.h"

/* "A, ,B " → "A,B". */
static char *
normalize_names (const char *value)
{
  g_auto(GStrv) names = g_strsplit (value, ",", -1);
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    if (*g_strstrip (names[i]) != '\0')
      g_strv_builder_add (kept, names[i]);

  list = g_strv_builder_end (kept);
  return g_strjoinv (",", list);
}

static const ConcordAppField fields[] = {
  { .key = "api_key", .kind = CONCORD_APP_FIELD_SECRET, .label = N_("API Key"), .required = TRUE },
  { .key = "base_url", .kind = CONCORD_APP_FIELD_URL, .label = N_("Server Address"),
    .help = N_("empty: the app’s own"), .advanced = TRUE },
  { .key = "custom_fields", .kind = CONCORD_APP_FIELD_TEXT,
    .label = N_("Custom Fields No Contact Uses Yet"), .short_label = N_("Custom Fields"),
    .help = N_("comma-separated"), .advanced = TRUE, .editable = TRUE,
    .description = N_("Elastic Email cannot list an account’s custom fields, so Concord learns them "
                      "from its contacts. Name the ones no contact uses yet, separated by commas: "
                      "connections map them from their next sync."),
    .normalize = normalize_names },
  { NULL }
};

static ConcordConnector *
create (const ConcordAppInfo  *app,
        JsonObject            *options,
        const char            *secret,
        GError               **error)
{
  ConcordConnectorElasticEmail *connector = concord_connector_elasticemail_new (
    json_object_get_string_member_with_default (options, "base_url", NULL), secret);

  concord_rest_connector_declare_custom_fields (
    CONCORD_REST_CONNECTOR (connector),
    json_object_get_string_member_with_default (options, "custom_fields", NULL));
  return CONCORD_CONNECTOR (connector);
}

const ConcordAppInfo concord_elasticemail_app = {
  .id = "elasticemail",
  .name = "Elastic Email",
  .icon_name = "concord-app-elasticemail-symbolic",
  .key_url = "https://app.elasticemail.com/api/settings/create-api",
  .key_help = N_("Create a key with access to contacts in Settings → Manage API Keys."),
  .auth = CONCORD_APP_AUTH_KEY,
  .fields = fields,
  .create = create,
};
