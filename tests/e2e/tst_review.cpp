// SPDX-License-Identifier: MIT
// Phase 3 end to end: the real `peal` binary with the demo agent and the fake stet (which keeps
// a real session in .review/ like stet does) against temp git repositories. Each test compares
// the exit code, state.json, run_summary.json and the recorded agent and stet calls (reference
// §13.10 runner phase-3 cases, §13.12 dismiss flow and address loops, spec §8).
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using PealTest::Scenario;

using PealTest::json;
using PealTest::ints;

namespace {

// Starts a reviewed `peal run` in the background and waits until phase 2 (which sleeps) runs.
bool startInPhase2(QProcess &peal, const Scenario &s, const QHash<QString, QString> &extra = {})
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
    env.insert(u"PEAL_FAKE_STET_LOG"_s, s.stetLog());
    env.insert(u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"Execute the following=30000"_s);
    env.insert(u"PEAL_FAKE_AGENT_STARTED"_s, s.path(u"started"_s));
    for (auto it = extra.begin(); it != extra.end(); ++it)
        env.insert(it.key(), it.value());
    peal.setProcessEnvironment(env);
    peal.setWorkingDirectory(s.dir());
    peal.setStandardInputFile(QProcess::nullDevice());
    peal.start(PealTest::pealBinary(), {u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(), u"--state-dir"_s,
                                        s.stateDir(), u"--agent-cmd"_s, PealTest::demoAgent(), u"--stet-path"_s,
                                        PealTest::demoStet()});
    if (!peal.waitForStarted())
        return false;
    // The agent says when phase 2's call started.
    return QTest::qWaitFor([&] { return PealTest::readFile(s.path(u"started"_s)).contains("execute"); }, 30000);
}

using PealTest::stetFinding;
const auto finding = [](const QString &id, const QString &message, const QString &suggestion = {}) {
    return stetFinding(id, message, suggestion);
};

const QString kA = finding(u"a1111111"_s, u"unused import"_s, u"append fixed.txt: a"_s);
const QString kB = finding(u"b2222222"_s, u"off by one"_s, u"append fixed.txt: b"_s);

// The i-th `stet run` prints the i-th list of findings (the last one repeats).
QByteArray script(const QStringList &steps)
{
    return (u"["_s + steps.join(u',') + u"]"_s).toUtf8();
}

QString list(const QStringList &findings)
{
    return PealTest::findingList(findings);
}

const QString kNone = u"[]"_s;

// Runs the scenario with the fake stet as the reviewer, scripted when `steps` is given.
PealTest::RunResult runReviewed(const Scenario &s, QStringList args, QHash<QString, QString> env = {},
                                const QStringList &steps = {})
{
    if (!steps.isEmpty()) {
        PealTest::writeFile(s.path(u"script.json"_s), script(steps));
        env.insert(u"PEAL_FAKE_STET_MODE"_s, u"script"_s);
        env.insert(u"PEAL_FAKE_STET_SCRIPT"_s, s.path(u"script.json"_s));
    }
    return s.run(QStringList{u"--stet-path"_s, PealTest::demoStet()} + args, env);
}

const QStringList kFinishedSession{u"start"_s, u"run --output=json"_s, u"finish"_s};

// A script step: what a run prints and its exit code, verbatim.
QString rawStep(int exitCode, const QString &out, const QString &errText = {})
{
    return QString::fromUtf8(QJsonDocument(QJsonObject{{u"exit"_s, exitCode}, {u"stdout"_s, out},
                                                       {u"stderr"_s, errText}})
                                 .toJson(QJsonDocument::Compact));
}

// A copy of the fake stet in the scenario, for PEAL_FAKE_STET_VANISH (which deletes it).
QString copyOfFake(const Scenario &s)
{
    QDir().mkpath(s.path(u"bin"_s));
    const QString copy = s.path(u"bin/stet"_s);
    return QFile::copy(PealTest::demoStet(), copy) ? copy : QString();
}

// `n` times the same call.
QStringList times(int n, const QString &call)
{
    QStringList out;
    for (int i = 0; i < n; ++i)
        out << call;
    return out;
}

// The fake stet's argv of `stet_commands` entries: the program is the fake (or its copy).
QString stetCommandsOf(const QString &stet)
{
    return stet + u" start HEAD,"_s + stet + u" run --output=json"_s;
}

// Starts `peal run` with the fake stet as the reviewer, without waiting for it.
bool startPeal(QProcess &peal, const Scenario &s, const QStringList &extra, const QHash<QString, QString> &vars)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"PEAL_FAKE_AGENT_LOG"_s, s.agentLog());
    env.insert(u"PEAL_FAKE_STET_LOG"_s, s.stetLog());
    for (auto it = vars.begin(); it != vars.end(); ++it)
        env.insert(it.key(), it.value());
    peal.setProcessEnvironment(env);
    peal.setWorkingDirectory(s.dir());
    peal.setStandardInputFile(QProcess::nullDevice());
    peal.start(PealTest::pealBinary(), QStringList{u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, s.repo(),
                                                   u"--state-dir"_s, s.stateDir(), u"--agent-cmd"_s,
                                                   PealTest::demoAgent(), u"--stet-path"_s, PealTest::demoStet()}
                                           + extra);
    return peal.waitForStarted();
}

} // namespace

