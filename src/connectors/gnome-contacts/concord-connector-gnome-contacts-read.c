/* concord-connector-gnome-contacts-read.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Reading GNOME Contacts (see concord-connector-gnome-contacts.c): contacts
 * as cards and records, the schema, full and incremental listings, and
 * fetch by UID.
 */

#define G_LOG_DOMAIN "concord-connector-gnome-contacts"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
/* libedataserver's headers still name GTimeVal (e-flag.h); nothing here
 * uses it. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook/libebook.h>
G_GNUC_END_IGNORE_DEPRECATIONS

#include "concord-connector-gnome-contacts.h"
#include "concord-error.h"
#include "concord-vcard.h"
#include "concord-write-batch.h"
#include "concord-connector-gnome-contacts-private.h"

/* ------------------------------------------------------------------------- */
/* Contacts ↔ cards ↔ records                                                */
/* ------------------------------------------------------------------------- */

char *
_concord_gnome_contacts_query_all (void)
{
  EBookQuery *query = e_book_query_any_field_contains ("");
  char *sexp = e_book_query_to_string (query);

  e_book_query_unref (query);
  return sexp;
}

/* The card of @contact, or NULL with @error set (the error names the line or
 * property at fault, never a value); its text in @text when asked. */
ConcordVCard *
_concord_gnome_contacts_card_from_contact (EContact  *contact,
                                           char     **text,
                                           GError   **error)
{
  g_autofree char *vcard = e_vcard_to_string (E_VCARD (contact), EVC_FORMAT_VCARD_30);
  ConcordVCard *card = concord_vcard_parse (vcard, -1, error);

  if (card != NULL && text != NULL)
    *text = g_steal_pointer (&vcard);
  return card;
}

static ConcordRecord *
record_from_card (ConcordConnectorGnomeContacts *self,
                  const ConcordVCard            *card,
                  EContact                      *contact)
{
  const char *uid = e_contact_get_const (contact, E_CONTACT_UID);
  const char *rev = e_contact_get_const (contact, E_CONTACT_REV);
  ConcordRecord *record = concord_vcard_to_record (card, uid, self->region);

  concord_record_set_remote_id (record, uid);
  if (rev != NULL && *rev != '\0')
    concord_record_set_version (record, rev);

  return record;
}

/* Reads @contact into a record and keeps its card's text in @book as the
 * card last read (the text: a parsed card takes several times its memory,
 * and only a change needs it parsed again); NULL (with a message, no
 * contact data) when it cannot be read, then named in the refused of
 * @page (nullable: a listing's page) for the activity. */
ConcordRecord *
_concord_gnome_contacts_read_contact (ConcordGnomeContactsBook *book,
                                      EContact                 *contact,
                                      guint                     position,
                                      ConcordPage              *page)
{
  const char *uid = e_contact_get_const (contact, E_CONTACT_UID);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordVCard) card = NULL;
  g_autofree char *text = NULL;
  ConcordRecord *record;

  if (uid == NULL || *uid == '\0')
    {
      g_autofree char *where = g_strdup_printf ("contact %u of the address book", position + 1);

      g_message ("%s: skipped contact %u of an address book: it has no UID", APP_NAME, position);
      if (page != NULL)
        concord_page_add_refusal (page, where, "it has no UID");
      return NULL;
    }

  card = _concord_gnome_contacts_card_from_contact (contact, &text, &error);
  if (card == NULL)
    {
      g_message ("%s: skipped contact %u of an address book: %s", APP_NAME, position,
                 error->message);
      if (page != NULL)
        concord_page_add_refusal (page, uid, error->message);
      return NULL;
    }

  record = record_from_card (book->self, card, contact);
  g_hash_table_insert (book->cards, g_strdup (uid), g_steal_pointer (&text));
  return record;
}

/* ------------------------------------------------------------------------- */
/* Reading: schema and listing                                               */
/* ------------------------------------------------------------------------- */

/* One read-back or fetch of a contact by UID, in a group of them. */
typedef struct
{
  GTask   *task;      /* (owned) the call */
  guint    index;     /* of the input */
  char    *uid;       /* (owned) */
} ContactRead;

static ContactRead *
contact_read_new (GTask      *task,
                  guint       index,
                  const char *uid)
{
  ContactRead *read = g_new0 (ContactRead, 1);

  read->task = g_object_ref (task);
  read->index = index;
  read->uid = g_strdup (uid);
  return read;
}

static void
contact_read_free (ContactRead *read)
{
  g_object_unref (read->task);
  g_free (read->uid);
  g_free (read);
}

