/* concord-keyring-probe.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Whether this computer can keep Concord's keys, asked of the session bus
 * without storing anything, so that Add Connection can say so before the
 * user types a key rather than after.
 *
 * libsecret keeps secrets in one of two places:
 *
 *  - inside Flatpak (/.flatpak-info exists), the Secret portal:
 *    org.freedesktop.portal.Desktop exporting org.freedesktop.portal.Secret
 *    (its "version" property answers). The manifest rightly does not grant
 *    org.freedesktop.secrets, so only the portal counts there;
 *  - outside, a Secret Service: org.freedesktop.secrets owned (GNOME
 *    Keyring, KeePassXC, KWallet's) or activatable (the bus starts it on
 *    first use).
 *
 * Asking never starts a Secret Service: NameHasOwner and
 * ListActivatableNames are the bus's own; activating one would prompt for
 * a password. The portal is asked directly (Flatpak activates it anyway).
 *
 * The bus name is watched, so "kind" changes by itself when a keyring
 * starts or stops; concord_keyring_probe_check_async() looks again at
 * once (a retry does, in case the watch has not fired yet). Only the
 * latest check sets the kind.
 */

#define G_LOG_DOMAIN "concord-keyring-probe"

#include "config.h"

#include "concord-keyring-probe.h"

#define SECRET_SERVICE_NAME  "org.freedesktop.secrets"
#define PORTAL_NAME          "org.freedesktop.portal.Desktop"
#define PORTAL_PATH          "/org/freedesktop/portal/desktop"
#define PORTAL_SECRET_IFACE  "org.freedesktop.portal.Secret"

/* A bus that does not answer in this time has no keyring worth using. */
#define CALL_TIMEOUT_MS 5000

struct _ConcordKeyringProbe
{
  GObject             parent_instance;

  GDBusConnection    *bus;          /* (owned) (nullable): until the session bus is got */
  gboolean            sandboxed;
  ConcordKeyringKind  kind;
  guint               watch_id;
  guint               generation;   /* of the latest check started */
  GCancellable       *cancellable;  /* (owned): the checks the probe starts itself */
};

G_DEFINE_FINAL_TYPE (ConcordKeyringProbe, concord_keyring_probe, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ConcordKeyringKind, concord_keyring_kind,
  G_DEFINE_ENUM_VALUE (CONCORD_KEYRING_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (CONCORD_KEYRING_NONE, "none"),
  G_DEFINE_ENUM_VALUE (CONCORD_KEYRING_SECRET_SERVICE, "secret-service"),
  G_DEFINE_ENUM_VALUE (CONCORD_KEYRING_PORTAL, "portal"))

enum {
  PROP_0,
  PROP_KIND,
  PROP_SANDBOXED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static ConcordKeyringProbe *default_probe;  /* (owned) (nullable): main thread only */

typedef struct
{
  guint generation;
} Check;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void start_watch (ConcordKeyringProbe *self);

static void
set_kind (ConcordKeyringProbe *self,
          ConcordKeyringKind   kind)
{
  if (self->kind == kind)
    return;

  g_debug ("Keys can be stored: %s",
           kind == CONCORD_KEYRING_PORTAL ? "in the Secret portal"
           : kind == CONCORD_KEYRING_SECRET_SERVICE ? "in a Secret Service" : "nowhere");
  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

/* Ends @task with @kind, which becomes the probe's when no later check
 * was started meanwhile. */
static void
check_done (GTask              *task,
            ConcordKeyringKind  kind)
{
  ConcordKeyringProbe *self = g_task_get_source_object (task);
  Check *check = g_task_get_task_data (task);

  if (check->generation == self->generation)
    set_kind (self, kind);
  g_task_return_int (task, kind);
}

/* An error that says nothing about the keyring: the check was stopped. */
static gboolean
check_failed (GTask  *task,
              GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;

  g_task_return_error (task, error);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_portal_version_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      if (check_failed (task, error))
        return;
      /* No portal, or one without the Secret interface. */
      g_debug ("No Secret portal: %s", error->message);
      g_error_free (error);
      check_done (task, CONCORD_KEYRING_NONE);
      return;
    }

  check_done (task, CONCORD_KEYRING_PORTAL);
}

static void
on_activatable_names_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **names = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      if (check_failed (task, error))
        return;
      g_debug ("The bus did not list what it can start: %s", error->message);
      g_error_free (error);
      check_done (task, CONCORD_KEYRING_NONE);
      return;
    }

  g_variant_get (reply, "(^a&s)", &names);
  check_done (task, g_strv_contains (names, SECRET_SERVICE_NAME) ? CONCORD_KEYRING_SECRET_SERVICE
                                                                  : CONCORD_KEYRING_NONE);
}

