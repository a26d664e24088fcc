/* concord-connection-item.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One connection in the main window: the two apps with the direction
 * between them, its name, when it last synced and how many contacts are in
 * sync, an error badge with the reason in one line, progress while a run
 * goes, "Sync now", and the on/off switch. The switch is the one control
 * that stops a connection: it is stored, so it holds across restarts (a
 * separate Pause did the same, but was forgotten on restart). Everything
 * it shows comes from a ConcordConnectionState; everything it does goes
 * through the engine facade.
 *
 * When the next sync is ("Next sync in 45 s", "in 3 min") and when the last
 * was ("5 minutes ago") move on with the clock. While the row is mapped,
 * one timeout wakes it when the text next changes: every second in the
 * last minute before a sync, every minute or so otherwise. They are
 * whole-second timeouts, which GLib wakes together, so a window of rows
 * wakes at most once a second.
 */

#define G_LOG_DOMAIN "concord-connection-item"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-arrow.h"
#include "concord-connection-item.h"
#include "concord-reflow-box.h"

struct _ConcordConnectionItem
{
  GtkListBoxRow           parent_instance;

  ConcordEngine          *engine;  /* (owned) */
  ConcordConnectionState *state;   /* (owned) */
  gboolean                updating;
  guint                   pulse_id;
  guint                   clock_id;  /* the next change of the text, while mapped */

  /* Template widgets */
  GtkImage               *icon_a;
  GtkImage               *icon_b;
  GtkLabel               *direction_label;
  GtkLabel               *title_label;
  GtkLabel               *error_badge;
  GtkLabel               *subtitle_label;
  GtkLabel               *error_label;
  GtkButton              *sync_button;
  GtkSwitch              *enabled_switch;
  GtkProgressBar         *progress_bar;
};

G_DEFINE_FINAL_TYPE (ConcordConnectionItem, concord_connection_item, GTK_TYPE_LIST_BOX_ROW)

/* ------------------------------------------------------------------------- */
/* Showing the state                                                         */
/* ------------------------------------------------------------------------- */

/* "Synced 5 minutes ago", or when it was long ago, the date. */
static char *
format_last_sync (gint64 when)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 minutes = (now - when) / 60;

  if (when <= 0)
    return g_strdup (_("Never synced"));
  if (minutes < 1)
    return g_strdup (_("Synced just now"));
  if (minutes < 60)
    /* Translators: %d is a number of minutes */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Synced %d minute ago", "Synced %d minutes ago",
                                         (gulong) minutes), (int) minutes);
  if (minutes < 24 * 60)
    /* Translators: %d is a number of hours */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Synced %d hour ago", "Synced %d hours ago",
                                         (gulong) (minutes / 60)), (int) (minutes / 60));
  {
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (when);
    g_autofree char *date = g_date_time_format (dt, "%x");

    /* Translators: %s is a date */
    return g_strdup_printf (_("Synced on %s"), date);
  }
}

/* "Next sync in 45 s", "in 3 min", "in 2 h"; the seconds until the text
 * changes in @change. */
static char *
format_next_sync (gint64   next_sync,
                  gboolean failing,
                  gint64  *change)
{
  gint64 left = (next_sync - g_get_monotonic_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;

  *change = G_MAXINT64;
  if (next_sync <= 0)
    return NULL;
  if (left <= 0)
    return g_strdup (failing ? _("Trying again now") : _("Next sync now"));
  if (left < 60)
    {
      *change = 1;
      return g_strdup_printf (failing
                              /* Translators: %d is a number of seconds */
                              ? _("Next try in %d s")
                              /* Translators: %d is a number of seconds */
                              : _("Next sync in %d s"),
                              (int) left);
    }
  if (left < 3600)
    {
      gint64 minutes = (left + 59) / 60;

      /* It reads "in 3 min" from 3 minutes down to 2 minutes and 1 second,
       * and "in 1 min" for the 60th second only. */
      *change = MAX (1, left - MAX ((minutes - 1) * 60, 59));
      return g_strdup_printf (failing
                              /* Translators: %d is a number of minutes */
                              ? _("Next try in %d min")
                              /* Translators: %d is a number of minutes */
                              : _("Next sync in %d min"),
                              (int) minutes);
    }
  {
    gint64 hours = (left + 3599) / 3600;

    *change = MAX (1, left - MAX ((hours - 1) * 3600, 3599));
    return g_strdup_printf (failing
                            /* Translators: %d is a number of hours */
                            ? _("Next try in %d h")
                            /* Translators: %d is a number of hours */
                            : _("Next sync in %d h"),
                            (int) hours);
  }
}

static gboolean
pulse_cb (gpointer data)
{
  ConcordConnectionItem *self = data;

  gtk_progress_bar_pulse (self->progress_bar);
  return G_SOURCE_CONTINUE;
}

static void schedule_clock (ConcordConnectionItem *self,
                            gint64                 change);

/* The arrow between the apps' icons; returns what it says in words
 * ("Between Shop and CRM"). */
static char *
show_direction (ConcordConnectionItem *self)
{
  ConcordConnectionState *state = self->state;
  const char *arrow;
  char *apps;

  switch (concord_connection_state_get_direction (state))
    {
    case CONCORD_DIRECTION_A_TO_B:
      arrow = concord_arrow_glyph (GTK_WIDGET (self->direction_label), CONCORD_ARROW_FORWARD);
      apps = g_strdup_printf (_("From %s to %s"), concord_connection_state_get_account_a (state),
                              concord_connection_state_get_account_b (state));
      break;
    case CONCORD_DIRECTION_B_TO_A:
      arrow = concord_arrow_glyph (GTK_WIDGET (self->direction_label), CONCORD_ARROW_BACK);
      apps = g_strdup_printf (_("From %s to %s"), concord_connection_state_get_account_b (state),
                              concord_connection_state_get_account_a (state));
      break;
    case CONCORD_DIRECTION_BOTH:
    default:
      arrow = concord_arrow_glyph (GTK_WIDGET (self->direction_label), CONCORD_ARROW_BOTH);
      /* Translators: the direction of a connection; each %s is the name of an account */
      apps = g_strdup_printf (_("Between %s and %s"), concord_connection_state_get_account_a (state),
                              concord_connection_state_get_account_b (state));
      break;
    }
  gtk_label_set_label (self->direction_label, arrow);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->direction_label), apps);

  return apps;
}

