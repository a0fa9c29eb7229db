// SPDX-License-Identifier: MIT
#pragma once

#include "triage.h"

namespace Peal::Address {

// What the address phase is told (the reference's phase 3 keys, through its options).
struct AddressSettings
{
    enum class OnReviewFailure { Fail, Skip, RetryOnce }; // on_stet_fail
    quint32 maxRounds = 5;
    bool warnOnFindingsLeft = false; // on_findings_remaining = "warn"
    OnReviewFailure onReviewFailure = OnReviewFailure::Fail;
    quint32 retryCount = 0;          // phase3_retry_count
    bool patternTriage = false;      // stet_disable_llm_triage
    QList<DismissPattern> patterns;  // stet_dismiss_patterns
    quint32 patience = 0;            // review_patience: rounds without fewer findings; 0: off
};

} // namespace Peal::Address
