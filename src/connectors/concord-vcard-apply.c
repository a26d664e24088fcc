/* concord-vcard-apply.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A change into a card (concord_vcard_apply()): which fields the change
 * names and whether the card already has them, then each field's lines
 * written; and the questions asked of two cards (did a field change, does a
 * change conflict) and of the layer (the fields it maps).
 */

#define G_LOG_DOMAIN "concord-vcard"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "concord-error.h"

#include "concord-vcard-private.h"

static char *
format_name (const char *first,
             const char *last)
{
  if (first != NULL && last != NULL)
    return g_strconcat (first, " ", last, NULL);
  return g_strdup (first != NULL ? first : last);
}

/* The value a field has in the change, or NULL (cleared, or not named). */
static const char *
change_text (const ConcordRecord *set,
             const char          *key)
{
  return set != NULL ? concord_record_get_text (set, key) : NULL;
}

static gboolean
change_names (const ConcordRecord *set,
              const char * const  *clear,
              const char          *key)
{
  if (set != NULL && concord_record_get (set, key) != NULL)
    return TRUE;
  return clear != NULL && g_strv_contains (clear, key);
}

/* The fields apply() knows; any other is ignored (it is not in the card's
 * field specs, so the engine does not send it). */
static const char * const mapped_fields[] = {
  CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_EMAIL,
  CONCORD_FIELD_EMAILS, CONCORD_FIELD_PHONE, CONCORD_FIELD_MOBILE, CONCORD_FIELD_PHONES,
  CONCORD_FIELD_COMPANY, CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_WEBSITE,
  CONCORD_FIELD_ADDRESS_STREET, CONCORD_FIELD_ADDRESS_CITY, CONCORD_FIELD_ADDRESS_REGION,
  CONCORD_FIELD_ADDRESS_POSTAL_CODE, CONCORD_FIELD_ADDRESS_COUNTRY, CONCORD_FIELD_BIRTHDAY,
  CONCORD_FIELD_NOTES, CONCORD_FIELD_TAGS, CONCORD_FIELD_ADDRESSES, NULL
};

/* Whether the change would leave field @key as the card has it. */
static gboolean
unchanged (const ConcordRecord *current,
           const ConcordRecord *set,
           const char          *key)
{
  const ConcordValue *now = concord_record_get (current, key);
  const ConcordValue *want = set != NULL ? concord_record_get (set, key) : NULL;

  if (now == NULL || want == NULL)
    return now == want;
  return concord_value_equal (now, want);
}

/* What of the card a field's change needs read. */
static guint
key_reads (const char *key)
{
  if (g_str_equal (key, CONCORD_FIELD_FIRST_NAME) || g_str_equal (key, CONCORD_FIELD_LAST_NAME))
    return CONCORD_VCARD_READ_NAMES;
  if (g_str_equal (key, CONCORD_FIELD_EMAIL) || g_str_equal (key, CONCORD_FIELD_EMAILS))
    return CONCORD_VCARD_READ_EMAILS;
  if (g_str_equal (key, CONCORD_FIELD_PHONE) || g_str_equal (key, CONCORD_FIELD_MOBILE) ||
      g_str_equal (key, CONCORD_FIELD_PHONES))
    return CONCORD_VCARD_READ_PHONES;
  if (g_str_has_prefix (key, "address"))
    return CONCORD_VCARD_READ_ADDRESSES;
  if (concord_field_is_custom (key))
    return CONCORD_VCARD_READ_CUSTOM;
  return CONCORD_VCARD_READ_OTHER;
}

static guint
change_reads (const ConcordRecord *set,
              const char * const  *clear)
{
  guint what = 0;

  for (guint i = 0; set != NULL && i < concord_record_get_n_fields (set); i++)
    {
      const char *key = NULL;
      concord_record_get_field_at (set, i, &key);
      what |= key_reads (key);
    }
  for (guint i = 0; clear != NULL && clear[i] != NULL; i++)
    what |= key_reads (clear[i]);
  return what;
}

#define CHANGES(key) (change_names (set, clear, key) && !unchanged (current, set, key))

/* A value that alone outgrows a card is refused before it is written
 * (lines are counted in 32 bits). */
