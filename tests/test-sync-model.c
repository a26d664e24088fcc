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
 *                      nothing), no ping-pong through the rewriting server
 *   after a clean run: convergence, no lost update, no silent overwrite,
 *                      field-level merge, false conflicts vanish, and
 *                      idempotence (one more run writes nothing)
 *
 * Side B plays a server that rewrites what it is sent (companies in upper
 * case), so idempotence is checked against normalisation too.
 *
 * A failing seed is shrunk: operations are dropped one by one while the
 * failure persists, and the minimal sequence is printed.
 *
 * CONCORD_MODEL_STEPS sets the number of operations in total (default
 * 6,000); CONCORD_MODEL_SEED runs one seed only.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
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
  N_OPS
} OpKind;

static const char * const op_names[] = {
  "create", "edit", "edit-both", "email-case", "list-member", "duplicate", "delete",
  "fail-writes", "fail-listing", "crash", "run",
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
  N_VARIANTS
} Variant;

static const char * const fields[] = { "first_name", "last_name", "company", "phone", "lists", "tags" };
static const char * const names[] = { "Ann", "Bob", "Cy", "Dee", "Eve" };
static const char * const companies[] = { "acme", "Globex", "initech", "Umbrella" };
static const char * const phones[] = { "+1 555 0100", "+1 555 0101", "+44 20 7946 0000" };
static const char * const members[] = { "news", "promo", "vip", "beta" };

typedef struct
{
  Variant                  variant;
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
  GHashTable              *was_out;       /* ids of A records out of scope before the last run */
  gint64                   next_run;      /* the id the next run will have */
  gint64                   edits_since;   /* first run id the pending edits may be settled in */
  gboolean                 faulty;        /* a fault touched the last run */
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
world_new (Variant variant)
{
  World *world = g_new0 (World, 1);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  ConcordConnectionRow row = { 0 };

  world->variant = variant;
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
    }
  concord_memory_connector_set_rewrite_func (world->sides[1], rewrite_b, NULL);

  world->edits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  world->originals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  world->edit_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->original_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->was_out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->next_run = 1;
  world->known_links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  world->clock = 1000;
  world->failure = g_string_new (NULL);

  return world;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
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
    }
  g_object_unref (world->store);
  remove_tree (world->dir);
  g_free (world->dir);
  g_hash_table_unref (world->edits);
  g_hash_table_unref (world->originals);
  g_hash_table_unref (world->edit_runs);
  g_hash_table_unref (world->original_runs);
  g_hash_table_unref (world->touched);
  g_hash_table_unref (world->was_out);
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

static char *
value_text (const ConcordRecord *record,
            const char          *field)
{
  const ConcordValue *value = concord_record_get (record, field);

  return value != NULL ? concord_value_to_string (value) : g_strdup ("");
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

/* The engine never creates a contact on a side that already has one with
 * the same email, and never creates one email twice on a side. */
static void
check_no_duplicates (World      *world,
                     GHashTable *ids_before[2],
                     GHashTable *emails_before[2])
{
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[s]);
      g_autoptr(GHashTable) made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      for (guint i = 0; i < all->len; i++)
        {
          ConcordRecord *record = all->pdata[i];
          g_autofree char *email = concord_normalize_email (concord_record_get_email (record));
          gboolean by_engine = concord_record_get (record, "custom:origin") == NULL;
          guint n;

          if (email == NULL || !by_engine)
            continue;

          n = GPOINTER_TO_UINT (g_hash_table_lookup (made, email)) + 1;
          g_hash_table_replace (made, g_strdup (email), GUINT_TO_POINTER (n));
          if (n > 1)
            fail (world, "duplicate: Concord created %s twice on side %s", email, CONCORD_SIDE_NAME (s));

          if (!g_hash_table_contains (ids_before[s], concord_record_get_remote_id (record)) &&
              g_hash_table_contains (emails_before[s], email))
            fail (world, "duplicate: Concord created %s on side %s, which already had it",
                  email, CONCORD_SIDE_NAME (s));
        }
    }
}

