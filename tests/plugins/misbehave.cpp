// SPDX-License-Identifier: MIT
// A phase that breaks the PhaseRun contract in the way its table's `mode` says, so the tests can
// prove that no plugin can hang a run or take it down:
//   throw-in-callback  a process callback throws
//   never-done         start() returns with nothing in flight and never calls done
//   ignore-cancel      waits on `sleep 600` and never calls done, even when it ends
//   block              blocks the event loop from a timer while `sleep 600` runs, after
//                      creating the file `marker`
//   throw-in-step      one of its steps throws
//   step-never-done    one of its steps returns without calling done, with nothing running
#include <peal/sdk/phase.h>
#include <peal/sdk/servicesteps.h>

#include <QFile>
#include <QTimer>

#include <stdexcept>
#include <thread>

namespace {

using namespace Peal;

ProcessSpec sleeper(const QString &seconds)
{
    ProcessSpec spec;
    spec.program = QStringLiteral("/bin/sleep");
    spec.arguments = {seconds};
    spec.stdinMode = ProcessSpec::Stdin::Null;
    spec.label = QStringLiteral("misbehave sleep");
    return spec;
}

class MisbehavingRun final : public PhaseRun
{
public:
    void start(PhaseServices &services, std::function<void(Result<void>)> done) override
    {
        m_done = std::move(done);
        const QString mode = services.options().value(QStringLiteral("mode")).toString();
        if (mode == u"throw-in-callback") {
            services.runProcess(sleeper(QStringLiteral("0")),
                                [](const ProcessResult &) { throw std::runtime_error("callback exploded"); });
        } else if (mode == u"ignore-cancel") {
            services.runProcess(sleeper(QStringLiteral("600")), [](const ProcessResult &) {});
        } else if (mode == u"block") {
            services.runProcess(sleeper(QStringLiteral("600")), [](const ProcessResult &) {});
            const QString marker = services.options().value(QStringLiteral("marker")).toString();
            QTimer::singleShot(200, [marker] {
                QFile(marker).open(QIODevice::WriteOnly); // tells the test the loop is blocked now
                for (;;)
                    std::this_thread::sleep_for(std::chrono::seconds(1));
            });
        } else if (mode == u"throw-in-step") {
            services.run(sequenceStep(QStringLiteral("misbehave"), {
                             processStep(services, QStringLiteral("sleep"), [] { return sleeper(QStringLiteral("0")); }),
                             syncStep(QStringLiteral("explode"), []() -> Result<void> { throw std::runtime_error("step exploded"); }),
                         }),
                         m_done);
        } else if (mode == u"step-never-done") {
            services.run(leafStep(QStringLiteral("forgetful"), [](const StepHandle &) {}), m_done);
        } else if (mode != u"never-done") {
            m_done(Result<void>());
        }
    }

private:
    std::function<void(Result<void>)> m_done;
};

class MisbehavingPlugin final : public PhasePlugin
{
public:
    std::unique_ptr<PhaseRun> createRun() const override { return std::make_unique<MisbehavingRun>(); }
};

} // namespace

PEAL_REGISTER_PLUGIN(MisbehavingPlugin)
