/* concord-vcard-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the vCard layer share: the card as its property lines
 * (concord-vcard.c: properties, values, phones), parsed and made
 * (concord-vcard-parse.c), read into a record (concord-vcard-read.c), edited
 * line by line (concord-vcard-write.c) and changed by a record
 * (concord-vcard-apply.c). See concord-vcard.c for what the layer does and
 * why.
 */

#pragma once

#include <string.h>

#include "concord-vcard.h"

G_BEGIN_DECLS

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
} ConcordVCardProp;

typedef struct
{
  char *name;          /* ASCII upper-case */
  char *raw_name;      /* as written */
  char *value;         /* as written, quotes kept; NULL for a bare parameter */
} ConcordVCardParam;

struct _ConcordVCard
{
  guint      version;   /* 3 or 4 */
  GPtrArray *props;     /* (element-type ConcordVCardProp), BEGIN … END included */
};

/* What every part asks of a property, for every line: inline. */
static inline const char *
prop_value (const ConcordVCardProp *prop)
{
  return prop->line + prop->value_start;
}

static inline gboolean
prop_is (const ConcordVCardProp *prop,
         const char             *name)
{
  return strcmp (prop->name, name) == 0;
}

static inline char *
prop_group (const ConcordVCardProp *prop)
{
  return prop->group_len > 0 ? g_strndup (prop->line, prop->group_len) : NULL;
}

static inline gboolean
prop_in_group (const ConcordVCardProp *prop,
               const char             *group)
{
  return group != NULL && prop->group_len == strlen (group) &&
         g_ascii_strncasecmp (prop->line, group, prop->group_len) == 0;
}

/* What a property's parameters say, read without allocating (this runs
 * for every EMAIL, TEL, ADR and URL of every card): its TYPE values (and
 * the bare parameters of older writers, "EMAIL;INTERNET;PREF:") as flags,
 * the first other type, its PREF (0: none), whether it carries an
 * ENCODING (then its value is not text Concord reads) or VALUE=uri. */
enum
{
  CONCORD_VCARD_TYPE_PREF   = 1 << 0,
  CONCORD_VCARD_TYPE_WORK   = 1 << 1,
  CONCORD_VCARD_TYPE_HOME   = 1 << 2,
  CONCORD_VCARD_TYPE_MOBILE = 1 << 3,   /* cell, mobile, iphone */
};

typedef struct
{
  guint       types;
  const char *free_type;      /* into the line; free_type_len octets */
  gsize       free_type_len;
  guint       pref;
  gboolean    encoded;
  gboolean    uri;
} ConcordVCardPropInfo;

/* One EMAIL, TEL or ADR of the card, read. */
typedef struct
{
  guint  index;     /* in card->props */
  char  *label;
  char  *value;     /* the email, the phone (E.164 when known, else
                     * normalised), the address member's value */
  guint  rank;
  gboolean mobile;
} ConcordVCardItem;

/* What _concord_vcard_read_record() reads (apply() reads only what a change names). */
enum
{
  CONCORD_VCARD_READ_NAMES     = 1 << 0,
  CONCORD_VCARD_READ_EMAILS    = 1 << 1,
  CONCORD_VCARD_READ_PHONES    = 1 << 2,
  CONCORD_VCARD_READ_ADDRESSES = 1 << 3,
  CONCORD_VCARD_READ_OTHER     = 1 << 4,   /* ORG, TITLE, NOTE, BDAY, REV, CATEGORIES, URL */
  CONCORD_VCARD_READ_CUSTOM    = 1 << 5,
  CONCORD_VCARD_READ_ALL       = 0xff,
};

/* concord-vcard.c */

void _concord_vcard_prop_free (ConcordVCardProp *prop);

ConcordVCardProp *_concord_vcard_prop_new (const char *raw,
                                           gsize       raw_len,
                                           const char *line,
                                           gsize       line_len);

ConcordVCardProp *_concord_vcard_prop_new_written (const char *line);

GPtrArray *_concord_vcard_prop_params (const ConcordVCardProp *prop);

void _concord_vcard_params_free (GPtrArray *params);

void _concord_vcard_split_param_values (const char *value,
                                        GPtrArray  *out);

void _concord_vcard_prop_info (const ConcordVCardProp *prop,
                               ConcordVCardPropInfo   *info);

char *_concord_vcard_unescape (const char *text);

GPtrArray *_concord_vcard_split_components (const char *value,
                                            char        sep);

void _concord_vcard_append_escaped (GString    *out,
                                    const char *text);

const char *_concord_vcard_component (GPtrArray *parts,
                                      guint      index);

char *_concord_vcard_nonblank (const char *text);

/* concord-vcard-parse.c */

const ConcordVCardProp *_concord_vcard_find_prop (const ConcordVCard *card,
                                                  const char         *name);

/* concord-vcard-read.c */

char *_concord_vcard_address_value (const char * const parts[5]);

GArray *_concord_vcard_read_items (const ConcordVCard *card,
                                   const char         *name,
                                   const char         *region);

int _concord_vcard_preferred_item (GArray *items,
                                   int     mobile);

gboolean _concord_vcard_is_x_text (const ConcordVCardProp *prop);

ConcordRecord *_concord_vcard_read_record (const ConcordVCard *card,
                                           const char         *remote_id,
                                           const char         *region,
                                           guint               what);

/* concord-vcard-write.c */

void _concord_vcard_remove_props (ConcordVCard *card,
                                  const guint  *indices,
                                  guint         n_indices);

void _concord_vcard_remove_prop (ConcordVCard *card,
                                 guint         index);

void _concord_vcard_set_single (ConcordVCard *card,
                                const char   *name,
                                const char   *text,
                                gboolean      raw);

void _concord_vcard_set_components (ConcordVCard       *card,
                                    int                 found,
                                    const char         *name,
                                    guint               n_components,
                                    const guint        *indices,
                                    const char * const *values,
                                    guint               n_values);

int _concord_vcard_find_index (const ConcordVCard *card,
                               const char         *name);

void _concord_vcard_apply_items (ConcordVCard       *card,
                                 const char         *name,
                                 const ConcordValue *set,
                                 const char         *region);

void _concord_vcard_apply_primary (ConcordVCard *card,
                                   const char   *name,
                                   const char   *text,
                                   int           mobile,
                                   const char   *region);

G_END_DECLS
