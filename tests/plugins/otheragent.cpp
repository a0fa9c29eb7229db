// SPDX-License-Identifier: MIT
// An agent plugin that is not Cursor's: it names itself and its own install hint when its
// program cannot be used, and runs the program with the prompt as its only argument. It streams
// events: "@session ID", "@tool NAME TARGET", "@usage IN OUT [COST]", "@turn", "@fail CLASS"
// lines of its output; "@throw" makes it throw.
#include <peal/sdk/agent.h>

#include <stdexcept>

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

    bool streamsEvents(Peal::AgentMode) const override { return true; }

    QList<Peal::AgentEvent> onOutputLine(Peal::AgentMode, Peal::OutputChannel, const QString &line) const override
    {
        using Peal::AgentEvent;
        const QStringList words = line.split(u' ', Qt::SkipEmptyParts);
        if (words.isEmpty() || !words.first().startsWith(u'@'))
            return {};
        AgentEvent event;
        const QString &what = words.first();
        if (what == u"@throw")
            throw std::runtime_error("line exploded");
        if (what == u"@session" && words.size() > 1) {
            event.kind = AgentEvent::Kind::Session;
            event.text = words[1];
        } else if (what == u"@tool" && words.size() > 2) {
            event.kind = AgentEvent::Kind::ToolCall;
            event.name = words[1];
            event.target = words[2];
        } else if (what == u"@usage" && words.size() > 2) {
            event.kind = AgentEvent::Kind::Usage;
            event.inputTokens = words[1].toLongLong();
            event.outputTokens = words[2].toLongLong();
            if (words.size() > 3)
                event.costUsd = words[3].toDouble();
        } else if (what == u"@turn") {
            event.kind = AgentEvent::Kind::Turn;
        } else if (what == u"@fail" && words.size() > 1) {
            event.kind = AgentEvent::Kind::Failure;
            event.failure = words[1] == u"rate_limit" ? AgentEvent::Failure::RateLimit : AgentEvent::Failure::Other;
        } else {
            return {};
        }
        return {event};
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
