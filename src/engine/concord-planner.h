/* concord-planner.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-mapping.h"
#include "concord-record.h"
#include "concord-rules.h"
#include "concord-store.h"
#include "concord-types.h"

G_BEGIN_DECLS

/* The growth bound of a listing (see ConcordSyncConfig): more than
 * max (CONCORD_GROWTH_MIN, CONCORD_GROWTH_FACTOR × the last known size)
 * records, or CONCORD_FIRST_SYNC_MAX on a first sync, stop the run. */
#define CONCORD_GROWTH_MIN      10000
#define CONCORD_GROWTH_FACTOR   10
#define CONCORD_FIRST_SYNC_MAX  1000000

/**
 * ConcordRecordFilter:
 *
 * Returns: whether @record (of the source side) is in the scope of the
 *   direction's rule
 */
typedef gboolean (*ConcordRecordFilter) (const ConcordRecord *record,
                                         gpointer             user_data);

/**
 * ConcordSyncConfig:
 * @direction: which ways data flows
 * @prefer: the side that wins a conflict (also NEWEST's fallback)
 * @newest_wins: let the record changed last win when both sides give times
 * @may_create: may_create[X]: whether records may be created on side X
 * @filter: filter[X]: scope of the records of X that flow to the other side;
 *   %NULL means every record
 * @filter_data: data for @filter
 * @mapping: the field mapping
 * @breaker_min: the circuit breaker trips only above this many overwrites
 *   on one side ...
 * @breaker_fraction: ... and above this fraction of that side's links
 * @growth_min: a listing may bring at most this many records ...
 * @growth_factor: ... or this many times the side's last known size, if
 *   more: beyond that the run stops while reading, before writing anything
 *   (a server sending the same records, or "new" ones, for ever)
 * @first_max: the most records a listing may bring when nothing is known of
 *   the side yet (a first sync), and the most @force allows
 * @force: ignore the circuit breaker (the user confirmed); the growth bound
 *   then rises to at least @first_max
 * @rules: rules[X]: (nullable): the rules of the direction from X, set
 *   with concord_sync_config_set_rules(); their actions apply to the other
 *   side
 */
typedef struct
{
  ConcordDirection     direction;
  ConcordSide          prefer;
  gboolean             newest_wins;
  gboolean             may_create[2];
  ConcordRecordFilter  filter[2];
  gpointer             filter_data[2];
  ConcordMapping      *mapping;
  guint                breaker_min;
  double               breaker_fraction;
  guint                growth_min;
  guint                growth_factor;
  guint                first_max;
  gboolean             force;
  ConcordRuleList     *rules[2];
} ConcordSyncConfig;

void concord_sync_config_init  (ConcordSyncConfig *config,
                                ConcordMapping    *mapping);
void concord_sync_config_clear (ConcordSyncConfig *config);
void concord_sync_config_set_rules (ConcordSyncConfig *config,
                                    ConcordRuleList   *rules_a_to_b,
                                    ConcordRuleList   *rules_b_to_a);

/* A baseline: the mapped values of both records of a link as they were
 * when the two sides last agreed. */
typedef struct
{
  ConcordRecord *values[2];
} ConcordBaseline;

ConcordBaseline *concord_baseline_new  (ConcordRecord   *a,
                                        ConcordRecord   *b);
void             concord_baseline_free (ConcordBaseline *baseline);

/**
 * ConcordPlanInput:
 *
 * Everything the planner looks at; the planner itself does no I/O.
 * @index: per side, remote id → #ConcordIndexEntry, as the store had it
 * @changed: per side, remote id → #ConcordRecord: records whose content
 *   differs from what was last settled (or new)
 * @extra: per side, remote id → #ConcordRecord: unchanged records the
 *   planner needs (partners of first matches), fetched by the engine
 * @vanished: per side, remote ids of the index missing from a complete
 *   listing (never filled from a partial or failed one)
 * @listed: per side, how many records a complete listing returned, or -1
 * @baselines: link id → #ConcordBaseline for the links of changed records
 * @reported_ambiguous: normalised emails already reported as ambiguous
 * @replayed: per side, remote id → set of field quarks a dead run wrote and
 *   the app still holds (the engine's own values, not people's changes)
 */
