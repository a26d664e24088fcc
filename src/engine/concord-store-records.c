/* concord-store-records.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The record index, links and baselines of the state store: each side's
 * records with their hashes, the pairs of records a connection keeps in
 * step, and the values both sides last agreed on.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include "concord-error.h"
#include "concord-store-private.h"

/* ------------------------------------------------------------------------- */
/* Public API: the record index                                              */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_load_index:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: the side
 * @error: return location for a #GError
 *
 * Loads the whole index of one side. Each key is the remote_id string of
 * its entry (freed with the entry).
 *
 * Returns: (transfer full) (element-type utf8 ConcordIndexEntry): remote id
 *   → #ConcordIndexEntry, or %NULL on error
 */
GHashTable *
concord_store_load_index (ConcordStore  *self,
                          gint64         connection_id,
                          ConcordSide    side,
                          GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GHashTable) index = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (concord_store_check_side (side), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_LOAD_INDEX, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);

  index = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                 (GDestroyNotify) concord_index_entry_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConcordIndexEntry *entry = g_new (ConcordIndexEntry, 1);

      entry->remote_id = concord_store_column_strdup (stmt, 0);
      entry->email_norm = concord_store_column_strdup (stmt, 1);
      entry->hash = (guint64) sqlite3_column_int64 (stmt, 2);
      entry->link_id = sqlite3_column_int64 (stmt, 3);

      /* replace, not insert: insert would keep the old key, which belongs
       * to the entry being freed. (The primary key makes ids unique.) */
      g_hash_table_replace (index, entry->remote_id, entry);
    }

  if (rc != SQLITE_DONE)
    {
      concord_store_set_error (self, error, rc, "Could not load the record index");
      return NULL;
    }

  return g_steal_pointer (&index);
}

/**
 * concord_store_put_index:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: the side
 * @entry: the entry; replaces any entry with the same remote id
 * @error: return location for a #GError
 *
 * Returns: %TRUE when stored
 */
gboolean
concord_store_put_index (ConcordStore             *self,
                         gint64                    connection_id,
                         ConcordSide               side,
                         const ConcordIndexEntry  *entry,
                         GError                  **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (concord_store_check_side (side), FALSE);
  g_return_val_if_fail (entry != NULL && entry->remote_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_PUT_INDEX, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);
  concord_store_bind_text (stmt, 3, entry->remote_id);
  concord_store_bind_text (stmt, 4, entry->email_norm);
  sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) entry->hash);
  sqlite3_bind_int64 (stmt, 6, entry->link_id);

  return concord_store_execute (self, stmt, "store a record index entry", error);
}

/**
 * concord_store_delete_index:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: the side
 * @remote_id: the record
 * @error: return location for a #GError
 *
 * Removes a record from the index. Removing a record that is not there is
 * not an error.
 *
 * Returns: %TRUE unless SQLite failed
 */
gboolean
concord_store_delete_index (ConcordStore  *self,
                            gint64         connection_id,
                            ConcordSide    side,
                            const char    *remote_id,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (concord_store_check_side (side), FALSE);
  g_return_val_if_fail (remote_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_DELETE_INDEX, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);
  concord_store_bind_text (stmt, 3, remote_id);

  return concord_store_execute (self, stmt, "remove a record index entry", error);
}

/**
 * concord_store_reset_index_hashes:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Marks every record of both sides as never settled (hash 0), so the next
 * run compares all of them again, e.g. after the mapping changed.
 *
 * Returns: %TRUE unless SQLite failed
 */
gboolean
concord_store_reset_index_hashes (ConcordStore  *self,
                                  gint64         connection_id,
                                  GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_RESET_INDEX_HASHES, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);

  return concord_store_execute (self, stmt, "reset the record hashes", error);
}

/* ------------------------------------------------------------------------- */
/* Public API: links and baselines                                           */
/* ------------------------------------------------------------------------- */

/* Serialised GVariants are kept little-endian whatever the machine. */
static GBytes *
serialize_variant (GVariant *value)
{
  g_autoptr(GVariant) normal = g_variant_get_normal_form (value);

  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      g_autoptr(GVariant) swapped = g_variant_take_ref (g_variant_byteswap (normal));

      return g_variant_get_data_as_bytes (swapped);
    }

  return g_variant_get_data_as_bytes (normal);
}

static void
bind_variant (sqlite3_stmt *stmt,
              int           type_index,
              int           data_index,
              GVariant     *value,
              GBytes      **keep)
{
  gsize size;
  gconstpointer data;

  *keep = serialize_variant (value);
  data = g_bytes_get_data (*keep, &size);

  concord_store_bind_text (stmt, type_index, g_variant_get_type_string (value));
  /* A NULL pointer would bind SQL NULL; an empty array serialises to no
   * bytes, which must stay an empty blob. */
  sqlite3_bind_blob64 (stmt, data_index, data != NULL ? data : "", size, SQLITE_STATIC);
}

