// SPDX-License-Identifier: MIT
/*
 * peal-demo-agent: a small, deterministic stand-in for Cursor's `agent` CLI. It accepts the same
 * argv (`--print [--plan] --workspace W [--output-format F] [--sandbox S] [--model M] PROMPT`),
 * answers plan prompts, and makes real file edits in its working directory:
 *
 *   write <path>: <text>    replace <path> with <text> and a newline
 *   append <path>: <text>   add <text> and a newline to <path>
 *
 * and, steered from the environment, replaces single lines of a file in execute mode.
 *
 * Plan mode copies such directive lines from the task into the plan; execute mode applies the
 * plan's directives; address mode applies the `suggestion` of each review finding; triage mode
 * answers in words; normalise mode turns list items into `## Task N` sections; a fix request
 * of the tests-gate example phase applies the directives printed in the test output.
 *
 * Tests steer it with PEAL_FAKE_AGENT_* environment variables (see usage() below) and read the
 * argv log it writes. It uses only the C++ standard library and POSIX, so it starts fast.
 */

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

const char *usage()
{
    return "peal-demo-agent: a stand-in for Cursor's agent CLI used by `peal demo` and the tests.\n"
           "Environment (all optional):\n"
           "  PEAL_FAKE_AGENT_LOG=FILE        append one JSON line per call (argv, cwd, mode, times,\n"
           "                                  and SLURM_JOB_ID, SLURM_JOB_NAME, SLURM_STEP_ID in a job step)\n"
           "  PEAL_FAKE_AGENT_STARTED=FILE    append \"<mode> <pid>\" to FILE as the call starts\n"
           "                                  (before any sleep or hang), for a test to wait on;\n"
           "                                  \" sleeping\" is added when SLEEP_ON matches the prompt\n"
           "  PEAL_FAKE_AGENT_LEAVE_PARTIAL=1 in execute mode, append a line to partial.txt before\n"
           "                                  any sleep (an edit an interrupted call leaves)\n"
           "  PEAL_FAKE_AGENT_FAIL_ON=TEXT    exit non-zero when the prompt contains TEXT\n"
           "  PEAL_FAKE_AGENT_FAIL_FIRST=N    fail the first N calls (needs PEAL_FAKE_AGENT_COUNTER)\n"
           "  PEAL_FAKE_AGENT_COUNTER=FILE    call counter shared by all calls\n"
           "  PEAL_FAKE_AGENT_EXIT_CODE=N     exit code when failing (default 1)\n"
           "  PEAL_FAKE_AGENT_SLEEP_MS=N      sleep before answering\n"
           "  PEAL_FAKE_AGENT_SLEEP_ON=T=MS,.. sleep MS when the prompt contains T\n"
           "  PEAL_FAKE_AGENT_SET_LINE_ON=T=PATH:N:TEXT,..  in execute mode, when the prompt\n"
           "                                  contains T, replace line N (from 1) of PATH with TEXT\n"
           "  PEAL_FAKE_AGENT_HANG=1          never answer\n"
           "  PEAL_FAKE_AGENT_HANG_FIRST=N    never answer the first N calls (needs PEAL_FAKE_AGENT_COUNTER)\n"
           "  PEAL_FAKE_AGENT_IGNORE_TERM=1   ignore SIGTERM\n"
           "  PEAL_FAKE_AGENT_GRANDCHILD=FILE start a long-lived grandchild, append its pid to FILE\n"
           "  PEAL_FAKE_AGENT_GRANDCHILD_ON=T ... only when the prompt contains T\n"
           "  PEAL_FAKE_AGENT_PRINT_BYTES=N   also print N bytes on stdout (execute mode)\n"
           "  PEAL_FAKE_AGENT_PRINT_LINES=1   ... as lines of 100 bytes, not one long line\n"
           "  PEAL_FAKE_AGENT_INVALID_UTF8=1  put invalid UTF-8 in the answer\n"
           "  PEAL_FAKE_AGENT_PLAN_TEXT=TEXT  answer plan prompts with TEXT\n"
           "  PEAL_FAKE_AGENT_NORMALIZE_OUTPUT=TEXT  answer normalise prompts with TEXT\n"
           "  PEAL_FAKE_AGENT_NORMALIZE_FIRST_OUTPUT=TEXT  ... on the first normalise call only\n"
           "  PEAL_FAKE_AGENT_TRIAGE_ANSWER=TEXT      answer triage prompts with TEXT\n"
           "  PEAL_FAKE_AGENT_STDERR=TEXT     print TEXT on stderr\n"
           "  PEAL_FAKE_AGENT_VANISH_AFTER=N  the N-th call deletes this executable when it ends,\n"
           "                                  so later calls fail to start (needs\n"
           "                                  PEAL_FAKE_AGENT_COUNTER and a copy of the agent)\n";
}

