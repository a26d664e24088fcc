/* concord-connector-gnome-contacts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * GNOME Contacts: the address books of Evolution Data Server (EDS), the
 * store GNOME Contacts, Evolution and GNOME Shell's search read and write.
 * A plain ConcordConnector over libebook's EBookClient: nothing to sign in
 * with, no secret, nothing leaves the computer.
 *
 * Contact types. The user's enabled address books (ESourceRegistry, sources
 * with the address-book extension): the id is the source's UID, the label
 * its display name ("Personal" for the built-in one). A type given as a
 * display name (on the command line) finds the one book of that name.
 *
 * Threads. Every call is libebook's async API, started on the caller's
 * thread-default main context (the engine's thread), where libebook also
 * completes it: the engine thread never blocks on D-Bus, and no state here
 * needs a lock. The registry and one EBookClient per address book are made
 * on the first call that needs them and kept.
 *
 * Cards. A contact crosses as its vCard text (e_vcard_to_string(), 3.0) and
 * is read and edited by the shared vCard layer (concord-vcard.h), so
 * Evolution's X-EVOLUTION-* properties and everything Concord does not map
 * keep their bytes. The remote id is the contact's UID, its version the
 * REV EDS stamps on every write (so modification times are reliable). A
 * contact whose card cannot be read is left out of a listing, with a
 * message naming its position and the problem, never its data, and that
 * listing is not complete (the contact is not a deleted one).
 *
 * Listings. A complete one reads the whole book at once and serves it
 * PAGE_SIZE records a page (the page size the connector declares), the
 * read contacts kept until its last page. Complete, unless the cursor is
 * of the book's view as it runs now: then only the contacts the view told
 * were added or changed since (read one by one; the whole book past
 * MAX_INCREMENTAL), and those it told were removed as the page's
 * deleted. A cursor is "EPOCH:SEQ", the epoch made when the view became
 * ready (so a cursor of an earlier run of
 * Concord, or of a view whose backend died, gets a complete listing), and
 * is taken before the listing reads, so a change during it comes again.
 *
 * Writes. A create adds the card built from the record (EDS chooses the
 * UID). An update reads the contact as it is now, applies the change to
 * that card with concord_vcard_apply() and writes it back with its UID; if
 * the contact changed since Concord last read it and one of the change's
 * fields differs between the two cards, the change is not written: a
 * CONFLICT for that record, which the next run reads again and merges —
 * never a blind overwrite. Every write is read back, so the record the
 * engine keeps as the baseline is what EDS stored. A batch goes to EDS in
 * one call (add_contacts, modify_contacts, remove_contacts: one D-Bus call
 * and one transaction), each record on its own only when EDS refuses the
 * batch, so that a refused record fails alone.
 *
 * Live changes. watch_changes() starts a client view on every address book
 * Concord connects to (and on those connected later), with no initial
 * notification. Added, modified and removed contacts emit "changed" after
 * DEFAULT_DEBOUNCE_MS (one emission for a burst), on the context where
 * watching started, and go to the view's log (Listings). Concord's own
 * writes are told apart: while a write to a contact is in flight its
 * notifications announce nothing, and afterwards a notification carrying
 * the very card Concord's write left (or the removal Concord made) is an
 * echo (not the REV: EDS stamps it to the second). An edit someone makes
 * during a write's few milliseconds is not announced, but the log keeps it
 * for the next run. If the book's backend dies (EDS restarted), the book
 * forgets its client, view and log and says "changed": the run that
 * follows connects again, lists everything and watches again.
 *
 * Failures. A desktop without EDS (no registry to activate on the session
 * bus: e_source_registry_new() alone would succeed, empty, so the service
 * is started by name first), or one that does not answer within the
 * timeout, fails the call with CONCORD_ERROR_SERVER, "GNOME Contacts'
 * address book service is not available": no hang, no crash. EDS's own
 * error texts are logged at debug level only (they may quote a contact),
 * and mapped to codes.
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

G_DEFINE_FINAL_TYPE (ConcordConnectorGnomeContacts, concord_connector_gnome_contacts,
                     CONCORD_TYPE_CONNECTOR)

/* ------------------------------------------------------------------------- */
/* Books                                                                     */
/* ------------------------------------------------------------------------- */

ConcordGnomeContactsBook *
_concord_gnome_contacts_book_new (ConcordConnectorGnomeContacts *self,
                                  const char                    *uid)
{
  ConcordGnomeContactsBook *book = g_new0 (ConcordGnomeContactsBook, 1);

  book->self = self;
  book->uid = g_strdup (uid);
  book->cards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  book->writing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  book->own_cards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  book->removed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  book->changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  book->gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return book;
}

