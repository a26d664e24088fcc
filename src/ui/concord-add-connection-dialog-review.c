/* concord-add-connection-dialog-review.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the new connection will do: the review (page 6), a dry run of the
 * connection made disabled for it, then Turn On. The rules in words (page
 * 4) and the automatic field mapping (page 5) are in
 * concord-add-connection-dialog-mapping.c. See
 * concord-add-connection-dialog.c for the flow.
 *
 * The review needs a connection to run: it is made disabled, with the
 * rules of page 3 and the automatic mapping, and previewed on the engine
 * thread. Coming back with other choices replaces it; Turn On switches it
 * on (which queues its first run); leaving the dialog any other way
 * removes it. Its name is made of both accounts' names, numbered when
 * taken.
 *
 * The changes are shown contact by contact, from the preview's entries
 * (ConcordPreviewContact): the contact's name, else its email; what
 * happens and where, by the accounts' names; then one line per field, its
 * values as people write them. Contacts left out are told apart: on
 * purpose ("Excluded by your rules") or because they cannot sync.
 *
 * The counts come from the first three lines of the plan's text ("create
 * on A: n, create on B: n", "update on …", "conflicts: …"). How many
 * contacts are in both apps is not in the plan: on a new connection every
 * contact either pairs with one on the other side, is to be created there,
 * or is left out (a line of the plan each), so the pairs are what remains
 * of both listings, halved.
 */

#define G_LOG_DOMAIN "concord-add-connection-dialog"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "concord-activity-text.h"
#include "concord-add-connection-dialog-private.h"
#include "concord-arrow.h"
#include "concord-error.h"
#include "concord-mapping.h"
#include "concord-rules.h"

static void start_adding (ConcordAddConnectionDialog *self);

/* How many plan lines the review shows at most. */
#define MAX_PLAN_LINES 200

/* ------------------------------------------------------------------------- */
/* The connection                                                            */
/* ------------------------------------------------------------------------- */

static char *
build_config_json (ConcordAddConnectionDialog *self)
{
  g_autoptr(ConcordConnectionConfig) config = _concord_add_connection_dialog_current_config (self);

  /* Unless edited, the mapping stays automatic: made from both apps'
   * fields at each run. A run has no sample of values to decide by: when
   * the sample read here made another mapping than the fields alone
   * make, that one is kept, so the connection does what the review
   * shows. */
  if (config->mapping == NULL && self->schemas[0] != NULL && self->schemas[1] != NULL)
    {
      g_autoptr(ConcordMapping) sampled = _concord_add_connection_dialog_automatic_mapping (self, NULL);

      if (self->automap_differs)
        config->mapping = g_steal_pointer (&sampled);
    }

  return concord_connection_config_to_json (config, NULL);
}

/* What a connection is made of, as one string: a connection made of the
 * same can be reused. */
static char *
connection_key (ConcordAddConnectionDialog *self)
{
  g_autofree char *config = build_config_json (self);

  return g_strdup_printf ("%s\n%s\n%s\n%s\n%d\n%s",
                          concord_add_connection_side_get_account_id (self->side_a),
                          self->type_ids[0],
                          concord_add_connection_side_get_account_id (self->side_b),
                          self->type_ids[1],
                          get_direction (self), config);
}

static char *
connection_name (ConcordAddConnectionDialog *self)
{
  /* Translators: the name of a new connection, from both accounts' names */
  g_autofree char *name = g_strdup_printf (_("%s and %s"), account_name (self, CONCORD_SIDE_A),
                                           account_name (self, CONCORD_SIDE_B));

  if (self->name_attempt == 0)
    return g_steal_pointer (&name);

  /* Translators: a connection's name made unique: "Shop and Newsletter (2)" */
  return g_strdup_printf (_("%s (%u)"), name, self->name_attempt + 1);
}

static void
on_connection_removed_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!concord_engine_remove_connection_finish (CONCORD_ENGINE (object), result, &error))
    g_warning ("The connection made for the preview could not be removed: %s", error->message);
}

/* The dialog may be gone (disposed) when this is called or finishes: it
 * needs the engine only. */
static void
remove_connection (ConcordEngine *engine,
                   gint64         connection_id)
{
  concord_engine_remove_connection_async (engine, connection_id, NULL,
                                          on_connection_removed_cb, NULL);
}