typedef struct
{
  const ConcordSyncConfig *config;
  GHashTable              *index[2];
  GHashTable              *changed[2];
  GHashTable              *extra[2];
  GPtrArray               *vanished[2];
  gint64                   listed[2];
  GHashTable              *baselines;
  GHashTable              *reported_ambiguous;
  GHashTable              *replayed[2];

  /* Built by concord_plan_input_prepare(): email → remote id, or the
   * AMBIGUOUS marker when one side has the email more than once. */
  GHashTable              *by_email[2];
  GHashTable              *holders[2];   /* email → GPtrArray of the remote ids of an
                                          * AMBIGUOUS one */
  GHashTable              *link_to_id[2];
  GHashTable              *vanished_set[2];
  guint                    n_linked[2];
  GStringChunk            *strings;
} ConcordPlanInput;

ConcordPlanInput *concord_plan_input_new          (const ConcordSyncConfig *config);
void              concord_plan_input_free         (ConcordPlanInput        *input);
void              concord_plan_input_prepare      (ConcordPlanInput        *input);
GPtrArray        *concord_plan_input_get_missing  (ConcordPlanInput        *input,
                                                   ConcordSide              side);
GPtrArray        *concord_plan_input_get_links_needed (ConcordPlanInput    *input);

/* One field change for the journal. */
typedef struct
{
  char *field;
  char *before;    /* (nullable) */
  char *after;     /* (nullable) */
} ConcordFieldChange;

typedef struct
{
  char *field;     /* the field on side A */
  char *value_a;   /* (nullable) */
  char *value_b;   /* (nullable) */
  ConcordSide winner;
  gboolean suppressed;  /* settled by the suppression rule: the suppressed status won */
  gboolean kept;        /* ... and stays where it is: the other side's value was refused */
} ConcordPlanConflict;

typedef enum
{
  CONCORD_PLAN_LINKED,    /* an existing link */
  CONCORD_PLAN_MATCH,     /* a first match: a new link */
  CONCORD_PLAN_CREATE,    /* a record to create on the other side */
} ConcordPlanKind;

/**
 * ConcordPlanItem:
 *
 * What happens to one pair of records (or one record to create).
 * @ids: the remote ids; for CREATE, the target's id is %NULL
 * @records: the current records; %NULL for a side that did not change
 *   (its baseline stands for it)
 * @set, @clear: per side, what to write there (NULL set: nothing); for a
 *   CREATE both are %NULL and concord_plan_item_build_create() makes the
 *   record when it is written, so a plan of 100,000 creates holds no copies
 * @views: per side, the values the plan compared: the current record, or
 *   the baseline standing for an unchanged one (for concord_plan_item_get_changes())
 * @source: for CREATE, the side the record comes from
 * @scope: per side, whether the record was in its direction's scope (a
 *   rule that syncs matched it)
 * @kept: per side, for a link: the record matches no rule that syncs, and
 *   the direction keeps updating such paired contacts (the user's choice)
 * @actions: (nullable) (element-type utf8): the rule actions that shape
 *   the writes of this item, for people ("B: set status to “active”
 *   (Rule 2)")
 * @crossed_by: (nullable): for CREATE, the rule that let the record
 *   across ("Rule 1", or its name)
 * @notes: per target side, (nullable) field name → which rule's action
 *   wrote it, for the journal ("Rule 2: add “VIP” to lists")
 */
typedef struct
{
  ConcordPlanKind  kind;
  gint64           link_id;
  char            *ids[2];
  ConcordRecord   *records[2];
  ConcordRecord   *set[2];
  GPtrArray       *clear[2];
  ConcordRecord   *views[2];
  GPtrArray       *conflicts;
  ConcordSide      source;
  gboolean         scope[2];   /* whether each record was in scope when planned */
  gboolean         kept[2];
  GPtrArray       *actions;
  const char      *crossed_by;  /* interned */
  GHashTable      *notes[2];
} ConcordPlanItem;

