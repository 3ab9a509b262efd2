using DurableDelivery.Engine.Common;

namespace DurableDelivery.Engine.Activities;

/// <summary>What an activity knows about its current attempt.</summary>
public sealed record ActivityInfo
{
    /// <summary>Gets the activity type name.</summary>
    public required string ActivityType { get; init; }

    /// <summary>Gets the activity id: the id of its ActivityTaskScheduled event.</summary>
    public required string ActivityId { get; init; }

    /// <summary>Gets the attempt number, starting at 1.</summary>
    public required int Attempt { get; init; }

    /// <summary>Gets the workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>Gets the workflow run id.</summary>
    public required string WorkflowRunId { get; init; }

    /// <summary>Gets the workflow type.</summary>
    public required string WorkflowType { get; init; }

    /// <summary>Gets the task queue.</summary>
    public required string TaskQueue { get; init; }

    /// <summary>Gets when the activity was first scheduled.</summary>
    public DateTimeOffset ScheduledTime { get; init; }

    /// <summary>Gets when this attempt started.</summary>
    public DateTimeOffset StartedTime { get; init; }

    /// <summary>Gets the heartbeat timeout, if any.</summary>
    public TimeSpan? HeartbeatTimeout { get; init; }

    /// <summary>Gets the per-attempt timeout.</summary>
    public TimeSpan? StartToCloseTimeout { get; init; }

    /// <summary>
    /// Gets a key that is the same for every attempt of this activity and different for every other activity:
    /// pass it to external systems so that a retried call is not applied twice.
    /// </summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Gets the details of the last heartbeat of a previous attempt (a JSON array), if any.</summary>
    public string? HeartbeatDetailsJson { get; init; }

    /// <summary>Gets a value indicating whether a previous attempt left heartbeat details.</summary>
    public bool HasHeartbeatDetails => HeartbeatDetailsJson is not null;

    /// <summary>Reads one value of the previous attempt's last heartbeat.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="index">The position among the heartbeat's details.</param>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidOperationException">No heartbeat details exist at that index.</exception>
    public Task<T> HeartbeatDetailAtAsync<T>(int index)
    {
        if (HeartbeatDetailsJson is null)
        {
            throw new InvalidOperationException("No heartbeat details: no previous attempt heartbeated. Check HasHeartbeatDetails first.");
        }

        using var doc = System.Text.Json.JsonDocument.Parse(HeartbeatDetailsJson);
        if (index < 0 || index >= doc.RootElement.GetArrayLength())
        {
            throw new InvalidOperationException($"No heartbeat detail at index {index}; the last heartbeat had {doc.RootElement.GetArrayLength()}.");
        }

        return Task.FromResult(PayloadConverter.Deserialize<T>(doc.RootElement[index].GetRawText()));
    }
}
