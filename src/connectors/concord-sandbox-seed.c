/* concord-sandbox-seed.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The sandbox's sample data: one pool of made-up people, from which both
 * apps get their contacts, so that they overlap the way two real apps of
 * one business do. Everything comes from one seeded GRand: the same seed
 * gives the same files, byte for byte.
 *
 *   pool index      Elastic Email          Sample CRM
 *   0 … 124         contact                person          (125 on both)
 *   125 … 287       contact                —               (163)
 *   288 … 410       —                      person          (123)
 *   411 … 422       contact                lead            (12)
 *   423 … 450       —                      lead            (28)
 *   + 2 people entered twice in the CRM (one of them also on Elastic Email)
 *
 * So Elastic Email has 300 contacts, the CRM 250 people and 40 leads. Of
 * the people on both sides some are written with other capitals (or stray
 * spaces in the CRM), some disagree (a name without its accents, a married
 * name, a former employer, another city, an older lifecycle stage), and
 * each side knows things the other does not (the CRM has job titles,
 * phones, tags; Elastic Email has sign-up forms, and sometimes the city or
 * the phone the CRM lacks). A few Elastic Email contacts have unsubscribed,
 * bounced or complained. The first eight people are hand-picked to show
 * each of these, and the first contact of Elastic Email carries every
 * custom field, because the connector learns them from the first page.
 *
 * Addresses use the .example top-level domain (RFC 2606); companies,
 * phone numbers and people are made up.
 *
 * This file holds the pool and its helpers; the two apps' files are made
 * in concord-sandbox-seed-apps.c (see concord-sandbox-private.h).
 */

#define G_LOG_DOMAIN "concord-sandbox"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-connector-sample.h"
#include "concord-sandbox-private.h"

const char * const _concord_sandbox_ee_custom_fields[] = {
  "Company", "City", "Country", "Phone", "Lifecycle stage", "Signup form", NULL
};
const char * const _concord_sandbox_ee_lists[] = { "Newsletter", "Customers", NULL };

#define STRV(...) ((const char * const []) { __VA_ARGS__, NULL })
#define COMPANIES(...) ((const ConcordSandboxCompany []) { __VA_ARGS__, { NULL, NULL } })

