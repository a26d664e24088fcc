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
 */

#define G_LOG_DOMAIN "concord-sandbox"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-connector-sample.h"
#include "concord-sandbox-private.h"

#define N_SHARED       125
#define N_EE_ONLY      163
#define N_CRM_ONLY     123
#define N_LEADS_SHARED 12
#define N_LEADS        40
#define N_POOL         (N_SHARED + N_EE_ONLY + N_CRM_ONLY + N_LEADS)

#define FIRST_EE_ONLY  N_SHARED
#define FIRST_CRM_ONLY (N_SHARED + N_EE_ONLY)
#define FIRST_LEAD     (N_SHARED + N_EE_ONLY + N_CRM_ONLY)

/* 2023-01-01T00:00:00Z and 2025-06-30T00:00:00Z */
#define EPOCH_START    G_GINT64_CONSTANT (1672531200)
#define EPOCH_END      G_GINT64_CONSTANT (1751241600)

const char * const _concord_sandbox_ee_custom_fields[] = {
  "Company", "City", "Country", "Phone", "Lifecycle stage", "Signup form", NULL
};
const char * const _concord_sandbox_ee_lists[] = { "Newsletter", "Customers", NULL };

typedef struct
{
  const char *name;
  const char *domain;
} Company;

typedef struct
{
  const char         *name;
  const char         *landline;   /* how a landline number starts */
  const char         *mobile;     /* how a mobile number starts */
  const char * const *first;
  const char * const *last;
  const char * const *cities;
  const Company      *companies;
} Country;

#define STRV(...) ((const char * const []) { __VA_ARGS__, NULL })
#define COMPANIES(...) ((const Company []) { __VA_ARGS__, { NULL, NULL } })

