/* concord-app-registry-options.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The app registry's options: an account's options parsed (a few short
 * strings), each field's value checked (URLs, paths, keys, choices, phone
 * regions) and normalised, and the checks of a whole entry.
 */

#define G_LOG_DOMAIN "concord-app-registry"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-error.h"
#include "concord-http.h"
#include "concord-json-private.h"

#include "concord-app-registry-private.h"

/* Options are a few short strings; beyond this they are not read. */
#define MAX_OPTIONS_BYTES (64 * 1024)
/* A field's value: a URL, a path, a key. Beyond this it is refused. */
#define MAX_VALUE_BYTES   4096

gboolean
_concord_app_registry_is_valid_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 64)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

/* Whether @name looks like it would hold a credential ("api_key", "apikey",
 * "X-ElasticEmail-ApiKey", "token", …): the refusal then says where keys go. */
static gboolean
is_key_like (const char *name)
{
  static const char * const words[] = { "key", "token", "secret", "password", "passwd", "auth",
                                        "bearer", "credential", NULL };
  g_autoptr(GString) folded = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (folded, g_ascii_tolower (*p));

  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (folded->str, words[i]) != NULL)
      return TRUE;

  return FALSE;
}

/* The options as a JSON object whose members are all strings, or NULL
 * with @error set. NULL or "" is no option at all. */
static JsonNode *
parse_options (const char  *options_json,
               GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (options_json == NULL || *options_json == '\0')
    {
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
      return g_steal_pointer (&root);
    }

  root = concord_json_parse (options_json, -1, MAX_OPTIONS_BYTES, &local_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   /* Translators: %s says why (a JSON parser's message) */
                   _("The account’s options are unreadable: %s"),
                   local_error != NULL ? local_error->message : _("not a JSON object"));
      return NULL;
    }

  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &value))
    if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
      {
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     /* Translators: %s is the name of an account option */
                     _("The option “%s” must be text"), name);
        return NULL;
      }

  return g_steal_pointer (&root);
}

/* The keys of @app's options, "base_url, custom_fields". */
static char *
option_keys (const ConcordAppInfo *app)
{
  g_autoptr(GString) keys = g_string_new (NULL);

  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    {
      if (field->kind == CONCORD_APP_FIELD_SECRET)
        continue;
      if (keys->len > 0)
        g_string_append (keys, ", ");
      g_string_append (keys, field->key);
    }

  return g_string_free (g_steal_pointer (&keys), FALSE);
}

static gboolean
has_control_characters (const char *value)
{
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* A required field left empty: what it needs. Returns %FALSE. */
static gboolean
set_missing_error (const ConcordAppField  *field,
                   const char             *label,
                   GError                **error)
{
  switch (field->kind)
    {
    case CONCORD_APP_FIELD_FILE:
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   /* Translators: %s are a field's name and its option's name */
                   _("%s: the absolute path of a file is needed (option “%s”)"),
                   label, field->key);
      return FALSE;
    case CONCORD_APP_FIELD_FOLDER:
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   /* Translators: %s are a field's name and its option's name */
                   _("%s: the absolute path of a folder is needed (option “%s”)"),
                   label, field->key);
      return FALSE;
    case CONCORD_APP_FIELD_SECRET:
    case CONCORD_APP_FIELD_TEXT:
    case CONCORD_APP_FIELD_URL:
    case CONCORD_APP_FIELD_CHOICE:
    default:
      /* Translators: %s is a field's name ("API Key") */
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, _("%s is needed"), label);
      return FALSE;
    }
}

/* A file's or a folder's path: absolute, and there when @on_disk. */
static gboolean
check_path (const ConcordAppField  *field,
            const char             *label,
            const char             *value,
            gboolean                on_disk,
            GError                **error)
{
  gboolean folder = field->kind == CONCORD_APP_FIELD_FOLDER;

  if (!g_path_is_absolute (value))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   folder ? _("%s: the absolute path of a folder is needed (option “%s”)")
                          : _("%s: the absolute path of a file is needed (option “%s”)"),
                   label, field->key);
      return FALSE;
    }
  if (on_disk && !g_file_test (value, folder ? G_FILE_TEST_IS_DIR : G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   folder
                   /* Translators: %s is a field's name ("Folder") */
                   ? _("%s: there is no such folder")
                   /* Translators: %s is a field's name ("File") */
                   : _("%s: there is no such file"),
                   label);
      return FALSE;
    }
  return TRUE;
}

