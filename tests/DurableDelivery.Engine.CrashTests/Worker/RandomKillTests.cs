using DurableDelivery.Engine.CrashTests.Support;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.CrashTests.Worker;

/// <summary>A worker process killed from outside (SIGKILL) at a random moment of a busy run, then a fresh worker process.</summary>
public sealed class RandomKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_KilledAtRandomMomentDuring50Workflows_NewWorkerCompletesEveryWorkflowWithoutRepeatingCompletedActivities()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var mix = new WorkflowMix(Sequential: 1, Timer: 7, Signal: 7, Flaky: 7, Parent: 7, Loop: 7, Parallel: 7, Relay: 7);
        mix.Count.ShouldBe(50);
        await using var scenario = await CrashScenario.StartAsync(mix, "a", "b");

        // Kill after a random number of executions, well below what can run before the last signal is sent (after the kill).
        var total = scenario.Expected.SelectMany(e => e.Activities).Sum(a => a.Executions);
        var killAfter = random.Next(1, total / 2);
        output.WriteLine($"seed {seed}: kill after {killAfter} of {total} activity executions");

        var worker = scenario.StartWorker();
        await worker.WaitReadyOrExitAsync(TimeSpan.FromSeconds(30));
        await scenario.SignalAllAsync("a");
        await Eventually.HoldsAsync(() => scenario.Log.ReadAll().Count >= killAfter || worker.HasExited, TimeSpan.FromSeconds(60), () => $"{scenario.Log.ReadAll().Count} executions logged");
        worker.HasExited.ShouldBeFalse($"the worker must still run when it is killed; output:\n{worker.Output}");
        await CrashScenario.KillAsync(worker);
        var crash = await scenario.SnapshotAsync(worker);
        await scenario.SignalAllAsync("b");

        var restarted = scenario.StartWorker();
        var resumed = await scenario.WaitAllCompletedAsync(restarted);

        await scenario.VerifyAsync(crash);
        output.WriteLine(restarted.Output);
        output.WriteLine(
            $"killed after {crash.LoggedExecutions} executions, {crash.Completed.Count} completions recorded, {crash.InFlight.Count} attempt(s) in flight; " +
            $"the restarted worker completed all {scenario.Expected.Count} workflows {resumed}");
    }
}
