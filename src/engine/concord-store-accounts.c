/* concord-store-accounts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The accounts of the state store: checking names, adding, changing,
 * renaming, listing and removing accounts.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include "concord-error.h"
#include "concord-store-private.h"

/* ------------------------------------------------------------------------- */
/* Public API: accounts                                                      */
/* ------------------------------------------------------------------------- */

/* Steps a statement that writes an account's name: a name another
 * account has is said as such, never as SQLite's constraint text. */
static gboolean
execute_account_name (ConcordStore           *self,
                      ConcordStoreStatement  *stmt,
                      const char             *what,
                      const char             *name,
                      GError                **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE)
    return TRUE;

  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                 "Could not %s: another account is already called “%s”; choose another name",
                 what, name);
  else
    concord_store_set_error (self, error, rc, "Could not %s", what);

  return FALSE;
}

/**
 * concord_store_check_name:
 * @name: (nullable): the name of an account or a connection
 * @error: return location for a #GError
 *
 * A name is shown on one line in lists, the CLI's tab-separated output
 * and notifications: it must be text (UTF-8), not empty, and free of
 * control characters (a line break, a tab, an escape) and line or
 * paragraph separators.
 *
 * Returns: %TRUE when @name can be used; %CONCORD_ERROR_INVALID otherwise
 */
gboolean
concord_store_check_name (const char  *name,
                          GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "A name cannot be empty");
      return FALSE;
    }

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A name must be text (UTF-8)");
      return FALSE;
    }

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR ||
          type == G_UNICODE_PARAGRAPH_SEPARATOR)
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "A name cannot contain a line break, a tab or another control "
                               "character");
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * concord_store_check_account_name:
 * @self: a #ConcordStore
 * @name: (nullable): the name of a new account
 * @error: return location for a #GError
 *
 * Checks, before anything is asked of the user or the app, that @name can
 * be a new account's: concord_store_check_name()'s rules
 * (%CONCORD_ERROR_INVALID), and no account called so already
 * (%CONCORD_ERROR_CONFLICT, saying so, as concord_store_add_account()
 * would).
 *
 * Returns: %TRUE when @name is free
 */
gboolean
concord_store_check_account_name (ConcordStore  *self,
                                  const char    *name,
                                  GError       **error)
{
  g_autoptr(ConcordAccountRow) taken = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concord_store_check_name (name, error))
    return FALSE;

  /* Looked up by id or name: only a name counts here. */
  taken = concord_store_get_account (self, name, &local_error);
  if (taken == NULL && !g_error_matches (local_error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (taken != NULL && g_str_equal (taken->name, name))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "Could not add the account: another account is already called “%s”; choose "
                   "another name", name);
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_add_account:
 * @self: a #ConcordStore
 * @id: the account id (also the key of its secret in the keyring)
 * @app_id: the connector id, e.g. elasticemail
 * @name: the name the user gave the account; unique
 * @options_json: (nullable): connector options; never a secret
 * @error: return location for a #GError
 *
 * Adds an account. A duplicate id or name is a %CONCORD_ERROR_CONFLICT; a
 * name concord_store_check_name() refuses is %CONCORD_ERROR_INVALID.
 *
 * Returns: %TRUE when added
 */
gboolean
concord_store_add_account (ConcordStore  *self,
                           const char    *id,
                           const char    *app_id,
                           const char    *name,
                           const char    *options_json,
                           GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL && *id != '\0', FALSE);
  g_return_val_if_fail (app_id != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concord_store_check_name (name, error) ||
      !(stmt = concord_store_lease_statement (self, STMT_ADD_ACCOUNT, error)))
    return FALSE;

  concord_store_bind_text (stmt, 1, id);
  concord_store_bind_text (stmt, 2, app_id);
  concord_store_bind_text (stmt, 3, name);
  concord_store_bind_text (stmt, 4, options_json);
  sqlite3_bind_int64 (stmt, 5, concord_store_now_seconds ());

  return execute_account_name (self, stmt, "add the account", name, error);
}

/**
 * concord_store_set_account_options:
 * @self: a #ConcordStore
 * @id: an account id
 * @options_json: (nullable): the connector's new options (never secrets)
 * @error: return location for a #GError
 *
 * Returns: %TRUE when changed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such account
 */
