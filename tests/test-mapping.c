/* test-mapping.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The automatic mapping between Elastic Email and the apps of issue 16,
 * one row a case: the other app's schema, modelled on its API
 * (connectors-reference.md), a sample of each side's contacts, the pairs
 * expected and the fields expected left alone with words of their reason.
 *
 * A schema line is "key|label|type|rw or ro|options", the options
 * "value=label,…" (or "value,…"). A sample line is one contact,
 * "key=value;…", a set's members joined with commas.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "concord-fields.h"
#include "concord-mapping.h"
#include "concord-test-utils.h"

/* Elastic Email as its connector describes it: the canonical fields, then
 * the account's custom fields, all text. */
#define EE_FIELDS \
  "email|Email|email|rw|", "first_name|First name|string|rw|", "last_name|Last name|string|rw|", \
  "status|Status|enum|rw|active,engaged,inactive,not_confirmed,transactional,unsubscribed,bounced,abuse,stale", \
  "source|Source|enum|ro|DeliveryApi,ManualInput,FileUpload,WebForm", \
  "consent|Consent|enum|rw|unknown,allow,deny", "created_at|Created|datetime|ro|", \
  "updated_at|Updated|datetime|ro|", "lists|Lists|string-set|rw|"

typedef struct
{
  const char         *name;
  const char * const  ee[24];       /* Elastic Email's schema */
  const char * const  other[24];    /* the other app's */
  const char * const  ee_sample[6]; /* NULL first: no sample */
  const char * const  other_sample[6];
  const char * const  pairs[16];    /* "a=b(flow)", then "{va>vb,…}" when a value map */
  const char * const  left[16];     /* "a:key~words" or "b:key~words" */
} Case;

