using DurableDelivery.Engine.Worker;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>Registration of every crash-test workflow, shared by the worker process and the tests' replayer.</summary>
public static class CrashWorkflows
{
    /// <summary>Gets every crash-test workflow class.</summary>
    public static IReadOnlyList<Type> Types { get; } =
    [
        typeof(SequentialWorkflow), typeof(TimerWorkflow), typeof(SignalWorkflow), typeof(FlakyWorkflow), typeof(ParentWorkflow), typeof(ChildWorkflow),
        typeof(LoopWorkflow), typeof(ParallelWorkflow), typeof(RelayWorkflow), typeof(EchoWorkflow),
    ];

    /// <summary>Adds every crash-test workflow to worker options.</summary>
    public static DurableWorkerOptions AddCrashWorkflows(this DurableWorkerOptions options)
    {
        foreach (var type in Types)
        {
            options.AddWorkflow(type);
        }

        return options;
    }

    /// <summary>Adds every crash-test workflow to a replayer.</summary>
    public static WorkflowReplayer AddCrashWorkflows(this WorkflowReplayer replayer)
    {
        foreach (var type in Types)
        {
            replayer.AddWorkflow(type);
        }

        return replayer;
    }
}
