using System.Diagnostics.Tracing;

namespace DurableDelivery.Engine.Worker;

/// <summary>
/// Watches the runtime's task events: a task queued to any scheduler other than the workflow's own, from the thread
/// running an activation, means workflow code escaped the deterministic scheduler (Task.Run, Task.Factory.StartNew on the
/// default scheduler, Parallel...). The activation is then failed with a clear message, as in Temporal's SDK.
/// </summary>
internal sealed class WorkflowTracingEventListener : EventListener
{
    private const int TaskScheduledEventId = 7;
    private static readonly Lazy<WorkflowTracingEventListener> Instance = new(() => new WorkflowTracingEventListener());

    [ThreadStatic]
    private static WorkflowInstance? activeOnThread;

    public static void EnsureStarted() => _ = Instance.Value;

    public static IDisposable Enter(WorkflowInstance instance)
    {
        var previous = activeOnThread;
        activeOnThread = instance;
        return new Scope(previous);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "System.Threading.Tasks.TplEventSource")
        {
            // Keyword 1 = TaskTransfer, 2 = Tasks: TaskScheduled is raised under them.
            EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)3);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventId != TaskScheduledEventId || activeOnThread is not { } instance || eventData.Payload is not { Count: > 0 } payload)
        {
            return;
        }

        if (payload[0] is int schedulerId && schedulerId != instance.Id)
        {
            instance.ReportEscape("a task was queued to another task scheduler (Task.Run, Task.Factory.StartNew, Parallel or similar)");
        }
    }

    private sealed class Scope(WorkflowInstance? previous) : IDisposable
    {
        public void Dispose() => activeOnThread = previous;
    }
}
