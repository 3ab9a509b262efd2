using System.Diagnostics;
using DurableDelivery.Cli.Common;
using DurableDelivery.Cli.Delivery;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// The story, told through the same Temporal client calls ddctl makes (<c>deliver</c>: start <c>env/demo</c> if needed,
/// then its <c>requestDelivery</c> update; <c>delivery status</c>: the delivery's <c>status</c> query; <c>env rollback</c>:
/// the environment's <c>rollback</c> update), each printed with the ddctl command and the temporal CLI commands that
/// make it by hand: v1, then a good v2 rolled out progressively under load, then a bad v3 whose gate fails and rolls
/// back by itself, then a rollback to v1 by hand. Every claim is checked; a story that did not happen as told ends with
/// exit 4 and one line saying what differed.
/// </summary>
internal sealed class DemoStory(DemoInputs inputs, DemoPrinter print, DemoServer server, int rps)
{
    private static readonly TimeSpan DeliveryDeadline = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan WorkerTimeout = TimeSpan.FromSeconds(30);
    private static readonly string RequestedBy = $"{System.Environment.UserName} (ddctl demo)";
    private static readonly string RequestDelivery = TemporalCliCommands.UpdateName(typeof(EnvironmentWorkflow), nameof(EnvironmentWorkflow.RequestDeliveryAsync));
    private static readonly string Rollback = TemporalCliCommands.UpdateName(typeof(EnvironmentWorkflow), nameof(EnvironmentWorkflow.RollbackAsync));
    private static readonly string EnvironmentStatusQuery = TemporalCliCommands.QueryName(typeof(EnvironmentWorkflow), nameof(EnvironmentWorkflow.Status));
    private static readonly string DeliveryStatusQuery = TemporalCliCommands.QueryName(typeof(DeliveryWorkflow), nameof(DeliveryWorkflow.Status));
    private readonly List<string> summary = [];
    private readonly DeliveryCli cli = DeliveryCli.On(server.Client, inputs.DataDir, WorkerTimeout);
    private readonly TemporalCliCommands temporal = new(inputs.DataDir, server.AddressOption);
    private DemoTraffic? traffic;

    private static string EnvironmentId => DeliveryCli.EnvironmentWorkflowId(DemoInputs.EnvironmentName);

    /// <summary>Gets the options every by-hand ddctl command that talks to Temporal needs: the server's address (unless it is the default) and the data dir.</summary>
    private string Options => server.AddressOption + inputs.DataDirOption;

