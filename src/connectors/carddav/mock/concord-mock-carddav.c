/* concord-mock-carddav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A simulated CardDAV server with one user (alice: Basic auth with the
 * account's password, any user name) and one address book, shaped like a
 * SabreDAV server (Nextcloud, Baïkal):
 *
 * - /.well-known/carddav → 301 /dav/; PROPFIND /dav/ gives the
 *   current-user-principal /dav/principals/alice/, which gives the
 *   addressbook-home-set /dav/addressbooks/alice/, whose Depth 1 PROPFIND
 *   lists the book CONCORD_MOCK_CARDDAV_BOOK (displayname, sync-token,
 *   getctag, supported-report-set, supported-address-data).
 * - REPORT sync-collection with tokens "http://concord.example/ns/sync/N"
 *   (N: the revision; every write makes one): members changed since N
 *   with their etag, deleted ones as 404; an unknown token → 403
 *   <valid-sync-token/>; with a sync limit, at most that many members and
 *   a 507 for the collection, with the token of the last one given.
 * - REPORT addressbook-multiget: getetag and address-data, 404 for an
 *   unknown href; PROPFIND Depth 1 on the book: every member's getetag;
 *   GET a card.
 * - PUT with If-None-Match: * / If-Match → 201 (new), 204, 412, 403 for a
 *   card over the book's max-resource-size (100 KiB); DELETE
 *   with If-Match → 204, 412, 404. ETags are new for every write.
 * - The book moved on the same server on demand (set_book_redirect: its
 *   REPORTs and PROPFINDs redirected to /moved<book>, which serves it).
 * - Hostile answers on demand (ConcordMockCarddavFault), and the shared
 *   framework's faults (500, 429, resets, slow answers) on any route.
 *
 * Request bodies are read with plain string search: the mock depends on no
 * other Concord code (the connector's parser must not test itself).
 */

#define G_LOG_DOMAIN "concord-mock-carddav"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-carddav.h"
#include "concord-mock-carddav-private.h"

G_DEFINE_FINAL_TYPE (ConcordMockCarddav, concord_mock_carddav, G_TYPE_OBJECT)

static void
card_free (ConcordMockCarddavCard *card)
{
  g_free (card->data);
  g_free (card->etag);
  g_free (card);
}

/* GObject and the public API                                                */
/* ------------------------------------------------------------------------- */

static void
concord_mock_carddav_finalize (GObject *object)
{
  ConcordMockCarddav *self = CONCORD_MOCK_CARDDAV (object);

  g_clear_object (&self->server);
  g_free (self->base_url);
  g_free (self->password);
  g_hash_table_unref (self->cards);
  g_hash_table_unref (self->changes);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (concord_mock_carddav_parent_class)->finalize (object);
}

static void
concord_mock_carddav_class_init (ConcordMockCarddavClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = concord_mock_carddav_finalize;
}

static void
concord_mock_carddav_init (ConcordMockCarddav *self)
{
  g_mutex_init (&self->lock);
  self->cards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) card_free);
  self->changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * concord_mock_carddav_new:
 * @password: alice's password
 * @port: 0 for any free port
 *
 * Returns: (transfer full) (nullable): the running server
 */
ConcordMockCarddav *
concord_mock_carddav_new (const char  *password,
                          guint        port,
                          GError     **error)
{
  g_autoptr(ConcordMockCarddav) self = g_object_new (CONCORD_TYPE_MOCK_CARDDAV, NULL);

  self->password = g_strdup (password);
  self->server = concord_mock_server_new ("concord-mock-carddav", port, error);
  if (self->server == NULL)
    return NULL;
  self->base_url = g_strconcat (concord_mock_server_get_origin (self->server), "/", NULL);
  concord_mock_server_add_route (self->server, NULL, "/", _concord_mock_carddav_on_request_cb, self, NULL);

  return g_steal_pointer (&self);
}

const char *
concord_mock_carddav_get_base_url (ConcordMockCarddav *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_CARDDAV (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_carddav_get_server (ConcordMockCarddav *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_CARDDAV (self), NULL);

  return self->server;
}

void
concord_mock_carddav_set_password (ConcordMockCarddav *self,
                                   const char         *password)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_CARDDAV (self));

  locker = g_mutex_locker_new (&self->lock);
  g_free (self->password);
  self->password = g_strdup (password);
}

/**
 * concord_mock_carddav_put_card:
 * @name: the card's file name in the book ("ada.vcf")
 * @vcard: its text
 *
 * Returns: (transfer full): the card's new etag
 */
char *
concord_mock_carddav_put_card (ConcordMockCarddav *self,
                               const char         *name,
                               const char         *vcard)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *href = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_CARDDAV (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  href = g_strconcat (BOOK, name, NULL);
  return _concord_mock_carddav_store_card (self, href, vcard);
}

