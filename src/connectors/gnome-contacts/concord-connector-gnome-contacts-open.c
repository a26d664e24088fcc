/* concord-connector-gnome-contacts-open.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Reaching GNOME Contacts' address books (see
 * concord-connector-gnome-contacts.c): deadlines on calls to the service,
 * the source registry and a connected client for a book, and the live
 * view of a book that tells what changed and when.
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

static void schedule_changed (ConcordConnectorGnomeContacts *self);
static void on_backend_died_cb (EClient  *client,
                                gpointer  user_data);

/* ------------------------------------------------------------------------- */
/* Deadlines: a call to the service that does not answer in time fails      */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GCancellable *inner;     /* (owned) what the call is given */
  GCancellable *outer;     /* (owned) (nullable) the caller's */
  gulong        outer_id;
  GSource      *timer;     /* (owned) */
  gboolean      timed_out;
} Deadline;

static gboolean
on_deadline_timeout_cb (gpointer data)
{
  Deadline *deadline = data;

  deadline->timed_out = TRUE;
  g_cancellable_cancel (deadline->inner);
  return G_SOURCE_REMOVE;
}

static void
on_outer_cancelled_cb (GCancellable *outer,
                       gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static Deadline *
deadline_new (GCancellable *outer,
              guint         seconds)
{
  Deadline *deadline = g_new0 (Deadline, 1);

  deadline->inner = g_cancellable_new ();
  if (outer != NULL)
    {
      deadline->outer = g_object_ref (outer);
      deadline->outer_id = g_cancellable_connect (outer, G_CALLBACK (on_outer_cancelled_cb),
                                                  g_object_ref (deadline->inner),
                                                  g_object_unref);
    }
  deadline->timer = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (deadline->timer, on_deadline_timeout_cb, deadline, NULL);
  g_source_attach (deadline->timer, g_main_context_get_thread_default ());

  return deadline;
}

/* Ends @deadline; with @error set, says whether it timed out (then @error
 * becomes "not available"). */
static void
deadline_finish (Deadline  *deadline,
                 GError   **error)
{
  g_source_destroy (deadline->timer);
  g_source_unref (deadline->timer);
  if (deadline->outer != NULL)
    {
      g_cancellable_disconnect (deadline->outer, deadline->outer_id);
      g_object_unref (deadline->outer);
    }
  if (error != NULL && *error != NULL && deadline->timed_out)
    {
      g_clear_error (error);
      *error = _concord_gnome_contacts_new_unavailable_error ();
    }
  g_object_unref (deadline->inner);
  g_free (deadline);
}

/* ------------------------------------------------------------------------- */
/* Reaching an address book: the registry, then a client                     */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char     *type;       /* (owned) the source UID asked for */
  Deadline *deadline;   /* (nullable) of the step under way */
} OpenCall;

static void
open_call_free (OpenCall *call)
{
  g_free (call->type);
  g_free (call);
}

static void open_book_connect (GTask *task);

static void
on_registry_ready_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorGnomeContacts *self = g_task_get_source_object (task);
  OpenCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  ESourceRegistry *registry = e_source_registry_new_finish (result, &error);

  deadline_finish (g_steal_pointer (&call->deadline), &error);
  if (registry == NULL)
    {
      g_task_return_error (task, _concord_gnome_contacts_translate_error (error, "Opening the address books"));
      return;
    }

  /* Two first calls at once: the one finishing first is kept. */
  if (self->registry == NULL)
    self->registry = registry;
  else
    g_object_unref (registry);

  if (call->type != NULL)
    open_book_connect (g_steal_pointer (&task));
  else
    g_task_return_pointer (task, NULL, NULL);
}

/* The registry's service answers: e_source_registry_new() itself would
 * succeed without it, as an empty registry, on a desktop without EDS. */
static void
on_registry_service_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  OpenCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      deadline_finish (g_steal_pointer (&call->deadline), &error);
      g_task_return_error (task, _concord_gnome_contacts_translate_error (error, "Starting the address book service"));
      g_object_unref (task);
      return;
    }

  e_source_registry_new (call->deadline->inner, on_registry_ready_cb, task);
}

static void
on_session_bus_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  OpenCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);

  if (bus == NULL)
    {
      deadline_finish (g_steal_pointer (&call->deadline), &error);
      g_task_return_error (task, _concord_gnome_contacts_translate_error (error, "Reaching the session bus"));
      g_object_unref (task);
      return;
    }

  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "StartServiceByName",
                          g_variant_new ("(su)", SOURCES_SERVICE, 0), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, call->deadline->inner,
                          on_registry_service_cb, task);
}

