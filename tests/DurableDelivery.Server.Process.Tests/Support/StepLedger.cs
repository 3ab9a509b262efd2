using System.Collections.Concurrent;
using System.Diagnostics;
using DurableDelivery.Server.ProcessWorker;

namespace DurableDelivery.Server.Process.Tests.Support;

/// <summary>Counts the step activity executions of the workers in the test process.</summary>
internal sealed class StepLedger
{
    private readonly ConcurrentQueue<(StepExecution Execution, long At)> executions = new();

    public StepLedger()
    {
        Activities = new StepActivities((execution, _) =>
        {
            executions.Enqueue((execution, Stopwatch.GetTimestamp()));
            return Task.CompletedTask;
        });
    }

    /// <summary>The activities to register on a worker.</summary>
    public StepActivities Activities { get; }

    /// <summary>Every execution so far, with when it began (<see cref="Stopwatch"/> ticks).</summary>
    public IReadOnlyList<(StepExecution Execution, long At)> Executions => [.. executions];

    /// <summary>How many executions of each activity (key: workflow id / activity id) began.</summary>
    public IReadOnlyDictionary<string, int> CountsByKey() =>
        executions.GroupBy(e => e.Execution.Key).ToDictionary(g => g.Key, g => g.Count());
}
