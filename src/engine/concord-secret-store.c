/* concord-secret-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Where API keys and tokens live: the system keyring, through libsecret's
 * asynchronous password API, keyed by the account id. A key never goes to
 * SQLite, GSettings, a log line or a GError message: errors from here name the
 * account id only.
 *
 * Under Flatpak, libsecret talks to the Secret portal (a per-app encrypted
 * file), so no --talk-name=org.freedesktop.secrets is needed.
 *
 * libsecret keeps one connection to the keyring (and its session) for the
 * process, and Debian 12's does not drop it when the keyring stops: after
 * a keyring restarts (KeePassXC closed and opened again, a crashed
 * daemon) every call would fail with a session that no longer exists. A
 * call that fails that way (or finds no keyring) disconnects libsecret and
 * is made once more, so that a keyring started since is used.
 *
 * The in-memory variant implements the same contract with a hash table for
 * logic tests that must not touch the user's keyring. Secrets it holds are
 * wiped when replaced or freed.
 */

#define G_LOG_DOMAIN "concord-secret-store"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-error.h"
#include "concord-secret-store.h"

struct _ConcordSecretStore
{
  GObject     parent_instance;

  GHashTable *memory;  /* (owned) (nullable): account id -> secret; NULL for the keyring */
};

G_DEFINE_FINAL_TYPE (ConcordSecretStore, concord_secret_store, G_TYPE_OBJECT)

typedef enum
{
  CALL_STORE,
  CALL_LOOKUP,
  CALL_CLEAR,
} CallKind;

/* A keyring call, kept to be made again once. */
typedef struct
{
  CallKind  kind;
  char     *account_id;
  char     *connector;   /* (nullable): store only */
  char     *label;       /* (nullable): store only */
  char     *secret;      /* (nullable): store only; wiped when freed */
  gboolean  retried;
} Call;

