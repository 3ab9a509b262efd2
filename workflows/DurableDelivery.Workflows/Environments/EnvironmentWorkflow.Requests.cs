using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.Workflows.Environments;

/// <summary>Delivery requests and environment overrides (rollback, set weights): updates with validators, overrides mirrored as signals.</summary>
public sealed partial class EnvironmentWorkflow
{
    /// <summary>Queues a delivery of a version set; it starts when the deliveries ahead of it have ended.</summary>
    /// <param name="request">The version set, the environment declaration as read now, who asks and why.</param>
    /// <returns>The delivery id and its place in the queue.</returns>
    [WorkflowUpdate("requestDelivery")]
    public Task<DeliveryTicket> RequestDeliveryAsync(DeliveryRequest request)
    {
        var deliveryId = $"delivery/{Name}/{nextDeliveryNumber++}";
        var superseded = new List<string>();
        if (request.Environment.Supersede == SupersedePolicy.SupersedeQueued)
        {
            foreach (var waiting in queue)
            {
                superseded.Add(waiting.DeliveryId);
                UpdateSummary(waiting.DeliveryId, s => s with { State = DeliveryState.Superseded, EndedAt = Now, Reason = deliveryId, Message = $"superseded by {deliveryId} before it started" });
            }

            queue.Clear();
        }

        queue.Add(new QueuedDelivery(deliveryId, request));
        var component = request.VersionSet.Find(request.Environment.Artifact.Component)!;
        deliveries.Add(new DeliverySummary
        {
            DeliveryId = deliveryId, State = DeliveryState.Queued, Stack = request.VersionSet.Stack,
            Version = $"{component.Name} {component.Version} ({component.Artifact})", VersionSetHash = request.VersionSet.ContentHash,
            RequestedBy = request.RequestedBy, RequestedAt = request.RequestedAt,
        });
        if (deliveries.Count > KeepDeliveries * 2)
        {
            deliveries.RemoveRange(0, deliveries.Count - KeepDeliveries);
        }

        Note("DeliveryRequested", $"{deliveryId} requested by {request.RequestedBy}: {Version(request.VersionSet)}{(superseded.Count > 0 ? $"; supersedes {string.Join(", ", superseded)}" : string.Empty)}");
        var position = queue.Count - 1 + (state.ActiveDelivery is null ? 0 : 1);
        return Task.FromResult(new DeliveryTicket(deliveryId, position, superseded));
    }

