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

/* A vCard line is folded at this many octets (line end not counted). */
#define FOLD_OCTETS 75

/* ------------------------------------------------------------------------- */
/* Properties                                                                */
/* ------------------------------------------------------------------------- */

/* One property: its raw bytes and its unfolded line, in one allocation.
 * line = [group "."] name params ":" value. A line that was not folded is
 * stored once: its raw bytes are the line and its line end (eol). A
 * property costs its struct (48 bytes), its line and its name. */
typedef struct
{
  char    *line;         /* unfolded, NUL-terminated, no line end */
  char    *name;         /* the name, ASCII upper-case, NUL-terminated */
  guint32  line_len;
  guint32  raw_len;      /* the bytes as read (or as written), line end included */
  guint32  size;         /* of the allocation */
  guint32  group_len;    /* 0: no group; else line[0..group_len) */
  guint32  params_start; /* line[params_start..value_start - 1) */
  guint32  value_start;  /* line + value_start is the value */
  guint8   eol;          /* EOL_STORED: the raw bytes follow the name;
                          * else they are the line and this line end */
} Prop;

enum { EOL_STORED, EOL_NONE, EOL_LF, EOL_CRLF };

static const char * const eol_text[] = { NULL, "", "\n", "\r\n" };

/* The raw bytes when stored apart from the line (a folded line). */
static const char *
prop_raw (const Prop *prop)
{
  return prop->name + strlen (prop->name) + 1;
}

typedef struct
{
  char *name;          /* ASCII upper-case */
  char *raw_name;      /* as written */
  char *value;         /* as written, quotes kept; NULL for a bare parameter */
} Param;

struct _ConcordVCard
{
  guint      version;   /* 3 or 4 */
  GPtrArray *props;     /* (element-type Prop), BEGIN … END included */
};

