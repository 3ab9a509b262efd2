using System.Globalization;
using DurableDelivery.Server.ProcessWorker;
using Temporalio.Client;
using Temporalio.Worker;

// Usage: DurableDelivery.Server.ProcessWorker <target> <task-queue> [<block> <what>]
// where <block> is block-activity <activity-id>, block-after-step <i> or block-update <value>.
// Runs a StepWorkflow worker until killed and prints one line per event the test waits for:
//   ready                                      the worker runs
//   activity-start <workflow-id> <activity-id> <attempt>
//   activity-blocked <workflow-id> <activity-id> <attempt>   that activity will never finish
//   workflow-task-blocked <workflow-id> <step> this workflow task (the one after step i's activity) never finishes
//   update-blocked <workflow-id> <value>       the workflow task delivering that Record update never finishes
if (args.Length is not (2 or 4)
    || (args.Length == 4 && args[2] is not ("block-activity" or "block-after-step" or "block-update")))
{
    await Console.Error.WriteLineAsync(
        "usage: DurableDelivery.Server.ProcessWorker <target> <task-queue> "
        + "[block-activity <activity-id> | block-after-step <i> | block-update <value>]");
    return 2;
}

var (target, taskQueue) = (args[0], args[1]);
var blockActivity = args.Length == 4 && args[2] == "block-activity" ? args[3] : null;
int? blockAfterStep = args.Length == 4 && args[2] == "block-after-step"
    ? int.Parse(args[3], CultureInfo.InvariantCulture)
    : null;

if (blockAfterStep is { } blockStep)
{
    StepWorkflow.AfterStepHook = (workflowId, step) =>
    {
        if (step == blockStep)
        {
            Console.WriteLine($"workflow-task-blocked {workflowId} {step}");
            Thread.Sleep(Timeout.Infinite);
        }
    };
}

if (args.Length == 4 && args[2] == "block-update")
{
    var blockValue = args[3];
    StepWorkflow.BeforeUpdateHook = (workflowId, value) =>
    {
        if (value == blockValue)
        {
            Console.WriteLine($"update-blocked {workflowId} {value}");
            Thread.Sleep(Timeout.Infinite);
        }
    };
}

var activities = new StepActivities(async (execution, ct) =>
{
    Console.WriteLine($"activity-start {execution.WorkflowId} {execution.ActivityId} {execution.Attempt}");
    if (execution.ActivityId == blockActivity)
    {
        Console.WriteLine($"activity-blocked {execution.WorkflowId} {execution.ActivityId} {execution.Attempt}");
        await Task.Delay(Timeout.Infinite, ct);
    }
});

var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(target));
using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue)
{
    // A blocked workflow task must stay blocked (no deadlock detection failing it), as in a hung process.
    DebugMode = true,
    // The default is 10 s: after this worker dies, its sticky tasks move to the normal queue after 2 s.
    StickyQueueScheduleToStartTimeout = TimeSpan.FromSeconds(2),
}.AddWorkflow<StepWorkflow>().AddAllActivities(activities));

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var run = worker.ExecuteAsync(stop.Token);
Console.WriteLine("ready");
try
{
    await run;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}

return 0;