void
_concord_add_connection_dialog_forget_connection (ConcordAddConnectionDialog *self)
{
  if (self->connection_id != 0)
    remove_connection (self->engine, self->connection_id);
  self->connection_id = 0;
  g_clear_pointer (&self->connection_key, g_free);
}

/* ------------------------------------------------------------------------- */
/* Page 6: review                                                            */
/* ------------------------------------------------------------------------- */

gboolean
_concord_add_connection_dialog_preview_ready (ConcordAddConnectionDialog *self)
{
  return self->preview_key != NULL && self->connection_key != NULL &&
         g_str_equal (self->preview_key, self->connection_key);
}

static void
show_review_status (ConcordAddConnectionDialog *self,
                    const char                 *text,
                    gboolean                    failed)
{
  gtk_widget_set_visible (GTK_WIDGET (self->review_loading_box), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->review_spinner), !failed);
  gtk_spinner_set_spinning (self->review_spinner, !failed);
  gtk_label_set_label (self->review_status_label, text);
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->review_status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->review_status_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->review_retry_button), failed);
}

static void
set_count (GtkLabel *label,
           gint64    count)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, count);

  gtk_label_set_label (label, text);
}

static void
set_row_title (AdwActionRow *row,
               char         *title)
{
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_free (title);
}

static void
update_review_titles (ConcordAddConnectionDialog *self)
{
  const char *name_a = account_name (self, CONCORD_SIDE_A);
  const char *name_b = account_name (self, CONCORD_SIDE_B);

  /* Translators: contacts found; %s is an account name */
  set_row_title (self->listed_a_row, g_strdup_printf (_("In %s"), name_a));
  /* Translators: contacts found; %s is an account name */
  set_row_title (self->listed_b_row, g_strdup_printf (_("In %s"), name_b));
  /* Translators: %s is an account name */
  set_row_title (self->create_b_row, g_strdup_printf (_("Create New Contacts in %s"), name_b));
  /* Translators: %s is an account name */
  set_row_title (self->create_a_row, g_strdup_printf (_("Create New Contacts in %s"), name_a));
  /* Translators: %s is an account name */
  set_row_title (self->update_b_row, g_strdup_printf (_("Update Contacts in %s"), name_b));
  /* Translators: %s is an account name */
  set_row_title (self->update_a_row, g_strdup_printf (_("Update Contacts in %s"), name_a));
}

/* The plan's first three lines hold its counts. */
static gboolean
parse_plan_counts (const char *plan,
                   guint       counts[7])
{
  return plan != NULL &&
         sscanf (plan, "create on A: %u, create on B: %u update on A: %u, update on B: %u "
                       "conflicts: %u, ambiguous matches: %u, skipped: %u",
                 &counts[0], &counts[1], &counts[2], &counts[3], &counts[4], &counts[5],
                 &counts[6]) == 7;
}

/* A field's name for people: the app's own label, else the canonical
 * one, never "custom:". */
static const char *
field_name (ConcordAddConnectionDialog *self,
            ConcordSide                 side,
            const char                 *key)
{
  for (guint i = 0; self->schemas[side] != NULL && i < self->schemas[side]->len; i++)
    {
      const ConcordFieldSpec *spec = g_ptr_array_index (self->schemas[side], i);

      if (g_strcmp0 (spec->key, key) == 0 && spec->label != NULL && *spec->label != '\0')
        return spec->label;
    }
  return concord_activity_field_label (key);
}