static void
book_free (ConcordGnomeContactsBook *book)
{
  if (book->client != NULL)
    g_signal_handlers_disconnect_by_data (book->client, book);
  if (book->view != NULL)
    {
      g_signal_handlers_disconnect_by_data (book->view, book);
      e_book_client_view_stop (book->view, NULL);
    }
  g_clear_object (&book->view);
  g_clear_object (&book->client);
  g_clear_pointer (&book->cards, g_hash_table_unref);
  g_clear_pointer (&book->writing, g_hash_table_unref);
  g_clear_pointer (&book->own_cards, g_hash_table_unref);
  g_clear_pointer (&book->removed, g_hash_table_unref);
  g_clear_pointer (&book->changed, g_hash_table_unref);
  g_clear_pointer (&book->gone, g_hash_table_unref);
  g_clear_pointer (&book->listing, g_ptr_array_unref);
  g_free (book->listing_cursor);
  g_free (book->epoch);
  g_free (book->uid);
  g_free (book);
}

void
_concord_gnome_contacts_book_begin_write (ConcordGnomeContactsBook *book,
                                          const char               *uid)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (book->writing, uid));

  g_hash_table_insert (book->writing, g_strdup (uid), GUINT_TO_POINTER (n + 1));
}

void
_concord_gnome_contacts_book_end_write (ConcordGnomeContactsBook *book,
                                        const char               *uid)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (book->writing, uid));

  if (n <= 1)
    g_hash_table_remove (book->writing, uid);
  else
    g_hash_table_insert (book->writing, g_strdup (uid), GUINT_TO_POINTER (n - 1));
}

/* The view's log: every notification but those surely Concord's own echo
 * (_concord_gnome_contacts_is_own_card()): an incremental listing must never miss an edit, and
 * reading an echo again costs little. */
void
_concord_gnome_contacts_book_log (ConcordGnomeContactsBook *book,
                                  const char               *uid,
                                  gboolean                  removed)
{
  if (book->epoch == NULL || uid == NULL)
    return;

  g_hash_table_insert (removed ? book->gone : book->changed, g_strdup (uid),
                       GUINT_TO_POINTER (book->seq));
  g_hash_table_remove (removed ? book->changed : book->gone, uid);
}

/* The view is gone (its backend died): no cursor of it holds any more. */
void
_concord_gnome_contacts_book_forget_log (ConcordGnomeContactsBook *book)
{
  g_clear_pointer (&book->epoch, g_free);
  book->seq = 0;
  g_hash_table_remove_all (book->changed);
  g_hash_table_remove_all (book->gone);
}

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

/* In English, as every error message: what people read is made from the
 * code (CONCORD_ERROR_SERVER: retried on the next sync). */
GError *
_concord_gnome_contacts_new_unavailable_error (void)
{
  return g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER,
                              "GNOME Contacts’ address book service is not available");
}

/* A CONCORD_ERROR for an error of libebook or D-Bus, in words of ours:
 * EDS's own text may quote a contact, so it only goes to the debug log.
 * Cancellation stays G_IO_ERROR_CANCELLED. */
GError *
_concord_gnome_contacts_translate_error (const GError *error,
                                         const char   *what)
{
  g_debug ("%s failed: %s (%s %d)", what, error->message,
           g_quark_to_string (error->domain), error->code);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, E_CLIENT_ERROR, E_CLIENT_ERROR_CANCELLED))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");

  if (g_error_matches (error, E_BOOK_CLIENT_ERROR, E_BOOK_CLIENT_ERROR_CONTACT_NOT_FOUND))
    return g_error_new (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                        "%s: no such contact in GNOME Contacts", what);

  if (g_error_matches (error, E_BOOK_CLIENT_ERROR, E_BOOK_CLIENT_ERROR_NO_SPACE))
    return g_error_new (CONCORD_ERROR, CONCORD_ERROR_QUOTA,
                        "%s: no space left for GNOME Contacts’ address book", what);

  if (g_error_matches (error, E_CLIENT_ERROR, E_CLIENT_ERROR_PERMISSION_DENIED) ||
      g_error_matches (error, E_CLIENT_ERROR, E_CLIENT_ERROR_NOT_SUPPORTED))
    return g_error_new (CONCORD_ERROR, CONCORD_ERROR_REFUSED,
                        "%s: the address book does not allow it (read-only)", what);

  if (g_error_matches (error, E_CLIENT_ERROR, E_CLIENT_ERROR_INVALID_ARG) ||
      g_error_matches (error, E_BOOK_CLIENT_ERROR, E_BOOK_CLIENT_ERROR_CONTACT_ID_ALREADY_EXISTS))
    return g_error_new (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                        "%s: GNOME Contacts refused the contact", what);

  if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR ||
      g_error_matches (error, E_CLIENT_ERROR, E_CLIENT_ERROR_DBUS_ERROR) ||
      g_error_matches (error, E_CLIENT_ERROR, E_CLIENT_ERROR_REPOSITORY_OFFLINE) ||
      g_error_matches (error, E_CLIENT_ERROR, E_CLIENT_ERROR_BUSY))
    return _concord_gnome_contacts_new_unavailable_error ();

  return g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                      "%s: GNOME Contacts’ address book failed", what);
}

