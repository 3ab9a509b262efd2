using DurableDelivery.Engine.CrashTests.Support;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.CrashTests.Worker;

/// <summary>Signals acknowledged to the sender survive a worker killed right after.</summary>
public sealed class SignalDurabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SignalAsync_AcknowledgedJustBeforeWorkerIsKilled_IsNeverLost()
    {
        string[] values = ["a", "b", "c", "d"];
        await using var scenario = await CrashScenario.StartAsync(new WorkflowMix(Sequential: 0, Timer: 0, Signal: 6, Flaky: 0, Parent: 0, Loop: 0), values);

        // Each round: a worker starts, every workflow gets a signal (each SignalAsync has returned), the worker is killed.
        var crashes = new List<CrashSnapshot>();
        foreach (var value in values)
        {
            var worker = scenario.StartWorker();
            await worker.WaitReadyOrExitAsync(TimeSpan.FromSeconds(30));
            await scenario.SignalAllAsync(value);
            await CrashScenario.KillAsync(worker);
            crashes.Add(await scenario.SnapshotAsync(worker));
        }

        var restarted = scenario.StartWorker();
        var resumed = await scenario.WaitAllCompletedAsync(restarted);

        await scenario.VerifyAsync(crashes);
        output.WriteLine(restarted.Output);
        output.WriteLine($"{values.Length} kills right after acknowledged signals; the last worker completed all workflows {resumed}");
    }
}
