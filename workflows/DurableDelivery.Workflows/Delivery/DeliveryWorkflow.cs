using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Traffic;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using DurableDelivery.Workflows.Environments;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// One rollout of one version set to one environment (<c>delivery/&lt;env&gt;/&lt;n&gt;</c>), started by the
/// environment workflow when its turn comes: validate, provision a fresh immutable infra-set, wait until it is
/// healthy, move traffic in weighted steps while a health gate compares it with the stable infra-set during each
/// bake, promote it, then drain and delete what is no longer kept warm. A failed gate rolls back by itself: traffic
/// returns to the last known good infra-set first, then the failed one is retired.
/// </summary>
/// <remarks>
/// <para>While it runs, the delivery is the environment's one mutator (invariant 4): it alone changes traffic, checks
/// every change against <see cref="EnvironmentInvariants"/> before making it, and reports the resulting state to its
/// parent after each change. Environment overrides (rollback, set weights) reach it from the parent as the
/// <c>environmentOverride</c> signal; delivery overrides (pause, resume, promote, abort, extend bake) are its own
/// updates, each with a validator, each mirrored as a signal of the same name.</para>
/// <para>Every provider call carries an idempotency key made of the delivery id, its run id and the step, so a
/// retried activity or a worker killed mid-call never creates a second infra-set or applies other weights.</para>
/// </remarks>
[Workflow]
public sealed partial class DeliveryWorkflow
{
    /// <summary>How often a long bake is checked by an interim gate (a failure there rolls back early).</summary>
    public static readonly TimeSpan InterimGateInterval = TimeSpan.FromMinutes(1);

    /// <summary>How long one <c>WaitHealthy</c> activity waits before the workflow looks at overrides again.</summary>
    public static readonly TimeSpan HealthySlice = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the new infra-set may be seen unhealthy during a bake (checked every <see cref="HealthySlice"/>) before
    /// the delivery rolls back by itself, as for a failed gate (reason <c>InfraSetUnhealthy</c>).
    /// </summary>
    /// <remarks>Long enough for one instance restart, short enough that a crash-looping canary does not keep its share of traffic for a whole bake.</remarks>
    public static readonly TimeSpan UnhealthyGrace = TimeSpan.FromSeconds(30);

    /// <summary>How long draining an infra-set may take before it is deleted anyway.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private static readonly RetryPolicy ProviderRetry = new()
    {
        InitialInterval = TimeSpan.FromMilliseconds(200),
        BackoffCoefficient = 2,
        MaximumInterval = TimeSpan.FromSeconds(5),
    };

