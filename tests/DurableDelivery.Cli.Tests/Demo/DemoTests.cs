using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using DurableDelivery.Cli.Tests.Support;
using DurableDelivery.Server.Hosting;
using DurableDelivery.Workflows;
using Temporalio.Client;

namespace DurableDelivery.Cli.Tests.Demo;

/// <summary>
/// <c>ddctl demo</c> as people run it: a real process on a fresh data dir that runs the embedded Temporal server (or
/// uses one given by --address), a worker and the local provider (its own process) with its instances, tells the whole
/// story with the ddctl and temporal CLI commands that do each step, and leaves nothing running, also when interrupted.
/// The demo's data dirs are not TempDataDir data dirs (whose runs Ddctl points at the test's own server): the demo
/// brings its own.
/// </summary>
public sealed partial class DemoTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Demo_tells_the_delivery_story_on_its_own_server_and_leaves_nothing_running()
    {
        using var dir = new TempDataDir();
        var data = Path.Combine(dir.Root, "demo");
        var run = DemoRun.Start(["demo", "--data-dir", data, "--port", "0"], data);
        await run.WaitAsync(Limit);

        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stderr.ShouldBeEmpty(run.ToString());
        var output = run.Stdout;
        var address = ServerLine().Match(output) is { Success: true } server ? server.Groups["address"].Value : throw new ShouldAssertException($"no server line\n{run}");
        var a = Regex.Escape(address);
        string[] story =
        [
            $@"\] server +embedded Temporal server in this process at {a}, namespace default, database \S*temporal\.db",
            @"by hand: ddctl server start-dev --port \d+ --data-dir ",
            @"\] provider +local provider pid \d+, its own process",
            @"by hand: ddctl local up --data-dir ",
            @"\] worker +worker in this process",
            $@"by hand: ddctl worker run --address {a} --data-dir ",
            @"\] deliver v1 +sample app 1\.0\.0 \(sample-v1\)",
            $@"by hand: ddctl deliver demo --version-set \S*infra/version-sets/v1\.yaml.* --address {a} --data-dir \S+ --watch",
            $@"or: temporal workflow start --type EnvironmentWorkflow -w env/demo -t default --id-conflict-policy UseExisting --input-file \S+/temporal-inputs/start-demo\.json --address {a}$",
            $@"^ +temporal workflow update execute -w env/demo --name requestDelivery --input-file \S+/temporal-inputs/requestDelivery-v1\.json --address {a}$",
            $@"^ +temporal workflow query -w delivery/demo/1 --name status --address {a}",
            @"\] v1 +Promoted +all steps passed; demo-sample-v1-0001 takes all traffic",
            @"\] load +100 requests/s to http://127\.0\.0\.1:\d+/",
            @"by hand: ddctl local load --env demo",
            @"or: temporal workflow update execute -w env/demo --name requestDelivery --input-file \S+/requestDelivery-v2\.json",
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
            @"by hand: ddctl delivery status delivery/demo/3 ",
            @"or: temporal workflow query -w delivery/demo/3 --name status",
            $@"by hand: ddctl env rollback demo --reason ""back to v1 by hand"" --address {a} --data-dir ",
            @"or: temporal workflow update execute -w env/demo --name rollback -i '\{.*""reason"":""back to v1 by hand"".*\}'",
            @"\] rollback +rolled back to demo-sample-v1-0001 .*; weights demo-sample-v2-0002=100 -> demo-sample-v1-0001=100",
            @"rollback took \d+ ms .*went to v1",
            @"\] check +v1 takes all traffic: env/demo weights demo-sample-v1-0001=100, last known good demo-sample-v1-0001; the listener's last second: \d+ requests, all v1, all 200",
            @"or: temporal workflow query -w env/demo --name status",
            @"by hand: ddctl workflow show -w env/demo ",
            @"or: temporal workflow show -w env/demo",
            $@"\] cleanup +worker stopped; Temporal server {a} stopped \(its database stays: \S*temporal\.db\); stopped local provider pid \d+ and \d+ instance processes \(pids [\d ]+\): none left running",
            @"^demo OK: v2 promoted, v3 rolled back by its gate, v1 takes all traffic",
        ];
        run.ShouldPrintInOrder(story);

        // Every process it started is gone: the pids it reported, and anything else that runs from its data dir; so is its server.
        var cleanup = CleanupLine().Match(output);
        int[] pids = [int.Parse(cleanup.Groups["provider"].Value, CultureInfo.InvariantCulture), .. cleanup.Groups["instances"].Value.Split(' ').Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        pids.Length.ShouldBeGreaterThanOrEqualTo(7, "the provider and 3 infra-sets of 2 instances");
        pids.ShouldNotContain(pid => DemoRun.Owns(pid, data), run.ToString());
        DemoRun.ProcessesOf(data).ShouldBeEmpty(run.ToString());
        (await AcceptsAsync(address)).ShouldBeFalse($"the demo's server at {address} still answers after the demo ended");

        // The printed temporal CLI commands name real handlers and carry the workflows' own JSON...
        var commands = TemporalCliLine.AllIn(output);
        string.Join(", ", commands.Select(c => c.Verb).Distinct().Order()).ShouldBe("query, show, start, update execute", string.Join('\n', commands.Select(c => c.Text)));
        foreach (var command in commands)
        {
            command.Check(address);
        }

        // ...exactly the JSON the demo sent: the history kept in the data dir's database records the same payloads.
        await using var reopened = await TemporalServer.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = Path.Combine(data, "temporal.db") });
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(reopened.Target) { DataConverter = DeliveryDataConverter.Instance });
        var history = (await client.GetWorkflowHandle("env/demo").FetchHistoryAsync()).Events.ToList();
        var started = history.Select(e => e.WorkflowExecutionStartedEventAttributes).Single(s => s is not null);
        var sent = history.Select(e => e.WorkflowExecutionUpdateAcceptedEventAttributes?.AcceptedRequest.Input).Where(i => i is not null).ToList();
        commands.Single(c => c.Verb == "start").ShouldSend(started.WorkflowType.Name, started.Input.Payloads_.Single().Data.ToStringUtf8());
        var updates = commands.Where(c => c.Verb == "update execute").ToList();
        updates.Count.ShouldBe(4, "requestDelivery v1, v2, v3 and rollback");
        sent.Count.ShouldBe(updates.Count, string.Join(", ", sent.Select(i => i!.Name)));
        for (var i = 0; i < updates.Count; i++)
        {
            updates[i].ShouldSend(sent[i]!.Name, sent[i]!.Args.Payloads_.Single().Data.ToStringUtf8());
        }
    }

    [Fact]
    public async Task Interrupted_demo_stops_what_it_started_and_leaves_a_given_server_running()
    {
        using var dir = new TempDataDir();
        var data = Path.Combine(dir.Root, "demo");
        var run = DemoRun.Start(["demo", "--data-dir", data, "--address", dir.Address], data);

        // Interrupt once the good version takes canary traffic: provider, v1 and v2 instances all run then.
        await run.WaitForOutputAsync(@"\] v2 +WeightsSet +step 1/3", Limit);
        DemoRun.ProcessesOf(data).Count.ShouldBeGreaterThanOrEqualTo(5, run.ToString());
        run.Interrupt();
        await run.WaitAsync(TimeSpan.FromMinutes(1));

        run.ExitCode.ShouldBe(130, run.ToString());
        var a = Regex.Escape(dir.Address);
        run.ShouldPrintInOrder(
        [
            $@"\] server +the Temporal server at {a} \(--address; the demo neither starts nor stops it\)",
            $@"by hand: ddctl worker run --address {a} --data-dir ",
            $@"or: temporal workflow start --type EnvironmentWorkflow -w env/demo .* --address {a}$",
            $@"\] cleanup +worker stopped; the Temporal server at {a} left running \(the demo did not start it\); stopped local provider pid \d+ and \d+ instance processes \(pids [\d ]+\): none left running",
        ]);
        run.Stderr.Trim().ShouldBe("error: ddctl demo interrupted; everything it started was stopped (see the cleanup line above).");
        DemoRun.ProcessesOf(data).ShouldBeEmpty(run.ToString());

        // The server was only used: it still runs, with the demo's environment in it.
        var client = await dir.ConnectAsync();
        (await client.GetWorkflowHandle("env/demo").DescribeAsync()).WorkflowType.ShouldBe("EnvironmentWorkflow");
    }

    [Fact]
    public async Task Kept_demo_serves_the_printed_commands_until_ctrl_c()
    {
        using var dir = new TempDataDir();
        var data = Path.Combine(dir.Root, "demo");
        var run = DemoRun.Start(["demo", "--data-dir", data, "--port", "0", "--bake", "11s", "--keep"], data);
        await run.WaitForOutputAsync(@"Ctrl\+C here stops them all", Limit);
        run.ShouldPrintInOrder(
        [
            @"\] summary ",
            @"\] keep +the story happened as told; still running in this process until Ctrl\+C: the Temporal server at 127\.0\.0\.1:\d+ .*From another terminal, try:",
        ]);
        run.Stdout.Contains("demo OK", StringComparison.Ordinal).ShouldBeFalse("the verdict line comes last, after the cleanup");
        var address = ServerLine().Match(run.Stdout).Groups["address"].Value;

        // The printed ddctl command works against the kept server and worker...
        var line = EnvStatusLine().Match(run.Stdout);
        line.Success.ShouldBeTrue(run.ToString());
        var status = await Ddctl.RunAsync(ShellWords.Split(line.Groups["args"].Value).ToArray());
        status.ExitCode.ShouldBe(0, status.ToString());
        status.Stdout.ShouldContain("demo-sample-v1-0001");

        // ...and so does the printed temporal CLI query (made here with the SDK, as the temporal CLI makes it).
        var query = TemporalCliLine.AllIn(run.Stdout).Last(c => c.Verb == "query" && c.WorkflowId == "env/demo");
        query.Check(address);
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(query.Option("--address")!) { DataConverter = DeliveryDataConverter.Instance });
        var answer = await client.GetWorkflowHandle(query.WorkflowId).QueryAsync<JsonElement>(query.Option("--name")!, []);
        answer.GetProperty("lastKnownGood").GetString().ShouldBe("demo-sample-v1-0001");

        run.Interrupt();
        await run.WaitAsync(TimeSpan.FromMinutes(1));
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stderr.ShouldBeEmpty(run.ToString());
        run.ShouldPrintInOrder(
        [
            @"Ctrl\+C here stops them all",
            @"\] cleanup +worker stopped; Temporal server \S+ stopped .*: none left running",
            @"^demo OK: v2 promoted, v3 rolled back by its gate, v1 takes all traffic",
        ]);
        DemoRun.ProcessesOf(data).ShouldBeEmpty(run.ToString());
        (await AcceptsAsync(address)).ShouldBeFalse($"the demo's server at {address} still answers after Ctrl+C");
    }

    /// <summary>Whether something accepts TCP connections at host:port now (one attempt).</summary>
    private static async Task<bool> AcceptsAsync(string address)
    {
        var colon = address.LastIndexOf(':');
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address[..colon], int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\] server +(?:embedded Temporal server in this process at|the Temporal server at) (?<address>[\d.]+:\d+)")]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"stopped local provider pid (?<provider>\d+) and \d+ instance processes \(pids (?<instances>[\d ]+)\)")]
    private static partial Regex CleanupLine();

    [GeneratedRegex(@"^ +ddctl (?<args>env status demo .*)$", RegexOptions.Multiline)]
    private static partial Regex EnvStatusLine();

    /// <summary>One <c>ddctl demo</c> process with its output collected; a run that fails the test never leaves processes behind.</summary>
    private sealed class DemoRun
    {
        private readonly Process process;
        private readonly string dataDir;
        private readonly ConcurrentQueue<string> stdout = new();
        private readonly ConcurrentQueue<string> stderr = new();
        private readonly SemaphoreSlim lines = new(0);

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

        public static DemoRun Start(string[] args, string dataDir) => new(Ddctl.Start(args), dataDir);

        /// <summary>Every running process whose command line or stdout names the data dir: the demo, the provider, its instances (their stdout is a log file in it).</summary>
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

        /// <summary>Waits, line by line, until stdout matches <paramref name="pattern"/>.</summary>
        public async Task WaitForOutputAsync(string pattern, TimeSpan limit)
        {
            var watch = Stopwatch.StartNew();
            while (!Regex.IsMatch(Stdout, pattern, RegexOptions.Multiline))
            {
                if (process.HasExited || watch.Elapsed > limit || !await lines.WaitAsync(limit - watch.Elapsed > TimeSpan.Zero ? limit - watch.Elapsed : TimeSpan.Zero))
                {
                    if (process.HasExited && Regex.IsMatch(Stdout, pattern, RegexOptions.Multiline))
                    {
                        return;
                    }

                    KillEverything();
                    throw new InvalidOperationException($"ddctl demo never printed {pattern}:\n{this}");
                }
            }
        }

        /// <summary>Asserts that stdout has a line matching each pattern, in this order.</summary>
        public void ShouldPrintInOrder(IEnumerable<string> patterns)
        {
            var output = Stdout;
            var at = 0;
            foreach (var pattern in patterns)
            {
                var match = new Regex(pattern, RegexOptions.Multiline).Match(output, at);
                match.Success.ShouldBeTrue($"missing (in this order): {pattern}\n{this}");
                at = match.Index + match.Length;
            }
        }

        /// <summary>Ctrl+C: SIGINT to the demo process only (the provider runs in its own session, as from a terminal).</summary>
        public void Interrupt() => Posix.Interrupt(process.Id);

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
        private void Collect(ConcurrentQueue<string> into, string? line)
        {
            if (line is not null)
            {
                into.Enqueue(line);
            }

            lines.Release();
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
