// SPDX-License-Identifier: MIT
// The worktree policy of a parallel block on a scripted git: no process is spawned, each git
// call answers from a script, and the tests compare the calls the engine made. What the calls
// do to a real repository is proven end to end by tst_parallel.
#include "recipe/recipe.h"
#include "run/runcontext.h"
#include "scriptedlauncher.h"
#include "git/worktrees.h"

#include <peal/log.h>

#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Peal::Internal;
using namespace PealTest;
using namespace Qt::StringLiterals;

namespace {

// The task whose worktree a git call runs in ("-C .../task-2" -> 2), or 0.
int taskOf(const ProcessSpec &spec)
{
    static const QRegularExpression dir(u"/task-(\\d+)$"_s);
    const auto m = dir.match(spec.arguments.value(1));
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

// A repository as git would describe it: clean, on commit "base"; each task's commit is
// "c<task>", a merge of task N is tree "t<N>" and commit "m<N>". `conflicts` lists the tasks
// whose merge conflicts in shared.txt, `unchanged` those that changed nothing.
struct Git
{
    QString top;
    QList<int> conflicts;
    QList<int> unchanged;
    bool applyFails = false;

    ScriptedAnswer operator()(const QString &name, const ProcessSpec &spec) const
    {
        const int task = taskOf(spec);
        if (name == u"git rev-parse --show-toplevel --show-prefix")
            return {1, 0, top + u"\n\n"_s};
        if (name == u"git rev-parse --verify HEAD")
            return {1, 0, u"base\n"_s};
        if (name == u"git rev-parse HEAD")
            return {1, 0, u"c%1\n"_s.arg(task)};
        if (name == u"git diff --cached --quiet")
            return {1, unchanged.contains(task) ? 0 : 1};
        if (name.startsWith(u"git merge-tree")) {
            const int merging = name.section(u'c', -1).toInt();
            if (conflicts.contains(merging))
                return {1, 1, u"tree\nshared.txt\n"_s};
            return {1, 0, u"t%1\n"_s.arg(merging)};
        }
        if (name.startsWith(u"git commit-tree t"))
            return {1, 0, u"m%1\n"_s.arg(name.section(u' ', 2, 2).mid(1))};
        if (name.startsWith(u"git apply") && applyFails)
            return {1, 1, {}, u"error: patch failed: a.txt:1\n"_s};
        return {1, 0};
    }
};

struct Harness
{
    QTemporaryDir dir;
    Logger logger;
    std::shared_ptr<ScriptedLauncher> git = std::make_shared<ScriptedLauncher>(gitCallName);
    std::unique_ptr<RunContext> run;
    std::unique_ptr<Worktrees> worktrees;
    QHash<quint32, QString> workspaces;

    explicit Harness(Git script)
    {
        logger.setFilter(LogFilter::parse(u"off"));
        Config config;
        config.repoPath = dir.filePath(u"repo"_s);
        config.stateDir = dir.filePath(u"state"_s);
        config.maxParallel = 3;
        QDir().mkpath(config.repoPath);
        script.top = config.repoPath;
        git->script = script;
        run = std::make_unique<RunContext>(config, logger);
        run->setLauncher(git);
        worktrees = std::make_unique<Worktrees>(*run);
    }

    // prepare, the tasks' worktrees in parallel, integrate what `succeeded`, clean up.
    std::optional<Result<void>> runBlock(const QList<quint32> &tasks, const QList<quint32> &succeeded,
                                         std::function<void(RecipeRunner &)> whileRunning = {})
    {
        for (quint32 task : tasks)
            workspaces.insert(task, QString());
        QList<Step> adds;
        for (quint32 task : tasks)
            adds << worktrees->add(task, &workspaces[task]);
        const Step block = sequenceStep(u"block"_s, {
            worktrees->prepare(),
            parallelStep(u"streams"_s, 3, adds),
            worktrees->integrate(succeeded),
            worktrees->cleanUp(),
        });
        RecipeRunner runner;
        std::optional<Result<void>> result;
        runner.start(block, [&](Result<void> r) { result = r; });
        if (whileRunning)
            whileRunning(runner);
        (void)QTest::qWaitFor([&] { return result.has_value(); }, 10000);
        return result;
    }

    QStringList started(const QString &prefix) const
    {
        QStringList out;
        for (const QString &entry : std::as_const(git->log)) {
            if (entry.startsWith(u"start "_s + prefix))
                out << entry.mid(6);
        }
        return out;
    }
};

} // namespace

class tst_Worktrees : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aConflictFailsOnlyThatTaskAndKeepsItsBranch()
    {
        Harness h(Git{{}, {2}, {3}});
        auto r = h.runBlock({1, 2, 3}, {1, 2, 3});
        QVERIFY(r && r->ok());
        // Task 1 merged onto the snapshot, task 2 onto that result; task 3 changed nothing.
        QCOMPARE(h.started(u"git merge-tree"_s),
                 (QStringList{u"git merge-tree --write-tree --name-only --no-messages base c1"_s,
                              u"git merge-tree --write-tree --name-only --no-messages m1 c2"_s}));
        QCOMPARE(h.worktrees->failures().keys(), QList<quint32>{2});
        const QString message = h.worktrees->failures().value(2).message();
        QVERIFY2(message.contains(u"shared.txt"_s) && message.contains(u"peal/conflict-task-2-c2"_s), qPrintable(message));
        // Only task 1's changes reach the checkout.
        QCOMPARE(h.started(u"git diff --binary"_s).size(), 1);
        QVERIFY(h.started(u"git diff --binary"_s).first().endsWith(u" base m1"_s));
        QCOMPARE(h.started(u"git branch"_s),
                 (QStringList{u"git branch -D peal/task-1"_s, u"git branch -M peal/task-2 peal/conflict-task-2-c2"_s,
                              u"git branch -D peal/task-3"_s}));
        for (quint32 task : {1u, 2u, 3u})
            QCOMPARE(h.workspaces.value(task), h.worktrees->path(task));
    }

