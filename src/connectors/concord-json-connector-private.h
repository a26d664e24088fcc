/* concord-json-connector-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-json-connector.h"
#include "concord-description.h"
#include "concord-http-client.h"
#include "concord-rest-connector.h"
#include "concord-json-hooks.h"

G_BEGIN_DECLS

/* How the connector reads an answer, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. @root is read as the custom field definitions
 * of @contact_type (they replace the connector's), as the contact types
 * list, as a page of records and as one record's echo; returns how many
 * records the page held. */
guint _concord_json_connector_read_answer (ConcordJsonConnector *self,
                                           const char           *contact_type,
                                           JsonNode             *root);

/* What the parts of the described connector share: the connector
 * (concord-json-connector.c: errors, the GObject, the public API), the
 * helpers and the reading of records (concord-json-connector-read.c), the
 * writing of records (concord-json-connector-write.c), the custom field
 * definitions, schema and contact types (concord-json-connector-schema.c),
 * the listing, fetch and verify (concord-json-connector-list.c), creates
 * and updates (concord-json-connector-change.c). See
 * concord-json-connector.c for what the connector does. */

#define CONCORD_JSON_MAX_CUSTOM_FIELDS    2000

typedef struct
{
  char             *id;        /* (owned): as text */
  JsonNode         *id_node;   /* (owned): as the app wrote it */
  char             *key;       /* (owned): "custom:<name>" */
  char             *name;      /* (owned) */
  ConcordFieldType  type;
  gboolean          read_only;
  GPtrArray        *values;    /* (owned) (nullable): option values, text */
  GPtrArray        *labels;    /* (owned) (nullable): their labels */
  GPtrArray        *nodes;     /* (owned) (nullable): option values as the app wrote them */
} ConcordJsonCustomDef;

typedef struct
{
  GPtrArray  *defs;      /* ConcordJsonCustomDef */
  GHashTable *by_id;     /* id → ConcordJsonCustomDef */
  GHashTable *by_key;    /* key → ConcordJsonCustomDef */
} ConcordJsonCustomSet;

struct _ConcordJsonConnector
{
  ConcordRestConnector  parent_instance;

  ConcordDescription   *description;  /* (owned) */
  JsonObject           *values;       /* (owned): the account's options and derived values */
  ConcordHttpClient    *client;       /* (owned): also the base's */
  GHashTable           *customs;      /* (owned): contact type → ConcordJsonCustomSet */
  GPtrArray            *types;        /* (owned) (nullable): discovered ConcordContactType */
  guint                 page_size;    /* 0: the description's */
  char                 *operation_type; /* (owned) (nullable): the last operation's contact type */
  char                 *secret;       /* (owned): only to scrub it from the app's messages; wiped */
  gint64                max_modified; /* the latest modification of the listing, -1 */
};

/* A parameter of a request: its name and its value. */
typedef struct
{
  char     *name;
  JsonNode *value;
} ConcordJsonParam;

/* concord-json-connector-read.c */

void _concord_json_connector_custom_def_free (ConcordJsonCustomDef *def);

void _concord_json_connector_custom_set_free (ConcordJsonCustomSet *set);

const ConcordDescContactType *_concord_json_connector_find_type (ConcordJsonConnector *self,
                                                                 const char           *contact_type);

const ConcordJsonHook *_concord_json_connector_hook (ConcordJsonConnector *self,
                                                     const char           *name);

guint _concord_json_connector_page_size_of (ConcordJsonConnector         *self,
                                            const ConcordDescContactType *type);

char *_concord_json_connector_node_text (JsonNode *node,
                                         gsize     max_bytes,
                                         gboolean *repaired);

gboolean _concord_json_connector_matches_where (JsonObject *where,
                                                JsonNode   *node);

JsonNode *_concord_json_connector_fill_node (ConcordJsonConnector *self,
                                             JsonNode             *node,
                                             const char           *contact_type,
                                             GError              **error);

void _concord_json_connector_param_free (ConcordJsonParam *param);

void _concord_json_connector_add_param_text (GPtrArray  *params,
                                             const char *name,
                                             const char *text);

void _concord_json_connector_add_param_int (GPtrArray  *params,
                                            const char *name,
                                            gint64      number);

