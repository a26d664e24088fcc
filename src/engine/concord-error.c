/* concord-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "concord-error"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "concord-error.h"

/* What an error of the domain carries besides its code and message: the
 * side it came from, and the field a refused value was in. An extended
 * error (GLib 2.68) keeps them through g_error_copy(), g_propagate_error()
 * and g_prefix_error(), which every layer between a connector and the
 * store already uses; a wrapper struct or a code in the message would be
 * lost or guessed back. */
typedef struct
{
  int   side;
  char *field;
} ConcordErrorPrivate;

static void
concord_error_private_init (ConcordErrorPrivate *priv)
{
  priv->side = CONCORD_ERROR_NO_SIDE;
  priv->field = NULL;
}

static void
concord_error_private_copy (const ConcordErrorPrivate *src,
                            ConcordErrorPrivate       *dest)
{
  dest->side = src->side;
  dest->field = g_strdup (src->field);
}

static void
concord_error_private_clear (ConcordErrorPrivate *priv)
{
  g_clear_pointer (&priv->field, g_free);
}

G_DEFINE_EXTENDED_ERROR (ConcordError, concord_error)

/* Stored in the journal and the runs: never change a nick, add new ones. */
static const char * const nicks[] = {
  [CONCORD_ERROR_FAILED] = "failed",
  [CONCORD_ERROR_NETWORK] = "network",
  [CONCORD_ERROR_AUTH_REQUIRED] = "auth-required",
  [CONCORD_ERROR_AUTH_FAILED] = "auth-failed",
  [CONCORD_ERROR_RATE_LIMITED] = "rate-limited",
  [CONCORD_ERROR_SERVER] = "server",
  [CONCORD_ERROR_PARSE] = "parse",
  [CONCORD_ERROR_CONFLICT] = "conflict",
  [CONCORD_ERROR_NOT_FOUND] = "not-found",
  [CONCORD_ERROR_KEYRING] = "keyring",
  [CONCORD_ERROR_INVALID] = "invalid",
  [CONCORD_ERROR_BUSY] = "busy",
  [CONCORD_ERROR_AUTH_EXPIRED] = "auth-expired",
  [CONCORD_ERROR_INVALID_DATA] = "invalid-data",
  [CONCORD_ERROR_REFUSED] = "refused",
  [CONCORD_ERROR_QUOTA] = "quota",
  [CONCORD_ERROR_TOO_LARGE] = "too-large",
  [CONCORD_ERROR_PROTOCOL] = "protocol",
  [CONCORD_ERROR_AMBIGUOUS] = "ambiguous",
  [CONCORD_ERROR_CANCELLED] = "cancelled",
};

G_STATIC_ASSERT (G_N_ELEMENTS (nicks) == CONCORD_ERROR_CANCELLED + 1);

/**
 * concord_error_is_transient:
 * @error: (nullable): an error
 *
 * Whether retrying the same operation later may succeed: rate limits, server
 * errors and network trouble are transient; a refused key or bad data is not.
 *
 * Returns: %TRUE when a later retry makes sense
 */
gboolean
concord_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;

  if (error->domain == CONCORD_ERROR)
    {
      switch ((ConcordError) error->code)
        {
        case CONCORD_ERROR_NETWORK:
        case CONCORD_ERROR_RATE_LIMITED:
        case CONCORD_ERROR_SERVER:
        case CONCORD_ERROR_BUSY:
          return TRUE;

        case CONCORD_ERROR_FAILED:
        case CONCORD_ERROR_AUTH_REQUIRED:
        case CONCORD_ERROR_AUTH_FAILED:
        case CONCORD_ERROR_PARSE:
        case CONCORD_ERROR_CONFLICT:
        case CONCORD_ERROR_NOT_FOUND:
        case CONCORD_ERROR_KEYRING:
        case CONCORD_ERROR_INVALID:
        case CONCORD_ERROR_AUTH_EXPIRED:
        case CONCORD_ERROR_INVALID_DATA:
        case CONCORD_ERROR_REFUSED:
        case CONCORD_ERROR_QUOTA:
        case CONCORD_ERROR_TOO_LARGE:
        case CONCORD_ERROR_PROTOCOL:
        case CONCORD_ERROR_AMBIGUOUS:
        case CONCORD_ERROR_CANCELLED:
        default:
          return FALSE;
        }
    }

  if (error->domain == G_IO_ERROR)
    return error->code != G_IO_ERROR_CANCELLED &&
           error->code != G_IO_ERROR_NOT_SUPPORTED &&
           error->code != G_IO_ERROR_INVALID_ARGUMENT &&
           error->code != G_IO_ERROR_INVALID_DATA;

  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;

  return FALSE;
}

