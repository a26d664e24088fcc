/* concord-vcard-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The vCard layer's writing: properties inserted, replaced and removed in
 * place, single values, structured values (N, ORG, ADR) and the labelled
 * items (EMAIL, TEL, ADR) set from a record's members, every other line
 * keeping its bytes and its place.
 */

#define G_LOG_DOMAIN "concord-vcard"

#include "config.h"

#include <string.h>

#include "concord-vcard-private.h"

/* ------------------------------------------------------------------------- */
/* Writing: a change into the card                                           */
/* ------------------------------------------------------------------------- */

/* Where a new property goes: after the last of its name, else before END. */
static guint
insert_position (const ConcordVCard *card,
                 const char         *name)
{
  guint pos = card->props->len - 1;   /* END */
  const ConcordVCardProp *last = NULL;

  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      if (prop_is (prop, name))
        {
          pos = i + 1;
          last = prop;
        }
    }
  /* After the last one's group (its X-ABLabel). */
  if (last != NULL && last->group_len > 0)
    {
      g_autofree char *group = prop_group (last);
      while (pos < card->props->len && prop_in_group (g_ptr_array_index (card->props, pos), group))
        pos++;
    }
  /* After END?  Only if END is not last: then still before END. */
  for (guint i = card->props->len; i > 0; i--)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i - 1);
      if (prop_is (prop, "END"))
        {
          if (pos > i - 1)
            pos = i - 1;
          break;
        }
    }
  return pos;
}

static void
replace_prop (ConcordVCard *card,
              guint         index,
              const char   *line)
{
  ConcordVCardProp *prop = _concord_vcard_prop_new_written (line);

  g_return_if_fail (prop != NULL);
  _concord_vcard_prop_free (g_ptr_array_index (card->props, index));
  g_ptr_array_index (card->props, index) = prop;
}

static void
insert_prop (ConcordVCard *card,
             const char   *name,
             const char   *line)
{
  ConcordVCardProp *prop = _concord_vcard_prop_new_written (line);

  g_return_if_fail (prop != NULL);
  g_ptr_array_insert (card->props, insert_position (card, name), prop);
}

/* Removes the properties at @indices (in any order, each once); and the
 * X-ABLabel of a group left with nothing else to label. */
void
_concord_vcard_remove_props (ConcordVCard *card,
                             const guint  *indices,
                             guint         n_indices)
{
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  guint kept = 0;

  for (guint i = 0; i < n_indices; i++)
    {
      ConcordVCardProp *prop = g_ptr_array_index (card->props, indices[i]);

      if (prop == NULL)
        continue;
      if (prop->group_len > 0)
        g_ptr_array_add (groups, prop_group (prop));
      _concord_vcard_prop_free (prop);
      g_ptr_array_index (card->props, indices[i]) = NULL;
    }

  for (guint g = 0; g < groups->len; g++)
    {
      const char *group = g_ptr_array_index (groups, g);
      gboolean used = FALSE;

      for (guint i = 0; i < card->props->len && !used; i++)
        {
          ConcordVCardProp *other = g_ptr_array_index (card->props, i);
          used = other != NULL && prop_in_group (other, group) && !prop_is (other, "X-ABLABEL");
        }
      if (used)
        continue;
      for (guint i = 0; i < card->props->len; i++)
        {
          ConcordVCardProp *other = g_ptr_array_index (card->props, i);
          if (other != NULL && prop_in_group (other, group))
            {
              _concord_vcard_prop_free (other);
              g_ptr_array_index (card->props, i) = NULL;
            }
        }
    }

  for (guint i = 0; i < card->props->len; i++)
    if (g_ptr_array_index (card->props, i) != NULL)
      g_ptr_array_index (card->props, kept++) = g_ptr_array_index (card->props, i);
  for (guint i = kept; i < card->props->len; i++)
    g_ptr_array_index (card->props, i) = NULL;
  g_ptr_array_set_size (card->props, kept);
}

void
_concord_vcard_remove_prop (ConcordVCard *card,
                            guint         index)
{
  _concord_vcard_remove_props (card, &index, 1);
}

