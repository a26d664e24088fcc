/* concord-mapping-auto.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The automatic mapping (see concord-mapping.c): fields paired by canonical
 * key, then by name, then by synonym, in passes, when the values that flow
 * arrive (concord-mapping-auto-values.c); the subscription state; and why
 * every other field was left alone.
 */

#define G_LOG_DOMAIN "concord-mapping"

#include "config.h"

#include <string.h>

#include "concord-fields.h"
#include "concord-mapping-private.h"

/* ------------------------------------------------------------------------- */
/* Automatic mapping                                                         */
/* ------------------------------------------------------------------------- */

/* Names that mean the same field, normalised (see concord_mapping_normalize_name()). */
static const char * const synonyms[][8] = {
  { "company", "organization", "organisation", "companyname", "org", "orgname", "employer", NULL },
  { "phone", "telephone", "phonenumber", "tel", "workphone", "officephone", NULL },
  { "mobile", "mobilephone", "mobilephonenumber", "mobilenumber", "cellphone", "cell", NULL },
  { "firstname", "givenname", "forename", NULL },
  { "lastname", "surname", "familyname", NULL },
  { "jobtitle", "title", "position", "role", NULL },
  { "website", "url", "web", "homepage", "websiteurl", NULL },
  { "addressstreet", "street", "address", "streetaddress", NULL },
  { "addresscity", "city", "town", NULL },
  { "addressregion", "region", "state", "province", "stateregion", "stateorregion", NULL },
  { "addresspostalcode", "postalcode", "zip", "zipcode", "postcode", NULL },
  { "addresscountry", "country", "countryregion", NULL },
  { "birthday", "dateofbirth", "birthdate", "dob", NULL },
  { "notes", "note", "comments", "comment", NULL },
  /* An email tool's lists and a CRM's tags or labels: names given to a
   * contact, a set onto a set. */
  { "lists", "tags", "labels", NULL },
};

/* Groups close enough to pair when nothing closer is left: a "Mobile"
 * field and a "Phone" field, as indexes of synonyms[]. */
static const guint related[][2] = {
  { 1, 2 },
};

/* Parts of a normalised name that say a field may hold whether the
 * contact gets email: HubSpot's "Marketing contact status" or
 * "Unsubscribed from all email", an "Email opt out" yes or no. */
static const char * const subscription_words[] = {
  "subscri", "optout", "optin", "marketingstatus", "marketingcontactstatus", "emailstatus",
  "donotemail", "marketable", NULL
};

/* Lower case, without accents, spaces, underscores, hyphens, dots or
 * slashes, the same in every locale: "Müşteri_Tipi" and "MUSTERI TIPI"
 * are one name, in Turkish too (Unicode case folding, not the locale's
 * lower case, and the dot of "İ" is an accent). */
char *
concord_mapping_normalize_name (const char *name)
{
  g_autofree char *decomposed = g_utf8_normalize (name, -1, G_NORMALIZE_NFKD);
  g_autofree char *folded = g_utf8_casefold (decomposed != NULL ? decomposed : "", -1);
  GString *out = g_string_new (NULL);

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (g_unichar_isspace (c) || c == '_' || c == '-' || c == '.' || c == '/' ||
          type == G_UNICODE_NON_SPACING_MARK || type == G_UNICODE_SPACING_MARK ||
          type == G_UNICODE_ENCLOSING_MARK)
        continue;
      g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

static gint
synonym_group (const char *name)
{
  for (guint g = 0; g < G_N_ELEMENTS (synonyms); g++)
    for (guint i = 0; synonyms[g][i] != NULL; i++)
      if (g_str_equal (synonyms[g][i], name))
        return g;

  return -1;
}

static void
auto_field_init (ConcordMappingAutoField *field,
                 const ConcordFieldSpec  *spec)
{
  const char *key = spec->key;

  if (concord_field_is_custom (key))
    key += strlen (CONCORD_FIELD_CUSTOM_PREFIX);

  field->spec = spec;
  field->names[0] = concord_mapping_normalize_name (key);
  field->names[1] = concord_mapping_normalize_name (spec->label != NULL ? spec->label : key);
  field->synonym[0] = synonym_group (field->names[0]);
  field->synonym[1] = synonym_group (field->names[1]);
}

static void
auto_field_clear (ConcordMappingAutoField *field)
{
  g_free (field->names[0]);
  g_free (field->names[1]);
  g_free (field->reason);
  g_clear_pointer (&field->seen, g_ptr_array_unref);
  g_clear_pointer (&field->options, g_hash_table_unref);
}

static void
set_reason (ConcordMappingAutoField *field,
            char                    *reason)
{
  g_free (field->reason);
  field->reason = reason;
}

static gboolean
same_name (const ConcordMappingAutoField *a,
           const ConcordMappingAutoField *b)
{
  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < 2; j++)
      if (*a->names[i] != '\0' && g_str_equal (a->names[i], b->names[j]))
        return TRUE;

  return FALSE;
}