/* Returns NULL when the stored value cannot be read back: an invalid type
 * string, a missing blob, or bytes that are not a GVariant of that type in
 * normal form. Untrusted bytes never crash g_variant_new_from_bytes(). */
static GVariant *
column_variant (sqlite3_stmt *stmt,
                int           type_index,
                int           data_index)
{
  const char *type_string = (const char *) sqlite3_column_text (stmt, type_index);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gconstpointer data;
  gsize size;

  if (type_string == NULL || !g_variant_type_string_is_valid (type_string) ||
      sqlite3_column_type (stmt, data_index) != SQLITE_BLOB)
    return NULL;

  /* column_blob before column_bytes, as SQLite asks. */
  data = sqlite3_column_blob (stmt, data_index);
  size = (gsize) sqlite3_column_bytes (stmt, data_index);
  bytes = g_bytes_new (data, size);
  value = g_variant_new_from_bytes (G_VARIANT_TYPE (type_string), bytes, FALSE);
  g_variant_take_ref (value);

  /* Framing offsets are little-endian whatever the byte order, so the
   * check holds before the values are swapped. */
  if (!g_variant_is_normal_form (value))
    return NULL;

  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    return g_variant_take_ref (g_variant_byteswap (value));

  return g_variant_get_normal_form (value);
}

/**
 * concord_store_add_link:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @a_remote_id: the record on side A
 * @b_remote_id: the record on side B
 * @error: return location for a #GError
 *
 * Links two records. A record can be in one link only: linking it again is
 * a %CONCORD_ERROR_CONFLICT. The index entries are the caller's to update.
 *
 * Returns: the id of the link, or 0 on error
 */
gint64
concord_store_add_link (ConcordStore  *self,
                        gint64         connection_id,
                        const char    *a_remote_id,
                        const char    *b_remote_id,
                        GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), 0);
  g_return_val_if_fail (a_remote_id != NULL, 0);
  g_return_val_if_fail (b_remote_id != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!(stmt = concord_store_lease_statement (self, STMT_ADD_LINK, error)))
    return 0;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  concord_store_bind_text (stmt, 2, a_remote_id);
  concord_store_bind_text (stmt, 3, b_remote_id);
  sqlite3_bind_int64 (stmt, 4, concord_store_now_seconds ());

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return sqlite3_last_insert_rowid (self->db);

  /* The same pair again is the link there; a record paired with another
   * is a conflict. */
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_autoptr(ConcordStoreStatement) find = concord_store_lease_statement (self, STMT_GET_LINK_ID, error);

      if (find == NULL)
        return 0;
      sqlite3_bind_int64 (find, 1, connection_id);
      concord_store_bind_text (find, 2, a_remote_id);
      concord_store_bind_text (find, 3, b_remote_id);
      if (sqlite3_step (find) == SQLITE_ROW)
        return sqlite3_column_int64 (find, 0);
    }

  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                 "Could not add a link: one of the records is already paired with another");
  else
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                 "Could not add a link: %s", sqlite3_errmsg (self->db));
  return 0;
}

/**
 * concord_store_get_link:
 * @self: a #ConcordStore
 * @link_id: the link
 * @a_remote_id: (out) (optional) (transfer full): the record on side A
 * @b_remote_id: (out) (optional) (transfer full): the record on side B
 * @error: return location for a #GError
 *
 * Returns: %TRUE when found; %CONCORD_ERROR_NOT_FOUND when there is no such
 *   link
 */
gboolean
concord_store_get_link (ConcordStore  *self,
                        gint64         link_id,
                        char         **a_remote_id,
                        char         **b_remote_id,
                        GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_LINK, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, link_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (a_remote_id != NULL)
        *a_remote_id = concord_store_column_strdup (stmt, 0);
      if (b_remote_id != NULL)
        *b_remote_id = concord_store_column_strdup (stmt, 1);
      return TRUE;
    }

  if (rc == SQLITE_DONE)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                 "No link with id %" G_GINT64_FORMAT, link_id);
  else
    concord_store_set_error (self, error, rc, "Could not look up a link");

  return FALSE;
}

/**
 * concord_store_remove_link:
 * @self: a #ConcordStore
 * @link_id: the link
 * @error: return location for a #GError
 *
 * Removes a link and its baseline, and marks the index entries that
 * pointed to it as unlinked (link id 0), all or nothing.
 *
 * Returns: %TRUE when removed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such link
 */
