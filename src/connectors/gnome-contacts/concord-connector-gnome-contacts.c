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

#define APP_NAME            "GNOME Contacts"
#define MAX_BATCH           100
#define PAGE_SIZE           10000
#define DEFAULT_TIMEOUT_S   30
/* How long a new client waits for its backend to say it is online. A local
 * book needs no wait, and a book whose backend never says so (one made
 * while EDS runs, on Debian 12's EDS 3.46) would cost the full wait on
 * every first call: measured 30.0 s with the 30 s libebook's examples
 * use, against 1.0 s with 1 s. A remote book (EDS's own CardDAV or Google
 * backends) answers from its cache meanwhile. */
#define CONNECT_WAIT_S      3
/* The D-Bus name of EDS's source registry (since 3.6; not in its headers). */
#define SOURCES_SERVICE     "org.gnome.evolution.dataserver.Sources5"
#define DEFAULT_DEBOUNCE_MS 1000
/* An incremental listing reads at most this many changed contacts one by
 * one; with more, the whole book in one query. */
#define MAX_INCREMENTAL     200

typedef struct _Book Book;

/* EContact has no autoptr cleanup in libebook 3.46; an alias of ours
 * cannot clash with one a later libebook adds. */
typedef EContact ContactRef;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ContactRef, g_object_unref)

struct _ConcordConnectorGnomeContacts
{
  ConcordConnector  parent_instance;

  char             *region;          /* (owned) (nullable) ISO 3166 code for phone numbers */
  guint             timeout_s;       /* to reach the service */
  guint             debounce_ms;
  ESourceRegistry  *registry;        /* (owned) (nullable) */
  GHashTable       *books;           /* (owned) source UID → Book (owned) */
  GPtrArray        *types;           /* (owned) (nullable) the books last listed */
  gboolean          watching;
  GMainContext     *watch_context;   /* (owned) (nullable) where "changed" is emitted */
  GSource          *debounce;        /* (owned) (nullable) a "changed" to come */
};

/* One address book: its client once connected, its view once watched, and
 * what tells Concord's writes apart from other people's. */
struct _Book
{
  ConcordConnectorGnomeContacts *self;     /* (unowned) it owns the book */
  char                          *uid;      /* (owned) the source's UID */
  EBookClient                   *client;   /* (owned) (nullable) */
  EBookClientView               *view;     /* (owned) (nullable) */
  gboolean                       view_starting;
  GHashTable                    *cards;    /* (owned) contact UID → vCard text as last read */
  GHashTable                    *writing;  /* (owned) contact UID → writes in flight */
  GHashTable                    *own_cards; /* (owned) contact UID → vCard text Concord's write left */
  GHashTable                    *removed;  /* (owned) contact UIDs Concord removed */
  guint                          adding;   /* creates in flight */
  /* What the view told since it was ready, for incremental listings. */
  char                          *epoch;    /* (owned) (nullable) set when the view is ready */
  guint                          seq;      /* notifications since then */
  GHashTable                    *changed;  /* (owned) contact UID → seq it was added or changed */
  GHashTable                    *gone;     /* (owned) contact UID → seq it was removed */
  /* A complete listing, served PAGE_SIZE contacts a page: the contacts
   * its read brought, the cursor its last page ends with. */
  GPtrArray                     *listing;  /* (owned) (nullable) EContact */
  guint                          listing_generation;
  char                          *listing_cursor; /* (owned) (nullable) */
  gboolean                       listing_skipped; /* a contact of it was unreadable */
};

G_DEFINE_FINAL_TYPE (ConcordConnectorGnomeContacts, concord_connector_gnome_contacts,
                     CONCORD_TYPE_CONNECTOR)

static void start_view (Book *book);
static void schedule_changed (ConcordConnectorGnomeContacts *self);
static void on_backend_died_cb (EClient  *client,
                                gpointer  user_data);
static void concord_connector_gnome_contacts_load_schema_async (ConcordConnector    *connector,
                                                                const char          *contact_type,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);

/* ------------------------------------------------------------------------- */
/* Books                                                                     */
/* ------------------------------------------------------------------------- */