static gboolean
check_values_fit (const ConcordRecord  *set,
                  GError              **error)
{
  for (guint i = 0; set != NULL && i < concord_record_get_n_fields (set); i++)
    {
      const ConcordValue *value = concord_record_get_field_at (set, i, NULL);
      gsize length = 0;

      if (CONCORD_FIELD_TYPE_IS_TEXT (value->type) && value->v.text != NULL)
        length = strlen (value->v.text);
      else if (value->type == CONCORD_FIELD_TYPE_STRING_SET && value->v.set != NULL)
        for (guint j = 0; value->v.set[j] != NULL; j++)
          length += strlen (value->v.set[j]);
      if (length > CONCORD_VCARD_MAX_BYTES)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                       /* Translators: %u is a number of bytes */
                       _("The contact would be larger than %u bytes"), (guint) CONCORD_VCARD_MAX_BYTES);
          return FALSE;
        }
    }
  return TRUE;
}

/* Names: N, and FN when it follows them. */
static void
apply_names (ConcordVCard        *card,
             const ConcordRecord *set,
             const char * const  *clear,
             const ConcordRecord *current)
{
  if (CHANGES (CONCORD_FIELD_FIRST_NAME) || CHANGES (CONCORD_FIELD_LAST_NAME))
    {
      const char *first = change_names (set, clear, CONCORD_FIELD_FIRST_NAME)
                          ? change_text (set, CONCORD_FIELD_FIRST_NAME)
                          : concord_record_get_text (current, CONCORD_FIELD_FIRST_NAME);
      const char *last = change_names (set, clear, CONCORD_FIELD_LAST_NAME)
                         ? change_text (set, CONCORD_FIELD_LAST_NAME)
                         : concord_record_get_text (current, CONCORD_FIELD_LAST_NAME);
      g_autofree char *old_full = format_name (concord_record_get_text (current, CONCORD_FIELD_FIRST_NAME),
                                               concord_record_get_text (current, CONCORD_FIELD_LAST_NAME));
      g_autofree char *new_full = format_name (first, last);
      int fn = _concord_vcard_find_index (card, "FN");
      g_autofree char *fn_text = NULL;
      const guint indices[] = { 0, 1 };
      const char *values[] = { last != NULL ? last : "", first != NULL ? first : "" };

      if (fn >= 0)
        {
          fn_text = _concord_vcard_unescape (prop_value (g_ptr_array_index (card->props, fn)));
          g_strstrip (fn_text);
        }

      _concord_vcard_set_components (card, _concord_vcard_find_index (card, "N"), "N", 5, indices, values, 2);

      if (fn_text == NULL || fn_text[0] == '\0' || g_strcmp0 (fn_text, old_full) == 0)
        {
          /* No names left: FN is made again below (company, email). */
          _concord_vcard_set_single (card, "FN", new_full, FALSE);
        }
    }
}

/* The parts of the preferred address ("address-street" and the like). */
static void
apply_address_parts (ConcordVCard        *card,
                     const ConcordRecord *set,
                     const char * const  *clear,
                     const ConcordRecord *current,
                     const char          *region)
{
  static const char * const keys[] = {
    CONCORD_FIELD_ADDRESS_STREET, CONCORD_FIELD_ADDRESS_CITY, CONCORD_FIELD_ADDRESS_REGION,
    CONCORD_FIELD_ADDRESS_POSTAL_CODE, CONCORD_FIELD_ADDRESS_COUNTRY,
  };
  guint indices[5];
  const char *values[5];
  guint n = 0;

  for (guint i = 0; i < 5; i++)
    if (CHANGES (keys[i]))
      {
        const char *text = change_text (set, keys[i]);
        indices[n] = i + 2;
        values[n] = text != NULL ? text : "";
        n++;
      }
  if (n > 0)
    {
      g_autoptr(GArray) items = _concord_vcard_read_items (card, "ADR", region);
      int best = _concord_vcard_preferred_item (items, -1);
      int index = best >= 0 ? (int) g_array_index (items, ConcordVCardItem, best).index : _concord_vcard_find_index (card, "ADR");
      _concord_vcard_set_components (card, index, "ADR", 7, indices, values, n);
    }
}

static void
apply_company (ConcordVCard        *card,
               const ConcordRecord *set,
               const char * const  *clear,
               const ConcordRecord *current)
{
  if (CHANGES (CONCORD_FIELD_COMPANY))
    {
      const guint index = 0;
      const char *text = change_text (set, CONCORD_FIELD_COMPANY);
      int org = _concord_vcard_find_index (card, "ORG");

      g_autoptr(GPtrArray) parts = org >= 0 ? _concord_vcard_split_components (prop_value (g_ptr_array_index (card->props, org)), ';') : NULL;
      gboolean units = FALSE;

      for (guint i = 1; parts != NULL && i < parts->len; i++)
        units |= *(const char *) g_ptr_array_index (parts, i) != '\0';

      /* A cleared company keeps the departments ("ORG:;Sales"). */
      if (text == NULL && org >= 0 && !units)
        _concord_vcard_remove_prop (card, org);
      else if (text != NULL || org >= 0)
        {
          const char *written = text != NULL ? text : "";
          _concord_vcard_set_components (card, org, "ORG", 1, &index, &written, 1);
        }
    }
}

