/* concord-mock-described-apps.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-mock-app.h"
#include "concord-mock-described.h"

G_BEGIN_DECLS

/*
 * The simulated apps served from connector descriptions, each its
 * description plus the quirks of concord-mock-<app>.c here. Their infos
 * are in the described-mock table below, which `concord-mock APP` serves
 * beside concord-apps.list's (described apps have no line there).
 *
 * A test makes one with concord_mock_described_new (id, &quirks, …): no
 * rate limit unless it sets one; the info's create() is the app as
 * concord-mock serves it, with its rate limit.
 */

extern const ConcordMockDescribedQuirks concord_mock_copper_quirks;
extern const ConcordMockDescribedQuirks concord_mock_insightly_quirks;
extern const ConcordMockDescribedQuirks concord_mock_capsule_quirks;

extern const ConcordMockAppInfo concord_mock_copper_info;
extern const ConcordMockAppInfo concord_mock_insightly_info;
extern const ConcordMockAppInfo concord_mock_capsule_info;

/* The described-mock table: `concord-mock APP` serves these too. */
#define CONCORD_MOCK_DESCRIBED_APPS \
  &concord_mock_copper_info, &concord_mock_insightly_info, &concord_mock_capsule_info,

G_END_DECLS
