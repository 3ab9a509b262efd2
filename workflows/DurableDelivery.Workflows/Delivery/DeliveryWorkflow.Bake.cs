using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>Baking at a step while the health gate watches.</summary>
public sealed partial class DeliveryWorkflow
{
    /// <summary>
    /// Bakes at step <paramref name="i"/>: waits the bake time (paused time does not count, extensions add to it),
    /// runs an interim gate every <see cref="InterimGateInterval"/> of a long bake and the gate at its end.
    /// </summary>
    /// <returns>The failed gate, or <see langword="null"/> when the step passed or an override interrupted it.</returns>
    /// <remarks>
    /// A marginal gate bakes once more; a second marginal or an inconclusive gate (too little data is never a pass)
    /// pauses the delivery for a person, who resumes (bake again), promotes or aborts.
    /// </remarks>
    private async Task<GateRecord?> BakeAsync(int i)
    {
        await SetPhaseAsync(DeliveryPhase.Baking, i);
        var step = steps[i];
        var gated = stable is not null && canary != stable && step.Percent < 100;
        var since = Now;
        var end = Now + step.Bake;
        var interimAt = since + InterimGateInterval;
        var bakedAgain = false;
        while (true)
        {
            if (pending is not null)
            {
                bakeEndsAt = null;
                return null;
            }

            if (paused)
            {
                var left = end - Now;
                bakeEndsAt = null;
                if (await WaitWhilePausedAsync())
                {
                    since = Now;
                }

                end = Now + (left > TimeSpan.Zero ? left : TimeSpan.Zero);
                continue;
            }

            if (pendingExtension > TimeSpan.Zero)
            {
                end += pendingExtension;
                steps[i] = steps[i] with { Extended = steps[i].Extended + pendingExtension };
                pendingExtension = TimeSpan.Zero;
            }

            bakeEndsAt = end;
            if (Now >= end)
            {
                bakeEndsAt = null;
                if (!gated)
                {
                    return null;
                }

                var gate = await EvaluateGateAsync(i, since, interim: false);
                switch (gate.Result.Verdict)
                {
                    case GateVerdict.Pass:
                        return null;
                    case GateVerdict.Fail:
                        return gate;
                    case GateVerdict.Marginal when !bakedAgain:
                        bakedAgain = true;
                        end = Now + (step.Bake > TimeSpan.Zero ? step.Bake : TimeSpan.FromSeconds(30));
                        Note("BakingAgain", $"step {i + 1} gate marginal (score {gate.Result.Score:0}); baking once more before deciding");
                        continue;
                    default:
                        await SetPausedAsync(true, $"gate {gate.Result.Verdict.ToString().ToLowerInvariant()} at step {i + 1}: {gate.Result.Message}; resume to bake again, promote, or abort");
                        end = Now + step.Bake;
                        continue;
                }
            }

            var wakeAt = gated && interimAt < end ? interimAt : end;
            await Workflow.WaitConditionAsync(() => paused || pending is not null || pendingExtension > TimeSpan.Zero, wakeAt - Now);
            if (gated && Now >= interimAt && Now < end && !paused && pending is null)
            {
                interimAt = Now + InterimGateInterval;
                var interim = await EvaluateGateAsync(i, since, interim: true);
                if (interim.Result.Verdict == GateVerdict.Fail)
                {
                    return interim;
                }
            }
        }
    }

    /// <summary>Reads the samples of the canary and the stable infra-set over the same window and judges them.</summary>
    private async Task<GateRecord> EvaluateGateAsync(int i, DateTimeOffset since, bool interim)
    {
        var settings = input.Environment.Gates;
        var window = Now - since;
        var samples = await Workflow.ExecuteActivityAsync(
            (IDeliveryActivities a) => a.CollectGateSamplesAsync(Environment, canary!, stable!, window, settings),
            Quick);
        var gate = GateEvaluator.Evaluate(settings, samples.Samples);
        if (samples.Unavailable is { } why)
        {
            gate = gate with { Message = $"{why}; {gate.Message}" };
        }

        var record = new GateRecord
        {
            StepIndex = i, At = Now, Window = window, CanaryInfraSetId = canary!, StableInfraSetId = stable!,
            CanaryRequests = samples.CanaryRequests, StableRequests = samples.StableRequests, Result = gate,
        };
        steps[i] = steps[i] with { Gates = [.. steps[i].Gates, record] };
        Note(
            gate.Reason,
            $"step {i + 1} {(interim ? "interim gate" : "gate")}: {gate.Verdict}{(gate.Score is { } score ? $" (score {score:0})" : string.Empty)}: {gate.Message} " +
            $"[{samples.CanaryRequests} vs {samples.StableRequests} requests over {Domain.Common.DurationText.Format(window)}]");
        await ReportAsync();
        return record;
    }

    /// <summary>
    /// Waits while the delivery is paused; manual weights forwarded by the environment are applied meanwhile.
    /// Returns early when a promote, abort or rollback is pending.
    /// </summary>
    /// <returns>Whether the weights changed while paused (the gate window starts again).</returns>
    private async Task<bool> WaitWhilePausedAsync()
    {
        var weightsChanged = false;
        while (paused)
        {
            await Workflow.WaitConditionAsync(() => !paused || pending is not null);
            if (pending is { Kind: PendingKind.SetWeights } manual)
            {
                pending = null;
                settling = manual;
                var who = $"{manual.Request.RequestedBy}: {manual.Request.Reason}";
                await ShiftAsync(manual.Weights!, "manual", $"weights set by {who}");
                FinishSettling($"weights set to {state.Weights} by {who}");
                await ReportAsync();
                weightsChanged = true;
                continue;
            }

            if (pending is not null)
            {
                break;
            }
        }

        return weightsChanged;
    }

    private async Task SetPausedAsync(bool value, string? reason)
    {
        paused = value;
        pausedReason = value ? reason : null;
        state = WithActive(a => a with { Paused = value });
        Note(value ? "Paused" : "Resumed", reason ?? (value ? "paused" : "resumed"));
        await ReportAsync();
    }
}
