using System.CommandLine;
using DurableDelivery.Cli.Common;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Providers.Local;
using DurableDelivery.Workflows;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace DurableDelivery.Cli.Delivery;

/// <content>
/// A worker hosted by the command itself: an environment override must work "at any moment, even while a worker is
/// down", so when no worker runs on the store, <c>ddctl env rollback</c> (and <c>set-weights</c>) runs one in its own
/// process for as long as the command runs. It is the same worker as <c>ddctl worker run</c> (same workflows, same
/// local provider, same durable history); only its lifetime differs.
/// </content>
internal sealed partial class DeliveryCli
{
    /// <summary>The values of <c>--host-worker</c>.</summary>
    public static readonly string[] HostWorkerModes = ["auto", "never"];

    /// <summary>Adds <c>--host-worker auto|never</c>.</summary>
    public static Option<string> AddHostWorker(Command command, string what)
    {
        var option = new Option<string>("--host-worker")
        {
            Description = $"auto: when no worker runs on the data dir (none started, or it crashed), run one inside this command until the {what} is applied, then stop it; "
                + "never: only ask a running worker (exit 5 when none answers).",
            HelpName = "auto|never",
            DefaultValueFactory = _ => "auto",
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!HostWorkerModes.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"--host-worker '{value}' is neither auto nor never");
            }
        });
        command.Options.Add(option);
        return option;
    }

    /// <summary>
    /// Starts a worker in this process for <paramref name="taskQueue"/> when no worker is alive on the store and
    /// <paramref name="mode"/> is <c>auto</c> (says so on stderr); exit 5 when none is alive and the mode is <c>never</c>.
    /// Returns <see langword="null"/> when a worker runs.
    /// </summary>
    public async Task<HostedWorker?> HostWorkerIfNoneAsync(string mode, string taskQueue, string what)
    {
        if ((await Client.ListWorkersAsync()).Count > 0)
        {
            return null;
        }

        if (mode != "auto")
        {
            throw new CliException(
                ExitCodes.Unavailable,
                $"no worker is running on {DataDir}; start one (ddctl worker run --data-dir {DataDir}) or leave out --host-worker never to run one in this command. Nothing was changed.");
        }

        await Console.Error.WriteLineAsync($"no worker is running on {DataDir}; running one in this command until the {what} is applied (start one for good with: ddctl worker run --data-dir {DataDir})");
        return HostedWorker.Start(this, taskQueue);
    }

    /// <summary>A worker running inside this command; disposing it shuts it down (its runs are released for the next worker).</summary>
    internal sealed class HostedWorker : IAsyncDisposable
    {
        private readonly Serilog.Core.Logger serilog;
        private readonly SerilogLoggerFactory loggerFactory;
        private readonly LocalInfraProvider provider;
        private readonly DurableWorker worker;
        private readonly CancellationTokenSource stop = new();
        private readonly Task run;

        private HostedWorker(Serilog.Core.Logger serilog, SerilogLoggerFactory loggerFactory, LocalInfraProvider provider, DurableWorker worker)
        {
            this.serilog = serilog;
            this.loggerFactory = loggerFactory;
            this.provider = provider;
            this.worker = worker;
            run = worker.ExecuteAsync(stop.Token);
        }

        public static HostedWorker Start(DeliveryCli cli, string taskQueue)
        {
            // Warnings and errors go to the data dir's logs, as a worker's do; the command's own output stays as it is.
            var serilog = new LoggerConfiguration()
                .MinimumLevel.Warning()
                .WriteTo.File(Path.Combine(cli.DataDir, "logs", "hosted-worker-.log"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, restrictedToMinimumLevel: LogEventLevel.Warning)
                .CreateLogger();
            var loggerFactory = new SerilogLoggerFactory(serilog);
            var provider = new LocalInfraProvider(cli.DataDir);
            var options = WorkflowRegistry.Register(new DurableWorkerOptions(taskQueue) { LoggerFactory = loggerFactory, Identity = $"ddctl-hosted@{Environment.ProcessId}" }, provider);
            return new HostedWorker(serilog, loggerFactory, provider, new DurableWorker(cli.Client, options));
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try
            {
                await run;
            }
            finally
            {
                await worker.DisposeAsync();
                provider.Dispose();
                loggerFactory.Dispose();
                await serilog.DisposeAsync();
                stop.Dispose();
            }
        }
    }
}
