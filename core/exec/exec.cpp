// SPDX-License-Identifier: MIT
#include <peal/exec.h>

#include <peal/processjob.h>

namespace Peal {

ProcessJob *runProcess(ProcessSpec spec, QObject *context,
                       std::function<void(const ProcessResult &)> done)
{
    auto *job = new ProcessJob(std::move(spec), context);
    QObject::connect(job, &ProcessJob::done, context,
                     [job, done = std::move(done)](const ProcessResult &result) {
                         done(result);
                         job->deleteLater();
                     });
    job->start();
    return job;
}

} // namespace Peal
