/* concord-rule-test-data.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What the rule tests share (concord-rule-test-data.c, in the test-support
 * library): an engine over two in-memory apps, "Shop" (side A) and
 * "Newsletter" (side B), with known schemas, and Shop's twelve contacts as
 * a table the tests count from themselves.
 */

#include "concord-engine.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-test-utils.h"

G_BEGIN_DECLS

typedef struct
{
  const char *email;
  const char *first;
  const char *last;
  const char *status;
  double      score;   /* custom:Score */
  const char *tags;    /* comma-separated, NULL: none */
  const char *plan;    /* custom:Plan */
  const char *joined;  /* custom:Joined, YYYY-MM-DD */
} RulePerson;

#define RULE_N_SHOP_PEOPLE 12

/* Shop's contacts, as rule_make_sides() puts them in side A. */
extern const RulePerson shop_people[RULE_N_SHOP_PEOPLE];

/* The two apps, made by rule_make_sides(), dropped by rule_close_engine(). */
extern ConcordMemoryConnector *rule_sides[2];

/* "memory" accounts: key "right", options {"side": "a"} or {"side": "b"}. */
ConcordConnector *rule_test_create     (const char          *app_id,
                                        const char          *options_json,
                                        const char          *secret,
                                        GError             **error);
gboolean          rule_person_has_tag  (const RulePerson    *p,
                                        const char          *tag);
void              rule_add_spec        (GPtrArray           *schema,
                                        const char          *key,
                                        const char          *label,
                                        ConcordFieldType     type,
                                        const char * const  *choices);
void              rule_make_sides      (void);
ConcordEngine    *rule_open_engine     (const char          *db_path);
char             *rule_add_account     (ConcordEngine       *engine,
                                        const char          *name,
                                        const char          *options);
gint64            rule_add_connection  (ConcordEngine       *engine,
                                        ConcordDirection     direction,
                                        const char          *suffix);
void              rule_close_engine    (ConcordEngine      **engine);

G_END_DECLS
