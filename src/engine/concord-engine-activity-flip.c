/* concord-engine-activity-flip.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The facade's "Use the other value" on a conflict of the activity, on the
 * engine thread (the rest of the activity is in concord-engine-activity.c).
 *
 * A field conflict was settled by the policy: the winner's value went to
 * the loser's side. Choosing the other value puts
 * the loser's own value back on the loser's side, through its connector,
 * and leaves the baseline alone: to the next run that is an ordinary edit
 * on one side, which it carries to the other side through the mapping,
 * the rules and the writes' usual safeguards (so both sides end with the
 * value, invariants 1, 5 and 7 hold, and nothing is written that a run
 * would not write). It is refused when either side changed the field
 * since the conflict was settled, so no newer edit is lost (invariant 2),
 * when the field no longer flows that way, and for a suppressed status
 * (invariant 19). The write is journaled, and the conflict remembers the
 * choice.
 */

#define G_LOG_DOMAIN "concord-engine-activity"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-connector.h"
#include "concord-engine-activity.h"
#include "concord-engine-private.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-store.h"
#include "concord-sync-run.h"

static ConcordRecord *
record_from_baseline (GVariant *variant)
{
  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize length;
      const guint8 *data = g_variant_get_fixed_array (variant, &length, 1);

      return concord_record_new_from_serialized (data, length);
    }

  return concord_record_new_from_variant (variant);
}

static char *
value_text (const ConcordRecord *record,
            GQuark               key)
{
  const ConcordValue *value = record != NULL ? concord_record_get_quark (record, key) : NULL;

  return value != NULL ? concord_value_to_string (value) : NULL;
}

/* Parses the text form of a value (concord_value_to_string()) back. */
static gboolean
set_from_text (ConcordRecord    *record,
               const char       *key,
               ConcordFieldType  type,
               const char       *text)
{
  switch (type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      {
        char *end = NULL;
        double number = g_ascii_strtod (text, &end);

        if (end == text || *end != '\0')
          return FALSE;
        concord_record_set_number (record, key, number);
        return TRUE;
      }
    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (g_strcmp0 (text, "true") != 0 && g_strcmp0 (text, "false") != 0)
        return FALSE;
      concord_record_set_boolean (record, key, g_strcmp0 (text, "true") == 0);
      return TRUE;
    case CONCORD_FIELD_TYPE_DATETIME:
      {
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
        g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (text, utc);

        if (when == NULL)
          return FALSE;
        concord_record_set_datetime (record, key, g_date_time_to_unix (when));
        return TRUE;
      }
    case CONCORD_FIELD_TYPE_STRING_SET:
      return FALSE;  /* sets merge; they never conflict */
    default:
      return concord_record_set_text (record, key, type, text);
    }
}

static gboolean
flows (ConcordDirection  direction,
       ConcordPairFlow   flow,
       ConcordSide       from)
{
  if (flow == CONCORD_PAIR_FLOW_OFF)
    return FALSE;
  if (from == CONCORD_SIDE_A)
    return direction != CONCORD_DIRECTION_B_TO_A && flow != CONCORD_PAIR_FLOW_B_TO_A;
  return direction != CONCORD_DIRECTION_A_TO_B && flow != CONCORD_PAIR_FLOW_A_TO_B;
}

/* What flipping one conflict works with, phase after phase. */
typedef struct
{
  ConcordConflictRow       *conflict;       /* (owned) */
  gint64                    connection_id;
  ConcordConnectionRow     *row;            /* (owned) */
  ConcordConnector         *connectors[2];  /* (owned) */
  GPtrArray                *schemas[2];     /* (owned) */
  ConcordSyncConfig         config;
  gboolean                  has_config;     /* @config is to be cleared */
  const ConcordMappingPair *pair;
  ConcordSide               winner;
  ConcordSide               loser;
  const char               *winner_value;
  const char               *loser_value;
  const char               *keys[2];
  char                     *ids[2];         /* (owned): the linked contacts */
  char                     *now_loser;      /* (owned) (nullable): the loser's value now */
} Flip;

