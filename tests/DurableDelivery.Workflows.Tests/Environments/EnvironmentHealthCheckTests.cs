using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using Temporalio.Exceptions;
using Temporalio.Api.Enums.V1;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using DurableDelivery.Workflows.Tests.Support;
using static DurableDelivery.Tests.Shared.Eventually;
using ProviderStatus = DurableDelivery.Providers.InfraSetStatus;

namespace DurableDelivery.Workflows.Tests.Environments;

/// <summary>Between deliveries the environment checks the infra-sets it keeps warm, so a dead rollback target shows before anyone needs it.</summary>
public sealed class EnvironmentHealthCheckTests
{
    private const string V1 = "demo-sample-v1-0001";
    private const string V2 = "demo-sample-v2-0002";
    private const string V3 = "demo-sample-v3-0003";
    private static readonly TimeSpan Interval = EnvironmentDeclaration.DefaultHealthCheckInterval;
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;
    // The day's 720 checks run in a few seconds of real time; the default (1 minute) doubles that for the same bound.
    private static readonly string EveryTwoMinutes = DeliveryHarness.EnvironmentYaml + "\nhealthCheckInterval: 2m\n";
    private static readonly string WarmTwo = DeliveryHarness.EnvironmentYaml.Replace("warmRetention: 1", "warmRetention: 2", StringComparison.Ordinal);

