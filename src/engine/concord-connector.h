/* concord-connector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-fields.h"
#include "concord-record.h"

G_BEGIN_DECLS

/**
 * ConcordConnectorFlags:
 * @CONCORD_CONNECTOR_INCREMENTAL: list_async() with a cursor returns only the
 *   records changed since that cursor; otherwise every listing is complete
 * @CONCORD_CONNECTOR_CAN_DELETE: delete_async() is implemented
 * @CONCORD_CONNECTOR_MODIFIED_TIMES: records carry a modification time
 */
typedef enum
{
  CONCORD_CONNECTOR_NONE           = 0,
  CONCORD_CONNECTOR_INCREMENTAL    = 1 << 0,
  CONCORD_CONNECTOR_CAN_DELETE     = 1 << 1,
  CONCORD_CONNECTOR_MODIFIED_TIMES = 1 << 2,
} ConcordConnectorFlags;

/**
 * ConcordContactType:
 * @id: stable identifier, e.g. "contacts"
 * @label: what the user sees, e.g. "Contacts"
 */
typedef struct
{
  char *id;
  char *label;
} ConcordContactType;

ConcordContactType *concord_contact_type_new  (const char         *id,
                                               const char         *label);
void                concord_contact_type_free (ConcordContactType *type);

/**
 * ConcordPage:
 * @records: (element-type ConcordRecord): the records of this page
 * @next_page: (nullable): token for the next page; %NULL on the last page
 * @cursor: (nullable): on the last page, the cursor to pass to the next
 *   listing to get only later changes (incremental connectors)
 * @complete: on the last page, %TRUE when the pages together listed every
 *   record of the contact type (not only changes): only then may absence
 *   be taken to mean "deleted"
 * @deleted: (element-type utf8): remote ids of records the app itself
 *   reports deleted since the cursor (a WebDAV sync report's 404 members,
 *   a removed file, an address book's "removed" signal). Unlike absence,
 *   these are news from the app, so an incremental listing may carry them;
 *   the engine treats them as records gone from a complete listing. A
 *   connector never guesses them.
 * @refused: (element-type ConcordRefusal): records of this page the
 *   connector could not read (a card that is not valid UTF-8, not a vCard,
 *   too large): left out of @records, each named so people can find it.
 *   The engine shows each in the activity, and never takes one for a
 *   deleted record, even in a complete listing.
 */
typedef struct
{
  GPtrArray *records;
  char      *next_page;
  char      *cursor;
  gboolean   complete;
  GPtrArray *deleted;
  GPtrArray *refused;
} ConcordPage;

/**
 * ConcordRefusal:
 * @id: what names the record in its app: its remote id where it has one
 *   (a CardDAV href, a file name, a UID), else where it was (its position)
 * @reason: why it could not be read, for people: a line or property at
 *   fault, never a value of the contact
 */
typedef struct
{
  char *id;
  char *reason;
} ConcordRefusal;

ConcordPage *concord_page_new         (void);
void         concord_page_add_refusal (ConcordPage *page,
                                       const char  *id,
                                       const char  *reason);
void         concord_page_free        (ConcordPage *page);
void         concord_refusal_free     (ConcordRefusal *refusal);

/**
 * ConcordRecordChange:
 * @remote_id: the record to change
 * @set: the fields to set (other fields of the record are left alone)
 * @clear: (nullable): NULL-terminated keys of fields to empty
 */
typedef struct
{
  char           *remote_id;
  ConcordRecord  *set;
  char          **clear;
} ConcordRecordChange;

ConcordRecordChange *concord_record_change_new  (const char          *remote_id,
                                                 ConcordRecord       *set,
                                                 const char * const  *clear);
void                 concord_record_change_free (ConcordRecordChange *change);

/**
 * ConcordFieldRefusal:
 * @key: a field of the change the app refused
 * @reason: why, for people (no contact data)
 */
typedef struct
{
  char *key;
  char *reason;
} ConcordFieldRefusal;

/**
 * ConcordWriteResult:
 * @index: position of the input (record or change) this result is for
 * @record: (nullable): on success, the record as the app now holds it
 *   (with its remote id; what the server echoed)
 * @error: (nullable): on failure, why; the record was not written
 * @refused: (nullable) (element-type ConcordFieldRefusal): on success, the
 *   fields of the change the app refused for good (a retry would fail
 *   again); every other field was written
 *
 * One result per input of a batch: a batch can partly fail, and so can
 * one change, field by field.
 */
typedef struct
{
  guint          index;
  ConcordRecord *record;
  GError        *error;
  GPtrArray     *refused;
} ConcordWriteResult;