static void
apply_birthday (ConcordVCard        *card,
                const ConcordRecord *set,
                const char * const  *clear,
                const ConcordRecord *current)
{
  if (CHANGES (CONCORD_FIELD_BIRTHDAY))
    {
      const char *date = change_text (set, CONCORD_FIELD_BIRTHDAY);
      g_autofree char *written = NULL;

      if (date != NULL && card->version == 4)
        {
          g_auto(GStrv) parts = g_strsplit (date, "-", 3);
          written = g_strjoinv ("", parts);
        }
      else
        written = g_strdup (date);
      _concord_vcard_set_single (card, "BDAY", written, TRUE);
    }
}

static void
apply_tags (ConcordVCard        *card,
            const ConcordRecord *set,
            const char * const  *clear,
            const ConcordRecord *current)
{
  if (CHANGES (CONCORD_FIELD_TAGS))
    {
      const ConcordValue *tags = set != NULL ? concord_record_get (set, CONCORD_FIELD_TAGS) : NULL;
      g_autoptr(GString) value = g_string_new (NULL);

      if (tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET && tags->v.set != NULL)
        for (guint i = 0; tags->v.set[i] != NULL; i++)
          {
            if (i > 0)
              g_string_append_c (value, ',');
            _concord_vcard_append_escaped (value, tags->v.set[i]);
          }

      /* One CATEGORIES line holds them all. */
      {
        g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint));
        int first = _concord_vcard_find_index (card, "CATEGORIES");

        for (guint i = first + 1; first >= 0 && i < card->props->len; i++)
          if (prop_is (g_ptr_array_index (card->props, i), "CATEGORIES"))
            g_array_append_val (gone, i);
        _concord_vcard_remove_props (card, (const guint *) (gpointer) gone->data, gone->len);
      }
      _concord_vcard_set_single (card, "CATEGORIES", value->len > 0 ? value->str : NULL, TRUE);
    }
}

/* Custom X- fields. */
static void
apply_custom (ConcordVCard        *card,
              const ConcordRecord *set,
              const char * const  *clear,
              const ConcordRecord *current)
{
  if (set != NULL)
    for (guint i = 0; i < concord_record_get_n_fields (set); i++)
      {
        const char *key = NULL;
        const ConcordValue *value = concord_record_get_field_at (set, i, &key);
        const char *name;
        g_autofree char *upper = NULL;
        g_autofree char *text = NULL;

        if (!concord_field_is_custom (key))
          continue;
        name = key + strlen (CONCORD_FIELD_CUSTOM_PREFIX);
        if (g_ascii_strncasecmp (name, "X-", 2) != 0 || unchanged (current, set, key))
          continue;
        upper = g_ascii_strup (name, -1);
        if (strpbrk (upper, ":;.\r\n\" ") != NULL)
          continue;
        text = concord_value_to_string (value);
        _concord_vcard_set_single (card, upper, text, FALSE);
      }
  if (clear != NULL)
    for (guint i = 0; clear[i] != NULL; i++)
      {
        const char *name;
        g_autofree char *upper = NULL;

        if (!concord_field_is_custom (clear[i]))
          continue;
        name = clear[i] + strlen (CONCORD_FIELD_CUSTOM_PREFIX);
        if (g_ascii_strncasecmp (name, "X-", 2) != 0)
          continue;
        upper = g_ascii_strup (name, -1);
        _concord_vcard_set_single (card, upper, NULL, FALSE);
      }
}

