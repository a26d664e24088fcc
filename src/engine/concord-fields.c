/* concord-fields.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The canonical field vocabulary. Connectors map their apps' fields onto
 * these names, so that a connection between two apps can be mapped
 * automatically: Elastic Email's FirstName and a CRM's firstname both
 * become "first_name". Fields an app has beyond these are custom fields,
 * named "custom:<Name>" with the app's own name.
 *
 * Labels are marked with N_() and translated where they are shown.
 *
 * Several emails, phones and addresses: the single fields ("email",
 * "phone", "mobile", "address_*") stay and mean the primary one; "emails",
 * "phones" and "addresses" are labelled sets, STRING_SETs whose members
 * are "label<TAB>value". A set carries them through the store, the
 * journal, JSON, the filters and the three-way merge with no new
 * machinery, and a label change is a change of the member, so it merges
 * like any other. Labels are folded onto a small vocabulary (work, home,
 * mobile, other) without regard to the locale; any other label is kept as
 * the app wrote it. The primary is the member whose value is the single
 * field's; concord_record_normalize_multi() keeps the two in step.
 */

#define G_LOG_DOMAIN "concord-fields"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "concord-fields.h"

static const char *status_choices[] = {
  "active", "engaged", "inactive", "not_confirmed", "transactional",
  "unsubscribed", "bounced", "abuse", NULL
};
static const char *consent_choices[] = { "unknown", "allow", "deny", NULL };

#define TEXT(k, l)   { (char *) k, (char *) l, CONCORD_FIELD_TYPE_STRING, FALSE, FALSE, FALSE, NULL }
#define TYPED(k, l, t, ro) { (char *) k, (char *) l, t, FALSE, ro, FALSE, NULL }

static const ConcordFieldSpec canonical_fields[] = {
  TYPED (CONCORD_FIELD_EMAIL, N_("Email"), CONCORD_FIELD_TYPE_EMAIL, FALSE),
  TEXT (CONCORD_FIELD_FIRST_NAME, N_("First name")),
  TEXT (CONCORD_FIELD_LAST_NAME, N_("Last name")),
  TYPED (CONCORD_FIELD_PHONE, N_("Phone"), CONCORD_FIELD_TYPE_PHONE, FALSE),
  TYPED (CONCORD_FIELD_MOBILE, N_("Mobile"), CONCORD_FIELD_TYPE_PHONE, FALSE),
  TEXT (CONCORD_FIELD_COMPANY, N_("Company")),
  TEXT (CONCORD_FIELD_JOB_TITLE, N_("Job title")),
  TEXT (CONCORD_FIELD_WEBSITE, N_("Website")),
  TEXT (CONCORD_FIELD_ADDRESS_STREET, N_("Street")),
  TEXT (CONCORD_FIELD_ADDRESS_CITY, N_("City")),
  TEXT (CONCORD_FIELD_ADDRESS_REGION, N_("State or region")),
  TEXT (CONCORD_FIELD_ADDRESS_POSTAL_CODE, N_("Postal code")),
  TEXT (CONCORD_FIELD_ADDRESS_COUNTRY, N_("Country")),
  TYPED (CONCORD_FIELD_BIRTHDAY, N_("Birthday"), CONCORD_FIELD_TYPE_DATE, FALSE),
  TEXT (CONCORD_FIELD_NOTES, N_("Notes")),
  { (char *) CONCORD_FIELD_STATUS, (char *) N_("Status"), CONCORD_FIELD_TYPE_ENUM,
    FALSE, FALSE, FALSE, (char **) status_choices },
  TYPED (CONCORD_FIELD_SOURCE, N_("Source"), CONCORD_FIELD_TYPE_ENUM, TRUE),
  { (char *) CONCORD_FIELD_LISTS, (char *) N_("Lists"), CONCORD_FIELD_TYPE_STRING_SET,
    TRUE, FALSE, FALSE, NULL },
  { (char *) CONCORD_FIELD_TAGS, (char *) N_("Tags"), CONCORD_FIELD_TYPE_STRING_SET,
    TRUE, FALSE, FALSE, NULL },
  { (char *) CONCORD_FIELD_CONSENT, (char *) N_("Consent"), CONCORD_FIELD_TYPE_ENUM,
    FALSE, FALSE, FALSE, (char **) consent_choices },
  { (char *) CONCORD_FIELD_EMAILS, (char *) N_("Email addresses"), CONCORD_FIELD_TYPE_STRING_SET,
    TRUE, FALSE, FALSE, NULL },
  { (char *) CONCORD_FIELD_PHONES, (char *) N_("Phone numbers"), CONCORD_FIELD_TYPE_STRING_SET,
    TRUE, FALSE, FALSE, NULL },
  { (char *) CONCORD_FIELD_ADDRESSES, (char *) N_("Addresses"), CONCORD_FIELD_TYPE_STRING_SET,
    TRUE, FALSE, FALSE, NULL },
  TYPED (CONCORD_FIELD_CREATED_AT, N_("Created"), CONCORD_FIELD_TYPE_DATETIME, TRUE),
  TYPED (CONCORD_FIELD_UPDATED_AT, N_("Updated"), CONCORD_FIELD_TYPE_DATETIME, TRUE),
};

