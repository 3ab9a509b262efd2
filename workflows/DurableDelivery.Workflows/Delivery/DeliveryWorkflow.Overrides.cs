using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// Overrides: updates with validators (a refused override changes nothing and leaves no trace), each mirrored as a
/// signal of the same name (a refused signal is recorded as refused, since a signal cannot be answered).
/// </summary>
public sealed partial class DeliveryWorkflow
{
    private PendingAction? settling;

    /// <summary>The weights when the override being settled began to apply (what its caller is told it changed).</summary>
    private TrafficWeights? settlingFrom;

    /// <summary>What a pending override will do once the delivery's main loop reaches it.</summary>
    private enum PendingKind
    {
        Promote,
        Abort,
        Rollback,
        SetWeights,
    }

    /// <summary>Pauses the delivery: weights stay where they are, the bake clock stops.</summary>
    /// <param name="request">Who asks and why.</param>
    /// <returns>What changed.</returns>
    [WorkflowUpdate("pause")]
    public async Task<OverrideOutcome> PauseAsync(PauseOverride request)
    {
        await ApplyPauseAsync(request, true);
        return new OverrideOutcome($"paused {input.DeliveryId} at {Where()}", state.Weights);
    }

    /// <summary>Refuses a pause that cannot apply.</summary>
    /// <param name="request">The override.</param>
    [WorkflowUpdateValidator(nameof(PauseAsync))]
    public void ValidatePause(PauseOverride request) => ThrowIfRefused(request);

    /// <summary>The signal form of <see cref="PauseAsync"/>.</summary>
    /// <param name="request">The override.</param>
    /// <returns>A task that completes when the override is handled.</returns>
    [WorkflowSignal("pause")]
    public Task PauseSignalAsync(PauseOverride request) => SignalAsync(request, () => ApplyPauseAsync(request, true));

    /// <summary>Resumes a paused delivery; a bake goes on for the time it had left.</summary>
    /// <param name="request">Who asks and why.</param>
    /// <returns>What changed.</returns>
    [WorkflowUpdate("resume")]
    public async Task<OverrideOutcome> ResumeAsync(ResumeOverride request)
    {
        await ApplyPauseAsync(request, false);
        return new OverrideOutcome($"resumed {input.DeliveryId} at {Where()}", state.Weights);
    }

    /// <summary>Refuses a resume that cannot apply.</summary>
    /// <param name="request">The override.</param>
    [WorkflowUpdateValidator(nameof(ResumeAsync))]
    public void ValidateResume(ResumeOverride request) => ThrowIfRefused(request);

    /// <summary>The signal form of <see cref="ResumeAsync"/>.</summary>
    /// <param name="request">The override.</param>
    /// <returns>A task that completes when the override is handled.</returns>
    [WorkflowSignal("resume")]
    public Task ResumeSignalAsync(ResumeOverride request) => SignalAsync(request, () => ApplyPauseAsync(request, false));

    /// <summary>Skips the remaining steps: all traffic to the new infra-set, which becomes last known good.</summary>
    /// <param name="request">Who asks and why.</param>
    /// <returns>What changed, once all traffic is on the new infra-set.</returns>
    [WorkflowUpdate("promote")]
    public Task<OverrideOutcome> PromoteAsync(PromoteOverride request) => EnqueueAndWaitAsync(new PendingAction(PendingKind.Promote, request, null));

    /// <summary>Refuses a promote that cannot apply (e.g. the new infra-set is not healthy yet).</summary>
    /// <param name="request">The override.</param>
    [WorkflowUpdateValidator(nameof(PromoteAsync))]
    public void ValidatePromote(PromoteOverride request) => ThrowIfRefused(request);

    /// <summary>The signal form of <see cref="PromoteAsync"/>.</summary>
    /// <param name="request">The override.</param>
    /// <returns>A task that completes when the override is handled.</returns>
    [WorkflowSignal("promote")]
    public Task PromoteSignalAsync(PromoteOverride request) => SignalAsync(request, () => Enqueue(new PendingAction(PendingKind.Promote, request, null)));

    /// <summary>Stops the delivery: traffic back to the last known good infra-set, the new one retired.</summary>
    /// <param name="request">Who asks and why.</param>
    /// <returns>What changed, once traffic is back.</returns>
    [WorkflowUpdate("abort")]
    public Task<OverrideOutcome> AbortAsync(AbortOverride request) => EnqueueAndWaitAsync(new PendingAction(PendingKind.Abort, request, null));

    /// <summary>Refuses an abort that cannot apply.</summary>
    /// <param name="request">The override.</param>
    [WorkflowUpdateValidator(nameof(AbortAsync))]
    public void ValidateAbort(AbortOverride request) => ThrowIfRefused(request);

    /// <summary>The signal form of <see cref="AbortAsync"/>.</summary>
    /// <param name="request">The override.</param>
    /// <returns>A task that completes when the override is handled.</returns>
    [WorkflowSignal("abort")]
    public Task AbortSignalAsync(AbortOverride request) => SignalAsync(request, () => Enqueue(new PendingAction(PendingKind.Abort, request, null)));