gboolean
concord_store_set_account_options (ConcordStore  *self,
                                   const char    *id,
                                   const char    *options_json,
                                   GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_SET_ACCOUNT_OPTIONS, error)))
    return FALSE;

  concord_store_bind_text (stmt, 1, id);
  concord_store_bind_text (stmt, 2, options_json);
  if (!concord_store_execute (self, stmt, "change an account", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No account with id %s", id);
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_get_account:
 * @self: a #ConcordStore
 * @id_or_name: an account id, or an account name
 * @error: return location for a #GError
 *
 * Looks an account up by id, then by name. A missing account is a
 * %CONCORD_ERROR_NOT_FOUND error.
 *
 * Returns: (transfer full): the account, or %NULL on error
 */
ConcordAccountRow *
concord_store_get_account (ConcordStore  *self,
                           const char    *id_or_name,
                           GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (id_or_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_ACCOUNT, error)))
    return NULL;

  concord_store_bind_text (stmt, 1, id_or_name);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return concord_store_account_row_from_statement (stmt);

  if (rc == SQLITE_DONE)
    g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                         "No such account");
  else
    concord_store_set_error (self, error, rc, "Could not look up an account");

  return NULL;
}

/**
 * concord_store_list_accounts:
 * @self: a #ConcordStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordAccountRow): every account,
 *   oldest first, or %NULL on error
 */
GPtrArray *
concord_store_list_accounts (ConcordStore  *self,
                             GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_LIST_ACCOUNTS, error)))
    return NULL;

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_account_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, concord_store_account_row_from_statement (stmt));

  if (rc != SQLITE_DONE)
    {
      concord_store_set_error (self, error, rc, "Could not list accounts");
      return NULL;
    }

  return g_steal_pointer (&rows);
}

/**
 * concord_store_remove_account:
 * @self: a #ConcordStore
 * @id: the account id
 * @error: return location for a #GError
 *
 * Removes an account. An account that a connection still uses is not
 * removed (%CONCORD_ERROR_CONFLICT, naming the connections); a missing one is
 * %CONCORD_ERROR_NOT_FOUND. The secret in the keyring is the caller's to
 * remove.
 *
 * Returns: %TRUE when removed
 */
gboolean
concord_store_remove_account (ConcordStore  *self,
                              const char    *id,
                              GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GPtrArray) users = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Refused while used, naming the connections: what to remove first. */
  users = concord_store_list_account_connections (self, id, error);
  if (users == NULL)
    return FALSE;
  if (users->len > 0)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < users->len; i++)
        {
          ConcordConnectionRow *row = g_ptr_array_index (users, i);

          g_string_append_printf (names, "%s“%s”", i == 0 ? "" : ", ", row->name);
        }
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "Could not remove the account: %s %s %s it; remove %s first",
                   users->len == 1 ? "the connection" : "the connections", names->str,
                   users->len == 1 ? "uses" : "use", users->len == 1 ? "that connection" : "them");
      return FALSE;
    }

  if (!(stmt = concord_store_lease_statement (self, STMT_REMOVE_ACCOUNT, error)))
    return FALSE;

  concord_store_bind_text (stmt, 1, id);

  if (!concord_store_execute_full (self, stmt, "remove an account",
                                   CONCORD_ERROR_CONFLICT, "a connection uses it", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No such account");
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_rename_account:
 * @self: a #ConcordStore
 * @id: the account id
 * @name: its new name
 * @error: return location for a #GError
 *
 * Renames an account. A name concord_store_check_name() refuses is
 * %CONCORD_ERROR_INVALID; a name another account has is
 * %CONCORD_ERROR_CONFLICT, saying so; a missing account is
 * %CONCORD_ERROR_NOT_FOUND. Its key in the keyring stays where it is (it
 * is kept by the account's id).
 *
 * Returns: %TRUE when renamed
 */
gboolean
concord_store_rename_account (ConcordStore  *self,
                              const char    *id,
                              const char    *name,
                              GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concord_store_check_name (name, error) ||
      !(stmt = concord_store_lease_statement (self, STMT_RENAME_ACCOUNT, error)))
    return FALSE;

  concord_store_bind_text (stmt, 1, id);
  concord_store_bind_text (stmt, 2, name);
  if (!execute_account_name (self, stmt, "rename the account", name, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No such account");
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_list_account_connections:
 * @self: a #ConcordStore
 * @id: an account id
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordConnectionRow): the
 *   connections that use the account on either side, oldest first (empty
 *   when none does, or the account does not exist), or %NULL on error
 */
GPtrArray *
concord_store_list_account_connections (ConcordStore  *self,
                                        const char    *id,
                                        GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_LIST_ACCOUNT_CONNECTIONS, error)))
    return NULL;

  concord_store_bind_text (stmt, 1, id);
  return concord_store_connection_rows_from_statement (self, stmt,
                                                      "list the connections of an account", error);
}
