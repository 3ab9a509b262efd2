using DurableDelivery.Engine.CrashTests.Support;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.CrashTests.Worker;

/// <summary>Signals acknowledged to the sender survive a worker killed right after.</summary>
public sealed class SignalDurabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SignalAsync_AcknowledgedJustBeforeWorkerIsKilled_IsNeverLost()
    {
        string[][] rounds = [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]];
        var values = rounds.SelectMany(r => r).ToArray();
        await using var scenario = await CrashScenario.StartAsync(new WorkflowMix(Sequential: 0, Timer: 0, Signal: 6, Flaky: 0, Parent: 0, Loop: 0, Parallel: 0), values);

        // Each round: a worker starts, every workflow gets two signals back to back (each SignalAsync has returned), the
        // worker is killed at once.
        var crashes = new List<CrashSnapshot>();
        foreach (var round in rounds)
        {
            var worker = scenario.StartWorker();
            await worker.WaitReadyOrExitAsync(TimeSpan.FromSeconds(30));
            await scenario.SignalAllAsync(round);
            await CrashScenario.KillAsync(worker);
            crashes.Add(await scenario.SnapshotAsync(worker));
        }

        var restarted = scenario.StartWorker();
        var resumed = await scenario.WaitAllCompletedAsync(restarted);

        await scenario.VerifyAsync(crashes);
        output.WriteLine(restarted.Output);
        output.WriteLine($"{rounds.Length} kills right after acknowledged signals; the last worker completed all workflows {resumed}");
    }
}