#undef TEXT
#undef TYPED

ConcordFieldSpec *
concord_field_spec_new (const char       *key,
                        const char       *label,
                        ConcordFieldType  type,
                        gboolean          read_only)
{
  ConcordFieldSpec *spec;

  g_return_val_if_fail (key != NULL && *key != '\0', NULL);

  spec = g_new0 (ConcordFieldSpec, 1);
  spec->key = g_strdup (key);
  spec->label = g_strdup (label != NULL ? label : key);
  spec->type = type;
  spec->multi = type == CONCORD_FIELD_TYPE_STRING_SET;
  spec->read_only = read_only;
  spec->custom = concord_field_is_custom (key);

  return spec;
}

ConcordFieldSpec *
concord_field_spec_copy (const ConcordFieldSpec *spec)
{
  ConcordFieldSpec *copy;

  g_return_val_if_fail (spec != NULL, NULL);

  copy = g_new0 (ConcordFieldSpec, 1);
  copy->key = g_strdup (spec->key);
  copy->label = g_strdup (spec->label);
  copy->type = spec->type;
  copy->multi = spec->multi;
  copy->read_only = spec->read_only;
  copy->custom = spec->custom;
  copy->choices = g_strdupv (spec->choices);
  copy->choice_labels = g_strdupv (spec->choice_labels);

  return copy;
}

void
concord_field_spec_free (ConcordFieldSpec *spec)
{
  if (spec == NULL)
    return;

  g_free (spec->key);
  g_free (spec->label);
  g_strfreev (spec->choices);
  g_strfreev (spec->choice_labels);
  g_free (spec);
}

/**
 * concord_fields_lookup:
 * @key: a field name
 *
 * Returns: (transfer none) (nullable): the spec of canonical field @key
 */
const ConcordFieldSpec *
concord_fields_lookup (const char *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (canonical_fields); i++)
    if (g_str_equal (canonical_fields[i].key, key))
      return &canonical_fields[i];

  return NULL;
}

/**
 * concord_fields_get_all:
 * @n_fields: (out): the number of canonical fields
 *
 * Returns: (transfer none) (array length=n_fields): every canonical field
 */
const ConcordFieldSpec *
concord_fields_get_all (guint *n_fields)
{
  g_return_val_if_fail (n_fields != NULL, NULL);

  *n_fields = G_N_ELEMENTS (canonical_fields);
  return canonical_fields;
}

gboolean
concord_field_is_custom (const char *key)
{
  return key != NULL && g_str_has_prefix (key, CONCORD_FIELD_CUSTOM_PREFIX);
}

/**
 * concord_field_custom_key:
 * @name: an app's custom field name, e.g. "Membership level"
 *
 * Returns: (transfer full): "custom:Membership level"
 */
char *
concord_field_custom_key (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_strconcat (CONCORD_FIELD_CUSTOM_PREFIX, name, NULL);
}

/* ------------------------------------------------------------------------- */
/* Labelled items                                                            */
/* ------------------------------------------------------------------------- */

static const char * const label_vocabulary[] = {
  CONCORD_LABEL_WORK, CONCORD_LABEL_HOME, CONCORD_LABEL_MOBILE, CONCORD_LABEL_OTHER, NULL
};

/**
 * concord_field_is_labelled:
 * @key: a field name
 *
 * Returns: whether @key is a set of labelled items ("emails", "phones",
 *   "addresses")
 */
gboolean
concord_field_is_labelled (const char *key)
{
  return key != NULL &&
         (g_str_equal (key, CONCORD_FIELD_EMAILS) || g_str_equal (key, CONCORD_FIELD_PHONES) ||
          g_str_equal (key, CONCORD_FIELD_ADDRESSES));
}

/* Valid UTF-8 on one line: control characters (tabs, line breaks) become
 * spaces, the ends are trimmed, at most @max_chars characters (0: any).
 * NULL when nothing is left. */
