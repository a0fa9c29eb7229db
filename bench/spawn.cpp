// SPDX-License-Identifier: MIT
// peal-bench-spawn N PROGRAM [ARGS...]: runs PROGRAM N times in a row (fork, exec, wait) and
// prints the total wall time in milliseconds: the cost of spawning it without peal.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: peal-bench-spawn N PROGRAM [ARGS...]\n");
        return 2;
    }
    const int n = std::atoi(argv[1]);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            execvp(argv[2], argv + 2);
            _exit(127);
        }
        int status = 0;
        waitpid(pid, &status, 0);
    }
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.3f\n", ms);
    return 0;
}
