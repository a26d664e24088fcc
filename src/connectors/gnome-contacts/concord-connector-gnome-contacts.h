/* concord-connector-gnome-contacts.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"

G_BEGIN_DECLS

#define CONCORD_GNOME_CONTACTS_APP_ID "gnome-contacts"

#define CONCORD_TYPE_CONNECTOR_GNOME_CONTACTS (concord_connector_gnome_contacts_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectorGnomeContacts, concord_connector_gnome_contacts,
                      CONCORD, CONNECTOR_GNOME_CONTACTS, ConcordConnector)

ConcordConnectorGnomeContacts *concord_connector_gnome_contacts_new          (const char                    *region);
const char                    *concord_connector_gnome_contacts_get_region   (ConcordConnectorGnomeContacts *self);
void                           concord_connector_gnome_contacts_set_timeout  (ConcordConnectorGnomeContacts *self,
                                                                              guint                          seconds);
void                           concord_connector_gnome_contacts_set_debounce (ConcordConnectorGnomeContacts *self,
                                                                              guint                          milliseconds);

G_END_DECLS
