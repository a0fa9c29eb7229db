// SPDX-License-Identifier: MIT
// peal-bench-firstspawn PEAL [ARGS...]: runs peal with this same program as its agent
// (--agent-cmd is added) and prints how long it took from starting peal to the first agent
// process, and peal's peak resident set size. The agent writes the time it started into the
// file named by PEAL_BENCH_STAMP and fails, so the run stops after that first call.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

long long nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int agent(const char *stamp)
{
    const std::string text = std::to_string(nowNs());
    const int fd = ::open(stamp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (::write(fd, text.data(), text.size()) < 0)
            std::perror("write");
        ::close(fd);
    }
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (const char *stamp = std::getenv("PEAL_BENCH_AGENT_STAMP"))
        return agent(stamp);
    if (argc < 2) {
        std::fprintf(stderr, "usage: peal-bench-firstspawn PEAL [ARGS...]\n");
        return 2;
    }
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 2;
    self[n] = '\0';
    const std::string stamp = "/tmp/peal-bench-firstspawn." + std::to_string(::getpid());
    std::vector<char *> args(argv + 1, argv + argc);
    std::string agentFlag = std::string("--agent-cmd=") + self;
    args.push_back(agentFlag.data());
    args.push_back(nullptr);
    const long long t0 = nowNs();
    const pid_t pid = fork();
    if (pid == 0) {
        ::setenv("PEAL_BENCH_AGENT_STAMP", stamp.c_str(), 1);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    long long spawned = 0;
    if (FILE *f = std::fopen(stamp.c_str(), "r")) {
        if (std::fscanf(f, "%lld", &spawned) != 1)
            spawned = 0;
        std::fclose(f);
        std::remove(stamp.c_str());
    }
    if (spawned == 0) {
        std::fprintf(stderr, "no agent was started (peal exited %d)\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return 1;
    }
    std::printf("first_spawn_ms=%.1f peak_rss_kib=%ld\n", double(spawned - t0) / 1e6, usage.ru_maxrss);
    return 0;
}