/* A choice's value: one of those offered. */
static gboolean
check_choice (const ConcordAppField  *field,
              const char             *label,
              const char             *value,
              GError                **error)
{
  g_autoptr(GPtrArray) choices = concord_app_field_get_choices (field);
  gboolean found = FALSE;

  for (guint i = 0; !found && i < choices->len; i++)
    found = g_str_equal (((ConcordAppChoice *) g_ptr_array_index (choices, i))->value, value);
  if (!found)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   /* Translators: %s is a field's name */
                   _("%s: choose one of the values offered"), label);
      return FALSE;
    }
  return TRUE;
}

/* One field's value, as stored (@on_disk FALSE) or as entered. Messages
 * name the field, never repeat the value (it may be a key). */
gboolean
_concord_app_registry_validate_field (const ConcordAppField *field,
                                      const char            *value,
                                      gboolean               on_disk,
                                      GError               **error)
{
  const char *label = concord_app_field_get_label (field);

  if (value == NULL || *value == '\0')
    {
      if (!field->required)
        return TRUE;

      return set_missing_error (field, label, error);
    }

  if (strlen (value) > MAX_VALUE_BYTES)
    {
      /* Translators: %s is a field's name, %d a number of bytes */
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, _("%s is too long (at most %d bytes)"),
                   label, MAX_VALUE_BYTES);
      return FALSE;
    }

  if (!g_utf8_validate (value, -1, NULL) || has_control_characters (value))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   /* Translators: %s is a field's name ("API Key") */
                   _("%s holds characters that cannot be typed"), label);
      return FALSE;
    }

  switch (field->kind)
    {
    case CONCORD_APP_FIELD_SECRET:
      if (g_unichar_isspace (g_utf8_get_char (value)) ||
          g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (value + strlen (value)))))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       /* Translators: %s is a field's name ("API Key") */
                       _("%s starts or ends with a space: copy it again"), label);
          return FALSE;
        }
      break;

    case CONCORD_APP_FIELD_TEXT:
      break;

    case CONCORD_APP_FIELD_URL:
      if (!concord_http_check_base_url (value, error))
        return FALSE;
      break;

    case CONCORD_APP_FIELD_FOLDER:
    case CONCORD_APP_FIELD_FILE:
      if (!check_path (field, label, value, on_disk, error))
        return FALSE;
      break;

    case CONCORD_APP_FIELD_CHOICE:
      if (!check_choice (field, label, value, error))
        return FALSE;
      break;

    default:
      g_assert_not_reached ();
    }

  if (field->pattern != NULL && !g_regex_match_simple (field->pattern, value, 0, 0))
    {
      if (field->pattern_message != NULL)
        /* Translators: %s are a field's name and why its value is refused */
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, _("%s: %s"), label,
                     field->pattern_message);
      else
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     /* Translators: %s is a field's name */
                     _("%s is not in the form the app expects"), label);
      return FALSE;
    }

  return field->check == NULL || field->check (value, error);
}

/* The options of @app: parsed, only its fields, each valid. */
JsonNode *
_concord_app_registry_check_options (const ConcordAppInfo *app,
                                     const char           *options_json,
                                     gboolean              on_disk,
                                     GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *list = NULL;
  JsonObject *options;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if ((root = parse_options (options_json, error)) == NULL)
    return NULL;
  options = json_node_get_object (root);

  json_object_iter_init (&iter, options);
  while (json_object_iter_next (&iter, &name, &value))
    {
      const ConcordAppField *field = concord_app_info_find_field (app, name);

      if (field != NULL && field->kind != CONCORD_APP_FIELD_SECRET)
        continue;

      list = option_keys (app);
      if (is_key_like (name))
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     /* Translators: %s are an option's name, an app's name and the list of
                      * the options it takes, e.g. "base_url, custom_fields" */
                     _("“%s” is not an option of %s (it takes: %s). An API key is never "
                       "given as an option: it is read from standard input and kept in the "
                       "keyring."), name, concord_app_info_get_name (app), list);
      else
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     /* Translators: %s are an option's name, an app's name and the list of
                      * the options it takes, e.g. "base_url, custom_fields" */
                     _("“%s” is not an option of %s (it takes: %s)"), name,
                     concord_app_info_get_name (app), list);
      return NULL;
    }

  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    if (field->kind != CONCORD_APP_FIELD_SECRET &&
        !_concord_app_registry_validate_field (field, json_object_get_string_member_with_default (options, field->key, NULL),
                                               on_disk, error))
      return NULL;

  return g_steal_pointer (&root);
}