/* The line "[group.]NAME<params>:" with @value appended as it is. */
static GString *
line_head (const ConcordVCardProp *prop,
           const char             *name)
{
  GString *line = g_string_new (NULL);

  if (prop != NULL)
    g_string_append_len (line, prop->line, prop->value_start);
  else
    {
      g_string_append (line, name);
      g_string_append_c (line, ':');
    }
  return line;
}

/* Sets the first @name property's text value (escaped unless @raw), or adds
 * one; removes every @name when @text is NULL. */
void
_concord_vcard_set_single (ConcordVCard *card,
                           const char   *name,
                           const char   *text,
                           gboolean      raw)
{
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint));
  int found = -1;

  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      if (!prop_is (prop, name))
        continue;
      if (text == NULL)
        g_array_append_val (gone, i);
      else if (found < 0)
        found = i;
    }
  _concord_vcard_remove_props (card, (const guint *) (gpointer) gone->data, gone->len);

  if (text != NULL)
    {
      const ConcordVCardProp *prop = found >= 0 ? g_ptr_array_index (card->props, found) : NULL;
      g_autoptr(GString) line = line_head (prop, name);

      if (raw)
        g_string_append (line, text);
      else
        _concord_vcard_append_escaped (line, text);
      if (found >= 0)
        replace_prop (card, found, line->str);
      else
        insert_prop (card, name, line->str);
    }
}

/* Replaces component @index of a structured property (N, ORG, ADR),
 * keeping the others as written; adds the property when missing. */
void
_concord_vcard_set_components (ConcordVCard       *card,
                               int                 found,
                               const char         *name,
                               guint               n_components,
                               const guint        *indices,
                               const char * const *values,
                               guint               n_values)
{
  const ConcordVCardProp *prop = found >= 0 ? g_ptr_array_index (card->props, found) : NULL;
  g_autoptr(GString) line = line_head (prop, name);
  g_autoptr(GPtrArray) raw_parts = g_ptr_array_new_with_free_func (g_free);
  guint n;

  /* The components as written (still escaped). */
  if (prop != NULL)
    {
      const char *start = prop_value (prop);
      for (const char *p = start; ; p++)
        {
          if (*p == '\\' && p[1] != '\0')
            {
              p++;
              continue;
            }
          if (*p == ';' || *p == '\0')
            {
              g_ptr_array_add (raw_parts, g_strndup (start, p - start));
              if (*p == '\0')
                break;
              start = p + 1;
            }
        }
    }

  n = MAX (n_components, raw_parts->len);
  for (guint i = 0; i < n; i++)
    {
      gboolean replaced = FALSE;

      if (i > 0)
        g_string_append_c (line, ';');
      for (guint j = 0; j < n_values; j++)
        if (indices[j] == i)
          {
            _concord_vcard_append_escaped (line, values[j]);
            replaced = TRUE;
          }
      if (!replaced && i < raw_parts->len)
        g_string_append (line, g_ptr_array_index (raw_parts, i));
    }

  if (found >= 0)
    replace_prop (card, found, line->str);
  else
    insert_prop (card, name, line->str);
}

int
_concord_vcard_find_index (const ConcordVCard *card,
                           const char         *name)
{
  for (guint i = 0; i < card->props->len; i++)
    if (prop_is (g_ptr_array_index (card->props, i), name))
      return i;
  return -1;
}

/* A fresh "[itemN.]NAME;params:" for a labelled item; adds the
 * X-ABLabel line for a label outside the vocabulary. */