char *
concord_mock_carddav_get_card (ConcordMockCarddav *self,
                               const char         *href)
{
  g_autoptr(GMutexLocker) locker = NULL;
  ConcordMockCarddavCard *card;

  g_return_val_if_fail (CONCORD_IS_MOCK_CARDDAV (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  card = g_hash_table_lookup (self->cards, href);
  return card != NULL ? g_strdup (card->data) : NULL;
}

gboolean
concord_mock_carddav_delete_card (ConcordMockCarddav *self,
                                  const char         *href)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_CARDDAV (self), FALSE);

  locker = g_mutex_locker_new (&self->lock);
  if (!g_hash_table_remove (self->cards, href))
    return FALSE;
  _concord_mock_carddav_note_change (self, href, TRUE);
  return TRUE;
}

guint
concord_mock_carddav_get_n_cards (ConcordMockCarddav *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_CARDDAV (self), 0);

  locker = g_mutex_locker_new (&self->lock);
  return g_hash_table_size (self->cards);
}

/**
 * concord_mock_carddav_generate:
 *
 * Adds @n made-up vCard 3.0 cards, the same for the same @seed.
 */
void
concord_mock_carddav_generate (ConcordMockCarddav *self,
                               guint               n,
                               guint32             seed)
{
  static const char *first[] = { "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald",
                                 "Frances", "Ken", "Radia", "Niklaus" };
  static const char *last[] = { "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov",
                                "Knuth", "Allen", "Thompson", "Perlman", "Wirth" };
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  g_return_if_fail (CONCORD_IS_MOCK_CARDDAV (self));

  locker = g_mutex_locker_new (&self->lock);
  for (guint i = 0; i < n; i++)
    {
      const char *f = first[g_rand_int_range (rand, 0, G_N_ELEMENTS (first))];
      const char *l = last[g_rand_int_range (rand, 0, G_N_ELEMENTS (last))];
      guint number = g_rand_int_range (rand, 0, 1000000);
      g_autofree char *uid = g_strdup_printf ("mock-%u-%u", seed, i);
      g_autofree char *href = g_strdup_printf (BOOK "%s.vcf", uid);
      g_autofree char *lower = g_ascii_strdown (f, -1);
      g_autofree char *card = g_strdup_printf (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s %s\r\nN:%s;%s;;;\r\n"
        "EMAIL;TYPE=INTERNET:%s.%u@example.com\r\nTEL;TYPE=CELL:+44 20 7946 %04u\r\n"
        "X-CONCORD-MOCK:%u\r\nEND:VCARD\r\n",
        uid, f, l, l, f, lower, number, number % 10000, i);
      g_autofree char *etag = _concord_mock_carddav_store_card (self, href, card);
    }
}

void
concord_mock_carddav_set_sync_limit (ConcordMockCarddav *self,
                                     guint               limit)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_CARDDAV (self));

  locker = g_mutex_locker_new (&self->lock);
  self->sync_limit = limit;
}

void
concord_mock_carddav_set_fault (ConcordMockCarddav      *self,
                                ConcordMockCarddavFault  fault)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_CARDDAV (self));

  locker = g_mutex_locker_new (&self->lock);
  self->fault = fault;
}

void
concord_mock_carddav_set_book_redirect (ConcordMockCarddav *self,
                                        guint               status)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_CARDDAV (self));

  locker = g_mutex_locker_new (&self->lock);
  self->book_redirect = status;
}

/* ------------------------------------------------------------------------- */
/* ConcordMockAppInfo                                                        */
/* ------------------------------------------------------------------------- */

static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  return G_OBJECT (concord_mock_carddav_new (secret, port, error));
}

static ConcordMockServer *
info_get_server (GObject *mock)
{
  return concord_mock_carddav_get_server (CONCORD_MOCK_CARDDAV (mock));
}

static const char *
info_get_base_url (GObject *mock)
{
  return concord_mock_carddav_get_base_url (CONCORD_MOCK_CARDDAV (mock));
}

static void
info_set_secret (GObject    *mock,
                 const char *secret)
{
  concord_mock_carddav_set_password (CONCORD_MOCK_CARDDAV (mock), secret);
}

static void
info_generate (GObject *mock,
               guint    n,
               guint32  seed)
{
  concord_mock_carddav_generate (CONCORD_MOCK_CARDDAV (mock), n, seed);
}

/* REPORT and PROPFIND change nothing. */
static const char * const read_requests[] = { "REPORT *", "PROPFIND *", NULL };

const ConcordMockAppInfo concord_mock_carddav_info = {
  .id = "carddav",
  .create = info_create,
  .get_server = info_get_server,
  .get_base_url = info_get_base_url,
  .set_secret = info_set_secret,
  .generate = info_generate,
  .read_requests = read_requests,
};