static const Case cases[] = {
  {
    /* HubSpot: properties with enumerations (value and label), a yes or
     * no for the subscription, no status and no lists. */
    "hubspot",
    { EE_FIELDS, "custom:Phone|Phone|string|rw|", "custom:company|company|string|rw|",
      "custom:Lifecycle Stage|Lifecycle Stage|string|rw|", "custom:Lead_Status|Lead_Status|string|rw|",
      "custom:customer type|customer type|string|rw|", "custom:Score|Score|string|rw|", NULL },
    { "email|Email|email|rw|", "first_name|First name|string|rw|", "last_name|Last name|string|rw|",
      "phone|Phone|phone|rw|", "mobile|Mobile|phone|rw|", "company|Company|string|rw|",
      "custom:lifecyclestage|Lifecycle stage|enum|rw|subscriber=Subscriber,lead=Lead,customer=Customer",
      "custom:hs_lead_status|Lead status|enum|rw|NEW=New,OPEN=Open,CONNECTED=Connected",
      "custom:hs_email_optout|Unsubscribed from all email|boolean|rw|",
      "custom:customer_type|Customer Type|enum|rw|retail=Retail,wholesale=Wholesale",
      "custom:score|Score|number|rw|", "created_at|Create date|datetime|ro|",
      "updated_at|Last modified date|datetime|ro|", NULL },
    { "email=ann@example.com;custom:Lifecycle Stage=Lead;custom:Lead_Status=Nurture;"
      "custom:customer type=retail;custom:Score=12",
      "email=bob@example.com;custom:Lifecycle Stage=Customer;custom:Score=7.5", NULL },
    { "email=ann@example.com;custom:lifecyclestage=lead;custom:score=3", NULL },
    { "email=email(both)", "first_name=first_name(both)", "last_name=last_name(both)",
      "custom:Phone=phone(both)", "custom:company=company(both)",
      "custom:Lifecycle Stage=custom:lifecyclestage(both)",
      "{Lead>lead,Customer>customer,Subscriber>subscriber}",
      "custom:customer type=custom:customer_type(both)", "custom:Score=custom:score(both)", NULL },
    { "a:custom:Lead_Status~values like “Nurture” are not among the options of “Lead status”",
      "b:custom:hs_lead_status~values like “Nurture” are not among the options",
      "a:status~“Unsubscribed from all email” on the other side is a yes or no, not a status",
      "b:custom:hs_email_optout~a yes or no cannot say which “Status” to write back",
      "a:created_at~read-only on both sides", "a:lists~no field of that name",
      "b:mobile~no field of that name", NULL },
  },
  {
    /* The same without a sample: by type only. Text goes onto a pick list
     * as text, never onto a number. */
    "hubspot-no-sample",
    { EE_FIELDS, "custom:Lifecycle Stage|Lifecycle Stage|string|rw|", "custom:Score|Score|string|rw|",
      NULL },
    { "email|Email|email|rw|",
      "custom:lifecyclestage|Lifecycle stage|enum|rw|subscriber=Subscriber,lead=Lead,customer=Customer",
      "custom:score|Score|number|rw|", NULL },
    { NULL }, { NULL },
    { "email=email(both)", "custom:Lifecycle Stage=custom:lifecyclestage(both)", NULL },
    { "a:custom:Score~“Score” on the other side is a number, this is a string; map it by hand",
      "b:custom:score~map it by hand", NULL },
  },
  {
    /* Pipedrive: emails and phones as labelled sets with their primary,
     * labels as tags, marketing status as the canonical status,
     * custom fields keyed by hash and shown by name, enum options by id,
     * a read-only field. */
    "pipedrive",
    { EE_FIELDS, "custom:Phone|Phone|string|rw|", "custom:Organization|Organization|string|rw|",
      "custom:Customer_Tier|Customer_Tier|string|rw|", "custom:Last activity|Last activity|string|rw|",
      "custom:Region|Region|string|rw|", NULL },
    { "email|Email|email|rw|", "emails|Email addresses|string-set|rw|", "phone|Phone|phone|rw|",
      "phones|Phone numbers|string-set|rw|", "first_name|First name|string|rw|",
      "last_name|Last name|string|rw|", "company|Organization|string|rw|", "tags|Labels|string-set|rw|",
      "status|Marketing status|enum|rw|active,unsubscribed,not_confirmed",
      "custom:8f2b6c0e1d7a4b3c9e5f0a1b2c3d4e5f6a7b8c9d|Customer tier|enum|rw|12=Gold,13=Silver",
      "custom:d41d8cd98f00b204e9800998ecf8427e00000000|Last activity|string|ro|",
      "custom:0cc175b9c0f1b6a831c399e269772661aaaaaaaa|Region|string|rw|",
      "custom:92eb5ffee6ae2fec3ad71c777531578fbbbbbbbb|region |string|rw|", NULL },
    { "email=ann@example.com;lists=Newsletter,VIP;custom:Customer_Tier=Gold", NULL },
    { "email=ann@example.com;tags=vip", "email=bob@example.com;tags=newsletter", NULL },
    { "email=email(both)", "first_name=first_name(both)", "last_name=last_name(both)",
      "status=status(both)", "custom:Phone=phone(both)", "custom:Organization=company(both)",
      "custom:Customer_Tier=custom:8f2b6c0e1d7a4b3c9e5f0a1b2c3d4e5f6a7b8c9d(both)",
      "{Gold>12,Silver>13}",
      "custom:Last activity=custom:d41d8cd98f00b204e9800998ecf8427e00000000(b-to-a)",
      "lists=tags(both)", NULL },
    { "a:custom:Region~ambiguous: “Region” and “region ” on the other side both match it",
      "b:custom:0cc175b9c0f1b6a831c399e269772661aaaaaaaa~ambiguous",
      "b:emails~“Email”, the primary one, is mapped and this list is kept in step with it",
      "b:phones~“Phone”, the primary one, is mapped", "a:consent~no field of that name", NULL },
  },
  {
    /* Mailchimp: the canonical statuses, tags that are not lists, merge
     * fields with a dropdown whose options miss a value. */
    "mailchimp",
    { EE_FIELDS, "custom:Plan|Plan|string|rw|", "custom:Birthday|Birthday|string|rw|", NULL },
    { "email|Email address|email|rw|", "first_name|First name|string|rw|",
      "last_name|Last name|string|rw|",
      "status|Status|enum|rw|active,unsubscribed,bounced,not_confirmed,transactional",
      "tags|Tags|string-set|rw|", "custom:Plan|Plan|enum|rw|Free,Pro",
      "custom:BIRTHDAY|Birthday|date|rw|", NULL },
    { "email=ann@example.com;lists=Newsletter;custom:Plan=Pro;custom:Birthday=1990-12-31",
      "email=bob@example.com;custom:Plan=Enterprise;custom:Birthday=31/12/1990", NULL },
    { "email=ann@example.com;tags=Customers", NULL },
    { "email=email(both)", "first_name=first_name(both)", "last_name=last_name(both)",
      "status=status(both)", NULL },
    { "a:custom:Plan~values like “Enterprise” are not among the options of “Plan”",
      "a:lists~values like “Customers” are not among the lists of “Lists”",
      "b:tags~values like “Customers” are not among the lists",
      "a:custom:Birthday~values like “31/12/1990” do not become a date", NULL },
  },
  {
    /* Copper: a dropdown custom field, and an opt-in pick list whose
     * options are not statuses. */
    "copper",
    { EE_FIELDS, "custom:Source Channel|Source Channel|string|rw|", "custom:Title|Title|string|rw|",
      NULL },
    { "email|Email|email|rw|", "first_name|First name|string|rw|", "last_name|Last name|string|rw|",
      "job_title|Title|string|rw|", "company|Company|string|rw|", "tags|Tags|string-set|rw|",
      "custom:Source channel|Source channel|enum|rw|101=Web,102=Referral,103=Event",
      "custom:Email opt-in status|Email opt-in status|enum|rw|1=Opted in,2=Opted out", NULL },
    { "email=ann@example.com;custom:Source Channel=referral", NULL },
    { NULL },
    { "email=email(both)", "first_name=first_name(both)", "last_name=last_name(both)",
      "custom:Source Channel=custom:Source channel(both)", "{referral>102,Web>101,Event>103}",
      "custom:Title=job_title(both)", NULL },
    { "b:custom:Email opt-in status~its options (“Opted in”, “Opted out”) are not statuses of “Status”",
      "a:status~“Email opt-in status” on the other side may hold the subscription state",
      "a:lists~without values seen Concord cannot tell", NULL },
  },
  {
    /* Insightly: custom fields named "…__c" shown by their labels, a
     * number filled as text, and a subscription pick list whose options
     * all are statuses: paired, unambiguous. */
    "insightly",
    { EE_FIELDS, "custom:Customer Rating|Customer Rating|string|rw|", NULL },
    { "email|EMAIL_ADDRESS|email|rw|", "first_name|FIRST_NAME|string|rw|",
      "last_name|LAST_NAME|string|rw|", "custom:CUSTOMER_RATING__c|Customer Rating|number|rw|",
      "custom:SUBSCRIPTION_STATUS__c|Subscription status|enum|rw|active,unsubscribed,bounced", NULL },
    { "email=ann@example.com;custom:Customer Rating=4.5", "email=bob@example.com;custom:Customer Rating= 4 ",
      NULL },
    { NULL },
    { "email=email(both)", "first_name=first_name(both)", "last_name=last_name(both)",
      "custom:Customer Rating=custom:CUSTOMER_RATING__c(both)",
      "status=custom:SUBSCRIPTION_STATUS__c(both)", NULL },
    { "a:lists~no field of that name", NULL },
  },
  {
    /* Names that differ by case, accents, spaces and underscores, with a
     * dotted and a dotless I: one name in every locale. */
    "names",
    { EE_FIELDS, "custom:MÜŞTERİ_TİPİ|MÜŞTERİ_TİPİ|string|rw|", "custom:KIMLIK NO|KIMLIK NO|string|rw|",
      "custom:Café|Café|string|rw|", "custom:Iğdır|Iğdır|string|rw|", NULL },
    { "email|Email|email|rw|", "custom:müşteri tipi|müşteri tipi|string|rw|",
      "custom:kimlik_no|kimlik_no|string|rw|", "custom:CAFE|CAFE|string|rw|",
      "custom:ığdır|ığdır|string|rw|", NULL },
    { NULL }, { NULL },
    { "email=email(both)", "custom:MÜŞTERİ_TİPİ=custom:müşteri tipi(both)",
      "custom:KIMLIK NO=custom:kimlik_no(both)", "custom:Café=custom:CAFE(both)", NULL },
    /* "I" folds to "i", never to the dotless "ı": a different letter. */
    { "a:custom:Iğdır~no field of that name", "b:custom:ığdır~no field of that name", NULL },
  },
};

