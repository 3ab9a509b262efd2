using DurableDelivery.Providers.Local;
using System.CommandLine;
using System.Runtime.InteropServices;
using DurableDelivery.Cli.Common;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Workflows;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace DurableDelivery.Cli.Worker;

/// <summary><c>ddctl worker run</c>: hosts the project's workflows and activities (<see cref="WorkflowRegistry"/>) on a task queue.</summary>
internal static class WorkerCommands
{
    /// <summary>The line printed on stdout once the worker polls; scripts and tests wait for its prefix.</summary>
    public const string ReadyPrefix = "worker ready:";

    public static Command Create() => CommandGroup.Create("worker", "Run workers that execute workflows and activities. " + ExitCodes.Help, Run());

    private static Command Run()
    {
        var taskQueue = CliOptions.TaskQueue("Task queue to serve.");
        var dataDir = CliOptions.DataDir();
        var command = new Command(
            "run",
            "Host this build's workflows and activities until Ctrl+C or SIGTERM, then shut down gracefully. Creates the store if the data dir has none. "
            + "Logs go to stderr and to <data-dir>/logs/worker-<date>.log; stdout gets one line, 'worker ready: task queue <q>, store <path>', once the worker polls.\n"
            + "Example: ddctl worker run --task-queue default --data-dir ./.durable-delivery")
        {
            taskQueue, dataDir,
        };
        command.Action = new CliAction((parse, ct) => RunAsync(parse.GetValue(taskQueue)!, parse.GetValue(dataDir)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(string taskQueue, string dataDir, CancellationToken invocationToken)
    {
        if (string.IsNullOrWhiteSpace(taskQueue))
        {
            throw CliException.BadInput("--task-queue must not be empty; name the queue that workflows are started on (default: 'default').");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => Stop(ctx, stop));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => Stop(ctx, stop));

        var ready = new ReadySink();
        var fullDataDir = Path.GetFullPath(dataDir);
        using var serilog = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: LogEventLevel.Verbose)
            .WriteTo.File(Path.Combine(fullDataDir, "logs", "worker-.log"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
            .WriteTo.Sink(ready)
            .CreateLogger();
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        var log = loggerFactory.CreateLogger("ddctl.worker");

        await using var client = File.Exists(Path.Combine(fullDataDir, "engine.db")) || !File.Exists(fullDataDir)
            ? DurableClient.Open(fullDataDir, new DurableClientOptions { LoggerFactory = loggerFactory })
            : throw new CliException(ExitCodes.StoreProblem, $"--data-dir '{fullDataDir}' is a file, not a directory; pass a directory for the store.");
        using var provider = new LocalInfraProvider(fullDataDir);
        await using var worker = new DurableWorker(client, WorkflowRegistry.Register(new DurableWorkerOptions(taskQueue) { LoggerFactory = loggerFactory }, provider));
        var run = worker.ExecuteAsync(stop.Token);

        // `ddctl env rollback|set-weights` hand their override to this warm process when it listens (Delivery/OverrideControl.cs).
        await using var control = Delivery.OverrideControl.Server.TryStart(client, fullDataDir, log);
        if (await Task.WhenAny(ready.Ready, run) == ready.Ready)
        {
            Console.Out.WriteLine($"{ReadyPrefix} task queue {taskQueue}, store {client.StoreLocation}");
            Console.Out.Flush();
        }

        await run;
        log.LogInformation("Worker on task queue {TaskQueue} stopped", taskQueue);
        return ExitCodes.Ok;
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        // Keep the process alive until the worker has shut down; the worker then returns from RunAsync.
        context.Cancel = true;
        stop.Cancel();
    }

    /// <summary>Completes when the engine logs that the worker registered its types and starts polling.</summary>
    /// <remarks>The engine has no readiness callback; its "Worker ... started" log event is written right after registration.</remarks>
    private sealed class ReadySink : ILogEventSink
    {
        private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Ready => ready.Task;

        public void Emit(LogEvent logEvent)
        {
            if (logEvent.MessageTemplate.Text.StartsWith("Worker {WorkerId} started", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }
    }
}
