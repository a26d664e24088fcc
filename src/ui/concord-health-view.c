/* concord-health-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The health of a connection at a glance, as PieSync showed it: how many
 * contacts are in sync, excluded by the user's rules, paired but no longer
 * matching them (and whether they are still updated), unable to sync,
 * failing (grouped by reason,
 * each with what to do) and waiting for review. The counts come from the
 * engine thread (concord_engine_get_health_async()) and are read again
 * after every run of the connection. A connection that fails before a
 * run even starts (a refused key when reading its fields) has no run to
 * count; its state's error is shown as a reason of its own.
 */

#define G_LOG_DOMAIN "concord-health-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "concord-activity-line.h"
#include "concord-engine-activity.h"
#include "concord-health-view.h"

struct _ConcordHealthView
{
  GtkWidget          parent_instance;

  ConcordEngine     *engine;          /* (owned) */
  GCancellable      *cancellable;     /* (owned) replaced by each query */
  gint64             connection_id;
  gulong             run_finished_id;
  GPtrArray         *reason_rows;     /* (owned) rows added to failing_row */
  gboolean           loading;

  /* Template widgets */
  AdwPreferencesPage *page;
  AdwPreferencesGroup *group;
  AdwActionRow      *in_sync_row;
  AdwActionRow      *excluded_row;
  AdwActionRow      *unmatched_row;
  AdwActionRow      *cannot_sync_row;
  AdwExpanderRow    *failing_row;
  AdwActionRow      *waiting_row;
  GtkLabel          *in_sync_label;
  GtkLabel          *excluded_label;
  GtkLabel          *unmatched_label;
  GtkLabel          *cannot_sync_label;
  GtkLabel          *failing_label;
  GtkLabel          *waiting_label;
};

G_DEFINE_FINAL_TYPE (ConcordHealthView, concord_health_view, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
set_count (GtkWidget *row,
           GtkLabel  *label,
           gint64     count)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (count, 0));
  g_autofree char *description = NULL;

  gtk_label_set_text (label, text);
  /* Translators: the count of a health row, read by screen readers */
  description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s contact", "%s contacts",
                                              (gulong) MAX (count, 0)), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
}

static void
clear_reasons (ConcordHealthView *self)
{
  for (guint i = 0; i < self->reason_rows->len; i++)
    adw_expander_row_remove (self->failing_row, g_ptr_array_index (self->reason_rows, i));
  g_ptr_array_set_size (self->reason_rows, 0);
}

static void
add_reason (ConcordHealthView *self,
            const char        *explanation,
            const char        *fix,
            const char        *detail,
            gint64             count)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label;
  g_autofree char *subtitle = NULL;
  g_autofree char *text = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), explanation);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (detail != NULL && *detail != '\0')
    /* Translators: a fix, then what the app said */
    subtitle = g_strdup_printf (_("%s\nThe app said: %s"), fix, detail);
  else
    subtitle = g_strdup (fix);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 4);
  gtk_widget_set_name (row, "health-reason");

  /* Translators: a failure of the whole connection rather than of some contacts */
  text = count > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, count) : g_strdup (_("All"));
  label = gtk_label_new (text);
  gtk_widget_add_css_class (label, "health-count");
  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  subtitle, -1);

  adw_expander_row_add_row (self->failing_row, row);
  g_ptr_array_add (self->reason_rows, row);
}

static void
show_health (ConcordHealthView   *self,
             const ConcordHealth *health)
{
  ConcordConnectionState *state = concord_engine_lookup (self->engine, self->connection_id);
  const char *state_error = state != NULL ? concord_connection_state_get_error (state) : NULL;
  gboolean whole = FALSE;
  guint n_reasons;

  set_count (GTK_WIDGET (self->in_sync_row), self->in_sync_label, health->in_sync);
  /* Left out on purpose and unable to sync are told apart; pairs that
   * stopped matching say what happens to them, as the user chose. */
  set_count (GTK_WIDGET (self->excluded_row), self->excluded_label, health->excluded_by_rules);
  set_count (GTK_WIDGET (self->cannot_sync_row), self->cannot_sync_label,
             health->excluded - health->excluded_by_rules);
  set_count (GTK_WIDGET (self->unmatched_row), self->unmatched_label,
             health->unmatched_stopped + health->unmatched_kept);
  if (health->unmatched_kept > 0 && health->unmatched_stopped > 0)
    adw_action_row_set_subtitle (self->unmatched_row,
                                 _("Paired contacts no rule matches any more: one direction keeps "
                                   "updating them, the other stopped, as chosen in the rules"));
  else if (health->unmatched_kept > 0)
    adw_action_row_set_subtitle (self->unmatched_row,
                                 _("Paired contacts no rule matches any more: still updated, as "
                                   "chosen in the rules"));
  else
    adw_action_row_set_subtitle (self->unmatched_row,
                                 _("Paired contacts no rule matches any more: no longer updated "
                                   "(the default; the rules can keep them updated)"));
  set_count (GTK_WIDGET (self->failing_row), self->failing_label, health->failing);
  set_count (GTK_WIDGET (self->waiting_row), self->waiting_label, health->waiting);

  clear_reasons (self);
  for (guint i = 0; i < health->reasons->len; i++)
    {
      ConcordHealthReason *reason = g_ptr_array_index (health->reasons, i);

      whole |= reason->count == 0;
      add_reason (self, reason->explanation, reason->fix, reason->detail, reason->count);
    }

  /* Failing before any run could start: the state knows why. */
  if (!whole && state_error != NULL &&
      concord_connection_state_get_status (state) == CONCORD_CONNECTION_FAILING)
    {
      /* The engine's line is made from the error's code; so is its fix. */
      const char *fix = concord_connection_state_get_error_fix (state);

      add_reason (self, state_error, fix != NULL ? fix : "", NULL, 0);
      whole = TRUE;
    }

  /* The whole connection fails (the row says Failing): not "0". */
  if (whole && health->failing == 0)
    {
      gtk_label_set_text (self->failing_label, _("All"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->failing_row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("The whole connection is failing"), -1);
    }

  n_reasons = self->reason_rows->len;
  adw_expander_row_set_enable_expansion (self->failing_row, n_reasons > 0);
  adw_expander_row_set_expanded (self->failing_row, n_reasons > 0);

  if (health->last_run > 0)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (health->last_run);
      /* Translators: a date and time, e.g. "12 March, 14:05" */
      g_autofree char *date = g_date_time_format (when, _("%e %B, %H:%M"));
      /* Translators: %s is a date and time */
      g_autofree char *text = g_strdup_printf (_("Last synced %s"), g_strstrip (date));

      adw_preferences_group_set_description (self->group, text);
    }
  else
    adw_preferences_group_set_description (self->group, _("Not synced yet"));
}