static GString *
item_head (ConcordVCard *card,
           const char   *name,
           const char   *label,
           gboolean      pref,
           char        **group_out)
{
  GString *line = g_string_new (NULL);
  gboolean v4 = card->version == 4;
  gboolean email = g_str_equal (name, "EMAIL");
  gboolean tel = g_str_equal (name, "TEL");
  const char *type = NULL;

  *group_out = NULL;

  if (g_str_equal (label, CONCORD_LABEL_WORK))
    type = v4 ? "work" : "WORK";
  else if (g_str_equal (label, CONCORD_LABEL_HOME))
    type = v4 ? "home" : "HOME";
  else if (g_str_equal (label, CONCORD_LABEL_MOBILE) && tel)
    type = v4 ? "cell" : "CELL";
  else if (!g_str_equal (label, CONCORD_LABEL_OTHER))
    {
      /* A free label: Apple's group. */
      for (guint n = 1; ; n++)
        {
          g_autofree char *group = g_strdup_printf ("item%u", n);
          gboolean used = FALSE;

          for (guint i = 0; i < card->props->len && !used; i++)
            used = prop_in_group (g_ptr_array_index (card->props, i), group);
          if (!used)
            {
              *group_out = g_steal_pointer (&group);
              break;
            }
        }
      g_string_append_printf (line, "%s.", *group_out);
    }

  g_string_append (line, name);
  if (v4)
    {
      if (type != NULL && tel && !g_str_equal (type, "cell"))
        g_string_append_printf (line, ";TYPE=%s,voice", type);
      else if (type != NULL)
        g_string_append_printf (line, ";TYPE=%s", type);
      if (pref)
        g_string_append (line, ";PREF=1");
    }
  else
    {
      g_autoptr(GString) types = g_string_new (NULL);

      if (email)
        g_string_append (types, "INTERNET");
      if (type != NULL)
        g_string_append_printf (types, "%s%s", types->len > 0 ? "," : "", type);
      if (tel && !g_str_equal (label, CONCORD_LABEL_MOBILE))
        g_string_append_printf (types, "%sVOICE", types->len > 0 ? "," : "");
      if (pref)
        g_string_append_printf (types, "%spref", types->len > 0 ? "," : "");
      if (types->len > 0)
        g_string_append_printf (line, ";TYPE=%s", types->str);
    }
  g_string_append_c (line, ':');

  return line;
}

static void
append_item_value (GString    *line,
                   const char *name,
                   const char *value)
{
  if (g_str_equal (name, "ADR"))
    {
      g_auto(GStrv) parts = g_strsplit (value, ";", 5);
      guint n = g_strv_length (parts);

      g_string_append (line, ";;");
      for (guint i = 0; i < 5; i++)
        {
          g_autofree char *part = i < n ? _concord_vcard_nonblank (parts[i]) : NULL;
          if (i > 0)
            g_string_append_c (line, ';');
          _concord_vcard_append_escaped (line, part);
        }
    }
  else
    _concord_vcard_append_escaped (line, value);
}

/* Adds a new labelled item. */
static void
add_item (ConcordVCard *card,
          const char   *name,
          const char   *label,
          const char   *value,
          gboolean      pref)
{
  g_autofree char *group = NULL;
  g_autoptr(GString) line = item_head (card, name, label, pref, &group);
  guint pos = insert_position (card, name);

  append_item_value (line, name, value);
  g_ptr_array_insert (card->props, pos, _concord_vcard_prop_new_written (line->str));
  if (group != NULL)
    {
      g_autoptr(GString) ab = g_string_new (NULL);
      g_string_append_printf (ab, "%s.X-ABLabel:", group);
      _concord_vcard_append_escaped (ab, label);
      g_ptr_array_insert (card->props, pos + 1, _concord_vcard_prop_new_written (ab->str));
    }
}

/* Rewrites the item at @index with a new value, keeping its params. */
static void
set_item_value (ConcordVCard *card,
                guint         index,
                const char   *name,
                const char   *value)
{
  const ConcordVCardProp *prop = g_ptr_array_index (card->props, index);
  g_autoptr(GString) line = line_head (prop, name);

  if (g_str_equal (name, "ADR"))
    {
      g_auto(GStrv) parts = g_strsplit (value, ";", 5);
      guint n = g_strv_length (parts);
      const guint indices[] = { 2, 3, 4, 5, 6 };
      char *p[5];

      for (guint i = 0; i < 5; i++)
        {
          p[i] = i < n ? _concord_vcard_nonblank (parts[i]) : NULL;
          if (p[i] == NULL)
            p[i] = g_strdup ("");
        }
      _concord_vcard_set_components (card, index, "ADR", 7, indices, (const char * const *) p, 5);
      for (guint i = 0; i < 5; i++)
        g_free (p[i]);
      return;
    }

  if (g_str_equal (name, "TEL") && g_ascii_strncasecmp (prop_value (prop), "tel:", 4) == 0)
    {
      /* A tel: URI (4.0's VALUE=uri) stays one: "tel:+44…", unescaped. */
      g_string_append (line, "tel:");
      for (const char *p = value; *p != '\0'; p++)
        if (g_ascii_isalnum (*p) || *p == '+' || *p == '-' || *p == '.' || *p == '*' || *p == '#')
          g_string_append_c (line, *p);
    }
  else
    _concord_vcard_append_escaped (line, value);
  replace_prop (card, index, line->str);
}

