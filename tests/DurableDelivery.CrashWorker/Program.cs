using DurableDelivery.CrashWorker;
using DurableDelivery.CrashWorker.Workflows;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Worker;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

// Usage: DurableDelivery.CrashWorker run <data-dir>
// Runs a worker for every crash-test workflow and activity on the store in <data-dir> until killed (or Ctrl+C) and prints
// "ready" once the worker runs. With DD_CRASH_POINT=<point>:<n> the engine SIGKILLs this process at that point. With
// DD_TEST_POLL_INTERVAL_MS=<ms> the worker and its client poll the store that seldom (to test cross-process wake-ups).
if (args is not ["run", var dataDir])
{
    Console.Error.WriteLine("usage: DurableDelivery.CrashWorker run <data-dir>");
    return 2;
}

using var serilog = new LoggerConfiguration()
    .MinimumLevel.Warning()
    .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
    .CreateLogger();
using var loggerFactory = new SerilogLoggerFactory(serilog);
var poll = int.TryParse(Environment.GetEnvironmentVariable("DD_TEST_POLL_INTERVAL_MS"), out var ms) ? TimeSpan.FromMilliseconds(ms) : TimeSpan.FromMilliseconds(50);
await using var client = DurableClient.Open(dataDir, new DurableClientOptions { LoggerFactory = loggerFactory, PollInterval = poll });
var options = new DurableWorkerOptions(Steps.TaskQueue) { LoggerFactory = loggerFactory, PollInterval = poll }
    .AddCrashWorkflows()
    .AddAllActivities(new CrashActivities(ActivityLog.In(dataDir)));
var worker = new DurableWorker(client, options);

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var run = worker.ExecuteAsync(stop.Token);
Console.WriteLine($"ready pid={Environment.ProcessId} worker={worker.WorkerId}");
await run;
return 0;