    /// <summary>Lengthens the current bake.</summary>
    /// <param name="request">By how much, who asks and why.</param>
    /// <returns>What changed.</returns>
    [WorkflowUpdate("extendBake")]
    public Task<OverrideOutcome> ExtendBakeAsync(ExtendBakeOverride request)
    {
        ApplyExtension(request);
        return Task.FromResult(new OverrideOutcome($"bake of {Where()} extended by {Domain.Common.DurationText.Format(request.By)}", state.Weights));
    }

    /// <summary>Refuses an extension that cannot apply (not baking, not positive, over a day).</summary>
    /// <param name="request">The override.</param>
    [WorkflowUpdateValidator(nameof(ExtendBakeAsync))]
    public void ValidateExtendBake(ExtendBakeOverride request) => ThrowIfRefused(request);

    /// <summary>The signal form of <see cref="ExtendBakeAsync"/>.</summary>
    /// <param name="request">The override.</param>
    /// <returns>A task that completes when the override is handled.</returns>
    [WorkflowSignal("extendBake")]
    public Task ExtendBakeSignalAsync(ExtendBakeOverride request) => SignalAsync(request, () =>
    {
        ApplyExtension(request);
        return Task.CompletedTask;
    });

    /// <summary>
    /// An environment override (rollback or set weights) forwarded by the environment workflow, because the delivery
    /// is the environment's one mutator while it runs. The outcome goes back in the next report.
    /// </summary>
    /// <param name="forwarded">The override and the id to report its outcome under.</param>
    /// <returns>A task that completes when the override is handled.</returns>
    [WorkflowSignal("environmentOverride")]
    public async Task EnvironmentOverrideAsync(ForwardedOverride forwarded)
    {
        if (result is not null)
        {
            // Ended already: say nothing; the environment applies the override itself once it has this delivery's result.
            return;
        }

        var request = forwarded.Request;
        var refusal = Refusal(request);
        string? target = null;
        if (refusal is null && request is RollbackOverride rollback)
        {
            refusal = OverrideValidator.ResolveRollbackTarget(rollback, state, out target);
        }

        if (refusal is not null || request is not (RollbackOverride or SetWeightsOverride))
        {
            var message = refusal?.Message ?? $"cannot {request.Verb}: the environment forwards only rollback and set weights";
            Record(request, false, message);
            forwardedOutcomes.Add(new ForwardedOverrideOutcome(forwarded.OverrideId, false, message, state.Weights));
            await ReportAsync();
            return;
        }

        await Enqueue(request is RollbackOverride
            ? new PendingAction(PendingKind.Rollback, request, forwarded.OverrideId) { Target = target }
            : new PendingAction(PendingKind.SetWeights, request, forwarded.OverrideId) { Weights = ((SetWeightsOverride)request).Weights });
    }

    /// <summary>Runs a pending promote, abort or rollback; returns the result when it ended the delivery.</summary>
    private async Task<DeliveryResult?> HandlePendingAsync()
    {
        if (pending is not { } action)
        {
            return null;
        }

        pending = null;
        BeginSettling(action);
        var who = $"{action.Request.RequestedBy}: {action.Request.Reason}";
        switch (action.Kind)
        {
            case PendingKind.Promote:
                return await PromoteCanaryAsync($"promoted by {who}; {canary} takes all traffic and is last known good");
            case PendingKind.Rollback:
                return await RollBackToAsync(action.Target!, DeliveryOutcome.Aborted, "ManualRollback", $"rolled back to {action.Target} by {who}");
            case PendingKind.Abort when canary is not null && state.Weights.WeightOf(canary) > 0:
                return await RollBackToAsync(state.LastKnownGood!, DeliveryOutcome.Aborted, "Aborted", $"aborted by {who}; traffic returned to {state.LastKnownGood}");
            case PendingKind.Abort:
                return await RetireUnusedCanaryAsync(DeliveryOutcome.Aborted, "Aborted", $"aborted by {who} before the new infra-set took traffic");
            default:
                await ShiftAsync(action.Weights!, "manual", $"weights set by {who}");
                FinishSettling($"weights set to {state.Weights} by {who}");
                await ReportAsync();
                return null;
        }
    }

    /// <summary>While cleaning up, serves a forwarded rollback or set-weights at once (the delivery is still the mutator).</summary>
    private async Task ServeEnvironmentOverridesAsync()
    {
        if (pending is not { } action)
        {
            return;
        }

        pending = null;
        BeginSettling(action);
        var who = $"{action.Request.RequestedBy}: {action.Request.Reason}";
        if (action.Kind == PendingKind.Rollback)
        {
            await MoveAllTrafficToAsync(action.Target!);
            var message = $"rolled back to {action.Target} by {who}";
            rolledBackDuringCleanup = message;
            Note("ManualRollback", message);
            FinishSettling(message);
            await ReportAsync();
        }
        else if (action.Kind == PendingKind.SetWeights)
        {
            await ShiftAsync(action.Weights!, "manual", $"weights set by {who}");
            FinishSettling($"weights set to {state.Weights} by {who}");
            await ReportAsync();
        }
        else
        {
            action.Finish(false, $"cannot {action.Verb}: delivery '{input.DeliveryId}' has already settled traffic", state.Weights);
        }
    }

