/* concord-pipedrive-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Pipedrive, as the app registry describes it: a personal API token, the
 * company's Pipedrive domain for those whose account answers only there,
 * and a server address for tests and mocks (it wins over the domain).
 */

#define G_LOG_DOMAIN "concord-pipedrive-app"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-connector-pipedrive.h"
#include "concord-error.h"

static gboolean
check_domain (const char  *value,
              GError     **error)
{
  g_autofree char *url = concord_connector_pipedrive_base_url_for (value, NULL);

  if (url != NULL)
    return TRUE;

  g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       _("Enter the company part of your Pipedrive address, such as “acme” "
                         "for acme.pipedrive.com"));
  return FALSE;
}

static const ConcordAppField fields[] = {
  { .key = "api_token", .kind = CONCORD_APP_FIELD_SECRET, .label = N_("API Token"),
    .required = TRUE },
  { .key = "company_domain", .kind = CONCORD_APP_FIELD_TEXT, .label = N_("Company Domain"),
    .help = N_("optional: “acme” for acme.pipedrive.com"), .check = check_domain },
  { .key = "base_url", .kind = CONCORD_APP_FIELD_URL, .label = N_("Server Address"),
    .help = N_("empty: the app’s own"), .advanced = TRUE },
  { NULL }
};

static const ConcordAppChoice contact_types[] = {
  { CONCORD_PIPEDRIVE_PERSONS, N_("Persons") },
  { NULL }
};

static ConcordConnector *
create (const ConcordAppInfo  *app,
        JsonObject            *options,
        const char            *secret,
        GError               **error)
{
  const char *base_url = json_object_get_string_member_with_default (options, "base_url", NULL);
  const char *domain = json_object_get_string_member_with_default (options, "company_domain",
                                                                   NULL);
  g_autofree char *domain_url = NULL;

  if (base_url == NULL || *base_url == '\0')
    {
      domain_url = concord_connector_pipedrive_base_url_for (domain, error);
      if (domain_url == NULL)
        return NULL;
      base_url = domain_url;
    }

  return CONCORD_CONNECTOR (concord_connector_pipedrive_new (base_url, secret));
}

const ConcordAppInfo concord_pipedrive_app = {
  .id = "pipedrive",
  .name = "Pipedrive",
  .icon_name = "concord-app-pipedrive-symbolic",
  .key_url = "https://app.pipedrive.com/settings/api",
  .key_help = N_("Copy your personal API token from Personal preferences → API."),
  .auth = CONCORD_APP_AUTH_KEY,
  .fields = fields,
  .create = create,
  .contact_types = contact_types,
};
