/* concord-notifications.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Tells the user when a connection stops syncing, and when it syncs again.
 * This is the only place that builds GNotifications.
 *
 * The engine emits "connection-failing" once per failure streak and
 * "connection-recovered" on the first success after it. When no window of
 * ours has the focus and the notify-errors setting allows, a failure
 * becomes a desktop notification, with a stable id per connection so a
 * second one could only replace the first; otherwise it becomes a toast in
 * the window (if one is open), through our "show-toast" signal, with the
 * connection for its Details button. On
 * recovery the notification is withdrawn, and a focused window says so.
 *
 * We keep our own set of connections in a failure streak, so a repeated
 * "failing" with no success in between never notifies twice, and a
 * successful run ends the streak even if "recovered" were never emitted.
 * A connection removed while failing takes its notification with it. The
 * engine keeps a streak going across restarts (a connection failing when
 * Concord starts is not "failing" again), so a launch does not repeat
 * what the user was told before.
 */

#define G_LOG_DOMAIN "concord-notifications"

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include <glib/gi18n.h>

#include "concord-notifications.h"

struct _ConcordNotifications
{
  GObject        parent_instance;

  GApplication  *app;       /* (weak) it owns us */
  ConcordEngine *engine;    /* (owned) */
  GSettings     *settings;  /* (owned) */
  GHashTable    *failing;   /* (owned) gint64 connection id → itself: in a failure streak */
};

G_DEFINE_FINAL_TYPE (ConcordNotifications, concord_notifications, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_APPLICATION,
  PROP_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_SHOW_TOAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static char *
notification_id (gint64 connection_id)
{
  return g_strdup_printf ("connection-failing-%" G_GINT64_FORMAT, connection_id);
}

static const char *
connection_name (ConcordConnectionState *state)
{
  const char *name = concord_connection_state_get_name (state);

  /* Translators: stands for a connection's name when it has none */
  return name != NULL && *name != '\0' ? name : _("A connection");
}

static gboolean
window_has_focus (ConcordNotifications *self)
{
  if (!GTK_IS_APPLICATION (self->app))
    return FALSE;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self->app)); l != NULL; l = l->next)
    if (gtk_window_is_active (l->data))
      return TRUE;

  return FALSE;
}

/* GApplication sends notifications only from the registered primary
 * instance. */
static gboolean
can_notify (ConcordNotifications *self)
{
  return self->app != NULL &&
         g_application_get_is_registered (self->app) &&
         !g_application_get_is_remote (self->app);
}

static void
withdraw (ConcordNotifications *self,
          gint64                connection_id)
{
  g_autofree char *id = notification_id (connection_id);

  if (can_notify (self))
    g_application_withdraw_notification (self->app, id);
}

static void
send_failing_notification (ConcordNotifications   *self,
                           ConcordConnectionState *state,
                           const char             *reason,
                           const char             *fix)
{
  gint64 connection_id = concord_connection_state_get_id (state);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = notification_id (connection_id);
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  if (!can_notify (self))
    {
      g_debug ("Not the registered primary instance: cannot notify that connection %"
               G_GINT64_FORMAT " is failing", connection_id);
      return;
    }

  /* Translators: %s is a connection's name, for example "Shop ↔ Newsletter" */
  title = g_strdup_printf (_("%s stopped syncing"), connection_name (state));
  /* The reason as the engine words it from the error's code, and what to
   * do; never the details. */
  if (fix != NULL && *fix != '\0')
    /* Translators: a notification's body: what went wrong, then what to do */
    body = g_strdup_printf (_("%.*s. %s"), (int) strcspn (reason, "\r\n"), reason, fix);
  else
    body = g_strndup (reason, strcspn (reason, "\r\n"));

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action_and_target_value (notification, "app.show-connection",
                                                      g_variant_new_int64 (connection_id));
  /* Translators: a button on the notification; opens the connection in Concord */
  g_notification_add_button_with_target_value (notification, _("Details"), "app.show-connection",
                                               g_variant_new_int64 (connection_id));

  g_application_send_notification (self->app, id, notification);
}

static void
show_toast (ConcordNotifications *self,
            const char           *text,
            gint64                connection_id)
{
  g_signal_emit (self, signals[SIGNAL_SHOW_TOAST], 0, text, connection_id);
}

