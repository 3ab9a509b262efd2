using System.CommandLine;
using System.Runtime.InteropServices;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Common;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;
using DurableDelivery.Workflows;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// <c>ddctl demo</c>: the product's main job end to end on the embedded default (SQLite store, local provider, no
/// cloud account): deliver v1, roll out a good v2 progressively under load, watch the gate roll a bad v3 back, roll
/// back to v1 by hand, then stop everything it started. Exit 0 only when all of that happened as told.
/// </summary>
internal static class DemoCommand
{
    private const string Help =
        "Run the delivery story end to end on the embedded default (SQLite store, local provider, no cloud account), in about a minute, from nothing:\n"
        + "  1. start the local provider as its own process (as in production; its instances are processes too) and a worker in this process;\n"
        + "  2. deliver v1 (infra/version-sets/v1.yaml) to environment 'demo' (infra/environments/demo.yaml);\n"
        + "  3. send steady load to the demo listener (loopback), and deliver a good v2 progressively: 10% -> 50% -> 100%, a health gate comparing it with v1 during each bake;\n"
        + "  4. deliver a bad v3 (30% of its requests fail): its gate fails and the delivery rolls back by itself;\n"
        + "  5. roll back to v1 by hand (the call 'ddctl env rollback' makes), then check that v1 takes all traffic.\n"
        + "It prints a timeline (elapsed time, step, weights, gate verdicts with their numbers, each rollback and how long it took, measured at the listener) "
        + "and, for each step, the ddctl command that does it by hand.\n"
        + "The environment file's bakes (15 s) are used as they are unless --bake says otherwise; if the listener port (18080) is taken, a free loopback port is used "
        + "and the adjusted file is written to <data-dir>/demo.yaml (both are said in the output).\n"
        + "The data dir is fresh: ./.durable-delivery/demo-<timestamp> unless --data-dir names a new or empty directory; it is kept afterwards (store, logs).\n"
        + "At the end, on failure and on Ctrl+C, everything it started is stopped: the worker, the provider and every instance. With --keep the provider and a worker "
        + "(a 'ddctl worker run' process) keep running so you can try the ddctl commands it printed; stop them with the commands it prints.\n"
        + "Exit codes: 0 the story happened as told (v2 promoted, v3 rolled back by its gate, v1 taking all traffic at the end), 1 bad input, "
        + "4 the story did not happen as told (one line says what differed), 5 the local provider did not start, 70 internal error, 130 interrupted.\n"
        + "Example: dotnet run --project src/DurableDelivery.Cli -- demo";

    public static Command Create()
    {
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "A new or empty directory for the store, the provider's state and the logs. Default: ./.durable-delivery/demo-<timestamp>.",
            HelpName = "dir",
        };
        var bake = new Option<string?>("--bake")
        {
            Description = "Bake time of every rollout step below 100%, e.g. 12s. Default: the environment file's (15s). At least gates.minDataPoints + 1 seconds (11s).",
            HelpName = "duration",
        };
        var rps = new Option<int>("--rps") { Description = "Load sent to the listener, in requests per second (50-2000; the gate needs requests on the 10% canary every second).", HelpName = "n", DefaultValueFactory = _ => 100 };
        var keep = new Option<bool>("--keep") { Description = "Leave the local provider and a worker running afterwards (also after a failure), to try ddctl commands on the demo's data dir." };
        var command = new Command("demo", Help) { dataDir, bake, rps, keep };
        command.Action = new CliAction((parse, ct) => RunAsync(parse.GetValue(dataDir), parse.GetValue(bake), parse.GetValue(rps), parse.GetValue(keep), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? dataDir, string? bakeText, int rps, bool keep, CancellationToken invocationToken)
    {
        TimeSpan? bake = null;
        if (bakeText is not null)
        {
            bake = DurationText.TryParse(bakeText, out var parsed) ? parsed : throw CliException.BadInput($"--bake '{bakeText}' is not a duration; use e.g. 12s or 1m.");
        }

        if (rps is < 50 or > 2000)
        {
            throw CliException.BadInput($"--rps {rps} is outside 50-2000; the gate needs requests on both infra-sets every second (the canary gets 10%), e.g. --rps 100.");
        }

        // Ctrl+C and SIGTERM cancel the story; the process stays up until everything it started is stopped.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Interrupt(context, stop));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Interrupt(context, stop));
        using var cleanedUp = new ManualResetEventSlim();
        void WaitForCleanup(object? sender, EventArgs e) => cleanedUp.Wait(TimeSpan.FromSeconds(60));
        AppDomain.CurrentDomain.ProcessExit += WaitForCleanup;
        try
        {
            return await RunStoryAsync(DemoInputs.Resolve(dataDir, bake), rps, keep, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Interrupted, "ddctl demo interrupted; everything it started was stopped (see the cleanup line above).");
        }
        finally
        {
            cleanedUp.Set();
            AppDomain.CurrentDomain.ProcessExit -= WaitForCleanup;
        }
    }

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }

