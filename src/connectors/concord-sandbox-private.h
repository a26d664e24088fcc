/* concord-sandbox-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "concord-sandbox.h"
#include "concord-mock-app.h"
#include "concord-mock-elasticemail.h"
#include <json-glib/json-glib.h>

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

/* What the parts of the sample data share: the pool of made-up people and
 * the helpers (concord-sandbox-seed.c), and the two apps' files made of it
 * (concord-sandbox-seed-apps.c). */

#define CONCORD_SANDBOX_N_SHARED       125
#define CONCORD_SANDBOX_N_EE_ONLY      163
#define CONCORD_SANDBOX_N_CRM_ONLY     123
#define CONCORD_SANDBOX_N_LEADS_SHARED 12
#define CONCORD_SANDBOX_N_LEADS        40
#define CONCORD_SANDBOX_N_POOL         (CONCORD_SANDBOX_N_SHARED + CONCORD_SANDBOX_N_EE_ONLY + \
                                        CONCORD_SANDBOX_N_CRM_ONLY + CONCORD_SANDBOX_N_LEADS)

#define CONCORD_SANDBOX_FIRST_EE_ONLY  CONCORD_SANDBOX_N_SHARED
#define CONCORD_SANDBOX_FIRST_CRM_ONLY (CONCORD_SANDBOX_N_SHARED + CONCORD_SANDBOX_N_EE_ONLY)
#define CONCORD_SANDBOX_FIRST_LEAD     (CONCORD_SANDBOX_N_SHARED + CONCORD_SANDBOX_N_EE_ONLY + \
                                        CONCORD_SANDBOX_N_CRM_ONLY)

/* 2023-01-01T00:00:00Z and 2025-06-30T00:00:00Z */
#define CONCORD_SANDBOX_EPOCH_START    G_GINT64_CONSTANT (1672531200)
#define CONCORD_SANDBOX_EPOCH_END      G_GINT64_CONSTANT (1751241600)

/* The made-up world: companies, the countries of the people. */
typedef struct
{
  const char *name;
  const char *domain;
} ConcordSandboxCompany;

typedef struct
{
  const char                  *name;
  const char                  *landline;   /* how a landline number starts */
  const char                  *mobile;     /* how a mobile number starts */
  const char * const          *first;
  const char * const          *last;
  const char * const          *cities;
  const ConcordSandboxCompany *companies;
} ConcordSandboxCountry;

/* Job titles, for the people who work at a company. */
extern const char * const _concord_sandbox_job_titles[];

/* How many of the first people of the pool are hand-picked. */
extern const guint _concord_sandbox_n_showcase;

/* One person of the pool. */
typedef struct
{
  const ConcordSandboxCountry *country;
  const char                  *first;
  const char                  *last;
  const char                  *city;
  const char                  *company;     /* (nullable) */
  const char                  *job_title;   /* (nullable) */
  char                        *email;       /* (owned): lower case */
  char                        *phone;       /* (owned) (nullable): as a person types it */
  char                        *mobile;      /* (owned) (nullable) */
  const char                  *lifecycle;
  int                          deals;
  const char                  *tags[3];     /* NULL-terminated */
  gint64                       created;
  gint64                       modified;
} ConcordSandboxPerson;

/* concord-sandbox-seed.c */

const char *_concord_sandbox_pick (GRand              *rand,
                                   const char * const *strv);

gboolean _concord_sandbox_chance (GRand *rand,
                                  guint  percent);

gint64 _concord_sandbox_time_between (GRand *rand,
                                      gint64 start,
                                      gint64 end);

char *_concord_sandbox_without_accents (const char *name);

char *_concord_sandbox_capitalised_email (const char *email);

char *_concord_sandbox_new_phone (GRand                       *rand,
                                  const ConcordSandboxCountry *country,
                                  gboolean                     mobile);

char *_concord_sandbox_compact_phone (const char *phone);

void _concord_sandbox_shuffle (GRand *rand,
                               guint *items,
                               guint  n_items,
                               guint  first);

void _concord_sandbox_add_member (JsonBuilder *builder,
                                  const char  *member,
                                  const char  *value);

void _concord_sandbox_add_ee_date (JsonBuilder *builder,
                                   const char  *member,
                                   gint64       seconds);

void _concord_sandbox_add_iso_date (JsonBuilder *builder,
                                    const char  *member,
                                    gint64       seconds);

char *_concord_sandbox_builder_to_text (JsonBuilder *builder);

const char *_concord_sandbox_other_company (const ConcordSandboxPerson *person);

/* concord-sandbox-seed-apps.c */

char *_concord_sandbox_elasticemail_seed (GRand                *rand,
                                          ConcordSandboxPerson *pool);

char *_concord_sandbox_crm_seed (GRand                *rand,
                                 ConcordSandboxPerson *pool);

G_END_DECLS
