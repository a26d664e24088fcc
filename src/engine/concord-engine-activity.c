/* concord-engine-activity.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The facade's activity and health calls, on the engine thread.
 *
 * Activity. A page of the store's activity (runs worth showing, conflicts
 * and journal rows, newest first) is turned into ConcordActivityRows that
 * the UI can show as they are: text made valid UTF-8 and cut to a sane
 * length (the journal keeps what apps sent, which may be anything), a
 * run's counts read from its summary, and every error or skip explained
 * for people with a suggested fix (concord_activity_explain()). Pages are
 * small and the store walks indexes only to reach them, so the view can
 * ask for any page of 100,000 rows at any time.
 *
 * "Use the other value" on a conflict is in concord-engine-activity-flip.c.
 *
 * Health. Paired contacts are in sync; unpaired contacts last left out on
 * purpose are excluded; the failed writes of the newest run, grouped by
 * what the apps said, are failing (and a failed run counts as one reason
 * of its own); unresolved ambiguous matches wait for review.
 */

#define G_LOG_DOMAIN "concord-engine-activity"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "concord-connector.h"
#include "concord-engine-activity.h"
#include "concord-engine-private.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-planner.h"
#include "concord-store.h"
#include "concord-sync-run.h"

#define MAX_VALUE_CHARS 300
#define MAX_DETAIL_CHARS 500
#define MAX_PAGE 1000

static void
activity_job_free (gpointer data)
{
  ConcordEngineActivityJob *job = data;

  g_free (job->search);
  g_free (job);
}

/* ------------------------------------------------------------------------- */
/* Rows                                                                      */
/* ------------------------------------------------------------------------- */

void
concord_activity_row_free (ConcordActivityRow *row)
{
  if (row == NULL)
    return;

  g_free (row->email);
  g_free (row->name);
  g_free (row->op);
  g_free (row->field);
  g_free (row->before);
  g_free (row->after);
  g_free (row->explanation);
  g_free (row->fix);
  g_free (row->detail);
  g_free (row->status);
  g_free (row->value_a);
  g_free (row->value_b);
  g_free (row->chosen);
  g_free (row);
}

void
concord_health_free (ConcordHealth *health)
{
  if (health == NULL)
    return;

  g_clear_pointer (&health->reasons, g_ptr_array_unref);
  g_free (health);
}

static void
health_reason_free (ConcordHealthReason *reason)
{
  g_free (reason->explanation);
  g_free (reason->fix);
  g_free (reason->detail);
  g_free (reason);
}

/**
 * concord_activity_clean_text:
 * @text: (nullable): text as stored
 * @max_chars: the most characters to keep
 *
 * Returns: (transfer full) (nullable): @text as valid UTF-8 without
 *   control characters, cut to @max_chars with an ellipsis
 */
char *
concord_activity_clean_text (const char *text,
                             gsize       max_chars)
{
  g_autofree char *valid = NULL;
  GString *out;
  gsize n = 0;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (MIN (strlen (valid), max_chars * 4) + 4);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n == max_chars)
        {
          g_string_append (out, "…");
          break;
        }
      /* One line: newlines and tabs become spaces, other controls go. */
      if (c == '\n' || c == '\r' || c == '\t')
        c = ' ';
      else if (g_unichar_iscntrl (c))
        continue;
      g_string_append_unichar (out, c);
      n++;
    }

  return g_string_free (out, FALSE);
}

/* A field's name as people know it: the label of a canonical field, a
 * custom field's own name. */
static const char *
field_label (const char *key)
{
  const ConcordFieldSpec *spec;

  if (key == NULL || *key == '\0')
    return NULL;
  if (concord_field_is_custom (key))
    return key + strlen (CONCORD_FIELD_CUSTOM_PREFIX);
  spec = concord_fields_lookup (key);
  return spec != NULL ? spec->label : key;
}