static Book *
book_new (ConcordConnectorGnomeContacts *self,
          const char                    *uid)
{
  Book *book = g_new0 (Book, 1);

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
book_free (Book *book)
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

static void
book_begin_write (Book       *book,
                  const char *uid)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (book->writing, uid));

  g_hash_table_insert (book->writing, g_strdup (uid), GUINT_TO_POINTER (n + 1));
}

static void
book_end_write (Book       *book,
                const char *uid)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (book->writing, uid));

  if (n <= 1)
    g_hash_table_remove (book->writing, uid);
  else
    g_hash_table_insert (book->writing, g_strdup (uid), GUINT_TO_POINTER (n - 1));
}

/* The view's log: every notification but those surely Concord's own echo
 * (is_own_card()): an incremental listing must never miss an edit, and
 * reading an echo again costs little. */
static void
book_log (Book       *book,
          const char *uid,
          gboolean    removed)
{
  if (book->epoch == NULL || uid == NULL)
    return;

  g_hash_table_insert (removed ? book->gone : book->changed, g_strdup (uid),
                       GUINT_TO_POINTER (book->seq));
  g_hash_table_remove (removed ? book->changed : book->gone, uid);
}

/* The view is gone (its backend died): no cursor of it holds any more. */
static void
book_forget_log (Book *book)
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
static GError *
new_unavailable_error (void)
{
  return g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER,
                              "GNOME Contacts’ address book service is not available");
}

/* A CONCORD_ERROR for an error of libebook or D-Bus, in words of ours:
 * EDS's own text may quote a contact, so it only goes to the debug log.
 * Cancellation stays G_IO_ERROR_CANCELLED. */
static GError *
translate_error (const GError *error,
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
    return new_unavailable_error ();

  return g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                      "%s: GNOME Contacts’ address book failed", what);
}

static gboolean
is_not_found (const GError *error)
{
  return g_error_matches (error, E_BOOK_CLIENT_ERROR, E_BOOK_CLIENT_ERROR_CONTACT_NOT_FOUND);
}

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
      *error = new_unavailable_error ();
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
      g_task_return_error (task, translate_error (error, "Opening the address books"));
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
      g_task_return_error (task, translate_error (error, "Starting the address book service"));
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
      g_task_return_error (task, translate_error (error, "Reaching the session bus"));
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
  Book *book;

  deadline_finish (g_steal_pointer (&call->deadline), &error);
  if (client == NULL)
    {
      g_task_return_error (task, translate_error (error, "Opening the address book"));
      return;
    }

  book = g_hash_table_lookup (self->books, call->type);
  if (book == NULL)
    {
      book = book_new (self, call->type);
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
    start_view (book);

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
  Book *book = user_data;

  g_message ("%s: the address book service stopped; connecting again", APP_NAME);
  g_signal_handlers_disconnect_by_data (client, book);
  if (book->view != NULL)
    g_signal_handlers_disconnect_by_data (book->view, book);
  g_clear_object (&book->view);
  book->view_starting = FALSE;
  g_clear_object (&book->client);
  g_hash_table_remove_all (book->writing);
  book->adding = 0;
  book_forget_log (book);
  if (book->self->watching)
    schedule_changed (book->self);
}

