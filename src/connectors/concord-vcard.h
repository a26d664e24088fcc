/* concord-vcard.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "concord-fields.h"
#include "concord-record.h"

G_BEGIN_DECLS

/**
 * ConcordVCard:
 *
 * One vCard (3.0 or 4.0), read into a record and edited in place: the
 * properties Concord maps are read into the record's fields and rewritten
 * when a change sets or clears them; every other property (X-…, grouped
 * "item1." lines, PHOTO, the app's own) keeps its bytes exactly as read,
 * folding included. Concord edits a card; it never regenerates it.
 *
 * The shared vCard layer of the address-book connectors (CardDAV, vCard
 * folders, GNOME Contacts). How a connector uses it:
 * - reading: concord_vcard_parse() (one resource, one file, one EContact's
 *   e_vcard_to_string()) or concord_vcard_parse_many() (a .vcf export),
 *   then concord_vcard_to_record() with the remote id (href, file name,
 *   EDS uid) and the region (concord_vcard_default_region() or the
 *   account's); keep the card (or its bytes) to write back onto;
 * - updating: concord_vcard_apply() of the change's set and clear onto the
 *   card as last read, then concord_vcard_to_string(); on a conflict
 *   (CardDAV's 412, a file or contact changed since read), read the card
 *   again and concord_vcard_change_conflicts() (card as read before, card
 *   now, the change's set and clear) says whether the other side changed
 *   a field of the change too (then CONCORD_ERROR_CONFLICT, never an
 *   overwrite); concord_vcard_differs() compares one field;
 * - creating: concord_vcard_new() with the version the book uses (3.0 for
 *   Google and iCloud) and a UID, then concord_vcard_apply();
 * - a group card (concord_vcard_is_group(): iCloud's, 4.0's KIND:group) is
 *   not a contact: skip it;
 * - the schema: concord_vcard_field_specs(), plus
 *   concord_vcard_collect_custom() over the cards read for their X- fields.
 * Every function is safe to call from any thread (a card from one at a
 * time). The semantics are in concord-vcard.c's opening comment.
 */
typedef struct _ConcordVCard ConcordVCard;

/* A card bigger than this is refused (a hostile server, a stray file). */
#define CONCORD_VCARD_MAX_BYTES (1024 * 1024)
/* A card of more properties than this is refused too: real cards have
 * tens; this bounds what one card can cost. */
#define CONCORD_VCARD_MAX_PROPERTIES 5000

ConcordVCard  *concord_vcard_parse          (const char          *data,
                                             gssize               length,
                                             GError             **error);
GPtrArray     *concord_vcard_parse_many     (const char          *data,
                                             gssize               length,
                                             GPtrArray           *errors);
ConcordVCard  *concord_vcard_new            (guint                version,
                                             const char          *uid);
ConcordVCard  *concord_vcard_copy           (const ConcordVCard  *card);
void           concord_vcard_free           (ConcordVCard        *card);

guint          concord_vcard_get_version    (const ConcordVCard  *card);
const char    *concord_vcard_get_uid        (const ConcordVCard  *card);
gboolean       concord_vcard_is_group       (const ConcordVCard  *card);

ConcordRecord *concord_vcard_to_record      (const ConcordVCard  *card,
                                             const char          *remote_id,
                                             const char          *region);
gboolean       concord_vcard_apply          (ConcordVCard        *card,
                                             const ConcordRecord *set,
                                             const char * const  *clear,
                                             const char          *region,
                                             GError             **error);
gboolean       concord_vcard_differs        (const ConcordVCard  *a,
                                             const ConcordVCard  *b,
                                             const char          *key);
gboolean       concord_vcard_change_conflicts (const ConcordVCard  *then,
                                               const ConcordVCard  *now,
                                               const ConcordRecord *set,
                                               const char * const  *clear);
char          *concord_vcard_to_string      (const ConcordVCard  *card,
                                             gsize               *length);

GPtrArray     *concord_vcard_field_specs    (void);
void           concord_vcard_collect_custom (const ConcordVCard  *card,
                                             GHashTable          *specs);

char          *concord_vcard_phone_e164     (const char          *phone,
                                             const char          *region);
char          *concord_vcard_default_region (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordVCard, concord_vcard_free)

G_END_DECLS
