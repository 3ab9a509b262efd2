using System.Diagnostics;
using System.Text.Json.Nodes;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;

namespace DurableDelivery.E2E.Tests.Support;

/// <summary>One weight table the listener applied, and when it was certainly in effect (Stopwatch timestamps).</summary>
/// <param name="Revision">The listener's revision of the table.</param>
/// <param name="Weights">The table.</param>
/// <param name="FirstSeen">A moment at which the table was already in effect.</param>
/// <param name="LastSeen">A moment up to which it was still in effect.</param>
public sealed record WeightTable(long Revision, IReadOnlyDictionary<string, int> Weights, long FirstSeen, long LastSeen)
{
    public int WeightOf(string infraSetId) => Weights.TryGetValue(infraSetId, out var w) ? w : 0;

    /// <summary>The table as <c>a=90,b=10</c>, sorted by id; zero weights included.</summary>
    public string Text => Format(Weights);

    public static string Format(IReadOnlyDictionary<string, int> weights) =>
        string.Join(",", weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value}"));

    /// <summary>A weight table as ddctl prints it in JSON (<c>{"id": 90, ...}</c>), formatted like <see cref="Text"/>.</summary>
    public static string Format(JsonNode weights) => Format(weights.AsObject().ToDictionary(w => w.Key, w => w.Value!.GetValue<int>()));

    public override string ToString() => $"r{Revision} {Text}";
}

/// <summary>
/// Polls the provider's weights (<see cref="LocalInfraProvider.GetWeightsAsync"/>) and infra-sets throughout a test,
/// records every table the listener applied, and checks each against the weight invariant: the table names only
/// infra-sets that exist, every positive weight is on an infra-set that was healthy when the table was first seen, the
/// total is positive, and revisions never go back. A poll counts only when the revision is the same before and after the infra-set read, so the infra-sets it
/// checks against were read while that table was in effect.
/// </summary>
public sealed class WeightMonitor : IAsyncDisposable
{
    private readonly LocalInfraProvider provider;
    private readonly string environment;
    private readonly List<WeightTable> tables = [];
    private readonly List<string> violations = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int checkedPolls;

    public WeightMonitor(LocalInfraProvider provider, string environment)
    {
        this.provider = provider;
        this.environment = environment;
        loop = Task.Run(() => RunAsync(stop.Token));
    }

    /// <summary>Gets every table seen so far, in the order applied.</summary>
    public IReadOnlyList<WeightTable> Tables
    {
        get
        {
            lock (tables)
            {
                return [.. tables];
            }
        }
    }

