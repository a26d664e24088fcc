/* concord-rest-connector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"
#include "concord-http-client.h"
#include "concord-write-batch.h"

G_BEGIN_DECLS

/* The most pages one listing reads unless the connector says otherwise:
 * a server that pages for ever is stopped (CONCORD_ERROR_PROTOCOL). */
#define CONCORD_REST_DEFAULT_MAX_PAGES 100000

/**
 * ConcordRestOperation:
 *
 * What ConcordRestConnectorClass.prepare_async() is called before.
 */
typedef enum
{
  CONCORD_REST_LIST,
  CONCORD_REST_FETCH,
  CONCORD_REST_CREATE,
  CONCORD_REST_UPDATE,
} ConcordRestOperation;

/**
 * ConcordRestUpdate:
 * @contact_type: the contact type being written
 * @change: the change being applied
 * @step: the subclass's own counter, 0 before the first request
 * @data: the subclass's own state for this change, freed with @data_free
 * @failure: (nullable): why the last request failed; update_step() may
 *   go on regardless, or return %NULL to fail the change with it (or with
 *   an error of its own)
 * @refused: (nullable): pairs of field key and reason
 *   (concord_rest_update_refuse())
 *
 * One change of an update, applied with one or more requests.
 */
typedef struct
{
  const char                *contact_type;
  const ConcordRecordChange *change;
  guint                      step;
  gpointer                   data;
  GDestroyNotify             data_free;
  GError                    *failure;
  GPtrArray                 *refused;
} ConcordRestUpdate;

/**
 * ConcordRestAppTraits:
 * @app_id: concord_connector_get_app_id()
 * @app_name: concord_connector_get_app_name()
 * @contact_type: (nullable): the app's one contact type, its id…
 * @contact_type_label: … and its label
 * @flags: concord_connector_get_flags()
 * @page_size: (optional): concord_connector_get_page_size(), 0 for the default
 * @rate_budget: (optional): concord_connector_get_rate_budget(), 0 for the default
 *
 * What a REST app says of itself, once, in a static table the base's
 * getters read (ConcordRestConnectorClass.traits), instead of a getter of
 * its own for each.
 */
typedef struct
{
  const char            *app_id;
  const char            *app_name;
  const char            *contact_type;
  const char            *contact_type_label;
  ConcordConnectorFlags  flags;
  guint                  page_size;
  guint                  rate_budget;
} ConcordRestAppTraits;

#define CONCORD_TYPE_REST_CONNECTOR (concord_rest_connector_get_type ())

G_DECLARE_DERIVABLE_TYPE (ConcordRestConnector, concord_rest_connector,
                          CONCORD, REST_CONNECTOR, ConcordConnector)

/**
 * ConcordRestConnectorClass:
 * @traits: (nullable): what the app says of itself; a subclass may
 *   override the getters instead
 * @build_list_request: the request for the page at @page_token (%NULL:
 *   the first page of a new listing)
 * @parse_page: fills @page from an answer: its records and next_page
 *   (%NULL on the last page; use the paging helpers below), complete,
 *   cursor
 * @record_from_json: one record of an answer; %NULL to skip it
 * @build_fetch_request: the request for one record (sent with
 *   %CONCORD_HTTP_NOT_FOUND_IS_EMPTY: 404 means absent)
 * @create_group_key: optional: records with different keys are never in
 *   the same create request (a request-wide option such as a list); %NULL
 *   with @error refuses the record
 * @build_create_request: the request creating @n_indices records of
 *   @records (their indices)
 * @match_created: sets the result of each of those inputs from the answer
 *   (concord_write_batch_set_ok() / _set_error())
 * @build_update_request: the request applying @change; its answer is read
 *   with @record_from_json
 * @update_step: instead of @build_update_request, for apps that need
 *   several requests per change: called with @answer %NULL first, then
 *   with each answer of the request it returned (%NULL when that failed,
 *   see @failure); returns the next request, or %NULL when done (@answer
 *   is then the record's echo) or, with @error, when the change fails
 * @build_verify_request: a cheap authenticated request
 * @check_verify_answer: optional: whether its answer is what the app sends
 *   (a wrong base URL may answer 200 with something else)
 * @prepare_async: optional: what must be read before an operation (a
 *   membership map); called with @page_token for a listing and the
 *   records or changes (@inputs) of a create or update
 * @prepare_finish: optional: without it, @prepare_async's result is a
 *   #GTask of a boolean
 *
 * The shapes a REST app gives; ConcordRestConnector does the rest: the
 * listing with its guards, parallel fetch by id, chunked creates with 413
 * halving, one update request a change, verify.
 */
