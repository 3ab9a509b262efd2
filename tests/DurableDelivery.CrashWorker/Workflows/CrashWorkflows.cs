using DurableDelivery.Engine.Worker;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>Registration of every crash-test workflow, shared by the worker process and the tests' replayer.</summary>
public static class CrashWorkflows
{
    /// <summary>Adds every crash-test workflow to worker options.</summary>
    public static DurableWorkerOptions AddCrashWorkflows(this DurableWorkerOptions options) => options
        .AddWorkflow<SequentialWorkflow>().AddWorkflow<TimerWorkflow>().AddWorkflow<SignalWorkflow>().AddWorkflow<FlakyWorkflow>()
        .AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>().AddWorkflow<LoopWorkflow>().AddWorkflow<ParallelWorkflow>();

    /// <summary>Adds every crash-test workflow to a replayer.</summary>
    public static WorkflowReplayer AddCrashWorkflows(this WorkflowReplayer replayer) => replayer
        .AddWorkflow<SequentialWorkflow>().AddWorkflow<TimerWorkflow>().AddWorkflow<SignalWorkflow>().AddWorkflow<FlakyWorkflow>()
        .AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>().AddWorkflow<LoopWorkflow>().AddWorkflow<ParallelWorkflow>();
}
