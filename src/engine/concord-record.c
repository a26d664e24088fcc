/* concord-record.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Records and values.
 *
 * Values are normalised when they are set — the "N" of the sync model:
 * text is trimmed and made valid UTF-8, phone numbers lose their
 * formatting, sets are sorted and deduplicated, and an empty value is no
 * value. So a record touched without a change of content compares equal to
 * what it was, and nothing ping-pongs over a space.
 *
 * Emails are kept as the person wrote them ("Ida.Lind@Example.com" is what
 * the other app gets), and compared and hashed by their matching key,
 * concord_normalize_email(): so nothing ping-pongs over a capital letter
 * either. The key never depends on the user's locale: g_utf8_strdown()
 * under tr_TR makes "I" a dotless "ı", which is another address.
 *
 * A field can be marked "altered": Concord had to change its value when
 * reading it (bytes that are not UTF-8, a NUL, a value cut to a limit), so
 * it is not what the user wrote. The planner never writes an altered value
 * to the other app, and never matches or creates from an altered email.
 *
 * A record keeps its fields in a small array keyed by GQuark: contacts have
 * a handful of fields, and a linear scan over quarks beats a hash table in
 * both time and memory at the 100,000-record scale the engine works at.
 *
 * Hashes of records are persisted in the state store, so they must not
 * depend on quark values (which differ between processes) nor on field
 * order: each field is hashed from its name and value with FNV-1a, mixed,
 * and the field hashes are added up.
 *
 * This file holds the record and its fields; normalising values is in
 * concord-record-values.c, hashes and serialised forms in
 * concord-record-serial.c.
 */

#define G_LOG_DOMAIN "concord-record"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "concord-fields.h"
#include "concord-record-private.h"

static const char * const type_names[] = {
  "string", "email", "phone", "date", "datetime", "number", "boolean", "enum", "string-set",
};

G_STATIC_ASSERT (G_N_ELEMENTS (type_names) == CONCORD_FIELD_TYPE_STRING_SET + 1);

/* ------------------------------------------------------------------------- */
/* Field types                                                               */
/* ------------------------------------------------------------------------- */

const char *
concord_field_type_to_string (ConcordFieldType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), "string");

  return type_names[type];
}

gboolean
concord_field_type_from_string (const char       *name,
                                ConcordFieldType *type)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (type_names); i++)
    if (g_str_equal (name, type_names[i]))
      {
        *type = (ConcordFieldType) i;
        return TRUE;
      }

  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Records                                                                   */
/* ------------------------------------------------------------------------- */

ConcordRecordField *
concord_record_find_field (const ConcordRecord *self,
                           GQuark               key)
{
  for (guint i = 0; i < self->n_fields; i++)
    if (self->fields[i].key == key)
      return &self->fields[i];

  return NULL;
}

/* Takes ownership of @value's contents. */
static void
take_value (ConcordRecord *self,
            GQuark         key,
            ConcordValue  *value)
{
  ConcordRecordField *field = concord_record_find_field (self, key);

  if (field != NULL)
    {
      concord_value_clear (&field->value);
      field->value = *value;
      field->flags = 0;  /* a new value is what it says */
      return;
    }

  if (self->n_fields == self->n_allocated)
    {
      self->n_allocated = MAX (4, self->n_allocated * 2);
      self->fields = g_renew (ConcordRecordField, self->fields, self->n_allocated);
    }

  self->fields[self->n_fields].key = key;
  self->fields[self->n_fields].flags = 0;
  self->fields[self->n_fields].value = *value;
  self->n_fields++;
}

static gboolean
remove_quark (ConcordRecord *self,
              GQuark         key)
{
  ConcordRecordField *field = concord_record_find_field (self, key);
  guint index;

  if (field == NULL)
    return FALSE;

  index = field - self->fields;
  concord_value_clear (&field->value);
  memmove (&self->fields[index], &self->fields[index + 1],
           (self->n_fields - index - 1) * sizeof (ConcordRecordField));
  self->n_fields--;

  return TRUE;
}

/**
 * concord_record_new:
 * @remote_id: (nullable): the id of the record on its app, %NULL for a
 *   record not created yet
 *
 * Returns: (transfer full): a new, empty record
 */