struct _ConcordRestConnectorClass
{
  ConcordConnectorClass parent_class;

  const ConcordRestAppTraits *traits;

  ConcordHttpRequest *(*build_list_request)   (ConcordRestConnector      *self,
                                               const char                *contact_type,
                                               const char                *page_token,
                                               GError                   **error);
  gboolean            (*parse_page)           (ConcordRestConnector      *self,
                                               const char                *contact_type,
                                               const char                *page_token,
                                               JsonNode                  *root,
                                               SoupMessageHeaders        *headers,
                                               ConcordPage               *page,
                                               GError                   **error);
  ConcordRecord      *(*record_from_json)     (ConcordRestConnector      *self,
                                               const char                *contact_type,
                                               JsonNode                  *node);
  ConcordHttpRequest *(*build_fetch_request)  (ConcordRestConnector      *self,
                                               const char                *contact_type,
                                               const char                *remote_id);
  char               *(*create_group_key)     (ConcordRestConnector      *self,
                                               const ConcordRecord       *record,
                                               GError                   **error);
  ConcordHttpRequest *(*build_create_request) (ConcordRestConnector      *self,
                                               const char                *contact_type,
                                               GPtrArray                 *records,
                                               const guint               *indices,
                                               guint                      n_indices);
  void                (*match_created)        (ConcordRestConnector      *self,
                                               const char                *contact_type,
                                               GPtrArray                 *records,
                                               const guint               *indices,
                                               guint                      n_indices,
                                               JsonNode                  *answer,
                                               ConcordWriteBatch         *batch);
  ConcordHttpRequest *(*build_update_request) (ConcordRestConnector      *self,
                                               const char                *contact_type,
                                               const ConcordRecordChange *change,
                                               GError                   **error);
  ConcordHttpRequest *(*update_step)          (ConcordRestConnector      *self,
                                               ConcordRestUpdate         *update,
                                               JsonNode                  *answer,
                                               GError                   **error);
  ConcordHttpRequest *(*build_verify_request) (ConcordRestConnector      *self);
  gboolean            (*check_verify_answer)  (ConcordRestConnector      *self,
                                               JsonNode                  *root,
                                               GError                   **error);
  void                (*prepare_async)        (ConcordRestConnector      *self,
                                               ConcordRestOperation       operation,
                                               const char                *page_token,
                                               GPtrArray                 *inputs,
                                               GCancellable              *cancellable,
                                               GAsyncReadyCallback        callback,
                                               gpointer                   user_data);
  gboolean            (*prepare_finish)       (ConcordRestConnector      *self,
                                               GAsyncResult              *result,
                                               GError                   **error);

  gpointer padding[5];
};

ConcordHttpClient *concord_rest_connector_get_client    (ConcordRestConnector *self);
void               concord_rest_connector_set_client    (ConcordRestConnector *self,
                                                         ConcordHttpClient    *client);
void               concord_rest_connector_set_max_batch (ConcordRestConnector *self,
                                                         guint                 max_batch);
void               concord_rest_connector_set_max_pages (ConcordRestConnector *self,
                                                         guint                 max_pages);
void               concord_rest_connector_set_split_refused (ConcordRestConnector *self,
                                                             gboolean              split);
const char        *concord_rest_connector_get_listing_cursor (ConcordRestConnector *self);
gboolean           concord_rest_error_is_fatal          (const GError         *error);
void               concord_rest_update_refuse           (ConcordRestUpdate    *update,
                                                         const char           *key,
                                                         char                 *reason);
gboolean           concord_rest_connector_check_contact_type (ConcordRestConnector *self,
                                                              const char           *contact_type,
                                                              GError              **error);

