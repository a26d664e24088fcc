/* test-sync-model.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The seeded randomised model test of the sync engine.
 *
 * Each seed builds a world — two in-memory apps and a state store — and
 * plays a sequence of operations generated from the seed: people creating
 * and editing contacts on either side (the same field on both sides, case
 * and space changes of emails, list members, duplicates, deletions),
 * faults (failed writes, a listing that breaks, a crash between a write and
 * its commit) and sync runs. After every run it checks the invariants of
 * INVARIANTS.md that the engine covers:
 *
 *   after every run:   no duplicates, nothing deleted, creation control,
 *                      scope, deletion safety (a failed listing writes
 *                      nothing), no ping-pong through the rewriting server;
 *                      a record Concord changed has a partner in the scope
 *                      of the rule towards it, and only fields that flow its
 *                      way (or that an action of that rule sets) changed; a
 *                      single value it wrote is the partner's as the mapping
 *                      converts it, and only where the two disagreed; a
 *                      record it created comes from a record in scope, holds
 *                      that record's values as the mapping converts them and
 *                      every action of the rule that made it
 *   after a clean run: convergence, no lost update (one-way sets keep the
 *                      target's own members too), no silent overwrite,
 *                      field-level merge, false conflicts vanish, the
 *                      on-update actions hold on the targets of pairs
 *                      updated since the last clean run, and idempotence
 *                      (one more run writes nothing)
 *
 * Side B plays a server that rewrites what it is sent (companies in upper
 * case), so idempotence is checked against normalisation too.
 *
 * Contacts may have several emails ("emails", mapped both ways like the
 * email): people add members (some from a small pool shared by several
 * contacts, so that matching by any email meets ambiguity), remove them,
 * relabel them and make another one the primary, as an app that keeps
 * its primary among its emails does. After every run no contact was
 * created where one of its emails already was; after a clean run the
 * sets have converged and no edit of them was lost.
 *
 * One seed in three (VARIANT_RULES) runs under a connection document drawn
 * from the seed: per direction a rule (on or off, creating or not, a filter
 * of conditions on the fields people edit — one condition or an all/any
 * group, each part possibly negated — and actions that add or remove list
 * and tag members or set a field, on create only or on every update), per
 * field pair a flow (both ways, one way or off; the email always both
 * ways), sometimes a lossy value map on first names, and the conflict
 * policy. The document is written as JSON, read by
 * concord_connection_config_new_from_json() and printed with a failing
 * seed; the model reads its filters itself and checks that the engine
 * reads them alike. Convergence is then owed by pairs in the scopes of both
 * rules, field by field as the pairs flow, modulo the value map and the
 * members actions add or remove; a one-way field follows its source.
 *
 * A failing seed is shrunk: operations are dropped one by one while the
 * failure persists, and the minimal sequence is printed.
 *
 * CONCORD_MODEL_STEPS sets the number of operations in total (default
 * 6,000, that is 40 seeds of 150 operations from seed 1000);
 * CONCORD_MODEL_FIRST_SEED the first seed (default 1000), so that a long
 * run can be played in parallel chunks; CONCORD_MODEL_SEED runs one seed
 * only, CONCORD_MODEL_OPS (a list of indexes, "4,23,45") only these of its
 * operations; CONCORD_MODEL_TRACE prints what happens. Unless one seed is
 * asked for, the seeds that once found an engine fault (fixed_seeds) are
 * played as well.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-rules.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-utils.h"

#define N_EMAILS 24
#define OPS_PER_SEED 150

typedef enum
{
  OP_CREATE,
  OP_EDIT,
  OP_EDIT_BOTH,
  OP_EMAIL_CASE,
  OP_LIST_MEMBER,
  OP_DUPLICATE,
  OP_DELETE,
  OP_FAIL_WRITES,
  OP_FAIL_LISTING,
  OP_CRASH,
  OP_RUN,
  OP_EMAILS,
  N_OPS
} OpKind;

static const char * const op_names[] = {
  "create", "edit", "edit-both", "email-case", "list-member", "duplicate", "delete",
  "fail-writes", "fail-listing", "crash", "run", "emails",
};

typedef struct
{
  OpKind  kind;
  guint   side;
  guint32 a, b, c;
} Op;

typedef enum
{
  VARIANT_TWO_WAY,
  VARIANT_NO_CREATE_ON_B,
  VARIANT_ONE_WAY,
  VARIANT_SCOPE,
  VARIANT_RULES,
  N_VARIANTS
} Variant;

static const char * const variant_names[] = {
  "two-way", "no-create-on-b", "one-way", "scope", "rules",
};

G_STATIC_ASSERT (G_N_ELEMENTS (variant_names) == N_VARIANTS);

static const char * const fields[] = { "first_name", "last_name", "company", "phone", "lists", "tags" };
static const char * const names[] = { "Ann", "Bob", "Cy", "Dee", "Eve" };
static const char * const companies[] = { "acme", "Globex", "initech", "Umbrella" };
static const char * const phones[] = { "+1 555 0100", "+1 555 0101", "+44 20 7946 0000" };
static const char * const members[] = { "news", "promo", "vip", "beta" };
/* Labels of emails: the vocabulary and a free one. */
static const char * const labels[] = { "work", "home", "other", "Assistant" };
/* Addresses several contacts may share as one of their emails. */
#define N_SHARED 5

/* ------------------------------------------------------------------------- */
/* A connection document drawn from the seed (VARIANT_RULES)                 */
/* ------------------------------------------------------------------------- */

/* The member actions add, which people never set. */
#define SYNCED "synced"
/* The field SET actions write that is not mapped. */
#define SOURCE_FIELD "custom:Source"

/* first_name's value map, A's names to B's. Two names share "Anna", so the
 * way back takes the first pairing (Anna → Ann): lossy, yet stable, since
 * the engine compares values through the map either way. */
static const char * const value_pairs[][2] = {
  { "Ann", "Anna" }, { "Bob", "Robert" }, { "Cy", "Anna" },
};
/* With map_default, what any other name of A becomes on B. */
#define MAP_DEFAULT_B "Other"

static const char * const prefixes[] = { "a", "b", "c", "d", "e", "an", "ro" };

typedef struct _ModelFilter ModelFilter;

/* A filter as the model reads it: a condition, or a group of one or two. */
struct _ModelFilter
{
  gboolean     group;
  gboolean     any;
  gboolean     negate;
  ModelFilter *children[2];   /* a group's; the second may be NULL */
  const char  *field;
  const char  *op;
  const char  *values[3];     /* NULL-terminated */
};

typedef struct
{
  ConcordActionKind  kind;
  const char        *field;
  const char        *value;
  gboolean           on_update;
} ModelAction;

typedef struct
{
  gboolean     enabled;
  gboolean     create;
  ModelFilter *filter;        /* (nullable) */
  ModelAction  actions[4];
  guint        n_actions;
} ModelRule;

typedef struct
{
  ModelRule        rules[2];  /* rules[X]: the rule of the direction from X */
  ConcordPairFlow  flows[G_N_ELEMENTS (fields)];
  gboolean         value_map; /* first_name goes through value_pairs */
  gboolean         map_default;
  gboolean         newest_wins;
  ConcordSide      prefer;
  char            *json;      /* the document, as the engine reads it */
} ModelConfig;

static void
model_filter_free (ModelFilter *filter)
{
  if (filter == NULL)
    return;

  model_filter_free (filter->children[0]);
  model_filter_free (filter->children[1]);
  g_free (filter);
}

static void
model_config_free (ModelConfig *model)
{
  if (model == NULL)
    return;

  model_filter_free (model->rules[0].filter);
  model_filter_free (model->rules[1].filter);
  g_free (model->json);
  g_free (model);
}

static const char *
pick_of (GRand              *rand,
         const char * const *items,
         guint               n_items)
{
  return items[g_rand_int_range (rand, 0, n_items)];
}

#define PICK(rand, items) pick_of ((rand), (items), G_N_ELEMENTS (items))

/* A member of a list or tag field: mostly people's, now and then the one
 * actions add. */
static const char *
pick_member (GRand *rand)
{
  return g_rand_int_range (rand, 0, 5) == 0 ? SYNCED : PICK (rand, members);
}

static ModelFilter *
draw_condition (GRand *rand)
{
  ModelFilter *filter = g_new0 (ModelFilter, 1);
  const char *set_field = g_rand_boolean (rand) ? "tags" : "lists";

  switch (g_rand_int_range (rand, 0, 12))
    {
    case 0:
      filter->field = set_field;
      filter->op = "contains";
      filter->values[0] = pick_member (rand);
      break;
    case 1:
      filter->field = set_field;
      filter->op = "does-not-contain";
      filter->values[0] = pick_member (rand);
      break;
    case 2:
      filter->field = set_field;
      filter->op = "is-one-of";
      filter->values[0] = pick_member (rand);
      filter->values[1] = pick_member (rand);
      break;
    case 3:
      filter->field = set_field;
      filter->op = "is-not-empty";
      break;
    case 4:
      filter->field = set_field;
      filter->op = "is-empty";
      break;
    case 5:
      filter->field = "company";
      filter->op = "is-one-of";
      filter->values[0] = PICK (rand, companies);
      filter->values[1] = PICK (rand, companies);
      break;
    case 6:
      filter->field = "company";
      filter->op = "is";
      filter->values[0] = PICK (rand, companies);
      break;
    case 7:
      filter->field = "company";
      filter->op = "is-not-empty";
      break;
    case 8:
    case 9:
      filter->field = "first_name";
      filter->op = "starts-with";
      filter->values[0] = PICK (rand, prefixes);
      break;
    case 10:
      filter->field = "first_name";
      filter->op = "is-not";
      filter->values[0] = PICK (rand, names);
      break;
    default:
      filter->field = "last_name";
      filter->op = "is-empty";
      break;
    }
  filter->negate = g_rand_int_range (rand, 0, 5) == 0;

  return filter;
}

static ModelFilter *
draw_filter (GRand *rand)
{
  ModelFilter *filter;

  if (g_rand_int_range (rand, 0, 10) < 6)
    return draw_condition (rand);

  filter = g_new0 (ModelFilter, 1);
  filter->group = TRUE;
  filter->any = g_rand_boolean (rand);
  filter->negate = g_rand_int_range (rand, 0, 5) == 0;
  filter->children[0] = draw_condition (rand);
  if (g_rand_int_range (rand, 0, 4) > 0)
    filter->children[1] = draw_condition (rand);

  return filter;
}

/* An action of the rule from @source: on its target's lists or tags, its
 * custom field, or (on every update) its last name. One action per field
 * and member, so their order never matters. */
static void
draw_action (GRand     *rand,
             ModelRule *rule,
             guint      source)
{
  ModelAction action = { 0 };

  switch (g_rand_int_range (rand, 0, 7))
    {
    case 0:
    case 1:
      action.kind = CONCORD_ACTION_ADD;
      action.field = g_rand_boolean (rand) ? "lists" : "tags";
      action.value = g_rand_int_range (rand, 0, 3) == 0 ? PICK (rand, members) : SYNCED;
      action.on_update = g_rand_boolean (rand);
      break;
    case 2:
    case 3:
      action.kind = CONCORD_ACTION_REMOVE;
      action.field = g_rand_boolean (rand) ? "lists" : "tags";
      action.value = PICK (rand, members);
      action.on_update = g_rand_boolean (rand);
      break;
    case 4:
    case 5:
      action.kind = CONCORD_ACTION_SET;
      action.field = SOURCE_FIELD;
      action.value = source == CONCORD_SIDE_A ? "from a" : "from b";
      action.on_update = g_rand_boolean (rand);
      break;
    default:
      action.kind = CONCORD_ACTION_SET;
      action.field = "last_name";
      action.value = "Synced";
      action.on_update = TRUE;
      break;
    }

  for (guint i = 0; i < rule->n_actions; i++)
    if (g_str_equal (rule->actions[i].field, action.field) &&
        (action.kind == CONCORD_ACTION_SET || g_str_equal (rule->actions[i].value, action.value)))
      return;

  rule->actions[rule->n_actions++] = action;
}

