/* concord-activity-world.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * A connection synced over two memory connectors, for the activity and
 * health tests (core and UI): an engine with "memory" accounts, a
 * connection A ↔ B where side A wins conflicts, and helpers to edit either
 * app and run a sync (concord-activity-world.c, in the test-support
 * library).
 */

#include "concord-engine.h"
#include "concord-error.h"
#include "concord-engine-activity.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-test-utils.h"

G_BEGIN_DECLS

typedef struct
{
  ConcordEngine          *engine;
  ConcordMemoryConnector *sides[2];
  gint64                  connection_id;
  guint                   finished;
  gboolean                last_ok;
} World;

/* The world world_new() made last (its apps' factory reads it). */
extern World *current_world;

/* Where the state database goes; UI tests (which keep the user's folders
 * for icons) set a temporary folder. NULL: the user data folder. */
extern char *world_data_dir;

/* "memory" accounts: key "right", options {"side": "a"} or {"side": "b"}. */
char             *world_db_path      (void);
ConcordConnector *world_create       (const char           *app_id,
                                      const char           *options_json,
                                      const char           *secret,
                                      GError              **error);
char             *world_add_account  (World                *world,
                                      const char           *name,
                                      const char           *options);
World            *world_new          (void);
void              world_free         (World                *world);
gboolean          world_sync         (World                *world);
gboolean          world_finished_at_least (gpointer       data);
ConcordRecord    *world_person       (World                *world,
                                      ConcordSide           side,
                                      const char           *email,
                                      const char           *first,
                                      const char           *last,
                                      const char           *company);
ConcordRecord    *world_find         (World                *world,
                                      ConcordSide           side,
                                      const char           *email);
void              world_edit         (World                *world,
                                      ConcordSide           side,
                                      const char           *email,
                                      const char           *key,
                                      const char           *text);
gboolean          world_fail_email   (const ConcordRecord  *record,
                                      gpointer              user_data);
void              world_populate     (World                *world);
GPtrArray        *world_query        (World                *world,
                                      const char           *search,
                                      guint                 offset,
                                      guint                 limit,
                                      guint                *total);

G_END_DECLS