static void
open_book_connect (GTask *task)
{
  ConcordConnectorGnomeContacts *self = g_task_get_source_object (task);
  OpenCall *call = g_task_get_task_data (task);
  g_autoptr(ESource) source = NULL;
  Book *book = g_hash_table_lookup (self->books, call->type);

  if (book != NULL && book->client != NULL)
    {
      if (self->watching)
        start_view (book);
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
static void
open_book_async (ConcordConnectorGnomeContacts *self,
                 const char                    *type,
                 GCancellable                  *cancellable,
                 GAsyncReadyCallback            callback,
                 gpointer                       user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  OpenCall *call = g_new0 (OpenCall, 1);

  g_task_set_source_tag (task, open_book_async);
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

static Book *
open_book_finish (ConcordConnectorGnomeContacts  *self,
                  GAsyncResult                   *result,
                  GError                        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == open_book_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Contacts ↔ cards ↔ records                                                */
/* ------------------------------------------------------------------------- */

static char *
query_all (void)
{
  EBookQuery *query = e_book_query_any_field_contains ("");
  char *sexp = e_book_query_to_string (query);

  e_book_query_unref (query);
  return sexp;
}

/* The card of @contact, or NULL with @error set (the error names the line or
 * property at fault, never a value); its text in @text when asked. */
static ConcordVCard *
card_from_contact (EContact  *contact,
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
static ConcordRecord *
read_contact (Book        *book,
              EContact    *contact,
              guint        position,
              ConcordPage *page)
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

  card = card_from_contact (contact, &text, &error);
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
static gboolean
is_own_card (Book     *book,
             EContact *contact)
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
is_echo (Book     *book,
         EContact *contact)
{
  const char *uid = e_contact_get_const (contact, E_CONTACT_UID);

  return uid != NULL && (g_hash_table_contains (book->writing, uid) || is_own_card (book, contact));
}

static void
on_view_objects_added_cb (EBookClientView *view,
                          const GSList    *contacts,
                          gpointer         user_data)
{
  Book *book = user_data;
  gboolean changed = FALSE;

  book->seq++;
  for (const GSList *l = contacts; l != NULL; l = l->next)
    if (!is_own_card (book, l->data))
      book_log (book, e_contact_get_const (l->data, E_CONTACT_UID), FALSE);

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
  Book *book = user_data;
  gboolean changed = FALSE;

  book->seq++;
  for (const GSList *l = contacts; l != NULL; l = l->next)
    {
      if (!is_own_card (book, l->data))
        book_log (book, e_contact_get_const (l->data, E_CONTACT_UID), FALSE);
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
  Book *book = user_data;
  gboolean changed = FALSE;

  book->seq++;
  for (const GSList *l = uids; l != NULL; l = l->next)
    {
      book_log (book, l->data, TRUE);
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
  Book *book = user_data;

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
  Book *book = NULL;
  gpointer value;

  if (!e_book_client_get_view_finish (E_BOOK_CLIENT (object), result, &view, &error))
    {
      g_autoptr(GError) translated = translate_error (error, "Watching an address book");

      g_message ("%s: cannot watch an address book for changes: %s", APP_NAME,
                 translated->message);
    }

  /* The book of this client, if the connector still has it (and its
   * backend did not die meanwhile). */
  g_hash_table_iter_init (&iter, self->books);
  while (book == NULL && g_hash_table_iter_next (&iter, NULL, &value))
    if (((Book *) value)->client == E_BOOK_CLIENT (object))
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

static void
start_view (Book *book)
{
  g_autofree char *sexp = NULL;

  if (book->client == NULL || book->view != NULL || book->view_starting)
    return;

  book->view_starting = TRUE;
  sexp = query_all ();
  e_book_client_get_view (book->client, sexp, NULL, on_view_ready_cb, g_object_ref (book->self));
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

  open_book_finish (self, result, &error);
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

  open_book_async (self, NULL, cancellable, on_types_registry_cb, task);
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

  open_book_finish (g_task_get_source_object (task), result, &error);
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

  open_book_async (CONCORD_CONNECTOR_GNOME_CONTACTS (connector), NULL, cancellable,
                   on_verify_registry_cb, task);
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

/* The start of every call on a contact type: once the book is open, @next
 * goes on with @task (the book in its task data's "book"). */
typedef struct
{
  Book       *book;      /* (unowned) once open */
  GPtrArray  *inputs;    /* (owned) (nullable) records, changes or ids */
  gboolean    schema;    /* a listing for load_schema */
  char       *cursor;    /* (owned) (nullable) a listing's; a later page's page token */
  char       *next_cursor; /* (owned) (nullable) the cursor a full listing ends with */
  void      (*next) (GTask *task);
} Call;

static void
call_free (Call *call)
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
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  call->book = open_book_finish (CONCORD_CONNECTOR_GNOME_CONTACTS (object), result, &error);
  if (call->book == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  call->next (task);
}

static void
begin_call (ConcordConnector    *connector,
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
  Call *call = g_new0 (Call, 1);

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

  open_book_async (CONCORD_CONNECTOR_GNOME_CONTACTS (connector), contact_type, cancellable,
                   on_call_book_cb, task);
}

/* The page of @book's complete listing from @offset: at most PAGE_SIZE
 * records. The last one ends the listing: complete unless a contact could
 * not be read (an unreadable contact is not a deleted one), with the
 * cursor taken before the read. */
static void
return_listing_page (GTask *task,
                     Book  *book,
                     guint  offset)
{
  g_autoptr(ConcordPage) page = concord_page_new ();
  guint end = MIN (book->listing->len, offset + PAGE_SIZE);

  for (guint i = offset; i < end; i++)
    {
      ConcordRecord *record = read_contact (book, g_ptr_array_index (book->listing, i), i, page);

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
  Call *call = g_task_get_task_data (task);
  Book *book = call->book;
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
  Call *call = g_task_get_task_data (task);
  Book *book = call->book;
  g_autoptr(GError) error = NULL;
  GSList *contacts = NULL;

  if (!e_book_client_get_contacts_finish (E_BOOK_CLIENT (object), result, &contacts, &error))
    {
      g_task_return_error (task, translate_error (error, "Listing contacts"));
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
          g_autoptr(ConcordVCard) card = card_from_contact (l->data, NULL, NULL);

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
book_cursor (Book *book)
{
  return book->epoch != NULL ? g_strdup_printf ("%s:%u", book->epoch, book->seq) : NULL;
}

/* The SEQ of @cursor, when it is a cursor of @book's view as it runs now
 * (not of an earlier run of Concord, nor of a view that died since). */
static gboolean
book_parse_cursor (Book       *book,
                   const char *cursor,
                   guint      *seq)
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
  Call *call = g_task_get_task_data (task);
  g_autofree char *sexp = query_all ();

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
  Call *call = g_task_get_task_data (read->task);
  ChangedRead *state = g_object_get_data (G_OBJECT (read->task), "concord-changed");
  g_autoptr(GError) error = NULL;
  g_autoptr(ContactRef) contact = NULL;

  if (e_book_client_get_contact_finish (E_BOOK_CLIENT (object), result, &contact, &error))
    {
      ConcordRecord *record = read_contact (call->book, contact, read->index, state->page);

      if (record != NULL)
        g_ptr_array_add (state->page->records, record);
    }
  else if (is_not_found (error))
    g_ptr_array_add (state->page->deleted, g_strdup (read->uid));
  else if (state->error == NULL)
    state->error = translate_error (error, "Reading a changed contact");

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
  Call *call = g_task_get_task_data (task);
  Book *book = call->book;
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

static void
concord_connector_gnome_contacts_load_schema_async (ConcordConnector    *connector,
                                                    const char          *contact_type,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data)
{
  begin_call (connector, concord_connector_gnome_contacts_load_schema_async, contact_type, NULL,
              NULL, read_all_contacts, cancellable, callback, user_data);
}

/* A complete listing reads the whole address book at once (EDS hands its
 * contacts over in one answer anyway) and serves it PAGE_SIZE records a
 * page; a listing from a cursor of the view running now is one page of
 * the changes since (list_contacts()). */
static void
concord_connector_gnome_contacts_list_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             const char          *cursor,
                                             const char          *page_token,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  /* A later page's token goes where a first page's cursor would. */
  begin_call (connector, concord_connector_gnome_contacts_list_async, contact_type, NULL,
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
  Call *call = g_task_get_task_data (task);
  FetchState *state = g_object_get_data (G_OBJECT (task), "concord-fetch");
  g_autoptr(GError) error = NULL;
  g_autoptr(ContactRef) contact = NULL;

  if (e_book_client_get_contact_finish (E_BOOK_CLIENT (object), result, &contact, &error))
    {
      ConcordRecord *record = read_contact (call->book, contact, read->index, NULL);

      if (record != NULL)
        g_ptr_array_add (state->records, record);
    }
  else if (!is_not_found (error) && state->error == NULL)
    state->error = translate_error (error, "Reading a contact");

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
  Call *call = g_task_get_task_data (task);
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

static GPtrArray *
strv_to_array (const char * const *strv)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    g_ptr_array_add (array, g_strdup (strv[i]));
  return array;
}

static void
concord_connector_gnome_contacts_fetch_async (ConcordConnector    *connector,
                                              const char          *contact_type,
                                              const char * const  *remote_ids,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  g_autoptr(GPtrArray) ids = strv_to_array (remote_ids);

  begin_call (connector, concord_connector_gnome_contacts_fetch_async, contact_type, ids,
              NULL, fetch_contacts, cancellable, callback, user_data);
}

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

/* One record of a write batch on its way: create → read back, or
 * read → modify → read back, or remove. */
typedef struct
{
  GTask             *task;     /* (owned) */
  ConcordWriteBatch *batch;    /* (unowned) held once per step in flight */
  Book              *book;     /* (unowned) */
  EBookClient       *client;   /* (owned) the book's, even if its backend dies meanwhile */
  guint              index;
  char              *uid;      /* (owned) (nullable) the contact */
  ConcordRecordChange *change; /* (unowned) (nullable) for an update */
  gpointer           group;    /* (unowned) (nullable) the update's UpdateBatch */
  gboolean           writing;  /* counted in book->writing */
} Step;

static Step *
step_new (GTask             *task,
          ConcordWriteBatch *batch,
          guint              index,
          const char        *uid)
{
  Call *call = g_task_get_task_data (task);
  Step *step = g_new0 (Step, 1);

  step->task = g_object_ref (task);
  step->batch = batch;
  step->book = call->book;
  step->client = g_object_ref (call->book->client);
  step->index = index;
  step->uid = g_strdup (uid);
  concord_write_batch_hold (batch);
  return step;
}

/* The end of a record's way: releases the batch, which returns the task
 * when this was its last record. */
static void
step_done (Step *step)
{
  GTask *done;

  if (step->writing)
    book_end_write (step->book, step->uid);
  done = concord_write_batch_release (step->batch);
  g_clear_object (&done);
  g_object_unref (step->task);
  g_object_unref (step->client);
  g_free (step->uid);
  g_free (step);
}

static void
step_fail (Step   *step,
           GError *error)
{
  g_prefix_error (&error, "Contact %u: ", step->index);
  concord_write_batch_set_error (step->batch, step->index, error);
  g_error_free (error);
  step_done (step);
}

/* The last step of a create or an update: the contact as stored, which is
 * the echo the engine keeps and the REV that tells the view's echo. */
static void
on_step_read_back_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ContactRef) contact = NULL;
  g_autoptr(ConcordRecord) record = NULL;

  if (!e_book_client_get_contact_finish (E_BOOK_CLIENT (object), result, &contact, &error))
    {
      step_fail (step, translate_error (error, "Reading a contact back"));
      return;
    }

  g_hash_table_insert (step->book->own_cards, g_strdup (step->uid),
                       e_vcard_to_string (E_VCARD (contact), EVC_FORMAT_VCARD_30));

  record = read_contact (step->book, contact, step->index, NULL);
  if (record == NULL)
    {
      step_fail (step, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                            "GNOME Contacts stored a card Concord cannot read"));
      return;
    }

  concord_write_batch_set_ok (step->batch, step->index, record);
  step_done (step);
}

static void
step_read_back (Step *step)
{
  e_book_client_get_contact (step->client, step->uid, g_task_get_cancellable (step->task),
                             on_step_read_back_cb, step);
}

/* ---- create ---- */

static void
on_contact_added_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uid = NULL;

  step->book->adding--;
  if (!e_book_client_add_contact_finish (E_BOOK_CLIENT (object), result, &uid, &error))
    {
      step_fail (step, translate_error (error, "Adding a contact"));
      return;
    }

  step->uid = g_steal_pointer (&uid);
  book_begin_write (step->book, step->uid);
  step->writing = TRUE;
  step_read_back (step);
}


/* The records of a create call that became cards, added in one call. */
typedef struct
{
  Book      *book;       /* (unowned) */
  GPtrArray *steps;      /* (owned) Step (owned until handed on) */
  GSList    *contacts;   /* (owned) EContact, in the order of steps */
  GTask     *task;       /* (owned) */
} AddBatch;

static void
add_batch_free (AddBatch *add)
{
  g_ptr_array_unref (add->steps);
  g_slist_free_full (add->contacts, g_object_unref);
  g_object_unref (add->task);
  g_free (add);
}

/* One add for the whole batch: one D-Bus call and one transaction in EDS
 * (measured: 1,000 contacts in 5.7 s one by one). When EDS refuses the
 * batch, each contact is added on its own, so that one refused contact
 * fails alone. */
static void
on_contacts_added_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  AddBatch *add = user_data;
  g_autoptr(GError) error = NULL;
  GSList *uids = NULL;

  add->book->adding -= add->steps->len;
  if (e_book_client_add_contacts_finish (E_BOOK_CLIENT (object), result, &uids, &error) &&
      g_slist_length (uids) == add->steps->len)
    {
      GSList *l = uids;

      for (guint i = 0; i < add->steps->len; i++, l = l->next)
        {
          Step *step = g_ptr_array_index (add->steps, i);

          step->uid = g_strdup (l->data);
          book_begin_write (step->book, step->uid);
          step->writing = TRUE;
          step_read_back (step);
        }
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      for (guint i = 0; i < add->steps->len; i++)
        step_fail (g_ptr_array_index (add->steps, i), translate_error (error, "Adding contacts"));
    }
  else
    {
      GSList *l = add->contacts;

      if (error != NULL)
        g_debug ("Adding %u contacts at once failed (%s); adding each", add->steps->len,
                 error->message);
      for (guint i = 0; i < add->steps->len; i++, l = l->next)
        {
          Step *step = g_ptr_array_index (add->steps, i);

          add->book->adding++;
          e_book_client_add_contact (step->client, l->data, E_BOOK_OPERATION_FLAG_NONE,
                                     g_task_get_cancellable (add->task), on_contact_added_cb,
                                     step);
        }
    }

  g_slist_free_full (uids, g_free);
  add_batch_free (add);
}

static void
create_contacts (GTask *task)
{
  ConcordConnectorGnomeContacts *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, call->inputs->len);
  AddBatch *add = g_new0 (AddBatch, 1);
  GTask *done;

  add->book = call->book;
  add->steps = g_ptr_array_new ();
  add->task = g_object_ref (task);

  for (guint i = 0; i < call->inputs->len; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (call->inputs, i);
      g_autoptr(ConcordVCard) card = concord_vcard_new (3, NULL);
      g_autofree char *text = NULL;
      GError *error = NULL;
      EContact *contact;
      Step *step = step_new (task, batch, i, NULL);

      if (!concord_vcard_apply (card, input, NULL, self->region, &error))
        {
          if (error == NULL)
            error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                                         "The contact cannot be written as a vCard");
          step_fail (step, error);
          continue;
        }

      text = concord_vcard_to_string (card, NULL);
      contact = e_contact_new_from_vcard (text);
      /* EDS chooses the UID of a new contact. */
      e_contact_set (contact, E_CONTACT_UID, NULL);
      g_ptr_array_add (add->steps, step);
      add->contacts = g_slist_prepend (add->contacts, contact);
    }
  add->contacts = g_slist_reverse (add->contacts);

  if (add->steps->len > 0)
    {
      call->book->adding += add->steps->len;
      e_book_client_add_contacts (call->book->client, add->contacts, E_BOOK_OPERATION_FLAG_NONE,
                                  g_task_get_cancellable (task), on_contacts_added_cb, add);
    }
  else
    add_batch_free (add);

  done = concord_write_batch_release (batch);
  g_clear_object (&done);
  g_object_unref (task);
}

static void
concord_connector_gnome_contacts_create_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               GPtrArray           *records,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  begin_call (connector, concord_connector_gnome_contacts_create_async, contact_type, records,
              NULL, create_contacts, cancellable, callback, user_data);
}

/* ---- update ---- */

static void
on_contact_modified_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;

  if (!e_book_client_modify_contact_finish (E_BOOK_CLIENT (object), result, &error))
    {
      step_fail (step, translate_error (error, "Changing a contact"));
      return;
    }

  step_read_back (step);
}

/* The contact of @step as it is now (@result) with the change applied, or
 * NULL when the step failed (and is done). */
static EContact *
prepare_update (Step         *step,
                GObject      *object,
                GAsyncResult *result)
{
  ConcordConnectorGnomeContacts *self = step->book->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(ContactRef) contact = NULL;
  g_autoptr(ConcordVCard) card = NULL;
  g_autoptr(ConcordVCard) read = NULL;
  g_autofree char *text = NULL;
  g_autofree char *now = NULL;
  const char *then;

  if (!e_book_client_get_contact_finish (E_BOOK_CLIENT (object), result, &contact, &error))
    {
      step_fail (step, translate_error (error, "Reading a contact to change"));
      return NULL;
    }

  card = card_from_contact (contact, &now, &error);
  if (card == NULL)
    {
      g_prefix_error (&error, "The contact cannot be read: ");
      step_fail (step, g_steal_pointer (&error));
      return NULL;
    }

  /* Someone changed a field of this change since Concord read the contact:
   * writing now would lose their edit. The next run reads and merges it. */
  then = g_hash_table_lookup (step->book->cards, step->uid);
  if (then != NULL && !g_str_equal (then, now))
    read = concord_vcard_parse (then, -1, NULL);
  if (read != NULL &&
      concord_vcard_change_conflicts (read, card, step->change->set,
                                      (const char * const *) step->change->clear))
    {
      step_fail (step, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                                            "The contact changed in GNOME Contacts since it "
                                            "was read; it is read again on the next run"));
      return NULL;
    }

  if (!concord_vcard_apply (card, step->change->set, (const char * const *) step->change->clear,
                            self->region, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                                     "The change cannot be written to the card");
      step_fail (step, g_steal_pointer (&error));
      return NULL;
    }

  text = concord_vcard_to_string (card, NULL);
  return e_contact_new_from_vcard_with_uid (text, step->uid);
}

/* The changes of an update call, read, changed and written in one call. */
typedef struct
{
  GTask       *task;      /* (owned) */
  EBookClient *client;    /* (owned) */
  guint        pending;   /* reads still out */
  GPtrArray   *steps;     /* (owned) Step (owned until handed on), ready to write */
  GSList      *contacts;  /* (owned) EContact, the steps' in reverse order */
} UpdateBatch;

static void
update_batch_free (UpdateBatch *group)
{
  g_object_unref (group->task);
  g_object_unref (group->client);
  g_ptr_array_unref (group->steps);
  g_slist_free_full (group->contacts, g_object_unref);
  g_free (group);
}

/* One modify for the whole batch (one D-Bus call, one transaction); when
 * EDS refuses it, each change is written on its own so that a refused
 * one fails alone. */
static void
on_contacts_modified_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  UpdateBatch *group = user_data;
  g_autoptr(GError) error = NULL;

  if (e_book_client_modify_contacts_finish (E_BOOK_CLIENT (object), result, &error))
    {
      for (guint i = 0; i < group->steps->len; i++)
        step_read_back (g_ptr_array_index (group->steps, i));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      for (guint i = 0; i < group->steps->len; i++)
        step_fail (g_ptr_array_index (group->steps, i),
                   translate_error (error, "Changing contacts"));
    }
  else
    {
      GSList *l = group->contacts;

      g_debug ("Changing %u contacts at once failed (%s); changing each", group->steps->len,
               error->message);
      for (guint i = 0; i < group->steps->len; i++, l = l->next)
        {
          Step *step = g_ptr_array_index (group->steps, i);

          e_book_client_modify_contact (step->client, l->data, E_BOOK_OPERATION_FLAG_NONE,
                                        g_task_get_cancellable (group->task),
                                        on_contact_modified_cb, step);
        }
    }

  update_batch_free (group);
}

static void
update_batch_read_done (UpdateBatch *group)
{
  if (--group->pending > 0)
    return;

  if (group->steps->len == 0)
    {
      update_batch_free (group);
      return;
    }

  group->contacts = g_slist_reverse (group->contacts);
  e_book_client_modify_contacts (group->client, group->contacts, E_BOOK_OPERATION_FLAG_NONE,
                                 g_task_get_cancellable (group->task), on_contacts_modified_cb,
                                 group);
}

static void
on_update_current_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Step *step = user_data;
  UpdateBatch *group = step->group;
  EContact *changed = prepare_update (step, object, result);

  if (changed != NULL)
    {
      g_ptr_array_add (group->steps, step);
      group->contacts = g_slist_prepend (group->contacts, changed);
    }
  update_batch_read_done (group);
}