static const ConcordSandboxCountry countries[] = {
  { "Germany", "+49 30", "+49 151",
    STRV ("Zoë", "Lukas", "Anja", "Jürgen", "Lea", "Felix", "Hannah", "Jonas", "Marie", "Sören"),
    STRV ("Müller", "Schmidt", "Schäfer", "Weber", "Köhler", "Becker", "Fischer", "Wagner"),
    STRV ("Berlin", "München", "Hamburg", "Köln", "Leipzig"),
    COMPANIES ({ "Nordlicht Energie GmbH", "nordlicht-energie.example" },
               { "Brückner Maschinenbau AG", "brueckner-mb.example" },
               { "Kaffeerösterei Albrecht", "roesterei-albrecht.example" }) },
  { "Spain", "+34 91", "+34 612",
    STRV ("José", "María", "Lucía", "Javier", "Álvaro", "Carmen", "Iñaki", "Sofía"),
    STRV ("Núñez", "García", "Fernández", "Ibáñez", "Muñoz", "López", "Martínez",
          "Sánchez"),
    STRV ("Madrid", "Sevilla", "Barcelona", "Valencia", "Bilbao"),
    COMPANIES ({ "Tecnologías Ibéricas S.L.", "tecnoiberica.example" },
               { "Olivar del Sur S.A.", "olivardelsur.example" }) },
  { "France", "+33 1", "+33 6",
    STRV ("Chloé", "Léa", "Hugo", "Étienne", "Camille", "Théo", "Manon", "Louis"),
    STRV ("Lefèvre", "Dubois", "Martin", "Moreau", "Girard", "Fournier", "Bernard"),
    STRV ("Lyon", "Paris", "Marseille", "Nantes", "Toulouse"),
    COMPANIES ({ "Atelier Céleste SARL", "atelier-celeste.example" },
               { "Boulangeries Martin & Fils", "martin-fils.example" }) },
  { "Sweden", "+46 8", "+46 70",
    STRV ("Björn", "Astrid", "Linnéa", "Erik", "Ingrid", "Lars", "Saga"),
    STRV ("Åström", "Lindqvist", "Andersson", "Öberg", "Johansson", "Nilsson"),
    STRV ("Göteborg", "Stockholm", "Malmö", "Uppsala"),
    COMPANIES ({ "Vinterbad AB", "vinterbad.example" },
               { "Fjällräv Design AB", "fjallrav-design.example" }) },
  { "Poland", "+48 12", "+48 501",
    STRV ("Łukasz", "Katarzyna", "Piotr", "Agnieszka", "Michał", "Zofia"),
    STRV ("Wójcik", "Nowak", "Kaczmarek", "Mazur", "Zając", "Krawczyk"),
    STRV ("Kraków", "Warszawa", "Gdańsk", "Wrocław", "Poznań"),
    COMPANIES ({ "Wisła Logistyka Sp. z o.o.", "wisla-logistyka.example" }) },
  { "Brazil", "+55 11", "+55 11 9",
    STRV ("João", "Ana", "Luíza", "Pedro", "Beatriz", "Thiago", "Gabriel"),
    STRV ("Conceição", "Silva", "Araújo", "Oliveira", "Santos", "Souza"),
    STRV ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba"),
    COMPANIES ({ "Solaris Saúde Ltda.", "solaris-saude.example" },
               { "Café Paraíso", "cafeparaiso.example" }) },
  { "Ireland", "+353 1", "+353 85",
    STRV ("Siobhán", "Aoife", "Cian", "Niamh", "Ciarán", "Róisín"),
    STRV ("O'Connor", "Murphy", "Byrne", "Ó Briain", "Kelly", "Walsh"),
    STRV ("Dublin", "Cork", "Galway"),
    COMPANIES ({ "Cliffside Software Ltd", "cliffside.example" }) },
  { "India", "+91 80", "+91 98",
    STRV ("Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Isha"),
    STRV ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta"),
    STRV ("Bengaluru", "Mumbai", "Pune", "Hyderabad", "Chennai"),
    COMPANIES ({ "Lotus Analytics Pvt Ltd", "lotus-analytics.example" },
               { "Monsoon Textiles", "monsoon-textiles.example" }) },
  { "United States", "+1 512", "+1 737",
    STRV ("James", "Emily", "Michael", "Ashley", "Tyler", "Brianna", "Daniel", "Jennifer"),
    STRV ("Johnson", "Williams", "Miller", "Davis", "Anderson", "Taylor", "Moore"),
    STRV ("Austin", "Chicago", "Seattle", "Denver", "Boston"),
    COMPANIES ({ "Brightwave Analytics Inc.", "brightwave.example" },
               { "Blue Harbor Logistics", "blueharbor.example" },
               { "Prairie Home Goods", "prairiehome.example" }) },
  { "United Kingdom", "+44 20", "+44 7700",
    STRV ("Oliver", "Amelia", "Harry", "Isla", "Charlotte", "Jack", "Sophie"),
    STRV ("Smith", "Evans", "Hughes", "Wright", "Clarke", "Walker"),
    STRV ("London", "Manchester", "Bristol", "Edinburgh", "Leeds"),
    COMPANIES ({ "Thames Valley Print Ltd", "tvprint.example" },
               { "Kingfisher Consulting", "kingfisher-consulting.example" }) },
  { "Japan", "+81 3", "+81 90",
    STRV ("Haruto", "Yui", "Sōta", "Aoi", "Ren", "Hina"),
    STRV ("Satō", "Suzuki", "Takahashi", "Tanaka", "Itō", "Watanabe"),
    STRV ("Tokyo", "Osaka", "Kyoto", "Fukuoka"),
    COMPANIES ({ "Sakura Robotics K.K.", "sakura-robotics.example" }) },
  { "Nigeria", "+234 1", "+234 803",
    STRV ("Chinedu", "Ngozi", "Oluwaseun", "Amaka", "Emeka", "Funmilayo"),
    STRV ("Okafor", "Adeyemi", "Balogun", "Eze", "Nwosu"),
    STRV ("Lagos", "Abuja", "Ibadan"),
    COMPANIES ({ "Lagoon Fintech Ltd", "lagoonfintech.example" }) },
};

