/* concord-vcard-parse.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The vCard layer's parsing: one card or a stream of them into their
 * property lines, and the card made, copied and asked for its version, UID
 * and kind. See concord-vcard.c for what is refused and why.
 */

#define G_LOG_DOMAIN "concord-vcard"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "concord-error.h"

#include "concord-vcard-private.h"

/* ------------------------------------------------------------------------- */
/* Parsing                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
line_is (const char *line,
         gsize       len,
         const char *what)
{
  gsize n = strlen (what);

  while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
    len--;
  return len == n && g_ascii_strncasecmp (line, what, n) == 0;
}

static void
set_parse_error (GError    **error,
                 guint       line_no,
                 const char *what)
{
  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
               /* Translators: %u is a line number in a vCard file, %s says what is wrong there */
               _("vCard line %u: %s"), line_no, what);
}

/* The name of a logical line, for an error message: never its value. */
static char *
line_name (const char *line,
           gsize       len)
{
  gsize n = 0;

  while (n < len && n < 40 && line[n] != ':' && line[n] != ';' &&
         g_ascii_isprint (line[n]))
    n++;
  return g_strndup (line, n);
}

/* Where a physical line ends, and where the next starts. */
static const char *
next_line (const char *p,
           const char *end,
           const char **content_end)
{
  const char *nl = memchr (p, '\n', end - p);

  if (nl == NULL)
    {
      *content_end = end;
      return end;
    }
  *content_end = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
  return nl + 1;
}

static guint
count_lines (const char *data,
             const char *upto)
{
  guint n = 1;

  for (const char *p = data; p < upto; p++)
    if (*p == '\n')
      n++;
  return n;
}

/* Whether @data is UTF-8 once its folds (a line end, then a space or a
 * tab) are taken out. */
static gboolean
unfolded_is_utf8 (const char *data,
                  gsize       length)
{
  g_autoptr(GString) unfolded = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == '\r' && i + 2 < length && data[i + 1] == '\n' &&
          (data[i + 2] == ' ' || data[i + 2] == '\t'))
        i += 2;
      else if (data[i] == '\n' && i + 1 < length && (data[i + 1] == ' ' || data[i + 1] == '\t'))
        i += 1;
      else
        g_string_append_c (unfolded, data[i]);
    }
  return g_utf8_validate_len (unfolded->str, unfolded->len, NULL);
}

/* What is refused before any line is read: too many bytes, invalid UTF-8. */
static gboolean
check_card_bytes (const char  *data,
                  gsize        length,
                  guint        line_no,
                  GError     **error)
{
  const char *invalid = NULL;

  if (length > CONCORD_VCARD_MAX_BYTES)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   /* Translators: the first %u is a line number, the second a number of bytes */
                   _("vCard at line %u: larger than %u bytes"), line_no,
                   (guint) CONCORD_VCARD_MAX_BYTES);
      return FALSE;
    }

  /* A writer may fold inside a UTF-8 character (RFC 6350 §3.2 asks
   * readers to restore it): only what is still invalid once unfolded is. */
  if (!g_utf8_validate_len (data, length, &invalid) && !unfolded_is_utf8 (data, length))
    {
      set_parse_error (error, line_no + count_lines (data, invalid) - 1,
                       _("invalid UTF-8"));
      return FALSE;
    }
  return TRUE;
}

/* Appends the lines continuing the logical line (a space or a tab first)
 * to @logical, moving *@p and *@line_no past them. */
static gboolean
unfold_continuations (const char **p,
                      const char  *end,
                      guint       *line_no,
                      GString     *logical,
                      GError     **error)
{
  const char *content_end;

  while (*p < end && (**p == ' ' || **p == '\t'))
    {
      const char *cont = *p + 1;
      *p = next_line (*p, end, &content_end);
      (*line_no)++;
      if (memchr (cont, '\r', content_end - cont) != NULL)
        {
          set_parse_error (error, *line_no - 1, _("a carriage return inside a line"));
          return FALSE;
        }
      g_string_append_len (logical, cont, content_end - cont);
    }
  return TRUE;
}