    [Fact]
    public Task KeptWarmSetThatDies_IsReportedUnhealthyWithinOneInterval_RollbackRefusedSayingWhy_ThenWarmAgainWhenItRecovers() => DeliveryHarness.RunAsync(async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1");
        await h.DeliverAsync("2.0.0", "sample-v2");
        (await SettledAsync(h)).RollbackTarget.ShouldBe(V1);

        h.Provider.HealthScripts["sample-v1"] = new([ProviderStatus.Unhealthy]);
        var died = await h.Env.NowAsync();

        var status = await UntilAsync(h.StatusAsync, s => s.RollbackTargetWarning is not null, TimeSpan.FromSeconds(20), "v1 found unhealthy");
        var v1 = status.InfraSets.Single(s => s.Id == V1);
        v1.Status.ShouldBe(InfraSetStatus.Unhealthy);
        // Activities take real time on the server's clock, so checks come a few milliseconds later than the interval.
        v1.UnhealthySince!.Value.ShouldBeLessThanOrEqualTo(died + Interval + TimeSpan.FromSeconds(1), "found within one interval of dying");
        v1.HealthCheck.ShouldBe("Unhealthy: instance 1 exited with code 139; restarting");
        status.Warm.ShouldBe([V2]);
        status.RollbackTarget.ShouldBeNull();
        status.RollbackTargetWarning!.Code.ShouldBe(RollbackTargetWarningCodes.NoWarmRollbackTarget);
        status.RollbackTargetWarning.InfraSetId.ShouldBe(V1);
        status.RollbackTargetWarning.Message.ShouldStartWith($"rollback target '{V1}' is Unhealthy since ");
        status.RollbackTargetWarning.Message.ShouldEndWith("(Unhealthy: instance 1 exited with code 139; restarting); there is no warm infra-set to roll back to: a rollback would be refused");
        h.Provider.Existing().ShouldBe([V1, V2], "a kept infra-set found unhealthy is kept while it may recover");

        var refused = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "alice", Reason = "errors", RequestedAt = At })));
        refused.InnerException!.Message.ShouldContain($"cannot roll back: {V2} already takes 100% of traffic; no other warm infra-set to roll back to (previous release '{V1}' is Unhealthy since ");

        h.Provider.HealthScripts["sample-v1"] = new([ProviderStatus.Healthy]);
        status = await UntilAsync(h.StatusAsync, s => s.Warm.Contains(V1), TimeSpan.FromSeconds(20), "v1 warm again");
        status.RollbackTarget.ShouldBe(V1);
        status.RollbackTargetWarning.ShouldBeNull();
        status.InfraSets.Single(s => s.Id == V1).UnhealthySince.ShouldBeNull();
        status.Violations.ShouldBeEmpty();

        // Only changes of warmth reach the timeline, however many checks ran.
        status.Timeline.Select(t => t.Kind).Where(k => k is "InfraSetUnhealthy" or "InfraSetWarmAgain" or "NoWarmRollbackTarget" or "RollbackTargetWarm")
            .ShouldBe(["InfraSetUnhealthy", "NoWarmRollbackTarget", "InfraSetWarmAgain", "RollbackTargetWarm"]);
        status.Timeline.Single(t => t.Kind == "InfraSetUnhealthy").Message.ShouldBe($"{V1} is not warm: Unhealthy: instance 1 exited with code 139; restarting; it is kept while it may recover");

        var outcome = await h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "alice", Reason = "errors", RequestedAt = At }));
        outcome.Weights.ShouldBe(TrafficWeights.All(V1));
        await UntilAsync(h.StatusAsync, s => s.InfraSets.Single(i => i.Id == V2).Status == InfraSetStatus.Deleted, TimeSpan.FromSeconds(10), "v2, rolled back from, cleaned up");
        await h.AssertSettledAsync();
        await h.Env.SetAutoTimeSkippingAsync(false);
        await h.RecordGoldenAsync("env/demo", "environment-kept-set-unhealthy-then-warm");
    });

    [Fact]
    public Task RollbackTargetDies_RollbackWithoutTo_GoesToTheNextWarmHealthySet() => DeliveryHarness.RunAsync(
        async h =>
        {
            await h.DeliverAsync("1.0.0", "sample-v1", WarmTwo);
            await h.DeliverAsync("2.0.0", "sample-v2", WarmTwo);
            await h.DeliverAsync("3.0.0", "sample-v3", WarmTwo);
            (await SettledAsync(h)).RollbackTarget.ShouldBe(V2);

            h.Provider.HealthScripts["sample-v2"] = new([ProviderStatus.Unhealthy]);

            var status = await UntilAsync(h.StatusAsync, s => s.RollbackTargetWarning is not null, TimeSpan.FromSeconds(20), "v2 found unhealthy");
            status.RollbackTarget.ShouldBe(V1);
            status.RollbackTargetWarning!.Code.ShouldBe(RollbackTargetWarningCodes.RollbackTargetUnhealthy);
            status.RollbackTargetWarning.Fallback.ShouldBe(V1);
            status.RollbackTargetWarning.Message.ShouldEndWith($"a rollback without --to goes to '{V1}' instead");

            var outcome = await h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "alice", Reason = "v3 errors", RequestedAt = At }));

            outcome.Weights.ShouldBe(TrafficWeights.All(V1));
            h.Provider.Current("demo").ShouldBe(new Dictionary<string, int> { [V1] = 100 });
            h.AssertEveryWeightChangeWasSafe();
        },
        yaml: WarmTwo);

    [Fact]
    public Task OverrideArrivingWhileTheEnvironmentWaitsForItsNextCheck_IsHandledAtOnce() => DeliveryHarness.RunAsync(async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1");
        await h.DeliverAsync("2.0.0", "sample-v2");
        await SettledAsync(h);
        await h.Env.SetAutoTimeSkippingAsync(false);
        var now = await h.Env.NowAsync();
        var status = await UntilAsync(h.StatusAsync, s => s.NextHealthCheckAt > now, TimeSpan.FromSeconds(10), "waiting for the next check");

        var outcome = await h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "alice", Reason = "errors", RequestedAt = At }));

        outcome.Weights.ShouldBe(TrafficWeights.All(V1));
        (await h.Env.NowAsync() - now).ShouldBeLessThan(TimeSpan.FromSeconds(5), "the clock (locked: it moves at real speed) did not reach the next check: the override did not wait for it");
        var after = await h.StatusAsync();
        after.Overrides.Single().HandledAt.ShouldBeLessThan(status.NextHealthCheckAt!.Value);
    });

    [Fact]
    public Task IdleForASimulatedDay_KeepsCheckingWithABoundedHistory() => DeliveryHarness.RunAsync(
        async h =>
    {
        await h.DeliverAsync("1.0.0", "sample-v1", EveryTwoMinutes);
        var start = (await SettledAsync(h)).InfraSets.Single().HealthCheckedAt ?? await h.Env.NowAsync();
        var first = await h.Environment.DescribeAsync();

        await EventuallyAsync(async () => await h.Env.NowAsync() >= start + TimeSpan.FromDays(1), TimeSpan.FromSeconds(50), "a simulated day");

        var status = await h.StatusAsync();
        status.InfraSets.Single().HealthCheckedAt!.Value.ShouldBeGreaterThanOrEqualTo(start + TimeSpan.FromDays(1) - (2 * TimeSpan.FromMinutes(2)), "still checking at the end of the day");
        status.Timeline.Count.ShouldBeLessThan(10, "checks that find nothing new add nothing to the timeline");
        var now = await h.Environment.DescribeAsync();
        now.RunId.ShouldNotBe(first.RunId, "the idle environment continued as new");
        var bound = (EnvironmentWorkflow.HealthChecksPerRun * (8 + (3 * 1))) + 50;
        var history = await h.Client.GetWorkflowHandle("env/demo").FetchHistoryAsync();
        history.Events.Count.ShouldBeLessThanOrEqualTo(bound, $"one run of an idle environment with one kept infra-set holds at most {bound} events");
        history.Events.Count(e => e.EventType == EventType.ActivityTaskScheduled).ShouldBeLessThanOrEqualTo(EnvironmentWorkflow.HealthChecksPerRun);
        history.Events.Count(e => e.EventType == EventType.MarkerRecorded).ShouldBe(1, "one patch marker per run, not one per check");
    },
        yaml: EveryTwoMinutes);

    private static Task<EnvironmentStatus> SettledAsync(DeliveryHarness h) =>
        UntilAsync(h.StatusAsync, s => s.ActiveDelivery is null && s.Queue.Count == 0 && s.InfraSets.All(i => i.Status is InfraSetStatus.Healthy or InfraSetStatus.Deleted), TimeSpan.FromSeconds(20), "settled");
}
