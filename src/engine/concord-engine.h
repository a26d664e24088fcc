/* concord-engine.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-connector.h"
#include "concord-rules.h"
#include "concord-secret-store.h"
#include "concord-store.h"
#include "concord-sync-run.h"

G_BEGIN_DECLS

/**
 * ConcordConnectorFactory:
 * @app_id: the account's app
 * @options_json: (nullable): the account's options, as stored
 * @secret: the account's secret, from the keyring
 * @error: return location for a #GError
 *
 * How the engine makes a connector, without knowing any app: the app
 * passes concord_app_registry_create_connector() (the connectors library's
 * registry), tests a factory of their own. Checking the key is the
 * connector's own virtual method (concord_connector_verify_async()).
 *
 * Returns: (transfer full) (nullable): the connector, or %NULL with @error set
 */
typedef ConcordConnector *(*ConcordConnectorFactory) (const char  *app_id,
                                                      const char  *options_json,
                                                      const char  *secret,
                                                      GError     **error);

/**
 * ConcordConnectionStatus:
 * @CONCORD_CONNECTION_OFF: switched off by the user
 * @CONCORD_CONNECTION_IDLE: on, waiting for its next run
 * @CONCORD_CONNECTION_RUNNING: a run is going
 * @CONCORD_CONNECTION_FAILING: its last run failed (see #ConcordConnectionState:error)
 */
typedef enum
{
  CONCORD_CONNECTION_OFF,
  CONCORD_CONNECTION_IDLE,
  CONCORD_CONNECTION_RUNNING,
  CONCORD_CONNECTION_FAILING,
} ConcordConnectionStatus;

#define CONCORD_TYPE_CONNECTION_STATE (concord_connection_state_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectionState, concord_connection_state, CONCORD, CONNECTION_STATE, GObject)

/* What the UI shows of one connection; lives on the UI thread, updated by
 * the engine there (every property notifies). */
gint64                  concord_connection_state_get_id          (ConcordConnectionState *self);
const char             *concord_connection_state_get_name        (ConcordConnectionState *self);
const char             *concord_connection_state_get_app_a       (ConcordConnectionState *self);
const char             *concord_connection_state_get_app_b       (ConcordConnectionState *self);
const char             *concord_connection_state_get_account_a   (ConcordConnectionState *self);
const char             *concord_connection_state_get_account_b   (ConcordConnectionState *self);
ConcordDirection        concord_connection_state_get_direction   (ConcordConnectionState *self);
gboolean                concord_connection_state_get_enabled     (ConcordConnectionState *self);
ConcordConnectionStatus concord_connection_state_get_status      (ConcordConnectionState *self);
double                  concord_connection_state_get_fraction    (ConcordConnectionState *self);
const char             *concord_connection_state_get_progress    (ConcordConnectionState *self);
gint64                  concord_connection_state_get_last_sync   (ConcordConnectionState *self);
gint64                  concord_connection_state_get_n_linked    (ConcordConnectionState *self);
const char             *concord_connection_state_get_error       (ConcordConnectionState *self);
const char             *concord_connection_state_get_error_fix   (ConcordConnectionState *self);
int                     concord_connection_state_get_error_code  (ConcordConnectionState *self);
guint                   concord_connection_state_get_n_failures  (ConcordConnectionState *self);
guint                   concord_connection_state_get_schedule    (ConcordConnectionState *self);
guint                   concord_connection_state_get_cadence     (ConcordConnectionState *self);
gint64                  concord_connection_state_get_next_sync   (ConcordConnectionState *self);

#define CONCORD_TYPE_ENGINE (concord_engine_get_type ())

G_DECLARE_FINAL_TYPE (ConcordEngine, concord_engine, CONCORD, ENGINE, GObject)

ConcordEngine *concord_engine_new                  (const char              *db_path,
                                                    ConcordSecretStore      *secrets,
                                                    ConcordConnectorFactory  create_connector);
ConcordWorkerThread *concord_engine_get_worker     (ConcordEngine           *self);