static void
call_free (ConcordGnomeContactsCall *call)
{
  g_clear_pointer (&call->inputs, g_ptr_array_unref);
  g_free (call->cursor);
  g_free (call->next_cursor);
  g_free (call);
}

static void
on_call_book_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  GError *error = NULL;

  call->book = _concord_gnome_contacts_open_book_finish (CONCORD_CONNECTOR_GNOME_CONTACTS (object), result, &error);
  if (call->book == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  call->next (task);
}

void
_concord_gnome_contacts_begin_call (ConcordConnector    *connector,
                                    gpointer             source_tag,
                                    const char          *contact_type,
                                    GPtrArray           *inputs,
                                    const char          *cursor,
                                    void               (*next) (GTask *task),
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task = concord_connector_task_new (connector, source_tag, cancellable, callback,
                                            user_data);
  ConcordGnomeContactsCall *call = g_new0 (ConcordGnomeContactsCall, 1);

  call->inputs = inputs != NULL ? g_ptr_array_ref (inputs) : NULL;
  call->cursor = g_strdup (cursor);
  call->next = next;
  call->schema = source_tag == (gpointer) concord_connector_gnome_contacts_load_schema_async;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if (contact_type == NULL || *contact_type == '\0')
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "GNOME Contacts needs an address book");
      g_object_unref (task);
      return;
    }

  _concord_gnome_contacts_open_book_async (CONCORD_CONNECTOR_GNOME_CONTACTS (connector), contact_type, cancellable,
                                           on_call_book_cb, task);
}

/* The page of @book's complete listing from @offset: at most PAGE_SIZE
 * records. The last one ends the listing: complete unless a contact could
 * not be read (an unreadable contact is not a deleted one), with the
 * cursor taken before the read. */
static void
return_listing_page (GTask                    *task,
                     ConcordGnomeContactsBook *book,
                     guint                     offset)
{
  g_autoptr(ConcordPage) page = concord_page_new ();
  guint end = MIN (book->listing->len, offset + PAGE_SIZE);

  for (guint i = offset; i < end; i++)
    {
      ConcordRecord *record = _concord_gnome_contacts_read_contact (book, g_ptr_array_index (book->listing, i), i, page);

      if (record != NULL)
        g_ptr_array_add (page->records, record);
      else
        book->listing_skipped = TRUE;
    }

  if (end < book->listing->len)
    page->next_page = g_strdup_printf ("%u:%u", book->listing_generation, end);
  else
    {
      page->complete = !book->listing_skipped;
      page->cursor = g_steal_pointer (&book->listing_cursor);
      g_clear_pointer (&book->listing, g_ptr_array_unref);
    }
  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) concord_page_free);
}

/* A later page of a complete listing (its token in the call's cursor):
 * from the contacts the first page's read brought. */
static void
list_next_page (GTask *task)
{
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  ConcordGnomeContactsBook *book = call->book;
  g_auto(GStrv) parts = g_strsplit (call->cursor, ":", 2);
  guint64 generation = 0, offset = 0;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT, &generation, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT, &offset, NULL) ||
      book->listing == NULL || generation != book->listing_generation ||
      offset == 0 || offset >= book->listing->len)
    g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID, "Invalid page token");
  else
    return_listing_page (task, book, (guint) offset);
  g_object_unref (task);
}