/* What a card must have: FN (both versions), N (3.0). */
static void
complete_card (ConcordVCard *card,
               const char   *region)
{
  if (_concord_vcard_find_index (card, "FN") < 0 ||
      prop_value (g_ptr_array_index (card->props, _concord_vcard_find_index (card, "FN")))[0] == '\0')
    {
      g_autoptr(ConcordRecord) now = concord_vcard_to_record (card, NULL, region);
      g_autofree char *full = format_name (concord_record_get_text (now, CONCORD_FIELD_FIRST_NAME),
                                           concord_record_get_text (now, CONCORD_FIELD_LAST_NAME));
      const char *fn = full;

      if (fn == NULL)
        fn = concord_record_get_text (now, CONCORD_FIELD_COMPANY);
      if (fn == NULL)
        fn = concord_record_get_text (now, CONCORD_FIELD_EMAIL);
      if (fn != NULL)
        _concord_vcard_set_single (card, "FN", fn, FALSE);
      else if (_concord_vcard_find_index (card, "FN") < 0)
        _concord_vcard_set_single (card, "FN", "", TRUE);
    }
  if (card->version == 3 && _concord_vcard_find_index (card, "N") < 0)
    {
      const guint indices[] = { 0 };
      const char *values[] = { "" };
      _concord_vcard_set_components (card, -1, "N", 5, indices, values, 1);
    }
}

/**
 * concord_vcard_apply:
 * @card: the card to edit
 * @set: (nullable): the fields to set (a change's record)
 * @clear: (nullable) (array zero-terminated=1): the fields to clear
 * @region: (nullable): the country of numbers written without theirs
 * @error: CONCORD_ERROR_TOO_LARGE when the card would outgrow
 *   CONCORD_VCARD_MAX_BYTES or CONCORD_VCARD_MAX_PROPERTIES
 *
 * Rewrites the properties the named fields map to, when the card's value
 * differs; every other line keeps its bytes and its place. FN follows a
 * name change when it read "given family" (or was missing), else stays; a
 * card without FN gets one from its names, else its company, else its
 * email; a 3.0 card without N gets one. "emails", "phones" and "addresses"
 * keep the lines of the members that stay; "email", "phone" and "mobile"
 * move the preference onto their item, else change the preferred item's
 * value in place, else add one. A phone equal in E.164 is left as written.
 *
 * Returns: %FALSE on error (the card is then unchanged)
 */
gboolean
concord_vcard_apply (ConcordVCard        *card,
                     const ConcordRecord *set,
                     const char * const  *clear,
                     const char          *region,
                     GError             **error)
{
  g_autoptr(ConcordRecord) current = NULL;
  g_autoptr(ConcordVCard) backup = NULL;
  gsize size = 0;

  g_return_val_if_fail (card != NULL, FALSE);

  if (!check_values_fit (set, error))
    return FALSE;

  current = _concord_vcard_read_record (card, NULL, region, change_reads (set, clear));
  backup = concord_vcard_copy (card);

  apply_names (card, set, clear, current);

  if (change_names (set, clear, CONCORD_FIELD_EMAILS) && !unchanged (current, set, CONCORD_FIELD_EMAILS))
    _concord_vcard_apply_items (card, "EMAIL", set != NULL ? concord_record_get (set, CONCORD_FIELD_EMAILS) : NULL, region);
  if (CHANGES (CONCORD_FIELD_EMAIL))
    _concord_vcard_apply_primary (card, "EMAIL", change_text (set, CONCORD_FIELD_EMAIL), -1, region);

  if (CHANGES (CONCORD_FIELD_PHONES))
    _concord_vcard_apply_items (card, "TEL", set != NULL ? concord_record_get (set, CONCORD_FIELD_PHONES) : NULL, region);
  if (CHANGES (CONCORD_FIELD_PHONE))
    _concord_vcard_apply_primary (card, "TEL", change_text (set, CONCORD_FIELD_PHONE), 0, region);
  if (CHANGES (CONCORD_FIELD_MOBILE))
    _concord_vcard_apply_primary (card, "TEL", change_text (set, CONCORD_FIELD_MOBILE), 1, region);

  if (CHANGES (CONCORD_FIELD_ADDRESSES))
    _concord_vcard_apply_items (card, "ADR", set != NULL ? concord_record_get (set, CONCORD_FIELD_ADDRESSES) : NULL, region);

  apply_address_parts (card, set, clear, current, region);
  apply_company (card, set, clear, current);

  if (CHANGES (CONCORD_FIELD_JOB_TITLE))
    _concord_vcard_set_single (card, "TITLE", change_text (set, CONCORD_FIELD_JOB_TITLE), FALSE);
  if (CHANGES (CONCORD_FIELD_NOTES))
    _concord_vcard_set_single (card, "NOTE", change_text (set, CONCORD_FIELD_NOTES), FALSE);
  if (CHANGES (CONCORD_FIELD_WEBSITE))
    _concord_vcard_set_single (card, "URL", change_text (set, CONCORD_FIELD_WEBSITE), TRUE);

  apply_birthday (card, set, clear, current);
  apply_tags (card, set, clear, current);
  apply_custom (card, set, clear, current);

  complete_card (card, region);

  for (guint i = 0; i < card->props->len; i++)
    size += ((const ConcordVCardProp *) g_ptr_array_index (card->props, i))->raw_len;
  if (size > CONCORD_VCARD_MAX_BYTES || card->props->len > CONCORD_VCARD_MAX_PROPERTIES)
    {
      GPtrArray *props = card->props;
      card->props = backup->props;
      backup->props = props;
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                   _("The contact would be larger than %u bytes"), (guint) CONCORD_VCARD_MAX_BYTES);
      return FALSE;
    }

  return TRUE;
}