static gboolean
same_synonym (const ConcordMappingAutoField *a,
              const ConcordMappingAutoField *b)
{
  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < 2; j++)
      if (a->synonym[i] >= 0 && a->synonym[i] == b->synonym[j])
        return TRUE;

  return FALSE;
}

static gboolean
related_synonym (const ConcordMappingAutoField *a,
                 const ConcordMappingAutoField *b)
{
  for (guint r = 0; r < G_N_ELEMENTS (related); r++)
    for (guint i = 0; i < 2; i++)
      for (guint j = 0; j < 2; j++)
        if ((a->synonym[i] == (gint) related[r][0] && b->synonym[j] == (gint) related[r][1]) ||
            (a->synonym[i] == (gint) related[r][1] && b->synonym[j] == (gint) related[r][0]))
          return TRUE;

  return FALSE;
}

static gboolean
same_key (const ConcordMappingAutoField *a,
          const ConcordMappingAutoField *b)
{
  return g_str_equal (a->spec->key, b->spec->key);
}

static gboolean
is_texty (ConcordFieldType type)
{
  return type == CONCORD_FIELD_TYPE_STRING || type == CONCORD_FIELD_TYPE_ENUM ||
         type == CONCORD_FIELD_TYPE_PHONE;
}

/* Types the automatic mapping pairs without looking at values: the same,
 * two kinds of plain text, or a date and a date-time. */
gboolean
concord_mapping_types_safe (ConcordFieldType a,
                            ConcordFieldType b)
{
  return a == b || (is_texty (a) && is_texty (b)) ||
         (concord_mapping_is_date_type (a) && concord_mapping_is_date_type (b));
}

gboolean
concord_mapping_has_choices (const ConcordFieldSpec *spec)
{
  return spec->choices != NULL && spec->choices[0] != NULL;
}

static gboolean
value_pair_known (GPtrArray  *value_pairs,
                  const char *a,
                  const char *b)
{
  for (guint i = 0; i + 1 < value_pairs->len; i += 2)
    if (g_str_equal (g_ptr_array_index (value_pairs, i), a) ||
        g_str_equal (g_ptr_array_index (value_pairs, i + 1), b))
      return TRUE;

  return FALSE;
}

static gboolean
auto_pair (ConcordMappingAutoContext *ctx,
           ConcordMappingAutoField   *a,
           ConcordMappingAutoField   *b)
{
  g_autoptr(GPtrArray) value_pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) unique = g_ptr_array_new ();
  ConcordPairFlow flow;
  guint index;

  if (a->spec->read_only && b->spec->read_only)
    {
      set_reason (a, g_strdup_printf ("read-only on both sides (“%s” on the other side)", b->spec->label));
      set_reason (b, g_strdup_printf ("read-only on both sides (“%s” on the other side)", a->spec->label));
      return FALSE;
    }

  /* A read-only field is only ever a source. */
  if (a->spec->read_only)
    flow = CONCORD_PAIR_FLOW_A_TO_B;
  else if (b->spec->read_only)
    flow = CONCORD_PAIR_FLOW_B_TO_A;
  else
    flow = CONCORD_PAIR_FLOW_BOTH;

  for (guint s = 0; s < 2; s++)
    {
      ConcordMappingAutoField *from = s == CONCORD_SIDE_A ? a : b;
      ConcordMappingAutoField *to = s == CONCORD_SIDE_A ? b : a;
      char *reason = NULL;

      if (flow != CONCORD_PAIR_FLOW_BOTH && flow != (s == CONCORD_SIDE_A ? CONCORD_PAIR_FLOW_A_TO_B
                                                                          : CONCORD_PAIR_FLOW_B_TO_A))
        continue;
      if (!concord_mapping_direction_ok (ctx, s, from, to, value_pairs, &reason))
        {
          set_reason (from, reason);
          set_reason (to, g_strdup (reason));
          return FALSE;
        }
    }

  index = concord_mapping_add (ctx->mapping, a->spec->key, a->spec->type, b->spec->key, b->spec->type, flow);
  for (guint i = 0; i + 1 < value_pairs->len; i += 2)
    {
      const char *va = g_ptr_array_index (value_pairs, i);
      const char *vb = g_ptr_array_index (value_pairs, i + 1);

      /* Each value once: the first pairing wins. */
      if (value_pair_known (unique, va, vb))
        continue;
      g_ptr_array_add (unique, (gpointer) va);
      g_ptr_array_add (unique, (gpointer) vb);
      concord_mapping_add_value (ctx->mapping, index, va, vb);
    }
  a->mapped = b->mapped = TRUE;
  return TRUE;
}

