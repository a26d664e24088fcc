/* concord-vcard.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The shared vCard layer: one card (3.0 or 4.0) kept as the list of its
 * property lines, each with the raw bytes it was read with (folding and
 * line end included), read into a ConcordRecord and edited in place.
 *
 * Why not EVCard for the card itself (measured, Debian 12's
 * libebook-contacts 3.46, tests/data/vcard + a 20-line program): after
 * changing one TEL value, e_vcard_to_string() rewrote lines it was not
 * asked to touch: "item1.EMAIL;type=INTERNET;type=pref" became
 * "type=INTERNET,pref", "X-ODD;X-PARAM=\"a,b\";foo=Bar" had its parameters
 * reordered ("foo=Bar;X-PARAM=…"), "PHOTO;ENCODING=b;TYPE=JPEG" became
 * "TYPE=JPEG;ENCODING=b", and the NOTE was refolded at another place. That
 * breaks "every property Concord does not map kept byte for byte". It is
 * also slower than we need: 10,000 cards of ~220 bytes took 60 ms to
 * e_vcard_new_from_string() alone and 124 ms through EContact (parse + FN
 * + EMAIL list), before any mapping; the target is 10,000 cards parsed and
 * mapped in well under 100 ms. So the card is a list of raw lines (parsed
 * here: unfolding, parameters with quoting, escaping), and
 * libebook-contacts is used for what it does well and nothing here can:
 * EPhoneNumber (libphonenumber) for E.164. It costs ~18 µs a number, so a
 * number already written "+<digits>" is taken as it is (what EPhoneNumber
 * gives for it), only national numbers go through libphonenumber, and
 * what it said is kept per thread for the re-reads of apply().
 *
 * Measured here (bench/concord-bench-vcard, 10,000 cards of 257 bytes,
 * release build, CPU time on a shared 2-core machine): parse 51 ms (16 ms
 * on a warm heap), to_record 54 ms without a region, about 120 ms with
 * "GB" when half the cards hold a national number; apply + to_string of
 * a two-field change 46 ms.
 *
 * Semantics:
 * - parse: one card; CRLF or LF (or a mix), a leading UTF-8 BOM skipped
 *   (and not written back); a line starting with a space
 *   or a tab continues the previous one. Refused (CONCORD_ERROR_PARSE, the
 *   message names the line and the property, never a value): invalid
 *   UTF-8 or a NUL, a carriage return not ending a line (old Mac files
 *   with CR-only line ends among them), no BEGIN:VCARD first or no
 *   END:VCARD last, a BEGIN:VCARD inside (nesting, or a card whose END is
 *   missing), a line without ':', more than CONCORD_VCARD_MAX_BYTES or
 *   CONCORD_VCARD_MAX_PROPERTIES, VERSION other than 3.0 or 4.0. vCard 2.1 is refused rather than read as 3.0: its
 *   QUOTED-PRINTABLE and CHARSET values would be mangled by a 3.0 writer,
 *   and every address book that speaks CardDAV writes 3.0 or 4.0. A card
 *   without VERSION is read as 3.0 (and left so).
 * - Property names compare by ASCII case only (never the locale: "email"
 *   is EMAIL in a Turkish locale, "EMAİL" is no EMAIL). Unknown names are
 *   kept, whatever their bytes.
 * - to_record: see concord_vcard_to_record().
 * - apply: only the lines of the fields the change names, and only when
 *   the card's value differs; every other line keeps its bytes and its
 *   place. Lines Concord writes end in CRLF, are folded at 75 octets
 *   (never inside a UTF-8 sequence) and have their text escaped
 *   (\\ \, \; \n).
 * - Labelled items: an EMAIL, TEL or ADR line's label is its Apple
 *   "itemN.X-ABLabel" when it has one, else its TYPE (work, home; cell,
 *   iphone and mobile are "mobile"; INTERNET, pref, voice and the like say
 *   nothing), else "other". A new item with a label outside the vocabulary
 *   is written Apple-style (itemN.EMAIL + itemN.X-ABLabel), which Apple,
 *   Nextcloud, khard and EDS read.
 * - An address member of "addresses" is "label<TAB>street; city; region;
 *   postal code; country" (always five parts, '; ' between them, a ';'
 *   inside a part written ','), so that it can be written back as an ADR.
 *
 * This file holds the property lines, their values and the phones; the
 * parsing, reading, writing and applying are in concord-vcard-parse.c,
 * -read.c, -write.c and -apply.c (see concord-vcard-private.h).
 */