void               concord_rest_connector_sample_async  (ConcordRestConnector *self,
                                                         const char           *contact_type,
                                                         guint                 max_pages,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean           concord_rest_connector_sample_finish (ConcordRestConnector *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

/* One page of a collection being read (concord_rest_connector_read_all_async()). */
typedef void (*ConcordRestReadPage) (JsonArray *page,
                                     gpointer   user_data);

void               concord_rest_connector_read_all_async  (ConcordRestConnector *self,
                                                           const char           *path,
                                                           const char           *label,
                                                           const char           *noun,
                                                           guint                 limit,
                                                           guint                 max_items,
                                                           const char           *key_member,
                                                           ConcordRestReadPage   each,
                                                           gpointer              each_data,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean           concord_rest_connector_read_all_finish (ConcordRestConnector *self,
                                                           GAsyncResult         *result,
                                                           guint                *n_read,
                                                           gboolean             *repeated,
                                                           GError              **error);

/* Reading JSON answers: text of a member whatever its JSON type (strings
 * repaired and cut, see concord_http_repaired_text()), an object member,
 * an ISO 8601 date-time (none means UTC) or date as Unix time, -1 if
 * unreadable. */
char              *concord_rest_json_text   (JsonObject  *object,
                                             const char  *name,
                                             gsize        max_bytes,
                                             gboolean    *repaired);
JsonObject        *concord_rest_json_object (JsonObject  *object,
                                             const char  *name);
JsonArray         *concord_rest_json_array  (JsonNode    *node,
                                             const char  *label,
                                             GError     **error);
gint64             concord_rest_parse_datetime (const char *text);

/* Records: text fields marked altered when repaired; custom fields an app
 * cannot list, learnt from the records read or declared by the user. */
void        concord_rest_record_set_text    (ConcordRecord       *record,
                                             const char          *key,
                                             ConcordFieldType     type,
                                             const char          *text,
                                             gboolean             repaired);
void        concord_rest_record_set_member  (ConcordRecord       *record,
                                             const char          *key,
                                             ConcordFieldType     type,
                                             JsonObject          *object,
                                             const char          *name,
                                             gsize                max_bytes);
void        concord_rest_add_field_spec     (GPtrArray           *specs,
                                             const char          *key,
                                             const char * const  *choices,
                                             gboolean             read_only);
void        concord_rest_connector_declare_custom_fields (ConcordRestConnector *self,
                                                          const char           *names);
void        concord_rest_connector_read_custom_fields    (ConcordRestConnector *self,
                                                          ConcordRecord        *record,
                                                          JsonObject           *custom,
                                                          gsize                 max_bytes);
void        concord_rest_connector_add_custom_specs      (ConcordRestConnector *self,
                                                          GPtrArray            *specs);
gboolean    concord_rest_json_add_custom_fields    (JsonBuilder         *builder,
                                                    const char          *member,
                                                    const ConcordRecord *record,
                                                    const char * const  *clear);
const char *concord_rest_find_dropped_custom_field (const ConcordRecord *sent,
                                                    JsonNode            *echoed,
                                                    const char          *member);

/* Paging helpers, for parse_page(): each sets page->next_page (or ends the
 * listing) and refuses a token the listing has already seen or a listing
 * longer than its page limit (CONCORD_ERROR_PROTOCOL), so that no server
 * can page for ever. */
gboolean concord_rest_page_next_offset (ConcordRestConnector  *self,
                                        ConcordPage           *page,
                                        const char            *page_token,
                                        guint                  n_received,
                                        GError               **error);
gboolean concord_rest_page_next_number (ConcordRestConnector  *self,
                                        ConcordPage           *page,
                                        const char            *page_token,
                                        guint                  n_received,
                                        GError               **error);
gboolean concord_rest_page_next_token  (ConcordRestConnector  *self,
                                        ConcordPage           *page,
                                        const char            *next_token,
                                        const char            *sync_token,
                                        GError               **error);
gboolean concord_rest_page_next_link   (ConcordRestConnector  *self,
                                        ConcordPage           *page,
                                        SoupMessageHeaders    *headers,
                                        GError               **error);
guint    concord_rest_page_token_number (const char           *page_token);

G_END_DECLS