static void
on_contacts_read_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  ConcordGnomeContactsBook *book = call->book;
  g_autoptr(GError) error = NULL;
  GSList *contacts = NULL;

  if (!e_book_client_get_contacts_finish (E_BOOK_CLIENT (object), result, &contacts, &error))
    {
      g_task_return_error (task, _concord_gnome_contacts_translate_error (error, "Listing contacts"));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    {
      g_slist_free_full (contacts, g_object_unref);
      return;
    }

  if (call->schema)
    {
      g_autoptr(GPtrArray) specs = concord_vcard_field_specs ();
      g_autoptr(GHashTable) custom = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            (GDestroyNotify) concord_field_spec_free);
      GHashTableIter iter;
      gpointer value;

      for (GSList *l = contacts; l != NULL; l = l->next)
        {
          g_autoptr(ConcordVCard) card = _concord_gnome_contacts_card_from_contact (l->data, NULL, NULL);

          if (card != NULL)
            concord_vcard_collect_custom (card, custom);
        }

      g_hash_table_iter_init (&iter, custom);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (specs, concord_field_spec_copy (value));
      g_slist_free_full (contacts, g_object_unref);
      g_task_return_pointer (task, g_steal_pointer (&specs), (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  /* A complete listing: the cards last read are these, read into records
   * a page at a time. */
  g_hash_table_remove_all (book->cards);
  g_clear_pointer (&book->listing, g_ptr_array_unref);
  book->listing = g_ptr_array_new_with_free_func (g_object_unref);
  for (GSList *l = contacts; l != NULL; l = l->next)
    g_ptr_array_add (book->listing, l->data);
  g_slist_free (contacts);
  book->listing_generation++;
  g_free (book->listing_cursor);
  book->listing_cursor = g_steal_pointer (&call->next_cursor);
  book->listing_skipped = FALSE;
  return_listing_page (task, book, 0);
}

/* "EPOCH:SEQ": what @book's view has told so far, or NULL while it has no
 * running view (then every listing is complete). */
static char *
book_cursor (ConcordGnomeContactsBook *book)
{
  return book->epoch != NULL ? g_strdup_printf ("%s:%u", book->epoch, book->seq) : NULL;
}

/* The SEQ of @cursor, when it is a cursor of @book's view as it runs now
 * (not of an earlier run of Concord, nor of a view that died since). */
static gboolean
book_parse_cursor (ConcordGnomeContactsBook *book,
                   const char               *cursor,
                   guint                    *seq)
{
  const char *colon = cursor != NULL ? strrchr (cursor, ':') : NULL;
  guint64 value;

  if (colon == NULL || book->epoch == NULL ||
      (gsize) (colon - cursor) != strlen (book->epoch) ||
      strncmp (cursor, book->epoch, colon - cursor) != 0 ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 0, book->seq, &value, NULL))
    return FALSE;

  *seq = (guint) value;
  return TRUE;
}

static void
read_all_contacts (GTask *task)
{
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  g_autofree char *sexp = _concord_gnome_contacts_query_all ();

  /* Taken before the read: a change during it is told again next time. */
  call->next_cursor = book_cursor (call->book);

  e_book_client_get_contacts (call->book->client, sexp, g_task_get_cancellable (task),
                              on_contacts_read_cb, task);
}

/* The contacts of an incremental listing, read one by one. */
typedef struct
{
  GTask       *task;     /* (owned) */
  ConcordPage *page;     /* (owned) */
  guint        pending;
  GError      *error;    /* (owned) (nullable) the first failure */
} ChangedRead;

static void
on_changed_contact_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  ContactRead *read = user_data;
  ConcordGnomeContactsCall *call = g_task_get_task_data (read->task);
  ChangedRead *state = g_object_get_data (G_OBJECT (read->task), "concord-changed");
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordGnomeContactsContactRef) contact = NULL;

  if (e_book_client_get_contact_finish (E_BOOK_CLIENT (object), result, &contact, &error))
    {
      ConcordRecord *record = _concord_gnome_contacts_read_contact (call->book, contact, read->index, state->page);

      if (record != NULL)
        g_ptr_array_add (state->page->records, record);
    }
  else if (_concord_gnome_contacts_is_not_found (error))
    g_ptr_array_add (state->page->deleted, g_strdup (read->uid));
  else if (state->error == NULL)
    state->error = _concord_gnome_contacts_translate_error (error, "Reading a changed contact");

  if (--state->pending == 0)
    {
      if (state->error != NULL)
        g_task_return_error (read->task, g_steal_pointer (&state->error));
      else
        g_task_return_pointer (read->task, g_steal_pointer (&state->page),
                               (GDestroyNotify) concord_page_free);
    }
  contact_read_free (read);
}

static void
changed_read_free (ChangedRead *state)
{
  g_clear_pointer (&state->page, concord_page_free);
  g_clear_error (&state->error);
  g_free (state);
}

/* A listing from a cursor of the running view: the contacts it told were
 * added or changed since (read now), and those it told were removed (the
 * page's deleted). Any other cursor, or none: a complete listing. */
static void
list_contacts (GTask *task)
{
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  ConcordGnomeContactsBook *book = call->book;
  ChangedRead *state;
  GHashTableIter iter;
  gpointer key, value;
  guint since;

  if (!book_parse_cursor (book, call->cursor, &since))
    {
      read_all_contacts (task);
      return;
    }

  /* Many changes (the first sync's own writes, a whole import): one query
   * for all is cheaper than a call for each. */
  {
    guint n_changed = 0;

    g_hash_table_iter_init (&iter, book->changed);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      n_changed += GPOINTER_TO_UINT (value) > since;
    if (n_changed > MAX_INCREMENTAL)
      {
        g_debug ("%u contacts changed: listing them all", n_changed);
        read_all_contacts (task);
        return;
      }
  }

  state = g_new0 (ChangedRead, 1);
  state->page = concord_page_new ();
  state->page->cursor = book_cursor (book);
  g_object_set_data_full (G_OBJECT (task), "concord-changed", state,
                          (GDestroyNotify) changed_read_free);

  g_hash_table_iter_init (&iter, book->gone);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_UINT (value) > since)
      g_ptr_array_add (state->page->deleted, g_strdup (key));

  g_hash_table_iter_init (&iter, book->changed);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_UINT (value) > since)
      {
        state->pending++;
        e_book_client_get_contact (book->client, key, g_task_get_cancellable (task),
                                   on_changed_contact_cb,
                                   contact_read_new (task, state->pending, key));
      }

  if (state->pending == 0)
    g_task_return_pointer (task, g_steal_pointer (&state->page),
                           (GDestroyNotify) concord_page_free);
  g_object_unref (task);
}

