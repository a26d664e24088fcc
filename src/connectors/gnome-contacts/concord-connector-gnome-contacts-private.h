/* concord-connector-gnome-contacts-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of concord-connector-gnome-contacts.c share.
 */

#pragma once

#include "concord-connector-gnome-contacts.h"
#include <gio/gio.h>
/* libedataserver's headers still name GTimeVal (e-flag.h); nothing here
 * uses it. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook/libebook.h>
G_GNUC_END_IGNORE_DEPRECATIONS

#include "concord-vcard.h"
#include "concord-write-batch.h"

G_BEGIN_DECLS

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

typedef struct _ConcordGnomeContactsBook ConcordGnomeContactsBook;

/* EContact has no autoptr cleanup in libebook 3.46; an alias of ours
 * cannot clash with one a later libebook adds. */
typedef EContact ConcordGnomeContactsContactRef;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordGnomeContactsContactRef, g_object_unref)

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
struct _ConcordGnomeContactsBook
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
/* The start of every call on a contact type: once the book is open, @next
 * goes on with @task (the book in its task data's "book"). */
typedef struct
{
  ConcordGnomeContactsBook       *book;      /* (unowned) once open */
  GPtrArray  *inputs;    /* (owned) (nullable) records, changes or ids */
  gboolean    schema;    /* a listing for load_schema */
  char       *cursor;    /* (owned) (nullable) a listing's; a later page's page token */
  char       *next_cursor; /* (owned) (nullable) the cursor a full listing ends with */
  void      (*next) (GTask *task);
} ConcordGnomeContactsCall;

/* concord-connector-gnome-contacts.c */
ConcordGnomeContactsBook *_concord_gnome_contacts_book_new              (ConcordConnectorGnomeContacts *self,
                                                                         const char                    *uid);
void                      _concord_gnome_contacts_book_begin_write      (ConcordGnomeContactsBook *book,
                                                                         const char               *uid);
void                      _concord_gnome_contacts_book_end_write        (ConcordGnomeContactsBook *book,
                                                                         const char               *uid);
void                      _concord_gnome_contacts_book_log              (ConcordGnomeContactsBook *book,
                                                                         const char               *uid,
                                                                         gboolean                  removed);
void                      _concord_gnome_contacts_book_forget_log       (ConcordGnomeContactsBook *book);
GError                   *_concord_gnome_contacts_new_unavailable_error (void);
GError                   *_concord_gnome_contacts_translate_error       (const GError *error,
                                                                         const char   *what);
gboolean                  _concord_gnome_contacts_is_not_found          (const GError *error);

/* concord-connector-gnome-contacts-open.c */
void                      _concord_gnome_contacts_open_book_async  (ConcordConnectorGnomeContacts *self,
                                                                    const char                    *type,
                                                                    GCancellable                  *cancellable,
                                                                    GAsyncReadyCallback            callback,
                                                                    gpointer                       user_data);
ConcordGnomeContactsBook *_concord_gnome_contacts_open_book_finish (ConcordConnectorGnomeContacts  *self,
                                                                    GAsyncResult                   *result,
                                                                    GError                        **error);
gboolean                  _concord_gnome_contacts_is_own_card      (ConcordGnomeContactsBook *book,
                                                                    EContact                 *contact);
void                      _concord_gnome_contacts_start_view       (ConcordGnomeContactsBook *book);

/* concord-connector-gnome-contacts-read.c */
char          *_concord_gnome_contacts_query_all                  (void);
ConcordVCard  *_concord_gnome_contacts_card_from_contact          (EContact  *contact,
                                                                   char     **text,
                                                                   GError   **error);
ConcordRecord *_concord_gnome_contacts_read_contact               (ConcordGnomeContactsBook *book,
                                                                   EContact                 *contact,
                                                                   guint                     position,
                                                                   ConcordPage              *page);
void           _concord_gnome_contacts_begin_call                 (ConcordConnector    *connector,
                                                                   gpointer             source_tag,
                                                                   const char          *contact_type,
                                                                   GPtrArray           *inputs,
                                                                   const char          *cursor,
                                                                   void               (*next) (GTask *task),
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
void           concord_connector_gnome_contacts_load_schema_async (ConcordConnector    *connector,
                                                                   const char          *contact_type,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
void           concord_connector_gnome_contacts_list_async        (ConcordConnector    *connector,
                                                                   const char          *contact_type,
                                                                   const char          *cursor,
                                                                   const char          *page_token,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
GPtrArray     *_concord_gnome_contacts_strv_to_array              (const char * const *strv);
void           concord_connector_gnome_contacts_fetch_async       (ConcordConnector    *connector,
                                                                   const char          *contact_type,
                                                                   const char * const  *remote_ids,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);

/* concord-connector-gnome-contacts-write.c */
void concord_connector_gnome_contacts_create_async (ConcordConnector    *connector,
                                                    const char          *contact_type,
                                                    GPtrArray           *records,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
void concord_connector_gnome_contacts_update_async (ConcordConnector    *connector,
                                                    const char          *contact_type,
                                                    GPtrArray           *changes,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
void concord_connector_gnome_contacts_delete_async (ConcordConnector    *connector,
                                                    const char          *contact_type,
                                                    const char * const  *remote_ids,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);

G_END_DECLS
