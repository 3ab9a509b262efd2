using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using DurableDelivery.Cli.Tests.Support;

namespace DurableDelivery.Cli.Tests.Demo;

/// <summary>
/// <c>ddctl demo</c> as people run it: a real process on a fresh data dir that starts the local provider (its own
/// process) and its instances, tells the whole story, and leaves nothing running, also when interrupted.
/// </summary>
public sealed partial class DemoTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Demo_tells_the_delivery_story_and_leaves_no_process_running()
    {
        using var dir = new TempDataDir();
        var run = DemoRun.Start(dir.Path);
        await run.WaitAsync(Limit);

        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stderr.ShouldBeEmpty(run.ToString());
        var output = run.Stdout;
        string[] story =
        [
            @"\] provider +local provider pid \d+, its own process",
            @"by hand: ddctl local up --data-dir ",
            @"\] worker +worker in this process",
            @"\] deliver v1 +sample app 1\.0\.0 \(sample-v1\)",
            @"by hand: ddctl deliver demo --version-set \S*infra/version-sets/v1\.yaml",
            @"\] v1 +Promoted +all steps passed; demo-sample-v1-0001 takes all traffic",
            @"\] load +100 requests/s to http://127\.0\.0\.1:\d+/",
            @"by hand: ddctl local load --env demo",
            @"\] v2 +WeightsSet +step 1/3: 10% to demo-sample-v2-0002 \(demo-sample-v1-0001=90, demo-sample-v2-0002=10\)",
            @"\] v2 +GatePassed +step 1 gate: Pass \(score 100\): .*error rate 0% vs 0% stable.*\[\d+ vs \d+ requests over",
            @"\] v2 +WeightsSet +step 2/3: 50% to demo-sample-v2-0002",
            @"\] v2 +GatePassed +step 2 gate: Pass",
            @"\] v2 +Ended +Promoted after",
            @"\] v3 +WeightsSet +step 1/3: 10% to demo-sample-v3-0003",
            @"\] v3 +GateFailed +step 1 gate: Fail \(score 0\): error rate \d+(\.\d+)?% vs 0% stable \(p<0\.001\), above the 5% ceiling",
            @"ErrorRate High \(critical\).*\[n \d+/\d+, U [\d.]+, p [\d.e-]+",
            @"\] v3 +Ended +RolledBack after",
            @"\] v3 +the gate's rollback took \d+ ms from verdict to weights applied; at the listener .*went to v2",
            @"by hand: ddctl env rollback demo --reason ",
            @"\] rollback +rolled back to demo-sample-v1-0001 .*; weights demo-sample-v2-0002=100 -> demo-sample-v1-0001=100",
            @"rollback took \d+ ms .*went to v1",
            @"\] check +v1 takes all traffic: env/demo weights demo-sample-v1-0001=100, last known good demo-sample-v1-0001; the listener's last second: \d+ requests, all v1, all 200",
            @"\] cleanup +worker stopped; stopped local provider pid \d+ and \d+ instance processes \(pids [\d ]+\): none left running",
            @"^demo OK: v2 promoted, v3 rolled back by its gate, v1 takes all traffic",
        ];
        var at = 0;
        foreach (var line in story)
        {
            var match = new Regex(line, RegexOptions.Multiline).Match(output, at);
            match.Success.ShouldBeTrue($"missing (in this order): {line}\n{run}");
            at = match.Index + match.Length;
        }

        // Every process it started is gone: the pids it reported, and anything else that runs from its data dir.
        var cleanup = CleanupLine().Match(output);
        int[] pids = [int.Parse(cleanup.Groups["provider"].Value, CultureInfo.InvariantCulture), .. cleanup.Groups["instances"].Value.Split(' ').Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        pids.Length.ShouldBeGreaterThanOrEqualTo(7, "the provider and 3 infra-sets of 2 instances");
        pids.ShouldNotContain(pid => DemoRun.Owns(pid, dir.Path), run.ToString());
        DemoRun.ProcessesOf(dir.Path).ShouldBeEmpty(run.ToString());
    }

    [Fact]
    public async Task Interrupted_demo_stops_the_provider_and_its_instances()
    {
        using var dir = new TempDataDir();
        var run = DemoRun.Start(dir.Path);

        // Interrupt once the good version takes canary traffic: provider, v1 and v2 instances all run then.
        await run.WaitForOutputAsync(@"\] v2 +WeightsSet +step 1/3", Limit);
        DemoRun.ProcessesOf(dir.Path).Count.ShouldBeGreaterThanOrEqualTo(5, run.ToString());
        run.Interrupt();
        await run.WaitAsync(TimeSpan.FromMinutes(1));

        run.ExitCode.ShouldBe(130, run.ToString());
        run.Stdout.ShouldMatch(@"\] cleanup +worker stopped; stopped local provider pid \d+ and \d+ instance processes \(pids [\d ]+\): none left running");
        run.Stderr.Trim().ShouldBe("error: ddctl demo interrupted; everything it started was stopped (see the cleanup line above).");
        DemoRun.ProcessesOf(dir.Path).ShouldBeEmpty(run.ToString());
    }

    [GeneratedRegex(@"stopped local provider pid (?<provider>\d+) and \d+ instance processes \(pids (?<instances>[\d ]+)\)")]
    private static partial Regex CleanupLine();

    /// <summary>One <c>ddctl demo</c> process with its output collected; a run that fails the test never leaves processes behind.</summary>
    private sealed class DemoRun
    {
        private readonly Process process;
        private readonly string dataDir;
        private readonly ConcurrentQueue<string> stdout = new();
        private readonly ConcurrentQueue<string> stderr = new();

        private DemoRun(Process process, string dataDir)
        {
            this.process = process;
            this.dataDir = dataDir;
            process.OutputDataReceived += (_, e) => Collect(stdout, e.Data);
            process.ErrorDataReceived += (_, e) => Collect(stderr, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Stdout => string.Join('\n', stdout);

        public string Stderr => string.Join('\n', stderr);

        public int ExitCode => process.ExitCode;

        public static DemoRun Start(string dataDir) => new(Ddctl.Start(["demo", "--data-dir", dataDir]), dataDir);

        /// <summary>Every running process whose command line or stdout names the data dir: the provider, its instances (their stdout is a log file in it).</summary>
        public static List<int> ProcessesOf(string dataDir) =>
            [.. Directory.EnumerateDirectories("/proc")
                .Select(Path.GetFileName)
                .Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
                .Where(pid => pid > 0 && pid != Environment.ProcessId && Owns(pid, dataDir))];

        public async Task WaitAsync(TimeSpan limit)
        {
            try
            {
                await process.WaitForExitAsync().WaitAsync(limit);
                process.WaitForExit();
            }
            catch (TimeoutException)
            {
                KillEverything();
                throw new TimeoutException($"ddctl demo did not finish in {limit}:\n{this}");
            }
        }

        public async Task WaitForOutputAsync(string pattern, TimeSpan limit)
        {
            var watch = Stopwatch.StartNew();
            while (!Regex.IsMatch(Stdout, pattern, RegexOptions.Multiline))
            {
                if (process.HasExited || watch.Elapsed > limit)
                {
                    KillEverything();
                    throw new InvalidOperationException($"ddctl demo never printed {pattern}:\n{this}");
                }

                await Task.Delay(100);
            }
        }

        /// <summary>Ctrl+C: SIGINT to the demo process only (the provider runs in its own session, as from a terminal).</summary>
        public void Interrupt()
        {
            using var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        public override string ToString() => $"exit {(process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "(running)")}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

        /// <summary>Whether the pid runs (not a zombie) and belongs to the demo's data dir: its command line or its stdout names it.</summary>
        public static bool Owns(int pid, string dataDir)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                if (stat[(stat.LastIndexOf(')') + 2)..].TrimStart().StartsWith('Z'))
                {
                    return false;
                }

                var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                var output = new FileInfo($"/proc/{pid}/fd/1").LinkTarget ?? string.Empty;
                return commandLine.Contains(dataDir, StringComparison.Ordinal) || output.StartsWith(dataDir, StringComparison.Ordinal);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>Keeps a line of output; the null that ends a stream is not a line.</summary>
        private static void Collect(ConcurrentQueue<string> lines, string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
            }
        }

        private void KillEverything()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            foreach (var pid in ProcessesOf(dataDir))
            {
                try
                {
                    using var leftover = Process.GetProcessById(pid);
                    leftover.Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Gone meanwhile.
                }
            }
        }
    }
}
