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
 * "Use the other value". A field conflict was settled by the policy: the
 * winner's value went to the loser's side. Choosing the other value puts
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

typedef struct
{
  gint64  connection_id;
  gint64  conflict_id;
  char   *search;
  guint   offset;
  guint   limit;
  guint   total;
} ActivityJob;

static void
activity_job_free (gpointer data)
{
  ActivityJob *job = data;

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
  ActivityJob *job = task_data;
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

static gboolean
flip_conflict (ConcordEngine  *self,
               ActivityJob    *job,
               GError        **error)
{
  g_autoptr(ConcordConflictRow) conflict = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(GVariant) variant_a = NULL;
  g_autoptr(GVariant) variant_b = NULL;
  g_autoptr(ConcordRecord) base_a = NULL;
  g_autoptr(ConcordRecord) base_b = NULL;
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  GPtrArray **schemas[2] = { &schema_a, &schema_b };
  ConcordRecord *base[2];
  const char *ids[2];
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ConcordRecord) set = NULL;
  g_autofree char *base_winner = NULL;
  g_autofree char *base_loser = NULL;
  g_autofree char *now_loser = NULL;
  ConcordConnector *connectors[2];
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);  /* connectors[] */
  const char *types[2];
  const char *accounts[2];
  const ConcordMappingPair *pair;
  ConcordSyncConfig config;
  ConcordSide winner, loser;
  const char *winner_value, *loser_value;
  const char *keys[2];
  GAsyncResult *slot = NULL;
  gint64 connection_id = 0;
  gint index;

  if (!concord_engine_ensure_store (self, error) ||
      (conflict = concord_store_get_conflict (self->store, job->conflict_id, &connection_id,
                                              error)) == NULL)
    return FALSE;

  if (connection_id != job->connection_id)
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

  winner = g_strcmp0 (conflict->winner, "b") == 0 ? CONCORD_SIDE_B : CONCORD_SIDE_A;
  loser = CONCORD_SIDE_OTHER (winner);
  winner_value = winner == CONCORD_SIDE_A ? conflict->value_a : conflict->value_b;
  loser_value = loser == CONCORD_SIDE_A ? conflict->value_a : conflict->value_b;

  if ((row = concord_store_get_connection_by_id (self->store, connection_id, error)) == NULL)
    return FALSE;
  accounts[0] = row->account_a;
  accounts[1] = row->account_b;
  types[0] = row->type_a;
  types[1] = row->type_b;
  for (guint s = 0; s < 2; s++)
    {
      if ((connectors[s] = concord_engine_get_connector (self, accounts[s], error)) == NULL)
        return FALSE;
      g_ptr_array_add (held, connectors[s]);
      if ((*schemas[s] = concord_engine_load_schema_sync (connectors[s], types[s], error)) == NULL)
        return FALSE;
    }

  if (!concord_sync_config_init_for_connection (&config, row, schema_a, schema_b, error))
    return FALSE;

  index = concord_mapping_find (config.mapping, CONCORD_SIDE_A, conflict->field);
  pair = index >= 0 ? concord_mapping_get_pair (config.mapping, index) : NULL;
  if (pair == NULL || !flows (row->direction, pair->flow, loser) ||
      pair->type_a == CONCORD_FIELD_TYPE_STRING_SET || pair->type_b == CONCORD_FIELD_TYPE_STRING_SET)
    {
      concord_sync_config_clear (&config);
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("This field no longer syncs that way, so the other value cannot be used"));
      return FALSE;
    }
  keys[0] = g_quark_to_string (pair->key_a);
  keys[1] = g_quark_to_string (pair->key_b);

  /* Both sides must still hold what the run settled: a newer edit on
   * either side wins over an old choice. */
  if (!concord_store_get_link (self->store, conflict->link_id, &id_a, &id_b, error) ||
      !concord_store_get_baseline (self->store, conflict->link_id, &variant_a, &variant_b, error))
    goto fail;
  ids[0] = id_a;
  ids[1] = id_b;
  base[0] = base_a = record_from_baseline (variant_a);
  base[1] = base_b = record_from_baseline (variant_b);
  base_winner = value_text (base[winner], winner == CONCORD_SIDE_A ? pair->key_a : pair->key_b);
  base_loser = value_text (base[loser], loser == CONCORD_SIDE_A ? pair->key_a : pair->key_b);
  if (base[0] == NULL || base[1] == NULL || g_strcmp0 (base_winner, winner_value) != 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           _("The contact changed since this conflict; its newer value stays"));
      goto fail;
    }

  {
    const char *fetch_ids[] = { ids[loser], NULL };

    concord_connector_fetch_async (connectors[loser], types[loser], fetch_ids, NULL,
                                   concord_engine_store_result_cb, &slot);
    result = concord_engine_wait_slot (&slot);
    fetched = concord_connector_fetch_finish (connectors[loser], result, error);
    g_clear_object (&result);
    slot = NULL;
    if (fetched == NULL)
      goto fail;
    if (fetched->len == 0)
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                             _("The contact no longer exists in the app"));
        goto fail;
      }
    now_loser = value_text (g_ptr_array_index (fetched, 0),
                            loser == CONCORD_SIDE_A ? pair->key_a : pair->key_b);
  }
  if (g_strcmp0 (now_loser, base_loser) != 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           _("The contact changed since this conflict; its newer value stays"));
      goto fail;
    }

  /* The loser's own value, back on its side; the next run carries it over. */
  set = concord_record_new (ids[loser]);
  if (loser_value != NULL &&
      !set_from_text (set, keys[loser],
                      loser == CONCORD_SIDE_A ? pair->type_a : pair->type_b, loser_value))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           _("The other value cannot be written back"));
      goto fail;
    }
  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  {
    const char *clear[] = { keys[loser], NULL };

    g_ptr_array_add (changes, concord_record_change_new (ids[loser], set,
                                                         loser_value == NULL ? clear : NULL));
  }
  concord_connector_update_async (connectors[loser], types[loser], changes, NULL,
                                  concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  results = concord_connector_update_finish (connectors[loser], result, error);
  if (results == NULL)
    goto fail;
  for (guint i = 0; i < results->len; i++)
    {
      ConcordWriteResult *write = g_ptr_array_index (results, i);

      if (write->error != NULL)
        {
          g_propagate_error (error, g_error_copy (write->error));
          goto fail;
        }
    }

  {
    ConcordJournalRow journal = {
      .run_id = 0,
      .link_id = conflict->link_id,
      .direction = (char *) (loser == CONCORD_SIDE_B ? "a-to-b" : "b-to-a"),
      .remote_id = (char *) ids[loser],
      .op = (char *) "update",
      .field = (char *) keys[loser],
      .before = now_loser,
      .after = (char *) loser_value,
      .outcome = (char *) "ok",
      .email = conflict->email,
      .name = conflict->name,
    };

    if (!concord_store_begin (self->store, error))
      goto fail;
    if (!concord_store_add_journal (self->store, connection_id, &journal, error) ||
        !concord_store_choose_conflict (self->store, conflict->id, CONCORD_SIDE_NAME (loser), error) ||
        !concord_store_commit (self->store, error))
      {
        concord_store_rollback (self->store);
        goto fail;
      }
  }

  concord_sync_config_clear (&config);
  return TRUE;

fail:
  concord_sync_config_clear (&config);
  return FALSE;
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
  ActivityJob *job = task_data;
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

static GTask *
activity_task (ConcordEngine        *self,
               gpointer              tag,
               gint64                connection_id,
               GCancellable         *cancellable,
               GAsyncReadyCallback   callback,
               gpointer              user_data,
               ActivityJob         **job)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  *job = g_new0 (ActivityJob, 1);
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
  ActivityJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = activity_task (self, concord_engine_query_activity_async, connection_id, cancellable,
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
    *total = ((ActivityJob *) g_task_get_task_data (G_TASK (result)))->total;
  return rows;
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
  ActivityJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = activity_task (self, concord_engine_flip_conflict_async, connection_id, cancellable,
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
  ActivityJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = activity_task (self, concord_engine_get_health_async, connection_id, cancellable,
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
