/* concord-connector-vcard-folder-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector-vcard-folder.h"
#include "concord-vcard.h"

G_BEGIN_DECLS

/* The file name a new card with @uid gets (without the folder). */
char *_concord_vcard_folder_file_name_for_uid (const char *uid);

/* For tests: called for each card of a write after its temporary file is
 * written and flushed, before it takes the card's name (@path: the card's
 * file). */
typedef void (*ConcordVCardFolderCommitHook) (const char *path,
                                              gpointer    user_data);

void _concord_connector_vcard_folder_set_commit_hook (ConcordConnectorVCardFolder  *self,
                                                      ConcordVCardFolderCommitHook  hook,
                                                      gpointer                      user_data);

/* For tests: creates @card in @contact_type as a create_async() would, and
 * returns the file name it took. */
char *_concord_connector_vcard_folder_create_card (ConcordConnectorVCardFolder  *self,
                                                   const char                   *contact_type,
                                                   const ConcordVCard           *card,
                                                   GError                      **error);

/* Where the persistent state goes (before any call): tests and benchmarks
 * measure a connector without it. */
void _concord_connector_vcard_folder_set_state_root (ConcordConnectorVCardFolder *self,
                                                     const char                  *path);

/* The debounce of change reports, in milliseconds (tests shorten it). */
void _concord_connector_vcard_folder_set_debounce (ConcordConnectorVCardFolder *self,
                                                   guint                        ms);

G_END_DECLS
