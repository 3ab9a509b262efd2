using System.Collections.Concurrent;
using System.Diagnostics;

namespace DurableDelivery.Server.Process.Tests.Support;

/// <summary>What a client call did to the server.</summary>
internal enum CallKind
{
    Start,
    Signal,
    Update,
}

/// <summary>One client call: acknowledged when it returned success (its effect must then be durable).</summary>
/// <param name="Kind">Start, signal or update.</param>
/// <param name="WorkflowId">The workflow it targets.</param>
/// <param name="Value">The signal or update value (unique in a test), or the workflow id for a start.</param>
/// <param name="Acknowledged">Whether the call returned success.</param>
/// <param name="At">When it returned (<see cref="Stopwatch"/> ticks).</param>
/// <param name="Error">Why it failed, if it did.</param>
internal sealed record Call(CallKind Kind, string WorkflowId, string Value, bool Acknowledged, long At, string? Error);

/// <summary>Every start, signal and update a test made, with whether the server acknowledged it.</summary>
internal sealed class CallJournal
{
    private readonly ConcurrentQueue<Call> calls = new();

    public IReadOnlyList<Call> Calls => [.. calls];

    /// <summary>Runs a call and records whether it was acknowledged (returned) or not (threw); never throws.</summary>
    public async Task<bool> RunAsync(CallKind kind, string workflowId, string value, Func<Task> call)
    {
        try
        {
            await call();
            calls.Enqueue(new Call(kind, workflowId, value, true, Stopwatch.GetTimestamp(), null));
            return true;
        }
        catch (Exception ex)
        {
            calls.Enqueue(new Call(kind, workflowId, value, false, Stopwatch.GetTimestamp(),
                $"{ex.GetType().Name}: {ex.Message}"));
            return false;
        }
    }

    public IReadOnlyList<Call> Acknowledged(CallKind kind) =>
        [.. calls.Where(c => c.Kind == kind && c.Acknowledged)];

    public IReadOnlyList<Call> Attempted(CallKind kind) => [.. calls.Where(c => c.Kind == kind)];

    public int AcknowledgedAfter(CallKind kind, long at) =>
        calls.Count(c => c.Kind == kind && c.Acknowledged && c.At > at);
}