static GPtrArray *
schema_of (const char * const *lines)
{
  GPtrArray *schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (lines[i], "|", -1);
      g_autoptr(GStrvBuilder) values = g_strv_builder_new ();
      g_autoptr(GStrvBuilder) labels = g_strv_builder_new ();
      gboolean labelled = FALSE;
      ConcordFieldSpec *spec;
      ConcordFieldType type;

      g_assert_cmpuint (g_strv_length (parts), ==, 5);
      g_assert_true (concord_field_type_from_string (parts[2], &type));
      spec = concord_field_spec_new (parts[0], parts[1], type, g_str_equal (parts[3], "ro"));
      if (*parts[4] != '\0')
        {
          g_auto(GStrv) options = g_strsplit (parts[4], ",", -1);

          for (guint o = 0; options[o] != NULL; o++)
            {
              g_auto(GStrv) option = g_strsplit (options[o], "=", 2);

              g_strv_builder_add (values, option[0]);
              g_strv_builder_add (labels, option[1] != NULL ? option[1] : option[0]);
              labelled = labelled || option[1] != NULL;
            }
          g_strfreev (spec->choices);
          spec->choices = g_strv_builder_end (values);
          if (labelled)
            spec->choice_labels = g_strv_builder_end (labels);
        }
      g_ptr_array_add (schema, spec);
    }

  return schema;
}

