using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Domain.VersionSets;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using DurableDelivery.Workflows.Delivery;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Workflows.Environments;

/// <summary>
/// One long-lived workflow per environment (<c>env/&lt;name&gt;</c>, entity style): it owns the environment's
/// infra-sets, weights, warm set and last known good, runs one delivery at a time (later requests wait in order, or
/// replace waiting ones under the <c>supersedeQueued</c> policy), and answers overrides at any time, also between
/// deliveries and hours after the last one.
/// </summary>
/// <remarks>
/// <para>Exactly one mutator changes traffic at any moment (invariant 4): the active delivery while one runs (the
/// environment forwards rollback and set-weights overrides to it and waits for the outcome), the environment itself
/// otherwise. Between deliveries the main loop applies overrides first, then cleanup steps, then the next delivery.</para>
/// <para>If a delivery ends without a result (terminated, cancelled, or its code failed), the environment takes over
/// as mutator and makes itself safe: traffic back to the last known good, the delivery's infra-set retired.</para>
/// <para>Continues as new between deliveries when the engine suggests it, carrying state, queue and recent records.</para>
/// </remarks>
[Workflow]
public sealed partial class EnvironmentWorkflow
{
    private const int KeepDeliveries = 50;
    private const int KeepRecords = 200;

    private readonly List<QueuedDelivery> queue = [];
    private readonly List<DeliverySummary> deliveries = [];
    private readonly List<OverrideRecord> overrides = [];
    private readonly List<TimelineEntry> timeline = [];
    private readonly List<OverrideTicket> actions = [];
    private readonly Dictionary<string, ForwardedOverrideOutcome> forwardedOutcomes = [];
    private EnvironmentDeclaration declaration;
    private EnvironmentState state;
    private VersionSetHistory history;
    private int nextDeliveryNumber;
    private int overrideCounter;
    private ChildWorkflowHandle<DeliveryWorkflow, DeliveryResult>? activeHandle;
    private string? runningDeliveryId;

    /// <summary>Initializes a new instance of the <see cref="EnvironmentWorkflow"/> class from its input, before any handler runs.</summary>
    /// <param name="input">The declaration and, after a continue-as-new, what is carried over.</param>
    /// <remarks>Update validators can run in the first activation, before <see cref="RunAsync"/> starts; they read this state.</remarks>
    [WorkflowInit]
    public EnvironmentWorkflow(EnvironmentInput input)
    {
        declaration = input.Declaration;
        state = input.State ?? new EnvironmentState { Environment = input.Declaration.Name };
        history = input.History ?? new VersionSetHistory { Environment = input.Declaration.Name };
        nextDeliveryNumber = input.NextDeliveryNumber;
        queue.AddRange(input.Queue);
        deliveries.AddRange(input.Deliveries);
        overrides.AddRange(input.Overrides);
        timeline.AddRange(input.Timeline);
    }

    /// <summary>Gets the environment at a glance: infra-sets, weights, warm set, last known good, deliveries, overrides.</summary>
    [WorkflowQuery("status")]
    public EnvironmentStatus Status => new()
    {
        Environment = declaration.Name,
        Provider = declaration.Provider.ToString().ToLowerInvariant(),
        ListenerPort = declaration.Listener.Port ?? 0,
        InfraSets = [.. state.InfraSets],
        Weights = state.Weights,
        LastKnownGood = state.LastKnownGood,
        RollbackTarget = state.DefaultRollbackTarget(),
        Warm = state.WarmIds,
        ActiveDelivery = state.ActiveDelivery,
        Queue = [.. queue.Select(q => q.DeliveryId)],
        Deliveries = [.. deliveries],
        VersionSets = [.. history.Entries],
        Overrides = [.. overrides],
        Timeline = [.. timeline],
        Violations = [.. EnvironmentInvariants.Check(state).Select(v => $"{v.Code}: {v.Message}")],
        RollbackTargetWarning = state.RollbackTargetWarning(),
        HealthCheckInterval = declaration.HealthCheckInterval,
        NextHealthCheckAt = watchingHealth == true && state.ActiveDelivery is null ? nextHealthCheckAt : null,
    };

    private DateTimeOffset Now => new(Workflow.UtcNow, TimeSpan.Zero);

    private string Name => declaration.Name;