gboolean
concord_store_remove_link (ConcordStore  *self,
                           gint64         link_id,
                           GError       **error)
{
  static const ConcordStoreStatementId steps[] = {
    STMT_DELETE_LINK_BASELINE,
    STMT_UNLINK_RECORDS,
    STMT_DELETE_LINK,  /* last: its change count tells whether the link existed */
  };
  gboolean savepoint;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concord_store_operation_begin (self, &savepoint, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(ConcordStoreStatement) stmt = concord_store_lease_statement (self, steps[i], error);

      if (stmt == NULL)
        goto fail;

      sqlite3_bind_int64 (stmt, 1, link_id);

      if (!concord_store_execute (self, stmt, "remove a link", error))
        goto fail;
    }

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "No link with id %" G_GINT64_FORMAT, link_id);
      goto fail;
    }

  return concord_store_operation_commit (self, savepoint, error);

fail:
  concord_store_operation_abort (self, savepoint);
  return FALSE;
}

/**
 * concord_store_count_links:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Returns: the number of links of the connection, or -1 on error
 */
/**
 * concord_store_find_links:
 * @a_remote_id: a record of side A
 * @b_remote_id: a record of side B
 *
 * Returns: (transfer full) (nullable): the ids (gint64) of the links that
 *   pair @a_remote_id or @b_remote_id with anything; %NULL on error
 */
GArray *
concord_store_find_links (ConcordStore  *self,
                          gint64         connection_id,
                          const char    *a_remote_id,
                          const char    *b_remote_id,
                          GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (a_remote_id != NULL && b_remote_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_FIND_LINKS, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  concord_store_bind_text (stmt, 2, a_remote_id);
  concord_store_bind_text (stmt, 3, b_remote_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }

  if (rc != SQLITE_DONE)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "Could not find links: %s", sqlite3_errmsg (self->db));
      return NULL;
    }

  return g_steal_pointer (&ids);
}

gint64
concord_store_count_links (ConcordStore  *self,
                           gint64         connection_id,
                           GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!(stmt = concord_store_lease_statement (self, STMT_COUNT_LINKS, error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);

  if (!concord_store_query_int64 (self, stmt, &count, "count links", error))
    return -1;

  return count;
}

/**
 * concord_store_set_baseline:
 * @self: a #ConcordStore
 * @link_id: the link
 * @values_a: the values of side A, usually an `a{sv}`; a floating
 *   reference is consumed
 * @values_b: the values of side B; a floating reference is consumed
 * @error: return location for a #GError
 *
 * Stores (or replaces) the baseline of a link.
 *
 * Returns: %TRUE when stored; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such link
 */
gboolean
concord_store_set_baseline (ConcordStore  *self,
                            gint64         link_id,
                            GVariant      *values_a,
                            GVariant      *values_b,
                            GError       **error)
{
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;
  g_autoptr(GBytes) bytes_a = NULL;
  g_autoptr(GBytes) bytes_b = NULL;
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (values_a != NULL, FALSE);
  g_return_val_if_fail (values_b != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  a = g_variant_ref_sink (values_a);
  b = g_variant_ref_sink (values_b);

  if (!(stmt = concord_store_lease_statement (self, STMT_SET_BASELINE, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, link_id);
  bind_variant (stmt, 2, 3, a, &bytes_a);
  bind_variant (stmt, 4, 5, b, &bytes_b);

  return concord_store_execute_full (self, stmt, "store a baseline",
                                     CONCORD_ERROR_NOT_FOUND, "the link does not exist", error);
}

/**
 * concord_store_get_baseline:
 * @self: a #ConcordStore
 * @link_id: the link
 * @values_a: (out) (optional) (transfer full): the values of side A
 * @values_b: (out) (optional) (transfer full): the values of side B
 * @error: return location for a #GError
 *
 * Reads the baseline of a link. When the link has none, or the stored one
 * cannot be read back (a damaged file), the result is a
 * %CONCORD_ERROR_NOT_FOUND error: the caller merges as on a first match.
 *
 * Returns: %TRUE when a baseline was read
 */
gboolean
concord_store_get_baseline (ConcordStore  *self,
                            gint64         link_id,
                            GVariant     **values_a,
                            GVariant     **values_b,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_BASELINE, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, link_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "Link %" G_GINT64_FORMAT " has no baseline", link_id);
      return FALSE;
    }
  else if (rc != SQLITE_ROW)
    {
      concord_store_set_error (self, error, rc, "Could not read a baseline");
      return FALSE;
    }

  a = column_variant (stmt, 0, 1);
  b = column_variant (stmt, 2, 3);

  if (a == NULL || b == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "The baseline of link %" G_GINT64_FORMAT " is unreadable", link_id);
      return FALSE;
    }

  if (values_a != NULL)
    *values_a = g_steal_pointer (&a);
  if (values_b != NULL)
    *values_b = g_steal_pointer (&b);

  return TRUE;
}
