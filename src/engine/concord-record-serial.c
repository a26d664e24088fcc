/* concord-record-serial.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A record in other forms (see concord-record.c): the hash of its fields
 * (persisted, so it must not depend on quarks nor on field order), a
 * GVariant, the store's compact serialisation, and JSON.
 */

#define G_LOG_DOMAIN "concord-record"

#include "config.h"

#include <string.h>

#include "concord-record-private.h"

/* ------------------------------------------------------------------------- */
/* Hashes and other forms                                                    */
/* ------------------------------------------------------------------------- */

#define FNV_OFFSET G_GUINT64_CONSTANT (0xcbf29ce484222325)
#define FNV_PRIME  G_GUINT64_CONSTANT (0x100000001b3)

static inline guint64
fnv_bytes (guint64       h,
           gconstpointer data,
           gsize         len)
{
  const guchar *p = data;

  for (gsize i = 0; i < len; i++)
    {
      h ^= p[i];
      h *= FNV_PRIME;
    }

  return h;
}

static inline guint64
fnv_string (guint64     h,
            const char *s)
{
  /* Include the terminator so "ab"+"c" differs from "a"+"bc". */
  return fnv_bytes (h, s, strlen (s) + 1);
}

static inline guint64
mix64 (guint64 x)
{
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

static guint64
hash_field (const ConcordRecordField *field)
{
  const ConcordValue *value = &field->value;
  guint64 h = fnv_string (FNV_OFFSET, g_quark_to_string (field->key));
  /* Text types hash alike, as they compare alike. */
  guchar kind = CONCORD_FIELD_TYPE_IS_TEXT (value->type) ? 0 : value->type;

  h = fnv_bytes (h, &kind, 1);

  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      h = fnv_bytes (h, &value->v.number, sizeof value->v.number);
      break;
    case CONCORD_FIELD_TYPE_BOOLEAN:
      {
        guchar b = !!value->v.boolean;

        h = fnv_bytes (h, &b, 1);
      }
      break;
    case CONCORD_FIELD_TYPE_DATETIME:
      h = fnv_bytes (h, &value->v.datetime, sizeof value->v.datetime);
      break;
    case CONCORD_FIELD_TYPE_STRING_SET:
      for (guint i = 0; value->v.set[i] != NULL; i++)
        h = fnv_string (h, value->v.set[i]);
      break;
    case CONCORD_FIELD_TYPE_EMAIL:
      {
        /* By key, as emails compare: a change of case is no change. */
        g_autofree char *key = concord_normalize_email (value->v.text);

        h = fnv_string (h, key != NULL ? key : value->v.text);
      }
      break;
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_ENUM:
    default:
      h = fnv_string (h, value->v.text);
      break;
    }

  return mix64 (h);
}

/**
 * concord_record_hash_fields:
 * @keys: (nullable) (array length=n_keys): the fields to hash; %NULL for all
 * @n_keys: the length of @keys
 *
 * A content hash, the same in every process and whatever the order of the
 * fields; never 0 (the store uses 0 for "no hash").
 */