void
concord_connector_gnome_contacts_load_schema_async (ConcordConnector    *connector,
                                                    const char          *contact_type,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data)
{
  _concord_gnome_contacts_begin_call (connector, concord_connector_gnome_contacts_load_schema_async, contact_type, NULL,
                                      NULL, read_all_contacts, cancellable, callback, user_data);
}

/* A complete listing reads the whole address book at once (EDS hands its
 * contacts over in one answer anyway) and serves it PAGE_SIZE records a
 * page; a listing from a cursor of the view running now is one page of
 * the changes since (list_contacts()). */
void
concord_connector_gnome_contacts_list_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             const char          *cursor,
                                             const char          *page_token,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  /* A later page's token goes where a first page's cursor would. */
  _concord_gnome_contacts_begin_call (connector, concord_connector_gnome_contacts_list_async, contact_type, NULL,
                                      page_token != NULL ? page_token : cursor,
                                      page_token != NULL ? list_next_page : list_contacts,
                                      cancellable, callback, user_data);
}

/* ------------------------------------------------------------------------- */
/* Fetch                                                                     */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *records;   /* (owned) */
  guint      pending;
  GError    *error;     /* (owned) (nullable) the first failure */
} FetchState;

static void
fetch_state_free (FetchState *state)
{
  g_ptr_array_unref (state->records);
  g_clear_error (&state->error);
  g_free (state);
}

static void
on_fetch_contact_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ContactRead *read = user_data;
  GTask *task = read->task;
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  FetchState *state = g_object_get_data (G_OBJECT (task), "concord-fetch");
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordGnomeContactsContactRef) contact = NULL;

  if (e_book_client_get_contact_finish (E_BOOK_CLIENT (object), result, &contact, &error))
    {
      ConcordRecord *record = _concord_gnome_contacts_read_contact (call->book, contact, read->index, NULL);

      if (record != NULL)
        g_ptr_array_add (state->records, record);
    }
  else if (!_concord_gnome_contacts_is_not_found (error) && state->error == NULL)
    state->error = _concord_gnome_contacts_translate_error (error, "Reading a contact");

  if (--state->pending == 0)
    {
      if (state->error != NULL)
        g_task_return_error (task, g_steal_pointer (&state->error));
      else
        g_task_return_pointer (task, g_ptr_array_ref (state->records),
                               (GDestroyNotify) g_ptr_array_unref);
    }
  contact_read_free (read);
}

static void
fetch_contacts (GTask *task)
{
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  FetchState *state = g_new0 (FetchState, 1);

  state->records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_object_set_data_full (G_OBJECT (task), "concord-fetch", state,
                          (GDestroyNotify) fetch_state_free);

  if (call->inputs->len == 0)
    {
      g_task_return_pointer (task, g_ptr_array_ref (state->records),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  state->pending = call->inputs->len;
  for (guint i = 0; i < call->inputs->len; i++)
    {
      const char *uid = g_ptr_array_index (call->inputs, i);

      e_book_client_get_contact (call->book->client, uid, g_task_get_cancellable (task),
                                 on_fetch_contact_cb, contact_read_new (task, i, uid));
    }
  g_object_unref (task);
}

GPtrArray *
_concord_gnome_contacts_strv_to_array (const char * const *strv)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    g_ptr_array_add (array, g_strdup (strv[i]));
  return array;
}

void
concord_connector_gnome_contacts_fetch_async (ConcordConnector    *connector,
                                              const char          *contact_type,
                                              const char * const  *remote_ids,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  g_autoptr(GPtrArray) ids = _concord_gnome_contacts_strv_to_array (remote_ids);

  _concord_gnome_contacts_begin_call (connector, concord_connector_gnome_contacts_fetch_async, contact_type, ids,
                                      NULL, fetch_contacts, cancellable, callback, user_data);
}