typedef gboolean (*AutoMatch) (const ConcordMappingAutoField *a, const ConcordMappingAutoField *b);

/* The unmapped fields of @side that @match pairs with @field (of the other
 * side), in schema order. */
static GPtrArray *
candidates (ConcordMappingAutoContext     *ctx,
            ConcordSide                    side,
            const ConcordMappingAutoField *field,
            AutoMatch                      match)
{
  GArray *fields = ctx->sides[side].fields;
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < fields->len; i++)
    {
      ConcordMappingAutoField *other = &g_array_index (fields, ConcordMappingAutoField, i);

      if (!other->mapped && (side == CONCORD_SIDE_B ? match (field, other) : match (other, field)))
        g_ptr_array_add (found, other);
    }

  return found;
}

static char *
ambiguous_reason (GPtrArray *fields)
{
  const ConcordMappingAutoField *first = g_ptr_array_index (fields, 0);
  const ConcordMappingAutoField *second = g_ptr_array_index (fields, 1);

  return g_strdup_printf ("ambiguous: “%s” and “%s” on the other side both match it; "
                          "map the one you mean by hand", first->spec->label, second->spec->label);
}

/* Leaves @field and the several fields of the other side that match it
 * alone, each saying why. */
static void
mark_ambiguous (ConcordMappingAutoField *field,
                GPtrArray               *matches)
{
  set_reason (field, ambiguous_reason (matches));
  for (guint i = 0; i < matches->len; i++)
    set_reason (g_ptr_array_index (matches, i),
                g_strdup_printf ("ambiguous: another field of this app also matches “%s” on the other "
                                 "side; map the one you mean by hand", field->spec->label));
}

static void
run_pass (ConcordMappingAutoContext *ctx,
          AutoMatch                  match,
          gboolean                   refuse_ambiguous)
{
  GArray *fields_a = ctx->sides[CONCORD_SIDE_A].fields;

  for (guint i = 0; i < fields_a->len; i++)
    {
      ConcordMappingAutoField *a = &g_array_index (fields_a, ConcordMappingAutoField, i);
      g_autoptr(GPtrArray) found_b = NULL;
      g_autoptr(GPtrArray) found_a = NULL;

      if (a->mapped)
        continue;

      found_b = candidates (ctx, CONCORD_SIDE_B, a, match);
      if (found_b->len == 0)
        continue;

      if (refuse_ambiguous && found_b->len == 1)
        found_a = candidates (ctx, CONCORD_SIDE_A, g_ptr_array_index (found_b, 0), match);

      if (refuse_ambiguous && found_b->len > 1)
        {
          mark_ambiguous (a, found_b);
          continue;
        }
      if (found_a != NULL && found_a->len > 1)
        {
          mark_ambiguous (g_ptr_array_index (found_b, 0), found_a);
          continue;
        }

      /* Without ambiguity, the first candidate whose values convert. */
      for (guint j = 0; j < found_b->len; j++)
        if (auto_pair (ctx, a, g_ptr_array_index (found_b, j)))
          break;
    }
}