static const Country countries[] = {
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
static const char * const job_titles[] = {
  "Head of Marketing", "CTO", "Sales Manager", "Office Manager", "Founder", "Product Owner",
  "Account Executive", "Operations Lead", "Data Analyst", "Customer Success Manager",
  "Procurement Officer", "Designer", "Managing Director", "Buyer", NULL
};
static const char * const tags[] = {
  "vip", "newsletter", "webinar-2024", "trade-show", "partner", "key-account", "beta-tester",
  "churn-risk", NULL
};
static const char * const signup_forms[] = {
  "Homepage", "Webinar", "Checkout", "Trade show", "Blog", NULL
};

typedef struct
{
  const Country *country;
  const char    *first;
  const char    *last;
  const char    *city;
  const char    *company;     /* (nullable) */
  const char    *job_title;   /* (nullable) */
  char          *email;       /* (owned): lower case */
  char          *phone;       /* (owned) (nullable): as a person types it */
  char          *mobile;      /* (owned) (nullable) */
  const char    *lifecycle;
  int            deals;
  const char    *tags[3];     /* NULL-terminated */
  gint64         created;
  gint64         modified;
} Person;

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

static const char *
pick (GRand              *rand,
      const char * const *strv)
{
  return strv[g_rand_int_range (rand, 0, (gint32) strv_len (strv))];
}

static gboolean
chance (GRand *rand,
        guint  percent)
{
  return (guint) g_rand_int_range (rand, 0, 100) < percent;
}

static gint64
time_between (GRand  *rand,
              gint64  start,
              gint64  end)
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
static char *
without_accents (const char *name)
{
  g_autofree char *ascii = g_str_to_ascii (name, "C");

  return g_strcmp0 (ascii, name) != 0 ? g_steal_pointer (&ascii) : NULL;
}

/* "zoe.muller@nordlicht-energie.example" → "Zoe.Muller@Nordlicht-Energie.example" */
static char *
capitalised_email (const char *email)
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

static char *
new_phone (GRand         *rand,
           const Country *country,
           gboolean       mobile)
{
  return g_strdup_printf ("%s %03d %04d", mobile ? country->mobile : country->landline,
                          g_rand_int_range (rand, 200, 1000), g_rand_int_range (rand, 0, 10000));
}

/* A phone number as an import tool leaves it: no spaces. */
static char *
compact_phone (const char *phone)
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
new_email (GRand         *rand,
           GHashTable    *used,
           const Person  *person,
           const Company *company,
           gboolean       plain)
{
  g_autofree char *first = ascii_slug (person->first);
  g_autofree char *last = ascii_slug (person->last);
  const char *domain = company != NULL ? company->domain : pick (rand, personal_domains);
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
person_init (Person     *person,
             GRand      *rand,
             GHashTable *used,
             guint       index)
{
  const Company *company = NULL;
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
      person->first = pick (rand, person->country->first);
      person->last = pick (rand, person->country->last);
      person->city = pick (rand, person->country->cities);
    }

  while (person->country->companies[n_companies].name != NULL)
    n_companies++;
  if (index < G_N_ELEMENTS (showcase) || chance (rand, 75))
    company = &person->country->companies[g_rand_int_range (rand, 0, (gint32) n_companies)];

  person->company = company != NULL ? company->name : NULL;
  person->job_title = company != NULL ? pick (rand, job_titles) : NULL;
  person->email = new_email (rand, used, person, company, index < G_N_ELEMENTS (showcase));
  person->phone = chance (rand, 65) ? new_phone (rand, person->country, FALSE) : NULL;
  person->mobile = chance (rand, 35) ? new_phone (rand, person->country, TRUE) : NULL;
  person->lifecycle = index >= FIRST_LEAD ? "Lead" : lifecycle_for (rand);
  if (index == 7)
    person->lifecycle = "Customer";
  if (g_str_equal (person->lifecycle, "Customer"))
    person->deals = g_rand_int_range (rand, 1, 15);
  else if (g_str_equal (person->lifecycle, "Churned"))
    person->deals = g_rand_int_range (rand, 1, 4);

  if (chance (rand, 50))
    {
      person->tags[0] = pick (rand, tags);
      if (chance (rand, 30))
        person->tags[1] = pick (rand, tags);
    }

  person->created = time_between (rand, EPOCH_START, EPOCH_END - 120 * 86400);
  person->modified = time_between (rand, person->created, EPOCH_END);
}

static void
person_clear (Person *person)
{
  g_free (person->email);
  g_free (person->phone);
  g_free (person->mobile);
}

static void
shuffle (GRand *rand,
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

static void
add_member (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  if (value == NULL)
    return;

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

static void
add_ee_date (JsonBuilder *builder,
             const char  *member,
             gint64       seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (seconds);
  g_autofree char *text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  add_member (builder, member, text);
}

static void
add_iso_date (JsonBuilder *builder,
              const char  *member,
              gint64       seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (seconds);
  g_autofree char *text = g_date_time_format_iso8601 (dt);

  add_member (builder, member, text);
}

static char *
builder_to_text (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 1);

  return json_generator_to_data (generator, NULL);
}

/* ------------------------------------------------------------------------- */
/* Elastic Email                                                             */
/* ------------------------------------------------------------------------- */

static const char *
ee_status (guint index,
           guint ee_index)
{
  if (index == 4 || (index < N_SHARED && index % 23 == 11) ||
      (index >= N_SHARED && ee_index % 29 == 6))
    return "Unsubscribed";
  if ((index < N_SHARED && index % 31 == 17) || (index >= N_SHARED && ee_index % 37 == 9))
    return "Bounced";
  if (index >= N_SHARED && ee_index % 53 == 27)
    return "Abuse";
  if (index >= N_SHARED && ee_index % 29 == 3)
    return "NotConfirmed";
  if (ee_index % 6 == 1)
    return "Engaged";
  if (ee_index % 17 == 5)
    return "Inactive";
  return "Active";
}

/* Another company of the same country, or one abroad: a former employer. */
static const char *
other_company (const Person *person)
{
  const Company *companies = person->country->companies;

  for (guint i = 0; companies[i].name != NULL; i++)
    if (g_strcmp0 (companies[i].name, person->company) != 0)
      return companies[i].name;

  return countries[(person->country - countries + 1) % G_N_ELEMENTS (countries)].companies[0].name;
}

static const char *
other_last_name (const Person *person)
{
  const char * const *names = person->country->last;

  for (guint i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], person->last) != 0)
      return names[i];

  return person->last;
}

static const char *
other_city (const Person *person)
{
  const char * const *cities = person->country->cities;

  for (guint i = 0; cities[i] != NULL; i++)
    if (g_strcmp0 (cities[i], person->city) != 0)
      return cities[i];

  return person->city;
}