/**
 * concord_activity_explain:
 * @code: (nullable): a stored code: a #ConcordError nick
 *   (concord_error_to_nick()) or a skip's reason (CONCORD_SKIP_*); %NULL
 *   for a row an older Concord stored
 * @app_name: (nullable): the name of the app (account) the error came from
 * @field: (nullable): the key of the field a refused value was in
 * @explanation: (out) (transfer full): what happened, for people
 * @fix: (out) (transfer full): what to do about it
 *
 * Turns a stored code into a translated line and a suggested fix, for the
 * activity view, the health summary, the connection's banner and
 * concord-cli: errors through concord_error_explain(), skips here. The
 * English text stored next to the code is never read: a row without a
 * code gets the generic words, its own text shows as the detail.
 */
void
concord_activity_explain (const char  *code,
                          const char  *app_name,
                          const char  *field,
                          char       **explanation,
                          char       **fix)
{
  ConcordError error_code;

  g_return_if_fail (explanation != NULL && fix != NULL);

  if (g_strcmp0 (code, CONCORD_SKIP_RULE) == 0)
    {
      *explanation = g_strdup (_("No rule of this connection lets the contact across"));
      *fix = g_strdup (_("Nothing to do, unless it should sync: then add a rule that syncs it, or change one, "
                         "in the connection’s rules."));
    }
  else if (g_strcmp0 (code, CONCORD_SKIP_CREATE_OFF) == 0)
    {
      *explanation = g_strdup (_("Creating contacts is turned off in this direction"));
      *fix = g_strdup (_("Turn on “Create contacts” in the connection’s rules if new contacts should be added."));
    }
  else if (g_strcmp0 (code, CONCORD_SKIP_NOT_SYNCED) == 0 || g_strcmp0 (code, CONCORD_SKIP_NOT_MAPPED) == 0)
    {
      *explanation = g_strdup (_("This direction or field is not synced"));
      *fix = g_strdup (_("Change the connection’s direction or field mapping if it should sync."));
    }
  else if (g_strcmp0 (code, CONCORD_SKIP_NO_EMAIL) == 0)
    {
      *explanation = g_strdup (_("The contact’s email address is not valid"));
      *fix = g_strdup (_("Correct the email address in the app the contact comes from; Concord syncs it on the next run."));
    }
  else if (g_strcmp0 (code, CONCORD_SKIP_PAIRED) == 0)
    {
      *explanation = g_strdup (_("The matching contact is already paired with another one"));
      *fix = g_strdup (_("Remove the duplicate contact in the app, or give it its own email address."));
    }
  else if (g_strcmp0 (code, CONCORD_SKIP_UNREADABLE) == 0)
    {
      *explanation = g_strdup (_("The matching contact could not be read"));
      *fix = g_strdup (_("Nothing to do: Concord will try again on the next sync."));
    }
  else if (g_strcmp0 (code, CONCORD_SKIP_CONVERT) == 0)
    {
      *explanation = g_strdup (_("A value does not fit the other app’s field"));
      *fix = g_strdup (_("Correct the value, or change the field’s format in the field mapping."));
    }
  else if (g_strcmp0 (code, CONCORD_SKIP_SUPPRESSED) == 0)
    {
      *explanation = g_strdup (_("The contact unsubscribed or bounced"));
      *fix = g_strdup (_("Nothing to do: Concord never re-subscribes a contact who said no."));
    }
  else if (g_strcmp0 (code, CONCORD_SKIP_BAD_RECORD) == 0)
    {
      if (app_name != NULL)
        /* Translators: %s is an app's or account's name */
        *explanation = g_strdup_printf (_("A contact in %s could not be read"), app_name);
      else
        *explanation = g_strdup (_("A contact in the app could not be read"));
      *fix = g_strdup (_("Correct or remove the contact named below in its app; Concord leaves it out "
                         "until then and syncs the others."));
    }
  else if (concord_error_from_nick (code, &error_code))
    concord_error_explain (error_code, app_name, field_label (field), explanation, fix);
  else
    concord_error_explain (CONCORD_ERROR_FAILED, NULL, NULL, explanation, fix);
}