static char *
clean_line (const char *text,
            gsize       max_chars)
{
  g_autofree char *valid = NULL;
  GString *out;
  gsize n = 0;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0' && (max_chars == 0 || n < max_chars); p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }

  g_strstrip (out->str);
  g_string_set_size (out, strlen (out->str));
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

/**
 * concord_label_normalize:
 * @label: (nullable): a label as an app wrote it ("Work", "HOME", "Assistant")
 *
 * A label of the vocabulary in any ASCII case becomes that word ("WORK" is
 * "work" in every locale, Turkish too); any other label is kept as
 * written, on one line, cut to %CONCORD_LABEL_MAX_CHARS characters. No
 * label is "other".
 *
 * Returns: (transfer full): the label
 */
char *
concord_label_normalize (const char *label)
{
  g_autofree char *clean = clean_line (label, CONCORD_LABEL_MAX_CHARS);
  g_autofree char *lower = NULL;

  if (clean == NULL)
    return g_strdup (CONCORD_LABEL_OTHER);

  lower = g_ascii_strdown (clean, -1);
  for (guint i = 0; label_vocabulary[i] != NULL; i++)
    if (g_str_equal (lower, label_vocabulary[i]))
      return g_strdup (label_vocabulary[i]);

  return g_steal_pointer (&clean);
}

/**
 * concord_labelled_format:
 * @label: (nullable): the label; %NULL is "other"
 * @value: (nullable): the email, phone or address
 *
 * Returns: (transfer full) (nullable): the member "label<TAB>value", or
 *   %NULL when @value is blank
 */
char *
concord_labelled_format (const char *label,
                         const char *value)
{
  g_autofree char *clean = clean_line (value, 0);
  g_autofree char *folded = NULL;

  if (clean == NULL)
    return NULL;

  folded = concord_label_normalize (label);
  return g_strconcat (folded, "\t", clean, NULL);
}

/**
 * concord_labelled_parse:
 * @item: (nullable): a member of a labelled set
 * @label: (out) (optional) (transfer full): its label
 * @value: (out) (optional) (transfer full): its value
 *
 * A member without a tab is a value labelled "other".
 *
 * Returns: %FALSE when @item holds no value (the outs are then %NULL)
 */
gboolean
concord_labelled_parse (const char  *item,
                        char       **label,
                        char       **value)
{
  g_autofree char *head = NULL;
  g_autofree char *tail = NULL;
  const char *tab;

  if (label != NULL)
    *label = NULL;
  if (value != NULL)
    *value = NULL;

  if (item == NULL)
    return FALSE;

  tab = strchr (item, '\t');
  if (tab != NULL)
    {
      head = g_strndup (item, tab - item);
      tail = clean_line (tab + 1, 0);
    }
  else
    tail = clean_line (item, 0);

  if (tail == NULL)
    return FALSE;

  if (label != NULL)
    *label = concord_label_normalize (head);
  if (value != NULL)
    *value = g_steal_pointer (&tail);

  return TRUE;
}

/**
 * concord_labelled_normalize:
 * @key: the labelled field the member belongs to
 * @item: (nullable): a member as given
 *
 * The member in its one form: label folded, and the value as the single
 * field of its kind compares it (an email with its ASCII letters in lower
 * case, see concord_email_fold(); a phone number without formatting).
 *
 * Returns: (transfer full) (nullable): the member, %NULL when it holds no
 *   value
 */
char *
concord_labelled_normalize (const char *key,
                            const char *item)
{
  g_autofree char *label = NULL;
  g_autofree char *value = NULL;
  g_autofree char *clean = NULL;

  if (!concord_labelled_parse (item, &label, &value))
    return NULL;

  if (g_strcmp0 (key, CONCORD_FIELD_EMAILS) == 0)
    clean = concord_email_fold (value);
  else if (g_strcmp0 (key, CONCORD_FIELD_PHONES) == 0)
    clean = concord_normalize_phone (value);
  else
    clean = g_steal_pointer (&value);

  if (clean == NULL)
    return NULL;

  return g_strconcat (label, "\t", clean, NULL);
}

/**
 * concord_label_display:
 * @label: a normalised label
 *
 * Returns: (transfer none): the label to show: translated when it is a
 *   word of the vocabulary, else as written
 */
const char *
concord_label_display (const char *label)
{
  g_return_val_if_fail (label != NULL, NULL);

  /* Translators: labels of a contact's emails, phones and addresses */
  if (g_str_equal (label, CONCORD_LABEL_WORK))
    return C_("contact label", "work");
  if (g_str_equal (label, CONCORD_LABEL_HOME))
    return C_("contact label", "home");
  if (g_str_equal (label, CONCORD_LABEL_MOBILE))
    return C_("contact label", "mobile");
  if (g_str_equal (label, CONCORD_LABEL_OTHER))
    return C_("contact label", "other");

  return label;
}

/**
 * concord_labelled_display:
 * @item: (nullable): a member of a labelled set
 *
 * Returns: (transfer full) (nullable): the member as people read it,
 *   "work: ann@example.com", never with a tab
 */
char *
concord_labelled_display (const char *item)
{
  g_autofree char *label = NULL;
  g_autofree char *value = NULL;

  if (!concord_labelled_parse (item, &label, &value))
    return NULL;

  /* Translators: a contact's email, phone or address with its label,
   * e.g. "work: ann@example.com" */
  return g_strdup_printf (_("%s: %s"), concord_label_display (label), value);
}

/* ------------------------------------------------------------------------- */
/* The primary and the set                                                   */
/* ------------------------------------------------------------------------- */

typedef enum
{
  MEMBERS_ALL,
  MEMBERS_NOT_MOBILE,
  MEMBERS_MOBILE,
} Members;

/* A single field and the labelled set it is the primary of. */
typedef struct
{
  const char       *single;
  ConcordFieldType  type;
  const char       *set;
  Members           members;   /* which members may be this single's */
  const char       *label;     /* the label of a member added for it */
} PrimaryLink;

static const PrimaryLink primary_links[] = {
  { CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, CONCORD_FIELD_EMAILS, MEMBERS_ALL, CONCORD_LABEL_OTHER },
  { CONCORD_FIELD_PHONE, CONCORD_FIELD_TYPE_PHONE, CONCORD_FIELD_PHONES, MEMBERS_NOT_MOBILE, CONCORD_LABEL_OTHER },
  { CONCORD_FIELD_MOBILE, CONCORD_FIELD_TYPE_PHONE, CONCORD_FIELD_PHONES, MEMBERS_MOBILE, CONCORD_LABEL_MOBILE },
};

/* What the single field and a member's value compare by. */
static char *
primary_key (const PrimaryLink *link,
             const char        *text)
{
  char *key;

  if (text == NULL)
    return NULL;

  if (link->type == CONCORD_FIELD_TYPE_EMAIL)
    {
      key = concord_normalize_email (text);
      return key != NULL ? key : concord_email_fold (text);
    }

  return concord_normalize_phone (text);
}

static const char *
single_text (const ConcordRecord *record,
             const PrimaryLink   *link)
{
  const ConcordValue *value = record != NULL ? concord_record_get (record, link->single) : NULL;

  return value != NULL && CONCORD_FIELD_TYPE_IS_TEXT (value->type) ? value->v.text : NULL;
}

static char **
set_members (const ConcordRecord *record,
             const PrimaryLink   *link)
{
  const ConcordValue *value = record != NULL ? concord_record_get (record, link->set) : NULL;

  return value != NULL && value->type == CONCORD_FIELD_TYPE_STRING_SET ? value->v.set : NULL;
}

static gboolean
is_member (const PrimaryLink *link,
           const char        *label)
{
  switch (link->members)
    {
    case MEMBERS_NOT_MOBILE:
      return !g_str_equal (label, CONCORD_LABEL_MOBILE);
    case MEMBERS_MOBILE:
      return g_str_equal (label, CONCORD_LABEL_MOBILE);
    case MEMBERS_ALL:
    default:
      return TRUE;
    }
}

/* The index in @items of the member of @link whose value has @key, or -1. */
static int
find_member (const PrimaryLink *link,
             char * const      *items,
             guint              n_items,
             const char        *key)
{
  if (key == NULL)
    return -1;

  for (guint i = 0; i < n_items; i++)
    {
      g_autofree char *label = NULL;
      g_autofree char *value = NULL;
      g_autofree char *item_key = NULL;

      if (!concord_labelled_parse (items[i], &label, &value) ||
          !is_member (link, label))
        continue;

      item_key = primary_key (link, value);
      if (g_strcmp0 (item_key, key) == 0)
        return i;
    }

  return -1;
}

/* The member that becomes the primary when there is none: the first
 * labelled work, else the first labelled other, else the first. */
static char *
pick_primary (const PrimaryLink *link,
              GPtrArray         *items)
{
  static const char * const preferred[] = { CONCORD_LABEL_WORK, CONCORD_LABEL_OTHER, NULL };

  for (guint round = 0; round < G_N_ELEMENTS (preferred); round++)
    for (guint i = 0; i < items->len; i++)
      {
        g_autofree char *label = NULL;
        g_autofree char *value = NULL;

        if (!concord_labelled_parse (g_ptr_array_index (items, i), &label, &value) ||
            !is_member (link, label))
          continue;
        if (preferred[round] == NULL || g_str_equal (label, preferred[round]))
          return g_steal_pointer (&value);
      }

  return NULL;
}

static gboolean
keep_in_step (const PrimaryLink   *link,
              const ConcordRecord *before,
              ConcordRecord       *after)
{
  char **members = set_members (after, link);
  char **members_before = set_members (before, link);
  const char *primary = single_text (after, link);
  g_autofree char *key_old = primary_key (link, single_text (before, link));
  g_autofree char *key_new = primary_key (link, primary);
  g_autofree char *new_primary = NULL;
  g_autoptr(GPtrArray) items = NULL;
  gboolean items_changed = FALSE;
  gboolean primary_changed = FALSE;
  gboolean clear_primary = FALSE;
  int old_index, new_index;

  /* A record without the set (an app with one email, or none) has
   * nothing to keep in step. */
  if (members == NULL)
    return FALSE;

  items = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; members[i] != NULL; i++)
    g_ptr_array_add (items, g_strdup (members[i]));

  old_index = find_member (link, (char **) items->pdata, items->len, key_old);
  new_index = find_member (link, (char **) items->pdata, items->len, key_new);

  if (g_strcmp0 (key_old, key_new) != 0 && old_index >= 0 && new_index < 0 &&
      members_before != NULL && g_strv_equal ((const char * const *) members_before,
                                             (const char * const *) members))
    {
      /* The primary alone was changed, to an address the set does not
       * have (an app with one email changed it): it replaces the old
       * primary, with the old one's label, and the other members stay.
       * Made the primary of a member the set has, the old one stays a
       * member; changed with the set, the new primary joins it. */
      g_autofree char *label = NULL;

      concord_labelled_parse (g_ptr_array_index (items, old_index), &label, NULL);
      g_free (g_ptr_array_index (items, old_index));
      if (primary != NULL)
        g_ptr_array_index (items, old_index) = concord_labelled_format (label, primary);
      else
        {
          /* Cleared: the member goes, and the next one is the primary. */
          g_ptr_array_index (items, old_index) = NULL;
          g_ptr_array_remove_index (items, old_index);
          new_primary = pick_primary (link, items);
          primary_changed = new_primary != NULL;
        }
      items_changed = TRUE;
    }
  else if (g_strcmp0 (key_old, key_new) == 0 && key_new != NULL && new_index < 0 &&
           members_before != NULL &&
           find_member (link, members_before, g_strv_length (members_before), key_old) >= 0)
    {
      /* The primary's member was removed: the next member is the
       * primary (none left, no primary). */
      new_primary = pick_primary (link, items);
      clear_primary = new_primary == NULL;
      primary_changed = TRUE;
    }
  else if (key_new != NULL && new_index < 0)
    {
      /* A primary the set lacks joins it. */
      g_ptr_array_add (items, concord_labelled_format (link->label, primary));
      items_changed = TRUE;
    }
  else if (primary == NULL)
    {
      /* A set without a primary: its first work (or other) member. */
      new_primary = pick_primary (link, items);
      primary_changed = new_primary != NULL;
    }

  if (items_changed)
    {
      g_ptr_array_add (items, NULL);
      concord_record_set_set (after, link->set, (const char * const *) items->pdata);
    }
  if (primary_changed)
    {
      if (clear_primary)
        concord_record_remove (after, link->single);
      else
        concord_record_set_text (after, link->single, link->type, new_primary);
    }

  return items_changed || primary_changed;
}

/**
 * concord_record_normalize_multi:
 * @before: (nullable): the record as it was (its baseline), %NULL for a new one
 * @after: the record as it will be, changed in place
 *
 * Keeps each single field ("email", "phone", "mobile") and its labelled
 * set ("emails", "phones") in step, judging by what changed since
 * @before:
 *
 * - a primary the set lacks joins the set, except that a primary changed
 *   alone (the set as it was) to a new address replaces the old primary's
 *   member, keeping its label and every other member: an app with one
 *   email changed it;
 * - when the primary's member was removed from the set, the next member
 *   (the first work one, else the first other one, else the first) becomes
 *   the primary; with none left there is no primary;
 * - a set without a primary gets one the same way.
 *
 * A record without the set is left as it is. The engine applies this to
 * every record it is about to write, after mapping.
 *
 * Returns: whether @after was changed
 */
gboolean
concord_record_normalize_multi (const ConcordRecord *before,
                                ConcordRecord       *after)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (after != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (primary_links); i++)
    changed |= keep_in_step (&primary_links[i], before, after);

  return changed;
}
