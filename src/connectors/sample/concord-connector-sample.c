/* concord-connector-sample.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Sample CRM: a pretend CRM for the sandbox demo ("Try with sample
 * data"), so Concord can show a real two-way sync on a machine without an
 * account anywhere. It behaves like an app's API, not like a test double:
 * it wants its key, assigns ids, versions and modification times, refuses
 * what a CRM would refuse (no email, an unknown or read-only field, a value
 * that is not one of a choice field's choices), pages its listings and caps
 * its batches. It has two contact types, "people" and "leads", with the same
 * fields.
 *
 * Storage. One JSON file (the account's option "path"), read and written by
 * ConcordFileConnector: lazily on the first call, again whenever its bytes
 * change (so two connectors on one file, the engine's and one made to check
 * a key, never undo each other's writes, and a person may edit the file
 * between runs), and written whole, atomically, after every write batch that
 * changed something. A batch whose file cannot be written fails as a whole,
 * and the connector forgets what it held, to read the file again. A missing
 * file is an empty CRM; the first write creates it.
 *
 * The file:
 *
 *   { "format": "concord-sample-crm", "next_id": 301, "last_version": 590,
 *     "people": [ { "id": "person-1", "version": 12,
 *                   "created": "2024-03-01T09:30:00Z", "modified": "…",
 *                   "fields": { "email": "Zoe.Mueller@…", "first_name": "Zoë",
 *                               "tags": ["vip"], "custom:Deals won": 3 } } ],
 *     "leads": [ … ] }
 *
 * Values are strings, numbers for number fields and arrays of strings for
 * tags. They are kept as written (an email with its capitals and a stray
 * space, a phone number with its spaces) and normalised when read, as
 * Concord normalises every app's values. created_at and updated_at are the
 * record's "created" and "modified", so read-only.
 *
 * The I/O is synchronous, on the caller's thread (the engine's): the file is
 * a few hundred kilobytes at most and takes a millisecond or two, which
 * keeps the state free of locks. Results still arrive through GTask, never
 * inside the call.
 *
 * Every listing is complete (there is no "changed since" filter; the engine
 * compares what it lists by hash).
 *
 * Changes. ConcordFileConnector watches the file once asked, and reports
 * only bytes that differ from the connector's own.
 *
 * Cost. Pages of PAGE_SIZE records, and no rate budget: the file is on
 * this computer (the base's default). Records are immutable once stored: a
 * change stores a new record in the old one's place.
 */

#define G_LOG_DOMAIN "concord-connector-sample"

#include "config.h"

#include <string.h>

#include "concord-connector-sample-private.h"
#include "concord-error.h"
#include "concord-write-batch.h"

const ConcordSampleBookInfo _concord_sample_book_infos[CONCORD_SAMPLE_N_BOOKS] = {
  { CONCORD_SAMPLE_CRM_PEOPLE, "People", "person" },
  { CONCORD_SAMPLE_CRM_LEADS, "Leads", "lead" },
};

static const char *lifecycle_choices[] = { "Lead", "Customer", "Churned", NULL };

const ConcordSampleField _concord_sample_fields[CONCORD_SAMPLE_N_FIELDS] = {
  { CONCORD_FIELD_EMAIL, NULL, CONCORD_FIELD_TYPE_EMAIL, FALSE },
  { CONCORD_FIELD_FIRST_NAME, NULL, CONCORD_FIELD_TYPE_STRING, FALSE },
  { CONCORD_FIELD_LAST_NAME, NULL, CONCORD_FIELD_TYPE_STRING, FALSE },
  { CONCORD_FIELD_PHONE, NULL, CONCORD_FIELD_TYPE_PHONE, FALSE },
  { CONCORD_FIELD_MOBILE, NULL, CONCORD_FIELD_TYPE_PHONE, FALSE },
  { CONCORD_FIELD_COMPANY, NULL, CONCORD_FIELD_TYPE_STRING, FALSE },
  { CONCORD_FIELD_JOB_TITLE, NULL, CONCORD_FIELD_TYPE_STRING, FALSE },
  { CONCORD_FIELD_ADDRESS_CITY, NULL, CONCORD_FIELD_TYPE_STRING, FALSE },
  { CONCORD_FIELD_ADDRESS_COUNTRY, NULL, CONCORD_FIELD_TYPE_STRING, FALSE },
  { CONCORD_FIELD_TAGS, NULL, CONCORD_FIELD_TYPE_STRING_SET, FALSE },
  { CONCORD_SAMPLE_CRM_LIFECYCLE, "Lifecycle stage", CONCORD_FIELD_TYPE_ENUM, FALSE },
  { CONCORD_SAMPLE_CRM_DEALS_WON, "Deals won", CONCORD_FIELD_TYPE_NUMBER, FALSE },
  { CONCORD_FIELD_CREATED_AT, NULL, CONCORD_FIELD_TYPE_DATETIME, TRUE },
  { CONCORD_FIELD_UPDATED_AT, NULL, CONCORD_FIELD_TYPE_DATETIME, TRUE },
};