    /// <summary>Runs the environment: forever, continuing as new between deliveries when history grows long.</summary>
    /// <param name="input">The declaration and, after a continue-as-new, what is carried over.</param>
    /// <returns>Never completes by itself; cancel or terminate it to retire the environment.</returns>
    [WorkflowRun]
    public async Task RunAsync(EnvironmentInput input)
    {
        while (true)
        {
            if (WatchesHealth())
            {
                // Between deliveries only (a running delivery owns the state, see EnvironmentWorkflow.Health.cs). The wait
                // ends at once for a request or override, so nothing waits for the interval.
                var woke = Now < nextHealthCheckAt ? await Workflow.WaitConditionAsync(HasWork, nextHealthCheckAt - Now) : HasWork();
                if (!woke)
                {
                    await CheckKeptInfraSetsAsync();
                    continue;
                }
            }
            else
            {
                await Workflow.WaitConditionAsync(HasWork);
            }

            if (actions.Count > 0)
            {
                var action = actions[0];
                actions.RemoveAt(0);
                await ApplyAsync(action);
            }
            else if (NeedsCleanup())
            {
                await CleanUpStepAsync();
            }
            else if (queue.Count > 0)
            {
                var next = queue[0];
                queue.RemoveAt(0);
                await RunDeliveryAsync(next);
            }
            else
            {
                await Workflow.WaitConditionAsync(() => Workflow.AllHandlersFinished);
                if (actions.Count == 0 && queue.Count == 0)
                {
                    throw Workflow.CreateContinueAsNewException((EnvironmentWorkflow e) => e.RunAsync(CarryOver()));
                }
            }
        }
    }

    /// <summary>
    /// Receives a running delivery's state after each of its changes. Only the active delivery is listened to; the
    /// state it reports is authoritative (it is the one mutator).
    /// </summary>
    /// <param name="report">The report.</param>
    /// <returns>A completed task.</returns>
    [WorkflowSignal("reportDelivery")]
    public Task ReportDeliveryAsync(DeliveryReport report)
    {
        if (report.DeliveryId != runningDeliveryId)
        {
            Workflow.Logger.LogWarning("Environment {Environment} ignored a report from {DeliveryId}, which is not its running delivery", Name, report.DeliveryId);
            return Task.CompletedTask;
        }

        // The delivery's last report clears its active mark; the environment keeps it until the delivery's result is in,
        // so that at no moment a running delivery workflow looks like no delivery at all.
        state = report.State.ActiveDelivery is null && state.ActiveDelivery is { } active && active.DeliveryId == report.DeliveryId
            ? report.State with { ActiveDelivery = active with { Phase = DeliveryPhase.CleaningUp, InfraSetId = null } }
            : report.State;
        foreach (var outcome in report.ForwardedOutcomes)
        {
            forwardedOutcomes[outcome.OverrideId] = outcome;
        }

        if (report.State.ActiveDelivery?.InfraSetId is { } infraSetId)
        {
            UpdateSummary(report.DeliveryId, s => s with { InfraSetId = infraSetId });
        }

        return Task.CompletedTask;
    }

    private async Task RunDeliveryAsync(QueuedDelivery next)
    {
        declaration = next.Request.Environment;
        state = EnvironmentTransitions.StartDelivery(state, next.DeliveryId);
        runningDeliveryId = next.DeliveryId;
        UpdateSummary(next.DeliveryId, s => s with { State = DeliveryState.Running, StartedAt = Now });
        Note("DeliveryStarted", $"{next.DeliveryId} started: {Version(next.Request.VersionSet)} requested by {next.Request.RequestedBy}");
        var input = new DeliveryInput
        {
            DeliveryId = next.DeliveryId, Environment = declaration, VersionSet = next.Request.VersionSet, State = state,
            RequestedBy = next.Request.RequestedBy, Reason = next.Request.Reason,
        };
        DeliveryResult result;
        try
        {
            activeHandle = await Workflow.StartChildWorkflowAsync((DeliveryWorkflow d) => d.RunAsync(input), new ChildWorkflowOptions { Id = next.DeliveryId });
            result = await activeHandle.GetResultAsync();
        }
        catch (ChildWorkflowFailureException e)
        {
            activeHandle = null;
            await RecoverAsync(next.DeliveryId, e.InnerException?.Message ?? e.Message);
            return;
        }
        finally
        {
            activeHandle = null;
        }

        runningDeliveryId = null;
        state = result.FinalState with { ActiveDelivery = null };
        if (result.Outcome == DeliveryOutcome.Promoted)
        {
            history = history.Append(next.Request.VersionSet, next.DeliveryId, Now);
        }

        UpdateSummary(next.DeliveryId, s => s with
        {
            State = DeliveryState.Ended, EndedAt = Now, Outcome = result.Outcome, Reason = result.Reason, Message = result.Message, InfraSetId = result.InfraSetId ?? s.InfraSetId,
        });
        Note($"Delivery{result.Outcome}", $"{next.DeliveryId} {result.Outcome}: {result.Message}");
    }