/* ------------------------------------------------------------------------- */
/* A field                                                                   */
/* ------------------------------------------------------------------------- */

/**
 * concord_app_field_get_label:
 *
 * Returns: the field's name, translated
 */
const char *
concord_app_field_get_label (const ConcordAppField *field)
{
  g_return_val_if_fail (field != NULL, NULL);

  return g_dgettext (GETTEXT_PACKAGE, field->label);
}

/**
 * concord_app_field_get_short_label:
 *
 * Returns: the field's short name, translated
 */
const char *
concord_app_field_get_short_label (const ConcordAppField *field)
{
  g_return_val_if_fail (field != NULL, NULL);

  return g_dgettext (GETTEXT_PACKAGE, field->short_label != NULL ? field->short_label : field->label);
}

/**
 * concord_app_field_normalize:
 * @value: (nullable): a value entered
 *
 * Returns: (transfer full) (nullable): the value as the app keeps it:
 *   the app's clean-up, or without white space at its ends for a field
 *   that is not a secret (a secret is kept as typed and checked so)
 */
char *
concord_app_field_normalize (const ConcordAppField *field,
                             const char            *value)
{
  g_return_val_if_fail (field != NULL, NULL);

  if (value == NULL)
    return NULL;
  if (field->normalize != NULL)
    return field->normalize (value);
  if (field->kind == CONCORD_APP_FIELD_SECRET)
    return g_strdup (value);
  return g_strstrip (g_strdup (value));
}

/**
 * concord_app_field_validate:
 * @value: (nullable): the value entered
 *
 * Checks a value as the user entered it, for an inline message: its
 * kind's rules (see #ConcordAppFieldKind), whether it is required, a
 * bounded length, no control characters, and the app's own rule.
 *
 * Returns: %TRUE, or %FALSE with @error set (%CONCORD_ERROR_INVALID) to a
 *   translated sentence that names the field and never repeats the value
 */
gboolean
concord_app_field_validate (const ConcordAppField  *field,
                            const char             *value,
                            GError                **error)
{
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _concord_app_registry_validate_field (field, value, TRUE, error);
}

/**
 * concord_app_field_get_choices:
 *
 * Returns: (transfer container) (element-type ConcordAppChoice): the
 *   values a CHOICE field offers (empty for other kinds); labels untranslated
 */
GPtrArray *
concord_app_field_get_choices (const ConcordAppField *field)
{
  GPtrArray *choices;

  g_return_val_if_fail (field != NULL, NULL);

  if (field->list_choices != NULL && (choices = field->list_choices (field)) != NULL)
    return choices;

  choices = g_ptr_array_new ();
  for (const ConcordAppChoice *choice = field->choices; choice != NULL && choice->value != NULL; choice++)
    g_ptr_array_add (choices, (gpointer) choice);
  return choices;
}

/**
 * concord_app_phone_region_check:
 * @value: a non-empty value of %CONCORD_APP_FIELD_PHONE_REGION
 *
 * The phone region's rule: two ASCII letters, a country code ("GB", "de").
 *
 * Returns: %TRUE, or %FALSE with @error set (%CONCORD_ERROR_INVALID)
 */
gboolean
concord_app_phone_region_check (const char  *value,
                                GError     **error)
{
  g_return_val_if_fail (value != NULL, FALSE);

  if (strlen (value) == 2 && g_ascii_isalpha (value[0]) && g_ascii_isalpha (value[1]))
    return TRUE;

  g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       _("Enter a two-letter country code, such as “GB” or “DE”"));
  return FALSE;
}

/**
 * concord_app_phone_region_normalize:
 * @value: a value entered in %CONCORD_APP_FIELD_PHONE_REGION
 *
 * Returns: (transfer full): @value without white space at its ends, in
 *   ASCII upper case (" gb " is "GB")
 */
char *
concord_app_phone_region_normalize (const char *value)
{
  g_autofree char *copy = NULL;

  g_return_val_if_fail (value != NULL, NULL);

  copy = g_strdup (value);
  return g_ascii_strup (g_strstrip (copy), -1);
}
