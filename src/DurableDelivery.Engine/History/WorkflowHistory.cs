using System.Text.Json;
using DurableDelivery.Engine.Common;

namespace DurableDelivery.Engine.History;

/// <summary>The full history of one run, exportable as JSON and replayable with <see cref="Worker.WorkflowReplayer"/>.</summary>
/// <param name="WorkflowId">The workflow id.</param>
/// <param name="Events">The events, in order.</param>
public sealed record WorkflowHistory(string WorkflowId, IReadOnlyList<HistoryEvent> Events)
{
    /// <summary>Serializes the history as indented JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(
        new HistoryFile { WorkflowId = WorkflowId, Events = Events },
        new JsonSerializerOptions(PayloadConverter.Options) { WriteIndented = true });

    /// <summary>Reads a history exported by <see cref="ToJson"/> (or by <c>ddctl workflow show --output json</c>).</summary>
    /// <param name="workflowId">The workflow id to use when the file does not name one.</param>
    /// <param name="json">The JSON text.</param>
    /// <returns>The history.</returns>
    public static WorkflowHistory FromJson(string workflowId, string json)
    {
        var file = JsonSerializer.Deserialize<HistoryFile>(json, PayloadConverter.Options)
            ?? throw new ArgumentException("The history JSON is empty.");
        if (file.Events is null || file.Events.Count == 0)
        {
            throw new ArgumentException("The history JSON has no events; export it with WorkflowHistory.ToJson().");
        }

        return new WorkflowHistory(file.WorkflowId ?? workflowId, file.Events);
    }

    private sealed record HistoryFile
    {
        public string? WorkflowId { get; init; }

        public IReadOnlyList<HistoryEvent>? Events { get; init; }
    }
}