void           concord_engine_open_async           (ConcordEngine           *self,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_open_finish          (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);

GListModel    *concord_engine_get_connections      (ConcordEngine           *self);
ConcordConnectionState *concord_engine_lookup      (ConcordEngine           *self,
                                                    gint64                   connection_id);
gboolean       concord_engine_has_enabled          (ConcordEngine           *self);

void           concord_engine_set_interval         (ConcordEngine           *self,
                                                    guint                    seconds);
void           concord_engine_start_schedule       (ConcordEngine           *self);
void           concord_engine_set_clock_scale      (ConcordEngine           *self,
                                                    double                   scale);
void           concord_engine_watch_network        (ConcordEngine           *self,
                                                    GNetworkMonitor         *monitor);
void           concord_engine_watch_sleep          (ConcordEngine           *self,
                                                    GDBusConnection         *system_bus);
void           concord_engine_set_schedule_async   (ConcordEngine           *self,
                                                    gint64                   connection_id,
                                                    guint                    seconds,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_set_schedule_finish  (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_sync_now             (ConcordEngine           *self,
                                                    gint64                   connection_id);
void           concord_engine_sync_all             (ConcordEngine           *self);
void           concord_engine_stop                 (ConcordEngine           *self);

/* Accounts: the key is checked against the app, then kept in the keyring
 * (never in the database, GSettings or a log). */
void           concord_engine_verify_async         (ConcordEngine           *self,
                                                    const char              *app_id,
                                                    const char              *options_json,
                                                    const char              *secret,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_verify_finish        (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_add_account_async    (ConcordEngine           *self,
                                                    const char              *app_id,
                                                    const char              *name,
                                                    const char              *options_json,
                                                    const char              *secret,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
char          *concord_engine_add_account_finish   (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_remove_account_async (ConcordEngine           *self,
                                                    const char              *account_id,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_remove_account_finish (ConcordEngine          *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_replace_key_async    (ConcordEngine           *self,
                                                    const char              *account_id,
                                                    const char              *secret,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_replace_key_finish   (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_rename_account_async (ConcordEngine           *self,
                                                    const char              *account_id,
                                                    const char              *name,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_rename_account_finish (ConcordEngine          *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
gboolean       concord_engine_get_key_refused      (ConcordEngine           *self,
                                                    const char              *account_id);
void           concord_engine_list_accounts_async  (ConcordEngine           *self,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
GPtrArray     *concord_engine_list_accounts_finish (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_set_custom_fields_async (ConcordEngine        *self,
                                                    const char              *account_id,
                                                    const char              *names,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_set_custom_fields_finish (ConcordEngine       *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_set_option_async     (ConcordEngine           *self,
                                                    const char              *account_id,
                                                    const char              *key,
                                                    const char              *value,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_set_option_finish    (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_list_types_async     (ConcordEngine           *self,
                                                    const char              *account_id,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
GPtrArray     *concord_engine_list_types_finish    (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_load_schema_async    (ConcordEngine           *self,
                                                    const char              *account_id,
                                                    const char              *type,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
GPtrArray     *concord_engine_load_schema_finish   (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_load_sample_async    (ConcordEngine           *self,
                                                    const char              *account_id,
                                                    const char              *type,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
GPtrArray     *concord_engine_load_sample_finish   (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);

/* Connections */
void           concord_engine_add_connection_async (ConcordEngine           *self,
                                                    const ConcordConnectionRow *row,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gint64         concord_engine_add_connection_finish (ConcordEngine          *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_remove_connection_async (ConcordEngine        *self,
                                                    gint64                   connection_id,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_remove_connection_finish (ConcordEngine       *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_rename_connection_async (ConcordEngine        *self,
                                                    gint64                   connection_id,
                                                    const char              *name,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_rename_connection_finish (ConcordEngine       *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_set_enabled_async    (ConcordEngine           *self,
                                                    gint64                   connection_id,
                                                    gboolean                 enabled,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_set_enabled_finish   (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_set_config_async     (ConcordEngine           *self,
                                                    gint64                   connection_id,
                                                    const char              *config_json,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_set_config_finish    (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void           concord_engine_preview_async        (ConcordEngine           *self,
                                                    gint64                   connection_id,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_preview_finish       (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    ConcordRunSummary       *summary,
                                                    GError                 **error);

/**
 * ConcordConnectionSetup:
 * @connection_id: the connection
 * @app_id: each side's app
 * @account_id: each side's account
 * @type: each side's contact type
 * @direction: the connection's direction
 * @fields: (element-type ConcordFieldSpec): each side's schema
 * @config: the stored rules and mapping; its mapping is never %NULL: an
 *   automatic mapping is spelled out with the pairs it gives today
 * @automatic: whether the stored mapping is the automatic one
 *
 * What the rule and mapping editors start from. Index 0 is side A.
 */
typedef struct
{
  gint64                   connection_id;
  char                    *app_id[2];
  char                    *account_id[2];
  char                    *type[2];
  ConcordDirection         direction;
  GPtrArray               *fields[2];
  ConcordConnectionConfig *config;
  gboolean                 automatic;
} ConcordConnectionSetup;

void           concord_connection_setup_free       (ConcordConnectionSetup  *setup);

void           concord_engine_load_setup_async     (ConcordEngine           *self,
                                                    gint64                   connection_id,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
ConcordConnectionSetup *concord_engine_load_setup_finish (ConcordEngine     *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);

void           concord_engine_move_server_async    (ConcordEngine           *self,
                                                    const char              *app_id,
                                                    const char              *old_base_url,
                                                    const char              *new_base_url,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean       concord_engine_move_server_finish   (ConcordEngine           *self,
                                                    GAsyncResult            *result,
                                                    guint                   *n_moved,
                                                    GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordConnectionSetup, concord_connection_setup_free)

G_END_DECLS
