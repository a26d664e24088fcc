/* concord-app-registry.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector.h"
#include "concord-description.h"

G_BEGIN_DECLS

/**
 * ConcordAppFieldKind:
 * @CONCORD_APP_FIELD_SECRET: the account's key, password or token: never an
 *   option (it goes to the keyring), non-empty, no white space at its ends
 * @CONCORD_APP_FIELD_TEXT: free text
 * @CONCORD_APP_FIELD_URL: an absolute http(s) URL with a host; plain http
 *   only to this computer (concord_http_check_base_url())
 * @CONCORD_APP_FIELD_FOLDER: the absolute path of a folder that exists
 * @CONCORD_APP_FIELD_FILE: the absolute path of a file that exists
 * @CONCORD_APP_FIELD_CHOICE: one value of a list (fixed, or from a callback)
 */
typedef enum
{
  CONCORD_APP_FIELD_SECRET,
  CONCORD_APP_FIELD_TEXT,
  CONCORD_APP_FIELD_URL,
  CONCORD_APP_FIELD_FOLDER,
  CONCORD_APP_FIELD_FILE,
  CONCORD_APP_FIELD_CHOICE,
} ConcordAppFieldKind;

/**
 * ConcordAppAuth:
 * @CONCORD_APP_AUTH_NONE: nothing to sign in with (a local file, an address book)
 * @CONCORD_APP_AUTH_KEY: an API key or token, in a %CONCORD_APP_FIELD_SECRET field
 * @CONCORD_APP_AUTH_USER_PASSWORD: a user name (a TEXT field) and a password
 *   (a SECRET field)
 * @CONCORD_APP_AUTH_OAUTH2: OAuth 2 sign-in in the browser (no app uses it yet)
 */
typedef enum
{
  CONCORD_APP_AUTH_NONE,
  CONCORD_APP_AUTH_KEY,
  CONCORD_APP_AUTH_USER_PASSWORD,
  CONCORD_APP_AUTH_OAUTH2,
} ConcordAppAuth;

/**
 * ConcordAppChoice:
 * @value: what the options hold
 * @label: what the user sees (marked with N_() in a fixed list)
 */
typedef struct
{
  const char *value;
  const char *label;
} ConcordAppChoice;

typedef struct _ConcordAppField ConcordAppField;
typedef struct _ConcordAppInfo  ConcordAppInfo;

/**
 * ConcordAppField:
 * @key: the option's name in the account's options JSON ("base_url"); a
 *   SECRET field's key only names it (the secret is never an option)
 * @kind: what it holds, and so how it is asked and checked
 * @label: the field's name, with N_(): the form row's title
 * @help: (nullable): a hint after the title, with N_() ("empty: the app’s own")
 * @short_label: (nullable): the name where space is short (the title of the
 *   advanced fields' expander), with N_(); %NULL: @label
 * @required: an empty value is refused
 * @advanced: shown in the form's "Advanced" expander
 * @editable: can be changed later, in Preferences → Accounts
 * @description: (nullable): why it is asked and how to fill it in, with
 *   N_(): shown above the rows where it can be changed later
 * @choices: (nullable): for CHOICE, the fixed list, ending with a %NULL value
 * @list_choices: (nullable): for CHOICE, the list asked for when shown
 *   instead; returns (element-type ConcordAppChoice) (transfer full) an
 *   array whose free function frees its elements
 * @check: (nullable): the app's own rule on top of the kind's (run on a
 *   non-empty value after the kind's check)
 * @normalize: (nullable): the app's clean-up of a value entered, before it
 *   is checked and stored (a comma-separated list: names trimmed, blanks
 *   dropped); returns (transfer full) the value to keep
 * @pattern: (nullable): a regular expression a non-empty value must match
 *   (a described app's "check"), after the kind's check
 * @pattern_message: (nullable): why a value that does not match is refused
 *
 * One field of an app's account form. All are strings in the options.
 */
struct _ConcordAppField
{
  const char              *key;
  ConcordAppFieldKind      kind;
  const char              *label;
  const char              *help;
  const char              *short_label;
  gboolean                 required;
  gboolean                 advanced;
  gboolean                 editable;
  const char              *description;
  const ConcordAppChoice  *choices;
  GPtrArray             *(*list_choices) (const ConcordAppField  *field);
  gboolean               (*check)        (const char             *value,
                                          GError                **error);
  char                  *(*normalize)    (const char             *value);
  const char              *pattern;
  const char              *pattern_message;
};

/**
 * CONCORD_APP_FIELD_PHONE_REGION:
 *
 * The address books' advanced field "region" (CardDAV, vCard folder, GNOME
 * Contacts), defined once: the country of phone numbers written without a
 * country code, two ASCII letters kept upper-case ("GB"); empty: the
 * language settings' (concord_vcard_default_region()). Put it in an app's
 * fields array as it is; the file using it includes glib/gi18n.h. Checked
 * by concord_app_phone_region_check(), cleaned by
 * concord_app_phone_region_normalize().
 */