static void
append_filter_json (GString           *out,
                    const ModelFilter *filter)
{
  if (filter->group)
    {
      g_string_append_printf (out, "{\"match\": \"%s\", \"negate\": %s, \"conditions\": [",
                              filter->any ? "any" : "all", filter->negate ? "true" : "false");
      for (guint i = 0; i < G_N_ELEMENTS (filter->children) && filter->children[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append (out, ", ");
          append_filter_json (out, filter->children[i]);
        }
      g_string_append (out, "]}");
      return;
    }

  g_string_append_printf (out, "{\"field\": \"%s\", \"op\": \"%s\"", filter->field, filter->op);
  if (filter->values[0] != NULL)
    {
      g_string_append (out, ", \"values\": [");
      for (guint i = 0; filter->values[i] != NULL; i++)
        g_string_append_printf (out, "%s\"%s\"", i > 0 ? ", " : "", filter->values[i]);
      g_string_append (out, "]");
    }
  if (filter->negate)
    g_string_append (out, ", \"negate\": true");
  g_string_append (out, "}");
}

static void
append_actions_json (GString         *out,
                     const ModelRule *rule)
{
  g_string_append (out, "[");
  for (guint i = 0; i < rule->n_actions; i++)
    {
      const ModelAction *action = &rule->actions[i];

      g_string_append_printf (out, "%s{\"action\": \"%s\", \"field\": \"%s\", ", i > 0 ? ", " : "",
                              concord_action_kind_to_string (action->kind), action->field);
      if (concord_field_is_custom (action->field))
        g_string_append (out, "\"type\": \"string\", ");
      g_string_append_printf (out, "\"value\": \"%s\", \"on_update\": %s}", action->value,
                              action->on_update ? "true" : "false");
    }
  g_string_append (out, "]");
}

static void
append_filter_or_null (GString         *out,
                       const ModelRule *rule)
{
  if (rule->filter != NULL)
    append_filter_json (out, rule->filter);
  else
    g_string_append (out, "null");
}

/* The model's rule of a direction, written in one of three shapes that
 * the engine must run alike: 0, version 1 (one rule); 1, version 2 with
 * that one rule; 2, version 2 split in three: a rule switched off that
 * would sync everyone, a rule that syncs what the filter takes in, and
 * one that does not sync but acts on the same contacts. */
static void
append_rule_json (GString         *out,
                  const ModelRule *rule,
                  guint            shape)
{
  g_string_append_printf (out, "{\"enabled\": %s, \"create\": %s, ",
                          rule->enabled ? "true" : "false", rule->create ? "true" : "false");
  if (shape == 0)
    {
      g_string_append (out, "\"filter\": ");
      append_filter_or_null (out, rule);
      g_string_append (out, ", \"actions\": ");
      append_actions_json (out, rule);
    }
  else if (shape == 1)
    {
      g_string_append (out, "\"rules\": [{\"filter\": ");
      append_filter_or_null (out, rule);
      g_string_append (out, ", \"actions\": ");
      append_actions_json (out, rule);
      g_string_append (out, "}]");
    }
  else
    {
      g_string_append (out, "\"unmatched\": \"stop\", \"rules\": [{\"name\": \"Off\", \"enabled\": false}, "
                            "{\"filter\": ");
      append_filter_or_null (out, rule);
      g_string_append (out, "}, {\"name\": \"Acts\", \"sync\": false, \"filter\": ");
      append_filter_or_null (out, rule);
      g_string_append (out, ", \"actions\": ");
      append_actions_json (out, rule);
      g_string_append (out, "}]");
    }
  g_string_append (out, "}");
}

static char *
model_config_to_json (const ModelConfig *model,
                      guint              shape)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"version\": %d, \"rules\": {\"a_to_b\": ", shape == 0 ? 1 : 2);
  append_rule_json (out, &model->rules[CONCORD_SIDE_A], shape);
  g_string_append (out, ", \"b_to_a\": ");
  append_rule_json (out, &model->rules[CONCORD_SIDE_B], shape);

  /* The email flows both ways (by default: no "flow"). */
  g_string_append (out, "}, \"mapping\": {\"pairs\": [{\"a\": \"email\", \"b\": \"email\"}, "
                  "{\"a\": \"emails\", \"b\": \"emails\"}");
  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      g_string_append_printf (out, ", {\"a\": \"%s\", \"b\": \"%s\", \"flow\": \"%s\"", fields[f], fields[f],
                              concord_pair_flow_to_string (model->flows[f]));
      if (model->value_map && g_str_equal (fields[f], "first_name"))
        {
          g_string_append (out, ", \"values\": [");
          for (guint v = 0; v < G_N_ELEMENTS (value_pairs); v++)
            g_string_append_printf (out, "%s{\"a\": \"%s\", \"b\": \"%s\"}", v > 0 ? ", " : "",
                                    value_pairs[v][0], value_pairs[v][1]);
          g_string_append (out, "]");
          if (model->map_default)
            g_string_append (out, ", \"default_b\": \"" MAP_DEFAULT_B "\"");
        }
      g_string_append (out, "}");
    }
  g_string_append (out, "]}}");

  return g_string_free (out, FALSE);
}

/* Two engine bugs this model found (both fixed, both still played):
 *  1. an on-update action overwrote a person's change of its field on the
 *     target while the change was still to reach the source; when that
 *     write failed, the change was lost (seed 1025, operations
 *     4,23,45,46,74). The action now waits for the next update.
 *  2. replaying a dead run's intents re-based both sides as if the other
 *     side held the written values, losing set members that were a merge
 *     or an action's (seeds 1450: 5,15,16,17,20; 1160: 12,16,22,23,28;
 *     3710: 0,3,4,5,7,16,23,24,29,33,34,42,43,47,48,50,53,63). The other
 *     side is now re-based only where it agrees, and sets merge three
 *     ways even when one side changed. */

static ModelConfig *
model_config_draw (GRand *rand)
{
  ModelConfig *model = g_new0 (ModelConfig, 1);

  for (guint s = 0; s < 2; s++)
    {
      ModelRule *rule = &model->rules[s];
      guint n_actions = g_rand_int_range (rand, 0, 4);

      rule->enabled = g_rand_int_range (rand, 0, 10) < 8;
      rule->create = g_rand_int_range (rand, 0, 10) < 7;
      if (g_rand_int_range (rand, 0, 10) < 6)
        rule->filter = draw_filter (rand);
      for (guint i = 0; i < n_actions; i++)
        draw_action (rand, rule, s);
    }

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      guint r = g_rand_int_range (rand, 0, 10);

      model->flows[f] = r < 5 ? CONCORD_PAIR_FLOW_BOTH
                      : r < 7 ? CONCORD_PAIR_FLOW_A_TO_B
                      : r < 9 ? CONCORD_PAIR_FLOW_B_TO_A
                      : CONCORD_PAIR_FLOW_OFF;
    }
  model->value_map = g_rand_int_range (rand, 0, 3) == 0;
  model->map_default = model->value_map && g_rand_boolean (rand);
  model->newest_wins = g_rand_boolean (rand);
  model->prefer = g_rand_boolean (rand) ? CONCORD_SIDE_A : CONCORD_SIDE_B;
  /* The shape of the document comes from what was drawn, so that the
   * seeds play the histories they always played. */
  {
    g_autofree char *v1 = model_config_to_json (model, 0);

    model->json = model_config_to_json (model, g_str_hash (v1) % 3);
  }

  return model;
}

/* The filter, read by the model: text compares ignore case; a missing value
 * matches only the negative tests. */
static gboolean
model_condition_matches (const ModelFilter   *filter,
                         const ConcordRecord *record)
{
  const ConcordValue *value = concord_record_get (record, filter->field);
  g_autofree char *text = NULL;
  g_autofree char *wanted = NULL;

  if (g_str_equal (filter->op, "is-empty"))
    return value == NULL;
  if (g_str_equal (filter->op, "is-not-empty"))
    return value != NULL;
  if (value == NULL)
    return g_str_equal (filter->op, "is-not") || g_str_equal (filter->op, "does-not-contain");

  if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      gboolean has = FALSE;

      for (guint v = 0; filter->values[v] != NULL; v++)
        for (guint m = 0; value->v.set[m] != NULL; m++)
          if (g_ascii_strcasecmp (value->v.set[m], filter->values[v]) == 0)
            has = TRUE;

      return g_str_equal (filter->op, "does-not-contain") ? !has : has;
    }

  text = g_ascii_strdown (value->v.text, -1);
  if (g_str_equal (filter->op, "is-one-of"))
    {
      for (guint v = 0; filter->values[v] != NULL; v++)
        if (g_ascii_strcasecmp (text, filter->values[v]) == 0)
          return TRUE;
      return FALSE;
    }

  wanted = g_ascii_strdown (filter->values[0], -1);
  if (g_str_equal (filter->op, "is"))
    return g_str_equal (text, wanted);
  if (g_str_equal (filter->op, "is-not"))
    return !g_str_equal (text, wanted);
  if (g_str_equal (filter->op, "contains"))
    return strstr (text, wanted) != NULL;
  if (g_str_equal (filter->op, "does-not-contain"))
    return strstr (text, wanted) == NULL;
  if (g_str_equal (filter->op, "starts-with"))
    return g_str_has_prefix (text, wanted);

  g_assert_not_reached ();
}

static gboolean
model_filter_matches (const ModelFilter   *filter,
                      const ConcordRecord *record)
{
  gboolean matches;

  if (!filter->group)
    matches = model_condition_matches (filter, record);
  else
    {
      /* An empty "all" matches every record, an empty "any" none. */
      matches = !filter->any;
      for (guint i = 0; i < G_N_ELEMENTS (filter->children) && filter->children[i] != NULL; i++)
        {
          gboolean child = model_filter_matches (filter->children[i], record);

          if (filter->any ? child : !child)
            {
              matches = filter->any;
              break;
            }
        }
    }

  return filter->negate ? !matches : matches;
}

static char *
model_action_describe (const ModelAction *action)
{
  const char *when = action->on_update ? "" : " (on create)";

  switch (action->kind)
    {
    case CONCORD_ACTION_ADD:
      return g_strdup_printf ("add “%s” to %s%s", action->value, action->field, when);
    case CONCORD_ACTION_REMOVE:
      return g_strdup_printf ("remove “%s” from %s%s", action->value, action->field, when);
    case CONCORD_ACTION_SET:
    default:
      return g_strdup_printf ("set %s to “%s”%s", action->field, action->value, when);
    }
}

/* Whether @record shows the effect of @action. */
static gboolean
model_action_holds (const ModelAction   *action,
                    const ConcordRecord *record)
{
  const ConcordValue *value = concord_record_get (record, action->field);
  gboolean has_member = value != NULL && value->type == CONCORD_FIELD_TYPE_STRING_SET &&
                        g_strv_contains ((const char * const *) value->v.set, action->value);

  switch (action->kind)
    {
    case CONCORD_ACTION_ADD:
      return has_member;
    case CONCORD_ACTION_REMOVE:
      return !has_member;
    case CONCORD_ACTION_SET:
    default:
      return value != NULL && CONCORD_FIELD_TYPE_IS_TEXT (value->type) &&
             g_str_equal (value->v.text, action->value);
    }
}

typedef struct
{
  Variant                  variant;
  const ModelConfig       *model;         /* (nullable) VARIANT_RULES: the drawn document */
  char                    *dir;
  ConcordStore            *store;
  gint64                   connection_id;
  ConcordMapping          *mapping;
  ConcordSyncConfig        config;
  ConcordMemoryConnector  *sides[2];
  GHashTable              *inserted[2];   /* email → number of records people made */
  GHashTable              *edits;         /* "side\tid\tfield" → value text ("" when cleared) */
  GHashTable              *originals;     /* the same keys → the value before the first edit */
  GHashTable              *edit_runs;     /* the same keys → the first run that can see the edit */
  GHashTable              *original_runs; /* the same keys → the run the original was taken before */
  GHashTable              *touched;       /* every key edited since the last clean check */
  GHashTable              *waiting;       /* keys people edited: an on-update action of that field
                                           * may wait until the pair's next update without edits */
  GHashTable              *was_out[2];    /* ids of records out of their rule's scope before a run */
  gint64                   next_run;      /* the id the next run will have */
  gint64                   edits_since;   /* first run id the pending edits may be settled in */
  gboolean                 faulty;        /* a fault touched the last run */
  gboolean                 write_faults;  /* a write failed or a run crashed since the last clean check */
  GHashTable              *known_links;   /* link ids (text) at the last clean check */
  gint64                   clock;
  GString                 *failure;
} World;

/* ------------------------------------------------------------------------- */
/* The world                                                                 */
/* ------------------------------------------------------------------------- */

static void
rewrite_b (ConcordRecord *record,
           gpointer       user_data)
{
  const char *company = concord_record_get_text (record, "company");

  if (company != NULL)
    {
      g_autofree char *upper = g_utf8_strup (company, -1);

      concord_record_set_text (record, "company", CONCORD_FIELD_TYPE_STRING, upper);
    }
}

static gboolean
not_tagged_nosync (const ConcordRecord *record,
                   gpointer             user_data)
{
  const ConcordValue *tags = concord_record_get (record, "tags");

  return tags == NULL || !g_strv_contains ((const char * const *) tags->v.set, "beta");
}

