using System.Reflection;
using DurableDelivery.Engine.CrashTests.Support;
using DurableDelivery.Engine.Worker;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.CrashTests.Worker;

/// <summary>A worker process killed with SIGKILL at each injected crash point, then a fresh worker process on the same store.</summary>
public sealed class CrashPointTests(ITestOutputHelper output)
{
    /// <summary>The hit counts: the first pass (little done yet) and a later one (work in every state).</summary>
    private static readonly int[] Hits = [1, 7];

    /// <summary>Gets every crash point the engine defines (read from the engine, so a new point is covered without editing this test), at each hit count.</summary>
    public static TheoryData<string, int> PointsAndHits()
    {
        var data = new TheoryData<string, int>();
        foreach (var point in EngineCrashPoints())
        {
            foreach (var hit in Hits)
            {
                data.Add(point, hit);
            }
        }

        return data;
    }

    [Fact]
    public void CrashPoints_EngineDefinesAPointBeforeAndAfterEachKindOfStoreWrite() =>
        new[]
        {
            "claim-workflows-after", "workflow-commit-before", "workflow-commit-after", "claim-activities-after",
            "activity-resolve-before", "activity-resolve-after", "activity-retry-before", "activity-retry-after", "heartbeat-after",
        }.ShouldBeSubsetOf(EngineCrashPoints());

    [Theory]
    [MemberData(nameof(PointsAndHits))]
    public async Task Worker_KilledAtCrashPoint_NewWorkerCompletesEveryWorkflowWithoutRepeatingCompletedActivities(string point, int hit)
    {
        await using var scenario = await CrashScenario.StartAsync(WorkflowMix.Small, "a", "b");

        var crashing = scenario.StartWorker($"{point}:{hit}");
        await crashing.WaitReadyOrExitAsync(TimeSpan.FromSeconds(30));
        await scenario.SignalAllAsync("a", "b");
        await CrashScenario.ShouldDieAtCrashPointAsync(crashing);
        var crash = await scenario.SnapshotAsync(crashing);

        var restarted = scenario.StartWorker();
        var resumed = await scenario.WaitAllCompletedAsync(restarted);

        await scenario.VerifyAsync(crash);
        output.WriteLine($"crashed worker:\n{crashing.Output}\nrestarted worker:\n{restarted.Output}");
        output.WriteLine(
            $"{point}:{hit}: {crash.LoggedExecutions} activity executions before the crash, {crash.Completed.Count} completions recorded, {crash.InFlight.Count} attempt(s) in flight; " +
            $"the restarted worker completed all {scenario.Expected.Count} workflows {resumed}");
    }

    private static IReadOnlyList<string> EngineCrashPoints()
    {
        var type = typeof(DurableWorker).Assembly.GetType("DurableDelivery.Engine.Worker.CrashPoints", throwOnError: true)!;
        return (IReadOnlyList<string>)type.GetProperty("All", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
    }
}