#define CONCORD_APP_PHONE_REGION_KEY "region"
#define CONCORD_APP_FIELD_PHONE_REGION                                                           \
  { .key = CONCORD_APP_PHONE_REGION_KEY, .kind = CONCORD_APP_FIELD_TEXT,                         \
    .label = N_("Phone Number Country"), .help = N_("empty: from the language settings"),        \
    .advanced = TRUE, .editable = TRUE,                                                          \
    .description = N_("Phone numbers written without a country code are read as numbers of "   \
                      "this country, so “020 7946 0018” and “+44 20 7946 0018” are one "         \
                      "number with GB."),                                                        \
    .check = concord_app_phone_region_check, .normalize = concord_app_phone_region_normalize }

/**
 * ConcordAppInfo:
 * @id: the app's id on the command line and in the store: lower-case ASCII
 *   letters, digits and '-' ("elasticemail"); looked up without regard to
 *   ASCII case
 * @name: what the user sees (a brand, or with N_())
 * @icon_name: the icon of its rows
 * @key_url: (nullable): where the app shows its API key, for the user to copy it
 * @key_help: (nullable): one sentence on finding the key, with N_()
 * @auth: how an account signs in
 * @fields: its account form, ending with a %NULL key
 * @create: the factory: a connector for checked @options (never %NULL,
 *   every member a string) and @secret ("" for %CONCORD_APP_AUTH_NONE)
 * @contact_types: (nullable): the types every account of it has (value:
 *   the type's id, label: its name with N_()), ending with a %NULL value;
 *   %NULL: ask the connector (an account's types depend on the account)
 * @demo: an app of the sandbox demo ("Try with sample data"), offered only
 *   there; its fields are filled by the sandbox
 * @no_types: (nullable): with @contact_types %NULL, what Add Connection
 *   says of an account whose connector lists no types, in the app's words,
 *   with N_() ("This account has no audiences. Create one in Mailchimp,
 *   then check again."); %NULL: a general sentence
 *
 * An app, described once: everything that shows, checks or makes an
 * account of it builds from this.
 */
struct _ConcordAppInfo
{
  const char              *id;
  const char              *name;
  const char              *icon_name;
  const char              *key_url;
  const char              *key_help;
  ConcordAppAuth           auth;
  const ConcordAppField   *fields;
  ConcordConnector      *(*create) (const ConcordAppInfo  *app,
                                    JsonObject            *options,
                                    const char            *secret,
                                    GError               **error);
  const ConcordAppChoice  *contact_types;
  gboolean                 demo;
  const char              *no_types;
};

/* The apps, one line each in concord-apps.list (concord-app-list.h is
 * written from it by meson). */
#define CONCORD_APP(info) extern const ConcordAppInfo info;
#include "concord-app-list.h"
#undef CONCORD_APP

const ConcordAppInfo   *concord_app_registry_lookup           (const char             *app_id);
const ConcordAppInfo  **concord_app_registry_list             (guint                  *n_apps);
gboolean                concord_app_registry_register         (const ConcordAppInfo   *app,
                                                               GError                **error);
void                    concord_app_registry_unregister       (const ConcordAppInfo   *app);
char                   *concord_app_registry_list_ids         (void);
const char             *concord_app_registry_get_name         (const char             *app_id);
const char             *concord_app_registry_get_icon_name    (const char             *app_id);
ConcordDescription     *concord_app_registry_get_description  (const char             *app_id);
gboolean                concord_app_registry_register_description (const char         *name,
                                                                   GBytes             *bytes,
                                                                   GError            **error);

gboolean                concord_app_registry_check_options    (const char             *app_id,
                                                               const char             *options_json,
                                                               GError                **error);
ConcordConnector       *concord_app_registry_create_connector (const char             *app_id,
                                                               const char             *options_json,
                                                               const char             *secret,
                                                               GError                **error);

const char             *concord_app_info_get_name             (const ConcordAppInfo   *app);
const char             *concord_app_info_get_icon_name        (const ConcordAppInfo   *app);
const ConcordAppField  *concord_app_info_find_field           (const ConcordAppInfo   *app,
                                                               const char             *key);
const ConcordAppField  *concord_app_info_get_secret_field     (const ConcordAppInfo   *app);
gboolean                concord_app_info_check_entry          (const ConcordAppInfo   *app,
                                                               const char             *options_json,
                                                               const char             *secret,
                                                               GError                **error);

const char             *concord_app_field_get_label           (const ConcordAppField  *field);
const char             *concord_app_field_get_short_label     (const ConcordAppField  *field);
char                   *concord_app_field_normalize           (const ConcordAppField  *field,
                                                               const char             *value);
gboolean                concord_app_field_validate            (const ConcordAppField  *field,
                                                               const char             *value,
                                                               GError                **error);
GPtrArray              *concord_app_field_get_choices         (const ConcordAppField  *field);

gboolean                concord_app_phone_region_check        (const char             *value,
                                                               GError                **error);
char                   *concord_app_phone_region_normalize    (const char             *value);

G_END_DECLS