G_DEFINE_FINAL_TYPE (ConcordConnectorSample, concord_connector_sample, CONCORD_TYPE_FILE_CONNECTOR)

static void sample_verify_async_impl (ConcordConnector    *connector,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);

/* ------------------------------------------------------------------------- */
/* Fields                                                                    */
/* ------------------------------------------------------------------------- */

const ConcordSampleField *
_concord_sample_lookup_field (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (_concord_sample_fields); i++)
    if (g_str_equal (_concord_sample_fields[i].key, key))
      return &_concord_sample_fields[i];

  return NULL;
}

static const char *
field_label (const ConcordSampleField *field)
{
  return field->label != NULL ? field->label : concord_fields_lookup (field->key)->label;
}

static GPtrArray *
build_schema (void)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  for (guint i = 0; i < G_N_ELEMENTS (_concord_sample_fields); i++)
    {
      const ConcordSampleField *field = &_concord_sample_fields[i];
      ConcordFieldSpec *spec;

      if (field->label == NULL)
        spec = concord_field_spec_copy (concord_fields_lookup (field->key));
      else
        spec = concord_field_spec_new (field->key, field->label, field->type, field->read_only);

      spec->read_only = field->read_only;
      if (field->type == CONCORD_FIELD_TYPE_ENUM)
        {
          g_strfreev (spec->choices);
          spec->choices = g_strdupv ((char **) lifecycle_choices);
        }
      g_ptr_array_add (specs, spec);
    }

  return specs;
}

/* The choice @text stands for (compared without case), or NULL. */
const char *
_concord_sample_lookup_choice (const char *text)
{
  for (guint i = 0; lifecycle_choices[i] != NULL; i++)
    if (g_ascii_strcasecmp (lifecycle_choices[i], text) == 0)
      return lifecycle_choices[i];

  return NULL;
}

/* Stores @value as field @field of @record, the way the CRM keeps it: a
 * text in the field's own type, a choice spelt as the choice. Refuses a
 * value of the wrong kind. Error messages name the field, never the value
 * (it is contact data). */
gboolean
_concord_sample_set_field (ConcordRecord             *record,
                           const ConcordSampleField  *field,
                           const ConcordValue        *value,
                           GError                   **error)
{
  if (CONCORD_FIELD_TYPE_IS_TEXT (field->type) && CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    {
      const char *text = value->v.text;

      if (field->type == CONCORD_FIELD_TYPE_ENUM)
        {
          text = _concord_sample_lookup_choice (value->v.text);
          if (text == NULL)
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "The value of “%s” is not one of its choices", field_label (field));
              return FALSE;
            }
        }

      if (!concord_record_set_text (record, field->key, field->type, text))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "The value of “%s” is not a %s", field_label (field),
                       concord_field_type_to_string (field->type));
          return FALSE;
        }
      return TRUE;
    }

  if (field->type == value->type)
    {
      concord_record_set_value (record, field->key, value);
      return TRUE;
    }

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
               "“%s” takes a %s, not a %s", field_label (field),
               concord_field_type_to_string (field->type),
               concord_field_type_to_string (value->type));
  return FALSE;
}

/* Checks that @key may be written, for a create or an update. */
const ConcordSampleField *
_concord_sample_writable_field (const char  *key,
                                GError     **error)
{
  const ConcordSampleField *field = _concord_sample_lookup_field (key);

  if (field == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "The Sample CRM has no field “%s”", key);
      return NULL;
    }

  if (field->read_only)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "“%s” is set by the Sample CRM itself", field_label (field));
      return NULL;
    }

  return field;
}

gboolean
_concord_sample_has_valid_email (const ConcordRecord *record)
{
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);

  return email != NULL && concord_email_is_valid (email);
}

/* ------------------------------------------------------------------------- */
/* Books                                                                     */
/* ------------------------------------------------------------------------- */

void
_concord_sample_book_replace (ConcordSampleBook *book,
                              guint              index,
                              ConcordRecord     *record)
{
  g_assert (index < book->records->len);

  concord_record_unref (g_ptr_array_index (book->records, index));
  g_ptr_array_index (book->records, index) = record;
}

static gint
book_index (const char *contact_type)
{
  for (guint i = 0; i < CONCORD_SAMPLE_N_BOOKS; i++)
    if (g_strcmp0 (_concord_sample_book_infos[i].id, contact_type) == 0)
      return (gint) i;

  return -1;
}