static const ConcordFieldSpec *
spec_of (GPtrArray  *schema,
         const char *key)
{
  for (guint i = 0; i < schema->len; i++)
    if (g_str_equal (((ConcordFieldSpec *) g_ptr_array_index (schema, i))->key, key))
      return g_ptr_array_index (schema, i);

  g_error ("no field %s in the schema", key);
  return NULL;
}

static GPtrArray *
sample_of (const char * const *lines,
           GPtrArray          *schema)
{
  GPtrArray *sample;

  if (lines[0] == NULL)
    return NULL;

  sample = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ";", -1);
      ConcordRecord *record = concord_record_new (NULL);

      for (guint f = 0; fields[f] != NULL; f++)
        {
          g_auto(GStrv) kv = g_strsplit (fields[f], "=", 2);
          const ConcordFieldSpec *spec = spec_of (schema, kv[0]);

          if (spec->type == CONCORD_FIELD_TYPE_STRING_SET)
            {
              g_auto(GStrv) members = g_strsplit (kv[1], ",", -1);

              concord_record_set_set (record, kv[0], (const char * const *) members);
            }
          else if (spec->type == CONCORD_FIELD_TYPE_NUMBER)
            concord_record_set_number (record, kv[0], g_ascii_strtod (kv[1], NULL));
          else
            g_assert_true (concord_record_set_text (record, kv[0], spec->type, kv[1]));
        }
      g_ptr_array_add (sample, record);
    }

  return sample;
}

/* The pairs as the cases write them. */
static GPtrArray *
pairs_of (const ConcordMapping *mapping)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < concord_mapping_get_n_pairs (mapping); i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, i);
      guint n_values = concord_mapping_pair_get_n_values (pair);

      g_ptr_array_add (out, g_strdup_printf ("%s=%s(%s)", g_quark_to_string (pair->key_a),
                                             g_quark_to_string (pair->key_b),
                                             concord_pair_flow_to_string (pair->flow)));
      if (n_values > 0)
        {
          GString *values = g_string_new ("{");

          for (guint v = 0; v < n_values; v++)
            {
              const char *a, *b;

              concord_mapping_pair_get_value (pair, v, &a, &b);
              g_string_append_printf (values, "%s%s>%s", v > 0 ? "," : "", a, b);
            }
          g_string_append_c (values, '}');
          g_ptr_array_add (out, g_string_free (values, FALSE));
        }
    }

  return out;
}

