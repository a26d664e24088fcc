/* concord-sample-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Sample CRM of the sandbox demo, as the app registry describes it: a
 * file and its key (both shown by the sandbox, which fills them in).
 */

#define G_LOG_DOMAIN "concord-sample-app"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-connector-sample.h"

static const ConcordAppField fields[] = {
  { .key = "key", .kind = CONCORD_APP_FIELD_SECRET, .label = N_("API Key"), .required = TRUE },
  { .key = "path", .kind = CONCORD_APP_FIELD_FILE, .label = N_("File"), .required = TRUE },
  { NULL }
};

static ConcordConnector *
create (const ConcordAppInfo  *app,
        JsonObject            *options,
        const char            *secret,
        GError               **error)
{
  return CONCORD_CONNECTOR (concord_connector_sample_new (
    json_object_get_string_member (options, "path"), secret));
}

const ConcordAppInfo concord_sample_app = {
  .id = CONCORD_SAMPLE_CRM_APP_ID,
  .name = N_("Sample CRM"),
  .icon_name = "concord-app-sample-crm-symbolic",
  /* Its key is shown on the sandbox page (see concord-sandbox.h). */
  .key_help = N_("The key is shown on the sample data page."),
  .auth = CONCORD_APP_AUTH_KEY,
  .fields = fields,
  .create = create,
  .demo = TRUE,
};