static World *
world_new (Variant            variant,
           const ModelConfig *model)
{
  World *world = g_new0 (World, 1);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  ConcordConnectionRow row = { 0 };

  world->variant = variant;
  world->model = variant == VARIANT_RULES ? model : NULL;
  world->dir = g_dir_make_tmp ("concord-model-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (world->dir, "state.sqlite", NULL);
  world->store = concord_store_new (path, &error);
  g_assert_no_error (error);

  g_assert_true (concord_store_add_account (world->store, "acc-a", "memory", "A", NULL, &error));
  g_assert_true (concord_store_add_account (world->store, "acc-b", "memory", "B", NULL, &error));
  row.name = (char *) "model";
  row.account_a = (char *) "acc-a";
  row.type_a = (char *) "contacts";
  row.account_b = (char *) "acc-b";
  row.type_b = (char *) "contacts";
  row.enabled = TRUE;
  world->connection_id = concord_store_add_connection (world->store, &row, &error);
  g_assert_no_error (error);
  g_assert_cmpint (world->connection_id, >, 0);

  world->mapping = concord_mapping_new ();
  concord_mapping_add (world->mapping, "email", CONCORD_FIELD_TYPE_EMAIL, "email", CONCORD_FIELD_TYPE_EMAIL, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add (world->mapping, "emails", CONCORD_FIELD_TYPE_STRING_SET, "emails", CONCORD_FIELD_TYPE_STRING_SET, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add (world->mapping, "first_name", CONCORD_FIELD_TYPE_STRING, "first_name", CONCORD_FIELD_TYPE_STRING, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add (world->mapping, "last_name", CONCORD_FIELD_TYPE_STRING, "last_name", CONCORD_FIELD_TYPE_STRING, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add (world->mapping, "company", CONCORD_FIELD_TYPE_STRING, "company", CONCORD_FIELD_TYPE_STRING, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add (world->mapping, "phone", CONCORD_FIELD_TYPE_PHONE, "phone", CONCORD_FIELD_TYPE_PHONE, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add (world->mapping, "lists", CONCORD_FIELD_TYPE_STRING_SET, "lists", CONCORD_FIELD_TYPE_STRING_SET, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add (world->mapping, "tags", CONCORD_FIELD_TYPE_STRING_SET, "tags", CONCORD_FIELD_TYPE_STRING_SET, CONCORD_PAIR_FLOW_BOTH);

  concord_sync_config_init (&world->config, world->mapping);
  switch (variant)
    {
    case VARIANT_NO_CREATE_ON_B:
      world->config.may_create[CONCORD_SIDE_B] = FALSE;
      break;
    case VARIANT_ONE_WAY:
      world->config.direction = CONCORD_DIRECTION_A_TO_B;
      break;
    case VARIANT_SCOPE:
      world->config.filter[CONCORD_SIDE_A] = not_tagged_nosync;
      world->config.newest_wins = FALSE;
      world->config.prefer = CONCORD_SIDE_B;
      break;
    case VARIANT_RULES:
      {
        /* The document as a connection stores it: rules and mapping. */
        g_autoptr(ConcordConnectionConfig) document =
          concord_connection_config_new_from_json (model->json, &error);

        if (document == NULL)
          g_error ("The drawn connection document was refused: %s\n%s", error->message, model->json);
        g_assert_nonnull (document->mapping);

        concord_mapping_unref (world->config.mapping);
        world->config.mapping = concord_mapping_ref (document->mapping);
        concord_mapping_unref (world->mapping);
        world->mapping = concord_mapping_ref (document->mapping);
        concord_sync_config_set_rules (&world->config, document->rules[0], document->rules[1]);
        world->config.newest_wins = model->newest_wins;
        world->config.prefer = model->prefer;
      }
      break;
    case VARIANT_TWO_WAY:
    case N_VARIANTS:
    default:
      break;
    }

  for (guint s = 0; s < 2; s++)
    {
      world->sides[s] = concord_memory_connector_new (s == 0 ? "a" : "b", CONCORD_CONNECTOR_NONE);
      concord_memory_connector_set_page_size (world->sides[s], 7);
      concord_memory_connector_set_max_batch (world->sides[s], 5);
      concord_memory_connector_set_now (world->sides[s], 1000);
      world->inserted[s] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      world->was_out[s] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  concord_memory_connector_set_rewrite_func (world->sides[1], rewrite_b, NULL);

  world->edits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  world->originals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  world->edit_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->original_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->waiting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->next_run = 1;
  world->known_links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->clock = 1000;
  world->failure = g_string_new (NULL);

  if (world->model != NULL && g_getenv ("CONCORD_MODEL_TRACE") != NULL)
    g_printerr ("config: %s\npolicy: %s, else %s\n", world->model->json,
                world->model->newest_wins ? "newest wins" : "no times",
                CONCORD_SIDE_NAME (world->model->prefer));

  return world;
}

static void
world_free (World *world)
{
  concord_sync_config_clear (&world->config);
  concord_mapping_unref (world->mapping);
  for (guint s = 0; s < 2; s++)
    {
      g_object_unref (world->sides[s]);
      g_hash_table_unref (world->inserted[s]);
      g_hash_table_unref (world->was_out[s]);
    }
  g_object_unref (world->store);
  concord_test_remove_dir (world->dir);
  g_free (world->dir);
  g_hash_table_unref (world->edits);
  g_hash_table_unref (world->originals);
  g_hash_table_unref (world->edit_runs);
  g_hash_table_unref (world->original_runs);
  g_hash_table_unref (world->touched);
  g_hash_table_unref (world->waiting);
  g_hash_table_unref (world->known_links);
  g_string_free (world->failure, TRUE);
  g_free (world);
}

static void dump_world (World *world);

static void
fail (World      *world,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (World      *world,
      const char *format,
      ...)
{
  va_list args;

  if (world->failure->len > 0)
    return;

  va_start (args, format);
  g_string_append_vprintf (world->failure, format, args);
  va_end (args);

  if (g_getenv ("CONCORD_MODEL_TRACE") != NULL)
    {
      g_printerr ("FAILURE: %s\n", world->failure->str);
      dump_world (world);
    }
}

/* ------------------------------------------------------------------------- */
/* What the configuration says                                               */
/* ------------------------------------------------------------------------- */

static gboolean
is_set_field (const char *field)
{
  return g_str_equal (field, "lists") || g_str_equal (field, "tags") || g_str_equal (field, "emails");
}

/* Whether @record of @side is in the scope of the rule from @side, as the
 * model reads the rule (a rule switched off holds nothing back). */
static gboolean
model_in_scope (World               *world,
                guint                side,
                const ConcordRecord *record)
{
  if (world->model != NULL)
    {
      const ModelRule *rule = &world->model->rules[side];

      return !rule->enabled || rule->filter == NULL || model_filter_matches (rule->filter, record);
    }

  return world->config.filter[side] == NULL ||
         world->config.filter[side] (record, world->config.filter_data[side]);
}

/* Whether a rule of @side holds records back at all. */
static gboolean
has_scope (World *world,
           guint  side)
{
  if (world->model != NULL)
    return world->model->rules[side].enabled && world->model->rules[side].filter != NULL;

  return world->config.filter[side] != NULL;
}

/* Whether Concord may create contacts on @side. */
static gboolean
model_may_create (World *world,
                  guint  side)
{
  if (world->model != NULL)
    return world->model->rules[1 - side].enabled && world->model->rules[1 - side].create;

  return !(world->variant == VARIANT_NO_CREATE_ON_B && side == CONCORD_SIDE_B);
}

/* Whether @field (a key of both sides) flows from side @from: the
 * connection's direction and the field's pair. Unmapped keys never flow. */
static gboolean
field_flows (World      *world,
             const char *field,
             guint       from)
{
  if (!concord_direction_flows (world->config.direction, from))
    return FALSE;
  if (g_str_equal (field, "email") || g_str_equal (field, "emails"))
    return TRUE;

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    if (g_str_equal (field, fields[f]))
      {
        ConcordPairFlow flow = world->model != NULL ? world->model->flows[f] : CONCORD_PAIR_FLOW_BOTH;

        return flow == CONCORD_PAIR_FLOW_BOTH ||
               (flow == CONCORD_PAIR_FLOW_A_TO_B && from == CONCORD_SIDE_A) ||
               (flow == CONCORD_PAIR_FLOW_B_TO_A && from == CONCORD_SIDE_B);
      }

  return FALSE;
}

/* The rule whose actions apply to @side, when it is on. */
static const ModelRule *
rule_towards (World *world,
              guint  side)
{
  const ModelRule *rule;

  if (world->model == NULL)
    return NULL;

  rule = &world->model->rules[1 - side];
  return rule->enabled ? rule : NULL;
}

/* Whether an action may write @field on @side. */
static gboolean
action_writes (World      *world,
               guint       side,
               const char *field)
{
  const ModelRule *rule = rule_towards (world, side);

  for (guint i = 0; rule != NULL && i < rule->n_actions; i++)
    if (g_str_equal (rule->actions[i].field, field))
      return TRUE;

  return FALSE;
}

/* Whether an action sets @field (as a whole) on @side. */
static gboolean
action_sets (World      *world,
             guint       side,
             const char *field)
{
  const ModelRule *rule = rule_towards (world, side);

  for (guint i = 0; rule != NULL && i < rule->n_actions; i++)
    if (rule->actions[i].kind == CONCORD_ACTION_SET && g_str_equal (rule->actions[i].field, field))
      return TRUE;

  return FALSE;
}

/* Whether an action adds or removes @member of the set @field on either
 * side: where it does, the member is the actions' to decide. */
static gboolean
action_member (World      *world,
               const char *field,
               const char *member)
{
  for (guint s = 0; s < 2; s++)
    {
      const ModelRule *rule = rule_towards (world, s);

      for (guint i = 0; rule != NULL && i < rule->n_actions; i++)
        if (rule->actions[i].kind != CONCORD_ACTION_SET && g_str_equal (rule->actions[i].field, field) &&
            g_str_equal (rule->actions[i].value, member))
          return TRUE;
    }

  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Values as the model compares them                                         */
/* ------------------------------------------------------------------------- */

/* A field as text: a set's members joined by commas; "" when empty. */
static char *
value_text (const ConcordRecord *record,
            const char          *field)
{
  const ConcordValue *value = concord_record_get (record, field);

  if (value == NULL)
    return g_strdup ("");
  if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
    return g_strjoinv (",", value->v.set);

  return concord_value_to_string (value);
}

/* @text without the members actions add or remove. */
static char *
strip_actions (World      *world,
               const char *field,
               const char *text)
{
  g_auto(GStrv) items = NULL;
  g_autoptr(GPtrArray) kept = NULL;

  if (world->model == NULL || !is_set_field (field) || *text == '\0')
    return g_strdup (text);

  items = g_strsplit (text, ",", -1);
  kept = g_ptr_array_new ();
  for (guint i = 0; items[i] != NULL; i++)
    if (!action_member (world, field, items[i]))
      g_ptr_array_add (kept, items[i]);
  g_ptr_array_add (kept, NULL);

  return g_strjoinv (",", (char **) kept->pdata);
}

/* Whether two texts of @field are the same, the actions' members aside. */
static gboolean
same_value (World      *world,
            const char *field,
            const char *x,
            const char *y)
{
  g_autofree char *sx = strip_actions (world, field, x);
  g_autofree char *sy = strip_actions (world, field, y);

  /* Emails are the same by key, whatever their case. */
  if (g_str_equal (field, "email"))
    {
      g_autofree char *kx = concord_normalize_email (sx);
      g_autofree char *ky = concord_normalize_email (sy);

      if (kx != NULL && g_strcmp0 (kx, ky) == 0)
        return TRUE;
    }

  return g_str_equal (sx, sy);
}

/* A value of A as B holds it once Concord wrote it there: through the value
 * map, and upper-cased by B's server for companies. */
static char *
to_b (World      *world,
      const char *field,
      const char *text)
{
  if (*text == '\0')
    return g_strdup ("");

  if (g_str_equal (field, "company"))
    return g_utf8_strup (text, -1);

  if (world->model != NULL && world->model->value_map && g_str_equal (field, "first_name"))
    {
      for (guint v = 0; v < G_N_ELEMENTS (value_pairs); v++)
        if (g_ascii_strcasecmp (text, value_pairs[v][0]) == 0)
          return g_strdup (value_pairs[v][1]);
      return g_strdup (world->model->map_default ? MAP_DEFAULT_B : text);
    }

  return g_strdup (text);
}

/* A value of B as A holds it once Concord wrote it there: the first
 * pairing of the value map wins. */
static char *
to_a (World      *world,
      const char *field,
      const char *text)
{
  if (*text != '\0' && world->model != NULL && world->model->value_map && g_str_equal (field, "first_name"))
    for (guint v = 0; v < G_N_ELEMENTS (value_pairs); v++)
      if (g_ascii_strcasecmp (text, value_pairs[v][1]) == 0)
        return g_strdup (value_pairs[v][0]);

  return g_strdup (text);
}

/* Whether A's @va and B's @vb agree as far as the sync can tell: equal,
 * or one is the other as Concord writes it (through the value map either
 * way, as the engine compares; B's server upper-casing companies), the
 * actions' members aside. */
static gboolean
field_agrees (World      *world,
              const char *field,
              const char *va,
              const char *vb)
{
  g_autofree char *sa = strip_actions (world, field, va);
  g_autofree char *sb = strip_actions (world, field, vb);
  g_autofree char *a_on_b = to_b (world, field, sa);
  g_autofree char *b_on_a = to_a (world, field, sb);

  /* Emails keep the case they were written in, and agree by key. */
  if (g_str_equal (field, "email"))
    {
      g_autofree char *ka = concord_normalize_email (sa);
      g_autofree char *kb = concord_normalize_email (sb);

      if (ka != NULL && g_strcmp0 (ka, kb) == 0)
        return TRUE;
    }

  return g_str_equal (sa, sb) || g_str_equal (a_on_b, sb) || g_str_equal (b_on_a, sa);
}

/* field_agrees() with the value of @side first. */
static gboolean
agrees_from (World      *world,
             const char *field,
             guint       side,
             const char *mine,
             const char *theirs)
{
  return side == CONCORD_SIDE_A ? field_agrees (world, field, mine, theirs)
                                : field_agrees (world, field, theirs, mine);
}

/* Whether @value of @side is @edit: as typed, or as B's server rewrote it. */
static gboolean
edit_holds (World      *world,
            const char *field,
            guint       side,
            const char *value,
            const char *edit)
{
  g_autofree char *upper = NULL;

  if (same_value (world, field, value, edit))
    return TRUE;
  if (side != CONCORD_SIDE_B || !g_str_equal (field, "company"))
    return FALSE;

  upper = g_utf8_strup (edit, -1);
  return same_value (world, field, value, upper);
}

/* ------------------------------------------------------------------------- */
/* People                                                                    */
/* ------------------------------------------------------------------------- */

/* Both apps' clocks follow the model's, so "newest" means newest. */
static void
tick (World *world)
{
  world->clock += 10;
  for (guint s = 0; s < 2; s++)
    concord_memory_connector_set_now (world->sides[s], world->clock);
}

static int
compare_record_ids (gconstpointer a,
                    gconstpointer b)
{
  const ConcordRecord *ra = *(ConcordRecord * const *) a;
  const ConcordRecord *rb = *(ConcordRecord * const *) b;

  return g_strcmp0 (concord_record_get_remote_id (ra), concord_record_get_remote_id (rb));
}

static ConcordRecord *
pick_record (World   *world,
             guint    side,
             guint32  r)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[side]);

  if (all->len == 0)
    return NULL;

  g_ptr_array_sort (all, compare_record_ids);
  return concord_record_ref (g_ptr_array_index (all, r % all->len));
}

static char *
email_for (guint32 n,
           guint32 variation)
{
  g_autofree char *base = g_strdup_printf ("person%u@example.com", n % N_EMAILS);

  switch (variation % 4)
    {
    case 1:
      return g_ascii_strup (base, -1);
    case 2:
      return g_strdup_printf ("  %s ", base);
    case 3:
      return g_strdup_printf ("Person%u@Example.com", n % N_EMAILS);
    default:
      return g_steal_pointer (&base);
    }
}

static void
set_field_value (ConcordRecord *record,
                 const char    *field,
                 guint32        r)
{
  if (g_str_equal (field, "lists") || g_str_equal (field, "tags"))
    {
      const char *items[5] = { NULL };
      guint n = 0;

      for (guint i = 0; i < G_N_ELEMENTS (members); i++)
        if (r & (1u << i))
          items[n++] = members[i];
      concord_record_set_set (record, field, items);
    }
  else if (r % 7 == 0)
    concord_record_remove (record, field);
  else if (g_str_equal (field, "company"))
    concord_record_set_text (record, field, CONCORD_FIELD_TYPE_STRING, companies[r % G_N_ELEMENTS (companies)]);
  else if (g_str_equal (field, "phone"))
    concord_record_set_text (record, field, CONCORD_FIELD_TYPE_PHONE, phones[r % G_N_ELEMENTS (phones)]);
  else
    concord_record_set_text (record, field, CONCORD_FIELD_TYPE_STRING, names[r % G_N_ELEMENTS (names)]);
}

/* An edit counts by its net effect since the last clean run: set back to
 * what it was, it is no edit at all (the engine compares with its base). */
static void
note_edit (World               *world,
           guint                side,
           const ConcordRecord *before,
           const ConcordRecord *after,
           const char          *field)
{
  g_autofree char *key = g_strdup_printf ("%u\t%s\t%s", side, concord_record_get_remote_id (after), field);
  g_autofree char *value = value_text (after, field);
  const char *original;

  g_hash_table_add (world->touched, g_strdup (key));
  g_hash_table_add (world->waiting, g_strdup (key));
  if (!g_hash_table_contains (world->originals, key))
    {
      g_hash_table_insert (world->originals, g_strdup (key), value_text (before, field));
      g_hash_table_insert (world->original_runs, g_strdup (key), GINT_TO_POINTER ((int) world->next_run));
    }
  original = g_hash_table_lookup (world->originals, key);

  g_hash_table_replace (world->edit_runs, g_strdup (key), GINT_TO_POINTER ((int) world->next_run));
  /* Set back to what it was with no run in between, it is no edit at all
   * (the engine compares with its base); after a run, it may be one. */
  if (g_str_equal (original, value) &&
      GPOINTER_TO_INT (g_hash_table_lookup (world->original_runs, key)) == world->next_run)
    g_hash_table_remove (world->edits, key);
  else
    g_hash_table_replace (world->edits, g_steal_pointer (&key), g_steal_pointer (&value));
}

static void
insert_person (World      *world,
               guint       side,
               const char *email,
               guint32     r)
{
  g_autoptr(ConcordRecord) record = concord_record_new (NULL);
  g_autofree char *norm = concord_normalize_email (email);

  concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, email);
  set_field_value (record, "first_name", r);
  set_field_value (record, "company", r >> 3);
  if (r & 0x100)
    set_field_value (record, "lists", r >> 9);
  if (r & 0x2000)
    set_field_value (record, "tags", r >> 14);
  /* Several emails, sometimes one shared with other contacts. */
  if (norm != NULL && (r >> 20) & 1)
    {
      g_autofree char *primary = g_strconcat ("work\t", email, NULL);
      g_autofree char *second = NULL;

      if ((r >> 21) & 1)
        second = g_strdup_printf ("%s\tshared%u@example.com", labels[(r >> 22) % G_N_ELEMENTS (labels)],
                                  (r >> 24) % N_SHARED);
      concord_record_set_set (record, "emails", (const char *[]) { primary, second, NULL });
    }
  /* Who made it: never mapped, so it never travels. */
  concord_record_set_text (record, "custom:origin", CONCORD_FIELD_TYPE_STRING, "person");
  concord_memory_connector_insert (world->sides[side], record);

  if (norm != NULL)
    g_hash_table_replace (world->inserted[side], g_strdup (norm),
                          GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (world->inserted[side], norm)) + 1));
}

static void
edit_field (World   *world,
            guint    side,
            guint32  pick,
            guint32  field_r,
            guint32  value_r)
{
  g_autoptr(ConcordRecord) current = pick_record (world, side, pick);
  g_autoptr(ConcordRecord) edited = NULL;
  const char *field = fields[field_r % G_N_ELEMENTS (fields)];

  if (current == NULL)
    return;

  edited = concord_record_copy (current);
  set_field_value (edited, field, value_r);
  if (concord_record_equal_fields (edited, current))
    return;

  concord_memory_connector_replace (world->sides[side], edited);
  note_edit (world, side, current,
             concord_memory_connector_lookup (world->sides[side], concord_record_get_remote_id (edited)),
             field);
}

/* The last of @items that is the contact's own (not a shared address):
 * what a person makes the primary. Two contacts never get one primary
 * this way (the duplicate check counts primaries). */
static char *
own_address (GPtrArray *items)
{
  for (guint i = items->len; i-- > 0;)
    {
      g_autofree char *value = NULL;

      if (concord_labelled_parse (g_ptr_array_index (items, i), NULL, &value) &&
          !g_str_has_prefix (value, "shared"))
        return g_steal_pointer (&value);
    }

  return NULL;
}

/* A person changes a contact's emails as an app that keeps several does:
 * adds one (perhaps an address other contacts have too), removes one,
 * relabels one, or makes another the primary. The primary stays one of
 * the emails: removed, the app makes the next one primary. */
static void
edit_emails (World   *world,
             guint    side,
             guint32  pick,
             guint32  what,
             guint32  r)
{
  g_autoptr(ConcordRecord) current = pick_record (world, side, pick);
  g_autoptr(ConcordRecord) edited = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *primary_key = NULL;
  g_autofree char *new_primary = NULL;
  const ConcordValue *emails;
  const char *email;
  ConcordRecord *now;
  guint index;

  if (current == NULL || (email = concord_record_get_email (current)) == NULL ||
      (primary_key = concord_normalize_email (email)) == NULL)
    return;

  emails = concord_record_get (current, "emails");
  if (emails != NULL)
    for (guint i = 0; emails->v.set[i] != NULL; i++)
      g_ptr_array_add (items, g_strdup (emails->v.set[i]));
  else
    g_ptr_array_add (items, g_strconcat ("work\t", email, NULL));
  index = r % items->len;

  switch (what % 4)
    {
    case 0:
      /* A shared address, or one of this person's own. */
      if ((r >> 12) & 1)
        g_ptr_array_add (items, g_strdup_printf ("%s\tshared%u@example.com",
                                                 labels[(r >> 8) % G_N_ELEMENTS (labels)], (r >> 16) % N_SHARED));
      else
        g_ptr_array_add (items, g_strdup_printf ("%s\talt%08x%08x@example.com",
                                                 labels[(r >> 8) % G_N_ELEMENTS (labels)], pick, r));
      break;
    case 1:
      {
        g_autofree char *value = NULL;
        g_autofree char *key = NULL;

        concord_labelled_parse (g_ptr_array_index (items, index), NULL, &value);
        key = concord_normalize_email (value);
        if (g_strcmp0 (key, primary_key) == 0)
          {
            g_ptr_array_remove_index (items, index);
            new_primary = own_address (items);
            if (new_primary == NULL)
              return;
          }
        else
          g_ptr_array_remove_index (items, index);
      }
      break;
    case 2:
      {
        g_autofree char *value = NULL;

        concord_labelled_parse (g_ptr_array_index (items, index), NULL, &value);
        g_free (g_ptr_array_index (items, index));
        g_ptr_array_index (items, index) = concord_labelled_format (labels[(r >> 8) % G_N_ELEMENTS (labels)], value);
      }
      break;
    case 3:
    default:
      new_primary = own_address (items);
      if (new_primary == NULL)
        return;
      break;
    }
  g_ptr_array_add (items, NULL);

  edited = concord_record_copy (current);
  concord_record_set_set (edited, "emails", (const char * const *) items->pdata);
  if (new_primary != NULL)
    concord_record_set_text (edited, "email", CONCORD_FIELD_TYPE_EMAIL, new_primary);
  if (concord_record_equal_fields (edited, current))
    return;

  concord_memory_connector_replace (world->sides[side], edited);
  now = concord_memory_connector_lookup (world->sides[side], concord_record_get_remote_id (edited));
  if (!concord_value_equal (concord_record_get (current, "emails"), concord_record_get (now, "emails")))
    note_edit (world, side, current, now, "emails");
  if (!concord_value_equal (concord_record_get (current, "email"), concord_record_get (now, "email")))
    note_edit (world, side, current, now, "email");
}

/* ------------------------------------------------------------------------- */
/* Invariants                                                                */
/* ------------------------------------------------------------------------- */

static GHashTable *
count_emails (World *world,
              guint  side)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[side]);
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < all->len; i++)
    {
      g_autofree char *email = concord_normalize_email (concord_record_get_email (all->pdata[i]));

      if (email != NULL)
        g_hash_table_replace (counts, g_strdup (email),
                              GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, email)) + 1));
    }

  return counts;
}