/**
 * concord_error_to_nick:
 * @code: a code
 *
 * Returns: the code's stable name, as the store keeps it ("auth-failed");
 *   "failed" for a number that is no code
 */
const char *
concord_error_to_nick (ConcordError code)
{
  if ((guint) code >= G_N_ELEMENTS (nicks))
    return nicks[CONCORD_ERROR_FAILED];

  return nicks[code];
}

/**
 * concord_error_from_nick:
 * @nick: (nullable): a code's name, as concord_error_to_nick() gives it
 * @code: (out) (optional): the code
 *
 * Returns: whether @nick names a code
 */
gboolean
concord_error_from_nick (const char   *nick,
                         ConcordError *code)
{
  if (nick == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (nicks); i++)
    if (g_str_equal (nick, nicks[i]))
      {
        if (code != NULL)
          *code = (ConcordError) i;
        return TRUE;
      }

  return FALSE;
}

/**
 * concord_error_code_of:
 * @error: (nullable): an error of any domain
 *
 * Returns: the code to store and explain @error by: its own code in the
 *   %CONCORD_ERROR domain; %CONCORD_ERROR_CANCELLED for a cancellation;
 *   %CONCORD_ERROR_NETWORK for a network or resolver failure;
 *   %CONCORD_ERROR_FAILED otherwise
 */
ConcordError
concord_error_code_of (const GError *error)
{
  if (error == NULL)
    return CONCORD_ERROR_FAILED;

  if (error->domain == CONCORD_ERROR)
    return (guint) error->code < G_N_ELEMENTS (nicks) ? (ConcordError) error->code : CONCORD_ERROR_FAILED;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return CONCORD_ERROR_CANCELLED;

  if (error->domain == G_RESOLVER_ERROR)
    return CONCORD_ERROR_NETWORK;

  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_TIMED_OUT:
      case G_IO_ERROR_HOST_NOT_FOUND:
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
      case G_IO_ERROR_CONNECTION_REFUSED:
      case G_IO_ERROR_CONNECTION_CLOSED:
      case G_IO_ERROR_NOT_CONNECTED:
      case G_IO_ERROR_PROXY_FAILED:
      case G_IO_ERROR_PROXY_AUTH_FAILED:
      case G_IO_ERROR_PROXY_NOT_ALLOWED:
        return CONCORD_ERROR_NETWORK;
      default:
        break;
      }

  return CONCORD_ERROR_FAILED;
}

/**
 * concord_error_set_side:
 * @error: an error of the %CONCORD_ERROR domain
 * @side: the side of the connection whose app (or connector) failed
 */
void
concord_error_set_side (GError      *error,
                        ConcordSide  side)
{
  g_return_if_fail (error != NULL && error->domain == CONCORD_ERROR);
  g_return_if_fail (side == CONCORD_SIDE_A || side == CONCORD_SIDE_B);

  concord_error_get_private (error)->side = side;
}

/**
 * concord_error_get_side:
 * @error: (nullable): an error
 *
 * Returns: the #ConcordSide @error came from, or %CONCORD_ERROR_NO_SIDE
 *   (always for errors of other domains)
 */
int
concord_error_get_side (const GError *error)
{
  if (error == NULL || error->domain != CONCORD_ERROR)
    return CONCORD_ERROR_NO_SIDE;

  return concord_error_get_private (error)->side;
}

/**
 * concord_error_set_field:
 * @error: an error of the %CONCORD_ERROR domain
 * @field: (nullable): the key of the field whose value was refused
 *   (#CONCORD_ERROR_INVALID_DATA)
 */
void
concord_error_set_field (GError     *error,
                         const char *field)
{
  ConcordErrorPrivate *priv;

  g_return_if_fail (error != NULL && error->domain == CONCORD_ERROR);

  priv = concord_error_get_private (error);
  if (priv->field != field)
    {
      g_free (priv->field);
      priv->field = g_strdup (field);
    }
}

/**
 * concord_error_get_field:
 * @error: (nullable): an error
 *
 * Returns: (nullable): the field concord_error_set_field() named
 */
const char *
concord_error_get_field (const GError *error)
{
  if (error == NULL || error->domain != CONCORD_ERROR)
    return NULL;

  return concord_error_get_private (error)->field;
}