static ConcordMappingAutoField *
find_field (ConcordMappingAutoContext *ctx,
            ConcordSide                side,
            const char                *key)
{
  GArray *fields = ctx->sides[side].fields;

  for (guint i = 0; i < fields->len; i++)
    if (g_str_equal (g_array_index (fields, ConcordMappingAutoField, i).spec->key, key))
      return &g_array_index (fields, ConcordMappingAutoField, i);

  return NULL;
}

static gboolean
looks_like_subscription (const ConcordMappingAutoField *field)
{
  for (guint n = 0; n < 2; n++)
    for (guint i = 0; subscription_words[i] != NULL; i++)
      if (strstr (field->names[n], subscription_words[i]) != NULL)
        return TRUE;

  return FALSE;
}

/* Whether every option of pick list @spec is a status of @status. */
static gboolean
options_are_statuses (const ConcordFieldSpec  *spec,
                      ConcordMappingAutoField *status)
{
  if (!concord_mapping_has_choices (spec) || !concord_mapping_has_choices (status->spec))
    return FALSE;

  for (guint i = 0; spec->choices[i] != NULL; i++)
    if (concord_mapping_find_option (status, spec->choices[i]) < 0 &&
        concord_mapping_find_option (status, concord_mapping_option_label (spec, i)) < 0)
      return FALSE;

  return TRUE;
}

static char *
options_text (const ConcordFieldSpec *spec)
{
  GString *text = g_string_new (NULL);
  guint n = 0;

  for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL && n < 3; i++, n++)
    g_string_append_printf (text, "%s“%s”", n > 0 ? ", " : "", concord_mapping_option_label (spec, i));
  if (spec->choices != NULL && g_strv_length (spec->choices) > 3)
    g_string_append (text, ", …");

  return g_string_free (text, FALSE);
}

/* The subscription state when only one side has "status": another field
 * of the other side may hold it, a pick list or a yes or no. It is paired
 * only when that is unambiguous (one such field, a pick list whose every
 * option is a status Concord knows); anything else would guess which
 * value means unsubscribed, and a wrong guess subscribes people again. */
static void
pair_subscription (ConcordMappingAutoContext *ctx)
{
  for (guint s = 0; s < 2; s++)
    {
      ConcordSide other = CONCORD_SIDE_OTHER (s);
      ConcordMappingAutoField *status = find_field (ctx, s, CONCORD_FIELD_STATUS);
      GArray *fields = ctx->sides[other].fields;
      g_autoptr(GPtrArray) found = g_ptr_array_new ();
      ConcordMappingAutoField *candidate;

      if (status == NULL || status->mapped || find_field (ctx, other, CONCORD_FIELD_STATUS) != NULL)
        continue;

      for (guint i = 0; i < fields->len; i++)
        {
          ConcordMappingAutoField *field = &g_array_index (fields, ConcordMappingAutoField, i);

          if (!field->mapped && looks_like_subscription (field) &&
              (field->spec->type == CONCORD_FIELD_TYPE_ENUM || field->spec->type == CONCORD_FIELD_TYPE_BOOLEAN))
            g_ptr_array_add (found, field);
        }

      if (found->len == 0)
        continue;

      if (found->len > 1)
        {
          const ConcordMappingAutoField *first = g_ptr_array_index (found, 0);
          const ConcordMappingAutoField *second = g_ptr_array_index (found, 1);

          set_reason (status, g_strdup_printf ("ambiguous: “%s” and “%s” on the other side may both hold "
                                               "the subscription state; map the one you mean by hand",
                                               first->spec->label, second->spec->label));
          for (guint i = 0; i < found->len; i++)
            set_reason (g_ptr_array_index (found, i),
                        g_strdup_printf ("ambiguous: several fields of this app may hold the subscription "
                                         "state of “%s” on the other side; map the one you mean by hand",
                                         status->spec->label));
          continue;
        }

      candidate = g_ptr_array_index (found, 0);
      if (candidate->spec->type == CONCORD_FIELD_TYPE_BOOLEAN)
        {
          set_reason (candidate, g_strdup_printf ("a yes or no cannot say which “%s” to write back "
                                                  "(unsubscribed, bounced, complained…); map it by hand "
                                                  "with a value for each if you want it",
                                                  status->spec->label));
          set_reason (status, g_strdup_printf ("“%s” on the other side is a yes or no, not a status; "
                                               "map it by hand if it holds the subscription state",
                                               candidate->spec->label));
          continue;
        }

      if (!options_are_statuses (candidate->spec, status))
        {
          g_autofree char *options = options_text (candidate->spec);

          set_reason (candidate, g_strdup_printf ("its options (%s) are not statuses of “%s”, so which "
                                                  "one means unsubscribed would be a guess; map it by "
                                                  "hand with a value for each",
                                                  options, status->spec->label));
          set_reason (status, g_strdup_printf ("“%s” on the other side may hold the subscription "
                                               "state, but its options are not statuses; map it by hand",
                                               candidate->spec->label));
          continue;
        }

      /* Every option a status: the values say it, as between two
       * "status" fields. */
      if (s == CONCORD_SIDE_A)
        auto_pair (ctx, status, candidate);
      else
        auto_pair (ctx, candidate, status);
    }
}