static void
prop_free (Prop *prop)
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
static Prop *
prop_new (const char *raw,
          gsize       raw_len,
          const char *line,
          gsize       line_len)
{
  guint group_len, name_start, name_len, params_start, value_start;
  guint8 eol = EOL_STORED;
  gsize size;
  Prop *prop;
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

  size = sizeof (Prop) + line_len + 1 + name_len + 1 + (eol == EOL_STORED ? raw_len + 1 : 0);
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
static Prop *
prop_new_written (const char *line)
{
  g_autoptr(GString) raw = fold_line (line);

  return prop_new (raw->str, raw->len, line, strlen (line));
}

static const char *
prop_value (const Prop *prop)
{
  return prop->line + prop->value_start;
}

static gboolean
prop_is (const Prop *prop,
         const char *name)
{
  return strcmp (prop->name, name) == 0;
}

static char *
prop_group (const Prop *prop)
{
  return prop->group_len > 0 ? g_strndup (prop->line, prop->group_len) : NULL;
}

static gboolean
prop_in_group (const Prop *prop,
               const char *group)
{
  return group != NULL && prop->group_len == strlen (group) &&
         g_ascii_strncasecmp (prop->line, group, prop->group_len) == 0;
}

/* The parameters: ";A=b;C" into (A, b), (C, NULL). */
static GPtrArray *
prop_params (const Prop *prop)
{
  GPtrArray *params = g_ptr_array_new ();
  const char *p = prop->line + prop->params_start;
  const char *end = prop->line + prop->value_start - 1;

  while (p < end && *p == ';')
    {
      const char *start = ++p;
      const char *eq = NULL;
      gboolean quoted = FALSE;
      Param *param;

      for (; p < end; p++)
        {
          if (*p == '"')
            quoted = !quoted;
          else if (!quoted && *p == ';')
            break;
          else if (!quoted && *p == '=' && eq == NULL)
            eq = p;
        }

      param = g_new0 (Param, 1);
      param->name = g_ascii_strup (start, (eq != NULL ? eq : p) - start);
      param->raw_name = g_strndup (start, (eq != NULL ? eq : p) - start);
      if (eq != NULL)
        param->value = g_strndup (eq + 1, p - eq - 1);
      g_ptr_array_add (params, param);
    }

  return params;
}

static void
params_free (GPtrArray *params)
{
  for (guint i = 0; i < params->len; i++)
    {
      Param *param = g_ptr_array_index (params, i);
      g_free (param->name);
      g_free (param->raw_name);
      g_free (param->value);
      g_free (param);
    }
  g_ptr_array_free (params, TRUE);
}

/* Splits a parameter value on its commas, without quotes. */
static void
split_param_values (const char *value,
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

/* What a property's parameters say, read without allocating (this runs
 * for every EMAIL, TEL, ADR and URL of every card): its TYPE values (and
 * the bare parameters of older writers, "EMAIL;INTERNET;PREF:") as flags,
 * the first other type, its PREF (0: none), whether it carries an
 * ENCODING (then its value is not text Concord reads) or VALUE=uri. */
enum
{
  TYPE_PREF   = 1 << 0,
  TYPE_WORK   = 1 << 1,
  TYPE_HOME   = 1 << 2,
  TYPE_MOBILE = 1 << 3,   /* cell, mobile, iphone */
};

typedef struct
{
  guint       types;
  const char *free_type;      /* into the line; free_type_len octets */
  gsize       free_type_len;
  guint       pref;
  gboolean    encoded;
  gboolean    uri;
} PropInfo;

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
info_add_type (PropInfo   *info,
               const char *type,
               gsize       len)
{
  if (len == 0)
    return;
  if (span_is (type, len, "pref"))
    info->types |= TYPE_PREF;
  else if (span_is (type, len, "work"))
    info->types |= TYPE_WORK;
  else if (span_is (type, len, "home"))
    info->types |= TYPE_HOME;
  else if (span_is (type, len, "cell") || span_is (type, len, "mobile") ||
           span_is (type, len, "iphone"))
    info->types |= TYPE_MOBILE;
  else if (info->free_type == NULL)
    {
      for (guint i = 0; silent_types[i] != NULL; i++)
        if (span_is (type, len, silent_types[i]))
          return;
      info->free_type = type;
      info->free_type_len = len;
    }
}

static void
prop_info (const Prop *prop,
           PropInfo   *info)
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

static char *
unescape (const char *text)
{
  return unescape_len (text, strlen (text));
}

/* Splits on the unescaped @sep, each component unescaped. */
static GPtrArray *
split_components (const char *value,
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

static void
append_escaped (GString    *out,
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

static const char *
component (GPtrArray *parts,
           guint      index)
{
  return index < parts->len ? g_ptr_array_index (parts, index) : "";
}

/* Trimmed copy, NULL when blank. */
static char *
nonblank (const char *text)
{
  char *copy;

  if (text == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (text));
  if (copy[0] == '\0')
    g_clear_pointer (&copy, g_free);
  return copy;
}

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

/* Parses one card in data[0..length), the first line being @line_no. */
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
  const char *invalid = NULL;
  gboolean begun = FALSE, ended = FALSE, have_version = FALSE;
  guint version = 3;
  guint begin_no = line_no;

  if (length > CONCORD_VCARD_MAX_BYTES)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   /* Translators: the first %u is a line number, the second a number of bytes */
                   _("vCard at line %u: larger than %u bytes"), line_no,
                   (guint) CONCORD_VCARD_MAX_BYTES);
      return NULL;
    }

  /* A writer may fold inside a UTF-8 character (RFC 6350 §3.2 asks
   * readers to restore it): only what is still invalid once unfolded is. */
  if (!g_utf8_validate_len (data, length, &invalid) && !unfolded_is_utf8 (data, length))
    {
      set_parse_error (error, line_no + count_lines (data, invalid) - 1,
                       _("invalid UTF-8"));
      return NULL;
    }

  card = g_new0 (ConcordVCard, 1);
  card->props = g_ptr_array_new_with_free_func ((GDestroyNotify) prop_free);

  while (p < end)
    {
      const char *start = p;
      const char *content_end;
      guint first_no = line_no;
      Prop *prop;

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
      while (p < end && (*p == ' ' || *p == '\t'))
        {
          const char *cont = p + 1;
          p = next_line (p, end, &content_end);
          line_no++;
          if (memchr (cont, '\r', content_end - cont) != NULL)
            {
              set_parse_error (error, line_no - 1, _("a carriage return inside a line"));
              return NULL;
            }
          g_string_append_len (logical, cont, content_end - cont);
        }

      if (!begun)
        {
          if (!line_is (logical->str, logical->len, "BEGIN:VCARD"))
            {
              set_parse_error (error, first_no, _("the card does not start with BEGIN:VCARD"));
              return NULL;
            }
          begun = TRUE;
          begin_no = first_no;
        }
      else if (line_is (logical->str, logical->len, "BEGIN:VCARD"))
        {
          set_parse_error (error, first_no,
                           _("BEGIN:VCARD inside a card (a nested card, or a card without END)"));
          return NULL;
        }

      prop = prop_new (start, p - start, logical->str, logical->len);
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

      if (prop_is (prop, "END") &&
          line_is (logical->str + prop->value_start, logical->len - prop->value_start, "VCARD"))
        ended = TRUE;
      else if (prop_is (prop, "VERSION") && !have_version)
        {
          const char *v = prop_value (prop);
          have_version = TRUE;
          if (line_is (v, strlen (v), "3.0"))
            version = 3;
          else if (line_is (v, strlen (v), "4.0"))
            version = 4;
          else
            {
              set_parse_error (error, first_no,
                               line_is (v, strlen (v), "2.1")
                               ? _("vCard 2.1 is not read (only 3.0 and 4.0)")
                               : _("VERSION is neither 3.0 nor 4.0"));
              return NULL;
            }
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
              GError *error = NULL;
              ConcordVCard *card = parse_card (card_start, start - card_start, card_line, &error);

              if (card != NULL)
                g_ptr_array_add (cards, card);
              else if (errors != NULL)
                g_ptr_array_add (errors, error);
              else
                g_error_free (error);
              card_start = start;
              card_line = this_line;
              depth = 1;
            }
        }
      else if (is_end && --depth == 0)
        {
          GError *error = NULL;
          ConcordVCard *card = parse_card (card_start, p - card_start, card_line, &error);

          if (card != NULL)
            g_ptr_array_add (cards, card);
          else if (errors != NULL)
            g_ptr_array_add (errors, error);
          else
            g_error_free (error);
          card_start = NULL;
        }

      /* "AGENT:" with the agent's card on the next lines (2.1). */
      after_agent = content_end - start >= 6 &&
                    g_ascii_strncasecmp (content_end - 6, "AGENT:", 6) == 0;
    }

  if (card_start != NULL)
    {
      GError *error = NULL;
      ConcordVCard *card = parse_card (card_start, end - card_start, card_line, &error);

      if (card != NULL)
        g_ptr_array_add (cards, card);
      else if (errors != NULL)
        g_ptr_array_add (errors, error);
      else
        g_error_free (error);
    }

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
  card->props = g_ptr_array_new_with_free_func ((GDestroyNotify) prop_free);
  g_ptr_array_add (card->props, prop_new_written ("BEGIN:VCARD"));
  g_ptr_array_add (card->props, prop_new_written (version == 4 ? "VERSION:4.0" : "VERSION:3.0"));
  append_escaped (line, uid);
  g_ptr_array_add (card->props, prop_new_written (line->str));
  g_ptr_array_add (card->props, prop_new_written ("END:VCARD"));

  return card;
}

