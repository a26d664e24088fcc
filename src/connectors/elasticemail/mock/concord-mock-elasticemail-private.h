/* concord-mock-elasticemail-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the simulated Elastic Email share: its account's data
 * (concord-mock-elasticemail-state.c), the requests that read and change
 * them (-requests.c), seeds and generated accounts (-seed.c), and the
 * object with its public API (concord-mock-elasticemail.c).
 */

#pragma once

#include "concord-mock-elasticemail.h"
#include <json-glib/json-glib.h>

#include "concord-mock-server.h"

G_BEGIN_DECLS

#define MAX_BATCH          1000
#define DEFAULT_PAGE_SIZE  20
#define DEFAULT_LIST_PAGE  200
#define SAVE_DELAY_MS      250

typedef struct
{
  char       *key;                 /* (owned): lower-cased email */
  char       *email;               /* (owned): as first given */
  const char *status;              /* (interned) (nullable) */
  JsonNode   *status_raw;          /* (owned) (nullable): a non-string status from a seed */
  char       *first_name;          /* (owned) (nullable) */
  char       *last_name;           /* (owned) (nullable) */
  GHashTable *custom_fields;       /* (owned) (nullable): name -> value */
  char       *consent_ip;          /* (owned) (nullable) */
  gint64      consent_date;
  const char *consent_tracking;    /* (interned) */
  const char *source;              /* (interned) */
  char       *source_info;         /* (owned) (nullable) */
  gint64      date_added;
  gint64      date_updated;
  gint64      status_change_date;
  int         total_sent;
  int         total_opened;
  int         total_clicked;
  gint64      last_sent;
  gint64      last_opened;
} ConcordMockElasticEmailContact;

typedef struct
{
  char       *name;                /* (owned) */
  char       *public_id;           /* (owned) */
  gint64      date_added;
  gboolean    allow_unsubscribe;
  GPtrArray  *members;             /* (owned): Contact (unowned), in insertion order */
  GHashTable *member_set;          /* (owned): Contact (unowned) */
} ConcordMockElasticEmailList;

struct _ConcordMockElasticEmail
{
  GObject       parent_instance;

  char         *api_key;           /* (owned): guarded by @mutex (changed by set_api_key) */
  char         *base_url;          /* (owned): immutable once running */
  ConcordMockServer *server;       /* (owned) */
  GSource      *save_source;       /* (owned) (nullable): server thread only */
  ConcordMockElasticEmailStallFunc stall_func; /* (nullable) */
  gpointer      stall_data;

  /* Everything below is guarded by @mutex */
  GMutex        mutex;
  GPtrArray    *contacts;          /* (owned): Contact, insertion order */
  GHashTable   *contacts_by_key;   /* (owned): lower-cased email -> Contact (unowned) */
  GPtrArray    *lists;             /* (owned): List, creation order */
  GHashTable   *lists_by_key;      /* (owned): lower-cased name -> List (unowned) */
  GHashTable   *custom_fields;     /* (owned): lower-cased name -> name as defined */
  guint         max_page_size;
  gboolean      view_contacts;
  gboolean      modify_contacts;
  gboolean      ignore_list_offset;
  guint         error_serial;
  char         *save_path;         /* (owned) (nullable) */
  gboolean      unsaved;           /* changed since the last save */
};

/* concord-mock-elasticemail-state.c */
void                            _concord_mock_elasticemail_contact_free         (gpointer data);
void                            _concord_mock_elasticemail_list_free            (gpointer data);
gint64                          _concord_mock_elasticemail_now_seconds          (void);
gboolean                        _concord_mock_elasticemail_is_known_status      (const char *status);
gboolean                        _concord_mock_elasticemail_is_valid_email       (const char *email);
ConcordMockElasticEmailContact *_concord_mock_elasticemail_lookup_contact       (ConcordMockElasticEmail *self,
                                                                                 const char              *email);
ConcordMockElasticEmailContact *_concord_mock_elasticemail_ensure_contact       (ConcordMockElasticEmail *self,
                                                                                 const char              *email,
                                                                                 gboolean                *created);
void                            _concord_mock_elasticemail_remove_contact       (ConcordMockElasticEmail        *self,
                                                                                 ConcordMockElasticEmailContact *contact);
ConcordMockElasticEmailList    *_concord_mock_elasticemail_lookup_list          (ConcordMockElasticEmail *self,
                                                                                 const char              *name);
ConcordMockElasticEmailList    *_concord_mock_elasticemail_ensure_list          (ConcordMockElasticEmail *self,
                                                                                 const char              *name,
                                                                                 gint64                   date_added,
                                                                                 gboolean                *created);
void                            _concord_mock_elasticemail_list_add_member      (ConcordMockElasticEmailList    *list,
                                                                                 ConcordMockElasticEmailContact *contact);
void                            _concord_mock_elasticemail_define_custom_field  (ConcordMockElasticEmail *self,
                                                                                 const char              *name);
void                            _concord_mock_elasticemail_set_string           (char       **field,
                                                                                 const char  *value);
void                            _concord_mock_elasticemail_set_custom_field     (ConcordMockElasticEmailContact *contact,
                                                                                 const char                     *name,
                                                                                 const char                     *value);
void                            _concord_mock_elasticemail_set_status           (ConcordMockElasticEmailContact *contact,
                                                                                 const char                     *status,
                                                                                 gint64                          now);
void                            _concord_mock_elasticemail_add_date             (JsonBuilder *builder,
                                                                                 const char  *member,
                                                                                 gint64       seconds);
void                            _concord_mock_elasticemail_add_string           (JsonBuilder *builder,
                                                                                 const char  *member,
                                                                                 const char  *value);
void                            _concord_mock_elasticemail_build_contact        (JsonBuilder                          *builder,
                                                                                 const ConcordMockElasticEmailContact *contact);
void                            _concord_mock_elasticemail_build_list           (JsonBuilder                       *builder,
                                                                                 const ConcordMockElasticEmailList *list);
char                           *_concord_mock_elasticemail_builder_to_string    (JsonBuilder *builder);
char                           *_concord_mock_elasticemail_contact_to_string    (const ConcordMockElasticEmailContact *contact);
gboolean                        _concord_mock_elasticemail_save_account         (ConcordMockElasticEmail  *self,
                                                                                 const char               *path,
                                                                                 GError                  **error);
void                            _concord_mock_elasticemail_save_if_unsaved      (ConcordMockElasticEmail *self);
void                            _concord_mock_elasticemail_schedule_save        (ConcordMockElasticEmail *self);
gint64                          _concord_mock_elasticemail_parse_date           (JsonObject *object,
                                                                                 const char *member);
const char                     *_concord_mock_elasticemail_get_string_member    (JsonObject *object,
                                                                                 const char *member);
void                            _concord_mock_elasticemail_apply_custom_fields  (ConcordMockElasticEmail        *self,
                                                                                 ConcordMockElasticEmailContact *contact,
                                                                                 JsonObject                     *object,
                                                                                 gboolean                        defined_only);
void                            _concord_mock_elasticemail_apply_consent        (ConcordMockElasticEmailContact *contact,
                                                                                 JsonObject                     *object,
                                                                                 const char                     *remote_ip,
                                                                                 gint64                          now);
gboolean                        _concord_mock_elasticemail_store_contact_object (ConcordMockElasticEmail  *self,
                                                                                 JsonObject               *object,
                                                                                 GError                  **error);

/* concord-mock-elasticemail-requests.c */
void _concord_mock_elasticemail_on_v4_request_cb (ConcordMockRequest *request,
                                                  gpointer            user_data);

G_END_DECLS