static void
on_name_has_owner_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      if (check_failed (task, error))
        return;
      g_debug ("The bus did not say who owns %s: %s", SECRET_SERVICE_NAME, error->message);
      g_error_free (error);
      check_done (task, CONCORD_KEYRING_NONE);
      return;
    }

  g_variant_get (reply, "(b)", &owned);
  if (owned)
    {
      check_done (task, CONCORD_KEYRING_SECRET_SERVICE);
      return;
    }

  /* Not running: can the bus start one? */
  g_dbus_connection_call (G_DBUS_CONNECTION (object), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "ListActivatableNames", NULL, G_VARIANT_TYPE ("(as)"),
                          G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, g_task_get_cancellable (task),
                          on_activatable_names_cb, g_object_ref (task));
}

static void
ask_bus (GTask *task)
{
  ConcordKeyringProbe *self = g_task_get_source_object (task);

  if (self->sandboxed)
    g_dbus_connection_call (self->bus, PORTAL_NAME, PORTAL_PATH, "org.freedesktop.DBus.Properties", "Get",
                            g_variant_new ("(ss)", PORTAL_SECRET_IFACE, "version"), G_VARIANT_TYPE ("(v)"),
                            G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, g_task_get_cancellable (task),
                            on_portal_version_cb, g_object_ref (task));
  else
    g_dbus_connection_call (self->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                            "org.freedesktop.DBus", "NameHasOwner", g_variant_new ("(s)", SECRET_SERVICE_NAME),
                            G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
                            g_task_get_cancellable (task), on_name_has_owner_cb, g_object_ref (task));
}

static void
on_bus_got_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordKeyringProbe *self = g_task_get_source_object (task);
  g_autoptr(GDBusConnection) bus = NULL;
  GError *error = NULL;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      if (check_failed (task, error))
        return;
      /* No session bus: nothing can hold a key. */
      g_debug ("No session bus: %s", error->message);
      g_error_free (error);
      check_done (task, CONCORD_KEYRING_NONE);
      return;
    }

  if (self->bus == NULL)
    {
      self->bus = g_steal_pointer (&bus);
      start_watch (self);
    }
  ask_bus (task);
}

static void
on_name_changed_cb (GDBusConnection *bus,
                    const char      *name,
                    const char      *owner,
                    gpointer         user_data)
{
  ConcordKeyringProbe *self = user_data;

  concord_keyring_probe_check_async (self, self->cancellable, NULL, NULL);
}

static void
on_name_vanished_cb (GDBusConnection *bus,
                     const char      *name,
                     gpointer         user_data)
{
  on_name_changed_cb (bus, name, NULL, user_data);
}

static void
start_watch (ConcordKeyringProbe *self)
{
  if (self->watch_id != 0 || self->bus == NULL)
    return;

  /* Watching never starts the service. */
  self->watch_id = g_bus_watch_name_on_connection (self->bus,
                                                   self->sandboxed ? PORTAL_NAME : SECRET_SERVICE_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_changed_cb, on_name_vanished_cb,
                                                   self, NULL);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_keyring_probe_dispose (GObject *object)
{
  ConcordKeyringProbe *self = CONCORD_KEYRING_PROBE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->watch_id != 0)
    {
      g_bus_unwatch_name (self->watch_id);
      self->watch_id = 0;
    }
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (concord_keyring_probe_parent_class)->dispose (object);
}