    /// <summary>Refuses a server given by --address that already has env/demo: the story starts from nothing (and its delivery ids would name the old deliveries' workflows).</summary>
    public async Task CheckFreshAsync()
    {
        if (await cli.FindAsync(EnvironmentId) is { } existing)
        {
            throw CliException.BadInput(
                $"the Temporal server at {server.Address} already has workflow {EnvironmentId} ({DeliveryCli.StatusText(existing.Status)}, from an earlier demo?); "
                + "the demo starts from nothing: leave --address out (the demo then runs its own server), or give a server without it.");
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            var v1 = await DeliverAsync(inputs.V1, "the first delivery: no stable infra-set yet, so all traffic at once, no gate", ct);
            Require(v1.Result.Outcome == DeliveryOutcome.Promoted, $"v1 ({v1.Result.DeliveryId}) ended {v1.Result.Outcome} ({v1.Result.Reason}), not Promoted: {v1.Result.Message}");
            var v1Set = v1.Result.InfraSetId!;

            await StartLoadAsync(ct);

            var v2 = await DeliverAsync(inputs.V2, $"a good version, step by step ({inputs.RolloutText()}); during each bake the gate compares it with v1", ct);
            Require(v2.Result.Outcome == DeliveryOutcome.Promoted, $"v2 ({v2.Result.DeliveryId}) ended {v2.Result.Outcome} ({v2.Result.Reason}), not Promoted: {v2.Result.Message}");

            var v3 = await DeliverAsync(inputs.V3, "a bad version (30% of its requests answer 500); the gate must stop it at the first step", ct);
            Require(
                v3.Result is { Outcome: DeliveryOutcome.RolledBack, Reason: "GateFailed" },
                $"v3 ({v3.Result.DeliveryId}) ended {v3.Result.Outcome} ({v3.Result.Reason}), not RolledBack by its gate (GateFailed): {v3.Result.Message}");
            await ReportGateRollbackAsync(v3, v2.Result.InfraSetId!, ct);

            await RollBackByHandAsync(v1Set, ct);
            await CheckEndAsync(v1Set, ct);
        }
        finally
        {
            if (traffic is not null)
            {
                await traffic.DisposeAsync();
            }
        }
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new CliException(ExitCodes.WorkflowFailed, $"the demo's story did not happen as told: {problem}");
        }
    }

    private async Task StartLoadAsync(CancellationToken ct)
    {
        traffic = DemoTraffic.Start(inputs.ListenerUri, rps);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        print.Line("load", $"{rps} requests/s to {inputs.ListenerUri} from this process, from now to the end; each response says which version served it (X-Served-By-Version)");
        DemoPrinter.More($"first second: {traffic.Split(started)}");
        DemoPrinter.ByHand($"ddctl local load --env {DemoInputs.EnvironmentName} --rps {rps} --duration 2m{inputs.DataDirOption}");
    }

    /// <summary>
    /// Requests a delivery as <c>ddctl deliver</c> does (starts <c>env/demo</c> when it does not run, checks that a
    /// worker answers its status query, sends the <c>requestDelivery</c> update) and prints its timeline until it ends.
    /// </summary>
    private async Task<Delivered> DeliverAsync(DemoVersion version, string why, CancellationToken ct)
    {
        var component = version.VersionSet.Find(inputs.Declaration.Artifact.Component)!;
        print.Line($"deliver {version.Label}", $"{version.VersionSet.Stack} {component.Name} {component.Version} ({version.Artifact}): {why}");
        DemoPrinter.ByHand($"ddctl deliver {DemoInputs.EnvironmentName} --version-set {DemoInputs.Arg(version.File)}{inputs.EnvironmentFileOption}{Options} --watch");
        var commands = new List<string>();
        var requested = Stopwatch.GetTimestamp();
        if (await cli.FindAsync(EnvironmentId) is not { Status: Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running })
        {
            var input = new EnvironmentInput { Declaration = inputs.Declaration };
            await cli.Client.StartWorkflowAsync(
                (EnvironmentWorkflow e) => e.RunAsync(input),
                new WorkflowOptions(EnvironmentId, CliOptions.DefaultTaskQueue) { IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.UseExisting, Rpc = new RpcOptions { CancellationToken = ct } });
            commands.Add(temporal.Start(typeof(EnvironmentWorkflow), EnvironmentId, CliOptions.DefaultTaskQueue, input, $"start-{DemoInputs.EnvironmentName}"));
        }

        await cli.QueryStatusAsync<EnvironmentStatus>(EnvironmentId, "Nothing was requested.");
        var request = new DeliveryRequest
        {
            Environment = inputs.Declaration, VersionSet = version.VersionSet, RequestedBy = RequestedBy, Reason = $"ddctl demo: deliver {version.Label}", RequestedAt = DateTimeOffset.UtcNow,
        };
        commands.Add(temporal.Update(EnvironmentId, RequestDelivery, request, $"{RequestDelivery}-{version.Label}"));
        var ticket = await cli.UpdateAsync<DeliveryTicket>(EnvironmentId, RequestDelivery, request, "delivery request", $"ddctl delivery list --env {DemoInputs.EnvironmentName}{Options}", ct);
        commands.Add(temporal.Query(ticket.DeliveryId, DeliveryStatusQuery) + "   # again until it ends, as --watch does");
        DemoPrinter.Or([.. commands]);
        var (result, status) = await FollowAsync(version.Label, ticket.DeliveryId, ct);
        var took = Stopwatch.GetElapsedTime(requested);
        var gates = status.Steps.SelectMany(s => s.Gates).Select(g => $"step {g.StepIndex + 1} {g.Result.Verdict}{(g.Result.Score is { } score ? $" (score {score:0})" : string.Empty)}").ToList();
        summary.Add($"{version.Label} {ticket.DeliveryId} {result.Outcome}{(result.Outcome == DeliveryOutcome.Promoted ? string.Empty : $" ({result.Reason})")} in {DemoPrinter.Seconds(took)}"
            + (gates.Count > 0 ? $"; gates: {string.Join(", ", gates)}" : "; no gate (nothing to compare with)"));
        if (traffic is not null)
        {
            DemoPrinter.More($"at the listener while it ran: {traffic.Split(requested)}");
        }

        return new Delivered(version, result, status, requested);
    }

    /// <summary>Prints a delivery's timeline (with each gate's numbers) as it happens, until the delivery ends; a pause (a gate that could not decide) ends the story.</summary>
    private async Task<(DeliveryResult Result, DeliveryStatus Status)> FollowAsync(string label, string deliveryId, CancellationToken ct)
    {
        var handle = cli.Client.GetWorkflowHandle(deliveryId);
        var watch = Stopwatch.StartNew();
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<DeliveryResult>? result = null;
        var timelineSeen = 0;
        var gatesSeen = 0;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                Require(watch.Elapsed < DeliveryDeadline, $"{deliveryId} did not end within {DemoPrinter.Seconds(DeliveryDeadline)}; see 'ddctl delivery status {deliveryId}{Options}' (with --keep)");
                if (result is null)
                {
                    if (await cli.FindAsync(deliveryId) is null)
                    {
                        // The environment starts the delivery's workflow a moment after accepting the request.
                        await Task.Delay(PollInterval, ct);
                        continue;
                    }

                    result = handle.GetResultAsync<DeliveryResult>(rpcOptions: new RpcOptions { CancellationToken = stopWaiting.Token });
                }

                var status = (await cli.QueryStatusAsync<DeliveryStatus>(deliveryId, "The delivery goes on.")).Value;
                var gates = status.Steps.SelectMany(s => s.Gates).OrderBy(g => g.At).ToList();
                var lines = status.Timeline.Skip(timelineSeen).Where(t => t.Kind != "Requested").Select(t => (t.At, Order: 0, Text: Describe(t, status)))
                    .Concat(gates.Skip(gatesSeen).SelectMany(g => g.Result.Metrics.Select(m => (g.At, Order: 1, Text: $"{string.Empty,-11}   {DeliveryViews.MetricLine(m)}"))));
                foreach (var (at, _, text) in lines.OrderBy(l => l.At).ThenBy(l => l.Order))
                {
                    print.At(at, label, text);
                }

                timelineSeen = status.Timeline.Count;
                gatesSeen = gates.Count;
                Require(!status.Paused, $"{deliveryId} paused ({status.PausedReason}); it waits for a person: ddctl delivery resume|promote|abort {deliveryId}{Options}");
                if (result.IsCompleted && status.Outcome is not null)
                {
                    try
                    {
                        return (await result, status);
                    }
                    catch (WorkflowFailedException e)
                    {
                        Require(false, $"{deliveryId}'s workflow failed: {e.InnerException?.Message ?? e.Message}");
                    }
                }

                await Task.WhenAny(result, Task.Delay(PollInterval, ct));
            }
        }
        finally
        {
            // Leaving early (a failed check, Ctrl+C) ends the result's long poll too.
            await stopWaiting.CancelAsync();
        }
    }

    private static string Describe(TimelineEntry t, DeliveryStatus s) => t.Kind switch
    {
        "Ended" => $"{t.Kind,-11} {s.Outcome} after {DemoPrinter.Seconds(t.At - s.StartedAt)}",
        _ => $"{t.Kind,-11} {t.Message}",
    };

    /// <summary>How long the gate's rollback took: in the workflow (verdict to weights applied) and at the listener (verdict to the last request served by v3).</summary>
    private async Task ReportGateRollbackAsync(Delivered v3, string stable, CancellationToken ct)
    {
        var verdict = v3.Status.Steps.SelectMany(s => s.Gates).Last(g => g.Result.Verdict == Domain.Gates.GateVerdict.Fail);
        // The gate writes GateFailed with its numbers; the rollback that follows writes RolledBack once traffic is back
        // (before bf1fbe9 it wrote a second GateFailed line, without the "step N gate" prefix).
        var back = v3.Status.Timeline.FirstOrDefault(t => t.At >= verdict.At && (t.Kind == "RolledBack" || (t.Kind == "GateFailed" && !t.Message.StartsWith("step ", StringComparison.Ordinal))));
        Require(back is not null, $"{v3.Result.DeliveryId}'s timeline has no rollback line after its failed gate; see 'ddctl delivery status {v3.Result.DeliveryId}{Options}'");
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        var seen = traffic!.SwitchedTo(inputs.V2.Served, print.Timestamp(verdict.At));
        Require(seen is not null, $"after v3's gate failed, the listener still sent requests elsewhere than {stable}: {traffic.Split(print.Timestamp(back!.At))}");
        var line = $"the gate's rollback took {DemoPrinter.Millis(back!.At - verdict.At)} from verdict to weights applied; {Seen(seen!, inputs.V3.Served, inputs.V2.Served, "the verdict")}";
        print.Line("v3", line);
        DemoPrinter.ByHand($"ddctl delivery status {v3.Result.DeliveryId}{Options}   # the gate's numbers and the timeline");
        DemoPrinter.Or(temporal.Query(v3.Result.DeliveryId, DeliveryStatusQuery));
        summary.Add("  " + line);
    }

    /// <summary>Rolls back to v1 with the environment's <c>rollback</c> update, the call <c>ddctl env rollback</c> makes, and times it from outside.</summary>
    private async Task RollBackByHandAsync(string v1Set, CancellationToken ct)
    {
        var before = (await cli.QueryStatusAsync<EnvironmentStatus>(EnvironmentId)).Value;
        Require(before.RollbackTarget == v1Set, $"after v3, a rollback would go to {before.RollbackTarget ?? "(nothing warm)"}, not to v1's {v1Set}; warm: {string.Join(", ", before.Warm)}");
        const string Reason = "back to v1 by hand";
        print.Line("rollback", $"by hand, with v2 taking all traffic ({before.Weights}): roll back to the previous warm infra-set, {v1Set} (v1)");
        DemoPrinter.ByHand($"ddctl env rollback {DemoInputs.EnvironmentName} --reason \"{Reason}\"{Options}");
        var request = new RollbackOverride { RequestedBy = RequestedBy, Reason = Reason, RequestedAt = DateTimeOffset.UtcNow };
        DemoPrinter.Or(temporal.Update(EnvironmentId, Rollback, request, $"{Rollback}-v1"));
        var issued = Stopwatch.GetTimestamp();
        var outcome = await cli.UpdateAsync<OverrideOutcome>(EnvironmentId, Rollback, request, "rollback", $"ddctl env status {DemoInputs.EnvironmentName}{Options}", ct);
        var call = Stopwatch.GetElapsedTime(issued);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var seen = traffic!.SwitchedTo(inputs.V1.Served, issued);
        Require(seen is not null, $"after the rollback to {v1Set}, the listener still sent requests elsewhere: {traffic.Split(issued)}");
        var line = $"rollback took {DemoPrinter.Millis(call)} (the update returns once the listener has the new weights); {Seen(seen!, inputs.V2.Served, inputs.V1.Served, "it was issued")}";
        print.Line("rollback", $"{outcome.Message}; weights {before.Weights} -> {outcome.Weights}");
        DemoPrinter.More(line);
        summary.Add($"manual rollback to {v1Set}: {line}");
    }

    /// <summary>Checks the end state from both sides: the environment's own view, and what the listener serves.</summary>
    private async Task CheckEndAsync(string v1Set, CancellationToken ct)
    {
        var from = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var status = (await cli.QueryStatusAsync<EnvironmentStatus>(EnvironmentId)).Value;
        var last = traffic!.SentSince(from);
        Require(status.Weights.Equals(TrafficWeights.All(v1Set)), $"env/demo's weights are {status.Weights}, not {v1Set}=100");
        Require(status.LastKnownGood == v1Set, $"env/demo's last known good is {status.LastKnownGood}, not {v1Set}");
        Require(status.Violations.Count == 0, $"env/demo reports invariant violations: {string.Join(" | ", status.Violations)}");
        Require(last.Count > 0 && last.All(r => r.Version == inputs.V1.Served && r.StatusCode == 200), $"the listener did not serve only v1 in the last second: {traffic.Split(from)}");
        print.Line("check", $"v1 takes all traffic: env/demo weights {status.Weights}, last known good {status.LastKnownGood}; the listener's last second: {last.Count} requests, all v1, all 200");
        DemoPrinter.ByHand($"ddctl env status {DemoInputs.EnvironmentName}{Options}");
        DemoPrinter.Or(temporal.Query(EnvironmentId, EnvironmentStatusQuery));
        var report = traffic.Report;
        summary.Add($"traffic: {report.Completed} responses ({string.Join(", ", report.ByVersion.Select(v => $"{v.Key} {v.Value}"))}), "
            + $"statuses {string.Join(", ", report.ByStatus.Select(s => $"{s.Key}={s.Value}"))}, latency p50 {report.LatencyP50Ms:0.0} ms, p99 {report.LatencyP99Ms:0.0} ms");
        summary.Add($"environment: {inputs.EnvironmentFile} ({inputs.RolloutText()}{(inputs.Adjustments.Count > 0 ? "; " + string.Join("; ", inputs.Adjustments) : string.Empty)})");
        print.Line("summary", summary[0]);
        foreach (var line in summary.Skip(1))
        {
            DemoPrinter.More(line);
        }

        var restart = server.Embedded
            ? $" (once the demo has ended, start its server again first: ddctl server start-dev{(server.Port == DemoServer.DefaultPort ? string.Empty : $" --port {server.Port}")}{inputs.DataDirOption})"
            : string.Empty;
        DemoPrinter.More($"env/demo's history (every delivery request, override and its child deliveries) is kept in {(server.Embedded ? DemoInputs.Shown(server.DatabasePath!) : $"the server at {server.Address}")}{restart}:");
        DemoPrinter.ByHand($"ddctl workflow show -w {EnvironmentId}{Options}");
        DemoPrinter.Or(temporal.Show(EnvironmentId));
    }

    /// <summary>What the listener did after a rollback, e.g. <c>at the listener the last request to reach v2 was sent 95 ms after it was issued; every request from +102 ms on went to v1</c>.</summary>
    private static string Seen(Switch s, string from, string to, string since) => s.Elsewhere == 0
        ? $"at the listener no request sent after {since} reached {from}{(s.LastElsewhere is { } last ? $" (the last one that did was sent {DemoPrinter.Millis(-last)} before)" : string.Empty)}; all went to {to}"
        : $"at the listener the last request to reach {from} was sent {DemoPrinter.Millis(s.LastElsewhere!.Value)} after {since}; every request from +{DemoPrinter.Millis(s.After)} on went to {to}";

    private sealed record Delivered(DemoVersion Version, DeliveryResult Result, DeliveryStatus Status, long RequestedAt);
}
