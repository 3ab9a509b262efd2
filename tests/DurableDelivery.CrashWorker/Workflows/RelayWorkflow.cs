using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>
/// Workflow-to-workflow signals: an activity, a child started with a handle (id <c>&lt;parent id&gt;/echo</c>) that is
/// signalled <see cref="Messages"/> times and signals back each time through an external handle, then an activity.
/// </summary>
[Workflow]
public sealed class RelayWorkflow
{
    /// <summary>The number of signals each way.</summary>
    public const int Messages = 3;

    private readonly List<string> replies = [];

    /// <summary>Gets the payloads the parent receives, in order.</summary>
    public static IReadOnlyList<string> Replies { get; } = [.. Enumerable.Range(1, Messages).Select(i => $"echo-m{i}")];

    /// <summary>Gets the payloads the child receives, in order.</summary>
    public static IReadOnlyList<string> Sent { get; } = [.. Enumerable.Range(1, Messages).Select(i => $"m{i}")];

    /// <summary>Runs "relay-before", the signalling with the child, "relay-after".</summary>
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var before = await Steps.RunAsync("relay-before");
        var child = await Workflow.StartChildWorkflowAsync(
            (EchoWorkflow wf) => wf.RunAsync(Workflow.Info.WorkflowId, Messages),
            new ChildWorkflowOptions { Id = $"{Workflow.Info.WorkflowId}/echo" });
        foreach (var message in Sent)
        {
            await child.SignalAsync(wf => wf.AddAsync(message));
        }

        await Workflow.WaitConditionAsync(() => replies.Count >= Messages);
        var echoed = await child.GetResultAsync();
        var after = await Steps.RunAsync("relay-after");
        return $"{before}+[{string.Join(',', replies)}]+{echoed}+{after}";
    }

    /// <summary>Receives the child's reply.</summary>
    [WorkflowSignal]
    public Task ReplyAsync(string value)
    {
        replies.Add(value);
        return Task.CompletedTask;
    }
}

/// <summary>The child of <see cref="RelayWorkflow"/>: answers each signal by signalling the parent, then runs "echo".</summary>
[Workflow]
public sealed class EchoWorkflow
{
    private readonly List<string> received = [];

    /// <summary>Answers <paramref name="count"/> signals, then runs "echo".</summary>
    [WorkflowRun]
    public async Task<string> RunAsync(string parentId, int count)
    {
        var parent = Workflow.GetExternalWorkflowHandle<RelayWorkflow>(parentId);
        for (var i = 0; i < count; i++)
        {
            await Workflow.WaitConditionAsync(() => received.Count > i);
            var reply = $"echo-{received[i]}";
            await parent.SignalAsync(wf => wf.ReplyAsync(reply));
        }

        var step = await Steps.RunAsync("echo");
        return $"echo([{string.Join(',', received)}]+{step})";
    }

    /// <summary>Receives a message.</summary>
    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        received.Add(value);
        return Task.CompletedTask;
    }
}
