/* concord-connection-page-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the parts of a connection's page share: the page itself
 * (concord-connection-page.c: title, banner, editing, GObject and API)
 * and what its menu does to the connection: rename and remove
 * (concord-connection-page-actions.c). */

#pragma once

#include <adwaita.h>

#include "concord-connection-page.h"

G_BEGIN_DECLS

struct _ConcordConnectionPage
{
  AdwBin                  parent_instance;

  ConcordEngine          *engine;        /* (owned) */
  ConcordConnectionState *state;         /* (owned) (nullable) */
  ConcordConnectionSetup *setup;         /* (owned) (nullable): what the editors edit */
  GCancellable           *cancellable;   /* (owned) (nullable): the load or save going on */
  gboolean                dirty;
  gboolean                saving;
  gboolean                sample_accounts;  /* an account is the sandbox's (a sample Pipedrive) */
  GCancellable           *accounts_cancellable;  /* (owned) (nullable) */

  GtkWidget              *rule_editor;
  GtkWidget              *mapping_editor;
  GtkWidget              *health_view;
  GtkWidget              *activity_view;
  GtkWidget              *schedule_row;   /* the connection's sync schedule, on the overview */

  /* Template widgets */
  AdwViewSwitcherTitle   *switcher_title;
  AdwViewStack           *view_stack;
  AdwBin                 *overview_bin;
  AdwBin                 *rules_bin;
  AdwBin                 *mapping_bin;
  AdwBin                 *activity_bin;
  GtkStack               *rules_stack;
  GtkStack               *mapping_stack;
  AdwStatusPage          *rules_error_page;
  AdwStatusPage          *mapping_error_page;
  GtkRevealer            *save_revealer;
  GtkLabel               *save_label;
  GtkButton              *save_button;
  GtkButton              *discard_button;
  GtkRevealer            *failure_revealer;
  GtkLabel               *failure_title;
  GtkLabel               *failure_fix;
  GtkWidget              *preferences_button;
  GtkWidget              *try_again_button;
  GtkRevealer            *sample_revealer;
};

/* concord-connection-page-actions.c */
void concord_connection_page_rename_action             (GtkWidget  *widget,
                                                        const char *action_name,
                                                        GVariant   *parameter);
void concord_connection_page_remove_action             (GtkWidget  *widget,
                                                        const char *action_name,
                                                        GVariant   *parameter);
void concord_connection_page_remove_sample_data_action (GtkWidget  *widget,
                                                        const char *action_name,
                                                        GVariant   *parameter);

G_END_DECLS