static void
flip_clear (Flip *flip)
{
  g_clear_pointer (&flip->now_loser, g_free);
  for (guint s = 0; s < 2; s++)
    {
      g_clear_pointer (&flip->ids[s], g_free);
      g_clear_pointer (&flip->schemas[s], g_ptr_array_unref);
      g_clear_object (&flip->connectors[s]);
    }
  if (flip->has_config)
    concord_sync_config_clear (&flip->config);
  flip->has_config = FALSE;
  g_clear_pointer (&flip->row, concord_connection_row_free);
  g_clear_pointer (&flip->conflict, concord_conflict_row_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Flip, flip_clear)

/* The conflict, if it is a field conflict of this connection whose other
 * value was not chosen yet; which side won and each side's value. */
static gboolean
flip_load_conflict (ConcordEngine             *self,
                    ConcordEngineActivityJob  *job,
                    Flip                      *flip,
                    GError                   **error)
{
  ConcordConflictRow *conflict;

  if (!concord_engine_ensure_store (self, error) ||
      (flip->conflict = concord_store_get_conflict (self->store, job->conflict_id, &flip->connection_id,
                                                    error)) == NULL)
    return FALSE;
  conflict = flip->conflict;

  if (flip->connection_id != job->connection_id)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "Conflict %" G_GINT64_FORMAT " is not one of this connection's",
                   job->conflict_id);
      return FALSE;
    }
  if (g_strcmp0 (conflict->kind, "field") != 0 || conflict->link_id == 0 ||
      (g_strcmp0 (conflict->winner, "a") != 0 && g_strcmp0 (conflict->winner, "b") != 0))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("This conflict cannot be changed"));
      return FALSE;
    }
  if (conflict->chosen != NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           _("The other value was already chosen"));
      return FALSE;
    }

  flip->winner = g_strcmp0 (conflict->winner, "b") == 0 ? CONCORD_SIDE_B : CONCORD_SIDE_A;
  flip->loser = CONCORD_SIDE_OTHER (flip->winner);
  flip->winner_value = flip->winner == CONCORD_SIDE_A ? conflict->value_a : conflict->value_b;
  flip->loser_value = flip->loser == CONCORD_SIDE_A ? conflict->value_a : conflict->value_b;
  return TRUE;
}

/* Both sides' connectors and fields, and the field's pair in the
 * mapping, which must still carry it from the loser's side. */
static gboolean
flip_find_pair (ConcordEngine  *self,
                Flip           *flip,
                GError        **error)
{
  const char *accounts[2];
  const char *types[2];
  gint index;

  if ((flip->row = concord_store_get_connection_by_id (self->store, flip->connection_id, error)) == NULL)
    return FALSE;
  accounts[0] = flip->row->account_a;
  accounts[1] = flip->row->account_b;
  types[0] = flip->row->type_a;
  types[1] = flip->row->type_b;
  for (guint s = 0; s < 2; s++)
    {
      if ((flip->connectors[s] = concord_engine_get_connector (self, accounts[s], error)) == NULL)
        return FALSE;
      if ((flip->schemas[s] = concord_engine_load_schema_sync (flip->connectors[s], types[s], error)) == NULL)
        return FALSE;
    }

  if (!concord_sync_config_init_for_connection (&flip->config, flip->row, flip->schemas[0], flip->schemas[1],
                                                error))
    return FALSE;
  flip->has_config = TRUE;

  index = concord_mapping_find (flip->config.mapping, CONCORD_SIDE_A, flip->conflict->field);
  flip->pair = index >= 0 ? concord_mapping_get_pair (flip->config.mapping, index) : NULL;
  if (flip->pair == NULL || !flows (flip->row->direction, flip->pair->flow, flip->loser) ||
      flip->pair->type_a == CONCORD_FIELD_TYPE_STRING_SET || flip->pair->type_b == CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("This field no longer syncs that way, so the other value cannot be used"));
      return FALSE;
    }
  flip->keys[0] = g_quark_to_string (flip->pair->key_a);
  flip->keys[1] = g_quark_to_string (flip->pair->key_b);
  return TRUE;
}

/* Both sides must still hold what the run settled: a newer edit on
 * either side wins over an old choice. */
static gboolean
flip_check_unchanged (ConcordEngine  *self,
                      Flip           *flip,
                      GError        **error)
{
  const ConcordMappingPair *pair = flip->pair;
  ConcordSide winner = flip->winner;
  ConcordSide loser = flip->loser;
  g_autoptr(GVariant) variant_a = NULL;
  g_autoptr(GVariant) variant_b = NULL;
  g_autoptr(ConcordRecord) base_a = NULL;
  g_autoptr(ConcordRecord) base_b = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *base_winner = NULL;
  g_autofree char *base_loser = NULL;
  ConcordRecord *base[2];
  GAsyncResult *slot = NULL;

  if (!concord_store_get_link (self->store, flip->conflict->link_id, &flip->ids[0], &flip->ids[1], error) ||
      !concord_store_get_baseline (self->store, flip->conflict->link_id, &variant_a, &variant_b, error))
    return FALSE;
  base[0] = base_a = record_from_baseline (variant_a);
  base[1] = base_b = record_from_baseline (variant_b);
  base_winner = value_text (base[winner], winner == CONCORD_SIDE_A ? pair->key_a : pair->key_b);
  base_loser = value_text (base[loser], loser == CONCORD_SIDE_A ? pair->key_a : pair->key_b);
  if (base[0] == NULL || base[1] == NULL || g_strcmp0 (base_winner, flip->winner_value) != 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           _("The contact changed since this conflict; its newer value stays"));
      return FALSE;
    }

  {
    const char *fetch_ids[] = { flip->ids[loser], NULL };
    const char *type = loser == CONCORD_SIDE_A ? flip->row->type_a : flip->row->type_b;

    concord_connector_fetch_async (flip->connectors[loser], type, fetch_ids, NULL,
                                   concord_engine_store_result_cb, &slot);
    result = concord_engine_wait_slot (&slot);
    fetched = concord_connector_fetch_finish (flip->connectors[loser], result, error);
    if (fetched == NULL)
      return FALSE;
    if (fetched->len == 0)
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                             _("The contact no longer exists in the app"));
        return FALSE;
      }
    flip->now_loser = value_text (g_ptr_array_index (fetched, 0),
                                  loser == CONCORD_SIDE_A ? pair->key_a : pair->key_b);
  }
  if (g_strcmp0 (flip->now_loser, base_loser) != 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           _("The contact changed since this conflict; its newer value stays"));
      return FALSE;
    }

  return TRUE;
}