static void
on_client_ready_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorGnomeContacts *self = g_task_get_source_object (task);
  OpenCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  EClient *client = e_book_client_connect_finish (result, &error);
  ConcordGnomeContactsBook *book;

  deadline_finish (g_steal_pointer (&call->deadline), &error);
  if (client == NULL)
    {
      g_task_return_error (task, _concord_gnome_contacts_translate_error (error, "Opening the address book"));
      return;
    }

  book = g_hash_table_lookup (self->books, call->type);
  if (book == NULL)
    {
      book = _concord_gnome_contacts_book_new (self, call->type);
      g_hash_table_insert (self->books, g_strdup (call->type), book);
    }
  if (book->client == NULL)
    {
      book->client = E_BOOK_CLIENT (client);
      g_signal_connect (book->client, "backend-died", G_CALLBACK (on_backend_died_cb), book);
    }
  else
    g_object_unref (client);

  if (self->watching)
    _concord_gnome_contacts_start_view (book);

  g_task_return_pointer (task, book, NULL);
}

/* The address book @type names: its source's UID, or else the display
 * name of exactly one enabled address book, compared without case (what
 * people type: `concord-cli connection add --b CONTACTS:Personal`). */
static ESource *
find_address_book (ESourceRegistry *registry,
                   const char      *type)
{
  g_autoptr(ESource) source = e_source_registry_ref_source (registry, type);
  g_autofree char *folded = NULL;
  ESource *found = NULL;
  GList *sources;
  guint n = 0;

  if (source != NULL && e_source_has_extension (source, E_SOURCE_EXTENSION_ADDRESS_BOOK))
    return g_steal_pointer (&source);

  folded = g_utf8_casefold (type, -1);
  sources = e_source_registry_list_enabled (registry, E_SOURCE_EXTENSION_ADDRESS_BOOK);
  for (GList *l = sources; l != NULL; l = l->next)
    {
      g_autofree char *name = g_utf8_casefold (e_source_get_display_name (l->data), -1);

      if (g_str_equal (name, folded) && n++ == 0)
        found = g_object_ref (l->data);
    }
  g_list_free_full (sources, g_object_unref);

  if (n != 1)
    g_clear_object (&found);
  return found;
}

/* The book's backend went away (EDS restarted, or crashed): the next call
 * connects again, and a run soon does that call, so that changes made
 * meanwhile are read and watching resumes. */
static void
on_backend_died_cb (EClient  *client,
                    gpointer  user_data)
{
  ConcordGnomeContactsBook *book = user_data;

  g_message ("%s: the address book service stopped; connecting again", APP_NAME);
  g_signal_handlers_disconnect_by_data (client, book);
  if (book->view != NULL)
    g_signal_handlers_disconnect_by_data (book->view, book);
  g_clear_object (&book->view);
  book->view_starting = FALSE;
  g_clear_object (&book->client);
  g_hash_table_remove_all (book->writing);
  book->adding = 0;
  _concord_gnome_contacts_book_forget_log (book);
  if (book->self->watching)
    schedule_changed (book->self);
}

static void
open_book_connect (GTask *task)
{
  ConcordConnectorGnomeContacts *self = g_task_get_source_object (task);
  OpenCall *call = g_task_get_task_data (task);
  g_autoptr(ESource) source = NULL;
  ConcordGnomeContactsBook *book = g_hash_table_lookup (self->books, call->type);

  if (book != NULL && book->client != NULL)
    {
      if (self->watching)
        _concord_gnome_contacts_start_view (book);
      g_task_return_pointer (task, book, NULL);
      g_object_unref (task);
      return;
    }

  source = find_address_book (self->registry, call->type);
  if (source == NULL)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "GNOME Contacts has no address book “%s”", call->type);
      g_object_unref (task);
      return;
    }

  /* The deadline covers a factory that never answers at all. */
  call->deadline = deadline_new (g_task_get_cancellable (task), self->timeout_s);
  e_book_client_connect (source, MIN (CONNECT_WAIT_S, self->timeout_s), call->deadline->inner,
                         on_client_ready_cb, task);
}

