/* concord-connector-mailchimp-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-mailchimp.h"
#include "concord-rest-connector.h"

G_BEGIN_DECLS

/* How the connector reads an answer, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. @root is read as a page of merge fields (the
 * fields it learns replace the connector's), then as a page of members;
 * returns how many members were read. */
guint _concord_connector_mailchimp_read_answer (ConcordConnectorMailchimp *self,
                                                JsonNode                  *root);

/* What the parts of the connector share: concord-connector-mailchimp.c
 * (the app, errors, schema), -read.c (merge fields, reading and listing
 * members), -audiences.c (audiences, preparation), -write.c (creates)
 * and -update.c (updates). */

#define MC_APP_ID            "mailchimp"
#define MC_APP_NAME          "Mailchimp"
#define BASIC_USER           "concord"
#define PAGE_LIMIT           1000
#define SIDE_PAGE_LIMIT      1000
#define MAX_IN_FLIGHT        10
#define MAX_BATCH            500
/* Mailchimp limits connections, not requests; a conservative budget for
 * automatic schedules, in requests an hour. */
#define RATE_BUDGET          (10 * 3600)
#define MAX_VALUE_BYTES      (64 * 1024)
#define MAX_EMAIL_BYTES      254
#define MAX_ERROR_BODY_BYTES (64 * 1024)
#define MAX_SIDE_PAGES       100
#define MAX_TAGS             1000
#define MAX_CHOICES          1000
#define HASH_LENGTH          32
#define FULL_SCAN_SECONDS    (24 * 3600)
#define NO_SUCH_HASH         "00000000000000000000000000000000"

typedef struct
{
  char             *tag;       /* (owned): the key in merge_fields{} */
  char             *key;       /* (owned): the record's key: canonical or "custom:<name>" */
  char             *label;     /* (owned): its name in Mailchimp */
  ConcordFieldType  type;
  gboolean          read_only;
  gboolean          custom;
  char            **choices;   /* (owned) (nullable): dropdown and radio */
} ConcordMailchimpMergeField;

struct _ConcordConnectorMailchimp
{
  ConcordRestConnector  parent_instance;

  ConcordHttpClient    *client;        /* (owned): also the base's */
  guint                 page_limit;
  GPtrArray            *audiences;     /* (owned): ConcordContactType, as last listed */
  GHashTable           *accepted;      /* (owned): audience ids used without a listing */
  char                 *list_id;       /* (owned) (nullable): the audience of the operation */
  char                 *fields_list;   /* (owned) (nullable): the audience @fields are of */
  gint64                fields_at;     /* when @fields were read, monotonic µs */
  GPtrArray            *fields;        /* (owned) (nullable): MergeField */
  GHashTable           *fields_by_tag; /* (owned) (nullable): tag → MergeField */
  GHashTable           *fields_by_key; /* (owned) (nullable): record key → MergeField */
  gint64                max_changed;   /* the largest last_changed of the listing, -1 */
  gint64                since;         /* the listing's since_last_changed, -1: a full one */
  gint64                full_at;       /* when the last full listing started, Unix time */
  char                 *first_id;      /* (owned) (nullable): the first member of the page before */
  GHashTable           *existing;      /* (owned): indices (+ 1) of the inputs of the create
                                        * running that Mailchimp said exist ("Member Exists") */
};

/* concord-connector-mailchimp.c */
gpointer _concord_mailchimp_parent_class (void);
void                _concord_mailchimp_merge_field_free  (ConcordMailchimpMergeField *field);
char               *_concord_mailchimp_member_text       (JsonObject *object,
                                                          const char *name);
char               *_concord_mailchimp_format_time       (gint64 unix_time);
gboolean            _concord_mailchimp_is_suppressed_api (const char *api);
gboolean            _concord_mailchimp_is_hash           (const char *text);
gboolean            _concord_mailchimp_is_list_id        (const char *text);
ConcordHttpRequest *_concord_mailchimp_new_request       (const char *method,
                                                          const char *path,
                                                          const char *label,
                                                          JsonNode   *body);
JsonObject         *_concord_mailchimp_root_object       (JsonNode *node);
gint64              _concord_mailchimp_read_total        (JsonObject *answer);
gboolean            _concord_mailchimp_has_next_page     (guint  offset,
                                                          guint  n,
                                                          guint  limit,
                                                          gint64 total);

/* concord-connector-mailchimp-read.c */
void                _concord_mailchimp_add_merge_field               (ConcordConnectorMailchimp *self,
                                                                      JsonObject                *item);
void                _concord_mailchimp_reset_fields                  (ConcordConnectorMailchimp *self);
const char         *_concord_mailchimp_tag_of_key                    (ConcordConnectorMailchimp   *self,
                                                                      const char                  *key,
                                                                      ConcordMailchimpMergeField **found);
