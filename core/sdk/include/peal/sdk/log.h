// SPDX-License-Identifier: MIT
#pragma once

#include <peal/sdk/export.h>

#include <QList>
#include <QString>
#include <QVariant>

namespace Peal {

// How much an event matters; the run's filter (log_level, PEAL_LOG) decides what is shown.
enum class LogLevel { Trace, Debug, Info, Warn, Error };

// One key=value of an event, kept in the order given.
struct PEAL_EXPORT LogField
{
    QString key;
    QVariant value;
};
using LogFields = QList<LogField>;

} // namespace Peal
