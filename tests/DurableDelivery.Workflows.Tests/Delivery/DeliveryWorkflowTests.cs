using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using Temporalio.Exceptions;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using DurableDelivery.Workflows.Tests.Support;

namespace DurableDelivery.Workflows.Tests.Delivery;

/// <summary>The environment and delivery workflows end to end under virtual time, on an in-memory provider.</summary>
public sealed class DeliveryWorkflowTests
{
    [Fact]
    public Task FirstDelivery_TakesAllTrafficAndBecomesLastKnownGood() => DeliveryHarness.RunAsync(async h =>
    {
        var result = await h.DeliverAsync("1.0.0", "sample-v1");

        result.Outcome.ShouldBe(DeliveryOutcome.Promoted, result.Message);
        result.InfraSetId.ShouldBe("demo-sample-v1-0001");
        var status = await h.StatusAsync();
        status.LastKnownGood.ShouldBe("demo-sample-v1-0001");
        status.Weights.ShouldBe(TrafficWeights.All("demo-sample-v1-0001"));
        status.VersionSets.Count.ShouldBe(1);
        status.Deliveries.Single().State.ShouldBe(DeliveryState.Ended);
        await h.AssertSettledAsync();
    });

    [Fact]
    public Task GoodDelivery_ShiftsInStepsWithPassingGates_ThenPromotesAndKeepsPreviousWarm() => DeliveryHarness.RunAsync(async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1");
        var result = await h.DeliverAsync("2.0.0", "sample-v2");

        result.Outcome.ShouldBe(DeliveryOutcome.Promoted, result.Message);
        var delivery = await h.DeliveryStatusAsync("delivery/demo/2");
        delivery.Steps.Select(s => s.Percent).ShouldBe([10, 50, 100]);
        delivery.Steps[0].Weights.ShouldBe(TrafficWeights.Of(("demo-sample-v1-0001", 90), ("demo-sample-v2-0002", 10)));
        delivery.Steps[1].Weights.ShouldBe(TrafficWeights.Of(("demo-sample-v1-0001", 50), ("demo-sample-v2-0002", 50)));
        delivery.Steps[0].Gates.Single().Result.Verdict.ShouldBe(GateVerdict.Pass);
        delivery.Steps[1].Gates.Single().Result.Verdict.ShouldBe(GateVerdict.Pass);
        delivery.Steps[2].Gates.ShouldBeEmpty("at 100% the stable infra-set takes no traffic to compare with");
        var status = await h.StatusAsync();
        status.LastKnownGood.ShouldBe("demo-sample-v2-0002");
        status.Warm.ShouldBe(["demo-sample-v1-0001", "demo-sample-v2-0002"]);
        status.RollbackTarget.ShouldBe("demo-sample-v1-0001");
        await h.AssertSettledAsync();
        await h.RecordGoldenAsync("delivery/demo/2", "delivery-promoted");
    });

    [Fact]
    public Task BadDelivery_GateFails_TrafficReturnsToLastKnownGoodAndFailedSetIsDeleted() => DeliveryHarness.RunAsync(async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1");
        await h.DeliverAsync("2.0.0", "sample-v2");
        var result = await h.DeliverAsync("3.0.0", "sample-v3-bad");

        result.Outcome.ShouldBe(DeliveryOutcome.RolledBack);
        result.Reason.ShouldBe("GateFailed");
        result.Message.ShouldContain("health gate failed at step 1 (10%)");
        var delivery = await h.DeliveryStatusAsync("delivery/demo/3");
        var gate = delivery.Steps[0].Gates.Single();
        gate.Result.Verdict.ShouldBe(GateVerdict.Fail);
        gate.Result.Metrics.Single(m => m.Kind == MetricKind.ErrorRate).CanaryMean!.Value.ShouldBe(0.3, 0.01);
        gate.CanaryRequests.ShouldBeGreaterThan(0);
        delivery.Steps[1].StartedAt.ShouldBeNull("no traffic step after the failed gate");
        delivery.Timeline.Count(t => t.Kind == "GateFailed").ShouldBe(1, "one line per gate; the rollback has its own");
        delivery.Timeline.Single(t => t.Kind == "RolledBack").Message.ShouldContain("traffic returned to demo-sample-v2-0002");
        h.Provider.Current("demo").ShouldBe(new Dictionary<string, int> { ["demo-sample-v2-0002"] = 100 });
        h.Provider.Existing().ShouldNotContain("demo-sample-v3-bad-0003");
        var status = await h.StatusAsync();
        status.LastKnownGood.ShouldBe("demo-sample-v2-0002");
        status.InfraSets.Single(s => s.Id == "demo-sample-v3-bad-0003").Retired.ShouldBeTrue();
        await h.AssertSettledAsync();
        await h.RecordGoldenAsync("delivery/demo/3", "delivery-gate-failed");
    });

    [Fact]
    public Task ManualRollback_AfterPromotion_PutsAllTrafficOnPreviousWarmSet() => DeliveryHarness.RunAsync(async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1");
        await h.DeliverAsync("2.0.0", "sample-v2");

        var outcome = await h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "alice", Reason = "customer reports", RequestedAt = DateTimeOffset.UnixEpoch }));

        outcome.Weights.ShouldBe(TrafficWeights.All("demo-sample-v1-0001"));
        outcome.Message.ShouldContain("rolled back to demo-sample-v1-0001 by alice: customer reports");
        h.Provider.Current("demo").ShouldBe(new Dictionary<string, int> { ["demo-sample-v1-0001"] = 100 });
        var status = await DurableDelivery.Tests.Shared.Eventually.UntilAsync(h.StatusAsync, s => !s.Warm.Contains("demo-sample-v2-0002"), TimeSpan.FromSeconds(10), "v2 retired and cleaned up");
        status.LastKnownGood.ShouldBe("demo-sample-v1-0001");
        status.Overrides.Single().Request.ShouldBeOfType<RollbackOverride>().RequestedBy.ShouldBe("alice");
        status.Overrides.Single().Applied.ShouldBeTrue();
        await h.AssertSettledAsync();
        await h.RecordGoldenAsync("env/demo", "environment-deliveries-and-rollback");
    });

    [Fact]
    public Task Rollback_AfterManualSplitBetweenTwoReleases_KeepsTheOtherReleaseWarmAsRollbackTarget() => DeliveryHarness.RunAsync(async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1");
        await h.DeliverAsync("2.0.0", "sample-v2");
        const string V1 = "demo-sample-v1-0001", V2 = "demo-sample-v2-0002";
        var split = new SetWeightsOverride { Weights = TrafficWeights.Of((V1, 50), (V2, 50)), RequestedBy = "alice", Reason = "compare", RequestedAt = DateTimeOffset.UnixEpoch };
        await h.Environment.ExecuteUpdateAsync(e => e.SetWeightsOverrideAsync(split));

        var outcome = await h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "alice", Reason = "back to one release", RequestedAt = DateTimeOffset.UnixEpoch }));

        outcome.Weights.ShouldBe(TrafficWeights.All(V2));
        var status = await DurableDelivery.Tests.Shared.Eventually.UntilAsync(h.StatusAsync, s => s.Timeline[^1].Kind == "Rollback", TimeSpan.FromSeconds(10), "rollback applied");
        status.InfraSets.Single(s => s.Id == V1).Retired.ShouldBeFalse();
        status.RollbackTarget.ShouldBe(V1, "the other release stays warm: a second rollback has somewhere to go");
        status.Warm.ShouldBe([V1, V2]);
        h.Provider.Existing().ShouldBe([V1, V2]);
        await h.AssertSettledAsync();

        // The next release still finds a stable infra-set and a warm retention of 1 to trim to.
        (await h.DeliverAsync("3.0.0", "sample-v3")).Outcome.ShouldBe(DeliveryOutcome.Promoted);
        await DurableDelivery.Tests.Shared.Eventually.UntilAsync(h.StatusAsync, s => s.ActiveDelivery is null, TimeSpan.FromSeconds(10), "v3 recorded");
        h.Provider.Existing().ShouldBe([V2, "demo-sample-v3-0003"]);
        await h.AssertSettledAsync();
        await h.RecordGoldenAsync("env/demo", "environment-rollback-after-split");
    });

    [Fact]
    public Task Rollback_WithoutWarmTarget_IsRefusedAndChangesNothing() => DeliveryHarness.RunAsync(async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1");
        var before = h.Provider.WeightChanges.Count;

        var error = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "alice", Reason = "why not", RequestedAt = DateTimeOffset.UnixEpoch })));

        error.InnerException!.Message.ShouldEndWith("cannot roll back: demo-sample-v1-0001 already takes 100% of traffic; no other warm infra-set to roll back to");
        h.Provider.WeightChanges.Count.ShouldBe(before);
        (await h.StatusAsync()).Overrides.ShouldBeEmpty("a refused update leaves no trace");
    });

    [Fact]
    public Task InvalidVersionSet_IsRefusedBeforeAnythingIsProvisioned() => DeliveryHarness.RunAsync(async h =>
    {
        var bad = DeliveryHarness.VersionSet("1.0.0", "sample-v1") with { Components = [] };

        var error = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Environment.ExecuteUpdateAsync(e => e.RequestDeliveryAsync(new DeliveryRequest
        {
            Environment = DeliveryHarness.Declaration(), VersionSet = bad, RequestedBy = "tester", RequestedAt = DateTimeOffset.UnixEpoch,
        })));

        error.InnerException!.Message.ShouldStartWith("cannot deliver: 2 problem(s):");
        error.InnerException!.Message.ShouldContain("no component 'app'");
        h.Provider.Created.ShouldBe(0);
        (await h.StatusAsync()).Deliveries.ShouldBeEmpty();
    });

    [Fact]
    public Task Request_GatedStepBakingTooBrieflyForItsGate_IsRefusedBeforeAnythingIsProvisioned() => DeliveryHarness.RunAsync(async h =>
    {
        // Built in code, as a client could send it: the reader's check is not enough, the environment checks again.
        var zeroBake = DeliveryHarness.Declaration() with
        {
            Rollout = new RolloutPlan { Steps = [new RolloutStep { Weight = 10 }, new RolloutStep { Weight = 50, Bake = TimeSpan.FromSeconds(5) }, new RolloutStep { Weight = 100 }] },
        };

        var error = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Environment.ExecuteUpdateAsync(e => e.RequestDeliveryAsync(new DeliveryRequest
        {
            Environment = zeroBake, VersionSet = DeliveryHarness.VersionSet("1.0.0", "sample-v1"), RequestedBy = "tester", RequestedAt = DateTimeOffset.UnixEpoch,
        })));

        error.InnerException!.Message.ShouldBe(
            "cannot deliver: " +
            "Rollout step 1 (weight 10) bakes 0s, but its health gate needs 10 per-second data points (gates.minDataPoints), so at least 10s. Set this step's 'bake' to 10s or more, or lower gates.minDataPoints. | " +
            "Rollout step 2 (weight 50) bakes 5s, but its health gate needs 10 per-second data points (gates.minDataPoints), so at least 10s. Set this step's 'bake' to 10s or more, or lower gates.minDataPoints.");
        h.Provider.Created.ShouldBe(0);
        (await h.StatusAsync()).Deliveries.ShouldBeEmpty();
    });

    private static readonly string MinuteBakes = DeliveryHarness.EnvironmentYaml.Replace("bake: 15s", "bake: 1m", StringComparison.Ordinal);

    private static Task WithHealthScriptAsync(string artifact, Providers.InfraSetStatus[] script, Func<DeliveryHarness, Task> body)
    {
        var provider = new InMemoryProvider();
        provider.HealthScripts[artifact] = new Queue<Providers.InfraSetStatus>(script);
        return DeliveryHarness.RunAsync(body, provider);
    }

    [Fact]
    public Task CanaryTurningUnhealthyDuringABake_IsRolledBackAfterTheGracePeriod_BeforeTheBakeEnds() =>
        WithHealthScriptAsync("sample-v2-crashloop", [Providers.InfraSetStatus.Unhealthy], async h =>
        {
            await h.DeliverAsync("1.0.0", "sample-v1");
            var ticket = await h.RequestAsync("2.0.0", "sample-v2-crashloop", MinuteBakes);

            var result = await h.ResultAsync(ticket.DeliveryId);

            result.Outcome.ShouldBe(DeliveryOutcome.RolledBack, result.Message);
            result.Reason.ShouldBe("InfraSetUnhealthy");
            result.Message.ShouldBe("infra-set demo-sample-v2-crashloop-0002 not healthy for 30s at step 1 (10%): Unhealthy (instance 1 exited with code 139; restarting); traffic returned to demo-sample-v1-0001");
            var delivery = await h.DeliveryStatusAsync(ticket.DeliveryId);
            (delivery.Steps[0].EndedAt! - delivery.Steps[0].StartedAt!).Value.ShouldBeInRange(TimeSpan.FromSeconds(35), TimeSpan.FromSeconds(36), "first seen unhealthy at 5 s, rolled back 30 s later (plus the activities' real time): not at the end of the 1 minute bake");
            delivery.Steps[0].Gates.ShouldBeEmpty();
            delivery.Timeline.Select(t => t.Kind).Where(k => k is "Unhealthy" or "InfraSetUnhealthy" or "RolledBack").ShouldBe(["Unhealthy", "InfraSetUnhealthy", "RolledBack"]);
            h.Provider.Current("demo").ShouldBe(new Dictionary<string, int> { ["demo-sample-v1-0001"] = 100 });
            h.Provider.Existing().ShouldBe(["demo-sample-v1-0001"]);
            (await h.StatusAsync()).LastKnownGood.ShouldBe("demo-sample-v1-0001");
            await h.AssertSettledAsync();
            await h.RecordGoldenAsync(ticket.DeliveryId, "delivery-unhealthy-during-bake");
        });

    [Fact]
    public Task CanaryUnhealthyAtTheEndOfABake_TheGateWaits_AndTheDeliveryRollsBack() =>
        WithHealthScriptAsync("sample-v2-late", [Providers.InfraSetStatus.Healthy, Providers.InfraSetStatus.Healthy, Providers.InfraSetStatus.Degraded], async h =>
        {
            await h.DeliverAsync("1.0.0", "sample-v1");

            var result = await h.DeliverAsync("2.0.0", "sample-v2-late");

            result.Outcome.ShouldBe(DeliveryOutcome.RolledBack, result.Message);
            result.Reason.ShouldBe("InfraSetUnhealthy");
            var delivery = await h.DeliveryStatusAsync("delivery/demo/2");
            delivery.Steps[0].Gates.ShouldBeEmpty("a gate does not pass a step whose new infra-set is seen unhealthy");
            delivery.Steps[1].StartedAt.ShouldBeNull();
            await h.AssertSettledAsync();
        });

    [Fact]
    public Task CanaryUnhealthyForLessThanTheGracePeriod_DeliveryGoesOnAndSaysSo() =>
        WithHealthScriptAsync("sample-v2-blip", [Providers.InfraSetStatus.Degraded, Providers.InfraSetStatus.Degraded, Providers.InfraSetStatus.Healthy], async h =>
        {
            await h.DeliverAsync("1.0.0", "sample-v1");
            var ticket = await h.RequestAsync("2.0.0", "sample-v2-blip", MinuteBakes);

            var result = await h.ResultAsync(ticket.DeliveryId);

            result.Outcome.ShouldBe(DeliveryOutcome.Promoted, result.Message);
            var timeline = (await h.DeliveryStatusAsync(ticket.DeliveryId)).Timeline;
            timeline.Single(t => t.Kind == "Unhealthy").Message.ShouldStartWith("step 1: infra-set demo-sample-v2-blip-0002 is Degraded (instance 1 exited with code 139; restarting)");
            timeline.Single(t => t.Kind == "HealthyAgain").Message.ShouldBe("step 1: infra-set demo-sample-v2-blip-0002 is healthy again after 10s");
            await h.AssertSettledAsync();
            await h.RecordGoldenAsync(ticket.DeliveryId, "delivery-promoted-health-watched");
        });

    [Fact]
    public Task NeverHealthy_FailsWithoutMovingTrafficAndDeletesTheSet() => DeliveryHarness.RunAsync(async h =>
    {
        h.Provider.NeverHealthy.Add("sample-never");
        await h.DeliverAsync("1.0.0", "sample-v1");
        var changes = h.Provider.WeightChanges.Count;

        var result = await h.DeliverAsync("2.0.0", "sample-never");

        result.Outcome.ShouldBe(DeliveryOutcome.Failed);
        result.Reason.ShouldBe("NeverHealthy");
        h.Provider.WeightChanges.Count.ShouldBe(changes, "an unhealthy infra-set never gets traffic");
        h.Provider.Existing().ShouldBe(["demo-sample-v1-0001"]);
        await h.AssertSettledAsync();
    });

    [Fact]
    public Task UnknownArtifact_FailsWithProviderReasonAndNoTrafficChange() => DeliveryHarness.RunAsync(async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1");

        var result = await h.DeliverAsync("2.0.0", "missing-v2");

        result.Outcome.ShouldBe(DeliveryOutcome.Failed);
        result.Reason.ShouldBe("ProviderRefused");
        result.Message.ShouldContain("artifact 'missing-v2' not found");
        await h.AssertSettledAsync();
    });
}