    /// <summary>
    /// Refuses a request whose declaration names another environment or has a gated rollout step that bakes too briefly
    /// for its gate, or whose version set is invalid, listing every problem.
    /// </summary>
    /// <param name="request">The request.</param>
    [WorkflowUpdateValidator(nameof(RequestDeliveryAsync))]
    public void ValidateRequestDelivery(DeliveryRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.RequestedBy))
        {
            throw new ApplicationFailureException("cannot deliver: who asked is required (RequestedBy is empty)", OverrideRefusalCodes.MissingAuditInfo, nonRetryable: true);
        }

        if (request.Environment.Name != Name)
        {
            throw new ApplicationFailureException(
                $"cannot deliver: the declaration is for environment '{request.Environment.Name}', but this is environment '{Name}'; pass infra/environments/{Name}.yaml",
                "WrongEnvironment",
                nonRetryable: true);
        }

        // The declaration arrives already parsed (the CLI reads the file), or built in code: check it again here, so a
        // rollout its gate cannot judge is refused now instead of failing or pausing in the middle of a delivery.
        if (request.Environment.Validate($"environment '{Name}'") is { Count: > 0 } declared)
        {
            throw new ApplicationFailureException($"cannot deliver: {string.Join(" | ", declared.Select(p => p.Message))}", "InvalidEnvironment", nonRetryable: true);
        }

        var problems = request.VersionSet.Validate().Select(p => p.ToString()).ToList();
        if (request.Environment.Artifact.Resolve(request.VersionSet) is null)
        {
            problems.Add($"{request.VersionSet.Source}: version set has no component '{request.Environment.Artifact.Component}', which environment '{Name}' deploys (artifact.component)");
        }

        if (problems.Count > 0)
        {
            throw new ApplicationFailureException($"cannot deliver: {problems.Count} problem(s): {string.Join(" | ", problems)}", "InvalidVersionSet", nonRetryable: true);
        }
    }

    /// <summary>
    /// Puts all traffic on a warm infra-set: the last known good while a delivery runs, otherwise the most recently
    /// promoted warm one before it, or the one named in <see cref="RollbackOverride.To"/>. Works at any time.
    /// </summary>
    /// <param name="request">The target (optional), who asks and why.</param>
    /// <returns>What changed, once all traffic is on the target.</returns>
    [WorkflowUpdate("rollback")]
    public Task<OverrideOutcome> RollbackAsync(RollbackOverride request) => ExecuteOverrideAsync(request);

    /// <summary>Refuses a rollback without a warm target, or to an infra-set that is not warm.</summary>
    /// <param name="request">The override.</param>
    [WorkflowUpdateValidator(nameof(RollbackAsync))]
    public void ValidateRollback(RollbackOverride request) => ThrowIfRefused(request);

    /// <summary>The signal form of <see cref="RollbackAsync"/>.</summary>
    /// <param name="request">The override.</param>
    /// <returns>A task that completes when the override is handled.</returns>
    [WorkflowSignal("rollback")]
    public Task RollbackSignalAsync(RollbackOverride request) => OverrideSignalAsync(request);

    /// <summary>Sets the listener weights by hand (between deliveries, or while the active delivery is paused).</summary>
    /// <param name="request">The weights, who asks and why.</param>
    /// <returns>What changed.</returns>
    [WorkflowUpdate("setWeights")]
    public Task<OverrideOutcome> SetWeightsOverrideAsync(SetWeightsOverride request) => ExecuteOverrideAsync(request);

    /// <summary>Refuses weights that name unknown or unhealthy infra-sets, sum to zero, or race a running delivery.</summary>
    /// <param name="request">The override.</param>
    [WorkflowUpdateValidator(nameof(SetWeightsOverrideAsync))]
    public void ValidateSetWeights(SetWeightsOverride request) => ThrowIfRefused(request);

    /// <summary>The signal form of <see cref="SetWeightsOverrideAsync"/>.</summary>
    /// <param name="request">The override.</param>
    /// <returns>A task that completes when the override is handled.</returns>
    [WorkflowSignal("setWeights")]
    public Task SetWeightsSignalAsync(SetWeightsOverride request) => OverrideSignalAsync(request);

    private async Task<OverrideOutcome> ExecuteOverrideAsync(Override request)
    {
        var action = await SubmitAsync(request);
        return await action.OutcomeAsync();
    }

    private async Task OverrideSignalAsync(Override request)
    {
        if (Refusal(request) is { } refusal)
        {
            Record(request, Workflow.Info.WorkflowId, false, refusal.Message);
            return;
        }

        await SubmitAsync(request);
    }

    /// <summary>
    /// Hands an override to the current mutator: forwarded to the running delivery, or queued for the main loop (which
    /// serves overrides before cleanup and before the next delivery).
    /// </summary>
    private async Task<OverrideTicket> SubmitAsync(Override request)
    {
        var action = new OverrideTicket(request);
        if (runningDeliveryId is { } deliveryId)
        {
            // The delivery starts a moment after it becomes active; wait for its handle (or its end).
            await Workflow.WaitConditionAsync(() => activeHandle is not null || runningDeliveryId != deliveryId);
            if (activeHandle is { } handle && runningDeliveryId == deliveryId)
            {
                var id = Workflow.NewGuid().ToString();
                try
                {
                    await handle.SignalAsync(d => d.EnvironmentOverrideAsync(new ForwardedOverride(id, request)));
                    await Workflow.WaitConditionAsync(() => forwardedOutcomes.ContainsKey(id) || runningDeliveryId != deliveryId);
                }
                catch (FailureException)
                {
                    // The delivery ended before the signal reached it: the environment is the mutator again.
                }

                if (forwardedOutcomes.Remove(id, out var outcome))
                {
                    Record(request, deliveryId, outcome.Applied, outcome.Message);
                    action.Finish(outcome.Applied, outcome.Message, outcome.Weights, outcome.WeightsBefore);
                    return action;
                }
            }
        }

        actions.Add(action);
        return action;
    }

    /// <summary>Applies an override as the environment's mutator, validating it again against the state it meets now.</summary>
    private async Task ApplyAsync(OverrideTicket action)
    {
        var request = action.Request;
        if (Refusal(request) is { } refusal)
        {
            Record(request, Workflow.Info.WorkflowId, false, refusal.Message);
            action.Finish(false, refusal.Message, state.Weights);
            return;
        }

        try
        {
            string message;
            var before = state.Weights;
            var who = $"{request.RequestedBy}: {request.Reason}";
            if (request is RollbackOverride rollback)
            {
                OverrideValidator.ResolveRollbackTarget(rollback, state, out var target);
                var next = Patches.RollBack(state, target!);
                state = next with { Weights = await SetWeightsAsync(next.Weights, "rollback") };
                message = $"rolled back to {target} by {who}: all traffic on it";
                Note("Rollback", message);
            }
            else
            {
                var weights = ((SetWeightsOverride)request).Weights;
                var next = EnvironmentTransitions.SetWeights(state, weights, null);
                state = next with { Weights = await SetWeightsAsync(weights, "weights") };
                message = $"weights set to {state.Weights} by {who}";
                Note("WeightsSet", message);
            }

            Record(request, Workflow.Info.WorkflowId, true, message);
            action.Finish(true, message, state.Weights, before);
        }
        catch (Exception e) when (e is ActivityFailureException or InvariantViolationException)
        {
            var message = $"cannot {request.Verb}: {e.InnerException?.Message ?? e.Message}";
            Record(request, Workflow.Info.WorkflowId, false, message);
            action.Finish(false, message, state.Weights);
        }
    }

    private void ThrowIfRefused(Override request)
    {
        if (Refusal(request) is { } refusal)
        {
            throw new ApplicationFailureException(refusal.Message, refusal.Code, nonRetryable: true);
        }
    }

    private OverrideRefusal? Refusal(Override request)
    {
        if (request is not (RollbackOverride or SetWeightsOverride))
        {
            return new OverrideRefusal { Code = OverrideRefusalCodes.WrongDeliveryState, Message = $"cannot {request.Verb} an environment: send it to the delivery (ddctl delivery {request.Verb.Split(' ')[0]} <id>)" };
        }

        if (OverrideValidator.Validate(request, state) is { } refusal)
        {
            return refusal;
        }

        return request is SetWeightsOverride && state.ActiveDelivery is { Paused: false, Phase: not DeliveryPhase.CleaningUp } active
            ? new OverrideRefusal
            {
                Code = OverrideRefusalCodes.WrongDeliveryState,
                Message = $"cannot set weights: delivery '{active.DeliveryId}' is rolling out ({active.Phase}); pause it first (ddctl delivery pause {active.DeliveryId}) or abort it",
            }
            : null;
    }

    private void Record(Override request, string handledBy, bool applied, string message)
    {
        overrides.Add(new OverrideRecord { Request = request, HandledBy = handledBy, HandledAt = Now, Applied = applied, Message = message });
        if (overrides.Count > KeepRecords * 2)
        {
            overrides.RemoveRange(0, overrides.Count - KeepRecords);
        }
    }
}