ConcordRecord *
concord_record_new (const char *remote_id)
{
  ConcordRecord *self = g_new0 (ConcordRecord, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->remote_id = g_strdup (remote_id);

  return self;
}

/**
 * concord_record_copy:
 *
 * Returns: (transfer full): a deep, unshared copy of @self
 */
ConcordRecord *
concord_record_copy (const ConcordRecord *self)
{
  ConcordRecord *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = concord_record_new (self->remote_id);
  copy->version = g_strdup (self->version);
  copy->modified = self->modified;
  copy->n_fields = copy->n_allocated = self->n_fields;
  copy->fields = g_new (ConcordRecordField, MAX (1, self->n_fields));

  for (guint i = 0; i < self->n_fields; i++)
    {
      copy->fields[i].key = self->fields[i].key;
      copy->fields[i].flags = self->fields[i].flags;
      concord_value_copy (&self->fields[i].value, &copy->fields[i].value);
    }

  return copy;
}

ConcordRecord *
concord_record_ref (ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
concord_record_unref (ConcordRecord *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < self->n_fields; i++)
    concord_value_clear (&self->fields[i].value);
  g_free (self->fields);
  g_free (self->remote_id);
  g_free (self->version);
  g_free (self);
}

const char *
concord_record_get_remote_id (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->remote_id;
}

void
concord_record_set_remote_id (ConcordRecord *self,
                              const char    *remote_id)
{
  g_return_if_fail (self != NULL);

  if (self->remote_id != remote_id)
    {
      g_free (self->remote_id);
      self->remote_id = g_strdup (remote_id);
    }
}

const char *
concord_record_get_version (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->version;
}

void
concord_record_set_version (ConcordRecord *self,
                            const char    *version)
{
  g_return_if_fail (self != NULL);

  if (self->version != version)
    {
      g_free (self->version);
      self->version = g_strdup (version);
    }
}

gint64
concord_record_get_modified (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->modified;
}

void
concord_record_set_modified (ConcordRecord *self,
                             gint64         unix_seconds)
{
  g_return_if_fail (self != NULL);

  self->modified = unix_seconds;
}

/* What one allocation takes: the allocator's own figure where there is one
 * (glibc), else the size asked for. */
static gsize
allocated (const void *block,
           gsize       asked)
{
  if (block == NULL)
    return 0;
#ifdef __GLIBC__
  return malloc_usable_size ((void *) block);
#else
  return asked;
#endif
}

/**
 * concord_record_get_allocated_size:
 *
 * The memory the record holds on the heap: itself, its fields and their
 * values. For benchmarks that tell the engine's memory from the apps' in
 * the same process.
 *
 * Returns: bytes
 */
gsize
concord_record_get_allocated_size (const ConcordRecord *self)
{
  gsize size;

  g_return_val_if_fail (self != NULL, 0);

  size = allocated (self, sizeof *self) +
         allocated (self->fields, self->n_allocated * sizeof (ConcordRecordField)) +
         allocated (self->remote_id, self->remote_id != NULL ? strlen (self->remote_id) + 1 : 0) +
         allocated (self->version, self->version != NULL ? strlen (self->version) + 1 : 0);

  for (guint i = 0; i < self->n_fields; i++)
    {
      const ConcordValue *value = &self->fields[i].value;

      if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
        {
          guint n = g_strv_length (value->v.set);

          size += allocated (value->v.set, (n + 1) * sizeof (char *));
          for (guint k = 0; k < n; k++)
            size += allocated (value->v.set[k], strlen (value->v.set[k]) + 1);
        }
      else if (CONCORD_FIELD_TYPE_IS_TEXT (value->type) && value->v.text != NULL)
        size += allocated (value->v.text, strlen (value->v.text) + 1);
    }

  return size;
}

guint
concord_record_get_n_fields (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_fields;
}

/**
 * concord_record_get_field_at:
 * @key: (out) (optional): the field name
 *
 * Returns: (transfer none): the value of field @index
 */
const ConcordValue *
concord_record_get_field_at (const ConcordRecord  *self,
                             guint                 index,
                             const char          **key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_fields, NULL);

  if (key != NULL)
    *key = g_quark_to_string (self->fields[index].key);

  return &self->fields[index].value;
}

const ConcordValue *
concord_record_get_quark (const ConcordRecord *self,
                          GQuark               key)
{
  ConcordRecordField *field;

  g_return_val_if_fail (self != NULL, NULL);

  field = concord_record_find_field (self, key);
  return field != NULL ? &field->value : NULL;
}

/**
 * concord_record_get:
 *
 * Returns: (transfer none) (nullable): the value of @key, %NULL when the
 *   record has none
 */
const ConcordValue *
concord_record_get (const ConcordRecord *self,
                    const char          *key)
{
  GQuark quark;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  quark = g_quark_try_string (key);
  return quark != 0 ? concord_record_get_quark (self, quark) : NULL;
}

/**
 * concord_record_get_text:
 *
 * Returns: (transfer none) (nullable): the text of @key when it is a text
 *   field
 */
