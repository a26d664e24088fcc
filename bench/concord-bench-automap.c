/* concord-bench-automap.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The automatic mapping of the Add Connection dialog, with a sample of
 * contacts on each side: Elastic Email with F text custom fields (default
 * 100), a CRM with 4·F properties (default 400, as a HubSpot account
 * has), every other one a pick list of 50 options with labels, and N
 * contacts a side (default 1,000: a Mailchimp page; HubSpot's is 100).
 * Half of Elastic Email's fields share a name with a CRM property; of
 * those, half are pick lists whose options hold the values.
 *
 *   types    the mapping by the fields' types alone (no sample)
 *   sampled  the mapping with both samples: the values decide
 *
 *   bench-automap phase=sampled fields=100/400 n=1000 wall_s=0.05 rss_mb=30 pairs=51 left=448
 *
 * Exits 1 when the pairs are not what the generated schemas say.
 */

#include "config.h"

#include <stdlib.h>
#include <sys/resource.h>

#include "concord-fields.h"
#include "concord-mapping.h"

#define N_OPTIONS 50

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static GPtrArray *
ee_schema (guint n_fields)
{
  GPtrArray *schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  g_ptr_array_add (schema, concord_field_spec_new ("email", "Email", CONCORD_FIELD_TYPE_EMAIL, FALSE));
  for (guint i = 0; i < n_fields; i++)
    {
      /* Shared names: "Field 7" here, "field_7" there. */
      g_autofree char *name = i % 2 == 0 ? g_strdup_printf ("Field %u", i) : g_strdup_printf ("Own %u", i);
      g_autofree char *key = concord_field_custom_key (name);

      g_ptr_array_add (schema, concord_field_spec_new (key, name, CONCORD_FIELD_TYPE_STRING, FALSE));
    }
  return schema;
}

static GPtrArray *
crm_schema (guint n_fields)
{
  GPtrArray *schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  g_ptr_array_add (schema, concord_field_spec_new ("email", "Email", CONCORD_FIELD_TYPE_EMAIL, FALSE));
  for (guint i = 0; i < 4 * n_fields; i++)
    {
      g_autofree char *name = g_strdup_printf ("field_%u", i);
      g_autofree char *key = concord_field_custom_key (name);
      gboolean pick = i % 4 == 0;
      ConcordFieldSpec *spec = concord_field_spec_new (key, name, pick ? CONCORD_FIELD_TYPE_ENUM
                                                                       : CONCORD_FIELD_TYPE_STRING, FALSE);

      if (pick)
        {
          spec->choices = g_new0 (char *, N_OPTIONS + 1);
          spec->choice_labels = g_new0 (char *, N_OPTIONS + 1);
          for (guint o = 0; o < N_OPTIONS; o++)
            {
              spec->choices[o] = g_strdup_printf ("opt_%u", o);
              spec->choice_labels[o] = g_strdup_printf ("Option %u", o);
            }
        }
      g_ptr_array_add (schema, spec);
    }
  return schema;
}

/* Contacts whose every field holds one of the pick lists' labels. */
static GPtrArray *
sample_of (GPtrArray *schema,
           guint      n)
{
  GPtrArray *sample = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);

  for (guint r = 0; r < n; r++)
    {
      ConcordRecord *record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("c%u@example.com", r);

      concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, email);
      for (guint f = 1; f < schema->len; f++)
        {
          const ConcordFieldSpec *spec = g_ptr_array_index (schema, f);
          g_autofree char *value = g_strdup_printf ("Option %u", (r + f) % N_OPTIONS);

          concord_record_set_text (record, spec->key, spec->type, value);
        }
      g_ptr_array_add (sample, record);
    }
  return sample;
}

static guint
run (const char *phase,
     GPtrArray  *schema_a,
     GPtrArray  *schema_b,
     GPtrArray  *sample_a,
     GPtrArray  *sample_b,
     guint       n_fields,
     guint       n)
{
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  gint64 start = g_get_monotonic_time ();
  guint pairs;

  mapping = concord_mapping_new_auto_sampled (schema_a, schema_b, sample_a, sample_b, &unmapped);
  pairs = concord_mapping_get_n_pairs (mapping);
  g_print ("bench-automap phase=%s fields=%u/%u n=%u wall_s=%.3f rss_mb=%.0f pairs=%u left=%u\n",
           phase, n_fields, 4 * n_fields, sample_a != NULL ? n : 0,
           (g_get_monotonic_time () - start) / 1e6, peak_rss_mb (), pairs, unmapped->len);
  return pairs;
}

int
main (int   argc,
      char *argv[])
{
  guint n = 1000;
  guint n_fields = 100;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(GPtrArray) sample_a = NULL;
  g_autoptr(GPtrArray) sample_b = NULL;
  guint typed, sampled;

  for (int i = 1; i + 1 < argc; i += 2)
    {
      if (g_str_equal (argv[i], "--n"))
        n = strtoul (argv[i + 1], NULL, 10);
      else if (g_str_equal (argv[i], "--fields"))
        n_fields = strtoul (argv[i + 1], NULL, 10);
    }

  schema_a = ee_schema (n_fields);
  schema_b = crm_schema (n_fields);
  sample_a = sample_of (schema_a, n);
  sample_b = sample_of (schema_b, n);

  /* Email, and every shared name: by type, text onto a pick list is
   * text; with the samples too, as every value seen is an option. */
  typed = run ("types", schema_a, schema_b, NULL, NULL, n_fields, n);
  sampled = run ("sampled", schema_a, schema_b, sample_a, sample_b, n_fields, n);
  if (typed != 1 + (n_fields + 1) / 2 || sampled != typed)
    {
      g_printerr ("bench-automap: %u pairs by type, %u sampled; %u expected\n", typed, sampled,
                  1 + (n_fields + 1) / 2);
      return 1;
    }

  return 0;
}
