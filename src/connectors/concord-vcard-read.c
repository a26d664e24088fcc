/* concord-vcard-read.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The vCard layer's reading: a card into a ConcordRecord (names, the
 * labelled emails, phones and addresses, the other canonical fields and the
 * X- custom fields), all of it or only what a change names.
 */

#define G_LOG_DOMAIN "concord-vcard"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "concord-vcard-private.h"

/* ------------------------------------------------------------------------- */
/* Reading: the card into a record                                           */
/* ------------------------------------------------------------------------- */

/* "_$!<Mobile>!$_" (Apple's built-in labels) is "Mobile". */
static char *
apple_label (const char *value)
{
  g_autofree char *text = _concord_vcard_unescape (value);
  gsize len = strlen (text);

  if (len > 8 && g_str_has_prefix (text, "_$!<") && g_str_has_suffix (text, ">!$_"))
    return g_strndup (text + 4, len - 8);
  return g_steal_pointer (&text);
}

/* The X-ABLabel of the property's group, if any. */
static char *
group_label (const ConcordVCard     *card,
             const ConcordVCardProp *prop)
{
  g_autofree char *group = prop_group (prop);

  if (group == NULL)
    return NULL;

  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *other = g_ptr_array_index (card->props, i);
      if (other != prop && prop_in_group (other, group) && prop_is (other, "X-ABLABEL"))
        return apple_label (prop_value (other));
    }
  return NULL;
}

/* The item's label (folded by concord_labelled_format()). */
static char *
item_label (const ConcordVCard         *card,
            const ConcordVCardProp     *prop,
            const ConcordVCardPropInfo *info)
{
  char *label = group_label (card, prop);

  if (label != NULL && !g_str_equal (label, ""))
    {
      if (g_ascii_strcasecmp (label, "iPhone") == 0 || g_ascii_strcasecmp (label, "cell") == 0)
        {
          g_free (label);
          return g_strdup (CONCORD_LABEL_MOBILE);
        }
      return label;
    }
  g_free (label);

  if (info->types & CONCORD_VCARD_TYPE_MOBILE)
    return g_strdup (CONCORD_LABEL_MOBILE);
  if (info->types & CONCORD_VCARD_TYPE_WORK)
    return g_strdup (CONCORD_LABEL_WORK);
  if (info->types & CONCORD_VCARD_TYPE_HOME)
    return g_strdup (CONCORD_LABEL_HOME);
  if (info->free_type != NULL)
    return g_ascii_strdown (info->free_type, info->free_type_len);

  return g_strdup (CONCORD_LABEL_OTHER);
}

/* Whether the property is marked preferred, and how much (lower: more). */
static guint
item_rank (const ConcordVCardPropInfo *info)
{
  if (info->pref > 0)
    return info->pref;
  if (info->types & CONCORD_VCARD_TYPE_PREF)
    return 1;
  return 101;
}

static void
item_clear (gpointer data)
{
  ConcordVCardItem *item = data;

  g_free (item->label);
  g_free (item->value);
}

/* An ADR's five parts as one member value. */
char *
_concord_vcard_address_value (const char * const parts[5])
{
  GString *out = g_string_new (NULL);
  gboolean any = FALSE;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *clean = _concord_vcard_nonblank (parts[i]);

      if (i > 0)
        g_string_append (out, "; ");
      if (clean == NULL)
        continue;
      any = TRUE;
      for (char *p = clean; *p != '\0'; p++)
        if (*p == ';' || *p == '\n' || *p == '\r' || *p == '\t')
          *p = (*p == ';') ? ',' : ' ';
      g_string_append (out, clean);
    }

  if (!any)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* The street of an ADR: street, else extended address, else PO box. */
