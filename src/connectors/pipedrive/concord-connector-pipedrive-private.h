/* concord-connector-pipedrive-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-pipedrive.h"
#include "concord-rest-connector.h"

G_BEGIN_DECLS

/* How the connector reads an answer, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. @root is read as a page of /v1/personFields
 * (the fields it learns replace the connector's), then as a page of
 * persons; returns how many persons were read. */
guint _concord_connector_pipedrive_read_answer (ConcordConnectorPipedrive *self,
                                                JsonNode                  *root);

/* What the parts of the connector share: concord-connector-pipedrive.c
 * (the app, errors, schema), -read.c (reading and listing persons),
 * -fields.c (person fields, organisations, preparation) and -write.c
 * (creates and updates). */

#define PD_APP_ID            "pipedrive"
#define PD_APP_NAME          "Pipedrive"
#define CONTACT_TYPE_LABEL   "Persons"
#define TOKEN_HEADER         "x-api-token"
#define PAGE_LIMIT           500
#define FIELDS_PAGE_LIMIT    500
#define MAX_IN_FLIGHT        4
#define MAX_WRITES_IN_FLIGHT 1
/* The budget automatic schedules keep to 1 % of, in requests an hour:
 * the burst limit of the smallest plan, 20 requests per 2 s. */
#define RATE_BUDGET          (10 * 3600)
#define MAX_VALUE_BYTES      (64 * 1024)
#define MAX_EMAIL_BYTES      254
#define MAX_ERROR_BODY_BYTES (64 * 1024)
#define MAX_SIDE_PAGES       1000
#define HASH_KEY_LENGTH      40
/* How often a change listing is a full one instead, to see deletions. */
#define FULL_SCAN_SECONDS    (24 * 3600)

typedef struct
{
  char             *key;       /* (owned): the API's key (a hash for custom fields) */
  char             *name;      /* (owned): as shown: "custom:<name>" for custom fields */
  char             *label;     /* (owned): the field's name in Pipedrive */
  ConcordFieldType  type;
  gboolean          multi;     /* set: an array of option ids */
  gboolean          read_only;
  gboolean          custom;
  GHashTable       *options;   /* (owned) (nullable): id (text) → label */
} ConcordPipedrivePersonField;

struct _ConcordConnectorPipedrive
{
  ConcordRestConnector  parent_instance;

  ConcordHttpClient    *client;        /* (owned): also the base's */
  guint                 page_limit;
  GPtrArray            *fields;        /* (owned) (nullable): PersonField, custom ones */
  GHashTable           *fields_by_key; /* (owned) (nullable): key → PersonField */
  GHashTable           *fields_by_name;/* (owned) (nullable): "custom:<name>" → PersonField */
  GHashTable           *labels;        /* (owned) (nullable): label id (text) → name */
  GHashTable           *orgs;          /* (owned) (nullable): org id (text) → name */
  GHashTable           *org_ids;       /* (owned) (nullable): name → org id (text) */
  gint64                max_update;    /* the largest update_time of the listing, -1 */
  gint64                since;         /* the listing's updated_since, -1: a full one */
  gint64                full_at;       /* when the last full listing started, Unix time */
};

/* concord-connector-pipedrive.c */
void                _concord_pipedrive_person_field_free   (ConcordPipedrivePersonField *field);
const char         *_concord_pipedrive_status_to_canonical (const char *api);
const char         *_concord_pipedrive_status_to_api       (const char *canonical);
char               *_concord_pipedrive_member_text         (JsonObject *object,
                                                            const char *name);
char               *_concord_pipedrive_node_id             (JsonNode *node);
gboolean            _concord_pipedrive_is_id               (const char *text);
JsonObject         *_concord_pipedrive_unwrap              (JsonNode *node);
char               *_concord_pipedrive_format_time         (gint64 unix_time);
const char         *_concord_pipedrive_label_to_api        (const char *label,
                                                            gboolean    phone);
ConcordHttpRequest *_concord_pipedrive_new_request         (const char *method,
                                                            const char *path,
                                                            const char *label,
                                                            JsonNode   *body);
JsonArray          *_concord_pipedrive_envelope_array      (JsonNode    *root,
                                                            const char  *label,
                                                            gboolean    *empty,
                                                            GError     **error);

/* concord-connector-pipedrive-read.c */
gboolean            _concord_pipedrive_get_flag                      (JsonObject *object,
                                                                      const char *name);
ConcordRecord      *_concord_pipedrive_parse_person                  (ConcordConnectorPipedrive *self,
                                                                      JsonObject                *object);
ConcordHttpRequest *concord_connector_pipedrive_build_list_request   (ConcordRestConnector  *connector,
                                                                      const char            *contact_type,
                                                                      const char            *page_token,
                                                                      GError               **error);
gboolean            concord_connector_pipedrive_parse_page           (ConcordRestConnector  *connector,
                                                                      const char            *contact_type,
                                                                      const char            *page_token,
                                                                      JsonNode              *root,
                                                                      SoupMessageHeaders    *headers,
                                                                      ConcordPage           *page,
                                                                      GError               **error);
ConcordRecord      *concord_connector_pipedrive_record_from_json     (ConcordRestConnector *connector,
                                                                      const char           *contact_type,
                                                                      JsonNode             *node);
ConcordHttpRequest *concord_connector_pipedrive_build_fetch_request  (ConcordRestConnector *connector,
                                                                      const char           *contact_type,
                                                                      const char           *remote_id);
ConcordHttpRequest *concord_connector_pipedrive_build_verify_request (ConcordRestConnector *connector);
gboolean            concord_connector_pipedrive_check_verify_answer  (ConcordRestConnector  *connector,
                                                                      JsonNode              *root,
                                                                      GError               **error);

/* concord-connector-pipedrive-fields.c */
void concord_connector_pipedrive_prepare_async (ConcordRestConnector *connector,
                                                ConcordRestOperation  operation,
                                                const char           *page_token,
                                                GPtrArray            *inputs,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);

/* concord-connector-pipedrive-write.c */
gboolean            _concord_pipedrive_clears                        (const char * const *clear,
                                                                      const char         *key);
ConcordHttpRequest *concord_connector_pipedrive_build_create_request (ConcordRestConnector *connector,
                                                                      const char           *contact_type,
                                                                      GPtrArray            *records,
                                                                      const guint          *indices,
                                                                      guint                 n_indices);
void                concord_connector_pipedrive_match_created        (ConcordRestConnector *connector,
                                                                      const char           *contact_type,
                                                                      GPtrArray            *records,
                                                                      const guint          *indices,
                                                                      guint                 n_indices,
                                                                      JsonNode             *answer,
                                                                      ConcordWriteBatch    *batch);
ConcordHttpRequest *concord_connector_pipedrive_update_step          (ConcordRestConnector  *connector,
                                                                      ConcordRestUpdate     *update,
                                                                      JsonNode              *answer,
                                                                      GError               **error);

G_END_DECLS