#define G_LOG_DOMAIN "concord-vcard"

#include "config.h"

#include <glib.h>
#include <glib/gi18n-lib.h>
/* EDS 3.46's headers use the deprecated GTimeVal. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook-contacts/libebook-contacts.h>
G_GNUC_END_IGNORE_DEPRECATIONS
#include <locale.h>
#include <string.h>

#include "concord-error.h"
#include "concord-vcard.h"
#include "concord-vcard-private.h"

/* A vCard line is folded at this many octets (line end not counted). */
#define FOLD_OCTETS 75

/* ------------------------------------------------------------------------- */
/* Properties                                                                */
/* ------------------------------------------------------------------------- */

enum { EOL_STORED, EOL_NONE, EOL_LF, EOL_CRLF };

static const char * const eol_text[] = { NULL, "", "\n", "\r\n" };

/* The raw bytes when stored apart from the line (a folded line). */
static const char *
prop_raw (const ConcordVCardProp *prop)
{
  return prop->name + strlen (prop->name) + 1;
}

void
_concord_vcard_prop_free (ConcordVCardProp *prop)
{
  g_free (prop);
}

/* Splits a logical line into group, name, params and value. */
static gboolean
split_line (const char *line,
            guint      *group_len,
            guint      *name_start,
            guint      *name_len,
            guint      *params_start,
            guint      *value_start)
{
  const char *p = line;
  const char *name = line;
  gboolean quoted = FALSE;

  *group_len = 0;
  for (; *p != '\0' && *p != ';' && *p != ':'; p++)
    {
      if (*p == '.' && *group_len == 0 && p > line)
        {
          *group_len = p - line;
          name = p + 1;
        }
    }
  if (p == name)
    return FALSE;

  *name_start = name - line;
  *name_len = p - name;
  *params_start = p - line;

  for (; *p != '\0'; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (*p == ':' && !quoted)
        break;
    }
  if (*p != ':')
    return FALSE;

  *value_start = p + 1 - line;
  return TRUE;
}

/* A property from its raw bytes and its unfolded line. */
ConcordVCardProp *
_concord_vcard_prop_new (const char *raw,
                         gsize       raw_len,
                         const char *line,
                         gsize       line_len)
{
  guint group_len, name_start, name_len, params_start, value_start;
  guint8 eol = EOL_STORED;
  gsize size;
  ConcordVCardProp *prop;
  char *data;

  g_assert (line[line_len] == '\0');
  if (!split_line (line, &group_len, &name_start, &name_len, &params_start, &value_start))
    return NULL;

  if (raw_len >= line_len && memcmp (raw, line, line_len) == 0)
    {
      if (raw_len == line_len)
        eol = EOL_NONE;
      else if (raw_len == line_len + 1 && raw[line_len] == '\n')
        eol = EOL_LF;
      else if (raw_len == line_len + 2 && raw[line_len] == '\r' && raw[line_len + 1] == '\n')
        eol = EOL_CRLF;
    }

  size = sizeof (ConcordVCardProp) + line_len + 1 + name_len + 1 + (eol == EOL_STORED ? raw_len + 1 : 0);
  prop = g_malloc (size);
  prop->size = size;
  data = (char *) (prop + 1);

  prop->line = data;
  memcpy (prop->line, line, line_len);
  prop->line[line_len] = '\0';
  prop->line_len = line_len;
  prop->eol = eol;
  data += line_len + 1;

  prop->name = data;
  for (guint i = 0; i < name_len; i++)
    prop->name[i] = g_ascii_toupper (line[name_start + i]);
  prop->name[name_len] = '\0';
  data += name_len + 1;

  if (eol == EOL_STORED)
    {
      memcpy (data, raw, raw_len);
      data[raw_len] = '\0';
    }
  prop->raw_len = raw_len;

  prop->group_len = group_len;
  prop->params_start = params_start;
  prop->value_start = value_start;

  return prop;
}

/* Folds @line at FOLD_OCTETS octets, never inside a UTF-8 sequence, with
 * CRLF line ends. */
static GString *
fold_line (const char *line)
{
  gsize len = strlen (line);
  GString *out = g_string_sized_new (len + len / 70 * 3 + 2);
  gsize pos = 0;
  gsize room = FOLD_OCTETS;

  while (len - pos > room)
    {
      gsize cut = pos + room;

      while (cut > pos && ((guchar) line[cut] & 0xC0) == 0x80)
        cut--;
      if (cut == pos)
        cut = pos + room;
      g_string_append_len (out, line + pos, cut - pos);
      g_string_append (out, "\r\n ");
      pos = cut;
      room = FOLD_OCTETS - 1;
    }
  g_string_append_len (out, line + pos, len - pos);
  g_string_append (out, "\r\n");

  return out;
}