guint64
concord_record_hash_fields (const ConcordRecord *self,
                            const GQuark        *keys,
                            guint                n_keys)
{
  guint64 h = 0;

  g_return_val_if_fail (self != NULL, 0);

  if (keys == NULL)
    {
      for (guint i = 0; i < self->n_fields; i++)
        h += hash_field (&self->fields[i]);
    }
  else
    {
      for (guint i = 0; i < n_keys; i++)
        {
          ConcordRecordField *field = concord_record_find_field (self, keys[i]);

          if (field != NULL)
            h += hash_field (field);
        }
    }

  h = mix64 (h ^ G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  return h != 0 ? h : 1;
}

/**
 * concord_record_to_variant:
 *
 * Returns: (transfer floating): the fields as `a{s(yv)}`
 */
GVariant *
concord_record_to_variant (const ConcordRecord *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (self != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{s(yv)}"));
  for (guint i = 0; i < self->n_fields; i++)
    g_variant_builder_add (&builder, "{s@(yv)}",
                           g_quark_to_string (self->fields[i].key),
                           concord_value_to_variant (&self->fields[i].value));

  return g_variant_builder_end (&builder);
}

/**
 * concord_record_to_variant_keys:
 * @keys: (array length=n_keys): the fields to keep
 *
 * Like concord_record_to_variant(), for the fields in @keys only (what a
 * baseline keeps), without copying the record.
 *
 * Returns: (transfer floating): the fields as `a{s(yv)}`
 */
GVariant *
concord_record_to_variant_keys (const ConcordRecord *self,
                                const GQuark        *keys,
                                guint                n_keys)
{
  GVariantBuilder builder;

  g_return_val_if_fail (self != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{s(yv)}"));
  for (guint i = 0; i < n_keys; i++)
    {
      ConcordRecordField *field = concord_record_find_field (self, keys[i]);

      /* A key mapped twice is kept once. */
      for (guint j = 0; field != NULL && j < i; j++)
        if (keys[j] == keys[i])
          field = NULL;

      if (field != NULL)
        g_variant_builder_add (&builder, "{s@(yv)}", g_quark_to_string (field->key),
                               concord_value_to_variant (&field->value));
    }

  return g_variant_builder_end (&builder);
}

/**
 * concord_record_new_from_variant:
 * @variant: an `a{s(yv)}` from concord_record_to_variant()
 *
 * Unreadable entries are skipped.
 *
 * Returns: (transfer full) (nullable): a record without remote id, or
 *   %NULL when @variant has the wrong type
 */
ConcordRecord *
concord_record_new_from_variant (GVariant *variant)
{
  ConcordRecord *self;
  GVariantIter iter;
  const char *key;
  GVariant *entry;

  g_return_val_if_fail (variant != NULL, NULL);

  if (!g_variant_is_of_type (variant, G_VARIANT_TYPE ("a{s(yv)}")))
    return NULL;

  self = concord_record_new (NULL);
  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "{&s@(yv)}", &key, &entry))
    {
      ConcordValue value;

      if (*key != '\0' && concord_value_from_variant (entry, &value))
        {
          concord_record_set_value (self, key, &value);
          concord_value_clear (&value);
        }
      g_variant_unref (entry);
    }

  return self;
}

/*
 * The compact form baselines are stored in: a version byte, then per field
 * the name NUL-terminated, the type byte and the value: text NUL-terminated;
 * numbers and date-times as 8 bytes; booleans as 1 byte; sets as a 4-byte
 * count and NUL-terminated members. Integers are little-endian. It is
 * several times cheaper to build than a GVariant dictionary, which matters
 * at 100,000 baselines a run.
 */
#define SERIAL_VERSION 1

static void
put_u32 (GByteArray *out,
         guint32     value)
{
  guint32 le = GUINT32_TO_LE (value);

  g_byte_array_append (out, (const guint8 *) &le, 4);
}

static void
put_u64 (GByteArray *out,
         guint64     value)
{
  guint64 le = GUINT64_TO_LE (value);

  g_byte_array_append (out, (const guint8 *) &le, 8);
}

static void
put_string (GByteArray *out,
            const char *text)
{
  g_byte_array_append (out, (const guint8 *) text, strlen (text) + 1);
}

/**
 * concord_record_serialize:
 * @keys: (nullable) (array length=n_keys): the fields to keep; %NULL for all
 *
 * Returns: (transfer full): the fields in Concord's compact form
 */
GBytes *
concord_record_serialize (const ConcordRecord *self,
                          const GQuark        *keys,
                          guint                n_keys)
{
  GByteArray *out;
  guint n = keys != NULL ? n_keys : self->n_fields;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_byte_array_sized_new (16 + 24 * n);
  g_byte_array_append (out, (const guint8 *) "\x01", 1);

  for (guint i = 0; i < n; i++)
    {
      const ConcordRecordField *field = keys != NULL ? concord_record_find_field (self, keys[i]) : &self->fields[i];
      const ConcordValue *value;
      guint8 type;

      if (field == NULL)
        continue;

      /* A key listed twice is kept once. */
      if (keys != NULL)
        {
          gboolean seen = FALSE;

          for (guint j = 0; j < i && !seen; j++)
            seen = keys[j] == keys[i];
          if (seen)
            continue;
        }

      value = &field->value;
      type = value->type;
      put_string (out, g_quark_to_string (field->key));
      g_byte_array_append (out, &type, 1);

      switch (value->type)
        {
        case CONCORD_FIELD_TYPE_NUMBER:
          {
            guint64 bits;

            memcpy (&bits, &value->v.number, 8);
            put_u64 (out, bits);
          }
          break;
        case CONCORD_FIELD_TYPE_BOOLEAN:
          {
            guint8 b = !!value->v.boolean;

            g_byte_array_append (out, &b, 1);
          }
          break;
        case CONCORD_FIELD_TYPE_DATETIME:
          put_u64 (out, (guint64) value->v.datetime);
          break;
        case CONCORD_FIELD_TYPE_STRING_SET:
          put_u32 (out, g_strv_length (value->v.set));
          for (guint m = 0; value->v.set[m] != NULL; m++)
            put_string (out, value->v.set[m]);
          break;
        case CONCORD_FIELD_TYPE_STRING:
        case CONCORD_FIELD_TYPE_EMAIL:
        case CONCORD_FIELD_TYPE_PHONE:
        case CONCORD_FIELD_TYPE_DATE:
        case CONCORD_FIELD_TYPE_ENUM:
        default:
          put_string (out, value->v.text);
          break;
        }
    }

  return g_byte_array_free_to_bytes (out);
}

/* Bounds-checked reading: a damaged blob is refused, never trusted. */
typedef struct
{
  const guint8 *p;
  const guint8 *end;
} Reader;

static const char *
read_string (Reader *r)
{
  const guint8 *nul = r->p < r->end ? memchr (r->p, '\0', r->end - r->p) : NULL;
  const char *s = (const char *) r->p;

  if (nul == NULL)
    return NULL;
  r->p = nul + 1;
  return g_utf8_validate (s, -1, NULL) ? s : NULL;
}

static gboolean
read_bytes (Reader *r,
            void   *dest,
            gsize   n)
{
  if ((gsize) (r->end - r->p) < n)
    return FALSE;
  memcpy (dest, r->p, n);
  r->p += n;
  return TRUE;
}

/**
 * concord_record_new_from_serialized:
 *
 * Returns: (transfer full) (nullable): the record, or %NULL when @data is
 *   not in Concord's compact form
 */
ConcordRecord *
concord_record_new_from_serialized (const guint8 *data,
                                    gsize         length)
{
  g_autoptr(ConcordRecord) self = NULL;
  Reader r = { data, data + length };
  guint8 version;

  if (data == NULL || !read_bytes (&r, &version, 1) || version != SERIAL_VERSION)
    return NULL;

  self = concord_record_new (NULL);

  while (r.p < r.end)
    {
      const char *key = read_string (&r);
      ConcordValue value = { 0 };
      guint8 type;

      if (key == NULL || *key == '\0' || !read_bytes (&r, &type, 1) ||
          type > CONCORD_FIELD_TYPE_STRING_SET)
        return NULL;

      value.type = type;
      switch (value.type)
        {
        case CONCORD_FIELD_TYPE_NUMBER:
        case CONCORD_FIELD_TYPE_DATETIME:
          {
            guint64 le;

            if (!read_bytes (&r, &le, 8))
              return NULL;
            le = GUINT64_FROM_LE (le);
            if (value.type == CONCORD_FIELD_TYPE_NUMBER)
              memcpy (&value.v.number, &le, 8);
            else
              value.v.datetime = (gint64) le;
            concord_record_set_value (self, key, &value);
          }
          break;
        case CONCORD_FIELD_TYPE_BOOLEAN:
          {
            guint8 b;

            if (!read_bytes (&r, &b, 1))
              return NULL;
            value.v.boolean = b != 0;
            concord_record_set_value (self, key, &value);
          }
          break;
        case CONCORD_FIELD_TYPE_STRING_SET:
          {
            guint32 count;
            g_autoptr(GPtrArray) items = NULL;

            if (!read_bytes (&r, &count, 4))
              return NULL;
            count = GUINT32_FROM_LE (count);
            if (count > (gsize) (r.end - r.p))
              return NULL;
            items = g_ptr_array_sized_new (count + 1);
            for (guint32 m = 0; m < count; m++)
              {
                const char *item = read_string (&r);

                if (item == NULL)
                  return NULL;
                g_ptr_array_add (items, (gpointer) item);
              }
            g_ptr_array_add (items, NULL);
            concord_record_set_set (self, key, (const char * const *) items->pdata);
          }
          break;
        case CONCORD_FIELD_TYPE_STRING:
        case CONCORD_FIELD_TYPE_EMAIL:
        case CONCORD_FIELD_TYPE_PHONE:
        case CONCORD_FIELD_TYPE_DATE:
        case CONCORD_FIELD_TYPE_ENUM:
        default:
          {
            const char *text = read_string (&r);

            if (text == NULL)
              return NULL;
            value.v.text = (char *) text;
            concord_record_set_value (self, key, &value);
          }
          break;
        }
    }

  return g_steal_pointer (&self);
}

/**
 * concord_record_to_json:
 *
 * Returns: (transfer full): the fields as one JSON object, for the journal
 */
char *
concord_record_to_json (const ConcordRecord *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new ("{");
  for (guint i = 0; i < self->n_fields; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      concord_record_append_json_string (out, g_quark_to_string (self->fields[i].key));
      g_string_append_c (out, ':');
      concord_record_append_value_json (out, &self->fields[i].value);
    }
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}