ConcordHttpRequest *_concord_json_connector_make_request (ConcordJsonConnector     *self,
                                                          const ConcordDescRequest *template,
                                                          const char               *contact_type,
                                                          const char               *id,
                                                          GPtrArray                *params,
                                                          gboolean                  params_in_body,
                                                          JsonNode                 *body_override,
                                                          GError                  **error);

const char *_concord_json_connector_set_key_of (const char *key);

ConcordRecord *_concord_json_connector_parse_record (ConcordJsonConnector         *self,
                                                     const char                   *contact_type,
                                                     const ConcordDescContactType *type,
                                                     JsonNode                     *node,
                                                     GError                      **error);

/* concord-json-connector-write.c */

gboolean _concord_json_connector_field_in_change (const ConcordDescField *field,
                                                  const ConcordRecord    *set,
                                                  const char * const     *clear);

JsonObject *_concord_json_connector_record_object (ConcordJsonConnector         *self,
                                                   const char                   *contact_type,
                                                   const ConcordDescContactType *type,
                                                   const ConcordDescRequest     *request,
                                                   JsonObject                   *base,
                                                   const ConcordRecord          *values,
                                                   const ConcordRecord          *change_set,
                                                   const char * const           *clear,
                                                   GError                      **error);

JsonNode *_concord_json_connector_wrap (const char *member,
                                        JsonObject *object);

/* concord-json-connector-schema.c */

ConcordJsonCustomSet *_concord_json_connector_parse_definitions (ConcordJsonConnector         *self,
                                                                 const ConcordDescContactType *type,
                                                                 JsonNode                     *root,
                                                                 GError                      **error);

void _concord_json_connector_load_definitions_async (ConcordJsonConnector *self,
                                                     const char           *contact_type,
                                                     gboolean              again,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);

void _concord_json_connector_load_schema_async (ConcordConnector   *connector,
                                                const char         *contact_type,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);

GPtrArray *_concord_json_connector_list_contact_types (ConcordConnector *connector);

const ConcordDescContactType *_concord_json_connector_discovered_entry (ConcordJsonConnector *self);

void _concord_json_connector_list_contact_types_async (ConcordConnector   *connector,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);

GPtrArray *_concord_json_connector_list_contact_types_finish (ConcordConnector *connector,
                                                              GAsyncResult     *result,
                                                              GError          **error);

/* concord-json-connector-list.c */

ConcordHttpRequest *_concord_json_connector_build_list_request (ConcordRestConnector *connector,
                                                                const char           *contact_type,
                                                                const char           *page_token,
                                                                GError              **error);

gboolean _concord_json_connector_parse_page (ConcordRestConnector *connector,
                                             const char           *contact_type,
                                             const char           *page_token,
                                             JsonNode             *root,
                                             SoupMessageHeaders   *headers,
                                             ConcordPage          *page,
                                             GError              **error);

ConcordRecord *_concord_json_connector_record_from_json (ConcordRestConnector *connector,
                                                         const char           *contact_type,
                                                         JsonNode             *node);

ConcordHttpRequest *_concord_json_connector_build_fetch_request (ConcordRestConnector *connector,
                                                                 const char           *contact_type,
                                                                 const char           *remote_id);

ConcordHttpRequest *_concord_json_connector_build_verify_request (ConcordRestConnector *connector);

gboolean _concord_json_connector_check_verify_answer (ConcordRestConnector *connector,
                                                      JsonNode             *root,
                                                      GError              **error);

/* concord-json-connector-change.c */

ConcordHttpRequest *_concord_json_connector_build_create_request (ConcordRestConnector *connector,
                                                                  const char           *contact_type,
                                                                  GPtrArray            *records,
                                                                  const guint          *indices,
                                                                  guint                 n_indices);

void _concord_json_connector_match_created (ConcordRestConnector *connector,
                                            const char           *contact_type,
                                            GPtrArray            *records,
                                            const guint          *indices,
                                            guint                 n_indices,
                                            JsonNode             *answer,
                                            ConcordWriteBatch    *batch);

ConcordHttpRequest *_concord_json_connector_update_step (ConcordRestConnector *connector,
                                                         ConcordRestUpdate    *update,
                                                         JsonNode             *answer,
                                                         GError              **error);

/* concord-json-connector.c */

void _concord_json_connector_note_type (ConcordJsonConnector *self,
                                        const char           *contact_type);

G_END_DECLS