static void
update_contacts (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, call->inputs->len);
  UpdateBatch *group = g_new0 (UpdateBatch, 1);
  GTask *done;

  group->task = g_object_ref (task);
  group->client = g_object_ref (call->book->client);
  group->steps = g_ptr_array_new ();
  group->pending = call->inputs->len;
  if (group->pending == 0)
    update_batch_free (group);

  for (guint i = 0; i < call->inputs->len; i++)
    {
      ConcordRecordChange *change = g_ptr_array_index (call->inputs, i);
      Step *step = step_new (task, batch, i, change->remote_id);

      step->change = change;
      step->group = group;
      book_begin_write (step->book, step->uid);
      step->writing = TRUE;
      e_book_client_get_contact (step->client, step->uid, g_task_get_cancellable (task),
                                 on_update_current_cb, step);
    }

  done = concord_write_batch_release (batch);
  g_clear_object (&done);
  g_object_unref (task);
}

static void
concord_connector_gnome_contacts_update_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               GPtrArray           *changes,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  begin_call (connector, concord_connector_gnome_contacts_update_async, contact_type, changes,
              NULL, update_contacts, cancellable, callback, user_data);
}

/* ---- delete ---- */

static void
remove_done (Step *step)
{
  g_hash_table_remove (step->book->cards, step->uid);
  g_hash_table_remove (step->book->own_cards, step->uid);
  concord_write_batch_set_ok (step->batch, step->index, NULL);
  step_done (step);
}