ConcordVCard *
concord_vcard_copy (const ConcordVCard *card)
{
  ConcordVCard *copy;

  g_return_val_if_fail (card != NULL, NULL);

  copy = g_new0 (ConcordVCard, 1);
  copy->version = card->version;
  copy->props = g_ptr_array_new_full (card->props->len, (GDestroyNotify) prop_free);
  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *prop = g_ptr_array_index (card->props, i);
      Prop *dup = g_memdup2 (prop, prop->size);

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

static const Prop *
find_prop (const ConcordVCard *card,
           const char         *name)
{
  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *prop = g_ptr_array_index (card->props, i);
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
  const Prop *prop;

  g_return_val_if_fail (card != NULL, NULL);

  prop = find_prop (card, "UID");
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
      const Prop *prop = g_ptr_array_index (card->props, i);
      const char *value = prop_value (prop);

      if ((prop_is (prop, "KIND") || prop_is (prop, "X-ADDRESSBOOKSERVER-KIND")) &&
          line_is (value, strlen (value), "group"))
        return TRUE;
    }
  return FALSE;
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
    total += ((const Prop *) g_ptr_array_index (card->props, i))->raw_len;

  out = g_string_sized_new (total + 1);
  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *prop = g_ptr_array_index (card->props, i);
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

/* ------------------------------------------------------------------------- */
/* Reading: the card into a record                                           */
/* ------------------------------------------------------------------------- */

/* "_$!<Mobile>!$_" (Apple's built-in labels) is "Mobile". */
static char *
apple_label (const char *value)
{
  g_autofree char *text = unescape (value);
  gsize len = strlen (text);

  if (len > 8 && g_str_has_prefix (text, "_$!<") && g_str_has_suffix (text, ">!$_"))
    return g_strndup (text + 4, len - 8);
  return g_steal_pointer (&text);
}

/* The X-ABLabel of the property's group, if any. */
static char *
group_label (const ConcordVCard *card,
             const Prop         *prop)
{
  g_autofree char *group = prop_group (prop);

  if (group == NULL)
    return NULL;

  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *other = g_ptr_array_index (card->props, i);
      if (other != prop && prop_in_group (other, group) && prop_is (other, "X-ABLABEL"))
        return apple_label (prop_value (other));
    }
  return NULL;
}


/* The item's label (folded by concord_labelled_format()). */
static char *
item_label (const ConcordVCard *card,
            const Prop         *prop,
            const PropInfo     *info)
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

  if (info->types & TYPE_MOBILE)
    return g_strdup (CONCORD_LABEL_MOBILE);
  if (info->types & TYPE_WORK)
    return g_strdup (CONCORD_LABEL_WORK);
  if (info->types & TYPE_HOME)
    return g_strdup (CONCORD_LABEL_HOME);
  if (info->free_type != NULL)
    return g_ascii_strdown (info->free_type, info->free_type_len);

  return g_strdup (CONCORD_LABEL_OTHER);
}

/* Whether the property is marked preferred, and how much (lower: more). */
static guint
item_rank (const PropInfo *info)
{
  if (info->pref > 0)
    return info->pref;
  if (info->types & TYPE_PREF)
    return 1;
  return 101;
}

/* One EMAIL, TEL or ADR of the card, read. */
typedef struct
{
  guint  index;     /* in card->props */
  char  *label;
  char  *value;     /* the email, the phone (E.164 when known, else
                     * normalised), the address member's value */
  guint  rank;
  gboolean mobile;
} Item;

static void
item_clear (gpointer data)
{
  Item *item = data;

  g_free (item->label);
  g_free (item->value);
}

/* An ADR's five parts as one member value. */
static char *
address_value (const char * const parts[5])
{
  GString *out = g_string_new (NULL);
  gboolean any = FALSE;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *clean = nonblank (parts[i]);

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
  parts[0] = component (components, 2);
  if (parts[0][0] == '\0')
    parts[0] = component (components, 1);
  if (parts[0][0] == '\0')
    parts[0] = component (components, 0);
  parts[1] = component (components, 3);
  parts[2] = component (components, 4);
  parts[3] = component (components, 5);
  parts[4] = component (components, 6);
}