class tst_Review : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- the built-in sequence ----

    void noFindingsMeansOneReviewPerTask()
    {
        Scenario s("## Task 1\nT1: first\n\n## Task 2\nT2: second\n");
        QVERIFY(s.isValid());
        const auto r = runReviewed(s, {u"--stet-start-ref"_s, u"HEAD"_s, u"--stet-start-args=--allow-dirty"_s,
                                       u"--stet-run-args=--verify --context 256k"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.stetCalls(), (QStringList{u"start HEAD --allow-dirty"_s,
                                             u"run --output=json --verify --context 256k"_s,
                                             u"run --output=json --verify --context 256k"_s, u"finish"_s}));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"plan:2"_s, u"execute:2"_s}));
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        const QJsonObject summary = json(s.summaryJson());
        QCOMPARE(ints(summary.value(u"tasks_completed")), (QList<int>{1, 2}));
        QVERIFY(ints(summary.value(u"tasks_with_remaining_findings")).isEmpty());
        QVERIFY(!s.stetSessionOpen());
        QVERIFY(r.err.contains(u"stet found, phase 3 enabled"));
    }

    void stetNotFoundSkipsPhase3()
    {
        Scenario s;
        const auto r = s.run({u"--stet-path"_s, u"/nonexistent/stet"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains(u"configured stet_path is not a valid executable; phase 3 will be skipped"));
        QVERIFY(s.stetCalls().isEmpty());
        QCOMPARE(s.completed(), (QList<int>{1}));
    }

    void findingsAddressedInOneRound()
    {
        Scenario s;
        const auto r = runReviewed(s, {}, {}, {list({kA}), list({kA}), kNone});
        QCOMPARE(r.exitCode, 0);
        // initial review, the dismiss step's re-run, the re-review after the fix
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, u"run --output=json"_s, u"run --output=json"_s,
                                             u"run --output=json"_s, u"finish"_s}));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"triage"_s, u"address"_s}));
        // The address prompt carries the review and stet's suggestions.
        const QJsonArray argv = json(s.agentLogLines().value(3)).value(u"argv").toArray();
        const QString prompt = argv.last().toString();
        QVERIFY(prompt.startsWith(u"Address the following stet review findings. Apply fixes and run tests.\n\n---STET---\n"));
        QVERIFY(prompt.endsWith(u"\n---STET---\n\nSuggested fixes from stet:\n\n---SUGGESTIONS---\nappend fixed.txt: a\n---SUGGESTIONS---"));
        QCOMPARE(argv.at(0).toString(), u"--print"_s);
        QVERIFY(!argv.contains(u"--plan"_s));
        QCOMPARE(PealTest::readFile(s.repo() + u"/fixed.txt"_s), QByteArray("a\n"));
        // The triage prompt is the review and the question.
        const QString triage = json(s.agentLogLines().value(2)).value(u"argv").toArray().last().toString();
        QVERIFY(triage.startsWith(u"---STET---\n{\"findings\":["));
        QVERIFY(triage.endsWith(u"\n---STET---\n\nAnything to address from this review?"));
        QCOMPARE(s.completed(), (QList<int>{1}));
        QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_completed")), (QList<int>{1}));
        QVERIFY(r.err.contains(u"phase 3 complete task_index=1 rounds=1 resolved=true"));
    }

    void llmTriageAnswers_data()
    {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<QStringList>("steps");
        QTest::addColumn<QStringList>("stetCalls");
        QTest::addColumn<QStringList>("agentCalls");
        const QString run = u"run --output=json"_s;
        const QStringList p12{u"plan:1"_s, u"execute:1"_s};
        QTest::newRow("nothing to address: all dismissed")
            << u"No, nothing to address from this review."_s << QStringList{list({kA, kB})}
            << QStringList{u"start"_s, run, u"dismiss a1111111 false_positive"_s, u"dismiss b2222222 false_positive"_s,
                           run, u"finish"_s}
            << p12 + QStringList{u"triage"_s};
        QTest::newRow("one needs a fix: the rest dismissed")
            << u"Only finding a1111111 needs a fix. The rest are noise."_s
            << QStringList{list({kA, kB}), list({kA, kB}), kNone}
            << QStringList{u"start"_s, run, u"dismiss b2222222 false_positive"_s, run, run, u"finish"_s}
            << p12 + QStringList{u"triage"_s, u"address"_s};
        QTest::newRow("unparseable: nothing dismissed")
            << u"maybe fix something"_s << QStringList{list({kA, kB}), list({kA, kB}), kNone}
            << QStringList{u"start"_s, run, run, run, u"finish"_s} << p12 + QStringList{u"triage"_s, u"address"_s};
    }

    void llmTriageAnswers()
    {
        QFETCH(QString, answer);
        QFETCH(QStringList, steps);
        QFETCH(QStringList, stetCalls);
        QFETCH(QStringList, agentCalls);
        Scenario s;
        const auto r = runReviewed(s, {}, {{u"PEAL_FAKE_AGENT_TRIAGE_ANSWER"_s, answer}}, steps);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.stetCalls(), stetCalls);
        QCOMPARE(s.agentCalls(), agentCalls);
        QCOMPARE(s.completed(), (QList<int>{1}));
    }

    void triageThatFailsDismissesNothing()
    {
        Scenario s;
        // The triage call exits non-zero: an empty answer, nothing dismissed, the loop goes on.
        const auto r = runReviewed(s, {}, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"Anything to address"_s}},
                                   {list({kA}), list({kA}), kNone});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, u"run --output=json"_s, u"run --output=json"_s,
                                             u"run --output=json"_s, u"finish"_s}));
        QVERIFY(r.err.contains(u"treating as unparseable"));
    }

    void triageRetriesThenAnEmptyAnswer()
    {
        // Reference run_phase3_triage_retries_then_ok_empty_stdout (spec §5.3): every triage
        // attempt exits non-zero; after the last one the answer is empty, not an error.
        Scenario s;
        const auto r = runReviewed(s, {u"--phase-3-retry-count"_s, u"1"_s},
                                   {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"Anything to address"_s}},
                                   {list({kA}), list({kA}), kNone});
        QVERIFY2(r.exitCode == 0, PealTest::tail(r.err).constData());
        QVERIFY2(r.err.contains(u"phase 3 triage failed, retrying"), PealTest::tail(r.err).constData());
        QVERIFY(r.err.contains(u"treating as unparseable"));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"triage"_s, u"triage"_s, u"address"_s}));
        // The empty answer dismisses nothing: the dismiss step only re-runs the review.
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s} + times(3, u"run --output=json"_s) + QStringList{u"finish"_s}));
        QCOMPARE(s.completed(), (QList<int>{1}));
    }

    void phase3FailsToStart()
    {
        Scenario s;
        // The agent deletes itself after phase 2, so the address call cannot start.
        QVERIFY(QDir().mkpath(s.path(u"bin"_s)));
        const QString agent = s.path(u"bin/agent"_s);
        QVERIFY(QFile::copy(PealTest::demoAgent(), agent));
        const auto r = runReviewed(s, {u"--agent-cmd"_s, agent, u"--stet-disable-llm-triage"_s, u"true"_s,
                                       u"--phase-3-retry-count"_s, u"2"_s},
                                   {{u"PEAL_FAKE_AGENT_VANISH_AFTER"_s, u"2"_s},
                                    {u"PEAL_FAKE_AGENT_COUNTER"_s, s.path(u"counter"_s)}},
                                   {list({kA})});
        QCOMPARE(r.exitCode, 1);
        const QString last = r.err.trimmed().section(u'\n', -1);
        QVERIFY2(last.startsWith(u"error: task 1, phase 3 (address): agent failed to start: "), PealTest::tail(r.err).constData());
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
        QVERIFY(!r.err.contains(u"phase 3 failed, retrying")); // never retried
        QCOMPARE(s.stetCalls().last(), u"finish"_s);
        QCOMPARE(s.completed(), QList<int>{});
    }

    void dismissPatternsWithoutLlm_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("toml");
        QTest::addColumn<QString>("envPatterns");
        QTest::newRow("TOML") << QStringList() << u"stet_disable_llm_triage = true\nstet_dismiss_patterns = [{ pattern = \"unused\", reason = \"out_of_scope\" }]\n"_s << QString();
        QTest::newRow("flag and environment") << QStringList{u"--stet-disable-llm-triage"_s, u"true"_s} << QString()
                                              << u"no such text|false_positive, unused|out_of_scope"_s;
    }

    void dismissPatternsWithoutLlm()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, toml);
        QFETCH(QString, envPatterns);
        Scenario s;
        QHash<QString, QString> env;
        if (!toml.isEmpty()) {
            QVERIFY(PealTest::writeFile(s.path(u"peal.toml"_s), toml.toUtf8()));
            args << u"--config"_s << s.path(u"peal.toml"_s);
        }
        if (!envPatterns.isEmpty())
            env.insert(u"PEAL_STET_DISMISS_PATTERNS"_s, envPatterns);
        const auto r = runReviewed(s, args, env, {list({kA, kB}), list({kA, kB}), kNone});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, u"run --output=json"_s, u"dismiss a1111111 out_of_scope"_s,
                                             u"run --output=json"_s, u"run --output=json"_s, u"finish"_s}));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"address"_s}));
    }

    void aReviewThatDoesNotConvergeStopsAfterReviewPatienceRounds_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("fail") << u"fail"_s << 1;
        QTest::newRow("warn") << u"warn"_s << 2;
    }

    void aReviewThatDoesNotConvergeStopsAfterReviewPatienceRounds()
    {
        // Two findings, then one fixed and another one found, then the same two again: the
        // count never falls below two, so two rounds in a row without progress end the loop
        // long before max_address_rounds.
        QFETCH(QString, policy);
        QFETCH(int, exitCode);
        Scenario s;
        const QString kC = finding(u"c3333333"_s, u"leaks a handle"_s);
        // Pattern triage without patterns: nothing is dismissed, every review is as scripted.
        const auto r = runReviewed(s, {u"--review-patience"_s, u"2"_s, u"--max-address-rounds"_s, u"10"_s,
                                       u"--on-findings-remaining"_s, policy, u"--stet-disable-llm-triage"_s, u"true"_s},
                                   {}, {list({kA, kB}), list({kA, kB}), list({kA, kC}), list({kA, kC}), list({kA, kB})});
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(s.agentCalls().count(u"address"_s), 2);
        QVERIFY2(r.err.contains(u"review is not converging, stopping the address loop"_s), PealTest::tail(r.err).constData());
        if (policy == u"fail")
            QVERIFY2(r.err.contains(u"error: task 1, phase 3 (address): 2 stet findings remain after 2 address round(s) "
                                    "(review_patience = 2: no fewer findings for 2 round(s))"_s),
                     PealTest::tail(r.err).constData());
        const QJsonObject review = json(PealTest::readFile(s.stateDir() + u"/tasks/1/review.json"_s));
        QCOMPARE(review.value(u"rounds"_s).toInt(), 2);
        QCOMPARE(review.value(u"resolved"_s).toBool(), false);
        QCOMPARE(review.value(u"stop_reason"_s).toString(), u"patience"_s);
        QCOMPARE(ints(review.value(u"open_findings"_s)), (QList<int>{2, 2, 2}));
    }

    void aReviewThatConvergesIsRecordedRoundByRound()
    {
        Scenario s;
        const auto r = runReviewed(s, {u"--review-patience"_s, u"1"_s, u"--stet-disable-llm-triage"_s, u"true"_s}, {},
                                   {list({kA, kB}), list({kA, kB}), list({kA}), list({kA}), kNone});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject review = json(PealTest::readFile(s.stateDir() + u"/tasks/1/review.json"_s));
        QCOMPARE(review.value(u"stop_reason"_s).toString(), u"clean"_s);
        QCOMPARE(review.value(u"rounds"_s).toInt(), 2);
        QCOMPARE(ints(review.value(u"open_findings"_s)), (QList<int>{2, 1, 0}));
    }

    void whatTriageDismissedIsNotARoundsProgress()
    {
        // Two findings, triage dismisses b, the fix leaves a: the round went from one finding
        // (after the dismissal) to one, which is no progress, so patience 1 ends the loop
        // after one round (measured against the review before the dismissal, it would have
        // been progress).
        Scenario s;
        const auto r = runReviewed(s, {u"--review-patience"_s, u"1"_s, u"--max-address-rounds"_s, u"5"_s},
                                   {{u"PEAL_FAKE_AGENT_TRIAGE_ANSWER"_s, u"Only finding a1111111 needs a fix."_s}},
                                   {list({kA, kB}), list({kA}), list({kA})});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(s.agentCalls().count(u"address"_s), 1);
        const QJsonObject review = json(PealTest::readFile(s.stateDir() + u"/tasks/1/review.json"_s));
        QCOMPARE(review.value(u"stop_reason"_s).toString(), u"patience"_s);
        QCOMPARE(ints(review.value(u"open_findings"_s)), (QList<int>{2, 1}));
    }

    void aBudgetReachedInTheAddressLoopStopsTheRunWhateverOnStetFail_data()
    {
        QTest::addColumn<QString>("onStetFail");
        QTest::newRow("skip") << u"skip"_s;
        QTest::newRow("retry_once") << u"retry_once"_s;
        QTest::newRow("fail") << u"fail"_s;
    }

    void aBudgetReachedInTheAddressLoopStopsTheRunWhateverOnStetFail()
    {
        // Each call is 120 tokens: plan and execute spend 240, the first address call crosses
        // 300. Neither a skip nor a retry of the loop may hide the stop or go on spending.
        QFETCH(QString, onStetFail);
        Scenario s("## Task 1\nT1: do it.\n\n## Task 2\nT2: more.\n");
        const QString claude = PealTest::costingClaude(s, u"0.01"_s);
        const auto r = runReviewed(s, {u"--agent-plugin"_s, u"claude"_s, u"--agent-cmd"_s, claude, u"--on-stet-fail"_s,
                                       onStetFail, u"--task-max-tokens"_s, u"300"_s, u"--stet-disable-llm-triage"_s,
                                       u"true"_s, u"--continue-with-remaining-tasks"_s},
                                   {}, {list({kA}), list({kA}), list({kA})});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(PealTest::lastLine(r.err).contains(u"task 1, phase 3 (address): budget task_max_tokens = 300 reached"_s),
                 PealTest::tail(r.err).constData());
        QCOMPARE(PealTest::readFile(s.path(u"calls"_s)).count('\n'), 3);
        QCOMPARE(s.completed(), QList<int>{}); // task 2 never started
        const QString run = u"run --output=json"_s;
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, run, run, u"finish"_s}));
        const QJsonObject review = json(PealTest::readFile(s.stateDir() + u"/tasks/1/review.json"_s));
        QCOMPARE(review.value(u"stop_reason"_s).toString(), u"budget"_s);
        const QJsonObject last = json(PealTest::readFile(s.stateDir() + u"/last_run.json"_s));
        QCOMPARE(last.value(u"outcome"_s).toString(), u"cap_reached"_s);
        QCOMPARE(last.value(u"usage"_s).toObject().value(u"failures"_s).toObject().value(u"budget"_s).toInt(), 1);
    }

    // ---- on_stet_fail at each failure point ----

    void onStetFailAtSessionStart_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QString>("fail");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("stetCalls");
        QTest::addColumn<QStringList>("agentCalls");
        const QString run = u"run --output=json"_s;
        const QStringList p12{u"plan:1"_s, u"execute:1"_s};
        QTest::newRow("fail") << u"fail"_s << u"start"_s << 1 << QStringList{u"start"_s} << QStringList();
        QTest::newRow("retry_once, recovers") << u"retry_once"_s << u"start:1"_s << 0
                                              << QStringList{u"start"_s, u"start"_s, run, u"finish"_s} << p12;
        QTest::newRow("retry_once, fails twice") << u"retry_once"_s << u"start"_s << 1
                                                 << QStringList{u"start"_s, u"start"_s} << QStringList();
        QTest::newRow("skip: phase 3 off for the run") << u"skip"_s << u"start"_s << 0 << QStringList{u"start"_s} << p12;
    }

    void onStetFailAtSessionStart()
    {
        QFETCH(QString, policy);
        QFETCH(QString, fail);
        QFETCH(int, exitCode);
        QFETCH(QStringList, stetCalls);
        QFETCH(QStringList, agentCalls);
        Scenario s;
        const auto r = runReviewed(s, {u"--on-stet-fail"_s, policy}, {{u"PEAL_FAKE_STET_FAIL"_s, fail}});
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(s.stetCalls(), stetCalls);
        QCOMPARE(s.agentCalls(), agentCalls);
        if (exitCode == 1)
            QVERIFY2(r.err.contains(u"error: stet start failed: exit code 1: peal-demo-stet: start failing as asked"),
                     PealTest::tail(r.err).constData());
        else
            QCOMPARE(s.completed(), (QList<int>{1}));
    }

    void sessionStartHappensBeforeThePlanIsRead()
    {
        Scenario s("no tasks here\n");
        // The session started, then the plan failed: we still finish it (the reference does not).
        const auto r = runReviewed(s, {});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains(u"error: Invalid or missing plan file."));
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, u"finish"_s}));
        QVERIFY(!s.stetSessionOpen());
    }

    void nonJsonReviewThroughTheLoop()
    {
        Scenario s;
        const QString found = rawStep(1, u"Found 2 issues\n"_s);
        const auto r = runReviewed(s, {}, {}, {found, found, kNone});
        QCOMPARE(r.exitCode, 0);
        // No findings array: no triage, no dismiss, but the re-run still happens.
        QVERIFY(r.err.contains(u"the review's output was not valid JSON or had no findings array; skipping structured dismiss"));
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s} + times(3, u"run --output=json"_s) + QStringList{u"finish"_s}));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"address"_s}));
        // The prompt has the review and no SUGGESTIONS block.
        const QJsonArray argv = json(s.agentLogLines().value(2)).value(u"argv").toArray();
        QCOMPARE(argv.last().toString(), u"Address the following stet review findings. Apply fixes and run tests.\n\n"
                                         "---STET---\nFound 2 issues\n\n---STET---"_s);
        QCOMPARE(json(s.summaryJson()).value(u"exit_code").toInt(), 0);
    }

    void triageThatTimesOutOnItsLastAttemptDismissesNothing()
    {
        Scenario s;
        // The triage would dismiss everything if it answered; every attempt times out instead.
        const auto r = runReviewed(s, {u"--phase-timeout-sec"_s, u"1"_s, u"--phase-3-retry-count"_s, u"1"_s},
                                   {{u"PEAL_FAKE_AGENT_SLEEP_ON"_s, u"Anything to address=60000"_s},
                                    {u"PEAL_FAKE_AGENT_TRIAGE_ANSWER"_s, u"Nothing to address"_s}},
                                   {list({kA}), list({kA}), kNone});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(u"phase 3 triage failed, retrying"), PealTest::tail(r.err).constData());
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s} + times(3, u"run --output=json"_s) + QStringList{u"finish"_s}));
        // Timed-out calls are killed before they log: only the fix is in the agent's log.
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"address"_s}));
        QCOMPARE(PealTest::readFile(s.repo() + u"/fixed.txt"_s), QByteArray("a\n"));
    }

    void phase3RetriesAreCappedAtTwo()
    {
        Scenario s;
        const auto r = runReviewed(s, {u"--phase-3-retry-count"_s, u"7"_s},
                                   {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, u"Address the following"_s}}, {list({kA})});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"triage"_s, u"address"_s,
                                             u"address"_s, u"address"_s}));
    }

    // ---- custom stet_commands ----

    void customCommands()
    {
        Scenario s;
        const QString stet = PealTest::demoStet();
        QVERIFY(PealTest::writeFile(s.path(u"peal.toml"_s),
                                    (u"stet_commands = [\"%1 start HEAD\", \"%1 run --output=json\"]\n"
                                     "post_run_commands = [\"%1 finish\"]\n"_s)
                                        .arg(stet)
                                        .toUtf8()));
        QVERIFY(PealTest::writeFile(s.path(u"script.json"_s), script({kNone, list({kA}), kNone})));
        const auto scripted = s.run({u"--config"_s, s.path(u"peal.toml"_s)},
                                    {{u"PEAL_FAKE_STET_MODE"_s, u"script"_s},
                                     {u"PEAL_FAKE_STET_SCRIPT"_s, s.path(u"script.json"_s)}});
        QCOMPARE(scripted.exitCode, 0);
        // Every entry at session start, the last one per review; no dismiss, no triage, no
        // finish: the user's post-run command ends the session.
        QCOMPARE(s.stetCalls(), (QStringList{u"start HEAD"_s, u"run --output=json"_s, u"run --output=json"_s,
                                             u"run --output=json"_s, u"finish"_s}));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"address"_s}));
        QVERIFY(scripted.err.contains(u"running custom stet_commands at session start"));
        QVERIFY(PealTest::readFile(s.repo() + u"/.git/info/exclude"_s).contains("/.review/"));
        QVERIFY(!s.stetSessionOpen());
    }

    void customCommandWithEmptyLastEntry()
    {
        Scenario s;
        const auto r = s.run({}, {{u"PEAL_STET_COMMANDS"_s, PealTest::demoStet() + u" start HEAD,"_s}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: task 1, phase 3 (address): stet run failed: custom run command is empty"), PealTest::tail(r.err).constData());
        QCOMPARE(s.stetCalls(), (QStringList{u"start HEAD"_s}));
    }

    void customStartSkipTurnsPhase3Off()
    {
        Scenario s;
        const auto r = s.run({u"--on-stet-fail"_s, u"skip"_s},
                             {{u"PEAL_STET_COMMANDS"_s, u"/nonexistent/stet start, "_s + PealTest::demoStet() + u" --help"_s}});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.stetCalls(), (QStringList{u"--help"_s})); // later entries still run, phase 3 does not
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
    }

    void customReviewFailsPerTask_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QString>("knob"); // HANG=... or VANISH=... (on a copy), as above
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("runs");
        QTest::addColumn<QString>("error");
        // The last entry runs once at session start (run 1), then for the task (run 2).
        for (const QString &policy : {u"fail"_s, u"retry_once"_s, u"skip"_s}) {
            const bool retry = policy == u"retry_once";
            QTest::addRow("times out, %s", qPrintable(policy))
                << policy << u"HANG=run@2"_s << (policy == u"fail" ? 1 : 0) << (retry ? 3 : 2)
                << u"error: task 1, phase 3 (address): stet run failed: timed out"_s;
            QTest::addRow("cannot start, %s", qPrintable(policy))
                << policy << u"VANISH=run@1"_s << (policy == u"skip" ? 0 : 1) << 1
                << u"error: task 1, phase 3 (address): stet run failed: spawn failed: "_s;
        }
    }

    void customReviewFailsPerTask()
    {
        QFETCH(QString, policy);
        QFETCH(QString, knob);
        QFETCH(int, exitCode);
        QFETCH(int, runs);
        QFETCH(QString, error);
        Scenario s;
        QString stet = PealTest::demoStet();
        if (knob.startsWith(u"VANISH")) {
            stet = copyOfFake(s);
            QVERIFY(!stet.isEmpty());
        }
        QStringList args{u"--on-stet-fail"_s, policy};
        if (knob.startsWith(u"HANG"))
            args << u"--phase-timeout-sec"_s << u"1"_s;
        const auto r = s.run(args, {{u"PEAL_STET_COMMANDS"_s, stetCommandsOf(stet)},
                              {u"PEAL_FAKE_STET_" + knob.section(u'=', 0, 0), knob.section(u'=', 1)}});
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(s.stetCalls(), QStringList{u"start HEAD"_s} + times(runs, u"run --output=json"_s));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
        if (exitCode == 1) {
            QVERIFY2(r.err.contains(error), PealTest::tail(r.err).constData());
            QCOMPARE(s.completed(), QList<int>());
        } else {
            // skip: done without a review; retry_once: the second run was clean
            QCOMPARE(s.completed(), (QList<int>{1}));
            QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_completed")), (QList<int>{1}));
        }
        if (policy == u"retry_once")
            QVERIFY(r.err.contains(u"custom stet command failed, retrying once"));
    }

    void customNonZeroExitIsFindings_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("loops");
        QTest::newRow("fail") << u"fail"_s << 1 << 1;
        QTest::newRow("retry_once: the loop twice") << u"retry_once"_s << 1 << 2;
        QTest::newRow("skip: remaining findings") << u"skip"_s << 2 << 1;
    }

    void customNonZeroExitIsFindings()
    {
        QFETCH(QString, policy);
        QFETCH(int, exitCode);
        QFETCH(int, loops);
        Scenario s;
        // Session start sees a clean run; every later run exits 3 with nothing on stdout, which
        // is not a failure but findings (spec §8.5), so the loop runs and findings remain.
        QVERIFY(PealTest::writeFile(s.path(u"script.json"_s), script({kNone, rawStep(3, {}, u"crashed"_s)})));
        const auto r = s.run({u"--on-stet-fail"_s, policy, u"--max-address-rounds"_s, u"1"_s},
                             {{u"PEAL_STET_COMMANDS"_s, stetCommandsOf(PealTest::demoStet())},
                              {u"PEAL_FAKE_STET_MODE"_s, u"script"_s},
                              {u"PEAL_FAKE_STET_SCRIPT"_s, s.path(u"script.json"_s)}});
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(s.stetCalls(), QStringList{u"start HEAD"_s} + times(2 + loops, u"run --output=json"_s));
        QCOMPARE(s.agentCalls(), QStringList({u"plan:1"_s, u"execute:1"_s}) + times(loops, u"address"_s));
        // No JSON, no suggestions: the prompt is the (empty) review only.
        const QJsonArray argv = json(s.agentLogLines().value(2)).value(u"argv").toArray();
        QCOMPARE(argv.last().toString(), u"Address the following stet review findings. Apply fixes and run tests.\n\n"
                                         "---STET---\n\n---STET---"_s);
        if (exitCode == 1)
            QVERIFY2(r.err.contains(u"error: task 1, phase 3 (address): 1 stet findings remain after 1 address round(s)"), PealTest::tail(r.err).constData());
        else
            QCOMPARE(ints(json(s.summaryJson()).value(u"tasks_with_remaining_findings")), (QList<int>{1}));
    }

    void customLoopRunsOutOfRounds_data()
    {
        QTest::addColumn<QString>("remaining");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("fail") << u"fail"_s << 1;
        QTest::newRow("warn") << u"warn"_s << 2;
    }

    void customLoopRunsOutOfRounds()
    {
        QFETCH(QString, remaining);
        QFETCH(int, exitCode);
        Scenario s;
        QVERIFY(PealTest::writeFile(s.path(u"script.json"_s), script({kNone, list({kA})})));
        const auto r = s.run({u"--on-findings-remaining"_s, remaining, u"--max-address-rounds"_s, u"2"_s},
                             {{u"PEAL_STET_COMMANDS"_s, stetCommandsOf(PealTest::demoStet())},
                              {u"PEAL_FAKE_STET_MODE"_s, u"script"_s},
                              {u"PEAL_FAKE_STET_SCRIPT"_s, s.path(u"script.json"_s)}});
        QCOMPARE(r.exitCode, exitCode);
        // Session start, the task's review, one re-run per round; no dismiss, no triage, no finish.
        QCOMPARE(s.stetCalls(), QStringList{u"start HEAD"_s} + times(4, u"run --output=json"_s));
        QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s, u"address"_s, u"address"_s}));
        // The custom prompt carries stet's suggestions like the built-in one.
        QVERIFY(json(s.agentLogLines().value(2)).value(u"argv").toArray().last().toString().endsWith(
            u"\n\n---SUGGESTIONS---\nappend fixed.txt: a\n---SUGGESTIONS---"_s));
        if (exitCode == 1) {
            const QString head = PealTest::git(s.repo(), {u"rev-parse"_s, u"HEAD"_s}).trimmed();
            QVERIFY2(r.err.contains(u"error: task 1, phase 3 (address): 1 stet findings remain after 2 address "
                                    "round(s) (commit "_s + head.left(12) + u";"_s),
                     PealTest::tail(r.err).constData());
            // The review itself is in the log, not in the error line.
            QVERIFY(r.err.contains(u"review with findings left"));
            QCOMPARE(s.completed(), QList<int>());
        } else {
            QVERIFY(r.err.contains(u"stet findings remain after address rounds"));
            const QJsonObject summary = json(s.summaryJson());
            QCOMPARE(ints(summary.value(u"tasks_with_remaining_findings")), (QList<int>{1}));
            QCOMPARE(summary.value(u"exit_code").toInt(), 2);
            QCOMPARE(s.completed(), (QList<int>{1}));
        }
    }

    void customStartFailedOnRetry()
    {
        Scenario s;
        const QString copy = copyOfFake(s);
        QVERIFY(!copy.isEmpty());
        // The first start fails and deletes the fake: the retry cannot start.
        const auto r = s.run({u"--on-stet-fail"_s, u"retry_once"_s},
                             {{u"PEAL_STET_COMMANDS"_s, stetCommandsOf(copy)},
                              {u"PEAL_FAKE_STET_FAIL"_s, u"start:1"_s},
                              {u"PEAL_FAKE_STET_VANISH"_s, u"start@1"_s}});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"error: stet start failed: custom stet command failed on retry"), PealTest::tail(r.err).constData());
        QCOMPARE(s.stetCalls(), QStringList{u"start HEAD"_s});
        QVERIFY(s.agentCalls().isEmpty());
    }

    // ---- post-run commands, commits and the session's lifetime ----

    void postRunCommandsRunAfterFinish()
    {
        Scenario s;
        const auto r = runReviewed(s, {u"--post-run-commands"_s, PealTest::demoStet() + u" list"_s});
        QCOMPARE(r.exitCode, 0); // `list` fails without a session; post-run failures never count
        QCOMPARE(s.stetCalls(), kFinishedSession + QStringList{u"list"_s});
        QVERIFY(r.err.contains(u"post-run command failed (best-effort)"));
    }

    void reviewStateIsNeverCommittedAndASecondRunStartsCleanly()
    {
        Scenario s("## Task 1\nT1\nwrite one.txt: one\n");
        // The fake stet in its default dry-run mode: state in .review/, commit-first, one finding
        // per changed hunk, stable ids; the demo agent's triage calls placeholders noise.
        auto r = runReviewed(s, {u"--commit-after-phase2"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.stetCalls().first(), u"start"_s);
        QVERIFY(s.stetCalls().contains(u"run --output=json"_s));
        QVERIFY(s.stetCalls().filter(u"dismiss "_s).size() == 1);
        QCOMPARE(s.stetCalls().last(), u"finish"_s);
        QVERIFY(!PealTest::git(s.repo(), {u"ls-files"_s}).contains(u".review"_s));
        QVERIFY(PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s}).trimmed().isEmpty());
        QVERIFY(PealTest::readFile(s.repo() + u"/.git/info/exclude"_s).contains("/.review/"));

        // Second run with a new task: stet start must see a clean tree again.
        QVERIFY(PealTest::writeFile(s.planPath(), "## Task 1\nT1\nwrite one.txt: one\n\n## Task 2\nT2\nwrite two.txt: two\n"));
        QFile::remove(s.stetLog());
        r = runReviewed(s, {u"--commit-after-phase2"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(s.stetCalls().first(), u"start"_s);
        QCOMPARE(s.stetCalls().last(), u"finish"_s);
        QCOMPARE(s.completed(), (QList<int>{1, 2}));
        QVERIFY(!PealTest::git(s.repo(), {u"ls-files"_s}).contains(u".review"_s));
        const QStringList commits = s.commits();
        QVERIFY(commits.value(0).startsWith(u"peal: task 2"));
        QVERIFY(commits.value(1).startsWith(u"peal: task 1"));
        QCOMPARE(PealTest::readFile(s.repo() + u"/.git/info/exclude"_s).count("/.review/"), 1);
    }

    void stateDirectoryInsideTheRepositoryIsNeverCommitted()
    {
        Scenario s("## Task 1\nT1\nwrite one.txt: one\n\n## Task 2\nT2\nwrite two.txt: two\n");
        // The default `.peal` when peal runs from the repository: state.json is written after
        // task 1 and must not ride along in task 2's commit, nor dirty the tree for stet.
        const auto r = s.runRaw({u"run"_s, u"--plan"_s, s.planPath(), u"--repo"_s, u"."_s, u"--agent-cmd"_s,
                                 PealTest::demoAgent(), u"--stet-path"_s, PealTest::demoStet(),
                                 u"--commit-after-phase2"_s},
                                {}, 120000, s.repo());
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFile::exists(s.repo() + u"/.peal/state.json"_s));
        QVERIFY(!PealTest::git(s.repo(), {u"ls-files"_s}).contains(u".peal"_s));
        QVERIFY(PealTest::readFile(s.repo() + u"/.git/info/exclude"_s).contains("/.peal/"));
        QVERIFY(PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s}).trimmed().isEmpty());
    }

    void addressRoundsAreCommittedSoTheReviewSeesThem()
    {
        Scenario s;
        const auto r = runReviewed(s, {u"--commit-after-phase2"_s}, {}, {list({kA}), list({kA}), kNone});
        QCOMPARE(r.exitCode, 0);
        const QStringList commits = s.commits();
        QCOMPARE(commits.value(0), u"peal: task 1 - address round 1"_s);
        QVERIFY(commits.value(1).startsWith(u"peal: task 1 - "));
        QVERIFY(PealTest::git(s.repo(), {u"status"_s, u"--porcelain"_s}).trimmed().isEmpty());
    }

    void sessionIsFinishedOnEveryExitPath_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("failOn");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("task failure") << QStringList() << u"Execute the following"_s << 1;
        QTest::newRow("consecutive failure cap") << QStringList{u"--max-consecutive-task-failures"_s, u"1"_s}
                                                 << u"Execute the following"_s << 3;
        QTest::newRow("continue past failures") << QStringList{u"--continue-with-remaining-tasks"_s}
                                                << u"T1:"_s << 2;
    }

    void sessionIsFinishedOnEveryExitPath()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, failOn);
        QFETCH(int, exitCode);
        Scenario s("## Task 1\nT1: one\n\n## Task 2\nT2: two\n");
        const auto r = runReviewed(s, args, {{u"PEAL_FAKE_AGENT_FAIL_ON"_s, failOn}});
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(s.stetCalls().last(), u"finish"_s);
        QVERIFY(!s.stetSessionOpen());
    }

    void interruptDuringStetStart_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::newRow("fail") << u"fail"_s;
        QTest::newRow("retry_once: no retry after a cancel") << u"retry_once"_s;
        QTest::newRow("skip: still finished") << u"skip"_s;
    }

    void interruptDuringStetStart()
    {
        QFETCH(QString, policy);
        Scenario s;
        QProcess peal;
        // stet start creates its session, then reviews (here: forever) until peal is interrupted.
        QVERIFY(startPeal(peal, s, {u"--on-stet-fail"_s, policy},
                          {{u"PEAL_FAKE_STET_HANG"_s, u"start"_s}, {u"PEAL_FAKE_STET_HANG_AT"_s, u"review"_s}}));
        QTRY_VERIFY_WITH_TIMEOUT(s.stetSessionOpen(), 30000);
        ::kill(pid_t(peal.processId()), SIGINT);
        QVERIFY(peal.waitForFinished(30000));
        QCOMPARE(peal.exitStatus(), QProcess::NormalExit);
        QCOMPARE(peal.exitCode(), 130);
        const QString err = QString::fromUtf8(peal.readAllStandardError());
        QVERIFY2(!err.contains(u"retrying"), qPrintable(err));
        QVERIFY2(!err.contains(u"review skipped"), qPrintable(err));
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, u"finish"_s}));
        QVERIFY(!s.stetSessionOpen());
        QVERIFY(s.agentCalls().isEmpty());
    }

    void startThatTimesOutIsFinished_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("stetCalls");
        QTest::addColumn<QString>("error");
        QTest::newRow("fail") << u"fail"_s << 1 << QStringList{u"start"_s, u"finish"_s}
                              << u"error: stet start failed: timed out"_s;
        QTest::newRow("skip: no reviews, the session finished") << u"skip"_s << 0
                                                                << QStringList{u"start"_s, u"finish"_s} << QString();
        // As in the reference, the retry comes straight after the timeout; like the real stet, the
        // fake then refuses to start a second session. peal finishes the one left behind.
        QTest::newRow("retry_once: the retry meets the session")
            << u"retry_once"_s << 1 << QStringList{u"start"_s, u"start"_s, u"finish"_s}
            << u"error: stet start failed: exit code 1: a review session is already active"_s;
    }

    void startThatTimesOutIsFinished()
    {
        QFETCH(QString, policy);
        QFETCH(int, exitCode);
        QFETCH(QStringList, stetCalls);
        QFETCH(QString, error);
        Scenario s;
        const auto r = runReviewed(s, {u"--on-stet-fail"_s, policy, u"--phase-timeout-sec"_s, u"1"_s},
                                   {{u"PEAL_FAKE_STET_HANG"_s, u"start:1"_s}, {u"PEAL_FAKE_STET_HANG_AT"_s, u"review"_s}});
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(s.stetCalls(), stetCalls);
        QVERIFY(!s.stetSessionOpen());
        if (exitCode == 1) {
            QVERIFY2(r.err.contains(error), PealTest::tail(r.err).constData());
            QVERIFY(s.agentCalls().isEmpty());
        } else {
            QVERIFY(r.err.contains(u"stet start failed; stet phase skipped for this run"));
            QCOMPARE(s.agentCalls(), (QStringList{u"plan:1"_s, u"execute:1"_s}));
            QCOMPARE(s.completed(), (QList<int>{1}));
        }
    }

    void interruptFinishesTheSession()
    {
        Scenario s("## Task 1\nT1: one\n\n## Task 2\nT2: two\n");
        QProcess peal;
        QVERIFY(startInPhase2(peal, s));
        ::kill(pid_t(peal.processId()), SIGINT);
        QVERIFY(peal.waitForFinished(30000));
        QCOMPARE(peal.exitStatus(), QProcess::NormalExit);
        QCOMPARE(peal.exitCode(), 130);
        const QString err = QString::fromUtf8(peal.readAllStandardError());
        QVERIFY2(err.contains(u"run the same command again to resume"), qPrintable(err));
        QCOMPARE(s.stetCalls(), (QStringList{u"start"_s, u"finish"_s}));
        QVERIFY(!s.stetSessionOpen());
        QCOMPARE(s.completed(), QList<int>());
    }

    void secondInterruptDoesNotWaitForAHangingFinish()
    {
        // The first Ctrl-C ends the task; the closing work hangs in `stet finish`; the second
        // Ctrl-C ends that too, and the run exits with the first signal's code.
        Scenario s("## Task 1\nT1: one\n");
        QProcess peal;
        QVERIFY(startInPhase2(peal, s, {{u"PEAL_FAKE_STET_HANG"_s, u"finish"_s}}));
        ::kill(pid_t(peal.processId()), SIGINT);
        // The finish call is logged when it starts: then the closing work waits on it.
        QTRY_VERIFY_WITH_TIMEOUT(s.stetCalls().contains(u"finish"_s), 30000);
        QVERIFY(!peal.waitForFinished(500));
        ::kill(pid_t(peal.processId()), SIGINT);
        QVERIFY(peal.waitForFinished(30000));
        QCOMPARE(peal.exitCode(), 130);
        const QString err = QString::fromUtf8(peal.readAllStandardError());
        QVERIFY2(err.contains(u"warning: interrupted again; stopping now without finishing the review session"_s),
                 qPrintable(err));
        QCOMPARE(s.completed(), QList<int>());
    }

    void reviewsThatCannotSeeUncommittedWorkAreWarnedAbout()
    {
        const QString warning = u"warning: reviews will see no change: stet reviews committed changes only and "
                                "commit_after_phase2 is off"_s;
        Scenario s;
        const auto blind = runReviewed(s, {}, {}, {kNone});
        QCOMPARE(blind.exitCode, 0);
        QCOMPARE(blind.err.count(warning), 1);
        Scenario c;
        const auto committed = runReviewed(c, {u"--commit-after-phase2"_s}, {}, {kNone});
        QCOMPARE(committed.exitCode, 0);
        QVERIFY(!committed.err.contains(warning));
    }
};

QTEST_GUILESS_MAIN(tst_Review)
#include "tst_review.moc"