/* An English reason of the engine, without its internal words. */
static char *
plain_reason (const char *reason)
{
  g_autoptr(GString) text = g_string_new (reason != NULL ? reason : "");

  g_string_replace (text, CONCORD_FIELD_CUSTOM_PREFIX, "", 0);
  if (text->len > 0)
    {
      g_autofree char *first = g_utf8_strup (text->str, g_utf8_next_char (text->str) - text->str);

      g_string_erase (text, 0, g_utf8_next_char (text->str) - text->str);
      g_string_prepend (text, first);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
describe_change (ConcordAddConnectionDialog  *self,
                 const ConcordPreviewContact *contact,
                 char                       **title)
{
  const char *target = account_name (self, contact->target);
  const char *who = contact->name != NULL && *contact->name != '\0' ? contact->name : contact->email;
  GString *text = g_string_new (NULL);

  *title = g_strdup (who != NULL && *who != '\0' ? who : _("Contact without a name or email address"));
  if (who != NULL && who != contact->email && contact->email != NULL)
    g_string_append_printf (text, "%s\n", contact->email);

  switch (contact->kind)
    {
    case CONCORD_PREVIEW_CREATE:
      /* Translators: %s is an account name */
      g_string_append_printf (text, _("Added to %s"), target);
      break;
    case CONCORD_PREVIEW_UPDATE:
      /* Translators: %s is an account name */
      g_string_append_printf (text, _("Updated in %s"), target);
      break;
    case CONCORD_PREVIEW_EXCLUDED:
      /* Translators: %s is an account name */
      g_string_append_printf (text, _("Excluded by your rules: not sent to %s"), target);
      break;
    case CONCORD_PREVIEW_CANNOT_SYNC:
    default:
      {
        g_autofree char *reason = plain_reason (contact->reason);

        /* Translators: the first %s is an account name, the second why (English) */
        g_string_append_printf (text, _("Cannot sync to %s: %s"), target, reason);
      }
      break;
    }

  for (guint i = 0; contact->changes != NULL && i < contact->changes->len; i++)
    {
      const ConcordFieldChange *change = g_ptr_array_index (contact->changes, i);
      const char *field = field_name (self, contact->target, change->field);
      g_autofree char *before = concord_activity_format_value (change->before);
      g_autofree char *after = concord_activity_format_value (change->after);

      /* The email is already said. */
      if (contact->kind == CONCORD_PREVIEW_CREATE && g_strcmp0 (change->field, CONCORD_FIELD_EMAIL) == 0)
        continue;
      g_string_append_c (text, '\n');
      if (contact->kind == CONCORD_PREVIEW_CREATE || before == NULL)
        /* Translators: a field and its value: "Lists: VIP, Pro" */
        g_string_append_printf (text, _("%s: %s"), field, after != NULL ? after : _("(empty)"));
      else
        /* Translators: a field's change: "Name: Ann → Anna"; the arrow points from the
         * old value to the new: in a right-to-left language, use "←". */
        g_string_append_printf (text, _("%s: %s → %s"), field, before,
                                after != NULL ? after : _("(empty)"));
    }

  return g_string_free (text, FALSE);
}

static void
show_changes (ConcordAddConnectionDialog *self,
              GPtrArray                  *preview)
{
  remove_rows (self->changes_group, self->change_rows);

  for (guint i = 0; preview != NULL && i < preview->len && i < MAX_PLAN_LINES; i++)
    {
      const ConcordPreviewContact *contact = g_ptr_array_index (preview, i);
      g_autofree char *title = NULL;
      g_autofree char *text = describe_change (self, contact, &title);
      GtkWidget *row = add_row (self->changes_group, self->change_rows, title, text);

      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
    }

  if (self->change_rows->len == 0)
    add_row (self->changes_group, self->change_rows, _("No changes: both apps already agree."), NULL);
  else if (preview != NULL && preview->len > MAX_PLAN_LINES)
    add_row (self->changes_group, self->change_rows, _("And more"),
             _("The first sync makes these changes and more of the same kind."));
}

/* A group of the review, made here: the dialog's template is the "ui"
 * part's; the review's mapping section is this file's. */
static AdwPreferencesGroup *
review_group (ConcordAddConnectionDialog *self,
              GtkWidget                  *after,
              const char                 *name,
              const char                 *title,
              const char                 *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  gtk_widget_set_name (group, name);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_box_insert_child_after (self->review_box, group, after);
  return ADW_PREFERENCES_GROUP (group);
}

static gboolean
reason_is_plain_absence (const ConcordUnmappedField *field)
{
  return g_str_equal (field->reason, "no field of that name on the other side");
}

/* What the automatic mapping did, in the review: each pair of fields
 * (saying which are custom fields paired by name, and when values are
 * written as a pick list's options), then each field left alone and why,
 * those with a reason of their own first, so a person sees it before
 * turning the connection on. An edited mapping was seen where it was
 * edited: the groups are then hidden. */
static void
show_automatic_mapping (ConcordAddConnectionDialog *self)
{
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GPtrArray) unmapped = NULL;
  gboolean automatic = self->edited == NULL || self->edited->mapping == NULL;
  gboolean shown;

  if (self->automap_group == NULL)
    {
      GtkWidget *before = gtk_widget_get_prev_sibling (GTK_WIDGET (self->changes_group));

      self->automap_rows = g_ptr_array_new ();
      self->automap_left_rows = g_ptr_array_new ();
      self->automap_group = review_group (self, before, "automap-group", _("Fields Mapped Automatically"),
                                          _("Paired by their names and the values the contacts hold. "
                                            "Go back to Fields to change them."));
      self->automap_left_group = review_group (self, GTK_WIDGET (self->automap_group), "automap-left-group",
                                               _("Fields Not Synced"),
                                               _("Left alone by the automatic mapping, each for the "
                                                 "reason given."));
    }
  remove_rows (self->automap_group, self->automap_rows);
  remove_rows (self->automap_left_group, self->automap_left_rows);

  shown = automatic && self->schemas[0] != NULL && self->schemas[1] != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->automap_group), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->automap_left_group), shown);
  if (!shown)
    return;

  mapping = _concord_add_connection_dialog_automatic_mapping (self, &unmapped);
  for (guint i = 0; i < concord_mapping_get_n_pairs (mapping); i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, i);
      const char *key_a = g_quark_to_string (pair->key_a);
      const char *key_b = g_quark_to_string (pair->key_b);
      const char *label_a = field_name (self, CONCORD_SIDE_A, key_a);
      const char *label_b = field_name (self, CONCORD_SIDE_B, key_b);
      ConcordArrow arrow = pair->flow == CONCORD_PAIR_FLOW_BOTH ? CONCORD_ARROW_BOTH
                         : pair->flow == CONCORD_PAIR_FLOW_A_TO_B ? CONCORD_ARROW_FORWARD : CONCORD_ARROW_BACK;
      g_autofree char *title = concord_arrow_join (GTK_WIDGET (self), label_a, arrow, label_b);
      g_autofree char *spoken = NULL;
      const char *note = NULL;
      GtkWidget *row;

      if (concord_mapping_pair_get_n_values (pair) > 0)
        note = _("Custom fields of the same name; values are written as the options of the pick list");
      else if (concord_field_is_custom (key_a) && concord_field_is_custom (key_b))
        note = _("Custom fields of the same name");
      else if (concord_field_is_custom (key_a) || concord_field_is_custom (key_b))
        note = _("A custom field paired with a standard field by its name");
      row = add_row (self->automap_group, self->automap_rows, title, note);
      if (pair->flow == CONCORD_PAIR_FLOW_BOTH)
        /* Translators: spoken for a pair of fields; %s are field labels */
        spoken = g_strdup_printf (_("%s syncs both ways with %s"), label_a, label_b);
      else
        /* Translators: spoken for a pair of fields; %s are field labels */
        spoken = g_strdup_printf (_("%s is copied to %s"),
                                  pair->flow == CONCORD_PAIR_FLOW_A_TO_B ? label_a : label_b,
                                  pair->flow == CONCORD_PAIR_FLOW_A_TO_B ? label_b : label_a);
      if (note != NULL)
        {
          g_autofree char *full = g_strdup_printf ("%s. %s", spoken, note);

          set_accessible_label (row, full);
        }
      else
        set_accessible_label (row, spoken);
    }

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; unmapped != NULL && i < unmapped->len; i++)
      {
        const ConcordUnmappedField *field = g_ptr_array_index (unmapped, i);
        g_autofree char *title = NULL;
        g_autofree char *reason = NULL;
        g_autofree char *spoken = NULL;
        GtkWidget *row;

        if (reason_is_plain_absence (field) != (pass == 1))
          continue;
        /* Translators: an account name and one of its fields: "Shop: Birthday" */
        title = g_strdup_printf (_("%s: %s"), account_name (self, field->side),
                                 field->label != NULL ? field->label : field->key);
        reason = plain_reason (field->reason);
        spoken = g_strdup_printf ("%s. %s", title, reason);
        row = add_row (self->automap_left_group, self->automap_left_rows, title, reason);
        adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
        set_accessible_label (row, spoken);
      }
  gtk_widget_set_visible (GTK_WIDGET (self->automap_left_group), self->automap_left_rows->len > 0);
}

