using System.CommandLine;
using System.Runtime.InteropServices;
using DurableDelivery.Cli.Common;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Aws;
using DurableDelivery.Providers.Local;
using DurableDelivery.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Temporalio.Client;
using Temporalio.Extensions.Hosting;

using TemporalConnection = DurableDelivery.Cli.Common.TemporalConnection;

namespace DurableDelivery.Cli.Worker;

/// <summary>
/// <c>ddctl worker run</c>: the project's workflows and activities (<see cref="WorkflowRegistry"/>) on a task queue,
/// hosted the way Temporal's .NET users host theirs: a generic host with <c>AddHostedTemporalWorker</c>, activities
/// created per call by dependency injection.
/// </summary>
internal static class WorkerCommands
{
    /// <summary>The line printed on stdout once the worker polls; scripts and tests wait for its prefix.</summary>
    public const string ReadyPrefix = "worker ready:";

    public static Command Create() => CommandGroup.Create("worker", "Run workers that execute workflows and activities. Exit codes: 0 stopped by Ctrl+C or SIGTERM, 1 bad input, 3 no Temporal server (or a namespace it does not have), 70 internal error.", Run());

    private static Command Run()
    {
        var taskQueue = CliOptions.TaskQueue("Task queue to serve.");
        var dataDir = CliOptions.DataDir();
        var awsSettings = AwsSettings.Option("the environments it names are served on AWS, the others by the local provider.");
        var command = new Command(
            "run",
            "Host this build's workflows and activities on a Temporal task queue until Ctrl+C or SIGTERM, then shut down gracefully "
            + "(activities in flight get the SDK's graceful timeout). Without --address or TEMPORAL_ADDRESS it uses the embedded server at "
            + $"{TemporalConnection.DefaultAddress}, started in the background when none runs. The local provider's state and the logs live in --data-dir. "
            + "Logs go to stderr and to <data-dir>/logs/worker-<date>.log; stdout gets one line, 'worker ready: task queue <q>, namespace <ns> at <address>', once the worker polls. "
            + "With --aws-settings, the environments the settings name are delivered on AWS (docs/aws.md).\n"
            + "Example: ddctl worker run --task-queue default --address temporal.example.com:7233 --namespace deliveries [--aws-settings provider.json]")
        {
            taskQueue, dataDir, awsSettings,
        };
        var connection = ConnectionOptions.Add(command);
        command.Action = new CliAction((parse, ct) => RunAsync(parse, connection, parse.GetValue(taskQueue)!, parse.GetValue(dataDir)!, parse.GetValue(awsSettings), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, ConnectionOptions connection, string taskQueue, string dataDir, string? awsSettingsPath, CancellationToken invocationToken)
    {
        if (string.IsNullOrWhiteSpace(taskQueue))
        {
            throw CliException.BadInput("--task-queue must not be empty; name the queue that workflows are started on (default: 'default').");
        }

        var fullDataDir = Path.GetFullPath(dataDir);
        if (File.Exists(fullDataDir))
        {
            throw CliException.BadInput($"--data-dir '{fullDataDir}' is a file, not a directory; pass a directory for the provider's state and the logs.");
        }

        var awsOptions = AwsSettings.Load(awsSettingsPath);
        var crashPoints = CrashPoints.FromEnvironment();

        // Connect first (starting the embedded server when it is the default and none runs): a wrong address is one
        // error line, not a host that retries in the background.
        var client = await TemporalConnection.ConnectAsync(parse, connection, fullDataDir, invocationToken);
        var where = $"namespace {client.Options.Namespace} at {client.Connection.Options.TargetHost}";

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => Stop(ctx, stop));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => Stop(ctx, stop));
        using var serilog = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: LogEventLevel.Verbose)
            .WriteTo.File(Path.Combine(fullDataDir, "logs", "worker-.log"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
            .CreateLogger();

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSerilog(serilog);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        // Made now, so missing AWS credentials or clashing environment names are one error line before the worker
        // starts. Registered as an instance (the container disposes nothing of it): both providers are disposed here,
        // after the host (declared later, disposed first); the router over them owns nothing.
        using var local = new LocalInfraProvider(fullDataDir);
        using var awsLogs = new SerilogLoggerFactory(serilog);
        using var aws = AwsSettings.CreateProvider(awsOptions, awsLogs);
        builder.Services.AddSingleton(AwsSettings.Route(local, aws));
        builder.Services.AddSingleton<ITemporalClient>(client);
        var worker = builder.Services
            .AddHostedTemporalWorker(taskQueue)
            .ConfigureOptions(o =>
            {
                o.Identity = $"ddctl-worker@{Environment.MachineName}:{Environment.ProcessId}";
                if (crashPoints is not null)
                {
                    o.Interceptors = [crashPoints];
                }
            });
        foreach (var type in WorkflowRegistry.WorkflowTypes)
        {
            worker.AddWorkflow(type);
        }

        foreach (var type in WorkflowRegistry.ActivityTypes)
        {
            worker.AddScopedActivities(type);
        }

        using var host = builder.Build();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ddctl.worker");
        var started = DateTimeOffset.UtcNow;
        await host.StartAsync(stop.Token);
        try
        {
            await WaitUntilPollingAsync(client, taskQueue, started, stop.Token);
            Console.Out.WriteLine($"{ReadyPrefix} task queue {taskQueue}, {where}");
            Console.Out.Flush();
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: stop below.
        }

        log.LogInformation("Stopping the worker on task queue {TaskQueue}", taskQueue);
        await host.StopAsync(CancellationToken.None);
        log.LogInformation("Worker on task queue {TaskQueue} stopped", taskQueue);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Waits until the server has seen this worker's workflow polls (DescribeTaskQueue lists a poll since it started):
    /// the SDK has no readiness callback, and the server's view is the one that matters.
    /// </summary>
    private static async Task WaitUntilPollingAsync(ITemporalClient client, string taskQueue, DateTimeOffset since, CancellationToken ct)
    {
        var request = new Temporalio.Api.WorkflowService.V1.DescribeTaskQueueRequest
        {
            Namespace = client.Options.Namespace,
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = taskQueue },
            TaskQueueType = Temporalio.Api.Enums.V1.TaskQueueType.Workflow,
        };
        while (true)
        {
            var response = await client.WorkflowService.DescribeTaskQueueAsync(request, new RpcOptions { CancellationToken = ct });
            if (response.Pollers.Any(p => p.LastAccessTime is { } t && t.ToDateTimeOffset() >= since.AddSeconds(-1)))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        // Keep the process alive until the worker has shut down; RunAsync then returns.
        context.Cancel = true;
        stop.Cancel();
    }
}