/* The EMAIL, TEL or ADR items of the card, in card order. */
static GArray *
read_items (const ConcordVCard *card,
            const char         *name,
            const char         *region)
{
  GArray *items = g_array_new (FALSE, TRUE, sizeof (Item));

  g_array_set_clear_func (items, item_clear);

  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *prop = g_ptr_array_index (card->props, i);
      PropInfo info;
      Item item = { .index = i };

      if (!prop_is (prop, name))
        continue;

      prop_info (prop, &info);
      if (info.encoded)
        {
          continue;
        }

      if (g_str_equal (name, "ADR"))
        {
          g_autoptr(GPtrArray) components = split_components (prop_value (prop), ';');
          const char *parts[5];

          address_parts (components, parts);
          item.value = address_value (parts);
        }
      else
        {
          g_autofree char *written = unescape (prop_value (prop));

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
static int
preferred_item (GArray *items,
                int     mobile)
{
  int best = -1;

  for (guint i = 0; i < items->len; i++)
    {
      const Item *item = &g_array_index (items, Item, i);

      if (mobile >= 0 && item->mobile != (gboolean) mobile)
        continue;
      if (best < 0 || item->rank < g_array_index (items, Item, best).rank)
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
      const Item *item = &g_array_index (items, Item, 0);
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
          const Item *item = &g_array_index (items, Item, i);
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
static gboolean
is_x_text (const Prop *prop)
{
  PropInfo info;
  gboolean text;

  if (!g_str_has_prefix (prop->name, "X-") || prop_is (prop, "X-ABLABEL") || prop_is (prop, "X-ABADR"))
    return FALSE;
  if (prop->params_start + 1 >= prop->value_start)
    return TRUE;

  prop_info (prop, &info);
  text = !info.encoded && !info.uri;
  return text;
}

/* The value unescaped, NULL when blank (the note's own spaces kept). */
static char *
nonblank_unescaped (const char *value)
{
  char *text = unescape (value);

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

  return nonblank (drop_controls (copy));
}

/* The first component of ORG, unescaped, without control characters. */
static char *
read_org (const Prop *prop)
{
  g_autoptr(GPtrArray) parts = split_components (prop_value (prop), ';');
  return nonblank_name (component (parts, 0));
}

/* Whether one of the card's EMAIL values is @text. */
static gboolean
has_email (const ConcordVCard *card,
           const char         *text)
{
  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *prop = g_ptr_array_index (card->props, i);
      g_autofree char *value = NULL;

      if (!prop_is (prop, "EMAIL"))
        continue;
      value = unescape (prop_value (prop));
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
      const Prop *prop = g_ptr_array_index (card->props, i);
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
  const Prop *n = find_prop (card, "N");
  const Prop *fn;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;

  if (n != NULL)
    {
      g_autoptr(GPtrArray) parts = split_components (prop_value (n), ';');
      last = nonblank_name (component (parts, 0));
      first = nonblank_name (component (parts, 1));
    }

  fn = find_prop (card, "FN");
  if (first == NULL && last == NULL && fn != NULL)
    {
      g_autofree char *full = drop_controls (unescape (prop_value (fn)));
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
              first = nonblank (full);
              last = nonblank (space + 1);
            }
          else
            first = g_strdup (full);
        }
    }

  concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, first);
  concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, last);
}

static void
read_address (ConcordRecord *record,
              const Prop    *prop)
{
  g_autoptr(GPtrArray) components = split_components (prop_value (prop), ';');
  const char *parts[5];
  static const char * const keys[] = {
    CONCORD_FIELD_ADDRESS_STREET, CONCORD_FIELD_ADDRESS_CITY, CONCORD_FIELD_ADDRESS_REGION,
    CONCORD_FIELD_ADDRESS_POSTAL_CODE, CONCORD_FIELD_ADDRESS_COUNTRY,
  };

  address_parts (components, parts);
  for (guint i = 0; i < 5; i++)
    concord_record_set_text (record, keys[i], CONCORD_FIELD_TYPE_STRING, parts[i]);
}

/* What read_record() reads (apply() reads only what a change names). */
enum
{
  READ_NAMES     = 1 << 0,
  READ_EMAILS    = 1 << 1,
  READ_PHONES    = 1 << 2,
  READ_ADDRESSES = 1 << 3,
  READ_OTHER     = 1 << 4,   /* ORG, TITLE, NOTE, BDAY, REV, CATEGORIES, URL */
  READ_CUSTOM    = 1 << 5,
  READ_ALL       = 0xff,
};

