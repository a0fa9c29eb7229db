// SPDX-License-Identifier: MIT
#pragma once

#include "task/taskresult.h"

#include <peal/config.h>

namespace Peal::Internal {

// Phase 1 ("plan") and phase 2 ("execute") of spec §4.6, built into the core.
PEAL_EXPORT std::unique_ptr<PhaseRun> createPlanPhase(const Config &config);
PEAL_EXPORT std::unique_ptr<PhaseRun> createExecutePhase(const Config &config);

// Spec §5.5: empty text, or shorter (in UTF-8 bytes) than min_plan_text_len, is invalid.
PEAL_EXPORT Result<void> validatePlanText(const Config &config, quint32 taskIndex, const QString &text);

} // namespace Peal::Internal