static void
add_ee_contact (JsonBuilder  *builder,
                GRand        *rand,
                const Person *person,
                guint         index,
                guint         ee_index)
{
  gboolean shared = index < N_SHARED;
  gboolean lead = index >= FIRST_LEAD;
  gboolean showcase_all = index == 0;
  const char *status = ee_status (index, ee_index);
  gboolean suppressed = !g_str_equal (status, "Active") && !g_str_equal (status, "Engaged");
  g_autofree char *email = NULL;
  g_autofree char *ascii_first = NULL;
  g_autofree char *ascii_last = NULL;
  g_autofree char *phone = NULL;
  const char *first = person->first;
  const char *last = person->last;
  const char *company = NULL;
  const char *city = NULL;
  const char *lifecycle = NULL;
  const char *source;
  gint64 added, updated;
  gboolean customer = FALSE;
  int sent;

  email = index == 0 || (shared && index % 9 == 4) || ee_index % 37 == 8
          ? capitalised_email (person->email) : g_strdup (person->email);

  /* Names: lost accents ("Zoe Mueller"), a maiden name, or none at all. */
  if (index == 0)
    {
      first = "Zoe";
      last = "Mueller";
    }
  else if (shared && index % 8 == 3)
    {
      ascii_first = without_accents (person->first);
      ascii_last = without_accents (person->last);
      if (ascii_first != NULL)
        first = ascii_first;
      last = ascii_last != NULL ? ascii_last : other_last_name (person);
    }
  if (index == 2 || (shared && index % 13 == 2) || (!shared && chance (rand, 15)))
    first = NULL;
  if (index == 2 || (shared && index % 17 == 6) || (!shared && chance (rand, 30)))
    last = NULL;

  if (showcase_all || index == 3 || (shared && (index % 10 == 7 || index % 20 < 11)) ||
      (!shared && person->company != NULL && chance (rand, 30)))
    company = (index == 3 || (shared && index % 10 == 7)) ? other_company (person)
                                                          : person->company;
  if (showcase_all || (shared && index % 15 == 4) || chance (rand, shared ? 50 : 30))
    city = shared && index % 15 == 4 ? other_city (person) : person->city;

  if (showcase_all || index == 7 || (shared && index % 12 == 5))
    lifecycle = "Lead";
  else if ((shared && chance (rand, 40)) || (lead && chance (rand, 50)))
    lifecycle = person->lifecycle;
  customer = g_strcmp0 (lifecycle, "Customer") == 0 ||
             (shared && g_str_equal (person->lifecycle, "Customer") && chance (rand, 60));

  /* The CRM's phone number, imported without spaces; now and then one the
   * CRM lacks. */
  if (person->phone != NULL && (showcase_all || (shared && chance (rand, 20))))
    phone = compact_phone (person->phone);
  else if (person->phone == NULL && shared && index % 11 == 9)
    {
      g_autofree char *typed = new_phone (rand, person->country, TRUE);

      phone = compact_phone (typed);
    }

  added = time_between (rand, EPOCH_START, EPOCH_END - 90 * 86400);
  updated = time_between (rand, added, EPOCH_END);
  source = shared && index % 3 == 0 ? "FileUpload"
           : chance (rand, 70) ? "WebForm" : "ManualInput";
  sent = g_rand_int_range (rand, 0, 60);

  json_builder_begin_object (builder);
  add_member (builder, "Email", email);
  add_member (builder, "Status", status);
  add_member (builder, "FirstName", first);
  add_member (builder, "LastName", last);

  json_builder_set_member_name (builder, "CustomFields");
  json_builder_begin_object (builder);
  add_member (builder, "Company", company);
  add_member (builder, "City", city);
  if (showcase_all || (shared && chance (rand, 45)) || (!shared && chance (rand, 40)))
    add_member (builder, "Country", person->country->name);
  add_member (builder, "Phone", phone);
  add_member (builder, "Lifecycle stage", lifecycle);
  if (showcase_all || chance (rand, 55))
    add_member (builder, "Signup form", pick (rand, signup_forms));
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "Consent");
  json_builder_begin_object (builder);
  if (g_str_equal (source, "WebForm"))
    {
      g_autofree char *ip = g_strdup_printf ("203.0.113.%u", ee_index % 250 + 1);

      add_member (builder, "ConsentIP", ip);
    }
  add_ee_date (builder, "ConsentDate", added);
  add_member (builder, "ConsentTracking", g_str_equal (source, "WebForm") ? "Allow" : "Unknown");
  json_builder_end_object (builder);

  add_member (builder, "Source", source);
  add_ee_date (builder, "DateAdded", added);
  add_ee_date (builder, "DateUpdated", updated);
  add_ee_date (builder, "StatusChangeDate", suppressed ? updated : added);

  json_builder_set_member_name (builder, "Activity");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "TotalSent");
  json_builder_add_int_value (builder, sent);
  json_builder_set_member_name (builder, "TotalOpened");
  json_builder_add_int_value (builder, sent / 3);
  json_builder_set_member_name (builder, "TotalClicked");
  json_builder_add_int_value (builder, sent / 9);
  if (sent > 0)
    add_ee_date (builder, "LastSent", updated);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "Lists");
  json_builder_begin_array (builder);
  if (!suppressed && (ee_index % 5 != 0 || !shared))
    json_builder_add_string_value (builder, "Newsletter");
  if (customer)
    json_builder_add_string_value (builder, "Customers");
  json_builder_end_array (builder);

  json_builder_end_object (builder);
}