static void
show_preview (ConcordAddConnectionDialog *self,
              const ConcordRunSummary    *summary)
{
  guint counts[7] = { 0, };
  g_auto(GStrv) lines = NULL;
  const char *stopped = NULL;
  gint64 matched;

  if (!parse_plan_counts (summary->plan_text, counts))
    {
      show_review_status (self, _("The preview could not be read."), TRUE);
      return;
    }

  lines = g_strsplit (summary->plan_text, "\n", -1);
  for (guint i = 3; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "stopped: "))
      stopped = lines[i] + strlen ("stopped: ");

  matched = ((gint64) summary->listed[0] + summary->listed[1] - counts[0] - counts[1] - counts[6]) / 2;

  update_review_titles (self);
  set_count (self->listed_a_label, summary->listed[0]);
  set_count (self->listed_b_label, summary->listed[1]);
  set_count (self->matched_label, MAX (matched, 0));
  set_count (self->create_a_label, counts[0]);
  set_count (self->create_b_label, counts[1]);
  set_count (self->update_a_label, counts[2]);
  set_count (self->update_b_label, counts[3]);
  set_count (self->conflicts_label, counts[4]);
  set_count (self->excluded_label, MIN (summary->excluded, counts[6]));
  set_count (self->skipped_label, counts[6] - MIN (summary->excluded, counts[6]));

  /* A way that does not flow creates and updates nothing there. */
  gtk_widget_set_visible (GTK_WIDGET (self->create_b_row),
                          concord_direction_flows (get_direction (self), CONCORD_SIDE_A));
  gtk_widget_set_visible (GTK_WIDGET (self->update_b_row),
                          concord_direction_flows (get_direction (self), CONCORD_SIDE_A));
  gtk_widget_set_visible (GTK_WIDGET (self->create_a_row),
                          concord_direction_flows (get_direction (self), CONCORD_SIDE_B));
  gtk_widget_set_visible (GTK_WIDGET (self->update_a_row),
                          concord_direction_flows (get_direction (self), CONCORD_SIDE_B));

  show_automatic_mapping (self);
  show_changes (self, summary->preview);

  gtk_widget_set_visible (GTK_WIDGET (self->tripped_label), summary->tripped);
  if (summary->tripped)
    {
      /* Translators: %s is why (English) */
      g_autofree char *text = g_strdup_printf (_("Concord would stop this sync to protect your "
                                                 "contacts: %s"), stopped != NULL ? stopped : "");

      gtk_label_set_label (self->tripped_label, text);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->review_loading_box), FALSE);
  gtk_spinner_set_spinning (self->review_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->review_box), TRUE);
}

