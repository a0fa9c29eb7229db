// SPDX-License-Identifier: MIT
// The plugin ABI as the compiler lays it out: the size, alignment and member offsets of every
// struct that crosses the plugin boundary, the vtable slot of every virtual function, and the
// value of every enumerator, compared with tests/data/sdk-abi.txt, recorded for the ABI number
// in peal/sdk/version.h. A plugin built against these headers keeps loading as long as this
// holds (docs/plugins.md, "ABI"): new functions, new enumerators at the end of an enum, new
// keys in a struct's Extensions and new virtual functions at the end of an interface the core
// implements change nothing here. Anything else fails, and then either the change is undone or
// PEAL_PLUGIN_ABI is bumped and the layout recorded again (PEAL_RECORD_SDK_ABI=1).
#include <peal/sdk/agent.h>
#include <peal/sdk/events.h>
#include <peal/sdk/executor.h>
#include <peal/sdk/log.h>
#include <peal/sdk/options.h>
#include <peal/sdk/phase.h>
#include <peal/sdk/plugin.h>
#include <peal/sdk/process.h>
#include <peal/sdk/result.h>
#include <peal/sdk/reviewer.h>
#include <peal/sdk/steps.h>
#include <peal/sdk/version.h>

#include "testsupport.h"

#include <QRegularExpression>
#include <QTest>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

using namespace Peal;
using namespace Qt::StringLiterals;

// offsetof on classes with virtual functions or non-trivial members is what this test is for:
// GCC and clang compute it, and warn that the standard does not promise they do.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

