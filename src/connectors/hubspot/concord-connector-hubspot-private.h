/* concord-connector-hubspot-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-hubspot.h"
#include "concord-rest-connector.h"

G_BEGIN_DECLS

/* How the connector reads an answer, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. @root is read as an answer of
 * /crm/v3/properties/contacts (the properties it learns replace the
 * connector's), then as a page of contacts, then as a batch answer;
 * returns how many contacts were read. */
guint _concord_connector_hubspot_read_answer (ConcordConnectorHubspot *self,
                                              JsonNode                *root);

/* What the parts of the connector share: concord-connector-hubspot.c
 * (the app, errors, schema), -properties.c (reading contacts and the
 * account's properties), -list.c (listing), -write.c (write bodies and
 * creates) and -update.c (updates and fetches). */

#define HS_APP_ID             "hubspot"
#define HS_APP_NAME           "HubSpot"
#define CONTACT_TYPE_LABEL    "Contacts"
#define PATH_CONTACTS         "/crm/v3/objects/contacts"
#define PATH_PROPERTIES       "/crm/v3/properties/contacts"
#define PAGE_LIMIT            100
#define SEARCH_LIMIT          200
#define SEARCH_WINDOW         10000
#define MAX_BATCH             100
#define MAX_IN_FLIGHT         4
/* The budget automatic schedules keep to 1 % of, in requests an hour:
 * the Free and Starter burst limit, 100 requests per 10 s. */
#define RATE_BUDGET           (10 * 3600)
#define MAX_VALUE_BYTES       (64 * 1024)
#define MAX_EMAIL_BYTES       254
#define MAX_ERROR_BODY_BYTES  (64 * 1024)
#define MAX_PROPERTIES        5000
#define MAX_OPTIONS           5000
/* Search bodies are at most 3,000 characters: the properties' names may
 * take this many of them, else a change listing reads every contact. */
#define MAX_SEARCH_NAMES      2200
/* Search has a limit of its own, 5 requests a second per account: its
 * pages go at most this often. */
#define SEARCH_INTERVAL_US    (210 * 1000)
/* How far before the cursor an incremental listing starts again. */
#define OVERLAP_MS            (60 * 1000)
/* How often a change listing is a full one instead, to see deletions. */
#define FULL_SCAN_SECONDS     (24 * 3600)

typedef struct
{
  char             *name;      /* (owned): HubSpot's internal name */
  char             *key;       /* (owned): Concord's: canonical, or "custom:<label>" */
  char             *label;     /* (owned) */
  ConcordFieldType  type;
  gboolean          multi;     /* a checkbox: values joined by ";" */
  gboolean          read_only;
  gboolean          custom;
  GPtrArray        *options;   /* (owned) (nullable): value, label, value, label, … */
} ConcordHubspotProperty;

struct _ConcordConnectorHubspot
{
  ConcordRestConnector  parent_instance;

  ConcordHttpClient    *client;         /* (owned): also the base's */
  guint                 page_limit;
  guint                 search_limit;
  guint                 search_window;
  GPtrArray            *properties;     /* (owned) (nullable): Property, those Concord maps */
  GHashTable           *by_name;        /* (owned) (nullable): HubSpot name → Property */
  GHashTable           *by_key;         /* (owned) (nullable): Concord key → Property */
  char                 *names;          /* (owned) (nullable): "a,b,c" for properties= */

  /* The listing under way */
  gint64                since_ms;       /* the search's watermark; -1: a full listing */
  gint64                full_at;        /* when the last full listing started, Unix time */
  gint64                start_ms;       /* when this listing started */
  gint64                query_since_ms; /* the running search query's lastmodifieddate ≥ */
  gint64                query_max_ms;   /* the largest lastmodifieddate of that query */
  gint64                max_ms;         /* the largest lastmodifieddate of the listing */
  guint                 generation;     /* search queries started in this listing */
  GHashTable           *seen;           /* (owned) (nullable): ids a search listing gave */

  GHashTable           *conflicts;      /* (owned): input record → existing id (create) */
  gint64                last_search_us; /* when the last search page was asked for */
};
/* Each result and error of a batch answer, by its objectWriteTraceId. */
typedef void (*ConcordHubspotEachResult) (gpointer    data,
                                          guint       index,
                                          JsonObject *result,
                                          JsonObject *error);

/* concord-connector-hubspot.c */
gpointer _concord_hubspot_parent_class (void);
void                _concord_hubspot_property_free     (ConcordHubspotProperty *property);
char               *_concord_hubspot_member_text       (JsonObject *object,
                                                        const char *name);
gboolean            _concord_hubspot_is_id             (const char *text);
char               *_concord_hubspot_node_id           (JsonNode *node);
gint64              _concord_hubspot_parse_ms          (const char *text);
const char         *_concord_hubspot_option_value      (ConcordHubspotProperty *property,
                                                        const char             *text);