static char *
elasticemail_seed (GRand  *rand,
                   Person *pool)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint order[N_SHARED + N_EE_ONLY + N_LEADS_SHARED];
  guint n = 0;

  for (guint i = 0; i < FIRST_CRM_ONLY; i++)
    order[n++] = i;
  for (guint i = FIRST_LEAD; i < FIRST_LEAD + N_LEADS_SHARED; i++)
    order[n++] = i;
  g_assert (n == G_N_ELEMENTS (order));
  /* The first contact stays first: it shows the connector every custom field. */
  shuffle (rand, order, n, 1);

  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "custom_fields");
  json_builder_begin_array (builder);
  for (guint i = 0; _concord_sandbox_ee_custom_fields[i] != NULL; i++)
    json_builder_add_string_value (builder, _concord_sandbox_ee_custom_fields[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "lists");
  json_builder_begin_array (builder);
  for (guint i = 0; _concord_sandbox_ee_lists[i] != NULL; i++)
    {
      json_builder_begin_object (builder);
      add_member (builder, "ListName", _concord_sandbox_ee_lists[i]);
      add_ee_date (builder, "DateAdded", EPOCH_START + i * 86400);
      json_builder_set_member_name (builder, "AllowUnsubscribe");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "contacts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    add_ee_contact (builder, rand, &pool[order[i]], order[i], i);
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  return builder_to_text (builder);
}

/* ------------------------------------------------------------------------- */
/* Sample CRM                                                                */
/* ------------------------------------------------------------------------- */

typedef struct
{
  guint    index;       /* in the pool */
  gboolean duplicate;   /* the second record of a person entered twice */
} CrmEntry;

static void
add_crm_record (JsonBuilder    *builder,
                GRand          *rand,
                const Person   *person,
                const CrmEntry *entry,
                const char     *id,
                guint           version)
{
  gboolean shared = entry->index < N_SHARED;
  g_autofree char *email = NULL;
  g_autofree char *married = NULL;
  const char *last = person->last;
  const char *first = person->first;
  gint64 created = person->created;

  if (entry->duplicate && entry->index == 1)
    email = capitalised_email (person->email);
  else if (entry->index == 5 || (shared && entry->index % 11 == 5))
    {
      g_autofree char *upper = capitalised_email (person->email);

      email = g_strdup_printf (" %s  ", upper);
    }
  else if (shared && entry->index % 7 == 1)
    email = g_ascii_strup (person->email, -1);
  else
    email = g_strdup (person->email);

  if (entry->index == 6)
    {
      married = g_strdup_printf ("%s-Byrne", person->last);
      last = married;
    }
  if (entry->duplicate && entry->index == 1)
    last = "Nuñez";
  if (shared && entry->index % 19 == 8)
    last = NULL;
  if (shared && entry->index % 16 == 10)
    first = NULL;
  if (entry->duplicate)
    created = person->modified;

  json_builder_begin_object (builder);
  add_member (builder, "id", id);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, version);
  add_iso_date (builder, "created", created);
  add_iso_date (builder, "modified", MAX (created, person->modified));

  json_builder_set_member_name (builder, "fields");
  json_builder_begin_object (builder);
  add_member (builder, "email", email);
  add_member (builder, "first_name", first);
  add_member (builder, "last_name", last);
  if (!entry->duplicate)
    {
      add_member (builder, "phone", person->phone);
      add_member (builder, "mobile", person->mobile);
    }
  add_member (builder, "company", person->company);
  add_member (builder, "job_title", entry->duplicate ? pick (rand, job_titles) : person->job_title);
  if (entry->index < G_N_ELEMENTS (showcase) || chance (rand, 85))
    add_member (builder, "address_city", person->city);
  if (entry->index < G_N_ELEMENTS (showcase) || chance (rand, 90))
    add_member (builder, "address_country", person->country->name);
  if (person->tags[0] != NULL && !entry->duplicate)
    {
      json_builder_set_member_name (builder, "tags");
      json_builder_begin_array (builder);
      for (guint t = 0; person->tags[t] != NULL; t++)
        json_builder_add_string_value (builder, person->tags[t]);
      json_builder_end_array (builder);
    }
  if (entry->index < G_N_ELEMENTS (showcase) || chance (rand, 95))
    add_member (builder, CONCORD_SAMPLE_CRM_LIFECYCLE, person->lifecycle);
  if (person->deals > 0)
    {
      json_builder_set_member_name (builder, CONCORD_SAMPLE_CRM_DEALS_WON);
      json_builder_add_int_value (builder, person->deals);
    }
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

static char *
crm_seed (GRand  *rand,
          Person *pool)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  CrmEntry people[N_SHARED + N_CRM_ONLY + 2];
  guint order[G_N_ELEMENTS (people)];
  guint n = 0;
  guint next_id = 1;

  for (guint i = 0; i < N_SHARED; i++)
    people[n++] = (CrmEntry) { i, FALSE };
  for (guint i = FIRST_CRM_ONLY; i < FIRST_LEAD; i++)
    people[n++] = (CrmEntry) { i, FALSE };
  /* Entered twice: José Núñez (also on Elastic Email), and a CRM-only person. */
  people[n++] = (CrmEntry) { 1, TRUE };
  people[n++] = (CrmEntry) { FIRST_CRM_ONLY + 12, TRUE };
  g_assert (n == G_N_ELEMENTS (people));

  for (guint i = 0; i < n; i++)
    order[i] = i;
  shuffle (rand, order, n, 0);

  json_builder_begin_object (builder);
  add_member (builder, "format", "concord-sample-crm");

  json_builder_set_member_name (builder, CONCORD_SAMPLE_CRM_PEOPLE);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      const CrmEntry *entry = &people[order[i]];
      g_autofree char *id = g_strdup_printf ("person-%u", next_id);

      add_crm_record (builder, rand, &pool[entry->index], entry, id, next_id);
      next_id++;
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, CONCORD_SAMPLE_CRM_LEADS);
  json_builder_begin_array (builder);
  for (guint i = FIRST_LEAD; i < N_POOL; i++)
    {
      CrmEntry entry = { i, FALSE };
      g_autofree char *id = g_strdup_printf ("lead-%u", next_id);

      add_crm_record (builder, rand, &pool[i], &entry, id, next_id);
      next_id++;
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "next_id");
  json_builder_add_int_value (builder, next_id);
  json_builder_set_member_name (builder, "last_version");
  json_builder_add_int_value (builder, next_id - 1);

  json_builder_end_object (builder);

  return builder_to_text (builder);
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
  Person *pool = g_new0 (Person, N_POOL);

  g_return_if_fail (elasticemail_json != NULL && crm_json != NULL);

  for (guint i = 0; i < N_POOL; i++)
    person_init (&pool[i], rand, used, i);

  *elasticemail_json = elasticemail_seed (rand, pool);
  *crm_json = crm_seed (rand, pool);

  for (guint i = 0; i < N_POOL; i++)
    person_clear (&pool[i]);
  g_free (pool);
}
