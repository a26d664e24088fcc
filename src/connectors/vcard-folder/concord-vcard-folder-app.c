/* concord-vcard-folder-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The vCard folder, as the app registry describes it: a folder chosen with
 * the file chooser (the file-chooser portal under Flatpak), and the country
 * of phone numbers written without one.
 */

#define G_LOG_DOMAIN "concord-vcard-folder-app"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-connector-vcard-folder.h"

static const ConcordAppField fields[] = {
  { .key = "path", .kind = CONCORD_APP_FIELD_FOLDER, .label = N_("Folder"), .required = TRUE,
    .description = N_("A folder of .vcf files, one contact each, as vdirsyncer and khard keep "
                      "them; its sub-folders are address books too.") },
  CONCORD_APP_FIELD_PHONE_REGION,
  { NULL }
};

static ConcordConnector *
create (const ConcordAppInfo  *app,
        JsonObject            *options,
        const char            *secret,
        GError               **error)
{
  const char *region = json_object_get_string_member_with_default (options,
                                                                   CONCORD_APP_PHONE_REGION_KEY,
                                                                   NULL);

  return CONCORD_CONNECTOR (concord_connector_vcard_folder_new (
    json_object_get_string_member (options, "path"), region));
}

const ConcordAppInfo concord_vcard_folder_app = {
  .id = CONCORD_VCARD_FOLDER_APP_ID,
  .name = N_("vCard Folder"),
  .icon_name = "concord-app-vcard-folder-symbolic",
  .auth = CONCORD_APP_AUTH_NONE,
  .fields = fields,
  .create = create,
  .no_types = N_("This folder holds no address book. Choose the folder that holds the .vcf "
                 "files, or its parent."),
};