static void
check_creation_control (World *world)
{
  if (world->variant == VARIANT_NO_CREATE_ON_B &&
      concord_memory_connector_get_n_created (world->sides[CONCORD_SIDE_B]) > 0)
    fail (world, "creation control: %u contacts were created on B although creating there is off",
          concord_memory_connector_get_n_created (world->sides[CONCORD_SIDE_B]));

  if (world->variant == VARIANT_ONE_WAY &&
      (concord_memory_connector_get_n_created (world->sides[CONCORD_SIDE_A]) > 0 ||
       concord_memory_connector_get_n_updated (world->sides[CONCORD_SIDE_A]) > 0))
    fail (world, "direction: side A was written in a one-way A→B connection");
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

/* What side B holds for a value side A holds: B's server rewrites. */
static char *
as_on_b (const char *field,
         const char *text)
{
  if (g_str_equal (field, "company"))
    return g_utf8_strup (text, -1);

  return g_strdup (text);
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

static gboolean
flows (World               *world,
       guint                from,
       const ConcordRecord *record)
{
  if (!concord_direction_flows (world->config.direction, from))
    return FALSE;
  if (world->config.filter[from] != NULL && !world->config.filter[from] (record, NULL))
    return FALSE;
  return TRUE;
}

static void
check_converged (World *world)
{
  g_autoptr(GPtrArray) pairs = linked_pairs (world);

  for (guint i = 0; i < pairs->len && world->failure->len == 0; i++)
    {
      char **pair = g_ptr_array_index (pairs, i);
      ConcordRecord *a = concord_memory_connector_lookup (world->sides[0], pair[0]);
      ConcordRecord *b = concord_memory_connector_lookup (world->sides[1], pair[1]);
      gint64 link_id = g_ascii_strtoll (pair[2], NULL, 10);

      if (a == NULL || b == NULL)
        continue;  /* deleted by a person: unlinked on the next run */

      for (guint f = 0; f < G_N_ELEMENTS (fields) + 1; f++)
        {
          const char *field = f < G_N_ELEMENTS (fields) ? fields[f] : "email";
          g_autofree char *va = value_text (a, field);
          g_autofree char *vb = value_text (b, field);
          g_autofree char *expected_b = as_on_b (field, va);
          gboolean ab = flows (world, CONCORD_SIDE_A, a);
          gboolean ba = flows (world, CONCORD_SIDE_B, b);

          /* B's server rewrites what Concord sends, not what people type. */
          if (g_strcmp0 (va, vb) == 0)
            continue;

          if (ab && ba && g_strcmp0 (expected_b, vb) != 0)
            fail (world, "convergence: link %" G_GINT64_FORMAT " (%s, %s) field %s: A=\"%s\" B=\"%s\"",
                  link_id, pair[0], pair[1], field, va, vb);
          else if (ab && !ba && (g_str_equal (field, "lists") || g_str_equal (field, "tags")))
            {
              /* One way, sets stay additive: all of A's members are on B. */
              const ConcordValue *set_a = concord_record_get (a, field);
              const ConcordValue *set_b = concord_record_get (b, field);

              for (guint m = 0; set_a != NULL && set_a->v.set[m] != NULL; m++)
                if (set_b == NULL || !g_strv_contains ((const char * const *) set_b->v.set, set_a->v.set[m]))
                  fail (world, "one-way convergence: link %" G_GINT64_FORMAT " %s member %s of A is not on B",
                        link_id, field, set_a->v.set[m]);
            }
          else if (ab && !ba && *va != '\0' && g_strcmp0 (expected_b, vb) != 0)
            fail (world, "one-way convergence: link %" G_GINT64_FORMAT " (%s, %s) field %s: A=\"%s\" B=\"%s\"",
                  link_id, pair[0], pair[1], field, va, vb);
        }
    }
}

/* Every edit people made since the last clean run is on both sides now, or
 * lost a conflict that the store recorded; equal edits on both sides are no
 * conflict at all. */
static void
check_edits (World *world)
{
  g_autoptr(GPtrArray) pairs = linked_pairs (world);
  GHashTable *partner[2] = { NULL, NULL };
  g_autoptr(GHashTable) link_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;

  partner[0] = g_hash_table_new (g_str_hash, g_str_equal);
  partner[1] = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < pairs->len; i++)
    {
      char **pair = g_ptr_array_index (pairs, i);

      g_hash_table_insert (partner[0], pair[0], pair[1]);
      g_hash_table_insert (partner[1], pair[1], pair[0]);
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
      g_autofree char *expected = NULL;
      g_autofree char *other_key = NULL;
      const char *other_edit;
      gint64 link_id;

      if (mine == NULL || other_id == NULL || link_text == NULL)
        continue;  /* deleted, or not paired (ambiguous, no email, not created) */

      theirs = concord_memory_connector_lookup (world->sides[other], other_id);
      if (theirs == NULL || !flows (world, side, mine))
        continue;
      if (g_hash_table_contains (world->was_out, side == CONCORD_SIDE_A ? id : other_id))
        continue;

      link_id = g_ascii_strtoll (link_text, NULL, 10);
      other_key = g_strdup_printf ("%u\t%s\t%s", other, other_id, field);
      other_edit = g_hash_table_lookup (world->edits, other_key);

      /* Sets merge: an exact value is only expected without a concurrent edit. */
      if ((g_str_equal (field, "lists") || g_str_equal (field, "tags")) &&
          g_hash_table_contains (world->touched, other_key))
        continue;

      /* One way, sets are additive: the source's members are on the target. */
      if (world->variant == VARIANT_ONE_WAY &&
          (g_str_equal (field, "lists") || g_str_equal (field, "tags")))
        {
          const ConcordValue *set_mine = concord_record_get (mine, field);
          const ConcordValue *set_theirs = concord_record_get (theirs, field);

          for (guint m = 0; side == 0 && set_mine != NULL && set_mine->v.set[m] != NULL; m++)
            if (set_theirs == NULL ||
                !g_strv_contains ((const char * const *) set_theirs->v.set, set_mine->v.set[m]))
              fail (world, "lost update: one-way member %s of %s on A is not on B",
                    set_mine->v.set[m], field);
          continue;
        }

      mine_now = value_text (mine, field);
      theirs_now = value_text (theirs, field);
      expected = side == 0 ? as_on_b (field, edited) : g_strdup (edited);

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
        /* B's server may rewrite a record whenever Concord writes to it. */
        g_autofree char *edited_on_b = as_on_b (field, edited);
        gboolean mine_ok = g_strcmp0 (mine_now, edited) == 0 ||
                           (side == 1 && g_strcmp0 (mine_now, edited_on_b) == 0);
        gboolean theirs_ok = g_strcmp0 (theirs_now, expected) == 0 ||
                             g_strcmp0 (theirs_now, edited) == 0;

        if (mine_ok && theirs_ok)
          continue;  /* the edit is on both sides */
      }

      /* Both sides edited the field since the last clean run, one after a
       * run that already settled the other (a faulty run is not checked):
       * one of the two edits must hold, on both sides. */
      if (other_edit != NULL && !g_str_equal (other_edit, edited))
        {
          g_autofree char *other_on_b = as_on_b (field, other_edit);
          g_autofree char *mine_upper = as_on_b (field, mine_now);
          g_autofree char *theirs_upper = as_on_b (field, theirs_now);

          if (g_strcmp0 (mine_upper, theirs_upper) == 0 &&
              (g_strcmp0 (mine_upper, expected) == 0 || g_strcmp0 (mine_upper, other_on_b) == 0))
            continue;
        }

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

      if (world->variant == VARIANT_ONE_WAY && side == CONCORD_SIDE_B)
        continue;  /* B is not a source in a one-way connection */

      fail (world, "lost update: side %s record %s field %s was set to \"%s\"; now \"%s\" there "
            "and \"%s\" on the other side, and no conflict was recorded",
            CONCORD_SIDE_NAME (side), id, field, edited, mine_now, theirs_now);
    }

  g_hash_table_unref (partner[0]);
  g_hash_table_unref (partner[1]);
}

