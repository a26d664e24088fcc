/* concord-mailchimp-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Mailchimp, as the app registry describes it: an API key whose "-usNN"
 * suffix names the data centre (and so the server), and a server address
 * for tests and mocks (it wins over the data centre). The contact types
 * are the account's audiences, listed from the API.
 */

#define G_LOG_DOMAIN "concord-mailchimp-app"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-connector-mailchimp.h"
#include "concord-error.h"

static gboolean
check_key (const char  *value,
           GError     **error)
{
  g_autofree char *dc = concord_connector_mailchimp_data_center (value, NULL);

  if (dc != NULL)
    return TRUE;

  g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       _("A Mailchimp API key ends with its data centre, such as “-us6”: "
                         "copy the whole key"));
  return FALSE;
}

static const ConcordAppField fields[] = {
  { .key = "api_key", .kind = CONCORD_APP_FIELD_SECRET, .label = N_("API Key"),
    .required = TRUE, .check = check_key },
  { .key = "base_url", .kind = CONCORD_APP_FIELD_URL, .label = N_("Server Address"),
    .help = N_("empty: the data centre of the key"), .advanced = TRUE },
  { NULL }
};

static ConcordConnector *
create (const ConcordAppInfo  *app,
        JsonObject            *options,
        const char            *secret,
        GError               **error)
{
  const char *base_url = json_object_get_string_member_with_default (options, "base_url", NULL);
  g_autofree char *dc_url = NULL;

  if (base_url == NULL || *base_url == '\0')
    {
      dc_url = concord_connector_mailchimp_base_url_for (secret, error);
      if (dc_url == NULL)
        return NULL;
      base_url = dc_url;
    }

  return CONCORD_CONNECTOR (concord_connector_mailchimp_new (base_url, secret));
}

const ConcordAppInfo concord_mailchimp_app = {
  .id = "mailchimp",
  .name = "Mailchimp",
  .icon_name = "concord-app-mailchimp-symbolic",
  .key_url = "https://admin.mailchimp.com/account/api/",
  .key_help = N_("Create a key in Profile → Extras → API keys and copy all of it, with its "
                 "ending such as “-us6”."),
  .auth = CONCORD_APP_AUTH_KEY,
  .fields = fields,
  .create = create,
  /* The audiences, listed by the connector. */
  .contact_types = NULL,
  .no_types = N_("This account has no audiences. Create one in Mailchimp, then check again."),
};