/* Why a labelled set that is not mapped still syncs: the engine keeps it
 * in step with its single field (concord_record_normalize_multi()). */
static char *
companion_reason (ConcordMappingAutoContext *ctx,
                  ConcordSide                side,
                  ConcordMappingAutoField   *field)
{
  const char *single = NULL;

  if (g_str_equal (field->spec->key, CONCORD_FIELD_EMAILS))
    single = CONCORD_FIELD_EMAIL;
  else if (g_str_equal (field->spec->key, CONCORD_FIELD_PHONES))
    single = CONCORD_FIELD_PHONE;

  if (single != NULL)
    {
      ConcordMappingAutoField *primary = find_field (ctx, side, single);

      if ((primary == NULL || !primary->mapped) && g_str_equal (single, CONCORD_FIELD_PHONE))
        primary = find_field (ctx, side, CONCORD_FIELD_MOBILE);
      if (primary != NULL && primary->mapped)
        return g_strdup_printf ("the other app has one per contact: “%s”, the primary one, is mapped "
                                "and this list is kept in step with it", primary->spec->label);
    }

  return NULL;
}

/**
 * concord_mapping_new_auto_sampled:
 * @schema_a: (element-type ConcordFieldSpec): the fields of side A
 * @schema_b: (element-type ConcordFieldSpec): the fields of side B
 * @sample_a: (nullable) (element-type ConcordRecord): contacts of side A as
 *   its connector reads them (the first page or so is enough)
 * @sample_b: (nullable) (element-type ConcordRecord): contacts of side B
 * @unmapped: (out) (optional) (transfer full) (element-type ConcordUnmappedField):
 *   every field left unmapped, with the reason
 *
 * Maps as many fields as it safely can: the same key first, then the same
 * name (ignoring case, accents, spaces, underscores, hyphens, in any
 * locale), then a synonym ("Company" and "Organization", "Lists" and
 * "Tags"), then a related name ("Mobile" and "Phone", when neither has a
 * closer partner left). Two candidates of one name on a side are
 * ambiguous: neither is paired. A field read-only on one side flows from
 * there only, never into it.
 *
 * A pair is made only when the values that flow arrive. Between types
 * whose whole domain converts (text and text, a number and text, a date
 * and a date-time) that is always so. Otherwise, for the custom fields,
 * the values decide: a text field onto a number, a date or a yes or no
 * when every value of the sample converts; onto a pick list when every
 * value of the sample is one of its options, by value or by label (a
 * value map then writes the option's value). A sample with no value in
 * the field decides nothing, and the pair is left alone.
 *
 * Without a sample (@sample_X %NULL), or when no contact of the sample
 * has a value in the field, the decision is by type only: text pairs with
 * text and with a pick list (a value that is not an option is refused by
 * the app, contact by contact), a pick list with a pick list only when
 * all its options are among the other's, and text never goes onto a
 * number, a date or a yes or no. A sample so adds the pairs whose values
 * convert, refuses a pick list that does not hold the values, and adds the
 * value map from labels to option values. The canonical fields ("status",
 * "lists", …) of two apps speak the same vocabulary and pair by type.
 *
 * Lists and tags: a set onto a set, both ways, when every tag seen is a
 * list already (seen in the lists' own sample, or an option of the
 * "lists" field): an email tool makes no list by itself, and refuses a
 * contact in a list it lacks. Otherwise, and without a sample, they are
 * left alone with the reason (one way only would overwrite the tags).
 *
 * The subscription state: "status" pairs with "status". When only one
 * side has it, a pick list of the other side named like a subscription
 * ("Marketing contact status", "Email opt out") is paired only if it is
 * the only one and every option is one of the statuses; a yes or no, or
 * options that are not statuses, are left alone with the reason.
 *
 * Returns: (transfer full): the mapping
 */