#undef CHANGES

/**
 * concord_vcard_differs:
 * @key: a field name
 *
 * Returns: whether field @key reads differently in @a and @b (CardDAV's
 *   412 merge: did the server change the fields of my change?)
 */
gboolean
concord_vcard_differs (const ConcordVCard *a,
                       const ConcordVCard *b,
                       const char         *key)
{
  g_autoptr(ConcordRecord) ra = NULL;
  g_autoptr(ConcordRecord) rb = NULL;
  const ConcordValue *va, *vb;

  g_return_val_if_fail (a != NULL && b != NULL && key != NULL, TRUE);

  ra = _concord_vcard_read_record (a, NULL, NULL, key_reads (key));
  rb = _concord_vcard_read_record (b, NULL, NULL, key_reads (key));
  va = concord_record_get (ra, key);
  vb = concord_record_get (rb, key);
  if (va == NULL || vb == NULL)
    return va != vb;
  return !concord_value_equal (va, vb);
}

/**
 * concord_vcard_change_conflicts:
 * @then: the card as it was read when the change was made
 * @now: the card as it is now (the server's, the file's, the contact's)
 * @set: (nullable): the fields the change sets
 * @clear: (nullable): the fields the change clears
 *
 * The concurrent-edit rule of the address books (CardDAV's 412, a card
 * file changed on disk, a contact changed in GNOME Contacts): a change may
 * go onto a card changed since it was read only if the other side changed
 * none of the change's own fields; otherwise writing would lose that edit,
 * and the next run's three-way merge decides instead.
 *
 * Returns: whether a field @set sets or @clear clears reads differently in
 *   @then and @now
 */
gboolean
concord_vcard_change_conflicts (const ConcordVCard  *then,
                                const ConcordVCard  *now,
                                const ConcordRecord *set,
                                const char * const  *clear)
{
  guint n_set;

  g_return_val_if_fail (then != NULL && now != NULL, TRUE);

  n_set = set != NULL ? concord_record_get_n_fields (set) : 0;
  for (guint i = 0; i < n_set; i++)
    {
      const char *key = NULL;

      concord_record_get_field_at (set, i, &key);
      if (concord_vcard_differs (then, now, key))
        return TRUE;
    }

  for (guint i = 0; clear != NULL && clear[i] != NULL; i++)
    if (concord_vcard_differs (then, now, clear[i]))
      return TRUE;

  return FALSE;
}

/**
 * concord_vcard_field_specs:
 *
 * Returns: (transfer full) (element-type ConcordFieldSpec): the canonical
 *   fields a card maps
 */
GPtrArray *
concord_vcard_field_specs (void)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  for (guint i = 0; mapped_fields[i] != NULL; i++)
    {
      const ConcordFieldSpec *spec = concord_fields_lookup (mapped_fields[i]);
      if (spec != NULL)
        g_ptr_array_add (specs, concord_field_spec_copy (spec));
    }
  return specs;
}

/**
 * concord_vcard_collect_custom:
 * @specs: (element-type utf8 ConcordFieldSpec): key → spec, specs owned
 *   (a table made with g_free and concord_field_spec_free)
 *
 * Adds a custom text field for each X- property of the card with a text
 * value ("custom:X-NAME"), unless @specs has it.
 */
void
concord_vcard_collect_custom (const ConcordVCard *card,
                              GHashTable         *specs)
{
  g_return_if_fail (card != NULL);
  g_return_if_fail (specs != NULL);

  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      g_autofree char *key = NULL;
      ConcordFieldSpec *spec;

      if (!_concord_vcard_is_x_text (prop))
        continue;
      key = concord_field_custom_key (prop->name);
      if (g_hash_table_contains (specs, key))
        continue;
      spec = concord_field_spec_new (key, prop->name, CONCORD_FIELD_TYPE_STRING, FALSE);
      spec->custom = TRUE;
      g_hash_table_insert (specs, g_steal_pointer (&key), spec);
    }
}