static GHashTable *
snapshot_ids (World *world,
              guint  side)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[side]);
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < all->len; i++)
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

/* Records of A that are out of scope and had no partner on B must still
 * have none. */
static GPtrArray *
out_of_scope_emails (World *world)
{
  GPtrArray *emails = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) on_b = count_emails (world, CONCORD_SIDE_B);
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[CONCORD_SIDE_A]);

  if (world->config.filter[CONCORD_SIDE_A] == NULL)
    return emails;

  for (guint i = 0; i < all->len; i++)
    {
      g_autofree char *email = concord_normalize_email (concord_record_get_email (all->pdata[i]));

      if (email != NULL && !not_tagged_nosync (all->pdata[i], NULL) &&
          !g_hash_table_contains (on_b, email))
        g_ptr_array_add (emails, g_steal_pointer (&email));
    }

  return emails;
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

        if (record != NULL && world->config.filter[side] != NULL &&
            !world->config.filter[side] (record, NULL))
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
  GHashTable *before[2] = { snapshot_ids (world, 0), snapshot_ids (world, 1) };
  GHashTable *emails_before[2] = { count_emails (world, 0), count_emails (world, 1) };
  g_autoptr(GPtrArray) scoped_out = out_of_scope_emails (world);
  gboolean ok;

  for (guint s = 0; s < 2; s++)
    concord_memory_connector_reset_counters (world->sides[s]);

  forget_edits_equal_to_base (world);

  /* A record entering its rule's scope offers what it holds, as a first
   * match would: exact edits are not expected on its pair. was_out keeps
   * the A records last seen out of scope, until a run succeeds with them
   * in scope. */
  if (world->config.filter[CONCORD_SIDE_A] != NULL)
    {
      g_autoptr(GPtrArray) all = concord_memory_connector_get_all (world->sides[CONCORD_SIDE_A]);

      for (guint i = 0; i < all->len; i++)
        if (!world->config.filter[CONCORD_SIDE_A] (all->pdata[i], NULL))
          g_hash_table_add (world->was_out, g_strdup (concord_record_get_remote_id (all->pdata[i])));
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

  if (scoped_out->len > 0)
    {
      g_autoptr(GHashTable) on_b = count_emails (world, CONCORD_SIDE_B);

      for (guint i = 0; i < scoped_out->len; i++)
        if (g_hash_table_contains (on_b, scoped_out->pdata[i]))
          fail (world, "scope: %s is out of the rule's scope on A, yet was created on B",
                (char *) scoped_out->pdata[i]);
    }

  for (guint s = 0; s < 2; s++)
    {
      g_hash_table_unref (before[s]);
      g_hash_table_unref (emails_before[s]);
    }

  if (ok && crash_after == 0 && !listing_fault && !world->faulty && world->failure->len == 0)
    {
      ConcordRunSummary again;
      g_autoptr(GError) again_error = NULL;

      check_converged (world);
      check_edits (world);

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

        g_hash_table_iter_init (&iter, world->was_out);
        while (g_hash_table_iter_next (&iter, &id, NULL))
          {
            ConcordRecord *record = concord_memory_connector_lookup (world->sides[CONCORD_SIDE_A], id);

            if (record == NULL || world->config.filter[CONCORD_SIDE_A] (record, NULL))
              g_ptr_array_add (ids, g_strdup (id));
          }
        for (guint i = 0; i < ids->len; i++)
          g_hash_table_remove (world->was_out, ids->pdata[i]);
      }

      g_hash_table_remove_all (world->edits);
      g_hash_table_remove_all (world->originals);
      g_hash_table_remove_all (world->edit_runs);
      g_hash_table_remove_all (world->original_runs);
      g_hash_table_remove_all (world->touched);
      world->edits_since = summary.run_id + 2;

      g_hash_table_remove_all (world->known_links);
      {
        g_autoptr(GPtrArray) pairs = linked_pairs (world);

        for (guint i = 0; i < pairs->len; i++)
          g_hash_table_add (world->known_links, g_strdup (((char **) pairs->pdata[i])[2]));
      }
    }

  if (ok || crash_after == 0)
    concord_run_summary_clear (&summary);

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
      do_run (world, 1 + op->c % 3, FALSE);
      break;

    case OP_RUN:
      do_run (world, 0, FALSE);
      break;

    case N_OPS:
    default:
      g_assert_not_reached ();
    }
}