static ConcordRecord *
read_record (const ConcordVCard *card,
             const char         *remote_id,
             const char         *region,
             guint               what)
{
  g_autoptr(ConcordRecord) record = concord_record_new (remote_id);
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) emails = NULL;
  g_autoptr(GArray) phones = NULL;
  const Prop *url = NULL, *adr = NULL;
  guint url_rank = G_MAXUINT, adr_rank = G_MAXUINT;
  gboolean have_company = FALSE, have_title = FALSE, have_note = FALSE, have_birthday = FALSE;
  int best;

  if (what & READ_NAMES)
    read_names (card, record);

  if (what & READ_EMAILS)
    {
      emails = read_items (card, "EMAIL", region);
      best = preferred_item (emails, -1);
      if (best >= 0)
        concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL,
                                 g_array_index (emails, Item, best).value);
      set_items (record, CONCORD_FIELD_EMAILS, emails);
    }

  if (what & READ_PHONES)
    {
      phones = read_items (card, "TEL", region);
      best = preferred_item (phones, 0);
      if (best >= 0)
        concord_record_set_text (record, CONCORD_FIELD_PHONE, CONCORD_FIELD_TYPE_PHONE,
                                 g_array_index (phones, Item, best).value);
      best = preferred_item (phones, 1);
      if (best >= 0)
        concord_record_set_text (record, CONCORD_FIELD_MOBILE, CONCORD_FIELD_TYPE_PHONE,
                                 g_array_index (phones, Item, best).value);
      set_items (record, CONCORD_FIELD_PHONES, phones);
    }

  if (what & READ_ADDRESSES)
    {
      g_autoptr(GArray) addresses = read_items (card, "ADR", region);
      set_items (record, CONCORD_FIELD_ADDRESSES, addresses);
    }

  if ((what & (READ_OTHER | READ_ADDRESSES | READ_CUSTOM)) == 0)
    return g_steal_pointer (&record);

  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *prop = g_ptr_array_index (card->props, i);
      const char *value = prop_value (prop);

      if (prop_is (prop, "ADR"))
        {
          PropInfo info;
          guint rank;

          if ((what & READ_ADDRESSES) == 0)
            continue;
          prop_info (prop, &info);
          rank = info.encoded ? G_MAXUINT : item_rank (&info);
          if (rank < adr_rank)
            adr = prop, adr_rank = rank;
        }
      else if (g_str_has_prefix (prop->name, "X-"))
        {
          g_autofree char *key = NULL;
          g_autofree char *text = NULL;

          if ((what & READ_CUSTOM) == 0 || !is_x_text (prop))
            continue;
          key = concord_field_custom_key (prop->name);
          text = unescape (value);
          if (concord_record_get (record, key) == NULL)
            concord_record_set_text (record, key, CONCORD_FIELD_TYPE_STRING, text);
        }
      else if ((what & READ_OTHER) == 0)
        continue;
      else if (prop_is (prop, "ORG"))
        {
          g_autofree char *company = have_company ? NULL : read_org (prop);
          if (company != NULL)
            have_company = concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, company);
        }
      else if (prop_is (prop, "TITLE"))
        {
          g_autofree char *title = have_title ? NULL : nonblank_unescaped (value);
          if (title != NULL)
            have_title = concord_record_set_text (record, CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_TYPE_STRING, title);
        }
      else if (prop_is (prop, "NOTE"))
        {
          g_autofree char *note = have_note ? NULL : nonblank_unescaped (value);
          if (note != NULL)
            have_note = concord_record_set_text (record, CONCORD_FIELD_NOTES, CONCORD_FIELD_TYPE_STRING, note);
        }
      else if (prop_is (prop, "BDAY"))
        {
          g_autofree char *date = have_birthday ? NULL : read_date (value);
          if (date != NULL)
            have_birthday = concord_record_set_text (record, CONCORD_FIELD_BIRTHDAY, CONCORD_FIELD_TYPE_DATE, date);
        }
      else if (prop_is (prop, "REV"))
        {
          gint64 modified = read_timestamp (value);
          if (modified > 0)
            concord_record_set_modified (record, modified);
        }
      else if (prop_is (prop, "CATEGORIES"))
        {
          g_autoptr(GPtrArray) parts = split_components (value, ',');
          for (guint j = 0; j < parts->len; j++)
            {
              char *tag = nonblank (g_ptr_array_index (parts, j));
              if (tag != NULL)
                g_ptr_array_add (tags, tag);
            }
        }
      else if (prop_is (prop, "URL"))
        {
          PropInfo info;
          guint rank;

          prop_info (prop, &info);
          rank = info.encoded ? G_MAXUINT : item_rank (&info);
          if (rank < url_rank)
            url = prop, url_rank = rank;
        }
    }

  if (url != NULL)
    {
      g_autofree char *website = unescape (prop_value (url));
      concord_record_set_text (record, CONCORD_FIELD_WEBSITE, CONCORD_FIELD_TYPE_STRING, website);
    }
  if (adr != NULL)
    read_address (record, adr);

  if ((what & READ_OTHER) && tags->len > 0)
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

  return read_record (card, remote_id, region, READ_ALL);
}

/* ------------------------------------------------------------------------- */
/* Writing: a change into the card                                           */
/* ------------------------------------------------------------------------- */

/* Where a new property goes: after the last of its name, else before END. */
static guint
insert_position (const ConcordVCard *card,
                 const char         *name)
{
  guint pos = card->props->len - 1;   /* END */
  const Prop *last = NULL;

  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *prop = g_ptr_array_index (card->props, i);
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
      const Prop *prop = g_ptr_array_index (card->props, i - 1);
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
  Prop *prop = prop_new_written (line);

  g_return_if_fail (prop != NULL);
  prop_free (g_ptr_array_index (card->props, index));
  g_ptr_array_index (card->props, index) = prop;
}

