using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Temporalio.Api.Enums.V1;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Spectre.Console;

namespace DurableDelivery.Cli.Delivery;

/// <summary>
/// Follows a delivery to its end (<c>ddctl delivery watch</c>, <c>ddctl deliver --watch</c>): a Spectre.Console live
/// view on a terminal, plain appended lines when output is redirected, nothing but the final status with <c>--output json</c>.
/// </summary>
internal static class DeliveryWatch
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A delivery's status as JSON: the workflow's answer plus <c>workflowId</c>, <c>workflowStatus</c> and <c>state</c> (Running, Ended, or Lost when the workflow closed without an outcome).</summary>
    public static JsonObject StatusJson(Queried<DeliveryStatus> status, WorkflowExecutionStatus runStatus)
    {
        var json = new JsonObject
        {
            ["workflowId"] = status.Value.DeliveryId,
            ["workflowStatus"] = DeliveryCli.StatusText(runStatus),
            ["state"] = status.Value.Outcome is not null ? "Ended" : runStatus == WorkflowExecutionStatus.Running ? "Running" : "Lost",
        };
        foreach (var (key, value) in status.Json)
        {
            json[key] = value?.DeepClone();
        }

        return json;
    }

    /// <summary>Follows the delivery until it ends; returns 0 when it promoted and throws (exit 4) otherwise.</summary>
    public static async Task<int> FollowAsync(DeliveryCli cli, string deliveryId, bool json, CancellationToken ct)
    {
        var environment = DeliveryCli.ParseDeliveryId(deliveryId).Environment;
        if (await WaitUntilStartedAsync(cli, deliveryId, environment, json, ct) is { } notStarted)
        {
            return notStarted;
        }

        var live = !json && !Console.IsOutputRedirected;
        var (status, run) = live ? await LiveAsync(cli, deliveryId, ct) : await PlainAsync(cli, deliveryId, json, ct);
        var s = status.Value;
        if (json)
        {
            Output.Json(StatusJson(status, run));
        }
        else if (live)
        {
            Output.Table.Write(DeliveryViews.Delivery(s, run, DateTimeOffset.UtcNow, live: false));
        }
        else
        {
            Console.Out.WriteLine(s.Outcome is { } o
                ? $"{deliveryId} ended: {o} ({s.OutcomeReason}): {s.OutcomeMessage}"
                : $"{deliveryId} ended without an outcome: its workflow is {run}; see 'ddctl workflow describe -w {deliveryId}'");
        }

        return s.Outcome switch
        {
            DeliveryOutcome.Promoted => ExitCodes.Ok,
            { } other => throw new CliException(ExitCodes.WorkflowFailed, $"{deliveryId} {Describe(other)} ({s.OutcomeReason}): {s.OutcomeMessage}"),
            null => throw new CliException(
                ExitCodes.WorkflowFailed, $"{deliveryId} ended without an outcome: its workflow is {run}; see 'ddctl workflow describe -w {deliveryId}' and 'ddctl env status {environment}'."),
        };
    }

    private static string Describe(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.RolledBack => "rolled back",
        DeliveryOutcome.Aborted => "was aborted",
        DeliveryOutcome.Failed => "failed",
        DeliveryOutcome.Rejected => "was rejected",
        _ => outcome.ToString(),
    };

    /// <summary>Waits while the delivery is queued; a superseded delivery never starts (exit 4).</summary>
    /// <returns><see langword="null"/> once its workflow exists.</returns>
    private static async Task<int?> WaitUntilStartedAsync(DeliveryCli cli, string deliveryId, string environment, bool json, CancellationToken ct)
    {
        string? announced = null;
        while (await cli.FindAsync(deliveryId) is null)
        {
            var env = (await cli.QueryStatusAsync<EnvironmentStatus>(DeliveryCli.EnvironmentWorkflowId(environment), "The delivery goes on without being watched.")).Value;
            var summary = env.Deliveries.FirstOrDefault(d => d.DeliveryId == deliveryId)
                ?? throw new CliException(ExitCodes.NotFound, $"delivery '{deliveryId}' not found: environment '{environment}' has no such delivery; list them with 'ddctl delivery list --env {environment}'.");
            if (summary.State == DeliveryState.Superseded)
            {
                if (json)
                {
                    Output.Json(Output.ToNode(summary));
                }

                throw new CliException(ExitCodes.WorkflowFailed, $"{deliveryId} was superseded by {summary.Reason} before it started; it never ran.");
            }

            var state = DeliveryViews.SummaryState(summary, env);
            if (!json && state != announced)
            {
                Console.Out.WriteLine($"{Clock(DateTimeOffset.UtcNow)} {deliveryId}: {state}");
                Console.Out.Flush();
                announced = state;
            }

            await Task.Delay(PollInterval, ct);
        }

        return null;
    }

    /// <summary>Reads the run's status first, then the delivery's: a run that is closed by then has its final status in the answer.</summary>
    private static async Task<(Queried<DeliveryStatus> Status, WorkflowExecutionStatus Run, bool Ended)> PollAsync(DeliveryCli cli, string deliveryId)
    {
        var run = (await cli.Client.GetWorkflowHandle(deliveryId).DescribeAsync()).Status;
        var status = await cli.QueryStatusAsync<DeliveryStatus>(deliveryId, "The delivery goes on without being watched.");
        return (status, run, status.Value.Outcome is not null || run != WorkflowExecutionStatus.Running);
    }

    private static async Task<(Queried<DeliveryStatus>, WorkflowExecutionStatus)> LiveAsync(DeliveryCli cli, string deliveryId, CancellationToken ct)
    {
        (Queried<DeliveryStatus>, WorkflowExecutionStatus)? last = null;
        await Output.Table.Live(new Text($"watching {deliveryId}..."))
            .AutoClear(true)
            .Overflow(VerticalOverflow.Ellipsis)
            .Cropping(VerticalOverflowCropping.Top)
            .StartAsync(async ctx =>
            {
                while (true)
                {
                    var (status, run, ended) = await PollAsync(cli, deliveryId);
                    last = (status, run);
                    ctx.UpdateTarget(DeliveryViews.Delivery(status.Value, run, DateTimeOffset.UtcNow, live: true));
                    ctx.Refresh();
                    if (ended)
                    {
                        return;
                    }

                    await Task.Delay(PollInterval, ct);
                }
            });
        return last!.Value;
    }

    private static async Task<(Queried<DeliveryStatus>, WorkflowExecutionStatus)> PlainAsync(DeliveryCli cli, string deliveryId, bool quiet, CancellationToken ct)
    {
        var printer = new PlainPrinter();
        while (true)
        {
            var (status, run, ended) = await PollAsync(cli, deliveryId);
            if (!quiet)
            {
                printer.Print(status.Value);
            }

            if (ended)
            {
                return (status, run);
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    private static string Clock(DateTimeOffset t) => t.ToUniversalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    /// <summary>
    /// Appends what is new since the last status: timeline lines, each gate's numbers right after its line, and where the
    /// delivery is when its phase, step or pause changes.
    /// </summary>
    private sealed class PlainPrinter
    {
        private int timelineSeen;
        private int gatesSeen;
        private string? where;

        public void Print(DeliveryStatus s)
        {
            var timeline = s.Timeline.Skip(timelineSeen).Select(t => (t.At, Order: 0, Text: $"{Clock(t.At)} {t.Kind}: {t.Message}"));
            var gates = s.Steps.SelectMany(step => step.Gates).OrderBy(g => g.At).ToList();
            var numbers = gates.Skip(gatesSeen).SelectMany(g => g.Result.Metrics.Select(m => (g.At, Order: 1, Text: $"{Clock(g.At)}   step {g.StepIndex + 1} gate {g.Result.Verdict}: {DeliveryViews.MetricLine(m)}")));
            foreach (var line in timeline.Concat(numbers).OrderBy(l => l.At).ThenBy(l => l.Order))
            {
                Console.Out.WriteLine(line.Text);
            }

            timelineSeen = Math.Max(timelineSeen, s.Timeline.Count);
            gatesSeen = Math.Max(gatesSeen, gates.Count);
            var now = s.Outcome is null ? DeliveryViews.Where(s) + (s.Paused ? $", PAUSED ({s.PausedReason})" : string.Empty) : null;
            if (now is not null && now != where)
            {
                Console.Out.WriteLine($"{Clock(DateTimeOffset.UtcNow)} now: {now}{(s.BakeEndsAt is { } end ? $", bake ends {Clock(end)}" : string.Empty)}; weights {s.Weights}");
                where = now;
            }

            Console.Out.Flush();
        }
    }
}