static const ConcordUnmappedField *
left_alone (GPtrArray   *unmapped,
            ConcordSide  side,
            const char  *key)
{
  for (guint i = 0; i < unmapped->len; i++)
    {
      const ConcordUnmappedField *field = g_ptr_array_index (unmapped, i);

      if (field->side == side && g_str_equal (field->key, key))
        return field;
    }

  return NULL;
}

static void
check_case (const Case *c)
{
  g_autoptr(GPtrArray) schema_a = schema_of (c->ee);
  g_autoptr(GPtrArray) schema_b = schema_of (c->other);
  g_autoptr(GPtrArray) sample_a = sample_of (c->ee_sample, schema_a);
  g_autoptr(GPtrArray) sample_b = sample_of (c->other_sample, schema_b);
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GPtrArray) pairs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  g_autofree char *wanted = NULL;

  mapping = concord_mapping_new_auto_sampled (schema_a, schema_b, sample_a, sample_b, &unmapped);
  pairs = pairs_of (mapping);
  g_ptr_array_add (pairs, NULL);
  got = g_strjoinv ("\n", (char **) pairs->pdata);
  wanted = g_strjoinv ("\n", (char **) c->pairs);
  g_test_message ("%s: pairs\n%s", c->name, got);
  for (guint i = 0; i < unmapped->len; i++)
    {
      const ConcordUnmappedField *field = g_ptr_array_index (unmapped, i);

      g_test_message ("%s: left alone %s:%s: %s", c->name, CONCORD_SIDE_NAME (field->side),
                      field->key, field->reason);
    }

  /* Exactly the pairs expected, in order; a mapping the engine takes. */
  g_assert_cmpstr (got, ==, wanted);
  g_assert_true (concord_mapping_validate (mapping, "mapping", NULL, &error));
  g_assert_no_error (error);

  /* Each field expected left alone, with the words of its reason; no
   * field both paired and left alone. */
  for (guint i = 0; c->left[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (c->left[i] + 2, "~", 2);
      ConcordSide side = c->left[i][0] == 'a' ? CONCORD_SIDE_A : CONCORD_SIDE_B;
      const ConcordUnmappedField *field = left_alone (unmapped, side, parts[0]);

      if (field == NULL)
        g_error ("%s: %s is not left alone", c->name, c->left[i]);
      if (strstr (field->reason, parts[1]) == NULL)
        g_error ("%s: %s: the reason is “%s”", c->name, c->left[i], field->reason);
      g_assert_cmpint (concord_mapping_find (mapping, side, parts[0]), <, 0);
    }

  /* A read-only field is never written. */
  for (guint i = 0; i < concord_mapping_get_n_pairs (mapping); i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, i);

      if (spec_of (schema_a, g_quark_to_string (pair->key_a))->read_only)
        g_assert_false (concord_mapping_pair_flows (pair, CONCORD_SIDE_B));
      if (spec_of (schema_b, g_quark_to_string (pair->key_b))->read_only)
        g_assert_false (concord_mapping_pair_flows (pair, CONCORD_SIDE_A));
    }
}

static void
test_case (gconstpointer data)
{
  check_case (data);
}

/* Names fold the same way in Turkish: "I" is not the locale's dotless
 * "ı" there, and "İ" is "i" with an accent. */