static const char * const personal_domains[] = {
  "webmail.example", "inbox.example", "post.example", "mailbox.example", NULL
};
/* See concord-sandbox-private.h. */
const char * const _concord_sandbox_job_titles[] = {
  "Head of Marketing", "CTO", "Sales Manager", "Office Manager", "Founder", "Product Owner",
  "Account Executive", "Operations Lead", "Data Analyst", "Customer Success Manager",
  "Procurement Officer", "Designer", "Managing Director", "Buyer", NULL
};
static const char * const tags[] = {
  "vip", "newsletter", "webinar-2024", "trade-show", "partner", "key-account", "beta-tester",
  "churn-risk", NULL
};

/* The hand-picked first eight: country, first name, last name, city. */
static const struct
{
  guint       country;
  const char *first;
  const char *last;
  const char *city;
} showcase[] = {
  { 0, "Zoë", "Müller", "Berlin" },          /* the accents lost on Elastic Email */
  { 1, "José", "Núñez", "Sevilla" },         /* entered twice in the CRM: ambiguous */
  { 2, "Chloé", "Lefèvre", "Lyon" },         /* no name on Elastic Email: the CRM's richer */
  { 3, "Björn", "Åström", "Göteborg" },      /* a former employer on Elastic Email */
  { 4, "Łukasz", "Wójcik", "Kraków" },       /* unsubscribed on Elastic Email */
  { 5, "João", "Conceição", "São Paulo" },   /* capitals and spaces in the CRM's address */
  { 6, "Siobhán", "O'Connor", "Dublin" },    /* a married name in the CRM */
  { 7, "Aarav", "Sharma", "Bengaluru" },     /* a lead on Elastic Email, a customer in the CRM */
};

/* See concord-sandbox-private.h. */
const guint _concord_sandbox_n_showcase = G_N_ELEMENTS (showcase);

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static guint
strv_len (const char * const *strv)
{
  guint n = 0;

  while (strv[n] != NULL)
    n++;

  return n;
}

const char *
_concord_sandbox_pick (GRand              *rand,
                       const char * const *strv)
{
  return strv[g_rand_int_range (rand, 0, (gint32) strv_len (strv))];
}

gboolean
_concord_sandbox_chance (GRand *rand,
                         guint  percent)
{
  return (guint) g_rand_int_range (rand, 0, 100) < percent;
}

gint64
_concord_sandbox_time_between (GRand *rand,
                               gint64 start,
                               gint64 end)
{
  return start + (gint64) (g_rand_double (rand) * (double) (end - start));
}

/* "Zoë" → "zoe", "O'Connor" → "oconnor", "Ó Briain" → "obriain" */
static char *
ascii_slug (const char *text)
{
  g_autofree char *ascii = g_str_to_ascii (text, "C");
  GString *out = g_string_new (NULL);

  for (const char *p = ascii; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, g_ascii_tolower (*p));

  return g_string_free (out, FALSE);
}

/* The name without its accents ("Müller" → "Muller"), or NULL when it has
 * none. */
char *
_concord_sandbox_without_accents (const char *name)
{
  g_autofree char *ascii = g_str_to_ascii (name, "C");

  return g_strcmp0 (ascii, name) != 0 ? g_steal_pointer (&ascii) : NULL;
}

/* "zoe.muller@nordlicht-energie.example" → "Zoe.Muller@Nordlicht-Energie.example" */
char *
_concord_sandbox_capitalised_email (const char *email)
{
  char *out = g_strdup (email);
  gboolean start = TRUE;

  for (char *p = out; *p != '\0' && !g_str_has_prefix (p, ".example"); p++)
    {
      if (start && g_ascii_isalpha (*p))
        *p = g_ascii_toupper (*p);
      start = *p == '.' || *p == '@' || *p == '-' || *p == '_';
    }

  return out;
}