/* The line under the name: syncing, off, or when it last synced and how
 * many contacts are in sync; then when it syncs next (@next). */
static char *
state_text (ConcordConnectionItem *self,
            const char            *next)
{
  ConcordConnectionState *state = self->state;
  ConcordConnectionStatus status = concord_connection_state_get_status (state);
  const char *progress = concord_connection_state_get_progress (state);
  gint64 linked = concord_connection_state_get_n_linked (state);
  g_autofree char *when = format_last_sync (concord_connection_state_get_last_sync (state));
  gboolean running = status == CONCORD_CONNECTION_RUNNING;
  char *subtitle;

  if (running)
    subtitle = g_strdup (progress != NULL ? progress : _("Syncing…"));
  else if (status == CONCORD_CONNECTION_OFF)
    /* Translators: the state of a connection that is turned off; %s is when
     * it last synced ("Synced 5 minutes ago"). "·" separates the two parts. */
    subtitle = g_strdup_printf (_("Off · %s"), when);
  else
    {
      /* The count is formatted first: a G_GINT64_FORMAT inside the msgid
       * would cut it at "%" for translators. */
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, linked);

      /* Translators: the state of a connection: %1$s is when it last synced
       * ("Synced 5 minutes ago"), %2$s the number of contacts that are
       * linked between its two apps. "·" separates the two parts. */
      subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%1$s · %2$s contact in sync",
                                               "%1$s · %2$s contacts in sync",
                                               (gulong) MIN (linked, G_MAXINT32)),
                                  when, count);
    }
  if (next != NULL && !running)
    {
      /* Translators: a connection's state followed by when it syncs next:
       * %1$s is "Synced 5 minutes ago · 3 contacts in sync", %2$s is
       * "Next sync in 3 min". "·" separates the two parts. */
      char *with_next = g_strdup_printf (_("%1$s · %2$s"), subtitle, next);

      g_free (subtitle);
      subtitle = with_next;
    }

  return subtitle;
}

/* The progress bar while it runs: the fraction when known, else a pulse. */
static void
show_progress (ConcordConnectionItem *self,
               gboolean               running)
{
  ConcordConnectionState *state = self->state;

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  if (running && concord_connection_state_get_fraction (state) > 0)
    {
      g_clear_handle_id (&self->pulse_id, g_source_remove);
      gtk_progress_bar_set_fraction (self->progress_bar, concord_connection_state_get_fraction (state));
    }
  else if (running && self->pulse_id == 0)
    self->pulse_id = g_timeout_add (150, pulse_cb, self);
  else if (!running)
    g_clear_handle_id (&self->pulse_id, g_source_remove);
}

/* What a screen reader says of the row and its controls. */
static void
label_for_screen_readers (ConcordConnectionItem *self,
                          const char            *name,
                          const char            *apps,
                          const char            *subtitle,
                          const char            *error)
{
  g_autofree char *accessible = g_strdup_printf ("%s, %s. %s%s%s", name, apps, subtitle,
                                                 error != NULL ? ". " : "", error != NULL ? error : "");
  /* Translators: the name a screen reader gives a switch; %s is a connection's name */
  g_autofree char *switch_name = g_strdup_printf (_("Sync %s"), name);
  /* Translators: the name a screen reader gives a button; %s is a connection's name */
  g_autofree char *sync_name = g_strdup_printf (_("Sync %s now"), name);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->enabled_switch), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  switch_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  sync_name, -1);
}

