/* concord-schedule-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A connection's sync schedule, on its page: "Automatic (every 1 min)" —
 * as often as reading its apps allows (the engine's cadence, which the
 * label follows as the connection grows) — or a fixed time between the end
 * of one sync and the start of the next. The choice goes to the engine
 * (concord_engine_set_schedule_async()), which stores it with the
 * connection; a schedule stored that is none of the choices (set by the
 * CLI) is shown as one more choice.
 */

#define G_LOG_DOMAIN "concord-schedule-row"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-schedule-row.h"

struct _ConcordScheduleRow
{
  AdwPreferencesGroup     parent_instance;

  ConcordEngine          *engine;       /* (owned) */
  ConcordConnectionState *state;        /* (owned) (nullable) */
  GCancellable           *cancellable;  /* (owned): cancelled in dispose */
  GArray                 *seconds;      /* guint: each choice's schedule, 0 automatic */
  gboolean                updating;

  /* Template widgets */
  AdwComboRow            *combo;
  GtkStringList          *choices;
};

G_DEFINE_FINAL_TYPE (ConcordScheduleRow, concord_schedule_row, ADW_TYPE_PREFERENCES_GROUP)

/* The fixed schedules offered, besides automatic. */
static const guint fixed_schedules[] = { 60, 5 * 60, 15 * 60, 60 * 60, 6 * 60 * 60 };

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/**
 * concord_schedule_describe:
 * @seconds: a time between syncs
 *
 * Returns: (transfer full): "every 1 min", "every 15 min", "every 6 h"
 */
char *
concord_schedule_describe (guint seconds)
{
  if (seconds < 3600 || seconds % 3600 != 0)
    /* Translators: %u is a number of minutes */
    return g_strdup_printf (_("every %u min"), MAX (1, (seconds + 59) / 60));
  /* Translators: %u is a number of hours */
  return g_strdup_printf (_("every %u h"), seconds / 3600);
}

static char *
describe_choice (guint seconds,
                 guint cadence)
{
  g_autofree char *every = concord_schedule_describe (seconds > 0 ? seconds : MAX (cadence, 60));

  if (seconds == 0)
    /* Translators: %s is e.g. "every 1 min" */
    return g_strdup_printf (_("Automatic (%s)"), every);
  if (seconds == 60)
    return g_strdup (_("Every minute"));
  if (seconds < 3600 || seconds % 3600 != 0)
    /* Translators: %u is a number of minutes */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u minute", "Every %u minutes",
                                         (seconds + 59) / 60), (seconds + 59) / 60);
  if (seconds == 3600)
    return g_strdup (_("Every hour"));
  /* Translators: %u is a number of hours */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u hour", "Every %u hours", seconds / 3600),
                          seconds / 3600);
}

/* Fills the choices for the state's schedule and cadence, and selects its
 * schedule. */
static void
update (ConcordScheduleRow *self)
{
  guint schedule = self->state != NULL ? concord_connection_state_get_schedule (self->state) : 0;
  guint cadence = self->state != NULL ? concord_connection_state_get_cadence (self->state) : 0;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  guint selected = 0;

  self->updating = TRUE;

  g_array_set_size (self->seconds, 0);
  g_array_append_val (self->seconds, (guint) { 0 });
  for (guint i = 0; i < G_N_ELEMENTS (fixed_schedules); i++)
    g_array_append_val (self->seconds, fixed_schedules[i]);

  for (guint i = 0; i < self->seconds->len; i++)
    if (g_array_index (self->seconds, guint, i) == schedule)
      selected = i + 1;
  if (selected == 0)
    {
      g_array_append_val (self->seconds, schedule);
      selected = self->seconds->len;
    }

  for (guint i = 0; i < self->seconds->len; i++)
    g_ptr_array_add (labels, describe_choice (g_array_index (self->seconds, guint, i), cadence));
  g_ptr_array_add (labels, NULL);
  gtk_string_list_splice (self->choices, 0, g_list_model_get_n_items (G_LIST_MODEL (self->choices)),
                          (const char * const *) labels->pdata);
  adw_combo_row_set_selected (self->combo, selected - 1);
  /* Said above the row, where it wraps, so the choice itself stays whole. */
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         schedule == 0 ? _("Automatic syncs as often as reading both apps "
                                                           "allows, and at once after a change they report.")
                                                       : _("Counted from the end of the last sync."));

  self->updating = FALSE;
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
set_schedule_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!concord_engine_set_schedule_finish (CONCORD_ENGINE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_warning ("Could not change the schedule: %s", error->message);
      update (user_data);
    }
}

static void
on_selected_changed (ConcordScheduleRow *self)
{
  guint selected = adw_combo_row_get_selected (self->combo);

  if (self->updating || self->state == NULL || selected >= self->seconds->len)
    return;

  concord_engine_set_schedule_async (self->engine, concord_connection_state_get_id (self->state),
                                     g_array_index (self->seconds, guint, selected), self->cancellable,
                                     set_schedule_cb, self);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_schedule_row_dispose (GObject *object)
{
  ConcordScheduleRow *self = CONCORD_SCHEDULE_ROW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  g_clear_object (&self->state);
  g_clear_object (&self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_SCHEDULE_ROW);

  G_OBJECT_CLASS (concord_schedule_row_parent_class)->dispose (object);
}

static void
concord_schedule_row_finalize (GObject *object)
{
  ConcordScheduleRow *self = CONCORD_SCHEDULE_ROW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->seconds, g_array_unref);

  G_OBJECT_CLASS (concord_schedule_row_parent_class)->finalize (object);
}

static void
concord_schedule_row_class_init (ConcordScheduleRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_schedule_row_dispose;
  object_class->finalize = concord_schedule_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/concord-schedule-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordScheduleRow, combo);
  gtk_widget_class_bind_template_child (widget_class, ConcordScheduleRow, choices);
  gtk_widget_class_bind_template_callback (widget_class, on_selected_changed);
}

static void
concord_schedule_row_init (ConcordScheduleRow *self)
{
  self->cancellable = g_cancellable_new ();
  self->seconds = g_array_new (FALSE, FALSE, sizeof (guint));
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_name (GTK_WIDGET (self), "schedule-row");
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GtkWidget *
concord_schedule_row_new (ConcordEngine *engine)
{
  ConcordScheduleRow *self;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  self = g_object_new (CONCORD_TYPE_SCHEDULE_ROW, NULL);
  self->engine = g_object_ref (engine);
  update (self);

  return GTK_WIDGET (self);
}

/**
 * concord_schedule_row_set_state:
 * @state: (nullable): the connection whose schedule to show and change
 */
void
concord_schedule_row_set_state (ConcordScheduleRow     *self,
                                ConcordConnectionState *state)
{
  g_return_if_fail (CONCORD_IS_SCHEDULE_ROW (self));
  g_return_if_fail (state == NULL || CONCORD_IS_CONNECTION_STATE (state));

  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  g_set_object (&self->state, state);
  if (state != NULL)
    {
      g_signal_connect_swapped (state, "notify::schedule", G_CALLBACK (update), self);
      g_signal_connect_swapped (state, "notify::cadence", G_CALLBACK (update), self);
    }
  update (self);
}
