using System.CommandLine;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Common;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Environments;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Temporalio.Worker;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// <c>ddctl demo</c>: the product's main job end to end with nothing to set up: the embedded Temporal server (in this
/// process, its database in the data dir), a Temporal worker in this process and the local provider: deliver v1, roll
/// out a good v2 progressively under load, watch the gate roll a bad v3 back, roll back to v1 by hand, then stop
/// everything it started. Beside each step it prints the ddctl command and the temporal CLI commands that do it by
/// hand. Exit 0 only when all of that happened as told.
/// </summary>
internal static class DemoCommand
{
    private const string Help =
        "Run the delivery story end to end on the embedded default (the embedded Temporal server, a worker, the local provider; no cloud account), in about a minute, from nothing:\n"
        + "  1. start the embedded Temporal server in this process (on 127.0.0.1:7233 when free, else on a free loopback port; its database <data-dir>/temporal.db), "
        + "the local provider as its own process (as in production; its instances are processes too) and a Temporal worker in this process;\n"
        + "  2. deliver v1 (infra/version-sets/v1.yaml) to environment 'demo' (infra/environments/demo.yaml);\n"
        + "  3. send steady load to the demo listener (loopback), and deliver a good v2 progressively: 10% -> 50% -> 100%, a health gate comparing it with v1 during each bake;\n"
        + "  4. deliver a bad v3 (30% of its requests fail): its gate fails and the delivery rolls back by itself;\n"
        + "  5. roll back to v1 by hand (the 'rollback' update 'ddctl env rollback' sends), then check that v1 takes all traffic.\n"
        + "It prints a timeline (elapsed time, step, weights, gate verdicts with their numbers, each rollback and how long it took, measured at the listener), "
        + "the server's address, and for each step the ddctl command that does it by hand and the temporal CLI commands that make the same calls "
        + "(inputs as the exact JSON sent; long ones written to <data-dir>/temporal-inputs/); both work against the demo's server.\n"
        + "The environment file's bakes (15 s) are used as they are unless --bake says otherwise; if the listener port (18080) is taken, a free loopback port is used "
        + "and the adjusted file is written to <data-dir>/demo.yaml (both are said in the output).\n"
        + "The data dir is fresh: ./.durable-delivery/demo-<timestamp> unless --data-dir names a new or empty directory; it is kept afterwards (the server's database, the provider's state, logs).\n"
        + "At the end, on failure and on Ctrl+C, everything it started is stopped: the worker, the provider and every instance, the embedded server. With --keep they all keep running "
        + "in this process after the story (also after a failure) so that you can try the ddctl and temporal CLI commands it printed from another terminal; Ctrl+C then stops them all.\n"
        + "Exit codes: 0 the story happened as told (v2 promoted, v3 rolled back by its gate, v1 taking all traffic at the end; with --keep, also after the Ctrl+C that ends it), "
        + "1 bad input (also: the server given by --address already has env/demo), 3 no Temporal server (nothing answers at --address, or the embedded server did not start, e.g. --port taken), "
        + "4 the story did not happen as told (one line says what differed), 5 the local provider did not start, 70 internal error, 130 interrupted.\n"
        + "Example: dotnet run --project src/DurableDelivery.Cli -- demo";