/* ------------------------------------------------------------------------- */
/* Calls                                                                     */
/* ------------------------------------------------------------------------- */

static gboolean
check_key (ConcordConnectorSample  *self,
           GError                 **error)
{
  if (self->api_key == NULL || *self->api_key == '\0')
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_REQUIRED,
                           "The Sample CRM needs an API key");
      return FALSE;
    }

  if (!g_str_equal (self->api_key, CONCORD_SAMPLE_CRM_KEY))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                           "The Sample CRM refused the API key: use the key shown on "
                           "the sandbox page");
      return FALSE;
    }

  return TRUE;
}

/* The start of every call on a contact type: the task is still pending
 * when it returns a book, and has been returned when it returns NULL. */
ConcordSampleBook *
_concord_sample_begin_call (ConcordConnectorSample *self,
                            GTask                  *task,
                            const char             *contact_type)
{
  GError *error = NULL;
  gint b;

  if (g_task_return_error_if_cancelled (task))
    return NULL;

  if (!check_key (self, &error) || !_concord_connector_sample_load (self, &error))
    {
      g_task_return_error (task, error);
      return NULL;
    }

  b = book_index (contact_type);
  if (b < 0)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "The Sample CRM has no contact type “%s”", contact_type);
      return NULL;
    }

  return &self->books[b];
}

void
_concord_sample_set_error_result (ConcordWriteBatch *batch,
                                  guint              index,
                                  GError            *error)
{
  g_prefix_error (&error, "Record %u: ", index);
  concord_write_batch_set_error (batch, index, error);
  g_error_free (error);
}

/* A new id: the next number, or past it when a hand-edited file took it. */
char *
_concord_sample_new_remote_id (ConcordConnectorSample *self,
                               const char             *prefix)
{
  for (;;)
    {
      char *remote_id = g_strdup_printf ("%s-%" G_GUINT64_FORMAT, prefix, self->next_id++);
      gboolean taken = FALSE;

      for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS && !taken; b++)
        taken = _concord_sample_book_find (&self->books[b], remote_id) >= 0;

      if (!taken)
        return remote_id;
      g_free (remote_id);
    }
}

/* What the server does to every record it writes: a version and its time. */
void
_concord_sample_stamp (ConcordConnectorSample *self,
                       ConcordRecord          *record)
{
  char version[32];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_snprintf (version, sizeof version, "%" G_GUINT64_FORMAT, ++self->last_version);
  concord_record_set_version (record, version);
  concord_record_set_modified (record, now);
  concord_record_set_datetime (record, CONCORD_FIELD_UPDATED_AT, now);
}

/* The end of a write call: the file takes the batch, or nothing of it is
 * kept (the file is read again on the next call). */
void
_concord_sample_end_write_call (ConcordConnectorSample *self,
                                ConcordWriteBatch      *batch,
                                gboolean                changed)
{
  GError *error = NULL;

  if (changed && !concord_file_connector_save (CONCORD_FILE_CONNECTOR (self), &error))
    concord_write_batch_fail (batch, error);
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const char *
concord_connector_sample_get_app_id (ConcordConnector *connector)
{
  return CONCORD_SAMPLE_CRM_APP_ID;
}

static const char *
concord_connector_sample_get_app_name (ConcordConnector *connector)
{
  return CONCORD_SAMPLE_CRM_APP_NAME;
}

static ConcordConnectorFlags
concord_connector_sample_get_flags (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_MODIFIED_TIMES;
}

static guint
concord_connector_sample_get_max_batch (ConcordConnector *connector)
{
  return MAX_BATCH;
}

static GPtrArray *
concord_connector_sample_list_contact_types (ConcordConnector *connector)
{
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS; b++)
    g_ptr_array_add (types, concord_contact_type_new (_concord_sample_book_infos[b].id,
                                                      _concord_sample_book_infos[b].label));

  return types;
}

static void
concord_connector_sample_load_schema_async (ConcordConnector    *connector,
                                            const char          *contact_type,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);
  g_autoptr(GTask) task = NULL;

  task = concord_connector_task_new (connector, concord_connector_sample_load_schema_async,
                                     cancellable, callback, user_data);

  if (_concord_sample_begin_call (self, task, contact_type) == NULL)
    return;

  g_task_return_pointer (task, build_schema (), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_sample_list_async (ConcordConnector    *connector,
                                     const char          *contact_type,
                                     const char          *cursor,
                                     const char          *page_token,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordPage) page = NULL;
  guint64 offset = 0;
  ConcordSampleBook *book;

  task = concord_connector_task_new (connector, concord_connector_sample_list_async,
                                     cancellable, callback, user_data);

  book = _concord_sample_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  if (page_token != NULL &&
      !g_ascii_string_to_unsigned (page_token, 10, 0, G_MAXUINT, &offset, NULL))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID, "Invalid page token");
      return;
    }

  page = concord_page_new ();
  for (guint i = (guint) offset; i < book->records->len && page->records->len < PAGE_SIZE; i++)
    g_ptr_array_add (page->records, concord_record_ref (g_ptr_array_index (book->records, i)));

  if (offset + page->records->len < book->records->len)
    page->next_page = g_strdup_printf ("%" G_GUINT64_FORMAT, offset + page->records->len);
  else
    page->complete = TRUE;

  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) concord_page_free);
}