static const SecretSchema concord_api_key_schema = {
  .name = "io.github.concordsync.Concord.ApiKey",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { "account-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "connector", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
wipe_secret (gpointer data)
{
  char *secret = data;

  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

static void
call_free (gpointer data)
{
  Call *call = data;

  g_free (call->account_id);
  g_free (call->connector);
  g_free (call->label);
  wipe_secret (call->secret);
  g_free (call);
}

static Call *
call_new (CallKind    kind,
          const char *account_id)
{
  Call *call = g_new0 (Call, 1);

  call->kind = kind;
  call->account_id = g_strdup (account_id);
  return call;
}

/* libsecret errors carry D-Bus details that are useless to a user; keep the
 * domain meaningful and never include the secret or the label. The English
 * message (for logs) says which of the two things people can act on it is:
 * no keyring at all, or one that stayed locked. A prompt the user dismissed
 * comes back from libsecret as a cancellation although the caller's
 * cancellable was not cancelled: that is a locked keyring, not a cancelled
 * call (which would be silent). */
static GError *
keyring_error_new (GTask        *task,
                   const GError *source,
                   const char   *what)
{
  const char *account_id = ((Call *) g_task_get_task_data (task))->account_id;
  g_autoptr(GError) stripped = g_error_copy (source);
  const char *why;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");

  g_dbus_error_strip_remote_error (stripped);

  if (g_error_matches (source, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (source, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (source, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND) ||
      g_error_matches (source, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
      g_error_matches (source, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED) ||
      g_error_matches (source, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    why = "no keyring is running";
  else if (g_error_matches (source, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
           g_error_matches (source, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    why = "the keyring is locked, or unlocking it was cancelled";
  else
    why = stripped->message;

  return g_error_new (CONCORD_ERROR, CONCORD_ERROR_KEYRING,
                      "Could not %s the secret of account %s in the system keyring: %s",
                      what, account_id, why);
}

/* Whether @error says libsecret talked to a keyring that is not there
 * (any more): its session or the service itself is gone. */
static gboolean
is_stale (const GError *error)
{
  /* Not an item or object that is gone (UnknownMethod/UnknownObject: a
   * key removed by another call at the same time); reconnecting then
   * would pull the service from under the calls still running. An
   * unregistered remote error is NoSession (libsecret strips its name). */
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_DBUS_ERROR) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED);
}

static void start_call (GTask *task);

/* Makes the call of @task again, on a new connection, once. */
static gboolean
retry_if_stale (GTask        *task,
                const GError *error)
{
  Call *call = g_task_get_task_data (task);

  if (call->retried || !is_stale (error) || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return FALSE;

  g_debug ("Connecting to the keyring again: %s", error->message);
  call->retried = TRUE;
  secret_service_disconnect ();
  start_call (g_object_ref (task));
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_password_store_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error) && retry_if_stale (task, error))
    return;
  if (error != NULL)
    g_task_return_error (task, keyring_error_new (task, error, "store"));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_password_lookup_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = secret_password_lookup_finish (result, &error);

  if (error != NULL && retry_if_stale (task, error))
    return;
  if (error != NULL)
    g_task_return_error (task, keyring_error_new (task, error, "look up"));
  else if (secret == NULL)
    g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_AUTH_REQUIRED,
                             "No secret is stored for account %s",
                             ((Call *) g_task_get_task_data (task))->account_id);
  else
    {
      /* Hand out a plain g_malloc copy so callers free it uniformly with
       * concord_secret_free(), which wipes it. */
      char *copy = g_strdup (secret);

      secret_password_free (secret);
      g_task_return_pointer (task, copy, wipe_secret);
    }
}

static void
on_password_clear_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  gboolean removed;

  removed = secret_password_clear_finish (result, &error);

  if (error != NULL && retry_if_stale (task, error))
    return;
  if (error != NULL)
    g_task_return_error (task, keyring_error_new (task, error, "remove"));
  else
    g_task_return_boolean (task, removed);
}

/* Makes the keyring call of @task, which it takes. */
static void
start_call (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  switch (call->kind)
    {
    case CALL_STORE:
      secret_password_store (&concord_api_key_schema, SECRET_COLLECTION_DEFAULT, call->label, call->secret,
                             cancellable, on_password_store_cb, task,
                             "account-id", call->account_id,
                             "connector", call->connector,
                             NULL);
      break;

    case CALL_LOOKUP:
      secret_password_lookup (&concord_api_key_schema, cancellable, on_password_lookup_cb, task,
                              "account-id", call->account_id,
                              NULL);
      break;

    case CALL_CLEAR:
    default:
      secret_password_clear (&concord_api_key_schema, cancellable, on_password_clear_cb, task,
                             "account-id", call->account_id,
                             NULL);
      break;
    }
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_secret_store_finalize (GObject *object)
{
  ConcordSecretStore *self = (ConcordSecretStore *) object;

  g_clear_pointer (&self->memory, g_hash_table_unref);

  G_OBJECT_CLASS (concord_secret_store_parent_class)->finalize (object);
}

static void
concord_secret_store_class_init (ConcordSecretStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = concord_secret_store_finalize;
}

static void
concord_secret_store_init (ConcordSecretStore *self)
{
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_secret_store_get_schema:
 *
 * Returns: (transfer none): the SecretSchema under which Concord stores API
 *   keys: attributes `account-id` and `connector`.
 */
const SecretSchema *
concord_secret_store_get_schema (void)
{
  return &concord_api_key_schema;
}

/**
 * concord_secret_store_new:
 *
 * Returns: (transfer full): a store backed by the system keyring
 */
ConcordSecretStore *
concord_secret_store_new (void)
{
  return g_object_new (CONCORD_TYPE_SECRET_STORE, NULL);
}

/**
 * concord_secret_store_new_in_memory:
 *
 * Returns: (transfer full): a store that keeps secrets in this process only,
 *   for tests and the sandbox demo
 */
ConcordSecretStore *
concord_secret_store_new_in_memory (void)
{
  ConcordSecretStore *self = concord_secret_store_new ();

  self->memory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, wipe_secret);

  return self;
}

gboolean
concord_secret_store_is_in_memory (ConcordSecretStore *self)
{
  g_return_val_if_fail (CONCORD_IS_SECRET_STORE (self), FALSE);

  return self->memory != NULL;
}

/**
 * concord_secret_store_store_async:
 * @self: a #ConcordSecretStore
 * @account_id: the account the secret belongs to
 * @connector: the connector id of the account, e.g. elasticemail
 * @label: the label shown in keyring managers, e.g. "Concord API key for Shop"
 * @secret: the API key or token
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Stores (or replaces) the secret of @account_id.
 */
void
concord_secret_store_store_async (ConcordSecretStore  *self,
                                  const char          *account_id,
                                  const char          *connector,
                                  const char          *label,
                                  const char          *secret,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Call *call;

  g_return_if_fail (CONCORD_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && *account_id != '\0');
  g_return_if_fail (connector != NULL);
  g_return_if_fail (label != NULL);
  g_return_if_fail (secret != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_secret_store_store_async);

  if (self->memory != NULL)
    {
      g_hash_table_replace (self->memory, g_strdup (account_id), g_strdup (secret));
      g_task_return_boolean (task, TRUE);
      return;
    }

  call = call_new (CALL_STORE, account_id);
  call->connector = g_strdup (connector);
  call->label = g_strdup (label);
  call->secret = g_strdup (secret);
  g_task_set_task_data (task, call, call_free);
  start_call (g_steal_pointer (&task));
}

gboolean
concord_secret_store_store_finish (ConcordSecretStore  *self,
                                   GAsyncResult        *result,
                                   GError             **error)
{
  g_return_val_if_fail (CONCORD_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_secret_store_store_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * concord_secret_store_lookup_async:
 * @self: a #ConcordSecretStore
 * @account_id: the account
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Looks up the secret of @account_id. When none is stored, the result is a
 * %CONCORD_ERROR_AUTH_REQUIRED error.
 */
void
concord_secret_store_lookup_async (ConcordSecretStore  *self,
                                   const char          *account_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && *account_id != '\0');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_secret_store_lookup_async);
  g_task_set_task_data (task, call_new (CALL_LOOKUP, account_id), call_free);

  if (self->memory != NULL)
    {
      const char *secret = g_hash_table_lookup (self->memory, account_id);

      if (secret == NULL)
        g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_AUTH_REQUIRED,
                                 "No secret is stored for account %s", account_id);
      else
        g_task_return_pointer (task, g_strdup (secret), wipe_secret);
      return;
    }

  start_call (g_steal_pointer (&task));
}

/**
 * concord_secret_store_lookup_finish:
 *
 * Returns: (transfer full): the secret; free it with concord_secret_free()
 */
char *
concord_secret_store_lookup_finish (ConcordSecretStore  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (CONCORD_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_secret_store_lookup_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * concord_secret_store_clear_async:
 * @self: a #ConcordSecretStore
 * @account_id: the account
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Removes the secret of @account_id. The result tells whether one was removed.
 */
void
concord_secret_store_clear_async (ConcordSecretStore  *self,
                                  const char          *account_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && *account_id != '\0');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_secret_store_clear_async);
  g_task_set_task_data (task, call_new (CALL_CLEAR, account_id), call_free);

  if (self->memory != NULL)
    {
      g_task_return_boolean (task, g_hash_table_remove (self->memory, account_id));
      return;
    }

  start_call (g_steal_pointer (&task));
}

gboolean
concord_secret_store_clear_finish (ConcordSecretStore  *self,
                                   GAsyncResult        *result,
                                   GError             **error)
{
  g_return_val_if_fail (CONCORD_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_secret_store_clear_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * concord_secret_free:
 * @secret: (nullable): a secret returned by concord_secret_store_lookup_finish()
 *
 * Wipes and frees @secret.
 */
void
concord_secret_free (char *secret)
{
  wipe_secret (secret);
}