static GPtrArray *linked_pairs (World *world);
static void index_partners (GPtrArray  *pairs,
                            GHashTable *partner[2]);

/* Whether @key of @record of @side is on its way out: its partner no
 * longer has it, and a run that died (or failed to write) has not taken it
 * off @record yet. A run matches against what it leaves, so it may create
 * a contact with that email before the update that takes it off lands. */
static gboolean
leaving (World               *world,
         guint                side,
         const ConcordRecord *record,
         const char          *key,
         GHashTable          *partner[2])
{
  const char *other_id = g_hash_table_lookup (partner[side], concord_record_get_remote_id (record));
  ConcordRecord *other;
  g_autofree char *joined = NULL;
  g_auto(GStrv) each = NULL;

  if (!world->write_faults || other_id == NULL ||
      (other = concord_memory_connector_lookup (world->sides[1 - side], other_id)) == NULL)
    return FALSE;

  joined = concord_record_email_keys (other);
  each = joined != NULL ? g_strsplit (joined, "\n", -1) : NULL;
  return each == NULL || !g_strv_contains ((const char * const *) each, key);
}

/* The engine never creates a contact on a side that has one with the same
 * email (any of its emails: the contacts that were there, as the run
 * leaves them, since a run may take an email off one contact and make a
 * contact that has it), and never creates one email twice on a side. */
static void
check_no_duplicates (World      *world,
                     GHashTable *ids_before[2],
                     GHashTable *emails_before[2])
{
  g_autoptr(GPtrArray) pairs = linked_pairs (world);
  GHashTable *partner[2] = { NULL, NULL };

  index_partners (pairs, partner);
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[s]);
      g_autoptr(GHashTable) made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr(GHashTable) held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      /* Who holds each email among the contacts that were there. */
      for (guint i = 0; i < all->len; i++)
        {
          const char *id = concord_record_get_remote_id (all->pdata[i]);
          g_autofree char *joined = NULL;
          g_auto(GStrv) each = NULL;

          if (!g_hash_table_contains (ids_before[s], id))
            continue;
          joined = concord_record_email_keys (all->pdata[i]);
          each = joined != NULL ? g_strsplit (joined, "\n", -1) : NULL;
          for (guint k = 0; each != NULL && each[k] != NULL; k++)
            if (!leaving (world, s, all->pdata[i], each[k], partner))
              g_hash_table_replace (held, g_strdup (each[k]), (gpointer) id);
        }

      for (guint i = 0; i < all->len; i++)
        {
          ConcordRecord *record = all->pdata[i];
          g_autofree char *email = concord_normalize_email (concord_record_get_email (record));
          gboolean by_engine = concord_record_get (record, "custom:origin") == NULL;
          guint n;

          if (email == NULL || !by_engine || leaving (world, s, record, email, partner))
            continue;

          n = GPOINTER_TO_UINT (g_hash_table_lookup (made, email)) + 1;
          g_hash_table_replace (made, g_strdup (email), GUINT_TO_POINTER (n));
          if (n > 1)
            fail (world, "duplicate: Concord created %s twice on side %s", email, CONCORD_SIDE_NAME (s));

          if (!g_hash_table_contains (ids_before[s], concord_record_get_remote_id (record)))
            {
              g_autofree char *joined = concord_record_email_keys (record);
              g_auto(GStrv) each = joined != NULL ? g_strsplit (joined, "\n", -1) : NULL;

              for (guint k = 0; each != NULL && each[k] != NULL; k++)
                if (g_hash_table_contains (held, each[k]))
                  fail (world, "duplicate: Concord created %s on side %s, which already had %s",
                        email, CONCORD_SIDE_NAME (s), each[k]);
            }
        }
    }

  g_hash_table_unref (partner[0]);
  g_hash_table_unref (partner[1]);
}


/* The links, as pairs of records, from the store's index. */
static GPtrArray *
linked_pairs (World *world)
{
  GPtrArray *pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GHashTable) index_a = concord_store_load_index (world->store, world->connection_id, CONCORD_SIDE_A, NULL);
  g_autoptr(GHashTable) index_b = concord_store_load_index (world->store, world->connection_id, CONCORD_SIDE_B, NULL);
  g_autoptr(GHashTable) b_by_link = g_hash_table_new (g_int64_hash, g_int64_equal);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, index_b);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConcordIndexEntry *entry = value;

      if (entry->link_id != 0)
        g_hash_table_insert (b_by_link, &entry->link_id, entry->remote_id);
    }

  g_hash_table_iter_init (&iter, index_a);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConcordIndexEntry *entry = value;
      const char *b_id = entry->link_id != 0 ? g_hash_table_lookup (b_by_link, &entry->link_id) : NULL;
      char **pair;

      if (b_id == NULL)
        continue;

      pair = g_new0 (char *, 4);
      pair[0] = g_strdup (entry->remote_id);
      pair[1] = g_strdup (b_id);
      pair[2] = g_strdup_printf ("%" G_GINT64_FORMAT, entry->link_id);
      g_ptr_array_add (pairs, pair);
    }

  return pairs;
}