typedef struct
{
  ConcordHealthView *view;  /* (owned) */
  gint64             connection_id;
} Query;

static void
on_health_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Query *query = user_data;
  ConcordHealthView *self = query->view;
  g_autoptr(ConcordHealth) health = NULL;
  g_autoptr(GError) error = NULL;

  health = concord_engine_get_health_finish (CONCORD_ENGINE (object), result, &error);
  if (health != NULL && query->connection_id == self->connection_id)
    {
      self->loading = FALSE;
      show_health (self, health);
    }
  else if (health == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = NULL;

      self->loading = FALSE;
      g_warning ("Could not read the health of connection %" G_GINT64_FORMAT ": %s",
                 query->connection_id, error->message);
      /* The last figures stay; the summary says they may be stale. */
      /* Translators: %s is why, e.g. a database error */
      text = g_strdup_printf (_("Could not read the latest figures: %s"), error->message);
      adw_preferences_group_set_description (self->group, text);
    }

  g_object_unref (query->view);
  g_free (query);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_run_finished_cb (ConcordEngine          *engine,
                    ConcordConnectionState *state,
                    gboolean                ok,
                    ConcordHealthView      *self)
{
  if (self->connection_id != 0 && concord_connection_state_get_id (state) == self->connection_id)
    concord_health_view_refresh (self);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_health_view_dispose (GObject *object)
{
  ConcordHealthView *self = (ConcordHealthView *) object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->engine != NULL)
    g_clear_signal_handler (&self->run_finished_id, self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_HEALTH_VIEW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->reason_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (concord_health_view_parent_class)->dispose (object);
}

static void
concord_health_view_class_init (ConcordHealthViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_health_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-health-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, page);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, group);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, in_sync_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, excluded_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, unmatched_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, cannot_sync_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, failing_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, waiting_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, in_sync_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, excluded_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, unmatched_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, cannot_sync_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, failing_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordHealthView, waiting_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "healthview");
}

static void
concord_health_view_init (ConcordHealthView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->reason_rows = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  adw_expander_row_set_enable_expansion (self->failing_row, FALSE);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_health_view_new:
 * @engine: the engine
 *
 * Returns: (transfer floating): the health summary; show a connection with
 *   concord_health_view_set_connection()
 */
GtkWidget *
concord_health_view_new (ConcordEngine *engine)
{
  ConcordHealthView *self;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  self = g_object_new (CONCORD_TYPE_HEALTH_VIEW, NULL);
  self->engine = g_object_ref (engine);
  self->run_finished_id = g_signal_connect (engine, "run-finished", G_CALLBACK (on_run_finished_cb), self);
  return GTK_WIDGET (self);
}

/**
 * concord_health_view_refresh:
 *
 * Reads the counts again.
 */
void
concord_health_view_refresh (ConcordHealthView *self)
{
  Query *query;

  g_return_if_fail (CONCORD_IS_HEALTH_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->connection_id == 0)
    {
      self->loading = FALSE;
      return;
    }

  self->loading = TRUE;
  query = g_new0 (Query, 1);
  query->view = g_object_ref (self);
  query->connection_id = self->connection_id;
  concord_engine_get_health_async (self->engine, self->connection_id, self->cancellable,
                                   on_health_cb, query);
}

/**
 * concord_health_view_set_connection:
 * @connection_id: the connection, or 0 for none
 */
void
concord_health_view_set_connection (ConcordHealthView *self,
                                    gint64             connection_id)
{
  g_return_if_fail (CONCORD_IS_HEALTH_VIEW (self));

  if (self->connection_id == connection_id)
    return;

  self->connection_id = connection_id;
  concord_health_view_refresh (self);
}

/* Whether counts are being read (for tests). */
gboolean
concord_health_view_is_loading (ConcordHealthView *self)
{
  g_return_val_if_fail (CONCORD_IS_HEALTH_VIEW (self), FALSE);

  return self->loading;
}

/**
 * concord_health_view_add_group:
 * @group: more about the connection, shown below its health
 */
void
concord_health_view_add_group (ConcordHealthView   *self,
                               AdwPreferencesGroup *group)
{
  g_return_if_fail (CONCORD_IS_HEALTH_VIEW (self));
  g_return_if_fail (ADW_IS_PREFERENCES_GROUP (group));

  adw_preferences_page_add (self->page, group);
}
