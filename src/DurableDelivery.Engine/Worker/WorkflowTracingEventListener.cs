using System.Diagnostics.Tracing;

namespace DurableDelivery.Engine.Worker;

/// <summary>
/// Watches the runtime's task events: a task queued to any scheduler other than the workflow's own, from the thread
/// running an activation, means workflow code escaped the deterministic scheduler (Task.Run, Task.Factory.StartNew on the
/// default scheduler, Parallel...). The activation is then failed with a clear message, as in Temporal's SDK.
/// </summary>
/// <remarks>
/// The task events are enabled only while at least one activation runs (a count of the activations in progress). While
/// they are enabled, every task scheduled and every await in the whole process raises an event that is built and handed
/// to this listener (the runtime also wraps each await's continuation to trace it), which cost a fifth of the process's
/// allocations in the engine benchmark when the events stayed on. Only events raised on a thread inside an activation
/// matter, and such a thread enables the events before it runs workflow code, so no escape goes unseen.
/// </remarks>
internal sealed class WorkflowTracingEventListener : EventListener
{
    private const int TaskScheduledEventId = 7;

    // TaskScheduled is raised under keywords 1 (TaskTransfer) and 2 (Tasks); enabling 1 alone is enough for it and leaves
    // out the events raised under Tasks only (TaskStarted for every task run in the process, TaskWaitEnd).
    private const EventKeywords TaskKeywords = (EventKeywords)1;
    private const string TplEventSourceName = "System.Threading.Tasks.TplEventSource";
    private static readonly Lazy<WorkflowTracingEventListener> Instance = new(() => new WorkflowTracingEventListener());

    [ThreadStatic]
    private static WorkflowInstance? activeOnThread;

    // Initialized before the base constructor, which calls OnEventSourceCreated for the sources that already exist.
    private readonly object gate = new();
    private EventSource? tplSource;
    private int activations;

    public static void EnsureStarted() => _ = Instance.Value;

    /// <summary>Marks this thread as running <paramref name="instance"/>'s activation until the scope is disposed.</summary>
    public static Scope Enter(WorkflowInstance instance)
    {
        var listener = Instance.Value;
        listener.Acquire();
        var previous = activeOnThread;
        activeOnThread = instance;
        return new Scope(listener, previous);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name != TplEventSourceName)
        {
            return;
        }

        lock (gate)
        {
            tplSource = eventSource;
            if (activations > 0)
            {
                EnableEvents(eventSource, EventLevel.Informational, TaskKeywords);
            }
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

    private void Acquire()
    {
        lock (gate)
        {
            if (activations++ == 0 && tplSource is { } source)
            {
                EnableEvents(source, EventLevel.Informational, TaskKeywords);
            }
        }
    }

    private void Release()
    {
        lock (gate)
        {
            if (--activations == 0 && tplSource is { } source)
            {
                DisableEvents(source);
            }
        }
    }

    /// <summary>The extent of one activation on its thread (a struct: one per activation, nothing to allocate).</summary>
    public readonly struct Scope(WorkflowTracingEventListener listener, WorkflowInstance? previous) : IDisposable
    {
        public void Dispose()
        {
            activeOnThread = previous;
            listener.Release();
        }
    }
}