/* Whether the member value @a is @b, for @name's items. */
static gboolean
item_value_equal (const char *name,
                  const char *a,
                  const char *b)
{
  if (g_str_equal (name, "EMAIL"))
    return g_ascii_strcasecmp (a, b) == 0;
  return g_strcmp0 (a, b) == 0;
}

/* The member's value as compared with the card's items. */
static char *
member_value (const char *name,
              const char *value,
              const char *region)
{
  if (g_str_equal (name, "TEL"))
    {
      char *e164 = concord_vcard_phone_e164 (value, region);
      return e164 != NULL ? e164 : concord_normalize_phone (value);
    }
  if (g_str_equal (name, "ADR"))
    {
      g_auto(GStrv) parts = g_strsplit (value, ";", 5);
      const char *p[5];
      guint n = g_strv_length (parts);

      for (guint i = 0; i < 5; i++)
        p[i] = i < n ? parts[i] : "";
      return _concord_vcard_address_value (p);
    }
  return g_strdup (value);
}

/* Makes the card's @name items the members of @set ("label\tvalue"):
 * items already there (same label and value) keep their bytes; an item
 * whose member is gone is rewritten in place with a new member of its
 * label, else removed; the remaining new members are added. */
void
_concord_vcard_apply_items (ConcordVCard       *card,
                            const char         *name,
                            const ConcordValue *set,
                            const char         *region)
{
  g_autoptr(GArray) items = _concord_vcard_read_items (card, name, region);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autofree gboolean *kept = g_new0 (gboolean, items->len + 1);
  g_autofree gboolean *placed = NULL;
  g_autoptr(GArray) removed = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_members = 0;

  if (set != NULL && set->type == CONCORD_FIELD_TYPE_STRING_SET && set->v.set != NULL)
    for (guint i = 0; set->v.set[i] != NULL; i++)
      {
        g_autofree char *label = NULL;
        g_autofree char *value = NULL;
        char *compared;

        if (!concord_labelled_parse (set->v.set[i], &label, &value))
          continue;
        compared = member_value (name, value, region);
        if (compared == NULL)
          continue;
        g_ptr_array_add (labels, g_steal_pointer (&label));
        g_ptr_array_add (values, compared);
        n_members++;
      }
  placed = g_new0 (gboolean, n_members + 1);

  /* Items that stay as they are. */
  for (guint i = 0; i < items->len; i++)
    {
      const ConcordVCardItem *item = &g_array_index (items, ConcordVCardItem, i);
      for (guint j = 0; j < n_members; j++)
        if (!placed[j] && g_str_equal (item->label, g_ptr_array_index (labels, j)) &&
            item_value_equal (name, item->value, g_ptr_array_index (values, j)))
          {
            kept[i] = placed[j] = TRUE;
            break;
          }
    }

  /* A second line of a value kept (the record holds a value once, with
   * one label) stays too. */
  for (guint i = 0; i < items->len; i++)
    {
      const ConcordVCardItem *item = &g_array_index (items, ConcordVCardItem, i);
      for (guint j = 0; j < n_members && !kept[i]; j++)
        kept[i] = placed[j] && item_value_equal (name, item->value, g_ptr_array_index (values, j));
    }

  /* Items whose member is gone: take a new member of the same label in
   * place (an edited address keeps its line's params), else go. */
  for (guint i = 0; i < items->len; i++)
    {
      const ConcordVCardItem *item = &g_array_index (items, ConcordVCardItem, i);
      gboolean reused = FALSE;

      if (kept[i])
        continue;
      for (guint j = 0; j < n_members; j++)
        if (!placed[j] && g_str_equal (item->label, g_ptr_array_index (labels, j)))
          {
            const char *value = g_ptr_array_index (values, j);
            /* A phone keeps the way it was written when only its E.164
             * form is what was compared. */
            set_item_value (card, item->index, name, value);
            placed[j] = reused = TRUE;
            break;
          }
      if (!reused)
        g_array_append_val (removed, item->index);
    }

  _concord_vcard_remove_props (card, (const guint *) (gpointer) removed->data, removed->len);

  for (guint j = 0; j < n_members; j++)
    if (!placed[j])
      add_item (card, name, g_ptr_array_index (labels, j), g_ptr_array_index (values, j), FALSE);
}