static GArray *
generate (guint32 seed,
          guint   n_ops)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GArray *ops = g_array_new (FALSE, FALSE, sizeof (Op));
  /* Weights: mostly people's edits, a run every few steps, faults now and then. */
  static const guint weights[N_OPS] = { 16, 22, 6, 4, 6, 2, 2, 3, 2, 3, 20 };
  guint total = 0;

  for (guint i = 0; i < N_OPS; i++)
    total += weights[i];

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
play (Variant  variant,
      GArray  *ops,
      gboolean skip_mask_any,
      guint8  *skip)
{
  World *world = world_new (variant);
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
report_minimal (guint32  seed,
                Variant  variant,
                GArray  *ops,
                const char *failure)
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
          again = play (variant, ops, TRUE, skip);
          if (again != NULL && same_kind (again, failure))
            shrunk = TRUE;
          else
            skip[i] = 0;
        }
    }

  g_string_append_printf (out, "seed %u (variant %d) failed: %s\nminimal reproduction:\n",
                          seed, variant, failure);
  for (guint i = 0; i < ops->len; i++)
    if (!skip[i])
      {
        const Op *op = &g_array_index (ops, Op, i);

        g_string_append_printf (out, "  %u: %s side=%s a=%u b=%u c=%u\n", i, op_names[op->kind],
                                CONCORD_SIDE_NAME (op->side), op->a, op->b, op->c);
      }
  {
    g_autofree char *last = play (variant, ops, TRUE, skip);

    g_string_append_printf (out, "which fails with: %s\n", last ? last : "(flaky)");
  }
  g_string_append_printf (out, "rerun: CONCORD_MODEL_SEED=%u %s\n", seed, g_get_prgname ());

  g_test_message ("%s", out->str);
  g_printerr ("%s", out->str);
  g_test_fail ();
}