ConcordWriteResult *concord_write_result_new_ok    (guint               index,
                                                    ConcordRecord      *record);
ConcordWriteResult *concord_write_result_new_error (guint               index,
                                                    GError             *error);
void                concord_write_result_add_refused (ConcordWriteResult *result,
                                                      const char         *key,
                                                      const char         *reason);
void                concord_write_result_free      (ConcordWriteResult *result);

#define CONCORD_TYPE_CONNECTOR (concord_connector_get_type ())

G_DECLARE_DERIVABLE_TYPE (ConcordConnector, concord_connector, CONCORD, CONNECTOR, GObject)

/**
 * ConcordConnectorClass:
 * @get_app_id: stable id of the app, e.g. elasticemail
 * @get_app_name: display name of the app
 * @get_flags: capabilities
 * @get_max_batch: the largest batch create_async()/update_async() accept
 * @list_contact_types: (element-type ConcordContactType) (transfer full)
 * @load_schema_async: the field specs of a contact type (may ask the app for
 *   its custom fields)
 * @list_async: one page of records (see #ConcordPage); @cursor NULL for a
 *   full listing, @page_token NULL for the first page
 * @fetch_async: records by remote id; ids that do not exist are left out
 * @create_async: create records; results say per record what happened
 * @update_async: apply #ConcordRecordChange<!-- -->s; per-record results
 * @delete_async: optional; remove records by remote id
 * @get_page_size: how many records one page of list_async() holds at most
 *   (what a full listing costs, in requests, for the sync schedule)
 * @get_rate_budget: the requests an hour the app allows one account, as
 *   its documentation says (or a conservative figure where it says
 *   nothing); 0 for an app with no budget (a local one). Automatic
 *   schedules use at most 1 % of it.
 * @watch_changes: optional; start reporting changes made in the app by
 *   emitting #ConcordConnector::changed (on the thread-default main
 *   context of the caller); %FALSE when the app cannot report them
 *
 * The _finish vfuncs are optional: create the task of each async method
 * with concord_connector_task_new(), tagged with the method itself, and the
 * base class's defaults propagate its pointer (or boolean for verify).
 * Write calls gather their per-input results in a #ConcordWriteBatch.
 *
 * Every async method completes on the thread-default main context of the
 * caller (the engine thread) and honours its cancellable. Errors are in the
 * CONCORD_ERROR domain (or G_IO_ERROR for transport) and never contain keys
 * or contact data.
 */
struct _ConcordConnectorClass
{
  GObjectClass parent_class;

  const char           *(*get_app_id)         (ConcordConnector     *self);
  const char           *(*get_app_name)       (ConcordConnector     *self);
  ConcordConnectorFlags (*get_flags)          (ConcordConnector     *self);
  guint                 (*get_max_batch)      (ConcordConnector     *self);
  GPtrArray            *(*list_contact_types) (ConcordConnector     *self);