char *
_concord_sandbox_new_phone (GRand                       *rand,
                            const ConcordSandboxCountry *country,
                            gboolean                     mobile)
{
  return g_strdup_printf ("%s %03d %04d", mobile ? country->mobile : country->landline,
                          g_rand_int_range (rand, 200, 1000), g_rand_int_range (rand, 0, 10000));
}

/* A phone number as an import tool leaves it: no spaces. */
char *
_concord_sandbox_compact_phone (const char *phone)
{
  GString *out = g_string_new (NULL);

  for (const char *p = phone; *p != '\0'; p++)
    if (*p != ' ')
      g_string_append_c (out, *p);

  return g_string_free (out, FALSE);
}

static const char *
lifecycle_for (GRand *rand)
{
  guint roll = g_rand_int_range (rand, 0, 100);

  return roll < 55 ? "Customer" : roll < 85 ? "Lead" : "Churned";
}

static char *
new_email (GRand                       *rand,
           GHashTable                  *used,
           const ConcordSandboxPerson  *person,
           const ConcordSandboxCompany *company,
           gboolean                     plain)
{
  g_autofree char *first = ascii_slug (person->first);
  g_autofree char *last = ascii_slug (person->last);
  const char *domain = company != NULL ? company->domain : _concord_sandbox_pick (rand, personal_domains);
  g_autofree char *local = NULL;

  switch (plain ? 4 : g_rand_int_range (rand, 0, 5))
    {
    case 0:
      local = g_strdup_printf ("%c%s", first[0], last);
      break;
    case 1:
      local = g_strdup_printf ("%s_%s", first, last);
      break;
    case 2:
      local = g_strdup (company != NULL ? first : last);
      if (company == NULL)
        {
          g_free (local);
          local = g_strdup_printf ("%s.%s%d", first, last, g_rand_int_range (rand, 70, 100));
        }
      break;
    default:
      local = g_strdup_printf ("%s.%s", first, last);
      break;
    }

  for (guint n = 1; ; n++)
    {
      char *email = n == 1 ? g_strdup_printf ("%s@%s", local, domain)
                           : g_strdup_printf ("%s%u@%s", local, n, domain);

      if (!g_hash_table_contains (used, email))
        {
          g_hash_table_add (used, g_strdup (email));
          return email;
        }
      g_free (email);
    }
}

static void
person_init (ConcordSandboxPerson *person,
             GRand                *rand,
             GHashTable           *used,
             guint                 index)
{
  const ConcordSandboxCompany *company = NULL;
  guint n_companies = 0;

  if (index < G_N_ELEMENTS (showcase))
    {
      person->country = &countries[showcase[index].country];
      person->first = showcase[index].first;
      person->last = showcase[index].last;
      person->city = showcase[index].city;
    }
  else
    {
      person->country = &countries[g_rand_int_range (rand, 0, G_N_ELEMENTS (countries))];
      person->first = _concord_sandbox_pick (rand, person->country->first);
      person->last = _concord_sandbox_pick (rand, person->country->last);
      person->city = _concord_sandbox_pick (rand, person->country->cities);
    }

  while (person->country->companies[n_companies].name != NULL)
    n_companies++;
  if (index < G_N_ELEMENTS (showcase) || _concord_sandbox_chance (rand, 75))
    company = &person->country->companies[g_rand_int_range (rand, 0, (gint32) n_companies)];

  person->company = company != NULL ? company->name : NULL;
  person->job_title = company != NULL ? _concord_sandbox_pick (rand, _concord_sandbox_job_titles) : NULL;
  person->email = new_email (rand, used, person, company, index < G_N_ELEMENTS (showcase));
  person->phone = _concord_sandbox_chance (rand, 65) ? _concord_sandbox_new_phone (rand, person->country, FALSE) : NULL;
  person->mobile = _concord_sandbox_chance (rand, 35) ? _concord_sandbox_new_phone (rand, person->country, TRUE) : NULL;
  person->lifecycle = index >= CONCORD_SANDBOX_FIRST_LEAD ? "Lead" : lifecycle_for (rand);
  if (index == 7)
    person->lifecycle = "Customer";
  if (g_str_equal (person->lifecycle, "Customer"))
    person->deals = g_rand_int_range (rand, 1, 15);
  else if (g_str_equal (person->lifecycle, "Churned"))
    person->deals = g_rand_int_range (rand, 1, 4);

  if (_concord_sandbox_chance (rand, 50))
    {
      person->tags[0] = _concord_sandbox_pick (rand, tags);
      if (_concord_sandbox_chance (rand, 30))
        person->tags[1] = _concord_sandbox_pick (rand, tags);
    }

  person->created = _concord_sandbox_time_between (rand, CONCORD_SANDBOX_EPOCH_START, CONCORD_SANDBOX_EPOCH_END - 120 * 86400);
  person->modified = _concord_sandbox_time_between (rand, person->created, CONCORD_SANDBOX_EPOCH_END);
}

