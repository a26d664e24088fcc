/* concord-gnome-contacts-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * GNOME Contacts, as the app registry describes it: nothing to sign in
 * with, and, in the advanced fields, the country of phone numbers written
 * without a country code (empty: the locale's). Its contact types are the
 * user's address books, which the connector lists.
 */

#define G_LOG_DOMAIN "concord-gnome-contacts-app"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-connector-gnome-contacts.h"

static const ConcordAppField fields[] = {
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

  return CONCORD_CONNECTOR (concord_connector_gnome_contacts_new (region));
}

const ConcordAppInfo concord_gnome_contacts_app = {
  .id = CONCORD_GNOME_CONTACTS_APP_ID,
  .name = N_("GNOME Contacts"),
  .icon_name = "concord-app-gnome-contacts-symbolic",
  .auth = CONCORD_APP_AUTH_NONE,
  .fields = fields,
  .create = create,
  .no_types = N_("GNOME Contacts has no address book switched on. Switch one on in GNOME "
                 "Contacts or Evolution, then check again."),
};
