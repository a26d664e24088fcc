/* concord-connector-vcard-folder.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"

G_BEGIN_DECLS

#define CONCORD_VCARD_FOLDER_APP_ID   "vcard-folder"
#define CONCORD_VCARD_FOLDER_APP_NAME "vCard Folder"

/* The contact type of the folder itself (its sub-folders' are their names) */
#define CONCORD_VCARD_FOLDER_SELF     "."

#define CONCORD_TYPE_CONNECTOR_VCARD_FOLDER (concord_connector_vcard_folder_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectorVCardFolder, concord_connector_vcard_folder,
                      CONCORD, CONNECTOR_VCARD_FOLDER, ConcordConnector)

ConcordConnectorVCardFolder *concord_connector_vcard_folder_new      (const char                  *path,
                                                                      const char                  *region);
const char                  *concord_connector_vcard_folder_get_path (ConcordConnectorVCardFolder *self);

G_END_DECLS