/* The loser's own value, back on its side; the next run carries it over. */
static gboolean
flip_write_back (Flip    *flip,
                 GError **error)
{
  ConcordSide loser = flip->loser;
  const char *type = loser == CONCORD_SIDE_A ? flip->row->type_a : flip->row->type_b;
  g_autoptr(ConcordRecord) set = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  set = concord_record_new (flip->ids[loser]);
  if (flip->loser_value != NULL &&
      !set_from_text (set, flip->keys[loser],
                      loser == CONCORD_SIDE_A ? flip->pair->type_a : flip->pair->type_b, flip->loser_value))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("The other value cannot be written back"));
      return FALSE;
    }
  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  {
    const char *clear[] = { flip->keys[loser], NULL };

    g_ptr_array_add (changes, concord_record_change_new (flip->ids[loser], set,
                                                         flip->loser_value == NULL ? clear : NULL));
  }
  concord_connector_update_async (flip->connectors[loser], type, changes, NULL,
                                  concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  results = concord_connector_update_finish (flip->connectors[loser], result, error);
  if (results == NULL)
    return FALSE;
  for (guint i = 0; i < results->len; i++)
    {
      ConcordWriteResult *write = g_ptr_array_index (results, i);

      if (write->error != NULL)
        {
          g_propagate_error (error, g_error_copy (write->error));
          return FALSE;
        }
    }

  return TRUE;
}

/* The write in the journal, and the choice on the conflict. */
static gboolean
flip_record (ConcordEngine  *self,
             Flip           *flip,
             GError        **error)
{
  ConcordConflictRow *conflict = flip->conflict;
  ConcordSide loser = flip->loser;
  ConcordJournalRow journal = {
    .run_id = 0,
    .link_id = conflict->link_id,
    .direction = (char *) (loser == CONCORD_SIDE_B ? "a-to-b" : "b-to-a"),
    .remote_id = flip->ids[loser],
    .op = (char *) "update",
    .field = (char *) flip->keys[loser],
    .before = flip->now_loser,
    .after = (char *) flip->loser_value,
    .outcome = (char *) "ok",
    .email = conflict->email,
    .name = conflict->name,
  };

  if (!concord_store_begin (self->store, error))
    return FALSE;
  if (!concord_store_add_journal (self->store, flip->connection_id, &journal, error) ||
      !concord_store_choose_conflict (self->store, conflict->id, CONCORD_SIDE_NAME (loser), error) ||
      !concord_store_commit (self->store, error))
    {
      concord_store_rollback (self->store);
      return FALSE;
    }

  return TRUE;
}

static gboolean
flip_conflict (ConcordEngine             *self,
               ConcordEngineActivityJob  *job,
               GError                   **error)
{
  g_auto(Flip) flip = { NULL, };

  return flip_load_conflict (self, job, &flip, error) &&
         flip_find_pair (self, &flip, error) &&
         flip_check_unchanged (self, &flip, error) &&
         flip_write_back (&flip, error) &&
         flip_record (self, &flip, error);
}

static void
flip_conflict_worker (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GError *error = NULL;

  if (!flip_conflict (source_object, task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * concord_engine_flip_conflict_async:
 * @self: a #ConcordEngine
 * @connection_id: the connection
 * @conflict_id: a field conflict of it
 *
 * "Use the other value": puts the value that lost the conflict back on
 * its side, so that the next run carries it to the other side. Fails with
 * %CONCORD_ERROR_CONFLICT when a side changed the field since.
 */
void
concord_engine_flip_conflict_async (ConcordEngine       *self,
                                    gint64               connection_id,
                                    gint64               conflict_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineActivityJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_activity_task (self, concord_engine_flip_conflict_async, connection_id, cancellable,
                        callback, user_data, &job);
  job->conflict_id = conflict_id;
  concord_worker_thread_queue (self->worker, task, flip_conflict_worker);
}

gboolean
concord_engine_flip_conflict_finish (ConcordEngine  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_flip_conflict_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