namespace {

// The vtable slot of a virtual member function (Itanium C++ ABI: the pointer holds 1 + the
// slot's byte offset); -1 for a function that is not virtual.
template<typename F>
int slotOf(F function)
{
    static_assert(sizeof(F) == 2 * sizeof(void *), "an Itanium member function pointer");
    struct
    {
        std::uintptr_t pointer;
        std::ptrdiff_t adjust;
    } raw;
    std::memcpy(&raw, &function, sizeof raw);
    return (raw.pointer & 1) ? int((raw.pointer - 1) / sizeof(void *)) : -1;
}

class Layout
{
public:
    template<typename T>
    void type(const char *name)
    {
        m_type = QString::fromLatin1(name);
        m_lines << u"%1 size %2 align %3"_s.arg(m_type).arg(sizeof(T)).arg(alignof(T));
    }
    void member(const char *name, std::size_t offset) { m_lines << u"%1.%2 @%3"_s.arg(m_type, QLatin1String(name)).arg(offset); }
    void slot(const char *name, int slot) { m_lines << u"%1::%2 slot %3"_s.arg(m_type, QLatin1String(name)).arg(slot); }
    void value(const char *name, int value) { m_lines << u"%1::%2 = %3"_s.arg(m_type, QLatin1String(name)).arg(value); }
    QStringList lines() const { return m_lines; }

private:
    QString m_type;
    QStringList m_lines;
};

#define ABI_STRUCT(T) layout.type<T>(#T)
#define ABI_MEMBER(T, m) layout.member(#m, offsetof(T, m))
#define ABI_SLOT(T, f) layout.slot(#f, slotOf(&T::f))
#define ABI_VALUE(E, v) layout.value(#v, int(E::v))

QStringList sdkLayout()
{
    Layout layout;
    // ---- structs ----
    ABI_STRUCT(PluginConfig);
    ABI_MEMBER(PluginConfig, id); ABI_MEMBER(PluginConfig, options); ABI_MEMBER(PluginConfig, repoPath);
    ABI_MEMBER(PluginConfig, phaseTimeout); ABI_MEMBER(PluginConfig, commitAfterPhase2); ABI_MEMBER(PluginConfig, pathVariable);
    ABI_MEMBER(PluginConfig, extensions);
    ABI_STRUCT(AgentSettings);
    ABI_MEMBER(AgentSettings, program); ABI_MEMBER(AgentSettings, workspace); ABI_MEMBER(AgentSettings, model);
    ABI_MEMBER(AgentSettings, sandbox); ABI_MEMBER(AgentSettings, timeout); ABI_MEMBER(AgentSettings, options);
    ABI_MEMBER(AgentSettings, extensions);
    ABI_STRUCT(AgentOutput);
    ABI_MEMBER(AgentOutput, status); ABI_MEMBER(AgentOutput, text); ABI_MEMBER(AgentOutput, stderrText);
    ABI_MEMBER(AgentOutput, exitCode); ABI_MEMBER(AgentOutput, errorString); ABI_MEMBER(AgentOutput, signal);
    ABI_MEMBER(AgentOutput, failure); ABI_MEMBER(AgentOutput, failureText); ABI_MEMBER(AgentOutput, failureDetail);
    ABI_MEMBER(AgentOutput, extensions);
    ABI_STRUCT(ProgramLookup);
    ABI_MEMBER(ProgramLookup, outcome); ABI_MEMBER(ProgramLookup, path);
    ABI_STRUCT(AgentEvent);
    ABI_MEMBER(AgentEvent, kind); ABI_MEMBER(AgentEvent, text); ABI_MEMBER(AgentEvent, name); ABI_MEMBER(AgentEvent, target);
    ABI_MEMBER(AgentEvent, inputTokens); ABI_MEMBER(AgentEvent, outputTokens); ABI_MEMBER(AgentEvent, cacheReadTokens);
    ABI_MEMBER(AgentEvent, cacheWriteTokens); ABI_MEMBER(AgentEvent, costUsd); ABI_MEMBER(AgentEvent, failure);
    ABI_MEMBER(AgentEvent, turns); ABI_MEMBER(AgentEvent, extensions);
    ABI_STRUCT(ExecutorCall);
    ABI_MEMBER(ExecutorCall, task); ABI_MEMBER(ExecutorCall, phase); ABI_MEMBER(ExecutorCall, reviewer);
    ABI_MEMBER(ExecutorCall, timeout); ABI_MEMBER(ExecutorCall, tag); ABI_MEMBER(ExecutorCall, extensions);
    ABI_STRUCT(LogField);
    ABI_MEMBER(LogField, key); ABI_MEMBER(LogField, value);
    ABI_STRUCT(TaskInfo);
    ABI_MEMBER(TaskInfo, index); ABI_MEMBER(TaskInfo, body); ABI_MEMBER(TaskInfo, position); ABI_MEMBER(TaskInfo, taskCount);
    ABI_MEMBER(TaskInfo, extensions);
    ABI_STRUCT(ReviewReport);
    ABI_MEMBER(ReviewReport, rounds); ABI_MEMBER(ReviewReport, resolved); ABI_MEMBER(ReviewReport, openPerRound);
    ABI_MEMBER(ReviewReport, stopReason); ABI_MEMBER(ReviewReport, extensions);
    ABI_STRUCT(TaskData);
    ABI_MEMBER(TaskData, planText); ABI_MEMBER(TaskData, executeOutput); ABI_MEMBER(TaskData, extensions);
    ABI_STRUCT(AgentCallOptions);
    ABI_MEMBER(AgentCallOptions, phaseNumber); ABI_MEMBER(AgentCallOptions, phaseName); ABI_MEMBER(AgentCallOptions, attempts);
    ABI_MEMBER(AgentCallOptions, emptyAnswerOnFailure); ABI_MEMBER(AgentCallOptions, logName);
    ABI_MEMBER(AgentCallOptions, extensions);
    ABI_STRUCT(PhaseSettings);
    ABI_MEMBER(PhaseSettings, repoPath); ABI_MEMBER(PhaseSettings, commitAfterPhase2); ABI_MEMBER(PhaseSettings, phaseTimeout);
    ABI_MEMBER(PhaseSettings, phaseRetryCount); ABI_MEMBER(PhaseSettings, extensions);
    ABI_STRUCT(PhaseOutlineContext);
    ABI_MEMBER(PhaseOutlineContext, agentCommand); ABI_MEMBER(PhaseOutlineContext, hasReview);
    ABI_MEMBER(PhaseOutlineContext, reviewCommand); ABI_MEMBER(PhaseOutlineContext, dismissCommand);
    ABI_MEMBER(PhaseOutlineContext, extensions);
    ABI_STRUCT(ProcessSpec);
    ABI_MEMBER(ProcessSpec, program); ABI_MEMBER(ProcessSpec, arguments); ABI_MEMBER(ProcessSpec, workingDirectory);
    ABI_MEMBER(ProcessSpec, environment); ABI_MEMBER(ProcessSpec, stdinMode); ABI_MEMBER(ProcessSpec, stdinData);
    ABI_MEMBER(ProcessSpec, timeout); ABI_MEMBER(ProcessSpec, idleTimeout); ABI_MEMBER(ProcessSpec, captureLimit);
    ABI_MEMBER(ProcessSpec, streamLines); ABI_MEMBER(ProcessSpec, maxLineLength); ABI_MEMBER(ProcessSpec, label);
    ABI_MEMBER(ProcessSpec, lastArgumentIsPrompt); ABI_MEMBER(ProcessSpec, extensions);
    ABI_STRUCT(ProcessResult);
    ABI_MEMBER(ProcessResult, ending); ABI_MEMBER(ProcessResult, exitCode); ABI_MEMBER(ProcessResult, stdoutText);
    ABI_MEMBER(ProcessResult, stderrText); ABI_MEMBER(ProcessResult, stdoutBytes); ABI_MEMBER(ProcessResult, stderrBytes);
    ABI_MEMBER(ProcessResult, stdoutTruncated); ABI_MEMBER(ProcessResult, stderrTruncated); ABI_MEMBER(ProcessResult, errorString);
    ABI_MEMBER(ProcessResult, duration); ABI_MEMBER(ProcessResult, signal); ABI_MEMBER(ProcessResult, linesCut);
    ABI_MEMBER(ProcessResult, idle); ABI_MEMBER(ProcessResult, executorFailure); ABI_MEMBER(ProcessResult, extensions);
    ABI_STRUCT(Step);
    ABI_STRUCT(StepHandle);
    ABI_STRUCT(Finding);
    ABI_MEMBER(Finding, id); ABI_MEMBER(Finding, message); ABI_MEMBER(Finding, suggestion); ABI_MEMBER(Finding, path);
    ABI_MEMBER(Finding, line); ABI_MEMBER(Finding, extensions);
    ABI_STRUCT(ReviewResult);
    ABI_MEMBER(ReviewResult, stdoutText); ABI_MEMBER(ReviewResult, stderrText); ABI_MEMBER(ReviewResult, exitCode);
    ABI_MEMBER(ReviewResult, hasFindings); ABI_MEMBER(ReviewResult, findings); ABI_MEMBER(ReviewResult, suggestions);
    ABI_MEMBER(ReviewResult, findingCount); ABI_MEMBER(ReviewResult, openFindings); ABI_MEMBER(ReviewResult, extensions);
    ABI_STRUCT(ReviewerReadiness);
    ABI_MEMBER(ReviewerReadiness, ready); ABI_MEMBER(ReviewerReadiness, program); ABI_MEMBER(ReviewerReadiness, warning);
    ABI_MEMBER(ReviewerReadiness, extensions);
    ABI_STRUCT(ReviewOutline);
    ABI_MEMBER(ReviewOutline, mode); ABI_MEMBER(ReviewOutline, atStart); ABI_MEMBER(ReviewOutline, perReview);
    ABI_MEMBER(ReviewOutline, dismiss); ABI_MEMBER(ReviewOutline, atFinish); ABI_MEMBER(ReviewOutline, extensions);
    // Classes with private members, constructed inline by plugins: their size is the ABI.
    ABI_STRUCT(Error);
    ABI_STRUCT(Result<void>);
    ABI_STRUCT(Result<QString>);
    ABI_STRUCT(OptionReader);

    // ---- interfaces: the roles plugins implement, the services the core implements ----
    ABI_STRUCT(Plugin);
    ABI_SLOT(Plugin, role); ABI_SLOT(Plugin, configure);
    ABI_STRUCT(AgentPlugin);
    ABI_SLOT(AgentPlugin, role); ABI_SLOT(AgentPlugin, configure); ABI_SLOT(AgentPlugin, resolveProgram); ABI_SLOT(AgentPlugin, command);
    ABI_SLOT(AgentPlugin, interpret); ABI_SLOT(AgentPlugin, defaultCommand); ABI_SLOT(AgentPlugin, testedVersion);
    ABI_SLOT(AgentPlugin, streamsEvents); ABI_SLOT(AgentPlugin, reportsResult); ABI_SLOT(AgentPlugin, reportsCost);
    ABI_SLOT(AgentPlugin, onOutputLine);
    ABI_STRUCT(ReviewerPlugin);
    ABI_SLOT(ReviewerPlugin, readiness); ABI_SLOT(ReviewerPlugin, createSession); ABI_SLOT(ReviewerPlugin, repositoryStateDirectories);
    ABI_SLOT(ReviewerPlugin, detectFindings); ABI_SLOT(ReviewerPlugin, parseFindings); ABI_SLOT(ReviewerPlugin, extractSuggestions);
    ABI_SLOT(ReviewerPlugin, countFindings); ABI_SLOT(ReviewerPlugin, openFindings);
    ABI_STRUCT(PhasePlugin);
    ABI_SLOT(PhasePlugin, createRun); ABI_SLOT(PhasePlugin, describe);
    ABI_STRUCT(ExecutorPlugin);
    ABI_SLOT(ExecutorPlugin, runs); ABI_SLOT(ExecutorPlugin, wrap); ABI_SLOT(ExecutorPlugin, failureOf); ABI_SLOT(ExecutorPlugin, listCommand);
    ABI_SLOT(ExecutorPlugin, cancelCommands); ABI_SLOT(ExecutorPlugin, needsSharedFileSystem);
    ABI_STRUCT(ReviewSession);
    ABI_SLOT(ReviewSession, start); ABI_SLOT(ReviewSession, review); ABI_SLOT(ReviewSession, canDismiss); ABI_SLOT(ReviewSession, dismiss);
    ABI_SLOT(ReviewSession, needsFinish); ABI_SLOT(ReviewSession, finish); ABI_SLOT(ReviewSession, reviewName);
    ABI_SLOT(ReviewSession, outline); ABI_SLOT(ReviewSession, seesUncommittedChanges);
    ABI_STRUCT(PhaseRun);
    ABI_SLOT(PhaseRun, start);
    ABI_STRUCT(ReviewServices);
    ABI_SLOT(ReviewServices, runProcess); ABI_SLOT(ReviewServices, log); ABI_SLOT(ReviewServices, run);
    ABI_SLOT(ReviewServices, acceptedChanges);
    ABI_STRUCT(Reviewer);
    ABI_SLOT(Reviewer, review); ABI_SLOT(Reviewer, canDismiss); ABI_SLOT(Reviewer, dismiss); ABI_SLOT(Reviewer, reviewName);
    ABI_STRUCT(PhaseServices);
    ABI_SLOT(PhaseServices, settings); ABI_SLOT(PhaseServices, task); ABI_SLOT(PhaseServices, data); ABI_SLOT(PhaseServices, workspace);
    ABI_SLOT(PhaseServices, options); ABI_SLOT(PhaseServices, runAgent); ABI_SLOT(PhaseServices, runProcess); ABI_SLOT(PhaseServices, log);
    ABI_SLOT(PhaseServices, reviewer); ABI_SLOT(PhaseServices, commitChanges); ABI_SLOT(PhaseServices, report);
    ABI_SLOT(PhaseServices, run);

    // ---- enumerators ----
    layout.type<PluginRole>("PluginRole");
    ABI_VALUE(PluginRole, Agent); ABI_VALUE(PluginRole, Reviewer); ABI_VALUE(PluginRole, Phase); ABI_VALUE(PluginRole, Executor);
    layout.type<AgentMode>("AgentMode");
    ABI_VALUE(AgentMode, Plan); ABI_VALUE(AgentMode, Execute); ABI_VALUE(AgentMode, Address); ABI_VALUE(AgentMode, Triage);
    ABI_VALUE(AgentMode, Normalize);
    layout.type<AgentOutput::Status>("AgentOutput::Status");
    ABI_VALUE(AgentOutput::Status, Succeeded); ABI_VALUE(AgentOutput::Status, Failed); ABI_VALUE(AgentOutput::Status, TimedOut);
    ABI_VALUE(AgentOutput::Status, FailedToStart); ABI_VALUE(AgentOutput::Status, Cancelled);
    layout.type<AgentEvent::Kind>("AgentEvent::Kind");
    ABI_VALUE(AgentEvent::Kind, Session); ABI_VALUE(AgentEvent::Kind, Text); ABI_VALUE(AgentEvent::Kind, ToolCall);
    ABI_VALUE(AgentEvent::Kind, Usage); ABI_VALUE(AgentEvent::Kind, Turn); ABI_VALUE(AgentEvent::Kind, Failure);
    ABI_VALUE(AgentEvent::Kind, Result); ABI_VALUE(AgentEvent::Kind, Unreadable);
    layout.type<AgentEvent::Failure>("AgentEvent::Failure");
    ABI_VALUE(AgentEvent::Failure, None); ABI_VALUE(AgentEvent::Failure, RateLimit); ABI_VALUE(AgentEvent::Failure, Overloaded);
    ABI_VALUE(AgentEvent::Failure, Auth); ABI_VALUE(AgentEvent::Failure, ContextLimit); ABI_VALUE(AgentEvent::Failure, MaxTurns);
    ABI_VALUE(AgentEvent::Failure, Timeout); ABI_VALUE(AgentEvent::Failure, Crash); ABI_VALUE(AgentEvent::Failure, Stalled);
    ABI_VALUE(AgentEvent::Failure, Executor); ABI_VALUE(AgentEvent::Failure, Other);
    ABI_VALUE(AgentEvent::Failure, Billing);
    layout.type<ProcessSpec::Stdin>("ProcessSpec::Stdin");
    ABI_VALUE(ProcessSpec::Stdin, Inherit); ABI_VALUE(ProcessSpec::Stdin, Null); ABI_VALUE(ProcessSpec::Stdin, Data);
    layout.type<OutputChannel>("OutputChannel");
    ABI_VALUE(OutputChannel, Stdout); ABI_VALUE(OutputChannel, Stderr);
    layout.type<ProcessEnding>("ProcessEnding");
    ABI_VALUE(ProcessEnding, Exited); ABI_VALUE(ProcessEnding, FailedToStart); ABI_VALUE(ProcessEnding, Crashed);
    ABI_VALUE(ProcessEnding, TimedOut); ABI_VALUE(ProcessEnding, Cancelled);
    layout.type<LogLevel>("LogLevel");
    ABI_VALUE(LogLevel, Trace); ABI_VALUE(LogLevel, Debug); ABI_VALUE(LogLevel, Info); ABI_VALUE(LogLevel, Warn); ABI_VALUE(LogLevel, Error);
    layout.type<ProgramLookup::Outcome>("ProgramLookup::Outcome");
    ABI_VALUE(ProgramLookup::Outcome, Found); ABI_VALUE(ProgramLookup::Outcome, NotFound);
    ABI_VALUE(ProgramLookup::Outcome, NotExecutable); ABI_VALUE(ProgramLookup::Outcome, NotAFile);
    layout.type<Step::Kind>("Step::Kind");
    ABI_VALUE(Step::Kind, Leaf); ABI_VALUE(Step::Kind, Sequence); ABI_VALUE(Step::Kind, Parallel); ABI_VALUE(Step::Kind, Loop);
    layout.type<Step::OnError>("Step::OnError");
    ABI_VALUE(Step::OnError, Stop); ABI_VALUE(Step::OnError, Continue);
    layout.type<Error::Kind>("Error::Kind");
    ABI_VALUE(Error::Kind, Generic); ABI_VALUE(Error::Kind, Config); ABI_VALUE(Error::Kind, PlanFile); ABI_VALUE(Error::Kind, TaskNotFound);
    ABI_VALUE(Error::Kind, Normalization); ABI_VALUE(Error::Kind, State); ABI_VALUE(Error::Kind, AgentNotFound); ABI_VALUE(Error::Kind, Phase);
    ABI_VALUE(Error::Kind, PlanTextInvalid); ABI_VALUE(Error::Kind, Commit); ABI_VALUE(Error::Kind, Review); ABI_VALUE(Error::Kind, CapReached);
    ABI_VALUE(Error::Kind, Plugin); ABI_VALUE(Error::Kind, Io); ABI_VALUE(Error::Kind, Interrupted); ABI_VALUE(Error::Kind, Isolation);
    return layout.lines();
}

// Interfaces the core implements and plugins only call: they may gain virtual functions at
// their end (docs/plugins.md).
const QStringList kCoreImplemented{u"PhaseServices"_s, u"ReviewServices"_s, u"Reviewer"_s};

// Whether `line`, not in `recorded`, is growth the ABI policy allows: a type that did not
// exist, a virtual function after the last one of an interface the core implements, an
// enumerator after the last one of its enumeration.
bool allowedAddition(const QStringList &recorded, const QString &line)
{
    static const QRegularExpression slot(u"^(\\w+)::\\w+ slot (\\d+)$"_s);
    static const QRegularExpression value(u"^([\\w:]+)::\\w+ = (-?\\d+)$"_s);
    const auto highest = [&](const QString &prefix, const QRegularExpression &re, int group) {
        int most = -1;
        for (const QString &r : recorded) {
            const QRegularExpressionMatch m = re.match(r);
            if (m.hasMatch() && m.captured(1) == prefix)
                most = std::max(most, m.captured(group).toInt());
        }
        return most;
    };
    // A name that was recorded with another value moved: that is a change, not growth.
    const QString name = line.section(u' ', 0, 0);
    if (std::any_of(recorded.cbegin(), recorded.cend(), [&](const QString &r) { return r.section(u' ', 0, 0) == name; }))
        return false;
    if (const QRegularExpressionMatch m = slot.match(line); m.hasMatch())
        return kCoreImplemented.contains(m.captured(1)) && m.captured(2).toInt() > highest(m.captured(1), slot, 2);
    if (const QRegularExpressionMatch m = value.match(line); m.hasMatch()) {
        const int most = highest(m.captured(1), value, 2);
        if (most >= 0)
            return m.captured(2).toInt() > most;
    }
    // A type of its own: nothing recorded under its name.
    const QString type = line.section(u' ', 0, 0).section(u'.', 0, 0);
    const QString owner = type.contains(u"::"_s) ? type.section(u"::"_s, 0, -2) : type;
    return std::none_of(recorded.cbegin(), recorded.cend(), [&](const QString &r) {
        const QString rt = r.section(u' ', 0, 0).section(u'.', 0, 0);
        return rt == owner || rt.startsWith(owner + u"::"_s);
    });
}

// The lines in one layout and not in the other, marked; growth the policy allows is not a
// difference.
QStringList differences(const QStringList &recorded, const QStringList &now)
{
    QStringList changed;
    for (const QString &line : now) {
        if (!recorded.contains(line) && !allowedAddition(recorded, line))
            changed << u"now:  "_s + line;
    }
    for (const QString &line : recorded) {
        if (!now.contains(line))
            changed << u"was:  "_s + line;
    }
    return changed;
}

QString recordPath()
{
    return PealTest::dataDir() + u"/sdk-abi.txt"_s;
}

} // namespace