/* Ends @connection_id's failure streak; whether it was in one. */
static gboolean
end_streak (ConcordNotifications *self,
            gint64                connection_id)
{
  if (!g_hash_table_remove (self->failing, &connection_id))
    return FALSE;

  withdraw (self, connection_id);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_engine_connection_failing_cb (ConcordEngine          *engine,
                                 ConcordConnectionState *state,
                                 const char             *reason,
                                 ConcordNotifications   *self)
{
  gint64 connection_id = concord_connection_state_get_id (state);

  /* Once per streak, whatever the engine says. */
  if (g_hash_table_contains (self->failing, &connection_id))
    return;
  g_hash_table_add (self->failing, g_memdup2 (&connection_id, sizeof connection_id));

  if (self->app == NULL)
    return;

  if (reason == NULL)
    reason = concord_connection_state_get_error (state);
  if (reason == NULL)
    reason = "";

  /* A desktop notification only for someone away from our windows who
   * wants them; any window of ours that is open shows a toast. */
  if (!window_has_focus (self) && g_settings_get_boolean (self->settings, "notify-errors"))
    {
      /* The state's fix goes with the state's own reason. */
      const char *fix = g_strcmp0 (reason, concord_connection_state_get_error (state)) == 0
                        ? concord_connection_state_get_error_fix (state) : NULL;

      send_failing_notification (self, state, reason, fix);
    }
  else
    {
      g_autofree char *text = NULL;

      /* Translators: %s is a connection's name, for example "Shop ↔ Newsletter" */
      text = g_strdup_printf (_("%s stopped syncing"), connection_name (state));
      show_toast (self, text, connection_id);
    }
}

static void
on_engine_connection_recovered_cb (ConcordEngine          *engine,
                                   ConcordConnectionState *state,
                                   ConcordNotifications   *self)
{
  gint64 connection_id = concord_connection_state_get_id (state);

  /* Usually "run-finished" has ended the streak already. A streak that
   * began before this process started may have left its notification:
   * withdrawn too. */
  if (!end_streak (self, connection_id))
    withdraw (self, connection_id);

  if (self->app != NULL && window_has_focus (self))
    {
      g_autofree char *text = NULL;

      /* Translators: %s is a connection's name, for example "Shop ↔ Newsletter" */
      text = g_strdup_printf (_("%s is syncing again"), connection_name (state));
      show_toast (self, text, 0);
    }
}

static void
on_engine_run_finished_cb (ConcordEngine          *engine,
                           ConcordConnectionState *state,
                           gboolean                ok,
                           ConcordNotifications   *self)
{
  if (ok)
    end_streak (self, concord_connection_state_get_id (state));
}

static void
on_connections_items_changed_cb (GListModel           *connections,
                                 guint                 position,
                                 guint                 removed,
                                 guint                 added,
                                 ConcordNotifications *self)
{
  g_autoptr(GArray) gone = NULL;
  GHashTableIter iter;
  gint64 *connection_id;

  if (removed == 0)
    return;

  gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->failing);
  while (g_hash_table_iter_next (&iter, (gpointer *) &connection_id, NULL))
    if (concord_engine_lookup (self->engine, *connection_id) == NULL)
      g_array_append_val (gone, *connection_id);

  for (guint i = 0; i < gone->len; i++)
    end_streak (self, g_array_index (gone, gint64, i));
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_notifications_constructed (GObject *object)
{
  ConcordNotifications *self = CONCORD_NOTIFICATIONS (object);

  G_OBJECT_CLASS (concord_notifications_parent_class)->constructed (object);

  g_assert (self->engine != NULL);

  g_signal_connect_object (self->engine, "connection-failing",
                           G_CALLBACK (on_engine_connection_failing_cb), self, 0);
  g_signal_connect_object (self->engine, "connection-recovered",
                           G_CALLBACK (on_engine_connection_recovered_cb), self, 0);
  g_signal_connect_object (self->engine, "run-finished",
                           G_CALLBACK (on_engine_run_finished_cb), self, 0);
  g_signal_connect_object (concord_engine_get_connections (self->engine), "items-changed",
                           G_CALLBACK (on_connections_items_changed_cb), self, 0);
}

static void
concord_notifications_dispose (GObject *object)
{
  ConcordNotifications *self = CONCORD_NOTIFICATIONS (object);

  /* Notifications already out stay: they are about the connections, not
   * about this process. */
  g_clear_weak_pointer (&self->app);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (concord_notifications_parent_class)->dispose (object);
}

static void
concord_notifications_finalize (GObject *object)
{
  ConcordNotifications *self = CONCORD_NOTIFICATIONS (object);

  g_clear_pointer (&self->failing, g_hash_table_unref);

  G_OBJECT_CLASS (concord_notifications_parent_class)->finalize (object);
}

static void
concord_notifications_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ConcordNotifications *self = CONCORD_NOTIFICATIONS (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_value_set_object (value, self->app);
      break;

    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_notifications_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ConcordNotifications *self = CONCORD_NOTIFICATIONS (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_set_weak_pointer (&self->app, g_value_get_object (value));
      break;

    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_notifications_class_init (ConcordNotificationsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = concord_notifications_constructed;
  object_class->dispose = concord_notifications_dispose;
  object_class->finalize = concord_notifications_finalize;
  object_class->get_property = concord_notifications_get_property;
  object_class->set_property = concord_notifications_set_property;

  properties[PROP_APPLICATION] =
    g_param_spec_object ("application", NULL, NULL,
                         G_TYPE_APPLICATION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL,
                         CONCORD_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcordNotifications::show-toast:
   * @self: the notifications
   * @text: what to say, translated, one line, plain text (not markup)
   * @connection_id: the connection whose page the toast's Details button
   *   opens; 0 for none
   *
   * Something to tell the user in the focused window, as an #AdwToast,
   * instead of a desktop notification.
   */
  signals[SIGNAL_SHOW_TOAST] =
    g_signal_new ("show-toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);
}

static void
concord_notifications_init (ConcordNotifications *self)
{
  self->failing = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  /* The schema id is the app id without the .Devel suffix, as in
   * ConcordApplication. */
  self->settings = g_settings_new ("io.github.concordsync.Concord");
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_notifications_new:
 * @app: the application that sends the notifications; it should own the
 *   result (we keep only a weak reference to it)
 * @engine: the engine whose connections to watch
 *
 * Returns: (transfer full): a new #ConcordNotifications
 */
ConcordNotifications *
concord_notifications_new (GApplication  *app,
                           ConcordEngine *engine)
{
  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  return g_object_new (CONCORD_TYPE_NOTIFICATIONS,
                       "application", app,
                       "engine", engine,
                       NULL);
}