std::string env(const char *name)
{
    const char *value = std::getenv(name);
    return value ? value : "";
}

long long envNumber(const char *name, long long fallback)
{
    const std::string v = env(name);
    if (v.empty())
        return fallback;
    return std::strtoll(v.c_str(), nullptr, 10);
}

long long nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string jsonEscape(const std::string &s)
{
    std::string out;
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out;
}

// The text of "MARK\n<text>\nMARK" in the prompt, or nothing.
std::optional<std::string> fenced(const std::string &prompt, const std::string &mark)
{
    const std::string open = mark + "\n";
    const size_t start = prompt.find(open);
    if (start == std::string::npos)
        return std::nullopt;
    const size_t bodyStart = start + open.size();
    const size_t end = prompt.find("\n" + mark, bodyStart);
    if (end == std::string::npos)
        return std::nullopt;
    return prompt.substr(bodyStart, end - bodyStart);
}

std::vector<std::string> splitLines(const std::string &text)
{
    std::vector<std::string> lines;
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

std::string trim(const std::string &s)
{
    const size_t a = s.find_first_not_of(" \t");
    if (a == std::string::npos)
        return "";
    const size_t b = s.find_last_not_of(" \t");
    return s.substr(a, b - a + 1);
}

struct Directive
{
    bool append = false;
    std::string path;
    std::string text;
};

// "write p: text" / "append p: text", possibly after list markers ("- ", "1. ").
std::optional<Directive> parseDirective(std::string line)
{
    line = trim(line);
    while (!line.empty() && (line[0] == '-' || line[0] == '*' || std::isdigit(static_cast<unsigned char>(line[0]))
                             || line[0] == '.' || line[0] == ')'))
        line = trim(line.substr(1));
    Directive d;
    if (line.rfind("write ", 0) == 0) {
        line = line.substr(6);
    } else if (line.rfind("append ", 0) == 0) {
        d.append = true;
        line = line.substr(7);
    } else {
        return std::nullopt;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos)
        return std::nullopt;
    d.path = trim(line.substr(0, colon));
    if (d.path.size() >= 2 && d.path.front() == '`' && d.path.back() == '`')
        d.path = d.path.substr(1, d.path.size() - 2);
    d.text = trim(line.substr(colon + 1));
    if (d.path.empty())
        return std::nullopt;
    return d;
}

std::string directiveText(const Directive &d)
{
    return std::string(d.append ? "append " : "write ") + d.path + ": " + d.text;
}

// Applies a directive inside the working directory; refuses paths that leave it.
bool apply(const Directive &d, std::string *error)
{
    const fs::path relative(d.path);
    if (relative.is_absolute() || d.path.find("..") != std::string::npos) {
        *error = "refusing path outside the workspace: " + d.path;
        return false;
    }
    const fs::path target = fs::current_path() / relative;
    std::error_code ec;
    if (target.has_parent_path())
        fs::create_directories(target.parent_path(), ec);
    std::ofstream out(target, d.append ? std::ios::app : std::ios::trunc);
    if (!out) {
        *error = "cannot write " + d.path + ": " + std::strerror(errno);
        return false;
    }
    out << d.text << "\n";
    return true;
}

void appendLine(const std::string &file, const std::string &line)
{
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    const std::string text = line + "\n";
    // One write with O_APPEND: concurrent calls never interleave within a line.
    (void)!::write(fd, text.data(), text.size());
    ::close(fd);
}

// Increments the shared counter and returns the new value (1 for the first call).
long long bumpCounter(const std::string &file)
{
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return 1;
    ::lockf(fd, F_LOCK, 0);
    char buf[32] = {};
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    long long value = n > 0 ? std::strtoll(buf, nullptr, 10) : 0;
    ++value;
    const std::string text = std::to_string(value);
    ::lseek(fd, 0, SEEK_SET);
    (void)!::ftruncate(fd, 0);
    (void)!::write(fd, text.data(), text.size());
    ::lockf(fd, F_ULOCK, 0);
    ::close(fd);
    return value;
}

void sleepMs(long long ms)
{
    if (ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void startGrandchild(const std::string &pidFile)
{
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Keeps stdout/stderr open, like a dev server an agent forgot to stop.
        ::execl("/bin/sleep", "sleep", "3600", static_cast<char *>(nullptr));
        ::_exit(127);
    }
    if (pid > 0)
        appendLine(pidFile, std::to_string(pid));
}

// ---- answers per mode -----------------------------------------------------------------

std::string planAnswer(const std::string &prompt)
{
    const std::string fixed = env("PEAL_FAKE_AGENT_PLAN_TEXT");
    if (!fixed.empty())
        return fixed;
    const std::string task = fenced(prompt, "---TASK---").value_or("");
    std::vector<std::string> steps;
    std::string title;
    for (const std::string &line : splitLines(task)) {
        if (const auto d = parseDirective(line))
            steps.push_back(directiveText(*d));
        else if (title.empty() && !trim(line).empty())
            title = trim(line);
    }
    if (steps.empty())
        steps.push_back("append peal-demo.log: done: " + (title.empty() ? std::string("task") : title));
    std::string out = "Plan: " + (title.empty() ? std::string("carry out the task") : title) + "\n";
    for (size_t i = 0; i < steps.size(); ++i)
        out += std::to_string(i + 1) + ". " + steps[i] + "\n";
    return out;
}

int executeAnswer(const std::string &body, const char *what, std::string *out)
{
    int applied = 0;
    for (const std::string &line : splitLines(body)) {
        const auto d = parseDirective(line);
        if (!d)
            continue;
        std::string error;
        if (!apply(*d, &error)) {
            std::fprintf(stderr, "peal-demo-agent: %s\n", error.c_str());
            return -1;
        }
        ++applied;
        *out += std::string(what) + " " + directiveText(*d) + "\n";
    }
    return applied;
}

// PEAL_FAKE_AGENT_SET_LINE_ON: "T=PATH:N:TEXT" items, comma separated. Edits one line in place,
// so tests can have tasks change different parts of one file. Missing lines are added empty.
int setLines(const std::string &prompt, std::string *out)
{
    int applied = 0;
    std::stringstream spec(env("PEAL_FAKE_AGENT_SET_LINE_ON"));
    std::string item;
    while (std::getline(spec, item, ',')) {
        const size_t eq = item.find('=');
        const size_t colon = item.find(':', eq == std::string::npos ? 0 : eq);
        const size_t second = colon == std::string::npos ? colon : item.find(':', colon + 1);
        if (eq == std::string::npos || second == std::string::npos
            || prompt.find(item.substr(0, eq)) == std::string::npos)
            continue;
        const std::string path = item.substr(eq + 1, colon - eq - 1);
        const long long number = std::strtoll(item.c_str() + colon + 1, nullptr, 10);
        if (path.empty() || path[0] == '/' || path.find("..") != std::string::npos || number < 1) {
            std::fprintf(stderr, "peal-demo-agent: bad PEAL_FAKE_AGENT_SET_LINE_ON item: %s\n", item.c_str());
            return -1;
        }
        std::vector<std::string> lines;
        {
            std::ifstream in(fs::current_path() / path);
            std::stringstream text;
            text << in.rdbuf();
            lines = splitLines(text.str());
        }
        if (lines.size() < size_t(number))
            lines.resize(size_t(number));
        lines[size_t(number - 1)] = item.substr(second + 1);
        std::ofstream file(fs::current_path() / path, std::ios::trunc);
        for (const std::string &line : lines)
            file << line << "\n";
        if (!file) {
            std::fprintf(stderr, "peal-demo-agent: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
            return -1;
        }
        ++applied;
        *out += "set line " + std::to_string(number) + " of " + path + "\n";
    }
    return applied;
}

// Pulls every "suggestion" string out of a findings JSON document (no JSON library needed
// for the shapes the fake reviewer prints).
std::vector<std::string> suggestions(const std::string &review)
{
    std::vector<std::string> out;
    const std::string key = "\"suggestion\"";
    size_t pos = 0;
    while ((pos = review.find(key, pos)) != std::string::npos) {
        pos = review.find('"', review.find(':', pos + key.size()));
        if (pos == std::string::npos)
            break;
        std::string value;
        for (++pos; pos < review.size() && review[pos] != '"'; ++pos) {
            if (review[pos] == '\\' && pos + 1 < review.size()) {
                ++pos;
                value += review[pos] == 'n' ? '\n' : review[pos];
            } else {
                value += review[pos];
            }
        }
        out.push_back(value);
    }
    return out;
}

std::string firstFindingId(const std::string &review)
{
    const size_t key = review.find("\"id\"");
    if (key == std::string::npos)
        return "";
    const size_t open = review.find('"', review.find(':', key + 4));
    const size_t close = review.find('"', open + 1);
    if (open == std::string::npos || close == std::string::npos)
        return "";
    return review.substr(open + 1, close - open - 1);
}

std::string normalizeAnswer(const std::string &prompt)
{
    const std::string first = env("PEAL_FAKE_AGENT_NORMALIZE_FIRST_OUTPUT");
    const std::string counter = env("PEAL_FAKE_AGENT_COUNTER");
    if (!first.empty() && !counter.empty() && bumpCounter(counter + ".normalize") == 1)
        return first;
    const std::string fixed = env("PEAL_FAKE_AGENT_NORMALIZE_OUTPUT");
    if (!fixed.empty())
        return fixed;
    const std::string doc = fenced(prompt, "---DOC---").value_or("");
    std::string out;
    int n = 0;
    for (const std::string &raw : splitLines(doc)) {
        std::string line = trim(raw);
        if (line.rfind("- ", 0) == 0 || line.rfind("* ", 0) == 0)
            line = trim(line.substr(2));
        else
            continue;
        out += "## Task " + std::to_string(++n) + "\n" + line + "\n\n";
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    const long long started = nowMs();
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(usage(), stdout);
        return 0;
    }
    bool planFlag = false;
    for (const std::string &a : args)
        planFlag = planFlag || a == "--plan";
    const std::string prompt = args.back();

    std::string mode = "other";
    if (planFlag)
        mode = prompt.find("---DOC---") != std::string::npos ? "normalize" : "plan";
    else if (prompt.rfind("Execute the following plan", 0) == 0)
        mode = "execute";
    else if (prompt.rfind("Address the following", 0) == 0)
        mode = "address";
    else if (prompt.find("Anything to address from this review?") != std::string::npos)
        mode = "triage";
    else if (prompt.rfind("The project's tests fail", 0) == 0)
        mode = "tests-fix";

    if (!env("PEAL_FAKE_AGENT_IGNORE_TERM").empty())
        std::signal(SIGTERM, SIG_IGN);

    long long callNumber = 0;
    if (!env("PEAL_FAKE_AGENT_COUNTER").empty())
        callNumber = bumpCounter(env("PEAL_FAKE_AGENT_COUNTER"));

    std::string out;
    int exitCode = 0;
    const std::string stderrText = env("PEAL_FAKE_AGENT_STDERR");
    if (!stderrText.empty())
        std::fprintf(stderr, "%s\n", stderrText.c_str());

    // How long PEAL_FAKE_AGENT_SLEEP_ON makes this call sleep: the started line says so
    // ("<mode> <pid> sleeping"), so a test can interrupt exactly that call.
    long long sleepOn = 0;
    {
        std::stringstream spec(env("PEAL_FAKE_AGENT_SLEEP_ON"));
        std::string item;
        while (std::getline(spec, item, ',')) {
            const size_t eq = item.rfind('=');
            if (eq != std::string::npos && prompt.find(item.substr(0, eq)) != std::string::npos)
                sleepOn += std::strtoll(item.c_str() + eq + 1, nullptr, 10);
        }
    }
    if (const std::string startedLog = env("PEAL_FAKE_AGENT_STARTED"); !startedLog.empty())
        appendLine(startedLog, mode + " " + std::to_string(::getpid()) + (sleepOn > 0 ? " sleeping" : ""));

    // An edit made before the call is interrupted: what an agent stopped midway leaves behind.
    if (mode == "execute" && !env("PEAL_FAKE_AGENT_LEAVE_PARTIAL").empty())
        appendLine("partial.txt", "started " + std::to_string(::getpid()));

    // Before any sleep, so a test can interrupt a call whose grandchild is already running.
    const std::string grandchildOn = env("PEAL_FAKE_AGENT_GRANDCHILD_ON");
    if (!env("PEAL_FAKE_AGENT_GRANDCHILD").empty()
        && (grandchildOn.empty() || prompt.find(grandchildOn) != std::string::npos))
        startGrandchild(env("PEAL_FAKE_AGENT_GRANDCHILD"));
    sleepMs(envNumber("PEAL_FAKE_AGENT_SLEEP_MS", 0));
    sleepMs(sleepOn);
    const long long hangFirst = envNumber("PEAL_FAKE_AGENT_HANG_FIRST", 0);
    if (!env("PEAL_FAKE_AGENT_HANG").empty() || (hangFirst > 0 && callNumber > 0 && callNumber <= hangFirst)) {
        for (;;)
            ::pause();
    }

    const std::string failOn = env("PEAL_FAKE_AGENT_FAIL_ON");
    const long long failFirst = envNumber("PEAL_FAKE_AGENT_FAIL_FIRST", 0);
    if ((!failOn.empty() && prompt.find(failOn) != std::string::npos)
        || (failFirst > 0 && callNumber > 0 && callNumber <= failFirst)) {
        std::fprintf(stderr, "peal-demo-agent: failing as asked (%s mode)\n", mode.c_str());
        exitCode = int(envNumber("PEAL_FAKE_AGENT_EXIT_CODE", 1));
    } else if (mode == "plan") {
        out = planAnswer(prompt);
    } else if (mode == "normalize") {
        out = normalizeAnswer(prompt);
    } else if (mode == "execute") {
        const int n = executeAnswer(fenced(prompt, "---PLAN---").value_or(""), "applied", &out);
        const int set = n < 0 ? 0 : setLines(prompt, &out);
        if (n < 0 || set < 0)
            exitCode = 1;
        else
            out = "Executed " + std::to_string(n + set) + " step(s).\n" + out;
    } else if (mode == "address") {
        const std::string review = fenced(prompt, "---STET---").value_or("");
        std::string steps;
        for (const std::string &s : suggestions(review))
            steps += s + "\n";
        const int n = executeAnswer(steps, "fixed:", &out);
        if (n < 0)
            exitCode = 1;
        else
            out = "Addressed the review (" + std::to_string(n) + " fix(es)).\n" + out;
    } else if (mode == "tests-fix") {
        const size_t output = prompt.find("Test output:");
        const int n = executeAnswer(output == std::string::npos ? "" : prompt.substr(output),
                                    "fixed:", &out);
        if (n < 0)
            exitCode = 1;
        else
            out = "Fixed the tests (" + std::to_string(n) + " step(s)).\n" + out;
    } else if (mode == "triage") {
        // Placeholder findings of a dry-run review are noise; anything else gets fixed.
        const std::string fixed = env("PEAL_FAKE_AGENT_TRIAGE_ANSWER");
        const std::string review = fenced(prompt, "---STET---").value_or("");
        const std::string id = firstFindingId(review);
        out = !fixed.empty()                                            ? fixed
              : id.empty() || review.find("Dry-run placeholder") != std::string::npos
                  ? std::string("Nothing to address.")
                  : "Finding " + id + " needs a fix.";
    } else {
        out = "peal-demo-agent: nothing to do\n";
    }

    if (exitCode == 0) {
        if (!env("PEAL_FAKE_AGENT_INVALID_UTF8").empty())
            out += "bad bytes: \xff\xfe\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
        long long bytes = mode == "execute" ? envNumber("PEAL_FAKE_AGENT_PRINT_BYTES", 0) : 0;
        std::string chunk(1 << 16, 'x');
        if (!env("PEAL_FAKE_AGENT_PRINT_LINES").empty()) {
            chunk.resize(100 * 655);
            for (size_t i = 99; i < chunk.size(); i += 100)
                chunk[i] = '\n';
        }
        while (bytes > 0) {
            const size_t n = size_t(std::min<long long>(bytes, (long long)chunk.size()));
            if (std::fwrite(chunk.data(), 1, n, stdout) != n)
                break;
            bytes -= (long long)n;
        }
        std::fflush(stdout);
    }

    const std::string log = env("PEAL_FAKE_AGENT_LOG");
    if (!log.empty()) {
        std::string line = "{\"mode\":\"" + mode + "\",\"pid\":" + std::to_string(::getpid())
                           + ",\"start\":" + std::to_string(started) + ",\"end\":"
                           + std::to_string(nowMs()) + ",\"exit\":" + std::to_string(exitCode)
                           + ",\"cwd\":\"" + jsonEscape(fs::current_path().string()) + "\"";
        // Run as a Slurm job step: the job it ran in (docs/distributed.md).
        if (const std::string job = env("SLURM_JOB_ID"); !job.empty())
            line += ",\"slurm_job_id\":\"" + jsonEscape(job) + "\",\"slurm_job_name\":\"" + jsonEscape(env("SLURM_JOB_NAME"))
                    + "\",\"slurm_step_id\":\"" + jsonEscape(env("SLURM_STEP_ID")) + "\"";
        line += ",\"argv\":[";
        for (size_t i = 0; i < args.size(); ++i)
            line += (i ? ",\"" : "\"") + jsonEscape(args[i]) + "\"";
        line += "]}";
        appendLine(log, line);
    }
    const long long vanishAfter = envNumber("PEAL_FAKE_AGENT_VANISH_AFTER", 0);
    if (vanishAfter > 0 && callNumber == vanishAfter) {
        // Never the build's own agent: other tests still need it.
        std::error_code ec;
        const fs::path self = fs::read_symlink("/proc/self/exe", ec);
        if (ec || self.filename() == "peal-demo-agent") {
            std::fputs("peal-demo-agent: PEAL_FAKE_AGENT_VANISH_AFTER needs a copy of the agent under another name\n",
                       stderr);
            return 2;
        }
        fs::remove(self, ec);
    }
    return exitCode;
}