const char *
concord_record_get_text (const ConcordRecord *self,
                         const char          *key)
{
  const ConcordValue *value = concord_record_get (self, key);

  if (value == NULL || !CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    return NULL;

  return value->v.text;
}

const char *
concord_record_get_email (const ConcordRecord *self)
{
  return concord_record_get_text (self, "email");
}

/**
 * concord_record_email_keys:
 *
 * What the record is matched by, as the store's index keeps it: the
 * matching key (concord_normalize_email()) of its email, then those of the
 * other members of its "emails" that are valid addresses, each once, one
 * a line. A record with one email gives that key alone; one whose email
 * is no address, none.
 *
 * Returns: (transfer full) (nullable): the keys, %NULL when there are none
 */
char *
concord_record_email_keys (const ConcordRecord *self)
{
  const ConcordValue *emails;
  g_autofree char *primary = NULL;
  g_autoptr(GHashTable) seen = NULL;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  primary = concord_normalize_email (concord_record_get_email (self));
  emails = concord_record_get (self, CONCORD_FIELD_EMAILS);
  /* An email that is no address makes the others no guide either. */
  if (emails == NULL || emails->type != CONCORD_FIELD_TYPE_STRING_SET ||
      (primary == NULL && concord_record_get (self, CONCORD_FIELD_EMAIL) != NULL))
    return g_steal_pointer (&primary);

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (primary != NULL)
    g_hash_table_add (seen, g_strdup (primary));
  out = g_string_new (primary);
  for (guint i = 0; emails->v.set[i] != NULL; i++)
    {
      char *key = concord_normalize_email (concord_record_labelled_value (emails->v.set[i]));

      if (key == NULL || !g_hash_table_add (seen, key))
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, key);
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

/**
 * concord_email_keys_first:
 * @keys: (nullable): keys as concord_record_email_keys() gives them
 *
 * Returns: (transfer full) (nullable): the first key (the email's, when
 *   the record has one)
 */
char *
concord_email_keys_first (const char *keys)
{
  if (keys == NULL || *keys == '\0')
    return NULL;

  return g_strndup (keys, strcspn (keys, "\n"));
}

/**
 * concord_record_set_text:
 * @type: one of the text types
 * @text: (nullable): the text; %NULL or blank removes the field
 *
 * Sets a normalised text value: trimmed, valid UTF-8; phone numbers
 * without formatting, dates as YYYY-MM-DD. Emails keep their case (they
 * compare by concord_normalize_email()).
 *
 * Returns: %FALSE when @text cannot be a value of @type (an unreadable
 *   date); the record is then left unchanged
 */
gboolean
concord_record_set_text (ConcordRecord    *self,
                         const char       *key,
                         ConcordFieldType  type,
                         const char       *text)
{
  ConcordValue value = { .type = type };
  GQuark quark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (CONCORD_FIELD_TYPE_IS_TEXT (type), FALSE);

  quark = g_quark_from_string (key);

  switch (type)
    {
    case CONCORD_FIELD_TYPE_PHONE:
      value.v.text = concord_normalize_phone (text);
      break;
    case CONCORD_FIELD_TYPE_DATE:
      value.v.text = concord_record_normalize_date (text);
      if (value.v.text == NULL && !concord_record_text_is_blank (text))
        return FALSE;
      break;
    case CONCORD_FIELD_TYPE_EMAIL:  /* as written: compared by key */
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_ENUM:
    case CONCORD_FIELD_TYPE_DATETIME:
    case CONCORD_FIELD_TYPE_NUMBER:
    case CONCORD_FIELD_TYPE_BOOLEAN:
    case CONCORD_FIELD_TYPE_STRING_SET:
    default:
      value.v.text = concord_record_clean_text (text);
      break;
    }

  if (value.v.text == NULL)
    remove_quark (self, quark);
  else
    take_value (self, quark, &value);

  return TRUE;
}

void
concord_record_set_number (ConcordRecord *self,
                           const char    *key,
                           double         number)
{
  ConcordValue value = { .type = CONCORD_FIELD_TYPE_NUMBER, .v.number = number };

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  if (!isfinite (number))
    {
      concord_record_remove (self, key);
      return;
    }

  /* One zero: -0.0 and 0.0 are the same number to a person. */
  if (number == 0.0)
    value.v.number = 0.0;

  take_value (self, g_quark_from_string (key), &value);
}

void
concord_record_set_boolean (ConcordRecord *self,
                            const char    *key,
                            gboolean       boolean)
{
  ConcordValue value = { .type = CONCORD_FIELD_TYPE_BOOLEAN, .v.boolean = !!boolean };

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  take_value (self, g_quark_from_string (key), &value);
}

void
concord_record_set_datetime (ConcordRecord *self,
                             const char    *key,
                             gint64         unix_seconds)
{
  ConcordValue value = { .type = CONCORD_FIELD_TYPE_DATETIME, .v.datetime = unix_seconds };

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  take_value (self, g_quark_from_string (key), &value);
}

/**
 * concord_record_set_set:
 * @items: (nullable) (array zero-terminated=1): the members; %NULL or only
 *   blank members remove the field
 */
void
concord_record_set_set (ConcordRecord      *self,
                        const char         *key,
                        const char * const *items)
{
  ConcordValue value = { .type = CONCORD_FIELD_TYPE_STRING_SET };
  GQuark quark;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  quark = g_quark_from_string (key);
  value.v.set = concord_record_normalize_set (key, items);

  if (value.v.set == NULL)
    remove_quark (self, quark);
  else
    take_value (self, quark, &value);
}

/**
 * concord_record_set_value_quark:
 * @value: (nullable): the value, normalised again; %NULL removes the field
 *
 * Returns: %FALSE when @value was refused (see concord_record_set_text())
 */
gboolean
concord_record_set_value_quark (ConcordRecord      *self,
                                GQuark              key,
                                const ConcordValue *value)
{
  const char *name;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != 0, FALSE);

  name = g_quark_to_string (key);

  if (value == NULL)
    {
      remove_quark (self, key);
      return TRUE;
    }

  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      concord_record_set_number (self, name, value->v.number);
      return TRUE;
    case CONCORD_FIELD_TYPE_BOOLEAN:
      concord_record_set_boolean (self, name, value->v.boolean);
      return TRUE;
    case CONCORD_FIELD_TYPE_DATETIME:
      concord_record_set_datetime (self, name, value->v.datetime);
      return TRUE;
    case CONCORD_FIELD_TYPE_STRING_SET:
      concord_record_set_set (self, name, (const char * const *) value->v.set);
      return TRUE;
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_ENUM:
    default:
      return concord_record_set_text (self, name, value->type, value->v.text);
    }
}