static void
concord_keyring_probe_finalize (GObject *object)
{
  ConcordKeyringProbe *self = CONCORD_KEYRING_PROBE (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (concord_keyring_probe_parent_class)->finalize (object);
}

static void
concord_keyring_probe_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ConcordKeyringProbe *self = CONCORD_KEYRING_PROBE (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_SANDBOXED:
      g_value_set_boolean (value, self->sandboxed);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_keyring_probe_class_init (ConcordKeyringProbeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_keyring_probe_dispose;
  object_class->finalize = concord_keyring_probe_finalize;
  object_class->get_property = concord_keyring_probe_get_property;

  /**
   * ConcordKeyringProbe:kind:
   *
   * Where keys can be stored, as last seen; it changes by itself when a
   * keyring starts or stops.
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       CONCORD_TYPE_KEYRING_KIND, CONCORD_KEYRING_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SANDBOXED] =
    g_param_spec_boolean ("sandboxed", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concord_keyring_probe_init (ConcordKeyringProbe *self)
{
  self->cancellable = g_cancellable_new ();
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_keyring_probe_new:
 * @bus: (nullable): the bus to ask; %NULL for the session bus
 * @sandboxed: whether Concord runs inside Flatpak (only the portal counts)
 *
 * Starts looking at once, and watches the bus from then on.
 *
 * Returns: (transfer full): a new probe
 */
ConcordKeyringProbe *
concord_keyring_probe_new (GDBusConnection *bus,
                           gboolean         sandboxed)
{
  ConcordKeyringProbe *self;

  g_return_val_if_fail (bus == NULL || G_IS_DBUS_CONNECTION (bus), NULL);

  self = g_object_new (CONCORD_TYPE_KEYRING_PROBE, NULL);
  self->sandboxed = sandboxed;
  if (bus != NULL)
    {
      self->bus = g_object_ref (bus);
      start_watch (self);
    }
  concord_keyring_probe_check_async (self, self->cancellable, NULL, NULL);
  return self;
}

/**
 * concord_keyring_probe_get_default:
 *
 * The probe of the session bus, made on first use, for this process
 * (inside Flatpak, the portal's). Main thread only.
 *
 * Returns: (transfer none): the probe
 */
ConcordKeyringProbe *
concord_keyring_probe_get_default (void)
{
  if (default_probe == NULL)
    default_probe = concord_keyring_probe_new (NULL, g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS));

  return default_probe;
}

/**
 * concord_keyring_probe_set_default:
 * @probe: (nullable): the probe to use from now on; %NULL to make a new
 *   one on next use
 *
 * Replaces the default probe (a test's, on its own bus or as if inside
 * Flatpak). Widgets made before keep the one they had. Main thread only.
 */
void
concord_keyring_probe_set_default (ConcordKeyringProbe *probe)
{
  g_return_if_fail (probe == NULL || CONCORD_IS_KEYRING_PROBE (probe));

  g_set_object (&default_probe, probe);
}

ConcordKeyringKind
concord_keyring_probe_get_kind (ConcordKeyringProbe *self)
{
  g_return_val_if_fail (CONCORD_IS_KEYRING_PROBE (self), CONCORD_KEYRING_UNKNOWN);

  return self->kind;
}

gboolean
concord_keyring_probe_get_sandboxed (ConcordKeyringProbe *self)
{
  g_return_val_if_fail (CONCORD_IS_KEYRING_PROBE (self), FALSE);

  return self->sandboxed;
}

/**
 * concord_keyring_probe_can_store:
 *
 * Returns: %FALSE only when it is known that keys cannot be stored
 */
gboolean
concord_keyring_probe_can_store (ConcordKeyringProbe *self)
{
  g_return_val_if_fail (CONCORD_IS_KEYRING_PROBE (self), TRUE);

  return self->kind != CONCORD_KEYRING_NONE;
}

/**
 * concord_keyring_probe_check_async:
 * @self: a #ConcordKeyringProbe
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called with the result
 * @user_data: data for @callback
 *
 * Looks again, now; the result is also the probe's #ConcordKeyringProbe:kind
 * unless another check was started meanwhile.
 */
void
concord_keyring_probe_check_async (ConcordKeyringProbe *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Check *check;

  g_return_if_fail (CONCORD_IS_KEYRING_PROBE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_keyring_probe_check_async);
  check = g_new0 (Check, 1);
  check->generation = ++self->generation;
  g_task_set_task_data (task, check, g_free);

  if (self->bus == NULL)
    {
      g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_bus_got_cb, g_steal_pointer (&task));
      return;
    }

  ask_bus (task);
}

/**
 * concord_keyring_probe_check_finish:
 *
 * Returns: where keys can be stored; %CONCORD_KEYRING_UNKNOWN with @error
 *   set only when the check was cancelled
 */
ConcordKeyringKind
concord_keyring_probe_check_finish (ConcordKeyringProbe  *self,
                                    GAsyncResult         *result,
                                    GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize kind;

  g_return_val_if_fail (CONCORD_IS_KEYRING_PROBE (self), CONCORD_KEYRING_UNKNOWN);
  g_return_val_if_fail (g_task_is_valid (result, self), CONCORD_KEYRING_UNKNOWN);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_keyring_probe_check_async,
                        CONCORD_KEYRING_UNKNOWN);

  kind = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return CONCORD_KEYRING_UNKNOWN;
    }
  return (ConcordKeyringKind) kind;
}