/* A property Concord writes: folded, CRLF. */
ConcordVCardProp *
_concord_vcard_prop_new_written (const char *line)
{
  g_autoptr(GString) raw = fold_line (line);

  return _concord_vcard_prop_new (raw->str, raw->len, line, strlen (line));
}

/* The parameters: ";A=b;C" into (A, b), (C, NULL). */
GPtrArray *
_concord_vcard_prop_params (const ConcordVCardProp *prop)
{
  GPtrArray *params = g_ptr_array_new ();
  const char *p = prop->line + prop->params_start;
  const char *end = prop->line + prop->value_start - 1;

  while (p < end && *p == ';')
    {
      const char *start = ++p;
      const char *eq = NULL;
      gboolean quoted = FALSE;
      ConcordVCardParam *param;

      for (; p < end; p++)
        {
          if (*p == '"')
            quoted = !quoted;
          else if (!quoted && *p == ';')
            break;
          else if (!quoted && *p == '=' && eq == NULL)
            eq = p;
        }

      param = g_new0 (ConcordVCardParam, 1);
      param->name = g_ascii_strup (start, (eq != NULL ? eq : p) - start);
      param->raw_name = g_strndup (start, (eq != NULL ? eq : p) - start);
      if (eq != NULL)
        param->value = g_strndup (eq + 1, p - eq - 1);
      g_ptr_array_add (params, param);
    }

  return params;
}

void
_concord_vcard_params_free (GPtrArray *params)
{
  for (guint i = 0; i < params->len; i++)
    {
      ConcordVCardParam *param = g_ptr_array_index (params, i);
      g_free (param->name);
      g_free (param->raw_name);
      g_free (param->value);
      g_free (param);
    }
  g_ptr_array_free (params, TRUE);
}

/* Splits a parameter value on its commas, without quotes. */
void
_concord_vcard_split_param_values (const char *value,
                                   GPtrArray  *out)
{
  GString *item = g_string_new (NULL);

  /* TYPE="work,voice" is the list work, voice too (RFC 6350 §5.6). */
  for (const char *p = value; ; p++)
    {
      if (*p == '"')
        continue;
      else if (*p == '\0' || *p == ',')
        {
          g_strstrip (item->str);
          if (item->str[0] != '\0')
            g_ptr_array_add (out, g_strdup (item->str));
          g_string_truncate (item, 0);
          if (*p == '\0')
            break;
        }
      else
        g_string_append_c (item, *p);
    }
  g_string_free (item, TRUE);
}

static const char * const silent_types[] = {
  "internet", "voice", "x400", "text", "msg", "video", "dom", "intl",
  "postal", "parcel", "main", NULL
};

static gboolean
span_is (const char *text,
         gsize       len,
         const char *word)
{
  return strlen (word) == len && g_ascii_strncasecmp (text, word, len) == 0;
}

static void
info_add_type (ConcordVCardPropInfo *info,
               const char           *type,
               gsize                 len)
{
  if (len == 0)
    return;
  if (span_is (type, len, "pref"))
    info->types |= CONCORD_VCARD_TYPE_PREF;
  else if (span_is (type, len, "work"))
    info->types |= CONCORD_VCARD_TYPE_WORK;
  else if (span_is (type, len, "home"))
    info->types |= CONCORD_VCARD_TYPE_HOME;
  else if (span_is (type, len, "cell") || span_is (type, len, "mobile") ||
           span_is (type, len, "iphone"))
    info->types |= CONCORD_VCARD_TYPE_MOBILE;
  else if (info->free_type == NULL)
    {
      for (guint i = 0; silent_types[i] != NULL; i++)
        if (span_is (type, len, silent_types[i]))
          return;
      info->free_type = type;
      info->free_type_len = len;
    }
}