static gboolean
has_conflict_since (World      *world,
                    gint64      link_id,
                    const char *field,
                    gint64      since)
{
  g_autoptr(GPtrArray) conflicts = concord_store_list_conflicts (world->store, world->connection_id, 0, NULL);

  for (guint i = 0; conflicts != NULL && i < conflicts->len; i++)
    {
      ConcordConflictRow *row = g_ptr_array_index (conflicts, i);

      if (row->link_id == link_id && g_strcmp0 (row->field, field) == 0 && row->run_id >= since)
        return TRUE;
    }

  return FALSE;
}

static gboolean
has_conflict (World      *world,
              gint64      link_id,
              const char *field)
{
  g_autoptr(GPtrArray) conflicts = concord_store_list_conflicts (world->store, world->connection_id, 0, NULL);

  for (guint i = 0; conflicts != NULL && i < conflicts->len; i++)
    {
      ConcordConflictRow *row = g_ptr_array_index (conflicts, i);

      if (row->link_id == link_id && g_strcmp0 (row->field, field) == 0 &&
          row->run_id >= world->edits_since)
        return TRUE;
    }

  return FALSE;
}

static void
check_creation_control (World *world)
{
  for (guint s = 0; s < 2; s++)
    if (!model_may_create (world, s) && concord_memory_connector_get_n_created (world->sides[s]) > 0)
      fail (world, "creation control: %u contacts were created on %s although creating there is off",
            concord_memory_connector_get_n_created (world->sides[s]), CONCORD_SIDE_NAME (s));

  if (world->variant == VARIANT_ONE_WAY &&
      (concord_memory_connector_get_n_created (world->sides[CONCORD_SIDE_A]) > 0 ||
       concord_memory_connector_get_n_updated (world->sides[CONCORD_SIDE_A]) > 0))
    fail (world, "direction: side A was written in a one-way A→B connection");
}

/* Partners of each side's records, by remote id, from @pairs. */
static void
index_partners (GPtrArray  *pairs,
                GHashTable *partner[2])
{
  partner[0] = g_hash_table_new (g_str_hash, g_str_equal);
  partner[1] = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < pairs->len; i++)
    {
      char **pair = g_ptr_array_index (pairs, i);

      g_hash_table_insert (partner[0], pair[0], pair[1]);
      g_hash_table_insert (partner[1], pair[1], pair[0]);
    }
}

/* A field that flows one way only, from @from (whose record is in scope):
 * the source is the truth. Its value is on the target (an empty source
 * clears the target only when it was emptied, so an empty one is not
 * checked), and sets stay additive: every member of the source is on the
 * target. */
static void
check_one_way (World               *world,
               gint64               link_id,
               const char          *field,
               guint                from,
               const ConcordRecord *source,
               const ConcordRecord *target)
{
  guint to = 1 - from;

  if (is_set_field (field))
    {
      const ConcordValue *set_from = concord_record_get (source, field);
      const ConcordValue *set_to = concord_record_get (target, field);

      for (guint m = 0; set_from != NULL && set_from->v.set[m] != NULL; m++)
        if (!action_member (world, field, set_from->v.set[m]) &&
            (set_to == NULL || !g_strv_contains ((const char * const *) set_to->v.set, set_from->v.set[m])))
          fail (world, "one-way convergence: link %" G_GINT64_FORMAT " %s member %s of %s is not on %s",
                link_id, field, set_from->v.set[m], CONCORD_SIDE_NAME (from), CONCORD_SIDE_NAME (to));
    }
  else
    {
      g_autofree char *v_from = value_text (source, field);
      g_autofree char *v_to = value_text (target, field);

      if (*v_from != '\0' && !agrees_from (world, field, from, v_from, v_to))
        fail (world, "one-way convergence: link %" G_GINT64_FORMAT " (%s→%s) field %s: %s=\"%s\" %s=\"%s\"",
              link_id, CONCORD_SIDE_NAME (from), CONCORD_SIDE_NAME (to), field,
              CONCORD_SIDE_NAME (from), v_from, CONCORD_SIDE_NAME (to), v_to);
    }
}

/* After a clean run, every linked pair agrees on each field as far as the
 * configuration lets it: a field flowing both ways, when both records are
 * in the scopes of their rules (a rule's scope holds its way back); a
 * field flowing one way, when the source is in scope. A field an action
 * sets as a whole is the action's (check_actions()). */
static void
check_converged (World *world)
{
  g_autoptr(GPtrArray) pairs = linked_pairs (world);

  for (guint i = 0; i < pairs->len && world->failure->len == 0; i++)
    {
      char **pair = g_ptr_array_index (pairs, i);
      ConcordRecord *records[2] = {
        concord_memory_connector_lookup (world->sides[0], pair[0]),
        concord_memory_connector_lookup (world->sides[1], pair[1]),
      };
      gint64 link_id = g_ascii_strtoll (pair[2], NULL, 10);
      gboolean scope[2];

      if (records[0] == NULL || records[1] == NULL)
        continue;  /* deleted by a person: unlinked on the next run */

      for (guint s = 0; s < 2; s++)
        scope[s] = model_in_scope (world, s, records[s]);

      for (guint f = 0; f < G_N_ELEMENTS (fields) + 2; f++)
        {
          const char *field = f < G_N_ELEMENTS (fields) ? fields[f] : f == G_N_ELEMENTS (fields) ? "email" : "emails";
          gboolean way_ab = field_flows (world, field, CONCORD_SIDE_A);
          gboolean way_ba = field_flows (world, field, CONCORD_SIDE_B);

          if (action_sets (world, CONCORD_SIDE_A, field) || action_sets (world, CONCORD_SIDE_B, field))
            continue;

          if (way_ab && way_ba)
            {
              g_autofree char *va = value_text (records[0], field);
              g_autofree char *vb = value_text (records[1], field);

              if (scope[0] && scope[1] && !field_agrees (world, field, va, vb))
                fail (world, "convergence: link %" G_GINT64_FORMAT " (%s, %s) field %s: A=\"%s\" B=\"%s\"",
                      link_id, pair[0], pair[1], field, va, vb);
            }
          else if (way_ab != way_ba)
            {
              guint from = way_ab ? CONCORD_SIDE_A : CONCORD_SIDE_B;

              if (scope[from])
                check_one_way (world, link_id, field, from, records[from], records[1 - from]);
            }
        }
    }
}

/* Whether @set holds @item; of emails, the address with any label (one
 * way, the source's label wins over the target's). */
static gboolean
set_keeps (const char  *field,
           char       **set,
           const char  *item)
{
  g_autofree char *value = NULL;

  if (g_strv_contains ((const char * const *) set, item))
    return TRUE;
  if (!g_str_equal (field, "emails") || !concord_labelled_parse (item, NULL, &value))
    return FALSE;

  for (guint i = 0; set[i] != NULL; i++)
    {
      g_autofree char *other = NULL;

      if (concord_labelled_parse (set[i], NULL, &other) && g_str_equal (other, value))
        return TRUE;
    }

  return FALSE;
}

/* Every edit people made since the last clean run is on both sides now, or
 * lost a conflict that the store recorded; equal edits on both sides are no
 * conflict at all. Only edits that travel are checked: of a record in the
 * scope of its rule, in a field that flows from its side. */
static void
check_edits (World *world)
{
  g_autoptr(GPtrArray) pairs = linked_pairs (world);
  GHashTable *partner[2] = { NULL, NULL };
  g_autoptr(GHashTable) link_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;

  index_partners (pairs, partner);
  for (guint i = 0; i < pairs->len; i++)
    {
      char **pair = g_ptr_array_index (pairs, i);

      g_hash_table_insert (link_of, g_strdup_printf ("0\t%s", pair[0]), (gpointer) pair[2]);
      g_hash_table_insert (link_of, g_strdup_printf ("1\t%s", pair[1]), (gpointer) pair[2]);
    }

  g_hash_table_iter_init (&iter, world->edits);
  while (g_hash_table_iter_next (&iter, &key, &value) && world->failure->len == 0)
    {
      g_auto(GStrv) parts = g_strsplit (key, "\t", 3);
      guint side = parts[0][0] - '0';
      guint other = 1 - side;
      const char *id = parts[1];
      const char *field = parts[2];
      const char *edited = value;
      g_autofree char *link_key = g_strdup_printf ("%u\t%s", side, id);
      const char *link_text = g_hash_table_lookup (link_of, link_key);
      const char *other_id = g_hash_table_lookup (partner[side], id);
      ConcordRecord *mine = concord_memory_connector_lookup (world->sides[side], id);
      ConcordRecord *theirs;
      g_autofree char *mine_now = NULL;
      g_autofree char *theirs_now = NULL;
      g_autofree char *other_key = NULL;
      const char *other_edit;
      gint64 link_id;

      if (mine == NULL || other_id == NULL || link_text == NULL)
        continue;  /* deleted, or not paired (ambiguous, no email, not created) */

      theirs = concord_memory_connector_lookup (world->sides[other], other_id);
      if (theirs == NULL)
        continue;

      /* One way, sets stay additive: only the source's removals apply, so
       * while the source's set is not edited, what people put in the
       * target's stays (the actions' members aside). */
      other_key = g_strdup_printf ("%u\t%s\t%s", other, other_id, field);
      if (is_set_field (field) && !field_flows (world, field, side) &&
          !g_hash_table_contains (world->touched, other_key))
        {
          g_auto(GStrv) items = g_strsplit (edited, ",", -1);
          const ConcordValue *set_mine = concord_record_get (mine, field);

          for (guint m = 0; *edited != '\0' && items[m] != NULL; m++)
            if (!action_member (world, field, items[m]) &&
                (set_mine == NULL || !set_keeps (field, set_mine->v.set, items[m])))
              fail (world, "lost update: member %s of %s that people put on %s (%s), where the set does not "
                    "flow from, is gone", items[m], field, CONCORD_SIDE_NAME (side), id);
          continue;
        }

      if (!model_in_scope (world, side, mine) || !field_flows (world, field, side))
        continue;
      if (g_hash_table_contains (world->was_out[side], id) ||
          g_hash_table_contains (world->was_out[other], other_id))
        continue;

      link_id = g_ascii_strtoll (link_text, NULL, 10);
      other_edit = g_hash_table_lookup (world->edits, other_key);

      /* Sets merge: an exact value is only expected without a concurrent edit. */
      if (is_set_field (field) && g_hash_table_contains (world->touched, other_key))
        continue;

      /* One way, sets are additive: the source's members are on the target. */
      if (is_set_field (field) && !field_flows (world, field, other))
        {
          const ConcordValue *set_mine = concord_record_get (mine, field);
          const ConcordValue *set_theirs = concord_record_get (theirs, field);

          for (guint m = 0; set_mine != NULL && set_mine->v.set[m] != NULL; m++)
            if (!action_member (world, field, set_mine->v.set[m]) &&
                (set_theirs == NULL ||
                 !g_strv_contains ((const char * const *) set_theirs->v.set, set_mine->v.set[m])))
              fail (world, "lost update: one-way member %s of %s on %s is not on %s",
                    set_mine->v.set[m], field, CONCORD_SIDE_NAME (side), CONCORD_SIDE_NAME (other));
          continue;
        }

      mine_now = value_text (mine, field);
      theirs_now = value_text (theirs, field);

      if (other_edit != NULL && g_str_equal (other_edit, edited) &&
          !g_str_equal (field, "company") &&
          has_conflict_since (world, link_id, field,
                              MAX (GPOINTER_TO_INT (g_hash_table_lookup (world->edit_runs, key)),
                                   GPOINTER_TO_INT (g_hash_table_lookup (world->edit_runs, other_key)))))
        {
          fail (world, "false conflict: both sides set %s to \"%s\" on link %" G_GINT64_FORMAT
                ", yet a conflict was recorded", field, edited, link_id);
          break;
        }

      {
        /* B's server may rewrite a record whenever Concord writes to it;
         * an action that sets the field has the last word on its side. */
        gboolean mine_ok = edit_holds (world, field, side, mine_now, edited) ||
                           action_sets (world, side, field);
        gboolean theirs_ok = agrees_from (world, field, side, edited, theirs_now) ||
                             action_sets (world, other, field);

        if (mine_ok && theirs_ok)
          continue;  /* the edit is on both sides */
      }

      /* Both sides edited the field since the last clean run, one after a
       * run that already settled the other (a faulty run is not checked):
       * one of the two edits must hold, on both sides. */
      if (other_edit != NULL && !same_value (world, field, other_edit, edited) &&
          agrees_from (world, field, side, mine_now, theirs_now) &&
          (edit_holds (world, field, side, mine_now, edited) ||
           edit_holds (world, field, other, theirs_now, other_edit)))
        continue;

      /* Paired since the edit: a first match fills empty fields from the
       * other side, so a cleared field may be filled again. */
      if (!g_hash_table_contains (world->known_links, link_text))
        continue;

      if (side == 1 && g_str_equal (field, "company"))
        {
          /* B's own edits are rewritten by B itself. */
          g_autofree char *a_view = g_utf8_strup (theirs_now, -1);

          if (g_strcmp0 (mine_now, edited) == 0 && g_strcmp0 (a_view, edited) == 0)
            continue;
        }

      if (has_conflict (world, link_id, field))
        continue;  /* it lost a recorded conflict: archived, not silently dropped */

      fail (world, "lost update: side %s record %s field %s was set to \"%s\"; now \"%s\" there "
            "and \"%s\" on the other side, and no conflict was recorded",
            CONCORD_SIDE_NAME (side), id, field, edited, mine_now, theirs_now);
    }

  g_hash_table_unref (partner[0]);
  g_hash_table_unref (partner[1]);
}

/* Every record of @side, by remote id (the apps replace a record they
 * change, so these stay as they were). */
