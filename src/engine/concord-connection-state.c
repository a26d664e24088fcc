/* concord-connection-state.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The state of one connection as the UI sees it (ConcordConnectionState):
 * its properties and getters. The facade's files fill it in on the UI
 * thread, through concord-engine-private.h.
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include "concord-engine-private.h"
#include "concord-enum-types.h"

G_DEFINE_FINAL_TYPE (ConcordConnectionState, concord_connection_state, G_TYPE_OBJECT)

static GParamSpec *state_properties[CONCORD_STATE_N_PROPS];

static void
concord_connection_state_finalize (GObject *object)
{
  ConcordConnectionState *self = CONCORD_CONNECTION_STATE (object);

  g_free (self->name);
  g_free (self->app_a);
  g_free (self->app_b);
  g_free (self->account_a);
  g_free (self->account_b);
  g_free (self->error_fix);
  g_free (self->progress);
  g_free (self->error);

  G_OBJECT_CLASS (concord_connection_state_parent_class)->finalize (object);
}

static void
concord_connection_state_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  ConcordConnectionState *self = CONCORD_CONNECTION_STATE (object);

  switch (prop_id)
    {
    case CONCORD_STATE_PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case CONCORD_STATE_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case CONCORD_STATE_PROP_APP_A:
      g_value_set_string (value, self->app_a);
      break;
    case CONCORD_STATE_PROP_APP_B:
      g_value_set_string (value, self->app_b);
      break;
    case CONCORD_STATE_PROP_ACCOUNT_A:
      g_value_set_string (value, self->account_a);
      break;
    case CONCORD_STATE_PROP_ACCOUNT_B:
      g_value_set_string (value, self->account_b);
      break;
    case CONCORD_STATE_PROP_DIRECTION:
      g_value_set_enum (value, self->direction);
      break;
    case CONCORD_STATE_PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case CONCORD_STATE_PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case CONCORD_STATE_PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case CONCORD_STATE_PROP_PROGRESS:
      g_value_set_string (value, self->progress);
      break;
    case CONCORD_STATE_PROP_LAST_SYNC:
      g_value_set_int64 (value, self->last_sync);
      break;
    case CONCORD_STATE_PROP_N_LINKED:
      g_value_set_int64 (value, self->n_linked);
      break;
    case CONCORD_STATE_PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case CONCORD_STATE_PROP_SCHEDULE:
      g_value_set_uint (value, self->schedule);
      break;
    case CONCORD_STATE_PROP_CADENCE:
      g_value_set_uint (value, self->cadence);
      break;
    case CONCORD_STATE_PROP_NEXT_SYNC:
      g_value_set_int64 (value, self->next_sync);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_connection_state_class_init (ConcordConnectionStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = concord_connection_state_finalize;
  object_class->get_property = concord_connection_state_get_property;

  state_properties[CONCORD_STATE_PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  state_properties[CONCORD_STATE_PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  state_properties[CONCORD_STATE_PROP_APP_A] = g_param_spec_string ("app-a", NULL, NULL, NULL, flags);
  state_properties[CONCORD_STATE_PROP_APP_B] = g_param_spec_string ("app-b", NULL, NULL, NULL, flags);
  state_properties[CONCORD_STATE_PROP_ACCOUNT_A] = g_param_spec_string ("account-a", NULL, NULL, NULL, flags);
  state_properties[CONCORD_STATE_PROP_ACCOUNT_B] = g_param_spec_string ("account-b", NULL, NULL, NULL, flags);
  state_properties[CONCORD_STATE_PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL, CONCORD_TYPE_DIRECTION, CONCORD_DIRECTION_BOTH, flags);
  state_properties[CONCORD_STATE_PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, FALSE, flags);
  state_properties[CONCORD_STATE_PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, CONCORD_TYPE_CONNECTION_STATUS, CONCORD_CONNECTION_OFF, flags);
  state_properties[CONCORD_STATE_PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, flags);
  state_properties[CONCORD_STATE_PROP_PROGRESS] = g_param_spec_string ("progress", NULL, NULL, NULL, flags);
  state_properties[CONCORD_STATE_PROP_LAST_SYNC] = g_param_spec_int64 ("last-sync", NULL, NULL, 0, G_MAXINT64, 0, flags);
  state_properties[CONCORD_STATE_PROP_N_LINKED] = g_param_spec_int64 ("n-linked", NULL, NULL, 0, G_MAXINT64, 0, flags);
  state_properties[CONCORD_STATE_PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  state_properties[CONCORD_STATE_PROP_SCHEDULE] = g_param_spec_uint ("schedule", NULL, NULL, 0, G_MAXUINT, 0, flags);
  state_properties[CONCORD_STATE_PROP_CADENCE] = g_param_spec_uint ("cadence", NULL, NULL, 0, G_MAXUINT, 0, flags);
  state_properties[CONCORD_STATE_PROP_NEXT_SYNC] = g_param_spec_int64 ("next-sync", NULL, NULL, 0, G_MAXINT64, 0,
                                                               flags);

  g_object_class_install_properties (object_class, CONCORD_STATE_N_PROPS, state_properties);
}

static void
concord_connection_state_init (ConcordConnectionState *self)
{
  self->error_code = -1;
}

#define STATE_GETTER(type, name, field, fallback) \
  type \
  concord_connection_state_get_##name (ConcordConnectionState *self) \
  { \
    g_return_val_if_fail (CONCORD_IS_CONNECTION_STATE (self), fallback); \
    return self->field; \
  }

STATE_GETTER (gint64, id, id, 0)
STATE_GETTER (const char *, name, name, NULL)
STATE_GETTER (const char *, app_a, app_a, NULL)
STATE_GETTER (const char *, app_b, app_b, NULL)
STATE_GETTER (const char *, account_a, account_a, NULL)
STATE_GETTER (const char *, account_b, account_b, NULL)
STATE_GETTER (ConcordDirection, direction, direction, CONCORD_DIRECTION_BOTH)
STATE_GETTER (gboolean, enabled, enabled, FALSE)
STATE_GETTER (ConcordConnectionStatus, status, status, CONCORD_CONNECTION_OFF)
STATE_GETTER (double, fraction, fraction, 0)
STATE_GETTER (const char *, progress, progress, NULL)
STATE_GETTER (gint64, last_sync, last_sync, 0)
STATE_GETTER (gint64, n_linked, n_linked, 0)
STATE_GETTER (const char *, error, error, NULL)
STATE_GETTER (const char *, error_fix, error_fix, NULL)
STATE_GETTER (int, error_code, error_code, -1)
STATE_GETTER (guint, n_failures, n_failures, 0)
STATE_GETTER (guint, schedule, schedule, 0)
STATE_GETTER (guint, cadence, cadence, 0)
STATE_GETTER (gint64, next_sync, next_sync, 0)

#undef STATE_GETTER

void
concord_connection_state_notify (ConcordConnectionState     *self,
                                 ConcordConnectionStateProp  prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), state_properties[prop]);
}

void
concord_connection_state_set_string (ConcordConnectionState     *self,
                                     char                      **field,
                                     const char                 *value,
                                     ConcordConnectionStateProp  prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), state_properties[prop]);
}

/* The status follows from the other fields. */
void
concord_connection_state_update_status (ConcordConnectionState *self,
                                        gboolean                running)
{
  ConcordConnectionStatus status;

  if (running)
    status = CONCORD_CONNECTION_RUNNING;
  else if (!self->enabled)
    status = CONCORD_CONNECTION_OFF;
  else if (self->error != NULL)
    status = CONCORD_CONNECTION_FAILING;
  else
    status = CONCORD_CONNECTION_IDLE;

  CONCORD_STATE_SET (self, status, status, CONCORD_STATE_PROP_STATUS);
}