/**
 * concord_error_tag_side:
 * @error: (inout) (nullable): an error, or a location holding %NULL
 * @side: the side whose connector returned *@error
 *
 * Where the engine receives a connector's error it says which side it came
 * from. An error of another domain becomes a %CONCORD_ERROR of the code
 * concord_error_code_of() gives, with the same message, but for
 * %G_IO_ERROR_CANCELLED, left as it is (and sideless); a side already set
 * (by a layer closer to the app) is kept.
 */
void
concord_error_tag_side (GError      **error,
                        ConcordSide   side)
{
  if (error == NULL || *error == NULL)
    return;

  /* A cancellation stays what every caller matches it as. */
  if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if ((*error)->domain != CONCORD_ERROR)
    {
      GError *tagged = g_error_new_literal (CONCORD_ERROR, concord_error_code_of (*error),
                                            (*error)->message);

      g_error_free (*error);
      *error = tagged;
    }

  if (concord_error_get_side (*error) == CONCORD_ERROR_NO_SIDE)
    concord_error_set_side (*error, side);
}

/**
 * concord_error_is_key_problem:
 * @code: a code
 *
 * Returns: whether the fix is new credentials for an account (a key to
 *   replace, a sign-in to renew)
 */
gboolean
concord_error_is_key_problem (ConcordError code)
{
  return code == CONCORD_ERROR_AUTH_FAILED || code == CONCORD_ERROR_AUTH_REQUIRED ||
         code == CONCORD_ERROR_AUTH_EXPIRED;
}

/* With the app's name when it is known, the generic words otherwise. */
#define NAMED(app, with_app, without) \
  ((app) != NULL ? g_strdup_printf ((with_app), (app)) : g_strdup (without))

/* The key and the keyring. */
static gboolean
explain_access (ConcordError   code,
                const char    *a,
                char         **title,
                char         **fix)
{
  switch (code)
    {
    case CONCORD_ERROR_AUTH_FAILED:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("%s refused Concord’s API key"), _("The app refused Concord’s API key"));
      *fix = g_strdup (_("If the API key was changed or revoked, replace it in Preferences → Accounts → "
                         "Replace Key (or with “concord-cli account set-key NAME”)."));
      return TRUE;

    case CONCORD_ERROR_AUTH_REQUIRED:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("No API key is stored for %s"), _("No API key is stored for the app"));
      *fix = g_strdup (_("Add the API key in Preferences → Accounts → Replace Key (or with "
                         "“concord-cli account set-key NAME”)."));
      return TRUE;

    case CONCORD_ERROR_AUTH_EXPIRED:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("The sign-in to %s has expired"), _("The sign-in to the app has expired"));
      *fix = g_strdup (_("Sign in again in Preferences → Accounts; Concord syncs again by itself."));
      return TRUE;

    case CONCORD_ERROR_KEYRING:
      *title = g_strdup (_("The keyring is locked or missing"));
      *fix = g_strdup (_("Unlock the keyring (it opens with your login password), then sync again."));
      return TRUE;

    default:
      return FALSE;
    }
}

/* Talking with the app: reaching it, its pace, its answers. */
static gboolean
explain_exchange (ConcordError   code,
                  const char    *a,
                  char         **title,
                  char         **fix)
{
  switch (code)
    {
    case CONCORD_ERROR_NETWORK:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("Could not reach %s"), _("Concord could not reach the app"));
      *fix = g_strdup (_("Check the internet connection; Concord will try again on its own."));
      return TRUE;

    case CONCORD_ERROR_RATE_LIMITED:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("%s asked Concord to slow down"), _("The app asked Concord to slow down"));
      *fix = g_strdup (_("Nothing to do: Concord waits as the app asks and will retry on its own."));
      return TRUE;

    case CONCORD_ERROR_SERVER:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("%s had a problem of its own"), _("The app had a problem of its own"));
      *fix = g_strdup (_("Nothing to do: Concord will try again on the next sync."));
      return TRUE;

    case CONCORD_ERROR_PARSE:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("%s sent an answer Concord could not read"),
                      _("The app sent an answer Concord could not read"));
      *fix = g_strdup (_("Concord will try again on the next sync; if it keeps failing, report it."));
      return TRUE;

    case CONCORD_ERROR_TOO_LARGE:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("%s refused a request as too large"), _("The app refused a request as too large"));
      *fix = g_strdup (_("Concord sends smaller parts on the next sync; if it keeps failing, report it."));
      return TRUE;

    case CONCORD_ERROR_PROTOCOL:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("%s answered in a way Concord does not understand"),
                      _("The app answered in a way Concord does not understand"));
      *fix = g_strdup (_("Concord will try again on the next sync; if it keeps failing, report it."));
      return TRUE;

    default:
      return FALSE;
    }
}