static GHashTable *
snapshot_records (World *world,
                  guint  side)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[side]);
  GHashTable *records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) concord_record_unref);

  for (guint i = 0; i < all->len; i++)
    g_hash_table_insert (records, g_strdup (concord_record_get_remote_id (all->pdata[i])),
                         concord_record_ref (all->pdata[i]));

  return records;
}

/* The remote ids of the records of @side in the scope of its rule. */
static GHashTable *
snapshot_scope (World *world,
                guint  side)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[side]);
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < all->len; i++)
    if (model_in_scope (world, side, all->pdata[i]))
      g_hash_table_add (ids, g_strdup (concord_record_get_remote_id (all->pdata[i])));

  return ids;
}

static void
check_nothing_deleted (World      *world,
                       GHashTable *before[2])
{
  for (guint s = 0; s < 2; s++)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, before[s]);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (concord_memory_connector_lookup (world->sides[s], key) == NULL)
          fail (world, "deletion: record %s of side %s disappeared during a run", (char *) key,
                CONCORD_SIDE_NAME (s));
    }
}

/* Emails of records of @side that are out of the scope of its rule and
 * have no partner on the other side: they must still have none. */
static GPtrArray *
out_of_scope_emails (World *world,
                     guint  side)
{
  GPtrArray *emails = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) on_other = NULL;
  g_autoptr(GHashTable) in_scope = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) pairs = NULL;
  GHashTable *partner[2] = { NULL, NULL };

  if (!has_scope (world, side))
    return emails;

  on_other = count_emails (world, 1 - side);
  all = concord_memory_connector_get_all (world->sides[side]);
  /* An email a contact in scope has too may well cross with that one
   * (two contacts share it until a run moves one of them away). */
  in_scope = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < all->len; i++)
    if (model_in_scope (world, side, all->pdata[i]))
      {
        char *email = concord_normalize_email (concord_record_get_email (all->pdata[i]));

        if (email != NULL)
          g_hash_table_add (in_scope, email);
      }
  /* A paired contact is no creation: its email may change and flow (a
   * person made another of its emails the primary) when the rule keeps
   * paired contacts updating. */
  pairs = linked_pairs (world);
  index_partners (pairs, partner);
  for (guint i = 0; i < all->len; i++)
    {
      g_autofree char *email = concord_normalize_email (concord_record_get_email (all->pdata[i]));

      if (email != NULL && !model_in_scope (world, side, all->pdata[i]) &&
          !g_hash_table_contains (on_other, email) && !g_hash_table_contains (in_scope, email) &&
          !g_hash_table_contains (partner[side], concord_record_get_remote_id (all->pdata[i])))
        g_ptr_array_add (emails, g_steal_pointer (&email));
    }
  g_hash_table_unref (partner[0]);
  g_hash_table_unref (partner[1]);

  return emails;
}

/* The model reads each rule's filter itself; the engine must read it
 * alike (it parsed the document). */
static void
check_scope_reading (World *world)
{
  for (guint s = 0; s < 2 && world->failure->len == 0; s++)
    {
      g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[s]);

      for (guint i = 0; i < all->len; i++)
        {
          gboolean model = model_in_scope (world, s, all->pdata[i]);

          if (model != concord_plan_in_scope (&world->config, s, all->pdata[i]))
            {
              g_autofree char *json = concord_record_to_json (all->pdata[i]);

              fail (world, "filter: the model says %s of side %s is %s the scope of the rule %s→%s, "
                    "the engine says the opposite: %s", concord_record_get_remote_id (all->pdata[i]),
                    CONCORD_SIDE_NAME (s), model ? "in" : "out of", CONCORD_SIDE_NAME (s),
                    CONCORD_SIDE_NAME (1 - s), json);
              return;
            }
        }
    }
}

/* The fields Concord changed on a record of @side (every field for one it
 * created, @before NULL) must flow to @side, or be an action's there. And a
 * single value is written only where the two sides disagreed, as the
 * engine compares them (through the value map either way), and as the
 * partner's value converted by the mapping: checked where the partner held
 * the same before the run (@partner_before) and after it (@partner; the
 * run may write it too). */
static void
check_written_fields (World               *world,
                      guint                side,
                      const ConcordRecord *before,
                      const ConcordRecord *after,
                      const ConcordRecord *partner_before,
                      const ConcordRecord *partner)
{
  for (guint pass = 0; pass < 2; pass++)
    {
      const ConcordRecord *record = pass == 0 ? after : before;

      for (guint f = 0; record != NULL && f < concord_record_get_n_fields (record); f++)
        {
          const char *key;
          const ConcordValue *old, *now;

          concord_record_get_field_at (record, f, &key);
          old = before != NULL ? concord_record_get (before, key) : NULL;
          now = concord_record_get (after, key);
          if (concord_value_equal (old, now) || field_flows (world, key, 1 - side) ||
              action_writes (world, side, key))
            continue;

          fail (world, "scope: Concord wrote %s of %s on side %s, which flows neither from %s "
                "nor is set by an action there", key, concord_record_get_remote_id (after),
                CONCORD_SIDE_NAME (side), CONCORD_SIDE_NAME (1 - side));
          return;
        }
    }

  for (guint f = 0; before != NULL && partner_before != NULL && partner != NULL && f < G_N_ELEMENTS (fields); f++)
    {
      const char *field = fields[f];
      g_autofree char *was = NULL;
      g_autofree char *now = NULL;
      g_autofree char *theirs = NULL;
      g_autofree char *theirs_now = NULL;
      g_autofree char *expected = NULL;
      gboolean agreed;

      if (is_set_field (field) || action_writes (world, side, field))
        continue;

      was = value_text (before, field);
      now = value_text (after, field);
      if (g_str_equal (was, now))
        continue;

      /* B's server upper-cases companies Concord sends; the engine sees
       * that as a difference (the pair passes values unchanged). */
      theirs = value_text (partner_before, field);
      theirs_now = value_text (partner, field);
      if (!g_str_equal (theirs, theirs_now))
        continue;
      agreed = g_str_equal (field, "company") ? g_str_equal (was, theirs)
                                              : agrees_from (world, field, side, was, theirs);
      if (agreed)
        {
          fail (world, "needless write: Concord changed %s of %s on side %s from \"%s\" to \"%s\", "
                "although it agreed with \"%s\" on side %s", field, concord_record_get_remote_id (after),
                CONCORD_SIDE_NAME (side), was, now, theirs, CONCORD_SIDE_NAME (1 - side));
          return;
        }

      expected = side == CONCORD_SIDE_B ? to_b (world, field, theirs) : to_a (world, field, theirs);
      if (!g_str_equal (now, expected))
        {
          fail (world, "write: Concord changed %s of %s on side %s to \"%s\"; from \"%s\" on side %s, "
                "the mapping makes \"%s\"", field, concord_record_get_remote_id (after),
                CONCORD_SIDE_NAME (side), now, theirs, CONCORD_SIDE_NAME (1 - side), expected);
          return;
        }
    }
}

/* Whether record @id of @side has @email (a matching key) now. */
static gboolean
still_has (World      *world,
           guint       side,
           const char *id,
           const char *email)
{
  ConcordRecord *now = concord_memory_connector_lookup (world->sides[side], id);
  g_autofree char *key = now != NULL ? concord_normalize_email (concord_record_get_email (now)) : NULL;

  return g_strcmp0 (key, email) == 0;
}

/* A record Concord created on @side during a run: from a record of the
 * other side in the scope of its rule, with only the fields that flow and
 * the actions' ones, holding the source's values as Concord writes them
 * (through the value map, and B's server), and every action of that rule. */
static void
check_created (World               *world,
               guint                side,
               const ConcordRecord *record,
               GHashTable          *sources,
               GHashTable          *in_scope)
{
  const ModelRule *rule = rule_towards (world, side);
  g_autofree char *email = concord_normalize_email (concord_record_get_email (record));
  gboolean found = FALSE;
  const ConcordRecord *scoped = NULL;
  GHashTableIter iter;
  gpointer id, source;

  g_hash_table_iter_init (&iter, sources);
  while (g_hash_table_iter_next (&iter, &id, &source))
    {
      g_autofree char *source_email = concord_normalize_email (concord_record_get_email (source));

      if (g_strcmp0 (email, source_email) == 0)
        {
          found = TRUE;
          /* Two contacts had the email: the run may have moved one of
           * them to another (its partner's new primary); the source is
           * the one that still has it. */
          if (g_hash_table_contains (in_scope, id) && (scoped == NULL || still_has (world, 1 - side, id, email)))
            scoped = source;
        }
    }

  if (email == NULL || !found)
    {
      fail (world, "creation: Concord created %s on side %s, which side %s does not hold",
            concord_record_get_remote_id (record), CONCORD_SIDE_NAME (side), CONCORD_SIDE_NAME (1 - side));
      return;
    }
  if (scoped == NULL)
    {
      fail (world, "scope: Concord created %s on side %s from a contact out of the scope of the rule %s→%s",
            email, CONCORD_SIDE_NAME (side), CONCORD_SIDE_NAME (1 - side), CONCORD_SIDE_NAME (side));
      return;
    }

  check_written_fields (world, side, NULL, record, NULL, NULL);

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      const char *field = fields[f];
      g_autofree char *held = NULL;
      g_autofree char *from = NULL;
      g_autofree char *expected = NULL;

      if (!field_flows (world, field, 1 - side) || action_sets (world, side, field))
        continue;

      held = value_text (record, field);
      from = value_text (scoped, field);
      expected = side == CONCORD_SIDE_B ? to_b (world, field, from) : to_a (world, field, from);
      if (!same_value (world, field, held, expected))
        {
          fail (world, "creation: %s was created on side %s with %s \"%s\", from \"%s\" (expected \"%s\")",
                email, CONCORD_SIDE_NAME (side), field, held, from, expected);
          return;
        }
    }

  for (guint i = 0; rule != NULL && i < rule->n_actions; i++)
    if (!model_action_holds (&rule->actions[i], record))
      {
        g_autofree char *what = model_action_describe (&rule->actions[i]);
        g_autofree char *json = concord_record_to_json (record);

        fail (world, "action: %s was created on side %s without the action %s of the rule %s→%s: %s",
              email, CONCORD_SIDE_NAME (side), what, CONCORD_SIDE_NAME (1 - side), CONCORD_SIDE_NAME (side),
              json);
        return;
      }
}

/* The partner of @id of @side: from the index, or, for a pair a run made
 * but died before its first commit (the index learns of a pair then), from
 * the store's links. */
static char *
find_partner (World      *world,
              guint       side,
              const char *id,
              GHashTable *partner[2])
{
  const char *known = g_hash_table_lookup (partner[side], id);
  g_autoptr(GArray) links = NULL;

  if (known != NULL)
    return g_strdup (known);

  links = concord_store_find_links (world->store, world->connection_id,
                                    side == CONCORD_SIDE_A ? id : "", side == CONCORD_SIDE_B ? id : "", NULL);
  for (guint i = 0; links != NULL && i < links->len; i++)
    {
      g_autofree char *a_id = NULL;
      g_autofree char *b_id = NULL;

      if (concord_store_get_link (world->store, g_array_index (links, gint64, i), &a_id, &b_id, NULL))
        return g_strdup (side == CONCORD_SIDE_A ? b_id : a_id);
    }

  return NULL;
}

/* After every run: a record Concord changed has a partner in the scope of
 * the rule towards it (before or after the run: a record's own scope may
 * move during a run), and only the fields that flow its way or actions'
 * changed; records it created are checked by check_created(). */
static void
check_writes (World      *world,
              GHashTable *before[2],
              GHashTable *in_scope[2])
{
  g_autoptr(GPtrArray) pairs = linked_pairs (world);
  GHashTable *partner[2];

  index_partners (pairs, partner);

  for (guint s = 0; s < 2 && world->failure->len == 0; s++)
    {
      guint from = 1 - s;
      g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[s]);

      for (guint i = 0; i < all->len && world->failure->len == 0; i++)
        {
          ConcordRecord *record = all->pdata[i];
          const char *id = concord_record_get_remote_id (record);
          ConcordRecord *was = g_hash_table_lookup (before[s], id);
          g_autofree char *partner_id = NULL;
          ConcordRecord *source;

          if (was == NULL)
            {
              check_created (world, s, record, before[from], in_scope[from]);
              continue;
            }
          if (concord_record_equal_fields (record, was))
            continue;

          partner_id = find_partner (world, s, id, partner);
          if (partner_id == NULL)
            {
              fail (world, "scope: Concord wrote %s on side %s, which has no partner", id, CONCORD_SIDE_NAME (s));
              break;
            }

          source = concord_memory_connector_lookup (world->sides[from], partner_id);
          if (!g_hash_table_contains (in_scope[from], partner_id) &&
              (source == NULL || !model_in_scope (world, from, source)))
            {
              fail (world, "scope: Concord wrote %s on side %s, whose partner %s is out of the scope "
                    "of the rule %s→%s", id, CONCORD_SIDE_NAME (s), partner_id,
                    CONCORD_SIDE_NAME (from), CONCORD_SIDE_NAME (s));
              break;
            }

          check_written_fields (world, s, was, record, g_hash_table_lookup (before[from], partner_id), source);
        }
    }

  g_hash_table_unref (partner[0]);
  g_hash_table_unref (partner[1]);
}

/* An on-update action waits while a person's change to its field on the
 * target travels back to the source (the engine never lets an action
 * overwrite a change that has not reached the other side yet), until the
 * pair's next update without a new edit of that field. */
static gboolean
action_waits (World               *world,
              guint                target_side,
              const char          *target_id,
              const ConcordRecord *target,
              const ConcordRecord *target_was,
              const ModelAction   *action)
{
  g_autofree char *key = g_strdup_printf ("%u\t%s\t%s", target_side, target_id, action->field);

  if (!g_hash_table_contains (world->waiting, key))
    return FALSE;

  /* The pair was updated by Concord with no new edit of the field: the
   * action had its turn, it must hold from now on. */
  if (!g_hash_table_contains (world->touched, key) && !concord_record_equal_fields (target, target_was))
    {
      g_hash_table_remove (world->waiting, key);
      return FALSE;
    }

  return field_flows (world, action->field, target_side) && model_in_scope (world, target_side, target);
}