  void        (*load_schema_async)  (ConcordConnector     *self,
                                     const char           *contact_type,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  GPtrArray  *(*load_schema_finish) (ConcordConnector     *self,
                                     GAsyncResult         *result,
                                     GError              **error);

  void        (*list_async)         (ConcordConnector     *self,
                                     const char           *contact_type,
                                     const char           *cursor,
                                     const char           *page_token,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  ConcordPage*(*list_finish)        (ConcordConnector     *self,
                                     GAsyncResult         *result,
                                     GError              **error);

  void        (*fetch_async)        (ConcordConnector     *self,
                                     const char           *contact_type,
                                     const char * const   *remote_ids,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  GPtrArray  *(*fetch_finish)       (ConcordConnector     *self,
                                     GAsyncResult         *result,
                                     GError              **error);

  void        (*create_async)       (ConcordConnector     *self,
                                     const char           *contact_type,
                                     GPtrArray            *records,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  GPtrArray  *(*create_finish)      (ConcordConnector     *self,
                                     GAsyncResult         *result,
                                     GError              **error);

  void        (*update_async)       (ConcordConnector     *self,
                                     const char           *contact_type,
                                     GPtrArray            *changes,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  GPtrArray  *(*update_finish)      (ConcordConnector     *self,
                                     GAsyncResult         *result,
                                     GError              **error);

  void        (*delete_async)       (ConcordConnector     *self,
                                     const char           *contact_type,
                                     const char * const   *remote_ids,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  GPtrArray  *(*delete_finish)      (ConcordConnector     *self,
                                     GAsyncResult         *result,
                                     GError              **error);

  guint       (*get_page_size)      (ConcordConnector     *self);
  guint       (*get_rate_budget)    (ConcordConnector     *self);
  gboolean    (*watch_changes)      (ConcordConnector     *self);

  /* Optional: the values a list or tag field can hold in the app, when
   * it only accepts those (Elastic Email's lists). */
  void        (*list_choices_async)  (ConcordConnector     *self,
                                      const char           *contact_type,
                                      const char           *field,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
  char      **(*list_choices_finish) (ConcordConnector     *self,
                                      GAsyncResult         *result,
                                      GError              **error);

  /* Optional: checks the credentials with a cheap call to the app. A
   * connector without it has nothing to check (a local one). */
  void        (*verify_async)        (ConcordConnector     *self,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
  gboolean    (*verify_finish)       (ConcordConnector     *self,
                                      GAsyncResult         *result,
                                      GError              **error);

  /* Optional: contact types the app lists only through its API (a
   * mailing tool's audiences). Without it, list_contact_types() answers. */
  void        (*list_contact_types_async)  (ConcordConnector     *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
  GPtrArray  *(*list_contact_types_finish) (ConcordConnector     *self,
                                            GAsyncResult         *result,
                                            GError              **error);

  /* Optional: whether @name, as a person gave it (the command line's
   * ACCOUNT:TYPE), names @type, one of the types this connector listed.
   * The default: its id, or its label without regard to case. An app
   * whose types are also named otherwise (an address book's path, a
   * folder's) chains up and adds its own ways. */
  gboolean    (*type_matches)              (ConcordConnector         *self,
                                            const ConcordContactType *type,
                                            const char               *name);
};

const char            *concord_connector_get_app_id         (ConcordConnector     *self);
const char            *concord_connector_get_app_name       (ConcordConnector     *self);
ConcordConnectorFlags  concord_connector_get_flags          (ConcordConnector     *self);
guint                  concord_connector_get_max_batch      (ConcordConnector     *self);
GPtrArray             *concord_connector_list_contact_types (ConcordConnector     *self);
void                   concord_connector_list_contact_types_async  (ConcordConnector     *self,
                                                                    GCancellable         *cancellable,
                                                                    GAsyncReadyCallback   callback,
                                                                    gpointer              user_data);
GPtrArray             *concord_connector_list_contact_types_finish (ConcordConnector     *self,
                                                                    GAsyncResult         *result,
                                                                    GError              **error);
GPtrArray             *concord_connector_list_contact_types_sync   (ConcordConnector     *self,
                                                                    GCancellable         *cancellable,
                                                                    GError              **error);
gboolean               concord_connector_type_matches       (ConcordConnector         *self,
                                                             const ConcordContactType *type,
                                                             const char               *name);
guint                  concord_connector_get_page_size      (ConcordConnector     *self);
guint                  concord_connector_get_rate_budget    (ConcordConnector     *self);
gboolean               concord_connector_watch_changes      (ConcordConnector     *self);
void                   concord_connector_emit_changed       (ConcordConnector     *self);

GTask                 *concord_connector_task_new           (ConcordConnector     *self,
                                                             gpointer              source_tag,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);

void        concord_connector_load_schema_async  (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray  *concord_connector_load_schema_finish (ConcordConnector     *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
GPtrArray  *concord_connector_load_schema_sync   (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
void        concord_connector_list_async         (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  const char           *cursor,
                                                  const char           *page_token,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
ConcordPage*concord_connector_list_finish        (ConcordConnector     *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void        concord_connector_fetch_async        (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  const char * const   *remote_ids,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray  *concord_connector_fetch_finish       (ConcordConnector     *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void        concord_connector_create_async       (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  GPtrArray            *records,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray  *concord_connector_create_finish      (ConcordConnector     *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void        concord_connector_update_async       (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  GPtrArray            *changes,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray  *concord_connector_update_finish      (ConcordConnector     *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void        concord_connector_delete_async       (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  const char * const   *remote_ids,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray  *concord_connector_delete_finish      (ConcordConnector     *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void        concord_connector_list_choices_async (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  const char           *field,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
char      **concord_connector_list_choices_finish (ConcordConnector    *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
char      **concord_connector_list_choices_sync  (ConcordConnector     *self,
                                                  const char           *contact_type,
                                                  const char           *field,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
void        concord_connector_verify_async       (ConcordConnector     *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean    concord_connector_verify_finish      (ConcordConnector     *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordPage, concord_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordRecordChange, concord_record_change_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordWriteResult, concord_write_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordContactType, concord_contact_type_free)

G_END_DECLS
