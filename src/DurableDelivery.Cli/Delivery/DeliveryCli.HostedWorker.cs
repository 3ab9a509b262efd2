using System.CommandLine;
using DurableDelivery.Cli.Common;
using DurableDelivery.Providers.Aws;
using DurableDelivery.Providers.Local;
using DurableDelivery.Workflows;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Temporalio.Worker;

namespace DurableDelivery.Cli.Delivery;

/// <content>
/// A worker hosted by the command itself: an environment override must work "at any moment, even while a worker is
/// down", so when no worker accepts it, <c>ddctl env rollback</c> (and <c>set-weights</c>) runs one in its own process
/// for as long as the command runs. It is the same Temporal worker as <c>ddctl worker run</c> (same workflows, same
/// providers: the local one, and AWS for the environments <c>--aws-settings</c> names; same task queue); only its lifetime differs. Two workers on one task queue is ordinary Temporal.
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
            Description = $"auto: when no worker accepts the {what} within 2 s (none runs, or it crashed), run one inside this command until the {what} is applied, then stop it; "
                + "never: only wait for a running worker (exit 5 after --timeout; the request then stays pending on the server until a worker polls).",
            HelpName = "auto|never",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong(HostWorkerModes);
        command.Options.Add(option);
        return option;
    }

    /// <summary>A worker running inside this command; disposing it shuts it down (its runs are released for the next worker).</summary>
    internal sealed class HostedWorker : IAsyncDisposable
    {
        private readonly Serilog.Core.Logger serilog;
        private readonly SerilogLoggerFactory loggerFactory;
        private readonly LocalInfraProvider local;
        private readonly AwsInfraProvider? aws;
        private readonly TemporalWorker worker;
        private readonly CancellationTokenSource stop = new();
        private readonly Task run;

        private HostedWorker(Serilog.Core.Logger serilog, SerilogLoggerFactory loggerFactory, LocalInfraProvider local, AwsInfraProvider? aws, TemporalWorker worker)
        {
            this.serilog = serilog;
            this.loggerFactory = loggerFactory;
            this.local = local;
            this.aws = aws;
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
            var local = new LocalInfraProvider(cli.DataDir);
            AwsInfraProvider? aws = null;
            try
            {
                // The settings were loaded (and checked) when the command started; the router owns neither provider.
                aws = AwsSettings.CreateProvider(cli.AwsOptions, loggerFactory);
                var provider = AwsSettings.Route(local, aws);
                var options = WorkflowRegistry.Register(new TemporalWorkerOptions(taskQueue) { LoggerFactory = loggerFactory, Identity = $"ddctl-hosted@{Environment.ProcessId}" }, provider);
                return new HostedWorker(serilog, loggerFactory, local, aws, new TemporalWorker(cli.Client, options));
            }
            catch
            {
                aws?.Dispose();
                local.Dispose();
                loggerFactory.Dispose();
                serilog.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
                // How ExecuteAsync ends when it is asked to stop.
            }
            finally
            {
                worker.Dispose();
                aws?.Dispose();
                local.Dispose();
                loggerFactory.Dispose();
                await serilog.DisposeAsync();
                stop.Dispose();
            }
        }
    }
}