ConcordRecord      *_concord_mailchimp_parse_member                  (ConcordConnectorMailchimp *self,
                                                                      JsonObject                *object);
ConcordHttpRequest *concord_connector_mailchimp_build_list_request   (ConcordRestConnector  *connector,
                                                                      const char            *contact_type,
                                                                      const char            *page_token,
                                                                      GError               **error);
gboolean            concord_connector_mailchimp_parse_page           (ConcordRestConnector  *connector,
                                                                      const char            *contact_type,
                                                                      const char            *page_token,
                                                                      JsonNode              *root,
                                                                      SoupMessageHeaders    *headers,
                                                                      ConcordPage           *page,
                                                                      GError               **error);
ConcordRecord      *concord_connector_mailchimp_record_from_json     (ConcordRestConnector *connector,
                                                                      const char           *contact_type,
                                                                      JsonNode             *node);
ConcordHttpRequest *concord_connector_mailchimp_build_fetch_request  (ConcordRestConnector *connector,
                                                                      const char           *contact_type,
                                                                      const char           *remote_id);
ConcordHttpRequest *concord_connector_mailchimp_build_verify_request (ConcordRestConnector *connector);
gboolean            concord_connector_mailchimp_check_verify_answer  (ConcordRestConnector  *connector,
                                                                      JsonNode              *root,
                                                                      GError               **error);

/* concord-connector-mailchimp-audiences.c */
void       concord_connector_mailchimp_list_contact_types_async (ConcordConnector    *connector,
                                                                 GCancellable        *cancellable,
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);
GPtrArray *concord_connector_mailchimp_list_contact_types       (ConcordConnector *connector);
void       _concord_mailchimp_accept_list                       (ConcordConnectorMailchimp *self,
                                                                 const char                *contact_type);
void       _concord_mailchimp_read_fields_async                 (ConcordConnectorMailchimp *self,
                                                                 gboolean                   again,
                                                                 gboolean                   force,
                                                                 GCancellable              *cancellable,
                                                                 GAsyncReadyCallback        callback,
                                                                 gpointer                   user_data);
void       concord_connector_mailchimp_prepare_async            (ConcordRestConnector *connector,
                                                                 ConcordRestOperation  operation,
                                                                 const char           *page_token,
                                                                 GPtrArray            *inputs,
                                                                 GCancellable         *cancellable,
                                                                 GAsyncReadyCallback   callback,
                                                                 gpointer              user_data);

/* concord-connector-mailchimp-write.c */
gboolean            _concord_mailchimp_clears                        (const char * const *clear,
                                                                      const char         *key);
void                _concord_mailchimp_refuse                        (GPtrArray  *refused,
                                                                      const char *key,
                                                                      char       *reason);
gboolean            _concord_mailchimp_add_merge_fields              (ConcordConnectorMailchimp *self,
                                                                      JsonBuilder               *builder,
                                                                      const ConcordRecord       *set,
                                                                      const char * const        *clear,
                                                                      GPtrArray                 *refused);
char               *concord_connector_mailchimp_create_group_key     (ConcordRestConnector  *connector,
                                                                      const ConcordRecord   *record,
                                                                      GError               **error);
ConcordHttpRequest *concord_connector_mailchimp_build_create_request (ConcordRestConnector *connector,
                                                                      const char           *contact_type,
                                                                      GPtrArray            *records,
                                                                      const guint          *indices,
                                                                      guint                 n_indices);
void                concord_connector_mailchimp_match_created        (ConcordRestConnector *connector,
                                                                      const char           *contact_type,
                                                                      GPtrArray            *records,
                                                                      const guint          *indices,
                                                                      guint                 n_indices,
                                                                      JsonNode             *answer,
                                                                      ConcordWriteBatch    *batch);
void                concord_connector_mailchimp_create_async         (ConcordConnector    *connector,
                                                                      const char          *contact_type,
                                                                      GPtrArray           *records,
                                                                      GCancellable        *cancellable,
                                                                      GAsyncReadyCallback  callback,
                                                                      gpointer             user_data);
void                concord_connector_mailchimp_update_async         (ConcordConnector    *connector,
                                                                      const char          *contact_type,
                                                                      GPtrArray           *_concord_mailchimp_changes,
                                                                      GCancellable        *cancellable,
                                                                      GAsyncReadyCallback  callback,
                                                                      gpointer             user_data);

/* concord-connector-mailchimp-update.c */
gboolean            _concord_mailchimp_changes              (const ConcordRecordChange *change,
                                                             const char                *key);
char               *_concord_mailchimp_member_path          (const char *list_id,
                                                             const char *hash,
                                                             const char *tail);
ConcordHttpRequest *concord_connector_mailchimp_update_step (ConcordRestConnector  *connector,
                                                             ConcordRestUpdate     *update,
                                                             JsonNode              *answer,
                                                             GError               **error);

G_END_DECLS
