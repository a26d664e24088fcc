/* concord-test-crossing.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-application.h"
#include "concord-engine.h"

G_BEGIN_DECLS

/* An edit crossing a connection by itself: two concord-mock Elastic Email
 * servers in processes of their own, the first with @n_contacts made-up
 * contacts, the second empty, and a two-way connection between them in
 * @app, switched on and run once (so both hold every contact). Then
 * concord_crossing_edit() changes a contact's first name through the
 * first server's API, as another program would, and
 * concord_crossing_wait() lets the application's own schedule carry it.
 * Needs an unlocked keyring (the keys go there, and are removed by
 * concord_crossing_free()). */
typedef struct _ConcordCrossing ConcordCrossing;

ConcordCrossing        *concord_crossing_new       (ConcordApplication *app,
                                                    guint               n_contacts);
ConcordConnectionState *concord_crossing_get_state (ConcordCrossing    *self);
void                    concord_crossing_edit      (ConcordCrossing    *self);
double                  concord_crossing_wait      (ConcordCrossing    *self,
                                                    guint               timeout_s,
                                                    guint              *n_runs);
void                    concord_crossing_free      (ConcordCrossing    *self);

char                   *concord_test_mock_request  (const char         *base_url,
                                                    const char         *key,
                                                    const char         *method,
                                                    const char         *path,
                                                    const char         *body);

G_END_DECLS
