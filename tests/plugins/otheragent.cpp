// SPDX-License-Identifier: MIT
// An agent plugin that is not Cursor's: it names itself and its own install hint when its
// program cannot be used, and runs the program with the prompt as its only argument.
#include <peal/agent.h>

namespace {

class OtherAgent final : public Peal::AgentPlugin
{
public:
    Peal::Result<QString> resolveProgram(const QString &command,
                                         const std::optional<QString> &pathVariable) const override
    {
        const Peal::ProgramLookup found = Peal::lookUpProgram(command, pathVariable);
        if (found.outcome == Peal::ProgramLookup::Outcome::Found)
            return found.path;
        return Peal::programNotUsable(found, command, QStringLiteral("Other Agent"),
                                      QStringLiteral("Install it with 'npm install -g other-agent'"));
    }

    Peal::ProcessSpec command(Peal::AgentMode, const QString &prompt, const Peal::AgentSettings &settings) const override
    {
        Peal::ProcessSpec spec;
        spec.program = settings.program;
        spec.arguments = {prompt};
        spec.workingDirectory = settings.workspace;
        spec.lastArgumentIsPrompt = true;
        return spec;
    }

    Peal::AgentOutput interpret(Peal::AgentMode, const Peal::ProcessResult &result) const override
    {
        Peal::AgentOutput out;
        out.status = result.success() ? Peal::AgentOutput::Status::Succeeded : Peal::AgentOutput::Status::Failed;
        out.text = result.stdoutText;
        out.exitCode = result.code();
        return out;
    }
};

} // namespace

PEAL_REGISTER_PLUGIN(OtherAgent)