static void
address_parts (GPtrArray   *components,
               const char **parts)
{
  parts[0] = _concord_vcard_component (components, 2);
  if (parts[0][0] == '\0')
    parts[0] = _concord_vcard_component (components, 1);
  if (parts[0][0] == '\0')
    parts[0] = _concord_vcard_component (components, 0);
  parts[1] = _concord_vcard_component (components, 3);
  parts[2] = _concord_vcard_component (components, 4);
  parts[3] = _concord_vcard_component (components, 5);
  parts[4] = _concord_vcard_component (components, 6);
}

/* The EMAIL, TEL or ADR items of the card, in card order. */
GArray *
_concord_vcard_read_items (const ConcordVCard *card,
                           const char         *name,
                           const char         *region)
{
  GArray *items = g_array_new (FALSE, TRUE, sizeof (ConcordVCardItem));

  g_array_set_clear_func (items, item_clear);

  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      ConcordVCardPropInfo info;
      ConcordVCardItem item = { .index = i };

      if (!prop_is (prop, name))
        continue;

      _concord_vcard_prop_info (prop, &info);
      if (info.encoded)
        {
          continue;
        }

      if (g_str_equal (name, "ADR"))
        {
          g_autoptr(GPtrArray) components = _concord_vcard_split_components (prop_value (prop), ';');
          const char *parts[5];

          address_parts (components, parts);
          item.value = _concord_vcard_address_value (parts);
        }
      else
        {
          g_autofree char *written = _concord_vcard_unescape (prop_value (prop));

          g_strstrip (written);
          if (g_str_equal (name, "EMAIL"))
            {
              if (g_ascii_strncasecmp (written, "mailto:", 7) == 0)
                item.value = g_strdup (written + 7);
              else
                item.value = g_steal_pointer (&written);
            }
          else
            {
              item.value = concord_vcard_phone_e164 (written, region);
              if (item.value == NULL)
                {
                  const char *number = written;
                  if (g_ascii_strncasecmp (number, "tel:", 4) == 0)
                    number += 4;
                  item.value = concord_normalize_phone (number);
                }
            }
        }

      if (item.value == NULL || item.value[0] == '\0')
        {
          item_clear (&item);
          continue;
        }

      item.label = item_label (card, prop, &info);
      if (!g_str_equal (item.label, CONCORD_LABEL_WORK) && !g_str_equal (item.label, CONCORD_LABEL_HOME) &&
          !g_str_equal (item.label, CONCORD_LABEL_MOBILE) && !g_str_equal (item.label, CONCORD_LABEL_OTHER))
        {
          char *label = concord_label_normalize (item.label);
          g_free (item.label);
          item.label = label;
        }
      item.rank = item_rank (&info);
      item.mobile = g_str_equal (item.label, CONCORD_LABEL_MOBILE);
      g_array_append_val (items, item);
    }

  return items;
}

/* The preferred item (lowest rank, then first), among the mobile ones or
 * the others when @mobile is 0 or 1; -1 for any. */
int
_concord_vcard_preferred_item (GArray *items,
                               int     mobile)
{
  int best = -1;

  for (guint i = 0; i < items->len; i++)
    {
      const ConcordVCardItem *item = &g_array_index (items, ConcordVCardItem, i);

      if (mobile >= 0 && item->mobile != (gboolean) mobile)
        continue;
      if (best < 0 || item->rank < g_array_index (items, ConcordVCardItem, best).rank)
        best = i;
    }
  return best;
}