gboolean
concord_record_set_value (ConcordRecord      *self,
                          const char         *key,
                          const ConcordValue *value)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return concord_record_set_value_quark (self, g_quark_from_string (key), value);
}

/**
 * concord_record_remove:
 *
 * Returns: whether the record had the field
 */
gboolean
concord_record_remove (ConcordRecord *self,
                       const char    *key)
{
  GQuark quark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  quark = g_quark_try_string (key);
  return quark != 0 && remove_quark (self, quark);
}

/**
 * concord_record_mark_altered:
 * @key: a field @self has; nothing happens when it has none
 *
 * Marks the value of @key as altered: Concord had to change it when
 * reading it from its app (bytes that are not UTF-8 or a NUL replaced by
 * U+FFFD, a value cut to a size limit…), so it is not what the user wrote.
 * An altered value is shown but never written to the other app, and an
 * altered email is never used to match or create. Setting the field again
 * clears the mark; copies keep it; baselines and variants do not store it.
 */
void
concord_record_mark_altered (ConcordRecord *self,
                             const char    *key)
{
  ConcordRecordField *field;
  GQuark quark;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  quark = g_quark_try_string (key);
  field = quark != 0 ? concord_record_find_field (self, quark) : NULL;
  if (field != NULL)
    field->flags |= CONCORD_RECORD_FIELD_ALTERED;
}

/**
 * concord_record_is_altered_quark:
 *
 * Returns: whether @self has a value for @key marked with
 *   concord_record_mark_altered()
 */
gboolean
concord_record_is_altered_quark (const ConcordRecord *self,
                                 GQuark               key)
{
  ConcordRecordField *field;

  g_return_val_if_fail (self != NULL, FALSE);

  field = concord_record_find_field (self, key);
  return field != NULL && (field->flags & CONCORD_RECORD_FIELD_ALTERED) != 0;
}

gboolean
concord_record_is_altered (const ConcordRecord *self,
                           const char          *key)
{
  GQuark quark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  quark = g_quark_try_string (key);
  return quark != 0 && concord_record_is_altered_quark (self, quark);
}

/**
 * concord_record_has_altered:
 *
 * Returns: whether any field of @self is marked altered
 */
gboolean
concord_record_has_altered (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < self->n_fields; i++)
    if ((self->fields[i].flags & CONCORD_RECORD_FIELD_ALTERED) != 0)
      return TRUE;

  return FALSE;
}

/**
 * concord_record_equal_fields:
 *
 * Returns: whether @a and @b hold the same fields with equal values
 *   (ids, versions and times are not compared)
 */
gboolean
concord_record_equal_fields (const ConcordRecord *a,
                             const ConcordRecord *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (a->n_fields != b->n_fields)
    return FALSE;

  for (guint i = 0; i < a->n_fields; i++)
    {
      ConcordRecordField *other = concord_record_find_field (b, a->fields[i].key);

      if (other == NULL || !concord_value_equal (&a->fields[i].value, &other->value))
        return FALSE;
    }

  return TRUE;
}