    private static async Task<int> RunStoryAsync(DemoInputs inputs, int rps, bool keep, CancellationToken ct)
    {
        var print = new DemoPrinter();
        var dataDirShown = DemoInputs.Shown(inputs.DataDir);
        Console.Out.WriteLine("ddctl demo: deliver v1, roll out a good v2 under load, let the gate stop a bad v3, roll back to v1 by hand.");
        Console.Out.WriteLine($"  data dir     {dataDirShown} (fresh: the store, the provider's state and the logs; kept afterwards)");
        Console.Out.WriteLine($"  environment  {inputs.EnvironmentFile}: listener 127.0.0.1:{inputs.Declaration.Listener.Port}, {inputs.Declaration.Instances} instances per infra-set");
        Console.Out.WriteLine($"  rollout      {inputs.RolloutText()}");
        Console.Out.WriteLine($"  gates        {inputs.GatesText()}");
        foreach (var adjustment in inputs.Adjustments)
        {
            Console.Out.WriteLine($"  for the demo {adjustment} (written to {inputs.EnvironmentFile})");
        }

        Console.Out.WriteLine("  'by hand' lines are the ddctl commands that do each step yourself (alias ddctl='dotnet run --project src/DurableDelivery.Cli --').");
        var processes = new DemoProcesses(inputs.DataDir);
        using var serilog = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.File(Path.Combine(inputs.DataDir, "logs", "demo-worker.log"))
            .CreateLogger();
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        await using var client = DurableClient.Open(inputs.DataDir, new DurableClientOptions { Identity = "ddctl-demo", LoggerFactory = loggerFactory });
        using var provider = new LocalInfraProvider(inputs.DataDir);
        using var stopWatching = new CancellationTokenSource();
        using var stopWorker = new CancellationTokenSource();
        Task? watching = null;
        DurableWorker? worker = null;
        Task? workerRun = null;
        var interrupted = true;
        try
        {
            LocalProviderStatus status;
            try
            {
                status = await processes.StartProviderAsync(inputs.ArtifactsDir, ct);
            }
            catch (InfraProviderException e)
            {
                throw new CliException(ExitCodes.Unavailable, $"the local provider did not start: {e.Message}");
            }

            watching = processes.WatchInstancesAsync(provider, stopWatching.Token);
            print.Line("provider", $"local provider pid {status.ProcessId}, its own process (as in production), control API {status.ControlEndpoint}; every instance it starts is a process too");
            DemoPrinter.ByHand($"ddctl local up --data-dir {dataDirShown}");

            worker = new DurableWorker(client, WorkflowRegistry.Register(new DurableWorkerOptions(CliOptions.DefaultTaskQueue) { LoggerFactory = loggerFactory }, provider));
            workerRun = worker.ExecuteAsync(stopWorker.Token);
            print.Line("worker", $"worker in this process on task queue '{CliOptions.DefaultTaskQueue}', store {DemoInputs.Shown(client.StoreLocation)} (SQLite); log {dataDirShown}/logs/demo-worker.log");
            DemoPrinter.ByHand($"ddctl worker run --data-dir {dataDirShown}");

            await new DemoStory(inputs, print, client, rps).RunAsync(ct);
            interrupted = false;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            interrupted = false;
            throw;
        }
        finally
        {
            await stopWatching.CancelAsync();
            await (watching ?? Task.CompletedTask);
            await FinishAsync(print, processes, inputs, keep && !interrupted, worker, workerRun, stopWorker);
        }

        Console.Out.WriteLine($"demo OK: v2 promoted, v3 rolled back by its gate, v1 takes all traffic ({DemoPrinter.Seconds(print.Elapsed)}).");
        return ExitCodes.Ok;
    }

    /// <summary>Stops the worker, then either stops the provider and its instances, or (<c>--keep</c>) hands over to a worker process and leaves the provider running.</summary>
    private static async Task FinishAsync(DemoPrinter print, DemoProcesses processes, DemoInputs inputs, bool keep, DurableWorker? worker, Task? workerRun, CancellationTokenSource stopWorker)
    {
        var dataDir = DemoInputs.Shown(inputs.DataDir);
        int? keptWorker = null;
        if (keep && processes.ProviderPid is not null)
        {
            try
            {
                keptWorker = await processes.StartKeptWorkerAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                print.Line("keep", $"could not leave a worker running ({e.Message}); stopping everything instead");
            }
        }

        await stopWorker.CancelAsync();
        if (workerRun is not null)
        {
            try
            {
                await workerRun;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        if (worker is not null)
        {
            await worker.DisposeAsync();
        }

        if (keptWorker is { } pid)
        {
            print.Line("keep", $"left running: local provider pid {processes.ProviderPid}, worker pid {pid} (ddctl worker run; log {dataDir}/logs/kept-worker.log). Try:");
            DemoPrinter.More($"ddctl env status demo --data-dir {dataDir}");
            DemoPrinter.More($"ddctl deliver demo --version-set {inputs.V2.File}{inputs.EnvironmentFileOption} --data-dir {dataDir} --watch");
            DemoPrinter.More($"ddctl local load --env demo --duration 30s --data-dir {dataDir}");
            DemoPrinter.More($"stop them: kill {pid}; ddctl local down --data-dir {dataDir}");
            return;
        }

        var (line, allGone) = await processes.StopAllAsync();
        print.Line("cleanup", $"worker stopped; stopped {line}");
        DemoPrinter.ByHand($"ddctl local down --data-dir {dataDir}");
        if (!allGone)
        {
            throw new CliException(ExitCodes.InternalError, $"ddctl demo could not stop everything it started: {line}; kill them by hand.");
        }
    }
}
