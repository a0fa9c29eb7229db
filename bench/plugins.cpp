// SPDX-License-Identifier: MIT
// peal-bench-plugins DIR [ROUNDS]: discovery and loading of every plugin in DIR with a fresh
// PluginManager per round; prints the median time per round in milliseconds.
#include <peal/pluginmanager.h>

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: peal-bench-plugins DIR [ROUNDS]\n");
        return 2;
    }
    const QString dir = QString::fromLocal8Bit(argv[1]);
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
    std::vector<double> times;
    int loaded = 0;
    for (int i = 0; i < rounds; ++i) {
        QElapsedTimer clock;
        clock.start();
        Peal::PluginManager manager;
        manager.discover({dir});
        manager.loadAll();
        times.push_back(double(clock.nsecsElapsed()) / 1e6);
        loaded = 0;
        for (const Peal::PluginSpec &s : manager.specs())
            loaded += s.status == Peal::PluginSpec::Status::Loaded;
    }
    std::sort(times.begin(), times.end());
    std::printf("plugins_loaded=%d median_ms=%.3f\n", loaded, times[times.size() / 2]);
    return 0;
}