class tst_SdkAbi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theLayoutIsTheOneRecordedForThisAbi()
    {
        const QStringList now = QStringList{u"abi %1"_s.arg(PEAL_PLUGIN_ABI)} + sdkLayout();
        const QStringList recorded = QString::fromUtf8(PealTest::readFile(recordPath())).split(u'\n', Qt::SkipEmptyParts);
        if (qEnvironmentVariableIsSet("PEAL_RECORD_SDK_ABI")) {
            // A new number, or growth the policy allows (recorded so that it is held from now on).
            QVERIFY2(recorded.value(0) != now.first() || differences(recorded, now).isEmpty(),
                     "the layout changed under the same ABI number: bump PEAL_PLUGIN_ABI first");
            QVERIFY(PealTest::writeFile(recordPath(), now.join(u'\n').toUtf8() + '\n'));
            QSKIP("recorded the SDK's layout; unset PEAL_RECORD_SDK_ABI to check it");
        }
        QVERIFY2(!recorded.isEmpty(), qPrintable(u"no record at "_s + recordPath()));
        QVERIFY2(recorded.first() == now.first(),
                 qPrintable(u"%1 records %2, the SDK says %3: record the layout of the new ABI (PEAL_RECORD_SDK_ABI=1)"_s
                                .arg(recordPath(), recorded.first(), now.first())));
        const QStringList changed = differences(recorded, now);
        QVERIFY2(changed.isEmpty(),
                 qPrintable(u"the SDK's layout changed under ABI %1; a plugin built before would load and misbehave. "
                            "Grow through Extensions or at the end of an interface the core implements "
                            "(docs/plugins.md), or bump PEAL_PLUGIN_ABI and record the layout again:\n"_s
                                .arg(PEAL_PLUGIN_ABI)
                            + changed.join(u'\n')));
    }

    void aChangedLayoutIsNoticed()
    {
        // What the comparison sees of a field added in the middle, a virtual function added to
        // a role, an enumerator renumbered.
        const QStringList layout = sdkLayout();
        QStringList moved = layout;
        for (QString &line : moved) {
            if (line.startsWith(u"ProcessSpec.arguments @"_s))
                line = u"ProcessSpec.arguments @1000"_s;
        }
        QCOMPARE(differences(layout, moved).size(), 2);
        QVERIFY(differences(layout, layout + QStringList{u"AgentPlugin::resume slot 20"_s})
                    .contains(u"now:  AgentPlugin::resume slot 20"_s));
        // Growth the policy allows: a function at the end of an interface the core implements,
        // an enumerator at the end, a new type; not a function in the middle of one.
        QVERIFY(differences(layout, layout + QStringList{u"ReviewServices::later slot 40"_s}).isEmpty());
        QCOMPARE(differences(layout, layout + QStringList{u"ReviewServices::between slot 3"_s}).size(), 1);
        QVERIFY(differences(layout, layout + QStringList{u"LogLevel::Fatal = 40"_s}).isEmpty());
        QVERIFY(differences(layout, layout + QStringList{u"NewThing size 8 align 8"_s, u"NewThing.value @0"_s}).isEmpty());
        QCOMPARE(differences(layout, layout + QStringList{u"ProcessSpec.extra @4000"_s}).size(), 1);
        QStringList renumbered = layout;
        renumbered.replace(renumbered.indexOf(u"LogLevel::Error = 4"_s), u"LogLevel::Error = 5"_s);
        QCOMPARE(differences(layout, renumbered), (QStringList{u"now:  LogLevel::Error = 5"_s, u"was:  LogLevel::Error = 4"_s}));
        // And the probe itself reads real slots and offsets.
        QVERIFY(layout.contains(u"ProcessSpec.program @0"_s));
        QVERIFY(layout.indexOf(QRegularExpression(u"^AgentPlugin::command slot [3-9]$"_s)) >= 0);
    }
};

QTEST_APPLESS_MAIN(tst_SdkAbi)
#include "tst_sdkabi.moc"