    private static readonly ActivityOptions Quick = new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), RetryPolicy = ProviderRetry };

    private readonly List<StepRecord> steps = [];
    private readonly List<TimelineEntry> timeline = [];
    private readonly List<OverrideRecord> overrides = [];
    private readonly List<ForwardedOverrideOutcome> forwardedOutcomes = [];
    private readonly DeliveryInput input;
    private EnvironmentState state;
    private DeliveryPhase phase = DeliveryPhase.Validating;
    private DateTimeOffset startedAt;
    private string? canary;
    private string? stable;
    private bool paused;
    private string? pausedReason;
    private TimeSpan pendingExtension;
    private DateTimeOffset? bakeEndsAt;
    private PendingAction? pending;
    private DeliveryResult? result;
    private int trafficChanges;
    private string? rolledBackDuringCleanup;
    private DateTimeOffset? canaryUnhealthySince;

    /// <summary>Initializes a new instance of the <see cref="DeliveryWorkflow"/> class from its input, before any handler runs.</summary>
    /// <param name="input">The delivery, its environment declaration and the environment state at the start.</param>
    [WorkflowInit]
    public DeliveryWorkflow(DeliveryInput input)
    {
        this.input = input;
        stable = input.State.LastKnownGood;
        state = input.State.ActiveDelivery?.DeliveryId == input.DeliveryId
            ? input.State
            : EnvironmentTransitions.StartDelivery(input.State, input.DeliveryId);
    }

    /// <summary>Gets the delivery's state: phase, steps, weights, gate numbers, timeline and overrides.</summary>
    /// <remarks>Queries add nothing to history and also answer once the delivery has ended.</remarks>
    [WorkflowQuery("status")]
    public DeliveryStatus Status => new()
    {
        DeliveryId = input.DeliveryId,
        Environment = input.Environment.Name,
        VersionSet = input.VersionSet,
        RequestedBy = input.RequestedBy,
        Phase = phase,
        Paused = paused,
        PausedReason = paused ? pausedReason : null,
        InfraSetId = canary,
        StableInfraSetId = stable,
        StepIndex = state.ActiveDelivery?.StepIndex ?? steps.FindLastIndex(s => s.StartedAt is not null),
        Steps = [.. steps],
        Weights = state.Weights,
        BakeEndsAt = paused ? null : bakeEndsAt,
        Outcome = result?.Outcome,
        OutcomeReason = result?.Reason,
        OutcomeMessage = result?.Message,
        StartedAt = startedAt,
        EndedAt = result is null ? null : timeline[^1].At,
        Timeline = [.. timeline],
        Overrides = [.. overrides],
    };

    private DateTimeOffset Now => new(Workflow.UtcNow, TimeSpan.Zero);

    private string Environment => input.Environment.Name;

    /// <summary>
    /// The wait until <paramref name="at"/>, at least 1 ms: the time can be past (an hour paused), and Temporal refuses a
    /// negative timer (the workflow task fails) and reads -1 ms as "no timeout".
    /// </summary>
    private TimeSpan Until(DateTimeOffset at) => at - Now > TimeSpan.FromMilliseconds(1) ? at - Now : TimeSpan.FromMilliseconds(1);

    private string Key(string what) => $"{input.DeliveryId}/{Workflow.Info.RunId}/{what}";

    /// <summary>Runs the delivery to its end and returns the outcome and the environment state it leaves.</summary>
    /// <param name="input">The delivery, its environment declaration and the environment state at the start.</param>
    /// <returns>How it ended.</returns>
    [WorkflowRun]
    public async Task<DeliveryResult> RunAsync(DeliveryInput input)
    {
        startedAt = Now;
        var plan = input.Environment.Rollout.Steps;
        foreach (var (step, i) in (stable is null ? [plan[^1] with { Weight = 100 }] : plan).Select((s, i) => (s, i)))
        {
            steps.Add(new StepRecord { Index = i, Percent = step.Weight, Bake = step.Bake });
        }

        Note("Requested", $"{Describe()} requested by {input.RequestedBy}{(input.Reason.Length > 0 ? $": {input.Reason}" : string.Empty)}");

        var problems = input.VersionSet.Validate().Select(p => p.ToString()).ToList();
        var artifact = input.Environment.Artifact.Resolve(input.VersionSet);
        if (artifact is null)
        {
            problems.Add($"version set has no component '{input.Environment.Artifact.Component}', which environment '{Environment}' deploys (artifact.component)");
        }

        if (problems.Count > 0)
        {
            return await EndAsync(DeliveryOutcome.Rejected, "InvalidVersionSet", "version set refused: " + string.Join("; ", problems));
        }

        try
        {
            return await DeliverAsync(artifact!);
        }
        catch (ActivityFailureException e)
        {
            return await FailAsync("ProviderRefused", $"the provider refused a request: {e.InnerException?.Message ?? e.Message}");
        }
        catch (InvariantViolationException e)
        {
            return await FailAsync("InvariantViolation", $"a traffic change was refused by the safety checks: {e.Message}");
        }
    }

    private async Task<DeliveryResult> DeliverAsync(string artifact)
    {
        await SetPhaseAsync(DeliveryPhase.Provisioning);
        if (input.Environment.Listener.Port is { } port)
        {
            await Workflow.ExecuteActivityAsync((IDeliveryActivities a) => a.EnsureListenerAsync(Environment, port), Quick);
        }

        var created = await Workflow.ExecuteActivityAsync(
            (IDeliveryActivities a) => a.CreateInfraSetAsync(Environment, artifact, input.Environment.Instances, Key("infra-set")),
            Quick);
        canary = created.Id;
        state = EnvironmentTransitions.Upsert(state, new InfraSet { Id = created.Id, Status = InfraSetStatus.Provisioning, Artifact = created.Artifact, VersionSetHash = input.VersionSet.ContentHash });
        state = WithActive(a => a with { InfraSetId = created.Id });
        Note("Provisioned", $"created infra-set {created.Id} ({created.Artifact} x {input.Environment.Instances})");
        await ReportAsync();

        if (await WaitHealthyAsync() is { } unhealthy)
        {
            return unhealthy;
        }

        var weights = WeightPlan.For(input.Environment.Rollout, stable, canary);
        for (var i = 0; i < weights.Count; i++)
        {
            if (await HandlePendingAsync() is { } ended)
            {
                return ended;
            }

            await SetPhaseAsync(DeliveryPhase.Shifting, i);
            await ShiftAsync(weights[i], $"step-{i}", $"step {i + 1}/{weights.Count}: {steps[i].Percent}% to {canary}");
            steps[i] = steps[i] with { Weights = state.Weights, StartedAt = Now };
            var bake = await BakeAsync(i);
            steps[i] = steps[i] with { EndedAt = Now };
            if (bake is { } failed)
            {
                return await RollBackToAsync(stable!, DeliveryOutcome.RolledBack, failed.Reason, $"{failed.Message}; traffic returned to {stable}");
            }
        }

        if (await HandlePendingAsync() is { } interrupted)
        {
            return interrupted;
        }

        return await PromoteCanaryAsync($"all steps passed; {canary} takes all traffic and is last known good");
    }

    /// <summary>Waits in slices until the new infra-set is healthy, the deadline passes, or an override interrupts.</summary>
    private async Task<DeliveryResult?> WaitHealthyAsync()
    {
        await SetPhaseAsync(DeliveryPhase.WaitingHealthy);
        var deadline = Now + input.HealthyTimeout;
        while (true)
        {
            var remaining = deadline - Now;
            var slice = remaining < HealthySlice ? remaining : HealthySlice;
            var askedAt = Now;
            var seen = slice <= TimeSpan.Zero
                ? null
                : await Workflow.ExecuteActivityAsync(
                    (IDeliveryActivities a) => a.WaitHealthyAsync(canary!, slice),
                    new ActivityOptions { StartToCloseTimeout = slice + TimeSpan.FromSeconds(30), RetryPolicy = ProviderRetry });
            if (seen is { Healthy: true })
            {
                state = EnvironmentTransitions.Upsert(state, state.Find(canary!)! with { Status = InfraSetStatus.Healthy });
                Note("Healthy", $"infra-set {canary} is healthy");
                await ReportAsync();
                return null;
            }

            if (pending is not null)
            {
                return await HandlePendingAsync();
            }

            if (Now - askedAt < slice / 2 && Now < deadline)
            {
                // The provider answered without waiting: wait here (durably, interruptible) instead of spinning.
                await Workflow.WaitConditionAsync(() => pending is not null, slice);
                continue;
            }

            if (Now >= deadline)
            {
                state = EnvironmentTransitions.Upsert(state, state.Find(canary!)! with { Status = InfraSetStatus.Unhealthy, Retired = true });
                return await FailAsync("NeverHealthy", $"infra-set {canary} did not become healthy within {Domain.Common.DurationText.Format(input.HealthyTimeout)} ({seen?.Status}: {seen?.Message}); it never took traffic");
            }
        }
    }

    /// <summary>Checks a traffic change against the invariants, makes it through the provider, and reports it.</summary>
    private async Task ShiftAsync(TrafficWeights weights, string keySuffix, string message)
    {
        var next = EnvironmentTransitions.SetWeights(state, weights, input.DeliveryId);
        await ApplyWeightsAsync(next, keySuffix);
        Note("WeightsSet", $"{message} ({state.Weights})");
        await ReportAsync();
    }

    private async Task ApplyWeightsAsync(EnvironmentState next, string keySuffix)
    {
        trafficChanges++;
        var applied = await Workflow.ExecuteActivityAsync(
            (IDeliveryActivities a) => a.SetWeightsAsync(Environment, next.Weights, Key($"{keySuffix}-{trafficChanges}")),
            Quick);
        state = next with { Weights = applied };
    }

    private async Task<DeliveryResult> PromoteCanaryAsync(string message)
    {
        await SetPhaseAsync(DeliveryPhase.Promoting);
        var promoted = EnvironmentTransitions.Promote(state, canary!);
        await ApplyWeightsAsync(promoted with { ActiveDelivery = state.ActiveDelivery! with { Phase = DeliveryPhase.CleaningUp } }, "promote");
        phase = DeliveryPhase.CleaningUp;
        Note("Promoted", message);
        FinishSettling(message);
        await ReportAsync();
        await CleanUpAsync();

        // An environment rollback served during the cleanup moved traffic off the new infra-set: say so, so that neither
        // the delivery nor the environment's version-set history calls this release promoted and in service.
        if (state.LastKnownGood != canary && rolledBackDuringCleanup is { } rollback)
        {
            return await EndAsync(DeliveryOutcome.Aborted, "ManualRollback", $"{rollback} after {canary} had been promoted ({message})");
        }

        return await EndAsync(DeliveryOutcome.Promoted, "Promoted", message);
    }

    /// <summary>
    /// All traffic to <paramref name="target"/> (which becomes last known good), the new infra-set and whatever else
    /// took traffic retired; then clean up. The delivery stays the mutator until the cleanup is done.
    /// </summary>
    private async Task<DeliveryResult> RollBackToAsync(string target, DeliveryOutcome outcome, string reason, string message)
    {
        await SetPhaseAsync(DeliveryPhase.RollingBack);
        await MoveAllTrafficToAsync(target);
        phase = DeliveryPhase.CleaningUp;

        // The gate (or the health watch) already wrote its own line with the numbers; this one says what was done about it.
        Note(reason is "GateFailed" or "InfraSetUnhealthy" ? "RolledBack" : reason, message);
        FinishSettling(message);
        await ReportAsync();
        await CleanUpAsync();
        return await EndAsync(outcome, reason, message);
    }

    /// <summary>All traffic to a warm infra-set, which becomes last known good; what else took traffic is retired.</summary>
    private async Task MoveAllTrafficToAsync(string target)
    {
        var rolledBack = Patches.RollBack(state, target);
        await ApplyWeightsAsync(rolledBack with { ActiveDelivery = state.ActiveDelivery! with { Phase = DeliveryPhase.CleaningUp, InfraSetId = null } }, "rollback");
    }

    /// <summary>
    /// Ends a delivery that cannot go on: if its infra-set took traffic, traffic goes back to the last known good;
    /// its infra-set is retired and cleaned up. Nothing is left half-changed.
    /// </summary>
    private async Task<DeliveryResult> FailAsync(string reason, string message)
    {
        var takesTraffic = canary is not null && state.Weights.WeightOf(canary) > 0;
        if (takesTraffic && state.LastKnownGood is { } lkg && lkg != canary && state.Find(lkg) is { IsWarm: true })
        {
            return await RollBackToAsync(lkg, DeliveryOutcome.Failed, reason, $"{message}; traffic returned to {lkg}");
        }

        if (canary is not null && !takesTraffic && state.Find(canary) is { } set)
        {
            state = EnvironmentTransitions.Upsert(state, set with { Retired = true });
            state = WithActive(a => a with { Phase = DeliveryPhase.CleaningUp, InfraSetId = null });
            phase = DeliveryPhase.CleaningUp;
            Note(reason, message);
            await ReportAsync();
            await CleanUpAsync();
            return await EndAsync(DeliveryOutcome.Failed, reason, message);
        }

        return await EndAsync(DeliveryOutcome.Failed, reason, message);
    }

    /// <summary>Drains, then deletes, what the retention plan no longer keeps; environment overrides are served between steps.</summary>
    private async Task CleanUpAsync()
    {
        while (true)
        {
            await ServeEnvironmentOverridesAsync();
            if (await Retention.StepAsync(state, input.Environment.WarmRetention, Key) is not { } step)
            {
                return;
            }

            state = step.State;
            Note(step.Kind, step.Message);
            await ReportAsync();
        }
    }

    private async Task<DeliveryResult> EndAsync(DeliveryOutcome outcome, string reason, string message)
    {
        state = state with { ActiveDelivery = null };
        bakeEndsAt = null;
        paused = false;
        if (outcome is DeliveryOutcome.Rejected or DeliveryOutcome.Failed && !timeline.Exists(t => t.Kind == reason))
        {
            Note(reason, message);
        }

        Note("Ended", $"{outcome}: {message}");
        result = new DeliveryResult { DeliveryId = input.DeliveryId, Outcome = outcome, Reason = reason, Message = message, InfraSetId = canary, FinalState = state };

        // Overrides that arrived too late are answered, so no caller waits forever.
        if (pending is { } late)
        {
            var why = $"delivery '{input.DeliveryId}' ended ({outcome}) before the {late.Verb} could be applied";
            late.Finish(false, why, state.Weights);
            Record(late.Request, false, why);
            if (late.ForwardedId is { } id)
            {
                forwardedOutcomes.Add(new ForwardedOverrideOutcome(id, false, why, state.Weights));
            }

            pending = null;
        }

        await ReportAsync();
        Workflow.Logger.LogInformation("Delivery {DeliveryId} ended: {Outcome} ({Reason})", input.DeliveryId, outcome, reason);
        return result;
    }

    private async Task SetPhaseAsync(DeliveryPhase next, int? stepIndex = null)
    {
        phase = next;
        state = WithActive(a => a with { Phase = next, StepIndex = stepIndex ?? a.StepIndex, Paused = paused });
        await ReportAsync();
    }

    private EnvironmentState WithActive(Func<ActiveDelivery, ActiveDelivery> change) =>
        state.ActiveDelivery is { } active ? state with { ActiveDelivery = change(active) } : state;

    private void Note(string kind, string message)
    {
        timeline.Add(new TimelineEntry(Now, kind, message));
        Workflow.Logger.LogInformation("{DeliveryId} {Kind}: {Message}", input.DeliveryId, kind, message);
    }

    private string Describe() =>
        $"{input.VersionSet.Stack} {input.Environment.Artifact.Component} {input.VersionSet.Find(input.Environment.Artifact.Component)?.Version.ToString() ?? "?"} ({input.Environment.Artifact.Resolve(input.VersionSet) ?? "?"}) to {Environment}";

    /// <summary>Tells the environment workflow (the parent) the state after a change; a missing parent is logged, not fatal.</summary>
    private async Task ReportAsync()
    {
        if (!input.ReportToEnvironment || Workflow.Info.Parent?.WorkflowId is not { } parent)
        {
            return;
        }

        var report = new DeliveryReport { DeliveryId = input.DeliveryId, State = state, ForwardedOutcomes = [.. forwardedOutcomes] };
        forwardedOutcomes.Clear();
        try
        {
            await Workflow.GetExternalWorkflowHandle<EnvironmentWorkflow>(parent).SignalAsync(e => e.ReportDeliveryAsync(report));
        }
        catch (FailureException e)
        {
            Workflow.Logger.LogWarning("Delivery {DeliveryId} could not report to {Parent}: {Message}", input.DeliveryId, parent, e.Message);
        }
    }
}