static void
insert_prop (ConcordVCard *card,
             const char   *name,
             const char   *line)
{
  Prop *prop = prop_new_written (line);

  g_return_if_fail (prop != NULL);
  g_ptr_array_insert (card->props, insert_position (card, name), prop);
}

/* Removes the properties at @indices (in any order, each once); and the
 * X-ABLabel of a group left with nothing else to label. */
static void
remove_props (ConcordVCard *card,
              const guint  *indices,
              guint         n_indices)
{
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  guint kept = 0;

  for (guint i = 0; i < n_indices; i++)
    {
      Prop *prop = g_ptr_array_index (card->props, indices[i]);

      if (prop == NULL)
        continue;
      if (prop->group_len > 0)
        g_ptr_array_add (groups, prop_group (prop));
      prop_free (prop);
      g_ptr_array_index (card->props, indices[i]) = NULL;
    }

  for (guint g = 0; g < groups->len; g++)
    {
      const char *group = g_ptr_array_index (groups, g);
      gboolean used = FALSE;

      for (guint i = 0; i < card->props->len && !used; i++)
        {
          Prop *other = g_ptr_array_index (card->props, i);
          used = other != NULL && prop_in_group (other, group) && !prop_is (other, "X-ABLABEL");
        }
      if (used)
        continue;
      for (guint i = 0; i < card->props->len; i++)
        {
          Prop *other = g_ptr_array_index (card->props, i);
          if (other != NULL && prop_in_group (other, group))
            {
              prop_free (other);
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

static void
remove_prop (ConcordVCard *card,
             guint         index)
{
  remove_props (card, &index, 1);
}

/* The line "[group.]NAME<params>:" with @value appended as it is. */
static GString *
line_head (const Prop *prop,
           const char *name)
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
static void
set_single (ConcordVCard *card,
            const char   *name,
            const char   *text,
            gboolean      raw)
{
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint));
  int found = -1;

  for (guint i = 0; i < card->props->len; i++)
    {
      const Prop *prop = g_ptr_array_index (card->props, i);
      if (!prop_is (prop, name))
        continue;
      if (text == NULL)
        g_array_append_val (gone, i);
      else if (found < 0)
        found = i;
    }
  remove_props (card, (const guint *) (gpointer) gone->data, gone->len);

  if (text != NULL)
    {
      const Prop *prop = found >= 0 ? g_ptr_array_index (card->props, found) : NULL;
      g_autoptr(GString) line = line_head (prop, name);

      if (raw)
        g_string_append (line, text);
      else
        append_escaped (line, text);
      if (found >= 0)
        replace_prop (card, found, line->str);
      else
        insert_prop (card, name, line->str);
    }
}

/* Replaces component @index of a structured property (N, ORG, ADR),
 * keeping the others as written; adds the property when missing. */
static void
set_components (ConcordVCard        *card,
                int                  found,
                const char          *name,
                guint                n_components,
                const guint         *indices,
                const char * const  *values,
                guint                n_values)
{
  const Prop *prop = found >= 0 ? g_ptr_array_index (card->props, found) : NULL;
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
            append_escaped (line, values[j]);
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

static int
find_index (const ConcordVCard *card,
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
          g_autofree char *part = i < n ? nonblank (parts[i]) : NULL;
          if (i > 0)
            g_string_append_c (line, ';');
          append_escaped (line, part);
        }
    }
  else
    append_escaped (line, value);
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
  g_ptr_array_insert (card->props, pos, prop_new_written (line->str));
  if (group != NULL)
    {
      g_autoptr(GString) ab = g_string_new (NULL);
      g_string_append_printf (ab, "%s.X-ABLabel:", group);
      append_escaped (ab, label);
      g_ptr_array_insert (card->props, pos + 1, prop_new_written (ab->str));
    }
}

/* Rewrites the item at @index with a new value, keeping its params. */
static void
set_item_value (ConcordVCard *card,
                guint         index,
                const char   *name,
                const char   *value)
{
  const Prop *prop = g_ptr_array_index (card->props, index);
  g_autoptr(GString) line = line_head (prop, name);

  if (g_str_equal (name, "ADR"))
    {
      g_auto(GStrv) parts = g_strsplit (value, ";", 5);
      guint n = g_strv_length (parts);
      const guint indices[] = { 2, 3, 4, 5, 6 };
      char *p[5];

      for (guint i = 0; i < 5; i++)
        {
          p[i] = i < n ? nonblank (parts[i]) : NULL;
          if (p[i] == NULL)
            p[i] = g_strdup ("");
        }
      set_components (card, index, "ADR", 7, indices, (const char * const *) p, 5);
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
    append_escaped (line, value);
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
      return address_value (p);
    }
  return g_strdup (value);
}

/* Makes the card's @name items the members of @set ("label\tvalue"):
 * items already there (same label and value) keep their bytes; an item
 * whose member is gone is rewritten in place with a new member of its
 * label, else removed; the remaining new members are added. */
static void
apply_items (ConcordVCard       *card,
             const char         *name,
             const ConcordValue *set,
             const char         *region)
{
  g_autoptr(GArray) items = read_items (card, name, region);
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
      const Item *item = &g_array_index (items, Item, i);
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
      const Item *item = &g_array_index (items, Item, i);
      for (guint j = 0; j < n_members && !kept[i]; j++)
        kept[i] = placed[j] && item_value_equal (name, item->value, g_ptr_array_index (values, j));
    }

  /* Items whose member is gone: take a new member of the same label in
   * place (an edited address keeps its line's params), else go. */
  for (guint i = 0; i < items->len; i++)
    {
      const Item *item = &g_array_index (items, Item, i);
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

  remove_props (card, (const guint *) (gpointer) removed->data, removed->len);

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
  const Prop *prop = g_ptr_array_index (card->props, index);
  g_autoptr(GString) line = g_string_new (NULL);
  GPtrArray *params = prop_params (prop);
  gboolean done = FALSE;

  g_string_append_len (line, prop->line, prop->params_start);
  for (guint i = 0; i < params->len; i++)
    {
      Param *param = g_ptr_array_index (params, i);

      if (g_str_equal (param->name, "PREF") && param->value != NULL)
        continue;
      if (param->value == NULL && g_ascii_strcasecmp (param->name, "PREF") == 0)
        continue;
      if (g_str_equal (param->name, "TYPE") && param->value != NULL)
        {
          g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func (g_free);
          g_autoptr(GString) kept = g_string_new (NULL);

          split_param_values (param->value, types);
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
  params_free (params);

  if (pref && !done)
    g_string_append (line, card->version == 4 ? ";PREF=1" : ";TYPE=pref");
  g_string_append_c (line, ':');
  g_string_append (line, prop_value (prop));
  replace_prop (card, index, line->str);
}

/* Makes the single field (email, phone, mobile) the card's: the item of
 * that value becomes the preferred one; else the preferred item takes
 * the value in place; else a new preferred item is added. */
static void
apply_primary (ConcordVCard *card,
               const char   *name,
               const char   *text,
               int           mobile,
               const char   *region)
{
  g_autoptr(GArray) items = read_items (card, name, region);
  g_autofree char *value = NULL;
  int best = preferred_item (items, mobile);
  int match = -1;

  if (text == NULL)
    {
      if (best >= 0)
        remove_prop (card, g_array_index (items, Item, best).index);
      return;
    }

  value = member_value (name, text, region);
  if (value == NULL)
    return;

  for (guint i = 0; i < items->len; i++)
    {
      const Item *item = &g_array_index (items, Item, i);
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
      if (best >= 0 && g_array_index (items, Item, best).rank <= 100)
        set_item_pref (card, g_array_index (items, Item, best).index, FALSE);
      set_item_pref (card, g_array_index (items, Item, match).index, TRUE);
      return;
    }

  if (best >= 0)
    {
      set_item_value (card, g_array_index (items, Item, best).index, name, text);
      return;
    }

  /* None in its scope: nothing to prefer it over. */
  add_item (card, name, mobile == 1 ? CONCORD_LABEL_MOBILE : CONCORD_LABEL_OTHER, text, FALSE);
}

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
    return READ_NAMES;
  if (g_str_equal (key, CONCORD_FIELD_EMAIL) || g_str_equal (key, CONCORD_FIELD_EMAILS))
    return READ_EMAILS;
  if (g_str_equal (key, CONCORD_FIELD_PHONE) || g_str_equal (key, CONCORD_FIELD_MOBILE) ||
      g_str_equal (key, CONCORD_FIELD_PHONES))
    return READ_PHONES;
  if (g_str_has_prefix (key, "address"))
    return READ_ADDRESSES;
  if (concord_field_is_custom (key))
    return READ_CUSTOM;
  return READ_OTHER;
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

  /* A value that alone outgrows a card is refused before it is written
   * (lines are counted in 32 bits). */
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

  current = read_record (card, NULL, region, change_reads (set, clear));
  backup = concord_vcard_copy (card);

#define CHANGES(key) (change_names (set, clear, key) && !unchanged (current, set, key))

  /* Names: N, and FN when it follows them. */
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
      int fn = find_index (card, "FN");
      g_autofree char *fn_text = NULL;
      const guint indices[] = { 0, 1 };
      const char *values[] = { last != NULL ? last : "", first != NULL ? first : "" };

      if (fn >= 0)
        {
          fn_text = unescape (prop_value (g_ptr_array_index (card->props, fn)));
          g_strstrip (fn_text);
        }

      set_components (card, find_index (card, "N"), "N", 5, indices, values, 2);

      if (fn_text == NULL || fn_text[0] == '\0' || g_strcmp0 (fn_text, old_full) == 0)
        {
          /* No names left: FN is made again below (company, email). */
          set_single (card, "FN", new_full, FALSE);
        }
    }

  if (change_names (set, clear, CONCORD_FIELD_EMAILS) && !unchanged (current, set, CONCORD_FIELD_EMAILS))
    apply_items (card, "EMAIL", set != NULL ? concord_record_get (set, CONCORD_FIELD_EMAILS) : NULL, region);
  if (CHANGES (CONCORD_FIELD_EMAIL))
    apply_primary (card, "EMAIL", change_text (set, CONCORD_FIELD_EMAIL), -1, region);

  if (CHANGES (CONCORD_FIELD_PHONES))
    apply_items (card, "TEL", set != NULL ? concord_record_get (set, CONCORD_FIELD_PHONES) : NULL, region);
  if (CHANGES (CONCORD_FIELD_PHONE))
    apply_primary (card, "TEL", change_text (set, CONCORD_FIELD_PHONE), 0, region);
  if (CHANGES (CONCORD_FIELD_MOBILE))
    apply_primary (card, "TEL", change_text (set, CONCORD_FIELD_MOBILE), 1, region);

  if (CHANGES (CONCORD_FIELD_ADDRESSES))
    apply_items (card, "ADR", set != NULL ? concord_record_get (set, CONCORD_FIELD_ADDRESSES) : NULL, region);

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
        g_autoptr(GArray) items = read_items (card, "ADR", region);
        int best = preferred_item (items, -1);
        int index = best >= 0 ? (int) g_array_index (items, Item, best).index : find_index (card, "ADR");
        set_components (card, index, "ADR", 7, indices, values, n);
      }
  }

  if (CHANGES (CONCORD_FIELD_COMPANY))
    {
      const guint index = 0;
      const char *text = change_text (set, CONCORD_FIELD_COMPANY);
      int org = find_index (card, "ORG");

      g_autoptr(GPtrArray) parts = org >= 0 ? split_components (prop_value (g_ptr_array_index (card->props, org)), ';') : NULL;
      gboolean units = FALSE;

      for (guint i = 1; parts != NULL && i < parts->len; i++)
        units |= *(const char *) g_ptr_array_index (parts, i) != '\0';

      /* A cleared company keeps the departments ("ORG:;Sales"). */
      if (text == NULL && org >= 0 && !units)
        remove_prop (card, org);
      else if (text != NULL || org >= 0)
        {
          const char *written = text != NULL ? text : "";
          set_components (card, org, "ORG", 1, &index, &written, 1);
        }
    }

  if (CHANGES (CONCORD_FIELD_JOB_TITLE))
    set_single (card, "TITLE", change_text (set, CONCORD_FIELD_JOB_TITLE), FALSE);
  if (CHANGES (CONCORD_FIELD_NOTES))
    set_single (card, "NOTE", change_text (set, CONCORD_FIELD_NOTES), FALSE);
  if (CHANGES (CONCORD_FIELD_WEBSITE))
    set_single (card, "URL", change_text (set, CONCORD_FIELD_WEBSITE), TRUE);

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
      set_single (card, "BDAY", written, TRUE);
    }

  if (CHANGES (CONCORD_FIELD_TAGS))
    {
      const ConcordValue *tags = set != NULL ? concord_record_get (set, CONCORD_FIELD_TAGS) : NULL;
      g_autoptr(GString) value = g_string_new (NULL);

      if (tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET && tags->v.set != NULL)
        for (guint i = 0; tags->v.set[i] != NULL; i++)
          {
            if (i > 0)
              g_string_append_c (value, ',');
            append_escaped (value, tags->v.set[i]);
          }

      /* One CATEGORIES line holds them all. */
      {
        g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint));
        int first = find_index (card, "CATEGORIES");

        for (guint i = first + 1; first >= 0 && i < card->props->len; i++)
          if (prop_is (g_ptr_array_index (card->props, i), "CATEGORIES"))
            g_array_append_val (gone, i);
        remove_props (card, (const guint *) (gpointer) gone->data, gone->len);
      }
      set_single (card, "CATEGORIES", value->len > 0 ? value->str : NULL, TRUE);
    }

  /* Custom X- fields. */
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
        set_single (card, upper, text, FALSE);
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
        set_single (card, upper, NULL, FALSE);
      }