static void
concord_connector_sample_fetch_async (ConcordConnector    *connector,
                                      const char          *contact_type,
                                      const char * const  *remote_ids,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) records = NULL;
  ConcordSampleBook *book;

  task = concord_connector_task_new (connector, concord_connector_sample_fetch_async,
                                     cancellable, callback, user_data);

  book = _concord_sample_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  for (guint i = 0; remote_ids != NULL && remote_ids[i] != NULL; i++)
    {
      gint index = _concord_sample_book_find (book, remote_ids[i]);

      if (index >= 0)
        g_ptr_array_add (records, concord_record_ref (g_ptr_array_index (book->records, index)));
    }

  g_task_return_pointer (task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

/* ------------------------------------------------------------------------- */
/* Cost                                                                      */
/* ------------------------------------------------------------------------- */

static guint
concord_connector_sample_get_page_size (ConcordConnector *connector)
{
  return PAGE_SIZE;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_sample_finalize (GObject *object)
{
  ConcordConnectorSample *self = (ConcordConnectorSample *) object;

  for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS; b++)
    _concord_sample_book_clear (&self->books[b]);
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_clear_pointer (&self->api_key, g_free);

  G_OBJECT_CLASS (concord_connector_sample_parent_class)->finalize (object);
}

static void
concord_connector_sample_class_init (ConcordConnectorSampleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordFileConnectorClass *file_class = CONCORD_FILE_CONNECTOR_CLASS (klass);

  object_class->finalize = concord_connector_sample_finalize;

  file_class->parse = _concord_connector_sample_parse;
  file_class->serialise = _concord_connector_sample_serialise;
  file_class->reset = _concord_connector_sample_reset;

  connector_class->verify_async = sample_verify_async_impl;
  connector_class->get_app_id = concord_connector_sample_get_app_id;
  connector_class->get_app_name = concord_connector_sample_get_app_name;
  connector_class->get_flags = concord_connector_sample_get_flags;
  connector_class->get_max_batch = concord_connector_sample_get_max_batch;
  connector_class->list_contact_types = concord_connector_sample_list_contact_types;
  connector_class->load_schema_async = concord_connector_sample_load_schema_async;
  connector_class->list_async = concord_connector_sample_list_async;
  connector_class->fetch_async = concord_connector_sample_fetch_async;
  connector_class->create_async = concord_connector_sample_create_async;
  connector_class->update_async = concord_connector_sample_update_async;
  connector_class->get_page_size = concord_connector_sample_get_page_size;
}

static void
concord_connector_sample_init (ConcordConnectorSample *self)
{
  for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS; b++)
    _concord_sample_book_init (&self->books[b]);
  self->next_id = 1;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_sample_new:
 * @path: the JSON file the CRM keeps its contacts in; it need not exist
 * @api_key: the key; only %CONCORD_SAMPLE_CRM_KEY is accepted (by every
 *   call, so a wrong one fails the first call with %CONCORD_ERROR_AUTH_FAILED)
 *
 * Nothing is read before the first call.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorSample *
concord_connector_sample_new (const char *path,
                              const char *api_key)
{
  ConcordConnectorSample *self;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (api_key != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_SAMPLE, "path", path, NULL);
  self->api_key = g_strdup (api_key);

  return self;
}

const char *
concord_connector_sample_get_path (ConcordConnectorSample *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR_SAMPLE (self), NULL);

  return concord_file_connector_get_path (CONCORD_FILE_CONNECTOR (self));
}

/**
 * sample_verify_async_impl:
 *
 * Checks the key, and that the CRM's file can be read.
 */
static void
sample_verify_async_impl (ConcordConnector    *connector,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_CONNECTOR_SAMPLE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = concord_connector_task_new (connector, sample_verify_async_impl, cancellable, callback,
                                     user_data);

  if (_concord_sample_begin_call (self, task, CONCORD_SAMPLE_CRM_PEOPLE) != NULL)
    g_task_return_boolean (task, TRUE);
}
