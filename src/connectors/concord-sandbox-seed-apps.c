/* concord-sandbox-seed-apps.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The two apps' files of the sandbox's sample data, made of the pool of
 * made-up people (concord-sandbox-seed.c): Elastic Email's account (its
 * contacts, their status, forms and dates, and where they disagree with
 * the CRM) and the Sample CRM's people and leads.
 */

#define G_LOG_DOMAIN "concord-sandbox"

#include "config.h"

#include <string.h>

#include "concord-connector-sample.h"

#include "concord-sandbox-private.h"

static const char * const signup_forms[] = {
  "Homepage", "Webinar", "Checkout", "Trade show", "Blog", NULL
};

/* ------------------------------------------------------------------------- */
/* Elastic Email                                                             */
/* ------------------------------------------------------------------------- */

static const char *
ee_status (guint index,
           guint ee_index)
{
  if (index == 4 || (index < CONCORD_SANDBOX_N_SHARED && index % 23 == 11) ||
      (index >= CONCORD_SANDBOX_N_SHARED && ee_index % 29 == 6))
    return "Unsubscribed";
  if ((index < CONCORD_SANDBOX_N_SHARED && index % 31 == 17) || (index >= CONCORD_SANDBOX_N_SHARED && ee_index % 37 == 9))
    return "Bounced";
  if (index >= CONCORD_SANDBOX_N_SHARED && ee_index % 53 == 27)
    return "Abuse";
  if (index >= CONCORD_SANDBOX_N_SHARED && ee_index % 29 == 3)
    return "NotConfirmed";
  if (ee_index % 6 == 1)
    return "Engaged";
  if (ee_index % 17 == 5)
    return "Inactive";
  return "Active";
}

static const char *
other_last_name (const ConcordSandboxPerson *person)
{
  const char * const *names = person->country->last;

  for (guint i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], person->last) != 0)
      return names[i];

  return person->last;
}

static const char *
other_city (const ConcordSandboxPerson *person)
{
  const char * const *cities = person->country->cities;

  for (guint i = 0; cities[i] != NULL; i++)
    if (g_strcmp0 (cities[i], person->city) != 0)
      return cities[i];

  return person->city;
}

/* An Elastic Email contact's names, from the person's: the accents lost
 * ("Zoe Mueller"), a maiden name, or none. @ascii_first and @ascii_last
 * hold what *@first and *@last may point to. */
static void
ee_names (GRand                       *rand,
          const ConcordSandboxPerson  *person,
          guint                        index,
          const char                 **first,
          const char                 **last,
          char                       **ascii_first,
          char                       **ascii_last)
{
  gboolean shared = index < CONCORD_SANDBOX_N_SHARED;

  if (index == 0)
    {
      *first = "Zoe";
      *last = "Mueller";
    }
  else if (shared && index % 8 == 3)
    {
      *ascii_first = _concord_sandbox_without_accents (person->first);
      *ascii_last = _concord_sandbox_without_accents (person->last);
      if (*ascii_first != NULL)
        *first = *ascii_first;
      *last = *ascii_last != NULL ? *ascii_last : other_last_name (person);
    }
  if (index == 2 || (shared && index % 13 == 2) || (!shared && _concord_sandbox_chance (rand, 15)))
    *first = NULL;
  if (index == 2 || (shared && index % 17 == 6) || (!shared && _concord_sandbox_chance (rand, 30)))
    *last = NULL;
}

/* An Elastic Email contact's consent, dates, activity and lists: what
 * follows from its source, its dates and its status. */
static void
add_ee_history (JsonBuilder *builder,
                guint        ee_index,
                const char  *source,
                gint64       added,
                gint64       updated,
                gboolean     suppressed,
                int          sent,
                gboolean     shared,
                gboolean     customer)
{
  json_builder_set_member_name (builder, "Consent");
  json_builder_begin_object (builder);
  if (g_str_equal (source, "WebForm"))
    {
      g_autofree char *ip = g_strdup_printf ("203.0.113.%u", ee_index % 250 + 1);

      _concord_sandbox_add_member (builder, "ConsentIP", ip);
    }
  _concord_sandbox_add_ee_date (builder, "ConsentDate", added);
  _concord_sandbox_add_member (builder, "ConsentTracking", g_str_equal (source, "WebForm") ? "Allow" : "Unknown");
  json_builder_end_object (builder);

  _concord_sandbox_add_member (builder, "Source", source);
  _concord_sandbox_add_ee_date (builder, "DateAdded", added);
  _concord_sandbox_add_ee_date (builder, "DateUpdated", updated);
  _concord_sandbox_add_ee_date (builder, "StatusChangeDate", suppressed ? updated : added);

  json_builder_set_member_name (builder, "Activity");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "TotalSent");
  json_builder_add_int_value (builder, sent);
  json_builder_set_member_name (builder, "TotalOpened");
  json_builder_add_int_value (builder, sent / 3);
  json_builder_set_member_name (builder, "TotalClicked");
  json_builder_add_int_value (builder, sent / 9);
  if (sent > 0)
    _concord_sandbox_add_ee_date (builder, "LastSent", updated);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "Lists");
  json_builder_begin_array (builder);
  if (!suppressed && (ee_index % 5 != 0 || !shared))
    json_builder_add_string_value (builder, "Newsletter");
  if (customer)
    json_builder_add_string_value (builder, "Customers");
  json_builder_end_array (builder);
}