/* After a clean run: on the target of every pair updated since the last
 * clean run whose source is in the scope of its rule (before and after
 * the run), the rule's on-update actions hold. A pair counts as updated
 * when Concord changed its target in this run, when people edited either
 * record since the last clean run, or when it was paired since, unless its
 * source is a contact Concord created from the target (creating applies
 * the actions of the way it creates only; see check_created()). */
static void
check_actions (World      *world,
               GHashTable *before[2],
               GHashTable *in_scope[2])
{
  g_autoptr(GPtrArray) pairs = linked_pairs (world);
  g_autoptr(GHashTable) edited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  if (world->model == NULL)
    return;

  g_hash_table_iter_init (&iter, world->edits);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_auto(GStrv) parts = g_strsplit (key, "\t", 3);

      g_hash_table_add (edited, g_strdup_printf ("%s\t%s", parts[0], parts[1]));
    }

  for (guint i = 0; i < pairs->len && world->failure->len == 0; i++)
    {
      char **pair = g_ptr_array_index (pairs, i);
      gboolean new_link = !g_hash_table_contains (world->known_links, pair[2]);

      for (guint from = 0; from < 2; from++)
        {
          guint to = 1 - from;
          const ModelRule *rule = rule_towards (world, to);
          ConcordRecord *source = concord_memory_connector_lookup (world->sides[from], pair[from]);
          ConcordRecord *target = concord_memory_connector_lookup (world->sides[to], pair[to]);
          ConcordRecord *target_was = g_hash_table_lookup (before[to], pair[to]);
          g_autofree char *source_key = g_strdup_printf ("%u\t%s", from, pair[from]);
          g_autofree char *target_key = g_strdup_printf ("%u\t%s", to, pair[to]);
          gboolean updated;

          if (rule == NULL || !concord_direction_flows (world->config.direction, from) ||
              source == NULL || target == NULL || target_was == NULL ||
              !g_hash_table_contains (before[from], pair[from]) ||
              !g_hash_table_contains (in_scope[from], pair[from]) ||
              !model_in_scope (world, from, source))
            continue;

          updated = !concord_record_equal_fields (target, target_was) ||
                    g_hash_table_contains (edited, source_key) ||
                    g_hash_table_contains (edited, target_key) ||
                    (new_link && concord_record_get (source, "custom:origin") != NULL);
          if (!updated)
            continue;

          for (guint a = 0; a < rule->n_actions; a++)
            if (rule->actions[a].on_update &&
                !action_waits (world, to, pair[to], target, target_was, &rule->actions[a]) &&
                !model_action_holds (&rule->actions[a], target))
              {
                g_autofree char *what = model_action_describe (&rule->actions[a]);
                g_autofree char *json = concord_record_to_json (target);

                fail (world, "action: link %s (%s, %s) was updated, yet %s on side %s lacks the "
                      "on-update action %s of the rule %s→%s: %s", pair[2], pair[0], pair[1], pair[to],
                      CONCORD_SIDE_NAME (to), what, CONCORD_SIDE_NAME (from), CONCORD_SIDE_NAME (to), json);
                break;
              }
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Operations                                                                */
/* ------------------------------------------------------------------------- */

static gboolean
run_once (World             *world,
          guint              crash_after,
          ConcordRunSummary *summary,
          GError           **error)
{
  ConcordRunOptions options = { .crash_after_writes = crash_after };

  return concord_sync_run (world->store, world->connection_id, &world->config,
                           CONCORD_CONNECTOR (world->sides[0]), "contacts",
                           CONCORD_CONNECTOR (world->sides[1]), "contacts",
                           &options, NULL, summary, error);
}

/* An edit is an update only if it differs from the engine's base (the
 * model's definition, after Unison's): a field set back to its base value
 * while runs could not settle it is no update, so it is dropped here,
 * just before a run. */
static void
forget_edits_equal_to_base (World *world)
{
  GHashTable *index[2];
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer edit_key;

  g_hash_table_iter_init (&iter, world->edits);
  while (g_hash_table_iter_next (&iter, &edit_key, NULL))
    g_ptr_array_add (keys, g_strdup (edit_key));

  for (guint s = 0; s < 2; s++)
    index[s] = concord_store_load_index (world->store, world->connection_id, s, NULL);

  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      g_auto(GStrv) parts = g_strsplit (key, "\t", 3);
      guint side = parts[0][0] - '0';
      ConcordIndexEntry *entry = g_hash_table_lookup (index[side], parts[1]);
      g_autoptr(GVariant) va = NULL;
      g_autoptr(GVariant) vb = NULL;
      g_autoptr(ConcordRecord) base = NULL;
      g_autofree char *base_text = NULL;
      GVariant *mine;
      gsize length;
      const guint8 *data;

      /* Edits of a record out of its rule's scope do not travel; what it
       * holds when it enters the scope is checked by convergence. */
      {
        ConcordRecord *record = concord_memory_connector_lookup (world->sides[side], parts[1]);

        if (record != NULL && !model_in_scope (world, side, record))
          {
            g_hash_table_remove (world->edits, key);
            continue;
          }
      }

      if (entry == NULL || entry->link_id == 0 ||
          !concord_store_get_baseline (world->store, entry->link_id, &va, &vb, NULL))
        continue;

      mine = side == 0 ? va : vb;
      if (!g_variant_is_of_type (mine, G_VARIANT_TYPE_BYTESTRING))
        continue;
      data = g_variant_get_fixed_array (mine, &length, 1);
      base = concord_record_new_from_serialized (data, length);
      if (base == NULL)
        continue;

      base_text = value_text (base, parts[2]);
      if (g_str_equal (base_text, g_hash_table_lookup (world->edits, key)))
        g_hash_table_remove (world->edits, key);
    }

  g_hash_table_unref (index[0]);
  g_hash_table_unref (index[1]);
}

static void
do_run (World   *world,
        guint    crash_after,
        gboolean listing_fault)
{
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  GHashTable *before[2] = { snapshot_records (world, 0), snapshot_records (world, 1) };
  GHashTable *in_scope[2] = { snapshot_scope (world, 0), snapshot_scope (world, 1) };
  GHashTable *emails_before[2] = { count_emails (world, 0), count_emails (world, 1) };
  GPtrArray *scoped_out[2] = { out_of_scope_emails (world, 0), out_of_scope_emails (world, 1) };
  gboolean ok;

  check_scope_reading (world);

  for (guint s = 0; s < 2; s++)
    concord_memory_connector_reset_counters (world->sides[s]);

  forget_edits_equal_to_base (world);

  /* A record entering its rule's scope offers what it holds, as a first
   * match would: exact edits are not expected on its pair. was_out keeps
   * the records last seen out of scope, until a run succeeds with them
   * in scope. */
  for (guint s = 0; s < 2; s++)
    if (has_scope (world, s))
      {
        g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[s]);

        for (guint i = 0; i < all->len; i++)
          if (!model_in_scope (world, s, all->pdata[i]))
            g_hash_table_add (world->was_out[s], g_strdup (concord_record_get_remote_id (all->pdata[i])));
      }

  ok = run_once (world, crash_after, &summary, &error);
  world->next_run = MAX (world->next_run, summary.run_id + 1);

  /* The circuit breaker may rightly stop a run after mass deletions: it
   * must have written nothing; then the user confirms and it goes on. */
  if (!ok && summary.tripped)
    {
      for (guint s = 0; s < 2; s++)
        if (concord_memory_connector_get_n_write_calls (world->sides[s]) > 0)
          fail (world, "circuit breaker: a stopped run wrote to side %s", CONCORD_SIDE_NAME (s));
      g_clear_error (&error);
      concord_run_summary_clear (&summary);
      world->config.force = TRUE;
      ok = run_once (world, crash_after, &summary, &error);
      world->config.force = FALSE;
      world->next_run = MAX (world->next_run, summary.run_id + 1);
    }

  if (g_getenv ("CONCORD_MODEL_TRACE") != NULL)
    {
      g_autoptr(GPtrArray) rows = concord_store_list_journal (world->store, world->connection_id,
                                                              summary.run_id, 0, NULL);

      g_printerr ("run %" G_GINT64_FORMAT " ok=%d %s\n", summary.run_id, ok, error ? error->message : "");
      for (guint i = 0; rows != NULL && i < rows->len; i++)
        {
          ConcordJournalRow *row = g_ptr_array_index (rows, rows->len - 1 - i);

          g_printerr ("  %s %s %s %s: %s -> %s (%s %s)\n", row->direction, row->op,
                      row->remote_id ? row->remote_id : "-", row->field ? row->field : "",
                      row->before ? row->before : "", row->after ? row->after : "",
                      row->outcome, row->error ? row->error : "");
        }
    }

  if (listing_fault)
    {
      if (ok)
        fail (world, "deletion safety: a run whose listing failed succeeded");
      for (guint s = 0; s < 2; s++)
        if (concord_memory_connector_get_n_write_calls (world->sides[s]) > 0)
          fail (world, "deletion safety: a run whose listing failed wrote to side %s",
                CONCORD_SIDE_NAME (s));
    }
  else if (!ok && crash_after == 0)
    fail (world, "run failed: %s", error->message);

  if (ok && summary.tripped)
    fail (world, "the circuit breaker tripped in a small random history");

  check_no_duplicates (world, before, emails_before);
  check_nothing_deleted (world, before);
  check_creation_control (world);
  check_writes (world, before, in_scope);

  for (guint s = 0; s < 2; s++)
    if (scoped_out[s]->len > 0)
      {
        g_autoptr(GHashTable) on_other = count_emails (world, 1 - s);

        for (guint i = 0; i < scoped_out[s]->len; i++)
          if (g_hash_table_contains (on_other, scoped_out[s]->pdata[i]))
            fail (world, "scope: %s is out of the rule's scope on %s, yet was created on %s",
                  (char *) scoped_out[s]->pdata[i], CONCORD_SIDE_NAME (s), CONCORD_SIDE_NAME (1 - s));
      }

  if (ok && crash_after == 0 && !listing_fault && !world->faulty && world->failure->len == 0)
    {
      ConcordRunSummary again;
      g_autoptr(GError) again_error = NULL;

      check_converged (world);
      check_edits (world);
      check_actions (world, before, in_scope);

      /* Idempotence: one more run writes nothing, even through B's rewriting. */
      for (guint s = 0; s < 2; s++)
        concord_memory_connector_reset_counters (world->sides[s]);
      if (!run_once (world, 0, &again, &again_error))
        fail (world, "second run failed: %s", again_error->message);
      else
        for (guint s = 0; s < 2; s++)
          if (concord_memory_connector_get_n_write_calls (world->sides[s]) > 0)
            fail (world, "idempotence: a second run made %u write calls to side %s",
                  concord_memory_connector_get_n_write_calls (world->sides[s]), CONCORD_SIDE_NAME (s));
      concord_run_summary_clear (&again);

      world->next_run = MAX (world->next_run, summary.run_id + 2);
      /* Settled in scope now, those that are. */
      {
        g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
        GHashTableIter iter;
        gpointer id;

        for (guint s = 0; s < 2; s++)
          {
            g_ptr_array_set_size (ids, 0);
            g_hash_table_iter_init (&iter, world->was_out[s]);
            while (g_hash_table_iter_next (&iter, &id, NULL))
              {
                ConcordRecord *record = concord_memory_connector_lookup (world->sides[s], id);

                if (record == NULL || model_in_scope (world, s, record))
                  g_ptr_array_add (ids, g_strdup (id));
              }
            for (guint i = 0; i < ids->len; i++)
              g_hash_table_remove (world->was_out[s], ids->pdata[i]);
          }
      }

      g_hash_table_remove_all (world->edits);
      g_hash_table_remove_all (world->originals);
      g_hash_table_remove_all (world->edit_runs);
      g_hash_table_remove_all (world->original_runs);
      g_hash_table_remove_all (world->touched);
      world->edits_since = summary.run_id + 2;
      world->write_faults = FALSE;

      g_hash_table_remove_all (world->known_links);
      {
        g_autoptr(GPtrArray) pairs = linked_pairs (world);

        for (guint i = 0; i < pairs->len; i++)
          g_hash_table_add (world->known_links, g_strdup (((char **) pairs->pdata[i])[2]));
      }
    }

  if (ok || crash_after == 0)
    concord_run_summary_clear (&summary);

  for (guint s = 0; s < 2; s++)
    {
      g_hash_table_unref (before[s]);
      g_hash_table_unref (in_scope[s]);
      g_hash_table_unref (emails_before[s]);
      g_ptr_array_unref (scoped_out[s]);
    }

  world->faulty = FALSE;
  concord_memory_connector_set_fail_func (world->sides[0], NULL, NULL);
  concord_memory_connector_set_fail_func (world->sides[1], NULL, NULL);
}

static gboolean
fail_some (const ConcordRecord *record,
           gpointer             user_data)
{
  const char *email = concord_record_get_email (record);

  return email != NULL && g_str_hash (email) % 3 == GPOINTER_TO_UINT (user_data) % 3;
}

static void
dump_world (World *world)
{
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[s]);

      g_ptr_array_sort (all, compare_record_ids);
      for (guint i = 0; i < all->len; i++)
        {
          g_autofree char *json = concord_record_to_json (all->pdata[i]);

          g_printerr ("    %s %s %s\n", CONCORD_SIDE_NAME (s),
                      concord_record_get_remote_id (all->pdata[i]), json);
        }
    }
}

