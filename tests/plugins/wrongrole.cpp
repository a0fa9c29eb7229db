// SPDX-License-Identifier: MIT
// Its manifest says "phase"; the object is an agent.
#include <peal/sdk/agent.h>

namespace {

class WrongRolePlugin final : public Peal::AgentPlugin
{
public:
    Peal::Result<QString> resolveProgram(const QString &c, const std::optional<QString> &) const override
    {
        return c;
    }
    Peal::ProcessSpec command(Peal::AgentMode, const QString &, const Peal::AgentSettings &) const override
    {
        return {};
    }
    Peal::AgentOutput interpret(Peal::AgentMode, const Peal::ProcessResult &) const override
    {
        return {};
    }
};

} // namespace

PEAL_REGISTER_PLUGIN(WrongRolePlugin)