static int
compare_members (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
set_items (ConcordRecord *record,
           const char    *key,
           GArray        *items)
{
  g_autoptr(GPtrArray) members = NULL;

  /* A new record has no such field: nothing to remove. */
  if (items->len == 0)
    return;
  members = g_ptr_array_new_with_free_func (g_free);

  if (items->len == 1)
    {
      /* The label is normalised already, and the record normalises the
       * value (concord_labelled_normalize()). */
      const ConcordVCardItem *item = &g_array_index (items, ConcordVCardItem, 0);
      g_ptr_array_add (members, g_strconcat (item->label, "\t", item->value, NULL));
    }
  else if (items->len > 1)
    {
      /* Several: the record keeps a value once, with the label that sorts
       * first; done here, on the normalised members, so that the record
       * never meets a value twice (its normalize_set() then frees a key
       * its table still holds: GLib's g_hash_table_add() replaces the
       * key). */
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      guint n = 0;

      for (guint i = 0; i < items->len; i++)
        {
          const ConcordVCardItem *item = &g_array_index (items, ConcordVCardItem, i);
          g_autofree char *member = g_strconcat (item->label, "\t", item->value, NULL);
          char *clean = concord_labelled_normalize (key, member);

          if (clean != NULL)
            g_ptr_array_add (members, clean);
        }
      g_ptr_array_sort (members, compare_members);
      for (guint i = 0; i < members->len; i++)
        {
          char *member = g_ptr_array_index (members, i);
          const char *value = strchr (member, '\t') + 1;

          if (g_hash_table_contains (seen, value))
            {
              g_free (member);
              continue;
            }
          g_hash_table_add (seen, (gpointer) value);
          g_ptr_array_index (members, n++) = member;
        }
      for (guint i = n; i < members->len; i++)
        g_ptr_array_index (members, i) = NULL;
      g_ptr_array_set_size (members, n);
    }
  g_ptr_array_add (members, NULL);
  concord_record_set_set (record, key, (const char * const *) members->pdata);
}

/* "1985-04-12", "19850412", "1985-04-12T…" into "YYYY-MM-DD"; NULL for
 * a date without its year ("--0412") or not a date. */
static char *
read_date (const char *value)
{
  char digits[9];
  guint n = 0;
  int y, m, d;

  if (value == NULL || g_str_has_prefix (value, "--"))
    return NULL;

  for (const char *p = value; *p != '\0' && *p != 'T' && n < 9; p++)
    {
      if (g_ascii_isdigit (*p))
        digits[n++] = *p;
      else if (*p != '-')
        return NULL;
    }
  if (n != 8)
    return NULL;
  digits[8] = '\0';
  if (sscanf (digits, "%4d%2d%2d", &y, &m, &d) != 3 || !g_date_valid_dmy (d, m, y))
    return NULL;

  return g_strdup_printf ("%04d-%02d-%02d", y, m, d);
}

static gint64
read_timestamp (const char *value)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  time = g_date_time_new_from_iso8601 (value, utc);
  if (time == NULL)
    {
      g_autofree char *date = read_date (value);
      if (date != NULL)
        {
          g_autofree char *full = g_strconcat (date, "T00:00:00Z", NULL);
          time = g_date_time_new_from_iso8601 (full, utc);
        }
    }
  return time != NULL ? g_date_time_to_unix (time) : 0;
}

/* Properties read into canonical fields (an X- one is a custom field). */
gboolean
_concord_vcard_is_x_text (const ConcordVCardProp *prop)
{
  ConcordVCardPropInfo info;
  gboolean             text;

  if (!g_str_has_prefix (prop->name, "X-") || prop_is (prop, "X-ABLABEL") || prop_is (prop, "X-ABADR"))
    return FALSE;
  if (prop->params_start + 1 >= prop->value_start)
    return TRUE;

  _concord_vcard_prop_info (prop, &info);
  text = !info.encoded && !info.uri;
  return text;
}

/* The value unescaped, NULL when blank (the note's own spaces kept). */
static char *
nonblank_unescaped (const char *value)
{
  char *text = _concord_vcard_unescape (value);

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return text;
  g_free (text);
  return NULL;
}

/* @text without control characters (C0 but tab, and DEL), in place: a
 * name with them is refused by some apps (Elastic Email keeps them as they
 * are, and other apps then choke). The card keeps its own bytes. */
static char *
drop_controls (char *text)
{
  char *out = text;

  if (text == NULL)
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    if (((guchar) *p >= 0x20 && *p != 0x7f) || *p == '\t')
      *out++ = *p;
  *out = '\0';
  return text;
}