static void
on_contact_removed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;

  /* A contact already gone is what was asked for. */
  if (!e_book_client_remove_contact_by_uid_finish (E_BOOK_CLIENT (object), result, &error) &&
      !is_not_found (error))
    {
      g_hash_table_remove (step->book->removed, step->uid);
      step_fail (step, translate_error (error, "Removing a contact"));
      return;
    }

  remove_done (step);
}

/* The removals of a delete call, made in one call. */
typedef struct
{
  GTask     *task;    /* (owned) */
  GPtrArray *steps;   /* (owned) Step (owned until handed on) */
  GSList    *uids;    /* (owned) the steps' UIDs, in their order */
} RemoveBatch;

static void
remove_batch_free (RemoveBatch *group)
{
  g_object_unref (group->task);
  g_ptr_array_unref (group->steps);
  g_slist_free_full (group->uids, g_free);
  g_free (group);
}

/* One removal for the whole batch; when EDS refuses it (one contact of it
 * already gone, say), each is removed on its own. */
static void
on_contacts_removed_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  RemoveBatch *group = user_data;
  g_autoptr(GError) error = NULL;

  if (e_book_client_remove_contacts_finish (E_BOOK_CLIENT (object), result, &error))
    {
      for (guint i = 0; i < group->steps->len; i++)
        remove_done (g_ptr_array_index (group->steps, i));
    }
  else
    {
      g_debug ("Removing %u contacts at once failed (%s); removing each", group->steps->len,
               error->message);
      for (guint i = 0; i < group->steps->len; i++)
        {
          Step *step = g_ptr_array_index (group->steps, i);

          e_book_client_remove_contact_by_uid (step->client, step->uid,
                                               E_BOOK_OPERATION_FLAG_NONE,
                                               g_task_get_cancellable (group->task),
                                               on_contact_removed_cb, step);
        }
    }

  remove_batch_free (group);
}