/* The first logical line is BEGIN:VCARD, no other is. */
static gboolean
check_begin (GString   *logical,
             guint      first_no,
             gboolean  *begun,
             guint     *begin_no,
             GError   **error)
{
  if (!*begun)
    {
      if (!line_is (logical->str, logical->len, "BEGIN:VCARD"))
        {
          set_parse_error (error, first_no, _("the card does not start with BEGIN:VCARD"));
          return FALSE;
        }
      *begun = TRUE;
      *begin_no = first_no;
    }
  else if (line_is (logical->str, logical->len, "BEGIN:VCARD"))
    {
      set_parse_error (error, first_no,
                       _("BEGIN:VCARD inside a card (a nested card, or a card without END)"));
      return FALSE;
    }
  return TRUE;
}

/* The property of the raw bytes and the logical line, added to the card;
 * NULL when it is none or one too many. */
static ConcordVCardProp *
add_prop (ConcordVCard  *card,
          const char    *raw,
          gsize          raw_len,
          GString       *logical,
          guint          first_no,
          GError       **error)
{
  ConcordVCardProp *prop = _concord_vcard_prop_new (raw, raw_len, logical->str, logical->len);

  if (prop == NULL)
    {
      g_autofree char *name = line_name (logical->str, logical->len);
      /* Translators: %s is the start of a line of a vCard file; “:” is literal */
      g_autofree char *what = g_strdup_printf (_("“%s” is not a property (no “:”)"), name);
      set_parse_error (error, first_no, what);
      return NULL;
    }
  g_ptr_array_add (card->props, prop);
  if (card->props->len > CONCORD_VCARD_MAX_PROPERTIES)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   /* Translators: the first %u is a line number, the second a number of properties */
                   _("vCard line %u: more than %u properties"), first_no,
                   (guint) CONCORD_VCARD_MAX_PROPERTIES);
      return NULL;
    }
  return prop;
}

/* The card's VERSION: 3.0 or 4.0, else refused. */
static gboolean
read_version (const ConcordVCardProp  *prop,
              guint                    first_no,
              guint                   *version,
              GError                 **error)
{
  const char *v = prop_value (prop);

  if (line_is (v, strlen (v), "3.0"))
    *version = 3;
  else if (line_is (v, strlen (v), "4.0"))
    *version = 4;
  else
    {
      set_parse_error (error, first_no,
                       line_is (v, strlen (v), "2.1")
                       ? _("vCard 2.1 is not read (only 3.0 and 4.0)")
                       : _("VERSION is neither 3.0 nor 4.0"));
      return FALSE;
    }
  return TRUE;
}

/* Parses one card in data[0..length), the first line being @line_no. */
static ConcordVCard *
parse_card (const char  *data,
            gsize        length,
            guint        line_no,
            GError     **error)
{
  g_autoptr(ConcordVCard) card = NULL;
  g_autoptr(GString) logical = g_string_new (NULL);
  const char *end = data + length;
  const char *p = data;
  gboolean begun = FALSE, ended = FALSE, have_version = FALSE;
  guint version = 3;
  guint begin_no = line_no;

  if (!check_card_bytes (data, length, line_no, error))
    return NULL;

  card = g_new0 (ConcordVCard, 1);
  card->props = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_vcard_prop_free);

  while (p < end)
    {
      const char *start = p;
      const char *content_end;
      guint first_no = line_no;
      ConcordVCardProp *prop;

      p = next_line (p, end, &content_end);
      line_no++;

      if (memchr (start, '\r', content_end - start) != NULL)
        {
          set_parse_error (error, first_no, _("a carriage return inside a line"));
          return NULL;
        }

      if (ended)
        {
          if (content_end > start && !line_is (start, content_end - start, ""))
            {
              set_parse_error (error, first_no, _("text after END:VCARD"));
              return NULL;
            }
          continue;
        }

      /* Blank lines before BEGIN or between properties are dropped by
       * every reader; they are kept here with the next property. */
      if (content_end == start)
        {
          if (!begun)
            continue;
          set_parse_error (error, first_no, _("an empty line inside the card"));
          return NULL;
        }

      g_string_truncate (logical, 0);
      g_string_append_len (logical, start, content_end - start);
      if (!unfold_continuations (&p, end, &line_no, logical, error))
        return NULL;

      if (!check_begin (logical, first_no, &begun, &begin_no, error))
        return NULL;

      prop = add_prop (card, start, p - start, logical, first_no, error);
      if (prop == NULL)
        return NULL;

      if (prop_is (prop, "END") &&
          line_is (logical->str + prop->value_start, logical->len - prop->value_start, "VCARD"))
        ended = TRUE;
      else if (prop_is (prop, "VERSION") && !have_version)
        {
          have_version = TRUE;
          if (!read_version (prop, first_no, &version, error))
            return NULL;
        }
    }

  if (!begun)
    {
      set_parse_error (error, line_no, _("no BEGIN:VCARD"));
      return NULL;
    }
  if (!ended)
    {
      set_parse_error (error, begin_no, _("the card has no END:VCARD"));
      return NULL;
    }

  card->version = version;
  return g_steal_pointer (&card);
}