static void
update (ConcordConnectionItem *self)
{
  ConcordConnectionState *state = self->state;
  ConcordConnectionStatus status = concord_connection_state_get_status (state);
  const char *name = concord_connection_state_get_name (state);
  const char *error = concord_connection_state_get_error (state);
  gboolean running = status == CONCORD_CONNECTION_RUNNING;
  gint64 change = G_MAXINT64;
  g_autofree char *next = format_next_sync (concord_connection_state_get_next_sync (state),
                                            status == CONCORD_CONNECTION_FAILING, &change);
  g_autofree char *apps = NULL;
  g_autofree char *subtitle = NULL;

  self->updating = TRUE;

  gtk_label_set_label (self->title_label, name);
  gtk_image_set_from_icon_name (self->icon_a,
                                concord_app_registry_get_icon_name (concord_connection_state_get_app_a (state)));
  gtk_image_set_from_icon_name (self->icon_b,
                                concord_app_registry_get_icon_name (concord_connection_state_get_app_b (state)));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->icon_a), concord_connection_state_get_account_a (state));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->icon_b), concord_connection_state_get_account_b (state));
  apps = show_direction (self);

  subtitle = state_text (self, next);
  gtk_label_set_label (self->subtitle_label, subtitle);
  /* "Synced 5 minutes ago" changes within a minute, the next sync maybe sooner. */
  schedule_clock (self, MIN (change, 60));

  gtk_widget_set_visible (GTK_WIDGET (self->error_badge), error != NULL && !running);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL && !running);
  gtk_label_set_label (self->error_label, error != NULL ? error : "");

  show_progress (self, running);
  gtk_switch_set_active (self->enabled_switch, concord_connection_state_get_enabled (state));
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), !running);
  label_for_screen_readers (self, name, apps, subtitle, error);

  self->updating = FALSE;
}

static void
on_state_notify (ConcordConnectionItem *self)
{
  update (self);
}

static gboolean
clock_cb (gpointer data)
{
  ConcordConnectionItem *self = data;

  self->clock_id = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

/* Wakes the row when its text next changes, only while it is shown. */
static void
schedule_clock (ConcordConnectionItem *self,
                gint64                 change)
{
  g_clear_handle_id (&self->clock_id, g_source_remove);
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  self->clock_id = g_timeout_add_seconds ((guint) CLAMP (change, 1, 60), clock_cb, self);
}

static void
concord_connection_item_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (concord_connection_item_parent_class)->map (widget);
  update (CONCORD_CONNECTION_ITEM (widget));
}

static void
concord_connection_item_unmap (GtkWidget *widget)
{
  ConcordConnectionItem *self = CONCORD_CONNECTION_ITEM (widget);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  GTK_WIDGET_CLASS (concord_connection_item_parent_class)->unmap (widget);
}

/* ------------------------------------------------------------------------- */
/* Controls                                                                  */
/* ------------------------------------------------------------------------- */

static void
on_sync_clicked (ConcordConnectionItem *self)
{
  concord_engine_sync_now (self->engine, concord_connection_state_get_id (self->state));
}

static void
set_enabled_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ConcordConnectionItem) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_engine_set_enabled_finish (CONCORD_ENGINE (object), result, &error))
    {
      g_warning ("Could not switch the connection: %s", error->message);
      update (self);
    }
}

static gboolean
on_state_set (ConcordConnectionItem *self,
              gboolean              active)
{
  if (self->updating)
    return FALSE;

  concord_engine_set_enabled_async (self->engine, concord_connection_state_get_id (self->state), active,
                                    NULL, set_enabled_cb, g_object_ref (self));
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connection_item_dispose (GObject *object)
{
  ConcordConnectionItem *self = CONCORD_CONNECTION_ITEM (object);

  g_clear_handle_id (&self->pulse_id, g_source_remove);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  g_clear_object (&self->state);
  g_clear_object (&self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_CONNECTION_ITEM);

  G_OBJECT_CLASS (concord_connection_item_parent_class)->dispose (object);
}

static void
concord_connection_item_class_init (ConcordConnectionItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (CONCORD_TYPE_REFLOW_BOX);
  object_class->dispose = concord_connection_item_dispose;
  widget_class->map = concord_connection_item_map;
  widget_class->unmap = concord_connection_item_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-connection-item.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, icon_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, icon_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, direction_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, title_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, error_badge);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, error_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, sync_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionItem, progress_bar);
  gtk_widget_class_bind_template_callback (widget_class, on_sync_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_state_set);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LIST_ITEM);
}

static void
concord_connection_item_init (ConcordConnectionItem *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * concord_connection_item_new:
 *
 * Returns: (transfer floating): a row showing @state
 */
GtkWidget *
concord_connection_item_new (ConcordEngine          *engine,
                            ConcordConnectionState *state)
{
  ConcordConnectionItem *self;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (CONCORD_IS_CONNECTION_STATE (state), NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTION_ITEM, NULL);
  self->engine = g_object_ref (engine);
  self->state = g_object_ref (state);
  g_signal_connect_swapped (state, "notify", G_CALLBACK (on_state_notify), self);
  update (self);

  return GTK_WIDGET (self);
}

ConcordConnectionState *
concord_connection_item_get_state (ConcordConnectionItem *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTION_ITEM (self), NULL);

  return self->state;
}