void
_concord_vcard_prop_info (const ConcordVCardProp *prop,
                          ConcordVCardPropInfo   *info)
{
  const char *p = prop->line + prop->params_start;
  const char *end = prop->line + prop->value_start - 1;

  memset (info, 0, sizeof *info);

  while (p < end && *p == ';')
    {
      const char *name = ++p;
      const char *eq = NULL;
      gboolean quoted = FALSE;
      gsize name_len;

      for (; p < end; p++)
        {
          if (*p == '"')
            quoted = !quoted;
          else if (!quoted && *p == ';')
            break;
          else if (!quoted && *p == '=' && eq == NULL)
            eq = p;
        }
      name_len = (eq != NULL ? eq : p) - name;

      if (eq == NULL)
        info_add_type (info, name, name_len);
      else if (span_is (name, name_len, "TYPE"))
        {
          /* TYPE="work,voice" is the list work, voice too (RFC 6350 §5.6). */
          const char *t = eq + 1;
          while (t < p)
            {
              const char *comma;
              while (t < p && *t == '"')
                t++;
              comma = t;
              while (comma < p && *comma != ',' && *comma != '"')
                comma++;
              info_add_type (info, t, comma - t);
              t = comma + 1;
            }
        }
      else if (span_is (name, name_len, "PREF"))
        {
          guint n = 0;
          for (const char *d = eq + 1; d < p && g_ascii_isdigit (*d) && n <= 100; d++)
            n = n * 10 + (*d - '0');
          if (n >= 1 && n <= 100)
            info->pref = n;
        }
      else if (span_is (name, name_len, "ENCODING"))
        info->encoded = TRUE;
      else if (span_is (name, name_len, "VALUE"))
        info->uri = span_is (eq + 1, p - eq - 1, "uri");
    }
}

/* ------------------------------------------------------------------------- */
/* Values: escaping                                                          */
/* ------------------------------------------------------------------------- */

/* Unescapes a text value (or one component): \\ \, \; \: \n \N. A
 * backslash that ends the value escapes nothing: it is dropped (RFC 6350
 * §3.4 has no such escape; kept, it would reach the other app and come
 * back doubled). */
static char *
unescape_len (const char *text,
              gsize       len)
{
  GString *out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '\\' && i + 1 == len)
        break;
      if (text[i] == '\\')
        {
          char c = text[++i];
          if (c == 'n' || c == 'N')
            g_string_append_c (out, '\n');
          else if (c == '\\' || c == ',' || c == ';' || c == ':')
            g_string_append_c (out, c);
          else
            {
              g_string_append_c (out, '\\');
              g_string_append_c (out, c);
            }
        }
      else
        g_string_append_c (out, text[i]);
    }

  return g_string_free (out, FALSE);
}

char *
_concord_vcard_unescape (const char *text)
{
  return unescape_len (text, strlen (text));
}

/* Splits on the unescaped @sep, each component unescaped. */
GPtrArray *
_concord_vcard_split_components (const char *value,
                                 char        sep)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *start = value;
  const char *p = value;

  for (;; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        {
          p++;
          continue;
        }
      if (*p == sep || *p == '\0')
        {
          g_ptr_array_add (out, unescape_len (start, p - start));
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }

  return out;
}