    /// <summary>
    /// A delivery ended without a result: the environment becomes the mutator again and makes itself safe (traffic
    /// back to the last known good if the delivery's infra-set took any; that infra-set retired and cleaned up).
    /// </summary>
    private async Task RecoverAsync(string deliveryId, string why)
    {
        var canary = state.ActiveDelivery?.InfraSetId;
        runningDeliveryId = null;
        var message = $"{deliveryId} ended without a result ({why})";
        try
        {
            if (state.Weights.Receiving.Any(id => id != state.LastKnownGood) && state.LastKnownGood is { } lkg && state.Find(lkg) is { IsWarm: true })
            {
                var rolledBack = Patches.RollBack(state, lkg);
                state = rolledBack with { Weights = await SetWeightsAsync(rolledBack.Weights, "recover") };
                message += $"; traffic returned to {lkg}";
            }
            else
            {
                state = state with { ActiveDelivery = null };
                if (canary is not null && state.Find(canary) is { } set && state.Weights.WeightOf(canary) == 0)
                {
                    state = EnvironmentTransitions.Upsert(state, set with { Retired = true });
                }
            }
        }
        catch (Exception e) when (e is ActivityFailureException or InvariantViolationException)
        {
            state = state with { ActiveDelivery = null };
            message += $"; the environment could not restore traffic by itself ({e.Message}); roll back by hand";
        }

        UpdateSummary(deliveryId, s => s with { State = DeliveryState.Ended, EndedAt = Now, Outcome = DeliveryOutcome.Failed, Reason = "DeliveryLost", Message = message });
        Note("DeliveryLost", message);
    }

    private bool HasWork() => actions.Count > 0 || NeedsCleanup() || queue.Count > 0 || Workflow.ContinueAsNewSuggested || HealthCheckBudgetSpent();

    private bool NeedsCleanup() => state.ActiveDelivery is null && RetentionPlanner.Plan(state, declaration.WarmRetention) is { } plan && (plan.Drain.Count > 0 || plan.Delete.Count > 0);

    private async Task CleanUpStepAsync()
    {
        try
        {
            if (await Retention.StepAsync(state, declaration.WarmRetention, Key) is { } step)
            {
                state = step.State;
                Note(step.Kind, step.Message);
            }
        }
        catch (ActivityFailureException e)
        {
            // Do not spin on an infra-set the provider refuses to drain or delete: mark it gone and say so.
            var plan = RetentionPlanner.Plan(state, declaration.WarmRetention);
            var id = plan.Drain.Concat(plan.Delete).First();
            state = EnvironmentTransitions.Upsert(state, state.Find(id)! with { Status = InfraSetStatus.Deleted });
            Note("CleanupFailed", $"could not clean up {id}: {e.InnerException?.Message ?? e.Message}; it is no longer tracked, remove it by hand if it still exists");
        }
    }

    private async Task<TrafficWeights> SetWeightsAsync(TrafficWeights weights, string what)
    {
        var key = Key($"{what}-{++overrideCounter}");
        return await Workflow.ExecuteActivityAsync(
            (IDeliveryActivities a) => a.SetWeightsAsync(Name, weights, key),
            new ActivityOptions
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(30),
                RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(200), MaximumInterval = TimeSpan.FromSeconds(5) },
            });
    }

    private string Key(string what) => $"env/{Name}/{Workflow.Info.RunId}/{what}";

    private EnvironmentInput CarryOver() => new()
    {
        Declaration = declaration,
        State = state,
        NextDeliveryNumber = nextDeliveryNumber,
        Queue = [.. queue],
        Deliveries = [.. deliveries.TakeLast(KeepDeliveries)],
        History = history,
        Overrides = [.. overrides.TakeLast(KeepRecords)],
        Timeline = [.. timeline.TakeLast(KeepRecords)],
    };

    private void UpdateSummary(string deliveryId, Func<DeliverySummary, DeliverySummary> change)
    {
        var i = deliveries.FindIndex(d => d.DeliveryId == deliveryId);
        if (i >= 0)
        {
            deliveries[i] = change(deliveries[i]);
        }
    }

    private void Note(string kind, string message)
    {
        timeline.Add(new TimelineEntry(Now, kind, message));
        if (timeline.Count > KeepRecords * 2)
        {
            timeline.RemoveRange(0, timeline.Count - KeepRecords);
        }

        Workflow.Logger.LogInformation("env/{Environment} {Kind}: {Message}", Name, kind, message);
    }

    private string Version(VersionSet versionSet) =>
        versionSet.Find(declaration.Artifact.Component) is { } c ? $"{versionSet.Stack} {c.Name} {c.Version} ({c.Artifact})" : versionSet.Stack;
}