    /// <summary>Ends the delivery with its infra-set retired (it never took traffic) and cleaned up.</summary>
    private async Task<DeliveryResult> RetireUnusedCanaryAsync(DeliveryOutcome outcome, string reason, string message)
    {
        if (canary is not null && state.Find(canary) is { } set)
        {
            state = EnvironmentTransitions.Upsert(state, set with { Retired = true });
        }

        state = WithActive(a => a with { Phase = DeliveryPhase.CleaningUp, InfraSetId = null });
        phase = DeliveryPhase.CleaningUp;
        Note(reason, message);
        FinishSettling(message);
        await ReportAsync();
        await CleanUpAsync();
        return await EndAsync(outcome, reason, message);
    }

    private void FinishSettling(string message)
    {
        if (settling is not { } action)
        {
            return;
        }

        settling = null;
        action.Finish(true, message, state.Weights, settlingFrom);
        Record(action.Request, true, message);
        if (action.ForwardedId is { } id)
        {
            forwardedOutcomes.Add(new ForwardedOverrideOutcome(id, true, message, state.Weights) { WeightsBefore = settlingFrom });
        }
    }

    private void BeginSettling(PendingAction action)
    {
        settling = action;
        settlingFrom = state.Weights;
    }

    private async Task ApplyPauseAsync(Override request, bool pause)
    {
        var message = $"{(pause ? "paused" : "resumed")} by {request.RequestedBy}: {request.Reason}";
        Record(request, true, message);
        await SetPausedAsync(pause, message);
    }

    private void ApplyExtension(ExtendBakeOverride request)
    {
        pendingExtension += request.By;
        var message = $"bake extended by {Domain.Common.DurationText.Format(request.By)} by {request.RequestedBy}: {request.Reason}";
        Record(request, true, message);
        Note("BakeExtended", message);
    }

    private Task Enqueue(PendingAction action)
    {
        pending = action;
        return Task.CompletedTask;
    }

    private async Task<OverrideOutcome> EnqueueAndWaitAsync(PendingAction action)
    {
        pending = action;
        return await action.OutcomeAsync();
    }

    private async Task SignalAsync(Override request, Func<Task> apply)
    {
        if (Refusal(request) is { } refusal)
        {
            Record(request, false, refusal.Message);
            await ReportAsync();
            return;
        }

        await apply();
    }

    private void ThrowIfRefused(Override request)
    {
        if (Refusal(request) is { } refusal)
        {
            throw new ApplicationFailureException(refusal.Message, refusal.Code, nonRetryable: true);
        }
    }

    /// <summary>Why an override cannot apply now, or <see langword="null"/> when it can.</summary>
    private OverrideRefusal? Refusal(Override request)
    {
        if (result is not null)
        {
            return new OverrideRefusal { Code = OverrideRefusalCodes.DeliveryNotActive, Message = $"cannot {request.Verb}: delivery '{input.DeliveryId}' has ended ({result.Outcome})" };
        }

        if (request is DeliveryOverride { DeliveryId: { } named } && named != input.DeliveryId)
        {
            return new OverrideRefusal { Code = OverrideRefusalCodes.DeliveryNotActive, Message = $"cannot {request.Verb}: this is delivery '{input.DeliveryId}', not '{named}'" };
        }

        if ((pending ?? settling) is { } busy)
        {
            return new OverrideRefusal { Code = OverrideRefusalCodes.WrongDeliveryState, Message = $"cannot {request.Verb}: a {busy.Verb} requested by {busy.Request.RequestedBy} is being applied to delivery '{input.DeliveryId}'" };
        }

        if (OverrideValidator.Validate(request, state) is { } refusal)
        {
            return refusal;
        }

        return request is SetWeightsOverride && !paused && phase != DeliveryPhase.CleaningUp
            ? new OverrideRefusal
            {
                Code = OverrideRefusalCodes.WrongDeliveryState,
                Message = $"cannot set weights: delivery '{input.DeliveryId}' is rolling out ({Where()}); pause it first (ddctl delivery pause {input.DeliveryId}) or abort it",
            }
            : null;
    }

    private void Record(Override request, bool applied, string message) =>
        overrides.Add(new OverrideRecord { Request = request, HandledBy = input.DeliveryId, HandledAt = Now, Applied = applied, Message = message });

    private string Where() =>
        phase is DeliveryPhase.Baking or DeliveryPhase.Shifting && state.ActiveDelivery is { StepIndex: >= 0 and var i } && i < steps.Count
            ? $"step {i + 1}/{steps.Count} ({steps[i].Percent}%)"
            : phase.ToString();

    private sealed class PendingAction(PendingKind kind, Override request, string? forwardedId) : OverrideTicket(request)
    {
        public PendingKind Kind { get; } = kind;

        public string? ForwardedId { get; } = forwardedId;

        public string? Target { get; init; }

        public TrafficWeights? Weights { get; init; }
    }
}
