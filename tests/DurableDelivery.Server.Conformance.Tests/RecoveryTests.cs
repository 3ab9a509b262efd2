using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace DurableDelivery.Server.Conformance.Tests;

/// <summary>A server stopped and started again on the same database carries on with every open run.</summary>
public sealed class RecoveryTests : IDisposable
{
    private readonly string database = Path.Combine(Path.GetTempPath(), $"dd-conformance-{Guid.NewGuid():N}.db");

    [ConformanceFact]
    public async Task Restart_OnTheSameDatabase_OpenRunsTimersAndActivitiesCarryOn()
    {
        var queue = ServerEnvironment.NewTaskQueue("restart");
        var activities = new FlakyActivities();
        var (signalledId, sleepingId, retryingId) = ($"signalled-{queue}", $"sleeping-{queue}", $"retrying-{queue}");
        await using (var before = await ServerEnvironment.StartAsync(databasePath: database))
        {
            using var worker = before.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>()
                .AddWorkflow<SleepWorkflow>().AddWorkflow<ActivityCallerWorkflow>().AddAllActivities(activities));
            await worker.ExecuteAsync(async () =>
            {
                var signalled = await before.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(2),
                    new(id: signalledId, taskQueue: queue));
                await signalled.SignalAsync(wf => wf.AddAsync("before restart"));
                var sleeping = await before.Client.StartWorkflowAsync(
                    (SleepWorkflow wf) => wf.RunAsync(TimeSpan.FromSeconds(2)),
                    new(id: sleepingId, taskQueue: queue));

                // Its activity fails on attempts 1 and 2 and is retried after 1 s: a retry pending at the restart.
                var call = new ActivityCall("FailTwice", 5, null, 10_000, InitialIntervalMs: 1_000);
                var retrying = await before.Client.StartWorkflowAsync((ActivityCallerWorkflow wf) => wf.RunAsync(call),
                    new(id: retryingId, taskQueue: queue));
                await Eventually.EventuallyAsync(() => activities.Attempts.Count >= 1, TimeSpan.FromSeconds(20),
                    "the activity's first attempt ran");
                foreach (var handle in new WorkflowHandle[] { signalled, sleeping })
                {
                    await Eventually.EventuallyAsync(
                        async () => Replay.Types(await handle.FetchHistoryAsync())
                            .Contains(EventType.WorkflowTaskCompleted),
                        TimeSpan.FromSeconds(20), $"{handle.Id} completed its first task");
                }

            });
        }

        await using var after = await ServerEnvironment.StartAsync(databasePath: database);
        using var again = after.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>()
            .AddWorkflow<SleepWorkflow>().AddWorkflow<ActivityCallerWorkflow>().AddAllActivities(activities));
        await again.ExecuteAsync(async () =>
        {
            var signalled = after.Client.GetWorkflowHandle<SignalCollectorWorkflow>(signalledId);
            await signalled.SignalAsync(wf => wf.AddAsync("after restart"));
            (await signalled.GetResultAsync<List<string>>()).ShouldBe(["before restart", "after restart"]);
            (await after.Client.GetWorkflowHandle(sleepingId).GetResultAsync<TimeSpan>())
                .ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2));
            (await after.Client.GetWorkflowHandle(retryingId).GetResultAsync<string>())
                .ShouldBe("succeeded on attempt 3");
            activities.Attempts.ToArray().ShouldBe([1, 2, 3]);
            var workflows = new[]
            {
                typeof(SignalCollectorWorkflow), typeof(SleepWorkflow), typeof(ActivityCallerWorkflow),
            };
            foreach (var id in new[] { signalledId, sleepingId, retryingId })
            {
                await Replay.AssertReplaysAsync(after.Client.GetWorkflowHandle(id), workflows);
            }
        });
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(database + suffix);
        }
    }
}