static void
test_names_turkish (void)
{
  g_autofree char *before = g_strdup (setlocale (LC_ALL, NULL));

  if (setlocale (LC_ALL, "tr_TR.UTF-8") == NULL && setlocale (LC_ALL, "tr_TR.utf8") == NULL)
    {
      g_test_skip ("the tr_TR.UTF-8 locale is not installed");
      return;
    }

  /* The locale's own lower case would not match these. */
  {
    g_autofree char *down = g_utf8_strdown ("KIMLIK", -1);

    g_assert_cmpstr (down, !=, "kimlik");
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (g_str_equal (cases[i].name, "names") || g_str_equal (cases[i].name, "hubspot"))
      check_case (&cases[i]);

  setlocale (LC_ALL, before);
}

/* The engine's values of a pair made from a sample convert through its
 * value map: a label written as the option's value, and back. */
static void
test_value_map_converts (void)
{
  g_autoptr(GPtrArray) schema_a = schema_of (cases[0].ee);
  g_autoptr(GPtrArray) schema_b = schema_of (cases[0].other);
  g_autoptr(GPtrArray) sample_a = sample_of (cases[0].ee_sample, schema_a);
  g_autoptr(ConcordMapping) mapping = concord_mapping_new_auto_sampled (schema_a, schema_b, sample_a,
                                                                        NULL, NULL);
  gint index = concord_mapping_find (mapping, CONCORD_SIDE_A, "custom:Lifecycle Stage");
  const ConcordMappingPair *pair;
  ConcordValue in = { .type = CONCORD_FIELD_TYPE_STRING, .v.text = (char *) "Customer" };
  ConcordValue back = { .type = CONCORD_FIELD_TYPE_ENUM, .v.text = (char *) "subscriber" };
  ConcordValue out = { 0 };

  g_assert_cmpint (index, >=, 0);
  pair = concord_mapping_get_pair (mapping, index);

  g_assert_true (concord_mapping_pair_convert (pair, CONCORD_SIDE_A, &in, &out, NULL));
  g_assert_cmpstr (out.v.text, ==, "customer");
  concord_value_clear (&out);

  g_assert_true (concord_mapping_pair_convert (pair, CONCORD_SIDE_B, &back, &out, NULL));
  g_assert_cmpstr (out.v.text, ==, "Subscriber");
  concord_value_clear (&out);

  g_assert_true (concord_mapping_pair_agrees (pair, &in, &(ConcordValue) {
                   .type = CONCORD_FIELD_TYPE_ENUM, .v.text = (char *) "customer" }));
}

/* A reason quotes the first characters of a value seen, on one line. */
static void
test_reason_quotes_briefly (void)
{
  const char * const ee[] = { "email|Email|email|rw|", "custom:Plan|Plan|string|rw|", NULL };
  const char * const other[] = { "email|Email|email|rw|", "custom:Plan|Plan|enum|rw|Free,Pro", NULL };
  g_autoptr(GPtrArray) schema_a = schema_of (ee);
  g_autoptr(GPtrArray) schema_b = schema_of (other);
  g_autoptr(GPtrArray) sample_a = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GString) value = g_string_new ("Enterprise\nplan ");
  ConcordRecord *record = concord_record_new (NULL);
  const ConcordUnmappedField *field;

  while (value->len < 10000)
    g_string_append (value, "ünïcödé ");
  concord_record_set_text (record, "custom:Plan", CONCORD_FIELD_TYPE_STRING, value->str);
  g_ptr_array_add (sample_a, record);

  mapping = concord_mapping_new_auto_sampled (schema_a, schema_b, sample_a, NULL, &unmapped);
  field = left_alone (unmapped, CONCORD_SIDE_A, "custom:Plan");
  g_assert_nonnull (field);
  g_test_message ("%s", field->reason);
  g_assert_true (g_str_has_prefix (field->reason, "values like “Enterprise plan ünïcödé "));
  g_assert_nonnull (strstr (field->reason, "…” are not among the options of “Plan”"));
  g_assert_null (strchr (field->reason, '\n'));
  g_assert_cmpuint (g_utf8_strlen (field->reason, -1), <, 120);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/concord/mapping/auto/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/concord/mapping/auto/names-turkish", test_names_turkish);
  g_test_add_func ("/concord/mapping/auto/value-map-converts", test_value_map_converts);
  g_test_add_func ("/concord/mapping/auto/reason-quotes-briefly", test_reason_quotes_briefly);

  return g_test_run ();
}
