using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Tests.Support;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>
/// A wait (for a result, an update, a query) is ended by a wake-up; its re-check of the store only covers a lost one, so
/// it backs off from <see cref="DurableClientOptions.PollInterval"/> to <see cref="DurableClientOptions.MaxPollInterval"/>.
/// Before, every wait re-read the store every 50 ms: with thousands of workflows in flight (an open-loop load above
/// capacity) those reads took the CPU and completions fell from about 750 to about 100 per second (docs/benchmarks.md).
/// </summary>
public sealed class PollBackoffTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-poll-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public void Doubles_AfterEachRecheckThatFoundNothing_UpToTheMaximum_AndStartsOverAfterAWakeUp()
    {
        var backoff = new PollBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1));
        var seen = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            seen.Add(backoff.Current.TotalMilliseconds);
            backoff.Waited(pulsed: false);
        }

        seen.ShouldBe([50, 100, 200, 400, 800, 1000, 1000]);
        backoff.Waited(pulsed: true);
        backoff.Current.ShouldBe(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void AMaximumBelowTheFirstInterval_KeepsTheFirstInterval()
    {
        // CrossProcessWakeTests poll every 10 minutes: the 1 s default maximum must not shorten that.
        var backoff = new PollBackoff(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1));
        backoff.Waited(pulsed: false);
        backoff.Current.ShouldBe(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task WaitAsync_TimesOutAfterTheCurrentInterval_ThenWaitsLonger_AndAPulseResetsIt()
    {
        var backoff = new PollBackoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(4));
        var never = new TaskCompletionSource().Task;
        (await StoreNotifier.WaitAsync(never, backoff, CancellationToken.None)).ShouldBeFalse();
        backoff.Current.ShouldBe(TimeSpan.FromMilliseconds(2));
        (await StoreNotifier.WaitAsync(never, backoff, CancellationToken.None)).ShouldBeFalse();
        (await StoreNotifier.WaitAsync(never, backoff, CancellationToken.None)).ShouldBeFalse();
        backoff.Current.ShouldBe(TimeSpan.FromMilliseconds(4));
        (await StoreNotifier.WaitAsync(Task.CompletedTask, backoff, CancellationToken.None)).ShouldBeTrue();
        backoff.Current.ShouldBe(TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task AResultWaitWithoutWakeUps_ReadsTheStoreOncePerRecheck_AndBacksOff()
    {
        // No worker: the run stays open, nothing wakes the wait, only its re-checks read the store. 2 ms doubling to 16 ms
        // over 300 ms is about 2+4+8+16+16... = 21 re-checks at most (fewer on a loaded machine, never more); a fixed 2 ms
        // with two reads per re-check, as before, would be up to 300.
        await using var client = DurableClient.Open(dir, new DurableClientOptions { PollInterval = TimeSpan.FromMilliseconds(2), MaxPollInterval = TimeSpan.FromMilliseconds(16) });
        var handle = await client.StartWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync("x"), new("poll/1", "no-worker"));
        var store = (SqliteWorkflowStore)client.Store;
        var reads0 = store.ReadStatements.Count;
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Should.ThrowAsync<OperationCanceledException>(() => handle.GetResultAsync(stop.Token));
        var reads = store.ReadStatements.Count - reads0;
        output.WriteLine($"reader statements during a 300 ms result wait without wake-ups: {reads}");
        reads.ShouldBeGreaterThanOrEqualTo(2, "it did re-check (2, 4, 8 and 16 ms fit in 300 ms; a loaded machine may fit fewer)");
        reads.ShouldBeLessThanOrEqualTo(25);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }
}