static void
add_ee_contact (JsonBuilder                *builder,
                GRand                      *rand,
                const ConcordSandboxPerson *person,
                guint                       index,
                guint                       ee_index)
{
  gboolean shared = index < CONCORD_SANDBOX_N_SHARED;
  gboolean lead = index >= CONCORD_SANDBOX_FIRST_LEAD;
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
          ? _concord_sandbox_capitalised_email (person->email) : g_strdup (person->email);

  /* Names: lost accents ("Zoe Mueller"), a maiden name, or none at all. */
  ee_names (rand, person, index, &first, &last, &ascii_first, &ascii_last);

  if (showcase_all || index == 3 || (shared && (index % 10 == 7 || index % 20 < 11)) ||
      (!shared && person->company != NULL && _concord_sandbox_chance (rand, 30)))
    company = (index == 3 || (shared && index % 10 == 7)) ? _concord_sandbox_other_company (person)
                                                          : person->company;
  if (showcase_all || (shared && index % 15 == 4) || _concord_sandbox_chance (rand, shared ? 50 : 30))
    city = shared && index % 15 == 4 ? other_city (person) : person->city;

  if (showcase_all || index == 7 || (shared && index % 12 == 5))
    lifecycle = "Lead";
  else if ((shared && _concord_sandbox_chance (rand, 40)) || (lead && _concord_sandbox_chance (rand, 50)))
    lifecycle = person->lifecycle;
  customer = g_strcmp0 (lifecycle, "Customer") == 0 ||
             (shared && g_str_equal (person->lifecycle, "Customer") && _concord_sandbox_chance (rand, 60));

  /* The CRM's phone number, imported without spaces; now and then one the
   * CRM lacks. */
  if (person->phone != NULL && (showcase_all || (shared && _concord_sandbox_chance (rand, 20))))
    phone = _concord_sandbox_compact_phone (person->phone);
  else if (person->phone == NULL && shared && index % 11 == 9)
    {
      g_autofree char *typed = _concord_sandbox_new_phone (rand, person->country, TRUE);

      phone = _concord_sandbox_compact_phone (typed);
    }

  added = _concord_sandbox_time_between (rand, CONCORD_SANDBOX_EPOCH_START, CONCORD_SANDBOX_EPOCH_END - 90 * 86400);
  updated = _concord_sandbox_time_between (rand, added, CONCORD_SANDBOX_EPOCH_END);
  source = shared && index % 3 == 0 ? "FileUpload"
           : _concord_sandbox_chance (rand, 70) ? "WebForm" : "ManualInput";
  sent = g_rand_int_range (rand, 0, 60);

  json_builder_begin_object (builder);
  _concord_sandbox_add_member (builder, "Email", email);
  _concord_sandbox_add_member (builder, "Status", status);
  _concord_sandbox_add_member (builder, "FirstName", first);
  _concord_sandbox_add_member (builder, "LastName", last);

  json_builder_set_member_name (builder, "CustomFields");
  json_builder_begin_object (builder);
  _concord_sandbox_add_member (builder, "Company", company);
  _concord_sandbox_add_member (builder, "City", city);
  if (showcase_all || (shared && _concord_sandbox_chance (rand, 45)) || (!shared && _concord_sandbox_chance (rand, 40)))
    _concord_sandbox_add_member (builder, "Country", person->country->name);
  _concord_sandbox_add_member (builder, "Phone", phone);
  _concord_sandbox_add_member (builder, "Lifecycle stage", lifecycle);
  if (showcase_all || _concord_sandbox_chance (rand, 55))
    _concord_sandbox_add_member (builder, "Signup form", _concord_sandbox_pick (rand, signup_forms));
  json_builder_end_object (builder);

  add_ee_history (builder, ee_index, source, added, updated, suppressed, sent, shared, customer);

  json_builder_end_object (builder);
}

