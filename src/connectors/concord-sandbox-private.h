/* concord-sandbox-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "concord-sandbox.h"
#include "concord-mock-app.h"
#include "concord-mock-elasticemail.h"

G_BEGIN_DECLS

/* The custom fields and lists the sandbox's Elastic Email account has. */
extern const char * const _concord_sandbox_ee_custom_fields[];
extern const char * const _concord_sandbox_ee_lists[];

void _concord_sandbox_seed (guint32   seed,
                            char    **elasticemail_json,
                            char    **crm_json);

/* What the parts of the sandbox share: the sandbox, its helpers and
 * Elastic Email's side (concord-sandbox.c), and the sample apps run by
 * their mock servers (concord-sandbox-apps.c). */

#define CONCORD_SANDBOX_SEED                 20240611u
#define CONCORD_SANDBOX_STATE_FILE           "sandbox.json"
#define CONCORD_SANDBOX_LOG_LIMIT            256   /* requests the simulated server remembers */
#define CONCORD_SANDBOX_MAX_STATE_FILE_BYTES (64 * 1024)

/* A sample of a real app, run by its mock server. */
typedef struct
{
  const ConcordMockAppInfo *info;
  char                     *key;           /* (owned) */
  guint                     port;          /* of the last start; 0: none yet */
  GObject                  *mock;          /* (owned) (nullable): while running */
  char                     *options_json;  /* (owned) (nullable): while running */
  char                     *moved_from;    /* (owned) (nullable): the URL it had before */
} ConcordSandboxApp;

struct _ConcordSandbox
{
  GObject                  parent_instance;

  char                    *dir;                 /* (owned) */
  char                    *crm_options_json;    /* (owned) */
  ConcordMockElasticEmail *mock;                /* (owned) (nullable): while running */
  char                    *ee_options_json;     /* (owned) (nullable): while running */
  char                    *moved_from;          /* (owned) (nullable): the URL it had before */
  GPtrArray               *apps;                /* (owned): ConcordSandboxApp, asked for or restored */
  gboolean                 state_read;          /* @apps holds sandbox.json's */
  gboolean                 state_dirty;         /* sandbox.json is to be written */
};

/* concord-sandbox.c */

char *_concord_sandbox_json_object_text (const char *member,
                                         const char *value);

gboolean _concord_sandbox_write_file (const char *path,
                                      const char *text,
                                      GError    **error);

guint _concord_sandbox_port_of (const char *base_url);

gboolean _concord_sandbox_check_account_file (const char *path,
                                              GError    **error);

/* concord-sandbox-apps.c */

void _concord_sandbox_sample_app_stop (ConcordSandboxApp *app);

void _concord_sandbox_sample_app_free (ConcordSandboxApp *app);

ConcordSandboxApp *_concord_sandbox_find_app (ConcordSandbox *self,
                                              const char     *app_id);

void _concord_sandbox_ensure_state_read (ConcordSandbox *self);

gboolean _concord_sandbox_start_apps (ConcordSandbox *self,
                                      GError        **error);

G_END_DECLS
