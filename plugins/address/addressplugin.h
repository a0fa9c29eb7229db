// SPDX-License-Identifier: MIT
#pragma once

#include "triage.h"

#include <peal/sdk/phase.h>

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

// Phase 3: review, dismiss, address, re-review (spec §8.6-§8.8).
class AddressPlugin final : public PhasePlugin
{
public:
    Result<void> configure(const PluginConfig &config) override;
    std::unique_ptr<PhaseRun> createRun() const override;
    QStringList describe(const PhaseOutlineContext &context) const override;

private:
    AddressSettings m_settings;
};

} // namespace Peal::Address
