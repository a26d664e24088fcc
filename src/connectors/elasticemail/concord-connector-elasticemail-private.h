/* concord-connector-elasticemail-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"
#include "concord-rest-connector.h"

G_BEGIN_DECLS

/* How the connector reads a contact, for its listing, fetches and echoes
 * (concord-connector-elasticemail-requests.c) and for the fuzz targets of
 * tests/fuzz/: no network, no main loop. Its answers are checked and parsed by the
 * client (concord_http_client_check_answer(), concord_http_parse_json()). */

ConcordRecord *_concord_connector_elasticemail_parse_contact (ConcordConnectorElasticEmail *self,
                                                              JsonNode                     *node);

/* What the parts of the connector share: concord-connector-elasticemail.c
 * (the app, its field tables, parsing, the schema), -lists.c (list
 * membership) and -requests.c (listing, creating, updating). */

#define EE_APP_ID          "elasticemail"
#define EE_APP_NAME        "Elastic Email"
#define CONTACT_TYPE_ID    "contacts"
#define CONTACT_TYPE_LABEL "Contacts"
#define API_KEY_HEADER     "X-ElasticEmail-ApiKey"
#define MAX_BATCH          1000
#define PAGE_LIMIT         100
/* The budget automatic schedules keep to 1 % of, in requests an hour.
 * Elastic Email documents none (specs/elasticemail-v4-contacts.md, "Rate
 * limiting": only a limit of 20 concurrent connections, answered with
 * 429). Assumed, to be safe: those 20 connections each making one request
 * a second, 72,000 an hour; 1 % of it lets a 1,000-contact account (10
 * pages) be read every minute. */
#define RATE_BUDGET        (20 * 3600)
#define LISTS_PAGE_LIMIT   200
/* One page for a whole list, when the server ignores the offset. */
#define FALLBACK_LIMIT     100000
/* The first schema load reads at most this many pages (10,000 contacts);
 * fields first used further on are learnt by the listing, and the same
 * sync runs once more with them (concord_sync_run_connection()). */
#define MAX_SCHEMA_PAGES   100
#define MAX_IN_FLIGHT      4
#define MAX_ERROR_BODY_BYTES (64 * 1024)
/* The longest value a listing accepts, and the longest email (RFC 5321). */
#define MAX_VALUE_BYTES    (64 * 1024)
#define MAX_EMAIL_BYTES    254
/* Bounds on what membership paging accepts. */
#define MAX_LISTS          10000
#define MAX_MEMBERSHIPS    1000000

/* The members read and written as they are (Source only read), shared by
 * parsing and payload building. */
typedef struct
{
  const char       *key;
  ConcordFieldType  type;
  const char       *member;
  gboolean          writable;
} ConcordElasticEmailTextMember;

#define CONCORD_ELASTICEMAIL_N_TEXT_MEMBERS 3

extern const ConcordElasticEmailTextMember _concord_elasticemail_text_members[CONCORD_ELASTICEMAIL_N_TEXT_MEMBERS];

struct _ConcordConnectorElasticEmail
{
  ConcordRestConnector  parent_instance;

  ConcordHttpClient    *client;          /* (owned): also the base's */
  guint                 max_schema_pages;/* MAX_SCHEMA_PAGES but in tests */
  gboolean              schema_read;     /* a schema load has read every page */
  GHashTable           *membership;      /* (owned) (nullable): email → set of list names */
};

/* concord-connector-elasticemail.c */
char               *_concord_elasticemail_escape_segment          (const char *text);
const char         *_concord_elasticemail_status_to_canonical     (const char *api);
const char         *_concord_elasticemail_status_to_api           (const char *canonical);
const char         *_concord_elasticemail_consent_to_api          (const char *canonical);
char               *_concord_elasticemail_member_text             (JsonObject *object,
                                                                   const char *name);
char               *_concord_elasticemail_node_email              (JsonNode *node);
void                _concord_elasticemail_membership_add          (GHashTable *membership,
                                                                   const char *email,
                                                                   const char *list_name);
gboolean            _concord_elasticemail_change_clears           (const ConcordRecordChange *change,
                                                                   const char                *key);
gboolean            _concord_elasticemail_change_touches_lists    (const ConcordRecordChange *change);
ConcordHttpRequest *_concord_elasticemail_new_request             (const char *method,
                                                                   const char *path,
                                                                   const char *label,
                                                                   JsonNode   *body);

/* concord-connector-elasticemail-lists.c */
void concord_connector_elasticemail_list_choices_async (ConcordConnector    *connector,
                                                        const char          *contact_type,
                                                        const char          *field,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
void concord_connector_elasticemail_prepare_async      (ConcordRestConnector *connector,
                                                        ConcordRestOperation  operation,
                                                        const char           *page_token,
                                                        GPtrArray            *inputs,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);

/* concord-connector-elasticemail-requests.c */
ConcordHttpRequest *concord_connector_elasticemail_build_list_request   (ConcordRestConnector  *connector,
                                                                         const char            *contact_type,
                                                                         const char            *page_token,
                                                                         GError               **error);
gboolean            concord_connector_elasticemail_parse_page           (ConcordRestConnector  *connector,
                                                                         const char            *contact_type,
                                                                         const char            *page_token,
                                                                         JsonNode              *root,
                                                                         SoupMessageHeaders    *headers,
                                                                         ConcordPage           *page,
                                                                         GError               **error);
ConcordRecord      *concord_connector_elasticemail_record_from_json     (ConcordRestConnector *connector,
                                                                         const char           *contact_type,
                                                                         JsonNode             *node);
ConcordHttpRequest *concord_connector_elasticemail_build_fetch_request  (ConcordRestConnector *connector,
                                                                         const char           *contact_type,
                                                                         const char           *remote_id);
ConcordHttpRequest *concord_connector_elasticemail_build_verify_request (ConcordRestConnector *connector);
gboolean            concord_connector_elasticemail_check_verify_answer  (ConcordRestConnector  *connector,
                                                                         JsonNode              *root,
                                                                         GError               **error);
char               *concord_connector_elasticemail_create_group_key     (ConcordRestConnector  *connector,
                                                                         const ConcordRecord   *record,
                                                                         GError               **error);
ConcordHttpRequest *concord_connector_elasticemail_build_create_request (ConcordRestConnector *connector,
                                                                         const char           *contact_type,
                                                                         GPtrArray            *records,
                                                                         const guint          *indices,
                                                                         guint                 n_indices);
void                concord_connector_elasticemail_match_created        (ConcordRestConnector *connector,
                                                                         const char           *contact_type,
                                                                         GPtrArray            *records,
                                                                         const guint          *indices,
                                                                         guint                 n_indices,
                                                                         JsonNode             *answer,
                                                                         ConcordWriteBatch    *batch);
ConcordHttpRequest *concord_connector_elasticemail_update_step          (ConcordRestConnector  *connector,
                                                                         ConcordRestUpdate     *update,
                                                                         JsonNode              *answer,
                                                                         GError               **error);

G_END_DECLS