    void aRefusedApplyFailsEveryMergedTask()
    {
        Git git;
        git.applyFails = true;
        Harness h(git);
        auto r = h.runBlock({1, 2}, {1, 2});
        QVERIFY(r && r->ok());
        QCOMPARE(h.worktrees->failures().size(), 2);
        QVERIFY(h.worktrees->failures().value(1).hint().contains(u"peal/conflict-task-1-c1"_s));
        QCOMPARE(h.started(u"git branch"_s),
                 (QStringList{u"git branch -M peal/task-1 peal/conflict-task-1-c1"_s,
                              u"git branch -M peal/task-2 peal/conflict-task-2-c2"_s}));
    }

    void onlyTheSucceededTasksAreMerged()
    {
        Harness h(Git{});
        auto r = h.runBlock({1, 2, 3}, {3});
        QVERIFY(r && r->ok());
        QCOMPARE(h.started(u"git commit --quiet"_s), QStringList{u"git commit --quiet --no-verify -m peal: task 3"_s});
        QVERIFY(h.worktrees->failures().isEmpty());
        QCOMPARE(h.started(u"git branch"_s).size(), 3); // every task branch is removed
    }

    void registrationsAreSerialisedCheckoutsAreNot()
    {
        Harness h(Git{});
        auto r = h.runBlock({1, 2, 3}, {});
        QVERIFY(r && r->ok());
        const QStringList &log = h.git->log;
        QStringList adds;
        for (const QString &entry : log) {
            if (entry.contains(u"git worktree add"_s))
                adds << entry.section(u' ', 0, 0);
        }
        // Never two `git worktree add` at once: each start follows the previous end.
        QCOMPARE(adds, (QStringList{u"start"_s, u"end"_s, u"start"_s, u"end"_s, u"start"_s, u"end"_s}));
        QCOMPARE(h.started(u"git reset --hard"_s).size(), 3);
    }

    void aStaleWorktreeOfACrashedRunIsRemovedFirst()
    {
        Git git;
        Harness h(git);
        const QString stale = h.dir.filePath(u"state/worktrees/task-7"_s);
        h.git->script = [git, stale, top = h.run->config().repoPath](const QString &name, const ProcessSpec &spec) {
            if (name == u"git worktree list --porcelain")
                return ScriptedAnswer{1, 0, u"worktree %1\nHEAD c\nbranch refs/heads/main\n\nworktree %2\nHEAD c\n"
                                            u"branch refs/heads/peal/task-7\n\n"_s.arg(top, stale)};
            Git g = git;
            g.top = top;
            return g(name, spec);
        };
        auto r = h.runBlock({1}, {});
        QVERIFY(r && r->ok());
        QCOMPARE(h.started(u"git worktree remove"_s).value(0), u"git worktree remove --force "_s + stale);
        QCOMPARE(h.started(u"git branch -D peal/task-7"_s).size(), 1);
        QVERIFY(h.git->log.indexOf(u"start git branch -D peal/task-7"_s)
                < h.git->log.indexOf(u"start git worktree add --quiet --no-checkout -b peal/task-1 "_s
                                     + h.worktrees->path(1) + u" base"_s));
    }

    void cancelEndsTheBlockWithoutFurtherGitCalls()
    {
        Git git;
        Harness h(git);
        h.git->script = [git, top = h.run->config().repoPath](const QString &name, const ProcessSpec &spec) {
            if (name.startsWith(u"git merge-tree"))
                return ScriptedAnswer{-1, 0, u"t1\n"_s}; // held until the cancel
            Git g = git;
            g.top = top;
            return g(name, spec);
        };
        auto r = h.runBlock({1}, {1}, [&](RecipeRunner &runner) {
            QTRY_VERIFY(h.git->log.contains(u"start git merge-tree --write-tree --name-only --no-messages base c1"_s));
            runner.cancel();
            h.run->cancel();
        });
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().kind(), Error::Kind::Interrupted);
        QTRY_COMPARE(h.git->running, 0);
        QVERIFY(h.started(u"git commit-tree"_s).isEmpty());
        QVERIFY(h.started(u"git apply"_s).isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_Worktrees)
#include "tst_worktrees.moc"