    /// <summary>Gets every invariant violation seen so far (each with the table and the infra-sets).</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (tables)
            {
                return [.. violations];
            }
        }
    }

    /// <summary>Gets how many polls were checked; a test asserts it is not zero so that "no violation" means something.</summary>
    public int CheckedPolls => Volatile.Read(ref checkedPolls);

    /// <summary>The distinct tables in order (a table applied again under a new revision, e.g. at promotion, counts once).</summary>
    public IReadOnlyList<string> DistinctTables()
    {
        var distinct = new List<string>();
        foreach (var table in Tables)
        {
            if (distinct.Count == 0 || distinct[^1] != table.Text)
            {
                distinct.Add(table.Text);
            }
        }

        return distinct;
    }

    /// <summary>Waits until a table matching <paramref name="match"/> has been seen and returns its latest view.</summary>
    public async Task<WeightTable> WaitForAsync(Func<WeightTable, bool> match, string what, TimeSpan? deadline = null)
    {
        var found = await Eventually.UntilAsync(
            () => Task.FromResult(Tables.LastOrDefault(match)),
            t => t is not null,
            deadline ?? TimeSpan.FromSeconds(60),
            $"the listener applies {what} (tables so far: {string.Join(" | ", Tables)})");
        return found!;
    }

    /// <summary>The latest view of a table seen before (its <see cref="WeightTable.LastSeen"/> keeps moving while it is in effect).</summary>
    public WeightTable Latest(long revision) => Tables.Single(t => t.Revision == revision);

    /// <summary>Asserts that polls happened and none saw an invalid table.</summary>
    public void ShouldHaveSeenOnlyValidTables()
    {
        CheckedPolls.ShouldBeGreaterThan(0, "the weight monitor checked no table at all");
        Violations.ShouldBeEmpty($"weights must never pass through an invalid state; tables: {string.Join(" | ", Tables)}");
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PollAsync(ct);
            }
            catch (InfraProviderException e) when (e.Reason is InfraProviderErrorReason.ProviderUnavailable or InfraProviderErrorReason.UnknownListener)
            {
                // The provider is down (a test killed it) or the environment has no listener yet.
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                lock (tables)
                {
                    violations.Add($"weight poll failed: {e.GetType().Name}: {e.Message}");
                }
            }

            try
            {
                await Task.Delay(15, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PollAsync(CancellationToken ct)
    {
        var before = await provider.GetWeightsAsync(environment, ct);
        var seenFrom = Stopwatch.GetTimestamp();
        if (before.Revision == 0)
        {
            return; // The listener never had weights (before the first delivery's first step).
        }

        var sets = await provider.ListInfraSetsAsync(environment, ct);
        var seenUntil = Stopwatch.GetTimestamp();
        var after = await provider.GetWeightsAsync(environment, ct);
        if (after.Revision != before.Revision)
        {
            return; // Changed while the infra-sets were read: not a consistent snapshot.
        }

        lock (tables)
        {
            Interlocked.Increment(ref checkedPolls);
            var last = tables.Count > 0 ? tables[^1] : null;
            var problems = Check(before, sets, checkHealth: last is null || before.Revision > last.Revision);
            if (last is not null && before.Revision < last.Revision)
            {
                violations.Add($"revision went back from {last.Revision} to {before.Revision}");
            }

            if (last is not null && last.Revision == before.Revision)
            {
                if (last.Text != WeightTable.Format(before.Weights))
                {
                    violations.Add($"revision {before.Revision} names two tables: {last.Text} and {WeightTable.Format(before.Weights)}");
                }

                tables[^1] = last with { LastSeen = seenUntil };
            }
            else if (last is null || before.Revision > last.Revision)
            {
                tables.Add(new WeightTable(before.Revision, before.Weights, seenFrom, seenUntil));
            }

            foreach (var problem in problems)
            {
                violations.Add($"r{before.Revision} {WeightTable.Format(before.Weights)}: {problem}; infra-sets: {string.Join(", ", sets.Select(s => $"{s.Id} {s.Status}"))}");
            }
        }
    }

    /// <summary>
    /// What is wrong with a table: always, weights summing to 0 or naming an infra-set that does not exist (make before
    /// break); when <paramref name="checkHealth"/> (the table's first sighting, right after the change), a positive weight
    /// on an infra-set that is not healthy. The invariant is about traffic changes: an infra-set that later degrades while
    /// it serves (an instance missing a health check on a loaded machine) is a health event, not a bad change.
    /// </summary>
    private static List<string> Check(ListenerWeights weights, IReadOnlyList<InfraSetInfo> sets, bool checkHealth)
    {
        var problems = new List<string>();
        if (weights.Total <= 0)
        {
            problems.Add("weights sum to 0");
        }

        foreach (var (id, weight) in weights.Weights)
        {
            var set = sets.FirstOrDefault(s => s.Id == id);
            if (set is null || set.Status == InfraSetStatus.Deleted)
            {
                problems.Add($"{id} does not exist");
            }
            else if (checkHealth && weight > 0 && set.Status != InfraSetStatus.Healthy)
            {
                problems.Add($"{id} takes traffic ({weight}) but is {set.Status} ({set.StatusMessage})");
            }
        }

        return problems;
    }
}
