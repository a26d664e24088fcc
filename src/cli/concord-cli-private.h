/* concord-cli-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What concord-cli's files share: the state of one call, its exit codes,
 * the helpers (concord-cli-helpers.c) and the commands, one file per
 * family, that main() (concord-cli.c) picks from.
 */

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "concord-app-registry.h"
#include "concord-engine-activity.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-mapping.h"
#include "concord-rules.h"
#include "concord-secret-store.h"
#include "concord-store.h"
#include "concord-sync-run.h"

G_BEGIN_DECLS

/* Exit codes besides EXIT_SUCCESS and EXIT_FAILURE (see concord-cli.c). */
#define CONCORD_CLI_EXIT_USAGE 2
#define CONCORD_CLI_EXIT_BUSY 3
#define CONCORD_CLI_EXIT_PARTIAL 4
#define CONCORD_CLI_EXIT_KEY_REFUSED 5

typedef struct
{
  char         *data_dir;
  ConcordStore *store;
  gboolean      json;
} ConcordCli;

/* Prints @problem and the usage to standard error; returns the usage exit
 * code (concord-cli.c). */
int concord_cli_usage (const char *problem);

/* concord-cli-helpers.c */
int concord_cli_exit_code_for (const GError *error);
/* Prints @error; returns its exit code (concord_cli_exit_code_for()). */
int concord_cli_fail (const GError *error);
const char *concord_cli_error_code_name (const GError *error);
void concord_cli_result_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data);
/* Iterates the default context until @slot is filled (concord_cli_result_cb()). */
GAsyncResult *concord_cli_wait_for (GAsyncResult **slot);
gboolean concord_cli_open_store (ConcordCli  *cli,
                                 GError     **error);
void concord_cli_print_json (JsonBuilder *builder);
char *concord_cli_read_secret (GError **error);
char *concord_cli_lookup_secret (const char  *account_id,
                                 GError     **error);
ConcordConnector *concord_cli_connector_for (ConcordAccountRow  *account,
                                             GError            **error);
GPtrArray *concord_cli_load_schema (ConcordConnector  *connector,
                                    const char        *type,
                                    GError           **error);
char *concord_cli_shell_word (const char *text);
gboolean concord_cli_option_given_twice (const char  *key,
                                         GError     **error);
gboolean concord_cli_check_required_options (const ConcordAppInfo  *app,
                                             JsonObject            *options,
                                             GError               **error);
char *concord_cli_options_to_json (const ConcordAppInfo  *app,
                                   char                 **options,
                                   GPtrArray             *keys,
                                   char                 **values,
                                   GError               **error);
GPtrArray *concord_cli_field_keys (void);

/* The commands: `apps` and `account` (concord-cli-accounts.c). Each
 * returns the exit code. */
int concord_cli_list_apps (gboolean json);
int concord_cli_account_add (ConcordCli  *cli,
                             int          argc,
                             char       **argv);
int concord_cli_account_list (ConcordCli *cli);
int concord_cli_account_set_key (ConcordCli *cli,
                                 const char *name);
int concord_cli_account_rename (ConcordCli *cli,
                                const char *old_name,
                                const char *new_name);
int concord_cli_account_remove (ConcordCli *cli,
                                const char *name);
int concord_cli_account_verify (ConcordCli *cli,
                                const char *name);

/* The commands: `connection` (concord-cli-connections.c). Each returns
 * the exit code. */
int concord_cli_connection_add (ConcordCli  *cli,
                                int          argc,
                                char       **argv);
int concord_cli_connection_list (ConcordCli *cli,
                                 const char *only);
int concord_cli_connection_simple (ConcordCli *cli,
                                   const char *verb,
                                   const char *name);

/* The commands: `sync`, `connection export` and `import`, `log`
 * (concord-cli-sync.c). Each returns the exit code. */
int concord_cli_connection_export (ConcordCli *cli,
                                   const char *name);
int concord_cli_connection_import (ConcordCli *cli,
                                   const char *name,
                                   const char *file);
int concord_cli_sync_connection (ConcordCli  *cli,
                                 int          argc,
                                 char       **argv);
int concord_cli_show_log (ConcordCli  *cli,
                          int          argc,
                          char       **argv);

G_END_DECLS