    public static Command Create()
    {
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "A new or empty directory for the server's database, the provider's state and the logs. Default: ./.durable-delivery/demo-<timestamp>.",
            HelpName = "dir",
        };
        var bake = new Option<string?>("--bake")
        {
            Description = "Bake time of every rollout step below 100%, e.g. 12s. Default: the environment file's (15s). At least gates.minDataPoints + 1 seconds (11s).",
            HelpName = "duration",
        };
        var rps = new Option<int>("--rps") { Description = "Load sent to the listener, in requests per second (50-2000; the gate needs requests on the 10% canary every second).", HelpName = "n", DefaultValueFactory = _ => 100 };
        var keep = new Option<bool>("--keep")
        {
            Description = "After the story (also after a failure), keep the server, the worker and the local provider running in this process until Ctrl+C, to try the printed ddctl and temporal CLI commands.",
        };
        var port = new Option<int?>("--port")
        {
            Description = $"Port of the embedded Temporal server (loopback). Default: {DemoServer.DefaultPort} when free (the printed commands then need no --address), else a free one; 0: a free one.",
            HelpName = "port",
        };
        var address = new Option<string?>("--address")
        {
            Description = "Run the demo on the Temporal server already running at host:port (namespace default, no TLS; e.g. one started with 'ddctl server start-dev') instead of "
                + "starting the embedded one; it must not have env/demo yet, and no other worker may serve its task queue 'default'. TEMPORAL_ADDRESS is not read: the demo sets nothing up but its own server.",
            HelpName = "host:port",
        };
        var command = new Command("demo", Help) { dataDir, bake, rps, keep, port, address };
        command.Action = new CliAction((parse, ct) => RunAsync(
            parse.GetValue(dataDir), parse.GetValue(bake), parse.GetValue(rps), new Choices(parse.GetValue(keep), parse.GetValue(address), parse.GetValue(port)), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? dataDir, string? bakeText, int rps, Choices choices, CancellationToken invocationToken)
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

        choices.Check();

        // Ctrl+C and SIGTERM cancel the story (or end --keep); the process stays up until everything it started is
        // stopped. System.CommandLine ends Main 2 s after the signal with 130: the cleanup goes on in ProcessExit, which
        // then sets the exit code this command ended with (0 after --keep's Ctrl+C).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        var signalled = false;
        int? exitCode = null;
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Interrupt(context, stop, ref signalled));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Interrupt(context, stop, ref signalled));
        using var cleanedUp = new ManualResetEventSlim();
        void WaitForCleanup(object? sender, EventArgs e)
        {
            cleanedUp.Wait(TimeSpan.FromSeconds(60));
            if (Volatile.Read(ref signalled) && exitCode is { } code)
            {
                Environment.ExitCode = code;
            }
        }

        AppDomain.CurrentDomain.ProcessExit += WaitForCleanup;
        try
        {
            var code = await RunStoryAsync(DemoInputs.Resolve(dataDir, bake), rps, choices, stop.Token);
            exitCode = code;
            return code;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            exitCode = ExitCodes.Interrupted;
            throw new CliException(ExitCodes.Interrupted, "ddctl demo interrupted; everything it started was stopped (see the cleanup line above).");
        }
        catch (CliException e)
        {
            exitCode = e.ExitCode;
            throw;
        }
        catch (Exception)
        {
            exitCode = ExitCodes.InternalError;
            throw;
        }
        finally
        {
            cleanedUp.Set();
            AppDomain.CurrentDomain.ProcessExit -= WaitForCleanup;
        }
    }

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource stop, ref bool signalled)
    {
        context.Cancel = true;
        Volatile.Write(ref signalled, true);
        stop.Cancel();
    }

    private static async Task<int> RunStoryAsync(DemoInputs inputs, int rps, Choices choices, CancellationToken ct)
    {
        var print = new DemoPrinter();
        var dataDirShown = DemoInputs.Shown(inputs.DataDir);
        Console.Out.WriteLine("ddctl demo: deliver v1, roll out a good v2 under load, let the gate stop a bad v3, roll back to v1 by hand; on the embedded Temporal server, with a worker and the local provider.");
        Console.Out.WriteLine($"  data dir     {dataDirShown} (fresh: the server's database, the provider's state and the logs; kept afterwards)");
        Console.Out.WriteLine($"  environment  {inputs.EnvironmentFile}: listener 127.0.0.1:{inputs.Declaration.Listener.Port}, {inputs.Declaration.Instances} instances per infra-set");
        Console.Out.WriteLine($"  rollout      {inputs.RolloutText()}");
        Console.Out.WriteLine($"  gates        {inputs.GatesText()}");
        foreach (var adjustment in inputs.Adjustments)
        {
            Console.Out.WriteLine($"  for the demo {adjustment} (written to {inputs.EnvironmentFile})");
        }

        Console.Out.WriteLine("  'by hand' lines are the ddctl commands that do each step yourself (alias ddctl='dotnet run --project src/DurableDelivery.Cli --');");
        Console.Out.WriteLine("  'or' lines the temporal CLI commands that make the same calls (inputs: the exact JSON the demo sends). Both work against the demo's server.");
        var processes = new DemoProcesses(inputs.DataDir);
        using var workerLog = Log(inputs.DataDir, "demo-worker.log");
        using var workerLoggers = new SerilogLoggerFactory(workerLog);
        using var serverLog = Log(inputs.DataDir, "demo-server.log");
        using var serverLoggers = new SerilogLoggerFactory(serverLog);
        using var provider = new LocalInfraProvider(inputs.DataDir);
        using var stopWatching = new CancellationTokenSource();
        using var stopWorker = new CancellationTokenSource();
        Task? watching = null;
        DemoServer? server = null;
        TemporalWorker? worker = null;
        Task? workerRun = null;
        ExceptionDispatchInfo? failure = null;
        try
        {
            try
            {
                server = await DemoServer.StartAsync(choices.Address, choices.Port, inputs.DataDir, serverLoggers, ct);
                PrintServer(print, server, inputs);
                var story = new DemoStory(inputs, print, server, rps);
                if (!server.Embedded)
                {
                    await story.CheckFreshAsync();
                }

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
                DemoPrinter.ByHand($"ddctl local up{inputs.DataDirOption}");

                worker = new TemporalWorker(
                    server.Client,
                    WorkflowRegistry.Register(
                        new TemporalWorkerOptions(CliOptions.DefaultTaskQueue) { LoggerFactory = workerLoggers, Identity = $"ddctl-demo@{Environment.MachineName}:{Environment.ProcessId}" },
                        provider));
                workerRun = worker.ExecuteAsync(stopWorker.Token);
                print.Line("worker", $"worker in this process on task queue '{CliOptions.DefaultTaskQueue}' (this build's workflows and activities, the local provider); log {dataDirShown}/logs/demo-worker.log");
                DemoPrinter.ByHand($"ddctl worker run{server.AddressOption}{inputs.DataDirOption}");

                await story.RunAsync(ct);
            }
            catch (Exception e) when (choices.Keep && !ct.IsCancellationRequested && server is not null && processes.ProviderPid is not null)
            {
                // --keep: leave it all running for a look; the failure is reported once Ctrl+C ends it.
                failure = ExceptionDispatchInfo.Capture(e);
            }

            if (choices.Keep)
            {
                await KeepAsync(print, server!, processes, inputs, failure?.SourceException, ct);
            }
        }
        finally
        {
            await stopWatching.CancelAsync();
            await (watching ?? Task.CompletedTask);
            await FinishAsync(print, processes, inputs, server, worker, workerRun, stopWorker);
        }

        failure?.Throw();
        Console.Out.WriteLine($"demo OK: v2 promoted, v3 rolled back by its gate, v1 takes all traffic ({DemoPrinter.Seconds(print.Elapsed)}).");
        return ExitCodes.Ok;
    }

    private static Serilog.Core.Logger Log(string dataDir, string file) => new LoggerConfiguration()
        .MinimumLevel.Information()
        .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
        .WriteTo.File(Path.Combine(dataDir, "logs", file))
        .CreateLogger();

    private static void PrintServer(DemoPrinter print, DemoServer server, DemoInputs inputs)
    {
        if (!server.Embedded)
        {
            print.Line("server", $"the Temporal server at {server.Address} (--address; the demo neither starts nor stops it), namespace default");
            return;
        }

        print.Line(
            "server",
            $"embedded Temporal server in this process at {server.Address}, namespace default, database {DemoInputs.Shown(server.DatabasePath!)} "
            + $"(log {DemoInputs.Shown(inputs.DataDir)}/logs/demo-server.log); ddctl and the temporal CLI both work against it{(server.AddressOption.Length > 0 ? $" with --address {server.Address}" : string.Empty)}");
        if (server.Adjustment is { } adjustment)
        {
            DemoPrinter.More(adjustment);
        }

        DemoPrinter.ByHand($"ddctl server start-dev{(server.Port == DemoServer.DefaultPort ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" --port {server.Port}"))}{inputs.DataDirOption}");
    }

    /// <summary><c>--keep</c>: says what still runs and what to try, then waits for Ctrl+C (or SIGTERM).</summary>
    private static async Task KeepAsync(DemoPrinter print, DemoServer server, DemoProcesses processes, DemoInputs inputs, Exception? failure, CancellationToken ct)
    {
        var options = server.AddressOption + inputs.DataDirOption;
        var temporal = new TemporalCliCommands(inputs.DataDir, server.AddressOption);
        var environmentId = Delivery.DeliveryCli.EnvironmentWorkflowId(DemoInputs.EnvironmentName);
        var outcome = failure is null ? "the story happened as told" : $"the story stopped ({failure.Message})";
        var serverText = server.Embedded ? $"the Temporal server at {server.Address} (database {DemoInputs.Shown(server.DatabasePath!)})" : $"(on the Temporal server at {server.Address})";
        print.Line(
            "keep",
            $"{outcome}; still running in this process until Ctrl+C: {serverText}, the worker on task queue '{CliOptions.DefaultTaskQueue}', "
            + $"the local provider (pid {processes.ProviderPid}) and its instances. From another terminal, try:");
        DemoPrinter.More($"ddctl env status {DemoInputs.EnvironmentName}{options}");
        DemoPrinter.More($"ddctl deliver {DemoInputs.EnvironmentName} --version-set {DemoInputs.Arg(inputs.V2.File)}{inputs.EnvironmentFileOption}{options} --watch");
        DemoPrinter.More($"ddctl local load --env {DemoInputs.EnvironmentName} --duration 30s{inputs.DataDirOption}");
        DemoPrinter.More(temporal.Query(environmentId, TemporalCliCommands.QueryName(typeof(EnvironmentWorkflow), nameof(EnvironmentWorkflow.Status))));
        DemoPrinter.More(temporal.Show(environmentId));
        DemoPrinter.More("Ctrl+C here stops them all, as at the end of the demo.");
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: the cleanup follows.
        }
    }

    /// <summary>Stops the worker, then the provider and its instances, then the embedded server; one line says what was stopped.</summary>
    private static async Task FinishAsync(
        DemoPrinter print, DemoProcesses processes, DemoInputs inputs, DemoServer? server, TemporalWorker? worker, Task? workerRun, CancellationTokenSource stopWorker)
    {
        var stopped = new List<string>();
        await stopWorker.CancelAsync();
        if (workerRun is not null)
        {
            try
            {
                await workerRun;
                stopped.Add("worker stopped");
            }
            catch (OperationCanceledException)
            {
                stopped.Add("worker stopped");
            }
            catch (Exception e)
            {
                stopped.Add($"worker had stopped by itself ({e.GetType().Name}: {e.Message}; see logs/demo-worker.log)");
            }
        }
        else
        {
            stopped.Add("no worker had started");
        }

        worker?.Dispose();
        var (line, allGone) = await processes.StopAllAsync();
        if (server is not null)
        {
            stopped.Add(await server.StopAsync());
        }

        print.Line("cleanup", $"{string.Join("; ", stopped)}; {(processes.ProviderPid is null ? line : $"stopped {line}")}");
        DemoPrinter.ByHand($"ddctl local down{inputs.DataDirOption}");
        if (!allGone)
        {
            throw new CliException(ExitCodes.InternalError, $"ddctl demo could not stop everything it started: {line}; kill them by hand.");
        }
    }

    /// <summary>The choices of <c>--keep</c>, <c>--address</c> and <c>--port</c>.</summary>
    private sealed record Choices(bool Keep, string? Address, int? Port)
    {
        public void Check()
        {
            if (Address is not null && Port is not null)
            {
                throw CliException.BadInput("--address and --port do not go together: --address runs the demo on a server that already runs, --port sets the port of the one the demo starts; pass one.");
            }

            if (Port is < 0 or > 65535)
            {
                throw CliException.BadInput($"--port {Port} is not a TCP port; use 1-65535, or 0 for a free one.");
            }

            var colon = Address?.LastIndexOf(':') ?? 0;
            if (Address is not null
                && (colon <= 0 || !int.TryParse(Address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535))
            {
                throw CliException.BadInput($"--address '{Address}' is not host:port; use e.g. --address {TemporalConnection.DefaultAddress}.");
            }
        }
    }
}