#undef CHANGES

  /* What a card must have: FN (both versions), N (3.0). */
  if (find_index (card, "FN") < 0 ||
      prop_value (g_ptr_array_index (card->props, find_index (card, "FN")))[0] == '\0')
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
        set_single (card, "FN", fn, FALSE);
      else if (find_index (card, "FN") < 0)
        set_single (card, "FN", "", TRUE);
    }
  if (card->version == 3 && find_index (card, "N") < 0)
    {
      const guint indices[] = { 0 };
      const char *values[] = { "" };
      set_components (card, -1, "N", 5, indices, values, 1);
    }

  for (guint i = 0; i < card->props->len; i++)
    size += ((const Prop *) g_ptr_array_index (card->props, i))->raw_len;
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

  ra = read_record (a, NULL, NULL, key_reads (key));
  rb = read_record (b, NULL, NULL, key_reads (key));
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
      const Prop *prop = g_ptr_array_index (card->props, i);
      g_autofree char *key = NULL;
      ConcordFieldSpec *spec;

      if (!is_x_text (prop))
        continue;
      key = concord_field_custom_key (prop->name);
      if (g_hash_table_contains (specs, key))
        continue;
      spec = concord_field_spec_new (key, prop->name, CONCORD_FIELD_TYPE_STRING, FALSE);
      spec->custom = TRUE;
      g_hash_table_insert (specs, g_steal_pointer (&key), spec);
    }
}