/* Trimmed copy of a name without control characters, NULL when blank. */
static char *
nonblank_name (const char *text)
{
  g_autofree char *copy = g_strdup (text);

  return _concord_vcard_nonblank (drop_controls (copy));
}

/* The first component of ORG, unescaped, without control characters. */
static char *
read_org (const ConcordVCardProp *prop)
{
  g_autoptr(GPtrArray) parts = _concord_vcard_split_components (prop_value (prop), ';');
  return nonblank_name (_concord_vcard_component (parts, 0));
}

/* Whether one of the card's EMAIL values is @text. */
static gboolean
has_email (const ConcordVCard *card,
           const char         *text)
{
  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      g_autofree char *value = NULL;

      if (!prop_is (prop, "EMAIL"))
        continue;
      value = _concord_vcard_unescape (prop_value (prop));
      if (g_ascii_strcasecmp (g_strstrip (value), text) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Whether one of the card's ORG names @text. */
static gboolean
has_org (const ConcordVCard *card,
         const char         *text)
{
  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      g_autofree char *company = NULL;

      if (!prop_is (prop, "ORG"))
        continue;
      company = read_org (prop);
      if (g_strcmp0 (company, text) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
read_names (const ConcordVCard *card,
            ConcordRecord      *record)
{
  const ConcordVCardProp *n = _concord_vcard_find_prop (card, "N");
  const ConcordVCardProp *fn;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;

  if (n != NULL)
    {
      g_autoptr(GPtrArray) parts = _concord_vcard_split_components (prop_value (n), ';');
      last = nonblank_name (_concord_vcard_component (parts, 0));
      first = nonblank_name (_concord_vcard_component (parts, 1));
    }

  fn = _concord_vcard_find_prop (card, "FN");
  if (first == NULL && last == NULL && fn != NULL)
    {
      g_autofree char *full = drop_controls (_concord_vcard_unescape (prop_value (fn)));
      char *space;

      g_strstrip (full);
      /* An organisation's card names the company in FN, a card with
       * only an email its email: no person. */
      if (full[0] != '\0' && !has_org (card, full) && !has_email (card, full))
        {
          space = strrchr (full, ' ');
          if (space != NULL)
            {
              *space = '\0';
              first = _concord_vcard_nonblank (full);
              last = _concord_vcard_nonblank (space + 1);
            }
          else
            first = g_strdup (full);
        }
    }

  concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, first);
  concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, last);
}

static void
read_address (ConcordRecord          *record,
              const ConcordVCardProp *prop)
{
  g_autoptr(GPtrArray) components = _concord_vcard_split_components (prop_value (prop), ';');
  const char *parts[5];
  static const char * const keys[] = {
    CONCORD_FIELD_ADDRESS_STREET, CONCORD_FIELD_ADDRESS_CITY, CONCORD_FIELD_ADDRESS_REGION,
    CONCORD_FIELD_ADDRESS_POSTAL_CODE, CONCORD_FIELD_ADDRESS_COUNTRY,
  };

  address_parts (components, parts);
  for (guint i = 0; i < 5; i++)
    concord_record_set_text (record, keys[i], CONCORD_FIELD_TYPE_STRING, parts[i]);
}

/* The labelled items: the emails and phones (with the preferred ones as
 * "email", "phone" and "mobile") and the addresses. */
static void
read_labelled (const ConcordVCard *card,
               ConcordRecord      *record,
               const char         *region,
               guint               what)
{
  g_autoptr(GArray) emails = NULL;
  g_autoptr(GArray) phones = NULL;
  int best;

  if (what & CONCORD_VCARD_READ_EMAILS)
    {
      emails = _concord_vcard_read_items (card, "EMAIL", region);
      best = _concord_vcard_preferred_item (emails, -1);
      if (best >= 0)
        concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL,
                                 g_array_index (emails, ConcordVCardItem, best).value);
      set_items (record, CONCORD_FIELD_EMAILS, emails);
    }

  if (what & CONCORD_VCARD_READ_PHONES)
    {
      phones = _concord_vcard_read_items (card, "TEL", region);
      best = _concord_vcard_preferred_item (phones, 0);
      if (best >= 0)
        concord_record_set_text (record, CONCORD_FIELD_PHONE, CONCORD_FIELD_TYPE_PHONE,
                                 g_array_index (phones, ConcordVCardItem, best).value);
      best = _concord_vcard_preferred_item (phones, 1);
      if (best >= 0)
        concord_record_set_text (record, CONCORD_FIELD_MOBILE, CONCORD_FIELD_TYPE_PHONE,
                                 g_array_index (phones, ConcordVCardItem, best).value);
      set_items (record, CONCORD_FIELD_PHONES, phones);
    }

  if (what & CONCORD_VCARD_READ_ADDRESSES)
    {
      g_autoptr(GArray) addresses = _concord_vcard_read_items (card, "ADR", region);
      set_items (record, CONCORD_FIELD_ADDRESSES, addresses);
    }
}

/* What the walk over the other properties has found so far: the first of
 * each single field wins, the best ranked URL and ADR are read at the
 * end, the tags of every CATEGORIES are gathered. */
typedef struct
{
  const ConcordVCardProp *url, *adr;
  guint url_rank, adr_rank;
  gboolean have_company, have_title, have_note, have_birthday;
  GPtrArray *tags;
} OtherFields;

/* A property that is neither an ADR nor an X- one, when OTHER is read. */
static void
read_other_prop (OtherFields            *found,
                 ConcordRecord          *record,
                 const ConcordVCardProp *prop)
{
  const char *value = prop_value (prop);

  if (prop_is (prop, "ORG"))
    {
      g_autofree char *company = found->have_company ? NULL : read_org (prop);
      if (company != NULL)
        found->have_company = concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, company);
    }
  else if (prop_is (prop, "TITLE"))
    {
      g_autofree char *title = found->have_title ? NULL : nonblank_unescaped (value);
      if (title != NULL)
        found->have_title = concord_record_set_text (record, CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_TYPE_STRING, title);
    }
  else if (prop_is (prop, "NOTE"))
    {
      g_autofree char *note = found->have_note ? NULL : nonblank_unescaped (value);
      if (note != NULL)
        found->have_note = concord_record_set_text (record, CONCORD_FIELD_NOTES, CONCORD_FIELD_TYPE_STRING, note);
    }
  else if (prop_is (prop, "BDAY"))
    {
      g_autofree char *date = found->have_birthday ? NULL : read_date (value);
      if (date != NULL)
        found->have_birthday = concord_record_set_text (record, CONCORD_FIELD_BIRTHDAY, CONCORD_FIELD_TYPE_DATE, date);
    }
  else if (prop_is (prop, "REV"))
    {
      gint64 modified = read_timestamp (value);
      if (modified > 0)
        concord_record_set_modified (record, modified);
    }
  else if (prop_is (prop, "CATEGORIES"))
    {
      g_autoptr(GPtrArray) parts = _concord_vcard_split_components (value, ',');
      for (guint j = 0; j < parts->len; j++)
        {
          char *tag = _concord_vcard_nonblank (g_ptr_array_index (parts, j));
          if (tag != NULL)
            g_ptr_array_add (found->tags, tag);
        }
    }
  else if (prop_is (prop, "URL"))
    {
      ConcordVCardPropInfo info;
      guint rank;

      _concord_vcard_prop_info (prop, &info);
      rank = info.encoded ? G_MAXUINT : item_rank (&info);
      if (rank < found->url_rank)
        found->url = prop, found->url_rank = rank;
    }
}