/* Gets the registry (@type NULL), or the book of @type, connected. */
void
_concord_gnome_contacts_open_book_async (ConcordConnectorGnomeContacts *self,
                                         const char                    *type,
                                         GCancellable                  *cancellable,
                                         GAsyncReadyCallback            callback,
                                         gpointer                       user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  OpenCall *call = g_new0 (OpenCall, 1);

  g_task_set_source_tag (task, _concord_gnome_contacts_open_book_async);
  call->type = g_strdup (type);
  g_task_set_task_data (task, call, (GDestroyNotify) open_call_free);

  if (self->registry != NULL)
    {
      if (type != NULL)
        open_book_connect (task);
      else
        {
          g_task_return_pointer (task, NULL, NULL);
          g_object_unref (task);
        }
      return;
    }

  call->deadline = deadline_new (cancellable, self->timeout_s);
  g_bus_get (G_BUS_TYPE_SESSION, call->deadline->inner, on_session_bus_cb, task);
}

ConcordGnomeContactsBook *
_concord_gnome_contacts_open_book_finish (ConcordConnectorGnomeContacts  *self,
                                          GAsyncResult                   *result,
                                          GError                        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _concord_gnome_contacts_open_book_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Live changes                                                              */
/* ------------------------------------------------------------------------- */

static gboolean
on_debounce_cb (gpointer data)
{
  ConcordConnectorGnomeContacts *self = data;

  g_clear_pointer (&self->debounce, g_source_unref);
  concord_connector_emit_changed (CONCORD_CONNECTOR (self));
  return G_SOURCE_REMOVE;
}

static void
schedule_changed (ConcordConnectorGnomeContacts *self)
{
  if (self->debounce != NULL || self->watch_context == NULL)
    return;

  self->debounce = g_timeout_source_new (self->debounce_ms);
  g_source_set_callback (self->debounce, on_debounce_cb, self, NULL);
  g_source_attach (self->debounce, self->watch_context);
}

/* Whether @contact is the very card Concord's last write of it left: then
 * its notification is surely an echo. (Not the REV: EDS stamps it to the
 * second, and an edit in the second after Concord's would pass.) */
gboolean
_concord_gnome_contacts_is_own_card (ConcordGnomeContactsBook *book,
                                     EContact                 *contact)
{
  const char *uid = e_contact_get_const (contact, E_CONTACT_UID);
  g_autofree char *text = NULL;
  const char *own;

  own = uid != NULL ? g_hash_table_lookup (book->own_cards, uid) : NULL;
  if (own == NULL)
    return FALSE;
  text = e_vcard_to_string (E_VCARD (contact), EVC_FORMAT_VCARD_30);
  if (g_str_equal (own, text))
    return TRUE;

  g_debug ("View: a contact Concord wrote changed since (%zu bytes, then %zu)",
           strlen (text), strlen (own));
  return FALSE;
}

/* Whether @contact's notification is taken for the echo of a write of
 * Concord's: its card is the one the write left, or a write of it is in
 * flight (an edit someone makes in those milliseconds is not announced,
 * but the view's log keeps it for the next incremental listing). */
static gboolean
is_echo (ConcordGnomeContactsBook *book,
         EContact                 *contact)
{
  const char *uid = e_contact_get_const (contact, E_CONTACT_UID);

  return uid != NULL && (g_hash_table_contains (book->writing, uid) || _concord_gnome_contacts_is_own_card (book, contact));
}

static void
on_view_objects_added_cb (EBookClientView *view,
                          const GSList    *contacts,
                          gpointer         user_data)
{
  ConcordGnomeContactsBook *book = user_data;
  gboolean changed = FALSE;

  book->seq++;
  for (const GSList *l = contacts; l != NULL; l = l->next)
    if (!_concord_gnome_contacts_is_own_card (book, l->data))
      _concord_gnome_contacts_book_log (book, e_contact_get_const (l->data, E_CONTACT_UID), FALSE);

  /* A contact Concord added, whatever the order of EDS's answer and this
   * notification. */
  for (const GSList *l = contacts; l != NULL && !changed; l = l->next)
    {
      const char *uid = e_contact_get_const (l->data, E_CONTACT_UID);

      changed = book->adding == 0 && !is_echo (book, l->data) &&
                (uid == NULL || !g_hash_table_contains (book->own_cards, uid));
    }

  g_debug ("View: %u added, %s", g_slist_length ((GSList *) contacts),
           changed ? "a change" : "echoes");
  if (changed)
    schedule_changed (book->self);
}

static void
on_view_objects_modified_cb (EBookClientView *view,
                             const GSList    *contacts,
                             gpointer         user_data)
{
  ConcordGnomeContactsBook *book = user_data;
  gboolean changed = FALSE;

  book->seq++;
  for (const GSList *l = contacts; l != NULL; l = l->next)
    {
      if (!_concord_gnome_contacts_is_own_card (book, l->data))
        _concord_gnome_contacts_book_log (book, e_contact_get_const (l->data, E_CONTACT_UID), FALSE);
      changed |= !is_echo (book, l->data);
    }

  g_debug ("View: %u modified, %s", g_slist_length ((GSList *) contacts),
           changed ? "a change" : "echoes");
  if (changed)
    schedule_changed (book->self);
}

static void
on_view_objects_removed_cb (EBookClientView *view,
                            const GSList    *uids,
                            gpointer         user_data)
{
  ConcordGnomeContactsBook *book = user_data;
  gboolean changed = FALSE;

  book->seq++;
  for (const GSList *l = uids; l != NULL; l = l->next)
    {
      _concord_gnome_contacts_book_log (book, l->data, TRUE);
      if (!g_hash_table_remove (book->removed, l->data) &&
          !g_hash_table_contains (book->writing, l->data))
        changed = TRUE;
    }

  g_debug ("View: %u removed, %s", g_slist_length ((GSList *) uids),
           changed ? "a change" : "echoes");
  if (changed)
    schedule_changed (book->self);
}

/* The view runs in EDS: from now on it tells of every change, so listings
 * can be incremental from a cursor of this epoch. */
static void
on_view_complete_cb (EBookClientView *view,
                     const GError    *error,
                     gpointer         user_data)
{
  ConcordGnomeContactsBook *book = user_data;

  if (error != NULL || book->epoch != NULL)
    return;
  book->epoch = g_uuid_string_random ();
  book->seq = 0;
  g_debug ("An address book's view is ready");
}

static void
on_view_ready_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ConcordConnectorGnomeContacts) self = user_data;
  g_autoptr(GError) error = NULL;
  EBookClientView *view = NULL;
  GHashTableIter iter;
  ConcordGnomeContactsBook *book = NULL;
  gpointer value;

  if (!e_book_client_get_view_finish (E_BOOK_CLIENT (object), result, &view, &error))
    {
      g_autoptr(GError) translated = _concord_gnome_contacts_translate_error (error, "Watching an address book");

      g_message ("%s: cannot watch an address book for changes: %s", APP_NAME,
                 translated->message);
    }

  /* The book of this client, if the connector still has it (and its
   * backend did not die meanwhile). */
  g_hash_table_iter_init (&iter, self->books);
  while (book == NULL && g_hash_table_iter_next (&iter, NULL, &value))
    if (((ConcordGnomeContactsBook *) value)->client == E_BOOK_CLIENT (object))
      book = value;

  if (book == NULL)
    {
      g_clear_object (&view);
      return;
    }

  /* Without a view, the next call on this book tries again. */
  book->view_starting = FALSE;
  if (view == NULL)
    return;
  book->view = view;

  /* No initial flood of every contact; whole cards, to tell echoes. */
  e_book_client_view_set_flags (view, E_BOOK_CLIENT_VIEW_FLAGS_NONE, NULL);
  g_signal_connect (view, "objects-added", G_CALLBACK (on_view_objects_added_cb), book);
  g_signal_connect (view, "objects-modified", G_CALLBACK (on_view_objects_modified_cb), book);
  g_signal_connect (view, "objects-removed", G_CALLBACK (on_view_objects_removed_cb), book);
  g_signal_connect (view, "complete", G_CALLBACK (on_view_complete_cb), book);
  e_book_client_view_start (view, &error);
  if (error != NULL)
    g_debug ("Starting a view failed: %s", error->message);
  else
    g_debug ("Watching an address book");
}

void
_concord_gnome_contacts_start_view (ConcordGnomeContactsBook *book)
{
  g_autofree char *sexp = NULL;

  if (book->client == NULL || book->view != NULL || book->view_starting)
    return;

  book->view_starting = TRUE;
  sexp = _concord_gnome_contacts_query_all ();
  e_book_client_get_view (book->client, sexp, NULL, on_view_ready_cb, g_object_ref (book->self));
}