/* Why a record or field was left alone, as the journal's code keeps it
 * (next to the ConcordError nicks, see concord-error.h): people's words
 * are made from these (concord_activity_explain_code()), never from
 * the English reason. Stored: never change one. */
#define CONCORD_SKIP_RULE        "rule"         /* no rule lets it across */
#define CONCORD_SKIP_CREATE_OFF  "create-off"   /* creating is off this way */
#define CONCORD_SKIP_NOT_SYNCED  "not-synced"   /* the direction does not flow */
#define CONCORD_SKIP_NOT_MAPPED  "not-mapped"   /* the email is not mapped */
#define CONCORD_SKIP_NO_EMAIL    "no-email"     /* no valid (or a repaired) address */
#define CONCORD_SKIP_AMBIGUOUS   "ambiguous"    /* = concord_error_to_nick (CONCORD_ERROR_AMBIGUOUS) */
#define CONCORD_SKIP_PAIRED      "paired"       /* its match is paired already */
#define CONCORD_SKIP_UNREADABLE  "unreadable"   /* its partner could not be read */
#define CONCORD_SKIP_CONVERT     "convert"      /* a value does not fit the other field */
#define CONCORD_SKIP_SUPPRESSED  "suppressed"   /* unsubscribed, bounced or complained */
#define CONCORD_SKIP_BAD_RECORD  "bad-record"   /* its app holds it, Concord cannot read it */

/* A record (or, with @field, one field of it) left alone, and why. */
typedef struct
{
  ConcordSide side;
  char       *remote_id;
  char       *reason;
  char       *field;       /* (nullable) the field that was not written */
  const char *code;        /* one of CONCORD_SKIP_* (static) */
} ConcordPlanSkip;

typedef struct
{
  char      *email;
  ConcordSide side;        /* the side with duplicates, or A when both */
  char      *ids;          /* the remote ids involved, for the review */
} ConcordPlanAmbiguous;

/**
 * ConcordPlan:
 * @items: every #ConcordPlanItem, writes or not
 * @skips: records left alone, with the reason
 * @ambiguous: matches that need a person
 * @settle: per side, remote ids of changed records that need no write but
 *   whose new content is now settled (out of scope, no email, …)
 * @excluded: linked records that changed but are out of their direction's
 *   scope, with the reason (#ConcordPlanSkip); the other way may still flow
 * @unlinks: link ids whose record vanished from a complete listing
 * @tripped: the circuit breaker stopped the run; @trip_reason says why
 */
typedef struct
{
  GPtrArray *items;
  GPtrArray *skips;
  GPtrArray *ambiguous;
  GPtrArray *excluded;
  GPtrArray *settle[2];
  GArray    *unlinks;
  guint      n_creates[2];
  guint      n_updates[2];
  guint      n_overwrites[2];
  guint      n_conflicts;
  gboolean   tripped;
  char      *trip_reason;
} ConcordPlan;

gboolean     concord_plan_in_scope (const ConcordSyncConfig *config,
                                    ConcordSide              side,
                                    const ConcordRecord     *record);
guint64      concord_sync_config_fingerprint (const ConcordSyncConfig *config);
guint64      concord_plan_hash     (const ConcordSyncConfig *config,
                                    ConcordSide              side,
                                    const ConcordRecord     *record,
                                    gboolean                 in_scope);

guint        concord_sync_config_max_listed (const ConcordSyncConfig *config,
                                             guint                    known);

ConcordPlan *concord_planner_plan  (ConcordPlanInput *input);
gboolean     concord_plan_item_writes       (const ConcordPlanItem   *item,
                                             ConcordSide              side);
GPtrArray   *concord_plan_item_get_changes  (const ConcordPlanItem   *item,
                                             ConcordSide              side);
void         concord_field_change_free      (ConcordFieldChange      *change);
ConcordRecord *concord_plan_item_build_create (const ConcordPlanItem *item,
                                             const ConcordSyncConfig *config);
void         concord_plan_free     (ConcordPlan      *plan);
char        *concord_plan_to_string (const ConcordPlan       *plan,
                                     const ConcordSyncConfig *config,
                                     guint                    max_items);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordPlan, concord_plan_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordPlanInput, concord_plan_input_free)

G_END_DECLS
