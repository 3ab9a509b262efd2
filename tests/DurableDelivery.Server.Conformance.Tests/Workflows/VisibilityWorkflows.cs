using Temporalio.Common;
using Temporalio.Workflows;

namespace DurableDelivery.Server.Conformance.Tests.Workflows;

/// <summary>Sets a customer search attribute, then waits to be told to finish.</summary>
[Workflow]
public class TaggedWorkflow
{
    /// <summary>The custom search attribute the test registers.</summary>
    public static readonly SearchAttributeKey<string> CustomerId = SearchAttributeKey.CreateKeyword("CustomerId");

    private bool finished;

    [WorkflowRun]
    public async Task<string> RunAsync(string customer)
    {
        Workflow.UpsertTypedSearchAttributes(CustomerId.ValueSet(customer));
        await Workflow.WaitConditionAsync(() => finished);
        return customer;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }
}

/// <summary>Sleeps for the given time and returns how much workflow time passed.</summary>
[Workflow]
public class SleepWorkflow
{
    [WorkflowRun]
    public async Task<TimeSpan> RunAsync(TimeSpan sleep)
    {
        var start = Workflow.UtcNow;
        await Workflow.DelayAsync(sleep);
        return Workflow.UtcNow - start;
    }
}

/// <summary>Values for <see cref="TypedAttributesWorkflow"/>.</summary>
/// <param name="Rank">Int.</param>
/// <param name="Score">Double.</param>
/// <param name="Vip">Bool.</param>
/// <param name="Since">Datetime.</param>
/// <param name="Tags">KeywordList.</param>
/// <param name="Notes">Text.</param>
public sealed record TypedAttributes(long Rank, double Score, bool Vip, DateTimeOffset Since, string[] Tags,
    string Notes);

/// <summary>Upserts one search attribute of every type; on a signal unsets the tags; finishes on another.</summary>
[Workflow]
public class TypedAttributesWorkflow
{
    public static readonly SearchAttributeKey<long> Rank = SearchAttributeKey.CreateLong("Rank");
    public static readonly SearchAttributeKey<double> Score = SearchAttributeKey.CreateDouble("Score");
    public static readonly SearchAttributeKey<bool> Vip = SearchAttributeKey.CreateBool("Vip");
    public static readonly SearchAttributeKey<DateTimeOffset> Since = SearchAttributeKey.CreateDateTimeOffset("Since");
    public static readonly SearchAttributeKey<IReadOnlyCollection<string>> Tags =
        SearchAttributeKey.CreateKeywordList("Tags");

    public static readonly SearchAttributeKey<string> Notes = SearchAttributeKey.CreateText("Notes");

    private bool clearTags;
    private bool finished;

    [WorkflowRun]
    public async Task RunAsync(TypedAttributes values)
    {
        Workflow.UpsertTypedSearchAttributes(
            Rank.ValueSet(values.Rank), Score.ValueSet(values.Score), Vip.ValueSet(values.Vip),
            Since.ValueSet(values.Since), Tags.ValueSet(values.Tags), Notes.ValueSet(values.Notes));
        await Workflow.WaitConditionAsync(() => clearTags || finished);
        if (clearTags)
        {
            Workflow.UpsertTypedSearchAttributes(Tags.ValueUnset());
        }

        await Workflow.WaitConditionAsync(() => finished);
    }

    [WorkflowSignal]
    public Task ClearTagsAsync()
    {
        clearTags = true;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }
}

/// <summary>An activity that fails twice (retried an hour apart each time), then a day's sleep.</summary>
[Workflow]
public class LongRunningWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var start = Workflow.UtcNow;
        await Workflow.ExecuteActivityAsync((FlakyActivities a) => a.FailTwice(), new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(30),
            RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromHours(1), BackoffCoefficient = 1 },
        });
        await Workflow.DelayAsync(TimeSpan.FromDays(1));
        return $"took {(Workflow.UtcNow - start).TotalHours:0} hours of workflow time";
    }
}

/// <summary>Takes a patched branch (a marker in history) and changes its memo as it goes.</summary>
[Workflow]
public class PatchAndMemoWorkflow
{
    private bool finished;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var branch = Workflow.Patched("new-greeting") ? "patched" : "original";
        Workflow.UpsertMemo(MemoUpdate.ValueSet("stage", "started"), MemoUpdate.ValueSet("branch", branch));
        await Workflow.WaitConditionAsync(() => finished);
        Workflow.UpsertMemo(MemoUpdate.ValueSet("stage", "finished"));
        return branch;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }
}

/// <summary>Upserts a search attribute nobody registered.</summary>
[Workflow]
public class UndefinedAttributeWorkflow
{
    /// <summary>Not registered on the server.</summary>
    public static readonly SearchAttributeKey<string> Undefined = SearchAttributeKey.CreateKeyword("NeverRegistered");

    [WorkflowRun]
    public async Task RunAsync()
    {
        Workflow.UpsertTypedSearchAttributes(Undefined.ValueSet("x"));
        await Workflow.DelayAsync(TimeSpan.FromHours(1));
    }
}