void
_concord_vcard_append_escaped (GString    *out,
                               const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    {
      switch (*p)
        {
        case '\\': g_string_append (out, "\\\\"); break;
        case ',':  g_string_append (out, "\\,"); break;
        case ';':  g_string_append (out, "\\;"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': break;
        default:   g_string_append_c (out, *p); break;
        }
    }
}

const char *
_concord_vcard_component (GPtrArray *parts,
                          guint      index)
{
  return index < parts->len ? g_ptr_array_index (parts, index) : "";
}

/* Trimmed copy, NULL when blank. */
char *
_concord_vcard_nonblank (const char *text)
{
  char *copy;

  if (text == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (text));
  if (copy[0] == '\0')
    g_clear_pointer (&copy, g_free);
  return copy;
}

/**
 * concord_vcard_to_string:
 * @length: (out) (optional): the length
 *
 * Returns: (transfer full): the card's bytes
 */
char *
concord_vcard_to_string (const ConcordVCard *card,
                         gsize              *length)
{
  GString *out;
  gsize total = 0;

  g_return_val_if_fail (card != NULL, NULL);

  for (guint i = 0; i < card->props->len; i++)
    total += ((const ConcordVCardProp *) g_ptr_array_index (card->props, i))->raw_len;

  out = g_string_sized_new (total + 1);
  for (guint i = 0; i < card->props->len; i++)
    {
      const ConcordVCardProp *prop = g_ptr_array_index (card->props, i);
      if (prop->eol != EOL_STORED)
        {
          g_string_append_len (out, prop->line, prop->line_len);
          g_string_append (out, eol_text[prop->eol]);
        }
      else
        g_string_append_len (out, prop_raw (prop), prop->raw_len);
    }

  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------- */
/* Phones                                                                    */
/* ------------------------------------------------------------------------- */

/* National numbers read through libphonenumber (~18 us each), per thread:
 * up to 16,384 numbers, about 1.5 MB. */
#define E164_CACHE_SIZE 16384
static GPrivate e164_cache = G_PRIVATE_INIT ((GDestroyNotify) g_hash_table_unref);

/* "+<7 to 15 digits>" once formatting is dropped: already E.164. */
static char *
plain_e164 (const char *phone)
{
  GString *out = g_string_new (NULL);
  const char *p = phone;

  while (*p == ' ')
    p++;
  if (*p != '+')
    goto no;
  g_string_append_c (out, '+');
  for (p++; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (out, *p);
      else if (*p != ' ' && *p != '-' && *p != '.' && *p != '(' && *p != ')' && *p != '/')
        goto no;
    }
  if (out->len < 8 || out->len > 16)
    goto no;
  return g_string_free (out, FALSE);

no:
  g_string_free (out, TRUE);
  return NULL;
}

/**
 * concord_vcard_phone_e164:
 * @phone: a number as written
 * @region: (nullable): ISO 3166 country of numbers written without their
 *   country code, e.g. "GB"
 *
 * "+44 20 7946 0018", and "020 7946 0018" with GB, are "+442079460018". A
 * number already written with its "+" and 7 to 15 digits is taken as it
 * is (what libphonenumber gives, 30 times faster); any other goes through
 * EPhoneNumber.
 *
 * Returns: (transfer full) (nullable): the number in E.164, or %NULL when
 *   it cannot be known (no region, not a number)
 */
char *
concord_vcard_phone_e164 (const char *phone,
                          const char *region)
{
  EPhoneNumber *number;
  char *plain, *e164 = NULL;
  g_autofree char *key = NULL;
  const char *cached = NULL;
  GHashTable *cache;

  if (phone == NULL)
    return NULL;

  if (g_ascii_strncasecmp (phone, "tel:", 4) == 0)
    phone += 4;

  plain = plain_e164 (phone);
  if (plain != NULL)
    return plain;

  if (region == NULL || !e_phone_number_is_supported ())
    return NULL;

  /* libphonenumber's time grows with the square of the length (10,000
   * digits: 1.4 s, 30,000: 12.6 s; 64: 71 µs): a longer value is no phone
   * number, and must not hold the sync for hours. */
  if (strlen (phone) > 64)
    return NULL;

  /* A card is read again when it is edited (and a 412 merged): the
   * numbers of this thread's last cards are kept. */
  cache = g_private_get (&e164_cache);
  if (cache == NULL)
    {
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_private_set (&e164_cache, cache);
    }
  key = g_strconcat (region, "\n", phone, NULL);
  if (g_hash_table_lookup_extended (cache, key, NULL, (gpointer *) &cached))
    return g_strdup (cached);

  number = e_phone_number_from_string (phone, region, NULL);
  if (number != NULL)
    {
      e164 = e_phone_number_to_string (number, E_PHONE_NUMBER_FORMAT_E164);
      e_phone_number_free (number);
    }

  if (g_hash_table_size (cache) >= E164_CACHE_SIZE)
    g_hash_table_remove_all (cache);
  g_hash_table_insert (cache, g_steal_pointer (&key), g_strdup (e164));
  return e164;
}

/**
 * concord_vcard_default_region:
 *
 * Returns: (transfer full) (nullable): the country of the user's locale
 *   (LC_ADDRESS, else LC_ALL, LC_TELEPHONE, LANG: "en_GB.UTF-8" is "GB"),
 *   %NULL when it says none ("C", "POSIX")
 */
char *
concord_vcard_default_region (void)
{
  static const char * const vars[] = { "LC_ALL", "LC_ADDRESS", "LC_TELEPHONE", "LANG", NULL };

  for (guint i = 0; vars[i] != NULL; i++)
    {
      const char *value = g_getenv (vars[i]);
      const char *under;

      if (value == NULL || value[0] == '\0')
        continue;
      under = strchr (value, '_');
      if (under != NULL && g_ascii_isalpha (under[1]) && g_ascii_isalpha (under[2]) &&
          (under[3] == '\0' || under[3] == '.' || under[3] == '@'))
        return g_ascii_strup (under + 1, 2);
      return NULL;
    }

  return NULL;
}