/**
 * concord_activity_explain_aborted:
 * @explanation: (out) (transfer full): what happened, for people
 * @fix: (out) (transfer full): what to do about it
 *
 * The words for a run the circuit breaker stopped (status "aborted").
 */
void
concord_activity_explain_aborted (char **explanation,
                                  char **fix)
{
  *explanation = g_strdup (_("Concord stopped to protect your contacts"));
  *fix = g_strdup (_("An app suddenly looks very different. Check it, then sync again to confirm."));
}

/* The names of a connection's two accounts, for "Shop refused…". */
typedef struct
{
  char *name[2];
} SideNames;

static void
side_names_init (SideNames    *names,
                 ConcordStore *store,
                 gint64        connection_id)
{
  g_autoptr(ConcordConnectionRow) connection = concord_store_get_connection_by_id (store, connection_id, NULL);

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(ConcordAccountRow) account = NULL;

      names->name[s] = NULL;
      if (connection == NULL)
        continue;
      account = concord_store_get_account (store, s == 0 ? connection->account_a : connection->account_b,
                                           NULL);
      if (account != NULL)
        names->name[s] = concord_activity_clean_text (account->name, MAX_VALUE_CHARS);
    }
}

static void
side_names_clear (SideNames *names)
{
  g_clear_pointer (&names->name[0], g_free);
  g_clear_pointer (&names->name[1], g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SideNames, side_names_clear)

static const char *
side_name (const SideNames *names,
           const char      *code_side)
{
  if (names == NULL)
    return NULL;
  if (g_strcmp0 (code_side, "a") == 0)
    return names->name[0];
  if (g_strcmp0 (code_side, "b") == 0)
    return names->name[1];
  return NULL;
}

static guint
summary_count (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;

  return (guint) CLAMP (json_node_get_int (node), 0, G_MAXUINT);
}

static void
read_summary (ConcordActivityRow *row,
              const char         *summary_json)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object;

  if (summary_json == NULL || !json_parser_load_from_data (parser, summary_json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;

  object = json_node_get_object (json_parser_get_root (parser));
  for (guint s = 0; s < 2; s++)
    {
      JsonNode *side = json_object_get_member (object, CONCORD_SIDE_NAME (s));

      if (side == NULL || !JSON_NODE_HOLDS_OBJECT (side))
        continue;
      row->created += summary_count (json_node_get_object (side), "created");
      row->updated += summary_count (json_node_get_object (side), "updated");
      row->failed += summary_count (json_node_get_object (side), "failed");
    }
  row->skipped = summary_count (object, "skipped");
  row->conflicts = summary_count (object, "conflicts");
  row->linked = summary_count (object, "linked");
}

static ConcordActivityRow *
row_from_run (const ConcordRunRow *run,
              const SideNames     *names)
{
  ConcordActivityRow *row = g_new0 (ConcordActivityRow, 1);

  row->kind = CONCORD_ACTIVITY_RUN;
  row->id = run->id;
  row->run_id = run->id;
  row->time = MAX (run->started, run->finished);
  row->duration = run->finished > 0 ? MAX (run->finished - run->started, 0) : -1;
  row->status = concord_activity_clean_text (run->status, 20);
  read_summary (row, run->summary_json);

  if (g_strcmp0 (run->status, "ok") != 0 && g_strcmp0 (run->status, "partial") != 0)
    {
      row->kind = CONCORD_ACTIVITY_ERROR;
      if (run->finished == 0)
        {
          row->explanation = g_strdup (_("The sync did not finish"));
          row->fix = g_strdup (_("Nothing to do: the next sync completes the work safely."));
        }
      else if (g_strcmp0 (run->status, "aborted") == 0)
        concord_activity_explain_aborted (&row->explanation, &row->fix);
      else
        concord_activity_explain (run->code, side_name (names, run->code_side), run->code_field,
                                  &row->explanation, &row->fix);
      row->detail = concord_activity_clean_text (run->error, MAX_DETAIL_CHARS);
    }

  return row;
}

static ConcordActivityRow *
row_from_conflict (const ConcordConflictRow *conflict)
{
  ConcordActivityRow *row = g_new0 (ConcordActivityRow, 1);

  row->kind = CONCORD_ACTIVITY_CONFLICT;
  row->id = conflict->id;
  row->run_id = conflict->run_id;
  row->time = conflict->time;
  row->email = concord_activity_clean_text (conflict->email, MAX_VALUE_CHARS);
  row->name = concord_activity_clean_text (conflict->name, MAX_VALUE_CHARS);
  row->field = concord_activity_clean_text (conflict->field, MAX_VALUE_CHARS);
  row->value_a = concord_activity_clean_text (conflict->value_a, MAX_VALUE_CHARS);
  row->value_b = concord_activity_clean_text (conflict->value_b, MAX_VALUE_CHARS);
  row->winner = g_strcmp0 (conflict->winner, "b") == 0 ? CONCORD_SIDE_B : CONCORD_SIDE_A;
  row->chosen = concord_activity_clean_text (conflict->chosen, 4);
  row->can_flip = g_strcmp0 (conflict->kind, "field") == 0 && conflict->link_id != 0 &&
                  conflict->chosen == NULL &&
                  (g_strcmp0 (conflict->winner, "a") == 0 || g_strcmp0 (conflict->winner, "b") == 0);
  if (g_strcmp0 (conflict->kind, "suppressed") == 0)
    concord_activity_explain (CONCORD_SKIP_SUPPRESSED, NULL, NULL, &row->explanation, &row->fix);

  return row;
}

static ConcordActivityRow *
row_from_journal (const ConcordJournalRow *journal,
                  const SideNames         *names)
{
  ConcordActivityRow *row = g_new0 (ConcordActivityRow, 1);

  row->id = journal->id;
  row->run_id = journal->run_id;
  row->time = journal->time;
  row->by_person = journal->run_id == 0;
  row->email = concord_activity_clean_text (journal->email, MAX_VALUE_CHARS);
  row->name = concord_activity_clean_text (journal->name, MAX_VALUE_CHARS);
  row->target = g_strcmp0 (journal->direction, "b-to-a") == 0 ? CONCORD_SIDE_A : CONCORD_SIDE_B;
  row->op = concord_activity_clean_text (journal->op, 20);
  row->field = concord_activity_clean_text (journal->field, MAX_VALUE_CHARS);
  row->before = concord_activity_clean_text (journal->before, MAX_VALUE_CHARS);
  row->after = concord_activity_clean_text (journal->after, MAX_VALUE_CHARS);

  if (g_strcmp0 (journal->outcome, "failed") == 0)
    row->kind = CONCORD_ACTIVITY_ERROR;
  else if (g_strcmp0 (journal->outcome, "skipped") == 0)
    row->kind = CONCORD_ACTIVITY_SKIPPED;
  else
    row->kind = CONCORD_ACTIVITY_CHANGE;

  if (row->kind != CONCORD_ACTIVITY_CHANGE)
    {
      concord_activity_explain (journal->code, side_name (names, journal->code_side), journal->code_field,
                                &row->explanation, &row->fix);
      row->detail = concord_activity_clean_text (journal->error, MAX_DETAIL_CHARS);
    }

  return row;
}

/* ------------------------------------------------------------------------- */
/* Engine thread                                                             */
/* ------------------------------------------------------------------------- */

static void
query_activity_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineActivityJob *job = task_data;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_auto(SideNames) names = { { NULL, NULL } };
  GError *error = NULL;
  gint64 total;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!concord_engine_ensure_store (self, &error) ||
      (total = concord_store_count_activity (self->store, job->connection_id, job->search,
                                             &error)) < 0 ||
      (entries = concord_store_list_activity (self->store, job->connection_id, job->search,
                                              job->offset, job->limit, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  side_names_init (&names, self->store, job->connection_id);
  rows = g_ptr_array_new_full (entries->len, (GDestroyNotify) concord_activity_row_free);
  for (guint i = 0; i < entries->len; i++)
    {
      ConcordActivityEntry *entry = g_ptr_array_index (entries, i);

      switch (entry->source)
        {
        case CONCORD_ACTIVITY_SOURCE_RUN:
          g_ptr_array_add (rows, row_from_run (entry->row, &names));
          break;
        case CONCORD_ACTIVITY_SOURCE_CONFLICT:
          g_ptr_array_add (rows, row_from_conflict (entry->row));
          break;
        case CONCORD_ACTIVITY_SOURCE_JOURNAL:
        default:
          g_ptr_array_add (rows, row_from_journal (entry->row, &names));
          break;
        }
    }

  job->total = (guint) CLAMP (total, 0, G_MAXUINT);
  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
}

/* Pairs that stopped matching the rules of a direction that flows, by
 * what the user chose for them; those no longer updated are not in sync. */
static gboolean
count_unmatched (ConcordStore   *store,
                 gint64          connection_id,
                 ConcordHealth  *health,
                 GError        **error)
{
  g_autoptr(ConcordConnectionRow) row = concord_store_get_connection_by_id (store, connection_id, error);
  g_autoptr(ConcordConnectionConfig) config = NULL;
  gboolean stop[2] = { FALSE, FALSE }, keep[2] = { FALSE, FALSE };

  if (row == NULL)
    return FALSE;

  /* A document that cannot be read fails the runs, which say why. */
  config = concord_connection_config_new_from_json (row->config_json, NULL);
  if (config == NULL)
    return TRUE;

  for (guint s = 0; s < 2; s++)
    {
      ConcordRuleList *list = config->rules[s];

      if (!concord_direction_flows (row->direction, s) || !concord_rule_list_holds_back (list))
        continue;
      if (concord_rule_list_get_unmatched (list) == CONCORD_UNMATCHED_KEEP)
        keep[s] = TRUE;
      else
        stop[s] = TRUE;
    }

  if ((health->unmatched_stopped = concord_store_count_unmatched (store, connection_id, stop[0], stop[1],
                                                                   error)) < 0 ||
      (health->unmatched_kept = concord_store_count_unmatched (store, connection_id, keep[0], keep[1],
                                                                error)) < 0)
    return FALSE;

  health->in_sync = MAX (0, health->in_sync - health->unmatched_stopped);
  return TRUE;
}

static void
get_health_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineActivityJob *job = task_data;
  g_autoptr(ConcordHealth) health = g_new0 (ConcordHealth, 1);
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(ConcordRunRow) last = NULL;
  g_autoptr(GHashTable) groups = NULL;
  g_auto(SideNames) names = { { NULL, NULL } };
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      (health->in_sync = concord_store_count_links (self->store, job->connection_id, &error)) < 0 ||
      (health->excluded = concord_store_count_excluded (self->store, job->connection_id, &error)) < 0 ||
      (health->excluded_by_rules = concord_store_count_excluded_by_rules (self->store, job->connection_id,
                                                                          &error)) < 0 ||
      (health->waiting = concord_store_count_waiting (self->store, job->connection_id, &error)) < 0 ||
      (failures = concord_store_list_failing (self->store, job->connection_id, &error)) == NULL ||
      !count_unmatched (self->store, job->connection_id, health, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  last = concord_store_get_last_run (self->store, job->connection_id, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  health->reasons = g_ptr_array_new_with_free_func ((GDestroyNotify) health_reason_free);
  side_names_init (&names, self->store, job->connection_id);

  /* A run that failed as a whole is a reason of its own. */
  if (last != NULL)
    {
      health->last_run = last->finished;
      if (g_strcmp0 (last->status, "failed") == 0 || g_strcmp0 (last->status, "aborted") == 0)
        {
          ConcordHealthReason *reason = g_new0 (ConcordHealthReason, 1);

          if (g_strcmp0 (last->status, "aborted") == 0)
            concord_activity_explain_aborted (&reason->explanation, &reason->fix);
          else
            concord_activity_explain (last->code, side_name (&names, last->code_side), last->code_field,
                                      &reason->explanation, &reason->fix);
          reason->detail = concord_activity_clean_text (last->error, MAX_DETAIL_CHARS);
          g_ptr_array_add (health->reasons, reason);
        }
    }

  /* Texts that explain alike are one group. */
  groups = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < failures->len; i++)
    {
      ConcordFailureCount *failure = g_ptr_array_index (failures, i);
      ConcordHealthReason *reason;
      g_autofree char *explanation = NULL;
      g_autofree char *fix = NULL;

      concord_activity_explain (failure->code, side_name (&names, failure->code_side), failure->code_field,
                                &explanation, &fix);
      health->failing += failure->count;
      reason = g_hash_table_lookup (groups, explanation);
      if (reason != NULL)
        {
          reason->count += failure->count;
          continue;
        }

      reason = g_new0 (ConcordHealthReason, 1);
      reason->explanation = g_steal_pointer (&explanation);
      reason->fix = g_steal_pointer (&fix);
      reason->detail = concord_activity_clean_text (failure->error, MAX_DETAIL_CHARS);
      reason->count = failure->count;
      g_hash_table_insert (groups, reason->explanation, reason);
      g_ptr_array_add (health->reasons, reason);
    }

  g_task_return_pointer (task, g_steal_pointer (&health), (GDestroyNotify) concord_health_free);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GTask *
concord_engine_activity_task (ConcordEngine             *self,
                              gpointer                   tag,
                              gint64                     connection_id,
                              GCancellable              *cancellable,
                              GAsyncReadyCallback        callback,
                              gpointer                   user_data,
                              ConcordEngineActivityJob **job)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  *job = g_new0 (ConcordEngineActivityJob, 1);
  (*job)->connection_id = connection_id;
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, *job, activity_job_free);
  return task;
}

/**
 * concord_engine_query_activity_async:
 * @self: a #ConcordEngine
 * @connection_id: the connection
 * @search: (nullable): only rows about contacts whose email or name
 *   contains this, case-insensitively (runs are left out then)
 * @offset: the first row, newest first
 * @limit: the most rows (at most 1000)
 *
 * Reads one page of the connection's activity on the engine thread.
 */
void
concord_engine_query_activity_async (ConcordEngine       *self,
                                     gint64               connection_id,
                                     const char          *search,
                                     guint                offset,
                                     guint                limit,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineActivityJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_activity_task (self, concord_engine_query_activity_async, connection_id, cancellable,
                        callback, user_data, &job);
  job->search = g_strdup (search);
  job->offset = offset;
  job->limit = CLAMP (limit, 1, MAX_PAGE);
  concord_worker_thread_queue (self->worker, task, query_activity_worker);
}

/**
 * concord_engine_query_activity_finish:
 * @total: (out) (optional): how many rows the whole activity has (with
 *   the search)
 *
 * Returns: (transfer full) (element-type ConcordActivityRow): the page
 */
GPtrArray *
concord_engine_query_activity_finish (ConcordEngine  *self,
                                      GAsyncResult   *result,
                                      guint          *total,
                                      GError        **error)
{
  GPtrArray *rows;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_query_activity_async,
                        NULL);

  rows = g_task_propagate_pointer (G_TASK (result), error);
  if (rows != NULL && total != NULL)
    *total = ((ConcordEngineActivityJob *) g_task_get_task_data (G_TASK (result)))->total;
  return rows;
}

/**
 * concord_engine_get_health_async:
 * @self: a #ConcordEngine
 * @connection_id: the connection
 *
 * Counts what is in sync, excluded, failing and waiting for review.
 */
void
concord_engine_get_health_async (ConcordEngine       *self,
                                 gint64               connection_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineActivityJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_activity_task (self, concord_engine_get_health_async, connection_id, cancellable,
                        callback, user_data, &job);
  concord_worker_thread_queue (self->worker, task, get_health_worker);
}

/**
 * concord_engine_get_health_finish:
 *
 * Returns: (transfer full): the counts
 */
ConcordHealth *
concord_engine_get_health_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_get_health_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
