using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Overrides;

/// <summary>
/// Issue 4, 4 (first half): pause, resume, extend-bake and promote through the real CLI against a running delivery;
/// refused overrides exit 1 with the workflow's reason and leave no trace.
/// </summary>
/// <remarks>
/// The 10% step bakes 6 s: long enough for a pause (one ddctl run) to land in it on a busy machine, short enough to
/// watch its planned end pass while paused. The 45 s extension leaves time for the commands after the resume.
/// </remarks>
public sealed class PauseExtendPromoteTests() : RigTest(new RigOptions { FirstBake = TimeSpan.FromSeconds(6) })
{
    private const string Id = "delivery/demo/2";

    [Fact]
    public async Task PauseStopsTheBake_ExtendWhilePaused_ResumeKeepsTheTimeLeft_PromoteSkipsToHundred()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v2"))).ShouldBe(Id);
        var baking = await Rig.WaitPhaseAsync(Id, DeliveryPhase.Baking, step: 0);
        var v2 = baking.InfraSetId!;
        var bakeEndedAt = baking.BakeEndsAt!.Value;

        // pause: the bake clock stops; nothing moves at the provider, also well past the planned end of the bake.
        var pause = (await Rig.CliAsync("delivery", "pause", Id, "--reason", "checking an alert", "--as", "tester", "-o", "json")).OkJson();
        pause["message"]!.GetValue<string>().ShouldBe($"paused {Id} at step 1/3 (10%)");
        WeightTable.Format(pause["weights"]!).ShouldBe($"{v1}=90,{v2}=10");
        var revision = (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision;
        var paused = (await Rig.DeliveryStatusAsync(Id));
        paused.Paused.ShouldBeTrue();
        paused.PausedReason.ShouldBe("paused by tester: checking an alert");
        paused.BakeEndsAt.ShouldBeNull();
        await Eventually.EventuallyAsync(
            async () =>
            {
                var s = (await Rig.DeliveryStatusAsync(Id));
                (s.Paused, s.Phase, s.StepIndex, s.Steps[0].Gates.Count, s.Outcome).ShouldBe((true, DeliveryPhase.Baking, 0, 0, (DeliveryOutcome?)null), "paused: no gate, no next step");
                (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision.ShouldBe(revision, "paused: the weights stay");
                return DateTimeOffset.UtcNow > bakeEndedAt + TimeSpan.FromSeconds(1);
            },
            TimeSpan.FromSeconds(30),
            "the planned end of the bake passes while paused");

        var again = await Rig.CliAsync("delivery", "pause", Id, "--reason", "twice", "--as", "tester");
        again.ExitCode.ShouldBe(1, again.ToString());
        again.Stderr.ShouldBe($"error: {Id} refused the pause: cannot pause: delivery '{Id}' is already paused\n");

        // extend-bake while paused: added to what is left.
        var extend = (await Rig.CliAsync("delivery", "extend-bake", Id, "--by", "45s", "--reason", "need more data", "--as", "tester", "-o", "json")).OkJson();
        extend["message"]!.GetValue<string>().ShouldBe("bake of step 1/3 (10%) extended by 45s");

        // resume: the bake goes on for the time it had left when paused, plus the extension.
        var resume = (await Rig.CliAsync("delivery", "resume", Id, "--reason", "alert unrelated", "--as", "tester", "-o", "json")).OkJson();
        resume["message"]!.GetValue<string>().ShouldBe($"resumed {Id} at step 1/3 (10%)");
        var resumed = (await Rig.DeliveryStatusAsync(Id));
        resumed.Paused.ShouldBeFalse();
        resumed.Steps[0].Extended.ShouldBe(TimeSpan.FromSeconds(45));
        var pausedAt = resumed.Timeline.Single(t => t.Kind == "Paused").At;
        var resumedAt = resumed.Timeline.Single(t => t.Kind == "Resumed").At;
        // A pause that lands after the planned end of the bake, before its gate ran (the CLI process starting slowly on a
        // loaded machine: seen in a CI run, 262 ms late), left no time: the delivery counts what is left from zero.
        var leftWhenPaused = bakeEndedAt - pausedAt;
        if (leftWhenPaused < TimeSpan.Zero)
        {
            leftWhenPaused = TimeSpan.Zero;
        }

        (resumed.BakeEndsAt!.Value - resumedAt).TotalSeconds.ShouldBe(
            (leftWhenPaused + TimeSpan.FromSeconds(45)).TotalSeconds,
            0.2,
            $"the bake ends the time it had left plus the extension after the resume (bake end {bakeEndedAt:O}, paused {pausedAt:O}, resumed {resumedAt:O}, new end {resumed.BakeEndsAt:O})");

        var notPaused = await Rig.CliAsync("delivery", "resume", Id, "--reason", "twice", "--as", "tester");
        notPaused.ExitCode.ShouldBe(1, notPaused.ToString());
        notPaused.Stderr.ShouldBe($"error: {Id} refused the resume: cannot resume: delivery '{Id}' is not paused\n");

        // promote during the 10% bake: all traffic to v2 at once, the 50% step skipped.
        var promote = (await Rig.CliAsync("delivery", "promote", Id, "--reason", "hotfix", "--as", "tester", "-o", "json")).OkJson();
        promote["message"]!.GetValue<string>().ShouldBe($"promoted by tester: hotfix; {v2} takes all traffic and is last known good");
        WeightTable.Format(promote["weights"]!).ShouldBe($"{v2}=100");
        WeightTable.Format((await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Weights).ShouldBe($"{v2}=100", "applied before the command returned");
        var ended = await Rig.WaitSettledAsync(Id);
        (ended.Outcome, ended.OutcomeReason).ShouldBe((DeliveryOutcome.Promoted, "Promoted"));
        ended.Steps[0].Gates.ShouldBeEmpty("promoted before the 10% gate");
        ended.Steps[1].StartedAt.ShouldBeNull("the 50% step was skipped");
        ended.Overrides.Select(o => (o.Request.GetType(), o.Applied, o.HandledBy)).ShouldBe(
        [
            (typeof(PauseOverride), true, Id), (typeof(ExtendBakeOverride), true, Id), (typeof(ResumeOverride), true, Id), (typeof(PromoteOverride), true, Id),
        ], "every applied override is recorded; refused updates leave no trace");
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v2}=100");

        // Once it ended, the CLI refuses further overrides with the outcome and what to do instead.
        var late = await Rig.CliAsync("delivery", "abort", Id, "--reason", "too late", "--as", "tester");
        late.ExitCode.ShouldBe(1, late.ToString());
        late.Stderr.ShouldBe(
            $"error: cannot abort: delivery '{Id}' has ended (Promoted: promoted by tester: hotfix; {v2} takes all traffic and is last known good); "
            + "to move traffic now use ddctl env rollback demo or ddctl env set-weights demo.\n");
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", Id).ShouldBe([v1, v2]);
        await Rig.ShouldKeepInvariantsAsync();
    }
}