char *
_concord_sandbox_elasticemail_seed (GRand                *rand,
                                    ConcordSandboxPerson *pool)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint order[CONCORD_SANDBOX_N_SHARED + CONCORD_SANDBOX_N_EE_ONLY + CONCORD_SANDBOX_N_LEADS_SHARED];
  guint n = 0;

  for (guint i = 0; i < CONCORD_SANDBOX_FIRST_CRM_ONLY; i++)
    order[n++] = i;
  for (guint i = CONCORD_SANDBOX_FIRST_LEAD; i < CONCORD_SANDBOX_FIRST_LEAD + CONCORD_SANDBOX_N_LEADS_SHARED; i++)
    order[n++] = i;
  g_assert (n == G_N_ELEMENTS (order));
  /* The first contact stays first: it shows the connector every custom field. */
  _concord_sandbox_shuffle (rand, order, n, 1);

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
      _concord_sandbox_add_member (builder, "ListName", _concord_sandbox_ee_lists[i]);
      _concord_sandbox_add_ee_date (builder, "DateAdded", CONCORD_SANDBOX_EPOCH_START + i * 86400);
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

  return _concord_sandbox_builder_to_text (builder);
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
add_crm_record (JsonBuilder                *builder,
                GRand                      *rand,
                const ConcordSandboxPerson *person,
                const CrmEntry             *entry,
                const char                 *id,
                guint                       version)
{
  gboolean shared = entry->index < CONCORD_SANDBOX_N_SHARED;
  g_autofree char *email = NULL;
  g_autofree char *married = NULL;
  const char *last = person->last;
  const char *first = person->first;
  gint64 created = person->created;

  if (entry->duplicate && entry->index == 1)
    email = _concord_sandbox_capitalised_email (person->email);
  else if (entry->index == 5 || (shared && entry->index % 11 == 5))
    {
      g_autofree char *upper = _concord_sandbox_capitalised_email (person->email);

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
  _concord_sandbox_add_member (builder, "id", id);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, version);
  _concord_sandbox_add_iso_date (builder, "created", created);
  _concord_sandbox_add_iso_date (builder, "modified", MAX (created, person->modified));

  json_builder_set_member_name (builder, "fields");
  json_builder_begin_object (builder);
  _concord_sandbox_add_member (builder, "email", email);
  _concord_sandbox_add_member (builder, "first_name", first);
  _concord_sandbox_add_member (builder, "last_name", last);
  if (!entry->duplicate)
    {
      _concord_sandbox_add_member (builder, "phone", person->phone);
      _concord_sandbox_add_member (builder, "mobile", person->mobile);
    }
  _concord_sandbox_add_member (builder, "company", person->company);
  _concord_sandbox_add_member (builder, "job_title", entry->duplicate ? _concord_sandbox_pick (rand, _concord_sandbox_job_titles) : person->job_title);
  if (entry->index < _concord_sandbox_n_showcase || _concord_sandbox_chance (rand, 85))
    _concord_sandbox_add_member (builder, "address_city", person->city);
  if (entry->index < _concord_sandbox_n_showcase || _concord_sandbox_chance (rand, 90))
    _concord_sandbox_add_member (builder, "address_country", person->country->name);
  if (person->tags[0] != NULL && !entry->duplicate)
    {
      json_builder_set_member_name (builder, "tags");
      json_builder_begin_array (builder);
      for (guint t = 0; person->tags[t] != NULL; t++)
        json_builder_add_string_value (builder, person->tags[t]);
      json_builder_end_array (builder);
    }
  if (entry->index < _concord_sandbox_n_showcase || _concord_sandbox_chance (rand, 95))
    _concord_sandbox_add_member (builder, CONCORD_SAMPLE_CRM_LIFECYCLE, person->lifecycle);
  if (person->deals > 0)
    {
      json_builder_set_member_name (builder, CONCORD_SAMPLE_CRM_DEALS_WON);
      json_builder_add_int_value (builder, person->deals);
    }
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

char *
_concord_sandbox_crm_seed (GRand                *rand,
                           ConcordSandboxPerson *pool)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  CrmEntry people[CONCORD_SANDBOX_N_SHARED + CONCORD_SANDBOX_N_CRM_ONLY + 2];
  guint order[G_N_ELEMENTS (people)];
  guint n = 0;
  guint next_id = 1;

  for (guint i = 0; i < CONCORD_SANDBOX_N_SHARED; i++)
    people[n++] = (CrmEntry) { i, FALSE };
  for (guint i = CONCORD_SANDBOX_FIRST_CRM_ONLY; i < CONCORD_SANDBOX_FIRST_LEAD; i++)
    people[n++] = (CrmEntry) { i, FALSE };
  /* Entered twice: José Núñez (also on Elastic Email), and a CRM-only person. */
  people[n++] = (CrmEntry) { 1, TRUE };
  people[n++] = (CrmEntry) { CONCORD_SANDBOX_FIRST_CRM_ONLY + 12, TRUE };
  g_assert (n == G_N_ELEMENTS (people));

  for (guint i = 0; i < n; i++)
    order[i] = i;
  _concord_sandbox_shuffle (rand, order, n, 0);

  json_builder_begin_object (builder);
  _concord_sandbox_add_member (builder, "format", "concord-sample-crm");

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
  for (guint i = CONCORD_SANDBOX_FIRST_LEAD; i < CONCORD_SANDBOX_N_POOL; i++)
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

  return _concord_sandbox_builder_to_text (builder);
}
