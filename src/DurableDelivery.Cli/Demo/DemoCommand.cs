using System.CommandLine;
using System.Diagnostics;
using DurableDelivery.Cli.Common;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Samples;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// <c>ddctl demo</c>: the main job on the embedded default (SQLite store in the data dir, in-process worker, no cloud
/// account). It currently tells the engine's story with the sample approval workflow; the delivery story (local provider,
/// progressive rollout, automatic and manual rollback) replaces it when the delivery workflows land.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var dataDir = CliOptions.DataDir();
        var bake = new Option<int>("--bake-seconds") { Description = "Length of the durable bake timer.", DefaultValueFactory = _ => 2 };
        var command = new Command(
            "demo",
            "Run a complete story on the embedded default (SQLite store, in-process worker): start a workflow, run an activity, query it, send an update "
            + "its validator rejects and one it accepts, send signals, wait on a durable timer, and print the history. Prints the ddctl command for each step.\n"
            + "Example: ddctl demo --data-dir ./.durable-delivery")
        {
            dataDir, bake,
        };
        command.Action = new CliAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, parse.GetValue(bake), ct));
        return command;
    }

    private static async Task<int> RunAsync(string dataDir, int bakeSeconds, CancellationToken ct)
    {
        if (bakeSeconds is < 0 or > 3600)
        {
            throw CliException.BadInput($"--bake-seconds must be between 0 and 3600, got {bakeSeconds}.");
        }

        var clock = Stopwatch.StartNew();
        void Step(string what, string? byHand = null)
        {
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.000}s] {what}");
            if (byHand is not null)
            {
                Console.WriteLine($"           by hand: {byHand}");
            }
        }

        var dir = Path.GetFullPath(dataDir);
        await using var client = DurableClient.Open(dir, new DurableClientOptions { Identity = "ddctl-demo" });
        Step($"store: {client.StoreLocation} (SQLite, WAL, synchronous=FULL)");
        await using var worker = new DurableWorker(client, WorkflowRegistry.Register(new DurableWorkerOptions("default")));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workerRun = worker.ExecuteAsync(stop.Token);
        Step($"worker {worker.WorkerId} polling task queue 'default'", $"ddctl worker run --data-dir {dataDir}");
        try
        {
            var id = $"demo/approval-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
            var handle = await client.StartWorkflowAsync(
                (ApprovalWorkflow wf) => wf.RunAsync(new ApprovalInput("change-42", bakeSeconds, 1)),
                new WorkflowOptions(id, "default"));
            Step($"started workflow {id}", $"ddctl workflow start --type ApprovalWorkflow -w {id} --input '{{\"change\":\"change-42\",\"bakeSeconds\":{bakeSeconds}}}'");

            ApprovalStatus status;
            do
            {
                status = await handle.QueryAsync(wf => wf.Status);
            }
            while (status.Check is null && !ct.IsCancellationRequested);
            Step($"activity CheckChange ran: {status.Check}; phase {status.Phase}", $"ddctl workflow query -w {id} --name status");

            try
            {
                await handle.ExecuteUpdateAsync(wf => wf.SetRequiredApprovalsAsync(0));
            }
            catch (WorkflowUpdateFailedException e)
            {
                Step($"update setRequiredApprovals(0) refused by its validator, nothing recorded: {e.Failure.Message}", $"ddctl workflow update -w {id} --name setRequiredApprovals --input 0");
            }

            var previous = await handle.ExecuteUpdateAsync(wf => wf.SetRequiredApprovalsAsync(2));
            Step($"update setRequiredApprovals(2) accepted and recorded (was {previous})", $"ddctl workflow update -w {id} --name setRequiredApprovals --input 2");

            await handle.SignalAsync(wf => wf.ApproveAsync("alice"));
            await handle.SignalAsync(wf => wf.ApproveAsync("bob"));
            Step("signals approve(alice), approve(bob) stored durably", $"ddctl workflow signal -w {id} --name approve --input '\"alice\"'");

            var result = await handle.GetResultAsync(ct);
            Step($"completed after a {bakeSeconds}s durable bake timer: approved by {string.Join(", ", result.ApprovedBy)}", $"ddctl workflow describe -w {id}");

            var history = await handle.FetchHistoryAsync();
            Step($"history: {history.Events.Count} events", $"ddctl workflow show -w {id}");
            foreach (var e in history.Events)
            {
                Console.WriteLine($"           #{e.EventId,-3} {e.EventType}{(e.Name is null ? string.Empty : $" ({e.Name})")}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await workerRun;
            Step("worker stopped; nothing left running");
        }

        return ExitCodes.Ok;
    }
}