gboolean
_concord_gnome_contacts_is_not_found (const GError *error)
{
  return g_error_matches (error, E_BOOK_CLIENT_ERROR, E_BOOK_CLIENT_ERROR_CONTACT_NOT_FOUND);
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector: what it is                                              */
/* ------------------------------------------------------------------------- */

static const char *
concord_connector_gnome_contacts_get_app_id (ConcordConnector *connector)
{
  return CONCORD_GNOME_CONTACTS_APP_ID;
}

static const char *
concord_connector_gnome_contacts_get_app_name (ConcordConnector *connector)
{
  return APP_NAME;
}

static ConcordConnectorFlags
concord_connector_gnome_contacts_get_flags (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_CAN_DELETE |
         CONCORD_CONNECTOR_MODIFIED_TIMES;
}

static guint
concord_connector_gnome_contacts_get_max_batch (ConcordConnector *connector)
{
  return MAX_BATCH;
}

static guint
concord_connector_gnome_contacts_get_page_size (ConcordConnector *connector)
{
  return PAGE_SIZE;
}

static guint
concord_connector_gnome_contacts_get_rate_budget (ConcordConnector *connector)
{
  return 0;
}

/* ------------------------------------------------------------------------- */
/* Contact types                                                             */
/* ------------------------------------------------------------------------- */

static gint
compare_sources (gconstpointer a,
                 gconstpointer b)
{
  return e_source_compare_by_display_name (E_SOURCE (a), E_SOURCE (b));
}

static void
on_types_registry_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorGnomeContacts *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) types = NULL;
  GList *sources;

  _concord_gnome_contacts_open_book_finish (self, result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
  sources = e_source_registry_list_enabled (self->registry, E_SOURCE_EXTENSION_ADDRESS_BOOK);
  sources = g_list_sort (sources, compare_sources);
  for (GList *l = sources; l != NULL; l = l->next)
    {
      ESource *source = l->data;

      g_ptr_array_add (types, concord_contact_type_new (e_source_get_uid (source),
                                                        e_source_get_display_name (source)));
    }
  g_list_free_full (sources, g_object_unref);

  g_clear_pointer (&self->types, g_ptr_array_unref);
  self->types = g_ptr_array_ref (types);
  g_task_return_pointer (task, g_steal_pointer (&types), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_gnome_contacts_list_contact_types_async (ConcordConnector    *connector,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data)
{
  ConcordConnectorGnomeContacts *self = CONCORD_CONNECTOR_GNOME_CONTACTS (connector);
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_gnome_contacts_list_contact_types_async,
                                            cancellable, callback, user_data);

  _concord_gnome_contacts_open_book_async (self, NULL, cancellable, on_types_registry_cb, task);
}

/* The books last listed (list_contact_types_async() asks EDS). */
static GPtrArray *
concord_connector_gnome_contacts_list_contact_types (ConcordConnector *connector)
{
  ConcordConnectorGnomeContacts *self = CONCORD_CONNECTOR_GNOME_CONTACTS (connector);
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  for (guint i = 0; self->types != NULL && i < self->types->len; i++)
    {
      ConcordContactType *type = g_ptr_array_index (self->types, i);

      g_ptr_array_add (types, concord_contact_type_new (type->id, type->label));
    }
  return types;
}

static void
on_verify_registry_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  _concord_gnome_contacts_open_book_finish (g_task_get_source_object (task), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Nothing to sign in with: checks that the address book service answers. */
static void
concord_connector_gnome_contacts_verify_async (ConcordConnector    *connector,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_gnome_contacts_verify_async,
                                            cancellable, callback, user_data);

  _concord_gnome_contacts_open_book_async (CONCORD_CONNECTOR_GNOME_CONTACTS (connector), NULL, cancellable,
                                           on_verify_registry_cb, task);
}

/* ------------------------------------------------------------------------- */
/* Watching                                                                  */
/* ------------------------------------------------------------------------- */

/* Watches every address book connected now or later (the engine calls this
 * before its first run, so before any book is open). */
static gboolean
concord_connector_gnome_contacts_watch_changes (ConcordConnector *connector)
{
  ConcordConnectorGnomeContacts *self = CONCORD_CONNECTOR_GNOME_CONTACTS (connector);
  GHashTableIter iter;
  gpointer value;

  self->watching = TRUE;
  if (self->watch_context == NULL)
    self->watch_context = g_main_context_ref_thread_default ();

  g_hash_table_iter_init (&iter, self->books);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _concord_gnome_contacts_start_view (value);

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_gnome_contacts_dispose (GObject *object)
{
  ConcordConnectorGnomeContacts *self = (ConcordConnectorGnomeContacts *) object;

  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_clear_pointer (&self->debounce, g_source_unref);
    }
  g_hash_table_remove_all (self->books);
  g_clear_object (&self->registry);
  g_clear_pointer (&self->types, g_ptr_array_unref);
  g_clear_pointer (&self->watch_context, g_main_context_unref);

  G_OBJECT_CLASS (concord_connector_gnome_contacts_parent_class)->dispose (object);
}

static void
concord_connector_gnome_contacts_finalize (GObject *object)
{
  ConcordConnectorGnomeContacts *self = (ConcordConnectorGnomeContacts *) object;

  g_clear_pointer (&self->books, g_hash_table_unref);
  g_free (self->region);

  G_OBJECT_CLASS (concord_connector_gnome_contacts_parent_class)->finalize (object);
}

static void
concord_connector_gnome_contacts_class_init (ConcordConnectorGnomeContactsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_gnome_contacts_dispose;
  object_class->finalize = concord_connector_gnome_contacts_finalize;

  connector_class->get_app_id = concord_connector_gnome_contacts_get_app_id;
  connector_class->get_app_name = concord_connector_gnome_contacts_get_app_name;
  connector_class->get_flags = concord_connector_gnome_contacts_get_flags;
  connector_class->get_max_batch = concord_connector_gnome_contacts_get_max_batch;
  connector_class->get_page_size = concord_connector_gnome_contacts_get_page_size;
  connector_class->get_rate_budget = concord_connector_gnome_contacts_get_rate_budget;
  connector_class->list_contact_types = concord_connector_gnome_contacts_list_contact_types;
  connector_class->list_contact_types_async = concord_connector_gnome_contacts_list_contact_types_async;
  connector_class->verify_async = concord_connector_gnome_contacts_verify_async;
  connector_class->load_schema_async = concord_connector_gnome_contacts_load_schema_async;
  connector_class->list_async = concord_connector_gnome_contacts_list_async;
  connector_class->fetch_async = concord_connector_gnome_contacts_fetch_async;
  connector_class->create_async = concord_connector_gnome_contacts_create_async;
  connector_class->update_async = concord_connector_gnome_contacts_update_async;
  connector_class->delete_async = concord_connector_gnome_contacts_delete_async;
  connector_class->watch_changes = concord_connector_gnome_contacts_watch_changes;
}

static void
concord_connector_gnome_contacts_init (ConcordConnectorGnomeContacts *self)
{
  self->timeout_s = DEFAULT_TIMEOUT_S;
  self->debounce_ms = DEFAULT_DEBOUNCE_MS;
  self->books = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) book_free);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_gnome_contacts_new:
 * @region: (nullable): the ISO 3166 country whose phone numbers are written
 *   without a country code ("GB"); %NULL or "": the locale's
 *
 * Nothing is asked of Evolution Data Server before the first call.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorGnomeContacts *
