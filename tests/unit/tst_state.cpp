// SPDX-License-Identifier: MIT
// state.json: schema, layout, loading and saving (spec §9; reference §13.11).
#include <peal/state.h>

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Peal;
using namespace Qt::StringLiterals;

class tst_State : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void newStateHasEmptyDefaults()
    {
        const State state(u"plan.md"_s, u"/repo"_s);
        QCOMPARE(state.planPath(), u"plan.md"_s);
        QCOMPARE(state.repoPath(), u"/repo"_s);
        QVERIFY(state.completedTaskIndices().isEmpty());
        QVERIFY(!state.lastPlanByTask);
        QVERIFY(!state.lastCompletedRef);
    }

    void markTaskCompletedInsertsSortedAndDeduplicates()
    {
        State state(u"p"_s, u"r"_s);
        for (quint32 i : {3u, 1u, 2u, 1u})
            state.markTaskCompleted(i);
        QCOMPARE(state.completedTaskIndices(), (QList<quint32>{1, 2, 3}));
        QVERIFY(state.isTaskCompleted(2));
        QVERIFY(!state.isTaskCompleted(4));
    }

    void matchesContext_data()
    {
        QTest::addColumn<QString>("stored");
        QTest::addColumn<QString>("current");
        QTest::addColumn<bool>("same");
        QTest::newRow("equal") << u"a/b"_s << u"a/b"_s << true;
        QTest::newRow("trailing slash") << u"a/b/"_s << u"a/b"_s << true;
        QTest::newRow("double slash") << u"a//b"_s << u"a/b"_s << true;
        QTest::newRow("interior dot") << u"a/./b"_s << u"a/b"_s << true;
        QTest::newRow("leading dot is significant") << u"./a"_s << u"a"_s << false;
        QTest::newRow("dot dot not resolved") << u"a/../b"_s << u"b"_s << false;
        QTest::newRow("absolute vs relative") << u"/a"_s << u"a"_s << false;
        QTest::newRow("different") << u"plan.md"_s << u"other.md"_s << false;
        QTest::newRow("dot slash dot") << u"././a"_s << u"./a"_s << true;
        QTest::newRow("root dot") << u"/./a"_s << u"/a"_s << true;
    }
    void matchesContext()
    {
        QFETCH(QString, stored);
        QFETCH(QString, current);
        QFETCH(bool, same);
        QCOMPARE(State(stored, u"/r"_s).matchesContext(current, u"/r"_s), same);
        QCOMPARE(State(u"p"_s, stored).matchesContext(u"p"_s, current), same);
    }

    void stateFilePathAppendsFileName()
    {
        QCOMPARE(StateStore::stateFilePath(u"/project/.peal"_s), u"/project/.peal/state.json"_s);
        QCOMPARE(StateStore::stateFilePath(u".peal"_s), u".peal/state.json"_s);
    }

    void emptyStateDirIsTheCurrentDirectory()
    {
        // Rust: Path::new("").join("state.json") is "state.json" and create_dir_all("") is a
        // no-op, so every file lands in the current directory under its bare name.
        QCOMPARE(StateStore::stateFilePath(QString()), u"state.json"_s);
        QCOMPARE(StateStore::pathIn(QString(), u"x.json"_s), u"x.json"_s);
        QCOMPARE(StateStore::directory(QString()), u"."_s);
        QCOMPARE(StateStore::directory(u".peal"_s), u".peal"_s);
        QCOMPARE(StateLock::lockFilePath(QString()), u"peal.lock"_s);

        QTemporaryDir dir;
        const QString cwd = QDir::currentPath();
        QVERIFY(QDir::setCurrent(dir.path()));
        State state(u"p"_s, u"r"_s);
        state.markTaskCompleted(4);
        const auto saved = StateStore::save(QString(), state);
        auto loaded = StateStore::load(QString());
        StateLock lock;
        const auto locked = lock.acquire(QString());
        const bool lockFileThere = QFile::exists(u"peal.lock"_s);
        QVERIFY(QDir::setCurrent(cwd));
        QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().toDisplayString()));
        QCOMPARE(PealTest::readFile(dir.filePath(u"state.json"_s)), state.toJson());
        QVERIFY(loaded);
        QVERIFY(loaded->state);
        QCOMPARE(*loaded->state, state);
        QVERIFY2(locked, qPrintable(locked ? QString() : locked.error().toDisplayString()));
        QVERIFY(lockFileThere);
    }

    void jsonLayoutIsByteExact()
    {
        State state(u"plan.md"_s, u"/repo"_s);
        for (quint32 i : {3u, 1u, 2u})
            state.markTaskCompleted(i);
        QCOMPARE(state.toJson(), QByteArray("{\n"
                                            "  \"plan_path\": \"plan.md\",\n"
                                            "  \"repo_path\": \"/repo\",\n"
                                            "  \"completed_task_indices\": [\n"
                                            "    1,\n"
                                            "    2,\n"
                                            "    3\n"
                                            "  ]\n"
                                            "}"));
        QCOMPARE(State(u"p"_s, u"r"_s).toJson(),
                 QByteArray("{\n  \"plan_path\": \"p\",\n  \"repo_path\": \"r\",\n"
                            "  \"completed_task_indices\": []\n}"));
    }

    void jsonIncludesOptionalFieldsWhenPresent()
    {
        State state(u"p"_s, u"r"_s);
        state.lastPlanByTask = QMap<quint32, QString>{{2, u"plan two"_s}, {10, u"ten"_s}};
        state.lastCompletedRef = u"abc123"_s;
        QCOMPARE(state.toJson(),
                 QByteArray("{\n  \"plan_path\": \"p\",\n  \"repo_path\": \"r\",\n"
                            "  \"completed_task_indices\": [],\n"
                            "  \"last_plan_by_task\": {\n    \"2\": \"plan two\",\n"
                            "    \"10\": \"ten\"\n  },\n"
                            "  \"last_completed_ref\": \"abc123\"\n}"));
        state.lastPlanByTask = QMap<quint32, QString>();
        QVERIFY(state.toJson().contains("\"last_plan_by_task\": {},"));
    }

    void stringsEscapedLikeSerde()
    {
        State state(u"a\"b\\c\nd\te\u0001f\u00e9\u4e2d"_s, u"/r"_s);
        QVERIFY(state.toJson().contains(
            QByteArray("\"plan_path\": \"a\\\"b\\\\c\\nd\\te\\u0001f\xc3\xa9\xe4\xb8\xad\"")));
        auto back = State::fromJson(state.toJson());
        QVERIFY(back);
        QCOMPARE(back->planPath(), state.planPath());
    }

    void serializationRoundtrip()
    {
        State state(u"plan.md"_s, u"/repo"_s);
        state.markTaskCompleted(5);
        state.markTaskCompleted(4294967295u);
        state.lastPlanByTask = QMap<quint32, QString>{{5, u"x"_s}};
        state.lastCompletedRef = u"deadbeef"_s;
        auto back = State::fromJson(state.toJson());
        QVERIFY(back);
        QCOMPARE(*back, state);
    }

    void readingToleratesUnknownFieldsAndNulls()
    {
        auto state = State::fromJson(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[2,1,2],
                                        "extra":{"x":[1,2]},"last_completed_ref":null})");
        QVERIFY(state);
        QCOMPARE(state->completedTaskIndices(), (QList<quint32>{1, 2}));
        QVERIFY(!state->lastCompletedRef);
    }

    void invalidDocumentsRejected_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("why");
        QTest::newRow("not json") << QByteArray("{not json") << u""_s;
        QTest::newRow("empty") << QByteArray() << u""_s;
        QTest::newRow("array") << QByteArray("[]") << u"object"_s;
        QTest::newRow("missing plan") << QByteArray(R"({"repo_path":"r","completed_task_indices":[]})")
                                      << u"missing field 'plan_path'"_s;
        QTest::newRow("missing indices") << QByteArray(R"({"plan_path":"p","repo_path":"r"})")
                                         << u"completed_task_indices"_s;
        QTest::newRow("plan not string") << QByteArray(R"({"plan_path":1,"repo_path":"r","completed_task_indices":[]})")
                                         << u"plan_path"_s;
        QTest::newRow("negative index") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[-1]})")
                                        << u"completed_task_indices[0]"_s;
        QTest::newRow("too large index") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[4294967296]})")
                                         << u"completed_task_indices[0]"_s;
        QTest::newRow("huge index") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[1e400]})")
                                    << u""_s;
        QTest::newRow("float index") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[1.5]})")
                                     << u"completed_task_indices[0]"_s;
        QTest::newRow("string index") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":["1"]})")
                                      << u"completed_task_indices[0]"_s;
        QTest::newRow("indices object") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":{}})")
                                        << u"completed_task_indices"_s;
        QTest::newRow("bad plan map key") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[],"last_plan_by_task":{"x":"y"}})")
                                          << u"last_plan_by_task.x"_s;
        QTest::newRow("bad plan map value") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[],"last_plan_by_task":{"1":2}})")
                                            << u"last_plan_by_task.1"_s;
        QTest::newRow("ref not string") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[],"last_completed_ref":5})")
                                        << u"last_completed_ref"_s;
        QTest::newRow("invalid utf-8") << QByteArray("{\"plan_path\":\"\xff\xfe\",\"repo_path\":\"r\",\"completed_task_indices\":[]}")
                                       << u""_s;
        QTest::newRow("deep nesting") << (QByteArray(100000, '[') + QByteArray(100000, ']')) << u""_s;
        QTest::newRow("trailing garbage") << QByteArray(R"({"plan_path":"p","repo_path":"r","completed_task_indices":[]} x)")
                                          << u""_s;
    }
    void invalidDocumentsRejected()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, why);
        auto state = State::fromJson(json);
        QVERIFY(!state);
        QVERIFY(!state.error().message().isEmpty());
        QVERIFY2(state.error().message().contains(why), qPrintable(state.error().message()));
    }

    void loadReturnsNothingWhenFileMissing()
    {
        QTemporaryDir dir;
        auto loaded = StateStore::load(dir.filePath(u"none"_s));
        QVERIFY(loaded);
        QVERIFY(!loaded->state);
        QVERIFY(!loaded->isInvalid());
    }

    void loadWarnsAndIgnoresInvalidJson()
    {
        QTemporaryDir dir;
        QVERIFY(PealTest::writeFile(dir.filePath(u"state.json"_s), "{ broken"));
        auto loaded = StateStore::load(dir.path());
        QVERIFY(loaded);
        QVERIFY(!loaded->state);
        QVERIFY(loaded->isInvalid());
        QVERIFY(loaded->invalidWarning(dir.path()).startsWith(u"ignoring invalid state file "_s
                                                              + dir.filePath(u"state.json"_s) + u": "_s));
    }

    void setAsideKeepsTheOldBytesAndNeverOverwrites()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(u"state.json"_s);
        QVERIFY(PealTest::writeFile(file, "first"));
        auto first = StateStore::setAside(dir.path());
        QVERIFY(first);
        QVERIFY(!QFile::exists(file));
        QVERIFY2(QRegularExpression(u"^state\\.json\\.\\d{8}T\\d{6}Z(-\\d+)?\\.bak$"_s)
                     .match(QFileInfo(*first).fileName()).hasMatch(), qPrintable(*first));
        QCOMPARE(PealTest::readFile(*first), QByteArray("first"));
        QVERIFY(PealTest::writeFile(file, "second"));
        auto second = StateStore::setAside(dir.path());
        QVERIFY(second);
        QVERIFY(*second != *first);
        QCOMPARE(PealTest::readFile(*first), QByteArray("first"));
        QCOMPARE(PealTest::readFile(*second), QByteArray("second"));
    }

    void samePlaceResolvesSpellingsOfOneFile()
    {
        QTemporaryDir dir;
        const QString plan = dir.filePath(u"plan.md"_s);
        QVERIFY(PealTest::writeFile(plan, "x"));
        QVERIFY(QFile::link(plan, dir.filePath(u"link.md"_s)));
        const QString previous = QDir::currentPath();
        QVERIFY(QDir::setCurrent(dir.path()));
        const bool relative = StateStore::samePlace(u"plan.md"_s, u"./plan.md"_s);
        const bool absolute = StateStore::samePlace(u"plan.md"_s, plan);
        const bool symlink = StateStore::samePlace(u"link.md"_s, u"plan.md"_s);
        const bool missing = StateStore::samePlace(u"gone.md"_s, u"./gone.md"_s);
        const bool other = StateStore::samePlace(u"plan.md"_s, u"."_s);
        QVERIFY(QDir::setCurrent(previous));
        QVERIFY(relative);
        QVERIFY(absolute);
        QVERIFY(symlink);
        QVERIFY(!missing); // nothing to resolve: the reference's text comparison decides
        QVERIFY(!other);
    }

    void loadFailsWhenUnreadable()
    {
        QTemporaryDir dir;
        // A directory where the file should be cannot be read.
        QVERIFY(QDir(dir.path()).mkpath(u"state.json"_s));
        auto loaded = StateStore::load(dir.path());
        if (loaded) {
            // Some platforms report a directory as an empty read; it must then be invalid.
            QVERIFY(!loaded->state);
            QVERIFY(loaded->isInvalid());
        } else {
            QVERIFY(loaded.error().message().startsWith(u"Failed to read state file "));
        }
    }

    void loadFailsWhenThePathCannotBeReached()
    {
        // stat() fails with ENOTDIR, not ENOENT: that is no missing file to start afresh from
        // (the tests run as root, so a permission error cannot be staged).
        QTemporaryDir dir;
        const QString blocker = dir.filePath(u"file"_s);
        QVERIFY(PealTest::writeFile(blocker, "x"));
        auto loaded = StateStore::load(blocker + u"/state"_s);
        QVERIFY(!loaded);
        QCOMPARE(loaded.error().message(), u"Failed to read state file "_s + blocker
                                               + u"/state/state.json: Not a directory (os error 20)"_s);
        QCOMPARE(loaded.error().kind(), Error::Kind::State);
    }

    void loadRoundtripsSavedState()
    {
        QTemporaryDir dir;
        State state(u"plan.md"_s, dir.path());
        state.markTaskCompleted(2);
        QVERIFY(StateStore::save(dir.path(), state));
        auto loaded = StateStore::load(dir.path());
        QVERIFY(loaded);
        QVERIFY(loaded->state);
        QCOMPARE(*loaded->state, state);
    }

    void saveCreatesDirectoryIfMissing()
    {
        QTemporaryDir dir;
        const QString nested = dir.filePath(u"a/b/c"_s);
        QVERIFY(StateStore::save(nested, State(u"p"_s, u"r"_s)));
        QVERIFY(QFile::exists(nested + u"/state.json"_s));
    }

    void saveOverwritesExistingFileAndLeavesNoTemporaries()
    {
        QTemporaryDir dir;
        State state(u"p"_s, u"r"_s);
        QVERIFY(StateStore::save(dir.path(), state));
        state.markTaskCompleted(7);
        QVERIFY(StateStore::save(dir.path(), state));
        QCOMPARE(PealTest::readFile(dir.filePath(u"state.json"_s)), state.toJson());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{u"state.json"_s});
    }

    void saveProducesValidDeserializableJson()
    {
        QTemporaryDir dir;
        State state(u"p"_s, u"r"_s);
        state.markTaskCompleted(1);
        QVERIFY(StateStore::save(dir.path(), state));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(PealTest::readFile(dir.filePath(u"state.json"_s)), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(doc.object().value(u"plan_path").toString(), u"p"_s);
    }

    void saveFailsWithMessageWhenDirectoryCannotBeCreated()
    {
        QTemporaryDir dir;
        const QString blocker = dir.filePath(u"file"_s);
        QVERIFY(PealTest::writeFile(blocker, "x"));
        auto saved = StateStore::save(blocker + u"/sub"_s, State(u"p"_s, u"r"_s));
        QVERIFY(!saved);
        QVERIFY(saved.error().message().startsWith(u"Failed to write state file "_s + blocker
                                                   + u"/sub: failed to create directory: "_s));
    }
};

QTEST_GUILESS_MAIN(tst_State)
#include "tst_state.moc"
