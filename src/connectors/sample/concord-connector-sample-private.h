/* concord-connector-sample-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector-sample.h"
#include "concord-write-batch.h"

G_BEGIN_DECLS

/* Records a page, and a write batch, hold at most */
#define PAGE_SIZE   100
#define MAX_BATCH   50

/* The contact types, each a "book" of records */
typedef struct
{
  const char *id;
  const char *label;
  const char *id_prefix;
} ConcordSampleBookInfo;

#define CONCORD_SAMPLE_N_BOOKS 2

extern const ConcordSampleBookInfo _concord_sample_book_infos[CONCORD_SAMPLE_N_BOOKS];

/* One contact type's records */
typedef struct
{
  GPtrArray  *records;   /* (owned): ConcordRecord (owned), in file order */
  GHashTable *by_id;     /* (owned): remote id (owned) -> index + 1 */
} ConcordSampleBook;

/* The fields, the same for both contact types */
typedef struct
{
  const char       *key;
  const char       *label;     /* custom fields; canonical ones take the vocabulary's */
  ConcordFieldType  type;
  gboolean          read_only;
} ConcordSampleField;

#define CONCORD_SAMPLE_N_FIELDS 14

extern const ConcordSampleField _concord_sample_fields[CONCORD_SAMPLE_N_FIELDS];

struct _ConcordConnectorSample
{
  ConcordFileConnector parent_instance;

  char              *api_key;       /* (owned): wiped in finalize */

  /* The state, as last read from the file or written to it */
  ConcordSampleBook  books[CONCORD_SAMPLE_N_BOOKS];
  guint64            next_id;       /* the next record's number */
  guint64            last_version;  /* the last version given */
};

const ConcordSampleField *_concord_sample_lookup_field      (const char              *key);
const char               *_concord_sample_lookup_choice     (const char              *text);

void                      _concord_sample_book_init         (ConcordSampleBook       *book);
void                      _concord_sample_book_clear        (ConcordSampleBook       *book);
void                      _concord_sample_book_take         (ConcordSampleBook       *book,
                                                             ConcordRecord           *record);
gint                      _concord_sample_book_find         (ConcordSampleBook       *book,
                                                             const char              *remote_id);

/* concord-connector-sample-file.c: the file format */
gboolean                  _concord_connector_sample_parse     (ConcordFileConnector    *connector,
                                                               GBytes                  *bytes,
                                                               GError                 **error);
GBytes                   *_concord_connector_sample_serialise (ConcordFileConnector    *connector,
                                                               GError                 **error);
void                      _concord_connector_sample_reset     (ConcordFileConnector    *connector);
gboolean                  _concord_connector_sample_load      (ConcordConnectorSample  *self,
                                                               GError                 **error);

/* concord-connector-sample.c */
gboolean                  _concord_sample_set_field        (ConcordRecord             *record,
                                                            const ConcordSampleField  *field,
                                                            const ConcordValue        *value,
                                                            GError                   **error);
const ConcordSampleField *_concord_sample_writable_field   (const char  *key,
                                                            GError     **error);
gboolean                  _concord_sample_has_valid_email  (const ConcordRecord *record);
void                      _concord_sample_book_replace     (ConcordSampleBook *book,
                                                            guint              index,
                                                            ConcordRecord     *record);
ConcordSampleBook        *_concord_sample_begin_call       (ConcordConnectorSample *self,
                                                            GTask                  *task,
                                                            const char             *contact_type);
void                      _concord_sample_set_error_result (ConcordWriteBatch *batch,
                                                            guint              index,
                                                            GError            *error);
char                     *_concord_sample_new_remote_id    (ConcordConnectorSample *self,
                                                            const char             *prefix);
void                      _concord_sample_stamp            (ConcordConnectorSample *self,
                                                            ConcordRecord          *record);
void                      _concord_sample_end_write_call   (ConcordConnectorSample *self,
                                                            ConcordWriteBatch      *batch,
                                                            gboolean                changed);

/* concord-connector-sample-write.c */
void concord_connector_sample_create_async (ConcordConnector    *connector,
                                            const char          *contact_type,
                                            GPtrArray           *records,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
void concord_connector_sample_update_async (ConcordConnector    *connector,
                                            const char          *contact_type,
                                            GPtrArray           *changes,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);

G_END_DECLS