/* A UTF-8 byte order mark (Outlook's and Windows' exports) is no text. */
static void
skip_bom (const char **data,
          gssize      *length)
{
  if (*length >= 3 && memcmp (*data, "\xef\xbb\xbf", 3) == 0)
    {
      *data += 3;
      *length -= 3;
    }
}

/**
 * concord_vcard_parse:
 * @data: the card's bytes
 * @length: their length, or -1 when NUL-terminated
 * @error: CONCORD_ERROR_PARSE naming the line and property
 *
 * Reads one card. See the opening comment of this file for what is
 * refused.
 *
 * Returns: (transfer full) (nullable): the card
 */
ConcordVCard *
concord_vcard_parse (const char  *data,
                     gssize       length,
                     GError     **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length < 0)
    length = strlen (data);
  skip_bom (&data, &length);

  return parse_card (data, length, 1, error);
}

/* Parses one card of a stream into @cards, or its error into @errors. */
static void
take_card (GPtrArray  *cards,
           GPtrArray  *errors,
           const char *data,
           gsize       length,
           guint       line_no)
{
  GError *error = NULL;
  ConcordVCard *card = parse_card (data, length, line_no, &error);

  if (card != NULL)
    g_ptr_array_add (cards, card);
  else if (errors != NULL)
    g_ptr_array_add (errors, error);
  else
    g_error_free (error);
}

/**
 * concord_vcard_parse_many:
 * @data: a stream of cards (a .vcf export)
 * @length: its length, or -1 when NUL-terminated
 * @errors: (nullable) (element-type GError): where a refused card's error
 *   is appended (give the array a free func of g_error_free)
 *
 * Reads every card of the stream. A bad card is refused on its own and the
 * others are read: a card cut short (no END) ends where the next
 * BEGIN:VCARD starts, a nested card (2.1's AGENT) ends with its parent.
 * Text outside the cards is one error per run of it.
 *
 * Returns: (transfer full) (element-type ConcordVCard): the cards read
 */
GPtrArray *
concord_vcard_parse_many (const char *data,
                          gssize      length,
                          GPtrArray  *errors)
{
  GPtrArray *cards = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_vcard_free);
  const char *end, *p, *card_start = NULL;
  guint line_no = 1, card_line = 0, depth = 0;
  gboolean junk = FALSE, after_agent = FALSE;

  g_return_val_if_fail (data != NULL || length == 0, cards);

  if (length < 0)
    length = strlen (data);
  skip_bom (&data, &length);
  end = data + length;
  p = data;

  while (p < end)
    {
      const char *start = p;
      const char *content_end;
      guint this_line = line_no;
      gboolean is_begin, is_end;

      p = next_line (p, end, &content_end);
      line_no++;

      is_begin = line_is (start, content_end - start, "BEGIN:VCARD");
      is_end = line_is (start, content_end - start, "END:VCARD");

      if (card_start == NULL)
        {
          if (is_begin)
            {
              card_start = start;
              card_line = this_line;
              depth = 1;
              junk = FALSE;
            }
          else if (!junk && !line_is (start, content_end - start, ""))
            {
              if (errors != NULL)
                g_ptr_array_add (errors,
                                 g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                              /* Translators: %u is a line number in a vCard file */
                                              _("vCard line %u: text outside a card"),
                                              this_line));
              junk = TRUE;
            }
          continue;
        }

      if (is_begin)
        {
          if (after_agent)
            depth++;
          else
            {
              /* The card being read has no END: refuse it alone (or
               * take it, when its END was folded: "END:VCA\r\n RD"). */
              take_card (cards, errors, card_start, start - card_start, card_line);
              card_start = start;
              card_line = this_line;
              depth = 1;
            }
        }
      else if (is_end && --depth == 0)
        {
          take_card (cards, errors, card_start, p - card_start, card_line);
          card_start = NULL;
        }

      /* "AGENT:" with the agent's card on the next lines (2.1). */
      after_agent = content_end - start >= 6 &&
                    g_ascii_strncasecmp (content_end - 6, "AGENT:", 6) == 0;
    }

  if (card_start != NULL)
    take_card (cards, errors, card_start, end - card_start, card_line);

  return cards;
}