ConcordMapping *
concord_mapping_new_auto_sampled (GPtrArray  *schema_a,
                                  GPtrArray  *schema_b,
                                  GPtrArray  *sample_a,
                                  GPtrArray  *sample_b,
                                  GPtrArray **unmapped)
{
  ConcordMappingAutoContext ctx = { .mapping = concord_mapping_new () };

  g_return_val_if_fail (schema_a != NULL, ctx.mapping);
  g_return_val_if_fail (schema_b != NULL, ctx.mapping);

  ctx.sides[CONCORD_SIDE_A].sample = sample_a;
  ctx.sides[CONCORD_SIDE_B].sample = sample_b;
  for (guint s = 0; s < 2; s++)
    {
      GPtrArray *schema = s == 0 ? schema_a : schema_b;
      GArray *fields = g_array_sized_new (FALSE, TRUE, sizeof (ConcordMappingAutoField), schema->len);

      g_array_set_clear_func (fields, (GDestroyNotify) auto_field_clear);
      g_array_set_size (fields, schema->len);
      for (guint i = 0; i < schema->len; i++)
        auto_field_init (&g_array_index (fields, ConcordMappingAutoField, i), g_ptr_array_index (schema, i));
      ctx.sides[s].fields = fields;
    }

  run_pass (&ctx, same_key, FALSE);
  run_pass (&ctx, same_name, TRUE);
  run_pass (&ctx, same_synonym, TRUE);
  run_pass (&ctx, related_synonym, TRUE);
  pair_subscription (&ctx);

  if (unmapped != NULL)
    {
      *unmapped = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_unmapped_field_free);

      for (guint s = 0; s < 2; s++)
        for (guint i = 0; i < ctx.sides[s].fields->len; i++)
          {
            ConcordMappingAutoField *f = &g_array_index (ctx.sides[s].fields, ConcordMappingAutoField, i);
            ConcordUnmappedField *report;
            char *companion;

            if (f->mapped)
              continue;

            companion = f->reason == NULL ? companion_reason (&ctx, s, f) : NULL;
            report = g_new0 (ConcordUnmappedField, 1);
            report->side = s;
            report->key = g_strdup (f->spec->key);
            report->label = g_strdup (f->spec->label);
            report->reason = f->reason != NULL ? g_strdup (f->reason)
                           : companion != NULL ? companion
                           : g_strdup ("no field of that name on the other side");
            g_ptr_array_add (*unmapped, report);
          }
    }

  g_array_unref (ctx.sides[0].fields);
  g_array_unref (ctx.sides[1].fields);

  return ctx.mapping;
}

/**
 * concord_mapping_new_auto:
 * @schema_a: (element-type ConcordFieldSpec): the fields of side A
 * @schema_b: (element-type ConcordFieldSpec): the fields of side B
 * @unmapped: (out) (optional) (transfer full) (element-type ConcordUnmappedField):
 *   every field left unmapped, with the reason
 *
 * The automatic mapping decided by the fields' types alone, without a
 * sample of values: see concord_mapping_new_auto_sampled().
 *
 * Returns: (transfer full): the mapping
 */
ConcordMapping *
concord_mapping_new_auto (GPtrArray  *schema_a,
                          GPtrArray  *schema_b,
                          GPtrArray **unmapped)
{
  return concord_mapping_new_auto_sampled (schema_a, schema_b, NULL, NULL, unmapped);
}

/**
 * concord_mapping_new_default:
 *
 * Returns: (transfer full): the automatic mapping of two schemas
 */
ConcordMapping *
concord_mapping_new_default (GPtrArray *schema_a,
                             GPtrArray *schema_b)
{
  return concord_mapping_new_auto (schema_a, schema_b, NULL);
}