char               *_concord_hubspot_context_value     (JsonObject *object,
                                                        const char *key);
char               *_concord_hubspot_existing_id_in    (const char *message);
char               *_concord_hubspot_existing_id       (JsonObject *object);
GError             *_concord_hubspot_error_from_object (JsonObject *object,
                                                        const char *label);
ConcordHttpRequest *_concord_hubspot_new_request       (const char *method,
                                                        const char *path,
                                                        const char *label,
                                                        JsonNode   *body);
JsonArray          *_concord_hubspot_results_array     (JsonNode    *root,
                                                        const char  *label,
                                                        GError     **error);

/* concord-connector-hubspot-properties.c */
ConcordRecord *_concord_hubspot_parse_contact           (ConcordConnectorHubspot *self,
                                                         JsonObject              *object);
gint64         _concord_hubspot_contact_modified_ms     (JsonObject *object);
void           _concord_hubspot_ensure_properties_async (ConcordConnectorHubspot *self,
                                                         gboolean                 force,
                                                         GCancellable            *cancellable,
                                                         GAsyncReadyCallback      callback,
                                                         gpointer                 user_data);
void           concord_connector_hubspot_prepare_async  (ConcordRestConnector *connector,
                                                         ConcordRestOperation  operation,
                                                         const char           *page_token,
                                                         GPtrArray            *inputs,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);

/* concord-connector-hubspot-list.c */
ConcordHttpRequest *concord_connector_hubspot_build_list_request   (ConcordRestConnector  *connector,
                                                                    const char            *contact_type,
                                                                    const char            *page_token,
                                                                    GError               **error);
gboolean            concord_connector_hubspot_parse_page           (ConcordRestConnector  *connector,
                                                                    const char            *contact_type,
                                                                    const char            *page_token,
                                                                    JsonNode              *root,
                                                                    SoupMessageHeaders    *headers,
                                                                    ConcordPage           *page,
                                                                    GError               **error);
ConcordRecord      *concord_connector_hubspot_record_from_json     (ConcordRestConnector *connector,
                                                                    const char           *contact_type,
                                                                    JsonNode             *node);
ConcordHttpRequest *concord_connector_hubspot_build_fetch_request  (ConcordRestConnector *connector,
                                                                    const char           *contact_type,
                                                                    const char           *remote_id);
ConcordHttpRequest *concord_connector_hubspot_build_verify_request (ConcordRestConnector *connector);
gboolean            concord_connector_hubspot_check_verify_answer  (ConcordRestConnector  *connector,
                                                                    JsonNode              *root,
                                                                    GError               **error);
void                concord_connector_hubspot_list_async           (ConcordConnector    *connector,
                                                                    const char          *contact_type,
                                                                    const char          *cursor,
                                                                    const char          *page_token,
                                                                    GCancellable        *cancellable,
                                                                    GAsyncReadyCallback  callback,
                                                                    gpointer             user_data);

/* concord-connector-hubspot-write.c */
JsonNode           *_concord_hubspot_properties_body               (ConcordConnectorHubspot *self,
                                                                    const ConcordRecord     *set,
                                                                    const char * const      *clear,
                                                                    GPtrArray               *refused);
JsonNode           *_concord_hubspot_inputs_body                   (JsonArray *inputs);
void                _concord_hubspot_read_batch_answer             (JsonNode                 *answer,
                                                                    guint                     n_inputs,
                                                                    ConcordHubspotEachResult  each,
                                                                    gpointer                  data);
ConcordHttpRequest *concord_connector_hubspot_build_create_request (ConcordRestConnector *connector,
                                                                    const char           *contact_type,
                                                                    GPtrArray            *records,
                                                                    const guint          *indices,
                                                                    guint                 n_indices);
void                concord_connector_hubspot_match_created        (ConcordRestConnector *connector,
                                                                    const char           *contact_type,
                                                                    GPtrArray            *records,
                                                                    const guint          *indices,
                                                                    guint                 n_indices,
                                                                    JsonNode             *answer,
                                                                    ConcordWriteBatch    *batch);
void                concord_connector_hubspot_create_async         (ConcordConnector    *connector,
                                                                    const char          *contact_type,
                                                                    GPtrArray           *records,
                                                                    GCancellable        *cancellable,
                                                                    GAsyncReadyCallback  callback,
                                                                    gpointer             user_data);

/* concord-connector-hubspot-update.c */
void _concord_hubspot_update_changes        (ConcordConnectorHubspot *self,
                                             GTask                   *task,
                                             GPtrArray               *changes);
void concord_connector_hubspot_update_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             GPtrArray           *changes,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void concord_connector_hubspot_fetch_async  (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             const char * const  *remote_ids,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

G_END_DECLS