/* One property of the walk: an ADR (ranked), an X- custom field, or
 * another field. */
static void
read_prop (OtherFields            *found,
           ConcordRecord          *record,
           const ConcordVCardProp *prop,
           guint                   what)
{
  if (prop_is (prop, "ADR"))
    {
      ConcordVCardPropInfo info;
      guint rank;

      if ((what & CONCORD_VCARD_READ_ADDRESSES) == 0)
        return;
      _concord_vcard_prop_info (prop, &info);
      rank = info.encoded ? G_MAXUINT : item_rank (&info);
      if (rank < found->adr_rank)
        found->adr = prop, found->adr_rank = rank;
    }
  else if (g_str_has_prefix (prop->name, "X-"))
    {
      g_autofree char *key = NULL;
      g_autofree char *text = NULL;

      if ((what & CONCORD_VCARD_READ_CUSTOM) == 0 || !_concord_vcard_is_x_text (prop))
        return;
      key = concord_field_custom_key (prop->name);
      text = _concord_vcard_unescape (prop_value (prop));
      if (concord_record_get (record, key) == NULL)
        concord_record_set_text (record, key, CONCORD_FIELD_TYPE_STRING, text);
    }
  else if (what & CONCORD_VCARD_READ_OTHER)
    read_other_prop (found, record, prop);
}