/**
 * concord_vcard_new:
 * @version: 3 or 4
 * @uid: (nullable): the UID; %NULL makes a random one
 *
 * Returns: (transfer full): "BEGIN, VERSION, UID, END"; the rest comes
 *   from concord_vcard_apply()
 */
ConcordVCard *
concord_vcard_new (guint       version,
                   const char *uid)
{
  ConcordVCard *card;
  g_autofree char *random = NULL;
  g_autoptr(GString) line = g_string_new ("UID:");

  g_return_val_if_fail (version == 3 || version == 4, NULL);

  if (uid == NULL)
    uid = random = g_uuid_string_random ();

  card = g_new0 (ConcordVCard, 1);
  card->version = version;
  card->props = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_vcard_prop_free);
  g_ptr_array_add (card->props, _concord_vcard_prop_new_written ("BEGIN:VCARD"));
  g_ptr_array_add (card->props, _concord_vcard_prop_new_written (version == 4 ? "VERSION:4.0" : "VERSION:3.0"));
  _concord_vcard_append_escaped (line, uid);
  g_ptr_array_add (card->props, _concord_vcard_prop_new_written (line->str));
  g_ptr_array_add (card->props, _concord_vcard_prop_new_written ("END:VCARD"));

  return card;
}

ConcordVCard *
concord_vcard_copy (const ConcordVCard *card)
{
  ConcordVCard *copy;

  g_return_val_if_fail (card != NULL, NULL);

  copy = g_new0 (ConcordVCard, 1);
  copy->version = card->version;
  copy->props = g_ptr_array_new_full (card->props->len, (GDestroyNotify) _concord_vcard_prop_free);
  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      ConcordVCardProp *dup = g_memdup2 (prop, prop->size);

      dup->line = (char *) dup + (prop->line - (char *) prop);
      dup->name = (char *) dup + (prop->name - (char *) prop);
      g_ptr_array_add (copy->props, dup);
    }

  return copy;
}

void
concord_vcard_free (ConcordVCard *card)
{
  if (card == NULL)
    return;
  g_ptr_array_unref (card->props);
  g_free (card);
}

guint
concord_vcard_get_version (const ConcordVCard *card)
{
  g_return_val_if_fail (card != NULL, 0);
  return card->version;
}

const ConcordVCardProp *
_concord_vcard_find_prop (const ConcordVCard *card,
                          const char         *name)
{
  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      if (prop_is (prop, name))
        return prop;
    }
  return NULL;
}

/**
 * concord_vcard_get_uid:
 *
 * Returns: (nullable): the UID as written (not unescaped: UIDs are URIs or
 *   plain tokens), or %NULL
 */
const char *
concord_vcard_get_uid (const ConcordVCard *card)
{
  const ConcordVCardProp *prop;

  g_return_val_if_fail (card != NULL, NULL);

  prop = _concord_vcard_find_prop (card, "UID");
  return prop != NULL ? prop_value (prop) : NULL;
}

/**
 * concord_vcard_is_group:
 *
 * Returns: whether the card is a group of contacts rather than a contact:
 *   4.0's KIND:group, or Apple's X-ADDRESSBOOKSERVER-KIND:group (iCloud,
 *   and the 3.0 books of macOS clients)
 */
gboolean
concord_vcard_is_group (const ConcordVCard *card)
{
  g_return_val_if_fail (card != NULL, FALSE);

  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      const char             *value = prop_value (prop);

      if ((prop_is (prop, "KIND") || prop_is (prop, "X-ADDRESSBOOKSERVER-KIND")) &&
          line_is (value, strlen (value), "group"))
        return TRUE;
    }
  return FALSE;
}
