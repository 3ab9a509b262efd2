using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.Traffic;
using Temporalio.Workflows;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>Baking at a step while the health gate watches.</summary>
public sealed partial class DeliveryWorkflow
{
    /// <summary>
    /// Bakes at step <paramref name="i"/>: waits the bake time (paused time does not count, extensions add to it),
    /// runs an interim gate every <see cref="InterimGateInterval"/> of a long bake and the gate at its end, and reads
    /// the new infra-set's health every <see cref="HealthySlice"/>.
    /// </summary>
    /// <returns>Why the step failed (a failed gate, or the new infra-set unhealthy for longer than <see cref="UnhealthyGrace"/>),
    /// or <see langword="null"/> when the step passed or an override interrupted it.</returns>
    /// <remarks>
    /// A marginal gate bakes once more; a second marginal or an inconclusive gate (too little data is never a pass)
    /// pauses the delivery for a person, who resumes (bake again), promotes or aborts. A bake does not end while the new
    /// infra-set is seen unhealthy: it recovers (the step goes on) or the grace runs out (rollback). Health is not read
    /// while paused (the bake clock stops), nor in runs recorded before the health watch (<see cref="Patches.BakeWatchesHealth"/>).
    /// </remarks>
    private async Task<BakeFailure?> BakeAsync(int i)
    {
        await SetPhaseAsync(DeliveryPhase.Baking, i);
        var step = steps[i];
        var gated = stable is not null && canary != stable && step.Percent < 100;
        var watch = stable is not null && canary != stable && Workflow.Patched(Patches.BakeWatchesHealth);
        var since = Now;
        var end = Now + step.Bake;
        var interimAt = since + InterimGateInterval;
        var healthAt = since + HealthySlice;
        var bakedAgain = false;
        canaryUnhealthySince = null;
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
                healthAt = Now + HealthySlice;
                canaryUnhealthySince = null;
                continue;
            }

            if (pendingExtension > TimeSpan.Zero)
            {
                end += pendingExtension;
                steps[i] = steps[i] with { Extended = steps[i].Extended + pendingExtension };
                pendingExtension = TimeSpan.Zero;
            }

            bakeEndsAt = end;

            // Health first when it is due, also at the bake's end: a gate never passes a step whose new infra-set is
            // unhealthy at that moment. Checks keep a fixed cadence from the bake's start (activities take time, and a
            // cadence that drifted would miss the check at the end).
            if (watch && Now >= healthAt)
            {
                var due = healthAt;
                while (healthAt <= Now)
                {
                    due = healthAt;
                    healthAt += HealthySlice;
                }

                if (await WatchHealthAsync(i, due) is { } unhealthy)
                {
                    return unhealthy;
                }

                continue;
            }

            var waitingOnHealth = watch && canaryUnhealthySince is not null;
            if (Now >= end && !waitingOnHealth)
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
                        return GateFailed(i, gate);
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

            // Past the end only while waiting for an unhealthy infra-set to recover; otherwise the bake end, the next
            // interim gate, or the next health check, whichever comes first.
            var wakeAt = Now >= end ? healthAt : gated && interimAt < end ? interimAt : end;
            if (watch && healthAt < wakeAt)
            {
                wakeAt = healthAt;
            }

            await Workflow.WaitConditionAsync(() => paused || pending is not null || pendingExtension > TimeSpan.Zero, Until(wakeAt));
            if (gated && Now >= interimAt && Now < end && !paused && pending is null)
            {
                interimAt = Now + InterimGateInterval;
                var interim = await EvaluateGateAsync(i, since, interim: true);
                if (interim.Result.Verdict == GateVerdict.Fail)
                {
                    return GateFailed(i, interim);
                }
            }
        }
    }

    /// <summary>A duration for people: whole seconds (activities add milliseconds to every span measured here).</summary>
    private static TimeSpan WholeSeconds(TimeSpan span) => TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));

    private BakeFailure GateFailed(int i, GateRecord gate) =>
        new("GateFailed", $"health gate failed at step {i + 1} ({steps[i].Percent}%): {gate.Result.Message}");

    /// <summary>
    /// Reads the new infra-set's health once: notes when it turns unhealthy and when it recovers, and fails the step
    /// once it has been seen unhealthy for <see cref="UnhealthyGrace"/>.
    /// </summary>
    /// <param name="i">The step.</param>
    /// <param name="at">The check's point on the cadence: the grace is counted in whole checks, not in checks plus
    /// however late each timer's workflow task ran and however long each activity took.</param>
    private async Task<BakeFailure?> WatchHealthAsync(int i, DateTimeOffset at)
    {
        var seen = await Workflow.ExecuteActivityAsync((IDeliveryActivities a) => a.DescribeInfraSetAsync(canary!), Quick);
        if (seen.Healthy)
        {
            if (canaryUnhealthySince is { } from)
            {
                canaryUnhealthySince = null;
                Note("HealthyAgain", $"step {i + 1}: infra-set {canary} is healthy again after {Domain.Common.DurationText.Format(WholeSeconds(at - from))}");
                await ReportAsync();
            }

            return null;
        }

        if (canaryUnhealthySince is not { } since)
        {
            canaryUnhealthySince = at;
            Note("Unhealthy", $"step {i + 1}: infra-set {canary} is {seen.Status} ({seen.Message}); it keeps {steps[i].Percent}% of traffic for up to {Domain.Common.DurationText.Format(UnhealthyGrace)} unless it recovers");
            await ReportAsync();
            return null;
        }

        if (at - since < UnhealthyGrace)
        {
            return null;
        }

        var message = $"infra-set {canary} not healthy for {Domain.Common.DurationText.Format(WholeSeconds(at - since))} at step {i + 1} ({steps[i].Percent}%): {seen.Status} ({seen.Message})";
        Note("InfraSetUnhealthy", message);
        return new BakeFailure("InfraSetUnhealthy", message);
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
                BeginSettling(manual);
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

    /// <summary>Why a step failed: a reason code (<c>GateFailed</c>, <c>InfraSetUnhealthy</c>) and one line with the numbers.</summary>
    private sealed record BakeFailure(string Reason, string Message);
}