static void
test_model (void)
{
  const char *steps_env = g_getenv ("CONCORD_MODEL_STEPS");
  const char *seed_env = g_getenv ("CONCORD_MODEL_SEED");
  guint64 steps = steps_env != NULL ? g_ascii_strtoull (steps_env, NULL, 10) : 6000;
  guint n_seeds = MAX (1, steps / OPS_PER_SEED);
  guint64 played = 0;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n_seeds; i++)
    {
      guint32 seed = seed_env != NULL ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : 1000 + i;
      Variant variant = seed % N_VARIANTS;
      g_autoptr(GArray) ops = generate (seed, OPS_PER_SEED);
      g_autofree char *failure = play (variant, ops, FALSE, NULL);

      played += ops->len;
      if (failure != NULL)
        {
          report_minimal (seed, variant, ops, failure);
          return;
        }

      if (seed_env != NULL)
        break;
    }

  g_test_message ("model: %" G_GUINT64_FORMAT " operations over %u seeds, all invariants held (%.1f s)",
                  played, seed_env != NULL ? 1 : n_seeds,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_print ("# model: %" G_GUINT64_FORMAT " operations over %u seeds, all invariants held\n",
           played, seed_env != NULL ? 1 : n_seeds);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/sync/model", test_model);

  return g_test_run ();
}