static void
on_preview_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ConcordAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  ConcordRunSummary summary = { 0, };

  if (!concord_engine_preview_finish (CONCORD_ENGINE (object), result, &summary, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !self->closed)
        {
          /* Translators: %s is why */
          g_autofree char *text = g_strdup_printf (_("The preview failed: %s"), error->message);

          show_review_status (self, text, TRUE);
        }
      return;
    }

  if (!self->closed && self->page == PAGE_REVIEW)
    {
      g_free (self->preview_key);
      self->preview_key = g_strdup (self->connection_key);
      show_preview (self, &summary);
      _concord_add_connection_dialog_update_buttons (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->turn_on_button));
    }

  concord_run_summary_clear (&summary);
}

static void
start_preview (ConcordAddConnectionDialog *self)
{
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  self->preview_cancellable = g_cancellable_new ();

  show_review_status (self, _("Reading both apps to see what the first sync will do…"), FALSE);
  concord_engine_preview_async (self->engine, self->connection_id, self->preview_cancellable,
                                on_preview_cb, g_object_ref (self));
}

static void
on_connection_added_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(ConcordAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_steal_pointer (&self->adding_key);
  gint64 id;

  id = concord_engine_add_connection_finish (CONCORD_ENGINE (object), result, &error);

  if (id != 0 && self->closed)
    {
      remove_connection (CONCORD_ENGINE (object), id);
      return;
    }
  if (self->closed)
    return;

  if (id == 0)
    {
      /* The name is taken: number it. */
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT) && self->name_attempt < 99)
        {
          self->name_attempt++;
          start_adding (self);
          return;
        }

      {
        /* Translators: %s is why */
        g_autofree char *text = g_strdup_printf (_("The connection could not be made: %s"),
                                                 error->message);

        show_review_status (self, text, TRUE);
      }
      return;
    }

  self->connection_id = id;
  self->connection_key = g_steal_pointer (&key);

  /* The choices may have changed meanwhile: ensure_preview() knows. */
  if (self->page == PAGE_REVIEW)
    _concord_add_connection_dialog_ensure_preview (self);
}