/* Marks the line at @index preferred, or no longer: "pref" in its TYPE
 * (3.0) or PREF=1 (4.0); its other parameters as written. */
static void
set_item_pref (ConcordVCard *card,
               guint         index,
               gboolean      pref)
{
  const ConcordVCardProp *prop = g_ptr_array_index (card->props, index);
  g_autoptr(GString) line = g_string_new (NULL);
  GPtrArray *params = _concord_vcard_prop_params (prop);
  gboolean done = FALSE;

  g_string_append_len (line, prop->line, prop->params_start);
  for (guint i = 0; i < params->len; i++)
    {
      ConcordVCardParam *param = g_ptr_array_index (params, i);

      if (g_str_equal (param->name, "PREF") && param->value != NULL)
        continue;
      if (param->value == NULL && g_ascii_strcasecmp (param->name, "PREF") == 0)
        continue;
      if (g_str_equal (param->name, "TYPE") && param->value != NULL)
        {
          g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func (g_free);
          g_autoptr(GString) kept = g_string_new (NULL);

          _concord_vcard_split_param_values (param->value, types);
          for (guint j = 0; j < types->len; j++)
            if (g_ascii_strcasecmp (g_ptr_array_index (types, j), "pref") != 0)
              g_string_append_printf (kept, "%s%s", kept->len > 0 ? "," : "",
                                      (const char *) g_ptr_array_index (types, j));
          if (pref && !done && card->version != 4)
            {
              g_string_append_printf (kept, "%spref", kept->len > 0 ? "," : "");
              done = TRUE;
            }
          if (kept->len > 0)
            g_string_append_printf (line, ";%s=%s", param->raw_name, kept->str);
          continue;
        }
      /* Any other parameter, as written. */
      g_string_append_c (line, ';');
      g_string_append (line, param->raw_name);
      if (param->value != NULL)
        g_string_append_printf (line, "=%s", param->value);
    }
  _concord_vcard_params_free (params);

  if (pref && !done)
    g_string_append (line, card->version == 4 ? ";PREF=1" : ";TYPE=pref");
  g_string_append_c (line, ':');
  g_string_append (line, prop_value (prop));
  replace_prop (card, index, line->str);
}

/* Makes the single field (email, phone, mobile) the card's: the item of
 * that value becomes the preferred one; else the preferred item takes
 * the value in place; else a new preferred item is added. */
void
_concord_vcard_apply_primary (ConcordVCard *card,
                              const char   *name,
                              const char   *text,
                              int           mobile,
                              const char   *region)
{
  g_autoptr(GArray) items = _concord_vcard_read_items (card, name, region);
  g_autofree char *value = NULL;
  int best = _concord_vcard_preferred_item (items, mobile);
  int match = -1;

  if (text == NULL)
    {
      if (best >= 0)
        _concord_vcard_remove_prop (card, g_array_index (items, ConcordVCardItem, best).index);
      return;
    }

  value = member_value (name, text, region);
  if (value == NULL)
    return;

  for (guint i = 0; i < items->len; i++)
    {
      const ConcordVCardItem *item = &g_array_index (items, ConcordVCardItem, i);
      if (mobile >= 0 && item->mobile != (gboolean) mobile)
        continue;
      if (match < 0 && item_value_equal (name, item->value, value))
        match = i;
    }

  if (match >= 0)
    {
      if (match == best)
        return;
      /* Move the preference onto the match. */
      if (best >= 0 && g_array_index (items, ConcordVCardItem, best).rank <= 100)
        set_item_pref (card, g_array_index (items, ConcordVCardItem, best).index, FALSE);
      set_item_pref (card, g_array_index (items, ConcordVCardItem, match).index, TRUE);
      return;
    }

  if (best >= 0)
    {
      set_item_value (card, g_array_index (items, ConcordVCardItem, best).index, name, text);
      return;
    }

  /* None in its scope: nothing to prefer it over. */
  add_item (card, name, mobile == 1 ? CONCORD_LABEL_MOBILE : CONCORD_LABEL_OTHER, text, FALSE);
}