static void
apply (World    *world,
       const Op *op)
{
  tick (world);

  if (g_getenv ("CONCORD_MODEL_TRACE") != NULL)
    {
      g_printerr ("op %s side=%s\n", op_names[op->kind], CONCORD_SIDE_NAME (op->side));
      if (op->kind == OP_RUN || op->kind == OP_CRASH || op->kind == OP_FAIL_WRITES)
        dump_world (world);
    }

  switch (op->kind)
    {
    case OP_CREATE:
      {
        g_autofree char *email = NULL;

        if (op->b % 11 == 0)
          email = g_strdup ("not an email");
        else
          email = email_for (op->a, op->c);
        insert_person (world, op->side, email, op->b);
      }
      break;

    case OP_EDIT:
      edit_field (world, op->side, op->a, op->b, op->c);
      break;

    case OP_EDIT_BOTH:
      {
        g_autoptr(GPtrArray) pairs = linked_pairs (world);
        char **pair;
        const char *field = fields[op->b % G_N_ELEMENTS (fields)];

        if (pairs->len == 0)
          break;
        pair = g_ptr_array_index (pairs, op->a % pairs->len);
        for (guint s = 0; s < 2; s++)
          {
            ConcordRecord *found = concord_memory_connector_lookup (world->sides[s], pair[s]);
            g_autoptr(ConcordRecord) current = found != NULL ? concord_record_ref (found) : NULL;
            g_autoptr(ConcordRecord) edited = NULL;

            if (current == NULL)
              continue;
            edited = concord_record_copy (current);
            /* Half the time the same value on both sides: a false conflict. */
            set_field_value (edited, field, (op->c & 1) ? op->c : op->c + s * 5);
            if (!concord_record_equal_fields (edited, current))
              {
                concord_memory_connector_replace (world->sides[s], edited);
                note_edit (world, s, current, concord_memory_connector_lookup (world->sides[s], pair[s]), field);
              }
            tick (world);
          }
      }
      break;

    case OP_EMAIL_CASE:
      {
        g_autoptr(ConcordRecord) current = pick_record (world, op->side, op->a);
        g_autoptr(ConcordRecord) edited = NULL;
        const char *email;

        if (current == NULL || (email = concord_record_get_email (current)) == NULL)
          break;
        edited = concord_record_copy (current);
        {
          g_autofree char *variant = op->b & 1 ? g_ascii_strup (email, -1) : g_strdup_printf (" %s  ", email);

          /* As a connector reads it: an email, so only its case or spaces differ. */
          concord_record_set_text (edited, "email", CONCORD_FIELD_TYPE_EMAIL, variant);
        }
        concord_memory_connector_replace (world->sides[op->side], edited);
      }
      break;

    case OP_LIST_MEMBER:
      {
        g_autoptr(ConcordRecord) current = pick_record (world, op->side, op->a);
        g_autoptr(ConcordRecord) edited = NULL;
        g_autoptr(GPtrArray) items = g_ptr_array_new ();
        const ConcordValue *lists;
        const char *member = members[op->b % G_N_ELEMENTS (members)];
        gboolean had = FALSE;

        if (current == NULL)
          break;
        lists = concord_record_get (current, "lists");
        for (guint i = 0; lists != NULL && lists->v.set[i] != NULL; i++)
          {
            if (g_str_equal (lists->v.set[i], member))
              had = TRUE;
            else
              g_ptr_array_add (items, lists->v.set[i]);
          }
        if (!had)
          g_ptr_array_add (items, (gpointer) member);
        g_ptr_array_add (items, NULL);

        edited = concord_record_copy (current);
        concord_record_set_set (edited, "lists", (const char * const *) items->pdata);
        concord_memory_connector_replace (world->sides[op->side], edited);
        note_edit (world, op->side, current,
                   concord_memory_connector_lookup (world->sides[op->side],
                                                    concord_record_get_remote_id (edited)), "lists");
      }
      break;

    case OP_DUPLICATE:
      {
        g_autoptr(ConcordRecord) current = pick_record (world, op->side, op->a);

        if (current != NULL && concord_record_get_email (current) != NULL)
          insert_person (world, op->side, concord_record_get_email (current), op->b);
      }
      break;

    case OP_DELETE:
      {
        g_autoptr(ConcordRecord) current = pick_record (world, op->side, op->a);

        if (current != NULL && op->b % 3 == 0)
          concord_memory_connector_remove (world->sides[op->side],
                                           concord_record_get_remote_id (current));
      }
      break;

    case OP_FAIL_WRITES:
      world->faulty = TRUE;
      world->write_faults = TRUE;
      if (op->b & 1)
        concord_memory_connector_set_fail_func (world->sides[op->side], fail_some,
                                                GUINT_TO_POINTER (op->c));
      else
        {
          g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER,
                                                         "injected: server error");

          concord_memory_connector_fail_next_write_calls (world->sides[op->side], 1 + op->c % 2, error);
        }
      do_run (world, 0, FALSE);
      concord_memory_connector_fail_next_write_calls (world->sides[op->side], 0, NULL);
      break;

    case OP_FAIL_LISTING:
      {
        g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NETWORK,
                                                       "injected: connection reset");

        concord_memory_connector_fail_list_at_page (world->sides[op->side], 0, error);
        do_run (world, 0, TRUE);
        concord_memory_connector_fail_list_at_page (world->sides[op->side], -1, NULL);
      }
      break;

    case OP_CRASH:
      world->faulty = TRUE;
      world->write_faults = TRUE;
      do_run (world, 1 + op->c % 3, FALSE);
      break;

    case OP_RUN:
      do_run (world, 0, FALSE);
      break;

    case OP_EMAILS:
      edit_emails (world, op->side, op->a, op->b, op->c);
      break;

    case N_OPS:
    default:
      g_assert_not_reached ();
    }
}

/* Which variant a seed plays: one in three the drawn rules. */
static Variant
variant_of_seed (guint32 seed)
{
  guint r = seed % 6;

  return r < VARIANT_RULES ? (Variant) r : VARIANT_RULES;
}

/* The operations of @seed, and for VARIANT_RULES its connection document
 * (drawn first, from the same numbers). */
static GArray *
generate (guint32       seed,
          guint         n_ops,
          Variant       variant,
          ModelConfig **model)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GArray *ops = g_array_new (FALSE, FALSE, sizeof (Op));
  /* Weights: mostly people's edits, a run every few steps, faults now and then. */
  static const guint weights[N_OPS] = { 16, 22, 6, 4, 6, 2, 2, 3, 2, 3, 20, 8 };
  guint total = 0;

  for (guint i = 0; i < N_OPS; i++)
    total += weights[i];

  *model = variant == VARIANT_RULES ? model_config_draw (rand) : NULL;

  for (guint i = 0; i < n_ops; i++)
    {
      Op op = { 0 };
      guint pick = g_rand_int_range (rand, 0, total);

      op.kind = 0;
      while (pick >= weights[op.kind])
        pick -= weights[op.kind++];
      op.side = g_rand_int_range (rand, 0, 2);
      op.a = g_rand_int (rand);
      op.b = g_rand_int (rand);
      op.c = g_rand_int (rand);
      g_array_append_val (ops, op);
    }

  /* Always end with a clean run, so the last edits are checked too. */
  {
    Op run = { .kind = OP_RUN };

    g_array_append_val (ops, run);
  }

  return ops;
}

/* Plays @ops; returns the failure text, or NULL when every check held. */
static char *
play (Variant            variant,
      const ModelConfig *model,
      GArray            *ops,
      gboolean           skip_mask_any,
      guint8            *skip)
{
  World *world = world_new (variant, model);
  char *failure = NULL;

  for (guint i = 0; i < ops->len && world->failure->len == 0; i++)
    if (!skip_mask_any || !skip[i])
      apply (world, &g_array_index (ops, Op, i));

  if (world->failure->len > 0)
    failure = g_strdup (world->failure->str);

  world_free (world);
  return failure;
}

/* Failures of one kind share the text before the first colon. */
static gboolean
same_kind (const char *a,
           const char *b)
{
  const char *ca = strchr (a, ':');
  const char *cb = strchr (b, ':');

  return ca != NULL && cb != NULL && ca - a == cb - b && strncmp (a, b, ca - a) == 0;
}

static void
report_minimal (guint32            seed,
                Variant            variant,
                const ModelConfig *model,
                GArray            *ops,
                const char        *failure)
{
  g_autofree guint8 *skip = g_new0 (guint8, ops->len);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean shrunk = TRUE;

  /* Drop operations one at a time while the run still fails. */
  for (guint pass = 0; pass < 4 && shrunk; pass++)
    {
      shrunk = FALSE;
      for (guint i = 0; i < ops->len; i++)
        {
          g_autofree char *again = NULL;

          if (skip[i])
            continue;
          skip[i] = 1;
          again = play (variant, model, ops, TRUE, skip);
          if (again != NULL && same_kind (again, failure))
            shrunk = TRUE;
          else
            skip[i] = 0;
        }
    }

  g_string_append_printf (out, "seed %u (variant %s) failed: %s\n", seed, variant_names[variant], failure);
  if (model != NULL)
    g_string_append_printf (out, "connection document: %s\nconflicts: %s, else %s\n", model->json,
                            model->newest_wins ? "the newest change wins" : "no times",
                            CONCORD_SIDE_NAME (model->prefer));
  g_string_append (out, "minimal reproduction:\n");
  for (guint i = 0; i < ops->len; i++)
    if (!skip[i])
      {
        const Op *op = &g_array_index (ops, Op, i);

        g_string_append_printf (out, "  %u: %s side=%s a=%u b=%u c=%u\n", i, op_names[op->kind],
                                CONCORD_SIDE_NAME (op->side), op->a, op->b, op->c);
      }
  {
    g_autofree char *last = play (variant, model, ops, TRUE, skip);

    g_string_append_printf (out, "which fails with: %s\n", last ? last : "(flaky)");
  }
  g_string_append_printf (out, "rerun: CONCORD_MODEL_SEED=%u %s\n", seed, g_get_prgname ());
  g_string_append_printf (out, "only the minimal operations, traced: CONCORD_MODEL_SEED=%u CONCORD_MODEL_OPS=", seed);
  for (guint i = 0, n = 0; i < ops->len; i++)
    if (!skip[i])
      g_string_append_printf (out, "%s%u", n++ > 0 ? "," : "", i);
  g_string_append_printf (out, " CONCORD_MODEL_TRACE=1 %s\n", g_get_prgname ());

  g_test_message ("%s", out->str);
  g_printerr ("%s", out->str);
  g_test_fail ();
}

/* Seeds of the long mode that found engine faults, played in every run:
 * 4523, 4873, 5722, 6060 and 6287 a write to one side of a pair that went
 * through while the other failed (its intent was dropped, so the next run
 * took the run's own write for a person's change); 7450 a set that entered
 * the scope through the run's own write and lost its removals; 1397 (a
 * one-way set entering the scope keeps the target's own members) guards
 * that fix. */
static const guint32 fixed_seeds[] = { 1397, 4523, 4873, 5722, 6060, 6287, 7450 };

static void
test_model (void)
{
  const char *steps_env = g_getenv ("CONCORD_MODEL_STEPS");
  const char *seed_env = g_getenv ("CONCORD_MODEL_SEED");
  const char *ops_env = g_getenv ("CONCORD_MODEL_OPS");
  guint64 steps = steps_env != NULL ? g_ascii_strtoull (steps_env, NULL, 10) : 6000;
  const char *first_env = g_getenv ("CONCORD_MODEL_FIRST_SEED");
  guint32 first = first_env != NULL ? (guint32) g_ascii_strtoull (first_env, NULL, 10) : 1000;
  guint n_random = MAX (1, steps / OPS_PER_SEED);
  guint n_seeds = seed_env != NULL ? 1 : n_random + G_N_ELEMENTS (fixed_seeds);
  guint64 played = 0;
  guint per_variant[N_VARIANTS] = { 0 };
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n_seeds; i++)
    {
      guint32 seed = seed_env != NULL ? (guint32) g_ascii_strtoull (seed_env, NULL, 10)
                     : i < n_random ? first + i : fixed_seeds[i - n_random];
      Variant variant = variant_of_seed (seed);
      ModelConfig *model = NULL;
      g_autoptr(GArray) ops = generate (seed, OPS_PER_SEED, variant, &model);
      g_autofree guint8 *only = NULL;
      g_autofree char *failure = NULL;

      /* CONCORD_MODEL_OPS="4,23,…": play only these operations of the seed. */
      if (seed_env != NULL && ops_env != NULL)
        {
          g_auto(GStrv) indexes = g_strsplit (ops_env, ",", -1);

          only = g_new (guint8, ops->len);
          memset (only, 1, ops->len);
          for (guint k = 0; indexes[k] != NULL; k++)
            {
              guint64 index = g_ascii_strtoull (indexes[k], NULL, 10);

              if (index < ops->len)
                only[index] = 0;
            }
        }
      failure = play (variant, model, ops, only != NULL, only);

      played += ops->len;
      per_variant[variant]++;
      if (failure != NULL && only != NULL)
        {
          g_printerr ("seed %u, operations %s: %s\n", seed, ops_env, failure);
          g_test_fail ();
          model_config_free (model);
          return;
        }
      if (failure != NULL)
        {
          report_minimal (seed, variant, model, ops, failure);
          model_config_free (model);
          return;
        }
      model_config_free (model);

      if (seed_env != NULL)
        break;
    }

  g_test_message ("model: %" G_GUINT64_FORMAT " operations over %u seeds, all invariants held (%.1f s)",
                  played, n_seeds,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_test_message ("model: seeds per variant: %s %u, %s %u, %s %u, %s %u, %s %u",
                  variant_names[0], per_variant[0], variant_names[1], per_variant[1],
                  variant_names[2], per_variant[2], variant_names[3], per_variant[3],
                  variant_names[4], per_variant[4]);
  g_print ("# model: %" G_GUINT64_FORMAT " operations over %u seeds, all invariants held\n",
           played, n_seeds);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/sync/model", test_model);

  return g_test_run ();
}