static void
start_adding (ConcordAddConnectionDialog *self)
{
  g_autofree char *name = connection_name (self);
  g_autofree char *config = build_config_json (self);
  ConcordConnectionRow row = {
    .name = name,
    .account_a = (char *) concord_add_connection_side_get_account_id (self->side_a),
    .type_a = self->type_ids[0],
    .account_b = (char *) concord_add_connection_side_get_account_id (self->side_b),
    .type_b = self->type_ids[1],
    .direction = get_direction (self),
    .prefer = CONCORD_PREFER_NEWEST,
    .config_json = config,
    .enabled = FALSE,
  };

  g_free (self->adding_key);
  self->adding_key = connection_key (self);

  /* No cancellable: a connection made after the dialog went must still be
   * known, to be removed. */
  concord_engine_add_connection_async (self->engine, &row, NULL, on_connection_added_cb,
                                       g_object_ref (self));
}

void
_concord_add_connection_dialog_ensure_preview (ConcordAddConnectionDialog *self)
{
  g_autofree char *key = connection_key (self);

  if (_concord_add_connection_dialog_preview_ready (self) && g_str_equal (key, self->connection_key))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->review_loading_box), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->review_box), TRUE);
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->review_box), FALSE);
  show_review_status (self, _("Reading both apps to see what the first sync will do…"), FALSE);

  /* One is being made; its callback comes back here. */
  if (self->adding_key != NULL)
    return;

  if (self->connection_id != 0 && g_str_equal (key, self->connection_key))
    {
      start_preview (self);
      return;
    }

  g_clear_pointer (&self->preview_key, g_free);
  _concord_add_connection_dialog_forget_connection (self);
  start_adding (self);
}

static void
on_enabled_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ConcordAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  self->turning_on = FALSE;
  ok = concord_engine_set_enabled_finish (CONCORD_ENGINE (object), result, &error);

  /* Destroyed meanwhile (with its parent): the connection is on, as asked. */
  if (self->closed)
    return;

  if (!ok)
    {
      /* Translators: %s is why */
      g_autofree char *text = g_strdup_printf (_("The connection could not be turned on: %s"),
                                               error->message);

      show_review_status (self, text, TRUE);
      _concord_add_connection_dialog_update_buttons (self);
      return;
    }

  self->turned_on = TRUE;
  g_signal_emit_by_name (self, "connection-added", self->connection_id);
  gtk_window_close (GTK_WINDOW (self));
}

void
_concord_add_connection_dialog_reload_schemas (ConcordAddConnectionDialog *self)
{
  g_clear_pointer (&self->schemas_for, g_free);
  g_clear_error (&self->schema_error);
  _concord_add_connection_dialog_load_schemas (self);
}

void
_concord_add_connection_dialog_retry_preview (ConcordAddConnectionDialog *self)
{
  g_clear_pointer (&self->preview_key, g_free);
  _concord_add_connection_dialog_ensure_preview (self);
}

/* Switches the previewed connection on; ::connection-added follows. */
void
_concord_add_connection_dialog_turn_on (ConcordAddConnectionDialog *self)
{
  g_assert (self->connection_id != 0);

  self->turning_on = TRUE;
  _concord_add_connection_dialog_update_buttons (self);
  show_review_status (self, _("Turning the connection on…"), FALSE);
  concord_engine_set_enabled_async (self->engine, self->connection_id, TRUE, NULL,
                                    on_enabled_cb, g_object_ref (self));
}