static void
person_clear (ConcordSandboxPerson *person)
{
  g_free (person->email);
  g_free (person->phone);
  g_free (person->mobile);
}

void
_concord_sandbox_shuffle (GRand *rand,
                          guint *items,
                          guint  n_items,
                          guint  first)
{
  for (guint i = n_items - 1; i > first; i--)
    {
      guint j = (guint) g_rand_int_range (rand, (gint32) first, (gint32) i + 1);
      guint swap = items[i];

      items[i] = items[j];
      items[j] = swap;
    }
}

/* ------------------------------------------------------------------------- */
/* JSON                                                                      */
/* ------------------------------------------------------------------------- */

void
_concord_sandbox_add_member (JsonBuilder *builder,
                             const char  *member,
                             const char  *value)
{
  if (value == NULL)
    return;

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

void
_concord_sandbox_add_ee_date (JsonBuilder *builder,
                              const char  *member,
                              gint64       seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (seconds);
  g_autofree char *text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  _concord_sandbox_add_member (builder, member, text);
}

void
_concord_sandbox_add_iso_date (JsonBuilder *builder,
                               const char  *member,
                               gint64       seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (seconds);
  g_autofree char *text = g_date_time_format_iso8601 (dt);

  _concord_sandbox_add_member (builder, member, text);
}

char *
_concord_sandbox_builder_to_text (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 1);

  return json_generator_to_data (generator, NULL);
}

/* Another company of the same country, or one abroad: a former employer. */
const char *
_concord_sandbox_other_company (const ConcordSandboxPerson *person)
{
  const ConcordSandboxCompany *companies = person->country->companies;

  for (guint i = 0; companies[i].name != NULL; i++)
    if (g_strcmp0 (companies[i].name, person->company) != 0)
      return companies[i].name;

  return countries[(person->country - countries + 1) % G_N_ELEMENTS (countries)].companies[0].name;
}

/* ------------------------------------------------------------------------- */
/* Private API                                                               */
/* ------------------------------------------------------------------------- */

/*
 * _concord_sandbox_seed:
 * @seed: the seed of every pseudo-random choice
 * @elasticemail_json: (out) (transfer full): the Elastic Email account, in
 *   the mock's seed file format
 * @crm_json: (out) (transfer full): the Sample CRM's file
 */
void
_concord_sandbox_seed (guint32   seed,
                       char    **elasticemail_json,
                       char    **crm_json)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ConcordSandboxPerson *pool = g_new0 (ConcordSandboxPerson, CONCORD_SANDBOX_N_POOL);

  g_return_if_fail (elasticemail_json != NULL && crm_json != NULL);

  for (guint i = 0; i < CONCORD_SANDBOX_N_POOL; i++)
    person_init (&pool[i], rand, used, i);

  *elasticemail_json = _concord_sandbox_elasticemail_seed (rand, pool);
  *crm_json = _concord_sandbox_crm_seed (rand, pool);

  for (guint i = 0; i < CONCORD_SANDBOX_N_POOL; i++)
    person_clear (&pool[i]);
  g_free (pool);
}