concord_connector_gnome_contacts_new (const char *region)
{
  ConcordConnectorGnomeContacts *self = g_object_new (CONCORD_TYPE_CONNECTOR_GNOME_CONTACTS,
                                                      NULL);

  if (region != NULL && *region != '\0')
    self->region = g_ascii_strup (region, -1);
  else
    self->region = concord_vcard_default_region ();

  return self;
}

/**
 * concord_connector_gnome_contacts_get_region:
 *
 * Returns: (nullable): the country of phone numbers without a country code
 */
const char *
concord_connector_gnome_contacts_get_region (ConcordConnectorGnomeContacts *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR_GNOME_CONTACTS (self), NULL);

  return self->region;
}

/**
 * concord_connector_gnome_contacts_set_timeout:
 * @seconds: how long a call waits for the address book service (at least 1)
 *
 * For tests: the default is 30 seconds.
 */
void
concord_connector_gnome_contacts_set_timeout (ConcordConnectorGnomeContacts *self,
                                              guint                          seconds)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_GNOME_CONTACTS (self));
  g_return_if_fail (seconds > 0);

  self->timeout_s = seconds;
}

/**
 * concord_connector_gnome_contacts_set_debounce:
 * @milliseconds: how long after a change in an address book "changed" is
 *   emitted (one emission for the changes of that time)
 *
 * For tests: the default is one second.
 */
void
concord_connector_gnome_contacts_set_debounce (ConcordConnectorGnomeContacts *self,
                                               guint                          milliseconds)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_GNOME_CONTACTS (self));

  self->debounce_ms = milliseconds;
}