/* The app would not take one contact. */
static gboolean
explain_contact (ConcordError   code,
                 const char    *a,
                 const char    *field_label,
                 char         **title,
                 char         **fix)
{
  switch (code)
    {
    case CONCORD_ERROR_CONFLICT:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("The contact changed in %s while Concord wrote it"),
                      _("The contact changed while Concord wrote it"));
      *fix = g_strdup (_("Nothing to do: Concord reads it again on the next sync."));
      return TRUE;

    case CONCORD_ERROR_NOT_FOUND:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("The contact is no longer in %s"), _("The contact is no longer in the app"));
      *fix = g_strdup (_("Nothing to do: Concord lets it go, or pairs it again, on the next sync."));
      return TRUE;

    case CONCORD_ERROR_INVALID_DATA:
      if (field_label != NULL)
        /* Translators: %s is the name of a contact's field, for example "Email" */
        *title = g_strdup_printf (_("The contact’s “%s” is not valid"), field_label);
      else
        /* Translators: %s is an app's or account's name */
        *title = NAMED (a, _("%s refused a value of the contact"),
                        _("The app refused a value of the contact"));
      *fix = g_strdup (_("Correct the value in the app the contact comes from; Concord syncs it on the "
                         "next run."));
      return TRUE;

    case CONCORD_ERROR_REFUSED:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("The rules of %s refused the change"), _("The app’s rules refused the change"));
      *fix = g_strdup (_("Check the contact in the app (a suppressed address, a locked record); Concord "
                         "tries again when it changes."));
      return TRUE;

    case CONCORD_ERROR_QUOTA:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("The plan of %s has no room left"), _("The app’s plan has no room left"));
      *fix = g_strdup (_("Raise the plan or free some room in the app, then sync again."));
      return TRUE;

    case CONCORD_ERROR_AMBIGUOUS:
      *title = g_strdup (_("The email address is on several contacts"));
      *fix = g_strdup (_("Merge the duplicates, or give each contact its own email address, in the app "
                         "that has them."));
      return TRUE;

    default:
      return FALSE;
    }
}

/**
 * concord_error_explain:
 * @code: what went wrong
 * @app_name: (nullable): the name of the side's app or account, when the
 *   error names a side
 * @field_label: (nullable): for %CONCORD_ERROR_INVALID_DATA, the name of the
 *   field as people know it
 * @title: (out) (transfer full): what happened, in one translated line
 * @fix: (out) (transfer full): what to do about it, translated
 *
 * The one place that turns a code into words for people: the activity view,
 * the desktop notifications, the connection's failure banner and
 * concord-cli all show these. The app's own message is never parsed.
 */
void
concord_error_explain (ConcordError   code,
                       const char    *app_name,
                       const char    *field_label,
                       char         **title,
                       char         **fix)
{
  const char *a = app_name != NULL && *app_name != '\0' ? app_name : NULL;

  g_return_if_fail (title != NULL && fix != NULL);

  if (explain_access (code, a, title, fix) ||
      explain_exchange (code, a, title, fix) ||
      explain_contact (code, a, field_label, title, fix))
    return;

  switch (code)
    {
    case CONCORD_ERROR_INVALID:
      *title = g_strdup (_("The connection’s settings are not valid"));
      *fix = g_strdup (_("Check the connection’s rules and field mapping, then sync again."));
      break;

    case CONCORD_ERROR_BUSY:
      *title = g_strdup (_("Another sync of this connection is going"));
      *fix = g_strdup (_("Nothing to do: Concord syncs once the other one is over."));
      break;

    case CONCORD_ERROR_CANCELLED:
      *title = g_strdup (_("The sync was stopped"));
      *fix = g_strdup (_("Nothing to do: the next sync carries on."));
      break;

    case CONCORD_ERROR_FAILED:
    default:
      /* Translators: %s is an app's or account's name */
      *title = NAMED (a, _("%s did not accept the change"), _("The app did not accept the change"));
      *fix = g_strdup (_("Concord will try again on the next sync; the app’s message below says more."));
      break;
    }
}