static void
delete_contacts (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, call->inputs->len);
  RemoveBatch *group = g_new0 (RemoveBatch, 1);
  GTask *done;

  group->task = g_object_ref (task);
  group->steps = g_ptr_array_new ();
  for (guint i = 0; i < call->inputs->len; i++)
    {
      const char *uid = g_ptr_array_index (call->inputs, i);

      /* Before the call: the view may tell of the removal before EDS
       * answers it. */
      g_hash_table_add (call->book->removed, g_strdup (uid));
      g_ptr_array_add (group->steps, step_new (task, batch, i, uid));
      group->uids = g_slist_prepend (group->uids, g_strdup (uid));
    }
  group->uids = g_slist_reverse (group->uids);

  if (group->steps->len > 0)
    e_book_client_remove_contacts (call->book->client, group->uids, E_BOOK_OPERATION_FLAG_NONE,
                                   g_task_get_cancellable (task), on_contacts_removed_cb, group);
  else
    remove_batch_free (group);

  done = concord_write_batch_release (batch);
  g_clear_object (&done);
  g_object_unref (task);
}

static void
concord_connector_gnome_contacts_delete_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               const char * const  *remote_ids,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  g_autoptr(GPtrArray) ids = strv_to_array (remote_ids);

  begin_call (connector, concord_connector_gnome_contacts_delete_async, contact_type, ids,
              NULL, delete_contacts, cancellable, callback, user_data);
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
    start_view (value);

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