ConcordRecord *
_concord_vcard_read_record (const ConcordVCard *card,
                            const char         *remote_id,
                            const char         *region,
                            guint               what)
{
  g_autoptr(ConcordRecord) record = concord_record_new (remote_id);
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  OtherFields found = { NULL, NULL, G_MAXUINT, G_MAXUINT, FALSE, FALSE, FALSE, FALSE, tags };

  if (what & CONCORD_VCARD_READ_NAMES)
    read_names (card, record);

  read_labelled (card, record, region, what);

  if ((what & (CONCORD_VCARD_READ_OTHER | CONCORD_VCARD_READ_ADDRESSES | CONCORD_VCARD_READ_CUSTOM)) == 0)
    return g_steal_pointer (&record);

  for (guint i = 0; i < card->props->len; i++)
    read_prop (&found, record, g_ptr_array_index (card->props, i), what);

  if (found.url != NULL)
    {
      g_autofree char *website = _concord_vcard_unescape (prop_value (found.url));
      concord_record_set_text (record, CONCORD_FIELD_WEBSITE, CONCORD_FIELD_TYPE_STRING, website);
    }
  if (found.adr != NULL)
    read_address (record, found.adr);

  if ((what & CONCORD_VCARD_READ_OTHER) && tags->len > 0)
    {
      g_ptr_array_add (tags, NULL);
      concord_record_set_set (record, CONCORD_FIELD_TAGS, (const char * const *) tags->pdata);
    }

  return g_steal_pointer (&record);
}

/**
 * concord_vcard_to_record:
 * @card: the card
 * @remote_id: (nullable): the record's remote id (the href, the file name)
 * @region: (nullable): the country of numbers written without their
 *   country code ("GB"); %NULL: such numbers are kept as written
 *
 * Reads the card into a record:
 * - N into last_name, first_name; when N names nobody, FN split at its
 *   last space (one word: a first name; the company's name: nobody);
 * - EMAIL into "email" (the preferred: TYPE=pref in 3.0, the lowest PREF
 *   in 4.0, else the first) and "emails" (labelled);
 * - TEL into "phone" (the preferred that is not a mobile), "mobile" (the
 *   preferred of TYPE=cell) and "phones", in E.164 when @region (or the
 *   number's "+") says the country, else as written;
 * - ADR into address_* (the preferred) and "addresses";
 * - ORG (first component) into company, TITLE job_title, URL website (the
 *   preferred), BDAY birthday (a date without year is skipped), NOTE
 *   notes, CATEGORIES (every line) tags, REV the modified time;
 * - every X- property with a text value into "custom:X-NAME" (its first
 *   line). UID is no field. Lines with an ENCODING are not read.
 *
 * Returns: (transfer full): the record
 */
ConcordRecord *
concord_vcard_to_record (const ConcordVCard *card,
                         const char         *remote_id,
                         const char         *region)
{
  g_return_val_if_fail (card != NULL, NULL);

  return _concord_vcard_read_record (card, remote_id, region, CONCORD_VCARD_READ_ALL);
}
